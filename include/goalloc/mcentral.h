/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mcentral: the spans of one span class that no mcache holds (Go's
 * mcentral.go), and sweeping one span (Go's mspan.sweep, which cacheSpan
 * calls).  Whole sweep cycles are mgcsweep.c's.
 */
#ifndef _GOALLOC_MCENTRAL_H
#define _GOALLOC_MCENTRAL_H

#include <linux/cache.h>
#include <linux/list.h>
#include <linux/spinlock.h>

#include "goalloc/mheap.h"

/* Spans swept per cacheSpan before it gives up and grows (Go's budget). */
#define GOALLOC_SWEEP_BUDGET	100

/**
 * struct goalloc_mcentral - free spans of one span class
 * @lock: guards the four lists and their counts
 * @spanclass: the span class
 * @partial: spans with free slots, [swept] and [unswept] by sweepgen parity
 * @full: spans without free slots, same indexing
 * @npartial: lengths of @partial
 * @nfull: lengths of @full
 */
struct goalloc_mcentral {
	spinlock_t lock;
	u8 spanclass;
	struct list_head partial[2];
	struct list_head full[2];
	u32 npartial[2];
	u32 nfull[2];
} ____cacheline_aligned_in_smp;

/* Go's mheap_.central: one mcentral per span class. */
extern struct goalloc_mcentral goalloc_central[GOALLOC_NUM_SPAN_CLASSES];

void goalloc_mcentral_init(void);
struct goalloc_mspan *goalloc_mcentral_cache_span(struct goalloc_mcentral *c,
						  struct goalloc_heapcache *hc);
void goalloc_mcentral_uncache_span(struct goalloc_mcentral *c,
				   struct goalloc_mspan *s);
void goalloc_mcentral_free_in_full(struct goalloc_mspan *s);
bool goalloc_mcentral_sweep_one(struct goalloc_mcentral *c);
unsigned int goalloc_mcentral_free_empty(void);
void goalloc_mspan_sweep_to_central(struct goalloc_mspan *s);
int goalloc_mspan_sweep_free_in_place(struct goalloc_mspan *s);

#endif /* _GOALLOC_MCENTRAL_H */
