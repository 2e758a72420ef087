/* Tests for core/qa/sampling: the docs/quality.md example, reproducibility, order independence,
 * filters against a brute-force oracle, uniformity, kept picks, bad input. */
#include "testutil.h"

#include "base/rng.h"
#include "core/qa/sampling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_MS	    60000LL
#define HOUR	    (60 * MIN_MS)
#define DAY	    QA_DAY_MS
#define MON	    1740960000000LL /* 2025-03-03 00:00 UTC */
#define NEXT_MON    (MON + 7 * DAY)
#define AT(d, h, m) (MON + (d)*DAY + (h)*HOUR + (m)*MIN_MS)
#define SEED	    20250303u

/* The candidates of docs/quality.md, "Sampling". */
static const struct qa_interaction example[] = {
    /* id, agent, queue, disposition, time, handle, transferred, customer, survey */
    {101, 7, 1, 10, AT(0, 9, 0), 300000, false, 900, 5},
    {102, 7, 1, 11, AT(0, 10, 30), 95000, false, 901, 0},
    {103, 7, 2, 10, AT(1, 14, 0), 420000, true, 902, 2},
    {104, 7, 3, 12, AT(2, 11, 0), 600000, false, 903, 0},
    {105, 7, 1, 10, AT(3, 16, 0), 250000, false, 900, 1},
    {106, 7, 2, 11, AT(4, 9, 30), 180000, false, 904, 4},
    {107, 7, 1, 10, AT(6, 23, 59), 200000, false, 905, 0},
    {108, 8, 1, 10, AT(0, 8, 0), 130000, false, 906, 3},
    {109, 8, 2, 12, AT(1, 12, 0), 121000, true, 907, 0},
    {110, 8, 1, 10, AT(2, 15, 0), 120000, false, 908, 2},
    {111, 8, 1, 11, AT(3, 10, 0), 500000, false, 901, 1},
    {112, 9, 1, 10, AT(1, 10, 0), 300000, false, 909, 5},
    {113, 8, 1, 10, NEXT_MON, 300000, false, 910, 0},
};
#define N_EXAMPLE (sizeof(example) / sizeof(example[0]))

/* Earlier contacts: 906 exactly 7 days before 108 (a repeat), 905 7 days + 1 min before 107 (not).
 */
static const struct qa_contact history[] = {
    {906, AT(-7, 8, 0), 0},
    {905, AT(-1, 23, 58), 0},
};

static const struct qa_quota quotas[] = {{7, 2}, {8, 2}};
static const uint32_t queues12[] = {1, 2};
static const uint64_t done106[] = {106};

static struct qa_sample_params example_params(void)
{
	struct qa_sample_params p = {
	    .start = MON,
	    .end = NEXT_MON,
	    .agents = quotas,
	    .n_agents = 2,
	    .done = done106,
	    .n_done = 1,
	    .history = history,
	    .n_history = 2,
	    .seed = SEED,
	};
	p.filter.queues = queues12;
	p.filter.n_queues = 2;
	p.filter.handle_above = true;
	p.filter.handle_above_ms = 120000;
	return p;
}

static void test_example_queue_and_handle(void **state)
{
	(void)state;
	struct qa_sample_params p = example_params();
	struct qa_sample *s;
	struct qa_err err = {{0}};
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->candidates, 13);
	assert_int_equal(s->excluded[QA_SX_PERIOD], 1); /* 113: the end is exclusive */
	assert_int_equal(s->excluded[QA_SX_AGENT], 1);	/* 112 */
	assert_int_equal(s->excluded[QA_SX_DONE], 1);	/* 106 */
	assert_int_equal(s->excluded[QA_SX_QUEUE], 1);	/* 104 */
	assert_int_equal(s->excluded[QA_SX_HANDLE], 2); /* 102 (95 s), 110 (exactly 120 s) */
	assert_int_equal(s->excluded[QA_SX_DISPOSITION], 0);
	assert_int_equal(s->eligible, 7);
	assert_int_equal(s->picked, 3);

	/* the documented rank keys (an independent reimplementation computed these) */
	assert_true(qa_sample_key(SEED, 105) == 0x7502ace97066691dULL);
	assert_true(qa_sample_key(SEED, 101) == 0x756998ae876faad1ULL);
	assert_true(qa_sample_key(SEED, 109) == 0xd0dac5d4c8b5dad1ULL);
	assert_true(qa_sample_key(SEED, 108) == 0xec02cf02728dfd86ULL);

	const struct qa_sample_agent *a7 = &s->agents[0], *a8 = &s->agents[1];
	assert_int_equal(a7->agent, 7);
	assert_int_equal(a7->quota, 2);
	assert_int_equal(a7->done, 1);
	assert_int_equal(a7->due, 1);
	assert_int_equal(a7->eligible, 4);
	assert_int_equal(a7->n_picks, 1);
	assert_int_equal(a7->picks[0], 105);
	assert_int_equal(a7->shortfall, 0);
	assert_int_equal(a8->agent, 8);
	assert_int_equal(a8->done, 0);
	assert_int_equal(a8->eligible, 3);
	assert_int_equal(a8->n_picks, 2);
	assert_int_equal(a8->picks[0], 109);
	assert_int_equal(a8->picks[1], 108);
	qa_sample_free(s);
}

