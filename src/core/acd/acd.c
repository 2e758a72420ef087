/* acd: queues, agents and the router (see acd.h for the contract, docs/internals/acd.md for the
 * design). */
#include "core/acd/acd_impl.h"

#include "base/mem.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/*
 * The central invariant, kept after every entry point returns: no waiting
 * caller could be given to a ready agent (work conservation). Because of it
 * a new caller only needs to look at ready agents, and an agent who becomes
 * ready only at waiting callers; neither ever scans everything.
 *
 * Ready agents sit in per-(queue, tier) pools ordered by the queue's
 * strategy; waiting callers sit in per-(queue, priority) bands ordered by
 * their wait start. A caller's tier only grows with its wait, so the head of
 * a band is the caller of that band most widely served.
 */

static void route_call(struct acd *acd, struct call *c);
static void agent_free(struct acd *acd, struct agent *a);
static void overflow(struct acd *acd, struct call *c);
static void to_callback(struct acd *acd, struct call *c, uint32_t reason);

/* ---------- events ---------- */

static void emit(struct acd *acd, struct acd_event *ev)
{
	ev->time = acd->now;
	if (acd->sink)
		acd->sink(ev, acd->arg);
}

static inline void call_event_init(struct acd_event *ev, uint16_t type, const struct call *c)
{
	/* a compound literal zeroes with a few inline stores, no memset call */
	*ev = (struct acd_event){
	    .type = type,
	    .call = c->id,
	    .queue = c->q ? c->q->id : 0,
	    .priority = c->prio,
	    .flags = c->flags,
	    .t_enter = c->t_enter,
	};
}

/* ---------- timers ---------- */

static void tmr_init(struct tmr *t, uint8_t kind)
{
	heap_node_init(&t->hn);
	t->kind = kind;
}

static void tmr_start(struct acd *acd, struct tmr *t, int64_t when)
{
	heap_remove(&acd->timers, &t->hn);
	t->hn.k1 = when;
	t->hn.k2 = (int64_t)++acd->tseq;
	t->hn.k3 = 0;
	if (when <= acd->now)
		acd->overdue = true;
	/* cannot fail for lack of memory in practice: on ENOMEM the timer is lost, so say so loudly
	 */
	if (heap_push(&acd->timers, &t->hn) != 0)
		t->hn.idx = HEAP_NONE;
}

static void tmr_stop(struct acd *acd, struct tmr *t)
{
	heap_remove(&acd->timers, &t->hn);
}

/*
 * A call's timers, with a bit per timer in c->armed (in the call's first
 * cache line) saying whether it is in the heap: stopping a timer that is not
 * running then reads nothing else (acd_check verifies the bits).
 */
static inline uint8_t call_tmr_bit(const struct call *c, const struct tmr *t)
{
	return t == &c->t_ring ? CALL_T_RING : t == &c->t_widen ? CALL_T_WIDEN : CALL_T_WAIT;
}

static void call_tmr_start(struct acd *acd, struct call *c, struct tmr *t, int64_t when)
{
	tmr_start(acd, t, when);
	if (heap_node_linked(&t->hn))
		c->armed |= call_tmr_bit(c, t);
}

static void call_tmr_stop(struct acd *acd, struct call *c, struct tmr *t)
{
	uint8_t bit = call_tmr_bit(c, t);
	if (c->armed & bit) {
		c->armed &= (uint8_t)~bit;
		tmr_stop(acd, t);
	}
}

/* ---------- lookups ---------- */

static inline struct queue *queue_get(const struct acd *acd, uint32_t id)
{
	return idmap_get(&acd->queues, id);
}

static inline struct agent *agent_get(const struct acd *acd, uint32_t id)
{
	return idmap_get(&acd->agents, id);
}

static inline struct call *call_get(const struct acd *acd, uint64_t id)
{
	return idmap_get(&acd->calls, id);
}

static struct member *member_of(const struct agent *a, const struct queue *q)
{
	for (uint32_t i = 0; i < a->n_mem; i++)
		if (a->mem[i].queue == q)
			return &a->mem[i];
	return NULL;
}

/* ---------- pools of ready agents ---------- */

static bool strategy_random(const struct queue *q)
{
	return q->strategy == ACD_STRATEGY_RANDOM;
}

static inline bool pentry_less(const struct pentry *x, const struct pentry *y)
{
	if (x->k1 != y->k1)
		return x->k1 < y->k1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2;
	return x->id < y->id;
}

static inline bool pentry_valid(const struct acd *acd, const struct pentry *e)
{
	return acd->epochs[e->slot] == e->epoch;
}

static void pool_sift_down(struct pool *pl, uint32_t i)
{
	struct pentry x = pl->v[i];
	uint32_t n = pl->n;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && pentry_less(&pl->v[c + 1], &pl->v[c]))
			c++;
		if (!pentry_less(&pl->v[c], &x))
			break;
		pl->v[i] = pl->v[c];
		i = c;
	}
	pl->v[i] = x;
}

static void pool_sift_up(struct pool *pl, uint32_t i)
{
	struct pentry x = pl->v[i];
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!pentry_less(&x, &pl->v[p]))
			break;
		pl->v[i] = pl->v[p];
		i = p;
	}
	pl->v[i] = x;
}

/* Drops every stale entry and restores the order (linear time). */
static void pool_compact(const struct acd *acd, struct pool *pl, bool ordered)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < pl->n; i++)
		if (pentry_valid(acd, &pl->v[i]))
			pl->v[n++] = pl->v[i];
	pl->n = n;
	if (ordered && n > 1)
		for (uint32_t i = n / 2; i-- > 0;)
			pool_sift_down(pl, i);
	/* the FIFO keeps its order: close the gaps in place (writes never pass reads) */
	uint32_t fn = 0;
	for (uint32_t i = 0; i < pl->fn; i++) {
		struct pentry e = pl->f[(pl->fh + i) & (pl->fcap - 1)];
		if (pentry_valid(acd, &e))
			pl->f[(pl->fh + fn++) & (pl->fcap - 1)] = e;
	}
	pl->fn = fn;
}

static void pool_pop(struct pool *pl)
{
	pl->v[0] = pl->v[--pl->n];
	if (pl->n > 1)
		pool_sift_down(pl, 0);
}

static int pool_grow(struct pentry **v, uint32_t *cap, uint32_t *head, uint32_t n)
{
	uint32_t ncap = *cap ? *cap * 2 : 16;
	struct pentry *nv = sb_alloc(ncap * sizeof(*nv));
	if (!nv)
		return ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		nv[i] = (*v)[head ? (*head + i) & (*cap - 1) : i];
	sb_free(*v);
	*v = nv;
	*cap = ncap;
	if (head)
		*head = 0;
	return 0;
}

static void pool_insert(struct acd *acd, struct agent *a, uint32_t mi)
{
	const struct member *m = &a->mem[mi];
	struct queue *q = m->queue;
	struct pool *pl = &q->pools[m->tier];
	bool ordered = !strategy_random(q);
	struct pentry e;

	if (pl->n + pl->fn >= 2 * pl->live + 8)
		pool_compact(acd, pl, ordered);
	e.id = a->id;
	e.slot = a->slot;
	e.epoch = acd->epochs[a->slot];
	switch (q->strategy) {
	case ACD_STRATEGY_ROUND_ROBIN:
		e.k1 = (int64_t)a->ctr[mi].rr_seq;
		e.k2 = 0;
		break;
	case ACD_STRATEGY_FEWEST_CALLS:
		e.k1 = (int64_t)a->ctr[mi].calls;
		e.k2 = a->idle_since;
		break;
	case ACD_STRATEGY_LEAST_TALK:
		e.k1 = a->talk_ms;
		e.k2 = a->idle_since;
		break;
	case ACD_STRATEGY_LINEAR:
		e.k1 = a->rank;
		e.k2 = 0;
		break;
	case ACD_STRATEGY_BEST_SKILL:
		e.k1 = -(int64_t)m->prof;
		e.k2 = a->idle_since;
		break;
	default: /* longest idle, ring-all, random (keys unused) */
		e.k1 = a->idle_since;
		e.k2 = 0;
		break;
	}
	if (ordered &&
	    (pl->fn == 0 || !pentry_less(&e, &pl->f[(pl->fh + pl->fn - 1) & (pl->fcap - 1)]))) {
		if (pl->fn == pl->fcap && pool_grow(&pl->f, &pl->fcap, &pl->fh, pl->fn) != 0)
			return; /* out of memory: the agent is not offered this queue's calls */
		pl->f[(pl->fh + pl->fn) & (pl->fcap - 1)] = e;
		pl->fn++;
		return;
	}
	if (pl->n == pl->cap && pool_grow(&pl->v, &pl->cap, NULL, pl->n) != 0)
		return;
	pl->v[pl->n++] = e;
	if (ordered)
		pool_sift_up(pl, pl->n - 1);
}

/* The pool's best ready agent by the queue's strategy, or NULL. Drops stale entries on the way. */
static struct agent *pool_best(struct acd *acd, struct queue *q, uint32_t tier)
{
	struct pool *pl = &q->pools[tier];
	if (strategy_random(q)) {
		while (pl->n) {
			uint32_t i = (uint32_t)rng_below(&acd->rng, pl->n);
			if (pentry_valid(acd, &pl->v[i]))
				return acd->by_slot[pl->v[i].slot];
			pl->v[i] = pl->v[--pl->n];
		}
		return NULL;
	}
	while (pl->fn && !pentry_valid(acd, &pl->f[pl->fh])) {
		pl->fh = (pl->fh + 1) & (pl->fcap - 1);
		pl->fn--;
	}
	while (pl->n && !pentry_valid(acd, &pl->v[0]))
		pool_pop(pl);
	const struct pentry *f = pl->fn ? &pl->f[pl->fh] : NULL;
	const struct pentry *h = pl->n ? &pl->v[0] : NULL;
	if (f && h)
		return acd->by_slot[pentry_less(f, h) ? f->slot : h->slot];
	return f ? acd->by_slot[f->slot] : h ? acd->by_slot[h->slot] : NULL;
}

/* Number of ready agents in a pool (linear: for queries, not for routing). */
static uint32_t pool_ready(const struct acd *acd, const struct pool *pl)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < pl->n; i++)
		n += pentry_valid(acd, &pl->v[i]);
	for (uint32_t i = 0; i < pl->fn; i++)
		n += pentry_valid(acd, &pl->f[(pl->fh + i) & (pl->fcap - 1)]);
	return n;
}

static void agent_pools_insert(struct acd *acd, struct agent *a)
{
	if (a->in_pools || a->state != ACD_AGENT_READY)
		return;
	for (uint32_t i = 0; i < a->n_mem; i++) {
		a->mem[i].queue->pools[a->mem[i].tier].live++;
		pool_insert(acd, a, i);
	}
	a->in_pools = true;
}

