// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for goalloc's span bitmaps (mod/span.c): slot layout per size
 * class, the allocCache / nextFreeIndex walk over hand-made alloc_bits, and
 * explicit free plus sweeping.
 *
 * Pure logic: every span here is a kunit_kzalloc'd struct pointing at a fake
 * base address that is never dereferenced, so no heap is involved.  Every
 * walk is bounded by one span (at most 1024 slots, 80 KiB of offsets).
 */
#include <kunit/test.h>

#include "goalloc/span.h"

/* Never dereferenced; non-zero because a fast-path miss returns 0. */
#define SPAN_TEST_BASE	(1UL << 40)

static struct goalloc_mspan *span_test_new(struct kunit *test, u8 sizeclass,
					   u32 npages, bool noscan)
{
	struct goalloc_mspan *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	goalloc_mspan_init(s, SPAN_TEST_BASE, npages,
			   goalloc_make_spanclass(sizeclass, noscan));
	return s;
}

static struct goalloc_mspan *span_test_new_class(struct kunit *test, u8 c)
{
	return span_test_new(test, c, goalloc_class_to_allocnpages[c], c & 1);
}

/*
 * Take one slot as goalloc_alloc() does: the fast path, and the slow path
 * when it declines.  *@fast_declined says whether the fast path declined.
 * Return: the slot index, or nelems when the span is full.
 */
static u16 span_test_take(struct kunit *test, struct goalloc_mspan *s,
			  bool *fast_declined)
{
	unsigned long v = goalloc_mspan_next_free_fast(s);

	*fast_declined = !v;
	if (!v)
		return goalloc_mspan_next_free_index(s);
	KUNIT_ASSERT_GE(test, v, s->base);
	KUNIT_ASSERT_EQ_MSG(test, (v - s->base) % s->elemsize, 0,
			    "fast path returned a misaligned address");
	KUNIT_ASSERT_LT(test, (v - s->base) / s->elemsize, (unsigned long)s->nelems);
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
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "class_%u_size_%u", *c,
		 goalloc_class_to_size[*c]);
}

KUNIT_ARRAY_PARAM(span_test_class, span_test_classes, span_test_class_desc);

/*
 * A fresh span of each class: the layout comes from the size-class tables,
 * slots come out in order 0..nelems-1 at base + idx * elemsize, and every
 * byte of every slot maps back to its index.
 */
