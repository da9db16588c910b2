// SPDX-License-Identifier: GPL-2.0
/*
 * mheap: arenas, span allocation and free, address -> span lookup, and
 * giving memory back to the kernel (Go's mheap.go allocSpan/freeSpan, the
 * arena index of malloc.go, and the scavenger's role at arena granularity).
 *
 * Arenas are order-10 blocks (4 MiB) from the page allocator, so they are
 * 4 MiB aligned in the linear map and need no vmalloc space or kmemleak
 * bookkeeping.  A linear-map page cannot be unmapped and mapped again, so
 * memory goes back to the kernel one whole free arena at a time; the chunk
 * slot stays in the page allocator as "released" (scavenged) and is backed
 * by a new block when the heap grows again.  Locking: the lock order block
 * at the top of malloc.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <trace/events/goalloc.h>

#include "goalloc/kasan.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mheap.h"

static_assert(GOALLOC_ARENA_ORDER <= MAX_PAGE_ORDER);
static_assert(GOALLOC_ARENA_PAGES == GOALLOC_PALLOC_CHUNK_PAGES);

struct goalloc_mheap goalloc_mheap;
EXPORT_SYMBOL_IF_KUNIT(goalloc_mheap);

static struct kmem_cache *goalloc_mspan_cache;

/*
 * Fault injection (Documentation/fault-injection): fail_grow fails arena
 * growth, fail_meta fails mspan allocation.  Knobs live in
 * /sys/kernel/debug/goalloc/fail_{grow,meta}/.
 */
#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(goalloc_fail_grow);
static DECLARE_FAULT_ATTR(goalloc_fail_meta);

static bool goalloc_should_fail(struct fault_attr *attr, ssize_t size)
{
	return should_fail(attr, size);
}
#else
struct goalloc_no_fault_attr { };
static struct goalloc_no_fault_attr goalloc_fail_grow, goalloc_fail_meta;

static bool goalloc_should_fail(void *attr, ssize_t size)
{
	return false;
}
#endif

/**
 * goalloc_mheap_debugfs() - add the heap's fault-injection knobs
 * @dir: goalloc's debugfs directory
 *
 * Context: module init.
 */
void goalloc_mheap_debugfs(struct dentry *dir)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	/* Quiet by default: a stack dump per injected failure is a splat. */
	goalloc_fail_grow.verbose = 0;
	goalloc_fail_meta.verbose = 0;
	fault_create_debugfs_attr("fail_grow", dir, &goalloc_fail_grow);
	fault_create_debugfs_attr("fail_meta", dir, &goalloc_fail_meta);
#endif
}

/*
 * Go's arena index: linear-map frame (4 MiB) -> arena, two levels so the
 * whole 64 TiB direct map is covered by 32 KiB of L1 plus 32 KiB L2 blocks
 * made on demand.  Entries go NULL -> arena -> NULL only under grow_mutex.
 * goalloc_arena_cache (mheap.h) caches one arena per slot in front of it.
 */
#define ARENA_L2_BITS	12
#define ARENA_L1_BITS	12
#define ARENA_FRAMES	(1UL << (ARENA_L1_BITS + ARENA_L2_BITS))

static struct goalloc_heap_arena **arena_l1[1UL << ARENA_L1_BITS];

/* A cache slot's "no arena": base 0 and no spans, so lookups fall through. */
static struct goalloc_heap_arena goalloc_arena_none;
struct goalloc_heap_arena *goalloc_arena_cache[1UL << GOALLOC_ARENA_CACHE_BITS];
EXPORT_SYMBOL_IF_KUNIT(goalloc_arena_cache);

static bool arena_frame(unsigned long addr, unsigned long *frame)
{
	if (addr < PAGE_OFFSET)
		return false;
	*frame = (addr - PAGE_OFFSET) >> GOALLOC_ARENA_SHIFT;
	return *frame < ARENA_FRAMES;
}

static struct goalloc_heap_arena *arena_of(unsigned long addr)
{
	struct goalloc_heap_arena **l2;
	unsigned long f;

	if (!arena_frame(addr, &f))
		return NULL;
	l2 = READ_ONCE(arena_l1[f >> ARENA_L2_BITS]);
	if (!l2)
		return NULL;
	return READ_ONCE(l2[f & ((1UL << ARENA_L2_BITS) - 1)]);
}

static struct goalloc_heap_arena **arena_cache_slot(unsigned long addr)
{
	return &goalloc_arena_cache[(addr >> GOALLOC_ARENA_SHIFT) &
				    ((1UL << GOALLOC_ARENA_CACHE_BITS) - 1)];
}

/* The lookup cache holds no arena (goalloc_mheap_set_lookup_cache()); grow_mutex. */
static bool arena_cache_off;

