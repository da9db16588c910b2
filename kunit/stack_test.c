// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for goalloc's stack allocator (mod/stack.c): every small
 * order through each level (per-CPU stackcache, stackpool, mheap), large
 * stacks straight from and back to the heap, growth by copy, bad arguments,
 * the bound on heap grows, and stacks allocated and freed concurrently on
 * every online CPU.
 *
 * StackInuse is reconciled exactly after each phase against what the test
 * holds plus what the pools and every CPU's cache hold, and every case
 * ends drained, with StackInuse back at its starting value.
 *
 * Sequences that read one CPU's stackcache run in a kthread bound to that
 * CPU with kthread_bind(): goalloc_stack_alloc() may sleep to grow the heap,
 * so preemption cannot simply be held off around them.  Code running in
 * such a thread only uses KUNIT_EXPECT_*: an assertion would end the
 * helper thread, not the test.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <kunit/static_stub.h>

#include <goalloc.h>
#include "goalloc/malloc.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/tiny.h"
#include "goalloc/stack.h"

#include "goalloc_kunit.h"

#define STK_HALF	(GOALLOC_STACK_CACHE_SIZE / 2)
#define STK_MAX_HELD	64

/* A stack the test holds, so exit can free it if a case stops early. */
struct stk_rec {
	void *p;
	size_t size;
};

struct stk_ctx {
	u64 base;			/* StackInuse when the case started, drained */
	unsigned int grows;		/* calls to the goalloc_mheap_grow() stub */
	spinlock_t lock;		/* guards held[] and nheld */
	unsigned int nheld;
	struct stk_rec held[STK_MAX_HELD];
};

/* Everything the stack allocator holds, summed over pools and CPUs. */
struct stk_snap {
	u64 inuse;
	u64 sys;
	unsigned long nspans[GOALLOC_NUM_STACK_ORDERS];
	unsigned long poolfree[GOALLOC_NUM_STACK_ORDERS];
	unsigned long cached[GOALLOC_NUM_STACK_ORDERS];
};

static u32 stk_order_size(unsigned int order)
{
	return GOALLOC_FIXED_STACK << order;
}

/* Stacks of @order in one 32 KiB pool span. */
static u32 stk_per_span(unsigned int order)
{
	return GOALLOC_STACK_CACHE_SIZE / stk_order_size(order);
}

static u64 stk_inuse(void)
{
	struct goalloc_memstats ms;

	goalloc_read_memstats(&ms);
	return ms.stack_inuse;
}

static u32 stk_cache_bytes(int cpu, unsigned int order)
{
	/* Another CPU's cache: exact only while nobody allocates stacks. */
	return data_race(READ_ONCE(per_cpu_ptr(goalloc_allp, cpu)->stackcache[order].size));
}

static void *stk_cache_head(int cpu, unsigned int order)
{
	/* Read from a thread bound to @cpu, or while nobody allocates stacks. */
	return data_race(READ_ONCE(per_cpu_ptr(goalloc_allp, cpu)->stackcache[order].list));
}

static unsigned long stk_nspans(unsigned int order)
{
	struct goalloc_stackpool *pool = &goalloc_stackpool[order];
	unsigned long n;

	spin_lock_irq(&pool->lock);
	n = pool->nspans;
	spin_unlock_irq(&pool->lock);
	return n;
}

/* Free stacks on the pool's span list, i.e. in the pool and not in a cache. */
static unsigned long stk_poolfree(unsigned int order)
{
	struct goalloc_stackpool *pool = &goalloc_stackpool[order];
	struct goalloc_mspan *s;
	unsigned long n = 0;

	spin_lock_irq(&pool->lock);
	list_for_each_entry(s, &pool->spans, list)
		n += s->manual_nfree;
	spin_unlock_irq(&pool->lock);
	return n;
}

/* A pool span's counters, read under its pool lock. */
static void stk_span_counts(unsigned int order, struct goalloc_mspan *s,
			    u32 *alloc_count, u32 *nfree)
{
	struct goalloc_stackpool *pool = &goalloc_stackpool[order];

	spin_lock_irq(&pool->lock);
	*alloc_count = s->alloc_count;
	*nfree = s->manual_nfree;
	spin_unlock_irq(&pool->lock);
}

static void stk_snap(struct stk_snap *sn)
{
	struct goalloc_memstats ms;
	unsigned int o;
	int cpu;

	memset(sn, 0, sizeof(*sn));
	goalloc_read_memstats(&ms);
	sn->inuse = ms.stack_inuse;
	sn->sys = ms.stack_sys;
	for (o = 0; o < GOALLOC_NUM_STACK_ORDERS; o++) {
		sn->nspans[o] = stk_nspans(o);
		sn->poolfree[o] = stk_poolfree(o);
		for_each_possible_cpu(cpu)
			sn->cached[o] += stk_cache_bytes(cpu, o);
	}
}

static void stk_expect_same(struct kunit *test, const struct stk_snap *a,
			    const struct stk_snap *b)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, a->inuse, b->inuse);
	KUNIT_EXPECT_EQ(test, a->sys, b->sys);
	for (i = 0; i < GOALLOC_NUM_STACK_ORDERS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, a->nspans[i], b->nspans[i], "order %u", i);
		KUNIT_EXPECT_EQ_MSG(test, a->poolfree[i], b->poolfree[i], "order %u", i);
		KUNIT_EXPECT_EQ_MSG(test, a->cached[i], b->cached[i], "order %u", i);
	}
}

static bool stk_track(struct kunit *test, void *p, size_t size)
{
	struct stk_ctx *ctx = test->priv;
	bool ok = false;

	spin_lock(&ctx->lock);
	if (ctx->nheld < STK_MAX_HELD) {
		ctx->held[ctx->nheld].p = p;
		ctx->held[ctx->nheld].size = size;
		ctx->nheld++;
		ok = true;
	}
	spin_unlock(&ctx->lock);
	KUNIT_EXPECT_TRUE_MSG(test, ok, "test holds more than %d stacks", STK_MAX_HELD);
	return ok;
}

static void stk_untrack(struct kunit *test, void *p, size_t size)
{
	struct stk_ctx *ctx = test->priv;
	bool found = false;
	unsigned int i;

	spin_lock(&ctx->lock);
	for (i = 0; i < ctx->nheld; i++) {
		if (ctx->held[i].p == p && ctx->held[i].size == size) {
			ctx->held[i] = ctx->held[--ctx->nheld];
			found = true;
			break;
		}
	}
	spin_unlock(&ctx->lock);
	KUNIT_EXPECT_TRUE_MSG(test, found, "%p (%zu) was not held", p, size);
}

/*
 * goalloc_stack_alloc() plus bookkeeping, for sequences that allocate until
 * the allocator says no.  Return: its result unchanged, or -ENOSPC when the
 * test already holds STK_MAX_HELD stacks (a failure of its own).
 */
static void *stk_try_alloc(struct kunit *test, size_t size)
{
	void *p = goalloc_stack_alloc(size);

	if (!IS_ERR(p) && !stk_track(test, p, size)) {
		goalloc_stack_free(p, size);
		return ERR_PTR(-ENOSPC);
	}
	return p;
}

/* stk_try_alloc() that expects success. */
static void *stk_alloc(struct kunit *test, size_t size)
{
	void *p = stk_try_alloc(test, size);

	KUNIT_EXPECT_FALSE_MSG(test, IS_ERR(p), "stack_alloc(%zu) = %ld", size, PTR_ERR(p));
	return p;
}

