/* scenario: the JSON scenario format of `switchboard simulate` (see scenario.h, docs/simulate.md).
 */
#include "cli/scenario.h"

#include "base/json.h"
#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_FILE    (64u << 20) /* scenarios are small; refuse anything absurd */
#define MAX_VALUES  1000000u	/* entries of an empirical distribution */
#define MAX_SECONDS 31622400.0	/* a year */

struct pctx {
	struct sim_scenario *sc;
	char *why;
	size_t len;
	uint32_t n; /* intervals */
};

static int fail(struct pctx *p, const char *path, const char *key, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->why && p->len)
		snprintf(p->why, p->len, "%s%s%s: %s", path, path[0] && key ? "." : "",
			 key ? key : "", msg);
	return EINVAL;
}

static int check_keys(struct pctx *p, const char *path, const cJSON *obj,
		      const char *const *allowed)
{
	if (!cJSON_IsObject(obj))
		return fail(p, path, NULL, "must be an object");
	const char *stray = NULL;
	if (json_only_keys(obj, allowed, &stray) != 0)
		return fail(p, path, NULL, "unknown field \"%.60s\"", stray ? stray : "?");
	return 0;
}

/* A number in [min, max]; absent: *out = def when optional, else an error. */
static int get_num(struct pctx *p, const char *path, const cJSON *obj, const char *key, double min,
		   double max, bool required, double def, double *out)
{
	int err = json_get_double(obj, key, min, max, out);
	if (err == ENOENT) {
		if (required)
			return fail(p, path, key, "missing");
		*out = def;
		return 0;
	}
	if (err)
		return fail(p, path, key, "must be a number from %.10g to %.10g", min, max);
	return 0;
}

static int get_int(struct pctx *p, const char *path, const cJSON *obj, const char *key, int64_t min,
		   int64_t max, bool required, int64_t def, int64_t *out)
{
	int err = json_get_i64(obj, key, min, max, out);
	if (err == ENOENT) {
		if (required)
			return fail(p, path, key, "missing");
		*out = def;
		return 0;
	}
	if (err)
		return fail(p, path, key, "must be an integer from %lld to %lld", (long long)min,
			    (long long)max);
	return 0;
}

/* Seconds to milliseconds (nearest). */
static int get_ms(struct pctx *p, const char *path, const cJSON *obj, const char *key, double min_s,
		  bool required, double def_s, int64_t *out)
{
	double v;
	int err = get_num(p, path, obj, key, min_s, MAX_SECONDS, required, def_s, &v);
	if (!err)
		*out = llround(v * 1000.0);
	return err;
}

static int get_name(struct pctx *p, const char *path, const cJSON *obj, const char *key,
		    const char **out)
{
	int err = json_get_str(obj, key, SIM_NAME_MAX - 1, out);
	if (err == ENOENT)
		return fail(p, path, key, "missing");
	if (err || !(*out)[0])
		return fail(p, path, key, "must be a non-empty string of at most %d bytes",
			    SIM_NAME_MAX - 1);
	return 0;
}

/* A number for every interval, or one array entry per interval. */
static int get_series(struct pctx *p, const char *path, const cJSON *obj, const char *key,
		      bool integers, double *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!it)
		return fail(p, path, key, "missing");
	double max = integers ? 1000000 : 1e9;
	if (cJSON_IsNumber(it)) {
		double v = 0;
		int64_t iv = 0;
		int err;
		if (integers) {
			err = json_as_i64(it, 0, (int64_t)max, &iv);
			v = (double)iv;
		} else {
			err = json_as_double(it, 0, max, &v);
		}
		if (err)
			return fail(p, path, key,
				    "must be %s from 0 to %.10g (or an array of them)",
				    integers ? "an integer" : "a number", max);
		for (uint32_t i = 0; i < p->n; i++)
			out[i] = v;
		return 0;
	}
	if (!cJSON_IsArray(it))
		return fail(p, path, key, "must be a number or an array with one per interval");
	int n = cJSON_GetArraySize(it);
	if (n != (int)p->n)
		return fail(p, path, key, "has %d values for %u intervals", n, p->n);
	uint32_t i = 0;
	for (const cJSON *e = it->child; e; e = e->next, i++) {
		int err;
		double v = 0;
		if (integers) {
			int64_t iv = 0;
			err = json_as_i64(e, 0, (int64_t)max, &iv);
			v = (double)iv;
		} else {
			err = json_as_double(e, 0, max, &v);
		}
		if (err)
			return fail(p, path, key, "[%u] must be %s from 0 to %.10g", i,
				    integers ? "an integer" : "a number", max);
		out[i] = v;
	}
	return 0;
}

