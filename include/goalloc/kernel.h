/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The thin layer between goalloc's pure logic and the kernel.
 *
 * Files holding pure logic (size classes, span bitmaps, page-allocator
 * summaries, span sets) include only this header.  In a kernel build it pulls
 * in the real kernel headers; in the userspace harness (tools/testing/goalloc)
 * it supplies the same few names on top of libc, the way the kernel's
 * tools/include shims let lib/maple_tree.c build as a program.
 */
#ifndef _GOALLOC_KERNEL_H
#define _GOALLOC_KERNEL_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/export.h>
#include <linux/list.h>
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

/* Zeroed metadata arrays that may be too big for kmalloc (vmalloc fallback). */
static inline void *goalloc_kvcalloc(size_t n, size_t size)
{
	return kvcalloc(n, size, GFP_KERNEL);
}

static inline void goalloc_kvfree(const void *p)
{
	kvfree(p);
}

#else /* userspace harness */

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#undef __always_inline
#define __always_inline		inline	/* the harness needs no forced inlining */
#define __maybe_unused		__attribute__((unused))
#define __aligned(x)		__attribute__((aligned(x)))
#define READ_ONCE(x)		(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define round_up(x, y)		ALIGN(x, y)
#define round_down(x, y)	((x) & ~((typeof(x))(y) - 1))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define swap(a, b)		\
	do {			\
		typeof(a) __t = (a); \
		(a) = (b);	\
		(b) = __t;	\
	} while (0)
#undef static_assert
#define static_assert(e)	_Static_assert(e, #e)
#define BUILD_BUG_ON(e)		_Static_assert(!(e), #e)

/* A failed WARN is a failed harness run: report and abort. */
#define BUG_ON(c)		assert(!(c))
#define WARN_ON(c) ({						\
	int __c = !!(c);						\
	if (__c) {							\
		fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #c, __FILE__, __LINE__); \
		abort();						\
	}								\
	__c;								\
})
#define WARN_ON_ONCE(c)		WARN_ON(c)

#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define EXPORT_SYMBOL_IF_KUNIT(s)
#define VISIBLE_IF_KUNIT

static inline unsigned long __ffs64(u64 w)	{ return __builtin_ctzll(w); }
static inline unsigned long __ffs(unsigned long w) { return __builtin_ctzl(w); }
static inline int fls64(u64 w)		{ return w ? 64 - __builtin_clzll(w) : 0; }
static inline int fls(unsigned int w)	{ return w ? 32 - __builtin_clz(w) : 0; }
static inline unsigned int hweight64(u64 w) { return __builtin_popcountll(w); }
static inline bool is_power_of_2(unsigned long n) { return n && !(n & (n - 1)); }
static inline int ilog2(u64 n)		{ return fls64(n) - 1; }
static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << fls64(n - 1);
}


/* Atomics, as the kernel's, on top of the compiler's __atomic builtins. */
typedef struct { int counter; } atomic_t;
#define atomic_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic_set(v, i)	__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define atomic_fetch_or(i, v)	__atomic_fetch_or(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define xchg(p, v)		__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define BITS_PER_LONG		64
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))

static inline bool test_and_clear_bit(long nr, unsigned long *addr)
{
	unsigned long m = BIT_MASK(nr);

	return __atomic_fetch_and(addr + BIT_WORD(nr), ~m, __ATOMIC_SEQ_CST) & m;
}

/* Returns the old word, as the kernel's (cmpxchg loop there too). */
#define set_mask_bits(ptr, mask, bits)	({				\
	typeof(*(ptr)) __old = __atomic_load_n((ptr), __ATOMIC_RELAXED);	\
	while (!__atomic_compare_exchange_n((ptr), &__old,		\
					    (__old & ~(mask)) | (bits), false, \
					    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) \
		;							\
	__old;								\
})

static inline bool test_bit(long nr, const unsigned long *addr)
{
	return (__atomic_load_n(addr + BIT_WORD(nr), __ATOMIC_RELAXED) & BIT_MASK(nr)) != 0;
}

/* Enough of <linux/list.h> for span lists. */
struct list_head { struct list_head *next, *prev; };
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline bool list_empty(const struct list_head *l) { return l->next == l; }
static inline void list_add(struct list_head *n, struct list_head *h)
{
	n->next = h->next; n->prev = h; h->next->prev = n; h->next = n;
}
static inline void list_del_init(struct list_head *e)
{
	e->prev->next = e->next; e->next->prev = e->prev; INIT_LIST_HEAD(e);
}

#include <errno.h>

static inline void *goalloc_kvcalloc(size_t n, size_t size) { return calloc(n, size); }
static inline void goalloc_kvfree(const void *p) { free((void *)p); }

#endif /* __KERNEL__ */

#endif /* _GOALLOC_KERNEL_H */
