/* Tests for core/qa/scorecard: the worked examples of docs/quality.md, validation, versioning. */
#include "testutil.h"

#include "core/qa/scorecard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "example.h"

/* ---- the worked examples ---- */

/* A: weights. */
static void test_example_a_weights(void **state)
{
	(void)state;
	struct qa_scorecard *sc = example_v1();
	struct qa_result *r = example_score(sc, example_a);
	const double crit[7] = {100, 100, 75, 200.0 / 3, 50, 100, 0};
	for (int i = 0; i < 7; i++) {
		near(r->criteria[i].score, crit[i], 1e-12);
		assert_true(r->criteria[i].rated);
		assert_false(r->criteria[i].failed);
	}
	near(r->sections[0].score, 100, 1e-12);
	near(r->sections[1].score, 67.708333333333333, 1e-9);
	near(r->sections[2].score, 66.666666666666667, 1e-9);
	near(r->score, 1041.6666666666667 / 14, 1e-9);
	near(r->score, 74.404761904761905, 1e-9);
	near(qa_round(r->score, 1), 74.4, 0);
	near(r->rated_weight, 14, 0);
	assert_int_equal(r->rated, 7);
	assert_false(r->failed);
	assert_int_equal(r->failed_sections, 0);
	assert_int_equal(r->scorecard, 1);
	assert_int_equal(r->version, 1);
	assert_true(r->fingerprint == qa_scorecard_fingerprint(sc));
	/* the unweighted mean would differ: weights matter */
	double plain = 0;
	for (int i = 0; i < 7; i++)
		plain += r->criteria[i].score / 7;
	near(plain, 70.238095238095238, 1e-9);
	qa_result_free(r);
	qa_scorecard_free(sc);
}

/* B: N/A left out of numerator and denominator; a section with everything N/A is undefined. */
static void test_example_b_na(void **state)
{
	(void)state;
	struct qa_scorecard *sc = example_v1();
	struct qa_result *r = example_score(sc, example_b);
	near(r->score, 950.0 / 11, 1e-9);
	near(qa_round(r->score, 1), 86.4, 0);
	assert_int_equal(r->rated, 5);
	near(r->rated_weight, 11, 0);
	assert_false(r->criteria[5].rated);
	assert_false(r->criteria[6].rated);
	assert_true(isnan(r->criteria[5].score));
	near(r->sections[0].score, 100, 0);
	near(r->sections[1].score, 81.25, 1e-12);
	assert_true(isnan(r->sections[2].score));
	assert_int_equal(r->sections[2].rated, 0);
	char buf[16];
	assert_int_equal(qa_format_points(buf, sizeof(buf), r->sections[2].score, false), 0);
	assert_string_equal(buf, "-");
	qa_result_free(r);
	qa_scorecard_free(sc);
}

/* C: a failed section-critical criterion zeroes its section and counts 0 in the total. */
static void test_example_c_section_failure(void **state)
{
	(void)state;
	struct qa_scorecard *sc = example_v1();
	struct qa_result *r = example_score(sc, example_c);
	assert_true(r->criteria[3].failed);
	near(r->criteria[3].score, 0, 0);
	assert_true(r->sections[1].failed);
	near(r->sections[1].score, 0, 0);
	near(r->sections[1].rated_weight, 8, 0);
	assert_int_equal(r->failed_sections, 1);
	assert_false(r->failed);
	near(r->sections[0].score, 100, 0);
	near(r->sections[2].score, 100, 0);
	near(r->score, 600.0 / 14, 1e-9);
	near(qa_round(r->score, 1), 42.9, 0);
	qa_result_free(r);
	qa_scorecard_free(sc);
}

