// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for goalloc's page allocator (mod/pagealloc.c) and per-CPU page
 * cache (mod/pagecache.c): the cases of Go 1.19's mpallocbits_test.go,
 * mpagealloc_test.go and mpagecache_test.go in page-index form, and a
 * randomised differential run against a flat one-byte-per-page model.
 * One source for two builds (kunit/expect.h): the goalloc_pagealloc and
 * goalloc_pagecache KUnit suites, and tools/testing/goalloc's pagealloc
 * program, which runs the table cases on every tree shape and the random
 * parts much longer (GOALLOC_SEED reseeds).
 *
 * Pure logic: page indices are never turned into memory, so no heap is
 * involved.  After each step the summaries are recomputed from the bitmaps
 * with a naive run scan.
 */
#include <linux/array_size.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "goalloc/pagealloc.h"
#include "goalloc/pagecache.h"
#include "expect.h"

#define CP	GOALLOC_PALLOC_CHUNK_PAGES
#define NONE	GOALLOC_NO_PAGE

/* Go's BaseChunkIdx: cases place chunks relative to a non-zero slot. */
#define BASE	3UL
#define PB(c, i)	((BASE + (c)) * (unsigned long)CP + (i))
#define JUMP	0x1000UL	/* Go's chunkIdxBigJump, scaled down */

/*
 * Tree shapes the table cases run on: 3, 5 and 5 levels (root 8, 2, 4).
 * The host runs every case on each shape that holds it; the kernel on the
 * smallest only.
 */
static const unsigned long pa_shapes[] = { 300, 5000, 1UL << 14 };

struct bit_range {
	unsigned int i, n;
};

/* One range of one chunk (relative to BASE); chunk -1 ends a list. */
struct pa_range {
	long chunk;
	unsigned int i, n;
};

#define RANGES(...)	((const struct pa_range[]){ __VA_ARGS__, { -1, 0, 0 } })

/* ---------------------------------------------------------------- helpers */

static void make_bits(u64 *b, const struct bit_range *r, unsigned int nr)
{
	unsigned int k;

	memset(b, 0, GOALLOC_PALLOC_CHUNK_WORDS * sizeof(u64));
	for (k = 0; k < nr; k++)
		if (r[k].n)
			goalloc_pagebits_set_range(b, r[k].i, r[k].n);
}

static void invert_bits(u64 *b)
{
	unsigned int w;

	for (w = 0; w < GOALLOC_PALLOC_CHUNK_WORDS; w++)
		b[w] = ~b[w];
}

/* A naive free-run scan: pages fed in order, in use or free. */
struct naive_scan {
	unsigned long start, max, cur;
};

/* An in-use page (or a boundary no run crosses) ends the current run. */
static void scan_break(struct naive_scan *r)
{
	if (r->start == ~0UL)
		r->start = r->cur;
	r->max = r->cur > r->max ? r->cur : r->max;
	r->cur = 0;
}

static void scan_bits(struct naive_scan *r, const u64 *b, unsigned int nbits)
{
	unsigned int k;

	for (k = 0; k < nbits; k++) {
		if ((b[k / 64] >> (k % 64)) & 1)
			scan_break(r);
		else
			r->cur++;
	}
}

static void scan_result(const struct naive_scan *r, unsigned long *start,
			unsigned long *max, unsigned long *end)
{
	*start = r->start == ~0UL ? r->cur : r->start;
	*max = r->cur > r->max ? r->cur : r->max;
	*end = r->cur;
}

/* Naive run lengths over bits [0, nbits) of @b, bit by bit. */
static void naive_runs_bits(const u64 *b, unsigned int nbits, unsigned long *start,
			    unsigned long *max, unsigned long *end)
{
	struct naive_scan r = { ~0UL, 0, 0 };

	scan_bits(&r, b, nbits);
	scan_result(&r, start, max, end);
}

/* Go's SummarizeSlow. */
static u64 summarize_slow(const u64 *b)
{
	unsigned long s, m, e;

	naive_runs_bits(b, CP, &s, &m, &e);
	return goalloc_pallocsum_pack(s, m, e);
}

/*
 * From-scratch (start, max, end) of the page range covered by whole chunks
 * [c0, c1) of @p, read from the bitmaps; slots past max_chunks count as in
 * use.  Whole-word shortcuts keep the big tree shapes affordable.
 */
static void naive_runs(const struct goalloc_pagealloc *p, unsigned long c0,
		       unsigned long c1, unsigned long *start, unsigned long *max,
		       unsigned long *end)
{
	struct naive_scan r = { ~0UL, 0, 0 };
	unsigned int w, ones, zeros;
	unsigned long c;

	for (c = c0; c < c1; c++) {
		const u64 *b = c < p->max_chunks ? p->chunks[c].pallocbits : NULL;

		/* Disjoint chunks: a run ends at every chunk boundary. */
		if (p->disjoint && c > c0)
			scan_break(&r);
		ones = zeros = 0;
		for (w = 0; b && w < GOALLOC_PALLOC_CHUNK_WORDS; w++) {
			ones += b[w] == ~0ULL;
			zeros += b[w] == 0;
		}
		if (!b || ones == GOALLOC_PALLOC_CHUNK_WORDS)
			scan_break(&r);
		else if (zeros == GOALLOC_PALLOC_CHUNK_WORDS)
			r.cur += CP;
		else
			scan_bits(&r, b, CP);
	}
	scan_result(&r, start, max, end);
}

/* goalloc_pagealloc_check() plus every summary against a naive rescan. */
static void pa_test_consistent(GT_CTX, const struct goalloc_pagealloc *p)
{
	unsigned long where, i, n, cpe, s, m, e;
	const char *why;
	unsigned int l;

	GT_ASSERT_EQ_MSG(goalloc_pagealloc_check(p, &why, &where), 0, "%s at %lu", why, where);
	for (l = 0; l < p->nlevels; l++) {
		n = 1UL << (p->level_bits[0] + GOALLOC_SUMMARY_LEVEL_BITS * l);
		cpe = 1UL << (p->level_log_pages[l] - GOALLOC_PALLOC_CHUNK_PAGES_SHIFT);
		for (i = 0; i < n; i++) {
			u64 sum = p->summary[l][i];

			naive_runs(p, i * cpe, (i + 1) * cpe, &s, &m, &e);
			GT_ASSERT_TRUE_MSG(goalloc_pallocsum_start(sum) == s &&
					   goalloc_pallocsum_max(sum) == m &&
					   goalloc_pallocsum_end(sum) == e,
					   "level %u entry %lu: (%u,%u,%u) want (%lu,%lu,%lu)",
					   l, i, goalloc_pallocsum_start(sum),
					   goalloc_pallocsum_max(sum),
					   goalloc_pallocsum_end(sum), s, m, e);
		}
	}
}

static void chunk_bits_of(const struct pa_range *r, long chunk, u64 *b)
{
	memset(b, 0, GOALLOC_PALLOC_CHUNK_WORDS * sizeof(u64));
	for (; r && r->chunk >= 0; r++)
		if (r->chunk == chunk && r->n)
			goalloc_pagebits_set_range(b, r->i, r->n);
}

static void pa_test_destroy(void *p)
{
	goalloc_pagealloc_destroy(p);
}

/* A page allocator freed at the end of the case. */
static struct goalloc_pagealloc *pa_test_init(GT_CTX, unsigned long max_chunks)
{
	struct goalloc_pagealloc *p = GT_ZALLOC(sizeof(*p));

	GT_ASSERT_NOT_NULL(p);
	GT_ASSERT_EQ(goalloc_pagealloc_init(p, max_chunks), 0);
	GT_DEFER(pa_test_destroy, p);
	return p;
}

/*
 * Go's NewPageAlloc: grow every chunk named in @alloc and load its in-use
 * and scavenged bits (in-use pages lose their scavenged bit).
 */
static struct goalloc_pagealloc *pa_test_new(GT_CTX, unsigned long max_chunks,
					     const struct pa_range *alloc,
					     const struct pa_range *scav)
{
	struct goalloc_pagealloc *p = pa_test_init(GT_ARG, max_chunks);
	u64 a[GOALLOC_PALLOC_CHUNK_WORDS], s[GOALLOC_PALLOC_CHUNK_WORDS];
	const struct pa_range *r;

	for (r = alloc; r->chunk >= 0; r++) {
		if (p->chunk_state[BASE + r->chunk] != GOALLOC_CHUNK_ABSENT)
			continue;
		GT_ASSERT_EQ(goalloc_pagealloc_grow(p, BASE + r->chunk), 0);
	}
	for (r = alloc; r->chunk >= 0; r++) {
		chunk_bits_of(alloc, r->chunk, a);
		chunk_bits_of(scav, r->chunk, s);
		GT_ASSERT_EQ(goalloc_pagealloc_load_chunk(p, BASE + r->chunk, a, s), 0);
	}
	pa_test_consistent(GT_ARG, p);
	return p;
}

/* Go's checkPageAlloc, plus summaries and counters. */
static void pa_test_same(GT_CTX, const struct goalloc_pagealloc *want,
			 const struct goalloc_pagealloc *got)
{
	unsigned long c, n;
	unsigned int l;

	GT_ASSERT_EQ(want->max_chunks, got->max_chunks);
	for (c = 0; c < got->max_chunks; c++) {
		GT_ASSERT_EQ_MSG(want->chunk_state[c], got->chunk_state[c], "chunk %lu", c);
		GT_ASSERT_MEMEQ_MSG(&want->chunks[c], &got->chunks[c], sizeof(got->chunks[c]),
				    "chunk %lu bitmaps", c);
	}
	for (l = 0; l < got->nlevels; l++) {
		n = 1UL << (got->level_bits[0] + GOALLOC_SUMMARY_LEVEL_BITS * l);
		GT_ASSERT_MEMEQ_MSG(want->summary[l], got->summary[l], n * sizeof(u64),
				    "summary level %u", l);
	}
	GT_ASSERT_EQ(want->free_pages, got->free_pages);
	GT_ASSERT_EQ(want->scav_pages, got->scav_pages);
	GT_ASSERT_EQ(want->nr_chunks, got->nr_chunks);
	pa_test_consistent(GT_ARG, got);
}

/*
 * The shapes a case with @need chunk slots runs on: all that hold it on
 * the host, the smallest that does in the kernel.
 */
static bool pa_test_shape(unsigned long need, unsigned int s, bool *ran)
{
	if (need > pa_shapes[s] || (!GT_HOST && *ran))
		return false;
	*ran = true;
	return true;
}

/* ------------------------------------------------------- pallocsum / bits */

GT_CASE(pallocsum_pack_test)
{
	unsigned int k, s, m, e;
	u64 seed = gt_seed(), sum;

	GT_EXPECT_EQ(goalloc_pallocsum_pack(CP, CP, CP), GOALLOC_PALLOC_FREE_CHUNK_SUM);
	GT_EXPECT_EQ(goalloc_pallocsum_pack(0, 0, 0), 0);
	sum = goalloc_pallocsum_pack(GOALLOC_PALLOC_SUM_MAX, GOALLOC_PALLOC_SUM_MAX,
				     GOALLOC_PALLOC_SUM_MAX);
	GT_EXPECT_EQ(sum, BIT_ULL(63));
	goalloc_pallocsum_unpack(sum, &s, &m, &e);
	GT_EXPECT_EQ(s, GOALLOC_PALLOC_SUM_MAX);
	GT_EXPECT_EQ(m, GOALLOC_PALLOC_SUM_MAX);
	GT_EXPECT_EQ(e, GOALLOC_PALLOC_SUM_MAX);
	for (k = 0; k < GT_PICK(10000, 1000); k++) {
		unsigned int a = gt_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;
		unsigned int b = gt_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;
		unsigned int c = gt_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;

		sum = goalloc_pallocsum_pack(a, b, c);
		GT_ASSERT_EQ(sum >> 63, 0);
		goalloc_pallocsum_unpack(sum, &s, &m, &e);
		GT_ASSERT_EQ(s, a);
		GT_ASSERT_EQ(m, b);
		GT_ASSERT_EQ(e, c);
	}
}

