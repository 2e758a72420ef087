/* sim: the engine: drives the real struct acd on a virtual clock and folds replications into
 * figures (see sim.h). */
#include "core/sim/sim.h"

#include "core/kpi/kpi.h"
#include "core/sim/fel.h"

#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * One replication, in short. The future-event list holds what the
 * simulated world will do (staffing changes, ends of service, delayed
 * answers, patience running out); the traffic generator holds the next
 * arrival; the core holds its own deadlines (acd_next_deadline). The loop
 * advances to whichever is first: the core's deadlines, then the list, then
 * arrivals, at equal milliseconds. The core's sink never calls back into
 * the core: it books what the world must do (answer a ringing phone, end a
 * service later) and the loop applies it once the core call has returned.
 *
 * Call ids are (serial << 24 | slot): the slot finds the call's record in
 * a preallocated pool without a lookup, the serial makes stale events
 * (a patience expiry for a call long answered) recognisable.
 */

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define NO_SLOT	  UINT32_MAX

enum crec_state { C_FREE = 0, C_WAIT, C_TALK, C_CB };

/* future-event kinds; at equal times they run in this order */
enum fel_kind { FK_STAFF = 0, FK_COMPLETE, FK_ANSWER, FK_PATIENCE };

enum act_kind { A_ANSWER = 1, A_READY };

struct crec {
	uint64_t id; /* 0 when free */
	int64_t arrival, handle_ms, ewt_ms, t_enter;
	uint32_t q0, q; /* queue at arrival, queue now */
	uint8_t state;
	bool offered; /* offered to an agent (at least once) */
	bool moved;   /* overflowed or turned into a callback: its wait is censored */
	uint32_t next_free;
};

struct action {
	int64_t t;
	uint64_t call;
	uint32_t agent;
	uint32_t kind;
};

/* The simulator's own books per (queue, interval of arrival). */
struct qiv {
	uint64_t arrived;    /* fresh arrivals that entered */
	uint64_t waited;     /* of which were not offered on entering */
	uint64_t unfinished; /* still waiting or ringing at the stop */
	uint64_t ewt_n;
	double ewt_abs, ewt_sum; /* ms */
};

struct step {
	int64_t t;
	uint32_t agents;
};

struct rgroup {
	uint32_t *ids; /* the group's agents; the first `on` are meant to be logged in */
	uint32_t n, cap, on;
};

struct run;

struct rep {
	struct run *run;
	const struct sim_scenario *sc;
	struct acd *acd;
	struct kpi *kpi;
	struct sim_traffic *tr;
	struct sim_fel fel;
	uint64_t fseq;
	struct crec *calls;
	uint32_t used, cap, free_head, live;
	uint64_t serial;
	struct action *act;
	uint32_t act_head, act_n, act_cap;
	uint32_t *agent_group; /* by agent id - 1 */
	uint32_t n_agents, cap_agents;
	struct rgroup *groups;
	struct qiv *qiv;       /* nq * ni */
	uint64_t *answered_by; /* ng * nq */
	int64_t *gst;	       /* ng * ni * ACD_AGENT_STATE_COUNT */
	int64_t now, horizon, limit, stop, ring_delay, ilen;
	int64_t iv_lo, iv_hi; /* the interval iv_of() found last: [iv_lo, iv_hi) is iv_i */
	uint32_t iv_i;
	uint32_t nq, ni, ng;
	uint64_t events;
	int err;
	const char *err_what;
};

struct run {
	const struct sim_scenario *sc;
	uint32_t nq, ni, ng;
	struct step **steps; /* per group */
	uint32_t *n_steps;
	bool *serves; /* nq * ng: the group's agents serve the queue at its base tier */
	struct sim_acc *acc;
	struct sim_acc *gacc;
	uint64_t *rep_events;
	uint64_t events;
};

struct sim_result {
	uint32_t nq, ni, ng, reps;
	struct sim_acc *acc;  /* (nq + 1) * (ni + 1) * SIM_M_COUNT */
	struct sim_acc *gacc; /* ng * (SIM_G_ANSWERED + nq + 1) */
	uint64_t *rep_events;
	uint64_t events;
};

static inline uint32_t gacc_width(uint32_t nq)
{
	return SIM_G_ANSWERED + nq + 1;
}

/* ---------- call records ---------- */

static struct crec *crec_alloc(struct rep *r)
{
	uint32_t s;
	if (r->free_head != NO_SLOT) {
		s = r->free_head;
		r->free_head = r->calls[s].next_free;
	} else {
		if (r->used == r->cap) {
			uint32_t cap = r->cap ? r->cap * 2 : 1024;
			if (cap > SLOT_MASK + 1u)
				return NULL;
			struct crec *v = sb_realloc(r->calls, (size_t)cap * sizeof(*v));
			if (!v)
				return NULL;
			r->calls = v;
			r->cap = cap;
		}
		s = r->used++;
	}
	struct crec *c = &r->calls[s];
	memset(c, 0, sizeof(*c));
	c->id = (++r->serial << SLOT_BITS) | s;
	r->live++;
	return c;
}

static void crec_free(struct rep *r, struct crec *c)
{
	uint32_t s = (uint32_t)(c->id & SLOT_MASK);
	c->id = 0;
	c->state = C_FREE;
	c->next_free = r->free_head;
	r->free_head = s;
	r->live--;
}

