/* api_campaigns: outbound campaigns (docs/dialer.md): CRUD, lead-list import from CSV with its
 * rejection report, leads, do-not-call lists, "why no dialable leads", the abandonment report. */
#include "server/api_campaigns.h"
#include "server/api_campaigns_view.h"
#include "server/api_impl.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/phone.h"
#include "core/dialer/dialer.h"
#include "server/tel_dial.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_AGENTS     256
#define MAX_SKILLS     64
#define MAX_RUN_AGENTS 1024 /* agents one running campaign dials for */
#define MINUTE_MS      60000LL
#define HOUR_MS	       (60 * MINUTE_MS)

/* ---------- the campaign row ---------- */

enum {
	CA_ID,
	CA_CLIENT,
	CA_NAME,
	CA_QUEUE,
	CA_CALLER,
	CA_MODE,
	CA_WINDOWS,
	CA_PROFILE,
	CA_PCUSTOM,
	CA_RETRY,
	CA_RING,
	CA_ZONE,
	CA_SCRIPT,
	CA_ACTIVE,
	CA_CREATED,
	CA_UPDATED,
	CA_RUNNING,  /* schema v10: running (kept across restarts), the blending rule, the */
	CA_BLEND_SL, /* mapping of the center's disposition codes to dialer results */
	CA_BLEND_RES,
	CA_DMAP,
	CA_COUNT
};
#define CA_AGENTS CA_COUNT /* columns after the fields: agents and skills as JSON arrays */
#define CA_SKILLS (CA_COUNT + 1)

static const char *const modes[] = {"preview", "progressive", "predictive", NULL};
static const char *const profiles[] = {"us", "uk", "custom", NULL};

