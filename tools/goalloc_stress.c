// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_stress: threads on different CPUs hammer /dev/goalloc over every
 * tier, then check that MEMSTATS agrees exactly with what they believe.
 *
 * All threads share one open file (handles are per file), so an object can
 * be handed to another thread through that thread's inbox and freed there:
 * frees routinely come from a different thread, usually on a different CPU,
 * than the allocation.  Each thread does random allocations (tiny, every
 * small size class, large up to 1 MiB, BATCH), writes a pattern derived
 * from a per-object seed, reads it back, frees, allocates stacks of every
 * order and grows them (the top "used" bytes must move along, the rest
 * reads zero), and now and then runs GC, DRAIN, RELEASE and MEMSTATS.
 * Every object is read back in full and compared before it is freed.
 *
 * At the end the threads stop with objects still live, and after a DRAIN:
 *   dev_objects/dev_bytes   == baseline + the handles/bytes the program holds
 *   HeapAlloc               == baseline + slot bytes of its objects + 16 B per
 *                              live tiny block, the block count being what
 *                              Mallocs - Frees says it is (bounded by the tiny
 *                              objects: ceil(bytes / 16) .. count)
 *   StackInuse              within the bounds its stacks imply
 * then everything is verified and freed, and after GC + DRAIN Mallocs -
 * Frees, HeapAlloc, HeapInuse, StackInuse and the device counts are back to
 * the baseline exactly.
 *
 * A run is a list of phases, each a bounded run with its own threads,
 * hotplug and fault injection, ending in the checks above:
 *   no arguments         --profile check: "hotplug" (10 s, cpu1 cycling) and
 *                        "fail_grow" (8 s, 10% of heap growths fail); this
 *                        is what make check runs (about 20 s under KASAN+TCG)
 *   --profile long       make stress: hotplug 120 s, fail_grow 20% 90 s,
 *                        fail_meta 5% 60 s, "everything" (4 extra threads,
 *                        hotplug, fail_grow 10%, fail_meta 2%) 120 s
 *   any other options    one phase "stress" as they say
 * Options:
 *   --threads N        worker threads (default: one per usable CPU, at least 2);
 *                      thread i is pinned to usable CPU i mod ncpus
 *   --extra-threads N  N more threads than that (oversubscription)
 *   --ops N            top-level operations per phase (default: no bound)
 *   --seconds S        wall-clock bound per phase (default 10, or the profile's)
 *   --seed N           PRNG seed (default: from the clock; always printed);
 *                      phase i uses seed + i
 *   --max-live-mib N   bytes the threads may hold together (default 32, and
 *                      at most half of the file/global byte quotas)
 *   --hotplug[=CPU]    a thread takes CPU (default 1) offline and back
 *                      online, again and again, during the run
 *   --hotplug-ms MS    pause after each hotplug transition (default 100)
 *   --fail-grow PCT    fault injection: fail PCT% of heap growths
 *                      (/sys/kernel/debug/goalloc/fail_grow; SKIP if absent)
 *   --fail-meta PCT    the same for metadata allocations (fail_meta)
 *   --quiet            no progress lines
 * ENOMEM from an allocating command is counted, and a phase fails if it saw
 * more than the failures injected plus the growths the kernel refused for
 * want of a contiguous block (debugfs mheap grow_fail_kernel); any other
 * errno is a failure.  With fault injection at least one failure must have
 * been injected.  In fault phases 3% of operations are growth probes
 * (RELEASE, then a transient 4 MiB stack, which needs a fresh order-10
 * block).  The knobs are restored after.
 *
 * TAP (kselftest.h) on stdout; a "# stress[phase]:" line per phase and a
 * last "# stress:" line have the figures.
 */
#include "../mod/sizeclasses.c"	/* Go's class table (tools/Makefile) */

#include <linux/align.h>
#include <linux/math.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Every ioctl is counted (the phase lines report them). */
static atomic_ullong g_ioctls;
#define GOALLOC_DEV_ON_IOCTL() \
	atomic_fetch_add_explicit(&g_ioctls, 1, memory_order_relaxed)

#include "goalloc_dev.h"
#include "kselftest.h"
#define FAULTS		"/sys/kernel/debug/goalloc/"
#define KIB		((uint64_t)1024)
#define MIB		(1024 * KIB)
#define MAX_THREADS	256
#define NSTACK_SIZES	12	/* 2 KiB .. 4 MiB */
#define LARGE_MAX	(1 * MIB)
#define BATCH_MAX_OPS	48
#define MAX_ERRORS	20
#define FAULT_TIMES	1000000000	/* "times" budget; what is left tells how many fired */

/* ---------------------------------------------------------------- PRNG */

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64: tiny, seedable, good enough to pick operations */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

/* log-uniform in [lo, hi]: small sizes as likely per octave as big ones */
static uint64_t rnd_log(uint64_t *s, uint64_t lo, uint64_t hi)
{
	unsigned int blo = 63 - __builtin_clzll(lo), bhi = 63 - __builtin_clzll(hi);
	unsigned int b = blo + rnd_below(s, bhi - blo + 1);
	uint64_t a = max(lo, 1ULL << b), z = min(hi, (2ULL << b) - 1);

	return a + rnd_below(s, z - a + 1);
}

/* ------------------------------------------------------------- patterns */

/*
 * Byte @pos of the pattern of @seed.  Objects use the offset as @pos;
 * stacks use the distance below their top, so the bytes STACK_GROW moves
 * keep their pattern.  Seed 0 is an object never written: all zero.
 */
static void pat_fill(unsigned char *buf, uint64_t n, uint32_t seed, uint64_t pos, int dir)
{
	uint64_t i, w = ~0ULL, v = 0;

	if (!seed) {
		memset(buf, 0, n);
		return;
	}
	for (i = 0; i < n; i++, pos += dir) {
		if (pos >> 3 != w) {
			w = pos >> 3;
			v = (w + 1) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)seed * 0xff51afd7ed558ccdULL;
			v ^= v >> 29;
			v *= 0xc4ceb9fe1a85ec53ULL;
			v ^= v >> 32;
		}
		buf[i] = v >> (8 * (pos & 7));
	}
}

/* ------------------------------------------------------------- device */

static int g_fd = -1;

/* ------------------------------------------------------------- objects */

enum tier { T_TINY, T_SMALL, T_LARGE, T_STACK, NTIERS };
static const char *const tier_name[NTIERS] = { "tiny", "small", "large", "stack" };

struct obj {
	uint64_t handle;
	uint64_t size;		/* object size, or the stack's current size */
	uint64_t top;		/* stacks: patterned bytes at the top */
	uint32_t seed;		/* 0: never written (reads as zero) */
	uint16_t owner;		/* thread that allocated it */
	uint8_t tier;
	uint8_t flags;		/* GOALLOC_IOC_F_* */
};

struct vec {
	struct obj *v;
	size_t n, cap;
};

static void vec_push(struct vec *a, const struct obj *o)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (!a->v)
			ksft_exit_fail_msg("out of memory\n");
	}
	a->v[a->n++] = *o;
}

static struct obj vec_take(struct vec *a, size_t i)
{
	struct obj o = a->v[i];

	a->v[i] = a->v[--a->n];
	return o;
}

static enum tier obj_tier(uint64_t size, uint32_t flags)
{
	if ((flags & GOALLOC_IOC_F_NOSCAN) && size < GOALLOC_TINY_SIZE)
		return T_TINY;
	return size <= GOALLOC_MAX_SMALL_SIZE ? T_SMALL : T_LARGE;
}

