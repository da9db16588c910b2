// SPDX-License-Identifier: GPL-2.0
/*
 * Host build of goalloc's page allocator and page cache tests:
 * kunit/pagealloc_test.c's cases on mod/pagealloc.c and mod/pagecache.c,
 * run on every radix-tree shape and with the host's longer randomised runs
 * (GOALLOC_SEED reseeds).
 */
#include "../../../mod/pagealloc.c"
#include "../../../mod/pagecache.c"
#include "../../../kunit/pagealloc_test.c"

TEST_HARNESS_MAIN
