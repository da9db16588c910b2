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

--floor: the size-class floor of converted traces, the least memory any
allocator with Go 1.19's size classes must hold for them, as goalloc counts
held memory.  At every instant each size class needs
ceil(live objects of the class / objects per span) spans of
class_to_allocnpages 8 KiB pages, each large object (> 32 KiB) its whole
8 KiB pages, and every span (large ones included) its mspan; the floor is
the maximum of that sum over the trace (taken after each allocation: frees
only lower it).  It assumes perfect packing and instant reuse of freed
slots.  Objects under 16 B count in their own class (8 or 16 B) even when
goalloc would pack them, noscan, into shared 16 B tiny blocks; size 0 holds
nothing.  The class tables are parsed from mod/sizeclasses_table.h (class =
size_to_class_full[(size + 7) / 8], as goalloc_size_to_class()).

    trace2bin.py --floor --mspan-bytes N [--classes H] GATR...
        print each trace's floor
    trace2bin.py --floor --csv results.csv [--run icount] [--classes H] GATR...
        as scripts/bench.sh runs it: the mspan size from the csv's
        "trace,goalloc,mem,NAME,mspan_bytes" row (sizeof(struct
        goalloc_mspan), printed by goalloc_bench.ko), and rows appended to
        the csv: goalloc's floor, floor_spans, floor_large, floor_mspans (the
        floor's parts at its instant), and held_floor (peak_held / floor) for
        each allocator with a peak_held row
"""
import argparse
import csv
import lzma
import os
import re
import struct
import sys

MAGIC = 0x52544147          # "GATR"
FREE = 0x80000000
MAX_SIZE = 4 << 20          # GOALLOC_MAX_OBJECT_SIZE
PAGE = 8192                 # GOALLOC_PAGE_SIZE
MAX_SMALL = 32768           # GOALLOC_MAX_SMALL_SIZE
CLASSES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'mod',
                       'sizeclasses_table.h')


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


def class_tables(path):
    """goalloc's generated tables, by name (without the goalloc_ prefix)."""
    text = open(path).read()
    t = {m.group(1): [int(x) for x in m.group(2).replace(',', ' ').split()]
         for m in re.finditer(r'const u\d+ goalloc_(\w+)\[[^]]*\] = \{([^}]*)\};', text)}
    for k in ('size_to_class_full', 'class_to_allocnpages', 'class_to_nobjs'):
        if k not in t:
            sys.exit(f'{path}: no goalloc_{k}[] table')
    if len(t['size_to_class_full']) != MAX_SMALL // 8 + 1:
        sys.exit(f'{path}: goalloc_size_to_class_full[] has {len(t["size_to_class_full"])} entries')
    return t


def read_gatr(path):
    """Name, peak requested and operations of a converted trace."""
    data = open(path, 'rb').read()
    magic, version, nops, _, peak, name = struct.unpack_from('<IIIIQ40s', data)
    if magic != MAGIC or version != 1 or len(data) != 64 + 4 * nops:
        sys.exit(f'{path}: not a version 1 trace')
    name = name.split(b'\0')[0].decode()
    return name, peak, struct.unpack_from(f'<{nops}I', data, 64)


def floor(ops, t, mspan):
    """The size-class floor of @ops (see the module docstring) with @mspan
    bytes per span.  Returns (floor, span bytes, large bytes, mspan bytes)
    at the floor's instant."""
    full, npages, nobjs = t['size_to_class_full'], t['class_to_allocnpages'], t['class_to_nobjs']
    live = [0] * len(nobjs)
    spans = [0] * len(nobjs)
    sizes = [0]
    span_bytes = large_bytes = nspans = 0
    best = (0, 0, 0, 0)
    for op in ops:
        if op & FREE:
            size, sign = sizes[op & ~FREE], -1
        else:
            size, sign = op, 1
            sizes.append(op)
        if not size:
            continue
        if size > MAX_SMALL:
            large_bytes += sign * -(-size // PAGE) * PAGE
            nspans += sign
        else:
            c = full[(size + 7) // 8]
            live[c] += sign
            n = -(-live[c] // nobjs[c])
            if n != spans[c]:
                span_bytes += (n - spans[c]) * npages[c] * PAGE
                nspans += n - spans[c]
                spans[c] = n
        if sign > 0:
            total = span_bytes + large_bytes + nspans * mspan
            if total > best[0]:
                best = (total, span_bytes, large_bytes, nspans * mspan)
    return best


def floor_main(a):
    t = class_tables(a.classes)
    rows, vals = [], {}
    if a.csv:
        for r in csv.DictReader(open(a.csv)):
            if r['run'] == a.run and r['group'] == 'trace' and r['pattern'] == 'mem':
                vals[(r['alloc'], r['param'], r['metric'])] = float(r['median'])
    for path in a.gatr:
        name, peak, ops = read_gatr(path)
        mspan = a.mspan_bytes or vals.get(('goalloc', name, 'mspan_bytes'))
        if not mspan:
            print(f'trace2bin: {name}: no mspan size (no {a.run} memory pass): no floor',
                  file=sys.stderr)
            continue
        f, sb, lb, mb = floor(ops, t, int(mspan))
        print(f'{name}: size-class floor {f} bytes ({f / peak:.3f}x peak requested {peak}): '
              f'spans {sb}, large {lb}, mspans {mb} ({int(mspan)} B each)', file=sys.stderr)
        if not a.csv:
            continue
        n = len(ops)
        for metric, v in (('floor', f), ('floor_spans', sb), ('floor_large', lb),
                          ('floor_mspans', mb)):
            rows.append([a.run, 'trace', 'goalloc', 'mem', name, metric] + [f'{v}.000'] * 3 + [1, n])
        for alloc in ('goalloc', 'goalloc-noscan', 'kmalloc'):
            held = vals.get((alloc, name, 'peak_held'))
            if held is not None and f:
                rows.append([a.run, 'trace', alloc, 'mem', name, 'held_floor'] +
                            [f'{held / f:.3f}'] * 3 + [1, n])
    if a.csv:
        with open(a.csv, 'a', newline='') as out:
            csv.writer(out, lineterminator='\n').writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('files', nargs='+', metavar='FILE',
                    help='IN.trace[.xz] OUT.gatr, or with --floor GATR...')
    ap.add_argument('--name', help='trace name (default: input file name without .trace.xz)')
    ap.add_argument('--floor', action='store_true',
                    help='size-class floor of converted traces (see above)')
    ap.add_argument('--classes', default=CLASSES, help='mod/sizeclasses_table.h')
    ap.add_argument('--mspan-bytes', type=int, help='sizeof(struct goalloc_mspan)')
    ap.add_argument('--csv', help='results.csv: mspan size from it, floor rows appended to it')
    ap.add_argument('--run', default='icount', help='the csv run with the memory passes')
    a = ap.parse_args()
    if a.floor:
        a.gatr = a.files
        floor_main(a)
        return
    if len(a.files) != 2:
        ap.error('give IN.trace[.xz] OUT.gatr')
    a.input, a.output = a.files
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
