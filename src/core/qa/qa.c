/* qa: error messages, display rounding and order statistics shared by the qa core. */
#include "core/qa/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int qa_fail(struct qa_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

double qa_round(double x, int decimals)
{
	if (!isfinite(x) || decimals < 0 || decimals > 9)
		return x;
	double f = 1;
	for (int i = 0; i < decimals; i++)
		f *= 10;
	double r = round(x * f) / f;
	return r == 0 ? 0.0 : r; /* no "-0.0" */
}

int qa_format_points(char *buf, size_t size, double x, bool sign)
{
	if (!buf || size == 0)
		return EINVAL;
	int n;
	if (!qa_defined(x))
		n = snprintf(buf, size, "-");
	else if (sign)
		n = snprintf(buf, size, "%+.1f", qa_round(x, 1));
	else
		n = snprintf(buf, size, "%.1f", qa_round(x, 1));
	if (sign && qa_defined(x) && qa_round(x, 1) == 0)
		n = snprintf(buf, size, "0.0");
	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}

int qa_format_share(char *buf, size_t size, double share)
{
	if (!buf || size == 0)
		return EINVAL;
	int n;
	if (!qa_defined(share))
		n = snprintf(buf, size, "-");
	else
		n = snprintf(buf, size, "%.1f%%", qa_round(share * 100, 1));
	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void qa_sort_doubles(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double qa_median_sorted(const double *v, size_t n)
{
	if (n == 0)
		return NAN;
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

double qa_percentile_sorted(const double *v, size_t n, double p)
{
	if (n == 0 || !(p > 0 && p <= 100))
		return NAN;
	double r = ceil(p * (double)n / 100); /* p x n first: exact for whole p */
	size_t rank = r < 1 ? 1 : (size_t)r;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

void qa_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	if (n == 0) {
		*mean = *sd = NAN;
		return;
	}
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	double m = s / (double)n, q = 0;
	for (size_t i = 0; i < n; i++)
		q += (v[i] - m) * (v[i] - m);
	*mean = m;
	*sd = sqrt(q / (double)n);
}
