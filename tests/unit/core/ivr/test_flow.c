/* Tests core/ivr with the real ACD: menu to queue, hours, announcements from the ACD's position,
 * callbacks through the ACD's routing (place kept, retries, failure) and after hours, driven as the
 * telephony controller will. */
#include "testutil.h"

#include "core/acd/acd.h"
#include "core/ivr/announce.h"
#include "core/ivr/callback.h"
#include "core/ivr/hours.h"
#include "core/ivr/ivr_json.h"
#include "core/ivr/menu.h"

#include <string.h>

#define T0    1796202000000LL /* Wednesday 2026-12-02 09:00 UTC; the site is on UTC */
#define SEC   1000LL
#define MIN   (60 * SEC)
#define QUEUE 10
#define AGENT 1

static const struct phone_plan plan_de = {"49", "0", "00"};

static const char menu_doc[] = "{\"languages\": [\"en\", \"es\"], \"start\": \"main\", \"nodes\": {"
			       " \"main\": {\"type\": \"menu\", \"prompts\": [\"welcome\"], "
			       "\"choices\": {\"1\": {\"queue\": 10},"
			       "   \"2\": {\"language\": \"es\", \"node\": \"main\"}}}}}";

static const char hours_doc[] =
    "{\"weekly\": {\"mon\": [[\"08:00\", \"18:00\"]], \"tue\": [[\"08:00\", \"18:00\"]],"
    " \"wed\": [[\"08:00\", \"18:00\"]], \"thu\": [[\"08:00\", \"18:00\"]], \"fri\": [[\"08:00\", "
    "\"18:00\"]]},"
    " \"after_hours\": {\"action\": \"callback\", \"prompt\": \"closed-callback\"}}";

/* The controller's view: the ACD's events are recorded by the sink and handled after each call into
 * the ACD. */
struct center {
	struct acd *acd;
	struct ivr_ewt ewt;
	struct ivr_cb *cb;
	struct ivr_menu menu;
	struct ivr_hours hours;
	struct ivr_zone zone;
	struct acd_event ev[256];
	int n_ev;
};

static void sink(const struct acd_event *ev, void *arg)
{
	struct center *c = arg;
	assert_true(c->n_ev < 256);
	c->ev[c->n_ev++] = *ev;
	/* the estimator learns from the ACD's events */
	if (ev->type == ACD_EV_CALL_CONNECT)
		ivr_ewt_dequeue(&c->ewt, ev->time);
	if (ev->type == ACD_EV_CALL_COMPLETE_CALLER || ev->type == ACD_EV_CALL_COMPLETE_AGENT)
		ivr_ewt_handled(&c->ewt, ev->dur_ms + ev->hold_ms);
}

/* Copies the last event of `type` for `call` since the list was cleared; false if there is none. */
static bool find(struct center *c, uint16_t type, uint64_t call, struct acd_event *out)
{
	for (int i = c->n_ev; i-- > 0;)
		if (c->ev[i].type == type && c->ev[i].call == call) {
			*out = c->ev[i];
			return true;
		}
	return false;
}

static bool seen(struct center *c, uint16_t type, uint64_t call)
{
	struct acd_event e;
	return find(c, type, call, &e);
}

static void setup(struct center *c)
{
	memset(c, 0, sizeof(*c));
	char err[IVR_ERR_MAX];
	assert_int_equal(ivr_menu_parse(menu_doc, strlen(menu_doc), &c->menu, err, sizeof(err)), 0);
	assert_int_equal(ivr_hours_parse(hours_doc, strlen(hours_doc), &c->hours, err, sizeof(err)),
			 0);
	ivr_zone_fixed(&c->zone, 0);
	struct ivr_ewt_params ep = {
	    .window_ms = 15 * MIN, .min_samples = 5, .default_aht_ms = 3 * MIN};
	assert_int_equal(ivr_ewt_init(&c->ewt, &ep), 0);
	assert_int_equal(ivr_cb_alloc(&c->cb, T0), 0);
	struct acd_params ap = {.max_misses = 0, .seed = 1};
	assert_int_equal(acd_alloc(&c->acd, &ap, sink, c), 0);
	struct acd_queue_params qp;
	acd_queue_params_default(&qp);
	qp.wrapup = ACD_WRAPUP_NONE;
	qp.callback_attempts = 2; /* the same policy as the scheduler's below */
	qp.callback_retry_ms = MIN;
	assert_int_equal(acd_queue_add(c->acd, QUEUE, &qp), 0);
	struct acd_agent_params ag;
	memset(&ag, 0, sizeof(ag));
	assert_int_equal(acd_agent_add(c->acd, AGENT, &ag), 0);
	assert_int_equal(acd_agent_login(c->acd, AGENT, true, T0), 0);
}

