// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for goalloc's malloc API: every size class end to end, bad
 * frees refused without side effects, allocation and cross-CPU frees from
 * every CPU at once with exact statistics afterwards, bounded memory under
 * endless churn without an explicit sweep, and span and tiny-block counts
 * equal to what Go's allocator would use for the same sequence.
 *
 * As in mcache_test.c, pinned sections use EXPECT + goto instead of ASSERT,
 * and each case records its objects in a set (goalloc_kunit.h) whose
 * deferred action frees them and runs goalloc_gc(), so the shared heap is
 * empty between cases.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include <goalloc.h>
#include "goalloc/malloc.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/tiny.h"
#include "goalloc/mheap.h"
#include "goalloc/proc.h"
#include "goalloc/stats.h"

#include "goalloc_kunit.h"

static bool ml_is_tiny(size_t size, bool noscan)
{
	return noscan && size < GOALLOC_TINY_SIZE;
}

/* Heap bytes an object takes by Go's accounting (tiny objects excepted). */
static u64 ml_slot_bytes(size_t size)
{
	if (size > GOALLOC_MAX_SMALL_SIZE)
		return round_up((u64)size, GOALLOC_PAGE_SIZE);
	return goalloc_class_to_size[gk_class_of(size)];
}

/*
 * In-use heap pages counted from the arenas' span tables, independently of
 * the mheap's pages_inuse counter.  Also checks every page of a span maps to
 * it.  Return: pages of in-use (heap) spans; *@nspans gets how many spans.
 */
static unsigned long ml_walk_inuse(struct kunit *test, unsigned long *nspans)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned long pages = 0, n = 0, bad = 0;
	u32 i, p, k;

	spin_lock_irq(&h->lock);
	for (i = 0; i < h->nchunks; i++) {
		struct goalloc_heap_arena *a = h->arenas[i];

		if (!a || !a->base)
			continue;
		for (p = 0; p < GOALLOC_ARENA_PAGES; ) {
			struct goalloc_mspan *s = a->spans[p];

			if (!s) {
				p++;
				continue;
			}
			if (s->pageidx % GOALLOC_ARENA_PAGES != p || s->arena != a ||
			    p + s->npages > GOALLOC_ARENA_PAGES) {
				bad++;
				p++;
				continue;
			}
			for (k = 1; k < s->npages; k++)
				bad += a->spans[p + k] != s;
			if (s->state == GOALLOC_MSPAN_IN_USE) {
				pages += s->npages;
				n++;
			}
			p += s->npages;
		}
	}
	spin_unlock_irq(&h->lock);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0UL, "inconsistent span table entries");
	*nspans = n;
	return pages;
}

/* Every small size class, scan and noscan, through the whole API. */
static const u8 ml_classes[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
	18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
	34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
	50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65,
	66, 67,
};
static_assert(ARRAY_SIZE(ml_classes) == GOALLOC_NUM_SIZE_CLASSES - 1);

static void ml_class_desc(const u8 *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "class_%u_%u", *c, goalloc_class_to_size[*c]);
}

KUNIT_ARRAY_PARAM(ml_class, ml_classes, ml_class_desc);

static u8 ml_pattern(unsigned int c, unsigned int i)
{
	return (u8)(c * 37 + i * 11 + 1);
}

static void goalloc_malloc_class_test(struct kunit *test)
{
	u8 c = *(const u8 *)test->param_value;
	u32 csize = goalloc_class_to_size[c];
	u32 minsize = goalloc_class_to_size[c - 1] + 1;
	unsigned int n = goalloc_class_to_nobjs[c] + 2, i, pass;
	struct goalloc_class_stats *b0, *b1;
	struct gk_objset *os;

	b0 = gk_bysize_new(test, 2);
	b1 = b0 + GOALLOC_NUM_SIZE_CLASSES;
	os = gk_objset_new(test, n);

	for (pass = 0; pass < 2; pass++) {
		bool noscan = pass;
		unsigned int nsmall = 0;
		struct goalloc_memstats ms0, ms1;

		goalloc_read_memstats(&ms0);
		goalloc_stats_by_size(b0);
		os->n = 0;
		/* Both ends of the class, enough objects for a second span. */
		for (i = 0; i < n; i++) {
			u32 size = i & 1 ? csize : minsize;
			u8 *p = gk_alloc(os, size, GFP_KERNEL, noscan);
			struct goalloc_mspan *s;

			KUNIT_ASSERT_NOT_NULL(test, p);
			memset(p, ml_pattern(c, i), size);
			if (ml_is_tiny(size, noscan)) {
				/*
				 * Exactly its size (the rest of the block goes to
				 * other tiny objects), or the whole 16 B slot of a
				 * block kept as a plain object.
				 */
				size_t u = goalloc_usable_size(p);

				KUNIT_EXPECT_TRUE_MSG(test, u == size || u == GOALLOC_TINY_SIZE,
						      "usable size %zu of a %u B tiny object", u, size);
				continue;
			}
			nsmall++;
			s = gk_span_of(p);
			KUNIT_ASSERT_NOT_NULL(test, s);
			KUNIT_EXPECT_EQ(test, s->spanclass, goalloc_make_spanclass(c, pass));
			KUNIT_EXPECT_EQ(test, ((unsigned long)p - s->base) % csize, 0UL);
			KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), (size_t)csize);
			if (size > 1)
				KUNIT_EXPECT_EQ(test, goalloc_usable_size(p + size - 1), 0);
		}
		/* Overlapping objects would have overwritten each other. */
		for (i = 0; i < n; i++) {
			u32 size = os->o[i].size;

			KUNIT_EXPECT_NULL_MSG(test, memchr_inv(os->o[i].p, ml_pattern(c, i), size),
					      "%s object %u of %u bytes", pass ? "noscan" : "scan",
					      i, size);
		}
		goalloc_read_memstats(&ms1);
		KUNIT_EXPECT_EQ(test, ms1.mallocs - ms0.mallocs, (u64)n);
		gk_free_all(test, os);
		goalloc_stats_by_size(b1);
		/* Tiny blocks also count in class 2; they die at the next drain. */
		if (nsmall == n) {
			KUNIT_EXPECT_EQ(test, b1[c].nmalloc - b0[c].nmalloc, (u64)nsmall);
			KUNIT_EXPECT_EQ(test, b1[c].nfree - b0[c].nfree, (u64)nsmall);
		}
		goalloc_gc();
		goalloc_read_memstats(&ms1);
		KUNIT_EXPECT_EQ(test, ms1.heap_alloc, ms0.heap_alloc);
		KUNIT_EXPECT_EQ(test, ms1.mallocs - ms1.frees, ms0.mallocs - ms0.frees);
	}
	goalloc_gc();
}

