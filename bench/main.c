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
 * directly, as real callers do (bench.h).  Timed loops call cond_resched() every
 * BENCH_RESCHED operations: work an allocator defers to kworkers (goalloc's
 * background sweeper, vmalloc's lazy purge) then runs, and is counted,
 * inside the round that caused it.
 *
 * Single-thread commands run in a kthread bound to CPU 0; the parallel ones
 * (scale, pc) bind one kthread per CPU and start them at a barrier.
 *
 * What each command measures lives in its own file: small.c (small and tiny
 * objects, the null allocator), large.c, stack.c, trace.c and mem.c (trace
 * replays and their memory passes), par.c (scale, pc); micro.c is the engine
 * of the first three.  This file holds the commands, their options, the
 * results and the debugfs files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "bench.h"

#define BENCH_RESULTS_SIZE	(256 << 10)

const char *const ba_name[BA_NR] = {
	[BA_NULL] = "null",
	[BA_GOALLOC] = "goalloc",
	[BA_GOALLOC_NOSCAN] = "goalloc-noscan",
	[BA_KMALLOC] = "kmalloc",
	[BA_KMEM_CACHE] = "kmem_cache",
	[BA_VMALLOC] = "vmalloc",
	[BA_PAGES] = "alloc_pages",
	[BA_GOALLOC_STACK] = "goalloc-stack",
};

const char *const pat_name[PAT_NR] = { "pair", "lifo", "shuffle" };

unsigned long bench_null_obj;

/* ---- results ---- */

/* One command at a time; guards the results, bench_opt and the trace. */
DEFINE_MUTEX(bench_mutex);
static char *bench_results;
static size_t bench_results_len;
static struct dentry *bench_dir;

struct bench_opt bench_opt;

__printf(1, 2) void bench_out(const char *fmt, ...)
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
void bench_row(const char *group, const char *alloc, const char *pattern,
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

/*
 * Between configurations: sweep goalloc and give its free pages back (so
 * each run starts alike: from a heap that owns nothing free, not from the
 * fragments the previous configurations left) and let deferred work (RCU
 * callbacks, kfree_rcu batches, goalloc's background sweeper and
 * scavenger, vmalloc's purge) finish now, so it is not billed to whichever
 * allocator is measured next.
 */
void bench_settle(int ba)
{
	if (is_goalloc(ba))
		goalloc_release();
	rcu_barrier();
	kvfree_rcu_barrier();
	msleep(20);
}

/* ---- commands and debugfs ---- */

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

	bench_opt.rounds = 3;
	bench_opt.warm = 1;
	bench_opt.pct = 100;
	bench_opt.mem = 0;
	bench_opt.size = 64;
	bench_opt.only = 0;
	bench_opt.gonly = 0;
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
			field = &bench_opt.rounds;
		else if (!strcmp(w, "warm"))
			field = &bench_opt.warm;
		else if (!strcmp(w, "pct"))
			field = &bench_opt.pct;
		else if (!strcmp(w, "mem"))
			field = &bench_opt.mem;
		else if (!strcmp(w, "size"))
			field = &bench_opt.size;
		else if (!strcmp(w, "only"))
			field = &bench_opt.only;
		else if (!strcmp(w, "gonly"))
			field = &bench_opt.gonly;
		else
			return -EINVAL;
		if (kstrtouint(val, 0, field))
			return -EINVAL;
	}
	if (!*cmdp || !bench_opt.rounds || bench_opt.rounds + bench_opt.warm > BENCH_MAX_ROUNDS ||
	    !bench_opt.pct || !bench_opt.size || bench_opt.size > GOALLOC_MAX_OBJECT_SIZE)
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

static int __init bench_init(void)
{
	bench_results = vzalloc(BENCH_RESULTS_SIZE);
	if (!bench_results)
		return -ENOMEM;
	bench_dir = debugfs_create_dir("goalloc_bench", NULL);
	debugfs_create_file("run", 0200, bench_dir, NULL, &run_fops);
	debugfs_create_file("results", 0400, bench_dir, NULL, &results_fops);
	debugfs_create_file("trace", 0200, bench_dir, NULL, &bench_trace_fops);
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	bench_trace_exit();
	vfree(bench_results);
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc benchmarks against SLUB, vmalloc and the page allocator");
MODULE_AUTHOR("goalloc developers");