/* goalloc_stack_free() of a stack the test holds; expects success. */
static int stk_free(struct kunit *test, void *p, size_t size)
{
	int err = goalloc_stack_free(p, size);

	KUNIT_EXPECT_EQ_MSG(test, err, 0, "stack_free(%p, %zu)", p, size);
	if (!err)
		stk_untrack(test, p, size);
	return err;
}

/*
 * Free every stack the test still holds, newest first; each must be @size
 * bytes unless @size is 0.  Return: false if a free failed.
 */
static bool stk_free_held(struct kunit *test, size_t size)
{
	struct stk_ctx *ctx = test->priv;

	while (ctx->nheld) {
		struct stk_rec r = ctx->held[ctx->nheld - 1];

		if (size)
			KUNIT_EXPECT_EQ(test, r.size, size);
		if (stk_free(test, r.p, r.size))
			return false;
	}
	return true;
}

static void *stk_grow(struct kunit *test, void *p, size_t size, size_t used)
{
	void *n = goalloc_stack_grow(p, size, used);

	if (!IS_ERR(n)) {
		stk_untrack(test, p, size);
		if (!stk_track(test, n, 2 * size))
			goalloc_stack_free(n, 2 * size);
	}
	return n;
}

/*
 * StackInuse must be exactly: the drained baseline + every pool span +
 * every large stack the test holds (a freed one is back in the heap); and
 * every small stack of a pool span is held, cached on some CPU or free in
 * the pool.  Return: true if everything matched.
 */
static bool stk_reconcile(struct kunit *test)
{
	struct stk_ctx *ctx = test->priv;
	unsigned long held[GOALLOC_NUM_STACK_ORDERS] = {};
	u64 held_large = 0, expect;
	struct stk_rec bad = {};
	struct goalloc_mspan *s;
	unsigned int i, o, nbad = 0;
	struct stk_snap sn;
	bool ok = true;

	stk_snap(&sn);
	spin_lock(&ctx->lock);
	for (i = 0; i < ctx->nheld; i++) {
		size_t size = ctx->held[i].size;

		if (size < GOALLOC_STACK_CACHE_SIZE)
			held[ilog2(size / GOALLOC_FIXED_STACK)]++;
		else
			held_large += size;
		/* A held stack is live: its bit in the span is set. */
		s = gk_span_of(ctx->held[i].p);
		if (!s || s->state != GOALLOC_MSPAN_MANUAL || s->elemsize != size ||
		    !gk_span_in_one_arena(s) ||
		    !test_bit(goalloc_mspan_obj_index(s, (unsigned long)ctx->held[i].p),
			      s->gcmark_bits)) {
			if (!nbad++)
				bad = ctx->held[i];
		}
	}
	spin_unlock(&ctx->lock);
	/* Reported outside the spinlock: a failure report allocates. */
	KUNIT_EXPECT_EQ_MSG(test, nbad, 0, "held stack %p (%zu): not a live stack in one arena",
			    bad.p, bad.size);

	KUNIT_EXPECT_EQ(test, sn.sys, sn.inuse);
	expect = ctx->base;
	for (o = 0; o < GOALLOC_NUM_STACK_ORDERS; o++) {
		u32 size = stk_order_size(o);

		expect += (u64)sn.nspans[o] * GOALLOC_STACK_CACHE_SIZE;
		KUNIT_EXPECT_EQ_MSG(test, sn.cached[o] % size, 0, "order %u", o);
		KUNIT_EXPECT_EQ_MSG(test, sn.nspans[o] * stk_per_span(o),
				    held[o] + sn.cached[o] / size + sn.poolfree[o],
				    "order %u: spans * per != held + cached + pool", o);
		if (sn.nspans[o] * stk_per_span(o) != held[o] + sn.cached[o] / size + sn.poolfree[o])
			ok = false;
	}
	expect += held_large;
	KUNIT_EXPECT_EQ(test, sn.inuse, expect);
	return ok && !nbad && sn.inuse == expect && sn.sys == sn.inuse;
}

/* Drain and check the allocator holds nothing beyond the baseline. */
static void stk_expect_drained(struct kunit *test)
{
	struct stk_ctx *ctx = test->priv;
	struct stk_snap sn;
	unsigned int i;

	goalloc_stack_drain();
	stk_snap(&sn);
	KUNIT_EXPECT_EQ(test, ctx->nheld, 0);
	KUNIT_EXPECT_EQ(test, sn.inuse, ctx->base);
	KUNIT_EXPECT_EQ(test, sn.sys, ctx->base);
	for (i = 0; i < GOALLOC_NUM_STACK_ORDERS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, sn.nspans[i], 0, "order %u", i);
		KUNIT_EXPECT_EQ_MSG(test, sn.cached[i], 0, "order %u", i);
	}
}

/* Run @fn(@arg) in a kthread bound to @cpu and wait for it. */
struct stk_thread {
	int (*fn)(void *arg);
	void *arg;
	struct completion done;
};

static int stk_thread_fn(void *data)
{
	struct stk_thread *t = data;

	t->fn(t->arg);
	complete(&t->done);	/* last touch of *t: the waiter may return */
	return 0;
}

static void stk_run_on_cpu(struct kunit *test, int cpu, int (*fn)(void *), void *arg)
{
	struct stk_thread t = { .fn = fn, .arg = arg };
	struct task_struct *task;

	init_completion(&t.done);
	task = kthread_create(stk_thread_fn, &t, "goalloc_stk/%d", cpu);
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	kthread_bind(task, cpu);
	wake_up_process(task);
	wait_for_completion(&t.done);
}

/*
 * Checks for helper threads: expect, and remember a failure so the
 * sequence stops instead of running on from a broken state.
 */
#define W_EXPECT_EQ(w, a, b) do {						\
	typeof(a) __wa = (a);							\
	typeof(b) __wb = (b);							\
	KUNIT_EXPECT_EQ_MSG((w)->test, __wa, __wb, "%s == %s", #a, #b);	\
	if (__wa != __wb)							\
		(w)->failed = true;						\
} while (0)

#define W_EXPECT_PTR_EQ(w, a, b) do {					\
	const void *__wa = (a);							\
	const void *__wb = (b);							\
	KUNIT_EXPECT_PTR_EQ_MSG((w)->test, __wa, __wb, "%s == %s", #a, #b);	\
	if (__wa != __wb)							\
		(w)->failed = true;						\
} while (0)

#define W_EXPECT_TRUE(w, c) do {						\
	bool __wc = (c);							\
	KUNIT_EXPECT_TRUE_MSG((w)->test, __wc, "%s", #c);			\
	if (!__wc)								\
		(w)->failed = true;						\
} while (0)

struct stk_levels {
	struct kunit *test;
	unsigned int order;
	int cpu;
	bool failed;
};

/* Allocate one small stack in a levels sequence; false on failure. */
static bool lv_alloc(struct stk_levels *w, void **pp)
{
	void *p = stk_alloc(w->test, stk_order_size(w->order));

	if (IS_ERR(p)) {
		w->failed = true;
		return false;
	}
	*pp = p;
	return true;
}

/* One allocation served by the cache: the head of this CPU's list. */
static bool lv_cache_hit(struct stk_levels *w, void **pp, u64 inuse, unsigned long nspans)
{
	u32 size = stk_order_size(w->order);
	u32 before = stk_cache_bytes(w->cpu, w->order);
	void *head = stk_cache_head(w->cpu, w->order);

	if (!lv_alloc(w, pp))
		return false;
	W_EXPECT_TRUE(w, head != NULL);
	W_EXPECT_PTR_EQ(w, *pp, head);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, w->order), before - size);
	W_EXPECT_EQ(w, stk_inuse(), inuse);
	W_EXPECT_EQ(w, stk_nspans(w->order), nspans);
	return !w->failed;
}

