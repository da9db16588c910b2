/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace <linux/minmax.h>: every argument is evaluated exactly once, as
 * in the kernel (which also type-checks; the kernel build does that here).
 */
#ifndef _GOALLOC_SHIM_LINUX_MINMAX_H
#define _GOALLOC_SHIM_LINUX_MINMAX_H

#define __goalloc_min(x, y) ({				\
	typeof(x) __x = (x);				\
	typeof(y) __y = (y);				\
	__x < __y ? __x : __y;				\
})

#define __goalloc_max(x, y) ({				\
	typeof(x) __x = (x);				\
	typeof(y) __y = (y);				\
	__x > __y ? __x : __y;				\
})

#define min(x, y)		__goalloc_min(x, y)
#define max(x, y)		__goalloc_max(x, y)
#define min_t(t, x, y)		__goalloc_min((t)(x), (t)(y))
#define max_t(t, x, y)		__goalloc_max((t)(x), (t)(y))
#define clamp(v, lo, hi)	min(max(v, lo), hi)
#define clamp_t(t, v, lo, hi)	min_t(t, max_t(t, v, lo), hi)
#define swap(a, b) do {					\
	typeof(a) __t = (a);				\
	(a) = (b);					\
	(b) = __t;					\
} while (0)

#endif
