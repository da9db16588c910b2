// SPDX-License-Identifier: GPL-2.0
/*
 * The allocation entry points (Go's malloc.go mallocgc, with an explicit
 * free in place of the garbage collector's mark phase).
 *
 * Tiers: tiny (noscan, < 16 B) bump-allocates in the mcache's 16 B block;
 * small (<= 32 KiB) takes a slot of the mcache's span of its span class;
 * large (> 32 KiB) gets a span of its own from the heap (via the per-CPU
 * page cache when short).  Only this CPU's local lock is taken on the fast
 * paths; no atomic instruction is executed there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/slab.h>

#include <goalloc.h>
#include "goalloc/kasan.h"
#include "goalloc/mcache.h"
#include "goalloc/stack.h"

/*
 * Bad frees are counted and refused; the first one also WARNs, unless a
 * test that provokes them on purpose has turned the warning off.
 */
bool goalloc_warn_bad_free = true;
EXPORT_SYMBOL_IF_KUNIT(goalloc_warn_bad_free);
atomic_long_t goalloc_bad_frees;
EXPORT_SYMBOL_IF_KUNIT(goalloc_bad_frees);

static int bad_free(int err, const void *p, const char *what)
{
	atomic_long_inc(&goalloc_bad_frees);
	WARN_ONCE(READ_ONCE(goalloc_warn_bad_free), "goalloc: %s %p\n", what, p);
	return err;
}

/* The slow path: refill or large span; the heap may have to grow. */
static unsigned long alloc_slow(struct goalloc_mcache **mcp, u8 spanclass,
				u32 npages, unsigned int flags,
				struct goalloc_mspan **sp)
{
	struct goalloc_mcache *mc = *mcp;
	struct goalloc_mspan *s;
	unsigned long v;
	int err, tries;

	/*
	 * Each grow either adds an arena or found that someone else did; a
	 * few rounds settle any race, and the bound guarantees progress.
	 */
	for (tries = 0; tries < 8; tries++) {
		if (npages) {
			s = goalloc_mheap_alloc_span(mc, npages, spanclass,
						     GOALLOC_MSPAN_IN_USE);
			v = IS_ERR(s) ? 0 : s->base;
		} else {
			v = goalloc_mcache_refill(mc, spanclass, &s);
		}
		if (v) {
			*sp = s;
			return v;
		}
		err = PTR_ERR(s);
		if (err != -EAGAIN || (flags & GOALLOC_NOWAIT))
			return 0;
		/* Grow with no lock held, then start over on whatever CPU. */
		local_unlock(&goalloc_mcaches->lock);
		err = goalloc_mheap_grow(npages ?: goalloc_class_to_allocnpages[spanclass >> 1]);
		local_lock(&goalloc_mcaches->lock);
		*mcp = mc = this_cpu_ptr(goalloc_mcaches);
		if (err)
			return 0;
		if (!npages) {
			/* Another task may have refilled this CPU's span. */
			v = goalloc_mspan_next_free_fast(mc->alloc[spanclass]);
			if (v) {
				*sp = mc->alloc[spanclass];
				return v;
			}
		}
	}
	return 0;
}

static void *alloc_large(size_t size, unsigned int flags)
{
	u32 npages = DIV_ROUND_UP(size, GOALLOC_PAGE_SIZE);
	u8 spc = goalloc_make_spanclass(0, flags & GOALLOC_NOSCAN);
	struct goalloc_mcache *mc;
	struct goalloc_mspan *s;
	unsigned long v;

	local_lock(&goalloc_mcaches->lock);
	mc = this_cpu_ptr(goalloc_mcaches);
	v = alloc_slow(&mc, spc, npages, flags, &s);
	if (v) {
		mc->large_allocs++;
		mc->large_alloc_bytes += (u64)npages << GOALLOC_PAGE_SHIFT;
	}
	local_unlock(&goalloc_mcaches->lock);
	if (!v)
		return NULL;
	atomic64_add((u64)npages << GOALLOC_PAGE_SHIFT, &goalloc_mheap.heap_live);
	goalloc_kasan_unpoison((void *)v, size, (size_t)npages << GOALLOC_PAGE_SHIFT);
	if ((flags & GOALLOC_ZERO) && s->needzero)
		memset((void *)v, 0, size);
	goalloc_maybe_start_cycle();
	return (void *)v;
}