/* Free a held stack into this CPU's cache; the cache must not overflow. */
static bool lv_free_no_release(struct stk_levels *w, void *p)
{
	u32 size = stk_order_size(w->order);
	u32 before = stk_cache_bytes(w->cpu, w->order);
	unsigned long pf = stk_poolfree(w->order);

	W_EXPECT_TRUE(w, before < GOALLOC_STACK_CACHE_SIZE);
	W_EXPECT_EQ(w, stk_free(w->test, p, size), 0);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, w->order), before + size);
	W_EXPECT_PTR_EQ(w, stk_cache_head(w->cpu, w->order), p);
	W_EXPECT_EQ(w, stk_poolfree(w->order), pf);
	return !w->failed;
}

/*
 * Each level of one order, on one CPU, with exact expectations:
 *  1. pool growth: the first stack makes a 32 KiB span; the refill moves
 *     half a cache (16 KiB) of it into the cache;
 *  2. cache hits, LIFO;
 *  3. refill from the pool without growing the heap;
 *  4. a second span when the first is exhausted;
 *  5. release on overflow: a free into a full (32 KiB) cache first gives
 *     back down to 16 KiB;
 *  6. a pool span whose stacks all come back is returned to the heap;
 *  7. more frees up to a full cache;
 *  8. drain: every span goes back to the heap.
 */
static int stk_levels_fn(void *arg)
{
	struct stk_levels *w = arg;
	struct kunit *test = w->test;
	struct stk_ctx *ctx = test->priv;
	unsigned int order = w->order, i;
	u32 size = stk_order_size(order), per = stk_per_span(order), half = per / 2;
	u32 ac, nf;
	struct goalloc_stackpool *pool = &goalloc_stackpool[order];
	u64 base = ctx->base, span = GOALLOC_STACK_CACHE_SIZE;
	DECLARE_BITMAP(seen, 16) = {};
	struct goalloc_mspan *sa, *sb;
	void *a[16], *b[16 / 2 + 1];

	W_EXPECT_EQ(w, raw_smp_processor_id(), w->cpu);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), 0);
	W_EXPECT_EQ(w, stk_nspans(order), 0);
	if (w->failed)
		return 0;

	/* 1. Pool growth from the heap, and the first refill. */
	if (!lv_alloc(w, &a[0]))
		return 0;
	W_EXPECT_EQ(w, stk_nspans(order), 1);
	W_EXPECT_EQ(w, stk_inuse(), base + span);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), STK_HALF - size);
	sa = gk_span_of(a[0]);
	W_EXPECT_TRUE(w, sa != NULL);
	if (w->failed)
		return 0;
	W_EXPECT_EQ(w, sa->state, GOALLOC_MSPAN_MANUAL);
	W_EXPECT_EQ(w, sa->npages, GOALLOC_STACK_CACHE_SIZE >> GOALLOC_PAGE_SHIFT);
	W_EXPECT_EQ(w, sa->elemsize, size);
	W_EXPECT_EQ(w, sa->nelems, per);
	stk_span_counts(order, sa, &ac, &nf);
	W_EXPECT_EQ(w, ac, half);
	W_EXPECT_EQ(w, nf, per - half);
	W_EXPECT_EQ(w, stk_poolfree(order), per - half);
	W_EXPECT_TRUE(w, stk_reconcile(test));
	if (w->failed)
		return 0;

	/* 2. Cache hits: the rest of the refill, in list order. */
	for (i = 1; i < half; i++)
		if (!lv_cache_hit(w, &a[i], base + span, 1))
			return 0;
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), 0);
	/* A freed stack is the next one handed out (orders with half == 1 too). */
	if (!lv_free_no_release(w, a[0]) || !lv_cache_hit(w, &a[0], base + span, 1))
		return 0;
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), 0);

	/* 3. Refill from the pool: the span's other half, no heap growth. */
	if (!lv_alloc(w, &a[half]))
		return 0;
	W_EXPECT_EQ(w, stk_nspans(order), 1);
	W_EXPECT_EQ(w, stk_inuse(), base + span);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), STK_HALF - size);
	stk_span_counts(order, sa, &ac, &nf);
	W_EXPECT_EQ(w, ac, per);
	W_EXPECT_EQ(w, nf, 0);
	W_EXPECT_EQ(w, stk_poolfree(order), 0);	/* exhausted: off the list */
	for (i = half + 1; i < per; i++)
		if (!lv_cache_hit(w, &a[i], base + span, 1))
			return 0;
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), 0);
	/* Every slot of the span was handed out exactly once. */
	for (i = 0; i < per; i++) {
		unsigned long off = (unsigned long)a[i] - sa->base;

		W_EXPECT_PTR_EQ(w, gk_span_of(a[i]), sa);
		W_EXPECT_EQ(w, off % size, 0);
		if (off < GOALLOC_STACK_CACHE_SIZE && !__test_and_set_bit(off / size, seen))
			continue;
		W_EXPECT_TRUE(w, false);
	}
	W_EXPECT_EQ(w, bitmap_weight(seen, per), per);
	W_EXPECT_TRUE(w, stk_reconcile(test));
	if (w->failed)
		return 0;

	/* 4. A second span: growth again, then its second half by refill. */
	if (!lv_alloc(w, &b[0]))
		return 0;
	sb = gk_span_of(b[0]);
	W_EXPECT_TRUE(w, sb && sb != sa);
	W_EXPECT_EQ(w, stk_nspans(order), 2);
	W_EXPECT_EQ(w, stk_inuse(), base + 2 * span);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), STK_HALF - size);
	if (w->failed)
		return 0;
	for (i = 1; i < half; i++)
		if (!lv_cache_hit(w, &b[i], base + 2 * span, 2))
			return 0;
	if (!lv_alloc(w, &b[half]))
		return 0;
	W_EXPECT_PTR_EQ(w, gk_span_of(b[half]), sb);
	W_EXPECT_EQ(w, stk_nspans(order), 2);
	W_EXPECT_EQ(w, stk_inuse(), base + 2 * span);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), STK_HALF - size);
	stk_span_counts(order, sb, &ac, &nf);
	W_EXPECT_EQ(w, ac, per);
	W_EXPECT_EQ(w, stk_poolfree(order), 0);
	W_EXPECT_TRUE(w, stk_reconcile(test));
	if (w->failed)
		return 0;

	/*
	 * 5. Release on overflow.  One stack of the second span makes the
	 * cache exactly half full; then the first span's stacks fill it to
	 * 32 KiB, and the next free gives the top half back to the pool.
	 */
	if (!lv_free_no_release(w, b[half]))
		return 0;
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), STK_HALF);
	for (i = 0; i < half; i++)
		if (!lv_free_no_release(w, a[i]))
			return 0;
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), GOALLOC_STACK_CACHE_SIZE);
	W_EXPECT_EQ(w, stk_free(test, a[half], size), 0);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), STK_HALF + size);
	W_EXPECT_PTR_EQ(w, stk_cache_head(w->cpu, order), a[half]);
	W_EXPECT_EQ(w, stk_poolfree(order), half);
	stk_span_counts(order, sa, &ac, &nf);
	W_EXPECT_EQ(w, ac, per - half);
	W_EXPECT_EQ(w, nf, half);
	W_EXPECT_EQ(w, stk_nspans(order), 2);
	W_EXPECT_EQ(w, stk_inuse(), base + 2 * span);
	for (i = half + 1; i < per; i++)
		if (!lv_free_no_release(w, a[i]))
			return 0;
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), GOALLOC_STACK_CACHE_SIZE);
	W_EXPECT_TRUE(w, stk_reconcile(test));
	if (w->failed)
		return 0;

	/*
	 * 6. The cache now holds half a cache of the second span under the
	 * first span's last stacks: the next overflow release returns exactly
	 * those, the first span is complete and goes back to the heap.
	 */
	W_EXPECT_EQ(w, stk_free(test, b[0], size), 0);
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), STK_HALF + size);
	W_EXPECT_EQ(w, stk_nspans(order), 1);
	W_EXPECT_EQ(w, stk_inuse(), base + span);
	W_EXPECT_EQ(w, stk_poolfree(order), 0);
	W_EXPECT_TRUE(w, gk_span_of(a[0]) == NULL);	/* pages back in the heap */
	W_EXPECT_TRUE(w, stk_reconcile(test));
	if (w->failed)
		return 0;

	/* 7. The rest of the second span: the cache fills, nothing released. */
	for (i = 1; i < half; i++)
		if (!lv_free_no_release(w, b[i]))
			return 0;
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), GOALLOC_STACK_CACHE_SIZE);
	stk_span_counts(order, sb, &ac, &nf);
	W_EXPECT_EQ(w, ac, per);
	W_EXPECT_EQ(w, stk_nspans(order), 1);
	W_EXPECT_TRUE(w, stk_reconcile(test));
	if (w->failed)
		return 0;

	/* 8. Drain: the cache empties into the pool and the span goes home. */
	goalloc_stack_drain();
	W_EXPECT_EQ(w, stk_cache_bytes(w->cpu, order), 0);
	W_EXPECT_PTR_EQ(w, stk_cache_head(w->cpu, order), NULL);
	W_EXPECT_EQ(w, stk_nspans(order), 0);
	W_EXPECT_EQ(w, stk_inuse(), base);
	W_EXPECT_TRUE(w, gk_span_of(b[0]) == NULL);
	W_EXPECT_TRUE(w, list_empty(&pool->spans));
	return 0;
}

