/* Tests of a multi-skill day (English, Spanish, bilingual agents): sane books, staffing,
 * reproducibility, common random numbers. */
#include "testutil.h"

#include "core/sim/sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define IV 1800000LL
#define NI 8

/*
 * Two queues: English (longest-idle, en >= 3) and Spanish (best-skill,
 * es >= 5, served first). English-only agents (en 7) by interval counts,
 * Spanish-only (es 7) and bilingual (en 4, es 9) agents by shifts.
 */
static struct sim_scenario *day(uint32_t extra_english, uint64_t seed)
{
	static const double en_calls[NI] = {60, 90, 120, 130, 110, 100, 120, 70};
	static const double es_calls[NI] = {20, 30, 40, 45, 35, 30, 40, 20};
	uint32_t en_staff[NI] = {11, 14, 17, 18, 16, 15, 17, 12};
	struct sim_scenario *sc;
	struct sim_queue *q;
	struct sim_group *g;
	uint32_t en, es;
	assert_int_equal(sim_scenario_alloc(&sc), 0);
	sc->interval_ms = IV;
	sc->n_intervals = NI;
	sc->replications = 6;
	sc->seed = seed;
	assert_int_equal(sim_scenario_skill(sc, "en", &en), 0);
	assert_int_equal(sim_scenario_skill(sc, "es", &es), 0);
	assert_int_equal(en, 1);
	assert_int_equal(es, 2);

	assert_int_equal(sim_scenario_add_queue(sc, "english", &q), 0);
	q->p.strategy = ACD_STRATEGY_LONGEST_IDLE;
	q->p.req[0] = (struct acd_skill_req){en, 3};
	q->p.n_req = 1;
	q->p.wrapup = ACD_WRAPUP_TIMED;
	q->p.wrapup_ms = 15000;
	assert_int_equal(sim_queue_set_calls(q, en_calls, NI), 0);
	assert_int_equal(sim_dist_lognormal(&q->handle, 240000, 144000), 0);
	assert_int_equal(sim_dist_exponential(&q->patience, 180000), 0);

	assert_int_equal(sim_scenario_add_queue(sc, "spanish", &q), 0);
	q->p.strategy = ACD_STRATEGY_BEST_SKILL;
	q->p.req[0] = (struct acd_skill_req){es, 5};
	q->p.n_req = 1;
	q->p.sl_threshold_ms = 30000;
	q->p.wrapup = ACD_WRAPUP_TIMED;
	q->p.wrapup_ms = 15000;
	q->priority = 1;
	assert_int_equal(sim_queue_set_calls(q, es_calls, NI), 0);
	assert_int_equal(sim_dist_exponential(&q->handle, 300000), 0);
	static const double pat[] = {20000, 45000, 60000, 90000, 120000, 180000, 300000, 600000};
	assert_int_equal(sim_dist_empirical(&q->patience, pat, 8), 0);

	for (int i = 0; i < NI; i++)
		en_staff[i] += extra_english;
	assert_int_equal(sim_scenario_add_group(sc, "english", &g), 0);
	g->skills[0] = (struct acd_agent_skill){en, 7};
	g->n_skills = 1;
	assert_int_equal(sim_group_set_agents(g, en_staff, NI), 0);
	assert_int_equal(sim_scenario_add_group(sc, "spanish", &g), 0);
	g->skills[0] = (struct acd_agent_skill){es, 7};
	g->n_skills = 1;
	assert_int_equal(sim_group_add_shift(g, 0, 4 * IV, 4), 0);
	assert_int_equal(sim_group_add_shift(g, 4 * IV, 8 * IV, 3), 0);
	assert_int_equal(sim_scenario_add_group(sc, "bilingual", &g), 0);
	g->skills[0] = (struct acd_agent_skill){en, 4};
	g->skills[1] = (struct acd_agent_skill){es, 9};
	g->n_skills = 2;
	assert_int_equal(sim_group_add_shift(g, 0, 8 * IV, 5), 0);
	assert_int_equal(sim_group_add_shift(g, 3 * IV, 6 * IV, 2), 0);
	char why[200];
	if (sim_scenario_check(sc, why, sizeof(why)) != 0)
		fail_msg("check: %s", why);
	return sc;
}

