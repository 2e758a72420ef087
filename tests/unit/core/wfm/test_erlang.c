/* Tests for core/wfm/erlang: published golden vectors, an independent birth-death solver,
 * properties. */
#include "testutil.h"

#include "base/rng.h"
#include "core/wfm/erlang.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define near(a, b, tol)                                                                            \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol))) {                                                   \
			print_error("%s = %.12g, expected %.12g (tol %g)\n", #a, a_, b_,           \
				    (double)(tol));                                                \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

/* ---- the published figures ---- */

/* 100 calls per 30 min, AHT 180 s, T = 20 s: A = 10 Erlangs. */
static const struct erlang_queue golden = {
    .load = 10, .aht = 180, .threshold = 20, .patience = 300};

static void test_erlang_c_golden(void **state)
{
	(void)state;
	struct erlang_metrics m;
	assert_int_equal(erlang_c(&golden, 14, &m), 0);
	near(m.p_wait, 0.1741319, 5e-8);
	near(m.sl_offered, 0.88835, 5e-6);
	near(m.sl_answered, m.sl_offered, 0);
	near(m.asa, 7.83594, 5e-6);
	near(m.mean_wait, m.asa, 0);
	near(m.occupancy, 0.7142857, 5e-8);
	near(m.p_abandon, 0, 0);
	near(m.queue_length, m.asa * 100 / 1800, 1e-12); /* Little: Lq = lambda W */

	assert_int_equal(erlang_c(&golden, 13, &m), 0);
	near(m.sl_offered, 0.7956, 5e-5);
	assert_int_equal(erlang_c(&golden, 11, &m), 0);
	near(m.p_wait, 0.6821182, 5e-8);
	near(m.sl_offered, 0.3896138, 5e-8);

	struct erlang_goal g = {
	    .service_level = 0.8, .variant = ERLANG_SL_OFFERED, .max_occupancy = 1};
	assert_int_equal(erlang_required(ERLANG_MODEL_C, &golden, &g, &m), 0);
	assert_int_equal(m.agents, 14);
	near(m.sl_offered, 0.88835, 5e-6);
	uint32_t s;
	assert_int_equal(erlang_with_shrinkage(m.agents, 0.3, &s), 0);
	assert_int_equal(s, 20);

	g.max_occupancy = 0.70;
	assert_int_equal(erlang_required(ERLANG_MODEL_C, &golden, &g, &m), 0);
	assert_int_equal(m.agents, 15);
	near(m.sl_offered, 0.941453, 5e-7);
	near(m.p_wait, 0.102042, 5e-7);
}

static void test_erlang_b_golden(void **state)
{
	(void)state;
	double b;
	assert_int_equal(erlang_b(1, 1, &b), 0);
	near(b, 0.5, 1e-15);
	assert_int_equal(erlang_b(1, 2, &b), 0);
	near(b, 0.2, 1e-15);
	assert_int_equal(erlang_b(1, 0, &b), 0);
	near(b, 1, 0);
	assert_int_equal(erlang_b(10, 16, &b), 0);
	near(b, 0.022302, 5e-7);
	assert_int_equal(erlang_b(10, 17, &b), 0);
	near(b, 0.012949, 5e-7);
	uint32_t n;
	assert_int_equal(erlang_b_trunks(10, 0.02, &n, &b), 0);
	assert_int_equal(n, 17);
	near(b, 0.012949, 5e-7);
}

/* Erlang B against the textbook sum (A^N/N!) / sum_k A^k/k!, taken in log space. */
static void test_erlang_b_direct_sum(void **state)
{
	(void)state;
	static const double loads[] = {0.3, 1, 7.5, 42, 250, 5000, 10000};
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		double a = loads[i];
		uint32_t ns[] = {0, 1, (uint32_t)(a * 0.5), (uint32_t)a,
				 (uint32_t)(a + 3 * sqrt(a) + 2)};
		for (size_t j = 0; j < 5; j++) {
			uint32_t n = ns[j];
			double top = -INFINITY, sum = 0;
			for (uint32_t k = 0; k <= n;
			     k++) /* the terms rise to k ~ a: the last or max */
				top = fmax(top, k * log(a) - lgamma(k + 1.0));
			for (uint32_t k = 0; k <= n; k++)
				sum += exp(k * log(a) - lgamma(k + 1.0) - top);
			double want = exp(n * log(a) - lgamma(n + 1.0) - top) / sum;
			double b;
			assert_int_equal(erlang_b(a, n, &b), 0);
			near(b, want, 1e-9 * want + 1e-300);
		}
	}
}

