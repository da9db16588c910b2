/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One test source, two harnesses: the pure-logic suites (size classes, span
 * bitmaps, page allocator) are written once against these macros and build
 * as KUnit cases in goalloc_kunit.ko and, through tools/testing/goalloc, as
 * kselftest-harness programs on the host, the way lib/test_xarray.c builds
 * in the kernel and in tools/testing/radix-tree.
 *
 * A case is GT_CASE(name) { ... }, or GT_PARAM_CASE(name, array, desc) with
 * the element in @param: one KUnit case per element in the kernel, one host
 * test that walks the array.  Helpers that check take GT_CTX as their first
 * parameter and are called with GT_ARG.  GT_EXPECT_*() and GT_ASSERT_*()
 * compare left and right with KUnit's meaning (ASSERT ends the case); the
 * _MSG forms add a printf-style note shown on failure.  The kernel's KUnit
 * suite definitions stay in the test source, under #ifdef __KERNEL__.
 *
 * GT_HOST is 1 on the host, where loops may run longer (GT_PICK()), random
 * seeds come from $GOALLOC_SEED and GT_ENV() reads tuning variables.
 */
#ifndef _GOALLOC_KUNIT_EXPECT_H
#define _GOALLOC_KUNIT_EXPECT_H

#ifdef __KERNEL__

#include <kunit/test.h>
#include <kunit/resource.h>
#include <linux/slab.h>

#define GT_HOST			0
#define GT_CTX			struct kunit *test
#define GT_ARG			test

#define GT_CASE(name)		static void name(struct kunit *test)

#define __GT_PARAM_CASE(name, array, gen_params)			\
	static void name##_one(struct kunit *test,			\
			       typeof(&(array)[0]) param);		\
	gen_params;							\
	static void name(struct kunit *test)				\
	{								\
		name##_one(test, test->param_value);			\
	}								\
	static void name##_one(struct kunit *test,			\
			       typeof(&(array)[0]) param)

#define GT_PARAM_CASE(name, array, desc) \
	__GT_PARAM_CASE(name, array, KUNIT_ARRAY_PARAM(name, array, desc))

/* Like GT_PARAM_CASE(), named by a const char * member of the element. */
#define GT_PARAM_CASE_DESC(name, array, member) \
	__GT_PARAM_CASE(name, array, KUNIT_ARRAY_PARAM_DESC(name, array, member))

#define GT_PARAM_DESC_SIZE	KUNIT_PARAM_DESC_SIZE

#define GT_EXPECT_EQ(a, b)	KUNIT_EXPECT_EQ(test, a, b)
#define GT_EXPECT_NE(a, b)	KUNIT_EXPECT_NE(test, a, b)
#define GT_EXPECT_LT(a, b)	KUNIT_EXPECT_LT(test, a, b)
#define GT_EXPECT_LE(a, b)	KUNIT_EXPECT_LE(test, a, b)
#define GT_EXPECT_GT(a, b)	KUNIT_EXPECT_GT(test, a, b)
#define GT_EXPECT_GE(a, b)	KUNIT_EXPECT_GE(test, a, b)
#define GT_EXPECT_TRUE(c)	KUNIT_EXPECT_TRUE(test, c)
#define GT_EXPECT_FALSE(c)	KUNIT_EXPECT_FALSE(test, c)
#define GT_ASSERT_EQ(a, b)	KUNIT_ASSERT_EQ(test, a, b)
#define GT_ASSERT_LT(a, b)	KUNIT_ASSERT_LT(test, a, b)
#define GT_ASSERT_LE(a, b)	KUNIT_ASSERT_LE(test, a, b)
#define GT_ASSERT_GT(a, b)	KUNIT_ASSERT_GT(test, a, b)
#define GT_ASSERT_GE(a, b)	KUNIT_ASSERT_GE(test, a, b)
#define GT_ASSERT_TRUE(c)	KUNIT_ASSERT_TRUE(test, c)
#define GT_ASSERT_FALSE(c)	KUNIT_ASSERT_FALSE(test, c)
#define GT_ASSERT_NOT_NULL(p)	KUNIT_ASSERT_NOT_NULL(test, p)

#define GT_EXPECT_EQ_MSG(a, b, ...)	KUNIT_EXPECT_EQ_MSG(test, a, b, __VA_ARGS__)
#define GT_EXPECT_LE_MSG(a, b, ...)	KUNIT_EXPECT_LE_MSG(test, a, b, __VA_ARGS__)
#define GT_EXPECT_GT_MSG(a, b, ...)	KUNIT_EXPECT_GT_MSG(test, a, b, __VA_ARGS__)
#define GT_EXPECT_TRUE_MSG(c, ...)	KUNIT_EXPECT_TRUE_MSG(test, c, __VA_ARGS__)
#define GT_EXPECT_FALSE_MSG(c, ...)	KUNIT_EXPECT_FALSE_MSG(test, c, __VA_ARGS__)
#define GT_ASSERT_EQ_MSG(a, b, ...)	KUNIT_ASSERT_EQ_MSG(test, a, b, __VA_ARGS__)
#define GT_ASSERT_LT_MSG(a, b, ...)	KUNIT_ASSERT_LT_MSG(test, a, b, __VA_ARGS__)
#define GT_ASSERT_LE_MSG(a, b, ...)	KUNIT_ASSERT_LE_MSG(test, a, b, __VA_ARGS__)
#define GT_ASSERT_TRUE_MSG(c, ...)	KUNIT_ASSERT_TRUE_MSG(test, c, __VA_ARGS__)
#define GT_ASSERT_MEMEQ_MSG(a, b, size, ...) \
	KUNIT_ASSERT_MEMEQ_MSG(test, a, b, size, __VA_ARGS__)
