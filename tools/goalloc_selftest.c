// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests for /dev/goalloc (include/uapi/goalloc.h), kselftest harness,
 * TAP on stdout.  Needs root and goalloc.ko loaded; skips if the device is
 * missing.
 *
 * Every command's success path with contents written and read back, every
 * errno of the header's table, the copy_struct_from_user() size rules,
 * quotas (the module parameters are saved and restored by the fixture),
 * close/kill with live objects freeing everything, handle isolation across
 * files and processes, the open-time privilege checks, and that a READ or
 * WRITE stalled on a userfaultfd page stalls no other user of the file.
 *
 * Error checks also assert "nothing changed": the device's live handle and
 * byte counts (MEMSTATS dev_objects/dev_bytes) and the object's contents.
 */
#ifdef GOALLOC_ABI_CHECK_ONLY
/* make -C tools abi-check: only the layout asserts, built with -m32. */
#include <stddef.h>
#include "goalloc.h"
#else
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/userfaultfd.h>

#include "goalloc_dev.h"
#include "kselftest_harness.h"
#endif

/*
 * The ABI's layouts, checked by every compiler that builds this file; the
 * Makefile's abi-check target also compiles it with -m32, which proves the
 * i386 and x86_64 layouts agree (what compat_ptr_ioctl relies on).
 */
#define LAYOUT(type, sz) \
	_Static_assert(sizeof(struct type) == (sz) && (sz) % 8 == 0, #type " layout")
LAYOUT(goalloc_ioc_version, GOALLOC_IOC_VERSION_SIZE_VER0);
LAYOUT(goalloc_ioc_alloc, GOALLOC_IOC_ALLOC_SIZE_VER0);
LAYOUT(goalloc_ioc_free, GOALLOC_IOC_FREE_SIZE_VER0);
LAYOUT(goalloc_ioc_rw, GOALLOC_IOC_RW_SIZE_VER0);
LAYOUT(goalloc_ioc_stack_grow, GOALLOC_IOC_STACK_GROW_SIZE_VER0);
LAYOUT(goalloc_ioc_batch, GOALLOC_IOC_BATCH_SIZE_VER0);
LAYOUT(goalloc_ioc_batch_op, GOALLOC_IOC_BATCH_OP_SIZE);
LAYOUT(goalloc_ioc_cmd, GOALLOC_IOC_CMD_SIZE_VER0);
LAYOUT(goalloc_ioc_release, GOALLOC_IOC_RELEASE_SIZE_VER0);
LAYOUT(goalloc_ioc_memstats, GOALLOC_IOC_MEMSTATS_SIZE_VER0);
_Static_assert(offsetof(struct goalloc_ioc_rw, buf) == 32, "rw.buf");
_Static_assert(offsetof(struct goalloc_ioc_batch, ops) == 8, "batch.ops");
_Static_assert(offsetof(struct goalloc_ioc_batch, count) == 16, "batch.count");
_Static_assert(offsetof(struct goalloc_ioc_batch_op, error) == 24, "op.error");
_Static_assert(offsetof(struct goalloc_ioc_memstats, dev_bytes) == 184, "ms.dev_bytes");

#ifndef GOALLOC_ABI_CHECK_ONLY

#define MIB		(1ULL << 20)
#define PAGE		4096
#ifndef ARRAY_SIZE	/* kselftest.h has it */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Reproducible non-trivial bytes (never all zero over a few bytes). */
static void pattern(unsigned char *b, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8) + 1);
}

static int is_zero(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/* A page that faults on any access, and one that only allows reads. */
static void *page_none(void)
{
	return mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void *page_ro(const void *content, size_t n)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return p;
	memcpy(p, content, n);
	mprotect(p, PAGE, PROT_READ);
	return p;
}

static const char *const quota_params[] = {
	"file_max_bytes", "file_max_objects", "global_max_bytes", "global_max_objects",
};
#define NQUOTA ARRAY_SIZE(quota_params)

FIXTURE(dev) {
	int fd;
	uint64_t quota[NQUOTA];
	int have_quota;
};

FIXTURE_SETUP(dev)
{
	unsigned int i;

	self->fd = gdev_open();
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, GOALLOC_DEV " missing: goalloc.ko not loaded");
	ASSERT_LE(0, self->fd) TH_LOG("open " GOALLOC_DEV ": %s", strerror(errno));
	self->have_quota = 1;
	for (i = 0; i < NQUOTA; i++)
		if (gdev_param_read(quota_params[i], &self->quota[i]))
			self->have_quota = 0;
}

FIXTURE_TEARDOWN(dev)
{
	unsigned int i;

	if (self->have_quota)
		for (i = 0; i < NQUOTA; i++)
			gdev_param_write(quota_params[i], self->quota[i]);
	if (self->fd >= 0)
		close(self->fd);
}

/* Live handles and their bytes over all files: the "nothing changed" probe. */
static void dev_usage(struct __test_metadata *_metadata, int fd, uint64_t *objs,
		      uint64_t *bytes)
{
	struct goalloc_ioc_memstats m;

	ASSERT_EQ(0, gdev_stats(fd, &m));
	*objs = m.dev_objects;
	*bytes = m.dev_bytes;
}

struct snap {
	uint64_t objs, bytes;
};

static void snap_take(struct __test_metadata *_metadata, int fd, struct snap *s)
{
	dev_usage(_metadata, fd, &s->objs, &s->bytes);
}

static void snap_same(struct __test_metadata *_metadata, int fd, const struct snap *s)
{
	struct snap now;

	dev_usage(_metadata, fd, &now.objs, &now.bytes);
	EXPECT_EQ(s->objs, now.objs);
	EXPECT_EQ(s->bytes, now.bytes);
}

/* "nothing changed": no handle or byte came or went between the two */
#define SNAP(fd)	struct snap snap_; snap_take(_metadata, fd, &snap_)
#define UNCHANGED(fd)	snap_same(_metadata, fd, &snap_)
#define RESNAP(fd)	snap_take(_metadata, fd, &snap_)

/* ================= success paths ================= */

TEST_F(dev, version)
{
	struct goalloc_ioc_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, gdev_ioctl(self->fd, GOALLOC_IOC_VERSION, &v));
	EXPECT_EQ(sizeof(v), v.size);
	EXPECT_EQ(GOALLOC_IOC_ABI_MAJOR, v.major);
	EXPECT_EQ(GOALLOC_IOC_ABI_MINOR, v.minor);
	EXPECT_EQ(GOALLOC_IOC_BATCH_MAX, v.batch_max);
	EXPECT_EQ(GOALLOC_IOC_F_MASK, v.alloc_flags);
	EXPECT_EQ(GOALLOC_IOC_MAX_OBJECT_SIZE, v.max_object_size);
	EXPECT_EQ(GOALLOC_IOC_STACK_MIN, v.stack_min);
	EXPECT_EQ(GOALLOC_IOC_STACK_MAX, v.stack_max);
}

/* Every tier: tiny (noscan < 16 B), several small classes, large. */
TEST_F_TIMEOUT(dev, alloc_write_read_free_all_tiers, 120)
{
	static const uint64_t sizes[] = {
		1, 7, 8, 15, 16, 17, 24, 100, 512, 1024, 3000, 8192, 20000,
		32768, 32769, 65536, 300000, 1 * MIB, 4 * MIB,
	};
	unsigned char *w = malloc(4 * MIB), *r = malloc(4 * MIB);
	unsigned int i, noscan;
	uint64_t h;

	ASSERT_TRUE(w && r);
	for (noscan = 0; noscan < 2; noscan++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			uint64_t n = sizes[i];

			ASSERT_EQ(0, gdev_alloc(self->fd, n, noscan ? GOALLOC_IOC_F_NOSCAN : 0, &h))
				TH_LOG("size %llu", (unsigned long long)n);
			ASSERT_NE(0, h);
			pattern(w, n, i + 10 * noscan);
			ASSERT_EQ(0, gdev_write(self->fd, h, 0, n, w));
			memset(r, 0, n);
			ASSERT_EQ(0, gdev_read(self->fd, h, 0, n, r));
			EXPECT_EQ(0, memcmp(w, r, n)) TH_LOG("size %llu noscan %u",
							    (unsigned long long)n, noscan);
			ASSERT_EQ(0, gdev_free(self->fd, h));
		}
	}
	free(w);
	free(r);
}

/* Many live objects at once keep distinct contents (no overlap). */
TEST_F(dev, many_live_objects_distinct)
{
	enum { N = 300 };
	uint64_t h[N], sz[N];
	unsigned char w[2048], r[2048];
	int i;

	for (i = 0; i < N; i++) {
		sz[i] = 1 + (i * 37) % 2000;
		ASSERT_EQ(0, gdev_alloc(self->fd, sz[i], i % 3 ? GOALLOC_IOC_F_NOSCAN : 0, &h[i]));
		pattern(w, sz[i], i);
		ASSERT_EQ(0, gdev_write(self->fd, h[i], 0, sz[i], w));
	}
	for (i = 0; i < N; i++) {
		pattern(w, sz[i], i);
		ASSERT_EQ(0, gdev_read(self->fd, h[i], 0, sz[i], r));
		EXPECT_EQ(0, memcmp(w, r, sz[i])) TH_LOG("object %d", i);
	}
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, gdev_free(self->fd, h[i]));
}

