// SPDX-License-Identifier: GPL-2.0
/*
 * The stack pools and per-CPU stack caches (Go's stack.go stackpool and
 * stackcache): the layers under the stack API of stack.c, whose opening
 * comment has the whole picture.  A stack cache is handed in by its owner;
 * the pools take their spans from the heap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <kunit/visibility.h>

#include "goalloc/mheap.h"
#include "goalloc/stack.h"

struct goalloc_stackpool goalloc_stackpool[GOALLOC_NUM_STACK_ORDERS];
EXPORT_SYMBOL_IF_KUNIT(goalloc_stackpool);

/* Go's stackpoolalloc.  Context: pool lock held; never sleeps. */
static void *stackpool_alloc(unsigned int order)
{
	struct goalloc_stackpool *pool = &goalloc_stackpool[order];
	struct goalloc_mspan *s;
	struct goalloc_stack_link *x;
	u32 i, size = GOALLOC_FIXED_STACK << order;

	lockdep_assert_held(&pool->lock);
	s = list_first_entry_or_null(&pool->spans, struct goalloc_mspan, list);
	if (!s) {
		s = goalloc_mheap_alloc_span(NULL, GOALLOC_STACK_CACHE_SIZE >> GOALLOC_PAGE_SHIFT,
					     0, GOALLOC_MSPAN_MANUAL);
		if (IS_ERR(s))
			return s;
		s->elemsize = size;
		s->nelems = GOALLOC_STACK_CACHE_SIZE / size;
		s->divmul = ~0U / size + 1;	/* Go's divMagic for this size */
		s->manual_freelist = NULL;
		for (i = s->nelems; i-- > 0;) {
			x = (struct goalloc_stack_link *)(s->base + (unsigned long)i * size);
			x->next = s->manual_freelist;
			s->manual_freelist = x;
		}
		s->manual_nfree = s->nelems;
		s->alloc_count = 0;
		list_add(&s->list, &pool->spans);
		pool->nspans++;
	}
	x = s->manual_freelist;
	s->manual_freelist = x->next;
	s->manual_nfree--;
	s->alloc_count++;
	if (!s->manual_freelist)
		list_del_init(&s->list);	/* exhausted: off the list */
	return x;
}

/* Go's stackpoolfree.  Context: pool lock held; never sleeps. */
static void stackpool_free(void *v, unsigned int order, struct goalloc_mspan *s)
{
	struct goalloc_stackpool *pool = &goalloc_stackpool[order];
	struct goalloc_stack_link *x = v;

	lockdep_assert_held(&pool->lock);
	if (!s->manual_freelist)
		list_add(&s->list, &pool->spans);
	x->next = s->manual_freelist;
	s->manual_freelist = x;
	s->manual_nfree++;
	s->alloc_count--;
	if (!s->alloc_count) {
		list_del_init(&s->list);
		pool->nspans--;
		goalloc_mheap_free_span(NULL, s);
	}
}

/**
 * goalloc_stackcache_refill() - Go's stackcacherefill: half a cache's worth
 *	from the pool
 * @c: one order of this CPU's stack cache (its p lock held)
 * @order: the order
 *
 * Context: the p lock held; never sleeps; takes the pool lock.
 * Return: 0 if @c now holds a stack; else the pool's error (-EAGAIN:
 * grow the heap with every lock dropped and retry).
 */
int goalloc_stackcache_refill(struct goalloc_stackcache *c, unsigned int order)
{
	struct goalloc_stackpool *pool = &goalloc_stackpool[order];
	u32 size = GOALLOC_FIXED_STACK << order;
	struct goalloc_stack_link *x;
	int err = 0;

	/* The p lock disabled interrupts: the pool lock needs no irqsave here. */
	spin_lock(&pool->lock);
	while (c->size < GOALLOC_STACK_CACHE_SIZE / 2) {
		x = stackpool_alloc(order);
		if (IS_ERR(x)) {
			err = PTR_ERR(x);
			break;
		}
		x->next = c->list;
		c->list = x;
		c->size += size;
	}
	spin_unlock(&pool->lock);
	return c->list ? 0 : err;
}

/**
 * goalloc_stackcache_release() - Go's stackcacherelease: give stacks back
 *	to the pool
 * @c: one order of a CPU's stack cache (its p lock held, or a dead CPU's)
 * @order: the order
 * @keep: bytes to leave in @c
 *
 * Context: never sleeps; takes the pool lock and maybe mheap.lock.
 */
void goalloc_stackcache_release(struct goalloc_stackcache *c, unsigned int order,
			       u32 keep)
{
	struct goalloc_stackpool *pool = &goalloc_stackpool[order];
	u32 size = GOALLOC_FIXED_STACK << order;
	struct goalloc_stack_link *x;
	unsigned long irqf;

	spin_lock_irqsave(&pool->lock, irqf);
	while (c->size > keep) {
		x = c->list;
		c->list = x->next;
		c->size -= size;
		rcu_read_lock();
		stackpool_free(x, order, goalloc_span_of((unsigned long)x));
		rcu_read_unlock();
	}
	spin_unlock_irqrestore(&pool->lock, irqf);
}

/**
 * goalloc_stackcache_clear() - Go's stackcache_clear: empty a CPU's caches
 * @c: the CPU's stack cache, every order (own CPU under its p lock, or a
 *	dead CPU's)
 *
 * Context: never sleeps.
 */
void goalloc_stackcache_clear(struct goalloc_stackcache *c)
{
	unsigned int order;

	for (order = 0; order < GOALLOC_NUM_STACK_ORDERS; order++)
		goalloc_stackcache_release(&c[order], order, 0);
}

/**
 * goalloc_stack_init() - set up the pools
 *
 * Context: module init.
 */
void goalloc_stack_init(void)
{
	unsigned int i;

	for (i = 0; i < GOALLOC_NUM_STACK_ORDERS; i++) {
		spin_lock_init(&goalloc_stackpool[i].lock);
		INIT_LIST_HEAD(&goalloc_stackpool[i].spans);
		goalloc_stackpool[i].nspans = 0;
	}
}
