// SPDX-License-Identifier: GPL-2.0
/*
 * mcache: the per-CPU cache (Go's mcache.go refill/releaseAll) and tiny
 * block bookkeeping.  See mcache.h for the per-CPU rule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/slab.h>

#include "goalloc/kasan.h"
#include "goalloc/mcache.h"

struct goalloc_mcache __percpu *goalloc_mcaches;
EXPORT_SYMBOL_IF_KUNIT(goalloc_mcaches);

/*
 * Go's emptymspan: every mcache slot points here when it has no span, so
 * the fast path needs no NULL test.  nelems 0 and an empty window make
 * goalloc_mspan_next_free_fast() fail at once.
 */
struct goalloc_mspan goalloc_emptymspan;
EXPORT_SYMBOL_IF_KUNIT(goalloc_emptymspan);

/**
 * goalloc_tiny_blocks_attach() - give a tiny-class span its block states
 * @s: a span of the tiny span class, owned by the caller
 * @gfp: allocation flags (the caller holds the local lock: GFP_NOWAIT)
 *
 * Return: 0 or -ENOMEM.
 */
int goalloc_tiny_blocks_attach(struct goalloc_mspan *s, gfp_t gfp)
{
	struct goalloc_tiny_blocks *t;

	if (s->tiny)
		return 0;
	t = kzalloc(sizeof(*t), gfp);
	if (!t)
		return -ENOMEM;
	s->tiny = t;
	return 0;
}

/**
 * goalloc_tiny_blocks_free() - drop a span's tiny block states
 * @s: the span, being freed
 *
 * RCU-deferred: a racing goalloc_free() may still be reading them.
 */
void goalloc_tiny_blocks_free(struct goalloc_mspan *s)
{
	struct goalloc_tiny_blocks *t = s->tiny;

	s->tiny = NULL;
	kfree_rcu(t, rcu);
}

/**
 * goalloc_tiny_block_dead() - free the 16 B slot of a dead tiny block
 * @s: span of the block
 * @t: @s's block states
 * @idx: the block's slot index
 *
 * Forgets the block's objects; exactly one caller sees a block die (see
 * mcache.h).  Context: an RCU read side (the local lock is one: it
 * disables preemption, or is an RT spinlock): once the slot is dead the
 * span may be swept and freed, and goalloc_mcache_note_free() still reads it.
 */
void goalloc_tiny_block_dead(struct goalloc_mspan *s, struct goalloc_tiny_blocks *t,
			     unsigned int idx)
{
	WRITE_ONCE(t->alloc[idx], 0);
	/*
	 * state[idx] keeps its complete value until the slot is a block
	 * again (alloc_tiny_block() clears it): a double free racing this
	 * death, which read alloc[idx] before it was cleared, finds its bit
	 * already set and gets -EALREADY.
	 */
	goalloc_kasan_poison((void *)(s->base + idx * GOALLOC_TINY_SIZE), GOALLOC_TINY_SIZE,
			     GOALLOC_KASAN_FREE);
	if (!WARN_ON_ONCE(goalloc_mspan_free_index(s, idx)))
		goalloc_mcache_note_free(s, GOALLOC_TINY_SIZE_CLASS);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_tiny_block_dead);

/**
 * goalloc_tiny_retire() - the holding mcache lets go of a tiny block
 * @s: span of the block
 * @block: the block's address
 *
 * Publishes the block's final start offsets in its state word.  If every
 * tiny object in it was already freed, the block dies now; else the last
 * goalloc_free() of its objects frees it.
 *
 * Context: the holding mcache's owner (local lock) or a dead CPU's drain;
 * RCU read side.
 */
void goalloc_tiny_retire(struct goalloc_mspan *s, unsigned long block)
{
	struct goalloc_tiny_blocks *t = s->tiny;	/* stable: the block is live */
	u16 idx = goalloc_mspan_obj_index(s, block);
	u32 final = (u32)(u16)t->alloc[idx] << GOALLOC_TINY_FINAL_SHIFT;
	u32 old = atomic_fetch_or(final, &t->state[idx]);

	if (goalloc_tiny_complete(old | final))
		goalloc_tiny_block_dead(s, t, idx);
}

