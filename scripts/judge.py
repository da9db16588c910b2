#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a goalloc test run: the guest's serial log plus the host harness.

The guest's /init (scripts/mkinitramfs.sh) prints every KUnit suite's debugfs
results file between "@@SUITE <name>" and "@@END", every guest test
program's output between "@@PROG <name>" and "@@END" (then "@@EXIT <name>
<rc>"), "@@TAINT <n>" and finally "@@DONE".  Each block is written to its own
file and parsed separately by the kernel's own tools/testing/kunit/kunit.py:
it handles one KTAP document at a time (a results file is a complete "1..1"
document; concatenating them or parsing the raw log loses later modules).
The host harness's TAP files (kselftest harness, TAP 13) are parsed the same
way.

Exit status 0 only if every case passed or was skipped, the expected number
of suites ran, every program exited 0, the guest reached @@DONE in time, the
log holds no kernel splat and the taint is only O/E/N.  The last line printed
is always "<n> passed, <n> failed" (plus ", <n> skipped" when any were).

A second log (--kasan-log) is the boot that loads goalloc_kasan_kunit.ko,
whose cases make bad accesses on purpose.  It is judged by the same rules
except that its KASAN reports must be exactly the ones --kasan-expect lists
(bug type, Read/Write, size, function, module; in order), lines inside
those reports are not splats, and taint B (which a report sets) is allowed.
The same list may name "sleeping function called from invalid context"
reports (type sleep-in-atomic, the first module frame of the trace as the
function); they are matched the same way, and then taint W is allowed.
Its cases count in the same last line.
"""

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys

# Taint bits (kernel/panic.c taint_flags, 6.12) and the ones a test run may
# set: O (out-of-tree module), E (unsigned module), N (KUnit test ran).
TAINT_LETTERS = 'PFSRMBUDAWCIOELKXTN'
ALLOWED_TAINT = (1 << 12) | (1 << 13) | (1 << 18)

# Kernel reports that fail a run wherever they appear in the log.
SPLATS = [
    (r'BUG:', 'BUG'),
    (r'kernel BUG', 'kernel BUG'),
    (r'WARNING:', 'WARNING'),
    (r'cut here', 'WARN/BUG splat'),
    (r'KASAN', 'KASAN report'),
    (r'UBSAN', 'UBSAN report'),
    (r'possible circular locking', 'lockdep: circular locking'),
    (r'inconsistent lock state', 'lockdep: inconsistent lock state'),
    (r'possible recursive locking', 'lockdep: recursive locking'),
    (r'(^|\]\s)={5,}\s*$', 'lockdep/KASAN banner'),
    (r'unreferenced object', 'kmemleak: leak'),
    (r'\bOops\b', 'Oops'),
    (r'Call Trace', 'stack trace'),
    (r'general protection', 'general protection fault'),
    (r'sleeping function called from invalid context', 'sleep in atomic'),
    (r'Kernel panic', 'panic'),
    (r'soft lockup|hard LOCKUP|blocked for more than|self-detected stall|'
     r'rcu_preempt detected stall', 'lockup/stall'),
    (r'INSMOD FAILED', 'insmod failed'),
    (r'rmmod failed', 'rmmod failed'),
]
SPLAT_RE = re.compile('|'.join('(?:%s)' % p for p, _ in SPLATS))

# A KASAN report: banner, "BUG: KASAN: <type> in <function>+0x../0x.. [mod]",
# "<Read|Write> of size <n> at addr ...", ..., banner (mm/kasan/report.c).
# Inside an expected report its own lines are not splats; anything else
# (a WARNING, a lockdep report printed in between) still is.
TAINT_BAD_PAGE = 1 << 5
KASAN_BUG_RE = re.compile(r'BUG: KASAN: (\S+) in (\S+?)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?'
                          r'(?: \[(\S+)\])?\s*$')
KASAN_ACCESS_RE = re.compile(r'\b(Read|Write) of size (\d+) at addr')
BANNER_RE = re.compile(r'(^|\]\s)={5,}\s*$')
KASAN_REPORT_SPLATS = ('BUG', 'KASAN report', 'stack trace', 'lockdep/KASAN banner',
                       'sleep in atomic')
# DEBUG_ATOMIC_SLEEP's report (kernel/sched/core.c __might_resched): from its
# BUG line to the end of its stack dump; it names no function, so the first
# reliable module frame of the trace stands for one.
SLEEP_BUG_RE = re.compile(r'BUG: sleeping function called from invalid context at')
TRACE_END_RE = re.compile(r'</TASK>|</IRQ>\s*$')
MODULE_FRAME_RE = re.compile(r'^\s*(?!\?)([A-Za-z_][\w.]*)\+0x[0-9a-f]+/0x[0-9a-f]+ \[(\w+)\]\s*$')
TAINT_WARN = 1 << 9

MARK_RE = re.compile(r'^@@(BOOT|SUITE|PROG|HOOK|END|EXIT|TAINT|DONE|SECTION|INSMOD|RMMOD)\b ?(.*)$')


class Block:
    def __init__(self, kind, name, line):
        self.kind = kind          # 'suite', 'guest', 'harness'
        self.name = name
        self.line = line          # 1-based line in the serial log (0: host)
        self.text = []
        self.closed = False
        self.exit = None          # guest programs: exit status
        self.counts = {'PASS': 0, 'FAIL': 0, 'SKIP': 0, 'ERROR': 0}
        self.failed_cases = []
        self.problems = []
        self.parse_out = ''

    @property
    def label(self):
        return {'suite': 'kunit', 'guest': 'guest'}.get(self.kind, self.kind) + ':' + self.name


def split_log(lines):
    """Cut the serial log into blocks and pick out the other markers."""
    blocks, exits, taint, done, hook = [], {}, None, False, None
    cur = None
    for i, line in enumerate(lines, 1):
        m = MARK_RE.match(line)
        if cur is not None:
            if m and m.group(1) == 'END':
                cur.closed = True
                cur = None
            elif m and m.group(1) in ('SUITE', 'PROG', 'DONE', 'TAINT'):
                # A new block before @@END: the previous one was cut short.
                cur = None
            else:
                cur.text.append(line)
                continue
        if not m:
            continue
        kind, arg = m.group(1), m.group(2).strip()
        if kind == 'SUITE':
            cur = Block('suite', arg, i)
            blocks.append(cur)
        elif kind == 'PROG':
            cur = Block('guest', arg, i)
            blocks.append(cur)
        elif kind == 'HOOK':
            hook = Block('hook', 'hook', i)
            cur = hook
        elif kind == 'EXIT':
            parts = arg.rsplit(' ', 1)
            if len(parts) == 2 and parts[1].lstrip('-').isdigit():
                exits[parts[0]] = int(parts[1])
        elif kind == 'TAINT' and arg.isdigit():
            taint = int(arg)
        elif kind == 'DONE':
            done = True
    return blocks, exits, taint, done, hook


def strip_ts(line):
    return re.sub(r'^\[\d\d:\d\d:\d\d\] ', '', line)


def parse_block(blk, path, kunit_py):
    """Run kunit.py parse on one KTAP/TAP file and record the results."""
    path = os.path.abspath(path)
    jpath = re.sub(r'\.k?tap$', '', path) + '.json'
    if os.path.exists(jpath):
        os.unlink(jpath)
    # kunit.py chdir()s into the kernel tree: both paths must be absolute.
    res = subprocess.run([sys.executable, kunit_py, 'parse', '--json=' + jpath, path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, errors='replace')
    blk.parse_out = res.stdout
    with open(re.sub(r'\.k?tap$', '', path) + '.parse', 'w') as f:
        f.write(res.stdout)
    if not os.path.exists(jpath):
        blk.problems.append('kunit.py could not parse it (exit %d)' % res.returncode)
        return

    def walk(group):
        for case in group.get('test_cases', []):
            st = case.get('status', 'FAIL')
            st = st if st in blk.counts else 'FAIL'
            blk.counts[st] += 1
            if st in ('FAIL', 'ERROR'):
                blk.failed_cases.append(case.get('name') or '<unnamed>')
        for sub in group.get('sub_groups', []):
            walk(sub)
    with open(jpath) as f:
        walk(json.load(f))

    m = re.search(r'errors: (\d+)', res.stdout)
    errors = int(m.group(1)) if m else 0
    if 'Could not find any KTAP output' in res.stdout:
        blk.problems.append('no KTAP/TAP output')
    elif sum(blk.counts.values()) == 0:
        blk.problems.append('no test cases ran')
    if blk.counts['FAIL']:
        blk.problems.append('%d failed case(s): %s' % (blk.counts['FAIL'] + blk.counts['ERROR'],
                                                       ', '.join(blk.failed_cases)))
    elif blk.counts['ERROR']:
        blk.problems.append('%d crashed/missing case(s)' % blk.counts['ERROR'])
    if errors:
        blk.problems.append('%d KTAP parse error(s) (crashed or malformed output)' % errors)
    if res.returncode != 0 and not blk.problems and blk.counts['PASS']:
        # kunit.py exits 1 for an all-skipped document; that alone is fine.
        blk.problems.append('kunit.py parse exited %d' % res.returncode)


def splat_report(lines, out, max_lines=150, allow=None, title='kernel splats'):
    """Print and name the splat lines; allow(i, name) exempts a line."""
    hits = [(i, n) for i, n in splat_lines(lines) if not (allow and allow(i, n))]
    if not hits:
        return []
    names = []
    for _, n in hits:
        if n not in names:
            names.append(n)
    out('')
    out('%s (%d matching lines: %s):' % (title, len(hits), ', '.join(names)))
    ranges = []
    for i, _ in hits:
        lo, hi = max(0, i - 3), min(len(lines), i + 13)
        if ranges and lo <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], hi)
        else:
            ranges.append([lo, hi])
    printed = 0
    for lo, hi in ranges:
        if printed >= max_lines:
            out('  ... (more in the log)')
            break
        out('  --- log line %d ---' % (lo + 1))
        for j in range(lo, hi):
            mark = '>' if SPLAT_RE.search(lines[j]) and not (allow and allow(j, None)) else ' '
            out('  %s %s' % (mark, lines[j]))
            printed += 1
    return names


def kasan_reports(lines):
    """Every KASAN report in the log: its line span and what it says."""
    reps = []
    for i, line in enumerate(lines):
        m = KASAN_BUG_RE.search(line)
        if not m:
            continue
        start = i - 1 if i and BANNER_RE.search(lines[i - 1]) else i
        end = next((j for j in range(i + 1, len(lines)) if BANNER_RE.search(lines[j])), None)
        access, size = '-', '-'
        for j in range(i + 1, end if end is not None else min(len(lines), i + 4)):
            a = KASAN_ACCESS_RE.search(lines[j])
            if a:
                access, size = a.group(1), a.group(2)
                break
        reps.append({'line': i + 1, 'start': start, 'end': end if end is not None else i,
                     'closed': end is not None,
                     'key': (m.group(1), access, size, m.group(2), m.group(3) or 'vmlinux')})
    for i, line in enumerate(lines):
        if not SLEEP_BUG_RE.search(line):
            continue
        end = next((j for j in range(i + 1, len(lines)) if TRACE_END_RE.search(lines[j])), None)
        func, mod = '-', '-'
        for j in range(i + 1, end if end is not None else i + 1):
            f = MODULE_FRAME_RE.search(re.sub(r'^\[\s*\d+\.\d+\]', '', strip_ts(lines[j])))
            if f:
                func, mod = f.group(1), f.group(2)
                break
        reps.append({'line': i + 1, 'start': i, 'end': end if end is not None else i,
                     'closed': end is not None,
                     'key': ('sleep-in-atomic', '-', '-', func, mod)})
    reps.sort(key=lambda r: r['line'])
    return reps


def read_kasan_expect(path):
    """The expected reports: '<type> <Read|Write> <size> <function> <module>' lines."""
    want = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split('#', 1)[0].split()
            if not line:
                continue
            if len(line) != 5:
                raise ValueError('%s:%d: want 5 fields, got %d' % (path, n, len(line)))
            want.append(tuple(line))
    return want


def read_log(path, problems):
    try:
        with open(path, 'rb') as f:
            raw = f.read().decode('utf-8', errors='replace')
    except OSError as e:
        raw = ''
        problems.append('cannot read serial log: %s' % e)
    return raw.replace('\r', '').split('\n')


def splat_lines(lines):
    """(index, name) of every line that holds a kernel splat."""
    hits = []
    for i, line in enumerate(lines):
        if not SPLAT_RE.search(line):
            continue
        for pat, name in SPLATS:
            if re.search(pat, line):
                hits.append((i, name))
                break
    return hits


class Boot:
    """One QEMU boot: its serial log cut into blocks, and its markers.

    name: 'main' (goalloc.ko, goalloc_kunit.ko, the guest programs, the
    hook) or 'kasan' (goalloc_kasan_kunit.ko, whose reports are expected);
    tag: the prefix of its messages; prefix: of its blocks' files in --work.
    """

    def __init__(self, name, tag, prefix, path, problems):
        self.name, self.tag, self.prefix, self.path = name, tag, prefix, path
        self.lines = read_log(path, problems)
        self.blocks, self.exits, self.taint, self.done, self.hook = split_log(self.lines)

def judge_boot(boot, out, *, expect_suites, guest_progs, qemu_rc, timeout, allow_taint,
               allow_splat=None, need_taint=0):
    """One boot's checks besides its blocks' own: suites, programs, hook, QEMU,
    @@DONE, taint and splats.  Returns the problems found."""
    tag, blocks, exits, taint, done = boot.tag, boot.blocks, boot.exits, boot.taint, boot.done
    problems = []
    suites = [b for b in blocks if b.kind == 'suite']
    if not suites and expect_suites != 0:
        problems.append('no KUnit suite ran (0 suites reported results%s)' %
                        ('' if expect_suites is None else '; %d expected' % expect_suites))
    elif expect_suites is not None and len(suites) < expect_suites:
        problems.append('only %d of %d expected KUnit suites reported results '
                        '(kunit/*.c defines %d struct kunit_suite; a module failed '
                        'to load, a suite is missing from Kbuild, or KUnit is off)'
                        % (len(suites), expect_suites, expect_suites))
    elif expect_suites is not None and len(suites) > expect_suites:
        out('judge: note: %s%d suites ran, %d expected' % (tag, len(suites), expect_suites))
    seen = {b.name for b in blocks if b.kind == 'guest'}
    for g in guest_progs:
        if g not in seen:
            problems.append('guest program %s did not run' % g)
    if boot.hook is not None:
        rc = exits.get('hook')
        if rc is None:
            problems.append('hook script did not finish')
        elif rc != 0:
            problems.append('hook script exited with status %d' % rc)
    if qemu_rc == 124:
        problems.append('guest TIMED OUT (limit %s s): killed before @@DONE' % timeout)
    elif qemu_rc != 0:
        problems.append('QEMU failed (exit status %d)' % qemu_rc)
    if not done and qemu_rc != 124:
        problems.append('guest did not reach @@DONE (crash, panic or /init failure)')
    if taint is None:
        if done:
            problems.append('no @@TAINT line in the log')
    else:
        if taint & ~allow_taint:
            bad = taint & ~allow_taint
            letters = ''.join(TAINT_LETTERS[b] if b < len(TAINT_LETTERS) else '?'
                              for b in range(bad.bit_length()) if bad >> b & 1)
            problems.append('kernel tainted %d: unexpected flags %s (0x%x)' % (taint, letters, bad))
        if need_taint & ~taint:
            problems.append('kernel not tainted 0x%x (%d): the expected reports did not '
                            'taint it' % (need_taint, taint))
    names = splat_report(boot.lines, out, allow=allow_splat,
                         title='%skernel splats' % tag)
    if names:
        problems.append('kernel splat(s) in the log: %s' % ', '.join(names))
    if not done:
        out('')
        out('%slast lines of the serial log (%s):' % (tag, boot.path))
        for ln in [x for x in boot.lines if x.strip()][-25:]:
            out('  | ' + ln)
    return problems


def judge_kasan(lines, expect_path):
    """Match the KASAN boot's reports against the expected list.
    Returns (problems, allow_splat, summary, number expected)."""
    problems = []
    try:
        want = read_kasan_expect(expect_path)
    except (OSError, ValueError) as e:
        return ['cannot read the expected KASAN reports: %s' % e], None, 'no expectations', 0
    reps = kasan_reports(lines)
    inside = set()
    for r in reps:
        inside.update(range(r['start'], r['end'] + 1))
        if not r['closed']:
            problems.append('KASAN report at log line %d is cut short (no closing banner)'
                            % r['line'])

    def allow(i, name):
        return i in inside and (name is None or name in KASAN_REPORT_SPLATS)

    def fmt(k):
        return ' '.join(k)

    got = [r['key'] for r in reps]
    bad = []
    # A diff, so one missing or extra report is one message, not a cascade.
    sm = difflib.SequenceMatcher(a=want, b=got, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == 'equal':
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            w = want[i1 + k] if i1 + k < i2 else None
            g = got[j1 + k] if j1 + k < j2 else None
            if g is None:
                bad.append('expected report %d missing (no KASAN report for it): %s'
                           % (i1 + k + 1, fmt(w)))
            elif w is None:
                bad.append('unexpected KASAN report (log line %d): %s'
                           % (reps[j1 + k]['line'], fmt(g)))
            else:
                bad.append('KASAN report at log line %d is "%s", expected report %d "%s"'
                           % (reps[j1 + k]['line'], fmt(g), i1 + k + 1, fmt(w)))
    if bad:
        problems.append('%d KASAN report(s) seen, %d expected (%s); %d differ:'
                        % (len(got), len(want), expect_path, len(bad)))
        problems.extend('  ' + b for b in bad[:12])
        if len(bad) > 12:
            problems.append('  ... %d more' % (len(bad) - 12))
    return (problems, allow, '%d KASAN report(s) seen, %d expected' % (len(got), len(want)),
            want)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--log', help='serial log of the guest')
    ap.add_argument('--ksrc', help='kernel source tree (for kunit.py); required')
    ap.add_argument('--work', help='directory for split KTAP/JSON files; required')
    ap.add_argument('--expect-suites', type=int, default=None,
                    help='number of KUnit suites that must have run')
    ap.add_argument('--guest-prog', action='append', default=[],
                    help='name of a guest test program that must have run')
    ap.add_argument('--harness-tap', action='append', default=[],
                    help='NAME=FILE: host harness TAP output (FILE may be missing)')
    ap.add_argument('--qemu-rc', type=int, default=0, help='exit status of run-qemu.sh')
    ap.add_argument('--timeout', default='?', help='guest timeout, for the message')
    ap.add_argument('--problem', action='append', default=[],
                    help='a failure found before the guest ran (e.g. a build error)')
    ap.add_argument('--allow-taint', type=lambda s: int(s, 0), default=ALLOWED_TAINT)
    ap.add_argument('--kasan-log', help='serial log of the KASAN boot (expected reports)')
    ap.add_argument('--kasan-expect', help='the KASAN reports that boot must show')
    ap.add_argument('--kasan-expect-suites', type=int, default=None,
                    help='number of KUnit suites the KASAN boot must run')
    ap.add_argument('--kasan-qemu-rc', type=int, default=0,
                    help='exit status of run-qemu.sh for the KASAN boot')
    ap.add_argument('--kasan-timeout', default='?', help='its guest timeout')
    ap.add_argument('--splats', metavar='LOG',
                    help='only print the lines of LOG that hold a kernel splat (as grep -n '
                         'does; for make demo and make bench) and exit 0')
    args = ap.parse_args()
    if not args.splats and not (args.ksrc and args.work):
        ap.error('--ksrc and --work are required')
    return args


def print_splats(path):
    """--splats: the splat lines of one log, by the list every boot is judged with."""
    lines = read_log(path, [])
    for i, _ in splat_lines(lines):
        print('%d:%s' % (i + 1, lines[i]))
    return 0


def clean_work(work):
    os.makedirs(work, exist_ok=True)
    for f in os.listdir(work):
        if f.endswith(('.ktap', '.tap', '.json', '.parse')):
            os.unlink(os.path.join(work, f))


def parse_harness(specs, work, kunit_py):
    """The host harness's TAP files (NAME=FILE), as blocks."""
    harness = []
    for spec in specs:
        name, _, path = spec.partition('=')
        blk = Block('harness', name, 0)
        harness.append(blk)
        if not os.path.exists(path):
            blk.problems.append('no TAP output at %s (did it build? see harness.log)' % path)
            continue
        dst = os.path.join(work, 'harness-%s.tap' % _safe(name))
        shutil.copyfile(path, dst)
        parse_block(blk, dst, kunit_py)
    return harness


