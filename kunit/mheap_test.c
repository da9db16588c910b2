// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for goalloc's heap (mod/mheap.c) on the real, shared heap:
 * large objects, page coalescing, arena growth, the max_heap_mb cap,
 * releasing arenas, and the page accounting that ties the mheap's counters
 * to the page allocator's.
 *
 * Every case starts from a quiet heap (goalloc_gc() plus waiting for the
 * background sweeper), frees everything it allocated and leaves it quiet.
 * Cases compare exact page counts, so they assume nothing else allocates
 * from goalloc while the suite runs (KUnit runs suites one at a time).
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include <goalloc.h>
#include "goalloc/malloc.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/tiny.h"
#include "goalloc/mheap.h"
#include "goalloc/pagealloc.h"

#include "goalloc_kunit.h"

#define MB		(1UL << 20)
#define PAGE_BYTES(n)	((unsigned long)(n) << GOALLOC_PAGE_SHIFT)

/* Pages held by the per-CPU page caches (quiet heap: nobody is using them). */
static unsigned long mheap_test_pcache_pages(void)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += hweight64(READ_ONCE(per_cpu_ptr(goalloc_allp, cpu)->heap.pcache.cache));
	return n;
}

struct mheap_snap {
	unsigned long free_pages;
	unsigned long inuse;
	unsigned long manual;
	unsigned long pcache;
	unsigned long largest;
	unsigned long nr_chunks;
	unsigned long nr_released;
	u32 nchunks;
	u32 nreleased;
	unsigned long owned;
	unsigned long owned_sum;
	int check;
	const char *why;
	unsigned long where;
};

static void mheap_test_snap(struct mheap_snap *hs)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	u32 i;

	spin_lock_irq(&h->lock);
	hs->free_pages = h->pages.free_pages;
	hs->inuse = h->pages_inuse;
	hs->manual = h->pages_manual;
	hs->largest = goalloc_pagealloc_largest_free(&h->pages);
	hs->nr_chunks = h->pages.nr_chunks;
	hs->nr_released = h->pages.nr_released;
	hs->nchunks = h->nchunks;
	/* Slots used once but tracking no frame now. */
	hs->nreleased = h->nchunks - h->pages.nr_chunks;
	hs->owned = h->pages_owned;
	hs->owned_sum = 0;
	for (i = 0; i < h->nchunks; i++)
		if (h->arenas[i] && h->arenas[i]->base)
			hs->owned_sum += h->arenas[i]->owned;
	hs->why = "";
	hs->where = 0;
	hs->check = goalloc_pagealloc_check(&h->pages, &hs->why, &hs->where);
	spin_unlock_irq(&h->lock);
	hs->pcache = mheap_test_pcache_pages();
}

/*
 * The page accounting invariant, on a heap nobody else is using:
 *
 *   pages.free_pages + pages_inuse + pages_manual + page-cache pages
 *	== pages_owned == the arenas' owned pages
 *
 * Every page the heap owns is free in the page allocator, in a heap or
 * stack span, or held by a CPU's page cache; pages it does not own count in
 * none of these.  The page allocator's tracked chunks are the slots used
 * less those released, and its bitmaps and summaries pass its self-check.
 */
static void mheap_test_check_accounting(struct kunit *test, const char *when)
{
	struct mheap_snap hs;

	mheap_test_snap(&hs);
	KUNIT_EXPECT_EQ_MSG(test, hs.check, 0, "%s: page allocator check: %s at %lu",
			    when, hs.why, hs.where);
	KUNIT_EXPECT_EQ_MSG(test, hs.free_pages + hs.inuse + hs.manual + hs.pcache, hs.owned,
			    "%s: free %lu + inuse %lu + manual %lu + pcache %lu vs %lu owned",
			    when, hs.free_pages, hs.inuse, hs.manual, hs.pcache, hs.owned);
	KUNIT_EXPECT_EQ_MSG(test, hs.owned_sum, hs.owned, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, hs.nr_released, (unsigned long)hs.nreleased, "%s", when);
	KUNIT_EXPECT_LE_MSG(test, hs.largest, hs.free_pages, "%s", when);
}

/* Lowest page index where @npages free pages start (the page allocator's first fit). */
static unsigned long mheap_test_first_fit(unsigned long npages)
{
	unsigned long addr, unused;

	spin_lock_irq(&goalloc_mheap.lock);
	addr = goalloc_pagealloc_find(&goalloc_mheap.pages, npages, &unused);
	spin_unlock_irq(&goalloc_mheap.lock);
	return addr;
}

/* Check a live large object of @size bytes at @p; true if it may be written. */
static bool mheap_test_check_large(struct kunit *test, void *p, size_t size)
{
	u32 npages = DIV_ROUND_UP(size, GOALLOC_PAGE_SIZE);
	struct goalloc_mspan *s = gk_span_of(p);
	bool ok;

	KUNIT_EXPECT_NOT_NULL(test, s);
	if (!s)
		return false;
	/* The object is live, so its span cannot change under us. */
	KUNIT_EXPECT_EQ(test, s->base, (unsigned long)p);
	KUNIT_EXPECT_EQ(test, s->npages, npages);
	KUNIT_EXPECT_EQ(test, goalloc_spanclass_sizeclass(s->spanclass), 0);
	KUNIT_EXPECT_EQ(test, s->nelems, 1);
	KUNIT_EXPECT_EQ(test, (unsigned long)s->elemsize, PAGE_BYTES(npages));
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->state), GOALLOC_MSPAN_IN_USE);
	KUNIT_EXPECT_EQ(test, s->base, s->arena->base +
			PAGE_BYTES(s->pageidx % GOALLOC_ARENA_PAGES));
	ok = gk_span_in_one_arena(s);
	KUNIT_EXPECT_TRUE_MSG(test, ok,
			      "%u-page span at page %lu runs past the end of chunk %lu",
			      s->npages, s->pageidx, s->pageidx / GOALLOC_ARENA_PAGES);
	if (!ok)
		return false;
	KUNIT_EXPECT_PTR_EQ(test, gk_span_of(p + size - 1), s);
	KUNIT_EXPECT_PTR_EQ(test, gk_span_of(p + PAGE_BYTES(npages) - 1), s);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), PAGE_BYTES(npages));
	KUNIT_EXPECT_GE(test, goalloc_usable_size(p), size);
	/* Not an object's start: nothing usable there. */
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p + size - 1), 0);
	return true;
}

