/* bench_dialer: pacing decisions per second of core/dialer for 1,000 agents across 50 predictive
 * campaigns, against a straightforward dialer that rescans every lead per call placed. */
/*
 * The workload: 50 campaigns of 20 agents, 5,000 leads each (NANP numbers
 * over area codes in eight time zones, zones derived from the numbers),
 * predictive mode, US profile. Customers answer 30% of calls after 4-12 s,
 * 10% are busy, the rest ring out at 20 s; talk time is 60-240 s. The
 * driver plays 20 virtual minutes from noon Eastern time: call progress is
 * handed over as it happens and the pacing loop runs every 100 ms, a
 * decision per campaign each time (the daemon's loop). Only the time spent
 * in the pacing loop is measured.
 *
 * The reference, measured in the same run on the same workload and the same
 * pacing arithmetic (pacer.h), is what a first implementation does: keep the
 * leads in an array and, for every call to place, scan them all for the best
 * dialable one (state, retry time, DNC lists, calling window through the
 * time-zone callback of each lead's zones).
 *
 * Output: JSON lines {"name","value","unit","reference","ratio"}.
 */
#include "base/clock.h"
#include "base/mem.h"
#include "base/rng.h"
#include "core/dialer/dialer.h"
#include "core/sim/fel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAMPS  50
#define AGENTS 20 /* per campaign */
#ifndef LEADS
#define LEADS 5000 /* per campaign (-DLEADS=... to try other sizes) */
#endif
#define TICK_MS	 100
#define RUN_MS	 (20 * 60000LL)
#define MIN_MS	 60000LL
#define HOUR_MS	 (60 * MIN_MS)
#define DAY_MS	 (24 * HOUR_MS)
#define START_MS (19716 * DAY_MS + 17 * HOUR_MS) /* a Wednesday (2023-12-27), 17:00 UTC */
#define RING_MS	 20000
#define RUNS	 3 /* each engine, interleaved; the median is reported */

/* Fixed offsets (no daylight saving: December) of the zones the area codes below derive. */
static const struct {
	const char *zone;
	int off_min;
} ZONES[] = {
    {"America/New_York", -300}, {"America/Chicago", -360},     {"America/Denver", -420},
    {"America/Phoenix", -420},	{"America/Los_Angeles", -480}, {"America/Anchorage", -540},
    {"America/Adak", -600},	{"Pacific/Honolulu", -600},
};
static const int AREA[] = {212, 312, 303, 602, 415, 907, 808, 850, 404, 713, 206, 617};

static int local_time(const char *zone, int64_t utc_ms, struct dialer_local *out, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(ZONES) / sizeof(ZONES[0]); i++) {
		if (strcmp(zone, ZONES[i].zone) != 0)
			continue;
		int64_t t = utc_ms + ZONES[i].off_min * MIN_MS;
		int64_t day = t / DAY_MS;
		out->wday = (int)((day + 4) % 7);
		out->minute = (int)((t - day * DAY_MS) / MIN_MS);
		return 0;
	}
	return ENOENT;
}

/* --- the engines behind one driver --- */

struct driver;

struct engine {
	const char *name;
	void (*advance)(struct driver *dr, int64_t now);
	void (*answered)(struct driver *dr, uint64_t call, int64_t now);
	void (*failed)(struct driver *dr, uint64_t call, enum dialer_result r, int64_t now);
	void (*ended)(struct driver *dr, uint64_t call, uint32_t agent, int64_t now);
	bool schedules_ring_out; /* false: the engine hangs up by itself */
};

enum { EV_ANSWER = 1, EV_FAIL, EV_END };

struct driver {
	const struct engine *e;
	struct sim_fel fel;
	uint64_t seq;
	struct rng rng;
	uint64_t decisions, dials, connects, abandons;
	int64_t loop_ns;
	void *impl;
};

static void push(struct driver *dr, int64_t t, uint32_t kind, uint64_t a, uint32_t b)
{
	struct sim_fel_ev ev = {.t = t, .key = ++dr->seq, .a = a, .b = b, .kind = kind};
	if (sim_fel_push(&dr->fel, &ev) != 0) {
		fprintf(stderr, "bench_dialer: out of memory\n");
		exit(1);
	}
}

