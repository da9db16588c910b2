#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make dkms-check': install goalloc the way a user with DKMS does, against
# Debian's stock 6.12 headers, and load what DKMS built in the stock kernel.
#
#   make dkms-src (into build/dkms/root/usr/src/goalloc-<ver>)
#   -> dkms add, build and install (--no-depmod), with a private
#      --dkmstree/--sourcetree/--installtree under build/dkms (the host's
#      /var/lib/dkms, /usr/src and /lib/modules are left alone; the module is
#      signed with a throwaway key made there, not the host's MOK)
#   -> examples/client built against the Module.symvers DKMS's post-build
#      step left in <sourcetree>/goalloc-<ver>/<kver>/ (the documented place)
#   -> the stock kernel in QEMU loads goalloc.ko (DKMS's) and the client
#   -> scripts/judge.py: the client's KTAP, no splat, taint only O/E.
# Its last line is the judge's "<n> passed, <n> failed".
#
# usage: dkms-check.sh [--tap FILE]
#   --tap  also write the outcome as a TAP document of three cases
#          (dkms_build, client_build, stock_guest) for make check's judge
# Knobs: GOALLOC_DKMS_TIMEOUT (guest timeout, default 300 s), GOALLOC_SMP.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

tap=
[ "${1:-}" != --tap ] || tap=${2:?dkms-check.sh: --tap needs a file}
[ -z "$tap" ] || rm -f "$tap"
top=$GOALLOC_TOP
out=$GOALLOC_OUT/dkms
t0=$(date +%s)
command -v dkms >/dev/null || die "dkms not installed; run 'make deps' as root"
stock_kernel
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
[ -n "$ver" ] || die "no PACKAGE_VERSION in dkms.conf"

rm -rf "$out"
# dkms install wants the kernel's directory there.
mkdir -p "$out/tree" "$out/modules/$kver"
srctree=$out/root/usr/src
make -s -C "$top" dkms-src DESTDIR="$out/root"
dk=(--dkmstree "$out/tree" --sourcetree "$srctree")
# prepare_signing in dkms reads these when /etc/dkms/framework.conf does not
# set them: a key of its own here instead of /var/lib/dkms/mok.key.
export mok_signing_key=$out/mok.key mok_certificate=$out/mok.pub
problems=()
msg "dkms: add + build + install goalloc/$ver for $kver (log: $out/dkms.log)"
if ! { dkms add -m goalloc -v "$ver" "${dk[@]}" &&
       dkms build -m goalloc -v "$ver" -k "$kver" --kernelsourcedir "$hdr" -j "$GOALLOC_JOBS" "${dk[@]}" &&
       dkms install -m goalloc -v "$ver" -k "$kver" --no-depmod --installtree "$out/modules" "${dk[@]}" &&
       dkms status -m goalloc "${dk[@]}"; } >"$out/dkms.log" 2>&1; then
	sed 's/^/    /' "$out/dkms.log" | tail -n 30 >&2
	mlog=$(ls "$out"/tree/goalloc/"$ver"/build/make.log 2>/dev/null || true)
	[ -z "$mlog" ] || grep -E 'error:|ERROR:|\*\*\*' "$mlog" | head -n 20 | sed 's/^/    /' >&2 || true
	problems+=(--problem "dkms add/build failed (log: $out/dkms.log)")
fi
tdkms=$(( $(date +%s) - t0 ))

# What DKMS built and installed (DEST_MODULE_LOCATION, compressed like the
# kernel's own modules: .ko.xz here).
kdir=$out/tree/goalloc/$ver/$kver/$(uname -m)/module
ko=$(find "$out/modules/$kver/updates/dkms" -name 'goalloc.ko*' 2>/dev/null | head -n 1 || true)
symvers=$srctree/goalloc-$ver/$kver/Module.symvers
mods=() progs=() pnames=()
if [ -n "$ko" ]; then
	case $ko in
	*.xz) xz -dc "$ko" >"$out/goalloc.ko" ;;
	*.gz) gzip -dc "$ko" >"$out/goalloc.ko" ;;
	*.zst) zstd -qdc "$ko" >"$out/goalloc.ko" ;;
	*) cp "$ko" "$out/goalloc.ko" ;;
	esac
	vm=$(modinfo -F vermagic "$out/goalloc.ko")
	msg "dkms: built $ko (vermagic: $vm; $(modinfo -F signer "$out/goalloc.ko" 2>/dev/null || true))"
	case $vm in "$kver "*) ;; *) problems+=(--problem "DKMS's goalloc.ko has vermagic '$vm', not $kver") ;; esac
	# Nothing but goalloc.ko (no KUnit, no bench module) was linked.
	others=$(grep -E 'LD \[M\].*\.ko$' "$kdir/../log/make.log" | grep -v '/goalloc\.ko$' || true)
	[ -z "$others" ] || problems+=(--problem "DKMS built more than goalloc.ko: $others")
	mods+=(-k "$out/goalloc.ko")
elif [ ${#problems[@]} = 0 ]; then
	problems+=(--problem "dkms install left no goalloc.ko in $out/modules/$kver/updates/dkms")
fi
[ -z "$ko" ] || [ -f "$symvers" ] ||
	problems+=(--problem "the post-build step left no $symvers")
# Everything so far is about what DKMS did.
dkms_bad=${#problems[@]}
if [ -n "$ko" ] && [ -f "$symvers" ]; then
	msg "client: examples/client against $symvers (log: $out/client.log)"
	if build_client "$hdr" "$symvers" "$out/client" "$out/client.log"; then
		mods+=(-k "$out/client/goalloc_client.ko")
		progs+=(-t "$top/examples/client/goalloc_client_ktap.sh")
		pnames+=(--guest-prog goalloc_client_ktap.sh)
	else
		problems+=(--problem "examples/client failed to build against DKMS's Module.symvers")
	fi
fi

judge=(python3 "$top/scripts/judge.py" --ksrc "$(src_dir)" --work "$out/ktap" --expect-suites 0
       "${problems[@]}" "${pnames[@]}")
qrc=0 tmo=${GOALLOC_DKMS_TIMEOUT:-300}
if [ ${#mods[@]} -gt 0 ]; then
	"$top/scripts/mkinitramfs.sh" -m check -o "$out/initramfs.cpio.gz" "${mods[@]}" "${progs[@]}"
	"$top/scripts/run-qemu.sh" -k "$img" -i "$out/initramfs.cpio.gz" -l "$out/serial.log" \
		-t "$tmo" || qrc=$?
	judge+=(--log "$out/serial.log" --qemu-rc "$qrc" --timeout "$tmo")
fi
msg "timings: dkms add+build+install ${tdkms}s; total $(( $(date +%s) - t0 ))s"
jrc=0
"${judge[@]}" || jrc=$?
if [ -n "$tap" ]; then
	# make check counts these three; the details are in the output above.
	r() { if [ "$1" = 0 ]; then echo "ok $2 $3"; else echo "not ok $2 $3"; fi; }
	{
		echo "TAP version 13"
		echo "1..3"
		r "$dkms_bad" 1 dkms_build
		r "$([ ${#progs[@]} -gt 0 ]; echo $?)" 2 client_build
		r "$jrc" 3 stock_guest
	} >"$tap"
fi
exit "$jrc"