def parse_boot_blocks(boot, work, kunit_py, n):
    """Write out and parse every block of @boot; files are numbered on from @n.
    Returns the last number used."""
    for blk in boot.blocks:
        n += 1
        ext = 'ktap' if blk.kind == 'suite' else 'tap'
        path = os.path.join(work, '%s%02d-%s-%s.%s' % (boot.prefix, n, blk.kind,
                                                        _safe(blk.name), ext))
        with open(path, 'w') as f:
            f.write('\n'.join(blk.text) + '\n')
        if not blk.closed:
            blk.problems.append('output cut short at log line %d (no @@END)' % blk.line)
        parse_block(blk, path, kunit_py)
        if blk.kind == 'guest':
            blk.exit = boot.exits.get(blk.name)
            if blk.exit is None:
                blk.problems.append('no exit status (@@EXIT missing)')
            elif blk.exit != 0:
                blk.problems.append('exited with status %d' % blk.exit)
    return n


def counts_text(c):
    s = '%d passed, %d failed' % (c['PASS'], c['FAIL'] + c['ERROR'])
    if c['SKIP']:
        s += ', %d skipped' % c['SKIP']
    return s


def print_table(every, out, kasan_row=None):
    """One line per harness program, KUnit suite and guest program;
    @kasan_row: (problems, summary) of the KASAN boot's reports."""
    if not every:
        return
    width = max(len(b.label) for b in every)
    for b in every:
        out('  %-4s %-*s  %s' % ('FAIL' if b.problems else 'ok', width, b.label,
                                 counts_text(b.counts)))
    if kasan_row is not None:
        out('  %-4s %-*s  %s' % ('FAIL' if kasan_row[0] else 'ok', width, 'kasan:reports',
                                 kasan_row[1]))


