/* calibration: session statistics against an expert or median reference, and drift slopes. */
#include "core/qa/calibration.h"

#include "base/mem.h"
#include "core/qa/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct obs {
	uint32_t criterion;
	uint64_t interaction;
	uint32_t evaluator;
	double score;
	size_t seq; /* input order, for a stable sort */
};

struct qa_calib {
	uint32_t expert;
	struct obs *obs;
	size_t n, cap;
};

int qa_calib_alloc(struct qa_calib **cp, uint32_t expert, struct qa_err *err)
{
	if (!cp)
		return qa_fail(err, EINVAL, "missing result");
	struct qa_calib *c = sb_zalloc(sizeof(*c));
	if (!c)
		return ENOMEM;
	c->expert = expert;
	*cp = c;
	return 0;
}

void qa_calib_free(struct qa_calib *c)
{
	if (!c)
		return;
	sb_free(c->obs);
	sb_free(c);
}

int qa_calib_add(struct qa_calib *c, uint32_t evaluator, uint64_t interaction, uint32_t criterion,
		 double score, struct qa_err *err)
{
	if (!c)
		return qa_fail(err, EINVAL, "missing session");
	if (evaluator == 0)
		return qa_fail(err, EINVAL, "evaluator id must not be 0");
	if (qa_defined(score) && !(score >= 0 && score <= 100))
		return qa_fail(err, EINVAL,
			       "evaluator %u, interaction %llu, criterion %u: score %g is outside "
			       "0..100",
			       evaluator, (unsigned long long)interaction, criterion, score);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct obs *o = sb_realloc(c->obs, cap * sizeof(*o));
		if (!o)
			return ENOMEM;
		c->obs = o;
		c->cap = cap;
	}
	c->obs[c->n] = (struct obs){criterion, interaction, evaluator, score, c->n};
	c->n++;
	return 0;
}

int qa_calib_add_result(struct qa_calib *c, uint32_t evaluator, uint64_t interaction,
			const struct qa_result *r, struct qa_err *err)
{
	if (!r)
		return qa_fail(err, EINVAL, "missing result");
	int e = qa_calib_add(c, evaluator, interaction, QA_OVERALL, r->score, err);
	for (size_t i = 0; i < r->n_criteria && !e; i++)
		e = qa_calib_add(c, evaluator, interaction, r->criteria[i].id, r->criteria[i].score,
				 err);
	return e;
}

