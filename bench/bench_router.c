/*
 * bench_router: routing decisions per second of src/core/acd against a naive
 * ACD that scans every agent (or every waiting caller) per decision, as older
 * ACDs do; plus the cost per decision at 1k, 10k and 100k agents and the
 * memory per waiting caller and per agent.
 *
 * Workload: N agents, 500 queues, 100 skills. Agents take a skill profile
 * (2-6 skills with levels 1-10, popular skills more common); each queue
 * requires 1-3 skills of some profile at minimum levels 1-6, so every queue
 * has agents and agents serve several queues. Strategies are mixed. The loop is
 * a steady state of "call arrives" and "agent becomes free" decisions (about
 * half each) with about 92% of the agents busy, so that some queues have
 * callers waiting while others have agents ready; the full call lifecycle
 * runs around the decisions: every offer is answered, every call is hung up
 * later, callers abandon when too many are waiting.
 * Decisions counted: arrivals + agents becoming free; the time includes the
 * answers, hang-ups and abandons too.
 */
#include "base/clock.h"
#include "base/mem.h"
#include "base/rng.h"
#include "core/acd/acd.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NQUEUES	  500
#define NSKILLS	  100
#define NPROFILES 200

struct profile {
	uint32_t n;
	struct acd_agent_skill s[6];
};

static struct profile profiles[NPROFILES];

/*
 * Skill popularity: skill k is chosen with weight k^-zipf. The default mix
 * (zipf 0.3, queue minimum levels 1-6) has agents in about 8 queues each,
 * as in a large real center; the dense mix (zipf 1, levels 1-4) puts them in
 * about 40, to show what heavy overlap costs.
 */
static double zipf = 0.3;
static int max_min_level = 6;