static void teardown(struct center *c)
{
	acd_free(c->acd);
	ivr_cb_free(c->cb);
	ivr_menu_clear(&c->menu);
}

static const struct ivr_cb_params cbp = {
    .attempts = 2, .retry_ms = MIN, .ring_ms = 30 * SEC, .routing_keeps_place = true};

/* A caller runs the menu, presses `key`; the queue action is carried out if the queue is open. */
static void caller_via_menu(struct center *c, uint64_t call, int32_t prio, int64_t now)
{
	struct ivr_run *r;
	struct ivr_action a;
	assert_int_equal(ivr_run_alloc(&r, &c->menu, now), 0);
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, IVR_ACT_PLAY);
	assert_int_equal(ivr_run_digit(r, '1', now + 2 * SEC), 0);
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, IVR_ACT_STOP);
	assert_true(ivr_run_action(r, &a));
	assert_int_equal(a.kind, IVR_ACT_QUEUE);
	assert_int_equal(a.queue, QUEUE);
	ivr_run_free(r);
	struct ivr_local lt;
	ivr_zone_local(&c->zone, now + 2 * SEC, &lt);
	assert_true(ivr_hours_open(&c->hours, &lt));
	struct acd_call_params cp = {.priority = prio};
	enum acd_refusal ref;
	assert_int_equal(acd_call_enter(c->acd, call, QUEUE, &cp, now + 2 * SEC, &ref), 0);
	assert_int_equal(ref, ACD_REFUSED_NONE);
}

/* Runs one announcement for a waiting call at `now`: the position comes from the ACD, the wait from
 * the estimator. */
static uint32_t announce(struct center *c, struct ivr_ann *an, uint64_t call, int64_t now,
			 int64_t *ewt_out)
{
	struct ivr_ann_action x;
	ivr_ann_advance(an, now);
	assert_true(ivr_ann_action(an, &x));
	assert_int_equal(x.kind, IVR_ANN_DUE);
	uint32_t pos;
	int64_t acd_ewt;
	bool changed;
	assert_int_equal(acd_call_announce(c->acd, call, now, &pos, &acd_ewt, &changed), 0);
	struct acd_queue_stats st;
	assert_int_equal(acd_queue_stats(c->acd, QUEUE, &st), 0);
	int64_t ewt = ivr_ewt_estimate(&c->ewt, pos, st.agents_logged_in, now, NULL);
	*ewt_out = ewt;
	assert_int_equal(ivr_ann_announce(an, pos, ewt, now), 0);
	uint32_t said = 0;
	while (ivr_ann_action(an, &x)) {
		if (x.kind == IVR_ANN_POSITION)
			said = x.position;
		if (x.kind == IVR_ANN_END)
			break;
	}
	assert_int_equal(ivr_ann_prompts_done(an, now + 8 * SEC), 0);
	assert_true(ivr_ann_action(an, &x));
	assert_int_equal(x.kind, IVR_ANN_MUSIC);
	return said;
}

/* The agent answers the call the ACD offered them; for a callback, the scheduler then dials. */
static void agent_answers(struct center *c, uint64_t call, int64_t now)
{
	struct acd_event off = {0}, con = {0};
	assert_true(find(c, ACD_EV_CALL_OFFER, call, &off));
	assert_int_equal(off.agent, AGENT);
	c->n_ev = 0;
	assert_int_equal(acd_call_answer(c->acd, call, AGENT, now), 0);
	assert_true(find(c, ACD_EV_CALL_CONNECT, call, &con));
	/* a call the scheduler holds as QUEUED is a callback whose turn came */
	struct ivr_cb_info info;
	if (ivr_cb_info(c->cb, call, &info) == 0 && info.state == IVR_CB_QUEUED)
		assert_int_equal(ivr_cb_turn(c->cb, call, now), 0);
	else
		assert_false(con.flags & ACD_F_CALLBACK);
}