/* What HeapAlloc counts for a non-tiny object: its slot. */
static uint64_t slot_bytes(uint64_t size)
{
	if (size <= GOALLOC_MAX_SMALL_SIZE)
		return goalloc_class_to_size[goalloc_size_to_class(size)];
	return ALIGN(size, (uint64_t)GOALLOC_PAGE_SIZE);
}

/* ------------------------------------------------------ shared state */

struct counters {
	uint64_t iters, allocs[NTIERS], frees, cross_frees, verified, verified_bytes;
	uint64_t grows, batches, batch_ops, handoffs, adopted, rewrites;
	uint64_t gc, drain, release, memstats, enomem, errors, mismatches, probes;
	uint64_t classes[GOALLOC_NUM_SIZE_CLASSES], stack_sizes[NSTACK_SIZES];
};

struct worker {
	int id, cpu;		/* cpu: -1 unpinned */
	pthread_t th;
	uint64_t rng;
	struct vec live;
	pthread_mutex_t inbox_lock;
	struct vec inbox;
	unsigned char *wbuf, *rbuf;
	struct counters c;
};

static struct {
	int nthreads, ncpus, cpus[MAX_THREADS];
	uint64_t max_ops, seed;
	uint64_t max_live, max_bytes, max_objs;
	bool allow_enomem, quiet, hotplug_pinning;
	atomic_int main_errors;		/* failures outside the workers */
	atomic_int finished;		/* workers that returned */
	atomic_ullong ops_left;		/* top-level ops still to run */
	atomic_ullong live_bytes, live_objs;
	atomic_int stop;
	struct timespec t0, deadline;
	pthread_mutex_t out_lock;
	struct worker *w;
} g = { .out_lock = PTHREAD_MUTEX_INITIALIZER };

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec - g.t0.tv_sec + (t.tv_nsec - g.t0.tv_nsec) / 1e9;
}

static __printf(2, 3) void fail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&g.out_lock);
	printf("# FAIL thread %d: ", w ? w->id : -1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	pthread_mutex_unlock(&g.out_lock);
	if (w && w->id >= 0 && ++w->c.errors < MAX_ERRORS)
		return;
	if (!w || w->id < 0)
		atomic_fetch_add(&g.main_errors, 1);
	atomic_store(&g.stop, 1);
}

/*
 * An allocating command failed: ENOMEM is counted, and the phase checks
 * that an injected failure or a block the kernel refused explains each one
 * (see kernel_refusals()); any other error fails at once.
 */
static void alloc_err(struct worker *w, const char *what, uint64_t bytes, int err)
{
	if (err == -ENOMEM)
		w->c.enomem++;
	else
		fail(w, "%s of %" PRIu64 " B: %s", what, bytes, strerror(-err));
}

/*
 * Growths the kernel refused a free block of the order needed
 * (debugfs mheap grow_fail_kernel): a run of pages is physically
 * contiguous, and a fragmented guest may have no such block, as kmalloc()
 * of the size would not.  0 without debugfs, so then no ENOMEM is excused.
 */
static uint64_t kernel_refusals(void)
{
	uint64_t v = 0;

	return gdev_mheap_read("grow_fail_kernel", &v) ? 0 : v;
}

/* Budget of bytes and objects all threads hold, kept under the quotas. */
static bool reserve(uint64_t bytes, uint64_t objs)
{
	unsigned long long b = atomic_load(&g.live_bytes), o;

	do {
		if (b + bytes > g.max_bytes)
			return false;
	} while (!atomic_compare_exchange_weak(&g.live_bytes, &b, b + bytes));
	o = atomic_load(&g.live_objs);
	do {
		if (o + objs > g.max_objs) {
			atomic_fetch_sub(&g.live_bytes, bytes);
			return false;
		}
	} while (!atomic_compare_exchange_weak(&g.live_objs, &o, o + objs));
	return true;
}

static void unreserve(uint64_t bytes, uint64_t objs)
{
	atomic_fetch_sub(&g.live_bytes, bytes);
	atomic_fetch_sub(&g.live_objs, objs);
}

static uint32_t new_seed(struct worker *w)
{
	uint32_t s;

	do
		s = rnd(&w->rng);
	while (!s);
	return s;
}

/* The expected contents of @o, all @o->size bytes, into @buf. */
static void expected(const struct obj *o, unsigned char *buf)
{
	if (o->tier != T_STACK) {
		pat_fill(buf, o->size, o->seed, 0, 1);
		return;
	}
	memset(buf, 0, o->size - o->top);
	/* offset size - top holds distance top - 1, the last byte distance 0 */
	pat_fill(buf + o->size - o->top, o->top, o->seed, o->top - 1, -1);
}

/* READ the whole object and compare it with the model. */
static bool verify(struct worker *w, const struct obj *o)
{
	uint64_t i;
	int err;

	err = gdev_read(g_fd, o->handle, 0, o->size, w->rbuf);
	if (err) {
		fail(w, "READ of %s handle %" PRIu64 " (%" PRIu64 " B): %s",
		     tier_name[o->tier], o->handle, o->size, strerror(-err));
		return false;
	}
	expected(o, w->wbuf);
	if (memcmp(w->wbuf, w->rbuf, o->size)) {
		for (i = 0; i < o->size && w->wbuf[i] == w->rbuf[i]; i++)
			;
		w->c.mismatches++;
		fail(w, "%s handle %" PRIu64 " (%" PRIu64 " B, seed %#x, top %" PRIu64
		     ", from thread %u): byte %" PRIu64 " is %#x, expected %#x",
		     tier_name[o->tier], o->handle, o->size, o->seed, o->top, o->owner, i,
		     w->rbuf[i], w->wbuf[i]);
		return false;
	}
	w->c.verified++;
	w->c.verified_bytes += o->size;
	return true;
}

/* Write @o's pattern over the whole object (a fresh seed). */
static void write_obj(struct worker *w, struct obj *o)
{
	int err;

	o->seed = new_seed(w);
	if (o->tier == T_STACK)
		o->top = o->size;
	expected(o, w->wbuf);
	err = gdev_write(g_fd, o->handle, 0, o->size, w->wbuf);
	if (err)
		fail(w, "WRITE of handle %" PRIu64 " (%" PRIu64 " B): %s", o->handle, o->size,
		     strerror(-err));
}

/* Verify, then free; the budget goes back either way. */
static void free_obj(struct worker *w, struct obj *o)
{
	int err;

	verify(w, o);
	err = gdev_free_cmd(g_fd, o->tier == T_STACK ? GOALLOC_IOC_STACK_FREE : GOALLOC_IOC_FREE,
			    o->handle);
	if (err)
		fail(w, "%s of %s handle %" PRIu64 ": %s", o->tier == T_STACK ? "STACK_FREE" : "FREE",
		     tier_name[o->tier], o->handle, strerror(-err));
	w->c.frees++;
	if (o->owner != w->id)
		w->c.cross_frees++;
	unreserve(o->size, 1);
}

static void note_alloc(struct worker *w, const struct obj *o)
{
	w->c.allocs[o->tier]++;
	if (o->tier == T_SMALL)
		w->c.classes[goalloc_size_to_class(o->size)]++;
	if (o->tier == T_STACK)
		w->c.stack_sizes[__builtin_ctzll(o->size) - 11]++;
}

