/* Tests for core/sim/stats: Student t quantiles, Welford accumulation, confidence intervals. */
#include "testutil.h"

#include "core/sim/stats.h"

#include <math.h>

static void test_t_quantiles(void **state)
{
	(void)state;
	/* published t(0.975, df) values */
	static const struct {
		uint32_t df;
		double t;
	} known[] = {
	    {1, 12.7062}, {2, 4.3027},	{3, 3.1824},   {4, 2.7764},    {5, 2.5706},
	    {9, 2.2622},  {10, 2.2281}, {19, 2.0930},  {29, 2.0452},   {30, 2.0423},
	    {40, 2.0211}, {60, 2.0003}, {120, 1.9799}, {1000, 1.9623},
	};
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_true(fabs(sim_t975(known[i].df) - known[i].t) < 6e-5);
	/* decreasing in df towards the normal quantile */
	for (uint32_t df = 1; df < 5000; df++)
		assert_true(sim_t975(df + 1) < sim_t975(df));
	assert_true(fabs(sim_t975(1000000) - 1.959964) < 1e-5);
	assert_true(isnan(sim_t975(0)));
	/* table and expansion meet smoothly at 30/31 */
	assert_true(sim_t975(30) - sim_t975(31) < 0.004);
}

static void test_welford(void **state)
{
	(void)state;
	static const double x[] = {0.91, 0.88, 0.93, 0.87, 0.90, 0.95, 0.89, 0.92};
	const unsigned n = sizeof(x) / sizeof(x[0]);
	struct sim_acc a;
	struct sim_stat s;
	sim_acc_init(&a);
	double sum = 0;
	for (unsigned i = 0; i < n; i++) {
		sim_acc_add(&a, x[i]);
		sim_acc_add(&a, NAN); /* undefined values (no calls) are skipped */
		sum += x[i];
	}
	double mean = sum / n, ss = 0;
	for (unsigned i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	double half = sim_t975(n - 1) * sqrt(ss / (n - 1) / n);
	sim_acc_stat(&a, &s);
	assert_int_equal(s.n, n);
	assert_true(fabs(s.mean - mean) < 1e-12);
	assert_true(fabs((s.hi - s.lo) / 2 - half) < 1e-12);
	assert_true(fabs((s.hi + s.lo) / 2 - mean) < 1e-12);
	/* worked by hand: mean 0.90625, s = 0.026693, t(7) = 2.364624 -> half 0.022316 */
	assert_true(fabs(s.mean - 0.90625) < 1e-12);
	assert_true(fabs((s.hi - s.lo) / 2 - 0.022316) < 1e-5);
}

static void test_degenerate(void **state)
{
	(void)state;
	struct sim_acc a;
	struct sim_stat s;
	sim_acc_init(&a);
	sim_acc_stat(&a, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.mean) && isnan(s.lo) && isnan(s.hi));
	sim_acc_add(&a, 4.0);
	sim_acc_stat(&a, &s);
	assert_int_equal(s.n, 1);
	assert_true(s.mean == 4.0 && isnan(s.lo) && isnan(s.hi));
	sim_acc_add(&a, 4.0);
	sim_acc_add(&a, 4.0);
	sim_acc_stat(&a, &s);
	/* no spread: the interval is the point */
	assert_true(s.mean == 4.0 && s.lo == 4.0 && s.hi == 4.0);
}

/* Coverage: about 95% of intervals from normal samples contain the true mean. */
static void test_coverage(void **state)
{
	(void)state;
	uint64_t x = 12345;
	int covered = 0, trials = 4000;
	for (int t = 0; t < trials; t++) {
		struct sim_acc a;
		struct sim_stat s;
		sim_acc_init(&a);
		for (int i = 0; i < 5; i++) {
			/* a sum of 12 uniforms - 6 is close enough to a standard normal */
			double z = -6;
			for (int k = 0; k < 12; k++) {
				x = x * 6364136223846793005ULL + 1442695040888963407ULL;
				z += (double)(x >> 11) * 0x1.0p-53;
			}
			sim_acc_add(&a, 10 + z);
		}
		sim_acc_stat(&a, &s);
		covered += s.lo <= 10 && 10 <= s.hi;
	}
	/* 95% of 4000 = 3800, binomial sd about 14 */
	assert_true(covered > 3740 && covered < 3860);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_t_quantiles),
	    TEST(test_welford),
	    TEST(test_degenerate),
	    TEST(test_coverage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
