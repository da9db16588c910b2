#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test program (make check): read debugfs's heap_map over and over
# while "goallocctl demo" runs beside it (allocating over every tier,
# freeing, sweeping and giving memory back), check that every read is a
# whole, well-formed dump, and print the richest one as TAP diagnostics
# between "# @@HEAPMAP live" and "# @@HEAPMAP_END": scripts/check.sh draws
# it with scripts/heapmap.py after the boot (harness:heapmap-live).
F=/sys/kernel/debug/goalloc/heap_map
READS=12
echo "TAP version 13"
echo "1..3"
if [ ! -r $F ]; then
	echo "not ok 1 heap_map_reads # no $F"
	echo "not ok 2 workload # not run"
	echo "not ok 3 dump_printed # not run"
	exit 1
fi

# Prints "frames spans" of a dump, or why it is malformed (status 1).
check_dump() {
	awk '
	NR == 1 && $0 != "goalloc-heapmap 1" { bad = "first line: " $0 }
	$1 == "frame_pages" { fp = $2 }
	$1 == "frame" {
		n = 0
		for (i = 8; i <= NF; i++)
			n += substr($i, 2)
		if (n != fp)
			bad = "frame " $2 ": runs cover " n " pages, not " fp
		frames++
	}
	$1 == "span" { spans++ }
	{ last = $0 }
	END {
		if (!bad && last != "end")
			bad = "last line: " last
		if (bad) {
			print bad
			exit 1
		}
		print frames + 0, spans + 0
	}' "$1"
}

(for _ in 1 2 3; do goallocctl demo >/dev/null 2>&1 || exit 1; done) &
work=$!
bad='' best=0 nr=0
while [ $nr -lt $READS ]; do
	nr=$((nr + 1))
	cat $F >/tmp/hm.$nr || bad="read $nr failed"
	if ! r=$(check_dump /tmp/hm.$nr); then
		bad="read $nr: $r"
		break
	fi
	echo "# read $nr: $r (frames, spans)"
	spans=${r#* }
	if [ "$spans" -ge "$best" ]; then
		best=$spans
		cp /tmp/hm.$nr /tmp/hm.best
	fi
done
wait $work
wrc=$?
if [ -z "$bad" ]; then
	echo "ok 1 heap_map_reads # $nr reads during the workload, all whole"
else
	echo "not ok 1 heap_map_reads # $bad"
fi
if [ $wrc = 0 ]; then
	echo "ok 2 workload"
else
	echo "not ok 2 workload # goallocctl demo failed ($wrc)"
fi
rc=0
[ -z "$bad" ] && [ $wrc = 0 ] || rc=1
if [ -f /tmp/hm.best ]; then
	echo "# @@HEAPMAP live"
	sed 's/^/# /' /tmp/hm.best
	echo "# @@HEAPMAP_END"
	echo "ok 3 dump_printed # $best spans"
else
	echo "not ok 3 dump_printed # no whole dump"
	rc=1
fi
rm -f /tmp/hm.*
exit $rc
