#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test program: print the KTAP document goalloc_client.ko wrote to the
# kernel log when it was loaded; exit 1 if it is missing or reports a failure.
out=$(dmesg | sed -n 's/^\[[^]]*\] goalloc_client: //p')
if [ -z "$out" ]; then
	echo "KTAP version 1"
	echo "1..1"
	echo "not ok 1 goalloc_client_loaded # goalloc_client.ko printed nothing"
	exit 1
fi
echo "$out"
echo "$out" | grep -q '^not ok' && exit 1
exit 0
