/* center: configuration in memory, the ACD on the loop's clock, the event pipeline, committed
 * figures (see center.h). */
#include "server/center.h"

#include "base/clock.h"
#include "base/idmap.h"
#include "base/mem.h"
#include "http/evloop.h"
#include "http/metrics.h"
#include "http/sse.h"
#include "http/users.h"
#include "store/records.h"
#include "store/store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------- tables: copies of configuration rows, by id ---------- */

struct table {
	struct idmap map; /* id -> element (owned) */
	void **sorted;	  /* by id, rebuilt when dirty */
	unsigned n;
	bool dirty;
	size_t size;
	uint64_t gen; /* bumped by every change, for the string indexes below */
};

static void table_init(struct table *t, size_t size)
{
	idmap_init(&t->map);
	t->sorted = NULL;
	t->n = 0;
	t->dirty = true;
	t->size = size;
}

static void table_release(struct table *t)
{
	void *v;
	for (uint32_t it = 0; idmap_next(&t->map, &it, NULL, &v);)
		sb_free(v);
	idmap_release(&t->map);
	sb_free(t->sorted);
	t->sorted = NULL;
}

static void *table_get(const struct table *t, int64_t id)
{
	return id > 0 ? idmap_get(&t->map, (uint64_t)id) : NULL;
}

static int table_put(struct table *t, int64_t id, const void *elem)
{
	if (id <= 0)
		return EINVAL;
	void *cur = idmap_get(&t->map, (uint64_t)id);
	if (cur) {
		memcpy(cur, elem, t->size);
		t->gen++;
		return 0;
	}
	void *copy = sb_alloc(t->size);
	if (!copy)
		return ENOMEM;
	memcpy(copy, elem, t->size);
	t->gen++;
	int err = idmap_put(&t->map, (uint64_t)id, copy);
	if (err) {
		sb_free(copy);
		return err;
	}
	t->dirty = true;
	return 0;
}

static int table_del(struct table *t, int64_t id)
{
	void *v = id > 0 ? idmap_del(&t->map, (uint64_t)id) : NULL;
	if (!v)
		return ENOENT;
	sb_free(v);
	t->dirty = true;
	t->gen++;
	return 0;
}

static int cmp_first_i64(const void *a, const void *b)
{
	/* every element struct starts with its int64_t id */
	int64_t x = **(const int64_t *const *)a, y = **(const int64_t *const *)b;
	return (x > y) - (x < y);
}

static const void *table_at(const struct table *ct, unsigned i)
{
	struct table *t = (struct table *)ct; /* the sorted view is a cache */
	if (t->dirty) {
		unsigned n = idmap_count(&t->map);
		void **v = n ? sb_realloc(t->sorted, n * sizeof(*v)) : t->sorted;
		if (n && !v)
			return NULL;
		t->sorted = v;
		t->n = 0;
		void *e;
		for (uint32_t it = 0; idmap_next(&t->map, &it, NULL, &e);)
			t->sorted[t->n++] = e;
		if (t->n > 1)
			qsort(t->sorted, t->n, sizeof(*t->sorted), cmp_first_i64);
		t->dirty = false;
	}
	return i < t->n ? t->sorted[i] : NULL;
}

/*
 * A table's elements by a string field (an agent's extension, a number),
 * for the SIP side's lookups on every INVITE and REGISTER. Keyed by a
 * 64-bit hash of the string; rebuilt on the first lookup after the table
 * changed. Two keys with the same hash (never seen, but possible) make
 * lookups that miss fall back to a scan.
 */
struct table_index {
	struct idmap map; /* hash -> element */
	size_t key_off;	  /* offset of the char[] key in the element */
	uint64_t gen;	  /* the table's gen it was built at; 0: never */
	bool collided;
};

static uint64_t key_hash(const char *k)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 0x100000001b3ULL;
	return h ? h : 1; /* 0 is the map's empty key */
}

static void index_init(struct table_index *ix, size_t key_off)
{
	idmap_init(&ix->map);
	ix->key_off = key_off;
	ix->gen = 0;
	ix->collided = false;
}

static const void *index_find(const struct table *t, const struct table_index *cix, const char *key)
{
	struct table_index *ix = (struct table_index *)cix; /* a cache, like table_at's view */
	if (!key || !*key)
		return NULL;
	if (ix->gen != t->gen + 1) {
		idmap_release(&ix->map);
		ix->collided = false;
		void *e;
		bool ok = true;
		for (uint32_t it = 0; ok && idmap_next(&t->map, &it, NULL, &e);) {
			const char *k = (const char *)e + ix->key_off;
			if (!*k)
				continue;
			uint64_t h = key_hash(k);
			if (idmap_get(&ix->map, h))
				ix->collided = true;
			else if (idmap_put(&ix->map, h, e) != 0)
				ok = false;
		}
		if (!ok) { /* out of memory: scan this time, retry the index next time */
			idmap_release(&ix->map);
			ix->collided = true;
		} else {
			ix->gen = t->gen + 1;
		}
	}
	const void *e = idmap_get(&ix->map, key_hash(key));
	if (e && strcmp((const char *)e + ix->key_off, key) == 0)
		return e;
	if (!ix->collided)
		return NULL;
	for (uint32_t it = 0; idmap_next(&t->map, &it, NULL, (void **)&e);)
		if (strcmp((const char *)e + ix->key_off, key) == 0)
			return e;
	return NULL;
}

/* ---------- the center ---------- */

/* An event waiting for its commit. */
struct pend {
	uint64_t seq;
	bool is_acd;
	bool sent; /* handed to the store */
	struct acd_event ev;
	char *kind; /* owned; NULL for ACD events */
	char *data; /* owned JSON; NULL: none */
	uint64_t user;
	struct center_scope scope;
};

struct waiter {
	uint64_t seq;
	center_done_h *fn;
	void *arg;
};

/* What the driver told us about a call, kept for its contact records. */
struct callinfo {
	char *customer_number, *system_number;
	int64_t customer_id;
	const char *direction, *initiation;
	int64_t last_contact; /* the segment before the current one (transfer, overflow links) */
	int64_t initial_contact;
};

/* One contact record being built (one per call segment). */
struct seg {
	struct store_contact rec; /* its strings point at the copies below */
	uint64_t call;
	bool open;
	char *customer_number, *system_number, *notes;
};

/* A call in a queue, as committed events tell it. */
struct live_call {
	int64_t queue;
	int64_t t_enter;
	bool connected;
};

struct live_agent {
	uint8_t state;
	uint32_t reason;
	int64_t since;
	uint64_t call;
	int64_t queue;
};

struct sinkreg {
	center_call_sink_h *h;
	void *arg;
};

struct center {
	struct center_config cfg;
	struct acd *acd;
	struct evl_timer *tick;	 /* the ACD's next deadline */
	struct evl_timer *retry; /* resubmits what the store's full queue refused */
	int64_t now;

	struct table sites, clients, teams, skills, queues, agents, numbers;
	struct table_index agents_by_ext, numbers_by_number;

	/* pipeline */
	uint64_t seq, committed;
	struct pend *pend; /* ring */
	uint32_t p_head, p_n, p_cap;
	uint32_t p_unsent; /* first unsent index (relative to head) when some are unsent */
	bool backlog;
	struct waiter *wait; /* FIFO: seqs never decrease */
	uint32_t w_head, w_n, w_cap;
	struct store_job **jobs; /* contact writes the store refused for now, in order */
	uint32_t j_n, j_cap;

	/* contact records */
	int64_t next_contact;
	struct idmap calls;	/* call id -> struct callinfo */
	struct idmap segs;	/* call id -> struct seg (the open segment) */
	struct idmap wrap_segs; /* agent id -> struct seg (ended, waiting for wrap-up) */
	uint64_t next_call;

	/* committed view */
	struct kpi *kpi;
	int64_t day_start, day_end;
	struct idmap live_calls;  /* call id -> struct live_call */
	struct idmap live_agents; /* agent id -> struct live_agent */

	struct sinkreg sinks[4];
	unsigned n_sinks;
	struct idmap simulated; /* agent id -> (void *)1 */
	/* members by state per queue, counted in one pass for every queue at once */
	struct idmap agents_by_queue; /* queue id -> uint32_t[ACD_AGENT_STATE_COUNT] */
	uint64_t abq_seq;	      /* committed seq they were counted at */
	int64_t abq_time;
	bool abq_valid;
	bool closing;
};

static void rearm(struct center *c);
static void flush_backlog(struct center *c);

/* ---------- time ---------- */

int64_t center_now(struct center *c)
{
	int64_t t = clock_wall_ms();
	if (t > c->now)
		c->now = t;
	return c->now;
}

struct acd *center_acd(struct center *c)
{
	return c->acd;
}