static const size_t mheap_test_large_sizes[] = {
	GOALLOC_MAX_SMALL_SIZE + 1, 64 << 10, 100 << 10, 1 << 20, GOALLOC_MAX_OBJECT_SIZE,
};

static void mheap_test_size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size_%zu", *size);
}

KUNIT_ARRAY_PARAM(mheap_test_large, mheap_test_large_sizes, mheap_test_size_desc);

/*
 * A large object gets a whole-page span of its own: writable over its whole
 * size, found from its first and last byte, counted in HeapInuse page for
 * page, and gone from every lookup once freed.
 */
static void goalloc_mheap_large_test(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	unsigned long bytes = PAGE_BYTES(DIV_ROUND_UP(size, GOALLOC_PAGE_SIZE));
	struct goalloc_memstats ms0, ms1, ms2;
	u8 *p;

	gk_settle();
	goalloc_read_memstats(&ms0);
	p = goalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_read_memstats(&ms1);

	if (mheap_test_check_large(test, p, size)) {
		memset(p, 0x5a, size);
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x5a, size));
	}
	KUNIT_EXPECT_EQ(test, ms1.heap_inuse - ms0.heap_inuse, bytes);
	KUNIT_EXPECT_EQ(test, ms1.heap_alloc - ms0.heap_alloc, bytes);
	KUNIT_EXPECT_EQ(test, ms1.mallocs - ms0.mallocs, 1);
	KUNIT_EXPECT_EQ(test, ms1.heap_objects - ms0.heap_objects, 1);
	KUNIT_EXPECT_GE(test, ms1.heap_sys - ms1.heap_released, ms1.heap_inuse);
	mheap_test_check_accounting(test, "large object live");

	KUNIT_EXPECT_EQ(test, goalloc_free(p), 0);
	goalloc_read_memstats(&ms2);
	KUNIT_EXPECT_EQ(test, ms2.heap_inuse, ms0.heap_inuse);
	KUNIT_EXPECT_EQ(test, ms2.heap_alloc, ms0.heap_alloc);
	KUNIT_EXPECT_EQ(test, ms2.frees - ms0.frees, 1);
	KUNIT_EXPECT_NULL(test, gk_span_of(p));
	KUNIT_EXPECT_NULL(test, gk_span_of(p + size - 1));
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), 0);
	mheap_test_check_accounting(test, "large object freed");
	gk_settle();
}

/* Requests above the largest object fail without touching the heap. */
static void goalloc_mheap_oversize_test(struct kunit *test)
{
	static const size_t sizes[] = {
		GOALLOC_MAX_OBJECT_SIZE + 1, GOALLOC_MAX_OBJECT_SIZE + GOALLOC_PAGE_SIZE,
		2 * GOALLOC_MAX_OBJECT_SIZE, SIZE_MAX / 2, SIZE_MAX,
	};
	struct goalloc_memstats ms0, ms1;
	struct mheap_snap hs0, hs1;
	unsigned int i;

	gk_settle();
	goalloc_read_memstats(&ms0);
	mheap_test_snap(&hs0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_EXPECT_NULL(test, goalloc_alloc(sizes[i], GFP_KERNEL));
		KUNIT_EXPECT_NULL(test, goalloc_alloc_noscan(sizes[i], GFP_KERNEL | __GFP_ZERO));
		KUNIT_EXPECT_NULL(test, goalloc_alloc(sizes[i], GFP_NOWAIT));
	}
	/* More than one arena can never be found, so growing cannot help. */
	KUNIT_EXPECT_EQ(test, goalloc_mheap_grow(GOALLOC_ARENA_PAGES + 1), -ENOMEM);
	goalloc_read_memstats(&ms1);
	mheap_test_snap(&hs1);
	KUNIT_EXPECT_EQ(test, ms1.mallocs, ms0.mallocs);
	KUNIT_EXPECT_EQ(test, ms1.heap_inuse, ms0.heap_inuse);
	KUNIT_EXPECT_EQ(test, ms1.heap_sys, ms0.heap_sys);
	KUNIT_EXPECT_EQ(test, hs1.owned, hs0.owned);
	KUNIT_EXPECT_EQ(test, hs1.free_pages, hs0.free_pages);
}

/*
 * __GFP_ZERO on large objects: the zeroing is skipped only for pages never
 * handed out, so a span reusing dirty pages must come back zeroed.
 */
static void goalloc_mheap_large_zero_test(struct kunit *test)
{
	size_t size = 300 << 10;
	u8 *p, *q;

	gk_settle();
	p = goalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	if (mheap_test_check_large(test, p, size))
		memset(p, 0xff, size);
	KUNIT_ASSERT_EQ(test, goalloc_free(p), 0);
	/* First fit puts the same run back at the same place. */
	q = goalloc_alloc(size, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	if (mheap_test_check_large(test, q, size)) {
		KUNIT_EXPECT_TRUE(test, gk_span_of(q)->needzero);
		KUNIT_EXPECT_NULL(test, memchr_inv(q, 0, size));
	}
	KUNIT_EXPECT_EQ(test, goalloc_free(q), 0);
	gk_settle();
}

/*
 * The per-CPU caches on the large path: a 64 KiB object freed on the CPU
 * that allocated it leaves its mspan in that CPU's mspan cache and its
 * pages in its page cache, and the next one of the same size gets both
 * back.  goalloc_drain() empties every CPU's caches into the heap.
 */
static void goalloc_mheap_large_cache_test(struct kunit *test)
{
	size_t size = 64 << 10;
	struct goalloc_heapcache *mc;
	struct goalloc_mspan *s;
	unsigned int n;
	void *p, *q;
	int cpu;

	gk_settle();
	/* Pinned: the caches used below are this CPU's. */
	migrate_disable();
	mc = &this_cpu_ptr(goalloc_allp)->heap;
	p = goalloc_alloc(size, GFP_NOWAIT);
	if (!p)
		p = goalloc_alloc(size, GFP_KERNEL);
	if (!p) {
		migrate_enable();
		KUNIT_FAIL(test, "64 KiB allocation failed");
		return;
	}
	s = gk_span_of(p);
	KUNIT_EXPECT_TRUE(test, mheap_test_check_large(test, p, size));
	KUNIT_EXPECT_EQ(test, goalloc_free(p), 0);
	n = READ_ONCE(mc->nspancache);
	KUNIT_EXPECT_GE(test, n, 1U);
	if (n)
		KUNIT_EXPECT_PTR_EQ(test, mc->spancache[n - 1], s);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->state), GOALLOC_MSPAN_DEAD);
	q = goalloc_alloc(size, GFP_NOWAIT);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	if (q) {
		KUNIT_EXPECT_PTR_EQ(test, gk_span_of(q), s);
		KUNIT_EXPECT_TRUE(test, mheap_test_check_large(test, q, size));
		KUNIT_EXPECT_EQ(test, READ_ONCE(mc->nspancache), n - 1);
		KUNIT_EXPECT_EQ(test, goalloc_free(q), 0);
	}
	migrate_enable();
	mheap_test_check_accounting(test, "after the pairs");

	goalloc_drain();
	for_each_possible_cpu(cpu) {
		mc = &per_cpu_ptr(goalloc_allp, cpu)->heap;
		KUNIT_EXPECT_EQ(test, mc->nspancache, 0U);
		KUNIT_EXPECT_EQ(test, mc->pcache.cache, 0ULL);
	}
	mheap_test_check_accounting(test, "drained");
	gk_settle();
}