/* {"skill": level, ...} */
static int get_skills(struct pctx *p, const char *path, const cJSON *obj, const char *key,
		      uint32_t max, uint32_t *ids, uint8_t *levels, uint32_t *n)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	*n = 0;
	if (!it)
		return 0;
	if (!cJSON_IsObject(it))
		return fail(p, path, key, "must be an object of skill names and levels");
	for (const cJSON *s = it->child; s; s = s->next) {
		if (*n == max)
			return fail(p, path, key, "at most %u skills", max);
		int64_t lv;
		if (json_as_i64(s, 1, ACD_MAX_LEVEL, &lv) != 0)
			return fail(p, path, key,
				    "\"%.60s\": the level must be an integer from 1 to %d",
				    s->string, ACD_MAX_LEVEL);
		uint32_t id;
		int err = sim_scenario_skill(p->sc, s->string, &id);
		if (err == ENOSPC)
			return fail(p, path, key, "too many skill names (at most %d)",
				    SIM_MAX_SKILLS);
		if (err)
			return fail(p, path, key, "\"%.60s\": skill names are 1 to %d bytes",
				    s->string, SIM_NAME_MAX - 1);
		ids[*n] = id;
		levels[*n] = (uint8_t)lv;
		(*n)++;
	}
	return 0;
}

