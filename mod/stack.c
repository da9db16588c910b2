// SPDX-License-Identifier: GPL-2.0
/*
 * The stack allocator (Go's stack.go): power-of-two stacks of at least
 * 2 KiB, taken from the same mheap as heap spans but as manual spans.
 *
 *  < 32 KiB (orders 0..3 = 2, 4, 8, 16 KiB):
 *      per-CPU stackcache[order] (in the CPU's p, under its lock)
 *        -> stackpool[order] (its own spinlock): 32 KiB spans carved into
 *           stacks of that order, a free list per span, returned to the heap
 *           when every stack in them is free
 *        -> mheap
 *      The cache refills by taking half its capacity (16 KiB) from the pool
 *      and, when full (32 KiB), releases down to half first.
 *  >= 32 KiB:
 *      a span of its own from the mheap, freed straight back to it.  Go
 *      parks freed large stacks in stackLarge only while the GC marks (a
 *      span reused as a heap span then would race with marking); goalloc
 *      has no mark phase, so it has no stackLarge.
 *
 * Locking: the lock order block at the top of malloc.c.  Growing the heap
 * happens with no lock held.  The pools and caches are in stackpool.c;
 * this file is the API.
 *
 * Free stacks are threaded through their first word.  Whether a stack is in
 * a caller's hands is one bit per stack in its span's gcmark_bits, set and
 * cleared atomically, so a double free or a free of a cached stack is
 * caught on any CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>

#include <goalloc.h>
#include <trace/events/goalloc.h>
#include "goalloc/kasan.h"
#include "goalloc/malloc.h"
#include "goalloc/proc.h"
#include "goalloc/stack.h"

/* One attempt; ERR_PTR(-EAGAIN) asks the caller to grow the heap. */
/*
 * The stack events out of line behind their static keys: with the events
 * off, the fast paths keep neither the return address nor the event's
 * arguments live for them.
 */
static noinline __cold void trace_stack_alloc(unsigned long ip, void *v, size_t size)
{
	trace_goalloc_stack_alloc(ip, v, size);
}

static noinline __cold void trace_stack_free(unsigned long ip, void *v, size_t size)
{
	trace_goalloc_stack_free(ip, v, size);
}

static void *stack_alloc_once(size_t n)
{
	struct goalloc_stackcache *c;
	struct goalloc_mspan *s;
	struct goalloc_stack_link *x;
	unsigned int order;
	unsigned long irqf;
	int err;

	if (n < GOALLOC_STACK_CACHE_SIZE) {
		order = goalloc_stack_order(n);
		/* Task context only, but the p lock is irq-safe for everyone. */
		local_lock_irqsave(&goalloc_allp->lock, irqf);
		c = &this_cpu_ptr(goalloc_allp)->stackcache[order];
		if (!c->list) {
			err = goalloc_stackcache_refill(c, order);
			if (err) {
				local_unlock_irqrestore(&goalloc_allp->lock, irqf);
				return ERR_PTR(err);
			}
		}
		x = c->list;
		c->list = x->next;
		c->size -= n;
		local_unlock_irqrestore(&goalloc_allp->lock, irqf);
		return x;
	}

	s = goalloc_mheap_alloc_span(NULL, n >> GOALLOC_PAGE_SHIFT, 0, GOALLOC_MSPAN_MANUAL);
	if (IS_ERR(s))
		return s;
	return (void *)s->base;
}

static bool stack_size_ok(size_t n)
{
	return n >= GOALLOC_FIXED_STACK && n <= GOALLOC_STACK_MAX && is_power_of_2(n);
}

/**
 * goalloc_stack_alloc() - Go's stackalloc
 * @size: stack size: a power of two, GOALLOC_FIXED_STACK..GOALLOC_STACK_MAX
 *
 * Context: task context only (not softirq or hardirq), may sleep (to grow
 * the heap); might_sleep() enforces it.
 * Return: the lowest address of the stack, or ERR_PTR(-EINVAL) for a bad
 * size, ERR_PTR(-ENOMEM) when the heap is at its cap, memory is short, or
 * GOALLOC_STACK_GROW_TRIES heap grows in a row did not make room for it.
 */
void *goalloc_stack_alloc(size_t size)
{
	struct goalloc_mspan *s;
	unsigned int grows;
	void *v;
	int err;

	might_sleep();
	if (!stack_size_ok(size))
		return ERR_PTR(-EINVAL);
	for (grows = 0;; grows++) {
		v = stack_alloc_once(size);
		if (!IS_ERR(v))
			break;
		if (PTR_ERR(v) != -EAGAIN)
			return v;
		/*
		 * Each grow adds an arena or found that someone else did, but
		 * other tasks may take the new pages first every time: bound
		 * the rounds, as alloc_slow() does, so the caller gets -ENOMEM
		 * instead of spinning.
		 */
		if (grows == GOALLOC_STACK_GROW_TRIES)
			return ERR_PTR(-ENOMEM);
		err = goalloc_mheap_grow(max_t(u32, size >> GOALLOC_PAGE_SHIFT,
					       GOALLOC_STACK_CACHE_SIZE >> GOALLOC_PAGE_SHIFT));
		if (err)
			return ERR_PTR(err);
	}
	goalloc_kasan_unpoison(v, size, size);
	/* Mark it as in the caller's hands. */
	rcu_read_lock();
	s = goalloc_span_of((unsigned long)v);
	WARN_ON_ONCE(test_and_set_bit(goalloc_mspan_obj_index(s, (unsigned long)v),
				      s->gcmark_bits));
	rcu_read_unlock();
	if (trace_goalloc_stack_alloc_enabled())
		trace_stack_alloc(_RET_IP_, v, size);
	return v;
}
EXPORT_SYMBOL_GPL(goalloc_stack_alloc);

