// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for calling goalloc where kmalloc is called: allocation with
 * GFP_ATOMIC and free from softirq (a timer), hardirq (an irq_work and a
 * hard hrtimer) and RCU callbacks, while a task on the same CPU churns
 * with GFP_KERNEL and, now and then, GFP_ATOMIC under a spinlock with
 * interrupts off.  The test kernel runs lockdep and DEBUG_ATOMIC_SLEEP: a
 * lock of goalloc's taken with interrupts on that an interrupt also takes,
 * or anything that sleeps in these contexts, is a splat that fails the
 * boot.  The cases themselves check every object's contents before it is
 * freed, that each context ran in the context it claims, and that the
 * allocation and free counters balance.
 *
 * Also the one new ordering rule: an allocation that cannot sleep fails
 * where the heap would have to grow and leaves the growth to
 * goalloc_grow_work; the next attempt then succeeds.
 *
 * And the same contexts with the goalloc_alloc/goalloc_free detours
 * (tracepoints) switched on and off throughout: the per-CPU switch and
 * alloc_traced() run under the irq-safe p lock, so an interrupt on that
 * CPU finds the mcache switched or not, never half-way.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

#include <goalloc.h>
#include "goalloc/malloc.h"
#include "goalloc/mcache.h"
#include "goalloc/mheap.h"

#include "goalloc_kunit.h"

/* Timer rounds: each also queues the irq_work and one RCU callback. */
#define CX_ROUNDS	150
/* Objects each context keeps live between its runs. */
#define CX_SLOTS	6

/* Sizes: tiny (as noscan), small of several classes, and large. */
static const u32 cx_sizes[] = { 1, 3, 8, 12, 16, 24, 64, 200, 512, 1024, 2048, 40000 };

/* One context's objects; only that context touches it while it runs. */
struct cx_side {
	void *obj[CX_SLOTS];
	u32 size[CX_SLOTS];
	u8 pat[CX_SLOTS];
	u32 seq;
	unsigned long allocs, frees, fails, corrupt, not_zero, wrong_ctx;
};

struct cx_ctx {
	struct timer_list timer;
	struct hrtimer hrtimer;
	struct irq_work iw;
	spinlock_t lock;	/* held by the task around its GFP_ATOMIC churn */
	atomic_t rounds;
	bool stop;
	int cpu;
	struct cx_side task, locked, soft, hard, iwork;
	atomic_long_t rcu_allocs, rcu_frees, rcu_fails, rcu_corrupt, rcu_pending;
	unsigned long toggles;	/* detour switches (the toggler's alone) */
};

/* An object freed by an RCU callback, as kfree_rcu() users do. */
struct cx_rcu_obj {
	struct rcu_head rcu;
	u8 data[48];
};

static u8 cx_pattern(u32 seq, unsigned int slot)
{
	return (u8)(seq * 31 + slot * 7 + 1);
}

/* Check and free the object in slot @i, if any. */
static void cx_drop(struct cx_side *sd, unsigned int i)
{
	if (!sd->obj[i])
		return;
	if (memchr_inv(sd->obj[i], sd->pat[i], sd->size[i]))
		sd->corrupt++;
	if (goalloc_free(sd->obj[i]))
		sd->corrupt++;
	else
		sd->frees++;
	sd->obj[i] = NULL;
}

/*
 * One run of a context: check and free what its last run left, then
 * allocate new objects and fill them.  With __GFP_ZERO the new object
 * must read as zeroes before it is filled.
 */
static void cx_churn(struct cx_side *sd, gfp_t gfp, bool large)
{
	unsigned int i, n = ARRAY_SIZE(cx_sizes) - (large ? 0 : 1);
	u32 size;
	void *p;

	sd->seq++;
	for (i = 0; i < CX_SLOTS; i++) {
		cx_drop(sd, i);
		size = cx_sizes[(sd->seq * 5 + i) % n];
		/* Half of them pointer-free: the tiny tier for small sizes. */
		p = (sd->seq + i) & 1 ? goalloc_alloc_noscan(size, gfp) :
					goalloc_alloc(size, gfp);
		if (!p) {
			sd->fails++;
			continue;
		}
		sd->allocs++;
		if ((gfp & __GFP_ZERO) && memchr_inv(p, 0, size))
			sd->not_zero++;
		sd->obj[i] = p;
		sd->size[i] = size;
		sd->pat[i] = cx_pattern(sd->seq, i);
		memset(p, sd->pat[i], size);
	}
}