/* Local midnight at or before t in the default site's zone (UTC when unknown). */
static int64_t local_midnight(struct center *c, int64_t t)
{
	const struct center_site *s = table_at(&c->sites, 0);
	const char *zone = s && s->time_zone[0] ? s->time_zone : "UTC";
	const char *old = getenv("TZ");
	char *saved = old ? sb_strdup(old) : NULL;
	setenv("TZ", zone, 1);
	tzset();
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t mid = mktime(&tm);
	if (saved) {
		setenv("TZ", saved, 1);
		sb_free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
	return (int64_t)mid * 1000;
}

static int day_reset(struct center *c, int64_t t)
{
	struct kpi *k;
	int64_t mid = local_midnight(c, t);
	int err = kpi_alloc(&k, c->cfg.interval_ms, mid);
	if (err)
		return err;
	const struct center_queue *q;
	for (unsigned i = 0; (q = table_at(&c->queues, i)); i++)
		kpi_queue_config(k, (uint32_t)q->id, q->acd.sl_threshold_ms,
				 q->acd.short_abandon_ms);
	kpi_free(c->kpi);
	c->kpi = k;
	c->day_start = mid;
	/* the next local midnight: 26 hours on is always in the next day, then back to its midnight
	 */
	c->day_end = local_midnight(c, mid + 26 * 3600 * 1000LL);
	return 0;
}

/* ---------- the committed view ---------- */

static void live_apply(struct center *c, const struct acd_event *ev)
{
	switch (ev->type) {
	case ACD_EV_CALL_ENTER: {
		struct live_call *lc = idmap_get(&c->live_calls, ev->call);
		if (!lc) {
			lc = sb_zalloc(sizeof(*lc));
			if (!lc || idmap_put(&c->live_calls, ev->call, lc) != 0) {
				sb_free(lc);
				return;
			}
		}
		lc->queue = ev->queue;
		lc->t_enter = ev->t_enter;
		lc->connected = false;
		break;
	}
	case ACD_EV_CALL_CONNECT: {
		struct live_call *lc = idmap_get(&c->live_calls, ev->call);
		if (lc)
			lc->connected = true;
		break;
	}
	case ACD_EV_CALL_ABANDON:
	case ACD_EV_CALL_EXIT_TIMEOUT:
	case ACD_EV_CALL_EXIT_OVERFLOW: /* its ENTER into the target follows */
	case ACD_EV_CALLBACK_REQUESTED:
	case ACD_EV_CALL_COMPLETE_CALLER:
	case ACD_EV_CALL_COMPLETE_AGENT:
	case ACD_EV_CALL_TRANSFER:
	case ACD_EV_CALL_INTERRUPTED:
		sb_free(idmap_del(&c->live_calls, ev->call));
		break;
	case ACD_EV_AGENT_LOGIN:
	case ACD_EV_AGENT_LOGOUT:
	case ACD_EV_AGENT_STATE: {
		struct live_agent *la = idmap_get(&c->live_agents, ev->agent);
		if (!la) {
			la = sb_zalloc(sizeof(*la));
			if (!la || idmap_put(&c->live_agents, ev->agent, la) != 0) {
				sb_free(la);
				return;
			}
		}
		la->state = ev->to;
		la->reason = ev->reason;
		la->since = ev->time;
		bool on_call = ev->to == ACD_AGENT_RESERVED || ev->to == ACD_AGENT_TALKING ||
			       ev->to == ACD_AGENT_HOLD || ev->to == ACD_AGENT_WRAPUP;
		la->call = on_call ? ev->call : 0;
		la->queue = on_call ? ev->queue : 0;
		break;
	}
	default:
		break;
	}
}

/* ---------- the pipeline ---------- */

char *center_event_json(const struct acd_event *ev, uint64_t seq)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	cJSON_AddStringToObject(o, "type", acd_event_name((enum acd_event_type)ev->type));
	cJSON_AddNumberToObject(o, "time", (double)ev->time);
	if (ev->call)
		cJSON_AddNumberToObject(o, "call", (double)ev->call);
	if (ev->queue)
		cJSON_AddNumberToObject(o, "queue", ev->queue);
	if (ev->agent)
		cJSON_AddNumberToObject(o, "agent", ev->agent);
	if (ev->target)
		cJSON_AddNumberToObject(o, "target", ev->target);
	if (ev->type == ACD_EV_AGENT_LOGIN || ev->type == ACD_EV_AGENT_LOGOUT ||
	    ev->type == ACD_EV_AGENT_STATE) {
		cJSON_AddStringToObject(o, "from",
					acd_agent_state_name((enum acd_agent_state)ev->from));
		cJSON_AddStringToObject(o, "to",
					acd_agent_state_name((enum acd_agent_state)ev->to));
	}
	cJSON_AddNumberToObject(o, "reason", ev->reason);
	if (ev->position)
		cJSON_AddNumberToObject(o, "position", ev->position);
	if (ev->t_enter)
		cJSON_AddNumberToObject(o, "t_enter", (double)ev->t_enter);
	cJSON_AddNumberToObject(o, "wait_ms", (double)ev->wait_ms);
	cJSON_AddNumberToObject(o, "dur_ms", (double)ev->dur_ms);
	if (ev->hold_ms)
		cJSON_AddNumberToObject(o, "hold_ms", (double)ev->hold_ms);
	if (ev->flags)
		cJSON_AddNumberToObject(o, "flags", ev->flags);
	if (ev->priority)
		cJSON_AddNumberToObject(o, "priority", ev->priority);
	if (ev->count)
		cJSON_AddNumberToObject(o, "count", ev->count);
	if (ev->disposition)
		cJSON_AddNumberToObject(o, "disposition", (double)ev->disposition);
	char *txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char *copy = txt ? sb_strdup(txt) : NULL;
	cJSON_free(txt);
	return copy;
}

/* Who may see an ACD event live: its queue's client, its agent (and their team). */
static void acd_scope(const struct center *c, const struct acd_event *ev, struct center_scope *sc)
{
	memset(sc, 0, sizeof(*sc));
	const struct center_queue *q = table_get(&c->queues, ev->queue);
	const struct center_agent *a = table_get(&c->agents, ev->agent);
	if (q)
		sc->client_id = (uint64_t)q->client_id;
	if (a) {
		sc->agent_id = (uint64_t)a->id;
		sc->team_id = (uint64_t)a->team_id;
		sc->user_id = (uint64_t)a->user_id;
	}
}

static void publish(struct center *c, const struct pend *p)
{
	if (!c->cfg.hub)
		return;
	if (sse_hub_clients(c->cfg.hub) == 0 && sse_hub_skip_to(c->cfg.hub, p->seq) == 0)
		return; /* nobody listens: no JSON to format; a later client replays from the log */
	char *own = NULL;
	const char *data = p->data;
	if (p->is_acd && !data)
		data = own = center_event_json(&p->ev, p->seq);
	struct sse_event se = {
	    .seq = p->seq,
	    .ts_ms = p->ev.time,
	    .type = p->kind ? p->kind : acd_event_name((enum acd_event_type)p->ev.type),
	    .data = data ? data : "{}",
	    .client_id = p->scope.client_id,
	    .team_id = p->scope.team_id,
	    .agent_id = p->scope.agent_id,
	    .user_id = p->scope.user_id,
	    .roles = p->scope.roles,
	};
	sse_hub_publish(c->cfg.hub, &se);
	sb_free(own);
}

static void committed_apply(struct center *c, const struct pend *p)
{
	if (p->is_acd) {
		if (p->ev.time >= c->day_end)
			day_reset(c, p->ev.time);
		kpi_event(c->kpi, &p->ev);
		live_apply(c, &p->ev);
	}
	publish(c, p);
}

static void pend_release(struct pend *p)
{
	sb_free(p->kind);
	sb_free(p->data);
	p->kind = p->data = NULL;
}

static void on_committed(uint64_t seq, void *arg)
{
	struct center *c = arg;
	if (seq > c->committed)
		c->committed = seq;
	while (c->p_n && c->pend[c->p_head].seq <= c->committed) {
		struct pend *p = &c->pend[c->p_head];
		committed_apply(c, p);
		pend_release(p);
		c->p_head = (c->p_head + 1) % c->p_cap;
		c->p_n--;
		if (c->p_unsent)
			c->p_unsent--;
	}
	while (c->w_n && c->wait[c->w_head].seq <= c->committed) {
		struct waiter w = c->wait[c->w_head];
		c->w_head = (c->w_head + 1) % c->w_cap;
		c->w_n--;
		w.fn(0, w.arg);
	}
	if (c->backlog)
		flush_backlog(c);
}

static int ring_grow(void **v, uint32_t *head, uint32_t n, uint32_t *cap, size_t size)
{
	uint32_t ncap = *cap ? *cap * 2 : 64;
	char *nv = sb_alloc((size_t)ncap * size);
	if (!nv)
		return ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		memcpy(nv + i * size, (char *)*v + ((*head + i) % *cap) * size, size);
	sb_free(*v);
	*v = nv;
	*head = 0;
	*cap = ncap;
	return 0;
}

static int send_pend(struct center *c, struct pend *p)
{
	struct store_event se = {
	    .seq = p->seq,
	    .kind = p->kind,
	    .ev = p->ev,
	    .user = (uint32_t)p->user,
	    .data = p->is_acd ? NULL : p->data,
	};
	int err = store_event_append(c->cfg.store, &se);
	if (err == 0)
		p->sent = true;
	return err;
}

static void on_retry(void *arg);

/* Resubmits, in order, what the store refused while its queue was full. */
static void flush_backlog(struct center *c)
{
	c->backlog = false;
	for (uint32_t i = 0; i < c->j_n; i++) {
		if (store_write(c->cfg.store, c->jobs[i], NULL, NULL) != 0) {
			memmove(c->jobs, c->jobs + i, (c->j_n - i) * sizeof(*c->jobs));
			c->j_n -= i;
			c->backlog = true;
			break;
		}
		if (i + 1 == c->j_n)
			c->j_n = 0;
	}
	if (!c->backlog) {
		for (uint32_t i = 0; i < c->p_n; i++) {
			struct pend *p = &c->pend[(c->p_head + i) % c->p_cap];
			if (p->sent)
				continue;
			if (send_pend(c, p) != 0) {
				c->backlog = true;
				break;
			}
		}
	}
	if (c->backlog && !evl_timer_running(c->retry))
		evl_timer_start(c->retry, 5, on_retry, c);
}

static void on_retry(void *arg)
{
	flush_backlog(arg);
}

/* Numbers an event, hands it to the store and keeps it until its commit. */
static uint64_t pipeline_add(struct center *c, const struct acd_event *ev, const char *kind,
			     const char *data, uint64_t user, const struct center_scope *scope)
{
	if (c->p_n == c->p_cap &&
	    ring_grow((void **)&c->pend, &c->p_head, c->p_n, &c->p_cap, sizeof(*c->pend)) != 0)
		return 0;
	struct pend *p = &c->pend[(c->p_head + c->p_n) % c->p_cap];
	memset(p, 0, sizeof(*p));
	p->seq = ++c->seq;
	p->is_acd = kind == NULL;
	if (ev)
		p->ev = *ev;
	p->kind = kind ? sb_strdup(kind) : NULL;
	p->data = data ? sb_strdup(data) : NULL;
	p->user = user;
	if (scope)
		p->scope = *scope;
	c->p_n++;
	/* order matters: once something is held back, everything after it waits too */
	if (c->backlog || send_pend(c, p) != 0) {
		c->backlog = true;
		if (!evl_timer_running(c->retry))
			evl_timer_start(c->retry, 5, on_retry, c);
	}
	return p->seq;
}

static void submit_job(struct center *c, struct store_job *job)
{
	if (!c->backlog && store_write(c->cfg.store, job, NULL, NULL) == 0)
		return;
	if (c->j_n == c->j_cap) {
		uint32_t cap = c->j_cap ? c->j_cap * 2 : 64;
		struct store_job **v = sb_realloc(c->jobs, cap * sizeof(*v));
		if (!v) {
			store_job_free(job);
			return;
		}
		c->jobs = v;
		c->j_cap = cap;
	}
	c->jobs[c->j_n++] = job;
	c->backlog = true;
	if (!evl_timer_running(c->retry))
		evl_timer_start(c->retry, 5, on_retry, c);
}