/* Tiny: Go's mallocgcTiny.  Context: local lock held. */
static unsigned long alloc_tiny(struct goalloc_mcache **mcp, size_t size,
				unsigned int flags)
{
	struct goalloc_mcache *mc = *mcp;
	u8 spc = goalloc_make_spanclass(GOALLOC_TINY_SIZE_CLASS, true);
	unsigned int off = mc->tinyoffset;
	struct goalloc_mspan *s;
	unsigned long v;
	u16 idx;

	/* Go's alignment: 8 for multiples of 8, else 4, else 2. */
	if (!(size & 7))
		off = ALIGN(off, 8);
	else if (!(size & 3))
		off = ALIGN(off, 4);
	else if (!(size & 1))
		off = ALIGN(off, 2);
	if (mc->tiny && off + size <= GOALLOC_TINY_SIZE) {
		s = mc->tinyspan;
		idx = goalloc_mspan_obj_index(s, mc->tiny);
		WRITE_ONCE(s->tiny->alloc[idx], s->tiny->alloc[idx] | BIT(off));
		mc->tinyoffset = off + size;
		mc->tiny_allocs++;
		return mc->tiny + off;
	}

	/* A new 16 B block from the tiny span class. */
	s = mc->alloc[spc];
	v = goalloc_mspan_next_free_fast(s);
	if (unlikely(!v)) {
		v = alloc_slow(mcp, spc, 0, flags, &s);
		mc = *mcp;
		if (!v)
			return 0;
	}
	mc->nmalloc[GOALLOC_TINY_SIZE_CLASS]++;
	goalloc_kasan_unpoison((void *)v, GOALLOC_TINY_SIZE, GOALLOC_TINY_SIZE);
	memset((void *)v, 0, GOALLOC_TINY_SIZE);
	idx = goalloc_mspan_obj_index(s, v);
	WRITE_ONCE(s->tiny->alloc[idx], BIT(0));
	/* Keep whichever block has more room left, as Go does. */
	if (!mc->tiny || size < mc->tinyoffset) {
		if (mc->tiny)
			goalloc_tiny_retire(mc->tinyspan, mc->tiny);
		mc->tiny = v;
		mc->tinyspan = s;
		mc->tinyoffset = size;
	} else {
		goalloc_tiny_retire(s, v);
	}
	return v;
}

/**
 * goalloc_alloc() - allocate an object
 * @size: bytes wanted, 1..GOALLOC_MAX_OBJECT_SIZE
 * @flags: GOALLOC_NOSCAN (pointer-free: objects under 16 B share 16 B
 *	blocks), GOALLOC_ZERO (zeroed memory; skipped where the memory is known
 *	to be fresh), GOALLOC_NOWAIT (never sleep; fail instead of growing)
 *
 * Context: task context (not hard or soft interrupt: the per-CPU cache is
 * guarded by a plain local_lock).  May sleep unless GOALLOC_NOWAIT.
 * Return: the object, ZERO_SIZE_PTR for @size 0, or NULL when the heap is at
 * its cap, the kernel has no memory, or @size or @flags are invalid.
 */