static void day_flow(void **state)
{
	(void)state;
	struct center c;
	setup(&c);
	struct ivr_ann_params ap;
	ivr_ann_params_default(&ap, &plan_de);

	/* A reaches the agent at once */
	caller_via_menu(&c, 1, 0, T0);
	agent_answers(&c, 1, T0 + 5 * SEC);
	/* B (known number) and C (anonymous) wait */
	caller_via_menu(&c, 2, 0, T0 + 10 * SEC);
	caller_via_menu(&c, 3, 0, T0 + 20 * SEC);
	struct ivr_ann ann_b, ann_c;
	assert_int_equal(ivr_ann_init(&ann_b, &ap, "+4930111222", T0 + 12 * SEC), 0);
	assert_int_equal(ivr_ann_init(&ann_c, &ap, NULL, T0 + 22 * SEC), 0);
	int64_t ewt;
	/* nothing handled yet: 1 x 3 min / 1 agent for B; C is second: 6 min */
	assert_int_equal(announce(&c, &ann_b, 2, T0 + 42 * SEC, &ewt), 1);
	assert_int_equal(ewt, 3 * MIN);
	assert_int_equal(announce(&c, &ann_c, 3, T0 + 52 * SEC, &ewt), 2);
	assert_int_equal(ewt, 6 * MIN);
	/* D with a higher priority enters ahead of both: the ACD puts C third, C still hears 2 */
	caller_via_menu(&c, 4, 5, T0 + 60 * SEC);
	assert_int_equal(announce(&c, &ann_c, 3, T0 + 112 * SEC, &ewt), 2);

	/* C asks for a callback and keys in a number */
	struct ivr_ann_action x;
	assert_int_equal(ivr_ann_digit(&ann_c, '1', T0 + 120 * SEC), 0);
	assert_true(ivr_ann_action(&ann_c, &x));
	assert_int_equal(x.kind, IVR_ANN_ASK_NUMBER);
	for (const char *k = "0301234567#"; *k; k++)
		assert_int_equal(ivr_ann_digit(&ann_c, *k, T0 + 125 * SEC), 0);
	assert_true(ivr_ann_action(&ann_c, &x));
	assert_int_equal(x.kind, IVR_ANN_CALLBACK);
	assert_string_equal(x.number, "+49301234567");
	/* the controller turns the waiting call into a callback keeping its place, and books it */
	assert_int_equal(acd_call_request_callback(c.acd, 3, T0 + 125 * SEC), 0);
	assert_int_equal(ivr_cb_request(c.cb, 3, QUEUE, x.number, &cbp, 0, true, T0 + 125 * SEC),
			 0);
	struct ivr_cb_action ca;
	assert_false(ivr_cb_action(c.cb, &ca)); /* no ROUTE: it is already in the ACD */

	/* A hangs up after 4 min: D (priority) is next, then B, then the callback */
	c.n_ev = 0;
	assert_int_equal(acd_call_hangup(c.acd, 1, ACD_SIDE_CALLER, T0 + 245 * SEC), 0);
	agent_answers(&c, 4, T0 + 250 * SEC);
	c.n_ev = 0;
	assert_int_equal(acd_call_hangup(c.acd, 4, ACD_SIDE_CALLER, T0 + 370 * SEC), 0);
	assert_true(seen(&c, ACD_EV_CALL_OFFER, 2));
	agent_answers(&c, 2, T0 + 375 * SEC);
	/* two handle times seen (240 s, 120 s): the handle-time estimate for a new caller is 180 s
	 */
	assert_int_equal(ivr_ewt_estimate(&c.ewt, 1, 1, T0 + 376 * SEC, NULL), 180 * SEC);
	c.n_ev = 0;
	assert_int_equal(acd_call_hangup(c.acd, 2, ACD_SIDE_AGENT, T0 + 400 * SEC), 0);

	/* the callback's turn: the agent takes it, the scheduler dials C's number */
	agent_answers(&c, 3, T0 + 405 * SEC);
	assert_true(ivr_cb_action(c.cb, &ca));
	assert_int_equal(ca.kind, IVR_CB_DIAL);
	assert_string_equal(ca.number, "+49301234567");
	assert_int_equal(ca.attempt, 1);
	/* no answer: the scheduler counts it, the ACD keeps the place and re-offers after its retry
	 * delay */
	assert_int_equal(ivr_cb_no_answer(c.cb, 3, IVR_CB_NO_ANSWER, T0 + 430 * SEC), 0);
	assert_true(ivr_cb_action(c.cb, &ca));
	assert_int_equal(ca.kind, IVR_CB_RETRY);
	c.n_ev = 0;
	assert_int_equal(acd_callback_failed(c.acd, 3, T0 + 430 * SEC), 0);
	assert_true(seen(&c, ACD_EV_CALLBACK_ATTEMPT_FAILED, 3));
	assert_int_equal(acd_next_deadline(c.acd), T0 + 490 * SEC);
	acd_advance(c.acd, T0 + 490 * SEC);
	agent_answers(&c, 3, T0 + 492 * SEC);
	assert_true(ivr_cb_action(c.cb, &ca));
	assert_int_equal(ca.kind, IVR_CB_DIAL);
	assert_int_equal(ca.attempt, 2);
	/* the second ring times out in the scheduler: the last attempt, recorded as failed in both
	 */
	assert_int_equal(ivr_cb_next_deadline(c.cb), T0 + 522 * SEC);
	ivr_cb_advance(c.cb, T0 + 523 * SEC);
	assert_true(ivr_cb_action(c.cb, &ca));
	assert_int_equal(ca.kind, IVR_CB_DIAL_CANCEL);
	assert_true(ivr_cb_action(c.cb, &ca));
	assert_int_equal(ca.kind, IVR_CB_FAILED);
	assert_int_equal(ca.attempt, 2);
	c.n_ev = 0;
	assert_int_equal(acd_callback_failed(c.acd, 3, ca.time), 0);
	assert_true(seen(&c, ACD_EV_CALLBACK_FAILED, 3));
	struct acd_queue_stats st;
	assert_int_equal(acd_queue_stats(c.acd, QUEUE, &st), 0);
	assert_int_equal(st.callbacks_failed, 1);
	assert_int_equal(ivr_cb_count(c.cb), 0);
	teardown(&c);
}