def block_problems(every, out):
    """Every block's problems, with kunit.py's output for the failed ones."""
    problems = []
    for b in every:
        for p in b.problems:
            problems.append('%s: %s' % (b.label, p))
        if b.problems and b.parse_out:
            out('')
            out('--- %s: kunit.py parse output ---' % b.label)
            for ln in b.parse_out.splitlines():
                ln = strip_ts(ln)
                if ln.startswith('=====') or ln.startswith('[PASSED]'):
                    continue
                out('  ' + ln)
    return problems


def main():
    args = parse_args()
    if args.splats:
        return print_splats(args.splats)
    kunit_py = os.path.join(args.ksrc, 'tools/testing/kunit/kunit.py')
    if not os.path.exists(kunit_py):
        print('judge: %s not found' % kunit_py)
        print('0 passed, 1 failed')
        return 1
    clean_work(args.work)

    problems = list(args.problem)
    out = print
    main_boot = Boot('main', '', '', args.log, problems) if args.log else None
    kasan_boot = None
    if args.kasan_log:
        kprob = []
        kasan_boot = Boot('kasan', 'kasan boot: ', 'kasan-', args.kasan_log, kprob)
        problems.extend('kasan boot: ' + p for p in kprob)
    boots = [b for b in (main_boot, kasan_boot) if b]

    # Host harness programs first: they ran first.
    harness = parse_harness(args.harness_tap, args.work, kunit_py)
    n = 0
    for boot in boots:
        n = parse_boot_blocks(boot, args.work, kunit_py, n)
    guest_blocks = [blk for boot in boots for blk in boot.blocks]
    suites = [b for b in guest_blocks if b.kind == 'suite']
    guests = [b for b in guest_blocks if b.kind == 'guest']
    every = harness + guest_blocks

    out('judge: serial log: %s' % (os.path.abspath(args.log) if args.log else '(none)'))
    kasan_problems, kasan_allow, kasan_summary, kasan_want = [], None, '', []
    if kasan_boot:
        if args.kasan_expect:
            kasan_problems, kasan_allow, kasan_summary, kasan_want = \
                judge_kasan(kasan_boot.lines, args.kasan_expect)
        else:
            kasan_problems = ['no --kasan-expect list for the KASAN boot']
    print_table(every, out, (kasan_problems, kasan_summary) if kasan_boot else None)
    problems += block_problems(every, out)

    if main_boot:
        problems += judge_boot(main_boot, out, expect_suites=args.expect_suites,
                               guest_progs=args.guest_prog, qemu_rc=args.qemu_rc,
                               timeout=args.timeout, allow_taint=args.allow_taint)
    if kasan_boot:
        # Reports taint B (KASAN) or W (sleep in atomic) and turn lockdep
        # off: allowed here, in this boot only, when expected.
        need = 0
        if any(w[0] != 'sleep-in-atomic' for w in kasan_want):
            need |= TAINT_BAD_PAGE
        if any(w[0] == 'sleep-in-atomic' for w in kasan_want):
            need |= TAINT_WARN
        kp = judge_boot(kasan_boot, out, expect_suites=args.kasan_expect_suites,
                        guest_progs=[], qemu_rc=args.kasan_qemu_rc,
                        timeout=args.kasan_timeout,
                        allow_taint=args.allow_taint | TAINT_BAD_PAGE | need,
                        allow_splat=kasan_allow,
                        need_taint=need)
        problems += ['kasan boot: ' + p for p in kasan_problems + kp]

    tot = {'PASS': 0, 'FAIL': 0, 'SKIP': 0, 'ERROR': 0}
    for b in every:
        for k in tot:
            tot[k] += b.counts[k]
    out('')
    if problems:
        out('judge: FAILED:')
        for p in problems:
            out('  - ' + p)
        if main_boot:
            out('judge: full serial log: %s' % os.path.abspath(args.log))
        if kasan_boot:
            out('judge: KASAN boot serial log: %s' % os.path.abspath(args.kasan_log))
    else:
        out('judge: OK: %d KUnit suite(s), %d program(s), taint %s, no splats'
            % (len(suites), len(harness) + len(guests), main_boot.taint if main_boot else None))
        if kasan_boot:
            out('judge: OK: KASAN boot: %s, all as expected, taint %s, no other splats'
                % (kasan_summary, kasan_boot.taint))
    # The line make check's callers parse: keep its format.
    out(counts_text(tot))
    return 1 if problems else 0


def _safe(name):
    return re.sub(r'[^A-Za-z0-9_.-]', '_', name)[:60] or 'unnamed'


if __name__ == '__main__':
    sys.exit(main())
