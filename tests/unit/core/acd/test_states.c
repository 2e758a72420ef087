/* Tests for the ACD state machines: the edges where older ACDs go wrong. */
#include "harness.h"

static struct acd *one_queue(struct acd_queue_params *p, uint32_t n_agents, uint32_t max_misses)
{
	struct acd *acd = mk_acd(max_misses);
	add_queue(acd, 1, p);
	for (uint32_t a = 1; a <= n_agents; a++)
		add_agent(acd, a, 0, 1);
	return acd;
}

/* An agent who logs out while ringing: the caller goes back to the head and rings the next agent.
 */
static void test_logout_while_ringing(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	struct acd *acd = one_queue(&p, 2, 0);
	login_ready(acd, 1, 0);
	enter(acd, 1, 1, 0, 10);
	enter(acd, 2, 1, 0, 20);
	assert_int_equal(rec_offered(1), 1);
	rec_clear();
	assert_int_equal(acd_agent_logout(acd, 1, ACD_REASON_USER, 30), 0);
	assert_int_equal(agent_state(acd, 1), ACD_AGENT_LOGGED_OUT);
	int i = rec_find(0, ACD_EV_CALL_OFFER_CANCEL, 1);
	assert_true(i >= 0);
	assert_int_equal(rec.ev[i].reason, ACD_CANCEL_AGENT_LOGOUT);
	assert_int_equal(call_state(acd, 1), ACD_CALL_WAITING);
	/* call 1 is ahead of call 2 */
	uint32_t pos;
	assert_int_equal(acd_call_announce(acd, 1, 31, &pos, NULL, NULL), 0);
	assert_int_equal(pos, 1);
	login_ready(acd, 2, 40);
	assert_int_equal(rec_offered(1), 2);
	/* answering a withdrawn offer loses */
	assert_int_equal(acd_call_answer(acd, 1, 1, 41), EALREADY);
	check_inv(acd);
	acd_free(acd);
}

/* The caller hangs up while the agent's phone rings: an abandon; the agent is ready at once. */
static void test_abandon_while_ringing(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	struct acd *acd = one_queue(&p, 1, 0);
	login_ready(acd, 1, 0);
	enter(acd, 1, 1, 0, 1000);
	enter(acd, 2, 1, 0, 2000);
	rec_clear();
	assert_int_equal(acd_call_hangup(acd, 1, ACD_SIDE_CALLER, 4000), 0);
	int c = rec_find(0, ACD_EV_CALL_OFFER_CANCEL, 1);
	int a = rec_find(0, ACD_EV_CALL_ABANDON, 0);
	assert_true(c >= 0 && a > c);
	assert_int_equal(rec.ev[a].wait_ms, 3000);
	/* and takes the next caller */
	assert_int_equal(rec_offered(2), 1);
	struct acd_queue_stats st;
	assert_int_equal(acd_queue_stats(acd, 1, &st), 0);
	assert_int_equal(st.abandoned, 1);
	assert_int_equal(st.abandoned_short, 1);
	assert_int_equal(st.ringing, 1);
	assert_int_equal(acd_call_answer(acd, 1, 1, 4001), ENOENT);
	check_inv(acd);
	acd_free(acd);
}

/* Two queues compete for one agent: the caller waiting longer gets it, the other keeps waiting. */
static void test_two_queues_one_agent(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p1 = qp(ACD_STRATEGY_LONGEST_IDLE, 1);
	struct acd_queue_params p2 = qp(ACD_STRATEGY_ROUND_ROBIN, 2);
	add_queue(acd, 1, &p1);
	add_queue(acd, 2, &p2);
	struct acd_agent_params ap;
	memset(&ap, 0, sizeof(ap));
	ap.skills[0] = (struct acd_agent_skill){1, 5};
	ap.skills[1] = (struct acd_agent_skill){2, 5};
	ap.n_skills = 2;
	assert_int_equal(acd_agent_add(acd, 1, &ap), 0);
	enter(acd, 10, 2, 0, 100);
	enter(acd, 20, 1, 0, 200);
	login_ready(acd, 1, 300);
	assert_int_equal(rec_offered(10), 1);
	assert_int_equal(rec_offered(20), 0);
	/* never offered a second call while reserved, talking or in wrap-up */
	enter(acd, 30, 1, 0, 400);
	assert_int_equal(rec_offered(30), 0);
	assert_int_equal(acd_call_answer(acd, 10, 1, 500), 0);
	enter(acd, 31, 2, 0, 600);
	assert_int_equal(rec_offered(31), 0);
	check_inv(acd);
	assert_int_equal(acd_call_hangup(acd, 10, ACD_SIDE_AGENT, 700), 0);
	assert_int_equal(rec_offered(20), 1);
	check_inv(acd);
	acd_free(acd);
}

