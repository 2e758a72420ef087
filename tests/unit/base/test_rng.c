/* Tests for base/rng: reproducibility, bounds and the moments of the distributions. */
#include "testutil.h"

#include "base/rng.h"

#include <math.h>

static void test_reproducible(void **state)
{
	(void)state;
	struct rng a, b, c;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	int differ = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a);
		assert_int_equal(x, rng_next(&b));
		differ += x != rng_next(&c);
	}
	assert_true(differ > 990);
}

static void test_below(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 1);
	int hist[7] = {0};
	for (int i = 0; i < 70000; i++) {
		uint64_t x = rng_below(&r, 7);
		assert_true(x < 7);
		hist[x]++;
	}
	for (int i = 0; i < 7; i++)
		assert_true(hist[i] > 9400 && hist[i] < 10600);
	assert_int_equal(rng_below(&r, 1), 0);
}

static void test_moments(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 3);
	enum { N = 200000 };
	double se = 0, su = 0, sp = 0, spl = 0, sn = 0, sn2 = 0;
	for (int i = 0; i < N; i++) {
		double u = rng_uniform(&r);
		assert_true(u >= 0.0 && u < 1.0);
		su += u;
		se += rng_exp(&r, 180.0);
		sp += (double)rng_poisson(&r, 4.5);
		spl += (double)rng_poisson(&r, 250.0);
		double z = rng_normal(&r);
		sn += z;
		sn2 += z * z;
	}
	assert_true(fabs(su / N - 0.5) < 0.005);
	assert_true(fabs(se / N - 180.0) < 2.0);
	assert_true(fabs(sp / N - 4.5) < 0.03);
	assert_true(fabs(spl / N - 250.0) < 0.3);
	assert_true(fabs(sn / N) < 0.01);
	assert_true(fabs(sn2 / N - 1.0) < 0.01);
}

static void test_substreams(void **state)
{
	(void)state;
	struct rng a, b, a2;
	rng_substream(&a, 9, 1);
	rng_substream(&b, 9, 2);
	rng_substream(&a2, 9, 1);
	uint64_t x = rng_next(&a);
	assert_int_equal(x, rng_next(&a2));
	assert_true(x != rng_next(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_reproducible),
		TEST(test_below),
		TEST(test_moments),
		TEST(test_substreams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
