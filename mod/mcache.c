// SPDX-License-Identifier: GPL-2.0
/*
 * mcache: the per-CPU cache (Go's mcache.go refill/releaseAll), and the
 * lifetime of a CPU's p: setup, drain (Go's p.destroy) and CPU hotplug.
 * See proc.h for the per-CPU rule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <kunit/visibility.h>

#include "goalloc/mgcpacer.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/proc.h"
#include "goalloc/tiny.h"

/*
 * Go's emptymspan: every mcache slot points here when it has no span, so
 * the fast path needs no NULL test.  nelems 0 and an empty window make
 * goalloc_mspan_next_free_fast() fail at once.
 */
struct goalloc_mspan goalloc_emptymspan;
EXPORT_SYMBOL_IF_KUNIT(goalloc_emptymspan);

/**
 * goalloc_mcache_refill() - Go's mcache.refill plus the allocation it serves
 * @pp: this CPU's p, its lock held
 * @spanclass: the span class whose span ran dry
 * @sp: receives the span the slot came from
 *
 * Returns the exhausted span to its mcentral (which sweeps it) and caches a
 * span with free slots, then takes one slot.
 *
 * Context: the p lock held; never sleeps.
 * Return: the slot's address; 0 with *@sp set to an ERR_PTR on failure
 * (-EAGAIN: grow the heap with the lock dropped and retry).
 */
unsigned long goalloc_mcache_refill(struct goalloc_p *pp, u8 spanclass,
				    struct goalloc_mspan **sp)
{
	struct goalloc_mcentral *c = &goalloc_central[spanclass];
	struct goalloc_mcache *mc = &pp->mcache;
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

	s = goalloc_mcentral_cache_span(c, &pp->heap);
	if (IS_ERR(s)) {
		*sp = s;
		return 0;
	}
	if (spanclass == goalloc_make_spanclass(GOALLOC_TINY_SIZE_CLASS, true) &&
	    goalloc_mheap_tiny_attach(s)) {
		goalloc_mcentral_uncache_span(c, s);
		*sp = ERR_PTR(-ENOMEM);
		return 0;
	}
	/* Go's heapLive over-estimate: every free slot counts as handed out. */
	atomic64_add((u64)(s->nelems - s->alloc_count) * s->elemsize,
		     &goalloc_pacer.heap_live);
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

/*
 * Return cached span @i to its mcentral, which sweeps it and gives it back
 * to the heap if no object in it is live.  Context: @mc's owner.
 */
static void uncache(struct goalloc_mcache *mc, int i)
{
	struct goalloc_mspan *s = mc->alloc[i];

	mc->alloc[i] = &goalloc_emptymspan;
	/*
	 * Go's releaseAll: refill counted every free slot as handed out; the
	 * ones never used leave heap_live again.
	 */
	atomic64_sub((u64)(s->nelems - s->alloc_count) * s->elemsize,
		     &goalloc_pacer.heap_live);
	goalloc_mcentral_uncache_span(&goalloc_central[i], s);
}

/**
 * goalloc_mcache_release_idle() - before the heap grows, give back the
 *	cached spans no live object is in
 * @pp: this CPU's p, its lock held
 *
 * Not in Go, whose mcaches are flushed by every GC cycle.  A span stays
 * cached until it runs dry, however long its class goes unused, and above
 * 1 KiB a span is several pages for a few objects: a class used for a
 * moment keeps pages whose objects all died (gcc-cc1 at its peak: 0.8 MiB
 * in 31 such spans; see Documentation/goalloc.rst).  Asking for more memory
 * is rare and slow, so it may first look at every cached span.  Spans with
 * a live object stay: their free slots are the next allocations'.
 *
 * A span seen with no live object stays so: only its owner, this CPU,
 * allocates from it, and frees only clear mark bits.  The tiny span class
 * is left alone (its slots are tiny blocks; the current one looks dead).
 *
 * Context: the p lock held; never sleeps; takes mcentral locks and
 * mheap.lock.
 * Return: the number of spans released.
 */
unsigned int goalloc_mcache_release_idle(struct goalloc_p *pp)
{
	u8 tinyspc = goalloc_make_spanclass(GOALLOC_TINY_SIZE_CLASS, true);
	struct goalloc_mcache *mc = &pp->mcache;
	unsigned int n = 0;
	u16 live;
	int i;

	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		if (mc->alloc[i] == &goalloc_emptymspan || i == tinyspc)
			continue;
		goalloc_mspan_census(mc->alloc[i], &live);
		if (live)
			continue;
		uncache(mc, i);
		n++;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mcache_release_idle);

/**
 * goalloc_mcache_release_all() - Go's mcache.releaseAll, and the rest of a
 *	p's drain (Go's p.destroy)
 * @pp: a p its caller may touch (own CPU under its lock, or a dead CPU's)
 *
 * Returns every cached span to its mcentral (sweeping it), retires the
 * tiny block, empties the stack cache, and gives the cached mspans and
 * the page cache back to the heap.
 *
 * Context: never sleeps; RCU read side (a tiny block may die here).
 */
void goalloc_mcache_release_all(struct goalloc_p *pp)
{
	struct goalloc_mcache *mc = &pp->mcache;
	int i;

	if (mc->tiny) {
		goalloc_tiny_retire(mc->tinyspan, mc->tiny);
		mc->tiny = 0;
		mc->tinyspan = NULL;
		mc->tinyalloc = NULL;
		mc->tinyoffset = GOALLOC_TINY_SIZE;
	}
	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++)
		if (mc->alloc[i] != &goalloc_emptymspan)
			uncache(mc, i);
	goalloc_stackcache_clear(pp->stackcache);
	goalloc_heapcache_drain(&pp->heap);
	mc->flushgen = goalloc_sweepgen();
}