/* Widening: at exactly the configured millisecond the caller accepts lower levels. */
static void test_widening_exact(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	p.req[0] = (struct acd_skill_req){.skill = 1, .min_level = 8};
	p.n_req = 1;
	p.tiers[0] = (struct acd_tier){.after_ms = 30000, .level_drop = 3};
	p.tiers[1] = (struct acd_tier){.after_ms = 60000, .group = 77};
	p.n_tiers = 2;
	p.max_wait_ms = 0;
	add_queue(acd, 1, &p);
	add_agent(acd, 1, 1, 5); /* qualifies after 30 s */
	struct acd_agent_params lead;
	memset(&lead, 0, sizeof(lead));
	lead.groups[0] = 77;
	lead.n_groups = 1;
	assert_int_equal(acd_agent_add(acd, 2, &lead), 0); /* qualifies after 60 s, by group */
	login_ready(acd, 2, 0);
	enter(acd, 1, 1, 0, 1000);
	assert_int_equal(acd_next_deadline(acd), 31000);
	acd_advance(acd, 30999);
	assert_int_equal(call_state(acd, 1), ACD_CALL_WAITING);
	login_ready(acd, 1, 30999);
	assert_int_equal(call_state(acd, 1), ACD_CALL_WAITING);
	rec_clear();
	acd_advance(acd, 31000);
	int w = rec_find(0, ACD_EV_CALL_WIDEN, 0);
	assert_true(w >= 0);
	assert_int_equal(rec.ev[w].time, 31000);
	assert_int_equal(rec.ev[w].reason, 1);
	assert_int_equal(rec_offered(1), 1);
	assert_int_equal(acd_call_answer(acd, 1, 1, 31000), 0);
	/* a second caller reaches the team-lead group at exactly 60 s, stamped with its own time */
	enter(acd, 2, 1, 0, 32000);
	rec_clear();
	acd_advance(acd, 200000); /* the driver is late: the event still says 92000 */
	int o = rec_find(0, ACD_EV_CALL_OFFER, 2);
	assert_true(o >= 0);
	assert_int_equal(rec.ev[o].time, 92000);
	assert_int_equal(rec.ev[o].call, 2);
	check_inv(acd);
	acd_free(acd);
}

/* Max wait: overflow to another queue, to a callback, or out with a timeout. */
static void test_overflow(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p1 = qp(ACD_STRATEGY_LONGEST_IDLE, 1);
	p1.max_wait_ms = 60000;
	p1.overflow = ACD_OVERFLOW_QUEUE;
	p1.overflow_queue = 2;
	struct acd_queue_params p2 = qp(ACD_STRATEGY_LONGEST_IDLE, 2);
	p2.max_wait_ms = 30000;
	p2.overflow = ACD_OVERFLOW_NONE;
	struct acd_queue_params p3 = qp(ACD_STRATEGY_LONGEST_IDLE, 3);
	p3.max_wait_ms = 10000;
	p3.overflow = ACD_OVERFLOW_CALLBACK;
	add_queue(acd, 1, &p1);
	add_queue(acd, 2, &p2);
	add_queue(acd, 3, &p3);
	enter(acd, 1, 1, 0, 0);
	enter(acd, 3, 3, 0, 0);
	rec_clear();
	acd_advance(acd, 59999);
	int cb = rec_find(0, ACD_EV_CALLBACK_REQUESTED, 0);
	assert_true(cb >= 0);
	assert_int_equal(rec.ev[cb].time, 10000);
	assert_int_equal(rec.ev[cb].reason, 1);
	assert_int_equal(call_state(acd, 3), ACD_CALL_CALLBACK_WAITING);
	assert_int_equal(call_state(acd, 1), ACD_CALL_WAITING);
	acd_advance(acd, 60000);
	int ov = rec_find(0, ACD_EV_CALL_EXIT_OVERFLOW, 0);
	assert_true(ov >= 0);
	assert_int_equal(rec.ev[ov].target, 2);
	assert_int_equal(rec.ev[ov].wait_ms, 60000);
	struct acd_call_info ci;
	assert_int_equal(acd_call_info(acd, 1, &ci), 0);
	assert_int_equal(ci.queue, 2);
	assert_int_equal(ci.t_enter, 60000);
	assert_int_equal(ci.wait_start, 0); /* keeps its wait start */
	acd_advance(acd, 90000);
	int to = rec_find(0, ACD_EV_CALL_EXIT_TIMEOUT, 0);
	assert_true(to >= 0);
	assert_int_equal(rec.ev[to].wait_ms, 30000);
	assert_int_equal(acd_call_info(acd, 1, &ci), ENOENT);
	struct acd_queue_stats s1, s2;
	acd_queue_stats(acd, 1, &s1);
	acd_queue_stats(acd, 2, &s2);
	assert_int_equal(s1.offered, 1);
	assert_int_equal(s1.overflowed, 1);
	assert_int_equal(s2.offered, 1);
	assert_int_equal(s2.overflowed, 1);
	check_inv(acd);
	acd_free(acd);
}

