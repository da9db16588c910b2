#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate goalloc's small-object size-class tables.

This re-implements the algorithm of Go 1.19's runtime/mksizeclasses.go so
the C tables in mod/sizeclasses_table.h are derived, not transcribed:

  * walk object sizes upward in alignment steps that widen at powers of two;
  * give each size the fewest 8 KiB pages whose leftover tail is at most 1/8
    of the span;
  * fold a size into its predecessor when both use the same pages and fit the
    same number of objects;
  * widen each class to the largest 128-byte multiple with the same object
    count per span;
  * derive the 32-bit reciprocal ("divmagic") for offset -> object index and
    prove it exact for every offset in the span;
  * build the 8-byte and 128-byte granular size -> class lookup tables.

It writes two files: mod/sizeclasses_table.h, the tables goalloc.ko uses,
and kunit/sizeclasses_go_table.h, Go's own two lookup tables, which only the
tests use (goalloc looks sizes up in one 8-byte table over every size).

Usage:
  mksizeclasses.py [-o FILE] [-t FILE]   write the generated C files
  mksizeclasses.py --stdout              print the module's table
  mksizeclasses.py --check GOFILE        compare with Go's sizeclasses.go
  mksizeclasses.py --verify              fail if either file is not what we generate
"""

import argparse
import os
import re
import sys

# Parameters of the class scheme (Go 1.19, linux/amd64).
MAX_SMALL_SIZE = 32 << 10
SMALL_SIZE_DIV = 8
SMALL_SIZE_MAX = 1024
LARGE_SIZE_DIV = 128
PAGE_SHIFT = 13
PAGE_SIZE = 1 << PAGE_SHIFT
NUM_SIZE_CLASSES = 68  # including class 0, which stands for large objects

U32_MAX = (1 << 32) - 1

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.relpath(os.path.abspath(__file__), REPO)  # named in the output
DEFAULT_OUT = os.path.join(REPO, "mod", "sizeclasses_table.h")
DEFAULT_TEST_OUT = os.path.join(REPO, "kunit", "sizeclasses_go_table.h")


class GenError(Exception):
    """The algorithm's own invariants failed."""


def is_pow2(x):
    return x != 0 and x & (x - 1) == 0


