#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make demo': build goalloc.ko against Debian's stock 6.12 headers, boot the
# stock kernel in QEMU with a busybox initramfs, load goalloc, show its kernel
# messages and every /sys/kernel/debug/goalloc file, unload it, and print a
# readable excerpt of the guest's output, then draw the heap after each step
# of the workload (build/demo/heap-<step>.png, scripts/heapmap.py).  The KUnit module is never built
# or loaded here (the stock kernel has no KUnit).
#
# Knobs: GOALLOC_MODSRC (module source), GOALLOC_DEMO_TIMEOUT (default 300 s),
#        GOALLOC_SMP, GOALLOC_CMDLINE, GOALLOC_HOOK (as for make check).
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

top=$GOALLOC_TOP
modsrc=$(cd "${GOALLOC_MODSRC:-$top}" && pwd)
out=$GOALLOC_OUT/demo
mkdir -p "$out"
t0=$(date +%s)

stock_kernel

# Separate copy from make check's (build/check/src): see scripts/check.sh.
msrc=$out/src
copy_module_source "$modsrc" "$msrc"
rm -rf "$msrc/kunit"
msg "demo: building goalloc.ko against $hdr (log: $out/modules.log)"
build_modules "$hdr" "$msrc" "$out/modules.log" ||
	die "goalloc.ko failed to build against the stock headers (log: $out/modules.log)"
[ -f "$msrc/goalloc.ko" ] || die "build produced no goalloc.ko (log: $out/modules.log)"

# goallocctl (tools/) drives /dev/goalloc: "goallocctl demo" runs in the guest.
bins=()
if [ "${GOALLOC_TOOLS:-1}" != 0 ] && [ -f "$top/tools/Makefile" ]; then
	if build_tools "$out/tools" "$out/tools.log" "$out/tools/goallocctl"; then
		bins+=(-b "$out/tools/goallocctl")
	else
		msg "demo: WARNING: goallocctl failed to build (log: $out/tools.log); skipping its demo"
	fi
fi
"$top/scripts/mkinitramfs.sh" -m demo -o "$out/initramfs.cpio.gz" -k "$msrc/goalloc.ko" \
	"${bins[@]}" ${GOALLOC_HOOK:+-H "$GOALLOC_HOOK"}
rc=0
"$top/scripts/run-qemu.sh" -k "$img" -i "$out/initramfs.cpio.gz" -l "$out/serial.log" \
	-t "${GOALLOC_DEMO_TIMEOUT:-300}" -a "${GOALLOC_CMDLINE:-}" || rc=$?

# The excerpt: everything /init printed, markers turned into headings.
echo
echo "=== goalloc demo: Debian stock kernel $kver under QEMU (TCG) ==="
tr -d '\r' <"$out/serial.log" | awk '
	/^@@BOOT/ { on = 1; sub(/^@@BOOT /, ""); print "guest: " $0; next }
	!on { next }
	/^@@INSMOD / { print "\n--- insmod " $2 " ---"; next }
	/^@@RMMOD / { print "\n--- rmmod " $2 " ---"; next }
	/^@@SECTION cat .*heap_map$/ { print "\n--- " $3 ": drawn below ---"; hm = 1; next }
	/^@@SECTION / { hm = 0; sub(/^@@SECTION /, ""); print "\n--- " $0 " ---"; next }
	/^@@HOOK/ { print "\n--- hook ---"; next }
	/^@@EXIT / { if ($3 != 0) print "(" $2 " exited with status " $3 ")"; next }
	/^@@END/ { next }
	/^@@TAINT / { t = $2; print "\n--- taint: " t " ---"; next }
	/^@@DONE/ { exit }
	/^@@HEAPMAP_END/ { hm = 0; next }
	/^@@HEAPMAP / { hm = 1; print "  [heap map: " $2 "]"; next }
	/^@@/ { hm = 0 }
	hm { next }
	{ print "  " $0 }'
echo

# The heap at each step of "goallocctl demo --heapmap": debugfs's heap_map,
# drawn by scripts/heapmap.py.
pics=()
rm -f "$out"/heap-*.png
for s in allocated freed gc released; do
	if python3 "$top/scripts/heapmap.py" --log "$out/serial.log" --step "$s" \
		-o "$out/heap-$s.png" >"$out/heap-$s.log" 2>&1; then
		pics+=("$out/heap-$s.png")
	else
		echo "demo: no picture of step '$s': $(tail -n 1 "$out/heap-$s.log")"
	fi
done
if [ ${#pics[@]} -gt 0 ]; then
	echo "heap pictures (after allocating, freeing, GC, release):"
	printf '  %s\n' "${pics[@]}"
fi

fail=
grep -q '^@@DONE' <(tr -d '\r' <"$out/serial.log") || fail="guest did not finish (no @@DONE)"
[ "$rc" = 124 ] && fail="guest timed out"
[ ${#pics[@]} = 4 ] || [ -n "$fail" ] || fail="only ${#pics[@]} of 4 heap pictures drawn"
# Kernel splats (scripts/judge.py's list) and programs that failed.
bad=$({ splat_lines "$out/serial.log"
	tr -d '\r' <"$out/serial.log" | grep -nE '^@@EXIT [^ ]+ [1-9]' || true; } | sort -n)
if [ -n "$bad" ]; then
	echo "problems in the guest log:"
	echo "$bad" | head -n 20 | sed 's/^/  /'
	fail=${fail:-"goalloc misbehaved on the stock kernel (see above)"}
fi
if [ -n "$fail" ]; then
	echo "demo: FAILED: $fail; serial log: $out/serial.log"
	exit 1
fi
echo "demo: OK in $(( $(date +%s) - t0 ))s (taint $(tr -d '\r' <"$out/serial.log" |
	sed -n 's/^@@TAINT //p'): O = out-of-tree, E = unsigned module); serial log: $out/serial.log"