/* Free what a context still holds (task context, after it stopped). */
static void cx_side_release(struct cx_side *sd)
{
	unsigned int i;

	for (i = 0; i < CX_SLOTS; i++)
		cx_drop(sd, i);
}

/* The running case's context, for the RCU callbacks. */
static struct cx_ctx *cx_rcu_ctx;

/* The RCU callback: check and free the object, and allocate one more. */
static void cx_rcu_free(struct rcu_head *head)
{
	struct cx_rcu_obj *o = container_of(head, struct cx_rcu_obj, rcu);
	struct cx_ctx *ctx = READ_ONCE(cx_rcu_ctx);
	u8 *t;

	if (memchr_inv(o->data + 1, o->data[0], sizeof(o->data) - 1))
		atomic_long_inc(&ctx->rcu_corrupt);
	if (goalloc_free(o))
		atomic_long_inc(&ctx->rcu_corrupt);
	else
		atomic_long_inc(&ctx->rcu_frees);
	/* Allocate from the callback too: a tiny object, freed at once. */
	t = goalloc_alloc_noscan(5, GFP_ATOMIC);
	if (t) {
		atomic_long_inc(&ctx->rcu_allocs);
		memset(t, 0x3c, 5);
		if (memchr_inv(t, 0x3c, 5) || goalloc_free(t))
			atomic_long_inc(&ctx->rcu_corrupt);
		else
			atomic_long_inc(&ctx->rcu_frees);
	} else {
		atomic_long_inc(&ctx->rcu_fails);
	}
	atomic_long_dec(&ctx->rcu_pending);
}

/* Hardirq: an irq_work the timer queues on its CPU. */
static void cx_iw_fn(struct irq_work *w)
{
	struct cx_ctx *ctx = container_of(w, struct cx_ctx, iw);

	if (!in_hardirq() || smp_processor_id() != ctx->cpu)
		ctx->iwork.wrong_ctx++;
	cx_churn(&ctx->iwork, GFP_ATOMIC | __GFP_ZERO, true);
}

/* Hardirq at arbitrary points of the task's loop: a hard hrtimer. */
static enum hrtimer_restart cx_hrtimer_fn(struct hrtimer *t)
{
	struct cx_ctx *ctx = container_of(t, struct cx_ctx, hrtimer);

