#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# goalloc reliability sequence, run inside the guest by /init as a hook
# (scripts/mkinitramfs.sh -H): the stress program while cpu1 goes offline and
# online again and again, the stress program while heap growth fails on
# purpose, the ioctl fuzzer, then GC + DRAIN + RELEASE and a check that the
# heap holds nothing and every page went back to the kernel (what rmmod
# then finds; /init's kmemleak scan and the judge's splat check follow).
#
# Each run is framed like /init frames a test program:
#     @@PROG <name> ... @@END, then @@EXIT <name> <rc>
# so scripts/judge.py parses its TAP and exit status as a guest program
# (pass --guest-prog <name> to the judge to require it).  The hook exits
# non-zero if any run failed.
#
# Mode: $goalloc_reliability (the kernel passes an unknown "name=value"
# boot parameter to /init's environment, so run-qemu.sh -a
# goalloc_reliability=long selects it):
#   check (default)  goalloc_stress.check  --profile check (~20 s: hotplug,
#                                          fail_grow 10%)
#                    goalloc_fuzz.check    5000 calls
#   long             goalloc_stress.long   --profile long (~7 min)
#                    goalloc_fuzz.long     60000 calls
#                    goalloc_fuzz.faults   10000 calls with fail_grow and
#                                          fail_meta at 5% (ENOMEM allowed)
#   final            no runs, only the closing heap check: for make check,
#                    whose /init already runs goalloc_stress and goalloc_fuzz
#                    with no arguments (their check profiles)
# The programs are looked up in /bin and /bin/goalloc-tests.  Seeds come from
# the clock and are printed; $goalloc_seed fixes them.
mode=${goalloc_reliability:-check}
seed=${goalloc_seed:-}
failed=0
summary=

find_prog() {
	for d in /bin /bin/goalloc-tests; do
		if [ -x "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	return 1
}

# run NAME PROG ARGS...: one framed run, streamed to the console as it goes;
# its summary line is kept for the end.
run() {
	name=$1
	shift
	echo "@@PROG $name"
	{
		"$@" </dev/null
		echo $? >"/tmp/$name.rc"
	} 2>&1 | tee "/tmp/$name.out"
	rc=$(cat "/tmp/$name.rc" 2>/dev/null || echo 255)
	echo
	echo "@@END"
	echo "@@EXIT $name $rc"
	[ "$rc" = 0 ] || failed=$((failed + 1))
	# Growth's outcomes so far: an unexpected ENOMEM shows where it came from.
	if [ -r /sys/kernel/debug/goalloc/mheap ]; then
		echo "reliability: after $name: $(grep -E '^(grow|chunk_slots|pages_owned|max_pages)' \
			/sys/kernel/debug/goalloc/mheap | tr '\n' ';')"
	fi
	line=$(grep -E '^# (stress|fuzz):' "/tmp/$name.out" | tail -n 1)
	summary="$summary
  $name rc=$rc ${line#\# }"
}

knob() {
	[ -w "$1" ] && echo "$2" >"$1"
}

fi_dir=/sys/kernel/debug/goalloc
if [ "$mode" != final ]; then
	stress=$(find_prog goalloc_stress) || { echo "reliability: no goalloc_stress"; exit 1; }
	fuzz=$(find_prog goalloc_fuzz) || { echo "reliability: no goalloc_fuzz"; exit 1; }
fi

echo "reliability: mode $mode, $(nproc) CPUs, online $(cat /sys/devices/system/cpu/online)"
case $mode in
check)
	run goalloc_stress.check "$stress" --profile check ${seed:+--seed "$seed"}
	run goalloc_fuzz.check "$fuzz" --iters 5000 ${seed:+--seed "$seed"}
	;;
long)
	run goalloc_stress.long "$stress" --profile long ${seed:+--seed "$seed"}
	run goalloc_fuzz.long "$fuzz" --iters 60000 --round 5000 ${seed:+--seed "$seed"}
	if [ -d "$fi_dir/fail_grow" ] && [ -d "$fi_dir/fail_meta" ]; then
		for f in fail_grow fail_meta; do
			knob "$fi_dir/$f/verbose" 0
			knob "$fi_dir/$f/interval" 1
			knob "$fi_dir/$f/times" -1
			knob "$fi_dir/$f/probability" 5
		done
		run goalloc_fuzz.faults "$fuzz" --iters 10000 --round 2000 --allow-enomem \
			${seed:+--seed "$seed"}
		for f in fail_grow fail_meta; do
			knob "$fi_dir/$f/probability" 0
			knob "$fi_dir/$f/times" 1
		done
	else
		echo "reliability: no fault-injection knobs in $fi_dir: goalloc_fuzz.faults skipped"
	fi
	;;
final)
	;;
*)
	echo "reliability: unknown mode '$mode' (check, long or final)"
	exit 1
	;;
esac

# Nothing may be left: no object, no stack, no page still held.
if command -v goallocctl >/dev/null; then
	goallocctl gc >/dev/null && goallocctl drain >/dev/null && goallocctl release >/dev/null
	js=$(goallocctl stats --json)
	field() { echo "$js" | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }
	inuse=$(field HeapInuse) stack=$(field StackInuse) objs=$(field DevObjects)
	backed=$(($(field HeapSys) + $(field StackSys) - $(field HeapReleased)))
	summary="$summary
  after GC+DRAIN+RELEASE: HeapInuse=$inuse StackInuse=$stack DevObjects=$objs bytes still held=$backed"
	if [ "$inuse" != 0 ] || [ "$stack" != 0 ] || [ "$objs" != 0 ] || [ "$backed" != 0 ]; then
		echo "reliability: the heap still holds memory after everything was freed"
		failed=$((failed + 1))
	fi
else
	summary="$summary
  (no goallocctl in the guest: final heap check skipped)"
	[ "$mode" != final ] || failed=$((failed + 1))
fi
# The programs restore the fault-injection knobs; nothing may be left failing.
for f in fail_grow fail_meta; do
	p=$(cat "$fi_dir/$f/probability" 2>/dev/null || echo 0)
	if [ "$p" != 0 ]; then
		echo "reliability: $f/probability is still $p"
		failed=$((failed + 1))
	fi
done

echo "reliability: $failed failed run(s)$summary"
[ "$failed" = 0 ]
