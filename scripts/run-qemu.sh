#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel + initramfs in QEMU under TCG (no KVM here) with the serial
# console written to a log file, and stop it after a hard timeout.
#
# usage: run-qemu.sh -k BZIMAGE -i INITRAMFS -l LOG [-t SECONDS] [-a 'ARGS']
#   -t  hard timeout (default $GOALLOC_TIMEOUT or 600)
#   -a  extra kernel command line arguments
# env:  GOALLOC_SMP (vCPUs, default 2), GOALLOC_MEM (default 1G),
#       GOALLOC_QEMU_ARGS (extra QEMU arguments; with -icount the guest runs
#       on single-threaded TCG)
# exit: 0 when the guest rebooted/halted QEMU (read the log to know how it
#       went), 124 on timeout, anything else is a QEMU failure.
set -euo pipefail
. "$(dirname "$0")/common.sh"

kernel='' initrd='' log='' append=''
tmo=${GOALLOC_TIMEOUT:-600}
while getopts "k:i:l:t:a:" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	l) log=$OPTARG ;;
	t) tmo=$OPTARG ;;
	a) append=$OPTARG ;;
	*) die "usage: $0 -k BZIMAGE -i INITRAMFS -l LOG [-t SECONDS] [-a ARGS]" ;;
	esac
done
[ -f "$kernel" ] || die "run-qemu: kernel image '$kernel' not found"
[ -f "$initrd" ] || die "run-qemu: initramfs '$initrd' not found"
[ -n "$log" ] || die "run-qemu: -l LOG is required"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing; run 'make deps'"

# panic=-1 turns a panic into a reboot and -no-reboot turns any reboot into
# QEMU exiting, so a crashed guest ends at once instead of at the timeout.
# loglevel=5 keeps boot chatter (KERN_INFO, including KUnit's own printk
# copy of the KTAP) off the console but shows KERN_WARNING and worse, so
# WARN, lockdep, KASAN, UBSAN and oops reports all land in the log.
cmdline="console=ttyS0 panic=-1 oops=panic loglevel=5${append:+ $append}"
bios=()
# qboot boots noticeably faster than SeaBIOS.
[ -f /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)

mkdir -p "$(dirname "$log")"
rm -f "$log"
read -r -a extra <<<"${GOALLOC_QEMU_ARGS:-}"
# -icount (deterministic instruction counts, scripts/bench.sh) needs
# single-threaded TCG; everything else runs one host thread per vCPU.
tcg=multi
case " ${extra[*]} " in *" -icount "*) tcg=single ;; esac
cmd=(qemu-system-x86_64 -accel "tcg,thread=$tcg" -machine q35 -cpu max
     -smp "${GOALLOC_SMP:-2}" -m "${GOALLOC_MEM:-1G}"
     -nodefaults -nographic -no-reboot "${bios[@]}"
     -serial "file:$log"
     -kernel "$kernel" -initrd "$initrd" -append "$cmdline"
     "${extra[@]}")
msg "booting $(basename "$kernel") (timeout ${tmo}s, ${GOALLOC_SMP:-2} vCPUs); serial log: $log"
start=$(date +%s)
rc=0
timeout -k 10 "$tmo" "${cmd[@]}" </dev/null || rc=$?
secs=$(( $(date +%s) - start ))
case $rc in
0)	msg "guest finished in ${secs}s" ;;
124|137)
	msg "guest TIMED OUT after ${secs}s (limit ${tmo}s); serial log: $log"
	rc=124 ;;
*)	msg "qemu failed with exit status $rc after ${secs}s" ;;
esac
exit $rc