/* Context: grow_mutex held. */
static int arena_map_set(unsigned long addr, struct goalloc_heap_arena *a)
{
	struct goalloc_heap_arena **l2, **slot = arena_cache_slot(addr);
	unsigned long f;

	if (!arena_frame(addr, &f))
		return -ERANGE;
	/* The cache compares an arena's base with its frame's start. */
	if (WARN_ON_ONCE(addr & (GOALLOC_ARENA_BYTES - 1)))
		return -EINVAL;
	l2 = arena_l1[f >> ARENA_L2_BITS];
	if (!l2) {
		if (!a)
			return 0;
		l2 = kcalloc(1UL << ARENA_L2_BITS, sizeof(*l2), GFP_KERNEL);
		if (!l2)
			return -ENOMEM;
		WRITE_ONCE(arena_l1[f >> ARENA_L2_BITS], l2);
	}
	l2 += f & ((1UL << ARENA_L2_BITS) - 1);
	/* A slot keeps the first arena that hashes to it until it goes. */
	if (!arena_cache_off) {
		if (!a && *slot == *l2)
			WRITE_ONCE(*slot, &goalloc_arena_none);
		else if (a && *slot == &goalloc_arena_none)
			WRITE_ONCE(*slot, a);
	}
	WRITE_ONCE(*l2, a);
	return 0;
}

/**
 * goalloc_mheap_set_lookup_cache() - empty the free path's arena lookup
 *	cache and keep it empty, or refill it
 * @on: refill it (from the arenas tracked now) and keep it up to date
 *
 * Off, goalloc_span_lookup_fast() finds nothing and every lookup goes to
 * the index: the goalloc_free event's detour.  A lookup that read a slot
 * before it was emptied may still use it: callers that care wait for an
 * RCU grace period afterwards.
 *
 * Context: process context, may sleep; takes grow_mutex.
 */
void goalloc_mheap_set_lookup_cache(bool on)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	struct goalloc_heap_arena *a, **slot;
	u32 i;

	mutex_lock(&h->grow_mutex);
	arena_cache_off = !on;
	for (i = 0; i < ARRAY_SIZE(goalloc_arena_cache); i++)
		WRITE_ONCE(goalloc_arena_cache[i], &goalloc_arena_none);
	/* Frames tracked now: arenas[] and their bases change under grow_mutex. */
	for (i = 0; on && i < h->nchunks; i++) {
		a = h->arenas[i];
		if (!a || !a->base)
			continue;
		slot = arena_cache_slot(a->base);
		if (*slot == &goalloc_arena_none)
			WRITE_ONCE(*slot, a);
	}
	mutex_unlock(&h->grow_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mheap_set_lookup_cache);

/**
 * goalloc_span_lookup_index() - the span table entry of a page, from the index
 * @addr: any address
 *
 * Context: as goalloc_span_lookup_fast().
 * Return: the mspan recorded for @addr's page, or NULL.
 */
struct goalloc_mspan *goalloc_span_lookup_index(unsigned long addr)
{
	struct goalloc_heap_arena *a = arena_of(addr);
	unsigned long base;

	if (!a)
		return NULL;
	base = READ_ONCE(a->base);
	if (addr - base >= GOALLOC_ARENA_BYTES)
		return NULL;
	return READ_ONCE(a->spans[(addr - base) >> GOALLOC_PAGE_SHIFT]);
}

/**
 * goalloc_span_of() - Go's spanOfHeap: the in-use or manual span holding addr
 * @addr: any address
 *
 * Context: rcu_read_lock() held by the caller, which must re-check what it
 * relies on: the mspan may be freed and reused once the lock is dropped.
 * Return: the span, or NULL if @addr is not inside a live goalloc span.
 */
struct goalloc_mspan *goalloc_span_of(unsigned long addr)
{
	struct goalloc_mspan *s = goalloc_span_lookup_fast(addr) ?:
				  goalloc_span_lookup_index(addr);

	/* Pairs with the release that publishes a span in alloc_span. */
	if (!s || smp_load_acquire(&s->state) == GOALLOC_MSPAN_DEAD)
		return NULL;
	/* One unsigned compare: below s->base wraps to a huge offset. */
	if (addr - s->base >= (unsigned long)s->npages << GOALLOC_PAGE_SHIFT)
		return NULL;
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_span_of);

/**
 * goalloc_mheap_owns() - does addr lie in one of goalloc's arenas?
 * @addr: any address
 *
 * Context: any.
 * Return: true if @addr is inside a backed arena (allocated or not).
 */
bool goalloc_mheap_owns(unsigned long addr)
{
	struct goalloc_heap_arena *a = arena_of(addr);

	return a && addr - READ_ONCE(a->base) < GOALLOC_ARENA_BYTES;
}

/*
 * Take npages from this CPU's page cache, refilling it from the heap if it
 * is empty.  Context: the p lock of hc's CPU held.  Return: the first page,
 * or GOALLOC_NO_PAGE (the caller then asks the page allocator).
 */
