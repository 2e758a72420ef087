/* Tests for the ACD's routing strategies and cross-queue fairness. */
#include "harness.h"

/* Three agents ready at t = 100, 200, 300: longest idle is the first. */
static void test_longest_idle(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	add_queue(acd, 1, &p);
	for (uint32_t a = 1; a <= 3; a++)
		add_agent(acd, a, 0, 1);
	for (uint32_t a = 1; a <= 3; a++)
		login_ready(acd, 4 - a, a * 100); /* agent 3 first, then 2, then 1 */
	enter(acd, 10, 1, 0, 1000);
	assert_int_equal(rec_offered(10), 3);
	talk(acd, 10, 3, 1000, 5000); /* agent 3 ready again at 6000: now the least idle */
	enter(acd, 11, 1, 0, 7000);
	assert_int_equal(rec_offered(11), 2);
	enter(acd, 12, 1, 0, 7001);
	assert_int_equal(rec_offered(12), 1);
	enter(acd, 13, 1, 0, 7002);
	assert_int_equal(rec_offered(13), 3);
	check_inv(acd);
	acd_free(acd);
}

/* Round-robin rotates: each agent goes to the back after an offer. */
static void test_round_robin(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_ROUND_ROBIN, 0);
	add_queue(acd, 1, &p);
	for (uint32_t a = 1; a <= 3; a++) {
		add_agent(acd, a, 0, 1);
		login_ready(acd, a, 100);
	}
	uint32_t seen[9];
	for (int i = 0; i < 9; i++) {
		uint64_t c = 100 + (uint64_t)i;
		enter(acd, c, 1, 0, 1000 + i * 10);
		seen[i] = rec_offered(c);
		talk(acd, c, seen[i], 1000 + i * 10, 1);
	}
	for (int i = 3; i < 9; i++)
		assert_int_equal(seen[i], seen[i - 3]);
	assert_true(seen[0] != seen[1] && seen[1] != seen[2] && seen[0] != seen[2]);
	check_inv(acd);
	acd_free(acd);
}

/* Fewest calls answered in this queue goes first. */
static void test_fewest_calls(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_FEWEST_CALLS, 0);
	add_queue(acd, 1, &p);
	add_agent(acd, 1, 0, 1);
	add_agent(acd, 2, 0, 1);
	login_ready(acd, 1, 0);
	/* agent 1 takes two calls alone */
	enter(acd, 1, 1, 0, 100);
	talk(acd, 1, 1, 100, 10);
	enter(acd, 2, 1, 0, 200);
	talk(acd, 2, 1, 200, 10);
	login_ready(acd, 2, 300);
	/* agent 1 is the longest idle, but agent 2 has fewer calls */
	enter(acd, 3, 1, 0, 400);
	assert_int_equal(rec_offered(3), 2);
	check_inv(acd);
	acd_free(acd);
}

/* Least talk time goes first. */
static void test_least_talk(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_LEAST_TALK, 0);
	add_queue(acd, 1, &p);
	add_agent(acd, 1, 0, 1);
	add_agent(acd, 2, 0, 1);
	login_ready(acd, 1, 0);
	login_ready(acd, 2, 1);
	enter(acd, 1, 1, 0, 100);
	assert_int_equal(rec_offered(1), 1);
	talk(acd, 1, 1, 100, 60000);
	enter(acd, 2, 1, 0, 70000);
	assert_int_equal(rec_offered(2), 2);
	talk(acd, 2, 2, 70000, 1000);
	/* agent 2 has 1 s of talk against agent 1's 60 s, though agent 1 is longer idle */
	enter(acd, 3, 1, 0, 80000);
	assert_int_equal(rec_offered(3), 2);
	check_inv(acd);
	acd_free(acd);
}

/* Linear: lowest rank first, whoever is longest idle. */
static void test_linear(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_LINEAR, 0);
	add_queue(acd, 1, &p);
	for (uint32_t a = 1; a <= 3; a++) {
		struct acd_agent_params ap;
		memset(&ap, 0, sizeof(ap));
		ap.rank = 10 - a; /* agent 3 has the lowest rank */
		assert_int_equal(acd_agent_add(acd, a, &ap), 0);
		login_ready(acd, a, a);
	}
	for (int i = 0; i < 3; i++) {
		enter(acd, 10 + (uint64_t)i, 1, 0, 100 + i);
		talk(acd, 10 + (uint64_t)i, 3, 100 + i, 0);
		assert_int_equal(rec_offered(10 + (uint64_t)i), 3);
	}
	/* with agent 3 busy, agent 2 is next */
	enter(acd, 20, 1, 0, 200);
	enter(acd, 21, 1, 0, 201);
	assert_int_equal(rec_offered(20), 3);
	assert_int_equal(rec_offered(21), 2);
	check_inv(acd);
	acd_free(acd);
}

