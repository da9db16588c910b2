// SPDX-License-Identifier: GPL-2.0
/*
 * The background scavenger (Go's mgcscavenge.go): gives free heap pages
 * back to the kernel, one batch at a time, until the heap retains no more
 * than the pacer's scavenge goal (10% over the heap goal, or 95% of the
 * memory limit).  Go paces it to 1% of one CPU: after each batch it sleeps
 * 99 times as long as the batch took.  The sweeper wakes it after every
 * cycle; the heap's growth scavenges on its own what a growth would put
 * over the goal (mheap.c), and the shrinker takes every free page under
 * memory pressure.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>

#include "goalloc/mgcpacer.h"
#include "goalloc/mgcscavenge.h"
#include "goalloc/mheap.h"

/* Go scavenges 64 KiB per step; a batch is a few steps. */
#define SCAVENGE_BATCH_PAGES	32
/* Go's scavengePercent: 1% of one CPU. */
#define SCAVENGE_PERCENT	1

static struct delayed_work scavenge_work;

/* Runtime pages over the goal, 0 within a page of it (as Go stops there). */
static unsigned long scavenge_todo(void)
{
	u64 retained = goalloc_mheap_retained(), goal = goalloc_pacer_scavenge_goal();

	if (retained <= goal + GOALLOC_PAGE_SIZE)
		return 0;
	return (retained - goal) >> GOALLOC_PAGE_SHIFT;
}

static void scavenge_fn(struct work_struct *work)
{
	unsigned long todo = scavenge_todo(), done;
	u64 t0, worked;

	if (!todo)
		return;
	t0 = ktime_get_ns();
	done = goalloc_mheap_scavenge(min_t(unsigned long, todo, SCAVENGE_BATCH_PAGES));
	worked = ktime_get_ns() - t0;
	/* Nothing free to give back: the next cycle wakes us again. */
	if (!done || done == todo)
		return;
	queue_delayed_work(system_unbound_wq, &scavenge_work,
			   max(nsecs_to_jiffies(worked * (100 - SCAVENGE_PERCENT) /
						SCAVENGE_PERCENT), 1UL));
}

/**
 * goalloc_scavenger_wake() - start the scavenger if the heap retains more
 *	than its goal
 *
 * Context: process context; does not sleep.
 */
void goalloc_scavenger_wake(void)
{
	if (scavenge_todo())
		queue_delayed_work(system_unbound_wq, &scavenge_work, 0);
}

/**
 * goalloc_scavenger_init() - set up the background scavenger
 *
 * Context: module init.
 */
void goalloc_scavenger_init(void)
{
	INIT_DELAYED_WORK(&scavenge_work, scavenge_fn);
}

/**
 * goalloc_scavenger_exit() - stop the background scavenger
 *
 * Context: module exit, after the sweeper stopped (it wakes the scavenger).
 */
void goalloc_scavenger_exit(void)
{
	cancel_delayed_work_sync(&scavenge_work);
}
