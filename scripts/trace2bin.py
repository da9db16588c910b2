#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Convert an allocation trace (../shared/traces/*.trace.xz) into the binary
form goalloc_bench.ko replays (written to /sys/kernel/debug/goalloc_bench/trace).

Input, one operation per line (see the traces' README):
    a ID SIZE    allocate SIZE bytes as object ID (IDs dense, from 1, in order)
    f ID         free object ID

Output, little endian: a 64-byte header
    u32 magic "GATR", u32 version 1, u32 nops, u32 nallocs,
    u64 peak live bytes requested, char name[40] (NUL padded)
then one u32 per operation: SIZE for an allocation (object IDs are implicit,
1, 2, 3, ... in allocation order), or 0x80000000 | ID for a free.

The trace is checked on the way: IDs must be dense and in order, every free
must name a live object, sizes must fit goalloc (<= 4 MiB).  Prints one line
of statistics per trace (ops, allocations, frees, peak bytes requested).

usage: trace2bin.py IN.trace[.xz] OUT.gatr [--name NAME]
"""
import argparse
import lzma
import os
import struct
import sys

MAGIC = 0x52544147          # "GATR"
FREE = 0x80000000
MAX_SIZE = 4 << 20          # GOALLOC_MAX_OBJECT_SIZE


def convert(path, name):
    opener = lzma.open if path.endswith('.xz') else open
    ops = []
    sizes = [0]             # by id; sizes[0] unused
    live = bytearray([0])   # 1 = allocated and not freed
    cur = peak = 0
    nfree = 0
    with opener(path, 'rt') as f:
        for lineno, line in enumerate(f, 1):
            w = line.split()
            if not w:
                continue
            if w[0] == 'a' and len(w) == 3:
                oid, size = int(w[1]), int(w[2])
                if oid != len(sizes):
                    sys.exit(f'{path}:{lineno}: allocation id {oid}, expected {len(sizes)}')
                if not 0 <= size <= MAX_SIZE:
                    sys.exit(f'{path}:{lineno}: size {size} outside 0..{MAX_SIZE}')
                sizes.append(size)
                live.append(1)
                ops.append(size)
                cur += size
                peak = max(peak, cur)
            elif w[0] == 'f' and len(w) == 2:
                oid = int(w[1])
                if not 0 < oid < len(sizes) or not live[oid]:
                    sys.exit(f'{path}:{lineno}: free of id {oid}, which is not live')
                live[oid] = 0
                cur -= sizes[oid]
                ops.append(FREE | oid)
                nfree += 1
            else:
                sys.exit(f'{path}:{lineno}: cannot parse {line.strip()!r}')
    nallocs = len(sizes) - 1
    hdr = struct.pack('<IIIIQ40s', MAGIC, 1, len(ops), nallocs, peak,
                      name.encode()[:39])
    assert len(hdr) == 64
    return hdr + struct.pack(f'<{len(ops)}I', *ops), len(ops), nallocs, nfree, peak


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('input')
    ap.add_argument('output')
    ap.add_argument('--name', help='trace name (default: input file name without .trace.xz)')
    a = ap.parse_args()
    name = a.name or os.path.basename(a.input).split('.trace')[0]
    data, nops, nallocs, nfree, peak = convert(a.input, name)
    tmp = a.output + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, a.output)
    print(f'{name}: {nops} ops, {nallocs} allocs, {nfree} frees, '
          f'peak requested {peak} bytes -> {a.output} ({len(data)} bytes)')


if __name__ == '__main__':
    main()
