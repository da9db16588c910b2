// SPDX-License-Identifier: GPL-2.0
/*
 * Tiny blocks: how a 16 B block of tiny objects dies (see tiny.h for the
 * words and the rule that exactly one operation sees a block die).  The
 * bump allocation itself is malloc.c's fast path.
 */
#include <kunit/visibility.h>

#include "goalloc/kasan.h"
#include "goalloc/tiny.h"

/**
 * goalloc_tiny_block_dead() - free the 16 B slot of a dead tiny block
 * @s: span of the block
 * @t: @s's block states
 * @idx: the block's slot index
 *
 * Forgets the block's objects; exactly one caller sees a block die (see
 * tiny.h).  Context: an RCU read side (the p lock is one: it disables
 * preemption, or is an RT spinlock): once the slot is dead the span may be
 * swept and freed, and goalloc_p_note_free() still reads it.
 */
void goalloc_tiny_block_dead(struct goalloc_mspan *s, struct goalloc_tiny_blocks *t,
			     unsigned int idx)
{
	WRITE_ONCE(t->alloc[idx], 0);
	/*
	 * state[idx] keeps its complete value until the slot is a block
	 * again (alloc_tiny_block() clears it): a double free racing this
	 * death, which read alloc[idx] before it was cleared, finds its bit
	 * already set and gets -EALREADY.
	 */
	goalloc_kasan_poison((void *)(s->base + idx * GOALLOC_TINY_SIZE), GOALLOC_TINY_SIZE,
			     GOALLOC_KASAN_FREE);
	if (!WARN_ON_ONCE(goalloc_mspan_free_index(s, idx)))
		goalloc_p_note_free(s, GOALLOC_TINY_SIZE_CLASS);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_tiny_block_dead);

/**
 * goalloc_tiny_retire() - the holding mcache lets go of a tiny block
 * @s: span of the block
 * @block: the block's address
 *
 * Publishes the block's final start offsets in its state word.  If every
 * tiny object in it was already freed, the block dies now; else the last
 * goalloc_free() of its objects frees it.
 *
 * Context: the holding mcache's owner (p lock) or a dead CPU's drain;
 * RCU read side.
 */
void goalloc_tiny_retire(struct goalloc_mspan *s, unsigned long block)
{
	struct goalloc_tiny_blocks *t = s->tiny;	/* stable: the block is live */
	u16 idx = goalloc_mspan_obj_index(s, block);
	u32 final = (u32)(u16)t->alloc[idx] << GOALLOC_TINY_FINAL_SHIFT;
	u32 old = atomic_fetch_or(final, &t->state[idx]);

	if (goalloc_tiny_complete(old | final))
		goalloc_tiny_block_dead(s, t, idx);
}
