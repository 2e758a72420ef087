/* Tests for core/ivr hours: dates, zone tables across DST changes, open/closed, next opening and
 * closing, the JSON format. */
#include "testutil.h"

#include "core/ivr/hours.h"
#include "core/ivr/ivr_json.h"

#include "base/rng.h"

#include <string.h>

#define MIN_MS 60000LL
#define H_MS   (60 * MIN_MS)

/* Instants computed with `date -u -d ... +%s` */
#define T_2026_03_28_1900Z 1774724400000LL /* Sat 20:00 in Berlin (CET) */
#define T_2026_03_28_2300Z 1774738800000LL /* Sun 00:00 CET */
#define T_2026_03_29_0059Z 1774745940000LL /* Sun 01:59 CET, last minute before the change */
#define T_2026_03_29_0100Z 1774746000000LL /* CET -> CEST: 02:00 becomes 03:00 */
#define T_2026_03_29_0130Z 1774747800000LL
#define T_2026_03_29_0759Z 1774771140000LL
#define T_2026_03_29_0800Z 1774771200000LL /* Sun 10:00 CEST */
#define T_2026_03_30_0600Z 1774850400000LL /* Mon 08:00 CEST */
#define T_2026_10_25_0030Z 1792888200000LL /* Sun 02:30 CEST (first time) */
#define T_2026_10_25_0100Z 1792890000000LL /* CEST -> CET: 03:00 becomes 02:00 */
#define T_2026_10_25_0130Z 1792891800000LL /* Sun 02:30 CET (second time) */
#define T_2026_11_27_1900Z 1795806000000LL /* Fri 20:00 CET */
#define T_2026_11_28_0100Z 1795827600000LL /* Sat 02:00 CET */
#define T_2026_12_24_1100Z 1798110000000LL /* Thu 12:00 CET */
#define T_2026_12_28_0700Z 1798441200000LL /* Mon 08:00 CET */

static void berlin_2026(struct ivr_zone *z)
{
	memset(z, 0, sizeof(*z));
	z->n = 3;
	z->p[0].from_ms = INT64_MIN;
	z->p[0].offset_min = 60;
	z->p[1].from_ms = T_2026_03_29_0100Z;
	z->p[1].offset_min = 120;
	z->p[2].from_ms = T_2026_10_25_0100Z;
	z->p[2].offset_min = 60;
}

/* Mon-Fri 08:00-18:00, Sat 09:00-13:00, Sun 10:00-16:00; closed on 2026-12-25; 2026-12-24
 * 08:00-12:00. */
static void office(struct ivr_hours *h)
{
	memset(h, 0, sizeof(*h));
	for (int d = 1; d <= 5; d++) {
		h->week[d].n = 1;
		h->week[d].s[0].open_min = 8 * 60;
		h->week[d].s[0].close_min = 18 * 60;
	}
	h->week[6].n = 1;
	h->week[6].s[0].open_min = 9 * 60;
	h->week[6].s[0].close_min = 13 * 60;
	h->week[0].n = 1;
	h->week[0].s[0].open_min = 10 * 60;
	h->week[0].s[0].close_min = 16 * 60;
	h->n_exc = 2;
	h->exc[0].date = (struct ivr_date){2026, 12, 24};
	h->exc[0].day.n = 1;
	h->exc[0].day.s[0].open_min = 8 * 60;
	h->exc[0].day.s[0].close_min = 12 * 60;
	h->exc[1].date = (struct ivr_date){2026, 12, 25};
	h->after.kind = IVR_AFTER_MESSAGE;
	memcpy(h->after.prompt, "closed", 7);
}

