// SPDX-License-Identifier: GPL-2.0
/*
 * mcentral (Go's mcentral.go) and sweeping one span (Go's mspan.sweep).
 *
 * Each span class has partial (free slots) and full lists, each split into
 * swept and unswept halves by sweepgen parity, so starting a sweep cycle
 * (sweepgen += 2, mgcsweep.c) turns every swept list into an unswept one
 * without moving a span.  A span on a list is owned by nobody; taking it
 * off under the mcentral lock makes the taker its only owner, so sweeping
 * needs no further locking.  sweepgen values follow Go's protocol for the
 * reader's benefit (debugfs, and holding this code beside Go's) but
 * ownership comes from the lists, as Go's comes from the spanSet pop plus
 * a CAS.
 *
 * When memory comes back without anyone calling a sweep:
 *  - a span leaving an mcache (refill, drain) is swept at once, so frees of
 *    its objects are reusable by the next cacheSpan;
 *  - cacheSpan sweeps unswept spans (budget 100) before growing the heap;
 *  - the first free in a full span moves it to the unswept partial set;
 *  - before the heap grows, every partial span with no live object is swept
 *    and freed (goalloc_mcentral_free_empty()), as are the mcache's cached
 *    ones (goalloc_mcache_release_idle());
 *  - the pacer starts sweep cycles (mgcsweep.c, mgcpacer.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <kunit/visibility.h>
#include <trace/events/goalloc.h>

#include "goalloc/mcentral.h"
#include "goalloc/mgcpacer.h"

struct goalloc_mcentral goalloc_central[GOALLOC_NUM_SPAN_CLASSES];
EXPORT_SYMBOL_IF_KUNIT(goalloc_central);

/**
 * goalloc_mcentral_init() - set up every span class's empty mcentral
 *
 * Context: module init.
 */
void goalloc_mcentral_init(void)
{
	struct goalloc_mcentral *c;
	int spc, i;

	for (spc = 0; spc < GOALLOC_NUM_SPAN_CLASSES; spc++) {
		c = &goalloc_central[spc];
		spin_lock_init(&c->lock);
		c->spanclass = spc;
		for (i = 0; i < 2; i++) {
			INIT_LIST_HEAD(&c->partial[i]);
			INIT_LIST_HEAD(&c->full[i]);
			c->npartial[i] = 0;
			c->nfull[i] = 0;
		}
	}
}

/* Context: c->lock held. */
static struct goalloc_mspan *pop(struct list_head *l, u32 *n)
{
	struct goalloc_mspan *s;

	if (list_empty(l))
		return NULL;
	s = list_first_entry(l, struct goalloc_mspan, list);
	list_del_init(&s->list);
	(*n)--;
	WRITE_ONCE(s->central_full, 0);
	return s;
}

/*
 * Move a span from full set s->central_full - 1 to the unswept partial set,
 * where cacheSpan and the sweeper look for spans to sweep.  Go's sweepgen
 * for "needs sweeping" is sg - 2.  Context: c->lock held.
 */
static void full_to_unswept(struct goalloc_mcentral *c, struct goalloc_mspan *s)
{
	u32 sg = goalloc_sweepgen();
	unsigned int i = s->central_full - 1, un = goalloc_unswept(sg);

	list_move_tail(&s->list, &c->partial[un]);
	c->nfull[i]--;
	c->npartial[un]++;
	WRITE_ONCE(s->central_full, 0);
	WRITE_ONCE(s->sweepgen, sg - 2);
}

/*
 * Has an object of @s been freed since it was last swept?  Called on full
 * spans only: every slot is allocated, so a clear mark bit is a death.
 */
static bool mspan_has_dead(const struct goalloc_mspan *s)
{
	unsigned int w, nwords = DIV_ROUND_UP(s->nelems, 64);
	u64 mask;

	for (w = 0; w < nwords; w++) {
		mask = w == nwords - 1 && s->nelems % 64 ? BIT_ULL(s->nelems % 64) - 1 : ~0ULL;
		if (~(u64)READ_ONCE(s->gcmark_bits[w]) & mask)
			return true;
	}
	return false;
}

