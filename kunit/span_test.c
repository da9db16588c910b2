// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for goalloc's span bitmaps (mod/span.c): slot layout per size class,
 * the allocCache / nextFreeIndex walk over hand-made alloc_bits, explicit
 * free plus sweeping, and a randomised run against a bool-array model of
 * Go's rules.  One source for two builds (kunit/expect.h): the goalloc_span
 * KUnit suite and tools/testing/goalloc's span program, which runs the
 * randomised parts longer (GOALLOC_SEED reseeds, GOALLOC_SPAN_ROUNDS scales
 * the model run).
 *
 * Pure logic: every span here points at a fake base address that is never
 * dereferenced, so no heap is involved.  Every walk is bounded by one span
 * (at most 1024 slots, 80 KiB of offsets).
 */
#include <linux/array_size.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "goalloc/span.h"
#include "expect.h"

/* Never dereferenced; non-zero because a fast-path miss returns 0. */
#define SPAN_TEST_BASE	(1UL << 40)

/* A fresh span; init must not rely on zeroed memory. */
static struct goalloc_mspan *span_test_new(GT_CTX, u8 sizeclass, u32 npages, bool noscan)
{
	struct goalloc_mspan *s = GT_ZALLOC(sizeof(*s));

	GT_ASSERT_NOT_NULL(s);
	memset(s, 0xa5, sizeof(*s));
	goalloc_mspan_init(s, SPAN_TEST_BASE, npages, goalloc_make_spanclass(sizeclass, noscan));
	return s;
}

static struct goalloc_mspan *span_test_new_class(GT_CTX, u8 c)
{
	return span_test_new(GT_ARG, c, goalloc_class_to_allocnpages[c], c & 1);
}

/*
 * Take one slot as goalloc_alloc() does: the fast path, and the slow path
 * when it declines.  *@fast_declined says whether the fast path declined.
 * Return: the slot index, or nelems when the span is full.
 */
static u16 span_test_take(GT_CTX, struct goalloc_mspan *s, bool *fast_declined)
{
	unsigned long v = goalloc_mspan_next_free_fast(s);

	*fast_declined = !v;
	if (!v)
		return goalloc_mspan_next_free_index(s);
	GT_ASSERT_GE(v, s->base);
	GT_ASSERT_EQ_MSG((v - s->base) % s->elemsize, 0,
			 "fast path returned a misaligned address");
	GT_ASSERT_LT((v - s->base) / s->elemsize, (unsigned long)s->nelems);
	return (v - s->base) / s->elemsize;
}