/* Bit for bit (NaN included; the struct's padding is not compared). */
static bool stat_same(const struct sim_stat *x, const struct sim_stat *y)
{
	return memcmp(&x->mean, &y->mean, sizeof(double)) == 0 &&
	       memcmp(&x->lo, &y->lo, sizeof(double)) == 0 &&
	       memcmp(&x->hi, &y->hi, sizeof(double)) == 0 && x->n == y->n;
}

static struct sim_result *run(const struct sim_scenario *sc)
{
	struct sim_result *r;
	char why[200];
	if (sim_run(sc, &r, why, sizeof(why)) != 0)
		fail_msg("sim_run: %s", why);
	return r;
}

static double mean(const struct sim_result *r, uint32_t q, uint32_t i, enum sim_metric m)
{
	struct sim_stat s;
	assert_int_equal(sim_result_stat(r, q, i, m, &s), 0);
	return s.mean;
}

/* offered = answered + abandoned + overflowed + unfinished, in every cell; ratios in [0, 1]. */
static void check_books(const struct sim_result *r, uint32_t nq)
{
	for (uint32_t q = 0; q <= nq; q++) {
		uint32_t qq = q == nq ? SIM_ALL : q;
		for (uint32_t i = 0; i <= NI; i++) {
			uint32_t ii = i == NI ? SIM_TOTAL : i;
			double off = mean(r, qq, ii, SIM_M_OFFERED);
			double out =
			    mean(r, qq, ii, SIM_M_ANSWERED) + mean(r, qq, ii, SIM_M_ABANDONED) +
			    mean(r, qq, ii, SIM_M_OVERFLOWED) + mean(r, qq, ii, SIM_M_UNFINISHED);
			assert_true(off > 0);
			assert_true(fabs(off - out) <= 1e-9 * off);
			static const enum sim_metric ratios[] = {
			    SIM_M_SL_OFFERED,	SIM_M_SL_ANSWERED, SIM_M_SL_EXCL_SHORT, SIM_M_SL2,
			    SIM_M_ABANDON_RATE, SIM_M_P_WAIT,	   SIM_M_OCCUPANCY,
			};
			for (unsigned k = 0; k < sizeof(ratios) / sizeof(ratios[0]); k++) {
				struct sim_stat s;
				sim_result_stat(r, qq, ii, ratios[k], &s);
				assert_true(s.mean >= 0 && s.mean <= 1);
			}
			assert_true(mean(r, qq, ii, SIM_M_ASA_S) >= 0);
			assert_true(mean(r, qq, ii, SIM_M_AGENTS) > 0);
		}
	}
	/* the sum over intervals is the total */
	for (uint32_t q = 0; q < nq; q++) {
		double s = 0;
		for (uint32_t i = 0; i < NI; i++)
			s += mean(r, q, i, SIM_M_ANSWERED);
		assert_true(fabs(s - mean(r, q, SIM_TOTAL, SIM_M_ANSWERED)) < 1e-6);
	}
}

