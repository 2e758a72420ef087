/* acd_check: walks every ACD structure and verifies the invariants the router relies on. */
#include "core/acd/acd_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static int fail(char *buf, unsigned len, const char *fmt, ...)
{
	if (buf && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, len, fmt, ap);
		va_end(ap);
	}
	return EPROTO;
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return fail(buf, len, __VA_ARGS__);                                        \
	} while (0)

static bool member_linked(const struct member *m)
{
	if (m->queue->p.strategy == ACD_STRATEGY_RANDOM)
		return m->rpos != HEAP_NONE;
	return heap_node_linked(&m->hn);
}

static uint8_t tier_at(const struct queue *q, int64_t waited)
{
	uint8_t t = 0;
	while (t < q->p.n_tiers && waited >= q->p.tiers[t].after_ms)
		t++;
	return t;
}

static int check_queue(const struct acd *acd, const struct queue *q, char *buf, unsigned len)
{
	for (uint32_t t = 0; t <= ACD_MAX_TIERS; t++) {
		const struct pool *pl = &q->pools[t];
		CHECK(heap_valid(&pl->h), "queue %u: pool %u heap order broken", q->id, t);
		uint32_t n = q->p.strategy == ACD_STRATEGY_RANDOM ? pl->n : heap_count(&pl->h);
		CHECK(t <= q->p.n_tiers || n == 0, "queue %u: pool %u beyond its tiers", q->id, t);
		for (uint32_t i = 0; i < n; i++) {
			const struct member *m = q->p.strategy == ACD_STRATEGY_RANDOM
							 ? pl->arr[i]
							 : container_of(pl->h.v[i], struct member, hn);
			CHECK(m->queue == q && m->tier == t, "queue %u: member in the wrong pool", q->id);
			CHECK(m->agent->state == ACD_AGENT_READY && m->agent->in_pools,
			      "queue %u: agent %u in a pool but %s", q->id, m->agent->id,
			      acd_agent_state_name(m->agent->state));
			if (q->p.strategy == ACD_STRATEGY_RANDOM)
				CHECK(m->rpos == i, "queue %u: random pool slot mismatch", q->id);
		}
	}
	uint32_t waiting = 0, cbw = 0;
	for (uint32_t b = 0; b < q->n_bands; b++) {
		const struct band *bd = &q->bands[b];
		CHECK(b == 0 || q->bands[b - 1].prio > bd->prio, "queue %u: bands out of order", q->id);
		uint32_t n = 0;
		const struct call *prev = NULL;
		list_for_each(it, &bd->calls)
		{
			const struct call *c = container_of(it, struct call, link);
			n++;
			CHECK(c->band == bd && c->q == q && c->prio == bd->prio,
			      "queue %u: call %llu in the wrong band", q->id, (unsigned long long)c->id);
			CHECK(c->state == ACD_CALL_WAITING || c->state == ACD_CALL_CALLBACK_WAITING,
			      "queue %u: call %llu in a band in state %u", q->id,
			      (unsigned long long)c->id, c->state);
			CHECK(!prev || prev->key < c->key || (prev->key == c->key && prev->seq < c->seq),
			      "queue %u: band order broken at call %llu", q->id,
			      (unsigned long long)c->id);
			if (c->state == ACD_CALL_WAITING)
				waiting++;
			else
				cbw++;
			prev = c;
		}
		CHECK(n == bd->n, "queue %u: band count %u, found %u", q->id, bd->n, n);
	}
	CHECK(waiting == q->n_waiting, "queue %u: %u waiting counted, %u found", q->id, q->n_waiting,
	      waiting);
	CHECK(cbw == q->n_cb_waiting, "queue %u: callbacks waiting %u, found %u", q->id,
	      q->n_cb_waiting, cbw);
	(void)acd;
	return 0;
}