static void goalloc_span_init_alloc_test(struct kunit *test)
{
	u8 c = *(const u8 *)test->param_value;
	struct goalloc_mspan *s = span_test_new_class(test, c);
	u32 span_bytes = goalloc_class_to_allocnpages[c] * GOALLOC_PAGE_SIZE;
	unsigned int i, w, declines = 0, bad = 0;
	unsigned long off, end;
	bool declined;

	KUNIT_EXPECT_EQ(test, s->base, SPAN_TEST_BASE);
	KUNIT_EXPECT_EQ(test, s->npages, (u32)goalloc_class_to_allocnpages[c]);
	KUNIT_EXPECT_EQ(test, s->spanclass, goalloc_make_spanclass(c, c & 1));
	KUNIT_EXPECT_EQ(test, s->nelems, goalloc_class_to_nobjs[c]);
	KUNIT_EXPECT_EQ(test, s->elemsize, (u32)goalloc_class_to_size[c]);
	KUNIT_EXPECT_EQ(test, s->divmul, goalloc_class_to_divmagic[c]);
	KUNIT_ASSERT_GT(test, s->nelems, 0);
	KUNIT_ASSERT_LE(test, s->nelems, GOALLOC_MAX_OBJS_PER_SPAN);
	KUNIT_EXPECT_LE(test, (u32)s->nelems * s->elemsize, span_bytes);
	KUNIT_EXPECT_GT(test, (u32)(s->nelems + 1) * s->elemsize, span_bytes);
	KUNIT_EXPECT_EQ(test, s->freeindex, 0);
	KUNIT_EXPECT_EQ(test, s->alloc_count, 0);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_count_alloc(s), 0);
	KUNIT_EXPECT_TRUE(test, goalloc_mspan_has_free(s));
	/* The words holding slots; nothing reads past them. */
	for (w = 0; w < DIV_ROUND_UP(s->nelems, 64); w++) {
		KUNIT_EXPECT_EQ(test, s->alloc_bits[w], 0);
		/* Only the loaded window's slots are ready to hand out. */
		KUNIT_EXPECT_EQ(test, s->gcmark_bits[w],
				w ? 0UL : s->nelems >= 64 ? ~0UL : BIT(s->nelems) - 1);
	}
	for (i = 0; i < s->nelems; i++)
		KUNIT_ASSERT_FALSE(test, goalloc_mspan_is_allocated(s, i));

	for (i = 0; i < s->nelems; i++) {
		u16 idx = span_test_take(test, s, &declined);

		KUNIT_ASSERT_EQ_MSG(test, idx, i, "slot %u of %u", i, s->nelems);
		if (declined) {
			declines++;
			/* The fast path only stops where the window must move. */
			KUNIT_EXPECT_TRUE_MSG(test, (i + 1) % 64 == 0 && i + 1 != s->nelems,
					      "fast path declined at slot %u", i);
		}
		KUNIT_ASSERT_EQ(test, s->freeindex, i + 1);
		KUNIT_ASSERT_EQ(test, s->alloc_count, i + 1);
		KUNIT_ASSERT_TRUE(test, goalloc_mspan_is_allocated(s, i));
	}
	KUNIT_EXPECT_LE(test, declines, s->nelems / 64);
	KUNIT_EXPECT_FALSE(test, goalloc_mspan_has_free(s));

	/* Full: both paths report it, and it stays full. */
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, goalloc_mspan_next_free_fast(s), 0);
		KUNIT_EXPECT_EQ(test, goalloc_mspan_next_free_index(s), s->nelems);
	}
	KUNIT_EXPECT_EQ(test, s->freeindex, s->nelems);
	KUNIT_EXPECT_EQ(test, s->alloc_count, s->nelems);

	/* Addresses: a fresh span again, this time checking the fast path's. */
	goalloc_mspan_init(s, SPAN_TEST_BASE, s->npages, s->spanclass);
	for (i = 0; i < s->nelems; i++) {
		unsigned long v = goalloc_mspan_next_free_fast(s);

		if (!v) {
			u16 idx = goalloc_mspan_next_free_index(s);

			KUNIT_ASSERT_EQ(test, idx, i);
			v = s->base + (unsigned long)idx * s->elemsize;
		}
		KUNIT_ASSERT_EQ_MSG(test, v, SPAN_TEST_BASE + (unsigned long)i * s->elemsize,
				    "slot %u", i);
	}

	/* Every byte of every slot maps back to the slot. */
	end = (unsigned long)s->nelems * s->elemsize;
	for (off = 0; off < end; off++) {
		if (goalloc_mspan_obj_index(s, s->base + off) != off / s->elemsize && !bad++)
			KUNIT_FAIL(test, "offset %lu -> index %u, want %lu", off,
				   goalloc_mspan_obj_index(s, s->base + off), off / s->elemsize);
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
}

/* alloc_bits patterns: true = slot allocated as of the last sweep. */
struct span_test_pattern {
	const char *name;
	bool (*allocated)(unsigned int i, unsigned int n);
};

static bool pat_all_free(unsigned int i, unsigned int n)
{
	return false;
}

static bool pat_all_alloc(unsigned int i, unsigned int n)
{
	return true;
}

static bool pat_even_alloc(unsigned int i, unsigned int n)
{
	return !(i & 1);
}

static bool pat_odd_alloc(unsigned int i, unsigned int n)
{
	return i & 1;
}

