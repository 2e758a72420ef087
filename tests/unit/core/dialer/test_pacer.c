/* Tests for core/dialer/pacer: the rolling abandonment window, the handle-time model, and the
 * pacing decision (progressive floor, small-sample fallback, throttling, dialling ahead). */
#include "testutil.h"

#include "core/dialer/pacer.h"

#include <math.h>
#include <string.h>

#define HOUR_MS (3600 * 1000LL)
#define DAY_MS	(24 * HOUR_MS)

static struct pacer_stats *stats(int64_t window)
{
	struct pacer_stats *s = sb_alloc(sizeof(*s));
	assert_non_null(s);
	pacer_stats_init(s, window);
	return s;
}

static void test_window(void **state)
{
	(void)state;
	struct pacer_stats *s = stats(DAY_MS);
	uint64_t live, ab;
	assert_true(pacer_rate(s, 0, &live, &ab) == 0);
	for (int i = 0; i < 100; i++)
		pacer_note_live(s, i * 60000LL, i < 3);
	assert_true(fabs(pacer_rate(s, 100 * 60000LL, &live, &ab) - 0.03) < 1e-12);
	assert_int_equal(live, 100);
	assert_int_equal(ab, 3);
	/* 20 hours later: still inside the 24 hours */
	for (int i = 0; i < 100; i++)
		pacer_note_live(s, 20 * HOUR_MS + i * 60000LL, false);
	assert_true(fabs(pacer_rate(s, 20 * HOUR_MS + 100 * 60000LL, &live, &ab) - 0.015) < 1e-12);
	/* a day after the abandons they have left the window */
	assert_true(pacer_rate(s, DAY_MS + 2 * HOUR_MS, &live, &ab) == 0);
	assert_int_equal(live, 100);
	/* far later: empty; a stamp from the past is booked in the newest bucket */
	assert_true(pacer_rate(s, 10 * DAY_MS, &live, &ab) == 0);
	assert_int_equal(live, 0);
	pacer_note_live(s, 0, true);
	assert_true(pacer_rate(s, 10 * DAY_MS, &live, &ab) == 1.0);
	sb_free(s);

	/* 30 days: the window keeps a month */
	s = stats(30 * DAY_MS);
	pacer_note_live(s, 0, true);
	pacer_note_live(s, 29 * DAY_MS, false);
	assert_true(pacer_rate(s, 29 * DAY_MS, &live, &ab) == 0.5);
	assert_true(pacer_rate(s, 31 * DAY_MS, &live, &ab) == 0);
	assert_int_equal(live, 1);
	sb_free(s);
}

static void test_handle_model(void **state)
{
	(void)state;
	struct pacer_stats *s = stats(DAY_MS);
	/* nothing measured: memoryless with a guessed mean */
	double q0 = pacer_p_finish(s, 0, 10000);
	assert_true(q0 > 0 && q0 < 0.1);
	for (int i = 0; i < 500; i++)
		pacer_note_handle(s, 100000); /* every call takes 100 s */
	assert_true(pacer_p_finish(s, 0, 20000) < 0.01);
	assert_true(pacer_p_finish(s, 90000, 20000) > 0.99);
	double mid = pacer_p_finish(s, 85000, 20000);
	assert_true(mid > 0.5 && mid <= 1.0);
	/* older than everything measured: memoryless again, not zero */
	double late = pacer_p_finish(s, 500000, 20000);
	assert_true(late > 0.1 && late < 0.2);
	assert_true(pacer_p_finish(s, 0, 0) == 0);
	/* the oldest measurements leave as new ones come */
	for (int i = 0; i < PACER_KEEP; i++)
		pacer_note_handle(s, 10000);
	assert_true(pacer_p_finish(s, 0, 20000) > 0.99);
	sb_free(s);
}