#define GT_FAIL(...)			KUNIT_FAIL(test, __VA_ARGS__)
#define GT_LOG(...)			kunit_info(test, __VA_ARGS__)

/* Zeroed memory freed when the case ends. */
#define GT_ZALLOC(size)		kunit_kzalloc(test, size, GFP_KERNEL)

/* Run @fn(@arg) when the case ends (kunit_add_action_or_reset()). */
#define GT_DEFER(fn, arg) \
	GT_ASSERT_EQ(kunit_add_action_or_reset(test, fn, arg), 0)

/* Tuning variables are the host's; the kernel takes the default. */
#define GT_ENV(name, def)	((void)(name), (def))

static inline u64 gt_seed(void)
{
	return 0x9E3779B97F4A7C15ULL;
}

#else /* host: tools/testing/goalloc */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/array_size.h>
#include <linux/types.h>

#include "kselftest_harness.h"

#ifndef GT_HOST
#define GT_HOST			1
#endif
#define GT_CTX			struct __test_metadata *_metadata
#define GT_ARG			_metadata

/* Actions GT_DEFER()red by the running case, run when it ends. */
struct gt_deferred {
	void (*fn)(void *arg);
	void *arg;
};

static struct gt_deferred *gt_deferred;
static unsigned int gt_ndeferred, gt_deferred_cap;

static inline void gt_defer(void (*fn)(void *arg), void *arg)
{
	if (gt_ndeferred == gt_deferred_cap) {
		gt_deferred_cap = gt_deferred_cap ? 2 * gt_deferred_cap : 64;
		gt_deferred = realloc(gt_deferred, gt_deferred_cap * sizeof(*gt_deferred));
		if (!gt_deferred)
			abort();
	}
	gt_deferred[gt_ndeferred++] = (struct gt_deferred){ fn, arg };
}

static inline void gt_run_deferred(void)
{
	while (gt_ndeferred) {
		gt_ndeferred--;
		gt_deferred[gt_ndeferred].fn(gt_deferred[gt_ndeferred].arg);
	}
}

static inline void gt_free(void *p)
{
	free(p);
}

static inline void *gt_zalloc(size_t size)
{
	void *p = calloc(1, size);

	if (p)
		gt_defer(gt_free, p);
	return p;
}

#define GT_CASE(name)							\
	static void name##_body(struct __test_metadata *_metadata);	\
	TEST(name)							\
	{								\
		name##_body(_metadata);					\
		gt_run_deferred();					\
	}								\
	static void name##_body(struct __test_metadata *_metadata)

#define GT_PARAM_DESC_SIZE	128

/*
 * One host test per element, named case.description as KUnit names them:
 * the constructor registers them with the harness in source order.
 */
struct gt_param_test {
	struct __test_metadata meta;
	size_t index;
	char name[2 * GT_PARAM_DESC_SIZE];
};

#define __GT_PARAM_CASE(tc, array, describe)				\
	static void tc##_one(struct __test_metadata *_metadata,	\
			       typeof(&(array)[0]) param);		\
	static void tc##_run(struct __test_metadata *_metadata,	\
			       struct __fixture_variant_metadata *variant) \
	{								\
		struct gt_param_test *t = (struct gt_param_test *)_metadata; \
									\
		_metadata->setup_completed = true;			\
		if (setjmp(_metadata->env) == 0)			\
			tc##_one(_metadata, &(array)[t->index]);	\
		gt_run_deferred();					\
		__test_check_assert(_metadata);				\
	}								\
	static void __attribute__((constructor(KSELFTEST_PRIO_TEST)))	\
	tc##_register(void)						\
	{								\
		static struct gt_param_test tests[ARRAY_SIZE(array)];	\
		char desc[GT_PARAM_DESC_SIZE];				\
		size_t n = ARRAY_SIZE(array), k, i;			\
									\
		for (k = 0; k < n; k++) {				\
			/* The harness prepends if constructors run backwards. */ \
			i = __constructor_order_forward ? k : n - 1 - k; \
			describe;					\
			snprintf(tests[i].name, sizeof(tests[i].name), "%s.%s", \
				 #tc, desc);				\
			tests[i].index = i;				\
			tests[i].meta = (struct __test_metadata){	\
				.name = tests[i].name,			\
				.fn = tc##_run,			\
				.fixture = &_fixture_global,		\
				.termsig = -1,				\
				.timeout = TEST_TIMEOUT_DEFAULT,	\
			};						\
			__register_test(&tests[i].meta);		\
		}							\
	}								\
	static void tc##_one(struct __test_metadata *_metadata,	\
			       typeof(&(array)[0]) param)

