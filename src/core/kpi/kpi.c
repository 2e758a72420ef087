/* kpi: counters and figures from ACD events (see kpi.h and docs/kpi.md). */
#include "core/kpi/kpi.h"

#include "base/idmap.h"
#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IV_BIAS (1LL << 40) /* interval indexes become positive, non-zero map keys */

struct kq {
	uint32_t id;
	int64_t T, S;
	uint64_t last_key; /* the interval last counted into, and its counters: most events hit it */
	struct kpi_counts *last;
	struct kpi_counts total;
	struct idmap iv; /* interval key -> struct kpi_counts */
};

struct ka {
	struct kpi_agent_counts total;
	struct idmap iv; /* interval key -> struct kpi_agent_counts */
	uint8_t state;
	int64_t since;
	bool seen;
};

struct kpi {
	int64_t len, origin;
	struct idmap queues, agents;
	struct kq *last_q; /* the queue of the last event */
};

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static uint64_t iv_key(const struct kpi *k, int64_t t)
{
	return (uint64_t)(floordiv(t - k->origin, k->len) + IV_BIAS);
}

int64_t kpi_interval_start(const struct kpi *k, int64_t t)
{
	return floordiv(t - k->origin, k->len) * k->len + k->origin;
}

int64_t kpi_interval_ms(const struct kpi *k)
{
	return k->len;
}

int kpi_alloc(struct kpi **kp, int64_t interval_ms, int64_t origin_ms)
{
	if (!kp || interval_ms <= 0)
		return EINVAL;
	struct kpi *k = sb_zalloc(sizeof(*k));
	if (!k)
		return ENOMEM;
	k->len = interval_ms;
	k->origin = origin_ms;
	idmap_init(&k->queues);
	idmap_init(&k->agents);
	*kp = k;
	return 0;
}

static void free_map_values(struct idmap *m)
{
	void *v;
	for (uint32_t it = 0; idmap_next(m, &it, NULL, &v);)
		sb_free(v);
	idmap_release(m);
}

void kpi_free(struct kpi *k)
{
	if (!k)
		return;
	void *v;
	for (uint32_t it = 0; idmap_next(&k->queues, &it, NULL, &v);) {
		free_map_values(&((struct kq *)v)->iv);
		sb_free(v);
	}
	for (uint32_t it = 0; idmap_next(&k->agents, &it, NULL, &v);) {
		free_map_values(&((struct ka *)v)->iv);
		sb_free(v);
	}
	idmap_release(&k->queues);
	idmap_release(&k->agents);
	sb_free(k);
}

static struct kq *kq_get(struct kpi *k, uint32_t id)
{
	if (!id)
		return NULL;
	if (k->last_q && k->last_q->id == id)
		return k->last_q;
	struct kq *q = idmap_get(&k->queues, id);
	if (q)
		return k->last_q = q;
	q = sb_zalloc(sizeof(*q));
	if (!q)
		return NULL;
	q->id = id;
	q->T = 20000;
	q->S = 5000;
	idmap_init(&q->iv);
	if (idmap_put(&k->queues, id, q) != 0) {
		sb_free(q);
		return NULL;
	}
	return q;
}

static struct ka *ka_get(struct kpi *k, uint32_t id)
{
	if (!id)
		return NULL;
	struct ka *a = idmap_get(&k->agents, id);
	if (a)
		return a;
	a = sb_zalloc(sizeof(*a));
	if (!a)
		return NULL;
	idmap_init(&a->iv);
	if (idmap_put(&k->agents, id, a) != 0) {
		sb_free(a);
		return NULL;
	}
	return a;
}

static void *iv_get(struct idmap *m, uint64_t key, size_t size)
{
	void *v = idmap_get(m, key);
	if (v)
		return v;
	v = sb_zalloc(size);
	if (v && idmap_put(m, key, v) != 0) {
		sb_free(v);
		v = NULL;
	}
	return v;
}

int kpi_queue_config(struct kpi *k, uint32_t queue, int64_t sl_threshold_ms, int64_t short_abandon_ms)
{
	if (sl_threshold_ms < 0 || short_abandon_ms < 0)
		return EINVAL;
	struct kq *q = kq_get(k, queue);
	if (!q)
		return queue ? ENOMEM : EINVAL;
	q->T = sl_threshold_ms;
	q->S = short_abandon_ms;
	return 0;
}