/* Random: every ready agent gets calls, reproducibly for a seed. */
static void test_random(void **state)
{
	(void)state;
	uint32_t first_run[300];
	for (int run = 0; run < 2; run++) {
		struct acd *acd = mk_acd(0);
		struct acd_queue_params p = qp(ACD_STRATEGY_RANDOM, 0);
		add_queue(acd, 1, &p);
		for (uint32_t a = 1; a <= 5; a++) {
			add_agent(acd, a, 0, 1);
			login_ready(acd, a, 0);
		}
		int hist[6] = {0};
		for (int i = 0; i < 300; i++) {
			uint64_t c = 1 + (uint64_t)i;
			enter(acd, c, 1, 0, 10 + i);
			uint32_t a = rec_offered(c);
			assert_true(a >= 1 && a <= 5);
			hist[a]++;
			if (run == 0)
				first_run[i] = a;
			else
				assert_int_equal(first_run[i], a);
			talk(acd, c, a, 10 + i, 0);
			check_inv(acd);
		}
		for (int a = 1; a <= 5; a++)
			assert_true(hist[a] > 30 && hist[a] < 90);
		acd_free(acd);
	}
}

/* Ring-all rings at most ring_all_max agents; first answer wins, the second loses cleanly. */
static void test_ring_all(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_RING_ALL, 0);
	p.ring_all_max = 3;
	add_queue(acd, 1, &p);
	for (uint32_t a = 1; a <= 5; a++) {
		add_agent(acd, a, 0, 1);
		login_ready(acd, a, a);
	}
	rec_clear();
	enter(acd, 7, 1, 0, 100);
	assert_int_equal(rec_count(ACD_EV_CALL_OFFER), 3);
	/* the longest idle three ring */
	for (uint32_t a = 1; a <= 3; a++)
		assert_int_equal(agent_state(acd, a), ACD_AGENT_RESERVED);
	assert_int_equal(agent_state(acd, 4), ACD_AGENT_READY);
	check_inv(acd);
	/* a second caller rings the remaining two */
	enter(acd, 8, 1, 0, 101);
	assert_int_equal(agent_state(acd, 4), ACD_AGENT_RESERVED);
	assert_int_equal(agent_state(acd, 5), ACD_AGENT_RESERVED);
	check_inv(acd);
	/* agents 2 and 1 answer call 7 in the same millisecond: 2 wins */
	rec_clear();
	assert_int_equal(acd_call_answer(acd, 7, 2, 200), 0);
	assert_int_equal(acd_call_answer(acd, 7, 1, 200), EALREADY);
	assert_int_equal(agent_state(acd, 2), ACD_AGENT_TALKING);
	assert_int_equal(agent_state(acd, 1), ACD_AGENT_READY);
	assert_int_equal(agent_state(acd, 3), ACD_AGENT_READY);
	assert_int_equal(rec_count(ACD_EV_CALL_OFFER_CANCEL), 2);
	assert_int_equal(rec_count(ACD_EV_CALL_CONNECT), 1);
	check_inv(acd);
	/* nobody answers call 8: after the ring timeout the group rings again, nobody is penalised */
	rec_clear();
	acd_advance(acd, 101 + p.ring_timeout_ms);
	assert_int_equal(rec_count(ACD_EV_CALL_RNA), 2);
	assert_int_equal(call_state(acd, 8), ACD_CALL_RINGING);
	assert_int_equal(rec_count(ACD_EV_CALL_OFFER), 3); /* agents 1, 3 freed meanwhile, plus 4 or 5 */
	for (uint32_t a = 1; a <= 5; a++)
		assert_true(agent_state(acd, a) != ACD_AGENT_NOT_READY);
	check_inv(acd);
	acd_free(acd);
}

/* Best skill: the highest level in the required skill wins. */
static void test_best_skill(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_BEST_SKILL, 5);
	add_queue(acd, 1, &p);
	add_agent(acd, 1, 5, 3);
	add_agent(acd, 2, 5, 9);
	add_agent(acd, 3, 5, 6);
	add_agent(acd, 4, 6, 10); /* wrong skill */
	for (uint32_t a = 1; a <= 4; a++)
		login_ready(acd, a, a);
	enter(acd, 1, 1, 0, 10);
	enter(acd, 2, 1, 0, 11);
	enter(acd, 3, 1, 0, 12);
	enter(acd, 4, 1, 0, 13);
	assert_int_equal(rec_offered(1), 2);
	assert_int_equal(rec_offered(2), 3);
	assert_int_equal(rec_offered(3), 1);
	assert_int_equal(rec_offered(4), 0); /* agent 4 lacks the skill: the caller waits */
	assert_int_equal(call_state(acd, 4), ACD_CALL_WAITING);
	check_inv(acd);
	acd_free(acd);
}

