/* SPDX-License-Identifier: GPL-2.0 */
/* The harness links everything into one program: nothing to export. */
#ifndef _GOALLOC_SHIM_KUNIT_VISIBILITY_H
#define _GOALLOC_SHIM_KUNIT_VISIBILITY_H

#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(s)

#endif
