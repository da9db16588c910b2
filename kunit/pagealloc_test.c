// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for goalloc's page allocator (mod/pagealloc.c) and per-CPU page
 * cache (mod/pagecache.c): the deterministic cases of Go 1.19's
 * mpallocbits_test.go, mpagealloc_test.go and mpagecache_test.go in
 * page-index form, and a short randomised run against a flat model.
 *
 * Pure logic: page indices are never turned into memory, so no heap is
 * involved.  After each step the summaries are recomputed from the bitmaps
 * with a naive run scan.  The userspace harness
 * (tools/testing/goalloc/pagealloc_test.c) runs the same cases on more tree
 * shapes and a much longer randomised run.
 */
#include <kunit/test.h>
#include <kunit/resource.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "goalloc/pagealloc.h"
#include "goalloc/pagecache.h"

#define CP	GOALLOC_PALLOC_CHUNK_PAGES
#define NONE	GOALLOC_NO_PAGE

/* Go's BaseChunkIdx: cases place chunks relative to a non-zero slot. */
#define BASE	3UL
#define PB(c, i)	((BASE + (c)) * (unsigned long)CP + (i))
#define JUMP	0x1000UL	/* Go's chunkIdxBigJump, scaled down */

/* Slots for the cases: a 3-level tree; far-apart cases need 5 levels. */
#define SMALL_SHAPE	300UL
#define BIG_SHAPE	(1UL << 14)

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

KUNIT_DEFINE_ACTION_WRAPPER(pa_test_destroy, goalloc_pagealloc_destroy,
			    struct goalloc_pagealloc *);

static u64 pa_test_rand(u64 *s)
{
	u64 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void pa_test_make_bits(u64 *b, const struct bit_range *r, unsigned int nr)
{
	unsigned int k;

	memset(b, 0, GOALLOC_PALLOC_CHUNK_WORDS * sizeof(u64));
	for (k = 0; k < nr; k++)
		if (r[k].n)
			goalloc_pagebits_set_range(b, r[k].i, r[k].n);
}

/*
 * Naive (start, max, end) of whole chunks [c0, c1), read bit by bit from the
 * bitmaps (whole words short-cut); slots past max_chunks count as in use.
 */
static void pa_test_naive_runs(const struct goalloc_pagealloc *p, unsigned long c0,
			       unsigned long c1, unsigned long *start,
			       unsigned long *max, unsigned long *end)
{
	unsigned long st = ~0UL, mx = 0, cur = 0, c;
	unsigned int k, w, ones, zeros;

	for (c = c0; c < c1; c++) {
		const u64 *b = c < p->max_chunks ? p->chunks[c].pallocbits : NULL;

		ones = 0;
		zeros = 0;
		for (w = 0; b && w < GOALLOC_PALLOC_CHUNK_WORDS; w++) {
			ones += b[w] == ~0ULL;
			zeros += b[w] == 0;
		}
		if (!b || ones == GOALLOC_PALLOC_CHUNK_WORDS) {
			if (st == ~0UL)
				st = cur;
			mx = max(mx, cur);
			cur = 0;
			continue;
		}
		if (zeros == GOALLOC_PALLOC_CHUNK_WORDS) {
			cur += CP;
			continue;
		}
		for (k = 0; k < CP; k++) {
			if (goalloc_pagebits_get(b, k)) {
				if (st == ~0UL)
					st = cur;
				mx = max(mx, cur);
				cur = 0;
			} else {
				cur++;
			}
		}
	}
	*start = st == ~0UL ? cur : st;
	*max = max(mx, cur);
	*end = cur;
}

/* goalloc_pagealloc_check() plus every summary against a naive rescan. */
static void pa_test_consistent(struct kunit *test, const struct goalloc_pagealloc *p)
{
	unsigned long where, i, n, cpe, s, m, e;
	const char *why;
	unsigned int l;

	KUNIT_ASSERT_EQ_MSG(test, goalloc_pagealloc_check(p, &why, &where), 0,
			    "%s at %lu", why, where);
	for (l = 0; l < p->nlevels; l++) {
		n = 1UL << (p->level_bits[0] + GOALLOC_SUMMARY_LEVEL_BITS * l);
		cpe = 1UL << (p->level_log_pages[l] - GOALLOC_PALLOC_CHUNK_PAGES_SHIFT);
		for (i = 0; i < n; i++) {
			u64 sum = p->summary[l][i];

			pa_test_naive_runs(p, i * cpe, (i + 1) * cpe, &s, &m, &e);
			KUNIT_ASSERT_TRUE_MSG(test, goalloc_pallocsum_start(sum) == s &&
					      goalloc_pallocsum_max(sum) == m &&
					      goalloc_pallocsum_end(sum) == e,
					      "level %u entry %lu: (%u,%u,%u) want (%lu,%lu,%lu)",
					      l, i, goalloc_pallocsum_start(sum),
					      goalloc_pallocsum_max(sum),
					      goalloc_pallocsum_end(sum), s, m, e);
		}
	}
}

static void pa_test_chunk_bits(const struct pa_range *r, long chunk, u64 *b)
{
	memset(b, 0, GOALLOC_PALLOC_CHUNK_WORDS * sizeof(u64));
	for (; r && r->chunk >= 0; r++)
		if (r->chunk == chunk && r->n)
			goalloc_pagebits_set_range(b, r->i, r->n);
}

/* A page allocator freed at the end of the case. */
static struct goalloc_pagealloc *pa_test_init(struct kunit *test, unsigned long max_chunks)
{
	struct goalloc_pagealloc *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_init(p, max_chunks), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pa_test_destroy, p), 0);
	return p;
}

/*
 * Go's NewPageAlloc: grow every chunk named in @alloc and load its in-use
 * and scavenged bits (in-use pages lose their scavenged bit).
 */
static struct goalloc_pagealloc *pa_test_new(struct kunit *test, unsigned long max_chunks,
					     const struct pa_range *alloc,
					     const struct pa_range *scav)
{
	struct goalloc_pagealloc *p = pa_test_init(test, max_chunks);
	u64 a[GOALLOC_PALLOC_CHUNK_WORDS], s[GOALLOC_PALLOC_CHUNK_WORDS];
	const struct pa_range *r;

	for (r = alloc; r->chunk >= 0; r++) {
		if (p->chunk_state[BASE + r->chunk] != GOALLOC_CHUNK_ABSENT)
			continue;
		KUNIT_ASSERT_EQ(test, goalloc_pagealloc_grow(p, BASE + r->chunk), 0);
	}
	for (r = alloc; r->chunk >= 0; r++) {
		pa_test_chunk_bits(alloc, r->chunk, a);
		pa_test_chunk_bits(scav, r->chunk, s);
		KUNIT_ASSERT_EQ(test, goalloc_pagealloc_load_chunk(p, BASE + r->chunk, a, s), 0);
	}
	pa_test_consistent(test, p);
	return p;
}