static void drain_work_fn(struct work_struct *work)
{
	unsigned long irqf;

	local_lock_irqsave(&goalloc_allp->lock, irqf);
	goalloc_mcache_release_all(this_cpu_ptr(goalloc_allp));
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);
}

/**
 * goalloc_mcache_drain_cpu() - empty a dead CPU's p
 * @cpu: a CPU that is offline (hotplug teardown) or at module exit
 *
 * Context: the CPU's p is nobody's; never sleeps.
 */
void goalloc_mcache_drain_cpu(int cpu)
{
	/*
	 * Not under the p lock, so take the RCU read side that a tiny
	 * block dying here needs (goalloc_tiny_block_dead()); nothing in
	 * release_all sleeps.
	 */
	rcu_read_lock();
	goalloc_mcache_release_all(per_cpu_ptr(goalloc_allp, cpu));
	rcu_read_unlock();
}

/**
 * goalloc_mcache_drain_all() - empty every CPU's p
 *
 * Each online CPU drains its own p in a work item (its lock is only taken
 * there); offline CPUs' are drained directly.
 *
 * Context: process context, may sleep.
 */
void goalloc_mcache_drain_all(void)
{
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		queue_work_on(cpu, system_highpri_wq,
			      &per_cpu_ptr(goalloc_allp, cpu)->drain_work);
	for_each_online_cpu(cpu)
		flush_work(&per_cpu_ptr(goalloc_allp, cpu)->drain_work);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			goalloc_mcache_drain_cpu(cpu);
	cpus_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mcache_drain_all);

static void census_span(struct goalloc_census_class *cc, const struct goalloc_mspan *s,
			bool cached)
{
	u16 live, alloc = goalloc_mspan_census(s, &live), nelems = READ_ONCE(s->nelems);

	cc->spans++;
	cc->slots += nelems;
	cc->alloc += alloc;
	cc->live += live;
	if (cached) {
		cc->cached++;
		cc->cached_free += nelems - alloc;
		cc->cached_empty += !live;
	} else {
		cc->empty += !live;
	}
}

/**
 * goalloc_census() - count where the heap's pages are, span by span
 * @cs: filled in
 *
 * For measurements (goalloc_bench's memory passes, tests).  Nothing stops
 * while it counts: spans a sweeper holds off every list at that moment are
 * missed, and other CPUs' mcaches are read racily.  On a quiet heap the
 * count is exact.
 *
 * Context: task context; takes each mcentral lock and mheap.lock in turn
 * (interrupts off, as every holder does).
 */
