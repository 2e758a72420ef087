/* pacer: the pacing model and its measurements (see pacer.h). */
#include "core/dialer/pacer.h"

#include <math.h>
#include <string.h>

#define HEAD_NONE	   INT64_MIN
#define NO_HANDLE_GUESS_MS 180000.0 /* handle time assumed before any is measured */
#define NO_ANSWER_GUESS_MS 10000.0  /* dial-to-answer time assumed before any is measured */

void pacer_params_default(struct pacer_params *p)
{
	p->limit = 0.03;
	p->margin = 0.8;
	p->min_live = 50;
	p->min_attempts = 100;
	p->max_lines = 5.0;
	p->safe_harbour_ms = 2000;
}

void pacer_stats_init(struct pacer_stats *s, int64_t window_ms)
{
	memset(s, 0, sizeof(*s));
	if (window_ms < 60000)
		window_ms = 60000;
	int64_t per = PACER_MAX_BUCKETS - 1;
	s->win.window_ms = window_ms;
	s->win.bucket_ms = (window_ms + per - 1) / per;
	s->win.n = (uint32_t)((window_ms + s->win.bucket_ms - 1) / s->win.bucket_ms);
	s->win.head = HEAD_NONE;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static uint32_t slot(const struct pacer_window *w, int64_t idx)
{
	int64_t m = idx % (int64_t)w->n;
	return (uint32_t)(m < 0 ? m + w->n : m);
}

void pacer_window_roll(struct pacer_window *w, int64_t now)
{
	int64_t idx = floor_div(now, w->bucket_ms);
	if (w->head == HEAD_NONE) {
		w->head = idx;
		return;
	}
	if (idx <= w->head)
		return;
	int64_t steps = idx - w->head;
	if (steps > (int64_t)w->n)
		steps = w->n;
	for (int64_t k = 1; k <= steps; k++) {
		uint32_t sl = slot(w, idx - steps + k);
		w->sum_live -= w->live[sl];
		w->sum_aband -= w->aband[sl];
		w->live[sl] = 0;
		w->aband[sl] = 0;
	}
	w->head = idx;
}

void pacer_note_live(struct pacer_stats *s, int64_t now, bool abandoned)
{
	struct pacer_window *w = &s->win;
	pacer_window_roll(w, now); /* a stamp older than the newest bucket is booked in it */
	uint32_t sl = slot(w, w->head);
	w->live[sl]++;
	w->sum_live++;
	if (abandoned) {
		w->aband[sl]++;
		w->sum_aband++;
	}
}

void pacer_note_abandon(struct pacer_stats *s, int64_t now)
{
	struct pacer_window *w = &s->win;
	pacer_window_roll(w, now);
	uint32_t sl = slot(w, w->head);
	w->aband[sl]++;
	w->sum_aband++;
}

double pacer_rate(struct pacer_stats *s, int64_t now, uint64_t *live, uint64_t *aband)
{
	pacer_window_roll(&s->win, now);
	if (live)
		*live = s->win.sum_live;
	if (aband)
		*aband = s->win.sum_aband;
	return s->win.sum_live ? (double)s->win.sum_aband / (double)s->win.sum_live : 0.0;
}

void pacer_note_attempt(struct pacer_stats *s, bool answered, int64_t ans_ms)
{
	uint32_t i = s->pos_att;
	if (s->n_att == PACER_KEEP) {
		if (s->ans[i]) {
			s->n_ans--;
			s->ans_ms_sum -= s->ans_ms[i];
		}
	} else {
		s->n_att++;
	}
	if (ans_ms < 0)
		ans_ms = 0;
	if (ans_ms > INT32_MAX)
		ans_ms = INT32_MAX;
	s->ans[i] = answered;
	s->ans_ms[i] = answered ? (int32_t)ans_ms : 0;
	if (answered) {
		s->n_ans++;
		s->ans_ms_sum += (double)ans_ms;
	}
	s->pos_att = (i + 1) % PACER_KEEP;
}

static uint32_t bin_of(int64_t ms)
{
	int64_t b = ms / PACER_HIST_BIN_MS;
	return b >= PACER_HIST_BINS ? PACER_HIST_BINS - 1 : (uint32_t)(b < 0 ? 0 : b);
}

void pacer_note_handle(struct pacer_stats *s, int64_t handle_ms)
{
	if (handle_ms < 0)
		handle_ms = 0;
	if (handle_ms > INT32_MAX)
		handle_ms = INT32_MAX;
	uint32_t i = s->pos_handle;
	if (s->n_handle == PACER_KEEP) {
		s->hist[bin_of(s->handle[i])]--;
		s->handle_sum -= s->handle[i];
	} else {
		s->n_handle++;
	}
	s->handle[i] = (int32_t)handle_ms;
	s->hist[bin_of(handle_ms)]++;
	s->handle_sum += (double)handle_ms;
	s->pos_handle = (i + 1) % PACER_KEEP;
	s->cum_dirty = true;
}

/* The measured handle-time distribution function at x, linear within a bin. */
static double cdf(struct pacer_stats *s, double x)
{
	if (s->cum_dirty) {
		s->cum[0] = 0;
		for (uint32_t k = 0; k < PACER_HIST_BINS; k++)
			s->cum[k + 1] = s->cum[k] + s->hist[k];
		s->cum_dirty = false;
	}
	if (x <= 0)
		return 0;
	double b = x / PACER_HIST_BIN_MS;
	if (b >= PACER_HIST_BINS)
		return 1;
	uint32_t k = (uint32_t)b;
	double in = (double)s->cum[k] + (double)s->hist[k] * (b - k);
	return in / (double)s->n_handle;
}

double pacer_p_finish(struct pacer_stats *s, int64_t e_ms, int64_t t_ms)
{
	if (t_ms <= 0)
		return 0;
	double mean = s->n_handle ? s->handle_sum / s->n_handle : NO_HANDLE_GUESS_MS;
	if (mean < 1)
		mean = 1;
	if (s->n_handle == 0)
		return 1 - exp(-(double)t_ms / mean);
	double f0 = cdf(s, (double)e_ms), f1 = cdf(s, (double)e_ms + (double)t_ms);
	double surv = 1 - f0;
	if (surv < 1e-9) /* longer than anything measured: assume memoryless */
		return 1 - exp(-(double)t_ms / mean);
	double q = (f1 - f0) / surv;
	return q < 0 ? 0 : q > 1 ? 1 : q;
}

const char *pacer_why_text(enum pacer_why w)
{
	switch (w) {
	case PACER_WHY_PREDICTIVE:
		return "predictive";
	case PACER_WHY_SMALL_SAMPLE:
		return "progressive: sample too small";
	case PACER_WHY_THROTTLED:
		return "progressive: abandonment at the target";
	case PACER_WHY_PROGRESSIVE:
		return "progressive";
	}
	return "?";
}

#define MAX_Y PACER_MAX_LINES
#define EPS   1e-13

/*
 * Distribution of Y = sum of Bernoulli(q_i) over [lo, hi] (mass outside
 * below EPS is dropped), by convolution one agent at a time.
 */
static void ydist_build(struct pacer_scratch *y, struct pacer_stats *s,
			const struct pacer_input *in, int64_t horizon)
{
	y->lo = y->hi = 0;
	y->p[0] = 1;
	double q_new = -1;
	for (uint32_t i = 0; i < in->busy_agents; i++) {
		double q;
		if (in->busy_elapsed_ms) {
			q = pacer_p_finish(s, in->busy_elapsed_ms[i], horizon);
		} else {
			if (q_new < 0)
				q_new = pacer_p_finish(s, 0, horizon);
			q = q_new;
		}
		if (q <= 0)
			continue;
		if (y->hi + 1 >= MAX_Y)
			break; /* beyond any campaign's size: the rest count as not freeing */
		y->p[y->hi + 1] = 0;
		for (uint32_t k = y->hi + 1; k > y->lo; k--)
			y->p[k] = y->p[k] * (1 - q) + y->p[k - 1] * q;
		y->p[y->lo] *= 1 - q;
		y->hi++;
		while (y->lo < y->hi && y->p[y->lo] < EPS)
			y->lo++;
		while (y->hi > y->lo && y->p[y->hi] < EPS)
			y->hi--;
	}
}

/* Expected abandons sum_x P(X = x) g(x), X ~ Binomial(n, p), g given for x <= gmax (linear after).
 */
static double exp_over(uint32_t n, double p, const double *g, const double *gslope, uint32_t gmax)
{
	if (n == 0)
		return g[0];
	if (p <= 0)
		return g[0];
	double acc = 0;
	if (p >= 1) {
		uint32_t x = n;
		return x <= gmax ? g[x] : g[gmax] + gslope[0] * (double)(x - gmax);
	}
	/* start at the mode, in logs, and walk both ways while the terms matter */
	uint32_t m = (uint32_t)floor((n + 1) * p);
	if (m > n)
		m = n;
	double lp = log(p), lq = log1p(-p);
	double lm = lgamma(n + 1.0) - lgamma(m + 1.0) - lgamma(n - m + 1.0) + m * lp + (n - m) * lq;
	double pm = exp(lm), t = pm;
	double ratio = p / (1 - p);
	for (uint32_t x = m;; x++) {
		double gx = x <= gmax ? g[x] : g[gmax] + gslope[0] * (double)(x - gmax);
		acc += t * gx;
		if (x == n || (t < EPS && x > m))
			break;
		t *= (double)(n - x) / (double)(x + 1) * ratio;
	}
	t = pm;
	for (uint32_t x = m; x > 0;) {
		t *= (double)x / (double)(n - x + 1) / ratio;
		x--;
		if (t < EPS)
			break;
		double gx = x <= gmax ? g[x] : g[gmax] + gslope[0] * (double)(x - gmax);
		acc += t * gx;
	}
	return acc;
}

void pacer_decide(const struct pacer_params *pp, struct pacer_stats *s, bool predictive,
		  const struct pacer_input *in, int64_t now, struct pacer_scratch *y,
		  struct pacer_output *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t live = 0;
	out->rate = pacer_rate(s, now, &live, NULL);
	uint32_t used = in->waiting + in->ringing;
	uint32_t prog = in->free_agents > used ? in->free_agents - used : 0;
	out->dial = prog;
	out->mode = PACER_PROGRESSIVE;
	out->p = s->n_att ? (double)s->n_ans / s->n_att : 0;
	if (!predictive) {
		out->why = PACER_WHY_PROGRESSIVE;
		return;
	}
	if (live < pp->min_live || s->n_att < pp->min_attempts || s->n_ans == 0) {
		out->why = PACER_WHY_SMALL_SAMPLE;
		return;
	}
	double target = pp->limit * pp->margin;
	double tau = target * (target - out->rate) / (0.5 * target);
	if (tau > target)
		tau = target;
	if (tau <= 0) {
		out->why = PACER_WHY_THROTTLED;
		return;
	}
	out->tau = tau;
	double p = out->p;
	int64_t horizon = (int64_t)(s->ans_ms_sum / s->n_ans) + pp->safe_harbour_ms;

	ydist_build(y, s, in, horizon);
	/* C = F + Y - W; g(x) = E[max(0, x - C)] for x = 0..gmax */
	uint32_t agents = in->free_agents + in->busy_agents;
	double cap_lines = pp->max_lines * agents;
	uint32_t max_total = cap_lines > PACER_MAX_LINES ? PACER_MAX_LINES : (uint32_t)cap_lines;
	if (max_total < in->ringing + prog)
		max_total = in->ringing + prog;
	uint32_t gmax = max_total + 1;
	if (gmax > PACER_MAX_LINES)
		gmax = PACER_MAX_LINES;
	double *g = y->g;
	/* g(0) = E[max(0, W - F - Y)] */
	double g0 = 0, mass = 0;
	for (uint32_t k = y->lo; k <= y->hi; k++) {
		mass += y->p[k];
		double short_by = (double)in->waiting - in->free_agents - k;
		if (short_by > 0)
			g0 += y->p[k] * short_by;
	}
	/* g(x+1) = g(x) + P(C <= x) = g(x) + P(Y <= x + W - F) */
	g[0] = g0;
	double cdf_y = 0;
	uint32_t k = y->lo;
	for (uint32_t x = 0; x < gmax; x++) {
		int64_t lim = (int64_t)x + in->waiting - in->free_agents;
		while (k <= y->hi && (int64_t)k <= lim)
			cdf_y += y->p[k++];
		g[x + 1] = g[x] + cdf_y / (mass > 0 ? mass : 1);
	}
	double slope = 1.0;
	uint32_t best = prog;
	double best_ab = 0, best_live = in->waiting + (in->ringing + prog) * p;
	best_ab = exp_over(in->ringing + prog, p, g, &slope, gmax);
	for (uint32_t n = prog + 1; in->ringing + n <= max_total; n++) {
		double ab = exp_over(in->ringing + n, p, g, &slope, gmax);
		double lv = in->waiting + (in->ringing + n) * p;
		if (ab > tau * lv)
			break;
		best = n;
		best_ab = ab;
		best_live = lv;
	}
	out->dial = best;
	out->exp_abandon = best_ab;
	out->exp_live = best_live;
	out->mode = best > prog ? PACER_PREDICTIVE : PACER_PROGRESSIVE;
	out->why = PACER_WHY_PREDICTIVE;
}