static const struct api_field camp_fields[CA_COUNT] = {
    [CA_ID] = {"id", AF_INT, AF_RO, 0, 0, NULL, NULL},
    [CA_CLIENT] = {"client_id", AF_INT, 0, 1, UINT32_MAX, NULL, NULL},
    [CA_NAME] = {"name", AF_TEXT, AF_REQ, 1, 100, NULL, NULL},
    [CA_QUEUE] = {"queue_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL, NULL},
    [CA_CALLER] = {"caller_id", AF_TEXT, AF_NULL, 0, 40, NULL, NULL},
    [CA_MODE] = {"dial_mode", AF_ENUM, 0, 0, 0, modes, NULL},
    [CA_WINDOWS] = {"windows", AF_JSON, AF_NULL, 0, 4000, NULL, NULL},
    [CA_PROFILE] = {"profile", AF_ENUM, 0, 0, 0, profiles, NULL},
    [CA_PCUSTOM] = {"profile_custom", AF_JSON, AF_NULL, 0, 4000, NULL, NULL},
    [CA_RETRY] = {"retry_rules", AF_JSON, AF_NULL, 0, 4000, NULL, NULL},
    [CA_RING] = {"ring_seconds", AF_INT, 0, 5, 300, NULL, NULL},
    [CA_ZONE] = {"default_zone", AF_TEXT, AF_NULL, 0, DIALER_ZONE_MAX - 1, NULL, NULL},
    [CA_SCRIPT] = {"script_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL, NULL},
    [CA_ACTIVE] = {"active", AF_BOOL, 0, 0, 0, NULL, NULL},
    [CA_CREATED] = {"created_at", AF_TIME, AF_RO, 0, 0, NULL, NULL},
    [CA_UPDATED] = {"updated_at", AF_TIME, AF_RO, 0, 0, NULL, NULL},
    [CA_RUNNING] = {"running", AF_BOOL, AF_RO, 0, 0, NULL, NULL},
    [CA_BLEND_SL] = {"blend_min_sl", AF_REAL, 0, 0, 1, NULL, NULL},
    [CA_BLEND_RES] = {"blend_reserve", AF_INT, 0, 0, 1000, NULL, NULL},
    [CA_DMAP] = {"disposition_map", AF_JSON, AF_NULL, 0, 8000, NULL, NULL},
};

static const char *const camp_extra[] = {"agents", "skills", NULL};

#define CAMP_COLS                                                                                  \
	"c.id, c.client_id, c.name, c.queue_id, c.caller_id, c.dial_mode, c.windows, c.profile,"   \
	" c.profile_custom, c.retry_rules, c.ring_seconds, c.default_zone, c.script_id, c.active," \
	" c.created_at, c.updated_at, c.running, c.blend_min_sl, c.blend_reserve,"                 \
	" c.disposition_map, c.agents, c.skills"

static const struct store_stmt q_campaign = {
    "api.campaign", "SELECT " CAMP_COLS " FROM campaigns c WHERE c.id = $1", NULL};
static const struct store_stmt q_campaigns = {
    "api.campaigns",
    "SELECT " CAMP_COLS " FROM campaigns c"
    " WHERE ($1 IS NULL OR c.client_id IN (SELECT value FROM json_each($1)))"
    " AND c.id > $2 ORDER BY c.id LIMIT $3",
    NULL};

/* The effective settings of a campaign (a stored row, or defaults and a request's values). */
struct camp {
	int64_t client;
	const char *mode, *windows, *profile, *pcustom, *retry, *caller, *zone;
	int64_t ring;
};

/* Checked and converted: what the dialer core takes. */
struct camp_ok {
	struct dialer_campaign_params p;
	char caller[PHONE_E164_MAX];
	char zone[DIALER_ZONE_MAX];
};

/* "H:MM" or "HH:MM", 00:00..24:00, to minutes. */
static int hhmm(const cJSON *it, int *out)
{
	if (!cJSON_IsString(it))
		return EINVAL;
	const char *s = it->valuestring;
	int h = 0, m = 0, nd = 0;
	while (*s >= '0' && *s <= '9' && nd < 2)
		h = h * 10 + (*s++ - '0'), nd++;
	if (!nd || *s++ != ':')
		return EINVAL;
	if (!(s[0] >= '0' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && !s[2]))
		return EINVAL;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	if (h > 24 || (h == 24 && m))
		return EINVAL;
	*out = h * 60 + m;
	return 0;
}

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int parse_windows(const char *text, struct dialer_day days[7], char *err, size_t n)
{
	if (!text)
		return 0; /* the defaults */
	cJSON *o = cJSON_Parse(text);
	int rc = EINVAL;
	if (!cJSON_IsObject(o)) {
		snprintf(err, n, "field \"windows\" must be an object");
		goto out;
	}
	const char *stray;
	if (json_only_keys(
		o, (const char *const[]){"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL},
		&stray)) {
		snprintf(err, n, "field \"windows\": \"%s\" is not a weekday (sun, mon ... sat)",
			 stray);
		goto out;
	}
	for (int d = 0; d < 7; d++) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, day_names[d]);
		days[d].start_min = days[d].end_min = 0; /* a day not given: no calls */
		if (!w || cJSON_IsNull(w))
			continue;
		int s, e;
		if (!cJSON_IsObject(w) || hhmm(cJSON_GetObjectItemCaseSensitive(w, "start"), &s) ||
		    hhmm(cJSON_GetObjectItemCaseSensitive(w, "end"), &e) ||
		    cJSON_GetArraySize(w) != 2) {
			snprintf(err, n,
				 "field \"windows.%s\" must be {\"start\": \"HH:MM\", \"end\": "
				 "\"HH:MM\"} or null",
				 day_names[d]);
			goto out;
		}
		if (s >= e) {
			snprintf(err, n, "field \"windows.%s\": start must be before end",
				 day_names[d]);
			goto out;
		}
		days[d].start_min = s;
		days[d].end_min = e;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

static int parse_profile(const struct camp *c, struct dialer_profile *p, char *err, size_t n)
{
	if (strcmp(c->profile, "uk") == 0)
		dialer_profile_uk(p);
	else
		dialer_profile_us(p);
	if (strcmp(c->profile, "custom") != 0) {
		if (c->pcustom) {
			snprintf(err, n, "field \"profile_custom\" is only for profile \"custom\"");
			return EINVAL;
		}
		return 0;
	}
	if (!c->pcustom) {
		snprintf(err, n, "field \"profile_custom\" is required for profile \"custom\"");
		return EINVAL;
	}
	snprintf(p->name, sizeof(p->name), "custom");
	cJSON *o = cJSON_Parse(c->pcustom);
	int rc = EINVAL;
	const char *stray;
	static const char *const keys[] = {
	    "abandon_limit_pct", "abandon_window_hours", "safe_harbour_seconds", "min_ring_seconds",
	    "window_start",	 "window_end",		 "lockout_hours",	 NULL};
	if (!cJSON_IsObject(o) || json_only_keys(o, keys, &stray)) {
		snprintf(err, n, "field \"profile_custom\": unknown key \"%s\"",
			 cJSON_IsObject(o) ? stray : "?");
		goto out;
	}
	double pct;
	int64_t v;
	const cJSON *it;
	if ((it = cJSON_GetObjectItemCaseSensitive(o, "abandon_limit_pct"))) {
		if (json_as_double(it, 0, 100, &pct)) {
			snprintf(err, n,
				 "field \"profile_custom.abandon_limit_pct\" must be 0..100");
			goto out;
		}
		p->abandon_limit = pct / 100;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(o, "abandon_window_hours"))) {
		if (json_as_i64(it, 1, 366 * 24, &v)) {
			snprintf(err, n,
				 "field \"profile_custom.abandon_window_hours\" must be 1..8784");
			goto out;
		}
		p->abandon_window_ms = v * HOUR_MS;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(o, "safe_harbour_seconds"))) {
		if (json_as_i64(it, 0, 60, &v)) {
			snprintf(err, n,
				 "field \"profile_custom.safe_harbour_seconds\" must be 0..60");
			goto out;
		}
		p->safe_harbour_ms = v * 1000;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(o, "min_ring_seconds"))) {
		if (json_as_i64(it, 0, 300, &v)) {
			snprintf(err, n,
				 "field \"profile_custom.min_ring_seconds\" must be 0..300");
			goto out;
		}
		p->min_ring_ms = v * 1000;
	}
	int m;
	if ((it = cJSON_GetObjectItemCaseSensitive(o, "window_start"))) {
		if (hhmm(it, &m)) {
			snprintf(err, n, "field \"profile_custom.window_start\" must be \"HH:MM\"");
			goto out;
		}
		p->window_start_min = m;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(o, "window_end"))) {
		if (hhmm(it, &m)) {
			snprintf(err, n, "field \"profile_custom.window_end\" must be \"HH:MM\"");
			goto out;
		}
		p->window_end_min = m;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(o, "lockout_hours"))) {
		if (json_as_i64(it, 0, 366 * 24, &v)) {
			snprintf(err, n, "field \"profile_custom.lockout_hours\" must be 0..8784");
			goto out;
		}
		p->abandon_lockout_ms = v * HOUR_MS;
	}
	if (dialer_profile_check(p)) {
		snprintf(err, n,
			 "field \"profile_custom\": window_start must not be after window_end");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

static int result_parse(const char *s, enum dialer_result *r)
{
	for (int i = DIALER_R_NONE + 1; i < DIALER_R_COUNT; i++) {
		if (strcmp(s, dialer_result_name((enum dialer_result)i)) == 0) {
			*r = (enum dialer_result)i;
			return 0;
		}
	}
	return EINVAL;
}

/* A disposition mapping: {"code": result or "none"} (results an agent may give). */
static int dmap_check(const char *text, char *err, size_t n)
{
	if (!text)
		return 0;
	cJSON *o = cJSON_Parse(text);
	int rc = EINVAL;
	unsigned k = 0;
	const cJSON *it;
	if (!cJSON_IsObject(o)) {
		snprintf(err, n, "field \"disposition_map\" must be an object");
		goto out;
	}
	cJSON_ArrayForEach(it, o)
	{
		enum dialer_result r = DIALER_R_NONE;
		if (++k > 256) {
			snprintf(err, n, "field \"disposition_map\": at most 256 codes");
			goto out;
		}
		if (!it->string || !it->string[0] || strlen(it->string) > 60) {
			snprintf(err, n, "field \"disposition_map\": codes are 1 to 60 characters");
			goto out;
		}
		if (!cJSON_IsString(it) ||
		    (strcmp(it->valuestring, "none") != 0 &&
		     (result_parse(it->valuestring, &r) || r == DIALER_R_ABANDONED))) {
			snprintf(
			    err, n,
			    "field \"disposition_map\": \"%.40s\": not completed, callback, "
			    "not-interested, wrong-number, no-answer, busy, failed, dnc or none",
			    it->string);
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

static int parse_retry(const char *text, struct dialer_retry *rt, char *err, size_t n)
{
	if (!text)
		return 0;
	cJSON *o = cJSON_Parse(text);
	int rc = EINVAL;
	if (!cJSON_IsObject(o)) {
		snprintf(err, n, "field \"retry_rules\" must be an object");
		goto out;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, o)
	{
		enum dialer_result r;
		if (result_parse(it->string, &r)) {
			snprintf(err, n,
				 "field \"retry_rules\": \"%s\" is not a result (no-answer, busy, "
				 "failed, abandoned, completed, callback, dnc, wrong-number, "
				 "not-interested)",
				 it->string);
			goto out;
		}
		static const char *const keys[] = {"final", "delay_minutes", "max_attempts", NULL};
		const char *stray;
		int64_t delay = 0, max = 0;
		bool final = false;
		int e1 = cJSON_IsObject(it) ? json_only_keys(it, keys, &stray) : EINVAL;
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "final");
		if (!e1 && f && !cJSON_IsBool(f))
			e1 = EINVAL;
		final = cJSON_IsTrue(f);
		if (!e1 && cJSON_GetObjectItemCaseSensitive(it, "delay_minutes") &&
		    json_get_i64(it, "delay_minutes", 0, 366 * 24 * 60, &delay))
			e1 = EINVAL;
		if (!e1 && cJSON_GetObjectItemCaseSensitive(it, "max_attempts") &&
		    json_get_i64(it, "max_attempts", 0, 1000, &max))
			e1 = EINVAL;
		if (e1) {
			snprintf(err, n,
				 "field \"retry_rules.%s\" must be {\"final\": true} or "
				 "{\"delay_minutes\": 0..527040, \"max_attempts\": 0..1000}",
				 it->string);
			goto out;
		}
		rt[r].final = final;
		rt[r].delay_ms = delay * MINUTE_MS;
		rt[r].max_attempts = (uint32_t)max;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

/* ---------- time zones: the compiled tzdata (TZif files) ---------- */

/* A rule of a POSIX TZ string: when daylight saving starts or ends. */
struct tzday {
	char kind; /* 'M' (month, week, weekday), 'J' (1..365, no 29 Feb), 'D' (0..365) */
	int m, w, d, n;
	int32_t time; /* seconds after local midnight (may be negative or past 24 h) */
};

/* The TZif footer (RFC 8536 3.3): the rule after the last transition. */
struct tzrule {
	bool has, dst;
	int32_t std_off, dst_off; /* UTC offsets, seconds east */
	struct tzday start, end;
};

struct tzent {
	char name[DIALER_ZONE_NAME_MAX];
	struct tzrule rule;
	int err; /* 0, ENOENT, EINVAL */
	int64_t *at;
	int32_t *off; /* UTC offset (seconds) from at[i] on */
	uint32_t n;
	int32_t off0; /* before the first transition */
};

struct tzcache {
	struct tzent *e;
	unsigned n, cap;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- POSIX TZ strings ("EST5EDT,M3.2.0,M11.1.0", "<+0530>-5:30") ---- */

static const char *tzs_name(const char *p)
{
	if (*p == '<') {
		const char *q = strchr(p, '>');
		return q && q - p >= 2 ? q + 1 : NULL;
	}
	const char *q = p;
	while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] to seconds (max_h: 24 for offsets, 167 for rule times). */
static const char *tzs_hms(const char *p, int max_h, int32_t *out)
{
	int sign = 1, v[3] = {0, 0, 0};
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (int i = 0; i < 3; i++) {
		if (i && *p != ':')
			break;
		if (i)
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		int n = 0;
		for (int k = 0; k < 3 && *p >= '0' && *p <= '9'; k++)
			n = n * 10 + (*p++ - '0');
		v[i] = n;
	}
	if (v[0] > max_h || v[1] > 59 || v[2] > 59)
		return NULL;
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return p;
}

static const char *tzs_num(const char *p, int lo, int hi, int *out)
{
	int n = 0, k = 0;
	while (*p >= '0' && *p <= '9' && k < 4)
		n = n * 10 + (*p++ - '0'), k++;
	if (!k || n < lo || n > hi)
		return NULL;
	*out = n;
	return p;
}

static const char *tzs_day(const char *p, struct tzday *d)
{
	d->time = 7200;
	if (*p == 'M') {
		d->kind = 'M';
		if (!(p = tzs_num(p + 1, 1, 12, &d->m)) || *p != '.' ||
		    !(p = tzs_num(p + 1, 1, 5, &d->w)) || *p != '.' ||
		    !(p = tzs_num(p + 1, 0, 6, &d->d)))
			return NULL;
	} else if (*p == 'J') {
		d->kind = 'J';
		if (!(p = tzs_num(p + 1, 1, 365, &d->n)))
			return NULL;
	} else {
		d->kind = 'D';
		if (!(p = tzs_num(p, 0, 365, &d->n)))
			return NULL;
	}
	if (*p == '/')
		p = tzs_hms(p + 1, 167, &d->time);
	return p;
}

static int tzs_parse(const char *p, struct tzrule *r)
{
	int32_t off;
	memset(r, 0, sizeof(*r));
	if (!(p = tzs_name(p)) || !(p = tzs_hms(p, 24, &off)))
		return EINVAL;
	r->std_off = -off; /* POSIX counts hours west */
	if (!*p) {
		r->has = true;
		return 0;
	}
	if (!(p = tzs_name(p)))
		return EINVAL;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = tzs_hms(p, 24, &off)))
			return EINVAL;
		r->dst_off = -off;
	}
	if (*p != ',' || !(p = tzs_day(p + 1, &r->start)) || *p != ',' ||
	    !(p = tzs_day(p + 1, &r->end)) || *p)
		return EINVAL;
	r->has = r->dst = true;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The day (days since the epoch) a rule names in year y. */
static int64_t tz_rule_day(const struct tzday *d, int64_t y)
{
	int64_t jan1 = days_civil(y, 1, 1);
	if (d->kind == 'J')
		return jan1 + d->n - 1 + (leap(y) && d->n >= 60);
	if (d->kind == 'D')
		return jan1 + d->n;
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t first = days_civil(y, d->m, 1);
	int wd = (int)(((first % 7) + 11) % 7);
	int day = 1 + (d->d - wd + 7) % 7 + (d->w - 1) * 7;
	int len = mdays[d->m - 1] + (d->m == 2 && leap(y));
	while (day > len)
		day -= 7;
	return first + day - 1;
}

/* The UTC offset the rule gives at t. */
static int32_t tz_rule_off(const struct tzrule *r, int64_t t)
{
	if (!r->dst)
		return r->std_off;
	int64_t days = (t + r->std_off) / 86400 - ((t + r->std_off) % 86400 < 0);
	/* the year of that day */
	int64_t y = 1970 + days / 366;
	while (days_civil(y + 1, 1, 1) <= days)
		y++;
	while (days_civil(y, 1, 1) > days)
		y--;
	int64_t start = tz_rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
	int64_t end = tz_rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
	bool in = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return in ? r->dst_off : r->std_off;
}

/* Parses a TZif file (RFC 8536): the 64-bit data of version 2+, else the 32-bit data. */
static int tz_parse(const unsigned char *b, size_t len, struct tzent *z)
{
	if (len < 44 || memcmp(b, "TZif", 4) != 0)
		return EINVAL;
	size_t pos = 0;
	int tsize = 4;
	for (int pass = 0; pass < 2; pass++) {
		if (len - pos < 44 || memcmp(b + pos, "TZif", 4) != 0)
			return EINVAL;
		uint32_t isut = be32(b + pos + 20), isstd = be32(b + pos + 24),
			 leap = be32(b + pos + 28), timecnt = be32(b + pos + 32),
			 typecnt = be32(b + pos + 36), charcnt = be32(b + pos + 40);
		bool v2 = b[pos + 4] >= '2';
		if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || charcnt > 100000 ||
		    leap > 100000 || isut > 256 || isstd > 256)
			return EINVAL;
		size_t data = (size_t)timecnt * (size_t)tsize + timecnt + (size_t)typecnt * 6 +
			      charcnt + (size_t)leap * (size_t)(tsize + 4) + isstd + isut;
		pos += 44;
		if (len - pos < data)
			return EINVAL;
		if (pass == 0 && v2) {
			pos += data;
			tsize = 8;
			continue;
		}
		const unsigned char *t = b + pos, *idx = t + (size_t)timecnt * (size_t)tsize,
				    *types = idx + timecnt;
		z->at = timecnt ? sb_calloc(timecnt, sizeof(*z->at)) : NULL;
		z->off = timecnt ? sb_calloc(timecnt, sizeof(*z->off)) : NULL;
		if (timecnt && (!z->at || !z->off))
			return ENOMEM;
		for (uint32_t i = 0; i < timecnt; i++) {
			if (idx[i] >= typecnt)
				return EINVAL;
			z->at[i] = tsize == 8 ? be64(t + 8 * i) : (int32_t)be32(t + 4 * i);
			z->off[i] = (int32_t)be32(types + 6 * idx[i]);
		}
		z->n = timecnt;
		/* before the first transition: the first standard-time type (RFC 8536 3.2) */
		z->off0 = (int32_t)be32(types);
		for (uint32_t k = 0; k < typecnt; k++) {
			if (!types[6 * k + 4]) {
				z->off0 = (int32_t)be32(types + 6 * k);
				break;
			}
		}
		/* version 2+: the footer's rule holds after the last transition */
		const unsigned char *f = b + pos + data, *fend = b + len;
		if (tsize == 8 && f < fend && *f == '\n') {
			const unsigned char *e = memchr(f + 1, '\n', (size_t)(fend - f - 1));
			char tzs[128];
			if (e && e - f - 1 > 0 && (size_t)(e - f - 1) < sizeof(tzs)) {
				memcpy(tzs, f + 1, (size_t)(e - f - 1));
				tzs[e - f - 1] = '\0';
				if (tzs_parse(tzs, &z->rule) != 0)
					memset(&z->rule, 0, sizeof(z->rule)); /* not understood */
			}
		}
		return 0;
	}
	return EINVAL;
}

static int tz_load(const char *name, struct tzent *z)
{
	snprintf(z->name, sizeof(z->name), "%s", name);
	if (!name[0] || name[0] == '/' || strstr(name, "..") || strlen(name) >= sizeof(z->name))
		return EINVAL;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ENOENT;
	struct stat st;
	int rc = ENOENT;
	unsigned char *b = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 44 || st.st_size > 1 << 20)
		goto out;
	b = sb_alloc((size_t)st.st_size);
	if (!b) {
		rc = ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	rc = tz_parse(b, got, z) == 0 ? 0 : ENOENT;
out:
	sb_free(b);
	close(fd);
	return rc;
}

static void tzcache_free(struct tzcache *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		sb_free(c->e[i].at);
		sb_free(c->e[i].off);
	}
	sb_free(c->e);
	c->e = NULL;
	c->n = c->cap = 0;
}

/* The dialer's localtime callback (dialer.h). After the last transition the footer's POSIX rule
 * holds (slim TZif files stop at the last change of rules; fat ones list years up to 2037). */
static int tz_local(const char *zone, int64_t utc_ms, struct dialer_local *out, void *arg)
{
	struct tzcache *c = arg;
	struct tzent *z = NULL;
	for (unsigned i = 0; i < c->n; i++)
		if (strcmp(c->e[i].name, zone) == 0)
			z = &c->e[i];
	if (!z) {
		if (c->n == c->cap) {
			unsigned cap = c->cap ? 2 * c->cap : 8;
			struct tzent *e = sb_realloc(c->e, cap * sizeof(*e));
			if (!e)
				return ENOMEM;
			c->e = e;
			c->cap = cap;
		}
		z = &c->e[c->n++];
		memset(z, 0, sizeof(*z));
		z->err = tz_load(zone, z);
	}
	if (z->err)
		return ENOENT;
	int64_t t = utc_ms >= 0 ? utc_ms / 1000 : -((-utc_ms + 999) / 1000);
	int32_t off = z->off0;
	if (z->n && t >= z->at[0]) {
		uint32_t lo = 0, hi = z->n; /* the last at[i] <= t */
		while (hi - lo > 1) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (z->at[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		off = z->off[lo];
		if (lo == z->n - 1 && z->rule.has)
			off = tz_rule_off(&z->rule, t);
	} else if (!z->n && z->rule.has) {
		off = tz_rule_off(&z->rule, t);
	}
	int64_t local = t + off;
	int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t sec = local - day * 86400;
	out->wday = (int)(((day % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
	out->minute = (int)(sec / 60);
	return 0;
}

/* The same for the daemon's dialer (tel_dial.c), with a cache that lives as long as it does. */
void *api_tzcache_new(void)
{
	return sb_zalloc(sizeof(struct tzcache));
}

void api_tzcache_free(void *c)
{
	if (c) {
		tzcache_free(c);
		sb_free(c);
	}
}

int api_tz_local(const char *zone, int64_t utc_ms, struct dialer_local *out, void *arg)
{
	return tz_local(zone, utc_ms, out, arg);
}

/* ---------- checking settings ---------- */

static int camp_check(struct api *a, const struct camp *c, struct camp_ok *ok, char *err, size_t n)
{
	struct dialer_campaign_params *p = &ok->p;
	dialer_campaign_params_default(p);
	ok->caller[0] = ok->zone[0] = '\0';
	p->mode = strcmp(c->mode, "preview") == 0      ? DIALER_PREVIEW
		  : strcmp(c->mode, "predictive") == 0 ? DIALER_PREDICTIVE
						       : DIALER_PROGRESSIVE;
	if (parse_profile(c, &p->profile, err, n) || parse_windows(c->windows, p->days, err, n) ||
	    parse_retry(c->retry, p->retry, err, n))
		return EINVAL;
	p->ring_ms = c->ring * 1000;
	if (p->ring_ms < p->profile.min_ring_ms) {
		snprintf(err, n, "field \"ring_seconds\": the profile needs at least %" PRId64,
			 p->profile.min_ring_ms / 1000);
		return EINVAL;
	}
	if (c->caller) {
		char cc[8], trunk[8], intl[8];
		api_client_plan(a, c->client, cc, trunk, intl);
		struct phone_plan plan = {cc, trunk, intl};
		if (phone_normalize(c->caller, &plan, ok->caller, sizeof(ok->caller)) != 0) {
			snprintf(err, n, "field \"caller_id\": \"%.40s\" is not a phone number",
				 c->caller);
			return EINVAL;
		}
		snprintf(p->caller_id, sizeof(p->caller_id), "%s", ok->caller);
	}
	if (c->zone && dialer_zone_canon(c->zone, ok->zone, sizeof(ok->zone)) != 0) {
		snprintf(err, n, "field \"default_zone\": \"%.60s\" is not a time zone (Area/City)",
			 c->zone);
		return EINVAL;
	}
	/* the core has the last word */
	struct tzcache tc = {0};
	struct dialer_params dp = {.localtime = tz_local, .localtime_arg = &tc};
	struct dialer *d;
	int rc = dialer_alloc(&d, &dp, NULL, NULL);
	if (rc) {
		snprintf(err, n, "out of memory");
		return rc;
	}
	rc = dialer_campaign_add(d, 1, p);
	dialer_free(d);
	tzcache_free(&tc);
	if (rc) {
		snprintf(err, n, "the dialer refuses these settings (%s)", strerror(rc));
		return EINVAL;
	}
	return 0;
}

/* The settings of a stored campaign row. */
static void camp_from_row(const struct store_rs *rs, unsigned r, struct camp *c)
{
	c->client = store_rs_int(rs, r, CA_CLIENT);
	c->mode = store_rs_text(rs, r, CA_MODE);
	c->windows = store_rs_text(rs, r, CA_WINDOWS);
	c->profile = store_rs_text(rs, r, CA_PROFILE);
	c->pcustom = store_rs_text(rs, r, CA_PCUSTOM);
	c->retry = store_rs_text(rs, r, CA_RETRY);
	c->caller = store_rs_text(rs, r, CA_CALLER);
	c->zone = store_rs_text(rs, r, CA_ZONE);
	c->ring = store_rs_int(rs, r, CA_RING);
	if (!c->mode)
		c->mode = "progressive";
	if (!c->profile)
		c->profile = "us";
}

/* ---------- visibility ---------- */

static bool json_has_id(const char *arr, int64_t id)
{
	cJSON *j = arr ? cJSON_Parse(arr) : NULL;
	bool found = false;
	const cJSON *it;
	cJSON_ArrayForEach(it, j)
	{
		if (cJSON_IsNumber(it) && (int64_t)it->valuedouble == id)
			found = true;
	}
	cJSON_Delete(j);
	return found;
}

/* Is the agent in the campaign: listed, holding one of its skills, or serving its queue? */
static bool agent_in(struct api *a, int64_t agent_id, const struct store_rs *rs, unsigned r)
{
	if (!agent_id)
		return false;
	if (json_has_id(store_rs_text(rs, r, CA_AGENTS), agent_id))
		return true;
	const struct center_agent *ag = center_agent(a->cfg.center, agent_id);
	if (ag) {
		cJSON *sk = cJSON_Parse(
		    store_rs_text(rs, r, CA_SKILLS) ? store_rs_text(rs, r, CA_SKILLS) : "[]");
		const cJSON *it;
		bool found = false;
		cJSON_ArrayForEach(it, sk)
		{
			for (uint32_t k = 0; cJSON_IsNumber(it) && k < ag->acd.n_skills; k++)
				if ((int64_t)ag->acd.skills[k].skill == (int64_t)it->valuedouble)
					found = true;
		}
		cJSON_Delete(sk);
		if (found)
			return true;
	}
	int64_t q = store_rs_int(rs, r, CA_QUEUE);
	return q && api_agent_serves(a, agent_id, q);
}

static bool camp_visible(struct api *a, const struct user *u, const struct store_rs *rs, unsigned r)
{
	if (!api_client_visible(u, store_rs_int(rs, r, CA_CLIENT)))
		return false;
	return api_sees_all(u) || agent_in(a, (int64_t)u->agent_id, rs, r);
}

static cJSON *camp_json(const struct store_rs *rs, unsigned r)
{
	cJSON *o = cJSON_CreateObject();
	api_row_json(rs, r, 0, camp_fields, CA_COUNT, o, false);
	for (int k = 0; k < 2; k++) {
		const char *t = store_rs_text(rs, r, CA_AGENTS + (unsigned)k);
		cJSON *j = t ? cJSON_Parse(t) : NULL;
		if (!cJSON_IsArray(j)) {
			cJSON_Delete(j);
			j = cJSON_CreateArray();
		}
		cJSON_AddItemToObject(o, k ? "skills" : "agents", j);
	}
	return o;
}

static char *jdup(cJSON *j);

/* The campaign as JSON text (audit rows). */
static char *camp_text(const struct store_rs *rs, unsigned r)
{
	cJSON *o = camp_json(rs, r);
	char *t = jdup(o);
	cJSON_Delete(o);
	return t;
}

/* ---------- the per-request state ---------- */

struct cctx;
struct known;
static void known_free(struct known *k);
typedef void(cnext_h)(struct api_op *op, struct http_req *req, const struct store_rs *rs);

/* A do-not-call route's work, with the client whose dialling plan reads its numbers. */
typedef void(cdnc_h)(struct api_op *op, struct http_req *req, int64_t client);

struct cctx {
	cnext_h *next;
	cdnc_h *dnc; /* dnc_run: the route's work once the campaign (if any) is loaded */
	int64_t cid, sub;
	bool create;
	struct api_val v[CA_COUNT];
	int64_t agents[MAX_AGENTS], skills[MAX_SKILLS];
	unsigned n_agents, n_skills;
	bool set_agents, set_skills;
	char *csv, *name, *mapping; /* owned copies */
	bool global;
	char *before;
	char *keep[8]; /* copies of a stored campaign's settings (camp_keep) */
	struct camp k;
	struct known *kn;
	/* start: what the dialer gets */
	struct camp_ok co;
	int64_t queue, client;
	uint32_t run_agents[MAX_RUN_AGENTS];
	bool run_blended[MAX_RUN_AGENTS];
	unsigned n_run;
	struct dialer_blend_rule blend;
};

static void cctx_free(void *p)
{
	struct cctx *c = p;
	api_vals_free(c->v, CA_COUNT);
	sb_free(c->csv);
	sb_free(c->name);
	sb_free(c->mapping);
	sb_free(c->before);
	for (int i = 0; i < 8; i++)
		sb_free(c->keep[i]);
	known_free(c->kn);
	sb_free(c);
}

static struct api_op *cop_new(struct api *a, struct http_req *req, api_done_h *done)
{
	struct api_op *op = api_op_new(a, req, done);
	struct cctx *c = op ? sb_zalloc(sizeof(*c)) : NULL;
	if (!c) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return NULL;
	}
	op->data = c;
	op->data_free = cctx_free;
	c->cid = api_param_id(req, "id");
	return op;
}

/* Keeps the settings of a stored campaign row past its completion (in c->k). */
static void camp_keep(struct cctx *c, const struct store_rs *rs)
{
	camp_from_row(rs, 0, &c->k);
	const char **f[] = {&c->k.mode,	 &c->k.windows, &c->k.profile, &c->k.pcustom,
			    &c->k.retry, &c->k.caller,	&c->k.zone};
	for (int i = 0; i < 7; i++) {
		c->keep[i] = *f[i] ? sb_strdup(*f[i]) : NULL;
		*f[i] = c->keep[i];
	}
}

static void camp_loaded(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct cctx *c = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "campaign");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (!u || store_rs_rows(rs) == 0 || !camp_visible(op->api, u, rs, 0)) {
		api_not_found(req, "campaign");
		return;
	}
	c->next(op, req, rs);
}

/* Loads the campaign of the path, checks that the caller sees it, then runs next. */
static void cop_load(struct api_op *op, struct http_req *req, cnext_h *next)
{
	struct cctx *c = op->data;
	c->next = next;
	op->done = camp_loaded;
	struct store_value p[] = {store_int(c->cid)};
	api_op_query(op, &q_campaign, p, 1, req);
}

/* Continues op with a read (from a completion). */
static void cop_query(struct api_op *op, struct http_req *req, api_done_h *done,
		      const struct store_stmt *st, const struct store_value *p, unsigned n)
{
	op->done = done;
	op->cont = api_op_query_keep(op, st, p, n, req) == 0;
}

static void cop_write(struct api_op *op, struct http_req *req, api_done_h *done,
		      struct store_job *job, int err)
{
	op->done = done;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static char *jdup(cJSON *j)
{
	char *t = j ? cJSON_PrintUnformatted(j) : NULL;
	char *s = t ? sb_strdup(t) : NULL;
	cJSON_free(t);
	return s;
}

/* ---------- campaigns: reads ---------- */

static void camp_got(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	(void)op;
	http_reply_json(req, 200, camp_json(rs, 0));
}

static void on_camp_get(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, camp_got);
}

static void camps_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "campaign");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (!u) {
		api_not_found(req, "user");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned r = 0; r < n; r++) {
		last = store_rs_int(rs, r, CA_ID);
		if (camp_visible(op->api, u, rs, r))
			cJSON_AddItemToArray(items, camp_json(rs, r));
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

static void on_camp_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	int64_t after, limit;
	if (api_page(req, &after, &limit, 50, 500))
		return;
	struct api_op *op = api_op_new(a, req, camps_listed);
	if (!op)
		return;
	op->n = limit;
	char *clients = api_clients_json(http_req_user(req));
	struct store_value p[] = {store_text(clients), store_int(after), store_int(limit + 1)};
	api_op_query(op, &q_campaigns, p, 3, req);
	sb_free(clients);
}

/* ---------- campaigns: writes ---------- */

static const struct store_stmt s_camp_insert = {
    "api.campaign_insert",
    "INSERT INTO campaigns (client_id, name, queue_id, caller_id, dial_mode, windows, profile,"
    " profile_custom, retry_rules, ring_seconds, default_zone, script_id, active, agents,"
    " skills, created_at, updated_at, blend_min_sl, blend_reserve, disposition_map)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
    " $12, $13, $14, $15, $16, $16, $17, $18, $19) RETURNING id",
    NULL};
static const struct store_stmt s_camp_update = {
    "api.campaign_update",
    "UPDATE campaigns SET client_id = $2, name = $3, queue_id = $4, caller_id = $5,"
    " dial_mode = $6, windows = $7, profile = $8, profile_custom = $9, retry_rules = $10,"
    " ring_seconds = $11, default_zone = $12, script_id = $13, active = $14, agents = $15,"
    " skills = $16, updated_at = $17, blend_min_sl = $18, blend_reserve = $19,"
    " disposition_map = $20 WHERE id = $1",
    NULL};
static const struct store_stmt s_camp_delete = {"api.campaign_delete",
						"DELETE FROM campaigns WHERE id = $1", NULL};

static void camp_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct cctx *c = op->data;
	if (!req)
		return;
	if (err) {
		if (err == ENOENT && c->v[CA_SCRIPT].present && !c->v[CA_SCRIPT].null)
			api_invalid(req,
				    "field \"script_id\": no script %" PRId64
				    " (or the campaign is "
				    "gone)",
				    c->v[CA_SCRIPT].i);
		else
			api_store_error(req, err, c->create, "campaign");
		return;
	}
	unsigned n = store_rs_rows(rs);
	for (unsigned r = 0; r < n; r++) {
		if (store_rs_cols(rs, r) == CA_COUNT + 2) {
			/* a started campaign takes its blending rule and mapping at once */
			struct dialer_blend_rule b = {store_rs_real(rs, r, CA_BLEND_SL),
						      (uint32_t)store_rs_int(rs, r, CA_BLEND_RES)};
			if (!c->create)
				tel_dial_set_run(op->api->cfg.tel, (uint32_t)c->cid, &b,
						 store_rs_text(rs, r, CA_DMAP));
			http_reply_json(req, c->create ? 201 : 200, camp_json(rs, r));
			return;
		}
	}
	http_reply_error(req, 500, "internal", "the campaign did not come back");
}

/* Checks that referenced rows exist in the center (422 naming the field). */
static int camp_refs(struct api *a, struct http_req *req, struct cctx *c, int64_t queue)
{
	if (queue) {
		const struct center_queue *q = center_queue(a->cfg.center, queue);
		if (!q) {
			api_invalid(req, "field \"queue_id\": no queue %" PRId64, queue);
			return EINVAL;
		}
	}
	for (unsigned i = 0; i < c->n_agents; i++) {
		if (!center_agent(a->cfg.center, c->agents[i])) {
			api_invalid(req, "field \"agents\": no agent %" PRId64, c->agents[i]);
			return EINVAL;
		}
	}
	return 0;
}

/* Writes the campaign: create (row NULL) or update of the stored row, with the request's values. */
static void camp_submit(struct api_op *op, struct http_req *req, const struct store_rs *row)
{
	struct api *a = op->api;
	struct cctx *c = op->data;
	struct api_val *v = c->v;
	const struct user *u = userdir_get(a->cfg.users, op->user_id);
	struct camp k = {0};
	if (row)
		camp_from_row(row, 0, &k);
	else {
		k.mode = "progressive";
		k.profile = "us";
		k.ring = 20;
	}
#define TXT(i, dst)                                                                                \
	do {                                                                                       \
		if (v[i].present)                                                                  \
			dst = v[i].null ? NULL : (v[i].own ? v[i].own : v[i].s);                   \
	} while (0)
	TXT(CA_MODE, k.mode);
	TXT(CA_WINDOWS, k.windows);
	TXT(CA_PROFILE, k.profile);
	TXT(CA_PCUSTOM, k.pcustom);
	TXT(CA_RETRY, k.retry);
	TXT(CA_CALLER, k.caller);
	TXT(CA_ZONE, k.zone);
#undef TXT
	if (v[CA_RING].present)
		k.ring = v[CA_RING].i;
	/* leaving the custom profile drops its numbers */
	if (v[CA_PROFILE].present && strcmp(k.profile, "custom") != 0 && !v[CA_PCUSTOM].present)
		k.pcustom = NULL;
	if (row)
		k.client = store_rs_int(row, 0, CA_CLIENT);
	else if (api_pick_client(a, req, u, &v[CA_CLIENT], &k.client))
		return;
	int64_t queue = v[CA_QUEUE].present ? (v[CA_QUEUE].null ? 0 : v[CA_QUEUE].i)
					    : (row ? store_rs_int(row, 0, CA_QUEUE) : 0);
	if (camp_refs(a, req, c, queue))
		return;
	struct camp_ok ok;
	char err[200];
	if (camp_check(a, &k, &ok, err, sizeof(err))) {
		api_invalid(req, "%s", err);
		return;
	}
	/* the run settings: the blending rule and the disposition mapping (schema v10) */
	double bsl = v[CA_BLEND_SL].present ? v[CA_BLEND_SL].d
					    : (row ? store_rs_real(row, 0, CA_BLEND_SL) : 0.8);
	int64_t bres = v[CA_BLEND_RES].present ? v[CA_BLEND_RES].i
					       : (row ? store_rs_int(row, 0, CA_BLEND_RES) : 0);
	const char *dmap = row ? store_rs_text(row, 0, CA_DMAP) : NULL;
	if (v[CA_DMAP].present)
		dmap = v[CA_DMAP].null ? NULL : (v[CA_DMAP].own ? v[CA_DMAP].own : v[CA_DMAP].s);
	if (dmap_check(dmap, err, sizeof(err))) {
		api_invalid(req, "%s", err);
		return;
	}
	const char *name = v[CA_NAME].present ? v[CA_NAME].s : store_rs_text(row, 0, CA_NAME);
	int64_t script = v[CA_SCRIPT].present ? (v[CA_SCRIPT].null ? 0 : v[CA_SCRIPT].i)
					      : (row ? store_rs_int(row, 0, CA_SCRIPT) : 0);
	bool active = v[CA_ACTIVE].present ? v[CA_ACTIVE].i != 0
					   : (row ? store_rs_int(row, 0, CA_ACTIVE) != 0 : false);
	char *agents = c->set_agents ? api_ids_json(c->agents, c->n_agents)
				     : sb_strdup(row ? store_rs_text(row, 0, CA_AGENTS) : "[]");
	char *skills = c->set_skills ? api_ids_json(c->skills, c->n_skills)
				     : sb_strdup(row ? store_rs_text(row, 0, CA_SKILLS) : "[]");
	struct store_job *job = api_job(req);
	if (!job || !agents || !skills) {
		if (job)
			store_job_free(job);
		if (job && req)
			http_reply_error(req, 500, "internal", "out of memory");
		sb_free(agents);
		sb_free(skills);
		return;
	}
	int e = 0;
	int64_t now = api_now(a);
	struct store_value id = c->create ? store_ref(0, 0) : store_int(c->cid);
	struct store_value p[] = {
	    id,
	    store_int(k.client),
	    store_text(name),
	    queue ? store_int(queue) : store_null(),
	    store_text(ok.caller[0] ? ok.caller : NULL),
	    store_text(k.mode),
	    store_text(k.windows),
	    store_text(k.profile),
	    store_text(k.pcustom),
	    store_text(k.retry),
	    store_int(k.ring),
	    store_text(ok.zone[0] ? ok.zone : NULL),
	    script ? store_int(script) : store_null(),
	    store_int(active),
	    store_text(agents),
	    store_text(skills),
	    store_int(now),
	    store_real(bsl),
	    store_int(bres),
	    store_text(dmap),
	};
	if (c->create)
		api_step(job, &s_camp_insert, p + 1, 19, 0, &e);
	else
		api_step(job, &s_camp_update, p, 20, STORE_MUST_HIT, &e);
	char *after = api_vals_text(camp_fields, CA_COUNT, v, false);
	api_audit(job, op, c->create ? "create" : "update", "campaign", id, c->before, after, &e);
	sb_free(after);
	api_step(job, &q_campaign, &id, 1, STORE_MUST_HIT, &e);
	sb_free(agents);
	sb_free(skills);
	cop_write(op, req, camp_written, job, e);
}

static void camp_update_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	c->before = camp_text(rs, 0);
	camp_submit(op, req, rs);
}

static void camp_write(struct api *a, struct http_req *req, bool create)
{
	struct api_op *op = cop_new(a, req, NULL);
	if (!op)
		return;
	struct cctx *c = op->data;
	c->create = create;
	const cJSON *body = http_req_json(req);
	if (api_read_fields(req, body, camp_fields, CA_COUNT, camp_extra, create, c->v))
		goto fail;
	if (!create && c->v[CA_CLIENT].present) {
		api_invalid(req, "field \"client_id\" cannot be changed");
		goto fail;
	}
	int rc = api_read_ids(req, body, "agents", UINT32_MAX, MAX_AGENTS, c->agents, &c->n_agents);
	if (rc == EINVAL)
		goto fail;
	c->set_agents = rc == 0;
	rc = api_read_ids(req, body, "skills", UINT32_MAX, MAX_SKILLS, c->skills, &c->n_skills);
	if (rc == EINVAL)
		goto fail;
	c->set_skills = rc == 0;
	if (create) {
		op->cont = false;
		camp_submit(op, req, NULL);
		if (!op->cont)
			goto fail;
		return;
	}
	cop_load(op, req, camp_update_loaded);
	return;
fail:
	api_op_free(op);
}

static void on_camp_create(struct http_req *req, void *arg)
{
	camp_write(arg, req, true);
}

static void on_camp_update(struct http_req *req, void *arg)
{
	camp_write(arg, req, false);
}

static void camp_deleted(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!err) /* a running campaign stops placing calls */
		tel_dial_stop(op->api->cfg.tel, (uint32_t)((struct cctx *)op->data)->cid);
	api_reply_done(op, err, req, false, "campaign");
}

static void camp_delete_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	char *before = camp_text(rs, 0);
	struct store_job *job = api_job(req);
	if (!job) {
		sb_free(before);
		return;
	}
	int e = 0;
	struct store_value id = store_int(c->cid);
	api_step(job, &s_camp_delete, &id, 1, STORE_MUST_HIT, &e);
	api_audit(job, op, "delete", "campaign", id, before, NULL, &e);
	sb_free(before);
	op->status = 204;
	cop_write(op, req, camp_deleted, job, e);
}

