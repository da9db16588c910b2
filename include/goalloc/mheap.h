/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc's heap: arenas, the page-index -> span tables, span allocation
 * and free, and the heap's per-CPU caches (Go's mheap.go, the arena index
 * of malloc.go, Go's p.pcache and p.mspancache).  Locking: see the lock
 * order block at the top of mod/malloc.c.
 *
 * Address -> span lookups (free, usable size) take no lock: arena pointers
 * (index and lookup cache) and span table entries are published with
 * WRITE_ONCE, and mspan structures come from a SLAB_TYPESAFE_BY_RCU cache,
 * so a lookup under an RCU read side (rcu_read_lock(), or a preempt-disabled
 * region such as rcu_read_lock_sched()) always reads an mspan and re-checks
 * its state and bounds, as Go's spanOfHeap does.
 */
#ifndef _GOALLOC_MHEAP_H
#define _GOALLOC_MHEAP_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include "goalloc/pagealloc.h"
#include "goalloc/pagecache.h"
#include "goalloc/sizeclasses.h"
#include "goalloc/span.h"

/* An arena is one palloc chunk: 4 MiB of 8 KiB pages, an order-10 block. */
#define GOALLOC_ARENA_SHIFT	22
#define GOALLOC_ARENA_BYTES	(1UL << GOALLOC_ARENA_SHIFT)
#define GOALLOC_ARENA_PAGES	(GOALLOC_ARENA_BYTES >> GOALLOC_PAGE_SHIFT)
#define GOALLOC_ARENA_ORDER	(GOALLOC_ARENA_SHIFT - PAGE_SHIFT)

/* Spans shorter than this come from the per-CPU page cache (Go: 64/4). */
#define GOALLOC_PAGECACHE_MAX_NPAGES	16

/* Go keeps 128 mspans per P; a few cover a CPU's large alloc/free churn. */
#define GOALLOC_MSPAN_CACHE_LEN	8

/**
 * struct goalloc_heapcache - the heap's per-CPU caches (in struct goalloc_p)
 * @pcache: Go's per-P page cache; the pages of a large span freed on this
 *	CPU go back to it when they lie in its 64-page block
 * @nspancache: mspans in @spancache
 * @spancache: Go's per-P mspancache: dead mspan structs (state
 *	GOALLOC_MSPAN_DEAD) kept for the next span this CPU allocates, so a
 *	large alloc+free pair needs no kmem_cache call
 *
 * Owned by its CPU under that CPU's p lock, or drained on a dead CPU.
 */
struct goalloc_heapcache {
	struct goalloc_pagecache pcache;
	unsigned int nspancache;
	struct goalloc_mspan *spancache[GOALLOC_MSPAN_CACHE_LEN];
};

/*
 * Tiny blocks (tiny.c) keep per-slot state beside a tiny-class span: span
 * metadata, attached when an mcache first caches the span
 * (goalloc_mheap_tiny_attach()) and freed with the span (through RCU: a
 * racing goalloc_free() may still read it).  The words' meaning and rules
 * are in tiny.h.
 */
struct goalloc_tiny_blocks {
	struct rcu_head rcu;
	atomic_t state[GOALLOC_PAGE_SIZE / GOALLOC_TINY_SIZE];
	u32 alloc[GOALLOC_PAGE_SIZE / GOALLOC_TINY_SIZE];
};

/**
 * struct goalloc_heap_arena - the heap's pages in one 4 MiB frame (Go's
 *	heapArena)
 * @base: kernel address of the frame (4 MiB aligned in the linear map); 0
 *	while the chunk slot tracks no frame
 * @chunk: the frame's chunk slot in the page allocator's page-index space
 * @zeroed_base: runtime pages at or above this index were never handed out
 *	since the frame was tracked, so they are still zero (Go's zeroedBase);
 *	all pages count as dirty when the kernel does not zero pages
 * @owned: runtime pages of the frame the heap owns (got from the kernel's
 *	page allocator and not yet given back)
 * @spans: span of every page of an in-use or manual span; NULL elsewhere
 */
struct goalloc_heap_arena {
	unsigned long base;
	u32 chunk;
	u32 zeroed_base;
	u32 owned;
	struct goalloc_mspan *spans[GOALLOC_ARENA_PAGES];
};

/**
 * struct goalloc_mheap - the heap
 * @lock: guards @pages, the arenas' span tables, owned counts and
 *	watermarks, @arenas, and the page counters
 * @pages: the page allocator over chunk-index space: a page the heap does
 *	not own is in use and scavenged there, so it is never handed out
 * @arenas: arena of every chunk slot ever used, by chunk index
 * @max_chunks: chunk slots: a frame of RAM each, at least twice the frames
 *	@max_pages fills
 * @nchunks: chunk slots used so far (tracking a frame now or earlier)
 * @max_pages: heap cap in owned runtime pages (module parameter max_heap_mb)
 * @pages_owned: runtime pages the heap owns (Go's heapRetained plus stacks)
 * @pages_inuse: runtime pages in in-use (heap) spans
 * @pages_manual: runtime pages in manual (stack) spans
 * @scavenged: runtime pages given back to the kernel since load
 * @nspans: mspans in existence
 * @grows: growths by outcome, under @grow_mutex (debugfs "mheap"): why a
 *	heap short of memory did or did not get it
 * @grow_mutex: serialises growth, scavenging and the frame map
 * @sweepgen: Go's sweep generation; += 2 per cycle (mgcsweep.c), under @lock
 */
