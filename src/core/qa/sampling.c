/* sampling: filters, per-agent quotas and seeded rank keys for choosing interactions to evaluate.
 */
#include "core/qa/sampling.h"

#include "base/mem.h"
#include "base/rng.h"
#include "core/qa/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t qa_sample_key(uint64_t seed, uint64_t interaction)
{
	struct rng r;
	rng_substream(&r, seed, interaction);
	return rng_next(&r);
}

const char *qa_sample_exclusion_name(enum qa_sample_exclusion x)
{
	static const char *const names[QA_SX_COUNT] = {
	    [QA_SX_PERIOD] = "outside the period", [QA_SX_AGENT] = "agent not assigned",
	    [QA_SX_DONE] = "already evaluated",	   [QA_SX_QUEUE] = "queue",
	    [QA_SX_DISPOSITION] = "disposition",   [QA_SX_HANDLE] = "handle time",
	    [QA_SX_TRANSFERRED] = "transferred",   [QA_SX_REPEAT] = "repeat caller",
	    [QA_SX_SURVEY] = "survey score",
	};
	return (unsigned)x < QA_SX_COUNT ? names[x] : "?";
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* A sorted, de-duplicated copy of v[0..n); *m gets its length. */
static uint64_t *sorted_u64(const uint64_t *v, size_t n, size_t *m)
{
	uint64_t *s = sb_calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return NULL;
	if (n)
		memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u64);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || s[i] != s[k - 1])
			s[k++] = s[i];
	*m = k;
	return s;
}

static uint32_t *sorted_u32(const uint32_t *v, size_t n)
{
	uint32_t *s = sb_calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return NULL;
	if (n)
		memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u32);
	return s;
}

static bool has_u64(const uint64_t *s, size_t n, uint64_t v)
{
	return n && bsearch(&v, s, n, sizeof(*s), cmp_u64);
}

static bool has_u32(const uint32_t *s, size_t n, uint32_t v)
{
	return n && bsearch(&v, s, n, sizeof(*s), cmp_u32);
}

/* ---- repeat callers ---- */

struct seen {
	uint64_t customer;
	int64_t time;
};

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	if (x->customer != y->customer)
		return x->customer < y->customer ? -1 : 1;
	return (x->time > y->time) - (x->time < y->time);
}

