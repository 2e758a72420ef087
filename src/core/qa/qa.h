/* qa: pieces shared by the quality-assurance core: error messages, display rounding, order
 * statistics. */
#ifndef SB_CORE_QA_QA_H
#define SB_CORE_QA_QA_H

/*
 * The quality-assurance core (src/core/qa) is pure: no I/O, no clock, no
 * SQL, no threads, no global state. Times are UTC epoch milliseconds passed
 * in by the caller; randomness comes from base/rng with a seed passed in.
 * Definitions and worked examples: docs/quality.md.
 *
 * Conventions of every qa_* function:
 * - it returns 0 or an errno value (EINVAL bad input, EBUSY wrong state,
 *   ENOMEM); results come back through out-parameters;
 * - when it takes a `struct qa_err *` (which may be NULL) and fails with
 *   EINVAL or EBUSY, the message names the offending item
 *   ("criterion 4: weight must be > 0");
 * - scores are points on 0..100; shares and rates are fractions on 0..1;
 * - an undefined figure (nothing to average, a zero denominator) is NaN,
 *   never 0 or 100: test it with qa_defined().
 */

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QA_ERR_MAX 192

/* Why the last call failed, in words a user can act on. */
struct qa_err {
	char msg[QA_ERR_MAX];
};

#define QA_DAY_MS  86400000LL
#define QA_WEEK_MS (7 * QA_DAY_MS)
/* Times (epoch ms) and windows are accepted within +/- this (about 126,000 years), so that
 * differences never overflow. */
#define QA_TIME_LIMIT 4000000000000000LL

/* True when x is a defined figure (not NaN). */
static inline bool qa_defined(double x)
{
	return !isnan(x);
}

/*
 * Display rounding, the one policy for every figure shown: keep full double
 * precision in computation and storage, round only for display, once, at the
 * end: round(x * 10^decimals) / 10^decimals with C's round() (halves away
 * from zero), and -0 shown as 0. Scores and deviations are shown with one
 * decimal, shares as percentages with one decimal.
 */
double qa_round(double x, int decimals);
/* "74.4", "-3.5" (sign = true gives "+3.5", "0.0"), or "-" when undefined. */
int qa_format_points(char *buf, size_t size, double x, bool sign);
/* A share 0..1 as a percentage: "62.5%", or "-" when undefined. */
int qa_format_share(char *buf, size_t size, double share);

/* Sorts ascending (NaN not allowed). */
void qa_sort_doubles(double *v, size_t n);
/* Median of sorted v: the middle value, or the mean of the two middle values; NaN when n = 0. */
double qa_median_sorted(const double *v, size_t n);
/*
 * Nearest-rank percentile of sorted v: the value at rank ceil(p / 100 x n)
 * (1-based, at least 1), i.e. the smallest value with at least p% of the
 * values at or below it. 0 < p <= 100; NaN when n = 0 or p is out of range.
 */
double qa_percentile_sorted(const double *v, size_t n, double p);

#endif