	if (!in_hardirq() || smp_processor_id() != ctx->cpu)
		ctx->hard.wrong_ctx++;
	cx_churn(&ctx->hard, GFP_ATOMIC, false);
	if (READ_ONCE(ctx->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ms_to_ktime(1));
	return HRTIMER_RESTART;
}

/* Softirq: a pinned timer, every jiffy for CX_ROUNDS rounds. */
static void cx_timer_fn(struct timer_list *t)
{
	struct cx_ctx *ctx = from_timer(ctx, t, timer);
	struct cx_rcu_obj *o;

	if (!in_serving_softirq() || smp_processor_id() != ctx->cpu)
		ctx->soft.wrong_ctx++;
	cx_churn(&ctx->soft, GFP_ATOMIC, true);
	irq_work_queue(&ctx->iw);
	o = goalloc_alloc(sizeof(*o), GFP_NOWAIT | __GFP_NOWARN);
	if (o) {
		atomic_long_inc(&ctx->rcu_allocs);
		o->data[0] = (u8)atomic_read(&ctx->rounds);
		memset(o->data + 1, o->data[0], sizeof(o->data) - 1);
		atomic_long_inc(&ctx->rcu_pending);
		call_rcu(&o->rcu, cx_rcu_free);
	} else {
		atomic_long_inc(&ctx->rcu_fails);
	}
	if (atomic_inc_return(&ctx->rounds) < CX_ROUNDS)
		mod_timer(&ctx->timer, jiffies + 1);
}

static void cx_expect_side(struct kunit *test, const char *name, struct cx_side *sd)
{
	KUNIT_EXPECT_GT_MSG(test, sd->allocs, 0UL, "%s: never ran", name);
	KUNIT_EXPECT_EQ_MSG(test, sd->allocs, sd->frees, "%s", name);
	KUNIT_EXPECT_EQ_MSG(test, sd->fails, 0UL, "%s: allocations failed", name);
	KUNIT_EXPECT_EQ_MSG(test, sd->corrupt, 0UL, "%s: objects corrupted", name);
	KUNIT_EXPECT_EQ_MSG(test, sd->not_zero, 0UL, "%s: __GFP_ZERO objects not zero", name);
	KUNIT_EXPECT_EQ_MSG(test, sd->wrong_ctx, 0UL, "%s: ran in another context", name);
}

/*
 * Make the heap hold free pages the atomic contexts can use without
 * growing it, kept there while the case runs (the scavenger is held off).
 */
static void cx_prewarm(struct kunit *test)
{
	enum { N = 48 };
	void **p = kunit_kcalloc(test, N, sizeof(*p), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	gk_keep_pages(test);
	for (i = 0; i < N; i++)
		p[i] = goalloc_alloc(64 << 10, GFP_KERNEL);
	for (i = 0; i < N; i++) {
		KUNIT_EXPECT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_EQ(test, goalloc_free(p[i]), 0);
	}
	goalloc_gc();
}

/*
 * The trace detours switched on and off (as probes of goalloc_alloc and
 * goalloc_free come and go) until the case stops it: the per-CPU switch
 * runs under the p lock on the CPU the interrupts come in on, and traced
 * allocations from hardirq and softirq take alloc_traced().
 */
static int cx_toggle_fn(void *arg)
{
	struct cx_ctx *ctx = arg;
	bool on = false;

	while (!kthread_should_stop()) {
		on = !on;
		goalloc_mcache_set_traced(on);
		goalloc_mheap_set_lookup_cache(!on);
		ctx->toggles++;
		usleep_range(300, 600);
	}
	goalloc_mcache_set_traced(false);
	goalloc_mheap_set_lookup_cache(true);
	return 0;
}

static void cx_irq(struct kunit *test, bool toggle)
{
	struct cx_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct goalloc_memstats ms0, ms1;
	struct task_struct *toggler = NULL;
	unsigned long irqf, total;
	unsigned int iter = 0;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	gk_quiesce(test);
	cx_prewarm(test);
	goalloc_read_memstats(&ms0);

	spin_lock_init(&ctx->lock);
	timer_setup(&ctx->timer, cx_timer_fn, TIMER_PINNED);
	hrtimer_init(&ctx->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	ctx->hrtimer.function = cx_hrtimer_fn;
	ctx->iw = IRQ_WORK_INIT_HARD(cx_iw_fn);
	WRITE_ONCE(cx_rcu_ctx, ctx);

	if (toggle) {
		toggler = kthread_run(cx_toggle_fn, ctx, "goalloc_cx_trace");
		KUNIT_ASSERT_FALSE(test, IS_ERR(toggler));
	}
	/* Everything on this CPU: the interrupts come in over the churn. */
	migrate_disable();
	ctx->cpu = smp_processor_id();
	ctx->timer.expires = jiffies + 1;
	add_timer_on(&ctx->timer, ctx->cpu);
	hrtimer_start(&ctx->hrtimer, ms_to_ktime(1), HRTIMER_MODE_REL_PINNED_HARD);
	while (atomic_read(&ctx->rounds) < CX_ROUNDS) {
		cx_churn(&ctx->task, GFP_KERNEL, true);
		/* Atomic callers hold spinlocks with interrupts off. */
		if (!(++iter % 4)) {
			spin_lock_irqsave(&ctx->lock, irqf);
			cx_churn(&ctx->locked, GFP_ATOMIC, false);
			spin_unlock_irqrestore(&ctx->lock, irqf);
		}
		cond_resched();
	}
	WRITE_ONCE(ctx->stop, true);
	timer_delete_sync(&ctx->timer);
	hrtimer_cancel(&ctx->hrtimer);
	irq_work_sync(&ctx->iw);
	migrate_enable();
	if (toggler) {
		kthread_stop(toggler);
		/* Enough switches to land inside the interrupts' allocations. */
		KUNIT_EXPECT_GE(test, ctx->toggles, 4UL);
		kunit_info(test, "%lu detour switches\n", ctx->toggles);
	}
	rcu_barrier();

	cx_side_release(&ctx->task);
	cx_side_release(&ctx->locked);
	cx_side_release(&ctx->soft);
	cx_side_release(&ctx->hard);
	cx_side_release(&ctx->iwork);
	kunit_info(test, "allocs: task %lu, task+spinlock %lu, timer %lu, hrtimer %lu, irq_work %lu, rcu %ld\n",
		   ctx->task.allocs, ctx->locked.allocs, ctx->soft.allocs, ctx->hard.allocs,
		   ctx->iwork.allocs, atomic_long_read(&ctx->rcu_allocs));
	cx_expect_side(test, "task", &ctx->task);
	cx_expect_side(test, "task, spinlock held", &ctx->locked);
	cx_expect_side(test, "timer (softirq)", &ctx->soft);
	cx_expect_side(test, "hrtimer (hardirq)", &ctx->hard);
	cx_expect_side(test, "irq_work (hardirq)", &ctx->iwork);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->rcu_pending), 0L);
	KUNIT_EXPECT_GT(test, atomic_long_read(&ctx->rcu_allocs), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->rcu_allocs),
			atomic_long_read(&ctx->rcu_frees));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->rcu_fails), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->rcu_corrupt), 0L);

	/* goalloc counted exactly what the contexts did, and all is free. */
	goalloc_gc();
	goalloc_read_memstats(&ms1);
	total = ctx->task.allocs + ctx->locked.allocs + ctx->soft.allocs +
		ctx->hard.allocs + ctx->iwork.allocs + atomic_long_read(&ctx->rcu_allocs);
	KUNIT_EXPECT_EQ(test, ms1.mallocs - ms0.mallocs, (u64)total);
	KUNIT_EXPECT_EQ(test, ms1.frees - ms0.frees, ms1.mallocs - ms0.mallocs);
	KUNIT_EXPECT_EQ(test, ms1.heap_alloc, 0ULL);
	KUNIT_EXPECT_EQ(test, ms1.heap_objects, 0ULL);
}

