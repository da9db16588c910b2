// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for goalloc's size classes: the properties Go's generator promises
 * (fit, alignment, tail waste, exact divmagic), checked on the tables the
 * module actually uses.  One source for two builds (kunit/expect.h): the
 * goalloc_sizeclasses KUnit suite, and tools/testing/goalloc's sizeclasses
 * program, which adds the comparison with Go's runtime/sizeclasses.go.
 *
 * Every loop is bounded by the small-object range or one span, a few hundred
 * thousand simple steps per case at most, so KASAN under TCG stays quick.
 */
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "goalloc/sizeclasses.h"
#include "expect.h"
#include "sizeclasses_go_table.h"

/* Size of class @c, widened so arithmetic on it does not truncate. */
static u32 sc_size(unsigned int c)
{
	return goalloc_class_to_size[c];
}

static u32 sc_span(unsigned int c)
{
	return goalloc_class_to_allocnpages[c] * GOALLOC_PAGE_SIZE;
}

/* Smallest class holding @size bytes, by linear search: the reference. */
static unsigned int sc_smallest_fit(u32 size)
{
	unsigned int c;

	for (c = 0; c < GOALLOC_NUM_SIZE_CLASSES; c++)
		if (sc_size(c) >= size)
			return c;
	return GOALLOC_NUM_SIZE_CLASSES;
}

/* The alignment step the generator walks with when it reaches @size. */
static u32 sc_walk_align(u32 size)
{
	if (size < 32)
		return 8;
	return clamp_t(u32, (1U << ilog2(size)) / 8, 16, 256);
}

GT_CASE(goalloc_sc_constants_test)
{
	GT_EXPECT_EQ(GOALLOC_PAGE_SIZE, 1U << GOALLOC_PAGE_SHIFT);
	GT_EXPECT_EQ(GOALLOC_NUM_SPAN_CLASSES, GOALLOC_NUM_SIZE_CLASSES * 2);
	GT_EXPECT_EQ(sc_size(GOALLOC_NUM_SIZE_CLASSES - 1), GOALLOC_MAX_SMALL_SIZE);
	GT_EXPECT_EQ(sc_size(GOALLOC_TINY_SIZE_CLASS), GOALLOC_TINY_SIZE);
	GT_EXPECT_EQ(GOALLOC_MAX_OBJS_PER_SPAN, (u32)goalloc_class_to_nobjs[1]);

	/* Class 0 is the large-object marker: no slots, and index 0 always. */
	GT_EXPECT_EQ(sc_size(0), 0);
	GT_EXPECT_EQ(goalloc_class_to_allocnpages[0], 0);
	GT_EXPECT_EQ(goalloc_class_to_nobjs[0], 0);
	GT_EXPECT_EQ(goalloc_class_to_divmagic[0], 0);
	GT_EXPECT_EQ(goalloc_obj_index(123456, 0), 0);
}

/* Every small size maps to the smallest class that holds it. */
GT_CASE(goalloc_sc_lookup_test)
{
	u32 size, bad = 0, first_bad = 0;
	unsigned int want = 1;

	for (size = 1; size <= GOALLOC_MAX_SMALL_SIZE; size++) {
		unsigned int c = goalloc_size_to_class(size);

		/* The reference advances with size instead of searching. */
		while (sc_size(want) < size)
			want++;
		if (c != want && !bad++)
			first_bad = size;
	}
	GT_EXPECT_EQ_MSG(bad, 0, "first bad size %u -> class %u", first_bad,
			    bad ? goalloc_size_to_class(first_bad) : 0);

	/* Go's wrap-around range just below 1024 goes to the 1024 class. */
	for (size = GOALLOC_SMALL_SIZE_MAX - GOALLOC_SMALL_SIZE_DIV + 1;
	     size <= GOALLOC_SMALL_SIZE_MAX; size++)
		GT_EXPECT_EQ(sc_size(goalloc_size_to_class(size)), GOALLOC_SMALL_SIZE_MAX);
}