static void dates(void **state)
{
	(void)state;
	struct ivr_date d = {1970, 1, 1};
	assert_int_equal(ivr_date_days(&d), 0);
	assert_int_equal(ivr_date_wday(&d), 4); /* Thursday */
	d = (struct ivr_date){2000, 3, 1};
	assert_int_equal(ivr_date_days(&d) * 86400000LL, 951868800000LL);
	d = (struct ivr_date){2026, 11, 28};
	assert_int_equal(ivr_date_wday(&d), 6);
	d = (struct ivr_date){2024, 2, 29};
	assert_true(ivr_date_valid(&d));
	d = (struct ivr_date){2026, 2, 29};
	assert_false(ivr_date_valid(&d));
	d = (struct ivr_date){2100, 2, 29};
	assert_false(ivr_date_valid(&d));
	/* every day from 1970 to 2200 survives the round trip and days follow each other */
	struct ivr_date prev = {1969, 12, 31};
	for (int64_t k = 0; k < 84000; k++) {
		ivr_date_from_days(k, &d);
		assert_true(ivr_date_valid(&d));
		assert_int_equal(ivr_date_days(&d), k);
		if (d.day == 1)
			assert_true(d.month != prev.month);
		else
			assert_int_equal(d.day, prev.day + 1);
		prev = d;
	}
}

static void zone_dst(void **state)
{
	(void)state;
	struct ivr_zone z;
	berlin_2026(&z);
	assert_int_equal(ivr_zone_check(&z), 0);
	struct ivr_local t;
	ivr_zone_local(&z, T_2026_03_29_0059Z, &t);
	assert_int_equal(t.minute, 1 * 60 + 59);
	assert_int_equal(t.wday, 0);
	ivr_zone_local(&z, T_2026_03_29_0100Z, &t);
	assert_int_equal(t.minute, 3 * 60);
	ivr_zone_local(&z, T_2026_03_28_2300Z, &t);
	assert_int_equal(t.date.day, 29);
	assert_int_equal(t.minute, 0);

	struct ivr_date day = {2026, 3, 29};
	assert_int_equal(ivr_zone_utc(&z, &day, 1 * 60 + 59), T_2026_03_29_0059Z);
	assert_int_equal(ivr_zone_utc(&z, &day, 3 * 60), T_2026_03_29_0100Z);
	/* 02:30 does not exist that day: read as 03:30 */
	assert_int_equal(ivr_zone_utc(&z, &day, 2 * 60 + 30), T_2026_03_29_0130Z);
	/* 02:30 happens twice on 25 October: the first */
	day = (struct ivr_date){2026, 10, 25};
	assert_int_equal(ivr_zone_utc(&z, &day, 2 * 60 + 30), T_2026_10_25_0030Z);
	ivr_zone_local(&z, T_2026_10_25_0130Z, &t);
	assert_int_equal(t.minute, 2 * 60 + 30);

	struct ivr_zone bad = z;
	bad.p[2].from_ms = bad.p[1].from_ms;
	assert_int_equal(ivr_zone_check(&bad), EINVAL);
	bad = z;
	bad.p[1].offset_min = 19 * 60;
	assert_int_equal(ivr_zone_check(&bad), EINVAL);
}

static void open_closed_local(void **state)
{
	(void)state;
	struct ivr_hours h;
	office(&h);
	assert_int_equal(ivr_hours_check(&h), 0);
	/* local time as the driver's localtime_r gives it: Wednesday 2026-12-02 */
	struct ivr_local t = {{2026, 12, 2}, 3, 7 * 60 + 59};
	assert_false(ivr_hours_open(&h, &t));
	t.minute = 8 * 60;
	assert_true(ivr_hours_open(&h, &t));
	t.minute = 17 * 60 + 59;
	assert_true(ivr_hours_open(&h, &t));
	t.minute = 18 * 60;
	assert_false(ivr_hours_open(&h, &t));
	/* Christmas Eve (Thursday) closes at noon; Christmas (Friday) closed all day */
	t = (struct ivr_local){{2026, 12, 24}, 4, 11 * 60 + 59};
	assert_true(ivr_hours_open(&h, &t));
	t.minute = 12 * 60;
	assert_false(ivr_hours_open(&h, &t));
	t = (struct ivr_local){{2026, 12, 25}, 5, 10 * 60};
	assert_false(ivr_hours_open(&h, &t));

	/* the DST day, given as local time: Sunday 10:00-16:00 counts wall-clock minutes */
	t = (struct ivr_local){{2026, 3, 29}, 0, 9 * 60 + 59};
	assert_false(ivr_hours_open(&h, &t));
	t.minute = 10 * 60;
	assert_true(ivr_hours_open(&h, &t));

	struct ivr_date d;
	int minute;
	t = (struct ivr_local){{2026, 12, 24}, 4, 12 * 60};
	assert_int_equal(ivr_hours_next_open_local(&h, &t, &d, &minute), 0);
	/* Friday the 25th is a holiday: Saturday 09:00 */
	assert_int_equal(d.day, 26);
	assert_int_equal(minute, 9 * 60);
	t = (struct ivr_local){{2026, 12, 2}, 3, 9 * 60};
	assert_int_equal(ivr_hours_next_open_local(&h, &t, &d, &minute), 0);
	assert_int_equal(d.day, 2);
	assert_int_equal(minute, 9 * 60);
}