static void alloc_obj(struct worker *w, uint64_t size, uint32_t flags)
{
	struct obj o = { .size = size, .owner = w->id, .flags = flags };
	int err;

	if (!reserve(size, 1))
		return;
	err = gdev_alloc(g_fd, size, flags, &o.handle);
	if (err) {
		unreserve(size, 1);
		alloc_err(w, "ALLOC", size, err);
		return;
	}
	o.tier = obj_tier(size, flags);
	note_alloc(w, &o);
	/* a quarter stay unwritten: they must read back as zero */
	if (rnd_below(&w->rng, 4))
		write_obj(w, &o);
	vec_push(&w->live, &o);
}

static void alloc_stack(struct worker *w, uint64_t size)
{
	struct obj o = { .size = size, .owner = w->id, .tier = T_STACK };
	unsigned char *p;
	int err;

	if (!reserve(size, 1))
		return;
	err = gdev_stack_alloc(g_fd, size, &o.handle);
	if (err) {
		unreserve(size, 1);
		alloc_err(w, "STACK_ALLOC", size, err);
		return;
	}
	note_alloc(w, &o);
	if (rnd_below(&w->rng, 4)) {
		/* a frame or two at the top, sometimes the whole stack */
		o.seed = new_seed(w);
		o.top = rnd_below(&w->rng, 3) ? 1 + rnd_below(&w->rng, min(size, 16 * KIB)) : size;
		expected(&o, w->wbuf);
		p = w->wbuf + size - o.top;
		err = gdev_write(g_fd, o.handle, size - o.top, o.top, p);
		if (err)
			fail(w, "WRITE of stack %" PRIu64 ": %s", o.handle, strerror(-err));
	}
	vec_push(&w->live, &o);
}

/* Double a stack keeping its top @used bytes; extend the pattern after. */
static void grow_stack(struct worker *w, struct obj *o)
{
	uint64_t used, nb = 0, old = o->size;
	int err;

	if (old >= GOALLOC_IOC_STACK_MAX || !reserve(old, 0))
		return;
	switch (rnd_below(&w->rng, 4)) {
	case 0:
		used = 0;
		break;
	case 1:
		used = old;
		break;
	case 2:
		used = o->top;
		break;
	default:
		used = rnd_below(&w->rng, old + 1);
	}
	err = gdev_stack_grow(g_fd, o->handle, used, &nb);
	if (err) {
		unreserve(old, 0);
		alloc_err(w, "STACK_GROW", old, err);
		/* a failed grow changes nothing */
		verify(w, o);
		return;
	}
	w->c.grows++;
	if (nb != 2 * old)
		fail(w, "STACK_GROW of a %" PRIu64 " B stack says %" PRIu64 " B", old, nb);
	o->size = 2 * old;
	o->top = min(o->top, used);
	if (!o->top)
		o->seed = 0;
	verify(w, o);
	if (rnd_below(&w->rng, 2)) {
		/* push a few more frames below the moved ones */
		uint64_t more = 1 + rnd_below(&w->rng, min(o->size - o->top, 8 * KIB));

		if (!o->seed)
			o->seed = new_seed(w);
		o->top += more;
		expected(o, w->wbuf);
		err = gdev_write(g_fd, o->handle, o->size - o->top, more,
				 w->wbuf + o->size - o->top);
		if (err)
			fail(w, "WRITE below the top of stack %" PRIu64 ": %s", o->handle,
			     strerror(-err));
	}
}

static uint64_t rnd_small_size(struct worker *w, uint32_t *flags)
{
	unsigned int c = 1 + rnd_below(&w->rng, GOALLOC_NUM_SIZE_CLASSES - 1);
	uint64_t lo = goalloc_class_to_size[c - 1] + 1, hi = goalloc_class_to_size[c];

	*flags = rnd_below(&w->rng, 4);		/* NOSCAN and ZERO, each half the time */
	return lo + rnd_below(&w->rng, hi - lo + 1);
}

static uint64_t rnd_obj_size(struct worker *w, uint32_t *flags, uint64_t large_max)
{
	uint64_t r = rnd_below(&w->rng, 100);

	if (r < 20) {
		*flags = GOALLOC_IOC_F_NOSCAN | (rnd_below(&w->rng, 2) ? GOALLOC_IOC_F_ZERO : 0);
		return 1 + rnd_below(&w->rng, GOALLOC_TINY_SIZE - 1);
	}
	if (r < 94)
		return rnd_small_size(w, flags);
	*flags = rnd_below(&w->rng, 4);
	return rnd_log(&w->rng, GOALLOC_MAX_SMALL_SIZE + 1, large_max);
}

/* One BATCH: allocations of every tier mixed with frees of our objects. */
static void batch(struct worker *w)
{
	struct goalloc_ioc_batch_op ops[BATCH_MAX_OPS];
	struct obj freed[BATCH_MAX_OPS];
	struct goalloc_ioc_batch b = { .size = sizeof(b), .ops = (uintptr_t)ops };
	unsigned int n = 1 + rnd_below(&w->rng, BATCH_MAX_OPS), i, nf = 0, done = 0, bad = 0;
	uint64_t want_bytes = 0;
	int err;

	memset(ops, 0, sizeof(ops));
	for (i = 0; i < n; i++) {
		uint32_t flags;
		uint64_t size;

		if (w->live.n && rnd_below(&w->rng, 3) == 0) {
			struct obj o = vec_take(&w->live, rnd_below(&w->rng, w->live.n));

			if (o.tier == T_STACK) {	/* stacks are not batch material */
				vec_push(&w->live, &o);
				i--, n--;
				continue;
			}
			verify(w, &o);
			freed[nf++] = o;
			ops[i].op = GOALLOC_IOC_BATCH_FREE;
			ops[i].handle = o.handle;
			continue;
		}
		size = rnd_obj_size(w, &flags, 256 * KIB);
		if (!reserve(size, 1)) {
			i--, n--;
			continue;
		}
		want_bytes += size;
		ops[i].op = GOALLOC_IOC_BATCH_ALLOC;
		ops[i].flags = flags;
		ops[i].bytes = size;
	}
	if (!n)
		return;
	b.count = n;
	err = gdev_ioctl(g_fd, GOALLOC_IOC_BATCH, &b);
	w->c.batches++;
	w->c.batch_ops += n;
	if (err) {
		fail(w, "BATCH of %u ops: %s", n, strerror(-err));
		unreserve(want_bytes, n - nf);
		for (i = 0; i < nf; i++)
			vec_push(&w->live, &freed[i]);
		return;
	}
	nf = 0;
	for (i = 0; i < n; i++) {
		if (ops[i].op == GOALLOC_IOC_BATCH_FREE) {
			struct obj *o = &freed[nf++];

			if (ops[i].error) {
				fail(w, "BATCH free of handle %" PRIu64 ": %s", o->handle,
				     strerror(ops[i].error));
				bad++;
				vec_push(&w->live, o);	/* still ours: freed at the end */
				continue;
			}
			done++;
			w->c.frees++;
			if (o->owner != w->id)
				w->c.cross_frees++;
			unreserve(o->size, 1);
			continue;
		}
		if (ops[i].error) {
			bad++;
			unreserve(ops[i].bytes, 1);
			alloc_err(w, "BATCH alloc", ops[i].bytes, -(int)ops[i].error);
			continue;
		}
		done++;
		{
			struct obj o = { .handle = ops[i].handle, .size = ops[i].bytes,
					 .owner = w->id, .flags = ops[i].flags,
					 .tier = obj_tier(ops[i].bytes, ops[i].flags) };

			note_alloc(w, &o);
			if (rnd_below(&w->rng, 2))
				write_obj(w, &o);
			vec_push(&w->live, &o);
		}
	}
	if (b.done != done || b.failed != bad)
		fail(w, "BATCH of %u ops: done %u failed %u, ops say %u and %u", n, b.done,
		     b.failed, done, bad);
}

