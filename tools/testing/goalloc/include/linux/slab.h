/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace <linux/slab.h>: the kv*() allocators on top of libc. */
#ifndef _GOALLOC_SHIM_LINUX_SLAB_H
#define _GOALLOC_SHIM_LINUX_SLAB_H

#include <stdlib.h>
#include <linux/types.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL		0U

static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	return calloc(n, size);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif
