// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc page allocator: first-fit page runs over chunk bitmaps searched
 * through a radix tree of free-run summaries (Go 1.19 mpagealloc.go and
 * mpallocbits.go).  See include/goalloc/pagealloc.h for the model and the
 * locking rules; everything here runs under the mheap lock.
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "goalloc/pagealloc.h"

#define CHUNK_PAGES	GOALLOC_PALLOC_CHUNK_PAGES
#define ROOT_BITS_MAX	4
#define CHUNK_SHIFT	GOALLOC_PALLOC_CHUNK_PAGES_SHIFT
#define CHUNK_WORDS	GOALLOC_PALLOC_CHUNK_WORDS

static inline unsigned long chunk_index(unsigned long page)
{
	return page >> CHUNK_SHIFT;
}

static inline unsigned int chunk_page_index(unsigned long page)
{
	return page & (CHUNK_PAGES - 1);
}

static inline unsigned long chunk_base(unsigned long chunk)
{
	return chunk << CHUNK_SHIFT;
}

static inline u64 *leaf_level(struct goalloc_pagealloc *p)
{
	return p->summary[p->nlevels - 1];
}

/* Trailing and leading zero counts of a non-zero word. */
static inline unsigned int tz64(u64 x)
{
	return __ffs64(x);
}

static inline unsigned int lz64(u64 x)
{
	return 64 - fls64(x);
}

/**
 * goalloc_pallocsum_merge() - Summary of consecutive regions from theirs.
 * @sums: summaries of @n adjacent regions, lowest first.
 * @n: number of summaries, >= 1.
 * @log_pages: log2 of the pages each region covers.
 *
 * The merged start grows only while every region so far is entirely free;
 * the merged end restarts at each region that is not.
 *
 * Context: Any context.
 * Return: the packed summary of the concatenated regions.
 */
u64 goalloc_pallocsum_merge(const u64 *sums, unsigned int n, unsigned int log_pages)
{
	unsigned int start, best, end, si, mi, ei, i;
	unsigned int whole = 1U << log_pages;

	goalloc_pallocsum_unpack(sums[0], &start, &best, &end);
	for (i = 1; i < n; i++) {
		goalloc_pallocsum_unpack(sums[i], &si, &mi, &ei);
		if (start == i * whole)
			start += si;
		best = max(best, max(end + si, mi));
		end = ei == whole ? end + whole : ei;
	}
	return goalloc_pallocsum_pack(start, best, end);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pallocsum_merge);

/*
 * Summary of a block of entries at one level.  With disjoint chunks no run
 * may continue from one entry into the next (every entry covers at least a
 * whole chunk), so only the first start, the last end and the best max
 * survive.
 */
static u64 merge_entries(const struct goalloc_pagealloc *p, const u64 *sums,
			 unsigned int n, unsigned int log_pages)
{
	unsigned int start, best, end, si, mi, ei, i;

	if (!p->disjoint)
		return goalloc_pallocsum_merge(sums, n, log_pages);
	goalloc_pallocsum_unpack(sums[0], &start, &best, &end);
	for (i = 1; i < n; i++) {
		goalloc_pallocsum_unpack(sums[i], &si, &mi, &ei);
		best = max(best, mi);
		end = ei;
	}
	return goalloc_pallocsum_pack(start, best, end);
}

/*
 * Longest zero run lying strictly inside word @x (its low zeros already
 * shifted out, so bit 0 is set), if longer than @best; @best otherwise.
 * The zero runs are shrunk by @best by or-ing in right-shifted copies of
 * the word; the shift can double each round because the runs of ones grow
 * with it.  A zero that survives marks a longer run, which raises the bar.
 */
static unsigned int word_inner_max(u64 x, unsigned int best)
{
	unsigned int p = best, k = 1, j;

	/* x & (x + 1) == 0: no zero left below the top one. */
	while (x & (x + 1)) {
		while (p > 0) {
			if (p <= k) {
				x |= x >> p;
				break;
			}
			x |= x >> k;
			if (!(x & (x + 1)))
				break;
			p -= k;
			k *= 2;
		}
		if (!(x & (x + 1)))
			break;
		/* The lowest surviving zero run lengthens the maximum. */
		x >>= tz64(~x);
		j = tz64(x);
		x >>= j;
		best += j;
		p = j;
	}
	return best;
}

/**
 * goalloc_pallocbits_summarize() - Summary of one chunk's allocation bitmap.
 * @b: GOALLOC_PALLOC_CHUNK_WORDS words, 1 = in use.
 *
 * A chunk entirely in use (as after its last run went, or one the heap owns
 * little of) is found with one pass of ands.  Otherwise the words are
 * walked once: runs that touch word boundaries are measured with bit
 * counts, and a run inside a word is looked for only when the word holds
 * more zeros between its lowest and highest one than the longest run so
 * far, which full and half-used words (what large spans leave) never do.
 *
 * Context: Any context.
 * Return: the packed (start, max, end) free-run summary.
 */
u64 goalloc_pallocbits_summarize(const u64 *b)
{
	unsigned int start, best, cur, i, t, z;
	u64 all = b[0];

	for (i = 1; i < CHUNK_WORDS; i++)
		all &= b[i];
	if (!~all)
		return 0;
	for (i = 0; !b[i]; i++) {
		if (i == CHUNK_WORDS - 1)
			return GOALLOC_PALLOC_FREE_CHUNK_SUM;
	}
	start = i * 64 + tz64(b[i]);
	best = start;
	/*
	 * Free pages seen since the last one in use; the first word's low
	 * ones, counted in start already, count again harmlessly.
	 */
	for (cur = 0; i < CHUNK_WORDS; i++) {
		u64 x = b[i];

		if (!~x) {
			best = max(best, cur);
			cur = 0;
			continue;
		}
		if (!x) {
			cur += 64;
			continue;
		}
		t = tz64(x);
		z = lz64(x);
		best = max(best, cur + t);
		cur = z;
		if (64 - hweight64(x) - t - z > best)
			best = word_inner_max(x >> t, best);
	}
	best = max(best, cur);
	return goalloc_pallocsum_pack(start, best, cur);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pallocbits_summarize);

static unsigned int pallocbits_find1(const u64 *b, unsigned int search_idx)
{
	unsigned int i;

	for (i = search_idx / 64; i < CHUNK_WORDS; i++) {
		if (~b[i])
			return i * 64 + tz64(~b[i]);
	}
	return GOALLOC_PALLOC_NOT_FOUND;
}

