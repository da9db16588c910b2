// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: the memory passes of "trace mem=1".  The loaded trace is
 * replayed untimed, sampling after every allocation what goalloc (from its
 * MemStats) or SLUB (from the slab counter, on private caches) holds; once
 * everything is freed, what it still holds BENCH_AFTER_FREE_MS later.
 *
 * The trace's size-class floor (the least any allocator with Go's classes
 * could hold) is computed on the host from the trace by scripts/trace2bin.py
 * --floor; the passes give it the one figure it cannot know, the size of
 * goalloc's mspan (the "mspan_bytes" row).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>

#include <goalloc/mcache.h>

#include "bench.h"

/*
 * After the replay freed everything: the guest time the memory passes wait,
 * with no explicit goalloc_gc(), goalloc_drain() or goalloc_release(),
 * before they read what is still held.  The icount boot runs QEMU with
 * sleep=off, so an idle guest's time costs no host time.
 */
#define BENCH_AFTER_FREE_MS	5000

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
 *	pages it owns (HeapSys + StackSys - HeapReleased, free ones included:
 *	nobody else can use those), its arena structs and MSpanInuse; for SLUB
 *	the rise of the slab counter (empty slabs it keeps included)
 * @after_free: memory held (as @peak_held) BENCH_AFTER_FREE_MS after the
 *	replay freed every object, with no explicit call in between
 * @peak_inspans: goalloc: peak HeapInuse + StackInuse + MSpanInuse + arena
 *	structs, i.e. held without the free pages the heap owns
 * @peak_inuse: goalloc: peak HeapInuse
 * @peak_arenas: goalloc: peak bytes of owned pages plus arena structs
 * @arenas: goalloc: the same at the last sample
 * @grown: goalloc: bytes of owned pages and arena structs gained during
 *	the replay (every rise counted, falls not subtracted)
 * @num_gc0: goalloc: NumGC before the replay
 * @num_gc: goalloc: sweep cycles during the replay
 * @census: goalloc: where the heap's pages were at the last growth that
 *	raised @peak_held, just after it (NULL if it could not be allocated)
 * @census_requested: @requested at that moment
 * @census_held: held at that moment
 * @census_meta: the arena structs' bytes at that moment
 * @census_arenas: @arenas at that moment
 */
struct bench_mem {
	u64 requested, peak_requested;
	long slab0;
	u64 peak_held, after_free, peak_inspans, peak_inuse, peak_arenas, arenas;
	u64 grown, num_gc0, num_gc;
	struct goalloc_census *census;
	u64 census_requested, census_held, census_meta, census_arenas;
};

/*
 * @held: what goalloc keeps from the kernel: the pages it owns (HeapSys +
 * StackSys - HeapReleased, Go's MemStats meaning: HeapReleased is the part of
 * the 4 MiB frames in HeapSys the heap does not own, whether it gives memory
 * back by arena or by page), free ones included since nobody else can use
 * them, the arena structs of every frame it knows (kept, released or not)
 * and the mspans.  @inspans: the same with only the pages of in-use spans.
 * Not counted in either: the per-CPU mcaches and the arena index (fixed,
 * allocated before any replay) and the tiny-block states of noscan tiny
 * spans (kmalloc'd, not in MemStats).
 */
static void goalloc_held(u64 *held, u64 *inspans, u64 *inuse, u64 *arenas, u64 *num_gc,
			 u64 *meta_out)
{
	struct goalloc_memstats ms;
	u64 owned, meta;

	goalloc_read_memstats(&ms);
	/* Sys = HeapSys + StackSys + MSpanSys + MCacheSys + arena structs. */
	owned = ms.heap_sys + ms.stack_sys - ms.heap_released;
	meta = ms.sys - ms.heap_sys - ms.stack_sys - ms.mspan_sys - ms.mcache_sys;
	*held = owned + meta + ms.mspan_inuse;
	*inspans = ms.heap_inuse + ms.stack_inuse + ms.mspan_inuse + meta;
	*inuse = ms.heap_inuse;
	*arenas = owned + meta;
	*num_gc = ms.num_gc;
	*meta_out = meta;
}