static unsigned long pagecache_alloc(struct goalloc_heapcache *hc, u32 npages)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned long base, scav;

	base = goalloc_pagecache_alloc(&hc->pcache, npages, &scav);
	if (base != GOALLOC_NO_PAGE)
		return base;
	/* The p lock disabled interrupts: mheap.lock needs no irqsave here. */
	spin_lock(&h->lock);
	if (goalloc_pagecache_empty(&hc->pcache))
		goalloc_pagealloc_alloc_to_cache(&h->pages, &hc->pcache);
	spin_unlock(&h->lock);
	return goalloc_pagecache_alloc(&hc->pcache, npages, &scav);
}

/*
 * mheap.lock with interrupts off (see malloc.c): a caller with a heap cache
 * holds its p lock, which already disabled them, so only the others pay
 * for saving and restoring the flag.
 */
static unsigned long heap_lock(struct goalloc_mheap *h, struct goalloc_heapcache *hc)
	__acquires(&h->lock)
{
	unsigned long irqf = 0;

	if (hc) {
		lockdep_assert_irqs_disabled();
		spin_lock(&h->lock);
	} else {
		spin_lock_irqsave(&h->lock, irqf);
	}
	return irqf;
}

static void heap_unlock(struct goalloc_mheap *h, struct goalloc_heapcache *hc,
			unsigned long irqf)
	__releases(&h->lock)
{
	if (hc)
		spin_unlock(&h->lock);
	else
		spin_unlock_irqrestore(&h->lock, irqf);
}

/*
 * Go's setSpans, for lock-free lookups: marked stores, eight to a loop
 * round, as a 1 MiB span has 128 entries.  Context: mheap lock held.
 */
static void spans_set(struct goalloc_mspan **sp, struct goalloc_mspan *s, u32 n)
{
	u32 i = 0;

	for (; i + 8 <= n; i += 8) {
		WRITE_ONCE(sp[i], s);
		WRITE_ONCE(sp[i + 1], s);
		WRITE_ONCE(sp[i + 2], s);
		WRITE_ONCE(sp[i + 3], s);
		WRITE_ONCE(sp[i + 4], s);
		WRITE_ONCE(sp[i + 5], s);
		WRITE_ONCE(sp[i + 6], s);
		WRITE_ONCE(sp[i + 7], s);
	}
	for (; i < n; i++)
		WRITE_ONCE(sp[i], s);
}

/*
 * Go's per-P mspancache (allocMSpanLocked/freeMSpanLocked): mspans come from
 * and go to this CPU's small cache first.  A cached mspan is DEAD, as a
 * freed one is, and the typesafe-by-RCU cache reuses freed objects at once
 * as well, so lock-free lookups (which re-check state and bounds) cannot
 * tell the difference.  Context: the p lock of hc's CPU held when hc is
 * not NULL.
 */
static struct goalloc_mspan *mspan_alloc(struct goalloc_heapcache *hc)
{
	struct goalloc_mspan *s;

	if (hc && hc->nspancache)
		return hc->spancache[--hc->nspancache];
	s = kmem_cache_alloc(goalloc_mspan_cache, GFP_NOWAIT | __GFP_NOWARN);
	/* A new object: lookups that find it before it is published see DEAD. */
	if (s)
		WRITE_ONCE(s->state, GOALLOC_MSPAN_DEAD);
	return s;
}

static void mspan_free(struct goalloc_heapcache *hc, struct goalloc_mspan *s)
{
	if (hc && hc->nspancache < GOALLOC_MSPAN_CACHE_LEN)
		hc->spancache[hc->nspancache++] = s;
	else
		kmem_cache_free(goalloc_mspan_cache, s);
}

/**
 * goalloc_heapcache_drain() - give a CPU's cached mspans and pages back
 * @hc: the heap cache of this CPU (its p lock held) or of a dead CPU
 *
 * Context: never sleeps; takes mheap.lock.
 */
void goalloc_heapcache_drain(struct goalloc_heapcache *hc)
{
	unsigned long irqf;

	while (hc->nspancache)
		kmem_cache_free(goalloc_mspan_cache, hc->spancache[--hc->nspancache]);
	if (!goalloc_pagecache_empty(&hc->pcache)) {
		spin_lock_irqsave(&goalloc_mheap.lock, irqf);
		goalloc_pagecache_flush(&hc->pcache, &goalloc_mheap.pages);
		spin_unlock_irqrestore(&goalloc_mheap.lock, irqf);
	}
}

/**
 * goalloc_mheap_tiny_attach() - give a tiny-class span its block states
 * @s: a span of the tiny span class, owned by the caller
 *
 * Span metadata, allocated when an mcache first caches the span and freed
 * with the span by goalloc_mheap_free_span().
 *
 * Context: never sleeps (the caller holds its p lock).
 * Return: 0 or -ENOMEM.
 */