void goalloc_census(struct goalloc_census *cs)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	struct goalloc_mspan *s;
	int cpu, i, k;

	memset(cs, 0, sizeof(*cs));
	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		struct goalloc_mcentral *c = &goalloc_central[i];
		struct goalloc_census_class *cc = &cs->cls[i];

		cc->size = goalloc_class_to_size[i >> 1];
		cc->npages = goalloc_class_to_allocnpages[i >> 1];
		cc->nobjs = goalloc_class_to_nobjs[i >> 1];
		spin_lock_irq(&c->lock);
		for (k = 0; k < 2; k++) {
			list_for_each_entry(s, &c->partial[k], list)
				census_span(cc, s, false);
			cc->partial += c->npartial[k];
			list_for_each_entry(s, &c->full[k], list)
				census_span(cc, s, false);
		}
		spin_unlock_irq(&c->lock);
	}
	/* mspans are typesafe by RCU: a span another CPU drops stays one. */
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		struct goalloc_p *pp = per_cpu_ptr(goalloc_allp, cpu);

		for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
			s = goalloc_racy(pp->mcache.alloc[i]);
			if (s == &goalloc_emptymspan)
				continue;
			census_span(&cs->cls[i], s, true);
		}
		cs->pages_pcache += hweight64(goalloc_racy(pp->heap.pcache.cache));
	}
	rcu_read_unlock();
	spin_lock_irq(&h->lock);
	cs->pages_owned = h->pages_owned;
	cs->pages_inuse = h->pages_inuse;
	cs->pages_manual = h->pages_manual;
	cs->pages_free = h->pages.free_pages;
	spin_unlock_irq(&h->lock);
	cs->nspans = atomic_long_read(&h->nspans);
}

#ifdef GOALLOC_BENCH
EXPORT_SYMBOL_GPL(goalloc_census);
#else
EXPORT_SYMBOL_IF_KUNIT(goalloc_census);
#endif

static int goalloc_cpuhp_state;

/*
 * CPU hotplug: PREPARE-section teardown runs on a control CPU after the CPU
 * is gone, so its p (spans, tiny block, page cache, stackcache) can be
 * drained without its lock and nothing stays stranded on it.
 */
static int goalloc_cpu_dead(unsigned int cpu)
{
	goalloc_mcache_drain_cpu(cpu);
	return 0;
}

/**
 * goalloc_mcache_init() - set up every CPU's mcache and drain work, and
 *	the hotplug callback that drains a dead CPU's p
 *
 * Context: module init, after goalloc_proc_init().
 * Return: 0 or a negative errno.
 */
int goalloc_mcache_init(void)
{
	int cpu, i, ret;

	goalloc_emptymspan.sweepgen = 0;
	goalloc_emptymspan.nelems = 0;
	goalloc_emptymspan.alloc_cache = 0;
	for_each_possible_cpu(cpu) {
		struct goalloc_p *pp = per_cpu_ptr(goalloc_allp, cpu);
		struct goalloc_mcache *mc = &pp->mcache;

		for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++)
			mc->alloc[i] = &goalloc_emptymspan;
		mc->tinyoffset = GOALLOC_TINY_SIZE;	/* no tiny block */
		mc->flushgen = goalloc_sweepgen();
		INIT_WORK(&pp->drain_work, drain_work_fn);
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "goalloc:dead",
					NULL, goalloc_cpu_dead);
	if (ret < 0)
		return ret;
	goalloc_cpuhp_state = ret;
	return 0;
}

/**
 * goalloc_mcache_exit() - remove the hotplug callback and drain every p
 *	into the heap
 *
 * Context: module exit (no user left); may sleep.
 */
void goalloc_mcache_exit(void)
{
	cpuhp_remove_state_nocalls(goalloc_cpuhp_state);
	/* CPUs that go down from here on are drained as offline ones. */
	goalloc_mcache_drain_all();
}