/*
 * Fault phases: make the heap grow.  RELEASE gives every free page back,
 * so a 4 MiB stack (a whole frame) needs new pages; it is checked at both
 * ends and freed at once.
 */
static void grow_probe(struct worker *w)
{
	const uint64_t size = GOALLOC_IOC_STACK_MAX, n = 4096;
	uint64_t h;
	int err;

	w->c.probes++;
	w->c.release++;
	err = gdev_release(g_fd, NULL);
	if (err)
		fail(w, "RELEASE: %s", strerror(-err));
	if (!reserve(size, 1))
		return;
	err = gdev_stack_alloc(g_fd, size, &h);
	if (err) {
		unreserve(size, 1);
		alloc_err(w, "STACK_ALLOC", size, err);
		return;
	}
	w->c.allocs[T_STACK]++;
	pat_fill(w->wbuf, n, 0x5eed, n - 1, -1);
	err = gdev_write(g_fd, h, size - n, n, w->wbuf);
	err = err ?: gdev_read(g_fd, h, size - n, n, w->rbuf);
	if (!err && memcmp(w->wbuf, w->rbuf, n)) {
		w->c.mismatches++;
		fail(w, "4 MiB stack %" PRIu64 ": its top does not read back", h);
	}
	memset(w->wbuf, 0, n);
	err = err ?: gdev_read(g_fd, h, 0, n, w->rbuf);
	if (!err && memcmp(w->wbuf, w->rbuf, n)) {
		w->c.mismatches++;
		fail(w, "4 MiB stack %" PRIu64 ": its bottom is not zero", h);
	}
	if (err)
		fail(w, "WRITE/READ of 4 MiB stack %" PRIu64 ": %s", h, strerror(-err));
	w->c.verified++;
	w->c.verified_bytes += 2 * n;
	err = gdev_stack_free(g_fd, h);
	if (err)
		fail(w, "STACK_FREE of 4 MiB stack %" PRIu64 ": %s", h, strerror(-err));
	w->c.frees++;
	unreserve(size, 1);
}

/* Hand one of our objects to another thread, which frees or keeps it. */
static void handoff(struct worker *w)
{
	struct worker *to;
	struct obj o;
	int t;

	if (!w->live.n || g.nthreads < 2)
		return;
	t = rnd_below(&w->rng, g.nthreads - 1);
	to = &g.w[t >= w->id ? t + 1 : t];
	o = vec_take(&w->live, rnd_below(&w->rng, w->live.n));
	pthread_mutex_lock(&to->inbox_lock);
	vec_push(&to->inbox, &o);
	pthread_mutex_unlock(&to->inbox_lock);
	w->c.handoffs++;
}

static void drain_inbox(struct worker *w)
{
	struct vec in;
	size_t i;

	pthread_mutex_lock(&w->inbox_lock);
	in = w->inbox;
	w->inbox = (struct vec){ 0 };
	pthread_mutex_unlock(&w->inbox_lock);
	for (i = 0; i < in.n; i++) {
		if (rnd_below(&w->rng, 4)) {
			free_obj(w, &in.v[i]);
		} else {
			vec_push(&w->live, &in.v[i]);
			w->c.adopted++;
		}
	}
	free(in.v);
}