/* Go's checkPageAlloc, plus summaries and counters. */
static void pa_test_same(struct kunit *test, const struct goalloc_pagealloc *want,
			 const struct goalloc_pagealloc *got)
{
	unsigned long c, n;
	unsigned int l;

	KUNIT_ASSERT_EQ(test, want->max_chunks, got->max_chunks);
	for (c = 0; c < got->max_chunks; c++) {
		KUNIT_ASSERT_EQ_MSG(test, want->chunk_state[c], got->chunk_state[c],
				    "chunk %lu", c);
		KUNIT_ASSERT_MEMEQ_MSG(test, &want->chunks[c], &got->chunks[c],
				       sizeof(got->chunks[c]), "chunk %lu bitmaps", c);
	}
	for (l = 0; l < got->nlevels; l++) {
		n = 1UL << (got->level_bits[0] + GOALLOC_SUMMARY_LEVEL_BITS * l);
		KUNIT_ASSERT_MEMEQ_MSG(test, want->summary[l], got->summary[l],
				       n * sizeof(u64), "summary level %u", l);
	}
	KUNIT_ASSERT_EQ(test, want->free_pages, got->free_pages);
	KUNIT_ASSERT_EQ(test, want->scav_pages, got->scav_pages);
	KUNIT_ASSERT_EQ(test, want->nr_chunks, got->nr_chunks);
	pa_test_consistent(test, got);
}

/* ------------------------------------------------------- pallocsum / bits */

static void pallocsum_pack_test(struct kunit *test)
{
	unsigned int k, s, m, e;
	u64 seed = 0x5eed, sum;

	KUNIT_EXPECT_EQ(test, goalloc_pallocsum_pack(CP, CP, CP),
			GOALLOC_PALLOC_FREE_CHUNK_SUM);
	KUNIT_EXPECT_EQ(test, goalloc_pallocsum_pack(0, 0, 0), 0);
	sum = goalloc_pallocsum_pack(GOALLOC_PALLOC_SUM_MAX, GOALLOC_PALLOC_SUM_MAX,
				     GOALLOC_PALLOC_SUM_MAX);
	KUNIT_EXPECT_EQ(test, sum, BIT_ULL(63));
	goalloc_pallocsum_unpack(sum, &s, &m, &e);
	KUNIT_EXPECT_EQ(test, s, GOALLOC_PALLOC_SUM_MAX);
	KUNIT_EXPECT_EQ(test, m, GOALLOC_PALLOC_SUM_MAX);
	KUNIT_EXPECT_EQ(test, e, GOALLOC_PALLOC_SUM_MAX);
	for (k = 0; k < 1000; k++) {
		unsigned int a = pa_test_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;
		unsigned int b = pa_test_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;
		unsigned int c = pa_test_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;

		goalloc_pallocsum_unpack(goalloc_pallocsum_pack(a, b, c), &s, &m, &e);
		KUNIT_ASSERT_EQ(test, s, a);
		KUNIT_ASSERT_EQ(test, m, b);
		KUNIT_ASSERT_EQ(test, e, c);
	}
}

struct fbr_case {
	u64 x;
	unsigned int n, want;	/* want 64: no run */
};

/* Go's TestFindBitRange64 vectors. */
static const struct fbr_case fbr_cases[] = {
	{ 0x8000000000000000, 1, 63 },
	{ 0xc000010001010000, 2, 62 },
	{ 0xc000010001030000, 2, 16 },
	{ 0xe000030001030000, 3, 61 },
	{ 0xe000030001070000, 3, 16 },
	{ 0xffff03ff01070000, 16, 48 },
	{ 0xffff03ff0107ffff, 16, 0 },
	{ 0x0fff03ff01079fff, 16, 64 },
};

static void find_bit_range64_test(struct kunit *test)
{
	unsigned int k, n;

	for (n = 1; n <= 64; n++) {
		KUNIT_EXPECT_EQ(test, goalloc_find_bit_range64(~0ULL, n), 0);
		KUNIT_EXPECT_GE(test, goalloc_find_bit_range64(0, n), 64);
	}
	for (k = 0; k < ARRAY_SIZE(fbr_cases); k++)
		KUNIT_EXPECT_EQ_MSG(test, min(goalloc_find_bit_range64(fbr_cases[k].x,
								       fbr_cases[k].n), 64U),
				    fbr_cases[k].want, "case %u", k);
}

