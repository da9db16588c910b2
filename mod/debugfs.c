// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/goalloc/: read-only views for people and test scripts
 * (not ABI; the ioctl interface is).  Every file is a seq_file that sums
 * per-CPU state without stopping anyone, so concurrent activity may make
 * two files disagree slightly; at rest they agree exactly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <goalloc.h>
#include "goalloc/debugfs.h"
#include "goalloc/heapmap.h"
#include "goalloc/malloc.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/proc.h"
#include "goalloc/stats.h"

static struct dentry *goalloc_dir;

static int sizeclasses_show(struct seq_file *m, void *v)
{
	struct goalloc_class_stats *bysize;
	struct goalloc_class_info ci;
	unsigned long spans[GOALLOC_NUM_SIZE_CLASSES] = { 0 };
	int c, i;

	bysize = kcalloc(GOALLOC_NUM_SIZE_CLASSES, sizeof(*bysize), GFP_KERNEL);
	if (!bysize)
		return -ENOMEM;
	goalloc_stats_by_size(bysize);
	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		struct goalloc_mcentral *mc = &goalloc_central[i];

		spin_lock_irq(&mc->lock);
		spans[i >> 1] += mc->npartial[0] + mc->npartial[1] +
				 mc->nfull[0] + mc->nfull[1];
		spin_unlock_irq(&mc->lock);
	}
	seq_puts(m, "class bytes/obj bytes/span objects tail_waste max_waste% mallocs frees live spans_in_mcentral\n");
	for (c = 1; c < GOALLOC_NUM_SIZE_CLASSES; c++) {
		goalloc_class_info(c, &ci);
		seq_printf(m, "%5d %9u %10u %7u %10u %7u.%02u %7llu %5llu %4llu %17lu\n",
			   c, ci.size, ci.span_bytes, ci.nobjs, ci.tail_waste,
			   ci.max_waste / 100, ci.max_waste % 100,
			   bysize[c].nmalloc, bysize[c].nfree,
			   bysize[c].nmalloc - bysize[c].nfree, spans[c]);
	}
	kfree(bysize);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sizeclasses);

static int memstats_show(struct seq_file *m, void *v)
{
	struct goalloc_memstats ms;

	goalloc_read_memstats(&ms);
#define F(name, field) seq_printf(m, "%-13s %llu\n", name, ms.field)
	F("Alloc", alloc);
	F("TotalAlloc", total_alloc);
	F("Sys", sys);
	F("Mallocs", mallocs);
	F("Frees", frees);
	F("HeapAlloc", heap_alloc);
	F("HeapSys", heap_sys);
	F("HeapIdle", heap_idle);
	F("HeapInuse", heap_inuse);
	F("HeapReleased", heap_released);
	F("HeapObjects", heap_objects);
	F("StackInuse", stack_inuse);
	F("StackSys", stack_sys);
	F("MSpanInuse", mspan_inuse);
	F("MSpanSys", mspan_sys);
	F("MCacheInuse", mcache_inuse);
	F("MCacheSys", mcache_sys);
	F("NextGC", next_gc);
	F("NumGC", num_gc);
	F("TinyAllocs", tiny_allocs);
	F("HeapLive", heap_live);
#undef F
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memstats);

