/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc's heap: arenas, the page-index -> span tables, the mcentrals and
 * the sweep/pacer state (Go's mheap.go, mcentral.go, mgcsweep.go).
 *
 * Lock order (outermost first):
 *   mheap.gc_mutex        one sweep cycle / release at a time (may sleep)
 *   mheap.grow_mutex      arena growth (may sleep: allocates 4 MiB)
 *   mcache local_lock     this CPU's mcache and page cache (preemption off)
 *   stackpool[order].lock (stack.c)
 *   mcentral.lock         one span class's partial/full lists
 *   mheap.lock            page allocator, arena spans tables, page counters
 * Nothing that may sleep runs under the last three.  Arena growth therefore
 * happens with every lock dropped: the allocation path unwinds with -EAGAIN,
 * grows, and retries (as SLUB drops its cpu lock around new_slab()).
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
#include <linux/cache.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "goalloc/pagealloc.h"
#include "goalloc/sizeclasses.h"
#include "goalloc/span.h"

/* An arena is one palloc chunk: 4 MiB of 8 KiB pages, an order-10 block. */
#define GOALLOC_ARENA_SHIFT	22
#define GOALLOC_ARENA_BYTES	(1UL << GOALLOC_ARENA_SHIFT)
#define GOALLOC_ARENA_PAGES	(GOALLOC_ARENA_BYTES >> GOALLOC_PAGE_SHIFT)
#define GOALLOC_ARENA_ORDER	(GOALLOC_ARENA_SHIFT - PAGE_SHIFT)
#define GOALLOC_MAX_ALLOC	GOALLOC_ARENA_BYTES

/* Spans shorter than this come from the per-CPU page cache (Go: 64/4). */
#define GOALLOC_PAGECACHE_MAX_NPAGES	16

/* Spans swept per cacheSpan before it gives up and grows (Go's budget). */
#define GOALLOC_SWEEP_BUDGET	100

/* Go's heapMinimum: no sweep cycle is paced below this heap size. */
#define GOALLOC_HEAP_MINIMUM	(4UL << 20)

/**
 * struct goalloc_heap_arena - one 4 MiB arena (Go's heapArena)
 * @base: kernel address of the arena; 0 while released
 * @page: the order-10 block backing it
 * @chunk: its chunk index in the page allocator's page-index space
 * @zeroed_base: runtime pages at or above this index were never handed out
 *	since the arena was backed, so they are still zero (Go's zeroedBase);
 *	all pages count as dirty when the kernel did not zero the arena
 * @idle_cycle: the sweep cycle during which a pacer's release pass found
 *	the arena entirely free
 * @idle_seen: @idle_cycle is valid; cleared when a span is allocated here
 * @spans: span of every page of an in-use or manual span; NULL elsewhere
 */
struct goalloc_heap_arena {
	unsigned long base;
	struct page *page;
	u32 chunk;
	u32 zeroed_base;
	bool idle_seen;
	u64 idle_cycle;
	struct goalloc_mspan *spans[GOALLOC_ARENA_PAGES];
};

/**
 * struct goalloc_mcentral - free spans of one span class
 * @lock: guards the four lists and their counts
 * @spanclass: the span class
 * @partial: spans with free slots, [swept] and [unswept] by sweepgen parity
 * @full: spans without free slots, same indexing
 * @npartial: lengths of @partial
 * @nfull: lengths of @full
 */
struct goalloc_mcentral {
	spinlock_t lock;
	u8 spanclass;
	struct list_head partial[2];
	struct list_head full[2];
	u32 npartial[2];
	u32 nfull[2];
} ____cacheline_aligned_in_smp;

/**
 * struct goalloc_mheap - the heap
 * @lock: guards @pages, the arenas' span tables, zeroed_base and idle
 *	marks, @arenas,
 *	the chunk counters and the page counters
 * @pages: the page allocator over chunk-index space
 * @arenas: arena of every chunk slot ever grown, by chunk index
 * @max_chunks: heap cap in chunks (module parameter max_heap_mb)
 * @nchunks: chunk slots grown so far (backed or released)
 * @nreleased: chunk slots whose memory went back to the kernel
 * @pages_inuse: runtime pages in in-use (heap) spans
 * @pages_manual: runtime pages in manual (stack) spans
 * @nspans: mspans in existence
 * @grow_mutex: serialises arena growth
 * @gc_mutex: serialises sweep cycles and releases
 * @sweepgen: Go's sweep generation; += 2 per cycle
 * @cycles: sweep cycles started
 * @heap_live: Go's heapLive for an explicit free: bytes of every slot an
 *	mcache holds (refill counts a span's free slots as handed out, its
 *	release takes back those never used), of allocated slots not yet
 *	reclaimed by a sweep, and of large objects; compared against @trigger
 *	to start the next cycle
 * @trigger: heap_live at which the next cycle starts (Go's GOGC pacing)
 * @heap_marked: live bytes (HeapAlloc) when the current cycle started
 * @bgsweep: the background sweeper (Go's bgsweep goroutine)
 * @cycle_requested: bgsweep should start a new cycle
 * @central: one mcentral per span class
 */
struct goalloc_mheap {
	spinlock_t lock;
	struct goalloc_pagealloc pages;
	struct goalloc_heap_arena **arenas;
	u32 max_chunks;
	u32 nchunks;
	u32 nreleased;
	unsigned long pages_inuse;
	unsigned long pages_manual;
	atomic_long_t nspans;

	struct mutex grow_mutex;
	struct mutex gc_mutex;

	u32 sweepgen;
	u64 cycles;
	atomic64_t heap_live;
	u64 trigger;
	u64 heap_marked;
	struct work_struct bgsweep;
	bool cycle_requested;

	struct goalloc_mcentral central[GOALLOC_NUM_SPAN_CLASSES];
};

extern struct goalloc_mheap goalloc_mheap;
extern unsigned int goalloc_gogc;

struct goalloc_mcache;

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
struct goalloc_mspan *goalloc_mheap_alloc_span(struct goalloc_mcache *mc,
					       u32 npages, u8 spanclass,
					       u8 state);
void goalloc_mheap_free_span(struct goalloc_mcache *mc, struct goalloc_mspan *s);
void goalloc_mspancache_drain(struct goalloc_mcache *mc);
int goalloc_mheap_grow(u32 npages);
struct goalloc_mspan *goalloc_span_of(unsigned long addr);
unsigned long goalloc_mheap_release(bool all);
bool goalloc_mheap_owns(unsigned long addr);
struct dentry;
void goalloc_mheap_debugfs(struct dentry *dir);

void goalloc_mcentral_init(struct goalloc_mcentral *c, u8 spanclass);
struct goalloc_mspan *goalloc_mcentral_cache_span(struct goalloc_mcentral *c,
						  struct goalloc_mcache *mc);
void goalloc_mcentral_uncache_span(struct goalloc_mcentral *c,
				   struct goalloc_mspan *s);
void goalloc_mcentral_free_in_full(struct goalloc_mspan *s);
void goalloc_mspan_sweep_to_central(struct goalloc_mspan *s);
int goalloc_mspan_sweep_free_in_place(struct goalloc_mspan *s);
unsigned long goalloc_sweep_all(void);
void goalloc_maybe_start_cycle(void);
void goalloc_sweep_cycle(bool start);
void goalloc_sweep_cycle_norelease(bool start);
void goalloc_mcentral_sweeper_init(void);
void goalloc_mcentral_sweeper_exit(void);

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