/* Go's TestMallocBitsPopcntRange, "Scattered" and "OddBound". */
static void pallocbits_popcnt_test(struct kunit *test)
{
	static const struct bit_range scattered[] = {
		{1, 3}, {5, 1}, {7, 1}, {10, 2}, {13, 1}, {15, 4},
		{21, 1}, {23, 1}, {26, 2}, {30, 5}, {36, 2}, {40, 3},
		{44, 6}, {51, 1}, {53, 2}, {58, 3}, {63, 1}, {67, 2},
		{71, 10}, {84, 1}, {89, 7}, {99, 2}, {103, 1}, {107, 2},
		{111, 1}, {113, 1}, {115, 1}, {118, 1}, {120, 2}, {125, 5},
	};
	static const struct bit_range odd[] = { { 0, 111 } };
	static const unsigned int sc[][3] = {
		{ 0, 11, 6 }, { 0, 64, 39 }, { 13, 64, 40 }, { 64, 64, 34 },
		{ 0, 128, 73 }, { 1, 128, 74 }, { 0, CP, 75 },
	};
	static const unsigned int oc[][3] = {
		{ 0, 1, 1 }, { 5, 3, 3 }, { 2, 11, 11 }, { 110, 2, 1 }, { 99, 50, 12 },
		{ 110, 1, 1 }, { 111, 1, 0 }, { 99, 1, 1 }, { 120, 1, 0 },
		{ CP / 2, CP / 2, 0 }, { 0, CP, 111 },
	};
	u64 b[GOALLOC_PALLOC_CHUNK_WORDS];
	unsigned int k;

	pa_test_make_bits(b, scattered, ARRAY_SIZE(scattered));
	for (k = 0; k < ARRAY_SIZE(sc); k++)
		KUNIT_EXPECT_EQ_MSG(test, goalloc_pagebits_popcnt_range(b, sc[k][0], sc[k][1]),
				    sc[k][2], "scattered %u", k);
	pa_test_make_bits(b, odd, 1);
	for (k = 0; k < ARRAY_SIZE(oc); k++)
		KUNIT_EXPECT_EQ_MSG(test, goalloc_pagebits_popcnt_range(b, oc[k][0], oc[k][1]),
				    oc[k][2], "oddbound %u", k);
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

KUNIT_ARRAY_PARAM_DESC(sum, sum_cases, name);

static void pallocbits_summarize_test(struct kunit *test)
{
	const struct sum_case *tc = test->param_value;
	u64 b[GOALLOC_PALLOC_CHUNK_WORDS];
	unsigned int w;

	pa_test_make_bits(b, tc->free, tc->nfree);
	for (w = 0; w < GOALLOC_PALLOC_CHUNK_WORDS; w++)
		b[w] = ~b[w];
	KUNIT_EXPECT_EQ(test, goalloc_pallocbits_summarize(b),
			goalloc_pallocsum_pack(tc->s, tc->m, tc->e));
}

/* Random bitmaps (sparse, dense, mixed) against a bit-by-bit scan. */
static void pallocbits_summarize_random_test(struct kunit *test)
{
	struct goalloc_pagealloc p = { .max_chunks = 1 };
	struct goalloc_palloc_data d;
	unsigned long s, m, e;
	unsigned int k, w;
	u64 seed = 0x5a11;

	p.chunks = &d;
	for (k = 0; k < 300; k++) {
		for (w = 0; w < GOALLOC_PALLOC_CHUNK_WORDS; w++) {
			u64 x = pa_test_rand(&seed);

			if (k % 3 == 1)
				x &= pa_test_rand(&seed) & pa_test_rand(&seed);
			else if (k % 3 == 2)
				x |= pa_test_rand(&seed) | pa_test_rand(&seed);
			if (pa_test_rand(&seed) % 8 == 0)
				x = pa_test_rand(&seed) & 1 ? 0 : ~0ULL;
			d.pallocbits[w] = x;
		}
		pa_test_naive_runs(&p, 0, 1, &s, &m, &e);
		KUNIT_ASSERT_EQ_MSG(test, goalloc_pallocbits_summarize(d.pallocbits),
				    goalloc_pallocsum_pack(s, m, e), "iteration %u", k);
	}
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

KUNIT_ARRAY_PARAM_DESC(find, find_cases, name);

static void pallocbits_find_test(struct kunit *test)
{
	const struct find_case *tc = test->param_value;
	u64 b[GOALLOC_PALLOC_CHUNK_WORDS], want[GOALLOC_PALLOC_CHUNK_WORDS];
	unsigned int h, got, sidx;

	pa_test_make_bits(b, tc->before, tc->nbefore);
	for (h = 0; h < tc->nhits; h++) {
		got = goalloc_pallocbits_find(b, tc->npages, 0, &sidx);
		KUNIT_ASSERT_EQ_MSG(test, got, tc->hits[h], "hit %u", h);
		if (got != GOALLOC_PALLOC_NOT_FOUND)
			goalloc_pagebits_set_range(b, got, tc->npages);
	}
	pa_test_make_bits(want, tc->after, tc->nafter);
	KUNIT_EXPECT_MEMEQ(test, b, want, sizeof(b));
}

/* ------------------------------------------------------------ page alloc */

struct pa_hit {
	unsigned long npages, base, scav;
};

#define HITS(...)	((const struct pa_hit[]){ __VA_ARGS__, { 0, 0, 0 } })

struct pa_alloc_case {
	const char *name;
	unsigned long shape;
	const struct pa_range *before, *scav, *after;
	const struct pa_hit *hits;
};

/* Go's TestPageAllocAlloc; scav counts are in pages. */
static const struct pa_alloc_case alloc_cases[] = {
	{ "AllFree1", SMALL_SHAPE, RANGES({ 0, 0, 0 }), RANGES({ 0, 0, 1 }, { 0, 2, 2 }),
	  RANGES({ 0, 0, 5 }),
	  HITS({ 1, PB(0, 0), 1 }, { 1, PB(0, 1), 0 }, { 1, PB(0, 2), 1 },
	       { 1, PB(0, 3), 1 }, { 1, PB(0, 4), 0 }) },
	{ "ManyArena1", SMALL_SHAPE, RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP - 1 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }),
	  HITS({ 1, PB(2, CP - 1), 1 }) },
	{ "NotContiguous1", SMALL_SHAPE, RANGES({ 0, 0, CP }, { 0xff, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 0xff, 0, CP }),
	  RANGES({ 0, 0, CP }, { 0xff, 0, 1 }),
	  HITS({ 1, PB(0xff, 0), 1 }) },
	{ "AllFree2", SMALL_SHAPE, RANGES({ 0, 0, 0 }), RANGES({ 0, 0, 3 }, { 0, 7, 1 }),
	  RANGES({ 0, 0, 10 }),
	  HITS({ 2, PB(0, 0), 2 }, { 2, PB(0, 2), 1 }, { 2, PB(0, 4), 0 },
	       { 2, PB(0, 6), 1 }, { 2, PB(0, 8), 0 }) },
	{ "Straddle2", SMALL_SHAPE, RANGES({ 0, 0, CP - 1 }, { 1, 1, CP - 1 }),
	  RANGES({ 0, CP - 1, 1 }, { 1, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  HITS({ 2, PB(0, CP - 1), 1 }) },
	{ "AllFree5", SMALL_SHAPE, RANGES({ 0, 0, 0 }),
	  RANGES({ 0, 0, 8 }, { 0, 9, 1 }, { 0, 17, 5 }), RANGES({ 0, 0, 25 }),
	  HITS({ 5, PB(0, 0), 5 }, { 5, PB(0, 5), 4 }, { 5, PB(0, 10), 0 },
	       { 5, PB(0, 15), 3 }, { 5, PB(0, 20), 2 }) },
	{ "AllFree64", SMALL_SHAPE, RANGES({ 0, 0, 0 }), RANGES({ 0, 21, 1 }, { 0, 63, 65 }),
	  RANGES({ 0, 0, 192 }),
	  HITS({ 64, PB(0, 0), 2 }, { 64, PB(0, 64), 64 }, { 64, PB(0, 128), 0 }) },
	{ "AllFree65", SMALL_SHAPE, RANGES({ 0, 0, 0 }), RANGES({ 0, 129, 1 }),
	  RANGES({ 0, 0, 195 }),
	  HITS({ 65, PB(0, 0), 0 }, { 65, PB(0, 65), 1 }, { 65, PB(0, 130), 0 }) },
	{ "ExhaustPallocChunkPages-3", SMALL_SHAPE, RANGES({ 0, 0, 0 }), RANGES({ 0, 10, 1 }),
	  RANGES({ 0, 0, CP }),
	  HITS({ CP - 3, PB(0, 0), 1 }, { CP - 3, NONE, 0 }, { 1, PB(0, CP - 3), 0 },
	       { 2, PB(0, CP - 2), 0 }, { 1, NONE, 0 }, { CP - 3, NONE, 0 }) },
	{ "AllFreePallocChunkPages", SMALL_SHAPE, RANGES({ 0, 0, 0 }),
	  RANGES({ 0, 0, 1 }, { 0, CP - 1, 1 }), RANGES({ 0, 0, CP }),
	  HITS({ CP, PB(0, 0), 2 }, { CP, NONE, 0 }, { 1, NONE, 0 }) },
	{ "StraddlePallocChunkPages", SMALL_SHAPE,
	  RANGES({ 0, 0, CP / 2 }, { 1, CP / 2, CP / 2 }),
	  RANGES({ 0, 0, 0 }, { 1, 3, 100 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  HITS({ CP, PB(0, CP / 2), 100 }, { CP, NONE, 0 }, { 1, NONE, 0 }) },
	{ "StraddlePallocChunkPages+1", SMALL_SHAPE, RANGES({ 0, 0, CP / 2 }, { 1, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP / 2 + 2 }),
	  HITS({ CP + 1, PB(0, CP / 2), CP + 1 }, { CP, NONE, 0 },
	       { 1, PB(1, CP / 2 + 1), 1 }) },
	{ "AllFreePallocChunkPages*2", SMALL_SHAPE, RANGES({ 0, 0, 0 }, { 1, 0, 0 }),
	  RANGES({ 0, 0, 0 }, { 1, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }),
	  HITS({ CP * 2, PB(0, 0), 0 }, { CP * 2, NONE, 0 }, { 1, NONE, 0 }) },
	{ "NotContiguousPallocChunkPages*2", SMALL_SHAPE,
	  RANGES({ 0, 0, 0 }, { 0x40, 0, 0 }, { 0x41, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 0x40, 0, 0 }, { 0x41, 0, 0 }),
	  RANGES({ 0, 0, 22 }, { 0x40, 0, CP }, { 0x41, 0, CP }),
	  HITS({ CP * 2, PB(0x40, 0), 0 }, { 21, PB(0, 0), 21 }, { 1, PB(0, 21), 1 }) },
	{ "StraddlePallocChunkPages*2", SMALL_SHAPE,
	  RANGES({ 0, 0, CP / 2 }, { 1, 0, 0 }, { 2, CP / 2, CP / 2 }),
	  RANGES({ 0, 0, 7 }, { 1, 3, 5 }, { 1, 121, 10 }, { 2, CP / 2 + 12, 2 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }),
	  HITS({ CP * 2, PB(0, CP / 2), 15 }, { CP * 2, NONE, 0 }, { 1, NONE, 0 }) },
	{ "StraddlePallocChunkPages*5/4", SMALL_SHAPE,
	  RANGES({ 0, 0, CP }, { 1, 0, CP * 3 / 4 }, { 2, 0, CP * 3 / 4 }, { 3, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 1, CP / 2, CP / 4 + 1 }, { 2, CP / 3, 1 },
		 { 3, CP * 2 / 3, 1 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP * 3 / 4 + 1 }, { 2, 0, CP }, { 3, 0, CP }),
	  HITS({ CP * 5 / 4, PB(2, CP * 3 / 4), 1 }, { CP * 5 / 4, NONE, 0 },
	       { 1, PB(1, CP * 3 / 4), 1 }) },
	{ "AllFreePallocChunkPages*7+5", SMALL_SHAPE,
	  RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }, { 4, 0, 0 },
		 { 5, 0, 0 }, { 6, 0, 0 }, { 7, 0, 0 }),
	  RANGES({ 0, 50, 1 }, { 1, 31, 1 }, { 2, 7, 1 }, { 3, 200, 1 }, { 4, 3, 1 },
		 { 5, 51, 1 }, { 6, 20, 1 }, { 7, 1, 1 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }, { 3, 0, CP }, { 4, 0, CP },
		 { 5, 0, CP }, { 6, 0, CP }, { 7, 0, 6 }),
	  HITS({ CP * 7 + 5, PB(0, 0), 8 }, { CP * 7 + 5, NONE, 0 }, { 1, PB(7, 5), 0 }) },
	/* Free chunks far apart (Go's DiscontiguousMappedSumBoundary). */
	{ "DiscontiguousSumBoundary", BIG_SHAPE,
	  RANGES({ 508, 0, 0 }, { JUMP, 0, 0 }), RANGES({ 508, 0, 0 }, { JUMP, 0, 0 }),
	  RANGES({ 508, 0, CP }, { JUMP, 0, CP }),
	  HITS({ CP - 1, PB(508, 0), 0 }, { 1, PB(508, CP - 1), 0 },
	       { 1, PB(JUMP, 0), 0 }, { CP - 1, PB(JUMP, 1), 0 }, { 1, NONE, 0 }) },
	/* Go's DiscontiguousBadSearchAddr (issue 40191). */
	{ "DiscontiguousBadSearchAddr", BIG_SHAPE,
	  RANGES({ 0, 0, CP - 1 }, { JUMP + 0x503, 0, CP - 10 },
		 { JUMP + 0x503, CP - 1, 1 }, { 2 * JUMP, 0, 0 }),
	  RANGES({ 0, 0, 0 }, { JUMP + 0x503, 0, 0 }, { 2 * JUMP, 0, 0 }),
	  RANGES({ 0, 0, CP }, { JUMP + 0x503, 0, CP }, { 2 * JUMP, 0, 100 }),
	  HITS({ 1, PB(0, CP - 1), 0 }, { 100, PB(2 * JUMP, 0), 0 },
	       { 9, PB(JUMP + 0x503, CP - 10), 0 }) },
};

KUNIT_ARRAY_PARAM_DESC(alloc, alloc_cases, name);

static void pagealloc_alloc_test(struct kunit *test)
{
	const struct pa_alloc_case *tc = test->param_value;
	struct goalloc_pagealloc *got, *want;
	unsigned long base, scav;
	unsigned int h;

	got = pa_test_new(test, tc->shape, tc->before, tc->scav);
	for (h = 0; tc->hits[h].npages; h++) {
		scav = ~0UL;
		base = goalloc_pagealloc_alloc(got, tc->hits[h].npages, &scav);
		KUNIT_ASSERT_EQ_MSG(test, base, tc->hits[h].base, "alloc #%u", h + 1);
		KUNIT_ASSERT_EQ_MSG(test, scav, tc->hits[h].scav, "alloc #%u scav", h + 1);
		pa_test_consistent(test, got);
	}
	want = pa_test_new(test, tc->shape, tc->after, tc->scav);
	pa_test_same(test, want, got);
}

static const unsigned long exhaust_sizes[] = {
	1, 2, 3, 4, 5, 8, 16, 64, 1024, 1025, 2048, 2049,
};

static void exhaust_desc(const unsigned long *npages, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "npages_%lu", *npages);
}

KUNIT_ARRAY_PARAM(exhaust, exhaust_sizes, exhaust_desc);

/* Go's TestPageAllocExhaust: four chunks, fixed-size allocations. */
static void pagealloc_exhaust_test(struct kunit *test)
{
	unsigned long npages = *(const unsigned long *)test->param_value;
	unsigned long n = 4 * CP / npages, left = n * npages, i, take;
	struct goalloc_pagealloc *got, *want;
	struct pa_range after[5];
	unsigned int c;

	got = pa_test_new(test, SMALL_SHAPE,
			  RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 }), NULL);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ_MSG(test, goalloc_pagealloc_alloc(got, npages, NULL),
				    PB(0, i * npages), "alloc #%lu", i + 1);
	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_alloc(got, npages, NULL), NONE);
	for (c = 0; c < 4; c++) {
		take = min_t(unsigned long, left, CP);
		after[c] = (struct pa_range){ c, 0, take };
		left -= take;
	}
	after[4] = (struct pa_range){ -1, 0, 0 };
	want = pa_test_new(test, SMALL_SHAPE, after, NULL);
	pa_test_same(test, want, got);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_largest_free(got), 4 * CP - n * npages);
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