/* Every entry the agent left in the pools goes stale at once. */
static void agent_pools_remove(struct acd *acd, struct agent *a)
{
	if (!a->in_pools)
		return;
	acd->epochs[a->slot]++;
	for (uint32_t i = 0; i < a->n_mem; i++)
		a->mem[i].queue->pools[a->mem[i].tier].live--;
	a->in_pools = false;
}

/* ---------- memberships ---------- */

static int agent_level(const struct agent *a, uint32_t skill)
{
	for (uint32_t i = 0; i < a->p.n_skills; i++)
		if (a->p.skills[i].skill == skill)
			return a->p.skills[i].level;
	return 0;
}

static bool agent_in_group(const struct agent *a, uint32_t group)
{
	if (group == 0)
		return false;
	if (a->p.team == group)
		return true;
	for (uint32_t i = 0; i < a->p.n_groups; i++)
		if (a->p.groups[i] == group)
			return true;
	return false;
}

static bool meets_skills(const struct agent *a, const struct queue *q, int drop)
{
	for (uint32_t i = 0; i < q->p.n_req; i++) {
		int need = q->p.req[i].min_level - drop;
		if (need < 1)
			need = 1;
		if (agent_level(a, q->p.req[i].skill) < need)
			return false;
	}
	return true;
}

/* First tier at which the agent qualifies for the queue, or -1. */
static int member_tier(const struct agent *a, const struct queue *q)
{
	bool in_base_group = q->p.group == 0 || agent_in_group(a, q->p.group);
	if (in_base_group && meets_skills(a, q, 0))
		return 0;
	int drop = 0;
	for (uint32_t t = 0; t < q->p.n_tiers; t++) {
		const struct acd_tier *tr = &q->p.tiers[t];
		if (tr->level_drop > drop)
			drop = tr->level_drop;
		if (agent_in_group(a, tr->group))
			return (int)t + 1;
		if (in_base_group && meets_skills(a, q, drop))
			return (int)t + 1;
		/* groups of earlier steps were checked at their own step */
	}
	return -1;
}

static int proficiency(const struct agent *a, const struct queue *q)
{
	int s = 0;
	for (uint32_t i = 0; i < q->p.n_req; i++)
		s += agent_level(a, q->p.req[i].skill);
	return s;
}

static bool state_logged(uint8_t s)
{
	return s != ACD_AGENT_LOGGED_OUT;
}

static bool state_staffed(uint8_t s)
{
	return s != ACD_AGENT_LOGGED_OUT && s != ACD_AGENT_NOT_READY;
}

/* Adds (sign 1) or removes (sign -1) an agent's state from its queues' gauges. */
static void gauges_apply(struct agent *a, uint8_t state, int sign)
{
	bool logged = state_logged(state), staffed = state_staffed(state);
	if (!logged && !staffed)
		return;
	for (uint32_t i = 0; i < a->n_mem; i++) {
		struct queue *q = a->mem[i].queue;
		if (logged)
			q->n_logged += (uint32_t)sign;
		if (staffed && a->mem[i].tier == 0)
			q->n_staffed += (uint32_t)sign;
	}
}

/* Gauges change only when an agent logs in or out or crosses not-ready: not on every call. */
static void gauges_move(struct agent *a, uint8_t from, uint8_t to)
{
	if (state_logged(from) == state_logged(to) && state_staffed(from) == state_staffed(to))
		return;
	gauges_apply(a, from, -1);
	gauges_apply(a, to, 1);
}

/*
 * Re-derives an agent's memberships from its skills and the queues. The
 * agent must be out of the pools. Per-queue counters (calls, rotation)
 * survive for queues the agent still serves.
 */
static int agent_rebuild(struct acd *acd, struct agent *a)
{
	uint32_t n = 0;
	struct queue *q;
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);)
		n += member_tier(a, q) >= 0;
	/* one block: the memberships, then their counters */
	struct member *mem = n ? sb_calloc(n, sizeof(*mem) + sizeof(struct member_ctr)) : NULL;
	if (n && !mem)
		return ENOMEM;
	struct member_ctr *ctr = n ? (struct member_ctr *)(void *)(mem + n) : NULL;
	n = 0;
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);) {
		int tier = member_tier(a, q);
		if (tier < 0)
			continue;
		struct member *m = &mem[n];
		const struct member *old = member_of(a, q);
		m->queue = q;
		m->tier = (uint8_t)tier;
		m->prof = proficiency(a, q);
		if (old)
			ctr[n] = a->ctr[old - a->mem];
		n++;
	}
	gauges_apply(a, a->state, -1);
	for (uint32_t i = 0; i < a->n_mem; i++)
		a->mem[i].queue->members[a->mem[i].tier]--;
	sb_free(a->mem);
	a->mem = mem;
	a->ctr = ctr;
	a->n_mem = n;
	for (uint32_t i = 0; i < a->n_mem; i++)
		a->mem[i].queue->members[a->mem[i].tier]++;
	/* pools that lost members keep their bound on stale entries */
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);)
		for (uint32_t t = 0; t <= ACD_MAX_TIERS; t++)
			if (q->pools[t].n + q->pools[t].fn > 2 * q->members[t] + 8)
				pool_compact(acd, &q->pools[t], !strategy_random(q));
	gauges_apply(a, a->state, 1);
	return 0;
}

/* ---------- bands of waiting callers ---------- */

static bool call_before(const struct call *x, const struct call *y)
{
	if (x->key != y->key)
		return x->key < y->key;
	return x->seq < y->seq;
}

static struct band *band_get(struct queue *q, int32_t prio)
{
	uint32_t i = 0;
	while (i < q->n_bands && q->bands[i].prio > prio)
		i++;
	if (i < q->n_bands && q->bands[i].prio == prio)
		return &q->bands[i];
	if (q->n_bands == q->cap_bands) {
		uint32_t cap = q->cap_bands ? q->cap_bands * 2 : 4;
		struct band *b = sb_alloc(cap * sizeof(*b));
		if (!b)
			return NULL;
		/* lists point into the array: move them by relinking */
		for (uint32_t j = 0; j < q->n_bands; j++) {
			b[j] = q->bands[j];
			dlist_init(&b[j].calls);
			if (!dlist_empty(&q->bands[j].calls)) {
				b[j].calls.next = q->bands[j].calls.next;
				b[j].calls.prev = q->bands[j].calls.prev;
				b[j].calls.next->prev = &b[j].calls;
				b[j].calls.prev->next = &b[j].calls;
			}
		}
		sb_free(q->bands);
		q->bands = b;
		q->cap_bands = cap;
		/* the calls' band pointers moved too */
		for (uint32_t j = 0; j < q->n_bands; j++)
			dlist_for_each(it, &b[j].calls) container_of(it, struct call, link)->band =
			    &b[j];
	}
	/* shift bands after i one place right, relinking their lists */
	for (uint32_t j = q->n_bands; j > i; j--) {
		struct band *dst = &q->bands[j], *src = &q->bands[j - 1];
		dst->prio = src->prio;
		dst->n = src->n;
		dlist_init(&dst->calls);
		if (!dlist_empty(&src->calls)) {
			dst->calls.next = src->calls.next;
			dst->calls.prev = src->calls.prev;
			dst->calls.next->prev = &dst->calls;
			dst->calls.prev->next = &dst->calls;
		}
		dlist_for_each(it, &dst->calls) container_of(it, struct call, link)->band = dst;
	}
	q->n_bands++;
	q->bands[i].prio = prio;
	q->bands[i].n = 0;
	dlist_init(&q->bands[i].calls);
	return &q->bands[i];
}

static int band_insert(struct queue *q, struct call *c)
{
	struct band *b = band_get(q, c->prio);
	if (!b)
		return ENOMEM;
	/* usually the newest: walk from the tail */
	struct dlist *pos = &b->calls;
	while (pos->prev != &b->calls && call_before(c, container_of(pos->prev, struct call, link)))
		pos = pos->prev;
	dlist_insert_before(pos, &c->link);
	c->band = b;
	b->n++;
	return 0;
}

static void band_remove(struct call *c)
{
	if (!c->band)
		return;
	dlist_unlink(&c->link);
	c->band->n--;
	c->band = NULL;
}

static struct call *band_head(struct band *b)
{
	return dlist_empty(&b->calls) ? NULL
				      : container_of(dlist_first(&b->calls), struct call, link);
}

/* ---------- calls: allocation ---------- */

static void call_free(struct call *c)
{
	sb_free(c);
}

static struct call *call_new(struct acd *acd)
{
	struct call *c = acd->free_calls;
	if (c) {
		/*
		 * A recycled call's timers are stopped and keep their kinds (t_wait's
		 * is set before each start): clear only what precedes them, sparing
		 * their cache lines.
		 */
		acd->free_calls = c->next_free;
		acd->n_free_calls--;
		memset(c, 0, offsetof(struct call, t_ring));
	} else {
		c = sb_zalloc(sizeof(*c));
		if (!c)
			return NULL;
		tmr_init(&c->t_ring, T_RING);
		tmr_init(&c->t_widen, T_WIDEN);
		tmr_init(&c->t_wait, T_MAXWAIT);
	}
	dlist_init(&c->link);
	c->offv = &c->off1;
	return c;
}

static void call_offers_release(struct call *c)
{
	if (c->offv != &c->off1)
		sb_free(c->offv);
	c->offv = &c->off1;
	c->n_off = 0;
}

static void call_destroy(struct acd *acd, struct call *c)
{
	call_tmr_stop(acd, c, &c->t_ring);
	call_tmr_stop(acd, c, &c->t_widen);
	call_tmr_stop(acd, c, &c->t_wait);
	band_remove(c);
	call_offers_release(c);
	if (c->q)
		c->q->n_calls--;
	idmap_del(&acd->calls, c->id);
	if (acd->n_free_calls < 4096) {
		c->next_free = acd->free_calls;
		acd->free_calls = c;
		acd->n_free_calls++;
	} else {
		call_free(c);
	}
}

/* ---------- agent state machine ---------- */

struct agent_ev {
	uint16_t type; /* ACD_EV_AGENT_STATE unless login/logout */
	const struct call *call;
	uint64_t disposition;
};

/*
 * Moves the agent to `to` and emits the event for it. Keeps the gauges and
 * the time-in-state books; the pools are the caller's business.
 */