/* Put a swept span on its swept list.  Context: c->lock not held. */
static void push_swept(struct goalloc_mcentral *c, struct goalloc_mspan *s)
{
	unsigned long irqf;
	unsigned int i;

	spin_lock_irqsave(&c->lock, irqf);
	i = goalloc_swept(goalloc_sweepgen());
	if (goalloc_mspan_has_free(s)) {
		list_add_tail(&s->list, &c->partial[i]);
		c->npartial[i]++;
	} else {
		list_add_tail(&s->list, &c->full[i]);
		c->nfull[i]++;
		WRITE_ONCE(s->central_full, i + 1);
		/*
		 * A free that cleared its mark bit after our sweep read it may
		 * have missed central_full (see goalloc_mcentral_free_in_full()):
		 * store, full barrier, load on both sides, so one of us sees
		 * the other and the span does not wait for the next cycle.
		 */
		smp_mb();
		if (mspan_has_dead(s))
			full_to_unswept(c, s);
	}
	spin_unlock_irqrestore(&c->lock, irqf);
}

/**
 * goalloc_mcentral_free_in_full() - an object of a span in a full set died
 * @s: the span the object was in, as goalloc_free() found it (RCU read
 *	lock held: it may have been swept, freed and reused since)
 *
 * Called after the mark bit was cleared (a fully ordered atomic) and
 * s->central_full was seen set.  The span moves to its mcentral's unswept
 * partial set, so the next cacheSpan of its class sweeps and reuses it
 * instead of waiting for the next sweep cycle: a churn whose live heap is
 * far below the pacer's goal runs in a heap near its live size.  Only the
 * first free after a sweep gets here; it clears central_full.
 *
 * Context: any context goalloc_free() is called from; takes the mcentral
 * lock with interrupts off.
 */
void goalloc_mcentral_free_in_full(struct goalloc_mspan *s)
{
	u8 spc = READ_ONCE(s->spanclass);
	struct goalloc_mcentral *c;
	unsigned long irqf;

	if (WARN_ON_ONCE(spc >= GOALLOC_NUM_SPAN_CLASSES))
		return;
	c = &goalloc_central[spc];
	spin_lock_irqsave(&c->lock, irqf);
	/* Membership and class only change under this lock: re-check. */
	if (s->central_full && s->spanclass == spc)
		full_to_unswept(c, s);
	spin_unlock_irqrestore(&c->lock, irqf);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mcentral_free_in_full);

/* The span event out of line: cacheSpan's code stays as it was. */
static noinline __cold void trace_span_cached(const struct goalloc_mspan *s)
{
	trace_goalloc_span_cached(s);
}

/*
 * Sweep a span the caller owns.  With @preserve the caller keeps it (Go's
 * sweep(preserve=true) from cacheSpan), else it goes back to the heap if
 * empty or to its swept list.  Return: false if the span was freed.
 */
static bool sweep_span(struct goalloc_mspan *s, bool preserve)
{
	u16 nfreed, nalloc;

	WRITE_ONCE(s->sweepgen, goalloc_sweepgen() - 1);
	nalloc = goalloc_mspan_sweep_bits(s, &nfreed);
	if (nfreed) {
		s->needzero = 1;
		/* Reclaimed slots leave heap_live (see struct goalloc_mheap). */
		atomic64_sub((u64)nfreed * s->elemsize, &goalloc_pacer.heap_live);
	}
	WRITE_ONCE(s->sweepgen, goalloc_sweepgen());
	if (preserve)
		return true;
	if (!nalloc) {
		goalloc_mheap_free_span(NULL, s);
		return false;
	}
	push_swept(&goalloc_central[s->spanclass], s);
	return true;
}

