/* Tests for core/sim/traffic: arrival rates per interval, distributions, reproducibility,
 * independent streams. */
#include "testutil.h"

#include "core/sim/traffic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN30 1800000LL

static struct sim_traffic_source source(uint32_t tag, const char *name, const double *calls,
					uint32_t n)
{
	struct sim_traffic_source s;
	memset(&s, 0, sizeof(s));
	s.tag = tag;
	s.key = sim_name_key(name);
	s.origin_ms = 0;
	s.interval_ms = MIN30;
	s.calls = calls;
	s.n = n;
	assert_int_equal(sim_dist_exponential(&s.handle, 180000), 0);
	assert_int_equal(sim_dist_exponential(&s.patience, 300000), 0);
	return s;
}

/* Counts per interval average the requested volumes; a zero interval has no calls; Poisson spread.
 */
static void test_rates_per_interval(void **state)
{
	(void)state;
	static const double calls[] = {100, 0, 300, 50, 0};
	enum { NI = 5, REPS = 2000 };
	double sum[NI] = {0}, sumsq[NI] = {0}, pos = 0;
	uint64_t total = 0;
	for (uint32_t rep = 0; rep < REPS; rep++) {
		struct sim_traffic *t;
		struct sim_traffic_source s = source(0, "q", calls, NI);
		assert_int_equal(sim_traffic_alloc(&t, 42, rep), 0);
		assert_int_equal(sim_traffic_add(t, &s), 0);
		uint32_t cnt[NI] = {0};
		struct sim_call_draw d;
		int64_t last = -1;
		while (sim_traffic_next(t, INT64_MAX, &d) == 0) {
			assert_true(d.t_ms >= last);
			last = d.t_ms;
			assert_true(d.t >= 0 && d.t < NI * (double)MIN30);
			uint32_t i = (uint32_t)(d.t / MIN30);
			cnt[i]++;
			pos += fmod(d.t, (double)MIN30) / MIN30;
			total++;
		}
		assert_true(sim_traffic_peek(t) == INT64_MAX);
		for (int i = 0; i < NI; i++) {
			sum[i] += cnt[i];
			sumsq[i] += (double)cnt[i] * cnt[i];
		}
		sim_traffic_free(t);
		sim_dist_release(&s.handle);
		sim_dist_release(&s.patience);
	}
	for (int i = 0; i < NI; i++) {
		double mean = sum[i] / REPS, var = sumsq[i] / REPS - mean * mean;
		if (calls[i] == 0) {
			assert_true(sum[i] == 0);
			continue;
		}
		/* mean within 5 standard errors; Poisson: variance equals the mean (within 15%) */
		assert_true(fabs(mean - calls[i]) < 5 * sqrt(calls[i] / REPS));
		assert_true(fabs(var / calls[i] - 1) < 0.15);
	}
	/* uniform within each interval: mean position 1/2 */
	assert_true(fabs(pos / (double)total - 0.5) < 0.005);
}