static void pin(struct worker *w)
{
	cpu_set_t set;

	if (w->cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	/* EINVAL while that CPU is offline (--hotplug): run elsewhere meanwhile */
	sched_setaffinity(0, sizeof(set), &set);
}

static bool time_up(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec > g.deadline.tv_sec ||
	       (t.tv_sec == g.deadline.tv_sec && t.tv_nsec >= g.deadline.tv_nsec);
}

/* Deterministic start: this thread's share of every size class and stack size. */
static void cover_tiers(struct worker *w)
{
	unsigned int c;

	for (c = 1 + w->id; c < GOALLOC_NUM_SIZE_CLASSES; c += g.nthreads) {
		uint64_t size = goalloc_class_to_size[c] - rnd_below(&w->rng, 8);

		/* NOSCAN below 16 B would be tiny, not this class */
		alloc_obj(w, size, size >= GOALLOC_TINY_SIZE && (c & 1) ? GOALLOC_IOC_F_NOSCAN : 0);
	}
	for (c = w->id; c < NSTACK_SIZES; c += g.nthreads)
		alloc_stack(w, GOALLOC_IOC_STACK_MIN << c);
	if (w->id == 0) {
		alloc_obj(w, 1 + rnd_below(&w->rng, 15), GOALLOC_IOC_F_NOSCAN);
		alloc_obj(w, LARGE_MAX, 0);
		alloc_obj(w, GOALLOC_MAX_SMALL_SIZE + 1, GOALLOC_IOC_F_NOSCAN);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct goalloc_ioc_memstats m;
	uint64_t r, target = 64 + rnd_below(&w->rng, 192);
	bool faults = g.allow_enomem;
	uint32_t flags;
	int err;

	pin(w);
	cover_tiers(w);
	while (!atomic_load(&g.stop)) {
		unsigned long long left = atomic_load(&g.ops_left);

		if (!left || time_up())
			break;
		if (!atomic_compare_exchange_weak(&g.ops_left, &left, left - 1))
			continue;
		w->c.iters++;
		if (g.hotplug_pinning && !(w->c.iters & 63))
			pin(w);
		drain_inbox(w);
		r = rnd_below(&w->rng, 1000);
		/* hold around @target objects: free more when above it */
		if (w->live.n > target && r < 500)
			r = 700 + rnd_below(&w->rng, 200);
		if (r < 250) {
			uint64_t size = rnd_small_size(w, &flags);

			alloc_obj(w, size, flags);
		} else if (r < 330) {
			alloc_obj(w, 1 + rnd_below(&w->rng, 15), GOALLOC_IOC_F_NOSCAN |
				  (rnd_below(&w->rng, 2) ? GOALLOC_IOC_F_ZERO : 0));
		} else if (r < 360) {
			alloc_obj(w, rnd_log(&w->rng, GOALLOC_MAX_SMALL_SIZE + 1, LARGE_MAX),
				  rnd_below(&w->rng, 4));
		} else if (r < 410) {
			/* faults on: more big stacks, to make the heap grow */
			unsigned int k = rnd_below(&w->rng, faults ? NSTACK_SIZES : NSTACK_SIZES - 2);

			alloc_stack(w, GOALLOC_IOC_STACK_MIN << k);
		} else if (r < 470) {
			size_t i, n = w->live.n, at = rnd_below(&w->rng, n);

			/* a random stack of ours that can still double */
			for (i = 0; i < n; i++) {
				struct obj *o = &w->live.v[(at + i) % n];

				if (o->tier == T_STACK && o->size < GOALLOC_IOC_STACK_MAX) {
					grow_stack(w, o);
					break;
				}
			}
		} else if (r < 530) {
			batch(w);
		} else if (r < 600) {
			if (w->live.n)
				verify(w, &w->live.v[rnd_below(&w->rng, w->live.n)]);
		} else if (r < 630) {
			if (w->live.n) {
				struct obj *o = &w->live.v[rnd_below(&w->rng, w->live.n)];

				if (o->size <= 64 * KIB) {
					write_obj(w, o);
					w->c.rewrites++;
				}
			}
		} else if (r < 700) {
			handoff(w);
		} else if (faults && r >= 960 && r < 990) {
			grow_probe(w);
		} else if (r < 990) {
			if (w->live.n) {
				struct obj o = vec_take(&w->live, rnd_below(&w->rng, w->live.n));

				free_obj(w, &o);
			}
		} else if (r < 993) {
			err = gdev_cmd(g_fd, GOALLOC_IOC_GC);
			w->c.gc++;
			if (err)
				fail(w, "GC: %s", strerror(-err));
		} else if (r < 995) {
			err = gdev_cmd(g_fd, GOALLOC_IOC_DRAIN);
			w->c.drain++;
			if (err)
				fail(w, "DRAIN: %s", strerror(-err));
		} else if (r < 997) {
			err = gdev_release(g_fd, NULL);
			w->c.release++;
			if (err)
				fail(w, "RELEASE: %s", strerror(-err));
		} else {
			err = gdev_stats(g_fd, &m);
			w->c.memstats++;
			if (err)
				fail(w, "MEMSTATS: %s", strerror(-err));
		}
	}
	atomic_fetch_add(&g.finished, 1);
	return NULL;
}

/* ------------------------------------------------------------- hotplug */

static struct {
	int cpu;
	unsigned int ms;
	bool requested, usable;
	atomic_int stop;
	uint64_t cycles, offline_fail, online_fail;
	int first_err;
	pthread_t th;
	char path[96];
} hp = { .cpu = 1, .ms = 100 };

static void msleep(unsigned int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

static int cpu_set_online(int on)
{
	int err, tries;

	for (tries = 0; tries < 50; tries++) {
		err = gdev_write_str(hp.path, on ? "1" : "0");
		if (err != -EBUSY && err != -EAGAIN)
			return err;
		msleep(20);
	}
	return err;
}

static void *hotplug_main(void *arg)
{
	int err;

	(void)arg;
	while (!atomic_load(&hp.stop)) {
		err = cpu_set_online(0);
		if (err) {
			hp.offline_fail++;
			hp.first_err = hp.first_err ?: err;
			msleep(hp.ms);
			continue;
		}
		msleep(hp.ms);
		err = cpu_set_online(1);
		if (err) {
			hp.online_fail++;
			hp.first_err = hp.first_err ?: err;
			/* keep trying: the CPU must come back */
			while (cpu_set_online(1) && !atomic_load(&g.stop))
				msleep(hp.ms);
		}
		hp.cycles++;
		msleep(hp.ms);
	}
	return NULL;
}

static void hotplug_setup(void)
{
	uint64_t v = 0;

	snprintf(hp.path, sizeof(hp.path), "/sys/devices/system/cpu/cpu%d/online", hp.cpu);
	hp.usable = !gdev_read_u64(hp.path, &v) && v == 1 && !access(hp.path, W_OK);
}

/* ---------------------------------------------------- fault injection */

struct fault {
	const char *name;
	int pct;
	bool present;
	long probability, interval, times, verbose;
	uint64_t injected;
};

static struct fault faults[] = { { .name = "fail_grow" }, { .name = "fail_meta" } };

static int fault_write(const struct fault *f, const char *knob, long v)
{
	char path[160], buf[32];

	snprintf(path, sizeof(path), FAULTS "%s/%s", f->name, knob);
	snprintf(buf, sizeof(buf), "%ld\n", v);
	return gdev_write_str(path, buf);
}

static int fault_read(const struct fault *f, const char *knob, long *v)
{
	char path[160];
	uint64_t x = 0;
	int err;

	snprintf(path, sizeof(path), FAULTS "%s/%s", f->name, knob);
	err = gdev_read_u64(path, &x);
	if (!err)
		*v = (long)x;
	return err;
}

static void fault_setup(struct fault *f)
{
	int err;

	if (!f->pct)
		return;
	if (fault_read(f, "probability", &f->probability) ||
	    fault_read(f, "interval", &f->interval) || fault_read(f, "times", &f->times) ||
	    fault_read(f, "verbose", &f->verbose))
		return;
	f->present = true;
	/* verbose 2 (the default) dumps a stack per failure: a "splat" in the log */
	err = fault_write(f, "verbose", 0);
	err = err ?: fault_write(f, "interval", 1);
	err = err ?: fault_write(f, "times", FAULT_TIMES);
	err = err ?: fault_write(f, "probability", f->pct);
	if (err) {
		fail(NULL, "cannot set up %s: %s", f->name, strerror(-err));
		return;
	}
	g.allow_enomem = true;
}

static void fault_teardown(struct fault *f)
{
	long left;

	if (!f->present)
		return;
	fault_write(f, "probability", 0);
	if (!fault_read(f, "times", &left))
		f->injected = FAULT_TIMES - left;
	fault_write(f, "times", f->times);
	fault_write(f, "interval", f->interval);
	fault_write(f, "probability", f->probability);
	fault_write(f, "verbose", f->verbose);
}

/* ----------------------------------------------------------------- main */

/* Lower the budget to half of a quota, so the quotas are never what fails. */
static void fit_quota(const char *name, uint64_t *budget)
{
	uint64_t q;

	if (!gdev_param_read(name, &q) && q && q / 2 < *budget)
		*budget = q / 2;
}

/* ------------------------------------------------------ phases, options */

struct phase {
	const char *name;
	double seconds;
	int extra;		/* threads beyond one per CPU */
	bool hotplug;
	int fail_grow, fail_meta;
};

/* No arguments: what make check runs (about 20 s under KASAN + TCG). */
static const struct phase profile_check[] = {
	{ .name = "hotplug", .seconds = 10, .hotplug = true },
	{ .name = "fail_grow", .seconds = 8, .fail_grow = 10 },
};

/* --profile long: what make stress runs (about 7 minutes). */
static const struct phase profile_long[] = {
	{ .name = "hotplug", .seconds = 120, .hotplug = true },
	{ .name = "fail_grow", .seconds = 90, .fail_grow = 20 },
	{ .name = "fail_meta", .seconds = 60, .fail_meta = 5 },
	{ .name = "everything", .seconds = 120, .extra = 4, .hotplug = true, .fail_grow = 10,
	  .fail_meta = 2 },
};

static struct {
	int threads, extra;
	double seconds;		/* 0: the phase's own */
	const struct phase *phases;
	size_t nphases;
	struct phase custom;
} opt;

static void die_usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--profile check|long] [--threads N] [--extra-threads N] [--ops N]\n"
		"       [--seconds S] [--seed N] [--max-live-mib N] [--hotplug[=CPU]]\n"
		"       [--hotplug-ms MS] [--fail-grow PCT] [--fail-meta PCT] [--quiet]\n"
		"No arguments: --profile check.  Without --profile, one phase as given.\n",
		argv0);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "extra-threads", required_argument, NULL, 'x' },
		{ "ops", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "max-live-mib", required_argument, NULL, 'm' },
		{ "hotplug", optional_argument, NULL, 'h' },
		{ "hotplug-ms", required_argument, NULL, 'H' },
		{ "fail-grow", required_argument, NULL, 'g' },
		{ "fail-meta", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	bool seeded = false;
	int c;

	g.max_ops = UINT64_MAX;
	g.max_live = 32 * MIB;
	opt.custom = (struct phase){ .name = "stress", .seconds = 10 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!strcmp(optarg, "check")) {
				opt.phases = profile_check;
				opt.nphases = ARRAY_SIZE(profile_check);
			} else if (!strcmp(optarg, "long")) {
				opt.phases = profile_long;
				opt.nphases = ARRAY_SIZE(profile_long);
			} else {
				die_usage(argv[0]);
			}
			break;
		case 't':
			opt.threads = atoi(optarg);
			break;
		case 'x':
			opt.extra = atoi(optarg);
			break;
		case 'n':
			g.max_ops = strtoull(optarg, NULL, 0);
			break;
		case 's':
			opt.seconds = atof(optarg);
			break;
		case 'S':
			g.seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'm':
			g.max_live = strtoull(optarg, NULL, 0) * MIB;
			break;
		case 'h':
			opt.custom.hotplug = true;
			if (optarg)
				hp.cpu = atoi(optarg);
			break;
		case 'H':
			hp.ms = atoi(optarg);
			break;
		case 'g':
			opt.custom.fail_grow = atoi(optarg);
			break;
		case 'M':
			opt.custom.fail_meta = atoi(optarg);
			break;
		case 'q':
			g.quiet = true;
			break;
		default:
			die_usage(argv[0]);
		}
	}
	if (optind != argc || opt.seconds < 0)
		die_usage(argv[0]);
	if (argc == 1) {
		opt.phases = profile_check;
		opt.nphases = ARRAY_SIZE(profile_check);
	}
	if (!opt.phases) {
		opt.custom.extra = opt.extra;
		opt.phases = &opt.custom;
		opt.nphases = 1;
	}
	if (!seeded) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		g.seed = (uint64_t)t.tv_sec * 1000003 ^ t.tv_nsec ^ (uint64_t)getpid() << 32;
	}
}

