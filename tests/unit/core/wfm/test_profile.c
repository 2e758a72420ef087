/* Tests for core/wfm/profile and staffing: ISO 8601, CSV errors, daylight-saving days, day totals.
 */
#include "testutil.h"

#include "core/wfm/profile.h"
#include "core/wfm/staffing.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * A real zone's rules for 2026, written out: Central European Time, UTC+1,
 * with summer time (UTC+2) from 2026-03-29T01:00Z to 2026-10-25T01:00Z.
 */
#define CEST_FROM  1774746000LL
#define CEST_UNTIL 1792890000LL

static int32_t cet_offset(int64_t utc)
{
	return utc >= CEST_FROM && utc < CEST_UNTIL ? 7200 : 3600;
}

static unsigned cet_zone(int64_t wall, int64_t utc[2], void *arg)
{
	(void)arg;
	unsigned n = 0;
	static const int32_t offsets[] = {7200, 3600}; /* ascending instants */
	for (int i = 0; i < 2; i++) {
		int64_t t = wall - offsets[i];
		if (cet_offset(t) == offsets[i])
			utc[n++] = t;
	}
	return n;
}

static void test_iso8601(void **state)
{
	(void)state;
	int64_t w;
	bool off;
	int32_t o;
#define OK(s)  assert_int_equal(wfm_iso8601(s, strlen(s), &w, &off, &o), 0)
#define BAD(s) assert_int_equal(wfm_iso8601(s, strlen(s), &w, &off, &o), EBADMSG)
	OK("2026-03-29T02:30:00");
	assert_int_equal(w, 20541LL * 86400 + 2 * 3600 + 30 * 60);
	assert_false(off);
	OK("2026-03-29T02:30");
	assert_int_equal(w, 20541LL * 86400 + 2 * 3600 + 30 * 60);
	OK("2026-03-29 02:30:00Z");
	assert_true(off);
	assert_int_equal(o, 0);
	OK("2026-03-29T02:30:00+01:00");
	assert_int_equal(o, 3600);
	OK("2026-03-29T02:30:00-0930");
	assert_int_equal(o, -(9 * 3600 + 30 * 60));
	OK("2026-03-29T02:30:00+05");
	assert_int_equal(o, 5 * 3600);
	OK("2024-02-29T00:00:00");
	assert_int_equal(w, 19782LL * 86400);
	OK("1969-12-31T23:59:59");
	assert_int_equal(w, -1);
	BAD("2026-02-29T00:00:00"); /* not a leap year */
	BAD("2026-04-31T00:00:00");
	BAD("2026-13-01T00:00:00");
	BAD("2026-03-29T24:00:00");
	BAD("2026-03-29T12:60:00");
	BAD("2026-03-29T12:00:60");
	BAD("2026-03-29");
	BAD("2026-03-29T2:30:00");
	BAD("2026-03-29T02:30:00+1");
	BAD("2026-03-29T02:30:00+19:00");
	BAD("2026-03-29T02:30:00 ");
	BAD("2026-03-29T02:30:00.5");
	BAD("26-03-29T02:30:00");
	BAD("");
#undef OK
#undef BAD
}

