#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make check': test kernel (cached) -> userspace harness on the host ->
# Sphinx/kernel-doc render of Documentation/ -> modules built against the
# test kernel (W=1), and examples/client against their Module.symvers ->
# initramfs -> boot under QEMU -> a second, short boot for the KASAN proof
# -> DKMS build and a boot of the stock kernel (scripts/dkms-check.sh) ->
# scripts/judge.py.
# Exits non-zero on any failure; the judge's last line is
# "<n> passed, <n> failed[, <n> skipped]".
#
# The second boot loads only goalloc.ko and goalloc_kasan_kunit.ko
# (kunit/kasan_test.c), whose cases make bad accesses KASAN must report.  A
# report taints the kernel and turns lockdep off for the rest of the boot,
# so it cannot share the main boot, which must stay report-free.
#
# Knobs (environment):
#   GOALLOC_MODSRC       module source (Kbuild, mod/, include/, kunit/);
#                        default: this repository
#   GOALLOC_TIMEOUT      guest timeout in seconds (default 600)
#   GOALLOC_KASAN_TIMEOUT  the KASAN boot's timeout (default 240)
#   GOALLOC_KASAN_BOOT=0 skip the KASAN boot
#   GOALLOC_SMP          guest vCPUs (default 2)
#   GOALLOC_CMDLINE      extra kernel command line, e.g. kunit.filter_glob=...
#   GOALLOC_HOOK         shell script the guest runs after the tests
#                        (default: scripts/guest-reliability.sh, final mode)
#   GOALLOC_GUEST_PROGS  extra static test programs to run in the guest
#   GOALLOC_HARNESS=0    skip the host harness
#   GOALLOC_TOOLS=0      skip tools/ (the /dev/goalloc selftest and goallocctl)
#   GOALLOC_DKMS=0       skip the DKMS build and stock-kernel boot (dkms-check.sh)
#   GOALLOC_WERROR=1     fail on compiler/modpost warnings in the module build
#   KCFLAGS              extra compiler flags for the modules (kbuild's own)
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

top=$GOALLOC_TOP
modsrc=$(cd "${GOALLOC_MODSRC:-$top}" && pwd)
out=$GOALLOC_OUT/check
tmo=${GOALLOC_TIMEOUT:-600}
mkdir -p "$out"
t0=$(date +%s)
times=()
step() { times+=("$1 $(( $(date +%s) - ts ))s"); ts=$(date +%s); }
ts=$t0
problems=()

# 1. Test kernel (built once per config/source/compiler; 15-25 min cold).
test_kernel
step kernel