/* npages <= 64: a fitting run crosses at most one word boundary. */
static unsigned int pallocbits_find_small(const u64 *b, unsigned int npages,
					  unsigned int search_idx, unsigned int *new_search)
{
	unsigned int end = 0, i, j;

	for (i = search_idx / 64; i < CHUNK_WORDS; i++) {
		u64 x = b[i];

		if (!~x) {
			end = 0;
			continue;
		}
		if (*new_search == GOALLOC_PALLOC_NOT_FOUND)
			*new_search = i * 64 + tz64(~x);
		/* The previous word's high zeros plus this word's low zeros. */
		if (end + (x ? tz64(x) : 64) >= npages)
			return i * 64 - end;
		j = goalloc_find_bit_range64(~x, npages);
		if (j < 64)
			return i * 64 + j;
		end = lz64(x);		/* x != 0, or the run above fitted */
	}
	return GOALLOC_PALLOC_NOT_FOUND;
}

/* npages > 64: a fitting run spans at least one word boundary. */
static unsigned int pallocbits_find_large(const u64 *b, unsigned int npages,
					  unsigned int search_idx, unsigned int *new_search)
{
	unsigned int start = GOALLOC_PALLOC_NOT_FOUND, size = 0, i, s;

	for (i = search_idx / 64; i < CHUNK_WORDS; i++) {
		u64 x = b[i];

		if (!~x) {
			size = 0;
			continue;
		}
		if (*new_search == GOALLOC_PALLOC_NOT_FOUND)
			*new_search = i * 64 + tz64(~x);
		if (!size) {
			size = x ? lz64(x) : 64;
			start = i * 64 + 64 - size;
			continue;
		}
		s = x ? tz64(x) : 64;
		if (s + size >= npages)
			return start;
		if (s < 64) {
			size = lz64(x);
			start = i * 64 + 64 - size;
			continue;
		}
		size += 64;
	}
	return size >= npages ? start : GOALLOC_PALLOC_NOT_FOUND;
}

/**
 * goalloc_pallocbits_find() - First fit of @npages free pages in one chunk.
 * @b: the chunk's allocation bitmap.
 * @npages: run length, >= 1.
 * @search_idx: search from the 64-page word holding this index; every page
 *	below it must be in use.
 * @new_search_idx: out: the first free page seen, a valid next search index
 *	(GOALLOC_PALLOC_NOT_FOUND if there was none).
 *
 * Context: Any context.
 * Return: index of the run's first page, or GOALLOC_PALLOC_NOT_FOUND.
 */
unsigned int goalloc_pallocbits_find(const u64 *b, unsigned int npages,
				     unsigned int search_idx, unsigned int *new_search_idx)
{
	unsigned int i;

	*new_search_idx = GOALLOC_PALLOC_NOT_FOUND;
	if (!npages || npages > CHUNK_PAGES || search_idx >= CHUNK_PAGES)
		return GOALLOC_PALLOC_NOT_FOUND;
	if (npages == 1) {
		i = pallocbits_find1(b, search_idx);
		*new_search_idx = i;
		return i;
	}
	if (npages <= 64)
		return pallocbits_find_small(b, npages, search_idx, new_search_idx);
	return pallocbits_find_large(b, npages, search_idx, new_search_idx);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pallocbits_find);

/**
 * goalloc_pagealloc_init() - Set up an empty page allocator.
 * @p: page allocator to initialise.
 * @max_chunks: chunk slots (arenas) the heap may ever have,
 *	1..GOALLOC_PAGEALLOC_MAX_CHUNKS.
 *
 * Sizes the radix tree Go-style: as many 8-way levels as the slot count
 * needs, up to four above the leaves, with whatever is left as the root's
 * width.  All slots start absent and the heap exhausted.
 *
 * Context: Process context; allocates with GFP_KERNEL.
 * Return: 0, -EINVAL for a bad @max_chunks, or -ENOMEM.
 */
int goalloc_pagealloc_init(struct goalloc_pagealloc *p, unsigned long max_chunks)
{
	unsigned int chunk_bits, upper, l;
	unsigned long total = 0, c;
	u64 *sums;

	memset(p, 0, sizeof(*p));
	if (!max_chunks || max_chunks > GOALLOC_PAGEALLOC_MAX_CHUNKS)
		return -EINVAL;

	chunk_bits = ilog2(roundup_pow_of_two(max_chunks));
	/*
	 * Levels of 8 below a root of up to 16 entries: every level costs an
	 * update on each allocation and free, and a root that wide is still
	 * one cache line or two to scan.
	 */
	upper = chunk_bits > ROOT_BITS_MAX ?
		DIV_ROUND_UP(chunk_bits - ROOT_BITS_MAX, GOALLOC_SUMMARY_LEVEL_BITS) : 0;
	upper = min(upper, GOALLOC_SUMMARY_MAX_LEVELS - 1);
	p->nlevels = upper + 1;
	for (l = 0; l <= upper; l++) {
		unsigned int below = GOALLOC_SUMMARY_LEVEL_BITS * (upper - l);

		p->level_bits[l] = l ? GOALLOC_SUMMARY_LEVEL_BITS :
				       chunk_bits - GOALLOC_SUMMARY_LEVEL_BITS * upper;
		p->level_log_pages[l] = CHUNK_SHIFT + below;
		total += 1UL << (chunk_bits - below);
	}

	sums = kvcalloc(total, sizeof(*sums), GFP_KERNEL);
	p->summary[0] = sums;
	p->chunks = kvcalloc(max_chunks, sizeof(*p->chunks), GFP_KERNEL);
	p->chunk_state = kvcalloc(max_chunks, sizeof(*p->chunk_state), GFP_KERNEL);
	if (!sums || !p->chunks || !p->chunk_state) {
		goalloc_pagealloc_destroy(p);
		return -ENOMEM;
	}
	for (l = 0; l < p->nlevels; l++) {
		p->summary[l] = sums;
		sums += 1UL << (chunk_bits - (p->level_log_pages[l] - CHUNK_SHIFT));
	}
	/* Slots never grown read as fully in use, like Go's unmapped memory. */
	for (c = 0; c < max_chunks; c++)
		memset(p->chunks[c].pallocbits, 0xff, sizeof(p->chunks[c].pallocbits));
	p->max_chunks = max_chunks;
	p->search_addr = GOALLOC_NO_PAGE;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_init);