/* Ring-no-answer: the agent is made not-ready (missed), the caller goes back to the head. */
static void test_ring_no_answer(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	p.ring_timeout_ms = 15000;
	struct acd *acd = one_queue(&p, 2, 2);
	login_ready(acd, 1, 0);
	enter(acd, 1, 1, 0, 100);
	enter(acd, 2, 1, 0, 200);
	rec_clear();
	acd_advance(acd, 15100);
	int r = rec_find(0, ACD_EV_CALL_RNA, 1);
	assert_true(r >= 0);
	assert_int_equal(rec.ev[r].dur_ms, 15000);
	assert_int_equal(rec.ev[r].reason, ACD_CAUSE_TIMEOUT);
	struct acd_agent_info ai;
	acd_agent_info(acd, 1, &ai);
	assert_int_equal(ai.state, ACD_AGENT_NOT_READY);
	assert_int_equal(ai.reason, ACD_REASON_MISSED);
	assert_int_equal(ai.misses, 1);
	/* the caller is first again, ahead of call 2 */
	uint32_t pos;
	assert_int_equal(acd_call_announce(acd, 1, 15100, &pos, NULL, NULL), 0);
	assert_int_equal(pos, 1);
	/* agent 2 gets call 1, not call 2 */
	login_ready(acd, 2, 16000);
	assert_int_equal(rec_offered(1), 2);
	/* busy counts the same way; the second consecutive miss logs agent 1 out */
	assert_int_equal(acd_agent_ready(acd, 1, 17000), 0);
	assert_int_equal(rec_offered(2), 1);
	rec_clear();
	assert_int_equal(acd_call_reject(acd, 2, 1, ACD_CAUSE_BUSY, 17500), 0);
	acd_agent_info(acd, 1, &ai);
	assert_int_equal(ai.state, ACD_AGENT_LOGGED_OUT);
	assert_int_equal(ai.reason, ACD_REASON_MISSED_LIMIT);
	assert_true(rec_find(0, ACD_EV_AGENT_LOGOUT, 1) >= 0);
	assert_int_equal(call_state(acd, 2), ACD_CALL_WAITING);
	/* an answer resets the count */
	login_ready(acd, 1, 18000);
	assert_int_equal(acd_call_answer(acd, 2, 1, 18100), 0);
	acd_agent_info(acd, 1, &ai);
	assert_int_equal(ai.misses, 0);
	check_inv(acd);
	acd_free(acd);
}