#define COALESCE_PIECES	7	/* six to free in a hole-leaving order, one guard */
#define COALESCE_NPAGES	24	/* >= GOALLOC_PAGECACHE_MAX_NPAGES: straight from the heap */

/* The first fit for @npages pages must be at page @want. */
static void mheap_test_expect_fit(struct kunit *test, unsigned long npages,
				  unsigned long want, const char *when)
{
	unsigned long got = mheap_test_first_fit(npages);

	KUNIT_EXPECT_EQ_MSG(test, got, want, "%s: first fit of %lu pages", when, npages);
}

/* No run of @npages pages may start before @limit. */
static void mheap_test_expect_no_fit_before(struct kunit *test, unsigned long npages,
					    unsigned long limit, const char *when)
{
	unsigned long got = mheap_test_first_fit(npages);

	KUNIT_EXPECT_TRUE_MSG(test, got == GOALLOC_NO_PAGE || got >= limit,
			      "%s: %lu pages fit at %lu, below %lu", when, npages, got, limit);
}

/*
 * Adjacent large spans freed so that holes open and then close: the page
 * allocator's first fits show each hole and each merge, and at the end the
 * free page count and the largest free run are back where they started and
 * the whole run can be allocated again in place.
 */
static void goalloc_mheap_coalesce_test(struct kunit *test)
{
	const unsigned long k = COALESCE_NPAGES;
	void *piece[COALESCE_PIECES];
	struct mheap_snap hs0, hs1, hs2;
	unsigned long base, i;
	struct goalloc_mspan *s;
	bool adjacent = true;
	void *whole;

	/*
	 * One free run for all the pieces and nothing else free: give every
	 * free page back, then grow by one object the size of all pieces and
	 * free it, keeping the pages (the run) from the scavenger.
	 */
	gk_keep_pages(test);
	goalloc_release();
	whole = goalloc_alloc(PAGE_BYTES(COALESCE_PIECES * k), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, whole);
	KUNIT_ASSERT_EQ(test, goalloc_free(whole), 0);
	gk_settle();
	mheap_test_snap(&hs0);
	KUNIT_ASSERT_EQ(test, hs0.check, 0);

	for (i = 0; i < COALESCE_PIECES; i++) {
		piece[i] = goalloc_alloc(PAGE_BYTES(k), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, piece[i]);
	}
	base = gk_span_of(piece[0])->pageidx;
	for (i = 0; i < COALESCE_PIECES; i++) {
		s = gk_span_of(piece[i]);
		KUNIT_EXPECT_TRUE(test, mheap_test_check_large(test, piece[i], PAGE_BYTES(k)));
		if (s->pageidx != base + i * k)
			adjacent = false;
	}
	/* First fit on a quiet heap lays consecutive requests side by side. */
	if (!adjacent) {
		for (i = 0; i < COALESCE_PIECES; i++)
			goalloc_free(piece[i]);
		KUNIT_FAIL(test, "pieces not adjacent: another free run below the grown one?");
		return;
	}
	mheap_test_snap(&hs1);
	KUNIT_EXPECT_EQ(test, hs1.inuse, hs0.inuse + COALESCE_PIECES * k);
	KUNIT_EXPECT_EQ(test, hs1.free_pages + hs1.pcache + COALESCE_PIECES * k,
			hs0.free_pages + hs0.pcache + hs1.owned - hs0.owned);

	/* Holes at 1, 3 and 5, each k pages and not touching another. */
	for (i = 1; i < 6; i += 2)
		KUNIT_EXPECT_EQ(test, goalloc_free(piece[i]), 0);
	mheap_test_expect_fit(test, k, base + k, "holes 1 3 5");
	mheap_test_expect_no_fit_before(test, k + 1, base + COALESCE_PIECES * k,
					"holes 1 3 5");
	mheap_test_snap(&hs2);
	KUNIT_EXPECT_EQ(test, hs2.free_pages, hs1.free_pages + 3 * k);
	KUNIT_EXPECT_EQ(test, hs2.check, 0);

	/* Fill 2: holes 1..3 become one run of 3k pages. */
	KUNIT_EXPECT_EQ(test, goalloc_free(piece[2]), 0);
	mheap_test_expect_fit(test, 3 * k, base + k, "holes 1-3 5");
	mheap_test_expect_no_fit_before(test, 3 * k + 1, base + COALESCE_PIECES * k,
					"holes 1-3 5");

	/* Fill 4: 1..5. */
	KUNIT_EXPECT_EQ(test, goalloc_free(piece[4]), 0);
	mheap_test_expect_fit(test, 5 * k, base + k, "holes 1-5");
	mheap_test_expect_no_fit_before(test, 5 * k + 1, base + COALESCE_PIECES * k,
					"holes 1-5");

	/* Fill 0: 0..5, still bounded by the guard. */
	KUNIT_EXPECT_EQ(test, goalloc_free(piece[0]), 0);
	mheap_test_expect_fit(test, 6 * k, base, "holes 0-5");
	mheap_test_expect_no_fit_before(test, 6 * k + 1, base + COALESCE_PIECES * k,
					"holes 0-5");
	mheap_test_check_accounting(test, "guard only");

	/* The guard: everything merges back. */
	KUNIT_EXPECT_EQ(test, goalloc_free(piece[6]), 0);
	mheap_test_snap(&hs2);
	KUNIT_EXPECT_EQ(test, hs2.free_pages, hs1.free_pages + COALESCE_PIECES * k);
	KUNIT_EXPECT_EQ(test, hs2.inuse, hs0.inuse);
	KUNIT_EXPECT_EQ(test, hs2.owned, hs1.owned);
	if (hs1.owned == hs0.owned) {
		KUNIT_EXPECT_EQ(test, hs2.free_pages, hs0.free_pages);
		KUNIT_EXPECT_EQ(test, hs2.largest, hs0.largest);
	}
	KUNIT_EXPECT_EQ(test, hs2.check, 0);

	/* The combined run is allocatable again, in the same place. */
	whole = goalloc_alloc(PAGE_BYTES(COALESCE_PIECES * k), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, whole);
	KUNIT_EXPECT_PTR_EQ(test, whole, piece[0]);
	KUNIT_EXPECT_EQ(test, gk_span_of(whole)->pageidx, base);
	mheap_test_check_large(test, whole, PAGE_BYTES(COALESCE_PIECES * k));
	KUNIT_EXPECT_EQ(test, goalloc_free(whole), 0);
	mheap_test_snap(&hs2);
	KUNIT_EXPECT_EQ(test, hs2.inuse, hs0.inuse);
	gk_settle();
	mheap_test_check_accounting(test, "coalesce end");
}

