/* profile: interval profile CSV parsing, ISO 8601 times and their placement on the UTC time line.
 */
#include "core/wfm/profile.h"

#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return EBADMSG;
}

/* ---- calendar ---- */

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/*
 * Counts in 400-year eras (146097 days each) of years that start on 1 March,
 * so that the leap day is the last day of its year.
 */
int64_t wfm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;			     /* [0, 399] */
	int64_t mp = m > 2 ? m - 3 : m + 9;		     /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d - 1;	     /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
	return era * 146097 + doe - 719468;		     /* 719468: 0000-03-01 to 1970-01-01 */
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void wfm_format_time(int64_t t, const char *suffix, char *buf, size_t len)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t sec = t - days * 86400, y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04lld-%02u-%02uT%02d:%02d:%02d%s", (long long)y, m, d,
		 (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60), suffix ? suffix : "");
}

/* ---- ISO 8601 ---- */

/* Reads exactly n digits at s[*i]. */
static bool digits(const char *s, size_t len, size_t *i, unsigned n, unsigned *out)
{
	unsigned v = 0;
	for (unsigned k = 0; k < n; k++, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[*i] - '0');
	}
	*out = v;
	return true;
}

static bool expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i < len && s[*i] == c) {
		(*i)++;
		return true;
	}
	return false;
}

int wfm_iso8601(const char *s, size_t len, int64_t *wall, bool *has_offset, int32_t *offset)
{
	size_t i = 0;
	unsigned y, mo, d, h, mi, sec = 0;
	if (!digits(s, len, &i, 4, &y) || !expect(s, len, &i, '-') || !digits(s, len, &i, 2, &mo) ||
	    !expect(s, len, &i, '-') || !digits(s, len, &i, 2, &d))
		return EBADMSG;
	if (!(expect(s, len, &i, 'T') || expect(s, len, &i, 't') || expect(s, len, &i, ' ')))
		return EBADMSG;
	if (!digits(s, len, &i, 2, &h) || !expect(s, len, &i, ':') || !digits(s, len, &i, 2, &mi))
		return EBADMSG;
	if (expect(s, len, &i, ':') && !digits(s, len, &i, 2, &sec))
		return EBADMSG;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || sec > 59)
		return EBADMSG;
	bool off = false;
	int32_t o = 0;
	if (expect(s, len, &i, 'Z') || expect(s, len, &i, 'z')) {
		off = true;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		unsigned oh, om = 0;
		i++;
		if (!digits(s, len, &i, 2, &oh))
			return EBADMSG;
		if (expect(s, len, &i, ':')) {
			if (!digits(s, len, &i, 2, &om))
				return EBADMSG;
		} else if (i < len && !digits(s, len, &i, 2, &om)) {
			return EBADMSG;
		}
		if (oh > 18 || om > 59 || oh * 60 + om > 18 * 60)
			return EBADMSG;
		off = true;
		o = sign * (int32_t)(oh * 3600 + om * 60);
	}
	if (i != len)
		return EBADMSG;
	*wall = wfm_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	*has_offset = off;
	*offset = o;
	return 0;
}

/* ---- CSV ---- */

/* The next field of a line: [*pos, end) up to a comma; trimmed, one pair of quotes removed. */
static void next_field(const char *line, size_t end, size_t *pos, const char **f, size_t *flen)
{
	size_t a = *pos, b = a;
	while (b < end && line[b] != ',')
		b++;
	*pos = b < end ? b + 1 : end + 1;
	while (a < b && (line[a] == ' ' || line[a] == '\t'))
		a++;
	while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t'))
		b--;
	if (b - a >= 2 && line[a] == '"' && line[b - 1] == '"') {
		a++;
		b--;
	}
	*f = line + a;
	*flen = b - a;
}

static bool field_is(const char *f, size_t n, const char *name)
{
	size_t k = strlen(name);
	if (n != k)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = f[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return false;
	}
	return true;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Shows at most 40 bytes of a field in a message, non-printing bytes as '?'. */
static void show(const char *f, size_t n, char *out, size_t outlen)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < outlen && i < 40; i++)
		out[k++] = (f[i] >= 32 && f[i] < 127) ? f[i] : '?';
	if (n > 40 && k + 4 < outlen) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = 0;
}

void wfm_profile_release(struct wfm_profile *p)
{
	if (!p)
		return;
	sb_free(p->rows);
	p->rows = NULL;
	p->n = 0;
}

static int parse_calls(const char *f, size_t n, double *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return EBADMSG;
	memcpy(buf, f, n);
	buf[n] = 0;
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (end != buf + n || errno == ERANGE || !isfinite(v) || v < 0)
		return EBADMSG;
	*out = v;
	return 0;
}