void *goalloc_alloc(size_t size, unsigned int flags)
{
	struct goalloc_mcache *mc;
	struct goalloc_mspan *s;
	unsigned long v;
	u8 sizeclass, spc;
	bool needzero;

	if (unlikely(flags & ~GOALLOC_FLAGS_MASK))
		return NULL;
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(size > GOALLOC_MAX_SMALL_SIZE)) {
		if (size > GOALLOC_MAX_OBJECT_SIZE)
			return NULL;
		return alloc_large(size, flags);
	}

	local_lock(&goalloc_mcaches->lock);
	mc = this_cpu_ptr(goalloc_mcaches);
	if ((flags & GOALLOC_NOSCAN) && size < GOALLOC_TINY_SIZE) {
		v = alloc_tiny(&mc, size, flags);
		local_unlock(&goalloc_mcaches->lock);
		return (void *)v;
	}
	sizeclass = goalloc_size_to_class(size);
	spc = goalloc_make_spanclass(sizeclass, flags & GOALLOC_NOSCAN);
	s = mc->alloc[spc];
	v = goalloc_mspan_next_free_fast(s);
	if (unlikely(!v)) {
		v = alloc_slow(&mc, spc, 0, flags, &s);
		if (!v) {
			local_unlock(&goalloc_mcaches->lock);
			return NULL;
		}
	}
	mc->nmalloc[sizeclass]++;
	needzero = s->needzero;
	local_unlock(&goalloc_mcaches->lock);

	goalloc_kasan_unpoison((void *)v, size, goalloc_class_to_size[sizeclass]);
	if ((flags & GOALLOC_ZERO) && needzero)
		memset((void *)v, 0, size);
	return (void *)v;
}
EXPORT_SYMBOL_GPL(goalloc_alloc);

/**
 * goalloc_free() - free an object
 * @p: an object from goalloc_alloc(), or NULL / ZERO_SIZE_PTR (ignored)
 *
 * Small objects are marked dead with one atomic bit operation and reclaimed
 * when their span is next swept; a tiny object's 16 B block dies with its
 * last object; a large object's span goes straight back to the heap.
 * Double frees, pointers inside an object and pointers goalloc does not own
 * are detected, reported once and refused without touching anything.
 *
 * Context: task context, any CPU (not necessarily the allocating one).
 * Return: 0; -EINVAL for a pointer that is not a live object's start;
 * -EALREADY for an object that is already free.
 */
int goalloc_free(const void *p)
{
	unsigned long addr = (unsigned long)p;
	struct goalloc_mspan *s;
	u8 sizeclass;
	u16 idx;
	int err;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return 0;
	rcu_read_lock();
	s = goalloc_span_of(addr);
	if (unlikely(!s || READ_ONCE(s->state) == GOALLOC_MSPAN_MANUAL)) {
		rcu_read_unlock();
		return bad_free(-EINVAL, p, goalloc_mheap_owns(addr) ?
				"free of unallocated pointer" : "free of foreign pointer");
	}
	sizeclass = goalloc_spanclass_sizeclass(s->spanclass);
	idx = goalloc_mspan_obj_index(s, addr);

	if (unlikely(!sizeclass)) {
		if (addr != s->base) {
			rcu_read_unlock();
			return bad_free(-EINVAL, p, "free of interior pointer");
		}
		/*
		 * Claim the large span: exactly one freer wins.  The mspan may
		 * have been freed and reused since the lookup (typesafe by
		 * RCU), so check it is still this object's after claiming.
		 */
		if (cmpxchg(&s->state, GOALLOC_MSPAN_IN_USE, GOALLOC_MSPAN_FREEING) !=
		    GOALLOC_MSPAN_IN_USE) {
			rcu_read_unlock();
			return bad_free(-EALREADY, p, "double free of");
		}
		if (unlikely(s->base != addr || s->spanclass >> 1)) {
			WRITE_ONCE(s->state, GOALLOC_MSPAN_IN_USE);
			rcu_read_unlock();
			return bad_free(-EALREADY, p, "double free of");
		}
		rcu_read_unlock();
		this_cpu_inc(goalloc_mcaches->large_frees);
		this_cpu_add(goalloc_mcaches->large_free_bytes, s->elemsize);
		atomic64_sub(s->elemsize, &goalloc_mheap.heap_live);
		goalloc_mheap_free_span(s);
		return 0;
	}

	if (s->tiny && READ_ONCE(s->tiny->alloc[idx])) {
		err = goalloc_tiny_free(s, addr, idx);
	} else if (addr != s->base + (unsigned long)idx * s->elemsize) {
		err = -EINVAL;
	} else {
		/*
		 * Poison before the mark bit is cleared: once it is, a sweep
		 * may hand the slot to someone else.
		 */
		if (IS_ENABLED(CONFIG_KASAN_GENERIC) && goalloc_mspan_is_allocated(s, idx) &&
		    test_bit(idx, s->gcmark_bits))
			goalloc_kasan_poison(p, s->elemsize, GOALLOC_KASAN_FREE);
		err = goalloc_mspan_free_index(s, idx);
		if (!err)
			this_cpu_inc(goalloc_mcaches->nfree[sizeclass]);
		if (unlikely(!err && READ_ONCE(s->central_full)))
			goalloc_mcentral_free_in_full(s);
	}
	rcu_read_unlock();
	if (unlikely(err))
		return bad_free(err, p, err == -EALREADY ? "double free of" :
				"free of interior or unallocated pointer");
	return 0;
}
EXPORT_SYMBOL_GPL(goalloc_free);

