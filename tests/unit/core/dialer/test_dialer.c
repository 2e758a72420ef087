/* Tests for core/dialer/dialer: calling windows and zone sets, DNC at the moment of dialling, retry
 * rules and ring time, abandonment and the UK lock-out, preview and callbacks, blending, "why". */
#include "testutil.h"

#include "core/dialer/dialer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_MS	60000LL
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS	(24 * HOUR_MS)
#define CAMP	7

/* Epoch day 0 is a Thursday; Sim/Zero is UTC, Sim/MinusTwo two hours behind. */
static int local_time(const char *zone, int64_t utc_ms, struct dialer_local *out, void *arg)
{
	(void)arg;
	int64_t off;
	if (strcmp(zone, "Sim/Zero") == 0)
		off = 0;
	else if (strcmp(zone, "Sim/MinusTwo") == 0)
		off = -2 * HOUR_MS;
	else
		return ENOENT;
	int64_t t = utc_ms + off;
	int64_t day = t >= 0 ? t / DAY_MS : -((-t + DAY_MS - 1) / DAY_MS);
	out->wday = (int)(((day + 4) % 7 + 7) % 7);
	out->minute = (int)((t - day * DAY_MS) / MIN_MS);
	return 0;
}

struct rec {
	enum dialer_ev_type type;
	int64_t t;
	uint32_t lead, agent;
	uint64_t call;
	enum dialer_result result;
	enum dialer_done done;
	int64_t next_ms;
};

static struct rec evs[4096];
static uint32_t n_evs;

static void sink(const struct dialer_event *ev, void *arg)
{
	(void)arg;
	assert_true(n_evs < 4096);
	if (getenv("DIALER_TRACE"))
		fprintf(stderr,
			"ev %s t %lld lead %u call %llu agent %u res %d done %d next %lld\n",
			dialer_ev_name(ev->type), (long long)ev->t, ev->lead,
			(unsigned long long)ev->call, ev->agent, ev->result, ev->done,
			(long long)ev->next_ms);
	evs[n_evs++] = (struct rec){ev->type, ev->t,	  ev->lead, ev->agent,
				    ev->call, ev->result, ev->done, ev->next_ms};
}

/* The i-th event of a type since `from` (the test fails when there is none). */
static const struct rec *find(uint32_t from, enum dialer_ev_type type, uint32_t i)
{
	static const struct rec none;
	uint32_t want = i;
	for (uint32_t k = from; k < n_evs; k++)
		if (evs[k].type == type && i-- == 0)
			return &evs[k];
	fail_msg("no %s event #%u", dialer_ev_name(type), want);
	return &none;
}

static uint32_t count(uint32_t from, enum dialer_ev_type type)
{
	uint32_t n = 0;
	for (uint32_t k = from; k < n_evs; k++)
		n += evs[k].type == type;
	return n;
}

static struct dialer *make(const struct dialer_campaign_params *cp, const char *const *zones,
			   const int32_t *prio, uint32_t n)
{
	struct dialer *d;
	struct dialer_params dp = {.localtime = local_time};
	n_evs = 0;
	assert_int_equal(dialer_alloc(&d, &dp, sink, NULL), 0);
	assert_int_equal(dialer_campaign_add(d, CAMP, cp), 0);
	struct dialer_list l;
	dialer_list_init(&l);
	for (uint32_t i = 0; i < n; i++) {
		char num[32];
		snprintf(num, sizeof(num), "+442079460%03u", i + 1);
		assert_int_equal(dialer_list_add(&l, num, NULL, zones[i], prio ? prio[i] : 0, NULL),
				 0);
	}
	assert_int_equal(dialer_campaign_set_list(d, CAMP, &l), 0);
	assert_int_equal(l.n, 0);
	dialer_list_release(&l);
	return d;
}

static void params(struct dialer_campaign_params *cp)
{
	dialer_campaign_params_default(cp);
	snprintf(cp->caller_id, sizeof(cp->caller_id), "+442079460999");
}

static void test_windows_and_zone_sets(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	static const char *const z[] = {"Sim/Zero", "Sim/MinusTwo", "Sim/MinusTwo|Sim/Zero",
					"Mars/Base"};
	struct dialer *d = make(&cp, z, NULL, 4);
	for (uint32_t a = 1; a <= 4; a++) {
		assert_int_equal(dialer_agent_add(d, a, CAMP, false, 0), 0);
		assert_int_equal(dialer_agent_ready(d, a, 0), 0);
	}
	struct dialer_why w;
	dialer_advance(d, 8 * HOUR_MS + 59 * MIN_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 0);
	assert_int_equal(dialer_campaign_why(d, CAMP, 8 * HOUR_MS + 59 * MIN_MS, &w), 0);
	assert_int_equal(w.total, 4);
	assert_int_equal(w.window_closed, 3);
	assert_int_equal(w.zone_unknown, 1);
	assert_int_equal(w.dialable, 0);
	/* agents wait: the driver is called back at the next minute */
	assert_int_equal(dialer_next_deadline(d), 9 * HOUR_MS);
	dialer_advance(d, 9 * HOUR_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	assert_int_equal(find(0, DIALER_EV_DIAL, 0)->lead, 1);
	/* 11:00 UTC is 9:00 in Sim/MinusTwo: both remaining leads open */
	dialer_advance(d, 11 * HOUR_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 3);
	assert_int_equal(dialer_campaign_why(d, CAMP, 11 * HOUR_MS, &w), 0);
	assert_int_equal(w.in_call, 2);
	assert_int_equal(w.retry_wait, 1); /* lead 1 rang out at 9:00:20: back at 11:00:20 */
	assert_int_equal(w.zone_unknown, 1);
	dialer_free(d);

	/* a set is callable only while every zone of it is: 20:30 UTC is closed in Sim/Zero */
	params(&cp);
	static const char *const z2[] = {"Sim/MinusTwo|Sim/Zero", "Sim/MinusTwo"};
	d = make(&cp, z2, NULL, 2);
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, 0), 0);
	assert_int_equal(dialer_agent_ready(d, 1, 0), 0);
	dialer_advance(d, 20 * HOUR_MS + 30 * MIN_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	assert_int_equal(find(0, DIALER_EV_DIAL, 0)->lead, 2);
	dialer_free(d);

	/* the US profile's 8:00-21:00 holds even when the campaign's own window is wider */
	params(&cp);
	for (int i = 0; i < 7; i++)
		cp.days[i] = (struct dialer_day){0, 24 * 60};
	static const char *const z3[] = {"Sim/Zero"};
	d = make(&cp, z3, NULL, 1);
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, 0), 0);
	assert_int_equal(dialer_agent_ready(d, 1, 0), 0);
	dialer_advance(d, 7 * HOUR_MS + 59 * MIN_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 0);
	dialer_advance(d, 8 * HOUR_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	dialer_free(d);

	/* a day with no window: Sunday (day 3 of the epoch) closed */
	params(&cp);
	cp.days[0] = (struct dialer_day){0, 0};
	d = make(&cp, z3, NULL, 1);
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, 0), 0);
	assert_int_equal(dialer_agent_ready(d, 1, 0), 0);
	dialer_advance(d, 3 * DAY_MS + 12 * HOUR_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 0);
	dialer_advance(d, 4 * DAY_MS + 12 * HOUR_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	dialer_free(d);
}

