/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU page cache (Go 1.19 mpagecache.go): a 64-page aligned block of the
 * page index space taken from the page allocator in one go, from which small
 * page runs are then carved without the mheap lock.
 *
 * Locking: goalloc_pagealloc_alloc_to_cache() and goalloc_pagecache_flush()
 * run under the mheap lock; goalloc_pagecache_alloc() and
 * goalloc_pagecache_empty() touch only the cache and run under the owning
 * CPU's local lock.  The cache's free pages are marked in use in the heap
 * bitmap for as long as the cache holds them, and their scavenged bits move
 * into the cache, so the page allocator never hands them out twice and its
 * counters (free_pages, scav_pages) leave them out.
 */
#ifndef _GOALLOC_PAGECACHE_H
#define _GOALLOC_PAGECACHE_H

#include <linux/types.h>

#include "goalloc/pagealloc.h"

#define GOALLOC_PAGE_CACHE_PAGES	64

/**
 * struct goalloc_pagecache - Go's pageCache, in page indices.
 * @base: first page index of the block, a multiple of 64 (0 when empty).
 * @cache: bit i set = page @base + i is free for this cache to hand out.
 * @scav: bit i set = page @base + i is scavenged (only for free pages).
 */
struct goalloc_pagecache {
	unsigned long base;
	u64 cache;
	u64 scav;
};

/**
 * goalloc_pagecache_empty() - Whether the cache has no free page.
 * @c: page cache.
 *
 * Context: owning CPU's local lock held.
 * Return: true if nothing can be allocated from @c.
 */
static inline bool goalloc_pagecache_empty(const struct goalloc_pagecache *c)
{
	return !c->cache;
}

unsigned long goalloc_pagecache_alloc(struct goalloc_pagecache *c, unsigned int npages,
				      unsigned long *scav);
bool goalloc_pagecache_free(struct goalloc_pagecache *c, unsigned long base,
			    unsigned int npages);
void goalloc_pagecache_flush(struct goalloc_pagecache *c, struct goalloc_pagealloc *p);
bool goalloc_pagealloc_alloc_to_cache(struct goalloc_pagealloc *p,
				      struct goalloc_pagecache *c);

#endif /* _GOALLOC_PAGECACHE_H */
