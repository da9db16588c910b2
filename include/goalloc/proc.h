/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Go's p: everything goalloc keeps per CPU, in one struct so the fast
 * paths reach it from one per-CPU base (mod/proc.c owns the storage).
 *
 * Per-CPU rule: every field is owned by its CPU and is read or written only
 * under that CPU's @lock (local_lock_irqsave: interrupts off, so an
 * allocation or free from an interrupt on this CPU never finds the p half
 * updated; lockdep-visible), except the free counters, which goalloc_free()
 * bumps from any context with this_cpu_inc() (one interrupt-safe
 * instruction), and the drain, which runs
 * on the owning CPU (a work item) or on a dead CPU's p (hotplug).  Readers
 * of the statistics sum all CPUs without locks and accept a racy snapshot,
 * as Go's non-STW metrics do.
 *
 * Each tier sets up and drains its own part: mcache.c the mcache (and the
 * whole p's lifetime: drain, hotplug), mheap.c the heap cache, stack.c the
 * stack cache.  Lower tiers never see struct goalloc_p: they are handed
 * their part.
 */
#ifndef _GOALLOC_PROC_H
#define _GOALLOC_PROC_H

#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>

#include "goalloc/mcache.h"
#include "goalloc/mcentral.h"
#include "goalloc/mheap.h"
#include "goalloc/stack.h"

/**
 * struct goalloc_pstats - this CPU's allocation counters (Go's per-P
 *	heapStatsDelta and mcache counters); summed by stats.c
 * @nmalloc: small objects allocated, by size class (tiny blocks in class 2)
 * @tiny_allocs: tiny objects packed into an existing block
 * @large_allocs: large objects allocated
 * @large_alloc_bytes: bytes of large objects allocated (whole pages)
 * @nfree: small objects freed, by size class
 * @large_frees: large objects freed
 * @large_free_bytes: bytes of large objects freed
 * @tiny_frees: tiny objects freed out of tiny blocks (a tiny object that got
 *	a 16 B slot to itself is a plain class 2 object: counted in @nfree)
 */
struct goalloc_pstats {
	u64 nmalloc[GOALLOC_NUM_SIZE_CLASSES];
	u64 tiny_allocs;
	u64 large_allocs;
	u64 large_alloc_bytes;
	u64 nfree[GOALLOC_NUM_SIZE_CLASSES];
	u64 large_frees;
	u64 large_free_bytes;
	u64 tiny_frees;
};

/**
 * struct goalloc_p - one CPU's share of goalloc (Go's p)
 * @lock: the per-CPU rule above
 * @mcache: Go's mcache: a span per span class and the tiny block
 * @heap: Go's p.pcache and p.mspancache
 * @stats: allocation and free counters
 * @stackcache: Go's per-P stack cache, by order
 * @drain_work: runs goalloc_mcache_release_all() on this CPU
 * @trace_work: turns the mcache's trace detour on or off on this CPU
 */
struct goalloc_p {
	local_lock_t lock;
	struct goalloc_mcache mcache;
	struct goalloc_heapcache heap;
	struct goalloc_pstats stats;
	struct goalloc_stackcache stackcache[GOALLOC_NUM_STACK_ORDERS];
	struct work_struct drain_work;
	struct work_struct trace_work;
};

/* Go's allp: the p of every possible CPU. */
extern struct goalloc_p __percpu *goalloc_allp;

/*
 * Statistics and debugfs readers sum other CPUs' counters without their
 * locks: a racy snapshot by design (see stats.c), so tell KCSAN.
 */
#define goalloc_racy(x)	data_race(x)

int goalloc_proc_init(void);
void goalloc_proc_exit(void);

/*
 * After goalloc_mspan_free_index() succeeded: count the free on this CPU,
 * and send a span of an mcentral full set back to be swept (its first
 * death since it was swept; see goalloc_mcentral_free_in_full()).
 * Context: RCU read side, which keeps @s typesafe once its slot is dead.
 */
static __always_inline void goalloc_p_note_free(struct goalloc_mspan *s,
						unsigned int sizeclass)
{
	this_cpu_inc(goalloc_allp->stats.nfree[sizeclass]);
	if (unlikely(READ_ONCE(s->central_full)))
		goalloc_mcentral_free_in_full(s);
}

#endif /* _GOALLOC_PROC_H */
