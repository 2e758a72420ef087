/* traffic: simulated callers and agents driving the center through its real call and agent API. */
#include "server/traffic.h"

#include "base/clock.h"
#include "base/heap.h"
#include "base/idmap.h"
#include "base/mem.h"
#include "base/rng.h"
#include "core/sim/traffic.h"
#include "http/evloop.h"
#include "server/center.h"
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * Everything the traffic does later sits in one min-heap of due actions
 * (a caller's patience running out, an agent answering, a wrap-up ending,
 * a break ...) behind a single loop timer, together with the generator's
 * next arrival. The center's call sink tells it what the router did (an
 * offer to a simulated agent, a call connected ...); the sink only
 * schedules, it never calls back into the center.
 */

enum what { DUE_CALL = 1, DUE_AGENT, DUE_BREAK };

enum act {
	ACT_NONE = 0,
	/* a caller */
	ACT_ABANDON, /* patience ran out */
	ACT_HOLD,    /* the agent puts the caller on hold */
	ACT_UNHOLD,
	ACT_HANGUP, /* end of the conversation */
	/* an agent */
	ACT_LOGIN,
	ACT_ANSWER,
	ACT_WRAPUP,
	ACT_READY,
	ACT_BREAK,
};

struct due {
	struct heap_node node;
	uint8_t what; /* enum what */
	uint8_t act;  /* enum act; ACT_NONE when not scheduled */
};

struct tcall {
	struct due due;
	uint64_t id;
	double talk_ms;	   /* drawn at arrival */
	int64_t talk_left; /* after the hold */
	bool agent_side;   /* the agent ends the call */
};

struct tagent {
	struct due due; /* login, answer, wrap-up, ready */
	struct due brk; /* the next break */
	uint32_t id;
	uint64_t call;	/* the call offered, to answer */
	uint32_t queue; /* the queue of the call being wrapped up */
};

struct tcust {
	int64_t id, client;
	char number[24];
	char lang[16];
	bool shared; /* another customer has this number: the caller is not known for sure */
};

struct tqueue {
	uint32_t id;
	int64_t client;
	char number[32];
	char lang[16];	/* a language only this queue's callers speak ("" when none) */
	uint32_t *cust; /* indexes of the customers who call this queue */
	unsigned n_cust;
};

struct tdisp {
	int64_t id, client; /* client 0: every client */
	bool resolved;
};

struct traffic {
	struct center *c;
	struct traffic_config cfg;
	struct sim_traffic *gen;
	struct evl_timer *tmr;
	struct heap heap;
	uint64_t seq; /* tie-breaker: actions due at the same ms run in the order scheduled */
	struct rng rng;
	struct idmap calls;  /* call id -> struct tcall (callers of ours) */
	struct idmap agents; /* agent id -> struct tagent (simulated agents) */
	struct tqueue *queues;
	unsigned n_queues;
	struct tcust *custs;
	unsigned n_custs;
	struct tdisp *disps;
	unsigned n_disps;
	uint64_t blocked;		/* arrivals turned away while storage lagged */
	struct sim_dist talk, patience; /* load mode: drawn here instead of by the generator */
	unsigned next_queue;		/* load mode: the queue the next caller rings */
	bool in_tick;
	int64_t armed_at; /* when the timer fires; INT64_MAX: not armed */
};

/*
 * Events numbered but not yet committed beyond which new callers are turned
 * away (as a trunk with every line busy would), so that traffic faster than
 * storage cannot grow the backlog without bound.
 */
#define TRAFFIC_MAX_LAG 16384

/* A day of a contact center, hour by hour (relative volume; the peak is 1). */
static const double day_profile[24] = {
    0.25, 0.25, 0.25, 0.25, 0.25, 0.3, 0.4, 0.6,  0.85, 1.0,  0.95, 0.9,
    0.75, 0.8,	0.9,  0.85, 0.75, 0.6, 0.5, 0.45, 0.4,	0.35, 0.3,  0.25,
};
/* Relative volume of the queues, in the order of their numbers. */
static const double queue_weight[] = {1.0, 0.8, 0.55, 0.35};
/* The simulated agents' break reasons: the center's codes (GET /api/v1/reason-codes). */
enum { REASON_BREAK = ACD_REASON_USER + 1, REASON_LUNCH, REASON_TRAINING };

