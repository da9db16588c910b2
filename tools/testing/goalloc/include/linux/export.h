/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _GOALLOC_SHIM_LINUX_EXPORT_H
#define _GOALLOC_SHIM_LINUX_EXPORT_H

#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)

#endif