static void goalloc_context_irq_test(struct kunit *test)
{
	cx_irq(test, false);
}

/* The same, with the goalloc_alloc/goalloc_free detours toggled throughout. */
static void goalloc_context_irq_trace_test(struct kunit *test)
{
	cx_irq(test, true);
}

/* Runtime pages the heap owns now. */
static unsigned long cx_owned(void)
{
	return READ_ONCE(goalloc_mheap.pages_owned);
}

/*
 * The deferred growth, steps in the order that needs it: an atomic
 * allocation on a heap with no free page must fail without sleeping (with
 * interrupts off, where growth would splat) and leave the growth to the
 * work item; once that ran, the same allocation succeeds, still atomic.
 * Small (a span's pages) and large (a run of its own) alike.
 */
static void goalloc_context_atomic_grow_test(struct kunit *test)
{
	static const u32 sizes[] = { 64, 64 << 10 };
	unsigned long irqf, before;
	unsigned int i;
	void *p;

	gk_quiesce(test);
	gk_keep_pages(test);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* Every free page back to the kernel: nothing to allocate from. */
		goalloc_release();
		KUNIT_ASSERT_EQ(test, READ_ONCE(goalloc_mheap.pages.free_pages), 0UL);
		before = cx_owned();

		local_irq_save(irqf);
		p = goalloc_alloc(sizes[i], GFP_ATOMIC);
		local_irq_restore(irqf);
		/*
		 * NULL, and no splat: growing here, interrupts off, would take
		 * grow_mutex.  The work item may already be running on another
		 * CPU, so the heap's size says nothing until it is flushed.
		 */
		KUNIT_EXPECT_NULL_MSG(test, p, "%u B: the heap grew in atomic context", sizes[i]);
		if (p)
			KUNIT_EXPECT_EQ(test, goalloc_free(p), 0);

		flush_work(&goalloc_grow_work);
		KUNIT_EXPECT_GT_MSG(test, cx_owned(), before, "%u B: no deferred growth", sizes[i]);

		local_irq_save(irqf);
		p = goalloc_alloc(sizes[i], GFP_ATOMIC | __GFP_ZERO);
		if (p) {
			KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, sizes[i]));
			memset(p, 0xa7, sizes[i]);
			KUNIT_EXPECT_NULL(test, memchr_inv(p, 0xa7, sizes[i]));
			/* Freed with interrupts off too (large: the span goes back). */
			KUNIT_EXPECT_EQ(test, goalloc_free(p), 0);
		}
		local_irq_restore(irqf);
		KUNIT_EXPECT_NOT_NULL_MSG(test, p, "%u B: still no room after the growth",
					  sizes[i]);
	}
	gk_settle();
}

static struct kunit_case goalloc_context_cases[] = {
	KUNIT_CASE_SLOW(goalloc_context_irq_test),
	KUNIT_CASE_SLOW(goalloc_context_irq_trace_test),
	KUNIT_CASE(goalloc_context_atomic_grow_test),
	{}
};

static struct kunit_suite goalloc_context_suite = {
	.name = "goalloc_context",
	.test_cases = goalloc_context_cases,
};

kunit_test_suite(goalloc_context_suite);
