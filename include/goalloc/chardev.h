/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/goalloc: the userspace ABI of include/uapi/goalloc.h (chardev.c). */
#ifndef _GOALLOC_CHARDEV_H
#define _GOALLOC_CHARDEV_H

int goalloc_chardev_init(void);
void goalloc_chardev_exit(void);

#endif /* _GOALLOC_CHARDEV_H */