static void test_distributions(void **state)
{
	(void)state;
	struct sim_dist d;
	struct rng r;
	enum { N = 200000 };
	rng_seed(&r, 3);

	assert_int_equal(sim_dist_exponential(&d, 180000), 0);
	double s = 0, s2 = 0;
	for (int i = 0; i < N; i++) {
		double x = sim_dist_sample(&d, &r);
		assert_true(x >= 0);
		s += x;
		s2 += x * x;
	}
	double m = s / N, sd = sqrt(s2 / N - m * m);
	assert_true(fabs(m / 180000 - 1) < 0.01);
	assert_true(fabs(sd / 180000 - 1) < 0.02);

	assert_int_equal(sim_dist_lognormal(&d, 240000, 144000), 0);
	s = s2 = 0;
	for (int i = 0; i < N; i++) {
		double x = sim_dist_sample(&d, &r);
		assert_true(x > 0);
		s += x;
		s2 += x * x;
	}
	m = s / N;
	sd = sqrt(s2 / N - m * m);
	assert_true(fabs(m / 240000 - 1) < 0.01);
	assert_true(fabs(sd / 144000 - 1) < 0.03);
	assert_true(fabs(sim_dist_mean(&d) - 240000) < 1e-6);

	static const double vals[] = {1000, 5000, 9000};
	assert_int_equal(sim_dist_empirical(&d, vals, 3), 0);
	int seen[3] = {0};
	for (int i = 0; i < 30000; i++) {
		double x = sim_dist_sample(&d, &r);
		int k = x == 1000 ? 0 : x == 5000 ? 1 : x == 9000 ? 2 : -1;
		assert_true(k >= 0);
		seen[k]++;
	}
	for (int k = 0; k < 3; k++)
		assert_true(abs(seen[k] - 10000) < 500);
	assert_true(fabs(sim_dist_mean(&d) - 5000) < 1e-9);
	struct sim_dist c;
	assert_int_equal(sim_dist_copy(&c, &d), 0);
	assert_true(c.values != d.values && c.n_values == 3 && c.values[2] == 9000);
	sim_dist_release(&c);
	sim_dist_release(&d);

	sim_dist_none(&d);
	assert_true(isinf(sim_dist_sample(&d, &r)));
	assert_int_equal(sim_dist_fixed(&d, 7000), 0);
	assert_true(sim_dist_sample(&d, &r) == 7000);

	/* bad parameters */
	assert_int_equal(sim_dist_exponential(&d, 0), EINVAL);
	assert_int_equal(sim_dist_exponential(&d, NAN), EINVAL);
	assert_int_equal(sim_dist_lognormal(&d, 100, -1), EINVAL);
	static const double neg[] = {1, -2};
	assert_int_equal(sim_dist_empirical(&d, neg, 2), EINVAL);
	assert_int_equal(sim_dist_empirical(&d, vals, 0), EINVAL);
	assert_int_equal(sim_dist_parse("lognormal"), SIM_DIST_LOGNORMAL);
	assert_int_equal(sim_dist_parse("gamma"), -1);
}

/* The ziggurat exponential: moments, the distribution function at many points, the tail,
 * equiprobable bins. */
static void test_exp1(void **state)
{
	(void)state;
	enum { N = 1000000, BINS = 100 };
	static const double q[] = {
	    0.01, 0.1, 0.5, 0.6931471805599453, 1, 2, 3, 5, 7.6971174701310497, 9, 12};
	enum { NQ = sizeof(q) / sizeof(q[0]) };
	uint32_t below[NQ] = {0}, bins[BINS] = {0};
	struct rng r;
	rng_seed(&r, 2024);
	double s = 0, s2 = 0;
	for (int n = 0; n < N; n++) {
		double x = sim_exp1(&r);
		assert_true(x >= 0 && isfinite(x));
		s += x;
		s2 += x * x;
		for (int k = 0; k < NQ; k++)
			below[k] += x <= q[k];
		/* bin b holds [-ln(1 - b/B), -ln(1 - (b+1)/B)) */
		int b = (int)((1 - exp(-x)) * BINS);
		bins[b < BINS ? b : BINS - 1]++;
	}
	double m = s / N, var = s2 / N - m * m;
	assert_true(fabs(m - 1) < 0.005);
	assert_true(fabs(var - 1) < 0.015);
	for (int k = 0; k < NQ; k++) {
		double p = 1 - exp(-q[k]), se = sqrt(p * (1 - p) / N);
		if (fabs((double)below[k] / N - p) > 5 * se + 1e-9)
			fail_msg("P(X <= %g) = %g, want %g", q[k], (double)below[k] / N, p);
	}
	/* chi-square with 99 degrees of freedom: 150 is beyond its 99.9th percentile */
	double chi = 0, e = (double)N / BINS;
	for (int b = 0; b < BINS; b++)
		chi += (bins[b] - e) * (bins[b] - e) / e;
	assert_true(chi < 150);
}

/* Draws all calls of a generator into arrays (at most max). */
static uint32_t drain_calls(struct sim_traffic *t, struct sim_call_draw *out, uint32_t max)
{
	uint32_t n = 0;
	while (n < max && sim_traffic_next(t, INT64_MAX, &out[n]) == 0)
		n++;
	return n;
}