#define GT_PARAM_CASE(tc, array, desc_fn) \
	__GT_PARAM_CASE(tc, array, desc_fn(&(array)[i], desc))
#define GT_PARAM_CASE_DESC(tc, array, member) \
	__GT_PARAM_CASE(tc, array, snprintf(desc, sizeof(desc), "%s", (array)[i].member))

#define GT_EXPECT_EQ(a, b)	({ EXPECT_EQ(a, b); })
#define GT_EXPECT_NE(a, b)	({ EXPECT_NE(a, b); })
#define GT_EXPECT_LT(a, b)	({ EXPECT_LT(a, b); })
#define GT_EXPECT_LE(a, b)	({ EXPECT_LE(a, b); })
#define GT_EXPECT_GT(a, b)	({ EXPECT_GT(a, b); })
#define GT_EXPECT_GE(a, b)	({ EXPECT_GE(a, b); })
#define GT_EXPECT_TRUE(c)	({ EXPECT_TRUE(c); })
#define GT_EXPECT_FALSE(c)	({ EXPECT_FALSE(c); })
#define GT_ASSERT_EQ(a, b)	({ ASSERT_EQ(a, b); })
#define GT_ASSERT_LT(a, b)	({ ASSERT_LT(a, b); })
#define GT_ASSERT_LE(a, b)	({ ASSERT_LE(a, b); })
#define GT_ASSERT_GT(a, b)	({ ASSERT_GT(a, b); })
#define GT_ASSERT_GE(a, b)	({ ASSERT_GE(a, b); })
#define GT_ASSERT_TRUE(c)	({ ASSERT_TRUE(c); })
#define GT_ASSERT_FALSE(c)	({ ASSERT_FALSE(c); })
#define GT_ASSERT_NOT_NULL(p)	({ ASSERT_NE(NULL, p); })

#define GT_EXPECT_EQ_MSG(a, b, ...)	({ EXPECT_EQ(a, b) TH_LOG(__VA_ARGS__); })
#define GT_EXPECT_LE_MSG(a, b, ...)	({ EXPECT_LE(a, b) TH_LOG(__VA_ARGS__); })
#define GT_EXPECT_GT_MSG(a, b, ...)	({ EXPECT_GT(a, b) TH_LOG(__VA_ARGS__); })
#define GT_EXPECT_TRUE_MSG(c, ...)	({ EXPECT_TRUE(c) TH_LOG(__VA_ARGS__); })
#define GT_EXPECT_FALSE_MSG(c, ...)	({ EXPECT_FALSE(c) TH_LOG(__VA_ARGS__); })
#define GT_ASSERT_EQ_MSG(a, b, ...)	({ ASSERT_EQ(a, b) TH_LOG(__VA_ARGS__); })
#define GT_ASSERT_LT_MSG(a, b, ...)	({ ASSERT_LT(a, b) TH_LOG(__VA_ARGS__); })
#define GT_ASSERT_LE_MSG(a, b, ...)	({ ASSERT_LE(a, b) TH_LOG(__VA_ARGS__); })
#define GT_ASSERT_TRUE_MSG(c, ...)	({ ASSERT_TRUE(c) TH_LOG(__VA_ARGS__); })
#define GT_ASSERT_MEMEQ_MSG(a, b, size, ...) \
	({ ASSERT_EQ(0, memcmp(a, b, size)) TH_LOG(__VA_ARGS__); })
#define GT_FAIL(...) do {						\
	TH_LOG(__VA_ARGS__);						\
	_metadata->exit_code = KSFT_FAIL;				\
} while (0)
#define GT_LOG(...)		TH_LOG(__VA_ARGS__)

#define GT_ZALLOC(size)		gt_zalloc(size)
#define GT_DEFER(fn, arg)	gt_defer(fn, arg)

/* A tuning variable from the environment, or @def. */
#define GT_ENV(name, def) ({						\
	const char *__v = getenv(name);					\
	__v && *__v ? strtoul(__v, NULL, 0) : (def);			\
})

/* $GOALLOC_SEED, or the kernel's fixed seed so runs repeat. */
static inline u64 gt_seed(void)
{
	const char *s = getenv("GOALLOC_SEED");

	return s ? strtoull(s, NULL, 0) : 0x9E3779B97F4A7C15ULL;
}

#endif /* __KERNEL__ */

/* The host's loop count, or the kernel's (KASAN under TCG is slow). */
#define GT_PICK(host, kernel)	(GT_HOST ? (host) : (kernel))

/* xorshift64*: deterministic, seedable randomness for randomised cases. */
static inline u64 gt_rand(u64 *s)
{
	u64 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

#endif /* _GOALLOC_KUNIT_EXPECT_H */