/* Low-scored repeat callers: repeat = only, survey <= 2. */
static void test_example_repeat_and_survey(void **state)
{
	(void)state;
	struct qa_sample_params p = example_params();
	memset(&p.filter, 0, sizeof(p.filter));
	p.n_done = 0;
	p.filter.repeat = QA_ONLY;
	p.filter.survey_at_most = 2;
	struct qa_sample *s;
	struct qa_err err = {{0}};
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	/* repeats: 105 (900, 3 days after 101), 108 (906, exactly 7 days), 111 (901, after 102) */
	assert_int_equal(s->excluded[QA_SX_REPEAT], 8);
	assert_int_equal(s->excluded[QA_SX_SURVEY], 1); /* 108 rated 3 */
	assert_int_equal(s->eligible, 2);
	assert_int_equal(s->agents[0].n_picks, 1);
	assert_int_equal(s->agents[0].picks[0], 105);
	assert_int_equal(s->agents[0].shortfall, 1);
	assert_int_equal(s->agents[1].n_picks, 1);
	assert_int_equal(s->agents[1].picks[0], 111);
	assert_int_equal(s->agents[1].shortfall, 1);
	qa_sample_free(s);

	/* without the history 108 is no repeat; with repeat = exclude the complement remains */
	p.n_history = 0;
	p.filter.survey_at_most = 0;
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->eligible, 2); /* 105, 111 */
	qa_sample_free(s);
	p.n_history = 2;
	p.filter.repeat = QA_EXCLUDE;
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->excluded[QA_SX_REPEAT], 3);
	assert_int_equal(s->eligible, 8);
	qa_sample_free(s);
	/* a 1-day window: 108 and the 3-day repeats no longer count */
	p.filter.repeat = QA_ONLY;
	p.filter.repeat_window_ms = DAY;
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->eligible, 0);
	assert_int_equal(s->agents[0].shortfall, 2);
	qa_sample_free(s);
}

static void test_transferred_and_disposition(void **state)
{
	(void)state;
	struct qa_sample_params p = example_params();
	memset(&p.filter, 0, sizeof(p.filter));
	p.filter.transferred = QA_ONLY;
	struct qa_sample *s;
	struct qa_err err = {{0}};
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->eligible, 2); /* 103, 109 */
	assert_int_equal(s->agents[0].picks[0], 103);
	assert_int_equal(s->agents[1].picks[0], 109);
	qa_sample_free(s);
	const uint32_t d11[] = {11};
	p.filter.transferred = QA_EXCLUDE;
	p.filter.dispositions = d11;
	p.filter.n_dispositions = 1;
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->excluded[QA_SX_DISPOSITION], 8);
	assert_int_equal(s->excluded[QA_SX_TRANSFERRED], 0); /* 103, 109 failed disposition first */
	assert_int_equal(s->eligible, 2);		     /* 102, 111 (106 is done) */
	qa_sample_free(s);
}

/* ---- reproducibility and order independence ---- */

static void picks_of(const struct qa_sample *s, uint64_t *out, size_t *n)
{
	*n = 0;
	for (size_t a = 0; a < s->n_agents; a++)
		for (size_t i = 0; i < s->agents[a].n_picks; i++)
			out[(*n)++] = s->agents[a].picks[i];
}

static struct qa_interaction *random_candidates(struct rng *r, size_t n)
{
	struct qa_interaction *c = sb_calloc(n, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c[i].id = 1000 + i * 7 + rng_below(r, 7);
		c[i].agent = 1 + (uint32_t)rng_below(r, 6); /* agent 6 is not assigned */
		c[i].queue = 1 + (uint32_t)rng_below(r, 4);
		c[i].disposition = (uint32_t)rng_below(r, 5);
		c[i].time = MON - 3 * DAY + (int64_t)rng_below(r, 12 * DAY);
		c[i].handle_ms = (int64_t)rng_below(r, 900000);
		c[i].transferred = rng_below(r, 4) == 0;
		c[i].customer = rng_below(r, 10) ? 500 + rng_below(r, 40) : 0;
		c[i].survey = (uint8_t)rng_below(r, 6);
	}
	return c;
}