/**
 * goalloc_pagealloc_destroy() - Free a page allocator's metadata.
 * @p: page allocator set up by goalloc_pagealloc_init() (or zeroed).
 *
 * Context: Process context.
 */
void goalloc_pagealloc_destroy(struct goalloc_pagealloc *p)
{
	kvfree(p->summary[0]);
	kvfree(p->chunks);
	kvfree(p->chunk_state);
	memset(p, 0, sizeof(*p));
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_destroy);

/* Free pages right below page @i of chunk bitmap @b (0 if @i is 0). */
static unsigned int zeros_below(const u64 *b, unsigned int i)
{
	unsigned int w = i / 64, n = i % 64;
	u64 x = b[w] & goalloc_pagebits_mask(0, n);

	if (x)
		return n - fls64(x);
	while (w-- > 0) {
		if (b[w])
			return n + lz64(b[w]);
		n += 64;
	}
	return n;
}

/* Free pages from page @j of chunk bitmap @b up (0 if @j is the end). */
static unsigned int zeros_from(const u64 *b, unsigned int j)
{
	unsigned int w = j / 64, n;
	u64 x;

	if (j >= CHUNK_PAGES)
		return 0;
	x = b[w] >> (j % 64);
	if (x)
		return tz64(x);
	for (n = 64 - j % 64; ++w < CHUNK_WORDS; n += 64) {
		if (b[w])
			return n + tz64(b[w]);
	}
	return n;
}

/*
 * Leaf summary of chunk bitmap @b after pages [@i, @i + @n), all free
 * before, were allocated, or all in use before were freed (@alloc false),
 * from the old summary @sum.  The free run that holds or held the range is
 * measured from the bitmap's neighbouring words; a free can only lengthen
 * the maximum, an allocation shortens it only if it split the longest
 * run, and only then is the whole bitmap summarized again.
 */
static u64 leaf_after(const u64 *b, u64 sum, unsigned int i, unsigned int n, bool alloc)
{
	unsigned int lo = zeros_below(b, i), hi = zeros_from(b, i + n);
	unsigned int run = lo + n + hi, start, best, end;
	bool at_start = lo == i, at_end = i + n + hi == CHUNK_PAGES;

	goalloc_pallocsum_unpack(sum, &start, &best, &end);
	if (alloc) {
		if (run >= best)
			return goalloc_pallocbits_summarize(b);
		if (at_start)
			start = lo;
		if (at_end)
			end = hi;
	} else {
		best = max(best, run);
		if (at_start)
			start = run;
		if (at_end)
			end = run;
	}
	return goalloc_pallocsum_pack(start, best, end);
}

/* The max field of a packed summary, in place. */
#define SUM_MAX_FIELD	(GOALLOC_PALLOC_SUM_MASK << GOALLOC_PALLOC_SUM_SHIFT)
#define SUM_START_FIELD	GOALLOC_PALLOC_SUM_MASK
#define SUM_END_FIELD	(GOALLOC_PALLOC_SUM_MASK << (2 * GOALLOC_PALLOC_SUM_SHIFT))

/*
 * Disjoint chunks: carry the change of entry @idx of level @l + 1 from @old
 * to @sum up to the root.  A parent is its first child's start, its last
 * child's end and its children's longest max (merge_entries()), so one
 * changed child is folded in without merging all of them, unless it held
 * the longest max and shrank; the walk stops at the first parent that does
 * not change.  No run is longer than a chunk, so no summary has the
 * all-2^21 form and the fields compare and move in place.
 */
static void update_path(struct goalloc_pagealloc *p, int l, unsigned long idx,
			u64 old, u64 sum)
{
	for (; l >= 0; l--) {
		unsigned int bits = p->level_bits[l + 1], k;
		unsigned long last = (1UL << bits) - 1, pi = idx >> bits;
		u64 was = p->summary[l][pi], best = was & SUM_MAX_FIELD, m, y;

		m = sum & SUM_MAX_FIELD;
		if (m >= best) {
			best = m;
		} else if ((old & SUM_MAX_FIELD) >= best) {
			const u64 *kids = &p->summary[l + 1][pi << bits];

			for (best = 0, k = 0; k <= last; k++)
				best = max(best, kids[k] & SUM_MAX_FIELD);
		}
		y = (was & ~SUM_MAX_FIELD) | best;
		if (!(idx & last))
			y = (y & ~SUM_START_FIELD) | (sum & SUM_START_FIELD);
		if ((idx & last) == last)
			y = (y & ~SUM_END_FIELD) | (sum & SUM_END_FIELD);
		if (y == was)
			return;
		p->summary[l][pi] = y;
		old = was;
		sum = y;
		idx = pi;
	}
}

/**
 * goalloc_pagealloc_update() - Bring the summaries up to date after a bitmap
 *	change (Go's pageAlloc.update).
 * @p: page allocator.
 * @base: first page whose bits changed.
 * @npages: pages in the changed range, >= 1.
 * @contig: the range was allocated or freed as a whole: every page of it
 *	was free before and is in use now (@alloc), or the other way round.
 * @alloc: the change was an allocation.
 *
 * A contiguous change inside one chunk updates the leaf from the run around
 * the range; any other change recomputes the touched leaves.  Above the
 * leaves, disjoint chunks fold one changed entry into its parent at each
 * level; otherwise each touched 8-entry block is re-merged.  Either way the
 * walk stops at the first level where nothing changed.
 *
 * Context: mheap lock held.
 */