static void test_sane_day(void **state)
{
	(void)state;
	struct sim_scenario *sc = day(0, 1);
	struct sim_result *r = run(sc);
	check_books(r, 2);
	/* with an hour to drain, every caller was dealt with */
	assert_true(mean(r, SIM_ALL, SIM_TOTAL, SIM_M_UNFINISHED) == 0);
	/* plausible service: most callers answered quickly, some abandon */
	for (uint32_t q = 0; q < 2; q++) {
		double sl = mean(r, q, SIM_TOTAL, SIM_M_SL_OFFERED);
		double ab = mean(r, q, SIM_TOTAL, SIM_M_ABANDON_RATE);
		print_message(
		    "  %s: SL %.4f abandon %.4f ASA %.2f s AHT %.1f s occ %.3f EWT MAE %.2f s\n",
		    sc->queues[q].name, sl, ab, mean(r, q, SIM_TOTAL, SIM_M_ASA_S),
		    mean(r, q, SIM_TOTAL, SIM_M_AHT_S), mean(r, q, SIM_TOTAL, SIM_M_OCCUPANCY),
		    mean(r, q, SIM_TOTAL, SIM_M_EWT_MAE_S));
		assert_true(sl > 0.5 && sl < 1);
		assert_true(ab > 0 && ab < 0.2);
		/* AHT is talk plus 15 s of wrap-up */
		double aht = mean(r, q, SIM_TOTAL, SIM_M_AHT_S);
		assert_true(fabs(aht - (q == 0 ? 255 : 315)) < 20);
		assert_true(mean(r, q, SIM_TOTAL, SIM_M_EWT_MAE_S) > 0);
	}

	/* who took what: bilingual agents take both languages, the others only their own */
	struct sim_stat s;
	sim_result_group(r, 2, SIM_G_ANSWERED, 0, &s);
	double bi_en = s.mean;
	sim_result_group(r, 2, SIM_G_ANSWERED, 1, &s);
	double bi_es = s.mean;
	print_message("  bilingual answered: english %.1f spanish %.1f\n", bi_en, bi_es);
	assert_true(bi_en > 20 && bi_es > 20);
	sim_result_group(r, 0, SIM_G_ANSWERED, 1, &s);
	assert_true(s.mean == 0 && s.hi == 0);
	sim_result_group(r, 1, SIM_G_ANSWERED, 0, &s);
	assert_true(s.mean == 0 && s.hi == 0);
	/* every answered call was answered by someone of some group */
	double by_groups = 0;
	for (uint32_t g = 0; g < 3; g++) {
		sim_result_group(r, g, SIM_G_ANSWERED, SIM_ALL, &s);
		by_groups += s.mean;
		sim_result_group(r, g, SIM_G_OCCUPANCY, 0, &s);
		assert_true(s.mean > 0.2 && s.mean <= 1);
	}
	assert_true(fabs(by_groups - mean(r, SIM_ALL, SIM_TOTAL, SIM_M_ANSWERED)) < 1e-6);
	sim_result_free(r);
	sim_scenario_free(sc);
}

/* Spanish calls per agent of the bilingual (es 9) and Spanish-only (es 7) groups. */
static double es_ratio(enum acd_strategy st)
{
	struct sim_scenario *sc = day(0, 4);
	struct sim_stat bi, sp;
	for (uint32_t i = 0; i < NI; i++)
		sc->queues[0].calls[i] = 0; /* Spanish callers only */
	sc->queues[1].p.strategy = st;
	struct sim_result *r = run(sc);
	sim_result_group(r, 2, SIM_G_ANSWERED, 1, &bi);
	sim_result_group(r, 1, SIM_G_ANSWERED, 1, &sp);
	double bi_agents = 5 + 2 * 3.0 / 8, sp_agents = 3.5;
	double ratio = (bi.mean / bi_agents) / (sp.mean / sp_agents);
	print_message("  %s: Spanish calls per agent, bilingual / Spanish-only: %.2f\n",
		      acd_strategy_name(st), ratio);
	sim_result_free(r);
	sim_scenario_free(sc);
	return ratio;
}

/* Best-skill sends Spanish callers to the es-9 bilinguals first; longest-idle shares them out. */
static void test_best_skill(void **state)
{
	(void)state;
	double best = es_ratio(ACD_STRATEGY_BEST_SKILL);
	double idle = es_ratio(ACD_STRATEGY_LONGEST_IDLE);
	assert_true(best > 1.5);
	assert_true(idle > 0.8 && idle < 1.25);
}

/* Same seed: the same figures bit for bit; another seed: other figures. */
static void test_reproducible(void **state)
{
	(void)state;
	struct sim_scenario *sc = day(0, 77);
	struct sim_result *a = run(sc), *b = run(sc);
	sc->seed = 78;
	struct sim_result *c = run(sc);
	int differ = 0;
	for (uint32_t q = 0; q <= 2; q++)
		for (uint32_t i = 0; i <= NI; i++)
			for (int m = 0; m < SIM_M_COUNT; m++) {
				uint32_t qq = q == 2 ? SIM_ALL : q, ii = i == NI ? SIM_TOTAL : i;
				struct sim_stat x, y, z;
				sim_result_stat(a, qq, ii, (enum sim_metric)m, &x);
				sim_result_stat(b, qq, ii, (enum sim_metric)m, &y);
				sim_result_stat(c, qq, ii, (enum sim_metric)m, &z);
				assert_true(stat_same(&x, &y));
				differ += !stat_same(&x, &z);
			}
	assert_true(sim_result_events(a) == sim_result_events(b));
	assert_true(differ > 100);
	sim_result_free(a);
	sim_result_free(b);
	sim_result_free(c);
	sim_scenario_free(sc);
}