int goalloc_mheap_tiny_attach(struct goalloc_mspan *s)
{
	if (s->tiny)
		return 0;
	s->tiny = kzalloc(sizeof(*s->tiny), GFP_NOWAIT | __GFP_NOWARN);
	return s->tiny ? 0 : -ENOMEM;
}

/*
 * A tiny-class span's block states (goalloc_mheap_tiny_attach()) go with
 * the span, RCU-deferred: a racing goalloc_free() may still read them.
 */
static void tiny_blocks_free(struct goalloc_mspan *s)
{
	struct goalloc_tiny_blocks *t = s->tiny;

	s->tiny = NULL;
	kfree_rcu(t, rcu);
}

/**
 * goalloc_mheap_alloc_span() - Go's mheap.allocSpan
 * @hc: this CPU's heap cache (its p lock held), or NULL to bypass the
 *	per-CPU caches
 * @npages: span length in runtime pages, 1..GOALLOC_ARENA_PAGES
 * @spanclass: span class for heap spans; ignored for manual spans
 * @state: GOALLOC_MSPAN_IN_USE or GOALLOC_MSPAN_MANUAL
 *
 * Context: any context but NMI, spinlocks or the p lock may be held;
 * never sleeps.
 * Return: an initialised span with needzero set from the arena's zeroed
 * watermark; ERR_PTR(-EAGAIN) when the heap must grow first (see
 * goalloc_mheap_grow()), ERR_PTR(-ENOMEM) when span metadata is unavailable.
 */
struct goalloc_mspan *goalloc_mheap_alloc_span(struct goalloc_heapcache *hc,
					       u32 npages, u8 spanclass,
					       u8 state)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	struct goalloc_heap_arena *a;
	struct goalloc_mspan *s;
	unsigned long base, irqf;
	bool needzero;
	u32 off;

	if (goalloc_should_fail(&goalloc_fail_meta, sizeof(*s)))
		return ERR_PTR(-ENOMEM);
	s = mspan_alloc(hc);
	if (!s)
		return ERR_PTR(-ENOMEM);
	base = GOALLOC_NO_PAGE;
	if (hc && npages < GOALLOC_PAGECACHE_MAX_NPAGES)
		base = pagecache_alloc(hc, npages);

	irqf = heap_lock(h, hc);
	if (base == GOALLOC_NO_PAGE)
		base = goalloc_pagealloc_alloc(&h->pages, npages, NULL);
	if (base == GOALLOC_NO_PAGE) {
		heap_unlock(h, hc, irqf);
		mspan_free(hc, s);
		return ERR_PTR(-EAGAIN);
	}
	a = h->arenas[base / GOALLOC_ARENA_PAGES];
	off = base % GOALLOC_ARENA_PAGES;
	/* Go's allocNeedsZero: pages below the watermark may be dirty. */
	needzero = off < a->zeroed_base;
	if (off + npages > a->zeroed_base)
		a->zeroed_base = off + npages;
	/* Lookups that find s here see it DEAD until it is published below. */
	spans_set(&a->spans[off], s, npages);
	if (state == GOALLOC_MSPAN_IN_USE)
		h->pages_inuse += npages;
	else
		h->pages_manual += npages;
	heap_unlock(h, hc, irqf);

	/* Go's initSpan: the pages are ours, so no heap lock is needed. */
	goalloc_mspan_init(s, a->base + ((unsigned long)off << GOALLOC_PAGE_SHIFT),
			   npages, state == GOALLOC_MSPAN_IN_USE ? spanclass : 0);
	s->tiny = NULL;
	s->arena = a;
	s->pageidx = base;
	s->sweepgen = goalloc_sweepgen();
	s->needzero = needzero;
	/* A manual span's stacks are not in anyone's hands until stack.c says. */
	if (state == GOALLOC_MSPAN_MANUAL) {
		memset(s->gcmark_bits, 0, sizeof(s->gcmark_bits));
		goalloc_kasan_unpoison((void *)s->base, s->elemsize, s->elemsize);
	}
	/* The state store publishes the span to lock-free lookups. */
	smp_store_release(&s->state, state);
	atomic_long_inc(&h->nspans);
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mheap_alloc_span);

/**
 * goalloc_mheap_free_span() - Go's mheap.freeSpan / freeManual
 * @hc: this CPU's heap cache (its p lock held), or NULL to bypass the
 *	per-CPU caches
 * @s: a span with no live objects, owned by the caller
 *
 * Returns the pages to @hc's page cache when they are a run it serves and
 * lie in its block, else to the page allocator (coalescing is the page
 * allocator's bitmap), and the mspan to @hc's mspan cache or its
 * RCU-typesafe kmem_cache.
 *
 * Context: any context but NMI; never sleeps; takes mheap.lock.
 */