static inline struct crec *crec_get(struct rep *r, uint64_t id)
{
	uint32_t s = (uint32_t)(id & SLOT_MASK);
	if (s >= r->used)
		return NULL;
	struct crec *c = &r->calls[s];
	return c->id == id ? c : NULL;
}

/* ---------- the future-event list and the action queue ---------- */

static void fel_add(struct rep *r, int64_t t, enum fel_kind kind, uint64_t a, uint32_t b)
{
	struct sim_fel_ev ev = {
	    .t = t,
	    .key = ((uint64_t)kind << 56) | (++r->fseq & ((1ULL << 56) - 1)),
	    .a = a,
	    .b = b,
	    .kind = kind,
	};
	if (sim_fel_push(&r->fel, &ev) != 0 && !r->err) {
		r->err = ENOMEM;
		r->err_what = "future-event list";
	}
}

static void act_add(struct rep *r, enum act_kind kind, uint64_t call, uint32_t agent, int64_t t)
{
	if (r->act_n == r->act_cap) {
		uint32_t cap = r->act_cap ? r->act_cap * 2 : 64;
		struct action *v = sb_realloc(r->act, cap * sizeof(*v));
		if (!v) {
			if (!r->err) {
				r->err = ENOMEM;
				r->err_what = "action queue";
			}
			return;
		}
		r->act = v;
		r->act_cap = cap;
	}
	r->act[r->act_n++] = (struct action){t, call, agent, kind};
}

static void core_err(struct rep *r, int err, const char *what)
{
	if (err && !r->err) {
		r->err = err;
		r->err_what = what;
	}
}

/* Applies what the sink booked while the core was busy; each may book more. */
static void drain(struct rep *r)
{
	while (r->act_head < r->act_n) {
		struct action a = r->act[r->act_head++];
		int err = 0;
		if (a.kind == A_ANSWER) {
			err = acd_call_answer(r->acd, a.call, a.agent, a.t);
			/* lost a ring-all race, or the caller left meanwhile */
			if (err == EALREADY || err == ENOENT)
				err = 0;
			core_err(r, err, "acd_call_answer");
		} else {
			err = acd_agent_ready(r->acd, a.agent, a.t);
			core_err(r, err, "acd_agent_ready");
		}
	}
	r->act_head = r->act_n = 0;
}

/* ---------- the core's sink ---------- */

/* Interval of t (UINT32_MAX outside the horizon); remembers the last one to spare a division. */
static inline uint32_t iv_of(struct rep *r, int64_t t)
{
	if (t >= r->iv_lo && t < r->iv_hi)
		return r->iv_i;
	if (t < 0 || t >= r->horizon)
		return UINT32_MAX;
	uint32_t i = (uint32_t)(t / r->ilen);
	r->iv_i = i;
	r->iv_lo = (int64_t)i * r->ilen;
	r->iv_hi = r->iv_lo + r->ilen;
	return i;
}

/* Adds the period [from, to) in state s, clipped to the horizon, to the group's intervals. */
static void gst_add(struct rep *r, uint32_t g, uint8_t s, int64_t from, int64_t to)
{
	if (from < 0)
		from = 0;
	if (to > r->horizon)
		to = r->horizon;
	while (from < to) {
		uint32_t i = iv_of(r, from);
		int64_t end = (int64_t)(i + 1) * r->ilen;
		int64_t stop = to < end ? to : end;
		r->gst[((size_t)g * r->ni + i) * ACD_AGENT_STATE_COUNT + s] += stop - from;
		from = stop;
	}
}