void center_when_committed(struct center *c, uint64_t seq, center_done_h *fn, void *arg)
{
	if (seq <= c->committed) {
		fn(0, arg);
		return;
	}
	if (c->w_n == c->w_cap &&
	    ring_grow((void **)&c->wait, &c->w_head, c->w_n, &c->w_cap, sizeof(*c->wait)) != 0) {
		fn(ENOMEM, arg);
		return;
	}
	c->wait[(c->w_head + c->w_n) % c->w_cap] = (struct waiter){seq, fn, arg};
	c->w_n++;
}

uint64_t center_last_seq(const struct center *c)
{
	return c->seq;
}

uint64_t center_committed_seq(const struct center *c)
{
	return c->committed;
}

uint64_t center_log(struct center *c, const char *kind, const char *data, uint64_t actor_user,
		    const struct center_scope *scope)
{
	if (!kind || !kind[0])
		return 0;
	struct acd_event ev = {.time = center_now(c)};
	if (scope) {
		ev.agent = (uint32_t)scope->agent_id;
	}
	return pipeline_add(c, &ev, kind, data, actor_user, scope);
}

/* ---------- contact records ---------- */

static void callinfo_free(struct callinfo *ci)
{
	if (!ci)
		return;
	sb_free(ci->customer_number);
	sb_free(ci->system_number);
	sb_free(ci);
}

/*
 * The center writes what it knows of a segment; notes, the recording
 * reference and attributes belong to the people and the API (an agent's notes
 * taken during the call must survive the center's write at wrap-up end), and
 * a customer linked by the agent stays linked.
 */
static const struct store_stmt s_contact_upsert = {
    "center.contact_upsert",
    "INSERT INTO contacts (id, call_id, initial_id, previous_id, client_id, channel, direction,"
    " initiation, customer_id, customer_number, system_number, queue_id, agent_id, t_initiated,"
    " t_enqueued, t_dequeued, t_connected, t_disconnected, hold_count, hold_ms, t_wrap_start,"
    " t_wrap_end, disconnect_reason, disposition_id, notes, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
    " $19, $20, $21, $22, $23, $24, $25, $26)"
    " ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id,"
    " customer_id = COALESCE(contacts.customer_id, excluded.customer_id),"
    " queue_id = excluded.queue_id, agent_id = excluded.agent_id,"
    " t_enqueued = excluded.t_enqueued, t_dequeued = excluded.t_dequeued,"
    " t_connected = excluded.t_connected, t_disconnected = excluded.t_disconnected,"
    " hold_count = excluded.hold_count, hold_ms = excluded.hold_ms,"
    " t_wrap_start = excluded.t_wrap_start, t_wrap_end = excluded.t_wrap_end,"
    " disconnect_reason = excluded.disconnect_reason,"
    " disposition_id = COALESCE(excluded.disposition_id, contacts.disposition_id),"
    " notes = COALESCE(excluded.notes, contacts.notes), updated_at = excluded.updated_at",
    NULL};

static struct store_value opt_int(int64_t v)
{
	return v ? store_int(v) : store_null();
}

static void seg_write(struct center *c, struct seg *s)
{
	struct store_job *job;
	const struct store_contact *r = &s->rec;
	s->rec.updated_at = c->now;
	if (store_job_alloc(&job) != 0)
		return;
	struct store_value v[] = {
	    store_int(r->id),
	    store_int(r->call_id),
	    opt_int(r->initial_id),
	    opt_int(r->previous_id),
	    opt_int(r->client_id),
	    store_text(r->channel),
	    store_text(r->direction),
	    store_text(r->initiation),
	    opt_int(r->customer_id),
	    store_text(r->customer_number),
	    store_text(r->system_number),
	    opt_int(r->queue_id),
	    opt_int(r->agent_id),
	    store_int(r->t_initiated),
	    opt_int(r->t_enqueued),
	    opt_int(r->t_dequeued),
	    opt_int(r->t_connected),
	    opt_int(r->t_disconnected),
	    store_int(r->hold_count),
	    store_int(r->hold_ms),
	    opt_int(r->t_wrap_start),
	    opt_int(r->t_wrap_end),
	    store_text(r->disconnect_reason),
	    opt_int(r->disposition_id),
	    store_text(r->notes),
	    store_int(r->updated_at),
	};
	if (store_job_add(job, &s_contact_upsert, v, sizeof(v) / sizeof(v[0]), 0) != 0) {
		store_job_free(job);
		return;
	}
	submit_job(c, job);
}

static void seg_free(struct seg *s)
{
	if (!s)
		return;
	sb_free(s->customer_number);
	sb_free(s->system_number);
	sb_free(s->notes);
	sb_free(s);
}

/* A call entered a queue: a new segment (linked to the one it came from). */
static void seg_open(struct center *c, const struct acd_event *ev)
{
	struct callinfo *ci = idmap_get(&c->calls, ev->call);
	struct seg *prev = idmap_del(&c->segs, ev->call);
	if (prev) {
		/* overflowed or re-entered without an end we saw: close the old segment */
		prev->rec.t_disconnected = ev->time;
		prev->rec.disconnect_reason = "overflow";
		seg_write(c, prev);
		seg_free(prev);
	}
	struct seg *s = sb_zalloc(sizeof(*s));
	if (!s)
		return;
	const struct center_queue *q = table_get(&c->queues, ev->queue);
	s->call = ev->call;
	s->open = true;
	s->rec.id = ++c->next_contact;
	s->rec.call_id = (int64_t)ev->call;
	s->rec.channel = (ev->flags & ACD_F_CALLBACK) ? "callback" : "voice";
	s->rec.direction = ci && ci->direction ? ci->direction : "inbound";
	if (ev->flags & ACD_F_TRANSFERRED)
		s->rec.initiation = "queue_transfer";
	else if (ev->flags & ACD_F_OVERFLOWED)
		s->rec.initiation = "transfer";
	else
		s->rec.initiation = ci && ci->initiation ? ci->initiation : "inbound";
	if (ci) {
		/* copies: the call's info goes when the call ends, the segment may wait for wrap-up
		 */
		s->customer_number = ci->customer_number ? sb_strdup(ci->customer_number) : NULL;
		s->system_number = ci->system_number ? sb_strdup(ci->system_number) : NULL;
		s->rec.customer_number = s->customer_number;
		s->rec.system_number = s->system_number;
		s->rec.customer_id = ci->customer_id;
		s->rec.previous_id = ci->last_contact;
		if (!ci->initial_contact)
			ci->initial_contact = s->rec.id;
		s->rec.initial_id = ci->initial_contact;
		ci->last_contact = s->rec.id;
	} else {
		s->rec.initial_id = s->rec.id;
	}
	s->rec.client_id = q ? q->client_id : 0;
	s->rec.queue_id = ev->queue;
	s->rec.t_initiated = ev->time;
	s->rec.t_enqueued = ev->time;
	if (idmap_put(&c->segs, ev->call, s) != 0) {
		seg_free(s);
		return;
	}
	seg_write(c, s);
}

/* The segment ended: the record gets its end; with an agent it waits for the wrap-up. */
static void seg_end(struct center *c, const struct acd_event *ev, const char *reason)
{
	struct seg *s = idmap_del(&c->segs, ev->call);
	if (!s)
		return;
	s->open = false;
	s->rec.t_disconnected = ev->time;
	s->rec.disconnect_reason = reason;
	if (ev->hold_ms) {
		s->rec.hold_ms = ev->hold_ms;
		s->rec.hold_count = ev->count;
	}
	/* written now: a record reflects every committed event about it (the crash test checks) */
	seg_write(c, s);
	if (ev->agent && s->rec.agent_id) {
		/* and once more, with its wrap-up, when the agent's wrap-up ends */
		struct seg *old = idmap_del(&c->wrap_segs, ev->agent);
		seg_free(old);
		if (idmap_put(&c->wrap_segs, ev->agent, s) == 0)
			return;
	}
	seg_free(s);
}

static void call_done(struct center *c, uint64_t call)
{
	callinfo_free(idmap_del(&c->calls, call));
}

/* ---------- the ACD sink ---------- */

static void on_acd_event(const struct acd_event *ev, void *arg)
{
	struct center *c = arg;
	struct seg *s;
	switch (ev->type) {
	case ACD_EV_CALL_ENTER:
		seg_open(c, ev);
		break;
	case ACD_EV_CALL_CONNECT:
		if (!idmap_get(&c->segs, ev->call) && (ev->flags & ACD_F_CALLBACK))
			seg_open(c, ev); /* a callback reaching its customer: a new segment */
		if ((s = idmap_get(&c->segs, ev->call))) {
			s->rec.agent_id = ev->agent;
			s->rec.t_dequeued = ev->time;
			s->rec.t_connected = ev->time;
			seg_write(c, s);
		}
		break;
	case ACD_EV_CALL_ABANDON:
		seg_end(c, ev, "abandoned");
		call_done(c, ev->call);
		break;
	case ACD_EV_CALL_EXIT_TIMEOUT:
		seg_end(c, ev, "timeout");
		call_done(c, ev->call);
		break;
	case ACD_EV_CALL_EXIT_OVERFLOW:
		seg_end(c, ev, "overflow");
		break;
	case ACD_EV_CALLBACK_REQUESTED:
		seg_end(c, ev, "callback_requested");
		break;
	case ACD_EV_CALL_COMPLETE_CALLER:
		seg_end(c, ev, "customer_disconnect");
		call_done(c, ev->call);
		break;
	case ACD_EV_CALL_COMPLETE_AGENT:
		seg_end(c, ev, "agent_disconnect");
		call_done(c, ev->call);
		break;
	case ACD_EV_CALL_TRANSFER:
		seg_end(c, ev, "transferred");
		break;
	case ACD_EV_CALLBACK_ATTEMPT_FAILED:
		seg_end(c, ev, "callback_no_answer");
		break;
	case ACD_EV_CALLBACK_FAILED:
		seg_end(c, ev, "callback_failed");
		call_done(c, ev->call);
		break;
	case ACD_EV_AGENT_LOGIN:
	case ACD_EV_AGENT_LOGOUT:
	case ACD_EV_AGENT_STATE:
		if (ev->to == ACD_AGENT_WRAPUP) {
			struct seg *w = idmap_get(&c->wrap_segs, ev->agent);
			if (w)
				w->rec.t_wrap_start = ev->time; /* written with the wrap-up's end */
		} else if (ev->from == ACD_AGENT_WRAPUP ||
			   ((ev->from == ACD_AGENT_TALKING || ev->from == ACD_AGENT_HOLD) &&
			    ev->to != ACD_AGENT_TALKING && ev->to != ACD_AGENT_HOLD)) {
			/* wrap-up over (or there was none): the segment is complete */
			struct seg *w = idmap_del(&c->wrap_segs, ev->agent);
			if (w) {
				if (ev->from == ACD_AGENT_WRAPUP) {
					w->rec.t_wrap_end = ev->time;
					w->rec.disposition_id = (int64_t)ev->disposition;
				}
				seg_write(c, w);
				seg_free(w);
			}
		}
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < c->n_sinks; i++)
		c->sinks[i].h(ev, c->sinks[i].arg);
	struct center_scope sc;
	acd_scope(c, ev, &sc);
	pipeline_add(c, ev, NULL, NULL, 0, &sc);
}

