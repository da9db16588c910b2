// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics with Go's runtime.MemStats meanings (mstats.go).
 *
 * Go keeps per-P deltas and folds them in without stopping the world for
 * runtime/metrics; goalloc does the same: each CPU's p counts its own
 * allocations (plain increments under its lock) and frees
 * (this_cpu_inc), and a reader sums every possible CPU.  A reader racing
 * with allocations sees each counter at some recent value; once activity
 * stops the sums are exact.
 *
 * Tiny objects are counted the way Go counts them: the 16 B block is one
 * malloc of size class 2 (and one free when it dies); each further object
 * packed into a block is a TinyAlloc, which Go adds to both Mallocs and
 * Frees.  So HeapObjects = Mallocs - Frees counts live blocks, not tiny
 * objects.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/percpu.h>

#include <kunit/visibility.h>

#include <goalloc.h>
#include "goalloc/mgcpacer.h"
#include "goalloc/proc.h"
#include "goalloc/stats.h"

/**
 * goalloc_stats_by_size() - per-class malloc and free counts
 * @bysize: GOALLOC_NUM_SIZE_CLASSES entries to fill
 *
 * Context: any; lock-free racy sum over CPUs.
 */
void goalloc_stats_by_size(struct goalloc_class_stats *bysize)
{
	int cpu, c;

	memset(bysize, 0, sizeof(*bysize) * GOALLOC_NUM_SIZE_CLASSES);
	for_each_possible_cpu(cpu) {
		struct goalloc_pstats *st = &per_cpu_ptr(goalloc_allp, cpu)->stats;

		for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
			bysize[c].nmalloc += goalloc_racy(st->nmalloc[c]);
			bysize[c].nfree += goalloc_racy(st->nfree[c]);
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_stats_by_size);

struct counters {
	u64 nmalloc, nfree, tiny_allocs, bytes_alloc, bytes_free;
	u64 large_allocs, large_frees, large_alloc_bytes, large_free_bytes;
};

static void sum_counters(struct counters *t)
{
	struct goalloc_class_stats bysize[GOALLOC_NUM_SIZE_CLASSES];
	int cpu, c;

	memset(t, 0, sizeof(*t));
	goalloc_stats_by_size(bysize);
	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		t->nmalloc += bysize[c].nmalloc;
		t->nfree += bysize[c].nfree;
		t->bytes_alloc += bysize[c].nmalloc * goalloc_class_to_size[c];
		t->bytes_free += bysize[c].nfree * goalloc_class_to_size[c];
	}
	for_each_possible_cpu(cpu) {
		struct goalloc_pstats *st = &per_cpu_ptr(goalloc_allp, cpu)->stats;

		t->tiny_allocs += goalloc_racy(st->tiny_allocs);
		t->large_allocs += goalloc_racy(st->large_allocs);
		t->large_frees += goalloc_racy(st->large_frees);
		t->large_alloc_bytes += goalloc_racy(st->large_alloc_bytes);
		t->large_free_bytes += goalloc_racy(st->large_free_bytes);
	}
}

/**
 * goalloc_stats_heap_alloc() - Go's HeapAlloc: bytes of live objects
 *
 * Context: any; lock-free.
 * Return: bytes in allocated, not yet freed, objects (by slot size).
 */
u64 goalloc_stats_heap_alloc(void)
{
	struct counters t;

	sum_counters(&t);
	return t.bytes_alloc - t.bytes_free + t.large_alloc_bytes - t.large_free_bytes;
}

/**
 * goalloc_read_memstats() - Go's runtime.ReadMemStats, without stopping
 * the world
 * @ms: filled in
 *
 * Context: any task context; takes mheap.lock briefly for the page counts.
 */
void goalloc_read_memstats(struct goalloc_memstats *ms)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned long inuse, manual, nchunks, tracked, owned;
	struct counters t;
	unsigned long irqf;

	sum_counters(&t);
	spin_lock_irqsave(&h->lock, irqf);
	inuse = h->pages_inuse;
	manual = h->pages_manual;
	nchunks = h->nchunks;
	tracked = h->pages.nr_chunks;
	owned = h->pages_owned;
	spin_unlock_irqrestore(&h->lock, irqf);

	memset(ms, 0, sizeof(*ms));
	ms->mallocs = t.nmalloc + t.large_allocs + t.tiny_allocs;
	ms->frees = t.nfree + t.large_frees + t.tiny_allocs;
	ms->heap_alloc = t.bytes_alloc - t.bytes_free + t.large_alloc_bytes - t.large_free_bytes;
	ms->alloc = ms->heap_alloc;
	ms->total_alloc = t.bytes_alloc + t.large_alloc_bytes;
	ms->heap_objects = ms->mallocs - ms->frees;
	ms->tiny_allocs = t.tiny_allocs;
	ms->heap_inuse = (u64)inuse << GOALLOC_PAGE_SHIFT;
	ms->stack_inuse = (u64)manual << GOALLOC_PAGE_SHIFT;
	ms->stack_sys = ms->stack_inuse;
	/*
	 * Go: HeapSys = HeapInuse + HeapIdle, the heap's address space; the
	 * tracked 4 MiB frames are goalloc's.  HeapReleased is the part not
	 * backed: the frames' pages the heap does not own.
	 */
	ms->heap_sys = (u64)tracked * GOALLOC_ARENA_BYTES - ms->stack_sys;
	ms->heap_released = ((u64)tracked * GOALLOC_ARENA_PAGES - owned) << GOALLOC_PAGE_SHIFT;
	ms->heap_idle = ms->heap_sys - ms->heap_inuse;
	ms->mspan_inuse = (u64)atomic_long_read(&h->nspans) * sizeof(struct goalloc_mspan);
	ms->mspan_sys = ms->mspan_inuse;
	ms->mcache_inuse = (u64)num_possible_cpus() * sizeof(struct goalloc_p);
	ms->mcache_sys = ms->mcache_inuse;
	ms->sys = ms->heap_sys + ms->stack_sys + ms->mspan_sys +
		  ms->mcache_sys + (u64)nchunks * sizeof(struct goalloc_heap_arena);
	ms->next_gc = READ_ONCE(goalloc_pacer.trigger);
	ms->num_gc = READ_ONCE(goalloc_pacer.cycles);
	ms->heap_live = atomic64_read(&goalloc_pacer.heap_live);
}
EXPORT_SYMBOL_GPL(goalloc_read_memstats);
