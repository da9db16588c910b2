/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The heap map (heapmap.c): a snapshot of one frame of the heap, page by
 * page, with the spans that start in it; debugfs prints it as
 * /sys/kernel/debug/goalloc/heap_map (format: Documentation/goalloc.rst).
 */
#ifndef _GOALLOC_HEAPMAP_H
#define _GOALLOC_HEAPMAP_H

#include <linux/types.h>

#include "goalloc/mheap.h"

/* Format version: the first line of the file is "goalloc-heapmap 1". */
#define GOALLOC_HEAPMAP_VERSION	1

/* Page states, as the file spells them. */
#define GOALLOC_HEAPMAP_FREE	'f'	/* owned, free in the page allocator */
#define GOALLOC_HEAPMAP_UNOWNED	'u'	/* not the heap's: never got or given back */
#define GOALLOC_HEAPMAP_CACHED	'c'	/* owned, held by a per-CPU page cache */
#define GOALLOC_HEAPMAP_SMALL	's'	/* in a span of a small size class */
#define GOALLOC_HEAPMAP_LARGE	'l'	/* in a large-object span */
#define GOALLOC_HEAPMAP_STACK	'm'	/* in a manual (stack) span */
#define GOALLOC_HEAPMAP_NEW	'n'	/* in a span not yet published */

/**
 * struct goalloc_heapmap_span - one span of a frame snapshot
 * @off: first page, from the frame's start
 * @npages: length in runtime pages (from the span table, so exact)
 * @kind: the page state of its pages (GOALLOC_HEAPMAP_SMALL ... _NEW)
 * @spanclass: size class << 1 | noscan; 0 unless @kind is small or large
 * @nelems: object slots (stacks for a stack span)
 * @allocated: Go's allocCount: slots allocated as of the last sweep plus
 *	those handed out since (stacks handed out, for a stack span)
 * @live: slots handed out and not freed since (<= @allocated at rest)
 */
struct goalloc_heapmap_span {
	u16 off;
	u16 npages;
	u8 kind;
	u8 spanclass;
	u16 nelems;
	u16 allocated;
	u16 live;
};

/**
 * struct goalloc_heapmap_frame - one frame of the heap, as one lock hold saw it
 * @chunk: the frame's chunk slot (its index in the file; never an address)
 * @owned: pages of the frame the heap owns
 * @zeroed_base: the frame's zeroed watermark (struct goalloc_heap_arena)
 * @nspans: entries in @spans, by increasing @off
 * @page: state of every page
 * @spans: the spans whose first page lies in the frame
 */
struct goalloc_heapmap_frame {
	u32 chunk;
	u32 owned;
	u32 zeroed_base;
	u32 nspans;
	u8 page[GOALLOC_ARENA_PAGES];
	struct goalloc_heapmap_span spans[GOALLOC_ARENA_PAGES];
};

int goalloc_heapmap_snapshot(u32 *chunk, struct goalloc_heapmap_frame *f);

struct dentry;
void goalloc_heapmap_debugfs(struct dentry *dir);

#endif /* _GOALLOC_HEAPMAP_H */
