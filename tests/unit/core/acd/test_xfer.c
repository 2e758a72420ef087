/* test_xfer: the ACD's transfer to one agent (acd_call_transfer_agent): new segment, direct offer,
 * refusals, ring-no-answer. */
#include "harness.h"

/* Queue 1 (skill 1, no wrap-up, 15 s ring); agents 1 and 2 serve it, agent 3 (skill 2) does not. */
static struct acd *setup(void)
{
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 1);
	add_queue(acd, 1, &p);
	add_agent(acd, 1, 1, 1);
	add_agent(acd, 2, 1, 1);
	add_agent(acd, 3, 2, 1);
	login_ready(acd, 1, 0);
	enter(acd, 7, 1, 0, 100);
	assert_int_equal(acd_call_answer(acd, 7, 1, 1000), 0);
	return acd;
}

/* The call moves to agent 2 only: a TRANSFER, a new segment (ENTER, transferred), an offer to 2. */
static void test_to_agent(void **state)
{
	(void)state;
	struct acd *acd = setup();
	login_ready(acd, 2, 2000);
	login_ready(acd, 3, 2000);
	assert_int_equal(acd_call_hold(acd, 7, 3000), 0);
	rec_clear();
	assert_int_equal(acd_call_transfer_agent(acd, 7, 2, 5000), 0);
	int t = rec_find(0, ACD_EV_CALL_TRANSFER, 1);
	assert_true(t >= 0);
	assert_int_equal(rec.ev[t].target, 1);
	assert_int_equal(rec.ev[t].hold_ms, 2000);
	int e = rec_find(t, ACD_EV_CALL_ENTER, 0);
	assert_true(e > t);
	assert_true(rec.ev[e].flags & ACD_F_TRANSFERRED);
	int o = rec_find(e, ACD_EV_CALL_OFFER, 0);
	assert_true(o > e);
	assert_int_equal(rec.ev[o].agent, 2);
	assert_int_equal(rec_count(ACD_EV_CALL_OFFER),
			 1); /* agent 1, ready again, is not offered it */
	assert_int_equal(agent_state(acd, 1), ACD_AGENT_READY);
	assert_int_equal(agent_state(acd, 2), ACD_AGENT_RESERVED);
	check_inv(acd);
	assert_int_equal(acd_call_answer(acd, 7, 2, 5100), 0);
	assert_int_equal(agent_state(acd, 2), ACD_AGENT_TALKING);
	struct acd_queue_stats s;
	acd_queue_stats(acd, 1, &s);
	assert_int_equal(s.transferred, 1);
	assert_int_equal(s.offered, 2);
	assert_int_equal(s.answered, 2);
	assert_int_equal(s.connected, 1);
	check_inv(acd);
	acd_free(acd);
}

/* Refused: unknown call or agent; the agent not ready, serving another queue, or the same agent; a
 * call not connected. Nothing changes. */
static void test_refusals(void **state)
{
	(void)state;
	struct acd *acd = setup();
	login_ready(acd, 3, 2000);
	rec_clear();
	assert_int_equal(acd_call_transfer_agent(acd, 99, 2, 3000), ENOENT);
	assert_int_equal(acd_call_transfer_agent(acd, 7, 99, 3000), ENOENT);
	assert_int_equal(acd_call_transfer_agent(acd, 7, 2, 3000), EBUSY); /* logged out */
	assert_int_equal(acd_call_transfer_agent(acd, 7, 3, 3000), EBUSY); /* not in queue 1 */
	assert_int_equal(acd_call_transfer_agent(acd, 7, 1, 3000), EBUSY); /* has it already */
	assert_int_equal(rec.n, 0);
	assert_int_equal(agent_state(acd, 1), ACD_AGENT_TALKING);
	enter(acd, 8, 1, 0, 3000); /* waits: nobody ready */
	login_ready(acd, 2, 3100);
	assert_int_equal(rec_offered(8), 2);
	assert_int_equal(acd_call_transfer_agent(acd, 8, 2, 3200),
			 EBUSY); /* ringing, not connected */
	check_inv(acd);
	acd_free(acd);
}

/* A consulted agent is on "another call" (the consultation): the call goes to them all the same. */
static void test_to_agent_on_other_call(void **state)
{
	(void)state;
	struct acd *acd = setup();
	login_ready(acd, 2, 2000);
	assert_int_equal(acd_agent_other_begin(acd, 2, 2500), 0);
	enter(acd, 8, 1, 0, 2600); /* waits: agent 2 is on another call */
	assert_int_equal(rec_offered(8), 0);
	rec_clear();
	assert_int_equal(acd_call_transfer_agent(acd, 7, 2, 3000), 0);
	assert_int_equal(rec_offered(7), 2);
	assert_int_equal(rec_offered(8), 1); /* agent 1, free again, takes the waiting caller */
	assert_int_equal(acd_call_answer(acd, 7, 2, 3100), 0);
	assert_int_equal(agent_state(acd, 2), ACD_AGENT_TALKING);
	check_inv(acd);
	acd_free(acd);
}

/* The target does not answer: the call waits in the queue and goes to whoever is ready next. */
static void test_ring_no_answer(void **state)
{
	(void)state;
	struct acd *acd = setup();
	login_ready(acd, 2, 2000);
	assert_int_equal(acd_call_transfer_agent(acd, 7, 2, 5000), 0);
	rec_clear();
	acd_advance(acd, 5000 + 15000);
	assert_true(rec_find(0, ACD_EV_CALL_RNA, 2) >= 0);
	assert_int_equal(rec_offered(7), 1); /* agent 1 is ready again (no wrap-up) */
	assert_int_equal(agent_state(acd, 2), ACD_AGENT_NOT_READY);
	check_inv(acd);
	acd_free(acd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_to_agent),
	    TEST(test_to_agent_on_other_call),
	    TEST(test_refusals),
	    TEST(test_ring_no_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