/* ---- an independent method: the birth-death chain, solved numerically ---- */

struct chain {
	double p_wait, p_ab, p_ab_flow, sl_off, sl_ans, asa, mean_wait, lq, occ;
};

/*
 * M/M/N+M (theta > 0) or M/M/N (patience 0): stationary law of states 0..K
 * (rates lambda up, min(n,N) mu + max(0,n-N) theta down, K where the weights
 * have fallen by e^-60), and for an arrival that finds k callers queued ahead
 * the tagged caller's own chain: served (rate N mu from the head), abandons
 * (theta), moves up (N mu + j theta with j ahead). P(served within T) comes
 * from uniformisation over small steps, E[wait; served] from a recursion.
 */
static void chain_solve(double load, double aht, double T, double patience, uint32_t N,
			struct chain *o)
{
	double mu = 1 / aht, lam = load * mu, th = patience > 0 ? 1 / patience : 0;
	size_t cap = 1024, K = 0;
	double *lp = sb_alloc(cap * sizeof(double));
	assert_non_null(lp);
	lp[0] = 0;
	double top = 0;
	for (size_t n = 1;; n++) {
		if (n == cap) {
			cap *= 2;
			lp = sb_realloc(lp, cap * sizeof(double));
			assert_non_null(lp);
		}
		double down = (n < N ? (double)n : N) * mu + (n > N ? (double)(n - N) : 0) * th;
		lp[n] = lp[n - 1] + log(lam / down);
		top = fmax(top, lp[n]);
		if (n > N && lp[n] < top - 60 && lp[n] < lp[n - 1]) {
			K = n;
			break;
		}
	}
	double *p = sb_alloc((K + 1) * sizeof(double)), tot = 0;
	assert_non_null(p);
	for (size_t n = 0; n <= K; n++)
		tot += p[n] = exp(lp[n] - top);
	for (size_t n = 0; n <= K; n++)
		p[n] /= tot;
	sb_free(lp);

	size_t M = K - N + 1; /* k = 0..M-1 callers ahead */
	double *s = sb_alloc(M * sizeof(double)), *g = sb_alloc(M * sizeof(double));
	double *f = sb_zalloc(M * sizeof(double)), *w = sb_alloc(M * sizeof(double));
	double *nw = sb_alloc(M * sizeof(double));
	assert_true(s && g && f && w && nw);
	double Nmu = N * mu;
	for (size_t k = 0; k < M; k++) {
		double move = Nmu + (double)k * th, r = move + th;
		s[k] = move / r * (k ? s[k - 1] : 1);
		g[k] = s[k] / r + (k ? move / r * g[k - 1] : 0);
	}
	if (T > 0) {
		/* f(t+h) = exp(Qh) f(t): served counts 1, abandoned 0 */
		double Lam = Nmu + (double)M * th + th;
		int steps = (int)ceil(Lam * T / 20) + 1;
		double h = T / steps, lh = Lam * h;
		for (int st = 0; st < steps; st++) {
			for (size_t k = 0; k < M; k++)
				w[k] = f[k];
			double weight = exp(-lh);
			double *acc = nw;
			for (size_t k = 0; k < M; k++)
				acc[k] = weight * w[k];
			/* w_j = P^j f, served state's value stays 1 */
			for (int j = 1; j < lh || weight > 1e-18; j++) {
				double prev_below = 1; /* value of the state below k = 0: served */
				for (size_t k = 0; k < M; k++) {
					double move = Nmu + (double)k * th;
					double v =
					    (move * prev_below + (Lam - move - th) * w[k]) / Lam;
					prev_below = w[k];
					w[k] = v;
				}
				weight *= lh / j;
				for (size_t k = 0; k < M; k++)
					acc[k] += weight * w[k];
				if (j > 100000)
					fail();
			}
			for (size_t k = 0; k < M; k++)
				f[k] = acc[k];
		}
	}

