/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny blocks (Go's tiny allocator, mallocgc): several tiny noscan objects
 * share one 16 B slot of the tiny span class; with an explicit free the
 * block dies with its last object (mod/tiny.c).  The block states are span
 * metadata (struct goalloc_tiny_blocks), attached when an mcache first
 * caches the span and freed with the span by the heap.
 */
#ifndef _GOALLOC_TINY_H
#define _GOALLOC_TINY_H

#include "goalloc/proc.h"

/*
 * Tiny blocks: a 16 B slot of the tiny span class holding several tiny
 * objects dies with the last of them.  A new block that the mcache would
 * retire at once (Go keeps the fuller of the old and the new one) holds one
 * object for good; it is left a plain 16 B object instead.  Per slot:
 *  alloc[i]  bits 0-15: offsets where an object starts; bits 16-31: bit
 *            16 + n = an object's last byte is byte n.  Written only by
 *            the mcache holding the block (plain stores, one word per
 *            object, so a reader sees whole objects); goalloc_free()
 *            reads it to reject pointers that are not tiny objects, and
 *            goalloc_usable_size() for an object's size.  0 for a slot
 *            that is not a tiny block.
 *  state[i]  bits 0-15: offsets freed; bits 16-31: the block's final start
 *            offsets, stored by the retiring mcache, so nonzero once the
 *            block is retired (offset 0 always holds an object).
 *
 * The block is dead when it is retired and its freed offsets equal its
 * final starts.  state changes only by atomic_fetch_or, and every operation
 * decides from the value it replaced, never from a separate read of
 * alloc[i]: the final starts travel in the same word as the freed bits, so
 * exactly one fetch_or (the retire or the last free) makes the word
 * complete and frees the 16 B slot.  A freer that read alloc[i] before the
 * owner added objects cannot take the block down under them.
 */
#define GOALLOC_TINY_FINAL_SHIFT	16
#define GOALLOC_TINY_END_SHIFT		16

/* Has the block whose state word is @state died (retired, all freed)? */
static __always_inline bool goalloc_tiny_complete(u32 state)
{
	u32 final = state >> GOALLOC_TINY_FINAL_SHIFT;

	return final && (u16)state == final;
}

void goalloc_tiny_block_dead(struct goalloc_mspan *s, struct goalloc_tiny_blocks *t,
			     unsigned int idx);
void goalloc_tiny_retire(struct goalloc_mspan *s, unsigned long block);

/**
 * goalloc_tiny_free() - free a tiny object
 * @s: span holding it (tiny class)
 * @t: @s's block states, read once by the caller (a racing span free may
 *	clear s->tiny; RCU keeps @t itself valid)
 * @addr: the object
 * @idx: its block's slot index
 * @alloc: the block's alloc word as read by the caller (not 0); it only
 *	validates @addr and may be older than the owner's latest objects
 *
 * Context: any CPU, lock-free; RCU read side (the block states are freed
 * through RCU).
 * Return: 0; -EINVAL if @addr is not a tiny object start; -EALREADY on a
 * double free.
 */
static __always_inline int goalloc_tiny_free(struct goalloc_mspan *s,
					     struct goalloc_tiny_blocks *t,
					     unsigned long addr, unsigned int idx, u32 alloc)
{
	unsigned int off = (addr - s->base) % GOALLOC_TINY_SIZE;
	u32 old;

	if (!(alloc & BIT(off)))
		return -EINVAL;
	old = atomic_fetch_or(BIT(off), &t->state[idx]);
	if (old & BIT(off))
		return -EALREADY;
	this_cpu_inc(goalloc_allp->stats.tiny_frees);
	/* Decided on the word this fetch_or replaced: see the block rule. */
	if (goalloc_tiny_complete(old | BIT(off)))
		goalloc_tiny_block_dead(s, t, idx);
	return 0;
}

#endif /* _GOALLOC_TINY_H */