/* Go's TestPallocBitsAllocRange. */
GT_CASE(pallocbits_alloc_range_test)
{
	static const struct {
		struct bit_range r;
		unsigned int w0, w1;	/* words [w0, w1) all ones ... */
		int word;		/* ... plus this word = val (-1: none) */
		u64 val;
	} cases[] = {
		{ { 0, 1 }, 0, 0, 0, 0x1 },
		{ { CP - 1, 1 }, 0, 0, 7, 1ULL << 63 },
		{ { 129, 5 }, 0, 0, 2, 0x3e },
		{ { 128, 128 }, 2, 4, -1, 0 },
		{ { 0, 321 }, 0, 5, 5, 0x1 },
		{ { CP - (64 * 3 + 1), 64 * 3 + 1 }, 5, 8, 4, 1ULL << 63 },
		{ { 0, CP }, 0, 8, -1, 0 },
	};
	u64 got[8], want[8];
	unsigned int k, w;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		make_bits(got, &cases[k].r, 1);
		memset(want, 0, sizeof(want));
		for (w = cases[k].w0; w < cases[k].w1; w++)
			want[w] = ~0ULL;
		if (cases[k].word >= 0)
			want[cases[k].word] = cases[k].val;
		for (w = 0; w < 8; w++)
			GT_ASSERT_EQ_MSG(want[w], got[w], "case %u word %u", k, w);
		goalloc_pagebits_clear_range(got, cases[k].r.i, cases[k].r.n);
		for (w = 0; w < 8; w++)
			GT_ASSERT_EQ(0, got[w]);
	}
}

/* Go's TestMallocBitsPopcntRange. */
GT_CASE(pallocbits_popcnt_test)
{
	static const struct bit_range half[] = { { CP / 2, CP / 2 } };
	static const struct bit_range odd[] = { { 0, 111 } };
	static const struct bit_range all[] = { { 0, CP } };
	static const struct bit_range scattered[] = {
		{1, 3}, {5, 1}, {7, 1}, {10, 2}, {13, 1}, {15, 4},
		{21, 1}, {23, 1}, {26, 2}, {30, 5}, {36, 2}, {40, 3},
		{44, 6}, {51, 1}, {53, 2}, {58, 3}, {63, 1}, {67, 2},
		{71, 10}, {84, 1}, {89, 7}, {99, 2}, {103, 1}, {107, 2},
		{111, 1}, {113, 1}, {115, 1}, {118, 1}, {120, 2}, {125, 5},
	};
	static const struct {
		const struct bit_range *init;
		unsigned int ninit, i, n, want;
	} cases[] = {
		{ NULL, 0, 0, 1, 0 }, { NULL, 0, 5, 3, 0 }, { NULL, 0, 2, 11, 0 },
		{ NULL, 0, CP / 4 + 1, CP / 2, 0 }, { NULL, 0, 0, CP, 0 },
		{ all, 1, 0, 1, 1 }, { all, 1, 5, 3, 3 }, { all, 1, 2, 11, 11 },
		{ all, 1, CP / 4 + 1, CP / 2, CP / 2 }, { all, 1, 0, CP, CP },
		{ half, 1, 0, 1, 0 }, { half, 1, 5, 3, 0 }, { half, 1, 2, 11, 0 },
		{ half, 1, CP / 2 - 1, 1, 0 }, { half, 1, CP / 2, 1, 1 },
		{ half, 1, CP / 2 + 10, 1, 1 }, { half, 1, CP / 2 - 1, 2, 1 },
		{ half, 1, CP / 4, CP / 4, 0 }, { half, 1, CP / 4, CP / 4 + 1, 1 },
		{ half, 1, CP / 4 + 1, CP / 2, CP / 4 + 1 }, { half, 1, 0, CP, CP / 2 },
		{ odd, 1, 0, 1, 1 }, { odd, 1, 5, 3, 3 }, { odd, 1, 2, 11, 11 },
		{ odd, 1, 110, 2, 1 }, { odd, 1, 99, 50, 12 }, { odd, 1, 110, 1, 1 },
		{ odd, 1, 111, 1, 0 }, { odd, 1, 99, 1, 1 }, { odd, 1, 120, 1, 0 },
		{ odd, 1, CP / 2, CP / 2, 0 }, { odd, 1, 0, CP, 111 },
		{ scattered, ARRAY_SIZE(scattered), 0, 11, 6 },
		{ scattered, ARRAY_SIZE(scattered), 0, 64, 39 },
		{ scattered, ARRAY_SIZE(scattered), 13, 64, 40 },
		{ scattered, ARRAY_SIZE(scattered), 64, 64, 34 },
		{ scattered, ARRAY_SIZE(scattered), 0, 128, 73 },
		{ scattered, ARRAY_SIZE(scattered), 1, 128, 74 },
		{ scattered, ARRAY_SIZE(scattered), 0, CP, 75 },
	};
	unsigned int k;
	u64 b[8];

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		make_bits(b, cases[k].init, cases[k].ninit);
		GT_ASSERT_EQ_MSG(cases[k].want, goalloc_pagebits_popcnt_range(b, cases[k].i, cases[k].n), "case %u", k);
	}
}

/* mergeSummaries of 8 chunks equals the summary of the 4096 joined pages. */
GT_CASE(pallocsum_merge_test)
{
	u64 (*bits)[GOALLOC_PALLOC_CHUNK_WORDS] = GT_ZALLOC(8 * sizeof(*bits));
	u64 *all = GT_ZALLOC(8 * GOALLOC_PALLOC_CHUNK_WORDS * sizeof(*all));
	u64 seed = gt_seed(), sums[8];
	unsigned long s, m, e;
	unsigned int k, c, w;

	GT_ASSERT_NOT_NULL(bits);
	GT_ASSERT_NOT_NULL(all);
	for (k = 0; k < GT_PICK(3000, 100); k++) {
		for (c = 0; c < 8; c++) {
			unsigned int kind = gt_rand(&seed) % 4;

			for (w = 0; w < 8; w++) {
				u64 x = gt_rand(&seed) | gt_rand(&seed);

				bits[c][w] = kind == 0 ? 0 : kind == 1 ? ~0ULL : x;
				if (kind == 3 && gt_rand(&seed) % 3 == 0)
					bits[c][w] = 0;
			}
			sums[c] = goalloc_pallocbits_summarize(bits[c]);
			memcpy(&all[c * 8], bits[c], sizeof(bits[c]));
		}
		naive_runs_bits(all, 8 * CP, &s, &m, &e);
		GT_ASSERT_EQ_MSG(goalloc_pallocsum_pack(s, m, e),
				 goalloc_pallocsum_merge(sums, 8, 9), "iteration %u", k);
	}
}

/* Go's TestPallocBitsSummarizeRandom and the benchmark's word patterns. */
GT_CASE(pallocbits_summarize_random_test)
{
	static const u64 patterns[] = {
		0, ~0ULL, 0xaa, 0xaaaaaaaaaaaaaaaa, 0x80000000aaaaaaaa,
		0xaaaaaaaa00000001, 0xbbbbbbbbbbbbbbbb, 0x80000000bbbbbbbb,
		0xbbbbbbbb00000001, 0xcccccccccccccccc, 0x4444444444444444,
		0x4040404040404040, 0x4000400040004000, 0x1000404044ccaaff,
	};
	u64 seed = gt_seed(), b[GOALLOC_PALLOC_CHUNK_WORDS];
	unsigned int k, w;

	for (k = 0; k < ARRAY_SIZE(patterns); k++) {
		for (w = 0; w < GOALLOC_PALLOC_CHUNK_WORDS; w++)
			b[w] = patterns[k];
		GT_ASSERT_EQ_MSG(summarize_slow(b), goalloc_pallocbits_summarize(b),
				 "pattern %#llx", (unsigned long long)patterns[k]);
	}
	/* One word not full among full ones (what large spans leave). */
	for (k = 0; k < ARRAY_SIZE(patterns); k++) {
		for (w = 0; w < GOALLOC_PALLOC_CHUNK_WORDS; w++) {
			memset(b, 0xff, sizeof(b));
			b[w] = patterns[k];
			GT_ASSERT_EQ_MSG(summarize_slow(b), goalloc_pallocbits_summarize(b),
					 "pattern %#llx in word %u",
					 (unsigned long long)patterns[k], w);
			b[w] = ~patterns[k];
			GT_ASSERT_EQ_MSG(summarize_slow(b), goalloc_pallocbits_summarize(b),
					 "pattern ~%#llx in word %u",
					 (unsigned long long)patterns[k], w);
		}
	}
	/* Random words (sparse, dense, mixed) with long runs. */
	for (k = 0; k < GT_PICK(30000, 300); k++) {
		for (w = 0; w < GOALLOC_PALLOC_CHUNK_WORDS; w++) {
			u64 x = gt_rand(&seed);

			if (k % 3 == 1)
				x &= gt_rand(&seed) & gt_rand(&seed);
			else if (k % 3 == 2)
				x |= gt_rand(&seed) | gt_rand(&seed);
			if (gt_rand(&seed) % 8 == 0)
				x = gt_rand(&seed) & 1 ? 0 : ~0ULL;
			b[w] = x;
		}
		GT_ASSERT_EQ_MSG(summarize_slow(b), goalloc_pallocbits_summarize(b),
				 "iteration %u", k);
	}
}

struct sum_case {
	const char *name;
	struct bit_range free[3];	/* free pages */
	unsigned int nfree, s, m, e;
};

/* Go's TestPallocBitsSummarize. */
static const struct sum_case sum_cases[] = {
	{ "NoneFree", {}, 0, 0, 0, 0 },
	{ "OnlyStart", { { 0, 10 } }, 1, 10, 10, 0 },
	{ "OnlyEnd", { { CP - 40, 40 } }, 1, 0, 40, 40 },
	{ "StartAndEnd", { { 0, 11 }, { CP - 23, 23 } }, 2, 11, 23, 23 },
	{ "StartMaxEnd", { { 0, 4 }, { 50, 100 }, { CP - 4, 4 } }, 3, 4, 100, 4 },
	{ "OnlyMax", { { 1, 20 }, { 35, 241 }, { CP - 50, 30 } }, 3, 0, 241, 0 },
	{ "MultiMax", { { 35, 2 }, { 40, 5 }, { 100, 5 } }, 3, 0, 5, 0 },
	{ "One", { { 2, 1 } }, 1, 0, 1, 0 },
	{ "AllFree", { { 0, CP } }, 1, CP, CP, CP },
};

GT_PARAM_CASE_DESC(pallocbits_summarize_test, sum_cases, name)
{
	u64 b[GOALLOC_PALLOC_CHUNK_WORDS];

	make_bits(b, param->free, param->nfree);
	invert_bits(b);
	GT_EXPECT_EQ(goalloc_pallocbits_summarize(b),
		     goalloc_pallocsum_pack(param->s, param->m, param->e));
}

struct find_case {
	const char *name;
	struct bit_range before[3], after[3];
	unsigned int nbefore, nafter, npages, hits[6], nhits;
};

/* Go's TestPallocBitsAlloc: repeated first fits from index 0. */
static const struct find_case find_cases[] = {
	{ "AllFree1", {}, { { 0, 6 } }, 0, 1, 1, { 0, 1, 2, 3, 4, 5 }, 6 },
	{ "AllFree2", {}, { { 0, 12 } }, 0, 1, 2, { 0, 2, 4, 6, 8, 10 }, 6 },
	{ "AllFree5", {}, { { 0, 25 } }, 0, 1, 5, { 0, 5, 10, 15, 20 }, 5 },
	{ "AllFree64", {}, { { 0, 192 } }, 0, 1, 64, { 0, 64, 128 }, 3 },
	{ "AllFree65", {}, { { 0, 195 } }, 0, 1, 65, { 0, 65, 130 }, 3 },
	{ "SomeFree64", { { 0, 32 }, { 64, 32 }, { 100, CP - 100 } },
	  { { 0, 32 }, { 64, 32 }, { 100, CP - 100 } }, 3, 3, 64, { ~0U }, 1 },
	{ "NoneFree1", { { 0, CP } }, { { 0, CP } }, 1, 1, 1, { ~0U, ~0U }, 2 },
	{ "NoneFree2", { { 0, CP } }, { { 0, CP } }, 1, 1, 2, { ~0U, ~0U }, 2 },
	{ "NoneFree5", { { 0, CP } }, { { 0, CP } }, 1, 1, 5, { ~0U, ~0U }, 2 },
	{ "NoneFree65", { { 0, CP } }, { { 0, CP } }, 1, 1, 65, { ~0U, ~0U }, 2 },
	{ "ExactFit1", { { 0, CP / 2 - 3 }, { CP / 2 - 2, CP / 2 + 2 } },
	  { { 0, CP } }, 2, 1, 1, { CP / 2 - 3, ~0U }, 2 },
	{ "ExactFit2", { { 0, CP / 2 - 3 }, { CP / 2 - 1, CP / 2 + 1 } },
	  { { 0, CP } }, 2, 1, 2, { CP / 2 - 3, ~0U }, 2 },
	{ "ExactFit5", { { 0, CP / 2 - 3 }, { CP / 2 + 2, CP / 2 - 2 } },
	  { { 0, CP } }, 2, 1, 5, { CP / 2 - 3, ~0U }, 2 },
	{ "ExactFit65", { { 0, CP / 2 - 31 }, { CP / 2 + 34, CP / 2 - 34 } },
	  { { 0, CP } }, 2, 1, 65, { CP / 2 - 31, ~0U }, 2 },
	{ "SomeFree161", { { 0, 185 }, { 331, 1 } }, { { 0, 185 }, { 331, 162 } },
	  2, 2, 161, { 332 }, 1 },
};

