/* SPDX-License-Identifier: GPL-2.0 */
/* What the object and stack APIs (malloc.c, stack.c) share beyond goalloc.h. */
#ifndef _GOALLOC_MALLOC_H
#define _GOALLOC_MALLOC_H

#include <linux/atomic.h>
#include <linux/types.h>

/*
 * Bad frees (objects and stacks) are counted and refused; the first one
 * also WARNs, unless a test that provokes them on purpose turned it off.
 */
extern bool goalloc_warn_bad_free;
extern atomic_long_t goalloc_bad_frees;

void goalloc_malloc_trace_init(void);
void goalloc_malloc_trace_exit(void);

#endif /* _GOALLOC_MALLOC_H */
