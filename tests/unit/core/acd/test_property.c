/*
 * Randomised property test of the ACD: thousands of random event sequences
 * over many queues and agents. After every step the invariants hold and the
 * books balance; the event stream itself is checked against a model built
 * from it; at the end the KPIs rebuilt from the stream equal the live counters.
 *
 * Every failure prints its seed and step. Replay one with SB_SEED=<seed>;
 * SB_RUNS=<n> changes how many seeds run (default 300).
 */
#include "testutil.h"

#include "base/rng.h"
#include "core/acd/acd.h"
#include "core/kpi/kpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NQ	 6
#define NA	 14
#define MAXCALLS 4096
#define MAXEV	 (1 << 17)

struct model {
	struct acd_queue_params q[NQ + 1];
	struct acd_agent_params a[NA + 1];
	int64_t call_key[MAXCALLS]; /* wait start, from the ENTER events */
	uint8_t agent_state[NA + 1];
	uint64_t agent_call[NA + 1]; /* call offered to / connected with the agent per the stream */
	uint8_t call_connected[MAXCALLS];
	struct acd_event *log;
	int n_log;
	struct kpi *live;
	uint64_t seed;
	int step;
	int fail;
	char why[256];
};

static void model_fail(struct model *m, const char *what, const struct acd_event *ev)
{
	if (m->fail)
		return;
	m->fail = 1;
	snprintf(m->why, sizeof(m->why), "%s (event %s call %llu agent %u at %lld)", what,
		 acd_event_name(ev->type), (unsigned long long)ev->call, ev->agent, (long long)ev->time);
}

/* An independent oracle: the first widening step at which agent a may take calls of queue q, or -1. */
static int oracle_tier(const struct acd_agent_params *a, const struct acd_queue_params *q)
{
	int drop = 0;
	for (uint32_t t = 0; t <= q->n_tiers; t++) {
		if (t > 0 && q->tiers[t - 1].level_drop > drop)
			drop = q->tiers[t - 1].level_drop;
		bool ok = q->group == 0 || a->team == q->group;
		for (uint32_t g = 0; g < a->n_groups; g++)
			ok = ok || a->groups[g] == q->group;
		for (uint32_t i = 0; ok && i < q->n_req; i++) {
			int have = 0;
			for (uint32_t k = 0; k < a->n_skills; k++)
				if (a->skills[k].skill == q->req[i].skill)
					have = a->skills[k].level;
			int need = q->req[i].min_level - drop;
			ok = have >= (need < 1 ? 1 : need);
		}
		for (uint32_t j = 0; !ok && j < t; j++)
			ok = q->tiers[j].group && a->team == q->tiers[j].group;
		if (ok)
			return (int)t;
	}
	return -1;
}

/* Checks each event against the state the stream itself implies. */
static void sink(const struct acd_event *ev, void *arg)
{
	struct model *m = arg;
	if (m->n_log < MAXEV)
		m->log[m->n_log++] = *ev;
	else
		model_fail(m, "event log overflow", ev);
	kpi_event(m->live, ev);
	uint32_t a = ev->agent;
	switch (ev->type) {
	case ACD_EV_CALL_ENTER:
		m->call_key[ev->call % MAXCALLS] = ev->time - ev->wait_ms;
		break;
	case ACD_EV_CALL_OFFER: {
		/* offered only to an agent whose skills qualify at the caller's widening step */
		const struct acd_queue_params *q = &m->q[ev->queue];
		int64_t waited = ev->time - m->call_key[ev->call % MAXCALLS];
		int caller_tier = 0;
		while ((uint32_t)caller_tier < q->n_tiers && waited >= q->tiers[caller_tier].after_ms)
			caller_tier++;
		int t = oracle_tier(&m->a[a], q);
		if (t < 0 || t > caller_tier)
			model_fail(m, "offer to an agent who does not qualify", ev);
		/* an agent is only ever offered a call while ready */
		if (m->agent_state[a] != ACD_AGENT_READY)
			model_fail(m, "offer to an agent that is not ready", ev);
		if (m->agent_call[a])
			model_fail(m, "agent offered a second call", ev);
		m->agent_call[a] = ev->call;
		break;
	}
	case ACD_EV_CALL_CONNECT:
		if (m->agent_call[a] != ev->call)
			model_fail(m, "connect without an offer", ev);
		if (m->call_connected[ev->call % MAXCALLS])
			model_fail(m, "call connected twice", ev);
		m->call_connected[ev->call % MAXCALLS] = 1;
		break;
	case ACD_EV_CALL_RNA:
	case ACD_EV_CALL_OFFER_CANCEL:
		if (m->agent_call[a] != ev->call)
			model_fail(m, "offer ended that was never made", ev);
		m->agent_call[a] = 0;
		break;
	case ACD_EV_CALL_COMPLETE_CALLER:
	case ACD_EV_CALL_COMPLETE_AGENT:
	case ACD_EV_CALL_TRANSFER:
	case ACD_EV_CALLBACK_ATTEMPT_FAILED:
	case ACD_EV_CALLBACK_FAILED:
		if (a) {
			if (m->agent_call[a] != ev->call || !m->call_connected[ev->call % MAXCALLS])
				model_fail(m, "call ended that was not connected to the agent", ev);
			m->agent_call[a] = 0;
			m->call_connected[ev->call % MAXCALLS] = 0;
		}
		break;
	case ACD_EV_AGENT_LOGIN:
	case ACD_EV_AGENT_LOGOUT:
	case ACD_EV_AGENT_STATE:
		if (ev->from != m->agent_state[a])
			model_fail(m, "agent event from a state the agent was not in", ev);
		if (ev->to == ACD_AGENT_READY || ev->to == ACD_AGENT_NOT_READY ||
		    ev->to == ACD_AGENT_LOGGED_OUT || ev->to == ACD_AGENT_WRAPUP)
			if (m->agent_call[a] && ev->to != ACD_AGENT_WRAPUP)
				model_fail(m, "agent free while holding a call", ev);
		m->agent_state[a] = ev->to;
		break;
	default:
		break;
	}
}