/* Each lookup entry is the smallest class for its granule's top size. */
GT_CASE(goalloc_sc_lookup_tables_test)
{
	unsigned int i;

	for (i = 0; i < GOALLOC_SIZE_TO_CLASS8_LEN; i++)
		GT_EXPECT_EQ_MSG(goalloc_size_to_class8[i],
				    sc_smallest_fit(i * GOALLOC_SMALL_SIZE_DIV), "index %u", i);
	for (i = 0; i < GOALLOC_SIZE_TO_CLASS128_LEN; i++)
		GT_EXPECT_EQ_MSG(goalloc_size_to_class128[i],
				    sc_smallest_fit(GOALLOC_SMALL_SIZE_MAX +
						    i * GOALLOC_LARGE_SIZE_DIV),
				    "index %u", i);
}

/* Sizes increase and respect the generator's alignment and merge rules. */
GT_CASE(goalloc_sc_order_align_test)
{
	unsigned int c;

	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		u32 size = sc_size(c), span = sc_span(c);
		u32 nobjs = span / size;
		u32 widest = (span / nobjs) & ~(GOALLOC_LARGE_SIZE_DIV - 1);

		GT_EXPECT_GT_MSG(size, sc_size(c - 1), "class %u", c);
		GT_EXPECT_EQ_MSG(size % 8, 0, "class %u", c);
		if (size >= 32)
			GT_EXPECT_EQ_MSG(size % 16, 0, "class %u", c);
		/* The 128-byte lookup needs class edges on its granules. */
		if (size > GOALLOC_SMALL_SIZE_MAX)
			GT_EXPECT_EQ_MSG(size % GOALLOC_LARGE_SIZE_DIV, 0, "class %u", c);
		/* Either a walked size, or widened to the largest 128 multiple. */
		GT_EXPECT_TRUE_MSG(size % sc_walk_align(size) == 0 || size == widest,
				      "class %u size %u", c, size);
		/* Widening is complete: no bigger size packs as many objects. */
		GT_EXPECT_LE_MSG(widest, size, "class %u", c);
		/* Neighbours with the same pages and count would have merged. */
		if (c > 1)
			GT_EXPECT_FALSE_MSG(goalloc_class_to_allocnpages[c] ==
					    goalloc_class_to_allocnpages[c - 1] &&
					    goalloc_class_to_nobjs[c] ==
					    goalloc_class_to_nobjs[c - 1],
					    "class %u", c);
	}
}

GT_CASE(goalloc_sc_spanclass_test)
{
	unsigned int c, noscan;

	for (c = 0; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		for (noscan = 0; noscan < 2; noscan++) {
			goalloc_spanclass_t sc = goalloc_make_spanclass(c, noscan);

			GT_EXPECT_LT(sc, GOALLOC_NUM_SPAN_CLASSES);
			GT_EXPECT_EQ(sc, c * 2 + noscan);
			GT_EXPECT_EQ(goalloc_spanclass_sizeclass(sc), c);
			GT_EXPECT_EQ(goalloc_spanclass_noscan(sc), (bool)noscan);
		}
	}
}

static const u8 goalloc_sc_classes[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
	49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64,
	65, 66, 67,
};

static_assert(ARRAY_SIZE(goalloc_sc_classes) == GOALLOC_NUM_SIZE_CLASSES - 1);

static void goalloc_sc_class_desc(const u8 *c, char *desc)
{
	snprintf(desc, GT_PARAM_DESC_SIZE, "class_%u_size_%u", *c, sc_size(*c));
}