/* Partial ranges, up to the last byte. */
TEST_F(dev, write_read_ranges)
{
	unsigned char w[100], r[100], exp[100];
	uint64_t h;

	ASSERT_EQ(0, gdev_alloc(self->fd, 100, 0, &h));
	pattern(exp, 100, 1);
	ASSERT_EQ(0, gdev_write(self->fd, h, 0, 100, exp));
	pattern(w, 10, 2);
	ASSERT_EQ(0, gdev_write(self->fd, h, 10, 10, w));
	memcpy(exp + 10, w, 10);
	ASSERT_EQ(0, gdev_write(self->fd, h, 99, 1, "\x5a"));
	exp[99] = 0x5a;
	ASSERT_EQ(0, gdev_read(self->fd, h, 0, 100, r));
	EXPECT_EQ(0, memcmp(exp, r, 100));
	ASSERT_EQ(0, gdev_read(self->fd, h, 95, 5, r));
	EXPECT_EQ(0, memcmp(exp + 95, r, 5));
	ASSERT_EQ(0, gdev_read(self->fd, h, 99, 1, r));
	EXPECT_EQ(0x5a, r[0]);
	ASSERT_EQ(0, gdev_free(self->fd, h));
}

/*
 * Unwritten bytes read as zero with and without GOALLOC_IOC_F_ZERO, also
 * when the memory held a pattern before (free + GC makes it reusable).
 */
TEST_F(dev, zero_and_never_stale)
{
	static const uint64_t sizes[] = { 8, 64, 4096, 40000 };
	unsigned char *w = malloc(40000), *r = malloc(40000);
	unsigned int i, k, zero;
	uint64_t h[16];

	ASSERT_TRUE(w && r);
	for (i = 0; i < 4; i++) {
		uint64_t n = sizes[i];
		uint32_t base = n < 16 ? GOALLOC_IOC_F_NOSCAN : 0;

		for (zero = 0; zero < 2; zero++) {
			/* Dirty a few slots of this class, free them, reclaim. */
			memset(w, 0xa5, n);
			for (k = 0; k < 16; k++) {
				ASSERT_EQ(0, gdev_alloc(self->fd, n, base, &h[k]));
				ASSERT_EQ(0, gdev_write(self->fd, h[k], 0, n, w));
			}
			for (k = 0; k < 16; k++)
				ASSERT_EQ(0, gdev_free(self->fd, h[k]));
			ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_GC));
			for (k = 0; k < 16; k++) {
				uint32_t fl = base | (zero ? GOALLOC_IOC_F_ZERO : 0);

				ASSERT_EQ(0, gdev_alloc(self->fd, n, fl, &h[k]));
				memset(r, 0x11, n);
				if (k & 1) {
					/* a partial write first: the rest must still be zero */
					ASSERT_EQ(0, gdev_write(self->fd, h[k], 0, 1, "\x77"));
					ASSERT_EQ(0, gdev_read(self->fd, h[k], 0, n, r));
					EXPECT_EQ(0x77, r[0]);
					EXPECT_TRUE(is_zero(r + 1, n - 1)) TH_LOG("n %llu zero %u",
						(unsigned long long)n, zero);
				} else {
					ASSERT_EQ(0, gdev_read(self->fd, h[k], 0, n, r));
					EXPECT_TRUE(is_zero(r, n)) TH_LOG("n %llu zero %u",
						(unsigned long long)n, zero);
				}
			}
			for (k = 0; k < 16; k++)
				ASSERT_EQ(0, gdev_free(self->fd, h[k]));
		}
	}
	free(w);
	free(r);
}

/* MEMSTATS moves exactly with what this test does. */
TEST_F(dev, memstats_counts)
{
	enum { N = 50 };
	struct goalloc_ioc_memstats a, b, c;
	uint64_t h[N];
	int i;

	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_GC));
	ASSERT_EQ(0, gdev_stats(self->fd, &a));
	EXPECT_EQ(sizeof(a), a.size);
	EXPECT_EQ(a.heap_objects, a.mallocs - a.frees);
	EXPECT_EQ(a.alloc, a.heap_alloc);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, gdev_alloc(self->fd, 64, 0, &h[i]));
	ASSERT_EQ(0, gdev_stats(self->fd, &b));
	EXPECT_EQ(a.mallocs + N, b.mallocs);
	EXPECT_EQ(a.frees, b.frees);
	EXPECT_EQ(a.heap_alloc + N * 64, b.heap_alloc);
	EXPECT_EQ(a.total_alloc + N * 64, b.total_alloc);
	EXPECT_EQ(a.dev_objects + N, b.dev_objects);
	EXPECT_EQ(a.dev_bytes + N * 64, b.dev_bytes);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, gdev_free(self->fd, h[i]));
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_GC));
	ASSERT_EQ(0, gdev_stats(self->fd, &c));
	EXPECT_EQ(a.frees + N, c.frees);
	EXPECT_EQ(a.heap_objects, c.heap_objects);
	EXPECT_EQ(a.heap_alloc, c.heap_alloc);
	EXPECT_EQ(a.dev_objects, c.dev_objects);
	EXPECT_LT(a.num_gc, c.num_gc);
}

/* A longer MEMSTATS/VERSION struct: known part filled, unknown tail zeroed. */
TEST_F(dev, output_struct_longer_tail_zeroed)
{
	unsigned char buf[512];
	struct goalloc_ioc_memstats *m = (void *)buf;
	struct goalloc_ioc_version *v = (void *)buf;

	memset(buf, 0xff, sizeof(buf));
	m->size = sizeof(*m) + 64;
	m->flags = 0;
	ASSERT_EQ(0, gdev_ioctl(self->fd, GOALLOC_IOC_MEMSTATS, buf));
	EXPECT_EQ(sizeof(*m), m->size);
	EXPECT_TRUE(is_zero(buf + sizeof(*m), 64));
	EXPECT_EQ(0xff, buf[sizeof(*m) + 64]);
	EXPECT_EQ(m->heap_objects, m->mallocs - m->frees);

	memset(buf, 0xff, sizeof(buf));
	v->size = sizeof(*v) + 8;
	v->flags = 0;
	ASSERT_EQ(0, gdev_ioctl(self->fd, GOALLOC_IOC_VERSION, buf));
	EXPECT_EQ(sizeof(*v), v->size);
	EXPECT_EQ(GOALLOC_IOC_ABI_MAJOR, v->major);
	EXPECT_TRUE(is_zero(buf + sizeof(*v), 8));
}

/* A longer input struct whose extra bytes are zero is accepted. */
TEST_F(dev, input_struct_longer_zero_tail_ok)
{
	unsigned char buf[PAGE];
	struct goalloc_ioc_alloc *a = (void *)buf;
	struct goalloc_ioc_release *rel = (void *)buf;

	memset(buf, 0, sizeof(buf));
	a->size = PAGE;		/* the largest accepted */
	a->bytes = 40;
	ASSERT_EQ(0, gdev_ioctl(self->fd, GOALLOC_IOC_ALLOC, buf));
	ASSERT_NE(0, a->handle);
	EXPECT_TRUE(is_zero(buf + sizeof(*a), PAGE - sizeof(*a)));
	ASSERT_EQ(0, gdev_free(self->fd, a->handle));

	memset(buf, 0, sizeof(buf));
	rel->size = sizeof(*rel) + 16;
	ASSERT_EQ(0, gdev_ioctl(self->fd, GOALLOC_IOC_RELEASE, buf));
}

/* The size bits of the command number are ignored: @size rules. */
TEST_F(dev, command_size_bits_ignored)
{
	struct goalloc_ioc_alloc a = { .size = sizeof(a), .bytes = 33 };
	unsigned long cmd = _IOC(_IOC_READ | _IOC_WRITE, GOALLOC_IOC_MAGIC, 0x01, 200);

	ASSERT_EQ(0, gdev_ioctl(self->fd, cmd, &a));
	ASSERT_NE(0, a.handle);
	ASSERT_EQ(0, gdev_free(self->fd, a.handle));
}

/* Stacks of every size, contents read back; growth keeps the top. */
TEST_F_TIMEOUT(dev, stack_sizes_and_grow_chain, 120)
{
	unsigned char *w = malloc(4 * MIB), *r = malloc(4 * MIB);
	struct goalloc_ioc_memstats m;
	uint64_t size, h, nsize, used = 1000;

	ASSERT_TRUE(w && r);
	for (size = GOALLOC_IOC_STACK_MIN; size <= GOALLOC_IOC_STACK_MAX; size *= 2) {
		ASSERT_EQ(0, gdev_stack_alloc(self->fd, size, &h))
			TH_LOG("size %llu", (unsigned long long)size);
		ASSERT_EQ(0, gdev_stats(self->fd, &m));
		EXPECT_LE(size, m.stack_inuse);
		pattern(w, size, (unsigned int)size);
		ASSERT_EQ(0, gdev_write(self->fd, h, 0, size, w));
		ASSERT_EQ(0, gdev_read(self->fd, h, 0, size, r));
		EXPECT_EQ(0, memcmp(w, r, size));
		ASSERT_EQ(0, gdev_stack_free(self->fd, h));
	}

	/* 2 KiB -> 4 MiB, `used` bytes at the top survive each growth. */
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 2048, &h));
	pattern(w, used, 99);
	ASSERT_EQ(0, gdev_write(self->fd, h, 2048 - used, used, w));
	for (size = 2048; size < GOALLOC_IOC_STACK_MAX; size = nsize) {
		ASSERT_EQ(0, gdev_stack_grow(self->fd, h, used, &nsize));
		ASSERT_EQ(size * 2, nsize);
		ASSERT_EQ(0, gdev_read(self->fd, h, nsize - used, used, r));
		EXPECT_EQ(0, memcmp(w, r, used)) TH_LOG("after growing to %llu",
							(unsigned long long)nsize);
		ASSERT_EQ(0, gdev_read(self->fd, h, 0, nsize - used, r));
		EXPECT_TRUE(is_zero(r, nsize - used));
	}
	/* used == size: the whole stack moves. */
	ASSERT_EQ(0, gdev_stack_free(self->fd, h));
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 8192, &h));
	pattern(w, 8192, 5);
	ASSERT_EQ(0, gdev_write(self->fd, h, 0, 8192, w));
	ASSERT_EQ(0, gdev_stack_grow(self->fd, h, 8192, &nsize));
	ASSERT_EQ(16384, nsize);
	ASSERT_EQ(0, gdev_read(self->fd, h, 8192, 8192, r));
	EXPECT_EQ(0, memcmp(w, r, 8192));
	ASSERT_EQ(0, gdev_stack_free(self->fd, h));
	free(w);
	free(r);
}

