// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc's tracepoints (include/trace/events/goalloc.h) and the register
 * callbacks of goalloc_alloc and goalloc_free.
 *
 * Those two events fire only on out-of-line paths.  The first probe of
 * either turns a detour on before the tracepoint's static key (the kernel
 * calls regfunc first), and the last one turns it off after the key: so
 * while a probe is attached every allocation (free) takes the path with
 * the event, and while none is the fast paths carry no trace code at all.
 *
 * This file is a leaf of the layering (every tier calls its tracepoints),
 * so the allocator hands it the detours at init (goalloc_trace_attach())
 * rather than being called from here.  A probe may come before that (the
 * events exist from MODULE_STATE_COMING on) or outlive it (until
 * MODULE_STATE_GOING, after module exit): the wanted state is kept, and
 * applied whenever the allocator is attached.
 */
#include <linux/mutex.h>

#define CREATE_TRACE_POINTS
#include <trace/events/goalloc.h>

#include "goalloc/trace.h"

/* Serialises the callbacks with attach/detach; taken under tracepoints_mutex. */
static DEFINE_MUTEX(goalloc_trace_mutex);
static const struct goalloc_trace_ops *goalloc_trace_ops;
static bool want_alloc, want_free;

static void set_alloc(bool on)
{
	mutex_lock(&goalloc_trace_mutex);
	want_alloc = on;
	if (goalloc_trace_ops)
		goalloc_trace_ops->alloc_detour(on);
	mutex_unlock(&goalloc_trace_mutex);
}

static void set_free(bool on)
{
	mutex_lock(&goalloc_trace_mutex);
	want_free = on;
	if (goalloc_trace_ops)
		goalloc_trace_ops->free_detour(on);
	mutex_unlock(&goalloc_trace_mutex);
}

/* Context (all four): tracepoints_mutex held; process context, may sleep. */
int goalloc_trace_alloc_reg(void)
{
	set_alloc(true);
	return 0;
}

void goalloc_trace_alloc_unreg(void)
{
	set_alloc(false);
}

int goalloc_trace_free_reg(void)
{
	set_free(true);
	return 0;
}

void goalloc_trace_free_unreg(void)
{
	set_free(false);
}

/**
 * goalloc_trace_attach() - the allocator is up: apply the detours wanted
 * @ops: its detour switches
 *
 * Context: module init, process context; may sleep.
 */
void goalloc_trace_attach(const struct goalloc_trace_ops *ops)
{
	mutex_lock(&goalloc_trace_mutex);
	goalloc_trace_ops = ops;
	if (want_alloc)
		ops->alloc_detour(true);
	if (want_free)
		ops->free_detour(true);
	mutex_unlock(&goalloc_trace_mutex);
}

/**
 * goalloc_trace_detach() - the allocator goes down: undo the detours
 *
 * A probe may still be attached: its unregister callback then finds no
 * allocator to switch.
 *
 * Context: module exit (or a failed init), process context; may sleep.
 */
void goalloc_trace_detach(void)
{
	mutex_lock(&goalloc_trace_mutex);
	if (goalloc_trace_ops) {
		if (want_alloc)
			goalloc_trace_ops->alloc_detour(false);
		if (want_free)
			goalloc_trace_ops->free_detour(false);
	}
	goalloc_trace_ops = NULL;
	mutex_unlock(&goalloc_trace_mutex);
}