/* Edges of the API: zero size, oversize, refused gfp bits, the largest object. */
static void goalloc_malloc_api_edges_test(struct kunit *test)
{
	struct gk_objset *os = gk_objset_new(test, 4);
	u8 *p;

	KUNIT_EXPECT_PTR_EQ(test, goalloc_alloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, goalloc_alloc_noscan(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_NULL(test, goalloc_alloc(GOALLOC_MAX_OBJECT_SIZE + 1, GFP_KERNEL));
	/* goalloc's memory is ZONE_NORMAL and it cannot promise not to fail. */
	KUNIT_EXPECT_NULL(test, goalloc_alloc(64, GFP_KERNEL | __GFP_DMA));
	KUNIT_EXPECT_NULL(test, goalloc_alloc_noscan(8, GFP_KERNEL | __GFP_HIGHMEM));
	KUNIT_EXPECT_NULL(test, goalloc_alloc(64 << 10, GFP_KERNEL | __GFP_NOFAIL));
	KUNIT_EXPECT_EQ(test, goalloc_free(NULL), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free(ZERO_SIZE_PTR), 0);

	gk_quiesce(test);
	p = gk_alloc(os, GOALLOC_MAX_OBJECT_SIZE, GFP_KERNEL | __GFP_ZERO, false);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), GOALLOC_MAX_OBJECT_SIZE);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, GOALLOC_MAX_OBJECT_SIZE));
	p[GOALLOC_MAX_OBJECT_SIZE - 1] = 1;
	p = gk_alloc(os, GOALLOC_MAX_SMALL_SIZE + 1, GFP_KERNEL, false);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(p), (size_t)5 * GOALLOC_PAGE_SIZE);
	gk_free_all_gc(test, os);
}

/*
 * Arenas are separate 4 MiB blocks, not one address range as in Go, so a
 * span must never run past the end of its arena.  17-page objects leave
 * 2 pages at the end of every arena that a first-fit run would straddle.
 * The objects are not written: a straddling one would reach past its block.
 */
static void goalloc_malloc_large_in_one_arena_test(struct kunit *test)
{
	const size_t size = 17 * GOALLOC_PAGE_SIZE - 100;
	struct gk_objset *os = gk_objset_new(test, 64);
	unsigned int i, bad = 0;

	gk_quiesce(test);
	for (i = 0; i < os->cap; i++) {
		u8 *p = gk_alloc(os, size, GFP_KERNEL, false);
		struct goalloc_mspan *s;

		KUNIT_ASSERT_NOT_NULL(test, p);
		s = gk_span_of(p);
		KUNIT_ASSERT_NOT_NULL(test, s);
		if (!gk_span_in_one_arena(s) || gk_span_of(p + size - 1) != s) {
			if (!bad++)
				KUNIT_FAIL(test, "object %u: span at page %lu of %u pages crosses an arena end",
					   i, s->pageidx, s->npages);
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "objects straddling two arenas");
	gk_free_all_gc(test, os);
}

/*
 * A refill that needs a multi-page span in a heap whose free runs are all
 * shorter must grow the heap (or fail at the cap), not retry forever.  The
 * heap is capped at its current arenas, filled with 1-page spans, then
 * every 7-page stretch gets a 5-page hole; a 7-page span class must now
 * come from one more arena.  The allocation runs in a helper thread so a
 * livelock is reported (and then broken by freeing the filler) instead of
 * hanging the suite.
 */
struct ml_probe {
	size_t size;
	void *p;
	struct completion done;
};

static int ml_probe_fn(void *arg)
{
	struct ml_probe *pr = arg;

	pr->p = goalloc_alloc(pr->size, GFP_KERNEL);
	complete(&pr->done);
	gk_wait_for_stop();
	return 0;
}

static void ml_restore_cap(void *ctx)
{
	gk_set_max_pages((unsigned long)ctx);
}

static unsigned long ml_largest_free(void)
{
	unsigned long n;

	spin_lock_irq(&goalloc_mheap.lock);
	n = goalloc_pagealloc_largest_free(&goalloc_mheap.pages);
	spin_unlock_irq(&goalloc_mheap.lock);
	return n;
}

static void goalloc_malloc_refill_grows_for_span_test(struct kunit *test)
{
	const size_t fill = 4096, big = 14000;
	unsigned long cap0 = READ_ONCE(goalloc_mheap.max_pages), owned, grown;
	struct task_struct *task;
	struct gk_objset *os;
	struct ml_probe *pr;
	unsigned long lf;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, goalloc_class_to_allocnpages[gk_class_of(fill)], 1);
	KUNIT_ASSERT_EQ(test, goalloc_class_to_allocnpages[gk_class_of(big)], 7);
	pr = kunit_kzalloc(test, sizeof(*pr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pr);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ml_restore_cap,
							(void *)(unsigned long)cap0), 0);
	gk_quiesce(test);
	gk_keep_pages(test);
	/* A heap of a few frames' pages, then no growth. */
	owned = max(gk_owned_pages(), 4UL * GOALLOC_ARENA_PAGES);
	if (owned + 8 >= cap0)
		kunit_skip(test, "heap already at its cap");
	os = gk_objset_new(test, owned * 2 + 64);
	gk_set_max_pages(owned);

	/* Fill every page with 1-page spans (one CPU: one page cache). */
	migrate_disable();
	while (gk_alloc(os, fill, GFP_KERNEL, false))
		;
	migrate_enable();
	KUNIT_ASSERT_LT(test, os->n, os->cap);
	KUNIT_ASSERT_EQ(test, ml_largest_free(), 0UL);
	for (i = 0; i < os->n; i++) {
		struct goalloc_mspan *s = gk_span_of(os->o[i].p);

		KUNIT_ASSERT_NOT_NULL(test, s);
		if (s->pageidx % GOALLOC_ARENA_PAGES % 7 < 5)
			KUNIT_ASSERT_EQ(test, gk_free(os, i), 0);
	}
	goalloc_gc();
	lf = ml_largest_free();
	KUNIT_ASSERT_GE(test, lf, 1UL);
	KUNIT_ASSERT_LT(test, lf, 7UL);

	owned = gk_owned_pages();
	/* Room for one growth of 8 pages: the 7-page span must come from it. */
	gk_set_max_pages(owned + 8);
	pr->size = big;
	init_completion(&pr->done);
	task = kthread_run(ml_probe_fn, pr, "goalloc_probe");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	if (!wait_for_completion_timeout(&pr->done, msecs_to_jiffies(10000))) {
		KUNIT_FAIL(test, "goalloc_alloc(%zu) still running after 10 s; largest free run %lu pages",
			   big, lf);
		/* Give it room, so the thread can finish. */
		gk_free_all_gc(test, os);
		wait_for_completion(&pr->done);
		/* A spinning allocator leaves RCU-freed metadata behind. */
		rcu_barrier();
	}
	kthread_stop(task);
	grown = gk_owned_pages();
	KUNIT_EXPECT_NOT_NULL(test, pr->p);
	KUNIT_EXPECT_EQ(test, grown, owned + 8);
	if (pr->p)
		KUNIT_EXPECT_EQ(test, goalloc_free(pr->p), 0);
	gk_free_all_gc(test, os);
}

/* Bad frees: refused, counted, and without any effect on stats or objects. */
struct ml_snap {
	struct goalloc_memstats ms;
	struct goalloc_class_stats bysize[GOALLOC_NUM_SIZE_CLASSES];
	unsigned long pages_inuse;
};

