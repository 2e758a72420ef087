/* dialer: campaigns, compliance, dial modes and the "why no leads" breakdown (see dialer.h). */
#include "core/dialer/dialer.h"

#include "base/dlist.h"
#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MINUTE_MS      60000LL
#define HOUR_MS	       (60 * MINUTE_MS)
#define DAY_MS	       (24 * HOUR_MS)
#define DIALER_SKIP_MS (15 * MINUTE_MS) /* a skipped preview comes back after this */
#define UNKNOWN_ZONE   (-1)

enum agent_state { A_AWAY = 0, A_FREE, A_PREVIEW, A_CALL, A_WRAP };
enum call_state { C_RINGING = 0, C_WAITING, C_CONNECTED };

struct camp;

struct agent {
	uint32_t id;
	struct camp *c;
	bool blended;
	enum agent_state st;
	int64_t since; /* A_CALL / A_WRAP: when the call was connected */
	/* A_PREVIEW: the lead shown; after a call: the lead awaiting its disposition */
	struct dialer_lead *lead;
	struct call *call;	/* the call it dialled (preview) or is talking on */
	struct dlist link;	/* the campaign's agents */
	struct dlist free_link; /* the campaign's free agents, longest free first */
};

struct call {
	uint64_t id;
	struct camp *c;
	struct dialer_lead *lead;
	struct agent *agent; /* preview: the agent who dialled; connected: the agent talking */
	enum call_state st;
	int64_t t_dial, t_answer;
	bool live_noted;	/* its live answer is in the rolling rate (connected once) */
	bool confirmed;		/* the driver said its agent talks on it (dialer_call_agent) */
	struct heap_node hn;	/* deadline: ring time-out or safe-harbour end */
	struct dlist wait_link; /* the campaign's answered calls waiting for an agent */
};

struct zbucket {
	struct heap ready;
	int64_t minute; /* the minute the cached state is for */
	int open;	/* 1 open, 0 closed, UNKNOWN_ZONE */
};

struct camp {
	uint32_t id;
	struct dialer_campaign_params p;
	struct dialer_list list;
	bool has_list;
	struct dialer_dnc dnc;
	struct pacer_stats st;
	struct heap wait;  /* ready leads not yet due, by next_ms */
	struct heap owned; /* personal callbacks that are due, by next_ms */
	struct zbucket *zb;
	uint32_t n_zb;
	struct dlist agents, free, waiting;
	uint32_t n_agents, free_ded, free_bl, busy, away;
	uint32_t ringing, n_waiting;
	uint64_t attempts, answered, abandoned, connected;
	struct pacer_output last;
	bool have_last;
	struct dialer_blend_rule blend; /* own_blend: this campaign's rule, else the dialer's */
	bool own_blend;
};

struct dialer {
	struct dialer_params p;
	dialer_event_h *sink;
	void *arg;
	struct idmap camps, agents, calls;
	struct camp **order; /* campaigns in the order added */
	uint32_t n_camps, cap_camps;
	struct heap timers;
	uint64_t next_call;
	int64_t now;
	struct dialer_dnc dnc;
	double inbound_sl;
	bool sl_known;
	struct pacer_scratch *scratch;
	int64_t *elapsed;
	uint32_t cap_elapsed;
};

/* --- profiles and parameters --- */

void dialer_profile_us(struct dialer_profile *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "US");
	p->abandon_limit = 0.03;
	p->abandon_window_ms = 30 * DAY_MS;
	p->safe_harbour_ms = 2000;
	p->min_ring_ms = 15000;
	p->window_start_min = 8 * 60;
	p->window_end_min = 21 * 60;
	p->abandon_lockout_ms = 0;
}

void dialer_profile_uk(struct dialer_profile *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "UK");
	p->abandon_limit = 0.03;
	p->abandon_window_ms = DAY_MS;
	p->safe_harbour_ms = 2000;
	p->min_ring_ms = 15000;
	p->window_start_min = 0; /* Ofcom sets no hours: the campaign's windows apply */
	p->window_end_min = 24 * 60;
	p->abandon_lockout_ms = 72 * HOUR_MS;
}

int dialer_profile_check(const struct dialer_profile *p)
{
	if (!p || !(p->abandon_limit >= 0 && p->abandon_limit <= 1) ||
	    p->abandon_window_ms < HOUR_MS || p->abandon_window_ms > 366 * DAY_MS ||
	    p->safe_harbour_ms < 0 || p->safe_harbour_ms > MINUTE_MS || p->min_ring_ms < 0 ||
	    p->min_ring_ms > 5 * MINUTE_MS || p->window_start_min < 0 ||
	    p->window_end_min > 24 * 60 || p->window_start_min > p->window_end_min ||
	    p->abandon_lockout_ms < 0 || p->abandon_lockout_ms > 366 * DAY_MS)
		return EINVAL;
	return 0;
}

void dialer_campaign_params_default(struct dialer_campaign_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = DIALER_PROGRESSIVE;
	dialer_profile_us(&p->profile);
	for (int i = 0; i < 7; i++) {
		p->days[i].start_min = 9 * 60;
		p->days[i].end_min = 20 * 60;
	}
	struct dialer_retry *r = p->retry;
	r[DIALER_R_NONE] = (struct dialer_retry){true, 0, 0};
	r[DIALER_R_NO_ANSWER] = (struct dialer_retry){false, 2 * HOUR_MS, 6};
	r[DIALER_R_BUSY] = (struct dialer_retry){false, 15 * MINUTE_MS, 6};
	r[DIALER_R_FAILED] = (struct dialer_retry){false, 4 * HOUR_MS, 3};
	r[DIALER_R_ABANDONED] = (struct dialer_retry){false, HOUR_MS, 6};
	r[DIALER_R_COMPLETED] = (struct dialer_retry){true, 0, 0};
	r[DIALER_R_CALLBACK] = (struct dialer_retry){false, 0, 0};
	r[DIALER_R_DNC] = (struct dialer_retry){true, 0, 0};
	r[DIALER_R_WRONG_NUMBER] = (struct dialer_retry){true, 0, 0};
	r[DIALER_R_NOT_INTERESTED] = (struct dialer_retry){true, 0, 0};
	p->ring_ms = 20000;
	pacer_params_default(&p->pacing);
	p->dnc_to_global = false;
}

static int params_check(const struct dialer_campaign_params *p)
{
	if (p->mode > DIALER_PREDICTIVE || dialer_profile_check(&p->profile))
		return EINVAL;
	for (int i = 0; i < 7; i++)
		if (p->days[i].start_min < 0 || p->days[i].end_min > 24 * 60 ||
		    p->days[i].start_min > p->days[i].end_min)
			return EINVAL;
	for (int i = 0; i < DIALER_R_COUNT; i++)
		if (p->retry[i].delay_ms < 0 || p->retry[i].delay_ms > 366 * DAY_MS)
			return EINVAL;
	if (p->ring_ms < p->profile.min_ring_ms || p->ring_ms > 5 * MINUTE_MS)
		return EINVAL;
	if (p->caller_id[0] && !phone_is_e164(p->caller_id))
		return EINVAL;
	const struct pacer_params *pp = &p->pacing;
	if (!(pp->margin > 0 && pp->margin <= 1) || !(pp->max_lines >= 1 && pp->max_lines <= 100))
		return EINVAL;
	return 0;
}