static const unsigned int stk_orders[] = { 0, 1, 2, 3 };

static void stk_order_desc(const unsigned int *order, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u KiB", stk_order_size(*order) >> 10);
}

KUNIT_ARRAY_PARAM(stk_orders, stk_orders, stk_order_desc);

static void goalloc_stack_levels_test(struct kunit *test)
{
	const unsigned int *order = test->param_value;
	struct stk_levels w = { .test = test, .order = *order };

	/* Spread the orders over the online CPUs. */
	w.cpu = cpumask_nth(*order % num_online_cpus(), cpu_online_mask);
	stk_run_on_cpu(test, w.cpu, stk_levels_fn, &w);
	KUNIT_EXPECT_FALSE(test, w.failed);
	stk_expect_drained(test);
}

static const size_t stk_large_sizes[] = { 32 << 10, 64 << 10, 256 << 10, 1 << 20 };

static void stk_size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu KiB", *size >> 10);
}

KUNIT_ARRAY_PARAM(stk_large, stk_large_sizes, stk_size_desc);

/*
 * goalloc_stack_free(@p, @size) must be refused with nothing changed, and
 * counted as a bad free (its WARN is off for the call: the guest log must
 * stay clean).
 */
static void stk_expect_bad_free(struct kunit *test, void *p, size_t size, const char *what)
{
	long bad = atomic_long_read(&goalloc_bad_frees);
	bool warn = READ_ONCE(goalloc_warn_bad_free);
	struct stk_snap sn, sn2;

	stk_snap(&sn);
	WRITE_ONCE(goalloc_warn_bad_free, false);
	KUNIT_EXPECT_EQ_MSG(test, goalloc_stack_free(p, size), -EINVAL, "%s", what);
	WRITE_ONCE(goalloc_warn_bad_free, warn);
	KUNIT_EXPECT_EQ_MSG(test, atomic_long_read(&goalloc_bad_frees), bad + 1,
			    "%s: bad frees counted", what);
	stk_snap(&sn2);
	stk_expect_same(test, &sn, &sn2);
}

/*
 * Large stacks: heap -> caller -> heap.  A freed large stack's span goes
 * back to the heap at once (Go's stackfree when the GC is not marking):
 * StackInuse drops with no drain, and a second free finds no stack there.
 */
static void goalloc_stack_large_test(struct kunit *test)
{
	struct stk_ctx *ctx = test->priv;
	const size_t size = *(const size_t *)test->param_value;
	struct goalloc_mspan *s;
	void *a, *a2, *d;

	a = stk_alloc(test, size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, stk_inuse(), ctx->base + size);
	s = gk_span_of(a);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->base, (unsigned long)a);
	KUNIT_EXPECT_EQ(test, s->state, GOALLOC_MSPAN_MANUAL);
	KUNIT_EXPECT_EQ(test, (size_t)s->npages << GOALLOC_PAGE_SHIFT, size);
	KUNIT_EXPECT_EQ(test, s->elemsize, size);
	KUNIT_EXPECT_EQ(test, s->nelems, 1);
	KUNIT_EXPECT_TRUE(test, gk_span_in_one_arena(s));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)a, GOALLOC_PAGE_SIZE));
	/* The last byte is inside the same span; writing it all is fine. */
	KUNIT_EXPECT_PTR_EQ(test, gk_span_of(a + size - 1), s);
	memset(a, 0xa5, size);
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));

	/* Free: the span is back in the heap, no longer StackInuse. */
	KUNIT_EXPECT_EQ(test, stk_free(test, a, size), 0);
	KUNIT_EXPECT_EQ(test, stk_inuse(), ctx->base);
	KUNIT_EXPECT_NULL(test, gk_span_of(a));
	KUNIT_EXPECT_NULL(test, gk_span_of(a + size - 1));
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	stk_expect_bad_free(test, a, size, "freed large stack");

	/* Another size, then the same size again: both from the heap. */
	d = stk_alloc(test, 2 * size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(d));
	KUNIT_EXPECT_EQ(test, stk_inuse(), ctx->base + 2 * size);
	KUNIT_EXPECT_EQ(test, gk_span_of(d)->elemsize, 2 * size);
	a2 = stk_alloc(test, size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a2));
	KUNIT_EXPECT_EQ(test, stk_inuse(), ctx->base + 3 * size);
	KUNIT_EXPECT_EQ(test, gk_span_of(a2)->elemsize, size);
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));

	/* A live stack of one size cannot be freed as the other. */
	stk_expect_bad_free(test, d, size, "large stack at half its size");
	stk_expect_bad_free(test, a2, 2 * size, "large stack at twice its size");

	KUNIT_EXPECT_EQ(test, stk_free(test, d, 2 * size), 0);
	KUNIT_EXPECT_EQ(test, stk_inuse(), ctx->base + size);
	KUNIT_EXPECT_NULL(test, gk_span_of(d));
	KUNIT_EXPECT_EQ(test, stk_free(test, a2, size), 0);
	KUNIT_EXPECT_EQ(test, stk_inuse(), ctx->base);
	KUNIT_EXPECT_NULL(test, gk_span_of(a2));
	stk_expect_bad_free(test, d, 2 * size, "freed large stack (2x)");
	stk_expect_bad_free(test, a2, size, "freed large stack, again");
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	stk_expect_drained(test);
}

/*
 * Freed large stacks do not pin the heap.  With the heap capped at the
 * pages it owns, whole-frame stacks take every free frame until -ENOMEM;
 * once they are freed, as many whole-frame heap objects fit, in those very
 * frames, with no drain, GC or release in between.  Each old stack
 * pointer, its pages now a heap object (or released), is refused.
 */
