// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_kunit.ko: goalloc's KUnit suites, one file per tier.  They reach
 * goalloc's internals through EXPORT_SYMBOL_IF_KUNIT and run when this
 * module is loaded (after goalloc.ko).
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for goalloc");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
