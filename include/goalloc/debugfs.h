/* SPDX-License-Identifier: GPL-2.0 */
/* /sys/kernel/debug/goalloc/ (debugfs.c): read-only views of every tier. */
#ifndef _GOALLOC_DEBUGFS_H
#define _GOALLOC_DEBUGFS_H

int goalloc_debugfs_init(void);
void goalloc_debugfs_exit(void);

#endif /* _GOALLOC_DEBUGFS_H */