/**
 * goalloc_mcache_refill() - Go's mcache.refill plus the allocation it serves
 * @mc: this CPU's mcache, local lock held
 * @spanclass: the span class whose span ran dry
 * @sp: receives the span the slot came from
 *
 * Returns the exhausted span to its mcentral (which sweeps it) and caches a
 * span with free slots, then takes one slot.
 *
 * Context: local lock held; never sleeps.
 * Return: the slot's address; 0 with *@sp set to an ERR_PTR on failure
 * (-EAGAIN: grow the heap with the lock dropped and retry).
 */
unsigned long goalloc_mcache_refill(struct goalloc_mcache *mc, u8 spanclass,
				    struct goalloc_mspan **sp)
{
	struct goalloc_mcentral *c = &goalloc_mheap.central[spanclass];
	struct goalloc_mspan *s = mc->alloc[spanclass];
	u16 idx;

	/* The window may just need moving to the next bitmap word. */
	if (s != &goalloc_emptymspan) {
		idx = goalloc_mspan_next_free_index(s);
		if (idx < s->nelems) {
			*sp = s;
			return s->base + (unsigned long)idx * s->elemsize;
		}
		/*
		 * Full.  Sweep it where it is (this mcache owns it): if objects
		 * died, keep it rather than hand it to mcentral and take it
		 * straight back, as Go's uncache + cacheSpan would.
		 */
		if (!goalloc_mspan_sweep_free_in_place(s)) {
			idx = goalloc_mspan_next_free_index(s);
			if (!WARN_ON_ONCE(idx >= s->nelems)) {
				*sp = s;
				return s->base + (unsigned long)idx * s->elemsize;
			}
		}
		mc->alloc[spanclass] = &goalloc_emptymspan;
		goalloc_mcentral_uncache_span(c, s);
	}

	s = goalloc_mcentral_cache_span(c, mc);
	if (IS_ERR(s)) {
		*sp = s;
		return 0;
	}
	if (spanclass == goalloc_make_spanclass(GOALLOC_TINY_SIZE_CLASS, true) &&
	    goalloc_tiny_blocks_attach(s, GFP_NOWAIT | __GFP_NOWARN)) {
		goalloc_mcentral_uncache_span(c, s);
		*sp = ERR_PTR(-ENOMEM);
		return 0;
	}
	/* Go's heapLive over-estimate: every free slot counts as handed out. */
	atomic64_add((u64)(s->nelems - s->alloc_count) * s->elemsize,
		     &goalloc_mheap.heap_live);
	mc->alloc[spanclass] = s;
	/* Go tests its GC trigger after every refill; the cycle runs in a worker. */
	goalloc_maybe_start_cycle();
	idx = goalloc_mspan_next_free_index(s);
	if (WARN_ON_ONCE(idx >= s->nelems)) {
		*sp = ERR_PTR(-ENOMEM);
		return 0;
	}
	*sp = s;
	return s->base + (unsigned long)idx * s->elemsize;
}

/**
 * goalloc_mcache_release_all() - Go's mcache.releaseAll
 * @mc: an mcache its caller may touch (own CPU under the local lock, or a
 *	dead CPU's)
 *
 * Returns every cached span to its mcentral (sweeping it), retires the
 * tiny block, frees the cached mspans and flushes the page cache to the
 * heap.
 */
void goalloc_mcache_release_all(struct goalloc_mcache *mc)
{
	int i;

	if (mc->tiny) {
		goalloc_tiny_retire(mc->tinyspan, mc->tiny);
		mc->tiny = 0;
		mc->tinyspan = NULL;
		mc->tinyalloc = NULL;
		mc->tinyoffset = GOALLOC_TINY_SIZE;
	}
	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		struct goalloc_mspan *s = mc->alloc[i];

		if (s == &goalloc_emptymspan)
			continue;
		mc->alloc[i] = &goalloc_emptymspan;
		/*
		 * Go's releaseAll: refill counted every free slot as handed
		 * out; the ones never used leave heap_live again.
		 */
		atomic64_sub((u64)(s->nelems - s->alloc_count) * s->elemsize,
			     &goalloc_mheap.heap_live);
		goalloc_mcentral_uncache_span(&goalloc_mheap.central[i], s);
	}
	goalloc_stackcache_clear(mc);
	goalloc_mspancache_drain(mc);
	if (!goalloc_pagecache_empty(&mc->pcache)) {
		spin_lock(&goalloc_mheap.lock);
		goalloc_pagecache_flush(&mc->pcache, &goalloc_mheap.pages);
		spin_unlock(&goalloc_mheap.lock);
	}
	mc->flushgen = goalloc_sweepgen();
}