GT_PARAM_CASE_DESC(pallocbits_find_test, find_cases, name)
{
	u64 b[GOALLOC_PALLOC_CHUNK_WORDS], want[GOALLOC_PALLOC_CHUNK_WORDS];
	unsigned int h, got, sidx;

	make_bits(b, param->before, param->nbefore);
	for (h = 0; h < param->nhits; h++) {
		got = goalloc_pallocbits_find(b, param->npages, 0, &sidx);
		GT_ASSERT_EQ_MSG(got, param->hits[h], "hit %u", h);
		if (got != GOALLOC_PALLOC_NOT_FOUND)
			goalloc_pagebits_set_range(b, got, param->npages);
	}
	make_bits(want, param->after, param->nafter);
	GT_ASSERT_MEMEQ_MSG(b, want, sizeof(b), "bitmap after");
}

/* Go's TestPallocBitsFree (ranges are the *free* pages). */
GT_CASE(pallocbits_free_test)
{
	static const struct {
		struct bit_range before[3], after[3];
		unsigned int nbefore, nafter, npages, frees[6], nfrees;
	} cases[] = {
		{ { { 0, 32 }, { 64, 32 }, { 100, 1 } }, { { 0, 33 }, { 64, 32 }, { 100, 1 } },
		  3, 3, 1, { 32 }, 1 },
		{ {}, { { 0, 6 } }, 0, 1, 1, { 0, 1, 2, 3, 4, 5 }, 6 },
		{ {}, { { 0, 12 } }, 0, 1, 2, { 0, 2, 4, 6, 8, 10 }, 6 },
		{ {}, { { 0, 25 } }, 0, 1, 5, { 0, 5, 10, 15, 20 }, 5 },
		{ {}, { { 0, 192 } }, 0, 1, 64, { 0, 64, 128 }, 3 },
		{ {}, { { 0, 195 } }, 0, 1, 65, { 0, 65, 130 }, 3 },
	};
	unsigned int k, f, w;
	u64 b[8], want[8];

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		make_bits(b, cases[k].before, cases[k].nbefore);
		invert_bits(b);
		for (f = 0; f < cases[k].nfrees; f++)
			goalloc_pagebits_clear_range(b, cases[k].frees[f], cases[k].npages);
		make_bits(want, cases[k].after, cases[k].nafter);
		invert_bits(want);
		for (w = 0; w < 8; w++)
			GT_ASSERT_EQ_MSG(want[w], b[w], "case %u word %u", k, w);
	}
}

static unsigned int naive_bit_range64(u64 c, unsigned int n)
{
	unsigned int i, k;

	for (i = 0; i + n <= 64; i++) {
		for (k = 0; k < n && ((c >> (i + k)) & 1); k++)
			;
		if (k == n)
			return i;
	}
	return 64;
}

/* Go's TestFindBitRange64, plus random words against a naive scan. */
GT_CASE(find_bit_range64_test)
{
	static const struct {
		u64 x;
		unsigned int n, want;
	} cases[] = {
		{ 0x8000000000000000, 1, 63 },
		{ 0xc000010001010000, 2, 62 },
		{ 0xc000010001030000, 2, 16 },
		{ 0xe000030001030000, 3, 61 },
		{ 0xe000030001070000, 3, 16 },
		{ 0xffff03ff01070000, 16, 48 },
		{ 0xffff03ff0107ffff, 16, 0 },
		{ 0x0fff03ff01079fff, 16, ~0U },
	};
	u64 seed = gt_seed();
	unsigned int k, n, got;

	for (n = 1; n <= 64; n++) {
		GT_ASSERT_EQ(0, goalloc_find_bit_range64(~0ULL, n));
		GT_ASSERT_LE(64, goalloc_find_bit_range64(0, n));
	}
	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		unsigned int want = cases[k].want;

		if (want == ~0U)
			want = 64;
		got = goalloc_find_bit_range64(cases[k].x, cases[k].n);
		GT_ASSERT_EQ_MSG(want, min(got, 64U), "case %u", k);
	}
	for (k = 0; k < GT_PICK(200000, 2000); k++) {
		u64 x = gt_rand(&seed);

		if (k & 1)
			x |= gt_rand(&seed) | gt_rand(&seed);
		n = 1 + gt_rand(&seed) % (k & 2 ? 64 : 12);
		got = goalloc_find_bit_range64(x, n);
		GT_ASSERT_EQ_MSG(naive_bit_range64(x, n), got < 64 ? got : 64, "x=%#llx n=%u",
				 (unsigned long long)x, n);
	}
}

/* pallocbits find with hints: first fit at or after the hint's word. */
GT_CASE(pallocbits_find_random_test)
{
	u64 seed = gt_seed();
	unsigned int k, w, n, sidx, got, want, first, i, run;
	u64 b[8];

	for (k = 0; k < GT_PICK(20000, 500); k++) {
		unsigned int hint = gt_rand(&seed) % CP;

		for (w = 0; w < 8; w++)
			b[w] = gt_rand(&seed) | gt_rand(&seed) |
			       (k & 1 ? gt_rand(&seed) : 0);
		if (k % 5 == 0)
			goalloc_pagebits_clear_range(b, gt_rand(&seed) % 400,
						     1 + gt_rand(&seed) % 100);
		/* Pages below the hint are in use, as the allocator guarantees. */
		if (hint)
			goalloc_pagebits_set_range(b, 0, hint);
		n = 1 + gt_rand(&seed) % (k & 2 ? 130 : 10);
		want = ~0U;
		first = ~0U;
		for (i = 0, run = 0; i < CP; i++) {
			if (goalloc_pagebits_get(b, i)) {
				run = 0;
				continue;
			}
			if (first == ~0U)
				first = i;
			if (++run == n) {
				want = i + 1 - n;
				break;
			}
		}
		got = goalloc_pallocbits_find(b, n, hint, &sidx);
		GT_ASSERT_EQ_MSG(want, got, "iteration %u n %u hint %u", k, n, hint);
		if (got != ~0U) {
			/* The new hint is a free page no later than the fit. */
			GT_ASSERT_EQ(first, sidx);
		}
	}
}

/* ------------------------------------------------------------ page alloc */

struct pa_hit {
	unsigned long npages, base, scav;
};

#define HITS(...)	((const struct pa_hit[]){ __VA_ARGS__, { 0, 0, 0 } })

struct pa_alloc_case {
	const char *name;
	unsigned long need_chunks;
	const struct pa_range *before, *scav, *after;
	const struct pa_hit *hits;
};