static void goalloc_stack_large_reuse_test(struct kunit *test)
{
	const size_t size = GOALLOC_STACK_MAX;
	struct stk_ctx *ctx = test->priv;
	unsigned long *slot;
	unsigned int i, j, got = 0, inslot = 0;
	void **stk, **obj, *p;
	unsigned long saved;

	stk = kunit_kcalloc(test, STK_MAX_HELD, sizeof(*stk), GFP_KERNEL);
	obj = kunit_kcalloc(test, STK_MAX_HELD, sizeof(*obj), GFP_KERNEL);
	slot = kunit_kcalloc(test, STK_MAX_HELD, sizeof(*slot), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, stk && obj && slot);

	/* The first one may grow the heap; then no page is added or given back. */
	gk_keep_pages(test);
	p = stk_alloc(test, size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p));
	saved = gk_set_max_pages(gk_owned_pages());
	while (!IS_ERR(p)) {
		stk[got] = p;
		slot[got] = gk_span_of(p)->pageidx / GOALLOC_ARENA_PAGES;
		if (++got == STK_MAX_HELD)
			break;
		p = stk_try_alloc(test, size);
	}
	KUNIT_EXPECT_TRUE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), -ENOMEM);
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));

	for (i = 0; i < got; i++)
		KUNIT_EXPECT_EQ(test, stk_free(test, stk[i], size), 0);
	KUNIT_EXPECT_EQ(test, stk_inuse(), ctx->base);

	/* The same number of frames is free again, and nothing else is. */
	for (i = 0; i < got; i++) {
		obj[i] = goalloc_alloc(size, GFP_KERNEL);
		KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, obj[i], "object %u of %u", i, got);
		if (IS_ERR_OR_NULL(obj[i]))
			break;
		for (j = 0; j < got; j++) {
			if (gk_span_of(obj[i])->pageidx / GOALLOC_ARENA_PAGES == slot[j]) {
				inslot++;
				break;
			}
		}
	}
	KUNIT_EXPECT_EQ(test, inslot, got);
	for (i = 0; i < got; i++)
		stk_expect_bad_free(test, stk[i], size, "freed stack, frame reused");

	for (i = 0; i < got && !IS_ERR_OR_NULL(obj[i]); i++)
		KUNIT_EXPECT_EQ(test, goalloc_free(obj[i]), 0);
	gk_set_max_pages(saved);
	stk_expect_drained(test);
}

/* A recognisable, position-dependent fill. */
static void stk_pattern(void *buf, size_t size, u64 key)
{
	u64 *w = buf;
	size_t j;

	for (j = 0; j < size / sizeof(u64); j++)
		w[j] = (key ^ j) * 0x9e3779b97f4a7c15ULL;
}

static const size_t stk_grow_sizes[] = {
	2 << 10, 4 << 10, 8 << 10, 16 << 10, 32 << 10, 256 << 10, 1 << 20,
};

KUNIT_ARRAY_PARAM(stk_grow, stk_grow_sizes, stk_size_desc);

/*
 * Growth copies the used top part to the top of a stack twice the size and
 * frees the old one; 16 KiB -> 32 KiB crosses from the pool to a span of
 * its own.
 */
static void goalloc_stack_grow_test(struct kunit *test)
{
	const size_t size = *(const size_t *)test->param_value;
	const size_t used[] = { 0, 1, size / 3, size - 8, size };
	struct goalloc_mspan *s;
	unsigned int i;
	void *ref, *old, *n;

	ref = kunit_kmalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ref);
	for (i = 0; i < ARRAY_SIZE(used); i++) {
		old = stk_alloc(test, size);
		KUNIT_ASSERT_FALSE(test, IS_ERR(old));
		stk_pattern(ref, size, (u64)size << 8 | i);
		memcpy(old, ref, size);

		n = stk_grow(test, old, size, used[i]);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(n), "grow(%zu, used %zu) = %ld", size,
				       used[i], PTR_ERR(n));
		KUNIT_EXPECT_PTR_NE(test, n, old);
		s = gk_span_of(n);
		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_EXPECT_EQ(test, s->state, GOALLOC_MSPAN_MANUAL);
		KUNIT_EXPECT_EQ(test, s->elemsize, 2 * size);
		KUNIT_EXPECT_TRUE(test, gk_span_in_one_arena(s));
		if (2 * size >= GOALLOC_STACK_CACHE_SIZE) {
			/* A large stack is a span of its own. */
			KUNIT_EXPECT_EQ(test, s->base, (unsigned long)n);
			KUNIT_EXPECT_EQ(test, s->nelems, 1);
			KUNIT_EXPECT_EQ(test, (size_t)s->npages << GOALLOC_PAGE_SHIFT, 2 * size);
		} else {
			KUNIT_EXPECT_EQ(test, s->npages,
					GOALLOC_STACK_CACHE_SIZE >> GOALLOC_PAGE_SHIFT);
		}
		KUNIT_EXPECT_EQ_MSG(test, memcmp(n + 2 * size - used[i], ref + size - used[i],
						 used[i]), 0, "size %zu used %zu", size, used[i]);

		/* The old stack was freed: freeing it again is refused. */
		stk_expect_bad_free(test, old, size, "grown-from stack");
		/* The new one is live at its new size only. */
		stk_expect_bad_free(test, n, size, "grown stack at its old size");
		KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
		KUNIT_EXPECT_EQ(test, stk_free(test, n, 2 * size), 0);
		KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	}
	stk_expect_drained(test);
}

/* Grow one stack from 2 KiB to 1 MiB; the whole history stays on top. */
static void goalloc_stack_grow_chain_test(struct kunit *test)
{
	const size_t top = 1 << 20;
	size_t size = GOALLOC_FIXED_STACK;
	void *ref, *stk, *n;

	ref = kunit_kmalloc(test, top, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ref);
	stk = stk_alloc(test, size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(stk));
	/* ref's top @size bytes mirror the live stack. */
	stk_pattern(ref + top - size, size, 1);
	memcpy(stk, ref + top - size, size);
	while (size < top) {
		n = stk_grow(test, stk, size, size);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(n), "grow(%zu) = %ld", size, PTR_ERR(n));
		KUNIT_EXPECT_EQ_MSG(test, memcmp(n + size, ref + top - size, size), 0,
				    "%zu -> %zu", size, 2 * size);
		stk_expect_bad_free(test, stk, size, "grown-from stack");
		stk = n;
		size *= 2;
		/* The new lower half gets its own fill. */
		stk_pattern(ref + top - size, size / 2, size);
		memcpy(stk, ref + top - size, size / 2);
		KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	}
	KUNIT_EXPECT_EQ(test, memcmp(stk, ref, top), 0);
	KUNIT_EXPECT_EQ(test, stk_free(test, stk, size), 0);
	stk_expect_drained(test);
}