/* D: a failed whole-critical criterion zeroes the evaluation; sections keep their scores. */
static void test_example_d_whole_failure(void **state)
{
	(void)state;
	struct qa_scorecard *sc = example_v1();
	struct qa_result *r = example_score(sc, example_d);
	assert_true(r->criteria[1].failed);
	assert_true(r->failed);
	near(r->score, 0, 0);
	assert_false(isnan(r->score));
	near(r->sections[0].score, 100.0 / 3, 1e-9);
	near(r->sections[1].score, 67.708333333333333, 1e-9);
	near(r->sections[2].score, 200.0 / 3, 1e-9);
	assert_int_equal(r->failed_sections, 0);
	char buf[16];
	assert_int_equal(qa_format_points(buf, sizeof(buf), r->sections[0].score, false), 0);
	assert_string_equal(buf, "33.3");
	qa_result_free(r);
	qa_scorecard_free(sc);
}

/* E: every criterion N/A: the score is undefined, not 0 or 100. */
static void test_example_e_all_na(void **state)
{
	(void)state;
	struct qa_scorecard *sc;
	struct qa_err err = {{0}};
	assert_int_equal(qa_scorecard_alloc(&sc, 2, 1, "Chat follow-up", &err), 0);
	struct qa_section_def s = {1, "Follow-up", 1};
	assert_int_equal(qa_scorecard_add_section(sc, &s, &err), 0);
	struct qa_criterion_def c1 = {
	    1, 1, "Sent the promised summary", 1, 2, 0, 1, true, QA_CRITICAL_NONE, 0};
	struct qa_criterion_def c2 = {2, 1,    "Updated the case", 1, 2, 0,
				      1, true, QA_CRITICAL_WHOLE,  0};
	assert_int_equal(qa_scorecard_add_criterion(sc, &c1, &err), 0);
	assert_int_equal(qa_scorecard_add_criterion(sc, &c2, &err), 0);
	assert_int_equal(qa_scorecard_seal(sc, &err), 0);
	struct qa_answer a[2] = {{1, true, 0}, {2, true, 0}};
	struct qa_result *r;
	assert_int_equal(qa_evaluate(&r, sc, a, 2, NULL, 0, 0, &err), 0);
	assert_true(isnan(r->score));
	assert_false(qa_defined(r->score));
	assert_false(r->failed); /* a critical criterion answered N/A does not fail */
	assert_int_equal(r->rated, 0);
	assert_true(isnan(r->sections[0].score));
	char buf[8];
	assert_int_equal(qa_format_points(buf, sizeof(buf), r->score, false), 0);
	assert_string_equal(buf, "-");
	qa_result_free(r);
	qa_scorecard_free(sc);
}

/*
 * F: version 2 (Resolution weight 2, c7 removed, c8 added) leaves version 1
 * and its scores untouched; the same call under v2 scores 76.5.
 */