static void agent_set(struct acd *acd, struct agent *a, uint8_t to, uint32_t reason,
		      const struct agent_ev *x)
{
	struct acd_event ev;
	uint8_t from = a->state;

	if (x && x->call)
		call_event_init(&ev, x->type, x->call);
	else
		ev = (struct acd_event){0};
	ev.type = x ? x->type : ACD_EV_AGENT_STATE;
	ev.agent = a->id;
	ev.from = from;
	ev.to = to;
	ev.reason = reason;
	ev.dur_ms = a->since == INT64_MIN ? 0 : acd->now - a->since;
	if (from == ACD_AGENT_WRAPUP) {
		ev.call = a->wrap_call;
		ev.queue = a->wrap_queue;
		ev.t_enter = a->wrap_t_enter;
		ev.priority = a->wrap_prio;
		ev.flags = a->wrap_flags;
		ev.disposition = x ? x->disposition : 0;
		struct queue *q = queue_get(acd, a->wrap_queue);
		if (q && !(a->wrap_flags & ACD_F_CALLBACK)) {
			int64_t handle = a->wrap_handle_ms + ev.dur_ms;
			q->st.wrap_ms += ev.dur_ms;
			q->aht_ms =
			    q->aht_ms > 0 ? 0.9 * q->aht_ms + 0.1 * (double)handle : (double)handle;
		}
		a->wrap_call = 0;
		tmr_stop(acd, &a->t_wrap);
	}
	a->tis[from] += ev.dur_ms;
	gauges_move(a, from, to);
	a->state = to;
	a->reason = reason;
	a->since = acd->now;
	if (to == ACD_AGENT_READY && from != ACD_AGENT_RESERVED)
		a->idle_since = acd->now;
	if (from == ACD_AGENT_READY)
		agent_pools_remove(acd, a);
	emit(acd, &ev);
}

/* The state an agent takes when a call (or wrap-up) is over: what they asked for, else ready. */
static void agent_after_call(struct acd *acd, struct agent *a, uint64_t disposition,
			     const struct call *c)
{
	struct agent_ev x = {ACD_EV_AGENT_STATE, c, disposition};
	uint8_t to = ACD_AGENT_READY;
	uint32_t reason = ACD_REASON_NONE;
	if (a->pending != ACD_AGENT_STATE_COUNT) {
		to = a->pending;
		reason = a->pending_reason;
		a->pending = ACD_AGENT_STATE_COUNT;
	}
	if (to == ACD_AGENT_LOGGED_OUT)
		x.type = ACD_EV_AGENT_LOGOUT;
	agent_set(acd, a, to, reason, &x);
	if (to == ACD_AGENT_READY)
		agent_free(acd, a);
}

/* Starts wrap-up for the call the agent just finished (or goes straight on). */
static void agent_wrapup(struct acd *acd, struct agent *a, struct call *c, int64_t handle_ms)
{
	struct queue *q = c->q;
	a->call = NULL;
	if (q->p.wrapup == ACD_WRAPUP_NONE) {
		if (!(c->flags & ACD_F_CALLBACK))
			q->aht_ms = q->aht_ms > 0 ? 0.9 * q->aht_ms + 0.1 * (double)handle_ms
						  : (double)handle_ms;
		/* a zero-length wrap-up is not a state: go on directly */
		agent_after_call(acd, a, 0, c);
		return;
	}
	a->wrap_call = c->id;
	a->wrap_queue = q->id;
	a->wrap_t_enter = c->t_enter;
	a->wrap_prio = c->prio;
	a->wrap_flags = c->flags;
	a->wrap_handle_ms = handle_ms;
	struct agent_ev x = {ACD_EV_AGENT_STATE, c, 0};
	agent_set(acd, a, ACD_AGENT_WRAPUP, ACD_REASON_NONE, &x);
	if (q->p.wrapup == ACD_WRAPUP_TIMED)
		tmr_start(acd, &a->t_wrap, acd->now + q->p.wrapup_ms);
}

/* ---------- offering ---------- */

static void call_arm_timers(struct acd *acd, struct call *c)
{
	struct queue *q = c->q;
	int64_t waited = acd->now - c->key;
	uint8_t tier = 0;
	while (tier < q->p.n_tiers && waited >= q->p.tiers[tier].after_ms)
		tier++;
	c->tier = tier;
	if (tier < q->p.n_tiers)
		call_tmr_start(acd, c, &c->t_widen, c->key + q->p.tiers[tier].after_ms);
	else
		call_tmr_stop(acd, c, &c->t_widen);
	if (c->state == ACD_CALL_WAITING && q->p.max_wait_ms > 0) {
		c->t_wait.kind = T_MAXWAIT;
		call_tmr_start(acd, c, &c->t_wait, c->t_enter + q->p.max_wait_ms);
	}
}

/* Room for the offers a call may make at once: one, or a ring-all group. */
static uint32_t call_offer_room(struct call *c, uint32_t want)
{
	if (want <= 1 || c->offv != &c->off1)
		return want <= 1 ? 1 : want;
	struct agent **v = sb_alloc(ACD_MAX_RING_ALL * sizeof(*v));
	if (!v)
		return 1; /* out of memory: ring one agent instead of a group */
	c->offv = v;
	return want;
}

static void call_add_offer(struct call *c, struct agent *a)
{
	c->offv[c->n_off++] = a;
}

static void call_del_offer(struct call *c, struct agent *a)
{
	for (uint32_t i = 0; i < c->n_off; i++) {
		if (c->offv[i] == a) {
			c->offv[i] = c->offv[--c->n_off];
			return;
		}
	}
}

/* Takes the waiting call out of its band; it is now being offered. */
static void call_to_ringing(struct acd *acd, struct call *c)
{
	struct queue *q = c->q;
	band_remove(c);
	if (c->state == ACD_CALL_WAITING) {
		q->n_waiting--;
		q->n_ringing++;
	} else {
		q->n_cb_waiting--;
	}
	c->state = ACD_CALL_RINGING;
	c->t_offer = acd->now;
	call_tmr_stop(acd, c, &c->t_widen);
	call_tmr_stop(acd, c, &c->t_wait);
	call_tmr_start(acd, c, &c->t_ring, acd->now + q->p.ring_timeout_ms);
}

/* Reserves a ready agent for a ringing call. */
static void offer_to(struct acd *acd, struct call *c, struct agent *a)
{
	struct acd_event ev;
	call_add_offer(c, a);
	const struct member *m = member_of(a, c->q);
	if (m)
		a->ctr[m - a->mem].rr_seq = ++c->q->rr_counter;
	a->call = c;
	call_event_init(&ev, ACD_EV_CALL_OFFER, c);
	ev.agent = a->id;
	ev.wait_ms = acd->now - c->t_enter;
	ev.count = c->attempts;
	emit(acd, &ev);
	struct agent_ev x = {ACD_EV_AGENT_STATE, c, 0};
	agent_set(acd, a, ACD_AGENT_RESERVED, ACD_REASON_NONE, &x);
}

/* A waiting call looks for ready agents of its queue at its tier or below. */
static void route_call(struct acd *acd, struct call *c)
{
	struct queue *q = c->q;
	uint32_t want = q->strategy == ACD_STRATEGY_RING_ALL ? q->p.ring_all_max : 1;
	uint32_t got = 0;
	for (uint32_t t = 0; t <= c->tier && got < want; t++) {
		struct agent *a;
		while (got < want && (a = pool_best(acd, q, t)) != NULL) {
			if (got == 0) {
				want = call_offer_room(c, want);
				call_to_ringing(acd, c);
			}
			offer_to(acd, c, a);
			got++;
		}
	}
}

/* Is `x` a better caller for a free agent than `y`? Priority, then weighted wait. */
static bool call_better(const struct acd *acd, const struct call *x, const struct call *y)
{
	if (!y)
		return true;
	if (x->prio != y->prio)
		return x->prio > y->prio;
	int64_t wx = (acd->now - x->key) * (int64_t)x->q->weight;
	int64_t wy = (acd->now - y->key) * (int64_t)y->q->weight;
	if (wx != wy)
		return wx > wy;
	return call_before(x, y);
}

/*
 * The agent is ready: take the best waiting caller it can serve, or wait in
 * the pools. Safe to call for an agent already in the pools (it re-checks).
 */
static void agent_free(struct acd *acd, struct agent *a)
{
	if (a->state != ACD_AGENT_READY)
		return;
	/* the queues' first lines are needed below: start loading them all at once */
	for (uint32_t i = 0; i < a->n_mem; i++)
		__builtin_prefetch(a->mem[i].queue);
	for (uint32_t i = 0; i < a->n_mem; i++) {
		const struct queue *q = a->mem[i].queue;
		if (q->n_bands)
			__builtin_prefetch(q->bands);
	}
	/* and the first band's head caller */
	for (uint32_t i = 0; i < a->n_mem; i++) {
		const struct queue *q = a->mem[i].queue;
		if (q->n_bands && !dlist_empty(&q->bands[0].calls))
			__builtin_prefetch(container_of(q->bands[0].calls.next, struct call, link));
	}
	struct call *best = NULL;
	for (uint32_t i = 0; i < a->n_mem; i++) {
		struct member *m = &a->mem[i];
		struct queue *q = m->queue;
		for (uint32_t b = 0; b < q->n_bands; b++) {
			struct band *bd = &q->bands[b];
			if (best && bd->prio < best->prio)
				break;
			struct call *head = band_head(bd);
			if (!head || head->tier < m->tier)
				continue;
			if (call_better(acd, head, best))
				best = head;
			break;
		}
	}
	if (!best) {
		agent_pools_insert(acd, a);
		return;
	}
	call_to_ringing(acd, best);
	offer_to(acd, best, a);
}

/* A ringing call whose offers are all gone goes back to its place and tries again. */
static void call_back_to_queue(struct acd *acd, struct call *c)
{
	struct queue *q = c->q;
	call_tmr_stop(acd, c, &c->t_ring);
	call_offers_release(c);
	if (c->flags & ACD_F_CALLBACK) {
		c->state = ACD_CALL_CALLBACK_WAITING;
		q->n_cb_waiting++;
	} else {
		c->state = ACD_CALL_WAITING;
		q->n_ringing--;
		q->n_waiting++;
	}
	band_insert(q, c);
	call_arm_timers(acd, c);
	route_call(acd, c);
}

/* ---------- time ---------- */

static void fire(struct acd *acd, struct tmr *t);

static void run_timers(struct acd *acd, int64_t until)
{
	struct heap_node *hn;
	while ((hn = heap_top(&acd->timers)) && hn->k1 <= until) {
		heap_remove(&acd->timers, hn);
		if (hn->k1 > acd->now)
			acd->now = hn->k1;
		fire(acd, container_of(hn, struct tmr, hn));
	}
}

static void enter_time(struct acd *acd, int64_t now)
{
	run_timers(acd, now);
	if (now > acd->now)
		acd->now = now;
}

/* Deadlines that became due during an entry point (armed in the past) fire before it returns. */
static void leave(struct acd *acd)
{
	if (!acd->overdue)
		return;
	acd->overdue = false;
	run_timers(acd, acd->now);
}