static bool pat_free_0(unsigned int i, unsigned int n)
{
	return i != 0;
}

static bool pat_free_63(unsigned int i, unsigned int n)
{
	return i != 63;
}

static bool pat_free_64(unsigned int i, unsigned int n)
{
	return i != 64;
}

static bool pat_free_63_64_127_128(unsigned int i, unsigned int n)
{
	return i != 63 && i != 64 && i != 127 && i != 128;
}

static bool pat_free_last(unsigned int i, unsigned int n)
{
	return i != n - 1;
}

/* Only the last, possibly partial, bitmap word has free slots. */
static bool pat_last_word(unsigned int i, unsigned int n)
{
	return i < round_down(n - 1, 64);
}

/* Free runs straddling every word boundary: slots 60..67 mod 64. */
static bool pat_straddle(unsigned int i, unsigned int n)
{
	return (i + 4) % 64 >= 8;
}

/* A single free slot every 61, so it drifts across word positions. */
static bool pat_sparse61(unsigned int i, unsigned int n)
{
	return i % 61 != 7;
}

/* A fixed pseudo-random quarter of the slots free. */
static bool pat_hash(unsigned int i, unsigned int n)
{
	return ((i * 2654435761U) >> 13) & 3;
}

/* Whole words allocated between free words. */
static bool pat_word_stripes(unsigned int i, unsigned int n)
{
	return (i / 64) % 3 != 2;
}

static const struct span_test_pattern span_test_patterns[] = {
	{ "all_free", pat_all_free },
	{ "all_allocated", pat_all_alloc },
	{ "even_allocated", pat_even_alloc },
	{ "odd_allocated", pat_odd_alloc },
	{ "free_0", pat_free_0 },
	{ "free_63", pat_free_63 },
	{ "free_64", pat_free_64 },
	{ "free_63_64_127_128", pat_free_63_64_127_128 },
	{ "free_last", pat_free_last },
	{ "last_word_only", pat_last_word },
	{ "runs_across_words", pat_straddle },
	{ "sparse_every_61", pat_sparse61 },
	{ "hashed_quarter", pat_hash },
	{ "word_stripes", pat_word_stripes },
};

