#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make bench': goalloc against SLUB, vmalloc and the page allocator on
# Debian's stock 6.12 kernel (no sanitizers) under QEMU/TCG, three boots:
#
#   icount  1 vCPU, -icount shift=0: the guest clock advances 1 ns per
#           executed instruction, so every figure is instructions per
#           operation, identical from run to run.  All micro benchmarks,
#           trace replays and the trace memory passes.
#   wall1   1 vCPU, multi-threaded TCG, real time: ns per operation.
#   wall2   2 vCPUs: scaling (1 vs 2 threads) and producer/consumer.
#
# goalloc.ko and goalloc_bench.ko are built against the stock headers in a
# private copy (build/bench/src); the traces of ../shared/traces are
# converted by scripts/trace2bin.py and packed into a second initramfs
# archive appended to the one scripts/mkinitramfs.sh makes.  Every guest
# runs with init_on_alloc=0 (Debian's default is 1), so that neither SLUB
# nor goalloc zeroes memory the caller did not ask to be zeroed.
#
# Output in build/bench/: results.csv (every row of every boot, and the
# traces' size-class floor from scripts/trace2bin.py --floor), results.md
# (tables, ratios, targets met or missed), *.png (scripts/bench-report.py),
# errors.txt (allocations that failed: findings, reported, not fatal),
# serial-*.log, modules.log.  Exit status: non-zero if a module fails to
# build or a guest crashes, hangs or prints a kernel warning.
#
# Knobs: GOALLOC_TRACES (trace directory; default ../shared/traces next to
#        the repository), GOALLOC_BENCH_RUNS (default "icount wall1 wall2"),
#        GOALLOC_BENCH_PCT (iteration counts in % of the defaults, 100),
#        GOALLOC_BENCH_ROUNDS (measured rounds: icount 3, wall 5),
#        GOALLOC_BENCH_TIMEOUT (per boot, default 420 s), GOALLOC_MODSRC.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

top=$GOALLOC_TOP
modsrc=$(cd "${GOALLOC_MODSRC:-$top}" && pwd)
out=$GOALLOC_OUT/bench
traces=${GOALLOC_TRACES:-$(cd "$top/.." && pwd)/shared/traces}
runs=${GOALLOC_BENCH_RUNS:-icount wall1 wall2}
pct=${GOALLOC_BENCH_PCT:-100}
tmo=${GOALLOC_BENCH_TIMEOUT:-420}
mkdir -p "$out"
t0=$(date +%s)

# 1. deps: Debian's python3 with matplotlib for the plots.
py=/usr/bin/python3
if ! "$py" -c 'import matplotlib' 2>/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		msg "bench: installing python3-matplotlib"
		inst() {
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends python3-matplotlib >/dev/null
		}
		inst || { apt-get update -qq && inst; } ||
			msg "bench: could not install python3-matplotlib: no plots"
	else
		msg "bench: python3-matplotlib missing and not root: no plots"
	fi
fi

stock_kernel

# 2. Modules, in a private copy; GOALLOC_BENCH=1 adds bench/ (Kbuild).
msrc=$out/src
copy_module_source "$modsrc" "$msrc"
rm -rf "$msrc/kunit"
[ -f "$msrc/bench/main.c" ] || die "bench/main.c missing in $modsrc"
msg "bench: building goalloc.ko and goalloc_bench.ko against $hdr (log: $out/modules.log)"
build_modules "$hdr" "$msrc" "$out/modules.log" GOALLOC_BENCH=1 ||
	die "module build failed (log: $out/modules.log)"
for m in goalloc goalloc_bench; do
	[ -f "$msrc/$m.ko" ] || die "build produced no $m.ko (log: $out/modules.log)"
done