void center_agent_set_simulated(struct center *c, int64_t agent_id, bool simulated)
{
	if (agent_id <= 0)
		return;
	if (simulated)
		idmap_put(&c->simulated, (uint64_t)agent_id, (void *)1);
	else
		idmap_del(&c->simulated, (uint64_t)agent_id);
}

bool center_agent_simulated(const struct center *c, int64_t agent_id)
{
	return agent_id > 0 && idmap_get(&c->simulated, (uint64_t)agent_id) != NULL;
}

void center_add_call_sink(struct center *c, center_call_sink_h *h, void *arg)
{
	if (c->n_sinks < sizeof(c->sinks) / sizeof(c->sinks[0]))
		c->sinks[c->n_sinks++] = (struct sinkreg){h, arg};
}

/* ---------- driving the ACD ---------- */

static void on_tick(void *arg)
{
	struct center *c = arg;
	acd_advance(c->acd, center_now(c));
	rearm(c);
}

static void rearm(struct center *c)
{
	int64_t next = acd_next_deadline(c->acd);
	if (next == INT64_MAX) {
		evl_timer_cancel(c->tick);
		return;
	}
	int64_t now = center_now(c);
	evl_timer_start(c->tick, next > now ? (uint64_t)(next - now) : 0, on_tick, c);
}

/* ---------- configuration ---------- */

const struct center_site *center_site(const struct center *c, int64_t id)
{
	return table_get(&c->sites, id);
}
const struct center_client *center_client(const struct center *c, int64_t id)
{
	return table_get(&c->clients, id);
}
const struct center_team *center_team(const struct center *c, int64_t id)
{
	return table_get(&c->teams, id);
}
const struct center_skill *center_skill(const struct center *c, int64_t id)
{
	return table_get(&c->skills, id);
}
const struct center_queue *center_queue(const struct center *c, int64_t id)
{
	return table_get(&c->queues, id);
}
const struct center_agent *center_agent(const struct center *c, int64_t id)
{
	return table_get(&c->agents, id);
}
const struct center_queue *center_queue_at(const struct center *c, unsigned i)
{
	return table_at(&c->queues, i);
}
const struct center_agent *center_agent_at(const struct center *c, unsigned i)
{
	return table_at(&c->agents, i);
}
const struct center_team *center_team_at(const struct center *c, unsigned i)
{
	return table_at(&c->teams, i);
}
const struct center_skill *center_skill_at(const struct center *c, unsigned i)
{
	return table_at(&c->skills, i);
}
const struct center_client *center_client_at(const struct center *c, unsigned i)
{
	return table_at(&c->clients, i);
}
const struct center_number *center_number_at(const struct center *c, unsigned i)
{
	return table_at(&c->numbers, i);
}

const struct center_agent *center_agent_by_user(const struct center *c, int64_t user_id)
{
	const struct center_agent *a;
	for (unsigned i = 0; user_id > 0 && (a = table_at(&c->agents, i)); i++)
		if (a->user_id == user_id)
			return a;
	return NULL;
}

const struct center_agent *center_agent_by_extension(const struct center *c, const char *ext)
{
	return index_find(&c->agents, &c->agents_by_ext, ext);
}

const struct center_number *center_number(const struct center *c, const char *number)
{
	return index_find(&c->numbers, &c->numbers_by_number, number);
}

int center_site_apply(struct center *c, const struct center_site *s)
{
	return table_put(&c->sites, s->id, s);
}

int center_client_apply(struct center *c, const struct center_client *cl)
{
	return table_put(&c->clients, cl->id, cl);
}

int center_team_apply(struct center *c, const struct center_team *t)
{
	return table_put(&c->teams, t->id, t);
}

/* Whether routing uses skill id (an unknown one counts: the ACD judges it as before). */
static bool skill_routes(const struct center *c, uint32_t id)
{
	const struct center_skill *s = table_get(&c->skills, id);
	return !s || s->active;
}

/* A queue's parameters as the ACD gets them: without requirements on deactivated skills. */
static void queue_routing(const struct center *c, const struct acd_queue_params *in,
			  struct acd_queue_params *out)
{
	*out = *in;
	out->n_req = 0;
	for (uint32_t i = 0; i < in->n_req; i++)
		if (skill_routes(c, in->req[i].skill))
			out->req[out->n_req++] = in->req[i];
}

/* An agent's parameters as the ACD gets them: without deactivated skills. */
static void agent_routing(const struct center *c, const struct acd_agent_params *in,
			  struct acd_agent_params *out)
{
	*out = *in;
	out->n_skills = 0;
	for (uint32_t i = 0; i < in->n_skills; i++)
		if (skill_routes(c, in->skills[i].skill))
			out->skills[out->n_skills++] = in->skills[i];
}

int center_skill_apply(struct center *c, const struct center_skill *s)
{
	const struct center_skill *old = table_get(&c->skills, s->id);
	bool changed = old && old->active != s->active;
	int err = table_put(&c->skills, s->id, s);
	if (err || !changed)
		return err;
	/* (de)activated: the queues and agents that list it route anew */
	int64_t now = center_now(c);
	const struct center_queue *q;
	for (unsigned i = 0; (q = table_at(&c->queues, i)); i++) {
		for (uint32_t k = 0; k < q->acd.n_req; k++) {
			if (q->acd.req[k].skill != (uint32_t)s->id)
				continue;
			struct acd_queue_params p;
			queue_routing(c, &q->acd, &p);
			int e = acd_queue_update(c->acd, (uint32_t)q->id, &p, now);
			err = err ? err : e;
			break;
		}
	}
	const struct center_agent *a;
	for (unsigned i = 0; (a = table_at(&c->agents, i)); i++) {
		for (uint32_t k = 0; k < a->acd.n_skills; k++) {
			if (a->acd.skills[k].skill != (uint32_t)s->id)
				continue;
			struct acd_agent_params p;
			agent_routing(c, &a->acd, &p);
			int e = acd_agent_update(c->acd, (uint32_t)a->id, &p, now);
			err = err ? err : e;
			break;
		}
	}
	c->abq_valid = false; /* memberships may change */
	rearm(c);
	return err;
}

int center_queue_check(const struct center *c, const struct center_queue *q)
{
	(void)c;
	if (!q || q->id <= 0 || q->id > UINT32_MAX)
		return EINVAL;
	/* a scratch ACD judges the parameters exactly as the real one will */
	struct acd *scratch;
	struct acd_params p = {0};
	if (acd_alloc(&scratch, &p, NULL, NULL) != 0)
		return ENOMEM;
	int err = acd_queue_add(scratch, (uint32_t)q->id, &q->acd);
	acd_free(scratch);
	return err;
}

int center_queue_apply(struct center *c, const struct center_queue *q)
{
	c->abq_valid = false; /* memberships may change */
	if (!q || q->id <= 0 || q->id > UINT32_MAX)
		return EINVAL;
	int64_t now = center_now(c);
	struct acd_queue_params routing;
	queue_routing(c, &q->acd, &routing);
	int err = table_get(&c->queues, q->id)
		      ? acd_queue_update(c->acd, (uint32_t)q->id, &routing, now)
		      : acd_queue_add(c->acd, (uint32_t)q->id, &routing);
	if (err)
		return err;
	acd_queue_set_open(c->acd, (uint32_t)q->id, q->active);
	if (c->kpi) /* not yet while loading: day_reset configures every queue */
		kpi_queue_config(c->kpi, (uint32_t)q->id, q->acd.sl_threshold_ms,
				 q->acd.short_abandon_ms);
	err = table_put(&c->queues, q->id, q);
	rearm(c);
	return err;
}

int center_queue_remove(struct center *c, int64_t id)
{
	c->abq_valid = false; /* memberships may change */
	if (!table_get(&c->queues, id))
		return ENOENT;
	int err = acd_queue_remove(c->acd, (uint32_t)id);
	if (err)
		return err;
	return table_del(&c->queues, id);
}

int center_agent_apply(struct center *c, const struct center_agent *a)
{
	c->abq_valid = false; /* memberships may change */
	if (!a || a->id <= 0 || a->id > UINT32_MAX)
		return EINVAL;
	int64_t now = center_now(c);
	struct acd_agent_params routing;
	agent_routing(c, &a->acd, &routing);
	int err = table_get(&c->agents, a->id)
		      ? acd_agent_update(c->acd, (uint32_t)a->id, &routing, now)
		      : acd_agent_add(c->acd, (uint32_t)a->id, &routing);
	if (err)
		return err;
	err = table_put(&c->agents, a->id, a);
	rearm(c);
	return err;
}

int center_agent_remove(struct center *c, int64_t id)
{
	c->abq_valid = false; /* memberships may change */
	if (!table_get(&c->agents, id))
		return ENOENT;
	int err = acd_agent_remove(c->acd, (uint32_t)id);
	if (err)
		return err;
	return table_del(&c->agents, id);
}

const struct center_site *center_site_at(const struct center *c, unsigned i)
{
	return table_at(&c->sites, i);
}

int center_team_remove(struct center *c, int64_t id)
{
	const struct center_agent *a;
	for (unsigned i = 0; (a = table_at(&c->agents, i)); i++)
		if (a->team_id == id)
			return EBUSY; /* agents still in it */
	return table_del(&c->teams, id);
}

