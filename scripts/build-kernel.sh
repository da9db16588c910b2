#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the KUnit/debug test kernel from Debian's linux-source-6.12.
#
# The tree is built out of place (O=) under $GOALLOC_CACHE/kernel-<key>, where
# key hashes the config fragment, the source version and the compiler, so a
# fresh clone reuses it and any change to the fragment rebuilds.  A cold build
# takes 15-25 minutes on 2 cores.  Prints the build directory on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

sd=$(src_dir)
[ -f "$sd/.unpacked" ] || die "kernel source not unpacked; run 'make deps'"
kd=$(kernel_dir)
if [ -f "$kd/.goalloc-built" ]; then
	msg "test kernel cached: $kd"
	echo "$kd"
	exit 0
fi

mkdir -p "$kd"
# Only one builder at a time per key (parallel 'make check' runs).
exec 9>"$kd.lock"
flock 9
if [ ! -f "$kd/.goalloc-built" ]; then
	msg "building test kernel in $kd (cold build: 15-25 minutes on 2 cores)"
	start=$(date +%s)
	jobs=$(( $(nproc) + 1 ))
	log="$kd/build.log"
	make -C "$sd" O="$kd" KCONFIG_ALLCONFIG="$GOALLOC_FRAGMENT" allnoconfig >"$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; die "kernel config failed (log: $log)"; }
	# Every fragment line must have survived Kconfig; a silently dropped
	# option (e.g. an unmet dependency) would weaken the test kernel.
	bad=0
	while read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		opt=${line%%=*}; val=${line#*=}; val=${val%%[[:space:]]*}
		if [ "$val" = n ]; then
			grep -q "^$opt=" "$kd/.config" && { msg "config: $opt should be unset"; bad=1; }
		else
			grep -qx "$opt=$val" "$kd/.config" || { msg "config: $opt=$val did not stick"; bad=1; }
		fi
	done < "$GOALLOC_FRAGMENT"
	[ $bad = 0 ] || die "config fragment not fully applied; see $kd/.config"
	make -C "$sd" O="$kd" -j"$jobs" bzImage modules >>"$log" 2>&1 ||
		{ tail -n 40 "$log" >&2; die "kernel build failed (log: $log)"; }
	touch "$kd/.goalloc-built"
	msg "test kernel built in $(( $(date +%s) - start )) s"
fi
echo "$kd"
