// SPDX-License-Identifier: GPL-2.0
/*
 * mspan allocation bitmaps: Go's allocCache / nextFreeIndex / countAlloc
 * and the bitmap half of sweeping, with goalloc's explicit free.
 * Pure logic: see include/goalloc/span.h for the ownership rules.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/export.h>
#include <linux/math.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "goalloc/span.h"

static void load_window(struct goalloc_mspan *s, u16 fi);

/**
 * goalloc_mspan_init() - set up a fresh span's slot layout and bitmaps
 * @s: span to initialise; list, arena, pageidx, state and needzero are left
 *	to the caller
 * @base: address of the span's first byte
 * @npages: span length in runtime pages
 * @spanclass: span class; size class 0 makes a one-slot large span
 *
 * Context: any; the span is not yet visible to other CPUs.
 */
void goalloc_mspan_init(struct goalloc_mspan *s, unsigned long base,
			u32 npages, u8 spanclass)
{
	u8 sizeclass = goalloc_spanclass_sizeclass(spanclass);
	unsigned int nwords;

	s->base = base;
	s->npages = npages;
	s->spanclass = spanclass;
	if (sizeclass == 0) {
		s->elemsize = npages << GOALLOC_PAGE_SHIFT;
		s->nelems = 1;
		s->divmul = 0;
	} else {
		s->elemsize = goalloc_class_to_size[sizeclass];
		s->nelems = goalloc_class_to_nobjs[sizeclass];
		s->divmul = goalloc_class_to_divmagic[sizeclass];
	}
	/* The slots only: a pointer into the span's tail is never an object. */
	s->fast_free_limit = (unsigned long)s->nelems * s->elemsize;
	if (!sizeclass || spanclass == goalloc_make_spanclass(GOALLOC_TINY_SIZE_CLASS, true))
		s->fast_free_limit = 0;
	s->freeindex = 0;
	s->alloc_count = 0;
	s->central_full = 0;
	/*
	 * Only the words that hold slots, as Go sizes its bitmaps by nelems:
	 * nothing reads past them, and a large span needs one word, not 16.
	 */
	nwords = DIV_ROUND_UP(s->nelems, 64);
	memset(s->alloc_bits, 0, nwords * sizeof(s->alloc_bits[0]));
	memset(s->gcmark_bits, 0, nwords * sizeof(s->gcmark_bits[0]));
	s->tiny = NULL;
	s->manual_freelist = NULL;
	s->manual_nfree = 0;
	/* A large span's one slot is handed out whole, without the bitmaps. */
	if (sizeclass)
		load_window(s, 0);
	else
		s->alloc_cache = 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mspan_init);

/*
 * Slots of bitmap word @w the window may show: those below nelems, except
 * the word's last slot when more words follow.  That slot is left to
 * goalloc_mspan_next_free_index(), which moves the window on when it takes
 * it, so the fast path needs neither Go's freeindex % 64 test nor its
 * nelems test.
 */
static u64 window_mask(u16 nelems, unsigned int w)
{
	unsigned int n = nelems - w * 64;

	if (n > 64)
		return ~0ULL >> 1;
	return ~0ULL >> (64 - n);
}

