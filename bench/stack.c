// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: goroutine stacks (2 KiB..256 KiB, goalloc_stack_alloc())
 * against kmalloc and vmalloc, through bench_micro().
 */
#include <linux/bitops.h>
#include <linux/kernel.h>

#include "bench.h"

static const size_t stack_sizes[] = {
	2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144,
};

int cmd_stack(void)
{
	static const int bas[] = { BA_GOALLOC_STACK, BA_KMALLOC, BA_VMALLOC };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(stack_sizes); i++) {
		size_t s = stack_sizes[i];
		const size_t sz[] = { s, s, s };

		ret |= bench_micro("stack", bas, sz, 3, scaled(s < 32768 ? 4096 : 256),
				   s < 32768 ? 256 : 16, BIT(PAT_PAIR) | BIT(PAT_LIFO));
	}
	return ret;
}
