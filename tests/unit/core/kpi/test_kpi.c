/* Tests for core/kpi on hand-worked examples (the numbers are worked out in docs/kpi.md). */
#include "testutil.h"

#include "core/kpi/kpi.h"

#include <math.h>
#include <string.h>

#define MIN 60000LL
#define SEC 1000LL

static struct acd_event call_ev(uint16_t type, uint64_t call, int64_t t_enter, int64_t time)
{
	struct acd_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.call = call;
	ev.queue = 1;
	ev.t_enter = t_enter;
	ev.time = time;
	return ev;
}

/* The example of docs/kpi.md: 10 calls in one 15-minute interval, T = 20 s, short = 5 s. */
static void feed_example(struct kpi *k)
{
	int64_t t0 = 9 * 60 * MIN; /* 09:00 */
	uint64_t id = 1;
	static const int64_t answered[] = {5, 10, 20, 21, 40};
	static const int64_t abandoned[] = {3, 15, 30};
	for (int i = 0; i < 10; i++) {
		struct acd_event ev = call_ev(ACD_EV_CALL_ENTER, id + (uint64_t)i, t0 + i * SEC, t0 + i * SEC);
		kpi_event(k, &ev);
	}
	for (int i = 0; i < 5; i++) {
		struct acd_event ev = call_ev(ACD_EV_CALL_CONNECT, id, t0 + i * SEC, t0 + i * SEC + answered[i] * SEC);
		ev.agent = 7;
		ev.wait_ms = answered[i] * SEC;
		kpi_event(k, &ev);
		id++;
	}
	for (int i = 0; i < 3; i++) {
		struct acd_event ev = call_ev(ACD_EV_CALL_ABANDON, id, t0 + (5 + i) * SEC,
					      t0 + (5 + i) * SEC + abandoned[i] * SEC);
		ev.wait_ms = abandoned[i] * SEC;
		kpi_event(k, &ev);
		id++;
	}
	struct acd_event ov = call_ev(ACD_EV_CALL_EXIT_OVERFLOW, id++, t0 + 8 * SEC, t0 + 128 * SEC);
	kpi_event(k, &ov);
	/* call 10 is still waiting. Four of the answered calls are over: talk 100..400 s, 10 s hold, 30 s wrap each */
	for (int i = 0; i < 4; i++) {
		struct acd_event ev = call_ev(ACD_EV_CALL_COMPLETE_CALLER, 1 + (uint64_t)i, t0 + i * SEC, t0 + 20 * MIN);
		ev.agent = 7;
		ev.dur_ms = (i + 1) * 100 * SEC;
		ev.hold_ms = i == 0 ? 10 * SEC : 0;
		kpi_event(k, &ev);
		struct acd_event w = call_ev(ACD_EV_AGENT_STATE, 1 + (uint64_t)i, t0 + i * SEC, t0 + 21 * MIN);
		w.agent = 7;
		w.from = ACD_AGENT_WRAPUP;
		w.to = ACD_AGENT_READY;
		w.dur_ms = 30 * SEC;
		kpi_event(k, &w);
	}
}

static void test_worked_example(void **state)
{
	(void)state;
	struct kpi *k;
	assert_int_equal(kpi_alloc(&k, 15 * MIN, 0), 0);
	assert_int_equal(kpi_queue_config(k, 1, 20 * SEC, 5 * SEC), 0);
	feed_example(k);
	struct kpi_counts c;
	assert_int_equal(kpi_queue_totals(k, 1, &c), 0);
	assert_int_equal(c.offered, 10);
	assert_int_equal(c.answered, 5);
	assert_int_equal(c.answered_within, 3); /* 20 s is within 20 s; 21 s is not */
	assert_int_equal(c.abandoned, 3);
	assert_int_equal(c.abandoned_short, 1);
	assert_int_equal(c.abandoned_within, 2);
	assert_int_equal(c.overflowed, 1);
	assert_int_equal(c.handled, 4);
	assert_true(fabs(kpi_sl_offered(&c) - 0.3) < 1e-12);
	assert_true(fabs(kpi_sl_excl_short(&c) - 3.0 / 7.0) < 1e-12);
	assert_true(fabs(kpi_sl2(&c) - 5.0 / 8.0) < 1e-12);
	assert_true(fabs(kpi_sl_answered(&c) - 0.6) < 1e-12);
	assert_true(fabs(kpi_asa_ms(&c) - 19200.0) < 1e-9);
	assert_true(fabs(kpi_aht_ms(&c) - 282500.0) < 1e-9);
	assert_true(fabs(kpi_abandon_rate(&c) - 0.3) < 1e-12);
	assert_true(fabs(kpi_abandon_rate_excl_short(&c) - 2.0 / 9.0) < 1e-12);
	assert_int_equal(c.max_wait_answered_ms, 40 * SEC);
	/* everything belongs to the 09:00 interval, where the calls entered */
	int64_t starts[8];
	assert_int_equal(kpi_queue_intervals(k, 1, starts, 8), 1);
	assert_int_equal(starts[0], 9 * 60 * MIN);
	struct kpi_counts iv;
	kpi_queue_interval(k, 1, 9 * 60 * MIN + 14 * MIN, &iv);
	assert_int_equal(memcmp(&iv, &c, sizeof(c)), 0);
	kpi_queue_interval(k, 1, 9 * 60 * MIN + 15 * MIN, &iv);
	assert_int_equal(iv.offered, 0);
	kpi_free(k);
}