const char *dialer_result_name(enum dialer_result r)
{
	static const char *const n[DIALER_R_COUNT] = {
	    "none",	 "no-answer", "busy", "failed",	      "abandoned",
	    "completed", "callback",  "dnc",  "wrong-number", "not-interested",
	};
	return (unsigned)r < DIALER_R_COUNT ? n[r] : "?";
}

int dialer_result_for_code(const char *code, enum dialer_result *r)
{
	char n[48];
	size_t k = 0;
	if (!code)
		return ENOENT;
	/* lower case, '_' and ' ' as '-', surrounding blanks dropped */
	while (*code == ' ')
		code++;
	for (; *code && k + 1 < sizeof(n); code++) {
		char ch = *code;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (ch == '_' || ch == ' ')
			ch = '-';
		n[k++] = ch;
	}
	if (*code)
		return ENOENT;
	while (k && n[k - 1] == '-')
		k--;
	n[k] = '\0';
	if (strcmp(n, "do-not-call") == 0 || strcmp(n, "dnc") == 0) {
		*r = DIALER_R_DNC;
		return 0;
	}
	for (int i = DIALER_R_NONE + 1; i < DIALER_R_COUNT; i++) {
		if (i == DIALER_R_ABANDONED)
			continue; /* the dialer's own finding, never an agent's */
		if (strcmp(n, dialer_result_name((enum dialer_result)i)) == 0) {
			*r = (enum dialer_result)i;
			return 0;
		}
	}
	return ENOENT;
}

const char *dialer_ev_name(enum dialer_ev_type t)
{
	switch (t) {
	case DIALER_EV_DIAL:
		return "dial";
	case DIALER_EV_HANGUP:
		return "hangup";
	case DIALER_EV_CONNECT:
		return "connect";
	case DIALER_EV_SAFE_HARBOUR:
		return "safe-harbour";
	case DIALER_EV_PREVIEW:
		return "preview";
	case DIALER_EV_RESULT:
		return "result";
	case DIALER_EV_SKIP:
		return "skip";
	case DIALER_EV_PACE:
		return "pace";
	}
	return "?";
}

/* --- lifetime --- */

int dialer_alloc(struct dialer **dp, const struct dialer_params *p, dialer_event_h *sink, void *arg)
{
	if (!dp || !p || !p->localtime)
		return EINVAL;
	struct dialer *d = sb_zalloc(sizeof(*d));
	if (!d)
		return ENOMEM;
	d->scratch = sb_alloc(sizeof(*d->scratch));
	if (!d->scratch) {
		sb_free(d);
		return ENOMEM;
	}
	d->p = *p;
	if (d->p.blend.min_sl <= 0 && d->p.blend.reserve == 0)
		d->p.blend.min_sl = 0.8;
	d->sink = sink;
	d->arg = arg;
	idmap_init(&d->camps);
	idmap_init(&d->agents);
	idmap_init(&d->calls);
	heap_init(&d->timers);
	dialer_dnc_init(&d->dnc);
	d->now = INT64_MIN;
	*dp = d;
	return 0;
}

static void camp_free(struct camp *c)
{
	for (uint32_t z = 0; z < c->n_zb; z++)
		heap_release(&c->zb[z].ready);
	sb_free(c->zb);
	heap_release(&c->wait);
	heap_release(&c->owned);
	dialer_list_release(&c->list);
	dialer_dnc_release(&c->dnc);
	sb_free(c);
}

void dialer_free(struct dialer *d)
{
	if (!d)
		return;
	heap_release(&d->timers); /* first: it touches the calls' nodes */
	uint32_t pos = 0;
	uint64_t k;
	void *v;
	while (idmap_next(&d->calls, &pos, &k, &v))
		sb_free(v);
	pos = 0;
	while (idmap_next(&d->agents, &pos, &k, &v))
		sb_free(v);
	for (uint32_t i = 0; i < d->n_camps; i++)
		camp_free(d->order[i]);
	sb_free(d->order);
	idmap_release(&d->camps);
	idmap_release(&d->agents);
	idmap_release(&d->calls);
	dialer_dnc_release(&d->dnc);
	sb_free(d->scratch);
	sb_free(d->elapsed);
	sb_free(d);
}

static void emit(struct dialer *d, struct dialer_event *ev)
{
	if (d->sink)
		d->sink(ev, d->arg);
}

static struct dialer_event ev_of(enum dialer_ev_type t, int64_t now, const struct camp *c,
				 const struct dialer_lead *ld)
{
	struct dialer_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = t;
	ev.t = now;
	ev.campaign = c->id;
	if (ld) {
		ev.lead = ld->id;
		ev.number = ld->e164;
		ev.attempts = ld->attempts;
		ev.result = ld->last_result;
	}
	return ev;
}

/* --- campaigns and lead queues --- */

static struct camp *camp_get(const struct dialer *d, uint32_t id)
{
	return id ? idmap_get(&d->camps, id) : NULL;
}

int dialer_campaign_add(struct dialer *d, uint32_t id, const struct dialer_campaign_params *p)
{
	if (!id || !p || params_check(p))
		return EINVAL;
	if (camp_get(d, id))
		return EEXIST;
	if (d->n_camps == d->cap_camps) {
		uint32_t cap = d->cap_camps ? d->cap_camps * 2 : 8;
		struct camp **o = sb_realloc(d->order, cap * sizeof(*o));
		if (!o)
			return ENOMEM;
		d->order = o;
		d->cap_camps = cap;
	}
	struct camp *c = sb_zalloc(sizeof(*c));
	if (!c)
		return ENOMEM;
	c->id = id;
	c->p = *p;
	dialer_list_init(&c->list);
	dialer_dnc_init(&c->dnc);
	pacer_stats_init(&c->st, p->profile.abandon_window_ms);
	heap_init(&c->wait);
	heap_init(&c->owned);
	dlist_init(&c->agents);
	dlist_init(&c->free);
	dlist_init(&c->waiting);
	if (idmap_put(&d->camps, id, c) != 0) {
		camp_free(c);
		return ENOMEM;
	}
	d->order[d->n_camps++] = c;
	return 0;
}

int dialer_campaign_set(struct dialer *d, uint32_t id, const struct dialer_campaign_params *p)
{
	struct camp *c = camp_get(d, id);
	if (!c)
		return ENOENT;
	if (!p || params_check(p) || p->profile.abandon_window_ms != c->p.profile.abandon_window_ms)
		return EINVAL;
	c->p = *p;
	for (uint32_t z = 0; z < c->n_zb; z++)
		c->zb[z].minute = INT64_MIN; /* windows may have changed */
	return 0;
}

const struct dialer_list *dialer_campaign_list(const struct dialer *d, uint32_t id)
{
	const struct camp *c = camp_get(d, id);
	return c ? &c->list : NULL;
}