/**
 * goalloc_mspan_sweep_free_in_place() - sweep an mcache's own full span
 * @s: a span cached by the caller's mcache, with no free slot left
 *
 * Context: this CPU's p lock held; never sleeps.
 * Return: 0 if the sweep freed slots (the span stays cached, swept),
 * -ENOSPC if nothing in it had died.
 */
int goalloc_mspan_sweep_free_in_place(struct goalloc_mspan *s)
{
	u16 nfreed;

	/*
	 * heap_live is left alone: the reclaimed slots stay with the mcache,
	 * which counted every slot of the span when it cached it.
	 */
	goalloc_mspan_sweep_bits(s, &nfreed);
	if (!nfreed)
		return -ENOSPC;
	s->needzero = 1;
	WRITE_ONCE(s->sweepgen, goalloc_sweepgen() + 3);
	return 0;
}

/**
 * goalloc_mspan_sweep_to_central() - sweep a span nobody else owns and file it
 * @s: the span
 *
 * Context: never sleeps; takes the mcentral lock and maybe mheap.lock.
 */
void goalloc_mspan_sweep_to_central(struct goalloc_mspan *s)
{
	sweep_span(s, false);
}

/*
 * Sweep a span cacheSpan popped, with c->lock dropped meanwhile.  Return:
 * true if it has free slots (the caller caches it; c->lock is not held);
 * false if it went back on a swept list (c->lock is held again).
 */
static bool sweep_popped(struct goalloc_mcentral *c, struct goalloc_mspan *s)
{
	spin_unlock(&c->lock);
	sweep_span(s, true);
	if (goalloc_mspan_has_free(s))
		return true;
	push_swept(c, s);
	spin_lock(&c->lock);
	return false;
}

/**
 * goalloc_mcentral_cache_span() - Go's mcentral.cacheSpan
 * @c: mcentral of the span class wanted
 * @hc: this CPU's heap cache (its p lock held): it serves growth, as
 *	Go's allocSpan uses the current P's caches
 *
 * Order: a swept partial span; else, within a budget, an unswept partial
 * span (swept now); an unswept full span that sweeping frees slots in; else
 * a new span from the heap.
 *
 * Context: this CPU's p lock held; never sleeps.
 * Return: a span with free slots and its alloc_cache set at freeindex, or
 * an ERR_PTR from goalloc_mheap_alloc_span() (-EAGAIN: grow the heap).
 */
struct goalloc_mspan *goalloc_mcentral_cache_span(struct goalloc_mcentral *c,
						  struct goalloc_heapcache *hc)
{
	u32 sg = goalloc_sweepgen();
	unsigned int sw = goalloc_swept(sg), un = goalloc_unswept(sg);
	struct goalloc_mspan *s;
	int budget = GOALLOC_SWEEP_BUDGET;

	/* The p lock disabled interrupts: c->lock needs no irqsave here. */
	lockdep_assert_irqs_disabled();
	spin_lock(&c->lock);
	s = pop(&c->partial[sw], &c->npartial[sw]);
	if (s) {
		if (likely(goalloc_mspan_has_free(s)))
			goto havespan;
		/*
		 * A free moved it to the unswept set just before a cycle began
		 * and turned that set into the swept one: sweep it here.
		 */
		if (sweep_popped(c, s))
			goto havespan_unlocked;
	}
	while (budget-- > 0) {
		/* An unswept partial span, else an unswept full one. */
		s = pop(&c->partial[un], &c->npartial[un]);
		if (!s)
			s = pop(&c->full[un], &c->nfull[un]);
		if (!s)
			break;
		if (sweep_popped(c, s))
			goto havespan_unlocked;
	}
	spin_unlock(&c->lock);

	/* Go's mcentral.grow. */
	s = goalloc_mheap_alloc_span(hc, goalloc_class_to_allocnpages[c->spanclass >> 1],
				     c->spanclass, GOALLOC_MSPAN_IN_USE);
	if (IS_ERR(s))
		return s;
	goto havespan_unlocked;

havespan:
	spin_unlock(&c->lock);
havespan_unlocked:
	/* Cached and swept: Go's sg + 3. */
	WRITE_ONCE(s->sweepgen, sg + 3);
	goalloc_mspan_reset_alloc_cache(s);
	if (trace_goalloc_span_cached_enabled())
		trace_span_cached(s);
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mcentral_cache_span);