/* Wrap-up: timed ends on its own; manual waits for a disposition; no call is offered meanwhile. */
static void test_wrapup(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params pt = qp(ACD_STRATEGY_LONGEST_IDLE, 1);
	pt.wrapup = ACD_WRAPUP_TIMED;
	pt.wrapup_ms = 10000;
	struct acd_queue_params pm = qp(ACD_STRATEGY_LONGEST_IDLE, 2);
	pm.wrapup = ACD_WRAPUP_MANUAL;
	add_queue(acd, 1, &pt);
	add_queue(acd, 2, &pm);
	add_agent(acd, 1, 1, 1);
	add_agent(acd, 2, 2, 1);
	login_ready(acd, 1, 0);
	login_ready(acd, 2, 0);
	enter(acd, 1, 1, 0, 100);
	talk(acd, 1, 1, 200, 5000);
	assert_int_equal(agent_state(acd, 1), ACD_AGENT_WRAPUP);
	enter(acd, 2, 1, 0, 6000);
	assert_int_equal(rec_offered(2), 0);
	rec_clear();
	acd_advance(acd, 15199);
	assert_int_equal(agent_state(acd, 1), ACD_AGENT_WRAPUP);
	acd_advance(acd, 15200);
	int e = rec_find(0, ACD_EV_AGENT_STATE, 1);
	assert_true(e >= 0);
	assert_int_equal(rec.ev[e].from, ACD_AGENT_WRAPUP);
	assert_int_equal(rec.ev[e].dur_ms, 10000);
	assert_int_equal(rec.ev[e].call, 1);
	assert_int_equal(rec_offered(2), 1);
	/* manual: stays in wrap-up until the disposition */
	enter(acd, 3, 2, 0, 20000);
	talk(acd, 3, 2, 20000, 1000);
	acd_advance(acd, 1000000);
	assert_int_equal(agent_state(acd, 2), ACD_AGENT_WRAPUP);
	rec_clear();
	assert_int_equal(acd_agent_wrapup_done(acd, 2, 42, 1000001), 0);
	e = rec_find(0, ACD_EV_AGENT_STATE, 2);
	assert_int_equal(rec.ev[e].disposition, 42);
	assert_int_equal(rec.ev[e].to, ACD_AGENT_READY);
	assert_int_equal(acd_agent_wrapup_done(acd, 2, 42, 1000002), EBUSY);
	/* not-ready asked for during a call takes effect after wrap-up */
	enter(acd, 4, 2, 0, 1000003);
	assert_int_equal(acd_call_answer(acd, 4, 2, 1000004), 0);
	assert_int_equal(acd_agent_not_ready(acd, 2, ACD_REASON_USER + 1, 1000005), 0);
	assert_int_equal(agent_state(acd, 2), ACD_AGENT_TALKING);
	assert_int_equal(acd_call_hangup(acd, 4, ACD_SIDE_CALLER, 1000006), 0);
	assert_int_equal(acd_agent_wrapup_done(acd, 2, 1, 1000007), 0);
	struct acd_agent_info ai;
	acd_agent_info(acd, 2, &ai);
	assert_int_equal(ai.state, ACD_AGENT_NOT_READY);
	assert_int_equal(ai.reason, ACD_REASON_USER + 1);
	check_inv(acd);
	acd_free(acd);
}

/* A callback keeps the caller's place and is offered when its turn comes; failures are retried. */
static void test_callback_keeps_place(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	p.callback_attempts = 2;
	p.callback_retry_ms = 60000;
	struct acd *acd = one_queue(&p, 1, 0);
	enter(acd, 1, 1, 0, 0);
	enter(acd, 2, 1, 0, 1000);
	enter(acd, 3, 1, 0, 2000);
	assert_int_equal(acd_call_request_callback(acd, 2, 5000), 0);
	assert_int_equal(call_state(acd, 2), ACD_CALL_CALLBACK_WAITING);
	/* call 3 is still behind the callback */
	uint32_t pos;
	assert_int_equal(acd_call_announce(acd, 3, 5001, &pos, NULL, NULL), 0);
	assert_int_equal(pos, 3);
	acd_call_hangup(acd, 1, ACD_SIDE_CALLER, 6000);
	login_ready(acd, 1, 7000);
	int o = rec_find(0, ACD_EV_CALL_OFFER, 1);
	assert_true(o >= 0);
	assert_int_equal(rec.ev[o].call, 2);
	assert_true(rec.ev[o].flags & ACD_F_CALLBACK);
	/* the agent answers, the customer is not reached: retried after 60 s */
	assert_int_equal(acd_call_answer(acd, 2, 1, 8000), 0);
	rec_clear();
	assert_int_equal(acd_callback_failed(acd, 2, 20000), 0);
	assert_true(rec_find(0, ACD_EV_CALLBACK_ATTEMPT_FAILED, 1) >= 0);
	assert_int_equal(call_state(acd, 2), ACD_CALL_CALLBACK_RETRY);
	/* the agent takes call 3 meanwhile */
	assert_int_equal(rec_offered(3), 1);
	talk(acd, 3, 1, 20000, 100000);
	/* the callback is back, keeps its place, second attempt fails: recorded as failed */
	assert_int_equal(rec_offered(2), 1);
	assert_int_equal(acd_call_answer(acd, 2, 1, 120100), 0);
	rec_clear();
	assert_int_equal(acd_callback_failed(acd, 2, 121000), 0);
	int f = rec_find(0, ACD_EV_CALLBACK_FAILED, 0);
	assert_true(f >= 0);
	assert_int_equal(rec.ev[f].count, 2);
	struct acd_call_info ci;
	assert_int_equal(acd_call_info(acd, 2, &ci), ENOENT);
	struct acd_queue_stats st;
	acd_queue_stats(acd, 1, &st);
	assert_int_equal(st.callbacks_requested, 1);
	assert_int_equal(st.callbacks_failed, 1);
	assert_int_equal(st.answered, 1); /* callbacks do not count as answered inbound calls */
	check_inv(acd);
	acd_free(acd);
}

