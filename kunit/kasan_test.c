// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_kasan_kunit.ko: proof that generic KASAN sees goalloc's objects.
 *
 * Each case makes bad accesses to goalloc objects on purpose and asserts
 * that KASAN reported every one of them, with the bug type, direction, size
 * and address expected, and that the correct accesses around them (every
 * requested byte, a reused slot) reported nothing.  Reports are caught the
 * way mm/kasan/kasan_test_c.c catches them: kasan_kunit_test_suite_start()
 * keeps a report from failing the running case, multi-shot mode keeps KASAN
 * reporting after the first, and a probe on the console tracepoint reads
 * the report's "BUG: KASAN: <type>" and "<Read|Write> of size <n> at addr
 * <addr>" lines.
 *
 * A KASAN report taints the kernel (B) and turns lockdep off for the rest
 * of the boot, so this suite is a module of its own that `make check` loads
 * in a second, short boot; scripts/judge.py checks that boot's reports
 * against kunit/kasan_test.expect.  The bad accesses sit in the case
 * functions themselves (the helpers are __always_inline) so each report
 * names its case.
 *
 * What goalloc poisons (include/goalloc/kasan.h) and hence what is tested:
 * a freed small or large object, the slack between a small object's size
 * and its size class, the pages of a large object past its size, and a
 * tiny block once its last object is freed and the mcache has let go of
 * it.  Not poisoned, so not tested: the bytes of a tiny object past its size
 * or after its free while other objects of its 16 B block live (Go's tiny
 * blocks are shared and freed whole), and a large object's bytes when its
 * size is a multiple of 8 KiB (no slack).
 */
#include <kunit/test.h>
#include <linux/kasan.h>
#include <linux/module.h>
#include <linux/tracepoint.h>
#include <trace/events/printk.h>

#include <goalloc.h>
#include "goalloc/kasan.h"
#include "goalloc/mheap.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/sizeclasses.h"

#include "goalloc_kunit.h"

/*
 * What the console probe saw.  Every report is counted; the details are
 * taken only from reports made by the running case's thread, which then is
 * the only writer of them (the probe runs synchronously in printk's caller),
 * so no lock is needed and none is taken inside a KASAN report.
 */
static struct {
	struct task_struct *task;
	atomic_t nreports;
	atomic_t nsleep;
	char bug_type[32];
	char access[8];
	size_t size;
	unsigned long addr;
} ka_seen;

static bool ka_multishot;

/* One console line (a printk record, not NUL-terminated). */
static void ka_probe_console(void *ignore, const char *buf, size_t len)
{
	char line[128], access[8];
	unsigned long addr;
	const char *s;
	size_t size;

	len = min(len, sizeof(line) - 1);
	memcpy(line, buf, len);
	line[len] = '\0';
	s = strstr(line, "BUG: KASAN: ");
	if (s)
		atomic_inc(&ka_seen.nreports);
	if (strstr(line, "BUG: sleeping function called from invalid context"))
		atomic_inc(&ka_seen.nsleep);
	if (current != READ_ONCE(ka_seen.task))
		return;
	if (s) {
		if (sscanf(s, "BUG: KASAN: %31s", ka_seen.bug_type) != 1)
			ka_seen.bug_type[0] = '\0';
	} else if (sscanf(line, "%7s of size %zu at addr %lx", access, &size, &addr) == 3 &&
		   (!strcmp(access, "Read") || !strcmp(access, "Write"))) {
		strscpy(ka_seen.access, access);
		ka_seen.size = size;
		ka_seen.addr = addr;
	}
}

static void ka_reset(void)
{
	atomic_set(&ka_seen.nreports, 0);
	ka_seen.bug_type[0] = '\0';
	ka_seen.access[0] = '\0';
	ka_seen.size = 0;
	ka_seen.addr = 0;
}

/* Exactly one report, and the one expected, since the last ka_reset(). */
static void ka_check_report(struct kunit *test, const char *what, const char *type,
			    const char *access, const void *addr)
{
	int n = atomic_read(&ka_seen.nreports);

	KUNIT_EXPECT_EQ_MSG(test, n, 1, "kasan reports caught for the bad access \"%s\"", what);
	if (n != 1)
		return;
	KUNIT_EXPECT_STREQ_MSG(test, ka_seen.bug_type, type, "bug type for \"%s\"", what);
	KUNIT_EXPECT_STREQ_MSG(test, ka_seen.access, access, "access for \"%s\"", what);
	KUNIT_EXPECT_EQ_MSG(test, ka_seen.size, 1, "access size for \"%s\"", what);
	KUNIT_EXPECT_EQ_MSG(test, ka_seen.addr, (unsigned long)addr,
			    "reported address for \"%s\"", what);
}