static struct acd_queue_params random_queue(struct rng *r, uint32_t id)
{
	struct acd_queue_params p;
	acd_queue_params_default(&p);
	p.strategy = (enum acd_strategy)rng_below(r, ACD_STRATEGY_COUNT);
	p.ring_all_max = 1 + (uint32_t)rng_below(r, 4);
	p.weight = 1 + (uint32_t)rng_below(r, 3);
	p.n_req = 1 + (uint32_t)rng_below(r, 2);
	for (uint32_t i = 0; i < p.n_req; i++) {
		p.req[i].skill = 1 + (uint32_t)rng_below(r, 5) + i * 5;
		p.req[i].min_level = (uint8_t)(1 + rng_below(r, 4));
	}
	if (rng_below(r, 2)) {
		p.n_tiers = 1 + (uint32_t)rng_below(r, 2);
		int64_t after = 0;
		for (uint32_t t = 0; t < p.n_tiers; t++) {
			after += 5000 + (int64_t)rng_below(r, 20000);
			p.tiers[t].after_ms = after;
			p.tiers[t].level_drop = (uint8_t)(1 + rng_below(r, 4));
			p.tiers[t].group = rng_below(r, 2) ? 900 + (uint32_t)rng_below(r, 2) : 0;
		}
	}
	p.ring_timeout_ms = 3000 + (int64_t)rng_below(r, 15000);
	if (rng_below(r, 2)) {
		p.max_wait_ms = 20000 + (int64_t)rng_below(r, 100000);
		p.overflow = (enum acd_overflow)rng_below(r, 3);
		p.overflow_queue = 1 + (uint32_t)((id + rng_below(r, NQ - 1)) % NQ);
		if (p.overflow_queue == id)
			p.overflow = ACD_OVERFLOW_NONE;
	}
	p.max_len = rng_below(r, 3) ? 0 : 2 + (uint32_t)rng_below(r, 6);
	p.join_empty = rng_below(r, 4) != 0;
	p.wrapup = (enum acd_wrapup)rng_below(r, 3);
	p.wrapup_ms = 1000 + (int64_t)rng_below(r, 20000);
	/* whole seconds, like the time steps below, so waits often land exactly on a threshold */
	p.sl_threshold_ms = 1000 * (2 + (int64_t)rng_below(r, 20));
	p.short_abandon_ms = 1000 * (int64_t)rng_below(r, 8);
	p.resume_ms = rng_below(r, 2) ? 30000 : 0;
	p.callback_attempts = 1 + (uint32_t)rng_below(r, 3);
	p.callback_retry_ms = 10000 + (int64_t)rng_below(r, 30000);
	return p;
}

