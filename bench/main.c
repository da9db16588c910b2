// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: goalloc against SLUB (kmalloc and private kmem_caches),
 * vmalloc and the page allocator, driven through debugfs.
 *
 *   /sys/kernel/debug/goalloc_bench/trace    write: a trace from
 *	scripts/trace2bin.py (replaces the one held)
 *   /sys/kernel/debug/goalloc_bench/run      write: one command, run to
 *	completion before write() returns (see bench_commands[])
 *   /sys/kernel/debug/goalloc_bench/results  read: the last command's rows
 *
 * A row is "@@R,group,allocator,pattern,param,metric,median,min,max,rounds,n"
 * with values in thousandths.  Timed values are ktime_get_ns() deltas per
 * operation: nanoseconds, or instructions when QEMU runs with
 * "-icount shift=0" (the guest clock then advances 1 ns per instruction).
 * Which one it is, the caller knows; the module does not.
 *
 * Every loop is generated per allocator from one always-inline body with the
 * allocator a compile-time constant, so the timed code calls the allocator
 * directly, as real callers do.  Timed loops call cond_resched() every
 * BENCH_RESCHED operations: work an allocator defers to kworkers (goalloc's
 * background sweeper, vmalloc's lazy purge) then runs, and is counted,
 * inside the round that caused it.
 *
 * Single-thread commands run in a kthread bound to CPU 0; the parallel ones
 * (scale, pc) bind one kthread per CPU and start them at a barrier.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/rcupdate.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include <goalloc.h>

#define BENCH_RESCHED		256	/* ops between cond_resched() calls */
#define BENCH_MAX_ROUNDS	31
#define BENCH_RESULTS_SIZE	(256 << 10)
#define BENCH_TRACE_MAX		(64 << 20)
#define BENCH_SEED		0x60a110cULL

/* Allocators.  BA_NULL is the harness alone: two empty out-of-line calls. */
enum bench_alloc {
	BA_NULL,
	BA_GOALLOC,		/* goalloc_alloc(size, 0) */
	BA_GOALLOC_NOSCAN,	/* goalloc_alloc(size, GOALLOC_NOSCAN): tiny < 16 B */
	BA_KMALLOC,		/* kmalloc(size, GFP_KERNEL) */
	BA_KMEM_CACHE,		/* private SLAB_NO_MERGE cache of the size */
	BA_VMALLOC,
	BA_PAGES,		/* alloc_pages(GFP_KERNEL, get_order(size)) */
	BA_GOALLOC_STACK,	/* goalloc_stack_alloc(size) */
	BA_NR
};

static const char *const ba_name[BA_NR] = {
	[BA_NULL] = "null",
	[BA_GOALLOC] = "goalloc",
	[BA_GOALLOC_NOSCAN] = "goalloc-noscan",
	[BA_KMALLOC] = "kmalloc",
	[BA_KMEM_CACHE] = "kmem_cache",
	[BA_VMALLOC] = "vmalloc",
	[BA_PAGES] = "alloc_pages",
	[BA_GOALLOC_STACK] = "goalloc-stack",
};

/**
 * struct bench_ctx - what one measured configuration needs
 * @size: object size
 * @order: page order for BA_PAGES
 * @cache: private cache for BA_KMEM_CACHE
 * @ptrs: slots for batch patterns
 * @perm: free order for the shuffled batch pattern
 * @errors: failed allocations and refused frees
 * @t_alloc: batch patterns: time spent in the allocation phase
 * @t_free: batch patterns: time spent in the free phase
 */
struct bench_ctx {
	size_t size;
	unsigned int order;
	struct kmem_cache *cache;
	void **ptrs;
	u32 *perm;
	unsigned long errors;
	u64 t_alloc;
	u64 t_free;
};

static unsigned long bench_null_obj;

static noinline void *bench_null_alloc(size_t size)
{
	OPTIMIZER_HIDE_VAR(size);
	return &bench_null_obj;
}

static noinline void bench_null_free(const void *p)
{
	OPTIMIZER_HIDE_VAR(p);
}

static __always_inline void *ba_alloc(const int ba, struct bench_ctx *c,
				      size_t size)
{
	struct page *pg;
	void *p;

	switch (ba) {
	case BA_NULL:
		return bench_null_alloc(size);
	case BA_GOALLOC:
		return goalloc_alloc(size, 0);
	case BA_GOALLOC_NOSCAN:
		return goalloc_alloc(size, GOALLOC_NOSCAN);
	case BA_KMALLOC:
		return kmalloc(size, GFP_KERNEL);
	case BA_KMEM_CACHE:
		return kmem_cache_alloc(c->cache, GFP_KERNEL);
	case BA_VMALLOC:
		return vmalloc(size);
	case BA_PAGES:
		pg = alloc_pages(GFP_KERNEL, c->order);
		return pg ? page_address(pg) : NULL;
	case BA_GOALLOC_STACK:
		p = goalloc_stack_alloc(size);
		return IS_ERR(p) ? NULL : p;
	}
	return NULL;
}

static __always_inline void ba_free(const int ba, struct bench_ctx *c,
				    void *p, size_t size)
{
	switch (ba) {
	case BA_NULL:
		bench_null_free(p);
		break;
	case BA_GOALLOC:
	case BA_GOALLOC_NOSCAN:
		if (unlikely(goalloc_free(p)))
			c->errors++;
		break;
	case BA_KMALLOC:
		kfree(p);
		break;
	case BA_KMEM_CACHE:
		kmem_cache_free(c->cache, p);
		break;
	case BA_VMALLOC:
		vfree(p);
		break;
	case BA_PAGES:
		__free_pages(virt_to_page(p), c->order);
		break;
	case BA_GOALLOC_STACK:
		if (unlikely(goalloc_stack_free(p, size)))
			c->errors++;
		break;
	}
}

/* n alloc+free pairs.  Return: elapsed time. */
static __always_inline u64 loop_pairs(const int ba, struct bench_ctx *c,
				      unsigned long n)
{
	size_t size = c->size;
	unsigned long i;
	u64 t0;
	void *p;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		p = ba_alloc(ba, c, size);
		if (unlikely(!p)) {
			c->errors++;
			continue;
		}
		OPTIMIZER_HIDE_VAR(p);
		ba_free(ba, c, p, size);
		if (unlikely((i % BENCH_RESCHED) == BENCH_RESCHED - 1))
			cond_resched();
	}
	return ktime_get_ns() - t0;
}

/*
 * reps x (nb allocations, then nb frees in reverse order or in c->perm's
 * order).  The two phases are timed apart.  Return: elapsed time.
 */
static __always_inline u64 loop_batch(const int ba, struct bench_ctx *c,
				      unsigned long nb, unsigned long reps,
				      bool shuffled)
{
	size_t size = c->size;
	unsigned long i, r;
	u64 t0, t1, t2;
	void *p;

	for (r = 0; r < reps; r++) {
		t0 = ktime_get_ns();
		for (i = 0; i < nb; i++) {
			p = ba_alloc(ba, c, size);
			if (unlikely(!p))
				c->errors++;
			c->ptrs[i] = p;
			if (unlikely((i % BENCH_RESCHED) == BENCH_RESCHED - 1))
				cond_resched();
		}
		t1 = ktime_get_ns();
		for (i = 0; i < nb; i++) {
			p = c->ptrs[shuffled ? c->perm[i] : nb - 1 - i];
			if (likely(p))
				ba_free(ba, c, p, size);
			if (unlikely((i % BENCH_RESCHED) == BENCH_RESCHED - 1))
				cond_resched();
		}
		t2 = ktime_get_ns();
		c->t_alloc += t1 - t0;
		c->t_free += t2 - t1;
	}
	return c->t_alloc + c->t_free;
}

