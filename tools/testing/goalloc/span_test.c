// SPDX-License-Identifier: GPL-2.0
/*
 * Host build of goalloc's span tests: kunit/span_test.c's cases on
 * mod/sizeclasses.c and mod/span.c, with the host's longer randomised runs
 * (GOALLOC_SEED reseeds, GOALLOC_SPAN_ROUNDS scales the model run).
 */
#include "../../../mod/sizeclasses.c"
#include "../../../mod/span.c"
#include "../../../kunit/span_test.c"

TEST_HARNESS_MAIN
