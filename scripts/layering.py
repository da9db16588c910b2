#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""goalloc's layering, checked from the built objects.

For every mod/*.o of goalloc.ko, nm tells which global symbols it defines
and which it uses; a use of another file's symbol is an import.  The check
passes when the imports have no cycle and every one of them goes down the
order below (a file may use anything in a later group, nothing in its own
or an earlier one).

  scripts/layering.py build/check/src        # after make check
  scripts/layering.py DIR --tap FILE         # as make check runs it

Prints, top to bottom, each file and the files whose symbols it uses.
Exit status: 0 when clean, 1 on a cycle, an upward import or a file the
order does not place.
"""
import argparse
import glob
import os
import subprocess
import sys

# Top to bottom: Documentation/goalloc.rst, "Layering", explains each group.
ORDER = [
    ['main'],                     # module init/exit
    ['chardev', 'debugfs'],       # /dev/goalloc, debugfs: read and drive from the side
    ['heapmap'],                  # debugfs's heap_map: one frame's snapshot
    ['stack'],                    # stack API (uses malloc's bad-free count)
    ['malloc'],                   # object API: tiny, small, large
    ['mcache'],                   # per-CPU spans; a p's drain and hotplug
    ['tiny', 'stackpool'],        # tiny blocks; stack pools and caches
    ['mgcsweep'],                 # sweep cycles, background sweeper, idle check, trigger test
    ['stats', 'mgcscavenge'],     # MemStats sums over every p; background scavenger
    ['mcentral'],                 # per-class span lists, sweeping one span
    ['mheap'],                    # arenas, spans, address -> span, heap caches
    ['pagecache'],                # per-CPU page cache
    ['pagealloc'],                # radix-tree page allocator
    ['proc', 'mgcpacer'],         # storage of the per-CPU p; the pacer
    ['span'],                     # span bitmaps
    ['sizeclasses', 'kasan', 'trace'],  # size-class tables; KASAN helpers; tracepoints
]
NOT_GOALLOC = {'bench'}           # the benchmark module, built on its own


def symbols(obj):
    out = subprocess.run(['nm', obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == 'U':
            used.add(f[1])
        elif len(f) == 3 and f[1] in 'TDBRGSVW':
            defined.add(f[2])
    return defined, used


def imports(objdir):
    objs = {}
    for o in sorted(glob.glob(os.path.join(objdir, 'mod', '*.o'))):
        name = os.path.basename(o)[:-2]
        if name.endswith('.mod') or name in NOT_GOALLOC:
            continue
        objs[name] = symbols(o)
    owner = {}
    for name, (defined, _) in objs.items():
        for s in defined:
            owner.setdefault(s, name)
    return {name: sorted({owner[s] for s in used if s in owner and owner[s] != name})
            for name, (_, used) in objs.items()}


def find_cycle(graph):
    """A cycle as a list of files, or None (iterative DFS, three colours)."""
    colour = {n: 0 for n in graph}
    for root in graph:
        if colour[root]:
            continue
        stack = [(root, iter(graph[root]))]
        colour[root] = 1
        path = [root]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif colour.get(nxt) == 0:
                colour[nxt] = 1
                stack.append((nxt, iter(graph[nxt])))
                path.append(nxt)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('objdir', help='module build directory holding mod/*.o')
    ap.add_argument('--tap', help='also write the result as TAP to this file')
    args = ap.parse_args()

    graph = imports(args.objdir)
    if not graph:
        print('layering: no mod/*.o under %s (build the module first)' % args.objdir)
        return 1
    rank = {name: i for i, group in enumerate(ORDER) for name in group}
    unplaced = sorted(n for n in graph if n not in rank)
    upward = ['%s -> %s' % (a, b) for a in graph for b in graph[a]
              if a in rank and b in rank and rank[b] <= rank[a]]
    cycle = find_cycle(graph)

    for name in sorted(graph, key=lambda n: (rank.get(n, -1), n)):
        print('%-12s uses %s' % (name, ' '.join(graph[name]) or '-'))
    results = [
        ('every_file_placed', not unplaced, 'not in ORDER: ' + ' '.join(unplaced)),
        ('no_cycle', cycle is None, 'cycle: ' + ' -> '.join(cycle or [])),
        ('imports_go_down', not upward, 'upward: ' + ', '.join(upward)),
    ]
    for name, ok, why in results:
        print('layering: %s %s%s' % (name, 'ok' if ok else 'FAILED', '' if ok else ' (%s)' % why))
    if args.tap:
        with open(args.tap, 'w') as f:
            f.write('TAP version 13\n1..%d\n' % len(results))
            for i, (name, ok, why) in enumerate(results, 1):
                if not ok:
                    f.write('# %s\n' % why)
                f.write('%s %d layering.%s\n' % ('ok' if ok else 'not ok', i, name))
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
