// SPDX-License-Identifier: GPL-2.0
/*
 * The allocation entry points (Go's malloc.go mallocgc, with an explicit
 * free in place of the garbage collector's mark phase).
 *
 * Tiers: tiny (noscan, < 16 B) bump-allocates in the mcache's 16 B block;
 * small (<= 32 KiB) takes a slot of the mcache's span of its span class;
 * large (> 32 KiB) gets a span of its own from the heap (via the per-CPU
 * page cache when short).  Only this CPU's p lock is taken on the fast
 * paths; no atomic instruction is executed there.
 *
 * Contexts: goalloc_free() may be called from any context but NMI, as
 * kfree(); goalloc_alloc() from any context when its gfp does not allow
 * blocking (GFP_NOWAIT, GFP_ATOMIC), as kmalloc().  So every lock that an
 * allocation or a free can reach is irq-safe: the p lock is
 * local_lock_irqsave() (an interrupt on this CPU must not find the mcache
 * half updated), and the spinlocks below it are taken with interrupts
 * off.  The free fast path takes no lock (a mark bit and this_cpu_inc(),
 * both interrupt-safe).  Whatever sleeps (heap growth, the sweep cycle, the
 * scavenger) runs in task context only: an allocation that cannot sleep
 * fails where the heap would have to grow and leaves the growth to a work
 * item (goalloc_grow_work below).
 *
 * Lock order, outermost first, for all of goalloc (the one place it is
 * written; other files refer here):
 *
 *   goalloc_file.lock (chardev.c)  one /dev/goalloc file's handles and quota
 *   goalloc_trace_mutex (trace.c)  the alloc/free detours' switches; taken
 *                                  in the tracepoints' register callbacks,
 *                                  under the kernel's tracepoints_mutex, and
 *                                  holds cpus_read_lock() (and waits for the
 *                                  per-CPU switch work) or grow_mutex
 *   goalloc_sweeper.mutex          one sweep cycle or release pass at a time
 *   goalloc_mheap.grow_mutex       arena growth and release (allocates and
 *                                  frees 4 MiB blocks)
 *   p.lock (local_lock_irqsave)    this CPU's struct goalloc_p: mcache (its
 *                                  trace stash and detour state too), heap
 *                                  cache, stack cache, counters
 *   goalloc_stackpool[order].lock  the pool's span list and the free lists
 *                                  of its spans
 *   goalloc_central[spc].lock      an mcentral's partial/full lists and
 *                                  counts, and its spans' central_full
 *   goalloc_mheap.lock             the page allocator, the arenas' span
 *                                  tables and zeroed/idle marks, the chunk
 *                                  and page counters, sweepgen
 *
 * The first four may sleep; nothing that may sleep runs under the last
 * four, and all four are held with interrupts off (spin_lock_irqsave(), or
 * plain spin_lock() where the p lock already disabled them): an interrupt
 * may take the p lock, an mcentral lock or mheap.lock on the same CPU, and
 * a stackpool lock, though task-only, nests inside the p lock.  Arena
 * growth happens with every lock dropped: the allocation path unwinds with
 * -EAGAIN, grows, and retries (as SLUB drops its cpu lock around
 * new_slab()).  Lock-free: the free path's lookups (mheap.h), mark bits
 * and tiny block states (atomic bit operations, tiny.h), the free counters
 * (this_cpu_inc), heap_live (atomic), and the
 * statistics readers (racy sums, stats.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <kunit/visibility.h>

#include <goalloc.h>
#include <trace/events/goalloc.h>
#include "goalloc/kasan.h"
#include "goalloc/malloc.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/tiny.h"
#include "goalloc/trace.h"

/* See malloc.h. */
bool goalloc_warn_bad_free = true;
EXPORT_SYMBOL_IF_KUNIT(goalloc_warn_bad_free);
atomic_long_t goalloc_bad_frees;
EXPORT_SYMBOL_IF_KUNIT(goalloc_bad_frees);
atomic_long_t goalloc_grow_retries_out;

/*
 * The alloc word bits of a tiny object of n bytes at offset 0 (its start and
 * its last byte, see tiny.h); shifted left by the offset for any other.
 * A table: one load on the tiny fast path instead of a second variable shift.
 */
#define TINY_SHAPE(n)	(BIT(0) | BIT(GOALLOC_TINY_END_SHIFT - 1 + (n)))
static const u32 tiny_shape[GOALLOC_TINY_SIZE] = {
	TINY_SHAPE(0), TINY_SHAPE(1), TINY_SHAPE(2), TINY_SHAPE(3),
	TINY_SHAPE(4), TINY_SHAPE(5), TINY_SHAPE(6), TINY_SHAPE(7),
	TINY_SHAPE(8), TINY_SHAPE(9), TINY_SHAPE(10), TINY_SHAPE(11),
	TINY_SHAPE(12), TINY_SHAPE(13), TINY_SHAPE(14), TINY_SHAPE(15),
};

/*
 * The events where untraced allocations and frees pass too (large ones):
 * a static-key test in place, the event itself out of line, so that with
 * the event off neither its arguments nor its code change the path.
 */
static noinline __cold void trace_alloc_event(unsigned long ip, void *p, size_t size,
					      size_t bytes, gfp_t gfp, bool noscan)
{
	trace_goalloc_alloc(ip, p, size, bytes, gfp, noscan);
}

static __always_inline void trace_alloc(unsigned long ip, void *p, size_t size,
					size_t bytes, gfp_t gfp, bool noscan)
{
	if (trace_goalloc_alloc_enabled())
		trace_alloc_event(ip, p, size, bytes, gfp, noscan);
}