static int get_dist(struct pctx *p, const char *path, const cJSON *obj, const char *key,
		    bool allow_none, struct sim_dist *d)
{
	char sub[160];
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!it) {
		if (allow_none) {
			sim_dist_none(d);
			return 0;
		}
		return fail(p, path, key, "missing");
	}
	if (!cJSON_IsObject(it))
		return fail(
		    p, path, key,
		    "must be an object such as {\"dist\": \"exponential\", \"mean_s\": 180}");
	const char *name;
	if (json_get_str(it, "dist", 0, &name) != 0)
		return fail(p, sub, "dist", "missing or not a string");
	int kind = sim_dist_parse(name);
	if (kind < 0 || (kind == SIM_DIST_NONE && !allow_none))
		return fail(p, sub, "dist", "\"%.40s\" is not one of %s", name,
			    allow_none ? "exponential, lognormal, empirical, fixed, none"
				       : "exponential, lognormal, empirical, fixed");
	static const char *const k_none[] = {"dist", NULL};
	static const char *const k_fixed[] = {"dist", "value_s", NULL};
	static const char *const k_exp[] = {"dist", "mean_s", NULL};
	static const char *const k_logn[] = {"dist", "mean_s", "sd_s", "cv", NULL};
	static const char *const k_emp[] = {"dist", "values_s", NULL};
	static const char *const *const keys[] = {
	    [SIM_DIST_NONE] = k_none,	    [SIM_DIST_FIXED] = k_fixed,
	    [SIM_DIST_EXPONENTIAL] = k_exp, [SIM_DIST_LOGNORMAL] = k_logn,
	    [SIM_DIST_EMPIRICAL] = k_emp,
	};
	int err = check_keys(p, sub, it, keys[kind]);
	if (err)
		return err;
	double v, sd;
	switch (kind) {
	case SIM_DIST_NONE:
		sim_dist_none(d);
		return 0;
	case SIM_DIST_FIXED:
		err = get_num(p, sub, it, "value_s", 0, MAX_SECONDS, true, 0, &v);
		return err ? err : sim_dist_fixed(d, v * 1000.0);
	case SIM_DIST_EXPONENTIAL:
		err = get_num(p, sub, it, "mean_s", 1e-3, MAX_SECONDS, true, 0, &v);
		return err ? err : sim_dist_exponential(d, v * 1000.0);
	case SIM_DIST_LOGNORMAL: {
		err = get_num(p, sub, it, "mean_s", 1e-3, MAX_SECONDS, true, 0, &v);
		if (err)
			return err;
		bool has_sd = cJSON_GetObjectItemCaseSensitive(it, "sd_s") != NULL;
		bool has_cv = cJSON_GetObjectItemCaseSensitive(it, "cv") != NULL;
		if (has_sd == has_cv)
			return fail(p, sub, NULL, "give exactly one of sd_s and cv");
		if (has_sd) {
			err = get_num(p, sub, it, "sd_s", 0, MAX_SECONDS, true, 0, &sd);
			sd *= 1000.0;
		} else {
			err = get_num(p, sub, it, "cv", 0, 100, true, 0, &sd);
			sd *= v * 1000.0;
		}
		return err ? err : sim_dist_lognormal(d, v * 1000.0, sd);
	}
	case SIM_DIST_EMPIRICAL: {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(it, "values_s");
		if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
		    (unsigned)cJSON_GetArraySize(arr) > MAX_VALUES)
			return fail(p, sub, "values_s", "must be an array of 1 to %u durations",
				    MAX_VALUES);
		uint32_t n = (uint32_t)cJSON_GetArraySize(arr), i = 0;
		double *vals = sb_alloc(n * sizeof(*vals));
		if (!vals)
			return ENOMEM;
		for (const cJSON *e = arr->child; e; e = e->next, i++) {
			if (json_as_double(e, 0, MAX_SECONDS, &vals[i]) != 0) {
				sb_free(vals);
				return fail(p, sub, "values_s",
					    "[%u] must be a number from 0 to %.10g", i,
					    MAX_SECONDS);
			}
			vals[i] *= 1000.0;
		}
		err = sim_dist_empirical(d, vals, n);
		sb_free(vals);
		return err;
	}
	default:
		return EINVAL; /* cannot happen: kind was parsed above */
	}
}

static int parse_group(struct pctx *p, const cJSON *o, uint32_t gi)
{
	static const char *const allowed[] = {"name", "skills", "agents", "shifts", NULL};
	char path[64];
	snprintf(path, sizeof(path), "groups[%u]", gi);
	struct sim_group *g = &p->sc->groups[gi];
	int err = check_keys(p, path, o, allowed);
	if (err)
		return err;
	uint32_t ids[ACD_MAX_SKILLS], n;
	uint8_t lv[ACD_MAX_SKILLS];
	err = get_skills(p, path, o, "skills", ACD_MAX_SKILLS, ids, lv, &n);
	if (err)
		return err;
	for (uint32_t k = 0; k < n; k++)
		g->skills[k] = (struct acd_agent_skill){ids[k], lv[k]};
	g->n_skills = n;
	const cJSON *agents = cJSON_GetObjectItemCaseSensitive(o, "agents");
	const cJSON *shifts = cJSON_GetObjectItemCaseSensitive(o, "shifts");
	if (!agents && !shifts)
		return fail(p, path, NULL, "needs \"agents\" (per interval) or \"shifts\"");
	if (agents) {
		double *v = sb_alloc(p->n * sizeof(*v));
		uint32_t *u = sb_alloc(p->n * sizeof(*u));
		err = v && u ? get_series(p, path, o, "agents", true, v) : ENOMEM;
		for (uint32_t i = 0; !err && i < p->n; i++)
			u[i] = (uint32_t)v[i];
		if (!err)
			err = sim_group_set_agents(g, u, p->n);
		sb_free(v);
		sb_free(u);
		if (err)
			return err;
	}
	if (shifts) {
		if (!cJSON_IsArray(shifts))
			return fail(p, path, "shifts",
				    "must be an array of {start_s, end_s, agents}");
		uint32_t k = 0;
		for (const cJSON *s = shifts->child; s; s = s->next, k++) {
			static const char *const sk[] = {"start_s", "end_s", "agents", NULL};
			char sp[96];
			snprintf(sp, sizeof(sp), "%s.shifts[%u]", path, k);
			int64_t start, end, a;
			err = check_keys(p, sp, s, sk);
			if (!err)
				err = get_ms(p, sp, s, "start_s", 0, true, 0, &start);
			if (!err)
				err = get_ms(p, sp, s, "end_s", 0, true, 0, &end);
			if (!err)
				err = get_int(p, sp, s, "agents", 0, 1000000, true, 0, &a);
			if (err)
				return err;
			if (end <= start)
				return fail(p, sp, "end_s", "must be after start_s");
			err = sim_group_add_shift(g, start, end, (uint32_t)a);
			if (err)
				return err;
		}
	}
	return 0;
}