static void drain_work_fn(struct work_struct *work)
{
	local_lock(&goalloc_mcaches->lock);
	goalloc_mcache_release_all(this_cpu_ptr(goalloc_mcaches));
	local_unlock(&goalloc_mcaches->lock);
}

/**
 * goalloc_mcache_drain_cpu() - empty a dead CPU's mcache
 * @cpu: a CPU that is offline (hotplug teardown) or at module exit
 */
void goalloc_mcache_drain_cpu(int cpu)
{
	/*
	 * Not under the local lock, so take the RCU read side that a tiny
	 * block dying here needs (goalloc_tiny_block_dead()); nothing in
	 * release_all sleeps.
	 */
	rcu_read_lock();
	goalloc_mcache_release_all(per_cpu_ptr(goalloc_mcaches, cpu));
	rcu_read_unlock();
}

/**
 * goalloc_mcache_drain_all() - empty every CPU's mcache
 *
 * Each online CPU drains its own cache in a work item (its local lock is
 * only taken there); offline CPUs' caches are drained directly.
 *
 * Context: process context, may sleep.
 */
void goalloc_mcache_drain_all(void)
{
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		queue_work_on(cpu, system_highpri_wq,
			      &per_cpu_ptr(goalloc_mcaches, cpu)->drain_work);
	for_each_online_cpu(cpu)
		flush_work(&per_cpu_ptr(goalloc_mcaches, cpu)->drain_work);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			goalloc_mcache_drain_cpu(cpu);
	cpus_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mcache_drain_all);

static int goalloc_cpuhp_state;

/*
 * CPU hotplug: PREPARE-section teardown runs on a control CPU after the CPU
 * is gone, so its mcache (spans, tiny block, page cache, stackcache) can be
 * drained without its local lock and nothing stays stranded on it.
 */
static int goalloc_cpu_dead(unsigned int cpu)
{
	goalloc_mcache_drain_cpu(cpu);
	return 0;
}

/**
 * goalloc_mcache_init() - allocate and set up every CPU's mcache
 *
 * Return: 0 or a negative errno.
 */
int goalloc_mcache_init(void)
{
	int cpu, i, ret;

	goalloc_emptymspan.sweepgen = 0;
	goalloc_emptymspan.nelems = 0;
	goalloc_emptymspan.alloc_cache = 0;
	goalloc_mcaches = alloc_percpu(struct goalloc_mcache);
	if (!goalloc_mcaches)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct goalloc_mcache *mc = per_cpu_ptr(goalloc_mcaches, cpu);

		local_lock_init(&mc->lock);
		for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++)
			mc->alloc[i] = &goalloc_emptymspan;
		mc->tinyoffset = GOALLOC_TINY_SIZE;	/* no tiny block */
		mc->pcache = (struct goalloc_pagecache){ 0 };
		mc->flushgen = goalloc_sweepgen();
		INIT_WORK(&mc->drain_work, drain_work_fn);
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "goalloc:dead",
					NULL, goalloc_cpu_dead);
	if (ret < 0) {
		free_percpu(goalloc_mcaches);
		goalloc_mcaches = NULL;
		return ret;
	}
	goalloc_cpuhp_state = ret;
	return 0;
}

/**
 * goalloc_mcache_exit() - free the mcaches (already drained)
 */
void goalloc_mcache_exit(void)
{
	cpuhp_remove_state_nocalls(goalloc_cpuhp_state);
	free_percpu(goalloc_mcaches);
	goalloc_mcaches = NULL;
}