void traffic_config_default(struct traffic_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->calls_per_min = 5;
	cfg->hour_ms = 60000;
	cfg->talk_ms = 75000;
	cfg->patience_ms = 120000;
	cfg->ring_ms = 4000;
	cfg->wrap_ms = 12000;
	cfg->break_every_ms = 600000;
	cfg->break_ms = 90000;
	cfg->hold_pct = 15;
	cfg->miss_pct = 2;
	cfg->humans = 2;
}

int traffic_config_check(const struct traffic_config *c, char *err, unsigned len)
{
	const char *bad = NULL;
	if (!(c->calls_per_min > 0 && c->calls_per_min <= 1e7))
		bad = "calls_per_min must be above 0 and at most 10000000";
	else if (c->hour_ms < 1000 || c->hour_ms > 86400000)
		bad = "hour_ms must be from 1000 to 86400000";
	else if (c->talk_ms < 0 || c->talk_ms > 86400000 || c->patience_ms < 0 ||
		 c->patience_ms > 86400000 || c->wrap_ms < 0 || c->wrap_ms > 86400000 ||
		 c->break_every_ms < 0 || c->break_every_ms > 86400000)
		bad = "talk_ms, patience_ms, wrap_ms and break_every_ms must be from 0 to 86400000";
	else if (c->ring_ms < 0 || c->ring_ms > 600000)
		bad = "ring_ms must be from 0 to 600000";
	else if (c->break_ms < 1000 || c->break_ms > 86400000)
		bad = "break_ms must be from 1000 to 86400000";
	else if (!(c->hold_pct >= 0 && c->hold_pct <= 100) ||
		 !(c->miss_pct >= 0 && c->miss_pct <= 100))
		bad = "hold_pct and miss_pct must be from 0 to 100";
	else if (c->humans > 100000 || c->load > 1000000)
		bad = "humans must be at most 100000, load at most 1000000";
	if (bad) {
		snprintf(err, len, "%s", bad);
		return EINVAL;
	}
	return 0;
}

/* ---------- scheduling ---------- */

static void on_tick(void *arg);

static bool lagging(const struct traffic *t)
{
	return center_last_seq(t->c) - center_committed_seq(t->c) > TRAFFIC_MAX_LAG;
}

static void arm(struct traffic *t)
{
	if (t->in_tick)
		return; /* the tick re-arms when it is done */
	const struct heap_node *top = heap_top(&t->heap);
	int64_t next = sim_traffic_peek(t->gen);
	if (top && top->k1 < next)
		next = top->k1;
	if (t->cfg.load && idmap_count(&t->calls) < t->cfg.load) {
		/* load mode: a caller went; the next one comes now (soon, while storage lags) */
		int64_t now = center_now(t->c);
		int64_t soon = now + (lagging(t) ? 1 : 0);
		if (soon < next)
			next = soon;
	}
	if (next == INT64_MAX) {
		evl_timer_cancel(t->tmr);
		t->armed_at = INT64_MAX;
		return;
	}
	if (next >= t->armed_at && evl_timer_running(t->tmr))
		return;
	int64_t now = center_now(t->c);
	evl_timer_start(t->tmr, next > now ? (uint64_t)(next - now) : 0, on_tick, t);
	t->armed_at = next;
}

static void due_cancel(struct traffic *t, struct due *d)
{
	heap_remove(&t->heap, &d->node);
	d->act = ACT_NONE;
}

static void due_at(struct traffic *t, struct due *d, enum act act, int64_t when)
{
	heap_remove(&t->heap, &d->node);
	d->act = (uint8_t)act;
	d->node.k1 = when;
	d->node.k2 = 0;
	d->node.k3 = ++t->seq;
	if (heap_push(&t->heap, &d->node) != 0) {
		d->act = ACT_NONE; /* out of memory: the action is dropped */
		return;
	}
	arm(t);
}

/* A uniform draw in [lo, hi] milliseconds. */
static int64_t between(struct traffic *t, int64_t lo, int64_t hi)
{
	return hi > lo ? lo + (int64_t)rng_below(&t->rng, (uint64_t)(hi - lo + 1)) : lo;
}