static bool span_test_bit(const u64 *bits, unsigned int i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static void span_test_set_bit(u64 *bits, unsigned int i)
{
	bits[i / 64] |= 1ULL << (i % 64);
}

static const u8 span_test_classes[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
	49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64,
	65, 66, 67,
};

static_assert(ARRAY_SIZE(span_test_classes) == GOALLOC_NUM_SIZE_CLASSES - 1);

static void span_test_class_desc(const u8 *c, char *desc)
{
	snprintf(desc, GT_PARAM_DESC_SIZE, "class_%u_size_%u", *c,
		 goalloc_class_to_size[*c]);
}

/*
 * A fresh span of each class: the layout comes from the size-class tables,
 * slots come out in order 0..nelems-1 at base + idx * elemsize, by the fast
 * path with the slow one behind it and by the slow path alone, and every
 * byte of every slot maps back to its index.
 */
GT_PARAM_CASE(goalloc_span_init_alloc_test, span_test_classes, span_test_class_desc)
{
	u8 c = *param;
	struct goalloc_mspan *s = span_test_new_class(GT_ARG, c);
	u32 span_bytes = goalloc_class_to_allocnpages[c] * GOALLOC_PAGE_SIZE;
	unsigned int i, w, declines = 0, bad = 0;
	unsigned long off, end;
	bool declined;

	GT_EXPECT_EQ(s->base, SPAN_TEST_BASE);
	GT_EXPECT_EQ(s->npages, (u32)goalloc_class_to_allocnpages[c]);
	GT_EXPECT_EQ(s->spanclass, goalloc_make_spanclass(c, c & 1));
	GT_EXPECT_EQ(s->nelems, goalloc_class_to_nobjs[c]);
	GT_EXPECT_EQ(s->elemsize, (u32)goalloc_class_to_size[c]);
	GT_EXPECT_EQ(s->divmul, goalloc_class_to_divmagic[c]);
	GT_ASSERT_GT(s->nelems, 0);
	GT_ASSERT_LE(s->nelems, GOALLOC_MAX_OBJS_PER_SPAN);
	GT_EXPECT_LE((u32)s->nelems * s->elemsize, span_bytes);
	GT_EXPECT_GT((u32)(s->nelems + 1) * s->elemsize, span_bytes);
	GT_EXPECT_EQ(s->freeindex, 0);
	GT_EXPECT_EQ(s->alloc_count, 0);
	GT_EXPECT_EQ(goalloc_mspan_count_alloc(s), 0);
	GT_EXPECT_TRUE(goalloc_mspan_has_free(s));
	GT_EXPECT_TRUE(!s->tiny);
	/* The words holding slots; nothing reads past them. */
	for (w = 0; w < DIV_ROUND_UP(s->nelems, 64); w++) {
		GT_EXPECT_EQ(s->alloc_bits[w], 0);
		/* Only the loaded window's slots are ready to hand out. */
		GT_EXPECT_EQ(s->gcmark_bits[w],
			     w ? 0UL : s->nelems >= 64 ? ~0UL : BIT(s->nelems) - 1);
	}
	for (i = 0; i < s->nelems; i++)
		GT_ASSERT_FALSE(goalloc_mspan_is_allocated(s, i));

	for (i = 0; i < s->nelems; i++) {
		u16 idx = span_test_take(GT_ARG, s, &declined);

		GT_ASSERT_EQ_MSG(idx, i, "slot %u of %u", i, s->nelems);
		if (declined) {
			declines++;
			/* The fast path only stops where the window must move. */
			GT_EXPECT_TRUE_MSG((i + 1) % 64 == 0 && i + 1 != s->nelems,
					   "fast path declined at slot %u", i);
		}
		GT_ASSERT_EQ(s->freeindex, i + 1);
		GT_ASSERT_EQ(s->alloc_count, i + 1);
		GT_ASSERT_TRUE(goalloc_mspan_is_allocated(s, i));
	}
	GT_EXPECT_LE(declines, s->nelems / 64);
	GT_EXPECT_FALSE(goalloc_mspan_has_free(s));

	/* Full: both paths report it, and it stays full. */
	for (i = 0; i < 3; i++) {
		GT_EXPECT_EQ(goalloc_mspan_next_free_fast(s), 0);
		GT_EXPECT_EQ(goalloc_mspan_next_free_index(s), s->nelems);
	}
	GT_EXPECT_EQ(s->freeindex, s->nelems);
	GT_EXPECT_EQ(s->alloc_count, s->nelems);

	/* Addresses: a fresh span again, this time checking the fast path's. */
	goalloc_mspan_init(s, SPAN_TEST_BASE, s->npages, s->spanclass);
	for (i = 0; i < s->nelems; i++) {
		unsigned long v = goalloc_mspan_next_free_fast(s);

		if (!v) {
			u16 idx = goalloc_mspan_next_free_index(s);

			GT_ASSERT_EQ(idx, i);
			v = s->base + (unsigned long)idx * s->elemsize;
		}
		GT_ASSERT_EQ_MSG(v, SPAN_TEST_BASE + (unsigned long)i * s->elemsize,
				 "slot %u", i);
	}

	/* The same walk through the slow path only. */
	goalloc_mspan_init(s, SPAN_TEST_BASE, s->npages, s->spanclass);
	for (i = 0; i < s->nelems; i++)
		GT_ASSERT_EQ(goalloc_mspan_next_free_index(s), i);
	GT_EXPECT_EQ(goalloc_mspan_next_free_index(s), s->nelems);

	/* Every byte of every slot maps back to the slot. */
	end = (unsigned long)s->nelems * s->elemsize;
	for (off = 0; off < end; off++) {
		if (goalloc_mspan_obj_index(s, s->base + off) != off / s->elemsize && !bad++)
			GT_FAIL("offset %lu -> index %u, want %lu", off,
				goalloc_mspan_obj_index(s, s->base + off), off / s->elemsize);
	}
	GT_EXPECT_EQ(bad, 0);
}

/*
 * alloc_bits patterns: true = slot allocated as of the last sweep.  @key
 * picks the free slot of one_free and seeds random.
 */
typedef bool (*span_test_pattern_fn)(unsigned int i, unsigned int n, u64 key);

struct span_test_pattern {
	const char *name;
	span_test_pattern_fn allocated;
	u64 key;
	bool random;	/* run with GT_PICK(16, 2) random keys instead */
};

static bool pat_all_free(unsigned int i, unsigned int n, u64 key)
{
	return false;
}

static bool pat_all_alloc(unsigned int i, unsigned int n, u64 key)
{
	return true;
}

static bool pat_even_alloc(unsigned int i, unsigned int n, u64 key)
{
	return !(i & 1);
}

static bool pat_odd_alloc(unsigned int i, unsigned int n, u64 key)
{
	return i & 1;
}

/* Slot @key free, if the span has it. */
static bool pat_free_slot(unsigned int i, unsigned int n, u64 key)
{
	return i != key;
}

/* Slot @key % n free: always one free slot, wherever the span ends. */
static bool pat_one_free(unsigned int i, unsigned int n, u64 key)
{
	return i != key % n;
}

static bool pat_free_63_64_127_128(unsigned int i, unsigned int n, u64 key)
{
	return i != 63 && i != 64 && i != 127 && i != 128;
}

static bool pat_free_last(unsigned int i, unsigned int n, u64 key)
{
	return i != n - 1;
}

/* Only the last, possibly partial, bitmap word has free slots. */
static bool pat_last_word(unsigned int i, unsigned int n, u64 key)
{
	return i < round_down(n - 1, 64);
}

/* Free runs straddling every word boundary: slots 60..67 mod 64. */
static bool pat_straddle(unsigned int i, unsigned int n, u64 key)
{
	return (i + 4) % 64 >= 8;
}

/* The first and last slot of every word free. */
static bool pat_word_edges(unsigned int i, unsigned int n, u64 key)
{
	return i % 64 != 63 && i % 64 != 0;
}

/* A single free slot every 61, so it drifts across word positions. */
static bool pat_sparse61(unsigned int i, unsigned int n, u64 key)
{
	return i % 61 != 7;
}

/* A fixed pseudo-random quarter of the slots free. */
static bool pat_hash(unsigned int i, unsigned int n, u64 key)
{
	return ((i * 2654435761U) >> 13) & 3;
}

/* Whole words allocated between free words. */
static bool pat_word_stripes(unsigned int i, unsigned int n, u64 key)
{
	return (i / 64) % 3 != 2;
}

/* Random, with density picked by @key's low bits. */
static bool pat_random(unsigned int i, unsigned int n, u64 key)
{
	u64 x = (key ^ (i * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;

	x ^= x >> 31;
	switch (key & 3) {
	case 0:
		return x & 1;
	case 1:
		return (x & 15) != 0;	/* sparse free */
	case 2:
		return (x & 15) == 0;	/* sparse allocated */
	default:
		return (x >> 7) & (x >> 3) & 1;
	}
}

static const struct span_test_pattern span_test_patterns[] = {
	{ .name = "all_free", .allocated = pat_all_free },
	{ .name = "all_allocated", .allocated = pat_all_alloc },
	{ .name = "even_allocated", .allocated = pat_even_alloc },
	{ .name = "odd_allocated", .allocated = pat_odd_alloc },
	{ .name = "free_0", .allocated = pat_free_slot },
	{ .name = "free_63", .allocated = pat_free_slot, .key = 63 },
	{ .name = "free_64", .allocated = pat_free_slot, .key = 64 },
	{ .name = "one_free_0", .allocated = pat_one_free },
	{ .name = "one_free_62", .allocated = pat_one_free, .key = 62 },
	{ .name = "one_free_63", .allocated = pat_one_free, .key = 63 },
	{ .name = "one_free_64", .allocated = pat_one_free, .key = 64 },
	{ .name = "one_free_65", .allocated = pat_one_free, .key = 65 },
	{ .name = "one_free_127", .allocated = pat_one_free, .key = 127 },
	{ .name = "one_free_128", .allocated = pat_one_free, .key = 128 },
	{ .name = "one_free_511", .allocated = pat_one_free, .key = 511 },
	{ .name = "free_63_64_127_128", .allocated = pat_free_63_64_127_128 },
	{ .name = "free_last", .allocated = pat_free_last },
	{ .name = "last_word_only", .allocated = pat_last_word },
	{ .name = "runs_across_words", .allocated = pat_straddle },
	{ .name = "word_edges_free", .allocated = pat_word_edges },
	{ .name = "sparse_every_61", .allocated = pat_sparse61 },
	{ .name = "hashed_quarter", .allocated = pat_hash },
	{ .name = "word_stripes", .allocated = pat_word_stripes },
	{ .name = "random", .allocated = pat_random, .random = true },
};

/*
 * Set @s up as a span of class @c with alloc_bits from @pat (@key) and
 * freeindex @fi, then drain it; the slots handed out must be exactly the
 * clear bits at or above @fi, in order.  @want is scratch for
 * GOALLOC_MAX_OBJS_PER_SPAN indices.
 */
static void span_test_drain_pattern(GT_CTX, struct goalloc_mspan *s, u16 *want, u8 c,
				    const struct span_test_pattern *pat, u64 key,
				    u16 fi, bool slow_only)
{
	unsigned int i, nwant = 0, got = 0, popcnt = 0;
	u16 n, start_count;
	bool declined;

	memset(s, 0xa5, sizeof(*s));
	goalloc_mspan_init(s, SPAN_TEST_BASE, goalloc_class_to_allocnpages[c],
			   goalloc_make_spanclass(c, c & 1));
	n = s->nelems;
	for (i = 0; i < n; i++) {
		if (pat->allocated(i, n, key)) {
			span_test_set_bit(s->alloc_bits, i);
			popcnt++;
		} else if (i >= fi) {
			want[nwant++] = i;
		}
	}
	s->freeindex = fi;
	s->alloc_count = popcnt;
	start_count = s->alloc_count;
	goalloc_mspan_reset_alloc_cache(s);
	GT_ASSERT_EQ(goalloc_mspan_count_alloc(s), popcnt);

	for (;;) {
		u16 idx;

		if (slow_only)
			idx = goalloc_mspan_next_free_index(s);
		else
			idx = span_test_take(GT_ARG, s, &declined);
		if (idx >= n) {
			GT_ASSERT_EQ(idx, n);
			break;
		}
		GT_ASSERT_LT_MSG(got, nwant, "class %u %s key %llx fi %u: extra slot %u",
				 c, pat->name, (unsigned long long)key, fi, idx);
		GT_ASSERT_EQ_MSG(idx, want[got], "class %u %s key %llx fi %u slow_only %d: slot #%u",
				 c, pat->name, (unsigned long long)key, fi, slow_only, got);
		GT_ASSERT_EQ(s->freeindex, idx + 1);
		got++;
	}
	GT_ASSERT_EQ_MSG(got, nwant, "class %u %s fi %u: slots missed", c, pat->name, fi);
	GT_EXPECT_EQ(s->freeindex, n);
	GT_EXPECT_EQ(s->alloc_count, start_count + got);
	GT_EXPECT_EQ(goalloc_mspan_next_free_fast(s), 0);
	GT_EXPECT_EQ(goalloc_mspan_next_free_index(s), n);
	/* Handing slots out does not touch alloc_bits (only sweeping does). */
	GT_EXPECT_EQ(goalloc_mspan_count_alloc(s), popcnt);
}

/* Every class, from several freeindex starts, by both paths. */
GT_PARAM_CASE_DESC(goalloc_span_alloc_cache_test, span_test_patterns, name)
{
	/* The kernel walks the first six; the host all of them. */
	static const u16 starts[] = { 0, 1, 63, 64, 65, 200, 2, 127, 128, 1000 };
	unsigned int nstarts = GT_PICK(ARRAY_SIZE(starts), 6);
	unsigned int nkeys = param->random ? GT_PICK(16, 2) : 1;
	struct goalloc_mspan *s = GT_ZALLOC(sizeof(*s));
	u16 *want = GT_ZALLOC(GOALLOC_MAX_OBJS_PER_SPAN * sizeof(*want));
	u64 seed = gt_seed(), key = param->key;
	unsigned int i, j, r;

	GT_ASSERT_NOT_NULL(s);
	GT_ASSERT_NOT_NULL(want);
	for (r = 0; r < nkeys; r++) {
		if (param->random)
			key = gt_rand(&seed);
		for (i = 0; i < ARRAY_SIZE(span_test_classes); i++) {
			u8 c = span_test_classes[i];
			u16 n = goalloc_class_to_nobjs[c];

			for (j = 0; j < nstarts; j++) {
				if (starts[j] > n)
					continue;
				span_test_drain_pattern(GT_ARG, s, want, c, param, key,
							starts[j], false);
				span_test_drain_pattern(GT_ARG, s, want, c, param, key,
							starts[j], true);
			}
			/* freeindex at nelems: nothing to hand out whatever the bits. */
			span_test_drain_pattern(GT_ARG, s, want, c, param, key, n, false);
		}
	}
}

/*
 * Explicit free and sweeping on one class: frees mark slots dead, bad frees
 * are refused, a sweep keeps exactly the live slots, and the swept span hands
 * out the freed slots (in order) before never-used ones.
 */
GT_PARAM_CASE(goalloc_span_sweep_test, span_test_classes, span_test_class_desc)
{
	u8 c = *param;
	struct goalloc_mspan *s = span_test_new_class(GT_ARG, c);
	u16 n = s->nelems, k = max_t(u16, 1, n * 2 / 3), nfreed = 0xffff;
	u64 *live, *freed, rnd = gt_seed() ^ c;
	unsigned int i, cycle, nlive = 0, nfree = 0;
	bool declined;

	live = GT_ZALLOC(sizeof(s->alloc_bits));
	freed = GT_ZALLOC(sizeof(s->alloc_bits));
	GT_ASSERT_NOT_NULL(live);
	GT_ASSERT_NOT_NULL(freed);

	for (i = 0; i < k; i++)
		GT_ASSERT_EQ(span_test_take(GT_ARG, s, &declined), i);

	/*
	 * Free about a third: always slot 0, never the last one taken (so
	 * spans of several slots keep a live one), which is all of a one-slot
	 * span's.
	 */
	for (i = 0; i < k; i++) {
		bool f = i == 0 || gt_rand(&rnd) % 3 == 0;

		if (f && (i != k - 1 || k == 1)) {
			GT_EXPECT_EQ_MSG(goalloc_mspan_free_index(s, i), 0, "slot %u", i);
			span_test_set_bit(freed, i);
			nfree++;
		} else {
			span_test_set_bit(live, i);
			nlive++;
		}
	}
	/* Refused frees change nothing. */
	for (i = 0; i < k; i++) {
		if (span_test_bit(freed, i))
			GT_EXPECT_EQ_MSG(goalloc_mspan_free_index(s, i), -EALREADY,
					 "double free of slot %u", i);
		/* Still allocated until swept, dead or not. */
		GT_EXPECT_TRUE(goalloc_mspan_is_allocated(s, i));
	}
	for (i = k; i < n; i++) {
		GT_EXPECT_EQ_MSG(goalloc_mspan_free_index(s, i), -EINVAL,
				 "free of never-allocated slot %u", i);
		GT_EXPECT_FALSE(goalloc_mspan_is_allocated(s, i));
	}
	/* Handed out: set unless dead; free: set only in the loaded window. */
	for (i = 0; i < n; i++)
		GT_EXPECT_EQ_MSG(test_bit(i, s->gcmark_bits),
				 i < k ? !span_test_bit(freed, i) : i / 64 == s->freeindex / 64,
				 "mark bit of slot %u", i);
	GT_EXPECT_EQ(s->freeindex, k);
	GT_EXPECT_EQ(s->alloc_count, k);

	GT_EXPECT_EQ(goalloc_mspan_sweep_bits(s, &nfreed), nlive);
	GT_EXPECT_EQ(nfreed, nfree);
	GT_EXPECT_EQ(s->freeindex, 0);
	GT_EXPECT_EQ(s->alloc_count, nlive);
	GT_EXPECT_EQ(goalloc_mspan_count_alloc(s), nlive);
	GT_EXPECT_EQ(goalloc_mspan_has_free(s), nlive < n);
	for (i = 0; i < DIV_ROUND_UP(s->nelems, 64); i++) {
		GT_EXPECT_EQ_MSG(s->alloc_bits[i], live[i], "alloc_bits word %u", i);
		/* Free slots stay unmarked until their window is loaded. */
		GT_EXPECT_EQ_MSG(s->gcmark_bits[i], live[i], "mark word %u", i);
	}
	for (i = 0; i < n; i++) {
		GT_EXPECT_EQ(goalloc_mspan_is_allocated(s, i), span_test_bit(live, i));
		/* A slot freed before the sweep is free now: freeing it is bad. */
		if (span_test_bit(freed, i))
			GT_EXPECT_EQ_MSG(goalloc_mspan_free_index(s, i), -EINVAL,
					 "free of swept slot %u", i);
	}

	/* Freed slots come back first, in order, then never-used slots. */
	for (i = 0; i < n; i++) {
		if (span_test_bit(live, i))
			continue;
		GT_ASSERT_EQ_MSG(span_test_take(GT_ARG, s, &declined), i,
				 "after sweep (class %u)", c);
	}
	GT_EXPECT_EQ(span_test_take(GT_ARG, s, &declined), n);
	GT_EXPECT_EQ(s->alloc_count, n);
	/* alloc_bits still describe the last sweep until the next one. */
	GT_EXPECT_EQ(goalloc_mspan_count_alloc(s), nlive);

	/*
	 * Second and third cycles: free everything; the sweep empties the
	 * span, counting the freed or (NULL) not.
	 */
	for (cycle = 0; cycle < 2; cycle++) {
		for (i = 0; i < n; i++)
			GT_EXPECT_EQ_MSG(goalloc_mspan_free_index(s, i), 0, "slot %u", i);
		if (cycle == 0) {
			GT_EXPECT_EQ(goalloc_mspan_sweep_bits(s, &nfreed), 0);
			GT_EXPECT_EQ(nfreed, n);
		} else {
			GT_EXPECT_EQ(goalloc_mspan_sweep_bits(s, NULL), 0);
		}
		GT_EXPECT_EQ(goalloc_mspan_count_alloc(s), 0);
		GT_EXPECT_EQ(s->alloc_count, 0);
		for (i = 0; i < n; i++)
			GT_ASSERT_EQ(span_test_take(GT_ARG, s, &declined), i);
		GT_EXPECT_EQ(span_test_take(GT_ARG, s, &declined), n);
	}
}

/* Sweeping a span whose owner is still mid-way: only slots below freeindex count. */
GT_CASE(goalloc_span_sweep_partial_test)
{
	struct goalloc_mspan *s = span_test_new_class(GT_ARG, 1);
	u16 nfreed;
	bool declined;
	unsigned int i;

	/* Slots 0..99 handed out, 10..19 and 64 freed. */
	for (i = 0; i < 100; i++)
		GT_ASSERT_EQ(span_test_take(GT_ARG, s, &declined), i);
	for (i = 10; i < 20; i++)
		GT_EXPECT_EQ(goalloc_mspan_free_index(s, i), 0);
	GT_EXPECT_EQ(goalloc_mspan_free_index(s, 64), 0);
	GT_EXPECT_EQ(goalloc_mspan_free_index(s, 100), -EINVAL);
	GT_EXPECT_EQ(goalloc_mspan_sweep_bits(s, &nfreed), 89);
	GT_EXPECT_EQ(nfreed, 11);
	GT_EXPECT_EQ(s->alloc_bits[0], GENMASK_ULL(63, 20) | GENMASK_ULL(9, 0));
	GT_EXPECT_EQ(s->alloc_bits[1], GENMASK_ULL(35, 1));
	GT_EXPECT_EQ(s->alloc_bits[2], 0);

	/* A sweep with nothing dead frees nothing and keeps the same bits. */
	GT_EXPECT_EQ(goalloc_mspan_sweep_bits(s, &nfreed), 89);
	GT_EXPECT_EQ(nfreed, 0);
	GT_EXPECT_EQ(s->alloc_bits[1], GENMASK_ULL(35, 1));

	for (i = 10; i < 20; i++)
		GT_ASSERT_EQ(span_test_take(GT_ARG, s, &declined), i);
	GT_EXPECT_EQ(span_test_take(GT_ARG, s, &declined), 64);
	GT_EXPECT_EQ(span_test_take(GT_ARG, s, &declined), 100);
}

/* A large span (size class 0): one slot covering all of its pages. */
GT_CASE(goalloc_span_large_test)
{
	static const u32 npages[] = { 1, 2, 5, 16, 17, 100, 511, 512 };
	unsigned int i, noscan;
	u16 nfreed;
	bool declined;

	for (i = 0; i < ARRAY_SIZE(npages); i++) {
		for (noscan = 0; noscan < 2; noscan++) {
			struct goalloc_mspan *s = span_test_new(GT_ARG, 0, npages[i], noscan);
			unsigned long bytes = (unsigned long)npages[i] * GOALLOC_PAGE_SIZE;

			GT_EXPECT_EQ(s->nelems, 1);
			GT_EXPECT_EQ((unsigned long)s->elemsize, bytes);
			GT_EXPECT_EQ(s->npages, npages[i]);
			GT_EXPECT_EQ(s->spanclass, noscan);
			GT_EXPECT_EQ(s->divmul, 0);
			GT_EXPECT_EQ(goalloc_mspan_obj_index(s, s->base), 0);
			GT_EXPECT_EQ(goalloc_mspan_obj_index(s, s->base + bytes - 1), 0);
			GT_EXPECT_EQ(goalloc_mspan_free_index(s, 0), -EINVAL);

			/* Handed out whole by the heap: its window loads on first use. */
			GT_EXPECT_EQ(goalloc_mspan_next_free_fast(s), 0);
			GT_EXPECT_EQ(goalloc_mspan_next_free_index(s), 0);
			GT_EXPECT_EQ(goalloc_mspan_next_free_fast(s), 0);
			GT_EXPECT_EQ(goalloc_mspan_next_free_index(s), 1);
			GT_EXPECT_FALSE(goalloc_mspan_has_free(s));

			GT_EXPECT_EQ(goalloc_mspan_free_index(s, 0), 0);
			GT_EXPECT_EQ(goalloc_mspan_free_index(s, 0), -EALREADY);
			GT_EXPECT_EQ(goalloc_mspan_sweep_bits(s, &nfreed), 0);
			GT_EXPECT_EQ(nfreed, 1);
			GT_EXPECT_EQ(span_test_take(GT_ARG, s, &declined), 0);
			GT_EXPECT_EQ(span_test_take(GT_ARG, s, &declined), 1);
		}
	}
}

/*
 * The reference model: Go's rules written out over bool arrays.
 *  alloc[i]  allocated at the last sweep
 *  dead[i]   freed since (mark bit cleared)
 *  fi        freeindex: every slot below it counts as allocated
 */
struct span_model {
	unsigned int n, fi, count;
	bool alloc[GOALLOC_MAX_OBJS_PER_SPAN], dead[GOALLOC_MAX_OBJS_PER_SPAN];
};

static bool span_model_is_allocated(const struct span_model *m, unsigned int i)
{
	return i < m->fi || m->alloc[i];
}

static unsigned int span_model_take(struct span_model *m)
{
	unsigned int i;

	for (i = m->fi; i < m->n; i++) {
		if (!m->alloc[i]) {
			m->fi = i + 1;
			m->count++;
			return i;
		}
	}
	m->fi = m->n;
	return m->n;
}

static int span_model_free(struct span_model *m, unsigned int i)
{
	if (!span_model_is_allocated(m, i))
		return -EINVAL;
	if (m->dead[i])
		return -EALREADY;
	m->dead[i] = true;
	return 0;
}

static unsigned int span_model_sweep(struct span_model *m, unsigned int *nfreed)
{
	unsigned int i, live = 0, before = 0;

	for (i = 0; i < m->n; i++) {
		bool a = span_model_is_allocated(m, i);

		before += a;
		m->alloc[i] = a && !m->dead[i];
		m->dead[i] = false;
		live += m->alloc[i];
	}
	m->fi = 0;
	m->count = live;
	*nfreed = before - live;
	return live;
}

static void span_model_check(GT_CTX, const struct goalloc_mspan *s,
			     const struct span_model *m, u64 seed, unsigned int round,
			     unsigned int step)
{
	unsigned int i, pop = 0;

	GT_ASSERT_EQ_MSG(m->fi, s->freeindex, "seed %#llx round %u step %u",
			 (unsigned long long)seed, round, step);
	GT_ASSERT_EQ_MSG(m->count, s->alloc_count, "seed %#llx round %u step %u",
			 (unsigned long long)seed, round, step);
	for (i = 0; i < m->n; i++) {
		GT_ASSERT_EQ_MSG(m->alloc[i], span_test_bit(s->alloc_bits, i),
				 "seed %#llx round %u step %u slot %u",
				 (unsigned long long)seed, round, step, i);
		/* Handed out: set unless dead; free: set only in the loaded window. */
		GT_ASSERT_EQ_MSG(span_model_is_allocated(m, i) ? !m->dead[i] :
				 test_bit(i, s->gcmark_bits) && i / 64 == m->fi / 64,
				 test_bit(i, s->gcmark_bits),
				 "seed %#llx round %u step %u slot %u",
				 (unsigned long long)seed, round, step, i);
		GT_ASSERT_EQ(span_model_is_allocated(m, i), goalloc_mspan_is_allocated(s, i));
		pop += m->alloc[i];
	}
	/* Nothing past nelems in the words that hold slots is ever set. */
	for (i = m->n; i < DIV_ROUND_UP(m->n, 64) * 64; i++)
		GT_ASSERT_FALSE(span_test_bit(s->alloc_bits, i));
	GT_ASSERT_EQ(pop, goalloc_mspan_count_alloc(s));
}

/*
 * Random operation sequences on spans of random classes, against the
 * model.  The caller side tracks which slots it holds, so frees are mostly
 * of live objects, with some double frees and frees of random slots mixed
 * in.
 */
GT_CASE(goalloc_span_random_model_test)
{
	unsigned int rounds = GT_ENV("GOALLOC_SPAN_ROUNDS", GT_PICK(10000, 200));
	struct goalloc_mspan *s = GT_ZALLOC(sizeof(*s));
	struct span_model *m = GT_ZALLOC(sizeof(*m));
	u64 seed0 = gt_seed(), rnd = seed0;
	unsigned int round, step, ops = 0;

	GT_ASSERT_NOT_NULL(s);
	GT_ASSERT_NOT_NULL(m);
	GT_LOG("seed %#llx, %u rounds", (unsigned long long)seed0, rounds);
	for (round = 0; round < rounds; round++) {
		unsigned int c = 1 + gt_rand(&rnd) % (GOALLOC_NUM_SIZE_CLASSES - 1);
		unsigned int nsteps = 50 + gt_rand(&rnd) % 400;
		/* Per-round operation mix, so some rounds fill and some empty. */
		unsigned int w_take = 1 + gt_rand(&rnd) % 8;
		unsigned int w_free = 1 + gt_rand(&rnd) % 8;
		unsigned int w_sweep = gt_rand(&rnd) % 3;

		memset(s, 0xa5, sizeof(*s));
		goalloc_mspan_init(s, SPAN_TEST_BASE, goalloc_class_to_allocnpages[c],
				   goalloc_make_spanclass(c, c & 1));
		memset(m, 0, sizeof(*m));
		m->n = s->nelems;
		span_model_check(GT_ARG, s, m, seed0, round, 0);

		for (step = 1; step <= nsteps; step++) {
			unsigned int total = w_take + w_free + w_sweep + 2;
			unsigned int op = gt_rand(&rnd) % total;
			unsigned int got, want, i;
			bool declined;

			ops++;
			if (op < w_take) {
				/* Take a run of slots, by either path. */
				unsigned int run = 1 + gt_rand(&rnd) % 70;
				bool slow = gt_rand(&rnd) % 4 == 0;

				while (run--) {
					want = span_model_take(m);
					got = slow ? goalloc_mspan_next_free_index(s) :
						     span_test_take(GT_ARG, s, &declined);
					GT_ASSERT_EQ_MSG(want, got, "seed %#llx round %u step %u",
							 (unsigned long long)seed0, round, step);
					if (got == m->n)
						break;
				}
			} else if (op < w_take + w_free) {
				/* Free: a slot below freeindex if any, else anywhere. */
				if (m->fi && gt_rand(&rnd) % 8)
					i = gt_rand(&rnd) % m->fi;
				else
					i = gt_rand(&rnd) % m->n;
				want = span_model_free(m, i);
				GT_ASSERT_EQ_MSG((int)want, goalloc_mspan_free_index(s, i),
						 "seed %#llx round %u step %u slot %u",
						 (unsigned long long)seed0, round, step, i);
			} else if (op < w_take + w_free + w_sweep) {
				unsigned int mf;
				u16 nf;

				want = span_model_sweep(m, &mf);
				GT_ASSERT_EQ(want, goalloc_mspan_sweep_bits(s, &nf));
				GT_ASSERT_EQ(mf, nf);
			} else if (op == total - 2) {
				/* Re-cached as it is: the window moves to freeindex. */
				goalloc_mspan_reset_alloc_cache(s);
			} else {
				span_model_check(GT_ARG, s, m, seed0, round, step);
			}
		}
		span_model_check(GT_ARG, s, m, seed0, round, nsteps);
	}
	GT_LOG("%u operations", ops);
}

/*
 * goalloc_free()'s slot test: one multiply gives the slot and, in its low
 * half, whether the offset starts it, for every offset of every class's
 * span; a large span (divmul 0) has no slot start.
 */
GT_CASE(goalloc_span_slot_start_test)
{
	struct goalloc_mspan *s = GT_ZALLOC(sizeof(*s));
	unsigned int c, idx, bad = 0;
	unsigned long off, end;

	GT_ASSERT_NOT_NULL(s);
	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		goalloc_mspan_init(s, SPAN_TEST_BASE, goalloc_class_to_allocnpages[c],
				   goalloc_make_spanclass(c, c & 1));
		end = (unsigned long)s->npages * GOALLOC_PAGE_SIZE;
		for (off = 0; off < end; off++) {
			bool start = goalloc_mspan_slot_start(s, off, &idx);

			if ((start != (off % s->elemsize == 0) || idx != off / s->elemsize) &&
			    !bad++)
				GT_FAIL("class %u offset %lu: start %d idx %u", c, off, start, idx);
		}
	}
	GT_EXPECT_EQ(bad, 0);
	goalloc_mspan_init(s, SPAN_TEST_BASE, 4, goalloc_make_spanclass(0, false));
	for (off = 0; off < 4 * GOALLOC_PAGE_SIZE; off += 512)
		GT_ASSERT_FALSE(goalloc_mspan_slot_start(s, off, &idx));
}

/*
 * A double free that validated its slot before a sweep reclaimed it and
 * clears the mark bit after (goalloc_free()'s two steps, called in that
 * order): it must be refused and must not kill the slot's next owner.
 * Slots in the first and in a later bitmap word, for a class with several.
 */
GT_CASE(goalloc_span_stale_free_test)
{
	static const unsigned int victims[] = { 0, 5, 70 };
	unsigned int v, i, n;
	bool declined;
	u16 nfreed;

	for (v = 0; v < ARRAY_SIZE(victims); v++) {
		unsigned int x = victims[v];
		struct goalloc_mspan *s = span_test_new_class(GT_ARG, 2);	/* 512 slots */

		n = s->nelems;
		GT_ASSERT_GT(n, x);
		for (i = 0; i < n; i++)
			GT_ASSERT_EQ(i, span_test_take(GT_ARG, s, &declined));
		GT_ASSERT_EQ(0, goalloc_mspan_free_index(s, x));
		/* The stale free's first step: the slot still looks allocated. */
		GT_ASSERT_TRUE(goalloc_mspan_is_allocated_fast(s, x));
		GT_ASSERT_EQ(n - 1, goalloc_mspan_sweep_bits(s, &nfreed));
		GT_ASSERT_EQ(1, nfreed);
		/* Its second step, after the sweep: refused, nothing changed. */
		GT_ASSERT_EQ_MSG(-EALREADY, goalloc_mspan_mark_dead(s, x), "slot %u", x);
		/* The slot's next owner survives the next sweep. */
		GT_ASSERT_EQ(x, goalloc_mspan_next_free_index(s));
		GT_ASSERT_TRUE(test_bit(x, s->gcmark_bits));
		GT_ASSERT_EQ(n, goalloc_mspan_sweep_bits(s, &nfreed));
		GT_ASSERT_EQ(0, nfreed);
		GT_ASSERT_TRUE(goalloc_mspan_is_allocated(s, x));
	}
}

#ifdef __KERNEL__
static struct kunit_case goalloc_span_cases[] = {
	KUNIT_CASE_PARAM(goalloc_span_init_alloc_test, goalloc_span_init_alloc_test_gen_params),
	KUNIT_CASE_PARAM(goalloc_span_alloc_cache_test,
			 goalloc_span_alloc_cache_test_gen_params),
	KUNIT_CASE_PARAM(goalloc_span_sweep_test, goalloc_span_sweep_test_gen_params),
	KUNIT_CASE(goalloc_span_sweep_partial_test),
	KUNIT_CASE(goalloc_span_large_test),
	KUNIT_CASE(goalloc_span_random_model_test),
	KUNIT_CASE(goalloc_span_slot_start_test),
	KUNIT_CASE(goalloc_span_stale_free_test),
	{}
};

static struct kunit_suite goalloc_span_suite = {
	.name = "goalloc_span",
	.test_cases = goalloc_span_cases,
};

kunit_test_suite(goalloc_span_suite);
#endif