void goalloc_mheap_free_span(struct goalloc_heapcache *hc, struct goalloc_mspan *s)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	struct goalloc_heap_arena *a = s->arena;
	u32 off = s->pageidx % GOALLOC_ARENA_PAGES;
	unsigned long irqf;
	bool cached;

	if (s->tiny)
		tiny_blocks_free(s);
	goalloc_kasan_poison((void *)s->base, (size_t)s->npages << GOALLOC_PAGE_SHIFT,
			     GOALLOC_KASAN_FREE);
	irqf = heap_lock(h, hc);
	if (s->state == GOALLOC_MSPAN_MANUAL)
		h->pages_manual -= s->npages;
	else
		h->pages_inuse -= s->npages;
	WRITE_ONCE(s->state, GOALLOC_MSPAN_DEAD);
	spans_set(&a->spans[off], NULL, s->npages);
	/* The pages stay in use in the heap's bitmap while the cache has them. */
	cached = hc && s->npages < GOALLOC_PAGECACHE_MAX_NPAGES &&
		 goalloc_pagecache_free(&hc->pcache, s->pageidx, s->npages);
	if (!cached)
		goalloc_pagealloc_free(&h->pages, s->pageidx, s->npages);
	heap_unlock(h, hc, irqf);
	atomic_long_dec(&h->nspans);
	mspan_free(hc, s);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mheap_free_span);

/*
 * Pages from the kernel and back, one runtime page at a time.
 *
 * A module cannot map pages at addresses of its choosing, so goalloc treats
 * the linear map as Go treats its address space: a chunk slot of the page
 * allocator tracks one 4 MiB frame of physical memory, and the heap owns
 * the pages of the frame it got from the kernel's page allocator, wherever
 * they landed.  A page the heap does not own is in use and scavenged in the
 * page allocator's bitmaps, so it is never handed out; Go's "scavenged"
 * (free, not backed) becomes "not owned", since a page given back cannot be
 * asked for again.  Growth asks the kernel for a block of the size needed
 * (split into single pages, so each can go back on its own); the scavenger
 * gives free pages back one run at a time; a frame with nothing left is
 * forgotten and its chunk slot reused.
 */

/* Smallest growth: 64 KiB, 8 runtime pages (a buddy block of order 4). */
#define GROW_MIN_ORDER		4

/*
 * Kernel page order of the block a growth asks for: what @npages needs, at
 * least GROW_MIN_ORDER, and at least 1/16 of what the heap owns (rounded
 * down to a power of two) so a growing heap asks the kernel O(log n) times;
 * at most one frame.
 */
static unsigned int grow_order(struct goalloc_mheap *h, u32 npages)
{
	unsigned long kpages = (unsigned long)npages << (GOALLOC_PAGE_SHIFT - PAGE_SHIFT);
	unsigned long prop = (h->pages_owned / 16) << (GOALLOC_PAGE_SHIFT - PAGE_SHIFT);
	unsigned int order = max_t(unsigned int, order_base_2(kpages), GROW_MIN_ORDER);

	if (prop)
		order = max_t(unsigned int, order, ilog2(prop));
	return min_t(unsigned int, order, GOALLOC_ARENA_ORDER);
}

/* A chunk slot for a new frame: a released one, else one never used. */
static unsigned long chunk_slot_get(struct goalloc_mheap *h)
{
	unsigned long c = goalloc_pagealloc_find_released(&h->pages);

	if (c != GOALLOC_NO_CHUNK)
		return c;
	return h->nchunks < h->max_chunks ? h->nchunks : GOALLOC_NO_CHUNK;
}

/* Free kernel pages that were split out of a block. */
static void free_kernel_pages(unsigned long addr, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		__free_page(virt_to_page((void *)(addr + i * PAGE_SIZE)));
}

/*
 * Make the runtime pages [addr, addr + npages) of one frame the heap's:
 * track the frame if it is new, then hand the pages to the page allocator
 * as free.  Context: grow_mutex held.  Return: 0, or -ENOMEM/-ENOSPC when
 * the frame cannot be tracked (the pages are not the heap's then).
 */
static int heap_own(unsigned long addr, u32 npages, bool zeroed)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned long frame = addr & ~(GOALLOC_ARENA_BYTES - 1), chunk;
	struct goalloc_heap_arena *a = arena_of(frame);
	u32 off = (addr - frame) >> GOALLOC_PAGE_SHIFT;
	bool fresh = false;
	int err;

	if (!a || READ_ONCE(a->base) != frame) {
		spin_lock_irq(&h->lock);
		chunk = chunk_slot_get(h);
		spin_unlock_irq(&h->lock);
		if (chunk == GOALLOC_NO_CHUNK)
			return -ENOSPC;
		a = h->arenas[chunk];
		if (!a) {
			a = kzalloc(sizeof(*a), GFP_KERNEL);
			if (!a)
				return -ENOMEM;
			a->chunk = chunk;
		}
		/* A reused slot's old frame left no span or owned page. */
		WRITE_ONCE(a->base, frame);
		err = arena_map_set(frame, a);
		if (err) {
			WRITE_ONCE(a->base, 0);
			if (!h->arenas[chunk])
				kfree(a);
			return err;
		}
		fresh = true;
	}
	goalloc_kasan_poison((void *)addr, (size_t)npages << GOALLOC_PAGE_SHIFT,
			     GOALLOC_KASAN_UNUSED);
	spin_lock_irq(&h->lock);
	if (fresh) {
		h->arenas[a->chunk] = a;
		if (a->chunk == h->nchunks)
			h->nchunks++;
	}
	/*
	 * Go's zeroedBase per frame: a new frame is all clean if the kernel
	 * zeroes pages, else all dirty.  New pages of a tracked frame below
	 * the watermark count as dirty: only a memset too many.
	 */
	if (fresh)
		a->zeroed_base = zeroed ? 0 : GOALLOC_ARENA_PAGES;
	a->owned += npages;
	h->pages_owned += npages;
	err = goalloc_pagealloc_own(&h->pages, (unsigned long)a->chunk * GOALLOC_ARENA_PAGES + off,
				    npages);
	spin_unlock_irq(&h->lock);
	WARN_ON_ONCE(err);
	return 0;
}