/*
 * Freed stacks of 32 KiB and more go straight back to the heap, as Go's
 * stackfree does outside a GC mark phase.  On one file with the default
 * quotas (64 MiB a file), four rounds each hold 64 MiB of large stacks at
 * once and free them: together they cover the default heap cap
 * (max_heap_mb, 256 MiB).  Nothing may stay pinned: StackInuse is back
 * after every round, and after the file is closed a 40 KiB object on a
 * new file succeeds with no DRAIN, GC or RELEASE after the first round.
 */
TEST_F_TIMEOUT(dev, freed_large_stacks_return_to_heap, 120)
{
	static const struct { uint64_t bytes; int n; } rounds[] = {
		{ 4 * MIB, 16 }, { 2 * MIB, 32 }, { 1 * MIB, 64 }, { MIB / 2, 128 },
	};
	struct goalloc_ioc_memstats base, m;
	uint64_t h[128], obj;
	unsigned int r;
	int i, n, err, fd2;

	ASSERT_EQ(4 * MIB, GOALLOC_IOC_STACK_MAX);
	/* Start from a settled heap, as a freshly loaded module would. */
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_GC));
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_DRAIN));
	ASSERT_EQ(0, gdev_stats(self->fd, &base));
	for (r = 0; r < ARRAY_SIZE(rounds); r++) {
		/* On an ENOMEM go on: the 40 KiB object below is the point. */
		for (n = 0; n < rounds[r].n; n++) {
			err = gdev_stack_alloc(self->fd, rounds[r].bytes, &h[n]);
			EXPECT_EQ(0, err) TH_LOG("stack %d of %llu B", n,
						 (unsigned long long)rounds[r].bytes);
			if (err)
				break;
		}
		ASSERT_EQ(0, gdev_stats(self->fd, &m));
		EXPECT_EQ(base.stack_inuse + n * rounds[r].bytes, m.stack_inuse);
		/* Braced: ASSERT_EQ() is two statements (the check, then the bail). */
		for (i = 0; i < n; i++) {
			ASSERT_EQ(0, gdev_stack_free(self->fd, h[i]))
				TH_LOG("free of stack %d of %llu B", i,
				       (unsigned long long)rounds[r].bytes);
		}
		ASSERT_EQ(0, gdev_stats(self->fd, &m));
		EXPECT_EQ(base.stack_inuse, m.stack_inuse)
			TH_LOG("%llu B stacks still in use after freeing the %llu B round",
			       (unsigned long long)(m.stack_inuse - base.stack_inuse),
			       (unsigned long long)rounds[r].bytes);
		EXPECT_EQ(base.dev_bytes, m.dev_bytes);
	}
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	fd2 = gdev_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, gdev_alloc(fd2, 40 * 1024, 0, &obj));
	ASSERT_EQ(0, gdev_stats(fd2, &m));
	EXPECT_EQ(base.stack_inuse, m.stack_inuse);
	EXPECT_EQ(0, gdev_free(fd2, obj));
	ASSERT_EQ(0, close(fd2));
}

/* One batch allocates, the next frees; handles usable in between. */
TEST_F(dev, batch_alloc_then_free)
{
	enum { N = 500 };
	struct goalloc_ioc_batch_op *ops = calloc(N, sizeof(*ops));
	struct goalloc_ioc_batch b;
	unsigned char w[64], r[64];
	uint64_t o0, b0, o1, b1, want = 0;
	int i, j;

	ASSERT_TRUE(ops != NULL);
	dev_usage(_metadata, self->fd, &o0, &b0);
	for (i = 0; i < N; i++) {
		ops[i].op = GOALLOC_IOC_BATCH_ALLOC;
		ops[i].bytes = 1 + i % 64;
		ops[i].flags = i % 2 ? GOALLOC_IOC_F_NOSCAN : GOALLOC_IOC_F_ZERO;
		ops[i].error = 12345;	/* output: must be overwritten */
		want += ops[i].bytes;
	}
	ASSERT_EQ(0, gdev_batch(self->fd, ops, N, &b));
	EXPECT_EQ(N, b.done);
	EXPECT_EQ(0, b.failed);
	for (i = 0; i < N; i++) {
		EXPECT_EQ(0, ops[i].error);
		ASSERT_NE(0, ops[i].handle);
		for (j = 0; j < i; j += 37)
			ASSERT_NE(ops[j].handle, ops[i].handle);
	}
	dev_usage(_metadata, self->fd, &o1, &b1);
	EXPECT_EQ(o0 + N, o1);
	EXPECT_EQ(b0 + want, b1);

	/* A batch handle is an ordinary handle. */
	pattern(w, ops[63].bytes, 3);
	ASSERT_EQ(0, gdev_write(self->fd, ops[63].handle, 0, ops[63].bytes, w));
	ASSERT_EQ(0, gdev_read(self->fd, ops[63].handle, 0, ops[63].bytes, r));
	EXPECT_EQ(0, memcmp(w, r, ops[63].bytes));

	for (i = 0; i < N; i++) {
		ops[i].op = GOALLOC_IOC_BATCH_FREE;
		ops[i].bytes = 0;
		ops[i].flags = 0;
	}
	ASSERT_EQ(0, gdev_batch(self->fd, ops, N, &b));
	EXPECT_EQ(N, b.done);
	EXPECT_EQ(0, b.failed);
	dev_usage(_metadata, self->fd, &o1, &b1);
	EXPECT_EQ(o0, o1);
	EXPECT_EQ(b0, b1);
	EXPECT_EQ(-ENOENT, gdev_read(self->fd, ops[63].handle, 0, 1, r));
	free(ops);
}

/* The documented maximum count works. */
TEST_F_TIMEOUT(dev, batch_max_count, 120)
{
	enum { N = GOALLOC_IOC_BATCH_MAX };
	struct goalloc_ioc_batch_op *ops = calloc(N, sizeof(*ops));
	struct goalloc_ioc_batch b;
	int i;

	ASSERT_TRUE(ops != NULL);
	for (i = 0; i < N; i++) {
		ops[i].op = GOALLOC_IOC_BATCH_ALLOC;
		ops[i].bytes = 16;
	}
	ASSERT_EQ(0, gdev_batch(self->fd, ops, N, &b));
	EXPECT_EQ(N, b.done);
	for (i = 0; i < N; i++)
		ops[i] = (struct goalloc_ioc_batch_op){ .op = GOALLOC_IOC_BATCH_FREE,
							.handle = ops[i].handle };
	ASSERT_EQ(0, gdev_batch(self->fd, ops, N, &b));
	EXPECT_EQ(N, b.done);
	EXPECT_EQ(0, b.failed);
	free(ops);
}

/* Alloc and free of the same object inside one batch (fresh file: handle 1). */
TEST_F(dev, batch_alloc_free_same_call)
{
	struct goalloc_ioc_batch_op ops[2] = {
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 100 },
		{ .op = GOALLOC_IOC_BATCH_FREE, .handle = 1 },
	};
	struct goalloc_ioc_batch b;

	SNAP(self->fd);
	ASSERT_EQ(0, gdev_batch(self->fd, ops, 2, &b));
	EXPECT_EQ(1, ops[0].handle);
	EXPECT_EQ(2, b.done);
	EXPECT_EQ(0, ops[1].error);
	UNCHANGED(self->fd);
	EXPECT_EQ(-ENOENT, gdev_free(self->fd, 1));
}

/* Run-time op failures are per op; the rest of the batch runs. */
TEST_F(dev, batch_runtime_errors_per_op)
{
	struct goalloc_ioc_batch_op ops[4] = {
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 10 },
		{ .op = GOALLOC_IOC_BATCH_FREE, .handle = 999999 },
		{ .op = GOALLOC_IOC_BATCH_FREE, .handle = 0 },
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 20 },
	};
	struct goalloc_ioc_batch b;
	uint64_t o0, b0, o1, b1;

	dev_usage(_metadata, self->fd, &o0, &b0);
	ASSERT_EQ(0, gdev_batch(self->fd, ops, 4, &b));
	EXPECT_EQ(2, b.done);
	EXPECT_EQ(2, b.failed);
	EXPECT_EQ(0, ops[0].error);
	EXPECT_EQ(ENOENT, ops[1].error);
	EXPECT_EQ(ENOENT, ops[2].error);
	EXPECT_EQ(0, ops[3].error);
	dev_usage(_metadata, self->fd, &o1, &b1);
	EXPECT_EQ(o0 + 2, o1);
	EXPECT_EQ(b0 + 30, b1);
	EXPECT_EQ(0, gdev_free(self->fd, ops[0].handle));
	EXPECT_EQ(0, gdev_free(self->fd, ops[3].handle));
}

/* A free op naming a stack is EINVAL at run time (as FREE); the batch goes on. */
TEST_F(dev, batch_free_of_stack_handle_einval)
{
	struct goalloc_ioc_batch_op ops[2] = {
		{ .op = GOALLOC_IOC_BATCH_FREE },
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8 },
	};
	struct goalloc_ioc_batch b;
	uint64_t o0, b0, o1, b1, s;

	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 2048, &s));
	ops[0].handle = s;
	dev_usage(_metadata, self->fd, &o0, &b0);
	ASSERT_EQ(0, gdev_batch(self->fd, ops, 2, &b));
	EXPECT_EQ(1, b.done);
	EXPECT_EQ(1, b.failed);
	EXPECT_EQ(EINVAL, ops[0].error);
	EXPECT_EQ(0, ops[1].error);
	dev_usage(_metadata, self->fd, &o1, &b1);
	EXPECT_EQ(o0 + 1, o1);
	EXPECT_EQ(b0 + 8, b1);
	EXPECT_EQ(0, gdev_free(self->fd, ops[1].handle));
	/* the stack is still there */
	EXPECT_EQ(0, gdev_stack_free(self->fd, s));
}

