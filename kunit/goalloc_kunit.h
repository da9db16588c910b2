/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by goalloc's KUnit suites: the tier suites of
 * goalloc_kunit.ko (malloc_test.c, mcache_test.c, mheap_test.c,
 * stack_test.c) and the KASAN proof, goalloc_kasan_kunit.ko (kasan_test.c).
 * The two are separate modules, so everything here is static inline: each
 * suite gets only what it uses.
 *
 * What is here:
 *  - object sets: every object a case allocates is recorded, and a deferred
 *    action frees what is left and runs goalloc_gc(), so the shared heap is
 *    empty again when the next case starts, even after a failed assertion;
 *  - quiesce: drain and sweep everything before a measurement, and assert
 *    that the previous case left nothing live;
 *  - span lookup the way goalloc_free() does it, and the arena bound;
 *  - the heap cap, the bad-free warning switch, Go's tiny-block rules as a
 *    reference model, a pseudo-random tiny size, a sort comparator and the
 *    idle loop of a kthread that waits to be stopped.
 *
 * The helpers reach goalloc's internals by the same names the suites used,
 * through EXPORT_SYMBOL_IF_KUNIT.
 */
#ifndef _GOALLOC_KUNIT_H
#define _GOALLOC_KUNIT_H

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <goalloc.h>
#include "goalloc/malloc.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/tiny.h"
#include "goalloc/mheap.h"
#include "goalloc/sizeclasses.h"
#include "goalloc/stats.h"

/* One recorded object; @idx and @tid are free for the case's patterns. */
struct gk_obj {
	void *p;
	u32 size;
	u32 idx;
	u32 tid;
};

/* Objects a case still owns; freed by the deferred action. */
struct gk_objset {
	struct gk_obj *o;
	unsigned int n;
	unsigned int cap;
};

static inline void gk_objset_release(void *ctx)
{
	struct gk_objset *os = ctx;
	unsigned int i;

	for (i = 0; i < os->n; i++)
		if (os->o[i].p)
			goalloc_free(os->o[i].p);
	os->n = 0;
	goalloc_gc();
}

static inline void gk_kvfree_action(void *p)
{
	kvfree(p);
}

/* A set for @cap objects, released when the case ends, however it ends. */
static inline struct gk_objset *gk_objset_new(struct kunit *test, unsigned int cap)
{
	struct gk_objset *os = kunit_kzalloc(test, sizeof(*os), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, os);
	os->o = kvcalloc(cap, sizeof(*os->o), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, os->o);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gk_kvfree_action, os->o), 0);
	os->cap = cap;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gk_objset_release, os), 0);
	return os;
}

/* goalloc_alloc(), or goalloc_alloc_noscan() for a pointer-free object. */
static inline void *gk_goalloc(size_t size, gfp_t gfp, bool noscan)
{
	return noscan ? goalloc_alloc_noscan(size, gfp) : goalloc_alloc(size, gfp);
}

/* Allocate and record; NULL when the set is full or the heap says no. */
static inline void *gk_alloc(struct gk_objset *os, size_t size, gfp_t gfp, bool noscan)
{
	void *p;

	if (os->n >= os->cap)
		return NULL;
	p = gk_goalloc(size, gfp, noscan);
	if (p) {
		os->o[os->n] = (struct gk_obj){ .p = p, .size = size, .idx = os->n };
		os->n++;
	}
	return p;
}

/* Free entry @i of the set and forget it.  Return: goalloc_free()'s value. */
static inline int gk_free(struct gk_objset *os, unsigned int i)
{
	int err = goalloc_free(os->o[i].p);

	if (!err)
		os->o[i].p = NULL;
	return err;
}

/* Free every object the set still holds; each free must succeed. */
static inline void gk_free_all(struct kunit *test, struct gk_objset *os)
{
	unsigned int i;

	for (i = 0; i < os->n; i++)
		if (os->o[i].p)
			KUNIT_EXPECT_EQ(test, gk_free(os, i), 0);
}

/* The end of most cases: gk_free_all(), then sweep what was freed. */
static inline void gk_free_all_gc(struct kunit *test, struct gk_objset *os)
{
	gk_free_all(test, os);
	goalloc_gc();
}

/*
 * No allocation in flight, every free swept, the background sweeper idle,
 * and no heap growth an atomic allocation deferred still to come.
 */
static inline void gk_settle(void)
{
	flush_work(&goalloc_grow_work);
	goalloc_gc();
	flush_work(&goalloc_sweeper.bgsweep);
}

/*
 * Start from an empty heap: no stale background sweep, every mcache
 * drained, every span swept and, since nothing may be live, returned to
 * the heap.
 */
static inline void gk_quiesce(struct kunit *test)
{
	struct goalloc_memstats ms;

	flush_work(&goalloc_sweeper.bgsweep);
	gk_settle();
	goalloc_read_memstats(&ms);
	KUNIT_ASSERT_EQ_MSG(test, ms.heap_alloc, 0, "a previous case left objects live");
	KUNIT_ASSERT_EQ_MSG(test, ms.heap_inuse, 0, "a previous case left spans in use");
}

/* The span holding @p, looked up the way goalloc_free() does. */
static inline struct goalloc_mspan *gk_span_of(const void *p)
{
	struct goalloc_mspan *s;

	/* The caller holds a live object in the span: it cannot go away. */
	rcu_read_lock();
	s = goalloc_span_of((unsigned long)p);
	rcu_read_unlock();
	return s;
}