struct dialer_dnc *dialer_dnc_global(struct dialer *d)
{
	return &d->dnc;
}

struct dialer_dnc *dialer_campaign_dnc(struct dialer *d, uint32_t id)
{
	struct camp *c = camp_get(d, id);
	return c ? &c->dnc : NULL;
}

/* Queues a ready lead: in the wait heap until next_ms, then in its zone's ready heap. */
static int enqueue(struct camp *c, struct dialer_lead *ld, int64_t now)
{
	if (ld->next_ms > now) {
		ld->hn.k1 = ld->next_ms;
		ld->hn.k2 = 0;
		ld->hn.k3 = ld->id;
		return heap_push(&c->wait, &ld->hn);
	}
	if (ld->owner) { /* a personal callback: offered to its agent only */
		ld->hn.k1 = ld->next_ms;
		ld->hn.k2 = 0;
		ld->hn.k3 = ld->id;
		return heap_push(&c->owned, &ld->hn);
	}
	ld->hn.k1 = ld->callback ? 0 : 1; /* due callbacks first */
	ld->hn.k2 = -(int64_t)ld->priority;
	ld->hn.k3 = ((uint64_t)ld->attempts << 32) | ld->id; /* fewer attempts, then list order */
	return heap_push(&c->zb[ld->zone].ready, &ld->hn);
}

/* Moves leads that came due into their zones' ready heaps. */
static void promote(struct camp *c, int64_t now)
{
	struct heap_node *n;
	while ((n = heap_top(&c->wait)) && n->k1 <= now) {
		heap_pop(&c->wait);
		struct dialer_lead *ld = container_of(n, struct dialer_lead, hn);
		/* cannot fail: the zone heap has room for every lead once reserved below */
		(void)enqueue(c, ld, now);
	}
}

/* Takes every lead out of the queues (each lead is in at most one heap: find which by its slot). */
static void unqueue_all(struct camp *c)
{
	for (uint32_t i = 0; i < c->list.n; i++) {
		struct dialer_lead *ld = c->list.leads[i];
		if (!heap_node_linked(&ld->hn))
			continue;
		uint32_t idx = ld->hn.idx;
		if (idx < c->wait.n && c->wait.v[idx] == &ld->hn)
			heap_remove(&c->wait, &ld->hn);
		else if (idx < c->owned.n && c->owned.v[idx] == &ld->hn)
			heap_remove(&c->owned, &ld->hn);
		else
			heap_remove(&c->zb[ld->zone].ready, &ld->hn);
	}
}

static int reserve(struct heap *h, uint32_t need)
{
	if (h->cap >= need || need == 0)
		return 0;
	struct heap_node **v = sb_realloc(h->v, need * sizeof(*v));
	if (!v)
		return ENOMEM;
	h->v = v;
	h->cap = need;
	return 0;
}

/*
 * Reserves heap room for every lead (the wait heap: all of them; a zone's:
 * its own) so that moving leads between heaps never fails.
 */
static int reserve_heaps(struct camp *c)
{
	uint32_t *per = sb_calloc(c->n_zb ? c->n_zb : 1, sizeof(*per));
	if (!per)
		return ENOMEM;
	for (uint32_t i = 0; i < c->list.n; i++)
		per[c->list.leads[i]->zone]++;
	int rc = reserve(&c->wait, c->list.n);
	if (rc == 0)
		rc = reserve(&c->owned, c->list.n);
	for (uint32_t z = 0; rc == 0 && z < c->n_zb; z++)
		rc = reserve(&c->zb[z].ready, per[z]);
	sb_free(per);
	return rc;
}

static int requeue_all(struct camp *c, int64_t now)
{
	for (uint32_t i = 0; i < c->list.n; i++) {
		struct dialer_lead *ld = c->list.leads[i];
		if (ld->state == DIALER_LEAD_READY && !heap_node_linked(&ld->hn))
			(void)enqueue(c, ld, now);
	}
	return 0;
}

int dialer_campaign_set_list(struct dialer *d, uint32_t id, struct dialer_list *l)
{
	struct camp *c = camp_get(d, id);
	if (!c)
		return ENOENT;
	if (!l)
		return EINVAL;
	if (c->has_list)
		return EBUSY;
	struct zbucket *zb = sb_calloc(l->n_zones ? l->n_zones : 1, sizeof(*zb));
	if (!zb)
		return ENOMEM;
	for (uint32_t z = 0; z < l->n_zones; z++) {
		heap_init(&zb[z].ready);
		zb[z].minute = INT64_MIN;
	}
	c->zb = zb;
	c->n_zb = l->n_zones;
	c->list = *l;
	c->has_list = true;
	dialer_list_init(l);
	if (reserve_heaps(c) != 0)
		return ENOMEM; /* the campaign keeps the list; its leads are not queued */
	for (uint32_t i = 0; i < c->list.n; i++) {
		struct dialer_lead *ld = c->list.leads[i];
		heap_node_init(&ld->hn);
		if (ld->state == DIALER_LEAD_IN_CALL)
			ld->state = DIALER_LEAD_READY; /* a call from before is over */
	}
	return requeue_all(c, d->now == INT64_MIN ? INT64_MIN + 1 : d->now);
}

int dialer_recycle(struct dialer *d, uint32_t id, uint32_t results, int64_t now, uint32_t *n)
{
	struct camp *c = camp_get(d, id);
	if (!c)
		return ENOENT;
	if (now < d->now)
		now = d->now;
	unqueue_all(c);
	uint32_t k = dialer_list_recycle(&c->list, results, now);
	requeue_all(c, now);
	if (n)
		*n = k;
	return 0;
}

/* --- calling windows --- */

static bool in_day(const struct dialer_campaign_params *p, const struct dialer_local *lt)
{
	if (lt->wday < 0 || lt->wday > 6 || lt->minute < 0 || lt->minute >= 24 * 60)
		return false;
	const struct dialer_day *day = &p->days[lt->wday];
	return lt->minute >= p->profile.window_start_min &&
	       lt->minute < p->profile.window_end_min && lt->minute >= day->start_min &&
	       lt->minute < day->end_min;
}

/* 1 when the window is open in every zone of the set, 0 when closed in one, UNKNOWN_ZONE. */
static int zone_open(const struct dialer *d, struct camp *c, uint32_t z, int64_t now)
{
	struct zbucket *b = &c->zb[z];
	int64_t minute = now >= 0 ? now / MINUTE_MS : -((-now + MINUTE_MS - 1) / MINUTE_MS);
	if (b->minute == minute)
		return b->open;
	char names[DIALER_ZONES_PER_SET][DIALER_ZONE_NAME_MAX];
	unsigned n = dialer_zone_split(c->list.zones[z], names);
	int open = n ? 1 : UNKNOWN_ZONE;
	for (unsigned i = 0; i < n; i++) {
		struct dialer_local lt;
		if (d->p.localtime(names[i], now, &lt, d->p.localtime_arg) != 0) {
			open = UNKNOWN_ZONE;
			break;
		}
		if (!in_day(&c->p, &lt))
			open = 0;
	}
	b->minute = minute;
	b->open = open;
	return open;
}