static void on_camp_delete(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, camp_delete_loaded);
}

/* ---------- a campaign's leads and DNC lists, read page by page ---------- */

#define KNOWN_PAGE 5000 /* rows per read: a big campaign takes several */

struct known {
	struct dialer_list l;	/* the stored leads (why: with their dialling state) */
	struct dialer_dnc dnc;	/* import: the global and the campaign's DNC numbers */
	struct dialer_dnc gdnc; /* start (split): the global list's numbers; dnc: the campaign's */
	bool split;
	struct dialer *d;  /* why: the scratch dialer (it holds the DNC lists) */
	struct tzcache tc; /* its localtime callback's cache (outlives d) */
	bool phase_dnc;
	bool with_state; /* load the dialling state (always with d) */
	int64_t after;
	uint32_t skipped;
	int64_t *dbid; /* the stored id of lead i + 1 */
	uint32_t cap_dbid;
	void (*then)(struct api_op *op, struct http_req *req);
};

static void known_free(struct known *k)
{
	if (!k)
		return;
	dialer_list_release(&k->l);
	dialer_dnc_release(&k->dnc);
	dialer_dnc_release(&k->gdnc);
	if (k->d)
		dialer_free(k->d);
	tzcache_free(&k->tc);
	sb_free(k->dbid);
	sb_free(k);
}

static struct known *known_new(void)
{
	struct known *k = sb_zalloc(sizeof(*k));
	if (k) {
		dialer_list_init(&k->l);
		dialer_dnc_init(&k->dnc);
		dialer_dnc_init(&k->gdnc);
	}
	return k;
}

static const struct store_stmt q_known_leads = {
    "api.known_leads",
    "SELECT id, e164, zone, priority, status, done_reason, attempts, next_attempt_at,"
    " last_attempt_at, last_result, abandoned_at, callback, callback_agent FROM leads"
    " WHERE campaign_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    NULL};
static const struct store_stmt q_known_dnc = {
    "api.known_dnc",
    "SELECT id, e164, campaign_id FROM dnc WHERE (campaign_id IS NULL OR campaign_id = $1)"
    " AND id > $2 ORDER BY id LIMIT $3",
    NULL};

static void known_step(struct api_op *op, struct http_req *req);

/* The dialling state of a stored lead, as the core keeps it. */
static void lead_state(const struct store_rs *rs, unsigned r, struct dialer_lead *ld)
{
	const char *st = store_rs_text(rs, r, 4);
	const char *dr = store_rs_text(rs, r, 5);
	ld->state = st && strcmp(st, "done") == 0      ? DIALER_LEAD_DONE
		    : st && strcmp(st, "in_call") == 0 ? DIALER_LEAD_IN_CALL
						       : DIALER_LEAD_READY;
	ld->done = !dr				     ? DIALER_DONE_NOT
		   : strcmp(dr, "dnc") == 0	     ? DIALER_DONE_DNC
		   : strcmp(dr, "max_attempts") == 0 ? DIALER_DONE_MAX_ATTEMPTS
						     : DIALER_DONE_RESULT;
	if (ld->state == DIALER_LEAD_DONE && ld->done == DIALER_DONE_NOT)
		ld->done = DIALER_DONE_RESULT;
	ld->attempts = (uint32_t)store_rs_int(rs, r, 6);
	ld->next_ms = store_rs_is_null(rs, r, 7) ? 0 : store_rs_int(rs, r, 7);
	ld->last_ms = store_rs_is_null(rs, r, 8) ? INT64_MIN : store_rs_int(rs, r, 8);
	enum dialer_result res = DIALER_R_NONE;
	const char *lr = store_rs_text(rs, r, 9);
	if (lr)
		result_parse(lr, &res);
	ld->last_result = res;
	ld->abandoned_ms = store_rs_is_null(rs, r, 10) ? INT64_MIN : store_rs_int(rs, r, 10);
	ld->callback = store_rs_int(rs, r, 11) != 0;
	ld->owner = (uint32_t)store_rs_int(rs, r, 12);
}

/* Takes a page of stored leads or DNC numbers into k (ENOMEM). */
static int known_rows(struct known *k, const struct store_rs *rs)
{
	unsigned n = rs ? store_rs_rows(rs) : 0;
	for (unsigned r = 0; r < n; r++) {
		const char *num = store_rs_text(rs, r, 1);
		k->after = store_rs_int(rs, r, 0);
		if (!num)
			continue;
		int e;
		if (k->phase_dnc) {
			struct dialer_dnc *dn = &k->dnc;
			if (k->split && store_rs_is_null(rs, r, 2))
				dn = &k->gdnc;
			if (k->d)
				dn = store_rs_is_null(rs, r, 2) ? dialer_dnc_global(k->d)
								: dialer_campaign_dnc(k->d, 1);
			e = dialer_dnc_add(dn, num, NULL);
		} else {
			uint32_t id;
			e = dialer_list_add(&k->l, num, NULL, store_rs_text(rs, r, 2),
					    (int32_t)store_rs_int(rs, r, 3), &id);
			if (!e && (k->d || k->with_state))
				lead_state(rs, r, dialer_list_lead(&k->l, id));
			if (!e && id > k->cap_dbid) {
				uint32_t cap = k->cap_dbid ? 2 * k->cap_dbid : 1024;
				int64_t *x = sb_realloc(k->dbid, (size_t)cap * sizeof(*x));
				if (x) {
					k->dbid = x;
					k->cap_dbid = cap;
				} else {
					e = ENOMEM;
				}
			}
			if (!e)
				k->dbid[id - 1] = store_rs_int(rs, r, 0);
		}
		if (e == ENOMEM)
			return ENOMEM;
		if (e)
			k->skipped++; /* a stored row the core refuses (not after an import) */
	}
	return 0;
}

static void known_page(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct cctx *c = op->data;
	struct known *k = c->kn;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "campaign");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (known_rows(k, rs) == ENOMEM) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	if (n < KNOWN_PAGE) {
		if (k->phase_dnc) {
			k->then(op, req);
			return;
		}
		k->phase_dnc = true;
		k->after = 0;
	}
	known_step(op, req);
}