static void next_open_instants(void **state)
{
	(void)state;
	struct ivr_hours h;
	office(&h);
	struct ivr_zone z;
	berlin_2026(&z);
	int64_t at;
	/* DST-free: Christmas Eve 12:00 CET, closed until Saturday 09:00 CET = 08:00Z, 2 days 20 h
	 * later */
	assert_int_equal(ivr_hours_next_open(&h, &z, T_2026_12_24_1100Z, &at), 0);
	assert_int_equal(at, T_2026_12_24_1100Z + 2 * 24 * H_MS - 3 * H_MS);
	/* open now: now */
	assert_int_equal(ivr_hours_next_open(&h, &z, T_2026_12_28_0700Z, &at), 0);
	assert_int_equal(at, T_2026_12_28_0700Z);
	/* closes at 18:00 CET = 17:00Z */
	assert_int_equal(ivr_hours_next_close(&h, &z, T_2026_12_28_0700Z, &at), 0);
	assert_int_equal(at, T_2026_12_28_0700Z + 10 * H_MS);

	/* across the spring change: Saturday 20:00 CET -> Sunday 10:00 CEST = 08:00Z (12 h, not 13)
	 */
	assert_int_equal(ivr_hours_next_open(&h, &z, T_2026_03_28_1900Z, &at), 0);
	assert_int_equal(at, T_2026_03_29_0800Z);
	assert_int_equal(ivr_hours_next_open(&h, &z, T_2026_03_29_0759Z, &at), 0);
	assert_int_equal(at, T_2026_03_29_0800Z);
	/* with Sunday closed: Monday 08:00 CEST = 06:00Z */
	h.week[0].n = 0;
	assert_int_equal(ivr_hours_next_open(&h, &z, T_2026_03_28_1900Z, &at), 0);
	assert_int_equal(at, T_2026_03_30_0600Z);
	/* a fixed offset (no table) would be an hour late */
	struct ivr_zone fixed;
	ivr_zone_fixed(&fixed, 60);
	assert_int_equal(ivr_hours_next_open(&h, &fixed, T_2026_03_28_1900Z, &at), 0);
	assert_int_equal(at, T_2026_03_30_0600Z + H_MS);

	/* opening inside the skipped hour (02:30 on 29 March) opens at 03:30 CEST */
	office(&h);
	h.n_exc = 1;
	h.exc[0].date = (struct ivr_date){2026, 3, 29};
	h.exc[0].day.n = 1;
	h.exc[0].day.s[0].open_min = 2 * 60 + 30;
	h.exc[0].day.s[0].close_min = 5 * 60;
	assert_int_equal(ivr_hours_check(&h), 0);
	assert_int_equal(ivr_hours_next_open(&h, &z, T_2026_03_28_2300Z, &at), 0);
	assert_int_equal(at, T_2026_03_29_0130Z);

	/* autumn: closed 02:00-03:00 local; at 02:30 CET (the second 02:30) the opening is 03:00
	 * CET = 02:00Z */
	h.exc[0].date = (struct ivr_date){2026, 10, 25};
	h.exc[0].day.s[0].open_min = 3 * 60;
	h.exc[0].day.s[0].close_min = 5 * 60;
	assert_int_equal(ivr_hours_next_open(&h, &z, T_2026_10_25_0130Z, &at), 0);
	assert_int_equal(at, T_2026_10_25_0130Z + 30 * MIN_MS);

	/* a span ending at midnight continues into one starting at midnight */
	office(&h);
	h.week[5].s[0].close_min = IVR_DAY_MIN;
	h.week[6].s[0].open_min = 0;
	h.week[6].s[0].close_min = 2 * 60;
	h.week[6].n = 1;
	assert_int_equal(ivr_hours_next_close(&h, &z, T_2026_11_27_1900Z, &at), 0);
	assert_int_equal(at, T_2026_11_28_0100Z);

	/* never open */
	memset(&h.week, 0, sizeof(h.week));
	h.n_exc = 0;
	assert_int_equal(ivr_hours_next_open(&h, &z, T_2026_11_27_1900Z, &at), ENOENT);
}