static bool chance(struct traffic *t, double pct)
{
	return pct > 0 && rng_uniform(&t->rng) * 100.0 < pct;
}

/* ---------- callers ---------- */

static void call_free(struct traffic *t, uint64_t id)
{
	struct tcall *tc = idmap_del(&t->calls, id);
	if (!tc)
		return;
	due_cancel(t, &tc->due);
	sb_free(tc);
	if (t->cfg.load)
		arm(t); /* a place for the next caller */
}

static const struct tcust *pick_customer(struct traffic *t, const struct tqueue *q)
{
	/* one caller in ten is not in the database */
	if (!q->n_cust || rng_below(&t->rng, 10) == 0)
		return NULL;
	return &t->custs[q->cust[rng_below(&t->rng, q->n_cust)]];
}

static void arrive(struct traffic *t, const struct sim_call_draw *d, int64_t now)
{
	const struct tqueue *q = &t->queues[d->tag];
	const struct tcust *cu = pick_customer(t, q);
	char unknown[24] = "";
	if (!cu) {
		/* a German mobile number nobody in the database has */
		snprintf(unknown, sizeof(unknown), "+49176%08" PRIu64,
			 rng_below(&t->rng, 100000000));
	}
	struct center_call_info info = {
	    .queue_id = q->id,
	    .customer_number = cu ? cu->number : unknown,
	    .system_number = q->number,
	    /* a number two customers share does not say which of them calls */
	    .customer_id = cu && !cu->shared ? cu->id : 0,
	};
	uint64_t id = 0;
	enum acd_refusal refused = ACD_REFUSED_NONE;
	if (center_call_enter(t->c, &info, &id, &refused) != 0 || refused != ACD_REFUSED_NONE ||
	    !id)
		return;
	struct tcall *tc = sb_zalloc(sizeof(*tc));
	if (!tc)
		return;
	heap_node_init(&tc->due.node);
	tc->due.what = DUE_CALL;
	tc->id = id;
	tc->talk_ms = d->handle_ms;
	if (idmap_put(&t->calls, id, tc) != 0) {
		sb_free(tc);
		return;
	}
	if (isfinite(d->patience_ms))
		due_at(t, &tc->due, ACT_ABANDON, now + sim_round_ms(d->patience_ms));
}

static void call_act(struct traffic *t, struct tcall *tc, enum act act, int64_t now)
{
	uint64_t id = tc->id;
	int err = 0;
	switch (act) {
	case ACT_ABANDON:
		err = center_call_hangup(t->c, id, ACD_SIDE_CALLER);
		break;
	case ACT_HOLD:
		if ((err = center_call_hold(t->c, id, true)) == 0)
			due_at(t, &tc->due, ACT_UNHOLD,
			       now +
				   sim_round_ms(tc->talk_ms * (0.1 + 0.2 * rng_uniform(&t->rng))));
		break;
	case ACT_UNHOLD:
		if ((err = center_call_hold(t->c, id, false)) == 0)
			due_at(t, &tc->due, ACT_HANGUP, now + tc->talk_left);
		break;
	case ACT_HANGUP:
		err =
		    center_call_hangup(t->c, id, tc->agent_side ? ACD_SIDE_AGENT : ACD_SIDE_CALLER);
		break;
	default:
		break;
	}
	/* a hang-up frees the caller through the sink; one the center no longer knows goes too */
	if (err == ENOENT)
		call_free(t, id);
}

/* ---------- agents ---------- */

static int64_t pick_disposition(struct traffic *t, uint32_t queue)
{
	const struct center_queue *q = center_queue(t->c, queue);
	int64_t client = q ? q->client_id : 0;
	/* most calls end resolved */
	bool resolved = rng_below(&t->rng, 10) < 6;
	for (int tries = 0; tries < 2 * (int)t->n_disps + 8 && t->n_disps; tries++) {
		const struct tdisp *d = &t->disps[rng_below(&t->rng, t->n_disps)];
		if ((d->client == 0 || d->client == client) && (!resolved || d->resolved))
			return d->id;
	}
	return 0;
}

