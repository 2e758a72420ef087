/* Tests for core/qa/calibration: the hand-computed session of docs/quality.md (expert and median
 * references), N/A handling, results as input, drift slopes, bad input. */
#include "testutil.h"

#include "core/qa/calibration.h"
#include "core/qa/scorecard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

#define DAY QA_DAY_MS
#define MON 1740960000000LL /* 2025-03-03 00:00 UTC */

/* Scores of docs/quality.md, "Calibration": evaluator 10 is the expert. */
struct sc_row {
	uint32_t evaluator;
	uint64_t interaction;
	uint32_t criterion;
	double score;
};

static const struct sc_row session[] = {
    /* interaction 501: overall, criterion 3 (5-point), criterion 5 (3-point, N/A allowed) */
    {10, 501, QA_OVERALL, 82},
    {11, 501, QA_OVERALL, 80},
    {12, 501, QA_OVERALL, 72},
    {13, 501, QA_OVERALL, 90},
    {14, 501, QA_OVERALL, 85},
    {10, 501, 3, 75},
    {11, 501, 3, 75},
    {12, 501, 3, 50},
    {13, 501, 3, 100},
    {14, 501, 3, 75},
    {10, 501, 5, 50},
    {11, 501, 5, 50},
    {12, 501, 5, NAN},
    {13, 501, 5, 100},
    {14, 501, 5, 50},
    /* interaction 502: overall only */
    {10, 502, QA_OVERALL, 65},
    {11, 502, QA_OVERALL, 60},
    {12, 502, QA_OVERALL, 50},
    {13, 502, QA_OVERALL, 70},
    {14, 502, QA_OVERALL, 60},
};
#define N_SESSION (sizeof(session) / sizeof(session[0]))

static struct qa_calib_report *run(uint32_t expert, bool with_expert_scores)
{
	struct qa_calib *c;
	struct qa_err err = {{0}};
	assert_int_equal(qa_calib_alloc(&c, expert, &err), 0);
	/* added in reverse to show the order of input does not matter */
	for (size_t i = N_SESSION; i-- > 0;) {
		const struct sc_row *r = &session[i];
		if (r->evaluator == 10 && !with_expert_scores)
			continue;
		assert_int_equal(
		    qa_calib_add(c, r->evaluator, r->interaction, r->criterion, r->score, &err), 0);
	}
	struct qa_calib_report *rep;
	int e = qa_calib_report(&rep, c, &err);
	if (e)
		print_error("%s\n", err.msg);
	assert_int_equal(e, 0);
	qa_calib_free(c);
	return rep;
}

static const struct qa_calib_item *item(const struct qa_calib_report *r, uint64_t interaction,
					uint32_t criterion)
{
	for (size_t i = 0; i < r->n_items; i++)
		if (r->items[i].interaction == interaction && r->items[i].criterion == criterion)
			return &r->items[i];
	print_error("no item %llu/%u\n", (unsigned long long)interaction, criterion);
	abort(); /* cmocka's fail() is not known to the compiler as not returning */
}