static void span_test_pattern_desc(const struct span_test_pattern *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(span_test_pattern, span_test_patterns, span_test_pattern_desc);

/*
 * Set @s up as a span of class @c with alloc_bits from @pat and freeindex
 * @fi, then drain it; the slots handed out must be exactly the clear bits at
 * or above @fi, in order.  @want is scratch for GOALLOC_MAX_OBJS_PER_SPAN
 * indices.
 */
static void span_test_drain_pattern(struct kunit *test, struct goalloc_mspan *s,
				    u16 *want, u8 c, const struct span_test_pattern *pat,
				    u16 fi, bool slow_only)
{
	unsigned int i, nwant = 0, got = 0, popcnt = 0;
	u16 n, start_count;
	bool declined;

	goalloc_mspan_init(s, SPAN_TEST_BASE, goalloc_class_to_allocnpages[c],
			   goalloc_make_spanclass(c, c & 1));
	n = s->nelems;
	for (i = 0; i < n; i++) {
		if (pat->allocated(i, n)) {
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
	KUNIT_ASSERT_EQ(test, goalloc_mspan_count_alloc(s), popcnt);

	for (;;) {
		u16 idx;

		if (slow_only)
			idx = goalloc_mspan_next_free_index(s);
		else
			idx = span_test_take(test, s, &declined);
		if (idx >= n) {
			KUNIT_ASSERT_EQ(test, idx, n);
			break;
		}
		KUNIT_ASSERT_LT_MSG(test, got, nwant,
				    "class %u %s fi %u: extra slot %u", c, pat->name, fi, idx);
		KUNIT_ASSERT_EQ_MSG(test, idx, want[got],
				    "class %u %s fi %u slow_only %d: slot #%u", c,
				    pat->name, fi, slow_only, got);
		KUNIT_ASSERT_EQ(test, s->freeindex, idx + 1);
		got++;
	}
	KUNIT_ASSERT_EQ_MSG(test, got, nwant, "class %u %s fi %u: slots missed", c,
			    pat->name, fi);
	KUNIT_EXPECT_EQ(test, s->freeindex, n);
	KUNIT_EXPECT_EQ(test, s->alloc_count, start_count + got);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_next_free_fast(s), 0);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_next_free_index(s), n);
	/* Handing slots out does not touch alloc_bits (only sweeping does). */
	KUNIT_EXPECT_EQ(test, goalloc_mspan_count_alloc(s), popcnt);
}

static void goalloc_span_alloc_cache_test(struct kunit *test)
{
	const struct span_test_pattern *pat = test->param_value;
	static const u16 starts[] = { 0, 1, 63, 64, 65, 200 };
	struct goalloc_mspan *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u16 *want = kunit_kcalloc(test, GOALLOC_MAX_OBJS_PER_SPAN, sizeof(*want),
				  GFP_KERNEL);
	unsigned int i, j;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, want);
	for (i = 0; i < ARRAY_SIZE(span_test_classes); i++) {
		u8 c = span_test_classes[i];
		u16 n = goalloc_class_to_nobjs[c];

		for (j = 0; j < ARRAY_SIZE(starts); j++) {
			if (starts[j] > n)
				continue;
			span_test_drain_pattern(test, s, want, c, pat, starts[j], false);
			span_test_drain_pattern(test, s, want, c, pat, starts[j], true);
		}
		/* freeindex at nelems: nothing to hand out whatever the bits. */
		span_test_drain_pattern(test, s, want, c, pat, n, false);
	}
}