static void after_hours_callback(void **state)
{
	(void)state;
	struct center c;
	setup(&c);
	/* 18:30: the queue is closed; the after-hours action is a callback at the next opening (Thu
	 * 08:00) */
	int64_t now = T0 + 9 * 60 * MIN + 30 * MIN;
	struct ivr_local lt;
	ivr_zone_local(&c.zone, now, &lt);
	assert_false(ivr_hours_open(&c.hours, &lt));
	assert_int_equal(c.hours.after.kind, IVR_AFTER_CALLBACK);
	int64_t open_at;
	assert_int_equal(ivr_hours_next_open(&c.hours, &c.zone, now, &open_at), 0);
	assert_int_equal(open_at, T0 + 23 * 60 * MIN);
	assert_int_equal(ivr_cb_request(c.cb, 50, QUEUE, "+4930777666", &cbp, open_at, false, now),
			 0);
	assert_int_equal(ivr_cb_next_deadline(c.cb), open_at);
	/* the night passes; at the opening the scheduler routes it and the controller queues it as
	 * a callback */
	ivr_cb_advance(c.cb, open_at);
	struct ivr_cb_action ca;
	assert_true(ivr_cb_action(c.cb, &ca));
	assert_int_equal(ca.kind, IVR_CB_ROUTE);
	struct acd_call_params cp = {.priority = 0};
	enum acd_refusal ref;
	c.n_ev = 0;
	assert_int_equal(acd_call_enter(c.acd, 50, QUEUE, &cp, open_at, &ref), 0);
	assert_int_equal(ref, ACD_REFUSED_NONE);
	/* the agent is ready, so the ACD offers it at once (no acd_call_request_callback: it is not
	 * waiting) */
	struct acd_call_info ci;
	assert_int_equal(acd_call_info(c.acd, 50, &ci), 0);
	assert_int_equal(ci.state, ACD_CALL_RINGING);
	assert_int_equal(acd_call_request_callback(c.acd, 50, open_at), EBUSY);
	agent_answers(&c, 50, open_at + 3 * SEC);
	assert_true(ivr_cb_action(c.cb, &ca));
	assert_int_equal(ca.kind, IVR_CB_DIAL);
	assert_int_equal(ivr_cb_answered(c.cb, 50, open_at + 10 * SEC), 0);
	assert_true(ivr_cb_action(c.cb, &ca));
	assert_int_equal(ca.kind, IVR_CB_COMPLETED);
	assert_int_equal(acd_call_hangup(c.acd, 50, ACD_SIDE_AGENT, open_at + 200 * SEC), 0);
	teardown(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(day_flow),
	    TEST(after_hours_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