/* Bad grow arguments: -EINVAL, the stack untouched and still live. */
static void goalloc_stack_grow_bad_test(struct kunit *test)
{
	const size_t size = 4 << 10;
	struct stk_snap sn, sn2;
	void *ref, *s, *m, *n;

	ref = kunit_kmalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ref);
	s = stk_alloc(test, size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	stk_pattern(ref, size, 77);
	memcpy(s, ref, size);

	stk_snap(&sn);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(s, size, size + 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(s, size, SIZE_MAX)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(s, size / 2, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(s, size * 2, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(s, 3000, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(s, 0, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(s + 8, size, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(ref, size, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(NULL, size, 0)), -EINVAL);
	stk_snap(&sn2);
	stk_expect_same(test, &sn, &sn2);
	KUNIT_EXPECT_EQ(test, memcmp(s, ref, size), 0);

	/* A freed stack cannot be grown. */
	KUNIT_EXPECT_EQ(test, stk_free(test, s, size), 0);
	stk_snap(&sn);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(s, size, 0)), -EINVAL);
	stk_snap(&sn2);
	stk_expect_same(test, &sn, &sn2);

	/* The largest stack cannot grow; the one below it can. */
	m = stk_alloc(test, GOALLOC_STACK_MAX / 2);
	KUNIT_ASSERT_FALSE(test, IS_ERR(m));
	stk_pattern(m + GOALLOC_STACK_MAX / 2 - size, size, 78);
	n = stk_grow(test, m, GOALLOC_STACK_MAX / 2, size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(n));
	KUNIT_EXPECT_TRUE(test, gk_span_in_one_arena(gk_span_of(n)));
	stk_pattern(ref, size, 78);
	KUNIT_EXPECT_EQ(test, memcmp(n + GOALLOC_STACK_MAX - size, ref, size), 0);
	stk_snap(&sn);
	KUNIT_EXPECT_EQ(test, PTR_ERR(goalloc_stack_grow(n, GOALLOC_STACK_MAX, 0)), -EINVAL);
	stk_snap(&sn2);
	stk_expect_same(test, &sn, &sn2);
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	KUNIT_EXPECT_EQ(test, stk_free(test, n, GOALLOC_STACK_MAX), 0);
	stk_expect_drained(test);
}

/*
 * At the heap cap: allocation fails with -ENOMEM instead of looping, and a
 * failed grow leaves the old stack live and intact, with nothing changed.
 */
static void goalloc_stack_enomem_test(struct kunit *test)
{
	const size_t xsize = GOALLOC_STACK_MAX / 2;
	struct stk_snap sn, sn2;
	unsigned long saved, owned;
	void *ref, *x, *p, *n;
	unsigned int i, got = 0;

	ref = kunit_kmalloc(test, xsize, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ref);
	x = stk_alloc(test, xsize);
	KUNIT_ASSERT_FALSE(test, IS_ERR(x));
	stk_pattern(ref, xsize, 99);
	memcpy(x, ref, xsize);

	gk_keep_pages(test);
	owned = gk_owned_pages();
	saved = gk_set_max_pages(owned);
	/* Whole-frame stacks take every free frame, then fail. */
	for (i = 0; i <= owned / GOALLOC_ARENA_PAGES; i++) {
		p = stk_try_alloc(test, GOALLOC_STACK_MAX);
		if (IS_ERR(p))
			break;
		got++;
	}
	KUNIT_EXPECT_TRUE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), -ENOMEM);
	/* x's frame is not free. */
	KUNIT_EXPECT_LT(test, (unsigned long)got * GOALLOC_ARENA_PAGES, owned);

	/* No frame for a 4 MiB stack: growing x fails and changes nothing. */
	stk_snap(&sn);
	n = goalloc_stack_grow(x, xsize, xsize);
	KUNIT_EXPECT_TRUE(test, IS_ERR(n));
	KUNIT_EXPECT_EQ(test, PTR_ERR(n), -ENOMEM);
	if (!IS_ERR(n)) {
		stk_untrack(test, x, xsize);
		x = n;	/* keep the books straight for the rest of the case */
		stk_track(test, n, 2 * xsize);
	}
	stk_snap(&sn2);
	stk_expect_same(test, &sn, &sn2);
	gk_set_max_pages(saved);

	if (x == n)
		return;		/* exit frees what is held */
	KUNIT_EXPECT_EQ(test, memcmp(x, ref, xsize), 0);
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	KUNIT_EXPECT_EQ(test, stk_free(test, x, xsize), 0);
	if (stk_free_held(test, GOALLOC_STACK_MAX))
		stk_expect_drained(test);
}

/*
 * A heap grow that reports room but adds none: what losing every race for
 * the new pages to other CPUs looks like.  Installed as a KUnit static
 * stub of goalloc_mheap_grow(), so it runs only in this test's thread.
 */
static int stk_grow_adds_nothing(u32 npages)
{
	struct stk_ctx *ctx = kunit_get_current_test()->priv;

	/* Far past the bound, fail: an unbounded retry loop ends too. */
	if (++ctx->grows > 4 * GOALLOC_STACK_GROW_TRIES)
		return -ENOMEM;
	return 0;
}

/*
 * goalloc_stack_alloc() gives up after GOALLOC_STACK_GROW_TRIES grows that
 * did not make room.  Whole-arena stacks take every free arena (no grow
 * needed for those); the next one fails with -ENOMEM after exactly the
 * bound, and the failure changes nothing.
 */
static void goalloc_stack_grow_bound_test(struct kunit *test)
{
	const size_t size = GOALLOC_STACK_MAX;
	struct stk_ctx *ctx = test->priv;
	struct stk_snap sn, sn2;
	unsigned int n = 0;
	void *p;

	kunit_activate_static_stub(test, goalloc_mheap_grow, stk_grow_adds_nothing);
	for (;;) {
		ctx->grows = 0;
		p = stk_try_alloc(test, size);
		if (IS_ERR(p))
			break;
		KUNIT_EXPECT_EQ(test, ctx->grows, 0);
		n++;
	}
	KUNIT_EXPECT_TRUE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), -ENOMEM);
	KUNIT_EXPECT_EQ(test, ctx->grows, GOALLOC_STACK_GROW_TRIES);

	stk_snap(&sn);
	ctx->grows = 0;
	p = goalloc_stack_alloc(size);
	KUNIT_EXPECT_EQ(test, PTR_ERR(p), -ENOMEM);
	KUNIT_EXPECT_EQ(test, ctx->grows, GOALLOC_STACK_GROW_TRIES);
	stk_snap(&sn2);
	stk_expect_same(test, &sn, &sn2);
	kunit_deactivate_static_stub(test, goalloc_mheap_grow);
	kunit_info(test, "%u whole-arena stacks before the bound was hit\n", n);

	if (stk_free_held(test, 0))
		stk_expect_drained(test);
}

/* Sizes that are not powers of two in [2 KiB, 4 MiB] are refused. */
static void goalloc_stack_bad_size_test(struct kunit *test)
{
	static const size_t bad[] = {
		0, 1, 3000, 1024, GOALLOC_FIXED_STACK - 1, GOALLOC_FIXED_STACK + 1,
		3 * GOALLOC_FIXED_STACK, 48 << 10, GOALLOC_STACK_MAX - GOALLOC_FIXED_STACK,
		GOALLOC_STACK_MAX * 2, GOALLOC_STACK_MAX + 1, SIZE_MAX, (size_t)1 << 63,
	};
	struct stk_snap sn, sn2;
	unsigned int i;
	void *p;

	stk_snap(&sn);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = goalloc_stack_alloc(bad[i]);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(p), "size %zu", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(p), -EINVAL, "size %zu", bad[i]);
		if (!IS_ERR(p))
			goalloc_stack_free(p, bad[i]);
	}
	stk_snap(&sn2);
	stk_expect_same(test, &sn, &sn2);

	/* Both ends of the range are accepted. */
	p = stk_alloc(test, GOALLOC_FIXED_STACK);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, stk_free(test, p, GOALLOC_FIXED_STACK), 0);
	p = stk_alloc(test, GOALLOC_STACK_MAX);
	KUNIT_ASSERT_FALSE(test, IS_ERR(p));
	KUNIT_EXPECT_EQ(test, gk_span_of(p)->npages, GOALLOC_STACK_MAX >> GOALLOC_PAGE_SHIFT);
	KUNIT_EXPECT_TRUE(test, gk_span_in_one_arena(gk_span_of(p)));
	memset(p, 0x5a, GOALLOC_STACK_MAX);
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	KUNIT_EXPECT_EQ(test, stk_free(test, p, GOALLOC_STACK_MAX), 0);
	stk_expect_drained(test);
}