/* A campaign with a good sample: 1000 attempts, 30% answered after 8 s, handle 120 s. */
static struct pacer_stats *measured(double rate)
{
	struct pacer_stats *s = stats(30 * DAY_MS);
	for (int i = 0; i < 1000; i++)
		pacer_note_attempt(s, i % 10 < 3, 8000);
	for (int i = 0; i < 500; i++)
		pacer_note_handle(s, 60000 + (i % 13) * 10000);
	int ab = (int)(rate * 1000 + 0.5);
	for (int i = 0; i < 1000; i++)
		pacer_note_live(s, i * 1000LL, i < ab);
	return s;
}

static void test_decide(void **state)
{
	(void)state;
	struct pacer_params pp;
	pacer_params_default(&pp);
	struct pacer_scratch *sc = sb_alloc(sizeof(*sc));
	assert_non_null(sc);
	struct pacer_output o;
	int64_t el[10];
	for (int i = 0; i < 10; i++)
		el[i] = i * 15000;
	struct pacer_input in = {
	    .free_agents = 4, .busy_agents = 10, .busy_elapsed_ms = el, .waiting = 1, .ringing = 1};

	/* progressive, and predictive with no sample: one call per free agent */
	struct pacer_stats *s = stats(30 * DAY_MS);
	pacer_decide(&pp, s, false, &in, 1000, sc, &o);
	assert_int_equal(o.dial, 2);
	assert_int_equal(o.why, PACER_WHY_PROGRESSIVE);
	pacer_decide(&pp, s, true, &in, 1000, sc, &o);
	assert_int_equal(o.dial, 2);
	assert_int_equal(o.why, PACER_WHY_SMALL_SAMPLE);
	sb_free(s);

	/* a good sample and a low rate: dials ahead, more than progressive */
	s = measured(0.0);
	pacer_decide(&pp, s, true, &in, 1000 * 1000LL, sc, &o);
	assert_int_equal(o.why, PACER_WHY_PREDICTIVE);
	assert_true(fabs(o.p - 0.3) < 1e-9);
	assert_true(o.dial > 2);
	assert_true(o.exp_abandon <= o.tau * o.exp_live + 1e-12);
	uint32_t ahead = o.dial;
	/* agents that have just started their calls free up later: fewer calls */
	int64_t fresh[10] = {0};
	in.busy_elapsed_ms = fresh;
	pacer_decide(&pp, s, true, &in, 1000 * 1000LL, sc, &o);
	assert_true(o.dial <= ahead);
	in.busy_elapsed_ms = el;
	/* a lower answer rate: more calls for the same agents */
	struct pacer_stats *low = stats(30 * DAY_MS);
	*low = *s;
	for (int i = 0; i < 1000; i++)
		pacer_note_attempt(low, i % 10 == 0, 8000);
	pacer_decide(&pp, low, true, &in, 1000 * 1000LL, sc, &o);
	assert_true(o.p < 0.11);
	assert_true(o.dial > ahead);
	sb_free(low);
	sb_free(s);

	/* the measured rate nears the target: tau shrinks, fewer calls; at the target: progressive
	 */
	s = measured(0.018); /* target 0.024: 3/4 of it */
	pacer_decide(&pp, s, true, &in, 1000 * 1000LL, sc, &o);
	assert_true(o.tau > 0 && o.tau < pp.limit * pp.margin);
	assert_true(o.dial >= 2 && o.dial <= ahead);
	sb_free(s);
	s = measured(0.025);
	pacer_decide(&pp, s, true, &in, 1000 * 1000LL, sc, &o);
	assert_int_equal(o.why, PACER_WHY_THROTTLED);
	assert_int_equal(o.dial, 2);
	assert_int_equal(o.mode, PACER_PROGRESSIVE);
	assert_non_null(pacer_why_text(o.why));

	/* never fewer than progressive, even with many calls in flight */
	in.ringing = 0;
	in.waiting = 0;
	in.free_agents = 10;
	pacer_decide(&pp, s, true, &in, 1000 * 1000LL, sc, &o);
	assert_int_equal(o.dial, 10);
	sb_free(s);
	s = measured(0);
	in.ringing = 60;
	pacer_decide(&pp, s, true, &in, 1000 * 1000LL, sc, &o);
	assert_int_equal(o.dial, 0);
	sb_free(s);
	sb_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_window),
	    TEST(test_handle_model),
	    TEST(test_decide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
