#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# DKMS POST_BUILD (dkms.conf): run in the build directory; keep the build's
# Module.symvers in $1 (/usr/src/goalloc-<version>/<kernel>) so that
# modules using goalloc's exports can set KBUILD_EXTRA_SYMBOLS to it.
set -e
[ -n "$1" ] || { echo "usage: $0 DIR" >&2; exit 1; }
mkdir -p "$1"
cp Module.symvers "$1/Module.symvers"
echo "goalloc: Module.symvers for other modules: $1/Module.symvers"
