// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace tests for goalloc's page allocator and page cache: the cases of
 * Go 1.19's mpallocbits_test.go, mpagealloc_test.go and mpagecache_test.go
 * in page-index form, run on several radix-tree shapes, plus a randomised
 * differential test against a flat one-byte-per-page model.
 *
 * After every operation the summaries are recomputed from the bitmaps with a
 * naive run scan and compared level by level.  GOALLOC_SEED reseeds.
 */
#include "../../../mod/pagealloc.c"
#include "../../../mod/pagecache.c"

#include <stdint.h>

#include "kselftest_harness.h"
#include "harness.h"

#define CP	GOALLOC_PALLOC_CHUNK_PAGES
#define NONE	GOALLOC_NO_PAGE

/* Go's BaseChunkIdx: cases place chunks relative to a non-zero slot. */
#define BASE	3UL
#define PB(c, i)	((BASE + (c)) * (unsigned long)CP + (i))

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

/*
 * The harness's ASSERT_*() expand to more than one statement (the optional
 * TH_LOG() is the body of a trailing for), so a loop body needs wrapping to
 * report the failing iteration.
 */
#define IN_LOOP(...)	({ __VA_ARGS__; })

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

/* Naive run lengths over pages [first, first + n), bit by bit. */
static void naive_runs_bits(const u64 *b, unsigned int nbits, unsigned long *start,
			    unsigned long *max, unsigned long *end)
{
	unsigned long st = ~0UL, mx = 0, cur = 0;
	unsigned int k;

	for (k = 0; k < nbits; k++) {
		if ((b[k / 64] >> (k % 64)) & 1) {
			if (st == ~0UL)
				st = cur;
			mx = cur > mx ? cur : mx;
			cur = 0;
		} else {
			cur++;
		}
	}
	if (st == ~0UL)
		st = cur;
	*start = st;
	*max = cur > mx ? cur : mx;
	*end = cur;
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
	unsigned long st = ~0UL, mx = 0, cur = 0, c;
	unsigned int k, w, ones, zeros;

	for (c = c0; c < c1; c++) {
		const u64 *b = c < p->max_chunks ? p->chunks[c].pallocbits : NULL;

		/* Disjoint chunks: a run ends at every chunk boundary. */
		if (p->disjoint && c > c0) {
			if (st == ~0UL)
				st = cur;
			mx = cur > mx ? cur : mx;
			cur = 0;
		}
		ones = zeros = 0;
		for (w = 0; b && w < GOALLOC_PALLOC_CHUNK_WORDS; w++) {
			ones += b[w] == ~0ULL;
			zeros += b[w] == 0;
		}
		if (!b || ones == GOALLOC_PALLOC_CHUNK_WORDS) {
			if (st == ~0UL)
				st = cur;
			mx = cur > mx ? cur : mx;
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
				mx = cur > mx ? cur : mx;
				cur = 0;
			} else {
				cur++;
			}
		}
	}
	if (st == ~0UL)
		st = cur;
	*start = st;
	*max = cur > mx ? cur : mx;
	*end = cur;
}

/* Every summary of every level equals a naive recomputation. */
static void check_summaries(struct __test_metadata *_metadata,
			    const struct goalloc_pagealloc *p)
{
	unsigned int l;

	for (l = 0; l < p->nlevels; l++) {
		unsigned long n = 1UL << (p->level_bits[0] + 3 * l), i, s, m, e;
		unsigned long cpe = 1UL << (p->level_log_pages[l] - 9);

		for (i = 0; i < n; i++) {
			u64 sum = p->summary[l][i];

			naive_runs(p, i * cpe, (i + 1) * cpe, &s, &m, &e);
			if (goalloc_pallocsum_start(sum) != s || goalloc_pallocsum_max(sum) != m ||
			    goalloc_pallocsum_end(sum) != e) {
				TH_LOG("level %u entry %lu: got (%u,%u,%u) want (%lu,%lu,%lu)", l, i,
				       goalloc_pallocsum_start(sum), goalloc_pallocsum_max(sum),
				       goalloc_pallocsum_end(sum), s, m, e);
				ASSERT_TRUE(0);
			}
		}
	}
}

static void check_consistent(struct __test_metadata *_metadata,
			     const struct goalloc_pagealloc *p)
{
	const char *why;
	unsigned long where;

	ASSERT_EQ(0, goalloc_pagealloc_check(p, &why, &where))
		TH_LOG("check: %s at %lu", why, where);
	check_summaries(_metadata, p);
}

static void chunk_bits_of(const struct pa_range *r, long chunk, u64 *b)
{
	memset(b, 0, GOALLOC_PALLOC_CHUNK_WORDS * sizeof(u64));
	for (; r && r->chunk >= 0; r++)
		if (r->chunk == chunk && r->n)
			goalloc_pagebits_set_range(b, r->i, r->n);
}

/*
 * Go's NewPageAlloc: grow every chunk named in @alloc, then load its in-use
 * and scavenged bits (in-use pages lose their scavenged bit).
 */
static void new_pagealloc(struct __test_metadata *_metadata, struct goalloc_pagealloc *p,
			  unsigned long max_chunks, const struct pa_range *alloc,
			  const struct pa_range *scav)
{
	const struct pa_range *r;
	u64 a[GOALLOC_PALLOC_CHUNK_WORDS], s[GOALLOC_PALLOC_CHUNK_WORDS];

	ASSERT_EQ(0, goalloc_pagealloc_init(p, max_chunks));
	for (r = alloc; r->chunk >= 0; r++) {
		if (p->chunk_state[BASE + r->chunk] != GOALLOC_CHUNK_ABSENT)
			continue;
		ASSERT_EQ(0, goalloc_pagealloc_grow(p, BASE + r->chunk));
	}
	for (r = alloc; r->chunk >= 0; r++) {
		chunk_bits_of(alloc, r->chunk, a);
		chunk_bits_of(scav, r->chunk, s);
		ASSERT_EQ(0, goalloc_pagealloc_load_chunk(p, BASE + r->chunk, a, s));
	}
	check_consistent(_metadata, p);
}