/*
 * Whole-frame objects, one more than the frames the heap has pages in: the
 * heap grows, each object fills a frame of its own, and HeapSys and
 * HeapReleased follow Go's meaning (the tracked frames are the address
 * space, the pages not owned in them are released).
 */
static void goalloc_mheap_grow_test(struct kunit *test)
{
	struct goalloc_memstats ms0, ms1, ms2;
	struct mheap_snap hs0, hs1;
	unsigned int i, n;
	void **obj;

	gk_settle();
	/* The snapshots below must not see the scavenger between them. */
	gk_keep_pages(test);
	goalloc_read_memstats(&ms0);
	mheap_test_snap(&hs0);
	n = hs0.nr_chunks + 1;
	if (hs0.owned + (unsigned long)n * GOALLOC_ARENA_PAGES > READ_ONCE(goalloc_mheap.max_pages))
		kunit_skip(test, "no room under the cap for %u frames", n);
	obj = kunit_kcalloc(test, n, sizeof(*obj), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);

	for (i = 0; i < n; i++) {
		obj[i] = goalloc_alloc_noscan(GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL_MSG(test, obj[i], "object %u of %u", i, n);
		if (!obj[i])
			break;
		if (mheap_test_check_large(test, obj[i], GOALLOC_MAX_OBJECT_SIZE)) {
			/* A whole frame each: first and last byte are theirs. */
			*(u8 *)obj[i] = i;
			((u8 *)obj[i])[GOALLOC_MAX_OBJECT_SIZE - 1] = i;
			KUNIT_EXPECT_EQ(test, gk_span_of(obj[i])->pageidx %
					GOALLOC_ARENA_PAGES, 0);
		}
	}
	goalloc_read_memstats(&ms1);
	mheap_test_snap(&hs1);
	KUNIT_EXPECT_GT(test, hs1.owned, hs0.owned);
	KUNIT_EXPECT_GE(test, hs1.nr_chunks, (unsigned long)n);
	KUNIT_EXPECT_EQ(test, ms1.heap_sys, (u64)hs1.nr_chunks * GOALLOC_ARENA_BYTES -
			ms1.stack_sys);
	KUNIT_EXPECT_EQ(test, ms1.heap_released,
			(u64)(hs1.nr_chunks * GOALLOC_ARENA_PAGES - hs1.owned) << GOALLOC_PAGE_SHIFT);
	KUNIT_EXPECT_GE(test, ms1.heap_sys - ms1.heap_released, (u64)n * GOALLOC_ARENA_BYTES);
	KUNIT_EXPECT_EQ(test, ms1.heap_inuse - ms0.heap_inuse, (u64)n * GOALLOC_ARENA_BYTES);
	mheap_test_check_accounting(test, "grown");

	for (i = 0; i < n && obj[i]; i++) {
		KUNIT_EXPECT_EQ(test, *(u8 *)obj[i], (u8)i);
		KUNIT_EXPECT_EQ(test, ((u8 *)obj[i])[GOALLOC_MAX_OBJECT_SIZE - 1], (u8)i);
		KUNIT_EXPECT_EQ(test, goalloc_free(obj[i]), 0);
	}
	goalloc_read_memstats(&ms2);
	KUNIT_EXPECT_EQ(test, ms2.heap_inuse, ms0.heap_inuse);
	gk_settle();
	mheap_test_check_accounting(test, "grown and freed");
}

struct mheap_cap_ctx {
	unsigned long old_max;
	unsigned int n;
	void **obj;
};

/* Test exit, whichever way: free what is held and lift the cap again. */
static void mheap_test_cap_cleanup(void *data)
{
	struct mheap_cap_ctx *ctx = data;
	unsigned int i;

	for (i = 0; i < ctx->n; i++)
		goalloc_free(ctx->obj[i]);
	ctx->n = 0;
	gk_set_max_pages(ctx->old_max);
}

static unsigned long mheap_test_oom_kills(unsigned long *ev)
{
	all_vm_events(ev);
	return ev[OOM_KILL];
}

/*
 * At the cap, allocation fails cleanly: large and small requests come back
 * NULL once the heap owns what the cap allows and it is full, the kernel
 * loses no more memory than the cap allows, and lifting the cap makes the
 * same requests succeed again.
 */
static void goalloc_mheap_cap_test(struct kunit *test)
{
	const unsigned long obj_pages = MB >> GOALLOC_PAGE_SHIFT;	/* 1 MiB, 128 pages */
	struct mheap_cap_ctx *ctx;
	struct mheap_snap hs0, hs1;
	unsigned long avail0, avail1, oom0, *ev, cap;
	unsigned int i, max, small;
	void *p;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	ev = kunit_kcalloc(test, NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, ev);

	gk_settle();
	gk_keep_pages(test);
	mheap_test_snap(&hs0);
	/* Room for one more frame's worth of pages. */
	cap = hs0.owned + GOALLOC_ARENA_PAGES;
	ctx->old_max = READ_ONCE(goalloc_mheap.max_pages);
	if (cap > ctx->old_max)
		kunit_skip(test, "heap already at its cap");
	/* Enough 1 MiB slots for every page under the cap, and small objects. */
	max = cap / obj_pages + 4 + GOALLOC_ARENA_PAGES;
	ctx->obj = kunit_kcalloc(test, max, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->obj);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mheap_test_cap_cleanup, ctx), 0);

	oom0 = mheap_test_oom_kills(ev);
	avail0 = si_mem_available();
	gk_set_max_pages(cap);

	/* Large objects until the heap says no. */
	for (p = NULL; ctx->n < max; ctx->n++) {
		p = goalloc_alloc(obj_pages << GOALLOC_PAGE_SHIFT, GFP_KERNEL);
		if (!p)
			break;
		ctx->obj[ctx->n] = p;
		KUNIT_EXPECT_TRUE(test, mheap_test_check_large(test, p,
							       obj_pages << GOALLOC_PAGE_SHIFT));
	}
	KUNIT_ASSERT_NULL_MSG(test, p, "%u MiB allocated under a %lu-page cap", ctx->n, cap);
	mheap_test_snap(&hs1);
	/* NULL because another 1 MiB does not fit under the cap. */
	KUNIT_EXPECT_LE(test, hs1.owned, cap);
	KUNIT_EXPECT_GT(test, hs1.owned + obj_pages, cap);
	KUNIT_EXPECT_EQ(test, mheap_test_first_fit(obj_pages), GOALLOC_NO_PAGE);
	KUNIT_EXPECT_NULL(test, goalloc_alloc(obj_pages << GOALLOC_PAGE_SHIFT, GFP_NOWAIT));
	KUNIT_EXPECT_NULL(test, goalloc_alloc(GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL));
	mheap_test_check_accounting(test, "at the cap");

	/* Small objects use up what is left, then fail the same way. */
	for (small = 0, p = NULL; ctx->n < max; ctx->n++, small++) {
		p = goalloc_alloc(GOALLOC_PAGE_SIZE, GFP_KERNEL);
		if (!p)
			break;
		ctx->obj[ctx->n] = p;
	}
	KUNIT_ASSERT_NULL_MSG(test, p, "%u page-sized objects at the cap", small);
	KUNIT_EXPECT_NULL(test, goalloc_alloc(64, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_alloc_noscan(8, GFP_KERNEL));
	mheap_test_snap(&hs1);
	KUNIT_EXPECT_LE(test, hs1.owned, cap);
	/* What is left under the cap is less than the smallest growth. */
	KUNIT_EXPECT_GT(test, hs1.owned + 8, cap);

	avail1 = si_mem_available();
	KUNIT_EXPECT_EQ(test, mheap_test_oom_kills(ev), oom0);
	/* New pages only up to the cap (plus slack for metadata and noise). */
	KUNIT_EXPECT_LE(test, (long)(avail0 - avail1),
			(long)((((cap - hs0.owned) << GOALLOC_PAGE_SHIFT) + 16 * MB) >> PAGE_SHIFT));

	/* Lift the cap: the request that failed now succeeds. */
	mheap_test_cap_cleanup(ctx);
	gk_settle();
	ctx->n = 0;
	for (i = 0; i < cap / obj_pages + 1; i++) {
		p = goalloc_alloc(obj_pages << GOALLOC_PAGE_SHIFT, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "object %u with the cap lifted", i);
		ctx->obj[ctx->n++] = p;
	}
	mheap_test_snap(&hs1);
	KUNIT_EXPECT_GT(test, hs1.owned, cap);
	mheap_test_cap_cleanup(ctx);
	gk_settle();
	mheap_test_check_accounting(test, "cap lifted and freed");
}