/* True when the customer has a contact with t - window <= time < t. */
static bool is_repeat(const struct seen *s, size_t n, uint64_t customer, int64_t t, int64_t window)
{
	if (!customer)
		return false;
	struct seen lo = {customer, t - window};
	size_t a = 0, b = n; /* first index not below lo */
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (cmp_seen(&s[mid], &lo) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	return a < n && s[a].customer == customer && s[a].time < t;
}

/* ---- the draw ---- */

struct ranked {
	size_t agent; /* index into params.agents */
	bool kept;
	uint64_t key, id;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->agent != y->agent)
		return x->agent < y->agent ? -1 : 1;
	if (x->kept != y->kept)
		return x->kept ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

struct agent_ix {
	uint32_t agent;
	size_t i;
};

static int cmp_agent_ix(const void *a, const void *b)
{
	const struct agent_ix *x = a, *y = b;
	return (x->agent > y->agent) - (x->agent < y->agent);
}

static int check_params(const struct qa_interaction *cands, size_t n,
			const struct qa_sample_params *p, struct qa_err *err)
{
	const struct qa_sample_filter *f = &p->filter;
	if (n && !cands)
		return qa_fail(err, EINVAL, "missing candidates");
	if (p->start >= p->end || p->start < -QA_TIME_LIMIT || p->end > QA_TIME_LIMIT)
		return qa_fail(err, EINVAL, "the period must have start < end");
	if ((p->n_agents && !p->agents) || (p->n_done && !p->done) || (p->n_keep && !p->keep) ||
	    (p->n_history && !p->history) || (f->n_queues && !f->queues) ||
	    (f->n_dispositions && !f->dispositions))
		return qa_fail(err, EINVAL, "an array is missing for a non-zero count");
	if (f->handle_above && (f->handle_above_ms < 0 || f->handle_above_ms > QA_TIME_LIMIT))
		return qa_fail(err, EINVAL, "filter: handle time bound must be >= 0");
	if ((unsigned)f->transferred > QA_EXCLUDE || (unsigned)f->repeat > QA_EXCLUDE)
		return qa_fail(err, EINVAL, "filter: unknown tri-state value");
	if (f->repeat_window_ms < 0 || f->repeat_window_ms > QA_TIME_LIMIT)
		return qa_fail(err, EINVAL, "filter: repeat window must be 0 (7 days) or positive");
	if (f->survey_at_most > 5)
		return qa_fail(err, EINVAL, "filter: survey bound %u is not 1..5 (0 = off)",
			       f->survey_at_most);
	for (size_t i = 0; i < n; i++) {
		const struct qa_interaction *c = &cands[i];
		if (c->handle_ms < 0 || c->handle_ms > QA_TIME_LIMIT)
			return qa_fail(err, EINVAL, "interaction %llu: handle time %lld",
				       (unsigned long long)c->id, (long long)c->handle_ms);
		if (c->survey > 5)
			return qa_fail(err, EINVAL,
				       "interaction %llu: survey rating %u is not 1..5",
				       (unsigned long long)c->id, c->survey);
		if (c->time < -QA_TIME_LIMIT || c->time > QA_TIME_LIMIT)
			return qa_fail(err, EINVAL, "interaction %llu: time out of range",
				       (unsigned long long)c->id);
	}
	for (size_t i = 0; i < p->n_history; i++)
		if (p->history[i].time < -QA_TIME_LIMIT || p->history[i].time > QA_TIME_LIMIT)
			return qa_fail(err, EINVAL, "history contact %zu: time out of range", i);
	return 0;
}

int qa_sample(struct qa_sample **sp, const struct qa_interaction *cands, size_t n,
	      const struct qa_sample_params *p, struct qa_err *err)
{
	if (!sp || !p)
		return qa_fail(err, EINVAL, "missing argument");
	int e = check_params(cands, n, p, err);
	if (e)
		return e;
	const struct qa_sample_filter *f = &p->filter;
	int64_t window = f->repeat_window_ms ? f->repeat_window_ms : QA_WEEK_MS;
	size_t na = p->n_agents, n_done = 0, n_keep = 0, n_seen = 0;
	uint64_t *done = NULL, *keep = NULL, *ids = NULL;
	uint32_t *queues = NULL, *disps = NULL;
	struct seen *seen = NULL;
	struct agent_ix *ax = NULL;
	struct ranked *rk = NULL;
	uint32_t *done_per = NULL;
	size_t *elig_per = NULL;
	struct qa_sample *s = NULL;
	e = ENOMEM;
	if (!(done = sorted_u64(p->done, p->n_done, &n_done)) ||
	    !(keep = sorted_u64(p->keep, p->n_keep, &n_keep)) ||
	    !(queues = sorted_u32(f->queues, f->n_queues)) ||
	    !(disps = sorted_u32(f->dispositions, f->n_dispositions)) ||
	    !(ax = sb_calloc(na ? na : 1, sizeof(*ax))) ||
	    !(done_per = sb_calloc(na ? na : 1, sizeof(*done_per))) ||
	    !(elig_per = sb_calloc(na ? na : 1, sizeof(*elig_per))) ||
	    !(rk = sb_calloc(n ? n : 1, sizeof(*rk))) ||
	    !(ids = sb_calloc(n ? n : 1, sizeof(*ids))))
		goto out;

	/* Candidate ids and agents must be unique. */
	for (size_t i = 0; i < n; i++)
		ids[i] = cands[i].id;
	qsort(ids, n, sizeof(*ids), cmp_u64);
	for (size_t i = 1; i < n; i++)
		if (ids[i] == ids[i - 1]) {
			e = qa_fail(err, EINVAL, "interaction %llu appears twice",
				    (unsigned long long)ids[i]);
			goto out;
		}
	for (size_t i = 0; i < na; i++)
		ax[i] = (struct agent_ix){p->agents[i].agent, i};
	qsort(ax, na, sizeof(*ax), cmp_agent_ix);
	for (size_t i = 1; i < na; i++)
		if (ax[i].agent == ax[i - 1].agent) {
			e = qa_fail(err, EINVAL, "agent %u appears twice in the assignment",
				    ax[i].agent);
			goto out;
		}

	if (f->repeat != QA_ANY) {
		if (!(seen = sb_calloc(n + p->n_history + 1, sizeof(*seen))))
			goto out;
		for (size_t i = 0; i < n; i++)
			if (cands[i].customer)
				seen[n_seen++] = (struct seen){cands[i].customer, cands[i].time};
		for (size_t i = 0; i < p->n_history; i++)
			if (p->history[i].customer)
				seen[n_seen++] =
				    (struct seen){p->history[i].customer, p->history[i].time};
		qsort(seen, n_seen, sizeof(*seen), cmp_seen);
	}

	size_t excluded[QA_SX_COUNT] = {0}, nr = 0;
	for (size_t i = 0; i < n; i++) {
		const struct qa_interaction *c = &cands[i];
		struct agent_ix key = {c->agent, 0};
		const struct agent_ix *a =
		    na ? bsearch(&key, ax, na, sizeof(*ax), cmp_agent_ix) : NULL;
		int x = -1;
		if (c->time < p->start || c->time >= p->end)
			x = QA_SX_PERIOD;
		else if (!a)
			x = QA_SX_AGENT;
		else if (has_u64(done, n_done, c->id))
			x = QA_SX_DONE, done_per[a->i]++;
		else if (f->n_queues && !has_u32(queues, f->n_queues, c->queue))
			x = QA_SX_QUEUE;
		else if (f->n_dispositions && !has_u32(disps, f->n_dispositions, c->disposition))
			x = QA_SX_DISPOSITION;
		else if (f->handle_above && !(c->handle_ms > f->handle_above_ms))
			x = QA_SX_HANDLE;
		else if ((f->transferred == QA_ONLY && !c->transferred) ||
			 (f->transferred == QA_EXCLUDE && c->transferred))
			x = QA_SX_TRANSFERRED;
		else if (f->repeat != QA_ANY && is_repeat(seen, n_seen, c->customer, c->time,
							  window) != (f->repeat == QA_ONLY))
			x = QA_SX_REPEAT;
		else if (f->survey_at_most && !(c->survey >= 1 && c->survey <= f->survey_at_most))
			x = QA_SX_SURVEY;
		if (x >= 0) {
			excluded[x]++;
			continue;
		}
		elig_per[a->i]++;
		rk[nr++] = (struct ranked){a->i, has_u64(keep, n_keep, c->id),
					   qa_sample_key(p->seed, c->id), c->id};
	}
	qsort(rk, nr, sizeof(*rk), cmp_ranked);

	size_t total = 0;
	for (size_t i = 0; i < na; i++) {
		uint32_t q = p->agents[i].quota;
		uint32_t due = q > done_per[i] ? q - done_per[i] : 0;
		total += due < elig_per[i] ? due : elig_per[i];
	}
	s = sb_zalloc(sizeof(*s) + na * sizeof(*s->agents) + total * sizeof(uint64_t));
	if (!s)
		goto out;
	s->agents = (struct qa_sample_agent *)(s + 1);
	uint64_t *pick = (uint64_t *)(s->agents + na);
	s->n_agents = na;
	s->candidates = n;
	memcpy(s->excluded, excluded, sizeof(excluded));
	s->eligible = nr;
	size_t j = 0, kept_total = 0;
	for (size_t i = 0; i < na; i++) {
		struct qa_sample_agent *ag = &s->agents[i];
		ag->agent = p->agents[i].agent;
		ag->quota = p->agents[i].quota;
		ag->done = done_per[i];
		ag->due = ag->quota > ag->done ? ag->quota - ag->done : 0;
		ag->eligible = elig_per[i];
		ag->picks = pick;
		for (; j < nr && rk[j].agent == i; j++) {
			if (ag->n_picks < ag->due) {
				ag->picks[ag->n_picks++] = rk[j].id;
				ag->kept += rk[j].kept;
			}
		}
		pick += ag->n_picks;
		ag->shortfall = ag->due - (uint32_t)ag->n_picks;
		s->picked += ag->n_picks;
		kept_total += ag->kept;
	}
	s->keep_dropped = n_keep - kept_total;
	*sp = s;
	e = 0;
out:
	sb_free(done);
	sb_free(keep);
	sb_free(queues);
	sb_free(disps);
	sb_free(seen);
	sb_free(ax);
	sb_free(rk);
	sb_free(ids);
	sb_free(done_per);
	sb_free(elig_per);
	return e;
}

void qa_sample_free(struct qa_sample *s)
{
	sb_free(s);
}
