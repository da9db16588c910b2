// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for goalloc's mcache and mcentral tier: how an mcache refills,
 * how spans move between an mcentral's partial and full lists and back to the
 * heap as their objects are freed and swept, how cacheSpan sweeps stale spans
 * before it grows the heap, Go's tiny allocator (packing, alignment, block
 * lifetime) and __GFP_ZERO on dirty memory.
 *
 * Cases that look at one mcache pin the test thread with migrate_disable().
 * While pinned they use EXPECTs and jump to the unpin label instead of
 * ASSERTs: an ASSERT ends the thread, which must not happen with migration
 * disabled.  Every object a case allocates is recorded in an object set
 * (goalloc_kunit.h) whose deferred action frees what is left and runs
 * goalloc_gc(), so the heap is empty again when the next case starts, even
 * after a failure.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/sort.h>

#include <goalloc.h>
#include "goalloc/malloc.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/tiny.h"
#include "goalloc/mheap.h"
#include "goalloc/stats.h"

#include "goalloc_kunit.h"

static u16 mc_index_of(struct goalloc_mspan *s, const void *p)
{
	return ((unsigned long)p - s->base) / s->elemsize;
}

struct mc_heapsnap {
	unsigned long pages_inuse;
	long nspans;
	unsigned long owned;
};

static void mc_snap(struct mc_heapsnap *hs)
{
	struct goalloc_mheap *h = &goalloc_mheap;

	spin_lock_irq(&h->lock);
	hs->pages_inuse = h->pages_inuse;
	hs->owned = h->pages_owned;
	spin_unlock_irq(&h->lock);
	hs->nspans = atomic_long_read(&h->nspans);
}

/* Which list of @c holds @s: 'P'/'F' swept partial/full, 'p'/'f' unswept, 0 none. */
static char mc_list_of(struct goalloc_mcentral *c, struct goalloc_mspan *s)
{
	unsigned int sw = goalloc_swept(goalloc_sweepgen());
	struct goalloc_mspan *x;
	char where = 0;
	int i;

	spin_lock_irq(&c->lock);
	for (i = 0; i < 2; i++) {
		list_for_each_entry(x, &c->partial[i], list)
			if (x == s)
				where = i == sw ? 'P' : 'p';
		list_for_each_entry(x, &c->full[i], list)
			if (x == s)
				where = i == sw ? 'F' : 'f';
	}
	spin_unlock_irq(&c->lock);
	return where;
}

/*
 * Start a sweep cycle the way goalloc_sweep_cycle() does (sweepgen += 2 under
 * both locks) but without sweeping, freezing the moment between Go's
 * "sweepgen += 2" and the background sweeper reaching a span.
 */
static void mc_new_cycle_unswept(void)
{
	struct goalloc_mheap *h = &goalloc_mheap;

	mutex_lock(&goalloc_sweeper.mutex);
	spin_lock_irq(&h->lock);
	WRITE_ONCE(h->sweepgen, h->sweepgen + 2);
	WRITE_ONCE(goalloc_pacer.cycles, goalloc_pacer.cycles + 1);
	spin_unlock_irq(&h->lock);
	mutex_unlock(&goalloc_sweeper.mutex);
}

/*
 * nelems + 1 objects of one class on one CPU: the first nelems fill one span,
 * the next forces a refill that uncaches the full span (sweeping it onto the
 * mcentral's full swept list) and caches a second span from the heap.
 */
static void goalloc_mcache_refill_test(struct kunit *test)
{
	const size_t size = 1024;
	u8 c = gk_class_of(size), spc = goalloc_make_spanclass(c, false);
	u16 nelems = goalloc_class_to_nobjs[c];
	struct goalloc_mcentral *central = &goalloc_central[spc];
	struct goalloc_mspan *s1 = NULL, *s2;
	struct mc_heapsnap h0, h1, h2;
	struct goalloc_mcache *mc;
	struct gk_objset *os;
	unsigned int i;
	u32 sg;

	os = gk_objset_new(test, nelems + 1);
	gk_quiesce(test);
	KUNIT_ASSERT_EQ(test, (u32)nelems, 8U);

	migrate_disable();
	mc = &this_cpu_ptr(goalloc_allp)->mcache;
	KUNIT_EXPECT_PTR_EQ(test, mc->alloc[spc], &goalloc_emptymspan);
	mc_snap(&h0);
	for (i = 0; i < nelems; i++) {
		void *p = gk_alloc(os, size, GFP_KERNEL, false);

		KUNIT_EXPECT_NOT_NULL(test, p);
		if (!p)
			goto unpin;
		if (!i)
			s1 = gk_span_of(p);
		/* A fresh span hands out its slots in address order. */
		KUNIT_EXPECT_PTR_EQ(test, gk_span_of(p), s1);
		KUNIT_EXPECT_EQ(test, (unsigned long)p, s1->base + i * s1->elemsize);
	}
	KUNIT_EXPECT_PTR_EQ(test, mc->alloc[spc], s1);
	KUNIT_EXPECT_EQ(test, s1->nelems, nelems);
	KUNIT_EXPECT_EQ(test, s1->alloc_count, nelems);
	KUNIT_EXPECT_EQ(test, s1->freeindex, nelems);
	KUNIT_EXPECT_EQ(test, s1->sweepgen, goalloc_sweepgen() + 3);
	mc_snap(&h1);
	KUNIT_EXPECT_EQ(test, h1.nspans, h0.nspans + 1);
	KUNIT_EXPECT_EQ(test, h1.pages_inuse, h0.pages_inuse + goalloc_class_to_allocnpages[c]);

	if (!gk_alloc(os, size, GFP_KERNEL, false))
		goto unpin;
	s2 = gk_span_of(os->o[nelems].p);
	sg = goalloc_sweepgen();
	KUNIT_EXPECT_PTR_NE(test, s2, s1);
	KUNIT_EXPECT_PTR_EQ(test, mc->alloc[spc], s2);
	KUNIT_EXPECT_EQ(test, s2->alloc_count, 1);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'F');
	KUNIT_EXPECT_EQ(test, central->nfull[goalloc_swept(sg)], 1U);
	KUNIT_EXPECT_EQ(test, central->npartial[goalloc_swept(sg)], 0U);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s2), 0);
	/* Swept and uncached is Go's sg; cached and swept is sg + 3. */
	KUNIT_EXPECT_EQ(test, s1->sweepgen, sg);
	KUNIT_EXPECT_EQ(test, s2->sweepgen, sg + 3);
	mc_snap(&h2);
	KUNIT_EXPECT_EQ(test, h2.nspans, h0.nspans + 2);
	KUNIT_EXPECT_EQ(test, h2.pages_inuse,
			h0.pages_inuse + 2 * goalloc_class_to_allocnpages[c]);
unpin:
	migrate_enable();
	gk_free_all_gc(test, os);
	mc_snap(&h2);
	KUNIT_EXPECT_EQ(test, h2.pages_inuse, 0UL);
}

/* Fill a span of @size objects plus one on this CPU (pinned by the caller). */
static bool mc_fill_span_plus_one(struct kunit *test, struct gk_objset *os, size_t size,
				  u16 nelems, struct goalloc_mspan **s1, struct goalloc_mspan **s2)
{
	unsigned int i;

	for (i = 0; i <= nelems; i++) {
		if (!gk_alloc(os, size, GFP_KERNEL, false)) {
			KUNIT_FAIL(test, "allocation %u of %zu bytes failed", i, size);
			return false;
		}
	}
	*s1 = gk_span_of(os->o[0].p);
	*s2 = gk_span_of(os->o[nelems].p);
	for (i = 0; i < nelems; i++) {
		if (gk_span_of(os->o[i].p) != *s1 || mc_index_of(*s1, os->o[i].p) != i) {
			KUNIT_FAIL(test, "object %u is not slot %u of the first span", i, i);
			return false;
		}
	}
	KUNIT_EXPECT_PTR_NE(test, *s1, *s2);
	return *s1 != *s2;
}