/* Arena bytes backed by kernel memory (Go: HeapSys + StackSys - HeapReleased). */
static uint64_t backed(const struct goalloc_ioc_memstats *m)
{
	return m->heap_sys + m->stack_sys - m->heap_released;
}

TEST_F(dev, gc_drain_release)
{
	struct goalloc_ioc_memstats base, a, b;
	uint64_t h1, h2, rel = 1;

	ASSERT_EQ(0, gdev_stats(self->fd, &a));
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_GC));
	ASSERT_EQ(0, gdev_stats(self->fd, &b));
	EXPECT_LT(a.num_gc, b.num_gc);
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_DRAIN));

	/* Baseline: every free page already given back. */
	ASSERT_EQ(0, gdev_release(self->fd, NULL));
	ASSERT_EQ(0, gdev_stats(self->fd, &base));
	EXPECT_EQ(0, base.heap_released % GOALLOC_IOC_PAGE_SIZE);

	/* Two whole-frame objects need 8 MiB more memory... */
	ASSERT_EQ(0, gdev_alloc(self->fd, 4 * MIB, 0, &h1));
	ASSERT_EQ(0, gdev_alloc(self->fd, 4 * MIB, 0, &h2));
	ASSERT_EQ(0, gdev_stats(self->fd, &a));
	EXPECT_LE(backed(&base) + 8 * MIB, backed(&a));
	ASSERT_EQ(0, gdev_free(self->fd, h1));
	ASSERT_EQ(0, gdev_free(self->fd, h2));
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_GC));

	/*
	 * ...which is all back with the kernel once RELEASE returns (the
	 * scavenger may already have returned some above its goal).
	 */
	ASSERT_EQ(0, gdev_stats(self->fd, &a));
	ASSERT_EQ(0, gdev_release(self->fd, &rel));
	ASSERT_EQ(0, gdev_stats(self->fd, &b));
	EXPECT_EQ(0, rel % GOALLOC_IOC_PAGE_SIZE);
	EXPECT_LE(backed(&b) + rel, backed(&a));
	EXPECT_EQ(backed(&base), backed(&b));
	/* Nothing left to give back right after. */
	ASSERT_EQ(0, gdev_release(self->fd, &rel));
	EXPECT_EQ(0, rel);
	ASSERT_EQ(0, gdev_stats(self->fd, &a));
	EXPECT_EQ(b.heap_released, a.heap_released);
}

/* Threads sharing one file: the per-file lock keeps the table consistent. */
struct thr_arg {
	int fd, id, bad;
};

static void *thr_main(void *p)
{
	struct thr_arg *t = p;
	unsigned char w[256], r[256];
	uint64_t h;
	int i, n;

	for (i = 0; i < 300; i++) {
		n = 1 + (i * 13 + t->id) % 256;
		pattern(w, n, t->id * 1000 + i);
		if (gdev_alloc(t->fd, n, 0, &h) || gdev_write(t->fd, h, 0, n, w) ||
		    gdev_read(t->fd, h, 0, n, r) || memcmp(w, r, n) || gdev_free(t->fd, h))
			t->bad++;
	}
	return NULL;
}

TEST_F(dev, threads_share_file)
{
	struct thr_arg t[4];
	pthread_t th[4];
	int i;

	SNAP(self->fd);
	for (i = 0; i < 4; i++) {
		t[i] = (struct thr_arg){ .fd = self->fd, .id = i };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, thr_main, &t[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, t[i].bad);
	}
	UNCHANGED(self->fd);
}

/*
 * A stalled user copy must not stall the file.  Thread 1's READ or WRITE
 * buffer is a userfaultfd page (missing mode) left unfilled until the end;
 * once the fault event is read, thread 1 is inside the copy.  A forked
 * child then loops ALLOC/FREE on the same file: it must get through (the
 * device holds no lock across user copies) and die at once on SIGKILL
 * (waiting for the file's lock is killable).  Before both were so, the
 * child hung in D state until the page was filled.  Needs
 * CONFIG_USERFAULTFD; skips without it.
 */
struct stall {
	int fd, err;
	unsigned long cmd;
	uint64_t h;
	void *buf;
};

static void *stall_main(void *p)
{
	struct stall *s = p;

	s->err = gdev_rw(s->fd, s->cmd, s->h, 0, PAGE, s->buf);
	return NULL;
}

static void stalled_copy(struct __test_metadata *_metadata, int fd, unsigned long cmd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy copy = { .len = PAGE };
	static unsigned char src[PAGE] __attribute__((aligned(PAGE)));
	unsigned char want[PAGE], r[PAGE], *buf;
	int uffd, pfd[2], status = 0, i, progress, died = 0;
	struct stall st = { .fd = fd, .cmd = cmd, .err = 1 };
	struct uffd_msg msg;
	struct pollfd pl;
	pthread_t th;
	pid_t pid;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 && errno == ENOSYS)
		SKIP(return, "no userfaultfd(2): kernel built without CONFIG_USERFAULTFD");
	if (uffd < 0)
		SKIP(return, "userfaultfd(2): %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	reg.range.start = (uintptr_t)buf;
	reg.range.len = PAGE;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	ASSERT_EQ(0, gdev_alloc(fd, PAGE, 0, &st.h));
	pattern(want, PAGE, 21);
	pattern(src, PAGE, 22);
	if (cmd == GOALLOC_IOC_READ) {
		ASSERT_EQ(0, gdev_write(fd, st.h, 0, PAGE, want));
	} else {
		memcpy(want, src, PAGE);
	}
	st.buf = buf;
	ASSERT_EQ(0, pthread_create(&th, NULL, stall_main, &st));
	pl = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pl, 1, 30000));
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	ASSERT_EQ((uintptr_t)buf, msg.arg.pagefault.address & ~(uint64_t)(PAGE - 1));

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t c;

		close(pfd[0]);
		for (i = 0; ; i++) {
			if (gdev_alloc(fd, 64, 0, &c) || gdev_free(fd, c))
				_exit(1);
			if (!i && write(pfd[1], "p", 1) != 1)
				_exit(2);
		}
	}
	close(pfd[1]);
	pl = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	progress = poll(&pl, 1, 10000) == 1 && (pl.revents & POLLIN);
	kill(pid, SIGKILL);
	for (i = 0; i < 200 && !died; i++) {
		died = waitpid(pid, &status, WNOHANG) == pid;
		if (!died)
			usleep(50000);
	}

	/* Fill the page: thread 1 finishes (and a child stuck behind it). */
	copy.dst = (uintptr_t)buf;
	copy.src = (uintptr_t)src;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	ASSERT_EQ(0, pthread_join(th, NULL));
	if (!died) {
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	EXPECT_TRUE(progress) TH_LOG("ioctls on the file waited for the stalled copy");
	EXPECT_TRUE(died) TH_LOG("SIGKILLed child not reaped within 10 s of the kill");
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_EQ(0, st.err);
	if (cmd == GOALLOC_IOC_READ) {
		EXPECT_EQ(0, memcmp(want, buf, PAGE));
	} else {
		ASSERT_EQ(0, gdev_read(fd, st.h, 0, PAGE, r));
		EXPECT_EQ(0, memcmp(want, r, PAGE));
	}
	EXPECT_EQ(0, gdev_free(fd, st.h));
	close(pfd[0]);
	close(uffd);
	munmap(buf, PAGE);
}

TEST_F_TIMEOUT(dev, stalled_write_copy_stalls_nobody, 90)
{
	stalled_copy(_metadata, self->fd, GOALLOC_IOC_WRITE);
}

TEST_F_TIMEOUT(dev, stalled_read_copy_stalls_nobody, 90)
{
	stalled_copy(_metadata, self->fd, GOALLOC_IOC_READ);
}

/*
 * Results are stored with page faults disabled under the file's lock; a
 * result page that needs a fault (here write-protected for copy-on-write
 * by a fork) makes the command undo itself, fault the page in without the
 * lock and start again.  The retried command must have done its work once.
 */
TEST_F(dev, result_page_needing_fault_is_retried)
{
	struct goalloc_ioc_alloc *a, *sa;
	struct goalloc_ioc_stack_grow *g;
	struct goalloc_ioc_memstats m0, m1;
	unsigned char top[32], r[32];
	int status;
	uint64_t s;
	void *pg;
	pid_t pid;

	pg = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pg);
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 4096, &s));
	pattern(top, 32, 8);
	ASSERT_EQ(0, gdev_write(self->fd, s, 4096 - 32, 32, top));
	a = pg;
	sa = (void *)((char *)pg + 64);
	g = (void *)((char *)pg + 128);
	*a = (struct goalloc_ioc_alloc){ .size = sizeof(*a), .bytes = 64 };
	*sa = (struct goalloc_ioc_alloc){ .size = sizeof(*sa), .bytes = 2048 };
	*g = (struct goalloc_ioc_stack_grow){ .size = sizeof(*g), .handle = s, .used = 32 };
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));

	ASSERT_EQ(0, gdev_stats(self->fd, &m0));
	ASSERT_EQ(0, gdev_ioctl(self->fd, GOALLOC_IOC_ALLOC, a));
	ASSERT_EQ(0, gdev_stats(self->fd, &m1));
	/* one ALLOC undone for the fault, one kept */
	EXPECT_EQ(m0.mallocs + 2, m1.mallocs);
	EXPECT_EQ(m0.frees + 1, m1.frees);
	EXPECT_EQ(m0.dev_objects + 1, m1.dev_objects);
	EXPECT_EQ(m0.dev_bytes + 64, m1.dev_bytes);
	ASSERT_EQ(0, gdev_write(self->fd, a->handle, 0, 32, top));
	ASSERT_EQ(0, gdev_free(self->fd, a->handle));

	/* the page is writable now: protect it again */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	SNAP(self->fd);
	ASSERT_EQ(0, gdev_ioctl(self->fd, GOALLOC_IOC_STACK_ALLOC, sa));
	ASSERT_NE(0, sa->handle);
	ASSERT_EQ(0, gdev_stack_free(self->fd, sa->handle));
	UNCHANGED(self->fd);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, gdev_ioctl(self->fd, GOALLOC_IOC_STACK_GROW, g));
	EXPECT_EQ(8192, g->bytes);
	/* grown once, not twice: byte 8192 is out of range */
	EXPECT_EQ(-ERANGE, gdev_read(self->fd, s, 8192, 1, r));
	ASSERT_EQ(0, gdev_read(self->fd, s, 8192 - 32, 32, r));
	EXPECT_EQ(0, memcmp(top, r, 32));
	EXPECT_EQ(0, gdev_stack_free(self->fd, s));
	munmap(pg, PAGE);
}

