#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make stress': goalloc's reliability runs with long bounds in the debug
# guest (KASAN, lockdep, kmemleak, fault injection): scripts/guest-reliability.sh
# in long mode runs goalloc_stress --profile long (hotplug of cpu1, fail_grow,
# fail_meta, everything at once with extra threads; about 7 minutes), the
# ioctl fuzzer for 60000 calls and for 10000 more under fault injection, and
# checks that the heap holds nothing afterwards; /init then unloads the module
# and runs kmemleak, and scripts/judge.py judges the log (every run's TAP,
# splats, taint).  Exits non-zero on any failure; the judge's last line is
# "<n> passed, <n> failed[, <n> skipped]", and the hook's "reliability:"
# lines in the log give the figures (also printed at the end).
#
# Knobs (environment):
#   GOALLOC_MODSRC        module source (default: this repository)
#   GOALLOC_SMP           guest vCPUs (default 2; cpu1 is the one hotplugged)
#   GOALLOC_TIMEOUT       guest timeout in seconds (default 1800)
#   GOALLOC_RELIABILITY   long (default) or check (the short runs of make check)
#   GOALLOC_SEED          one seed for every run (default: from the clock)
#   GOALLOC_KUNIT_GLOB    KUnit suites to run first (default goalloc_tiny_stress:
#                         the two-CPU tiny block race, long; '*' runs them all)
#   GOALLOC_TINY_OPS      objects the two-CPU tiny case allocates (default
#                         2000000; make check runs 20000)
#   GOALLOC_CMDLINE       extra kernel command line
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

top=$GOALLOC_TOP
modsrc=$(cd "${GOALLOC_MODSRC:-$top}" && pwd)
out=$GOALLOC_OUT/stress
tmo=${GOALLOC_TIMEOUT:-1800}
mode=${GOALLOC_RELIABILITY:-long}
glob=${GOALLOC_KUNIT_GLOB:-goalloc_tiny_stress}
export GOALLOC_SMP=${GOALLOC_SMP:-2}
mkdir -p "$out"
t0=$(date +%s)

case $mode in
long) progs=(goalloc_stress.long goalloc_fuzz.long goalloc_fuzz.faults) ;;
check) progs=(goalloc_stress.check goalloc_fuzz.check) ;;
*) die "GOALLOC_RELIABILITY must be long or check, not '$mode'" ;;
esac

# 1. Test kernel (cached; see scripts/build-kernel.sh).
test_kernel

# 2. Modules against it, from a fresh copy (as make check does).
msrc=$out/src
copy_module_source "$modsrc" "$msrc"
msg "modules: make -j$GOALLOC_JOBS -C $kd M=$msrc W=1 (log: $out/modules.log)"
build_modules "$kd" "$msrc" "$out/modules.log" || die "module build failed (log: $out/modules.log)"
mods=(-k "$msrc/goalloc.ko")
if [ -f "$msrc/goalloc_kunit.ko" ]; then
	mods+=(-k "$msrc/goalloc_kunit.ko")
fi

# 3. The programs (static) go into the guest's /bin, run by the hook.
tout=$out/tools
rm -rf "$tout"
msg "tools: make -C tools (log: $out/tools.log)"
build_tools "$tout" "$out/tools.log" || die "tools/ failed to build (log: $out/tools.log)"
bins=()
for b in goalloc_stress goalloc_fuzz goallocctl; do
	[ -x "$tout/$b" ] || die "tools/ built no $b"
	bins+=(-b "$tout/$b")
done

# 4. Initramfs and boot.  Unknown name=value boot parameters reach /init's
#    environment, which is how the hook learns its mode and seed.
"$top/scripts/mkinitramfs.sh" -m check -o "$out/initramfs.cpio.gz" "${mods[@]}" "${bins[@]}" \
	-H "$top/scripts/guest-reliability.sh"
cmdline="kunit.filter_glob=$glob goalloc_kunit.tiny_stress_ops=${GOALLOC_TINY_OPS:-2000000}"
cmdline+=" goalloc_reliability=$mode"
cmdline+="${GOALLOC_SEED:+ goalloc_seed=$GOALLOC_SEED}${GOALLOC_CMDLINE:+ $GOALLOC_CMDLINE}"
qrc=0
"$top/scripts/run-qemu.sh" -k "$bzimage" -i "$out/initramfs.cpio.gz" -l "$out/serial.log" \
	-t "$tmo" -a "$cmdline" || qrc=$?
msg "stress: guest done after $(( $(date +%s) - t0 ))s in all; figures:"
tr -d '\r' <"$out/serial.log" | sed -n '/^reliability: [0-9]* failed/,/^@@END/p' | grep -v '^@@' >&2 || true

# 5. Judge: every run's TAP and exit status, splats, taint, kmemleak.
guest=()
for p in "${progs[@]}"; do
	guest+=(--guest-prog "$p")
done
exec python3 "$top/scripts/judge.py" --ksrc "$sd" --work "$out/ktap" --log "$out/serial.log" \
	--expect-suites 1 "${guest[@]}" --qemu-rc "$qrc" --timeout "$tmo"