/* A call was placed: the customer's behaviour is drawn now. */
static void on_dial(struct driver *dr, uint64_t call, int64_t now)
{
	dr->dials++;
	double u = rng_uniform(&dr->rng);
	if (u < 0.30)
		push(dr, now + 4000 + (int64_t)rng_below(&dr->rng, 8000), EV_ANSWER, call, 0);
	else if (u < 0.40)
		push(dr, now + 3000, EV_FAIL, call, DIALER_R_BUSY);
	else if (dr->e->schedules_ring_out)
		push(dr, now + RING_MS, EV_FAIL, call, DIALER_R_NO_ANSWER);
}

static void on_connect(struct driver *dr, uint64_t call, uint32_t agent, int64_t now)
{
	dr->connects++;
	push(dr, now + 60000 + (int64_t)rng_below(&dr->rng, 180000), EV_END, call, agent);
}

static void drive(struct driver *dr)
{
	int64_t end = START_MS + RUN_MS;
	for (int64_t tick = START_MS; tick < end; tick += TICK_MS) {
		struct sim_fel_ev ev;
		while (sim_fel_top(&dr->fel) <= tick && sim_fel_pop(&dr->fel, &ev)) {
			if (ev.kind == EV_ANSWER)
				dr->e->answered(dr, ev.a, ev.t);
			else if (ev.kind == EV_FAIL)
				dr->e->failed(dr, ev.a, (enum dialer_result)ev.b, ev.t);
			else
				dr->e->ended(dr, ev.a, ev.b, ev.t);
		}
		int64_t t0 = clock_mono_ns();
		dr->e->advance(dr, tick);
		dr->loop_ns += clock_mono_ns() - t0;
		dr->decisions += CAMPS;
	}
}

static void make_lead_number(char *buf, size_t len, uint32_t camp, uint32_t i)
{
	snprintf(buf, len, "+1%03d%03u%04u", AREA[i % (sizeof(AREA) / sizeof(AREA[0]))],
		 200 + (camp * 13 + i / 10000) % 700, i % 10000);
}

/* --- ours: core/dialer --- */

static void ours_sink(const struct dialer_event *ev, void *arg)
{
	struct driver *dr = arg;
	if (ev->type == DIALER_EV_DIAL)
		on_dial(dr, ev->call, ev->t);
	else if (ev->type == DIALER_EV_CONNECT)
		on_connect(dr, ev->call, ev->agent, ev->t);
	else if (ev->type == DIALER_EV_SAFE_HARBOUR)
		dr->abandons++;
}

static void ours_advance(struct driver *dr, int64_t now)
{
	dialer_advance(dr->impl, now);
}

static void ours_answered(struct driver *dr, uint64_t call, int64_t now)
{
	(void)dialer_call_answered(dr->impl, call, now);
}

static void ours_failed(struct driver *dr, uint64_t call, enum dialer_result r, int64_t now)
{
	(void)dialer_call_failed(dr->impl, call, r, now);
}

static void ours_ended(struct driver *dr, uint64_t call, uint32_t agent, int64_t now)
{
	(void)dialer_call_ended(dr->impl, call, now);
	(void)dialer_disposition(dr->impl, agent, DIALER_R_COMPLETED, 0, now);
	(void)dialer_agent_ready(dr->impl, agent, now);
}

static const struct engine OURS = {"core/dialer", ours_advance, ours_answered,
				   ours_failed,	  ours_ended,	false};