/* Skills and minimum levels decide membership. */
static void test_skill_levels(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p = qp(ACD_STRATEGY_LONGEST_IDLE, 0);
	p.req[0] = (struct acd_skill_req){.skill = 1, .min_level = 5};
	p.req[1] = (struct acd_skill_req){.skill = 2, .min_level = 1};
	p.n_req = 2;
	add_queue(acd, 1, &p);
	struct acd_agent_params ap;
	memset(&ap, 0, sizeof(ap));
	ap.skills[0] = (struct acd_agent_skill){1, 4};
	ap.skills[1] = (struct acd_agent_skill){2, 1};
	ap.n_skills = 2;
	assert_int_equal(acd_agent_add(acd, 1, &ap), 0); /* level 4 < 5 */
	ap.skills[0].level = 5;
	ap.n_skills = 1;
	assert_int_equal(acd_agent_add(acd, 2, &ap), 0); /* lacks skill 2 */
	ap.n_skills = 2;
	assert_int_equal(acd_agent_add(acd, 3, &ap), 0); /* qualifies */
	for (uint32_t a = 1; a <= 3; a++)
		login_ready(acd, a, a);
	enter(acd, 1, 1, 0, 10);
	enter(acd, 2, 1, 0, 11);
	assert_int_equal(rec_offered(1), 3);
	assert_int_equal(rec_offered(2), 0);
	/* raising agent 1's level lets it take the waiting caller at once */
	ap.skills[0].level = 7;
	assert_int_equal(acd_agent_update(acd, 1, &ap, 20), 0);
	assert_int_equal(rec_offered(2), 1);
	check_inv(acd);
	/* bad levels are refused */
	ap.skills[0].level = 11;
	assert_int_equal(acd_agent_update(acd, 1, &ap, 30), EINVAL);
	ap.skills[0].level = 0;
	assert_int_equal(acd_agent_add(acd, 9, &ap), EINVAL);
	acd_free(acd);
}

/* An agent serving two queues takes the higher priority, then the longer weighted wait. */
static void test_fairness_across_queues(void **state)
{
	(void)state;
	struct acd *acd = mk_acd(0);
	struct acd_queue_params p1 = qp(ACD_STRATEGY_LONGEST_IDLE, 1);
	struct acd_queue_params p2 = qp(ACD_STRATEGY_LONGEST_IDLE, 2);
	p2.weight = 2;
	add_queue(acd, 1, &p1);
	add_queue(acd, 2, &p2);
	struct acd_agent_params ap;
	memset(&ap, 0, sizeof(ap));
	ap.skills[0] = (struct acd_agent_skill){1, 5};
	ap.skills[1] = (struct acd_agent_skill){2, 5};
	ap.n_skills = 2;
	assert_int_equal(acd_agent_add(acd, 1, &ap), 0);
	enter(acd, 10, 1, 0, 0);     /* queue 1, waits 30 s by t = 30000 */
	enter(acd, 20, 2, 0, 15000); /* queue 2, waits 15 s x weight 2 = 30 s, entered later */
	enter(acd, 21, 2, 0, 16000); /* 14 s x 2 = 28 s */
	login_ready(acd, 1, 30000);
	/* equal weighted waits: the earlier wait start wins */
	assert_int_equal(rec_offered(10), 1);
	talk(acd, 10, 1, 30000, 1000);
	/* at 31000: call 20 has 16 s x 2 = 32 s */
	assert_int_equal(rec_offered(20), 1);
	talk(acd, 20, 1, 31000, 1000);
	/* ready at 32000: call 21 is the only one left */
	assert_int_equal(rec_offered(21), 1);
	assert_int_equal(acd_call_answer(acd, 21, 1, 32000), 0);
	enter(acd, 11, 1, 0, 32100);
	enter(acd, 22, 2, 0, 32200);
	enter(acd, 12, 1, 5, 32300);
	/* a higher priority beats any wait */
	assert_int_equal(acd_call_hangup(acd, 21, ACD_SIDE_CALLER, 40000), 0);
	assert_int_equal(rec_offered(12), 1);
	/* at 41000: call 11 waited 8.9 s x 1, call 22 8.8 s x 2 */
	talk(acd, 12, 1, 40000, 1000);
	assert_int_equal(rec_offered(22), 1);
	assert_int_equal(call_state(acd, 11), ACD_CALL_WAITING);
	check_inv(acd);
	acd_free(acd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_longest_idle),   TEST(test_round_robin), TEST(test_fewest_calls),
		TEST(test_least_talk),	   TEST(test_linear),	   TEST(test_random),
		TEST(test_ring_all),	   TEST(test_best_skill),  TEST(test_skill_levels),
		TEST(test_fairness_across_queues),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