/*
 * Give up to @max free runtime pages back to the kernel, from the top of
 * the page-index space down, as Go's scavenger works from the highest
 * addresses.  Context: grow_mutex held.  Return: pages given back.
 */
static unsigned long scavenge_locked(unsigned long max)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned long base, n, addr, done = 0;
	struct goalloc_heap_arena *a;

	lockdep_assert_held(&h->grow_mutex);
	while (done < max) {
		spin_lock_irq(&h->lock);
		base = goalloc_pagealloc_find_scavenge(&h->pages, max - done, &n);
		if (base == GOALLOC_NO_PAGE) {
			spin_unlock_irq(&h->lock);
			break;
		}
		a = h->arenas[base / GOALLOC_ARENA_PAGES];
		addr = a->base + ((base % GOALLOC_ARENA_PAGES) << GOALLOC_PAGE_SHIFT);
		a->owned -= n;
		h->pages_owned -= n;
		h->scavenged += n;
		/* The frame's last page: lookups stop finding the arena. */
		if (goalloc_pagealloc_disown(&h->pages, base, n)) {
			WARN_ON_ONCE(a->owned);
			arena_map_set(a->base, NULL);
			WRITE_ONCE(a->base, 0);
		}
		spin_unlock_irq(&h->lock);
		goalloc_kasan_unpoison((void *)addr, n << GOALLOC_PAGE_SHIFT,
				       n << GOALLOC_PAGE_SHIFT);
		free_kernel_pages(addr, n << (GOALLOC_PAGE_SHIFT - PAGE_SHIFT));
		done += n;
	}
	if (done)
		trace_goalloc_scavenge(done, READ_ONCE(h->pages_owned));
	return done;
}

/**
 * goalloc_mheap_retained() - Go's heapRetained: bytes of heap memory the
 *	heap owns, in spans or free (stacks excluded)
 *
 * Context: any; a racy read.
 * Return: the bytes.
 */
u64 goalloc_mheap_retained(void)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	long pages = (long)READ_ONCE(h->pages_owned) - (long)READ_ONCE(h->pages_manual);

	return pages > 0 ? (u64)pages << GOALLOC_PAGE_SHIFT : 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mheap_retained);

/**
 * goalloc_mheap_scavenge() - give free pages back to the kernel
 * @max_pages: runtime pages to give back at most
 *
 * Pages held by per-CPU page caches are not free here; drain them first
 * (goalloc_mcache_drain_all()) to give everything back.
 *
 * Context: process context, may sleep; takes grow_mutex.
 * Return: runtime pages given back.
 */
unsigned long goalloc_mheap_scavenge(unsigned long max_pages)
{
	unsigned long n;

	mutex_lock(&goalloc_mheap.grow_mutex);
	n = scavenge_locked(max_pages);
	mutex_unlock(&goalloc_mheap.grow_mutex);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mheap_scavenge);

/* Runtime pages the heap retains beyond the scavenger's goal. */
static unsigned long pages_over_goal(u64 extra)
{
	u64 retained = goalloc_mheap_retained() + extra, goal = goalloc_pacer_scavenge_goal();

	return retained > goal ? (retained - goal) >> GOALLOC_PAGE_SHIFT : 0;
}

/**
 * goalloc_mheap_grow() - add memory to the heap (Go's mheap.grow)
 * @npages: the run that could not be found
 *
 * Asks the kernel for a block of the size grow_order() picks, or just
 * what @npages needs if that is not available, within the max_heap_mb cap.
 * As Go does, it first scavenges what the growth would put over the
 * scavenger's goal.  A concurrent grower may already have made room;
 * callers simply retry their allocation afterwards.
 *
 * Context: process context, may sleep; takes grow_mutex.
 * Return: 0, or -ENOMEM at the cap or when the kernel has no such block.
 */
