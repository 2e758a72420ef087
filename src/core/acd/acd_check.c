/* acd_check: walks every ACD structure and verifies the invariants the router relies on. */
#include "core/acd/acd_impl.h"

#include "base/mem.h"

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

static bool entry_valid(const struct acd *acd, const struct pentry *e)
{
	return acd->epochs[e->slot] == e->epoch;
}

static bool entry_less(const struct pentry *x, const struct pentry *y)
{
	if (x->k1 != y->k1)
		return x->k1 < y->k1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2;
	return x->id < y->id;
}

/* Current entries per (queue, agent) and per (queue, tier), counted in one pass over the pools. */
struct census {
	struct idmap by_agent; /* (queue << 32 | agent) -> count */
	struct idmap by_tier;  /* (queue << 8 | tier) + 1 -> count */
};

static void census_add(struct idmap *m, uint64_t key)
{
	uintptr_t n = (uintptr_t)idmap_get(m, key);
	idmap_put(m, key, (void *)(n + 1));
}

static void census_take(const struct acd *acd, struct census *cs)
{
	idmap_init(&cs->by_agent);
	idmap_init(&cs->by_tier);
	const struct queue *q;
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);)
		for (uint32_t t = 0; t <= ACD_MAX_TIERS; t++) {
			const struct pool *pl = &q->pools[t];
			for (uint32_t i = 0; i < pl->n + pl->fn; i++) {
				const struct pentry *e = i < pl->n ? &pl->v[i]
								   : &pl->f[(pl->fh + i - pl->n) % pl->fcap];
				if (!entry_valid(acd, e))
					continue;
				census_add(&cs->by_agent, ((uint64_t)q->id << 32) | e->id);
				census_add(&cs->by_tier, (((uint64_t)q->id << 8) | t) + 1);
			}
		}
}

