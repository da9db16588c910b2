/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pacer: when the next sweep cycle starts and how much memory the
 * scavenger lets the heap keep (Go 1.19's mgcpacer.go and gcPaceScavenger).
 *
 * Fed by heap counters: heap_live moves when spans are cached and released,
 * slots are reclaimed and large objects come and go; the cycle driver
 * (mgcsweep.c) hands it the live heap and the memory held at each cycle
 * start.  It depends on no other tier, so every tier may feed it.
 */
#ifndef _GOALLOC_MGCPACER_H
#define _GOALLOC_MGCPACER_H

#include <linux/atomic.h>
#include <linux/types.h>

/* Go's defaultHeapMinimum: the heap goal's floor at GOGC=100. */
#define GOALLOC_HEAP_MINIMUM	(4UL << 20)

/**
 * struct goalloc_pacer - Go's gcController, for an explicit-free heap
 * @heap_live: Go's heapLive for an explicit free: bytes of every slot an
 *	mcache holds (refill counts a span's free slots as handed out, its
 *	release takes back those never used), of allocated slots not yet
 *	reclaimed by a sweep, and of large objects; compared against @trigger
 *	to start the next cycle
 * @trigger: heap_live at which the next cycle starts
 * @goal: the heap goal of this cycle (Go's heapGoal)
 * @heap_marked: live bytes (HeapAlloc) when the current cycle started
 * @cycles: sweep cycles started
 *
 * Everything but @heap_live is written only by the cycle driver (under
 * goalloc_sweeper.mutex) and read locklessly with READ_ONCE().
 */
struct goalloc_pacer {
	atomic64_t heap_live;
	u64 trigger;
	u64 goal;
	u64 heap_marked;
	u64 cycles;
};

/**
 * struct goalloc_pacer_input - what a cycle start tells the pacer
 * @live: bytes of live objects (HeapAlloc)
 * @mapped: bytes goalloc holds from the kernel (Go's mappedReady)
 * @heap_free: bytes of free pages the heap holds (Go's heapFree)
 * @heap_live: heap_live once the cycle's sweep is done
 */
struct goalloc_pacer_input {
	u64 live;
	u64 mapped;
	u64 heap_free;
	u64 heap_live;
};

extern struct goalloc_pacer goalloc_pacer;
extern unsigned int goalloc_gogc;
extern unsigned long goalloc_memory_limit_mb;

void goalloc_pacer_init(void);
void goalloc_pacer_start_cycle(const struct goalloc_pacer_input *in);
u64 goalloc_pacer_heap_goal(u64 marked, const struct goalloc_pacer_input *in,
			    u64 *min_trigger);
u64 goalloc_pacer_trigger(u64 marked, u64 goal, u64 min_trigger);
u64 goalloc_pacer_scavenge_goal(void);

/**
 * goalloc_pacer_trigger_reached() - Go's gcTrigger.test for a heap trigger
 *
 * Context: any; lock-free.
 * Return: true once heap_live has reached the trigger.
 */
static inline bool goalloc_pacer_trigger_reached(void)
{
	return atomic64_read(&goalloc_pacer.heap_live) >= READ_ONCE(goalloc_pacer.trigger);
}

#endif /* _GOALLOC_MGCPACER_H */
