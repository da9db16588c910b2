/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers for goalloc's userspace harness tests. */
#ifndef _GOALLOC_HARNESS_H
#define _GOALLOC_HARNESS_H

#include <stdint.h>
#include <stdlib.h>

/* xorshift64*: deterministic, seedable randomness for randomised tests. */
static inline uint64_t harness_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Seed from $GOALLOC_SEED, or a fixed default so runs repeat. */
static inline uint64_t harness_seed(void)
{
	const char *s = getenv("GOALLOC_SEED");

	return s ? strtoull(s, NULL, 0) : 0x9E3779B97F4A7C15ULL;
}

#endif