static void check_rejects(void **state)
{
	(void)state;
	struct ivr_hours h;
	office(&h);
	h.week[1].n = 2;
	h.week[1].s[1].open_min = 17 * 60; /* overlaps 08:00-18:00 */
	h.week[1].s[1].close_min = 19 * 60;
	assert_int_equal(ivr_hours_check(&h), EINVAL);
	office(&h);
	h.exc[1].date = h.exc[0].date;
	assert_int_equal(ivr_hours_check(&h), EINVAL);
	office(&h);
	h.after.kind = IVR_AFTER_RECORD;
	assert_int_equal(ivr_hours_check(&h), EINVAL);
	h.after.max_ms = 60000;
	assert_int_equal(ivr_hours_check(&h), 0);
	h.after.kind = IVR_AFTER_QUEUE;
	assert_int_equal(ivr_hours_check(&h), EINVAL);
}

static const char good_hours[] =
    "{\n"
    " \"weekly\": {\"mon\": [[\"08:00\", \"12:00\"], [\"13:00\", \"18:00\"]],\n"
    "   \"tue\": [[\"08:00\", \"18:00\"]], \"sat\": [[\"09:00\", \"24:00\"]]},\n"
    " \"exceptions\": [{\"date\": \"2026-12-25\", \"note\": \"Christmas\"},\n"
    "   {\"date\": \"2026-12-24\", \"hours\": [[\"08:00\", \"12:00\"]]}],\n"
    " \"after_hours\": {\"action\": \"record\", \"prompt\": \"vm/leave-message\", "
    "\"max_ms\": 120000}\n"
    "}";

static void json_good(void **state)
{
	(void)state;
	struct ivr_hours h;
	char err[IVR_ERR_MAX];
	assert_int_equal(ivr_hours_parse(good_hours, strlen(good_hours), &h, err, sizeof(err)), 0);
	assert_int_equal(h.week[1].n, 2);
	assert_int_equal(h.week[1].s[1].open_min, 13 * 60);
	assert_int_equal(h.week[6].s[0].close_min, 1440);
	assert_int_equal(h.week[0].n, 0);
	assert_int_equal(h.n_exc, 2);
	/* sorted by date */
	assert_int_equal(h.exc[0].date.day, 24);
	assert_int_equal(h.exc[0].day.n, 1);
	assert_int_equal(h.exc[1].day.n, 0);
	assert_int_equal(h.after.kind, IVR_AFTER_RECORD);
	assert_string_equal(h.after.prompt, "vm/leave-message");
	assert_int_equal(h.after.max_ms, 120000);
	struct ivr_local t = {{2026, 11, 30}, 1, 12 * 60 + 30};
	assert_false(ivr_hours_open(&h, &t));
	t.minute = 13 * 60;
	assert_true(ivr_hours_open(&h, &t));
}

static void expect_err(const char *doc, const char *want)
{
	struct ivr_hours h;
	char err[IVR_ERR_MAX] = "";
	int r = ivr_hours_parse(doc, strlen(doc), &h, err, sizeof(err));
	if (r != EBADMSG || !strstr(err, want))
		fail_msg("for %s\nwanted EBADMSG with \"%s\", got %d \"%s\"", doc, want, r, err);
}