static int parse_queue(struct pctx *p, const cJSON *o, uint32_t qi)
{
	static const char *const allowed[] = {
	    "name",	"strategy",	  "skills",	     "priority",
	    "weight",	"sl_threshold_s", "short_abandon_s", "ring_timeout_s",
	    "wrapup_s", "max_wait_s",	  "overflow",	     "overflow_queue",
	    "max_len",	"join_empty",	  "ring_all_max",    "tiers",
	    "group",	"arrivals",	  "handle_time",     "patience",
	    NULL,
	};
	char path[64];
	snprintf(path, sizeof(path), "queues[%u]", qi);
	struct sim_queue *q = &p->sc->queues[qi];
	struct acd_queue_params *qp = &q->p;
	int err = check_keys(p, path, o, allowed);
	if (err)
		return err;

	const char *s;
	int e = json_get_str(o, "strategy", 0, &s);
	if (e == 0) {
		int st = acd_strategy_parse(s);
		if (st < 0)
			return fail(
			    p, path, "strategy",
			    "\"%.40s\" is not one of longest-idle, round-robin, fewest-calls, "
			    "least-talk, linear, random, ring-all, best-skill",
			    s);
		qp->strategy = (enum acd_strategy)st;
	} else if (e != ENOENT) {
		return fail(p, path, "strategy", "must be a string");
	}
	uint32_t ids[ACD_MAX_REQ], n;
	uint8_t lv[ACD_MAX_REQ];
	err = get_skills(p, path, o, "skills", ACD_MAX_REQ, ids, lv, &n);
	if (err)
		return err;
	for (uint32_t k = 0; k < n; k++)
		qp->req[k] = (struct acd_skill_req){ids[k], lv[k]};
	qp->n_req = n;

	int64_t v;
	if ((err = get_int(p, path, o, "priority", -1000000, 1000000, false, 0, &v)))
		return err;
	q->priority = (int32_t)v;
	if ((err = get_int(p, path, o, "weight", 1, 1000, false, 1, &v)))
		return err;
	qp->weight = (uint32_t)v;
	if ((err = get_int(p, path, o, "ring_all_max", 1, ACD_MAX_RING_ALL, false, 8, &v)))
		return err;
	qp->ring_all_max = (uint32_t)v;
	if ((err = get_int(p, path, o, "max_len", 0, 100000000, false, 0, &v)))
		return err;
	qp->max_len = (uint32_t)v;
	if ((err = get_ms(p, path, o, "sl_threshold_s", 0, false, 20, &qp->sl_threshold_ms)) ||
	    (err = get_ms(p, path, o, "short_abandon_s", 0, false, 5, &qp->short_abandon_ms)) ||
	    (err = get_ms(p, path, o, "ring_timeout_s", 0.001, false, 15, &qp->ring_timeout_ms)) ||
	    (err = get_ms(p, path, o, "wrapup_s", 0, false, 0, &qp->wrapup_ms)) ||
	    (err = get_ms(p, path, o, "max_wait_s", 0, false, 0, &qp->max_wait_ms)))
		return err;
	qp->wrapup = qp->wrapup_ms > 0 ? ACD_WRAPUP_TIMED : ACD_WRAPUP_NONE;
	e = json_get_bool(o, "join_empty", &qp->join_empty);
	if (e == ENOENT)
		qp->join_empty = true;
	else if (e)
		return fail(p, path, "join_empty", "must be true or false");

	e = json_get_str(o, "overflow", 0, &s);
	if (e == 0) {
		if (strcmp(s, "none") == 0)
			qp->overflow = ACD_OVERFLOW_NONE;
		else if (strcmp(s, "queue") == 0)
			qp->overflow = ACD_OVERFLOW_QUEUE;
		else if (strcmp(s, "callback") == 0)
			qp->overflow = ACD_OVERFLOW_CALLBACK;
		else
			return fail(p, path, "overflow",
				    "\"%.40s\" is not one of none, queue, callback", s);
	} else if (e != ENOENT) {
		return fail(p, path, "overflow", "must be a string");
	}
	if (qp->overflow != ACD_OVERFLOW_NONE && qp->max_wait_ms <= 0)
		return fail(p, path, "overflow",
			    "needs max_wait_s > 0 (overflow happens at max wait)");
	bool has_target = cJSON_GetObjectItemCaseSensitive(o, "overflow_queue") != NULL;
	if (qp->overflow == ACD_OVERFLOW_QUEUE) {
		if ((err = get_name(p, path, o, "overflow_queue", &s)))
			return err;
		int t = sim_scenario_queue_index(p->sc, s);
		if (t < 0)
			return fail(p, path, "overflow_queue", "no queue is named \"%.60s\"", s);
		if ((uint32_t)t == qi)
			return fail(p, path, "overflow_queue", "a queue cannot overflow to itself");
		qp->overflow_queue = (uint32_t)t + 1;
	} else if (has_target) {
		return fail(p, path, "overflow_queue", "only with \"overflow\": \"queue\"");
	}
	if (cJSON_GetObjectItemCaseSensitive(o, "group")) {
		if ((err = get_name(p, path, o, "group", &s)))
			return err;
		int gi = sim_scenario_group_index(p->sc, s);
		if (gi < 0)
			return fail(p, path, "group", "no group is named \"%.60s\"", s);
		qp->group = (uint32_t)gi + 1;
	}

	const cJSON *tiers = cJSON_GetObjectItemCaseSensitive(o, "tiers");
	if (tiers) {
		if (!cJSON_IsArray(tiers) || cJSON_GetArraySize(tiers) > ACD_MAX_TIERS)
			return fail(p, path, "tiers", "must be an array of at most %d steps",
				    ACD_MAX_TIERS);
		uint32_t k = 0;
		for (const cJSON *t = tiers->child; t; t = t->next, k++) {
			static const char *const tk[] = {"after_s", "level_drop", "group", NULL};
			char tp[96];
			snprintf(tp, sizeof(tp), "%s.tiers[%u]", path, k);
			struct acd_tier *tr = &qp->tiers[k];
			if ((err = check_keys(p, tp, t, tk)) ||
			    (err = get_ms(p, tp, t, "after_s", 0.001, true, 0, &tr->after_ms)) ||
			    (err = get_int(p, tp, t, "level_drop", 0, ACD_MAX_LEVEL, false, 0, &v)))
				return err;
			tr->level_drop = (uint8_t)v;
			if (k > 0 && tr->after_ms <= qp->tiers[k - 1].after_ms)
				return fail(p, tp, "after_s",
					    "steps must come later one after the other");
			tr->group = 0;
			if (cJSON_GetObjectItemCaseSensitive(t, "group")) {
				if ((err = get_name(p, tp, t, "group", &s)))
					return err;
				int gi = sim_scenario_group_index(p->sc, s);
				if (gi < 0)
					return fail(p, tp, "group", "no group is named \"%.60s\"",
						    s);
				tr->group = (uint32_t)gi + 1;
			}
		}
		qp->n_tiers = k;
	}

	double *calls = sb_alloc(p->n * sizeof(*calls));
	if (!calls)
		return ENOMEM;
	err = get_series(p, path, o, "arrivals", false, calls);
	if (!err)
		err = sim_queue_set_calls(q, calls, p->n);
	sb_free(calls);
	if (err)
		return err;
	if ((err = get_dist(p, path, o, "handle_time", false, &q->handle)))
		return err;
	return get_dist(p, path, o, "patience", true, &q->patience);
}