/* Usable CPUs (this process's affinity: online and allowed). */
static void find_cpus(void)
{
	cpu_set_t set;
	int c;

	if (sched_getaffinity(0, sizeof(set), &set))
		CPU_ZERO(&set);
	for (c = 0; c < CPU_SETSIZE && g.ncpus < MAX_THREADS; c++)
		if (CPU_ISSET(c, &set))
			g.cpus[g.ncpus++] = c;
	if (!g.ncpus)
		g.cpus[g.ncpus++] = -1;
}

static void sum_counters(struct counters *t)
{
	int i, k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < g.nthreads; i++) {
		const uint64_t *s = (const uint64_t *)&g.w[i].c;
		uint64_t *d = (uint64_t *)t;

		for (k = 0; k < (int)(sizeof(*t) / sizeof(uint64_t)); k++)
			d[k] += s[k];
	}
}

#define CHECK_EQ(what, want, got) do {						\
	if ((uint64_t)(want) != (uint64_t)(got)) {				\
		ksft_print_msg("%s: expected %" PRIu64 ", MEMSTATS says %" PRIu64 "\n",	\
			       what, (uint64_t)(want), (uint64_t)(got));	\
		ok = false;							\
	}									\
} while (0)

/* The objects still live against MEMSTATS (after a DRAIN, nothing running). */
static bool live_reconcile(const struct vec *all, const struct goalloc_ioc_memstats *b,
			   const struct goalloc_ioc_memstats *m)
{
	uint64_t handles = all->n, bytes = 0, nontiny = 0, slots = 0, ntiny = 0, tbytes = 0;
	uint64_t lstack = 0, nsmall[4] = { 0 }, blocks, lo, hi, d;
	bool ok = true;
	size_t i;
	int k;

	for (i = 0; i < all->n; i++) {
		const struct obj *o = &all->v[i];

		bytes += o->size;
		if (o->tier == T_STACK) {
			if (o->size >= 32 * KIB)
				lstack += o->size;
			else
				nsmall[__builtin_ctzll(o->size) - 11]++;
		} else if (o->tier == T_TINY) {
			ntiny++;
			tbytes += o->size;
		} else {
			nontiny++;
			slots += slot_bytes(o->size);
		}
	}
	CHECK_EQ("dev_objects - baseline", handles, m->dev_objects - b->dev_objects);
	CHECK_EQ("dev_bytes - baseline", bytes, m->dev_bytes - b->dev_bytes);
	/* Mallocs - Frees = our non-tiny objects + the live tiny blocks */
	blocks = (m->mallocs - m->frees) - (b->mallocs - b->frees) - nontiny;
	if ((int64_t)blocks < (int64_t)DIV_ROUND_UP(tbytes, GOALLOC_TINY_SIZE) ||
	    blocks > ntiny) {
		ksft_print_msg("live tiny blocks (Mallocs - Frees - %" PRIu64
			       " non-tiny objects) = %" PRId64 ", outside %" PRIu64 "..%" PRIu64
			       " for %" PRIu64 " tiny objects of %" PRIu64 " B\n", nontiny,
			       (int64_t)blocks, DIV_ROUND_UP(tbytes, GOALLOC_TINY_SIZE), ntiny,
			       ntiny, tbytes);
		ok = false;
	}
	CHECK_EQ("HeapAlloc - baseline (slots + 16 B per tiny block)",
		 slots + GOALLOC_TINY_SIZE * blocks, m->heap_alloc - b->heap_alloc);
	/* small stacks share 32 KiB pool spans; large ones have their own */
	lo = hi = lstack;
	for (k = 0; k < 4; k++) {
		lo += 32 * KIB * DIV_ROUND_UP(nsmall[k] * (2 * KIB << k), 32 * KIB);
		hi += 32 * KIB * nsmall[k];
	}
	d = m->stack_inuse - b->stack_inuse;
	if (d < lo || d > hi) {
		ksft_print_msg("StackInuse - baseline = %" PRId64 ", outside %" PRIu64 "..%" PRIu64
			       "\n", (int64_t)d, lo, hi);
		ok = false;
	}
	ksft_print_msg("live: %" PRIu64 " handles, %" PRIu64 " B requested, %" PRIu64
		       " slot B, %" PRIu64 " tiny objects in %" PRIu64 " blocks, StackInuse +%"
		       PRIu64 "\n", handles, bytes, slots, ntiny, blocks, d);
	return ok;
}

static bool baseline_reconcile(const struct goalloc_ioc_memstats *b,
			       const struct goalloc_ioc_memstats *m)
{
	bool ok = true;

	CHECK_EQ("Mallocs - Frees", b->mallocs - b->frees, m->mallocs - m->frees);
	CHECK_EQ("HeapObjects", b->heap_objects, m->heap_objects);
	CHECK_EQ("HeapAlloc", b->heap_alloc, m->heap_alloc);
	CHECK_EQ("HeapInuse", b->heap_inuse, m->heap_inuse);
	CHECK_EQ("StackInuse", b->stack_inuse, m->stack_inuse);
	CHECK_EQ("dev_objects", b->dev_objects, m->dev_objects);
	CHECK_EQ("dev_bytes", b->dev_bytes, m->dev_bytes);
	return ok;
}

/* Totals over every phase, for the last line. */
static struct {
	uint64_t ops, verified, cycles, injected, enomem, errors;
	unsigned int failed;
} total;