/* Per CPU: cached spans and the tiny block, read racily (owner may run). */
static int mcache_show(struct seq_file *m, void *v)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct goalloc_p *pp = per_cpu_ptr(goalloc_allp, cpu);
		struct goalloc_mcache *mc = &pp->mcache;
		struct goalloc_pstats *st = &pp->stats;
		unsigned int cached = 0;
		u64 mallocs = 0, frees = 0;
		bool traced;

		/* Traced, the real spans and tiny offset are in the stash. */
		traced = goalloc_racy(mc->traced);
		for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++)
			cached += goalloc_racy(traced ? mc->traced_alloc[i] : mc->alloc[i]) !=
				  &goalloc_emptymspan;
		for (i = 0; i < GOALLOC_NUM_SIZE_CLASSES; i++) {
			mallocs += goalloc_racy(st->nmalloc[i]);
			frees += goalloc_racy(st->nfree[i]);
		}
		seq_printf(m, "cpu%d spans_cached %u tiny_block %s tinyoffset %u tiny_allocs %llu tiny_frees %llu small_mallocs %llu small_frees %llu large_allocs %llu large_frees %llu mspancache %u traced %s\n",
			   cpu, cached, goalloc_racy(mc->tiny) ? "yes" : "no",
			   goalloc_racy(traced ? mc->traced_tinyoffset : mc->tinyoffset),
			   goalloc_racy(st->tiny_allocs),
			   goalloc_racy(st->tiny_frees), mallocs, frees,
			   goalloc_racy(st->large_allocs), goalloc_racy(st->large_frees),
			   (unsigned int)goalloc_racy(pp->heap.nspancache), traced ? "yes" : "no");
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mcache);

static int mcentral_show(struct seq_file *m, void *v)
{
	u32 sg = goalloc_sweepgen();
	unsigned int sw = goalloc_swept(sg), un = goalloc_unswept(sg);
	int i;

	seq_printf(m, "sweepgen %u\n", sg);
	seq_puts(m, "spanclass class noscan partial_swept partial_unswept full_swept full_unswept\n");
	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		struct goalloc_mcentral *c = &goalloc_central[i];
		u32 ps, pu, fs, fu;

		spin_lock_irq(&c->lock);
		ps = c->npartial[sw];
		pu = c->npartial[un];
		fs = c->nfull[sw];
		fu = c->nfull[un];
		spin_unlock_irq(&c->lock);
		if (ps + pu + fs + fu)
			seq_printf(m, "%9d %5d %6d %13u %15u %10u %12u\n",
				   i, i >> 1, i & 1, ps, pu, fs, fu);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mcentral);

static int mheap_show(struct seq_file *m, void *v)
{
	struct goalloc_mheap *h = &goalloc_mheap;

	spin_lock_irq(&h->lock);
	seq_printf(m, "frame_bytes %lu\n", GOALLOC_ARENA_BYTES);
	seq_printf(m, "max_pages %lu\n", h->max_pages);
	seq_printf(m, "pages_owned %lu\n", h->pages_owned);
	seq_printf(m, "pages_scavenged %llu\n", h->scavenged);
	seq_printf(m, "frames_tracked %lu\n", h->pages.nr_chunks);
	seq_printf(m, "chunk_slots %u of %u\n", h->nchunks, h->max_chunks);
	seq_printf(m, "pages_free %lu\n", h->pages.free_pages);
	seq_printf(m, "largest_free_run %lu\n", goalloc_pagealloc_largest_free(&h->pages));
	seq_printf(m, "pages_inuse %lu\n", h->pages_inuse);
	seq_printf(m, "pages_manual %lu\n", h->pages_manual);
	seq_printf(m, "search_addr %lu\n", h->pages.search_addr);
	seq_printf(m, "sweepgen %u\n", h->sweepgen);
	seq_printf(m, "mspans %ld\n", atomic_long_read(&h->nspans));
	spin_unlock_irq(&h->lock);
	/* Growth's outcomes move under grow_mutex: a racy read. */
	seq_printf(m, "grows %lu\n", READ_ONCE(h->grows.ok));
	seq_printf(m, "grows_smaller %lu\n", READ_ONCE(h->grows.smaller));
	seq_printf(m, "grows_raced %lu\n", READ_ONCE(h->grows.raced));
	seq_printf(m, "grow_fail_cap %lu\n", READ_ONCE(h->grows.cap));
	seq_printf(m, "grow_fail_injected %lu\n", READ_ONCE(h->grows.injected));
	seq_printf(m, "grow_fail_kernel %lu\n", READ_ONCE(h->grows.kernel));
	seq_printf(m, "grow_fail_slots %lu\n", READ_ONCE(h->grows.slots));
	seq_printf(m, "grow_retries_out %ld\n", atomic_long_read(&goalloc_grow_retries_out));
	/* The pacer's fields move without mheap.lock (mgcpacer.h). */
	seq_printf(m, "cycles %llu\n", READ_ONCE(goalloc_pacer.cycles));
	seq_printf(m, "trigger %llu\n", READ_ONCE(goalloc_pacer.trigger));
	seq_printf(m, "heap_marked %llu\n", READ_ONCE(goalloc_pacer.heap_marked));
	seq_printf(m, "heap_live %lld\n", (s64)atomic64_read(&goalloc_pacer.heap_live));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mheap);