/* Number of intervals: "intervals", else the length of the first per-interval array, else 1. */
static int count_intervals(struct pctx *p, const cJSON *root, const cJSON *queues,
			   const cJSON *groups)
{
	int64_t n;
	int err = json_get_i64(root, "intervals", 1, 100000, &n);
	if (err == 0) {
		p->n = (uint32_t)n;
		return 0;
	}
	if (err != ENOENT)
		return fail(p, "", "intervals", "must be an integer from 1 to 100000");
	p->n = 1;
	const cJSON *lists[2] = {queues, groups};
	const char *keys[2] = {"arrivals", "agents"};
	for (int l = 0; l < 2; l++)
		for (const cJSON *o = lists[l] ? lists[l]->child : NULL; o; o = o->next) {
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, keys[l]);
			if (cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0) {
				if (cJSON_GetArraySize(a) > 100000)
					return fail(p, "", "intervals",
						    "more than 100000 intervals");
				p->n = (uint32_t)cJSON_GetArraySize(a);
				return 0;
			}
		}
	return 0;
}

static int parse_root(struct pctx *p, const cJSON *root)
{
	static const char *const allowed[] = {
	    "name",    "interval_s",   "intervals",    "warmup_intervals",
	    "drain_s", "ring_delay_s", "replications", "seed",
	    "queues",  "groups",       NULL,
	};
	struct sim_scenario *sc = p->sc;
	if (!cJSON_IsObject(root))
		return fail(p, "scenario", NULL, "must be a JSON object");
	int err = check_keys(p, "scenario", root, allowed);
	if (err)
		return err;
	const char *name;
	int e = json_get_str(root, "name", sizeof(sc->name) - 1, &name);
	if (e == 0)
		snprintf(sc->name, sizeof(sc->name), "%s", name);
	else if (e != ENOENT)
		return fail(p, "", "name", "must be a string of at most %zu bytes",
			    sizeof(sc->name) - 1);

	const cJSON *queues = cJSON_GetObjectItemCaseSensitive(root, "queues");
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
	if (!cJSON_IsArray(queues) || cJSON_GetArraySize(queues) < 1)
		return fail(p, "", "queues", "must be a non-empty array");
	if (cJSON_GetArraySize(queues) > SIM_MAX_QUEUES)
		return fail(p, "", "queues", "at most %d queues", SIM_MAX_QUEUES);
	if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) < 1)
		return fail(p, "", "groups", "must be a non-empty array");
	if (cJSON_GetArraySize(groups) > SIM_MAX_GROUPS)
		return fail(p, "", "groups", "at most %d groups", SIM_MAX_GROUPS);
	if ((err = count_intervals(p, root, queues, groups)))
		return err;
	sc->n_intervals = p->n;

	int64_t v;
	if ((err = get_ms(p, "", root, "interval_s", 1, false, 1800, &sc->interval_ms)))
		return err;
	if ((err = get_int(p, "", root, "warmup_intervals", 0, (int64_t)p->n - 1, false, 0, &v)))
		return err;
	sc->warmup_intervals = (uint32_t)v;
	if ((err = get_ms(p, "", root, "drain_s", 0, false, 3600, &sc->drain_ms)) ||
	    (err = get_ms(p, "", root, "ring_delay_s", 0, false, 0, &sc->ring_delay_ms)))
		return err;
	if ((err = get_int(p, "", root, "replications", 1, 1000000, false, 10, &v)))
		return err;
	sc->replications = (uint32_t)v;
	if ((err = get_int(p, "", root, "seed", 0, (1LL << 53) - 1, false, 1, &v)))
		return err;
	sc->seed = (uint64_t)v;

	/* names first: queues refer to groups (tiers) and to other queues (overflow) */
	uint32_t k = 0;
	for (const cJSON *o = groups->child; o; o = o->next, k++) {
		char path[64];
		snprintf(path, sizeof(path), "groups[%u]", k);
		const char *gn;
		struct sim_group *g;
		if (!cJSON_IsObject(o))
			return fail(p, path, NULL, "must be an object");
		if ((err = get_name(p, path, o, "name", &gn)))
			return err;
		err = sim_scenario_add_group(sc, gn, &g);
		if (err == EEXIST)
			return fail(p, path, "name", "\"%s\" is used twice", gn);
		if (err)
			return err;
	}
	k = 0;
	for (const cJSON *o = queues->child; o; o = o->next, k++) {
		char path[64];
		snprintf(path, sizeof(path), "queues[%u]", k);
		const char *qn;
		struct sim_queue *q;
		if (!cJSON_IsObject(o))
			return fail(p, path, NULL, "must be an object");
		if ((err = get_name(p, path, o, "name", &qn)))
			return err;
		err = sim_scenario_add_queue(sc, qn, &q);
		if (err == EEXIST)
			return fail(p, path, "name", "\"%s\" is used twice", qn);
		if (err)
			return err;
	}
	k = 0;
	for (const cJSON *o = groups->child; o; o = o->next, k++)
		if ((err = parse_group(p, o, k)))
			return err;
	k = 0;
	for (const cJSON *o = queues->child; o; o = o->next, k++)
		if ((err = parse_queue(p, o, k)))
			return err;
	return 0;
}