static void test_dnc_at_dial(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	static const char *const z[] = {"Sim/Zero", "Sim/Zero", "Sim/Zero"};
	static const int32_t prio[] = {3, 2, 1};
	struct dialer *d = make(&cp, z, prio, 3);
	const struct dialer_list *l = dialer_campaign_list(d, CAMP);
	/* listed after the import, while the campaign runs */
	assert_int_equal(dialer_dnc_add(dialer_dnc_global(d), l->leads[0]->e164, NULL), 0);
	assert_int_equal(dialer_dnc_add(dialer_campaign_dnc(d, CAMP), l->leads[1]->e164, NULL), 0);
	int64_t t = 10 * HOUR_MS;
	struct dialer_why w;
	assert_int_equal(dialer_campaign_why(d, CAMP, t, &w), 0);
	assert_int_equal(w.dnc, 2);
	assert_int_equal(w.dialable, 1);
	for (uint32_t a = 1; a <= 3; a++) {
		assert_int_equal(dialer_agent_add(d, a, CAMP, false, t), 0);
		assert_int_equal(dialer_agent_ready(d, a, t), 0);
	}
	dialer_advance(d, t);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	assert_int_equal(find(0, DIALER_EV_DIAL, 0)->lead, 3);
	assert_int_equal(count(0, DIALER_EV_SKIP), 2);
	assert_int_equal(find(0, DIALER_EV_SKIP, 0)->done, DIALER_DONE_DNC);
	assert_int_equal(l->leads[0]->done, DIALER_DONE_DNC);
	/* the person asks not to be called: the campaign's list gets the number */
	uint64_t call = find(0, DIALER_EV_DIAL, 0)->call;
	assert_int_equal(dialer_call_answered(d, call, t + 5000), 0);
	uint32_t agent = find(0, DIALER_EV_CONNECT, 0)->agent;
	assert_int_equal(dialer_call_ended(d, call, t + 60000), 0);
	assert_int_equal(dialer_disposition(d, agent, DIALER_R_DNC, 0, t + 61000), 0);
	assert_true(dialer_dnc_has(dialer_campaign_dnc(d, CAMP), l->leads[2]->e164));
	assert_false(dialer_dnc_has(dialer_dnc_global(d), l->leads[2]->e164));
	assert_int_equal(dialer_campaign_why(d, CAMP, t + 61000, &w), 0);
	assert_int_equal(w.dnc, 3);
	dialer_free(d);
}

static void test_retry_rules_and_ring_time(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	cp.ring_ms = 10000; /* shorter than the US minimum of 15 s */
	struct dialer *d;
	struct dialer_params dp = {.localtime = local_time};
	assert_int_equal(dialer_alloc(&d, &dp, NULL, NULL), 0);
	assert_int_equal(dialer_campaign_add(d, CAMP, &cp), EINVAL);
	dialer_free(d);

	params(&cp);
	cp.retry[DIALER_R_NO_ANSWER].max_attempts = 2;
	static const char *const z[] = {"Sim/Zero"};
	d = make(&cp, z, NULL, 1);
	int64_t t = 10 * HOUR_MS;
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, t), 0);
	assert_int_equal(dialer_agent_ready(d, 1, t), 0);
	dialer_advance(d, t);
	const struct rec *dial = find(0, DIALER_EV_DIAL, 0);
	assert_non_null(dial);
	assert_int_equal(dialer_next_deadline(d), t + 20000);
	/* the driver comes late: the hang-up still carries its own time */
	dialer_advance(d, t + 60000);
	const struct rec *h = find(0, DIALER_EV_HANGUP, 0);
	assert_non_null(h);
	assert_int_equal(h->t, t + 20000);
	const struct rec *r = find(0, DIALER_EV_RESULT, 0);
	assert_int_equal(r->result, DIALER_R_NO_ANSWER);
	assert_int_equal(r->next_ms, t + 20000 + 2 * HOUR_MS);
	assert_int_equal(dialer_call_answered(d, dial->call, t + 61000), ENOENT);
	struct dialer_why w;
	assert_int_equal(dialer_campaign_why(d, CAMP, t + 61000, &w), 0);
	assert_int_equal(w.retry_wait, 1);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	/* due again: second attempt, busy this time (the busy rule has no max of 2) */
	int64_t t2 = t + 20000 + 2 * HOUR_MS;
	dialer_advance(d, t2 - 1);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	assert_true(dialer_next_deadline(d) <= t2);
	dialer_advance(d, t2);
	assert_int_equal(count(0, DIALER_EV_DIAL), 2);
	uint64_t c2 = find(0, DIALER_EV_DIAL, 1)->call;
	assert_int_equal(dialer_call_failed(d, c2, DIALER_R_COMPLETED, t2 + 1000), EINVAL);
	assert_int_equal(dialer_call_failed(d, c2, DIALER_R_BUSY, t2 + 3000), 0);
	r = find(0, DIALER_EV_RESULT, 1);
	assert_int_equal(r->result, DIALER_R_BUSY);
	assert_int_equal(r->next_ms, t2 + 3000 + 15 * MIN_MS);
	/* third attempt rings out: no-answer with 3 attempts made, beyond its maximum of 2 */
	dialer_advance(d, t2 + 3000 + 15 * MIN_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 3);
	dialer_advance(d, t2 + 3000 + 16 * MIN_MS);
	r = find(0, DIALER_EV_RESULT, 2);
	assert_int_equal(r->result, DIALER_R_NO_ANSWER);
	assert_int_equal(r->done, DIALER_DONE_MAX_ATTEMPTS);
	assert_int_equal(dialer_campaign_why(d, CAMP, t2 + 20 * MIN_MS, &w), 0);
	assert_int_equal(w.max_attempts, 1);
	struct dialer_report rep;
	assert_int_equal(dialer_campaign_report(d, CAMP, t2 + 20 * MIN_MS, &rep), 0);
	assert_int_equal(rep.attempts, 3);
	assert_int_equal(rep.answered, 0);
	/* recycling by result brings it back */
	uint32_t n;
	assert_int_equal(dialer_recycle(d, CAMP, 1u << DIALER_R_NO_ANSWER, t2 + 21 * MIN_MS, &n),
			 0);
	assert_int_equal(n, 1);
	dialer_advance(d, t2 + 21 * MIN_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 4);
	dialer_free(d);
}

