/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc's heap: arenas, the page-index -> span tables, the mcentrals and
 * the sweep/pacer state (Go's mheap.go, mcentral.go, mgcsweep.go).
 *
 * Lock order (outermost first):
 *   mheap.gc_mutex        one sweep cycle / release at a time (may sleep)
 *   mheap.grow_mutex      arena growth (may sleep: allocates 4 MiB)
 *   mcache local_lock     this CPU's mcache and page cache (preemption off)
 *   stackpool[order].lock, stackLarge.lock (stack.c)
 *   mcentral.lock         one span class's partial/full lists
 *   mheap.lock            page allocator, arena spans tables, page counters
 * Nothing that may sleep runs under the last three.  Arena growth therefore
 * happens with every lock dropped: the allocation path unwinds with -EAGAIN,
 * grows, and retries (as SLUB drops its cpu lock around new_slab()).
 *
 * Address -> span lookups (free, usable size) take no lock: arena pointers
 * and span table entries are published with WRITE_ONCE under mheap.lock,
 * and mspan structures come from a SLAB_TYPESAFE_BY_RCU cache, so a lookup
 * under rcu_read_lock() always reads an mspan and re-checks its state and
 * bounds, as Go's spanOfHeap does.
 */
#ifndef _GOALLOC_MHEAP_H
#define _GOALLOC_MHEAP_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/page.h>

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
 *	since the arena was backed, so they are still zero (Go's zeroedBase)
 * @spans: span of every page of an in-use or manual span; NULL elsewhere
 */
struct goalloc_heap_arena {
	unsigned long base;
	struct page *page;
	u32 chunk;
	u32 zeroed_base;
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
 * @lock: guards @pages, the arenas' span tables and zeroed_base, @arenas,
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
 * @heap_live: bytes handed to mcaches or large objects since the cycle
 *	began (Go's heapLive); compared against @trigger to start the next
 * @trigger: heap_live at which the next cycle starts (Go's GOGC pacing)
 * @heap_marked: live bytes when the current cycle started
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

/*
 * Go's arena index: linear-map frame (4 MiB) -> arena, two levels so the
 * whole 64 TiB direct map is covered by 32 KiB of L1 plus 32 KiB L2 blocks
 * made on demand (mheap.c).  Entries go NULL -> arena -> NULL only under
 * grow_mutex and are read locklessly.
 */
#define GOALLOC_ARENA_L2_BITS	12
#define GOALLOC_ARENA_L1_BITS	12
#define GOALLOC_ARENA_FRAMES	(1UL << (GOALLOC_ARENA_L1_BITS + GOALLOC_ARENA_L2_BITS))

extern struct goalloc_heap_arena **goalloc_arena_l1[1UL << GOALLOC_ARENA_L1_BITS];

/**
 * goalloc_span_lookup() - the span table entry of the page holding an address
 * @addr: any address
 *
 * The free fast path's half of goalloc_span_of(): no state or bounds check.
 * An arena lives at the start of its linear-map frame (an order-10 block is
 * 4 MiB aligned), so the page index is the low bits of the frame offset.  An
 * arena released and backed again elsewhere between the index read and the
 * table read yields a span of the other arena, which the caller's bounds
 * check against the span rejects.
 *
 * Context: RCU read side (rcu_read_lock() or preemption off): the caller must
 * re-check the mspan's state and bounds, as goalloc_span_of() does.
 * Return: the mspan recorded for @addr's page, or NULL.
 */
static __always_inline struct goalloc_mspan *goalloc_span_lookup(unsigned long addr)
{
	unsigned long off = addr - PAGE_OFFSET;
	unsigned long f = off >> GOALLOC_ARENA_SHIFT;
	struct goalloc_heap_arena **l2, *a;

	/* Below PAGE_OFFSET, off wraps and f is out of range as well. */
	if (unlikely(f >= GOALLOC_ARENA_FRAMES))
		return NULL;
	l2 = READ_ONCE(goalloc_arena_l1[f >> GOALLOC_ARENA_L2_BITS]);
	if (unlikely(!l2))
		return NULL;
	a = READ_ONCE(l2[f & ((1UL << GOALLOC_ARENA_L2_BITS) - 1)]);
	if (unlikely(!a))
		return NULL;
	return READ_ONCE(a->spans[(off & (GOALLOC_ARENA_BYTES - 1)) >> GOALLOC_PAGE_SHIFT]);
}

struct goalloc_mcache;

int goalloc_mheap_init(unsigned long max_bytes);
void goalloc_mheap_exit(void);
struct goalloc_mspan *goalloc_mheap_alloc_span(struct goalloc_mcache *mc,
					       u32 npages, u8 spanclass,
					       u8 state);
void goalloc_mheap_free_span(struct goalloc_mspan *s);
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