int goalloc_mheap_grow(u32 npages)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned int order, need;
	struct page *page;
	u32 n;
	int err;

	/* Lets a KUnit case make grows that add nothing; a no-op otherwise. */
	KUNIT_STATIC_STUB_REDIRECT(goalloc_mheap_grow, npages);
	if (!npages || npages > GOALLOC_ARENA_PAGES)
		return -ENOMEM;
	need = order_base_2((unsigned long)npages << (GOALLOC_PAGE_SHIFT - PAGE_SHIFT));
	mutex_lock(&h->grow_mutex);
	spin_lock_irq(&h->lock);
	/* Someone else grew meanwhile: let the caller retry first. */
	if (goalloc_pagealloc_largest_free(&h->pages) >= npages) {
		spin_unlock_irq(&h->lock);
		h->grows.raced++;
		mutex_unlock(&h->grow_mutex);
		return 0;
	}
	order = grow_order(h, npages);
	/* Within the cap: at least what is needed, at most what is left. */
	while (order > need &&
	       h->pages_owned + (1UL << (order - 1)) > h->max_pages)
		order--;
	err = h->pages_owned + (1UL << (order - 1)) > h->max_pages ? -ENOMEM : 0;
	spin_unlock_irq(&h->lock);
	if (err || goalloc_should_fail(&goalloc_fail_grow, PAGE_SIZE << order)) {
		if (err)
			h->grows.cap++;
		else
			h->grows.injected++;
		mutex_unlock(&h->grow_mutex);
		return -ENOMEM;
	}
	/* Go's scavenge on growth: stay within the goal, old pages first. */
	scavenge_locked(min_t(unsigned long, pages_over_goal(PAGE_SIZE << order),
			      1UL << (order - 1)));
	/*
	 * No __GFP_ZERO: a caller's __GFP_ZERO zeroes what it asks for.  With
	 * init_on_alloc the kernel zeroes anyway, and the frame's watermark
	 * records that.  A large block is only a preference: fall back to
	 * the size needed.
	 */
	page = alloc_pages(order > need ? gfp | __GFP_NORETRY : gfp | __GFP_RETRY_MAYFAIL,
			   order);
	if (page)
		h->grows.ok++;
	if (!page && order > need) {
		order = need;
		/* What is needed is worth compaction and reclaim, not the OOM killer. */
		page = alloc_pages(gfp | __GFP_RETRY_MAYFAIL, order);
		if (page)
			h->grows.smaller++;
	}
	if (!page) {
		h->grows.kernel++;
		mutex_unlock(&h->grow_mutex);
		return -ENOMEM;
	}
	/* Single pages, so the scavenger can give back any of them alone. */
	split_page(page, order);
	n = 1U << (order - (GOALLOC_PAGE_SHIFT - PAGE_SHIFT));
	err = heap_own((unsigned long)page_address(page), n, want_init_on_alloc(gfp));
	if (err) {
		h->grows.slots++;
		free_kernel_pages((unsigned long)page_address(page), 1UL << order);
	} else {
		trace_goalloc_heap_grow(npages, (unsigned long)page_address(page),
					PAGE_SIZE << order, READ_ONCE(h->pages_owned));
	}
	mutex_unlock(&h->grow_mutex);
	return err ? -ENOMEM : 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mheap_grow);

/**
 * goalloc_mheap_release() - give free pages back to the kernel now
 * @all: every free page; otherwise only what the heap retains beyond the
 *	scavenger's goal (Go's retained goal: 10% over the heap goal, or 95%
 *	of the memory limit)
 *
 * Per-CPU page caches hold their pages; goalloc_mcache_drain_all() first
 * makes them free.
 *
 * Context: process context, may sleep; takes grow_mutex.
 * Return: bytes released.
 */
unsigned long goalloc_mheap_release(bool all)
{
	unsigned long n = all ? ULONG_MAX : pages_over_goal(0);

	return n ? goalloc_mheap_scavenge(n) << GOALLOC_PAGE_SHIFT : 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_mheap_release);

/*
 * The shrinker: under memory pressure every free page may go back at once
 * (pages held by spans or per-CPU caches are not reclaimable from here).
 */
static unsigned long goalloc_shrink_count(struct shrinker *sh, struct shrink_control *sc)
{
	unsigned long n = READ_ONCE(goalloc_mheap.pages.free_pages);

	return n ? n << (GOALLOC_PAGE_SHIFT - PAGE_SHIFT) : SHRINK_EMPTY;
}

static unsigned long goalloc_shrink_scan(struct shrinker *sh, struct shrink_control *sc)
{
	unsigned long n;

	/* Growth may be the one reclaiming: never wait for it. */
	if (!mutex_trylock(&goalloc_mheap.grow_mutex))
		return SHRINK_STOP;
	n = scavenge_locked(DIV_ROUND_UP(sc->nr_to_scan,
					 1UL << (GOALLOC_PAGE_SHIFT - PAGE_SHIFT)));
	mutex_unlock(&goalloc_mheap.grow_mutex);
	return n ? n << (GOALLOC_PAGE_SHIFT - PAGE_SHIFT) : SHRINK_STOP;
}

