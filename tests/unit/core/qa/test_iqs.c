/* Tests for core/qa/iqs: the IQS example of docs/quality.md, exclusions, grouping. */
#include "testutil.h"

#include "core/qa/iqs.h"
#include "core/qa/scorecard.h"

#include <math.h>
#include <string.h>

#include "example.h"

/* Agent 7's week: evaluations A to D, one with every criterion N/A, one calibration. */
static void test_iqs_example(void **state)
{
	(void)state;
	struct qa_scorecard *sc = example_v1();
	struct qa_result *r[4] = {example_score(sc, example_a), example_score(sc, example_b),
				  example_score(sc, example_c), example_score(sc, example_d)};
	struct qa_iqs_item items[6];
	for (int i = 0; i < 4; i++)
		items[i] = (struct qa_iqs_item){7, r[i]->score, false};
	items[4] = (struct qa_iqs_item){7, NAN, false};
	items[5] = (struct qa_iqs_item){7, 90, true};
	struct qa_iqs q;
	struct qa_err err = {{0}};
	assert_int_equal(qa_iqs(items, 6, &q, &err), 0);
	assert_int_equal(q.n, 4);
	assert_int_equal(q.excluded_calibration, 1);
	assert_int_equal(q.excluded_undefined, 1);
	/* (74.40476 + 86.36364 + 42.85714 + 0) / 4 */
	near(q.mean, (1041.6666666666667 / 14 + 950.0 / 11 + 600.0 / 14 + 0) / 4, 1e-9);
	near(q.mean, 50.906385281385281, 1e-9);
	near(qa_round(q.mean, 1), 50.9, 0);
	/* population SD: sqrt(sum of squared distances from the mean / 4) */
	near(q.sd, 33.412724837496, 1e-9);
	near(q.min, 0, 0);
	near(q.max, 950.0 / 11, 1e-12);
	for (int i = 0; i < 4; i++)
		qa_result_free(r[i]);
	qa_scorecard_free(sc);
}

static void test_iqs_edges(void **state)
{
	(void)state;
	struct qa_iqs q;
	struct qa_err err = {{0}};
	/* nothing to average: undefined, not 0 */
	assert_int_equal(qa_iqs(NULL, 0, &q, &err), 0);
	assert_int_equal(q.n, 0);
	assert_true(isnan(q.mean) && isnan(q.sd) && isnan(q.min) && isnan(q.max));
	struct qa_iqs_item only_cal[2] = {{1, 80, true}, {1, NAN, false}};
	assert_int_equal(qa_iqs(only_cal, 2, &q, &err), 0);
	assert_true(isnan(q.mean));
	assert_int_equal(q.excluded_calibration, 1);
	assert_int_equal(q.excluded_undefined, 1);
	/* one evaluation: SD 0 */
	struct qa_iqs_item one = {1, 62.5, false};
	assert_int_equal(qa_iqs(&one, 1, &q, &err), 0);
	near(q.mean, 62.5, 0);
	near(q.sd, 0, 0);
	/* scores outside 0..100 are refused, calibration or not */
	struct qa_iqs_item bad[2] = {{1, 50, false}, {1, 100.5, true}};
	assert_int_equal(qa_iqs(bad, 2, &q, &err), EINVAL);
	assert_non_null(strstr(err.msg, "item 1"));
	bad[1].score = -INFINITY;
	assert_int_equal(qa_iqs(bad, 2, &q, &err), EINVAL);
	assert_int_equal(qa_iqs(NULL, 2, &q, &err), EINVAL);
	assert_int_equal(qa_iqs(bad, 1, NULL, &err), EINVAL);
}

/* Grouped per agent: keys ascending, each group as if computed alone. */
static void test_iqs_group(void **state)
{
	(void)state;
	struct qa_iqs_item items[] = {
	    {8, 80, false}, {7, 40, false}, {9, 70, true},   {8, 90, false},
	    {7, 60, false}, {7, 90, true},  {8, NAN, false}, {7, 100, false},
	};
	struct qa_iqs *g;
	size_t ng;
	struct qa_err err = {{0}};
	assert_int_equal(qa_iqs_group(&g, &ng, items, 8, &err), 0);
	assert_int_equal(ng, 3);
	assert_int_equal(g[0].key, 7);
	assert_int_equal(g[0].n, 3);
	near(g[0].mean, (40 + 60 + 100) / 3.0, 1e-12);
	/* deviations -26.67, -6.67, 33.33: sum of squares 1866.67, / 3 = 622.22 */
	near(g[0].sd, sqrt(5600.0 / 9), 1e-9);
	assert_int_equal(g[0].excluded_calibration, 1);
	assert_int_equal(g[1].key, 8);
	near(g[1].mean, 85, 0);
	near(g[1].sd, 5, 0);
	assert_int_equal(g[1].excluded_undefined, 1);
	assert_int_equal(g[2].key, 9);
	assert_int_equal(g[2].n, 0);
	assert_true(isnan(g[2].mean));
	/* every group equals qa_iqs over its own items */
	for (size_t k = 0; k < ng; k++) {
		struct qa_iqs_item sub[8];
		size_t m = 0;
		for (size_t i = 0; i < 8; i++)
			if (items[i].key == g[k].key)
				sub[m++] = items[i];
		struct qa_iqs q;
		assert_int_equal(qa_iqs(sub, m, &q, &err), 0);
		assert_int_equal(q.n, g[k].n);
		if (q.n) {
			near(q.mean, g[k].mean, 1e-12);
			near(q.sd, g[k].sd, 1e-12);
		}
	}
	sb_free(g);
	assert_int_equal(qa_iqs_group(&g, &ng, items, 0, &err), 0);
	assert_int_equal(ng, 0);
	assert_null(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_iqs_example),
	    TEST(test_iqs_edges),
	    TEST(test_iqs_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