/* ================= lifetime and isolation ================= */

/* Fill a file with every kind of object; return how many. */
static int fill_file(struct __test_metadata *_metadata, int fd)
{
	static const uint64_t sizes[] = { 1, 5, 12, 16, 48, 200, 1500, 9000,
					  32768, 70000, 2 * MIB };
	unsigned char w[64];
	uint64_t h = 0, n;
	int i, count = 0;

	for (i = 0; i < 200; i++) {
		n = sizes[i % 11];
		EXPECT_EQ(0, gdev_alloc(fd, n, i % 2 ? GOALLOC_IOC_F_NOSCAN : 0, &h));
		pattern(w, n < 64 ? n : 64, i);
		EXPECT_EQ(0, gdev_write(fd, h, 0, n < 64 ? n : 64, w));
		count++;
	}
	for (n = 2048; n <= 1 * MIB; n *= 4) {
		EXPECT_EQ(0, gdev_stack_alloc(fd, n, &h));
		count++;
	}
	EXPECT_EQ(0, gdev_stack_alloc(fd, 4096, &h));
	EXPECT_EQ(0, gdev_stack_grow(fd, h, 100, NULL));
	return count + 1;
}

static void settle(struct __test_metadata *_metadata, int fd,
		   struct goalloc_ioc_memstats *m)
{
	ASSERT_EQ(0, gdev_cmd(fd, GOALLOC_IOC_GC));
	ASSERT_EQ(0, gdev_cmd(fd, GOALLOC_IOC_DRAIN));
	ASSERT_EQ(0, gdev_stats(fd, m));
}

#define EXPECT_BASELINE(a, b) do {					\
	EXPECT_EQ((a).mallocs - (a).frees, (b).mallocs - (b).frees);	\
	EXPECT_EQ((a).heap_alloc, (b).heap_alloc);			\
	EXPECT_EQ((a).heap_inuse, (b).heap_inuse);			\
	EXPECT_EQ((a).stack_inuse, (b).stack_inuse);			\
	EXPECT_EQ((a).dev_objects, (b).dev_objects);			\
	EXPECT_EQ((a).dev_bytes, (b).dev_bytes);			\
} while (0)

TEST_F(dev, close_with_live_objects_frees_all)
{
	struct goalloc_ioc_memstats base, live, after;
	int fd2, n;

	settle(_metadata, self->fd, &base);
	fd2 = gdev_open();
	ASSERT_LE(0, fd2);
	n = fill_file(_metadata, fd2);
	ASSERT_EQ(0, gdev_stats(self->fd, &live));
	EXPECT_EQ(base.dev_objects + n, live.dev_objects);
	EXPECT_LT(base.mallocs - base.frees, live.mallocs - live.frees);
	EXPECT_LT(base.stack_inuse, live.stack_inuse);
	ASSERT_EQ(0, close(fd2));
	settle(_metadata, self->fd, &after);
	EXPECT_BASELINE(base, after);
}

