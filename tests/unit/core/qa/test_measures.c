/* Tests for core/qa/measures: the CSAT, FCR, callback response time and call-rate examples of
 * docs/quality.md, a brute-force FCR oracle, bad input. */
#include "testutil.h"

#include "base/rng.h"
#include "core/qa/measures.h"

#include <math.h>
#include <string.h>

#include "example.h"

#define MIN_MS	    60000LL
#define HOUR	    (60 * MIN_MS)
#define DAY	    QA_DAY_MS
#define MON	    1740960000000LL /* 2025-03-03 00:00 UTC */
#define AT(d, h, m) (MON + (d)*DAY + (h)*HOUR + (m)*MIN_MS)
#define BILLING	    1
#define TECH	    2

static void test_csat(void **state)
{
	(void)state;
	const uint8_t ratings[] = {5, 4, 0, 3, 5, 2, 0, 4, 1, 5};
	struct qa_csat c;
	struct qa_err err = {{0}};
	assert_int_equal(qa_csat(ratings, 10, &c, &err), 0);
	assert_int_equal(c.calls, 10);
	assert_int_equal(c.rated, 8);
	assert_int_equal(c.satisfied, 5);
	near(c.csat, 0.625, 0);
	assert_int_equal(qa_csat(ratings, 0, &c, &err), 0);
	assert_true(isnan(c.csat)); /* no rating: undefined, not 0% */
	const uint8_t bad[] = {4, 6};
	assert_int_equal(qa_csat(bad, 2, &c, &err), EINVAL);
	assert_non_null(strstr(err.msg, "call 1"));
}

/* The contacts of docs/quality.md, "First-contact resolution". */
static const struct qa_contact contacts[] = {
    {900, AT(0, 10, 0), BILLING}, /* 0: repeated by 1 (3 days later, billing) */
    {900, AT(3, 9, 0), BILLING},  /* 1: resolved: 2 is another category */
    {900, AT(4, 12, 0), TECH},	  /* 2: resolved */
    {901, AT(0, 11, 0), TECH},	  /* 3: repeated by 4, exactly 7 days later */
    {901, AT(7, 11, 0), TECH},	  /* 4: outside the week, still a repeat of 3 */
    {902, AT(1, 15, 0), TECH},	  /* 5: resolved: 8 comes 8 days later */
    {0, AT(2, 9, 0), BILLING},	  /* 6: unknown customer */
    {903, AT(2, 10, 0), 0},	  /* 7: no disposition category */
    {902, AT(9, 16, 0), TECH},	  /* 8: outside the week */
};

static void test_fcr_example(void **state)
{
	(void)state;
	struct qa_fcr_params p = {.from = MON, .to = MON + 7 * DAY, .known_until = AT(14, 0, 0)};
	struct qa_fcr f;
	uint8_t st[9];
	struct qa_err err = {{0}};
	assert_int_equal(qa_fcr(contacts, 9, &p, &f, st, &err), 0);
	assert_int_equal(f.contacts, 9);
	assert_int_equal(f.outside, 2);
	assert_int_equal(f.no_customer, 1);
	assert_int_equal(f.no_category, 1);
	assert_int_equal(f.pending, 0);
	assert_int_equal(f.measured, 5);
	assert_int_equal(f.resolved, 3);
	assert_int_equal(f.repeated, 2);
	near(f.fcr, 0.6, 1e-15);
	const uint8_t want[9] = {QA_FCR_REPEATED,    QA_FCR_RESOLVED,	 QA_FCR_RESOLVED,
				 QA_FCR_REPEATED,    QA_FCR_OUTSIDE,	 QA_FCR_RESOLVED,
				 QA_FCR_NO_CUSTOMER, QA_FCR_NO_CATEGORY, QA_FCR_OUTSIDE};
	assert_memory_equal(st, want, 9);

	/* Known only up to Wednesday 12:00 of the next week: 1 and 2 are still open. */
	p.known_until = AT(9, 12, 0);
	assert_int_equal(qa_fcr(contacts, 9, &p, &f, st, &err), EINVAL); /* 8 is after it */
	assert_non_null(strstr(err.msg, "contact 8"));
	assert_int_equal(qa_fcr(contacts, 8, &p, &f, st, &err), 0);
	assert_int_equal(f.pending, 2);
	assert_int_equal(st[1], QA_FCR_PENDING);
	assert_int_equal(st[2], QA_FCR_PENDING);
	assert_int_equal(st[0], QA_FCR_REPEATED); /* a repeat already seen is known */
	assert_int_equal(f.resolved, 1);
	assert_int_equal(f.repeated, 2);
	near(f.fcr, 1.0 / 3, 1e-15);

	/* a 1-day window: nothing in the example comes back that fast */
	p.known_until = AT(14, 0, 0);
	p.window_ms = DAY;
	assert_int_equal(qa_fcr(contacts, 9, &p, &f, NULL, &err), 0);
	assert_int_equal(f.repeated, 0);
	near(f.fcr, 1, 0);

	p.window_ms = -1;
	assert_int_equal(qa_fcr(contacts, 9, &p, &f, NULL, &err), EINVAL);
	p.window_ms = 0;
	p.to = p.from;
	assert_int_equal(qa_fcr(contacts, 9, &p, &f, NULL, &err), EINVAL);
	p.to = MON + 7 * DAY;
	assert_int_equal(qa_fcr(NULL, 0, &p, &f, NULL, &err), 0);
	assert_true(isnan(f.fcr));
}