struct bench_loops {
	u64 (*pairs)(struct bench_ctx *c, unsigned long n);
	u64 (*batch)(struct bench_ctx *c, unsigned long nb, unsigned long reps,
		     bool shuffled);
};

#define BENCH_LOOPS(ba, name)						\
static noinline u64 pairs_##name(struct bench_ctx *c, unsigned long n)	\
{									\
	return loop_pairs(ba, c, n);					\
}									\
static noinline u64 batch_##name(struct bench_ctx *c, unsigned long nb,	\
				 unsigned long reps, bool shuffled)	\
{									\
	return loop_batch(ba, c, nb, reps, shuffled);			\
}

BENCH_LOOPS(BA_NULL, null)
BENCH_LOOPS(BA_GOALLOC, goalloc)
BENCH_LOOPS(BA_GOALLOC_NOSCAN, goalloc_noscan)
BENCH_LOOPS(BA_KMALLOC, kmalloc)
BENCH_LOOPS(BA_KMEM_CACHE, kmem_cache)
BENCH_LOOPS(BA_VMALLOC, vmalloc)
BENCH_LOOPS(BA_PAGES, pages)
BENCH_LOOPS(BA_GOALLOC_STACK, goalloc_stack)

static const struct bench_loops bench_loops[BA_NR] = {
	[BA_NULL] = { pairs_null, batch_null },
	[BA_GOALLOC] = { pairs_goalloc, batch_goalloc },
	[BA_GOALLOC_NOSCAN] = { pairs_goalloc_noscan, batch_goalloc_noscan },
	[BA_KMALLOC] = { pairs_kmalloc, batch_kmalloc },
	[BA_KMEM_CACHE] = { pairs_kmem_cache, batch_kmem_cache },
	[BA_VMALLOC] = { pairs_vmalloc, batch_vmalloc },
	[BA_PAGES] = { pairs_pages, batch_pages },
	[BA_GOALLOC_STACK] = { pairs_goalloc_stack, batch_goalloc_stack },
};

/* ---- results ---- */

static DEFINE_MUTEX(bench_mutex);	/* one command at a time; guards all below */
static char *bench_results;
static size_t bench_results_len;
static struct dentry *bench_dir;

/* Options of the running command (key=value words after its name). */
static struct {
	unsigned int rounds;	/* measured rounds per configuration */
	unsigned int warm;	/* unmeasured warm-up rounds */
	unsigned int pct;	/* iteration counts in percent of the defaults */
	unsigned int mem;	/* trace: also run the memory pass */
	unsigned int size;	/* scale, pc: object size */
	unsigned int only;	/* micro benchmarks: only this size (0: all) */
	unsigned int gonly;	/* only goalloc's allocators */
} opt;

static __printf(1, 2) void bench_out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bench_results_len += vscnprintf(bench_results + bench_results_len,
					BENCH_RESULTS_SIZE - bench_results_len, fmt, ap);
	va_end(ap);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Emit one row from per-round values (in thousandths of a unit). */
static void bench_row(const char *group, const char *alloc, const char *pattern,
		      const char *param, const char *metric, u64 *v,
		      unsigned int n, unsigned long ops)
{
	u64 med;

	if (!n)
		return;
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	med = n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	bench_out("@@R,%s,%s,%s,%s,%s,%llu.%03llu,%llu.%03llu,%llu.%03llu,%u,%lu\n",
		  group, alloc, pattern, param, metric, med / 1000, med % 1000,
		  v[0] / 1000, v[0] % 1000, v[n - 1] / 1000, v[n - 1] % 1000, n, ops);
}

static unsigned long scaled(unsigned long n)
{
	return max(1UL, n * opt.pct / 100);
}

static bool is_goalloc(int ba)
{
	return ba == BA_GOALLOC || ba == BA_GOALLOC_NOSCAN || ba == BA_GOALLOC_STACK;
}

/* The options' filters: is this allocator (and size) to be measured? */
static bool wanted(int ba, size_t size)
{
	if (opt.gonly && !is_goalloc(ba))
		return false;
	return !opt.only || !size || size == opt.only;
}

/*
 * Between configurations: sweep goalloc (so each run starts alike) and let
 * deferred work (RCU callbacks, kfree_rcu batches, goalloc's background
 * sweeper, vmalloc's purge) finish now, so it is not billed to whichever
 * allocator is measured next.
 */
static void bench_settle(int ba)
{
	if (is_goalloc(ba))
		goalloc_gc();
	rcu_barrier();
	kvfree_rcu_barrier();
	msleep(20);
}

/* ---- micro benchmarks: one size, one allocator, every pattern ---- */

enum { PAT_PAIR, PAT_LIFO, PAT_SHUFFLE, PAT_NR };
static const char *const pat_name[PAT_NR] = { "pair", "lifo", "shuffle" };

/**
 * struct bench_cfg - one allocator and size of a micro benchmark group
 * @ba: allocator
 * @size: object size
 * @param: @size as text
 * @c: its context
 * @vp: per round: time per alloc+free pair
 * @va: per round (batches): time per allocation
 * @vf: per round (batches): time per free
 */
struct bench_cfg {
	int ba;
	size_t size;
	char param[24];
	struct bench_ctx c;
	u64 vp[BENCH_MAX_ROUNDS], va[BENCH_MAX_ROUNDS], vf[BENCH_MAX_ROUNDS];
};

static void bench_cfg_free(struct bench_cfg *cf, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		vfree(cf[i].c.ptrs);
		kmem_cache_destroy(cf[i].c.cache);
	}
	kfree(cf);
}

/*
 * Measure @n allocator/size configurations through every pattern in @pats
 * (bitmask of PAT_*): @npairs pairs per round, or batches of @nb objects
 * repeated to about as many pairs.  Rounds are interleaved (round r of every
 * configuration, then round r + 1), so slow drifts of a loaded host hit all
 * of them alike, and every goalloc configuration also gets the per-round
 * ratio against every other one ("r_<allocator>" rows): the median of
 * those is the robust wall-time ratio.
 */
