/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mspan: a run of runtime pages holding objects of one span class (Go's
 * mheap.go mspan and mbitmap.go allocation bits).
 *
 * Bitmaps, with Go's meanings adapted to an explicit free:
 *
 *  alloc_bits   1 = slot was allocated when the span was last swept.  Slots
 *               below freeindex also count as allocated (Go's rule), so the
 *               owning mcache allocates by advancing freeindex alone.
 *  gcmark_bits  1 = slot handed out and not dead.  The owner sets the bits
 *               of a bitmap word's free slots (one atomic) when it loads
 *               that word's window, before it hands any of them out;
 *               goalloc_free() clears the slot's bit atomically from any
 *               CPU; a sweep makes (allocated & marked) the new alloc_bits,
 *               exactly as Go's sweeper turns mark bits into the next
 *               allocBits, and clears the bits of every slot it leaves
 *               free.  So a free slot's bit is clear until its reuse
 *               begins, and a stale free of it finds nothing to clear.
 *  alloc_cache  the inverted 64-slot window of alloc_bits starting at
 *               freeindex (bit 0 = slot freeindex); ctz finds a free slot.
 *               It leaves out slots past nelems and the last slot of every
 *               bitmap word but the span's last, so it runs dry before
 *               freeindex reaches the next word (Go tests both per slot).
 *
 * Ownership: freeindex, alloc_cache, alloc_bits and alloc_count are written
 * only by whoever owns the span: the mcache that caches it (under that CPU's
 * local lock), or the sweeper that took it off an mcentral list.  Other CPUs
 * read freeindex and alloc_bits only to validate a free (READ_ONCE, ordered
 * by the sweeper's smp_wmb()); gcmark_bits is the only cross-CPU written
 * field, always with atomic bit operations.
 *
 * A free validates (goalloc_mspan_is_allocated_fast()) and then clears its
 * bit: two steps a sweep can fall between.  A live object's free is right
 * in either order.  A double free whose validation saw the slot before the
 * sweep reclaimed it finds the bit clear afterwards (-EALREADY), because
 * the sweep clears it and only a window load sets it again: the double free
 * goes unnoticed only once the slot's reuse has begun.
 */
#ifndef _GOALLOC_SPAN_H
#define _GOALLOC_SPAN_H

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <kunit/visibility.h>

#include "goalloc/sizeclasses.h"

#define GOALLOC_SPAN_BITMAP_WORDS (GOALLOC_MAX_OBJS_PER_SPAN / 64)

enum goalloc_mspan_state {
	GOALLOC_MSPAN_DEAD = 0,		/* not in use */
	GOALLOC_MSPAN_IN_USE,		/* heap objects (small or large) */
	GOALLOC_MSPAN_MANUAL,		/* stacks: managed by stack.c */
	GOALLOC_MSPAN_FREEING,		/* large span claimed by its freer */
};

/* Per-slot tiny block state of a tiny-class span: span metadata (mheap.h). */
struct goalloc_tiny_blocks;

struct goalloc_heap_arena;

/**
 * struct goalloc_mspan - a span of runtime pages
 * @list: membership of an mcentral set or a heap/stack list
 * @base: kernel address of the first byte
 * @arena: the heap arena holding the span
 * @pageidx: index of the first page in the page allocator's space
 * @npages: number of 8 KiB runtime pages
 * @nelems: number of object slots
 * @freeindex: first slot that may be free; all below are allocated
 * @alloc_count: slots allocated (as of the last cache/sweep, plus the owner's
 *	allocations since)
 * @spanclass: size class << 1 | noscan
 * @state: enum goalloc_mspan_state
 * @needzero: the memory may be dirty
 * @central_full: 1 + index of the mcentral full set holding the span, 0 when
 *	on none (written under the mcentral lock; goalloc_free() peeks at it)
 * @elemsize: slot size in bytes (npages * 8 KiB for large spans)
 * @fast_free_limit: bytes from @base whose frees goalloc_free() may take on
 *	its fast path: the slots (not the tail) for small classes, 0 for large spans and
 *	the tiny span class (whose slots may be tiny blocks)
 * @divmul: Go's divMagic for this class
 * @sweepgen: Go's sweep generation protocol (see mcentral.c)
 * @alloc_cache: inverted alloc_bits window at freeindex
 * @alloc_bits: allocated slots as of the last sweep
 * @gcmark_bits: 1 = handed out (or in the loaded window) and not dead
 * @tiny: per-slot tiny block state, for spans of the tiny span class
 * @manual_freelist: free stacks of a manual span (stack.c)
 * @manual_nfree: number of entries on @manual_freelist
 */
struct goalloc_mspan {
	struct list_head list;
	unsigned long base;
	struct goalloc_heap_arena *arena;
	unsigned long pageidx;
	u32 npages;
	u16 nelems;
	u16 freeindex;
	u16 alloc_count;
	u8 spanclass;
	u8 state;
	u8 needzero;
	u8 central_full;
	u32 elemsize;
	u32 divmul;
	unsigned long fast_free_limit;
	u32 sweepgen;
	u64 alloc_cache;
	u64 alloc_bits[GOALLOC_SPAN_BITMAP_WORDS];
	unsigned long gcmark_bits[GOALLOC_SPAN_BITMAP_WORDS];
	struct goalloc_tiny_blocks *tiny;
	void *manual_freelist;
	u32 manual_nfree;
};

void goalloc_mspan_init(struct goalloc_mspan *s, unsigned long base,
			u32 npages, u8 spanclass);
void goalloc_mspan_refill_alloc_cache(struct goalloc_mspan *s, u16 index);
u16 goalloc_mspan_next_free_index(struct goalloc_mspan *s);
u16 goalloc_mspan_sweep_bits(struct goalloc_mspan *s, u16 *nfreed);
void goalloc_mspan_reset_alloc_cache(struct goalloc_mspan *s);
u16 goalloc_mspan_census(const struct goalloc_mspan *s, u16 *live);
#ifdef GOALLOC_DEBUG
u16 goalloc_mspan_count_alloc(const struct goalloc_mspan *s);
bool goalloc_mspan_is_allocated(const struct goalloc_mspan *s, u16 idx);
#endif

/**
 * goalloc_mspan_take_fast() - Go's nextFreeFast
 * @s: span owned by the caller
 * @v: receives the slot's address
 *
 * Takes the next free slot from the alloc_cache window without refilling it.
 *
 * Context: the span's owner (its mcache, under the p lock).
 * Return: true if a slot was taken; false when the window has no slot to
 * give (the caller then uses goalloc_mspan_next_free_index()).
 */
static __always_inline bool goalloc_mspan_take_fast(struct goalloc_mspan *s,
						    unsigned long *v)
{
	u64 cache = s->alloc_cache;
	unsigned int bit, idx;

	/*
	 * The window never shows a slot past nelems, nor the last slot of a
	 * word that is not the span's last (see span.c): Go's two range
	 * tests are made once per window load instead of once per slot.
	 */
	if (unlikely(!cache))
		return false;
	bit = __ffs64(cache);
	idx = s->freeindex + bit;
	s->alloc_cache = (cache >> bit) >> 1;
	WRITE_ONCE(s->freeindex, idx + 1);
	s->alloc_count++;
	*v = s->base + (unsigned long)idx * s->elemsize;
	return true;
}

/**
 * goalloc_mspan_next_free_fast() - Go's nextFreeFast, returning the address
 * @s: span owned by the caller
 *
 * Context: the span's owner (its mcache, under the p lock).
 * Return: the slot's address, or 0 when the window has no slot to give (see
 * goalloc_mspan_take_fast()).
 */
static __always_inline unsigned long
goalloc_mspan_next_free_fast(struct goalloc_mspan *s)
{
	unsigned long v;

	return goalloc_mspan_take_fast(s, &v) ? v : 0;
}

/**
 * goalloc_mspan_is_allocated_fast() - goalloc_mspan_is_allocated(), inline
 * @s: the span
 * @idx: slot index < nelems
 *
 * Context: any CPU.  Reads freeindex before alloc_bits: a sweep publishes
 * the new alloc_bits before it lowers freeindex (smp_wmb), so a live slot
 * is seen as allocated in either order of events.
 *
 * Return: true if the slot is below freeindex or set in alloc_bits.
 */
static __always_inline bool
goalloc_mspan_is_allocated_fast(const struct goalloc_mspan *s, unsigned int idx)
{
	if (idx < READ_ONCE(s->freeindex))
		return true;
	/* Pairs with the smp_wmb() in goalloc_mspan_sweep_bits(). */
	smp_rmb();
	return (READ_ONCE(s->alloc_bits[idx / 64]) >> (idx & 63)) & 1;
}

/**
 * goalloc_mspan_mark_dead() - the atomic step of a free: clear the mark bit
 * @s: the span
 * @idx: slot index < nelems, validated by goalloc_mspan_is_allocated_fast()
 *
 * Context: any CPU; lock-free (one atomic bit operation, fully ordered).
 * Return: 0, or -EALREADY if the bit was already clear: the object is dead,
 * or a sweep reclaimed the slot since it was validated.
 */
static __always_inline int goalloc_mspan_mark_dead(struct goalloc_mspan *s, unsigned int idx)
{
	return test_and_clear_bit(idx, s->gcmark_bits) ? 0 : -EALREADY;
}

/**
 * goalloc_mspan_free_index() - mark slot @idx dead (Go's mark bit, cleared)
 * @s: the span
 * @idx: slot index < nelems
 *
 * Context: any CPU; lock-free (one atomic bit operation, fully ordered).
 *
 * Return: 0 on success; -EINVAL if the slot was never allocated (or was
 * already swept free); -EALREADY if it is already dead (double free).
 */
static __always_inline int goalloc_mspan_free_index(struct goalloc_mspan *s, unsigned int idx)
{
	if (unlikely(!goalloc_mspan_is_allocated_fast(s, idx)))
		return -EINVAL;
	return goalloc_mspan_mark_dead(s, idx);
}

/**
 * goalloc_mspan_obj_index() - slot index of an address inside a span
 * @s: the span
 * @addr: an address in [base, base + nelems * elemsize)
 *
 * Context: any.
 * Return: the slot holding @addr, by Go's magic-divisor multiply.
 */
static inline u16 goalloc_mspan_obj_index(const struct goalloc_mspan *s,
					  unsigned long addr)
{
	return (u16)(((u64)(u32)(addr - s->base) * s->divmul) >> 32);
}

/**
 * goalloc_mspan_slot_start() - is a span offset the start of a slot?
 * @s: the span
 * @off: an offset from the span's base, below npages * 8 KiB
 * @idx: receives the slot holding @off
 *
 * The magic-divisor product's low half is below divmul exactly when the
 * offset is a multiple of elemsize: for every class, divmul is exact over
 * the whole span (the harness checks every offset), so one multiply yields
 * both the quotient and the remainder test.  A large span's divmul is 0:
 * none of its offsets is a slot start here.
 *
 * Context: any.
 * Return: true if @off starts slot *@idx.
 */
static __always_inline bool goalloc_mspan_slot_start(const struct goalloc_mspan *s,
						     unsigned long off, unsigned int *idx)
{
	u32 divmul = s->divmul;
	u64 q = (u64)(u32)off * divmul;

	*idx = q >> 32;
	return (u32)q < divmul;
}

/* True if the span has slots that were never handed out or were swept free. */
static inline bool goalloc_mspan_has_free(const struct goalloc_mspan *s)
{
	return s->alloc_count < s->nelems;
}

#endif /* _GOALLOC_SPAN_H */
