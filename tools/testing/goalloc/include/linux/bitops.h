/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace <linux/bitops.h>: the compiler's builtins and __atomic ops. */
#ifndef _GOALLOC_SHIM_LINUX_BITOPS_H
#define _GOALLOC_SHIM_LINUX_BITOPS_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/types.h>

static inline unsigned long __ffs(unsigned long w)	{ return __builtin_ctzl(w); }
static inline unsigned long __ffs64(u64 w)		{ return __builtin_ctzll(w); }
static inline int fls(unsigned int w)		{ return w ? 32 - __builtin_clz(w) : 0; }
static inline int fls64(u64 w)			{ return w ? 64 - __builtin_clzll(w) : 0; }
static inline unsigned int hweight64(u64 w)	{ return __builtin_popcountll(w); }

static inline bool test_bit(long nr, const unsigned long *addr)
{
	return (__atomic_load_n(addr + BIT_WORD(nr), __ATOMIC_RELAXED) & BIT_MASK(nr)) != 0;
}

static inline bool test_and_clear_bit(long nr, unsigned long *addr)
{
	unsigned long m = BIT_MASK(nr);

	return __atomic_fetch_and(addr + BIT_WORD(nr), ~m, __ATOMIC_SEQ_CST) & m;
}

/* As the kernel's: returns the old word; users include <linux/atomic.h>. */
#define set_mask_bits(ptr, mask, bits) ({				\
	const typeof(*(ptr)) mask__ = (mask), bits__ = (bits);		\
	typeof(*(ptr)) old__, new__;					\
									\
	old__ = READ_ONCE(*(ptr));					\
	do {								\
		new__ = (old__ & ~mask__) | bits__;			\
	} while (!try_cmpxchg(ptr, &old__, new__));			\
									\
	old__;								\
})

#endif