/*
 * A full uncached span whose objects are partly freed moves to the partial
 * list when swept; once all are freed, sweeping gives its pages back.
 */
static void goalloc_mcentral_partial_full_test(struct kunit *test)
{
	const size_t size = 256;
	u8 c = gk_class_of(size), spc = goalloc_make_spanclass(c, false);
	u16 nelems = goalloc_class_to_nobjs[c];
	struct goalloc_mcentral *central = &goalloc_central[spc];
	struct goalloc_mspan *s1, *s2;
	struct goalloc_memstats ms0, ms1;
	struct mc_heapsnap h0, h1;
	unsigned int i, nfreed = 0;
	struct gk_objset *os;
	u32 npages;
	bool ok;

	os = gk_objset_new(test, nelems + 1);
	gk_quiesce(test);

	migrate_disable();
	ok = mc_fill_span_plus_one(test, os, size, nelems, &s1, &s2);
	migrate_enable();
	KUNIT_ASSERT_TRUE(test, ok);
	KUNIT_ASSERT_EQ(test, mc_list_of(central, s1), 'F');

	/*
	 * Free every third object: a free only clears a mark bit, and the
	 * first one moves the full span to the unswept partial set.
	 */
	for (i = 0; i < nelems; i += 3, nfreed++)
		KUNIT_EXPECT_EQ(test, gk_free(os, i), 0);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'p');
	KUNIT_EXPECT_EQ(test, s1->alloc_count, nelems);

	mc_snap(&h0);
	goalloc_sweep_cycle(true);
	mc_snap(&h1);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'P');
	KUNIT_EXPECT_EQ(test, s1->alloc_count, nelems - nfreed);
	KUNIT_EXPECT_EQ(test, s1->sweepgen, goalloc_sweepgen());
	for (i = 0; i < nelems; i++)
		KUNIT_EXPECT_EQ_MSG(test, goalloc_mspan_is_allocated(s1, i), i % 3 != 0,
				    "slot %u", i);
	KUNIT_EXPECT_EQ(test, h1.pages_inuse, h0.pages_inuse);
	KUNIT_EXPECT_EQ(test, h1.nspans, h0.nspans);
	/* The sweep cycle leaves mcaches alone: s2 is still cached, on no list. */
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s2), 0);

	/* Free the rest of s1: the next sweep returns it to the heap. */
	npages = s1->npages;
	for (i = 0; i < nelems; i++)
		if (os->o[i].p)
			KUNIT_EXPECT_EQ(test, gk_free(os, i), 0);
	mc_snap(&h0);
	goalloc_read_memstats(&ms0);
	goalloc_sweep_cycle(true);
	mc_snap(&h1);
	goalloc_read_memstats(&ms1);
	KUNIT_EXPECT_EQ(test, h1.pages_inuse, h0.pages_inuse - npages);
	KUNIT_EXPECT_EQ(test, h1.nspans, h0.nspans - 1);
	KUNIT_EXPECT_EQ(test, ms1.heap_inuse,
			ms0.heap_inuse - ((u64)npages << GOALLOC_PAGE_SHIFT));
	/* s1 may be reused memory now: compare pointers only. */
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 0);
	KUNIT_EXPECT_EQ(test, central->npartial[0] + central->npartial[1] +
			central->nfull[0] + central->nfull[1], 0U);

	KUNIT_EXPECT_EQ(test, gk_free(os, nelems), 0);
	goalloc_gc();
	mc_snap(&h1);
	KUNIT_EXPECT_EQ(test, h1.pages_inuse, 0UL);
}

/*
 * After a cycle starts, a refill must sweep a stale span of its mcentral
 * (partial if @partial, else full) and reuse its freed slots, lowest first,
 * instead of growing the heap.
 */
static void mc_cachespan_sweeps(struct kunit *test, bool partial)
{
	const size_t size = 512;
	u8 c = gk_class_of(size), spc = goalloc_make_spanclass(c, false);
	u16 nelems = goalloc_class_to_nobjs[c];
	struct goalloc_mcentral *central = &goalloc_central[spc];
	unsigned long *want, nwant = 0;
	struct goalloc_mspan *s1, *s2;
	struct mc_heapsnap h0, h1;
	struct goalloc_mcache *mc;
	struct gk_objset *os;
	unsigned int i;
	u32 sg;

	os = gk_objset_new(test, 3 * nelems + 2);
	want = kunit_kcalloc(test, nelems, sizeof(*want), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, want);
	gk_quiesce(test);
	/* The case counts the pages the heap owns: no scavenger under it. */
	gk_keep_pages(test);
	KUNIT_ASSERT_GE(test, (u32)nelems, 8U);

	migrate_disable();
	mc = &this_cpu_ptr(goalloc_allp)->mcache;
	if (!mc_fill_span_plus_one(test, os, size, nelems, &s1, &s2))
		goto unpin;

	if (partial) {
		/* Slots 1, 5, 9, ...: freed and swept, s1 on the partial list. */
		for (i = 1; i < nelems; i += 4) {
			KUNIT_EXPECT_EQ(test, gk_free(os, i), 0);
			want[nwant++] = (unsigned long)s1->base + i * s1->elemsize;
		}
		goalloc_sweep_cycle(true);
		KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'P');
	}
	mc_new_cycle_unswept();
	sg = goalloc_sweepgen();
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), partial ? 'p' : 'f');
	/* Go's "needs sweeping": sg - 2. */
	KUNIT_EXPECT_EQ(test, s1->sweepgen, sg - 2);
	KUNIT_EXPECT_EQ(test, central->npartial[goalloc_swept(sg)], 0U);
	/* Slots 2, 5, 8, ...: freed after the cycle began, not swept yet. */
	for (i = 2; i < nelems; i += 3) {
		if (!os->o[i].p)
			continue;
		KUNIT_EXPECT_EQ(test, gk_free(os, i), 0);
		want[nwant++] = (unsigned long)s1->base + i * s1->elemsize;
	}
	sort(want, nwant, sizeof(*want), gk_cmp_ulong, NULL);

	/* Use up s2, then refill. */
	for (i = 1; i < nelems; i++) {
		void *p = gk_alloc(os, size, GFP_KERNEL, false);

		KUNIT_EXPECT_PTR_EQ(test, p ? gk_span_of(p) : NULL, s2);
	}
	mc_snap(&h0);
	for (i = 0; i < nwant; i++) {
		void *p = gk_alloc(os, size, GFP_KERNEL, false);

		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p, want[i], "reuse %u of %lu", i, nwant);
	}
	mc_snap(&h1);
	KUNIT_EXPECT_PTR_EQ(test, mc->alloc[spc], s1);
	KUNIT_EXPECT_EQ(test, s1->sweepgen, sg + 3);
	KUNIT_EXPECT_EQ(test, s1->alloc_count, nelems);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s2), 'F');
	KUNIT_EXPECT_EQ(test, h1.nspans, h0.nspans);
	KUNIT_EXPECT_EQ(test, h1.pages_inuse, h0.pages_inuse);
	KUNIT_EXPECT_EQ(test, h1.owned, h0.owned);

	/* s1 is full again and nothing else is reusable: now the heap grows. */
	if (gk_alloc(os, size, GFP_KERNEL, false)) {
		mc_snap(&h1);
		KUNIT_EXPECT_EQ(test, h1.nspans, h0.nspans + 1);
		KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'F');
	}
unpin:
	migrate_enable();
	gk_free_all_gc(test, os);
}

static void goalloc_mcentral_cachespan_unswept_partial_test(struct kunit *test)
{
	mc_cachespan_sweeps(test, true);
}

static void goalloc_mcentral_cachespan_unswept_full_test(struct kunit *test)
{
	mc_cachespan_sweeps(test, false);
}