static int bench_micro(const char *group, const int *bas, const size_t *sizes, int n,
		       unsigned long npairs, unsigned long nb, unsigned int pats)
{
	unsigned long reps = max(1UL, npairs / nb), i, j;
	struct goalloc_memstats ms0, ms1;
	struct bench_cfg *cf;
	unsigned int r, pat;
	u64 v[BENCH_MAX_ROUNDS];
	struct rnd_state rs;
	u32 *perm = NULL;
	int k, m, ret = 0;
	char name[40];

	cf = kcalloc(n, sizeof(*cf), GFP_KERNEL);
	if (!cf)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		cf[k].ba = bas[k];
		cf[k].size = sizes[k];
		cf[k].c.size = sizes[k];
		cf[k].c.order = get_order(sizes[k]);
		snprintf(cf[k].param, sizeof(cf[k].param), "%zu", sizes[k]);
		if (!wanted(bas[k], sizes[k]))
			cf[k].ba = -1;
	}
	if (pats & (BIT(PAT_LIFO) | BIT(PAT_SHUFFLE))) {
		perm = vmalloc_array(nb, sizeof(*perm));
		if (!perm) {
			ret = -ENOMEM;
			goto out;
		}
		/* Fisher-Yates with a fixed seed: every allocator frees alike. */
		prandom_seed_state(&rs, BENCH_SEED + nb);
		for (i = 0; i < nb; i++)
			perm[i] = i;
		for (i = nb - 1; i > 0; i--) {
			j = prandom_u32_state(&rs) % (i + 1);
			swap(perm[i], perm[j]);
		}
	}
	for (k = 0; k < n; k++) {
		struct bench_ctx *c = &cf[k].c;

		if (cf[k].ba < 0)
			continue;
		c->perm = perm;
		if (perm) {
			c->ptrs = vmalloc_array(nb, sizeof(*c->ptrs));
			if (!c->ptrs) {
				ret = -ENOMEM;
				goto out;
			}
		}
		if (cf[k].ba == BA_KMEM_CACHE) {
			snprintf(name, sizeof(name), "goalloc_bench-%zu", cf[k].size);
			c->cache = kmem_cache_create(name, cf[k].size, 0, SLAB_NO_MERGE, NULL);
			if (!c->cache) {
				ret = -ENOMEM;
				goto out;
			}
		}
	}

	for (pat = 0; pat < PAT_NR; pat++) {
		unsigned long ops = pat == PAT_PAIR ? npairs : nb * reps;

		if (!(pats & BIT(pat)))
			continue;
		for (k = 0; k < n; k++)
			if (cf[k].ba >= 0) {
				bench_settle(cf[k].ba);
				cf[k].c.errors = 0;
			}
		goalloc_read_memstats(&ms0);
		for (r = 0; r < opt.warm + opt.rounds; r++) {
			for (k = 0; k < n; k++) {
				const struct bench_loops *l;
				struct bench_ctx *c = &cf[k].c;
				unsigned int x = r - opt.warm;
				u64 t;

				if (cf[k].ba < 0)
					continue;
				l = &bench_loops[cf[k].ba];
				c->t_alloc = 0;
				c->t_free = 0;
				if (pat == PAT_PAIR)
					t = l->pairs(c, npairs);
				else
					t = l->batch(c, nb, reps, pat == PAT_SHUFFLE);
				/* Deferred work of this allocator is billed to it. */
				bench_settle(BA_NULL);
				if (r < opt.warm)
					continue;
				cf[k].vp[x] = t * 1000 / ops;
				cf[k].va[x] = c->t_alloc * 1000 / ops;
				cf[k].vf[x] = c->t_free * 1000 / ops;
			}
		}
		for (k = 0; k < n; k++) {
			const char *an = ba_name[cf[k].ba];

			if (cf[k].ba < 0)
				continue;
			memcpy(v, cf[k].vp, sizeof(v));
			bench_row(group, an, pat_name[pat], cf[k].param, "pair", v, opt.rounds, ops);
			if (pat != PAT_PAIR) {
				memcpy(v, cf[k].va, sizeof(v));
				bench_row(group, an, pat_name[pat], cf[k].param, "alloc", v,
					  opt.rounds, ops);
				memcpy(v, cf[k].vf, sizeof(v));
				bench_row(group, an, pat_name[pat], cf[k].param, "free", v,
					  opt.rounds, ops);
			}
			if (cf[k].c.errors) {
				v[0] = cf[k].c.errors * 1000;
				bench_row(group, an, pat_name[pat], cf[k].param, "errors", v, 1, ops);
				bench_out("@@E,%s,%s,%lu failed allocations or frees (%s),%s\n",
					  group, an, cf[k].c.errors, pat_name[pat], cf[k].param);
				ret = -EIO;
			}
			if (!is_goalloc(cf[k].ba))
				continue;
			for (m = 0; m < n; m++) {
				if (cf[m].ba < 0 || is_goalloc(cf[m].ba))
					continue;
				for (r = 0; r < opt.rounds; r++)
					v[r] = cf[m].vp[r] ?
					       cf[k].vp[r] * 1000 / cf[m].vp[r] : 0;
				snprintf(name, sizeof(name), "r_%s", ba_name[cf[m].ba]);
				bench_row(group, an, pat_name[pat], cf[k].param, name, v,
					  opt.rounds, ops);
			}
			/* What the rounds left: heap size and sweep cycles run. */
			goalloc_read_memstats(&ms1);
			v[0] = (ms1.heap_inuse + ms1.stack_inuse) * 1000;
			bench_row(group, an, pat_name[pat], cf[k].param, "inuse_end", v, 1, 0);
			v[0] = (ms1.heap_sys - ms1.heap_released) * 1000;
			bench_row(group, an, pat_name[pat], cf[k].param, "arenas_end", v, 1, 0);
			v[0] = (ms1.num_gc - ms0.num_gc) * 1000;
			bench_row(group, an, pat_name[pat], cf[k].param, "sweep_cycles", v, 1, 0);
		}
	}
	for (k = 0; k < n; k++)
		if (cf[k].ba >= 0)
			bench_settle(cf[k].ba);
out:
	bench_cfg_free(cf, n);
	vfree(perm);
	return ret;
}

static const size_t small_sizes[] = {
	8, 16, 24, 32, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
};
static const size_t large_sizes[] = { 65536, 262144, 1048576 };
static const size_t stack_sizes[] = {
	2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144,
};

/* Batch length: at most 1024 objects or 8 MiB, at least 16 objects. */
static unsigned long batch_len(size_t size)
{
	return clamp_t(unsigned long, (8UL << 20) / size, 16, 1024);
}

static int cmd_null(void)
{
	static const int bas[] = { BA_NULL };
	static const size_t sz[] = { 64 };

	return bench_micro("null", bas, sz, 1, scaled(16384), 1024,
			   BIT(PAT_PAIR) | BIT(PAT_LIFO));
}

static int small_cmd(unsigned int pats)
{
	static const int bas[] = { BA_GOALLOC, BA_KMALLOC, BA_KMEM_CACHE };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(small_sizes); i++) {
		size_t s = small_sizes[i];
		const size_t sz[] = { s, s, s };

		ret |= bench_micro("small", bas, sz, 3, scaled(s <= 4096 ? 16384 : 4096),
				   batch_len(s), pats);
	}
	return ret;
}

static int cmd_small(void)
{
	return small_cmd(BIT(PAT_PAIR) | BIT(PAT_LIFO) | BIT(PAT_SHUFFLE));
}

static int cmd_small_pairs(void)
{
	return small_cmd(BIT(PAT_PAIR));
}

static int cmd_tiny(void)
{
	/* kmalloc(16): the smallest slot a tiny object would need there. */
	static const int bas[] = {
		BA_GOALLOC_NOSCAN, BA_GOALLOC_NOSCAN, BA_GOALLOC_NOSCAN, BA_KMALLOC,
	};
	static const size_t sz[] = { 4, 8, 12, 16 };

	return bench_micro("tiny", bas, sz, 4, scaled(16384), 1024,
			   BIT(PAT_PAIR) | BIT(PAT_LIFO) | BIT(PAT_SHUFFLE));
}

static int cmd_large(void)
{
	static const int bas[] = {
		BA_GOALLOC, BA_KMALLOC, BA_KMEM_CACHE, BA_VMALLOC, BA_PAGES,
	};
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(large_sizes); i++) {
		size_t s = large_sizes[i];
		const size_t sz[] = { s, s, s, s, s };

		ret |= bench_micro("large", bas, sz, 5, scaled(256), 16,
				   BIT(PAT_PAIR) | BIT(PAT_LIFO));
	}
	return ret;
}

static int cmd_stack(void)
{
	static const int bas[] = { BA_GOALLOC_STACK, BA_KMALLOC, BA_VMALLOC };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(stack_sizes); i++) {
		size_t s = stack_sizes[i];
		const size_t sz[] = { s, s, s };

		ret |= bench_micro("stack", bas, sz, 3, scaled(s < 32768 ? 4096 : 256),
				   s < 32768 ? 256 : 16, BIT(PAT_PAIR) | BIT(PAT_LIFO));
	}
	return ret;
}

/* ---- trace replay ---- */

/*
 * Trace format (scripts/trace2bin.py), little endian: a header, then one u32
 * per operation: bit 31 clear = allocate that many bytes (object ids are
 * implicit: 1, 2, 3, ... in allocation order), bit 31 set = free the object
 * whose id is in the low bits.
 */
#define TRACE_MAGIC	0x52544147	/* "GATR" */
#define TRACE_FREE	BIT(31)