/* A killed process's file is released by the kernel: same result. */
TEST_F(dev, killed_process_frees_all)
{
	struct goalloc_ioc_memstats base, after;
	int pfd[2], status;
	pid_t pid;
	char c;

	settle(_metadata, self->fd, &base);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = gdev_open();

		if (fd < 0 || fill_file(_metadata, fd) <= 0)
			_exit(1);
		if (write(pfd[1], "r", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	close(pfd[0]);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	settle(_metadata, self->fd, &after);
	EXPECT_BASELINE(base, after);
}

/* Handles belong to the open file: another file of this process can't use them. */
TEST_F(dev, handles_private_to_file)
{
	unsigned char r[16];
	uint64_t h;
	int fd2;

	ASSERT_EQ(0, gdev_alloc(self->fd, 16, 0, &h));
	fd2 = gdev_open();
	ASSERT_LE(0, fd2);
	SNAP(self->fd);
	EXPECT_EQ(-ENOENT, gdev_read(fd2, h, 0, 16, r));
	EXPECT_EQ(-ENOENT, gdev_write(fd2, h, 0, 16, r));
	EXPECT_EQ(-ENOENT, gdev_free(fd2, h));
	EXPECT_EQ(-ENOENT, gdev_stack_grow(fd2, h, 0, NULL));
	UNCHANGED(self->fd);
	close(fd2);
	EXPECT_EQ(0, gdev_free(self->fd, h));
}

/*
 * Two processes: the child's own file doesn't know the parent's handle
 * (same number, different object); through the inherited fd it does.
 */
TEST_F(dev, handles_private_across_processes)
{
	unsigned char w[32], r[32];
	int status;
	uint64_t h;
	pid_t pid;

	ASSERT_EQ(0, gdev_alloc(self->fd, 32, 0, &h));
	pattern(w, 32, 42);
	ASSERT_EQ(0, gdev_write(self->fd, h, 0, 32, w));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = gdev_open(), rc = 0;
		uint64_t mine;

		if (fd < 0)
			_exit(10);
		if (gdev_read(fd, h, 0, 32, r) != -ENOENT)
			rc |= 1;
		if (gdev_free(fd, h) != -ENOENT)
			rc |= 2;
		/* The child's first handle has the same number: its own object. */
		if (gdev_alloc(fd, 32, GOALLOC_IOC_F_ZERO, &mine) ||
		    gdev_read(fd, mine, 0, 32, r) || (mine == h && !is_zero(r, 32)))
			rc |= 4;
		/* The inherited parent fd names the parent's object. */
		if (gdev_read(self->fd, h, 0, 32, r) || memcmp(w, r, 32))
			rc |= 8;
		_exit(rc);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The parent's object is untouched by whatever the child did. */
	ASSERT_EQ(0, gdev_read(self->fd, h, 0, 32, r));
	EXPECT_EQ(0, memcmp(w, r, 32));
	EXPECT_EQ(0, gdev_free(self->fd, h));
}

/* A non-root user is refused by the 0600 node (or the capability check). */
TEST(nonroot_open_refused)
{
	int status;
	pid_t pid;

	if (access(GOALLOC_DEV, F_OK))
		SKIP(return, GOALLOC_DEV " missing");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		fd = gdev_open();
		if (fd >= 0)
			_exit(11);
		_exit(errno == EACCES || errno == EPERM ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* uid 0 without CAP_SYS_ADMIN passes the mode check but not open's capable(). */
TEST(root_without_cap_sys_admin_gets_eperm)
{
	int status;
	pid_t pid;

	if (access(GOALLOC_DEV, F_OK))
		SKIP(return, GOALLOC_DEV " missing");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct d[2];
		int fd;

		if (syscall(SYS_capget, &hdr, d))
			_exit(10);
		d[0].effective &= ~(1u << CAP_SYS_ADMIN);
		d[0].permitted &= ~(1u << CAP_SYS_ADMIN);
		d[0].inheritable &= ~(1u << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, d))
			_exit(11);
		fd = gdev_open();
		if (fd >= 0)
			_exit(12);
		_exit(errno == EPERM ? 0 : 13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ================= bad input: every row of the errno table ================= */

TEST_F(dev, enotty_unknown_commands)
{
	struct goalloc_ioc_alloc a = { .size = sizeof(a), .bytes = 8 };

	SNAP(self->fd);
	EXPECT_EQ(-ENOTTY, gdev_ioctl(self->fd, _IO(GOALLOC_IOC_MAGIC, 0x7f), &a));
	EXPECT_EQ(-ENOTTY, gdev_ioctl(self->fd,
				      _IOWR(GOALLOC_IOC_MAGIC, 0x0d, struct goalloc_ioc_alloc),
				      &a));
	/* right number, wrong magic */
	EXPECT_EQ(-ENOTTY,
		  gdev_ioctl(self->fd, _IOWR(0xC2, 0x01, struct goalloc_ioc_alloc), &a));
	/* right magic and number, wrong direction */
	EXPECT_EQ(-ENOTTY, gdev_ioctl(self->fd,
				      _IOR(GOALLOC_IOC_MAGIC, 0x01, struct goalloc_ioc_alloc),
				      &a));
	EXPECT_EQ(-ENOTTY, gdev_ioctl(self->fd, _IO(GOALLOC_IOC_MAGIC, 0x09), &a));
	UNCHANGED(self->fd);
}

/* Every command with a struct: the copy_struct_from_user() size rules. */
static const unsigned long struct_cmds[] = {
	GOALLOC_IOC_VERSION, GOALLOC_IOC_ALLOC, GOALLOC_IOC_FREE, GOALLOC_IOC_WRITE,
	GOALLOC_IOC_READ, GOALLOC_IOC_STACK_ALLOC, GOALLOC_IOC_STACK_FREE,
	GOALLOC_IOC_STACK_GROW, GOALLOC_IOC_BATCH, GOALLOC_IOC_GC, GOALLOC_IOC_DRAIN,
	GOALLOC_IOC_RELEASE, GOALLOC_IOC_MEMSTATS,
};
static const uint32_t struct_ver0[] = {
	GOALLOC_IOC_VERSION_SIZE_VER0, GOALLOC_IOC_ALLOC_SIZE_VER0, GOALLOC_IOC_FREE_SIZE_VER0,
	GOALLOC_IOC_RW_SIZE_VER0, GOALLOC_IOC_RW_SIZE_VER0, GOALLOC_IOC_ALLOC_SIZE_VER0,
	GOALLOC_IOC_FREE_SIZE_VER0, GOALLOC_IOC_STACK_GROW_SIZE_VER0,
	GOALLOC_IOC_BATCH_SIZE_VER0, GOALLOC_IOC_CMD_SIZE_VER0, GOALLOC_IOC_CMD_SIZE_VER0,
	GOALLOC_IOC_RELEASE_SIZE_VER0, GOALLOC_IOC_MEMSTATS_SIZE_VER0,
};
#define NCMDS ARRAY_SIZE(struct_cmds)

TEST_F(dev, einval_struct_size_too_small)
{
	uint32_t buf[PAGE / 4 + 16];
	unsigned int i;

	SNAP(self->fd);
	for (i = 0; i < NCMDS; i++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = 0;
		EXPECT_EQ(-EINVAL, gdev_ioctl(self->fd, struct_cmds[i], buf))
			TH_LOG("cmd %u size 0", i);
		buf[0] = 4;
		EXPECT_EQ(-EINVAL, gdev_ioctl(self->fd, struct_cmds[i], buf))
			TH_LOG("cmd %u size 4", i);
		buf[0] = struct_ver0[i] - 1;
		EXPECT_EQ(-EINVAL, gdev_ioctl(self->fd, struct_cmds[i], buf))
			TH_LOG("cmd %u ver0-1", i);
	}
	UNCHANGED(self->fd);
}

TEST_F(dev, e2big_struct_size_above_page)
{
	uint32_t buf[PAGE / 4 + 16];
	unsigned int i;

	SNAP(self->fd);
	for (i = 0; i < NCMDS; i++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = PAGE + 8;
		EXPECT_EQ(-E2BIG, gdev_ioctl(self->fd, struct_cmds[i], buf)) TH_LOG("cmd %u", i);
	}
	UNCHANGED(self->fd);
}

/*
 * The fields of a command @c request in @buf (uint32_t[64], size and flags
 * words set) that make it one that would succeed: a valid size, live
 * handles (@h an object, @s a stack), a buffer.
 */
static void valid_request(uint32_t *buf, unsigned long c, uint64_t h, uint64_t s)
{
	if (c == GOALLOC_IOC_ALLOC || c == GOALLOC_IOC_STACK_ALLOC)
		((struct goalloc_ioc_alloc *)buf)->bytes = 4096;
	if (c == GOALLOC_IOC_FREE)
		((struct goalloc_ioc_free *)buf)->handle = h;
	if (c == GOALLOC_IOC_STACK_FREE || c == GOALLOC_IOC_STACK_GROW)
		((struct goalloc_ioc_free *)buf)->handle = s;
	if (c == GOALLOC_IOC_WRITE || c == GOALLOC_IOC_READ) {
		struct goalloc_ioc_rw *rw = (void *)buf;

		rw->handle = h;
		rw->length = 1;
		rw->buf = (uintptr_t)&buf[40];
	}
}

/* Input structs: a non-zero byte past the known layout is E2BIG. */
TEST_F(dev, e2big_struct_nonzero_unknown_tail)
{
	uint32_t buf[64];
	uint64_t h, s;
	unsigned int i;

	ASSERT_EQ(0, gdev_alloc(self->fd, 64, 0, &h));
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 2048, &s));
	SNAP(self->fd);
	for (i = 0; i < NCMDS; i++) {
		unsigned long c = struct_cmds[i];

		if (c == GOALLOC_IOC_VERSION || c == GOALLOC_IOC_MEMSTATS)
			continue;	/* output-only: tail is output, see above */
		memset(buf, 0, sizeof(buf));
		buf[0] = struct_ver0[i] + 8;
		/* a request that would succeed but for the tail */
		valid_request(buf, c, h, s);
		((unsigned char *)buf)[struct_ver0[i] + 3] = 1;
		EXPECT_EQ(-E2BIG, gdev_ioctl(self->fd, c, buf)) TH_LOG("cmd %u", i);
	}
	UNCHANGED(self->fd);
	EXPECT_EQ(0, gdev_free(self->fd, h));
	EXPECT_EQ(0, gdev_stack_free(self->fd, s));
}

TEST_F(dev, einval_nonzero_flags_and_reserved)
{
	uint32_t buf[64];
	uint64_t h, s;
	unsigned int i, bit;

	ASSERT_EQ(0, gdev_alloc(self->fd, 64, 0, &h));
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 2048, &s));
	SNAP(self->fd);
	for (i = 0; i < NCMDS; i++) {
		for (bit = 0; bit < 32; bit += 31) {
			unsigned long c = struct_cmds[i];
			uint32_t f = 1u << bit;

			if (c == GOALLOC_IOC_ALLOC)
				f = bit ? 1u << 31 : 0x4;	/* undefined ALLOC flags */
			memset(buf, 0, sizeof(buf));
			buf[0] = struct_ver0[i];
			buf[1] = f;
			valid_request(buf, c, h, s);
			EXPECT_EQ(-EINVAL, gdev_ioctl(self->fd, c, buf))
				TH_LOG("cmd %u flags %#x", i, f);
		}
	}
	/* BATCH's reserved word */
	{
		struct goalloc_ioc_batch_op op = { .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8 };
		struct goalloc_ioc_batch b = { .size = sizeof(b), .ops = (uintptr_t)&op,
					       .count = 1, .reserved = 1 };

		EXPECT_EQ(-EINVAL, gdev_ioctl(self->fd, GOALLOC_IOC_BATCH, &b));
	}
	UNCHANGED(self->fd);
	EXPECT_EQ(0, gdev_free(self->fd, h));
	EXPECT_EQ(0, gdev_stack_free(self->fd, s));
}

TEST_F(dev, alloc_bad_sizes)
{
	SNAP(self->fd);
	EXPECT_EQ(-EINVAL, gdev_alloc(self->fd, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, gdev_alloc(self->fd, 0, GOALLOC_IOC_F_NOSCAN, NULL));
	EXPECT_EQ(-E2BIG, gdev_alloc(self->fd, GOALLOC_IOC_MAX_OBJECT_SIZE + 1, 0, NULL));
	EXPECT_EQ(-E2BIG, gdev_alloc(self->fd, 1ULL << 40, 0, NULL));
	EXPECT_EQ(-E2BIG, gdev_alloc(self->fd, UINT64_MAX, 0, NULL));
	UNCHANGED(self->fd);
}

TEST_F(dev, enoent_bad_handles)
{
	unsigned char r[8];
	uint64_t h, s;

	ASSERT_EQ(0, gdev_alloc(self->fd, 8, 0, &h));
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 2048, &s));
	SNAP(self->fd);
	/* never issued: 0, a large id, beyond 32 bits, a live id's alias */
	EXPECT_EQ(-ENOENT, gdev_free(self->fd, 0));
	EXPECT_EQ(-ENOENT, gdev_free(self->fd, 123456));
	EXPECT_EQ(-ENOENT, gdev_free(self->fd, UINT64_MAX));
	EXPECT_EQ(-ENOENT, gdev_free(self->fd, h | (1ULL << 32)));
	EXPECT_EQ(-ENOENT, gdev_read(self->fd, 0, 0, 1, r));
	EXPECT_EQ(-ENOENT, gdev_write(self->fd, h + (1ULL << 32), 0, 1, r));
	EXPECT_EQ(-ENOENT, gdev_stack_free(self->fd, 0));
	EXPECT_EQ(-ENOENT, gdev_stack_free(self->fd, s | (1ULL << 33)));
	EXPECT_EQ(-ENOENT, gdev_stack_grow(self->fd, 77777, 0, NULL));
	UNCHANGED(self->fd);
	/* freed: double free, use after free */
	ASSERT_EQ(0, gdev_free(self->fd, h));
	EXPECT_EQ(-ENOENT, gdev_free(self->fd, h));
	EXPECT_EQ(-ENOENT, gdev_read(self->fd, h, 0, 1, r));
	EXPECT_EQ(-ENOENT, gdev_write(self->fd, h, 0, 1, r));
	ASSERT_EQ(0, gdev_stack_free(self->fd, s));
	EXPECT_EQ(-ENOENT, gdev_stack_free(self->fd, s));
	EXPECT_EQ(-ENOENT, gdev_stack_grow(self->fd, s, 0, NULL));
}

TEST_F(dev, einval_wrong_handle_kind)
{
	uint64_t h, s;

	ASSERT_EQ(0, gdev_alloc(self->fd, 4096, 0, &h));
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 4096, &s));
	SNAP(self->fd);
	EXPECT_EQ(-EINVAL, gdev_free(self->fd, s));
	EXPECT_EQ(-EINVAL, gdev_stack_free(self->fd, h));
	EXPECT_EQ(-EINVAL, gdev_stack_grow(self->fd, h, 0, NULL));
	UNCHANGED(self->fd);
	EXPECT_EQ(0, gdev_free(self->fd, h));
	EXPECT_EQ(0, gdev_stack_free(self->fd, s));
}