static void test_abandon_and_uk_lockout(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	dialer_profile_uk(&cp.profile);
	static const char *const z[] = {"Sim/Zero"};
	struct dialer *d = make(&cp, z, NULL, 1);
	int64_t t = 10 * HOUR_MS;
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, t), 0);
	assert_int_equal(dialer_agent_ready(d, 1, t), 0);
	dialer_advance(d, t);
	uint64_t call = find(0, DIALER_EV_DIAL, 0)->call;
	/* the agent leaves while the call rings; the answer finds nobody */
	assert_int_equal(dialer_agent_away(d, 1, t + 1000), 0);
	assert_int_equal(dialer_call_answered(d, call, t + 6000), 0);
	assert_int_equal(dialer_next_deadline(d), t + 8000);
	dialer_advance(d, t + 9000);
	const struct rec *sh = find(0, DIALER_EV_SAFE_HARBOUR, 0);
	assert_non_null(sh);
	assert_int_equal(sh->t, t + 8000); /* two seconds after the answer */
	const struct rec *r = find(0, DIALER_EV_RESULT, 0);
	assert_int_equal(r->result, DIALER_R_ABANDONED);
	/* the retry rule says 1 hour; the UK lock-out says 72 */
	assert_int_equal(r->next_ms, t + 8000 + 72 * HOUR_MS);
	struct dialer_why w;
	assert_int_equal(dialer_campaign_why(d, CAMP, t + 2 * HOUR_MS, &w), 0);
	assert_int_equal(w.lockout, 1);
	struct dialer_report rep;
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 2 * HOUR_MS, &rep), 0);
	assert_int_equal(rep.abandoned, 1);
	assert_int_equal(rep.win_live, 1);
	assert_int_equal(rep.win_abandoned, 1);
	assert_true(rep.win_rate == 1.0);
	/* 24 hours later the UK window has forgotten it */
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 25 * HOUR_MS, &rep), 0);
	assert_int_equal(rep.win_live, 0);
	assert_int_equal(dialer_agent_ready(d, 1, t + 25 * HOUR_MS), 0);
	dialer_advance(d, t + 26 * HOUR_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	dialer_advance(d, t + 8000 + 72 * HOUR_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 2);
	/* a caller hanging up before an agent comes is abandoned too (no message) */
	call = find(0, DIALER_EV_DIAL, 1)->call;
	int64_t t3 = find(0, DIALER_EV_DIAL, 1)->t;
	assert_int_equal(dialer_agent_away(d, 1, t3 + 1000), 0);
	assert_int_equal(dialer_call_answered(d, call, t3 + 5000), 0);
	assert_int_equal(dialer_call_ended(d, call, t3 + 5500), 0);
	assert_int_equal(count(0, DIALER_EV_SAFE_HARBOUR), 1);
	assert_int_equal(dialer_campaign_report(d, CAMP, t3 + 6000, &rep), 0);
	assert_int_equal(rep.abandoned, 2);
	dialer_free(d);
}

/* A call connected by the core whose agent never took it: abandoned after all, lock-out too. */
static void test_call_lost(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	dialer_profile_uk(&cp.profile);
	static const char *const z[] = {"Sim/Zero", "Sim/Zero"};
	struct dialer *d = make(&cp, z, NULL, 2);
	int64_t t = 10 * HOUR_MS;
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, t), 0);
	assert_int_equal(dialer_agent_ready(d, 1, t), 0);
	dialer_advance(d, t);
	uint64_t call = find(0, DIALER_EV_DIAL, 0)->call;
	assert_int_equal(dialer_call_lost(d, call, t + 1000), EBUSY); /* still ringing */
	assert_int_equal(dialer_call_answered(d, call, t + 3000), 0);
	assert_int_equal(find(0, DIALER_EV_CONNECT, 0)->agent, 1);
	assert_int_equal(dialer_call_lost(d, call, t + 5000), 0);
	assert_int_equal(dialer_call_lost(d, call, t + 5000), ENOENT);
	const struct rec *r = find(0, DIALER_EV_RESULT, 0);
	assert_int_equal(r->result, DIALER_R_ABANDONED);
	assert_int_equal(r->next_ms, t + 5000 + 72 * HOUR_MS);
	struct dialer_report rep;
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 6000, &rep), 0);
	assert_int_equal(rep.abandoned, 1);
	assert_int_equal(rep.connected, 0);
	assert_int_equal(rep.win_live, 1);
	assert_int_equal(rep.win_abandoned, 1);
	assert_int_equal(rep.agents_away, 1);
	assert_int_equal(rep.agents_busy, 0);
	/* nothing to disposition: the agent never talked to the lead */
	assert_int_equal(dialer_disposition(d, 1, DIALER_R_COMPLETED, 0, t + 6000), ENOENT);
	/* ready again: the next lead is dialled */
	assert_int_equal(dialer_agent_ready(d, 1, t + 7000), 0);
	dialer_advance(d, t + 7000);
	assert_int_equal(count(0, DIALER_EV_DIAL), 2);
	/* a waiting call (no agent) that is lost: abandoned, no message from the core */
	call = find(0, DIALER_EV_DIAL, 1)->call;
	assert_int_equal(dialer_agent_away(d, 1, t + 8000), 0);
	assert_int_equal(dialer_call_answered(d, call, t + 9000), 0);
	assert_int_equal(dialer_call_lost(d, call, t + 9500), 0);
	assert_int_equal(count(0, DIALER_EV_SAFE_HARBOUR), 0);
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 9600, &rep), 0);
	assert_int_equal(rep.abandoned, 2);
	dialer_free(d);
}