static void test_expert_reference(void **state)
{
	(void)state;
	struct qa_calib_report *r = run(10, true);
	assert_int_equal(r->expert, 10);
	assert_int_equal(r->n_evaluators, 4);
	assert_int_equal(r->evaluators[0], 11);
	assert_int_equal(r->evaluators[3], 14);
	assert_int_equal(r->n_interactions, 2);
	assert_int_equal(r->n_items, 4);
	assert_int_equal(r->n_stats, 3);
	assert_int_equal(r->stats[0].criterion, QA_OVERALL);

	/* overall, interaction 501: 80 72 90 85 against 82 */
	const struct qa_calib_item *i501 = item(r, 501, QA_OVERALL);
	assert_int_equal(i501->n, 4);
	near(i501->mean, 81.75, 1e-12);
	near(i501->sd, sqrt(176.75 / 4), 1e-12); /* 6.6474 */
	near(i501->reference, 82, 0);
	assert_int_equal(i501->n_within, 2); /* -2 and +3; -10 and +8 are out */
	near(i501->within, 0.5, 0);
	/* interaction 502: 60 50 70 60 against 65: -5 and +5 are within (inclusive) */
	const struct qa_calib_item *i502 = item(r, 502, QA_OVERALL);
	near(i502->mean, 60, 0);
	near(i502->sd, sqrt(50), 1e-12);
	assert_int_equal(i502->n_within, 3);

	/* overall across the session: pooled SD sqrt((176.75 + 200) / 8) */
	const struct qa_calib_stat *ov = qa_calib_find_stat(r, QA_OVERALL);
	assert_int_equal(ov->items, 2);
	assert_int_equal(ov->n, 8);
	near(ov->mean, 70.875, 1e-12);
	near(ov->sd, 6.862488615655402, 1e-12);
	assert_int_equal(ov->n_ref, 8);
	assert_int_equal(ov->n_within, 5);
	near(ov->within, 0.625, 0);

	/* criterion 3: 75 50 100 75 against 75 */
	const struct qa_calib_stat *c3 = qa_calib_find_stat(r, 3);
	near(c3->mean, 75, 0);
	near(c3->sd, sqrt(312.5), 1e-12); /* 17.678 */
	near(c3->within, 0.5, 0);
	/* criterion 5: 50, N/A, 100, 50 against 50 */
	const struct qa_calib_stat *c5 = qa_calib_find_stat(r, 5);
	assert_int_equal(c5->n, 3);
	assert_int_equal(c5->n_na, 1);
	near(c5->mean, 200.0 / 3, 1e-12);
	near(c5->sd, sqrt(5000.0 / 9), 1e-12); /* 23.570 */
	near(c5->within, 2.0 / 3, 1e-15);

	/* each evaluator's deviation on the overall score, over both interactions */
	const struct {
		uint32_t ev;
		double mean, abs;
		size_t within;
	} want[] = {{11, -3.5, 3.5, 2}, {12, -12.5, 12.5, 0}, {13, 6.5, 6.5, 1}, {14, -1, 4, 2}};
	for (size_t i = 0; i < 4; i++) {
		const struct qa_calib_dev *d = qa_calib_find_dev(r, want[i].ev, QA_OVERALL);
		assert_non_null(d);
		assert_int_equal(d->n, 2);
		near(d->mean_dev, want[i].mean, 1e-12);
		near(d->mean_abs_dev, want[i].abs, 1e-12);
		assert_int_equal(d->n_within, want[i].within);
	}
	near(qa_calib_find_dev(r, 13, 3)->mean_dev, 25, 0);
	near(qa_calib_find_dev(r, 13, 5)->mean_dev, 50, 0);
	const struct qa_calib_dev *d12 = qa_calib_find_dev(r, 12, 5);
	assert_int_equal(d12->n, 0);
	assert_int_equal(d12->n_na, 1);
	assert_true(isnan(d12->mean_dev));
	assert_null(qa_calib_find_dev(r, 10, QA_OVERALL)); /* the expert is the yardstick */
	assert_null(qa_calib_find_stat(r, 4));
	/* devs are ordered by evaluator, then criterion */
	assert_int_equal(r->n_devs, 12);
	for (size_t i = 1; i < r->n_devs; i++)
		assert_true(r->devs[i - 1].evaluator < r->devs[i].evaluator ||
			    (r->devs[i - 1].evaluator == r->devs[i].evaluator &&
			     r->devs[i - 1].criterion < r->devs[i].criterion));
	qa_calib_report_free(r);
}

static void test_median_reference(void **state)
{
	(void)state;
	struct qa_calib_report *r = run(0, false);
	assert_int_equal(r->n_evaluators, 4);
	const struct qa_calib_item *i501 = item(r, 501, QA_OVERALL);
	near(i501->reference, 82.5, 0); /* (80 + 85) / 2 */
	near(item(r, 502, QA_OVERALL)->reference, 60, 0);
	near(item(r, 501, 5)->reference, 50, 0); /* median of 50, 100, 50 */
	const struct qa_calib_stat *ov = qa_calib_find_stat(r, QA_OVERALL);
	/* the spread does not depend on the reference */
	near(ov->sd, 6.862488615655402, 1e-12);
	assert_int_equal(ov->n_within, 4); /* -2.5, +2.5 at 501; 0, 0 at 502 */
	near(ov->within, 0.5, 0);
	const double want[4] = {-1.25, -10.25, 8.75, 1.25};
	for (uint32_t ev = 11; ev <= 14; ev++)
		near(qa_calib_find_dev(r, ev, QA_OVERALL)->mean_dev, want[ev - 11], 1e-12);
	qa_calib_report_free(r);
}