/* Reads the next page (op->cont says whether it went out). */
static void known_step(struct api_op *op, struct http_req *req)
{
	struct cctx *c = op->data;
	struct known *k = c->kn;
	struct store_value p[] = {store_int(c->cid), store_int(k->after), store_int(KNOWN_PAGE)};
	cop_query(op, req, known_page, k->phase_dnc ? &q_known_dnc : &q_known_leads, p, 3);
}

/* ---------- lead-list import ---------- */

static const char *reject_code(enum dialer_reject_reason r)
{
	switch (r) {
	case DIALER_REJ_MALFORMED:
		return "malformed";
	case DIALER_REJ_BLANK:
		return "blank";
	case DIALER_REJ_FIELDS:
		return "fields";
	case DIALER_REJ_NO_PHONE:
		return "no_phone";
	case DIALER_REJ_BAD_PHONE:
		return "bad_phone";
	case DIALER_REJ_DUPLICATE:
		return "duplicate";
	case DIALER_REJ_BAD_ZONE:
		return "bad_zone";
	case DIALER_REJ_NO_ZONE:
		return "no_zone";
	case DIALER_REJ_BAD_PRIORITY:
		return "bad_priority";
	case DIALER_REJ_TOO_MANY_ZONES:
		return "too_many_zones";
	}
	return "?";
}

#define REJ_DNC 100 /* our own reason: the number is on a do-not-call list */

struct rej {
	uint32_t row, line, dup_row;
	int reason;
	char detail[120];
};

static int rej_cmp(const void *x, const void *y)
{
	const struct rej *a = x, *b = y;
	return a->row < b->row ? -1 : a->row > b->row;
}

static const struct store_stmt s_list_insert = {
    "api.lead_list_insert",
    "INSERT INTO lead_lists (campaign_id, name, mapping, records, imported, rejected,"
    " duplicates, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    " RETURNING id",
    NULL};
static const struct store_stmt s_lead_insert = {
    "api.lead_insert",
    "INSERT INTO leads (campaign_id, list_id, row, e164, first_name, last_name, zone,"
    " zone_derived, priority, custom) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    NULL};

/* The mapping of the request (checked when the import was asked for). */
static int mapping_read(struct http_req *req, const cJSON *m, struct dialer_mapping *dm)
{
	static const char *const keys[] = {
	    "phone",	 "first_name",	 "last_name",	     "zone", "priority", "custom",
	    "delimiter", "default_zone", "default_priority", NULL};
	const char *stray;
	if (!cJSON_IsObject(m)) {
		api_invalid(req, "field \"mapping\" must be an object naming the columns");
		return EINVAL;
	}
	if (json_only_keys(m, keys, &stray)) {
		api_invalid(req, "field \"mapping\": unknown key \"%s\"", stray);
		return EINVAL;
	}
	static const char *const cols[] = {"phone", "first_name", "last_name",
					   "zone",  "priority",	  "default_zone"};
	const char **dst[] = {&dm->phone, &dm->first_name, &dm->last_name,
			      &dm->zone,  &dm->priority,   &dm->default_zone};
	for (unsigned i = 0; i < 6; i++) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(m, cols[i]);
		if (!it || cJSON_IsNull(it)) {
			if (i == 0) {
				api_invalid(req, "field \"mapping.phone\" is required: the header "
						 "of the phone column");
				return EINVAL;
			}
			continue;
		}
		if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) > 200) {
			api_invalid(req,
				    "field \"mapping.%s\" must be a column name (1..200 bytes)",
				    cols[i]);
			return EINVAL;
		}
		*dst[i] = it->valuestring;
	}
	const cJSON *cu = cJSON_GetObjectItemCaseSensitive(m, "custom");
	if (cu) {
		if (!cJSON_IsArray(cu) || cJSON_GetArraySize(cu) > DIALER_CUSTOM_MAX) {
			api_invalid(req,
				    "field \"mapping.custom\" must be an array of at most %d "
				    "column names",
				    DIALER_CUSTOM_MAX);
			return EINVAL;
		}
		const cJSON *it;
		cJSON_ArrayForEach(it, cu)
		{
			if (!cJSON_IsString(it) || !it->valuestring[0] ||
			    strlen(it->valuestring) > 200) {
				api_invalid(req, "field \"mapping.custom\" must hold column names");
				return EINVAL;
			}
			dm->custom[dm->n_custom++] = it->valuestring;
		}
	}
	const cJSON *de = cJSON_GetObjectItemCaseSensitive(m, "delimiter");
	dm->delim = ',';
	if (de) {
		if (!cJSON_IsString(de) || strlen(de->valuestring) != 1 ||
		    !strchr(",;\t|", de->valuestring[0])) {
			api_invalid(req, "field \"mapping.delimiter\" must be \",\", \";\", TAB or "
					 "\"|\"");
			return EINVAL;
		}
		dm->delim = de->valuestring[0];
	}
	int64_t dp = 0;
	if (cJSON_GetObjectItemCaseSensitive(m, "default_priority") &&
	    json_get_i64(m, "default_priority", -DIALER_PRIORITY_MAX, DIALER_PRIORITY_MAX, &dp)) {
		api_invalid(req, "field \"mapping.default_priority\" must be an integer from "
				 "-1000000 to 1000000");
		return EINVAL;
	}
	dm->default_priority = (int32_t)dp;
	return 0;
}

static void import_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "lead list");
		return;
	}
	if (store_rs_rows(rs))
		json_add_i64(op->out, "list_id", store_rs_int(rs, 0, 0));
	http_reply_json(req, 201, op->out);
	op->out = NULL;
}

static void import_run(struct api_op *op, struct http_req *req)
{
	struct api *a = op->api;
	struct cctx *c = op->data;
	cJSON *mj = cJSON_Parse(c->mapping);
	struct dialer_mapping dm = {0};
	if (mapping_read(req, mj, &dm)) {
		cJSON_Delete(mj);
		return;
	}
	char cc[8], trunk[8], intl[8];
	api_client_plan(a, op->id, cc, trunk, intl);
	dm.plan = (struct phone_plan){cc, trunk, intl};
	char zone[DIALER_ZONE_MAX] = "";
	if (!dm.default_zone && op->text)
		dm.default_zone = op->text; /* the campaign's */
	if (dm.default_zone) {
		if (dialer_zone_canon(dm.default_zone, zone, sizeof(zone)) != 0) {
			api_invalid(req,
				    "field \"mapping.default_zone\": \"%.60s\" is not a time "
				    "zone",
				    dm.default_zone);
			cJSON_Delete(mj);
			return;
		}
		dm.default_zone = zone;
	}
	struct dialer_list *kl = &c->kn->l;
	struct dialer_dnc *kd = &c->kn->dnc;
	struct dialer_import_report rep = {0};
	struct rej *rj = NULL;
	struct store_job *job = NULL;
	int rc = 0;
	uint32_t n0 = kl->n;
	if (!rc)
		rc = dialer_list_import(kl, c->csv, strlen(c->csv), &dm, &rep);
	if (rc == EINVAL || rc == EBADMSG) {
		api_invalid(req, "field \"%s\": %s", rc == EINVAL ? "mapping" : "csv",
			    rep.error[0] ? rep.error : "the CSV cannot be read");
		goto out;
	}
	if (rc) {
		http_reply_error(req, 500, "internal", "import: %s", strerror(rc));
		goto out;
	}
	/* rejections: the core's, plus leads on a DNC list */
	uint32_t n_rej = rep.n_rej, dups = 0, dnc_n = 0;
	rj = sb_calloc((size_t)rep.n_rej + (kl->n - n0) + 1, sizeof(*rj));
	if (!rj) {
		http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < rep.n_rej; i++) {
		const struct dialer_reject *x = &rep.rej[i];
		rj[i].row = x->row;
		rj[i].line = x->line;
		rj[i].reason = (int)x->reason;
		rj[i].dup_row = x->dup_row;
		if (x->reason == DIALER_REJ_DUPLICATE) {
			dups++;
			if (!x->dup_row) {
				const char *sp = strchr(x->detail, ' ');
				snprintf(rj[i].detail, sizeof(rj[i].detail),
					 "%.*s is already a lead of the campaign",
					 (int)(sp ? sp - x->detail : 0), x->detail);
				continue;
			}
		}
		snprintf(rj[i].detail, sizeof(rj[i].detail), "%s", x->detail);
	}
	bool *skip = sb_calloc((size_t)(kl->n - n0) + 1, sizeof(*skip));
	if (!skip) {
		http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	for (uint32_t i = n0; i < kl->n; i++) {
		const struct dialer_lead *ld = kl->leads[i];
		if (dialer_dnc_has(kd, ld->e164)) {
			skip[i - n0] = true;
			struct rej *x = &rj[n_rej++];
			x->row = ld->row;
			x->reason = REJ_DNC;
			snprintf(x->detail, sizeof(x->detail), "%s is on a do-not-call list",
				 ld->e164);
			dnc_n++;
		}
	}
	qsort(rj, n_rej, sizeof(*rj), rej_cmp);
	uint32_t imported = rep.imported - dnc_n;
	job = api_job(req);
	if (!job) {
		sb_free(skip);
		goto out;
	}
	int e = 0;
	int64_t now = api_now(a);
	struct store_value lp[] = {
	    store_int(c->cid),	    store_text(c->name),
	    store_text(c->mapping), store_int(rep.records),
	    store_int(imported),    store_int(n_rej),
	    store_int(dups),	    op->user_id ? store_int((int64_t)op->user_id) : store_null(),
	    store_int(now)};
	api_step(job, &s_list_insert, lp, 9, 0, &e);
	for (uint32_t i = n0; i < kl->n && !e; i++) {
		if (skip[i - n0])
			continue;
		const struct dialer_lead *ld = kl->leads[i];
		char *custom = NULL;
		if (kl->n_custom) {
			cJSON *o = cJSON_CreateObject();
			for (uint32_t k = 0; k < kl->n_custom; k++)
				cJSON_AddStringToObject(o, kl->custom_names[k], ld->custom[k]);
			custom = jdup(o);
			cJSON_Delete(o);
		}
		struct store_value p[] = {store_int(c->cid),
					  store_ref(0, 0),
					  store_int(ld->row),
					  store_text(ld->e164),
					  store_text(ld->first && ld->first[0] ? ld->first : NULL),
					  store_text(ld->last && ld->last[0] ? ld->last : NULL),
					  store_text(kl->zones[ld->zone]),
					  store_int(ld->zone_derived),
					  store_int(ld->priority),
					  store_text(custom)};
		api_step(job, &s_lead_insert, p, 10, 0, &e);
		sb_free(custom);
	}
	sb_free(skip);
	cJSON *out = cJSON_CreateObject();
	json_add_i64(out, "campaign_id", c->cid);
	cJSON_AddStringToObject(out, "name", c->name);
	json_add_i64(out, "records", rep.records);
	json_add_i64(out, "imported", imported);
	json_add_i64(out, "rejected", n_rej);
	json_add_i64(out, "duplicates", dups);
	char *after = jdup(out);
	api_audit(job, op, "import", "lead_list", store_ref(0, 0), NULL, after, &e);
	sb_free(after);
	cJSON *arr = cJSON_AddArrayToObject(out, "rejections");
	for (uint32_t i = 0; i < n_rej; i++) {
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "row", rj[i].row);
		if (rj[i].line)
			json_add_i64(o, "line", rj[i].line);
		cJSON_AddStringToObject(o, "reason",
					rj[i].reason == REJ_DNC
					    ? "dnc"
					    : reject_code((enum dialer_reject_reason)rj[i].reason));
		cJSON_AddStringToObject(o, "detail", rj[i].detail);
		if (rj[i].reason == DIALER_REJ_DUPLICATE) {
			if (rj[i].dup_row)
				json_add_i64(o, "duplicate_of_row", rj[i].dup_row);
			else
				cJSON_AddNullToObject(o, "duplicate_of_row");
		}
		cJSON_AddItemToArray(arr, o);
	}
	op->out = out;
	cop_write(op, req, import_written, job, e);
out:
	sb_free(rj);
	dialer_import_report_release(&rep);
	cJSON_Delete(mj);
}

static void import_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	op->id = store_rs_int(rs, 0, CA_CLIENT);
	const char *z = store_rs_text(rs, 0, CA_ZONE);
	op->text = z ? sb_strdup(z) : NULL;
	c->kn = known_new();
	if (!c->kn) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	c->kn->then = import_run;
	known_step(op, req);
}

static void on_import(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (!op)
		return;
	struct cctx *c = op->data;
	const cJSON *body = http_req_json(req);
	static const struct api_field f[] = {
	    {"name", AF_TEXT, AF_REQ, 1, 200, NULL, NULL},
	    {"csv", AF_TEXT, AF_REQ | AF_EMPTY, 0, 64 << 20, NULL, NULL},
	};
	struct api_val v[2] = {0};
	if (api_read_fields(req, body, f, 2, (const char *const[]){"mapping", NULL}, true, v))
		goto fail;
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "mapping");
	struct dialer_mapping dm = {0};
	if (mapping_read(req, m, &dm)) {
		api_vals_free(v, 2);
		goto fail;
	}
	c->name = sb_strdup(v[0].s);
	c->csv = sb_strdup(v[1].s);
	c->mapping = jdup((cJSON *)m);
	api_vals_free(v, 2);
	if (!c->name || !c->csv || !c->mapping) {
		http_reply_error(req, 500, "internal", "out of memory");
		goto fail;
	}
	cop_load(op, req, import_loaded);
	return;
fail:
	api_op_free(op);
}

static const struct store_stmt q_lists = {
    "api.lead_lists",
    "SELECT id, name, mapping, records, imported, rejected, duplicates, created_by, created_at"
    " FROM lead_lists WHERE campaign_id = $1 ORDER BY id",
    NULL};

static void lists_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "lead list");
		return;
	}
	static const struct api_field f[] = {
	    {"id", AF_INT, 0, 0, 0, NULL, NULL},
	    {"name", AF_TEXT, 0, 0, 0, NULL, NULL},
	    {"mapping", AF_JSON, 0, 0, 0, NULL, NULL},
	    {"records", AF_INT, 0, 0, 0, NULL, NULL},
	    {"imported", AF_INT, 0, 0, 0, NULL, NULL},
	    {"rejected", AF_INT, 0, 0, 0, NULL, NULL},
	    {"duplicates", AF_INT, 0, 0, 0, NULL, NULL},
	    {"created_by", AF_INT, 0, 0, 0, NULL, NULL},
	    {"created_at", AF_TIME, 0, 0, 0, NULL, NULL},
	};
	cJSON *items = cJSON_CreateArray();
	for (unsigned r = 0; r < store_rs_rows(rs); r++) {
		cJSON *o = cJSON_CreateObject();
		api_row_json(rs, r, 0, f, 9, o, false);
		cJSON_AddItemToArray(items, o);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "items", items);
	http_reply_json(req, 200, o);
}

static void lists_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	(void)rs;
	struct cctx *c = op->data;
	struct store_value p[] = {store_int(c->cid)};
	cop_query(op, req, lists_read, &q_lists, p, 1);
}

static void on_lists(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, lists_loaded);
}

/* ---------- leads ---------- */

static const char *const lead_states[] = {"ready", "in_call", "done", NULL};

static const struct api_field lead_fields[] = {
    {"id", AF_INT, 0, 0, 0, NULL, NULL},
    {"list_id", AF_INT, 0, 0, 0, NULL, NULL},
    {"row", AF_INT, 0, 0, 0, NULL, NULL},
    {"number", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"first_name", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"last_name", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"zone", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"zone_derived", AF_BOOL, 0, 0, 0, NULL, NULL},
    {"priority", AF_INT, 0, 0, 0, NULL, NULL},
    {"custom", AF_JSON, 0, 0, 0, NULL, NULL},
    {"status", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"done_reason", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"attempts", AF_INT, 0, 0, 0, NULL, NULL},
    {"next_attempt_at", AF_TIME, 0, 0, 0, NULL, NULL},
    {"last_attempt_at", AF_TIME, 0, 0, 0, NULL, NULL},
    {"last_result", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"abandoned_at", AF_TIME, 0, 0, 0, NULL, NULL},
    {"callback", AF_BOOL, 0, 0, 0, NULL, NULL},
    {"callback_agent", AF_INT, 0, 0, 0, NULL, NULL},
};
#define N_LEAD_FIELDS (sizeof(lead_fields) / sizeof(lead_fields[0]))

#define LEAD_COLS                                                                                  \
	"id, list_id, row, e164, first_name, last_name, zone, zone_derived, priority, custom,"     \
	" status, done_reason, attempts, next_attempt_at, last_attempt_at, last_result,"           \
	" abandoned_at, callback, callback_agent"

static const struct store_stmt q_leads = {
    "api.leads",
    "SELECT " LEAD_COLS " FROM leads WHERE campaign_id = $1"
    " AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR list_id = $3)"
    " AND ($4 IS NULL OR e164 = $4) AND ($5 IS NULL OR last_result = $5)"
    " AND id > $6 ORDER BY id LIMIT $7",
    NULL};