struct trace_hdr {
	__le32 magic;
	__le32 version;
	__le32 nops;
	__le32 nallocs;
	__le64 peak_requested;
	char name[40];
};

static u8 *trace_buf;
static size_t trace_len, trace_cap;


/**
 * struct bench_trace - a validated trace
 * @name: from the header
 * @ops: the operations
 * @nops: number of operations
 * @nallocs: number of allocations (= highest object id)
 * @peak_requested: the converter's peak of live bytes requested
 * @obj: live objects by id (obj[0] unused)
 * @size: requested size by id
 */
struct bench_trace {
	char name[41];
	const u32 *ops;
	u32 nops;
	u32 nallocs;
	u64 peak_requested;
	void **obj;
	u32 *size;
};

static int trace_prepare(struct bench_trace *t)
{
	const struct trace_hdr *h = (const void *)trace_buf;
	u32 i, id = 0, op;

	if (trace_len < sizeof(*h) || le32_to_cpu(h->magic) != TRACE_MAGIC ||
	    le32_to_cpu(h->version) != 1)
		return -EINVAL;
	t->nops = le32_to_cpu(h->nops);
	t->nallocs = le32_to_cpu(h->nallocs);
	t->peak_requested = le64_to_cpu(h->peak_requested);
	if (trace_len != sizeof(*h) + (size_t)t->nops * sizeof(u32))
		return -EINVAL;
	memcpy(t->name, h->name, sizeof(h->name));
	t->name[sizeof(h->name)] = 0;
	t->ops = (const u32 *)(trace_buf + sizeof(*h));
	t->obj = vzalloc(((size_t)t->nallocs + 1) * sizeof(*t->obj));
	t->size = vzalloc(((size_t)t->nallocs + 1) * sizeof(*t->size));
	if (!t->obj || !t->size)
		return -ENOMEM;
	/* Every free must name a live object; sizes must suit every allocator. */
	for (i = 0; i < t->nops; i++) {
		op = t->ops[i];
		if (op & TRACE_FREE) {
			op &= ~TRACE_FREE;
			if (!op || op > id || t->obj[op] != &bench_null_obj)
				return -EINVAL;
			t->obj[op] = NULL;
		} else {
			if (id == t->nallocs || op > GOALLOC_MAX_OBJECT_SIZE)
				return -EINVAL;
			t->obj[++id] = &bench_null_obj;
			t->size[id] = op;
		}
	}
	if (id != t->nallocs)
		return -EINVAL;
	memset(t->obj, 0, ((size_t)t->nallocs + 1) * sizeof(*t->obj));
	return 0;
}

static __always_inline void *trace_alloc(const int ba, struct bench_ctx *c, u32 size)
{
	if (ba == BA_GOALLOC_NOSCAN)
		return goalloc_alloc(size, size < 16 ? GOALLOC_NOSCAN : 0);
	return ba_alloc(ba, c, size);
}

/* Replay every operation.  Return: elapsed time. */
static __always_inline u64 loop_replay(const int ba, struct bench_ctx *c,
				       struct bench_trace *t)
{
	const u32 *ops = t->ops;
	u32 i, nops = t->nops, id = 0, op;
	void **obj = t->obj;
	u64 t0;
	void *p;

	t0 = ktime_get_ns();
	for (i = 0; i < nops; i++) {
		op = ops[i];
		if (op & TRACE_FREE) {
			p = obj[op & ~TRACE_FREE];
			obj[op & ~TRACE_FREE] = NULL;
			if (likely(p))
				ba_free(ba, c, p, 0);
		} else {
			p = trace_alloc(ba, c, op);
			if (unlikely(!p))
				c->errors++;
			obj[++id] = p;
		}
		if (unlikely((i % BENCH_RESCHED) == BENCH_RESCHED - 1))
			cond_resched();
	}
	return ktime_get_ns() - t0;
}

#define REPLAY_LOOP(ba, name)						\
static noinline u64 replay_##name(struct bench_ctx *c, struct bench_trace *t) \
{									\
	return loop_replay(ba, c, t);					\
}

REPLAY_LOOP(BA_NULL, null)
REPLAY_LOOP(BA_GOALLOC, goalloc)
REPLAY_LOOP(BA_GOALLOC_NOSCAN, goalloc_noscan)
REPLAY_LOOP(BA_KMALLOC, kmalloc)

static u64 (*const replay_loops[BA_NR])(struct bench_ctx *c, struct bench_trace *t) = {
	[BA_NULL] = replay_null,
	[BA_GOALLOC] = replay_goalloc,
	[BA_GOALLOC_NOSCAN] = replay_goalloc_noscan,
	[BA_KMALLOC] = replay_kmalloc,
};

/* Free what the trace left live (programs exit without freeing). */
static void trace_free_rest(int ba, struct bench_ctx *c, struct bench_trace *t)
{
	u32 id;

	for (id = 1; id <= t->nallocs; id++) {
		if (t->obj[id])
			ba_free(ba, c, t->obj[id], 0);
		t->obj[id] = NULL;
		if (!(id % 4096))
			cond_resched();
	}
}

/*
 * Slab memory (slab pages plus kmalloc's large page allocations, which are
 * accounted to the same counter) in bytes, exactly: the global counter plus
 * every CPU's not yet folded delta.
 */
static long slab_bytes(void)
{
	long pages = atomic_long_read(&vm_node_stat[NR_SLAB_UNRECLAIMABLE_B]);
	int nid, cpu;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		for_each_online_cpu(cpu)
			pages += per_cpu_ptr(pgdat->per_cpu_nodestats, cpu)->
				 vm_node_stat_diff[NR_SLAB_UNRECLAIMABLE_B];
	}
	return pages << PAGE_SHIFT;
}

/*
 * SLUB's memory is measured on private caches with kmalloc's 13 size classes
 * (same object sizes, so the same slab orders and packing): they start with
 * no slabs and nobody else allocates from them, so the slab counter's rise is
 * exactly what the replay pinned.  (kmalloc's own caches would lend the
 * replay free slots of slabs other users or earlier runs left behind.)
 * Objects above 8 KiB go to kmalloc, i.e. to the page allocator, as always.
 */
static const unsigned int kmc_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

static unsigned int kmc_index(u32 size)
{
	unsigned int i;

	for (i = 0; size > kmc_sizes[i]; i++)
		;
	return i;
}

static void kmc_destroy(struct kmem_cache **kmc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmc_sizes); i++)
		kmem_cache_destroy(kmc[i]);
}

static int kmc_create(struct kmem_cache **kmc)
{
	char name[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmc_sizes); i++) {
		snprintf(name, sizeof(name), "goalloc_bench-kmalloc-%u", kmc_sizes[i]);
		kmc[i] = kmem_cache_create(name, kmc_sizes[i], 0, SLAB_NO_MERGE, NULL);
		if (!kmc[i]) {
			kmc_destroy(kmc);
			return -ENOMEM;
		}
	}
	return 0;
}

static void *kmc_alloc(struct kmem_cache **kmc, u32 size)
{
	if (!size)
		return ZERO_SIZE_PTR;
	if (size > kmc_sizes[ARRAY_SIZE(kmc_sizes) - 1])
		return kmalloc(size, GFP_KERNEL);
	return kmem_cache_alloc(kmc[kmc_index(size)], GFP_KERNEL);
}

static void kmc_free(struct kmem_cache **kmc, void *p, u32 size)
{
	if (!size)
		return;
	if (size > kmc_sizes[ARRAY_SIZE(kmc_sizes) - 1])
		kfree(p);
	else
		kmem_cache_free(kmc[kmc_index(size)], p);
}