static void test_calendar(void **state)
{
	(void)state;
	assert_int_equal(wfm_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(wfm_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(wfm_days_from_civil(1600, 3, 1), -135080);
	assert_int_equal(wfm_days_from_civil(9999, 12, 31), 2932896);
	char buf[40], again[40];
	/* every day for 1,200 years, formatted and parsed back */
	for (int64_t t = -135080LL * 86400; t < 2932896LL * 86400; t += 86400 * 37 + 3671) {
		wfm_format_time(t, NULL, buf, sizeof(buf));
		int64_t w;
		bool off;
		int32_t o;
		assert_int_equal(wfm_iso8601(buf, strlen(buf), &w, &off, &o), 0);
		assert_int_equal(w, t);
		wfm_format_time(w, NULL, again, sizeof(again));
		assert_string_equal(buf, again);
	}
	wfm_format_time(1774746000LL, "Z", buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-29T01:00:00Z");
}

/*
 * A CSV day of 15-minute rows from local midnight, without the rows
 * [skip_from, skip_from + skip_n); rows before `switch_at` get suffix `before`.
 */
static size_t day_csv(char *buf, size_t cap, const char *date, int skip_from, int skip_n,
		      const char *before, const char *after, int switch_at)
{
	size_t n = (size_t)snprintf(buf, cap, "interval_start,calls\r\n");
	for (int i = 0; i < 96; i++) {
		if (i >= skip_from && i < skip_from + skip_n)
			continue;
		n += (size_t)snprintf(buf + n, cap - n, "%sT%02d:%02d:00%s,%d\r\n", date, i / 4,
				      i % 4 * 15, i < switch_at ? before : after, 20 + i);
	}
	return n;
}

static void place(const char *csv, int64_t interval, wfm_zone_h *zone, struct wfm_profile *p,
		  int want, const char *want_msg)
{
	char err[256] = "";
	int rc = wfm_profile_parse(p, csv, strlen(csv), err, sizeof(err));
	if (rc == 0)
		rc = wfm_profile_place(p, interval, zone, NULL, err, sizeof(err));
	if (rc != want || (want_msg && !strstr(err, want_msg))) {
		print_error("rc %d (want %d), message '%s' (want '%s')\n", rc, want, err,
			    want_msg ? want_msg : "");
		fail();
	}
}

static void test_normal_day(void **state)
{
	(void)state;
	static char csv[8192];
	struct wfm_profile p;
	day_csv(csv, sizeof(csv), "2026-06-10", -1, 0, "", "", 96);
	place(csv, 0, cet_zone, &p, 0, NULL);
	assert_int_equal(p.n, 96);
	assert_int_equal(p.interval, 900);
	assert_int_equal(p.missing, 0);
	assert_int_equal(p.offset_changes, 0);
	assert_int_equal(p.rows[0].line, 2);
	assert_string_equal(p.rows[0].start, "2026-06-10T00:00:00");
	assert_int_equal(p.rows[0].offset, 7200);
	assert_int_equal(p.rows[95].utc - p.rows[0].utc, 95 * 900);
	wfm_profile_release(&p);
}

/* 2026-03-29 in CET: 02:00-02:59 does not exist, so the local day has 92 quarter hours. */
static void test_short_dst_day(void **state)
{
	(void)state;
	static char csv[8192];
	struct wfm_profile p;
	day_csv(csv, sizeof(csv), "2026-03-29", 8, 4, "", "", 96);
	place(csv, 0, cet_zone, &p, 0, NULL);
	assert_int_equal(p.n, 92);
	assert_int_equal(p.interval, 900);
	assert_int_equal(p.missing, 0);
	assert_int_equal(p.offset_changes, 1);
	assert_int_equal(p.rows[91].utc + 900 - p.rows[0].utc, 23 * 3600);
	assert_int_equal(p.rows[8].utc - p.rows[7].utc, 900); /* 01:45+01 -> 03:00+02 */
	wfm_profile_release(&p);

	/* a row in the skipped hour is an error naming its line */
	day_csv(csv, sizeof(csv), "2026-03-29", 8, 2, "", "", 96);
	place(csv, 0, cet_zone, &p, EBADMSG,
	      "line 10: local time 2026-03-29T02:30:00 does not exist");
	wfm_profile_release(&p);

	/* without the zone's rules (local = UTC) the skipped hour reads as four missing intervals
	 */
	day_csv(csv, sizeof(csv), "2026-03-29", 8, 4, "", "", 96);
	place(csv, 0, NULL, &p, 0, NULL);
	assert_int_equal(p.missing, 4);
	assert_int_equal(p.interval, 900);
	wfm_profile_release(&p);

	/* with offsets the instants are exact whatever the zone */
	day_csv(csv, sizeof(csv), "2026-03-29", 8, 4, "+01:00", "+02:00", 12);
	place(csv, 0, NULL, &p, 0, NULL);
	assert_int_equal(p.n, 92);
	assert_int_equal(p.missing, 0);
	assert_int_equal(p.rows[91].utc + 900 - p.rows[0].utc, 23 * 3600);
	wfm_profile_release(&p);
}

/* 2026-10-25 in CET: 02:00-02:59 happens twice; listed twice, in order, it is two hours. */
static void test_long_dst_day(void **state)
{
	(void)state;
	static char csv[8192];
	size_t n = (size_t)snprintf(csv, sizeof(csv), "interval_start,calls\n");
	for (int i = 0; i < 100; i++) {
		int q = i < 12 ? i : i - 4; /* quarter hours 8..11 (02:00-02:45) come twice */
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "2026-10-25T%02d:%02d:00,%d\n",
				      q / 4, q % 4 * 15, 10 + i);
	}
	struct wfm_profile p;
	place(csv, 0, cet_zone, &p, 0, NULL);
	assert_int_equal(p.n, 100);
	assert_int_equal(p.interval, 900);
	assert_int_equal(p.missing, 0);
	assert_int_equal(p.ambiguous, 8);
	assert_int_equal(p.offset_changes, 1);
	assert_int_equal(p.rows[8].offset, 7200);  /* first 02:00: summer time */
	assert_int_equal(p.rows[12].offset, 3600); /* second 02:00: winter time */
	assert_int_equal(p.rows[99].utc + 900 - p.rows[0].utc, 25 * 3600);
	wfm_profile_release(&p);

	/* the repeated hour listed once: its first instants, and the other hour is missing */
	day_csv(csv, sizeof(csv), "2026-10-25", -1, 0, "", "", 96);
	place(csv, 0, cet_zone, &p, 0, NULL);
	assert_int_equal(p.n, 96);
	assert_int_equal(p.missing, 4);
	assert_int_equal(p.ambiguous, 4);
	wfm_profile_release(&p);

	/* without a zone, local time going back is an error naming the line */
	n = (size_t)snprintf(csv, sizeof(csv), "interval_start,calls\n");
	for (int i = 0; i < 16; i++) {
		int q = i < 12 ? i : i - 4;
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "2026-10-25T%02d:%02d:00,5\n",
				      q / 4, q % 4 * 15);
	}
	place(csv, 0, NULL, &p, EBADMSG, "line 14: 2026-10-25T02:00:00");
	wfm_profile_release(&p);
}

static void test_csv_errors(void **state)
{
	(void)state;
	struct wfm_profile p;
	place("interval_start,calls\n2026-01-05T08:00:00,10\n2026-01-05T08:30:00,abc\n", 0, NULL,
	      &p, EBADMSG, "line 3: calls 'abc' is not a number");
	wfm_profile_release(&p);
	place("interval_start,calls\n2026-01-05T08:00:00,-1\n", 0, NULL, &p, EBADMSG,
	      "line 2: calls '-1'");
	wfm_profile_release(&p);
	place("interval_start,calls\n2026-01-05T08:00:00,nan\n", 0, NULL, &p, EBADMSG, "line 2");
	wfm_profile_release(&p);
	place("interval_start,calls\n2026-01-05T08:00:00,10\n2026-01-05 8:30,10\n", 0, NULL, &p,
	      EBADMSG, "line 3: interval_start '2026-01-05 8:30' is not an ISO 8601");
	wfm_profile_release(&p);
	place("interval_start,calls\n2026-01-05T08:00:00,10\n2026-01-05T08:30:00,10,7\n", 0, NULL,
	      &p, EBADMSG, "line 3: 3 fields, but the header has 2");
	wfm_profile_release(&p);
	place("start,calls\n2026-01-05T08:00:00,10\n", 0, NULL, &p, EBADMSG,
	      "line 1: the header must name");
	wfm_profile_release(&p);
	place("", 0, NULL, &p, EBADMSG, "empty");
	wfm_profile_release(&p);
	place("interval_start,calls\n\n", 0, NULL, &p, EBADMSG, "no rows");
	wfm_profile_release(&p);
	place("interval_start,calls\n2026-01-05T08:00:00,10\n", 0, NULL, &p, EBADMSG,
	      "interval length cannot be detected");
	wfm_profile_release(&p);
	place("interval_start,calls\n2026-01-05T08:00:00,10\n2026-01-05T08:00:00,10\n", 0, NULL, &p,
	      EBADMSG, "line 3: 2026-01-05T08:00:00 (2026-01-05T08:00:00Z) is not later");
	wfm_profile_release(&p);
	/* the same instant written two ways is one interval listed twice */
	place("interval_start,calls\n2026-01-05T08:00:00Z,10\n2026-01-05T09:00:00+01:00,10\n", 0,
	      NULL, &p, EBADMSG, "line 3");
	wfm_profile_release(&p);
	place("interval_start,calls\n2026-01-05T08:00:00,1\n2026-01-05T08:30:00,1\n"
	      "2026-01-05T09:00:00,1\n2026-01-05T09:20:00,1\n",
	      0, NULL, &p, EBADMSG,
	      "line 5: starts 20 min after the row before, which is not a whole number of 30 min");
	wfm_profile_release(&p);
}

static void test_csv_forms(void **state)
{
	(void)state;
	struct wfm_profile p;
	/* BOM, CRLF, quotes, other columns, column order, blank lines, a gap of two hours */
	place("\xEF\xBB\xBF"
	      "queue,\"calls\", Interval_Start \r\n"
	      "sales,12.5,\"2026-01-05T08:00:00Z\"\r\n"
	      "\r\n"
	      "sales,0,2026-01-05T08:30:00Z\r\n"
	      "sales,7,2026-01-05T11:00:00Z\r\n",
	      0, NULL, &p, 0, NULL);
	assert_int_equal(p.n, 3);
	assert_true(p.rows[0].calls == 12.5);
	assert_int_equal(p.rows[2].line, 5);
	assert_int_equal(p.interval, 1800);
	assert_int_equal(p.missing, 4);
	wfm_profile_release(&p);
	/* one row with the interval given */
	place("interval_start,calls\n2026-01-05T08:00:00,10\n", 3600, NULL, &p, 0, NULL);
	assert_int_equal(p.interval, 3600);
	wfm_profile_release(&p);
}

static void test_staff_day(void **state)
{
	(void)state;
	static char csv[8192];
	struct wfm_profile p;
	/* 30-minute rows: the golden interval (100 calls, AHT 180 s) and an empty one */
	snprintf(csv, sizeof(csv),
		 "interval_start,calls\n2026-03-29T00:00:00+01:00,100\n"
		 "2026-03-29T00:30:00+01:00,0\n2026-03-29T01:00:00+01:00,100\n");
	place(csv, 0, NULL, &p, 0, NULL);
	struct wfm_staff_params sp = {.model = ERLANG_MODEL_C,
				      .aht = 180,
				      .threshold = 20,
				      .patience = 300,
				      .goal = {0.8, ERLANG_SL_OFFERED, 1},
				      .shrinkage = 0.3};
	struct wfm_staff_interval out[3];
	struct wfm_staff_summary sum;
	size_t bad = 99;
	assert_int_equal(wfm_staff(&p, &sp, out, &sum, &bad), 0);
	assert_int_equal(out[0].agents, 14);
	assert_int_equal(out[0].scheduled, 20);
	assert_true(fabs(out[0].load - 10) < 1e-12);
	assert_true(fabs(out[0].m.sl_offered - 0.88835) < 5e-6);
	assert_int_equal(out[1].agents, 0);
	assert_true(isnan(out[1].m.sl_offered));
	assert_int_equal(sum.intervals, 3);
	assert_true(fabs(sum.hours - 1.5) < 1e-12);
	assert_true(fabs(sum.agent_hours - 14) < 1e-12); /* 14 agents x 2 half hours */
	assert_true(fabs(sum.scheduled_hours - 20) < 1e-12);
	assert_int_equal(sum.peak_agents, 14);
	assert_true(fabs(sum.calls - 200) < 1e-12);
	assert_true(fabs(sum.sl_offered - out[0].m.sl_offered) < 1e-12);
	assert_true(fabs(sum.occupancy - 10.0 / 14) < 1e-12);

	sp.model = ERLANG_MODEL_A;
	assert_int_equal(wfm_staff(&p, &sp, out, &sum, &bad), 0);
	struct erlang_metrics m;
	struct erlang_queue q = {.load = 10, .aht = 180, .threshold = 20, .patience = 300};
	assert_int_equal(erlang_a(&q, out[0].agents, &m), 0);
	assert_true(fabs(out[0].m.sl_offered - m.sl_offered) < 1e-15);
	assert_true(sum.p_abandon > 0 && sum.p_abandon < 0.05);

	sp.aht = 1e9; /* a load beyond what the models accept */
	assert_int_equal(wfm_staff(&p, &sp, out, &sum, &bad), EINVAL);
	assert_int_equal(bad, 0);
	wfm_profile_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_iso8601),	      TEST(test_calendar),     TEST(test_normal_day),
	    TEST(test_short_dst_day), TEST(test_long_dst_day), TEST(test_csv_errors),
	    TEST(test_csv_forms),     TEST(test_staff_day),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