static bool on_dnc(const struct dialer *d, const struct camp *c, const char *e164)
{
	return dialer_dnc_has(&d->dnc, e164) || dialer_dnc_has(&c->dnc, e164);
}

/* The best dialable lead of the campaign, taken out of its queue; NULL when none. */
static struct dialer_lead *pick(struct dialer *d, struct camp *c, int64_t now)
{
	promote(c, now);
	for (;;) {
		struct heap_node *best = NULL;
		uint32_t bz = 0;
		for (uint32_t z = 0; z < c->n_zb; z++) {
			struct heap_node *t = heap_top(&c->zb[z].ready);
			if (t && (!best || heap_less(t, best)) && zone_open(d, c, z, now) == 1) {
				best = t;
				bz = z;
			}
		}
		if (!best)
			return NULL;
		heap_remove(&c->zb[bz].ready, best);
		struct dialer_lead *ld = container_of(best, struct dialer_lead, hn);
		if (on_dnc(d, c, ld->e164)) {
			ld->state = DIALER_LEAD_DONE;
			ld->done = DIALER_DONE_DNC;
			struct dialer_event ev = ev_of(DIALER_EV_SKIP, now, c, ld);
			ev.done = DIALER_DONE_DNC;
			emit(d, &ev);
			continue;
		}
		return ld;
	}
}

/* --- agents --- */

static const struct dialer_blend_rule *blend_of(const struct dialer *d, const struct camp *c)
{
	return c->own_blend ? &c->blend : &d->p.blend;
}

static bool blend_safe(const struct dialer *d, const struct camp *c)
{
	return d->sl_known && d->inbound_sl >= blend_of(d, c)->min_sl;
}

/* Free agents the dialer may use now. */
static uint32_t eligible_free(const struct dialer *d, const struct camp *c)
{
	uint32_t n = c->free_ded;
	uint32_t reserve = blend_of(d, c)->reserve;
	if (blend_safe(d, c) && c->free_bl > reserve)
		n += c->free_bl - reserve;
	return n;
}

/* Takes the longest-free usable agent out of the free list; NULL when none. */
static struct agent *take_free(const struct dialer *d, struct camp *c)
{
	bool bl_ok = blend_safe(d, c) && c->free_bl > blend_of(d, c)->reserve;
	dlist_for_each(it, &c->free)
	{
		struct agent *a = container_of(it, struct agent, free_link);
		if (!a->blended || bl_ok) {
			dlist_unlink(&a->free_link);
			if (a->blended)
				c->free_bl--;
			else
				c->free_ded--;
			return a;
		}
	}
	return NULL;
}

static void set_free(struct camp *c, struct agent *a)
{
	a->st = A_FREE;
	dlist_append(&c->free, &a->free_link);
	if (a->blended)
		c->free_bl++;
	else
		c->free_ded++;
}

static void unset_free(struct camp *c, struct agent *a)
{
	if (a->st != A_FREE)
		return;
	dlist_unlink(&a->free_link);
	if (a->blended)
		c->free_bl--;
	else
		c->free_ded--;
}

static struct agent *agent_get(const struct dialer *d, uint32_t id)
{
	return id ? idmap_get(&d->agents, id) : NULL;
}

/* --- results --- */

static void apply_result(struct dialer *d, struct camp *c, struct dialer_lead *ld,
			 enum dialer_result r, int64_t at_ms, int64_t now)
{
	const struct dialer_retry *rule = &c->p.retry[r];
	ld->last_result = r;
	ld->callback = false;
	if (r != DIALER_R_CALLBACK)
		ld->owner = 0;
	if (r == DIALER_R_DNC) {
		struct dialer_dnc *dnc = c->p.dnc_to_global ? &d->dnc : &c->dnc;
		(void)dialer_dnc_add(dnc, ld->e164, NULL); /* ENOMEM: still done, below */
		ld->state = DIALER_LEAD_DONE;
		ld->done = DIALER_DONE_DNC;
	} else if (rule->final) {
		ld->state = DIALER_LEAD_DONE;
		ld->done = DIALER_DONE_RESULT;
	} else if (r != DIALER_R_CALLBACK && rule->max_attempts &&
		   ld->attempts >= rule->max_attempts) {
		ld->state = DIALER_LEAD_DONE;
		ld->done = DIALER_DONE_MAX_ATTEMPTS;
	} else {
		int64_t next = now + rule->delay_ms;
		if (r == DIALER_R_CALLBACK) {
			next = at_ms > now ? at_ms : now;
			ld->callback = true;
		}
		if (ld->abandoned_ms != INT64_MIN && c->p.profile.abandon_lockout_ms > 0 &&
		    next < ld->abandoned_ms + c->p.profile.abandon_lockout_ms)
			next = ld->abandoned_ms + c->p.profile.abandon_lockout_ms;
		ld->state = DIALER_LEAD_READY;
		ld->done = DIALER_DONE_NOT;
		ld->next_ms = next;
		(void)enqueue(c, ld, now); /* room reserved: cannot fail */
	}
	struct dialer_event ev = ev_of(DIALER_EV_RESULT, now, c, ld);
	ev.result = r;
	ev.done = ld->done;
	ev.next_ms = ld->state == DIALER_LEAD_READY ? ld->next_ms : 0;
	emit(d, &ev);
}

static void call_free(struct dialer *d, struct call *cl)
{
	if (cl->agent && cl->agent->call == cl)
		cl->agent->call = NULL;
	heap_remove(&d->timers, &cl->hn);
	if (dlist_linked(&cl->wait_link))
		dlist_unlink(&cl->wait_link);
	idmap_del(&d->calls, cl->id);
	sb_free(cl);
}

static void connect(struct dialer *d, struct call *cl, struct agent *a, int64_t now)
{
	struct camp *c = cl->c;
	if (cl->st == C_WAITING) {
		c->n_waiting--;
		dlist_unlink(&cl->wait_link);
	}
	heap_remove(&d->timers, &cl->hn);
	if (a->lead && a->lead != cl->lead) {
		/* the agent's previous lead was never dispositioned */
		apply_result(d, c, a->lead, DIALER_R_NONE, 0, now);
	}
	cl->st = C_CONNECTED;
	cl->agent = a;
	a->call = cl;
	a->st = A_CALL;
	a->since = now;
	a->lead = cl->lead;
	c->busy++;
	c->connected++;
	if (!cl->live_noted)
		pacer_note_live(&c->st, now, false);
	cl->live_noted = true;
	struct dialer_event ev = ev_of(DIALER_EV_CONNECT, now, c, cl->lead);
	ev.call = cl->id;
	ev.agent = a->id;
	emit(d, &ev);
}