void acd_advance(struct acd *acd, int64_t now)
{
	enter_time(acd, now);
}

int64_t acd_next_deadline(const struct acd *acd)
{
	const struct heap_node *hn = heap_top(&acd->timers);
	return hn ? hn->k1 : INT64_MAX;
}

int64_t acd_now(const struct acd *acd)
{
	return acd->now;
}

/* ---------- timer handlers ---------- */

/* Every offered agent failed to answer (or the one that rejected). */
static void offer_failed(struct acd *acd, struct call *c, struct agent *only, enum acd_cause cause)
{
	struct agent *freed[ACD_MAX_RING_ALL];
	uint32_t n_freed = 0;
	bool ring_all_timeout =
	    cause == ACD_CAUSE_TIMEOUT && c->q->strategy == ACD_STRATEGY_RING_ALL;

	for (uint32_t i = c->n_off; i-- > 0;) {
		struct agent *a = c->offv[i];
		if (only && a != only)
			continue;
		struct acd_event ev;
		call_event_init(&ev, ACD_EV_CALL_RNA, c);
		ev.agent = a->id;
		ev.reason = cause;
		ev.dur_ms = acd->now - c->t_offer;
		emit(acd, &ev);
		call_del_offer(c, a);
		a->call = NULL;
		struct agent_ev x = {ACD_EV_AGENT_STATE, c, 0};
		if (ring_all_timeout) {
			/* nobody in the group answered: no one is singled out */
			agent_set(acd, a, ACD_AGENT_READY, ACD_REASON_NONE, &x);
			/* in the pools at once, so the caller can ring the whole group again */
			agent_pools_insert(acd, a);
			freed[n_freed++] = a;
			continue;
		}
		a->misses++;
		if (acd->p.max_misses && a->misses >= acd->p.max_misses) {
			x.type = ACD_EV_AGENT_LOGOUT;
			a->pending = ACD_AGENT_STATE_COUNT;
			agent_set(acd, a, ACD_AGENT_LOGGED_OUT, ACD_REASON_MISSED_LIMIT, &x);
		} else {
			agent_set(acd, a, ACD_AGENT_NOT_READY, ACD_REASON_MISSED, &x);
		}
	}
	if (c->n_off == 0)
		call_back_to_queue(acd, c);
	for (uint32_t i = 0; i < n_freed; i++)
		agent_free(acd, freed[i]);
}

static void widen(struct acd *acd, struct call *c)
{
	struct queue *q = c->q;
	uint8_t before = c->tier;
	call_arm_timers(acd, c);
	if (c->tier == before)
		return;
	struct acd_event ev;
	call_event_init(&ev, ACD_EV_CALL_WIDEN, c);
	ev.reason = c->tier;
	ev.wait_ms = acd->now - c->t_enter;
	emit(acd, &ev);
	(void)q;
	route_call(acd, c);
}

static void resume_forget(struct acd *acd, struct resume *r)
{
	tmr_stop(acd, &r->t);
	idmap_del(&acd->resumes, r->caller_key);
	sb_free(r);
}

static void callback_retry(struct acd *acd, struct call *c)
{
	struct queue *q = c->q;
	c->state = ACD_CALL_CALLBACK_WAITING;
	q->n_cb_waiting++;
	band_insert(q, c);
	call_arm_timers(acd, c);
	route_call(acd, c);
}

static void fire(struct acd *acd, struct tmr *t)
{
	switch (t->kind) {
	case T_RING: {
		struct call *c = container_of(t, struct call, t_ring);
		c->armed &= (uint8_t)~CALL_T_RING;
		offer_failed(acd, c, NULL, ACD_CAUSE_TIMEOUT);
		break;
	}
	case T_WIDEN: {
		struct call *c = container_of(t, struct call, t_widen);
		c->armed &= (uint8_t)~CALL_T_WIDEN;
		widen(acd, c);
		break;
	}
	case T_MAXWAIT: {
		struct call *c = container_of(t, struct call, t_wait);
		c->armed &= (uint8_t)~CALL_T_WAIT;
		overflow(acd, c);
		break;
	}
	case T_CBRETRY: {
		struct call *c = container_of(t, struct call, t_wait);
		c->armed &= (uint8_t)~CALL_T_WAIT;
		callback_retry(acd, c);
		break;
	}
	case T_WRAP:
		agent_after_call(acd, container_of(t, struct agent, t_wrap), 0, NULL);
		break;
	case T_RESUME:
		resume_forget(acd, container_of(t, struct resume, t));
		break;
	default:
		break; /* cannot happen: every timer is created with a kind above */
	}
}

/* ---------- queue joining ---------- */

static enum acd_refusal queue_refusal(const struct queue *q)
{
	if (!q->open)
		return ACD_REFUSED_CLOSED;
	if (q->p.max_len && q->n_waiting >= q->p.max_len)
		return ACD_REFUSED_FULL;
	if (!q->p.join_empty && q->n_logged == 0)
		return ACD_REFUSED_EMPTY;
	return ACD_REFUSED_NONE;
}

static uint32_t call_position(const struct call *c)
{
	const struct queue *q = c->q;
	uint32_t pos = 1;
	for (uint32_t b = 0; b < q->n_bands; b++) {
		const struct band *bd = &q->bands[b];
		if (bd != c->band) {
			if (bd->prio > c->prio)
				pos += bd->n;
			continue;
		}
		if (c->link.next == &bd->calls) {
			pos +=
			    bd->n - 1; /* the last of its band: no walk (the usual case at entry) */
			break;
		}
		dlist_for_each(it, &bd->calls)
		{
			if (it == &c->link)
				break;
			pos++;
		}
		break;
	}
	return pos;
}

/* Puts a call (new, overflowed or transferred) into a queue as a new segment. */
static int call_join(struct acd *acd, struct call *c, struct queue *q, uint8_t flags)
{
	c->q = q;
	q->n_calls++;
	c->state = ACD_CALL_WAITING;
	c->flags = flags;
	c->t_enter = acd->now;
	c->announced = 0;
	c->agent = NULL;
	q->n_waiting++;
	q->st.offered++;
	int err = band_insert(q, c);
	if (err)
		return err;
	struct acd_event ev;
	call_event_init(&ev, ACD_EV_CALL_ENTER, c);
	ev.position = call_position(c);
	ev.wait_ms = acd->now - c->key;
	emit(acd, &ev);
	call_arm_timers(acd, c);
	if (acd->enter_callback) { /* acd_call_enter_callback: a callback from the start */
		acd->enter_callback = false;
		to_callback(acd, c, 2);
	}
	route_call(acd, c);
	return 0;
}

static void call_leave_waiting(struct call *c)
{
	band_remove(c);
	if (c->state == ACD_CALL_WAITING)
		c->q->n_waiting--;
	else if (c->state == ACD_CALL_CALLBACK_WAITING)
		c->q->n_cb_waiting--;
}

/* Turns a waiting caller into a callback that keeps its place. */
static void to_callback(struct acd *acd, struct call *c, uint32_t reason)
{
	struct queue *q = c->q;
	struct acd_event ev;
	call_event_init(&ev, ACD_EV_CALLBACK_REQUESTED, c);
	ev.reason = reason;
	ev.wait_ms = acd->now - c->t_enter;
	q->st.overflowed++;
	q->st.callbacks_requested++;
	q->n_waiting--;
	q->n_cb_waiting++;
	c->state = ACD_CALL_CALLBACK_WAITING;
	c->flags |= ACD_F_CALLBACK;
	c->attempts = 0;
	call_tmr_stop(acd, c, &c->t_wait);
	emit(acd, &ev);
}

static void overflow(struct acd *acd, struct call *c)
{
	struct queue *q = c->q;
	if (c->state != ACD_CALL_WAITING)
		return; /* cannot happen: the timer runs only while waiting */
	struct acd_event ev;
	if (q->p.overflow == ACD_OVERFLOW_CALLBACK) {
		to_callback(acd, c, 1);
		return;
	}
	struct queue *target = NULL;
	if (q->p.overflow == ACD_OVERFLOW_QUEUE) {
		target = queue_get(acd, q->p.overflow_queue);
		if (target && (target == q || queue_refusal(target) != ACD_REFUSED_NONE))
			target = NULL;
	}
	call_event_init(&ev, target ? ACD_EV_CALL_EXIT_OVERFLOW : ACD_EV_CALL_EXIT_TIMEOUT, c);
	ev.wait_ms = acd->now - c->t_enter;
	ev.target = target ? target->id : 0;
	ev.position = call_position(c);
	q->st.overflowed++;
	call_leave_waiting(c);
	call_tmr_stop(acd, c, &c->t_widen);
	call_tmr_stop(acd, c, &c->t_wait);
	emit(acd, &ev);
	if (!target) {
		call_destroy(acd, c);
		return;
	}
	q->n_calls--;
	/* the caller keeps their wait start (and so their tier) in the target queue */
	if (call_join(acd, c, target, ACD_F_OVERFLOWED) != 0)
		call_destroy(acd, c);
}

/* ---------- public: lifecycle ---------- */

void acd_queue_params_default(struct acd_queue_params *p)
{
	memset(p, 0, sizeof(*p));
	p->strategy = ACD_STRATEGY_LONGEST_IDLE;
	p->ring_all_max = 8;
	p->weight = 1;
	p->ring_timeout_ms = 15000;
	p->join_empty = true;
	p->wrapup = ACD_WRAPUP_TIMED;
	p->wrapup_ms = 10000;
	p->sl_threshold_ms = 20000;
	p->short_abandon_ms = 5000;
	p->default_aht_ms = 180000;
	p->callback_attempts = 3;
	p->callback_retry_ms = 300000;
}

int acd_alloc(struct acd **acdp, const struct acd_params *p, acd_event_h *sink, void *arg)
{
	if (!acdp || !p)
		return EINVAL;
	struct acd *acd = sb_zalloc(sizeof(*acd));
	if (!acd)
		return ENOMEM;
	acd->p = *p;
	acd->sink = sink;
	acd->arg = arg;
	rng_seed(&acd->rng, p->seed);
	acd->now = INT64_MIN;
	heap_init(&acd->timers);
	idmap_init(&acd->queues);
	idmap_init(&acd->agents);
	idmap_init(&acd->calls);
	idmap_init(&acd->resumes);
	*acdp = acd;
	return 0;
}

void acd_set_sink(struct acd *acd, acd_event_h *sink, void *arg)
{
	acd->sink = sink;
	acd->arg = arg;
}

static void queue_destroy(struct queue *q)
{
	for (uint32_t t = 0; t <= ACD_MAX_TIERS; t++) {
		sb_free(q->pools[t].v);
		sb_free(q->pools[t].f);
	}
	sb_free(q->bands);
	sb_free(q);
}

