// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: bound kthreads started together at a barrier, and the two
 * parallel benchmarks built on them: scaling (1 and 2 threads doing pairs
 * or batches) and producer/consumer (objects allocated on CPU 0 and freed
 * on CPU 1).  par_start() also runs the single-thread commands on CPU 0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "bench.h"

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
int par_start(struct par_thread *pts, const int *cpus, int n)
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
int cmd_scale(void)
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

	snprintf(param, sizeof(param), "%u", bench_opt.size);
	ret = par_caches_create(caches, bench_opt.size);
	if (ret)
		goto out;
	for (j = 0; j < ARRAY_SIZE(pats); j++) {
		memset(fails, 0, sizeof(fails));
		for (i = 0; i < PAR_NBA; i++)
			bench_settle(par_bas[i]);
		for (r = 0; r < bench_opt.warm + bench_opt.rounds && !ret; r++)
			for (i = 0; i < PAR_NBA && !ret; i++)
				for (nthr = 1; nthr <= maxthr && !ret; nthr++) {
					u64 x = 0;
					int err = par_round(par_bas[i], pats[j], false,
							    bench_opt.size, nthr, n, caches[i], &x);

					/* Failed allocations are reported, not fatal. */
					if (err == -EIO) {
						failed = true;
						fails[i][nthr - 1]++;
					} else {
						ret = err;
					}
					if (r >= bench_opt.warm)
						v[i][nthr - 1][r - bench_opt.warm] = x;
				}
		if (ret)
			break;
		for (i = 0; i < PAR_NBA; i++) {
			const char *an = ba_name[par_bas[i]];

			for (nthr = 1; nthr <= maxthr; nthr++) {
				memcpy(w, v[i][nthr - 1], sizeof(w));
				bench_row("scale", an, pat_name[pats[j]], param,
					  nthr == 1 ? "thr1" : "thr2", w, bench_opt.rounds, n * nthr);
				if (!fails[i][nthr - 1])
					continue;
				/* Rounds in which allocations failed. */
				w[0] = fails[i][nthr - 1] * 1000;
				bench_row("scale", an, pat_name[pats[j]], param, "errors", w, 1, 0);
			}
			if (maxthr < 2)
				continue;
			for (r = 0; r < bench_opt.rounds; r++)
				w[r] = v[i][1][r] ? v[i][0][r] * 1000 / v[i][1][r] : 0;
			bench_row("scale", an, pat_name[pats[j]], param, "speedup", w,
				  bench_opt.rounds, n);
		}
	}
out:
	par_caches_destroy(caches);
	return ret ?: (failed ? -EIO : 0);
}

/* Producer on CPU 0, consumer on CPU 1; allocators interleaved per round. */
int cmd_pc(void)
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
	snprintf(param, sizeof(param), "%u", bench_opt.size);
	ret = par_caches_create(caches, bench_opt.size);
	if (ret)
		goto out;
	for (i = 0; i < PAR_NBA; i++)
		bench_settle(par_bas[i]);
	for (r = 0; r < bench_opt.warm + bench_opt.rounds && !ret; r++)
		for (i = 0; i < PAR_NBA && !ret; i++) {
			u64 x = 0;
			int err = par_round(par_bas[i], PAT_PAIR, true, bench_opt.size, 2, n,
					    caches[i], &x);

			if (err == -EIO) {
				failed = true;
				fails[i]++;
			} else {
				ret = err;
			}
			if (r >= bench_opt.warm)
				v[i][r - bench_opt.warm] = x;
		}
	if (ret)
		goto out;
	for (i = 0; i < PAR_NBA; i++) {
		memcpy(w, v[i], sizeof(w));
		bench_row("pc", ba_name[par_bas[i]], "pc", param, "obj", w, bench_opt.rounds, n);
		if (fails[i]) {
			w[0] = fails[i] * 1000;
			bench_row("pc", ba_name[par_bas[i]], "pc", param, "errors", w, 1, 0);
		}
	}
	/* goalloc (par_bas[0]) against the others, per round. */
	for (i = 1; i < PAR_NBA; i++) {
		char name[32];

		for (r = 0; r < bench_opt.rounds; r++)
			w[r] = v[i][r] ? v[0][r] * 1000 / v[i][r] : 0;
		snprintf(name, sizeof(name), "r_%s", ba_name[par_bas[i]]);
		bench_row("pc", ba_name[par_bas[0]], "pc", param, name, w, bench_opt.rounds, n);
	}
out:
	par_caches_destroy(caches);
	return ret ?: (failed ? -EIO : 0);
}