static int check_call(const struct acd *acd, const struct call *c, char *buf, unsigned len)
{
	const struct queue *q = c->q;
	unsigned long long id = (unsigned long long)c->id;
	CHECK(q && idmap_get(&acd->queues, q->id) == q, "call %llu: no queue", id);
	switch (c->state) {
	case ACD_CALL_WAITING:
	case ACD_CALL_CALLBACK_WAITING:
		CHECK(c->band != NULL && c->n_off == 0 && !c->agent, "call %llu: waiting but placed",
		      id);
		CHECK(c->tier == tier_at(q, acd->now - c->key), "call %llu: tier %u, expected %u", id,
		      c->tier, tier_at(q, acd->now - c->key));
		CHECK((c->state == ACD_CALL_CALLBACK_WAITING) == ((c->flags & ACD_F_CALLBACK) != 0),
		      "call %llu: callback flag and state disagree", id);
		/* work conservation: no ready agent could take this caller */
		for (uint32_t t = 0; t <= c->tier; t++) {
			uint32_t n = q->p.strategy == ACD_STRATEGY_RANDOM ? q->pools[t].n
									 : heap_count(&q->pools[t].h);
			CHECK(n == 0, "call %llu waits in queue %u while %u agents are ready at tier %u",
			      id, q->id, n, t);
		}
		if (c->state == ACD_CALL_WAITING && q->p.max_wait_ms > 0)
			CHECK(heap_node_linked(&c->t_wait.hn), "call %llu: no max-wait timer", id);
		CHECK(!heap_node_linked(&c->t_ring.hn), "call %llu: ring timer while waiting", id);
		break;
	case ACD_CALL_RINGING:
		CHECK(!c->band && c->n_off >= 1 && !c->agent, "call %llu: ringing but misplaced", id);
		CHECK(heap_node_linked(&c->t_ring.hn), "call %llu: ringing without a ring timer", id);
		for (uint32_t i = 0; i < c->n_off; i++) {
			const struct agent *a = c->offv[i];
			CHECK(a->state == ACD_AGENT_RESERVED && a->call == c,
			      "call %llu: offered agent %u is %s with another call", id, a->id,
			      acd_agent_state_name(a->state));
			for (uint32_t j = 0; j < i; j++)
				CHECK(c->offv[j] != a, "call %llu: agent %u offered twice", id, a->id);
		}
		break;
	case ACD_CALL_CONNECTED:
	case ACD_CALL_HOLD: {
		const struct agent *a = c->agent;
		CHECK(!c->band && a && a->call == c, "call %llu: connected but agent disagrees", id);
		CHECK(a->state == (c->state == ACD_CALL_HOLD ? ACD_AGENT_HOLD : ACD_AGENT_TALKING),
		      "call %llu: connected, agent %u is %s", id, a->id,
		      acd_agent_state_name(a->state));
		break;
	}
	case ACD_CALL_CALLBACK_RETRY:
		CHECK(!c->band && c->n_off == 0 && heap_node_linked(&c->t_wait.hn),
		      "call %llu: callback retry misplaced", id);
		break;
	default:
		return fail(buf, len, "call %llu: unknown state %u", id, c->state);
	}
	return 0;
}

static int check_agent(const struct acd *acd, const struct agent *a, char *buf, unsigned len)
{
	CHECK((a->state == ACD_AGENT_READY) == a->in_pools, "agent %u: %s but in_pools=%d", a->id,
	      acd_agent_state_name(a->state), a->in_pools);
	for (uint32_t i = 0; i < a->n_mem; i++) {
		const struct member *m = &a->mem[i];
		CHECK(m->agent == a && idmap_get(&acd->queues, m->queue->id) == m->queue,
		      "agent %u: stale membership", a->id);
		CHECK(member_linked(m) == a->in_pools, "agent %u: membership of queue %u %s", a->id,
		      m->queue->id, a->in_pools ? "missing from its pool" : "left in a pool");
	}
	switch (a->state) {
	case ACD_AGENT_RESERVED: {
		const struct call *c = a->call;
		CHECK(c && c->state == ACD_CALL_RINGING, "agent %u: reserved without a ringing call",
		      a->id);
		bool found = false;
		for (uint32_t i = 0; i < c->n_off; i++)
			found = found || c->offv[i] == a;
		CHECK(found, "agent %u: reserved for a call that does not offer it", a->id);
		break;
	}
	case ACD_AGENT_TALKING:
	case ACD_AGENT_HOLD:
		CHECK(a->call && a->call->agent == a, "agent %u: talking without its call", a->id);
		break;
	case ACD_AGENT_WRAPUP:
		CHECK(!a->call && a->wrap_call, "agent %u: wrap-up without a call", a->id);
		break;
	default:
		CHECK(!a->call, "agent %u: %s but holds call %llu", a->id,
		      acd_agent_state_name(a->state), (unsigned long long)a->call->id);
		break;
	}
	return 0;
}