int center_skill_remove(struct center *c, int64_t id)
{
	const struct center_agent *a;
	for (unsigned i = 0; (a = table_at(&c->agents, i)); i++)
		for (uint32_t k = 0; k < a->acd.n_skills; k++)
			if (a->acd.skills[k].skill == (uint32_t)id)
				return EBUSY;
	const struct center_queue *q;
	for (unsigned i = 0; (q = table_at(&c->queues, i)); i++)
		for (uint32_t k = 0; k < q->acd.n_req; k++)
			if (q->acd.req[k].skill == (uint32_t)id)
				return EBUSY;
	return table_del(&c->skills, id);
}

int center_agent_wrapup_notes(struct center *c, int64_t agent_id, const char *notes)
{
	struct seg *w = idmap_get(&c->wrap_segs, (uint64_t)agent_id);
	if (!w)
		return ENOENT;
	char *copy = notes ? sb_strdup(notes) : NULL;
	if (notes && !copy)
		return ENOMEM;
	sb_free(w->notes);
	w->notes = copy;
	w->rec.notes = copy;
	return 0;
}

int center_number_apply(struct center *c, const struct center_number *n)
{
	return table_put(&c->numbers, n->id, n);
}

int center_number_remove(struct center *c, int64_t id)
{
	return table_del(&c->numbers, id);
}

/* ---------- agents ---------- */

static int finish(struct center *c, int err, center_done_h *done, void *arg)
{
	rearm(c);
	if (err)
		return err;
	if (done)
		center_when_committed(c, c->seq, done, arg);
	return 0;
}

int center_agent_set_state(struct center *c, int64_t agent_id, enum acd_agent_state want,
			   uint32_t reason, center_done_h *done, void *arg)
{
	if (!table_get(&c->agents, agent_id))
		return ENOENT;
	uint32_t id = (uint32_t)agent_id;
	int64_t now = center_now(c);
	struct acd_agent_info info;
	int err = acd_agent_info(c->acd, id, &info);
	if (err)
		return err;
	switch (want) {
	case ACD_AGENT_READY:
		err = info.state == ACD_AGENT_LOGGED_OUT ? acd_agent_login(c->acd, id, true, now)
							 : acd_agent_ready(c->acd, id, now);
		break;
	case ACD_AGENT_NOT_READY:
		if (info.state == ACD_AGENT_LOGGED_OUT) {
			err = acd_agent_login(c->acd, id, false, now);
			if (!err && reason != ACD_REASON_LOGIN && reason != ACD_REASON_NONE)
				err = acd_agent_not_ready(c->acd, id, reason, now);
		} else {
			err = acd_agent_not_ready(c->acd, id, reason, now);
		}
		break;
	case ACD_AGENT_LOGGED_OUT:
		err = acd_agent_logout(c->acd, id, reason, now);
		break;
	default:
		err = EINVAL;
		break;
	}
	return finish(c, err, done, arg);
}

int center_agent_wrapup_done(struct center *c, int64_t agent_id, int64_t disposition_id,
			     center_done_h *done, void *arg)
{
	if (!table_get(&c->agents, agent_id))
		return ENOENT;
	int err = acd_agent_wrapup_done(c->acd, (uint32_t)agent_id, (uint64_t)disposition_id,
					center_now(c));
	return finish(c, err, done, arg);
}

/* ---------- calls ---------- */