/*
 * The first free into a span parked in its mcentral's full set moves it to
 * the unswept partial set, and the next refill sweeps it and hands the
 * freed slot out again: no sweep cycle, no goalloc_gc(), no new span.
 */
static void goalloc_mcentral_free_in_full_test(struct kunit *test)
{
	const size_t size = 2048;
	u8 c = gk_class_of(size), spc = goalloc_make_spanclass(c, false);
	u16 nelems = goalloc_class_to_nobjs[c];
	struct goalloc_mcentral *central = &goalloc_central[spc];
	struct goalloc_memstats ms0, ms1;
	struct goalloc_mspan *s1, *s2;
	struct mc_heapsnap h0, h1;
	struct goalloc_mcache *mc;
	unsigned long want;
	struct gk_objset *os;
	unsigned int i, k;
	u32 sg;

	os = gk_objset_new(test, 2 * nelems + 2);
	gk_quiesce(test);
	KUNIT_ASSERT_GE(test, (u32)nelems, 4U);

	migrate_disable();
	mc = &this_cpu_ptr(goalloc_allp)->mcache;
	if (!mc_fill_span_plus_one(test, os, size, nelems, &s1, &s2))
		goto unpin;
	goalloc_read_memstats(&ms0);
	sg = goalloc_sweepgen();
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'F');
	KUNIT_EXPECT_EQ(test, s1->central_full, goalloc_swept(sg) + 1);

	/* One free: the span leaves the full set, unswept (Go's sg - 2). */
	k = nelems / 2;
	want = s1->base + k * s1->elemsize;
	KUNIT_EXPECT_EQ(test, gk_free(os, k), 0);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'p');
	KUNIT_EXPECT_EQ(test, s1->central_full, 0);
	KUNIT_EXPECT_EQ(test, s1->sweepgen, sg - 2);
	KUNIT_EXPECT_EQ(test, central->nfull[goalloc_swept(sg)], 0U);
	KUNIT_EXPECT_EQ(test, central->npartial[goalloc_unswept(sg)], 1U);
	/* A second free finds it there and leaves it alone. */
	KUNIT_EXPECT_EQ(test, gk_free(os, k + 1), 0);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'p');
	KUNIT_EXPECT_EQ(test, central->npartial[goalloc_unswept(sg)], 1U);

	/* Use up s2; the refill after it must reuse s1's slots, lowest first. */
	for (i = 1; i < nelems; i++)
		KUNIT_EXPECT_NOT_NULL(test, gk_alloc(os, size, GFP_KERNEL, false));
	mc_snap(&h0);
	KUNIT_EXPECT_EQ(test, (unsigned long)gk_alloc(os, size, GFP_KERNEL, false), want);
	KUNIT_EXPECT_EQ(test, (unsigned long)gk_alloc(os, size, GFP_KERNEL, false), want + s1->elemsize);
	mc_snap(&h1);
	KUNIT_EXPECT_PTR_EQ(test, mc->alloc[spc], s1);
	KUNIT_EXPECT_EQ(test, s1->sweepgen, sg + 3);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s2), 'F');
	KUNIT_EXPECT_EQ(test, h1.nspans, h0.nspans);
	KUNIT_EXPECT_EQ(test, h1.pages_inuse, h0.pages_inuse);
	goalloc_read_memstats(&ms1);
	KUNIT_EXPECT_EQ(test, ms1.num_gc, ms0.num_gc);
unpin:
	migrate_enable();
	gk_free_all_gc(test, os);
}

/*
 * A FIFO churn (a sliding window of live objects, as in a hash with
 * deletes) runs in a heap near its live size within one pacer period: no
 * sweep cycle starts, yet every span comes back through the free-in-full
 * path.  Without it each span would stay parked full until the next cycle
 * and HeapInuse would grow with the bytes churned.
 */
static void goalloc_mcentral_churn_no_cycle_test(struct kunit *test)
{
	const size_t size = 1024;
	const unsigned int window = 64;
	u8 c = gk_class_of(size);
	u32 span_bytes = goalloc_class_to_allocnpages[c] << GOALLOC_PAGE_SHIFT;
	u16 nelems = goalloc_class_to_nobjs[c];
	struct goalloc_memstats ms0, ms;
	u64 churn = 0, budget, bound, peak = 0;
	unsigned int i, n;
	void **ring;

	ring = kunit_kcalloc(test, window, sizeof(*ring), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ring);
	gk_quiesce(test);
	goalloc_read_memstats(&ms0);
	/* Half of what the pacer lets out before it starts a cycle. */
	budget = (ms0.next_gc - min(ms0.heap_live, ms0.next_gc)) / 2;
	n = budget / size;
	KUNIT_ASSERT_GT(test, n, 16 * window);
	/* Live spans, plus one per CPU cache and two in transit. */
	bound = ms0.heap_inuse + ((u64)DIV_ROUND_UP(window, nelems) + num_online_cpus() + 2) *
		span_bytes;

	for (i = 0; i < n; i++) {
		void **slot = &ring[i % window];

		if (*slot && goalloc_free(*slot)) {
			KUNIT_FAIL(test, "free %u failed", i);
			break;
		}
		*slot = goalloc_alloc(size, GFP_KERNEL);
		if (!*slot) {
			KUNIT_FAIL(test, "allocation %u failed", i);
			break;
		}
		churn += size;
		goalloc_read_memstats(&ms);
		peak = max(peak, ms.heap_inuse);
		if (!(i & 255))
			cond_resched();
	}
	goalloc_read_memstats(&ms);
	kunit_info(test, "churned %llu KiB: HeapInuse peak %llu KiB, bound %llu KiB, %llu cycles",
		   churn >> 10, peak >> 10, bound >> 10, ms.num_gc - ms0.num_gc);
	KUNIT_EXPECT_EQ(test, ms.num_gc, ms0.num_gc);
	KUNIT_EXPECT_GT(test, churn, 8 * bound);
	KUNIT_EXPECT_LE(test, peak, bound);
	for (i = 0; i < window; i++)
		if (ring[i])
			KUNIT_EXPECT_EQ(test, goalloc_free(ring[i]), 0);
	goalloc_gc();
}

/*
 * Allocate the tiny @sizes on this CPU and check each object against the
 * model.  Block ids of the model map to the first address seen for them.
 */
static void mc_tiny_check_seq(struct kunit *test, struct gk_objset *os,
			      const u8 *sizes, unsigned int n, const char *name)
{
	struct goalloc_class_stats *b0, *b1;
	struct goalloc_memstats ms0, ms1;
	unsigned long *blocks, *sorted;
	struct gk_tiny_model m;
	unsigned int i, off, first = os->n;
	int id;

	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	sorted = kunit_kcalloc(test, n, sizeof(*sorted), GFP_KERNEL);
	b0 = kunit_kcalloc(test, 2 * GOALLOC_NUM_SIZE_CLASSES, sizeof(*b0), GFP_KERNEL);
	if (!blocks || !sorted || !b0) {
		KUNIT_FAIL(test, "no memory");
		return;
	}
	b1 = b0 + GOALLOC_NUM_SIZE_CLASSES;
	gk_tiny_model_init(&m);

	migrate_disable();
	goalloc_read_memstats(&ms0);
	goalloc_stats_by_size(b0);
	for (i = 0; i < n; i++) {
		unsigned long p = (unsigned long)gk_alloc(os, sizes[i], GFP_KERNEL, true);

		id = gk_tiny_model_alloc(&m, sizes[i], &off);
		if (!p) {
			KUNIT_FAIL(test, "%s: tiny allocation %u failed", name, i);
			break;
		}
		if (off == 0 && id == m.nblocks - 1 && !blocks[id])
			blocks[id] = p;
		if (p != blocks[id] + off) {
			KUNIT_FAIL(test, "%s: object %u (size %u) at block+%lu, Go: block %d+%u",
				   name, i, sizes[i], p & 15, id, off);
			break;
		}
		/* Blocks are 16 B slots: the offset is the address mod 16. */
		KUNIT_EXPECT_EQ(test, p & 15, (unsigned long)off);
	}
	goalloc_read_memstats(&ms1);
	goalloc_stats_by_size(b1);
	migrate_enable();

	/* Every new block of the model is a distinct 16 B slot. */
	memcpy(sorted, blocks, m.nblocks * sizeof(*sorted));
	sort(sorted, m.nblocks, sizeof(*sorted), gk_cmp_ulong, NULL);
	for (i = 1; i < m.nblocks; i++)
		KUNIT_EXPECT_NE_MSG(test, sorted[i], sorted[i - 1], "%s: block reused", name);
	KUNIT_EXPECT_EQ_MSG(test, ms1.tiny_allocs - ms0.tiny_allocs, (u64)m.packed, "%s", name);
	KUNIT_EXPECT_EQ_MSG(test, b1[GOALLOC_TINY_SIZE_CLASS].nmalloc -
			    b0[GOALLOC_TINY_SIZE_CLASS].nmalloc, (u64)m.nblocks, "%s", name);
	KUNIT_EXPECT_EQ_MSG(test, ms1.mallocs - ms0.mallocs, (u64)(os->n - first), "%s", name);
	KUNIT_EXPECT_EQ_MSG(test, ms1.heap_alloc - ms0.heap_alloc,
			    (u64)m.nblocks * GOALLOC_TINY_SIZE, "%s", name);
}

