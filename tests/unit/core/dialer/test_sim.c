/* Tests for core/dialer in simulation: predictive pacing over many simulated days keeps the
 * abandonment under the profile's limit with less agent idle time than progressive dialling. */
#include "testutil.h"

#include "core/dialer/dialer.h"
#include "core/sim/fel.h"
#include "core/sim/traffic.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MIN_MS	 60000LL
#define HOUR_MS	 (60 * MIN_MS)
#define DAY_MS	 (24 * HOUR_MS)
#define OPEN_MIN (9 * 60)
#define SHUT_MIN (17 * 60)
#define AGENTS	 20
#define LEADS	 120000
#define CAMP	 1

/* Customers: per attempt, answered with P_ANSWER after a lognormal ring; else busy, failed or rings
 * out. */
#define P_ANSWER 0.32
#define P_BUSY	 0.08
#define P_FAILED 0.05

enum ev_kind { EV_ANSWER = 1, EV_FAIL, EV_END, EV_READY, EV_LOGIN, EV_LOGOUT };

struct sim {
	struct dialer *d;
	struct sim_fel fel;
	uint64_t seq;
	struct rng rng;
	struct sim_dist ring, talk;
	int64_t wrap_ms;
	/* agents */
	int64_t free_since[AGENTS + 1];
	bool is_free[AGENTS + 1], on_shift[AGENTS + 1], busy[AGENTS + 1];
	int64_t busy_since[AGENTS + 1];
	double idle_ms, busy_ms;
	/* compliance checks from the audit trail */
	uint64_t dials, connects, safe_harbours, hangups, out_of_window, short_rings,
	    lockout_breaks;
	int64_t *dial_t; /* by call id */
	uint64_t cap_dial;
	int64_t *abandoned_t; /* by lead id */
	int64_t lockout_ms;
	double max_day_rate;
};

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

static void push(struct sim *s, int64_t t, enum ev_kind k, uint64_t a, uint32_t b)
{
	struct sim_fel_ev ev = {.t = t, .key = ++s->seq, .a = a, .b = b, .kind = k};
	assert_int_equal(sim_fel_push(&s->fel, &ev), 0);
}

static void sink(const struct dialer_event *ev, void *arg)
{
	struct sim *s = arg;
	switch (ev->type) {
	case DIALER_EV_DIAL: {
		s->dials++;
		struct dialer_local lt;
		assert_int_equal(
		    local_time(ev->lead % 3 ? "Sim/Zero" : "Sim/MinusTwo", ev->t, &lt, NULL), 0);
		if (lt.minute < OPEN_MIN || lt.minute >= SHUT_MIN)
			s->out_of_window++;
		if (s->abandoned_t[ev->lead] != INT64_MIN &&
		    ev->t < s->abandoned_t[ev->lead] + s->lockout_ms)
			s->lockout_breaks++;
		if (ev->call >= s->cap_dial) {
			uint64_t cap = s->cap_dial * 2;
			int64_t *v = sb_realloc(s->dial_t, cap * sizeof(*v));
			assert_non_null(v);
			s->dial_t = v;
			s->cap_dial = cap;
		}
		s->dial_t[ev->call] = ev->t;
		double u = rng_uniform(&s->rng);
		if (u < P_ANSWER) {
			double r = sim_dist_sample(&s->ring, &s->rng);
			int64_t at = ev->t + sim_round_ms(r);
			if (at < ev->t + ev->ring_ms) /* else it rings out: the dialer hangs up */
				push(s, at, EV_ANSWER, ev->call, 0);
		} else if (u < P_ANSWER + P_BUSY) {
			push(s, ev->t + 3000, EV_FAIL, ev->call, DIALER_R_BUSY);
		} else if (u < P_ANSWER + P_BUSY + P_FAILED) {
			push(s, ev->t + 1500, EV_FAIL, ev->call, DIALER_R_FAILED);
		}
		break;
	}
	case DIALER_EV_HANGUP:
		s->hangups++;
		if (ev->t - s->dial_t[ev->call] < 15000)
			s->short_rings++;
		break;
	case DIALER_EV_CONNECT: {
		s->connects++;
		uint32_t a = ev->agent;
		assert_true(s->is_free[a]);
		s->is_free[a] = false;
		s->idle_ms += (double)(ev->t - s->free_since[a]);
		s->busy[a] = true;
		s->busy_since[a] = ev->t;
		int64_t talk = sim_round_ms(sim_dist_sample(&s->talk, &s->rng));
		push(s, ev->t + talk, EV_END, ev->call, a);
		break;
	}
	case DIALER_EV_SAFE_HARBOUR:
		s->safe_harbours++;
		s->abandoned_t[ev->lead] = ev->t;
		break;
	default:
		break;
	}
}