/**
 * struct bench_mem - one memory pass
 * @requested: live bytes requested now
 * @peak_requested: their peak
 * @slab0: slab bytes before the replay
 * @peak_held: peak memory held, i.e. kept from the kernel: for goalloc the
 *	backed arenas (HeapSys + StackSys - HeapReleased, free pages in them
 *	included: nobody else can use those), their metadata and MSpanInuse;
 *	for SLUB the rise of the slab counter (empty slabs it keeps included)
 * @peak_inspans: goalloc: peak HeapInuse + StackInuse + MSpanInuse + arena
 *	metadata, i.e. held without the free pages of backed arenas
 * @peak_inuse: goalloc: peak HeapInuse
 * @peak_arenas: goalloc: peak bytes of backed arenas plus their metadata
 * @arenas: goalloc: backed arena bytes at the last sample
 * @arena_grows: goalloc: arenas backed during the replay (new or regrown)
 * @num_gc0: goalloc: NumGC before the replay
 * @num_gc: goalloc: sweep cycles during the replay
 */
struct bench_mem {
	u64 requested, peak_requested;
	long slab0;
	u64 peak_held, peak_inspans, peak_inuse, peak_arenas, arenas;
	u64 arena_grows, num_gc0, num_gc;
};

/*
 * @held: what goalloc keeps from the kernel: backed arenas whole (memory
 * comes and goes back in 4 MiB blocks, so their free pages are lost to
 * everyone else), their metadata and the mspans.  @inspans: the same with
 * only the pages of in-use spans.  Not counted in either: the per-CPU
 * mcaches and the arena index (fixed, allocated before any replay) and the
 * tiny-block states of noscan tiny spans (kmalloc'd, not in MemStats).
 */
static void goalloc_held(u64 *held, u64 *inspans, u64 *inuse, u64 *arenas, u64 *num_gc)
{
	struct goalloc_memstats ms;
	u64 chunks, backed, meta;

	goalloc_read_memstats(&ms);
	/* Sys = HeapSys + StackSys + MSpanSys + MCacheSys + arena metadata. */
	chunks = (ms.heap_sys + ms.stack_sys) >> 22;
	backed = ms.heap_sys + ms.stack_sys - ms.heap_released;
	meta = ms.sys - ms.heap_sys - ms.stack_sys - ms.mspan_sys - ms.mcache_sys;
	if (chunks)
		meta = meta / chunks * (backed >> 22);
	*held = backed + meta + ms.mspan_inuse;
	*inspans = ms.heap_inuse + ms.stack_inuse + ms.mspan_inuse + meta;
	*inuse = ms.heap_inuse;
	*arenas = backed + meta;
	*num_gc = ms.num_gc;
}

static void mem_sample(bool is_goalloc, struct bench_mem *m)
{
	u64 held, inspans, inuse, arenas, num_gc;

	m->peak_requested = max(m->peak_requested, m->requested);
	if (is_goalloc) {
		goalloc_held(&held, &inspans, &inuse, &arenas, &num_gc);
		m->peak_inspans = max(m->peak_inspans, inspans);
		m->peak_inuse = max(m->peak_inuse, inuse);
		m->peak_arenas = max(m->peak_arenas, arenas);
		/*
		 * Arena bytes only rise by whole arenas plus their metadata
		 * (a few KiB each), so round down.
		 */
		if (arenas > m->arenas)
			m->arena_grows += (arenas - m->arenas) >> 22;
		m->arenas = arenas;
		m->num_gc = num_gc - m->num_gc0;
	} else {
		held = max(slab_bytes() - m->slab0, 0L);
	}
	m->peak_held = max(m->peak_held, held);
}

/*
 * Untimed replay sampling memory after every allocation (the only moment
 * either allocator takes more memory).  @kmc: SLUB's private caches, or
 * NULL to replay through goalloc (@noscan: tiny objects below 16 B).
 */
static void trace_mem_pass(struct kmem_cache **kmc, bool noscan, struct bench_ctx *c,
			   struct bench_trace *t, struct bench_mem *m)
{
	u32 i, id = 0, op;
	u64 x;
	void *p;

	memset(m, 0, sizeof(*m));
	if (kmc)
		m->slab0 = slab_bytes();
	else
		goalloc_held(&x, &x, &x, &m->arenas, &m->num_gc0);
	for (i = 0; i < t->nops; i++) {
		op = t->ops[i];
		if (op & TRACE_FREE) {
			op &= ~TRACE_FREE;
			p = t->obj[op];
			t->obj[op] = NULL;
			m->requested -= t->size[op];
			if (!p)
				continue;
			if (kmc)
				kmc_free(kmc, p, t->size[op]);
			else if (goalloc_free(p))
				c->errors++;
		} else {
			if (kmc)
				p = kmc_alloc(kmc, op);
			else
				p = goalloc_alloc(op, noscan && op < 16 ? GOALLOC_NOSCAN : 0);
			if (!p)
				c->errors++;
			t->obj[++id] = p;
			m->requested += op;
			mem_sample(!kmc, m);
		}
		if (!(i % 1024))
			cond_resched();
	}
	/* Leave nothing behind. */
	for (id = 1; id <= t->nallocs; id++) {
		p = t->obj[id];
		t->obj[id] = NULL;
		if (p && kmc)
			kmc_free(kmc, p, t->size[id]);
		else if (p)
			goalloc_free(p);
	}
}

static void mem_rows(const char *alloc, struct bench_trace *t, struct bench_mem *m,
		     bool is_goalloc)
{
	u64 v;

#define MEM_ROW(metric, val) do {					\
		v = (val) * 1000;					\
		bench_row("trace", alloc, "mem", t->name, metric, &v, 1, t->nops); \
	} while (0)
	MEM_ROW("peak_requested", m->peak_requested);
	MEM_ROW("peak_held", m->peak_held);
	if (is_goalloc) {
		MEM_ROW("peak_inspans", m->peak_inspans);
		MEM_ROW("peak_heapinuse", m->peak_inuse);
		MEM_ROW("peak_arenas", m->peak_arenas);
		MEM_ROW("arena_grows", m->arena_grows);
		MEM_ROW("sweep_cycles", m->num_gc);
	}
#undef MEM_ROW
}