/* Go's TestPageAllocAlloc; scav counts are in pages. */
static const struct pa_alloc_case alloc_cases[] = {
	{ "AllFree1", 0, RANGES({ 0, 0, 0 }), RANGES({ 0, 0, 1 }, { 0, 2, 2 }),
	  RANGES({ 0, 0, 5 }),
	  HITS({ 1, PB(0, 0), 1 }, { 1, PB(0, 1), 0 }, { 1, PB(0, 2), 1 },
	       { 1, PB(0, 3), 1 }, { 1, PB(0, 4), 0 }) },
	{ "ManyArena1", 0, RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP - 1 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }),
	  HITS({ 1, PB(2, CP - 1), 1 }) },
	{ "NotContiguous1", 0, RANGES({ 0, 0, CP }, { 0xff, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 0xff, 0, CP }),
	  RANGES({ 0, 0, CP }, { 0xff, 0, 1 }),
	  HITS({ 1, PB(0xff, 0), 1 }) },
	{ "AllFree2", 0, RANGES({ 0, 0, 0 }), RANGES({ 0, 0, 3 }, { 0, 7, 1 }),
	  RANGES({ 0, 0, 10 }),
	  HITS({ 2, PB(0, 0), 2 }, { 2, PB(0, 2), 1 }, { 2, PB(0, 4), 0 },
	       { 2, PB(0, 6), 1 }, { 2, PB(0, 8), 0 }) },
	{ "Straddle2", 0, RANGES({ 0, 0, CP - 1 }, { 1, 1, CP - 1 }),
	  RANGES({ 0, CP - 1, 1 }, { 1, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  HITS({ 2, PB(0, CP - 1), 1 }) },
	{ "AllFree5", 0, RANGES({ 0, 0, 0 }), RANGES({ 0, 0, 8 }, { 0, 9, 1 }, { 0, 17, 5 }),
	  RANGES({ 0, 0, 25 }),
	  HITS({ 5, PB(0, 0), 5 }, { 5, PB(0, 5), 4 }, { 5, PB(0, 10), 0 },
	       { 5, PB(0, 15), 3 }, { 5, PB(0, 20), 2 }) },
	{ "AllFree64", 0, RANGES({ 0, 0, 0 }), RANGES({ 0, 21, 1 }, { 0, 63, 65 }),
	  RANGES({ 0, 0, 192 }),
	  HITS({ 64, PB(0, 0), 2 }, { 64, PB(0, 64), 64 }, { 64, PB(0, 128), 0 }) },
	{ "AllFree65", 0, RANGES({ 0, 0, 0 }), RANGES({ 0, 129, 1 }),
	  RANGES({ 0, 0, 195 }),
	  HITS({ 65, PB(0, 0), 0 }, { 65, PB(0, 65), 1 }, { 65, PB(0, 130), 0 }) },
	{ "ExhaustPallocChunkPages-3", 0, RANGES({ 0, 0, 0 }), RANGES({ 0, 10, 1 }),
	  RANGES({ 0, 0, CP }),
	  HITS({ CP - 3, PB(0, 0), 1 }, { CP - 3, NONE, 0 }, { 1, PB(0, CP - 3), 0 },
	       { 2, PB(0, CP - 2), 0 }, { 1, NONE, 0 }, { CP - 3, NONE, 0 }) },
	{ "AllFreePallocChunkPages", 0, RANGES({ 0, 0, 0 }),
	  RANGES({ 0, 0, 1 }, { 0, CP - 1, 1 }), RANGES({ 0, 0, CP }),
	  HITS({ CP, PB(0, 0), 2 }, { CP, NONE, 0 }, { 1, NONE, 0 }) },
	{ "StraddlePallocChunkPages", 0, RANGES({ 0, 0, CP / 2 }, { 1, CP / 2, CP / 2 }),
	  RANGES({ 0, 0, 0 }, { 1, 3, 100 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  HITS({ CP, PB(0, CP / 2), 100 }, { CP, NONE, 0 }, { 1, NONE, 0 }) },
	{ "StraddlePallocChunkPages+1", 0, RANGES({ 0, 0, CP / 2 }, { 1, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP / 2 + 2 }),
	  HITS({ CP + 1, PB(0, CP / 2), CP + 1 }, { CP, NONE, 0 },
	       { 1, PB(1, CP / 2 + 1), 1 }) },
	{ "AllFreePallocChunkPages*2", 0, RANGES({ 0, 0, 0 }, { 1, 0, 0 }),
	  RANGES({ 0, 0, 0 }, { 1, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  HITS({ CP * 2, PB(0, 0), 0 }, { CP * 2, NONE, 0 }, { 1, NONE, 0 }) },
	{ "NotContiguousPallocChunkPages*2", 0,
	  RANGES({ 0, 0, 0 }, { 0x40, 0, 0 }, { 0x41, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 0x40, 0, 0 }, { 0x41, 0, 0 }),
	  RANGES({ 0, 0, 22 }, { 0x40, 0, CP }, { 0x41, 0, CP }),
	  HITS({ CP * 2, PB(0x40, 0), 0 }, { 21, PB(0, 0), 21 }, { 1, PB(0, 21), 1 }) },
	{ "StraddlePallocChunkPages*2", 0,
	  RANGES({ 0, 0, CP / 2 }, { 1, 0, 0 }, { 2, CP / 2, CP / 2 }),
	  RANGES({ 0, 0, 7 }, { 1, 3, 5 }, { 1, 121, 10 }, { 2, CP / 2 + 12, 2 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }),
	  HITS({ CP * 2, PB(0, CP / 2), 15 }, { CP * 2, NONE, 0 }, { 1, NONE, 0 }) },
	{ "StraddlePallocChunkPages*5/4", 0,
	  RANGES({ 0, 0, CP }, { 1, 0, CP * 3 / 4 }, { 2, 0, CP * 3 / 4 }, { 3, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 1, CP / 2, CP / 4 + 1 }, { 2, CP / 3, 1 },
		 { 3, CP * 2 / 3, 1 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP * 3 / 4 + 1 }, { 2, 0, CP }, { 3, 0, CP }),
	  HITS({ CP * 5 / 4, PB(2, CP * 3 / 4), 1 }, { CP * 5 / 4, NONE, 0 },
	       { 1, PB(1, CP * 3 / 4), 1 }) },
	{ "AllFreePallocChunkPages*7+5", 0,
	  RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }, { 4, 0, 0 },
		 { 5, 0, 0 }, { 6, 0, 0 }, { 7, 0, 0 }),
	  RANGES({ 0, 50, 1 }, { 1, 31, 1 }, { 2, 7, 1 }, { 3, 200, 1 }, { 4, 3, 1 },
		 { 5, 51, 1 }, { 6, 20, 1 }, { 7, 1, 1 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }, { 3, 0, CP }, { 4, 0, CP },
		 { 5, 0, CP }, { 6, 0, CP }, { 7, 0, 6 }),
	  HITS({ CP * 7 + 5, PB(0, 0), 8 }, { CP * 7 + 5, NONE, 0 }, { 1, PB(7, 5), 0 }) },
	/* Free chunks far apart (Go's DiscontiguousMappedSumBoundary). */
	{ "DiscontiguousSumBoundary", BASE + JUMP + 1,
	  RANGES({ 508, 0, 0 }, { JUMP, 0, 0 }), RANGES({ 508, 0, 0 }, { JUMP, 0, 0 }),
	  RANGES({ 508, 0, CP }, { JUMP, 0, CP }),
	  HITS({ CP - 1, PB(508, 0), 0 }, { 1, PB(508, CP - 1), 0 },
	       { 1, PB(JUMP, 0), 0 }, { CP - 1, PB(JUMP, 1), 0 }, { 1, NONE, 0 }) },
	/*
	 * Go's DiscontiguousBadSearchAddr (issue 40191): the search address
	 * that find estimates lands in slots that were never grown.
	 */
	{ "DiscontiguousBadSearchAddr", BASE + 2 * JUMP + 1,
	  RANGES({ 0, 0, CP - 1 }, { JUMP + 0x503, 0, CP - 10 },
		 { JUMP + 0x503, CP - 1, 1 }, { 2 * JUMP, 0, 0 }),
	  RANGES({ 0, 0, 0 }, { JUMP + 0x503, 0, 0 }, { 2 * JUMP, 0, 0 }),
	  RANGES({ 0, 0, CP }, { JUMP + 0x503, 0, CP }, { 2 * JUMP, 0, 100 }),
	  HITS({ 1, PB(0, CP - 1), 0 }, { 100, PB(2 * JUMP, 0), 0 },
	       { 9, PB(JUMP + 0x503, CP - 10), 0 }) },
};

GT_PARAM_CASE_DESC(pagealloc_alloc_test, alloc_cases, name)
{
	struct goalloc_pagealloc *got, *want;
	unsigned long base, scav;
	unsigned int s, h;
	bool ran = false;

	for (s = 0; s < ARRAY_SIZE(pa_shapes); s++) {
		if (!pa_test_shape(param->need_chunks, s, &ran))
			continue;
		got = pa_test_new(GT_ARG, pa_shapes[s], param->before, param->scav);
		for (h = 0; param->hits[h].npages; h++) {
			scav = ~0UL;
			base = goalloc_pagealloc_alloc(got, param->hits[h].npages, &scav);
			GT_ASSERT_EQ_MSG(base, param->hits[h].base, "shape %lu: alloc #%u",
					 pa_shapes[s], h + 1);
			GT_ASSERT_EQ_MSG(scav, param->hits[h].scav, "shape %lu: alloc #%u scav",
					 pa_shapes[s], h + 1);
			pa_test_consistent(GT_ARG, got);
		}
		want = pa_test_new(GT_ARG, pa_shapes[s], param->after, param->scav);
		pa_test_same(GT_ARG, want, got);
	}
}

static const unsigned long exhaust_sizes[] = {
	1, 2, 3, 4, 5, 8, 16, 64, 1024, 1025, 2048, 2049,
};

static void exhaust_desc(const unsigned long *npages, char *desc)
{
	snprintf(desc, GT_PARAM_DESC_SIZE, "npages_%lu", *npages);
}

/* Go's TestPageAllocExhaust: four chunks, fixed-size allocations. */
GT_PARAM_CASE(pagealloc_exhaust_test, exhaust_sizes, exhaust_desc)
{
	unsigned long npages = *param;
	unsigned long n = 4 * CP / npages, left = n * npages, i, take;
	struct goalloc_pagealloc *got, *want;
	struct pa_range after[5];
	unsigned int c;

	got = pa_test_new(GT_ARG, pa_shapes[0],
			  RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }), NULL);
	for (i = 0; i < n; i++)
		GT_ASSERT_EQ_MSG(goalloc_pagealloc_alloc(got, npages, NULL), PB(0, i * npages),
				 "alloc #%lu", i + 1);
	GT_ASSERT_EQ(goalloc_pagealloc_alloc(got, npages, NULL), NONE);
	for (c = 0; c < 4; c++) {
		take = min_t(unsigned long, left, CP);
		after[c] = (struct pa_range){ c, 0, take };
		left -= take;
	}
	after[4] = (struct pa_range){ -1, 0, 0 };
	want = pa_test_new(GT_ARG, pa_shapes[0], after, NULL);
	pa_test_same(GT_ARG, want, got);
	/* What is left is one run at the end. */
	GT_EXPECT_EQ(goalloc_pagealloc_largest_free(got), 4 * CP - n * npages);
}

struct pa_free_case {
	const char *name;
	unsigned long npages;
	const struct pa_range *before, *after;
	const unsigned long *frees;	/* ends with NONE */
};

#define FREES(...)	((const unsigned long[]){ __VA_ARGS__, NONE })

/* Go's TestPageAllocFree. */
static const struct pa_free_case free_cases[] = {
	{ "Free1", 1, RANGES({ 0, 0, CP }), RANGES({ 0, 5, CP - 5 }),
	  FREES(PB(0, 0), PB(0, 1), PB(0, 2), PB(0, 3), PB(0, 4)) },
	{ "ManyArena1", 1, RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }),
	  RANGES({ 0, 0, CP / 2 }, { 0, CP / 2 + 1, CP / 2 - 1 }, { 1, 1, CP - 1 },
		 { 2, 0, CP - 1 }),
	  FREES(PB(0, CP / 2), PB(1, 0), PB(2, CP - 1)) },
	{ "Free2", 2, RANGES({ 0, 0, CP }), RANGES({ 0, 10, CP - 10 }),
	  FREES(PB(0, 0), PB(0, 2), PB(0, 4), PB(0, 6), PB(0, 8)) },
	{ "Straddle2", 2, RANGES({ 0, CP - 1, 1 }, { 1, 0, 1 }),
	  RANGES({ 0, 0, 0 }, { 1, 0, 0 }), FREES(PB(0, CP - 1)) },
	{ "Free5", 5, RANGES({ 0, 0, CP }), RANGES({ 0, 25, CP - 25 }),
	  FREES(PB(0, 0), PB(0, 5), PB(0, 10), PB(0, 15), PB(0, 20)) },
	{ "Free64", 64, RANGES({ 0, 0, CP }), RANGES({ 0, 192, CP - 192 }),
	  FREES(PB(0, 0), PB(0, 64), PB(0, 128)) },
	{ "Free65", 65, RANGES({ 0, 0, CP }), RANGES({ 0, 195, CP - 195 }),
	  FREES(PB(0, 0), PB(0, 65), PB(0, 130)) },
	{ "FreePallocChunkPages", CP, RANGES({ 0, 0, CP }), RANGES({ 0, 0, 0 }),
	  FREES(PB(0, 0)) },
	{ "StraddlePallocChunkPages", CP, RANGES({ 0, CP / 2, CP / 2 }, { 1, 0, CP / 2 }),
	  RANGES({ 0, 0, 0 }, { 1, 0, 0 }), FREES(PB(0, CP / 2)) },
	{ "StraddlePallocChunkPages+1", CP + 1, RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  RANGES({ 0, 0, CP / 2 }, { 1, CP / 2 + 1, CP / 2 - 1 }), FREES(PB(0, CP / 2)) },
	{ "FreePallocChunkPages*2", CP * 2, RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  RANGES({ 0, 0, 0 }, { 1, 0, 0 }), FREES(PB(0, 0)) },
	{ "StraddlePallocChunkPages*2", CP * 2,
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }),
	  RANGES({ 0, 0, CP / 2 }, { 1, 0, 0 }, { 2, CP / 2, CP / 2 }),
	  FREES(PB(0, CP / 2)) },
	{ "AllFreePallocChunkPages*7+5", CP * 7 + 5,
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }, { 3, 0, CP }, { 4, 0, CP },
		 { 5, 0, CP }, { 6, 0, CP }, { 7, 0, CP }),
	  RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }, { 4, 0, 0 },
		 { 5, 0, 0 }, { 6, 0, 0 }, { 7, 5, CP - 5 }),
	  FREES(PB(0, 0)) },
};

GT_PARAM_CASE_DESC(pagealloc_free_test, free_cases, name)
{
	struct goalloc_pagealloc *got, *want;
	unsigned int s, f;
	bool ran = false;

	for (s = 0; s < ARRAY_SIZE(pa_shapes); s++) {
		if (!pa_test_shape(0, s, &ran))
			continue;
		got = pa_test_new(GT_ARG, pa_shapes[s], param->before, NULL);
		for (f = 0; param->frees[f] != NONE; f++) {
			goalloc_pagealloc_free(got, param->frees[f], param->npages);
			GT_ASSERT_LE(got->search_addr, param->frees[f]);
			pa_test_consistent(GT_ARG, got);
		}
		want = pa_test_new(GT_ARG, pa_shapes[s], param->after, NULL);
		pa_test_same(GT_ARG, want, got);
	}
}

/* Go's TestPageAllocAllocAndFree ("Chunks8"). */
GT_CASE(pagealloc_alloc_and_free_test)
{
	static const struct {
		bool alloc;
		unsigned long npages;
	} hits[] = {
		{ true, CP * 8 }, { false, CP * 8 }, { true, CP * 8 }, { false, CP * 8 },
		{ true, CP * 8 }, { false, CP * 8 }, { true, 1 }, { false, 1 },
		{ true, CP * 8 },
	};
	struct goalloc_pagealloc *p;
	unsigned int s, k;
	bool ran = false;

	for (s = 0; s < ARRAY_SIZE(pa_shapes); s++) {
		if (!pa_test_shape(0, s, &ran))
			continue;
		p = pa_test_new(GT_ARG, pa_shapes[s],
				RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 },
				       { 4, 0, 0 }, { 5, 0, 0 }, { 6, 0, 0 }, { 7, 0, 0 }), NULL);
		for (k = 0; k < ARRAY_SIZE(hits); k++) {
			if (hits[k].alloc)
				GT_ASSERT_EQ_MSG(goalloc_pagealloc_alloc(p, hits[k].npages, NULL),
						 PB(0, 0), "hit %u", k);
			else
				goalloc_pagealloc_free(p, PB(0, 0), hits[k].npages);
			pa_test_consistent(GT_ARG, p);
		}
		GT_EXPECT_EQ(p->free_pages, 0);
	}
}