/* Common random numbers: more English agents, the very same callers; service gets better. */
static void test_common_random_numbers(void **state)
{
	(void)state;
	struct sim_scenario *s1 = day(0, 5), *s2 = day(3, 5);
	struct sim_result *a = run(s1), *b = run(s2);
	for (uint32_t q = 0; q < 2; q++)
		for (uint32_t i = 0; i <= NI; i++) {
			struct sim_stat x, y;
			uint32_t ii = i == NI ? SIM_TOTAL : i;
			sim_result_stat(a, q, ii, SIM_M_OFFERED, &x);
			sim_result_stat(b, q, ii, SIM_M_OFFERED, &y);
			assert_true(stat_same(&x, &y));
		}
	double sl_a = mean(a, 0, SIM_TOTAL, SIM_M_SL_OFFERED);
	double sl_b = mean(b, 0, SIM_TOTAL, SIM_M_SL_OFFERED);
	print_message("  english SL: %.4f with the plan, %.4f with 3 more agents\n", sl_a, sl_b);
	assert_true(sl_b > sl_a);
	assert_true(mean(b, 0, SIM_TOTAL, SIM_M_ASA_S) < mean(a, 0, SIM_TOTAL, SIM_M_ASA_S));
	sim_result_free(a);
	sim_result_free(b);
	sim_scenario_free(s1);
	sim_scenario_free(s2);
}

/* No drain: callers still waiting at the end are unfinished, and the books still balance. */
static void test_no_drain(void **state)
{
	(void)state;
	struct sim_scenario *sc = day(0, 3);
	sc->drain_ms = 0;
	/* understaffed last interval so that callers are waiting at the end */
	sc->groups[0].agents[NI - 1] = 2;
	sc->queues[0].p.join_empty = true;
	sim_dist_release(&sc->queues[0].patience);
	struct sim_result *r = run(sc);
	check_books(r, 2);
	assert_true(mean(r, 0, NI - 1, SIM_M_UNFINISHED) > 0);
	assert_true(mean(r, 0, 0, SIM_M_UNFINISHED) == 0);
	sim_result_free(r);
	sim_scenario_free(sc);
}

/* Overflow to another queue and callbacks at max wait; a ring delay before each answer. */
static void test_overflow_callback_ring_delay(void **state)
{
	(void)state;
	struct sim_scenario *sc = day(0, 9);
	sc->ring_delay_ms = 4000;
	sc->groups[0].agents[3] = 10; /* a bad interval */
	struct sim_queue *en = &sc->queues[0], *es = &sc->queues[1];
	en->p.max_wait_ms = 60000;
	en->p.overflow = ACD_OVERFLOW_CALLBACK;
	es->p.max_wait_ms = 45000;
	es->p.overflow = ACD_OVERFLOW_QUEUE;
	es->p.overflow_queue = 1;
	struct sim_result *r = run(sc);
	check_books(r, 2);
	assert_true(mean(r, 0, SIM_TOTAL, SIM_M_OVERFLOWED) > 0);
	assert_true(mean(r, 1, SIM_TOTAL, SIM_M_OVERFLOWED) > 0);
	/* every answer takes the ring delay */
	for (uint32_t i = 0; i < NI; i++)
		assert_true(mean(r, 0, i, SIM_M_ASA_S) >= 4.0);
	/* English callers leave for a callback at 60 s: nobody answered there waited longer */
	for (uint32_t i = 0; i < NI; i++)
		assert_true(mean(r, 0, i, SIM_M_ASA_S) <= 60.0);
	sim_result_free(r);

	/* ring-all: several phones ring, the first answer wins, the rest lose the race */
	en->p.strategy = ACD_STRATEGY_RING_ALL;
	en->p.ring_all_max = 3;
	r = run(sc);
	check_books(r, 2);
	sim_result_free(r);
	sim_scenario_free(sc);
}