/* Deterministic per-case randomness: xorshift64. */
static u64 span_test_rand(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * Explicit free and sweeping on one class: frees mark slots dead, bad frees
 * are refused, a sweep keeps exactly the live slots, and the swept span hands
 * out the freed slots (in order) before never-used ones.
 */
static void goalloc_span_sweep_test(struct kunit *test)
{
	u8 c = *(const u8 *)test->param_value;
	struct goalloc_mspan *s = span_test_new_class(test, c);
	u16 n = s->nelems, k = max_t(u16, 1, n * 2 / 3), nfreed = 0xffff;
	u64 *live, *freed, rnd = 0x2545f4914f6cdd1dULL ^ c;
	unsigned int i, nlive = 0, nfree = 0;
	bool declined;

	live = kunit_kzalloc(test, sizeof(s->alloc_bits), GFP_KERNEL);
	freed = kunit_kzalloc(test, sizeof(s->alloc_bits), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	KUNIT_ASSERT_NOT_NULL(test, freed);

	for (i = 0; i < k; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(test, s, &declined), i);

	/*
	 * Free about a third: always slot 0, never the last one taken (so
	 * spans of several slots keep a live one), which is all of a one-slot
	 * span's.
	 */
	for (i = 0; i < k; i++) {
		bool f = i == 0 || span_test_rand(&rnd) % 3 == 0;

		if (f && (i != k - 1 || k == 1)) {
			KUNIT_EXPECT_EQ_MSG(test, goalloc_mspan_free_index(s, i), 0, "slot %u", i);
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
			KUNIT_EXPECT_EQ_MSG(test, goalloc_mspan_free_index(s, i), -EALREADY,
					    "double free of slot %u", i);
		/* Still allocated until swept, dead or not. */
		KUNIT_EXPECT_TRUE(test, goalloc_mspan_is_allocated(s, i));
	}
	for (i = k; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, goalloc_mspan_free_index(s, i), -EINVAL,
				    "free of never-allocated slot %u", i);
		KUNIT_EXPECT_FALSE(test, goalloc_mspan_is_allocated(s, i));
	}
	/* Handed out: set unless dead; free: set only in the loaded window. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, s->gcmark_bits),
				    i < k ? !span_test_bit(freed, i) : i / 64 == s->freeindex / 64,
				    "mark bit of slot %u", i);
	KUNIT_EXPECT_EQ(test, s->freeindex, k);
	KUNIT_EXPECT_EQ(test, s->alloc_count, k);

	KUNIT_EXPECT_EQ(test, goalloc_mspan_sweep_bits(s, &nfreed), nlive);
	KUNIT_EXPECT_EQ(test, nfreed, nfree);
	KUNIT_EXPECT_EQ(test, s->freeindex, 0);
	KUNIT_EXPECT_EQ(test, s->alloc_count, nlive);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_count_alloc(s), nlive);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_has_free(s), nlive < n);
	for (i = 0; i < DIV_ROUND_UP(s->nelems, 64); i++) {
		KUNIT_EXPECT_EQ_MSG(test, s->alloc_bits[i], live[i], "alloc_bits word %u", i);
		/* Free slots stay unmarked until their window is loaded. */
		KUNIT_EXPECT_EQ_MSG(test, s->gcmark_bits[i], live[i], "mark word %u", i);
	}
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, goalloc_mspan_is_allocated(s, i), span_test_bit(live, i));
		/* A slot freed before the sweep is free now: freeing it is bad. */
		if (span_test_bit(freed, i))
			KUNIT_EXPECT_EQ_MSG(test, goalloc_mspan_free_index(s, i), -EINVAL,
					    "free of swept slot %u", i);
	}

	/* Freed slots come back first, in order, then never-used slots. */
	for (i = 0; i < n; i++) {
		if (span_test_bit(live, i))
			continue;
		KUNIT_ASSERT_EQ_MSG(test, span_test_take(test, s, &declined), i,
				    "after sweep (class %u)", c);
	}
	KUNIT_EXPECT_EQ(test, span_test_take(test, s, &declined), n);
	KUNIT_EXPECT_EQ(test, s->alloc_count, n);
	/* alloc_bits still describe the last sweep until the next one. */
	KUNIT_EXPECT_EQ(test, goalloc_mspan_count_alloc(s), nlive);

	/* Second cycle: free everything; the sweep empties the span. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, goalloc_mspan_free_index(s, i), 0, "slot %u", i);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_sweep_bits(s, NULL), 0);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_count_alloc(s), 0);
	KUNIT_EXPECT_EQ(test, s->alloc_count, 0);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(test, s, &declined), i);
	KUNIT_EXPECT_EQ(test, span_test_take(test, s, &declined), n);
}

/* Sweeping a span whose owner is still mid-way: only slots below freeindex count. */
static void goalloc_span_sweep_partial_test(struct kunit *test)
{
	struct goalloc_mspan *s = span_test_new_class(test, 1);
	u16 nfreed;
	bool declined;
	unsigned int i;

	/* Slots 0..99 handed out, 10..19 and 64 freed. */
	for (i = 0; i < 100; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(test, s, &declined), i);
	for (i = 10; i < 20; i++)
		KUNIT_EXPECT_EQ(test, goalloc_mspan_free_index(s, i), 0);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_free_index(s, 64), 0);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_free_index(s, 100), -EINVAL);
	KUNIT_EXPECT_EQ(test, goalloc_mspan_sweep_bits(s, &nfreed), 89);
	KUNIT_EXPECT_EQ(test, nfreed, 11);
	KUNIT_EXPECT_EQ(test, s->alloc_bits[0], GENMASK_ULL(63, 20) | GENMASK_ULL(9, 0));
	KUNIT_EXPECT_EQ(test, s->alloc_bits[1], GENMASK_ULL(35, 1));
	KUNIT_EXPECT_EQ(test, s->alloc_bits[2], 0);

	/* A sweep with nothing dead frees nothing and keeps the same bits. */
	KUNIT_EXPECT_EQ(test, goalloc_mspan_sweep_bits(s, &nfreed), 89);
	KUNIT_EXPECT_EQ(test, nfreed, 0);
	KUNIT_EXPECT_EQ(test, s->alloc_bits[1], GENMASK_ULL(35, 1));

	for (i = 10; i < 20; i++)
		KUNIT_ASSERT_EQ(test, span_test_take(test, s, &declined), i);
	KUNIT_EXPECT_EQ(test, span_test_take(test, s, &declined), 64);
	KUNIT_EXPECT_EQ(test, span_test_take(test, s, &declined), 100);
}

