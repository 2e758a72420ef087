/* hours: business hours per queue and UTC offset tables, evaluated on local dates without tzdata.
 */
#include "core/ivr/hours.h"

#include <errno.h>
#include <string.h>

#define MIN_MS	    60000LL
#define DAY_MS	    86400000LL
#define SEARCH_DAYS 400

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

bool ivr_date_valid(const struct ivr_date *d)
{
	return d && d->year >= 1970 && d->year <= 9999 && d->month >= 1 && d->month <= 12 &&
	       d->day >= 1 && d->day <= month_days(d->year, d->month);
}

/* Days since 1970-01-01: count whole 400-year eras from a March-based year, so leap days come last.
 */
int64_t ivr_date_days(const struct ivr_date *d)
{
	int64_t y = d->year - (d->month <= 2 ? 1 : 0);
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;			     /* 0..399 */
	int64_t mp = (d->month + 9) % 12;		     /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d->day - 1;	     /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
	return era * 146097 + doe - 719468;
}

void ivr_date_from_days(int64_t days, struct ivr_date *d)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	d->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d->year = (int)(yoe + era * 400 + (d->month <= 2 ? 1 : 0));
}

int ivr_date_wday(const struct ivr_date *d)
{
	/* 1970-01-01 was a Thursday (4) */
	return (int)(((ivr_date_days(d) % 7) + 7 + 4) % 7);
}

/* ---------- zone ---------- */

void ivr_zone_fixed(struct ivr_zone *z, int32_t offset_min)
{
	memset(z, 0, sizeof(*z));
	z->n = 1;
	z->p[0].from_ms = INT64_MIN;
	z->p[0].offset_min = offset_min;
}

int ivr_zone_check(const struct ivr_zone *z)
{
	if (!z || z->n < 1 || z->n > IVR_ZONE_MAX)
		return EINVAL;
	for (unsigned i = 0; i < z->n; i++) {
		if (z->p[i].offset_min < -18 * 60 || z->p[i].offset_min > 18 * 60)
			return EINVAL;
		if (i > 0 && z->p[i].from_ms <= z->p[i - 1].from_ms)
			return EINVAL;
	}
	return 0;
}

int32_t ivr_zone_offset(const struct ivr_zone *z, int64_t utc_ms)
{
	unsigned i = 0;
	while (i + 1 < z->n && z->p[i + 1].from_ms <= utc_ms)
		i++;
	return z->p[i].offset_min;
}

void ivr_zone_local(const struct ivr_zone *z, int64_t utc_ms, struct ivr_local *out)
{
	int64_t local = utc_ms + (int64_t)ivr_zone_offset(z, utc_ms) * MIN_MS;
	int64_t days = floor_div(local, DAY_MS);
	ivr_date_from_days(days, &out->date);
	out->minute = (int)((local - days * DAY_MS) / MIN_MS);
	out->wday = ivr_date_wday(&out->date);
}

/* The earliest instant >= min_utc whose local time is `local` (ms on the local scale); gaps
 * resolved forward. */
static int64_t zone_utc_from(const struct ivr_zone *z, int64_t local, int64_t min_utc)
{
	int64_t best = INT64_MAX, any = INT64_MAX;
	for (unsigned i = 0; i < z->n; i++) {
		int64_t utc = local - (int64_t)z->p[i].offset_min * MIN_MS;
		if (ivr_zone_offset(z, utc) != z->p[i].offset_min)
			continue;
		if (utc < any)
			any = utc;
		if (utc >= min_utc && utc < best)
			best = utc;
	}
	if (best != INT64_MAX)
		return best;
	if (any != INT64_MAX)
		return any;
	/* a local time skipped by a forward change: read it with the offset before the change */
	for (unsigned i = 1; i < z->n; i++) {
		int64_t before = (int64_t)z->p[i - 1].offset_min * MIN_MS;
		int64_t after = (int64_t)z->p[i].offset_min * MIN_MS;
		if (after > before && local >= z->p[i].from_ms + before &&
		    local < z->p[i].from_ms + after)
			return local - before;
	}
	return local - (int64_t)z->p[0].offset_min *
			   MIN_MS; /* cannot happen: every local time is covered above */
}

int64_t ivr_zone_utc(const struct ivr_zone *z, const struct ivr_date *d, int minute)
{
	return zone_utc_from(z, ivr_date_days(d) * DAY_MS + (int64_t)minute * MIN_MS, INT64_MIN);
}

/* ---------- hours ---------- */

static int day_check(const struct ivr_day *d)
{
	if (d->n > IVR_HOURS_MAX_SPANS)
		return EINVAL;
	for (unsigned i = 0; i < d->n; i++) {
		if (d->s[i].open_min >= d->s[i].close_min || d->s[i].close_min > IVR_DAY_MIN)
			return EINVAL;
		if (i > 0 && d->s[i].open_min < d->s[i - 1].close_min)
			return EINVAL;
	}
	return 0;
}