/* The driver's router gave calls to other agents than the core's: the core follows. */
static void test_call_agent(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	static const char *const z[] = {"Sim/Zero", "Sim/Zero"};
	struct dialer *d = make(&cp, z, NULL, 2);
	int64_t t = 10 * HOUR_MS;
	for (uint32_t a = 1; a <= 2; a++) {
		assert_int_equal(dialer_agent_add(d, a, CAMP, false, t), 0);
		assert_int_equal(dialer_agent_ready(d, a, t), 0);
	}
	dialer_advance(d, t);
	assert_int_equal(count(0, DIALER_EV_DIAL), 2);
	uint64_t c1 = find(0, DIALER_EV_DIAL, 0)->call, c2 = find(0, DIALER_EV_DIAL, 1)->call;
	assert_int_equal(dialer_call_agent(d, c1, 2, t + 500), EBUSY); /* still ringing */
	assert_int_equal(dialer_call_answered(d, c1, t + 1000), 0);
	uint32_t first = find(0, DIALER_EV_CONNECT, 0)->agent;
	uint32_t other = first == 1 ? 2 : 1;
	assert_int_equal(dialer_call_agent(d, c1, first, t + 1100), 0); /* already its */
	assert_int_equal(count(0, DIALER_EV_CONNECT), 1);
	assert_int_equal(dialer_call_agent(d, c1, other, t + 1200), 0);
	assert_int_equal(find(0, DIALER_EV_CONNECT, 1)->agent, other);
	struct dialer_report rep;
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 1300, &rep), 0);
	assert_int_equal(rep.agents_busy, 1);
	assert_int_equal(rep.agents_away, 1);
	assert_int_equal(rep.agents_free, 0);
	assert_int_equal(rep.connected, 1);
	assert_int_equal(rep.win_live, 1);
	/* the second call finds no free agent: waiting, until the router gives it to `first` */
	assert_int_equal(dialer_call_answered(d, c2, t + 2000), 0);
	assert_int_equal(count(0, DIALER_EV_CONNECT), 2);
	assert_int_equal(dialer_call_agent(d, c2, other, t + 2500), EBUSY); /* on c1 */
	assert_int_equal(dialer_call_agent(d, c2, 99, t + 2500), ENOENT);
	assert_int_equal(dialer_call_agent(d, c2, first, t + 2600), 0);
	assert_int_equal(find(0, DIALER_EV_CONNECT, 2)->agent, first);
	dialer_advance(d, t + 10000); /* past the safe-harbour time: nothing abandoned */
	assert_int_equal(count(0, DIALER_EV_SAFE_HARBOUR), 0);
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 10000, &rep), 0);
	assert_int_equal(rep.abandoned, 0);
	assert_int_equal(rep.connected, 2);
	assert_int_equal(rep.agents_busy, 2);
	assert_int_equal(rep.agents_away, 0);
	/* dispositions follow the calls: `other` talked to the first lead */
	assert_int_equal(dialer_call_ended(d, c1, t + 20000), 0);
	assert_int_equal(dialer_disposition(d, other, DIALER_R_COMPLETED, 0, t + 21000), 0);
	const struct rec *r = find(0, DIALER_EV_RESULT, 0);
	assert_int_equal(r->result, DIALER_R_COMPLETED);
	assert_int_equal(r->lead, find(0, DIALER_EV_DIAL, 0)->lead);
	assert_int_equal(dialer_disposition(d, first, DIALER_R_COMPLETED, 0, t + 21000), ENOENT);
	dialer_free(d);
}

/*
 * A swap: the core connected c1 to one agent and c2 to the other; the router
 * gives c1 to the core's agent of c2 first. Both unconfirmed: they swap, and
 * leads and dispositions follow who talks.
 */
static void test_call_agent_swap(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	static const char *const z[] = {"Sim/Zero", "Sim/Zero", "Sim/Zero"};
	struct dialer *d = make(&cp, z, NULL, 3);
	int64_t t = 10 * HOUR_MS;
	for (uint32_t a = 1; a <= 2; a++) {
		assert_int_equal(dialer_agent_add(d, a, CAMP, false, t), 0);
		assert_int_equal(dialer_agent_ready(d, a, t), 0);
	}
	dialer_advance(d, t);
	uint64_t c1 = find(0, DIALER_EV_DIAL, 0)->call, c2 = find(0, DIALER_EV_DIAL, 1)->call;
	uint32_t l1 = find(0, DIALER_EV_DIAL, 0)->lead, l2 = find(0, DIALER_EV_DIAL, 1)->lead;
	assert_int_equal(dialer_call_answered(d, c1, t + 1000), 0);
	assert_int_equal(dialer_call_answered(d, c2, t + 1100), 0);
	uint32_t a1 = find(0, DIALER_EV_CONNECT, 0)->agent,
		 a2 = find(0, DIALER_EV_CONNECT, 1)->agent;
	assert_int_not_equal(a1, a2);
	/* the router gives c1 to a2: swap */
	uint32_t mark = n_evs;
	assert_int_equal(dialer_call_agent(d, c1, a2, t + 1500), 0);
	assert_int_equal(count(mark, DIALER_EV_CONNECT), 2);
	assert_int_equal(find(mark, DIALER_EV_CONNECT, 0)->call, c1);
	assert_int_equal(find(mark, DIALER_EV_CONNECT, 0)->agent, a2);
	assert_int_equal(find(mark, DIALER_EV_CONNECT, 1)->call, c2);
	assert_int_equal(find(mark, DIALER_EV_CONNECT, 1)->agent, a1);
	/* and c2 to a1: already its (confirmed) */
	assert_int_equal(dialer_call_agent(d, c2, a1, t + 1600), 0);
	assert_int_equal(count(mark, DIALER_EV_CONNECT), 2);
	/* confirmed calls are not taken from their agents */
	assert_int_equal(dialer_call_agent(d, c2, a2, t + 1700), EBUSY);
	struct dialer_report rep;
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 2000, &rep), 0);
	assert_int_equal(rep.connected, 2);
	assert_int_equal(rep.agents_busy, 2);
	assert_int_equal(rep.agents_away, 0);
	assert_int_equal(rep.win_live, 2);
	assert_int_equal(rep.abandoned, 0);
	assert_int_equal(dialer_call_ended(d, c1, t + 30000), 0);
	assert_int_equal(dialer_call_ended(d, c2, t + 31000), 0);
	mark = n_evs;
	assert_int_equal(dialer_disposition(d, a2, DIALER_R_COMPLETED, 0, t + 32000), 0);
	assert_int_equal(find(mark, DIALER_EV_RESULT, 0)->lead, l1);
	assert_int_equal(dialer_disposition(d, a1, DIALER_R_NOT_INTERESTED, 0, t + 32000), 0);
	assert_int_equal(find(mark, DIALER_EV_RESULT, 1)->lead, l2);
	assert_int_equal(find(mark, DIALER_EV_RESULT, 1)->result, DIALER_R_NOT_INTERESTED);
	dialer_free(d);
}