/* grow, release, regrow and the chunk-level queries. */
GT_CASE(pagealloc_grow_release_test)
{
	struct goalloc_pagealloc *p, *bad = GT_ZALLOC(sizeof(*bad));
	unsigned long base, scav;

	GT_ASSERT_NOT_NULL(bad);
	GT_EXPECT_EQ(goalloc_pagealloc_init(bad, 0), -EINVAL);
	GT_EXPECT_EQ(goalloc_pagealloc_init(bad, GOALLOC_PAGEALLOC_MAX_CHUNKS + 1), -EINVAL);
	p = pa_test_init(GT_ARG, 64);
	GT_EXPECT_EQ(p->nlevels, 2);
	GT_EXPECT_EQ(p->level_bits[0], 3);
	pa_test_consistent(GT_ARG, p);
	/* Nothing grown: everything is in use. */
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, 1, NULL), NONE);
	GT_EXPECT_EQ(goalloc_pagealloc_largest_free(p), 0);
	GT_EXPECT_EQ(goalloc_pagealloc_find_free_chunk(p), GOALLOC_NO_CHUNK);

	GT_ASSERT_EQ(goalloc_pagealloc_grow(p, 9), 0);
	GT_EXPECT_EQ(goalloc_pagealloc_grow(p, 9), -EINVAL);
	GT_EXPECT_EQ(goalloc_pagealloc_grow(p, 64), -EINVAL);
	GT_ASSERT_EQ(goalloc_pagealloc_grow(p, 10), 0);
	GT_EXPECT_EQ(p->search_addr, 9 * CP);
	GT_EXPECT_EQ(p->free_pages, 2 * CP);
	GT_EXPECT_EQ(p->nr_chunks, 2);
	GT_EXPECT_EQ(goalloc_pagealloc_largest_free(p), 2 * CP);
	GT_EXPECT_EQ(goalloc_pagealloc_find_free_chunk(p), 10);
	pa_test_consistent(GT_ARG, p);

	base = goalloc_pagealloc_alloc(p, 3, &scav);
	GT_ASSERT_EQ(base, 9 * CP);
	GT_EXPECT_EQ(scav, 0);
	GT_EXPECT_FALSE(goalloc_pagealloc_release_chunk(p, 9));	/* in use */
	GT_EXPECT_FALSE(goalloc_pagealloc_release_chunk(p, 11));	/* absent */
	GT_ASSERT_TRUE(goalloc_pagealloc_release_chunk(p, 10));
	GT_EXPECT_FALSE(goalloc_pagealloc_release_chunk(p, 10));	/* already */
	GT_EXPECT_EQ(p->nr_released, 1);
	GT_EXPECT_EQ(p->scav_pages, CP);
	GT_EXPECT_EQ(p->free_pages, CP - 3);
	GT_EXPECT_EQ(goalloc_pagealloc_largest_free(p), CP - 3);
	GT_EXPECT_EQ(goalloc_pagealloc_find_free_chunk(p), GOALLOC_NO_CHUNK);
	GT_EXPECT_EQ(goalloc_pagealloc_find_released(p), 10);
	pa_test_consistent(GT_ARG, p);
	/* A released slot can't be allocated from, grown or regrown twice. */
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, CP, NULL), NONE);
	GT_EXPECT_EQ(goalloc_pagealloc_grow(p, 10), -EINVAL);
	GT_EXPECT_EQ(goalloc_pagealloc_regrow_chunk(p, 9), -EINVAL);
	pa_test_consistent(GT_ARG, p);

	goalloc_pagealloc_free(p, base, 3);
	GT_ASSERT_TRUE(goalloc_pagealloc_release_chunk(p, 9));
	GT_EXPECT_EQ(p->free_pages, 0);
	GT_EXPECT_EQ(p->scav_pages, 2 * CP);
	GT_EXPECT_EQ(goalloc_pagealloc_find_released(p), 9);
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, 1, NULL), NONE);
	GT_EXPECT_EQ(p->search_addr, NONE);
	pa_test_consistent(GT_ARG, p);

	GT_ASSERT_EQ(goalloc_pagealloc_regrow_chunk(p, 10), 0);
	GT_EXPECT_EQ(p->search_addr, 10 * CP);
	GT_EXPECT_EQ(p->scav_pages, CP);
	GT_EXPECT_EQ(goalloc_pagealloc_find_released(p), 9);
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, CP, &scav), 10 * CP);
	GT_EXPECT_EQ(scav, 0);
	GT_ASSERT_EQ(goalloc_pagealloc_regrow_chunk(p, 9), 0);
	GT_EXPECT_EQ(goalloc_pagealloc_find_released(p), GOALLOC_NO_CHUNK);
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, 1, NULL), 9 * CP);
	GT_EXPECT_EQ(p->scav_pages, 0);
	pa_test_consistent(GT_ARG, p);
}

/*
 * goalloc's heap (ownership): pages become free as the heap gets them, one
 * run at a time; pages it does not own are in use and scavenged; the
 * scavenger finds free runs from the top down; a chunk that owns nothing
 * is released, and its slot can own pages again.
 */
GT_CASE(pagealloc_ownership_test)
{
	struct goalloc_pagealloc *p = pa_test_init(GT_ARG, 64);
	unsigned long n = 0, base;

	p->disjoint = true;
	p->ownership = true;
	GT_EXPECT_EQ(goalloc_pagealloc_find_scavenge(p, 8, &n), NONE);
	GT_ASSERT_EQ(goalloc_pagealloc_own(p, 5 * CP + 16, 8), 0);
	GT_EXPECT_EQ(p->nr_chunks, 1);
	GT_EXPECT_EQ(p->free_pages, 8);
	GT_EXPECT_EQ(p->scav_pages, CP - 8);
	/* Owned already, or across the chunk's end: refused, nothing changes. */
	GT_EXPECT_EQ(goalloc_pagealloc_own(p, 5 * CP + 20, 8), -EINVAL);
	GT_EXPECT_EQ(goalloc_pagealloc_own(p, 5 * CP + CP - 2, 4), -EINVAL);
	GT_EXPECT_EQ(p->free_pages, 8);
	GT_ASSERT_EQ(goalloc_pagealloc_own(p, 7 * CP, 4), 0);
	GT_EXPECT_EQ(p->nr_chunks, 2);
	pa_test_consistent(GT_ARG, p);

	/* Only owned pages are handed out. */
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, 9, NULL), NONE);
	base = goalloc_pagealloc_alloc(p, 8, NULL);
	GT_EXPECT_EQ(base, 5 * CP + 16);

	/* The scavenger starts at the top: chunk 7 first, its top pages first. */
	GT_EXPECT_EQ(goalloc_pagealloc_find_scavenge(p, 16, &n), 7 * CP);
	GT_EXPECT_EQ(n, 4);
	GT_EXPECT_EQ(goalloc_pagealloc_find_scavenge(p, 3, &n), 7 * CP + 1);
	GT_EXPECT_EQ(n, 3);
	GT_EXPECT_FALSE(goalloc_pagealloc_disown(p, 7 * CP + 1, 3));
	GT_EXPECT_EQ(p->scav_pages, 2 * CP - 8 - 4 + 3);
	GT_EXPECT_TRUE(goalloc_pagealloc_disown(p, 7 * CP, 1));
	GT_EXPECT_EQ(p->nr_chunks, 1);
	GT_EXPECT_EQ(p->nr_released, 1);
	GT_EXPECT_EQ(goalloc_pagealloc_find_released(p), 7);
	pa_test_consistent(GT_ARG, p);

	/* Pages in use are never scavenged. */
	GT_EXPECT_EQ(goalloc_pagealloc_find_scavenge(p, 16, &n), NONE);
	goalloc_pagealloc_free(p, base, 8);
	GT_EXPECT_EQ(goalloc_pagealloc_find_scavenge(p, 16, &n), 5 * CP + 16);
	GT_EXPECT_EQ(n, 8);
	GT_EXPECT_TRUE(goalloc_pagealloc_disown(p, 5 * CP + 16, 8));
	GT_EXPECT_EQ(p->free_pages, 0);
	GT_EXPECT_EQ(p->nr_chunks, 0);
	GT_EXPECT_EQ(p->nr_released, 2);
	GT_EXPECT_EQ(p->scav_pages, 2 * CP);
	pa_test_consistent(GT_ARG, p);

	/* A released slot owns pages again, for another frame. */
	GT_ASSERT_EQ(goalloc_pagealloc_own(p, 7 * CP + 100, 2), 0);
	GT_EXPECT_EQ(p->nr_released, 1);
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, 2, NULL), 7 * CP + 100);
	pa_test_consistent(GT_ARG, p);
}

/* 2^14 slots: root entries of 2^21 pages use the bit-63 summary form. */
GT_CASE(pagealloc_big_tree_test)
{
	unsigned long c, n = 1UL << 14, big = GOALLOC_PALLOC_SUM_MAX + 5, base;
	struct goalloc_pagealloc *p = pa_test_init(GT_ARG, n);
	const char *why;

	GT_ASSERT_EQ(p->nlevels, 5);
	GT_ASSERT_EQ(p->level_bits[0], 2);
	GT_ASSERT_EQ(p->level_log_pages[0], 21);
	for (c = 0; c < n; c++)
		GT_ASSERT_EQ(goalloc_pagealloc_grow(p, c), 0);
	for (c = 0; c < 4; c++)
		GT_EXPECT_EQ(p->summary[0][c], BIT_ULL(63));
	GT_EXPECT_EQ(goalloc_pagealloc_largest_free(p), n * CP);
	pa_test_consistent(GT_ARG, p);

	/* Straddle the first root boundary. */
	GT_ASSERT_EQ(goalloc_pagealloc_alloc(p, 3, NULL), 0);
	base = goalloc_pagealloc_alloc(p, big, NULL);
	GT_ASSERT_EQ(base, 3);
	GT_EXPECT_EQ(p->summary[0][0], 0);
	GT_EXPECT_EQ(p->summary[0][1],
		     goalloc_pallocsum_pack(0, GOALLOC_PALLOC_SUM_MAX - 8,
					    GOALLOC_PALLOC_SUM_MAX - 8));
	GT_ASSERT_EQ_MSG(goalloc_pagealloc_check(p, &why, NULL), 0, "%s", why);
	pa_test_consistent(GT_ARG, p);
	goalloc_pagealloc_free(p, 0, 3);
	goalloc_pagealloc_free(p, base, big);
	for (c = 0; c < 4; c++)
		GT_EXPECT_EQ(p->summary[0][c], BIT_ULL(63));
	/* A run of every page in the heap. */
	GT_ASSERT_EQ(goalloc_pagealloc_alloc(p, n * CP, NULL), 0);
	GT_EXPECT_EQ(p->free_pages, 0);
	goalloc_pagealloc_free(p, 0, n * CP);
	GT_ASSERT_EQ_MSG(goalloc_pagealloc_check(p, &why, NULL), 0, "%s", why);
	pa_test_consistent(GT_ARG, p);

	/* Non-power-of-two slot count: padded leaves stay in use. */
	p = pa_test_init(GT_ARG, 4097);
	GT_ASSERT_EQ(goalloc_pagealloc_grow(p, 4095), 0);
	GT_ASSERT_EQ(goalloc_pagealloc_grow(p, 4096), 0);
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, 2 * CP - 10, NULL), 4095 * CP);
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, 11, NULL), NONE);
	GT_EXPECT_EQ(goalloc_pagealloc_alloc(p, 10, NULL), 4096 * CP + CP - 10);
	pa_test_consistent(GT_ARG, p);
}

/* ------------------------------------------------------------ page cache */

struct pc_hit {
	unsigned int npages;
	unsigned long base, scav;
};

struct pc_alloc_case {
	const char *name;
	u64 cache, scav;
	struct pc_hit hits[24];		/* ends at npages 0 */
};

#define B0	PB(0, 0)

