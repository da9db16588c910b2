/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pacer: when the next sweep cycle starts (Go's mgcpacer.go).
 *
 * Fed by heap counters: heap_live moves when spans are cached and released,
 * slots are reclaimed and large objects come and go; the cycle driver
 * (mgcsweep.c) hands it the live heap at each cycle start.  It depends on
 * no other tier, so every tier may feed it.
 */
#ifndef _GOALLOC_MGCPACER_H
#define _GOALLOC_MGCPACER_H

#include <linux/atomic.h>
#include <linux/types.h>

/* Go's heapMinimum: no sweep cycle is paced below this heap size. */
#define GOALLOC_HEAP_MINIMUM	(4UL << 20)

/**
 * struct goalloc_pacer - Go's gcController, for an explicit-free heap
 * @heap_live: Go's heapLive for an explicit free: bytes of every slot an
 *	mcache holds (refill counts a span's free slots as handed out, its
 *	release takes back those never used), of allocated slots not yet
 *	reclaimed by a sweep, and of large objects; compared against @trigger
 *	to start the next cycle
 * @trigger: heap_live at which the next cycle starts (Go's GOGC pacing)
 * @heap_marked: live bytes (HeapAlloc) when the current cycle started
 * @cycles: sweep cycles started
 *
 * @trigger, @heap_marked and @cycles are written only by the cycle driver
 * (under goalloc_sweeper.mutex) and read locklessly with READ_ONCE().
 */
struct goalloc_pacer {
	atomic64_t heap_live;
	u64 trigger;
	u64 heap_marked;
	u64 cycles;
};

extern struct goalloc_pacer goalloc_pacer;
extern unsigned int goalloc_gogc;

void goalloc_pacer_init(void);
void goalloc_pacer_start_cycle(u64 live);
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