/*
 * The router gives a waiting call to an agent the core had connected to
 * another call (which its router sends elsewhere): that call waits again,
 * and is abandoned at its own safe-harbour time, counted once as live.
 */
static void test_call_agent_requeue(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	static const char *const z[] = {"Sim/Zero", "Sim/Zero"};
	struct dialer *d = make(&cp, z, NULL, 2);
	int64_t t = 10 * HOUR_MS;
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, t), 0);
	assert_int_equal(dialer_agent_add(d, 2, CAMP, false, t), 0);
	assert_int_equal(dialer_agent_ready(d, 1, t), 0);
	assert_int_equal(dialer_agent_ready(d, 2, t), 0);
	dialer_advance(d, t);
	uint64_t c1 = find(0, DIALER_EV_DIAL, 0)->call, c2 = find(0, DIALER_EV_DIAL, 1)->call;
	uint32_t l1 = find(0, DIALER_EV_DIAL, 0)->lead;
	assert_int_equal(dialer_call_answered(d, c1, t + 1000), 0); /* to agent 1 (longest free) */
	uint32_t a1 = find(0, DIALER_EV_CONNECT, 0)->agent;
	uint32_t a2 = a1 == 1 ? 2 : 1;
	/* the other agent is taken by an inbound call: the core hears it late */
	assert_int_equal(dialer_agent_away(d, a2, t + 1050), 0);
	assert_int_equal(dialer_call_answered(d, c2, t + 1100), 0); /* waits */
	assert_int_equal(count(0, DIALER_EV_CONNECT), 1);
	/* the router gives c2 to a1, whose phone never got c1 */
	uint32_t mark = n_evs;
	assert_int_equal(dialer_call_agent(d, c2, a1, t + 1200), 0);
	assert_int_equal(find(mark, DIALER_EV_CONNECT, 0)->call, c2);
	assert_int_equal(find(mark, DIALER_EV_CONNECT, 0)->agent, a1);
	struct dialer_report rep;
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 1300, &rep), 0);
	assert_int_equal(rep.connected, 1);
	assert_int_equal(rep.waiting, 1);
	assert_int_equal(rep.agents_busy, 1);
	/* c1 finds nobody within its safe-harbour time (from its own answer) */
	dialer_advance(d, t + 2999);
	assert_int_equal(count(mark, DIALER_EV_SAFE_HARBOUR), 0);
	dialer_advance(d, t + 3000);
	assert_int_equal(count(mark, DIALER_EV_SAFE_HARBOUR), 1);
	assert_int_equal(find(mark, DIALER_EV_SAFE_HARBOUR, 0)->call, c1);
	const struct rec *r = find(mark, DIALER_EV_RESULT, 0);
	assert_int_equal(r->lead, l1);
	assert_int_equal(r->result, DIALER_R_ABANDONED);
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 3000, &rep), 0);
	assert_int_equal(rep.win_live, 2); /* each answer once */
	assert_int_equal(rep.win_abandoned, 1);
	assert_int_equal(rep.abandoned, 1);
	assert_int_equal(rep.connected, 1);
	/* a call put back is connected when an agent frees up in time */
	dialer_free(d);
}

/* An agent previewing answers the router's call: the preview ends, the lead goes back. */
static void test_call_agent_previewing(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	cp.mode = DIALER_PREVIEW;
	static const char *const z[] = {"Sim/Zero", "Sim/Zero"};
	struct dialer *d = make(&cp, z, NULL, 2);
	int64_t t = 10 * HOUR_MS;
	for (uint32_t a = 1; a <= 2; a++) {
		assert_int_equal(dialer_agent_add(d, a, CAMP, false, t), 0);
		assert_int_equal(dialer_agent_ready(d, a, t), 0);
	}
	uint32_t lead1, lead2;
	uint64_t c1;
	assert_int_equal(dialer_preview_next(d, 1, t, &lead1), 0);
	assert_int_equal(dialer_preview_dial(d, 1, t + 100, &c1), 0);
	assert_int_equal(dialer_preview_next(d, 2, t + 200, &lead2), 0);
	assert_int_equal(dialer_call_answered(d, c1, t + 1000), 0);
	assert_int_equal(find(0, DIALER_EV_CONNECT, 0)->agent, 1);
	/* agent 2, looking at lead2, is rung for c1 and answers */
	assert_int_equal(dialer_call_agent(d, c1, 2, t + 1500), 0);
	assert_int_equal(find(0, DIALER_EV_CONNECT, 1)->agent, 2);
	assert_int_equal(dialer_preview_dial(d, 2, t + 1600, NULL), EBUSY);
	struct dialer_why w;
	assert_int_equal(dialer_campaign_why(d, CAMP, t + 1600, &w), 0);
	assert_int_equal(w.in_call, 1); /* lead1; lead2 is dialable again */
	assert_int_equal(w.dialable, 1);
	/* agent 1 (not rung) may preview it */
	assert_int_equal(dialer_agent_ready(d, 1, t + 1700), 0);
	uint32_t again;
	assert_int_equal(dialer_preview_next(d, 1, t + 1800, &again), 0);
	assert_int_equal(again, lead2);
	dialer_free(d);
}

/* Disposition codes named like results map to them. */
static void test_result_for_code(void **state)
{
	(void)state;
	static const struct {
		const char *code;
		int r;
	} ok[] = {
	    {"completed", DIALER_R_COMPLETED},
	    {"CALLBACK", DIALER_R_CALLBACK},
	    {"not_interested", DIALER_R_NOT_INTERESTED},
	    {"Wrong Number", DIALER_R_WRONG_NUMBER},
	    {"no-answer", DIALER_R_NO_ANSWER},
	    {"busy", DIALER_R_BUSY},
	    {"failed", DIALER_R_FAILED},
	    {"do_not_call", DIALER_R_DNC},
	    {"DNC", DIALER_R_DNC},
	    {" busy ", DIALER_R_BUSY},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		enum dialer_result r = DIALER_R_NONE;
		assert_int_equal(dialer_result_for_code(ok[i].code, &r), 0);
		assert_int_equal(r, ok[i].r);
	}
	static const char *const no[] = {"abandoned", "none", "sale", "", "completed-ok", NULL};
	for (int i = 0; no[i]; i++) {
		enum dialer_result r;
		assert_int_equal(dialer_result_for_code(no[i], &r), ENOENT);
	}
	enum dialer_result r;
	assert_int_equal(dialer_result_for_code(NULL, &r), ENOENT);
}