static void ml_take_snap(struct ml_snap *s)
{
	goalloc_read_memstats(&s->ms);
	goalloc_stats_by_size(s->bysize);
	spin_lock_irq(&goalloc_mheap.lock);
	s->pages_inuse = goalloc_mheap.pages_inuse;
	spin_unlock_irq(&goalloc_mheap.lock);
}

static struct ml_snap *ml_bad_free_setup(struct kunit *test)
{
	struct ml_snap *s = kunit_kcalloc(test, 2, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	gk_quiet_bad_frees(test);
	return s;
}

/* One refused free: @err returned, counted once, nothing else moved. */
static void ml_expect_bad_free(struct kunit *test, struct ml_snap *s, const void *p,
			       int err, const char *what)
{
	long before = atomic_long_read(&goalloc_bad_frees);
	struct ml_snap *a = &s[0], *b = &s[1];

	ml_take_snap(a);
	KUNIT_EXPECT_EQ_MSG(test, goalloc_free(p), err, "%s", what);
	ml_take_snap(b);
	KUNIT_EXPECT_EQ_MSG(test, atomic_long_read(&goalloc_bad_frees), before + 1, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->ms.mallocs, a->ms.mallocs, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->ms.frees, a->ms.frees, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->ms.heap_alloc, a->ms.heap_alloc, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->ms.heap_inuse, a->ms.heap_inuse, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->ms.tiny_allocs, a->ms.tiny_allocs, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, b->pages_inuse, a->pages_inuse, "%s", what);
	KUNIT_EXPECT_MEMEQ_MSG(test, b->bysize, a->bysize, sizeof(a->bysize), "%s", what);
}

static void goalloc_bad_free_small_test(struct kunit *test)
{
	const size_t size = 48;		/* class 5: 170 slots and a 32 B tail */
	struct ml_snap *snap = ml_bad_free_setup(test);
	struct gk_objset *os = gk_objset_new(test, 4);
	struct goalloc_mspan *s = NULL;
	u8 *x, *y, *z;
	bool ok;

	gk_quiesce(test);
	migrate_disable();
	x = gk_alloc(os, size, GFP_KERNEL, false);
	y = gk_alloc(os, size, GFP_KERNEL, false);
	z = gk_alloc(os, size, GFP_KERNEL, false);
	ok = x && y && z && gk_span_of(x) == gk_span_of(z) && gk_span_of(y) == gk_span_of(z);
	migrate_enable();
	KUNIT_ASSERT_TRUE_MSG(test, ok, "three objects in one fresh span");
	s = gk_span_of(z);
	KUNIT_ASSERT_GT(test, (unsigned long)GOALLOC_PAGE_SIZE * s->npages,
			(unsigned long)s->nelems * s->elemsize);
	memset(z, 0x3c, size);

	/* Double free before the slot is swept. */
	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);
	ml_expect_bad_free(test, snap, x, -EALREADY, "double free");
	/* After a sweep made the slots free again (z keeps the span). */
	KUNIT_EXPECT_EQ(test, gk_free(os, 1), 0);
	goalloc_gc();
	KUNIT_EXPECT_PTR_EQ(test, gk_span_of(z), s);
	ml_expect_bad_free(test, snap, x, -EINVAL, "free after sweep");
	ml_expect_bad_free(test, snap, y, -EINVAL, "free after sweep");
	/* Pointers inside z. */
	ml_expect_bad_free(test, snap, z + 1, -EINVAL, "interior");
	ml_expect_bad_free(test, snap, z + 8, -EINVAL, "interior");
	ml_expect_bad_free(test, snap, z + size - 1, -EINVAL, "interior");
	/* Slots never handed out, the span's tail, its last byte. */
	ml_expect_bad_free(test, snap, (void *)(s->base + (s->nelems - 1) * s->elemsize),
			   -EINVAL, "unallocated slot");
	ml_expect_bad_free(test, snap, (void *)(s->base + s->nelems * s->elemsize),
			   -EINVAL, "span tail");
	ml_expect_bad_free(test, snap, (void *)(s->base + s->npages * GOALLOC_PAGE_SIZE - 1),
			   -EINVAL, "span end");

	/* z came through untouched and frees normally. */
	KUNIT_EXPECT_NULL(test, memchr_inv(z, 0x3c, size));
	KUNIT_EXPECT_EQ(test, gk_free(os, 2), 0);
	ml_expect_bad_free(test, snap, z, -EALREADY, "double free");
	goalloc_gc();
}

static void goalloc_bad_free_large_test(struct kunit *test)
{
	const size_t size = 100000;	/* 13 pages */
	struct ml_snap *snap = ml_bad_free_setup(test);
	struct gk_objset *os = gk_objset_new(test, 2);
	u8 *l, *keep;

	gk_quiesce(test);
	l = gk_alloc(os, size, GFP_KERNEL, false);
	keep = gk_alloc(os, 64, GFP_KERNEL, false);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	memset(l, 0xe7, size);
	memset(keep, 0x7e, 64);

	ml_expect_bad_free(test, snap, l + 1, -EINVAL, "large interior");
	ml_expect_bad_free(test, snap, l + GOALLOC_PAGE_SIZE, -EINVAL, "large second page");
	ml_expect_bad_free(test, snap, l + 12 * GOALLOC_PAGE_SIZE, -EINVAL, "large last page");
	ml_expect_bad_free(test, snap, l + 13 * GOALLOC_PAGE_SIZE - 1, -EINVAL, "large end");
	KUNIT_EXPECT_NULL(test, memchr_inv(l, 0xe7, size));
	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);
	/* The span went straight back to the heap: l no longer is an object. */
	ml_expect_bad_free(test, snap, l, -EINVAL, "large double free");
	ml_expect_bad_free(test, snap, l + GOALLOC_PAGE_SIZE, -EINVAL, "freed large interior");
	KUNIT_EXPECT_NULL(test, memchr_inv(keep, 0x7e, 64));
	gk_free_all_gc(test, os);
}

static void goalloc_bad_free_foreign_test(struct kunit *test)
{
	struct ml_snap *snap = ml_bad_free_setup(test);
	struct gk_objset *os = gk_objset_new(test, 1);
	long before;
	void *k, *v;
	u8 *keep;
	int local;

	gk_quiesce(test);
	keep = gk_alloc(os, 200, GFP_KERNEL, false);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	memset(keep, 0x42, 200);
	k = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	v = vmalloc(2 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);

	ml_expect_bad_free(test, snap, k, -EINVAL, "kmalloc object");
	ml_expect_bad_free(test, snap, &local, -EINVAL, "stack address");
	ml_expect_bad_free(test, snap, v, -EINVAL, "vmalloc address");
	ml_expect_bad_free(test, snap, v + PAGE_SIZE, -EINVAL, "vmalloc address");
	ml_expect_bad_free(test, snap, (void *)goalloc_alloc, -EINVAL, "module text");
	ml_expect_bad_free(test, snap, (void *)0x1000UL, -EINVAL, "user address");
	ml_expect_bad_free(test, snap, (void *)~0UL, -EINVAL, "top of memory");
	ml_expect_bad_free(test, snap, page_address(ZERO_PAGE(0)), -EINVAL, "zero page");
	vfree(v);

	/* NULL and ZERO_SIZE_PTR are accepted no-ops, not bad frees. */
	before = atomic_long_read(&goalloc_bad_frees);
	KUNIT_EXPECT_EQ(test, goalloc_free(NULL), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free(ZERO_SIZE_PTR), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free((void *)1UL), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&goalloc_bad_frees), before);

	KUNIT_EXPECT_NULL(test, memchr_inv(keep, 0x42, 200));
	gk_free_all_gc(test, os);
}

