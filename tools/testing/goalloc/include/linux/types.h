/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace <linux/types.h> for goalloc's harness, after the kernel's
 * tools/include: the UAPI header (libc's own headers include it too), plus
 * the kernel's short integer types and struct list_head.
 */
#ifndef _GOALLOC_SHIM_LINUX_TYPES_H
#define _GOALLOC_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

struct list_head {
	struct list_head *next, *prev;
};

#endif
