// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc size-class tables.
 *
 * The tables themselves come from mod/sizeclasses_table.h, which
 * scripts/mksizeclasses.py generates with Go 1.19's algorithm; this file only
 * instantiates them and derives per-class statistics for display.
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "goalloc/sizeclasses.h"

#include "sizeclasses_table.h"

static_assert(GOALLOC_PAGE_SIZE == 1U << GOALLOC_PAGE_SHIFT);

/* A span class and a slot index must fit the fields that will hold them. */
static_assert(GOALLOC_NUM_SPAN_CLASSES <= 256);
static_assert(GOALLOC_MAX_OBJS_PER_SPAN <= 65535);
static_assert(GOALLOC_TINY_SIZE_CLASS < GOALLOC_NUM_SIZE_CLASSES);

/**
 * goalloc_class_info() - Describe one size class as Go's table comment does.
 * @sizeclass: size class, 0..GOALLOC_NUM_SIZE_CLASSES - 1.
 * @out: filled in; all zero for class 0 and for out-of-range classes.
 *
 * Max waste is rounded to the nearest hundredth of a percent.
 *
 * Context: Any context.
 */
void goalloc_class_info(u8 sizeclass, struct goalloc_class_info *out)
{
	u32 size, prev, span, nobjs, worst;

	memset(out, 0, sizeof(*out));
	if (sizeclass == 0 || WARN_ON_ONCE(sizeclass >= GOALLOC_NUM_SIZE_CLASSES))
		return;

	size = goalloc_class_to_size[sizeclass];
	prev = goalloc_class_to_size[sizeclass - 1];
	span = goalloc_class_to_allocnpages[sizeclass] * GOALLOC_PAGE_SIZE;
	nobjs = goalloc_class_to_nobjs[sizeclass];

	out->size = size;
	out->span_bytes = span;
	out->nobjs = nobjs;
	out->tail_waste = span - nobjs * size;
	/*
	 * Bytes lost if each object holds prev + 1 bytes.  It is below the
	 * span (at most 80 KiB), so the scaled value stays within 32 bits.
	 */
	worst = (size - prev - 1) * nobjs + out->tail_waste;
	out->max_waste = (worst * 20000 + span) / (2 * span);
	out->min_align = 1U << min_t(u32, __ffs(size), GOALLOC_PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_class_info);