int center_call_enter(struct center *c, const struct center_call_info *info, uint64_t *call_id,
		      enum acd_refusal *refused)
{
	const struct center_queue *q = info ? table_get(&c->queues, info->queue_id) : NULL;
	if (!q)
		return ENOENT;
	struct callinfo *ci = sb_zalloc(sizeof(*ci));
	if (!ci)
		return ENOMEM;
	ci->customer_number = info->customer_number ? sb_strdup(info->customer_number) : NULL;
	ci->system_number = info->system_number ? sb_strdup(info->system_number) : NULL;
	ci->customer_id = info->customer_id;
	ci->direction =
	    info->direction && strcmp(info->direction, "outbound") == 0 ? "outbound" : "inbound";
	ci->initiation = info->initiation && strcmp(info->initiation, "callback") == 0 ? "callback"
			 : info->initiation && strcmp(info->initiation, "outbound") == 0
			     ? "outbound"
			     : "inbound";
	uint64_t id = ++c->next_call;
	if (idmap_put(&c->calls, id, ci) != 0) {
		callinfo_free(ci);
		return ENOMEM;
	}
	struct acd_call_params cp = {
	    .priority = q->priority + info->priority,
	    .caller_key = 0,
	    .attempts = info->callback_attempts,
	    .max_attempts = info->callback_max_attempts,
	};
	if (info->customer_number) {
		/* abandoned-resume recognises the caller by a hash of their number */
		uint64_t h = 1469598103934665603ULL;
		for (const char *s = info->customer_number; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ULL;
		cp.caller_key = h ? h : 1;
	}
	enum acd_refusal r = ACD_REFUSED_NONE;
	int err = info->callback_place > 0
		      ? acd_call_enter_callback(c->acd, id, (uint32_t)q->id, &cp,
						info->callback_place, center_now(c), &r)
		      : acd_call_enter(c->acd, id, (uint32_t)q->id, &cp, center_now(c), &r);
	if (err || r != ACD_REFUSED_NONE)
		call_done(c, id);
	if (refused)
		*refused = r;
	if (call_id)
		*call_id = err || r != ACD_REFUSED_NONE ? 0 : id;
	rearm(c);
	return err;
}

int center_call_answer(struct center *c, uint64_t call_id, int64_t agent_id)
{
	int err = acd_call_answer(c->acd, call_id, (uint32_t)agent_id, center_now(c));
	rearm(c);
	return err;
}

int center_call_reject(struct center *c, uint64_t call_id, int64_t agent_id, enum acd_cause cause)
{
	int err = acd_call_reject(c->acd, call_id, (uint32_t)agent_id, cause, center_now(c));
	rearm(c);
	return err;
}

int center_call_hangup(struct center *c, uint64_t call_id, enum acd_side side)
{
	int err = acd_call_hangup(c->acd, call_id, side, center_now(c));
	rearm(c);
	return err;
}

int center_agent_call_caller(struct center *c, int64_t agent_id, uint64_t call_id,
			     const char **number, int64_t *customer_id, int64_t *connected_at,
			     int64_t *ended_at)
{
	const struct seg *sg = call_id ? idmap_get(&c->segs, call_id) : NULL;
	if (sg && sg->rec.agent_id != agent_id)
		sg = NULL; /* still ringing (reserved) or another segment: the caller is the same */
	if (!sg) {
		const struct seg *w = idmap_get(&c->wrap_segs, (uint64_t)agent_id);
		if (w && w->call == call_id)
			sg = w;
	}
	if (!sg)
		sg = call_id ? idmap_get(&c->segs, call_id) : NULL;
	if (!sg)
		return ENOENT;
	*number = sg->customer_number;
	*customer_id = sg->rec.customer_id;
	*connected_at = sg->rec.agent_id == agent_id ? sg->rec.t_connected : 0;
	*ended_at = sg->open ? 0 : sg->rec.t_disconnected;
	return 0;
}

int64_t center_call_contact(struct center *c, uint64_t call_id)
{
	const struct seg *sg = idmap_get(&c->segs, call_id);
	return sg ? sg->rec.id : 0;
}

int64_t center_contact_id(struct center *c)
{
	return ++c->next_contact;
}

int center_call_hold(struct center *c, uint64_t call_id, bool hold)
{
	int64_t now = center_now(c);
	int err =
	    hold ? acd_call_hold(c->acd, call_id, now) : acd_call_unhold(c->acd, call_id, now);
	rearm(c);
	return err;
}

int center_call_transfer(struct center *c, uint64_t call_id, int64_t queue_id)
{
	int err = acd_call_transfer(c->acd, call_id, (uint32_t)queue_id, center_now(c));
	rearm(c);
	return err;
}

int center_agent_other(struct center *c, int64_t agent_id, bool begin)
{
	int64_t now = center_now(c);
	int err = begin ? acd_agent_other_begin(c->acd, (uint32_t)agent_id, now)
			: acd_agent_other_end(c->acd, (uint32_t)agent_id, now);
	rearm(c);
	return err;
}

int center_call_transfer_agent(struct center *c, uint64_t call_id, int64_t agent_id)
{
	int err = acd_call_transfer_agent(c->acd, call_id, (uint32_t)agent_id, center_now(c));
	rearm(c);
	return err;
}

int center_call_callback(struct center *c, uint64_t call_id)
{
	int err = acd_call_request_callback(c->acd, call_id, center_now(c));
	rearm(c);
	return err;
}

int center_call_callback_failed(struct center *c, uint64_t call_id)
{
	int err = acd_callback_failed(c->acd, call_id, center_now(c));
	rearm(c);
	return err;
}

/* ---------- committed figures ---------- */

static void abq_release(struct center *c)
{
	void *v;
	for (uint32_t it = 0; idmap_next(&c->agents_by_queue, &it, NULL, &v);)
		sb_free(v);
	idmap_release(&c->agents_by_queue);
	c->abq_valid = false;
}

/*
 * Members of every queue by committed state, counted in one pass over the
 * agents and kept while nothing new is committed (and for at most 100 ms,
 * since memberships follow configuration changes): a wallboard asking for
 * every queue costs one pass, not one per queue.
 */
static const uint32_t *agents_by_queue(struct center *c, int64_t queue_id, int64_t now)
{
	if (!c->abq_valid || c->abq_seq != c->committed || now - c->abq_time > 100) {
		abq_release(c);
		const struct center_agent *a;
		for (unsigned i = 0; (a = table_at(&c->agents, i)); i++) {
			uint32_t qs[256];
			unsigned n = acd_agent_queues(c->acd, (uint32_t)a->id, qs, NULL, 256);
			const struct live_agent *la = idmap_get(&c->live_agents, (uint64_t)a->id);
			unsigned st = la ? la->state : ACD_AGENT_LOGGED_OUT;
			for (unsigned k = 0; k < n; k++) {
				uint32_t *v = idmap_get(&c->agents_by_queue, qs[k]);
				if (!v) {
					v = sb_calloc(ACD_AGENT_STATE_COUNT, sizeof(*v));
					if (!v || idmap_put(&c->agents_by_queue, qs[k], v) != 0) {
						sb_free(v);
						continue;
					}
				}
				v[st]++;
			}
		}
		c->abq_seq = c->committed;
		c->abq_time = now;
		c->abq_valid = true;
	}
	return idmap_get(&c->agents_by_queue, (uint64_t)queue_id);
}

int center_queue_live(struct center *c, int64_t queue_id, struct center_queue_live *out)
{
	if (!table_get(&c->queues, queue_id))
		return ENOENT;
	memset(out, 0, sizeof(*out));
	int64_t now = center_now(c);
	kpi_queue_totals(c->kpi, (uint32_t)queue_id, &out->today);
	struct live_call *lc;
	for (uint32_t it = 0; idmap_next(&c->live_calls, &it, NULL, (void **)&lc);) {
		if (lc->queue != queue_id || lc->connected)
			continue;
		out->in_queue++;
		if (now - lc->t_enter > out->oldest_wait_ms)
			out->oldest_wait_ms = now - lc->t_enter;
	}
	const uint32_t *counts = agents_by_queue(c, queue_id, now);
	if (counts)
		memcpy(out->agents, counts, sizeof(out->agents));
	out->ewt_ms = acd_queue_ewt(c->acd, (uint32_t)queue_id);
	return 0;
}

int center_agent_live(struct center *c, int64_t agent_id, struct center_agent_live *out)
{
	if (!table_get(&c->agents, agent_id))
		return ENOENT;
	memset(out, 0, sizeof(*out));
	const struct live_agent *la = idmap_get(&c->live_agents, (uint64_t)agent_id);
	if (la) {
		out->state = la->state;
		out->reason = la->reason;
		out->since = la->since;
		out->call_id = la->call;
		out->queue_id = la->queue;
	} else {
		out->state = ACD_AGENT_LOGGED_OUT;
	}
	kpi_agent_totals(c->kpi, (uint32_t)agent_id, center_now(c), &out->today);
	return 0;
}

const struct kpi *center_kpi(const struct center *c)
{
	return c->kpi;
}

/* ---------- metrics ---------- */

static void collect_waiting(struct metrics_out *out, void *arg)
{
	struct center *c = arg;
	const struct center_queue *q;
	for (unsigned i = 0; (q = table_at(&c->queues, i)); i++) {
		struct center_queue_live lv;
		if (center_queue_live(c, q->id, &lv) == 0)
			metrics_sample(out, lv.in_queue, "queue", q->name, NULL);
	}
}

static void collect_sl(struct metrics_out *out, void *arg)
{
	struct center *c = arg;
	const struct center_queue *q;
	for (unsigned i = 0; (q = table_at(&c->queues, i)); i++) {
		struct kpi_counts k;
		kpi_queue_totals(c->kpi, (uint32_t)q->id, &k);
		double sl = kpi_sl_excl_short(&k);
		if (sl == sl)
			metrics_sample(out, sl, "queue", q->name, "variant", "sl_excl_short", NULL);
	}
}

static void collect_agents(struct metrics_out *out, void *arg)
{
	struct center *c = arg;
	unsigned n[ACD_AGENT_STATE_COUNT] = {0};
	const struct center_agent *a;
	for (unsigned i = 0; (a = table_at(&c->agents, i)); i++) {
		const struct live_agent *la = idmap_get(&c->live_agents, (uint64_t)a->id);
		n[la ? la->state : ACD_AGENT_LOGGED_OUT]++;
	}
	for (unsigned s = 0; s < ACD_AGENT_STATE_COUNT; s++)
		metrics_sample(out, n[s], "state", acd_agent_state_name((enum acd_agent_state)s),
			       NULL);
}

static void collect_lag(struct metrics_out *out, void *arg)
{
	struct center *c = arg;
	metrics_sample(out, (double)(c->seq - c->committed), NULL);
}

/* ---------- loading ---------- */

static void copy_text(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static const struct store_stmt q_sites = {
    "center.sites",
    "SELECT id, name, time_zone, country_code, trunk_prefix, intl_prefix FROM sites ORDER BY id",
    NULL};
static const struct store_stmt q_clients = {
    "center.clients", "SELECT id, name, site_id FROM clients ORDER BY id", NULL};
static const struct store_stmt q_teams = {
    "center.teams", "SELECT id, name, lead_user_id, active FROM teams ORDER BY id", NULL};
static const struct store_stmt q_skills = {
    "center.skills", "SELECT id, name, kind, active FROM skills ORDER BY id", NULL};
static const struct store_stmt q_queues = {
    "center.queues",
    "SELECT id, name, client_id, site_id, strategy, ring_all_max, weight, group_id,"
    " ring_timeout_ms, max_wait_ms, overflow, overflow_queue_id, max_len, join_empty, wrapup,"
    " wrapup_ms, sl_threshold_ms, sl_target_pct, short_abandon_ms, resume_ms, default_aht_ms,"
    " callback_attempts, callback_retry_ms, priority, announce_ms, active FROM queues ORDER BY id",
    NULL};
static const struct store_stmt q_queue_rec = {
    "center.queue_rec",
    "SELECT id, recording, recording_consent, recording_retention_days FROM queues", NULL};
static const struct store_stmt q_queue_skills = {
    "center.queue_skills",
    "SELECT queue_id, skill_id, min_level FROM queue_skills ORDER BY queue_id, skill_id", NULL};
static const struct store_stmt q_queue_tiers = {
    "center.queue_tiers",
    "SELECT queue_id, step, after_ms, level_drop, group_id FROM queue_tiers"
    " ORDER BY queue_id, step",
    NULL};
static const struct store_stmt q_agents = {
    "center.agents",
    "SELECT id, user_id, display_name, team_id, site_id, rank, extension, sip_realm, sip_ha1,"
    " static_contact, active FROM agents ORDER BY id",
    NULL};
static const struct store_stmt q_agent_skills = {
    "center.agent_skills",
    "SELECT agent_id, skill_id, level FROM agent_skills ORDER BY agent_id, skill_id", NULL};
static const struct store_stmt q_agent_groups = {
    "center.agent_groups", "SELECT agent_id, team_id FROM agent_groups ORDER BY agent_id", NULL};
static const struct store_stmt q_numbers = {
    "center.numbers", "SELECT id, number, client_id, queue_id, active FROM numbers ORDER BY id",
    NULL};
static const struct store_stmt q_max_contact = {"center.max_contact",
						"SELECT COALESCE(MAX(id), 0) FROM contacts", NULL};
static const struct store_stmt q_users = {
    "center.users",
    "SELECT u.id, u.login, u.password_hash, u.active,"
    " (SELECT r.role FROM user_roles r WHERE r.user_id = u.id ORDER BY CASE r.role"
    "   WHEN 'admin' THEN 0 WHEN 'supervisor' THEN 1 WHEN 'planner' THEN 2 WHEN 'qa' THEN 3"
    "   WHEN 'team_lead' THEN 4 ELSE 5 END LIMIT 1),"
    " (SELECT a.id FROM agents a WHERE a.user_id = u.id),"
    " COALESCE((SELECT a.team_id FROM agents a WHERE a.user_id = u.id),"
    "          (SELECT t.id FROM teams t WHERE t.lead_user_id = u.id ORDER BY t.id LIMIT 1))"
    " FROM users u ORDER BY u.id",
    NULL};
static const struct store_stmt q_user_clients = {
    "center.user_clients", "SELECT user_id, client_id FROM user_clients ORDER BY user_id", NULL};

static int query(struct center *c, const struct store_stmt *st, struct store_rs **rs)
{
	*rs = NULL;
	return store_query_sync(c->cfg.store, st, NULL, 0, rs);
}

static enum acd_overflow parse_overflow(const char *s)
{
	if (s && strcmp(s, "queue") == 0)
		return ACD_OVERFLOW_QUEUE;
	if (s && strcmp(s, "callback") == 0)
		return ACD_OVERFLOW_CALLBACK;
	return ACD_OVERFLOW_NONE;
}

static enum acd_wrapup parse_wrapup(const char *s)
{
	if (s && strcmp(s, "none") == 0)
		return ACD_WRAPUP_NONE;
	if (s && strcmp(s, "manual") == 0)
		return ACD_WRAPUP_MANUAL;
	return ACD_WRAPUP_TIMED;
}

static int load_config(struct center *c)
{
	struct store_rs *rs;
	int err;
	unsigned n;
	if ((err = query(c, &q_sites, &rs)))
		return err;
	n = store_rs_rows(rs);
	for (unsigned r = 0; r < n; r++) {
		struct center_site s = {.id = store_rs_int(rs, r, 0)};
		copy_text(s.name, sizeof(s.name), store_rs_text(rs, r, 1));
		copy_text(s.time_zone, sizeof(s.time_zone), store_rs_text(rs, r, 2));
		copy_text(s.country_code, sizeof(s.country_code), store_rs_text(rs, r, 3));
		copy_text(s.trunk_prefix, sizeof(s.trunk_prefix), store_rs_text(rs, r, 4));
		copy_text(s.intl_prefix, sizeof(s.intl_prefix), store_rs_text(rs, r, 5));
		table_put(&c->sites, s.id, &s);
	}
	store_rs_free(rs);
	if ((err = query(c, &q_clients, &rs)))
		return err;
	n = store_rs_rows(rs);
	for (unsigned r = 0; r < n; r++) {
		struct center_client cl = {.id = store_rs_int(rs, r, 0),
					   .site_id = store_rs_int(rs, r, 2)};
		copy_text(cl.name, sizeof(cl.name), store_rs_text(rs, r, 1));
		table_put(&c->clients, cl.id, &cl);
	}
	store_rs_free(rs);
	if ((err = query(c, &q_teams, &rs)))
		return err;
	n = store_rs_rows(rs);
	for (unsigned r = 0; r < n; r++) {
		struct center_team t = {.id = store_rs_int(rs, r, 0),
					.lead_user_id = store_rs_int(rs, r, 2),
					.active = store_rs_int(rs, r, 3) != 0};
		copy_text(t.name, sizeof(t.name), store_rs_text(rs, r, 1));
		table_put(&c->teams, t.id, &t);
	}
	store_rs_free(rs);
	if ((err = query(c, &q_skills, &rs)))
		return err;
	n = store_rs_rows(rs);
	for (unsigned r = 0; r < n; r++) {
		struct center_skill s = {.id = store_rs_int(rs, r, 0),
					 .active = store_rs_int(rs, r, 3) != 0};
		copy_text(s.name, sizeof(s.name), store_rs_text(rs, r, 1));
		const char *kind = store_rs_text(rs, r, 2);
		s.language = kind && strcmp(kind, "language") == 0;
		table_put(&c->skills, s.id, &s);
	}
	store_rs_free(rs);

	/* queues with their requirements and widening steps */
	if ((err = query(c, &q_queues, &rs)))
		return err;
	n = store_rs_rows(rs);
	struct center_queue *qs = n ? sb_calloc(n, sizeof(*qs)) : NULL;
	if (n && !qs) {
		store_rs_free(rs);
		return ENOMEM;
	}
	for (unsigned r = 0; r < n; r++) {
		struct center_queue *q = &qs[r];
		struct acd_queue_params *p = &q->acd;
		acd_queue_params_default(p);
		q->id = store_rs_int(rs, r, 0);
		copy_text(q->name, sizeof(q->name), store_rs_text(rs, r, 1));
		q->client_id = store_rs_int(rs, r, 2);
		q->site_id = store_rs_int(rs, r, 3);
		int strat = acd_strategy_parse(store_rs_text(rs, r, 4));
		p->strategy = strat < 0 ? ACD_STRATEGY_LONGEST_IDLE : (enum acd_strategy)strat;
		p->ring_all_max = (uint32_t)store_rs_int(rs, r, 5);
		p->weight = (uint32_t)store_rs_int(rs, r, 6);
		p->group = (uint32_t)store_rs_int(rs, r, 7);
		p->ring_timeout_ms = store_rs_int(rs, r, 8);
		p->max_wait_ms = store_rs_int(rs, r, 9);
		p->overflow = parse_overflow(store_rs_text(rs, r, 10));
		p->overflow_queue = (uint32_t)store_rs_int(rs, r, 11);
		p->max_len = (uint32_t)store_rs_int(rs, r, 12);
		p->join_empty = store_rs_int(rs, r, 13) != 0;
		p->wrapup = parse_wrapup(store_rs_text(rs, r, 14));
		p->wrapup_ms = store_rs_int(rs, r, 15);
		p->sl_threshold_ms = store_rs_int(rs, r, 16);
		q->sl_target_pct = store_rs_real(rs, r, 17);
		p->short_abandon_ms = store_rs_int(rs, r, 18);
		p->resume_ms = store_rs_int(rs, r, 19);
		p->default_aht_ms = store_rs_int(rs, r, 20);
		p->callback_attempts = (uint32_t)store_rs_int(rs, r, 21);
		p->callback_retry_ms = store_rs_int(rs, r, 22);
		q->priority = (int32_t)store_rs_int(rs, r, 23);
		q->announce_ms = store_rs_int(rs, r, 24);
		q->active = store_rs_int(rs, r, 25) != 0;
		if (p->overflow == ACD_OVERFLOW_QUEUE && !p->overflow_queue)
			p->overflow = ACD_OVERFLOW_NONE;
	}
	store_rs_free(rs);
	if ((err = query(c, &q_queue_rec, &rs)) == 0) { /* call recording (schema 6) */
		for (unsigned r = 0; r < store_rs_rows(rs); r++)
			for (unsigned i = 0; i < n; i++)
				if (qs[i].id == store_rs_int(rs, r, 0)) {
					const char *m = store_rs_text(rs, r, 1);
					qs[i].rec_mode =
					    m && !strcmp(m, "always")	   ? CENTER_REC_ALWAYS
					    : m && !strcmp(m, "on_demand") ? CENTER_REC_ON_DEMAND
									   : CENTER_REC_OFF;
					copy_text(qs[i].rec_consent, sizeof(qs[i].rec_consent),
						  store_rs_text(rs, r, 2));
					qs[i].rec_retention_days = (int32_t)store_rs_int(rs, r, 3);
				}
		store_rs_free(rs);
	}
	if ((err = query(c, &q_queue_skills, &rs)) == 0) {
		unsigned m = store_rs_rows(rs);
		for (unsigned r = 0; r < m; r++) {
			int64_t qid = store_rs_int(rs, r, 0);
			for (unsigned i = 0; i < n; i++) {
				struct acd_queue_params *p = &qs[i].acd;
				if (qs[i].id != qid || p->n_req >= ACD_MAX_REQ)
					continue;
				p->req[p->n_req].skill = (uint32_t)store_rs_int(rs, r, 1);
				p->req[p->n_req].min_level = (uint8_t)store_rs_int(rs, r, 2);
				p->n_req++;
			}
		}
		store_rs_free(rs);
	}
	if (!err && (err = query(c, &q_queue_tiers, &rs)) == 0) {
		unsigned m = store_rs_rows(rs);
		for (unsigned r = 0; r < m; r++) {
			int64_t qid = store_rs_int(rs, r, 0);
			for (unsigned i = 0; i < n; i++) {
				struct acd_queue_params *p = &qs[i].acd;
				if (qs[i].id != qid || p->n_tiers >= ACD_MAX_TIERS)
					continue;
				p->tiers[p->n_tiers].after_ms = store_rs_int(rs, r, 2);
				p->tiers[p->n_tiers].level_drop = (uint8_t)store_rs_int(rs, r, 3);
				p->tiers[p->n_tiers].group = (uint32_t)store_rs_int(rs, r, 4);
				p->n_tiers++;
			}
		}
		store_rs_free(rs);
	}
	for (unsigned i = 0; !err && i < n; i++) {
		if (center_queue_apply(c, &qs[i]) != 0)
			fprintf(stderr,
				"switchboard: queue %" PRId64
				" (%s): parameters refused, skipped\n",
				qs[i].id, qs[i].name);
	}
	sb_free(qs);
	if (err)
		return err;

	/* agents with skills and groups */
	if ((err = query(c, &q_agents, &rs)))
		return err;
	n = store_rs_rows(rs);
	struct center_agent *as = n ? sb_calloc(n, sizeof(*as)) : NULL;
	if (n && !as) {
		store_rs_free(rs);
		return ENOMEM;
	}
	for (unsigned r = 0; r < n; r++) {
		struct center_agent *a = &as[r];
		a->id = store_rs_int(rs, r, 0);
		a->user_id = store_rs_int(rs, r, 1);
		copy_text(a->name, sizeof(a->name), store_rs_text(rs, r, 2));
		a->team_id = store_rs_int(rs, r, 3);
		a->site_id = store_rs_int(rs, r, 4);
		a->acd.rank = (uint32_t)store_rs_int(rs, r, 5);
		a->acd.team = (uint32_t)a->team_id;
		copy_text(a->extension, sizeof(a->extension), store_rs_text(rs, r, 6));
		copy_text(a->sip_realm, sizeof(a->sip_realm), store_rs_text(rs, r, 7));
		copy_text(a->sip_ha1, sizeof(a->sip_ha1), store_rs_text(rs, r, 8));
		copy_text(a->static_contact, sizeof(a->static_contact), store_rs_text(rs, r, 9));
		a->active = store_rs_int(rs, r, 10) != 0;
	}
	store_rs_free(rs);
	if ((err = query(c, &q_agent_skills, &rs)) == 0) {
		unsigned m = store_rs_rows(rs);
		for (unsigned r = 0; r < m; r++) {
			int64_t aid = store_rs_int(rs, r, 0);
			for (unsigned i = 0; i < n; i++) {
				struct acd_agent_params *p = &as[i].acd;
				if (as[i].id != aid || p->n_skills >= ACD_MAX_SKILLS)
					continue;
				p->skills[p->n_skills].skill = (uint32_t)store_rs_int(rs, r, 1);
				p->skills[p->n_skills].level = (uint8_t)store_rs_int(rs, r, 2);
				p->n_skills++;
			}
		}
		store_rs_free(rs);
	}
	if (!err && (err = query(c, &q_agent_groups, &rs)) == 0) {
		unsigned m = store_rs_rows(rs);
		for (unsigned r = 0; r < m; r++) {
			int64_t aid = store_rs_int(rs, r, 0);
			for (unsigned i = 0; i < n; i++) {
				struct acd_agent_params *p = &as[i].acd;
				if (as[i].id != aid || p->n_groups >= ACD_MAX_GROUPS)
					continue;
				p->groups[p->n_groups++] = (uint32_t)store_rs_int(rs, r, 1);
			}
		}
		store_rs_free(rs);
	}
	for (unsigned i = 0; !err && i < n; i++)
		if (center_agent_apply(c, &as[i]) != 0)
			fprintf(stderr,
				"switchboard: agent %" PRId64 ": parameters refused, skipped\n",
				as[i].id);
	sb_free(as);
	if (err)
		return err;

	if ((err = query(c, &q_numbers, &rs)))
		return err;
	n = store_rs_rows(rs);
	for (unsigned r = 0; r < n; r++) {
		struct center_number nb = {.id = store_rs_int(rs, r, 0),
					   .client_id = store_rs_int(rs, r, 2),
					   .queue_id = store_rs_int(rs, r, 3),
					   .active = store_rs_int(rs, r, 4) != 0};
		copy_text(nb.number, sizeof(nb.number), store_rs_text(rs, r, 1));
		table_put(&c->numbers, nb.id, &nb);
	}
	store_rs_free(rs);
	if ((err = query(c, &q_max_contact, &rs)))
		return err;
	c->next_contact = store_rs_int(rs, 0, 0);
	store_rs_free(rs);
	return 0;
}

/* Fills the user directory from the users table. */
static int load_users(struct center *c)
{
	if (!c->cfg.users)
		return 0;
	struct store_rs *rs, *rc;
	int err = query(c, &q_users, &rs);
	if (err)
		return err;
	if ((err = query(c, &q_user_clients, &rc))) {
		store_rs_free(rs);
		return err;
	}
	unsigned n = store_rs_rows(rs), m = store_rs_rows(rc);
	uint64_t *clients = m ? sb_calloc(m, sizeof(*clients)) : NULL;
	for (unsigned r = 0; r < n; r++) {
		struct user u;
		memset(&u, 0, sizeof(u));
		u.id = (uint64_t)store_rs_int(rs, r, 0);
		copy_text(u.username, sizeof(u.username), store_rs_text(rs, r, 1));
		u.pwhash = store_rs_text(rs, r, 2);
		u.disabled = store_rs_int(rs, r, 3) == 0;
		enum role role = ROLE_AGENT;
		const char *rn = store_rs_text(rs, r, 4);
		if (!rn || role_parse(rn, &role) != 0)
			u.disabled = true;
		u.role = role;
		u.agent_id = (uint64_t)store_rs_int(rs, r, 5);
		u.team_id = (uint64_t)store_rs_int(rs, r, 6);
		unsigned k = 0;
		for (unsigned j = 0; clients && j < m; j++)
			if ((uint64_t)store_rs_int(rc, j, 0) == u.id)
				clients[k++] = (uint64_t)store_rs_int(rc, j, 1);
		u.clients = clients;
		u.n_clients = k;
		if (userdir_put(c->cfg.users, &u) != 0)
			fprintf(stderr, "switchboard: user %" PRIu64 " (%s) not loaded\n", u.id,
				u.username);
	}
	sb_free(clients);
	store_rs_free(rc);
	store_rs_free(rs);
	return 0;
}

/* Today's committed figures, from the log: every event since local midnight. */
static int rebuild_cb(const struct store_event *se, void *arg)
{
	struct center *c = arg;
	if (se->kind && strcmp(se->kind, acd_event_name((enum acd_event_type)se->ev.type)) != 0)
		return 0; /* the daemon's own events do not feed the figures */
	kpi_event(c->kpi, &se->ev);
	live_apply(c, &se->ev);
	return 0;
}

/*
 * What a crash left open: contact records are closed as interrupted, and the
 * log gets the events that end those calls and log out the agents who were
 * logged in, so the figures rebuilt from it balance.
 */
static int recover(struct center *c)
{
	int64_t now = center_now(c);
	struct store_job *job;
	struct store_rs *rs = NULL;
	int err = store_job_alloc(&job);
	if (err)
		return err;
	if ((err = store_job_close_interrupted(job, now))) {
		store_job_free(job);
		return err;
	}
	if ((err = store_write_sync(c->cfg.store, job, &rs)))
		return err;
	unsigned n = store_rs_rows(rs);
	for (unsigned r = 0; r < n; r++) {
		uint64_t call = (uint64_t)store_rs_int(rs, r, 1);
		if (!idmap_get(&c->live_calls, call))
			continue; /* its end is in the log already */
		struct acd_event ev = {.type = ACD_EV_CALL_INTERRUPTED,
				       .time = now,
				       .call = call,
				       .queue = (uint32_t)store_rs_int(rs, r, 2),
				       .agent = (uint32_t)store_rs_int(rs, r, 3)};
		struct center_scope sc;
		acd_scope(c, &ev, &sc);
		pipeline_add(c, &ev, NULL, NULL, 0, &sc);
	}
	store_rs_free(rs);
	/* calls the log shows in a queue without a contact record */
	struct live_call *lc;
	uint64_t call;
	for (uint32_t it = 0; idmap_next(&c->live_calls, &it, &call, (void **)&lc);) {
		bool logged = false;
		for (uint32_t i = 0; i < c->p_n && !logged; i++)
			logged = c->pend[(c->p_head + i) % c->p_cap].ev.call == call;
		if (logged)
			continue;
		struct acd_event ev = {.type = ACD_EV_CALL_INTERRUPTED,
				       .time = now,
				       .call = call,
				       .queue = (uint32_t)lc->queue};
		pipeline_add(c, &ev, NULL, NULL, 0, NULL);
	}
	struct live_agent *la;
	uint64_t agent;
	for (uint32_t it = 0; idmap_next(&c->live_agents, &it, &agent, (void **)&la);) {
		if (la->state == ACD_AGENT_LOGGED_OUT)
			continue;
		struct acd_event ev = {.type = ACD_EV_AGENT_LOGOUT,
				       .time = now,
				       .agent = (uint32_t)agent,
				       .from = la->state,
				       .to = ACD_AGENT_LOGGED_OUT,
				       .reason = ACD_REASON_INTERRUPTED,
				       .dur_ms = now > la->since ? now - la->since : 0};
		struct center_scope sc;
		acd_scope(c, &ev, &sc);
		pipeline_add(c, &ev, NULL, NULL, 0, &sc);
	}
	return 0;
}

/* ---------- lifecycle ---------- */

void center_config_default(struct center_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ms = 15 * 60 * 1000;
	cfg->max_misses = 3;
	cfg->seed = 1;
}

int center_open(struct center **cp, const struct center_config *cfg)
{
	if (!cp || !cfg || !cfg->store || cfg->interval_ms <= 0)
		return EINVAL;
	struct center *c = sb_zalloc(sizeof(*c));
	if (!c)
		return ENOMEM;
	c->cfg = *cfg;
	table_init(&c->sites, sizeof(struct center_site));
	table_init(&c->clients, sizeof(struct center_client));
	table_init(&c->teams, sizeof(struct center_team));
	table_init(&c->skills, sizeof(struct center_skill));
	table_init(&c->queues, sizeof(struct center_queue));
	table_init(&c->agents, sizeof(struct center_agent));
	table_init(&c->numbers, sizeof(struct center_number));
	index_init(&c->agents_by_ext, offsetof(struct center_agent, extension));
	index_init(&c->numbers_by_number, offsetof(struct center_number, number));
	idmap_init(&c->calls);
	idmap_init(&c->segs);
	idmap_init(&c->wrap_segs);
	idmap_init(&c->live_calls);
	idmap_init(&c->live_agents);
	idmap_init(&c->simulated);
	idmap_init(&c->agents_by_queue);
	struct acd_params ap = {.max_misses = cfg->max_misses, .seed = cfg->seed};
	int err = acd_alloc(&c->acd, &ap, on_acd_event, c);
	if (!err)
		err = evl_timer_alloc(&c->tick);
	if (!err)
		err = evl_timer_alloc(&c->retry);
	int64_t last_time = 0;
	if (!err)
		err = store_events_last_sync(cfg->store, &c->seq, &last_time);
	c->committed = c->seq;
	if (!err && cfg->hub)
		sse_hub_set_last_seq(cfg->hub, c->seq);
	c->now = last_time;
	center_now(c);
	if (!err)
		err = load_config(c);
	if (!err)
		err = day_reset(c, c->now);
	if (!err)
		err = load_users(c);
	/* call ids continue after anything the log knows */
	if (!err)
		err = store_events_scan_sync(cfg->store, 0, c->day_start, rebuild_cb, c);
	if (!err)
		err = recover(c);
	if (err) {
		center_close(c);
		return err;
	}
	/* call ids stay unique across restarts: start past today's */
	c->next_call = (uint64_t)c->now * 1000;
	if (cfg->metrics) {
		metrics_register(cfg->metrics, "sb_queue_calls_waiting",
				 "Calls in queue (waiting or ringing), from committed events",
				 METRICS_GAUGE, collect_waiting, c);
		metrics_register(cfg->metrics, "sb_queue_service_level_today",
				 "Service level since local midnight (variant label)",
				 METRICS_GAUGE, collect_sl, c);
		metrics_register(cfg->metrics, "sb_agents",
				 "Agents by state, from committed events", METRICS_GAUGE,
				 collect_agents, c);
		metrics_register(cfg->metrics, "sb_event_log_lag",
				 "Events numbered but not yet committed", METRICS_GAUGE,
				 collect_lag, c);
	}
	*cp = c;
	return 0;
}

void center_close(struct center *c)
{
	if (!c)
		return;
	c->closing = true;
	evl_timer_free(c->tick);
	evl_timer_free(c->retry);
	acd_free(c->acd);
	/* waiters learn that their commit will not be seen here */
	while (c->w_n) {
		struct waiter w = c->wait[c->w_head];
		c->w_head = (c->w_head + 1) % c->w_cap;
		c->w_n--;
		w.fn(ESHUTDOWN, w.arg);
	}
	for (uint32_t i = 0; i < c->p_n; i++)
		pend_release(&c->pend[(c->p_head + i) % c->p_cap]);
	sb_free(c->pend);
	sb_free(c->wait);
	for (uint32_t i = 0; i < c->j_n; i++)
		store_job_free(c->jobs[i]);
	sb_free(c->jobs);
	void *v;
	for (uint32_t it = 0; idmap_next(&c->calls, &it, NULL, &v);)
		callinfo_free(v);
	for (uint32_t it = 0; idmap_next(&c->segs, &it, NULL, &v);)
		seg_free(v);
	for (uint32_t it = 0; idmap_next(&c->wrap_segs, &it, NULL, &v);)
		seg_free(v);
	for (uint32_t it = 0; idmap_next(&c->live_calls, &it, NULL, &v);)
		sb_free(v);
	for (uint32_t it = 0; idmap_next(&c->live_agents, &it, NULL, &v);)
		sb_free(v);
	idmap_release(&c->calls);
	idmap_release(&c->segs);
	idmap_release(&c->wrap_segs);
	idmap_release(&c->live_calls);
	idmap_release(&c->live_agents);
	idmap_release(&c->simulated);
	abq_release(c);
	kpi_free(c->kpi);
	table_release(&c->sites);
	table_release(&c->clients);
	table_release(&c->teams);
	table_release(&c->skills);
	table_release(&c->queues);
	table_release(&c->agents);
	table_release(&c->numbers);
	idmap_release(&c->agents_by_ext.map);
	idmap_release(&c->numbers_by_number.map);
	sb_free(c);
}

void center_store_committed(uint64_t seq, void *arg)
{
	on_committed(seq, arg);
}

void center_event_scope(const struct center *c, const struct store_event *se, uint64_t *client_id,
			uint64_t *team_id, uint64_t *agent_id, uint64_t *user_id, uint32_t *roles)
{
	struct center_scope sc;
	memset(&sc, 0, sizeof(sc));
	if (se->kind && strcmp(se->kind, "audit") == 0) {
		/* the daemon's audit events: the subject user and admins */
		sc.roles = ROLE_BIT(ROLE_ADMIN);
		sc.user_id = se->ev.agent ? 0 : 0;
		const char *u = se->data ? strstr(se->data, "\"user\":") : NULL;
		if (u)
			sc.user_id = strtoull(u + 7, NULL, 10);
	} else if (se->ev.type) {
		acd_scope(c, &se->ev, &sc);
	} else {
		sc.roles = ROLE_BIT(ROLE_ADMIN);
	}
	*client_id = sc.client_id;
	*team_id = sc.team_id;
	*agent_id = sc.agent_id;
	*user_id = sc.user_id;
	*roles = sc.roles;
}
