/* measures: CSAT, FCR, callback first response time, transfer and hold rates over arrays. */
#include "core/qa/measures.h"

#include "base/mem.h"
#include "core/qa/internal.h"

#include <errno.h>
#include <stdlib.h>

int qa_csat(const uint8_t *ratings, size_t n, struct qa_csat *out, struct qa_err *err)
{
	if (!out || (n && !ratings))
		return qa_fail(err, EINVAL, "missing argument");
	struct qa_csat c = {.calls = n};
	for (size_t i = 0; i < n; i++) {
		if (ratings[i] > 5)
			return qa_fail(err, EINVAL, "call %zu: rating %u is not 1..5 (0 = none)", i,
				       ratings[i]);
		c.rated += ratings[i] != 0;
		c.satisfied += ratings[i] >= 4;
	}
	c.csat = c.rated ? (double)c.satisfied / (double)c.rated : NAN;
	*out = c;
	return 0;
}

/* ---- FCR ---- */

struct fcr_key {
	uint64_t customer;
	uint32_t category;
	int64_t time;
	size_t i;
};

static int cmp_fcr_key(const void *a, const void *b)
{
	const struct fcr_key *x = a, *y = b;
	if (x->customer != y->customer)
		return x->customer < y->customer ? -1 : 1;
	if (x->category != y->category)
		return x->category < y->category ? -1 : 1;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

int qa_fcr(const struct qa_contact *c, size_t n, const struct qa_fcr_params *p, struct qa_fcr *out,
	   uint8_t *status, struct qa_err *err)
{
	if (!out || !p || (n && !c))
		return qa_fail(err, EINVAL, "missing argument");
	if (p->from >= p->to)
		return qa_fail(err, EINVAL, "the period must have from < to");
	if (p->window_ms < 0 || p->window_ms > QA_TIME_LIMIT)
		return qa_fail(err, EINVAL, "the window must be 0 (7 days) or positive");
	if (p->from < -QA_TIME_LIMIT || p->to > QA_TIME_LIMIT || p->known_until < -QA_TIME_LIMIT ||
	    p->known_until > QA_TIME_LIMIT)
		return qa_fail(err, EINVAL, "times must be within +/-%lld ms", QA_TIME_LIMIT);
	int64_t window = p->window_ms ? p->window_ms : QA_WEEK_MS;
	for (size_t i = 0; i < n; i++)
		if (c[i].time < -QA_TIME_LIMIT)
			return qa_fail(err, EINVAL, "contact %zu: time out of range", i);
		else if (c[i].time > p->known_until)
			return qa_fail(err, EINVAL, "contact %zu at %lld is after known_until %lld",
				       i, (long long)c[i].time, (long long)p->known_until);
	struct qa_fcr f = {.contacts = n, .fcr = NAN};
	struct fcr_key *k = sb_calloc(n ? n : 1, sizeof(*k));
	if (!k)
		return ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].customer && c[i].category)
			k[m++] = (struct fcr_key){c[i].customer, c[i].category, c[i].time, i};
	qsort(k, m, sizeof(*k), cmp_fcr_key);
	uint8_t st;
	for (size_t i = 0; i < n; i++) {
		if (c[i].time < p->from || c[i].time >= p->to)
			st = QA_FCR_OUTSIDE, f.outside++;
		else if (!c[i].customer)
			st = QA_FCR_NO_CUSTOMER, f.no_customer++;
		else if (!c[i].category)
			st = QA_FCR_NO_CATEGORY, f.no_category++;
		else
			continue; /* decided below */
		if (status)
			status[i] = st;
	}
	for (size_t j = 0; j < m; j++) {
		size_t i = k[j].i;
		if (c[i].time < p->from || c[i].time >= p->to)
			continue;
		/* the next contact of the same customer and category strictly later in time */
		size_t nx = j + 1;
		while (nx < m && k[nx].customer == k[j].customer &&
		       k[nx].category == k[j].category && k[nx].time == k[j].time)
			nx++;
		bool repeat = nx < m && k[nx].customer == k[j].customer &&
			      k[nx].category == k[j].category && k[nx].time - k[j].time <= window;
		if (repeat)
			st = QA_FCR_REPEATED, f.repeated++;
		else if (k[j].time > p->known_until - window)
			st = QA_FCR_PENDING, f.pending++;
		else
			st = QA_FCR_RESOLVED, f.resolved++;
		if (status)
			status[i] = st;
	}
	sb_free(k);
	f.measured = f.resolved + f.repeated;
	if (f.measured)
		f.fcr = (double)f.resolved / (double)f.measured;
	*out = f;
	return 0;
}

/* ---- callback first response time ---- */

int qa_callback_frt(const struct qa_callback *cb, size_t n, struct qa_frt *out, struct qa_err *err)
{
	if (!out || (n && !cb))
		return qa_fail(err, EINVAL, "missing argument");
	double *d = sb_calloc(n ? n : 1, sizeof(*d));
	if (!d)
		return ENOMEM;
	struct qa_frt f = {.callbacks = n};
	for (size_t i = 0; i < n; i++) {
		if (cb[i].first_attempt == QA_NO_TIME) {
			f.pending++;
			continue;
		}
		if (cb[i].requested < -QA_TIME_LIMIT || cb[i].requested > QA_TIME_LIMIT ||
		    cb[i].first_attempt < -QA_TIME_LIMIT || cb[i].first_attempt > QA_TIME_LIMIT) {
			sb_free(d);
			return qa_fail(err, EINVAL, "callback %zu: time out of range", i);
		}
		if (cb[i].first_attempt < cb[i].requested) {
			sb_free(d);
			return qa_fail(err, EINVAL,
				       "callback %zu: first attempt before the request", i);
		}
		d[f.attempted++] = (double)(cb[i].first_attempt - cb[i].requested);
	}
	qa_sort_doubles(d, f.attempted);
	double sd;
	qa_mean_sd(d, f.attempted, &f.mean_ms, &sd);
	f.median_ms = qa_median_sorted(d, f.attempted);
	f.p80_ms = qa_percentile_sorted(d, f.attempted, 80);
	f.p90_ms = qa_percentile_sorted(d, f.attempted, 90);
	f.p95_ms = qa_percentile_sorted(d, f.attempted, 95);
	f.max_ms = f.attempted ? d[f.attempted - 1] : NAN;
	sb_free(d);
	*out = f;
	return 0;
}

/* ---- transfer and hold rates ---- */

int qa_call_rates(const struct qa_call *calls, size_t n, struct qa_call_rates *out,
		  struct qa_err *err)
{
	if (!out || (n && !calls))
		return qa_fail(err, EINVAL, "missing argument");
	struct qa_call_rates r = {.calls = n};
	for (size_t i = 0; i < n; i++) {
		if (!calls[i].handled) {
			if (calls[i].transferred || calls[i].holds)
				return qa_fail(err, EINVAL,
					       "call %zu: not handled but transferred or held", i);
			continue;
		}
		r.handled++;
		r.transferred += calls[i].transferred;
		r.held += calls[i].holds > 0;
	}
	r.transfer_rate = r.handled ? (double)r.transferred / (double)r.handled : NAN;
	r.hold_rate = r.handled ? (double)r.held / (double)r.handled : NAN;
	*out = r;
	return 0;
}