void acd_free(struct acd *acd)
{
	if (!acd)
		return;
	void *v;
	/* heaps first: they point into calls, agents and resume records */
	heap_release(&acd->timers);
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, &v);)
		queue_destroy(v);
	for (uint32_t it = 0; idmap_next(&acd->calls, &it, NULL, &v);) {
		struct call *c = v;
		call_offers_release(c);
		call_free(c);
	}
	for (uint32_t it = 0; idmap_next(&acd->agents, &it, NULL, &v);) {
		struct agent *a = v;
		sb_free(a->mem);
		sb_free(a);
	}
	for (uint32_t it = 0; idmap_next(&acd->resumes, &it, NULL, &v);)
		sb_free(v);
	while (acd->free_calls) {
		struct call *c = acd->free_calls;
		acd->free_calls = c->next_free;
		call_free(c);
	}
	idmap_release(&acd->queues);
	idmap_release(&acd->agents);
	idmap_release(&acd->calls);
	idmap_release(&acd->resumes);
	sb_free(acd->epochs);
	sb_free(acd->by_slot);
	sb_free(acd->free_slots);
	sb_free(acd);
}

/* ---------- public: configuration ---------- */

static int queue_params_check(const struct acd *acd, uint32_t id, const struct acd_queue_params *p)
{
	if (!p || p->strategy < 0 || p->strategy >= ACD_STRATEGY_COUNT)
		return EINVAL;
	if (p->ring_all_max < 1 || p->ring_all_max > ACD_MAX_RING_ALL || p->weight < 1 ||
	    p->weight > 1000)
		return EINVAL;
	if (p->n_req > ACD_MAX_REQ || p->n_tiers > ACD_MAX_TIERS)
		return EINVAL;
	for (uint32_t i = 0; i < p->n_req; i++)
		if (!p->req[i].skill || p->req[i].min_level < 1 ||
		    p->req[i].min_level > ACD_MAX_LEVEL)
			return EINVAL;
	for (uint32_t i = 0; i < p->n_tiers; i++) {
		if (p->tiers[i].after_ms <= 0 || p->tiers[i].level_drop > ACD_MAX_LEVEL)
			return EINVAL;
		if (i > 0 && p->tiers[i].after_ms <= p->tiers[i - 1].after_ms)
			return EINVAL;
	}
	if (p->ring_timeout_ms <= 0 || p->max_wait_ms < 0 || p->wrapup_ms < 0 ||
	    p->sl_threshold_ms < 0 || p->short_abandon_ms < 0 || p->resume_ms < 0 ||
	    p->default_aht_ms <= 0 || p->callback_retry_ms < 0)
		return EINVAL;
	if (p->wrapup == ACD_WRAPUP_TIMED && p->wrapup_ms <= 0)
		return EINVAL;
	if (p->wrapup < ACD_WRAPUP_NONE || p->wrapup > ACD_WRAPUP_MANUAL)
		return EINVAL;
	if (p->overflow < ACD_OVERFLOW_NONE || p->overflow > ACD_OVERFLOW_CALLBACK)
		return EINVAL;
	if (p->overflow == ACD_OVERFLOW_QUEUE && (!p->overflow_queue || p->overflow_queue == id))
		return EINVAL;
	if (p->callback_attempts < 1)
		return EINVAL;
	(void)acd;
	return 0;
}

/* Re-derives every agent's memberships (queues were added, changed or removed). */
static int rebuild_all(struct acd *acd, struct queue *skip)
{
	struct agent *a;
	int err = 0;
	for (uint32_t it = 0; idmap_next(&acd->agents, &it, NULL, (void **)&a);) {
		agent_pools_remove(acd, a);
		if (skip) {
			/* drop memberships of the queue being removed */
			gauges_apply(a, a->state, -1);
			uint32_t n = 0;
			for (uint32_t i = 0; i < a->n_mem; i++)
				if (a->mem[i].queue != skip) {
					a->ctr[n] = a->ctr[i];
					a->mem[n++] = a->mem[i];
				}
			a->n_mem = n;
			gauges_apply(a, a->state, 1);
		} else if (agent_rebuild(acd, a) != 0) {
			err = ENOMEM;
		}
	}
	/* memberships may have changed under waiting callers: let every ready agent look */
	for (uint32_t it = 0; idmap_next(&acd->agents, &it, NULL, (void **)&a);)
		agent_free(acd, a);
	return err;
}

int acd_queue_add(struct acd *acd, uint32_t id, const struct acd_queue_params *p)
{
	if (!id)
		return EINVAL;
	int err = queue_params_check(acd, id, p);
	if (err)
		return err;
	if (queue_get(acd, id))
		return EEXIST;
	struct queue *q = sb_zalloc(sizeof(*q));
	if (!q)
		return ENOMEM;
	q->id = id;
	q->p = *p;
	q->strategy = (uint8_t)p->strategy;
	q->weight = p->weight;
	q->open = true;
	err = idmap_put(&acd->queues, id, q);
	if (err) {
		queue_destroy(q);
		return err;
	}
	return rebuild_all(acd, NULL);
}

int acd_queue_update(struct acd *acd, uint32_t id, const struct acd_queue_params *p, int64_t now)
{
	struct queue *q = queue_get(acd, id);
	if (!q)
		return ENOENT;
	int err = queue_params_check(acd, id, p);
	if (err)
		return err;
	enter_time(acd, now);
	/* pools are keyed by strategy: empty them before the parameters change */
	struct agent *a;
	for (uint32_t it = 0; idmap_next(&acd->agents, &it, NULL, (void **)&a);)
		agent_pools_remove(acd, a);
	q->p = *p;
	q->strategy = (uint8_t)p->strategy;
	q->weight = p->weight;
	for (uint32_t t = 0; t <= ACD_MAX_TIERS; t++) {
		/* all stale now, and maybe ordered by the old strategy */
		q->pools[t].n = 0;
		q->pools[t].fn = 0;
		q->pools[t].fh = 0;
	}
	/* waiting callers' tiers follow the new widening steps */
	for (uint32_t b = 0; b < q->n_bands; b++)
		dlist_for_each(it, &q->bands[b].calls)
		{
			struct call *c = container_of(it, struct call, link);
			call_arm_timers(acd, c);
			if (c->state != ACD_CALL_WAITING || p->max_wait_ms == 0)
				call_tmr_stop(acd, c, &c->t_wait);
		}
	err = rebuild_all(acd, NULL);
	leave(acd);
	return err;
}

int acd_queue_remove(struct acd *acd, uint32_t id)
{
	struct queue *q = queue_get(acd, id);
	if (!q)
		return ENOENT;
	if (q->n_calls)
		return EBUSY;
	rebuild_all(acd, q);
	idmap_del(&acd->queues, id);
	queue_destroy(q);
	return 0;
}

int acd_queue_set_open(struct acd *acd, uint32_t id, bool open)
{
	struct queue *q = queue_get(acd, id);
	if (!q)
		return ENOENT;
	q->open = open;
	return 0;
}

static int agent_params_check(const struct acd_agent_params *p)
{
	if (!p || p->n_skills > ACD_MAX_SKILLS || p->n_groups > ACD_MAX_GROUPS)
		return EINVAL;
	for (uint32_t i = 0; i < p->n_skills; i++) {
		if (!p->skills[i].skill || p->skills[i].level < 1 ||
		    p->skills[i].level > ACD_MAX_LEVEL)
			return EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (p->skills[j].skill == p->skills[i].skill)
				return EINVAL;
	}
	return 0;
}

int acd_agent_add(struct acd *acd, uint32_t id, const struct acd_agent_params *p)
{
	if (!id)
		return EINVAL;
	int err = agent_params_check(p);
	if (err)
		return err;
	if (agent_get(acd, id))
		return EEXIST;
	struct agent *a = sb_zalloc(sizeof(*a));
	if (!a)
		return ENOMEM;
	a->id = id;
	a->p = *p;
	a->rank = p->rank;
	a->state = ACD_AGENT_LOGGED_OUT;
	a->pending = ACD_AGENT_STATE_COUNT;
	a->since = acd->now; /* INT64_MIN until the clock has started */
	tmr_init(&a->t_wrap, T_WRAP);
	if (acd->n_free_slots) {
		a->slot = acd->free_slots[--acd->n_free_slots];
	} else {
		if (acd->n_slots == acd->cap_slots) {
			uint32_t cap = acd->cap_slots ? acd->cap_slots * 2 : 64;
			uint32_t *ep = sb_realloc(acd->epochs, cap * sizeof(*ep));
			if (ep)
				acd->epochs = ep;
			struct agent **bs = ep ? sb_realloc(acd->by_slot, cap * sizeof(*bs)) : NULL;
			if (bs)
				acd->by_slot = bs;
			uint32_t *fs = bs ? sb_realloc(acd->free_slots, cap * sizeof(*fs)) : NULL;
			if (fs)
				acd->free_slots = fs;
			if (!fs) {
				sb_free(a);
				return ENOMEM;
			}
			acd->cap_slots = cap;
		}
		a->slot = acd->n_slots++;
		acd->epochs[a->slot] = 0;
	}
	acd->by_slot[a->slot] = a;
	err = agent_rebuild(acd, a);
	if (!err)
		err = idmap_put(&acd->agents, id, a);
	if (err) {
		acd->by_slot[a->slot] = NULL;
		acd->free_slots[acd->n_free_slots++] = a->slot;
		sb_free(a->mem);
		sb_free(a);
	}
	return err;
}

int acd_agent_update(struct acd *acd, uint32_t id, const struct acd_agent_params *p, int64_t now)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	int err = agent_params_check(p);
	if (err)
		return err;
	enter_time(acd, now);
	bool was_in = a->in_pools;
	agent_pools_remove(acd, a);
	a->p = *p;
	a->rank = p->rank;
	err = agent_rebuild(acd, a);
	if (was_in || a->state == ACD_AGENT_READY)
		agent_free(acd, a);
	leave(acd);
	return err;
}

int acd_agent_remove(struct acd *acd, uint32_t id)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	if (a->state != ACD_AGENT_LOGGED_OUT)
		return EBUSY;
	idmap_del(&acd->agents, id);
	gauges_apply(a, a->state, -1);
	for (uint32_t i = 0; i < a->n_mem; i++)
		a->mem[i].queue->members[a->mem[i].tier]--;
	/* its entries go stale; the slot may be reused, its epoch keeps counting */
	acd->epochs[a->slot]++;
	acd->by_slot[a->slot] = NULL;
	acd->free_slots[acd->n_free_slots++] = a->slot;
	sb_free(a->mem);
	sb_free(a);
	return 0;
}

/* ---------- public: agent state ---------- */

