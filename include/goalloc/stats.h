/* SPDX-License-Identifier: GPL-2.0 */
/* Statistics: per-CPU deltas summed on read (see stats.c). */
#ifndef _GOALLOC_STATS_H
#define _GOALLOC_STATS_H

#include <linux/types.h>
#include "goalloc/sizeclasses.h"

struct goalloc_memstats;

/**
 * struct goalloc_class_stats - one size class, summed over CPUs
 * @nmalloc: objects allocated
 * @nfree: objects freed
 */
struct goalloc_class_stats {
	u64 nmalloc;
	u64 nfree;
};

u64 goalloc_stats_heap_alloc(void);
void goalloc_stats_by_size(struct goalloc_class_stats *bysize);

#endif /* _GOALLOC_STATS_H */
