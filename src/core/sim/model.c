/* model: building and checking a simulation scenario (see sim.h). */
#include "core/sim/sim.h"

#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sim_scenario_alloc(struct sim_scenario **scp)
{
	if (!scp)
		return EINVAL;
	struct sim_scenario *sc = sb_zalloc(sizeof(*sc));
	if (!sc)
		return ENOMEM;
	sc->interval_ms = 30 * 60 * 1000;
	sc->n_intervals = 1;
	sc->warmup_intervals = 0;
	sc->drain_ms = 60 * 60 * 1000;
	sc->ring_delay_ms = 0;
	sc->replications = 10;
	sc->seed = 1;
	*scp = sc;
	return 0;
}

void sim_scenario_free(struct sim_scenario *sc)
{
	if (!sc)
		return;
	for (uint32_t i = 0; i < sc->n_queues; i++) {
		sb_free(sc->queues[i].calls);
		sim_dist_release(&sc->queues[i].handle);
		sim_dist_release(&sc->queues[i].patience);
	}
	for (uint32_t i = 0; i < sc->n_groups; i++) {
		sb_free(sc->groups[i].agents);
		sb_free(sc->groups[i].shifts);
	}
	sb_free(sc->groups);
	sb_free(sc);
}

static bool name_ok(const char *name)
{
	return name && name[0] && strlen(name) < SIM_NAME_MAX;
}

int sim_scenario_skill(struct sim_scenario *sc, const char *name, uint32_t *id)
{
	if (!sc || !name_ok(name) || !id)
		return EINVAL;
	for (uint32_t i = 0; i < sc->n_skills; i++) {
		if (strcmp(sc->skills[i], name) == 0) {
			*id = i + 1;
			return 0;
		}
	}
	if (sc->n_skills == SIM_MAX_SKILLS)
		return ENOSPC;
	snprintf(sc->skills[sc->n_skills], SIM_NAME_MAX, "%s", name);
	*id = ++sc->n_skills;
	return 0;
}

int sim_scenario_queue_index(const struct sim_scenario *sc, const char *name)
{
	for (uint32_t i = 0; name && i < sc->n_queues; i++)
		if (strcmp(sc->queues[i].name, name) == 0)
			return (int)i;
	return -1;
}

int sim_scenario_group_index(const struct sim_scenario *sc, const char *name)
{
	for (uint32_t i = 0; name && i < sc->n_groups; i++)
		if (strcmp(sc->groups[i].name, name) == 0)
			return (int)i;
	return -1;
}

int sim_scenario_add_queue(struct sim_scenario *sc, const char *name, struct sim_queue **out)
{
	if (!sc || !name_ok(name) || !out)
		return EINVAL;
	if (sim_scenario_queue_index(sc, name) >= 0)
		return EEXIST;
	if (sc->n_queues == SIM_MAX_QUEUES)
		return ENOSPC;
	struct sim_queue *q = &sc->queues[sc->n_queues++];
	memset(q, 0, sizeof(*q));
	snprintf(q->name, sizeof(q->name), "%s", name);
	acd_queue_params_default(&q->p);
	q->p.wrapup = ACD_WRAPUP_NONE;
	q->p.wrapup_ms = 0;
	sim_dist_none(&q->handle);
	sim_dist_none(&q->patience);
	*out = q;
	return 0;
}

