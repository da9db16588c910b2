/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Teaching generic KASAN about goalloc objects (mod/kasan.c).
 *
 * KASAN knows an arena only as one page-allocator block, so without help a
 * use after free or an overflow past an object inside a span goes unseen.
 * goalloc poisons what no caller owns: unused arena pages, freed objects,
 * freed span pages, and the slack between an object's size and its slot;
 * allocation makes exactly the requested bytes accessible.  Compiled out
 * unless the kernel has CONFIG_KASAN_GENERIC.
 */
#ifndef _GOALLOC_KASAN_H
#define _GOALLOC_KASAN_H

#include <linux/types.h>

/* Shadow values as mm/kasan/kasan.h defines them, so reports read right. */
#define GOALLOC_KASAN_UNUSED	0xFE	/* heap page never handed out */
#define GOALLOC_KASAN_REDZONE	0xFC	/* slot slack past the requested size */
#define GOALLOC_KASAN_FREE	0xFB	/* freed object or span */

#ifdef CONFIG_KASAN_GENERIC
void goalloc_kasan_poison(const void *p, size_t n, u8 value);
void goalloc_kasan_unpoison(const void *p, size_t size, size_t slot);
#else
static inline void goalloc_kasan_poison(const void *p, size_t n, u8 value) { }
static inline void goalloc_kasan_unpoison(const void *p, size_t size, size_t slot) { }
#endif

/*
 * What a CONFIG_KASAN_KUNIT_TEST kernel exports (GPL) for tests that expect
 * reports (kunit/kasan_test.c), declared only in mm/kasan/kasan.h.
 */
#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST)
void kasan_kunit_test_suite_start(void);
void kasan_kunit_test_suite_end(void);
bool kasan_save_enable_multi_shot(void);
void kasan_restore_multi_shot(bool enabled);
#endif

#endif /* _GOALLOC_KASAN_H */