	double pnw = 0, pw = 0, lq = 0, busy = 0, ontime = 0, ans = 0, wans = 0, ab = 0;
	for (size_t n = 0; n < N && n <= K; n++) {
		pnw += p[n];
		busy += (double)n * p[n];
	}
	for (size_t k = 0; k < M; k++) {
		double q = p[N + k];
		pw += q;
		lq += (double)k * q;
		busy += N * q;
		ontime += q * f[k];
		ans += q * s[k];
		wans += q * g[k];
		ab += q * (1 - s[k]);
	}
	o->p_wait = pw;
	o->p_ab = ab;
	o->p_ab_flow = th * lq / lam;
	o->sl_off = pnw + ontime;
	o->sl_ans = (pnw + ontime) / (pnw + ans);
	o->asa = wans / (pnw + ans);
	o->mean_wait = lq / lam;
	o->lq = lq;
	o->occ = busy / N;
	sb_free(p);
	sb_free(s);
	sb_free(g);
	sb_free(f);
	sb_free(w);
	sb_free(nw);
}

static void compare_chain(const struct erlang_queue *q, uint32_t n, bool model_a)
{
	struct erlang_metrics m;
	struct chain c;
	if (model_a)
		assert_int_equal(erlang_a(q, n, &m), 0);
	else
		assert_int_equal(erlang_c(q, n, &m), 0);
	chain_solve(q->load, q->aht, q->threshold, model_a ? q->patience : 0, n, &c);
	double tp = 2e-9;
	near(m.p_wait, c.p_wait, tp);
	near(m.p_abandon, c.p_ab, tp);
	near(c.p_ab, c.p_ab_flow, tp); /* the chain agrees with itself (flow balance) */
	near(m.sl_offered, c.sl_off, tp);
	near(m.sl_answered, c.sl_ans, tp);
	near(m.occupancy, c.occ, tp);
	near(m.asa, c.asa, 1e-8 * (1 + c.asa));
	near(m.mean_wait, c.mean_wait, 1e-8 * (1 + c.mean_wait));
	near(m.queue_length, c.lq, 1e-8 * (1 + c.lq));
}

/* The reference figures for M/M/14+M: 100 calls / 30 min, AHT 180 s, patience 300 s, T = 20 s. */
static void test_erlang_a_golden(void **state)
{
	(void)state;
	struct erlang_metrics m;
	assert_int_equal(erlang_a(&golden, 14, &m), 0);
	near(m.p_wait, 0.14526, 5e-6);
	near(m.p_abandon, 0.013984, 5e-7);
	near(m.sl_offered, 0.916792, 5e-7);
	assert_true(m.sl_answered > m.sl_offered);
	assert_true(m.mean_wait > 0 && m.asa > 0);
	compare_chain(&golden, 14, true);
}

static void test_erlang_a_against_chain(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 20260329);
	for (int i = 0; i < 40; i++) {
		struct erlang_queue q;
		q.load = 0.2 + 150 * pow(rng_uniform(&r), 2);
		q.aht = 30 + 600 * rng_uniform(&r);
		q.patience = 5 + 1500 * rng_uniform(&r);
		q.threshold = i % 5 == 0 ? 0 : 120 * rng_uniform(&r);
		double lo = fmax(1, q.load * 0.4), hi = q.load + 3 * sqrt(q.load) + 4;
		uint32_t n = (uint32_t)(lo + (hi - lo) * rng_uniform(&r));
		if (n < 1)
			n = 1;
		compare_chain(&q, n, true);
		if ((double)n > q.load)
			compare_chain(&q, n, false);
	}
	/* few agents, very impatient callers; and very patient ones (close to Erlang C) */
	struct erlang_queue imp = {.load = 30, .aht = 300, .threshold = 10, .patience = 2};
	compare_chain(&imp, 3, true);
	struct erlang_queue pat = {.load = 10, .aht = 180, .threshold = 20, .patience = 180 * 1e4};
	struct erlang_metrics ma, mc;
	assert_int_equal(erlang_a(&pat, 14, &ma), 0);
	assert_int_equal(erlang_c(&pat, 14, &mc), 0);
	near(ma.p_wait, mc.p_wait, 1e-4);
	near(ma.sl_offered, mc.sl_offered, 1e-4);
	near(ma.asa, mc.asa, 1e-2);
	assert_true(ma.p_abandon < 1e-5);
}