static int ours_setup(struct driver *dr)
{
	struct dialer *d;
	struct dialer_params dp = {.localtime = local_time};
	if (dialer_alloc(&d, &dp, ours_sink, dr) != 0)
		return ENOMEM;
	dr->impl = d;
	struct dialer_campaign_params cp;
	dialer_campaign_params_default(&cp);
	cp.mode = DIALER_PREDICTIVE;
	for (uint32_t c = 1; c <= CAMPS; c++) {
		if (dialer_campaign_add(d, c, &cp) != 0)
			return EINVAL;
		struct dialer_list l;
		dialer_list_init(&l);
		for (uint32_t i = 0; i < LEADS; i++) {
			char num[24];
			make_lead_number(num, sizeof(num), c, i);
			if (dialer_list_add(&l, num, NULL, NULL, (int32_t)(i % 3), NULL) != 0)
				return EINVAL;
		}
		if (dialer_campaign_set_list(d, c, &l) != 0)
			return ENOMEM;
		dialer_list_release(&l);
		for (uint32_t a = 0; a < AGENTS; a++) {
			uint32_t id = c * 1000 + a;
			if (dialer_agent_add(d, id, c, false, START_MS) != 0 ||
			    dialer_agent_ready(d, id, START_MS) != 0)
				return EINVAL;
		}
	}
	/* some numbers on the DNC lists */
	const struct dialer_list *l1 = dialer_campaign_list(d, 1);
	for (uint32_t i = 0; i < LEADS; i += 97)
		(void)dialer_dnc_add(dialer_dnc_global(d), l1->leads[i]->e164, NULL);
	return 0;
}

/* --- reference: leads in an array, a full scan per call placed --- */

struct rlead {
	char e164[PHONE_E164_MAX];
	const char *zone; /* a canonical set */
	int32_t priority;
	enum dialer_lead_state state;
	uint32_t attempts;
	int64_t next_ms;
};

struct rcamp {
	struct dialer_campaign_params p;
	struct rlead *leads;
	char zones[LEADS][DIALER_ZONE_MAX];
	uint32_t n;
	struct pacer_stats st;
	struct dialer_dnc dnc;
	uint32_t free;
	int64_t busy_since[AGENTS]; /* INT64_MIN: free */
	uint32_t ringing;
};

struct rcall {
	uint32_t camp;
	uint32_t lead;
	int64_t t_dial;
};

struct ref {
	struct rcamp *c;
	struct dialer_dnc dnc;
	struct rcall *calls;
	uint64_t n_calls, cap_calls;
	struct pacer_scratch scratch;
};

static bool ref_open(struct rcamp *c, const char *set, int64_t now)
{
	char names[DIALER_ZONES_PER_SET][DIALER_ZONE_NAME_MAX];
	unsigned n = dialer_zone_split(set, names);
	if (!n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		struct dialer_local lt;
		if (local_time(names[i], now, &lt, NULL) != 0)
			return false;
		const struct dialer_day *day = &c->p.days[lt.wday];
		if (lt.minute < c->p.profile.window_start_min ||
		    lt.minute >= c->p.profile.window_end_min || lt.minute < day->start_min ||
		    lt.minute >= day->end_min)
			return false;
	}
	return true;
}

static struct rlead *ref_pick(struct ref *r, struct rcamp *c, int64_t now)
{
	struct rlead *best = NULL;
	for (uint32_t i = 0; i < c->n; i++) {
		struct rlead *ld = &c->leads[i];
		if (ld->state != DIALER_LEAD_READY || ld->next_ms > now)
			continue;
		if (best && (ld->priority < best->priority ||
			     (ld->priority == best->priority && ld->attempts >= best->attempts)))
			continue;
		if (dialer_dnc_has(&r->dnc, ld->e164) || dialer_dnc_has(&c->dnc, ld->e164))
			continue;
		if (!ref_open(c, ld->zone, now))
			continue;
		best = ld;
	}
	return best;
}

