/* testutil: cmocka includes and the leak check every unit test ends with. */
#ifndef SB_TESTS_TESTUTIL_H
#define SB_TESTS_TESTUTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/mem.h"

static long test_mem_baseline;

static inline int test_mem_mark(void **state)
{
	(void)state;
	test_mem_baseline = sb_mem_outstanding();
	return 0;
}

/* Teardown of every test: fails when the test left blocks allocated. */
static inline int test_no_leaks(void **state)
{
	(void)state;
	long left = sb_mem_outstanding() - test_mem_baseline;
	if (left != 0) {
		print_error("leak: %ld block(s) still allocated\n", left);
		test_mem_baseline = sb_mem_outstanding(); /* report each leak once */
		return -1;
	}
	return 0;
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, test_mem_mark, test_no_leaks)

#endif