/* The slots of bitmap word @w: those below nelems. */
static u64 slot_mask(u16 nelems, unsigned int w)
{
	unsigned int n = nelems - w * 64;

	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

/*
 * Load the window at slot @fi: the free slots of @fi's bitmap word from
 * @fi on.  Their mark bits are set first ("handed out, not dead"), with one
 * atomic for the word, because other CPUs clear bits of the same word: a
 * slot's mark bit is 1 only from here until it dies or is swept, so a
 * stale free of a slot swept free finds its bit clear (see span.h).
 */
static void load_window(struct goalloc_mspan *s, u16 fi)
{
	unsigned int w = fi / 64;
	u64 free = ~s->alloc_bits[w] & slot_mask(s->nelems, w) & (~0ULL << (fi & 63));

	if (free)
		set_mask_bits(&s->gcmark_bits[w], 0UL, (unsigned long)free);
	s->alloc_cache = (free & window_mask(s->nelems, w)) >> (fi & 63);
}

/**
 * goalloc_mspan_refill_alloc_cache() - load the alloc_cache window
 * @s: span owned by the caller
 * @index: slot index, a multiple of 64 below nelems, where the window starts
 *
 * Go's refillAllocCache: the window is the inverted alloc_bits word, so a
 * set bit is a free slot; see window_mask() for the bits it leaves out.
 * The word's free slots become allocatable: their mark bits are set.
 *
 * Context: the span's owner; never sleeps.
 */
void goalloc_mspan_refill_alloc_cache(struct goalloc_mspan *s, u16 index)
{
	load_window(s, index);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mspan_refill_alloc_cache);

/**
 * goalloc_mspan_reset_alloc_cache() - position the window at freeindex
 * @s: span owned by the caller
 *
 * Used when a span is handed to an mcache (Go's cacheSpan "havespan").
 *
 * Context: the span's owner; never sleeps.
 */
void goalloc_mspan_reset_alloc_cache(struct goalloc_mspan *s)
{
	if (s->freeindex >= s->nelems) {
		s->alloc_cache = 0;
		return;
	}
	load_window(s, s->freeindex);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mspan_reset_alloc_cache);

/**
 * goalloc_mspan_next_free_index() - Go's nextFreeIndex
 * @s: span owned by the caller
 *
 * Finds the next free slot at or after freeindex, moving the window across
 * bitmap words as needed, and takes it.
 *
 * Context: the span's owner; never sleeps.
 * Return: the slot index, or nelems when the span is full.
 */
u16 goalloc_mspan_next_free_index(struct goalloc_mspan *s)
{
	u16 fi = s->freeindex, nelems = s->nelems;
	u64 cache = s->alloc_cache;
	unsigned int result, last;

	if (fi >= nelems)
		return nelems;
	/* A sweep leaves the window unloaded (see goalloc_mspan_sweep_bits()). */
	if (!cache && !(fi & 63)) {
		load_window(s, fi);
		cache = s->alloc_cache;
	}
	while (!cache) {
		/*
		 * The window is empty up to its word's last slot, which it
		 * never shows unless it is the span's last (window_mask()).
		 */
		last = fi | 63;
		if (last >= nelems - 1) {
			WRITE_ONCE(s->freeindex, nelems);
			return nelems;
		}
		fi = last + 1;
		if (!((s->alloc_bits[last / 64] >> 63) & 1)) {
			result = last;
			goto take;
		}
		goalloc_mspan_refill_alloc_cache(s, fi);
		cache = s->alloc_cache;
	}
	result = fi + __ffs64(cache);
	s->alloc_cache = (cache >> __ffs64(cache)) >> 1;
	fi = result + 1;
	if (fi & 63) {
		WRITE_ONCE(s->freeindex, fi);
		s->alloc_count++;
		return result;
	}
	/* The span's last slot was shown (window_mask()): the span is full. */
take:
	if (fi < nelems)
		goalloc_mspan_refill_alloc_cache(s, fi);
	else
		s->alloc_cache = 0;
	WRITE_ONCE(s->freeindex, fi);
	s->alloc_count++;
	return result;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mspan_next_free_index);

/* Slots below freeindex, as a mask over bitmap word @w. */
static u64 below_freeindex(u16 fi, unsigned int w)
{
	unsigned int lo = w * 64;

	if (fi <= lo)
		return 0;
	if (fi >= lo + 64)
		return ~0ULL;
	return (1ULL << (fi - lo)) - 1;
}

/**
 * goalloc_mspan_census() - count a span's allocated and live slots
 * @s: the span; its owner may be allocating from it meanwhile (a racy count)
 * @live: receives the slots holding a live object
 *
 * A slot is allocated below freeindex or in alloc_bits; it is live when its
 * mark bit is still set.  Allocated slots that are not live died since the
 * last sweep; a window's loaded but unused slots are neither.
 *
 * Context: any; reads the bitmaps without a lock.
 * Return: the slots allocated.
 */
u16 goalloc_mspan_census(const struct goalloc_mspan *s, u16 *live)
{
	unsigned int w, nwords = DIV_ROUND_UP(s->nelems, 64);
	u16 fi = READ_ONCE(s->freeindex), alloc = 0, n = 0;
	u64 a;

	for (w = 0; w < nwords; w++) {
		a = (READ_ONCE(s->alloc_bits[w]) | below_freeindex(fi, w)) &
		    slot_mask(s->nelems, w);
		alloc += hweight64(a);
		n += hweight64(a & READ_ONCE(s->gcmark_bits[w]));
	}
	*live = n;
	return alloc;
}

#ifdef GOALLOC_DEBUG
/* For tests and debugging only: see GOALLOC_DEBUG in Kbuild. */

/**
 * goalloc_mspan_count_alloc() - Go's countAlloc
 * @s: the span
 *
 * Context: any; reads the bitmap without a lock.
 * Return: the number of slots allocated as of the last sweep (popcount of
 * alloc_bits).
 */
u16 goalloc_mspan_count_alloc(const struct goalloc_mspan *s)
{
	unsigned int w, n = 0;

	for (w = 0; w < DIV_ROUND_UP(s->nelems, 64); w++)
		n += hweight64(s->alloc_bits[w]);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mspan_count_alloc);

/**
 * goalloc_mspan_is_allocated() - is slot @idx handed out (dead or not)?
 * @s: the span
 * @idx: slot index < nelems
 *
 * Context: any CPU; see goalloc_mspan_is_allocated_fast().
 * Return: true if the slot is below freeindex or set in alloc_bits.
 */
bool goalloc_mspan_is_allocated(const struct goalloc_mspan *s, u16 idx)
{
	return goalloc_mspan_is_allocated_fast(s, idx);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mspan_is_allocated);
#endif /* GOALLOC_DEBUG */

/**
 * goalloc_mspan_sweep_bits() - turn mark bits into the next alloc_bits
 * @s: span owned by the caller (not cached by any other mcache)
 * @nfreed: if not NULL, receives the number of dead slots reclaimed
 *
 * Every slot allocated and not dead stays allocated; dead slots become free.
 * Each mark word is cut down to the slots still live with one atomic, so a
 * free racing with the sweep lands either in this sweep or in the next,
 * never lost, and every free slot's bit is left clear.  freeindex restarts
 * at 0 with the window unloaded: a slot this sweep reclaimed is not marked
 * allocatable until its owner next allocates from its word, which keeps a
 * racing stale free's bit operation from landing on it meanwhile.
 *
 * Context: the span's owner; never sleeps.
 * Return: the new alloc_count.
 */
u16 goalloc_mspan_sweep_bits(struct goalloc_mspan *s, u16 *nfreed)
{
	unsigned int w, nwords = DIV_ROUND_UP(s->nelems, 64);
	u16 fi = s->freeindex, before = 0, after = 0;

	for (w = 0; w < nwords; w++) {
		u64 alloc = s->alloc_bits[w] | below_freeindex(fi, w);
		unsigned long mark = READ_ONCE(s->gcmark_bits[w]);
		u64 live;

		/* Bits of slots not allocated: a window loaded but not used. */
		if (mark & ~alloc)
			mark = set_mask_bits(&s->gcmark_bits[w], (unsigned long)~alloc, 0UL);
		if (!alloc)
			continue;
		live = alloc & mark;
		before += hweight64(alloc);
		after += hweight64(live);
		WRITE_ONCE(s->alloc_bits[w], live);
	}
	/* New alloc_bits must be visible before freeindex drops (see above). */
	smp_wmb();
	WRITE_ONCE(s->freeindex, 0);
	s->alloc_count = after;
	s->alloc_cache = 0;
	if (nfreed)
		*nfreed = before - after;
	return after;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mspan_sweep_bits);