KUNIT_ARRAY_PARAM_DESC(free, free_cases, name);

static void pagealloc_free_test(struct kunit *test)
{
	const struct pa_free_case *tc = test->param_value;
	struct goalloc_pagealloc *got, *want;
	unsigned int f;

	got = pa_test_new(test, SMALL_SHAPE, tc->before, NULL);
	for (f = 0; tc->frees[f] != NONE; f++) {
		goalloc_pagealloc_free(got, tc->frees[f], tc->npages);
		KUNIT_ASSERT_LE(test, got->search_addr, tc->frees[f]);
		pa_test_consistent(test, got);
	}
	want = pa_test_new(test, SMALL_SHAPE, tc->after, NULL);
	pa_test_same(test, want, got);
}

/* Go's TestPageAllocAllocAndFree ("Chunks8"). */
static void pagealloc_alloc_and_free_test(struct kunit *test)
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
	unsigned int k;

	p = pa_test_new(test, SMALL_SHAPE,
			RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 },
			       { 4, 0, 0 }, { 5, 0, 0 }, { 6, 0, 0 }, { 7, 0, 0 }), NULL);
	for (k = 0; k < ARRAY_SIZE(hits); k++) {
		if (hits[k].alloc)
			KUNIT_ASSERT_EQ_MSG(test, goalloc_pagealloc_alloc(p, hits[k].npages, NULL),
					    PB(0, 0), "hit %u", k);
		else
			goalloc_pagealloc_free(p, PB(0, 0), hits[k].npages);
		pa_test_consistent(test, p);
	}
	KUNIT_EXPECT_EQ(test, p->free_pages, 0);
}