static noinline __cold void trace_free_event(unsigned long ip, const void *p)
{
	trace_goalloc_free(ip, p);
}

static noinline __cold int bad_free(int err, const void *p, const char *what)
{
	atomic_long_inc(&goalloc_bad_frees);
	WARN_ONCE(READ_ONCE(goalloc_warn_bad_free), "goalloc: %s %p\n", what, p);
	return err;
}

/*
 * The kernel's check that a caller who may sleep is allowed to: lockdep's
 * reclaim annotation and might_sleep_if(), which report a blocking gfp in
 * atomic context on debug kernels.  Without DEBUG_ATOMIC_SLEEP and lockdep
 * might_alloc() checks nothing and is only a voluntary preemption point, a
 * static call to __cond_resched() per allocation on a PREEMPT_VOLUNTARY
 * kernel (14 of the 133 instructions of a 64 B pair under make bench);
 * goalloc's fast path never sleeps, so production kernels skip it.
 */
static __always_inline void goalloc_might_alloc(gfp_t gfp)
{
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) || IS_ENABLED(CONFIG_LOCKDEP))
		might_alloc(gfp);
}

/* gfp bits goalloc cannot honour: its memory is ZONE_NORMAL and may run out. */
#define GOALLOC_GFP_REFUSED	(GFP_ZONEMASK | __GFP_NOFAIL)

/*
 * Growth for callers that cannot sleep: grow_mutex and alloc_pages() with
 * reclaim are task-context business, so such an allocation fails (as
 * kmalloc(GFP_ATOMIC) does when no page is at hand) and this work item
 * grows the heap by the largest run asked for meanwhile, so the next
 * attempt finds room.
 */
static atomic_t grow_npages = ATOMIC_INIT(0);

static void grow_work_fn(struct work_struct *work)
{
	u32 npages = atomic_xchg(&grow_npages, 0);

	if (npages)
		goalloc_mheap_grow(npages);
}

struct work_struct goalloc_grow_work = __WORK_INITIALIZER(goalloc_grow_work, grow_work_fn);
EXPORT_SYMBOL_IF_KUNIT(goalloc_grow_work);

static void grow_later(u32 npages)
{
	int old = atomic_read(&grow_npages);

	do {
		if (old >= npages)
			break;
	} while (!atomic_try_cmpxchg(&grow_npages, &old, npages));
	queue_work(system_unbound_wq, &goalloc_grow_work);
}

/**
 * goalloc_malloc_exit() - wait for a deferred heap growth to finish
 *
 * Context: module exit, no caller left; may sleep.
 */
void goalloc_malloc_exit(void)
{
	cancel_work_sync(&goalloc_grow_work);
}

/*
 * Grow for a caller that may sleep, in the reclaim scope its gfp asks for:
 * a GFP_NOFS or GFP_NOIO caller must not recurse into the filesystem or
 * block layer through growth's own GFP_KERNEL.
 */
static int grow_may_sleep(u32 npages, gfp_t gfp)
{
	unsigned int scope = 0;
	int err;

	if (!(gfp & __GFP_FS))
		scope |= PF_MEMALLOC_NOFS;
	if (!(gfp & __GFP_IO))
		scope |= PF_MEMALLOC_NOIO;
	scope = memalloc_flags_save(scope);
	err = goalloc_mheap_grow(npages);
	memalloc_flags_restore(scope);
	return err;
}

/*
 * Grow the heap with the p lock dropped (interrupt state *@irqf
 * restored meanwhile), for alloc_slow() when its gfp allows blocking; the
 * caller starts over on whatever CPU it is on then (*@ppp).  A traced
 * allocation (alloc_traced()) swaps its span back first: an allocation
 * that runs meanwhile on this CPU, a task's or an interrupt's, must find
 * the CPU traced and its real spans in the stash.  Out of line, so that
 * the tracing leaves alloc_slow()'s other paths as they were.  Context:
 * task context; the p lock held on entry and on return, dropped
 * meanwhile.  Return: as goalloc_mheap_grow().
 */
static noinline int alloc_grow(struct goalloc_p **ppp, u8 spanclass, u32 grow,
			       gfp_t gfp, unsigned long *irqf)
{
	struct goalloc_p *pp = *ppp;
	bool entered = pp->mcache.trace_in;
	int err;

	if (entered)
		goalloc_mcache_trace_leave(&pp->mcache, spanclass);
	local_unlock_irqrestore(&goalloc_allp->lock, *irqf);
	err = grow_may_sleep(grow, gfp);
	local_lock_irqsave(&goalloc_allp->lock, *irqf);
	*ppp = pp = this_cpu_ptr(goalloc_allp);
	/* Tracing may have been turned off meanwhile, or be on for this CPU. */
	if (entered && pp->mcache.traced)
		goalloc_mcache_trace_enter(&pp->mcache, spanclass);
	return err;
}

/*
 * The slow path: refill or large span; the heap may have to grow.  @err is
 * the error of an attempt the caller already made (0: none yet).  @irqf is
 * the caller's saved interrupt state for the p lock, which is dropped
 * around growth.
 */
static unsigned long alloc_slow(struct goalloc_p **ppp, u8 spanclass,
				u32 npages, gfp_t gfp, unsigned long *irqf,
				struct goalloc_mspan **sp, int err)
{
	struct goalloc_p *pp = *ppp;
	struct goalloc_mspan *s;
	bool released = false;
	unsigned long v;
	u32 grow;
	int tries;