/* Same (seed, replication) -> the same calls; another replication or seed -> other calls. */
static void test_reproducible(void **state)
{
	(void)state;
	static const double calls[] = {200, 150};
	static struct sim_call_draw a[1000], b[1000], c[1000];
	struct sim_traffic *t;
	struct sim_traffic_source s = source(0, "en", calls, 2);
	uint32_t n[3];
	const uint64_t seeds[3] = {9, 9, 10}, reps[3] = {4, 4, 4};
	struct sim_call_draw *v[3] = {a, b, c};
	for (int k = 0; k < 3; k++) {
		assert_int_equal(sim_traffic_alloc(&t, seeds[k], reps[k]), 0);
		assert_int_equal(sim_traffic_add(t, &s), 0);
		n[k] = drain_calls(t, v[k], 1000);
		sim_traffic_free(t);
	}
	assert_int_equal(n[0], n[1]);
	assert_memory_equal(a, b, n[0] * sizeof(a[0]));
	assert_true(n[0] != n[2] || memcmp(a, c, n[0] * sizeof(a[0])) != 0);
	assert_true(a[0].t != c[0].t);
	/* another replication of the same seed differs too */
	assert_int_equal(sim_traffic_alloc(&t, 9, 5), 0);
	assert_int_equal(sim_traffic_add(t, &s), 0);
	n[2] = drain_calls(t, c, 1000);
	sim_traffic_free(t);
	assert_true(a[0].t != c[0].t && a[0].handle_ms != c[0].handle_ms);
	sim_dist_release(&s.handle);
	sim_dist_release(&s.patience);
}

/*
 * Common random numbers: a queue's callers do not change when another
 * queue is added or when another queue's volume changes; the two queues'
 * streams are uncorrelated.
 */
static void test_substreams(void **state)
{
	(void)state;
	static const double en[] = {300, 300}, es1[] = {100, 100}, es2[] = {50, 400};
	static struct sim_call_draw alone[2000], mixed[4000], other[4000];
	struct sim_traffic *t;
	struct sim_traffic_source s_en = source(1, "en", en, 2);
	struct sim_traffic_source s_es1 = source(2, "es", es1, 2);
	struct sim_traffic_source s_es2 = source(2, "es", es2, 2);

	assert_int_equal(sim_traffic_alloc(&t, 5, 0), 0);
	assert_int_equal(sim_traffic_add(t, &s_en), 0);
	uint32_t n_alone = drain_calls(t, alone, 2000);
	sim_traffic_free(t);

	const struct sim_traffic_source *second[2] = {&s_es1, &s_es2};
	struct sim_call_draw *outs[2] = {mixed, other};
	for (int k = 0; k < 2; k++) {
		assert_int_equal(sim_traffic_alloc(&t, 5, 0), 0);
		assert_int_equal(sim_traffic_add(t, second[k]), 0);
		assert_int_equal(sim_traffic_add(t, &s_en), 0);
		uint32_t n = drain_calls(t, outs[k], 4000), j = 0;
		int64_t last = -1;
		for (uint32_t i = 0; i < n; i++) {
			assert_true(outs[k][i].t_ms >= last); /* merged in time order */
			last = outs[k][i].t_ms;
			if (outs[k][i].tag != 1)
				continue;
			assert_true(j < n_alone);
			/* the same caller: time, handle time and patience */
			assert_true(outs[k][i].t == alone[j].t);
			assert_true(outs[k][i].handle_ms == alone[j].handle_ms);
			assert_true(outs[k][i].patience_ms == alone[j].patience_ms);
			assert_true(outs[k][i].seq == alone[j].seq);
			j++;
		}
		assert_int_equal(j, n_alone);
		sim_traffic_free(t);
	}

	/* handle times of en and es callers, paired by sequence number: correlation near 0 */
	double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
	uint32_t m = 0;
	struct sim_call_draw es[2000];
	uint32_t nes = 0;
	assert_int_equal(sim_traffic_alloc(&t, 5, 0), 0);
	assert_int_equal(sim_traffic_add(t, &s_es1), 0);
	nes = drain_calls(t, es, 2000);
	sim_traffic_free(t);
	for (uint32_t i = 0; i < n_alone && i < nes; i++, m++) {
		double x = alone[i].handle_ms, y = es[i].handle_ms;
		sx += x;
		sy += y;
		sxx += x * x;
		syy += y * y;
		sxy += x * y;
	}
	double cov = sxy / m - sx / m * sy / m;
	double rho = cov / sqrt((sxx / m - sx / m * sx / m) * (syy / m - sy / m * sy / m));
	assert_true(m > 150);
	assert_true(fabs(rho) < 4 / sqrt((double)m));

	struct sim_dist *ds[] = {&s_en.handle,	  &s_en.patience, &s_es1.handle,
				 &s_es1.patience, &s_es2.handle,  &s_es2.patience};
	for (unsigned i = 0; i < sizeof(ds) / sizeof(ds[0]); i++)
		sim_dist_release(ds[i]);
}