int ivr_hours_check(const struct ivr_hours *h)
{
	if (!h)
		return EINVAL;
	for (int w = 0; w < 7; w++)
		if (day_check(&h->week[w]))
			return EINVAL;
	if (h->n_exc > IVR_HOURS_MAX_EXC)
		return EINVAL;
	for (unsigned i = 0; i < h->n_exc; i++) {
		if (!ivr_date_valid(&h->exc[i].date) || day_check(&h->exc[i].day))
			return EINVAL;
		if (i > 0 && ivr_date_days(&h->exc[i].date) <= ivr_date_days(&h->exc[i - 1].date))
			return EINVAL;
	}
	const struct ivr_after *a = &h->after;
	if (!memchr(a->prompt, '\0', sizeof(a->prompt)))
		return EINVAL;
	switch (a->kind) {
	case IVR_AFTER_MESSAGE:
	case IVR_AFTER_CALLBACK:
		return 0;
	case IVR_AFTER_RECORD:
		return a->max_ms > 0 ? 0 : EINVAL;
	case IVR_AFTER_QUEUE:
		return a->queue != 0 ? 0 : EINVAL;
	default:
		return EINVAL;
	}
}

/* The spans in force on a date (its exception, else its weekday's). */
static const struct ivr_day *day_for(const struct ivr_hours *h, const struct ivr_date *date,
				     int wday)
{
	int64_t key = ivr_date_days(date);
	unsigned lo = 0, hi = h->n_exc;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int64_t k = ivr_date_days(&h->exc[mid].date);
		if (k == key)
			return &h->exc[mid].day;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &h->week[((wday % 7) + 7) % 7];
}

/* Index of the span containing minute, or -1. */
static int span_at(const struct ivr_day *d, int minute)
{
	for (unsigned i = 0; i < d->n; i++)
		if (minute >= d->s[i].open_min && minute < d->s[i].close_min)
			return (int)i;
	return -1;
}

bool ivr_hours_open(const struct ivr_hours *h, const struct ivr_local *t)
{
	return span_at(day_for(h, &t->date, t->wday), t->minute) >= 0;
}

int ivr_hours_next_open_local(const struct ivr_hours *h, const struct ivr_local *t,
			      struct ivr_date *date, int *minute)
{
	int64_t base = ivr_date_days(&t->date);
	for (int k = 0; k <= SEARCH_DAYS; k++) {
		struct ivr_date d;
		ivr_date_from_days(base + k, &d);
		const struct ivr_day *day = day_for(h, &d, k == 0 ? t->wday : ivr_date_wday(&d));
		for (unsigned i = 0; i < day->n; i++) {
			int from = day->s[i].open_min;
			if (k == 0) {
				if (t->minute >= day->s[i].close_min)
					continue;
				if (t->minute >= from)
					from = t->minute;
			}
			*date = d;
			*minute = from;
			return 0;
		}
	}
	return ENOENT;
}

int ivr_hours_next_open(const struct ivr_hours *h, const struct ivr_zone *z, int64_t now_ms,
			int64_t *open_ms)
{
	struct ivr_local t;
	ivr_zone_local(z, now_ms, &t);
	if (ivr_hours_open(h, &t)) {
		*open_ms = now_ms;
		return 0;
	}
	struct ivr_date d;
	int minute;
	int err = ivr_hours_next_open_local(h, &t, &d, &minute);
	if (err)
		return err;
	int64_t at =
	    zone_utc_from(z, ivr_date_days(&d) * DAY_MS + (int64_t)minute * MIN_MS, now_ms);
	*open_ms = at > now_ms ? at : now_ms;
	return 0;
}

int ivr_hours_next_close(const struct ivr_hours *h, const struct ivr_zone *z, int64_t now_ms,
			 int64_t *close_ms)
{
	struct ivr_local t;
	ivr_zone_local(z, now_ms, &t);
	int64_t base = ivr_date_days(&t.date);
	int minute = t.minute;
	int wday = t.wday;
	for (int k = 0; k <= SEARCH_DAYS; k++) {
		struct ivr_date d;
		ivr_date_from_days(base + k, &d);
		const struct ivr_day *day = day_for(h, &d, k == 0 ? wday : ivr_date_wday(&d));
		int i = span_at(day, minute);
		if (i < 0) {
			int64_t local = (base + k) * DAY_MS + (int64_t)minute * MIN_MS;
			int64_t at = zone_utc_from(z, local, now_ms);
			*close_ms = at > now_ms ? at : now_ms;
			return 0;
		}
		/* follow touching spans through the day and past midnight */
		while ((unsigned)i + 1 < day->n && day->s[i + 1].open_min == day->s[i].close_min)
			i++;
		if (day->s[i].close_min < IVR_DAY_MIN) {
			int64_t local = (base + k) * DAY_MS + (int64_t)day->s[i].close_min * MIN_MS;
			int64_t at = zone_utc_from(z, local, now_ms);
			*close_ms = at > now_ms ? at : now_ms;
			return 0;
		}
		minute = 0;
	}
	return ENOENT;
}
