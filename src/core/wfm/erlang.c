/* erlang: Erlang B, C and A by recursions and log-space series (method and references:
 * docs/wfm.md). */
#include "core/wfm/erlang.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>

/* Relative size below which the rest of a series is dropped (about half a double's epsilon). */
#define SERIES_EPS 1e-16
/* Peaks further out than this are located with lgamma/digamma instead of a product. */
#define PEAK_DIRECT 64

static bool finite_pos(double v)
{
	return v > 0 && isfinite(v);
}

static int check_load(double load)
{
	return finite_pos(load) && load <= ERLANG_MAX_LOAD ? 0 : EINVAL;
}

static int check_queue(const struct erlang_queue *q, bool patience)
{
	if (!q || check_load(q->load) || !finite_pos(q->aht) || !(q->threshold >= 0) ||
	    !isfinite(q->threshold))
		return EINVAL;
	if (patience) {
		if (!finite_pos(q->patience))
			return EINVAL;
		double ratio = q->patience / q->aht;
		if (!(ratio >= 1 / ERLANG_MAX_PATIENCE_RATIO) || ratio > ERLANG_MAX_PATIENCE_RATIO)
			return EINVAL;
	}
	return 0;
}

/*
 * Erlang B through R(n) = (1 - B(n)) / B(n), the idle-states' mass relative to
 * the all-busy state: R(0) = 0, R(n) = (n/A)(1 + R(n-1)), which is the
 * textbook recursion 1/B(n) = 1 + (n/A)/B(n-1) written for 1/B - 1. Every
 * step adds and multiplies positive numbers (no cancellation; the relative
 * error grows at most linearly with n), the step's division does not sit on
 * the dependency chain, and R keeps full precision where B is close to 1
 * (few trunks, much load), where 1 - B would not. Past about 1e308 R
 * overflows to infinity, which correctly means B = 0 to double precision.
 */
static inline double r_next(double load, double r, uint32_t n)
{
	return ((double)n / load) * (1 + r);
}

static double r_from(double load, uint32_t from, double r, uint32_t to)
{
	for (uint32_t k = from + 1; k <= to && r < INFINITY; k++)
		r = r_next(load, r, k);
	return r;
}

int erlang_b(double load, uint32_t trunks, double *blocking)
{
	if (check_load(load) || !blocking)
		return EINVAL;
	*blocking = 1 / (1 + r_from(load, 0, 0, trunks));
	return 0;
}

int erlang_b_trunks(double load, double target, uint32_t *trunks, double *blocking)
{
	if (check_load(load) || !(target > 0 && target < 1) || !trunks)
		return EINVAL;
	double r = 0, b = 1;
	uint32_t n = 0;
	while (b > target) {
		if (n == UINT32_MAX)
			return ERANGE; /* cannot happen: B < target long before for loads <=
					  ERLANG_MAX_LOAD */
		n++;
		r = r_next(load, r, n);
		b = 1 / (1 + r);
	}
	*trunks = n;
	if (blocking)
		*blocking = b;
	return 0;
}

/* Erlang C figures from R(N): C = N B / (N - A (1 - B)) = N / (N + R (N - A)). Needs N > A. */
static void c_metrics(const struct erlang_queue *q, uint32_t agents, double r,
		      struct erlang_metrics *m)
{
	double a = q->load, n = (double)agents, gap = n - a;
	double c = n / (n + r * gap);
	double late = c * exp(-gap * q->threshold / q->aht); /* P(wait > T) */
	m->agents = agents;
	m->p_wait = c;
	m->sl_offered = 1 - late;
	m->sl_answered = m->sl_offered;
	m->asa = c * q->aht / gap;
	m->mean_wait = m->asa;
	m->occupancy = a / n;
	m->queue_length = c * a / gap;
	m->p_abandon = 0;
}

int erlang_c(const struct erlang_queue *q, uint32_t agents, struct erlang_metrics *m)
{
	if (check_queue(q, false) || !m)
		return EINVAL;
	if (!((double)agents > q->load))
		return EDOM;
	c_metrics(q, agents, r_from(q->load, 0, 0, agents), m);
	return 0;
}

