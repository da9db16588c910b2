// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc module init and exit: the tiers come up bottom first, and go
 * down in exactly the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include <goalloc.h>
#include "goalloc/chardev.h"
#include "goalloc/debugfs.h"
#include "goalloc/malloc.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mgcscavenge.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/proc.h"

static unsigned int max_heap_mb = 256;
module_param(max_heap_mb, uint, 0444);
MODULE_PARM_DESC(max_heap_mb, "Memory the heap may hold at once, in MiB (default 256)");

static int __init goalloc_init(void)
{
	int err;

	goalloc_pacer_init();
	err = goalloc_mheap_init((unsigned long)max_heap_mb << 20);
	if (err)
		return err;
	goalloc_mcentral_init();
	goalloc_stack_init();
	err = goalloc_proc_init();
	if (err)
		goto out_mheap;
	goalloc_scavenger_init();
	goalloc_sweeper_init();
	err = goalloc_mcache_init();
	if (err)
		goto out_sweeper;
	/* Probes attached before this (module events exist from COMING on) apply now. */
	goalloc_malloc_trace_init();
	goalloc_debugfs_init();
	err = goalloc_chardev_init();
	if (err)
		goto out_debugfs;
	pr_info("loaded: %d size classes, %lu MiB heap cap, %u CPUs\n",
		GOALLOC_NUM_SIZE_CLASSES - 1,
		goalloc_mheap.max_pages >> (20 - GOALLOC_PAGE_SHIFT), num_possible_cpus());
	return 0;

out_debugfs:
	goalloc_debugfs_exit();
	goalloc_malloc_trace_exit();
	goalloc_malloc_exit();
	goalloc_mcache_exit();
out_sweeper:
	goalloc_sweeper_exit();
	goalloc_scavenger_exit();
	goalloc_proc_exit();
out_mheap:
	goalloc_mheap_exit();
	return err;
}

static void __exit goalloc_exit(void)
{
	struct goalloc_memstats ms;

	/* No new users first: the device holds a module reference while open. */
	goalloc_chardev_exit();
	goalloc_debugfs_exit();
	/* Probes may outlive the module's exit: end their detours first. */
	goalloc_malloc_trace_exit();
	goalloc_malloc_exit();
	goalloc_mcache_exit();
	goalloc_sweeper_exit();
	goalloc_scavenger_exit();
	goalloc_read_memstats(&ms);
	goalloc_proc_exit();
	goalloc_mheap_exit();
	pr_info("unloaded: %llu mallocs, %llu frees, %llu sweep cycles; all memory returned\n",
		ms.mallocs, ms.frees, ms.num_gc);
}

module_init(goalloc_init);
module_exit(goalloc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc: the Go runtime's tiered memory allocator in the kernel");
MODULE_AUTHOR("goalloc developers");