void goalloc_pagealloc_update(struct goalloc_pagealloc *p, unsigned long base,
			      unsigned long npages, bool contig, bool alloc)
{
	unsigned long limit = base + npages - 1;
	unsigned long sc = chunk_index(base), ec = chunk_index(limit), c, i;
	u64 *leaf = leaf_level(p);
	bool changed = true;
	int l;

	if (sc == ec) {
		const u64 *b = p->chunks[sc].pallocbits;
		u64 old = leaf[sc], y;

		y = contig ? leaf_after(b, old, chunk_page_index(base), npages, alloc) :
			     goalloc_pallocbits_summarize(b);
		if (old == y)
			return;
		leaf[sc] = y;
		if (p->disjoint) {
			update_path(p, p->nlevels - 2, sc, old, y);
			return;
		}
	} else if (contig) {
		leaf[sc] = goalloc_pallocbits_summarize(p->chunks[sc].pallocbits);
		for (c = sc + 1; c < ec; c++)
			leaf[c] = alloc ? 0 : GOALLOC_PALLOC_FREE_CHUNK_SUM;
		leaf[ec] = goalloc_pallocbits_summarize(p->chunks[ec].pallocbits);
	} else {
		for (c = sc; c <= ec; c++)
			leaf[c] = goalloc_pallocbits_summarize(p->chunks[c].pallocbits);
	}

	for (l = p->nlevels - 2; l >= 0 && changed; l--) {
		unsigned int shift = p->level_log_pages[l];
		unsigned int child_bits = p->level_bits[l + 1];
		unsigned long hi = (limit >> shift) + 1;

		changed = false;
		for (i = base >> shift; i < hi; i++) {
			u64 sum = merge_entries(p, &p->summary[l + 1][i << child_bits],
						1U << child_bits,
						p->level_log_pages[l + 1]);

			if (p->summary[l][i] != sum) {
				p->summary[l][i] = sum;
				changed = true;
			}
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_update);

/*
 * Narrow the first-free window [*lo, *hi] to [addr, addr + size) if that lies
 * inside it.  Ranges met later either nest in the window or miss it; a
 * partial overlap means the tree walk went wrong.
 */
static void found_free(unsigned long *lo, unsigned long *hi, unsigned long addr,
		       unsigned long size)
{
	unsigned long last = addr + size - 1;

	if (*lo <= addr && last <= *hi) {
		*lo = addr;
		*hi = last;
	} else {
		WARN_ON_ONCE(!(last < *lo || *hi < addr));
	}
}

/**
 * goalloc_pagealloc_find() - Radix-tree search for the first fit of @npages.
 * @p: page allocator.
 * @npages: run length, >= 1.
 * @new_search: out: a valid new search address (the lowest page that may be
 *	free), or GOALLOC_NO_PAGE when nothing fits.
 *
 * Walks from the root: in the 8-entry block picked by the level above (the
 * whole root at level 0), starting at the search address when it falls in
 * the block, it either finds a run straddling entries (done), or an entry
 * whose max fits (descend), or moves on.  At the leaf it searches the chunk's
 * bitmap.  It does not change @p.
 *
 * Context: mheap lock held.
 * Return: first page of the lowest-addressed free run of @npages pages, or
 * GOALLOC_NO_PAGE.
 */
unsigned long goalloc_pagealloc_find(struct goalloc_pagealloc *p, unsigned long npages,
				     unsigned long *new_search)
{
	unsigned long ff_lo = 0, ff_hi = ~0UL, i = 0;
	unsigned int l, j_in_chunk, search_in_chunk;

	*new_search = GOALLOC_NO_PAGE;
	if (!npages)
		return GOALLOC_NO_PAGE;

	for (l = 0; l < p->nlevels; l++) {
		unsigned long per_block = 1UL << p->level_bits[l];
		unsigned int log_pages = p->level_log_pages[l];
		unsigned long whole = 1UL << log_pages;
		unsigned long j, j0 = 0, base = 0, size = 0;
		const u64 *entries;
		bool descend = false;

		i <<= p->level_bits[l];
		entries = &p->summary[l][i];
		if (p->search_addr != GOALLOC_NO_PAGE) {
			unsigned long sidx = p->search_addr >> log_pages;

			if ((sidx & ~(per_block - 1)) == i)
				j0 = sidx & (per_block - 1);
		}

		for (j = j0; j < per_block; j++) {
			u64 sum = entries[j];
			unsigned long s;

			if (!sum) {
				size = 0;
				continue;
			}
			found_free(&ff_lo, &ff_hi, (i + j) << log_pages, whole);
			if (p->disjoint) {
				/* No run crosses an entry: descend or move on. */
				if (goalloc_pallocsum_max(sum) >= npages) {
					i += j;
					descend = true;
					break;
				}
				continue;
			}
			s = goalloc_pallocsum_start(sum);
			if (size + s >= npages) {
				if (!size)
					base = j << log_pages;
				size += s;
				break;
			}
			if (goalloc_pallocsum_max(sum) >= npages) {
				i += j;
				descend = true;
				break;
			}
			if (!size || s < whole) {
				size = goalloc_pallocsum_end(sum);
				base = ((j + 1) << log_pages) - size;
				continue;
			}
			size += whole;
		}
		if (descend)
			continue;
		if (size >= npages) {
			*new_search = ff_lo;
			return (i << log_pages) + base;
		}
		/* Nothing fits anywhere, or a parent summary lied. */
		WARN_ON_ONCE(l != 0);
		return GOALLOC_NO_PAGE;
	}

	/* The walk ended in chunk i, whose max says the run is inside it. */
	j_in_chunk = goalloc_pallocbits_find(p->chunks[i].pallocbits, npages, 0,
					     &search_in_chunk);
	if (WARN_ON_ONCE(j_in_chunk == GOALLOC_PALLOC_NOT_FOUND))
		return GOALLOC_NO_PAGE;
	found_free(&ff_lo, &ff_hi, chunk_base(i) + search_in_chunk,
		   CHUNK_PAGES - search_in_chunk);
	*new_search = ff_lo;
	return chunk_base(i) + j_in_chunk;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_find);

static bool range_ok(const struct goalloc_pagealloc *p, unsigned long base,
		     unsigned long npages)
{
	return npages && base < goalloc_pagealloc_npages(p) &&
	       npages <= goalloc_pagealloc_npages(p) - base;
}

/*
 * Set [si, si + n) of one chunk, keeping the counters.  Pages already in
 * use (a bug) clear *contig: the summaries are then recomputed from the
 * bitmaps rather than derived from the change.
 */
static unsigned int chunk_alloc_range(struct goalloc_pagealloc *p, unsigned long c,
				      unsigned int si, unsigned int n, bool *contig)
{
	struct goalloc_palloc_data *d = &p->chunks[c];
	unsigned int scav = goalloc_pagebits_popcnt_range(d->scavenged, si, n);

	if (WARN_ON_ONCE(p->chunk_state[c] != GOALLOC_CHUNK_GROWN ||
			 goalloc_pagebits_popcnt_range(d->pallocbits, si, n)))
		*contig = false;
	goalloc_pagebits_set_range(d->pallocbits, si, n);
	goalloc_pagebits_clear_range(d->scavenged, si, n);
	return scav;
}

/* Whether every page of [base, base + npages) is in use in a grown slot. */
static bool range_in_use(const struct goalloc_pagealloc *p, unsigned long base,
			 unsigned long npages)
{
	unsigned long end = base + npages, next, c;
	unsigned int n;

	for (; base < end; base = next) {
		c = chunk_index(base);
		next = min(end, chunk_base(c + 1));
		n = next - base;
		if (p->chunk_state[c] != GOALLOC_CHUNK_GROWN ||
		    goalloc_pagebits_popcnt_range(p->chunks[c].pallocbits,
						  chunk_page_index(base), n) != n)
			return false;
	}
	return true;
}

/**
 * goalloc_pagealloc_alloc_range() - Mark [@base, @base + @npages) in use.
 * @p: page allocator.
 * @base: first page; the whole range must be free in grown chunks.
 * @npages: pages, >= 1; the range may span chunks.
 *
 * Clears the range's scavenged bits, as the memory is about to be used.
 * The search address is left alone: it stays valid when pages get used.
 *
 * Context: mheap lock held.
 * Return: how many pages of the range were scavenged.
 */
unsigned long goalloc_pagealloc_alloc_range(struct goalloc_pagealloc *p,
					    unsigned long base, unsigned long npages)
{
	unsigned long limit = base + npages - 1, c, scav = 0;
	unsigned long sc = chunk_index(base), ec = chunk_index(limit);
	unsigned int si = chunk_page_index(base), ei = chunk_page_index(limit);
	bool contig = true;

	if (WARN_ON_ONCE(!range_ok(p, base, npages)))
		return 0;
	if (sc == ec) {
		scav = chunk_alloc_range(p, sc, si, ei + 1 - si, &contig);
	} else {
		scav = chunk_alloc_range(p, sc, si, CHUNK_PAGES - si, &contig);
		for (c = sc + 1; c < ec; c++)
			scav += chunk_alloc_range(p, c, 0, CHUNK_PAGES, &contig);
		scav += chunk_alloc_range(p, ec, 0, ei + 1, &contig);
	}
	p->free_pages -= npages;
	p->scav_pages -= scav;
	goalloc_pagealloc_update(p, base, npages, contig, true);
	return scav;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_alloc_range);

/**
 * goalloc_pagealloc_alloc() - Allocate @npages contiguous pages, first fit.
 * @p: page allocator.
 * @npages: pages, >= 1 (may exceed a chunk).
 * @scav: out, may be NULL: how many of the pages were scavenged, so the
 *	caller can account released memory that is being reused.
 *
 * Fast path: when the run may fit in the rest of the search address's chunk
 * and that chunk's max allows it, search that bitmap from the search address.
 * Otherwise walk the tree.  A failed single-page search proves the heap
 * full, so the search address is then parked at GOALLOC_NO_PAGE.
 *
 * Context: mheap lock held.
 * Return: the first page index of the run, or GOALLOC_NO_PAGE.
 */
unsigned long goalloc_pagealloc_alloc(struct goalloc_pagealloc *p, unsigned long npages,
				      unsigned long *scav)
{
	unsigned long addr, search, s, ci;
	unsigned int pi;

	if (scav)
		*scav = 0;
	if (WARN_ON_ONCE(!npages) || p->search_addr >= goalloc_pagealloc_npages(p))
		return GOALLOC_NO_PAGE;

	ci = chunk_index(p->search_addr);
	pi = chunk_page_index(p->search_addr);
	if (CHUNK_PAGES - pi >= npages &&
	    goalloc_pallocsum_max(leaf_level(p)[ci]) >= npages) {
		unsigned int j, sidx;

		j = goalloc_pallocbits_find(p->chunks[ci].pallocbits, npages, pi, &sidx);
		if (WARN_ON_ONCE(j == GOALLOC_PALLOC_NOT_FOUND))
			return GOALLOC_NO_PAGE;
		addr = chunk_base(ci) + j;
		search = chunk_base(ci) + sidx;
	} else {
		addr = goalloc_pagealloc_find(p, npages, &search);
		if (addr == GOALLOC_NO_PAGE) {
			if (npages == 1)
				p->search_addr = GOALLOC_NO_PAGE;
			return GOALLOC_NO_PAGE;
		}
	}
	s = goalloc_pagealloc_alloc_range(p, addr, npages);
	if (scav)
		*scav = s;
	if (search > p->search_addr)
		p->search_addr = search;
	return addr;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_alloc);

/**
 * goalloc_pagealloc_free() - Free pages from goalloc_pagealloc_alloc()
 *	(Go's free, i.e. freeRange plus the search-address rule).
 * @p: page allocator.
 * @base: first page; every page of the range must be in use in grown chunks.
 * @npages: pages, >= 1; the range may span chunks.
 *
 * Scavenged bits are untouched: freed pages are still backed.  Neighbouring
 * free runs coalesce implicitly in the bitmaps and summaries.  A range that
 * is not entirely in use in grown slots (a double free, or a free into a
 * released slot) is refused with a warning and changes nothing.
 *
 * Context: mheap lock held.
 */
void goalloc_pagealloc_free(struct goalloc_pagealloc *p, unsigned long base,
			    unsigned long npages)
{
	unsigned long limit = base + npages - 1, c;
	unsigned long sc = chunk_index(base), ec = chunk_index(limit);
	unsigned int si = chunk_page_index(base), ei = chunk_page_index(limit);

	/* Double frees and frees into absent or released slots. */
	if (WARN_ON_ONCE(!range_ok(p, base, npages) || !range_in_use(p, base, npages)))
		return;
	if (base < p->search_addr)
		p->search_addr = base;
	if (sc == ec) {
		goalloc_pagebits_clear_range(p->chunks[sc].pallocbits, si, ei + 1 - si);
	} else {
		goalloc_pagebits_clear_range(p->chunks[sc].pallocbits, si, CHUNK_PAGES - si);
		for (c = sc + 1; c < ec; c++)
			memset(p->chunks[c].pallocbits, 0, sizeof(p->chunks[c].pallocbits));
		goalloc_pagebits_clear_range(p->chunks[ec].pallocbits, 0, ei + 1);
	}
	p->free_pages += npages;
	goalloc_pagealloc_update(p, base, npages, true, false);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_free);

#ifdef GOALLOC_DEBUG
/*
 * Whole-chunk growth and release: Go's model of a heap that maps whole
 * chunks, kept for the tests that exercise the summaries that way.  The
 * heap itself owns pages one run at a time (goalloc_pagealloc_own()).
 */

/* Make slot @c usable with all pages free and unscavenged. */
static void chunk_make_free(struct goalloc_pagealloc *p, unsigned long c)
{
	struct goalloc_palloc_data *d = &p->chunks[c];

	p->scav_pages -= goalloc_pagebits_popcnt_range(d->scavenged, 0, CHUNK_PAGES);
	memset(d, 0, sizeof(*d));
	p->chunk_state[c] = GOALLOC_CHUNK_GROWN;
	p->nr_chunks++;
	p->free_pages += CHUNK_PAGES;
	/* Like a free: the new pages may lie below the search address. */
	if (chunk_base(c) < p->search_addr)
		p->search_addr = chunk_base(c);
	goalloc_pagealloc_update(p, chunk_base(c), CHUNK_PAGES, true, false);
}

/**
 * goalloc_pagealloc_grow() - Bring a never-used chunk slot into the heap.
 * @p: page allocator.
 * @chunk: slot whose arena the caller has just obtained, < max_chunks.
 *
 * The slot's 512 pages become free and unscavenged (the arena is fresh,
 * backed memory).
 *
 * Context: mheap lock held.
 * Return: 0, or -EINVAL if @chunk is out of range or not absent (a released
 * slot comes back through goalloc_pagealloc_regrow_chunk()).
 */
int goalloc_pagealloc_grow(struct goalloc_pagealloc *p, unsigned long chunk)
{
	if (chunk >= p->max_chunks || p->chunk_state[chunk] != GOALLOC_CHUNK_ABSENT)
		return -EINVAL;
	chunk_make_free(p, chunk);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_grow);

/**
 * goalloc_pagealloc_release_chunk() - Take an entirely free chunk out of use
 *	so its arena can go back to the kernel.
 * @p: page allocator.
 * @chunk: grown slot.
 *
 * goalloc cannot return single pages (the linear map cannot be punched), so
 * it scavenges whole arenas: the slot's pages become in use and scavenged,
 * which keeps every search away from them.
 *
 * Context: mheap lock held.
 * Return: true if the slot was grown and entirely free and is now released;
 * false (nothing changed) otherwise.
 */
bool goalloc_pagealloc_release_chunk(struct goalloc_pagealloc *p, unsigned long chunk)
{
	struct goalloc_palloc_data *d;

	if (chunk >= p->max_chunks || p->chunk_state[chunk] != GOALLOC_CHUNK_GROWN ||
	    goalloc_pagealloc_leaf(p, chunk) != GOALLOC_PALLOC_FREE_CHUNK_SUM)
		return false;
	d = &p->chunks[chunk];
	p->scav_pages += CHUNK_PAGES -
			 goalloc_pagebits_popcnt_range(d->scavenged, 0, CHUNK_PAGES);
	memset(d->pallocbits, 0xff, sizeof(d->pallocbits));
	memset(d->scavenged, 0xff, sizeof(d->scavenged));
	p->chunk_state[chunk] = GOALLOC_CHUNK_RELEASED;
	p->nr_chunks--;
	p->nr_released++;
	p->free_pages -= CHUNK_PAGES;
	goalloc_pagealloc_update(p, chunk_base(chunk), CHUNK_PAGES, true, true);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_release_chunk);

/**
 * goalloc_pagealloc_regrow_chunk() - Put a released slot back into use.
 * @p: page allocator.
 * @chunk: released slot, for which the caller has obtained a new arena.
 *
 * Clears the scavenged bits and frees all 512 pages, as for a grow.
 *
 * Context: mheap lock held.
 * Return: 0, or -EINVAL if @chunk is not a released slot.
 */
int goalloc_pagealloc_regrow_chunk(struct goalloc_pagealloc *p, unsigned long chunk)
{
	if (chunk >= p->max_chunks || p->chunk_state[chunk] != GOALLOC_CHUNK_RELEASED)
		return -EINVAL;
	p->nr_released--;
	chunk_make_free(p, chunk);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_regrow_chunk);
#endif /* GOALLOC_DEBUG */

/**
 * goalloc_pagealloc_find_released() - Lowest released slot, to regrow before
 *	a never-used slot is taken.
 * @p: page allocator.
 *
 * Context: mheap lock held.
 * Return: the slot, or GOALLOC_NO_CHUNK if none is released.
 */
unsigned long goalloc_pagealloc_find_released(const struct goalloc_pagealloc *p)
{
	unsigned long c;

	if (!p->nr_released)
		return GOALLOC_NO_CHUNK;
	for (c = 0; c < p->max_chunks; c++) {
		if (p->chunk_state[c] == GOALLOC_CHUNK_RELEASED)
			return c;
	}
	return GOALLOC_NO_CHUNK;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_find_released);

#ifdef GOALLOC_DEBUG
/**
 * goalloc_pagealloc_find_free_chunk() - Highest grown slot that is entirely
 *	free, a candidate for goalloc_pagealloc_release_chunk().
 * @p: page allocator.
 *
 * High slots first, as Go's scavenger works from high addresses down: first
 * fit keeps the low ones busy.
 *
 * Context: mheap lock held.
 * Return: the slot, or GOALLOC_NO_CHUNK.
 */
unsigned long goalloc_pagealloc_find_free_chunk(const struct goalloc_pagealloc *p)
{
	unsigned long c;

	for (c = p->max_chunks; c-- > 0;) {
		if (p->chunk_state[c] == GOALLOC_CHUNK_GROWN &&
		    goalloc_pagealloc_leaf(p, c) == GOALLOC_PALLOC_FREE_CHUNK_SUM)
			return c;
	}
	return GOALLOC_NO_CHUNK;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_find_free_chunk);
#endif /* GOALLOC_DEBUG */

/**
 * goalloc_pagealloc_largest_free() - Longest run of free pages in the heap.
 * @p: page allocator.
 *
 * Merges the root entries without packing, so runs spanning root entries
 * and totals beyond a summary field's range are exact.
 *
 * Context: mheap lock held.
 * Return: the run length in pages (0 if nothing is free).
 */
unsigned long goalloc_pagealloc_largest_free(const struct goalloc_pagealloc *p)
{
	unsigned long whole = 1UL << p->level_log_pages[0];
	unsigned long n = 1UL << p->level_bits[0], i, best = 0, end = 0;

	for (i = 0; i < n; i++) {
		u64 sum = p->summary[0][i];
		unsigned long si = goalloc_pallocsum_start(sum);
		unsigned long mi = goalloc_pallocsum_max(sum);
		unsigned long ei = goalloc_pallocsum_end(sum);

		if (p->disjoint)
			end = si = 0;
		best = max(best, max(end + si, mi));
		end = ei == whole ? end + whole : ei;
	}
	return best;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_largest_free);

/**
 * goalloc_pagealloc_own() - Pages the heap now owns become free.
 * @p: page allocator.
 * @base: first page index.
 * @npages: pages, all in one chunk and none owned yet.
 *
 * A page the heap does not own is in use and scavenged: it is never handed
 * out (goalloc's form of Go's scavenged pages, which it cannot back again
 * at the same address).  A chunk slot that tracked no frame (absent or
 * released) starts with no page owned.
 *
 * Context: mheap lock held.
 * Return: 0, or -EINVAL if the range leaves its chunk or holds an owned
 * page (nothing changes then).
 */
int goalloc_pagealloc_own(struct goalloc_pagealloc *p, unsigned long base,
			  unsigned long npages)
{
	unsigned long c = chunk_index(base);
	unsigned int i = chunk_page_index(base);
	struct goalloc_palloc_data *d;

	if (!range_ok(p, base, npages) || i + npages > CHUNK_PAGES)
		return -EINVAL;
	d = &p->chunks[c];
	if (p->chunk_state[c] == GOALLOC_CHUNK_GROWN &&
	    goalloc_pagebits_popcnt_range(d->scavenged, i, npages) != npages)
		return -EINVAL;
	if (p->chunk_state[c] != GOALLOC_CHUNK_GROWN) {
		/* Absent slots count no page as scavenged; released ones all. */
		if (p->chunk_state[c] == GOALLOC_CHUNK_RELEASED)
			p->nr_released--;
		else
			p->scav_pages += CHUNK_PAGES;
		memset(d->pallocbits, 0xff, sizeof(d->pallocbits));
		memset(d->scavenged, 0xff, sizeof(d->scavenged));
		p->chunk_state[c] = GOALLOC_CHUNK_GROWN;
		p->nr_chunks++;
	}
	goalloc_pagebits_clear_range(d->pallocbits, i, npages);
	goalloc_pagebits_clear_range(d->scavenged, i, npages);
	p->free_pages += npages;
	p->scav_pages -= npages;
	/* Like a free: the new pages may lie below the search address. */
	if (base < p->search_addr)
		p->search_addr = base;
	goalloc_pagealloc_update(p, base, npages, true, false);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_own);

/**
 * goalloc_pagealloc_disown() - Free pages leave the heap (are scavenged).
 * @p: page allocator.
 * @base: first page index.
 * @npages: free pages, all in one chunk.
 *
 * Context: mheap lock held.
 * Return: true if the chunk now owns no page: it is released, and its slot
 * may track another frame.
 */
bool goalloc_pagealloc_disown(struct goalloc_pagealloc *p, unsigned long base,
			      unsigned long npages)
{
	unsigned long c = chunk_index(base);
	unsigned int i = chunk_page_index(base);
	struct goalloc_palloc_data *d;

	if (WARN_ON_ONCE(!range_ok(p, base, npages) || i + npages > CHUNK_PAGES ||
			 p->chunk_state[c] != GOALLOC_CHUNK_GROWN))
		return false;
	d = &p->chunks[c];
	if (WARN_ON_ONCE(goalloc_pagebits_popcnt_range(d->pallocbits, i, npages)))
		return false;
	goalloc_pagebits_set_range(d->pallocbits, i, npages);
	goalloc_pagebits_set_range(d->scavenged, i, npages);
	p->free_pages -= npages;
	p->scav_pages += npages;
	goalloc_pagealloc_update(p, base, npages, true, true);
	if (goalloc_pagebits_popcnt_range(d->scavenged, 0, CHUNK_PAGES) != CHUNK_PAGES)
		return false;
	p->chunk_state[c] = GOALLOC_CHUNK_RELEASED;
	p->nr_chunks--;
	p->nr_released++;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_disown);

/**
 * goalloc_pagealloc_find_scavenge() - The highest run of free pages.
 * @p: page allocator.
 * @max: pages wanted at most.
 * @npages: receives the run's length (1..@max), all in one chunk.
 *
 * Go's scavenger works down from the highest address, so the pages that
 * stay are the low ones the allocator's first fit prefers.
 *
 * Context: mheap lock held.
 * Return: the run's first page index, or GOALLOC_NO_PAGE if no page is free.
 */
unsigned long goalloc_pagealloc_find_scavenge(const struct goalloc_pagealloc *p,
					      unsigned long max, unsigned long *npages)
{
	unsigned long c, n;
	unsigned int top, i;
	const u64 *b;

	if (!max)
		return GOALLOC_NO_PAGE;
	for (c = p->max_chunks; c-- > 0;) {
		if (p->chunk_state[c] != GOALLOC_CHUNK_GROWN ||
		    !goalloc_pallocsum_max(goalloc_pagealloc_leaf(p, c)))
			continue;
		b = p->chunks[c].pallocbits;
		for (top = CHUNK_PAGES; top-- > 0;)
			if (!goalloc_pagebits_get(b, top))
				break;
		for (i = top, n = 1; i > 0 && n < max && !goalloc_pagebits_get(b, i - 1); i--)
			n++;
		*npages = n;
		return chunk_base(c) + i;
	}
	return GOALLOC_NO_PAGE;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_find_scavenge);

#ifdef GOALLOC_DEBUG
/*
 * Tests and debugging only (GOALLOC_DEBUG in Kbuild, as CONFIG_DEBUG_MAPLE_TREE
 * for lib/maple_tree.c): not in a stock build of goalloc.ko.
 */

/**
 * goalloc_pagealloc_load_chunk() - Overwrite a grown chunk's bitmaps (test
 *	and debug hook, Go's NewPageAlloc set-up).
 * @p: page allocator.
 * @chunk: grown slot.
 * @alloc: GOALLOC_PALLOC_CHUNK_WORDS words of in-use bits, or NULL for none.
 * @scav: as many words of scavenged bits, or NULL; bits of in-use pages are
 *	dropped, as allocating a page clears its scavenged bit.
 *
 * Counters, summaries and the search address are kept consistent.
 *
 * Context: mheap lock held.
 * Return: 0, or -EINVAL if @chunk is not grown.
 */
int goalloc_pagealloc_load_chunk(struct goalloc_pagealloc *p, unsigned long chunk,
				 const u64 *alloc, const u64 *scav)
{
	struct goalloc_palloc_data *d;
	unsigned int w;

	if (chunk >= p->max_chunks || p->chunk_state[chunk] != GOALLOC_CHUNK_GROWN)
		return -EINVAL;
	d = &p->chunks[chunk];
	p->free_pages -= CHUNK_PAGES -
			 goalloc_pagebits_popcnt_range(d->pallocbits, 0, CHUNK_PAGES);
	p->scav_pages -= goalloc_pagebits_popcnt_range(d->scavenged, 0, CHUNK_PAGES);
	for (w = 0; w < CHUNK_WORDS; w++) {
		d->pallocbits[w] = alloc ? alloc[w] : 0;
		d->scavenged[w] = (scav ? scav[w] : 0) & ~d->pallocbits[w];
	}
	p->free_pages += CHUNK_PAGES -
			 goalloc_pagebits_popcnt_range(d->pallocbits, 0, CHUNK_PAGES);
	p->scav_pages += goalloc_pagebits_popcnt_range(d->scavenged, 0, CHUNK_PAGES);
	if (chunk_base(chunk) < p->search_addr)
		p->search_addr = chunk_base(chunk);
	goalloc_pagealloc_update(p, chunk_base(chunk), CHUNK_PAGES, false, false);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_load_chunk);

/**
 * goalloc_pagealloc_check() - Verify every invariant from scratch.
 * @p: page allocator.
 * @why: out, may be NULL: what is wrong.
 * @where: out, may be NULL: the chunk slot, or for upper summary levels and
 *	the search address the page index, where it went wrong.
 *
 * Checks slot states against bitmaps, scavenged pages being free in grown
 * chunks, every summary against its bitmap or children, the counters, and
 * that nothing below the search address is free.  O(max_chunks); meant for
 * tests and debugging.
 *
 * Context: mheap lock held.
 * Return: 0 if consistent, -EINVAL otherwise.
 */
int goalloc_pagealloc_check(const struct goalloc_pagealloc *p, const char **why,
			    unsigned long *where)
{
	unsigned long free = 0, scav = 0, grown = 0, released = 0, c, i, n;
	const u64 *leaf = p->summary[p->nlevels - 1];
	const char *msg = NULL;
	unsigned long at = 0;
	unsigned int w;
	int l;

	for (c = 0; c < p->max_chunks && !msg; c++) {
		const struct goalloc_palloc_data *d = &p->chunks[c];

		at = c;
		for (w = 0; w < CHUNK_WORDS && !msg; w++) {
			u64 a = d->pallocbits[w], s = d->scavenged[w];

			switch (p->chunk_state[c]) {
			case GOALLOC_CHUNK_ABSENT:
				if (~a || s)
					msg = "absent slot: pages free or scavenged";
				break;
			case GOALLOC_CHUNK_GROWN:
				/* Go: scavenged pages are free; goalloc's heap: not owned. */
				if (p->ownership ? ~a & s : a & s)
					msg = p->ownership ? "grown slot: free page not owned" :
					      "grown slot: in-use page marked scavenged";
				free += 64 - hweight64(a);
				break;
			case GOALLOC_CHUNK_RELEASED:
				if (~a || ~s)
					msg = "released slot: pages free or not scavenged";
				break;
			default:
				msg = "bad slot state";
			}
			scav += hweight64(s);
		}
		grown += p->chunk_state[c] == GOALLOC_CHUNK_GROWN;
		released += p->chunk_state[c] == GOALLOC_CHUNK_RELEASED;
		if (!msg && leaf[c] != goalloc_pallocbits_summarize(d->pallocbits))
			msg = "leaf summary differs from bitmap";
	}

	n = 1UL << (p->level_bits[0] + GOALLOC_SUMMARY_LEVEL_BITS * (p->nlevels - 1));
	for (c = p->max_chunks; c < n && !msg; c++) {
		at = c;
		if (leaf[c])
			msg = "leaf summary of a nonexistent slot";
	}

	for (l = p->nlevels - 2; l >= 0 && !msg; l--) {
		unsigned int child_bits = p->level_bits[l + 1];

		n >>= child_bits;
		for (i = 0; i < n && !msg; i++) {
			at = i << p->level_log_pages[l];
			if (p->summary[l][i] !=
			    merge_entries(p, &p->summary[l + 1][i << child_bits],
					  1U << child_bits, p->level_log_pages[l + 1]))
				msg = "summary differs from its children";
		}
	}

	if (!msg) {
		at = 0;
		if (free != p->free_pages)
			msg = "free page count";
		else if (scav != p->scav_pages)
			msg = "scavenged page count";
		else if (grown != p->nr_chunks)
			msg = "grown chunk count";
		else if (released != p->nr_released)
			msg = "released chunk count";
	}

	if (!msg && p->search_addr != GOALLOC_NO_PAGE) {
		at = p->search_addr;
		if (p->search_addr >= goalloc_pagealloc_npages(p))
			msg = "search address out of range";
		for (c = 0; !msg && c < chunk_index(p->search_addr); c++) {
			if (goalloc_pagebits_popcnt_range(p->chunks[c].pallocbits, 0,
							  CHUNK_PAGES) != CHUNK_PAGES)
				msg = "free page below the search address";
		}
		i = chunk_page_index(p->search_addr);
		if (!msg && i &&
		    goalloc_pagebits_popcnt_range(p->chunks[c].pallocbits, 0, i) != i)
			msg = "free page below the search address";
	}

	if (why)
		*why = msg;
	if (where)
		*where = at;
	return msg ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pagealloc_check);
#endif /* GOALLOC_DEBUG */