/* Span geometry and the debugfs summary of one class. */
GT_PARAM_CASE(goalloc_sc_span_test, goalloc_sc_classes, goalloc_sc_class_desc)
{
	unsigned int c = *param;
	u32 size = sc_size(c), span = sc_span(c), prev = sc_size(c - 1);
	u32 nobjs = goalloc_class_to_nobjs[c];
	u32 tail = span - nobjs * size;
	u32 worst = (size - prev - 1) * nobjs + tail;
	struct goalloc_class_info info;
	s64 err;

	GT_EXPECT_GE(goalloc_class_to_allocnpages[c], 1);
	GT_EXPECT_EQ(nobjs, span / size);
	GT_EXPECT_GE(nobjs, 1);
	GT_EXPECT_LE(nobjs, GOALLOC_MAX_OBJS_PER_SPAN);
	GT_EXPECT_LE(tail, span / 8);

	goalloc_class_info(c, &info);
	GT_EXPECT_EQ(info.size, size);
	GT_EXPECT_EQ(info.span_bytes, span);
	GT_EXPECT_EQ(info.nobjs, nobjs);
	GT_EXPECT_EQ(info.tail_waste, tail);
	/* Hundredths of a percent, within rounding of worst / span. */
	err = (s64)info.max_waste * span - (s64)worst * 10000;
	GT_EXPECT_LE(2 * (err < 0 ? -err : err), (s64)span);
	GT_EXPECT_LT(info.max_waste, 10000);
	/* The largest power of two dividing the size, capped at a page. */
	GT_EXPECT_TRUE(is_power_of_2(info.min_align));
	GT_EXPECT_EQ(size % info.min_align, 0);
	GT_EXPECT_TRUE(info.min_align == GOALLOC_PAGE_SIZE ||
			  (size / info.min_align) % 2 == 1);
}

/* Class 0 (large objects) describes as all zeroes, whatever was there. */
GT_CASE(goalloc_sc_class_info_large_test)
{
	struct goalloc_class_info info, zero = { 0 };

	memset(&info, 0xa5, sizeof(info));
	goalloc_class_info(0, &info);
	GT_EXPECT_EQ(memcmp(&info, &zero, sizeof(info)), 0);
}

/* The reciprocal yields the right object for every byte of the span. */
GT_PARAM_CASE(goalloc_sc_divmagic_test, goalloc_sc_classes, goalloc_sc_class_desc)
{
	unsigned int c = *param;
	u32 size = sc_size(c), span = sc_span(c);
	u32 nobjs = goalloc_class_to_nobjs[c];
	u32 off = 0, idx, bad = 0, first_bad = 0;

	GT_EXPECT_EQ(goalloc_class_to_divmagic[c], U32_MAX / size + 1);

	/* Walk each object's bytes, then the tail and the span end itself. */
	for (idx = 0; idx <= nobjs; idx++) {
		u32 end = min(off + size, span + 1);

		for (; off < end; off++) {
			if (goalloc_obj_index(off, c) != idx && !bad++)
				first_bad = off;
		}
	}
	GT_EXPECT_EQ(off, span + 1);
	GT_EXPECT_EQ_MSG(bad, 0, "first bad offset %u -> %u", first_bad,
			    goalloc_obj_index(first_bad, c));
}

#ifdef __KERNEL__
static struct kunit_case goalloc_sizeclasses_cases[] = {
	KUNIT_CASE(goalloc_sc_constants_test),
	KUNIT_CASE(goalloc_sc_lookup_test),
	KUNIT_CASE(goalloc_sc_lookup_tables_test),
	KUNIT_CASE(goalloc_sc_order_align_test),
	KUNIT_CASE(goalloc_sc_spanclass_test),
	KUNIT_CASE_PARAM(goalloc_sc_span_test, goalloc_sc_span_test_gen_params),
	KUNIT_CASE(goalloc_sc_class_info_large_test),
	KUNIT_CASE_PARAM(goalloc_sc_divmagic_test, goalloc_sc_divmagic_test_gen_params),
	{}
};

static struct kunit_suite goalloc_sizeclasses_suite = {
	.name = "goalloc_sizeclasses",
	.test_cases = goalloc_sizeclasses_cases,
};

kunit_test_suite(goalloc_sizeclasses_suite);
#endif