/*
 * goalloc_release() gives every free page back: HeapReleased grows by what
 * it returns (less the frames forgotten, which leave HeapSys), no free page
 * is left, the pages are no lookup target any more, and the next
 * allocation grows the heap again.
 */
static void goalloc_mheap_release_test(struct kunit *test)
{
	struct goalloc_memstats ms0, ms1, ms2;
	struct mheap_snap hs0, hs1, hs2;
	unsigned long released, forgotten;
	void *a, *b;

	gk_settle();
	/* Only goalloc_release() may give pages back while this case counts. */
	gk_keep_pages(test);
	/* Make sure some pages are free. */
	a = goalloc_alloc(GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL);
	b = goalloc_alloc(GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, goalloc_free(a), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free(b), 0);
	flush_work(&goalloc_sweeper.bgsweep);

	goalloc_read_memstats(&ms0);
	mheap_test_snap(&hs0);
	released = goalloc_release();
	goalloc_read_memstats(&ms1);
	mheap_test_snap(&hs1);

	KUNIT_EXPECT_GE(test, released, 2 * GOALLOC_MAX_OBJECT_SIZE);
	KUNIT_EXPECT_EQ(test, released % GOALLOC_PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, hs0.owned - hs1.owned, released >> GOALLOC_PAGE_SHIFT);
	forgotten = hs0.nr_chunks - hs1.nr_chunks;
	KUNIT_EXPECT_GE(test, forgotten, 2UL);
	KUNIT_EXPECT_EQ(test, ms0.heap_sys - ms1.heap_sys, (u64)forgotten * GOALLOC_ARENA_BYTES);
	KUNIT_EXPECT_EQ(test, ms1.heap_released + (u64)forgotten * GOALLOC_ARENA_BYTES -
			ms0.heap_released, (u64)released);
	KUNIT_EXPECT_EQ(test, ms1.heap_inuse, ms0.heap_inuse);
	KUNIT_EXPECT_EQ(test, hs1.free_pages, 0);
	KUNIT_EXPECT_EQ(test, hs1.pcache, 0);
	mheap_test_check_accounting(test, "released");
	/* Released pages are not lookup targets any more. */
	KUNIT_EXPECT_NULL(test, gk_span_of(a));

	/* No page is free, so a whole-frame object must grow the heap. */
	a = goalloc_alloc(GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	goalloc_read_memstats(&ms2);
	mheap_test_snap(&hs2);
	KUNIT_EXPECT_EQ(test, hs2.owned - hs1.owned, (unsigned long)GOALLOC_ARENA_PAGES);
	KUNIT_EXPECT_EQ(test, hs2.nr_chunks - hs1.nr_chunks, 1UL);
	KUNIT_EXPECT_EQ(test, ms2.heap_sys - ms1.heap_sys, (u64)GOALLOC_ARENA_BYTES);
	KUNIT_EXPECT_EQ(test, ms2.heap_released, ms1.heap_released);
	if (mheap_test_check_large(test, a, GOALLOC_MAX_OBJECT_SIZE))
		memset(a, 0x11, GOALLOC_MAX_OBJECT_SIZE);
	mheap_test_check_accounting(test, "regrown");
	KUNIT_EXPECT_EQ(test, goalloc_free(a), 0);
	gk_settle();
}

/*
 * Pages come from the kernel unzeroed unless the kernel zeroes pages itself
 * (init_on_alloc): a fresh span needs zeroing exactly then, and
 * __GFP_ZERO must still return zeroes.  After a cycle the background
 * scavenger, by itself, gives free pages back until the heap retains its
 * goal (within a page), and no further.
 */
static void goalloc_mheap_scavenge_wait_test(struct kunit *test)
{
	const size_t size = GOALLOC_MAX_OBJECT_SIZE;	/* one whole frame */
	unsigned long owned1, waited;
	struct mheap_snap hs;
	u64 goal, retained;
	void *obj[3];
	int i;

	gk_settle();
	goalloc_release();
	for (i = 0; i < ARRAY_SIZE(obj); i++) {
		obj[i] = goalloc_alloc(size, GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, obj[i]);
		if (!mheap_test_check_large(test, obj[i], size))
			continue;
		/* Fresh pages: no free page was left after the release. */
		KUNIT_EXPECT_EQ(test, gk_span_of(obj[i])->needzero,
				!want_init_on_alloc(GFP_KERNEL));
		KUNIT_EXPECT_NULL(test, memchr_inv(obj[i], 0, size));
		memset(obj[i], 0x5a, size);
	}
	for (i = 0; i < ARRAY_SIZE(obj); i++)
		KUNIT_EXPECT_EQ(test, goalloc_free(obj[i]), 0);
	flush_work(&goalloc_sweeper.bgsweep);
	owned1 = gk_owned_pages();

	/* The cycle wakes the scavenger; nothing else is called. */
	goalloc_sweep_cycle(true);
	goal = goalloc_pacer_scavenge_goal();
	KUNIT_ASSERT_LT(test, goal, (u64)owned1 << GOALLOC_PAGE_SHIFT);
	for (waited = 0; waited < 20000; waited += 50) {
		retained = goalloc_mheap_retained();
		if (retained <= goal + GOALLOC_PAGE_SIZE)
			break;
		msleep(50);
	}
	mheap_test_snap(&hs);
	kunit_info(test, "retained %llu KiB after %lu ms, goal %llu KiB, %lu pages owned before\n",
		   retained >> 10, waited, goal >> 10, owned1);
	/* Down to the goal, unless only pages in use are left. */
	KUNIT_EXPECT_TRUE_MSG(test, retained <= goal + GOALLOC_PAGE_SIZE || !hs.free_pages,
			      "retained %llu, goal %llu, %lu pages free", retained, goal,
			      hs.free_pages);
	/* And no further. */
	KUNIT_EXPECT_GE(test, retained + GOALLOC_PAGE_SIZE, min(goal, (u64)owned1 << GOALLOC_PAGE_SHIFT));
	mheap_test_check_accounting(test, "after the paced scavenge");
	goalloc_release();
	gk_settle();
}

/* The accounting invariant with objects of every tier live, and after. */
static void goalloc_mheap_accounting_test(struct kunit *test)
{
	static const struct {
		size_t size;
		bool noscan;
		unsigned int count;
	} mix[] = {
		{ 8, true, 200 }, { 64, false, 300 }, { 1024, false, 100 },
		{ 8192, false, 20 }, { 24 << 10, false, 5 }, { 100 << 10, false, 3 },
		{ 1 << 20, false, 2 }, { 33 << 10, true, 4 },
	};
	struct mheap_snap hs0, hs1;
	unsigned int i, j, n = 0, total = 0;
	void **obj;

	for (i = 0; i < ARRAY_SIZE(mix); i++)
		total += mix[i].count;
	obj = kunit_kcalloc(test, total, sizeof(*obj), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);

	gk_settle();
	mheap_test_check_accounting(test, "quiet");
	mheap_test_snap(&hs0);
	/* Draining flushed every page cache. */
	KUNIT_EXPECT_EQ(test, hs0.pcache, 0);

	for (i = 0; i < ARRAY_SIZE(mix); i++) {
		for (j = 0; j < mix[i].count; j++) {
			obj[n] = gk_goalloc(mix[i].size, GFP_KERNEL, mix[i].noscan);
			KUNIT_ASSERT_NOT_NULL(test, obj[n]);
			n++;
		}
	}
	mheap_test_snap(&hs1);
	KUNIT_EXPECT_GT(test, hs1.inuse, hs0.inuse);
	mheap_test_check_accounting(test, "mixed objects live");

	for (i = 0; i < n; i += 2)
		KUNIT_EXPECT_EQ(test, goalloc_free(obj[i]), 0);
	mheap_test_check_accounting(test, "half freed");
	goalloc_gc();
	mheap_test_check_accounting(test, "half freed, swept");
	for (i = 1; i < n; i += 2)
		KUNIT_EXPECT_EQ(test, goalloc_free(obj[i]), 0);
	mheap_test_check_accounting(test, "all freed, unswept");
	gk_settle();
	mheap_test_snap(&hs1);
	KUNIT_EXPECT_EQ(test, hs1.inuse, hs0.inuse);
	KUNIT_EXPECT_EQ(test, hs1.pcache, 0);
	mheap_test_check_accounting(test, "all freed, swept");
}

/*
 * A span never crosses from one chunk slot into the next: the two arenas
 * are unrelated 4 MiB blocks.  Set up the case where the page allocator's
 * first fit straddles them: the tail of one chunk free and the next chunk
 * entirely free, then ask for more pages than the tail has.
 */
static void goalloc_mheap_no_cross_arena_test(struct kunit *test)
{
	const size_t head = 1 << 20;	/* 128 pages: leaves a 384-page tail */
	struct goalloc_mspan *sa, *sb;
	void *a, *b, *c, *d;
	unsigned long ca;

	gk_settle();
	/* Back to released slots only, so a and b land in slot order. */
	goalloc_release();
	a = goalloc_alloc(GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL);
	b = goalloc_alloc(GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	/* Let the sweeper the two allocations may have started finish now. */
	flush_work(&goalloc_sweeper.bgsweep);
	sa = gk_span_of(a);
	sb = gk_span_of(b);
	ca = sa->pageidx / GOALLOC_ARENA_PAGES;
	if (sb->pageidx != (ca + 1) * GOALLOC_ARENA_PAGES) {
		goalloc_free(a);
		goalloc_free(b);
		kunit_skip(test, "no two adjacent chunk slots (%lu, %lu)", sa->pageidx,
			   sb->pageidx);
	}
	/* Chunk ca: 1 MiB in use at its start; chunk ca + 1: entirely free. */
	KUNIT_EXPECT_EQ(test, goalloc_free(a), 0);
	c = goalloc_alloc(head, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, gk_span_of(c)->pageidx, ca * GOALLOC_ARENA_PAGES);
	KUNIT_EXPECT_EQ(test, goalloc_free(b), 0);

	d = goalloc_alloc(GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, d);
	if (d && mheap_test_check_large(test, d, GOALLOC_MAX_OBJECT_SIZE)) {
		memset(d, 0x77, GOALLOC_MAX_OBJECT_SIZE);
		KUNIT_EXPECT_PTR_NE(test, gk_span_of(d)->arena, gk_span_of(c)->arena);
	}
	mheap_test_check_accounting(test, "after the straddling request");
	if (d)
		KUNIT_EXPECT_EQ(test, goalloc_free(d), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free(c), 0);
	gk_settle();
	mheap_test_check_accounting(test, "no-cross end");
}

/*
 * Memory goes back to the kernel by itself, measured by the kernel's own
 * counter: 128 MiB in mixed classes (tiny to large), all freed, and then no
 * call at all -- the idle check starts a sweep cycle and the scavenger gives
 * the free pages back, paced.  Bound: MemFree within 16 MiB of where it
 * started (the scavenger's goal for an empty heap is 4.4 MiB; each CPU's
 * mcache and page cache may keep about 1.5 MiB more), within 60 s.
 */
#define RETURN_BYTES	(128UL << 20)
#define RETURN_SLACK	(16UL << 20)
#define RETURN_WAIT_MS	60000

static void goalloc_mheap_returns_memory_test(struct kunit *test)
{
	static const u32 sizes[] = { 8, 24, 48, 64, 112, 256, 576, 1024, 2688, 4096,
				     9472, 13568, 27264, 32768, 40960, 65536, 262144 };
	unsigned long free0, free1, free2, bytes = 0, waited;
	struct gk_objset *os;
	struct sysinfo si;
	unsigned int i;

	gk_quiesce(test);
	goalloc_release();
	os = gk_objset_new(test, 64 * 1024);
	si_meminfo(&si);
	free0 = si.freeram << PAGE_SHIFT;
	for (i = 0; bytes < RETURN_BYTES; i++) {
		u32 size = sizes[i % ARRAY_SIZE(sizes)];

		KUNIT_ASSERT_NOT_NULL(test, gk_alloc(os, size, GFP_KERNEL, !(i % 3)));
		bytes += size;
	}
	si_meminfo(&si);
	free1 = si.freeram << PAGE_SHIFT;
	KUNIT_EXPECT_GE_MSG(test, free0 - min(free0, free1), RETURN_BYTES,
			    "MemFree fell by %lu KiB only", (free0 - min(free0, free1)) >> 10);
	gk_free_all(test, os);
	/* No goalloc_gc(), goalloc_drain() or goalloc_release() from here on. */
	for (waited = 0; waited < RETURN_WAIT_MS; waited += 100) {
		si_meminfo(&si);
		free2 = si.freeram << PAGE_SHIFT;
		if (free2 + RETURN_SLACK >= free0)
			break;
		msleep(100);
	}
	kunit_info(test, "MemFree %lu MiB before, %lu MiB at the peak, %lu MiB %lu ms after the frees\n",
		   free0 >> 20, free1 >> 20, free2 >> 20, waited);
	KUNIT_EXPECT_GE_MSG(test, free2 + RETURN_SLACK, free0,
			    "%lu KiB still held after %lu ms", (free0 - free2) >> 10, waited);
}

/*
 * Freed objects of one class make room for another before the heap grows:
 * 2 MiB of 1 KiB objects, all freed, then 2 MiB of 2 KiB objects.  No
 * pacer cycle can start (a huge GOGC) and a class's refill sweeps only its
 * own spans, so only the empty spans going back before growth
 * (goalloc_mcentral_free_empty(), goalloc_mcache_release_idle()) keep the
 * second round from owning twice the pages (512 with that step disabled).
 * Slack: per CPU, a page cache (64 pages another CPU cannot use) and the
 * spans its mcache keeps; and one growth (1/16 of the heap).
 */
#define REUSE_BYTES	(2UL << 20)

static void goalloc_mheap_reuse_before_grow_test(struct kunit *test)
{
	static const u32 sizes[] = { 1024, 2048 };
	unsigned long owned[2], slack;
	struct gk_objset *os;
	unsigned int i, round;

	gk_quiesce(test);
	/* From an empty heap, so the first round grows it. */
	goalloc_release();
	gk_keep_pages(test);
	os = gk_objset_new(test, REUSE_BYTES / sizes[0]);
	slack = num_online_cpus() * (GOALLOC_PAGE_CACHE_PAGES + 2) +
		REUSE_BYTES / GOALLOC_PAGE_SIZE / 16;
	for (round = 0; round < 2; round++) {
		os->n = 0;
		for (i = 0; i < REUSE_BYTES / sizes[round]; i++) {
			u32 *p = gk_alloc(os, sizes[round], GFP_KERNEL, true);

			KUNIT_ASSERT_NOT_NULL(test, p);
			p[0] = round;
		}
		owned[round] = gk_owned_pages();
		gk_free_all(test, os);
	}
	kunit_info(test, "owned %lu pages after 2 MiB of 1 KiB objects, %lu after 2 MiB of 2 KiB more\n",
		   owned[0], owned[1]);
	KUNIT_EXPECT_LE(test, owned[1], owned[0] + slack);
	gk_settle();
}

static void mheap_restore_limit(void *ctx)
{
	WRITE_ONCE(goalloc_memory_limit_mb, (unsigned long)ctx);
}

/*
 * Go 1.19's pacer, by the numbers: the heap goal is GOGC over the live
 * heap, at least heapMinimum scaled by GOGC; the trigger sits 95% of the
 * way from the live heap to the goal (or 4 MiB short of the goal, if
 * later); a memory limit lowers the goal to what fits under it, and the
 * scavenger keeps 10% over the goal, or 95% of the limit.
 */
static void goalloc_mheap_pacer_test(struct kunit *test)
{
	const struct goalloc_pacer_input none = { };
	struct goalloc_pacer_input in = { };
	unsigned int gogc = READ_ONCE(goalloc_gogc);
	u64 mt;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gk_restore_gogc,
							(void *)(unsigned long)gogc), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, mheap_restore_limit,
			(void *)READ_ONCE(goalloc_memory_limit_mb)), 0);
	WRITE_ONCE(goalloc_memory_limit_mb, 0);

	WRITE_ONCE(goalloc_gogc, 100);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(0, &none, &mt), 4 * MB);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(3 * MB, &none, &mt), 6 * MB);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(100 * MB, &none, &mt), 200 * MB);
	/* heapMinimum scales with GOGC. */
	WRITE_ONCE(goalloc_gogc, 50);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(0, &none, &mt), 2 * MB);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(10 * MB, &none, &mt), 15 * MB);
	WRITE_ONCE(goalloc_gogc, 100);

	/* The trigger: 95% of the way, or 4 MiB before the goal if later. */
	KUNIT_EXPECT_EQ(test, goalloc_pacer_trigger(0, 4 * MB, MB), 4 * MB / 100 * 95);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_trigger(100 * MB, 200 * MB, MB), 196 * MB);
	KUNIT_EXPECT_LT(test, goalloc_pacer_trigger(3 * MB, 6 * MB, MB), 6 * MB);
	KUNIT_EXPECT_GE(test, goalloc_pacer_trigger(3 * MB, 6 * MB, MB), 3 * MB + 3 * MB / 100 * 70);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_trigger(8 * MB, 8 * MB, MB), 8 * MB);

	/*
	 * Go's sweep distance: with 9 MiB of heap_live after the sweep (cached
	 * free slots, fragmentation) over 4 MiB live, goal and trigger stay
	 * 1 MiB above heap_live, so a cycle does not follow every refill.
	 */
	in.live = 4 * MB;
	in.heap_live = 9 * MB;
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(in.live, &in, &mt), 10 * MB);
	KUNIT_EXPECT_EQ(test, mt, 10 * MB);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_trigger(in.live, 10 * MB, mt), 10 * MB);
	in.heap_live = 0;

	/* A 64 MiB limit: 40 MiB live, 50 held, 5 free: 5 MiB not heap. */
	WRITE_ONCE(goalloc_memory_limit_mb, 64);
	in.live = 40 * MB;
	in.mapped = 50 * MB;
	in.heap_free = 5 * MB;
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(in.live, &in, &mt), 64 * MB - 5 * MB - MB);
	/* Below the limit's goal GOGC's still rules. */
	in.live = 10 * MB;
	in.mapped = 20 * MB;
	in.heap_free = 5 * MB;
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(in.live, &in, &mt), 20 * MB);
	/* Over the limit: never below the live heap. */
	in.live = 70 * MB;
	in.mapped = 80 * MB;
	in.heap_free = 0;
	KUNIT_EXPECT_EQ(test, goalloc_pacer_heap_goal(in.live, &in, &mt), 70 * MB);

	/* The scavenger's goal follows the current cycle's heap goal. */
	WRITE_ONCE(goalloc_memory_limit_mb, 0);
	goalloc_gc();
	KUNIT_EXPECT_EQ(test, goalloc_pacer_scavenge_goal(),
			READ_ONCE(goalloc_pacer.goal) + READ_ONCE(goalloc_pacer.goal) / 10);
	KUNIT_EXPECT_LT(test, READ_ONCE(goalloc_pacer.trigger), READ_ONCE(goalloc_pacer.goal));
	WRITE_ONCE(goalloc_memory_limit_mb, 4);
	KUNIT_EXPECT_EQ(test, goalloc_pacer_scavenge_goal(), 4 * MB * 95 / 100);
}

