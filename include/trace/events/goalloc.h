/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc's tracepoints (system "goalloc"): the object API's alloc and free
 * with kmem:kmalloc/kmem:kfree's fields, and the tiers underneath.
 * Documentation/goalloc.rst, "Tracepoints", says when each one fires.
 *
 * mod/trace.c defines the events.
 *
 * goalloc_alloc and goalloc_free sit only on out-of-line paths, which the
 * fast paths never reach while the events are off: registering a probe
 * detours every allocation and free there first (their reg/unreg
 * callbacks, see mod/trace.c), so an event that is off costs the fast
 * paths nothing, not even the static-key NOP.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM goalloc

#if !defined(_TRACE_GOALLOC_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_GOALLOC_H

#include <linux/tracepoint.h>
#include <linux/types.h>
#include <trace/events/mmflags.h>

#include "goalloc/span.h"

int goalloc_trace_alloc_reg(void);
void goalloc_trace_alloc_unreg(void);
int goalloc_trace_free_reg(void);
void goalloc_trace_free_unreg(void);

TRACE_EVENT_FN(goalloc_alloc,
	       TP_PROTO(unsigned long call_site, const void *ptr, size_t bytes_req,
			size_t bytes_alloc, gfp_t gfp, bool noscan),
	       TP_ARGS(call_site, ptr, bytes_req, bytes_alloc, gfp, noscan),
	       TP_STRUCT__entry(__field(unsigned long, call_site)
				__field(const void *, ptr)
				__field(size_t, bytes_req)
				__field(size_t, bytes_alloc)
				__field(unsigned long, gfp)
				__field(bool, noscan)),
	       TP_fast_assign(__entry->call_site = call_site;
			      __entry->ptr = ptr;
			      __entry->bytes_req = bytes_req;
			      __entry->bytes_alloc = bytes_alloc;
			      __entry->gfp = (__force unsigned long)gfp;
			      __entry->noscan = noscan;),
	       TP_printk("call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s noscan=%d",
			 (void *)__entry->call_site, __entry->ptr, __entry->bytes_req,
			 __entry->bytes_alloc, show_gfp_flags(__entry->gfp), __entry->noscan),
	       goalloc_trace_alloc_reg, goalloc_trace_alloc_unreg);

TRACE_EVENT_FN(goalloc_free,
	       TP_PROTO(unsigned long call_site, const void *ptr),
	       TP_ARGS(call_site, ptr),
	       TP_STRUCT__entry(__field(unsigned long, call_site)
				__field(const void *, ptr)),
	       TP_fast_assign(__entry->call_site = call_site;
			      __entry->ptr = ptr;),
	       TP_printk("call_site=%pS ptr=%p", (void *)__entry->call_site, __entry->ptr),
	       goalloc_trace_free_reg, goalloc_trace_free_unreg);

/* An mcache takes a span from its mcentral, or gives one back. */
DECLARE_EVENT_CLASS(goalloc_span,
		    TP_PROTO(const struct goalloc_mspan *s),
		    TP_ARGS(s),
		    TP_STRUCT__entry(__field(unsigned long, base)
				     __field(u32, npages)
				     __field(u8, sizeclass)
				     __field(bool, noscan)
				     __field(u16, nelems)
				     __field(u16, nalloc)),
		    TP_fast_assign(__entry->base = s->base;
				   __entry->npages = s->npages;
				   __entry->sizeclass = s->spanclass >> 1;
				   __entry->noscan = s->spanclass & 1;
				   __entry->nelems = s->nelems;
				   __entry->nalloc = s->alloc_count;),
		    TP_printk("base=%p npages=%u sizeclass=%u noscan=%d nelems=%u nalloc=%u",
			      (void *)__entry->base, __entry->npages, __entry->sizeclass,
			      __entry->noscan, __entry->nelems, __entry->nalloc));

DEFINE_EVENT(goalloc_span, goalloc_span_cached,
	     TP_PROTO(const struct goalloc_mspan *s),
	     TP_ARGS(s));

DEFINE_EVENT(goalloc_span, goalloc_span_uncached,
	     TP_PROTO(const struct goalloc_mspan *s),
	     TP_ARGS(s));

TRACE_EVENT(goalloc_heap_grow,
	    TP_PROTO(u32 npages, unsigned long base, unsigned long bytes,
		     unsigned long pages_owned),
	    TP_ARGS(npages, base, bytes, pages_owned),
	    TP_STRUCT__entry(__field(u32, npages)
			     __field(unsigned long, base)
			     __field(unsigned long, bytes)
			     __field(unsigned long, pages_owned)),
	    TP_fast_assign(__entry->npages = npages;
			   __entry->base = base;
			   __entry->bytes = bytes;
			   __entry->pages_owned = pages_owned;),
	    TP_printk("npages=%u base=%p bytes=%lu pages_owned=%lu",
		      __entry->npages, (void *)__entry->base, __entry->bytes,
		      __entry->pages_owned));