static uint32_t popular_skill(struct rng *r)
{
	static double cum[NSKILLS + 1];
	static double cum_for = -1;
	if (cum_for != zipf) {
		for (int k = 1; k <= NSKILLS; k++)
			cum[k] = cum[k - 1] + pow(k, -zipf);
		cum_for = zipf;
	}
	double u = rng_uniform(r) * cum[NSKILLS];
	int lo = 1, hi = NSKILLS;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (cum[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static void make_profiles(struct rng *r)
{
	for (int p = 0; p < NPROFILES; p++) {
		struct profile *pr = &profiles[p];
		uint32_t want = 2 + (uint32_t)rng_below(r, 5);
		pr->n = 0;
		while (pr->n < want) {
			uint32_t s = popular_skill(r);
			int dup = 0;
			for (uint32_t i = 0; i < pr->n; i++)
				dup |= pr->s[i].skill == s;
			if (dup)
				continue;
			pr->s[pr->n].skill = s;
			pr->s[pr->n].level = (uint8_t)(4 + rng_below(r, 7));
			pr->n++;
		}
	}
}

static void agent_params(struct rng *r, struct acd_agent_params *ap)
{
	const struct profile *pr = &profiles[rng_below(r, NPROFILES)];
	memset(ap, 0, sizeof(*ap));
	ap->team = 1 + (uint32_t)rng_below(r, 50);
	ap->rank = (uint32_t)rng_below(r, 1000);
	for (uint32_t i = 0; i < pr->n; i++) {
		ap->skills[i] = pr->s[i];
		int lvl = pr->s[i].level + (int)rng_below(r, 5) - 2;
		ap->skills[i].level = (uint8_t)(lvl < 1 ? 1 : lvl > 10 ? 10 : lvl);
	}
	ap->n_skills = pr->n;
}

static void queue_params(struct rng *r, struct acd_queue_params *qp)
{
	static const enum acd_strategy mix[] = {
		ACD_STRATEGY_LONGEST_IDLE, ACD_STRATEGY_LONGEST_IDLE, ACD_STRATEGY_LONGEST_IDLE,
		ACD_STRATEGY_ROUND_ROBIN,  ACD_STRATEGY_FEWEST_CALLS, ACD_STRATEGY_LEAST_TALK,
		ACD_STRATEGY_LINEAR,	   ACD_STRATEGY_RANDOM,	      ACD_STRATEGY_BEST_SKILL,
		ACD_STRATEGY_BEST_SKILL,
	};
	const struct profile *pr = &profiles[rng_below(r, NPROFILES)];
	acd_queue_params_default(qp);
	qp->strategy = mix[rng_below(r, sizeof(mix) / sizeof(mix[0]))];
	qp->wrapup = ACD_WRAPUP_NONE;
	qp->weight = 1 + (uint32_t)rng_below(r, 2);
	qp->ring_timeout_ms = 3600000; /* answers are immediate here */
	uint32_t n = 1 + (uint32_t)rng_below(r, 3);
	if (n > pr->n)
		n = pr->n;
	for (uint32_t i = 0; i < n; i++) {
		qp->req[i].skill = pr->s[i].skill;
		qp->req[i].min_level = (uint8_t)(1 + rng_below(r, (uint64_t)max_min_level));
	}
	qp->n_req = n;
}

/* ---------- the driver shared by both implementations ---------- */

struct offer {
	uint64_t call;
	uint32_t agent;
};

static struct offer *pending;
static uint32_t n_pending;

static void sink(const struct acd_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == ACD_EV_CALL_OFFER) {
		pending[n_pending].call = ev->call;
		pending[n_pending].agent = ev->agent;
		n_pending++;
	}
}

/* Talking agents, as call ids indexed by a dense set for random picks. */
struct busyset {
	uint64_t *call;
	uint32_t n;
};

struct run {
	double decisions_per_s;
	double ns_per_decision;
	uint64_t decisions;
	double waiting_avg;
	double talking_avg;
	double members_per_agent;
};

/* ---------- the naive reference: scan everything per decision ---------- */

struct naive_agent {
	struct acd_agent_params p;
	int state; /* 0 ready, 1 talking */
	int64_t idle_since;
	uint64_t call;
};

struct naive_call {
	uint64_t id;
	uint32_t queue;
	int64_t t;
	int32_t prio;
	struct naive_call *next; /* per-queue FIFO */
};

struct naive {
	struct naive_agent *agents;
	uint32_t n_agents;
	struct acd_queue_params q[NQUEUES + 1];
	struct naive_call *head[NQUEUES + 1], *tail[NQUEUES + 1];
};

static int naive_eligible(const struct naive_agent *a, const struct acd_queue_params *q)
{
	for (uint32_t i = 0; i < q->n_req; i++) {
		int have = 0;
		for (uint32_t k = 0; k < a->p.n_skills; k++)
			if (a->p.skills[k].skill == q->req[i].skill)
				have = a->p.skills[k].level;
		if (have < q->req[i].min_level)
			return 0;
	}
	return 1;
}

/* Call arrives: scan all agents for the longest-idle ready one that qualifies. */
static uint32_t naive_arrive(struct naive *nv, struct naive_call *c)
{
	const struct acd_queue_params *q = &nv->q[c->queue];
	uint32_t best = 0;
	for (uint32_t i = 1; i <= nv->n_agents; i++) {
		const struct naive_agent *a = &nv->agents[i];
		if (a->state != 0 || !naive_eligible(a, q))
			continue;
		if (!best || a->idle_since < nv->agents[best].idle_since)
			best = i;
	}
	if (!best) {
		c->next = NULL;
		if (nv->tail[c->queue])
			nv->tail[c->queue]->next = c;
		else
			nv->head[c->queue] = c;
		nv->tail[c->queue] = c;
	}
	return best;
}

/* Agent free: scan every queue's head for the longest-waiting caller the agent qualifies for. */
static struct naive_call *naive_free(struct naive *nv, uint32_t agent)
{
	struct naive_agent *a = &nv->agents[agent];
	uint32_t best = 0;
	for (uint32_t q = 1; q <= NQUEUES; q++) {
		struct naive_call *h = nv->head[q];
		if (!h || !naive_eligible(a, &nv->q[q]))
			continue;
		if (!best || h->t < nv->head[best]->t)
			best = q;
	}
	if (!best)
		return NULL;
	struct naive_call *c = nv->head[best];
	nv->head[best] = c->next;
	if (!nv->head[best])
		nv->tail[best] = NULL;
	return c;
}

static struct run run_naive(uint32_t n_agents, uint64_t decisions, uint64_t seed)
{
	struct run res = {0};
	struct rng r;
	rng_seed(&r, seed);
	make_profiles(&r);
	struct naive *nv = calloc(1, sizeof(*nv));
	nv->n_agents = n_agents;
	nv->agents = calloc(n_agents + 1, sizeof(*nv->agents));
	for (uint32_t q = 1; q <= NQUEUES; q++)
		queue_params(&r, &nv->q[q]);
	for (uint32_t a = 1; a <= n_agents; a++)
		agent_params(&r, &nv->agents[a].p);
	struct naive_call *calls = calloc(decisions + 1, sizeof(*calls));
	uint32_t *talking = calloc(n_agents, sizeof(*talking));
	uint32_t n_talking = 0;
	int64_t now = 0;
	uint64_t next_call = 1, done = 0;
	uint32_t waiting = 0;
	double waiting_sum = 0;

	uint32_t target = n_agents * 92 / 100;
	int64_t t0 = clock_mono_ns();
	while (done < decisions) {
		now++;
		uint64_t p_arrive = n_talking + waiting < target ? 6 : 4;
		if (n_talking == 0 || rng_below(&r, 10) < p_arrive) {
			struct naive_call *c = &calls[next_call];
			c->id = next_call++;
			c->queue = 1 + (uint32_t)rng_below(&r, NQUEUES);
			c->t = now;
			uint32_t a = naive_arrive(nv, c);
			if (a) {
				nv->agents[a].state = 1;
				nv->agents[a].call = c->id;
				talking[n_talking++] = a;
			} else {
				waiting++;
			}
		} else {
			uint32_t i = (uint32_t)rng_below(&r, n_talking);
			uint32_t a = talking[i];
			talking[i] = talking[--n_talking];
			struct naive_agent *ag = &nv->agents[a];
			ag->state = 0;
			ag->idle_since = now;
			struct naive_call *c = naive_free(nv, a);
			if (c) {
				waiting--;
				ag->state = 1;
				ag->call = c->id;
				talking[n_talking++] = a;
			}
		}
		done++;
		waiting_sum += waiting;
	}
	int64_t t1 = clock_mono_ns();
	res.decisions = done;
	res.ns_per_decision = (double)(t1 - t0) / (double)done;
	res.decisions_per_s = 1e9 / res.ns_per_decision;
	res.waiting_avg = waiting_sum / (double)done;
	free(calls);
	free(talking);
	free(nv->agents);
	free(nv);
	return res;
}

/* ---------- the real core ---------- */

static struct run run_acd(uint32_t n_agents, uint64_t decisions, uint64_t seed, size_t *bytes_agents,
			  size_t *bytes_per_call)
{
	struct run res = {0};
	struct rng r;
	rng_seed(&r, seed);
	make_profiles(&r);
	struct acd *acd;
	struct acd_params ap = {.max_misses = 0, .seed = seed};
	pending = calloc(1024, sizeof(*pending));
	struct mallinfo2 m0 = mallinfo2();
	if (acd_alloc(&acd, &ap, sink, NULL) != 0)
		abort();
	for (uint32_t q = 1; q <= NQUEUES; q++) {
		struct acd_queue_params qp;
		queue_params(&r, &qp);
		if (acd_queue_add(acd, q, &qp) != 0)
			abort();
	}
	for (uint32_t a = 1; a <= n_agents; a++) {
		struct acd_agent_params p;
		agent_params(&r, &p);
		if (acd_agent_add(acd, a, &p) != 0)
			abort();
	}
	int64_t now = 1;
	for (uint32_t a = 1; a <= n_agents; a++)
		acd_agent_login(acd, a, true, now);
	struct mallinfo2 m1 = mallinfo2();
	if (bytes_agents)
		*bytes_agents = m1.uordblks - m0.uordblks;
	uint64_t members = 0;
	for (uint32_t a = 1; a <= n_agents; a++) {
		struct acd_agent_info info;
		acd_agent_info(acd, a, &info);
		members += info.n_queues;
	}
	res.members_per_agent = (double)members / n_agents;

	struct busyset busy = {calloc(n_agents, sizeof(uint64_t)), 0};
	uint64_t *waiting_ids = calloc(decisions + 4 * (uint64_t)n_agents + 16, sizeof(uint64_t));
	uint64_t n_wait_ids = 0, wait_head = 0;
	uint64_t next_call = 1, done = 0;
	double waiting_sum = 0, talking_sum = 0;
	uint32_t cap_wait = n_agents / 5; /* callers abandon beyond this many waiting */

	/* answering the offers a decision made: agents start talking */
#define ANSWER_PENDING()                                                                            \
	do {                                                                                       \
		for (uint32_t k = 0; k < n_pending; k++) {                                         \
			if (acd_call_answer(acd, pending[k].call, pending[k].agent, now) == 0) {  \
				busy.call[busy.n++] = pending[k].call;                             \
			}                                                                          \
		}                                                                                  \
		n_pending = 0;                                                                     \
	} while (0)

	struct mallinfo2 w0 = mallinfo2();
	struct acd_queue_stats st;
	uint32_t target = n_agents * 92 / 100;
	uint32_t waiting_est = 0;
	/* warm up to the target load before the clock starts */
	for (uint64_t warm = 0; busy.n + waiting_est < target && warm < 4 * (uint64_t)n_agents; warm++) {
		now++;
		uint64_t id = next_call++;
		acd_call_enter(acd, id, 1 + (uint32_t)rng_below(&r, NQUEUES), NULL, now, NULL);
		if (n_pending)
			ANSWER_PENDING();
		else
			waiting_ids[n_wait_ids++] = id, waiting_est++;
	}
	int64_t paused = 0;
	int64_t t0 = clock_mono_ns();
	while (done < decisions) {
		now++;
		uint32_t load = busy.n + (uint32_t)(n_wait_ids - wait_head);
		uint64_t p_arrive = load < target ? 6 : 4; /* in tenths: pulls the load to the target */
		if (busy.n == 0 || rng_below(&r, 10) < p_arrive) {
			uint64_t id = next_call++;
			uint32_t q = 1 + (uint32_t)rng_below(&r, NQUEUES);
			acd_call_enter(acd, id, q, NULL, now, NULL);
			if (n_pending)
				ANSWER_PENDING();
			else
				waiting_ids[n_wait_ids++] = id;
		} else {
			uint32_t i = (uint32_t)rng_below(&r, busy.n);
			uint64_t call = busy.call[i];
			busy.call[i] = busy.call[--busy.n];
			acd_call_hangup(acd, call, ACD_SIDE_AGENT, now);
			ANSWER_PENDING();
		}
		done++;
		/* callers give up when the queue is long: the oldest still waiting abandons */
		if ((done & 255) == 0 || n_wait_ids - wait_head > cap_wait) {
			while (n_wait_ids - wait_head > cap_wait) {
				uint64_t id = waiting_ids[wait_head++];
				struct acd_call_info ci;
				if (acd_call_info(acd, id, &ci) == 0 && ci.state == ACD_CALL_WAITING)
					acd_call_hangup(acd, id, ACD_SIDE_CALLER, now);
			}
		}
		if ((done & 16383) == 0) {
			/* sampling the load is not part of the work: stop the clock meanwhile */
			int64_t p0 = clock_mono_ns();
			uint32_t w = 0;
			for (uint32_t q = 1; q <= NQUEUES; q++) {
				acd_queue_stats(acd, q, &st);
				w += st.waiting;
			}
			waiting_sum += w * 16384.0;
			talking_sum += busy.n * 16384.0;
			paused += clock_mono_ns() - p0;
		}
	}
	int64_t t1 = clock_mono_ns() - paused;
	struct mallinfo2 w1 = mallinfo2();
	uint32_t w = 0;
	for (uint32_t q = 1; q <= NQUEUES; q++) {
		acd_queue_stats(acd, q, &st);
		w += st.waiting;
	}
	if (bytes_per_call && w)
		*bytes_per_call = (w1.uordblks > w0.uordblks ? w1.uordblks - w0.uordblks : 0) / w;
	res.decisions = done;
	res.ns_per_decision = (double)(t1 - t0) / (double)done;
	res.decisions_per_s = 1e9 / res.ns_per_decision;
	res.waiting_avg = waiting_sum / (double)done;
	res.talking_avg = talking_sum / (double)done;
	char buf[256];
	if (acd_check(acd, buf, sizeof(buf)) != 0) {
		fprintf(stderr, "bench_router: invariant broken: %s\n", buf);
		abort();
	}
	acd_free(acd);
	free(busy.call);
	free(waiting_ids);
	free(pending);
	return res;
}

static void result(const char *name, double value, const char *unit, double ref, double ratio)
{
	printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", ", name, value, unit);
	if (isnan(ref))
		printf("\"reference\": null, \"ratio\": null}\n");
	else
		printf("\"reference\": %.6g, \"ratio\": %.6g}\n", ref, ratio);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000;
	uint64_t seed = 20261128;
	if (argc > 2) {
		/* bench_router N AGENTS: one run of the core only (for profiling) */
		struct run one = run_acd((uint32_t)strtoul(argv[2], NULL, 10), n, seed, NULL, NULL);
		fprintf(stderr, "%.0f ns per decision, %.1f queues per agent\n", one.ns_per_decision,
			one.members_per_agent);
		return 0;
	}

	/* the headline: 10k agents, ours against the naive scan on the same workload */
	size_t agent_bytes = 0, call_bytes = 0;
	struct run ours = run_acd(10000, n, seed, &agent_bytes, &call_bytes);
	struct run naive = run_naive(10000, n / 100 < 20000 ? 20000 : n / 100, seed);
	fprintf(stderr,
		"router, 10k agents, 500 queues, 100 skills: %.0f decisions/s (%.0f ns each), "
		"%.1f queues per agent, %.0f callers waiting and %.0f agents talking on average\n",
		ours.decisions_per_s, ours.ns_per_decision, ours.members_per_agent, ours.waiting_avg,
		ours.talking_avg);
	fprintf(stderr, "naive scan on the same workload: %.0f decisions/s (%.0f ns each)\n",
		naive.decisions_per_s, naive.ns_per_decision);
	result("router decisions per second, 10k agents", ours.decisions_per_s, "decisions/s",
	       naive.decisions_per_s, ours.decisions_per_s / naive.decisions_per_s);

	/* scaling */
	struct run s1k = run_acd(1000, n, seed, NULL, NULL);
	struct run s100k = run_acd(100000, n, seed, NULL, NULL);
	fprintf(stderr, "cost per decision: 1k agents %.0f ns, 10k %.0f ns, 100k %.0f ns\n",
		s1k.ns_per_decision, ours.ns_per_decision, s100k.ns_per_decision);
	result("router ns per decision, 1k agents", s1k.ns_per_decision, "ns", NAN, NAN);
	result("router ns per decision, 10k agents", ours.ns_per_decision, "ns", NAN, NAN);
	result("router ns per decision, 100k agents", s100k.ns_per_decision, "ns", NAN, NAN);
	/* growth from 1k to 100k against a log n bound: ratio >= 1 means no faster than log n */
	double growth = s100k.ns_per_decision / s1k.ns_per_decision;
	double logbound = log(100000.0) / log(1000.0);
	result("router cost growth 1k->100k agents (log n bound as reference)", growth, "x", logbound,
	       logbound / growth);

	/* heavy overlap: agents in about 40 queues each */
	zipf = 1.0;
	max_min_level = 4;
	struct run dense = run_acd(10000, n, seed, NULL, NULL);
	fprintf(stderr, "dense overlap (%.1f queues per agent): %.0f ns per decision\n",
		dense.members_per_agent, dense.ns_per_decision);
	result("router decisions per second, 10k agents in ~40 queues each", dense.decisions_per_s,
	       "decisions/s", NAN, NAN);

	unsigned cb, ab, mb;
	acd_sizes(&cb, &ab, &mb);
	fprintf(stderr,
		"memory: %u bytes per waiting caller (struct + map), %u per agent + %u per queue "
		"membership; measured: %zu bytes per agent with its memberships\n",
		cb, ab, mb, agent_bytes / 10000);
	result("router bytes per agent (10k agents, measured)", (double)agent_bytes / 10000, "bytes",
	       NAN, NAN);
	result("router bytes per waiting caller", (double)cb, "bytes", NAN, NAN);
	return 0;
}