static void test_example_f_new_version(void **state)
{
	(void)state;
	struct qa_err err = {{0}};
	struct qa_scorecard *v1 = example_v1(), *v2;
	uint64_t fp1 = qa_scorecard_fingerprint(v1);
	struct qa_result *before = example_score(v1, example_a);

	/* a sealed version refuses every edit */
	struct qa_section_def res2 = {2, "Resolution", 2};
	assert_int_equal(qa_scorecard_update_section(v1, &res2, &err), EBUSY);
	assert_non_null(strstr(err.msg, "sealed"));
	assert_int_equal(qa_scorecard_remove_criterion(v1, 7, &err), EBUSY);
	assert_int_equal(qa_scorecard_set_name(v1, "x", &err), EBUSY);
	struct qa_criterion_def c8 = {8, 3,    "Offered the survey", 1, 2, 0,
				      1, true, QA_CRITICAL_NONE,     0};
	assert_int_equal(qa_scorecard_add_criterion(v1, &c8, &err), EBUSY);

	assert_int_equal(qa_scorecard_derive(&v2, v1, 1, &err), EINVAL); /* must grow */
	assert_int_equal(qa_scorecard_derive(&v2, v1, 2, &err), 0);
	assert_false(qa_scorecard_sealed(v2));
	assert_int_equal(qa_scorecard_version(v2), 2);
	assert_true(qa_scorecard_fingerprint(v2) != fp1);
	assert_int_equal(qa_scorecard_update_section(v2, &res2, &err), 0);
	assert_int_equal(qa_scorecard_remove_criterion(v2, 7, &err), 0);
	assert_int_equal(qa_scorecard_add_criterion(v2, &c8, &err), 0);
	/* a draft cannot be scored */
	struct qa_result *r;
	struct qa_answer a[7];
	example_answers(a, example_a);
	assert_int_equal(qa_evaluate(&r, v2, a, 7, example_fields, 1, 0, &err), EBUSY);
	assert_int_equal(qa_scorecard_seal(v2, &err), 0);

	/* v1 is exactly as it was */
	assert_true(qa_scorecard_fingerprint(v1) == fp1);
	assert_int_equal(qa_scorecard_criterion_count(v1), 7);
	near(qa_scorecard_section(v1, 1)->weight, 1, 0);
	struct qa_result *after = example_score(v1, example_a);
	near(after->score, before->score, 0);
	assert_true(after->fingerprint == before->fingerprint);
	for (size_t i = 0; i < 7; i++)
		near(after->criteria[i].score, before->criteria[i].score, 0);

	/* the v1 answers do not fit v2 (c7 is gone, c8 unanswered) */
	assert_int_equal(qa_evaluate(&r, v2, a, 7, example_fields, 1, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "criterion 7"));
	a[6] = (struct qa_answer){8, false, 1};
	assert_int_equal(qa_evaluate(&r, v2, a, 7, example_fields, 1, 0, &err), 0);
	near(r->score, 1683.3333333333333 / 22, 1e-9);
	near(qa_round(r->score, 1), 76.5, 0);
	near(r->criteria[3].weight, 8, 0); /* section weight 2 x criterion weight 4 */
	near(r->sections[1].score, 67.708333333333333, 1e-9); /* section weights cancel inside */
	near(r->sections[2].score, 100, 0);
	assert_int_equal(r->version, 2);
	qa_result_free(r);
	qa_result_free(before);
	qa_result_free(after);
	qa_scorecard_free(v2);
	qa_scorecard_free(v1);
}

/* ---- answers that do not fit ---- */

static void test_bad_answers(void **state)
{
	(void)state;
	struct qa_err err = {{0}};
	struct qa_scorecard *sc = example_v1();
	struct qa_answer a[7];
	struct qa_result *r = NULL;

	example_answers(a, example_a);
	a[2].value = 6; /* 5-point 1..5 */
	assert_int_equal(qa_evaluate(&r, sc, a, 7, example_fields, 1, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "criterion 3"));
	a[2].value = 0;
	assert_int_equal(qa_evaluate(&r, sc, a, 7, example_fields, 1, 0, &err), EINVAL);

	example_answers(a, example_a);
	a[0].na = true; /* c1 does not allow N/A */
	assert_int_equal(qa_evaluate(&r, sc, a, 7, example_fields, 1, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "criterion 1 does not allow N/A"));

	example_answers(a, example_a);
	a[6].criterion = 1; /* c1 twice, c7 missing */
	assert_int_equal(qa_evaluate(&r, sc, a, 7, example_fields, 1, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "twice"));
	assert_int_equal(qa_evaluate(&r, sc, a, 6, example_fields, 1, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "criterion 7"));
	assert_non_null(strstr(err.msg, "not answered"));
	a[6].criterion = 99;
	assert_int_equal(qa_evaluate(&r, sc, a, 7, example_fields, 1, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "criterion 99"));

	/* fields: the required dropdown, option range, unknown ids */
	example_answers(a, example_a);
	assert_int_equal(qa_evaluate(&r, sc, a, 7, NULL, 0, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "Call type"));
	struct qa_field_answer f[3] = {{2, false, -1, NULL}, {1, true, 0, NULL}, {3, 0, 0, "ok"}};
	assert_int_equal(qa_evaluate(&r, sc, a, 7, f, 3, 0, &err), EINVAL); /* none chosen */
	f[0].option = 3;
	assert_int_equal(qa_evaluate(&r, sc, a, 7, f, 3, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "option 3"));
	f[0].option = 2;
	assert_int_equal(qa_evaluate(&r, sc, a, 7, f, 3, 0, &err), 0);
	qa_result_free(r);
	f[1].field = 2;
	assert_int_equal(qa_evaluate(&r, sc, a, 7, f, 3, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "field 2 answered twice"));
	f[1].field = 77;
	assert_int_equal(qa_evaluate(&r, sc, a, 7, f, 3, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "field 77"));

	/* partial: a preview of what is answered so far */
	assert_int_equal(qa_evaluate(&r, sc, a, 2, NULL, 0, QA_EVAL_PARTIAL, &err), 0);
	near(r->score, 100, 0);
	assert_int_equal(r->rated, 2);
	qa_result_free(r);
	assert_int_equal(qa_evaluate(&r, sc, a, 0, NULL, 0, QA_EVAL_PARTIAL, &err), 0);
	assert_true(isnan(r->score));
	qa_result_free(r);
	assert_int_equal(qa_evaluate(&r, sc, a, 7, NULL, 0, 0x80, &err), EINVAL);
	qa_scorecard_free(sc);
}