/* A large span (size class 0): one slot covering all of its pages. */
static void goalloc_span_large_test(struct kunit *test)
{
	static const u32 npages[] = { 1, 5, 16, 100, 511, 512 };
	unsigned int i, noscan;
	u16 nfreed;
	bool declined;

	for (i = 0; i < ARRAY_SIZE(npages); i++) {
		for (noscan = 0; noscan < 2; noscan++) {
			struct goalloc_mspan *s = span_test_new(test, 0, npages[i], noscan);
			unsigned long bytes = (unsigned long)npages[i] * GOALLOC_PAGE_SIZE;

			KUNIT_EXPECT_EQ(test, s->nelems, 1);
			KUNIT_EXPECT_EQ(test, (unsigned long)s->elemsize, bytes);
			KUNIT_EXPECT_EQ(test, s->npages, npages[i]);
			KUNIT_EXPECT_EQ(test, s->spanclass, noscan);
			KUNIT_EXPECT_EQ(test, s->divmul, 0);
			KUNIT_EXPECT_EQ(test, goalloc_mspan_obj_index(s, s->base), 0);
			KUNIT_EXPECT_EQ(test, goalloc_mspan_obj_index(s, s->base + bytes - 1), 0);
			KUNIT_EXPECT_EQ(test, goalloc_mspan_free_index(s, 0), -EINVAL);

			/* Handed out whole by the heap: its window loads on first use. */
			KUNIT_EXPECT_EQ(test, goalloc_mspan_next_free_fast(s), 0);
			KUNIT_EXPECT_EQ(test, goalloc_mspan_next_free_index(s), 0);
			KUNIT_EXPECT_EQ(test, goalloc_mspan_next_free_fast(s), 0);
			KUNIT_EXPECT_EQ(test, goalloc_mspan_next_free_index(s), 1);
			KUNIT_EXPECT_FALSE(test, goalloc_mspan_has_free(s));

			KUNIT_EXPECT_EQ(test, goalloc_mspan_free_index(s, 0), 0);
			KUNIT_EXPECT_EQ(test, goalloc_mspan_free_index(s, 0), -EALREADY);
			KUNIT_EXPECT_EQ(test, goalloc_mspan_sweep_bits(s, &nfreed), 0);
			KUNIT_EXPECT_EQ(test, nfreed, 1);
			KUNIT_EXPECT_EQ(test, span_test_take(test, s, &declined), 0);
			KUNIT_EXPECT_EQ(test, span_test_take(test, s, &declined), 1);
		}
	}
}

static struct kunit_case goalloc_span_cases[] = {
	KUNIT_CASE_PARAM(goalloc_span_init_alloc_test, span_test_class_gen_params),
	KUNIT_CASE_PARAM(goalloc_span_alloc_cache_test, span_test_pattern_gen_params),
	KUNIT_CASE_PARAM(goalloc_span_sweep_test, span_test_class_gen_params),
	KUNIT_CASE(goalloc_span_sweep_partial_test),
	KUNIT_CASE(goalloc_span_large_test),
	{}
};

static struct kunit_suite goalloc_span_suite = {
	.name = "goalloc_span",
	.test_cases = goalloc_span_cases,
};

kunit_test_suite(goalloc_span_suite);