static void test_preview_and_callback(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	cp.mode = DIALER_PREVIEW;
	static const char *const z[] = {"Sim/Zero", "Sim/Zero", "Sim/Zero"};
	static const int32_t prio[] = {1, 5, 3};
	struct dialer *d = make(&cp, z, prio, 3);
	int64_t t = 10 * HOUR_MS;
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, t), 0);
	uint32_t lead;
	assert_int_equal(dialer_preview_next(d, 1, t, &lead), EBUSY); /* not ready */
	assert_int_equal(dialer_agent_ready(d, 1, t), 0);
	dialer_advance(d, t);
	assert_int_equal(count(0, DIALER_EV_DIAL), 0); /* preview: nothing is dialled by itself */
	assert_int_equal(dialer_preview_next(d, 1, t, &lead), 0);
	assert_int_equal(lead, 2); /* highest priority */
	assert_int_equal(find(0, DIALER_EV_PREVIEW, 0)->agent, 1);
	assert_int_equal(dialer_preview_skip(d, 1, t + 1000), 0);
	assert_int_equal(dialer_preview_next(d, 1, t + 2000, &lead), 0);
	assert_int_equal(lead, 3);
	uint64_t call;
	assert_int_equal(dialer_preview_dial(d, 1, t + 3000, &call), 0);
	assert_int_equal(find(0, DIALER_EV_DIAL, 0)->agent, 1);
	assert_int_equal(dialer_call_answered(d, call, t + 9000), 0);
	const struct rec *c = find(0, DIALER_EV_CONNECT, 0);
	assert_int_equal(c->agent, 1);
	assert_int_equal(c->lead, 3);
	assert_int_equal(dialer_disposition(d, 1, DIALER_R_COMPLETED, 0, t + 10000), ENOENT);
	assert_int_equal(dialer_call_ended(d, call, t + 60000), 0);
	/* "call back tomorrow at 10:00" */
	int64_t cb = DAY_MS + 10 * HOUR_MS;
	assert_int_equal(dialer_disposition(d, 1, DIALER_R_CALLBACK, 0, t + 61000), EINVAL);
	assert_int_equal(dialer_disposition(d, 1, DIALER_R_CALLBACK, cb, t + 61000), 0);
	assert_int_equal(dialer_agent_ready(d, 1, t + 70000), 0);
	struct dialer_why w;
	assert_int_equal(dialer_campaign_why(d, CAMP, t + 70000, &w), 0);
	assert_int_equal(w.callback_wait, 1);
	assert_int_equal(w.retry_wait, 1); /* the skipped one, back in 15 minutes */
	assert_int_equal(w.dialable, 1);
	/* at the callback time it comes first, ahead of higher priorities */
	assert_int_equal(dialer_preview_next(d, 1, cb, &lead), 0);
	assert_int_equal(lead, 3);
	dialer_free(d);
}

/* The card an agent holds (a reloaded desktop asks again); a disposition given after the lead
 * closed without one (a timed wrap-up, then the contact record) applies then. */
static void test_preview_current_and_late(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	cp.mode = DIALER_PREVIEW;
	static const char *const z[] = {"Sim/Zero", "Sim/Zero"};
	static const int32_t prio[] = {5, 1};
	struct dialer *d = make(&cp, z, prio, 2);
	int64_t t = 10 * HOUR_MS;
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, t), 0);
	uint32_t lead = 0, held = 0;
	assert_int_equal(dialer_preview_current(d, 1, &held), ENOENT);
	assert_int_equal(dialer_agent_ready(d, 1, t), 0);
	assert_int_equal(dialer_preview_current(d, 1, &held), ENOENT); /* free, nothing reserved */
	assert_int_equal(dialer_preview_next(d, 1, t, &lead), 0);
	assert_int_equal(lead, 1);
	assert_int_equal(dialer_preview_current(d, 1, &held), 0);
	assert_int_equal(held, 1);
	assert_int_equal(dialer_preview_current(d, 2, &held), ENOENT); /* not an agent */
	uint64_t call;
	assert_int_equal(dialer_preview_dial(d, 1, t + 1000, &call), 0);
	assert_int_equal(dialer_preview_current(d, 1, &held), ENOENT); /* dialled: no card */
	assert_int_equal(dialer_call_answered(d, call, t + 5000), 0);
	/* not while the lead is in its call */
	assert_int_equal(dialer_lead_disposition(d, CAMP, 1, DIALER_R_COMPLETED, 0, 0, t + 6000),
			 EALREADY);
	assert_int_equal(dialer_call_ended(d, call, t + 60000), 0);
	/* wrap-up ended without a disposition: the lead closes with none */
	assert_int_equal(dialer_disposition(d, 1, DIALER_R_NONE, 0, t + 61000), 0);
	const struct dialer_list *l = dialer_campaign_list(d, CAMP);
	const struct dialer_lead *ld = l ? dialer_list_lead(l, 1) : NULL;
	assert_non_null(ld);
	if (!ld) {
		dialer_free(d);
		return;
	}
	assert_int_equal(ld->state, DIALER_LEAD_DONE);
	assert_int_equal(dialer_lead_disposition(d, CAMP, 1, DIALER_R_NONE, 0, 0, t + 70000),
			 EINVAL);
	assert_int_equal(dialer_lead_disposition(d, CAMP, 1, DIALER_R_CALLBACK, 0, 1, t + 70000),
			 EINVAL);
	assert_int_equal(dialer_lead_disposition(d, CAMP, 9, DIALER_R_COMPLETED, 0, 0, t + 70000),
			 ENOENT);
	assert_int_equal(
	    dialer_lead_disposition(d, CAMP + 1, 1, DIALER_R_COMPLETED, 0, 0, t + 70000), ENOENT);
	/* given later: a callback for agent 1 */
	int64_t cb = t + HOUR_MS;
	assert_int_equal(dialer_lead_disposition(d, CAMP, 1, DIALER_R_CALLBACK, cb, 1, t + 70000),
			 0);
	assert_int_equal(ld->state, DIALER_LEAD_READY);
	assert_true(ld->callback);
	assert_int_equal(ld->owner, 1);
	assert_int_equal(ld->next_ms, cb);
	assert_int_equal(find(0, DIALER_EV_RESULT, 0)->lead, 1);
	/* once it has a result, another one changes nothing */
	assert_int_equal(dialer_lead_disposition(d, CAMP, 1, DIALER_R_COMPLETED, 0, 0, t + 71000),
			 EALREADY);
	assert_int_equal(ld->last_result, DIALER_R_CALLBACK);
	dialer_free(d);
}