/* The pools and every CPU's stack cache; takes each pool lock in turn. */
static int stacks_show(struct seq_file *m, void *v)
{
	struct goalloc_mspan *s;
	unsigned int order;
	int cpu;

	seq_puts(m, "stackpool: order stack_bytes spans spans_with_free free_stacks\n");
	for (order = 0; order < GOALLOC_NUM_STACK_ORDERS; order++) {
		struct goalloc_stackpool *pool = &goalloc_stackpool[order];
		unsigned long withfree = 0, nfree = 0;

		spin_lock_irq(&pool->lock);
		list_for_each_entry(s, &pool->spans, list) {
			withfree++;
			nfree += s->manual_nfree;
		}
		seq_printf(m, "  %u %u %lu %lu %lu\n", order, GOALLOC_FIXED_STACK << order,
			   pool->nspans, withfree, nfree);
		spin_unlock_irq(&pool->lock);
	}
	seq_puts(m, "stackcache: cpu bytes_per_order(2K 4K 8K 16K)\n");
	for_each_possible_cpu(cpu) {
		struct goalloc_p *pp = per_cpu_ptr(goalloc_allp, cpu);

		seq_printf(m, "  cpu%d", cpu);
		for (order = 0; order < GOALLOC_NUM_STACK_ORDERS; order++)
			seq_printf(m, " %u", goalloc_racy(pp->stackcache[order].size));
		seq_putc(m, '\n');
	}
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(stacks);

static int pagecache_show(struct seq_file *m, void *v)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct goalloc_pagecache *c = &per_cpu_ptr(goalloc_allp, cpu)->heap.pcache;
		u64 cache = goalloc_racy(c->cache);

		seq_printf(m, "cpu%d base %lu free_pages %u bitmap %016llx\n", cpu,
			   goalloc_racy(c->base), (unsigned int)hweight64(cache), cache);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pagecache);

/**
 * goalloc_debugfs_init() - create /sys/kernel/debug/goalloc/
 *
 * debugfs failures are ignored, as debugfs callers should: loading never
 * depends on it.
 *
 * Context: module init.
 * Return: 0.
 */
int goalloc_debugfs_init(void)
{
	goalloc_dir = debugfs_create_dir("goalloc", NULL);
	debugfs_create_file("sizeclasses", 0444, goalloc_dir, NULL, &sizeclasses_fops);
	debugfs_create_file("memstats", 0444, goalloc_dir, NULL, &memstats_fops);
	debugfs_create_file("mcache", 0444, goalloc_dir, NULL, &mcache_fops);
	debugfs_create_file("mcentral", 0444, goalloc_dir, NULL, &mcentral_fops);
	debugfs_create_file("mheap", 0444, goalloc_dir, NULL, &mheap_fops);
	debugfs_create_file("pagecache", 0444, goalloc_dir, NULL, &pagecache_fops);
	debugfs_create_file("stacks", 0444, goalloc_dir, NULL, &stacks_fops);
	goalloc_heapmap_debugfs(goalloc_dir);
	goalloc_mheap_debugfs(goalloc_dir);
	return 0;
}

/**
 * goalloc_debugfs_exit() - remove /sys/kernel/debug/goalloc/
 *
 * Context: module exit.
 */
void goalloc_debugfs_exit(void)
{
	debugfs_remove(goalloc_dir);
	goalloc_dir = NULL;
}