/*
 * Concurrency: one thread per online CPU allocates objects of random sizes,
 * hands every other one to the next CPU's thread and frees the rest itself,
 * checking each object's pattern right before freeing it.
 */
#define CC_OPS		3000	/* allocations per thread */
#define CC_WINDOW	64	/* objects a thread keeps before freeing one */
#define CC_KEEP		16	/* objects each thread leaves live at the end */

struct cc_ctx;

struct cc_thread {
	struct cc_ctx *ctx;
	struct task_struct *task;
	struct cc_thread *next;
	struct rnd_state rnd;
	struct completion done;
	u32 tid;
	spinlock_t lock;		/* guards inbox and nin */
	struct gk_obj *inbox;
	unsigned int nin;
	struct gk_obj *scratch;
	struct gk_obj local[CC_WINDOW];
	unsigned int nlocal;
	unsigned long nalloc, nfree, nremote, alloc_fail, free_fail, corrupt;
};

struct cc_ctx {
	struct cc_thread *t;
	unsigned int nthreads;
	atomic_t produced;
	struct completion toggled;	/* the detour toggler is done */
	unsigned long toggles;
};

static u8 cc_byte(u32 tid, u32 idx)
{
	return (u8)(tid * 151 + idx * 13 + 0x5b);
}

static u64 cc_tag(u32 tid, u32 idx)
{
	return 0x9e3779b97f4a7c15ULL ^ ((u64)tid << 40) ^ idx;
}

static void cc_fill(const struct gk_obj *o)
{
	u8 *p = o->p;

	if (o->size >= 16) {
		*(u64 *)p = cc_tag(o->tid, o->idx);
		memset(p + 8, cc_byte(o->tid, o->idx), o->size - 8);
	} else {
		memset(p, cc_byte(o->tid, o->idx), o->size);
	}
}

static bool cc_intact(const struct gk_obj *o)
{
	const u8 *p = o->p;

	if (o->size >= 16)
		return *(const u64 *)p == cc_tag(o->tid, o->idx) &&
		       !memchr_inv(p + 8, cc_byte(o->tid, o->idx), o->size - 8);
	return !memchr_inv(p, cc_byte(o->tid, o->idx), o->size);
}

/* Random size: 40% tiny, 57% small (log-uniform), 3% large. */
static void cc_rand_size(struct rnd_state *rnd, u32 *size, bool *noscan)
{
	u32 r = prandom_u32_state(rnd), pct = r % 100, shift;

	*noscan = (r >> 8) & 1;
	if (pct < 40) {
		*noscan = true;
		*size = 1 + (r >> 9) % (GOALLOC_TINY_SIZE - 1);
	} else if (pct < 97) {
		shift = 4 + (r >> 9) % 11;			/* 16 .. 32767 */
		*size = (1U << shift) + prandom_u32_state(rnd) % (1U << shift);
	} else {
		*size = GOALLOC_MAX_SMALL_SIZE + 1 + prandom_u32_state(rnd) % (96 << 10);
	}
}

static void cc_check_free(struct cc_thread *t, const struct gk_obj *o)
{
	if (!cc_intact(o))
		t->corrupt++;
	if (goalloc_free(o->p))
		t->free_fail++;
	else
		t->nfree++;
}

static void cc_drain_inbox(struct cc_thread *t)
{
	unsigned int i, n;

	spin_lock(&t->lock);
	n = t->nin;
	memcpy(t->scratch, t->inbox, n * sizeof(*t->inbox));
	t->nin = 0;
	spin_unlock(&t->lock);
	for (i = 0; i < n; i++) {
		cc_check_free(t, &t->scratch[i]);
		t->nremote++;
	}
}

static int cc_thread_fn(void *arg)
{
	struct cc_thread *t = arg, *next = t->next;
	struct cc_ctx *ctx = t->ctx;
	unsigned int i, j;
	struct gk_obj o;
	bool noscan;

	for (i = 0; i < CC_OPS; i++) {
		cc_rand_size(&t->rnd, &o.size, &noscan);
		o.p = gk_goalloc(o.size, GFP_KERNEL, noscan);
		o.tid = t->tid;
		o.idx = i;
		if (!o.p) {
			t->alloc_fail++;
			continue;
		}
		t->nalloc++;
		cc_fill(&o);
		if (i & 1) {
			spin_lock(&next->lock);
			next->inbox[next->nin++] = o;
			spin_unlock(&next->lock);
		} else if (t->nlocal < CC_WINDOW) {
			t->local[t->nlocal++] = o;
		} else {
			j = prandom_u32_state(&t->rnd) % CC_WINDOW;
			cc_check_free(t, &t->local[j]);
			t->local[j] = o;
		}
		if ((i & 15) == 15)
			cc_drain_inbox(t);
		if ((i & 63) == 63)
			cond_resched();
	}
	/* Keep taking frees until every producer is done, then once more. */
	atomic_inc(&ctx->produced);
	while (atomic_read(&ctx->produced) < ctx->nthreads) {
		cc_drain_inbox(t);
		usleep_range(100, 200);
	}
	cc_drain_inbox(t);
	while (t->nlocal > CC_KEEP)
		cc_check_free(t, &t->local[--t->nlocal]);
	complete(&t->done);
	gk_wait_for_stop();
	return 0;
}

/*
 * The trace detours switched on and off (as probes of goalloc_alloc and
 * goalloc_free come and go) while the threads allocate and free.
 */
static int cc_toggle_fn(void *arg)
{
	struct cc_ctx *ctx = arg;
	bool on = false;

	while (atomic_read(&ctx->produced) < ctx->nthreads) {
		on = !on;
		goalloc_mcache_set_traced(on);
		goalloc_mheap_set_lookup_cache(!on);
		ctx->toggles++;
		usleep_range(200, 400);
	}
	goalloc_mcache_set_traced(false);
	goalloc_mheap_set_lookup_cache(true);
	complete(&ctx->toggled);
	gk_wait_for_stop();
	return 0;
}

