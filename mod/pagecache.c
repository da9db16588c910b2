// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc per-CPU page cache (Go 1.19 mpagecache.go).  A cache owns the free
 * pages of one 64-page aligned block; small spans are cut from it under the
 * owning CPU's local lock, and the mheap lock is taken only to refill
 * (goalloc_pagealloc_alloc_to_cache()) or to give the pages back
 * (goalloc_pagecache_flush()).
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/export.h>
#include <linux/math.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "goalloc/pagecache.h"

/**
 * goalloc_pagecache_alloc() - Take @npages contiguous free pages from a cache.
 * @c: page cache.
 * @npages: pages, 1..64 (the mheap uses the cache for runs under 16 pages).
 * @scav: out, may be NULL: how many of those pages were scavenged.
 *
 * One page is the lowest set bit; longer runs use goalloc_find_bit_range64().
 *
 * Context: owning CPU's local lock held; the mheap lock is not needed.
 * Return: first page index of the run, or GOALLOC_NO_PAGE if no run fits.
 */
unsigned long goalloc_pagecache_alloc(struct goalloc_pagecache *c, unsigned int npages,
				      unsigned long *scav)
{
	unsigned int i;
	u64 mask;

	if (scav)
		*scav = 0;
	if (!c->cache || !npages || npages > GOALLOC_PAGE_CACHE_PAGES)
		return GOALLOC_NO_PAGE;
	if (npages == 1) {
		i = __ffs64(c->cache);
		mask = BIT_ULL(i);
	} else {
		i = goalloc_find_bit_range64(c->cache, npages);
		if (i >= 64)
			return GOALLOC_NO_PAGE;
		mask = goalloc_pagebits_mask(i, npages);
	}
	if (scav)
		*scav = hweight64(c->scav & mask);
	c->cache &= ~mask;
	c->scav &= ~mask;
	return c->base + i;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagecache_alloc);

/**
 * goalloc_pagecache_free() - Take back freed pages that lie in the cache's
 *	block.
 * @c: page cache.
 * @base: first page of a run the heap counts as in use (a span's pages).
 * @npages: pages in the run, >= 1.
 *
 * Not in Go, whose freeSpan always goes to the page allocator: a large
 * object freed on the CPU that cut it from its cache would otherwise cost a
 * trip through the page allocator's summaries and, soon after, a refill.
 * The pages stay in use in the heap's bitmap, as every cached page is, so
 * the cache's invariant holds whatever block it caches (even an empty
 * cache's stale one: the run being in use pins its chunk).  Freed pages are
 * backed, so their scavenged bits stay clear.
 *
 * Context: owning CPU's local lock held; the mheap lock is not needed.
 * Return: true if the cache took the pages; false if the run is not wholly
 * inside the cache's block (the caller frees it to the page allocator).
 */
bool goalloc_pagecache_free(struct goalloc_pagecache *c, unsigned long base,
			    unsigned int npages)
{
	unsigned long i = base - c->base;
	u64 mask;

	/* One unsigned compare: below c->base wraps to a huge index. */
	if (i >= GOALLOC_PAGE_CACHE_PAGES || npages > GOALLOC_PAGE_CACHE_PAGES - i)
		return false;
	mask = goalloc_pagebits_mask(i, npages);
	if (WARN_ON_ONCE(c->cache & mask))
		return false;
	c->cache |= mask;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagecache_free);

/**
 * goalloc_pagecache_flush() - Give a cache's free pages back to the heap.
 * @c: page cache; empty afterwards.
 * @p: the page allocator the cache was filled from.
 *
 * The pages become free again and get their scavenged bits back.  Needed
 * when a CPU goes offline, and so that free memory held by idle caches can
 * be coalesced and released.
 *
 * Context: mheap lock held; the cache must not be in use on its CPU.
 */