def make_classes():
    """Return a list of [size, npages]; entry 0 is the large-object dummy."""
    classes = [[0, 0]]
    align = 8
    size = align
    while size <= MAX_SMALL_SIZE:
        if is_pow2(size):
            # Alignment grows with size: 16 from 32 B on (the heap bitmap
            # wants it), then one eighth of the power of two, capped at 256.
            if size >= 2048:
                align = 256
            elif size >= 128:
                align = size // 8
            elif size >= 32:
                align = 16
        if not is_pow2(align):
            raise GenError("alignment %d is not a power of two" % align)

        # Fewest pages whose unusable tail is at most 1/8 of the span.
        span = PAGE_SIZE
        while span % size > span // 8:
            span += PAGE_SIZE
        npages = span // PAGE_SIZE

        prev = classes[-1]
        if len(classes) > 1 and npages == prev[1] and span // size == span // prev[0]:
            # Same span, same object count: the bigger size costs nothing.
            prev[0] = size
        else:
            classes.append([size, npages])
        size += align

    # Grow each class to the largest multiple of LARGE_SIZE_DIV that still
    # packs the same number of objects; keeping that alignment is what lets
    # the 128-byte lookup table find the smallest fitting class.
    for c in classes[1:]:
        span = c[1] * PAGE_SIZE
        wide = (span // (span // c[0])) & ~(LARGE_SIZE_DIV - 1)
        if wide > c[0]:
            c[0] = wide

    if len(classes) != NUM_SIZE_CLASSES:
        raise GenError("got %d size classes, expected %d" % (len(classes), NUM_SIZE_CLASSES))
    return classes


def div_magic(size, npages):
    """Reciprocal m with (n * m) >> 32 == n // size for 0 <= n <= span."""
    if size == 0:
        return 0
    limit = npages * PAGE_SIZE
    # Lemire, Kaser, Kurz, "Faster Remainder by Direct Computation"
    # (arXiv:1902.01961), algorithm 2: the fractional bits F needed for
    # N-bit dividends.  It must fit in the 32 bits the fast path uses.
    nbits = limit.bit_length()
    if is_pow2(size):
        frac = size.bit_length() - 1
    else:
        low = 0
        while size > (1 << (nbits + low)) % size + (1 << low):
            low += 1
        frac = nbits + low
    if frac > 32:
        raise GenError("size %d (span %d) needs %d fractional bits" % (size, limit, frac))

    magic = U32_MAX // size + 1
    # Prove it the way the C code computes it, for every offset; the free
    # path also reads "offset is a multiple of size" off the low half.
    for n in range(limit + 1):
        if (n * magic) >> 32 != n // size:
            raise GenError("divmagic %d wrong for size %d at offset %d" % (magic, size, n))
        if ((n * magic) & U32_MAX < magic) != (n % size == 0):
            raise GenError("divmagic %d remainder test wrong for size %d at offset %d" %
                           (magic, size, n))
    return magic


def lookup_table(classes, first, step, count):
    """Smallest class whose size is at least first + i * step, per i."""
    table = []
    for i in range(count):
        want = first + i * step
        table.append(next(j for j, c in enumerate(classes) if c[0] >= want))
    return table


def class_rows(classes):
    """Per-class statistics as Go's table comment prints them."""
    rows = []
    prev = 0
    for i, (size, npages) in enumerate(classes):
        if i == 0:
            continue
        span = npages * PAGE_SIZE
        objs = span // size
        tail = span - objs * size
        # Worst case: every object holds a request one byte bigger than the
        # previous class, plus the tail.  Same float steps as Go's %.2f.
        waste = float((size - prev - 1) * objs + tail) / float(span)
        align_bits = min((size & -size).bit_length() - 1, PAGE_SHIFT)
        rows.append({"class": i, "size": size, "span": span, "objs": objs,
                     "tail": tail, "waste": "%.2f%%" % (100 * waste),
                     "align": 1 << align_bits})
        prev = size
    return rows


def align_rows(rows):
    """(alignment, bits, smallest size) lines of Go's second comment table."""
    min_aligns = [0] * (PAGE_SHIFT + 1)
    for r in rows:
        bits = r["align"].bit_length() - 1
        for b in range(len(min_aligns)):
            if b > bits:
                min_aligns[b] = 0
            elif min_aligns[b] == 0:
                min_aligns[b] = r["size"]
    out = []
    for bits, size in enumerate(min_aligns):
        if size == 0:
            break
        if bits + 1 < len(min_aligns) and size == min_aligns[bits + 1]:
            continue
        out.append((1 << bits, bits, size))
    return out


def generate():
    classes = make_classes()
    return {
        "consts": {
            "_MaxSmallSize": MAX_SMALL_SIZE,
            "smallSizeDiv": SMALL_SIZE_DIV,
            "smallSizeMax": SMALL_SIZE_MAX,
            "largeSizeDiv": LARGE_SIZE_DIV,
            "_NumSizeClasses": len(classes),
            "_PageShift": PAGE_SHIFT,
        },
        "class_to_size": [c[0] for c in classes],
        "class_to_allocnpages": [c[1] for c in classes],
        "class_to_nobjs": [c[1] * PAGE_SIZE // c[0] if c[0] else 0 for c in classes],
        "class_to_divmagic": [div_magic(c[0], c[1]) for c in classes],
        "size_to_class8": lookup_table(classes, 0, SMALL_SIZE_DIV,
                                       SMALL_SIZE_MAX // SMALL_SIZE_DIV + 1),
        "size_to_class128": lookup_table(classes, SMALL_SIZE_MAX, LARGE_SIZE_DIV,
                                         (MAX_SMALL_SIZE - SMALL_SIZE_MAX) //
                                         LARGE_SIZE_DIV + 1),
        # goalloc's own: the 8-byte table over every small size, so the
        # allocation fast path needs no branch between Go's two tables.
        "size_to_class_full": lookup_table(classes, 0, SMALL_SIZE_DIV,
                                           MAX_SMALL_SIZE // SMALL_SIZE_DIV + 1),
        "rows": class_rows(classes),
    }


# ---- C output -------------------------------------------------------------

C_TABLES = [
    # (table, C type, length expression, entries per line)
    ("class_to_size", "u16", "GOALLOC_NUM_SIZE_CLASSES", 10),
    ("class_to_allocnpages", "u8", "GOALLOC_NUM_SIZE_CLASSES", 16),
    ("class_to_nobjs", "u16", "GOALLOC_NUM_SIZE_CLASSES", 10),
    ("class_to_divmagic", "u32", "GOALLOC_NUM_SIZE_CLASSES", 6),
    ("size_to_class_full", "u8", "GOALLOC_SIZE_TO_CLASS_FULL_LEN", 16),
]

# Go's two lookup tables: reference data for the tests only.
C_TEST_TABLES = [
    ("size_to_class8", "u8", "GOALLOC_SIZE_TO_CLASS8_LEN", 16),
    ("size_to_class128", "u8", "GOALLOC_SIZE_TO_CLASS128_LEN", 16),
]

C_CONSTS = [
    ("GOALLOC_MAX_SMALL_SIZE", "_MaxSmallSize"),
    ("GOALLOC_SMALL_SIZE_DIV", "smallSizeDiv"),
    ("GOALLOC_SMALL_SIZE_MAX", "smallSizeMax"),
    ("GOALLOC_LARGE_SIZE_DIV", "largeSizeDiv"),
    ("GOALLOC_NUM_SIZE_CLASSES", "_NumSizeClasses"),
    ("GOALLOC_PAGE_SHIFT", "_PageShift"),
]

# Values the lookup helpers depend on that Go leaves implicit.
C_EXTRA_CONSTS = [
    ("GOALLOC_PAGE_SIZE", PAGE_SIZE),
    ("GOALLOC_SIZE_TO_CLASS_FULL_LEN", MAX_SMALL_SIZE // SMALL_SIZE_DIV + 1),
]

C_TEST_CONSTS = [
    # (name, C expression, value)
    ("GOALLOC_SIZE_TO_CLASS8_LEN",
     "(GOALLOC_SMALL_SIZE_MAX / GOALLOC_SMALL_SIZE_DIV + 1)",
     SMALL_SIZE_MAX // SMALL_SIZE_DIV + 1),
    ("GOALLOC_SIZE_TO_CLASS128_LEN",
     "((GOALLOC_MAX_SMALL_SIZE - GOALLOC_SMALL_SIZE_MAX) / GOALLOC_LARGE_SIZE_DIV + 1)",
     (MAX_SMALL_SIZE - SMALL_SIZE_MAX) // LARGE_SIZE_DIV + 1),
]


def render_tables(w, gen, tables, decl, export):
    for name, ctype, length, per_line in tables:
        vals = gen[name]
        w("%s %s goalloc_%s[%s] = {" % (decl, ctype, name, length))
        for i in range(0, len(vals), per_line):
            w("\t" + " ".join("%d," % v for v in vals[i:i + per_line]))
        w("};")
        if export:
            w("EXPORT_SYMBOL_IF_KUNIT(goalloc_%s);" % name)
        w("")


def render_banner(w):
    """The opening every generated file shares, up to its own comment."""
    w("/* SPDX-License-Identifier: GPL-2.0 */")
    w("/*")
    w(" * Code generated by %s; DO NOT EDIT." % SCRIPT)
    w(" * Regenerate with: python3 %s" % SCRIPT)


def render_c(gen):
    out = []
    w = out.append
    render_banner(w)
    w(" * Check against Go: python3 %s --check <go>/src/runtime/sizeclasses.go" % SCRIPT)
    w(" *")
    w(" * Go 1.19's small-object size classes on 8 KiB pages.  Max waste assumes")
    w(" * every object is one byte larger than the previous class and adds the")
    w(" * span's tail; min align is the largest power of two dividing the size,")
    w(" * capped at the page size.")
    w(" *")
    w(" * class  bytes/obj  bytes/span  objects  tail waste  max waste  min align")
    for r in gen["rows"]:
        w(" * %5d  %9d  %10d  %7d  %10d  %9s  %9d" %
          (r["class"], r["size"], r["span"], r["objs"], r["tail"], r["waste"], r["align"]))
    w(" *")
    w(" * alignment  bits  min obj size")
    for a, bits, size in align_rows(gen["rows"]):
        w(" * %9d  %4d  %12d" % (a, bits, size))
    w(" */")
    w("")
    w("/* Only mod/sizeclasses.c includes this file: it defines the tables. */")
    w("#ifndef _GOALLOC_SIZECLASSES_TABLE_H")
    w("#define _GOALLOC_SIZECLASSES_TABLE_H")
    w("")
    w("/* The hand-written constants must describe the generated tables. */")
    for cname, gname in C_CONSTS:
        w("static_assert(%s == %d);" % (cname, gen["consts"][gname]))
    for cname, val in C_EXTRA_CONSTS:
        w("static_assert(%s == %d);" % (cname, val))
    w("")
    render_tables(w, gen, C_TABLES, "const", True)
    w("#endif /* _GOALLOC_SIZECLASSES_TABLE_H */")
    return "\n".join(out) + "\n"


def render_test_c(gen):
    out = []
    w = out.append
    render_banner(w)
    w(" *")
    w(" * Go 1.19's own size -> class lookup tables: 8-byte granules up to 1024")
    w(" * bytes, 128-byte granules above.  goalloc.ko looks every small size up in")
    w(" * one 8-byte table instead; the size-class tests check these against the")
    w(" * classes and, on the host, against Go's runtime/sizeclasses.go.")
    w(" */")
    w("#ifndef _GOALLOC_SIZECLASSES_GO_TABLE_H")
    w("#define _GOALLOC_SIZECLASSES_GO_TABLE_H")
    w("")
    for name, expr, _ in C_TEST_CONSTS:
        w("#define %s \\" % name)
        w("\t%s" % expr)
    for name, _, val in C_TEST_CONSTS:
        w("static_assert(%s == %d);" % (name, val))
    w("")
    render_tables(w, gen, C_TEST_TABLES, "static const", False)
    w("#endif /* _GOALLOC_SIZECLASSES_GO_TABLE_H */")
    return "\n".join(out) + "\n"


# ---- comparison with Go's sizeclasses.go ----------------------------------

def parse_go(text):
    """Extract constants, tables and the class comment from sizeclasses.go."""
    got = {"consts": {}, "rows": []}

    m = re.search(r"^const \((.*?)^\)", text, re.S | re.M)
    if not m:
        raise ValueError("no const block")
    for name, val in re.findall(r"^\s*(\w+)\s*=\s*(\d+)\s*$", m.group(1), re.M):
        got["consts"][name] = int(val)

    for name in ("class_to_size", "class_to_allocnpages", "class_to_divmagic",
                 "size_to_class8", "size_to_class128"):
        m = re.search(r"^var %s = \[[^\]]*\]\w+\s*\{([^}]*)\}" % name, text, re.M)
        if not m:
            raise ValueError("no table %s" % name)
        vals = []
        for item in m.group(1).split(","):
            item = item.strip()
            if not item:
                continue
            d = re.fullmatch(r"\^uint32\(0\)\s*/\s*(\d+)\s*\+\s*1", item)
            if d:
                vals.append(U32_MAX // int(d.group(1)) + 1)
            elif re.fullmatch(r"\d+", item):
                vals.append(int(item))
            else:
                raise ValueError("cannot read %r in %s" % (item, name))
        got[name] = vals

    row = re.compile(r"^//\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+%)\s+(\d+)\s*$")
    for line in text.splitlines():
        m = row.match(line)
        if m:
            v = m.groups()
            got["rows"].append({"class": int(v[0]), "size": int(v[1]), "span": int(v[2]),
                                "objs": int(v[3]), "tail": int(v[4]), "waste": v[5],
                                "align": int(v[6])})
    return got


def compare(gen, go):
    """Return human-readable differences between our tables and Go's."""
    diffs = []
    for name, val in gen["consts"].items():
        if go["consts"].get(name) != val:
            diffs.append("const %s: go=%s ours=%d" % (name, go["consts"].get(name), val))
    for name in ("class_to_size", "class_to_allocnpages", "class_to_divmagic",
                 "size_to_class8", "size_to_class128"):
        ours, theirs = gen[name], go[name]
        if len(ours) != len(theirs):
            diffs.append("%s: go has %d entries, ours %d" % (name, len(theirs), len(ours)))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if a != b:
                diffs.append("%s[%d]: go=%d ours=%d" % (name, i, b, a))
    if len(go["rows"]) != len(gen["rows"]):
        diffs.append("comment table: go has %d rows, ours %d" %
                     (len(go["rows"]), len(gen["rows"])))
    for a, b in zip(gen["rows"], go["rows"]):
        for k in ("class", "size", "span", "objs", "tail", "waste", "align"):
            if a[k] != b[k]:
                diffs.append("comment class %d %s: go=%s ours=%s" % (b["class"], k, b[k], a[k]))
    return diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", default=DEFAULT_OUT,
                    help="the module's tables (default mod/sizeclasses_table.h)")
    ap.add_argument("-t", "--test-output", default=DEFAULT_TEST_OUT,
                    help="Go's lookup tables for the tests "
                         "(default kunit/sizeclasses_go_table.h)")
    ap.add_argument("--stdout", action="store_true",
                    help="write the module's tables to stdout")
    ap.add_argument("--check", metavar="GOFILE",
                    help="compare the generated tables with Go's sizeclasses.go")
    ap.add_argument("--verify", action="store_true",
                    help="fail unless both files equal the generated C output")
    args = ap.parse_args()

    try:
        gen = generate()
    except GenError as e:
        print("mksizeclasses: %s" % e, file=sys.stderr)
        return 2

    if args.check:
        try:
            with open(args.check, encoding="utf-8") as f:
                go = parse_go(f.read())
        except (OSError, ValueError) as e:
            print("mksizeclasses: cannot read %s: %s" % (args.check, e), file=sys.stderr)
            return 2
        diffs = compare(gen, go)
        if diffs:
            print("mksizeclasses: %d difference(s) from %s:" % (len(diffs), args.check),
                  file=sys.stderr)
            for d in diffs:
                print("  " + d, file=sys.stderr)
            return 1
        print("mksizeclasses: all tables match %s" % args.check)
        return 0

    files = [(args.output, render_c(gen)), (args.test_output, render_test_c(gen))]
    if args.verify:
        for path, text in files:
            try:
                with open(path, encoding="utf-8") as f:
                    cur = f.read()
            except OSError as e:
                print("mksizeclasses: %s" % e, file=sys.stderr)
                return 2
            if cur != text:
                print("mksizeclasses: %s is stale or edited; regenerate it" % path,
                      file=sys.stderr)
                return 1
            print("mksizeclasses: %s is up to date" % path)
        return 0
    if args.stdout:
        sys.stdout.write(files[0][1])
        return 0
    for path, text in files:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