/* psi(b) - psi(a) for b > a > 0 (digamma), with no cancellation when both are large. */
static double digamma_diff(double a, double b)
{
	double r = 0;
	while (a < 10) { /* psi(a) = psi(a + 1) - 1/a */
		r += 1 / a;
		a += 1;
	}
	while (b < 10) {
		r -= 1 / b;
		b += 1;
	}
	/* psi(v) = ln v - 1/(2v) - 1/(12v^2) + 1/(120v^4) - 1/(252v^6) + 1/(240v^8) - 1/(132v^10)
	 */
	double fa = 1 / (a * a), fb = 1 / (b * b);
	double sa =
	    fa * (1.0 / 12 - fa * (1.0 / 120 - fa * (1.0 / 252 - fa * (1.0 / 240 - fa / 132))));
	double sb =
	    fb * (1.0 / 12 - fb * (1.0 / 120 - fb * (1.0 / 252 - fb * (1.0 / 240 - fb / 132))));
	return r + log1p((b - a) / a) - 0.5 / b + 0.5 / a - sb + sa;
}

/* Stirling's series of ln Gamma(v) without its (v - 1/2) ln v - v + ln(2 pi)/2 part; v >= 15. */
static double stirling_tail(double v)
{
	double f = 1 / (v * v);
	return (1.0 / 12 - f * (1.0 / 360 - f * (1.0 / 1260 - f * (1.0 / 1680 - f / 1188)))) / v;
}

/*
 * log of z^k / ((x+1)(x+2)...(x+k)), k large, as k ln z - [ln Gamma(x+1+k) - ln Gamma(x+1)]
 * regrouped around ln(v/z) so that no term is much larger than the result:
 * its error is a few ulps of max(k, x |ln((x+1)/z)|), not of ln Gamma(z) (which
 * at 10^6 Erlangs would cost eight digits).
 */
static double log_peak(double x, double z, uint64_t k)
{
	double a = x + 1, b = x + 1 + (double)k, r = 0;
	while (a < 15) { /* Gamma(a) = Gamma(a + 1) / a */
		r -= log(a / z);
		a += 1;
	}
	return r - (b - 0.5) * log(b / z) + (a - 0.5) * log(a / z) + (b - a) - stirling_tail(b) +
	       stirling_tail(a);
}

/*
 * The Erlang A queue series. Relative to pi(N), the state with N + k callers
 * has weight t_k = z^k / ((x+1)(x+2)...(x+k)) with x = N mu / theta and
 * z = lambda / theta; their sum J is the incomplete-gamma function
 * x e^z z^-x gamma(x, z). Sums run outward from the largest term (which is 1
 * here; its logarithm is lpeak), so nothing overflows at any load.
 */
struct aseries {
	double lpeak; /* log of the largest term t_peak */
	double s0;    /* sum of t_k / t_peak over k >= kmin */
	/* only with `full` (kmin 0): the same sum weighted by */
	double sab;  /* (k+1)/(x+k+1): the share of the waiting mass that abandons */
	double sans; /* x/(x+k+1): the share answered */
	double sm;   /* x/(x+k+1) h_k, h_k = sum_{j=1..k+1} 1/(x+j): theta x wait of the answered */
};

/* fmin() without its NaN rules, so that it compiles to two instructions instead of calls */
static inline double min3(double a, double b, double c)
{
	double m = a < b ? a : b;
	return m < c ? m : c;
}

static void a_series(double x, double z, uint64_t kmin, bool full, struct aseries *s)
{
	/* t_k / t_(k-1) = z / (x + k) >= 1 exactly while k <= z - x */
	uint64_t kp = z - x >= 1 ? (uint64_t)(z - x) : 0;
	if (kp < kmin)
		kp = kmin;

	/* log t_kp, and h_(kp-1) = sum_{j=1..kp} 1/(x+j) */
	double lpeak = 0, h0 = 0;
	if (kp <= PEAK_DIRECT) {
		double prod = 1;
		for (uint64_t j = 1; j <= kp; j++) {
			double d = x + (double)j;
			prod *= z / d;
			if (prod > 1e280) {
				lpeak += log(prod);
				prod = 1;
			}
			if (full)
				h0 += 1 / d;
		}
		lpeak += log(prod);
	} else {
		lpeak = log_peak(x, z, kp);
		if (full)
			h0 = digamma_diff(x + 1, x + 1 + (double)kp);
	}

	double s0 = 0, sab = 0, sans = 0, sm = 0;
	/* upward from the peak: the ratios z/(x+k+1) fall below 1 and keep falling */
	double t = 1, h = h0;
	for (uint64_t k = kp;; k++) {
		double inv = 1 / (x + (double)k + 1);
		double r = z * inv; /* t_(k+1) / t_k < 1 */
		s0 += t;
		double least = s0;
		if (full) {
			h += inv;
			double ta = t * x * inv;
			sab += t * (double)(k + 1) * inv;
			sans += ta;
			sm += ta * h;
			least = min3(sab, sans, sm);
		}
		t *= r;
		/* the rest is at most t / (1 - r), and every weight is <= 1 */
		if (t <= SERIES_EPS * (1 - r) * least)
			break;
	}
	/* downward from the peak: the ratios (x+k)/z fall as k falls */
	if (kp > kmin) {
		double iz = 1 / z;
		t = 1;
		h = h0;
		for (uint64_t k = kp; k > kmin;) {
			t *= (x + (double)k) * iz;
			k--;
			double inv = 1 / (x + (double)k + 1);
			s0 += t;
			double least = s0;
			if (full) {
				double ta = t * x * inv;
				sab += t * (double)(k + 1) * inv;
				sans += ta;
				sm += ta * h;
				h -= inv;
				least = min3(sab, sans, sm);
			}
			double r = (x + (double)k) * iz;
			if (r < 1 && t * r <= SERIES_EPS * (1 - r) * least)
				break;
		}
	}
	s->lpeak = lpeak;
	s->s0 = s0;
	s->sab = sab;
	s->sans = sans;
	s->sm = sm;
}

