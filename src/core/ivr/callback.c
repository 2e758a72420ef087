/* callback: the callback request scheduler (open hours, routing turn, dialling, retries, failure)
 * as a pure state machine. */
#include "core/ivr/callback.h"

#include <errno.h>
#include <string.h>

#include "base/heap.h"
#include "base/idmap.h"
#include "base/mem.h"
#include "base/phone.h"

struct req {
	struct heap_node hn; /* (deadline, seq, id): every request stays in the heap, INT64_MAX when
				no deadline */
	uint64_t id;
	uint64_t seq; /* creation order: ties between equal deadlines */
	enum ivr_cb_state state;
	uint32_t queue;
	char number[IVR_NUMBER_MAX];
	struct ivr_cb_params p;
	uint32_t attempts;
	uint32_t outcome;
	int64_t requested;
	int64_t deadline; /* INT64_MAX when none */
};

struct ivr_cb {
	struct idmap reqs;
	struct heap deadlines;
	uint64_t seq;
	int64_t now;
	struct ivr_cb_action *q; /* pending actions q[head..len) */
	size_t head, len, cap;
};

int ivr_cb_alloc(struct ivr_cb **cbp, int64_t now)
{
	if (!cbp)
		return EINVAL;
	struct ivr_cb *cb = sb_zalloc(sizeof(*cb));
	if (!cb)
		return ENOMEM;
	idmap_init(&cb->reqs);
	heap_init(&cb->deadlines);
	cb->now = now;
	*cbp = cb;
	return 0;
}

void ivr_cb_free(struct ivr_cb *cb)
{
	if (!cb)
		return;
	uint64_t k;
	void *v;
	heap_release(&cb->deadlines); /* touches the nodes: before they are freed */
	for (uint32_t i = 0; idmap_next(&cb->reqs, &i, &k, &v);)
		sb_free(v);
	idmap_release(&cb->reqs);
	sb_free(cb->q);
	sb_free(cb);
}

/*
 * Room for every action the pending deadlines can produce before the next
 * input: at most 3 per request (DIAL_CANCEL and RETRY, then ROUTE), plus
 * 2 for the input itself.
 */
static int reserve(struct ivr_cb *cb, size_t extra)
{
	size_t need = (cb->len - cb->head) + 3 * (size_t)idmap_count(&cb->reqs) + 2 + extra;
	if (cb->head > 0) {
		memmove(cb->q, cb->q + cb->head, (cb->len - cb->head) * sizeof(*cb->q));
		cb->len -= cb->head;
		cb->head = 0;
	}
	if (need <= cb->cap)
		return 0;
	size_t cap = cb->cap ? cb->cap : 16;
	while (cap < need)
		cap *= 2;
	struct ivr_cb_action *q = sb_realloc(cb->q, cap * sizeof(*q));
	if (!q)
		return ENOMEM;
	cb->q = q;
	cb->cap = cap;
	return 0;
}