/* Go's checkPageAlloc, plus summaries and counters. */
static void check_same(struct __test_metadata *_metadata, const struct goalloc_pagealloc *want,
		       const struct goalloc_pagealloc *got)
{
	unsigned long c, i, n;
	unsigned int l, w;

	ASSERT_EQ(want->max_chunks, got->max_chunks);
	for (c = 0; c < got->max_chunks; c++) {
		ASSERT_EQ(want->chunk_state[c], got->chunk_state[c]) TH_LOG("chunk %lu", c);
		for (w = 0; w < GOALLOC_PALLOC_CHUNK_WORDS; w++) {
			ASSERT_EQ(want->chunks[c].pallocbits[w], got->chunks[c].pallocbits[w])
				TH_LOG("chunk %lu word %u (pallocbits)", c, w);
			ASSERT_EQ(want->chunks[c].scavenged[w], got->chunks[c].scavenged[w])
				TH_LOG("chunk %lu word %u (scavenged)", c, w);
		}
	}
	for (l = 0; l < got->nlevels; l++) {
		n = 1UL << (got->level_bits[0] + 3 * l);
		for (i = 0; i < n; i++) {
			ASSERT_EQ(want->summary[l][i], got->summary[l][i])
				TH_LOG("summary level %u entry %lu", l, i);
		}
	}
	ASSERT_EQ(want->free_pages, got->free_pages);
	ASSERT_EQ(want->scav_pages, got->scav_pages);
	ASSERT_EQ(want->nr_chunks, got->nr_chunks);
	check_consistent(_metadata, got);
}

/* Tree shapes the table cases run on: 3, 5 and 5 levels (root 8, 2, 4). */
static const unsigned long shapes[] = { 300, 5000, 1UL << 14 };

/* ------------------------------------------------------- pallocsum / bits */

TEST(pallocsum_pack)
{
	uint64_t seed = harness_seed();
	unsigned int k, s, m, e;
	u64 sum;

	sum = goalloc_pallocsum_pack(CP, CP, CP);
	ASSERT_EQ(GOALLOC_PALLOC_FREE_CHUNK_SUM, sum);
	sum = goalloc_pallocsum_pack(GOALLOC_PALLOC_SUM_MAX, GOALLOC_PALLOC_SUM_MAX,
				     GOALLOC_PALLOC_SUM_MAX);
	ASSERT_EQ(BIT_ULL(63), sum);
	goalloc_pallocsum_unpack(sum, &s, &m, &e);
	ASSERT_EQ(GOALLOC_PALLOC_SUM_MAX, s);
	ASSERT_EQ(GOALLOC_PALLOC_SUM_MAX, m);
	ASSERT_EQ(GOALLOC_PALLOC_SUM_MAX, e);
	ASSERT_EQ(0, goalloc_pallocsum_pack(0, 0, 0));
	for (k = 0; k < 10000; k++) {
		unsigned int a = harness_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;
		unsigned int b = harness_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;
		unsigned int c = harness_rand(&seed) % GOALLOC_PALLOC_SUM_MAX;

		sum = goalloc_pallocsum_pack(a, b, c);
		ASSERT_EQ(0, sum >> 63);
		goalloc_pallocsum_unpack(sum, &s, &m, &e);
		ASSERT_EQ(a, s);
		ASSERT_EQ(b, m);
		ASSERT_EQ(c, e);
	}
}

/* Go's TestPallocBitsAllocRange. */
TEST(pallocbits_alloc_range)
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
			IN_LOOP(ASSERT_EQ(want[w], got[w]) TH_LOG("case %u word %u", k, w));
		goalloc_pagebits_clear_range(got, cases[k].r.i, cases[k].r.n);
		for (w = 0; w < 8; w++)
			ASSERT_EQ(0, got[w]);
	}
}

/* Go's TestMallocBitsPopcntRange. */
TEST(pallocbits_popcnt_range)
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
		ASSERT_EQ(cases[k].want, goalloc_pagebits_popcnt_range(b, cases[k].i, cases[k].n))
			TH_LOG("case %u", k);
	}
}

/* Go's TestPallocBitsSummarizeRandom and the benchmark's word patterns. */
TEST(pallocbits_summarize_random)
{
	static const u64 patterns[] = {
		0, ~0ULL, 0xaa, 0xaaaaaaaaaaaaaaaa, 0x80000000aaaaaaaa,
		0xaaaaaaaa00000001, 0xbbbbbbbbbbbbbbbb, 0x80000000bbbbbbbb,
		0xbbbbbbbb00000001, 0xcccccccccccccccc, 0x4444444444444444,
		0x4040404040404040, 0x4000400040004000, 0x1000404044ccaaff,
	};
	uint64_t seed = harness_seed();
	unsigned int k, w;
	u64 b[8];

	for (k = 0; k < ARRAY_SIZE(patterns); k++) {
		for (w = 0; w < 8; w++)
			b[w] = patterns[k];
		ASSERT_EQ(summarize_slow(b), goalloc_pallocbits_summarize(b))
			TH_LOG("pattern %#llx", (unsigned long long)patterns[k]);
	}
	/* Random words, then sparse and dense ones with long runs. */
	for (k = 0; k < 30000; k++) {
		for (w = 0; w < 8; w++) {
			u64 x = harness_rand(&seed);

			if (k % 3 == 1)
				x &= harness_rand(&seed) & harness_rand(&seed);
			else if (k % 3 == 2)
				x |= harness_rand(&seed) | harness_rand(&seed);
			if (harness_rand(&seed) % 8 == 0)
				x = harness_rand(&seed) & 1 ? 0 : ~0ULL;
			b[w] = x;
		}
		ASSERT_EQ(summarize_slow(b), goalloc_pallocbits_summarize(b))
			TH_LOG("iteration %u", k);
	}
}

/* Go's TestPallocBitsSummarize (ranges are the *free* pages). */
TEST(pallocbits_summarize)
{
	static const struct {
		struct bit_range free[3];
		unsigned int nfree, s, m, e;
	} cases[] = {
		{ {}, 0, 0, 0, 0 },					/* NoneFree */
		{ { { 0, 10 } }, 1, 10, 10, 0 },			/* OnlyStart */
		{ { { CP - 40, 40 } }, 1, 0, 40, 40 },			/* OnlyEnd */
		{ { { 0, 11 }, { CP - 23, 23 } }, 2, 11, 23, 23 },	/* StartAndEnd */
		{ { { 0, 4 }, { 50, 100 }, { CP - 4, 4 } }, 3, 4, 100, 4 }, /* StartMaxEnd */
		{ { { 1, 20 }, { 35, 241 }, { CP - 50, 30 } }, 3, 0, 241, 0 }, /* OnlyMax */
		{ { { 35, 2 }, { 40, 5 }, { 100, 5 } }, 3, 0, 5, 0 },	/* MultiMax */
		{ { { 2, 1 } }, 1, 0, 1, 0 },				/* One */
		{ { { 0, CP } }, 1, CP, CP, CP },			/* AllFree */
	};
	unsigned int k;
	u64 b[8];

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		make_bits(b, cases[k].free, cases[k].nfree);
		invert_bits(b);
		ASSERT_EQ(goalloc_pallocsum_pack(cases[k].s, cases[k].m, cases[k].e),
			  goalloc_pallocbits_summarize(b)) TH_LOG("case %u", k);
	}
}

