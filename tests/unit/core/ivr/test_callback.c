/* Tests for core/ivr callbacks: queued and after-hours requests, dialling, retries until failure,
 * deadline order. */
#include "testutil.h"

#include "core/ivr/callback.h"
#include "core/ivr/hours.h"

#include <stdio.h>
#include <string.h>

static const struct ivr_cb_params P = {.attempts = 3, .retry_ms = 300000, .ring_ms = 30000};

static struct ivr_cb_action take(struct ivr_cb *cb, enum ivr_cb_act_kind kind, uint64_t id)
{
	struct ivr_cb_action a;
	assert_true(ivr_cb_action(cb, &a));
	if (a.kind != kind || a.id != id)
		fail_msg("wanted action %d for %llu, got %d for %llu", kind, (unsigned long long)id,
			 a.kind, (unsigned long long)a.id);
	return a;
}

static void none(struct ivr_cb *cb)
{
	struct ivr_cb_action a;
	assert_false(ivr_cb_action(cb, &a));
}

static void in_queue_answered(void **state)
{
	(void)state;
	struct ivr_cb *cb;
	assert_int_equal(ivr_cb_alloc(&cb, 0), 0);
	/* a waiting caller pressed the key: their place in the ACD becomes the request's, no ROUTE
	 */
	assert_int_equal(ivr_cb_request(cb, 7, 1, "+4930111222", &P, 0, true, 1000), 0);
	none(cb);
	struct ivr_cb_info info;
	assert_int_equal(ivr_cb_info(cb, 7, &info), 0);
	assert_int_equal(info.state, IVR_CB_QUEUED);
	assert_int_equal(info.requested, 1000);
	assert_int_equal(ivr_cb_next_deadline(cb), INT64_MAX);
	/* the routing gave it an agent */
	assert_int_equal(ivr_cb_turn(cb, 7, 50000), 0);
	struct ivr_cb_action a = take(cb, IVR_CB_DIAL, 7);
	assert_string_equal(a.number, "+4930111222");
	assert_int_equal(a.attempt, 1);
	assert_int_equal(a.queue, 1);
	assert_int_equal(ivr_cb_next_deadline(cb), 80000);
	assert_int_equal(ivr_cb_answered(cb, 7, 60000), 0);
	a = take(cb, IVR_CB_COMPLETED, 7);
	assert_int_equal(a.attempt, 1);
	assert_int_equal(a.time, 60000);
	none(cb);
	assert_int_equal(ivr_cb_count(cb), 0);
	assert_int_equal(ivr_cb_info(cb, 7, &info), ENOENT);
	ivr_cb_free(cb);
}

