/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace <linux/atomic.h>: what the pure-logic files use, on __atomic. */
#ifndef _GOALLOC_SHIM_LINUX_ATOMIC_H
#define _GOALLOC_SHIM_LINUX_ATOMIC_H

#include <stdbool.h>

#define try_cmpxchg(ptr, oldp, new)					\
	__atomic_compare_exchange_n((ptr), (oldp), (new), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)

#endif
