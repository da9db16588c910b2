/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _GOALLOC_SHIM_LINUX_BUILD_BUG_H
#define _GOALLOC_SHIM_LINUX_BUILD_BUG_H

#include <assert.h>

#undef static_assert
#define static_assert(e)	_Static_assert(e, #e)
#define BUILD_BUG_ON(e)		_Static_assert(!(e), #e)

#endif