# 2. Userspace harness on the host (ASan/UBSan).  Its failures are reported
#    by the judge together with the guest's, so a red harness does not hide
#    the kernel results.
hdir=$top/tools/testing/goalloc
hout=$GOALLOC_OUT/harness
taps=()
if [ "${GOALLOC_HARNESS:-1}" != 0 ]; then
	# Binaries rebuild incrementally (the Makefile tracks mod/ and include/);
	# stale TAP files must not survive a failed build.
	rm -f "$hout"/*.tap
	msg "harness: building and running tools/testing/goalloc (log: $out/harness.log)"
	if ! make -j"$GOALLOC_JOBS" -C "$hdir" KSFT="$sd/tools/testing/selftests" OUT="$hout" run \
		>"$out/harness.log" 2>&1; then
		msg "harness: some programs failed to build or failed; last lines of the log:"
		tail -n 15 "$out/harness.log" | sed 's/^/    /' >&2
	fi
	for c in "$hdir"/*_test.c; do
		[ -e "$c" ] || continue
		n=$(basename "$c" .c)
		taps+=(--harness-tap "$n=$hout/$n.tap")
	done
fi
step harness

# Documentation/*.rst and the kernel-doc it pulls in, through Sphinx with the
# kernel's kerneldoc extension, warnings fatal (scripts/docs-check.sh, a few
# seconds; one TAP case, a skip without Sphinx).
rm -f "$out/docs.tap"
"$top/scripts/docs-check.sh" --tap "$out/docs.tap" >"$out/docs.log" 2>&1 ||
	tail -n 20 "$out/docs.log" | sed 's/^/    /' >&2
msg "$(tail -n 1 "$out/docs.log")"
taps+=(--harness-tap "docs=$out/docs.tap")
step docs

# scripts/heapmap.py renders a known heap_map dump; the test decodes the
# PNG and checks sizes, legend and pixels (a second, and TAP for the judge).
rm -f "$out/heapmap.tap"
python3 "$hdir/heapmap_test.py" --tap "$out/heapmap.tap" --keep "$out/heapmap" \
	>"$out/heapmap.log" 2>&1 || grep -E '^not ok' "$out/heapmap.log" | sed 's/^/    /' >&2 || true
taps+=(--harness-tap "heapmap=$out/heapmap.tap")

# 3. Modules against the test kernel tree.  The sources are copied to
#    build/check/src and built there (make demo uses build/demo/src): objects
#    for the KASAN/KUnit test kernel and for Debian's stock kernel can never
#    mix, an in-tree 'make' against the host's headers is left alone, and a
#    fresh copy makes every run a clean build (a few seconds).
msrc=$out/src
copy_module_source "$modsrc" "$msrc"
msg "modules: make -j$GOALLOC_JOBS -C $kd M=$msrc W=1 (log: $out/modules.log)"
build_modules "$kd" "$msrc" "$out/modules.log" ||
	problems+=(--problem "module build failed against the test kernel (log: $out/modules.log)")
warns=$(grep -cE '(warning|WARNING):' "$out/modules.log" || true)
if [ "$warns" -gt 0 ]; then
	msg "modules: $warns warning(s) with W=1:"
	grep -E '(warning|WARNING):' "$out/modules.log" | head -n 30 | sed 's/^/    /' >&2
	[ "${GOALLOC_WERROR:-0}" = 0 ] ||
		problems+=(--problem "$warns compiler/modpost warning(s) (GOALLOC_WERROR=1)")
fi
step modules

# examples/client, built the way another module builds against goalloc: its
# header and the Module.symvers just made, through KBUILD_EXTRA_SYMBOLS.
# A client failure is reported with the rest but does not stop the boot.
client=() cprob=()
if [ -f "$top/examples/client/Kbuild" ] && [ -f "$msrc/goalloc.ko" ]; then
	msg "client: examples/client against $msrc/Module.symvers (log: $out/client.log)"
	if build_client "$kd" "$msrc/Module.symvers" "$out/client" "$out/client.log"; then
		client=(-k "$out/client/goalloc_client.ko")
		cw=$(grep -cE '(warning|WARNING):' "$out/client.log" || true)
		if [ "$cw" -gt 0 ]; then
			msg "client: $cw warning(s) with W=1 (log: $out/client.log)"
			[ "${GOALLOC_WERROR:-0}" = 0 ] ||
				cprob+=(--problem "examples/client: $cw warning(s) (GOALLOC_WERROR=1)")
		fi
	else
		cprob+=(--problem "examples/client failed to build (log: $out/client.log)")
	fi
fi

# The tiers import one way: scripts/layering.py reads nm of the objects just
# built and fails on a cycle or an upward import (its TAP goes to the judge).
rm -f "$out/layering.tap"
if [ -f "$msrc/goalloc.ko" ]; then
	python3 "$top/scripts/layering.py" "$msrc" --tap "$out/layering.tap" >"$out/layering.log" 2>&1 ||
		sed 's/^/    /' "$out/layering.log" | grep -E 'FAILED' >&2 || true
	taps+=(--harness-tap "layering=$out/layering.tap")
fi

# Suites per boot: kunit/kasan_test.c is goalloc_kasan_kunit.ko, which only
# the KASAN boot loads; every other kunit/*.c is in goalloc_kunit.ko.
expect=0 kexpect=0
for f in "$modsrc"/kunit/*.c; do
	[ -e "$f" ] || continue
	n=$(grep -cE '^[[:space:]]*(static[[:space:]]+)?struct[[:space:]]+kunit_suite[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=' "$f" || true)
	case $(basename "$f") in
	kasan_test.c) kexpect=$((kexpect + n)) ;;
	*) expect=$((expect + n)) ;;
	esac
done

judge=(python3 "$top/scripts/judge.py" --ksrc "$sd" --work "$out/ktap" "${taps[@]}" "${problems[@]}")
if [ ${#problems[@]} -gt 0 ]; then
	# Nothing to boot: report the build failure (and the harness) and stop.
	exec "${judge[@]}"
fi

# 4. Guest programs: tools/Makefile builds static binaries over /dev/goalloc.
#    goallocctl (the CLI) goes into the guest's /bin for hooks; every other
#    binary (goalloc_selftest, goalloc_stress, ...) is a test that prints TAP
#    and runs in the guest.  Extra test programs can come from
#    GOALLOC_GUEST_PROGS.
progs=() pnames=()
if [ "${GOALLOC_TOOLS:-1}" != 0 ] && [ -f "$top/tools/Makefile" ]; then
	tout=$out/tools
	rm -rf "$tout"
	msg "tools: make -C tools (log: $out/tools.log)"
	if build_tools "$tout" "$out/tools.log"; then
		for p in "$tout"/*; do
			{ [ -f "$p" ] && [ -x "$p" ]; } || continue
			case $(basename "$p") in
			goallocctl) progs+=(-b "$p") ;;
			*) progs+=(-t "$p"); pnames+=(--guest-prog "$(basename "$p")") ;;
			esac
		done
	else
		problems+=(--problem "tools/ failed to build (log: $out/tools.log)")
	fi
fi
# heap_map read during a workload; the dump it prints is drawn after the boot.
progs+=(-t "$top/scripts/heapmap-guest.sh")
pnames+=(--guest-prog heapmap-guest.sh)
# goalloc_client.ko prints its KTAP to the kernel log; this prints it again.
if [ ${#client[@]} -gt 0 ]; then
	progs+=(-t "$top/examples/client/goalloc_client_ktap.sh")
	pnames+=(--guest-prog goalloc_client_ktap.sh)
fi
for p in ${GOALLOC_GUEST_PROGS:-}; do
	progs+=(-t "$p")
	pnames+=(--guest-prog "$(basename "$p")")
done
problems+=("${cprob[@]}")
judge+=("${problems[@]}")
step tools

# 5. Initramfs: goalloc.ko first, then its KUnit module, then the example
#    client (unloaded in reverse).
mods=(-k "$msrc/goalloc.ko")
if [ -f "$msrc/goalloc_kunit.ko" ]; then
	mods+=(-k "$msrc/goalloc_kunit.ko")
else
	msg "warning: no goalloc_kunit.ko was built (no KUnit suites will run)"
fi
# The example client last: it needs goalloc, and is unloaded first.
mods+=("${client[@]}")
# The default hook (scripts/guest-reliability.sh, mode "final") ends the run
# with GC + DRAIN + RELEASE and requires every object, stack and arena back.
"$top/scripts/mkinitramfs.sh" -m check -o "$out/initramfs.cpio.gz" "${mods[@]}" \
	"${progs[@]}" -H "${GOALLOC_HOOK:-$top/scripts/guest-reliability.sh}"

# The KASAN boot's initramfs: goalloc.ko and the KASAN proof, nothing else.
# Kbuild builds that module on a kernel with KUnit, generic KASAN and the
# hooks CONFIG_KASAN_KUNIT_TEST exports; the test kernel has all three.
kasan=0
kcfg() { grep -qE "^$1=[ym]" "$kd/.config"; }
if [ "${GOALLOC_KASAN_BOOT:-1}" != 0 ] && [ -f "$modsrc/kunit/kasan_test.c" ]; then
	if ! { kcfg CONFIG_KUNIT && kcfg CONFIG_KASAN_GENERIC && kcfg CONFIG_KASAN_KUNIT_TEST; }; then
		msg "warning: $kd lacks KUnit, generic KASAN or KASAN_KUNIT_TEST: no KASAN boot"
	elif [ -f "$msrc/goalloc_kasan_kunit.ko" ]; then
		"$top/scripts/mkinitramfs.sh" -m check -o "$out/initramfs-kasan.cpio.gz" \
			-k "$msrc/goalloc.ko" -k "$msrc/goalloc_kasan_kunit.ko"
		kasan=1
	else
		judge+=(--problem "goalloc_kasan_kunit.ko was not built (log: $out/modules.log)")
	fi
fi
step initramfs

# 6. Boot.
qrc=0
"$top/scripts/run-qemu.sh" -k "$bzimage" -i "$out/initramfs.cpio.gz" -l "$out/serial.log" \
	-t "$tmo" -a "goalloc_reliability=final${GOALLOC_CMDLINE:+ $GOALLOC_CMDLINE}" || qrc=$?
step boot

# The live dump heapmap-guest.sh printed must parse and draw (one TAP case).
rm -f "$out/heapmap-live.png"
if python3 "$top/scripts/heapmap.py" --log "$out/serial.log" --step live \
	-o "$out/heapmap-live.png" >"$out/heapmap-live.log" 2>&1; then
	r="ok 1 live_dump_draws"
else
	r="not ok 1 live_dump_draws # $(tail -n 1 "$out/heapmap-live.log")"
fi
printf 'TAP version 13\n1..1\n%s\n' "$r" >"$out/heapmap-live.tap"
judge+=(--harness-tap "heapmap-live=$out/heapmap-live.tap")

# 7. The KASAN boot (20-40 s): its reports must be exactly those listed in
#    kunit/kasan_test.expect.
if [ $kasan = 1 ]; then
	ktmo=${GOALLOC_KASAN_TIMEOUT:-240}
	kqrc=0
	"$top/scripts/run-qemu.sh" -k "$bzimage" -i "$out/initramfs-kasan.cpio.gz" \
		-l "$out/serial-kasan.log" -t "$ktmo" -a "${GOALLOC_CMDLINE:-}" || kqrc=$?
	judge+=(--kasan-log "$out/serial-kasan.log" --kasan-expect "$modsrc/kunit/kasan_test.expect"
		--kasan-expect-suites "$kexpect" --kasan-qemu-rc "$kqrc" --kasan-timeout "$ktmo")
	step kasan-boot
fi
# 8. DKMS on Debian's stock kernel (scripts/dkms-check.sh, about a minute):
#    dkms add + build against the stock headers in a private tree, then a
#    boot of the stock kernel that loads that goalloc.ko and the example
#    client built against the Module.symvers DKMS kept.  It judges its own
#    boot; its verdict comes here as three TAP cases (harness:dkms).
if [ "${GOALLOC_DKMS:-1}" != 0 ]; then
	msg "dkms: scripts/dkms-check.sh (log: $out/dkms.log)"
	"$top/scripts/dkms-check.sh" --tap "$out/dkms.tap" >"$out/dkms.log" 2>&1 ||
		{ tail -n 15 "$out/dkms.log" | sed 's/^/    /' >&2; }
	judge+=(--harness-tap "dkms=$out/dkms.tap")
	step dkms
fi
msg "timings: ${times[*]}; total $(( $(date +%s) - t0 ))s"

# 9. Judge.
exec "${judge[@]}" --log "$out/serial.log" --expect-suites "$expect" "${pnames[@]}" \
	--qemu-rc "$qrc" --timeout "$tmo"