/* The expert's N/A leaves the item without a reference. */
static void test_expert_na(void **state)
{
	(void)state;
	struct qa_calib *c;
	struct qa_err err = {{0}};
	assert_int_equal(qa_calib_alloc(&c, 10, &err), 0);
	assert_int_equal(qa_calib_add(c, 10, 1, 5, NAN, &err), 0);
	assert_int_equal(qa_calib_add(c, 11, 1, 5, 50, &err), 0);
	assert_int_equal(qa_calib_add(c, 12, 1, 5, 100, &err), 0);
	struct qa_calib_report *r;
	assert_int_equal(qa_calib_report(&r, c, &err), 0);
	const struct qa_calib_stat *s = qa_calib_find_stat(r, 5);
	assert_int_equal(s->n, 2);
	near(s->mean, 75, 0);
	near(s->sd, 25, 0);
	assert_int_equal(s->n_ref, 0);
	assert_true(isnan(s->within));
	assert_true(isnan(r->items[0].reference));
	assert_true(isnan(r->items[0].within));
	assert_int_equal(qa_calib_find_dev(r, 11, 5)->n, 0);
	qa_calib_report_free(r);
	qa_calib_free(c);
}

/* Whole evaluations go in through their results. */
static void test_add_result(void **state)
{
	(void)state;
	struct qa_scorecard *sc = example_v1();
	struct qa_result *a = example_score(sc, example_a), *b = example_score(sc, example_b);
	struct qa_calib *c;
	struct qa_err err = {{0}};
	assert_int_equal(qa_calib_alloc(&c, 0, &err), 0);
	assert_int_equal(qa_calib_add_result(c, 21, 700, a, &err), 0);
	assert_int_equal(qa_calib_add_result(c, 22, 700, b, &err), 0);
	struct qa_calib_report *r;
	assert_int_equal(qa_calib_report(&r, c, &err), 0);
	assert_int_equal(r->n_items, 8); /* overall + 7 criteria */
	const struct qa_calib_stat *ov = qa_calib_find_stat(r, QA_OVERALL);
	near(ov->mean, (a->score + b->score) / 2, 1e-12);
	near(ov->sd, fabs(a->score - b->score) / 2, 1e-12);
	/* criterion 7: 0 against N/A */
	const struct qa_calib_stat *c7 = qa_calib_find_stat(r, 7);
	assert_int_equal(c7->n, 1);
	assert_int_equal(c7->n_na, 1);
	/* the same evaluation twice is an error */
	assert_int_equal(qa_calib_add_result(c, 21, 700, a, &err), 0);
	qa_calib_report_free(r);
	assert_int_equal(qa_calib_report(&r, c, &err), EINVAL);
	assert_non_null(
	    strstr(err.msg, "evaluator 21 scored criterion 0 of interaction 700 twice"));
	qa_calib_free(c);
	qa_result_free(a);
	qa_result_free(b);
	qa_scorecard_free(sc);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct qa_calib *c;
	struct qa_calib_report *r;
	struct qa_err err = {{0}};
	assert_int_equal(qa_calib_alloc(&c, 10, &err), 0);
	assert_int_equal(qa_calib_report(&r, c, &err), EINVAL);
	assert_non_null(strstr(err.msg, "no scores"));
	assert_int_equal(qa_calib_add(c, 0, 1, 0, 50, &err), EINVAL);
	assert_int_equal(qa_calib_add(c, 11, 1, 0, 100.5, &err), EINVAL);
	assert_int_equal(qa_calib_add(c, 11, 1, 0, -INFINITY, &err), EINVAL);
	assert_int_equal(qa_calib_add(c, 11, 1, 0, 50, &err), 0);
	assert_int_equal(qa_calib_report(&r, c, &err), EINVAL);
	assert_non_null(strstr(err.msg, "expert (evaluator 10) scored nothing"));
	assert_int_equal(qa_calib_add_result(c, 11, 1, NULL, &err), EINVAL);
	qa_calib_free(c);
	/* many scores (array growth), one evaluator alone: SD 0, median = own score */
	assert_int_equal(qa_calib_alloc(&c, 0, &err), 0);
	for (uint32_t i = 1; i <= 1000; i++)
		assert_int_equal(qa_calib_add(c, 5, i, 0, (double)(i % 101), &err), 0);
	assert_int_equal(qa_calib_report(&r, c, &err), 0);
	assert_int_equal(r->n_items, 1000);
	near(r->stats[0].sd, 0, 0);
	near(r->stats[0].within, 1, 0);
	near(r->devs[0].mean_abs_dev, 0, 0);
	qa_calib_report_free(r);
	qa_calib_free(c);
}

