/* Statistical tests: the simulator (routing by the real ACD) against exact Erlang C and Erlang A
 * figures. */
#include "testutil.h"

#include "core/sim/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * The model of the published examples: 100 calls per 30 minutes, handle
 * time exponential with mean 180 s, threshold 20 s. Exact values:
 *   Erlang C, 14 agents: P(wait) 0.1741319, SL 0.88835, ASA 7.83594 s,
 *     occupancy 0.7142857; 11 agents: P(wait) 0.6821182, SL 0.3896138.
 *   Erlang A (M/M/14+M, patience exponential with mean 300 s): P(wait)
 *     0.14526, P(abandon) 0.013984, SL over all arrivals 0.916792.
 * Each replication is a day (48 intervals, the first one a warm-up from an
 * empty center); the golden value must lie in the 95% interval, and the
 * interval must be narrow enough for that to mean something.
 * SB_SIM_REPS sets the number of replications (default 30); the width
 * bounds scale with it.
 */

static uint32_t reps(void)
{
	const char *s = getenv("SB_SIM_REPS");
	if (!s)
		return 30;
	char *end;
	long v = strtol(s, &end, 10);
	return *end == 0 && v >= 5 && v <= 10000 ? (uint32_t)v : 30;
}

static struct sim_result *run_mm(uint32_t agents, double patience_s)
{
	enum { NI = 48 };
	struct sim_scenario *sc;
	struct sim_queue *q;
	struct sim_group *g;
	double calls[NI];
	uint32_t staff[NI];
	for (int i = 0; i < NI; i++) {
		calls[i] = 100;
		staff[i] = agents;
	}
	assert_int_equal(sim_scenario_alloc(&sc), 0);
	sc->interval_ms = 1800000;
	sc->n_intervals = NI;
	sc->warmup_intervals = 1;
	sc->replications = reps();
	sc->seed = 1;
	assert_int_equal(sim_scenario_add_queue(sc, "q", &q), 0);
	assert_int_equal(sim_queue_set_calls(q, calls, NI), 0);
	assert_int_equal(sim_dist_exponential(&q->handle, 180000), 0);
	if (patience_s > 0)
		assert_int_equal(sim_dist_exponential(&q->patience, patience_s * 1000), 0);
	q->p.sl_threshold_ms = 20000;
	assert_int_equal(sim_scenario_add_group(sc, "agents", &g), 0);
	assert_int_equal(sim_group_set_agents(g, staff, NI), 0);
	struct sim_result *r;
	char why[200];
	int err = sim_run(sc, &r, why, sizeof(why));
	if (err)
		fail_msg("sim_run: %s", why);
	sim_scenario_free(sc);
	return r;
}

static void expect(const struct sim_result *r, enum sim_metric m, double golden, double max_half)
{
	struct sim_stat s, all;
	assert_int_equal(sim_result_stat(r, 0, SIM_TOTAL, m, &s), 0);
	assert_int_equal(sim_result_stat(r, SIM_ALL, SIM_TOTAL, m, &all), 0);
	double scale = sqrt(30.0 / reps());
	print_message("  %-13s %10.6f  95%% CI [%10.6f, %10.6f]  exact %10.6f\n",
		      sim_metric_name(m), s.mean, s.lo, s.hi, golden);
	/* one queue: the queue is the whole center */
	assert_true(s.mean == all.mean && s.lo == all.lo);
	assert_int_equal(s.n, reps());
	assert_true(s.lo <= golden && golden <= s.hi);
	assert_true((s.hi - s.lo) / 2 <= max_half * scale);
}

static void expect_zero(const struct sim_result *r, enum sim_metric m)
{
	struct sim_stat s;
	assert_int_equal(sim_result_stat(r, 0, SIM_TOTAL, m, &s), 0);
	assert_true(s.mean == 0 && s.hi == 0);
}

static void test_erlang_c_14(void **state)
{
	(void)state;
	struct sim_result *r = run_mm(14, 0);
	expect(r, SIM_M_P_WAIT, 0.1741319, 0.02);
	expect(r, SIM_M_SL_OFFERED, 0.88835, 0.02);
	expect(r, SIM_M_ASA_S, 7.83594, 1.5);
	expect(r, SIM_M_OCCUPANCY, 0.7142857, 0.015);
	expect(r, SIM_M_AHT_S, 180, 3);
	expect_zero(r, SIM_M_ABANDONED);
	expect_zero(r, SIM_M_UNFINISHED);
	/* no abandons: every SL variant is the same figure */
	struct sim_stat a, b;
	sim_result_stat(r, 0, SIM_TOTAL, SIM_M_SL_OFFERED, &a);
	sim_result_stat(r, 0, SIM_TOTAL, SIM_M_SL2, &b);
	assert_true(fabs(a.mean - b.mean) < 1e-12);
	/* about 2 events per call: arrival and end of service */
	uint64_t ev = sim_result_rep_events(r, 0);
	assert_true(ev > 2 * 4800 * 0.9 && ev < 2 * 4800 * 1.1);
	sim_result_free(r);
}

static void test_erlang_c_11(void **state)
{
	(void)state;
	struct sim_result *r = run_mm(11, 0);
	expect(r, SIM_M_P_WAIT, 0.6821182, 0.05);
	expect(r, SIM_M_SL_OFFERED, 0.3896138, 0.05);
	expect(r, SIM_M_OCCUPANCY, 10.0 / 11.0, 0.02);
	expect_zero(r, SIM_M_ABANDONED);
	sim_result_free(r);
}

static void test_erlang_a_14(void **state)
{
	(void)state;
	struct sim_result *r = run_mm(14, 300);
	expect(r, SIM_M_P_WAIT, 0.14526, 0.02);
	expect(r, SIM_M_ABANDON_RATE, 0.013984, 0.004);
	expect(r, SIM_M_SL_OFFERED, 0.916792, 0.015);
	expect_zero(r, SIM_M_UNFINISHED);
	sim_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_erlang_c_14),
	    TEST(test_erlang_c_11),
	    TEST(test_erlang_a_14),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
