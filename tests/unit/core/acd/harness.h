/* harness: an ACD with a recording event sink and helpers for the ACD unit tests. */
#ifndef SB_TESTS_ACD_HARNESS_H
#define SB_TESTS_ACD_HARNESS_H

#include "testutil.h"

#include "core/acd/acd.h"

#include <stdio.h>
#include <string.h>

#define REC_MAX 8192

struct rec {
	struct acd_event ev[REC_MAX];
	int n;
};

static struct rec rec;

static void rec_sink(const struct acd_event *ev, void *arg)
{
	(void)arg;
	assert_true(rec.n < REC_MAX);
	rec.ev[rec.n++] = *ev;
}

static inline void rec_clear(void)
{
	rec.n = 0;
}

/* Index of the first event of `type` at or after `from` (and for `agent`, when non-zero); -1 if none. */
static inline int rec_find(int from, uint16_t type, uint32_t agent)
{
	for (int i = from; i < rec.n; i++)
		if (rec.ev[i].type == type && (!agent || rec.ev[i].agent == agent))
			return i;
	return -1;
}

static inline int rec_count(uint16_t type)
{
	int n = 0;
	for (int i = 0; i < rec.n; i++)
		n += rec.ev[i].type == type;
	return n;
}

/* The agent most recently offered `call`, or 0. */
static inline uint32_t rec_offered(uint64_t call)
{
	for (int i = rec.n; i-- > 0;)
		if (rec.ev[i].type == ACD_EV_CALL_OFFER && rec.ev[i].call == call)
			return rec.ev[i].agent;
	return 0;
}

static inline void check_inv(struct acd *acd)
{
	char buf[512];
	if (acd_check(acd, buf, sizeof(buf)) != 0)
		fail_msg("invariant: %s", buf);
}

static inline struct acd *mk_acd(uint32_t max_misses)
{
	struct acd *acd;
	struct acd_params p = {.max_misses = max_misses, .seed = 1};
	rec_clear();
	assert_int_equal(acd_alloc(&acd, &p, rec_sink, NULL), 0);
	return acd;
}

/* A queue requiring `skill` (0: none) at level 1, with the given strategy and defaults otherwise. */
static inline struct acd_queue_params qp(enum acd_strategy s, uint32_t skill)
{
	struct acd_queue_params p;
	acd_queue_params_default(&p);
	p.strategy = s;
	p.wrapup = ACD_WRAPUP_NONE;
	if (skill) {
		p.req[0].skill = skill;
		p.req[0].min_level = 1;
		p.n_req = 1;
	}
	return p;
}

static inline void add_queue(struct acd *acd, uint32_t id, const struct acd_queue_params *p)
{
	assert_int_equal(acd_queue_add(acd, id, p), 0);
}

/* An agent with one skill (0: none) at `level`. */
static inline void add_agent(struct acd *acd, uint32_t id, uint32_t skill, uint8_t level)
{
	struct acd_agent_params p;
	memset(&p, 0, sizeof(p));
	if (skill) {
		p.skills[0].skill = skill;
		p.skills[0].level = level;
		p.n_skills = 1;
	}
	assert_int_equal(acd_agent_add(acd, id, &p), 0);
}

static inline void login_ready(struct acd *acd, uint32_t id, int64_t now)
{
	assert_int_equal(acd_agent_login(acd, id, true, now), 0);
}

static inline void enter(struct acd *acd, uint64_t call, uint32_t queue, int32_t prio, int64_t now)
{
	struct acd_call_params p = {.priority = prio};
	enum acd_refusal r;
	assert_int_equal(acd_call_enter(acd, call, queue, &p, now, &r), 0);
	assert_int_equal(r, ACD_REFUSED_NONE);
}

static inline enum acd_agent_state agent_state(struct acd *acd, uint32_t id)
{
	struct acd_agent_info i;
	assert_int_equal(acd_agent_info(acd, id, &i), 0);
	return i.state;
}

static inline enum acd_call_state call_state(struct acd *acd, uint64_t id)
{
	struct acd_call_info i;
	assert_int_equal(acd_call_info(acd, id, &i), 0);
	return i.state;
}

/* Answers and completes a call at once: the agent goes through talking to ready (no wrap-up). */
static inline void talk(struct acd *acd, uint64_t call, uint32_t agent, int64_t t0, int64_t talk_ms)
{
	assert_int_equal(acd_call_answer(acd, call, agent, t0), 0);
	assert_int_equal(acd_call_hangup(acd, call, ACD_SIDE_CALLER, t0 + talk_ms), 0);
}

#endif