static void test_reproducible_and_order_free(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 7);
	size_t n = 400;
	struct qa_interaction *c = random_candidates(&r, n);
	const struct qa_quota q[] = {{1, 4}, {2, 4}, {3, 10}, {4, 0}, {5, 4}};
	struct qa_sample_params p = {.start = MON, .end = NEXT_MON, .agents = q, .n_agents = 5};
	p.filter.handle_above = true;
	p.filter.handle_above_ms = 60000;
	struct qa_sample *s0, *s;
	struct qa_err err = {{0}};
	uint64_t first[64], again[64];
	size_t n0, n1;
	p.seed = 99;
	assert_int_equal(qa_sample(&s0, c, n, &p, &err), 0);
	picks_of(s0, first, &n0);
	assert_true(n0 > 10);
	for (int round = 0; round < 20; round++) {
		/* shuffle the input (Fisher-Yates); the picks must not move */
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = rng_below(&r, i + 1);
			struct qa_interaction t = c[i];
			c[i] = c[j];
			c[j] = t;
		}
		assert_int_equal(qa_sample(&s, c, n, &p, &err), 0);
		picks_of(s, again, &n1);
		assert_int_equal(n1, n0);
		assert_memory_equal(first, again, n0 * sizeof(first[0]));
		assert_memory_equal(s->excluded, s0->excluded, sizeof(s->excluded));
		qa_sample_free(s);
	}
	/* another seed draws differently */
	p.seed = 100;
	assert_int_equal(qa_sample(&s, c, n, &p, &err), 0);
	picks_of(s, again, &n1);
	assert_int_equal(n1, n0);
	assert_true(memcmp(first, again, n0 * sizeof(first[0])) != 0);
	qa_sample_free(s);
	qa_sample_free(s0);
	sb_free(c);
}

/* ---- filters against a brute-force oracle ---- */

static bool oracle_repeat(const struct qa_interaction *c, size_t n, const struct qa_contact *h,
			  size_t nh, const struct qa_interaction *x, int64_t w)
{
	if (!x->customer)
		return false;
	for (size_t i = 0; i < n; i++)
		if (c[i].customer == x->customer && x->time - c[i].time > 0 &&
		    x->time - c[i].time <= w)
			return true;
	for (size_t i = 0; i < nh; i++)
		if (h[i].customer == x->customer && x->time - h[i].time > 0 &&
		    x->time - h[i].time <= w)
			return true;
	return false;
}