/* grow, release, regrow and the chunk-level queries. */
static void pagealloc_grow_release_test(struct kunit *test)
{
	struct goalloc_pagealloc *p, bad = {};
	unsigned long base, scav;

	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_init(&bad, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_init(&bad, GOALLOC_PAGEALLOC_MAX_CHUNKS + 1),
			-EINVAL);
	p = pa_test_init(test, 64);
	KUNIT_EXPECT_EQ(test, p->nlevels, 2);
	KUNIT_EXPECT_EQ(test, p->level_bits[0], 3);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_alloc(p, 1, NULL), NONE);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_largest_free(p), 0);

	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_grow(p, 9), 0);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_grow(p, 9), -EINVAL);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_grow(p, 64), -EINVAL);
	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_grow(p, 10), 0);
	KUNIT_EXPECT_EQ(test, p->search_addr, 9 * CP);
	KUNIT_EXPECT_EQ(test, p->free_pages, 2 * CP);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_largest_free(p), 2 * CP);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_find_free_chunk(p), 10);
	pa_test_consistent(test, p);

	base = goalloc_pagealloc_alloc(p, 3, &scav);
	KUNIT_ASSERT_EQ(test, base, 9 * CP);
	KUNIT_EXPECT_EQ(test, scav, 0);
	KUNIT_EXPECT_FALSE(test, goalloc_pagealloc_release_chunk(p, 9));
	KUNIT_EXPECT_FALSE(test, goalloc_pagealloc_release_chunk(p, 11));
	KUNIT_ASSERT_TRUE(test, goalloc_pagealloc_release_chunk(p, 10));
	KUNIT_EXPECT_FALSE(test, goalloc_pagealloc_release_chunk(p, 10));
	KUNIT_EXPECT_EQ(test, p->nr_released, 1);
	KUNIT_EXPECT_EQ(test, p->scav_pages, CP);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_largest_free(p), CP - 3);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_find_free_chunk(p), GOALLOC_NO_CHUNK);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_find_released(p), 10);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_alloc(p, CP, NULL), NONE);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_grow(p, 10), -EINVAL);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_regrow_chunk(p, 9), -EINVAL);
	pa_test_consistent(test, p);

	goalloc_pagealloc_free(p, base, 3);
	KUNIT_ASSERT_TRUE(test, goalloc_pagealloc_release_chunk(p, 9));
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_find_released(p), 9);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_alloc(p, 1, NULL), NONE);
	KUNIT_EXPECT_EQ(test, p->search_addr, NONE);
	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_regrow_chunk(p, 10), 0);
	KUNIT_EXPECT_EQ(test, p->search_addr, 10 * CP);
	KUNIT_EXPECT_EQ(test, p->scav_pages, CP);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_alloc(p, CP, &scav), 10 * CP);
	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_regrow_chunk(p, 9), 0);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_find_released(p), GOALLOC_NO_CHUNK);
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_alloc(p, 1, NULL), 9 * CP);
	KUNIT_EXPECT_EQ(test, p->scav_pages, 0);
	pa_test_consistent(test, p);
}

/* 2^14 slots: root entries of 2^21 pages use the bit-63 summary form. */
static void pagealloc_big_tree_test(struct kunit *test)
{
	unsigned long c, n = BIG_SHAPE, big = GOALLOC_PALLOC_SUM_MAX + 5, base;
	struct goalloc_pagealloc *p = pa_test_init(test, n);
	const char *why;

	KUNIT_ASSERT_EQ(test, p->nlevels, 5);
	KUNIT_ASSERT_EQ(test, p->level_bits[0], 2);
	for (c = 0; c < n; c++)
		KUNIT_ASSERT_EQ(test, goalloc_pagealloc_grow(p, c), 0);
	for (c = 0; c < 4; c++)
		KUNIT_EXPECT_EQ(test, p->summary[0][c], BIT_ULL(63));
	KUNIT_EXPECT_EQ(test, goalloc_pagealloc_largest_free(p), n * CP);

	/* Straddle the first root boundary. */
	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_alloc(p, 3, NULL), 0);
	base = goalloc_pagealloc_alloc(p, big, NULL);
	KUNIT_ASSERT_EQ(test, base, 3);
	KUNIT_EXPECT_EQ(test, p->summary[0][0], 0);
	KUNIT_EXPECT_EQ(test, p->summary[0][1],
			goalloc_pallocsum_pack(0, GOALLOC_PALLOC_SUM_MAX - 8,
					       GOALLOC_PALLOC_SUM_MAX - 8));
	KUNIT_ASSERT_EQ_MSG(test, goalloc_pagealloc_check(p, &why, NULL), 0, "%s", why);
	goalloc_pagealloc_free(p, 0, 3);
	goalloc_pagealloc_free(p, base, big);
	for (c = 0; c < 4; c++)
		KUNIT_EXPECT_EQ(test, p->summary[0][c], BIT_ULL(63));
	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_alloc(p, n * CP, NULL), 0);
	KUNIT_EXPECT_EQ(test, p->free_pages, 0);
	goalloc_pagealloc_free(p, 0, n * CP);
	KUNIT_ASSERT_EQ_MSG(test, goalloc_pagealloc_check(p, &why, NULL), 0, "%s", why);
}

