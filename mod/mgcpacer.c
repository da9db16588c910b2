// SPDX-License-Identifier: GPL-2.0
/*
 * The pacer (Go's mgcpacer.go): GOGC and the trigger of the next sweep
 * cycle.  See mgcpacer.h for who feeds it.
 */
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <kunit/visibility.h>

#include "goalloc/mgcpacer.h"

unsigned int goalloc_gogc = 100;
module_param_named(gogc, goalloc_gogc, uint, 0644);
MODULE_PARM_DESC(gogc, "Start a sweep cycle when the heap has grown by this percentage (Go's GOGC)");

struct goalloc_pacer goalloc_pacer;
EXPORT_SYMBOL_IF_KUNIT(goalloc_pacer);

/**
 * goalloc_pacer_init() - the pacer before the first cycle
 *
 * Context: module init.
 */
void goalloc_pacer_init(void)
{
	atomic64_set(&goalloc_pacer.heap_live, 0);
	goalloc_pacer.trigger = GOALLOC_HEAP_MINIMUM;
	goalloc_pacer.heap_marked = 0;
	goalloc_pacer.cycles = 0;
}

/**
 * goalloc_pacer_start_cycle() - Go's gcControllerState.startCycle
 * @live: bytes live as the cycle starts (HeapAlloc)
 *
 * The next cycle starts once GOGC% more than @live has been handed out,
 * and never below Go's heapMinimum.
 *
 * Context: the cycle driver, goalloc_sweeper.mutex held.
 */
void goalloc_pacer_start_cycle(u64 live)
{
	u64 goal = max_t(u64, live + live * READ_ONCE(goalloc_gogc) / 100,
			 GOALLOC_HEAP_MINIMUM);

	WRITE_ONCE(goalloc_pacer.cycles, goalloc_pacer.cycles + 1);
	WRITE_ONCE(goalloc_pacer.heap_marked, live);
	WRITE_ONCE(goalloc_pacer.trigger, goal);
}

/**
 * goalloc_pacer_scavenge_goal() - bytes of heap the scavenger keeps
 *
 * Go's scavenger goal: 10% above the heap goal, never below heapMinimum.
 *
 * Context: any; lock-free.
 * Return: the goal in bytes.
 */
u64 goalloc_pacer_scavenge_goal(void)
{
	return max_t(u64, READ_ONCE(goalloc_pacer.trigger) * 110 / 100,
		     GOALLOC_HEAP_MINIMUM);
}