/* SLUB: the slab counter's rise since the pass began. */
static u64 slub_held(struct bench_mem *m)
{
	return max(slab_bytes() - m->slab0, 0L);
}

static void mem_sample(bool is_goalloc, struct bench_mem *m)
{
	u64 held, inspans, inuse, arenas, num_gc, meta;

	m->peak_requested = max(m->peak_requested, m->requested);
	if (is_goalloc) {
		goalloc_held(&held, &inspans, &inuse, &arenas, &num_gc, &meta);
		m->peak_inspans = max(m->peak_inspans, inspans);
		m->peak_inuse = max(m->peak_inuse, inuse);
		m->peak_arenas = max(m->peak_arenas, arenas);
		if (arenas > m->arenas)
			m->grown += arenas - m->arenas;
		m->arenas = arenas;
		m->num_gc = num_gc - m->num_gc0;
		/*
		 * A new peak that a growth made: see where the memory is then
		 * (memory passes only).  Held also rises with the mspan count
		 * alone; the census looks at what made the heap grow.
		 */
		if (held > m->peak_held && arenas > m->census_arenas && m->census) {
			goalloc_census(m->census);
			m->census_requested = m->requested;
			m->census_held = held;
			m->census_meta = meta;
			m->census_arenas = arenas;
		}
	} else {
		held = slub_held(m);
	}
	m->peak_held = max(m->peak_held, held);
}

/*
 * Once the replay has freed everything: wait, with no explicit call into the
 * allocator, and read what it still holds.
 */
static void mem_after_free(bool is_goalloc, struct bench_mem *m)
{
	u64 x;

	msleep(BENCH_AFTER_FREE_MS);
	if (is_goalloc)
		goalloc_held(&m->after_free, &x, &x, &x, &x, &x);
	else
		m->after_free = slub_held(m);
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

	struct goalloc_census *census = m->census;

	memset(m, 0, sizeof(*m));
	m->census = census;
	if (kmc)
		m->slab0 = slab_bytes();
	else
		goalloc_held(&x, &x, &x, &m->arenas, &m->num_gc0, &x);
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
				p = noscan && op < 16 ? goalloc_alloc_noscan(op, GFP_KERNEL) :
							goalloc_alloc(op, GFP_KERNEL);
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

/*
 * The census at the last growth that raised peak held: an "@@P" line per
 * span class in use (spans, the spans its live objects need at least, ...),
 * then one with the parts of held memory, in bytes.  In the serial log
 * only: results.csv gets the totals (mem_rows()).
 */
static void census_rows(const char *alloc, struct bench_trace *t, struct bench_mem *m,
			u64 *excess)
{
	const struct goalloc_census *cs = m->census;
	u64 small = 0, floor = 0, cached_free = 0, dead = 0, partial_free = 0;
	unsigned int i;

	bench_out("@@P,%s,%s,%s\n", t->name, alloc,
		  "spanclass,size,npages,nobjs,spans,floor_spans,cached,partial,slots,alloc,live,cached_free,empty,cached_empty");
	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		const struct goalloc_census_class *cc = &cs->cls[i];
		u64 need, bytes = (u64)cc->npages << GOALLOC_PAGE_SHIFT;

		if (!cc->spans)
			continue;
		need = DIV_ROUND_UP(cc->live, cc->nobjs);
		small += cc->spans * bytes;
		floor += need * bytes;
		dead += (u64)(cc->alloc - cc->live) * cc->size;
		cached_free += (u64)cc->cached_free * cc->size;
		/* Free slots of the spans no mcache holds. */
		partial_free += (u64)(cc->slots - cc->alloc - cc->cached_free) * cc->size;
		bench_out("@@P,%s,%s,%u,%u,%u,%u,%u,%llu,%u,%u,%u,%u,%u,%u,%u,%u\n", t->name,
			  alloc, i, cc->size, cc->npages, cc->nobjs, cc->spans, need, cc->cached,
			  cc->partial, cc->slots, cc->alloc, cc->live, cc->cached_free,
			  cc->empty, cc->cached_empty);
	}
	excess[0] = small - floor;
	excess[1] = dead;
	excess[2] = partial_free;
	excess[3] = (u64)cs->pages_pcache << GOALLOC_PAGE_SHIFT;
	excess[4] = (u64)cs->pages_free << GOALLOC_PAGE_SHIFT;
	excess[5] = cached_free;
	/* One line, written in three parts. */
	bench_out("@@P,%s,%s,total,held %llu requested %llu small_spans %llu small_floor %llu",
		  t->name, alloc, m->census_held, m->census_requested, small, floor);
	bench_out(" large %llu pcache %llu free %llu manual %llu mspans %llu meta %llu",
		  ((u64)cs->pages_inuse << GOALLOC_PAGE_SHIFT) - small, excess[3], excess[4],
		  (u64)cs->pages_manual << GOALLOC_PAGE_SHIFT,
		  (u64)cs->nspans * sizeof(struct goalloc_mspan), m->census_meta);
	bench_out(" dead_bytes %llu free_slot_bytes %llu cached_free_bytes %llu owned %llu\n",
		  dead, partial_free, cached_free, (u64)cs->pages_owned << GOALLOC_PAGE_SHIFT);
}