static void result(bool ok, const char *phase, const char *fmt, ...)
	__printf(3, 4);
static void result(bool ok, const char *phase, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	total.failed += !ok;
	ksft_test_result(ok, "%s %s\n", phase, msg);
}

static unsigned int phase_results(const struct phase *ph)
{
	return 5 + ph->hotplug + !!ph->fail_grow + !!ph->fail_meta;
}

/* One bounded run: threads, hotplug and faults as @ph says; then reconcile. */
static void run_phase(const struct phase *ph, uint64_t seed)
{
	struct goalloc_ioc_memstats base, live, after;
	struct worker main_w = { .id = -1 };
	struct vec all = { 0 };
	bool ok_ops, ok_live, ok_base, ok_tiers;
	int i, err, nclasses = 0, nstacks = 0;
	double seconds = opt.seconds ? opt.seconds : ph->seconds;
	uint64_t injected, refused;
	struct counters t;
	size_t k;

	/* fresh state */
	atomic_store(&g.stop, 0);
	atomic_store(&g.main_errors, 0);
	atomic_store(&g.finished, 0);
	atomic_store(&g_ioctls, 0);
	g.allow_enomem = false;
	g.nthreads = min((opt.threads ? opt.threads : max(g.ncpus, 2)) + ph->extra, MAX_THREADS);
	hp.requested = ph->hotplug;
	hp.usable = false;
	hp.cycles = hp.offline_fail = hp.online_fail = 0;
	hp.first_err = 0;
	atomic_store(&hp.stop, 0);
	faults[0].pct = ph->fail_grow;
	faults[1].pct = ph->fail_meta;
	for (k = 0; k < ARRAY_SIZE(faults); k++)
		faults[k].present = false;
	faults[0].injected = faults[1].injected = 0;

	ksft_print_msg("phase %s: seed %" PRIu64 ", %d threads on %d CPUs, %.0f s, hotplug %s\n",
		       ph->name, seed, g.nthreads, g.ncpus, seconds, ph->hotplug ? "on" : "off");
	ksft_print_msg("phase %s: fail_grow %d%%, fail_meta %d%%, budget %" PRIu64 " MiB in %"
		       PRIu64 " objects\n", ph->name, ph->fail_grow, ph->fail_meta,
		       g.max_bytes / MIB, g.max_objs);
	err = gdev_settle(g_fd, &base);
	if (err) {
		for (k = 0; k < phase_results(ph); k++)
			result(false, ph->name, "baseline GC/DRAIN/MEMSTATS: %s", strerror(-err));
		return;
	}
	for (k = 0; k < ARRAY_SIZE(faults); k++)
		fault_setup(&faults[k]);
	if (hp.requested)
		hotplug_setup();
	refused = kernel_refusals();

	g.w = calloc(g.nthreads, sizeof(*g.w));
	if (!g.w)
		ksft_exit_fail_msg("out of memory\n");
	atomic_store(&g.ops_left, g.max_ops);
	clock_gettime(CLOCK_MONOTONIC, &g.t0);
	g.deadline = g.t0;
	g.deadline.tv_sec += (time_t)seconds;
	g.deadline.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
	if (g.deadline.tv_nsec >= 1000000000L) {
		g.deadline.tv_sec++;
		g.deadline.tv_nsec -= 1000000000L;
	}
	g.hotplug_pinning = hp.requested && hp.usable;
	for (i = 0; i < g.nthreads; i++) {
		struct worker *w = &g.w[i];

		w->id = i;
		w->cpu = g.cpus[i % g.ncpus];
		w->rng = seed * 0x100000001b3ULL + i;
		pthread_mutex_init(&w->inbox_lock, NULL);
		w->wbuf = malloc(GOALLOC_IOC_STACK_MAX);
		w->rbuf = malloc(GOALLOC_IOC_STACK_MAX);
		if (!w->wbuf || !w->rbuf)
			ksft_exit_fail_msg("out of memory\n");
	}
	if (hp.requested && hp.usable && pthread_create(&hp.th, NULL, hotplug_main, NULL))
		ksft_exit_fail_msg("pthread_create\n");
	for (i = 0; i < g.nthreads; i++)
		if (pthread_create(&g.w[i].th, NULL, worker_main, &g.w[i]))
			ksft_exit_fail_msg("pthread_create\n");
	/* progress every 10 s for long runs */
	while (atomic_load(&g.finished) < g.nthreads) {
		double s0 = now_s();

		msleep(200);
		if (!g.quiet && (int)now_s() / 10 != (int)s0 / 10) {
			sum_counters(&t);
			ksft_print_msg("progress: %.0f s, %" PRIu64 " ops, %" PRIu64
				       " verified, %" PRIu64 " hotplug cycles, %" PRIu64
				       " ENOMEM, %" PRIu64 " errors\n", now_s(), t.iters,
				       t.verified, hp.cycles, t.enomem, t.errors);
		}
	}
	for (i = 0; i < g.nthreads; i++)
		pthread_join(g.w[i].th, NULL);
	seconds = now_s();
	if (hp.requested && hp.usable) {
		atomic_store(&hp.stop, 1);
		pthread_join(hp.th, NULL);
		if (cpu_set_online(1))
			fail(NULL, "cpu%d did not come back online", hp.cpu);
	}
	for (k = 0; k < ARRAY_SIZE(faults); k++)
		fault_teardown(&faults[k]);

	/* Everything still live, from every thread and every inbox. */
	for (i = 0; i < g.nthreads; i++) {
		struct worker *w = &g.w[i];

		for (k = 0; k < w->live.n; k++)
			vec_push(&all, &w->live.v[k]);
		for (k = 0; k < w->inbox.n; k++)
			vec_push(&all, &w->inbox.v[k]);
	}
	sum_counters(&t);
	refused = kernel_refusals() - refused;
	injected = faults[0].injected + faults[1].injected;

	/* 1. operations; every ENOMEM explained */
	ok_ops = !t.errors && !atomic_load(&g.main_errors) && t.iters > 0 &&
		 t.enomem <= injected + refused;
	result(ok_ops, ph->name, "ops: %" PRIu64 " ops (%" PRIu64 " ioctls), %d threads, %.1f s, %"
	       PRIu64 " errors, %" PRIu64 " ENOMEM <= %" PRIu64 " injected + %" PRIu64
	       " kernel refusals", t.iters, (uint64_t)atomic_load(&g_ioctls), g.nthreads, seconds,
	       t.errors + atomic_load(&g.main_errors), t.enomem, injected, refused);

	/* 2. every tier was exercised: 67 classes, 12 stack sizes, grows, batches */
	for (i = 1; i < GOALLOC_NUM_SIZE_CLASSES; i++)
		nclasses += !!t.classes[i];
	for (i = 0; i < NSTACK_SIZES; i++)
		nstacks += !!t.stack_sizes[i];
	/* injected failures may keep a class or two from ever succeeding */
	ok_tiers = (nclasses == GOALLOC_NUM_SIZE_CLASSES - 1 && nstacks == NSTACK_SIZES &&
		    t.allocs[T_TINY] && t.allocs[T_LARGE] && t.grows) || g.allow_enomem;
	ok_tiers = ok_tiers && t.batches && (t.cross_frees || g.nthreads < 2);
	result(ok_tiers, ph->name, "tiers: tiny %" PRIu64 ", small %" PRIu64 " (%d/%d classes), %"
	       PRIu64 " large, %" PRIu64 " stacks (%d/%d sizes), %" PRIu64 " grows, %" PRIu64
	       " batches (%" PRIu64 " ops), %" PRIu64 " cross-thread frees",
	       t.allocs[T_TINY], t.allocs[T_SMALL], nclasses, GOALLOC_NUM_SIZE_CLASSES - 1,
	       t.allocs[T_LARGE], t.allocs[T_STACK], nstacks, NSTACK_SIZES, t.grows, t.batches,
	       t.batch_ops, t.cross_frees);

	/* 3. what is live now, against MEMSTATS */
	err = gdev_cmd(g_fd, GOALLOC_IOC_DRAIN);
	err = err ?: gdev_stats(g_fd, &live);
	ok_live = !err && live_reconcile(&all, &base, &live);
	result(ok_live, ph->name, "live_reconcile: %zu live handles match MEMSTATS", all.n);

	/* 4. verify everything, free everything (from the main thread) */
	main_w.rbuf = g.w[0].rbuf;
	main_w.wbuf = g.w[0].wbuf;
	for (k = 0; k < all.n; k++)
		free_obj(&main_w, &all.v[k]);
	t.verified += main_w.c.verified;
	t.verified_bytes += main_w.c.verified_bytes;
	t.frees += main_w.c.frees;
	t.mismatches += main_w.c.mismatches;
	result(!t.mismatches && !main_w.c.errors && t.verified > 0, ph->name,
	       "verify: %" PRIu64 " objects (%" PRIu64 " MiB) read back, %" PRIu64
	       " mismatches, %" PRIu64 " errors at the final free", t.verified,
	       t.verified_bytes / MIB, t.mismatches, main_w.c.errors);

	/* 5. back to the baseline */
	err = gdev_settle(g_fd, &after);
	ok_base = !err && baseline_reconcile(&base, &after);
	result(ok_base, ph->name, "baseline_reconcile: Mallocs-Frees %" PRIu64 ", HeapAlloc %"
	       PRIu64 ", HeapInuse %" PRIu64 ", StackInuse %" PRIu64 " as before",
	       (uint64_t)(after.mallocs - after.frees), (uint64_t)after.heap_alloc,
	       (uint64_t)after.heap_inuse, (uint64_t)after.stack_inuse);

	if (hp.requested) {
		if (!hp.usable)
			ksft_test_result_skip("%s hotplug: cpu%d cannot be taken offline here\n",
					      ph->name, hp.cpu);
		else
			result(hp.cycles > 0 && !hp.offline_fail && !hp.online_fail, ph->name,
			       "hotplug: cpu%d offline/online %" PRIu64 " cycles survived (%"
			       PRIu64 "/%" PRIu64 " failed transitions%s%s)", hp.cpu, hp.cycles,
			       hp.offline_fail, hp.online_fail, hp.first_err ? ", first: " : "",
			       hp.first_err ? strerror(-hp.first_err) : "");
	}
	for (k = 0; k < ARRAY_SIZE(faults); k++) {
		struct fault *f = &faults[k];

		if (!f->pct)
			continue;
		if (!f->present)
			ksft_test_result_skip("%s %s: " FAULTS "%s does not exist\n", ph->name,
					      f->name, f->name);
		else
			/*
			 * Nothing injected would mean nothing was tested; every
			 * ENOMEM seen must come from an injected failure or a
			 * block the kernel did not have.
			 */
			result(f->injected > 0 && t.enomem <= injected + refused && ok_ops &&
			       ok_base, ph->name, "%s: %d%%, %" PRIu64 " failures injected; phase: %"
			       PRIu64 " injected, %" PRIu64 " kernel refusals, %" PRIu64
			       " ENOMEM survived", f->name, f->pct, f->injected, injected, refused,
			       t.enomem);
	}

	ksft_print_msg("stress[%s]: seed=%" PRIu64 " threads=%d seconds=%.1f ops=%" PRIu64
		       " ioctls=%" PRIu64 " allocs=%" PRIu64 " frees=%" PRIu64
		       " cross_frees=%" PRIu64 " verified=%" PRIu64 " verified_mib=%" PRIu64
		       " grows=%" PRIu64 " batches=%" PRIu64 " gc=%" PRIu64 " drain=%" PRIu64
		       " release=%" PRIu64 " grow_probes=%" PRIu64 " hotplug_cycles=%" PRIu64
		       " injected=%" PRIu64
		       " enomem=%" PRIu64 " errors=%" PRIu64 "\n", ph->name, seed, g.nthreads,
		       seconds, t.iters, (uint64_t)atomic_load(&g_ioctls),
		       t.allocs[T_TINY] + t.allocs[T_SMALL] + t.allocs[T_LARGE] +
		       t.allocs[T_STACK], t.frees, t.cross_frees, t.verified,
		       t.verified_bytes / MIB, t.grows, t.batches, t.gc, t.drain, t.release,
		       t.probes, hp.cycles, faults[0].injected + faults[1].injected, t.enomem,
		       t.errors + atomic_load(&g.main_errors) + main_w.c.errors);
	total.ops += t.iters;
	total.verified += t.verified;
	total.cycles += hp.cycles;
	total.injected += faults[0].injected + faults[1].injected;
	total.enomem += t.enomem;
	total.errors += t.errors + atomic_load(&g.main_errors) + main_w.c.errors;

	for (i = 0; i < g.nthreads; i++) {
		free(g.w[i].live.v);
		free(g.w[i].inbox.v);
		free(g.w[i].wbuf);
		free(g.w[i].rbuf);
		pthread_mutex_destroy(&g.w[i].inbox_lock);
	}
	free(g.w);
	g.w = NULL;
	free(all.v);
}