struct mc_tiny_seq {
	const char *name;
	u8 n;
	u8 size[12];
	u8 block[12];
	u8 off[12];
};

/* Expected placements worked out by hand from Go's rules. */
static const struct mc_tiny_seq mc_tiny_seqs[] = {
	{ "1,1,2,4,8,1", 6, { 1, 1, 2, 4, 8, 1 }, { 0, 0, 0, 0, 0, 1 }, { 0, 1, 2, 4, 8, 0 } },
	/* 8 and 12 do not fit: 8 replaces the block (11 used), 12 does not (8 used). */
	{ "3,2,5,8,12,4,15,1", 8, { 3, 2, 5, 8, 12, 4, 15, 1 },
	  { 0, 0, 0, 1, 2, 1, 3, 1 }, { 0, 4, 6, 0, 0, 8, 0, 12 } },
	{ "1,6,6,1,1,1", 6, { 1, 6, 6, 1, 1, 1 }, { 0, 0, 0, 0, 0, 1 }, { 0, 2, 8, 14, 15, 0 } },
	{ "7,4,2,9,14,2", 6, { 7, 4, 2, 9, 14, 2 }, { 0, 0, 0, 1, 2, 1 }, { 0, 8, 12, 0, 0, 10 } },
};

static void goalloc_tiny_packing_test(struct kunit *test)
{
	unsigned int t, i;
	struct gk_objset *os;

	for (t = 0; t < ARRAY_SIZE(mc_tiny_seqs); t++) {
		const struct mc_tiny_seq *q = &mc_tiny_seqs[t];
		struct gk_tiny_model m;
		unsigned int off;
		int id;

		/* The hand-made table must agree with the model... */
		gk_tiny_model_init(&m);
		for (i = 0; i < q->n; i++) {
			id = gk_tiny_model_alloc(&m, q->size[i], &off);
			KUNIT_EXPECT_EQ_MSG(test, id, (int)q->block[i], "%s #%u", q->name, i);
			KUNIT_EXPECT_EQ_MSG(test, off, (unsigned int)q->off[i], "%s #%u", q->name, i);
		}
		/* ...and the allocator with both, from an empty tiny block. */
		os = gk_objset_new(test, q->n);
		gk_quiesce(test);
		mc_tiny_check_seq(test, os, q->size, q->n, q->name);
		gk_free_all_gc(test, os);
	}
}

/* A long pseudo-random tiny sequence against the model. */
static void goalloc_tiny_random_test(struct kunit *test)
{
	const unsigned int n = 3000;
	struct rnd_state rnd;
	struct gk_objset *os;
	unsigned int i;
	u8 *sizes;

	sizes = kunit_kmalloc(test, n, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	prandom_seed_state(&rnd, 0x7191);
	for (i = 0; i < n; i++)
		sizes[i] = gk_rand_tiny_size(&rnd);
	os = gk_objset_new(test, n);
	gk_quiesce(test);
	mc_tiny_check_seq(test, os, sizes, n, "random");
	gk_free_all_gc(test, os);
}

static u64 mc_tiny_nfree(struct goalloc_class_stats *bysize)
{
	goalloc_stats_by_size(bysize);
	return bysize[GOALLOC_TINY_SIZE_CLASS].nfree;
}

/*
 * The start of the tiny-block cases: two per-class statistics buffers
 * (block deaths are counted in the tiny class), a set for @cap objects,
 * and an empty heap, so that no CPU holds a tiny block.
 */
static struct gk_objset *mc_tiny_case_start(struct kunit *test, unsigned int cap,
					    struct goalloc_class_stats **bysize)
{
	struct gk_objset *os;

	*bysize = gk_bysize_new(test, 2);
	os = gk_objset_new(test, cap);
	gk_quiesce(test);
	return os;
}

/*
 * A tiny block dies with its last object once the mcache has retired it; a
 * block the mcache still holds stays until retired (by replacement or by
 * goalloc_drain()), whatever was freed in it.
 */
static void goalloc_tiny_lifetime_test(struct kunit *test)
{
	struct goalloc_class_stats *bysize;
	unsigned long a, b, c, d, e;
	struct goalloc_memstats ms;
	struct goalloc_mcache *mc;
	struct gk_objset *os;
	u64 f0;

	os = mc_tiny_case_start(test, 8, &bysize);

	migrate_disable();
	mc = &this_cpu_ptr(goalloc_allp)->mcache;
	a = (unsigned long)gk_alloc(os, 8, GFP_KERNEL, true);	/* block 0 + 0 */
	b = (unsigned long)gk_alloc(os, 4, GFP_KERNEL, true);	/* block 0 + 8 */
	c = (unsigned long)gk_alloc(os, 2, GFP_KERNEL, true);	/* block 0 + 12 */
	d = (unsigned long)gk_alloc(os, 8, GFP_KERNEL, true);	/* block 1 + 0, block 0 retired */
	KUNIT_EXPECT_TRUE(test, a && b && c && d);
	if (!(a && b && c && d))
		goto unpin;
	KUNIT_EXPECT_EQ(test, b, a + 8);
	KUNIT_EXPECT_EQ(test, c, a + 12);
	KUNIT_EXPECT_EQ(test, d & 15, 0UL);
	KUNIT_EXPECT_NE(test, d, a);
	KUNIT_EXPECT_EQ(test, mc->tiny, d);

	f0 = mc_tiny_nfree(bysize);
	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);
	KUNIT_EXPECT_EQ(test, gk_free(os, 1), 0);
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0);
	KUNIT_EXPECT_EQ(test, gk_free(os, 2), 0);
	/* The last object of a retired block frees the 16 B slot. */
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 1);

	/* d's block is held: freeing d keeps it, and e packs in after d. */
	KUNIT_EXPECT_EQ(test, gk_free(os, 3), 0);
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 1);
	e = (unsigned long)gk_alloc(os, 4, GFP_KERNEL, true);
	KUNIT_EXPECT_EQ(test, e, d + 8);
	if (e != d + 8)
		goto unpin;
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 1);
	/* Retired with e still live: the block stays. */
	goalloc_drain();
	KUNIT_EXPECT_EQ(test, mc->tiny, 0UL);
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 1);
	KUNIT_EXPECT_EQ(test, gk_free(os, 4), 0);
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 2);

	/* A block freed while held dies when goalloc_drain() retires it. */
	d = (unsigned long)gk_alloc(os, 5, GFP_KERNEL, true);
	KUNIT_EXPECT_EQ(test, mc->tiny, d);
	KUNIT_EXPECT_EQ(test, gk_free(os, 5), 0);
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 2);
	goalloc_drain();
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 3);
unpin:
	migrate_enable();
	gk_free_all_gc(test, os);
	goalloc_read_memstats(&ms);
	KUNIT_EXPECT_EQ(test, ms.heap_alloc, 0ULL);
	KUNIT_EXPECT_EQ(test, ms.mallocs, ms.frees);
}