static struct acd_agent_params random_agent(struct rng *r)
{
	struct acd_agent_params p;
	memset(&p, 0, sizeof(p));
	p.team = 900 + (uint32_t)rng_below(r, 2);
	p.rank = (uint32_t)rng_below(r, 10);
	uint32_t n = 2 + (uint32_t)rng_below(r, 5);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = 1 + (uint32_t)rng_below(r, 10);
		bool dup = false;
		for (uint32_t j = 0; j < p.n_skills; j++)
			dup = dup || p.skills[j].skill == s;
		if (dup)
			continue;
		p.skills[p.n_skills].skill = s;
		p.skills[p.n_skills].level = (uint8_t)(1 + rng_below(r, 10));
		p.n_skills++;
	}
	return p;
}

/* Calls that may still be alive; dead ones are dropped when picked. */
static uint64_t live[MAXCALLS];
static uint32_t n_live;

static uint64_t pick_call(struct acd *acd, struct rng *r, enum acd_call_state want)
{
	for (int tries = 0; tries < 40 && n_live > 0; tries++) {
		uint32_t i = (uint32_t)rng_below(r, n_live);
		struct acd_call_info ci;
		if (acd_call_info(acd, live[i], &ci) != 0) {
			live[i] = live[--n_live];
			continue;
		}
		if (!want || ci.state == want)
			return live[i];
	}
	return 0;
}

/* A random ringing call and one of the agents it rings. */
static int pick_ringing(struct acd *acd, struct rng *r, uint64_t *call, uint32_t *agent)
{
	uint64_t c = pick_call(acd, r, ACD_CALL_RINGING);
	struct acd_call_info ci;
	if (!c || acd_call_info(acd, c, &ci) != 0)
		return 0;
	*call = c;
	*agent = ci.agent;
	return 1;
}

static void compare_kpi(struct model *m, struct acd *acd, struct kpi *k, const char *what)
{
	for (uint32_t q = 1; q <= NQ; q++) {
		struct acd_queue_stats st;
		struct kpi_counts kc;
		assert_int_equal(acd_queue_stats(acd, q, &st), 0);
		kpi_queue_totals(k, q, &kc);
#define SAME(f)                                                                                     \
	if ((uint64_t)st.f != (uint64_t)kc.f)                                                       \
		fail_msg("seed %llu: %s: queue %u: live %s %llu, from events %llu",                 \
			 (unsigned long long)m->seed, what, q, #f, (unsigned long long)st.f,        \
			 (unsigned long long)kc.f);
		SAME(offered)
		SAME(answered)
		SAME(answered_within)
		SAME(abandoned)
		SAME(abandoned_short)
		SAME(abandoned_within)
		SAME(overflowed)
		SAME(refused)
		SAME(handled)
		SAME(transferred)
		SAME(callbacks_requested)
		SAME(callbacks_connected)
		SAME(callbacks_failed)
		SAME(wait_answered_ms)
		SAME(wait_abandoned_ms)
		SAME(talk_ms)
		SAME(hold_ms)
		SAME(wrap_ms)
#undef SAME
		/* books: every call that entered is somewhere */
		if (kc.offered != kc.answered + kc.abandoned + kc.overflowed + st.waiting + st.ringing)
			fail_msg("seed %llu: %s: queue %u books do not balance", (unsigned long long)m->seed,
				 what, q);
	}
	for (uint32_t a = 1; a <= NA; a++) {
		struct acd_agent_info ai;
		struct kpi_agent_counts kc;
		acd_agent_info(acd, a, &ai);
		kpi_agent_totals(k, a, 0, &kc);
		if (ai.answered != kc.answered || ai.talk_ms != kc.talk_ms)
			fail_msg("seed %llu: %s: agent %u answered/talk %llu/%lld vs %llu/%lld",
				 (unsigned long long)m->seed, what, a, (unsigned long long)ai.answered,
				 (long long)ai.talk_ms, (unsigned long long)kc.answered, (long long)kc.talk_ms);
		for (int s = 0; s < ACD_AGENT_STATE_COUNT; s++)
			if (ai.time_in_state[s] != kc.state_ms[s])
				fail_msg("seed %llu: %s: agent %u time in %s %lld vs %lld",
					 (unsigned long long)m->seed, what, a,
					 acd_agent_state_name((enum acd_agent_state)s),
					 (long long)ai.time_in_state[s], (long long)kc.state_ms[s]);
	}
}