/* Applies one call event to a set of queue counters. */
static void count_call(const struct kq *q, struct kpi_counts *c, const struct acd_event *ev)
{
	bool cb = (ev->flags & ACD_F_CALLBACK) != 0;
	switch (ev->type) {
	case ACD_EV_CALL_ENTER:
		c->offered++;
		break;
	case ACD_EV_CALL_REFUSED:
		c->refused++;
		break;
	case ACD_EV_CALL_CONNECT:
		if (cb)
			break;
		c->answered++;
		c->wait_answered_ms += ev->wait_ms;
		if (ev->wait_ms > c->max_wait_answered_ms)
			c->max_wait_answered_ms = ev->wait_ms;
		if (ev->wait_ms <= q->T)
			c->answered_within++;
		break;
	case ACD_EV_CALL_ABANDON:
		c->abandoned++;
		c->wait_abandoned_ms += ev->wait_ms;
		if (ev->wait_ms <= q->S)
			c->abandoned_short++;
		if (ev->wait_ms <= q->T)
			c->abandoned_within++;
		break;
	case ACD_EV_CALL_EXIT_TIMEOUT:
	case ACD_EV_CALL_EXIT_OVERFLOW:
		c->overflowed++;
		break;
	case ACD_EV_CALLBACK_REQUESTED:
		c->overflowed++;
		c->callbacks_requested++;
		break;
	case ACD_EV_CALLBACK_FAILED:
		c->callbacks_failed++;
		break;
	case ACD_EV_CALL_INTERRUPTED:
		c->interrupted++;
		break;
	case ACD_EV_CALL_COMPLETE_CALLER:
	case ACD_EV_CALL_COMPLETE_AGENT:
	case ACD_EV_CALL_TRANSFER:
		if (cb) {
			c->callbacks_connected++;
			break;
		}
		c->handled++;
		c->talk_ms += ev->dur_ms;
		c->hold_ms += ev->hold_ms;
		if (ev->type == ACD_EV_CALL_TRANSFER)
			c->transferred++;
		break;
	case ACD_EV_AGENT_LOGIN:
	case ACD_EV_AGENT_LOGOUT:
	case ACD_EV_AGENT_STATE:
		if (ev->from == ACD_AGENT_WRAPUP && !cb)
			c->wrap_ms += ev->dur_ms;
		break;
	default:
		break;
	}
}

static void count_agent(struct kpi_agent_counts *c, const struct acd_event *ev)
{
	switch (ev->type) {
	case ACD_EV_CALL_OFFER:
		c->offers++;
		break;
	case ACD_EV_CALL_CONNECT:
		c->answered++;
		break;
	case ACD_EV_CALL_RNA:
		c->missed++;
		break;
	case ACD_EV_CALL_COMPLETE_CALLER:
	case ACD_EV_CALL_COMPLETE_AGENT:
	case ACD_EV_CALL_TRANSFER:
		c->handled++;
		c->talk_ms += ev->dur_ms;
		c->hold_ms += ev->hold_ms;
		break;
	case ACD_EV_AGENT_LOGIN:
	case ACD_EV_AGENT_LOGOUT:
	case ACD_EV_AGENT_STATE:
		if (ev->from == ACD_AGENT_WRAPUP)
			c->wrap_ms += ev->dur_ms;
		break;
	default:
		break;
	}
}

/* Splits the period [start, end) in state s over the agent's intervals. */
static void agent_state_time(struct kpi *k, struct ka *a, uint8_t s, int64_t start, int64_t end)
{
	if (end <= start || s >= ACD_AGENT_STATE_COUNT)
		return;
	a->total.state_ms[s] += end - start;
	while (start < end) {
		int64_t iv_end = kpi_interval_start(k, start) + k->len;
		int64_t stop = end < iv_end ? end : iv_end;
		struct kpi_agent_counts *c = iv_get(&a->iv, iv_key(k, start), sizeof(*c));
		if (c)
			c->state_ms[s] += stop - start;
		start = stop;
	}
}

void kpi_event(struct kpi *k, const struct acd_event *ev)
{
	if (!k || !ev)
		return;
	bool agent_ev = ev->type == ACD_EV_AGENT_LOGIN || ev->type == ACD_EV_AGENT_LOGOUT ||
			ev->type == ACD_EV_AGENT_STATE;
	struct kq *q = kq_get(k, ev->queue);
	if (q && (!agent_ev || ev->from == ACD_AGENT_WRAPUP)) {
		count_call(q, &q->total, ev);
		uint64_t key = iv_key(k, ev->t_enter);
		struct kpi_counts *c = q->last && q->last_key == key ? q->last
								     : iv_get(&q->iv, key, sizeof(*c));
		if (c) {
			q->last = c;
			q->last_key = key;
		}
		if (c)
			count_call(q, c, ev);
	}
	struct ka *a = ka_get(k, ev->agent);
	if (!a)
		return;
	if (agent_ev) {
		int64_t start = ev->time - ev->dur_ms;
		agent_state_time(k, a, ev->from, start, ev->time);
		a->state = ev->to;
		a->since = ev->time;
		a->seen = true;
	}
	count_agent(&a->total, ev);
	struct kpi_agent_counts *c = iv_get(&a->iv, iv_key(k, ev->time), sizeof(*c));
	if (c)
		count_agent(c, ev);
}

void kpi_sink(const struct acd_event *ev, void *arg)
{
	kpi_event(arg, ev);
}