static void ml_concurrency(struct kunit *test, bool toggle)
{
	unsigned long pages, nspans, ntiny = 0, nblocks = 0, *blocks, nalloc = 0, nfree = 0;
	unsigned int cpu, i, j, n = 0, nkept = 0;
	u64 live_objs = 0, live_bytes = 0;
	struct task_struct *toggler;
	struct goalloc_memstats ms0, ms;
	long bad0;
	struct cc_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->t = kunit_kcalloc(test, num_online_cpus(), sizeof(*ctx->t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->t);
	blocks = kunit_kcalloc(test, num_online_cpus() * CC_KEEP + 1, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	gk_quiesce(test);
	goalloc_read_memstats(&ms0);
	bad0 = atomic_long_read(&goalloc_bad_frees);

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct cc_thread *t = &ctx->t[n];

		t->ctx = ctx;
		t->tid = n;
		spin_lock_init(&t->lock);
		init_completion(&t->done);
		prandom_seed_state(&t->rnd, 0x5eed0000 + n);
		t->inbox = kvcalloc(CC_OPS, sizeof(*t->inbox), GFP_KERNEL);
		t->scratch = kvcalloc(CC_OPS, sizeof(*t->scratch), GFP_KERNEL);
		t->task = kthread_create(cc_thread_fn, t, "goalloc_cc/%u", cpu);
		if (!t->inbox || !t->scratch || IS_ERR(t->task)) {
			KUNIT_FAIL(test, "thread %u setup failed", n);
			if (!IS_ERR(t->task))
				kthread_stop(t->task);
			kvfree(t->inbox);
			kvfree(t->scratch);
			break;
		}
		kthread_bind(t->task, cpu);
		n++;
	}
	cpus_read_unlock();
	ctx->nthreads = n;
	for (i = 0; i < n; i++)
		ctx->t[i].next = &ctx->t[(i + 1) % n];
	init_completion(&ctx->toggled);
	toggler = toggle ? kthread_run(cc_toggle_fn, ctx, "goalloc_cc_trace") : NULL;
	KUNIT_EXPECT_FALSE(test, IS_ERR(toggler));
	for (i = 0; i < n; i++)
		wake_up_process(ctx->t[i].task);
	for (i = 0; i < n; i++) {
		wait_for_completion(&ctx->t[i].done);
		kthread_stop(ctx->t[i].task);
	}
	if (!IS_ERR_OR_NULL(toggler)) {
		wait_for_completion(&ctx->toggled);
		kthread_stop(toggler);
		/* Enough switches to land inside allocations, refills and frees. */
		KUNIT_EXPECT_GE(test, ctx->toggles, 4UL);
		kunit_info(test, "%lu detour switches", ctx->toggles);
	}

	for (i = 0; i < n; i++) {
		struct cc_thread *t = &ctx->t[i];

		KUNIT_EXPECT_EQ_MSG(test, t->alloc_fail, 0UL, "thread %u", i);
		KUNIT_EXPECT_EQ_MSG(test, t->free_fail, 0UL, "thread %u", i);
		KUNIT_EXPECT_EQ_MSG(test, t->corrupt, 0UL, "thread %u", i);
		KUNIT_EXPECT_GT_MSG(test, t->nremote, 0UL, "thread %u", i);
		nkept += t->nlocal;
		nalloc += t->nalloc;
		nfree += t->nfree;
		kvfree(t->inbox);
		kvfree(t->scratch);
	}
	KUNIT_EXPECT_EQ(test, nalloc, nfree + nkept);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&goalloc_bad_frees), bad0);
	kunit_info(test, "%u threads, %u ops each, %u objects kept", n, CC_OPS, nkept);

	/* Stats over what is still live: tiny objects count by block. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < ctx->t[i].nlocal; j++) {
			const struct gk_obj *o = &ctx->t[i].local[j];

			if (o->size < GOALLOC_TINY_SIZE) {
				blocks[ntiny++] = (unsigned long)o->p & ~15UL;
			} else {
				live_objs++;
				live_bytes += ml_slot_bytes(o->size);
			}
		}
	}
	sort(blocks, ntiny, sizeof(*blocks), gk_cmp_ulong, NULL);
	for (i = 0; i < ntiny; i++)
		nblocks += !i || blocks[i] != blocks[i - 1];
	goalloc_gc();
	goalloc_read_memstats(&ms);
	pages = ml_walk_inuse(test, &nspans);
	KUNIT_EXPECT_EQ(test, ms.mallocs - ms.frees, live_objs + nblocks);
	KUNIT_EXPECT_EQ(test, ms.heap_alloc, live_bytes + nblocks * GOALLOC_TINY_SIZE);
	KUNIT_EXPECT_EQ(test, ms.heap_inuse, (u64)pages * GOALLOC_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, ms.mallocs - ms0.mallocs, (u64)nalloc);

	for (i = 0; i < n; i++) {
		struct cc_thread *t = &ctx->t[i];

		while (t->nlocal)
			cc_check_free(t, &t->local[--t->nlocal]);
		KUNIT_EXPECT_EQ_MSG(test, t->corrupt + t->free_fail, 0UL, "thread %u", i);
	}
	goalloc_gc();
	goalloc_read_memstats(&ms);
	pages = ml_walk_inuse(test, &nspans);
	KUNIT_EXPECT_EQ(test, ms.mallocs - ms.frees, 0ULL);
	KUNIT_EXPECT_EQ(test, ms.heap_alloc, 0ULL);
	KUNIT_EXPECT_EQ(test, ms.heap_inuse, 0ULL);
	KUNIT_EXPECT_EQ(test, pages, 0UL);
	KUNIT_EXPECT_EQ(test, nspans, 0UL);
}

static void goalloc_malloc_concurrency_test(struct kunit *test)
{
	ml_concurrency(test, false);
}

/*
 * The same, with the goalloc_alloc/goalloc_free detours turned on and off
 * throughout (mcache.c, goalloc_mcache_set_traced(); mheap.c's lookup
 * cache): every statistic must still come out exact.
 */
static void goalloc_malloc_trace_detour_concurrency_test(struct kunit *test)
{
	ml_concurrency(test, true);
}

/*
 * The detours themselves: traced, every CPU's mcache shows only the empty
 * span and a full tiny block (both fast paths fail) with its real state
 * stashed, allocations still come from the real spans and count exactly;
 * untraced, the spans are back.  With the lookup cache off the free
 * path's lookup finds nothing, and frees still work.
 */