/* 1,000 and 10,000 Erlangs: sane, finite, and still equal to the chain. */
static void test_large_loads(void **state)
{
	(void)state;
	static const double loads[] = {1000, 5000, 10000};
	struct erlang_goal g = {
	    .service_level = 0.8, .variant = ERLANG_SL_OFFERED, .max_occupancy = 1};
	for (size_t i = 0; i < 3; i++) {
		struct erlang_queue q = {
		    .load = loads[i], .aht = 180, .threshold = 20, .patience = 300};
		struct erlang_metrics c, a, below;
		assert_int_equal(erlang_required(ERLANG_MODEL_C, &q, &g, &c), 0);
		assert_true(c.agents > q.load && c.agents < q.load + 3 * sqrt(q.load));
		assert_true(c.sl_offered >= 0.8 && c.sl_offered < 1);
		assert_true(isfinite(c.asa) && c.asa > 0 && c.asa < 60);
		assert_int_equal(erlang_c(&q, c.agents - 1, &below), 0);
		assert_true(below.sl_offered < 0.8);

		assert_int_equal(erlang_required(ERLANG_MODEL_A, &q, &g, &a), 0);
		assert_true(a.agents <= c.agents && a.agents > q.load * 0.8);
		assert_true(a.sl_offered >= 0.8 && a.p_abandon > 0 && a.p_abandon < 0.2);
		assert_true(isfinite(a.asa) && isfinite(a.mean_wait) && isfinite(a.queue_length));
		assert_int_equal(erlang_a(&q, a.agents - 1, &below), 0);
		assert_true(below.sl_offered < 0.8);
		if (i != 1)
			compare_chain(&q, a.agents, true);
		/* half the agents needed: heavy overload, half the callers abandon */
		assert_int_equal(erlang_a(&q, (uint32_t)(q.load / 2), &a), 0);
		near(a.p_abandon, 0.5, 1e-3);
		near(a.p_wait, 1, 1e-9);
		near(a.occupancy, 1, 1e-9);
		assert_true(a.sl_offered >= 0 && a.sl_offered < 1e-6);
		if (i == 0)
			compare_chain(&q, (uint32_t)(q.load / 2), true);
		/* many more agents than needed: nobody waits */
		assert_int_equal(erlang_a(&q, (uint32_t)(q.load * 3), &a), 0);
		assert_true(a.p_wait >= 0 && a.p_wait < 1e-200);
		near(a.sl_offered, 1, 1e-15);
		assert_int_equal(erlang_c(&q, (uint32_t)(q.load * 3), &c), 0);
		near(c.sl_offered, 1, 1e-15);
	}
}

/* SL rises with agents and falls with load; waits and abandonment fall with agents. */
static void test_monotone(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 7);
	for (int i = 0; i < 300; i++) {
		struct erlang_queue q;
		q.load = 0.1 + 800 * pow(rng_uniform(&r), 3);
		q.aht = 20 + 900 * rng_uniform(&r);
		q.patience = 3 + 1200 * rng_uniform(&r);
		q.threshold = 90 * rng_uniform(&r);
		bool model_a = i % 2;
		uint32_t n = model_a ? 1 : (uint32_t)floor(q.load) + 1;
		struct erlang_metrics prev, cur;
		for (int j = 0; j < 40; j++, n++) {
			int rc = model_a ? erlang_a(&q, n, &cur) : erlang_c(&q, n, &cur);
			assert_int_equal(rc, 0);
			assert_true(cur.sl_offered >= 0 && cur.sl_offered <= 1);
			assert_true(cur.sl_answered >= cur.sl_offered - 1e-15 &&
				    cur.sl_answered <= 1);
			assert_true(cur.p_wait >= 0 && cur.p_wait <= 1);
			assert_true(cur.occupancy > 0 && cur.occupancy <= 1 + 1e-12);
			if (j > 0) {
				assert_true(cur.sl_offered >= prev.sl_offered - 1e-12);
				assert_true(cur.p_wait <= prev.p_wait + 1e-12);
				assert_true(cur.p_abandon <= prev.p_abandon + 1e-12);
				assert_true(cur.mean_wait <= prev.mean_wait * (1 + 1e-12));
			}
			prev = cur;
		}
		/* more load, same agents: SL falls */
		struct erlang_queue more = q;
		n = model_a ? 1 + (uint32_t)(q.load * 1.1) : (uint32_t)floor(q.load * 1.3) + 2;
		for (int j = 0; j < 20; j++) {
			int rc = model_a ? erlang_a(&more, n, &cur) : erlang_c(&more, n, &cur);
			assert_int_equal(rc, 0);
			if (j > 0)
				assert_true(cur.sl_offered <= prev.sl_offered + 1e-12);
			prev = cur;
			more.load *= 1.01;
		}
	}
	/* large loads: 1,000 to 10,000 Erlangs, agents from deep overload to ample */
	for (int i = 0; i < 12; i++) {
		struct erlang_queue q;
		q.load = 1000 + 9000 * rng_uniform(&r);
		q.aht = 20 + 900 * rng_uniform(&r);
		q.patience = 3 + 1200 * rng_uniform(&r);
		q.threshold = 90 * rng_uniform(&r);
		uint32_t step = (uint32_t)sqrt(q.load) / 3;
		struct erlang_metrics prev, cur;
		uint32_t n = (uint32_t)(q.load * 0.8);
		for (int j = 0; j < 30; j++, n += step) {
			assert_int_equal(erlang_a(&q, n, &cur), 0);
			assert_true(cur.sl_offered >= 0 && cur.sl_offered <= 1 &&
				    isfinite(cur.asa));
			if (j > 0) {
				assert_true(cur.sl_offered >= prev.sl_offered - 1e-10);
				assert_true(cur.p_abandon <= prev.p_abandon + 1e-10);
			}
			prev = cur;
		}
	}
}

