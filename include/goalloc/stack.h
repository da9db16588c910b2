/* SPDX-License-Identifier: GPL-2.0 */
/* The stack allocator's pools (see mod/stack.c). */
#ifndef _GOALLOC_STACK_H
#define _GOALLOC_STACK_H

#include <linux/list.h>
#include <linux/spinlock.h>

#include <goalloc.h>

#define GOALLOC_NUM_STACK_ORDERS	4	/* 2, 4, 8, 16 KiB */
#define GOALLOC_STACK_CACHE_SIZE	32768	/* per-CPU cache cap per order; pool span size */
/* Heap grows one goalloc_stack_alloc() makes before it gives up. */
#define GOALLOC_STACK_GROW_TRIES	8

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

struct goalloc_mcache;
struct seq_file;

void goalloc_stack_init(void);
void goalloc_stackcache_clear(struct goalloc_mcache *mc);
int goalloc_stack_show(struct seq_file *m, void *v);

#endif /* _GOALLOC_STACK_H */