/* An answered call got no agent in time (or its caller hung up first): abandoned. */
static void abandon(struct dialer *d, struct call *cl, int64_t now, bool message)
{
	struct camp *c = cl->c;
	c->n_waiting--;
	c->abandoned++;
	if (cl->live_noted) /* connected once, then put back (dialer_call_agent) */
		pacer_note_abandon(&c->st, now);
	else
		pacer_note_live(&c->st, now, true);
	if (message) {
		struct dialer_event ev = ev_of(DIALER_EV_SAFE_HARBOUR, now, c, cl->lead);
		ev.call = cl->id;
		emit(d, &ev);
	}
	struct dialer_lead *ld = cl->lead;
	ld->abandoned_ms = now;
	call_free(d, cl);
	apply_result(d, c, ld, DIALER_R_ABANDONED, 0, now);
}

/* An unanswered call is over. */
static void unanswered(struct dialer *d, struct call *cl, enum dialer_result r, int64_t now)
{
	struct camp *c = cl->c;
	c->ringing--;
	pacer_note_attempt(&c->st, false, 0);
	struct dialer_lead *ld = cl->lead;
	struct agent *a = cl->agent;
	call_free(d, cl);
	if (a) { /* preview: the agent is free again */
		a->lead = NULL;
		set_free(c, a);
	}
	apply_result(d, c, ld, r, 0, now);
}

static void fire(struct dialer *d, int64_t now)
{
	struct heap_node *n;
	while ((n = heap_top(&d->timers)) && n->k1 <= now) {
		int64_t t = n->k1;
		struct call *cl = container_of(n, struct call, hn);
		heap_pop(&d->timers);
		if (cl->st == C_RINGING) {
			struct dialer_event ev = ev_of(DIALER_EV_HANGUP, t, cl->c, cl->lead);
			ev.call = cl->id;
			emit(d, &ev);
			unanswered(d, cl, DIALER_R_NO_ANSWER, t);
		} else if (cl->st == C_WAITING) {
			abandon(d, cl, t, true);
		}
	}
}

/* Brings the core to now: the stamp is clamped so time never runs back; deadlines fire. */
static int64_t tick(struct dialer *d, int64_t now)
{
	if (now < d->now)
		now = d->now;
	fire(d, now);
	d->now = now;
	return now;
}

/* Gives waiting answered calls to the campaign's free agents. */
static void serve_waiting(struct dialer *d, struct camp *c, int64_t now)
{
	while (!dlist_empty(&c->waiting)) {
		struct agent *a = take_free(d, c);
		if (!a)
			return;
		struct call *cl = container_of(dlist_first(&c->waiting), struct call, wait_link);
		connect(d, cl, a, now);
	}
}

int dialer_agent_add(struct dialer *d, uint32_t agent, uint32_t campaign, bool blended, int64_t now)
{
	struct camp *c = camp_get(d, campaign);
	if (!agent)
		return EINVAL;
	if (!c)
		return ENOENT;
	if (agent_get(d, agent))
		return EEXIST;
	tick(d, now);
	struct agent *a = sb_zalloc(sizeof(*a));
	if (!a)
		return ENOMEM;
	a->id = agent;
	a->c = c;
	a->blended = blended;
	a->st = A_AWAY;
	dlist_init(&a->free_link);
	if (idmap_put(&d->agents, agent, a) != 0) {
		sb_free(a);
		return ENOMEM;
	}
	dlist_append(&c->agents, &a->link);
	c->n_agents++;
	c->away++;
	return 0;
}

/* Leaves wrap-up: the handle time is measured. */
static void end_busy(struct camp *c, struct agent *a, int64_t now)
{
	if (a->st == A_WRAP || a->st == A_CALL) {
		pacer_note_handle(&c->st, now - a->since);
		c->busy--;
	}
}

int dialer_agent_ready(struct dialer *d, uint32_t agent, int64_t now)
{
	struct agent *a = agent_get(d, agent);
	if (!a)
		return ENOENT;
	now = tick(d, now);
	struct camp *c = a->c;
	switch (a->st) {
	case A_FREE:
		return 0;
	case A_PREVIEW:
	case A_CALL:
		return EBUSY;
	case A_WRAP:
		end_busy(c, a, now);
		break;
	case A_AWAY:
		c->away--;
		break;
	}
	set_free(c, a);
	serve_waiting(d, c, now);
	return 0;
}

static void preview_release(struct camp *c, struct agent *a, int64_t now, int64_t next)
{
	struct dialer_lead *ld = a->lead;
	a->lead = NULL;
	ld->state = DIALER_LEAD_READY;
	ld->next_ms = next;
	(void)enqueue(c, ld, now);
}

int dialer_agent_away(struct dialer *d, uint32_t agent, int64_t now)
{
	struct agent *a = agent_get(d, agent);
	if (!a)
		return ENOENT;
	now = tick(d, now);
	struct camp *c = a->c;
	switch (a->st) {
	case A_AWAY:
		return 0;
	case A_CALL:
		return EBUSY;
	case A_PREVIEW:
		if (a->call)
			return EBUSY; /* a previewed lead being dialled keeps its agent */
		preview_release(c, a, now, now);
		break;
	case A_FREE:
		unset_free(c, a);
		break;
	case A_WRAP:
		end_busy(c, a, now);
		break;
	}
	a->st = A_AWAY;
	c->away++;
	return 0;
}

int dialer_agent_remove(struct dialer *d, uint32_t agent, int64_t now)
{
	struct agent *a = agent_get(d, agent);
	if (!a)
		return ENOENT;
	int rc = dialer_agent_away(d, agent, now);
	if (rc)
		return rc;
	struct camp *c = a->c;
	if (a->lead && a->lead->state == DIALER_LEAD_IN_CALL)
		apply_result(d, c, a->lead, DIALER_R_NONE, 0, d->now);
	c->away--;
	c->n_agents--;
	dlist_unlink(&a->link);
	idmap_del(&d->agents, agent);
	sb_free(a);
	return 0;
}

void dialer_set_inbound_sl(struct dialer *d, double sl, int64_t now)
{
	tick(d, now);
	if (sl >= 0 && sl <= 1) {
		d->inbound_sl = sl;
		d->sl_known = true;
	}
}

void dialer_set_blend_rule(struct dialer *d, const struct dialer_blend_rule *r)
{
	if (r && r->min_sl >= 0 && r->min_sl <= 1)
		d->p.blend = *r;
}

int dialer_campaign_set_blend(struct dialer *d, uint32_t campaign,
			      const struct dialer_blend_rule *r)
{
	struct camp *c = idmap_get(&d->camps, campaign);
	if (!c)
		return ENOENT;
	if (r && !(r->min_sl >= 0 && r->min_sl <= 1))
		return EINVAL;
	c->own_blend = r != NULL;
	if (r)
		c->blend = *r;
	return 0;
}

/* --- calls --- */