/* The staffing search returns the least number that meets the goal, for each model and variant. */
static void test_required_is_minimal(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 99);
	for (int i = 0; i < 200; i++) {
		struct erlang_queue q;
		q.load = 0.05 + 400 * pow(rng_uniform(&r), 2);
		q.aht = 30 + 600 * rng_uniform(&r);
		q.patience = 10 + 900 * rng_uniform(&r);
		q.threshold = 60 * rng_uniform(&r);
		struct erlang_goal g;
		g.service_level = 0.5 + 0.49 * rng_uniform(&r);
		g.variant = i % 3 == 2 ? ERLANG_SL_ANSWERED : ERLANG_SL_OFFERED;
		g.max_occupancy = i % 4 == 0 ? 0.6 + 0.3 * rng_uniform(&r) : 1;
		enum erlang_model model = i % 2 ? ERLANG_MODEL_A : ERLANG_MODEL_C;
		struct erlang_metrics m, at, below;
		assert_int_equal(erlang_required(model, &q, &g, &m), 0);
		int rc = model == ERLANG_MODEL_A ? erlang_a(&q, m.agents, &at)
						 : erlang_c(&q, m.agents, &at);
		assert_int_equal(rc, 0);
		double sl = g.variant == ERLANG_SL_OFFERED ? at.sl_offered : at.sl_answered;
		assert_true(sl >= g.service_level);
		assert_true(at.occupancy <= g.max_occupancy + 1e-12);
		near(m.sl_offered, at.sl_offered, 0);
		if (m.agents > 1) {
			rc = model == ERLANG_MODEL_A ? erlang_a(&q, m.agents - 1, &below)
						     : erlang_c(&q, m.agents - 1, &below);
			if (rc == 0) {
				double slb = g.variant == ERLANG_SL_OFFERED ? below.sl_offered
									    : below.sl_answered;
				assert_true(slb < g.service_level ||
					    below.occupancy > g.max_occupancy + 1e-12);
			} else {
				assert_int_equal(rc, EDOM); /* Erlang C at or below the load */
			}
		}
	}
}