/* ------------------------------------------------ randomised differential */

#define DIFF_CHUNKS	12UL
#define DIFF_PAGES	(DIFF_CHUNKS * CP)
#define DIFF_OPS	300
#define DIFF_LIVE	256

struct pa_model {
	u8 alloc[DIFF_PAGES], scav[DIFF_PAGES], state[DIFF_CHUNKS];
	struct goalloc_pagecache cache;
	unsigned long live[DIFF_LIVE][2];
	unsigned int nlive;
};

static unsigned long pa_model_first_fit(const struct pa_model *m, unsigned long n)
{
	unsigned long i, run = 0;

	for (i = 0; i < DIFF_PAGES; i++) {
		run = m->alloc[i] ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return NONE;
}

static void pa_model_chunk(struct pa_model *m, unsigned long c, u8 a, u8 s, u8 state)
{
	memset(m->alloc + c * CP, a, CP);
	memset(m->scav + c * CP, s, CP);
	m->state[c] = state;
}

static void pa_model_flush(struct pa_model *m, struct goalloc_pagealloc *p)
{
	unsigned int i;

	for (i = 0; i < 64; i++) {
		if ((m->cache.cache >> i) & 1) {
			m->alloc[m->cache.base + i] = 0;
			m->scav[m->cache.base + i] = (m->cache.scav >> i) & 1;
		}
	}
	goalloc_pagecache_flush(&m->cache, p);
}

static void pa_model_check(struct kunit *test, const struct pa_model *m,
			   const struct goalloc_pagealloc *p, unsigned int op)
{
	unsigned long c, i, free = 0, scav = 0;

	for (c = 0; c < DIFF_CHUNKS; c++) {
		KUNIT_ASSERT_EQ_MSG(test, p->chunk_state[c], m->state[c], "op %u chunk %lu", op, c);
		for (i = c * CP; i < (c + 1) * CP; i++) {
			KUNIT_ASSERT_EQ_MSG(test, goalloc_pagebits_get(p->chunks[c].pallocbits,
								       i % CP),
					    m->alloc[i], "op %u page %lu", op, i);
			KUNIT_ASSERT_EQ_MSG(test, goalloc_pagebits_get(p->chunks[c].scavenged,
								       i % CP),
					    m->scav[i], "op %u page %lu scav", op, i);
			free += m->state[c] == GOALLOC_CHUNK_GROWN && !m->alloc[i];
			scav += m->scav[i];
		}
	}
	KUNIT_ASSERT_EQ_MSG(test, p->free_pages, free, "op %u", op);
	KUNIT_ASSERT_EQ_MSG(test, p->scav_pages, scav, "op %u", op);
	pa_test_consistent(test, p);
}

/*
 * Random alloc / free / grow / release / regrow / page-cache operations; the
 * first fit, scavenged counts, bitmaps, counters and every summary must
 * match the flat model after each one.
 */
static void pagealloc_differential_test(struct kunit *test)
{
	struct pa_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct goalloc_pagealloc *p = pa_test_init(test, DIFF_CHUNKS);
	unsigned long c, i, n, got, want, scav, wscav;
	u64 seed = 0x9E3779B97F4A7C15ULL, wcache;
	unsigned int op, k, r, ran[9] = {};

	KUNIT_ASSERT_NOT_NULL(test, m);
	memset(m->alloc, 1, sizeof(m->alloc));
	for (c = 0; c < DIFF_CHUNKS; c += 2) {
		KUNIT_ASSERT_EQ(test, goalloc_pagealloc_grow(p, c), 0);
		pa_model_chunk(m, c, 0, 0, GOALLOC_CHUNK_GROWN);
	}
	for (op = 1; op <= DIFF_OPS; op++) {
		r = pa_test_rand(&seed) % 100;
		if (r < 35 && m->nlive < DIFF_LIVE) {		/* alloc */
			n = pa_test_rand(&seed) % 4 ? 1 + pa_test_rand(&seed) % 40 :
						     1 + pa_test_rand(&seed) % 1200;
			want = pa_model_first_fit(m, n);
			got = goalloc_pagealloc_alloc(p, n, &scav);
			KUNIT_ASSERT_EQ_MSG(test, got, want, "op %u alloc %lu", op, n);
			if (got == NONE)
				continue;
			for (i = got, wscav = 0; i < got + n; i++) {
				wscav += m->scav[i];
				m->alloc[i] = 1;
				m->scav[i] = 0;
			}
			KUNIT_ASSERT_EQ_MSG(test, scav, wscav, "op %u", op);
			m->live[m->nlive][0] = got;
			m->live[m->nlive++][1] = n;
			ran[0]++;
		} else if (r < 60) {				/* free */
			if (!m->nlive)
				continue;
			k = pa_test_rand(&seed) % m->nlive;
			goalloc_pagealloc_free(p, m->live[k][0], m->live[k][1]);
			memset(m->alloc + m->live[k][0], 0, m->live[k][1]);
			m->nlive--;
			m->live[k][0] = m->live[m->nlive][0];
			m->live[k][1] = m->live[m->nlive][1];
			ran[1]++;
		} else if (r < 65) {				/* grow */
			c = pa_test_rand(&seed) % DIFF_CHUNKS;
			KUNIT_ASSERT_EQ(test, goalloc_pagealloc_grow(p, c),
					m->state[c] == GOALLOC_CHUNK_ABSENT ? 0 : -EINVAL);
			if (m->state[c] == GOALLOC_CHUNK_ABSENT)
				pa_model_chunk(m, c, 0, 0, GOALLOC_CHUNK_GROWN);
			ran[2]++;
		} else if (r < 72) {				/* release */
			c = goalloc_pagealloc_find_free_chunk(p);
			if (c == GOALLOC_NO_CHUNK || pa_test_rand(&seed) % 2)
				c = pa_test_rand(&seed) % DIFF_CHUNKS;
			k = m->state[c] == GOALLOC_CHUNK_GROWN &&
			    !memchr(m->alloc + c * CP, 1, CP);
			KUNIT_ASSERT_EQ_MSG(test, goalloc_pagealloc_release_chunk(p, c), !!k,
					    "op %u chunk %lu", op, c);
			if (k) {
				pa_model_chunk(m, c, 1, 1, GOALLOC_CHUNK_RELEASED);
				ran[3]++;
			}
		} else if (r < 77) {				/* regrow */
			want = GOALLOC_NO_CHUNK;
			for (c = 0; c < DIFF_CHUNKS && want == GOALLOC_NO_CHUNK; c++)
				if (m->state[c] == GOALLOC_CHUNK_RELEASED)
					want = c;
			KUNIT_ASSERT_EQ(test, goalloc_pagealloc_find_released(p), want);
			if (want == GOALLOC_NO_CHUNK)
				continue;
			KUNIT_ASSERT_EQ(test, goalloc_pagealloc_regrow_chunk(p, want), 0);
			pa_model_chunk(m, want, 0, 0, GOALLOC_CHUNK_GROWN);
			ran[4]++;
		} else if (r < 85) {				/* refill the cache */
			pa_model_flush(m, p);
			want = pa_model_first_fit(m, 1);
			c = want == NONE ? 0 : round_down(want, 64);
			wcache = 0;
			for (i = 0; want != NONE && i < 64; i++)
				wcache |= (u64)!m->alloc[c + i] << i;
			KUNIT_ASSERT_EQ(test, goalloc_pagealloc_alloc_to_cache(p, &m->cache),
					want != NONE);
			KUNIT_ASSERT_EQ_MSG(test, m->cache.base, c, "op %u", op);
			KUNIT_ASSERT_EQ_MSG(test, m->cache.cache, wcache, "op %u", op);
			KUNIT_ASSERT_EQ(test, m->cache.scav & ~wcache, 0);
			for (i = 0; i < 64; i++) {
				if ((wcache >> i) & 1) {
					KUNIT_ASSERT_EQ(test, (m->cache.scav >> i) & 1,
							(u64)m->scav[c + i]);
					m->alloc[c + i] = 1;
					m->scav[c + i] = 0;
				}
			}
			ran[5]++;
		} else if (r < 95 && m->nlive < DIFF_LIVE) {	/* cache alloc */
			n = 1 + pa_test_rand(&seed) % 6;
			want = NONE;
			for (i = 0; i + n <= 64 && want == NONE && m->cache.cache; i++)
				if (((m->cache.cache >> i) & goalloc_pagebits_mask(0, n)) ==
				    goalloc_pagebits_mask(0, n))
					want = m->cache.base + i;
			wscav = want == NONE ? 0 :
				hweight64(m->cache.scav &
					  goalloc_pagebits_mask(want - m->cache.base, n));
			got = goalloc_pagecache_alloc(&m->cache, n, &scav);
			KUNIT_ASSERT_EQ_MSG(test, got, want, "op %u cache alloc %lu", op, n);
			KUNIT_ASSERT_EQ(test, scav, wscav);
			if (got == NONE)
				continue;
			m->live[m->nlive][0] = got;
			m->live[m->nlive++][1] = n;
			ran[6]++;
		} else if (r == 99) {				/* drain, release */
			pa_model_flush(m, p);
			for (k = 0; k < m->nlive; k++) {
				goalloc_pagealloc_free(p, m->live[k][0], m->live[k][1]);
				memset(m->alloc + m->live[k][0], 0, m->live[k][1]);
			}
			m->nlive = 0;
			c = goalloc_pagealloc_find_free_chunk(p);
			if (c != GOALLOC_NO_CHUNK) {
				KUNIT_ASSERT_TRUE(test, goalloc_pagealloc_release_chunk(p, c));
				pa_model_chunk(m, c, 1, 1, GOALLOC_CHUNK_RELEASED);
			}
			ran[7]++;
		} else {					/* mark free pages scavenged */
			u64 a[GOALLOC_PALLOC_CHUNK_WORDS], s[GOALLOC_PALLOC_CHUNK_WORDS];

			c = pa_test_rand(&seed) % DIFF_CHUNKS;
			if (m->state[c] != GOALLOC_CHUNK_GROWN)
				continue;
			for (k = 0; k < GOALLOC_PALLOC_CHUNK_WORDS; k++) {
				a[k] = p->chunks[c].pallocbits[k];
				s[k] = p->chunks[c].scavenged[k] |
				       (pa_test_rand(&seed) & pa_test_rand(&seed) & ~a[k]);
			}
			KUNIT_ASSERT_EQ(test, goalloc_pagealloc_load_chunk(p, c, a, s), 0);
			for (i = 0; i < CP; i++)
				m->scav[c * CP + i] = goalloc_pagebits_get(s, i);
			ran[8]++;
		}
		pa_model_check(test, m, p, op);
	}
	/* The fixed seed must have reached every kind of operation. */
	for (k = 0; k < ARRAY_SIZE(ran); k++)
		KUNIT_EXPECT_GT_MSG(test, ran[k], 0, "operation kind %u never ran", k);
	pa_model_flush(m, p);
	for (k = 0; k < m->nlive; k++)
		goalloc_pagealloc_free(p, m->live[k][0], m->live[k][1]);
	KUNIT_EXPECT_EQ(test, p->free_pages, p->nr_chunks * CP);
	pa_test_consistent(test, p);
}

static struct kunit_case goalloc_pagealloc_cases[] = {
	KUNIT_CASE(pallocsum_pack_test),
	KUNIT_CASE(find_bit_range64_test),
	KUNIT_CASE(pallocbits_popcnt_test),
	KUNIT_CASE_PARAM(pallocbits_summarize_test, sum_gen_params),
	KUNIT_CASE(pallocbits_summarize_random_test),
	KUNIT_CASE_PARAM(pallocbits_find_test, find_gen_params),
	KUNIT_CASE_PARAM(pagealloc_alloc_test, alloc_gen_params),
	KUNIT_CASE_PARAM(pagealloc_exhaust_test, exhaust_gen_params),
	KUNIT_CASE_PARAM(pagealloc_free_test, free_gen_params),
	KUNIT_CASE(pagealloc_alloc_and_free_test),
	KUNIT_CASE(pagealloc_grow_release_test),
	KUNIT_CASE(pagealloc_big_tree_test),
	KUNIT_CASE(pagealloc_differential_test),
	{}
};

static struct kunit_suite goalloc_pagealloc_suite = {
	.name = "goalloc_pagealloc",
	.test_cases = goalloc_pagealloc_cases,
};

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

KUNIT_ARRAY_PARAM_DESC(pc_alloc, pc_alloc_cases, name);

static void pagecache_alloc_test(struct kunit *test)
{
	const struct pc_alloc_case *tc = test->param_value;
	struct goalloc_pagecache c = { B0, tc->cache, tc->scav };
	unsigned long base, scav;
	unsigned int h;

	for (h = 0; tc->hits[h].npages; h++) {
		scav = ~0UL;
		base = goalloc_pagecache_alloc(&c, tc->hits[h].npages, &scav);
		KUNIT_ASSERT_EQ_MSG(test, base, tc->hits[h].base, "hit %u", h);
		KUNIT_ASSERT_EQ_MSG(test, scav, tc->hits[h].scav, "hit %u scav", h);
	}
}

/* Go's TestPageCacheFlush for one cache: pages and scavenged bits return. */
static void pa_test_flush_one(struct kunit *test, unsigned int base, u64 cache, u64 scav)
{
	struct goalloc_pagecache c = { PB(0, base), cache, scav };
	u64 a[GOALLOC_PALLOC_CHUNK_WORDS] = {}, s[GOALLOC_PALLOC_CHUNK_WORDS] = {};
	struct goalloc_pagealloc *got, *want;

	got = pa_test_new(test, SMALL_SHAPE, RANGES({ 0, base, 64 }), NULL);
	goalloc_pagecache_flush(&c, got);
	KUNIT_ASSERT_TRUE(test, goalloc_pagecache_empty(&c));
	want = pa_test_new(test, SMALL_SHAPE, RANGES({ 0, 0, 0 }), NULL);
	a[base / 64] = ~cache;
	s[base / 64] = scav;
	KUNIT_ASSERT_EQ(test, goalloc_pagealloc_load_chunk(want, BASE, a, s), 0);
	pa_test_same(test, want, got);
}

static void pagecache_flush_test(struct kunit *test)
{
	u64 seed = 0xf1a5, cache;
	unsigned int k;

	pa_test_flush_one(test, 0, 0, 0);
	pa_test_flush_one(test, 0, ~0ULL, ~0ULL);
	for (k = 0; k < 20; k++) {
		cache = pa_test_rand(&seed);
		pa_test_flush_one(test, (pa_test_rand(&seed) % (CP / 64)) * 64, cache,
				  pa_test_rand(&seed) & cache);
	}
}

struct pc_to_cache_case {
	const char *name;
	unsigned long shape;
	const struct pa_range *before, *scav;
	struct goalloc_pagecache hits[4];
	unsigned int nhits;
	const struct pa_range *after, *after_scav;
};

/* Go's TestPageAllocAllocToCache. */
static const struct pc_to_cache_case to_cache_cases[] = {
	{ "AllFree", SMALL_SHAPE, RANGES({ 0, 0, 0 }), RANGES({ 0, 1, 1 }, { 0, 64, 64 }),
	  { { PB(0, 0), ~0ULL, 0x2 }, { PB(0, 64), ~0ULL, ~0ULL },
	    { PB(0, 128), ~0ULL, 0 }, { PB(0, 192), ~0ULL, 0 } }, 4,
	  RANGES({ 0, 0, 256 }), NULL },
	{ "ManyArena", SMALL_SHAPE, RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP - 64 }),
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, 0 }),
	  { { PB(2, CP - 64), ~0ULL, 0 } }, 1,
	  RANGES({ 0, 0, CP }, { 1, 0, CP }, { 2, 0, CP }), NULL },
	{ "NotContiguous", SMALL_SHAPE, RANGES({ 0, 0, CP }, { 0xff, 0, 0 }),
	  RANGES({ 0, 0, CP }, { 0xff, 31, 67 }),
	  { { PB(0xff, 0), ~0ULL, ((1ULL << 33) - 1) << 31 } }, 1,
	  RANGES({ 0, 0, CP }, { 0xff, 0, 64 }),
	  RANGES({ 0, 0, CP }, { 0xff, 64, 34 }) },
	{ "First", SMALL_SHAPE, RANGES({ 0, 0, 32 }, { 0, 33, 31 }, { 0, 96, 32 }),
	  RANGES({ 0, 1, 4 }, { 0, 31, 5 }, { 0, 66, 2 }),
	  { { PB(0, 0), 1ULL << 32, 1ULL << 32 },
	    { PB(0, 64), (1ULL << 32) - 1, 0x3 << 2 } }, 2,
	  RANGES({ 0, 0, 128 }), NULL },
	{ "Fail", SMALL_SHAPE, RANGES({ 0, 0, CP }), NULL,
	  { { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } }, 3,
	  RANGES({ 0, 0, CP }), NULL },
	{ "RetainScavBits", SMALL_SHAPE, RANGES({ 0, 0, 1 }, { 0, 10, 2 }),
	  RANGES({ 0, 0, 4 }, { 0, 11, 1 }),
	  { { PB(0, 0), ~(0x1ULL | (0x3ULL << 10)), 0x7 << 1 } }, 1,
	  RANGES({ 0, 0, 64 }), RANGES({ 0, 0, 1 }, { 0, 11, 1 }) },
	{ "DiscontiguousSumBoundary", BIG_SHAPE,
	  RANGES({ 508, 0, CP - 1 }, { JUMP, 1, CP - 1 }),
	  RANGES({ 508, 0, 0 }, { JUMP, 0, 0 }),
	  { { PB(508, CP - 64), 1ULL << 63, 0 }, { PB(JUMP, 0), 1, 0 }, { 0, 0, 0 } }, 3,
	  RANGES({ 508, 0, CP }, { JUMP, 0, CP }), NULL },
};