static void mc_expect_bad_free(struct kunit *test, unsigned long p, int err)
{
	long before = atomic_long_read(&goalloc_bad_frees);

	KUNIT_EXPECT_EQ_MSG(test, goalloc_free((void *)p), err, "free(block + %lu)", p & 15);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&goalloc_bad_frees), before + 1);
}

/* Frees of non-object addresses inside tiny blocks, and tiny double frees. */
static void goalloc_tiny_bad_free_test(struct kunit *test)
{
	struct goalloc_class_stats *b0, *b1;
	struct goalloc_memstats ms0, ms1;
	unsigned long a, b, c;
	struct gk_objset *os;
	u64 f0;

	gk_quiet_bad_frees(test);
	os = mc_tiny_case_start(test, 4, &b0);
	b1 = b0 + GOALLOC_NUM_SIZE_CLASSES;

	migrate_disable();
	a = (unsigned long)gk_alloc(os, 8, GFP_KERNEL, true);
	b = (unsigned long)gk_alloc(os, 3, GFP_KERNEL, true);
	c = (unsigned long)gk_alloc(os, 2, GFP_KERNEL, true);
	migrate_enable();
	KUNIT_ASSERT_TRUE(test, a && b && c);
	KUNIT_ASSERT_EQ(test, b, a + 8);
	KUNIT_ASSERT_EQ(test, c, a + 12);
	memset((void *)a, 0x11, 8);
	memset((void *)b, 0x22, 3);
	memset((void *)c, 0x33, 2);

	goalloc_read_memstats(&ms0);
	goalloc_stats_by_size(b0);
	mc_expect_bad_free(test, a + 1, -EINVAL);	/* inside a */
	mc_expect_bad_free(test, a + 7, -EINVAL);
	mc_expect_bad_free(test, b + 2, -EINVAL);	/* inside b */
	mc_expect_bad_free(test, a + 11, -EINVAL);	/* padding after b */
	mc_expect_bad_free(test, a + 14, -EINVAL);	/* never handed out */
	mc_expect_bad_free(test, a + 15, -EINVAL);
	goalloc_read_memstats(&ms1);
	goalloc_stats_by_size(b1);
	KUNIT_EXPECT_EQ(test, ms1.mallocs, ms0.mallocs);
	KUNIT_EXPECT_EQ(test, ms1.frees, ms0.frees);
	KUNIT_EXPECT_EQ(test, ms1.heap_alloc, ms0.heap_alloc);
	KUNIT_EXPECT_EQ(test, ms1.tiny_allocs, ms0.tiny_allocs);
	KUNIT_EXPECT_MEMEQ(test, b0, b1, GOALLOC_NUM_SIZE_CLASSES * sizeof(*b0));
	KUNIT_EXPECT_NULL(test, memchr_inv((void *)a, 0x11, 8));
	KUNIT_EXPECT_NULL(test, memchr_inv((void *)b, 0x22, 3));
	KUNIT_EXPECT_NULL(test, memchr_inv((void *)c, 0x33, 2));

	/* Double frees, with the block held and after it was retired. */
	KUNIT_EXPECT_EQ(test, gk_free(os, 1), 0);
	mc_expect_bad_free(test, b, -EALREADY);
	goalloc_drain();
	mc_expect_bad_free(test, b, -EALREADY);
	f0 = mc_tiny_nfree(b0);
	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);
	KUNIT_EXPECT_EQ(test, gk_free(os, 2), 0);
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(b0), f0 + 1);
	/* The block is dead but not swept yet: its start is "already free". */
	mc_expect_bad_free(test, a, -EALREADY);
	mc_expect_bad_free(test, c, -EINVAL);
	goalloc_gc();
	goalloc_read_memstats(&ms1);
	KUNIT_EXPECT_EQ(test, ms1.heap_alloc, 0ULL);
}

/* __GFP_ZERO on slots that were written, freed and swept into reuse. */
static void goalloc_zero_dirty_small_test(struct kunit *test)
{
	const size_t size = 64;
	u8 c = gk_class_of(size);
	u16 nelems = goalloc_class_to_nobjs[c];
	struct goalloc_mspan *s;
	struct gk_objset *os;
	unsigned int i;

	os = gk_objset_new(test, 2 * nelems);
	gk_quiesce(test);

	migrate_disable();
	for (i = 0; i < nelems; i++) {
		void *p = gk_alloc(os, size, GFP_KERNEL, false);

		KUNIT_EXPECT_NOT_NULL(test, p);
		if (!p)
			goto unpin;
		memset(p, 0xa5, size);
	}
	s = gk_span_of(os->o[0].p);
	/* Keep slot 0 live so the span survives the sweep with dirty free slots. */
	for (i = 1; i < nelems; i++)
		KUNIT_EXPECT_EQ(test, gk_free(os, i), 0);
	goalloc_gc();
	KUNIT_EXPECT_EQ(test, mc_list_of(&goalloc_central[s->spanclass], s), 'P');
	KUNIT_EXPECT_TRUE(test, s->needzero);
	for (i = 1; i < nelems; i++) {
		void *p = gk_alloc(os, size, GFP_KERNEL | __GFP_ZERO, false);

		KUNIT_EXPECT_NOT_NULL(test, p);
		if (!p)
			break;
		/* Reuse of the dirty slot, not fresh memory. */
		KUNIT_EXPECT_PTR_EQ(test, gk_span_of(p), s);
		KUNIT_EXPECT_EQ(test, (unsigned long)p, s->base + i * s->elemsize);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, size), "slot %u not zeroed", i);
	}
	KUNIT_EXPECT_NULL(test, memchr_inv(os->o[0].p, 0xa5, size));
unpin:
	migrate_enable();
	gk_free_all_gc(test, os);
}

/* Tiny blocks handed out in dirty 16 B slots are zeroed too. */
static void goalloc_zero_dirty_tiny_test(struct kunit *test)
{
	u8 spc = goalloc_make_spanclass(GOALLOC_TINY_SIZE_CLASS, true);
	unsigned int i, n = goalloc_class_to_nobjs[GOALLOC_TINY_SIZE_CLASS], nt = 0;
	struct goalloc_mspan *s;
	struct gk_objset *os;

	/* At most n / 2 tiny objects: fewer blocks than the span has free. */
	os = gk_objset_new(test, n + n / 2);
	gk_quiesce(test);

	migrate_disable();
	/* 16 B noscan objects share the tiny blocks' span class. */
	for (i = 0; i < n; i++) {
		void *p = gk_alloc(os, GOALLOC_TINY_SIZE, GFP_KERNEL, true);

		KUNIT_EXPECT_NOT_NULL(test, p);
		if (!p)
			goto unpin;
		memset(p, 0xff, GOALLOC_TINY_SIZE);
	}
	s = gk_span_of(os->o[0].p);
	KUNIT_EXPECT_EQ(test, s->spanclass, spc);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_EQ(test, gk_free(os, i), 0);
	goalloc_gc();
	/* Tiny objects of every size, each asked for zeroed: whole blocks reused. */
	while (os->n < os->cap) {
		unsigned int size = 1 + nt++ % (GOALLOC_TINY_SIZE - 1);
		u8 *p = gk_alloc(os, size, GFP_KERNEL | __GFP_ZERO, true);

		KUNIT_EXPECT_NOT_NULL(test, p);
		if (!p)
			break;
		KUNIT_EXPECT_PTR_EQ(test, gk_span_of(p), s);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, size), "tiny %u bytes", size);
		if (gk_span_of(p) != s)
			break;
	}
