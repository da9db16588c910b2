#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host test of scripts/heapmap.py: render a known dump, check the picture.

  tools/testing/goalloc/heapmap_test.py [--tap FILE] [--keep DIR]

heapmap/sample.txt is a hand-written heap_map dump whose every page is
known.  The test runs the renderer as a user would (a subprocess), decodes
the PNG with its own decoder (all five PNG filters, CRCs checked) and
checks: the dimensions; the legend (title text inked, each page state's
swatch in its colour, each class swatch in that class's colour); that
pages of spans of class N are drawn in class N's colour at their page's
place in their frame's grid, and other pages in their state's colour; the
occupancy bars; that --log finds a dump among kernel lines; and that
malformed dumps are refused.  Prints TAP (and writes it to --tap FILE).
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
RENDER = os.path.join(TOP, 'scripts', 'heapmap.py')
SAMPLE = os.path.join(HERE, 'heapmap', 'sample.txt')
sys.path.insert(0, os.path.join(TOP, 'scripts'))
import heapmap  # noqa: E402  (for its palette: "class N's colour")


def decode_png(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('no PNG signature')
    pos, idat, ihdr = 8, b'', None
    while pos < len(data):
        n, = struct.unpack('>I', data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            raise ValueError('bad CRC in %r' % kind)
        if kind == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError('unsupported PNG %r' % (ihdr,))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
            elif f != 0:
                raise ValueError('bad filter %d' % f)
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


class Tap:
    def __init__(self):
        self.lines, self.n, self.failed = [], 0, 0

    def ok(self, cond, name, why=''):
        self.n += 1
        self.failed += not cond
        self.lines.append('%sok %d %s%s' % ('' if cond else 'not ', self.n, name,
                                            '' if cond or not why else ' # ' + why))
        print(self.lines[-1], flush=True)
        return cond

    def text(self):
        return 'TAP version 13\n1..%d\n%s\n' % (self.n, '\n'.join(self.lines))


def run(args, **kw):
    return subprocess.run([sys.executable, RENDER] + args, capture_output=True,
                          text=True, **kw)


def page_xy(lay, chunk, page):
    """Centre of a page's square: its frame's origin plus row-major cells."""
    fx, fy = lay['frames'][str(chunk)]
    p, c = lay['pitch'], lay['cols']
    return fx + (page % c) * p + lay['cell'] // 2, fy + (page // c) * p + lay['cell'] // 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tap')
    ap.add_argument('--keep', help='leave the pictures in this directory')
    a = ap.parse_args()
    t = Tap()
    tmp = a.keep or tempfile.mkdtemp(prefix='heapmap-test.')
    os.makedirs(tmp, exist_ok=True)
    png, layf = os.path.join(tmp, 'sample.png'), os.path.join(tmp, 'sample.json')

    r = run([SAMPLE, '-o', png, '--layout', layf])
    if not t.ok(r.returncode == 0 and os.path.exists(png), 'renders_sample',
                r.stderr.strip()[:200]):
        return finish(t, a)
    lay = json.load(open(layf))
    data = open(png, 'rb').read()
    try:
        w, h, px = decode_png(data)
        t.ok(True, 'png_decodes')
    except (ValueError, zlib.error, TypeError) as e:
        t.ok(False, 'png_decodes', str(e))
        return finish(t, a)

    def at(x, y):
        return px[y][x]

    # Two frames of 512 pages side by side: the grid alone needs this much.
    t.ok((w, h) == (lay['width'], lay['height']) and w >= 2 * 32 * lay['pitch'] and
         h >= 16 * lay['pitch'] + 100, 'dimensions', '%dx%d' % (w, h))

    # Legend: the title rows carry text, each state swatch its colour.
    x0, y0, lw, lh = lay['legend_text']
    ink = sum(1 for y in range(y0, y0 + lh) for x in range(x0, x0 + lw)
              if at(x, y) == heapmap.INK)
    t.ok(ink > 500, 'legend_text_inked', '%d ink pixels' % ink)
    bad = [st for st, (x, y) in lay['legend'].items()
           if at(x, y) != heapmap.STATE_COLOURS[st]]
    t.ok(len(lay['legend']) == 6 and not bad, 'legend_state_swatches', 'wrong: %s' % bad)
    bad = [c for c, (x, y, xn, yn) in lay['classes'].items()
           if at(x, y) != heapmap.class_colour(int(c) << 1) or
           at(xn, yn) != heapmap.class_colour(int(c) << 1 | 1)]
    t.ok(len(lay['classes']) == 67 and not bad, 'legend_class_swatches', 'wrong: %s' % bad)

    # Spans of class N at their pages, in class N's colour (see sample.txt).
    want = {  # (frame, page): span class, or a page state letter
        (0, 0): 10, (0, 1): 11, (0, 2): 'l', (0, 5): 'l', (0, 6): 'm', (0, 9): 'm',
        (0, 10): 'c', (0, 15): 'c', (0, 16): 'f', (0, 63): 'f', (0, 64): 'u',
        (0, 511): 'u', (7, 0): 'u', (7, 99): 'u', (7, 100): 'f', (7, 119): 'f',
        (7, 120): 4, (7, 121): 61, (7, 122): 96, (7, 125): 96, (7, 126): 99,
        (7, 130): 99, (7, 131): 'n', (7, 132): 'f', (7, 171): 'f', (7, 172): 'u',
    }
    bad = []
    for (fr, pg), v in sorted(want.items()):
        col = heapmap.class_colour(v) if isinstance(v, int) else heapmap.STATE_COLOURS[v]
        got = at(*page_xy(lay, fr, pg))
        if got != col:
            bad.append('frame %d page %d: %s not %s' % (fr, pg, got, col))
    t.ok(not bad, 'pages_in_place', '; '.join(bad[:3]))
    # A class-96 page is drawn over its whole square and not beyond it.
    x, y = page_xy(lay, 7, 122)
    half = lay['cell'] // 2
    sq = {at(x + dx, y + dy) for dx in range(-half, half + 1) for dy in range(-half, half + 1)}
    t.ok(sq == {heapmap.class_colour(96)} and at(x - half - 1, y) == heapmap.GRID,
         'span_square_exact', '%s' % sq)
    # Frames in file order, left to right on one row.
    f0, f7 = lay['frames'].get('0'), lay['frames'].get('7')
    t.ok(f0 and f7 and f0[1] == f7[1] and f7[0] > f0[0] and len(lay['frames']) == 2,
         'frames_in_order')

    # Occupancy bar of span class 10: 120 live and 170 allocated of 170.
    bx, by, live_w, alloc_w = lay['bars']['10']
    full = heapmap.BAR_W
    t.ok(live_w == full * 120 // 170 and alloc_w == full and
         at(bx, by) == heapmap.class_colour(10) and at(bx + live_w - 1, by) ==
         heapmap.class_colour(10) and at(bx + live_w + 1, by) != heapmap.class_colour(10),
         'occupancy_bar')
    t.ok(sorted(lay['bars']) == sorted(str(c) for c in (4, 10, 11, 61, 96, 99)),
         'one_bar_per_class', '%s' % sorted(lay['bars']))

    # --log: the same dump inside a guest log, TAP-prefixed, a kernel line in it.
    text = open(SAMPLE).read().splitlines()
    log = os.path.join(tmp, 'guest.log')
    with open(log, 'w') as f:
        f.write('@@PROG x\nok 1 something\n# @@HEAPMAP live\r\n')
        for i, ln in enumerate(text):
            f.write('# %s\r\n' % ln)
            if i == 70:
                f.write('[   12.345678] goalloc: a kernel message\n')
        f.write('# @@HEAPMAP_END\n@@END\n')
    png2 = os.path.join(tmp, 'from-log.png')
    r = run(['--log', log, '--step', 'live', '-o', png2, '--title', ''])
    r2 = run(['--log', log, '--list'])
    t.ok(r.returncode == 0 and r2.stdout.split() == ['live'] and
         decode_png(open(png2, 'rb').read())[2] == px, 'log_extraction',
         (r.stderr + r2.stderr).strip()[:200])

    # Malformed dumps: refused with status 2, no picture.
    lines = open(SAMPLE).read().splitlines()
    cases = {
        'truncated': lines[:-1],
        'wrong_version': ['goalloc-heapmap 2'] + lines[1:],
        'runs_not_512': [ln.replace('f48 u448', 'f48 u447') for ln in lines],
        'span_on_free_pages': [ln.replace('span 7 131 1 new', 'span 7 132 1 new') for ln in lines],
        'owned_wrong': [ln.replace('frame 0 owned 64', 'frame 0 owned 65') for ln in lines],
        'span_past_frame': [ln.replace('span 7 126 5 small', 'span 7 510 5 small') for ln in lines],
        'garbage_line': lines[:5] + ['frame x owned y'] + lines[5:],
    }
    bad = []
    for name, body in cases.items():
        r = run(['-', '-o', os.path.join(tmp, 'bad.png')], input='\n'.join(body) + '\n')
        if r.returncode != 2 or 'heapmap:' not in r.stderr:
            bad.append(name)
    t.ok(not bad, 'malformed_refused', 'accepted: %s' % bad)
    return finish(t, a)


def finish(t, a):
    if a.tap:
        with open(a.tap, 'w') as f:
            f.write(t.text())
    return 1 if t.failed else 0


if __name__ == '__main__':
    sys.exit(main())