static void on_event(const struct acd_event *ev, void *arg)
{
	struct rep *r = arg;
	struct crec *c;
	struct acd_event qe;
	bool agent_ev = ev->type == ACD_EV_AGENT_STATE || ev->type == ACD_EV_AGENT_LOGIN ||
			ev->type == ACD_EV_AGENT_LOGOUT;
	/*
	 * Queue figures come from the kpi; it gets the call events and the ends of
	 * wrap-up (wrap-up time belongs to the call's queue), without the agent id:
	 * agents' time in state is booked here per group, which saves the kpi's
	 * per-agent lookups (most of the cost of feeding it). Offers, withdrawn
	 * offers, ring-no-answer and widening change no queue figure.
	 */
	if (agent_ev) {
		if (ev->from != ACD_AGENT_LOGGED_OUT)
			gst_add(r, r->agent_group[ev->agent - 1], ev->from, ev->time - ev->dur_ms,
				ev->time);
		if (ev->from == ACD_AGENT_WRAPUP) {
			qe = *ev;
			qe.agent = 0;
			kpi_event(r->kpi, &qe);
		}
	} else if (ev->type != ACD_EV_CALL_OFFER && ev->type != ACD_EV_CALL_OFFER_CANCEL &&
		   ev->type != ACD_EV_CALL_RNA && ev->type != ACD_EV_CALL_WIDEN) {
		if (ev->agent) {
			qe = *ev;
			qe.agent = 0;
			kpi_event(r->kpi, &qe);
		} else {
			kpi_event(r->kpi, ev);
		}
	}
	switch (ev->type) {
	case ACD_EV_CALL_ENTER:
		c = crec_get(r, ev->call);
		if (c) {
			c->q = ev->queue - 1;
			c->t_enter = ev->t_enter;
			c->state = C_WAIT;
			if (ev->flags & ACD_F_OVERFLOWED)
				c->moved = true;
		}
		break;
	case ACD_EV_CALL_OFFER:
		c = crec_get(r, ev->call);
		if (c)
			c->offered = true;
		if (r->ring_delay == 0)
			act_add(r, A_ANSWER, ev->call, ev->agent, ev->time);
		else
			fel_add(r, ev->time + r->ring_delay, FK_ANSWER, ev->call, ev->agent);
		break;
	case ACD_EV_CALL_CONNECT: {
		c = crec_get(r, ev->call);
		if (!c)
			break;
		c->state = C_TALK;
		fel_add(r, ev->time + c->handle_ms, FK_COMPLETE, ev->call, 0);
		uint32_t ei = iv_of(r, ev->t_enter);
		if (ev->flags & ACD_F_CALLBACK || ei == UINT32_MAX)
			break;
		if (ev->agent && ev->agent <= r->n_agents && ei >= r->sc->warmup_intervals)
			r->answered_by[r->agent_group[ev->agent - 1] * r->nq + c->q]++;
		if (c->moved || c->ewt_ms < 0)
			break;
		struct qiv *b = &r->qiv[c->q0 * r->ni + iv_of(r, c->arrival)];
		double e = (double)(c->ewt_ms - ev->wait_ms);
		b->ewt_n++;
		b->ewt_sum += e;
		b->ewt_abs += fabs(e);
		break;
	}
	case ACD_EV_CALLBACK_REQUESTED:
		c = crec_get(r, ev->call);
		if (c) {
			c->state = C_CB;
			c->moved = true;
		}
		break;
	case ACD_EV_CALL_ABANDON:
	case ACD_EV_CALL_COMPLETE_AGENT:
	case ACD_EV_CALL_COMPLETE_CALLER:
		r->events++;
		/* fall through */
	case ACD_EV_CALL_EXIT_TIMEOUT:
	case ACD_EV_CALLBACK_FAILED:
	case ACD_EV_CALL_REFUSED:
		c = crec_get(r, ev->call);
		if (c)
			crec_free(r, c);
		break;
	case ACD_EV_AGENT_STATE:
		/* a missed offer (ring delay too long) leaves the agent not ready: back to work */
		if (ev->to == ACD_AGENT_NOT_READY && ev->reason == ACD_REASON_MISSED)
			act_add(r, A_READY, 0, ev->agent, ev->time);
		break;
	default:
		break;
	}
}

/* ---------- staffing ---------- */