/*
 * Erlang A figures from R(N) (Mandelbaum and Zeltyn's formulas; derivation in
 * docs/wfm.md). R = (1 - B)/B is the no-wait mass relative to pi(N), J = J(y):
 *   P(wait) = J / (R + J), P(abandon) = P(wait) * sab/s0,
 *   answered within T = (x/y)[(J - 1) - c^x e^(y(1-c)) (J(y c) - 1)], c = e^(-theta T),
 * each taken as a ratio of logarithms so that neither R nor J overflows.
 */
static void a_metrics(const struct erlang_queue *q, uint32_t agents, double r,
		      struct erlang_metrics *m)
{
	double ratio = q->patience / q->aht; /* mu / theta */
	double x = (double)agents * ratio, y = q->load * ratio;
	struct aseries s, g;
	a_series(x, y, 0, true, &s);
	double lj = s.lpeak + log(s.s0);
	double lr = log(r); /* r > 0 as agents >= 1 */
	double d = lr - lj;
	double w = 1 / (1 + exp(d));	/* P(wait) */
	double pnw = 1 / (1 + exp(-d)); /* P(no wait), not 1 - w: keeps its precision */
	double fans = s.sans / s.s0, fab = s.sab / s.s0;

	/* share of the waiting mass answered within T */
	double ct = q->threshold / q->patience; /* theta T */
	double z = y * exp(-ct);
	double late = 0; /* share answered, but after T */
	if (z > 0) {
		a_series(x, z, 1, false, &g);
		double lk = -x * ct - y * expm1(-ct) + g.lpeak + log(g.s0) - lj;
		late = exp(lk) * (x / y);
	}
	double ontime = fans - late;
	if (ontime < 0)
		ontime = 0;
	if (ontime > fans)
		ontime = fans;

	double pab = w * fab, pans = pnw + w * fans;
	m->agents = agents;
	m->p_wait = w;
	m->p_abandon = pab;
	m->sl_offered = pnw + w * ontime;
	m->sl_answered = m->sl_offered / pans;
	m->asa = w * (s.sm / s.s0) * q->patience / pans;
	m->mean_wait = pab * q->patience; /* Little: abandon rate theta Lq = lambda P(ab) */
	m->queue_length = y * pab;
	m->occupancy = q->load * pans / (double)agents;
}

int erlang_a(const struct erlang_queue *q, uint32_t agents, struct erlang_metrics *m)
{
	if (check_queue(q, true) || !m || agents == 0)
		return EINVAL;
	a_metrics(q, agents, r_from(q->load, 0, 0, agents), m);
	return 0;
}

static bool goal_met(const struct erlang_goal *g, const struct erlang_metrics *m)
{
	double sl = g->variant == ERLANG_SL_OFFERED ? m->sl_offered : m->sl_answered;
	return sl >= g->service_level && m->occupancy <= g->max_occupancy * (1 + 1e-12);
}

/* Erlang C: a walk upward (each step costs one recursion step and one exp). */
static int required_c(const struct erlang_queue *q, const struct erlang_goal *g, uint32_t last,
		      struct erlang_metrics *m)
{
	double a = q->load;
	/* stable only above the load; occupancy A/N <= max needs N >= A/max */
	uint32_t n0 = (uint32_t)fmax(floor(a) + 1, floor(a / g->max_occupancy));
	double r = r_from(a, 0, 0, n0);
	for (uint32_t n = n0; n <= last; n++) {
		if (n > n0)
			r = r_next(a, r, n);
		c_metrics(q, n, r, m);
		if (goal_met(g, m))
			return 0;
	}
	return ERANGE;
}