static void agent_free(struct sim *s, uint32_t a, int64_t t)
{
	s->is_free[a] = true; /* first: the dialer may connect a waiting call at once */
	s->free_since[a] = t;
	assert_int_equal(dialer_agent_ready(s->d, a, t), 0);
}

static void agent_off(struct sim *s, uint32_t a, int64_t t)
{
	if (s->is_free[a]) {
		s->idle_ms += (double)(t - s->free_since[a]);
		s->is_free[a] = false;
	}
	assert_int_equal(dialer_agent_away(s->d, a, t), 0);
}

static void handle(struct sim *s, const struct sim_fel_ev *ev)
{
	uint32_t a = ev->b;
	switch (ev->kind) {
	case EV_ANSWER:
		assert_int_equal(dialer_call_answered(s->d, ev->a, ev->t), 0);
		break;
	case EV_FAIL:
		assert_int_equal(dialer_call_failed(s->d, ev->a, (enum dialer_result)ev->b, ev->t),
				 0);
		break;
	case EV_END:
		assert_int_equal(dialer_call_ended(s->d, ev->a, ev->t), 0);
		assert_int_equal(
		    dialer_disposition(s->d, a,
				       ev->a % 4 ? DIALER_R_COMPLETED : DIALER_R_NOT_INTERESTED, 0,
				       ev->t),
		    0);
		push(s, ev->t + s->wrap_ms, EV_READY, 0, a);
		break;
	case EV_READY:
		s->busy[a] = false;
		s->busy_ms += (double)(ev->t - s->busy_since[a]);
		if (s->on_shift[a])
			agent_free(s, a, ev->t);
		else
			agent_off(s, a, ev->t);
		break;
	case EV_LOGIN:
		s->on_shift[a] = true;
		if (!s->busy[a])
			agent_free(s, a, ev->t);
		break;
	case EV_LOGOUT:
		s->on_shift[a] = false;
		if (!s->busy[a])
			agent_off(s, a, ev->t);
		break;
	}
}

struct outcome {
	double idle, abandon, max_day_rate;
	uint64_t dials, connects, abandoned;
};