TEST_F(dev, rw_bad_ranges)
{
	unsigned char w[200], r[200], before[100];
	uint64_t h;

	ASSERT_EQ(0, gdev_alloc(self->fd, 100, 0, &h));
	pattern(before, 100, 7);
	ASSERT_EQ(0, gdev_write(self->fd, h, 0, 100, before));
	memset(w, 0xee, sizeof(w));
	SNAP(self->fd);
	EXPECT_EQ(-EINVAL, gdev_write(self->fd, h, 0, 0, w));
	EXPECT_EQ(-EINVAL, gdev_read(self->fd, h, 10, 0, r));
	EXPECT_EQ(-EOVERFLOW, gdev_write(self->fd, h, UINT64_MAX, 2, w));
	EXPECT_EQ(-EOVERFLOW, gdev_read(self->fd, h, 2, UINT64_MAX, r));
	EXPECT_EQ(-EOVERFLOW, gdev_read(self->fd, h, 1ULL << 63, 1ULL << 63, r));
	EXPECT_EQ(-ERANGE, gdev_write(self->fd, h, 0, 101, w));
	EXPECT_EQ(-ERANGE, gdev_write(self->fd, h, 100, 1, w));
	EXPECT_EQ(-ERANGE, gdev_write(self->fd, h, 50, 51, w));
	EXPECT_EQ(-ERANGE, gdev_read(self->fd, h, 99, 2, r));
	EXPECT_EQ(-ERANGE, gdev_read(self->fd, h, UINT64_MAX - 5, 5, r));
	EXPECT_EQ(-ERANGE, gdev_read(self->fd, h, 0, 1ULL << 40, r));
	UNCHANGED(self->fd);
	ASSERT_EQ(0, gdev_read(self->fd, h, 0, 100, r));
	EXPECT_EQ(0, memcmp(before, r, 100));
	EXPECT_EQ(0, gdev_free(self->fd, h));
}

TEST_F(dev, stack_bad_sizes)
{
	uint64_t s, n;
	unsigned char top[64], r[64];

	SNAP(self->fd);
	EXPECT_EQ(-EINVAL, gdev_stack_alloc(self->fd, 0, NULL));
	EXPECT_EQ(-EINVAL, gdev_stack_alloc(self->fd, 1, NULL));
	EXPECT_EQ(-EINVAL, gdev_stack_alloc(self->fd, 1024, NULL));
	EXPECT_EQ(-EINVAL, gdev_stack_alloc(self->fd, 2047, NULL));
	EXPECT_EQ(-EINVAL, gdev_stack_alloc(self->fd, 3000, NULL));
	EXPECT_EQ(-EINVAL, gdev_stack_alloc(self->fd, 65536 + 2048, NULL));
	EXPECT_EQ(-E2BIG, gdev_stack_alloc(self->fd, GOALLOC_IOC_STACK_MAX * 2, NULL));
	EXPECT_EQ(-E2BIG, gdev_stack_alloc(self->fd, GOALLOC_IOC_STACK_MAX + 1, NULL));
	EXPECT_EQ(-E2BIG, gdev_stack_alloc(self->fd, 1ULL << 63, NULL));
	UNCHANGED(self->fd);

	/* grow: used above the size; past the maximum (stack left intact) */
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 2048, &s));
	RESNAP(self->fd);
	EXPECT_EQ(-EINVAL, gdev_stack_grow(self->fd, s, 2049, NULL));
	EXPECT_EQ(-EINVAL, gdev_stack_grow(self->fd, s, UINT64_MAX, NULL));
	UNCHANGED(self->fd);
	ASSERT_EQ(0, gdev_stack_free(self->fd, s));
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, GOALLOC_IOC_STACK_MAX, &s));
	pattern(top, 64, 3);
	ASSERT_EQ(0, gdev_write(self->fd, s, GOALLOC_IOC_STACK_MAX - 64, 64, top));
	RESNAP(self->fd);
	n = 0;
	EXPECT_EQ(-E2BIG, gdev_stack_grow(self->fd, s, 64, &n));
	UNCHANGED(self->fd);
	ASSERT_EQ(0, gdev_read(self->fd, s, GOALLOC_IOC_STACK_MAX - 64, 64, r));
	EXPECT_EQ(0, memcmp(top, r, 64));
	EXPECT_EQ(-ERANGE, gdev_read(self->fd, s, GOALLOC_IOC_STACK_MAX, 1, r));
	EXPECT_EQ(0, gdev_stack_free(self->fd, s));
}

TEST_F(dev, efault_bad_pointers)
{
	unsigned char *none = page_none(), r[64], before[64];
	struct goalloc_ioc_alloc ra = { .size = sizeof(ra), .bytes = 64 };
	struct goalloc_ioc_alloc rs = { .size = sizeof(rs), .bytes = 2048 };
	struct goalloc_ioc_memstats rm = { .size = sizeof(rm) };
	struct goalloc_ioc_release rr = { .size = sizeof(rr) };
	void *ro_alloc, *ro_stack, *ro_ms, *ro_rel, *ro_buf, *straddle;
	struct goalloc_ioc_alloc *edge;
	unsigned char *src;
	uint64_t h, h2;

	ASSERT_NE(MAP_FAILED, none);
	ro_alloc = page_ro(&ra, sizeof(ra));
	ro_stack = page_ro(&rs, sizeof(rs));
	ro_ms = page_ro(&rm, sizeof(rm));
	ro_rel = page_ro(&rr, sizeof(rr));
	ro_buf = page_ro(r, sizeof(r));
	ASSERT_NE(MAP_FAILED, ro_alloc);
	ASSERT_NE(MAP_FAILED, ro_stack);
	ASSERT_NE(MAP_FAILED, ro_ms);
	ASSERT_NE(MAP_FAILED, ro_rel);
	ASSERT_NE(MAP_FAILED, ro_buf);
	ASSERT_EQ(0, gdev_alloc(self->fd, 64, 0, &h));
	pattern(before, 64, 9);
	ASSERT_EQ(0, gdev_write(self->fd, h, 0, 64, before));

	SNAP(self->fd);
	/* the struct itself */
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_ALLOC, NULL));
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_ALLOC, none));
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_MEMSTATS, none));
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_VERSION, (void *)1));
	/* a struct whose declared size runs into an unmapped page */
	straddle = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, straddle);
	ASSERT_EQ(0, munmap((char *)straddle + PAGE, PAGE));
	edge = (void *)((char *)straddle + PAGE - 8);
	memset(edge, 0, 8);
	edge->size = sizeof(*edge);
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_ALLOC, edge));
	/* results that cannot be written back: nothing is kept */
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_ALLOC, ro_alloc));
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_STACK_ALLOC, ro_stack));
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_MEMSTATS, ro_ms));
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_RELEASE, ro_rel));
	/* user buffers of READ/WRITE */
	EXPECT_EQ(-EFAULT, gdev_write(self->fd, h, 0, 64, NULL));
	EXPECT_EQ(-EFAULT, gdev_write(self->fd, h, 0, 64, none));
	EXPECT_EQ(-EFAULT, gdev_read(self->fd, h, 0, 64, none));
	EXPECT_EQ(-EFAULT, gdev_read(self->fd, h, 0, 64, ro_buf));
	EXPECT_EQ(-EFAULT, gdev_read(self->fd, h, 0, 64, (void *)-4096L));
	UNCHANGED(self->fd);
	/* a WRITE whose source faults half-way leaves the object unchanged */
	src = (unsigned char *)straddle + PAGE - 32;
	memset(src, 0x33, 32);
	EXPECT_EQ(-EFAULT, gdev_write(self->fd, h, 0, 64, src));
	ASSERT_EQ(0, gdev_read(self->fd, h, 0, 64, r));
	EXPECT_EQ(0, memcmp(before, r, 64));
	/* the undone ALLOC released its handle number: next one is h + 1 */
	ASSERT_EQ(0, gdev_alloc(self->fd, 64, 0, &h2));
	EXPECT_EQ(h + 1, h2);
	EXPECT_EQ(0, gdev_free(self->fd, h2));
	EXPECT_EQ(0, gdev_free(self->fd, h));
}

/* STACK_GROW whose result cannot be stored: the stack is not grown. */
TEST_F(dev, efault_stack_grow_keeps_stack)
{
	unsigned char top[32], r[32];
	struct goalloc_ioc_stack_grow g = { .size = sizeof(g) };
	void *ro;
	uint64_t s, n;

	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 4096, &s));
	pattern(top, 32, 4);
	ASSERT_EQ(0, gdev_write(self->fd, s, 4096 - 32, 32, top));
	g.handle = s;
	g.used = 32;
	ro = page_ro(&g, sizeof(g));
	ASSERT_NE(MAP_FAILED, ro);
	SNAP(self->fd);
	EXPECT_EQ(-EFAULT, gdev_ioctl(self->fd, GOALLOC_IOC_STACK_GROW, ro));
	UNCHANGED(self->fd);
	/* still 4096 bytes: reading byte 4096 is out of range */
	EXPECT_EQ(-ERANGE, gdev_read(self->fd, s, 4096, 1, r));
	ASSERT_EQ(0, gdev_read(self->fd, s, 4096 - 32, 32, r));
	EXPECT_EQ(0, memcmp(top, r, 32));
	ASSERT_EQ(0, gdev_stack_grow(self->fd, s, 32, &n));
	EXPECT_EQ(8192, n);
	EXPECT_EQ(0, gdev_stack_free(self->fd, s));
}

