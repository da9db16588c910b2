/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The detours behind goalloc_alloc and goalloc_free (mod/trace.c): while
 * either event has a probe, the tiers above make every allocation or free
 * leave its fast path for the out-of-line one where the event fires.
 */
#ifndef _GOALLOC_TRACE_H
#define _GOALLOC_TRACE_H

#include <linux/types.h>

/**
 * struct goalloc_trace_ops - how the allocator turns a detour on and off
 * @alloc_detour: send every allocation off the fast paths (@on) or back
 * @free_detour: the same for frees
 *
 * Both return only once every CPU follows the new setting.  Context:
 * process context, may sleep; called under trace.c's mutex.
 */
struct goalloc_trace_ops {
	void (*alloc_detour)(bool on);
	void (*free_detour)(bool on);
};

void goalloc_trace_attach(const struct goalloc_trace_ops *ops);
void goalloc_trace_detach(void);

#endif /* _GOALLOC_TRACE_H */