static void goalloc_malloc_trace_detour_test(struct kunit *test)
{
	u8 spc = goalloc_make_spanclass(gk_class_of(64), false);
	struct gk_objset *os = gk_objset_new(test, 80);
	struct goalloc_memstats ms0, ms;
	struct goalloc_mspan *s;
	unsigned int cpu, i;
	int cpu0;
	u8 *p;

	gk_quiesce(test);
	goalloc_mcache_set_traced(true);
	for_each_possible_cpu(cpu) {
		struct goalloc_mcache *mc = &per_cpu_ptr(goalloc_allp, cpu)->mcache;

		KUNIT_EXPECT_TRUE(test, mc->traced);
		KUNIT_EXPECT_FALSE(test, mc->trace_in);
		KUNIT_EXPECT_EQ(test, mc->tinyoffset, GOALLOC_TINY_SIZE);
		for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++)
			if (mc->alloc[i] != &goalloc_emptymspan)
				KUNIT_FAIL(test, "cpu%u class %u: fast path has a span", cpu, i);
	}
	/* One CPU, so its stash can be checked; allocating may still sleep. */
	migrate_disable();
	cpu0 = smp_processor_id();
	goalloc_read_memstats(&ms0);
	for (i = 0; i < 64; i++) {
		p = gk_alloc(os, 64, GFP_KERNEL, false);
		if (!p)
			break;
		memset(p, i, 64);
	}
	goalloc_read_memstats(&ms);
	for (i = 0; i < 8; i++)
		gk_alloc(os, 1 + i, GFP_KERNEL, true);
	s = per_cpu_ptr(goalloc_allp, cpu0)->mcache.traced_alloc[spc];
	migrate_enable();
	KUNIT_EXPECT_EQ(test, os->n, 72U);
	/* The traced path keeps the counters exact. */
	KUNIT_EXPECT_EQ(test, ms.mallocs - ms0.mallocs, 64ULL);
	KUNIT_EXPECT_PTR_EQ(test, gk_span_of(os->o[63].p), s);
	for (i = 0; i < 64 && i < os->n; i++)
		KUNIT_EXPECT_NULL(test, memchr_inv(os->o[i].p, i, 64));
	/* A tiny object shares a block (its bytes) or has a slot (16 B). */
	for (i = 64; i < os->n; i++) {
		size_t n = goalloc_usable_size(os->o[i].p);

		KUNIT_EXPECT_TRUE_MSG(test, n == os->o[i].size || n == GOALLOC_TINY_SIZE,
				      "%u B tiny object: usable %zu", os->o[i].size, n);
	}

	goalloc_mcache_set_traced(false);
	for_each_possible_cpu(cpu) {
		struct goalloc_mcache *mc = &per_cpu_ptr(goalloc_allp, cpu)->mcache;

		KUNIT_EXPECT_FALSE(test, mc->traced);
		for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++)
			if (mc->traced_alloc[i] != &goalloc_emptymspan)
				KUNIT_FAIL(test, "cpu%u class %u: span left in the stash", cpu, i);
	}
	KUNIT_EXPECT_PTR_EQ(test, per_cpu_ptr(goalloc_allp, cpu0)->mcache.alloc[spc], s);

	goalloc_mheap_set_lookup_cache(false);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, goalloc_span_lookup_fast((unsigned long)os->o[1].p));
	KUNIT_EXPECT_PTR_EQ(test, goalloc_span_of((unsigned long)os->o[1].p), s);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, gk_free(os, 0), 0);
	KUNIT_EXPECT_EQ(test, gk_free(os, 64), 0);
	goalloc_mheap_set_lookup_cache(true);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, goalloc_span_lookup_fast((unsigned long)os->o[1].p), s);
	rcu_read_unlock();
	gk_free_all_gc(test, os);
}

/*
 * Bounded churn: 2000 live objects replaced at random 100k times, never
 * calling goalloc_gc().  Memory must come back through the mcache/mcentral
 * sweeps and the pacer alone.
 *
 * The bound: between two sweep cycles the pacer lets the heap hand out up
 * to its goal, NextGC = max(live * (100 + gogc) / 100, heap minimum) (read
 * back from the stats: gogc itself is not exported to this module); spans
 * kept alive by scattered survivors at a cycle start may hold up to as much
 * again, so in-use memory stays under 2 * goal, plus what every CPU may
 * cache: one span of each span class and a 64-page page cache.  HeapSys may
 * exceed that by page-level fragmentation of at most one arena.  An
 * allocator that reclaimed nothing without goalloc_gc() would need the
 * whole churn volume, which the test checks is over 4 * the bound.
 */
#define CH_LIVE		2000
#define CH_OPS		100000

/* 30% tiny, 65% 16..16383, 4% up to 32767, 1% large (or small if !@large). */
static void ch_rand_size(struct rnd_state *rnd, bool large, u32 *size, bool *noscan)
{
	u32 r = prandom_u32_state(rnd), pct = r % 100, shift;

	*noscan = (r >> 8) & 1;
	if (pct < 30) {
		*noscan = true;
		*size = 1 + (r >> 9) % (GOALLOC_TINY_SIZE - 1);
		return;
	}
	if (pct == 99 && large) {
		*size = GOALLOC_MAX_SMALL_SIZE + 1 + prandom_u32_state(rnd) % (64 << 10);
		return;
	}
	shift = 4 + (r >> 9) % (pct < 95 ? 10 : 11);
	*size = (1U << shift) + prandom_u32_state(rnd) % (1U << shift);
}

/* First and last byte of the object (the same byte for 1-byte objects). */
static u8 ch_byte(const struct gk_obj *o, bool last)
{
	u8 b = (u8)(o->idx * 167 + (o->idx >> 8) + 1);

	return last && o->size > 1 ? b ^ 0x5a : b;
}

static void ch_fill(const struct gk_obj *o)
{
	u8 *p = o->p;

	p[0] = ch_byte(o, false);
	p[o->size - 1] = ch_byte(o, true);
}

static bool ch_intact(const struct gk_obj *o)
{
	const u8 *p = o->p;

	return p[0] == ch_byte(o, false) && p[o->size - 1] == ch_byte(o, true);
}