TEST_F(dev, batch_bad_header)
{
	struct goalloc_ioc_batch_op op = { .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8 };
	struct goalloc_ioc_batch_op *ro, *edge;
	void *none = page_none(), *two;

	ASSERT_NE(MAP_FAILED, none);
	ro = page_ro(&op, sizeof(op));
	ASSERT_NE(MAP_FAILED, ro);
	/* one op at the very end of a page followed by a hole */
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, munmap((char *)two + PAGE, PAGE));
	edge = (void *)((char *)two + PAGE - sizeof(op));
	*edge = op;
	SNAP(self->fd);
	EXPECT_EQ(-EINVAL, gdev_batch(self->fd, &op, 0, NULL));
	EXPECT_EQ(-E2BIG, gdev_batch(self->fd, &op, GOALLOC_IOC_BATCH_MAX + 1, NULL));
	EXPECT_EQ(-E2BIG, gdev_batch(self->fd, &op, UINT32_MAX, NULL));
	EXPECT_EQ(-EFAULT, gdev_batch(self->fd, NULL, 1, NULL));
	EXPECT_EQ(-EFAULT, gdev_batch(self->fd, none, 1, NULL));
	/* the array is readable but the results cannot be written: nothing runs */
	EXPECT_EQ(-EFAULT, gdev_batch(self->fd, ro, 1, NULL));
	/* count runs past the readable array */
	EXPECT_EQ(-EFAULT, gdev_batch(self->fd, edge, 2, NULL));
	UNCHANGED(self->fd);
}

/* A malformed op anywhere: nothing runs, every bad op is marked. */
TEST_F(dev, batch_malformed_ops_run_nothing)
{
	struct goalloc_ioc_batch_op ops[8] = {
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8 },			/* ok */
		{ .op = 3, .bytes = 8 },					/* EINVAL */
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 0 },			/* EINVAL */
		{ .op = GOALLOC_IOC_BATCH_ALLOC,
		  .bytes = GOALLOC_IOC_MAX_OBJECT_SIZE + 1 },			/* E2BIG */
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8, .flags = 0x8 },	/* EINVAL */
		{ .op = GOALLOC_IOC_BATCH_FREE, .handle = 1, .flags = 1 },	/* EINVAL */
		{ .op = GOALLOC_IOC_BATCH_FREE, .handle = 1, .bytes = 8 },	/* EINVAL */
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8, .reserved = 1 },	/* EINVAL */
	};
	static const uint32_t want[8] = { 0, EINVAL, EINVAL, E2BIG, EINVAL, EINVAL,
					  EINVAL, EINVAL };
	struct goalloc_ioc_batch b;
	int i;

	SNAP(self->fd);
	EXPECT_EQ(-EINVAL, gdev_batch(self->fd, ops, 8, &b));
	EXPECT_EQ(0, b.done);
	EXPECT_EQ(7, b.failed);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(want[i], ops[i].error) TH_LOG("op %d", i);
	EXPECT_EQ(0, ops[0].handle);
	UNCHANGED(self->fd);
	/* the first bad op's errno is the call's */
	EXPECT_EQ(-E2BIG, gdev_batch(self->fd, &ops[3], 2, &b));
}

TEST_F(dev, edquot_file_objects)
{
	uint64_t h[4];
	struct goalloc_ioc_batch_op ops[3] = {
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8 },
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8 },
		{ .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 8 },
	};
	struct goalloc_ioc_batch b;
	int i;

	ASSERT_TRUE(self->have_quota);
	ASSERT_EQ(0, gdev_param_write("file_max_objects", 3));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, gdev_alloc(self->fd, 8, 0, &h[i]));
	SNAP(self->fd);
	EXPECT_EQ(-EDQUOT, gdev_alloc(self->fd, 8, 0, NULL));
	EXPECT_EQ(-EDQUOT, gdev_stack_alloc(self->fd, 2048, NULL));
	UNCHANGED(self->fd);
	ASSERT_EQ(0, gdev_free(self->fd, h[0]));
	ASSERT_EQ(0, gdev_alloc(self->fd, 8, 0, &h[0]));
	ASSERT_EQ(0, gdev_free(self->fd, h[0]));
	/* batch: one slot left for three allocs */
	ASSERT_EQ(0, gdev_batch(self->fd, ops, 3, &b));
	EXPECT_EQ(1, b.done);
	EXPECT_EQ(2, b.failed);
	EXPECT_EQ(0, ops[0].error);
	EXPECT_EQ(EDQUOT, ops[1].error);
	EXPECT_EQ(EDQUOT, ops[2].error);
	EXPECT_EQ(0, gdev_free(self->fd, ops[0].handle));
	EXPECT_EQ(0, gdev_free(self->fd, h[1]));
	EXPECT_EQ(0, gdev_free(self->fd, h[2]));
}

TEST_F(dev, edquot_file_bytes)
{
	uint64_t h1, h2, s, n;

	ASSERT_TRUE(self->have_quota);
	ASSERT_EQ(0, gdev_param_write("file_max_bytes", 12000));
	ASSERT_EQ(0, gdev_alloc(self->fd, 8000, 0, &h1));
	SNAP(self->fd);
	EXPECT_EQ(-EDQUOT, gdev_alloc(self->fd, 4001, 0, NULL));
	EXPECT_EQ(-EDQUOT, gdev_stack_alloc(self->fd, 8192, NULL));
	UNCHANGED(self->fd);
	ASSERT_EQ(0, gdev_alloc(self->fd, 4000, 0, &h2));	/* exactly at the limit */
	ASSERT_EQ(0, gdev_free(self->fd, h2));
	/* 8000 + 2048 fits; growing to 4096 would not: the stack stays */
	ASSERT_EQ(0, gdev_stack_alloc(self->fd, 2048, &s));
	RESNAP(self->fd);
	EXPECT_EQ(-EDQUOT, gdev_stack_grow(self->fd, s, 0, &n));
	UNCHANGED(self->fd);
	EXPECT_EQ(0, gdev_free(self->fd, h1));
	ASSERT_EQ(0, gdev_stack_grow(self->fd, s, 0, &n));
	EXPECT_EQ(4096, n);
	EXPECT_EQ(0, gdev_stack_free(self->fd, s));
}

TEST_F(dev, edquot_global)
{
	uint64_t o, b, h1, h2;
	int fd2;

	ASSERT_TRUE(self->have_quota);
	fd2 = gdev_open();
	ASSERT_LE(0, fd2);
	dev_usage(_metadata, self->fd, &o, &b);
	ASSERT_EQ(0, gdev_param_write("global_max_objects", o + 2));
	ASSERT_EQ(0, gdev_alloc(self->fd, 8, 0, &h1));
	ASSERT_EQ(0, gdev_alloc(fd2, 8, 0, &h2));
	SNAP(self->fd);
	EXPECT_EQ(-EDQUOT, gdev_alloc(self->fd, 8, 0, NULL));
	EXPECT_EQ(-EDQUOT, gdev_alloc(fd2, 8, 0, NULL));
	UNCHANGED(self->fd);
	ASSERT_EQ(0, gdev_free(fd2, h2));
	ASSERT_EQ(0, gdev_alloc(self->fd, 8, 0, &h2));
	ASSERT_EQ(0, gdev_free(self->fd, h2));
	ASSERT_EQ(0, gdev_free(self->fd, h1));

	ASSERT_EQ(0, gdev_param_write("global_max_objects", 0));
	ASSERT_EQ(0, gdev_param_write("global_max_bytes", b + 5000));
	ASSERT_EQ(0, gdev_alloc(fd2, 3000, 0, &h1));
	RESNAP(self->fd);
	EXPECT_EQ(-EDQUOT, gdev_alloc(self->fd, 2001, 0, NULL));
	UNCHANGED(self->fd);
	ASSERT_EQ(0, gdev_alloc(self->fd, 2000, 0, &h2));
	ASSERT_EQ(0, gdev_free(self->fd, h2));
	/* closing the other file gives its share back */
	close(fd2);
	ASSERT_EQ(0, gdev_alloc(self->fd, 5000, 0, &h2));
	ASSERT_EQ(0, gdev_free(self->fd, h2));
}

/*
 * The heap cap (module parameter max_heap_mb, 256 MiB by default): with the
 * quotas lifted, whole-frame objects run into ENOMEM, and the refusal
 * changes nothing.
 */
TEST_F_TIMEOUT(dev, enomem_heap_cap, 120)
{
	enum { MAX = 128 };	/* > any cap this test expects (<= 512 MiB) */
	struct goalloc_ioc_batch_op op = { .op = GOALLOC_IOC_BATCH_ALLOC, .bytes = 4 * MIB };
	struct goalloc_ioc_memstats base, after;
	struct goalloc_ioc_batch b;
	uint64_t h[MAX];
	int n, err = 0, i;

	ASSERT_TRUE(self->have_quota);
	for (i = 0; i < (int)NQUOTA; i++)
		ASSERT_EQ(0, gdev_param_write(quota_params[i], 0));
	ASSERT_EQ(0, gdev_release(self->fd, NULL));
	settle(_metadata, self->fd, &base);
	for (n = 0; n < MAX; n++) {
		err = gdev_alloc(self->fd, 4 * MIB, 0, &h[n]);
		if (err)
			break;
	}
	EXPECT_EQ(-ENOMEM, err);
	EXPECT_LT(0, n);
	SNAP(self->fd);
	EXPECT_EQ(-ENOMEM, gdev_alloc(self->fd, 4 * MIB, 0, NULL));
	EXPECT_EQ(-ENOMEM, gdev_stack_alloc(self->fd, GOALLOC_IOC_STACK_MAX, NULL));
	ASSERT_EQ(0, gdev_batch(self->fd, &op, 1, &b));
	EXPECT_EQ(1, b.failed);
	EXPECT_EQ(ENOMEM, op.error);
	UNCHANGED(self->fd);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, gdev_free(self->fd, h[i]));
	/* everything goes back to the kernel */
	ASSERT_EQ(0, gdev_cmd(self->fd, GOALLOC_IOC_GC));
	ASSERT_EQ(0, gdev_release(self->fd, NULL));
	settle(_metadata, self->fd, &after);
	EXPECT_EQ(backed(&base), backed(&after));
	EXPECT_BASELINE(base, after);
}

TEST_HARNESS_MAIN
#endif /* GOALLOC_ABI_CHECK_ONLY */