int kpi_queue_totals(const struct kpi *k, uint32_t queue, struct kpi_counts *out)
{
	const struct kq *q = idmap_get(&k->queues, queue);
	memset(out, 0, sizeof(*out));
	if (!q)
		return ENOENT;
	*out = q->total;
	return 0;
}

int kpi_queue_interval(const struct kpi *k, uint32_t queue, int64_t t, struct kpi_counts *out)
{
	const struct kq *q = idmap_get(&k->queues, queue);
	memset(out, 0, sizeof(*out));
	if (!q)
		return ENOENT;
	const struct kpi_counts *c = idmap_get(&q->iv, iv_key(k, t));
	if (c)
		*out = *c;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

uint32_t kpi_queue_intervals(const struct kpi *k, uint32_t queue, int64_t *starts, uint32_t max)
{
	const struct kq *q = idmap_get(&k->queues, queue);
	if (!q)
		return 0;
	uint32_t n = 0;
	uint64_t key;
	for (uint32_t it = 0; n < max && idmap_next(&q->iv, &it, &key, NULL);)
		starts[n++] = ((int64_t)key - IV_BIAS) * k->len + k->origin;
	qsort(starts, n, sizeof(*starts), cmp_i64);
	return n;
}

int kpi_agent_totals(const struct kpi *k, uint32_t agent, int64_t now, struct kpi_agent_counts *out)
{
	const struct ka *a = idmap_get(&k->agents, agent);
	memset(out, 0, sizeof(*out));
	if (!a)
		return ENOENT;
	*out = a->total;
	if (now > 0 && a->seen && now > a->since)
		out->state_ms[a->state] += now - a->since;
	return 0;
}

int kpi_agent_interval(const struct kpi *k, uint32_t agent, int64_t t, struct kpi_agent_counts *out)
{
	const struct ka *a = idmap_get(&k->agents, agent);
	memset(out, 0, sizeof(*out));
	if (!a)
		return ENOENT;
	const struct kpi_agent_counts *c = idmap_get(&a->iv, iv_key(k, t));
	if (c)
		*out = *c;
	return 0;
}

static double ratio(double num, double den)
{
	return den > 0 ? num / den : NAN;
}

double kpi_sl_offered(const struct kpi_counts *c)
{
	return ratio((double)c->answered_within, (double)c->offered);
}

double kpi_sl_excl_short(const struct kpi_counts *c)
{
	return ratio((double)c->answered_within,
		     (double)(c->answered + c->abandoned - c->abandoned_short));
}

double kpi_sl2(const struct kpi_counts *c)
{
	return ratio((double)(c->answered_within + c->abandoned_within),
		     (double)(c->answered + c->abandoned));
}

double kpi_sl_answered(const struct kpi_counts *c)
{
	return ratio((double)c->answered_within, (double)c->answered);
}

double kpi_asa_ms(const struct kpi_counts *c)
{
	return ratio((double)c->wait_answered_ms, (double)c->answered);
}

double kpi_aht_ms(const struct kpi_counts *c)
{
	return ratio((double)(c->talk_ms + c->hold_ms + c->wrap_ms), (double)c->handled);
}

double kpi_abandon_rate(const struct kpi_counts *c)
{
	return ratio((double)c->abandoned, (double)c->offered);
}

double kpi_abandon_rate_excl_short(const struct kpi_counts *c)
{
	return ratio((double)(c->abandoned - c->abandoned_short),
		     (double)(c->offered - c->abandoned_short));
}

double kpi_occupancy(const struct kpi_agent_counts *c)
{
	double busy = (double)(c->state_ms[ACD_AGENT_TALKING] + c->state_ms[ACD_AGENT_HOLD] +
			       c->state_ms[ACD_AGENT_WRAPUP]);
	double avail = busy + (double)(c->state_ms[ACD_AGENT_READY] + c->state_ms[ACD_AGENT_RESERVED]);
	return ratio(busy, avail);
}

void kpi_counts_add(struct kpi_counts *a, const struct kpi_counts *b)
{
	a->offered += b->offered;
	a->answered += b->answered;
	a->answered_within += b->answered_within;
	a->abandoned += b->abandoned;
	a->abandoned_short += b->abandoned_short;
	a->abandoned_within += b->abandoned_within;
	a->overflowed += b->overflowed;
	a->interrupted += b->interrupted;
	a->refused += b->refused;
	a->handled += b->handled;
	a->transferred += b->transferred;
	a->callbacks_requested += b->callbacks_requested;
	a->callbacks_connected += b->callbacks_connected;
	a->callbacks_failed += b->callbacks_failed;
	a->wait_answered_ms += b->wait_answered_ms;
	a->wait_abandoned_ms += b->wait_abandoned_ms;
	a->talk_ms += b->talk_ms;
	a->hold_ms += b->hold_ms;
	a->wrap_ms += b->wrap_ms;
	if (b->max_wait_answered_ms > a->max_wait_answered_ms)
		a->max_wait_answered_ms = b->max_wait_answered_ms;
}