/* Go's TestPallocBitsAlloc: repeated first fits with no search hint. */
TEST(pallocbits_find)
{
	static const struct {
		const char *name;
		struct bit_range before[3], after[3];
		unsigned int nbefore, nafter, npages;
		unsigned int hits[6], nhits;
	} cases[] = {
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
	unsigned int k, h, w, got, sidx;
	u64 b[8], want[8];

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		make_bits(b, cases[k].before, cases[k].nbefore);
		for (h = 0; h < cases[k].nhits; h++) {
			got = goalloc_pallocbits_find(b, cases[k].npages, 0, &sidx);
			ASSERT_EQ(cases[k].hits[h], got) TH_LOG("%s hit %u", cases[k].name, h);
			if (got != ~0U)
				goalloc_pagebits_set_range(b, got, cases[k].npages);
		}
		make_bits(want, cases[k].after, cases[k].nafter);
		for (w = 0; w < 8; w++)
			IN_LOOP(ASSERT_EQ(want[w], b[w]) TH_LOG("%s word %u", cases[k].name, w));
	}
}

/* Go's TestPallocBitsFree (ranges are the *free* pages). */
TEST(pallocbits_free)
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
			IN_LOOP(ASSERT_EQ(want[w], b[w]) TH_LOG("case %u word %u", k, w));
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
TEST(find_bit_range64)
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
	uint64_t seed = harness_seed();
	unsigned int k, n, got;

	for (n = 1; n <= 64; n++) {
		ASSERT_EQ(0, goalloc_find_bit_range64(~0ULL, n));
		ASSERT_LE(64, goalloc_find_bit_range64(0, n));
	}
	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		unsigned int want = cases[k].want;

		if (want == ~0U)
			want = 64;
		got = goalloc_find_bit_range64(cases[k].x, cases[k].n);
		ASSERT_EQ(want, min(got, 64U)) TH_LOG("case %u", k);
	}
	for (k = 0; k < 200000; k++) {
		u64 x = harness_rand(&seed);

		if (k & 1)
			x |= harness_rand(&seed) | harness_rand(&seed);
		n = 1 + harness_rand(&seed) % (k & 2 ? 64 : 12);
		got = goalloc_find_bit_range64(x, n);
		ASSERT_EQ(naive_bit_range64(x, n), got < 64 ? got : 64)
			TH_LOG("x=%#llx n=%u", (unsigned long long)x, n);
	}
}

/* pallocbits find with hints: first fit at or after the hint's word. */
TEST(pallocbits_find_random)
{
	uint64_t seed = harness_seed();
	unsigned int k, w, n, sidx, got, want, first, i, run;
	u64 b[8];

	for (k = 0; k < 20000; k++) {
		unsigned int hint = harness_rand(&seed) % CP;

		for (w = 0; w < 8; w++)
			b[w] = harness_rand(&seed) | harness_rand(&seed) |
			       (k & 1 ? harness_rand(&seed) : 0);
		if (k % 5 == 0)
			goalloc_pagebits_clear_range(b, harness_rand(&seed) % 400,
						     1 + harness_rand(&seed) % 100);
		/* Pages below the hint are in use, as the allocator guarantees. */
		if (hint)
			goalloc_pagebits_set_range(b, 0, hint);
		n = 1 + harness_rand(&seed) % (k & 2 ? 130 : 10);
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
		ASSERT_EQ(want, got) TH_LOG("iteration %u n %u hint %u", k, n, hint);
		if (got != ~0U) {
			/* The new hint is a free page no later than the fit. */
			ASSERT_EQ(first, sidx);
		}
	}
}

/* mergeSummaries of 8 chunks equals the summary of the 4096 joined pages. */
TEST(pallocsum_merge)
{
	uint64_t seed = harness_seed();
	u64 bits[8][8], sums[8], all[64];
	unsigned long s, m, e;
	unsigned int k, c, w;

	for (k = 0; k < 3000; k++) {
		for (c = 0; c < 8; c++) {
			unsigned int kind = harness_rand(&seed) % 4;

			for (w = 0; w < 8; w++) {
				u64 x = harness_rand(&seed) | harness_rand(&seed);

				bits[c][w] = kind == 0 ? 0 : kind == 1 ? ~0ULL : x;
				if (kind == 3 && harness_rand(&seed) % 3 == 0)
					bits[c][w] = 0;
			}
			sums[c] = goalloc_pallocbits_summarize(bits[c]);
			memcpy(&all[c * 8], bits[c], sizeof(bits[c]));
		}
		naive_runs_bits(all, 8 * CP, &s, &m, &e);
		ASSERT_EQ(goalloc_pallocsum_pack(s, m, e), goalloc_pallocsum_merge(sums, 8, 9))
			TH_LOG("iteration %u", k);
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

#define JUMP	0x1000UL	/* Go's chunkIdxBigJump, scaled down */

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

TEST(pagealloc_alloc)
{
	struct goalloc_pagealloc got, want;
	unsigned int k, s, h;

	for (s = 0; s < ARRAY_SIZE(shapes); s++) {
		for (k = 0; k < ARRAY_SIZE(alloc_cases); k++) {
			const struct pa_alloc_case *tc = &alloc_cases[k];

			if (tc->need_chunks > shapes[s])
				continue;
			new_pagealloc(_metadata, &got, shapes[s], tc->before, tc->scav);
			for (h = 0; tc->hits[h].npages; h++) {
				unsigned long scav = ~0UL;
				unsigned long base = goalloc_pagealloc_alloc(&got, tc->hits[h].npages,
									     &scav);

				ASSERT_EQ(tc->hits[h].base, base)
					TH_LOG("%s/%lu: alloc #%u", tc->name, shapes[s], h + 1);
				ASSERT_EQ(tc->hits[h].scav, scav)
					TH_LOG("%s/%lu: alloc #%u scav", tc->name, shapes[s], h + 1);
				check_consistent(_metadata, &got);
			}
			new_pagealloc(_metadata, &want, shapes[s], tc->after, tc->scav);
			check_same(_metadata, &want, &got);
			goalloc_pagealloc_destroy(&want);
			goalloc_pagealloc_destroy(&got);
		}
	}
}

/* Go's TestPageAllocExhaust: four chunks, fixed-size allocations. */
TEST(pagealloc_exhaust)
{
	static const unsigned long sizes[] = {
		1, 2, 3, 4, 5, 8, 16, 64, 1024, 1025, 2048, 2049,
	};
	const struct pa_range *four = RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 },
					     { 3, 0, 0 });
	struct pa_range after[5];
	struct goalloc_pagealloc got, want;
	unsigned int k, c;
	unsigned long i, n;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		unsigned long npages = sizes[k], left;

		new_pagealloc(_metadata, &got, shapes[0], four, NULL);
		n = 4 * CP / npages;
		for (i = 0; i < n; i++) {
			ASSERT_EQ(PB(0, i * npages), goalloc_pagealloc_alloc(&got, npages, NULL))
				TH_LOG("npages %lu alloc #%lu", npages, i + 1);
		}
		ASSERT_EQ(NONE, goalloc_pagealloc_alloc(&got, npages, NULL));
		left = n * npages;
		for (c = 0; c < 4; c++) {
			unsigned long take = left > CP ? CP : left;

			after[c] = (struct pa_range){ c, 0, take };
			left -= take;
		}
		after[4] = (struct pa_range){ -1, 0, 0 };
		new_pagealloc(_metadata, &want, shapes[0], after, NULL);
		check_same(_metadata, &want, &got);
		/* What is left is one run at the end. */
		ASSERT_EQ(4 * CP - n * npages, goalloc_pagealloc_largest_free(&got));
		goalloc_pagealloc_destroy(&want);
		goalloc_pagealloc_destroy(&got);
	}
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