static void leads_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "lead");
		return;
	}
	api_reply_page(op, req, rs, lead_fields, N_LEAD_FIELDS);
}

static void leads_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	int64_t after, limit, list = 0;
	if (api_page(req, &after, &limit, 100, 1000))
		return;
	if (api_query_i64(req, "list_id", 1, INT64_MAX, &list) == EINVAL)
		return;
	const char *status = http_req_query(req, "status");
	const char *result = http_req_query(req, "last_result");
	const char *phone = http_req_query(req, "phone");
	if (status) {
		bool ok = false;
		for (int i = 0; lead_states[i]; i++)
			ok = ok || strcmp(status, lead_states[i]) == 0;
		if (!ok) {
			api_invalid(req,
				    "query argument \"status\" must be ready, in_call or done");
			return;
		}
	}
	enum dialer_result dr;
	if (result && result_parse(result, &dr)) {
		api_invalid(req, "query argument \"last_result\": \"%.40s\" is not a result",
			    result);
		return;
	}
	char e164[PHONE_E164_MAX];
	if (phone) {
		char cc[8], trunk[8], intl[8];
		api_client_plan(op->api, store_rs_int(rs, 0, CA_CLIENT), cc, trunk, intl);
		struct phone_plan plan = {cc, trunk, intl};
		if (phone_normalize(phone, &plan, e164, sizeof(e164)) != 0) {
			api_invalid(req,
				    "query argument \"phone\": \"%.40s\" is not a phone number",
				    phone);
			return;
		}
	}
	op->n = limit;
	struct store_value p[] = {store_int(c->cid),
				  store_text(status),
				  list ? store_int(list) : store_null(),
				  store_text(phone ? e164 : NULL),
				  store_text(result),
				  store_int(after),
				  store_int(limit + 1)};
	cop_query(op, req, leads_read, &q_leads, p, 7);
}

static void on_leads(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, leads_loaded);
}

/* ---------- do-not-call ---------- */

static const struct store_stmt q_dnc = {
    "api.dnc",
    "SELECT id, campaign_id, e164, source, added_by, created_at FROM dnc"
    " WHERE campaign_id IS $1 AND ($2 IS NULL OR e164 = $2) AND id > $3 ORDER BY id LIMIT $4",
    NULL};
static const struct store_stmt s_dnc_insert = {
    "api.dnc_insert",
    "INSERT INTO dnc (campaign_id, e164, source, added_by, created_at)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    NULL};
static const struct store_stmt q_dnc_one = {
    "api.dnc_one",
    "SELECT id, campaign_id, e164, source, added_by, created_at FROM dnc"
    " WHERE ifnull(campaign_id, 0) = ifnull($1, 0) AND e164 = $2",
    NULL};
static const struct store_stmt q_dnc_entry = {
    "api.dnc_entry",
    "SELECT d.id, d.campaign_id, d.e164, c.client_id FROM dnc d"
    " LEFT JOIN campaigns c ON c.id = d.campaign_id WHERE d.id = $1",
    NULL};
static const struct store_stmt s_dnc_delete = {"api.dnc_delete", "DELETE FROM dnc WHERE id = $1",
					       NULL};

static const struct api_field dnc_fields[] = {
    {"id", AF_INT, 0, 0, 0, NULL, NULL},       {"campaign_id", AF_INT, 0, 0, 0, NULL, NULL},
    {"number", AF_TEXT, 0, 0, 0, NULL, NULL},  {"source", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"added_by", AF_INT, 0, 0, 0, NULL, NULL}, {"created_at", AF_TIME, 0, 0, 0, NULL, NULL},
};

static void dnc_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "do-not-call entry");
		return;
	}
	api_reply_page(op, req, rs, dnc_fields, 6);
}

/* The plan numbers are read with: the campaign's client, or the first client's site. */
static void plan_of(struct api *a, int64_t client, char cc[8], char trunk[8], char intl[8],
		    struct phone_plan *plan)
{
	api_client_plan(a, client, cc, trunk, intl);
	*plan = (struct phone_plan){cc, trunk, intl};
}

static void dnc_list(struct api_op *op, struct http_req *req, int64_t client)
{
	struct cctx *c = op->data;
	int64_t after, limit;
	if (api_page(req, &after, &limit, 100, 1000))
		return;
	const char *phone = http_req_query(req, "phone");
	char e164[PHONE_E164_MAX];
	if (phone) {
		char cc[8], trunk[8], intl[8];
		struct phone_plan plan;
		plan_of(op->api, client, cc, trunk, intl, &plan);
		if (phone_normalize(phone, &plan, e164, sizeof(e164)) != 0) {
			api_invalid(req,
				    "query argument \"phone\": \"%.40s\" is not a phone number",
				    phone);
			return;
		}
	}
	op->n = limit;
	struct store_value p[] = {c->cid ? store_int(c->cid) : store_null(),
				  store_text(phone ? e164 : NULL), store_int(after),
				  store_int(limit + 1)};
	cop_query(op, req, dnc_read, &q_dnc, p, 4);
}

static void dnc_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	c->dnc(op, req, store_rs_int(rs, 0, CA_CLIENT));
}

/*
 * A do-not-call route: a campaign's list (the campaign is loaded and must be
 * visible; its client's dialling plan reads the numbers) or the global one.
 */
static void dnc_run(struct http_req *req, void *arg, cdnc_h *fn)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (!op)
		return;
	struct cctx *c = op->data;
	if (c->cid) {
		c->dnc = fn;
		cop_load(op, req, dnc_loaded);
		return;
	}
	op->cont = false;
	fn(op, req, 0);
	if (!op->cont)
		api_op_free(op);
}

static void on_dnc_list(struct http_req *req, void *arg)
{
	dnc_run(req, arg, dnc_list);
}

static void dnc_added(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, true, "do-not-call entry");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (!n) {
		http_reply_error(req, 500, "internal", "the entry did not come back");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	api_row_json(rs, n - 1, 0, dnc_fields, 6, o, false);
	http_reply_json(req, 201, o);
}

static void dnc_add(struct api_op *op, struct http_req *req, int64_t client)
{
	struct cctx *c = op->data;
	static const struct api_field f[] = {{"number", AF_TEXT, AF_REQ, 1, 40, NULL, NULL}};
	struct api_val v[1] = {0};
	if (api_read_fields(req, http_req_json(req), f, 1, NULL, true, v))
		return;
	char cc[8], trunk[8], intl[8], e164[PHONE_E164_MAX];
	struct phone_plan plan;
	plan_of(op->api, client, cc, trunk, intl, &plan);
	if (phone_normalize(v[0].s, &plan, e164, sizeof(e164)) != 0) {
		api_invalid(req, "field \"number\": \"%.40s\" is not a phone number", v[0].s);
		api_vals_free(v, 1);
		return;
	}
	api_vals_free(v, 1);
	/* checked at the moment of dialling: the running dialer knows it at once */
	tel_dial_dnc(op->api->cfg.tel, (uint32_t)c->cid, e164, true);
	struct store_job *job = api_job(req);
	if (!job)
		return;
	int e = 0;
	struct store_value camp = c->cid ? store_int(c->cid) : store_null();
	struct store_value p[] = {camp, store_text(e164), store_text("manual"),
				  op->user_id ? store_int((int64_t)op->user_id) : store_null(),
				  store_int(api_now(op->api))};
	api_step(job, &s_dnc_insert, p, 5, 0, &e);
	char after[128];
	snprintf(after, sizeof(after), "{\"campaign_id\":%" PRId64 ",\"source\":\"manual\"}",
		 c->cid);
	/* the number itself is personal data: the audit row names the entry, not the number */
	struct store_value q[] = {camp, store_text(e164)};
	api_step(job, &q_dnc_one, q, 2, STORE_MUST_HIT, &e);
	api_audit(job, op, "create", "dnc", store_ref(1, 0), NULL, after, &e);
	cop_write(op, req, dnc_added, job, e);
}

static void on_dnc_add(struct http_req *req, void *arg)
{
	dnc_run(req, arg, dnc_add);
}

static void dnc_imported(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "do-not-call list");
		return;
	}
	http_reply_json(req, 200, op->out);
	op->out = NULL;
}

static void dnc_import(struct api_op *op, struct http_req *req, int64_t client)
{
	struct cctx *c = op->data;
	static const struct api_field f[] = {
	    {"csv", AF_TEXT, AF_REQ | AF_EMPTY, 0, 64 << 20, NULL, NULL}};
	struct api_val v[1] = {0};
	if (api_read_fields(req, http_req_json(req), f, 1, NULL, true, v))
		return;
	char cc[8], trunk[8], intl[8];
	struct phone_plan plan;
	plan_of(op->api, client, cc, trunk, intl, &plan);
	struct dialer_dnc d;
	dialer_dnc_init(&d);
	struct dialer_import_report rep = {0};
	int rc = dialer_dnc_import(&d, v[0].s, strlen(v[0].s), &plan, &rep);
	api_vals_free(v, 1);
	struct store_job *job = NULL;
	if (rc == EBADMSG) {
		api_invalid(req, "field \"csv\": %s", rep.error[0] ? rep.error : "not UTF-8 CSV");
		goto out;
	}
	if (rc) {
		http_reply_error(req, 500, "internal", "import: %s", strerror(rc));
		goto out;
	}
	job = api_job(req);
	if (!job)
		goto out;
	int e = 0;
	int64_t now = api_now(op->api);
	uint32_t pos = 0;
	uint64_t key;
	void *val;
	while (!e && idmap_next(&d.set, &pos, &key, &val)) {
		char e164[PHONE_E164_MAX];
		snprintf(e164, sizeof(e164), "+%" PRIu64, key);
		tel_dial_dnc(op->api->cfg.tel, (uint32_t)c->cid, e164, true);
		struct store_value p[] = {
		    c->cid ? store_int(c->cid) : store_null(), store_text(e164),
		    store_text("import"),
		    op->user_id ? store_int((int64_t)op->user_id) : store_null(), store_int(now)};
		api_step(job, &s_dnc_insert, p, 5, 0, &e);
	}
	cJSON *out = cJSON_CreateObject();
	if (c->cid)
		json_add_i64(out, "campaign_id", c->cid);
	else
		cJSON_AddNullToObject(out, "campaign_id");
	json_add_i64(out, "records", rep.records);
	json_add_i64(out, "numbers", idmap_count(&d.set));
	json_add_i64(out, "rejected", rep.n_rej);
	char *after = jdup(out);
	api_audit(job, op, "import", "dnc", c->cid ? store_int(c->cid) : store_null(), NULL, after,
		  &e);
	sb_free(after);
	cJSON *arr = cJSON_AddArrayToObject(out, "rejections");
	for (uint32_t i = 0; i < rep.n_rej; i++) {
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "row", rep.rej[i].row);
		json_add_i64(o, "line", rep.rej[i].line);
		cJSON_AddStringToObject(o, "reason", reject_code(rep.rej[i].reason));
		cJSON_AddStringToObject(o, "detail", rep.rej[i].detail);
		cJSON_AddItemToArray(arr, o);
	}
	op->out = out;
	cop_write(op, req, dnc_imported, job, e);
out:
	dialer_import_report_release(&rep);
	dialer_dnc_release(&d);
}

static void on_dnc_import(struct http_req *req, void *arg)
{
	dnc_run(req, arg, dnc_import);
}

static void dnc_removed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!err && op->text)
		tel_dial_dnc(op->api->cfg.tel, (uint32_t)op->id2, op->text, false);
	api_reply_done(op, err, req, false, "do-not-call entry");
}

static void dnc_entry_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "do-not-call entry");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (!u || !store_rs_rows(rs) || !api_client_visible(u, store_rs_int(rs, 0, 3))) {
		api_not_found(req, "do-not-call entry");
		return;
	}
	struct store_job *job = api_job(req);
	if (!job)
		return;
	int e = 0;
	struct store_value id = store_int(store_rs_int(rs, 0, 0));
	op->id2 = store_rs_int(rs, 0, 1); /* NULL (global) reads 0 */
	op->text = store_rs_text(rs, 0, 2) ? sb_strdup(store_rs_text(rs, 0, 2)) : NULL;
	api_step(job, &s_dnc_delete, &id, 1, STORE_MUST_HIT, &e);
	api_audit(job, op, "delete", "dnc", id, NULL, NULL, &e);
	op->status = 204;
	cop_write(op, req, dnc_removed, job, e);
}

static void on_dnc_remove(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, dnc_entry_read);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "entry"))};
	api_op_query(op, &q_dnc_entry, p, 1, req);
}

/* An agent's "do not call me" disposition: the lead is done and its number listed. */
static const struct store_stmt s_lead_dnc = {
    "api.lead_dnc",
    "UPDATE leads SET status = 'done', done_reason = 'dnc', last_result = 'dnc'"
    " WHERE id = $1 AND campaign_id = $2 RETURNING e164",
    NULL};
static const struct store_stmt s_dnc_from_lead = {
    "api.dnc_from_lead",
    "INSERT INTO dnc (campaign_id, e164, source, added_by, created_at)"
    " SELECT $1, e164, 'disposition', $2, $3 FROM leads WHERE id = $4 ON CONFLICT DO NOTHING",
    NULL};

static void lead_dnc_done(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct cctx *c = op->data;
	if (!err && store_rs_rows(rs) && store_rs_text(rs, 0, 0)) {
		/* the running dialer: the number listed, and the agent's call dispositioned */
		struct telephony *tel = op->api->cfg.tel;
		tel_dial_dnc(tel, c->global ? 0 : (uint32_t)c->cid, store_rs_text(rs, 0, 0), true);
		const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
		int64_t lead = c->sub;
		if (u && u->agent_id && tel)
			tel_dial_disposition(tel, (uint32_t)u->agent_id, DIALER_R_DNC, 0, 0, &lead);
	}
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "lead");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "lead_id", c->sub);
	cJSON_AddStringToObject(o, "number", store_rs_rows(rs) ? store_rs_text(rs, 0, 0) : "");
	cJSON_AddStringToObject(o, "list", c->global ? "global" : "campaign");
	http_reply_json(req, 200, o);
}

static void lead_dnc_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	(void)rs;
	struct cctx *c = op->data;
	struct store_job *job = api_job(req);
	if (!job)
		return;
	int e = 0;
	int64_t now = api_now(op->api);
	struct store_value p[] = {store_int(c->sub), store_int(c->cid)};
	api_step(job, &s_lead_dnc, p, 2, STORE_MUST_HIT, &e);
	struct store_value q[] = {c->global ? store_null() : store_int(c->cid),
				  op->user_id ? store_int((int64_t)op->user_id) : store_null(),
				  store_int(now), store_int(c->sub)};
	api_step(job, &s_dnc_from_lead, q, 4, 0, &e);
	char after[96];
	snprintf(after, sizeof(after), "{\"result\":\"dnc\",\"list\":\"%s\"}",
		 c->global ? "global" : "campaign");
	api_audit(job, op, "disposition", "lead", store_int(c->sub), NULL, after, &e);
	cop_write(op, req, lead_dnc_done, job, e);
}

static void on_lead_dnc(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (!op)
		return;
	struct cctx *c = op->data;
	c->sub = api_param_id(req, "lead");
	const cJSON *body = http_req_json(req);
	static const struct api_field f[] = {{"global", AF_BOOL, 0, 0, 0, NULL, NULL}};
	struct api_val v[1] = {0};
	if (body && api_read_fields(req, body, f, 1, NULL, false, v)) {
		api_op_free(op);
		return;
	}
	c->global = v[0].present && v[0].i;
	api_vals_free(v, 1);
	const struct user *u = http_req_user(req);
	if (c->global && u->role == ROLE_AGENT) {
		/* an agent's disposition goes to the campaign's list; the global one is managed */
		api_invalid(req, "field \"global\": only supervisors and admins add to the global "
				 "list");
		api_op_free(op);
		return;
	}
	cop_load(op, req, lead_dnc_loaded);
}

/* ---------- "why no dialable leads" ---------- */

static void why_run(struct api_op *op, struct http_req *req)
{
	struct cctx *c = op->data;
	struct known *k = c->kn;
	int rc = dialer_campaign_set_list(k->d, 1, &k->l);
	int64_t now = api_now(op->api);
	struct dialer_why w;
	if (rc || (rc = dialer_campaign_why(k->d, 1, now, &w))) {
		http_reply_error(req, 500, "internal", "dialer: %s", strerror(rc));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "campaign_id", c->cid);
	json_add_i64(o, "at", now);
	json_add_i64(o, "total", w.total);
	json_add_i64(o, "dialable", w.dialable);
	cJSON *ex = cJSON_AddObjectToObject(o, "excluded");
	json_add_i64(ex, "in_call", w.in_call);
	json_add_i64(ex, "dnc", w.dnc);
	json_add_i64(ex, "max_attempts", w.max_attempts);
	json_add_i64(ex, "done", w.done);
	json_add_i64(ex, "lockout", w.lockout);
	json_add_i64(ex, "callback_wait", w.callback_wait);
	json_add_i64(ex, "callback_agent", w.callback_agent);
	json_add_i64(ex, "retry_wait", w.retry_wait);
	json_add_i64(ex, "window_closed", w.window_closed);
	json_add_i64(ex, "zone_unknown", w.zone_unknown);
	if (k->skipped)
		json_add_i64(o, "unreadable", k->skipped);
	http_reply_json(req, 200, o);
}