/* Pulling in real time: only calls due by `until`; cyclic sources start the day over. */
static void test_pull_and_cyclic(void **state)
{
	(void)state;
	static const double calls[] = {0, 60};
	struct sim_traffic *t;
	struct sim_traffic_source s = source(0, "demo", calls, 2);
	s.cyclic = true;
	s.origin_ms = 1000000;
	assert_int_equal(sim_traffic_alloc(&t, 1, 0), 0);
	assert_int_equal(sim_traffic_add(t, &s), 0);
	struct sim_call_draw d;
	/* nothing in the first interval */
	assert_int_equal(sim_traffic_next(t, s.origin_ms + MIN30 - 1, &d), EAGAIN);
	int64_t first = sim_traffic_peek(t);
	assert_true(first >= s.origin_ms + MIN30 && first < s.origin_ms + 2 * MIN30);
	assert_int_equal(sim_traffic_next(t, first - 1, &d), EAGAIN);
	assert_int_equal(sim_traffic_next(t, first, &d), 0);
	assert_true(d.t_ms == first && d.seq == 1);
	/* three cycles of an hour: about 60 calls each, all in the second half hour */
	uint32_t n = 1;
	while (sim_traffic_next(t, s.origin_ms + 3 * 2 * MIN30, &d) == 0) {
		double in = fmod(d.t - (double)s.origin_ms, 2.0 * MIN30);
		assert_true(in >= MIN30);
		n++;
	}
	assert_true(n > 120 && n < 250);
	assert_true(sim_traffic_peek(t) != INT64_MAX);
	sim_traffic_free(t);

	/* a source that never has calls */
	static const double none[] = {0, 0};
	struct sim_traffic_source z = source(0, "z", none, 2);
	z.cyclic = true;
	assert_int_equal(sim_traffic_alloc(&t, 1, 0), 0);
	assert_int_equal(sim_traffic_add(t, &z), 0);
	assert_true(sim_traffic_peek(t) == INT64_MAX);
	assert_int_equal(sim_traffic_next(t, INT64_MAX, &d), EAGAIN);
	/* bad sources */
	z.interval_ms = 0;
	assert_int_equal(sim_traffic_add(t, &z), EINVAL);
	sim_traffic_free(t);
	sim_dist_release(&s.handle);
	sim_dist_release(&s.patience);
	sim_dist_release(&z.handle);
	sim_dist_release(&z.patience);
}

static void test_stream_ids(void **state)
{
	(void)state;
	/* distinct for different replications, purposes and keys */
	uint64_t k = sim_name_key("en");
	assert_true(k != sim_name_key("es"));
	assert_true(sim_stream_id(0, SIM_STREAM_ARRIVALS, k) !=
		    sim_stream_id(1, SIM_STREAM_ARRIVALS, k));
	assert_true(sim_stream_id(0, SIM_STREAM_ARRIVALS, k) !=
		    sim_stream_id(0, SIM_STREAM_HANDLE, k));
	assert_true(sim_stream_id(0, SIM_STREAM_ARRIVALS, k) !=
		    sim_stream_id(0, SIM_STREAM_ARRIVALS, sim_name_key("es")));
	assert_true(sim_stream_id(3, SIM_STREAM_PATIENCE, k) ==
		    sim_stream_id(3, SIM_STREAM_PATIENCE, k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_rates_per_interval), TEST(test_distributions), TEST(test_exp1),
	    TEST(test_reproducible),	   TEST(test_substreams),    TEST(test_pull_and_cyclic),
	    TEST(test_stream_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