# 3. Traces -> binary, packed as an extra initramfs archive (/bench/*.gatr).
data=$out/data
mkdir -p "$data/bench"
ntr=0
for t in "$traces"/*.trace.xz; do
	[ -e "$t" ] || continue
	b=$data/bench/$(basename "$t" .trace.xz).gatr
	if [ ! -s "$b" ] || [ "$t" -nt "$b" ] || [ "$top/scripts/trace2bin.py" -nt "$b" ]; then
		"$py" "$top/scripts/trace2bin.py" "$t" "$b" >&2
	fi
	ntr=$((ntr + 1))
done
[ "$ntr" -gt 0 ] || msg "bench: no traces in $traces: trace replays skipped"
(cd "$data" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out/data.cpio.gz"

# 4. One guest script per boot.  r CMD: run a benchmark command and print its
#    rows; @@T lines carry the guest's uptime around it.
hook() {
	local run=$1 rounds
	case $run in icount) rounds=${GOALLOC_BENCH_ROUNDS:-3} ;; *) rounds=${GOALLOC_BENCH_ROUNDS:-5} ;; esac
	cat <<EOF
B=/sys/kernel/debug/goalloc_bench
O="rounds=$rounds pct=$pct"
EOF
	cat <<'EOF'
# The demo /init keeps kernel messages off the console; show this run's.
n0=$(dmesg | wc -l)
r() {
	echo "@@T begin $* $(cut -d' ' -f1 /proc/uptime)"
	echo "$* $O" >$B/run || echo "@@E,$1,-,write to run failed,-"
	cat $B/results
	echo "@@T end $* $(cut -d' ' -f1 /proc/uptime)"
}
echo "@@I,guest,cpus=$(nproc),clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "@@I,guest,cmdline=$(cat /proc/cmdline)"
for f in /sys/devices/system/cpu/vulnerabilities/spectre_v2 /sys/devices/system/cpu/vulnerabilities/retbleed; do
	echo "@@I,guest,$(basename $f)=$(cat $f)"
done
traces() {
	for t in /bench/*.gatr; do
		[ -f "$t" ] || continue
		cat "$t" >$B/trace && r trace "$@"
	done
}
EOF
	case $run in
	icount)
		echo 'r null; r small; r tiny; r large; r stack; traces mem=1' ;;
	wall1)
		echo 'r null; r small; r tiny; r large; r stack; r scale size=64; traces' ;;
	wall2)
		echo 'r scale size=64; r scale size=1024; r pc size=64; r pc size=1024' ;;
	esac
	# shellcheck disable=SC2016 # expanded by the guest
	echo 'echo "@@SECTION dmesg during the benchmarks"; dmesg | tail -n +$((n0 + 1))'
}

csv=$out/results.csv
echo "run,group,alloc,pattern,param,metric,median,min,max,rounds,n" >"$csv.tmp"
: >"$out/errors.txt"
failed=() load=
for run in $runs; do
	case $run in
	icount) smp=1 qargs='-icount shift=0,align=off,sleep=off' ;;
	wall1) smp=1 qargs='' ;;
	wall2) smp=2 qargs='' ;;
	*) die "unknown run '$run' (icount, wall1, wall2)" ;;
	esac
	hook "$run" >"$out/hook-$run.sh"
	"$top/scripts/mkinitramfs.sh" -m demo -o "$out/initramfs-base.cpio.gz" \
		-k "$msrc/goalloc.ko" -k "$msrc/goalloc_bench.ko" -H "$out/hook-$run.sh"
	cat "$out/initramfs-base.cpio.gz" "$out/data.cpio.gz" >"$out/initramfs-$run.cpio.gz"
	log=$out/serial-$run.log
	# Wall times suffer from whatever else the host runs: keep a record.
	load+="$run: host load average before the boot: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"$'\n'
	rc=0
	GOALLOC_SMP=$smp GOALLOC_QEMU_ARGS=$qargs \
		"$top/scripts/run-qemu.sh" -k "$img" -i "$out/initramfs-$run.cpio.gz" -l "$log" \
		-t "$tmo" -a "init_on_alloc=0" || rc=$?
	tr -d '\r' <"$log" | sed -n "s/^@@R,/$run,/p" >>"$csv.tmp"
	# Failed allocations are findings (listed in results.md); a kernel
	# splat, a hang or a crash makes the run itself fail.
	tr -d '\r' <"$log" | sed -n "s/^@@E,/$run: /p" >>"$out/errors.txt"
	bad=$(splat_lines "$log")
	if [ "$rc" != 0 ] || ! tr -d '\r' <"$log" | grep -q '^@@DONE' || [ -n "$bad" ]; then
		failed+=("$run")
		msg "bench: $run: problems (qemu rc $rc); serial log: $log"
		[ -z "$bad" ] || echo "$bad" | head -n 20 | sed 's/^/    /' >&2
	fi
	if [ -s "$out/errors.txt" ] && grep -q "^$run: " "$out/errors.txt"; then
		msg "bench: $run: $(grep -c "^$run: " "$out/errors.txt") error rows (allocation failures are findings; see results.md)"
	fi
	msg "bench: $run: $(grep -c "^$run," "$csv.tmp" || true) rows"
done
# The traces' size-class floor (scripts/trace2bin.py --floor), with the
# mspan size the icount boot's memory passes printed: rows appended.
if grep -q '^icount,trace,goalloc,mem,.*,mspan_bytes,' "$csv.tmp"; then
	"$py" "$top/scripts/trace2bin.py" --floor --csv "$csv.tmp" \
		--classes "$msrc/mod/sizeclasses_table.h" "$data"/bench/*.gatr ||
		msg "bench: the size-class floor could not be computed"
fi
mv "$csv.tmp" "$csv"

# 5. Tables and plots.
info=$(for run in $runs; do tr -d '\r' <"$out/serial-$run.log" | sed -n "s/^@@I,guest,/$run: /p"; done)
"$py" "$top/scripts/bench-report.py" --csv "$csv" --out "$out" --kernel "$kver" \
	--info "$info" --load "$load" --failed "${failed[*]:-}" --errors "$out/errors.txt"
msg "bench: done in $(( $(date +%s) - t0 ))s: $out/results.md, $out/results.csv, $out/*.png"
[ ${#failed[@]} = 0 ] || die "bench: boots with problems: ${failed[*]} (see above)"