/*
 * KASAN must report @expr, a one-byte access at @addr, as @type.  As in
 * kasan_test_c.c, the barriers keep the compiler from moving the access
 * across the checks of what the probe saw.
 */
#define KA_EXPECT_REPORT(test, type, access, addr, expr) do {			\
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ka_seen.nreports), 0,		\
			    "kasan report before the bad access \"%s\"", #expr);		\
	ka_reset();								\
	barrier();								\
	expr;									\
	barrier();								\
	ka_check_report(test, #expr, type, access, addr);			\
	ka_reset();								\
} while (0)

/* @expr, a correct access, must not be reported. */
#define KA_EXPECT_NO_REPORT(test, expr) do {					\
	ka_reset();								\
	barrier();								\
	expr;									\
	barrier();								\
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ka_seen.nreports), 0,		\
			    "kasan report for the correct access \"%s\"", #expr); \
	ka_reset();								\
} while (0)

/* One-byte volatile accesses: instrumented, and never optimised away. */
static __always_inline u8 ka_read(const u8 *p, size_t i)
{
	return READ_ONCE(p[i]);
}

static __always_inline void ka_write(u8 *p, size_t i, u8 v)
{
	WRITE_ONCE(p[i], v);
}

/* Write then read back every byte of [0, @n): all must be accessible. */
static __always_inline bool ka_touch(u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ka_write(p, i, (u8)i);
	for (i = 0; i < n; i++)
		if (ka_read(p, i) != (u8)i)
			return false;
	return true;
}

static u32 ka_class_size(size_t size)
{
	return goalloc_class_to_size[goalloc_size_to_class(size)];
}

/*
 * A small object read and written after its free, before and after the
 * sweep that makes its slot reusable; then the slot handed out again must
 * be accessible up to the new object's size and poisoned past it.
 */
static void goalloc_kasan_uaf_small_test(struct kunit *test)
{
	const size_t size = 40;
	u8 *k, *p, *q;
	bool ok;

	gk_quiesce(test);
	KUNIT_ASSERT_EQ(test, ka_class_size(size), 48U);
	/* Two slots of one fresh span; k keeps it in use across the sweep. */
	migrate_disable();
	k = goalloc_alloc(size, GFP_KERNEL);
	p = goalloc_alloc(size, GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ_MSG(test, p, k + 48, "slots 0 and 1 of a fresh span");
	OPTIMIZER_HIDE_VAR(p);

	KA_EXPECT_NO_REPORT(test, ok = ka_touch(p, size));
	KUNIT_EXPECT_TRUE(test, ok);
	KUNIT_ASSERT_EQ(test, goalloc_free(p), 0);
	KA_EXPECT_REPORT(test, "slab-use-after-free", "Read", p, ka_read(p, 0));
	KA_EXPECT_REPORT(test, "slab-use-after-free", "Write", p + size - 1,
			 ka_write(p, size - 1, 0x6b));

	/* Swept: the slot is free for reuse but still poisoned. */
	goalloc_gc();
	KA_EXPECT_REPORT(test, "slab-use-after-free", "Read", p + 8, ka_read(p, 8));

	/* The refill takes k's span from the partial list: p's slot again. */
	q = goalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ_MSG(test, q, p, "the swept slot is reused");
	OPTIMIZER_HIDE_VAR(q);
	if (q == p) {
		KA_EXPECT_NO_REPORT(test, ok = ka_touch(q, size));
		KUNIT_EXPECT_TRUE(test, ok);
		KA_EXPECT_REPORT(test, "slab-out-of-bounds", "Write", q + size,
				 ka_write(q, size, 0x6b));
	}
	KUNIT_EXPECT_EQ(test, goalloc_free(q), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free(k), 0);
	goalloc_gc();
}

/*
 * Writes just past a small object's requested size, inside its size-class
 * slot: 40 B in the 48 B class (the end on a granule boundary, the slack a
 * whole granule) and 37 B in the same class (the end inside a granule).
 */
static void goalloc_kasan_oob_small_test(struct kunit *test)
{
	static const size_t sizes[] = { 40, 37 };
	unsigned int i;
	bool ok;
	u8 *p;

	gk_quiesce(test);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		u32 slot = ka_class_size(size);

		KUNIT_ASSERT_EQ(test, slot, 48U);
		p = goalloc_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		OPTIMIZER_HIDE_VAR(p);
		KA_EXPECT_NO_REPORT(test, ok = ka_touch(p, size));
		KUNIT_EXPECT_TRUE_MSG(test, ok, "%zu B object", size);
		KA_EXPECT_REPORT(test, "slab-out-of-bounds", "Write", p + size,
				 ka_write(p, size, 0x6b));
		/* The last byte of the slot. */
		KA_EXPECT_REPORT(test, "slab-out-of-bounds", "Read", p + slot - 1,
				 ka_read(p, slot - 1));
		KUNIT_EXPECT_EQ(test, goalloc_free(p), 0);
	}
	goalloc_gc();
}