/**
 * goalloc_mcentral_uncache_span() - Go's mcentral.uncacheSpan
 * @c: the span's mcentral
 * @s: a span an mcache lets go of
 *
 * The span is always swept here, stale or not: explicit frees are pending
 * in its mark bits, and sweeping now lets the next cacheSpan reuse them.
 * Callers fire goalloc_span_uncached first (an event here would keep the
 * compiler from inlining the sweep).
 *
 * Context: never sleeps.
 */
void goalloc_mcentral_uncache_span(struct goalloc_mcentral *c,
				   struct goalloc_mspan *s)
{
	sweep_span(s, false);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mcentral_uncache_span);

/* Move the spans of partial set @l with no live object to @out.  Context: c->lock held. */
static void take_empty(struct list_head *l, u32 *n, struct list_head *out)
{
	struct goalloc_mspan *s, *tmp;
	u16 live;

	list_for_each_entry_safe(s, tmp, l, list) {
		goalloc_mspan_census(s, &live);
		if (live)
			continue;
		list_move(&s->list, out);
		(*n)--;
	}
}

/**
 * goalloc_mcentral_free_empty() - before the heap grows, give back every
 *	span on an mcentral partial set that no live object is in
 *
 * Not in Go, where a span whose objects all died waits for its sweep.
 * Here that is the next cacheSpan of its class or the next cycle, however
 * long the class goes unused; growth is rare and slow, so it may look at
 * every partial span first.  The full sets are skipped: a death in a full
 * span moves it to the unswept partial set (goalloc_mcentral_free_in_full()).
 * A span on a list is nobody's and only loses objects: one seen with none
 * stays so, and taking it off its list under the mcentral lock makes it the
 * caller's to sweep and free.
 *
 * Context: interrupts off (the caller holds its p lock), so the mcentral
 * locks need no irqsave; never sleeps; takes every mcentral lock in turn,
 * and mheap.lock.
 * Return: the number of spans given back.
 */
unsigned int goalloc_mcentral_free_empty(void)
{
	struct goalloc_mspan *s, *tmp;
	unsigned int i, k, n = 0;
	LIST_HEAD(empty);

	lockdep_assert_irqs_disabled();

	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		struct goalloc_mcentral *c = &goalloc_central[i];

		/* A racy peek: a class with no partial span has nothing to give. */
		if (!(data_race(c->npartial[0] | c->npartial[1])))
			continue;
		spin_lock(&c->lock);
		for (k = 0; k < 2; k++)
			take_empty(&c->partial[k], &c->npartial[k], &empty);
		spin_unlock(&c->lock);
		list_for_each_entry_safe(s, tmp, &empty, list) {
			list_del_init(&s->list);
			/* No live object: the sweep frees it. */
			sweep_span(s, false);
			n++;
		}
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mcentral_free_empty);

/**
 * goalloc_mcentral_sweep_one() - sweep one unswept span of an mcentral
 * @c: the mcentral
 *
 * Context: never sleeps; takes @c's lock and maybe mheap.lock.
 * Return: false when @c has no unswept span left.
 */
bool goalloc_mcentral_sweep_one(struct goalloc_mcentral *c)
{
	unsigned int un = goalloc_unswept(goalloc_sweepgen());
	struct goalloc_mspan *s;
	unsigned long irqf;

	spin_lock_irqsave(&c->lock, irqf);
	s = pop(&c->partial[un], &c->npartial[un]);
	if (!s)
		s = pop(&c->full[un], &c->nfull[un]);
	spin_unlock_irqrestore(&c->lock, irqf);
	if (!s)
		return false;
	sweep_span(s, false);
	return true;
}