static int cmd_trace(void)
{
	/* The ratio rows below rely on this order. */
	static const int bas[] = { BA_NULL, BA_GOALLOC, BA_GOALLOC_NOSCAN, BA_KMALLOC };
	static u64 vt[ARRAY_SIZE(bas)][BENCH_MAX_ROUNDS];
	struct bench_ctx c[ARRAY_SIZE(bas)];
	struct bench_trace t = { };
	u64 v[BENCH_MAX_ROUNDS];
	unsigned int i, r;
	int ret;

	ret = trace_prepare(&t);
	if (ret) {
		bench_out("@@E,trace,-,invalid or missing trace (%d),-\n", ret);
		goto out;
	}
	bench_out("@@I,trace,%s,ops=%u,allocs=%u,peak_requested=%llu\n", t.name,
		  t.nops, t.nallocs, t.peak_requested);
	/* Allocators interleaved round by round, as in bench_micro(). */
	for (i = 0; i < ARRAY_SIZE(bas); i++) {
		memset(&c[i], 0, sizeof(c[i]));
		if (wanted(bas[i], 0))
			bench_settle(bas[i]);
	}
	for (r = 0; r < opt.warm + opt.rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(bas); i++) {
			u64 d;

			if (!wanted(bas[i], 0))
				continue;
			d = replay_loops[bas[i]](&c[i], &t);
			/*
			 * Free what the program left, let deferred work finish,
			 * but leave each allocator's caches and heap as its own
			 * policy has them: rounds after the warm-up one replay
			 * on a warm allocator, as a long-running program would.
			 */
			trace_free_rest(bas[i], &c[i], &t);
			bench_settle(BA_NULL);
			if (r >= opt.warm)
				vt[i][r - opt.warm] = d * 1000 / t.nops;
		}
	}
	for (i = 0; i < ARRAY_SIZE(bas); i++) {
		int ba = bas[i];

		if (!wanted(ba, 0))
			continue;
		memcpy(v, vt[i], sizeof(v));
		bench_row("trace", ba_name[ba], "replay", t.name, "op", v, opt.rounds, t.nops);
		if (c[i].errors) {
			bench_out("@@E,trace,%s,%lu failed allocations,%s\n", ba_name[ba],
				  c[i].errors, t.name);
			ret = -EIO;
		}
		/* Per-round ratios against kmalloc (bas[3]), raw and net of the harness. */
		if (!is_goalloc(ba) || !wanted(BA_KMALLOC, 0))
			continue;
		for (r = 0; r < opt.rounds; r++)
			v[r] = vt[3][r] ? vt[i][r] * 1000 / vt[3][r] : 0;
		bench_row("trace", ba_name[ba], "replay", t.name, "r_kmalloc", v, opt.rounds,
			  t.nops);
		if (!wanted(BA_NULL, 0))
			continue;
		for (r = 0; r < opt.rounds; r++)
			v[r] = vt[3][r] > vt[0][r] ? (vt[i][r] - min(vt[i][r], vt[0][r])) * 1000 /
						     (vt[3][r] - vt[0][r]) : 0;
		bench_row("trace", ba_name[ba], "replay", t.name, "rnet_kmalloc", v,
			  opt.rounds, t.nops);
	}
	if (!opt.mem)
		goto out;
	/* Memory passes start from a heap that holds nothing. */
	for (i = 0; i < 3; i++) {
		struct kmem_cache *kmc[ARRAY_SIZE(kmc_sizes)];
		struct bench_ctx c = { };
		struct bench_mem m;

		if (i < 2) {
			/*
			 * goalloc_release() alone sweeps no span that was swept in
			 * this cycle already, so objects freed since stay counted:
			 * a full cycle first.
			 */
			goalloc_gc();
			goalloc_release();
			trace_mem_pass(NULL, i == 1, &c, &t, &m);
			goalloc_gc();
			goalloc_release();
			mem_rows(i ? "goalloc-noscan" : "goalloc", &t, &m, true);
		} else {
			if (!wanted(BA_KMALLOC, 0))
				break;
			ret = kmc_create(kmc);
			if (ret)
				break;
			bench_settle(BA_KMALLOC);
			trace_mem_pass(kmc, false, &c, &t, &m);
			kmc_destroy(kmc);
			mem_rows("kmalloc", &t, &m, false);
		}
		bench_settle(BA_NULL);
		if (c.errors) {
			bench_out("@@E,trace,mem,%lu failed allocations or frees,%s\n",
				  c.errors, t.name);
			ret = -EIO;
		}
	}
out:
	vfree(t.obj);
	vfree(t.size);
	return ret;
}

/* ---- parallel: scaling and producer/consumer ---- */

#define PC_RING	512

struct par_run;
struct bench_cmd;

/**
 * struct par_thread - one bound benchmark thread
 * @run: the run it belongs to
 * @task: the kthread
 * @done: completed when @fn has returned
 * @fn: the work
 * @idx: index in the run
 * @c: its context
 * @t0: time it passed the start barrier
 * @t1: time it finished
 * @ret: what @fn returned
 * @cmd: the command a single-thread run executes
 */
struct par_thread {
	struct par_run *run;
	struct task_struct *task;
	struct completion done;
	int (*fn)(struct par_thread *pt);
	int idx;
	struct bench_ctx c;
	u64 t0, t1;
	int ret;
	const struct bench_cmd *cmd;
};

/**
 * struct par_run - threads started together
 * @ready: threads at the start barrier
 * @nthreads: threads in the run
 * @ba: allocator
 * @pat: pattern (PAT_*) for scale runs
 * @n: operations per thread (pairs, or objects passed for pc)
 * @nb: batch length
 * @head: pc: objects produced
 * @tail: pc: objects consumed
 * @ring: pc: objects in flight
 */
struct par_run {
	atomic_t ready;
	int nthreads;
	int ba;
	int pat;
	unsigned long n;
	unsigned long nb;
	unsigned long head ____cacheline_aligned_in_smp;
	unsigned long tail ____cacheline_aligned_in_smp;
	void *ring[PC_RING] ____cacheline_aligned_in_smp;
};