	/*
	 * Each round gives empty spans back, grows the heap, or finds that
	 * someone else did; a few rounds settle any race, and the bound
	 * guarantees progress.
	 */
	for (tries = 0; tries < 8; tries++) {
		if (!err) {
			if (npages) {
				s = goalloc_mheap_alloc_span(&pp->heap, npages, spanclass,
							     GOALLOC_MSPAN_IN_USE);
				v = IS_ERR(s) ? 0 : s->base;
			} else {
				v = goalloc_mcache_refill(pp, spanclass, &s);
			}
			if (v) {
				*sp = s;
				return v;
			}
			err = PTR_ERR(s);
		}
		if (err != -EAGAIN) {
			/* A traced CPU's detour: alloc_failed() takes over. */
			pp->mcache.detoured = err == GOALLOC_MCACHE_TRACED;
			goto fail;
		}
		/*
		 * Before growing, spans with nothing live in them go back to
		 * the heap, this mcache's and the mcentrals'; once, so growth
		 * still comes.
		 */
		if (!released) {
			released = true;
			if (goalloc_mcache_release_idle(pp) + goalloc_mcentral_free_empty()) {
				err = 0;
				continue;
			}
		}
		grow = npages ?: goalloc_class_to_allocnpages[spanclass >> 1];
		if (!gfpflags_allow_blocking(gfp)) {
			grow_later(grow);
			goto fail;
		}
		/* Grow with no lock held, then start over on whatever CPU. */
		err = alloc_grow(ppp, spanclass, grow, gfp, irqf);
		pp = *ppp;
		if (err)
			goto fail;
		if (!npages) {
			/* Another task may have refilled this CPU's span. */
			v = goalloc_mspan_next_free_fast(pp->mcache.alloc[spanclass]);
			if (v) {
				*sp = pp->mcache.alloc[spanclass];
				return v;
			}
		}
	}
	atomic_long_inc(&goalloc_grow_retries_out);
fail:
	/*
	 * For alloc_failed(), which the tiny and small slow paths call with
	 * the p lock still held: the caller's gfp and noscan (the span
	 * class's low bit), for the detoured allocation or the failure's
	 * event.  An interrupt on this CPU cannot come in between.
	 */
	pp->mcache.detour_gfp = gfp;
	pp->mcache.detour_noscan = spanclass & 1;
	return 0;
}

/*
 * Inlined into alloc_other(), which goalloc_alloc() and
 * goalloc_alloc_noscan() tail-call: _RET_IP_ is their caller.  With the
 * event off, its NOP is the one cost tracing adds to a large allocation.
 */
static __always_inline void *alloc_large(size_t size, gfp_t gfp, bool noscan)
{
	u32 npages = DIV_ROUND_UP(size, GOALLOC_PAGE_SIZE);
	u8 spc = goalloc_make_spanclass(0, noscan);
	struct goalloc_mspan *s;
	struct goalloc_p *pp;
	unsigned long v, irqf;

	local_lock_irqsave(&goalloc_allp->lock, irqf);
	pp = this_cpu_ptr(goalloc_allp);
	/* The first try here: alloc_slow() only when the heap must grow. */
	s = goalloc_mheap_alloc_span(&pp->heap, npages, spc, GOALLOC_MSPAN_IN_USE);
	if (!IS_ERR(s))
		v = s->base;
	else
		v = alloc_slow(&pp, spc, npages, gfp, &irqf, &s, PTR_ERR(s));
	if (v) {
		pp->stats.large_allocs++;
		pp->stats.large_alloc_bytes += (u64)npages << GOALLOC_PAGE_SHIFT;
	}
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);
	if (!v) {
		trace_alloc(_RET_IP_, NULL, size, 0, gfp, noscan);
		return NULL;
	}
	atomic64_add((u64)npages << GOALLOC_PAGE_SHIFT, &goalloc_pacer.heap_live);
	goalloc_kasan_unpoison((void *)v, size, (size_t)npages << GOALLOC_PAGE_SHIFT);
	if ((gfp & __GFP_ZERO) && s->needzero)
		memset((void *)v, 0, size);
	trace_alloc(_RET_IP_, (void *)v, size, (size_t)npages << GOALLOC_PAGE_SHIFT, gfp, noscan);
	goalloc_maybe_start_cycle();
	return (void *)v;
}

static void *alloc_failed(size_t size, unsigned long irqf, unsigned long ip);

/*
 * A new tiny block: a 16 B slot of the tiny span class, Go's mallocgcTiny
 * past its fast path.  Return: the slot, or 0 (*@ppp may then be another
 * CPU's p, see alloc_slow()).  Context: the p lock held, taken with
 * interrupt state *@irqf (dropped and retaken if the heap grows).
 */