static void goalloc_stack_bad_free_test(struct kunit *test)
{
	const size_t size = 4 << 10, lsize = 64 << 10;
	struct goalloc_mspan *ss;
	void *s, *l, *h, *hl, *k, *nb;
	unsigned long idx;
	u8 onstack[64];

	s = stk_alloc(test, size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s));
	l = stk_alloc(test, lsize);
	KUNIT_ASSERT_FALSE(test, IS_ERR(l));

	stk_expect_bad_free(test, s, size / 2, "wrong size (smaller)");
	stk_expect_bad_free(test, s, size * 2, "wrong size (larger)");
	stk_expect_bad_free(test, s, 3000, "size not a power of two");
	stk_expect_bad_free(test, s, 0, "size 0");
	stk_expect_bad_free(test, s, lsize, "large size for a small stack");
	stk_expect_bad_free(test, s + 8, size, "interior pointer");
	stk_expect_bad_free(test, s + size / 2, size / 2, "interior pointer, its size");
	stk_expect_bad_free(test, s + size - 1, size, "last byte");
	/* A slot of the same span that was never handed to the test. */
	ss = gk_span_of(s);
	KUNIT_ASSERT_NOT_NULL(test, ss);
	idx = ((unsigned long)s - ss->base) / size;
	nb = (void *)ss->base + ((idx + 1) % stk_per_span(1)) * size;
	stk_expect_bad_free(test, nb, size, "neighbour never allocated");

	stk_expect_bad_free(test, l, lsize / 2, "large: wrong size");
	stk_expect_bad_free(test, l, lsize * 2, "large: wrong size (larger)");
	stk_expect_bad_free(test, l + GOALLOC_PAGE_SIZE, lsize, "large: interior page");
	stk_expect_bad_free(test, l + GOALLOC_PAGE_SIZE, GOALLOC_PAGE_SIZE,
			    "large: interior page, page size");
	stk_expect_bad_free(test, l + lsize / 2, lsize / 2, "large: upper half");

	/* Heap objects, small and large, are not stacks. */
	h = goalloc_alloc(2048, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h);
	hl = goalloc_alloc(lsize, GFP_KERNEL);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, hl);
	stk_expect_bad_free(test, h, 2048, "small heap object");
	if (!IS_ERR_OR_NULL(hl))
		stk_expect_bad_free(test, hl, lsize, "large heap object");
	KUNIT_EXPECT_EQ(test, goalloc_free(h), 0);
	if (!IS_ERR_OR_NULL(hl))
		KUNIT_EXPECT_EQ(test, goalloc_free(hl), 0);

	/* Foreign memory. */
	k = kmalloc(size, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, k);
	if (k) {
		stk_expect_bad_free(test, k, size, "kmalloc");
		kfree(k);
	}
	stk_expect_bad_free(test, onstack, GOALLOC_FIXED_STACK, "kernel stack");
	stk_expect_bad_free(test, NULL, GOALLOC_FIXED_STACK, "NULL");
	stk_expect_bad_free(test, ERR_PTR(-ENOMEM), GOALLOC_FIXED_STACK, "error pointer");

	/* Both are still live after all that. */
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	KUNIT_EXPECT_EQ(test, stk_free(test, s, size), 0);
	KUNIT_EXPECT_EQ(test, stk_free(test, l, lsize), 0);

	/* Double frees: from a cache, and of a large stack back in the heap. */
	stk_expect_bad_free(test, s, size, "double free (cached)");
	stk_expect_bad_free(test, l, lsize, "double free (large, span freed)");
	goalloc_stack_drain();
	stk_expect_bad_free(test, s, size, "free after drain");
	stk_expect_bad_free(test, l, lsize, "large free after drain");
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	stk_expect_drained(test);
}

/*
 * Concurrency: one kthread per online CPU allocates stacks of every order
 * and some large ones, fills each completely with (thread, index), and
 * verifies the fill before freeing it.  A quarter of the frees are handed
 * to another CPU's thread, which verifies and frees them there.
 */
#define CONC_SLOTS	8
#define CONC_INBOX	8
#define CONC_ITERS	3000
#define CONC_SECONDS	3
#define CONC_SEED	0x2545f491u

struct conc_stack {
	void *p;
	u32 size;
	u32 owner;
	u32 idx;
};

struct conc_worker {
	struct kunit *test;
	struct conc_worker *all;
	unsigned int n, id;
	int cpu;
	unsigned long deadline;
	atomic_t *bad;
	u32 rng, next_idx;
	struct conc_stack held[CONC_SLOTS];
	spinlock_t lock;		/* guards inbox and ninbox */
	struct conc_stack inbox[CONC_INBOX];
	unsigned int ninbox;
	unsigned long iters, allocs, frees, handoffs, remote_frees;
	struct stk_thread t;
	struct task_struct *task;
};

static u32 conc_rand(struct conc_worker *w)
{
	u32 x = w->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return w->rng = x;
}

static u64 conc_key(const struct conc_stack *cs)
{
	return (u64)(cs->owner + 1) << 48 | (u64)cs->idx << 20;
}

static void conc_fill(const struct conc_stack *cs)
{
	u64 *w = cs->p, key = conc_key(cs);
	u32 j;

	for (j = 0; j < cs->size / sizeof(u64); j++)
		w[j] = key | j;
}

static bool conc_verify(struct conc_worker *w, const struct conc_stack *cs)
{
	u64 *p = cs->p, key = conc_key(cs);
	u32 j;

	for (j = 0; j < cs->size / sizeof(u64); j++) {
		if (p[j] != (key | j)) {
			KUNIT_FAIL(w->test, "stack %p (%u, thread %u #%u) word %u: %llx != %llx",
				   cs->p, cs->size, cs->owner, cs->idx, j, p[j], key | j);
			atomic_inc(w->bad);
			return false;
		}
	}
	return true;
}

static void conc_release(struct conc_worker *w, struct conc_stack *cs, bool remote)
{
	int err;

	if (!conc_verify(w, cs))
		return;		/* corrupted: leak it rather than free twice */
	err = goalloc_stack_free(cs->p, cs->size);
	if (err) {
		KUNIT_FAIL(w->test, "stack_free(%p, %u) = %d", cs->p, cs->size, err);
		atomic_inc(w->bad);
		return;
	}
	w->frees++;
	if (remote)
		w->remote_frees++;
	cs->p = NULL;
}

static bool conc_give(struct conc_worker *to, struct conc_stack *cs)
{
	bool ok = false;

	spin_lock(&to->lock);
	if (to->ninbox < CONC_INBOX) {
		to->inbox[to->ninbox++] = *cs;
		ok = true;
	}
	spin_unlock(&to->lock);
	return ok;
}

static bool conc_take(struct conc_worker *w, struct conc_stack *cs)
{
	bool ok = false;

	spin_lock(&w->lock);
	if (w->ninbox) {
		*cs = w->inbox[--w->ninbox];
		ok = true;
	}
	spin_unlock(&w->lock);
	return ok;
}