static void run_seed(uint64_t seed, int steps)
{
	static struct model m;
	struct rng r;
	struct acd *acd;
	struct acd_params ap = {.max_misses = 3, .seed = seed};
	char buf[512];

	memset(&m, 0, sizeof(m));
	m.seed = seed;
	m.log = malloc(MAXEV * sizeof(*m.log));
	assert_non_null(m.log);
	assert_int_equal(kpi_alloc(&m.live, 15 * 60000, 0), 0);
	rng_seed(&r, seed);
	assert_int_equal(acd_alloc(&acd, &ap, sink, &m), 0);

	struct acd_queue_params qps[NQ + 1];
	for (uint32_t q = 1; q <= NQ; q++) {
		qps[q] = random_queue(&r, q);
		m.q[q] = qps[q];
		assert_int_equal(acd_queue_add(acd, q, &qps[q]), 0);
		kpi_queue_config(m.live, q, qps[q].sl_threshold_ms, qps[q].short_abandon_ms);
	}
	for (uint32_t a = 1; a <= NA; a++) {
		struct acd_agent_params p = random_agent(&r);
		m.a[a] = p;
		assert_int_equal(acd_agent_add(acd, a, &p), 0);
	}

	int64_t now = 1000;
	uint64_t ncalls = 0;
	n_live = 0;
	for (m.step = 0; m.step < steps && ncalls < MAXCALLS - 1; m.step++) {
		int op = (int)rng_below(&r, 100);
		uint32_t a = 1 + (uint32_t)rng_below(&r, NA);
		uint64_t c;
		uint32_t ag;
		int err = 0;
		if (op < 20) {
			struct acd_call_params cp = {.priority = (int32_t)rng_below(&r, 3),
						     .caller_key = 1 + rng_below(&r, 30)};
			enum acd_refusal ref;
			err = acd_call_enter(acd, ++ncalls, 1 + (uint32_t)rng_below(&r, NQ), &cp, now, &ref);
			if (!err && ref == ACD_REFUSED_NONE)
				live[n_live++] = ncalls;
		} else if (op < 30) {
			if (pick_ringing(acd, &r, &c, &ag))
				err = acd_call_answer(acd, c, ag, now);
			/* a random agent answering is refused unless it was offered the call */
			c = pick_call(acd, &r, ACD_CALL_RINGING);
			if (c) {
				int e2 = acd_call_answer(acd, c, a, now);
				assert_true(e2 == 0 || e2 == EALREADY);
			}
		} else if (op < 33) {
			if (pick_ringing(acd, &r, &c, &ag))
				err = acd_call_reject(acd, c, ag, (enum acd_cause)(1 + rng_below(&r, 3)), now);
		} else if (op < 43) {
			c = pick_call(acd, &r, rng_below(&r, 2) ? ACD_CALL_CONNECTED : 0);
			if (c)
				err = acd_call_hangup(acd, c, (enum acd_side)rng_below(&r, 2), now);
		} else if (op < 46) {
			c = pick_call(acd, &r, ACD_CALL_CONNECTED);
			if (c)
				err = acd_call_hold(acd, c, now);
			c = pick_call(acd, &r, ACD_CALL_HOLD);
			if (c)
				err = acd_call_unhold(acd, c, now);
		} else if (op < 48) {
			c = pick_call(acd, &r, ACD_CALL_CONNECTED);
			if (c) {
				err = acd_call_transfer(acd, c, 1 + (uint32_t)rng_below(&r, NQ), now);
				if (err == EBUSY)
					err = 0;
			}
		} else if (op < 51) {
			c = pick_call(acd, &r, ACD_CALL_WAITING);
			if (c)
				err = acd_call_request_callback(acd, c, now);
		} else if (op < 53) {
			c = pick_call(acd, &r, ACD_CALL_CONNECTED);
			if (c) {
				err = acd_callback_failed(acd, c, now);
				if (err == EBUSY)
					err = 0; /* not a callback */
			}
		} else if (op < 60) {
			err = acd_agent_login(acd, a, rng_below(&r, 4) != 0, now);
			if (err == EBUSY)
				err = 0;
		} else if (op < 70) {
			err = acd_agent_ready(acd, a, now);
			if (err == EBUSY)
				err = 0;
		} else if (op < 75) {
			err = acd_agent_not_ready(acd, a, ACD_REASON_USER + (uint32_t)rng_below(&r, 5), now);
			if (err == EBUSY)
				err = 0;
		} else if (op < 77) {
			err = acd_agent_logout(acd, a, ACD_REASON_USER, now);
		} else if (op < 82) {
			err = acd_agent_wrapup_done(acd, a, 1 + rng_below(&r, 9), now);
			if (err == EBUSY)
				err = 0;
		} else if (op < 84) {
			err = rng_below(&r, 2) ? acd_agent_other_begin(acd, a, now)
					       : acd_agent_other_end(acd, a, now);
			if (err == EBUSY)
				err = 0;
		} else if (op < 85) {
			struct acd_agent_params p = random_agent(&r);
			m.a[a] = p;
			err = acd_agent_update(acd, a, &p, now);
		} else if (op < 86) {
			uint32_t q = 1 + (uint32_t)rng_below(&r, NQ);
			struct acd_queue_params p = random_queue(&r, q);
			/* the KPIs must know the thresholds the core uses */
			p.sl_threshold_ms = qps[q].sl_threshold_ms;
			p.short_abandon_ms = qps[q].short_abandon_ms;
			m.q[q] = p;
			err = acd_queue_update(acd, q, &p, now);
			qps[q] = p;
		} else if (op < 88) {
			c = pick_call(acd, &r, ACD_CALL_WAITING);
			if (c) {
				uint32_t pos;
				bool changed;
				int64_t ewt;
				err = acd_call_announce(acd, c, now, &pos, &ewt, &changed);
				assert_true(pos >= 1);
			}
		} else {
			/* time passes, sometimes a lot */
			now += rng_below(&r, 10) ? 1000 * (int64_t)rng_below(&r, 8) : (int64_t)rng_below(&r, 200000);
			acd_advance(acd, now);
		}
		if (err != 0)
			fail_msg("seed %llu step %d: op %d returned %d", (unsigned long long)seed, m.step, op,
				 err);
		if (acd_check(acd, buf, sizeof(buf)) != 0)
			fail_msg("seed %llu step %d (op %d): %s", (unsigned long long)seed, m.step, op, buf);
		if (m.fail)
			fail_msg("seed %llu step %d (op %d): %s", (unsigned long long)seed, m.step, op, m.why);
		if (rng_below(&r, 50) == 0)
			now += 1;
	}

	/* live counters against the KPIs fed live, then against a rebuild from the stream */
	compare_kpi(&m, acd, m.live, "live");
	struct kpi *rebuilt;
	assert_int_equal(kpi_alloc(&rebuilt, 30 * 60000, 0), 0);
	for (uint32_t q = 1; q <= NQ; q++)
		kpi_queue_config(rebuilt, q, qps[q].sl_threshold_ms, qps[q].short_abandon_ms);
	for (int i = 0; i < m.n_log; i++)
		kpi_event(rebuilt, &m.log[i]);
	compare_kpi(&m, acd, rebuilt, "rebuilt");
	/* the per-interval counters add up to the totals */
	for (uint32_t q = 1; q <= NQ; q++) {
		int64_t starts[4096];
		uint32_t n = kpi_queue_intervals(rebuilt, q, starts, 4096);
		struct kpi_counts sum, one, tot;
		memset(&sum, 0, sizeof(sum));
		for (uint32_t i = 0; i < n; i++) {
			kpi_queue_interval(rebuilt, q, starts[i], &one);
			kpi_counts_add(&sum, &one);
		}
		kpi_queue_totals(rebuilt, q, &tot);
		assert_int_equal(sum.offered, tot.offered);
		assert_int_equal(sum.answered_within, tot.answered_within);
		assert_int_equal(sum.wrap_ms, tot.wrap_ms);
	}
	if (getenv("SB_STATS")) {
		int cnt[ACD_EV_TYPE_COUNT] = {0};
		for (int i = 0; i < m.n_log; i++)
			cnt[m.log[i].type]++;
		printf("seed %llu: %d steps, %llu calls, %d events:", (unsigned long long)seed, m.step,
		       (unsigned long long)ncalls, m.n_log);
		for (int t = 1; t < ACD_EV_TYPE_COUNT; t++)
			printf(" %s=%d", acd_event_name((enum acd_event_type)t), cnt[t]);
		printf("\n");
	}
	kpi_free(rebuilt);
	kpi_free(m.live);
	free(m.log);
	acd_free(acd);
}

static void test_random_sequences(void **state)
{
	(void)state;
	const char *one = getenv("SB_SEED");
	if (one) {
		run_seed(strtoull(one, NULL, 10), 4000);
		return;
	}
	const char *runs_env = getenv("SB_RUNS");
	int runs = runs_env ? (int)strtol(runs_env, NULL, 10) : 300;
	uint64_t base = 0x5b0a2d;
	printf("[ property ] %d seeds from %llu, 4000 steps each (replay: SB_SEED=<seed>)\n", runs,
	       (unsigned long long)base);
	for (int i = 0; i < runs; i++)
		run_seed(base + (uint64_t)i, 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_random_sequences),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