static int check_gauges(const struct acd *acd, char *buf, unsigned len)
{
	const struct queue *q;
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);) {
		uint32_t logged = 0, staffed = 0, ready = 0, ringing = 0, connected = 0, calls = 0;
		const struct agent *a;
		for (uint32_t ja = 0; idmap_next(&acd->agents, &ja, NULL, (void **)&a);) {
			for (uint32_t i = 0; i < a->n_mem; i++) {
				if (a->mem[i].queue != q)
					continue;
				logged += a->state != ACD_AGENT_LOGGED_OUT;
				staffed += a->state != ACD_AGENT_LOGGED_OUT &&
					   a->state != ACD_AGENT_NOT_READY && a->mem[i].tier == 0;
				ready += a->state == ACD_AGENT_READY;
			}
		}
		const struct call *c;
		for (uint32_t jc = 0; idmap_next(&acd->calls, &jc, NULL, (void **)&c);) {
			if (c->q != q)
				continue;
			calls++;
			ringing += c->state == ACD_CALL_RINGING && !(c->flags & ACD_F_CALLBACK);
			connected += c->state == ACD_CALL_CONNECTED || c->state == ACD_CALL_HOLD;
		}
		CHECK(logged == q->n_logged && staffed == q->n_staffed && ready == q->n_ready,
		      "queue %u: agent gauges %u/%u/%u, found %u/%u/%u", q->id, q->n_logged,
		      q->n_staffed, q->n_ready, logged, staffed, ready);
		CHECK(ringing == q->n_ringing && connected == q->n_connected && calls == q->n_calls,
		      "queue %u: call gauges %u/%u/%u, found %u/%u/%u", q->id, q->n_ringing,
		      q->n_connected, q->n_calls, ringing, connected, calls);
		/* the books balance: every call that entered is somewhere */
		const struct acd_queue_stats *s = &q->st;
		uint64_t placed = s->answered + s->abandoned + s->overflowed + q->n_waiting + q->n_ringing;
		CHECK(s->offered + q->carried == placed,
		      "queue %u: offered %llu + carried %llu != answered %llu + abandoned %llu + "
		      "overflowed %llu + waiting %u + ringing %u",
		      q->id, (unsigned long long)s->offered, (unsigned long long)q->carried,
		      (unsigned long long)s->answered, (unsigned long long)s->abandoned,
		      (unsigned long long)s->overflowed, q->n_waiting, q->n_ringing);
	}
	return 0;
}

int acd_check(const struct acd *acd, char *buf, unsigned len)
{
	int err;
	CHECK(heap_valid(&acd->timers), "timer heap order broken");
	const struct heap_node *top = heap_top(&acd->timers);
	CHECK(!top || top->k1 > acd->now, "a deadline at %lld is overdue (now %lld)",
	      top ? (long long)top->k1 : 0LL, (long long)acd->now);
	const struct queue *q;
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);)
		if ((err = check_queue(acd, q, buf, len)))
			return err;
	const struct call *c;
	for (uint32_t it = 0; idmap_next(&acd->calls, &it, NULL, (void **)&c);)
		if ((err = check_call(acd, c, buf, len)))
			return err;
	const struct agent *a;
	for (uint32_t it = 0; idmap_next(&acd->agents, &it, NULL, (void **)&a);)
		if ((err = check_agent(acd, a, buf, len)))
			return err;
	return check_gauges(acd, buf, len);
}