/* With no calls, the agents logged in follow the counts and shifts exactly. */
static void test_staffing_profile(void **state)
{
	(void)state;
	struct sim_scenario *sc;
	struct sim_queue *q;
	struct sim_group *g;
	static const double none[3] = {0, 0, 0};
	static const uint32_t counts[3] = {2, 5, 3};
	assert_int_equal(sim_scenario_alloc(&sc), 0);
	sc->interval_ms = IV;
	sc->n_intervals = 3;
	sc->replications = 2;
	assert_int_equal(sim_scenario_add_queue(sc, "q", &q), 0);
	assert_int_equal(sim_queue_set_calls(q, none, 3), 0);
	assert_int_equal(sim_dist_fixed(&q->handle, 60000), 0);
	assert_int_equal(sim_scenario_add_group(sc, "g", &g), 0);
	assert_int_equal(sim_group_set_agents(g, counts, 3), 0);
	assert_int_equal(sim_group_add_shift(g, IV / 2, IV * 3 / 2, 4), 0);
	struct sim_result *r = run(sc);
	static const double want[3] = {4, 7, 3};
	for (uint32_t i = 0; i < 3; i++) {
		struct sim_stat s;
		sim_result_stat(r, 0, i, SIM_M_AGENTS, &s);
		assert_true(fabs(s.mean - want[i]) < 1e-9);
		sim_result_stat(r, 0, i, SIM_M_OCCUPANCY, &s);
		assert_true(s.mean == 0);
		sim_result_stat(r, 0, i, SIM_M_SL_OFFERED, &s);
		assert_true(isnan(s.mean)); /* no calls: no service level */
	}
	struct sim_stat s;
	sim_result_group(r, 0, SIM_G_AGENTS, 0, &s);
	assert_true(fabs(s.mean - 14.0 / 3) < 1e-9);
	assert_true(sim_result_events(r) == 0);
	sim_result_free(r);
	sim_scenario_free(sc);
}

static void expect_bad(struct sim_scenario *sc, const char *field)
{
	char why[200];
	struct sim_result *r = NULL;
	assert_int_equal(sim_scenario_check(sc, why, sizeof(why)), EINVAL);
	if (!strstr(why, field))
		fail_msg("expected '%s' in '%s'", field, why);
	assert_int_equal(sim_run(sc, &r, why, sizeof(why)), EINVAL);
	assert_null(r);
}

static void test_bad_scenarios(void **state)
{
	(void)state;
	struct sim_scenario *sc = day(0, 1);
	double calls[NI - 1] = {0};
	double *keep = sc->queues[1].calls;
	sc->queues[1].calls = calls;
	sc->queues[1].n_calls = NI - 1;
	expect_bad(sc, "queues[1].arrivals");
	sc->queues[1].calls = keep;
	sc->queues[1].n_calls = NI;

	sc->ring_delay_ms = 15000;
	expect_bad(sc, "ring_delay_s");
	sc->ring_delay_ms = 0;

	sc->queues[0].p.tiers[0] = (struct acd_tier){30000, 1, 9};
	sc->queues[0].p.n_tiers = 1;
	expect_bad(sc, "queues[0].tiers[0].group");
	sc->queues[0].p.tiers[0].group = 0;
	sc->queues[0].p.tiers[0].after_ms = 0; /* the router refuses this */
	expect_bad(sc, "queues[0]");
	sc->queues[0].p.n_tiers = 0;

	sc->warmup_intervals = NI;
	expect_bad(sc, "warmup_intervals");
	sc->warmup_intervals = 0;

	sc->groups[2].skills[1].level = 11;
	expect_bad(sc, "groups[2].skills");
	sc->groups[2].skills[1].level = 9;

	struct sim_dist h = sc->queues[0].handle;
	sim_dist_none(&sc->queues[0].handle);
	expect_bad(sc, "queues[0].handle_time");
	sc->queues[0].handle = h;

	char why[200];
	assert_int_equal(sim_scenario_check(sc, why, sizeof(why)), 0);
	struct sim_queue *q;
	assert_int_equal(sim_scenario_add_queue(sc, "english", &q), EEXIST);
	assert_int_equal(sim_scenario_add_queue(sc, "", &q), EINVAL);
	assert_int_equal(sim_scenario_queue_index(sc, "spanish"), 1);
	assert_int_equal(sim_scenario_group_index(sc, "bilingual"), 2);
	assert_int_equal(sim_scenario_group_index(sc, "nobody"), -1);
	sim_scenario_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_sane_day),	 TEST(test_best_skill),
	    TEST(test_reproducible),	 TEST(test_common_random_numbers),
	    TEST(test_no_drain),	 TEST(test_overflow_callback_ring_delay),
	    TEST(test_staffing_profile), TEST(test_bad_scenarios),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
