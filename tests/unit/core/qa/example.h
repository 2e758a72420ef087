/* example: the "Support call" scorecard of docs/quality.md, built for the qa unit tests. */
#ifndef SB_TESTS_QA_EXAMPLE_H
#define SB_TESTS_QA_EXAMPLE_H

#include "core/qa/scorecard.h"

#include <cmocka.h>

#define near(a, b, tol)                                                                            \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol))) {                                                   \
			print_error("%s = %.12g, expected %.12g (tol %g)\n", #a, a_, b_,           \
				    (double)(tol));                                                \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

static const char *const example_call_types[] = {"Billing", "Technical", "Other"};

/* Scorecard 1 "Support call", version 1, sealed (docs/quality.md, "The example scorecard"). */
static inline struct qa_scorecard *example_v1(void)
{
	struct qa_scorecard *sc;
	struct qa_err err = {{0}};
	assert_int_equal(qa_scorecard_alloc(&sc, 1, 1, "Support call", &err), 0);
	const struct qa_section_def secs[] = {
	    {1, "Opening", 1},
	    {2, "Resolution", 1},
	    {3, "Closing", 1},
	};
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(qa_scorecard_add_section(sc, &secs[i], &err), 0);
	const struct qa_criterion_def crit[] = {
	    {1, 1, "Used the approved greeting", 1, 2, 0, 1, false, QA_CRITICAL_NONE, 0},
	    {2, 1, "Verified the caller's identity", 2, 2, 0, 1, false, QA_CRITICAL_WHOLE, 0},
	    {3, 2, "Understood the need", 3, 5, 1, 5, false, QA_CRITICAL_NONE, 0},
	    {4, 2, "Gave correct information", 4, 4, 1, 4, false, QA_CRITICAL_SECTION, 1},
	    {5, 2, "Offered further help", 1, 3, 0, 2, true, QA_CRITICAL_NONE, 0},
	    {6, 3, "Summarised the next steps", 2, 3, 1, 3, true, QA_CRITICAL_NONE, 0},
	    {7, 3, "Thanked the caller", 1, 2, 0, 1, true, QA_CRITICAL_NONE, 0},
	};
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(qa_scorecard_add_criterion(sc, &crit[i], &err), 0);
	const struct qa_field_def fields[] = {
	    {1, 0, QA_FIELD_CHECKBOX, "Coaching needed", false, NULL, 0},
	    {2, 0, QA_FIELD_DROPDOWN, "Call type", true, example_call_types, 3},
	    {3, 0, QA_FIELD_COMMENT, "Feedback to the agent", false, NULL, 0},
	};
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(qa_scorecard_add_field(sc, &fields[i], &err), 0);
	assert_int_equal(qa_scorecard_seal(sc, &err), 0);
	return sc;
}

#define NA (-1000)

/* Answers c1..c7 in order; NA for "not applicable". */
static inline void example_answers(struct qa_answer out[7], const int v[7])
{
	for (int i = 0; i < 7; i++)
		out[i] = (struct qa_answer){(uint32_t)(i + 1), v[i] == NA, v[i] == NA ? 0 : v[i]};
}

/* The required "Call type" dropdown, answered "Billing". */
static const struct qa_field_answer example_fields[] = {
    {2, false, 0, NULL},
};

/* Evaluations A to D of docs/quality.md. */
static const int example_a[7] = {1, 1, 4, 3, 1, 3, 0};
static const int example_b[7] = {1, 1, 3, 4, 2, NA, NA};
static const int example_c[7] = {1, 1, 5, 1, 2, 3, 1};
static const int example_d[7] = {1, 0, 4, 3, 1, 3, 0};

static inline struct qa_result *example_score(const struct qa_scorecard *sc, const int v[7])
{
	struct qa_answer a[7];
	struct qa_result *r = NULL;
	struct qa_err err = {{0}};
	example_answers(a, v);
	int e = qa_evaluate(&r, sc, a, 7, example_fields, 1, 0, &err);
	if (e)
		print_error("qa_evaluate: %s\n", err.msg);
	assert_int_equal(e, 0);
	return r;
}

#endif