static int place(struct dialer *d, struct camp *c, struct dialer_lead *ld, struct agent *a,
		 int64_t now, uint64_t *id)
{
	struct call *cl = sb_zalloc(sizeof(*cl));
	if (!cl)
		return ENOMEM;
	cl->id = ++d->next_call;
	cl->c = c;
	cl->lead = ld;
	cl->agent = a;
	cl->st = C_RINGING;
	cl->t_dial = now;
	heap_node_init(&cl->hn);
	dlist_init(&cl->wait_link);
	cl->hn.k1 = now + c->p.ring_ms;
	cl->hn.k3 = cl->id;
	if (idmap_put(&d->calls, cl->id, cl) != 0 || heap_push(&d->timers, &cl->hn) != 0) {
		idmap_del(&d->calls, cl->id);
		sb_free(cl);
		return ENOMEM;
	}
	ld->state = DIALER_LEAD_IN_CALL;
	ld->attempts++;
	ld->last_ms = now;
	c->ringing++;
	c->attempts++;
	struct dialer_event ev = ev_of(DIALER_EV_DIAL, now, c, ld);
	ev.call = cl->id;
	ev.agent = a ? a->id : 0;
	ev.caller_id = c->p.caller_id;
	ev.ring_ms = c->p.ring_ms;
	emit(d, &ev);
	if (id)
		*id = cl->id;
	return 0;
}

static void reserve_preview(struct dialer *d, struct camp *c, struct agent *a,
			    struct dialer_lead *ld, int64_t now)
{
	unset_free(c, a);
	a->st = A_PREVIEW;
	a->lead = ld;
	ld->state = DIALER_LEAD_IN_CALL;
	struct dialer_event ev = ev_of(DIALER_EV_PREVIEW, now, c, ld);
	ev.agent = a->id;
	emit(d, &ev);
}

/* Offers due personal callbacks to their agents when they are free (any dial mode). */
static void offer_owned(struct dialer *d, struct camp *c, int64_t now)
{
	for (uint32_t i = 0; i < c->owned.n;) {
		struct dialer_lead *ld = container_of(c->owned.v[i], struct dialer_lead, hn);
		struct agent *a = agent_get(d, ld->owner);
		if (!a || a->c != c) { /* the agent has left the campaign: anyone may call */
			heap_remove(&c->owned, &ld->hn);
			ld->owner = 0;
			(void)enqueue(c, ld, now);
			i = 0;
			continue;
		}
		if (on_dnc(d, c, ld->e164)) {
			heap_remove(&c->owned, &ld->hn);
			ld->state = DIALER_LEAD_DONE;
			ld->done = DIALER_DONE_DNC;
			struct dialer_event ev = ev_of(DIALER_EV_SKIP, now, c, ld);
			ev.done = DIALER_DONE_DNC;
			emit(d, &ev);
			i = 0;
			continue;
		}
		if (a->st == A_FREE && zone_open(d, c, ld->zone, now) == 1) {
			heap_remove(&c->owned, &ld->hn);
			reserve_preview(d, c, a, ld, now);
			i = 0;
			continue;
		}
		i++;
	}
}

static void decide(struct dialer *d, struct camp *c, int64_t now)
{
	if (!c->has_list)
		return;
	promote(c, now);
	if (c->owned.n)
		offer_owned(d, c, now);
	if (c->p.mode == DIALER_PREVIEW)
		return;
	if (c->busy > d->cap_elapsed) {
		uint32_t cap = c->busy * 2;
		int64_t *e = sb_realloc(d->elapsed, cap * sizeof(*e));
		if (!e)
			return; /* out of memory: no calls this time */
		d->elapsed = e;
		d->cap_elapsed = cap;
	}
	uint32_t nb = 0;
	dlist_for_each(it, &c->agents)
	{
		struct agent *a = container_of(it, struct agent, link);
		if ((a->st == A_CALL || a->st == A_WRAP) && nb < c->busy)
			d->elapsed[nb++] = now - a->since;
	}
	struct pacer_input in = {
	    .free_agents = eligible_free(d, c),
	    .busy_agents = nb,
	    .busy_elapsed_ms = d->elapsed,
	    .waiting = c->n_waiting,
	    .ringing = c->ringing,
	};
	struct pacer_params pp = c->p.pacing;
	pp.limit = c->p.profile.abandon_limit;
	pp.safe_harbour_ms = c->p.profile.safe_harbour_ms;
	struct pacer_output out;
	pacer_decide(&pp, &c->st, c->p.mode == DIALER_PREDICTIVE, &in, now, d->scratch, &out);
	uint32_t placed = 0;
	for (; placed < out.dial; placed++) {
		struct dialer_lead *ld = pick(d, c, now);
		if (!ld)
			break;
		if (place(d, c, ld, NULL, now, NULL) != 0) {
			ld->state = DIALER_LEAD_READY;
			(void)enqueue(c, ld, now);
			break;
		}
	}
	bool changed = !c->have_last || c->last.why != out.why;
	out.dial = placed;
	c->last = out;
	c->have_last = true;
	if (placed || changed) {
		struct dialer_event ev = ev_of(DIALER_EV_PACE, now, c, NULL);
		ev.pace = out;
		emit(d, &ev);
	}
}

void dialer_advance(struct dialer *d, int64_t now)
{
	now = tick(d, now);
	for (uint32_t i = 0; i < d->n_camps; i++)
		decide(d, d->order[i], now);
}

int64_t dialer_next_deadline(const struct dialer *d)
{
	int64_t t = INT64_MAX;
	const struct heap_node *n = heap_top(&d->timers);
	if (n)
		t = n->k1;
	for (uint32_t i = 0; i < d->n_camps; i++) {
		const struct camp *c = d->order[i];
		if (!c->has_list)
			continue;
		n = heap_top(&c->wait);
		if (n && n->k1 < t)
			t = n->k1 > d->now ? n->k1 : d->now + 1; /* promoted at the next advance */
		if (c->p.mode == DIALER_PREVIEW)
			continue;
		if (eligible_free(d, c) > c->ringing + c->n_waiting && d->now != INT64_MIN) {
			/* agents wait: windows may open at the next minute */
			int64_t next_min = (d->now / MINUTE_MS + 1) * MINUTE_MS;
			if (next_min < t)
				t = next_min;
		}
	}
	return t;
}

static struct call *call_get(const struct dialer *d, uint64_t id)
{
	return id ? idmap_get(&d->calls, id) : NULL;
}

int dialer_call_answered(struct dialer *d, uint64_t call, int64_t now)
{
	if (!call_get(d, call))
		return ENOENT;
	now = tick(d, now);
	struct call *cl = call_get(d, call); /* a deadline may have ended it */
	if (!cl)
		return ENOENT;
	if (cl->st != C_RINGING)
		return EBUSY;
	struct camp *c = cl->c;
	c->ringing--;
	c->answered++;
	cl->t_answer = now;
	pacer_note_attempt(&c->st, true, now - cl->t_dial);
	heap_remove(&d->timers, &cl->hn);
	struct agent *a = cl->agent;
	if (!a)
		a = take_free(d, c);
	if (a) {
		connect(d, cl, a, now);
		return 0;
	}
	cl->st = C_WAITING;
	c->n_waiting++;
	dlist_append(&c->waiting, &cl->wait_link);
	cl->hn.k1 = now + c->p.profile.safe_harbour_ms;
	if (heap_push(&d->timers, &cl->hn) != 0)
		abandon(d, cl, now, true); /* cannot time it: give the message now */
	return 0;
}