/* FCR against the definition applied naively to random contacts. */
static void test_fcr_oracle(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 5);
	for (int round = 0; round < 200; round++) {
		size_t n = rng_below(&r, 120);
		struct qa_contact c[120];
		for (size_t i = 0; i < n; i++)
			c[i] = (struct qa_contact){rng_below(&r, 12), /* 0 = unknown */
						   MON + (int64_t)rng_below(&r, 40) * (DAY / 2),
						   (uint32_t)rng_below(&r, 3)};
		struct qa_fcr_params p = {
		    .from = MON + 2 * DAY,
		    .to = MON + (int64_t)(3 + rng_below(&r, 12)) * DAY,
		    .known_until = MON + 20 * DAY,
		    .window_ms = rng_below(&r, 2) ? 0 : (int64_t)rng_below(&r, 9) * DAY};
		int64_t w = p.window_ms ? p.window_ms : 7 * DAY;
		struct qa_fcr f;
		uint8_t st[120];
		assert_int_equal(qa_fcr(c, n, &p, &f, st, NULL), 0);
		size_t resolved = 0, repeated = 0, pending = 0;
		for (size_t i = 0; i < n; i++) {
			uint8_t want;
			if (c[i].time < p.from || c[i].time >= p.to)
				want = QA_FCR_OUTSIDE;
			else if (!c[i].customer)
				want = QA_FCR_NO_CUSTOMER;
			else if (!c[i].category)
				want = QA_FCR_NO_CATEGORY;
			else {
				bool rep = false;
				for (size_t j = 0; j < n; j++)
					rep |= c[j].customer == c[i].customer &&
					       c[j].category == c[i].category &&
					       c[j].time > c[i].time && c[j].time - c[i].time <= w;
				want = rep			       ? QA_FCR_REPEATED
				       : c[i].time + w > p.known_until ? QA_FCR_PENDING
								       : QA_FCR_RESOLVED;
			}
			assert_int_equal(st[i], want);
			resolved += want == QA_FCR_RESOLVED;
			repeated += want == QA_FCR_REPEATED;
			pending += want == QA_FCR_PENDING;
		}
		assert_int_equal(f.resolved, resolved);
		assert_int_equal(f.repeated, repeated);
		assert_int_equal(f.pending, pending);
	}
}

static void test_callback_frt(void **state)
{
	(void)state;
	const int64_t t0 = AT(0, 9, 0);
	const struct qa_callback cb[] = {
	    {t0, t0 + 45 * MIN_MS}, {t0, t0 + 2 * MIN_MS},  {t0, QA_NO_TIME},
	    {t0, t0 + 90 * MIN_MS}, {t0, t0 + 10 * MIN_MS}, {t0, t0 + 5 * MIN_MS},
	};
	struct qa_frt f;
	struct qa_err err = {{0}};
	assert_int_equal(qa_callback_frt(cb, 6, &f, &err), 0);
	assert_int_equal(f.callbacks, 6);
	assert_int_equal(f.attempted, 5);
	assert_int_equal(f.pending, 1);
	near(f.mean_ms, 30.4 * MIN_MS, 1e-6); /* (2 + 5 + 10 + 45 + 90) / 5 min */
	near(f.median_ms, 10 * MIN_MS, 0);
	near(f.p80_ms, 45 * MIN_MS, 0); /* rank ceil(0.8 x 5) = 4 */
	near(f.p90_ms, 90 * MIN_MS, 0); /* rank ceil(4.5) = 5 */
	near(f.p95_ms, 90 * MIN_MS, 0);
	near(f.max_ms, 90 * MIN_MS, 0);
	/* none attempted: undefined */
	assert_int_equal(qa_callback_frt(cb + 2, 1, &f, &err), 0);
	assert_true(isnan(f.mean_ms) && isnan(f.median_ms) && isnan(f.max_ms));
	const struct qa_callback bad = {t0, t0 - 1};
	assert_int_equal(qa_callback_frt(&bad, 1, &f, &err), EINVAL);
	assert_non_null(strstr(err.msg, "callback 0"));
}

static void test_call_rates(void **state)
{
	(void)state;
	const struct qa_call calls[] = {
	    {true, true, 0},   {true, false, 1}, {true, false, 2}, {true, false, 0},
	    {false, false, 0}, {true, true, 1},	 {true, false, 0}, {true, false, 0},
	    {false, false, 0}, {true, false, 0},
	};
	struct qa_call_rates r;
	struct qa_err err = {{0}};
	assert_int_equal(qa_call_rates(calls, 10, &r, &err), 0);
	assert_int_equal(r.calls, 10);
	assert_int_equal(r.handled, 8);
	assert_int_equal(r.transferred, 2);
	assert_int_equal(r.held, 3);
	near(r.transfer_rate, 0.25, 0);
	near(r.hold_rate, 0.375, 0);
	const struct qa_call bad = {false, true, 0};
	assert_int_equal(qa_call_rates(&bad, 1, &r, &err), EINVAL);
	assert_int_equal(qa_call_rates(calls + 4, 1, &r, &err), 0);
	assert_true(isnan(r.transfer_rate) && isnan(r.hold_rate));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_csat),	     TEST(test_fcr_example), TEST(test_fcr_oracle),
	    TEST(test_callback_frt), TEST(test_call_rates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