/* A callback for one agent goes to that agent only, in any mode, once due and the agent is free. */
static void test_personal_callback(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	static const char *const z[] = {"Sim/Zero", "Sim/Zero"};
	static const int32_t prio[] = {5, 1};
	struct dialer *d = make(&cp, z, prio, 2);
	int64_t t = 10 * HOUR_MS;
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, t), 0);
	assert_int_equal(dialer_agent_add(d, 2, CAMP, false, t), 0);
	assert_int_equal(dialer_agent_ready(d, 1, t), 0);
	dialer_advance(d, t);
	const struct rec *dial = find(0, DIALER_EV_DIAL, 0);
	assert_int_equal(dial->lead, 1);
	uint64_t call = dial->call;
	assert_int_equal(dialer_call_answered(d, call, t + 5000), 0);
	assert_int_equal(dialer_call_ended(d, call, t + 60000), 0);
	assert_int_equal(dialer_disposition_callback(d, 1, t + HOUR_MS, 9, t + 61000), ENOENT);
	assert_int_equal(dialer_disposition_callback(d, 1, 0, 2, t + 61000), EINVAL);
	/* agent 1 books it for agent 2 */
	assert_int_equal(dialer_disposition_callback(d, 1, t + HOUR_MS, 2, t + 61000), 0);
	const struct rec *r = find(0, DIALER_EV_RESULT, 0);
	assert_int_equal(r->result, DIALER_R_CALLBACK);
	assert_int_equal(r->next_ms, t + HOUR_MS);
	assert_int_equal(dialer_agent_away(d, 1, t + 62000), 0);
	/* due, agent 2 not there: nobody else calls it */
	uint32_t mark = n_evs;
	assert_int_equal(dialer_agent_ready(d, 1, t + HOUR_MS), 0);
	dialer_advance(d, t + HOUR_MS);
	assert_int_equal(find(mark, DIALER_EV_DIAL, 0)->lead, 2); /* the other lead */
	assert_int_equal(count(mark, DIALER_EV_PREVIEW), 0);
	struct dialer_why w;
	assert_int_equal(dialer_campaign_why(d, CAMP, t + HOUR_MS, &w), 0);
	assert_int_equal(w.callback_agent, 1);
	/* agent 2 comes: the callback is offered to them as a preview */
	assert_int_equal(dialer_agent_ready(d, 2, t + HOUR_MS + 1000), 0);
	dialer_advance(d, t + HOUR_MS + 1000);
	const struct rec *pv = find(mark, DIALER_EV_PREVIEW, 0);
	assert_int_equal(pv->agent, 2);
	assert_int_equal(pv->lead, 1);
	uint64_t c2;
	assert_int_equal(dialer_preview_dial(d, 2, t + HOUR_MS + 2000, &c2), 0);
	assert_int_equal(dialer_call_answered(d, c2, t + HOUR_MS + 6000), 0);
	const struct rec *cn = find(mark, DIALER_EV_CONNECT, 0);
	assert_int_equal(cn->agent, 2);
	assert_int_equal(cn->lead, 1);
	dialer_free(d);
}

static void test_blended(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	static const char *const z[] = {"Sim/Zero", "Sim/Zero", "Sim/Zero", "Sim/Zero"};
	struct dialer *d = make(&cp, z, NULL, 4);
	int64_t t = 10 * HOUR_MS;
	for (uint32_t a = 1; a <= 2; a++) {
		assert_int_equal(dialer_agent_add(d, a, CAMP, true, t), 0);
		assert_int_equal(dialer_agent_ready(d, a, t), 0);
	}
	dialer_advance(d, t); /* inbound service level not known yet: not safe */
	assert_int_equal(count(0, DIALER_EV_DIAL), 0);
	dialer_set_inbound_sl(d, 0.7, t + 1000);
	dialer_advance(d, t + 1000);
	assert_int_equal(count(0, DIALER_EV_DIAL), 0);
	struct dialer_blend_rule rule = {.min_sl = 0.8, .reserve = 1};
	dialer_set_blend_rule(d, &rule);
	dialer_set_inbound_sl(d, 0.85, t + 2000);
	dialer_advance(d, t + 2000);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1); /* one kept free for inbound */
	rule.reserve = 0;
	dialer_set_blend_rule(d, &rule);
	dialer_advance(d, t + 3000);
	assert_int_equal(count(0, DIALER_EV_DIAL), 2);
	struct dialer_report rep;
	assert_int_equal(dialer_campaign_report(d, CAMP, t + 3000, &rep), 0);
	assert_int_equal(rep.ringing, 2);
	assert_int_equal(rep.agents_free, 2);
	dialer_free(d);

	/* the campaign's own rule wins over the dialer's, and changes while it runs */
	d = make(&cp, z, NULL, 4);
	for (uint32_t a = 1; a <= 2; a++) {
		assert_int_equal(dialer_agent_add(d, a, CAMP, true, t), 0);
		assert_int_equal(dialer_agent_ready(d, a, t), 0);
	}
	struct dialer_blend_rule own = {.min_sl = 0.95, .reserve = 0};
	assert_int_equal(dialer_campaign_set_blend(d, CAMP, &own), 0);
	assert_int_equal(dialer_campaign_set_blend(d, CAMP + 1, &own), ENOENT);
	struct dialer_blend_rule bad = {.min_sl = 1.5};
	assert_int_equal(dialer_campaign_set_blend(d, CAMP, &bad), EINVAL);
	dialer_set_inbound_sl(d, 0.9, t + 1000); /* safe by the dialer's 0.8, not by 0.95 */
	dialer_advance(d, t + 1000);
	assert_int_equal(count(0, DIALER_EV_DIAL), 0);
	own.min_sl = 0.5;
	own.reserve = 1;
	assert_int_equal(dialer_campaign_set_blend(d, CAMP, &own), 0);
	dialer_advance(d, t + 2000);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	assert_int_equal(dialer_campaign_set_blend(d, CAMP, NULL), 0); /* the dialer's: reserve 0 */
	dialer_advance(d, t + 3000);
	assert_int_equal(count(0, DIALER_EV_DIAL), 2);
	dialer_free(d);
}