TEST(pagealloc_free)
{
	struct goalloc_pagealloc got, want;
	unsigned int k, s, f;

	for (s = 0; s < ARRAY_SIZE(shapes); s++) {
		for (k = 0; k < ARRAY_SIZE(free_cases); k++) {
			const struct pa_free_case *tc = &free_cases[k];

			new_pagealloc(_metadata, &got, shapes[s], tc->before, NULL);
			for (f = 0; tc->frees[f] != NONE; f++) {
				goalloc_pagealloc_free(&got, tc->frees[f], tc->npages);
				ASSERT_LE(got.search_addr, tc->frees[f]) TH_LOG("%s", tc->name);
				check_consistent(_metadata, &got);
			}
			new_pagealloc(_metadata, &want, shapes[s], tc->after, NULL);
			check_same(_metadata, &want, &got);
			goalloc_pagealloc_destroy(&want);
			goalloc_pagealloc_destroy(&got);
		}
	}
}

/* Go's TestPageAllocAllocAndFree ("Chunks8"). */
TEST(pagealloc_alloc_and_free)
{
	static const struct {
		bool alloc;
		unsigned long npages, base;
	} hits[] = {
		{ true, CP * 8, PB(0, 0) }, { false, CP * 8, PB(0, 0) },
		{ true, CP * 8, PB(0, 0) }, { false, CP * 8, PB(0, 0) },
		{ true, CP * 8, PB(0, 0) }, { false, CP * 8, PB(0, 0) },
		{ true, 1, PB(0, 0) }, { false, 1, PB(0, 0) },
		{ true, CP * 8, PB(0, 0) },
	};
	struct goalloc_pagealloc p;
	unsigned int k, s;

	for (s = 0; s < ARRAY_SIZE(shapes); s++) {
		new_pagealloc(_metadata, &p, shapes[s],
			      RANGES({ 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 },
				     { 4, 0, 0 }, { 5, 0, 0 }, { 6, 0, 0 }, { 7, 0, 0 }), NULL);
		for (k = 0; k < ARRAY_SIZE(hits); k++) {
			if (hits[k].alloc) {
				ASSERT_EQ(hits[k].base,
					  goalloc_pagealloc_alloc(&p, hits[k].npages, NULL))
					TH_LOG("hit %u", k);
			} else {
				goalloc_pagealloc_free(&p, hits[k].base, hits[k].npages);
			}
			check_consistent(_metadata, &p);
		}
		ASSERT_EQ(0, p.free_pages);
		goalloc_pagealloc_destroy(&p);
	}
}