static __always_inline unsigned long tiny_block(struct goalloc_p **ppp, size_t size,
						gfp_t gfp, unsigned long *irqf)
{
	u8 spc = goalloc_make_spanclass(GOALLOC_TINY_SIZE_CLASS, true);
	struct goalloc_p *pp = *ppp;
	struct goalloc_mspan *s = pp->mcache.alloc[spc];
	unsigned long v = goalloc_mspan_next_free_fast(s);
	struct goalloc_mcache *mc;
	u16 idx;

	if (unlikely(!v)) {
		v = alloc_slow(ppp, spc, 0, gfp, irqf, &s, 0);
		if (!v)
			return 0;
		pp = *ppp;
	}
	mc = &pp->mcache;
	pp->stats.nmalloc[GOALLOC_TINY_SIZE_CLASS]++;
	goalloc_kasan_unpoison((void *)v, GOALLOC_TINY_SIZE, GOALLOC_TINY_SIZE);
	memset((void *)v, 0, GOALLOC_TINY_SIZE);
	/*
	 * Keep whichever block has more room left, as Go does (no block at
	 * all reads as a full one: tinyoffset is GOALLOC_TINY_SIZE then).  A
	 * block Go would retire at once never holds a second object: it stays
	 * a plain 16 B object of the same class (alloc mask 0), freed like
	 * any small object, so it needs no block state.
	 */
	if (size < mc->tinyoffset) {
		struct goalloc_tiny_blocks *t = s->tiny;

		idx = goalloc_mspan_obj_index(s, v);
		/* The slot's last block left its complete state word behind. */
		atomic_set(&t->state[idx], 0);
		WRITE_ONCE(t->alloc[idx], tiny_shape[size]);
		/* The block's objects so far are its accessible prefix. */
		goalloc_kasan_unpoison((void *)v, size, GOALLOC_TINY_SIZE);
		if (mc->tiny)
			goalloc_tiny_retire(mc->tinyspan, mc->tiny);
		mc->tiny = v;
		mc->tinyspan = s;
		mc->tinyalloc = &t->alloc[idx];
		mc->tinyoffset = size;
	}
	return v;
}

/*
 * tiny_block() for goalloc_alloc_noscan()'s tiny fast path.  Context:
 * entered with the p lock held (interrupt state @irqf; by a tail call:
 * _RET_IP_ is goalloc_alloc_noscan()'s caller), which it releases.
 */
static noinline void *alloc_tiny_block(struct goalloc_p *pp, size_t size,
				       gfp_t gfp, unsigned long irqf)
	__releases(&goalloc_allp->lock)
{
	unsigned long v = tiny_block(&pp, size, gfp, &irqf);

	if (unlikely(!v))
		return alloc_failed(size, irqf, _RET_IP_);
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);
	return (void *)v;
}

/*
 * Tiny: Go's mallocgcTiny fast path, a bump inside the CPU's current 16 B
 * block.  Go aligns to 8 for multiples of 8, else 4, else 2: for sizes
 * below 16 that is the lowest set bit of the size.
 */
static __always_inline void *alloc_tiny(size_t size, gfp_t gfp)
{
	unsigned int align = size & -size, off;
	struct goalloc_mcache *mc;
	struct goalloc_p *pp;
	unsigned long v, irqf;

	local_lock_irqsave(&goalloc_allp->lock, irqf);
	pp = this_cpu_ptr(goalloc_allp);
	mc = &pp->mcache;
	off = ALIGN(mc->tinyoffset, align);
	if (unlikely(off + size > GOALLOC_TINY_SIZE))
		return alloc_tiny_block(pp, size, gfp, irqf);
	/* Only this mcache writes its block's alloc word: a plain store. */
	WRITE_ONCE(*mc->tinyalloc, *mc->tinyalloc | tiny_shape[size] << off);
	mc->tinyoffset = off + size;
	pp->stats.tiny_allocs++;
	v = mc->tiny + off;
	goalloc_kasan_unpoison((void *)mc->tiny, off + size, GOALLOC_TINY_SIZE);
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);
	return (void *)v;
}

/*
 * Small, when the span's alloc_cache window has no slot to give: refill.
 * Context: entered with the p lock held (from goalloc_alloc() by a tail
 * call, interrupt state @irqf), which it releases.
 */
static noinline void *alloc_small_slow(struct goalloc_p *pp, size_t size, gfp_t gfp,
				       unsigned long irqf, unsigned int spc)
	__releases(&goalloc_allp->lock)
{
	unsigned int sizeclass = spc >> 1;
	struct goalloc_mspan *s;
	unsigned long v;
	bool needzero;

	/* Usually the span just needs its window moved or a sweep in place. */
	v = goalloc_mcache_refill(pp, spc, &s);
	if (unlikely(!v))
		v = alloc_slow(&pp, spc, 0, gfp, &irqf, &s, PTR_ERR(s));
	if (!v)
		return alloc_failed(size, irqf, _RET_IP_);
	pp->stats.nmalloc[sizeclass]++;
	needzero = s->needzero;
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);

	goalloc_kasan_unpoison((void *)v, size, goalloc_class_to_size[sizeclass]);
	if ((gfp & __GFP_ZERO) && needzero)
		memset((void *)v, 0, size);
	return (void *)v;
}

/* Refused requests (and size 0), as kmalloc() reports them too. */
static noinline __cold void *alloc_refused(size_t size, gfp_t gfp, bool noscan,
					   unsigned long ip)
{
	void *p = size || (gfp & GOALLOC_GFP_REFUSED) ? NULL : ZERO_SIZE_PTR;

	trace_alloc(ip, p, size, 0, gfp, noscan);
	return p;
}

/*
 * Everything that is not small: size 0, refused gfp bits, large objects.
 * Reached by a tail call from goalloc_alloc() or goalloc_alloc_noscan():
 * _RET_IP_ is their caller.
 */
static noinline void *alloc_other(size_t size, gfp_t gfp, bool noscan)
{
	if (unlikely((gfp & GOALLOC_GFP_REFUSED) || !size || size > GOALLOC_MAX_OBJECT_SIZE))
		return alloc_refused(size, gfp, noscan, _RET_IP_);
	return alloc_large(size, gfp, noscan);
}

/*
 * Every tiny and small allocation while the goalloc_alloc event is on:
 * the fast paths of a traced CPU fail and refill sends their slow paths
 * here.  Serves the allocation from the CPU's real span (swapped in for
 * it, see goalloc_mcache_trace_enter()) as the fast and slow paths would,
 * then fires the event.  The swap is undone before the p lock is dropped
 * (here, or around a heap grow in alloc_grow()), and the lock is held with
 * interrupts off, so no other allocation on this CPU, an interrupt's
 * included, ever sees a class swapped in or enters here while one is.
 * @ip: the caller of goalloc_alloc() or goalloc_alloc_noscan().  Context:
 * entered with the p lock held (interrupt state @irqf), which it releases.
 */