static void json_errors(void **state)
{
	(void)state;
	expect_err(
	    "{\"weekly\": {}, \"after_hours\": {\"action\": \"message\", \"prompt\": \"closed\"}",
	    "line 1, column");
	expect_err("{\"weekly\": {\"mon\": [[\"25:00\", \"26:00\"]]}, \"after_hours\": "
		   "{\"action\": \"callback\"}}",
		   "hours: weekly: mon: span 1: must be [\"HH:MM\", \"HH:MM\"]");
	expect_err("{\"weekly\": {\"mon\": [[\"08:00\", \"12:00\"], [\"11:00\", \"13:00\"]]}, "
		   "\"after_hours\": "
		   "{\"action\": \"callback\"}}",
		   "hours: weekly: mon: span 2: overlaps");
	expect_err("{\"weekly\": {\"fri\": [[\"22:00\", \"02:00\"]]}, \"after_hours\": "
		   "{\"action\": \"callback\"}}",
		   "cannot cross midnight");
	expect_err("{\"weekly\": {\"monday\": []}, \"after_hours\": {\"action\": \"callback\"}}",
		   "\"monday\" is not a weekday");
	expect_err("{\"weekly\": {}, \"exceptions\": [{\"date\": \"2026-02-30\"}], "
		   "\"after_hours\": {\"action\": "
		   "\"callback\"}}",
		   "hours: exceptions: item 1: field \"date\"");
	expect_err("{\"weekly\": {}, \"exceptions\": [{\"date\": \"2026-12-25\"}, {\"date\": "
		   "\"2026-12-25\"}], "
		   "\"after_hours\": {\"action\": \"callback\"}}",
		   "date 2026-12-25 given twice");
	expect_err(
	    "{\"weekly\": {}, \"after_hours\": {\"action\": \"record\", \"prompt\": \"vm\"}}",
	    "field \"max_ms\": missing for action record");
	expect_err("{\"weekly\": {}, \"after_hours\": {\"action\": \"queue\"}}",
		   "field \"queue\": missing");
	expect_err("{\"weekly\": {}, \"after_hours\": {\"action\": \"dance\"}}",
		   "\"dance\" is not message");
	expect_err("{\"weekly\": {}, \"after_hours\": {\"action\": \"message\"}}",
		   "field \"prompt\": missing");
	expect_err("{\"weekly\": {}, \"after_hours\": {\"action\": \"message\", \"prompt\": "
		   "\"../etc/passwd\"}}",
		   "bad prompt name");
	expect_err("{\"weekly\": {}, \"zone\": \"x\", \"after_hours\": {\"action\": \"callback\"}}",
		   "unknown field \"zone\"");
}

/* Seeded byte mutations of a good document: a clean parse that passes ivr_hours_check, or EBADMSG
 * with a message. */
static void mutations(void **state)
{
	(void)state;
	struct rng g;
	rng_seed(&g, 7);
	size_t n = strlen(good_hours);
	char buf[sizeof(good_hours)];
	static const char alphabet[] = "{}[]\":,0123456789-adefhimnorstuwy ";
	unsigned ok = 0, bad = 0;
	struct ivr_zone z;
	ivr_zone_fixed(&z, 60);
	for (int i = 0; i < 20000; i++) {
		memcpy(buf, good_hours, n + 1);
		size_t at = (size_t)rng_below(&g, n);
		size_t len = n;
		if (rng_below(&g, 4) == 0)
			len = at; /* truncate */
		else
			buf[at] = alphabet[rng_below(&g, sizeof(alphabet) - 1)];
		struct ivr_hours h;
		char err[IVR_ERR_MAX] = "";
		int r = ivr_hours_parse(buf, len, &h, err, sizeof(err));
		if (r == 0) {
			ok++;
			assert_int_equal(ivr_hours_check(&h), 0);
			int64_t at_ms;
			int e = ivr_hours_next_open(&h, &z, T_2026_12_24_1100Z, &at_ms);
			assert_true(e == 0 || e == ENOENT);
			if (e == 0)
				assert_true(at_ms >= T_2026_12_24_1100Z);
		} else {
			bad++;
			assert_int_equal(r, EBADMSG);
			assert_true(err[0] != '\0');
		}
	}
	assert_true(ok > 100);
	assert_true(bad > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(dates),	 TEST(zone_dst),  TEST(open_closed_local), TEST(next_open_instants),
	    TEST(check_rejects), TEST(json_good), TEST(json_errors),	   TEST(mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