int dialer_call_failed(struct dialer *d, uint64_t call, enum dialer_result r, int64_t now)
{
	if (r != DIALER_R_NO_ANSWER && r != DIALER_R_BUSY && r != DIALER_R_FAILED)
		return EINVAL;
	if (!call_get(d, call))
		return ENOENT;
	now = tick(d, now);
	struct call *cl = call_get(d, call);
	if (!cl)
		return ENOENT;
	if (cl->st != C_RINGING)
		return EBUSY;
	unanswered(d, cl, r, now);
	return 0;
}

int dialer_call_ended(struct dialer *d, uint64_t call, int64_t now)
{
	if (!call_get(d, call))
		return ENOENT;
	now = tick(d, now);
	struct call *cl = call_get(d, call);
	if (!cl)
		return ENOENT;
	if (cl->st == C_RINGING)
		return EBUSY;
	if (cl->st == C_WAITING) {
		abandon(d, cl, now, false); /* hung up before an agent came: abandoned */
		return 0;
	}
	struct agent *a = cl->agent;
	a->st = A_WRAP; /* a->lead stays: it awaits the disposition */
	call_free(d, cl);
	return 0;
}

int dialer_call_lost(struct dialer *d, uint64_t call, int64_t now)
{
	if (!call_get(d, call))
		return ENOENT;
	now = tick(d, now);
	struct call *cl = call_get(d, call);
	if (!cl)
		return ENOENT;
	if (cl->st == C_RINGING)
		return EBUSY;
	if (cl->st == C_WAITING) {
		abandon(d, cl, now, false);
		return 0;
	}
	struct camp *c = cl->c;
	struct agent *a = cl->agent;
	struct dialer_lead *ld = cl->lead;
	c->connected--;
	c->abandoned++;
	c->busy--; /* no handle time: the agent never had the call */
	pacer_note_abandon(&c->st, now);
	a->lead = NULL;
	a->st = A_AWAY;
	c->away++;
	ld->abandoned_ms = now;
	call_free(d, cl);
	apply_result(d, c, ld, DIALER_R_ABANDONED, 0, now);
	return 0;
}

int dialer_call_agent(struct dialer *d, uint64_t call, uint32_t agent, int64_t now)
{
	struct agent *b = agent_get(d, agent);
	if (!call_get(d, call) || !b)
		return ENOENT;
	now = tick(d, now);
	struct call *cl = call_get(d, call);
	if (!cl)
		return ENOENT;
	struct camp *c = cl->c;
	if (b->c != c)
		return EINVAL;
	if (cl->st == C_RINGING)
		return EBUSY;
	if (cl->agent == b) {
		cl->confirmed = true;
		return 0;
	}
	bool requeued = false;
	if (b->st == A_CALL && b->call && b->call != cl && b->call->st == C_CONNECTED) {
		/* b talks on cl, so not on the call y the core gave it (unless the driver said so)
		 */
		struct call *y = b->call;
		if (y->confirmed)
			return EBUSY;
		if (cl->st == C_CONNECTED && !cl->confirmed) {
			/* a swap: y goes to cl's agent, whom the router has not given cl either */
			struct agent *a = cl->agent;
			int64_t since = a->since;
			a->call = y;
			a->lead = y->lead;
			a->since = b->since;
			y->agent = a;
			b->call = cl;
			b->lead = cl->lead;
			b->since = since;
			cl->agent = b;
			cl->confirmed = true;
			struct dialer_event ev = ev_of(DIALER_EV_CONNECT, now, c, cl->lead);
			ev.call = cl->id;
			ev.agent = b->id;
			emit(d, &ev);
			ev = ev_of(DIALER_EV_CONNECT, now, c, y->lead);
			ev.call = y->id;
			ev.agent = a->id;
			emit(d, &ev);
			return 0;
		}
		/* y waits again (its live answer stays counted once) until its safe-harbour time
		 * ends or an agent is free; b takes cl below */
		c->busy--;
		c->connected--;
		b->call = NULL;
		b->lead = NULL;
		y->agent = NULL;
		y->st = C_WAITING;
		c->n_waiting++;
		dlist_append(&c->waiting, &y->wait_link);
		int64_t end = y->t_answer + c->p.profile.safe_harbour_ms;
		y->hn.k1 = end > now ? end : now;
		b->st = A_AWAY;
		c->away++;
		requeued = true;
		if (heap_push(&d->timers, &y->hn) != 0)
			abandon(d, y, now, true); /* cannot time it: give the message now */
	} else if (b->st == A_PREVIEW) {
		/* b answered the router's call instead: its preview ends; a call it dialled rings
		 * on for whichever agent is free when it is answered */
		if (b->call) {
			b->call->agent = NULL;
			b->call = NULL;
			b->lead = NULL;
		} else {
			preview_release(c, b, now, now);
		}
		b->st = A_AWAY;
		c->away++;
	}
	if (b->st == A_CALL || b->st == A_PREVIEW)
		return EBUSY;
	/* b leaves its state; a lead it never dispositioned is closed (as connect() does) */
	if (b->st == A_FREE)
		unset_free(c, b);
	else if (b->st == A_AWAY)
		c->away--;
	else if (b->st == A_WRAP)
		end_busy(c, b, now);
	if (b->lead) {
		struct dialer_lead *old = b->lead;
		b->lead = NULL;
		apply_result(d, c, old, DIALER_R_NONE, 0, now);
	}
	cl->confirmed = true;
	if (cl->st != C_CONNECTED) {
		connect(d, cl, b, now); /* waiting: connected now, its safe-harbour timer gone */
	} else {
		/* moved from the core's agent: the live answer is counted already */
		struct agent *a = cl->agent;
		a->call = NULL;
		a->lead = NULL;
		a->st = A_AWAY;
		c->away++;
		b->st = A_CALL;
		b->call = cl;
		b->lead = cl->lead;
		b->since = a->since;
		cl->agent = b;
		struct dialer_event ev = ev_of(DIALER_EV_CONNECT, now, c, cl->lead);
		ev.call = cl->id;
		ev.agent = b->id;
		emit(d, &ev);
	}
	if (requeued)
		serve_waiting(d, c, now);
	return 0;
}

int dialer_disposition(struct dialer *d, uint32_t agent, enum dialer_result r, int64_t at_ms,
		       int64_t now)
{
	if ((unsigned)r >= DIALER_R_COUNT || r == DIALER_R_ABANDONED)
		return EINVAL;
	struct agent *a = agent_get(d, agent);
	if (!a || !a->lead || a->st == A_PREVIEW || a->st == A_CALL)
		return ENOENT;
	now = tick(d, now);
	if (r == DIALER_R_CALLBACK && at_ms <= 0)
		return EINVAL;
	struct dialer_lead *ld = a->lead;
	a->lead = NULL;
	apply_result(d, a->c, ld, r, at_ms, now);
	return 0;
}

