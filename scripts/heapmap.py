#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw goalloc's heap as a PNG from /sys/kernel/debug/goalloc/heap_map.

  scripts/heapmap.py heap_map.txt -o heap.png
  scripts/heapmap.py --log serial.log --step allocated -o heap-allocated.png
  scripts/heapmap.py --log serial.log --list        # the steps a log holds

The picture: a title and legend (page states, the 67 size classes' colours),
each frame of the heap as a grid of its 512 runtime pages (32 to a row,
row-major from page 0 at the top left) coloured by state, or by size class
for pages of small spans (a darker shade for noscan classes), and one
occupancy bar per size class with spans: live slots, slots allocated but
freed since the last sweep (lighter), and free slots.  The file format is in
Documentation/goalloc.rst ("debugfs"); this script rejects a dump that does
not follow it (exit status 2).

--layout FILE writes where things were drawn (JSON: frame origins, cell
pitch, legend swatches), for tests.  Python 3 alone: the PNG encoder and the
3x5 font are built in.
"""
import argparse
import colorsys
import json
import re
import struct
import sys
import zlib

VERSION = 1
FRAME_COLS = 32               # pages per grid row
CELL, PITCH = 5, 6            # a page's square and its pitch (1 px gap)
MARGIN = 10
FONT_SCALE = 2
ADV = 4 * FONT_SCALE          # glyph advance (3 px wide + 1 gap, scaled)
LINE = 7 * FONT_SCALE         # text line height (5 px high + 2 gap, scaled)
FRAMES_PER_ROW = 4
FRAME_GAP = 14
MAX_FRAMES = 256              # drawn; the rest are counted in the title
BAR_W = 400

NUM_CLASSES = 68              # size classes including class 0 (large)

BG = (255, 255, 255)
INK = (20, 20, 20)
STATE_COLOURS = {
    'u': (228, 228, 228),     # not owned: never got from the kernel, or given back
    'f': (255, 255, 255),     # owned and free
    'c': (245, 235, 170),     # owned, in a per-CPU page cache
    'l': (95, 95, 95),        # large span
    'm': (0, 0, 0),           # stack (manual) span
    'n': (255, 0, 255),       # span being set up
}
GRID = (190, 190, 190)        # the lines between pages
STATE_NAMES = {'u': 'UNOWNED', 'f': 'FREE', 'c': 'CACHED', 'l': 'LARGE',
               'm': 'STACK', 'n': 'NEW'}
KINDS = {'small': 's', 'large': 'l', 'stack': 'm', 'new': 'n'}


def class_colour(spanclass):
    """Colour of a small span class: hue by size class, darker when noscan."""
    c, noscan = spanclass >> 1, spanclass & 1
    # Golden-ratio hue steps: neighbouring classes get distant hues.
    h = (c * 0.618033988749895) % 1.0
    s, v = (0.75, 0.62) if noscan else (0.55, 0.95)
    if c % 3 == 1:
        s = min(1.0, s + 0.2)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return (round(r * 255), round(g * 255), round(b * 255))


def _check_palette():
    seen = {}
    for sc in range(2, 2 * NUM_CLASSES):
        col = class_colour(sc)
        assert col not in seen and col not in STATE_COLOURS.values() and \
            col not in (BG, GRID, INK), sc
        seen[col] = sc


_check_palette()

# A 3x5 font: each glyph is five rows of three bits, top row first.
_GLYPHS = {
    '0': '111101101101111', '1': '010110010010111', '2': '111001111100111',
    '3': '111001111001111', '4': '101101111001001', '5': '111100111001111',
    '6': '111100111101111', '7': '111001001001001', '8': '111101111101111',
    '9': '111101111001111', 'A': '010101111101101', 'B': '110101110101110',
    'C': '011100100100011', 'D': '110101101101110', 'E': '111100110100111',
    'F': '111100110100100', 'G': '011100101101011', 'H': '101101111101101',
    'I': '111010010010111', 'J': '001001001101010', 'K': '101101110101101',
    'L': '100100100100111', 'M': '101111111101101', 'N': '110101101101101',
    'O': '010101101101010', 'P': '110101110100100', 'Q': '010101101110011',
    'R': '110101110101101', 'S': '011100010001110', 'T': '111010010010010',
    'U': '101101101101111', 'V': '101101101101010', 'W': '101101111111101',
    'X': '101101010101101', 'Y': '101101010010010', 'Z': '111001010100111',
    ' ': '000000000000000', '.': '000000000000010', ':': '000010000010000',
    '/': '001001010100100', '%': '101001010100101', '-': '000000111000000',
    '(': '010100100100010', ')': '010001001001010', '+': '000010111010000',
    '=': '000111000111000', ',': '000000000010100', '#': '101111101111101',
    '_': '000000000000111', '<': '001010100010001', '>': '100010001010100',
    '?': '111001010000010',
}


class DumpError(ValueError):
    pass


def parse(text):
    """Parse a heap_map dump.  Raises DumpError on anything malformed."""
    d = {'classes': {}, 'frames': [], 'spans': [], 'heap': {}}
    lines = [ln.rstrip('\r') for ln in text.split('\n')]
    while lines and not lines[-1]:
        lines.pop()
    if not lines or lines[0].split() != ['goalloc-heapmap', str(VERSION)]:
        raise DumpError('line 1: not a goalloc-heapmap %d dump' % VERSION)
    frames = {}
    ended = False
    fp = None
    for no, ln in enumerate(lines[1:], 2):
        f = ln.split()
        try:
            if ended:
                raise DumpError('text after "end"')
            if not f:
                raise DumpError('empty line')
            key = f[0]
            if key in ('page_bytes', 'frame_pages') and len(f) == 2:
                d[key] = int(f[1])
                if d[key] <= 0:
                    raise DumpError('%s must be positive' % key)
                if key == 'frame_pages':
                    fp = d[key]
            elif key == 'heap' and len(f) % 2 == 1:
                d['heap'] = {f[i]: int(f[i + 1]) for i in range(1, len(f), 2)}
            elif key == 'class' and len(f) == 5:
                c, size, npages, nobjs = (int(x) for x in f[1:])
                if not 0 < c < NUM_CLASSES:
                    raise DumpError('class %d out of range' % c)
                d['classes'][c] = (size, npages, nobjs)
            elif key == 'frame' and len(f) >= 8 and f[2] == 'owned' and \
                    f[4] == 'zeroed' and f[6] == 'pages':
                if fp is None:
                    raise DumpError('frame before frame_pages')
                chunk = int(f[1])
                if chunk in frames:
                    raise DumpError('frame %d twice' % chunk)
                pages = []
                for tok in f[7:]:
                    m = re.fullmatch(r'([fucslmn])(\d+)', tok)
                    if not m or int(m.group(2)) == 0:
                        raise DumpError('bad page run %r' % tok)
                    pages.extend(m.group(1) * int(m.group(2)))
                if len(pages) != fp:
                    raise DumpError('frame %d: runs cover %d pages, not %d' %
                                    (chunk, len(pages), fp))
                owned = int(f[3])
                if owned != sum(p != 'u' for p in pages):
                    raise DumpError('frame %d: owned %d disagrees with its pages' %
                                    (chunk, owned))
                frames[chunk] = {'chunk': chunk, 'owned': owned, 'zeroed': int(f[5]),
                                 'pages': pages, 'spans': []}
                d['frames'].append(frames[chunk])
            elif key == 'span' and len(f) == 9:
                chunk, off, npages = int(f[1]), int(f[2]), int(f[3])
                kind = f[4]
                spc, nelems, alloc, live = (int(x) for x in f[5:])
                fr = frames.get(chunk)
                if fr is None or fr is not d['frames'][-1]:
                    raise DumpError('span of frame %d outside its frame' % chunk)
                if kind not in KINDS or npages <= 0 or off < 0 or off + npages > fp:
                    raise DumpError('bad span')
                if not 0 <= spc < 2 * NUM_CLASSES or min(nelems, alloc, live) < 0:
                    raise DumpError('bad span class or counts')
                if any(p != KINDS[kind] for p in fr['pages'][off:off + npages]):
                    raise DumpError('span at %d: its pages are not %s' % (off, kind))
                if kind == 'small' and not spc >> 1:
                    raise DumpError('small span of class 0')
                sp = {'chunk': chunk, 'off': off, 'npages': npages, 'kind': kind,
                      'spanclass': spc, 'nelems': nelems, 'allocated': alloc,
                      'live': live}
                if fr['spans'] and fr['spans'][-1]['off'] + fr['spans'][-1]['npages'] > off:
                    raise DumpError('spans overlap or out of order')
                fr['spans'].append(sp)
                d['spans'].append(sp)
            elif key == 'end' and len(f) == 1:
                ended = True
            else:
                raise DumpError('unknown line %r' % ln[:60])
        except ValueError as e:
            raise DumpError('line %d: %s' % (no, e)) from None
    if not ended:
        raise DumpError('no "end" line: the dump is truncated')
    for k in ('page_bytes', 'frame_pages'):
        if k not in d:
            raise DumpError('no %s line' % k)
    # Every span page belongs to a span line, and vice versa.
    for fr in d['frames']:
        covered = sum(s['npages'] for s in fr['spans'])
        inspans = sum(p in 'slmn' for p in fr['pages'])
        if covered != inspans:
            raise DumpError('frame %d: %d span pages but spans cover %d' %
                            (fr['chunk'], inspans, covered))
    return d


def from_log(text, step):
    """The dump between "@@HEAPMAP <step>" and "@@HEAPMAP_END" of a guest log.

    Lines may carry a "# " prefix (TAP diagnostics); kernel console lines
    ("[ 12.345678] ...") in between are dropped.
    """
    out, on = [], False
    for ln in text.split('\n'):
        ln = ln.rstrip('\r')
        bare = ln[2:] if ln.startswith('# ') else ln
        if not on:
            on = bare.split() == ['@@HEAPMAP', step]
            continue
        if bare.strip() == '@@HEAPMAP_END':
            return '\n'.join(out) + '\n'
        if re.match(r'^\[\s*\d+\.\d+\]', ln):
            continue
        out.append(bare)
    raise DumpError('no complete @@HEAPMAP %s block in the log' % step)


def log_steps(text):
    return [ln.rstrip('\r').lstrip('# ').split()[1] for ln in text.split('\n')
            if re.match(r'^(# )?@@HEAPMAP \S+\s*$', ln.rstrip('\r'))]


class Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(bytes(BG) * (w * h))

    def rect(self, x, y, w, h, col):
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.w, x + w), min(self.h, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        row = bytes(col) * (x1 - x0)
        for yy in range(y0, y1):
            i = (yy * self.w + x0) * 3
            self.px[i:i + len(row)] = row

    def text(self, x, y, s, col=INK):
        for ch in s.upper():
            g = _GLYPHS.get(ch, _GLYPHS['?'])
            for i, bit in enumerate(g):
                if bit == '1':
                    self.rect(x + (i % 3) * FONT_SCALE, y + (i // 3) * FONT_SCALE,
                              FONT_SCALE, FONT_SCALE, col)
            x += ADV
        return x

    def png(self):
        raw = bytearray()
        stride = self.w * 3
        for y in range(self.h):
            raw.append(0)                       # filter: none
            raw += self.px[y * stride:(y + 1) * stride]

        def chunk(kind, data):
            c = struct.pack('>I', len(data)) + kind + data
            return c + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
        return (b'\x89PNG\r\n\x1a\n' +
                chunk(b'IHDR', struct.pack('>IIBBBBB', self.w, self.h, 8, 2, 0, 0, 0)) +
                chunk(b'IDAT', zlib.compress(bytes(raw), 6)) + chunk(b'IEND', b''))


def _mib(pages, page_bytes):
    return '%.1f' % (pages * page_bytes / (1 << 20))


def occupancy(d):
    """Per span class: spans, slots, allocated, live (small classes only)."""
    occ = {}
    for s in d['spans']:
        if s['kind'] != 'small':
            continue
        o = occ.setdefault(s['spanclass'], [0, 0, 0, 0])
        o[0] += 1
        o[1] += s['nelems']
        o[2] += min(s['allocated'], s['nelems'])
        o[3] += min(s['live'], s['nelems'])
    return occ


def render(d, title=''):
    """Draw the dump; returns (Canvas, layout dict)."""
    fp, pb = d['frame_pages'], d['page_bytes']
    rows = -(-fp // FRAME_COLS)
    fw, fh = FRAME_COLS * PITCH, LINE + rows * PITCH
    frames = d['frames'][:MAX_FRAMES]
    occ = occupancy(d)
    width = max(2 * MARGIN + FRAMES_PER_ROW * fw + (FRAMES_PER_ROW - 1) * FRAME_GAP,
                2 * MARGIN + 6 * ADV + (NUM_CLASSES - 1) * 12)
    # Heights: title 2 lines, state legend 1, class legend 2, grid, bars.
    legend_h = 3 * LINE + LINE + 2 * LINE + LINE // 2
    grid_rows = -(-len(frames) // FRAMES_PER_ROW)
    grid_h = grid_rows * (fh + FRAME_GAP) if frames else 2 * LINE
    other = [s for s in d['spans'] if s['kind'] != 'small']
    bars_h = LINE * (2 + len(occ) + (1 if other else 0))
    height = MARGIN + legend_h + grid_h + bars_h + MARGIN
    cv = Canvas(width, height)
    lay = {'width': width, 'height': height, 'pitch': PITCH, 'cell': CELL,
           'cols': FRAME_COLS, 'frames': {}, 'legend': {}, 'classes': {}, 'bars': {}}

    x, y = MARGIN, MARGIN
    h = d['heap']
    cv.text(x, y, 'GOALLOC HEAP MAP' + (' - ' + title if title else ''))
    y += LINE
    line2 = '%d FRAMES (%d SHOWN)  OWNED %s MIB  IN SPANS %s MIB  STACKS %s MIB  FREE %s MIB' % (
        len(d['frames']), len(frames), _mib(h.get('pages_owned', 0), pb),
        _mib(h.get('pages_inuse', 0), pb), _mib(h.get('pages_manual', 0), pb),
        _mib(h.get('pages_free', 0), pb))
    cv.text(x, y, line2)
    y += LINE
    cv.text(x, y, 'EACH SQUARE IS ONE %d KIB PAGE, %d TO A ROW, PAGE 0 AT TOP LEFT' % (
        pb // 1024, FRAME_COLS))
    y += LINE
    lay['legend_text'] = [MARGIN, MARGIN, width - 2 * MARGIN, 3 * LINE]
    # Page states, then small spans by class.
    for st in 'fucnlm':
        cv.rect(x, y, 2 * CELL + 2, 2 * CELL + 2, GRID)
        cv.rect(x + 1, y + 1, 2 * CELL, 2 * CELL, STATE_COLOURS[st])
        lay['legend'][st] = [x + 1 + CELL, y + 1 + CELL]
        x = cv.text(x + 2 * CELL + 6, y, STATE_NAMES[st]) + 2 * ADV
    cv.text(x, y, 'SMALL: SPAN CLASS COLOUR (NOSCAN DARKER)')
    y += LINE
    x = MARGIN
    cv.text(x, y, 'CLASS')
    x0 = x + 6 * ADV
    for c in range(1, NUM_CLASSES):
        cx = x0 + (c - 1) * 12
        cv.rect(cx, y, 10, 5, class_colour(c << 1))
        cv.rect(cx, y + 5, 10, 5, class_colour(c << 1 | 1))
        lay['classes'][c] = [cx + 5, y + 2, cx + 5, y + 7]
        if c % 8 == 0 or c == 1:
            cv.text(cx, y + LINE - 2, str(c))
    y += 2 * LINE + LINE // 2

    # The frames: a grid of pages each.
    gy = y
    for i, fr in enumerate(frames):
        fx = MARGIN + (i % FRAMES_PER_ROW) * (fw + FRAME_GAP)
        fy = gy + (i // FRAMES_PER_ROW) * (fh + FRAME_GAP)
        cv.text(fx, fy, 'FRAME %d  %d/%d' % (fr['chunk'], fr['owned'], fp))
        oy = fy + LINE
        lay['frames'][str(fr['chunk'])] = [fx, oy]
        cv.rect(fx - 1, oy - 1, fw + 1, rows * PITCH + 1, GRID)
        cls = {}
        for s in fr['spans']:
            if s['kind'] == 'small':
                for p in range(s['off'], s['off'] + s['npages']):
                    cls[p] = class_colour(s['spanclass'])
        for p, st in enumerate(fr['pages']):
            col = cls[p] if st == 's' else STATE_COLOURS[st]
            cv.rect(fx + (p % FRAME_COLS) * PITCH, oy + (p // FRAME_COLS) * PITCH,
                    CELL, CELL, col)
    if not frames:
        cv.text(MARGIN, gy, 'NO FRAMES: THE HEAP OWNS NO MEMORY')
    y = gy + grid_h

    # Occupancy per class: live, allocated but freed (lighter), free.
    cv.text(MARGIN, y, 'OCCUPANCY BY SPAN CLASS: LIVE / SLOTS (LIGHTER: FREED, NOT YET SWEPT)')
    y += LINE
    bx = MARGIN + 16 * ADV
    for spc in sorted(occ):
        nspans, slots, alloc, live = occ[spc]
        c = spc >> 1
        size = d['classes'].get(c, (0,))[0]
        cv.text(MARGIN, y, 'C%d%s %dB' % (c, 'N' if spc & 1 else '', size))
        col = class_colour(spc)
        light = tuple((v + 255 * 2) // 3 for v in col)
        cv.rect(bx, y, BAR_W, CELL * 2, (240, 240, 240))
        if slots:
            aw = BAR_W * alloc // slots
            lw = BAR_W * live // slots
            cv.rect(bx, y, aw, CELL * 2, light)
            cv.rect(bx, y, lw, CELL * 2, col)
            lay['bars'][str(spc)] = [bx, y + CELL, lw, aw]
        cv.text(bx + BAR_W + 8, y, '%d/%d  %d SPANS' % (live, slots, nspans))
        y += LINE
    if not occ:
        cv.text(MARGIN, y, 'NO SMALL SPANS')
        y += LINE
    if other:
        nl = [s for s in other if s['kind'] == 'large']
        ns = [s for s in other if s['kind'] == 'stack']
        cv.text(MARGIN, y, 'LARGE: %d SPANS %d PAGES  STACK: %d SPANS %d PAGES' % (
            len(nl), sum(s['npages'] for s in nl), len(ns), sum(s['npages'] for s in ns)))
    return cv, lay


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('dump', nargs='?', help='heap_map text ("-": stdin)')
    ap.add_argument('-o', '--output', help='PNG to write')
    ap.add_argument('--log', help='take the dump from a guest log')
    ap.add_argument('--step', help='with --log: the @@HEAPMAP block to take')
    ap.add_argument('--list', action='store_true', help='with --log: list its blocks')
    ap.add_argument('--title', help='text after the title (default: the step)')
    ap.add_argument('--layout', help='write where things were drawn (JSON)')
    a = ap.parse_args()
    try:
        if a.log:
            text = open(a.log, encoding='utf-8', errors='replace').read()
            if a.list:
                print('\n'.join(log_steps(text)))
                return 0
            if not a.step:
                ap.error('--log needs --step or --list')
            text = from_log(text, a.step)
        elif a.dump and a.dump != '-':
            text = open(a.dump, encoding='utf-8').read()
        elif a.dump == '-':
            text = sys.stdin.read()
        else:
            ap.error('a dump file or --log')
        d = parse(text)
    except DumpError as e:
        print('heapmap: %s' % e, file=sys.stderr)
        return 2
    if not a.output:
        ap.error('-o FILE.png')
    cv, lay = render(d, a.title if a.title is not None else a.step or '')
    with open(a.output, 'wb') as f:
        f.write(cv.png())
    if a.layout:
        with open(a.layout, 'w') as f:
            json.dump(lay, f)
    print('%s: %dx%d, %d frames, %d spans' % (a.output, cv.w, cv.h, len(d['frames']),
                                            len(d['spans'])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