static void ml_churn(struct kunit *test, bool large)
{
	u64 churn = 0, peak_live = 0, peak_inuse = 0, peak_sys = 0, peak_held = 0, goal = 0;
	unsigned long ncorrupt = 0, nfail = 0;
	struct goalloc_memstats ms, ms0;
	u64 slack = 0, bound, sysb;
	unsigned int i, c;
	struct rnd_state rnd;
	bool noscan;
	struct gk_objset *os;

	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++)
		slack += 2ULL * goalloc_class_to_allocnpages[c] * GOALLOC_PAGE_SIZE;
	slack = num_online_cpus() * (slack + 64ULL * GOALLOC_PAGE_SIZE);

	os = gk_objset_new(test, CH_LIVE);
	gk_quiesce(test);
	goalloc_read_memstats(&ms0);
	prandom_seed_state(&rnd, large ? 0xc4u : 0xc3u);
	for (i = 0; i < CH_LIVE; i++) {
		u32 size;
		void *p;

		ch_rand_size(&rnd, large, &size, &noscan);
		p = gk_alloc(os, size, GFP_KERNEL, noscan);
		KUNIT_ASSERT_NOT_NULL(test, p);
		os->o[i].idx = i;
		ch_fill(&os->o[i]);
	}
	for (i = 0; i < CH_OPS; i++) {
		struct gk_obj *o = &os->o[prandom_u32_state(&rnd) % CH_LIVE];

		ncorrupt += !ch_intact(o);
		if (goalloc_free(o->p))
			nfail++;
		ch_rand_size(&rnd, large, &o->size, &noscan);
		o->p = gk_goalloc(o->size, GFP_KERNEL, noscan);
		if (!o->p) {
			KUNIT_FAIL(test, "allocation failed after %u operations", i);
			break;
		}
		o->idx = CH_LIVE + i;
		ch_fill(o);
		churn += o->size;
		if ((i & 255) != 255)
			continue;
		goalloc_read_memstats(&ms);
		peak_live = max(peak_live, ms.heap_alloc);
		peak_inuse = max(peak_inuse, ms.heap_inuse);
		peak_sys = max(peak_sys, ms.heap_sys);
		peak_held = max(peak_held, ms.heap_sys - ms.heap_released);
		goal = max(goal, ms.next_gc);
		/* Far past the bound: the heap is not coming back, stop early. */
		if (ms.heap_inuse > 2 * (2 * goal + slack)) {
			KUNIT_FAIL(test, "HeapInuse %llu KiB after %u operations", ms.heap_inuse >> 10, i);
			break;
		}
		cond_resched();
	}
	goalloc_read_memstats(&ms);
	KUNIT_EXPECT_EQ(test, ncorrupt, 0UL);
	KUNIT_EXPECT_EQ(test, nfail, 0UL);
	/* heap_live crossed the trigger many times over: cycles must have run. */
	KUNIT_EXPECT_GT(test, ms.num_gc, ms0.num_gc);
	KUNIT_EXPECT_GE(test, goal, (u64)GOALLOC_HEAP_MINIMUM);

	bound = 2 * goal + slack;
	sysb = round_up(bound, GOALLOC_ARENA_BYTES) + GOALLOC_ARENA_BYTES;
	kunit_info(test, "peak live %llu KiB, in use %llu KiB, sys %llu KiB (%llu held, %llu at start); bound %llu/%llu KiB; churn %llu MiB, %llu cycles",
		   peak_live >> 10, peak_inuse >> 10, peak_sys >> 10, peak_held >> 10,
		   ms0.heap_sys >> 10, bound >> 10, sysb >> 10, churn >> 20, ms.num_gc - ms0.num_gc);
	KUNIT_EXPECT_GT(test, churn, 4 * sysb);
	KUNIT_EXPECT_LE(test, peak_inuse, bound);
	/*
	 * What the heap holds from the kernel stays bounded.  (HeapSys, the
	 * 4 MiB frames its pages lie in, is address space: it says where the
	 * kernel put them, not how much is held.)
	 */
	KUNIT_EXPECT_LE(test, peak_held, sysb);
	gk_free_all_gc(test, os);
}

static void goalloc_malloc_churn_small_test(struct kunit *test)
{
	ml_churn(test, false);
}

static void goalloc_malloc_churn_mixed_test(struct kunit *test)
{
	ml_churn(test, true);
}

/*
 * Fidelity with Go: a fixed allocation sequence on one CPU, no frees, from
 * an empty heap.  Go fills a span before it takes the next, so each span
 * class needs ceil(slots / objects per span) spans; a large object is one
 * span of ceil(size / 8 KiB) pages; tiny objects take the 16 B blocks the
 * model of Go's tiny rules predicts (in the same span class as 16 B noscan
 * objects).
 */
struct ml_fid {
	u32 size;
	u16 count;
	bool noscan;
};

static const struct ml_fid ml_fid_seq[] = {
	{ 8, 1500, false },	/* class 1: 1024 per span */
	{ 16, 700, true },	/* shares the tiny blocks' span class */
	{ 24, 700, true },
	{ 33, 300, false },
	{ 1000, 50, false },
	{ 1400, 23, true },	/* 2-page spans */
	{ 3000, 17, false },	/* 3-page spans */
	{ 9000, 9, true },
	{ 32768, 5, false },
	{ 32769, 2, false },	/* large: 5 pages */
	{ 100000, 2, true },	/* large: 13 pages */
};

#define ML_FID_TINY	2500

struct ml_fid_counts {
	u32 want_spans[GOALLOC_NUM_SPAN_CLASSES];
	u32 got_spans[GOALLOC_NUM_SPAN_CLASSES];
	u64 slots[GOALLOC_NUM_SPAN_CLASSES];
};

static void goalloc_malloc_fidelity_test(struct kunit *test)
{
	unsigned int left[ARRAY_SIZE(ml_fid_seq)], i, e, ntiny = 0, toff;
	struct ml_fid_counts *fc;
	u32 *want_spans, *got_spans;
	u64 *slots;
	u64 want_inuse = 0, want_alloc = 0, want_objs = 0, want_nspans = 0, packed = 0;
	unsigned long *spans, *blocks, nblocks = 0, tblocks = 0, k;
	struct goalloc_memstats ms0, ms1;
	struct gk_objset *os;
	struct rnd_state rnd;
	struct gk_tiny_model tm;
	bool more;
	long nspans0;

	fc = kunit_kzalloc(test, sizeof(*fc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fc);
	want_spans = fc->want_spans;
	got_spans = fc->got_spans;
	slots = fc->slots;
	for (e = 0, i = 0; e < ARRAY_SIZE(ml_fid_seq); e++)
		i += ml_fid_seq[e].count;
	os = gk_objset_new(test, i + ML_FID_TINY);
	spans = kunit_kcalloc(test, os->cap, sizeof(*spans), GFP_KERNEL);
	blocks = kunit_kcalloc(test, ML_FID_TINY, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, spans);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	prandom_seed_state(&rnd, 0xf1de);
	gk_tiny_model_init(&tm);
	gk_quiesce(test);

	for (e = 0; e < ARRAY_SIZE(ml_fid_seq); e++)
		left[e] = ml_fid_seq[e].count;
	migrate_disable();
	goalloc_read_memstats(&ms0);
	nspans0 = atomic_long_read(&goalloc_mheap.nspans);
	/* Round robin over the entries and the tiny stream. */
	do {
		more = false;
		for (e = 0; e < ARRAY_SIZE(ml_fid_seq); e++) {
			const struct ml_fid *f = &ml_fid_seq[e];
			void *p;

			if (!left[e])
				continue;
			left[e]--;
			more = true;
			p = gk_alloc(os, f->size, GFP_KERNEL, f->noscan);
			KUNIT_EXPECT_NOT_NULL(test, p);
			if (!p)
				goto unpin;
		}
		if (ntiny < ML_FID_TINY) {
			unsigned int size = gk_rand_tiny_size(&rnd);
			void *p = gk_alloc(os, size, GFP_KERNEL, true);

			KUNIT_EXPECT_NOT_NULL(test, p);
			if (!p)
				goto unpin;
			blocks[ntiny++] = (unsigned long)p & ~15UL;
			/* Go's tiny rules: a new block, or packed into one. */
			gk_tiny_model_alloc(&tm, size, &toff);
			more = true;
		}
	} while (more);
	goalloc_read_memstats(&ms1);
unpin:
	migrate_enable();
	KUNIT_ASSERT_EQ(test, os->n, os->cap);
	tblocks = tm.nblocks;
	packed = tm.packed;

	/* What Go would use. */
	for (e = 0; e < ARRAY_SIZE(ml_fid_seq); e++) {
		const struct ml_fid *f = &ml_fid_seq[e];

		if (f->size > GOALLOC_MAX_SMALL_SIZE) {
			k = DIV_ROUND_UP(f->size, GOALLOC_PAGE_SIZE);
			want_inuse += (u64)f->count * k * GOALLOC_PAGE_SIZE;
			want_alloc += (u64)f->count * k * GOALLOC_PAGE_SIZE;
			want_nspans += f->count;
		} else {
			slots[goalloc_make_spanclass(gk_class_of(f->size), f->noscan)] += f->count;
			want_alloc += (u64)f->count * goalloc_class_to_size[gk_class_of(f->size)];
		}
		want_objs += f->count;
	}
	slots[goalloc_make_spanclass(GOALLOC_TINY_SIZE_CLASS, true)] += tblocks;
	want_alloc += tblocks * GOALLOC_TINY_SIZE;
	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		u8 c = goalloc_spanclass_sizeclass(i);

		if (!slots[i])
			continue;
		want_spans[i] = DIV_ROUND_UP(slots[i], goalloc_class_to_nobjs[c]);
		want_nspans += want_spans[i];
		want_inuse += (u64)want_spans[i] * goalloc_class_to_allocnpages[c] *
			      GOALLOC_PAGE_SIZE;
	}

	/* What goalloc used: distinct spans of the small objects, by class. */
	for (i = 0, k = 0; i < os->n; i++) {
		struct goalloc_mspan *s = gk_span_of(os->o[i].p);

		KUNIT_ASSERT_NOT_NULL(test, s);
		if (goalloc_spanclass_sizeclass(s->spanclass))
			spans[k++] = (unsigned long)s;
	}
	sort(spans, k, sizeof(*spans), gk_cmp_ulong, NULL);
	for (i = 0; i < k; i++)
		if (!i || spans[i] != spans[i - 1])
			got_spans[((struct goalloc_mspan *)spans[i])->spanclass]++;
	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++)
		KUNIT_EXPECT_EQ_MSG(test, got_spans[i], want_spans[i], "span class %u (%u B%s)",
				    i, goalloc_class_to_size[i >> 1], i & 1 ? " noscan" : "");
	sort(blocks, ntiny, sizeof(*blocks), gk_cmp_ulong, NULL);
	for (i = 0; i < ntiny; i++)
		nblocks += !i || blocks[i] != blocks[i - 1];
	KUNIT_EXPECT_EQ(test, nblocks, tblocks);
	KUNIT_EXPECT_EQ(test, ms1.tiny_allocs - ms0.tiny_allocs, packed);
	KUNIT_EXPECT_EQ(test, ms1.mallocs - ms0.mallocs, want_objs + ML_FID_TINY);
	KUNIT_EXPECT_EQ(test, ms1.heap_objects - ms0.heap_objects, want_objs + tblocks);
	KUNIT_EXPECT_EQ(test, ms1.heap_inuse - ms0.heap_inuse, want_inuse);
	KUNIT_EXPECT_EQ(test, ms1.heap_alloc - ms0.heap_alloc, want_alloc);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&goalloc_mheap.nspans) - nspans0, (long)want_nspans);
	kunit_info(test, "%llu spans, %llu KiB in use, %lu tiny blocks for %u tiny objects",
		   want_nspans, want_inuse >> 10, tblocks, ntiny);

	gk_free_all_gc(test, os);
}