static void mem_rows(const char *alloc, struct bench_trace *t, struct bench_mem *m,
		     bool is_goalloc)
{
	u64 excess[6];
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
		/*
		 * In 4 MiB units, rounded down: the arenas backed (new or
		 * regrown) when the heap grows by whole arenas plus their
		 * structs (a few KiB each); the same total by page otherwise.
		 */
		MEM_ROW("arena_grows", m->grown >> 22);
		MEM_ROW("sweep_cycles", m->num_gc);
	}
	if (is_goalloc && m->census) {
		census_rows(alloc, t, m, excess);
		/* At the census: small spans beyond the floor's, and where. */
		MEM_ROW("census_small_excess", excess[0]);
		MEM_ROW("census_dead_slots", excess[1]);
		MEM_ROW("census_free_slots", excess[2]);
		MEM_ROW("census_pcache", excess[3]);
		MEM_ROW("census_free_pages", excess[4]);
		MEM_ROW("census_cached_free_slots", excess[5]);
	}
	MEM_ROW("after_free", m->after_free);
	/* For the size-class floor (scripts/trace2bin.py --floor). */
	if (is_goalloc)
		MEM_ROW("mspan_bytes", sizeof(struct goalloc_mspan));
#undef MEM_ROW
}

/*
 * The memory passes: goalloc, goalloc with noscan tiny objects, then SLUB.
 * @ret: the replay's status.  Return: @ret as the passes leave it (the SLUB
 * pass sets it from creating its caches) or -EIO if a pass failed.
 */
int trace_mem_passes(struct bench_trace *t, int ret)
{
	unsigned int i;

	/* Memory passes start from a heap that holds nothing. */
	for (i = 0; i < 3; i++) {
		struct kmem_cache *kmc[ARRAY_SIZE(kmc_sizes)];
		struct bench_ctx c = { };
		struct bench_mem m = { };

		if (i < 2) {
			/*
			 * goalloc_release() alone sweeps no span that was swept in
			 * this cycle already, so objects freed since stay counted:
			 * a full cycle first.
			 */
			goalloc_gc();
			goalloc_release();
			m.census = kvmalloc(sizeof(*m.census), GFP_KERNEL);
			trace_mem_pass(NULL, i == 1, &c, t, &m);
			mem_after_free(true, &m);
			goalloc_gc();
			goalloc_release();
			mem_rows(i ? "goalloc-noscan" : "goalloc", t, &m, true);
			kvfree(m.census);
		} else {
			if (!wanted(BA_KMALLOC, 0))
				break;
			ret = kmc_create(kmc);
			if (ret)
				break;
			bench_settle(BA_KMALLOC);
			trace_mem_pass(kmc, false, &c, t, &m);
			mem_after_free(false, &m);
			kmc_destroy(kmc);
			mem_rows("kmalloc", t, &m, false);
		}
		bench_settle(BA_NULL);
		if (c.errors) {
			bench_out("@@E,trace,mem,%lu failed allocations or frees,%s\n",
				  c.errors, t->name);
			ret = -EIO;
		}
	}
	return ret;
}