/* A request taken after hours joins as a callback at its own place: offered as a callback. */
static void test_enter_callback(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	p.callback_attempts = 2;
	p.callback_retry_ms = 1000;
	struct acd *acd = one_queue(&p, 1, 0);
	enter(acd, 1, 1, 0, 5000); /* a caller waiting since 5000 */
	struct acd_call_params cp = {0};
	enum acd_refusal r = ACD_REFUSED_FULL;
	rec_clear();
	assert_int_equal(acd_call_enter_callback(acd, 2, 1, &cp, 1000, 8000, &r), 0);
	assert_int_equal(r, ACD_REFUSED_NONE);
	assert_int_equal(call_state(acd, 2), ACD_CALL_CALLBACK_WAITING);
	int e = rec_find(0, ACD_EV_CALL_ENTER, 0), q = rec_find(0, ACD_EV_CALLBACK_REQUESTED, 0);
	assert_true(e >= 0 && q > e);
	assert_int_equal(rec.ev[q].reason, 2);
	/* its place (1000) is ahead of call 1 (5000) */
	login_ready(acd, 1, 9000);
	int o = rec_find(0, ACD_EV_CALL_OFFER, 1);
	assert_true(o >= 0);
	assert_int_equal(rec.ev[o].call, 2);
	assert_true(rec.ev[o].flags & ACD_F_CALLBACK);
	/* a callback: a customer not reached is retried */
	assert_int_equal(acd_call_answer(acd, 2, 1, 9500), 0);
	assert_int_equal(acd_callback_failed(acd, 2, 10000), 0);
	assert_int_equal(call_state(acd, 2), ACD_CALL_CALLBACK_RETRY);
	check_inv(acd);
	acd_free(acd);
	/* an agent free at once: offered at once, still as a callback (never an ordinary call) */
	acd = one_queue(&p, 1, 0);
	login_ready(acd, 1, 0);
	rec_clear();
	assert_int_equal(acd_call_enter_callback(acd, 3, 1, &cp, 0, 100, &r), 0);
	o = rec_find(0, ACD_EV_CALL_OFFER, 1);
	assert_true(o >= 0);
	assert_true(rec.ev[o].flags & ACD_F_CALLBACK);
	assert_int_equal(acd_call_answer(acd, 3, 1, 200), 0);
	assert_int_equal(acd_callback_failed(acd, 3, 300), 0);
	check_inv(acd);
	acd_free(acd);
	/* a request with its own attempt count: 1 fails at the first miss (the queue says 2) */
	acd = one_queue(&p, 1, 0);
	login_ready(acd, 1, 0);
	cp.max_attempts = 1;
	assert_int_equal(acd_call_enter_callback(acd, 4, 1, &cp, 0, 100, &r), 0);
	assert_int_equal(acd_call_answer(acd, 4, 1, 200), 0);
	rec_clear();
	assert_int_equal(acd_callback_failed(acd, 4, 300), 0);
	assert_true(rec_find(0, ACD_EV_CALLBACK_FAILED, 0) >= 0);
	struct acd_call_info ci;
	assert_int_equal(acd_call_info(acd, 4, &ci), ENOENT);
	check_inv(acd);
	/* 3: retried after the queue's 2 */
	cp.max_attempts = 3;
	rec_clear();
	assert_int_equal(acd_call_enter_callback(acd, 5, 1, &cp, 0, 400, &r), 0);
	int64_t now = 400;
	for (int k = 1; k <= 3; k++) {
		if (k > 1) {
			now += 2000; /* past the retry delay: offered again */
			acd_advance(acd, now);
		}
		assert_int_equal(rec_offered(5), 1);
		assert_int_equal(acd_call_answer(acd, 5, 1, now + 10), 0);
		rec_clear();
		assert_int_equal(acd_callback_failed(acd, 5, now + 20), 0);
		assert_true(
		    rec_find(0, k < 3 ? ACD_EV_CALLBACK_ATTEMPT_FAILED : ACD_EV_CALLBACK_FAILED,
			     0) >= 0);
	}
	check_inv(acd);
	acd_free(acd);
}