/* grow / release / regrow and the chunk-level queries. */
TEST(pagealloc_grow_release)
{
	struct goalloc_pagealloc p;
	unsigned long base, scav;

	ASSERT_EQ(-EINVAL, goalloc_pagealloc_init(&p, 0));
	ASSERT_EQ(-EINVAL, goalloc_pagealloc_init(&p, GOALLOC_PAGEALLOC_MAX_CHUNKS + 1));
	ASSERT_EQ(0, goalloc_pagealloc_init(&p, 64));
	ASSERT_EQ(2, p.nlevels);
	ASSERT_EQ(3, p.level_bits[0]);
	check_consistent(_metadata, &p);
	/* Nothing grown: everything is in use. */
	ASSERT_EQ(NONE, goalloc_pagealloc_alloc(&p, 1, NULL));
	ASSERT_EQ(0, goalloc_pagealloc_largest_free(&p));
	ASSERT_EQ(GOALLOC_NO_CHUNK, goalloc_pagealloc_find_free_chunk(&p));

	ASSERT_EQ(0, goalloc_pagealloc_grow(&p, 9));
	ASSERT_EQ(-EINVAL, goalloc_pagealloc_grow(&p, 9));
	ASSERT_EQ(-EINVAL, goalloc_pagealloc_grow(&p, 64));
	ASSERT_EQ(0, goalloc_pagealloc_grow(&p, 10));
	ASSERT_EQ(9 * CP, p.search_addr);
	ASSERT_EQ(2 * CP, p.free_pages);
	ASSERT_EQ(2, p.nr_chunks);
	ASSERT_EQ(2 * CP, goalloc_pagealloc_largest_free(&p));
	ASSERT_EQ(10, goalloc_pagealloc_find_free_chunk(&p));
	check_consistent(_metadata, &p);

	base = goalloc_pagealloc_alloc(&p, 3, &scav);
	ASSERT_EQ(9 * CP, base);
	ASSERT_EQ(0, scav);
	ASSERT_FALSE(goalloc_pagealloc_release_chunk(&p, 9));	/* in use */
	ASSERT_FALSE(goalloc_pagealloc_release_chunk(&p, 11));	/* absent */
	ASSERT_TRUE(goalloc_pagealloc_release_chunk(&p, 10));
	ASSERT_FALSE(goalloc_pagealloc_release_chunk(&p, 10));	/* already */
	ASSERT_EQ(1, p.nr_released);
	ASSERT_EQ(CP, p.scav_pages);
	ASSERT_EQ(CP - 3, p.free_pages);
	ASSERT_EQ(CP - 3, goalloc_pagealloc_largest_free(&p));
	ASSERT_EQ(GOALLOC_NO_CHUNK, goalloc_pagealloc_find_free_chunk(&p));
	ASSERT_EQ(10, goalloc_pagealloc_find_released(&p));
	check_consistent(_metadata, &p);
	/* A released slot can't be allocated from, grown or freed into. */
	ASSERT_EQ(NONE, goalloc_pagealloc_alloc(&p, CP, NULL));
	ASSERT_EQ(-EINVAL, goalloc_pagealloc_grow(&p, 10));
	ASSERT_EQ(-EINVAL, goalloc_pagealloc_regrow_chunk(&p, 9));

	goalloc_pagealloc_free(&p, base, 3);
	ASSERT_TRUE(goalloc_pagealloc_release_chunk(&p, 9));
	ASSERT_EQ(0, p.free_pages);
	ASSERT_EQ(2 * CP, p.scav_pages);
	ASSERT_EQ(9, goalloc_pagealloc_find_released(&p));
	ASSERT_EQ(NONE, goalloc_pagealloc_alloc(&p, 1, NULL));
	ASSERT_EQ(NONE, p.search_addr);
	check_consistent(_metadata, &p);

	ASSERT_EQ(0, goalloc_pagealloc_regrow_chunk(&p, 10));
	ASSERT_EQ(10 * CP, p.search_addr);
	ASSERT_EQ(CP, p.scav_pages);
	ASSERT_EQ(9, goalloc_pagealloc_find_released(&p));
	ASSERT_EQ(10 * CP, goalloc_pagealloc_alloc(&p, CP, &scav));
	ASSERT_EQ(0, scav);
	ASSERT_EQ(0, goalloc_pagealloc_regrow_chunk(&p, 9));
	ASSERT_EQ(GOALLOC_NO_CHUNK, goalloc_pagealloc_find_released(&p));
	ASSERT_EQ(0, p.scav_pages);
	ASSERT_EQ(9 * CP, goalloc_pagealloc_alloc(&p, 1, NULL));
	check_consistent(_metadata, &p);
	goalloc_pagealloc_destroy(&p);
}

/* Largest shapes: root entries of 2^21 pages use the bit-63 summary form. */
TEST(pagealloc_big_tree)
{
	struct goalloc_pagealloc p;
	unsigned long c, n = 1UL << 14, big = GOALLOC_PALLOC_SUM_MAX + 5, base;

	ASSERT_EQ(0, goalloc_pagealloc_init(&p, n));
	ASSERT_EQ(5, p.nlevels);
	ASSERT_EQ(2, p.level_bits[0]);
	ASSERT_EQ(21, p.level_log_pages[0]);
	for (c = 0; c < n; c++)
		ASSERT_EQ(0, goalloc_pagealloc_grow(&p, c));
	for (c = 0; c < 4; c++)
		ASSERT_EQ(BIT_ULL(63), p.summary[0][c]);
	ASSERT_EQ(n * CP, goalloc_pagealloc_largest_free(&p));
	check_consistent(_metadata, &p);

	/* Straddle the first root boundary. */
	ASSERT_EQ(0, goalloc_pagealloc_alloc(&p, 3, NULL));
	base = goalloc_pagealloc_alloc(&p, big, NULL);
	ASSERT_EQ(3, base);
	ASSERT_EQ(0, p.summary[0][0]);
	ASSERT_EQ(goalloc_pallocsum_pack(0, GOALLOC_PALLOC_SUM_MAX - 8,
					 GOALLOC_PALLOC_SUM_MAX - 8), p.summary[0][1]);
	check_consistent(_metadata, &p);
	goalloc_pagealloc_free(&p, 0, 3);
	goalloc_pagealloc_free(&p, base, big);
	for (c = 0; c < 4; c++)
		ASSERT_EQ(BIT_ULL(63), p.summary[0][c]);
	/* A run of every page in the heap. */
	ASSERT_EQ(0, goalloc_pagealloc_alloc(&p, n * CP, NULL));
	ASSERT_EQ(0, p.free_pages);
	goalloc_pagealloc_free(&p, 0, n * CP);
	check_consistent(_metadata, &p);
	goalloc_pagealloc_destroy(&p);

	/* Non-power-of-two slot count: padded leaves stay in use. */
	ASSERT_EQ(0, goalloc_pagealloc_init(&p, 4097));
	ASSERT_EQ(0, goalloc_pagealloc_grow(&p, 4095));
	ASSERT_EQ(0, goalloc_pagealloc_grow(&p, 4096));
	ASSERT_EQ(4095 * CP, goalloc_pagealloc_alloc(&p, 2 * CP - 10, NULL));
	ASSERT_EQ(NONE, goalloc_pagealloc_alloc(&p, 11, NULL));
	ASSERT_EQ(4096 * CP + CP - 10, goalloc_pagealloc_alloc(&p, 10, NULL));
	check_consistent(_metadata, &p);
	goalloc_pagealloc_destroy(&p);
}

/* ------------------------------------------------------------ page cache */

struct pc_hit {
	unsigned int npages;
	unsigned long base, scav;
};

