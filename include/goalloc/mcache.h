/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcache: a CPU's span of every span class and its tiny block (Go's
 * mcache.go), in struct goalloc_p under the p lock (proc.h).  mcache.c
 * also owns a p's lifetime: setup, drain and CPU hotplug.
 */
#ifndef _GOALLOC_MCACHE_H
#define _GOALLOC_MCACHE_H

#include "goalloc/span.h"

struct goalloc_p;

/**
 * struct goalloc_mcache - per-CPU allocation cache
 * @alloc: current span of every span class; the empty span when none
 * @tiny: address of the current tiny block, 0 when none
 * @tinyspan: span holding @tiny
 * @tinyalloc: &@tinyspan->tiny->alloc[] of @tiny: the fast path's alloc mask
 * @tinyoffset: first free byte in @tiny; GOALLOC_TINY_SIZE when there is no
 *	block, so the fast path needs no test of @tiny
 * @flushgen: sweepgen at which this cache last released its spans
 * @traced: the goalloc_alloc event is on: @alloc holds the empty span for
 *	every class and @tinyoffset reads as full, so both fast paths fail;
 *	the cache's real spans and tiny offset wait in @traced_alloc and
 *	@traced_tinyoffset (malloc.c's alloc_traced() swaps one class in)
 * @trace_in: alloc_traced() has its class swapped in (never seen outside
 *	the p lock: it swaps back before the lock is dropped)
 * @detoured: refill just detoured an allocation (the CPU is traced)
 * @detour_noscan: noscan of the allocation malloc.c's alloc_slow() last
 *	gave up on, detoured or failed
 * @detour_gfp: its gfp; these three are set by alloc_slow() and read by
 *	alloc_failed() (@detoured also by alloc_traced()) with the p lock
 *	held throughout, so no other allocation, an interrupt's included,
 *	comes in between
 * @traced_tinyoffset: see @traced
 * @traced_alloc: see @traced; the empty span everywhere when not @traced
 */
struct goalloc_mcache {
	struct goalloc_mspan *alloc[GOALLOC_NUM_SPAN_CLASSES];
	unsigned long tiny;
	struct goalloc_mspan *tinyspan;
	u32 *tinyalloc;
	u16 tinyoffset;
	u32 flushgen;
	bool traced;
	bool trace_in;
	bool detoured;
	bool detour_noscan;
	gfp_t detour_gfp;
	u16 traced_tinyoffset;
	struct goalloc_mspan *traced_alloc[GOALLOC_NUM_SPAN_CLASSES];
};

/**
 * struct goalloc_census_class - one span class at a census (goalloc_census())
 * @size: the class's object size (Go's class_to_size)
 * @npages: runtime pages per span
 * @nobjs: slots per span
 * @spans: spans in use: on the class's mcentral lists or cached by an mcache
 * @cached: of @spans, those an mcache caches
 * @partial: of @spans, those on a partial list (swept or not)
 * @slots: slots of @spans
 * @alloc: their allocated slots: live, or died since the span was swept
 * @live: their slots holding a live object
 * @cached_free: free slots of the @cached spans
 * @empty: spans with no live object: on a list (swept or not, so maybe
 *	not yet known to be empty)
 * @cached_empty: cached spans with no live object
 */
struct goalloc_census_class {
	u32 size;
	u32 npages;
	u32 nobjs;
	u32 spans;
	u32 cached;
	u32 partial;
	u32 slots;
	u32 alloc;
	u32 live;
	u32 cached_free;
	u32 empty;
	u32 cached_empty;
};

/**
 * struct goalloc_census - where the heap's pages are
 * @cls: the spans of every span class
 * @pages_owned: runtime pages the heap owns
 * @pages_inuse: of those, in in-use spans (small and large)
 * @pages_manual: of those, in stack spans
 * @pages_free: of those, free in the page allocator
 * @pages_pcache: of those, free in the per-CPU page caches
 * @nspans: mspans in existence
 */
struct goalloc_census {
	struct goalloc_census_class cls[GOALLOC_NUM_SPAN_CLASSES];
	unsigned long pages_owned;
	unsigned long pages_inuse;
	unsigned long pages_manual;
	unsigned long pages_free;
	unsigned long pages_pcache;
	long nspans;
};

/*
 * What refill returns (as *sp's ERR_PTR) when its CPU is traced: the
 * caller's failure path hands the allocation to alloc_traced().
 */
#define GOALLOC_MCACHE_TRACED	(-ECANCELED)

extern struct goalloc_mspan goalloc_emptymspan;

int goalloc_mcache_init(void);
void goalloc_mcache_exit(void);
unsigned long goalloc_mcache_refill(struct goalloc_p *pp, u8 spanclass,
				    struct goalloc_mspan **sp);
void goalloc_mcache_release_all(struct goalloc_p *pp);
unsigned int goalloc_mcache_release_idle(struct goalloc_p *pp);
void goalloc_mcache_drain_cpu(int cpu);
void goalloc_mcache_drain_all(void);
void goalloc_census(struct goalloc_census *cs);
void goalloc_mcache_set_traced(bool on);
void goalloc_mcache_trace_enter(struct goalloc_mcache *mc, u8 spanclass);
void goalloc_mcache_trace_leave(struct goalloc_mcache *mc, u8 spanclass);

/* The slot that holds @spanclass's span: its stash while traced. */
static inline struct goalloc_mspan **
goalloc_mcache_slot(struct goalloc_mcache *mc, u8 spanclass)
{
	return mc->traced ? &mc->traced_alloc[spanclass] : &mc->alloc[spanclass];
}

#endif /* _GOALLOC_MCACHE_H */