/* Go's TestPageCacheAlloc; scav counts are in pages. */
static const struct pc_alloc_case pc_alloc_cases[] = {
	{ "Empty", 0, 0, { { 1, NONE, 0 }, { 2, NONE, 0 }, { 3, NONE, 0 },
	  { 4, NONE, 0 }, { 5, NONE, 0 }, { 11, NONE, 0 }, { 12, NONE, 0 },
	  { 16, NONE, 0 }, { 27, NONE, 0 }, { 32, NONE, 0 }, { 43, NONE, 0 },
	  { 57, NONE, 0 }, { 64, NONE, 0 }, { 121, NONE, 0 } } },
	{ "Lo1", 0x1, 0x1, { { 1, B0, 1 }, { 1, NONE, 0 }, { 10, NONE, 0 } } },
	{ "Hi1", 0x1ULL << 63, 0x1, { { 1, B0 + 63, 0 }, { 1, NONE, 0 },
	  { 10, NONE, 0 } } },
	{ "Swiss1", 0x20005555, 0x5505, { { 2, NONE, 0 }, { 1, B0, 1 },
	  { 1, B0 + 2, 1 }, { 1, B0 + 4, 0 }, { 1, B0 + 6, 0 }, { 1, B0 + 8, 1 },
	  { 1, B0 + 10, 1 }, { 1, B0 + 12, 1 }, { 1, B0 + 14, 1 }, { 1, B0 + 29, 0 },
	  { 1, NONE, 0 }, { 10, NONE, 0 } } },
	{ "Lo2", 0x3, 0x2ULL << 62, { { 2, B0, 0 }, { 2, NONE, 0 }, { 1, NONE, 0 } } },
	{ "Hi2", 0x3ULL << 62, 0x3ULL << 62, { { 2, B0 + 62, 2 }, { 2, NONE, 0 },
	  { 1, NONE, 0 } } },
	{ "Swiss2", 0x3333ULL << 31, 0x3030ULL << 31, { { 2, B0 + 31, 0 },
	  { 2, B0 + 35, 2 }, { 2, B0 + 39, 0 }, { 2, B0 + 43, 2 }, { 2, NONE, 0 } } },
	{ "Hi53", ((1ULL << 53) - 1) << 10, ((1ULL << 16) - 1) << 10,
	  { { 53, B0 + 10, 16 }, { 53, NONE, 0 }, { 1, NONE, 0 } } },
	{ "Full53", ~0ULL, ((1ULL << 16) - 1) << 10, { { 53, B0, 16 },
	  { 53, NONE, 0 }, { 1, B0 + 53, 0 } } },
	{ "Full64", ~0ULL, ~0ULL, { { 64, B0, 64 }, { 64, NONE, 0 }, { 1, NONE, 0 } } },
	{ "FullMixed", ~0ULL, ~0ULL, { { 5, B0, 5 }, { 7, B0 + 5, 7 }, { 1, B0 + 12, 1 },
	  { 23, B0 + 13, 23 }, { 63, NONE, 0 }, { 3, B0 + 36, 3 }, { 3, B0 + 39, 3 },
	  { 3, B0 + 42, 3 }, { 12, B0 + 45, 12 }, { 11, NONE, 0 }, { 4, B0 + 57, 4 },
	  { 4, NONE, 0 }, { 6, NONE, 0 }, { 36, NONE, 0 }, { 2, B0 + 61, 2 },
	  { 3, NONE, 0 }, { 1, B0 + 63, 1 }, { 4, NONE, 0 }, { 2, NONE, 0 },
	  { 62, NONE, 0 }, { 1, NONE, 0 } } },
};

GT_PARAM_CASE_DESC(pagecache_alloc_test, pc_alloc_cases, name)
{
	struct goalloc_pagecache c = { B0, param->cache, param->scav };
	unsigned long base, scav;
	unsigned int h;

	for (h = 0; param->hits[h].npages; h++) {
		scav = ~0UL;
		base = goalloc_pagecache_alloc(&c, param->hits[h].npages, &scav);
		GT_ASSERT_EQ_MSG(base, param->hits[h].base, "hit %u", h);
		GT_ASSERT_EQ_MSG(scav, param->hits[h].scav, "hit %u scav", h);
	}
}

static void bits64_to_ranges(u64 bits, unsigned int base, struct pa_range *r)
{
	unsigned int i = 0, n = 0;

	r[n++] = (struct pa_range){ 0, 0, 0 };
	while (i < 64) {
		unsigned int j = i;

		while (j < 64 && ((bits >> j) & 1))
			j++;
		if (j > i)
			r[n++] = (struct pa_range){ 0, base + i, j - i };
		i = j + 1;
	}
	r[n] = (struct pa_range){ -1, 0, 0 };
}

/* Go's TestPageCacheFlush for one cache: pages and scavenged bits return. */
static void pa_test_flush_one(GT_CTX, unsigned int base, u64 cache, u64 scav)
{
	struct pa_range after[40], after_scav[40];
	struct goalloc_pagecache c = { PB(0, base), cache, scav };
	struct goalloc_pagealloc *got, *want;

	got = pa_test_new(GT_ARG, pa_shapes[0], RANGES({ 0, base, 64 }), NULL);
	goalloc_pagecache_flush(&c, got);
	GT_ASSERT_TRUE(goalloc_pagecache_empty(&c));
	GT_ASSERT_LE(got->search_addr, cache ? PB(0, base) : PB(0, 0));
	bits64_to_ranges(~cache, base, after);
	bits64_to_ranges(scav, base, after_scav);
	want = pa_test_new(GT_ARG, pa_shapes[0], after, after_scav);
	pa_test_same(GT_ARG, want, got);
}

GT_CASE(pagecache_flush_test)
{
	u64 seed = gt_seed(), cache;
	unsigned int k, base;

	pa_test_flush_one(GT_ARG, 0, 0, 0);
	pa_test_flush_one(GT_ARG, 0, ~0ULL, ~0ULL);
	for (k = 0; k < GT_PICK(100, 20); k++) {
		base = (gt_rand(&seed) % (CP / 64)) * 64;
		cache = gt_rand(&seed);
		pa_test_flush_one(GT_ARG, base, cache, gt_rand(&seed) & cache);
	}
}

struct pc_to_cache_case {
	const char *name;
	unsigned long need_chunks;
	const struct pa_range *before, *scav;
	const struct goalloc_pagecache *hits;
	unsigned int nhits;
	const struct pa_range *after, *after_scav;
};

#define CACHES(...) \
	.hits = (const struct goalloc_pagecache[]){ __VA_ARGS__ }, \
	.nhits = sizeof((const struct goalloc_pagecache[]){ __VA_ARGS__ }) / \
		 sizeof(struct goalloc_pagecache)

/* Go's TestPageAllocAllocToCache. */
static const struct pc_to_cache_case to_cache_cases[] = {
	{ "AllFree", 0, RANGES({ 0, 0, 0 }), RANGES({ 0, 1, 1 }, { 0, 64, 64 }),
	  CACHES({ PB(0, 0), ~0ULL, 0x2 }, { PB(0, 64), ~0ULL, ~0ULL },
		 { PB(0, 128), ~0ULL, 0 }, { PB(0, 192), ~0ULL, 0 }),
	  RANGES({ 0, 0, 256 }), NULL },
	{ "ManyArena", 0, RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP - 64 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, 0 }),
	  CACHES({ PB(2, CP - 64), ~0ULL, 0 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }), NULL },
	{ "NotContiguous", 0, RANGES({ 0, 0, CP }, { 0xff, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 0xff, 31, 67 }),
	  CACHES({ PB(0xff, 0), ~0ULL, ((1ULL << 33) - 1) << 31 }),
	  RANGES({ 0, 0, CP }, { 0xff, 0, 64 }),
	  RANGES({ 0, 0, CP }, { 0xff, 64, 34 }) },
	{ "First", 0, RANGES({ 0, 0, 32 }, { 0, 33, 31 }, { 0, 96, 32 }),
	  RANGES({ 0, 1, 4 }, { 0, 31, 5 }, { 0, 66, 2 }),
	  CACHES({ PB(0, 0), 1ULL << 32, 1ULL << 32 },
		 { PB(0, 64), (1ULL << 32) - 1, 0x3 << 2 }),
	  RANGES({ 0, 0, 128 }), NULL },
	{ "Fail", 0, RANGES({ 0, 0, CP }), NULL,
	  CACHES({ 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }),
	  RANGES({ 0, 0, CP }), NULL },
	{ "RetainScavBits", 0, RANGES({ 0, 0, 1 }, { 0, 10, 2 }),
	  RANGES({ 0, 0, 4 }, { 0, 11, 1 }),
	  CACHES({ PB(0, 0), ~(0x1ULL | (0x3ULL << 10)), 0x7 << 1 }),
	  RANGES({ 0, 0, 64 }), RANGES({ 0, 0, 1 }, { 0, 11, 1 }) },
	{ "DiscontiguousSumBoundary", BASE + JUMP + 1,
	  RANGES({ 508, 0, CP - 1 }, { JUMP, 1, CP - 1 }),
	  RANGES({ 508, 0, 0 }, { JUMP, 0, 0 }),
	  CACHES({ PB(508, CP - 64), 1ULL << 63, 0 }, { PB(JUMP, 0), 1, 0 },
		 { 0, 0, 0 }),
	  RANGES({ 508, 0, CP }, { JUMP, 0, CP }), NULL },
};
GT_PARAM_CASE_DESC(pagealloc_alloc_to_cache_test, to_cache_cases, name)
{
	struct goalloc_pagealloc *got, *want;
	struct goalloc_pagecache c;
	unsigned int s, h;
	bool ok, ran = false;

	for (s = 0; s < ARRAY_SIZE(pa_shapes); s++) {
		if (!pa_test_shape(param->need_chunks, s, &ran))
			continue;
		got = pa_test_new(GT_ARG, pa_shapes[s], param->before, param->scav);
		for (h = 0; h < param->nhits; h++) {
			ok = goalloc_pagealloc_alloc_to_cache(got, &c);
			GT_ASSERT_EQ_MSG(ok, param->hits[h].cache != 0, "shape %lu #%u",
					 pa_shapes[s], h);
			GT_ASSERT_EQ_MSG(c.base, param->hits[h].base, "shape %lu #%u",
					 pa_shapes[s], h);
			GT_ASSERT_EQ_MSG(c.cache, param->hits[h].cache, "shape %lu #%u",
					 pa_shapes[s], h);
			GT_ASSERT_EQ_MSG(c.scav, param->hits[h].scav, "shape %lu #%u",
					 pa_shapes[s], h);
			pa_test_consistent(GT_ARG, got);
		}
		want = pa_test_new(GT_ARG, pa_shapes[s], param->after, param->after_scav);
		pa_test_same(GT_ARG, want, got);
	}
}

/* ------------------------------------------------ randomised differential */

#define NCACHES	4

/*
 * The flat model: one byte per page, slot states, page caches, and the runs
 * the caller holds (at most one per page).
 */
struct model {
	unsigned long max_chunks, npages;
	u8 *alloc, *scav, *state;
	struct goalloc_pagecache cache[NCACHES];
	unsigned long (*live)[2];
	unsigned long nlive;
	bool disjoint;	/* runs may not cross chunk boundaries (goalloc's arenas) */
};