static void why_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	struct camp_ok co;
	char msg[200];
	camp_keep(c, rs);
	if (camp_check(op->api, &c->k, &co, msg, sizeof(msg))) {
		http_reply_error(req, 500, "internal", "stored campaign settings: %s", msg);
		return;
	}
	struct known *k = c->kn = known_new();
	if (!k) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	k->then = why_run;
	struct dialer_params dp = {.localtime = tz_local, .localtime_arg = &k->tc};
	int rc = dialer_alloc(&k->d, &dp, NULL, NULL);
	if (rc || (rc = dialer_campaign_add(k->d, 1, &co.p))) {
		http_reply_error(req, 500, "internal", "dialer: %s", strerror(rc));
		return;
	}
	known_step(op, req);
}

static void on_why(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, why_loaded);
}

/* ---------- recycling leads by result ---------- */

static const struct store_stmt s_lead_recycle = {
    "api.lead_recycle",
    "UPDATE leads SET status = 'ready', done_reason = NULL, attempts = 0, callback = 0,"
    " callback_agent = NULL, next_attempt_at = $2 WHERE id = $1",
    NULL};

static void recycled(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "lead");
		return;
	}
	http_reply_json(req, 200, op->out);
	op->out = NULL;
}

static void recycle_run(struct api_op *op, struct http_req *req)
{
	struct cctx *c = op->data;
	struct known *k = c->kn;
	uint32_t n = k->l.n;
	bool *was = n ? sb_calloc(n, sizeof(*was)) : NULL;
	if (n && !was) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct dialer_lead *ld = k->l.leads[i];
		was[i] = ld->state == DIALER_LEAD_READY && ld->attempts == 0;
	}
	int64_t now = api_now(op->api);
	uint32_t got = dialer_list_recycle(&k->l, (uint32_t)c->sub, now);
	struct store_job *job = api_job(req);
	if (!job) {
		sb_free(was);
		return;
	}
	int e = 0;
	for (uint32_t i = 0; i < n && !e; i++) {
		const struct dialer_lead *ld = k->l.leads[i];
		if (was[i] || ld->state != DIALER_LEAD_READY || ld->attempts != 0)
			continue;
		struct store_value p[] = {store_int(k->dbid[i]), store_int(ld->next_ms)};
		api_step(job, &s_lead_recycle, p, 2, STORE_MUST_HIT, &e);
	}
	sb_free(was);
	cJSON *out = cJSON_CreateObject();
	json_add_i64(out, "campaign_id", c->cid);
	json_add_i64(out, "recycled", got);
	cJSON *res = cJSON_AddArrayToObject(out, "results");
	for (int r = DIALER_R_NONE + 1; r < DIALER_R_COUNT; r++)
		if (c->sub & (1 << r))
			cJSON_AddItemToArray(
			    res, cJSON_CreateString(dialer_result_name((enum dialer_result)r)));
	char *after = jdup(out);
	api_audit(job, op, "recycle", "campaign", store_int(c->cid), NULL, after, &e);
	sb_free(after);
	op->out = out;
	cop_write(op, req, recycled, job, e);
}

static void recycle_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	(void)rs;
	struct cctx *c = op->data;
	c->kn = known_new();
	if (!c->kn) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	c->kn->with_state = true;
	c->kn->then = recycle_run;
	known_step(op, req);
}

static void on_recycle(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (!op)
		return;
	struct cctx *c = op->data;
	const cJSON *body = http_req_json(req);
	const char *stray;
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "results");
	if (json_only_keys(body, (const char *const[]){"results", NULL}, &stray)) {
		api_invalid(req, "field \"%s\" is not known here", stray);
		goto fail;
	}
	if (!cJSON_IsArray(arr) || !cJSON_GetArraySize(arr)) {
		api_invalid(req, "field \"results\" must be a non-empty array of result names "
				 "(no-answer, busy, failed, abandoned, completed, callback, "
				 "wrong-number, not-interested)");
		goto fail;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		enum dialer_result r;
		if (!cJSON_IsString(it) || result_parse(it->valuestring, &r)) {
			api_invalid(req, "field \"results\": \"%.40s\" is not a result",
				    cJSON_IsString(it) ? it->valuestring : "?");
			goto fail;
		}
		c->sub |= 1LL << r;
	}
	cop_load(op, req, recycle_loaded);
	return;
fail:
	api_op_free(op);
}

/* ---------- the abandonment report ---------- */

static const struct store_stmt q_report = {
    "api.campaign_report",
    "SELECT count(*), ifnull(sum(answered), 0), ifnull(sum(abandoned), 0),"
    " ifnull(sum(CASE WHEN time > $2 THEN 1 ELSE 0 END), 0),"
    " ifnull(sum(CASE WHEN time > $2 THEN answered ELSE 0 END), 0),"
    " ifnull(sum(CASE WHEN time > $2 THEN abandoned ELSE 0 END), 0),"
    " (SELECT count(*) FROM leads WHERE campaign_id = $1),"
    " (SELECT count(*) FROM leads WHERE campaign_id = $1 AND status = 'ready'),"
    " (SELECT count(*) FROM leads WHERE campaign_id = $1 AND status = 'done'),"
    /* the audit trail: the daemon's dialer.attempt events of the campaign */
    " (SELECT count(*) FROM events WHERE kind = 'dialer.attempt'"
    "  AND json_extract(data, '$.campaign') = $1),"
    " (SELECT ifnull(sum(json_extract(data, '$.answered')), 0) FROM events"
    "  WHERE kind = 'dialer.attempt' AND json_extract(data, '$.campaign') = $1),"
    " (SELECT ifnull(sum(json_extract(data, '$.abandoned')), 0) FROM events"
    "  WHERE kind = 'dialer.attempt' AND json_extract(data, '$.campaign') = $1)"
    " FROM dial_attempts WHERE campaign_id = $1",
    NULL};

static void report_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct cctx *c = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "campaign");
		return;
	}
	double limit = (double)op->n / 1e6;
	int64_t window_ms = op->id2;
	int64_t live = store_rs_int(rs, 0, 4), ab = store_rs_int(rs, 0, 5);
	double rate = live ? (double)ab / (double)live : 0;
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "campaign_id", c->cid);
	json_add_i64(o, "at", op->id);
	cJSON_AddStringToObject(o, "profile", op->text ? op->text : "us");
	json_add_i64(o, "attempts", store_rs_int(rs, 0, 0));
	json_add_i64(o, "live_answers", store_rs_int(rs, 0, 1));
	json_add_i64(o, "abandoned", store_rs_int(rs, 0, 2));
	cJSON *w = cJSON_AddObjectToObject(o, "rolling");
	json_add_i64(w, "window_hours", window_ms / HOUR_MS);
	json_add_i64(w, "attempts", store_rs_int(rs, 0, 3));
	json_add_i64(w, "live_answers", live);
	json_add_i64(w, "abandoned", ab);
	cJSON_AddNumberToObject(w, "rate", rate);
	cJSON_AddNumberToObject(w, "limit", limit);
	cJSON_AddBoolToObject(w, "over_limit", live > 0 && rate > limit);
	cJSON *ls = cJSON_AddObjectToObject(o, "leads");
	json_add_i64(ls, "total", store_rs_int(rs, 0, 6));
	json_add_i64(ls, "ready", store_rs_int(rs, 0, 7));
	json_add_i64(ls, "done", store_rs_int(rs, 0, 8));
	cJSON *tr = cJSON_AddObjectToObject(o, "trail");
	json_add_i64(tr, "attempts", store_rs_int(rs, 0, 9));
	json_add_i64(tr, "live_answers", store_rs_int(rs, 0, 10));
	json_add_i64(tr, "abandoned", store_rs_int(rs, 0, 11));
	cJSON_AddBoolToObject(tr, "matches",
			      store_rs_int(rs, 0, 9) == store_rs_int(rs, 0, 0) &&
				  store_rs_int(rs, 0, 10) == store_rs_int(rs, 0, 1) &&
				  store_rs_int(rs, 0, 11) == store_rs_int(rs, 0, 2));
	cJSON_AddStringToObject(o, "live_answer_rule",
				"no answering-machine detection: every answered call counts as "
				"live-answered");
	http_reply_json(req, 200, o);
}

static void report_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	struct camp k;
	char msg[200];
	camp_from_row(rs, 0, &k);
	struct dialer_profile p;
	if (parse_profile(&k, &p, msg, sizeof(msg))) {
		http_reply_error(req, 500, "internal", "stored campaign settings: %s", msg);
		return;
	}
	int64_t now = api_now(op->api);
	op->id = now;
	op->id2 = p.abandon_window_ms;
	op->n = (int64_t)(p.abandon_limit * 1e6 + 0.5);
	op->text = sb_strdup(k.profile);
	struct store_value q[] = {store_int(c->cid), store_int(now - p.abandon_window_ms)};
	cop_query(op, req, report_read, &q_report, q, 2);
}

static void on_report(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, report_loaded);
}

/* ---------- running a campaign: calls over SIP (tel_dial.c) ---------- */

static void dial_log(struct api_op *op, const char *kind, int64_t cid, int64_t client)
{
	char data[96];
	snprintf(data, sizeof(data), "{\"campaign\":%" PRId64 "}", cid);
	struct center_scope sc = {.client_id = (uint64_t)client};
	center_log(op->api->cfg.center, kind, data, op->user_id, &sc);
}

/* Kept across restarts: running, with its blending rule and the agents it dials for. */
static const struct store_stmt s_run_set = {
    "api.campaign_run",
    "UPDATE campaigns SET running = $2, blend_min_sl = coalesce($3, blend_min_sl),"
    " blend_reserve = coalesce($4, blend_reserve), run_agents = coalesce($5, run_agents)"
    " WHERE id = $1",
    NULL};

static void start_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	struct cctx *c = op->data;
	if (err) /* running now, but not resumed after a restart */
		fprintf(stderr, "switchboard: campaign %" PRId64 ": cannot store its start: %s\n",
			c->cid, strerror(err));
	if (!req)
		return;
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "campaign_id", c->cid);
	cJSON_AddBoolToObject(o, "running", true);
	json_add_i64(o, "agents", c->n_run);
	json_add_i64(o, "leads", c->sub);
	cJSON_AddNumberToObject(o, "blend_min_sl", c->blend.min_sl);
	json_add_i64(o, "blend_reserve", c->blend.reserve);
	http_reply_json(req, 200, o);
}

static void start_run(struct api_op *op, struct http_req *req)
{
	struct cctx *c = op->data;
	struct known *k = c->kn;
	uint32_t leads = k->l.n;
	struct tel_dial_campaign tc = {
	    .id = (uint32_t)c->cid,
	    .client_id = c->client,
	    .queue_id = c->queue,
	    .params = c->co.p,
	    .list = &k->l,
	    .lead_dbid = k->dbid,
	    .dnc = &k->dnc,
	    .gdnc = &k->gdnc,
	    .agents = c->run_agents,
	    .blended = c->run_blended,
	    .n_agents = c->n_run,
	    .blend = c->blend,
	    .disposition_map = c->keep[7],
	};
	int rc = tel_dial_start(op->api->cfg.tel, op->api->cfg.store, &tc);
	k->dbid = tc.lead_dbid; /* NULL when the dialer took it */
	if (rc == ENOENT) {
		http_reply_error(req, 409, "no_trunk",
				 "no SIP trunk: start the daemon with --trunk ADDR:PORT");
		return;
	}
	if (rc == EEXIST) {
		http_reply_error(req, 409, "running", "the campaign is running already");
		return;
	}
	if (rc) {
		http_reply_error(req, 500, "internal", "dialer: %s", strerror(rc));
		return;
	}
	dial_log(op, "dialer.start", c->cid, c->client);
	c->sub = leads;
	int64_t ids[MAX_RUN_AGENTS];
	for (unsigned i = 0; i < c->n_run; i++)
		ids[i] = c->run_agents[i];
	char *agents = api_ids_json(ids, c->n_run);
	struct store_job *job = api_job(req);
	if (!job) {
		sb_free(agents);
		return;
	}
	int e = agents ? 0 : ENOMEM;
	struct store_value p[] = {store_int(c->cid), store_int(1), store_real(c->blend.min_sl),
				  store_int(c->blend.reserve), store_text(agents)};
	api_step(job, &s_run_set, p, 5, STORE_MUST_HIT, &e);
	sb_free(agents);
	cop_write(op, req, start_written, job, e);
}

/* An agent who also serves another (inbound) queue than the campaign's: blended. */
static bool agent_blended(struct api *a, int64_t agent, int64_t queue)
{
	const struct center_queue *q;
	for (unsigned j = 0; (q = center_queue_at(a->cfg.center, j)); j++)
		if (q->active && q->id != queue && api_agent_serves(a, agent, q->id))
			return true;
	return false;
}

static void start_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	struct api *a = op->api;
	char msg[200];
	camp_keep(c, rs);
	if (camp_check(a, &c->k, &c->co, msg, sizeof(msg))) {
		http_reply_error(req, 500, "internal", "stored campaign settings: %s", msg);
		return;
	}
	/* the stored blending rule, but what the request gives (stored with the start) */
	if (!op->id)
		c->blend.min_sl = store_rs_real(rs, 0, CA_BLEND_SL);
	if (!op->id2)
		c->blend.reserve = (uint32_t)store_rs_int(rs, 0, CA_BLEND_RES);
	if (store_rs_text(rs, 0, CA_DMAP))
		c->keep[7] = sb_strdup(store_rs_text(rs, 0, CA_DMAP));
	c->queue = store_rs_int(rs, 0, CA_QUEUE);
	c->client = store_rs_int(rs, 0, CA_CLIENT);
	if (!c->queue || !center_queue(a->cfg.center, c->queue)) {
		http_reply_error(req, 409, "no_queue",
				 "the campaign has no queue: answered calls go to its queue_id");
		return;
	}
	if (tel_dial_running(a->cfg.tel, (uint32_t)c->cid)) {
		http_reply_error(req, 409, "running", "the campaign is running already");
		return;
	}
	/* its agents: listed, holding one of its skills, or serving its queue; blended when they
	 * serve another queue too (inbound comes first for them) */
	const struct center_agent *ag;
	for (unsigned i = 0; (ag = center_agent_at(a->cfg.center, i)) && c->n_run < MAX_RUN_AGENTS;
	     i++) {
		if (!ag->active || !agent_in(a, ag->id, rs, 0))
			continue;
		c->run_agents[c->n_run] = (uint32_t)ag->id;
		c->run_blended[c->n_run++] = agent_blended(a, ag->id, c->queue);
	}
	struct known *k = c->kn = known_new();
	if (!k) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	k->with_state = true;
	k->split = true;
	k->then = start_run;
	known_step(op, req);
}

static bool tel_ready(struct http_req *req, struct api *a)
{
	if (a->cfg.tel)
		return true;
	http_reply_error(req, 409, "no_telephony", "the daemon runs without SIP telephony");
	return false;
}

static void on_start(struct http_req *req, void *arg)
{
	struct api *a = arg;
	if (!tel_ready(req, a))
		return;
	struct api_op *op = cop_new(a, req, NULL);
	if (!op)
		return;
	struct cctx *c = op->data;
	const cJSON *body = http_req_json(req);
	static const struct api_field f[] = {
	    {"blend_min_sl", AF_REAL, 0, 0, 1, NULL, NULL},
	    {"blend_reserve", AF_INT, 0, 0, 1000, NULL, NULL},
	};
	struct api_val v[2] = {0};
	if (body && api_read_fields(req, body, f, 2, NULL, false, v)) {
		api_op_free(op);
		return;
	}
	c->blend = (struct dialer_blend_rule){0.8, 0};
	op->id = v[0].present && !v[0].null;
	op->id2 = v[1].present && !v[1].null;
	if (op->id)
		c->blend.min_sl = v[0].d;
	if (op->id2)
		c->blend.reserve = (uint32_t)v[1].i;
	api_vals_free(v, 2);
	cop_load(op, req, start_loaded);
}

static void stop_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	struct cctx *c = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "campaign");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "campaign_id", c->cid);
	cJSON_AddBoolToObject(o, "running", false);
	http_reply_json(req, 200, o);
}

static void stop_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	struct cctx *c = op->data;
	/* stored as running but not (a restart could not resume it): stopped all the same */
	if (tel_dial_stop(op->api->cfg.tel, (uint32_t)c->cid) != 0 &&
	    !store_rs_int(rs, 0, CA_RUNNING)) {
		http_reply_error(req, 409, "not_running", "the campaign is not running");
		return;
	}
	dial_log(op, "dialer.stop", c->cid, store_rs_int(rs, 0, CA_CLIENT));
	struct store_job *job = api_job(req);
	if (!job)
		return;
	int e = 0;
	struct store_value p[] = {store_int(c->cid), store_int(0), store_null(), store_null(),
				  store_null()};
	api_step(job, &s_run_set, p, 5, STORE_MUST_HIT, &e);
	cop_write(op, req, stop_written, job, e);
}

static void on_stop(struct http_req *req, void *arg)
{
	if (!tel_ready(req, arg))
		return;
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, stop_loaded);
}