/* Abandoned-resume: a caller who rings back within the window gets their place back. */
static void test_abandoned_resume(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	p.resume_ms = 60000;
	struct acd *acd = one_queue(&p, 1, 0);
	struct acd_call_params cp = {.caller_key = 4930123};
	enum acd_refusal r;
	assert_int_equal(acd_call_enter(acd, 1, 1, &cp, 0, &r), 0);
	enter(acd, 2, 1, 0, 1000);
	assert_int_equal(acd_call_hangup(acd, 1, ACD_SIDE_CALLER, 5000), 0);
	/* rings back after 30 s: ahead of call 2 again */
	rec_clear();
	assert_int_equal(acd_call_enter(acd, 3, 1, &cp, 35000, &r), 0);
	int e = rec_find(0, ACD_EV_CALL_ENTER, 0);
	assert_true(rec.ev[e].flags & ACD_F_RESUMED);
	assert_int_equal(rec.ev[e].position, 1);
	struct acd_call_info ci;
	acd_call_info(acd, 3, &ci);
	assert_int_equal(ci.wait_start, 0);
	/* a second abandon and a call back after the window: a new place */
	assert_int_equal(acd_call_hangup(acd, 3, ACD_SIDE_CALLER, 36000), 0);
	rec_clear();
	assert_int_equal(acd_call_enter(acd, 4, 1, &cp, 96001, &r), 0);
	e = rec_find(0, ACD_EV_CALL_ENTER, 0);
	assert_false(rec.ev[e].flags & ACD_F_RESUMED);
	assert_int_equal(rec.ev[e].position, 2);
	check_inv(acd);
	acd_free(acd);
}

/* Refusals: full queue, no agent logged in, closed. */
static void test_refusals(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	p.max_len = 2;
	p.join_empty = false;
	struct acd *acd = one_queue(&p, 1, 0);
	enum acd_refusal r;
	assert_int_equal(acd_call_enter(acd, 1, 1, NULL, 0, &r), 0);
	assert_int_equal(r, ACD_REFUSED_EMPTY);
	assert_int_equal(acd_agent_login(acd, 1, false, 1), 0); /* logged in, not ready: may join */
	assert_int_equal(acd_call_enter(acd, 2, 1, NULL, 2, &r), 0);
	assert_int_equal(r, ACD_REFUSED_NONE);
	assert_int_equal(acd_call_enter(acd, 3, 1, NULL, 3, &r), 0);
	assert_int_equal(acd_call_enter(acd, 4, 1, NULL, 4, &r), 0);
	assert_int_equal(r, ACD_REFUSED_FULL);
	assert_int_equal(acd_queue_set_open(acd, 1, false), 0);
	assert_int_equal(acd_call_hangup(acd, 3, ACD_SIDE_CALLER, 5), 0);
	assert_int_equal(acd_call_enter(acd, 5, 1, NULL, 6, &r), 0);
	assert_int_equal(r, ACD_REFUSED_CLOSED);
	assert_int_equal(rec_count(ACD_EV_CALL_REFUSED), 3);
	struct acd_queue_stats st;
	acd_queue_stats(acd, 1, &st);
	assert_int_equal(st.refused, 3);
	assert_int_equal(st.offered, 2);
	/* bad input */
	assert_int_equal(acd_call_enter(acd, 0, 1, NULL, 7, &r), EINVAL);
	assert_int_equal(acd_call_enter(acd, 9, 99, NULL, 7, &r), ENOENT);
	assert_int_equal(acd_call_enter(acd, 2, 1, NULL, 7, &r), EEXIST);
	check_inv(acd);
	acd_free(acd);
}