unpin:
	migrate_enable();
	gk_free_all_gc(test, os);
}

/* Spans returned to the heap and reused by another class or a large object. */
static void goalloc_zero_dirty_pages_test(struct kunit *test)
{
	const size_t large = 5 * GOALLOC_PAGE_SIZE;
	struct gk_objset *os;
	unsigned int i, n = 64;
	void *p, *q;

	os = gk_objset_new(test, 2 * n + 2);
	gk_quiesce(test);

	/* A large object: written, freed (straight to the heap), and again. */
	p = gk_alloc(os, large, GFP_KERNEL, false);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, large);
	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);
	q = gk_alloc(os, large, GFP_KERNEL | __GFP_ZERO, false);
	KUNIT_ASSERT_NOT_NULL(test, q);
	kunit_info(test, "large object %s its pages", p == q ? "reused" : "did not reuse");
	KUNIT_EXPECT_NULL(test, memchr_inv(q, 0, large));
	memset(q, 0x5a, large);
	KUNIT_EXPECT_EQ(test, gk_free(os, 1), 0);
	goalloc_gc();

	/* Small spans carved from the pages the large object dirtied. */
	migrate_disable();
	for (i = 0; i < n; i++) {
		p = gk_alloc(os, 1024, GFP_KERNEL | __GFP_ZERO, false);
		KUNIT_EXPECT_NOT_NULL(test, p);
		if (!p)
			break;
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, 1024), "object %u", i);
		memset(p, 0x77, 1024);
	}
	migrate_enable();
	gk_free_all_gc(test, os);
	/* And a large object over the pages of those spans. */
	p = gk_alloc(os, 8 * 1024 * 8, GFP_KERNEL | __GFP_ZERO, false);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 8 * 1024 * 8));
	gk_free_all_gc(test, os);
}


/*
 * The first step of goalloc_free() on a tiny object, as free_tiny_class()
 * takes it: the block states and the block's alloc word, each read once.
 */
struct mc_tiny_snap {
	struct goalloc_mspan *s;
	struct goalloc_tiny_blocks *t;
	unsigned long addr;
	unsigned int idx;
	u32 alloc;
};

static void mc_tiny_snap(struct mc_tiny_snap *f, unsigned long addr)
{
	f->addr = addr;
	f->s = gk_span_of((void *)addr);
	f->t = READ_ONCE(f->s->tiny);
	f->idx = (addr - f->s->base) / GOALLOC_TINY_SIZE;
	f->alloc = READ_ONCE(f->t->alloc[f->idx]);
}

/* Its second step, the atomic, with the snapshot taken before. */
static int mc_tiny_snap_free(struct mc_tiny_snap *f)
{
	int err;

	rcu_read_lock();
	err = goalloc_tiny_free(f->s, f->t, f->addr, f->idx, f->alloc);
	rcu_read_unlock();
	return err;
}

/*
 * A tiny free whose alloc-word read came before the owner added objects to
 * the block and retired it, with the steps called in that order:
 *  1. the block must not die under the object added meanwhile (it did: the
 *     free compared the freed offsets with its stale alloc word);
 *  2. when the stale free is the block's last, the block must die (it
 *     leaked: neither the retire nor the free saw the block complete).
 */
static void goalloc_tiny_stale_alloc_word_test(struct kunit *test)
{
	struct goalloc_class_stats *bysize;
	struct mc_tiny_snap f;
	unsigned long a, b, c;
	struct gk_objset *os;
	u64 f0;

	os = mc_tiny_case_start(test, 8, &bysize);

	migrate_disable();
	/* 1. A's free reads {A}; B joins; the block is retired; A's atomic. */
	a = (unsigned long)gk_alloc(os, 8, GFP_KERNEL, true);	/* new block + 0 */
	KUNIT_EXPECT_TRUE(test, a && !(a & 15));
	if (!a || (a & 15))
		goto unpin;
	mc_tiny_snap(&f, a);
	b = (unsigned long)gk_alloc(os, 4, GFP_KERNEL, true);	/* + 8 */
	c = (unsigned long)gk_alloc(os, 5, GFP_KERNEL, true);	/* new block: retires */
	KUNIT_EXPECT_EQ(test, b, a + 8);
	KUNIT_EXPECT_NE(test, c & ~15UL, a);
	if (b != a + 8 || !c || (c & ~15UL) == a)
		goto unpin;
	memset((void *)b, 0x5b, 4);
	f0 = mc_tiny_nfree(bysize);
	KUNIT_EXPECT_EQ(test, mc_tiny_snap_free(&f), 0);
	os->o[0].p = NULL;
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0);
	KUNIT_EXPECT_TRUE_MSG(test, test_bit(f.idx, f.s->gcmark_bits),
			      "the block died with B live");
	KUNIT_EXPECT_EQ(test, goalloc_usable_size((void *)b), 4UL);
	KUNIT_EXPECT_EQ(test, gk_free(os, 1), 0);
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 1);

	/* 2. A's free reads {A}; B joins and is freed; retired; A's atomic. */
	goalloc_drain();
	a = (unsigned long)gk_alloc(os, 8, GFP_KERNEL, true);
	KUNIT_EXPECT_TRUE(test, a && !(a & 15));
	if (!a || (a & 15))
		goto unpin;
	mc_tiny_snap(&f, a);
	b = (unsigned long)gk_alloc(os, 4, GFP_KERNEL, true);
	KUNIT_EXPECT_EQ(test, b, a + 8);
	if (b != a + 8)
		goto unpin;
	KUNIT_EXPECT_EQ(test, gk_free(os, os->n - 1), 0);
	c = (unsigned long)gk_alloc(os, 5, GFP_KERNEL, true);
	KUNIT_EXPECT_NE(test, c & ~15UL, a);
	f0 = mc_tiny_nfree(bysize);
	KUNIT_EXPECT_EQ(test, mc_tiny_snap_free(&f), 0);
	os->o[os->n - 3].p = NULL;
	KUNIT_EXPECT_EQ_MSG(test, mc_tiny_nfree(bysize), f0 + 1, "the block leaked");
	KUNIT_EXPECT_FALSE(test, test_bit(f.idx, f.s->gcmark_bits));
unpin:
	migrate_enable();
	gk_free_all(test, os);
}

/*
 * A double free of a tiny object that read the block's alloc word before
 * the block died (its other free came first): refused, both when its
 * atomic lands after the death and through goalloc_free() afterwards.
 */
static void goalloc_tiny_double_free_after_death_test(struct kunit *test)
{
	struct goalloc_class_stats *bysize;
	struct mc_tiny_snap f;
	unsigned long a, c;
	struct gk_objset *os;
	long bad0;
	u64 f0;

	gk_quiet_bad_frees(test);
	os = mc_tiny_case_start(test, 4, &bysize);

	migrate_disable();
	a = (unsigned long)gk_alloc(os, 12, GFP_KERNEL, true);
	c = (unsigned long)gk_alloc(os, 8, GFP_KERNEL, true);	/* retires a's block */
	KUNIT_EXPECT_TRUE(test, a && c && !(a & 15) && (c & ~15UL) != a);
	if (!a || !c || (a & 15) || (c & ~15UL) == a)
		goto unpin;
	mc_tiny_snap(&f, a);
	f0 = mc_tiny_nfree(bysize);
	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);		/* the block dies */
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 1);
	bad0 = atomic_long_read(&goalloc_bad_frees);
	KUNIT_EXPECT_EQ(test, mc_tiny_snap_free(&f), -EALREADY);
	KUNIT_EXPECT_EQ(test, goalloc_free((void *)a), -EALREADY);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&goalloc_bad_frees), bad0 + 1);
	KUNIT_EXPECT_EQ(test, mc_tiny_nfree(bysize), f0 + 1);
unpin:
	migrate_enable();
	gk_free_all(test, os);
}