struct goalloc_mheap {
	spinlock_t lock;
	struct goalloc_pagealloc pages;
	struct goalloc_heap_arena **arenas;
	u32 max_chunks;
	u32 nchunks;
	unsigned long max_pages;
	unsigned long pages_owned;
	unsigned long pages_inuse;
	unsigned long pages_manual;
	u64 scavenged;
	atomic_long_t nspans;
	struct {
		unsigned long ok;	/* got the block grow_order() asked for */
		unsigned long smaller;	/* only the order needed */
		unsigned long raced;	/* another grower had made room */
		unsigned long cap;	/* -ENOMEM: max_heap_mb */
		unsigned long injected;	/* -ENOMEM: fail_grow */
		unsigned long kernel;	/* -ENOMEM: no block of the order needed */
		unsigned long slots;	/* -ENOMEM: no chunk slot or frame index */
	} grows;

	struct mutex grow_mutex;
	u32 sweepgen;
};

extern struct goalloc_mheap goalloc_mheap;

/*
 * The free path's arena lookup: a direct-mapped cache in front of Go's
 * two-level arena index (mheap.c), indexed by the low bits of the 4 MiB
 * frame number.  A slot holds an arena whose frame hashes there, or
 * goalloc_arena_none (base 0, no spans); arenas that collide with a cached
 * one are found through the index.  Slots change only under grow_mutex;
 * arena structures live until module exit.
 */
#define GOALLOC_ARENA_CACHE_BITS	12

extern struct goalloc_heap_arena *goalloc_arena_cache[1UL << GOALLOC_ARENA_CACHE_BITS];

struct goalloc_mspan *goalloc_span_lookup_index(unsigned long addr);
void goalloc_mheap_set_lookup_cache(bool on);

/**
 * goalloc_span_lookup_fast() - the span table entry of a page, from the cache
 * @addr: any address
 *
 * goalloc_span_of() without its state and bounds checks, and without the
 * fallback to the arena index.  A cached arena released and backed again
 * elsewhere between the base read and the table read yields NULL or a span
 * of another arena, which the caller's bounds check rejects.
 *
 * Context: RCU read side (rcu_read_lock() or preemption off); the caller
 * must re-check the mspan's state and bounds, as goalloc_span_of() does.
 * Return: the mspan recorded for @addr's page; NULL if there is none or
 * the cache does not hold @addr's arena (ask goalloc_span_lookup_index()).
 */
static __always_inline struct goalloc_mspan *goalloc_span_lookup_fast(unsigned long addr)
{
	struct goalloc_mspan **sp;
	struct goalloc_heap_arena *a;
	unsigned long off;

	a = READ_ONCE(goalloc_arena_cache[(addr >> GOALLOC_ARENA_SHIFT) &
					  ((1UL << GOALLOC_ARENA_CACHE_BITS) - 1)]);
	off = addr - READ_ONCE(a->base);
	if (unlikely(off >= GOALLOC_ARENA_BYTES))
		return NULL;
	sp = &a->spans[off >> GOALLOC_PAGE_SHIFT];
	return READ_ONCE(*sp);
}

int goalloc_mheap_init(unsigned long max_bytes);
void goalloc_mheap_exit(void);
struct goalloc_mspan *goalloc_mheap_alloc_span(struct goalloc_heapcache *hc,
					       u32 npages, u8 spanclass,
					       u8 state);
void goalloc_mheap_free_span(struct goalloc_heapcache *hc, struct goalloc_mspan *s);
void goalloc_heapcache_drain(struct goalloc_heapcache *hc);
int goalloc_mheap_tiny_attach(struct goalloc_mspan *s);
int goalloc_mheap_grow(u32 npages);
struct goalloc_mspan *goalloc_span_of(unsigned long addr);
unsigned long goalloc_mheap_release(bool all);
unsigned long goalloc_mheap_scavenge(unsigned long max_pages);
u64 goalloc_mheap_retained(void);
bool goalloc_mheap_owns(unsigned long addr);
struct dentry;
void goalloc_mheap_debugfs(struct dentry *dir);

static inline u32 goalloc_sweepgen(void)
{
	return READ_ONCE(goalloc_mheap.sweepgen);
}

static inline unsigned int goalloc_swept(u32 sg)
{
	return (sg / 2) % 2;
}

static inline unsigned int goalloc_unswept(u32 sg)
{
	return 1 - goalloc_swept(sg);
}

#endif /* _GOALLOC_MHEAP_H */