static void run(enum dialer_mode mode, bool uk, uint32_t days, uint64_t seed, struct outcome *o)
{
	struct sim *s = sb_zalloc(sizeof(*s));
	assert_non_null(s);
	sim_fel_init(&s->fel);
	rng_seed(&s->rng, seed);
	assert_int_equal(sim_dist_lognormal(&s->ring, 9000, 5000), 0);
	assert_int_equal(sim_dist_lognormal(&s->talk, 110000, 80000), 0);
	s->wrap_ms = 10000;
	s->cap_dial = 1024;
	s->dial_t = sb_alloc(s->cap_dial * sizeof(int64_t));
	s->abandoned_t = sb_alloc((LEADS + 1) * sizeof(int64_t));
	assert_non_null(s->dial_t);
	assert_non_null(s->abandoned_t);
	for (uint32_t i = 0; i <= LEADS; i++)
		s->abandoned_t[i] = INT64_MIN;

	struct dialer_params dp = {.localtime = local_time};
	assert_int_equal(dialer_alloc(&s->d, &dp, sink, s), 0);
	struct dialer_campaign_params cp;
	dialer_campaign_params_default(&cp);
	cp.mode = mode;
	if (uk)
		dialer_profile_uk(&cp.profile);
	s->lockout_ms = cp.profile.abandon_lockout_ms ? cp.profile.abandon_lockout_ms : 0;
	for (int i = 0; i < 7; i++)
		cp.days[i] = (struct dialer_day){OPEN_MIN, SHUT_MIN};
	assert_int_equal(dialer_campaign_add(s->d, CAMP, &cp), 0);
	struct dialer_list l;
	dialer_list_init(&l);
	for (uint32_t i = 1; i <= LEADS; i++) {
		char num[32];
		snprintf(num, sizeof(num), "+4420%08u", i);
		uint32_t id;
		assert_int_equal(
		    dialer_list_add(&l, num, NULL, i % 3 ? "Sim/Zero" : "Sim/MinusTwo", 0, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(dialer_campaign_set_list(s->d, CAMP, &l), 0);
	dialer_list_release(&l);
	for (uint32_t a = 1; a <= AGENTS; a++)
		assert_int_equal(dialer_agent_add(s->d, a, CAMP, false, 0), 0);
	for (uint32_t day = 0; day < days; day++)
		for (uint32_t a = 1; a <= AGENTS; a++) {
			push(s, day * DAY_MS + OPEN_MIN * MIN_MS, EV_LOGIN, 0, a);
			push(s, day * DAY_MS + SHUT_MIN * MIN_MS + 2 * HOUR_MS, EV_LOGOUT, 0, a);
		}
	int64_t end = (int64_t)days * DAY_MS;
	uint32_t day_checked = 0, stuck = 0;
	int64_t last_t = INT64_MIN;
	for (;;) {
		int64_t tf = sim_fel_top(&s->fel), td = dialer_next_deadline(s->d);
		int64_t t = tf < td ? tf : td;
		if (t >= end)
			break;
		stuck = t == last_t ? stuck + 1 : 0; /* the clock must move on */
		assert_true(stuck < 100000);
		last_t = t;
		/* end of a day: the rolling rate as the profile measures it */
		while ((int64_t)(day_checked + 1) * DAY_MS <= t) {
			struct dialer_report r;
			int64_t at = (int64_t)(day_checked + 1) * DAY_MS;
			assert_int_equal(dialer_campaign_report(s->d, CAMP, at, &r), 0);
			if (r.win_rate > s->max_day_rate)
				s->max_day_rate = r.win_rate;
			day_checked++;
		}
		if (tf <= td) {
			struct sim_fel_ev ev;
			assert_true(sim_fel_pop(&s->fel, &ev));
			handle(s, &ev);
		}
		dialer_advance(s->d, t);
	}
	struct dialer_report r;
	assert_int_equal(dialer_campaign_report(s->d, CAMP, end, &r), 0);
	/* the report matches the calls made (the audit trail) */
	assert_int_equal(r.attempts, s->dials);
	assert_int_equal(r.abandoned, s->safe_harbours);
	assert_int_equal(r.connected, s->connects);
	assert_int_equal(r.answered, r.connected + r.abandoned + r.waiting);
	assert_int_equal(s->out_of_window, 0);
	assert_int_equal(s->short_rings, 0);
	assert_int_equal(s->lockout_breaks, 0);
	assert_true(s->hangups > 0);
	o->dials = s->dials;
	o->connects = s->connects;
	o->abandoned = s->safe_harbours;
	o->abandon = r.answered ? (double)r.abandoned / (double)r.answered : 0;
	o->idle = s->idle_ms / (s->idle_ms + s->busy_ms);
	o->max_day_rate = s->max_day_rate;
	dialer_free(s->d);
	sim_fel_release(&s->fel);
	sim_dist_release(&s->ring);
	sim_dist_release(&s->talk);
	sb_free(s->dial_t);
	sb_free(s->abandoned_t);
	sb_free(s);
}

static void report(const char *name, const struct outcome *o)
{
	printf("# %-24s dials %7llu connects %6llu abandoned %5llu  abandon %.2f%%  "
	       "max rolling %.2f%%  agent idle %.1f%%\n",
	       name, (unsigned long long)o->dials, (unsigned long long)o->connects,
	       (unsigned long long)o->abandoned, 100 * o->abandon, 100 * o->max_day_rate,
	       100 * o->idle);
}

/* US profile, 30 days rolling: predictive stays under 3% with less idle time than progressive. */
static void test_us_predictive_vs_progressive(void **state)
{
	(void)state;
	enum { DAYS = 12 };
	struct outcome prog, pred;
	run(DIALER_PROGRESSIVE, false, DAYS, 11, &prog);
	run(DIALER_PREDICTIVE, false, DAYS, 11, &pred);
	report("US progressive", &prog);
	report("US predictive", &pred);
	/* progressive abandons only when an agent leaves while a call rings (end of shift) */
	assert_true(prog.abandon < 0.002);
	assert_true(pred.abandoned > prog.abandoned); /* it did dial ahead of the agents */
	assert_true(pred.abandon <= 0.03);
	assert_true(pred.max_day_rate <= 0.03);
	assert_true(pred.idle < prog.idle);
	assert_true(pred.connects > prog.connects);
}

/* UK profile: 3% in every rolling 24 hours, no call within 72 hours of an abandoned one. */
static void test_uk_predictive(void **state)
{
	(void)state;
	enum { DAYS = 8 };
	struct outcome prog, pred;
	run(DIALER_PROGRESSIVE, true, DAYS, 23, &prog);
	run(DIALER_PREDICTIVE, true, DAYS, 23, &pred);
	report("UK progressive", &prog);
	report("UK predictive", &pred);
	assert_true(pred.max_day_rate <= 0.03);
	assert_true(pred.idle < prog.idle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_us_predictive_vs_progressive),
	    TEST(test_uk_predictive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