static noinline void *alloc_traced(struct goalloc_p *pp, size_t size, gfp_t gfp,
				   bool noscan, unsigned long irqf, unsigned long ip)
	__releases(&goalloc_allp->lock)
{
	bool tiny = noscan && size < GOALLOC_TINY_SIZE;
	unsigned int sizeclass = tiny ? GOALLOC_TINY_SIZE_CLASS : goalloc_size_to_class(size);
	u8 spc = goalloc_make_spanclass(sizeclass, noscan);
	unsigned int off, align = size & -size;
	struct goalloc_mspan *s = NULL;
	struct goalloc_mcache *mc;
	bool needzero = false;
	size_t bytes = 0;
	unsigned long v;

again:
	mc = &pp->mcache;
	goalloc_mcache_trace_enter(mc, spc);
	off = ALIGN(mc->tinyoffset, align);
	if (tiny && off + size <= GOALLOC_TINY_SIZE) {
		/* alloc_tiny()'s bump. */
		WRITE_ONCE(*mc->tinyalloc, *mc->tinyalloc | tiny_shape[size] << off);
		mc->tinyoffset = off + size;
		pp->stats.tiny_allocs++;
		v = mc->tiny + off;
		goalloc_kasan_unpoison((void *)mc->tiny, off + size, GOALLOC_TINY_SIZE);
		bytes = size;
		goto out;
	}
	/* Grows may move the allocation (and its swap) to another CPU. */
	if (tiny) {
		v = tiny_block(&pp, size, gfp, &irqf);
		mc = &pp->mcache;
		/* A block kept for more objects holds this one's bytes only. */
		bytes = !v ? 0 : mc->tiny == v ? size : GOALLOC_TINY_SIZE;
		goto out;
	}
	s = mc->alloc[spc];
	v = goalloc_mspan_next_free_fast(s);
	if (!v) {
		v = goalloc_mcache_refill(pp, spc, &s);
		if (!v)
			v = alloc_slow(&pp, spc, 0, gfp, &irqf, &s, PTR_ERR(s));
		mc = &pp->mcache;
		if (!v)
			goto out;
	}
	pp->stats.nmalloc[sizeclass]++;
	needzero = s->needzero;
	bytes = goalloc_class_to_size[sizeclass];
out:
	/* Not entered when a grow ended on a CPU no longer traced. */
	if (mc->trace_in)
		goalloc_mcache_trace_leave(mc, spc);
	/*
	 * Nor when a later grow ended on a CPU traced again meanwhile: its
	 * refill detoured (v is 0), so serve the allocation there as traced.
	 */
	if (unlikely(mc->detoured)) {
		mc->detoured = false;
		goto again;
	}
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);
	if (v && !tiny) {
		goalloc_kasan_unpoison((void *)v, size, bytes);
		if ((gfp & __GFP_ZERO) && needzero)
			memset((void *)v, 0, size);
	}
	trace_goalloc_alloc(ip, (void *)v, size, bytes, gfp, noscan);
	return (void *)v;
}

/*
 * The tiny and small slow paths found no slot: a traced CPU detoured them,
 * or the allocation failed (alloc_slow() left which, and the caller's gfp
 * and noscan, in the mcache).  Out of line, and given only what the slow
 * paths hold anyway, so that they compile as they would without tracing.
 * @ip: the caller of goalloc_alloc() or goalloc_alloc_noscan().
 * Context: entered with the p lock held (interrupt state @irqf; the p is
 * this CPU's, wherever a grow left the caller), which it releases.
 */
static noinline void *alloc_failed(size_t size, unsigned long irqf, unsigned long ip)
	__releases(&goalloc_allp->lock)
{
	struct goalloc_mcache *mc = this_cpu_ptr(&goalloc_allp->mcache);
	bool noscan = mc->detour_noscan;
	gfp_t gfp = mc->detour_gfp;

	if (mc->detoured) {
		mc->detoured = false;
		return alloc_traced(this_cpu_ptr(goalloc_allp), size, gfp, noscan, irqf, ip);
	}
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);
	/* A failure is rare, and never silent when traced. */
	trace_alloc(ip, NULL, size, 0, gfp, noscan);
	return NULL;
}

/*
 * Small: Go's nextFreeFast on this CPU's span of the span class.  The
 * interrupt-off section is exactly the mcache update: KASAN and zeroing
 * run after it.
 */
static __always_inline void *alloc_small(size_t size, gfp_t gfp, bool noscan)
{
	unsigned int sizeclass = goalloc_size_to_class(size);
	unsigned int spc = sizeclass * 2 + noscan;
	struct goalloc_mspan *s;
	unsigned long v, irqf;
	bool zero;

	local_lock_irqsave(&goalloc_allp->lock, irqf);
	s = this_cpu_read(goalloc_allp->mcache.alloc[spc]);
	if (unlikely(!goalloc_mspan_take_fast(s, &v)))
		return alloc_small_slow(this_cpu_ptr(goalloc_allp), size, gfp, irqf, spc);
	this_cpu_inc(goalloc_allp->stats.nmalloc[sizeclass]);
	zero = (gfp & __GFP_ZERO) && s->needzero;
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);

	goalloc_kasan_unpoison((void *)v, size, goalloc_class_to_size[sizeclass]);
	if (unlikely(zero))
		memset((void *)v, 0, size);
	return (void *)v;
}