static void test_empty_is_nan(void **state)
{
	(void)state;
	struct kpi_counts c;
	memset(&c, 0, sizeof(c));
	assert_true(isnan(kpi_sl_offered(&c)));
	assert_true(isnan(kpi_asa_ms(&c)));
	assert_true(isnan(kpi_aht_ms(&c)));
	struct kpi_agent_counts a;
	memset(&a, 0, sizeof(a));
	assert_true(isnan(kpi_occupancy(&a)));
}

/* Agent time in state is split at interval boundaries; occupancy excludes not-ready time. */
static void test_agent_states(void **state)
{
	(void)state;
	struct kpi *k;
	assert_int_equal(kpi_alloc(&k, 30 * MIN, 0), 0);
	struct acd_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.agent = 3;
	/* logged in and ready at 09:20, reserved at 09:40 for 20 s, talking 300 s, hold 10 s,
	 * talking 0 s, wrap-up 90 s, not ready 500 s */
	struct {
		uint8_t from, to;
		int64_t at;
	} steps[] = {
		{ACD_AGENT_LOGGED_OUT, ACD_AGENT_READY, 9 * 60 * MIN + 20 * MIN},
		{ACD_AGENT_READY, ACD_AGENT_RESERVED, 9 * 60 * MIN + 30 * MIN},
		{ACD_AGENT_RESERVED, ACD_AGENT_TALKING, 9 * 60 * MIN + 30 * MIN + 20 * SEC},
		{ACD_AGENT_TALKING, ACD_AGENT_HOLD, 9 * 60 * MIN + 35 * MIN + 20 * SEC},
		{ACD_AGENT_HOLD, ACD_AGENT_TALKING, 9 * 60 * MIN + 35 * MIN + 30 * SEC},
		{ACD_AGENT_TALKING, ACD_AGENT_WRAPUP, 9 * 60 * MIN + 35 * MIN + 30 * SEC},
		{ACD_AGENT_WRAPUP, ACD_AGENT_NOT_READY, 9 * 60 * MIN + 37 * MIN},
		{ACD_AGENT_NOT_READY, ACD_AGENT_READY, 9 * 60 * MIN + 45 * MIN + 20 * SEC},
	};
	int64_t prev = steps[0].at;
	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ev.type = i == 0 ? ACD_EV_AGENT_LOGIN : ACD_EV_AGENT_STATE;
		ev.from = steps[i].from;
		ev.to = steps[i].to;
		ev.time = steps[i].at;
		ev.dur_ms = i == 0 ? 0 : steps[i].at - prev;
		prev = steps[i].at;
		kpi_event(k, &ev);
	}
	struct kpi_agent_counts a;
	assert_int_equal(kpi_agent_totals(k, 3, 0, &a), 0);
	assert_int_equal(a.state_ms[ACD_AGENT_READY], 10 * MIN);
	assert_int_equal(a.state_ms[ACD_AGENT_RESERVED], 20 * SEC);
	assert_int_equal(a.state_ms[ACD_AGENT_TALKING], 300 * SEC);
	assert_int_equal(a.state_ms[ACD_AGENT_HOLD], 10 * SEC);
	assert_int_equal(a.state_ms[ACD_AGENT_WRAPUP], 90 * SEC);
	assert_int_equal(a.state_ms[ACD_AGENT_NOT_READY], 500 * SEC);
	/* busy 400 s of (400 + 600 + 20) s */
	assert_true(fabs(kpi_occupancy(&a) - 400.0 / 1020.0) < 1e-12);
	/* the open ready period counts up to `now` when asked */
	assert_int_equal(kpi_agent_totals(k, 3, 10 * 60 * MIN, &a), 0);
	assert_int_equal(a.state_ms[ACD_AGENT_READY], 10 * MIN + 14 * MIN + 40 * SEC);
	/* 09:00-09:30 holds the first ready period; 09:30-10:00 the rest */
	struct kpi_agent_counts i1, i2;
	kpi_agent_interval(k, 3, 9 * 60 * MIN, &i1);
	kpi_agent_interval(k, 3, 9 * 60 * MIN + 30 * MIN, &i2);
	assert_int_equal(i1.state_ms[ACD_AGENT_READY], 10 * MIN);
	assert_int_equal(i2.state_ms[ACD_AGENT_READY], 0);
	assert_int_equal(i2.state_ms[ACD_AGENT_NOT_READY], 500 * SEC);
	kpi_free(k);
}