static struct kunit_case goalloc_mheap_cases[] = {
	KUNIT_CASE_PARAM(goalloc_mheap_large_test, mheap_test_large_gen_params),
	KUNIT_CASE(goalloc_mheap_oversize_test),
	KUNIT_CASE(goalloc_mheap_large_zero_test),
	KUNIT_CASE(goalloc_mheap_large_cache_test),
	KUNIT_CASE(goalloc_mheap_coalesce_test),
	KUNIT_CASE(goalloc_mheap_grow_test),
	KUNIT_CASE(goalloc_mheap_cap_test),
	KUNIT_CASE(goalloc_mheap_release_test),
	KUNIT_CASE(goalloc_mheap_scavenge_wait_test),
	KUNIT_CASE(goalloc_mheap_accounting_test),
	KUNIT_CASE(goalloc_mheap_no_cross_arena_test),
	KUNIT_CASE(goalloc_mheap_pacer_test),
	KUNIT_CASE(goalloc_mheap_reuse_before_grow_test),
	KUNIT_CASE_SLOW(goalloc_mheap_returns_memory_test),
	{}
};

static struct kunit_suite goalloc_mheap_suite = {
	.name = "goalloc_mheap",
	.test_cases = goalloc_mheap_cases,
};

kunit_test_suite(goalloc_mheap_suite);