TRACE_EVENT(goalloc_sweep_start,
	    TP_PROTO(u32 sweepgen, u64 heap_alloc, u64 heap_live),
	    TP_ARGS(sweepgen, heap_alloc, heap_live),
	    TP_STRUCT__entry(__field(u32, sweepgen)
			     __field(u64, heap_alloc)
			     __field(u64, heap_live)),
	    TP_fast_assign(__entry->sweepgen = sweepgen;
			   __entry->heap_alloc = heap_alloc;
			   __entry->heap_live = heap_live;),
	    TP_printk("sweepgen=%u heap_alloc=%llu heap_live=%llu",
		      __entry->sweepgen, __entry->heap_alloc, __entry->heap_live));

TRACE_EVENT(goalloc_sweep_end,
	    TP_PROTO(u32 sweepgen, unsigned long nswept, u64 heap_live, u64 trigger),
	    TP_ARGS(sweepgen, nswept, heap_live, trigger),
	    TP_STRUCT__entry(__field(u32, sweepgen)
			     __field(unsigned long, nswept)
			     __field(u64, heap_live)
			     __field(u64, trigger)),
	    TP_fast_assign(__entry->sweepgen = sweepgen;
			   __entry->nswept = nswept;
			   __entry->heap_live = heap_live;
			   __entry->trigger = trigger;),
	    TP_printk("sweepgen=%u nswept=%lu heap_live=%llu trigger=%llu",
		      __entry->sweepgen, __entry->nswept, __entry->heap_live,
		      __entry->trigger));

TRACE_EVENT(goalloc_scavenge,
	    TP_PROTO(unsigned long npages, unsigned long pages_owned),
	    TP_ARGS(npages, pages_owned),
	    TP_STRUCT__entry(__field(unsigned long, npages)
			     __field(unsigned long, pages_owned)),
	    TP_fast_assign(__entry->npages = npages;
			   __entry->pages_owned = pages_owned;),
	    TP_printk("npages=%lu pages_owned=%lu", __entry->npages, __entry->pages_owned));

DECLARE_EVENT_CLASS(goalloc_stack,
		    TP_PROTO(unsigned long call_site, const void *ptr, size_t bytes),
		    TP_ARGS(call_site, ptr, bytes),
		    TP_STRUCT__entry(__field(unsigned long, call_site)
				     __field(const void *, ptr)
				     __field(size_t, bytes)),
		    TP_fast_assign(__entry->call_site = call_site;
				   __entry->ptr = ptr;
				   __entry->bytes = bytes;),
		    TP_printk("call_site=%pS ptr=%p bytes=%zu",
			      (void *)__entry->call_site, __entry->ptr, __entry->bytes));

DEFINE_EVENT(goalloc_stack, goalloc_stack_alloc,
	     TP_PROTO(unsigned long call_site, const void *ptr, size_t bytes),
	     TP_ARGS(call_site, ptr, bytes));

DEFINE_EVENT(goalloc_stack, goalloc_stack_free,
	     TP_PROTO(unsigned long call_site, const void *ptr, size_t bytes),
	     TP_ARGS(call_site, ptr, bytes));

TRACE_EVENT(goalloc_stack_grow,
	    TP_PROTO(unsigned long call_site, const void *old, const void *new,
		     size_t bytes, size_t used),
	    TP_ARGS(call_site, old, new, bytes, used),
	    TP_STRUCT__entry(__field(unsigned long, call_site)
			     __field(const void *, old)
			     __field(const void *, new)
			     __field(size_t, bytes)
			     __field(size_t, used)),
	    TP_fast_assign(__entry->call_site = call_site;
			   __entry->old = old;
			   __entry->new = new;
			   __entry->bytes = bytes;
			   __entry->used = used;),
	    TP_printk("call_site=%pS old=%p new=%p bytes=%zu new_bytes=%zu used=%zu",
		      (void *)__entry->call_site, __entry->old, __entry->new,
		      __entry->bytes, 2 * __entry->bytes, __entry->used));

#endif /* _TRACE_GOALLOC_H */

/*
 * define_trace.h's default, <trace/events/goalloc.h>, finds this file
 * through Kbuild's -I$(src)/include (the kernel has no header of that
 * name), in M= and DKMS builds alike.
 */
#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE goalloc

/* This part must be outside protection */
#include <trace/define_trace.h>