static void retries_exhausted(void **state)
{
	(void)state;
	struct ivr_cb *cb;
	assert_int_equal(ivr_cb_alloc(&cb, 0), 0);
	assert_int_equal(ivr_cb_request(cb, 9, 2, "+4930222333", &P, 0, false, 1000), 0);
	struct ivr_cb_action a = take(cb, IVR_CB_ROUTE, 9);
	assert_false(a.retry);
	assert_int_equal(a.place, 1000);
	/* attempt 1: busy */
	assert_int_equal(ivr_cb_turn(cb, 9, 10000), 0);
	assert_int_equal(take(cb, IVR_CB_DIAL, 9).attempt, 1);
	assert_int_equal(ivr_cb_no_answer(cb, 9, IVR_CB_BUSY, 20000), 0);
	a = take(cb, IVR_CB_RETRY, 9);
	assert_int_equal(a.attempt, 1);
	assert_int_equal(a.outcome, IVR_CB_BUSY);
	assert_int_equal(ivr_cb_next_deadline(cb), 320000);
	ivr_cb_advance(cb, 319999);
	none(cb);
	ivr_cb_advance(cb, 320000);
	a = take(cb, IVR_CB_ROUTE, 9);
	assert_true(a.retry);
	assert_int_equal(a.place, 1000); /* keeps the original place key */
	assert_int_equal(a.time, 320000);
	/* attempt 2: rings out (the scheduler's own ring timer), noticed late */
	assert_int_equal(ivr_cb_turn(cb, 9, 400000), 0);
	assert_int_equal(take(cb, IVR_CB_DIAL, 9).attempt, 2);
	assert_int_equal(ivr_cb_answered(cb, 9, 500000),
			 EBUSY); /* the ring timeout at 430000 came first */
	assert_int_equal(take(cb, IVR_CB_DIAL_CANCEL, 9).time, 430000);
	a = take(cb, IVR_CB_RETRY, 9);
	assert_int_equal(a.attempt, 2);
	assert_int_equal(a.outcome, IVR_CB_NO_ANSWER);
	assert_int_equal(a.time, 430000);
	assert_int_equal(ivr_cb_next_deadline(cb), 730000);
	/* a very late driver: the ROUTE still happens at 730000 */
	ivr_cb_advance(cb, 900000);
	assert_int_equal(take(cb, IVR_CB_ROUTE, 9).time, 730000);
	/* attempt 3: no answer, the last */
	assert_int_equal(ivr_cb_turn(cb, 9, 910000), 0);
	assert_int_equal(take(cb, IVR_CB_DIAL, 9).attempt, 3);
	assert_int_equal(ivr_cb_no_answer(cb, 9, IVR_CB_NO_ANSWER, 920000), 0);
	a = take(cb, IVR_CB_FAILED, 9);
	assert_int_equal(a.attempt, 3);
	assert_int_equal(a.outcome, IVR_CB_NO_ANSWER);
	none(cb);
	assert_int_equal(ivr_cb_count(cb), 0);
	assert_int_equal(ivr_cb_next_deadline(cb), INT64_MAX);
	ivr_cb_free(cb);
}

static void one_attempt_fails_at_once(void **state)
{
	(void)state;
	struct ivr_cb *cb;
	struct ivr_cb_params p = {.attempts = 1, .retry_ms = 0, .ring_ms = 1000};
	assert_int_equal(ivr_cb_alloc(&cb, 0), 0);
	assert_int_equal(ivr_cb_request(cb, 1, 1, "+4930222333", &p, 0, true, 0), 0);
	assert_int_equal(ivr_cb_turn(cb, 1, 10), 0);
	take(cb, IVR_CB_DIAL, 1);
	assert_int_equal(ivr_cb_no_answer(cb, 1, IVR_CB_UNREACHABLE, 20), 0);
	assert_int_equal(take(cb, IVR_CB_FAILED, 1).outcome, IVR_CB_UNREACHABLE);
	ivr_cb_free(cb);
}

/* With a routing that keeps the place through the delay (the ACD), a failed attempt goes straight
 * back to QUEUED. */
static void routing_keeps_place(void **state)
{
	(void)state;
	struct ivr_cb *cb;
	struct ivr_cb_params p = P;
	p.routing_keeps_place = true;
	p.attempts = 2;
	assert_int_equal(ivr_cb_alloc(&cb, 0), 0);
	assert_int_equal(ivr_cb_request(cb, 4, 1, "+4930222333", &p, 0, true, 0), 0);
	assert_int_equal(ivr_cb_turn(cb, 4, 1000), 0);
	take(cb, IVR_CB_DIAL, 4);
	assert_int_equal(ivr_cb_no_answer(cb, 4, IVR_CB_NO_ANSWER, 5000), 0);
	assert_int_equal(take(cb, IVR_CB_RETRY, 4).attempt, 1);
	none(cb);
	struct ivr_cb_info info;
	assert_int_equal(ivr_cb_info(cb, 4, &info), 0);
	assert_int_equal(info.state, IVR_CB_QUEUED);
	assert_int_equal(info.attempts, 1);
	assert_int_equal(ivr_cb_next_deadline(cb), INT64_MAX);
	ivr_cb_advance(cb, 10000000); /* no ROUTE of its own */
	none(cb);
	assert_int_equal(ivr_cb_turn(cb, 4, 10000000), 0);
	assert_int_equal(take(cb, IVR_CB_DIAL, 4).attempt, 2);
	assert_int_equal(ivr_cb_no_answer(cb, 4, IVR_CB_BUSY, 10001000), 0);
	assert_int_equal(take(cb, IVR_CB_FAILED, 4).attempt, 2);
	ivr_cb_free(cb);
}