/**
 * goalloc_usable_size() - bytes usable at an object
 * @p: a live object from goalloc_alloc()
 *
 * Context: any task context.
 * Return: the slot size (size class, or whole pages for large objects; 16 B
 * blocks are shared by tiny objects, so the rest of the block for those), or
 * 0 if @p is not a goalloc object.
 */
size_t goalloc_usable_size(const void *p)
{
	unsigned long addr = (unsigned long)p;
	struct goalloc_mspan *s;
	size_t n = 0;
	u16 idx;

	rcu_read_lock();
	s = goalloc_span_of(addr);
	if (s && READ_ONCE(s->state) == GOALLOC_MSPAN_IN_USE) {
		idx = goalloc_mspan_obj_index(s, addr);
		n = s->base + (unsigned long)(idx + 1) * s->elemsize - addr;
		/* As ksize() does: the caller may now use all of it. */
		if (addr == s->base + (unsigned long)idx * s->elemsize)
			goalloc_kasan_unpoison(p, n, n);
	}
	rcu_read_unlock();
	return n;
}
EXPORT_SYMBOL_GPL(goalloc_usable_size);

/**
 * goalloc_drain() - empty every CPU's mcache and page cache into the heap
 *
 * Context: process context, may sleep.
 */
void goalloc_drain(void)
{
	goalloc_mcache_drain_all();
}
EXPORT_SYMBOL_GPL(goalloc_drain);

/**
 * goalloc_gc() - a full sweep: the analogue of a Go GC cycle's sweep
 *
 * Drains the per-CPU caches (sweeping their spans), starts a new cycle and
 * sweeps every span, so every freed object is reclaimed and every empty
 * span is back in the heap when it returns.
 *
 * Context: process context, may sleep.
 */
void goalloc_gc(void)
{
	goalloc_mcache_drain_all();
	goalloc_stack_free_large_spans();
	goalloc_sweep_cycle(true);
}
EXPORT_SYMBOL_GPL(goalloc_gc);

/**
 * goalloc_release() - give every free arena back to the kernel
 *
 * Drains the per-CPU caches and runs a full sweep cycle first.
 *
 * Context: process context, may sleep.
 * Return: bytes released.
 */
unsigned long goalloc_release(void)
{
	goalloc_mcache_drain_all();
	goalloc_stack_free_large_spans();
	/* A full cycle first, so objects freed since the last one count. */
	goalloc_sweep_cycle_norelease(true);
	return goalloc_mheap_release(true);
}
EXPORT_SYMBOL_GPL(goalloc_release);