/* The galloping search of Erlang A against a plain walk from 1 agent: the same answer. */
static void test_required_matches_walk(void **state)
{
	(void)state;
	struct rng r;
	rng_seed(&r, 4242);
	for (int i = 0; i < 150; i++) {
		struct erlang_queue q;
		q.load = 0.05 + 60 * rng_uniform(&r);
		q.aht = 30 + 600 * rng_uniform(&r);
		q.patience =
		    (i % 3 == 0 ? 1 : 30) + 900 * rng_uniform(&r) * (i % 3 == 0 ? 0.05 : 1);
		q.threshold = 60 * rng_uniform(&r);
		struct erlang_goal g = {.service_level = 0.3 + 0.69 * rng_uniform(&r),
					.variant = i % 2 ? ERLANG_SL_ANSWERED : ERLANG_SL_OFFERED,
					.max_occupancy =
					    i % 5 == 0 ? 0.5 + 0.5 * rng_uniform(&r) : 1};
		struct erlang_metrics m, walk;
		assert_int_equal(erlang_required(ERLANG_MODEL_A, &q, &g, &m), 0);
		uint32_t n = 1;
		for (;; n++) {
			assert_int_equal(erlang_a(&q, n, &walk), 0);
			double sl =
			    g.variant == ERLANG_SL_OFFERED ? walk.sl_offered : walk.sl_answered;
			if (sl >= g.service_level &&
			    walk.occupancy <= g.max_occupancy * (1 + 1e-12))
				break;
		}
		assert_int_equal(m.agents, n);
	}
}

static void test_shrinkage(void **state)
{
	(void)state;
	uint32_t s;
	assert_int_equal(erlang_with_shrinkage(14, 0.3, &s), 0);
	assert_int_equal(s, 20);
	assert_int_equal(erlang_with_shrinkage(14, 0, &s), 0);
	assert_int_equal(s, 14);
	assert_int_equal(erlang_with_shrinkage(0, 0.5, &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(erlang_with_shrinkage(15, 0.3, &s), 0);
	assert_int_equal(s, 22); /* 21.43 */
	assert_int_equal(erlang_with_shrinkage(21, 0.3, &s), 0);
	assert_int_equal(s, 30); /* 21 / (1 - 0.3) = 30.000000000000004 in binary */
	assert_int_equal(erlang_with_shrinkage(7, 0.5, &s), 0);
	assert_int_equal(s, 14);
	assert_int_equal(erlang_with_shrinkage(14, 1, &s), EINVAL);
	assert_int_equal(erlang_with_shrinkage(14, -0.1, &s), EINVAL);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct erlang_metrics m;
	struct erlang_queue q = golden;
	assert_int_equal(erlang_c(&q, 10, &m), EDOM);
	assert_int_equal(erlang_c(&q, 9, &m), EDOM);
	assert_int_equal(erlang_a(&q, 0, &m), EINVAL);
	assert_int_equal(erlang_a(&q, 5, &m), 0); /* Erlang A is stable below the load */
	q.load = -1;
	assert_int_equal(erlang_c(&q, 14, &m), EINVAL);
	q.load = NAN;
	assert_int_equal(erlang_a(&q, 14, &m), EINVAL);
	q.load = INFINITY;
	assert_int_equal(erlang_c(&q, 14, &m), EINVAL);
	q = golden;
	q.aht = 0;
	assert_int_equal(erlang_c(&q, 14, &m), EINVAL);
	q = golden;
	q.threshold = -1;
	assert_int_equal(erlang_c(&q, 14, &m), EINVAL);
	q = golden;
	q.patience = 0;
	assert_int_equal(erlang_a(&q, 14, &m), EINVAL);
	assert_int_equal(erlang_c(&q, 14, &m), 0); /* patience is Erlang A's alone */
	double b;
	uint32_t n;
	assert_int_equal(erlang_b(0, 3, &b), EINVAL);
	assert_int_equal(erlang_b_trunks(10, 0, &n, &b), EINVAL);
	assert_int_equal(erlang_b_trunks(10, 1, &n, &b), EINVAL);
	struct erlang_goal g = {
	    .service_level = 1, .variant = ERLANG_SL_OFFERED, .max_occupancy = 1};
	assert_int_equal(erlang_required(ERLANG_MODEL_C, &golden, &g, &m), EINVAL);
	g.service_level = 0.8;
	g.max_occupancy = 0;
	assert_int_equal(erlang_required(ERLANG_MODEL_C, &golden, &g, &m), EINVAL);
	g.max_occupancy = 1;
	assert_int_equal(erlang_required((enum erlang_model)7, &golden, &g, &m), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_erlang_c_golden),
	    TEST(test_erlang_b_golden),
	    TEST(test_erlang_b_direct_sum),
	    TEST(test_erlang_a_golden),
	    TEST(test_erlang_a_against_chain),
	    TEST(test_large_loads),
	    TEST(test_monotone),
	    TEST(test_required_is_minimal),
	    TEST(test_required_matches_walk),
	    TEST(test_shrinkage),
	    TEST(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
