/* Tests for sip/limit: the back-off windows, their cap, forgetting, success, the table bound. */
#include "testutil.h"

#include "sip/limit.h"

static const struct limit_policy pol = {
	.free_failures = 2, .base_ms = 1000, .cap_ms = 8000, .forget_ms = 60000, .max_entries = 3};

static void test_windows(void **state)
{
	(void)state;
	assert_int_equal(limit_window(&pol, 0), 0);
	assert_int_equal(limit_window(&pol, 2), 0);
	assert_int_equal(limit_window(&pol, 3), 1000);
	assert_int_equal(limit_window(&pol, 4), 2000);
	assert_int_equal(limit_window(&pol, 5), 4000);
	assert_int_equal(limit_window(&pol, 6), 8000);
	assert_int_equal(limit_window(&pol, 7), 8000);
	assert_int_equal(limit_window(&pol, 4000000000u), 8000); /* no overflow */
	struct limit *l;
	struct limit_policy bad = pol;
	bad.base_ms = 0;
	assert_int_equal(limit_alloc(&l, &bad), EINVAL);
}

static void test_fail_wait_success(void **state)
{
	(void)state;
	struct limit *l;
	assert_int_equal(limit_alloc(&l, &pol), 0);
	const char k[] = "1.2.3.4";
	assert_int_equal(limit_wait(l, k, 7, 0), 0);
	assert_int_equal(limit_fail(l, k, 7, 0), 0);
	assert_int_equal(limit_fail(l, k, 7, 10), 0);
	assert_int_equal(limit_wait(l, k, 7, 10), 0);
	assert_int_equal(limit_fail(l, k, 7, 100), 1000);
	assert_int_equal(limit_wait(l, k, 7, 100), 1000);
	assert_int_equal(limit_wait(l, k, 7, 600), 500);
	assert_int_equal(limit_wait(l, k, 7, 1100), 0);
	assert_int_equal(limit_fail(l, k, 7, 1100), 2000);
	assert_int_equal(limit_failures(l, k, 7, 1100), 4);
	/* another key is not affected */
	assert_int_equal(limit_wait(l, "5.6.7.8", 7, 1100), 0);
	limit_success(l, k, 7);
	assert_int_equal(limit_failures(l, k, 7, 1100), 0);
	assert_int_equal(limit_wait(l, k, 7, 1100), 0);
	limit_free(l);
}

static void test_forget_and_bound(void **state)
{
	(void)state;
	struct limit *l;
	assert_int_equal(limit_alloc(&l, &pol), 0);
	for (int i = 0; i < 10; i++)
		limit_fail(l, "a", 1, i);
	assert_int_equal(limit_wait(l, "a", 1, 10), 8000 - 1); /* capped, from the last failure */
	assert_int_equal(limit_failures(l, "a", 1, 60008), 10);
	assert_int_equal(limit_failures(l, "a", 1, 60009), 0); /* forgotten: it ends by itself */
	assert_int_equal(limit_count(l), 0);
	/* at most max_entries keys: the one that failed longest ago goes */
	limit_fail(l, "k1", 2, 100);
	limit_fail(l, "k2", 2, 200);
	limit_fail(l, "k3", 2, 300);
	limit_fail(l, "k1", 2, 400); /* k1 is now the most recent */
	limit_fail(l, "k4", 2, 500);
	assert_int_equal(limit_count(l), 3);
	assert_int_equal(limit_failures(l, "k2", 2, 500), 0);
	assert_int_equal(limit_failures(l, "k1", 2, 500), 2);
	assert_int_equal(limit_failures(l, "k3", 2, 500), 1);
	limit_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_windows),
		TEST(test_fail_wait_success),
		TEST(test_forget_and_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