/*
 * Go's mcache.releaseAll: the slots a refill counted in heap_live but the
 * mcache never used leave it again, and reclaimed slots leave it too, so
 * drain + allocate + free in a loop starts no sweep cycle.  (It started one
 * every 512 iterations: 8 KiB counted per refill, never taken back; 2,500
 * iterations keep the case short under emulation and started four.)
 */
static unsigned int mc_grows;

/* A heap that cannot grow, counting the attempts: a static stub of goalloc_mheap_grow(). */
static int mc_grow_fails(u32 npages)
{
	mc_grows++;
	return -ENOMEM;
}

/*
 * Before the heap grows, the mcache gives back its cached spans with no
 * live object (goalloc_mcache_release_idle()), and the allocation that
 * wanted to grow gets their pages.  A 20 KiB object's span (5 pages, 2
 * slots) stays cached while the object lives, however short of pages the
 * heap is; once it is freed, a large object of the same 5 pages takes
 * them, with no growth.  Without the release the heap must grow, and here
 * it cannot: the allocation fails.
 */
static void goalloc_mcache_release_idle_test(struct kunit *test)
{
	const size_t size = 20480;
	u8 c = gk_class_of(size), spc = goalloc_make_spanclass(c, false);
	size_t large = (size_t)goalloc_class_to_allocnpages[c] << GOALLOC_PAGE_SHIFT;
	struct goalloc_mcache *mc;
	struct goalloc_mspan *s;
	struct gk_objset *os;
	unsigned int grows;
	void *p, *q;

	os = gk_objset_new(test, 256);
	gk_quiesce(test);
	gk_keep_pages(test);
	KUNIT_ASSERT_GT(test, large, (size_t)GOALLOC_MAX_SMALL_SIZE);
	KUNIT_ASSERT_GT(test, goalloc_class_to_nobjs[c], 1);
	/* The heap owns no free page now: what it gets, growth brings. */
	goalloc_release();

	migrate_disable();
	mc = &this_cpu_ptr(goalloc_allp)->mcache;
	p = gk_alloc(os, size, GFP_KERNEL, false);
	s = mc->alloc[spc];
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_NE(test, s, &goalloc_emptymspan);
	if (!p || s == &goalloc_emptymspan)
		goto unpin;
	KUNIT_EXPECT_EQ(test, (unsigned long)p, s->base);

	kunit_activate_static_stub(test, goalloc_mheap_grow, mc_grow_fails);
	mc_grows = 0;
	/* Every free run of those pages used up; the span, live, stays. */
	while (gk_alloc(os, large, GFP_KERNEL, false))
		;
	KUNIT_EXPECT_LT(test, os->n, os->cap);
	KUNIT_EXPECT_GT(test, mc_grows, 0);
	KUNIT_EXPECT_PTR_EQ(test, mc->alloc[spc], s);

	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);
	grows = mc_grows;
	q = gk_alloc(os, large, GFP_KERNEL, false);
	KUNIT_EXPECT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, mc_grows, grows);
	KUNIT_EXPECT_PTR_EQ(test, mc->alloc[spc], &goalloc_emptymspan);
	kunit_deactivate_static_stub(test, goalloc_mheap_grow);
unpin:
	migrate_enable();
}

/*
 * The same for a span on an mcentral list (goalloc_mcentral_free_empty()):
 * a full span of 20 KiB objects goes to its mcentral when a third object
 * needs a new span; both its objects die (the first free moves it to the
 * unswept partial set, where only its class's next cacheSpan or a cycle
 * would sweep it).  A large object of its 5 pages takes them, with no
 * growth, while the cached second span, live, stays.
 */
static void goalloc_mcentral_free_empty_test(struct kunit *test)
{
	const size_t size = 20480;
	u8 c = gk_class_of(size), spc = goalloc_make_spanclass(c, false);
	size_t large = (size_t)goalloc_class_to_allocnpages[c] << GOALLOC_PAGE_SHIFT;
	struct goalloc_mcentral *central = &goalloc_central[spc];
	struct goalloc_mspan *s1, *s2;
	struct goalloc_mcache *mc;
	struct gk_objset *os;
	unsigned int n;

	os = gk_objset_new(test, 256);
	gk_quiesce(test);
	gk_keep_pages(test);
	KUNIT_ASSERT_GT(test, large, (size_t)GOALLOC_MAX_SMALL_SIZE);
	KUNIT_ASSERT_EQ(test, goalloc_class_to_nobjs[c], 2);
	goalloc_release();

	migrate_disable();
	mc = &this_cpu_ptr(goalloc_allp)->mcache;
	gk_alloc(os, size, GFP_KERNEL, false);
	gk_alloc(os, size, GFP_KERNEL, false);
	s1 = mc->alloc[spc];
	gk_alloc(os, size, GFP_KERNEL, false);
	s2 = mc->alloc[spc];
	KUNIT_EXPECT_EQ(test, os->n, 3U);
	KUNIT_EXPECT_PTR_NE(test, s1, s2);
	if (os->n != 3 || s1 == s2 || s1 == &goalloc_emptymspan)
		goto unpin;
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'F');
	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);
	KUNIT_EXPECT_EQ(test, gk_free(os, 1), 0);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 'p');

	kunit_activate_static_stub(test, goalloc_mheap_grow, mc_grow_fails);
	mc_grows = 0;
	n = os->n;
	/*
	 * Growth made runs of 8 pages: s1's 5 and 3 free, s2's and 3 free.
	 * Only s1's pages, given back, hold one large object.
	 */
	while (gk_alloc(os, large, GFP_KERNEL, false))
		;
	KUNIT_EXPECT_EQ(test, os->n, n + 1);
	KUNIT_EXPECT_GT(test, mc_grows, 0);
	KUNIT_EXPECT_EQ(test, mc_list_of(central, s1), 0);
	/* Every failed attempt gave back all it could: nothing is left. */
	/* Its callers hold their p lock: interrupts off. */
	local_irq_disable();
	n = goalloc_mcentral_free_empty();
	local_irq_enable();
	KUNIT_EXPECT_EQ(test, n, 0U);
	KUNIT_EXPECT_PTR_EQ(test, mc->alloc[spc], s2);
	kunit_deactivate_static_stub(test, goalloc_mheap_grow);
unpin:
	migrate_enable();
}

static void goalloc_heap_live_drain_test(struct kunit *test)
{
	struct goalloc_memstats ms0, ms;
	unsigned int i;
	void *p;

	gk_quiesce(test);
	goalloc_read_memstats(&ms0);
	for (i = 0; i < 2500; i++) {
		goalloc_drain();
		p = goalloc_alloc(1024, GFP_KERNEL);
		if (!p) {
			KUNIT_FAIL(test, "allocation %u failed", i);
			break;
		}
		KUNIT_EXPECT_EQ(test, goalloc_free(p), 0);
		cond_resched();
	}
	flush_work(&goalloc_sweeper.bgsweep);
	goalloc_read_memstats(&ms);
	kunit_info(test, "%u iterations: %llu cycles, heap_live %lld -> %lld", i,
		   ms.num_gc - ms0.num_gc, (s64)ms0.heap_live, (s64)ms.heap_live);
	KUNIT_EXPECT_LE(test, ms.num_gc - ms0.num_gc, 1ULL);
	goalloc_drain();
	goalloc_read_memstats(&ms);
	KUNIT_EXPECT_EQ(test, ms.heap_live, ms0.heap_live);
}