int acd_agent_login(struct acd *acd, uint32_t id, bool ready, int64_t now)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	if (a->state != ACD_AGENT_LOGGED_OUT)
		return EBUSY;
	enter_time(acd, now);
	a->misses = 0;
	a->pending = ACD_AGENT_STATE_COUNT;
	struct agent_ev x = {ACD_EV_AGENT_LOGIN, NULL, 0};
	agent_set(acd, a, ready ? ACD_AGENT_READY : ACD_AGENT_NOT_READY,
		  ready ? ACD_REASON_NONE : ACD_REASON_LOGIN, &x);
	agent_free(acd, a);
	leave(acd);
	return 0;
}

/* Withdraws the offer ringing at this agent; the caller goes back to the queue. */
static void withdraw_offer(struct acd *acd, struct agent *a, enum acd_cancel why, uint8_t to,
			   uint32_t reason)
{
	struct call *c = a->call;
	struct acd_event ev;
	call_event_init(&ev, ACD_EV_CALL_OFFER_CANCEL, c);
	ev.agent = a->id;
	ev.reason = why;
	ev.dur_ms = acd->now - c->t_offer;
	emit(acd, &ev);
	call_del_offer(c, a);
	a->call = NULL;
	struct agent_ev x = {to == ACD_AGENT_LOGGED_OUT ? ACD_EV_AGENT_LOGOUT : ACD_EV_AGENT_STATE,
			     c, 0};
	agent_set(acd, a, to, reason, &x);
	if (c->n_off == 0)
		call_back_to_queue(acd, c);
}

int acd_agent_ready(struct acd *acd, uint32_t id, int64_t now)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	enter_time(acd, now);
	int err = 0;
	switch (a->state) {
	case ACD_AGENT_LOGGED_OUT:
		err = EBUSY;
		break;
	case ACD_AGENT_NOT_READY:
		/* misses stay counted: only an answered call ends a run of them */
		agent_set(acd, a, ACD_AGENT_READY, ACD_REASON_NONE, NULL);
		agent_free(acd, a);
		break;
	case ACD_AGENT_WRAPUP:
		agent_after_call(acd, a, 0, NULL);
		break;
	case ACD_AGENT_OTHER:
		a->other_prev = ACD_AGENT_READY;
		a->other_prev_reason = ACD_REASON_NONE;
		a->pending = ACD_AGENT_STATE_COUNT;
		break;
	default: /* ready already, or busy with a call: cancel any pending change */
		a->pending = ACD_AGENT_STATE_COUNT;
		break;
	}
	leave(acd);
	return err;
}

int acd_agent_not_ready(struct acd *acd, uint32_t id, uint32_t reason, int64_t now)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	enter_time(acd, now);
	int err = 0;
	switch (a->state) {
	case ACD_AGENT_LOGGED_OUT:
		err = EBUSY;
		break;
	case ACD_AGENT_READY:
	case ACD_AGENT_NOT_READY:
		agent_set(acd, a, ACD_AGENT_NOT_READY, reason, NULL);
		break;
	case ACD_AGENT_RESERVED:
		withdraw_offer(acd, a, ACD_CANCEL_AGENT_NOT_READY, ACD_AGENT_NOT_READY, reason);
		break;
	case ACD_AGENT_OTHER:
		a->other_prev = ACD_AGENT_NOT_READY;
		a->other_prev_reason = reason;
		break;
	default: /* talking, hold, wrap-up: not ready once the call is done */
		a->pending = ACD_AGENT_NOT_READY;
		a->pending_reason = reason;
		break;
	}
	leave(acd);
	return err;
}

int acd_agent_logout(struct acd *acd, uint32_t id, uint32_t reason, int64_t now)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	enter_time(acd, now);
	struct agent_ev x = {ACD_EV_AGENT_LOGOUT, NULL, 0};
	switch (a->state) {
	case ACD_AGENT_LOGGED_OUT:
		break;
	case ACD_AGENT_READY:
	case ACD_AGENT_NOT_READY:
		agent_set(acd, a, ACD_AGENT_LOGGED_OUT, reason, &x);
		break;
	case ACD_AGENT_RESERVED:
		withdraw_offer(acd, a, ACD_CANCEL_AGENT_LOGOUT, ACD_AGENT_LOGGED_OUT, reason);
		break;
	case ACD_AGENT_WRAPUP:
		a->pending = ACD_AGENT_LOGGED_OUT;
		a->pending_reason = reason;
		agent_after_call(acd, a, 0, NULL);
		break;
	case ACD_AGENT_OTHER:
		a->other_prev = ACD_AGENT_LOGGED_OUT;
		a->other_prev_reason = reason;
		break;
	default: /* talking, hold: logged out once the call is done */
		a->pending = ACD_AGENT_LOGGED_OUT;
		a->pending_reason = reason;
		break;
	}
	leave(acd);
	return 0;
}

int acd_agent_wrapup_done(struct acd *acd, uint32_t id, uint64_t disposition, int64_t now)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	enter_time(acd, now);
	int err = 0;
	if (a->state == ACD_AGENT_WRAPUP)
		agent_after_call(acd, a, disposition, NULL);
	else
		err = EBUSY;
	leave(acd);
	return err;
}

int acd_agent_other_begin(struct acd *acd, uint32_t id, int64_t now)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	if (a->state != ACD_AGENT_READY && a->state != ACD_AGENT_NOT_READY)
		return EBUSY;
	enter_time(acd, now);
	a->other_prev = a->state;
	a->other_prev_reason = a->reason;
	agent_set(acd, a, ACD_AGENT_OTHER, a->reason, NULL);
	leave(acd);
	return 0;
}

int acd_agent_other_end(struct acd *acd, uint32_t id, int64_t now)
{
	struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	if (a->state != ACD_AGENT_OTHER)
		return EBUSY;
	enter_time(acd, now);
	uint8_t to = a->other_prev;
	struct agent_ev x = {to == ACD_AGENT_LOGGED_OUT ? ACD_EV_AGENT_LOGOUT : ACD_EV_AGENT_STATE,
			     NULL, 0};
	agent_set(acd, a, to, a->other_prev_reason, &x);
	if (to == ACD_AGENT_READY)
		agent_free(acd, a);
	leave(acd);
	return 0;
}

/* ---------- public: calls ---------- */

int acd_call_enter(struct acd *acd, uint64_t id, uint32_t queue, const struct acd_call_params *p,
		   int64_t now, enum acd_refusal *refused)
{
	static const struct acd_call_params none;
	if (!id)
		return EINVAL;
	if (!p)
		p = &none;
	struct queue *q = queue_get(acd, queue);
	if (!q)
		return ENOENT;
	if (call_get(acd, id))
		return EEXIST;
	enter_time(acd, now);
	enum acd_refusal r = queue_refusal(q);
	if (refused)
		*refused = r;
	if (r != ACD_REFUSED_NONE) {
		struct acd_event ev;
		ev = (struct acd_event){0};
		ev.type = ACD_EV_CALL_REFUSED;
		ev.call = id;
		ev.queue = queue;
		ev.priority = p->priority;
		ev.reason = r;
		ev.t_enter = acd->now;
		q->st.refused++;
		emit(acd, &ev);
		leave(acd);
		return 0;
	}
	struct call *c = call_new(acd);
	if (!c)
		return ENOMEM;
	c->id = id;
	c->prio = p->priority;
	c->caller_key = p->caller_key;
	c->key = acd->enter_key && acd->enter_key < acd->now ? acd->enter_key : acd->now;
	c->seq = ++acd->cseq;
	uint8_t flags = 0;
	struct resume *rs = p->caller_key ? idmap_get(&acd->resumes, p->caller_key) : NULL;
	if (rs && rs->queue == queue) {
		c->key = rs->key;
		c->seq = rs->seq;
		flags |= ACD_F_RESUMED;
		resume_forget(acd, rs);
	}
	int err = idmap_put(&acd->calls, id, c);
	if (err) {
		call_free(c);
		return err;
	}
	err = call_join(acd, c, q, flags);
	leave(acd);
	return err;
}

/*
 * The agent with this id: usually one the call was just offered to, found
 * without a hash lookup (ids are unique, so it is the agent the map holds).
 */
static struct agent *offered_agent(const struct acd *acd, const struct call *c, uint32_t agent)
{
	if (c) {
		for (uint32_t i = 0; i < c->n_off; i++)
			if (c->offv[i]->id == agent)
				return c->offv[i];
	}
	return agent_get(acd, agent);
}

int acd_call_answer(struct acd *acd, uint64_t id, uint32_t agent, int64_t now)
{
	struct call *c = call_get(acd, id);
	struct agent *a = offered_agent(acd, c, agent);
	if (!c || !a)
		return ENOENT;
	enter_time(acd, now);
	if (c->state != ACD_CALL_RINGING || a->call != c || a->state != ACD_AGENT_RESERVED) {
		leave(acd);
		return EALREADY;
	}
	struct queue *q = c->q;
	struct agent *others[ACD_MAX_RING_ALL];
	uint32_t n_others = 0;
	call_tmr_stop(acd, c, &c->t_ring);
	for (uint32_t i = 0; i < c->n_off; i++) {
		struct agent *o = c->offv[i];
		if (o == a)
			continue;
		struct acd_event ev;
		call_event_init(&ev, ACD_EV_CALL_OFFER_CANCEL, c);
		ev.agent = o->id;
		ev.reason = ACD_CANCEL_ANSWERED_ELSEWHERE;
		ev.dur_ms = acd->now - c->t_offer;
		emit(acd, &ev);
		o->call = NULL;
		struct agent_ev x = {ACD_EV_AGENT_STATE, c, 0};
		agent_set(acd, o, ACD_AGENT_READY, ACD_REASON_NONE, &x);
		others[n_others++] = o;
	}
	call_offers_release(c);
	c->off1 = a;
	c->n_off = 1;

	int64_t wait = acd->now - c->t_enter;
	c->state = ACD_CALL_CONNECTED;
	c->agent = a;
	c->t_connect = acd->now;
	a->misses = 0;
	a->answered++;
	const struct member *m = member_of(a, q);
	if (m)
		a->ctr[m - a->mem].calls++;
	if (!(c->flags & ACD_F_CALLBACK)) {
		q->n_ringing--;
		q->st.answered++;
		q->st.wait_answered_ms += wait;
		if (wait <= q->p.sl_threshold_ms)
			q->st.answered_within++;
	}
	q->n_connected++;
	struct acd_event ev;
	call_event_init(&ev, ACD_EV_CALL_CONNECT, c);
	ev.agent = a->id;
	ev.wait_ms = wait;
	ev.dur_ms = acd->now - c->t_offer;
	ev.count = c->attempts;
	emit(acd, &ev);
	struct agent_ev x = {ACD_EV_AGENT_STATE, c, 0};
	agent_set(acd, a, ACD_AGENT_TALKING, ACD_REASON_NONE, &x);
	for (uint32_t i = 0; i < n_others; i++)
		agent_free(acd, others[i]);
	leave(acd);
	return 0;
}

