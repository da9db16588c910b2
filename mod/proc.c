// SPDX-License-Identifier: GPL-2.0
/*
 * The storage of goalloc's per-CPU struct (Go's allp); see proc.h.  It
 * sits below every tier that counts or takes the p lock, so that none of
 * them needs the tier that drains a p (mcache.c) to reach its own part.
 */
#include <linux/errno.h>
#include <kunit/visibility.h>

#include "goalloc/proc.h"

struct goalloc_p __percpu *goalloc_allp;
EXPORT_SYMBOL_IF_KUNIT(goalloc_allp);

/**
 * goalloc_proc_init() - allocate every possible CPU's p, zeroed, with its
 *	lock ready; the tiers then set up their parts
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int goalloc_proc_init(void)
{
	int cpu;

	goalloc_allp = alloc_percpu(struct goalloc_p);
	if (!goalloc_allp)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(goalloc_allp, cpu)->lock);
	return 0;
}

/**
 * goalloc_proc_exit() - free every CPU's p (already drained)
 *
 * Context: module exit.
 */
void goalloc_proc_exit(void)
{
	free_percpu(goalloc_allp);
	goalloc_allp = NULL;
}