static int agent_new(struct rep *r, uint32_t g, uint32_t *idp)
{
	struct rgroup *G = &r->groups[g];
	if (r->n_agents == r->cap_agents) {
		uint32_t cap = r->cap_agents ? r->cap_agents * 2 : 64;
		uint32_t *v = sb_realloc(r->agent_group, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		r->agent_group = v;
		r->cap_agents = cap;
	}
	if (G->n == G->cap) {
		uint32_t cap = G->cap ? G->cap * 2 : 16;
		uint32_t *v = sb_realloc(G->ids, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		G->ids = v;
		G->cap = cap;
	}
	const struct sim_group *sg = &r->sc->groups[g];
	struct acd_agent_params p;
	memset(&p, 0, sizeof(p));
	p.team = g + 1;
	uint32_t id = r->n_agents + 1;
	p.rank = id;
	memcpy(p.skills, sg->skills, sizeof(p.skills));
	p.n_skills = sg->n_skills;
	int err = acd_agent_add(r->acd, id, &p);
	if (err)
		return err;
	r->agent_group[r->n_agents++] = g;
	G->ids[G->n++] = id;
	*idp = id;
	return 0;
}

/*
 * Brings the group to `target` agents logged in. Leaving: the most recent
 * arrivals log out (during a call the core defers it). Coming: an agent
 * still finishing a call after a log-out stays on (the log-out is
 * cancelled); else a logged-out agent logs in ready; else a new one is hired.
 */
static void staff(struct rep *r, uint32_t g, uint32_t target, int64_t t)
{
	struct rgroup *G = &r->groups[g];
	while (G->on > target && !r->err) {
		uint32_t id = G->ids[--G->on];
		core_err(r, acd_agent_logout(r->acd, id, ACD_REASON_USER, t), "acd_agent_logout");
		drain(r);
	}
	while (G->on < target && !r->err) {
		uint32_t pick = UINT32_MAX;
		bool cancel = false;
		for (uint32_t j = G->on; j < G->n; j++) {
			struct acd_agent_info info;
			if (acd_agent_info(r->acd, G->ids[j], &info) != 0)
				continue;
			if ((info.state == ACD_AGENT_TALKING || info.state == ACD_AGENT_HOLD) &&
			    info.has_pending && info.pending == ACD_AGENT_LOGGED_OUT) {
				pick = j;
				cancel = true;
				break;
			}
			if (info.state == ACD_AGENT_LOGGED_OUT && pick == UINT32_MAX)
				pick = j;
		}
		uint32_t id;
		if (pick == UINT32_MAX) {
			int err = agent_new(r, g, &id);
			if (err) {
				core_err(r, err, "acd_agent_add");
				return;
			}
			pick = G->n - 1;
		}
		id = G->ids[pick];
		G->ids[pick] = G->ids[G->on];
		G->ids[G->on++] = id;
		if (cancel)
			core_err(r, acd_agent_ready(r->acd, id, t), "acd_agent_ready");
		else
			core_err(r, acd_agent_login(r->acd, id, true, t), "acd_agent_login");
		drain(r);
	}
}

/*
 * The group's staffing as steps (time, agents logged in from then on):
 * the per-interval counts (the last one holds through the drain) plus
 * every shift in force.
 */
static int plan_group(const struct sim_scenario *sc, const struct sim_group *g, struct step **out,
		      uint32_t *n_out)
{
	uint32_t nb = (g->n_agents ? sc->n_intervals : 0) + 2 * g->n_shifts;
	*out = NULL;
	*n_out = 0;
	if (nb == 0)
		return 0;
	int64_t *bp = sb_alloc(nb * sizeof(*bp));
	struct step *st = sb_alloc(nb * sizeof(*st));
	if (!bp || !st) {
		sb_free(bp);
		sb_free(st);
		return ENOMEM;
	}
	uint32_t n = 0;
	for (uint32_t i = 0; g->n_agents && i < sc->n_intervals; i++)
		bp[n++] = (int64_t)i * sc->interval_ms;
	for (uint32_t k = 0; k < g->n_shifts; k++) {
		bp[n++] = g->shifts[k].start_ms;
		bp[n++] = g->shifts[k].end_ms;
	}
	/* insertion sort: a few hundred breakpoints at most in practice */
	for (uint32_t i = 1; i < n; i++) {
		int64_t x = bp[i];
		uint32_t j = i;
		while (j > 0 && bp[j - 1] > x) {
			bp[j] = bp[j - 1];
			j--;
		}
		bp[j] = x;
	}
	uint32_t ns = 0;
	uint64_t prev = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (i > 0 && bp[i] == bp[i - 1])
			continue;
		int64_t t = bp[i];
		uint64_t want = 0;
		if (g->n_agents) {
			int64_t k = t / sc->interval_ms;
			if (k >= (int64_t)sc->n_intervals)
				k = sc->n_intervals - 1;
			want += g->agents[k];
		}
		for (uint32_t k = 0; k < g->n_shifts; k++)
			if (g->shifts[k].start_ms <= t && t < g->shifts[k].end_ms)
				want += g->shifts[k].agents;
		if (want == prev)
			continue;
		st[ns++] = (struct step){t, (uint32_t)want};
		prev = want;
	}
	sb_free(bp);
	*out = st;
	*n_out = ns;
	return 0;
}

/* ---------- one replication ---------- */

static void rep_release(struct rep *r)
{
	acd_free(r->acd);
	kpi_free(r->kpi);
	sim_traffic_free(r->tr);
	r->acd = NULL;
	r->kpi = NULL;
	r->tr = NULL;
}

static void rep_free(struct rep *r)
{
	rep_release(r);
	sim_fel_release(&r->fel);
	sb_free(r->calls);
	sb_free(r->act);
	sb_free(r->agent_group);
	for (uint32_t g = 0; r->groups && g < r->ng; g++)
		sb_free(r->groups[g].ids);
	sb_free(r->groups);
	sb_free(r->qiv);
	sb_free(r->answered_by);
	sb_free(r->gst);
}

static int rep_setup(struct rep *r, uint32_t rep)
{
	const struct sim_scenario *sc = r->sc;
	r->fel.n = 0;
	r->fseq = 0;
	r->used = 0;
	r->free_head = NO_SLOT;
	r->live = 0;
	r->serial = 0;
	r->act_head = r->act_n = 0;
	r->n_agents = 0;
	for (uint32_t g = 0; g < r->ng; g++)
		r->groups[g].n = r->groups[g].on = 0;
	memset(r->qiv, 0, (size_t)r->nq * r->ni * sizeof(*r->qiv));
	memset(r->answered_by, 0, (size_t)r->ng * r->nq * sizeof(*r->answered_by));
	memset(r->gst, 0, (size_t)r->ng * r->ni * ACD_AGENT_STATE_COUNT * sizeof(*r->gst));
	r->events = 0;
	r->iv_lo = r->iv_hi = 0;
	r->iv_i = 0;
	r->err = 0;
	r->err_what = NULL;
	r->now = 0;

	struct rng rr;
	rng_substream(&rr, sc->seed, sim_stream_id(rep, SIM_STREAM_ROUTER, 0));
	struct acd_params ap = {.max_misses = 0, .seed = rng_next(&rr)};
	int err = acd_alloc(&r->acd, &ap, on_event, r);
	if (!err)
		err = kpi_alloc(&r->kpi, sc->interval_ms, 0);
	if (!err)
		err = sim_traffic_alloc(&r->tr, sc->seed, rep);
	if (err) {
		r->err_what = "allocation";
		return err;
	}
	for (uint32_t q = 0; q < r->nq; q++) {
		const struct sim_queue *sq = &sc->queues[q];
		err = acd_queue_add(r->acd, q + 1, &sq->p);
		if (!err)
			err = kpi_queue_config(r->kpi, q + 1, sq->p.sl_threshold_ms,
					       sq->p.short_abandon_ms);
		if (!err) {
			struct sim_traffic_source src = {
			    .tag = q,
			    .key = sim_name_key(sq->name),
			    .origin_ms = 0,
			    .interval_ms = sc->interval_ms,
			    .calls = sq->calls,
			    .n = sq->n_calls,
			    .cyclic = false,
			    .handle = sq->handle,
			    .patience = sq->patience,
			};
			err = sim_traffic_add(r->tr, &src);
		}
		if (err) {
			r->err_what = "queue setup";
			return err;
		}
	}
	for (uint32_t g = 0; g < r->ng; g++)
		if (r->run->n_steps[g])
			fel_add(r, r->run->steps[g][0].t, FK_STAFF, g, 0);
	return r->err;
}

static void on_arrival(struct rep *r)
{
	struct sim_call_draw d;
	if (sim_traffic_next(r->tr, INT64_MAX, &d) != 0)
		return; /* cannot happen: peeked just before */
	int64_t now = d.t_ms;
	if (now >= r->horizon)
		now = r->horizon - 1; /* an arrival just before the horizon rounded up onto it */
	r->now = now;
	r->events++;
	const struct sim_queue *sq = &r->sc->queues[d.tag];
	struct crec *c = crec_alloc(r);
	if (!c) {
		core_err(r, ENOMEM, "call records");
		return;
	}
	uint64_t id = c->id;
	c->arrival = now;
	c->handle_ms = sim_round_ms(d.handle_ms);
	c->q0 = c->q = d.tag;
	c->state = C_WAIT;
	c->ewt_ms = acd_queue_ewt(r->acd, d.tag + 1);
	struct acd_call_params cp = {.priority = sq->priority, .caller_key = 0};
	enum acd_refusal refused;
	int err = acd_call_enter(r->acd, id, d.tag + 1, &cp, now, &refused);
	if (err) {
		core_err(r, err, "acd_call_enter");
		if (crec_get(r, id))
			crec_free(r, c);
		return;
	}
	/* the sink freed the record if the call was refused */
	bool alive = crec_get(r, id) != NULL;
	bool offered = alive && c->offered;
	if (alive) {
		struct qiv *b = &r->qiv[d.tag * r->ni + iv_of(r, now)];
		b->arrived++;
		if (!offered)
			b->waited++;
		/* with no ring delay an offered caller is connected before anything else happens */
		if (isfinite(d.patience_ms) && (!offered || r->ring_delay > 0))
			fel_add(r, sim_round_ms(d.t + d.patience_ms), FK_PATIENCE, id, 0);
	}
	drain(r);
}

static void on_fel(struct rep *r, const struct sim_fel_ev *ev)
{
	r->now = ev->t;
	switch (ev->kind) {
	case FK_STAFF: {
		uint32_t g = (uint32_t)ev->a, k = ev->b;
		staff(r, g, r->run->steps[g][k].agents, ev->t);
		if (k + 1 < r->run->n_steps[g])
			fel_add(r, r->run->steps[g][k + 1].t, FK_STAFF, g, k + 1);
		break;
	}
	case FK_COMPLETE:
		core_err(r, acd_call_hangup(r->acd, ev->a, ACD_SIDE_AGENT, ev->t),
			 "acd_call_hangup");
		drain(r);
		break;
	case FK_ANSWER: {
		int err = acd_call_answer(r->acd, ev->a, ev->b, ev->t);
		if (err != EALREADY && err != ENOENT)
			core_err(r, err, "acd_call_answer");
		drain(r);
		break;
	}
	case FK_PATIENCE: {
		struct crec *c = crec_get(r, ev->a);
		if (!c || c->state != C_WAIT)
			break; /* answered, gone or turned into a callback meanwhile */
		core_err(r, acd_call_hangup(r->acd, ev->a, ACD_SIDE_CALLER, ev->t),
			 "acd_call_hangup");
		drain(r);
		break;
	}
	default:
		break;
	}
}

static int rep_loop(struct rep *r)
{
	for (;;) {
		if (r->err)
			return r->err;
		int64_t ta = sim_traffic_peek(r->tr);
		int64_t tf = sim_fel_top(&r->fel);
		int64_t tc = acd_next_deadline(r->acd);
		/* done: no caller left or coming, and nothing left to do before the horizon */
		if (ta == INT64_MAX && r->live == 0 && tf >= r->horizon && tc >= r->horizon)
			break;
		int64_t t = ta < tf ? ta : tf;
		if (tc <= t) {
			if (tc > r->limit)
				break;
			r->now = tc;
			acd_advance(r->acd, tc);
			drain(r);
			continue;
		}
		if (t > r->limit)
			break;
		if (tf <= ta) {
			struct sim_fel_ev ev;
			sim_fel_pop(&r->fel, &ev);
			on_fel(r, &ev);
		} else {
			on_arrival(r);
		}
	}
	r->stop = r->now > r->horizon ? r->now : r->horizon;
	return 0;
}

/* ---------- figures ---------- */

/* What one cell (queue or all, interval or total) of one replication needs. */
struct cell {
	struct kpi_counts c;
	struct qiv own;
	struct kpi_agent_counts ag; /* state time of the agents serving it */
	int64_t span_ms;
};

static void cell_add(struct cell *a, const struct cell *b, bool agents)
{
	kpi_counts_add(&a->c, &b->c);
	a->own.arrived += b->own.arrived;
	a->own.waited += b->own.waited;
	a->own.unfinished += b->own.unfinished;
	a->own.ewt_n += b->own.ewt_n;
	a->own.ewt_abs += b->own.ewt_abs;
	a->own.ewt_sum += b->own.ewt_sum;
	if (agents) {
		for (int s = 0; s < ACD_AGENT_STATE_COUNT; s++)
			a->ag.state_ms[s] += b->ag.state_ms[s];
		a->span_ms += b->span_ms;
	}
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

static void cell_values(const struct cell *x, double *v)
{
	const struct kpi_counts *c = &x->c;
	v[SIM_M_OFFERED] = (double)c->offered;
	v[SIM_M_ANSWERED] = (double)c->answered;
	v[SIM_M_ABANDONED] = (double)c->abandoned;
	v[SIM_M_OVERFLOWED] = (double)c->overflowed;
	v[SIM_M_REFUSED] = (double)c->refused;
	v[SIM_M_UNFINISHED] = (double)x->own.unfinished;
	v[SIM_M_SL_OFFERED] = kpi_sl_offered(c);
	v[SIM_M_SL_ANSWERED] = kpi_sl_answered(c);
	v[SIM_M_SL_EXCL_SHORT] = kpi_sl_excl_short(c);
	v[SIM_M_SL2] = kpi_sl2(c);
	v[SIM_M_ABANDON_RATE] = kpi_abandon_rate(c);
	v[SIM_M_P_WAIT] = ratio((double)x->own.waited, (double)x->own.arrived);
	v[SIM_M_ASA_S] = kpi_asa_ms(c) / 1000.0;
	v[SIM_M_AHT_S] = kpi_aht_ms(c) / 1000.0;
	v[SIM_M_OCCUPANCY] = kpi_occupancy(&x->ag);
	int64_t logged = 0;
	for (int s = 0; s < ACD_AGENT_STATE_COUNT; s++)
		if (s != ACD_AGENT_LOGGED_OUT)
			logged += x->ag.state_ms[s];
	v[SIM_M_AGENTS] = ratio((double)logged, (double)x->span_ms);
	v[SIM_M_EWT_MAE_S] = ratio(x->own.ewt_abs, (double)x->own.ewt_n) / 1000.0;
	v[SIM_M_EWT_BIAS_S] = ratio(x->own.ewt_sum, (double)x->own.ewt_n) / 1000.0;
}

static void acc_cell(struct run *run, uint32_t q, uint32_t i, const struct cell *x)
{
	double v[SIM_M_COUNT];
	cell_values(x, v);
	struct sim_acc *a = &run->acc[((size_t)q * (run->ni + 1) + i) * SIM_M_COUNT];
	for (int m = 0; m < SIM_M_COUNT; m++)
		sim_acc_add(&a[m], v[m]);
}

static void rep_collect(struct rep *r)
{
	struct run *run = r->run;
	uint32_t nq = r->nq, ni = r->ni, ng = r->ng, w = r->sc->warmup_intervals;

	/* callers still waiting or ringing */
	for (uint32_t s = 0; s < r->used; s++) {
		const struct crec *c = &r->calls[s];
		if (!c->id || c->state != C_WAIT)
			continue;
		uint32_t i = iv_of(r, c->t_enter);
		if (i != UINT32_MAX)
			r->qiv[c->q * ni + i].unfinished++;
	}
	/* agents' time in state: closed periods were booked by the sink, open ones end at the stop
	 */
	for (uint32_t id = 1; id <= r->n_agents; id++) {
		uint32_t g = r->agent_group[id - 1];
		struct acd_agent_info info;
		if (acd_agent_info(r->acd, id, &info) == 0 && info.state != ACD_AGENT_LOGGED_OUT)
			gst_add(r, g, (uint8_t)info.state, info.since, r->stop);
	}

	struct cell *gcell = sb_calloc((size_t)ng * ni, sizeof(*gcell));
	struct cell *qtot = sb_calloc(nq + 1, sizeof(*qtot));
	struct cell *all = sb_calloc(ni, sizeof(*all));
	if (!gcell || !qtot || !all) {
		core_err(r, ENOMEM, "figures");
		goto out;
	}
	for (uint32_t g = 0; g < ng; g++)
		for (uint32_t i = 0; i < ni; i++) {
			struct cell *x = &gcell[(size_t)g * ni + i];
			memcpy(x->ag.state_ms,
			       &r->gst[((size_t)g * ni + i) * ACD_AGENT_STATE_COUNT],
			       sizeof(x->ag.state_ms));
			x->span_ms = r->ilen;
		}
	for (uint32_t q = 0; q < nq; q++) {
		for (uint32_t i = 0; i < ni; i++) {
			struct cell x;
			memset(&x, 0, sizeof(x));
			kpi_queue_interval(r->kpi, q + 1, (int64_t)i * r->ilen, &x.c);
			x.own = r->qiv[q * ni + i];
			x.span_ms = r->ilen;
			for (uint32_t g = 0; g < ng; g++)
				if (run->serves[q * ng + g])
					for (int s = 0; s < ACD_AGENT_STATE_COUNT; s++)
						x.ag.state_ms[s] +=
						    gcell[(size_t)g * ni + i].ag.state_ms[s];
			acc_cell(run, q, i, &x);
			if (i >= w)
				cell_add(&qtot[q], &x, true);
			cell_add(&all[i], &x, false);
		}
		acc_cell(run, q, ni, &qtot[q]);
		cell_add(&qtot[nq], &qtot[q], false);
	}
	for (uint32_t i = 0; i < ni; i++) {
		for (uint32_t g = 0; g < ng; g++)
			for (int s = 0; s < ACD_AGENT_STATE_COUNT; s++)
				all[i].ag.state_ms[s] += gcell[(size_t)g * ni + i].ag.state_ms[s];
		all[i].span_ms = r->ilen;
		acc_cell(run, nq, i, &all[i]);
		if (i >= w) {
			for (int s = 0; s < ACD_AGENT_STATE_COUNT; s++)
				qtot[nq].ag.state_ms[s] += all[i].ag.state_ms[s];
			qtot[nq].span_ms += r->ilen;
		}
	}
	acc_cell(run, nq, ni, &qtot[nq]);

	/* groups over the whole run */
	uint32_t gw = gacc_width(nq);
	for (uint32_t g = 0; g < ng; g++) {
		struct cell x;
		memset(&x, 0, sizeof(x));
		for (uint32_t i = w; i < ni; i++)
			cell_add(&x, &gcell[(size_t)g * ni + i], true);
		double v[SIM_M_COUNT];
		cell_values(&x, v);
		struct sim_acc *a = &run->gacc[(size_t)g * gw];
		sim_acc_add(&a[SIM_G_OCCUPANCY], v[SIM_M_OCCUPANCY]);
		sim_acc_add(&a[SIM_G_AGENTS], v[SIM_M_AGENTS]);
		uint64_t sum = 0;
		for (uint32_t q = 0; q < nq; q++) {
			sim_acc_add(&a[SIM_G_ANSWERED + q], (double)r->answered_by[g * nq + q]);
			sum += r->answered_by[g * nq + q];
		}
		sim_acc_add(&a[SIM_G_ANSWERED + nq], (double)sum);
	}
out:
	sb_free(gcell);
	sb_free(qtot);
	sb_free(all);
}

/* ---------- the run ---------- */

static bool group_serves(const struct sim_group *g, uint32_t gi, const struct sim_queue *q)
{
	if (q->p.group && q->p.group != gi + 1)
		return false;
	for (uint32_t k = 0; k < q->p.n_req; k++) {
		int level = 0;
		for (uint32_t j = 0; j < g->n_skills; j++)
			if (g->skills[j].skill == q->p.req[k].skill)
				level = g->skills[j].level;
		if (level < q->p.req[k].min_level)
			return false;
	}
	return true;
}

static void run_free(struct run *run)
{
	for (uint32_t g = 0; run->steps && g < run->ng; g++)
		sb_free(run->steps[g]);
	sb_free(run->steps);
	sb_free(run->n_steps);
	sb_free(run->serves);
	sb_free(run->acc);
	sb_free(run->gacc);
	sb_free(run->rep_events);
}

static int say(char *why, size_t len, int err, const char *fmt, ...)
{
	if (why && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return err;
}

int sim_run(const struct sim_scenario *sc, struct sim_result **out, char *why, size_t len)
{
	if (!sc || !out)
		return EINVAL;
	*out = NULL;
	int err = sim_scenario_check(sc, why, len);
	if (err)
		return err;
	struct run run;
	struct rep r;
	memset(&run, 0, sizeof(run));
	memset(&r, 0, sizeof(r));
	run.sc = sc;
	run.nq = sc->n_queues;
	run.ni = sc->n_intervals;
	run.ng = sc->n_groups;
	size_t ncells = (size_t)(run.nq + 1) * (run.ni + 1) * SIM_M_COUNT;
	run.steps = sb_calloc(run.ng, sizeof(*run.steps));
	run.n_steps = sb_calloc(run.ng, sizeof(*run.n_steps));
	run.serves = sb_calloc((size_t)run.nq * run.ng, sizeof(*run.serves));
	run.acc = sb_calloc(ncells, sizeof(*run.acc));
	run.gacc = sb_calloc((size_t)run.ng * gacc_width(run.nq), sizeof(*run.gacc));
	run.rep_events = sb_calloc(sc->replications, sizeof(*run.rep_events));
	r.run = &run;
	r.sc = sc;
	r.nq = run.nq;
	r.ni = run.ni;
	r.ng = run.ng;
	r.ilen = sc->interval_ms;
	r.horizon = sc->interval_ms * (int64_t)sc->n_intervals;
	r.limit = r.horizon + sc->drain_ms;
	r.ring_delay = sc->ring_delay_ms;
	r.groups = sb_calloc(run.ng, sizeof(*r.groups));
	r.qiv = sb_calloc((size_t)run.nq * run.ni, sizeof(*r.qiv));
	r.answered_by = sb_calloc((size_t)run.ng * run.nq, sizeof(*r.answered_by));
	r.gst = sb_calloc((size_t)run.ng * run.ni * ACD_AGENT_STATE_COUNT, sizeof(*r.gst));
	sim_fel_init(&r.fel);
	if (!run.steps || !run.n_steps || !run.serves || !run.acc || !run.gacc || !run.rep_events ||
	    !r.groups || !r.qiv || !r.answered_by || !r.gst) {
		err = say(why, len, ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t g = 0; g < run.ng; g++) {
		err = plan_group(sc, &sc->groups[g], &run.steps[g], &run.n_steps[g]);
		if (err) {
			say(why, len, err, "out of memory");
			goto out;
		}
		for (uint32_t q = 0; q < run.nq; q++)
			run.serves[q * run.ng + g] =
			    group_serves(&sc->groups[g], g, &sc->queues[q]);
	}
	for (uint32_t rep = 0; rep < sc->replications; rep++) {
		err = rep_setup(&r, rep);
		if (!err)
			err = rep_loop(&r);
		if (!err) {
			rep_collect(&r);
			err = r.err;
		}
		if (err) {
			say(why, len, err, "replication %u: %s failed: %s", rep,
			    r.err_what ? r.err_what : "setup", strerror(err));
			goto out;
		}
		run.rep_events[rep] = r.events;
		run.events += r.events;
		rep_release(&r);
	}
	struct sim_result *res = sb_zalloc(sizeof(*res));
	if (!res) {
		err = say(why, len, ENOMEM, "out of memory");
		goto out;
	}
	res->nq = run.nq;
	res->ni = run.ni;
	res->ng = run.ng;
	res->reps = sc->replications;
	res->acc = run.acc;
	res->gacc = run.gacc;
	res->rep_events = run.rep_events;
	res->events = run.events;
	run.acc = NULL;
	run.gacc = NULL;
	run.rep_events = NULL;
	*out = res;
out:
	rep_free(&r);
	run_free(&run);
	return err;
}

void sim_result_free(struct sim_result *r)
{
	if (!r)
		return;
	sb_free(r->acc);
	sb_free(r->gacc);
	sb_free(r->rep_events);
	sb_free(r);
}

int sim_result_stat(const struct sim_result *r, uint32_t queue, uint32_t interval,
		    enum sim_metric m, struct sim_stat *out)
{
	if (!r || !out || (unsigned)m >= SIM_M_COUNT)
		return EINVAL;
	uint32_t q = queue == SIM_ALL ? r->nq : queue;
	uint32_t i = interval == SIM_TOTAL ? r->ni : interval;
	if (q > r->nq || i > r->ni)
		return ENOENT;
	sim_acc_stat(&r->acc[((size_t)q * (r->ni + 1) + i) * SIM_M_COUNT + m], out);
	return 0;
}

int sim_result_group(const struct sim_result *r, uint32_t group, enum sim_group_metric m,
		     uint32_t queue, struct sim_stat *out)
{
	if (!r || !out || (unsigned)m >= SIM_G_COUNT)
		return EINVAL;
	if (group >= r->ng)
		return ENOENT;
	uint32_t k = m;
	if (m == SIM_G_ANSWERED) {
		uint32_t q = queue == SIM_ALL ? r->nq : queue;
		if (q > r->nq)
			return ENOENT;
		k = SIM_G_ANSWERED + q;
	}
	sim_acc_stat(&r->gacc[(size_t)group * gacc_width(r->nq) + k], out);
	return 0;
}

uint64_t sim_result_events(const struct sim_result *r)
{
	return r ? r->events : 0;
}

uint64_t sim_result_rep_events(const struct sim_result *r, uint32_t rep)
{
	return r && rep < r->reps ? r->rep_events[rep] : 0;
}

static const char *const metric_names[SIM_M_COUNT] = {
    [SIM_M_OFFERED] = "offered",
    [SIM_M_ANSWERED] = "answered",
    [SIM_M_ABANDONED] = "abandoned",
    [SIM_M_OVERFLOWED] = "overflowed",
    [SIM_M_REFUSED] = "refused",
    [SIM_M_UNFINISHED] = "unfinished",
    [SIM_M_SL_OFFERED] = "sl_offered",
    [SIM_M_SL_ANSWERED] = "sl_answered",
    [SIM_M_SL_EXCL_SHORT] = "sl_excl_short",
    [SIM_M_SL2] = "sl2",
    [SIM_M_ABANDON_RATE] = "abandon_rate",
    [SIM_M_P_WAIT] = "p_wait",
    [SIM_M_ASA_S] = "asa_s",
    [SIM_M_AHT_S] = "aht_s",
    [SIM_M_OCCUPANCY] = "occupancy",
    [SIM_M_AGENTS] = "agents",
    [SIM_M_EWT_MAE_S] = "ewt_mae_s",
    [SIM_M_EWT_BIAS_S] = "ewt_bias_s",
};

const char *sim_metric_name(enum sim_metric m)
{
	return (unsigned)m < SIM_M_COUNT ? metric_names[m] : "unknown";
}

const char *sim_group_metric_name(enum sim_group_metric m)
{
	static const char *const names[SIM_G_COUNT] = {"occupancy", "agents", "answered"};
	return (unsigned)m < SIM_G_COUNT ? names[m] : "unknown";
}
