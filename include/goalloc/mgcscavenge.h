/* SPDX-License-Identifier: GPL-2.0 */
/* The background scavenger (Go's mgcscavenge.go; mod/mgcscavenge.c). */
#ifndef _GOALLOC_MGCSCAVENGE_H
#define _GOALLOC_MGCSCAVENGE_H

void goalloc_scavenger_init(void);
void goalloc_scavenger_exit(void);
void goalloc_scavenger_wake(void);

#endif /* _GOALLOC_MGCSCAVENGE_H */
