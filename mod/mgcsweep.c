// SPDX-License-Identifier: GPL-2.0
/*
 * Sweep cycles (Go's mgcsweep.go, and gcStart's part in mgc.go).
 *
 * goalloc has no mark phase: an explicit free clears the object's mark bit,
 * so a "cycle" is Go's sweep termination plus a new sweep phase.  Starting
 * one advances sweepgen by 2, which turns every mcentral's swept lists into
 * its unswept ones (mcentral.c); the pacer (mgcpacer.c) is told the live
 * heap and sets the next trigger; then every unswept span is swept,
 * returning empty spans to the heap, and the scavenger is woken to give
 * free pages beyond its goal back to the kernel.  A span an mcache holds is swept when it
 * leaves the mcache.  An endless allocate/free churn therefore stays within
 * about (1 + GOGC/100) x its live heap plus what the per-CPU caches hold.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <kunit/visibility.h>
#include <trace/events/goalloc.h>

#include <goalloc.h>
#include "goalloc/mcentral.h"
#include "goalloc/mgcpacer.h"
#include "goalloc/mgcscavenge.h"
#include "goalloc/mgcsweep.h"
#include "goalloc/stats.h"

/* Go forces a GC every 2 minutes; an idle goalloc heap is swept sooner. */
#define IDLE_PERIOD	HZ

struct goalloc_sweeper goalloc_sweeper;
EXPORT_SYMBOL_IF_KUNIT(goalloc_sweeper);

/**
 * goalloc_sweep_all() - sweep every unswept span (Go's sweepone loop)
 *
 * Context: process context, may sleep between spans.
 * Return: number of spans swept.
 */
unsigned long goalloc_sweep_all(void)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < GOALLOC_NUM_SPAN_CLASSES; i++) {
		while (goalloc_mcentral_sweep_one(&goalloc_central[i])) {
			n++;
			cond_resched();
		}
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_sweep_all);

/**
 * goalloc_sweep_cycle_norelease() - finish the current sweep, maybe start
 *	the next
 * @start: begin a new cycle (sweepgen += 2) and sweep it to the end
 *
 * The pacer's trigger is reset from the bytes live at the start of the
 * cycle: the next cycle starts once GOGC% more has been handed out.
 *
 * Context: process context, may sleep; takes goalloc_sweeper.mutex.
 */
void goalloc_sweep_cycle_norelease(bool start)
{
	struct goalloc_mheap *h = &goalloc_mheap;
	struct goalloc_pacer_input in;
	struct goalloc_memstats ms;
	unsigned long nswept;

	mutex_lock(&goalloc_sweeper.mutex);
	goalloc_sweep_all();
	if (start) {
		goalloc_read_memstats(&ms);
		in.live = ms.heap_alloc;
		in.mapped = ms.sys - ms.heap_released;
		in.heap_free = ms.heap_idle - ms.heap_released;
		spin_lock_irq(&h->lock);
		WRITE_ONCE(h->sweepgen, h->sweepgen + 2);
		spin_unlock_irq(&h->lock);
		trace_goalloc_sweep_start(goalloc_sweepgen(), ms.heap_alloc,
					  atomic64_read(&goalloc_pacer.heap_live));
		nswept = goalloc_sweep_all();
		/*
		 * heap_live is not reset to the live heap: it already counts
		 * exactly the slots not reclaimed (struct goalloc_pacer), and
		 * a reset would drop the slots the mcaches hold, which their
		 * release subtracts again.  The pacer measures its sweep
		 * distance from it, once the sweep reclaimed what it could.
		 */
		in.heap_live = atomic64_read(&goalloc_pacer.heap_live);
		goalloc_pacer_start_cycle(&in);
		trace_goalloc_sweep_end(goalloc_sweepgen(), nswept, in.heap_live,
					READ_ONCE(goalloc_pacer.trigger));
		WRITE_ONCE(goalloc_sweeper.frees_at_cycle, ms.frees);
		WRITE_ONCE(goalloc_sweeper.cycle_requested, false);
	}
	mutex_unlock(&goalloc_sweeper.mutex);
}