static void live_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	(void)rs;
	struct cctx *c = op->data;
	struct dialer_report r;
	struct dialer_why w;
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "campaign_id", c->cid);
	bool running = tel_dial_running(op->api->cfg.tel, (uint32_t)c->cid);
	cJSON_AddBoolToObject(o, "running", running);
	if (tel_dial_report(op->api->cfg.tel, (uint32_t)c->cid, &r, &w) == 0) {
		json_add_i64(o, "attempts", (int64_t)r.attempts);
		json_add_i64(o, "answered", (int64_t)r.answered);
		json_add_i64(o, "abandoned", (int64_t)r.abandoned);
		json_add_i64(o, "connected", (int64_t)r.connected);
		json_add_i64(o, "ringing", r.ringing);
		json_add_i64(o, "waiting", r.waiting);
		cJSON *ag = cJSON_AddObjectToObject(o, "agents");
		json_add_i64(ag, "free", r.agents_free);
		json_add_i64(ag, "busy", r.agents_busy);
		json_add_i64(ag, "away", r.agents_away);
		cJSON_AddNumberToObject(o, "answer_rate", r.answer_rate);
		cJSON *win = cJSON_AddObjectToObject(o, "rolling");
		json_add_i64(win, "live_answers", (int64_t)r.win_live);
		json_add_i64(win, "abandoned", (int64_t)r.win_abandoned);
		cJSON_AddNumberToObject(win, "rate", r.win_rate);
		cJSON_AddNumberToObject(win, "limit", r.limit);
		cJSON *pc = cJSON_AddObjectToObject(o, "pacing");
		json_add_i64(pc, "dial", r.last.dial);
		cJSON_AddStringToObject(
		    pc, "mode", r.last.mode == PACER_PREDICTIVE ? "predictive" : "progressive");
		cJSON_AddStringToObject(pc, "why", pacer_why_text(r.last.why));
		cJSON_AddNumberToObject(pc, "tau", r.last.tau);
		cJSON *wh = cJSON_AddObjectToObject(o, "why");
		json_add_i64(wh, "total", w.total);
		json_add_i64(wh, "dialable", w.dialable);
		json_add_i64(wh, "in_call", w.in_call);
		json_add_i64(wh, "dnc", w.dnc);
		json_add_i64(wh, "max_attempts", w.max_attempts);
		json_add_i64(wh, "done", w.done);
		json_add_i64(wh, "lockout", w.lockout);
		json_add_i64(wh, "callback_wait", w.callback_wait);
		json_add_i64(wh, "callback_agent", w.callback_agent);
		json_add_i64(wh, "retry_wait", w.retry_wait);
		json_add_i64(wh, "window_closed", w.window_closed);
		json_add_i64(wh, "zone_unknown", w.zone_unknown);
	}
	http_reply_json(req, 200, o);
}

static void on_live(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, live_loaded);
}

/* The agent's own campaign, or a 409 naming why not. */
static uint32_t dial_agent(struct api_op *op, struct http_req *req)
{
	struct cctx *c = op->data;
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	uint32_t agent = u ? (uint32_t)u->agent_id : 0;
	if (!agent || !op->api->cfg.tel ||
	    tel_dial_agent_campaign(op->api->cfg.tel, agent) != (uint32_t)c->cid) {
		http_reply_error(req, 409, "not_dialling",
				 "you are not dialling for this campaign (it must be running and "
				 "you one of its agents)");
		return 0;
	}
	return agent;
}

static const struct store_stmt q_lead_card = {
    "api.lead_card",
    "SELECT id, e164, first_name, last_name, zone, custom, attempts, last_result, callback,"
    " next_attempt_at FROM leads WHERE id = $1",
    NULL};

static void card_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err || !store_rs_rows(rs)) {
		api_store_error(req, err ? err : ENOENT, false, "lead");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "lead_id", store_rs_int(rs, 0, 0));
	cJSON_AddStringToObject(o, "number", store_rs_text(rs, 0, 1));
	const char *t;
	if ((t = store_rs_text(rs, 0, 2)))
		cJSON_AddStringToObject(o, "first_name", t);
	if ((t = store_rs_text(rs, 0, 3)))
		cJSON_AddStringToObject(o, "last_name", t);
	cJSON_AddStringToObject(o, "zone", store_rs_text(rs, 0, 4));
	cJSON *cu = store_rs_text(rs, 0, 5) ? cJSON_Parse(store_rs_text(rs, 0, 5)) : NULL;
	if (cu)
		cJSON_AddItemToObject(o, "custom", cu);
	json_add_i64(o, "attempts", store_rs_int(rs, 0, 6));
	if ((t = store_rs_text(rs, 0, 7)))
		cJSON_AddStringToObject(o, "last_result", t);
	cJSON_AddBoolToObject(o, "callback", store_rs_int(rs, 0, 8) != 0);
	/* held: reserved before this ask (a reloaded desktop gets its card again) */
	cJSON_AddBoolToObject(o, "held", ((struct cctx *)op->data)->sub == 2);
	http_reply_json(req, 200, o);
}

static void preview_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	(void)rs;
	uint32_t agent = dial_agent(op, req);
	if (!agent)
		return;
	int64_t lead = 0;
	int rc = 0;
	if (tel_dial_preview_current(op->api->cfg.tel, agent, &lead) == 0)
		((struct cctx *)op->data)->sub = 2; /* the card it holds already */
	else
		rc = tel_dial_preview_next(op->api->cfg.tel, agent, &lead);
	if (rc == ENOENT) {
		http_reply_error(req, 404, "no_lead", "no dialable lead now (see the why route)");
		return;
	}
	if (rc) {
		http_reply_error(req, 409, "busy", "not free for a preview now (%s)", strerror(rc));
		return;
	}
	struct store_value p[] = {store_int(lead)};
	cop_query(op, req, card_read, &q_lead_card, p, 1);
}

static void on_preview(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, preview_loaded);
}

static void preview_act_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	(void)rs;
	struct cctx *c = op->data;
	uint32_t agent = dial_agent(op, req);
	if (!agent)
		return;
	bool dial = c->sub == 1;
	int rc = dial ? tel_dial_preview_dial(op->api->cfg.tel, agent)
		      : tel_dial_preview_skip(op->api->cfg.tel, agent);
	if (rc == EPERM) {
		http_reply_error(req, 409, "dnc", "the number is on a do-not-call list now");
		return;
	}
	if (rc == EAGAIN) {
		http_reply_error(req, 409, "window_closed", "the calling window has closed");
		return;
	}
	if (rc) {
		http_reply_error(req, 409, "no_preview", "no lead previewed (%s)", strerror(rc));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "campaign_id", c->cid);
	cJSON_AddStringToObject(o, "done", dial ? "dialled" : "skipped");
	http_reply_json(req, 200, o);
}

static void on_preview_dial(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (!op)
		return;
	((struct cctx *)op->data)->sub = 1;
	cop_load(op, req, preview_act_loaded);
}

static void on_preview_skip(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (op)
		cop_load(op, req, preview_act_loaded);
}

static void dispo_loaded(struct api_op *op, struct http_req *req, const struct store_rs *rs)
{
	(void)rs;
	struct cctx *c = op->data;
	uint32_t agent = dial_agent(op, req);
	if (!agent)
		return;
	int64_t lead = 0;
	enum dialer_result r = (enum dialer_result)c->sub;
	int rc = tel_dial_disposition(op->api->cfg.tel, agent, r, op->id, (uint32_t)op->id2, &lead);
	if (rc == ENOENT) {
		http_reply_error(req, 409, "nothing",
				 "no outbound call of yours awaits a disposition");
		return;
	}
	if (rc) {
		api_invalid(req, "field \"callback_agent\": not an agent of this campaign");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "lead_id", lead);
	cJSON_AddStringToObject(o, "result", dialer_result_name(r));
	if (r == DIALER_R_CALLBACK) {
		json_add_i64(o, "callback_at", op->id);
		if (op->id2)
			json_add_i64(o, "callback_agent", op->id2);
		else
			cJSON_AddNullToObject(o, "callback_agent");
	}
	http_reply_json(req, 200, o);
}

static void on_disposition(struct http_req *req, void *arg)
{
	struct api_op *op = cop_new(arg, req, NULL);
	if (!op)
		return;
	struct cctx *c = op->data;
	static const struct api_field f[] = {
	    {"result", AF_TEXT, AF_REQ, 1, 40, NULL, NULL},
	    {"callback_at", AF_TIME, AF_NULL, 0, 0, NULL, NULL},
	    {"callback_agent", AF_INT, AF_NULL, 1, UINT32_MAX, NULL, NULL},
	};
	struct api_val v[3] = {0};
	if (api_read_fields(req, http_req_json(req), f, 3, NULL, true, v)) {
		api_op_free(op);
		return;
	}
	enum dialer_result r;
	int bad = 0;
	if (result_parse(v[0].s, &r) || r == DIALER_R_ABANDONED) {
		api_invalid(req,
			    "field \"result\": \"%.40s\" is not a disposition (completed, "
			    "callback, not-interested, wrong-number, no-answer, busy, failed)",
			    v[0].s);
		bad = 1;
	} else if (r == DIALER_R_DNC) {
		api_invalid(req, "field \"result\": do-not-call goes through POST "
				 "/campaigns/{id}/leads/{lead}/dnc");
		bad = 1;
	} else if (r == DIALER_R_CALLBACK && (!v[1].present || v[1].null)) {
		api_invalid(req, "field \"callback_at\": a callback needs its time");
		bad = 1;
	} else if (r != DIALER_R_CALLBACK &&
		   ((v[1].present && !v[1].null) || (v[2].present && !v[2].null))) {
		api_invalid(req, "field \"callback_at\": only for the callback result");
		bad = 1;
	}
	c->sub = (int64_t)r;
	op->id = v[1].present && !v[1].null ? v[1].i : 0;
	op->id2 = v[2].present && !v[2].null ? v[2].i : 0;
	api_vals_free(v, 3);
	if (bad) {
		api_op_free(op);
		return;
	}
	cop_load(op, req, dispo_loaded);
}

/* ---------- resuming running campaigns at start-up ---------- */

static const struct store_stmt q_running = {
    "api.campaigns_running",
    "SELECT " CAMP_COLS ", c.run_agents FROM campaigns c WHERE c.running = 1 ORDER BY c.id", NULL};
#define CA_RUN_AGENTS (CA_COUNT + 2)
static const struct store_stmt s_resume_reset = {
    "api.campaign_resume_reset",
    "UPDATE leads SET status = 'ready' WHERE campaign_id = $1 AND status = 'in_call'", NULL};

/* A campaign's leads (with their state) and both DNC lists, read waiting (at start-up). */
static int known_load_sync(struct store *st, int64_t cid, struct known *k)
{
	for (int phase = 0; phase < 2; phase++) {
		k->phase_dnc = phase == 1;
		k->after = 0;
		for (;;) {
			struct store_rs *rs = NULL;
			struct store_value p[] = {store_int(cid), store_int(k->after),
						  store_int(KNOWN_PAGE)};
			int err =
			    store_query_sync(st, phase ? &q_known_dnc : &q_known_leads, p, 3, &rs);
			unsigned n = rs ? store_rs_rows(rs) : 0;
			if (!err)
				err = known_rows(k, rs);
			store_rs_free(rs);
			if (err)
				return err;
			if (n < KNOWN_PAGE)
				break;
		}
	}
	return 0;
}

/* Starts stored row r again as it ran: NULL, or why not. */
static const char *resume_one(struct api *a, const struct store_rs *rs, unsigned r, char *msg,
			      size_t n)
{
	struct camp k;
	struct camp_ok co;
	camp_from_row(rs, r, &k);
	if (camp_check(a, &k, &co, msg, n))
		return msg;
	int64_t cid = store_rs_int(rs, r, CA_ID), queue = store_rs_int(rs, r, CA_QUEUE);
	if (!queue || !center_queue(a->cfg.center, queue))
		return "the campaign has no queue";
	if (!a->cfg.tel)
		return "the daemon runs without SIP telephony";
	/* the agents it dialled for (those still active); blended as the queues say now */
	uint32_t agents[MAX_RUN_AGENTS];
	bool blended[MAX_RUN_AGENTS];
	unsigned n_run = 0;
	cJSON *ids = cJSON_Parse(
	    store_rs_text(rs, r, CA_RUN_AGENTS) ? store_rs_text(rs, r, CA_RUN_AGENTS) : "[]");
	const cJSON *it;
	cJSON_ArrayForEach(it, ids)
	{
		const struct center_agent *ag =
		    cJSON_IsNumber(it) ? center_agent(a->cfg.center, (int64_t)it->valuedouble)
				       : NULL;
		if (!ag || !ag->active || n_run == MAX_RUN_AGENTS)
			continue;
		agents[n_run] = (uint32_t)ag->id;
		blended[n_run++] = agent_blended(a, ag->id, queue);
	}
	cJSON_Delete(ids);
	struct known *kn = known_new();
	if (!kn)
		return "out of memory";
	kn->with_state = true;
	kn->split = true;
	/* calls the stop or crash cut: their leads are ready again (before anyone reads them) */
	struct store_value id = store_int(cid);
	int err = store_exec_sync(a->cfg.store, &s_resume_reset, &id, 1);
	if (!err)
		err = known_load_sync(a->cfg.store, cid, kn);
	if (err) {
		known_free(kn);
		snprintf(msg, n, "cannot read its leads: %s", strerror(err));
		return msg;
	}
	struct tel_dial_campaign tc = {
	    .id = (uint32_t)cid,
	    .client_id = store_rs_int(rs, r, CA_CLIENT),
	    .queue_id = queue,
	    .params = co.p,
	    .list = &kn->l,
	    .lead_dbid = kn->dbid,
	    .dnc = &kn->dnc,
	    .gdnc = &kn->gdnc,
	    .agents = agents,
	    .blended = blended,
	    .n_agents = n_run,
	    .blend = {store_rs_real(rs, r, CA_BLEND_SL),
		      (uint32_t)store_rs_int(rs, r, CA_BLEND_RES)},
	    .disposition_map = store_rs_text(rs, r, CA_DMAP),
	};
	err = tel_dial_start(a->cfg.tel, a->cfg.store, &tc);
	kn->dbid = tc.lead_dbid;
	known_free(kn);
	if (err == ENOENT)
		return "no SIP trunk (--trunk ADDR:PORT)";
	if (err) {
		snprintf(msg, n, "%s", strerror(err));
		return msg;
	}
	char data[96];
	snprintf(data, sizeof(data), "{\"campaign\":%" PRId64 ",\"resumed\":true}", cid);
	struct center_scope sc = {.client_id = (uint64_t)tc.client_id};
	center_log(a->cfg.center, "dialer.start", data, 0, &sc);
	return NULL;
}

void api_campaigns_resume(struct api *a)
{
	struct store_rs *rs = NULL;
	if (!a->cfg.store || !a->cfg.center ||
	    store_query_sync(a->cfg.store, &q_running, NULL, 0, &rs) != 0) {
		store_rs_free(rs);
		return;
	}
	unsigned n = rs ? store_rs_rows(rs) : 0;
	for (unsigned r = 0; r < n; r++) {
		char msg[200];
		const char *why = resume_one(a, rs, r, msg, sizeof(msg));
		if (why) /* stays marked running: a later start of the daemon tries again */
			fprintf(stderr, "switchboard: campaign %" PRId64 " not resumed: %s\n",
				store_rs_int(rs, r, CA_ID), why);
	}
	store_rs_free(rs);
}

/* ---------- routes ---------- */

#define CAMP_PROPS                                                                                 \
	"\"client_id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},\"queue_id\":{"       \
	"\"type\":\"integer\",\"nullable\":true},\"agents\":{\"type\":\"array\",\"items\":{"       \
	"\"type\":\"integer\"}},\"skills\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}," \
	"\"caller_id\":{\"type\":\"string\",\"nullable\":true,\"description\":\"normalised to "    \
	"E.164\"},\"dial_mode\":{\"type\":\"string\",\"enum\":[\"preview\",\"progressive\","       \
	"\"predictive\"]},\"windows\":{\"type\":\"object\",\"nullable\":true,\"description\":"     \
	"\"local calling window per weekday: {\\\"mon\\\": {\\\"start\\\": \\\"09:00\\\", "        \
	"\\\"end\\\": \\\"20:00\\\"}, ...}; a day not given: no calls; null: 09:00-20:00 every "   \
	"day\"},\"profile\":{\"type\":\"string\",\"enum\":[\"us\",\"uk\",\"custom\"]},"            \
	"\"profile_custom\":{\"type\":\"object\",\"nullable\":true,\"description\":\"custom "      \
	"profile: abandon_limit_pct, abandon_window_hours, safe_harbour_seconds, "                 \
	"min_ring_seconds, window_start, window_end, lockout_hours\"},\"retry_rules\":{\"type\":"  \
	"\"object\",\"nullable\":true,\"description\":\"per result (no-answer, busy ...): "        \
	"{\\\"final\\\": true} or {\\\"delay_minutes\\\", \\\"max_attempts\\\"}\"},"               \
	"\"ring_seconds\":{\"type\":\"integer\"},\"default_zone\":{\"type\":\"string\","           \
	"\"nullable\":true},\"script_id\":{\"type\":\"integer\",\"nullable\":true},\"active\":{"   \
	"\"type\":\"boolean\"},\"blend_min_sl\":{\"type\":\"number\",\"description\":\"blending:"  \
	" blended agents take its calls while the inbound service level is at least this (0..1,"   \
	" default 0.8); applies at once when running\"},\"blend_reserve\":{\"type\":\"integer\","  \
	"\"description\":\"blended agents always kept free for inbound\"},\"disposition_map\":{"   \
	"\"type\":\"object\",\"nullable\":true,\"description\":\"the center's disposition codes "  \
	"to "                                                                                      \
	"dialer results ({\\\"SALE\\\": \\\"completed\\\"}; a result or none); codes not listed "  \
	"map by"                                                                                   \
	" name (callback, not_interested, do-not-call ...); null: by name only\"}"
