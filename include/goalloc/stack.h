/* SPDX-License-Identifier: GPL-2.0 */
/* The stack allocator's pools and per-CPU caches (mod/stack.c, stackpool.c). */
#ifndef _GOALLOC_STACK_H
#define _GOALLOC_STACK_H

#include <linux/list.h>
#include <linux/log2.h>
#include <linux/spinlock.h>

#include <goalloc.h>

#define GOALLOC_NUM_STACK_ORDERS	4	/* 2, 4, 8, 16 KiB */
#define GOALLOC_STACK_CACHE_SIZE	32768	/* per-CPU cache cap per order; pool span size */
/* Heap grows one goalloc_stack_alloc() makes before it gives up. */
#define GOALLOC_STACK_GROW_TRIES	8

/* Free stacks are threaded through their first word. */
struct goalloc_stack_link {
	struct goalloc_stack_link *next;
};

/**
 * struct goalloc_stackcache - one order of a CPU's stack cache
 * @list: free stacks, linked through their first word
 * @size: bytes on @list
 */
struct goalloc_stackcache {
	void *list;
	u32 size;
};

/**
 * struct goalloc_stackpool - Go's stackpool[order]
 * @lock: guards @spans, @nspans and the free lists of the spans
 * @spans: pool spans with at least one free stack
 * @nspans: pool spans in existence (with or without free stacks)
 */
struct goalloc_stackpool {
	spinlock_t lock;
	struct list_head spans;
	unsigned long nspans;
} ____cacheline_aligned_in_smp;

extern struct goalloc_stackpool goalloc_stackpool[GOALLOC_NUM_STACK_ORDERS];

/* The order of a cached stack size: 2 KiB -> 0 ... 16 KiB -> 3. */
static inline unsigned int goalloc_stack_order(size_t n)
{
	return ilog2(n / GOALLOC_FIXED_STACK);
}

void goalloc_stack_init(void);
int goalloc_stackcache_refill(struct goalloc_stackcache *c, unsigned int order);
void goalloc_stackcache_release(struct goalloc_stackcache *c, unsigned int order,
				u32 keep);
void goalloc_stackcache_clear(struct goalloc_stackcache *c);

#endif /* _GOALLOC_STACK_H */