/*
 * goalloc_usable_size()'s contract: never a byte another object may get, and
 * 0 for anything that is not a live object's start.
 */
static void goalloc_usable_size_contract_test(struct kunit *test)
{
	struct gk_objset *os = gk_objset_new(test, 8);
	u8 *a, *b, *c, *l, *t1, *t2;
	void *k;

	gk_quiesce(test);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(NULL), 0);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(ZERO_SIZE_PTR), 0);
	k = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(k), 0);
	kfree(k);

	/* Small: the slot; inside it, the next slot, a dead slot: 0. */
	migrate_disable();
	a = gk_alloc(os, 40, GFP_KERNEL, false);
	b = gk_alloc(os, 40, GFP_KERNEL, false);
	migrate_enable();
	KUNIT_ASSERT_TRUE(test, a && b);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(a), 48UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(a + 1), 0);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(a + 40), 0);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(b + 48), 0);	/* never handed out */
	KUNIT_EXPECT_EQ(test, goalloc_free(b), 0);
	os->o[1].p = NULL;
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(b), 0);	/* dead, unswept */
	goalloc_gc();
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(b), 0);	/* swept free */
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(a), 48UL);

	/* Tiny: exactly the bytes allocated, whatever follows in the block. */
	goalloc_drain();
	migrate_disable();
	t1 = gk_alloc(os, 3, GFP_KERNEL, true);
	t2 = gk_alloc(os, 4, GFP_KERNEL, true);
	migrate_enable();
	KUNIT_ASSERT_TRUE(test, t1 && t2);
	KUNIT_ASSERT_PTR_EQ(test, t2, t1 + 4);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t1), 3UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t2), 4UL);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t1 + 1), 0);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t1 + 3), 0);	/* padding */
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t2 + 4), 0);	/* not handed out */
	KUNIT_EXPECT_EQ(test, goalloc_free(t1), 0);
	os->o[2].p = NULL;
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t1), 0);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(t2), 4UL);

	/* Large: whole pages; inside, or freed: 0. */
	l = gk_alloc(os, GOALLOC_MAX_SMALL_SIZE + 100, GFP_KERNEL, false);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(l), (size_t)5 * GOALLOC_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(l + GOALLOC_PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free(l), 0);
	os->o[4].p = NULL;
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(l), 0);

	/* Stacks are not objects. */
	c = goalloc_stack_alloc(GOALLOC_FIXED_STACK);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	KUNIT_EXPECT_EQ(test, goalloc_usable_size(c), 0);
	KUNIT_EXPECT_EQ(test, goalloc_stack_free(c, GOALLOC_FIXED_STACK), 0);
	gk_free_all_gc(test, os);
}

static struct kunit_case goalloc_malloc_cases[] = {
	KUNIT_CASE_PARAM(goalloc_malloc_class_test, ml_class_gen_params),
	KUNIT_CASE(goalloc_malloc_api_edges_test),
	KUNIT_CASE(goalloc_usable_size_contract_test),
	KUNIT_CASE(goalloc_malloc_large_in_one_arena_test),
	KUNIT_CASE(goalloc_malloc_refill_grows_for_span_test),
	KUNIT_CASE(goalloc_bad_free_small_test),
	KUNIT_CASE(goalloc_bad_free_large_test),
	KUNIT_CASE(goalloc_bad_free_foreign_test),
	KUNIT_CASE_SLOW(goalloc_malloc_concurrency_test),
	KUNIT_CASE(goalloc_malloc_trace_detour_test),
	KUNIT_CASE_SLOW(goalloc_malloc_trace_detour_concurrency_test),
	KUNIT_CASE_SLOW(goalloc_malloc_churn_small_test),
	KUNIT_CASE_SLOW(goalloc_malloc_churn_mixed_test),
	KUNIT_CASE(goalloc_malloc_fidelity_test),
	{}
};

static struct kunit_suite goalloc_malloc_suite = {
	.name = "goalloc_malloc",
	.test_cases = goalloc_malloc_cases,
};
kunit_test_suite(goalloc_malloc_suite);
