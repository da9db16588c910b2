// SPDX-License-Identifier: GPL-2.0
/*
 * The pacer (Go 1.19's mgcpacer.go): GOGC, the soft memory limit, the heap
 * goal and trigger of the next sweep cycle, and the scavenger's goal
 * (gcPaceScavenger).  See mgcpacer.h for who feeds it.
 *
 * goalloc has no concurrent mark phase, so Go's runway (the bytes a cycle
 * allocates while it marks) is zero and the trigger sits at Go's highest
 * allowed point below the goal.
 */
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <kunit/visibility.h>

#include "goalloc/mgcpacer.h"

unsigned int goalloc_gogc = 100;
module_param_named(gogc, goalloc_gogc, uint, 0644);
MODULE_PARM_DESC(gogc, "Heap growth in percent of the live heap before the next sweep cycle (Go's GOGC)");
EXPORT_SYMBOL_IF_KUNIT(goalloc_gogc);

unsigned long goalloc_memory_limit_mb;
module_param_named(memory_limit_mb, goalloc_memory_limit_mb, ulong, 0644);
MODULE_PARM_DESC(memory_limit_mb, "Soft memory limit in MiB, 0 for none (Go's debug.SetMemoryLimit)");
EXPORT_SYMBOL_IF_KUNIT(goalloc_memory_limit_mb);

struct goalloc_pacer goalloc_pacer;
EXPORT_SYMBOL_IF_KUNIT(goalloc_pacer);

/* Go: the trigger lies between 70% and 95% of the way from marked to goal. */
#define TRIGGER_MIN_PERCENT	70
#define TRIGGER_MAX_PERCENT	95
/* Go's sweepMinHeapDistance. */
#define SWEEP_MIN_HEAP_DISTANCE	(1ULL << 20)
/* Go's memoryLimitHeapGoalHeadroom. */
#define LIMIT_HEADROOM		(1ULL << 20)
/* Go's retainExtraPercent and reduceExtraPercent for the scavenger. */
#define RETAIN_EXTRA_PERCENT	10
#define REDUCE_EXTRA_PERCENT	5

static u64 memory_limit(void)
{
	unsigned long mb = READ_ONCE(goalloc_memory_limit_mb);

	return mb ? (u64)mb << 20 : U64_MAX;
}

/**
 * goalloc_pacer_heap_goal() - Go's heapGoalInternal for a cycle
 * @marked: live bytes at the cycle start (Go's heapMarked)
 * @in: what the cycle start measured (@in->live is @marked)
 * @min_trigger: receives the lowest trigger allowed (Go's sweep distance)
 *
 * GOGC's goal, marked + marked * GOGC / 100 and at least heapMinimum (4 MiB
 * scaled by GOGC), unless the memory limit's goal is lower: the limit
 * less what goalloc holds outside live objects and free pages, less 1 MiB
 * of headroom, never below @marked.  Outside the limit's regime the goal
 * and the trigger keep Go's minimum sweep distance, 1 MiB over heap_live
 * after the cycle's sweep: a heap whose spans hold twice its live bytes
 * (fragmentation, the caches' free slots) does not start a cycle per
 * refill.
 *
 * Context: any.
 * Return: the goal in bytes.
 */
u64 goalloc_pacer_heap_goal(u64 marked, const struct goalloc_pacer_input *in,
			    u64 *min_trigger)
{
	unsigned int gogc = READ_ONCE(goalloc_gogc);
	u64 limit = memory_limit(), goal, nonheap, overage = 0, sweep_dist;

	goal = max(marked + div_u64(marked * gogc, 100),
		   div_u64((u64)GOALLOC_HEAP_MINIMUM * gogc, 100));
	*min_trigger = 0;
	if (limit != U64_MAX) {
		/* Go's memoryLimitHeapGoal. */
		nonheap = in->mapped > in->heap_free + in->live ?
			  in->mapped - in->heap_free - in->live : 0;
		if (in->mapped > limit)
			overage = in->mapped - limit;
		if (nonheap + overage >= limit) {
			limit = marked;
		} else {
			limit -= nonheap + overage;
			limit = limit < 2 * LIMIT_HEADROOM ? LIMIT_HEADROOM :
				limit - LIMIT_HEADROOM;
			limit = max(limit, marked);
		}
		if (limit < goal)
			return limit;
	}
	sweep_dist = in->heap_live + SWEEP_MIN_HEAP_DISTANCE;
	*min_trigger = sweep_dist;
	return max(goal, sweep_dist);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pacer_heap_goal);

