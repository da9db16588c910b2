/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace <linux/bug.h>: a failed WARN is a failed harness run. */
#ifndef _GOALLOC_SHIM_LINUX_BUG_H
#define _GOALLOC_SHIM_LINUX_BUG_H

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/build_bug.h>

#define BUG_ON(c)		assert(!(c))
#define WARN_ON(c) ({							\
	int __c = !!(c);						\
	if (__c) {							\
		fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #c, __FILE__, __LINE__); \
		abort();						\
	}								\
	__c;								\
})
#define WARN_ON_ONCE(c)		WARN_ON(c)

#endif