static void ref_advance(struct driver *dr, int64_t now)
{
	struct ref *r = dr->impl;
	for (uint32_t ci = 0; ci < CAMPS; ci++) {
		struct rcamp *c = &r->c[ci];
		int64_t el[AGENTS];
		uint32_t nb = 0;
		for (uint32_t a = 0; a < AGENTS; a++)
			if (c->busy_since[a] != INT64_MIN)
				el[nb++] = now - c->busy_since[a];
		struct pacer_input in = {.free_agents = c->free,
					 .busy_agents = nb,
					 .busy_elapsed_ms = el,
					 .waiting = 0,
					 .ringing = c->ringing};
		struct pacer_params pp = c->p.pacing;
		struct pacer_output out;
		pacer_decide(&pp, &c->st, true, &in, now, &r->scratch, &out);
		for (uint32_t k = 0; k < out.dial; k++) {
			struct rlead *ld = ref_pick(r, c, now);
			if (!ld)
				break;
			ld->state = DIALER_LEAD_IN_CALL;
			ld->attempts++;
			if (r->n_calls + 1 >= r->cap_calls) {
				r->cap_calls *= 2;
				r->calls = sb_realloc(r->calls, r->cap_calls * sizeof(*r->calls));
				if (!r->calls)
					exit(1);
			}
			uint64_t id = ++r->n_calls;
			r->calls[id] = (struct rcall){ci, (uint32_t)(ld - c->leads), now};
			c->ringing++;
			on_dial(dr, id, now);
		}
	}
}

static void ref_retry(struct rcamp *c, struct rlead *ld, enum dialer_result res, int64_t now)
{
	const struct dialer_retry *rule = &c->p.retry[res];
	if (rule->final || (rule->max_attempts && ld->attempts >= rule->max_attempts)) {
		ld->state = DIALER_LEAD_DONE;
	} else {
		ld->state = DIALER_LEAD_READY;
		ld->next_ms = now + rule->delay_ms;
	}
}

static void ref_answered(struct driver *dr, uint64_t call, int64_t now)
{
	struct ref *r = dr->impl;
	struct rcall *cl = &r->calls[call];
	struct rcamp *c = &r->c[cl->camp];
	struct rlead *ld = &c->leads[cl->lead];
	c->ringing--;
	pacer_note_attempt(&c->st, true, now - cl->t_dial);
	if (c->free == 0) {
		dr->abandons++;
		pacer_note_live(&c->st, now, true);
		ref_retry(c, ld, DIALER_R_ABANDONED, now);
		return;
	}
	pacer_note_live(&c->st, now, false);
	for (uint32_t a = 0; a < AGENTS; a++)
		if (c->busy_since[a] == INT64_MIN) {
			c->busy_since[a] = now;
			c->free--;
			on_connect(dr, call, a, now);
			return;
		}
}

static void ref_failed(struct driver *dr, uint64_t call, enum dialer_result res, int64_t now)
{
	struct ref *r = dr->impl;
	struct rcall *cl = &r->calls[call];
	struct rcamp *c = &r->c[cl->camp];
	c->ringing--;
	pacer_note_attempt(&c->st, false, 0);
	ref_retry(c, &c->leads[cl->lead], res, now);
}

static void ref_ended(struct driver *dr, uint64_t call, uint32_t agent, int64_t now)
{
	struct ref *r = dr->impl;
	struct rcall *cl = &r->calls[call];
	struct rcamp *c = &r->c[cl->camp];
	pacer_note_handle(&c->st, now - c->busy_since[agent]);
	c->busy_since[agent] = INT64_MIN;
	c->free++;
	ref_retry(c, &c->leads[cl->lead], DIALER_R_COMPLETED, now);
}

static const struct engine REF = {"rescan", ref_advance, ref_answered, ref_failed, ref_ended, true};

