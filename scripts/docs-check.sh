#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make docs-check': render Documentation/*.rst, with the kernel-doc of
# include/goalloc.h and of the exported functions, through Sphinx with the
# kernel's own extensions (scripts/sphinx/conf.py) and kernel-doc in -Werror
# mode.  Any warning fails.  Skipped (exit 0, says so) when Sphinx is not
# installed; 'make deps' installs Debian's python3-sphinx.
#
# The pages are rendered from build/docs/src, which holds links to
# Documentation/*.rst and a generated index.rst listing them (in the kernel,
# a subsystem's index.rst does that).  The last line is "docs: OK ...",
# "docs: SKIPPED ..." or "docs: FAILED ...".
#
# usage: docs-check.sh [--tap FILE]
#   --tap  also write the verdict as a one-case TAP document (make check
#          hands it to scripts/judge.py; a skip is "ok 1 ... # SKIP")
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

tap=
[ "${1:-}" != --tap ] || tap=${2:?docs-check.sh: --tap needs a file}
# verdict OK|SKIP|FAIL MESSAGE: print it, write the TAP file, exit.
verdict() {
	echo "docs: $2"
	if [ -n "$tap" ]; then
		mkdir -p "$(dirname "$tap")"
		case $1 in
		OK) r="ok 1 sphinx_kernel_doc" ;;
		SKIP) r="ok 1 sphinx_kernel_doc # SKIP ${2#SKIPPED: }" ;;
		*) r="not ok 1 sphinx_kernel_doc" ;;
		esac
		printf 'TAP version 13\n1..1\n%s\n' "$r" >"$tap"
	fi
	[ "$1" != FAIL ]
	exit
}
top=$GOALLOC_TOP
out=$GOALLOC_OUT/docs
sd=$(src_dir)
t0=$(date +%s)
# Debian's sphinx-build (python3-sphinx), whatever python3 is first on PATH.
if ! command -v sphinx-build >/dev/null; then
	verdict SKIP "SKIPPED: Sphinx is not installed (apt-get install python3-sphinx, or make deps)"
fi
if [ ! -x "$sd/scripts/kernel-doc" ] || [ ! -f "$sd/Documentation/sphinx/kerneldoc.py" ]; then
	die "no kernel source at $sd (scripts/kernel-doc, Documentation/sphinx); run 'make deps'"
fi

rm -rf "$out"
mkdir -p "$out/src"
npages=0
{
	echo "======="
	echo "goalloc"
	echo "======="
	echo
	echo ".. toctree::"
	echo "   :maxdepth: 2"
	echo
	for f in "$top"/Documentation/*.rst; do
		npages=$((npages + 1))
		ln -s "$f" "$out/src/"
		echo "   $(basename "$f" .rst)"
	done
} >"$out/src/index.rst"

rc=0
GOALLOC_KSRC=$sd GOALLOC_TOP=$top KDOC_WERROR=1 \
	sphinx-build -b html -W --keep-going -q -c "$top/scripts/sphinx" \
	-d "$out/doctrees" "$out/src" "$out/html" >"$out/sphinx.log" 2>&1 || rc=$?
# Sphinx names the links under build/docs/src: show the real files.
sed -i "s|$out/src/|Documentation/|g" "$out/sphinx.log"
nwarn=$(grep -cE 'WARNING|ERROR|warning:' "$out/sphinx.log" || true)
secs=$(( $(date +%s) - t0 ))
if [ "$rc" != 0 ] || [ "$nwarn" != 0 ]; then
	sed 's/^/    /' "$out/sphinx.log" | head -n 40
	verdict FAIL "FAILED: sphinx-build exited $rc with $nwarn warning(s) in ${secs}s (log: $out/sphinx.log)"
fi
verdict OK "OK: $npages page(s) rendered with no warnings in ${secs}s: $out/html/index.html"