int wfm_profile_parse(struct wfm_profile *p, const char *text, size_t len, char *err, size_t errlen)
{
	if (!p || (!text && len))
		return EINVAL;
	memset(p, 0, sizeof(*p));
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	size_t cap = 0, ncols = 0, col_start = SIZE_MAX, col_calls = SIZE_MAX;
	bool header = false;
	unsigned line = 0;
	char shown[64];
	for (size_t pos = 0; pos < len;) {
		size_t eol = pos;
		while (eol < len && text[eol] != '\n')
			eol++;
		const char *l = text + pos;
		size_t end = eol - pos;
		pos = eol + 1;
		line++;
		if (end && l[end - 1] == '\r')
			end--;
		if (blank(l, end))
			continue;
		const char *f;
		size_t fl, at = 0, col = 0;
		if (!header) {
			if (line != 1)
				return fail(err, errlen, "line 1: the header line is empty");
			for (; at <= end; col++) {
				next_field(l, end, &at, &f, &fl);
				if (field_is(f, fl, "interval_start") && col_start == SIZE_MAX)
					col_start = col;
				else if (field_is(f, fl, "calls") && col_calls == SIZE_MAX)
					col_calls = col;
			}
			ncols = col;
			if (col_start == SIZE_MAX || col_calls == SIZE_MAX)
				return fail(
				    err, errlen,
				    "line 1: the header must name the columns interval_start "
				    "and calls");
			header = true;
			continue;
		}
		if (p->n == cap) {
			size_t ncap = cap ? cap * 2 : 128;
			struct wfm_row *r = sb_realloc(p->rows, ncap * sizeof(*r));
			if (!r)
				return ENOMEM;
			p->rows = r;
			cap = ncap;
		}
		struct wfm_row *r = &p->rows[p->n];
		memset(r, 0, sizeof(*r));
		r->line = line;
		bool got_start = false, got_calls = false;
		for (; at <= end; col++) {
			next_field(l, end, &at, &f, &fl);
			if (col == col_start) {
				got_start = true;
				show(f, fl, shown, sizeof(shown));
				if (fl > WFM_START_MAX ||
				    wfm_iso8601(f, fl, &r->wall, &r->has_offset, &r->offset))
					return fail(
					    err, errlen,
					    "line %u: interval_start '%s' is not an ISO 8601 "
					    "date and time (YYYY-MM-DDTHH:MM[:SS], optionally "
					    "with Z or +HH:MM)",
					    line, shown);
				memcpy(r->start, f, fl);
				r->start[fl] = 0;
			} else if (col == col_calls) {
				got_calls = true;
				if (parse_calls(f, fl, &r->calls)) {
					show(f, fl, shown, sizeof(shown));
					return fail(err, errlen,
						    "line %u: calls '%s' is not a number >= 0",
						    line, shown);
				}
			}
		}
		if (col != ncols || !got_start || !got_calls)
			return fail(err, errlen, "line %u: %zu fields, but the header has %zu",
				    line, col, ncols);
		p->n++;
	}
	if (!header)
		return fail(err, errlen, "the profile is empty (it needs a header line)");
	if (p->n == 0)
		return fail(err, errlen, "the profile has a header but no rows");
	return 0;
}

/* ---- placement on the time line ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void show_duration(int64_t s, char *buf, size_t len)
{
	if (s % 3600 == 0)
		snprintf(buf, len, "%lld h", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(buf, len, "%lld min", (long long)(s / 60));
	else
		snprintf(buf, len, "%lld s", (long long)s);
}

int wfm_profile_place(struct wfm_profile *p, int64_t interval, wfm_zone_h *zone, void *arg,
		      char *err, size_t errlen)
{
	if (!p || !p->n || interval < 0)
		return EINVAL;
	p->missing = 0;
	p->offset_changes = 0;
	p->ambiguous = 0;
	char a[32], b[32];
	for (size_t i = 0; i < p->n; i++) {
		struct wfm_row *r = &p->rows[i], *prev = i ? &p->rows[i - 1] : NULL;
		if (r->has_offset) {
			r->utc = r->wall - r->offset;
		} else if (!zone) {
			r->utc = r->wall;
			r->offset = 0;
		} else {
			int64_t c[2];
			unsigned k = zone(r->wall, c, arg);
			if (k == 0)
				return fail(
				    err, errlen,
				    "line %u: local time %s does not exist in the time zone "
				    "(the clocks skip it at a daylight-saving change); remove "
				    "the row or give it a UTC offset",
				    r->line, r->start);
			if (k == 2) {
				p->ambiguous++;
				r->utc = prev && c[0] <= prev->utc ? c[1] : c[0];
			} else {
				r->utc = c[0];
			}
			r->offset = (int32_t)(r->wall - r->utc);
		}
		if (prev && r->utc <= prev->utc) {
			wfm_format_time(r->utc, "Z", a, sizeof(a));
			wfm_format_time(prev->utc, "Z", b, sizeof(b));
			return fail(err, errlen,
				    "line %u: %s (%s) is not later than line %u's %s (%s); rows "
				    "must list each interval once, in time order",
				    r->line, r->start, a, prev->line, prev->start, b);
		}
		if (prev && r->offset != prev->offset)
			p->offset_changes++;
	}
	if (interval == 0) {
		if (p->n < 2)
			return fail(err, errlen,
				    "one row: the interval length cannot be detected; give it");
		/* the most common spacing; the shortest one among ties */
		int64_t *d = sb_alloc((p->n - 1) * sizeof(int64_t));
		if (!d)
			return ENOMEM;
		for (size_t i = 1; i < p->n; i++)
			d[i - 1] = p->rows[i].utc - p->rows[i - 1].utc;
		qsort(d, p->n - 1, sizeof(int64_t), cmp_i64);
		size_t best = 0;
		for (size_t i = 0; i < p->n - 1;) {
			size_t j = i;
			while (j < p->n - 1 && d[j] == d[i])
				j++;
			if (j - i > best) {
				best = j - i;
				interval = d[i];
			}
			i = j;
		}
		sb_free(d);
	}
	for (size_t i = 1; i < p->n; i++) {
		int64_t gap = p->rows[i].utc - p->rows[i - 1].utc;
		if (gap % interval != 0) {
			show_duration(gap, a, sizeof(a));
			show_duration(interval, b, sizeof(b));
			return fail(err, errlen,
				    "line %u: starts %s after the row before, which is not a "
				    "whole number of %s intervals",
				    p->rows[i].line, a, b);
		}
		p->missing += gap / interval - 1;
	}
	p->interval = interval;
	return 0;
}