static int ref_setup(struct driver *dr)
{
	struct ref *r = sb_zalloc(sizeof(*r));
	if (!r)
		return ENOMEM;
	dr->impl = r;
	r->c = sb_calloc(CAMPS, sizeof(*r->c));
	r->cap_calls = 1024;
	r->calls = sb_alloc(r->cap_calls * sizeof(*r->calls));
	if (!r->c || !r->calls)
		return ENOMEM;
	dialer_dnc_init(&r->dnc);
	for (uint32_t ci = 0; ci < CAMPS; ci++) {
		struct rcamp *c = &r->c[ci];
		dialer_campaign_params_default(&c->p);
		c->p.pacing.limit = c->p.profile.abandon_limit;
		c->p.pacing.safe_harbour_ms = c->p.profile.safe_harbour_ms;
		pacer_stats_init(&c->st, c->p.profile.abandon_window_ms);
		dialer_dnc_init(&c->dnc);
		c->leads = sb_calloc(LEADS, sizeof(*c->leads));
		if (!c->leads)
			return ENOMEM;
		c->n = LEADS;
		for (uint32_t i = 0; i < LEADS; i++) {
			struct rlead *ld = &c->leads[i];
			make_lead_number(ld->e164, sizeof(ld->e164), ci + 1, i);
			if (dialer_zone_for_number(ld->e164, c->zones[i], sizeof(c->zones[i])) != 0)
				return EINVAL;
			ld->zone = c->zones[i];
			ld->priority = (int32_t)(i % 3);
			ld->state = DIALER_LEAD_READY;
			ld->next_ms = INT64_MIN;
		}
		c->free = AGENTS;
		for (uint32_t a = 0; a < AGENTS; a++)
			c->busy_since[a] = INT64_MIN;
	}
	for (uint32_t i = 0; i < LEADS; i += 97)
		(void)dialer_dnc_add(&r->dnc, r->c[0].leads[i].e164, NULL);
	return 0;
}

static void ref_teardown(struct ref *r)
{
	for (uint32_t ci = 0; ci < CAMPS; ci++) {
		sb_free(r->c[ci].leads);
		dialer_dnc_release(&r->c[ci].dnc);
	}
	sb_free(r->c);
	sb_free(r->calls);
	dialer_dnc_release(&r->dnc);
	sb_free(r);
}

static void run(struct driver *dr, const struct engine *e, uint64_t seed)
{
	memset(dr, 0, sizeof(*dr));
	dr->e = e;
	sim_fel_init(&dr->fel);
	rng_seed(&dr->rng, seed);
	int rc = e == &OURS ? ours_setup(dr) : ref_setup(dr);
	if (rc) {
		fprintf(stderr, "bench_dialer: setup of %s failed (%d)\n", e->name, rc);
		exit(1);
	}
	drive(dr);
	if (e == &OURS)
		dialer_free(dr->impl);
	else
		ref_teardown(dr->impl);
	sim_fel_release(&dr->fel);
	double per_s = dr->decisions / (dr->loop_ns / 1e9);
	fprintf(stderr,
		"%-12s %8llu decisions in %7.1f ms: %10.0f decisions/s (%6.0f ns each); "
		"%llu calls placed, %llu connected, %llu abandoned\n",
		e->name, (unsigned long long)dr->decisions, dr->loop_ns / 1e6, per_s,
		dr->loop_ns / (double)dr->decisions, (unsigned long long)dr->dials,
		(unsigned long long)dr->connects, (unsigned long long)dr->abandons);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	static struct driver ours, ref;
	double v_runs[RUNS], rv_runs[RUNS];
	fprintf(stderr,
		"bench_dialer: %d campaigns x %d agents, %d leads each, predictive, %lld virtual "
		"minutes, pacing loop every %d ms; median of %d runs each, interleaved\n",
		CAMPS, AGENTS, LEADS, (long long)(RUN_MS / MIN_MS), TICK_MS, RUNS);
	for (int i = 0; i < RUNS; i++) {
		run(&ours, &OURS, 1);
		run(&ref, &REF, 1);
		v_runs[i] = ours.decisions / (ours.loop_ns / 1e9);
		rv_runs[i] = ref.decisions / (ref.loop_ns / 1e9);
	}
	qsort(v_runs, RUNS, sizeof(double), cmp_d);
	qsort(rv_runs, RUNS, sizeof(double), cmp_d);
	double v = v_runs[RUNS / 2], rv = rv_runs[RUNS / 2];
	printf(
	    "{\"name\": \"dialer pacing decisions (1000 agents, 50 campaigns)\", \"value\": %.6g, "
	    "\"unit\": \"decisions/s\", \"reference\": %.6g, \"ratio\": %.4g}\n",
	    v, rv, v / rv);
	return 0;
}