/**
 * goalloc_alloc() - allocate an object
 * @size: bytes wanted, 1..GOALLOC_MAX_OBJECT_SIZE
 * @gfp: GFP_KERNEL (may sleep to grow the heap), GFP_NOWAIT or GFP_ATOMIC
 *	(never sleeps; fails rather than grow the heap, and has it grown in
 *	the background), optionally with __GFP_ZERO (zeroed memory; skipped
 *	where the memory is known to be fresh) and __GFP_NOWARN (goalloc
 *	never warns).  A GFP_NOFS/GFP_NOIO caller's growth keeps to its
 *	reclaim scope.  Zone modifiers and __GFP_NOFAIL are refused.
 *
 * An object that may hold pointers: never tiny.  Pointer-free objects
 * come from goalloc_alloc_noscan().  Only the common case is inline: a
 * small slot from the alloc_cache window (Go's nextFreeFast); everything
 * else is out of line.
 *
 * Context: any context but NMI when @gfp does not allow blocking (task,
 * softirq, hardirq, spinlocks held, interrupts off), as kmalloc(); task
 * context otherwise, where it may sleep.  On PREEMPT_RT goalloc's locks
 * sleep, so not from hardirq or with interrupts off there.
 * Return: the object, ZERO_SIZE_PTR for @size 0, or NULL when the heap is at
 * its cap or would have to grow for a caller that cannot sleep, the kernel
 * has no memory, or @size or @gfp are invalid.
 */
void *goalloc_alloc(size_t size, gfp_t gfp)
{
	goalloc_might_alloc(gfp);
	/* size - 1 wraps for 0: one test for 0 and large. */
	if (unlikely(size - 1 >= GOALLOC_MAX_SMALL_SIZE || (gfp & GOALLOC_GFP_REFUSED)))
		return alloc_other(size, gfp, false);
	return alloc_small(size, gfp, false);
}
EXPORT_SYMBOL_GPL(goalloc_alloc);

/**
 * goalloc_alloc_noscan() - allocate a pointer-free object (Go's noscan)
 * @size: bytes wanted, 1..GOALLOC_MAX_OBJECT_SIZE
 * @gfp: as for goalloc_alloc()
 *
 * As goalloc_alloc(), for an object that holds no pointers: under 16 B it
 * is tiny, a bump inside the CPU's current 16 B block shared with other
 * tiny objects (Go's tiny allocator), and otherwise it comes from the
 * noscan span classes.
 *
 * Context: as goalloc_alloc().
 * Return: as goalloc_alloc().
 */
void *goalloc_alloc_noscan(size_t size, gfp_t gfp)
{
	goalloc_might_alloc(gfp);
	if (unlikely(size - 1 >= GOALLOC_MAX_SMALL_SIZE || (gfp & GOALLOC_GFP_REFUSED)))
		return alloc_other(size, gfp, true);
	if (size < GOALLOC_TINY_SIZE)
		return alloc_tiny(size, gfp);
	return alloc_small(size, gfp, true);
}
EXPORT_SYMBOL_GPL(goalloc_alloc_noscan);

/*
 * Mark slot @idx of @s dead: Go's mark bit, cleared with one atomic from any
 * CPU.  Context: RCU read side; @s in use, @addr the slot's start.
 * Return: 0, -EINVAL (slot not allocated) or -EALREADY.
 */
static __always_inline int free_slot(struct goalloc_mspan *s, unsigned long addr,
				     unsigned int sizeclass, unsigned int idx)
{
	int err;

	/*
	 * Poison before the mark bit is cleared: once it is, a sweep may hand
	 * the slot to someone else.  (The allocated test is repeated below;
	 * without KASAN this one compiles away.)
	 */
	if (IS_ENABLED(CONFIG_KASAN_GENERIC) && goalloc_mspan_is_allocated_fast(s, idx) &&
	    test_bit(idx, s->gcmark_bits))
		goalloc_kasan_poison((void *)addr, s->elemsize, GOALLOC_KASAN_FREE);
	err = goalloc_mspan_free_index(s, idx);
	if (likely(!err))
		goalloc_p_note_free(s, sizeclass);
	return err;
}

/* Claim a large object's span for free_large_span().  Context: RCU read side. */
static int free_large(struct goalloc_mspan *s, unsigned long addr)
{
	if (addr != s->base)
		return -EINVAL;
	/*
	 * Claim the large span: exactly one freer wins.  The mspan may have
	 * been freed and reused since the lookup (typesafe by RCU), so check
	 * it is still this object's after claiming.
	 */
	if (cmpxchg(&s->state, GOALLOC_MSPAN_IN_USE, GOALLOC_MSPAN_FREEING) !=
	    GOALLOC_MSPAN_IN_USE)
		return -EALREADY;
	if (unlikely(s->base != addr || s->spanclass >> 1)) {
		WRITE_ONCE(s->state, GOALLOC_MSPAN_IN_USE);
		return -EALREADY;
	}
	return 0;
}

/*
 * Free a large span claimed by free_large().  The claim makes it ours, so
 * this runs outside the RCU read side, under the p lock: its pages and
 * mspan may go to this CPU's caches.
 */
static void free_large_span(struct goalloc_mspan *s)
{
	struct goalloc_p *pp;
	unsigned long irqf;

	atomic64_sub(s->elemsize, &goalloc_pacer.heap_live);
	local_lock_irqsave(&goalloc_allp->lock, irqf);
	pp = this_cpu_ptr(goalloc_allp);
	pp->stats.large_frees++;
	pp->stats.large_free_bytes += s->elemsize;
	goalloc_mheap_free_span(&pp->heap, s);
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);
}