static unsigned long model_first_fit(const struct model *m, unsigned long n)
{
	unsigned long i, run = 0;

	for (i = 0; i < m->npages; i++) {
		if (m->disjoint && i % CP == 0)
			run = 0;
		run = m->alloc[i] ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return NONE;
}

static void model_live_add(struct model *m, unsigned long base, unsigned long n)
{
	m->live[m->nlive][0] = base;
	m->live[m->nlive][1] = n;
	m->nlive++;
}

static void model_chunk_set(struct model *m, unsigned long c, u8 a, u8 s, u8 state)
{
	memset(m->alloc + c * CP, a, CP);
	memset(m->scav + c * CP, s, CP);
	m->state[c] = state;
}

static void model_flush(struct model *m, struct goalloc_pagecache *c)
{
	unsigned int i;

	for (i = 0; i < 64; i++) {
		if ((c->cache >> i) & 1) {
			m->alloc[c->base + i] = 0;
			m->scav[c->base + i] = (c->scav >> i) & 1;
		}
	}
	memset(c, 0, sizeof(*c));
}

/* Compare everything the page allocator exposes with the model. */
static void model_check(GT_CTX, const struct model *m,
			const struct goalloc_pagealloc *p, unsigned long op)
{
	unsigned long i, c, free = 0, scav = 0, run = 0, best = 0, free_chunk = NONE;

	for (c = 0; c < m->max_chunks; c++) {
		GT_ASSERT_EQ_MSG(m->state[c], p->chunk_state[c], "op %lu chunk %lu", op, c);
		for (i = c * CP; i < (c + 1) * CP; i++) {
			const u64 *a = p->chunks[c].pallocbits, *s = p->chunks[c].scavenged;

			GT_ASSERT_EQ_MSG(m->alloc[i], goalloc_pagebits_get(a, i % CP),
					 "op %lu page %lu", op, i);
			GT_ASSERT_EQ_MSG(m->scav[i], goalloc_pagebits_get(s, i % CP),
					 "op %lu page %lu scav", op, i);
			free += m->state[c] == GOALLOC_CHUNK_GROWN && !m->alloc[i];
			scav += m->scav[i];
			if (m->disjoint && i % CP == 0)
				run = 0;
			run = m->alloc[i] ? 0 : run + 1;
			best = run > best ? run : best;
		}
		if (m->state[c] == GOALLOC_CHUNK_GROWN &&
		    !memchr(m->alloc + c * CP, 1, CP))
			free_chunk = c;
	}
	GT_ASSERT_EQ_MSG(free, p->free_pages, "op %lu", op);
	GT_ASSERT_EQ_MSG(scav, p->scav_pages, "op %lu", op);
	GT_ASSERT_EQ_MSG(best, goalloc_pagealloc_largest_free(p), "op %lu", op);
	GT_ASSERT_EQ_MSG(free_chunk, goalloc_pagealloc_find_free_chunk(p), "op %lu", op);
	if (p->search_addr != NONE) {
		GT_ASSERT_LT(p->search_addr, m->npages);
		for (i = 0; i < p->search_addr; i++)
			GT_ASSERT_EQ_MSG(1, m->alloc[i], "op %lu: free page %lu below search",
					 op, i);
	} else {
		GT_ASSERT_EQ_MSG(0, free, "op %lu: exhausted with free pages", op);
	}
	pa_test_consistent(GT_ARG, p);
}

static unsigned long rand_npages(u64 *seed)
{
	unsigned int r = gt_rand(seed) % 100;

	if (r < 60)
		return 1 + gt_rand(seed) % 8;
	if (r < 85)
		return 9 + gt_rand(seed) % 56;
	if (r < 95)
		return 65 + gt_rand(seed) % 600;
	return 600 + gt_rand(seed) % 1500;
}

struct pa_diff_config {
	const char *name;
	unsigned long max_chunks, host_ops, kernel_ops, seed;
	bool disjoint;
};

/* Go's contiguous address space, then goalloc's heap of unrelated arenas. */
static const struct pa_diff_config pa_diff_configs[] = {
	{ "1_chunk", 1, 2000, 300, 1, false },
	{ "5_chunks", 5, 4000, 300, 5, false },
	{ "12_chunks", 12, 4000, 300, 12, false },
	{ "70_chunks", 70, 2000, 200, 70, false },
	{ "disjoint_12_chunks", 12, 4000, 300, 112, true },
	{ "disjoint_70_chunks", 70, 2000, 200, 170, true },
};

/*
 * Random alloc / free / grow / release / regrow / page-cache / scavenge
 * operations; the first fit, scavenged counts, bitmaps, counters, queries
 * and every summary must match the flat model after each one.
 */
GT_PARAM_CASE_DESC(pagealloc_differential_test, pa_diff_configs, name)
{
	unsigned long max_chunks = param->max_chunks;
	unsigned long nops = GT_PICK(param->host_ops, param->kernel_ops);
	u64 seed = gt_seed() + param->seed;
	struct goalloc_pagealloc *p = pa_test_init(GT_ARG, max_chunks);
	unsigned long op, c, i, n, got, want, scav, wscav;
	unsigned int k, cnt[10] = {};
	struct model m;

	m = (struct model){ .max_chunks = max_chunks, .npages = max_chunks * CP,
			    .disjoint = param->disjoint };
	GT_LOG("max_chunks %lu seed %#llx", max_chunks, (unsigned long long)seed);
	p->disjoint = param->disjoint;
	m.alloc = GT_ZALLOC(m.npages);
	m.scav = GT_ZALLOC(m.npages);
	m.state = GT_ZALLOC(max_chunks);
	m.live = GT_ZALLOC(m.npages * sizeof(*m.live));
	GT_ASSERT_TRUE(m.alloc && m.scav && m.state && m.live);
	memset(m.alloc, 1, m.npages);
	for (c = 0; c < max_chunks; c += 2) {
		GT_ASSERT_EQ(0, goalloc_pagealloc_grow(p, c));
		model_chunk_set(&m, c, 0, 0, GOALLOC_CHUNK_GROWN);
	}
	model_check(GT_ARG, &m, p, 0);

	for (op = 1; op <= nops; op++) {
		unsigned int r = gt_rand(&seed) % 100;

		if (r < 33) {			/* alloc */
			n = rand_npages(&seed);
			want = model_first_fit(&m, n);
			got = goalloc_pagealloc_alloc(p, n, &scav);
			GT_ASSERT_EQ_MSG(want, got, "op %lu alloc %lu", op, n);
			if (got != NONE) {
				for (i = got, wscav = 0; i < got + n; i++) {
					wscav += m.scav[i];
					m.alloc[i] = 1;
					m.scav[i] = 0;
				}
				GT_ASSERT_EQ_MSG(wscav, scav, "op %lu", op);
				model_live_add(&m, got, n);
			}
			cnt[0]++;
		} else if (r < 58) {		/* free */
			if (!m.nlive)
				continue;
			k = gt_rand(&seed) % m.nlive;
			goalloc_pagealloc_free(p, m.live[k][0], m.live[k][1]);
			memset(m.alloc + m.live[k][0], 0, m.live[k][1]);
			m.live[k][0] = m.live[--m.nlive][0];
			m.live[k][1] = m.live[m.nlive][1];
			cnt[1]++;
		} else if (r < 62) {		/* grow a never-used slot */
			c = gt_rand(&seed) % max_chunks;
			GT_ASSERT_EQ(m.state[c] == GOALLOC_CHUNK_ABSENT ? 0 : -EINVAL,
				     goalloc_pagealloc_grow(p, c));
			if (m.state[c] == GOALLOC_CHUNK_ABSENT)
				model_chunk_set(&m, c, 0, 0, GOALLOC_CHUNK_GROWN);
			cnt[2]++;
		} else if (r < 67) {		/* release */
			c = goalloc_pagealloc_find_free_chunk(p);
			if (c == NONE || gt_rand(&seed) % 2)
				c = gt_rand(&seed) % max_chunks;
			k = m.state[c] == GOALLOC_CHUNK_GROWN &&
			    !memchr(m.alloc + c * CP, 1, CP);
			GT_ASSERT_EQ_MSG(k, goalloc_pagealloc_release_chunk(p, c), "op %lu", op);
			if (k) {
				model_chunk_set(&m, c, 1, 1, GOALLOC_CHUNK_RELEASED);
				cnt[3]++;	/* count only releases that happened */
			}
		} else if (r < 71) {		/* regrow the lowest released slot */
			want = NONE;
			for (c = 0; c < max_chunks && want == NONE; c++)
				if (m.state[c] == GOALLOC_CHUNK_RELEASED)
					want = c;
			GT_ASSERT_EQ(want, goalloc_pagealloc_find_released(p));
			if (want == NONE)
				continue;
			GT_ASSERT_EQ(0, goalloc_pagealloc_regrow_chunk(p, want));
			model_chunk_set(&m, want, 0, 0, GOALLOC_CHUNK_GROWN);
			cnt[4]++;
		} else if (r < 79) {		/* refill a cache */
			struct goalloc_pagecache *pc = &m.cache[gt_rand(&seed) % NCACHES];
			unsigned long base;
			u64 wcache = 0, wsc = 0;

			if (!goalloc_pagecache_empty(pc)) {
				struct goalloc_pagecache copy = *pc;

				goalloc_pagecache_flush(pc, p);
				model_flush(&m, &copy);
			}
			want = model_first_fit(&m, 1);
			base = want == NONE ? 0 : round_down(want, 64);
			for (i = 0; want != NONE && i < 64; i++) {
				wcache |= (u64)!m.alloc[base + i] << i;
				wsc |= (u64)(!m.alloc[base + i] && m.scav[base + i]) << i;
			}
			GT_ASSERT_EQ(want != NONE, goalloc_pagealloc_alloc_to_cache(p, pc));
			GT_ASSERT_EQ_MSG(base, pc->base, "op %lu", op);
			GT_ASSERT_EQ_MSG(wcache, pc->cache, "op %lu", op);
			GT_ASSERT_EQ_MSG(wsc, pc->scav, "op %lu", op);
			for (i = 0; i < 64; i++) {
				if ((wcache >> i) & 1) {
					m.alloc[base + i] = 1;
					m.scav[base + i] = 0;
				}
			}
			cnt[5]++;
		} else if (r < 91) {		/* allocate from a cache */
			struct goalloc_pagecache *pc = &m.cache[gt_rand(&seed) % NCACHES];
			u64 bits = pc->cache;

			n = gt_rand(&seed) % 4 ? 1 + gt_rand(&seed) % 4 :
						 1 + gt_rand(&seed) % 16;
			want = NONE;
			for (i = 0; i + n <= 64 && want == NONE; i++)
				if (((bits >> i) & goalloc_pagebits_mask(0, n)) ==
				    goalloc_pagebits_mask(0, n))
					want = pc->base + i;
			wscav = want == NONE ? 0 :
				hweight64(pc->scav & goalloc_pagebits_mask(want - pc->base, n));
			got = goalloc_pagecache_alloc(pc, n, &scav);
			GT_ASSERT_EQ_MSG(want, got, "op %lu cache alloc %lu", op, n);
			GT_ASSERT_EQ(wscav, scav);
			if (got != NONE)
				model_live_add(&m, got, n);
			cnt[6]++;
		} else if (r < 95) {		/* flush a cache */
			struct goalloc_pagecache *pc = &m.cache[gt_rand(&seed) % NCACHES];
			struct goalloc_pagecache copy = *pc;

			goalloc_pagecache_flush(pc, p);
			GT_ASSERT_TRUE(goalloc_pagecache_empty(pc));
			model_flush(&m, &copy);
			cnt[7]++;
		} else if (r == 99) {		/* drain: everything back to the heap */
			for (k = 0; k < NCACHES; k++) {
				struct goalloc_pagecache copy = m.cache[k];

				goalloc_pagecache_flush(&m.cache[k], p);
				model_flush(&m, &copy);
			}
			for (i = 0; i < m.nlive; i++) {
				goalloc_pagealloc_free(p, m.live[i][0], m.live[i][1]);
				memset(m.alloc + m.live[i][0], 0, m.live[i][1]);
			}
			m.nlive = 0;
			/* Every grown slot is free now: release the highest. */
			c = goalloc_pagealloc_find_free_chunk(p);
			if (c != NONE) {
				GT_ASSERT_EQ(GOALLOC_CHUNK_GROWN, m.state[c]);
				GT_ASSERT_TRUE(goalloc_pagealloc_release_chunk(p, c));
				model_chunk_set(&m, c, 1, 1, GOALLOC_CHUNK_RELEASED);
				cnt[3]++;
			}
			cnt[9]++;
		} else {			/* scavenge some free pages of a chunk */
			u64 a[8], s[8];

			c = gt_rand(&seed) % max_chunks;
			if (m.state[c] != GOALLOC_CHUNK_GROWN)
				continue;
			for (k = 0; k < 8; k++) {
				a[k] = p->chunks[c].pallocbits[k];
				s[k] = p->chunks[c].scavenged[k] |
				       (gt_rand(&seed) & gt_rand(&seed) & ~a[k]);
			}
			GT_ASSERT_EQ(0, goalloc_pagealloc_load_chunk(p, c, a, s));
			for (i = 0; i < CP; i++)
				m.scav[c * CP + i] = goalloc_pagebits_get(s, i);
			cnt[8]++;
		}
		model_check(GT_ARG, &m, p, op);
	}
	GT_LOG("ops: alloc %u free %u grow %u release %u regrow %u refill %u cache %u",
	       cnt[0], cnt[1], cnt[2], cnt[3], cnt[4], cnt[5], cnt[6]);
	GT_LOG("ops: flush %u scav %u drain %u", cnt[7], cnt[8], cnt[9]);
	/* Every kind of operation must have happened for the run to count. */
	for (k = 0; k < 10; k++)
		GT_ASSERT_LT_MSG(0, cnt[k], "operation %u never ran", k);

	/* Give everything back: the heap must end entirely free. */
	for (k = 0; k < NCACHES; k++)
		goalloc_pagecache_flush(&m.cache[k], p);
	for (i = 0; i < m.nlive; i++)
		goalloc_pagealloc_free(p, m.live[i][0], m.live[i][1]);
	GT_ASSERT_EQ(p->nr_chunks * CP, p->free_pages);
	pa_test_consistent(GT_ARG, p);
}

/* --------------------------------------------- incremental summary updates */

/* Chunk @c's parent summary (8 chunks to an entry above the leaves). */
static u64 up1(const struct goalloc_pagealloc *p, unsigned long c)
{
	return p->summary[p->nlevels - 2][c / 8];
}

/* Own [i, i + n) of chunk @c and check the whole tree from scratch. */
static void up_own(GT_CTX, struct goalloc_pagealloc *p, unsigned long c,
		   unsigned int i, unsigned int n)
{
	GT_ASSERT_EQ(goalloc_pagealloc_own(p, c * CP + i, n), 0);
	pa_test_consistent(GT_ARG, p);
}

/*
 * The cases a disjoint parent folds one changed child in by: the child that
 * held the longest max shrinks (the children are merged again), a tie for
 * the longest, a child below the longest, the first child's start, the last
 * child's end, and a change that stops below the root.
 */
GT_CASE(pagealloc_update_path_test)
{
	struct goalloc_pagealloc *p = pa_test_init(GT_ARG, 300);
	unsigned long a, b, root;

	GT_ASSERT_EQ(p->nlevels, 3);
	p->disjoint = true;
	p->ownership = true;
	up_own(GT_ARG, p, 3, 100, 40);		/* unique longest */
	up_own(GT_ARG, p, 5, 0, 20);
	up_own(GT_ARG, p, 12, 0, 30);		/* another parent */
	GT_EXPECT_EQ(up1(p, 3), goalloc_pallocsum_pack(0, 40, 0));
	GT_EXPECT_EQ(goalloc_pallocsum_max(p->summary[0][0]), 40);

	/* The holder of the longest run shrinks: the next longest is found. */
	a = goalloc_pagealloc_alloc(p, 40, NULL);
	GT_ASSERT_EQ(a, 3 * CP + 100);
	pa_test_consistent(GT_ARG, p);
	GT_EXPECT_EQ(goalloc_pallocsum_max(up1(p, 3)), 20);
	GT_EXPECT_EQ(goalloc_pallocsum_max(p->summary[0][0]), 30);
	goalloc_pagealloc_free(p, a, 40);
	pa_test_consistent(GT_ARG, p);
	GT_EXPECT_EQ(goalloc_pallocsum_max(up1(p, 3)), 40);

	/* A tie: one holder shrinking leaves the other's max in place. */
	up_own(GT_ARG, p, 6, 200, 40);
	a = goalloc_pagealloc_alloc(p, 40, NULL);
	GT_ASSERT_EQ(a, 3 * CP + 100);
	pa_test_consistent(GT_ARG, p);
	GT_EXPECT_EQ(goalloc_pallocsum_max(up1(p, 3)), 40);
	root = p->summary[0][0];
	/* Below the longest: the parent, and so the root, stay as they are. */
	b = goalloc_pagealloc_alloc(p, 20, NULL);
	GT_ASSERT_EQ(b, 5 * CP);
	pa_test_consistent(GT_ARG, p);
	GT_EXPECT_EQ(goalloc_pallocsum_max(up1(p, 3)), 40);
	GT_EXPECT_EQ(p->summary[0][0], root);
	goalloc_pagealloc_free(p, b, 20);
	goalloc_pagealloc_free(p, a, 40);
	pa_test_consistent(GT_ARG, p);

	/* First child's start and last child's end, up to the root. */
	up_own(GT_ARG, p, 0, 0, 7);
	up_own(GT_ARG, p, 7, CP - 9, 9);
	GT_EXPECT_EQ(up1(p, 0), goalloc_pallocsum_pack(7, 40, 9));
	GT_EXPECT_EQ(goalloc_pallocsum_start(p->summary[0][0]), 7);
	a = goalloc_pagealloc_alloc(p, 7, NULL);
	GT_ASSERT_EQ(a, 0);
	pa_test_consistent(GT_ARG, p);
	GT_EXPECT_EQ(goalloc_pallocsum_start(up1(p, 0)), 0);
	GT_EXPECT_FALSE(goalloc_pagealloc_disown(p, 7 * CP + CP - 4, 4));
	pa_test_consistent(GT_ARG, p);
	GT_EXPECT_EQ(goalloc_pallocsum_end(up1(p, 0)), 0);
	goalloc_pagealloc_free(p, a, 7);
	pa_test_consistent(GT_ARG, p);
	GT_EXPECT_EQ(up1(p, 0), goalloc_pallocsum_pack(7, 40, 0));
}

struct pa_own_config {
	const char *name;
	unsigned long max_chunks, host_ops, kernel_ops, seed;
};

/* Three levels (root 8), as a 1 GiB guest's heap, and four (root 8). */
static const struct pa_own_config pa_own_configs[] = {
	{ "257_chunks", 257, 6000, 400, 257 },
	{ "2100_chunks", 2100, 3000, 150, 2100 },
};

/*
 * The heap's way of using the page allocator: pages owned and given back
 * a run at a time in a few neighbouring and distant chunks, and runs
 * allocated and freed, each step checked against a flat model (the first
 * fit) and against summaries recomputed from scratch: every leaf from its
 * bitmap and every parent by merging all its children
 * (goalloc_pagealloc_check()) after each step, and by a naive scan of
 * every level now and then.
 */
/* Chunks the random runs use: UP_SPAN at the start of each third. */
#define UP_GROUPS	3
#define UP_SPAN		12
#define UP_PAGES	(UP_GROUPS * UP_SPAN * CP)

/* The model's byte for heap page @page, in a chunk the run uses. */
static u8 *up_model(u8 *alloc, unsigned long stride, unsigned long page)
{
	unsigned long c = page / CP;

	return alloc + ((c / stride) * UP_SPAN + c % stride) * CP + page % CP;
}

GT_PARAM_CASE_DESC(pagealloc_update_random_test, pa_own_configs, name)
{
	unsigned long max_chunks = param->max_chunks, stride = max_chunks / UP_GROUPS;
	unsigned long nops = GT_PICK(param->host_ops, param->kernel_ops);
	struct goalloc_pagealloc *p = pa_test_init(GT_ARG, max_chunks);
	u64 seed = gt_seed() + param->seed;
	unsigned long op, c, i, n, got, want, run, where, nlive = 0;
	unsigned long (*live)[2];
	unsigned int k, cnt[4] = {};
	const char *why;
	u8 *alloc;

	p->disjoint = true;
	p->ownership = true;
	alloc = GT_ZALLOC(UP_PAGES);
	live = GT_ZALLOC(nops * sizeof(*live));
	GT_ASSERT_TRUE(alloc && live);
	memset(alloc, 1, UP_PAGES);
	for (op = 1; op <= nops; op++) {
		unsigned int r = gt_rand(&seed) % 100;

		/* Siblings under one parent, their cousins, and far chunks. */
		c = (gt_rand(&seed) % UP_GROUPS) * stride + gt_rand(&seed) % UP_SPAN;
		i = gt_rand(&seed) % CP;
		n = gt_rand(&seed) % 4 ? 1 + gt_rand(&seed) % 40 : 1 + gt_rand(&seed) % CP;
		if (r < 30) {				/* own a run of unowned pages */
			if (p->chunk_state[c] == GOALLOC_CHUNK_GROWN &&
			    !goalloc_pagebits_get(p->chunks[c].scavenged, i))
				continue;
			for (run = 1; run < n && i + run < CP; run++)
				if (p->chunk_state[c] == GOALLOC_CHUNK_GROWN &&
				    !goalloc_pagebits_get(p->chunks[c].scavenged, i + run))
					break;
			GT_ASSERT_EQ_MSG(goalloc_pagealloc_own(p, c * CP + i, run), 0,
					 "op %lu", op);
			memset(up_model(alloc, stride, c * CP + i), 0, run);
			cnt[0]++;
		} else if (r < 45) {			/* give a free run back */
			u8 *m = up_model(alloc, stride, c * CP + i);

			if (p->chunk_state[c] != GOALLOC_CHUNK_GROWN || *m)
				continue;
			for (run = 1; run < n && i + run < CP && !m[run]; run++)
				;
			goalloc_pagealloc_disown(p, c * CP + i, run);
			memset(m, 1, run);
			cnt[1]++;
		} else if (r < 75) {			/* first fit */
			for (i = 0, run = 0, want = NONE; i < UP_PAGES && want == NONE; i++) {
				run = i % CP == 0 || alloc[i] ? 0 : run;
				if (!alloc[i] && ++run == n)
					want = i + 1 - n;
			}
			if (want != NONE) {
				c = want / CP;
				want = ((c / UP_SPAN) * stride + c % UP_SPAN) * CP + want % CP;
			}
			got = goalloc_pagealloc_alloc(p, n, NULL);
			GT_ASSERT_EQ_MSG(want, got, "op %lu alloc %lu", op, n);
			if (got == NONE)
				continue;
			memset(up_model(alloc, stride, got), 1, n);
			live[nlive][0] = got;
			live[nlive++][1] = n;
			cnt[2]++;
		} else {				/* free */
			if (!nlive)
				continue;
			k = gt_rand(&seed) % nlive;
			goalloc_pagealloc_free(p, live[k][0], live[k][1]);
			memset(up_model(alloc, stride, live[k][0]), 0, live[k][1]);
			live[k][0] = live[--nlive][0];
			live[k][1] = live[nlive][1];
			cnt[3]++;
		}
		GT_ASSERT_EQ_MSG(goalloc_pagealloc_check(p, &why, &where), 0,
				 "op %lu: %s at %lu", op, why, where);
		if (op % GT_PICK(500, 50) == 0)
			pa_test_consistent(GT_ARG, p);
	}
	GT_LOG("ops: own %u disown %u alloc %u free %u", cnt[0], cnt[1], cnt[2], cnt[3]);
	for (k = 0; k < 4; k++)
		GT_ASSERT_LT_MSG(0, cnt[k], "operation %u never ran", k);
	for (i = 0; i < nlive; i++) {
		goalloc_pagealloc_free(p, live[i][0], live[i][1]);
		memset(up_model(alloc, stride, live[i][0]), 0, live[i][1]);
	}
	for (i = 0, n = 0; i < UP_PAGES; i++)
		n += !alloc[i];
	GT_ASSERT_EQ(n, p->free_pages);
	pa_test_consistent(GT_ARG, p);
}

#ifdef __KERNEL__
static struct kunit_case goalloc_pagealloc_cases[] = {
	KUNIT_CASE(pallocsum_pack_test),
	KUNIT_CASE(pallocbits_alloc_range_test),
	KUNIT_CASE(pallocbits_popcnt_test),
	KUNIT_CASE(pallocsum_merge_test),
	KUNIT_CASE(pallocbits_summarize_random_test),
	KUNIT_CASE_PARAM(pallocbits_summarize_test, pallocbits_summarize_test_gen_params),
	KUNIT_CASE_PARAM(pallocbits_find_test, pallocbits_find_test_gen_params),
	KUNIT_CASE(pallocbits_free_test),
	KUNIT_CASE(find_bit_range64_test),
	KUNIT_CASE(pallocbits_find_random_test),
	KUNIT_CASE_PARAM(pagealloc_alloc_test, pagealloc_alloc_test_gen_params),
	KUNIT_CASE_PARAM(pagealloc_exhaust_test, pagealloc_exhaust_test_gen_params),
	KUNIT_CASE_PARAM(pagealloc_free_test, pagealloc_free_test_gen_params),
	KUNIT_CASE(pagealloc_alloc_and_free_test),
	KUNIT_CASE(pagealloc_grow_release_test),
	KUNIT_CASE(pagealloc_ownership_test),
	KUNIT_CASE(pagealloc_big_tree_test),
	KUNIT_CASE_PARAM(pagealloc_differential_test, pagealloc_differential_test_gen_params),
	KUNIT_CASE(pagealloc_update_path_test),
	KUNIT_CASE_PARAM(pagealloc_update_random_test, pagealloc_update_random_test_gen_params),
	{}
};

static struct kunit_suite goalloc_pagealloc_suite = {
	.name = "goalloc_pagealloc",
	.test_cases = goalloc_pagealloc_cases,
};

static struct kunit_case goalloc_pagecache_cases[] = {
	KUNIT_CASE_PARAM(pagecache_alloc_test, pagecache_alloc_test_gen_params),
	KUNIT_CASE(pagecache_flush_test),
	KUNIT_CASE_PARAM(pagealloc_alloc_to_cache_test, pagealloc_alloc_to_cache_test_gen_params),
	{}
};

static struct kunit_suite goalloc_pagecache_suite = {
	.name = "goalloc_pagecache",
	.test_cases = goalloc_pagecache_cases,
};

kunit_test_suites(&goalloc_pagealloc_suite, &goalloc_pagecache_suite);
#endif