#define CAMP_IN                                                                                    \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" CAMP_PROPS "}}"
#define CAMP_OUT                                                                                   \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," CAMP_PROPS           \
	",\"created_at\":{\"type\":\"integer\"},\"updated_at\":{\"type\":\"integer\"},"            \
	"\"running\":{"                                                                            \
	"\"type\":\"boolean\",\"description\":\"started and not stopped (resumed after a "         \
	"restart)\"}}}"
#define LIST_OF(x)                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" x          \
	"},\"next\":{\"type\":\"string\",\"nullable\":true}}}"
#define IMPORT_IN                                                                                  \
	"{\"type\":\"object\",\"required\":[\"name\",\"csv\",\"mapping\"],\"properties\":{"        \
	"\"name\":{\"type\":\"string\"},\"csv\":{\"type\":\"string\",\"description\":\"the file, " \
	"RFC 4180, UTF-8; the first record is the header\"},\"mapping\":{\"type\":\"object\","     \
	"\"required\":[\"phone\"],\"properties\":{\"phone\":{\"type\":\"string\"},\"first_name\":" \
	"{\"type\":\"string\"},\"last_name\":{\"type\":\"string\"},\"zone\":{\"type\":"            \
	"\"string\"},\"priority\":{\"type\":\"string\"},\"custom\":{\"type\":\"array\",\"items\":" \
	"{\"type\":\"string\"}},\"delimiter\":{\"type\":\"string\"},\"default_zone\":{\"type\":"   \
	"\"string\"},\"default_priority\":{\"type\":\"integer\"}}}}}"
#define REJECTIONS                                                                                 \
	"\"rejections\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"       \
	"\"row\":{\"type\":\"integer\"},\"line\":{\"type\":\"integer\"},\"reason\":{\"type\":"     \
	"\"string\"},\"detail\":{\"type\":\"string\"},\"duplicate_of_row\":{\"type\":\"integer\"," \
	"\"nullable\":true}}}}"
#define IMPORT_OUT                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"list_id\":{\"type\":\"integer\"},\"records\":{"    \
	"\"type\":\"integer\"},\"imported\":{\"type\":\"integer\"},\"rejected\":{\"type\":"        \
	"\"integer\"},\"duplicates\":{\"type\":\"integer\"}," REJECTIONS "}}"
#define DNC_ROW                                                                                    \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"campaign_id\":{"     \
	"\"type\":\"integer\",\"nullable\":true},\"number\":{\"type\":\"string\"},\"source\":{"    \
	"\"type\":\"string\"},\"added_by\":{\"type\":\"integer\",\"nullable\":true},"              \
	"\"created_at\":{\"type\":\"integer\"}}}"
#define DNC_IN                                                                                     \
	"{\"type\":\"object\",\"required\":[\"number\"],\"properties\":{\"number\":{\"type\":"     \
	"\"string\"}}}"
#define DNC_IMPORT_IN                                                                              \
	"{\"type\":\"object\",\"required\":[\"csv\"],\"properties\":{\"csv\":{\"type\":"           \
	"\"string\",\"description\":\"numbers in the first column; a header is optional\"}}}"
#define DNC_IMPORT_OUT                                                                             \
	"{\"type\":\"object\",\"properties\":{\"campaign_id\":{\"type\":\"integer\",\"nullable\":" \
	"true},\"records\":{\"type\":\"integer\"},\"numbers\":{\"type\":\"integer\"},"             \
	"\"rejected\":{\"type\":\"integer\"}," REJECTIONS "}}"
#define LEAD_ROW                                                                                   \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"list_id\":{"         \
	"\"type\":"                                                                                \
	"\"integer\"},\"row\":{\"type\":\"integer\"},\"number\":{\"type\":\"string\"},"            \
	"\"first_name\":{\"type\":\"string\",\"nullable\":true},\"last_name\":{\"type\":"          \
	"\"string\",\"nullable\":true},\"zone\":{\"type\":\"string\"},\"zone_derived\":{\"type\":" \
	"\"boolean\"},\"priority\":{\"type\":\"integer\"},\"custom\":{\"type\":\"object\","        \
	"\"nullable\":true},\"status\":{\"type\":\"string\"},\"done_reason\":{\"type\":"           \
	"\"string\",\"nullable\":true},\"attempts\":{\"type\":\"integer\"},\"next_attempt_at\":{"  \
	"\"type\":\"integer\",\"nullable\":true},\"last_attempt_at\":{\"type\":\"integer\","       \
	"\"nullable\":true},\"last_result\":{\"type\":\"string\",\"nullable\":true},"              \
	"\"abandoned_at\":{\"type\":\"integer\",\"nullable\":true},\"callback\":{\"type\":"        \
	"\"boolean\"},\"callback_agent\":{\"type\":\"integer\",\"nullable\":true}}}"
#define WHY_OUT                                                                                    \
	"{\"type\":\"object\",\"properties\":{\"campaign_id\":{\"type\":\"integer\"},\"at\":{"     \
	"\"type\":\"integer\"},\"total\":{\"type\":\"integer\"},\"dialable\":{\"type\":"           \
	"\"integer\"},\"excluded\":{\"type\":\"object\",\"description\":\"each lead counted "      \
	"once, "                                                                                   \
	"under the first filter that excludes it: in_call, dnc, max_attempts, done, lockout, "     \
	"callback_wait, callback_agent, retry_wait, window_closed, zone_unknown\"}}}"
#define REPORT_OUT                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"campaign_id\":{\"type\":\"integer\"},\"at\":{"     \
	"\"type\":\"integer\"},\"profile\":{\"type\":\"string\"},\"attempts\":{\"type\":"          \
	"\"integer\"},\"live_answers\":{\"type\":\"integer\"},\"abandoned\":{\"type\":"            \
	"\"integer\"},\"rolling\":{\"type\":\"object\",\"properties\":{\"window_hours\":{"         \
	"\"type\":\"integer\"},\"attempts\":{\"type\":\"integer\"},\"live_answers\":{\"type\":"    \
	"\"integer\"},\"abandoned\":{\"type\":\"integer\"},\"rate\":{\"type\":\"number\"},"        \
	"\"limit\":{\"type\":\"number\"},\"over_limit\":{\"type\":\"boolean\"}}},\"leads\":{"      \
	"\"type\":\"object\"},\"trail\":{\"type\":\"object\",\"description\":\"the same counts "   \
	"from the audit trail (dialer.attempt events) and whether they match\"}}}"

#define R_CAMP_READ (R_MANAGE | R_PLANNER | R_AGENT)

int api_campaign_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, API_PREFIX "/campaigns", R_CAMP_READ, on_camp_list, NULL, 0,
	     "Outbound campaigns (agents: the campaigns they are in); ?after=&limit=", "campaigns",
	     NULL, LIST_OF(CAMP_OUT), NULL, 0, "422"},
	    {HTTP_POST, API_PREFIX "/campaigns", R_MANAGE, on_camp_create, NULL, 0,
	     "Create a campaign", "campaigns", CAMP_IN, CAMP_OUT, NULL, 201, "409 422"},
	    {HTTP_GET, API_PREFIX "/campaigns/{id:int}", R_CAMP_READ, on_camp_get, NULL, 0,
	     "A campaign", "campaigns", NULL, CAMP_OUT, NULL, 0, "404"},
	    {HTTP_PUT, API_PREFIX "/campaigns/{id:int}", R_MANAGE, on_camp_update, NULL, 0,
	     "Change a campaign (the fields given)", "campaigns", CAMP_IN, CAMP_OUT, NULL, 0,
	     "404 409 422"},
	    {HTTP_DELETE, API_PREFIX "/campaigns/{id:int}", R_MANAGE, on_camp_delete, NULL, 0,
	     "Delete a campaign with its lists, leads, do-not-call entries and attempts",
	     "campaigns", NULL, NULL, NULL, 204, "404"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/lists", R_MANAGE, on_import, NULL, 0,
	     "Import a lead list from CSV with a column mapping, in one transaction; the reply "
	     "reports every rejected row (row number, reason)",
	     "campaigns", IMPORT_IN, IMPORT_OUT, NULL, 201, "404 409 422"},
	    {HTTP_GET, API_PREFIX "/campaigns/{id:int}/lists", R_CAMP_READ, on_lists, NULL, 0,
	     "The campaign's lead lists and their import counts", "campaigns", NULL,
	     LIST_OF("{\"type\":\"object\"}"), NULL, 0, "404"},
	    {HTTP_GET, API_PREFIX "/campaigns/{id:int}/leads", R_CAMP_READ, on_leads, NULL, 0,
	     "The campaign's leads; ?status=ready|in_call|done&list_id=&phone=&last_result="
	     "&after=&limit=",
	     "campaigns", NULL, LIST_OF(LEAD_ROW), NULL, 0, "404 422"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/leads/{lead:int}/dnc", R_MANAGE | R_AGENT,
	     on_lead_dnc, NULL, HTTP_ROUTE_BODY_OPTIONAL,
	     "The \"do not call me\" disposition: the lead is done and its number goes on the "
	     "campaign's do-not-call list (global: true, supervisors and admins only)",
	     "campaigns",
	     "{\"type\":\"object\",\"properties\":{\"global\":{\"type\":\"boolean\"}}}",
	     "{\"type\":\"object\",\"properties\":{\"lead_id\":{\"type\":\"integer\"},\"number\":{"
	     "\"type\":\"string\"},\"list\":{\"type\":\"string\"}}}",
	     NULL, 0, "404 422"},
	    {HTTP_GET, API_PREFIX "/campaigns/{id:int}/dnc", R_CAMP_READ, on_dnc_list, NULL, 0,
	     "The campaign's do-not-call list; ?phone=&after=&limit=", "campaigns", NULL,
	     LIST_OF(DNC_ROW), NULL, 0, "404 422"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/dnc", R_MANAGE, on_dnc_add, NULL, 0,
	     "Add a number to the campaign's do-not-call list", "campaigns", DNC_IN, DNC_ROW, NULL,
	     201, "404 422"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/dnc/import", R_MANAGE, on_dnc_import, NULL,
	     0, "Import numbers (CSV) into the campaign's do-not-call list; every bad row reported",
	     "campaigns", DNC_IMPORT_IN, DNC_IMPORT_OUT, NULL, 0, "404 422"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/recycle", R_MANAGE, on_recycle, NULL, 0,
	     "Recycle leads by result: done leads, and leads whose attempts are used up, whose "
	     "last result is one of these become dialable again with their attempts cleared "
	     "(never those done because of a do-not-call list)",
	     "campaigns",
	     "{\"type\":\"object\",\"required\":[\"results\"],\"properties\":{\"results\":{"
	     "\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}",
	     "{\"type\":\"object\",\"properties\":{\"campaign_id\":{\"type\":\"integer\"},"
	     "\"recycled\":{\"type\":\"integer\"},\"results\":{\"type\":\"array\"}}}",
	     NULL, 0, "404 422"},
	    {HTTP_GET, API_PREFIX "/campaigns/{id:int}/why", R_CAMP_READ, on_why, NULL, 0,
	     "Why no dialable leads: every lead counted under the first filter that excludes it "
	     "now (server clock, the leads' time zones from tzdata)",
	     "campaigns", NULL, WHY_OUT, NULL, 0, "404"},
	    {HTTP_GET, API_PREFIX "/campaigns/{id:int}/report", R_CAMP_READ, on_report, NULL, 0,
	     "Attempts, live answers, abandoned calls and the rolling abandonment rate against "
	     "the profile's limit",
	     "campaigns", NULL, REPORT_OUT, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/start", R_MANAGE, on_start, NULL,
	     HTTP_ROUTE_BODY_OPTIONAL,
	     "Start dialling: the daemon places the campaign's calls through the SIP trunk, "
	     "paced by its dial mode; answered calls go to its queue. Its blending rule (inbound "
	     "service level at or above blend_min_sl, blend_reserve blended agents kept free) is "
	     "the stored one unless given here (then stored). A running campaign is resumed when "
	     "the daemon starts again",
	     "campaigns",
	     "{\"type\":\"object\",\"properties\":{\"blend_min_sl\":{\"type\":\"number\"},"
	     "\"blend_reserve\":{\"type\":\"integer\"}}}",
	     "{\"type\":\"object\",\"properties\":{\"campaign_id\":{\"type\":\"integer\"},"
	     "\"running\":{\"type\":\"boolean\"},\"agents\":{\"type\":\"integer\"},"
	     "\"leads\":{\"type\":\"integer\"},\"blend_min_sl\":{\"type\":\"number\"},"
	     "\"blend_reserve\":{\"type\":\"integer\"}}}",
	     NULL, 0, "404 409"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/stop", R_MANAGE, on_stop, NULL,
	     HTTP_ROUTE_BODY_OPTIONAL,
	     "Stop dialling (calls already up go on; their results are still recorded); it stays "
	     "stopped across restarts",
	     "campaigns", NULL,
	     "{\"type\":\"object\",\"properties\":{\"campaign_id\":{\"type\":\"integer\"},"
	     "\"running\":{\"type\":\"boolean\"}}}",
	     NULL, 0, "404 409"},
	    {HTTP_GET, API_PREFIX "/campaigns/{id:int}/live", R_CAMP_READ, on_live, NULL, 0,
	     "The running campaign now: attempts, answers, abandonment against the limit, calls "
	     "ringing and waiting, agents, the last pacing decision, why no dialable leads",
	     "campaigns", NULL, "{\"type\":\"object\"}", NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/preview", R_AGENT | R_LEAD, on_preview,
	     NULL, HTTP_ROUTE_BODY_OPTIONAL,
	     "Preview mode: reserve the next lead for the calling agent and show its card; when "
	     "the agent holds a card not dialled yet (a reloaded desktop), that same card again "
	     "(held true)",
	     "campaigns", NULL,
	     "{\"type\":\"object\",\"properties\":{\"lead_id\":{\"type\":\"integer\"},"
	     "\"held\":{\"type\":\"boolean\"},"
	     "\"number\":{\"type\":\"string\"},\"first_name\":{\"type\":\"string\"},"
	     "\"last_name\":{\"type\":\"string\"},\"zone\":{\"type\":\"string\"},"
	     "\"custom\":{\"type\":\"object\"},\"attempts\":{\"type\":\"integer\"},"
	     "\"callback\":{\"type\":\"boolean\"}}}",
	     NULL, 0, "404 409"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/preview/dial", R_AGENT | R_LEAD,
	     on_preview_dial, NULL, HTTP_ROUTE_BODY_OPTIONAL,
	     "Dial the previewed lead (409 dnc when it went on a do-not-call list meanwhile, "
	     "window_closed when its window closed)",
	     "campaigns", NULL, "{\"type\":\"object\"}", NULL, 0, "404 409"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/preview/skip", R_AGENT | R_LEAD,
	     on_preview_skip, NULL, HTTP_ROUTE_BODY_OPTIONAL,
	     "Skip the previewed lead (dialable again later)", "campaigns", NULL,
	     "{\"type\":\"object\"}", NULL, 0, "404 409"},
	    {HTTP_POST, API_PREFIX "/campaigns/{id:int}/disposition", R_AGENT | R_LEAD,
	     on_disposition, NULL, 0,
	     "The calling agent's disposition of their last outbound call, given before wrap-up "
	     "ends: completed, not-interested, wrong-number, no-answer, busy, failed, or callback "
	     "with callback_at (epoch ms) and callback_agent (null: anyone; the agent themself or "
	     "a colleague of the campaign): the retry rules and callbacks follow from it",
	     "campaigns",
	     "{\"type\":\"object\",\"required\":[\"result\"],\"properties\":{\"result\":{"
	     "\"type\":\"string\"},\"callback_at\":{\"type\":\"integer\",\"nullable\":true},"
	     "\"callback_agent\":{\"type\":\"integer\",\"nullable\":true}}}",
	     "{\"type\":\"object\",\"properties\":{\"lead_id\":{\"type\":\"integer\"},"
	     "\"result\":{\"type\":\"string\"}}}",
	     NULL, 0, "404 409 422"},
	    {HTTP_GET, API_PREFIX "/dnc", R_MANAGE | R_PLANNER, on_dnc_list, NULL, 0,
	     "The global do-not-call list; ?phone=&after=&limit=", "campaigns", NULL,
	     LIST_OF(DNC_ROW), NULL, 0, "422"},
	    {HTTP_POST, API_PREFIX "/dnc", R_MANAGE, on_dnc_add, NULL, 0,
	     "Add a number to the global do-not-call list", "campaigns", DNC_IN, DNC_ROW, NULL, 201,
	     "422"},
	    {HTTP_POST, API_PREFIX "/dnc/import", R_MANAGE, on_dnc_import, NULL, 0,
	     "Import numbers (CSV) into the global do-not-call list; every bad row reported",
	     "campaigns", DNC_IMPORT_IN, DNC_IMPORT_OUT, NULL, 0, "422"},
	    {HTTP_DELETE, API_PREFIX "/dnc/{entry:int}", R_MANAGE, on_dnc_remove, NULL, 0,
	     "Remove a do-not-call entry (global or a campaign's)", "campaigns", NULL, NULL, NULL,
	     204, "404"},
	};
	int err = api_routes(a, r, sizeof(r) / sizeof(r[0]));
	return err ? err : api_campaign_view_routes(a); /* api_campaigns_view.c */
}
