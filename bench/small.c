// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: small objects (8 B..32 KiB) against kmalloc and a private
 * kmem_cache, tiny noscan objects (< 16 B) against kmalloc(16), and the
 * harness alone (the null allocator), through bench_micro().
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/minmax.h>

#include "bench.h"

static const size_t small_sizes[] = {
	8, 16, 24, 32, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
};

/* Batch length: at most 1024 objects or 8 MiB, at least 16 objects. */
static unsigned long batch_len(size_t size)
{
	return clamp_t(unsigned long, (8UL << 20) / size, 16, 1024);
}

int cmd_null(void)
{
	static const int bas[] = { BA_NULL };
	static const size_t sz[] = { 64 };

	return bench_micro("null", bas, sz, 1, scaled(16384), 1024,
			   BIT(PAT_PAIR) | BIT(PAT_LIFO));
}

static int small_cmd(unsigned int pats)
{
	static const int bas[] = { BA_GOALLOC, BA_KMALLOC, BA_KMEM_CACHE };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(small_sizes); i++) {
		size_t s = small_sizes[i];
		const size_t sz[] = { s, s, s };

		ret |= bench_micro("small", bas, sz, 3, scaled(s <= 4096 ? 16384 : 4096),
				   batch_len(s), pats);
	}
	return ret;
}

int cmd_small(void)
{
	return small_cmd(BIT(PAT_PAIR) | BIT(PAT_LIFO) | BIT(PAT_SHUFFLE));
}

int cmd_small_pairs(void)
{
	return small_cmd(BIT(PAT_PAIR));
}

int cmd_tiny(void)
{
	/* kmalloc(16): the smallest slot a tiny object would need there. */
	static const int bas[] = {
		BA_GOALLOC_NOSCAN, BA_GOALLOC_NOSCAN, BA_GOALLOC_NOSCAN, BA_KMALLOC,
	};
	static const size_t sz[] = { 4, 8, 12, 16 };

	return bench_micro("tiny", bas, sz, 4, scaled(16384), 1024,
			   BIT(PAT_PAIR) | BIT(PAT_LIFO) | BIT(PAT_SHUFFLE));
}