/* Refused like a bad object free: counted, and the first one WARNs. */
static int stack_bad_free(const void *stk, size_t size)
{
	atomic_long_inc(&goalloc_bad_frees);
	WARN_ONCE(READ_ONCE(goalloc_warn_bad_free),
		  "goalloc: free of %p as a %zu B stack: not a live stack of that size\n",
		  stk, size);
	return -EINVAL;
}

/**
 * goalloc_stack_free() - Go's stackfree
 * @stk: a stack from goalloc_stack_alloc() or goalloc_stack_grow()
 * @size: its size
 *
 * Context: task context only (not softirq or hardirq; might_sleep()
 * enforces it, though it does not sleep), any CPU.
 * Return: 0, or -EINVAL if @stk is not a live stack of @size (double free,
 * wrong size, interior or foreign pointer); nothing is changed then, and
 * the refusal is counted and reported as goalloc_free() reports its own.
 */
int goalloc_stack_free(void *stk, size_t size)
{
	unsigned long v = (unsigned long)stk;
	struct goalloc_stackcache *c;
	struct goalloc_mspan *s;
	unsigned long irqf;
	unsigned int order;

	might_sleep();
	if (!stack_size_ok(size))
		return stack_bad_free(stk, size);
	rcu_read_lock();
	s = goalloc_span_of(v);
	if (!s || READ_ONCE(s->state) != GOALLOC_MSPAN_MANUAL || s->elemsize != size ||
	    (v - s->base) % size ||
	    !test_and_clear_bit(goalloc_mspan_obj_index(s, v), s->gcmark_bits)) {
		rcu_read_unlock();
		return stack_bad_free(stk, size);
	}
	rcu_read_unlock();

	/*
	 * A large stack's span goes straight back to the heap (Go's stackfree
	 * when gcphase == _GCoff): clearing its bit above made it ours alone,
	 * and the heap marks it dead, so a second free finds no stack span.
	 */
	if (trace_goalloc_stack_free_enabled())
		trace_stack_free(_RET_IP_, stk, size);
	if (size >= GOALLOC_STACK_CACHE_SIZE) {
		goalloc_mheap_free_span(NULL, s);
		return 0;
	}

	/* The first word stays accessible: it links the free stack. */
	goalloc_kasan_poison(stk + sizeof(void *), size - sizeof(void *), GOALLOC_KASAN_FREE);
	order = goalloc_stack_order(size);
	local_lock_irqsave(&goalloc_allp->lock, irqf);
	c = &this_cpu_ptr(goalloc_allp)->stackcache[order];
	if (c->size >= GOALLOC_STACK_CACHE_SIZE)
		goalloc_stackcache_release(c, order, GOALLOC_STACK_CACHE_SIZE / 2);
	((struct goalloc_stack_link *)stk)->next = c->list;
	c->list = stk;
	c->size += size;
	local_unlock_irqrestore(&goalloc_allp->lock, irqf);
	return 0;
}
EXPORT_SYMBOL_GPL(goalloc_stack_free);

/**
 * goalloc_stack_grow() - Go's copystack: move a stack to one twice the size
 * @stk: a live stack
 * @size: its size
 * @used: bytes in use at its top (stacks grow down), at most @size
 *
 * Allocates a stack of 2 * @size, copies the used top part to the top of
 * the new one and frees the old.  C has no stack maps, so pointers into
 * the old stack are the caller's to adjust (by the returned distance).
 *
 * Context: task context only, may sleep (might_sleep() enforces it).
 * Return: the new stack; ERR_PTR(-EINVAL) for bad arguments (the old stack
 * is untouched) or ERR_PTR(-ENOMEM) (the old stack is still valid).
 */
void *goalloc_stack_grow(void *stk, size_t size, size_t used)
{
	unsigned long v = (unsigned long)stk;
	struct goalloc_mspan *s;
	bool live;
	void *n;

	might_sleep();
	if (!stack_size_ok(size) || used > size || size * 2 > GOALLOC_STACK_MAX)
		return ERR_PTR(-EINVAL);
	rcu_read_lock();
	s = goalloc_span_of(v);
	live = s && READ_ONCE(s->state) == GOALLOC_MSPAN_MANUAL &&
	       s->elemsize == size && !((v - s->base) % size) &&
	       test_bit(goalloc_mspan_obj_index(s, v), s->gcmark_bits);
	rcu_read_unlock();
	if (!live)
		return ERR_PTR(-EINVAL);
	n = goalloc_stack_alloc(size * 2);
	if (IS_ERR(n))
		return n;
	memcpy(n + 2 * size - used, stk + size - used, used);
	WARN_ON_ONCE(goalloc_stack_free(stk, size));
	trace_goalloc_stack_grow(_RET_IP_, stk, n, size, used);
	return n;
}
EXPORT_SYMBOL_GPL(goalloc_stack_grow);

/**
 * goalloc_stack_drain() - empty every CPU's stackcache into the pools
 *
 * Pool spans whose stacks are then all free go back to the heap.  Large
 * stacks need nothing: they return to the heap when freed.
 *
 * Context: process context, may sleep.
 */
void goalloc_stack_drain(void)
{
	goalloc_mcache_drain_all();
}
EXPORT_SYMBOL_GPL(goalloc_stack_drain);