int main(int argc, char **argv)
{
	unsigned int plan = 0;
	size_t p, k;

	parse_args(argc, argv);
	find_cpus();
	for (p = 0; p < opt.nphases; p++)
		plan += phase_results(&opt.phases[p]);

	ksft_print_header();
	ksft_set_plan(plan);
	ksft_print_msg("seed %" PRIu64 ", %zu phase(s); phase i uses seed + i\n", g.seed,
		       opt.nphases);
	g_fd = gdev_open();
	if (g_fd < 0) {
		if (errno != ENOENT)
			ksft_exit_fail_msg("open " GOALLOC_DEV ": %s\n", strerror(errno));
		for (k = 0; k < plan; k++)
			ksft_test_result_skip(GOALLOC_DEV " missing: goalloc.ko not loaded\n");
		ksft_finished();
	}
	/* half of every quota, so a quota is never what fails */
	g.max_bytes = g.max_live;
	fit_quota("file_max_bytes", &g.max_bytes);
	fit_quota("global_max_bytes", &g.max_bytes);
	g.max_objs = 20000;
	fit_quota("file_max_objects", &g.max_objs);
	fit_quota("global_max_objects", &g.max_objs);

	for (p = 0; p < opt.nphases; p++)
		run_phase(&opt.phases[p], g.seed + p);
	close(g_fd);
	ksft_print_msg("stress: seed=%" PRIu64 " phases=%zu ops=%" PRIu64 " verified=%" PRIu64
		       " hotplug_cycles=%" PRIu64 " injected=%" PRIu64 " enomem=%" PRIu64
		       " errors=%" PRIu64 " failed_results=%u\n", g.seed, opt.nphases, total.ops,
		       total.verified, total.cycles, total.injected, total.enomem, total.errors,
		       total.failed);
	ksft_finished();
}