int acd_call_reject(struct acd *acd, uint64_t id, uint32_t agent, enum acd_cause cause, int64_t now)
{
	struct call *c = call_get(acd, id);
	struct agent *a = offered_agent(acd, c, agent);
	if (!c || !a)
		return ENOENT;
	if (cause < ACD_CAUSE_TIMEOUT || cause > ACD_CAUSE_DECLINED)
		return EINVAL;
	enter_time(acd, now);
	if (c->state != ACD_CALL_RINGING || a->call != c || a->state != ACD_AGENT_RESERVED) {
		leave(acd);
		return EALREADY;
	}
	offer_failed(acd, c, a, cause);
	leave(acd);
	return 0;
}

static void remember_abandon(struct acd *acd, struct call *c)
{
	struct queue *q = c->q;
	if (!c->caller_key || q->p.resume_ms <= 0)
		return;
	struct resume *r = idmap_get(&acd->resumes, c->caller_key);
	if (!r) {
		r = sb_zalloc(sizeof(*r));
		if (!r)
			return;
		tmr_init(&r->t, T_RESUME);
		r->caller_key = c->caller_key;
		if (idmap_put(&acd->resumes, c->caller_key, r) != 0) {
			sb_free(r);
			return;
		}
	}
	r->queue = q->id;
	r->key = c->key;
	r->seq = c->seq;
	tmr_start(acd, &r->t, acd->now + q->p.resume_ms);
}

/* Ends a connected call segment: talk and hold are booked, the agent goes to wrap-up. */
static void call_finish(struct acd *acd, struct call *c, uint16_t type, uint32_t target)
{
	struct queue *q = c->q;
	struct agent *a = c->agent;
	if (c->state == ACD_CALL_HOLD)
		c->hold_ms += acd->now - c->hold_since;
	int64_t talk = acd->now - c->t_connect - c->hold_ms;
	struct acd_event ev;
	call_event_init(&ev, type, c);
	ev.agent = a->id;
	ev.target = target;
	ev.wait_ms = c->t_connect - c->t_enter;
	ev.dur_ms = talk;
	ev.hold_ms = c->hold_ms;
	ev.count = c->hold_count;
	q->n_connected--;
	if (c->flags & ACD_F_CALLBACK) {
		q->st.callbacks_connected++;
	} else {
		q->st.handled++;
		q->st.talk_ms += talk;
		q->st.hold_ms += c->hold_ms;
		if (type == ACD_EV_CALL_TRANSFER)
			q->st.transferred++;
	}
	a->talk_ms += talk;
	emit(acd, &ev);
	agent_wrapup(acd, a, c, talk + c->hold_ms);
}

int acd_call_hangup(struct acd *acd, uint64_t id, enum acd_side side, int64_t now)
{
	struct call *c = call_get(acd, id);
	if (!c)
		return ENOENT;
	enter_time(acd, now);
	struct queue *q = c->q;
	struct acd_event ev;
	struct agent *freed[ACD_MAX_RING_ALL];
	uint32_t n_freed = 0;
	bool callback = (c->flags & ACD_F_CALLBACK) != 0;
	switch (c->state) {
	case ACD_CALL_WAITING:
	case ACD_CALL_RINGING:
	case ACD_CALL_CALLBACK_WAITING:
	case ACD_CALL_CALLBACK_RETRY: {
		for (uint32_t i = 0; i < c->n_off; i++) {
			struct agent *a = c->offv[i];
			call_event_init(&ev, ACD_EV_CALL_OFFER_CANCEL, c);
			ev.agent = a->id;
			ev.reason = ACD_CANCEL_CALLER_GONE;
			ev.dur_ms = acd->now - c->t_offer;
			emit(acd, &ev);
			a->call = NULL;
			struct agent_ev x = {ACD_EV_AGENT_STATE, c, 0};
			agent_set(acd, a, ACD_AGENT_READY, ACD_REASON_NONE, &x);
			freed[n_freed++] = a;
		}
		if (callback) {
			/* a callback not yet connected: the request is withdrawn */
			call_event_init(&ev, ACD_EV_CALLBACK_FAILED, c);
			ev.reason = 1;
			ev.count = c->attempts;
			ev.wait_ms = acd->now - c->key;
			call_leave_waiting(c);
			q->st.callbacks_failed++;
			emit(acd, &ev);
			call_destroy(acd, c);
			for (uint32_t i = 0; i < n_freed; i++)
				agent_free(acd, freed[i]);
			break;
		}
		int64_t wait = acd->now - c->t_enter;
		call_event_init(&ev, ACD_EV_CALL_ABANDON, c);
		ev.wait_ms = wait;
		ev.position = c->state == ACD_CALL_WAITING ? call_position(c) : 1;
		ev.count = c->announced;
		if (c->state == ACD_CALL_WAITING)
			q->n_waiting--;
		else
			q->n_ringing--;
		q->st.abandoned++;
		q->st.wait_abandoned_ms += wait;
		if (wait <= q->p.short_abandon_ms)
			q->st.abandoned_short++;
		if (wait <= q->p.sl_threshold_ms)
			q->st.abandoned_within++;
		band_remove(c);
		emit(acd, &ev);
		remember_abandon(acd, c);
		call_destroy(acd, c);
		for (uint32_t i = 0; i < n_freed; i++)
			agent_free(acd, freed[i]);
		break;
	}
	case ACD_CALL_CONNECTED:
	case ACD_CALL_HOLD:
		call_finish(acd, c,
			    side == ACD_SIDE_AGENT ? ACD_EV_CALL_COMPLETE_AGENT
						   : ACD_EV_CALL_COMPLETE_CALLER,
			    0);
		call_destroy(acd, c);
		break;
	default:
		break; /* cannot happen: every state is handled above */
	}
	leave(acd);
	return 0;
}

static int hold_change(struct acd *acd, uint64_t id, bool hold, int64_t now)
{
	struct call *c = call_get(acd, id);
	if (!c)
		return ENOENT;
	uint8_t want = hold ? ACD_CALL_CONNECTED : ACD_CALL_HOLD;
	if (c->state != want)
		return EBUSY;
	enter_time(acd, now);
	struct acd_event ev;
	if (hold) {
		c->state = ACD_CALL_HOLD;
		c->hold_since = acd->now;
		c->hold_count++;
	} else {
		c->state = ACD_CALL_CONNECTED;
		c->hold_ms += acd->now - c->hold_since;
	}
	call_event_init(&ev, hold ? ACD_EV_CALL_HOLD : ACD_EV_CALL_UNHOLD, c);
	ev.agent = c->agent->id;
	ev.hold_ms = c->hold_ms;
	ev.count = c->hold_count;
	emit(acd, &ev);
	struct agent_ev x = {ACD_EV_AGENT_STATE, c, 0};
	agent_set(acd, c->agent, hold ? ACD_AGENT_HOLD : ACD_AGENT_TALKING, ACD_REASON_NONE, &x);
	leave(acd);
	return 0;
}

int acd_call_hold(struct acd *acd, uint64_t id, int64_t now)
{
	return hold_change(acd, id, true, now);
}

int acd_call_unhold(struct acd *acd, uint64_t id, int64_t now)
{
	return hold_change(acd, id, false, now);
}

int acd_call_transfer(struct acd *acd, uint64_t id, uint32_t queue, int64_t now)
{
	struct call *c = call_get(acd, id);
	struct queue *t = queue_get(acd, queue);
	if (!c || !t)
		return ENOENT;
	if (c->state != ACD_CALL_CONNECTED && c->state != ACD_CALL_HOLD)
		return EBUSY;
	enter_time(acd, now);
	if (queue_refusal(t) != ACD_REFUSED_NONE) {
		leave(acd);
		return EBUSY;
	}
	call_finish(acd, c, ACD_EV_CALL_TRANSFER, queue);
	c->q->n_calls--;
	/* a new segment in the target queue: a new place, the same priority */
	c->key = acd->now;
	c->seq = ++acd->cseq;
	c->hold_ms = 0;
	c->hold_count = 0;
	c->attempts = 0;
	call_offers_release(c);
	int err = call_join(acd, c, t, ACD_F_TRANSFERRED);
	if (err)
		call_destroy(acd, c);
	leave(acd);
	return err;
}

/* A connected call handed to one agent (transfer to an agent, blind or consulted): a new segment in
 * the same queue, offered to that agent at once; a ring-no-answer leaves it waiting there. */
int acd_call_transfer_agent(struct acd *acd, uint64_t id, uint32_t agent, int64_t now)
{
	struct call *c = call_get(acd, id);
	struct agent *a = agent_get(acd, agent);
	if (!c || !a)
		return ENOENT;
	if ((c->state != ACD_CALL_CONNECTED && c->state != ACD_CALL_HOLD) || c->agent == a)
		return EBUSY;
	enter_time(acd, now);
	struct queue *q = c->q;
	if ((a->state != ACD_AGENT_READY && a->state != ACD_AGENT_OTHER) || !member_of(a, q) ||
	    (c->state != ACD_CALL_CONNECTED && c->state != ACD_CALL_HOLD)) {
		leave(acd);
		return EBUSY;
	}
	call_finish(acd, c, ACD_EV_CALL_TRANSFER, q->id);
	c->key = acd->now;
	c->seq = ++acd->cseq;
	c->hold_ms = 0;
	c->hold_count = 0;
	c->attempts = 0;
	call_offers_release(c);
	/* call_join without the router: the call waits only as long as it takes to ring `a` */
	c->state = ACD_CALL_WAITING;
	c->flags = ACD_F_TRANSFERRED;
	c->t_enter = acd->now;
	c->announced = 0;
	c->agent = NULL;
	q->n_waiting++;
	q->st.offered++;
	int err = band_insert(q, c);
	if (err) {
		q->n_waiting--;
		call_destroy(acd, c);
		leave(acd);
		return err;
	}
	struct acd_event ev;
	call_event_init(&ev, ACD_EV_CALL_ENTER, c);
	ev.position = call_position(c);
	emit(acd, &ev);
	call_arm_timers(acd, c);
	if (a->state == ACD_AGENT_READY || a->state == ACD_AGENT_OTHER) { /* still */
		call_to_ringing(acd, c);
		offer_to(acd, c, a);
	}
	leave(acd);
	return 0;
}

int acd_call_enter_callback(struct acd *acd, uint64_t id, uint32_t queue,
			    const struct acd_call_params *p, int64_t place, int64_t now,
			    enum acd_refusal *refused)
{
	acd->enter_callback = true;
	acd->enter_key = place > 0 ? place : 0;
	int err = acd_call_enter(acd, id, queue, p, now, refused);
	acd->enter_callback = false;
	acd->enter_key = 0;
	struct call *c = err ? NULL : call_get(acd, id);
	if (c && p && (c->flags & ACD_F_CALLBACK)) {
		c->attempts = p->attempts; /* the count goes on after a restart */
		c->max_attempts = p->max_attempts;
	}
	return err;
}

