/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc's page allocator: Go 1.19's pageAlloc (mpagealloc.go,
 * mpagealloc_64bit.go, mpallocbits.go) over a dense page index space.
 *
 * A chunk slot (512 runtime pages of 8 KiB = 4 MiB) tracks one 4 MiB frame
 * of the linear map, which the heap owns only the pages of that it got from
 * the kernel, so frame addresses are scattered.  The page allocator
 * therefore never sees an address: chunk slot i covers page indices
 * [i * 512, (i + 1) * 512), and the mheap maps a page index to its frame.
 * Go's offset address space becomes this index space.
 *
 * Per chunk there is an allocation bitmap (1 = in use) and a scavenged
 * bitmap.  With @ownership (the heap) a scavenged page is one the heap does
 * not own, and so also in use; without it, Go's meaning: a free page whose
 * memory went back.  A radix tree of packed summaries, 8 children per
 * entry as in Go, lets alloc find the first fit without scanning bitmaps;
 * its root width and depth depend on max_chunks.
 *
 * Chunk slot states:
 *  absent    never used: all pages allocated, none scavenged, summary 0.
 *  grown     tracking a frame (goalloc_pagealloc_own()).
 *  released  its last owned page given back: all pages allocated *and*
 *            scavenged, so nothing can be carved from it until it tracks
 *            a frame again.
 *
 * Locking: every goalloc_pagealloc_*() function, goalloc_pagecache_flush()
 * and goalloc_pagealloc_alloc_to_cache() need the caller to hold the mheap
 * lock (Go's mheap_.lock); they never sleep and never allocate, except
 * goalloc_pagealloc_init() (GFP_KERNEL) and goalloc_pagealloc_destroy().
 * The counters in struct goalloc_pagealloc are read under the same lock (or
 * racily with READ_ONCE() for statistics).  goalloc_pagecache_alloc() works
 * on a cache owned by one CPU and runs under that CPU's local lock, without
 * the mheap lock: the cache's pages are already marked in use in the heap
 * bitmap, so nothing else can hand them out.
 */
#ifndef _GOALLOC_PAGEALLOC_H
#define _GOALLOC_PAGEALLOC_H

#include <linux/bitops.h>
#include <linux/types.h>

#include "goalloc/sizeclasses.h"

/* A palloc chunk: one arena, 512 runtime pages, 4 MiB. */
#define GOALLOC_PALLOC_CHUNK_PAGES_SHIFT	9
#define GOALLOC_PALLOC_CHUNK_PAGES	(1U << GOALLOC_PALLOC_CHUNK_PAGES_SHIFT)
#define GOALLOC_PALLOC_CHUNK_WORDS	(GOALLOC_PALLOC_CHUNK_PAGES / 64)
#define GOALLOC_PALLOC_CHUNK_SHIFT	(GOALLOC_PALLOC_CHUNK_PAGES_SHIFT + GOALLOC_PAGE_SHIFT)
#define GOALLOC_PALLOC_CHUNK_BYTES	(1UL << GOALLOC_PALLOC_CHUNK_SHIFT)

/*
 * Radix tree shape.  Below the root each entry has 8 children (a 64-byte
 * block of summaries).  At most four levels sit above the leaves, so a root
 * entry covers at most 2^21 pages, the largest count a packed summary holds.
 */
#define GOALLOC_SUMMARY_LEVEL_BITS	3
#define GOALLOC_SUMMARY_MAX_LEVELS	5
#define GOALLOC_PAGEALLOC_MAX_CHUNKS	(1UL << 20)	/* 4 TiB; root <= 256 */

/*
 * Packed summary (Go's pallocSum): start, max and end free-run lengths in 21
 * bits each; bit 63 alone means all three are 2^21.
 */
#define GOALLOC_PALLOC_SUM_SHIFT \
	(GOALLOC_PALLOC_CHUNK_PAGES_SHIFT + \
	 (GOALLOC_SUMMARY_MAX_LEVELS - 1) * GOALLOC_SUMMARY_LEVEL_BITS)
#define GOALLOC_PALLOC_SUM_MAX		(1U << GOALLOC_PALLOC_SUM_SHIFT)
#define GOALLOC_PALLOC_SUM_MASK		((u64)GOALLOC_PALLOC_SUM_MAX - 1)
#define GOALLOC_PALLOC_SUM_ALL_MAX	BIT_ULL(63)
#define GOALLOC_PALLOC_FREE_CHUNK_SUM \
	((u64)GOALLOC_PALLOC_CHUNK_PAGES | \
	 ((u64)GOALLOC_PALLOC_CHUNK_PAGES << GOALLOC_PALLOC_SUM_SHIFT) | \
	 ((u64)GOALLOC_PALLOC_CHUNK_PAGES << (2 * GOALLOC_PALLOC_SUM_SHIFT)))

/* Failure values: no page index / chunk slot, or no bit inside a chunk. */
#define GOALLOC_NO_PAGE			(~0UL)
#define GOALLOC_NO_CHUNK		(~0UL)
#define GOALLOC_PALLOC_NOT_FOUND	(~0U)

/**
 * goalloc_pallocsum_pack() - Pack a free-run summary.
 * @start: free pages at the low end.
 * @max: longest free run.
 * @end: free pages at the high end.
 *
 * Context: Any context.
 * Return: the packed summary; (2^21, 2^21, 2^21) becomes bit 63 alone.
 */
static inline u64 goalloc_pallocsum_pack(unsigned int start, unsigned int max,
					 unsigned int end)
{
	if (max == GOALLOC_PALLOC_SUM_MAX)
		return GOALLOC_PALLOC_SUM_ALL_MAX;
	return ((u64)start & GOALLOC_PALLOC_SUM_MASK) |
	       (((u64)max & GOALLOC_PALLOC_SUM_MASK) << GOALLOC_PALLOC_SUM_SHIFT) |
	       (((u64)end & GOALLOC_PALLOC_SUM_MASK) << (2 * GOALLOC_PALLOC_SUM_SHIFT));
}

/**
 * goalloc_pallocsum_start() - Free pages at the low end of a summary.
 * @s: packed summary.
 *
 * Context: Any context.
 * Return: the start field.
 */
static inline unsigned int goalloc_pallocsum_start(u64 s)
{
	if (s & GOALLOC_PALLOC_SUM_ALL_MAX)
		return GOALLOC_PALLOC_SUM_MAX;
	return s & GOALLOC_PALLOC_SUM_MASK;
}

/**
 * goalloc_pallocsum_max() - Longest free run of a summary.
 * @s: packed summary.
 *
 * Context: Any context.
 * Return: the max field.
 */
static inline unsigned int goalloc_pallocsum_max(u64 s)
{
	if (s & GOALLOC_PALLOC_SUM_ALL_MAX)
		return GOALLOC_PALLOC_SUM_MAX;
	return (s >> GOALLOC_PALLOC_SUM_SHIFT) & GOALLOC_PALLOC_SUM_MASK;
}

/**
 * goalloc_pallocsum_end() - Free pages at the high end of a summary.
 * @s: packed summary.
 *
 * Context: Any context.
 * Return: the end field.
 */
static inline unsigned int goalloc_pallocsum_end(u64 s)
{
	if (s & GOALLOC_PALLOC_SUM_ALL_MAX)
		return GOALLOC_PALLOC_SUM_MAX;
	return (s >> (2 * GOALLOC_PALLOC_SUM_SHIFT)) & GOALLOC_PALLOC_SUM_MASK;
}

/**
 * goalloc_pallocsum_unpack() - Unpack all three fields of a summary.
 * @s: packed summary.
 * @start: out: free pages at the low end.
 * @max: out: longest free run.
 * @end: out: free pages at the high end.
 *
 * Context: Any context.
 */
static inline void goalloc_pallocsum_unpack(u64 s, unsigned int *start,
					    unsigned int *max, unsigned int *end)
{
	*start = goalloc_pallocsum_start(s);
	*max = goalloc_pallocsum_max(s);
	*end = goalloc_pallocsum_end(s);
}

/*
 * Page bitmaps (Go's pageBits): GOALLOC_PALLOC_CHUNK_WORDS words, bit i of
 * the chunk is bit i % 64 of word i / 64.  Ranges must stay inside the chunk
 * and be non-empty.
 */

/**
 * goalloc_pagebits_get() - Read one bit of a chunk bitmap.
 * @b: chunk bitmap.
 * @i: bit index, < GOALLOC_PALLOC_CHUNK_PAGES.
 *
 * Context: Any context.
 * Return: 0 or 1.
 */
static inline unsigned int goalloc_pagebits_get(const u64 *b, unsigned int i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

/* Mask of bits [i % 64, i % 64 + n) of one word; n <= 64 - i % 64. */
static inline u64 goalloc_pagebits_mask(unsigned int i, unsigned int n)
{
	return (n >= 64 ? ~0ULL : (1ULL << n) - 1) << (i % 64);
}

/**
 * goalloc_pagebits_set_range() - Set bits [@i, @i + @n) of a chunk bitmap.
 * @b: chunk bitmap.
 * @i: first bit.
 * @n: number of bits, >= 1.
 *
 * Context: Any context.
 */
static inline void goalloc_pagebits_set_range(u64 *b, unsigned int i, unsigned int n)
{
	unsigned int j = i + n - 1, k;

	if (i / 64 == j / 64) {
		b[i / 64] |= goalloc_pagebits_mask(i, n);
		return;
	}
	b[i / 64] |= ~0ULL << (i % 64);
	for (k = i / 64 + 1; k < j / 64; k++)
		b[k] = ~0ULL;
	b[j / 64] |= goalloc_pagebits_mask(0, j % 64 + 1);
}

/**
 * goalloc_pagebits_clear_range() - Clear bits [@i, @i + @n) of a chunk bitmap.
 * @b: chunk bitmap.
 * @i: first bit.
 * @n: number of bits, >= 1.
 *
 * Context: Any context.
 */
static inline void goalloc_pagebits_clear_range(u64 *b, unsigned int i, unsigned int n)
{
	unsigned int j = i + n - 1, k;

	if (i / 64 == j / 64) {
		b[i / 64] &= ~goalloc_pagebits_mask(i, n);
		return;
	}
	b[i / 64] &= ~(~0ULL << (i % 64));
	for (k = i / 64 + 1; k < j / 64; k++)
		b[k] = 0;
	b[j / 64] &= ~goalloc_pagebits_mask(0, j % 64 + 1);
}

/**
 * goalloc_pagebits_popcnt_range() - Count set bits in [@i, @i + @n).
 * @b: chunk bitmap.
 * @i: first bit.
 * @n: number of bits, >= 1.
 *
 * Context: Any context.
 * Return: the number of set bits.
 */
static inline unsigned int goalloc_pagebits_popcnt_range(const u64 *b, unsigned int i,
							 unsigned int n)
{
	unsigned int j = i + n - 1, k, s;

	if (i / 64 == j / 64)
		return hweight64(b[i / 64] & goalloc_pagebits_mask(i, n));
	s = hweight64(b[i / 64] >> (i % 64));
	for (k = i / 64 + 1; k < j / 64; k++)
		s += hweight64(b[k]);
	return s + hweight64(b[j / 64] & goalloc_pagebits_mask(0, j % 64 + 1));
}

/**
 * goalloc_find_bit_range64() - First run of @n consecutive set bits in @c.
 * @c: the word to search.
 * @n: run length, 1 <= @n <= 64.
 *
 * Go's findBitRange64: every run of ones is shortened by n - 1 from the top,
 * shifting by doubling amounts, so the lowest surviving bit starts the first
 * run that was long enough.
 *
 * Context: Any context.
 * Return: the bit index of the run, or a value >= 64 if there is none.
 */
static inline unsigned int goalloc_find_bit_range64(u64 c, unsigned int n)
{
	unsigned int p = n - 1, k = 1;

	while (p > 0) {
		if (p <= k) {
			c &= c >> p;
			break;
		}
		c &= c >> k;
		if (!c)
			return 64;
		p -= k;
		k *= 2;
	}
	return c ? __ffs64(c) : 64;
}

u64 goalloc_pallocsum_merge(const u64 *sums, unsigned int n, unsigned int log_pages);
u64 goalloc_pallocbits_summarize(const u64 *b);
unsigned int goalloc_pallocbits_find(const u64 *b, unsigned int npages,
				     unsigned int search_idx, unsigned int *new_search_idx);

/* Go's pallocData: one chunk's allocation and scavenged bitmaps (128 bytes). */
struct goalloc_palloc_data {
	u64 pallocbits[GOALLOC_PALLOC_CHUNK_WORDS];	/* 1 = in use */
	u64 scavenged[GOALLOC_PALLOC_CHUNK_WORDS];	/* 1 = given back */
};

enum goalloc_chunk_state {
	GOALLOC_CHUNK_ABSENT = 0,
	GOALLOC_CHUNK_GROWN,
	GOALLOC_CHUNK_RELEASED,
};

/**
 * struct goalloc_pagealloc - Page allocator over max_chunks chunk slots.
 * @summary: summary[l] is level l of the radix tree, root (l = 0) first;
 *	the leaf level has one entry per chunk slot (rounded up to a power of
 *	two; slots past @max_chunks stay 0).
 * @nlevels: number of levels in @summary, 1..GOALLOC_SUMMARY_MAX_LEVELS.
 * @level_bits: log2 of the entries a level-l block holds (the whole root,
 *	GOALLOC_SUMMARY_LEVEL_BITS below it).
 * @level_log_pages: log2 of the pages one level-l entry covers.
 * @chunks: bitmaps, @max_chunks entries.
 * @chunk_state: enum goalloc_chunk_state per slot.
 * @max_chunks: chunk slots; page indices run up to @max_chunks * 512.
 * @search_addr: every page index below it is in use; GOALLOC_NO_PAGE means
 *	the heap is exhausted (Go's searchAddr / maxSearchAddr).
 * @free_pages: free pages in grown chunks (pages held by page caches are in
 *	use as far as the heap is concerned).
 * @scav_pages: scavenged bits set in the heap bitmaps, released chunks
 *	included (scavenged pages held by page caches are not counted).
 * @nr_chunks: chunk slots in the grown state.
 * @nr_released: chunk slots in the released state.
 * @disjoint: chunk slots are separate memory (goalloc's arenas), so no run
 *	may cross a chunk boundary; false is Go's contiguous address space.
 *	Set once, right after goalloc_pagealloc_init().
 * @ownership: a scavenged page is one the heap does not own, so it is also
 *	in use (goalloc_pagealloc_own()); false is Go's meaning, a free page
 *	whose memory went back.  Set once, like @disjoint.
 */
struct goalloc_pagealloc {
	u64 *summary[GOALLOC_SUMMARY_MAX_LEVELS];
	unsigned int nlevels;
	unsigned int level_bits[GOALLOC_SUMMARY_MAX_LEVELS];
	unsigned int level_log_pages[GOALLOC_SUMMARY_MAX_LEVELS];
	struct goalloc_palloc_data *chunks;
	u8 *chunk_state;
	unsigned long max_chunks;
	unsigned long search_addr;
	unsigned long free_pages;
	unsigned long scav_pages;
	unsigned long nr_chunks;
	unsigned long nr_released;
	bool disjoint;
	bool ownership;
};

/**
 * goalloc_pagealloc_npages() - Size of the page index space.
 * @p: page allocator.
 *
 * Context: Any context.
 * Return: max_chunks * 512.
 */
static inline unsigned long goalloc_pagealloc_npages(const struct goalloc_pagealloc *p)
{
	return p->max_chunks << GOALLOC_PALLOC_CHUNK_PAGES_SHIFT;
}

/**
 * goalloc_pagealloc_leaf() - Leaf summary of a chunk slot.
 * @p: page allocator.
 * @chunk: chunk slot, < max_chunks.
 *
 * Context: mheap lock held.
 * Return: the packed summary of @chunk's bitmap (0 if absent or released).
 */
static inline u64 goalloc_pagealloc_leaf(const struct goalloc_pagealloc *p,
					 unsigned long chunk)
{
	return p->summary[p->nlevels - 1][chunk];
}

int goalloc_pagealloc_init(struct goalloc_pagealloc *p, unsigned long max_chunks);
void goalloc_pagealloc_destroy(struct goalloc_pagealloc *p);
unsigned long goalloc_pagealloc_find(struct goalloc_pagealloc *p, unsigned long npages,
				     unsigned long *new_search);
unsigned long goalloc_pagealloc_alloc(struct goalloc_pagealloc *p, unsigned long npages,
				      unsigned long *scav);
unsigned long goalloc_pagealloc_alloc_range(struct goalloc_pagealloc *p,
					    unsigned long base, unsigned long npages);
void goalloc_pagealloc_free(struct goalloc_pagealloc *p, unsigned long base,
			    unsigned long npages);
void goalloc_pagealloc_update(struct goalloc_pagealloc *p, unsigned long base,
			      unsigned long npages, bool contig, bool alloc);
unsigned long goalloc_pagealloc_find_released(const struct goalloc_pagealloc *p);
unsigned long goalloc_pagealloc_largest_free(const struct goalloc_pagealloc *p);
int goalloc_pagealloc_own(struct goalloc_pagealloc *p, unsigned long base,
			  unsigned long npages);
bool goalloc_pagealloc_disown(struct goalloc_pagealloc *p, unsigned long base,
			      unsigned long npages);
unsigned long goalloc_pagealloc_find_scavenge(const struct goalloc_pagealloc *p,
					      unsigned long max, unsigned long *npages);

#ifdef GOALLOC_DEBUG
/* Tests and debugging only: GOALLOC_DEBUG builds (see Kbuild). */
int goalloc_pagealloc_grow(struct goalloc_pagealloc *p, unsigned long chunk);
bool goalloc_pagealloc_release_chunk(struct goalloc_pagealloc *p, unsigned long chunk);
int goalloc_pagealloc_regrow_chunk(struct goalloc_pagealloc *p, unsigned long chunk);
unsigned long goalloc_pagealloc_find_free_chunk(const struct goalloc_pagealloc *p);
int goalloc_pagealloc_load_chunk(struct goalloc_pagealloc *p, unsigned long chunk,
				 const u64 *alloc, const u64 *scav);
int goalloc_pagealloc_check(const struct goalloc_pagealloc *p, const char **why,
			    unsigned long *where);
#endif

#endif /* _GOALLOC_PAGEALLOC_H */
