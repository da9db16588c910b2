/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcache: one per CPU, Go's per-P cache (mcache.go), plus Go's per-P page
 * cache (mpagecache.go) and statistics deltas.
 *
 * Per-CPU rule: every field is owned by its CPU and is read or written only
 * under that CPU's @lock (local_lock: preemption off, lockdep-visible),
 * except the free counters, which goalloc_free() bumps with this_cpu_inc()
 * (one non-atomic, preemption-safe instruction), and the drain, which runs
 * on the owning CPU (a work item) or on a dead CPU's cache (hotplug).
 * Readers of the statistics sum all CPUs without locks and accept a racy
 * snapshot, as Go's non-STW metrics do.
 */
#ifndef _GOALLOC_MCACHE_H
#define _GOALLOC_MCACHE_H

#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "goalloc/mheap.h"
#include "goalloc/pagecache.h"
#include "goalloc/stack.h"

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

/* Go keeps 128 mspans per P; a few cover a CPU's large alloc/free churn. */
#define GOALLOC_MSPAN_CACHE_LEN	8

struct goalloc_tiny_blocks {
	struct rcu_head rcu;
	atomic_t state[GOALLOC_PAGE_SIZE / GOALLOC_TINY_SIZE];
	u32 alloc[GOALLOC_PAGE_SIZE / GOALLOC_TINY_SIZE];
};

/**
 * struct goalloc_mcache - per-CPU allocation cache
 * @lock: the per-CPU rule above
 * @alloc: current span of every span class; the empty span when none
 * @tiny: address of the current tiny block, 0 when none
 * @tinyspan: span holding @tiny
 * @tinyalloc: &@tinyspan->tiny->alloc[] of @tiny: the fast path's alloc mask
 * @tinyoffset: first free byte in @tiny; GOALLOC_TINY_SIZE when there is no
 *	block, so the fast path needs no test of @tiny
 * @flushgen: sweepgen at which this cache last released its spans
 * @pcache: Go's per-P page cache; the pages of a large span freed on this
 *	CPU go back to it when they lie in its 64-page block
 * @nspancache: mspans in @spancache
 * @spancache: Go's per-P mspancache: dead mspan structs (state
 *	GOALLOC_MSPAN_DEAD) kept for the next span this CPU allocates, so a
 *	large alloc+free pair needs no kmem_cache call
 * @nmalloc: small objects allocated, by size class (tiny blocks in class 2)
 * @tiny_allocs: tiny objects packed into an existing block
 * @large_allocs: large objects allocated
 * @large_alloc_bytes: bytes of large objects allocated (whole pages)
 * @nfree: small objects freed, by size class
 * @large_frees: large objects freed
 * @large_free_bytes: bytes of large objects freed
 * @tiny_frees: tiny objects freed out of tiny blocks (a tiny object that got
 *	a 16 B slot to itself is a plain class 2 object: counted in @nfree)
 * @stackcache: Go's per-P stack cache, by order
 * @drain_work: runs goalloc_mcache_drain() on this CPU
 */
struct goalloc_mcache {
	local_lock_t lock;
	struct goalloc_mspan *alloc[GOALLOC_NUM_SPAN_CLASSES];
	unsigned long tiny;
	struct goalloc_mspan *tinyspan;
	u32 *tinyalloc;
	u16 tinyoffset;
	u32 flushgen;
	struct goalloc_pagecache pcache;
	unsigned int nspancache;
	struct goalloc_mspan *spancache[GOALLOC_MSPAN_CACHE_LEN];

	u64 nmalloc[GOALLOC_NUM_SIZE_CLASSES];
	u64 tiny_allocs;
	u64 large_allocs;
	u64 large_alloc_bytes;
	u64 nfree[GOALLOC_NUM_SIZE_CLASSES];
	u64 large_frees;
	u64 large_free_bytes;
	u64 tiny_frees;

	struct goalloc_stackcache stackcache[GOALLOC_NUM_STACK_ORDERS];

	struct work_struct drain_work;
};

/*
 * Statistics and debugfs readers sum other CPUs' counters without their
 * locks: a racy snapshot by design (see stats.c), so tell KCSAN.
 */
#define goalloc_racy(x)	data_race(x)

extern struct goalloc_mcache __percpu *goalloc_mcaches;
extern struct goalloc_mspan goalloc_emptymspan;
extern bool goalloc_warn_bad_free;
extern atomic_long_t goalloc_bad_frees;

/*
 * After goalloc_mspan_free_index() succeeded: count the free on this CPU,
 * and send a span of an mcentral full set back to be swept (its first
 * death since it was swept; see goalloc_mcentral_free_in_full()).
 * Context: RCU read side, which keeps @s typesafe once its slot is dead.
 */
static __always_inline void goalloc_mcache_note_free(struct goalloc_mspan *s,
						     unsigned int sizeclass)
{
	this_cpu_inc(goalloc_mcaches->nfree[sizeclass]);
	if (unlikely(READ_ONCE(s->central_full)))
		goalloc_mcentral_free_in_full(s);
}

int goalloc_mcache_init(void);
void goalloc_mcache_exit(void);
unsigned long goalloc_mcache_refill(struct goalloc_mcache *mc, u8 spanclass,
				    struct goalloc_mspan **sp);
void goalloc_mcache_release_all(struct goalloc_mcache *mc);
void goalloc_mcache_drain_cpu(int cpu);
void goalloc_mcache_drain_all(void);
void goalloc_tiny_block_dead(struct goalloc_mspan *s, struct goalloc_tiny_blocks *t,
			     unsigned int idx);
void goalloc_tiny_retire(struct goalloc_mspan *s, unsigned long block);
int goalloc_tiny_blocks_attach(struct goalloc_mspan *s, gfp_t gfp);
void goalloc_tiny_blocks_free(struct goalloc_mspan *s);

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
	this_cpu_inc(goalloc_mcaches->tiny_frees);
	/* Decided on the word this fetch_or replaced: see the block rule. */
	if (goalloc_tiny_complete(old | BIT(off)))
		goalloc_tiny_block_dead(s, t, idx);
	return 0;
}

#endif /* _GOALLOC_MCACHE_H */