static struct shrinker *goalloc_shrinker;

/**
 * goalloc_mheap_init() - set up the heap
 * @max_bytes: heap cap: memory the heap may own at once (at least one
 *	4 MiB frame's worth)
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int goalloc_mheap_init(unsigned long max_bytes)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	int i, err;

	memset(h, 0, sizeof(*h));
	spin_lock_init(&h->lock);
	mutex_init(&h->grow_mutex);
	h->max_pages = max(max_bytes, GOALLOC_ARENA_BYTES) >> GOALLOC_PAGE_SHIFT;
	/*
	 * Chunk slots: the kernel may hand out pages from any frame of memory,
	 * so one per frame of RAM (and a few for holes), and no fewer than
	 * twice the frames the cap fills.  Fewer let a heap scattered by the
	 * kernel's allocator stop growing short of its cap (-ENOSPC from
	 * heap_own(): the stress run's fuzzer saw it with twice the cap).
	 */
	h->max_chunks = min_t(unsigned long, GOALLOC_PAGEALLOC_MAX_CHUNKS,
			      max(2 * DIV_ROUND_UP(h->max_pages, GOALLOC_ARENA_PAGES),
				  (totalram_pages() >> (GOALLOC_ARENA_SHIFT - PAGE_SHIFT)) + 16));
	h->sweepgen = 4;	/* leaves room below for sg - 2 */
	for (i = 0; i < ARRAY_SIZE(goalloc_arena_cache); i++)
		goalloc_arena_cache[i] = &goalloc_arena_none;

	goalloc_mspan_cache = kmem_cache_create("goalloc_mspan",
						sizeof(struct goalloc_mspan), 0,
						SLAB_TYPESAFE_BY_RCU, NULL);
	if (!goalloc_mspan_cache)
		return -ENOMEM;
	h->arenas = kvcalloc(h->max_chunks, sizeof(*h->arenas), GFP_KERNEL);
	if (!h->arenas)
		goto fail;
	err = goalloc_pagealloc_init(&h->pages, h->max_chunks);
	if (err)
		goto fail;
	/* Frames are unrelated memory: a span must not straddle two. */
	h->pages.disjoint = true;
	h->pages.ownership = true;
	goalloc_shrinker = shrinker_alloc(0, "goalloc");
	if (!goalloc_shrinker) {
		goalloc_pagealloc_destroy(&h->pages);
		goto fail;
	}
	goalloc_shrinker->count_objects = goalloc_shrink_count;
	goalloc_shrinker->scan_objects = goalloc_shrink_scan;
	goalloc_shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(goalloc_shrinker);
	return 0;
fail:
	kvfree(h->arenas);
	kmem_cache_destroy(goalloc_mspan_cache);
	return -ENOMEM;
}

/**
 * goalloc_mheap_exit() - return every page and all metadata to the kernel
 *
 * Context: module exit, after every p was drained and the heap swept.
 * Spans still in use (objects a caller never freed) are reported, and
 * their pages go back with the rest.
 */
void goalloc_mheap_exit(void)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	unsigned long i, p;

	shrinker_free(goalloc_shrinker);
	WARN(h->pages_inuse || h->pages_manual,
	     "goalloc: %lu heap and %lu stack pages still in use at exit\n",
	     h->pages_inuse, h->pages_manual);
	for (i = 0; i < h->nchunks; i++) {
		struct goalloc_heap_arena *a = h->arenas[i];

		if (!a || !a->base)
			continue;
		/* Leaked spans: drop their metadata, and make their pages free. */
		for (p = 0; p < GOALLOC_ARENA_PAGES; p++) {
			struct goalloc_mspan *s = a->spans[p];

			if (s && s->pageidx % GOALLOC_ARENA_PAGES == p) {
				goalloc_pagealloc_free(&h->pages, s->pageidx, s->npages);
				if (s->tiny)
					tiny_blocks_free(s);
				kmem_cache_free(goalloc_mspan_cache, s);
			}
		}
	}
	mutex_lock(&h->grow_mutex);
	scavenge_locked(ULONG_MAX);
	mutex_unlock(&h->grow_mutex);
	WARN(h->pages_owned, "goalloc: %lu pages not returned at exit\n", h->pages_owned);
	for (i = 0; i < h->nchunks; i++)
		kfree(h->arenas[i]);
	for (i = 0; i < ARRAY_SIZE(arena_l1); i++) {
		kfree(arena_l1[i]);
		arena_l1[i] = NULL;
	}
	goalloc_pagealloc_destroy(&h->pages);
	kvfree(h->arenas);
	/* Typesafe-by-RCU objects may be in a grace period. */
	rcu_barrier();
	kmem_cache_destroy(goalloc_mspan_cache);
}