/*
 * A large object (> 32 KiB, a span of its own): past its size inside its
 * last page, and after its free, when its span went straight back to the
 * heap; a new large object is accessible again, on whatever pages it got.
 */
static void goalloc_kasan_large_test(struct kunit *test)
{
	const size_t size = 40000, span = 5 * GOALLOC_PAGE_SIZE;
	bool ok;
	u8 *p, *q;

	gk_quiesce(test);
	p = goalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	OPTIMIZER_HIDE_VAR(p);
	KA_EXPECT_NO_REPORT(test, ok = ka_touch(p, size));
	KUNIT_EXPECT_TRUE(test, ok);
	KA_EXPECT_REPORT(test, "slab-out-of-bounds", "Write", p + size, ka_write(p, size, 0x6b));
	KA_EXPECT_REPORT(test, "slab-out-of-bounds", "Read", p + span - 1, ka_read(p, span - 1));

	KUNIT_ASSERT_EQ(test, goalloc_free(p), 0);
	KA_EXPECT_REPORT(test, "slab-use-after-free", "Read", p, ka_read(p, 0));
	KA_EXPECT_REPORT(test, "slab-use-after-free", "Write", p + size - 1,
			 ka_write(p, size - 1, 0x6b));

	q = goalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	OPTIMIZER_HIDE_VAR(q);
	kunit_info(test, "the new large object %s the freed one's pages",
		   q == p ? "reuses" : "does not reuse");
	KA_EXPECT_NO_REPORT(test, ok = ka_touch(q, size));
	KUNIT_EXPECT_TRUE(test, ok);
	KUNIT_EXPECT_EQ(test, goalloc_free(q), 0);
	goalloc_gc();
}

/*
 * A tiny (noscan, < 16 B) object after its free, once its block is dead:
 * it was the block's only object and goalloc_drain() made the mcache let go
 * of the block, which poisons all 16 B.
 */