static bool in_u32(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool in_u64(const uint64_t *v, size_t n, uint64_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static void test_filters_oracle(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 2024);
	const struct qa_quota q[] = {{1, 3}, {2, 5}, {3, 1}, {4, 2}, {5, 8}};
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + rng_below(&r, 200), nh = rng_below(&r, 30);
		struct qa_interaction *c = random_candidates(&r, n);
		struct qa_contact h[30];
		for (size_t i = 0; i < nh; i++)
			h[i] = (struct qa_contact){
			    500 + rng_below(&r, 40),
			    MON - 10 * DAY + (int64_t)rng_below(&r, 10 * DAY), 0};
		uint32_t queues[2] = {1 + (uint32_t)rng_below(&r, 4),
				      1 + (uint32_t)rng_below(&r, 4)};
		uint32_t disps[3] = {(uint32_t)rng_below(&r, 5), (uint32_t)rng_below(&r, 5),
				     (uint32_t)rng_below(&r, 5)};
		uint64_t done[8];
		for (size_t i = 0; i < 8; i++)
			done[i] = c[rng_below(&r, n)].id;
		struct qa_sample_params p = {.start = MON,
					     .end = NEXT_MON,
					     .agents = q,
					     .n_agents = 5,
					     .done = done,
					     .n_done = rng_below(&r, 9),
					     .history = h,
					     .n_history = nh,
					     .seed = rng_next(&r)};
		struct qa_sample_filter *f = &p.filter;
		if (rng_below(&r, 2)) {
			f->queues = queues;
			f->n_queues = 1 + rng_below(&r, 2);
		}
		if (rng_below(&r, 3) == 0) {
			f->dispositions = disps;
			f->n_dispositions = 1 + rng_below(&r, 3);
		}
		f->handle_above = rng_below(&r, 2);
		f->handle_above_ms = (int64_t)rng_below(&r, 600000);
		f->transferred = (enum qa_tristate)rng_below(&r, 3);
		f->repeat = (enum qa_tristate)rng_below(&r, 3);
		f->repeat_window_ms = rng_below(&r, 2) ? 0 : (int64_t)(1 + rng_below(&r, 10)) * DAY;
		f->survey_at_most = (uint8_t)rng_below(&r, 6);
		int64_t w = f->repeat_window_ms ? f->repeat_window_ms : 7 * DAY;

		struct qa_sample *s;
		struct qa_err err = {{0}};
		int e = qa_sample(&s, c, n, &p, &err);
		if (e) {
			/* only duplicate ids may fail here */
			assert_int_equal(e, EINVAL);
			assert_non_null(strstr(err.msg, "appears twice"));
			sb_free(c);
			continue;
		}
		/* The oracle: eligibility and exclusions by the definitions, naively. */
		size_t excl[QA_SX_COUNT] = {0}, elig_total = 0, picked_total = 0;
		for (size_t a = 0; a < 5; a++) {
			uint64_t el[200], keys[200];
			size_t ne = 0, done_n = 0;
			for (size_t i = 0; i < n; i++) {
				const struct qa_interaction *x = &c[i];
				bool assigned = x->agent >= 1 && x->agent <= 5;
				int why = -1;
				if (x->time < MON || x->time >= NEXT_MON)
					why = QA_SX_PERIOD;
				else if (!assigned)
					why = QA_SX_AGENT;
				else if (in_u64(done, p.n_done, x->id))
					why = QA_SX_DONE;
				else if (f->n_queues && !in_u32(f->queues, f->n_queues, x->queue))
					why = QA_SX_QUEUE;
				else if (f->n_dispositions &&
					 !in_u32(f->dispositions, f->n_dispositions,
						 x->disposition))
					why = QA_SX_DISPOSITION;
				else if (f->handle_above && x->handle_ms <= f->handle_above_ms)
					why = QA_SX_HANDLE;
				else if ((f->transferred == QA_ONLY && !x->transferred) ||
					 (f->transferred == QA_EXCLUDE && x->transferred))
					why = QA_SX_TRANSFERRED;
				else if (f->repeat != QA_ANY &&
					 oracle_repeat(c, n, h, nh, x, w) != (f->repeat == QA_ONLY))
					why = QA_SX_REPEAT;
				else if (f->survey_at_most &&
					 (x->survey < 1 || x->survey > f->survey_at_most))
					why = QA_SX_SURVEY;
				if (a == 0 && why >= 0)
					excl[why]++;
				if (x->agent != q[a].agent)
					continue;
				if (why == QA_SX_DONE)
					done_n++;
				if (why < 0) {
					el[ne] = x->id;
					keys[ne++] = qa_sample_key(p.seed, x->id);
				}
			}
			const struct qa_sample_agent *sa = &s->agents[a];
			assert_int_equal(sa->agent, q[a].agent);
			assert_int_equal(sa->done, done_n);
			assert_int_equal(sa->eligible, ne);
			uint32_t due = q[a].quota > done_n ? q[a].quota - (uint32_t)done_n : 0;
			size_t want = due < ne ? due : ne;
			assert_int_equal(sa->n_picks, want);
			assert_int_equal(sa->shortfall, due - want);
			/* the picks are the `want` lowest keys, in key order */
			for (size_t k = 0; k < want; k++) {
				size_t best = SIZE_MAX;
				for (size_t i = 0; i < ne; i++)
					if (keys[i] != UINT64_MAX &&
					    (best == SIZE_MAX || keys[i] < keys[best]))
						best = i;
				assert_int_equal(sa->picks[k], el[best]);
				keys[best] = UINT64_MAX;
			}
			elig_total += ne;
			picked_total += want;
		}
		assert_memory_equal(s->excluded, excl, sizeof(excl));
		assert_int_equal(s->eligible, elig_total);
		assert_int_equal(s->picked, picked_total);
		qa_sample_free(s);
		sb_free(c);
	}
}

