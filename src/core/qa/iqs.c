/* iqs: mean, spread and range of evaluation scores, overall or per key. */
#include "core/qa/iqs.h"

#include "base/mem.h"
#include "core/qa/internal.h"

#include <errno.h>
#include <stdlib.h>

static int check_items(const struct qa_iqs_item *items, size_t n, struct qa_err *err)
{
	if (n && !items)
		return qa_fail(err, EINVAL, "missing items");
	for (size_t i = 0; i < n; i++) {
		double s = items[i].score;
		if (qa_defined(s) && !(s >= 0 && s <= 100))
			return qa_fail(err, EINVAL, "item %zu: score %g is outside 0..100", i, s);
	}
	return 0;
}

/* Computes one group over items[idx[0..n)] (or items[0..n) when idx is NULL). */
static void iqs_of(const struct qa_iqs_item *items, const size_t *idx, size_t n, double *scratch,
		   struct qa_iqs *out)
{
	struct qa_iqs q = {.mean = NAN, .sd = NAN, .min = NAN, .max = NAN};
	for (size_t j = 0; j < n; j++) {
		const struct qa_iqs_item *it = &items[idx ? idx[j] : j];
		if (it->calibration)
			q.excluded_calibration++;
		else if (!qa_defined(it->score))
			q.excluded_undefined++;
		else
			scratch[q.n++] = it->score;
	}
	qa_mean_sd(scratch, q.n, &q.mean, &q.sd);
	for (size_t j = 0; j < q.n; j++) {
		if (j == 0 || scratch[j] < q.min)
			q.min = scratch[j];
		if (j == 0 || scratch[j] > q.max)
			q.max = scratch[j];
	}
	*out = q;
}

int qa_iqs(const struct qa_iqs_item *items, size_t n, struct qa_iqs *out, struct qa_err *err)
{
	if (!out)
		return qa_fail(err, EINVAL, "missing result");
	int e = check_items(items, n, err);
	if (e)
		return e;
	double *scratch = sb_calloc(n ? n : 1, sizeof(*scratch));
	if (!scratch)
		return ENOMEM;
	iqs_of(items, NULL, n, scratch, out);
	sb_free(scratch);
	return 0;
}

struct keyed {
	uint64_t key;
	size_t i;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i); /* input order within a key */
}

int qa_iqs_group(struct qa_iqs **groups, size_t *n_groups, const struct qa_iqs_item *items,
		 size_t n, struct qa_err *err)
{
	if (!groups || !n_groups)
		return qa_fail(err, EINVAL, "missing result");
	int e = check_items(items, n, err);
	if (e)
		return e;
	*groups = NULL;
	*n_groups = 0;
	if (n == 0)
		return 0;
	struct keyed *ks = sb_calloc(n, sizeof(*ks));
	size_t *idx = sb_calloc(n, sizeof(*idx));
	double *scratch = sb_calloc(n, sizeof(*scratch));
	struct qa_iqs *g = NULL;
	if (!ks || !idx || !scratch) {
		e = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ks[i] = (struct keyed){.key = items[i].key, .i = i};
	qsort(ks, n, sizeof(*ks), cmp_keyed);
	size_t ng = 1;
	for (size_t i = 0; i < n; i++) {
		idx[i] = ks[i].i;
		ng += i > 0 && ks[i].key != ks[i - 1].key;
	}
	g = sb_calloc(ng, sizeof(*g));
	if (!g) {
		e = ENOMEM;
		goto out;
	}
	size_t k = 0, start = 0;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && ks[i].key == ks[start].key)
			continue;
		iqs_of(items, idx + start, i - start, scratch, &g[k]);
		g[k++].key = ks[start].key;
		start = i;
	}
	*groups = g;
	*n_groups = ng;
	g = NULL;
out:
	sb_free(g);
	sb_free(ks);
	sb_free(idx);
	sb_free(scratch);
	return e;
}