static void agent_act(struct traffic *t, struct tagent *a, enum act act, int64_t now)
{
	struct acd_agent_info info;
	if (acd_agent_info(center_acd(t->c), a->id, &info) != 0)
		return; /* removed meanwhile */
	switch (act) {
	case ACT_LOGIN:
		if (info.state == ACD_AGENT_LOGGED_OUT)
			center_agent_set_state(t->c, a->id, ACD_AGENT_READY, 0, NULL, NULL);
		break;
	case ACT_ANSWER:
		center_call_answer(t->c, a->call, a->id);
		break;
	case ACT_WRAPUP:
		if (info.state == ACD_AGENT_WRAPUP)
			center_agent_wrapup_done(t->c, a->id, pick_disposition(t, a->queue), NULL,
						 NULL);
		break;
	case ACT_READY:
		if (info.state == ACD_AGENT_NOT_READY)
			center_agent_set_state(t->c, a->id, ACD_AGENT_READY, 0, NULL, NULL);
		break;
	case ACT_BREAK: {
		/* not while the phone rings: try again in a moment */
		if (info.state == ACD_AGENT_RESERVED) {
			due_at(t, &a->brk, ACT_BREAK, now + 5000);
			break;
		}
		/* logged in, not already on a break or about to take one: go (after the call) */
		if (info.state != ACD_AGENT_LOGGED_OUT && info.state != ACD_AGENT_NOT_READY &&
		    !info.has_pending) {
			uint32_t r = rng_below(&t->rng, 6) == 0	  ? REASON_LUNCH
				     : rng_below(&t->rng, 5) == 0 ? REASON_TRAINING
								  : REASON_BREAK;
			center_agent_set_state(t->c, a->id, ACD_AGENT_NOT_READY, r, NULL, NULL);
		}
		if (t->cfg.break_every_ms)
			due_at(t, &a->brk, ACT_BREAK,
			       now + sim_round_ms(rng_exp(&t->rng, (double)t->cfg.break_every_ms)));
		break;
	}
	default:
		break;
	}
}

/* ---------- what the router did ---------- */

static void on_agent_event(struct traffic *t, struct tagent *a, const struct acd_event *ev)
{
	switch (ev->to) {
	case ACD_AGENT_WRAPUP:
		a->queue = ev->queue;
		due_at(t, &a->due, ACT_WRAPUP,
		       ev->time + between(t, t->cfg.wrap_ms / 4, t->cfg.wrap_ms));
		break;
	case ACD_AGENT_NOT_READY:
		if (ev->reason == ACD_REASON_MISSED || ev->reason == ACD_REASON_DECLINED) {
			/* back to ready after a moment */
			due_at(t, &a->due, ACT_READY, ev->time + between(t, 3000, 8000));
		} else if (ev->reason >= ACD_REASON_USER) {
			double mean =
			    (double)t->cfg.break_ms * (ev->reason == REASON_LUNCH ? 3 : 1);
			due_at(t, &a->due, ACT_READY,
			       ev->time + 1000 + sim_round_ms(rng_exp(&t->rng, mean)));
		}
		break;
	case ACD_AGENT_READY:
		/* a timed wrap-up ended, or someone made the agent ready: nothing left to do */
		if (a->due.act == ACT_WRAPUP || a->due.act == ACT_READY)
			due_cancel(t, &a->due);
		break;
	case ACD_AGENT_LOGGED_OUT:
		due_cancel(t, &a->due);
		/* logged out for missing too many calls: back after a coffee */
		if (ev->reason == ACD_REASON_MISSED_LIMIT)
			due_at(t, &a->due, ACT_LOGIN, ev->time + between(t, 10000, 20000));
		break;
	default:
		break;
	}
}