/* Tuesday 2026-12-01 20:00 UTC (the site is on UTC): closed; Wednesday 08:00 opens. */
#define T_TUE_2000 1796155200000LL
#define H_MS	   3600000LL

static void after_hours(void **state)
{
	(void)state;
	struct ivr_hours h;
	memset(&h, 0, sizeof(h));
	for (int d = 1; d <= 5; d++) {
		h.week[d].n = 1;
		h.week[d].s[0].open_min = 8 * 60;
		h.week[d].s[0].close_min = 18 * 60;
	}
	h.after.kind = IVR_AFTER_CALLBACK;
	assert_int_equal(ivr_hours_check(&h), 0);
	struct ivr_zone z;
	ivr_zone_fixed(&z, 0);
	int64_t open_at;
	assert_int_equal(ivr_hours_next_open(&h, &z, T_TUE_2000, &open_at), 0);
	assert_int_equal(open_at, T_TUE_2000 + 12 * H_MS);

	struct ivr_cb *cb;
	assert_int_equal(ivr_cb_alloc(&cb, T_TUE_2000), 0);
	/* in_queue is ignored after hours: nobody is queued while closed */
	assert_int_equal(ivr_cb_request(cb, 5, 3, "+4930999888", &P, open_at, true, T_TUE_2000), 0);
	none(cb);
	struct ivr_cb_info info;
	assert_int_equal(ivr_cb_info(cb, 5, &info), 0);
	assert_int_equal(info.state, IVR_CB_WAIT_OPEN);
	assert_int_equal(ivr_cb_next_deadline(cb), open_at);
	ivr_cb_advance(cb, open_at - 1);
	none(cb);
	ivr_cb_advance(cb, open_at + 5000);
	struct ivr_cb_action a = take(cb, IVR_CB_ROUTE, 5);
	assert_int_equal(a.time, open_at);
	assert_int_equal(a.place, T_TUE_2000);
	/* the controller found the queue closed after all (a holiday added meanwhile): wait for the
	 * next opening */
	assert_int_equal(ivr_cb_route_refused(cb, 5, open_at + 24 * H_MS, open_at + 6000), 0);
	assert_int_equal(ivr_cb_next_deadline(cb), open_at + 24 * H_MS);
	ivr_cb_advance(cb, open_at + 24 * H_MS);
	take(cb, IVR_CB_ROUTE, 5);
	ivr_cb_free(cb);
}

static void deadline_order(void **state)
{
	(void)state;
	struct ivr_cb *cb;
	assert_int_equal(ivr_cb_alloc(&cb, 0), 0);
	/* three after-hours requests; two share an opening time: creation order breaks the tie */
	assert_int_equal(ivr_cb_request(cb, 30, 1, "+4930000003", &P, 5000, false, 0), 0);
	assert_int_equal(ivr_cb_request(cb, 10, 1, "+4930000001", &P, 9000, false, 0), 0);
	assert_int_equal(ivr_cb_request(cb, 20, 1, "+4930000002", &P, 5000, false, 0), 0);
	assert_int_equal(ivr_cb_next_deadline(cb), 5000);
	ivr_cb_advance(cb, 10000);
	take(cb, IVR_CB_ROUTE, 30);
	take(cb, IVR_CB_ROUTE, 20);
	assert_int_equal(take(cb, IVR_CB_ROUTE, 10).time, 9000);
	none(cb);
	ivr_cb_free(cb);
}