static struct kunit_case goalloc_mcache_cases[] = {
	KUNIT_CASE(goalloc_mcache_refill_test),
	KUNIT_CASE(goalloc_mcentral_partial_full_test),
	KUNIT_CASE(goalloc_mcentral_cachespan_unswept_partial_test),
	KUNIT_CASE(goalloc_mcentral_cachespan_unswept_full_test),
	KUNIT_CASE(goalloc_mcentral_free_in_full_test),
	KUNIT_CASE(goalloc_mcentral_churn_no_cycle_test),
	KUNIT_CASE(goalloc_mcache_release_idle_test),
	KUNIT_CASE(goalloc_mcentral_free_empty_test),
	KUNIT_CASE(goalloc_tiny_packing_test),
	KUNIT_CASE(goalloc_tiny_random_test),
	KUNIT_CASE(goalloc_tiny_lifetime_test),
	KUNIT_CASE(goalloc_tiny_bad_free_test),
	KUNIT_CASE(goalloc_tiny_stale_alloc_word_test),
	KUNIT_CASE(goalloc_tiny_double_free_after_death_test),
	KUNIT_CASE_SLOW(goalloc_heap_live_drain_test),
	KUNIT_CASE(goalloc_zero_dirty_small_test),
	KUNIT_CASE(goalloc_zero_dirty_tiny_test),
	KUNIT_CASE(goalloc_zero_dirty_pages_test),
	{}
};

static struct kunit_suite goalloc_mcache_suite = {
	.name = "goalloc_mcache",
	.test_cases = goalloc_mcache_cases,
};
kunit_test_suite(goalloc_mcache_suite);

/*
 * Two CPUs on tiny blocks: a producer on one CPU allocates tiny objects of
 * every size, writes a pattern into each and hands every other one to a
 * consumer on another CPU, which checks and frees it as soon as it appears,
 * while the producer's current block is still taking objects.  Every object
 * must keep its pattern until its owner frees it, and every free must
 * succeed.  make check runs a short round; make stress a long one
 * (goalloc_kunit.tiny_stress_ops).
 */
static unsigned int tiny_stress_ops = 20000;
module_param(tiny_stress_ops, uint, 0444);
MODULE_PARM_DESC(tiny_stress_ops, "Objects the two-CPU tiny stress case allocates");

#define TS_RING		256
#define TS_KEEP		512

struct ts_obj {
	u8 *p;
	u8 size;
	u8 pat;
};

struct ts_state {
	struct ts_obj ring[TS_RING];
	unsigned long head;	/* written by the producer (release) */
	unsigned long tail;	/* written by the consumer (release) */
	bool done;		/* the producer has pushed its last object */
	unsigned long nalloc, nfailed, npushed, nfreed, ncorrupt, nbadfree;
	struct completion producer_done, consumer_done;
};

static bool ts_check(const struct ts_obj *o)
{
	return !memchr_inv(o->p, o->pat, o->size);
}

static int ts_producer(void *arg)
{
	struct ts_state *st = arg;
	struct ts_obj *keep = kcalloc(TS_KEEP, sizeof(*keep), GFP_KERNEL);
	struct rnd_state rnd;
	unsigned int i, k, nkeep = 0;

	prandom_seed_state(&rnd, 0x7157a11ceULL);
	for (i = 0; keep && i < tiny_stress_ops; i++) {
		struct ts_obj o = { .size = gk_rand_tiny_size(&rnd), .pat = i | 1 };

		o.p = goalloc_alloc_noscan(o.size, GFP_KERNEL);
		if (!o.p) {
			st->nfailed++;
			continue;
		}
		st->nalloc++;
		memset(o.p, o.pat, o.size);
		if (i & 1) {
			/* Acquire: the consumer is done with the slot we reuse. */
			while (st->head - smp_load_acquire(&st->tail) >= TS_RING)
				cond_resched();
			st->ring[st->head % TS_RING] = o;
			/* Release: the entry, and the object's pattern, first. */
			smp_store_release(&st->head, st->head + 1);
			st->npushed++;
			continue;
		}
		keep[nkeep++] = o;
		if (nkeep < TS_KEEP)
			continue;
		for (k = 0; k < nkeep; k++) {
			st->ncorrupt += !ts_check(&keep[k]);
			st->nbadfree += goalloc_free(keep[k].p) != 0;
		}
		nkeep = 0;
		cond_resched();
	}
	for (k = 0; k < nkeep; k++) {
		st->ncorrupt += !ts_check(&keep[k]);
		st->nbadfree += goalloc_free(keep[k].p) != 0;
	}
	if (!keep)
		st->nfailed++;
	kfree(keep);
	/* Release: every entry pushed before done is seen. */
	smp_store_release(&st->done, true);
	complete(&st->producer_done);
	return 0;
}

static int ts_consumer(void *arg)
{
	struct ts_state *st = arg;
	unsigned long head;

	for (;;) {
		/* Acquire: done before head, so no entry pushed is missed. */
		bool done = smp_load_acquire(&st->done);

		/* Acquire: the entries below head are complete. */
		head = smp_load_acquire(&st->head);
		if (st->tail == head) {
			if (done)
				break;
			cpu_relax();
			if (!(st->nfreed & 63))
				cond_resched();
			continue;
		}
		while (st->tail != head) {
			struct ts_obj *o = &st->ring[st->tail % TS_RING];

			st->ncorrupt += !ts_check(o);
			st->nbadfree += goalloc_free(o->p) != 0;
			st->nfreed++;
			/* Release: our reads of the entry come before its reuse. */
			smp_store_release(&st->tail, st->tail + 1);
		}
	}
	complete(&st->consumer_done);
	return 0;
}

static void goalloc_tiny_two_cpu_stress_test(struct kunit *test)
{
	struct task_struct *prod, *cons;
	struct goalloc_memstats ms0, ms;
	struct ts_state *st;
	long bad0;
	int cpu0, cpu1;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	init_completion(&st->producer_done);
	init_completion(&st->consumer_done);
	gk_quiesce(test);
	goalloc_read_memstats(&ms0);
	bad0 = atomic_long_read(&goalloc_bad_frees);

	cpus_read_lock();
	cpu0 = cpumask_first(cpu_online_mask);
	cpu1 = cpumask_next(cpu0, cpu_online_mask);
	prod = kthread_create_on_cpu(ts_producer, st, cpu0, "goalloc_tsp/%u");
	cons = kthread_create_on_cpu(ts_consumer, st, cpu1, "goalloc_tsc/%u");
	cpus_read_unlock();
	if (IS_ERR(prod) || IS_ERR(cons)) {
		if (!IS_ERR(prod))
			kthread_stop(prod);
		if (!IS_ERR(cons))
			kthread_stop(cons);
		KUNIT_FAIL(test, "kthreads not created");
		return;
	}
	wake_up_process(cons);
	wake_up_process(prod);
	wait_for_completion(&st->producer_done);
	wait_for_completion(&st->consumer_done);

	goalloc_gc();
	goalloc_read_memstats(&ms);
	kunit_info(test, "%lu tiny objects on CPU %d, %lu freed on CPU %d as they appeared",
		   st->nalloc, cpu0, st->nfreed, cpu1);
	KUNIT_EXPECT_EQ(test, st->nfailed, 0UL);
	KUNIT_EXPECT_EQ(test, st->nalloc, (unsigned long)tiny_stress_ops);
	KUNIT_EXPECT_EQ(test, st->nfreed, st->npushed);
	KUNIT_EXPECT_EQ(test, st->ncorrupt, 0UL);
	KUNIT_EXPECT_EQ(test, st->nbadfree, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&goalloc_bad_frees), bad0);
	/* Every block died: nothing is left live. */
	KUNIT_EXPECT_EQ(test, ms.heap_alloc, ms0.heap_alloc);
	KUNIT_EXPECT_EQ(test, ms.mallocs - ms.frees, ms0.mallocs - ms0.frees);
}

static struct kunit_case goalloc_tiny_stress_cases[] = {
	KUNIT_CASE_SLOW(goalloc_tiny_two_cpu_stress_test),
	{}
};

static struct kunit_suite goalloc_tiny_stress_suite = {
	.name = "goalloc_tiny_stress",
	.test_cases = goalloc_tiny_stress_cases,
};
kunit_test_suite(goalloc_tiny_stress_suite);
