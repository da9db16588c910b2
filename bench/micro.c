// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: the micro benchmark engine.  One group of allocator/size
 * configurations, each through the patterns asked for: alloc+free pairs,
 * batches freed in reverse (LIFO) or shuffled order.  The commands that use
 * it are in small.c, large.c and stack.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "bench.h"

#define BENCH_SEED		0x60a110cULL

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

const struct bench_loops bench_loops[BA_NR] = {
	[BA_NULL] = { pairs_null, batch_null },
	[BA_GOALLOC] = { pairs_goalloc, batch_goalloc },
	[BA_GOALLOC_NOSCAN] = { pairs_goalloc_noscan, batch_goalloc_noscan },
	[BA_KMALLOC] = { pairs_kmalloc, batch_kmalloc },
	[BA_KMEM_CACHE] = { pairs_kmem_cache, batch_kmem_cache },
	[BA_VMALLOC] = { pairs_vmalloc, batch_vmalloc },
	[BA_PAGES] = { pairs_pages, batch_pages },
	[BA_GOALLOC_STACK] = { pairs_goalloc_stack, batch_goalloc_stack },
};

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
int bench_micro(const char *group, const int *bas, const size_t *sizes, int n,
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
		for (r = 0; r < bench_opt.warm + bench_opt.rounds; r++) {
			for (k = 0; k < n; k++) {
				const struct bench_loops *l;
				struct bench_ctx *c = &cf[k].c;
				unsigned int x = r - bench_opt.warm;
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
				if (r < bench_opt.warm)
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
			bench_row(group, an, pat_name[pat], cf[k].param, "pair", v, bench_opt.rounds, ops);
			if (pat != PAT_PAIR) {
				memcpy(v, cf[k].va, sizeof(v));
				bench_row(group, an, pat_name[pat], cf[k].param, "alloc", v,
					  bench_opt.rounds, ops);
				memcpy(v, cf[k].vf, sizeof(v));
				bench_row(group, an, pat_name[pat], cf[k].param, "free", v,
					  bench_opt.rounds, ops);
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
				for (r = 0; r < bench_opt.rounds; r++)
					v[r] = cf[m].vp[r] ?
					       cf[k].vp[r] * 1000 / cf[m].vp[r] : 0;
				snprintf(name, sizeof(name), "r_%s", ba_name[cf[m].ba]);
				bench_row(group, an, pat_name[pat], cf[k].param, name, v,
					  bench_opt.rounds, ops);
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