/* Every eligible candidate is equally likely: 10 candidates, quota 3, many seeds. */
static void test_uniform(void **state)
{
	(void)state;
	struct qa_interaction c[10];
	for (size_t i = 0; i < 10; i++)
		c[i] = (struct qa_interaction){.id = 5000 + i, .agent = 1, .time = MON + HOUR};
	const struct qa_quota q = {1, 3};
	struct qa_sample_params p = {.start = MON, .end = NEXT_MON, .agents = &q, .n_agents = 1};
	unsigned count[10] = {0};
	const unsigned seeds = 20000;
	for (unsigned seed = 0; seed < seeds; seed++) {
		struct qa_sample *s;
		p.seed = seed;
		assert_int_equal(qa_sample(&s, c, 10, &p, NULL), 0);
		assert_int_equal(s->agents[0].n_picks, 3);
		for (size_t i = 0; i < 3; i++)
			count[s->agents[0].picks[i] - 5000]++;
		qa_sample_free(s);
	}
	/* expected 0.3; standard error sqrt(0.3 x 0.7 / 20000) = 0.0032; allow 5 of them */
	for (size_t i = 0; i < 10; i++)
		assert_true(fabs((double)count[i] / seeds - 0.3) < 0.0165);
}

/* Earlier picks stay while eligible; the rest of the quota fills by rank. */
static void test_keep(void **state)
{
	(void)state;
	struct qa_sample_params p = example_params();
	struct qa_sample *s;
	struct qa_err err = {{0}};
	/* agent 8's picks were 109, 108; keep 111 (last by rank), 104 (queue 3: not eligible), 999
	 */
	const uint64_t keep[] = {111, 104, 999, 111};
	p.keep = keep;
	p.n_keep = 4;
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->agents[1].n_picks, 2);
	assert_int_equal(s->agents[1].picks[0], 111);
	assert_int_equal(s->agents[1].picks[1], 109);
	assert_int_equal(s->agents[1].kept, 1);
	assert_int_equal(s->agents[0].picks[0], 105);
	assert_int_equal(s->keep_dropped, 2); /* 104 and 999; the duplicate 111 counts once */
	qa_sample_free(s);

	/* more kept than due: the lowest-ranked kept ones stay */
	const uint64_t keep3[] = {101, 107, 103};
	p.keep = keep3;
	p.n_keep = 3;
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->agents[0].n_picks, 1);
	assert_int_equal(s->agents[0].picks[0], 101); /* 101 ranks before 107 and 103 */
	assert_int_equal(s->keep_dropped, 2);
	qa_sample_free(s);

	/* a quota already met by evaluations: nothing due */
	const struct qa_quota one[] = {{7, 1}};
	p.agents = one;
	p.n_agents = 1;
	assert_int_equal(qa_sample(&s, example, N_EXAMPLE, &p, &err), 0);
	assert_int_equal(s->agents[0].due, 0);
	assert_int_equal(s->agents[0].n_picks, 0);
	assert_int_equal(s->agents[0].shortfall, 0);
	assert_int_equal(s->excluded[QA_SX_AGENT], 5); /* agent 8's in-period calls and 112 */
	qa_sample_free(s);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct qa_sample_params p = example_params();
	struct qa_sample *s;
	struct qa_err err = {{0}};
	struct qa_interaction c[3] = {example[0], example[1], example[2]};
	c[2].id = 101;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	assert_non_null(strstr(err.msg, "interaction 101 appears twice"));
	c[2] = example[2];
	c[1].survey = 6;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	assert_non_null(strstr(err.msg, "interaction 102"));
	c[1] = example[1];
	c[1].handle_ms = -1;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	c[1] = example[1];
	const struct qa_quota dup[] = {{7, 1}, {7, 2}};
	p.agents = dup;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	assert_non_null(strstr(err.msg, "agent 7 appears twice"));
	p = example_params();
	p.end = p.start;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	p = example_params();
	p.filter.survey_at_most = 6;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	p = example_params();
	p.filter.handle_above_ms = -5;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	p = example_params();
	p.filter.repeat = 3;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	p = example_params();
	p.filter.queues = NULL;
	assert_int_equal(qa_sample(&s, c, 3, &p, &err), EINVAL);
	p = example_params();
	assert_int_equal(qa_sample(&s, NULL, 3, &p, &err), EINVAL);
	assert_int_equal(qa_sample(NULL, c, 3, &p, &err), EINVAL);
	/* no candidates, no agents: an empty, valid draw */
	p.n_agents = 0;
	assert_int_equal(qa_sample(&s, NULL, 0, &p, &err), 0);
	assert_int_equal(s->n_agents, 0);
	assert_int_equal(s->picked, 0);
	qa_sample_free(s);
	assert_string_equal(qa_sample_exclusion_name(QA_SX_REPEAT), "repeat caller");
	assert_string_equal(qa_sample_exclusion_name(QA_SX_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_example_queue_and_handle),
	    TEST(test_example_repeat_and_survey),
	    TEST(test_transferred_and_disposition),
	    TEST(test_reproducible_and_order_free),
	    TEST(test_filters_oracle),
	    TEST(test_uniform),
	    TEST(test_keep),
	    TEST(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