static int conc_fn(void *arg)
{
	struct conc_worker *w = arg;
	struct conc_stack cs;
	struct goalloc_mspan *s;
	unsigned int i;
	u32 r;

	for (w->iters = 0; w->iters < CONC_ITERS && time_before(jiffies, w->deadline) &&
	     !atomic_read(w->bad); w->iters++) {
		if (conc_take(w, &cs))
			conc_release(w, &cs, cs.owner != w->id);
		r = conc_rand(w);
		i = r % CONC_SLOTS;
		if (w->held[i].p) {
			struct conc_worker *to = &w->all[(w->id + 1 + (r >> 16) % w->n) % w->n];

			if ((r >> 8) % 4 == 0 && to != w && conc_give(to, &w->held[i])) {
				w->held[i].p = NULL;
				w->handoffs++;
			} else {
				conc_release(w, &w->held[i], false);
			}
			continue;
		}
		/* 2, 4 KiB: 4/16 each; 8, 16 KiB: 3/16 each; 32, 64 KiB: 1/16. */
		switch ((r >> 12) % 16) {
		case 0 ... 3:
			cs.size = 2 << 10;
			break;
		case 4 ... 7:
			cs.size = 4 << 10;
			break;
		case 8 ... 10:
			cs.size = 8 << 10;
			break;
		case 11 ... 13:
			cs.size = 16 << 10;
			break;
		case 14:
			cs.size = 32 << 10;
			break;
		default:
			cs.size = 64 << 10;
			break;
		}
		cs.p = goalloc_stack_alloc(cs.size);
		if (IS_ERR(cs.p)) {
			KUNIT_FAIL(w->test, "stack_alloc(%u) = %ld", cs.size, PTR_ERR(cs.p));
			atomic_inc(w->bad);
			break;
		}
		s = gk_span_of(cs.p);
		if (!s || s->elemsize != cs.size || !gk_span_in_one_arena(s) ||
		    !IS_ALIGNED((unsigned long)cs.p, min_t(u32, cs.size, GOALLOC_PAGE_SIZE))) {
			KUNIT_FAIL(w->test, "stack %p (%u) not in a span of its size", cs.p,
				   cs.size);
			atomic_inc(w->bad);
		}
		cs.owner = w->id;
		cs.idx = w->next_idx++;
		conc_fill(&cs);
		w->held[i] = cs;
		w->allocs++;
	}
	for (i = 0; i < CONC_SLOTS; i++)
		if (w->held[i].p)
			conc_release(w, &w->held[i], false);
	while (conc_take(w, &cs))
		conc_release(w, &cs, cs.owner != w->id);
	return 0;
}

static void goalloc_stack_concurrent_test(struct kunit *test)
{
	unsigned long allocs = 0, frees = 0, handoffs = 0, remote = 0;
	unsigned int n = num_online_cpus(), i = 0, started;
	struct conc_worker *w;
	struct conc_stack cs;
	atomic_t bad = ATOMIC_INIT(0);
	unsigned long deadline = jiffies + CONC_SECONDS * HZ;
	int cpu;

	w = kunit_kcalloc(test, n, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for_each_online_cpu(cpu) {
		if (i == n)
			break;
		w[i].test = test;
		w[i].all = w;
		w[i].n = n;
		w[i].id = i;
		w[i].cpu = cpu;
		w[i].deadline = deadline;
		w[i].bad = &bad;
		w[i].rng = CONC_SEED ^ (i * 0x9e3779b9u);
		if (!w[i].rng)
			w[i].rng = 1;	/* xorshift's one fixed point */
		spin_lock_init(&w[i].lock);
		w[i].t.fn = conc_fn;
		w[i].t.arg = &w[i];
		init_completion(&w[i].t.done);
		w[i].task = kthread_create(stk_thread_fn, &w[i].t, "goalloc_stk/%d", cpu);
		if (IS_ERR(w[i].task))
			break;
		kthread_bind(w[i].task, cpu);
		i++;
	}
	started = i;
	if (started < n) {
		/* Never woken: stopping them before they run is safe. */
		for (i = 0; i < started; i++)
			kthread_stop(w[i].task);
		KUNIT_FAIL(test, "could not start a thread on every CPU");
		return;
	}
	kunit_info(test, "%u threads, seed %#x, up to %d iterations or %d s each\n", n,
		   CONC_SEED, CONC_ITERS, CONC_SECONDS);
	for (i = 0; i < n; i++)
		wake_up_process(w[i].task);
	for (i = 0; i < n; i++)
		wait_for_completion(&w[i].t.done);

	/* Whatever was handed over after its receiver finished. */
	for (i = 0; i < n; i++)
		while (conc_take(&w[i], &cs))
			conc_release(&w[i], &cs, false);

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_GT_MSG(test, w[i].allocs, 16, "thread %u on cpu %d", i, w[i].cpu);
		allocs += w[i].allocs;
		frees += w[i].frees;
		handoffs += w[i].handoffs;
		remote += w[i].remote_frees;
	}
	kunit_info(test, "%lu allocs, %lu frees, %lu handed to another CPU, %lu freed remotely\n",
		   allocs, frees, handoffs, remote);
	KUNIT_EXPECT_EQ(test, atomic_read(&bad), 0);
	KUNIT_EXPECT_EQ(test, frees, allocs);
	if (n > 1) {
		KUNIT_EXPECT_GT(test, handoffs, 0);
		KUNIT_EXPECT_GT(test, remote, 0);
	}
	if (atomic_read(&bad))
		return;		/* stacks were leaked on purpose; do not reconcile */
	KUNIT_EXPECT_TRUE(test, stk_reconcile(test));
	stk_expect_drained(test);
}

static int goalloc_stack_test_init(struct kunit *test)
{
	struct stk_ctx *ctx;
	struct stk_snap sn;
	unsigned int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	spin_lock_init(&ctx->lock);
	test->priv = ctx;

	goalloc_stack_drain();
	goalloc_gc();
	stk_snap(&sn);
	/* Drained, the pools and caches hold nothing. */
	for (i = 0; i < GOALLOC_NUM_STACK_ORDERS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, sn.nspans[i], 0, "order %u", i);
		KUNIT_EXPECT_EQ_MSG(test, sn.cached[i], 0, "order %u", i);
	}
	KUNIT_EXPECT_EQ(test, sn.sys, sn.inuse);
	ctx->base = sn.inuse;
	return 0;
}

static void goalloc_stack_test_exit(struct kunit *test)
{
	struct stk_ctx *ctx = test->priv;
	unsigned int i;

	/* A case that stopped early leaves its stacks here. */
	for (i = 0; i < ctx->nheld; i++)
		goalloc_stack_free(ctx->held[i].p, ctx->held[i].size);
	ctx->nheld = 0;
	goalloc_stack_drain();
	goalloc_gc();
}

static struct kunit_case goalloc_stack_test_cases[] = {
	KUNIT_CASE_PARAM(goalloc_stack_levels_test, stk_orders_gen_params),
	KUNIT_CASE_PARAM(goalloc_stack_large_test, stk_large_gen_params),
	KUNIT_CASE(goalloc_stack_large_reuse_test),
	KUNIT_CASE_PARAM(goalloc_stack_grow_test, stk_grow_gen_params),
	KUNIT_CASE(goalloc_stack_grow_chain_test),
	KUNIT_CASE(goalloc_stack_grow_bad_test),
	KUNIT_CASE(goalloc_stack_enomem_test),
	KUNIT_CASE(goalloc_stack_grow_bound_test),
	KUNIT_CASE(goalloc_stack_bad_size_test),
	KUNIT_CASE(goalloc_stack_bad_free_test),
	KUNIT_CASE(goalloc_stack_concurrent_test),
	{}
};

static struct kunit_suite goalloc_stack_test_suite = {
	.name = "goalloc_stack",
	.init = goalloc_stack_test_init,
	.exit = goalloc_stack_test_exit,
	.test_cases = goalloc_stack_test_cases,
};

kunit_test_suite(goalloc_stack_test_suite);
