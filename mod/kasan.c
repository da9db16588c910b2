// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc's KASAN hooks (see include/goalloc/kasan.h).  kasan_poison() is
 * exported GPL but declared only in mm/kasan/kasan.h, hence the prototype
 * here; kasan_unpoison() is not exported, so unpoisoning writes shadow 0 and
 * sets a partial last granule itself, as kasan_poison_last_granule() does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kasan.h>
#include <linux/math.h>

#include "goalloc/kasan.h"

void kasan_poison(const void *addr, size_t size, u8 value, bool init);

#define GRANULE	(1UL << KASAN_SHADOW_SCALE_SHIFT)

/* A store into shadow memory must not itself be checked. */
static __no_sanitize_address void set_last_granule(const void *p, u8 nbytes)
{
	*(u8 *)kasan_mem_to_shadow(p) = nbytes;
}

/**
 * goalloc_kasan_poison() - make a granule-aligned range inaccessible
 * @p: start, GRANULE aligned
 * @n: length, a multiple of GRANULE
 * @value: GOALLOC_KASAN_* shadow value (what a report will call it)
 *
 * Context: any; the caller owns the range.
 */
void goalloc_kasan_poison(const void *p, size_t n, u8 value)
{
	kasan_poison(p, n, value, false);
}

/**
 * goalloc_kasan_unpoison() - make an object accessible, its slack not
 * @p: object start, GRANULE aligned
 * @size: bytes requested
 * @slot: bytes of the slot (>= @size, a multiple of GRANULE)
 *
 * Context: any; the caller owns the slot.
 */
void goalloc_kasan_unpoison(const void *p, size_t size, size_t slot)
{
	size_t full = round_down(size, GRANULE), up = round_up(size, GRANULE);

	kasan_poison(p, full, 0, false);
	if (size & (GRANULE - 1))
		set_last_granule(p + full, size & (GRANULE - 1));
	if (slot > up)
		kasan_poison(p + up, slot - up, GOALLOC_KASAN_REDZONE, false);
}