int acd_call_request_callback(struct acd *acd, uint64_t id, int64_t now)
{
	struct call *c = call_get(acd, id);
	if (!c)
		return ENOENT;
	if (c->state != ACD_CALL_WAITING)
		return EBUSY;
	enter_time(acd, now);
	if (c->state == ACD_CALL_WAITING) /* a deadline may have moved it meanwhile */
		to_callback(acd, c, 0);
	leave(acd);
	return 0;
}

int acd_callback_failed(struct acd *acd, uint64_t id, int64_t now)
{
	struct call *c = call_get(acd, id);
	if (!c)
		return ENOENT;
	if (!(c->flags & ACD_F_CALLBACK) ||
	    (c->state != ACD_CALL_CONNECTED && c->state != ACD_CALL_HOLD))
		return EBUSY;
	enter_time(acd, now);
	struct queue *q = c->q;
	struct agent *a = c->agent;
	c->attempts++;
	q->n_connected--;
	struct acd_event ev;
	bool last = c->attempts >= (c->max_attempts ? c->max_attempts : q->p.callback_attempts);
	call_event_init(&ev, last ? ACD_EV_CALLBACK_FAILED : ACD_EV_CALLBACK_ATTEMPT_FAILED, c);
	ev.agent = a->id;
	ev.count = c->attempts;
	ev.dur_ms = acd->now - c->t_connect;
	ev.wait_ms = acd->now - c->key;
	emit(acd, &ev);
	c->hold_ms = 0;
	agent_wrapup(acd, a, c, 0);
	c->agent = NULL;
	call_offers_release(c);
	if (last) {
		q->st.callbacks_failed++;
		call_destroy(acd, c);
	} else {
		c->state = ACD_CALL_CALLBACK_RETRY;
		c->t_wait.kind = T_CBRETRY;
		call_tmr_start(acd, c, &c->t_wait, acd->now + q->p.callback_retry_ms);
	}
	leave(acd);
	return 0;
}

/* ---------- public: announcements and queries ---------- */

static int64_t ewt_for(const struct queue *q, uint32_t position)
{
	if (q->n_staffed == 0)
		return -1;
	double aht = q->aht_ms > 0 ? q->aht_ms : (double)q->p.default_aht_ms;
	/* callers ahead are served at about n_staffed / aht per millisecond */
	return (int64_t)((double)(position - 1) * aht / (double)q->n_staffed + 0.5);
}

int acd_call_announce(struct acd *acd, uint64_t id, int64_t now, uint32_t *position,
		      int64_t *ewt_ms, bool *changed)
{
	struct call *c = call_get(acd, id);
	if (!c)
		return ENOENT;
	enter_time(acd, now);
	int err = 0;
	if (c->state != ACD_CALL_WAITING) {
		err = EBUSY;
		goto out;
	}
	uint32_t pos = call_position(c);
	bool fell = c->announced == 0 || pos < c->announced;
	if (fell)
		c->announced = pos;
	if (position)
		*position = c->announced;
	if (changed)
		*changed = fell;
	if (ewt_ms)
		*ewt_ms = ewt_for(c->q, c->announced);
out:
	leave(acd);
	return err;
}

int64_t acd_queue_ewt(const struct acd *acd, uint32_t id)
{
	const struct queue *q = queue_get(acd, id);
	if (!q)
		return -1;
	uint32_t n = 0;
	for (uint32_t b = 0; b < q->n_bands; b++)
		n += q->bands[b].n;
	return ewt_for(q, n + 1);
}

int acd_queue_stats(const struct acd *acd, uint32_t id, struct acd_queue_stats *st)
{
	const struct queue *q = queue_get(acd, id);
	if (!q || !st)
		return q ? EINVAL : ENOENT;
	*st = q->st;
	st->waiting = q->n_waiting;
	st->ringing = q->n_ringing;
	st->connected = q->n_connected;
	st->callbacks_waiting = q->n_cb_waiting;
	st->agents_logged_in = q->n_logged;
	st->agents_ready = 0;
	for (uint32_t t = 0; t <= q->p.n_tiers; t++)
		st->agents_ready += pool_ready(acd, &q->pools[t]);
	st->oldest_wait_start = 0;
	for (uint32_t b = 0; b < q->n_bands; b++) {
		const struct band *bd = &q->bands[b];
		dlist_for_each(it, &bd->calls)
		{
			const struct call *c = container_of(it, struct call, link);
			if (c->state != ACD_CALL_WAITING)
				continue;
			if (!st->oldest_wait_start || c->t_enter < st->oldest_wait_start)
				st->oldest_wait_start = c->t_enter;
		}
	}
	return 0;
}

int acd_agent_info(const struct acd *acd, uint32_t id, struct acd_agent_info *info)
{
	const struct agent *a = agent_get(acd, id);
	if (!a)
		return ENOENT;
	memset(info, 0, sizeof(*info));
	info->state = a->state;
	info->reason = a->reason;
	info->since = a->since;
	if (a->call) {
		info->call = a->call->id;
		info->queue = a->call->q->id;
	} else if (a->state == ACD_AGENT_WRAPUP) {
		info->call = a->wrap_call;
		info->queue = a->wrap_queue;
	}
	info->misses = a->misses;
	info->has_pending = a->pending != ACD_AGENT_STATE_COUNT;
	info->pending = info->has_pending ? a->pending : a->state;
	info->pending_reason = a->pending_reason;
	info->answered = a->answered;
	info->talk_ms = a->talk_ms;
	memcpy(info->time_in_state, a->tis, sizeof(a->tis));
	info->n_queues = a->n_mem;
	return 0;
}

int acd_call_info(const struct acd *acd, uint64_t id, struct acd_call_info *info)
{
	const struct call *c = call_get(acd, id);
	if (!c)
		return ENOENT;
	memset(info, 0, sizeof(*info));
	info->state = c->state;
	info->queue = c->q->id;
	info->agent = c->agent ? c->agent->id : (c->n_off ? c->offv[0]->id : 0);
	info->priority = c->prio;
	info->tier = c->tier;
	info->callback = (c->flags & ACD_F_CALLBACK) != 0;
	info->t_enter = c->t_enter;
	info->wait_start = c->key;
	info->attempts = c->attempts;
	return 0;
}

void acd_stats_reset(struct acd *acd)
{
	struct queue *q;
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);) {
		memset(&q->st, 0, sizeof(q->st));
		/* callers still in the queue were offered before the reset */
		q->carried = q->n_waiting + q->n_ringing;
	}
}

unsigned acd_agent_queues(const struct acd *acd, uint32_t agent, uint32_t *queues, uint8_t *tiers,
			  unsigned max)
{
	const struct agent *a = agent_get(acd, agent);
	if (!a)
		return 0;
	unsigned n = 0;
	for (uint32_t i = 0; i < a->n_mem && n < max; i++, n++) {
		if (queues)
			queues[n] = a->mem[i].queue->id;
		if (tiers)
			tiers[n] = a->mem[i].tier;
	}
	return n;
}

void acd_sizes(unsigned *call_bytes, unsigned *agent_bytes, unsigned *member_bytes)
{
	if (call_bytes)
		*call_bytes = (unsigned)(sizeof(struct call) + 2 * sizeof(struct idmap_slot));
	if (agent_bytes)
		*agent_bytes = (unsigned)(sizeof(struct agent) + 2 * sizeof(struct idmap_slot));
	if (member_bytes)
		*member_bytes = (unsigned)(sizeof(struct member) + sizeof(struct member_ctr) +
					   sizeof(struct heap_node *));
}

/* ---------- names ---------- */

const char *acd_event_name(enum acd_event_type t)
{
	static const char *const names[ACD_EV_TYPE_COUNT] = {
	    [ACD_EV_CALL_ENTER] = "call-enter",
	    [ACD_EV_CALL_REFUSED] = "call-refused",
	    [ACD_EV_CALL_OFFER] = "call-offer",
	    [ACD_EV_CALL_OFFER_CANCEL] = "call-offer-cancel",
	    [ACD_EV_CALL_RNA] = "call-ring-no-answer",
	    [ACD_EV_CALL_CONNECT] = "call-connect",
	    [ACD_EV_CALL_HOLD] = "call-hold",
	    [ACD_EV_CALL_UNHOLD] = "call-unhold",
	    [ACD_EV_CALL_TRANSFER] = "call-transfer",
	    [ACD_EV_CALL_COMPLETE_CALLER] = "call-complete-caller",
	    [ACD_EV_CALL_COMPLETE_AGENT] = "call-complete-agent",
	    [ACD_EV_CALL_ABANDON] = "call-abandon",
	    [ACD_EV_CALL_EXIT_TIMEOUT] = "call-exit-timeout",
	    [ACD_EV_CALL_EXIT_OVERFLOW] = "call-exit-overflow",
	    [ACD_EV_CALL_WIDEN] = "call-widen",
	    [ACD_EV_CALLBACK_REQUESTED] = "callback-requested",
	    [ACD_EV_CALLBACK_ATTEMPT_FAILED] = "callback-attempt-failed",
	    [ACD_EV_CALLBACK_FAILED] = "callback-failed",
	    [ACD_EV_AGENT_LOGIN] = "agent-login",
	    [ACD_EV_AGENT_LOGOUT] = "agent-logout",
	    [ACD_EV_AGENT_STATE] = "agent-state",
	    [ACD_EV_CALL_INTERRUPTED] = "call-interrupted",
	};
	if ((int)t <= 0 || t >= ACD_EV_TYPE_COUNT)
		return "unknown";
	return names[t];
}

const char *acd_agent_state_name(enum acd_agent_state s)
{
	static const char *const names[ACD_AGENT_STATE_COUNT] = {
	    "logged-out", "ready", "not-ready", "reserved", "talking", "hold", "wrap-up", "other",
	};
	if ((int)s < 0 || s >= ACD_AGENT_STATE_COUNT)
		return "unknown";
	return names[s];
}

static const char *const strategy_names[ACD_STRATEGY_COUNT] = {
    "longest-idle", "round-robin", "fewest-calls", "least-talk",
    "linear",	    "random",	   "ring-all",	   "best-skill",
};

const char *acd_strategy_name(enum acd_strategy s)
{
	if ((int)s < 0 || s >= ACD_STRATEGY_COUNT)
		return "unknown";
	return strategy_names[s];
}

int acd_strategy_parse(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < ACD_STRATEGY_COUNT; i++)
		if (strcmp(name, strategy_names[i]) == 0)
			return i;
	return -1;
}