/* ---- drift ---- */

static void test_drift(void **state)
{
	(void)state;
	const struct qa_drift_point pts[] = {
	    {13, MON + 60 * DAY, 13}, {12, MON, -10},		{13, MON, 8},
	    {12, MON + 60 * DAY, -2}, {11, MON + 30 * DAY, -3}, {12, MON + 30 * DAY, -6},
	    {13, MON + 30 * DAY, 9},
	};
	struct qa_drift_report *r;
	struct qa_err err = {{0}};
	assert_int_equal(qa_calib_drift(&r, pts, 7, &err), 0);
	assert_int_equal(r->n_evaluators, 3);
	const struct qa_drift *d11 = &r->evaluators[0], *d12 = &r->evaluators[1],
			      *d13 = &r->evaluators[2];
	assert_int_equal(d11->evaluator, 11);
	assert_int_equal(d11->n, 1);
	assert_true(isnan(d11->slope_per_30d)); /* one session: no trend */
	near(d11->mean_dev, -3, 0);
	/* 12: -10, -6, -2 at 0, 30, 60 days: +4 points per 30 days, towards the reference */
	assert_int_equal(d12->n, 3);
	near(d12->slope_per_30d, 4, 1e-12);
	near(d12->mean_dev, -6, 1e-12);
	near(d12->mean_abs_dev, 6, 1e-12);
	assert_true(d12->from == MON && d12->to == MON + 60 * DAY);
	/* 13: 8, 9, 13: slope = ((-1)(-2) + 0 + (1)(3)) / 2 = 2.5, drifting away */
	near(d13->slope_per_30d, 2.5, 1e-12);
	near(d13->mean_dev, 10, 1e-12);
	/* the series, in time order per evaluator */
	const struct qa_drift_point *p = &r->points[d12->first];
	near(p[0].deviation, -10, 0);
	near(p[1].deviation, -6, 0);
	near(p[2].deviation, -2, 0);
	qa_drift_report_free(r);

	/* two sessions at the same time: no trend */
	const struct qa_drift_point same[] = {{1, MON, 3}, {1, MON, 5}};
	assert_int_equal(qa_calib_drift(&r, same, 2, &err), 0);
	assert_true(isnan(r->evaluators[0].slope_per_30d));
	near(r->evaluators[0].mean_dev, 4, 0);
	qa_drift_report_free(r);
	assert_int_equal(qa_calib_drift(&r, NULL, 0, &err), 0);
	assert_int_equal(r->n_evaluators, 0);
	qa_drift_report_free(r);
	const struct qa_drift_point bad[] = {{1, MON, NAN}};
	assert_int_equal(qa_calib_drift(&r, bad, 1, &err), EINVAL);
	assert_non_null(strstr(err.msg, "point 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_expert_reference), TEST(test_median_reference), TEST(test_expert_na),
	    TEST(test_add_result),	 TEST(test_bad_input),	      TEST(test_drift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