/* A period across a boundary is split between the two intervals. */
static void test_split_across_boundary(void **state)
{
	(void)state;
	struct kpi *k;
	assert_int_equal(kpi_alloc(&k, 15 * MIN, 0), 0);
	struct acd_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = ACD_EV_AGENT_STATE;
	ev.agent = 1;
	ev.from = ACD_AGENT_TALKING;
	ev.to = ACD_AGENT_READY;
	ev.time = 35 * MIN;	/* talked from 10:?? 0:10 to 0:35 */
	ev.dur_ms = 25 * MIN;
	kpi_event(k, &ev);
	struct kpi_agent_counts a;
	kpi_agent_interval(k, 1, 0, &a);
	assert_int_equal(a.state_ms[ACD_AGENT_TALKING], 5 * MIN);
	kpi_agent_interval(k, 1, 15 * MIN, &a);
	assert_int_equal(a.state_ms[ACD_AGENT_TALKING], 15 * MIN);
	kpi_agent_interval(k, 1, 30 * MIN, &a);
	assert_int_equal(a.state_ms[ACD_AGENT_TALKING], 5 * MIN);
	/* intervals are aligned on the origin (e.g. a time zone's midnight) */
	assert_int_equal(kpi_interval_start(k, 16 * MIN), 15 * MIN);
	kpi_free(k);
	assert_int_equal(kpi_alloc(&k, 30 * MIN, -5 * MIN), 0);
	assert_int_equal(kpi_interval_start(k, 0), -5 * MIN);
	assert_int_equal(kpi_interval_start(k, -6 * MIN), -35 * MIN);
	kpi_free(k);
	assert_int_equal(kpi_alloc(&k, 0, 0), EINVAL);
}

/* Through the real ACD: a call answered after 12 s with a 20 s threshold is within; one after 25 s is not. */
static void test_through_acd(void **state)
{
	(void)state;
	struct kpi *k;
	struct acd *acd;
	struct acd_params ap = {.max_misses = 0, .seed = 1};
	assert_int_equal(kpi_alloc(&k, 15 * MIN, 0), 0);
	assert_int_equal(acd_alloc(&acd, &ap, kpi_sink, k), 0);
	struct acd_queue_params qp;
	acd_queue_params_default(&qp);
	qp.wrapup_ms = 5000;
	assert_int_equal(acd_queue_add(acd, 1, &qp), 0);
	kpi_queue_config(k, 1, qp.sl_threshold_ms, qp.short_abandon_ms);
	struct acd_agent_params pa;
	memset(&pa, 0, sizeof(pa));
	assert_int_equal(acd_agent_add(acd, 1, &pa), 0);
	assert_int_equal(acd_call_enter(acd, 1, 1, NULL, 0, NULL), 0);
	assert_int_equal(acd_call_enter(acd, 2, 1, NULL, 0, NULL), 0);
	assert_int_equal(acd_agent_login(acd, 1, true, 10000), 0);
	assert_int_equal(acd_call_answer(acd, 1, 1, 12000), 0);
	assert_int_equal(acd_call_hangup(acd, 1, ACD_SIDE_AGENT, 20000), 0);
	acd_advance(acd, 25000); /* wrap-up over; call 2 offered at 25000 */
	assert_int_equal(acd_call_answer(acd, 2, 1, 25000), 0);
	assert_int_equal(acd_call_hangup(acd, 2, ACD_SIDE_CALLER, 85000), 0);
	acd_advance(acd, 90000);
	struct kpi_counts c;
	kpi_queue_totals(k, 1, &c);
	assert_int_equal(c.answered, 2);
	assert_int_equal(c.answered_within, 1);
	assert_true(fabs(kpi_asa_ms(&c) - 18500.0) < 1e-9);
	assert_true(fabs(kpi_aht_ms(&c) - (8000.0 + 5000 + 60000 + 5000) / 2) < 1e-9);
	acd_free(acd);
	kpi_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_worked_example),	  TEST(test_empty_is_nan),
		TEST(test_agent_states),	  TEST(test_split_across_boundary),
		TEST(test_through_acd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