static int par_thread_fn(void *data)
{
	struct par_thread *pt = data;

	pt->ret = pt->fn(pt);
	complete(&pt->done);
	/* Stay until kthread_stop() so the caller can always stop us. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void par_barrier(struct par_thread *pt)
{
	struct par_run *run = pt->run;

	atomic_inc(&run->ready);
	while (atomic_read(&run->ready) < run->nthreads)
		cpu_relax();
	pt->t0 = ktime_get_ns();
}

/* Run pts[i].fn on CPU cpus[i], all at once; wait for all. */
static int par_start(struct par_thread *pts, const int *cpus, int n)
{
	int i, ret = 0;

	for (i = 0; i < n; i++) {
		init_completion(&pts[i].done);
		pts[i].idx = i;
		pts[i].task = kthread_create_on_cpu(par_thread_fn, &pts[i], cpus[i],
						    "goalloc_bench/%u");
		if (IS_ERR(pts[i].task)) {
			ret = PTR_ERR(pts[i].task);
			pts[i].task = NULL;
			/* Threads already started must not wait at the barrier. */
			atomic_add(n - i, &pts[0].run->ready);
			break;
		}
	}
	for (i = 0; i < n; i++)
		if (pts[i].task)
			wake_up_process(pts[i].task);
	for (i = 0; i < n; i++) {
		if (!pts[i].task)
			continue;
		wait_for_completion(&pts[i].done);
		kthread_stop(pts[i].task);
		if (pts[i].ret)
			ret = pts[i].ret;
	}
	return ret;
}

static u64 par_elapsed(struct par_thread *pts, int n)
{
	u64 t0 = U64_MAX, t1 = 0;
	int i;

	for (i = 0; i < n; i++) {
		t0 = min(t0, pts[i].t0);
		t1 = max(t1, pts[i].t1);
	}
	return t1 - t0;
}

static int scale_fn(struct par_thread *pt)
{
	struct par_run *run = pt->run;
	const struct bench_loops *l = &bench_loops[run->ba];

	par_barrier(pt);
	if (run->pat == PAT_PAIR)
		l->pairs(&pt->c, run->n);
	else
		l->batch(&pt->c, run->nb, run->n / run->nb, run->pat == PAT_SHUFFLE);
	pt->t1 = ktime_get_ns();
	return 0;
}

/* Spin for a ring slot or entry; let others run now and then. */
static __always_inline void pc_wait(unsigned long *spins)
{
	cpu_relax();
	if (!(++*spins % 4096))
		cond_resched();
}

static __always_inline void loop_produce(const int ba, struct par_thread *pt)
{
	struct par_run *run = pt->run;
	unsigned long i, spins = 0;
	void *p;

	for (i = 0; i < run->n; i++) {
		p = ba_alloc(ba, &pt->c, pt->c.size);
		if (unlikely(!p))
			pt->c.errors++;
		/* Acquire: the consumer is done with the slot we reuse. */
		while (i - smp_load_acquire(&run->tail) >= PC_RING)
			pc_wait(&spins);
		run->ring[i % PC_RING] = p;
		/* Release: publish the slot before the new head. */
		smp_store_release(&run->head, i + 1);
		if (unlikely((i % BENCH_RESCHED) == BENCH_RESCHED - 1))
			cond_resched();
	}
}

static __always_inline void loop_consume(const int ba, struct par_thread *pt)
{
	struct par_run *run = pt->run;
	unsigned long i, spins = 0;
	void *p;

	for (i = 0; i < run->n; i++) {
		/* Acquire: pairs with the producer's release of head. */
		while (smp_load_acquire(&run->head) == i)
			pc_wait(&spins);
		p = run->ring[i % PC_RING];
		/* Release: the slot was read before it is handed back. */
		smp_store_release(&run->tail, i + 1);
		if (likely(p))
			ba_free(ba, &pt->c, p, pt->c.size);
		if (unlikely((i % BENCH_RESCHED) == BENCH_RESCHED - 1))
			cond_resched();
	}
}

#define PC_LOOP(ba, name)						\
static noinline int pc_##name(struct par_thread *pt)			\
{									\
	par_barrier(pt);						\
	if (pt->idx == 0)						\
		loop_produce(ba, pt);					\
	else								\
		loop_consume(ba, pt);					\
	pt->t1 = ktime_get_ns();					\
	return 0;							\
}

PC_LOOP(BA_GOALLOC, goalloc)
PC_LOOP(BA_KMALLOC, kmalloc)
PC_LOOP(BA_KMEM_CACHE, kmem_cache)

static int (*const pc_loops[BA_NR])(struct par_thread *pt) = {
	[BA_GOALLOC] = pc_goalloc,
	[BA_KMALLOC] = pc_kmalloc,
	[BA_KMEM_CACHE] = pc_kmem_cache,
};

/*
 * One round of a parallel configuration: @nthreads threads on CPUs 0..,
 * each doing @n operations.  *@nsop: ns per operation of the whole run
 * (elapsed / all operations; for pc, per object passed).
 */
static int par_round(int ba, int pat, bool pc, size_t size, int nthreads,
		     unsigned long n, struct kmem_cache *cache, u64 *nsop)
{
	static const int cpus[] = { 0, 1 };
	struct par_thread pts[2];
	struct par_run *run;
	unsigned long errors = 0;
	int i, ret = 0;

	run = kvzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	run->nthreads = nthreads;
	run->ba = ba;
	run->pat = pat;
	run->n = n;
	run->nb = 256;
	memset(pts, 0, sizeof(pts));
	for (i = 0; i < nthreads; i++) {
		pts[i].run = run;
		pts[i].fn = pc ? pc_loops[ba] : scale_fn;
		pts[i].c.size = size;
		pts[i].c.cache = cache;
		if (!pc && pat != PAT_PAIR) {
			pts[i].c.ptrs = vmalloc_array(run->nb, sizeof(void *));
			if (!pts[i].c.ptrs)
				ret = -ENOMEM;
		}
	}
	if (!ret)
		ret = par_start(pts, cpus, nthreads);
	for (i = 0; i < nthreads; i++) {
		errors += pts[i].c.errors;
		vfree(pts[i].c.ptrs);
	}
	if (!ret)
		*nsop = par_elapsed(pts, nthreads) * 1000 / (pc ? n : n * nthreads);
	kvfree(run);
	if (errors) {
		bench_out("@@E,par,%s,%lu failed allocations or frees,%zu\n", ba_name[ba],
			  errors, size);
		ret = ret ?: -EIO;
	}
	/* Deferred work of this allocator is billed to it. */
	bench_settle(BA_NULL);
	return ret;
}

#define PAR_NBA	3
static const int par_bas[PAR_NBA] = { BA_GOALLOC, BA_KMALLOC, BA_KMEM_CACHE };

static void par_caches_destroy(struct kmem_cache **caches)
{
	int i;

	for (i = 0; i < PAR_NBA; i++)
		kmem_cache_destroy(caches[i]);
}

static int par_caches_create(struct kmem_cache **caches, size_t size)
{
	int i;

	for (i = 0; i < PAR_NBA; i++) {
		caches[i] = NULL;
		if (par_bas[i] != BA_KMEM_CACHE)
			continue;
		caches[i] = kmem_cache_create("goalloc_bench-par", size, 0, SLAB_NO_MERGE, NULL);
		if (!caches[i])
			return -ENOMEM;
	}
	return 0;
}

/*
 * Scaling: per round, every allocator with 1 thread and then with 2 (one
 * per CPU); rows thr1/thr2 (ns per pair of the whole run) and the per-round
 * speedup thr1 / thr2 (= throughput ratio), interleaved as in bench_micro().
 */
static int cmd_scale(void)
{
	static const int pats[] = { PAT_PAIR, PAT_LIFO };
	static u64 v[PAR_NBA][2][BENCH_MAX_ROUNDS];
	unsigned int fails[PAR_NBA][2];
	int maxthr = min(2U, num_online_cpus());
	struct kmem_cache *caches[PAR_NBA];
	unsigned long n = scaled(131072);
	u64 w[BENCH_MAX_ROUNDS];
	bool failed = false;
	unsigned int j, r;
	char param[24];
	int i, nthr, ret;

	snprintf(param, sizeof(param), "%u", opt.size);
	ret = par_caches_create(caches, opt.size);
	if (ret)
		goto out;
	for (j = 0; j < ARRAY_SIZE(pats); j++) {
		memset(fails, 0, sizeof(fails));
		for (i = 0; i < PAR_NBA; i++)
			bench_settle(par_bas[i]);
		for (r = 0; r < opt.warm + opt.rounds && !ret; r++)
			for (i = 0; i < PAR_NBA && !ret; i++)
				for (nthr = 1; nthr <= maxthr && !ret; nthr++) {
					u64 x = 0;
					int err = par_round(par_bas[i], pats[j], false,
							    opt.size, nthr, n, caches[i], &x);

					/* Failed allocations are reported, not fatal. */
					if (err == -EIO) {
						failed = true;
						fails[i][nthr - 1]++;
					} else {
						ret = err;
					}
					if (r >= opt.warm)
						v[i][nthr - 1][r - opt.warm] = x;
				}
		if (ret)
			break;
		for (i = 0; i < PAR_NBA; i++) {
			const char *an = ba_name[par_bas[i]];

			for (nthr = 1; nthr <= maxthr; nthr++) {
				memcpy(w, v[i][nthr - 1], sizeof(w));
				bench_row("scale", an, pat_name[pats[j]], param,
					  nthr == 1 ? "thr1" : "thr2", w, opt.rounds, n * nthr);
				if (!fails[i][nthr - 1])
					continue;
				/* Rounds in which allocations failed. */
				w[0] = fails[i][nthr - 1] * 1000;
				bench_row("scale", an, pat_name[pats[j]], param, "errors", w, 1, 0);
			}
			if (maxthr < 2)
				continue;
			for (r = 0; r < opt.rounds; r++)
				w[r] = v[i][1][r] ? v[i][0][r] * 1000 / v[i][1][r] : 0;
			bench_row("scale", an, pat_name[pats[j]], param, "speedup", w,
				  opt.rounds, n);
		}
	}
out:
	par_caches_destroy(caches);
	return ret ?: (failed ? -EIO : 0);
}

/* Producer on CPU 0, consumer on CPU 1; allocators interleaved per round. */
static int cmd_pc(void)
{
	static u64 v[PAR_NBA][BENCH_MAX_ROUNDS];
	unsigned int fails[PAR_NBA] = { };
	struct kmem_cache *caches[PAR_NBA];
	unsigned long n = scaled(131072);
	u64 w[BENCH_MAX_ROUNDS];
	bool failed = false;
	unsigned int r;
	char param[24];
	int i, ret;

	if (num_online_cpus() < 2) {
		bench_out("@@E,pc,-,needs 2 CPUs,-\n");
		return -EINVAL;
	}
	snprintf(param, sizeof(param), "%u", opt.size);
	ret = par_caches_create(caches, opt.size);
	if (ret)
		goto out;
	for (i = 0; i < PAR_NBA; i++)
		bench_settle(par_bas[i]);
	for (r = 0; r < opt.warm + opt.rounds && !ret; r++)
		for (i = 0; i < PAR_NBA && !ret; i++) {
			u64 x = 0;
			int err = par_round(par_bas[i], PAT_PAIR, true, opt.size, 2, n,
					    caches[i], &x);

			if (err == -EIO) {
				failed = true;
				fails[i]++;
			} else {
				ret = err;
			}
			if (r >= opt.warm)
				v[i][r - opt.warm] = x;
		}
	if (ret)
		goto out;
	for (i = 0; i < PAR_NBA; i++) {
		memcpy(w, v[i], sizeof(w));
		bench_row("pc", ba_name[par_bas[i]], "pc", param, "obj", w, opt.rounds, n);
		if (fails[i]) {
			w[0] = fails[i] * 1000;
			bench_row("pc", ba_name[par_bas[i]], "pc", param, "errors", w, 1, 0);
		}
	}
	/* goalloc (par_bas[0]) against the others, per round. */
	for (i = 1; i < PAR_NBA; i++) {
		char name[32];

		for (r = 0; r < opt.rounds; r++)
			w[r] = v[i][r] ? v[0][r] * 1000 / v[i][r] : 0;
		snprintf(name, sizeof(name), "r_%s", ba_name[par_bas[i]]);
		bench_row("pc", ba_name[par_bas[0]], "pc", param, name, w, opt.rounds, n);
	}
out:
	par_caches_destroy(caches);
	return ret ?: (failed ? -EIO : 0);
}

/* ---- commands and debugfs ---- */

struct bench_cmd {
	const char *name;
	int (*fn)(void);
	bool on_cpu0;	/* run in a kthread bound to CPU 0 */
};

static const struct bench_cmd bench_commands[] = {
	{ "null", cmd_null, true },		/* harness overhead */
	{ "small", cmd_small, true },		/* 8 B..32 KiB, all patterns */
	{ "small-pairs", cmd_small_pairs, true },
	{ "tiny", cmd_tiny, true },		/* noscan < 16 B vs kmalloc(16) */
	{ "large", cmd_large, true },		/* 64 KiB..1 MiB */
	{ "stack", cmd_stack, true },		/* goalloc stacks vs kmalloc, vmalloc */
	{ "trace", cmd_trace, true },		/* replay the loaded trace; mem=1 */
	{ "scale", cmd_scale, false },		/* 1 and 2 threads; size=N */
	{ "pc", cmd_pc, false },		/* producer CPU 0, consumer CPU 1 */
};

static int cmd_thread(struct par_thread *pt)
{
	return pt->cmd->fn();
}

static int bench_parse(char *s, const struct bench_cmd **cmdp)
{
	char *w, *val;
	unsigned int i, *field;

	opt.rounds = 3;
	opt.warm = 1;
	opt.pct = 100;
	opt.mem = 0;
	opt.size = 64;
	opt.only = 0;
	opt.gonly = 0;
	*cmdp = NULL;
	while ((w = strsep(&s, " \t\n"))) {
		if (!*w)
			continue;
		if (!*cmdp) {
			for (i = 0; i < ARRAY_SIZE(bench_commands); i++)
				if (!strcmp(w, bench_commands[i].name))
					*cmdp = &bench_commands[i];
			if (!*cmdp)
				return -EINVAL;
			continue;
		}
		val = strchr(w, '=');
		if (!val)
			return -EINVAL;
		*val++ = 0;
		if (!strcmp(w, "rounds"))
			field = &opt.rounds;
		else if (!strcmp(w, "warm"))
			field = &opt.warm;
		else if (!strcmp(w, "pct"))
			field = &opt.pct;
		else if (!strcmp(w, "mem"))
			field = &opt.mem;
		else if (!strcmp(w, "size"))
			field = &opt.size;
		else if (!strcmp(w, "only"))
			field = &opt.only;
		else if (!strcmp(w, "gonly"))
			field = &opt.gonly;
		else
			return -EINVAL;
		if (kstrtouint(val, 0, field))
			return -EINVAL;
	}
	if (!*cmdp || !opt.rounds || opt.rounds + opt.warm > BENCH_MAX_ROUNDS ||
	    !opt.pct || !opt.size || opt.size > GOALLOC_MAX_OBJECT_SIZE)
		return -EINVAL;
	return 0;
}

static ssize_t run_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	static const int cpu0[] = { 0 };
	const struct bench_cmd *cmd;
	struct par_thread pt = { };
	struct par_run *run;
	char buf[128];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	mutex_lock(&bench_mutex);
	ret = bench_parse(buf, &cmd);
	if (ret)
		goto out;
	bench_results_len = 0;
	bench_results[0] = 0;
	if (cmd->on_cpu0) {
		run = kvzalloc(sizeof(*run), GFP_KERNEL);
		if (!run) {
			ret = -ENOMEM;
			goto out;
		}
		run->nthreads = 1;
		pt.run = run;
		pt.fn = cmd_thread;
		pt.cmd = cmd;
		ret = par_start(&pt, cpu0, 1);
		kvfree(run);
	} else {
		ret = cmd->fn();
	}
	if (ret)
		bench_out("@@E,%s,-,command failed (%d),-\n", cmd->name, ret);
	ret = count;
out:
	mutex_unlock(&bench_mutex);
	return ret;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = run_write,
};

