// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: trace replay.  A trace (scripts/trace2bin.py) written to
 * /sys/kernel/debug/goalloc_bench/trace is replayed, timed, through goalloc,
 * goalloc with noscan tiny objects, kmalloc and the null allocator; with
 * mem=1 also untimed through goalloc and SLUB for the memory each holds
 * (bench/mem.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "bench.h"

/*
 * Trace format (scripts/trace2bin.py), little endian: a header, then one u32
 * per operation: bit 31 clear = allocate that many bytes (object ids are
 * implicit: 1, 2, 3, ... in allocation order), bit 31 set = free the object
 * whose id is in the low bits.
 */
#define TRACE_MAGIC	0x52544147	/* "GATR" */
#define BENCH_TRACE_MAX		(64 << 20)

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
		return size < 16 ? goalloc_alloc_noscan(size, GFP_KERNEL) :
				   goalloc_alloc(size, GFP_KERNEL);
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

int cmd_trace(void)
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
	for (r = 0; r < bench_opt.warm + bench_opt.rounds; r++) {
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
			if (r >= bench_opt.warm)
				vt[i][r - bench_opt.warm] = d * 1000 / t.nops;
		}
	}
	for (i = 0; i < ARRAY_SIZE(bas); i++) {
		int ba = bas[i];

		if (!wanted(ba, 0))
			continue;
		memcpy(v, vt[i], sizeof(v));
		bench_row("trace", ba_name[ba], "replay", t.name, "op", v, bench_opt.rounds, t.nops);
		if (c[i].errors) {
			bench_out("@@E,trace,%s,%lu failed allocations,%s\n", ba_name[ba],
				  c[i].errors, t.name);
			ret = -EIO;
		}
		/* Per-round ratios against kmalloc (bas[3]), raw and net of the harness. */
		if (!is_goalloc(ba) || !wanted(BA_KMALLOC, 0))
			continue;
		for (r = 0; r < bench_opt.rounds; r++)
			v[r] = vt[3][r] ? vt[i][r] * 1000 / vt[3][r] : 0;
		bench_row("trace", ba_name[ba], "replay", t.name, "r_kmalloc", v, bench_opt.rounds,
			  t.nops);
		if (!wanted(BA_NULL, 0))
			continue;
		for (r = 0; r < bench_opt.rounds; r++)
			v[r] = vt[3][r] > vt[0][r] ? (vt[i][r] - min(vt[i][r], vt[0][r])) * 1000 /
						     (vt[3][r] - vt[0][r]) : 0;
		bench_row("trace", ba_name[ba], "replay", t.name, "rnet_kmalloc", v,
			  bench_opt.rounds, t.nops);
	}
	if (!bench_opt.mem)
		goto out;
	ret = trace_mem_passes(&t, ret);
out:
	vfree(t.obj);
	vfree(t.size);
	return ret;
}

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

const struct file_operations bench_trace_fops = {
	.owner = THIS_MODULE,
	.open = trace_open,
	.write = trace_write,
};

void bench_trace_exit(void)
{
	kvfree(trace_buf);
}