int sim_scenario_add_group(struct sim_scenario *sc, const char *name, struct sim_group **out)
{
	if (!sc || !name_ok(name) || !out)
		return EINVAL;
	if (sim_scenario_group_index(sc, name) >= 0)
		return EEXIST;
	if (sc->n_groups == SIM_MAX_GROUPS)
		return ENOSPC;
	if (sc->n_groups == sc->cap_groups) {
		uint32_t cap = sc->cap_groups ? sc->cap_groups * 2 : 8;
		struct sim_group *g = sb_realloc(sc->groups, cap * sizeof(*g));
		if (!g)
			return ENOMEM;
		sc->groups = g;
		sc->cap_groups = cap;
	}
	struct sim_group *g = &sc->groups[sc->n_groups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	*out = g;
	return 0;
}

int sim_queue_set_calls(struct sim_queue *q, const double *calls, uint32_t n)
{
	if (!q || (n && !calls))
		return EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (!(calls[i] >= 0) || !isfinite(calls[i]))
			return EINVAL;
	double *v = n ? sb_alloc(n * sizeof(*v)) : NULL;
	if (n && !v)
		return ENOMEM;
	if (n)
		memcpy(v, calls, n * sizeof(*v));
	sb_free(q->calls);
	q->calls = v;
	q->n_calls = n;
	return 0;
}

int sim_group_set_agents(struct sim_group *g, const uint32_t *agents, uint32_t n)
{
	if (!g || (n && !agents))
		return EINVAL;
	uint32_t *v = n ? sb_alloc(n * sizeof(*v)) : NULL;
	if (n && !v)
		return ENOMEM;
	if (n)
		memcpy(v, agents, n * sizeof(*v));
	sb_free(g->agents);
	g->agents = v;
	g->n_agents = n;
	return 0;
}

int sim_group_add_shift(struct sim_group *g, int64_t start_ms, int64_t end_ms, uint32_t agents)
{
	if (!g || start_ms < 0 || end_ms <= start_ms)
		return EINVAL;
	struct sim_shift *v = sb_realloc(g->shifts, (g->n_shifts + 1) * sizeof(*v));
	if (!v)
		return ENOMEM;
	g->shifts = v;
	v[g->n_shifts++] = (struct sim_shift){start_ms, end_ms, agents};
	return 0;
}

static int bad(char *why, size_t len, const char *fmt, ...)
{
	if (why && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return EINVAL;
}

static bool dist_ok(const struct sim_dist *d)
{
	switch (d->kind) {
	case SIM_DIST_NONE:
		return true;
	case SIM_DIST_FIXED:
		return d->mean >= 0 && isfinite(d->mean);
	case SIM_DIST_EXPONENTIAL:
	case SIM_DIST_LOGNORMAL:
		return d->mean > 0 && isfinite(d->mean) && d->sd >= 0 && isfinite(d->sd);
	case SIM_DIST_EMPIRICAL:
		return d->values && d->n_values > 0;
	default:
		return false;
	}
}

int sim_scenario_check(const struct sim_scenario *sc, char *why, size_t len)
{
	if (!sc)
		return bad(why, len, "no scenario");
	if (sc->interval_ms <= 0)
		return bad(why, len, "interval_s: must be > 0");
	if (sc->n_intervals < 1 || sc->n_intervals > 100000)
		return bad(why, len, "intervals: must be 1..100000");
	if (sc->interval_ms > INT64_MAX / 4 / (int64_t)sc->n_intervals)
		return bad(why, len, "interval_s: the horizon is too long");
	if (sc->warmup_intervals >= sc->n_intervals)
		return bad(why, len, "warmup_intervals: must be fewer than intervals");
	if (sc->drain_ms < 0 || sc->drain_ms > 366LL * 86400000)
		return bad(why, len, "drain_s: must be 0..31622400 (a year)");
	if (sc->ring_delay_ms < 0)
		return bad(why, len, "ring_delay_s: must be >= 0");
	if (sc->replications < 1 || sc->replications > 1000000)
		return bad(why, len, "replications: must be 1..1000000");
	if (sc->n_queues < 1)
		return bad(why, len, "queues: at least one queue is needed");
	if (sc->n_groups < 1)
		return bad(why, len, "groups: at least one agent group is needed");
	for (uint32_t i = 0; i < sc->n_queues; i++) {
		const struct sim_queue *q = &sc->queues[i];
		if (q->n_calls != sc->n_intervals)
			return bad(why, len, "queues[%u].arrivals: %u values for %u intervals", i,
				   q->n_calls, sc->n_intervals);
		if (q->handle.kind == SIM_DIST_NONE || !dist_ok(&q->handle))
			return bad(why, len,
				   "queues[%u].handle_time: a distribution of durations is needed",
				   i);
		if (!dist_ok(&q->patience))
			return bad(why, len, "queues[%u].patience: bad distribution", i);
		if (sc->ring_delay_ms >= q->p.ring_timeout_ms)
			return bad(why, len,
				   "ring_delay_s: must be shorter than queues[%u].ring_timeout_s",
				   i);
		if (q->p.wrapup == ACD_WRAPUP_MANUAL)
			return bad(why, len,
				   "queues[%u].wrapup_s: manual wrap-up is simulated as timed", i);
		for (uint32_t k = 0; k < q->p.n_req; k++)
			if (q->p.req[k].skill < 1 || q->p.req[k].skill > sc->n_skills)
				return bad(why, len, "queues[%u].skills: unknown skill id %u", i,
					   q->p.req[k].skill);
		for (uint32_t k = 0; k < q->p.n_tiers; k++)
			if (q->p.tiers[k].group > sc->n_groups)
				return bad(why, len, "queues[%u].tiers[%u].group: unknown group", i,
					   k);
		if (q->p.group > sc->n_groups)
			return bad(why, len, "queues[%u].group: unknown group", i);
		if (q->p.overflow == ACD_OVERFLOW_QUEUE &&
		    (q->p.overflow_queue < 1 || q->p.overflow_queue > sc->n_queues))
			return bad(why, len, "queues[%u].overflow_queue: unknown queue", i);
	}
	for (uint32_t i = 0; i < sc->n_groups; i++) {
		const struct sim_group *g = &sc->groups[i];
		if (g->n_agents && g->n_agents != sc->n_intervals)
			return bad(why, len, "groups[%u].agents: %u values for %u intervals", i,
				   g->n_agents, sc->n_intervals);
		if (g->n_skills > ACD_MAX_SKILLS)
			return bad(why, len, "groups[%u].skills: at most %d skills", i,
				   ACD_MAX_SKILLS);
		for (uint32_t k = 0; k < g->n_skills; k++) {
			if (g->skills[k].skill < 1 || g->skills[k].skill > sc->n_skills)
				return bad(why, len, "groups[%u].skills: unknown skill id %u", i,
					   g->skills[k].skill);
			if (g->skills[k].level < 1 || g->skills[k].level > ACD_MAX_LEVEL)
				return bad(why, len, "groups[%u].skills: levels are 1..%d", i,
					   ACD_MAX_LEVEL);
			for (uint32_t j = 0; j < k; j++)
				if (g->skills[j].skill == g->skills[k].skill)
					return bad(why, len,
						   "groups[%u].skills: skill listed twice", i);
		}
		uint64_t most = 0;
		for (uint32_t k = 0; k < g->n_agents; k++)
			most = g->agents[k] > most ? g->agents[k] : most;
		for (uint32_t k = 0; k < g->n_shifts; k++) {
			if (g->shifts[k].start_ms < 0 ||
			    g->shifts[k].end_ms <= g->shifts[k].start_ms)
				return bad(why, len,
					   "groups[%u].shifts[%u]: needs 0 <= start < end", i, k);
			most += g->shifts[k].agents;
		}
		if (most > 1000000)
			return bad(why, len, "groups[%u]: more than 1000000 agents", i);
	}
	/* the router checks the rest of each queue's parameters itself */
	struct acd *acd;
	struct acd_params ap = {0};
	if (acd_alloc(&acd, &ap, NULL, NULL) != 0)
		return ENOMEM;
	int err = 0;
	for (uint32_t i = 0; i < sc->n_queues && !err; i++) {
		err = acd_queue_add(acd, i + 1, &sc->queues[i].p);
		if (err == EINVAL)
			bad(why, len,
			    "queues[%u]: parameters rejected by the router (check thresholds, "
			    "tiers, overflow)",
			    i);
		else if (err)
			bad(why, len, "queues[%u]: %s", i, strerror(err));
	}
	for (uint32_t i = 0; i < sc->n_groups && !err; i++) {
		struct acd_agent_params p = {0};
		p.team = i + 1;
		memcpy(p.skills, sc->groups[i].skills, sizeof(p.skills));
		p.n_skills = sc->groups[i].n_skills;
		err = acd_agent_add(acd, i + 1, &p);
		if (err == EINVAL)
			bad(why, len, "groups[%u]: agent parameters rejected by the router", i);
		else if (err)
			bad(why, len, "groups[%u]: %s", i, strerror(err));
	}
	acd_free(acd);
	return err;
}