static ssize_t results_read(struct file *file, char __user *ubuf, size_t count,
			    loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_mutex);
	ret = simple_read_from_buffer(ubuf, count, ppos, bench_results, bench_results_len);
	mutex_unlock(&bench_mutex);
	return ret;
}

static const struct file_operations results_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = results_read,
	.llseek = default_llseek,
};

/* Opening "trace" for writing starts a new trace. */
static int trace_open(struct inode *inode, struct file *file)
{
	if ((file->f_flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	mutex_lock(&bench_mutex);
	trace_len = 0;
	mutex_unlock(&bench_mutex);
	return 0;
}

static ssize_t trace_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	size_t end;
	ssize_t ret;
	u8 *nb;

	mutex_lock(&bench_mutex);
	if (check_add_overflow((size_t)*ppos, count, &end) || end > BENCH_TRACE_MAX) {
		ret = -EFBIG;
		goto out;
	}
	if (end > trace_cap) {
		size_t cap = max_t(size_t, roundup_pow_of_two(end), 1 << 20);

		nb = kvmalloc(cap, GFP_KERNEL);
		if (!nb) {
			ret = -ENOMEM;
			goto out;
		}
		if (trace_buf)
			memcpy(nb, trace_buf, trace_len);
		kvfree(trace_buf);
		trace_buf = nb;
		trace_cap = cap;
	}
	if (copy_from_user(trace_buf + *ppos, ubuf, count)) {
		ret = -EFAULT;
		goto out;
	}
	*ppos = end;
	trace_len = max(trace_len, end);
	ret = count;
out:
	mutex_unlock(&bench_mutex);
	return ret;
}

static const struct file_operations trace_fops = {
	.owner = THIS_MODULE,
	.open = trace_open,
	.write = trace_write,
};

static int __init bench_init(void)
{
	bench_results = vzalloc(BENCH_RESULTS_SIZE);
	if (!bench_results)
		return -ENOMEM;
	bench_dir = debugfs_create_dir("goalloc_bench", NULL);
	debugfs_create_file("run", 0200, bench_dir, NULL, &run_fops);
	debugfs_create_file("results", 0400, bench_dir, NULL, &results_fops);
	debugfs_create_file("trace", 0200, bench_dir, NULL, &trace_fops);
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	kvfree(trace_buf);
	vfree(bench_results);
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc benchmarks against SLUB, vmalloc and the page allocator");
MODULE_AUTHOR("goalloc developers");