/* ---- scorecard validation ---- */

static void expect_crit_error(struct qa_scorecard *sc, struct qa_criterion_def d,
			      const char *needle)
{
	struct qa_err err = {{0}};
	assert_int_equal(qa_scorecard_add_criterion(sc, &d, &err), EINVAL);
	if (!strstr(err.msg, needle)) {
		print_error("message \"%s\" lacks \"%s\"\n", err.msg, needle);
		fail();
	}
}

static void test_validation(void **state)
{
	(void)state;
	struct qa_err err = {{0}};
	struct qa_scorecard *sc;
	assert_int_equal(qa_scorecard_alloc(&sc, 0, 1, "x", &err), EINVAL);
	assert_int_equal(qa_scorecard_alloc(&sc, 1, 1, "", &err), EINVAL);
	assert_int_equal(qa_scorecard_alloc(&sc, 5, 1, "Checks", &err), 0);

	struct qa_section_def s = {1, "S", 0};
	assert_int_equal(qa_scorecard_add_section(sc, &s, &err), EINVAL);
	assert_non_null(strstr(err.msg, "section 1: weight"));
	s.weight = NAN;
	assert_int_equal(qa_scorecard_add_section(sc, &s, &err), EINVAL);
	s.weight = 1;
	s.id = 0;
	assert_int_equal(qa_scorecard_add_section(sc, &s, &err), EINVAL);
	s.id = 1;
	assert_int_equal(qa_scorecard_add_section(sc, &s, &err), 0);
	assert_int_equal(qa_scorecard_add_section(sc, &s, &err), EINVAL);
	assert_non_null(strstr(err.msg, "already used"));

	/* sealing needs criteria */
	assert_int_equal(qa_scorecard_seal(sc, &err), EINVAL);
	assert_non_null(strstr(err.msg, "no criteria"));

	struct qa_criterion_def ok = {10, 1, "ok", 1, 5, 1, 5, false, QA_CRITICAL_NONE, 0};
	struct qa_criterion_def d = ok;
	d.weight = 0;
	expect_crit_error(sc, d, "criterion 10: weight");
	d.weight = -1;
	expect_crit_error(sc, d, "criterion 10: weight");
	d.weight = INFINITY;
	expect_crit_error(sc, d, "criterion 10: weight");
	d = ok;
	d.section = 9;
	expect_crit_error(sc, d, "section 9 does not exist");
	d = ok;
	d.points = 6;
	expect_crit_error(sc, d, "2 (binary), 3, 4 or 5 points");
	d = ok;
	d.points = 2; /* binary must be 0/1 */
	expect_crit_error(sc, d, "binary scale is 0/1");
	d = ok;
	d.points = 4; /* 1..5 cannot hold 4 evenly spaced points */
	expect_crit_error(sc, d, "evenly spaced");
	d = ok;
	d.min = 5;
	expect_crit_error(sc, d, "min < max");
	d = ok;
	d.text = "";
	expect_crit_error(sc, d, "criterion 10: text");
	d = ok;
	d.critical = QA_CRITICAL_SECTION;
	d.fail_at = 5; /* the maximum cannot be a failure */
	expect_crit_error(sc, d, "fail_at 5");
	d.fail_at = 0;
	expect_crit_error(sc, d, "fail_at 0");
	d.critical = 7;
	expect_crit_error(sc, d, "unknown critical");
	d = ok;
	d.id = 0;
	expect_crit_error(sc, d, "id must not be 0");

	/* a 3-point 0..10 scale has the points 0, 5, 10 */
	d = ok;
	d.points = 3;
	d.min = 0;
	d.max = 10;
	d.critical = QA_CRITICAL_WHOLE;
	d.fail_at = 5;
	assert_int_equal(qa_scorecard_add_criterion(sc, &d, &err), 0);
	expect_crit_error(sc, ok, "already used");
	struct qa_criterion_def upd = d;
	upd.fail_at = 3;
	assert_int_equal(qa_scorecard_update_criterion(sc, &upd, &err), EINVAL);
	upd.id = 11;
	assert_int_equal(qa_scorecard_update_criterion(sc, &upd, &err), EINVAL);
	assert_non_null(strstr(err.msg, "no such criterion"));

	/* fields */
	struct qa_field_def f = {1, 0, QA_FIELD_DROPDOWN, "Type", false, NULL, 0};
	assert_int_equal(qa_scorecard_add_field(sc, &f, &err), EINVAL);
	assert_non_null(strstr(err.msg, "1 to 64 options"));
	const char *const dup[] = {"a", "a"};
	f.options = dup;
	f.n_options = 2;
	assert_int_equal(qa_scorecard_add_field(sc, &f, &err), EINVAL);
	assert_non_null(strstr(err.msg, "appears twice"));
	f.kind = QA_FIELD_COMMENT;
	assert_int_equal(qa_scorecard_add_field(sc, &f, &err), EINVAL);
	assert_non_null(strstr(err.msg, "only a dropdown"));
	f.n_options = 0;
	f.section = 4;
	assert_int_equal(qa_scorecard_add_field(sc, &f, &err), EINVAL);
	f.section = 1;
	f.kind = 9;
	assert_int_equal(qa_scorecard_add_field(sc, &f, &err), EINVAL);
	f.kind = QA_FIELD_COMMENT;
	f.required = true;
	assert_int_equal(qa_scorecard_add_field(sc, &f, &err), 0);

	/* a section in use cannot go; an empty section blocks sealing */
	assert_int_equal(qa_scorecard_remove_section(sc, 1, &err), EBUSY);
	struct qa_section_def s2 = {2, "Empty", 1};
	assert_int_equal(qa_scorecard_add_section(sc, &s2, &err), 0);
	assert_int_equal(qa_scorecard_seal(sc, &err), EINVAL);
	assert_non_null(strstr(err.msg, "section 2"));
	assert_int_equal(qa_scorecard_remove_section(sc, 2, &err), 0);
	assert_int_equal(qa_scorecard_remove_section(sc, 2, &err), EINVAL);
	assert_int_equal(qa_scorecard_seal(sc, &err), 0);
	assert_int_equal(qa_scorecard_seal(sc, &err), 0);

	/* required comment; the 0..10 critical criterion fails at 5, passes at 10 */
	struct qa_answer a = {10, false, 5};
	struct qa_field_answer fa = {1, false, 0, ""};
	struct qa_result *r;
	assert_int_equal(qa_evaluate(&r, sc, &a, 1, &fa, 1, 0, &err), EINVAL);
	assert_non_null(strstr(err.msg, "required"));
	fa.text = "Good call";
	assert_int_equal(qa_evaluate(&r, sc, &a, 1, &fa, 1, 0, &err), 0);
	assert_true(r->failed);
	near(r->criteria[0].score, 50, 0);
	near(r->score, 0, 0);
	qa_result_free(r);
	a.value = 7; /* not a point */
	assert_int_equal(qa_evaluate(&r, sc, &a, 1, &fa, 1, 0, &err), EINVAL);
	a.value = 10;
	assert_int_equal(qa_evaluate(&r, sc, &a, 1, &fa, 1, 0, &err), 0);
	assert_false(r->failed);
	near(r->score, 100, 0);
	qa_result_free(r);
	qa_scorecard_free(sc);
}

