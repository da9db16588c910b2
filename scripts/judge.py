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
"""

import argparse
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


def splat_report(lines, out, max_lines=150):
    hits = []
    for i, line in enumerate(lines):
        m = SPLAT_RE.search(line)
        if not m:
            continue
        for pat, name in SPLATS:
            if re.search(pat, line):
                hits.append((i, name))
                break
    if not hits:
        return []
    names = []
    for _, n in hits:
        if n not in names:
            names.append(n)
    out('')
    out('kernel splats (%d matching lines: %s):' % (len(hits), ', '.join(names)))
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
            mark = '>' if SPLAT_RE.search(lines[j]) else ' '
            out('  %s %s' % (mark, lines[j]))
            printed += 1
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--log', help='serial log of the guest')
    ap.add_argument('--ksrc', required=True, help='kernel source tree (for kunit.py)')
    ap.add_argument('--work', required=True, help='directory for split KTAP/JSON files')
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
    args = ap.parse_args()

    kunit_py = os.path.join(args.ksrc, 'tools/testing/kunit/kunit.py')
    if not os.path.exists(kunit_py):
        print('judge: %s not found' % kunit_py)
        print('0 passed, 1 failed')
        return 1
    os.makedirs(args.work, exist_ok=True)
    for f in os.listdir(args.work):
        if f.endswith(('.ktap', '.tap', '.json', '.parse')):
            os.unlink(os.path.join(args.work, f))

    problems = list(args.problem)
    out = print

    blocks, exits, taint, done, hook = [], {}, None, False, None
    lines = []
    if args.log:
        try:
            with open(args.log, 'rb') as f:
                raw = f.read().decode('utf-8', errors='replace')
        except OSError as e:
            raw = ''
            problems.append('cannot read serial log: %s' % e)
        lines = raw.replace('\r', '').split('\n')
        blocks, exits, taint, done, hook = split_log(lines)

    # Host harness programs first: they ran first.
    harness = []
    for spec in args.harness_tap:
        name, _, path = spec.partition('=')
        blk = Block('harness', name, 0)
        harness.append(blk)
        if not os.path.exists(path):
            blk.problems.append('no TAP output at %s (did it build? see harness.log)' % path)
            continue
        dst = os.path.join(args.work, 'harness-%s.tap' % _safe(name))
        shutil.copyfile(path, dst)
        parse_block(blk, dst, kunit_py)

    n = 0
    for blk in blocks:
        n += 1
        ext = 'ktap' if blk.kind == 'suite' else 'tap'
        path = os.path.join(args.work, '%02d-%s-%s.%s' % (n, blk.kind, _safe(blk.name), ext))
        with open(path, 'w') as f:
            f.write('\n'.join(blk.text) + '\n')
        if not blk.closed:
            blk.problems.append('output cut short at log line %d (no @@END)' % blk.line)
        parse_block(blk, path, kunit_py)
        if blk.kind == 'guest':
            blk.exit = exits.get(blk.name)
            if blk.exit is None:
                blk.problems.append('no exit status (@@EXIT missing)')
            elif blk.exit != 0:
                blk.problems.append('exited with status %d' % blk.exit)

    suites = [b for b in blocks if b.kind == 'suite']
    guests = [b for b in blocks if b.kind == 'guest']
    every = harness + blocks

    out('judge: serial log: %s' % (os.path.abspath(args.log) if args.log else '(none)'))
    if every:
        width = max(len(b.label) for b in every)
        for b in every:
            c = b.counts
            s = '%d passed, %d failed' % (c['PASS'], c['FAIL'] + c['ERROR'])
            if c['SKIP']:
                s += ', %d skipped' % c['SKIP']
            out('  %-4s %-*s  %s' % ('FAIL' if b.problems else 'ok', width, b.label, s))
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

    if args.log:
        if not suites:
            problems.append('no KUnit suite ran (0 suites reported results%s)' %
                            ('' if args.expect_suites is None
                             else '; %d expected' % args.expect_suites))
        elif args.expect_suites is not None and len(suites) < args.expect_suites:
            problems.append('only %d of %d expected KUnit suites reported results '
                            '(kunit/*.c defines %d struct kunit_suite; a module failed '
                            'to load, a suite is missing from Kbuild, or KUnit is off)'
                            % (len(suites), args.expect_suites, args.expect_suites))
        elif args.expect_suites is not None and len(suites) > args.expect_suites:
            out('judge: note: %d suites ran, %d expected' % (len(suites), args.expect_suites))
        seen = {b.name for b in guests}
        for g in args.guest_prog:
            if g not in seen:
                problems.append('guest program %s did not run' % g)
        if hook is not None:
            rc = exits.get('hook')
            if rc is None:
                problems.append('hook script did not finish')
            elif rc != 0:
                problems.append('hook script exited with status %d' % rc)
        if args.qemu_rc == 124:
            problems.append('guest TIMED OUT (limit %s s): killed before @@DONE' % args.timeout)
        elif args.qemu_rc != 0:
            problems.append('QEMU failed (exit status %d)' % args.qemu_rc)
        if not done and args.qemu_rc != 124:
            problems.append('guest did not reach @@DONE (crash, panic or /init failure)')
        if taint is None:
            if done:
                problems.append('no @@TAINT line in the log')
        elif taint & ~args.allow_taint:
            bad = taint & ~args.allow_taint
            letters = ''.join(TAINT_LETTERS[b] if b < len(TAINT_LETTERS) else '?'
                              for b in range(bad.bit_length()) if bad >> b & 1)
            problems.append('kernel tainted %d: unexpected flags %s (0x%x)' % (taint, letters, bad))
        names = splat_report(lines, out)
        if names:
            problems.append('kernel splat(s) in the log: %s' % ', '.join(names))
        if not done:
            out('')
            out('last lines of the serial log:')
            for ln in [x for x in lines if x.strip()][-25:]:
                out('  | ' + ln)

    tot = {'PASS': 0, 'FAIL': 0, 'SKIP': 0, 'ERROR': 0}
    for b in every:
        for k in tot:
            tot[k] += b.counts[k]
    out('')
    if problems:
        out('judge: FAILED:')
        for p in problems:
            out('  - ' + p)
        if args.log:
            out('judge: full serial log: %s' % os.path.abspath(args.log))
    else:
        out('judge: OK: %d KUnit suite(s), %d program(s), taint %s, no splats'
            % (len(suites), len(harness) + len(guests), taint))
    last = '%d passed, %d failed' % (tot['PASS'], tot['FAIL'] + tot['ERROR'])
    if tot['SKIP']:
        last += ', %d skipped' % tot['SKIP']
    out(last)
    return 1 if problems else 0


def _safe(name):
    return re.sub(r'[^A-Za-z0-9_.-]', '_', name)[:60] or 'unnamed'


if __name__ == '__main__':
    sys.exit(main())