/* Go's TestPageCacheAlloc. */
TEST(pagecache_alloc)
{
	static const unsigned long b = PB(0, 0);
	static const struct {
		const char *name;
		u64 cache, scav;
		struct pc_hit hits[24];
	} cases[] = {
		{ "Empty", 0, 0, { { 1, NONE, 0 }, { 2, NONE, 0 }, { 3, NONE, 0 },
		  { 4, NONE, 0 }, { 5, NONE, 0 }, { 11, NONE, 0 }, { 12, NONE, 0 },
		  { 16, NONE, 0 }, { 27, NONE, 0 }, { 32, NONE, 0 }, { 43, NONE, 0 },
		  { 57, NONE, 0 }, { 64, NONE, 0 }, { 121, NONE, 0 } } },
		{ "Lo1", 0x1, 0x1, { { 1, b, 1 }, { 1, NONE, 0 }, { 10, NONE, 0 } } },
		{ "Hi1", 0x1ULL << 63, 0x1, { { 1, b + 63, 0 }, { 1, NONE, 0 },
		  { 10, NONE, 0 } } },
		{ "Swiss1", 0x20005555, 0x5505, { { 2, NONE, 0 }, { 1, b, 1 },
		  { 1, b + 2, 1 }, { 1, b + 4, 0 }, { 1, b + 6, 0 }, { 1, b + 8, 1 },
		  { 1, b + 10, 1 }, { 1, b + 12, 1 }, { 1, b + 14, 1 }, { 1, b + 29, 0 },
		  { 1, NONE, 0 }, { 10, NONE, 0 } } },
		{ "Lo2", 0x3, 0x2ULL << 62, { { 2, b, 0 }, { 2, NONE, 0 }, { 1, NONE, 0 } } },
		{ "Hi2", 0x3ULL << 62, 0x3ULL << 62, { { 2, b + 62, 2 }, { 2, NONE, 0 },
		  { 1, NONE, 0 } } },
		{ "Swiss2", 0x3333ULL << 31, 0x3030ULL << 31, { { 2, b + 31, 0 },
		  { 2, b + 35, 2 }, { 2, b + 39, 0 }, { 2, b + 43, 2 }, { 2, NONE, 0 } } },
		{ "Hi53", ((1ULL << 53) - 1) << 10, ((1ULL << 16) - 1) << 10,
		  { { 53, b + 10, 16 }, { 53, NONE, 0 }, { 1, NONE, 0 } } },
		{ "Full53", ~0ULL, ((1ULL << 16) - 1) << 10, { { 53, b, 16 },
		  { 53, NONE, 0 }, { 1, b + 53, 0 } } },
		{ "Full64", ~0ULL, ~0ULL, { { 64, b, 64 }, { 64, NONE, 0 }, { 1, NONE, 0 } } },
		{ "FullMixed", ~0ULL, ~0ULL, { { 5, b, 5 }, { 7, b + 5, 7 }, { 1, b + 12, 1 },
		  { 23, b + 13, 23 }, { 63, NONE, 0 }, { 3, b + 36, 3 }, { 3, b + 39, 3 },
		  { 3, b + 42, 3 }, { 12, b + 45, 12 }, { 11, NONE, 0 }, { 4, b + 57, 4 },
		  { 4, NONE, 0 }, { 6, NONE, 0 }, { 36, NONE, 0 }, { 2, b + 61, 2 },
		  { 3, NONE, 0 }, { 1, b + 63, 1 }, { 4, NONE, 0 }, { 2, NONE, 0 },
		  { 62, NONE, 0 }, { 1, NONE, 0 } } },
	};
	unsigned int k, h;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		struct goalloc_pagecache c = { b, cases[k].cache, cases[k].scav };

		for (h = 0; cases[k].hits[h].npages; h++) {
			unsigned long scav = ~0UL;

			ASSERT_EQ(cases[k].hits[h].base,
				  goalloc_pagecache_alloc(&c, cases[k].hits[h].npages, &scav))
				TH_LOG("%s hit %u", cases[k].name, h);
			ASSERT_EQ(cases[k].hits[h].scav, scav)
				TH_LOG("%s hit %u scav", cases[k].name, h);
		}
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

static void flush_case(struct __test_metadata *_metadata, unsigned int base,
		       u64 cache, u64 scav)
{
	struct pa_range after[40], after_scav[40];
	struct goalloc_pagealloc got, want;
	struct goalloc_pagecache c = { PB(0, base), cache, scav };

	new_pagealloc(_metadata, &got, shapes[0], RANGES({ 0, base, 64 }), NULL);
	goalloc_pagecache_flush(&c, &got);
	ASSERT_TRUE(goalloc_pagecache_empty(&c));
	ASSERT_LE(got.search_addr, cache ? PB(0, base) : PB(0, 0));
	bits64_to_ranges(~cache, base, after);
	bits64_to_ranges(scav, base, after_scav);
	new_pagealloc(_metadata, &want, shapes[0], after, after_scav);
	check_same(_metadata, &want, &got);
	goalloc_pagealloc_destroy(&want);
	goalloc_pagealloc_destroy(&got);
}

/* Go's TestPageCacheFlush. */
TEST(pagecache_flush)
{
	uint64_t seed = harness_seed();
	unsigned int k;

	flush_case(_metadata, 0, 0, 0);
	flush_case(_metadata, 0, ~0ULL, ~0ULL);
	for (k = 0; k < 100; k++) {
		unsigned int base = (harness_rand(&seed) % (CP / 64)) * 64;
		u64 cache = harness_rand(&seed);

		flush_case(_metadata, base, cache, harness_rand(&seed) & cache);
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

TEST(pagealloc_alloc_to_cache)
{
	struct goalloc_pagealloc got, want;
	struct goalloc_pagecache c;
	unsigned int k, s, h;

	for (s = 0; s < ARRAY_SIZE(shapes); s++) {
		for (k = 0; k < ARRAY_SIZE(to_cache_cases); k++) {
			const struct pc_to_cache_case *tc = &to_cache_cases[k];

			if (tc->need_chunks > shapes[s])
				continue;
			new_pagealloc(_metadata, &got, shapes[s], tc->before, tc->scav);
			for (h = 0; h < tc->nhits; h++) {
				bool ok = goalloc_pagealloc_alloc_to_cache(&got, &c);

				ASSERT_EQ(tc->hits[h].cache != 0, ok) TH_LOG("%s #%u", tc->name, h);
				ASSERT_EQ(tc->hits[h].base, c.base) TH_LOG("%s #%u", tc->name, h);
				ASSERT_EQ(tc->hits[h].cache, c.cache) TH_LOG("%s #%u", tc->name, h);
				ASSERT_EQ(tc->hits[h].scav, c.scav) TH_LOG("%s #%u", tc->name, h);
				check_consistent(_metadata, &got);
			}
			new_pagealloc(_metadata, &want, shapes[s], tc->after, tc->after_scav);
			check_same(_metadata, &want, &got);
			goalloc_pagealloc_destroy(&want);
			goalloc_pagealloc_destroy(&got);
		}
	}
}

/* ------------------------------------------------- differential test */

/* The flat model: one byte per page, slot states, caches, live runs. */
#define NCACHES	4

struct model {
	unsigned long max_chunks, npages;
	u8 *alloc, *scav, *state;
	struct goalloc_pagecache cache[NCACHES];
	unsigned long (*live)[2];
	unsigned long nlive, cap;
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
	if (m->nlive == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->live = realloc(m->live, m->cap * sizeof(*m->live));
	}
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
static void model_check(struct __test_metadata *_metadata, const struct model *m,
			const struct goalloc_pagealloc *p, unsigned long op)
{
	unsigned long i, c, free = 0, scav = 0, run = 0, best = 0, free_chunk = NONE;

	for (c = 0; c < m->max_chunks; c++) {
		ASSERT_EQ(m->state[c], p->chunk_state[c]) TH_LOG("op %lu chunk %lu", op, c);
		for (i = c * CP; i < (c + 1) * CP; i++) {
			const u64 *a = p->chunks[c].pallocbits, *s = p->chunks[c].scavenged;

			ASSERT_EQ(m->alloc[i], goalloc_pagebits_get(a, i % CP))
				TH_LOG("op %lu page %lu", op, i);
			ASSERT_EQ(m->scav[i], goalloc_pagebits_get(s, i % CP))
				TH_LOG("op %lu page %lu scav", op, i);
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
	ASSERT_EQ(free, p->free_pages) TH_LOG("op %lu", op);
	ASSERT_EQ(scav, p->scav_pages) TH_LOG("op %lu", op);
	ASSERT_EQ(best, goalloc_pagealloc_largest_free(p)) TH_LOG("op %lu", op);
	ASSERT_EQ(free_chunk, goalloc_pagealloc_find_free_chunk(p)) TH_LOG("op %lu", op);
	if (p->search_addr != NONE) {
		ASSERT_LT(p->search_addr, m->npages);
		for (i = 0; i < p->search_addr; i++)
			IN_LOOP(ASSERT_EQ(1, m->alloc[i]) TH_LOG("op %lu: free page %lu below search", op, i));
	} else {
		ASSERT_EQ(0, free) TH_LOG("op %lu: exhausted with free pages", op);
	}
	check_consistent(_metadata, p);
}

static unsigned long rand_npages(uint64_t *seed)
{
	unsigned int r = harness_rand(seed) % 100;

	if (r < 60)
		return 1 + harness_rand(seed) % 8;
	if (r < 85)
		return 9 + harness_rand(seed) % 56;
	if (r < 95)
		return 65 + harness_rand(seed) % 600;
	return 600 + harness_rand(seed) % 1500;
}

static void differential(struct __test_metadata *_metadata, unsigned long max_chunks,
			 unsigned long nops, uint64_t seed, bool disjoint)
{
	struct goalloc_pagealloc p;
	struct model m = { .max_chunks = max_chunks, .npages = max_chunks * CP,
			   .disjoint = disjoint };
	unsigned long op, c, i, n, got, want, scav, wscav;
	unsigned int k, cnt[10] = {};

	TH_LOG("max_chunks %lu seed %#llx", max_chunks, (unsigned long long)seed);
	ASSERT_EQ(0, goalloc_pagealloc_init(&p, max_chunks));
	p.disjoint = disjoint;
	m.alloc = malloc(m.npages);
	m.scav = calloc(m.npages, 1);
	m.state = calloc(max_chunks, 1);
	memset(m.alloc, 1, m.npages);
	for (c = 0; c < max_chunks; c += 2) {
		ASSERT_EQ(0, goalloc_pagealloc_grow(&p, c));
		model_chunk_set(&m, c, 0, 0, GOALLOC_CHUNK_GROWN);
	}
	model_check(_metadata, &m, &p, 0);

	for (op = 1; op <= nops; op++) {
		unsigned int r = harness_rand(&seed) % 100;

		if (r < 33) {			/* alloc */
			n = rand_npages(&seed);
			want = model_first_fit(&m, n);
			got = goalloc_pagealloc_alloc(&p, n, &scav);
			ASSERT_EQ(want, got) TH_LOG("op %lu alloc %lu", op, n);
			if (got != NONE) {
				for (i = got, wscav = 0; i < got + n; i++) {
					wscav += m.scav[i];
					m.alloc[i] = 1;
					m.scav[i] = 0;
				}
				ASSERT_EQ(wscav, scav) TH_LOG("op %lu", op);
				model_live_add(&m, got, n);
			}
			cnt[0]++;
		} else if (r < 58) {		/* free */
			if (!m.nlive)
				continue;
			k = harness_rand(&seed) % m.nlive;
			goalloc_pagealloc_free(&p, m.live[k][0], m.live[k][1]);
			memset(m.alloc + m.live[k][0], 0, m.live[k][1]);
			m.live[k][0] = m.live[--m.nlive][0];
			m.live[k][1] = m.live[m.nlive][1];
			cnt[1]++;
		} else if (r < 62) {		/* grow a never-used slot */
			c = harness_rand(&seed) % max_chunks;
			ASSERT_EQ(m.state[c] == GOALLOC_CHUNK_ABSENT ? 0 : -EINVAL,
				  goalloc_pagealloc_grow(&p, c));
			if (m.state[c] == GOALLOC_CHUNK_ABSENT)
				model_chunk_set(&m, c, 0, 0, GOALLOC_CHUNK_GROWN);
			cnt[2]++;
		} else if (r < 67) {		/* release */
			c = goalloc_pagealloc_find_free_chunk(&p);
			if (c == NONE || harness_rand(&seed) % 2)
				c = harness_rand(&seed) % max_chunks;
			k = m.state[c] == GOALLOC_CHUNK_GROWN &&
			    !memchr(m.alloc + c * CP, 1, CP);
			ASSERT_EQ(k, goalloc_pagealloc_release_chunk(&p, c)) TH_LOG("op %lu", op);
			if (k) {
				model_chunk_set(&m, c, 1, 1, GOALLOC_CHUNK_RELEASED);
				cnt[3]++;	/* count only releases that happened */
			}
		} else if (r < 71) {		/* regrow the lowest released slot */
			want = NONE;
			for (c = 0; c < max_chunks && want == NONE; c++)
				if (m.state[c] == GOALLOC_CHUNK_RELEASED)
					want = c;
			ASSERT_EQ(want, goalloc_pagealloc_find_released(&p));
			if (want == NONE)
				continue;
			ASSERT_EQ(0, goalloc_pagealloc_regrow_chunk(&p, want));
			model_chunk_set(&m, want, 0, 0, GOALLOC_CHUNK_GROWN);
			cnt[4]++;
		} else if (r < 79) {		/* refill a cache */
			struct goalloc_pagecache *pc = &m.cache[harness_rand(&seed) % NCACHES];
			unsigned long base;
			u64 wcache = 0, wsc = 0;

			if (!goalloc_pagecache_empty(pc)) {
				struct goalloc_pagecache copy = *pc;

				goalloc_pagecache_flush(pc, &p);
				model_flush(&m, &copy);
			}
			want = model_first_fit(&m, 1);
			base = want == NONE ? 0 : round_down(want, 64);
			for (i = 0; want != NONE && i < 64; i++) {
				wcache |= (u64)!m.alloc[base + i] << i;
				wsc |= (u64)(!m.alloc[base + i] && m.scav[base + i]) << i;
			}
			ASSERT_EQ(want != NONE, goalloc_pagealloc_alloc_to_cache(&p, pc));
			ASSERT_EQ(base, pc->base) TH_LOG("op %lu", op);
			ASSERT_EQ(wcache, pc->cache) TH_LOG("op %lu", op);
			ASSERT_EQ(wsc, pc->scav) TH_LOG("op %lu", op);
			for (i = 0; i < 64; i++) {
				if ((wcache >> i) & 1) {
					m.alloc[base + i] = 1;
					m.scav[base + i] = 0;
				}
			}
			cnt[5]++;
		} else if (r < 91) {		/* allocate from a cache */
			struct goalloc_pagecache *pc = &m.cache[harness_rand(&seed) % NCACHES];
			u64 bits = pc->cache;

			n = harness_rand(&seed) % 4 ? 1 + harness_rand(&seed) % 4 :
						     1 + harness_rand(&seed) % 16;
			want = NONE;
			for (i = 0; i + n <= 64 && want == NONE; i++)
				if (((bits >> i) & goalloc_pagebits_mask(0, n)) ==
				    goalloc_pagebits_mask(0, n))
					want = pc->base + i;
			wscav = want == NONE ? 0 :
				hweight64(pc->scav & goalloc_pagebits_mask(want - pc->base, n));
			got = goalloc_pagecache_alloc(pc, n, &scav);
			ASSERT_EQ(want, got) TH_LOG("op %lu cache alloc %lu", op, n);
			ASSERT_EQ(wscav, scav);
			if (got != NONE)
				model_live_add(&m, got, n);
			cnt[6]++;
		} else if (r < 95) {		/* flush a cache */
			struct goalloc_pagecache *pc = &m.cache[harness_rand(&seed) % NCACHES];
			struct goalloc_pagecache copy = *pc;

			goalloc_pagecache_flush(pc, &p);
			ASSERT_TRUE(goalloc_pagecache_empty(pc));
			model_flush(&m, &copy);
			cnt[7]++;
		} else if (r == 99) {		/* drain: everything back to the heap */
			for (k = 0; k < NCACHES; k++) {
				struct goalloc_pagecache copy = m.cache[k];

				goalloc_pagecache_flush(&m.cache[k], &p);
				model_flush(&m, &copy);
			}
			for (i = 0; i < m.nlive; i++) {
				goalloc_pagealloc_free(&p, m.live[i][0], m.live[i][1]);
				memset(m.alloc + m.live[i][0], 0, m.live[i][1]);
			}
			m.nlive = 0;
			/* Every grown slot is free now: release the highest. */
			c = goalloc_pagealloc_find_free_chunk(&p);
			if (c != NONE) {
				ASSERT_EQ(GOALLOC_CHUNK_GROWN, m.state[c]);
				ASSERT_TRUE(goalloc_pagealloc_release_chunk(&p, c));
				model_chunk_set(&m, c, 1, 1, GOALLOC_CHUNK_RELEASED);
				cnt[3]++;
			}
			cnt[9]++;
		} else {			/* scavenge some free pages of a chunk */
			u64 a[8], s[8];

			c = harness_rand(&seed) % max_chunks;
			if (m.state[c] != GOALLOC_CHUNK_GROWN)
				continue;
			for (k = 0; k < 8; k++) {
				a[k] = p.chunks[c].pallocbits[k];
				s[k] = p.chunks[c].scavenged[k] |
				       (harness_rand(&seed) & harness_rand(&seed) & ~a[k]);
			}
			ASSERT_EQ(0, goalloc_pagealloc_load_chunk(&p, c, a, s));
			for (i = 0; i < CP; i++)
				m.scav[c * CP + i] = goalloc_pagebits_get(s, i);
			cnt[8]++;
		}
		model_check(_metadata, &m, &p, op);
	}
	TH_LOG("ops: alloc %u free %u grow %u release %u regrow %u refill %u cache %u flush %u scav %u drain %u",
	       cnt[0], cnt[1], cnt[2], cnt[3], cnt[4], cnt[5], cnt[6], cnt[7], cnt[8], cnt[9]);
	/* Every kind of operation must have happened for the run to count. */
	for (k = 0; k < 10; k++)
		IN_LOOP(ASSERT_LT(0, cnt[k]) TH_LOG("operation %u never ran", k));

	/* Give everything back: the heap must end entirely free. */
	for (k = 0; k < NCACHES; k++)
		goalloc_pagecache_flush(&m.cache[k], &p);
	for (i = 0; i < m.nlive; i++)
		goalloc_pagealloc_free(&p, m.live[i][0], m.live[i][1]);
	ASSERT_EQ(p.nr_chunks * CP, p.free_pages);
	check_consistent(_metadata, &p);
	goalloc_pagealloc_destroy(&p);
	free(m.live);
	free(m.alloc);
	free(m.scav);
	free(m.state);
}

TEST(differential_1_chunk)
{
	differential(_metadata, 1, 2000, harness_seed() + 1, false);
}

TEST(differential_5_chunks)
{
	differential(_metadata, 5, 4000, harness_seed() + 5, false);
}

TEST(differential_12_chunks)
{
	differential(_metadata, 12, 4000, harness_seed() + 12, false);
}

TEST(differential_70_chunks)
{
	differential(_metadata, 70, 2000, harness_seed() + 70, false);
}

/* goalloc's heap mode: chunk slots are unrelated arenas. */
TEST(differential_disjoint_12_chunks)
{
	differential(_metadata, 12, 4000, harness_seed() + 112, true);
}

TEST(differential_disjoint_70_chunks)
{
	differential(_metadata, 70, 2000, harness_seed() + 170, true);
}

TEST_HARNESS_MAIN