KUNIT_ARRAY_PARAM_DESC(to_cache, to_cache_cases, name);

static void pagealloc_alloc_to_cache_test(struct kunit *test)
{
	const struct pc_to_cache_case *tc = test->param_value;
	struct goalloc_pagealloc *got, *want;
	struct goalloc_pagecache c;
	unsigned int h;
	bool ok;

	got = pa_test_new(test, tc->shape, tc->before, tc->scav);
	for (h = 0; h < tc->nhits; h++) {
		ok = goalloc_pagealloc_alloc_to_cache(got, &c);
		KUNIT_ASSERT_EQ_MSG(test, ok, tc->hits[h].cache != 0, "#%u", h);
		KUNIT_ASSERT_EQ_MSG(test, c.base, tc->hits[h].base, "#%u", h);
		KUNIT_ASSERT_EQ_MSG(test, c.cache, tc->hits[h].cache, "#%u", h);
		KUNIT_ASSERT_EQ_MSG(test, c.scav, tc->hits[h].scav, "#%u", h);
		pa_test_consistent(test, got);
	}
	want = pa_test_new(test, tc->shape, tc->after, tc->after_scav);
	pa_test_same(test, want, got);
}

static struct kunit_case goalloc_pagecache_cases[] = {
	KUNIT_CASE_PARAM(pagecache_alloc_test, pc_alloc_gen_params),
	KUNIT_CASE(pagecache_flush_test),
	KUNIT_CASE_PARAM(pagealloc_alloc_to_cache_test, to_cache_gen_params),
	{}
};

static struct kunit_suite goalloc_pagecache_suite = {
	.name = "goalloc_pagecache",
	.test_cases = goalloc_pagecache_cases,
};

kunit_test_suites(&goalloc_pagealloc_suite, &goalloc_pagecache_suite);