static int cmp_obs(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;
	if (x->criterion != y->criterion)
		return x->criterion < y->criterion ? -1 : 1;
	if (x->interaction != y->interaction)
		return x->interaction < y->interaction ? -1 : 1;
	if (x->evaluator != y->evaluator)
		return x->evaluator < y->evaluator ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* One deviation of an evaluator on a criterion, gathered then grouped. */
struct devrec {
	uint32_t evaluator, criterion;
	double dev; /* NaN: an N/A answer; INFINITY: scored but no reference */
};

static int cmp_devrec(const void *a, const void *b)
{
	const struct devrec *x = a, *y = b;
	if (x->evaluator != y->evaluator)
		return x->evaluator < y->evaluator ? -1 : 1;
	return (x->criterion > y->criterion) - (x->criterion < y->criterion);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static bool within(double dev)
{
	return fabs(dev) <= QA_CALIB_TOLERANCE + 1e-9;
}

void qa_calib_report_free(struct qa_calib_report *r)
{
	if (!r)
		return;
	sb_free(r->evaluators);
	sb_free(r->items);
	sb_free(r->stats);
	sb_free(r->devs);
	sb_free(r);
}

int qa_calib_report(struct qa_calib_report **rp, const struct qa_calib *c, struct qa_err *err)
{
	if (!rp || !c)
		return qa_fail(err, EINVAL, "missing argument");
	if (c->n == 0)
		return qa_fail(err, EINVAL, "the session has no scores");
	size_t n = c->n;
	int e = ENOMEM;
	struct qa_calib_report *r = sb_zalloc(sizeof(*r));
	struct obs *o = sb_calloc(n, sizeof(*o));
	double *xs = sb_calloc(n, sizeof(*xs));
	struct devrec *dr = sb_calloc(n, sizeof(*dr));
	uint32_t *evs = sb_calloc(n, sizeof(*evs));
	uint64_t *ints = sb_calloc(n, sizeof(*ints));
	if (!r || !o || !xs || !dr || !evs || !ints)
		goto out;
	memcpy(o, c->obs, n * sizeof(*o));
	qsort(o, n, sizeof(*o), cmp_obs);
	r->expert = c->expert;

	/* Evaluators, interactions, duplicates, the expert's presence. */
	size_t ne = 0, ni = 0;
	bool expert_seen = false;
	for (size_t i = 0; i < n; i++) {
		if (i && o[i].criterion == o[i - 1].criterion &&
		    o[i].interaction == o[i - 1].interaction &&
		    o[i].evaluator == o[i - 1].evaluator) {
			e = qa_fail(err, EINVAL,
				    "evaluator %u scored criterion %u of interaction %llu twice",
				    o[i].evaluator, o[i].criterion,
				    (unsigned long long)o[i].interaction);
			goto out;
		}
		if (c->expert && o[i].evaluator == c->expert)
			expert_seen = true;
		else
			evs[ne++] = o[i].evaluator;
		ints[ni++] = o[i].interaction;
	}
	if (c->expert && !expert_seen) {
		e = qa_fail(err, EINVAL, "the expert (evaluator %u) scored nothing in this session",
			    c->expert);
		goto out;
	}
	qsort(evs, ne, sizeof(*evs), cmp_u32);
	qsort(ints, ni, sizeof(*ints), cmp_u64);
	size_t k = 0;
	for (size_t i = 0; i < ne; i++)
		if (k == 0 || evs[i] != evs[k - 1])
			evs[k++] = evs[i];
	ne = k;
	k = 0;
	for (size_t i = 0; i < ni; i++)
		if (k == 0 || ints[i] != ints[k - 1])
			ints[k++] = ints[i];
	r->n_interactions = k;
	r->n_evaluators = ne;
	r->evaluators = evs;
	evs = NULL;

	/* Items: runs of equal (criterion, interaction). */
	size_t nitems = 0, nstats = 0;
	for (size_t i = 0; i < n; i++) {
		bool new_item = i == 0 || o[i].criterion != o[i - 1].criterion ||
				o[i].interaction != o[i - 1].interaction;
		nitems += new_item;
		nstats += i == 0 || o[i].criterion != o[i - 1].criterion;
	}
	r->items = sb_calloc(nitems, sizeof(*r->items));
	r->stats = sb_calloc(nstats, sizeof(*r->stats));
	if (!r->items || !r->stats)
		goto out;
	size_t ndr = 0, it = 0, st = 0;
	double st_sum = 0, st_ss = 0;
	for (size_t a = 0; a < n;) {
		size_t b = a;
		while (b < n && o[b].criterion == o[a].criterion &&
		       o[b].interaction == o[a].interaction)
			b++;
		struct qa_calib_item *item = &r->items[it++];
		item->interaction = o[a].interaction;
		item->criterion = o[a].criterion;
		item->reference = NAN;
		size_t m = 0;
		for (size_t i = a; i < b; i++) {
			if (c->expert && o[i].evaluator == c->expert)
				item->reference = o[i].score; /* NaN when the expert said N/A */
			else if (qa_defined(o[i].score))
				xs[m++] = o[i].score;
			else
				item->n_na++;
		}
		item->n = m;
		qa_mean_sd(xs, m, &item->mean, &item->sd);
		if (!c->expert) {
			qa_sort_doubles(xs, m);
			item->reference = qa_median_sorted(xs, m);
		}
		bool has_ref = qa_defined(item->reference);
		for (size_t i = a; i < b; i++) {
			if (c->expert && o[i].evaluator == c->expert)
				continue;
			double dev = !qa_defined(o[i].score) ? NAN
				     : has_ref		     ? o[i].score - item->reference
							     : INFINITY;
			dr[ndr++] = (struct devrec){o[i].evaluator, o[i].criterion, dev};
			if (has_ref && qa_defined(o[i].score) && within(dev))
				item->n_within++;
		}
		item->within = has_ref && m ? (double)item->n_within / (double)m : NAN;

		/* Fold the item into its criterion's statistics. */
		if (a == 0 || o[a].criterion != o[a - 1].criterion) {
			st++;
			r->stats[st - 1].criterion = o[a].criterion;
			st_sum = st_ss = 0;
		}
		struct qa_calib_stat *s = &r->stats[st - 1];
		s->items++;
		s->n += m;
		s->n_na += item->n_na;
		if (has_ref) {
			s->n_ref += m;
			s->n_within += item->n_within;
		}
		if (m) {
			st_sum += item->mean * (double)m;
			st_ss += item->sd * item->sd * (double)m;
		}
		s->mean = s->n ? st_sum / (double)s->n : NAN;
		s->sd = s->n ? sqrt(st_ss / (double)s->n) : NAN;
		s->within = s->n_ref ? (double)s->n_within / (double)s->n_ref : NAN;
		a = b;
	}
	r->n_items = nitems;
	r->n_stats = nstats;

	/* Deviations per (evaluator, criterion). */
	qsort(dr, ndr, sizeof(*dr), cmp_devrec); /* ties keep no order; sums do not care */
	size_t ndev = 0;
	for (size_t i = 0; i < ndr; i++)
		ndev += i == 0 || dr[i].evaluator != dr[i - 1].evaluator ||
			dr[i].criterion != dr[i - 1].criterion;
	r->devs = sb_calloc(ndev ? ndev : 1, sizeof(*r->devs));
	if (!r->devs)
		goto out;
	size_t d = 0;
	for (size_t a = 0; a < ndr;) {
		size_t b = a;
		struct qa_calib_dev *v = &r->devs[d++];
		v->evaluator = dr[a].evaluator;
		v->criterion = dr[a].criterion;
		double sum = 0, abs_sum = 0;
		for (;
		     b < ndr && dr[b].evaluator == v->evaluator && dr[b].criterion == v->criterion;
		     b++) {
			double dev = dr[b].dev;
			if (!qa_defined(dev)) {
				v->n_na++;
			} else if (isfinite(dev)) {
				v->n++;
				sum += dev;
				abs_sum += fabs(dev);
				v->n_within += within(dev);
			}
		}
		v->mean_dev = v->n ? sum / (double)v->n : NAN;
		v->mean_abs_dev = v->n ? abs_sum / (double)v->n : NAN;
		a = b;
	}
	r->n_devs = ndev;
	*rp = r;
	r = NULL;
	e = 0;
out:
	qa_calib_report_free(r);
	sb_free(o);
	sb_free(xs);
	sb_free(dr);
	sb_free(evs);
	sb_free(ints);
	return e;
}

const struct qa_calib_stat *qa_calib_find_stat(const struct qa_calib_report *r, uint32_t criterion)
{
	for (size_t i = 0; r && i < r->n_stats; i++)
		if (r->stats[i].criterion == criterion)
			return &r->stats[i];
	return NULL;
}

const struct qa_calib_dev *qa_calib_find_dev(const struct qa_calib_report *r, uint32_t evaluator,
					     uint32_t criterion)
{
	for (size_t i = 0; r && i < r->n_devs; i++)
		if (r->devs[i].evaluator == evaluator && r->devs[i].criterion == criterion)
			return &r->devs[i];
	return NULL;
}

/* ---- drift ---- */

struct dpt {
	struct qa_drift_point p;
	size_t seq;
};

static int cmp_dpt(const void *a, const void *b)
{
	const struct dpt *x = a, *y = b;
	if (x->p.evaluator != y->p.evaluator)
		return x->p.evaluator < y->p.evaluator ? -1 : 1;
	if (x->p.time != y->p.time)
		return x->p.time < y->p.time ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void qa_drift_report_free(struct qa_drift_report *r)
{
	if (!r)
		return;
	sb_free(r->points);
	sb_free(r->evaluators);
	sb_free(r);
}

int qa_calib_drift(struct qa_drift_report **rp, const struct qa_drift_point *pts, size_t n,
		   struct qa_err *err)
{
	if (!rp || (n && !pts))
		return qa_fail(err, EINVAL, "missing argument");
	for (size_t i = 0; i < n; i++) {
		if (!(pts[i].deviation >= -100 && pts[i].deviation <= 100))
			return qa_fail(err, EINVAL, "point %zu: deviation %g is not in -100..100",
				       i, pts[i].deviation);
		if (pts[i].time < -QA_TIME_LIMIT || pts[i].time > QA_TIME_LIMIT)
			return qa_fail(err, EINVAL, "point %zu: time out of range", i);
	}
	int e = ENOMEM;
	struct qa_drift_report *r = sb_zalloc(sizeof(*r));
	struct dpt *t = sb_calloc(n ? n : 1, sizeof(*t));
	if (!r || !t || !(r->points = sb_calloc(n ? n : 1, sizeof(*r->points))))
		goto out;
	for (size_t i = 0; i < n; i++)
		t[i] = (struct dpt){pts[i], i};
	qsort(t, n, sizeof(*t), cmp_dpt);
	size_t ne = 0;
	for (size_t i = 0; i < n; i++) {
		r->points[i] = t[i].p;
		ne += i == 0 || t[i].p.evaluator != t[i - 1].p.evaluator;
	}
	r->n_points = n;
	if (!(r->evaluators = sb_calloc(ne ? ne : 1, sizeof(*r->evaluators))))
		goto out;
	r->n_evaluators = ne;
	const double month = 30.0 * (double)QA_DAY_MS;
	size_t g = 0;
	for (size_t a = 0; a < n;) {
		size_t b = a;
		while (b < n && r->points[b].evaluator == r->points[a].evaluator)
			b++;
		struct qa_drift *d = &r->evaluators[g++];
		const struct qa_drift_point *p = &r->points[a];
		size_t m = b - a;
		d->evaluator = p->evaluator;
		d->n = m;
		d->first = a;
		d->from = p[0].time;
		d->to = p[m - 1].time;
		double sy = 0, sa = 0, sx = 0;
		for (size_t i = 0; i < m; i++) {
			sy += p[i].deviation;
			sa += fabs(p[i].deviation);
			sx += (double)(p[i].time - p[0].time) / month;
		}
		double mx = sx / (double)m, my = sy / (double)m, sxy = 0, sxx = 0;
		for (size_t i = 0; i < m; i++) {
			double dx = (double)(p[i].time - p[0].time) / month - mx;
			sxy += dx * (p[i].deviation - my);
			sxx += dx * dx;
		}
		d->mean_dev = my;
		d->mean_abs_dev = sa / (double)m;
		d->slope_per_30d = p[m - 1].time > p[0].time ? sxy / sxx : NAN;
		a = b;
	}
	*rp = r;
	r = NULL;
	e = 0;
out:
	qa_drift_report_free(r);
	sb_free(t);
	return e;
}