/*
 * Arenas are separate 4 MiB blocks, not one address range as in Go, so a
 * span must not run past the end of its arena: its memory and its span
 * table entries would spill over.
 */
static inline bool gk_span_in_one_arena(const struct goalloc_mspan *s)
{
	return s->pageidx % GOALLOC_ARENA_PAGES + s->npages <= GOALLOC_ARENA_PAGES;
}

/* Smallest size class holding @size, by linear search (not the module's table). */
static inline u8 gk_class_of(size_t size)
{
	u8 c;

	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++)
		if (goalloc_class_to_size[c] >= size)
			return c;
	return 0;
}

/* Per-size-class statistics buffers: @nsets arrays of every class. */
static inline struct goalloc_class_stats *gk_bysize_new(struct kunit *test,
							 unsigned int nsets)
{
	struct goalloc_class_stats *b;

	b = kunit_kcalloc(test, nsets * GOALLOC_NUM_SIZE_CLASSES, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	return b;
}

/*
 * Set the heap cap, in runtime pages the heap may own, the way
 * goalloc_mheap_grow() reads it.  Return: the cap before.
 */
static inline unsigned long gk_set_max_pages(unsigned long max)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned long old;

	mutex_lock(&h->grow_mutex);
	spin_lock_irq(&h->lock);
	old = h->max_pages;
	WRITE_ONCE(h->max_pages, max);
	spin_unlock_irq(&h->lock);
	mutex_unlock(&h->grow_mutex);
	return old;
}

/* Runtime pages the heap owns now. */
static inline unsigned long gk_owned_pages(void)
{
	unsigned long n;

	spin_lock_irq(&goalloc_mheap.lock);
	n = goalloc_mheap.pages_owned;
	spin_unlock_irq(&goalloc_mheap.lock);
	return n;
}

static inline void gk_restore_gogc(void *ctx)
{
	WRITE_ONCE(goalloc_gogc, (unsigned int)(unsigned long)ctx);
	/* A cycle recomputes the goals from the restored GOGC. */
	goalloc_gc();
}

/*
 * Keep every page the heap owns for the rest of the case: a huge GOGC
 * makes the heap goal, and so the scavenger's, larger than any heap, so
 * neither the background scavenger nor a growth gives pages back under a
 * case that counts or places them.
 */
static inline void gk_keep_pages(struct kunit *test)
{
	unsigned long old = READ_ONCE(goalloc_gogc);

	WRITE_ONCE(goalloc_gogc, 1000000);
	goalloc_gc();
	/* Wait out a scavenger batch already under way (it holds grow_mutex). */
	goalloc_mheap_scavenge(0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gk_restore_gogc,
							(void *)old), 0);
}

static inline void gk_restore_warn(void *ctx)
{
	WRITE_ONCE(goalloc_warn_bad_free, (bool)(unsigned long)ctx);
}

/*
 * Turn the bad-free WARN off for the rest of the case (the guest log must
 * stay clean); the deferred action turns it back to what it was.
 */
static inline void gk_quiet_bad_frees(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gk_restore_warn,
				(void *)(unsigned long)READ_ONCE(goalloc_warn_bad_free)), 0);
	WRITE_ONCE(goalloc_warn_bad_free, false);
}

/*
 * Go's mallocgc tiny rules on one mcache, as a reference model: align the
 * offset (8 for multiples of 8, 4 for multiples of 4, 2 for even sizes),
 * pack if the block has room, else take a new 16 B block and keep whichever
 * of the two has more room left.
 */
struct gk_tiny_model {
	int cur;		/* block id being packed, -1 before the first */
	unsigned int off;	/* its tinyoffset */
	int nblocks;		/* blocks taken so far */
	unsigned int packed;	/* objects placed in an existing block */
};

static inline void gk_tiny_model_init(struct gk_tiny_model *m)
{
	*m = (struct gk_tiny_model){ .cur = -1 };
}

/* Place one object; returns its block id and sets *@off to its offset. */
static inline int gk_tiny_model_alloc(struct gk_tiny_model *m, unsigned int size,
				      unsigned int *off)
{
	unsigned int o = m->off;
	int b;

	if (!(size & 7))
		o = ALIGN(o, 8);
	else if (!(size & 3))
		o = ALIGN(o, 4);
	else if (!(size & 1))
		o = ALIGN(o, 2);
	if (m->cur >= 0 && o + size <= GOALLOC_TINY_SIZE) {
		m->off = o + size;
		m->packed++;
		*off = o;
		return m->cur;
	}
	b = m->nblocks++;
	if (m->cur < 0 || size < m->off) {
		m->cur = b;
		m->off = size;
	}
	*off = 0;
	return b;
}

/* A pseudo-random tiny object size, 1 .. GOALLOC_TINY_SIZE - 1. */
static inline unsigned int gk_rand_tiny_size(struct rnd_state *rnd)
{
	return 1 + prandom_u32_state(rnd) % (GOALLOC_TINY_SIZE - 1);
}

/* sort() comparator for unsigned longs (addresses). */
static inline int gk_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The end of a kthread whose work is done: sleep until kthread_stop(). */
static inline void gk_wait_for_stop(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
}

#endif /* _GOALLOC_KUNIT_H */