/* A custom profile: its own hours, ring time, lock-out and limit; DNC imported into the global
 * list. */
static void test_custom_profile(void **state)
{
	(void)state;
	struct dialer_campaign_params cp;
	params(&cp);
	struct dialer_profile *p = &cp.profile;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "custom");
	p->abandon_limit = 0.05;
	p->abandon_window_ms = 7 * DAY_MS;
	p->safe_harbour_ms = 1000;
	p->min_ring_ms = 25000;
	p->window_start_min = 10 * 60;
	p->window_end_min = 12 * 60;
	p->abandon_lockout_ms = 24 * HOUR_MS;
	assert_int_equal(dialer_profile_check(p), 0);
	struct dialer *d;
	struct dialer_params dp = {.localtime = local_time};
	assert_int_equal(dialer_alloc(&d, &dp, NULL, NULL), 0);
	assert_int_equal(dialer_campaign_add(d, CAMP, &cp), EINVAL); /* ring 20 s < 25 s */
	dialer_free(d);
	cp.ring_ms = 25000;
	static const char *const z[] = {"Sim/Zero", "Sim/Zero"};
	d = make(&cp, z, NULL, 2);
	struct dialer_import_report rep;
	static const char *const dnc = "+442079460002\n";
	assert_int_equal(dialer_dnc_import(dialer_dnc_global(d), dnc, strlen(dnc), NULL, &rep), 0);
	assert_int_equal(rep.imported, 1);
	dialer_import_report_release(&rep);
	assert_int_equal(dialer_agent_add(d, 1, CAMP, false, 0), 0);
	assert_int_equal(dialer_agent_ready(d, 1, 0), 0);
	dialer_advance(d, 9 * HOUR_MS + 59 * MIN_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 0);
	dialer_advance(d, 10 * HOUR_MS);
	assert_int_equal(count(0, DIALER_EV_DIAL), 1);
	struct dialer_why w;
	assert_int_equal(dialer_campaign_why(d, CAMP, 10 * HOUR_MS, &w), 0);
	assert_int_equal(w.dnc, 1); /* lead 2 is on the imported DNC list */
	const struct rec *dial = find(0, DIALER_EV_DIAL, 0);
	assert_int_equal(dialer_agent_away(d, 1, 10 * HOUR_MS + 1000), 0);
	assert_int_equal(dialer_call_answered(d, dial->call, 10 * HOUR_MS + 24000), 0);
	dialer_advance(d, 10 * HOUR_MS + 30000);
	const struct rec *sh = find(0, DIALER_EV_SAFE_HARBOUR, 0);
	assert_int_equal(sh->t, 10 * HOUR_MS + 25000); /* one second */
	const struct rec *r = find(0, DIALER_EV_RESULT, 0);
	assert_int_equal(r->result, DIALER_R_ABANDONED);
	assert_int_equal(r->next_ms, 10 * HOUR_MS + 25000 + 24 * HOUR_MS);
	struct dialer_report rp;
	assert_int_equal(dialer_campaign_report(d, CAMP, 11 * HOUR_MS, &rp), 0);
	assert_true(rp.limit == 0.05);
	assert_int_equal(rp.win_abandoned, 1);
	dialer_free(d);
}

static void test_errors(void **state)
{
	(void)state;
	struct dialer *d;
	struct dialer_params dp = {0};
	assert_int_equal(dialer_alloc(&d, &dp, NULL, NULL), EINVAL);
	dp.localtime = local_time;
	assert_int_equal(dialer_alloc(&d, &dp, NULL, NULL), 0);
	struct dialer_campaign_params cp;
	params(&cp);
	assert_int_equal(dialer_campaign_add(d, 0, &cp), EINVAL);
	assert_int_equal(dialer_campaign_add(d, 1, &cp), 0);
	assert_int_equal(dialer_campaign_add(d, 1, &cp), EEXIST);
	cp.profile.abandon_limit = 2;
	assert_int_equal(dialer_campaign_add(d, 2, &cp), EINVAL);
	params(&cp);
	cp.days[3].start_min = 600;
	cp.days[3].end_min = 500;
	assert_int_equal(dialer_campaign_set(d, 1, &cp), EINVAL);
	params(&cp);
	snprintf(cp.caller_id, sizeof(cp.caller_id), "12345");
	assert_int_equal(dialer_campaign_add(d, 2, &cp), EINVAL);
	assert_int_equal(dialer_agent_add(d, 1, 9, false, 0), ENOENT);
	assert_int_equal(dialer_agent_add(d, 1, 1, false, 0), 0);
	assert_int_equal(dialer_agent_add(d, 1, 1, false, 0), EEXIST);
	assert_int_equal(dialer_disposition(d, 1, DIALER_R_COMPLETED, 0, 0), ENOENT);
	assert_int_equal(dialer_call_answered(d, 99, 0), ENOENT);
	assert_int_equal(dialer_call_ended(d, 99, 0), ENOENT);
	struct dialer_list l;
	dialer_list_init(&l);
	assert_int_equal(dialer_campaign_set_list(d, 1, &l), 0);
	assert_int_equal(dialer_campaign_set_list(d, 1, &l), EBUSY);
	struct dialer_why w;
	assert_int_equal(dialer_campaign_why(d, 5, 0, &w), ENOENT);
	assert_int_equal(dialer_agent_remove(d, 1, 0), 0);
	assert_int_equal(dialer_agent_remove(d, 1, 0), ENOENT);
	assert_string_equal(dialer_result_name(DIALER_R_NO_ANSWER), "no-answer");
	assert_string_equal(dialer_ev_name(DIALER_EV_SAFE_HARBOUR), "safe-harbour");
	dialer_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_windows_and_zone_sets),
	    TEST(test_dnc_at_dial),
	    TEST(test_retry_rules_and_ring_time),
	    TEST(test_abandon_and_uk_lockout),
	    TEST(test_call_lost),
	    TEST(test_call_agent),
	    TEST(test_call_agent_swap),
	    TEST(test_result_for_code),
	    TEST(test_call_agent_requeue),
	    TEST(test_call_agent_previewing),
	    TEST(test_preview_and_callback),
	    TEST(test_preview_current_and_late),
	    TEST(test_personal_callback),
	    TEST(test_blended),
	    TEST(test_custom_profile),
	    TEST(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
