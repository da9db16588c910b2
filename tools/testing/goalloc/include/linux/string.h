/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _GOALLOC_SHIM_LINUX_STRING_H
#define _GOALLOC_SHIM_LINUX_STRING_H

#include <string.h>

#endif
