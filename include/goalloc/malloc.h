/* SPDX-License-Identifier: GPL-2.0 */
/* What the object and stack APIs (malloc.c, stack.c) share beyond goalloc.h. */
#ifndef _GOALLOC_MALLOC_H
#define _GOALLOC_MALLOC_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/*
 * Bad frees (objects and stacks) are counted and refused; the first one
 * also WARNs, unless a test that provokes them on purpose turned it off.
 */
extern bool goalloc_warn_bad_free;
extern atomic_long_t goalloc_bad_frees;

/* Allocations that grew the heap and still found no room (debugfs "mheap"). */
extern atomic_long_t goalloc_grow_retries_out;

/* Heap growth a caller that could not sleep left behind (malloc.c). */
extern struct work_struct goalloc_grow_work;

void goalloc_malloc_exit(void);
void goalloc_malloc_trace_init(void);
void goalloc_malloc_trace_exit(void);

#endif /* _GOALLOC_MALLOC_H */