/* Derive copies everything; the fingerprint tracks content, not identity. */
static void test_derive_and_fingerprint(void **state)
{
	(void)state;
	struct qa_err err = {{0}};
	struct qa_scorecard *v1 = example_v1(), *a, *b;
	assert_int_equal(qa_scorecard_derive(&a, v1, 3, &err), 0);
	assert_int_equal(qa_scorecard_derive(&b, v1, 3, &err), 0);
	assert_true(qa_scorecard_fingerprint(a) == qa_scorecard_fingerprint(b));
	assert_int_equal(qa_scorecard_criterion_count(a), 7);
	assert_int_equal(qa_scorecard_field_count(a), 3);
	const struct qa_field_def *f = qa_scorecard_field(a, 1);
	assert_int_equal(f->n_options, 3);
	assert_string_equal(f->options[1], "Technical");
	assert_true(f->options != example_call_types); /* copied */
	assert_string_equal(qa_scorecard_find_criterion(a, 4)->text, "Gave correct information");
	assert_null(qa_scorecard_find_criterion(a, 40));
	assert_null(qa_scorecard_criterion(a, 7));

	/* any edit changes the fingerprint; undoing it restores it */
	uint64_t fp = qa_scorecard_fingerprint(a);
	struct qa_criterion_def c = *qa_scorecard_find_criterion(a, 3);
	c.weight = 3.5;
	assert_int_equal(qa_scorecard_update_criterion(a, &c, &err), 0);
	assert_true(qa_scorecard_fingerprint(a) != fp);
	c = *qa_scorecard_find_criterion(a, 3); /* the edit invalidated c.text */
	c.weight = 3;
	assert_int_equal(qa_scorecard_update_criterion(a, &c, &err), 0);
	assert_true(qa_scorecard_fingerprint(a) == fp);
	const char *const opts[] = {"Billing", "Technical", "Sales"};
	struct qa_field_def fd = *qa_scorecard_field(a, 1);
	fd.options = opts;
	assert_int_equal(qa_scorecard_update_field(a, &fd, &err), 0);
	assert_true(qa_scorecard_fingerprint(a) != fp);
	assert_int_equal(qa_scorecard_remove_field(a, 3, &err), 0);
	assert_int_equal(qa_scorecard_remove_field(a, 3, &err), EINVAL);
	assert_int_equal(qa_scorecard_set_name(a, "Support call (2025)", &err), 0);
	assert_string_equal(qa_scorecard_name(a), "Support call (2025)");
	assert_string_equal(qa_scorecard_name(v1), "Support call");
	qa_scorecard_free(a);
	qa_scorecard_free(b);
	qa_scorecard_free(v1);
}