static void rejects(void **state)
{
	(void)state;
	struct ivr_cb *cb;
	assert_int_equal(ivr_cb_alloc(&cb, 0), 0);
	assert_int_equal(ivr_cb_request(cb, 1, 1, "030 1234567", &P, 0, true, 0), EINVAL);
	assert_int_equal(ivr_cb_request(cb, 0, 1, "+4930111222", &P, 0, true, 0), EINVAL);
	assert_int_equal(ivr_cb_request(cb, 1, 0, "+4930111222", &P, 0, true, 0), EINVAL);
	struct ivr_cb_params bad = P;
	bad.attempts = 0;
	assert_int_equal(ivr_cb_request(cb, 1, 1, "+4930111222", &bad, 0, true, 0), EINVAL);
	bad = P;
	bad.ring_ms = 0;
	assert_int_equal(ivr_cb_request(cb, 1, 1, "+4930111222", &bad, 0, true, 0), EINVAL);
	assert_int_equal(ivr_cb_request(cb, 1, 1, "+4930111222", &P, 0, true, 0), 0);
	assert_int_equal(ivr_cb_request(cb, 1, 1, "+4930111222", &P, 0, true, 0), EEXIST);
	assert_int_equal(ivr_cb_answered(cb, 1, 10), EBUSY);
	assert_int_equal(ivr_cb_no_answer(cb, 1, IVR_CB_BUSY, 10), EBUSY);
	assert_int_equal(ivr_cb_turn(cb, 2, 10), ENOENT);
	assert_int_equal(ivr_cb_turn(cb, 1, 10), 0);
	assert_int_equal(ivr_cb_turn(cb, 1, 10), EBUSY);
	assert_int_equal(ivr_cb_no_answer(cb, 1, 77, 10), EINVAL);
	assert_int_equal(ivr_cb_route_refused(cb, 1, 100, 10), EBUSY);
	assert_int_equal(ivr_cb_cancel(cb, 1, 20), 0);
	assert_int_equal(ivr_cb_cancel(cb, 1, 20), ENOENT);
	assert_int_equal(ivr_cb_count(cb), 0);
	ivr_cb_free(cb);
}

/* Many requests whose deadlines all pass in one advance: every action is kept, in time order. */
static void many(void **state)
{
	(void)state;
	struct ivr_cb *cb;
	assert_int_equal(ivr_cb_alloc(&cb, 0), 0);
	enum { N = 2000 };
	for (uint64_t i = 1; i <= N; i++) {
		char num[IVR_NUMBER_MAX];
		snprintf(num, sizeof(num), "+4930%07llu", (unsigned long long)i);
		assert_int_equal(ivr_cb_request(cb, i, 1, num, &P, 0, true, 0), 0);
		assert_int_equal(ivr_cb_turn(cb, i, (int64_t)i), 0);
	}
	struct ivr_cb_action a;
	for (uint64_t i = 1; i <= N; i++)
		take(cb, IVR_CB_DIAL, i);
	/* all ring out; each DIAL_CANCEL + RETRY at its own time, then each ROUTE */
	ivr_cb_advance(cb, 10000000);
	int64_t last = 0;
	unsigned routes = 0, retries = 0;
	while (ivr_cb_action(cb, &a)) {
		assert_true(a.time >= last);
		last = a.time;
		routes += a.kind == IVR_CB_ROUTE;
		retries += a.kind == IVR_CB_RETRY;
	}
	assert_int_equal(routes, N);
	assert_int_equal(retries, N);
	assert_int_equal(ivr_cb_count(cb), N);
	ivr_cb_free(cb); /* frees the pending requests */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(in_queue_answered),
	    TEST(retries_exhausted),
	    TEST(one_attempt_fails_at_once),
	    TEST(routing_keeps_place),
	    TEST(after_hours),
	    TEST(deadline_order),
	    TEST(rejects),
	    TEST(many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
