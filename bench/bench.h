/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc_bench's shared parts: the allocators measured, the per-allocator
 * always-inline alloc/free that every timed loop is generated from, the
 * options of the running command and the reporting helpers (bench/main.c).
 *
 * Every timed loop is a noinline function generated per allocator with the
 * allocator a compile-time constant, in the file of what it measures
 * (bench/micro.c, bench/trace.c, bench/par.c), so the timed code calls the
 * allocator directly, as real callers do.
 */
#ifndef _GOALLOC_BENCH_H
#define _GOALLOC_BENCH_H

#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

#include <goalloc.h>

#define BENCH_RESCHED		256	/* ops between cond_resched() calls */
#define BENCH_MAX_ROUNDS	31

/* Allocators.  BA_NULL is the harness alone: two empty out-of-line calls. */
enum bench_alloc {
	BA_NULL,
	BA_GOALLOC,		/* goalloc_alloc(size, GFP_KERNEL) */
	BA_GOALLOC_NOSCAN,	/* goalloc_alloc_noscan(size, GFP_KERNEL): tiny < 16 B */
	BA_KMALLOC,		/* kmalloc(size, GFP_KERNEL) */
	BA_KMEM_CACHE,		/* private SLAB_NO_MERGE cache of the size */
	BA_VMALLOC,
	BA_PAGES,		/* alloc_pages(GFP_KERNEL, get_order(size)) */
	BA_GOALLOC_STACK,	/* goalloc_stack_alloc(size) */
	BA_NR
};

extern const char *const ba_name[BA_NR];

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

extern unsigned long bench_null_obj;

/*
 * Static, so that every file's timed loops call their own copy, as when all
 * lived in one file (the compiler then knows which registers it clobbers).
 */
static noinline __maybe_unused void *bench_null_alloc(size_t size)
{
	OPTIMIZER_HIDE_VAR(size);
	return &bench_null_obj;
}

static noinline __maybe_unused void bench_null_free(const void *p)
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
		return goalloc_alloc(size, GFP_KERNEL);
	case BA_GOALLOC_NOSCAN:
		return goalloc_alloc_noscan(size, GFP_KERNEL);
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

/* Pairs and batches, per allocator (bench/micro.c). */
struct bench_loops {
	u64 (*pairs)(struct bench_ctx *c, unsigned long n);
	u64 (*batch)(struct bench_ctx *c, unsigned long nb, unsigned long reps,
		     bool shuffled);
};

extern const struct bench_loops bench_loops[BA_NR];

enum { PAT_PAIR, PAT_LIFO, PAT_SHUFFLE, PAT_NR };
extern const char *const pat_name[PAT_NR];

/**
 * struct bench_opt - options of the running command (key=value words
 * after its name)
 * @rounds: measured rounds per configuration
 * @warm: unmeasured warm-up rounds
 * @pct: iteration counts in percent of the defaults
 * @mem: trace: also run the memory pass
 * @size: scale, pc: object size
 * @only: micro benchmarks: only this size (0: all)
 * @gonly: only goalloc's allocators
 */
struct bench_opt {
	unsigned int rounds;
	unsigned int warm;
	unsigned int pct;
	unsigned int mem;
	unsigned int size;
	unsigned int only;
	unsigned int gonly;
};

/* Guarded by bench_mutex, as are the results and the trace. */
extern struct bench_opt bench_opt;
extern struct mutex bench_mutex;

__printf(1, 2) void bench_out(const char *fmt, ...);
void bench_row(const char *group, const char *alloc, const char *pattern,
	       const char *param, const char *metric, u64 *v,
	       unsigned int n, unsigned long ops);
void bench_settle(int ba);

static inline unsigned long scaled(unsigned long n)
{
	return max(1UL, n * bench_opt.pct / 100);
}

static inline bool is_goalloc(int ba)
{
	return ba == BA_GOALLOC || ba == BA_GOALLOC_NOSCAN || ba == BA_GOALLOC_STACK;
}

/* The options' filters: is this allocator (and size) to be measured? */
static inline bool wanted(int ba, size_t size)
{
	if (bench_opt.gonly && !is_goalloc(ba))
		return false;
	return !bench_opt.only || !size || size == bench_opt.only;
}

/* bench/micro.c: one group of allocator/size configurations, every pattern. */
int bench_micro(const char *group, const int *bas, const size_t *sizes, int n,
		unsigned long npairs, unsigned long nb, unsigned int pats);

/* The commands (bench/main.c's bench_commands[]).  Return: 0 or -errno. */
int cmd_null(void);
int cmd_small(void);
int cmd_small_pairs(void);
int cmd_tiny(void);
int cmd_large(void);
int cmd_stack(void);
int cmd_trace(void);
int cmd_scale(void);
int cmd_pc(void);

struct bench_cmd {
	const char *name;
	int (*fn)(void);
	bool on_cpu0;	/* run in a kthread bound to CPU 0 */
};

/* ---- bound kthreads started together (bench/par.c) ---- */

#define PC_RING	512

struct par_run;

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

int par_start(struct par_thread *pts, const int *cpus, int n);

/* ---- traces (bench/trace.c, bench/mem.c) ---- */

#define TRACE_FREE	BIT(31)

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

extern const struct file_operations bench_trace_fops;
void bench_trace_exit(void);
int trace_mem_passes(struct bench_trace *t, int ret);

#endif /* _GOALLOC_BENCH_H */