/*
 * Everything goalloc_free()'s fast path does not take: NULL and
 * ZERO_SIZE_PTR, foreign, unallocated and stack pointers, large objects,
 * spans of the tiny span class, arenas the lookup cache does not hold
 * (every arena while the goalloc_free event is on).
 * Context: RCU read side (preemption off), which it releases.
 */
static noinline int free_other(const void *p, struct goalloc_mspan *s)
	__releases(RCU_SCHED)
{
	unsigned long addr = (unsigned long)p;
	struct goalloc_tiny_blocks *t;
	u8 sizeclass, state;
	u32 alloc;
	u16 idx;
	int err;

	/*
	 * Every free while the event is on comes here (the arena lookup
	 * cache is off, see free_detour()); as kfree(), before any check.
	 * Reached by a tail call: _RET_IP_ is goalloc_free()'s caller.
	 */
	if (trace_goalloc_free_enabled())
		trace_free_event(_RET_IP_, p);
	if (unlikely(ZERO_OR_NULL_PTR(p))) {
		rcu_read_unlock_sched();
		return 0;
	}
	/* goalloc_span_of()'s lookup and checks; stacks are not objects. */
	if (!s)
		s = goalloc_span_lookup_index(addr);
	/* Pairs with the release that publishes a span in alloc_span. */
	state = s ? smp_load_acquire(&s->state) : GOALLOC_MSPAN_DEAD;
	if (state == GOALLOC_MSPAN_DEAD || state == GOALLOC_MSPAN_MANUAL ||
	    addr - s->base >= (unsigned long)s->npages << GOALLOC_PAGE_SHIFT) {
		rcu_read_unlock_sched();
		return bad_free(-EINVAL, p, goalloc_mheap_owns(addr) ?
				"free of unallocated pointer" : "free of foreign pointer");
	}
	sizeclass = goalloc_spanclass_sizeclass(s->spanclass);
	if (!sizeclass) {
		err = free_large(s, addr);
		rcu_read_unlock_sched();
		if (unlikely(err))
			return bad_free(err, p, err == -EALREADY ? "double free of" :
					"free of interior pointer");
		free_large_span(s);
		return 0;
	}
	idx = goalloc_mspan_obj_index(s, addr);
	/* s->tiny may be cleared by a racing span free: read it once. */
	t = READ_ONCE(s->tiny);
	alloc = t && idx < s->nelems ? READ_ONCE(t->alloc[idx]) : 0;
	if (idx >= s->nelems)
		err = -EINVAL;	/* the span's tail, past its last slot */
	else if (alloc)
		err = goalloc_tiny_free(s, t, addr, idx, alloc);
	else if (addr != s->base + (unsigned long)idx * s->elemsize)
		err = -EINVAL;
	else
		err = free_slot(s, addr, sizeclass, idx);
	rcu_read_unlock_sched();
	if (unlikely(err))
		return bad_free(err, p, err == -EALREADY ? "double free of" :
				"free of interior or unallocated pointer");
	return 0;
}

/*
 * A span of the tiny span class: its 16 B slots are tiny blocks (alloc mask
 * set) or plain 16 B noscan objects.  Context: RCU read side (preemption
 * off), which it releases; @s in use, @t its block states as read once by
 * the caller, and @off inside it.
 */
static noinline int free_tiny_class(const void *p, struct goalloc_mspan *s,
				    struct goalloc_tiny_blocks *t, unsigned long off)
	__releases(RCU_SCHED)
{
	unsigned int idx = off / GOALLOC_TINY_SIZE;	/* class 2 slots are 16 B */
	u32 alloc = READ_ONCE(t->alloc[idx]);
	int err;

	if (alloc)
		err = goalloc_tiny_free(s, t, (unsigned long)p, idx, alloc);
	else if (off % GOALLOC_TINY_SIZE)
		err = -EINVAL;
	else
		err = free_slot(s, (unsigned long)p, GOALLOC_TINY_SIZE_CLASS, idx);
	rcu_read_unlock_sched();
	if (unlikely(err))
		return bad_free(err, p, err == -EALREADY ? "double free of" :
				"free of interior or unallocated pointer");
	return 0;
}

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
 * The fast path is a small object of a span outside the tiny span class;
 * everything else, and every refusal, is out of line.
 *
 * Context: any context but NMI (task, softirq, hardirq, spinlocks held,
 * interrupts off), as kfree(); any CPU, not necessarily the allocating
 * one.  Never sleeps.  On PREEMPT_RT goalloc's locks sleep, so not from
 * hardirq or with interrupts off there.
 * Return: 0; -EINVAL for a pointer that is not a live object's start;
 * -EALREADY for an object that is already free.
 */