static struct ivr_cb_action *push(struct ivr_cb *cb, const struct req *r, enum ivr_cb_act_kind kind)
{
	/* cannot overflow: reserve() ran at the start of every entry point */
	struct ivr_cb_action *a = &cb->q[cb->len++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->id = r->id;
	a->queue = r->queue;
	memcpy(a->number, r->number, sizeof(a->number));
	a->attempt = r->attempts;
	a->place = r->requested;
	a->outcome = r->outcome;
	a->time = cb->now;
	return a;
}

static void set_deadline(struct ivr_cb *cb, struct req *r, int64_t at)
{
	r->deadline = at;
	r->hn.k1 = at;
	heap_update(&cb->deadlines, &r->hn);
}

static void forget(struct ivr_cb *cb, struct req *r)
{
	heap_remove(&cb->deadlines, &r->hn);
	idmap_del(&cb->reqs, r->id);
	sb_free(r);
}

static void route(struct ivr_cb *cb, struct req *r, bool retry)
{
	r->state = IVR_CB_QUEUED;
	set_deadline(cb, r, INT64_MAX);
	push(cb, r, IVR_CB_ROUTE)->retry = retry;
}

static void attempt_failed(struct ivr_cb *cb, struct req *r, uint32_t outcome)
{
	r->attempts++;
	r->outcome = outcome;
	if (r->attempts >= r->p.attempts) {
		push(cb, r, IVR_CB_FAILED);
		forget(cb, r);
		return;
	}
	if (r->p.routing_keeps_place) {
		r->state =
		    IVR_CB_QUEUED; /* the routing gives the next turn after its retry delay */
		set_deadline(cb, r, INT64_MAX);
	} else {
		r->state = IVR_CB_RETRY_WAIT;
		set_deadline(cb, r, cb->now + r->p.retry_ms);
	}
	push(cb, r, IVR_CB_RETRY);
}

static struct req *earliest(const struct ivr_cb *cb)
{
	struct heap_node *n = heap_top(&cb->deadlines);
	if (!n || n->k1 == INT64_MAX)
		return NULL;
	return container_of(n, struct req, hn);
}

static void fire(struct ivr_cb *cb, int64_t now)
{
	if (now > cb->now)
		cb->now = now;
	int64_t t = cb->now;
	struct req *r;
	while ((r = earliest(cb)) && r->deadline <= t) {
		cb->now = r->deadline; /* a deadline happens at its own time */
		switch (r->state) {
		case IVR_CB_WAIT_OPEN:
			route(cb, r, false);
			break;
		case IVR_CB_RETRY_WAIT:
			route(cb, r, true);
			break;
		case IVR_CB_DIALING:
			push(cb, r, IVR_CB_DIAL_CANCEL);
			attempt_failed(cb, r, IVR_CB_NO_ANSWER);
			break;
		default: /* cannot happen: only the states above have deadlines */
			set_deadline(cb, r, INT64_MAX);
			break;
		}
	}
	cb->now = t;
}

/* Common start of an input: room for its actions, then the deadlines due. */
static int enter(struct ivr_cb *cb, int64_t now, size_t extra)
{
	int err = reserve(cb, extra);
	if (err)
		return err;
	fire(cb, now);
	return 0;
}

int ivr_cb_request(struct ivr_cb *cb, uint64_t id, uint32_t queue, const char *e164,
		   const struct ivr_cb_params *p, int64_t open_at, bool in_queue, int64_t now)
{
	if (!cb || !id || !queue || !e164 || !phone_is_e164(e164) || !p || p->attempts < 1 ||
	    p->retry_ms < 0 || p->ring_ms <= 0)
		return EINVAL;
	if (idmap_get(&cb->reqs, id))
		return EEXIST;
	int err = enter(cb, now, 3);
	if (err)
		return err;
	struct req *r = sb_zalloc(sizeof(*r));
	if (!r)
		return ENOMEM;
	r->id = id;
	r->seq = ++cb->seq;
	r->queue = queue;
	memcpy(r->number, e164, strlen(e164) + 1);
	r->p = *p;
	r->requested = cb->now;
	r->deadline = INT64_MAX;
	r->hn.k1 = INT64_MAX;
	r->hn.k2 = (int64_t)r->seq;
	r->hn.k3 = id;
	heap_node_init(&r->hn);
	if ((err = heap_push(&cb->deadlines, &r->hn))) {
		sb_free(r);
		return err;
	}
	if ((err = idmap_put(&cb->reqs, id, r))) {
		heap_remove(&cb->deadlines, &r->hn);
		sb_free(r);
		return err;
	}
	if (open_at > cb->now) {
		r->state = IVR_CB_WAIT_OPEN;
		set_deadline(cb, r, open_at);
	} else if (in_queue) {
		r->state =
		    IVR_CB_QUEUED; /* the caller's place in the queue becomes the request's */
	} else {
		route(cb, r, false);
	}
	return 0;
}

static int get(struct ivr_cb *cb, uint64_t id, enum ivr_cb_state want, int64_t now, struct req **rp)
{
	if (!cb)
		return EINVAL;
	int err = enter(cb, now, 2);
	if (err)
		return err;
	struct req *r = idmap_get(&cb->reqs, id);
	if (!r)
		return ENOENT;
	if (r->state != want)
		return EBUSY;
	*rp = r;
	return 0;
}

int ivr_cb_turn(struct ivr_cb *cb, uint64_t id, int64_t now)
{
	struct req *r;
	int err = get(cb, id, IVR_CB_QUEUED, now, &r);
	if (err)
		return err;
	r->state = IVR_CB_DIALING;
	set_deadline(cb, r, cb->now + r->p.ring_ms);
	struct ivr_cb_action *a = push(cb, r, IVR_CB_DIAL);
	a->attempt = r->attempts + 1;
	return 0;
}

int ivr_cb_answered(struct ivr_cb *cb, uint64_t id, int64_t now)
{
	struct req *r;
	int err = get(cb, id, IVR_CB_DIALING, now, &r);
	if (err)
		return err;
	r->attempts++;
	push(cb, r, IVR_CB_COMPLETED);
	forget(cb, r);
	return 0;
}

int ivr_cb_no_answer(struct ivr_cb *cb, uint64_t id, enum ivr_cb_outcome outcome, int64_t now)
{
	if (outcome != IVR_CB_NO_ANSWER && outcome != IVR_CB_BUSY && outcome != IVR_CB_UNREACHABLE)
		return EINVAL;
	struct req *r;
	int err = get(cb, id, IVR_CB_DIALING, now, &r);
	if (err)
		return err;
	attempt_failed(cb, r, outcome);
	return 0;
}

int ivr_cb_route_refused(struct ivr_cb *cb, uint64_t id, int64_t open_at, int64_t now)
{
	struct req *r;
	int err = get(cb, id, IVR_CB_QUEUED, now, &r);
	if (err)
		return err;
	r->state = IVR_CB_WAIT_OPEN;
	set_deadline(cb, r, open_at > cb->now ? open_at : cb->now);
	return 0;
}

int ivr_cb_cancel(struct ivr_cb *cb, uint64_t id, int64_t now)
{
	if (!cb)
		return EINVAL;
	int err = enter(cb, now, 0);
	if (err)
		return err;
	struct req *r = idmap_get(&cb->reqs, id);
	if (!r)
		return ENOENT;
	forget(cb, r);
	return 0;
}

void ivr_cb_advance(struct ivr_cb *cb, int64_t now)
{
	if (reserve(cb, 0))
		return; /* out of memory: the deadlines stay due until the next call */
	fire(cb, now);
}

int64_t ivr_cb_next_deadline(const struct ivr_cb *cb)
{
	const struct req *r = earliest(cb);
	return r ? r->deadline : INT64_MAX;
}

bool ivr_cb_action(struct ivr_cb *cb, struct ivr_cb_action *out)
{
	if (cb->head == cb->len)
		return false;
	*out = cb->q[cb->head++];
	if (cb->head == cb->len)
		cb->head = cb->len = 0;
	return true;
}

int ivr_cb_info(const struct ivr_cb *cb, uint64_t id, struct ivr_cb_info *info)
{
	const struct req *r = idmap_get(&cb->reqs, id);
	if (!r)
		return ENOENT;
	memset(info, 0, sizeof(*info));
	info->state = r->state;
	info->queue = r->queue;
	memcpy(info->number, r->number, sizeof(info->number));
	info->attempts = r->attempts;
	info->requested = r->requested;
	info->deadline = r->deadline;
	return 0;
}

uint32_t ivr_cb_count(const struct ivr_cb *cb)
{
	return idmap_count(&cb->reqs);
}