void goalloc_pagecache_flush(struct goalloc_pagecache *c, struct goalloc_pagealloc *p)
{
	unsigned long chunk = c->base >> GOALLOC_PALLOC_CHUNK_PAGES_SHIFT;
	unsigned int w = (c->base & (GOALLOC_PALLOC_CHUNK_PAGES - 1)) / 64;
	struct goalloc_palloc_data *d;

	if (goalloc_pagecache_empty(c))
		return;
	if (WARN_ON_ONCE(chunk >= p->max_chunks ||
			 p->chunk_state[chunk] != GOALLOC_CHUNK_GROWN))
		return;
	d = &p->chunks[chunk];
	/* Every cached page must still be in use in the heap's eyes. */
	if (WARN_ON_ONCE((d->pallocbits[w] & c->cache) != c->cache))
		return;
	d->pallocbits[w] &= ~c->cache;
	d->scavenged[w] |= c->scav & c->cache;
	p->free_pages += hweight64(c->cache);
	p->scav_pages += hweight64(c->scav & c->cache);
	/* Like a free: these pages may lie below the search address. */
	if (c->base < p->search_addr)
		p->search_addr = c->base;
	goalloc_pagealloc_update(p, c->base, GOALLOC_PAGE_CACHE_PAGES, false, false);
	memset(c, 0, sizeof(*c));
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagecache_flush);

/**
 * goalloc_pagealloc_alloc_to_cache() - Fill a cache with the free pages of
 *	the 64-page block holding the first free page (Go's allocToCache).
 * @p: page allocator.
 * @c: page cache, overwritten; it should be empty (flushed) beforehand.
 *
 * If the search address's chunk has free pages the first of them is found in
 * its bitmap; otherwise the tree search finds it.  All free pages of that
 * block are marked in use and move, with their scavenged bits, to @c.  The
 * search address moves to the block's last page: everything up to there is
 * now in use.
 *
 * Context: mheap lock held.
 * Return: true if @c now holds at least one page; false if the heap has no
 * free page (@c is then empty).
 */
bool goalloc_pagealloc_alloc_to_cache(struct goalloc_pagealloc *p,
				      struct goalloc_pagecache *c)
{
	unsigned long chunk, page, unused;
	struct goalloc_palloc_data *d;
	unsigned int j, sidx, w;

	memset(c, 0, sizeof(*c));
	if (p->search_addr >= goalloc_pagealloc_npages(p))
		return false;

	chunk = p->search_addr >> GOALLOC_PALLOC_CHUNK_PAGES_SHIFT;
	if (goalloc_pagealloc_leaf(p, chunk)) {
		j = goalloc_pallocbits_find(p->chunks[chunk].pallocbits, 1,
					    p->search_addr & (GOALLOC_PALLOC_CHUNK_PAGES - 1),
					    &sidx);
		if (WARN_ON_ONCE(j == GOALLOC_PALLOC_NOT_FOUND))
			return false;
		page = (chunk << GOALLOC_PALLOC_CHUNK_PAGES_SHIFT) + j;
	} else {
		page = goalloc_pagealloc_find(p, 1, &unused);
		if (page == GOALLOC_NO_PAGE) {
			p->search_addr = GOALLOC_NO_PAGE;
			return false;
		}
		chunk = page >> GOALLOC_PALLOC_CHUNK_PAGES_SHIFT;
	}

	d = &p->chunks[chunk];
	w = (page & (GOALLOC_PALLOC_CHUNK_PAGES - 1)) / 64;
	c->base = round_down(page, GOALLOC_PAGE_CACHE_PAGES);
	c->cache = ~d->pallocbits[w];
	c->scav = d->scavenged[w] & c->cache;

	d->pallocbits[w] = ~0ULL;
	d->scavenged[w] &= ~c->scav;
	p->free_pages -= hweight64(c->cache);
	p->scav_pages -= hweight64(c->scav);
	goalloc_pagealloc_update(p, c->base, GOALLOC_PAGE_CACHE_PAGES, false, true);
	p->search_addr = c->base + GOALLOC_PAGE_CACHE_PAGES - 1;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_alloc_to_cache);