int dialer_disposition_callback(struct dialer *d, uint32_t agent, int64_t at_ms, uint32_t for_agent,
				int64_t now)
{
	struct agent *a = agent_get(d, agent);
	if (!a || !a->lead || a->st == A_PREVIEW || a->st == A_CALL)
		return ENOENT;
	if (at_ms <= 0)
		return EINVAL;
	if (for_agent) {
		struct agent *o = agent_get(d, for_agent);
		if (!o)
			return ENOENT;
		if (o->c != a->c)
			return EINVAL;
	}
	now = tick(d, now);
	struct dialer_lead *ld = a->lead;
	a->lead = NULL;
	ld->owner = for_agent;
	apply_result(d, a->c, ld, DIALER_R_CALLBACK, at_ms, now);
	return 0;
}

int dialer_lead_disposition(struct dialer *d, uint32_t campaign, uint32_t lead,
			    enum dialer_result r, int64_t at_ms, uint32_t for_agent, int64_t now)
{
	if ((unsigned)r >= DIALER_R_COUNT || r == DIALER_R_ABANDONED || r == DIALER_R_NONE ||
	    (r == DIALER_R_CALLBACK && at_ms <= 0))
		return EINVAL;
	struct camp *c = camp_get(d, campaign);
	struct dialer_lead *ld = c && c->has_list ? dialer_list_lead(&c->list, lead) : NULL;
	if (!ld)
		return ENOENT;
	if (ld->state != DIALER_LEAD_DONE || ld->done != DIALER_DONE_RESULT ||
	    ld->last_result != DIALER_R_NONE)
		return EALREADY;
	now = tick(d, now);
	const struct agent *o = r == DIALER_R_CALLBACK ? agent_get(d, for_agent) : NULL;
	ld->owner = o && o->c == c ? for_agent : 0;
	apply_result(d, c, ld, r, at_ms, now);
	return 0;
}

int dialer_preview_next(struct dialer *d, uint32_t agent, int64_t now, uint32_t *lead)
{
	struct agent *a = agent_get(d, agent);
	if (!a)
		return ENOENT;
	now = tick(d, now);
	if (a->st != A_FREE)
		return EBUSY;
	struct camp *c = a->c;
	if (!c->has_list)
		return ENOENT;
	struct dialer_lead *ld = pick(d, c, now);
	if (!ld)
		return ENOENT;
	reserve_preview(d, c, a, ld, now);
	if (lead)
		*lead = ld->id;
	return 0;
}

int dialer_preview_dial(struct dialer *d, uint32_t agent, int64_t now, uint64_t *call)
{
	struct agent *a = agent_get(d, agent);
	if (!a)
		return ENOENT;
	now = tick(d, now);
	if (a->st != A_PREVIEW || !a->lead || a->call)
		return EBUSY;
	struct camp *c = a->c;
	struct dialer_lead *ld = a->lead;
	if (on_dnc(d, c, ld->e164)) { /* listed while the agent looked at it */
		a->lead = NULL;
		ld->state = DIALER_LEAD_DONE;
		ld->done = DIALER_DONE_DNC;
		struct dialer_event ev = ev_of(DIALER_EV_SKIP, now, c, ld);
		ev.done = DIALER_DONE_DNC;
		ev.agent = a->id;
		emit(d, &ev);
		set_free(c, a);
		return EPERM;
	}
	if (zone_open(d, c, ld->zone, now) != 1)
		return EAGAIN; /* the window closed while previewing */
	uint64_t id = 0;
	int rc = place(d, c, ld, a, now, &id);
	if (rc == 0) {
		a->call = call_get(d, id);
		if (call)
			*call = id;
	}
	return rc;
}

int dialer_preview_skip(struct dialer *d, uint32_t agent, int64_t now)
{
	struct agent *a = agent_get(d, agent);
	if (!a)
		return ENOENT;
	now = tick(d, now);
	if (a->st != A_PREVIEW || !a->lead || a->lead->state != DIALER_LEAD_IN_CALL)
		return EBUSY;
	if (a->call)
		return EBUSY; /* already dialled */
	struct camp *c = a->c;
	preview_release(c, a, now, now + DIALER_SKIP_MS);
	set_free(c, a);
	return 0;
}

int dialer_preview_current(const struct dialer *d, uint32_t agent, uint32_t *lead)
{
	const struct agent *a = agent_get(d, agent);
	if (!a || a->st != A_PREVIEW || !a->lead || a->call ||
	    a->lead->state != DIALER_LEAD_IN_CALL)
		return ENOENT;
	if (lead)
		*lead = a->lead->id;
	return 0;
}

/* --- reports --- */

int dialer_campaign_why(struct dialer *d, uint32_t id, int64_t now, struct dialer_why *out)
{
	struct camp *c = camp_get(d, id);
	if (!c || !out)
		return c ? EINVAL : ENOENT;
	now = tick(d, now);
	memset(out, 0, sizeof(*out));
	int64_t lock = c->p.profile.abandon_lockout_ms;
	for (uint32_t i = 0; i < c->list.n; i++) {
		const struct dialer_lead *ld = c->list.leads[i];
		out->total++;
		if (ld->state == DIALER_LEAD_IN_CALL) {
			out->in_call++;
		} else if (ld->state == DIALER_LEAD_DONE) {
			if (ld->done == DIALER_DONE_DNC)
				out->dnc++;
			else if (ld->done == DIALER_DONE_MAX_ATTEMPTS)
				out->max_attempts++;
			else
				out->done++;
		} else if (on_dnc(d, c, ld->e164)) {
			out->dnc++;
		} else if (lock > 0 && ld->abandoned_ms != INT64_MIN &&
			   now < ld->abandoned_ms + lock) {
			out->lockout++;
		} else if (ld->next_ms > now) {
			if (ld->callback)
				out->callback_wait++;
			else
				out->retry_wait++;
		} else if (ld->owner) {
			out->callback_agent++;
		} else {
			int open = zone_open(d, c, ld->zone, now);
			if (open == 1)
				out->dialable++;
			else if (open == 0)
				out->window_closed++;
			else
				out->zone_unknown++;
		}
	}
	return 0;
}

int dialer_campaign_report(struct dialer *d, uint32_t id, int64_t now, struct dialer_report *out)
{
	struct camp *c = camp_get(d, id);
	if (!c || !out)
		return c ? EINVAL : ENOENT;
	now = tick(d, now);
	memset(out, 0, sizeof(*out));
	out->attempts = c->attempts;
	out->answered = c->answered;
	out->abandoned = c->abandoned;
	out->connected = c->connected;
	out->win_rate = pacer_rate(&c->st, now, &out->win_live, &out->win_abandoned);
	out->limit = c->p.profile.abandon_limit;
	out->ringing = c->ringing;
	out->waiting = c->n_waiting;
	out->agents_free = c->free_ded + c->free_bl;
	out->agents_busy = c->busy;
	out->agents_away = c->away;
	out->answer_rate = c->st.n_att ? (double)c->st.n_ans / c->st.n_att : 0;
	out->last = c->last;
	return 0;
}
