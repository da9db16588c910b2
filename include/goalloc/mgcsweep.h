/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sweep cycles (Go's mgcsweep.go, and the cycle start of mgc.go): the
 * background sweeper, the pacer's trigger test, and whole-heap sweeps.
 */
#ifndef _GOALLOC_MGCSWEEP_H
#define _GOALLOC_MGCSWEEP_H

#include <linux/mutex.h>
#include <linux/workqueue.h>

/**
 * struct goalloc_sweeper - Go's sweep state and gcStart's work
 * @mutex: one sweep cycle or release pass at a time (may sleep)
 * @bgsweep: the background sweeper (Go's bgsweep goroutine)
 * @cycle_requested: the pacer's trigger fired; bgsweep starts a new cycle
 * @idle: the idle check, once a second while the heap holds memory (Go's
 *	forced GC, for a heap that stopped allocating with frees unswept)
 * @idle_armed: @idle is queued or running
 * @idle_mallocs: allocations counted at the last idle check
 * @frees_at_cycle: frees counted when the last cycle started
 */
struct goalloc_sweeper {
	struct mutex mutex;
	struct work_struct bgsweep;
	bool cycle_requested;
	struct delayed_work idle;
	bool idle_armed;
	u64 idle_mallocs;
	u64 frees_at_cycle;
};

extern struct goalloc_sweeper goalloc_sweeper;

void goalloc_sweeper_init(void);
void goalloc_sweeper_exit(void);
unsigned long goalloc_sweep_all(void);
void goalloc_maybe_start_cycle(void);
void goalloc_sweep_cycle(bool start);
void goalloc_sweep_cycle_norelease(bool start);

#endif /* _GOALLOC_MGCSWEEP_H */