static void on_event(const struct acd_event *ev, void *arg)
{
	struct traffic *t = arg;
	struct tagent *a = ev->agent ? idmap_get(&t->agents, ev->agent) : NULL;
	struct tcall *tc = ev->call ? idmap_get(&t->calls, ev->call) : NULL;
	switch (ev->type) {
	case ACD_EV_CALL_OFFER:
		if (!a || chance(t, t->cfg.miss_pct))
			break; /* a person's phone, or a simulated agent letting it ring out */
		a->call = ev->call;
		due_at(t, &a->due, ACT_ANSWER,
		       ev->time + between(t, t->cfg.ring_ms / 4, t->cfg.ring_ms));
		break;
	case ACD_EV_CALL_OFFER_CANCEL:
	case ACD_EV_CALL_RNA:
		if (a && a->due.act == ACT_ANSWER && a->call == ev->call)
			due_cancel(t, &a->due);
		break;
	case ACD_EV_CALL_CONNECT: {
		if (a && a->due.act == ACT_ANSWER)
			due_cancel(t, &a->due);
		if (!tc)
			break; /* not one of our callers */
		int64_t talk = sim_round_ms(tc->talk_ms);
		/* people end their calls themselves; with simulated agents, one in four */
		tc->agent_side = a && chance(t, 25);
		if (a && talk > 0 && chance(t, t->cfg.hold_pct)) {
			int64_t at =
			    sim_round_ms((double)talk * (0.2 + 0.4 * rng_uniform(&t->rng)));
			tc->talk_left = talk - at;
			due_at(t, &tc->due, ACT_HOLD, ev->time + at);
		} else {
			due_at(t, &tc->due, ACT_HANGUP, ev->time + talk);
		}
		break;
	}
	case ACD_EV_CALLBACK_REQUESTED:
		/* the caller hung up to be called back: no more patience to run out */
		if (tc)
			due_cancel(t, &tc->due);
		break;
	case ACD_EV_CALL_TRANSFER:
		/* waiting again, in another queue */
		if (tc && t->cfg.patience_ms)
			due_at(t, &tc->due, ACT_ABANDON,
			       ev->time +
				   sim_round_ms(rng_exp(&t->rng, (double)t->cfg.patience_ms)));
		else if (tc)
			due_cancel(t, &tc->due);
		break;
	case ACD_EV_CALL_ABANDON:
	case ACD_EV_CALL_EXIT_TIMEOUT:
	case ACD_EV_CALL_COMPLETE_CALLER:
	case ACD_EV_CALL_COMPLETE_AGENT:
	case ACD_EV_CALLBACK_FAILED:
	case ACD_EV_CALL_REFUSED:
	case ACD_EV_CALL_INTERRUPTED:
		if (tc)
			call_free(t, ev->call);
		break;
	case ACD_EV_AGENT_LOGIN:
	case ACD_EV_AGENT_LOGOUT:
	case ACD_EV_AGENT_STATE:
		if (a)
			on_agent_event(t, a, ev);
		break;
	default:
		break;
	}
}

/* ---------- the loop timer ---------- */

static void on_tick(void *arg)
{
	struct traffic *t = arg;
	int64_t now = center_now(t->c);
	t->in_tick = true;
	t->armed_at = INT64_MAX;
	/* bounded work per turn, so that HTTP and storage completions get their share */
	unsigned budget = 4096;
	/* what is due for callers and agents already in the center first */
	struct heap_node *n;
	for (; budget && (n = heap_top(&t->heap)) && n->k1 <= now; budget--) {
		heap_pop(&t->heap);
		struct due *du = container_of(n, struct due, node);
		enum act act = (enum act)du->act;
		du->act = ACT_NONE;
		if (du->what == DUE_CALL)
			call_act(t, container_of(du, struct tcall, due), act, now);
		else if (du->what == DUE_AGENT)
			agent_act(t, container_of(du, struct tagent, due), act, now);
		else
			agent_act(t, container_of(du, struct tagent, brk), act, now);
	}
	/*
	 * Then new callers. While storage is far behind, or when callers have been
	 * due for a second already (more traffic than the loop can take), every line
	 * is busy: they get no answer at all.
	 */
	bool blocked = lagging(t);
	struct sim_call_draw d;
	for (; budget && sim_traffic_next(t->gen, now, &d) == 0; budget--) {
		if (blocked || d.t_ms < now - 1000)
			t->blocked++;
		else
			arrive(t, &d, now);
	}
	/* load mode: top up to `load` callers */
	for (; t->cfg.load && !blocked && budget && idmap_count(&t->calls) < t->cfg.load;
	     budget--) {
		memset(&d, 0, sizeof(d));
		d.tag = t->next_queue++ % t->n_queues;
		d.handle_ms = sim_dist_sample(&t->talk, &t->rng);
		d.patience_ms = sim_dist_sample(&t->patience, &t->rng);
		arrive(t, &d, now);
	}
	t->in_tick = false;
	if (!budget) {
		evl_timer_start(t->tmr, 0, on_tick, t); /* more is due: go on next turn */
		t->armed_at = now;
		return;
	}
	arm(t);
}

