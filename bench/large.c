// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: large objects (64 KiB..1 MiB) against kmalloc, a private
 * kmem_cache, vmalloc and the page allocator, through bench_micro().
 */
#include <linux/bitops.h>
#include <linux/kernel.h>

#include "bench.h"

static const size_t large_sizes[] = { 65536, 262144, 1048576 };

int cmd_large(void)
{
	static const int bas[] = {
		BA_GOALLOC, BA_KMALLOC, BA_KMEM_CACHE, BA_VMALLOC, BA_PAGES,
	};
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(large_sizes); i++) {
		size_t s = large_sizes[i];
		const size_t sz[] = { s, s, s, s, s };

		ret |= bench_micro("large", bas, sz, 5, scaled(256), 16,
				   BIT(PAT_PAIR) | BIT(PAT_LIFO));
	}
	return ret;
}