/* Many criteria (growth of the arrays) and the limits. */
static void test_limits(void **state)
{
	(void)state;
	struct qa_err err = {{0}};
	struct qa_scorecard *sc;
	assert_int_equal(qa_scorecard_alloc(&sc, 9, 1, "Big", &err), 0);
	for (uint32_t s = 1; s <= QA_MAX_SECTIONS; s++) {
		struct qa_section_def d = {s, "S", 1};
		assert_int_equal(qa_scorecard_add_section(sc, &d, &err), 0);
	}
	struct qa_section_def extra = {QA_MAX_SECTIONS + 1, "S", 1};
	assert_int_equal(qa_scorecard_add_section(sc, &extra, &err), EINVAL);
	for (uint32_t i = 1; i <= QA_MAX_CRITERIA; i++) {
		struct qa_criterion_def d = {i,
					     1 + (i - 1) % QA_MAX_SECTIONS,
					     "c",
					     (double)i,
					     2,
					     0,
					     1,
					     false,
					     QA_CRITICAL_NONE,
					     0};
		assert_int_equal(qa_scorecard_add_criterion(sc, &d, &err), 0);
	}
	struct qa_criterion_def d = {1000, 1, "c", 1, 2, 0, 1, false, QA_CRITICAL_NONE, 0};
	assert_int_equal(qa_scorecard_add_criterion(sc, &d, &err), EINVAL);
	assert_int_equal(qa_scorecard_seal(sc, &err), 0);
	/* criterion i answered 1 when i is even: score = sum of even i / sum of all i */
	struct qa_answer a[QA_MAX_CRITERIA];
	double even = 0, all = 0;
	for (uint32_t i = 1; i <= QA_MAX_CRITERIA; i++) {
		a[QA_MAX_CRITERIA - i] = (struct qa_answer){i, false, (int32_t)(i % 2 == 0)};
		all += i;
		even += i % 2 == 0 ? i : 0;
	}
	struct qa_result *r;
	assert_int_equal(qa_evaluate(&r, sc, a, QA_MAX_CRITERIA, NULL, 0, 0, &err), 0);
	near(r->score, 100 * even / all, 1e-9);
	qa_result_free(r);
	qa_scorecard_free(sc);

	char big[QA_MAX_TEXT + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(qa_scorecard_alloc(&sc, 1, 1, big, &err), EINVAL);
	assert_non_null(strstr(err.msg, "longer than"));
}

static void test_rounding_and_format(void **state)
{
	(void)state;
	char buf[16];
	near(qa_round(74.404761904761905, 1), 74.4, 0);
	near(qa_round(42.857142857142854, 1), 42.9, 0);
	near(qa_round(87.25, 1), 87.3, 0); /* halves away from zero */
	near(qa_round(-87.25, 1), -87.3, 0);
	near(qa_round(-0.04, 1), 0, 0);
	assert_false(signbit(qa_round(-0.04, 1)));
	assert_int_equal(qa_format_points(buf, sizeof(buf), -0.04, false), 0);
	assert_string_equal(buf, "0.0");
	assert_int_equal(qa_format_points(buf, sizeof(buf), 3, true), 0);
	assert_string_equal(buf, "+3.0");
	assert_int_equal(qa_format_points(buf, sizeof(buf), -10.5, true), 0);
	assert_string_equal(buf, "-10.5");
	assert_int_equal(qa_format_points(buf, sizeof(buf), 0.01, true), 0);
	assert_string_equal(buf, "0.0");
	assert_int_equal(qa_format_share(buf, sizeof(buf), 0.625), 0);
	assert_string_equal(buf, "62.5%");
	assert_int_equal(qa_format_share(buf, sizeof(buf), 4.0 / 7), 0);
	assert_string_equal(buf, "57.1%");
	assert_int_equal(qa_format_share(buf, sizeof(buf), NAN), 0);
	assert_string_equal(buf, "-");
	assert_int_equal(qa_format_points(buf, 3, 100, false), ENOSPC);
	/* order statistics */
	double v[] = {2, 5, 10, 45, 90};
	near(qa_median_sorted(v, 5), 10, 0);
	near(qa_median_sorted(v, 4), 7.5, 0);
	assert_true(isnan(qa_median_sorted(v, 0)));
	near(qa_percentile_sorted(v, 5, 80), 45, 0);
	near(qa_percentile_sorted(v, 5, 81), 90, 0);
	near(qa_percentile_sorted(v, 5, 20), 2, 0);
	near(qa_percentile_sorted(v, 5, 1), 2, 0);
	near(qa_percentile_sorted(v, 5, 100), 90, 0);
	assert_true(isnan(qa_percentile_sorted(v, 5, 0)));
	assert_true(isnan(qa_percentile_sorted(v, 5, 101)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_example_a_weights),
	    TEST(test_example_b_na),
	    TEST(test_example_c_section_failure),
	    TEST(test_example_d_whole_failure),
	    TEST(test_example_e_all_na),
	    TEST(test_example_f_new_version),
	    TEST(test_bad_answers),
	    TEST(test_validation),
	    TEST(test_derive_and_fingerprint),
	    TEST(test_limits),
	    TEST(test_rounding_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