/* ---------- start and stop ---------- */

static const struct store_stmt q_customers = {
    "traffic.customers",
    "SELECT p.e164, c.id, c.client_id, COALESCE(c.language, ''),"
    " (SELECT COUNT(DISTINCT q.customer_id) FROM customer_phones q WHERE q.e164 = p.e164)"
    " FROM customer_phones p JOIN customers c ON c.id = p.customer_id ORDER BY p.id LIMIT 50000",
    NULL};
static const struct store_stmt q_dispositions = {
    "traffic.dispositions",
    "SELECT id, COALESCE(client_id, 0), COALESCE(category, '') FROM dispositions"
    " WHERE active = 1 ORDER BY id",
    NULL};

/* The ISO 639-1 code customers' records use for a language skill's name. */
static void lang_code(const char *skill, char *out, size_t len)
{
	static const char *const names[][2] = {
	    {"english", "en"}, {"spanish", "es"}, {"german", "de"}, {"french", "fr"},
	    {"italian", "it"}, {"turkish", "tr"}, {"polish", "pl"}, {"portuguese", "pt"},
	    {"dutch", "nl"},   {"russian", "ru"}, {"arabic", "ar"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(skill, names[i][0]) == 0) {
			snprintf(out, len, "%s", names[i][1]);
			return;
		}
	size_t n = strnlen(skill, len - 1);
	memcpy(out, skill, n);
	out[n] = '\0';
}

/* The language a queue requires, as a code ("" when none). */
static void queue_lang(struct center *c, const struct center_queue *q, char *out, size_t len)
{
	out[0] = '\0';
	for (uint32_t i = 0; i < q->acd.n_req; i++) {
		const struct center_skill *s = center_skill(c, q->acd.req[i].skill);
		if (s && s->language) {
			lang_code(s->name, out, len);
			return;
		}
	}
}

/* Queues with a number, in the numbers' order; callers' languages decide who calls which. */
static int load_queues(struct traffic *t)
{
	const struct center_number *nb;
	unsigned cap = 0;
	for (unsigned i = 0; center_number_at(t->c, i); i++)
		cap++;
	t->queues = cap ? sb_calloc(cap, sizeof(*t->queues)) : NULL;
	if (cap && !t->queues)
		return ENOMEM;
	for (unsigned i = 0; (nb = center_number_at(t->c, i)); i++) {
		const struct center_queue *q =
		    nb->queue_id ? center_queue(t->c, nb->queue_id) : NULL;
		if (!nb->active || !q || !q->active)
			continue;
		bool dup = false;
		for (unsigned k = 0; k < t->n_queues && !dup; k++)
			dup = t->queues[k].id == (uint32_t)q->id;
		if (dup)
			continue;
		struct tqueue *tq = &t->queues[t->n_queues++];
		tq->id = (uint32_t)q->id;
		tq->client = q->client_id;
		snprintf(tq->number, sizeof(tq->number), "%s", nb->number);
		queue_lang(t->c, q, tq->lang, sizeof(tq->lang));
	}
	/* the first (busiest) queue's language is everyone's; other languages are their queue's own
	 */
	for (unsigned k = t->n_queues; k-- > 0;)
		if (strcmp(t->queues[k].lang, t->queues[0].lang) == 0)
			t->queues[k].lang[0] = '\0';
	return 0;
}

static bool minority_lang(const struct traffic *t, const char *lang)
{
	for (unsigned k = 0; k < t->n_queues; k++)
		if (t->queues[k].lang[0] && strcmp(t->queues[k].lang, lang) == 0)
			return true;
	return false;
}

static int load_customers(struct traffic *t, struct store *st)
{
	struct store_rs *rs = NULL;
	int err = store_query_sync(st, &q_customers, NULL, 0, &rs);
	if (err)
		return err;
	unsigned n = store_rs_rows(rs);
	t->custs = n ? sb_calloc(n, sizeof(*t->custs)) : NULL;
	if (n && !t->custs) {
		store_rs_free(rs);
		return ENOMEM;
	}
	for (unsigned r = 0; r < n; r++) {
		struct tcust *cu = &t->custs[t->n_custs];
		const char *num = store_rs_text(rs, r, 0);
		if (!num || strlen(num) >= sizeof(cu->number))
			continue;
		snprintf(cu->number, sizeof(cu->number), "%s", num);
		cu->id = store_rs_int(rs, r, 1);
		cu->client = store_rs_int(rs, r, 2);
		const char *lang = store_rs_text(rs, r, 3);
		snprintf(cu->lang, sizeof(cu->lang), "%s", lang ? lang : "");
		cu->shared = store_rs_int(rs, r, 4) > 1;
		t->n_custs++;
	}
	store_rs_free(rs);
	/* who calls which queue: the queue's client, and its language when it has its own */
	for (unsigned k = 0; k < t->n_queues; k++) {
		struct tqueue *q = &t->queues[k];
		q->cust = t->n_custs ? sb_calloc(t->n_custs, sizeof(*q->cust)) : NULL;
		if (t->n_custs && !q->cust)
			return ENOMEM;
		for (unsigned i = 0; i < t->n_custs; i++) {
			const struct tcust *cu = &t->custs[i];
			if (cu->client != q->client)
				continue;
			if (q->lang[0] ? strcmp(cu->lang, q->lang) == 0
				       : !minority_lang(t, cu->lang))
				q->cust[q->n_cust++] = i;
		}
	}
	if ((err = store_query_sync(st, &q_dispositions, NULL, 0, &rs)))
		return err;
	n = store_rs_rows(rs);
	t->disps = n ? sb_calloc(n, sizeof(*t->disps)) : NULL;
	if (n && !t->disps) {
		store_rs_free(rs);
		return ENOMEM;
	}
	for (unsigned r = 0; r < n; r++) {
		const char *cat = store_rs_text(rs, r, 2);
		t->disps[t->n_disps++] = (struct tdisp){
		    .id = store_rs_int(rs, r, 0),
		    .client = store_rs_int(rs, r, 1),
		    .resolved = cat && strcmp(cat, "resolved") == 0,
		};
	}
	store_rs_free(rs);
	return 0;
}

/* One source per queue: the day profile from its 09:00, scaled to the queue's share. */
static int add_sources(struct traffic *t, int64_t now)
{
	struct sim_traffic_source src;
	double calls[24];
	memset(&src, 0, sizeof(src));
	int err = t->cfg.talk_ms > 0 ? sim_dist_lognormal(&src.handle, (double)t->cfg.talk_ms,
							  0.6 * (double)t->cfg.talk_ms)
				     : sim_dist_fixed(&src.handle, 0);
	if (err)
		return err;
	if (t->cfg.patience_ms)
		err = sim_dist_exponential(&src.patience, (double)t->cfg.patience_ms);
	else
		sim_dist_none(&src.patience);
	for (unsigned k = 0; !err && k < t->n_queues; k++) {
		size_t nw = sizeof(queue_weight) / sizeof(queue_weight[0]);
		double w = k < nw ? queue_weight[k] : queue_weight[nw - 1];
		for (unsigned h = 0; h < 24; h++)
			calls[h] = day_profile[(9 + h) % 24] * t->cfg.calls_per_min * w *
				   (double)t->cfg.hour_ms / 60000.0;
		src.tag = k;
		char key[48];
		snprintf(key, sizeof(key), "queue-%u", t->queues[k].id);
		src.key = sim_name_key(key);
		src.origin_ms = now;
		src.interval_ms = t->cfg.hour_ms;
		src.calls = calls;
		src.n = 24;
		src.cyclic = true;
		/* load mode keeps its own callers coming: the profile brings none */
		if (t->cfg.load)
			memset(calls, 0, sizeof(calls));
		err = sim_traffic_add(t->gen, &src);
	}
	if (!err)
		err = sim_dist_copy(&t->talk, &src.handle);
	if (!err)
		err = sim_dist_copy(&t->patience, &src.patience);
	sim_dist_release(&src.handle);
	sim_dist_release(&src.patience);
	return err;
}

/* Simulated agents: every agent but the first `humans`; they log in over the first seconds. */
static int add_agents(struct traffic *t, int64_t now)
{
	const struct center_agent *ca;
	unsigned skipped = 0, n = 0;
	for (unsigned i = 0; (ca = center_agent_at(t->c, i)); i++) {
		if (!ca->active)
			continue;
		if (skipped < t->cfg.humans) {
			skipped++;
			continue;
		}
		struct tagent *a = sb_zalloc(sizeof(*a));
		if (!a)
			return ENOMEM;
		heap_node_init(&a->due.node);
		heap_node_init(&a->brk.node);
		a->due.what = DUE_AGENT;
		a->brk.what = DUE_BREAK;
		a->id = (uint32_t)ca->id;
		if (idmap_put(&t->agents, a->id, a) != 0) {
			sb_free(a);
			return ENOMEM;
		}
		/* nobody rings a simulated agent's phone: the telephony controller leaves them to us */
		center_agent_set_simulated(t->c, a->id, true);
		due_at(t, &a->due, ACT_LOGIN, now + 200 * (int64_t)n++);
		if (t->cfg.break_every_ms)
			due_at(t, &a->brk, ACT_BREAK,
			       now + sim_round_ms(rng_exp(&t->rng, (double)t->cfg.break_every_ms)));
	}
	return 0;
}

int traffic_start(struct traffic **tp, struct center *c, struct store *st,
		  const struct traffic_config *cfg)
{
	char why[120];
	if (!tp || !c || !st || !cfg || traffic_config_check(cfg, why, sizeof(why)))
		return EINVAL;
	struct traffic *t = sb_zalloc(sizeof(*t));
	if (!t)
		return ENOMEM;
	t->c = c;
	t->cfg = *cfg;
	t->armed_at = INT64_MAX;
	heap_init(&t->heap);
	idmap_init(&t->calls);
	idmap_init(&t->agents);
	uint64_t seed = cfg->seed ? cfg->seed : (uint64_t)clock_wall_ms() ^ 0x5eedULL;
	rng_seed(&t->rng, seed);
	int64_t now = center_now(c);
	int err = evl_timer_alloc(&t->tmr);
	if (!err)
		err = sim_traffic_alloc(&t->gen, seed, 0);
	if (!err)
		err = load_queues(t);
	if (!err)
		err = load_customers(t, st);
	if (!err)
		err = add_sources(t, now);
	if (!err)
		err = add_agents(t, now);
	if (err) {
		traffic_stop(t);
		return err;
	}
	center_add_call_sink(c, on_event, t);
	arm(t);
	fprintf(stderr,
		"switchboard: demo traffic: callers on %u queue(s) (%u known customers), %u "
		"simulated agent(s); the first %u agent(s) are left to you\n",
		t->n_queues, t->n_custs, idmap_count(&t->agents), cfg->humans);
	*tp = t;
	return 0;
}

void traffic_stop(struct traffic *t)
{
	if (!t)
		return;
	if (t->blocked)
		fprintf(stderr,
			"switchboard: demo traffic: %" PRIu64 " caller(s) turned away while the "
			"event log lagged\n",
			t->blocked);
	evl_timer_free(t->tmr);
	heap_release(&t->heap); /* first: it unlinks the nodes inside the calls and agents */
	void *v;
	for (uint32_t it = 0; idmap_next(&t->calls, &it, NULL, &v);)
		sb_free(v);
	for (uint32_t it = 0; idmap_next(&t->agents, &it, NULL, &v);)
		sb_free(v);
	idmap_release(&t->calls);
	idmap_release(&t->agents);
	sim_traffic_free(t->gen);
	sim_dist_release(&t->talk);
	sim_dist_release(&t->patience);
	for (unsigned k = 0; k < t->n_queues; k++)
		sb_free(t->queues[k].cust);
	sb_free(t->queues);
	sb_free(t->custs);
	sb_free(t->disps);
	sb_free(t);
}