static void goalloc_kasan_tiny_test(struct kunit *test)
{
	const size_t size = 8;
	bool ok;
	u8 *p;

	gk_quiesce(test);	/* drained: no CPU holds a tiny block */
	p = goalloc_alloc_noscan(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	OPTIMIZER_HIDE_VAR(p);
	KA_EXPECT_NO_REPORT(test, ok = ka_touch(p, size));
	KUNIT_EXPECT_TRUE(test, ok);
	KUNIT_ASSERT_EQ(test, goalloc_free(p), 0);
	goalloc_drain();
	KA_EXPECT_REPORT(test, "slab-use-after-free", "Read", p, ka_read(p, 0));
	KA_EXPECT_REPORT(test, "slab-use-after-free", "Write", p + size - 1,
			 ka_write(p, size - 1, 0x6b));
	goalloc_gc();
}

/*
 * goalloc_usable_size() of a tiny object is exactly its size, and the byte
 * after it is still reported: a block's objects so far are its accessible
 * prefix, the rest of the block is slack until the next object is packed.
 */
static void goalloc_kasan_tiny_usable_test(struct kunit *test)
{
	const size_t size = 5;
	size_t n;
	bool ok;
	u8 *p;

	gk_quiesce(test);	/* drained: the next tiny object starts a block */
	p = goalloc_alloc_noscan(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	OPTIMIZER_HIDE_VAR(p);
	n = goalloc_usable_size(p);
	KUNIT_EXPECT_EQ(test, n, size);
	KA_EXPECT_NO_REPORT(test, ok = ka_touch(p, n));
	KUNIT_EXPECT_TRUE(test, ok);
	KA_EXPECT_REPORT(test, "slab-out-of-bounds", "Write", p + n, ka_write(p, n, 0x6b));
	KUNIT_EXPECT_EQ(test, goalloc_free(p), 0);
	goalloc_gc();
}

/*
 * Not KASAN, but the same kind of proof, so in the same boot: might_alloc()
 * in goalloc_alloc() must report a GFP_KERNEL allocation in atomic context
 * (DEBUG_ATOMIC_SLEEP's "sleeping function called from invalid context",
 * which taints the kernel W) even when the fast path serves it without
 * sleeping, and must stay quiet for GFP_ATOMIC in the same place.  The
 * report is listed in kunit/kasan_test.expect.
 */
static void goalloc_kasan_might_sleep_test(struct kunit *test)
{
	void *w, *p, *q;
	int quiet;

	if (!IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP))
		kunit_skip(test, "needs CONFIG_DEBUG_ATOMIC_SLEEP");
	/* This CPU's 64 B span is cached and has room: nothing below grows. */
	migrate_disable();
	w = goalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	atomic_set(&ka_seen.nsleep, 0);
	preempt_disable();
	p = goalloc_alloc(64, GFP_ATOMIC);
	quiet = atomic_read(&ka_seen.nsleep);
	q = goalloc_alloc(64, GFP_KERNEL);
	preempt_enable();
	migrate_enable();
	KUNIT_EXPECT_EQ_MSG(test, quiet, 0, "GFP_ATOMIC reported in atomic context");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ka_seen.nsleep), 1,
			    "GFP_KERNEL in atomic context not reported");
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, goalloc_free(q), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free(p), 0);
	KUNIT_EXPECT_EQ(test, goalloc_free(w), 0);
	goalloc_gc();
}

static int goalloc_kasan_suite_init(struct kunit_suite *suite)
{
	int err;

	if (!kasan_enabled()) {
		pr_err("goalloc_kasan: KASAN is not enabled\n");
		return -EINVAL;
	}
	err = register_trace_console(ka_probe_console, NULL);
	if (err)
		return err;
	/* Reports must not fail the cases, and every one must be printed. */
	kasan_kunit_test_suite_start();
	ka_multishot = kasan_save_enable_multi_shot();
	return 0;
}

static void goalloc_kasan_suite_exit(struct kunit_suite *suite)
{
	kasan_restore_multi_shot(ka_multishot);
	kasan_kunit_test_suite_end();
	unregister_trace_console(ka_probe_console, NULL);
	tracepoint_synchronize_unregister();
}

static int goalloc_kasan_test_init(struct kunit *test)
{
	ka_reset();
	WRITE_ONCE(ka_seen.task, current);
	return 0;
}

/* No report outside KA_EXPECT_REPORT(), from this case or anyone else. */
static void goalloc_kasan_test_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ka_seen.nreports), 0,
			    "kasan report outside the expected ones");
	WRITE_ONCE(ka_seen.task, NULL);
}

static struct kunit_case goalloc_kasan_cases[] = {
	KUNIT_CASE(goalloc_kasan_uaf_small_test),
	KUNIT_CASE(goalloc_kasan_oob_small_test),
	KUNIT_CASE(goalloc_kasan_large_test),
	KUNIT_CASE(goalloc_kasan_tiny_test),
	KUNIT_CASE(goalloc_kasan_tiny_usable_test),
	KUNIT_CASE(goalloc_kasan_might_sleep_test),
	{}
};

static struct kunit_suite goalloc_kasan_suite = {
	.name = "goalloc_kasan",
	.suite_init = goalloc_kasan_suite_init,
	.suite_exit = goalloc_kasan_suite_exit,
	.init = goalloc_kasan_test_init,
	.exit = goalloc_kasan_test_exit,
	.test_cases = goalloc_kasan_cases,
};
kunit_test_suite(goalloc_kasan_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit proof that KASAN reports bad accesses to goalloc objects");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
