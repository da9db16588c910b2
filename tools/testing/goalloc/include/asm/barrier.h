/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _GOALLOC_SHIM_ASM_BARRIER_H
#define _GOALLOC_SHIM_ASM_BARRIER_H

#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)

#endif