/**
 * goalloc_pacer_trigger() - Go's gcControllerState.trigger with no runway
 * @marked: live bytes at the cycle start
 * @goal: the cycle's heap goal
 * @min_trigger: the lowest trigger allowed (goalloc_pacer_heap_goal())
 *
 * Context: any.
 * Return: heap_live at which the next cycle starts: 95% of the way from
 * @marked to @goal, or @goal less 4 MiB if that is later, never before 70%
 * of the way or @min_trigger.
 */
u64 goalloc_pacer_trigger(u64 marked, u64 goal, u64 min_trigger)
{
	u64 lo, hi;

	if (marked >= goal)
		return goal;
	lo = marked + div_u64(goal - marked, 100) * TRIGGER_MIN_PERCENT;
	lo = max3(lo, min_trigger, marked);
	hi = marked + div_u64(goal - marked, 100) * TRIGGER_MAX_PERCENT;
	if (goal > GOALLOC_HEAP_MINIMUM && goal - GOALLOC_HEAP_MINIMUM > hi)
		hi = goal - GOALLOC_HEAP_MINIMUM;
	return max(hi, lo);
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pacer_trigger);

/**
 * goalloc_pacer_init() - the pacer before the first cycle
 *
 * Context: module init.
 */
void goalloc_pacer_init(void)
{
	struct goalloc_pacer_input none = { };
	u64 min_trigger;

	atomic64_set(&goalloc_pacer.heap_live, 0);
	goalloc_pacer.heap_marked = 0;
	goalloc_pacer.cycles = 0;
	goalloc_pacer.goal = goalloc_pacer_heap_goal(0, &none, &min_trigger);
	goalloc_pacer.trigger = goalloc_pacer_trigger(0, goalloc_pacer.goal, min_trigger);
}

/**
 * goalloc_pacer_start_cycle() - Go's gcControllerState.startCycle/commit
 * @in: what the cycle start measured
 *
 * Context: the cycle driver, goalloc_sweeper.mutex held.
 */
void goalloc_pacer_start_cycle(const struct goalloc_pacer_input *in)
{
	u64 min_trigger, goal = goalloc_pacer_heap_goal(in->live, in, &min_trigger);

	WRITE_ONCE(goalloc_pacer.cycles, goalloc_pacer.cycles + 1);
	WRITE_ONCE(goalloc_pacer.heap_marked, in->live);
	WRITE_ONCE(goalloc_pacer.goal, goal);
	WRITE_ONCE(goalloc_pacer.trigger, goalloc_pacer_trigger(in->live, goal, min_trigger));
}

/**
 * goalloc_pacer_scavenge_goal() - heap memory the scavenger lets the heap
 *	retain (Go's gcPaceScavenger)
 *
 * 10% over the heap goal, or 95% of the memory limit if that is lower.
 *
 * Context: any; lock-free.
 * Return: the goal in bytes.
 */
u64 goalloc_pacer_scavenge_goal(void)
{
	u64 goal = READ_ONCE(goalloc_pacer.goal), limit = memory_limit();

	goal += div_u64(goal * RETAIN_EXTRA_PERCENT, 100);
	if (limit != U64_MAX)
		goal = min(goal, div_u64(limit * (100 - REDUCE_EXTRA_PERCENT), 100));
	return goal;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_pacer_scavenge_goal);