/* The announced position only ever falls, and a higher-priority arrival does not raise it. */
static void test_position_never_up(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	struct acd *acd = one_queue(&p, 2, 0);
	enter(acd, 1, 1, 0, 0);
	enter(acd, 2, 1, 0, 1);
	enter(acd, 3, 1, 0, 2);
	uint32_t pos;
	int64_t ewt;
	bool changed;
	assert_int_equal(acd_call_announce(acd, 3, 10, &pos, &ewt, &changed), 0);
	assert_int_equal(pos, 3);
	assert_true(changed);
	assert_int_equal(ewt, -1); /* no agent logged in */
	enter(acd, 4, 1, 9, 20);   /* priority caller jumps ahead */
	assert_int_equal(acd_call_announce(acd, 3, 30, &pos, &ewt, &changed), 0);
	assert_int_equal(pos, 3);
	assert_false(changed);
	acd_call_hangup(acd, 1, ACD_SIDE_CALLER, 40);
	acd_call_hangup(acd, 2, ACD_SIDE_CALLER, 41);
	assert_int_equal(acd_call_announce(acd, 3, 50, &pos, &ewt, &changed), 0);
	assert_int_equal(pos, 2);
	assert_true(changed);
	/* with two agents logged in (not ready) and the default AHT: one caller ahead */
	assert_int_equal(acd_agent_login(acd, 1, false, 60), 0);
	assert_int_equal(acd_agent_login(acd, 2, false, 60), 0);
	assert_int_equal(acd_call_announce(acd, 3, 70, &pos, &ewt, &changed), 0);
	assert_int_equal(ewt, -1); /* not-ready agents do not serve */
	assert_int_equal(acd_agent_ready(acd, 1, 80), 0);
	/* agent 1 took the priority caller; call 3 is first now */
	assert_int_equal(acd_call_announce(acd, 3, 90, &pos, &ewt, &changed), 0);
	assert_int_equal(pos, 1);
	assert_int_equal(ewt, 0);
	check_inv(acd);
	acd_free(acd);
}

/* Hold and transfer: hold time is booked apart; a transfer starts a new segment in the target. */
static void test_hold_and_transfer(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p1 = qp(ACD_STRATEGY_LONGEST_IDLE, 1);
	struct acd_queue_params p2 = qp(ACD_STRATEGY_LONGEST_IDLE, 2);
	add_queue(acd, 1, &p1);
	add_queue(acd, 2, &p2);
	add_agent(acd, 1, 1, 1);
	add_agent(acd, 2, 2, 1);
	login_ready(acd, 1, 0);
	enter(acd, 1, 1, 0, 0);
	assert_int_equal(acd_call_answer(acd, 1, 1, 1000), 0);
	assert_int_equal(acd_call_hold(acd, 1, 2000), 0);
	assert_int_equal(agent_state(acd, 1), ACD_AGENT_HOLD);
	assert_int_equal(acd_call_hold(acd, 1, 2500), EBUSY);
	assert_int_equal(acd_call_unhold(acd, 1, 5000), 0);
	rec_clear();
	assert_int_equal(acd_call_transfer(acd, 1, 2, 8000), 0);
	int t = rec_find(0, ACD_EV_CALL_TRANSFER, 1);
	assert_true(t >= 0);
	assert_int_equal(rec.ev[t].dur_ms, 4000);
	assert_int_equal(rec.ev[t].hold_ms, 3000);
	assert_int_equal(rec.ev[t].target, 2);
	int e = rec_find(t, ACD_EV_CALL_ENTER, 0);
	assert_true(e > t);
	assert_int_equal(rec.ev[e].queue, 2);
	assert_true(rec.ev[e].flags & ACD_F_TRANSFERRED);
	assert_int_equal(agent_state(acd, 1), ACD_AGENT_READY);
	login_ready(acd, 2, 9000);
	assert_int_equal(rec_offered(1), 2);
	struct acd_queue_stats s1;
	acd_queue_stats(acd, 1, &s1);
	assert_int_equal(s1.transferred, 1);
	assert_int_equal(s1.handled, 1);
	assert_int_equal(s1.hold_ms, 3000);
	check_inv(acd);
	acd_free(acd);
}

/* Time: the next deadline is reported; time never runs backwards; agents on other calls are
 * skipped. */