int goalloc_free(const void *p)
{
	unsigned long addr = (unsigned long)p, off;
	struct goalloc_mspan *s;
	unsigned int idx;
	int err;

	/*
	 * mspans and tiny block states are freed by RCU (SLAB_TYPESAFE_BY_RCU,
	 * kfree_rcu); a preempt-disabled region is a read side of the
	 * consolidated RCU and costs no call.  NULL and ZERO_SIZE_PTR find no
	 * span and are ignored in free_other().
	 */
	rcu_read_lock_sched();
	s = goalloc_span_lookup_fast(addr);
	/* Pairs with the release that publishes a span in alloc_span. */
	if (unlikely(!s || smp_load_acquire(&s->state) != GOALLOC_MSPAN_IN_USE))
		return free_other(p, s);
	/*
	 * Below s->base wraps to a huge offset: one test for both bounds, and
	 * the limit is 0 for large spans and the tiny span class (whose tiny
	 * blocks have a path of their own).
	 */
	off = addr - s->base;
	if (unlikely(off >= s->fast_free_limit)) {
		/* A racing span free may clear s->tiny: read it once. */
		struct goalloc_tiny_blocks *t = READ_ONCE(s->tiny);

		if (t && off < (unsigned long)s->npages << GOALLOC_PAGE_SHIFT)
			return free_tiny_class(p, s, t, off);
		return free_other(p, s);
	}
	if (unlikely(!goalloc_mspan_slot_start(s, off, &idx)))
		return free_other(p, s);
	err = free_slot(s, addr, s->spanclass >> 1, idx);
	rcu_read_unlock_sched();
	if (unlikely(err))
		return bad_free(err, p, err == -EALREADY ? "double free of" :
				"free of interior or unallocated pointer");
	return 0;
}
EXPORT_SYMBOL_GPL(goalloc_free);

/*
 * Bytes of the live tiny object at offset @off of a block with alloc word
 * @alloc and state word @state; 0 if no live object starts there.
 */
static size_t tiny_usable(u32 alloc, u32 state, unsigned int off)
{
	u32 ends = (alloc >> GOALLOC_TINY_END_SHIFT) >> off;

	if (!(alloc & BIT(off)) || (state & BIT(off)) || !ends)
		return 0;
	return __ffs(ends) + 1;
}

/**
 * goalloc_usable_size() - bytes the caller may use at an object
 * @p: an object from goalloc_alloc()
 *
 * Never counts a byte that another object may be given: for a small or
 * large object the whole slot (its size class, or whole pages), which no
 * other object shares; for a tiny object exactly the bytes it was
 * allocated with, since the rest of its 16 B block goes to other tiny
 * objects.  As ksize() does, the bytes returned become accessible to
 * KASAN; one byte further is still reported, unless it belongs to another
 * live object.
 *
 * Context: any context but NMI; lock-free.
 * Return: the usable bytes, or 0 if @p is not the start of a live object
 * (NULL, a foreign, interior, stack or tail pointer, a slot never handed
 * out, an object already freed).  An object freed concurrently may still
 * report its size: the caller owns the object it asks about.
 */
size_t goalloc_usable_size(const void *p)
{
	unsigned long addr = (unsigned long)p;
	struct goalloc_tiny_blocks *t;
	struct goalloc_mspan *s;
	unsigned int idx;
	size_t n = 0;
	u32 alloc;

	rcu_read_lock();
	s = goalloc_span_of(addr);
	if (!s || READ_ONCE(s->state) != GOALLOC_MSPAN_IN_USE)
		goto out;
	if (!goalloc_spanclass_sizeclass(s->spanclass)) {
		if (addr == s->base)
			n = s->elemsize;
		goto unpoison;
	}
	idx = goalloc_mspan_obj_index(s, addr);
	/* The span's tail, past its last slot, is no object. */
	if (idx >= s->nelems)
		goto out;
	t = READ_ONCE(s->tiny);
	alloc = t ? READ_ONCE(t->alloc[idx]) : 0;
	if (alloc) {
		/* Already accessible: a block's objects are its unpoisoned prefix. */
		n = tiny_usable(alloc, atomic_read(&t->state[idx]),
				(addr - s->base) % GOALLOC_TINY_SIZE);
		goto out;
	}
	if (addr != s->base + (unsigned long)idx * s->elemsize ||
	    !goalloc_mspan_is_allocated_fast(s, idx) || !test_bit(idx, s->gcmark_bits))
		goto out;
	n = s->elemsize;
unpoison:
	/* As ksize() does: the caller may now use all of it. */
	if (n)
		goalloc_kasan_unpoison(p, n, n);
out:
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
	goalloc_sweep_cycle(true);
}
EXPORT_SYMBOL_GPL(goalloc_gc);

/**
 * goalloc_release() - give every free page back to the kernel
 *
 * Drains the per-CPU caches and runs a full sweep cycle first.
 *
 * Context: process context, may sleep.
 * Return: bytes released.
 */
unsigned long goalloc_release(void)
{
	goalloc_mcache_drain_all();
	/* A full cycle first, so objects freed since the last one count. */
	goalloc_sweep_cycle_norelease(true);
	return goalloc_mheap_release(true);
}
EXPORT_SYMBOL_GPL(goalloc_release);

static void alloc_detour(bool on)
{
	goalloc_mcache_set_traced(on);
}

static void free_detour(bool on)
{
	/*
	 * With no arena in the lookup cache, goalloc_free()'s fast path
	 * finds no span and every free goes to free_other().  Frees that
	 * read the cache before it was emptied run under rcu_read_lock_sched():
	 * wait for them, so that none is untraced once the event is on.
	 */
	goalloc_mheap_set_lookup_cache(!on);
	if (on)
		synchronize_rcu();
}

static const struct goalloc_trace_ops goalloc_malloc_trace_ops = {
	.alloc_detour = alloc_detour,
	.free_detour = free_detour,
};

/**
 * goalloc_malloc_trace_init() - let the goalloc_alloc and goalloc_free
 *	events detour the fast paths
 *
 * Context: module init, after the mcaches are set up; may sleep.
 */
void goalloc_malloc_trace_init(void)
{
	goalloc_trace_attach(&goalloc_malloc_trace_ops);
}

/**
 * goalloc_malloc_trace_exit() - end any detour; the events stay defined
 *
 * Context: module exit, before the mcaches are drained; may sleep.
 */
void goalloc_malloc_trace_exit(void)
{
	goalloc_trace_detach();
}
