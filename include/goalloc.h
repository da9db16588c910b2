/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc: Go's tiered memory allocator as a kernel facility.
 *
 * Other modules allocate with goalloc_alloc() and give memory back with
 * goalloc_free().  As in Go, objects are not reclaimed one by one: a free
 * marks the object dead and sweeping (on refill, in the background when the
 * pacer starts a cycle, or by goalloc_gc()) makes its slot reusable.
 */
#ifndef _GOALLOC_H
#define _GOALLOC_H

#include <linux/gfp_types.h>
#include <linux/types.h>

/*
 * Allocations take the kernel's gfp_t: GFP_KERNEL (may sleep: the heap may
 * grow), GFP_NOWAIT or GFP_ATOMIC (never sleeps: callable from softirq,
 * hardirq and with interrupts off; fails with NULL where the heap would
 * have to grow, and has it grown in the background), __GFP_ZERO and
 * __GFP_NOWARN (goalloc never warns on failure).  Zone modifiers and
 * __GFP_NOFAIL are refused.  Pointer-free (Go's noscan) objects come from
 * goalloc_alloc_noscan(): a property of the object, not of the request.
 */

/* Largest object: one arena. */
#define GOALLOC_MAX_OBJECT_SIZE	(4UL << 20)

void *goalloc_alloc(size_t size, gfp_t gfp);
void *goalloc_alloc_noscan(size_t size, gfp_t gfp);
int goalloc_free(const void *p);
size_t goalloc_usable_size(const void *p);
void goalloc_gc(void);
void goalloc_drain(void);
unsigned long goalloc_release(void);

/**
 * struct goalloc_memstats - Go's runtime.MemStats fields goalloc keeps
 * @alloc: bytes of allocated heap objects (= @heap_alloc)
 * @total_alloc: cumulative bytes allocated
 * @sys: bytes obtained from the kernel (heap + metadata)
 * @mallocs: objects allocated (tiny objects included)
 * @frees: objects freed (tiny objects counted as Go does, see stats.c)
 * @heap_alloc: bytes of allocated heap objects
 * @heap_sys: bytes of heap address space (arenas grown, released included)
 * @heap_idle: bytes in spans not in use
 * @heap_inuse: bytes in in-use spans
 * @heap_released: bytes returned to the kernel
 * @heap_objects: allocated objects (@mallocs - @frees)
 * @stack_inuse: bytes in stack spans
 * @stack_sys: bytes of heap memory taken for stacks
 * @mspan_inuse: bytes of mspan structures in use
 * @mspan_sys: bytes obtained for mspan structures
 * @mcache_inuse: bytes of mcache structures
 * @mcache_sys: bytes obtained for mcache structures
 * @next_gc: heap_live at which the next sweep cycle starts
 * @num_gc: sweep cycles started
 * @tiny_allocs: tiny objects packed into an existing 16 B block
 * @heap_live: bytes in slots handed out and not yet reclaimed, counting
 *	every slot of the spans the per-CPU caches hold (the pacer's input)
 */
struct goalloc_memstats {
	u64 alloc;
	u64 total_alloc;
	u64 sys;
	u64 mallocs;
	u64 frees;
	u64 heap_alloc;
	u64 heap_sys;
	u64 heap_idle;
	u64 heap_inuse;
	u64 heap_released;
	u64 heap_objects;
	u64 stack_inuse;
	u64 stack_sys;
	u64 mspan_inuse;
	u64 mspan_sys;
	u64 mcache_inuse;
	u64 mcache_sys;
	u64 next_gc;
	u64 num_gc;
	u64 tiny_allocs;
	u64 heap_live;
};

void goalloc_read_memstats(struct goalloc_memstats *ms);

/* Stacks: powers of two from Go's fixedStack (2 KiB) to one arena. */
#define GOALLOC_FIXED_STACK	2048
#define GOALLOC_STACK_MAX	(4UL << 20)

void *goalloc_stack_alloc(size_t size);
int goalloc_stack_free(void *stk, size_t size);
void *goalloc_stack_grow(void *stk, size_t size, size_t used);
void goalloc_stack_drain(void);

#endif /* _GOALLOC_H */