int scenario_parse(const char *text, size_t len, struct sim_scenario **out, char *why,
		   size_t why_len)
{
	struct pctx p = {.why = why, .len = why_len};
	if (!text || !out)
		return EINVAL;
	*out = NULL;
	if (why && why_len)
		why[0] = 0;
	cJSON *root = NULL;
	struct json_err je;
	int err = json_parse(text, len, &root, &je);
	if (err == EBADMSG) {
		if (why && why_len) {
			if (je.line)
				snprintf(why, why_len, "line %u, column %u: %s", je.line, je.col,
					 je.msg);
			else
				snprintf(why, why_len, "%s", je.msg);
		}
		return EBADMSG;
	}
	if (err)
		return err;
	err = sim_scenario_alloc(&p.sc);
	if (!err)
		err = parse_root(&p, root);
	if (!err)
		err = sim_scenario_check(p.sc, why, why_len);
	if (err == ENOMEM && why && why_len)
		snprintf(why, why_len, "out of memory");
	cJSON_Delete(root);
	if (err) {
		sim_scenario_free(p.sc);
		return err;
	}
	*out = p.sc;
	return 0;
}

int scenario_load(const char *path, struct sim_scenario **out, char *why, size_t why_len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int err = errno;
		snprintf(why, why_len, "cannot open: %s", strerror(err));
		return err;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = sb_alloc(cap);
	int err = buf ? 0 : ENOMEM;
	while (!err) {
		if (n == cap) {
			if (cap >= MAX_FILE) {
				err = EFBIG;
				break;
			}
			char *nb = sb_realloc(buf, cap * 2);
			if (!nb) {
				err = ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				err = EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		snprintf(why, why_len, "cannot read: %s", strerror(err));
		sb_free(buf);
		return err;
	}
	err = scenario_parse(buf, n, out, why, why_len);
	sb_free(buf);
	return err;
}