static void test_time_and_other_calls(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	p.max_wait_ms = 120000;
	struct acd *acd = one_queue(&p, 1, 0);
	assert_int_equal(acd_next_deadline(acd), INT64_MAX);
	login_ready(acd, 1, 1000);
	assert_int_equal(acd_agent_other_begin(acd, 1, 2000), 0);
	enter(acd, 1, 1, 0, 3000);
	assert_int_equal(acd_next_deadline(acd), 123000);
	assert_int_equal(rec_offered(1), 0);
	/* a stamp from the past is taken as the present */
	assert_int_equal(acd_agent_other_end(acd, 1, 500), 0);
	int o = rec_find(0, ACD_EV_CALL_OFFER, 1);
	assert_true(o >= 0);
	assert_int_equal(rec.ev[o].time, 3000);
	assert_int_equal(acd_next_deadline(acd), 18000); /* the ring timeout */
	assert_int_equal(acd_agent_other_begin(acd, 1, 3001), EBUSY);
	check_inv(acd);
	acd_free(acd);
}

/* Agents and queues can be changed and removed only when that is safe. */
static void test_config_changes(void **state)
{
	(void)state;
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 3);
	struct acd *acd = one_queue(&p, 0, 0);
	add_agent(acd, 1, 4, 5);
	login_ready(acd, 1, 0);
	enter(acd, 1, 1, 0, 10);
	assert_int_equal(rec_offered(1), 0);
	/* the queue now asks for skill 4: the ready agent qualifies and is offered the caller */
	p.req[0].skill = 4;
	assert_int_equal(acd_queue_update(acd, 1, &p, 20), 0);
	assert_int_equal(rec_offered(1), 1);
	check_inv(acd);
	/* switching strategy with agents in the pools */
	p.strategy = ACD_STRATEGY_RANDOM;
	assert_int_equal(acd_queue_update(acd, 1, &p, 30), 0);
	check_inv(acd);
	assert_int_equal(acd_queue_remove(acd, 1), EBUSY);
	assert_int_equal(acd_agent_remove(acd, 1), EBUSY);
	assert_int_equal(acd_call_hangup(acd, 1, ACD_SIDE_CALLER, 40), 0);
	assert_int_equal(acd_queue_remove(acd, 1), 0);
	check_inv(acd);
	assert_int_equal(acd_agent_logout(acd, 1, 0, 50), 0);
	assert_int_equal(acd_agent_remove(acd, 1), 0);
	/* invalid parameters */
	p.ring_timeout_ms = 0;
	assert_int_equal(acd_queue_add(acd, 2, &p), EINVAL);
	p.ring_timeout_ms = 1000;
	p.n_tiers = 2;
	p.tiers[0].after_ms = 500;
	p.tiers[1].after_ms = 400;
	assert_int_equal(acd_queue_add(acd, 2, &p), EINVAL);
	p.n_tiers = 0;
	p.overflow = ACD_OVERFLOW_QUEUE;
	p.overflow_queue = 2;
	assert_int_equal(acd_queue_add(acd, 2, &p), EINVAL);
	acd_free(acd);
}

/* Names round-trip. */
static void test_names(void **state)
{
	(void)state;
	for (int s = 0; s < ACD_STRATEGY_COUNT; s++)
		assert_int_equal(acd_strategy_parse(acd_strategy_name((enum acd_strategy)s)), s);
	assert_int_equal(acd_strategy_parse("nope"), -1);
	assert_string_equal(acd_event_name(ACD_EV_CALL_ABANDON), "call-abandon");
	assert_string_equal(acd_event_name((enum acd_event_type)999), "unknown");
	assert_string_equal(acd_agent_state_name(ACD_AGENT_WRAPUP), "wrap-up");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_logout_while_ringing),
	    TEST(test_abandon_while_ringing),
	    TEST(test_two_queues_one_agent),
	    TEST(test_widening_exact),
	    TEST(test_overflow),
	    TEST(test_ring_no_answer),
	    TEST(test_wrapup),
	    TEST(test_callback_keeps_place),
	    TEST(test_enter_callback),
	    TEST(test_abandoned_resume),
	    TEST(test_refusals),
	    TEST(test_position_never_up),
	    TEST(test_hold_and_transfer),
	    TEST(test_time_and_other_calls),
	    TEST(test_config_changes),
	    TEST(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