/**
 * goalloc_sweep_cycle() - a sweep cycle, then the scavenger's turn
 * @start: begin a new cycle, see goalloc_sweep_cycle_norelease()
 *
 * Afterwards the background scavenger gives free pages beyond its goal
 * back to the kernel, paced (mgcscavenge.c).
 *
 * Context: process context, may sleep.
 */
void goalloc_sweep_cycle(bool start)
{
	goalloc_sweep_cycle_norelease(start);
	goalloc_scavenger_wake();
}
EXPORT_SYMBOL_IF_KUNIT(goalloc_sweep_cycle);

static void bgsweep_fn(struct work_struct *work)
{
	goalloc_sweep_cycle(READ_ONCE(goalloc_sweeper.cycle_requested));
}

/*
 * Once a second while the heap holds memory: a heap that allocated nothing
 * since the last check but freed objects no cycle has swept yet gets a
 * cycle, so its memory goes back without anyone asking.  Stops when the
 * heap holds nothing; the next refill re-arms it.
 */
static void idle_fn(struct work_struct *work)
{
	struct goalloc_sweeper *sw = &goalloc_sweeper;
	struct goalloc_memstats ms;

	goalloc_read_memstats(&ms);
	if (ms.mallocs == sw->idle_mallocs && ms.frees != READ_ONCE(sw->frees_at_cycle))
		goalloc_sweep_cycle(true);
	sw->idle_mallocs = ms.mallocs;
	if (goalloc_mheap_retained()) {
		queue_delayed_work(system_unbound_wq, &sw->idle, IDLE_PERIOD);
		return;
	}
	WRITE_ONCE(sw->idle_armed, false);
	/* A refill that saw idle_armed set just before the store is not lost. */
	smp_mb();
	if (goalloc_mheap_retained() && !xchg(&sw->idle_armed, true))
		queue_delayed_work(system_unbound_wq, &sw->idle, IDLE_PERIOD);
}

/**
 * goalloc_maybe_start_cycle() - Go's gcTrigger test after a refill
 *
 * Also arms the idle check when it is not running.
 *
 * Context: any; only queues work.
 */
void goalloc_maybe_start_cycle(void)
{
	if (unlikely(!READ_ONCE(goalloc_sweeper.idle_armed)) &&
	    !xchg(&goalloc_sweeper.idle_armed, true))
		queue_delayed_work(system_unbound_wq, &goalloc_sweeper.idle, IDLE_PERIOD);
	if (!goalloc_pacer_trigger_reached() || READ_ONCE(goalloc_sweeper.cycle_requested))
		return;
	WRITE_ONCE(goalloc_sweeper.cycle_requested, true);
	queue_work(system_unbound_wq, &goalloc_sweeper.bgsweep);
}

/**
 * goalloc_sweeper_init() - set up the background sweeper
 *
 * Context: module init.
 */
void goalloc_sweeper_init(void)
{
	mutex_init(&goalloc_sweeper.mutex);
	INIT_WORK(&goalloc_sweeper.bgsweep, bgsweep_fn);
	INIT_DELAYED_WORK(&goalloc_sweeper.idle, idle_fn);
	goalloc_sweeper.cycle_requested = false;
	goalloc_sweeper.idle_armed = false;
	goalloc_sweeper.idle_mallocs = 0;
	goalloc_sweeper.frees_at_cycle = 0;
}

/**
 * goalloc_sweeper_exit() - stop the background sweeper and sweep the heap
 *	one last time
 *
 * Afterwards every span without a live object is back in the heap.
 *
 * Context: module exit, every p drained; may sleep.
 */
void goalloc_sweeper_exit(void)
{
	/* No user is left to re-arm the idle check. */
	cancel_delayed_work_sync(&goalloc_sweeper.idle);
	cancel_work_sync(&goalloc_sweeper.bgsweep);
	goalloc_sweep_cycle_norelease(true);
}