static uint32_t census_get(const struct idmap *m, uint64_t key)
{
	return (uint32_t)(uintptr_t)idmap_get(m, key);
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
	bool ordered = q->p.strategy != ACD_STRATEGY_RANDOM;
	for (uint32_t t = 0; t <= ACD_MAX_TIERS; t++) {
		const struct pool *pl = &q->pools[t];
		CHECK(pl->n + pl->fn <= 2 * q->members[t] + 9,
		      "queue %u: pool %u holds %u entries for %u members", q->id, t, pl->n + pl->fn,
		      q->members[t]);
		CHECK(pl->fcap == 0 || (pl->fcap & (pl->fcap - 1)) == 0,
		      "queue %u: pool %u FIFO capacity %u", q->id, t, pl->fcap);
		CHECK(ordered || pl->fn == 0, "queue %u: random pool with a FIFO lane", q->id);
		for (uint32_t i = 0; i < pl->n + pl->fn; i++) {
			bool fifo = i >= pl->n;
			uint32_t k = fifo ? i - pl->n : i;
			const struct pentry *e = fifo ? &pl->f[(pl->fh + k) % pl->fcap] : &pl->v[i];
			if (fifo)
				CHECK(k == 0 || !entry_less(e, &pl->f[(pl->fh + k - 1) % pl->fcap]),
				      "queue %u: pool %u FIFO out of order", q->id, t);
			else
				CHECK(!ordered || i == 0 || !entry_less(e, &pl->v[(i - 1) / 2]),
				      "queue %u: pool %u heap order broken", q->id, t);
			CHECK(e->slot < acd->n_slots, "queue %u: pool entry with a bad slot", q->id);
			if (!entry_valid(acd, e))
				continue;
			const struct agent *a = acd->by_slot[e->slot];
			CHECK(a && a->id == e->id && idmap_get(&acd->agents, e->id) == a,
			      "queue %u: current pool entry of a gone agent", q->id);
			CHECK(a->state == ACD_AGENT_READY,
			      "queue %u: current pool entry of agent %u who is %s", q->id, a->id,
			      acd_agent_state_name(a->state));
			CHECK(a->in_pools, "queue %u: agent %u has a current entry but is not in the pools",
			      q->id, a->id);
			bool member = false;
			for (uint32_t m = 0; m < a->n_mem; m++)
				member = member || (a->mem[m].queue == q && a->mem[m].tier == t);
			CHECK(member, "queue %u: agent %u in pool %u without that membership", q->id, a->id,
			      t);
		}
	}
	uint32_t waiting = 0, cbw = 0;
	for (uint32_t b = 0; b < q->n_bands; b++) {
		const struct band *bd = &q->bands[b];
		CHECK(b == 0 || q->bands[b - 1].prio > bd->prio, "queue %u: bands out of order", q->id);
		uint32_t n = 0;
		const struct call *prev = NULL;
		dlist_for_each(it, &bd->calls)
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

static int check_call(const struct acd *acd, const struct census *cs, const struct call *c,
		      char *buf, unsigned len)
{
	const struct queue *q = c->q;
	unsigned long long id = (unsigned long long)c->id;
	CHECK(q && idmap_get(&acd->queues, q->id) == q, "call %llu: no queue", id);
	CHECK(((c->armed & CALL_T_RING) != 0) == heap_node_linked(&c->t_ring.hn) &&
		  ((c->armed & CALL_T_WIDEN) != 0) == heap_node_linked(&c->t_widen.hn) &&
		  ((c->armed & CALL_T_WAIT) != 0) == heap_node_linked(&c->t_wait.hn),
	      "call %llu: timer bits %u disagree with the heap", id, c->armed);
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
			uint32_t n = census_get(&cs->by_tier, (((uint64_t)q->id << 8) | t) + 1);
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
		CHECK(!c->band && a && a->call == c, "call %llu: connected but agent disagrees",
		      id);
		CHECK(!heap_node_linked(&c->t_ring.hn) && !heap_node_linked(&c->t_widen.hn) &&
			  !heap_node_linked(&c->t_wait.hn),
		      "call %llu: connected with a timer running", id);
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

static int check_agent(const struct acd *acd, const struct census *cs, const struct agent *a,
		       char *buf, unsigned len)
{
	CHECK((a->state == ACD_AGENT_READY) == a->in_pools, "agent %u: %s but in_pools=%d", a->id,
	      acd_agent_state_name(a->state), a->in_pools);
	for (uint32_t i = 0; i < a->n_mem; i++) {
		const struct member *m = &a->mem[i];
		CHECK(idmap_get(&acd->queues, m->queue->id) == m->queue, "agent %u: stale membership",
		      a->id);
		uint32_t n = census_get(&cs->by_agent, ((uint64_t)m->queue->id << 32) | a->id);
		CHECK(n == (a->in_pools ? 1u : 0u), "agent %u: %u current entries in queue %u's pool",
		      a->id, n, m->queue->id);
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

struct tally {
	uint32_t logged, staffed, ringing, connected, calls;
	uint32_t members[ACD_MAX_TIERS + 1];
	uint32_t live[ACD_MAX_TIERS + 1];
};

/* Gauges and books, recounted in one pass over agents and calls. */
static int check_gauges(const struct acd *acd, char *buf, unsigned len)
{
	uint32_t nq = idmap_count(&acd->queues);
	if (nq == 0)
		return 0;
	struct tally *tl = sb_calloc(nq, sizeof(*tl));
	struct idmap index; /* queue id -> tally slot + 1 */
	idmap_init(&index);
	if (!tl)
		return fail(buf, len, "out of memory in the check");
	const struct queue *q;
	uintptr_t slot = 0;
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);)
		idmap_put(&index, q->id, (void *)++slot);
	const struct agent *a;
	for (uint32_t it = 0; idmap_next(&acd->agents, &it, NULL, (void **)&a);)
		for (uint32_t i = 0; i < a->n_mem; i++) {
			struct tally *t = &tl[(uintptr_t)idmap_get(&index, a->mem[i].queue->id) - 1];
			t->logged += a->state != ACD_AGENT_LOGGED_OUT;
			t->staffed += a->state != ACD_AGENT_LOGGED_OUT && a->state != ACD_AGENT_NOT_READY &&
				      a->mem[i].tier == 0;
			t->members[a->mem[i].tier]++;
			t->live[a->mem[i].tier] += a->in_pools;
		}
	const struct call *c;
	for (uint32_t it = 0; idmap_next(&acd->calls, &it, NULL, (void **)&c);) {
		struct tally *t = &tl[(uintptr_t)idmap_get(&index, c->q->id) - 1];
		t->calls++;
		t->ringing += c->state == ACD_CALL_RINGING && !(c->flags & ACD_F_CALLBACK);
		t->connected += c->state == ACD_CALL_CONNECTED || c->state == ACD_CALL_HOLD;
	}
	int err = 0;
	for (uint32_t it = 0; !err && idmap_next(&acd->queues, &it, NULL, (void **)&q);) {
		const struct tally *t = &tl[(uintptr_t)idmap_get(&index, q->id) - 1];
		const struct acd_queue_stats *s = &q->st;
		uint64_t placed = s->answered + s->abandoned + s->overflowed + q->n_waiting + q->n_ringing;
		if (t->logged != q->n_logged || t->staffed != q->n_staffed)
			err = fail(buf, len, "queue %u: agent gauges %u/%u, found %u/%u", q->id,
				   q->n_logged, q->n_staffed, t->logged, t->staffed);
		else if (t->ringing != q->n_ringing || t->connected != q->n_connected ||
			 t->calls != q->n_calls)
			err = fail(buf, len, "queue %u: call gauges %u/%u/%u, found %u/%u/%u", q->id,
				   q->n_ringing, q->n_connected, q->n_calls, t->ringing, t->connected,
				   t->calls);
		else if (s->offered + q->carried != placed)
			/* the books balance: every call that entered is somewhere */
			err = fail(buf, len,
				   "queue %u: offered %llu + carried %llu != answered %llu + abandoned "
				   "%llu + overflowed %llu + waiting %u + ringing %u",
				   q->id, (unsigned long long)s->offered, (unsigned long long)q->carried,
				   (unsigned long long)s->answered, (unsigned long long)s->abandoned,
				   (unsigned long long)s->overflowed, q->n_waiting, q->n_ringing);
		for (uint32_t k = 0; !err && k <= ACD_MAX_TIERS; k++)
			if (t->members[k] != q->members[k])
				err = fail(buf, len, "queue %u: pool %u members %u, found %u",
					   q->id, k, q->members[k], t->members[k]);
			else if (t->live[k] != q->pools[k].live)
				err = fail(buf, len, "queue %u: pool %u live %u, found %u", q->id,
					   k, q->pools[k].live, t->live[k]);
	}
	idmap_release(&index);
	sb_free(tl);
	return err;
}

int acd_check(const struct acd *acd, char *buf, unsigned len)
{
	int err = 0;
	CHECK(heap_valid(&acd->timers), "timer heap order broken");
	const struct heap_node *top = heap_top(&acd->timers);
	CHECK(!top || top->k1 > acd->now, "a deadline at %lld is overdue (now %lld)",
	      top ? (long long)top->k1 : 0LL, (long long)acd->now);
	const struct queue *q;
	for (uint32_t it = 0; idmap_next(&acd->queues, &it, NULL, (void **)&q);)
		if ((err = check_queue(acd, q, buf, len)))
			return err;
	struct census cs;
	census_take(acd, &cs);
	const struct call *c;
	for (uint32_t it = 0; !err && idmap_next(&acd->calls, &it, NULL, (void **)&c);)
		err = check_call(acd, &cs, c, buf, len);
	const struct agent *a;
	for (uint32_t it = 0; !err && idmap_next(&acd->agents, &it, NULL, (void **)&a);)
		err = check_agent(acd, &cs, a, buf, len);
	idmap_release(&cs.by_agent);
	idmap_release(&cs.by_tier);
	return err ? err : check_gauges(acd, buf, len);
}