/*
 * Erlang A: each evaluation costs two series of O(sqrt(load x patience/AHT))
 * terms, so the search probes few numbers. It starts at Erlang C's answer
 * (cheap, and usually within a few agents), gallops down or up by doubling
 * steps until the goal flips, then bisects; the goal is monotone in N
 * (service level rises and occupancy falls with agents). R(N) is carried
 * forward from the largest number known to fail, never recomputed from 0.
 */
static int required_a(const struct erlang_queue *q, const struct erlang_goal *g, uint32_t last,
		      struct erlang_metrics *m)
{
	double a = q->load;
	/* answered within T <= answered <= N mu / lambda = N/A of the arrivals */
	uint32_t lo = 0;
	if (g->variant == ERLANG_SL_OFFERED)
		lo = (uint32_t)fmax(0, ceil(g->service_level * a) - 1);
	double rlo = r_from(a, 0, 0, lo); /* every N <= lo fails */
	uint32_t guess = lo + 1;
	struct erlang_metrics cm;
	if (required_c(q, g, last, &cm) == 0 && cm.agents > guess)
		guess = cm.agents;

	struct erlang_metrics cur;
	uint32_t hi = 0; /* least number known to meet the goal; 0 = none yet */
	double rg = r_from(a, lo, rlo, guess);
	a_metrics(q, guess, rg, &cur);
	if (goal_met(g, &cur)) {
		hi = guess;
		*m = cur;
		for (uint32_t step = 1; hi - lo > 1; step *= 2) {
			uint32_t n = hi - lo > step ? hi - step : lo + 1;
			double rn = r_from(a, lo, rlo, n);
			a_metrics(q, n, rn, &cur);
			if (!goal_met(g, &cur)) {
				lo = n;
				rlo = rn;
				break;
			}
			hi = n;
			*m = cur;
		}
	} else {
		lo = guess;
		rlo = rg;
		for (uint32_t step = 1; !hi; step *= 2) {
			if (lo >= last)
				return ERANGE;
			uint32_t n = last - lo > step ? lo + step : last;
			double rn = r_from(a, lo, rlo, n);
			a_metrics(q, n, rn, &cur);
			if (goal_met(g, &cur)) {
				hi = n;
				*m = cur;
			} else {
				lo = n;
				rlo = rn;
			}
		}
	}
	while (hi - lo > 1) {
		uint32_t n = lo + (hi - lo) / 2;
		double rn = r_from(a, lo, rlo, n);
		a_metrics(q, n, rn, &cur);
		if (goal_met(g, &cur)) {
			hi = n;
			*m = cur;
		} else {
			lo = n;
			rlo = rn;
		}
	}
	return 0;
}

int erlang_required(enum erlang_model model, const struct erlang_queue *q,
		    const struct erlang_goal *g, struct erlang_metrics *m)
{
	if (!m || !g || (model != ERLANG_MODEL_C && model != ERLANG_MODEL_A))
		return EINVAL;
	if (check_queue(q, model == ERLANG_MODEL_A))
		return EINVAL;
	if (!(g->service_level > 0 && g->service_level < 1) ||
	    !(g->max_occupancy > 0 && g->max_occupancy <= 1) ||
	    (g->variant != ERLANG_SL_OFFERED && g->variant != ERLANG_SL_ANSWERED))
		return EINVAL;
	/* far beyond any answer: there P(wait) is below 1e-300 */
	double last = ceil(q->load / g->max_occupancy + 50 * sqrt(q->load) + 100);
	if (last > (double)UINT32_MAX - 1)
		return ERANGE;
	if (model == ERLANG_MODEL_C)
		return required_c(q, g, (uint32_t)last, m);
	return required_a(q, g, (uint32_t)last, m);
}

int erlang_with_shrinkage(uint32_t agents, double shrinkage, uint32_t *scheduled)
{
	if (!(shrinkage >= 0 && shrinkage < 1) || !scheduled)
		return EINVAL;
	double avail = 1 - shrinkage;
	double s = ceil((double)agents / avail);
	if (s > 0 && (s - 1) * avail >= (double)agents * (1 - 1e-12))
		s -= 1;
	if (s > (double)UINT32_MAX)
		return ERANGE;
	*scheduled = (uint32_t)s;
	return 0;
}
