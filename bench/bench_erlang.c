/*
 * bench_erlang: Erlang A and Erlang C staffing of a 96-interval day (15-minute
 * intervals, a double peak of 20 to 400 calls, AHT 240 s, 80% within 20 s,
 * patience 300 s) by src/core/wfm, against a straightforward Python 3
 * implementation of the same staffing (bench/ref/erlang_ref.py, SciPy's
 * incomplete gamma) timed in the same run on the same day. Also the time of a
 * single Erlang A evaluation. Both sides' agents are compared interval by
 * interval; the benchmark fails when they differ.
 *
 * Usage: bench_erlang [PYTHON REFERENCE_SCRIPT]   (without them: no reference)
 */
#include "base/clock.h"
#include "base/mem.h"
#include "core/wfm/erlang.h"
#include "core/wfm/profile.h"
#include "core/wfm/staffing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY	  96
#define INTERVAL  900.0
#define AHT	  240.0
#define THRESHOLD 20.0
#define TARGET	  0.8
#define PATIENCE  300.0

/* Calls per 15 minutes: 20 at night, peaks of 400 at 10:30 and 340 at 15:30. */
static double day_calls(int i)
{
	double h = i / 4.0;
	double am = exp(-0.5 * pow((h - 10.5) / 1.6, 2)),
	       pm = 0.85 * exp(-0.5 * pow((h - 15.5) / 1.8, 2));
	return round(20 + 380 * (am > pm ? am : pm));
}

static void build_profile(struct wfm_profile *p)
{
	char csv[DAY * 40 + 64];
	size_t n = (size_t)snprintf(csv, sizeof(csv), "interval_start,calls\n");
	for (int i = 0; i < DAY; i++)
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, "2026-06-10T%02d:%02d:00Z,%.0f\n",
				      i / 4, i % 4 * 15, day_calls(i));
	char err[256];
	if (wfm_profile_parse(p, csv, n, err, sizeof(err)) ||
	    wfm_profile_place(p, 0, NULL, NULL, err, sizeof(err))) {
		fprintf(stderr, "bench_erlang: %s\n", err);
		exit(1);
	}
}

/* Seconds per call of fn, the best of 5 batches of at least 0.2 s each. */
static double time_best(void (*fn)(void *), void *arg)
{
	fn(arg);
	double best = INFINITY;
	for (int b = 0; b < 5; b++) {
		long runs = 0;
		int64_t t0 = clock_mono_ns(), el;
		do {
			fn(arg);
			runs++;
			el = clock_mono_ns() - t0;
		} while (el < 200000000);
		double per = (double)el / 1e9 / (double)runs;
		if (per < best)
			best = per;
	}
	return best;
}

struct day_job {
	const struct wfm_profile *p;
	struct wfm_staff_params sp;
	struct wfm_staff_interval out[DAY];
	struct wfm_staff_summary sum;
};

static void staff_day(void *arg)
{
	struct day_job *j = arg;
	if (wfm_staff(j->p, &j->sp, j->out, &j->sum, NULL)) {
		fprintf(stderr, "bench_erlang: staffing failed\n");
		exit(1);
	}
}

static volatile double sink;

static void eval_once(void *arg)
{
	(void)arg;
	struct erlang_queue q = {
	    .load = 106.7, .aht = AHT, .threshold = THRESHOLD, .patience = PATIENCE};
	struct erlang_metrics m;
	erlang_a(&q, 115, &m);
	sink += m.sl_offered;
}

struct ref {
	bool ok;
	double a_day, c_day, a_eval;
	uint32_t a_agents[DAY], c_agents[DAY];
};

static bool read_agents(const char *s, uint32_t *out)
{
	for (int i = 0; i < DAY; i++) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v < 0)
			return false;
		out[i] = (uint32_t)v;
		s = end;
	}
	return true;
}

static void run_reference(const char *python, const char *script, struct ref *r)
{
	char cmd[4096];
	size_t n = (size_t)snprintf(cmd, sizeof(cmd), "'%s' '%s' %g %g %g %g %g", python, script,
				    INTERVAL, AHT, THRESHOLD, TARGET, PATIENCE);
	for (int i = 0; i < DAY; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %.0f", day_calls(i));
	FILE *f = popen(cmd, "r");
	if (!f)
		return;
	char line[2048];
	int got = 0;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp++ = 0;
		if (strcmp(line, "a_seconds_per_day") == 0)
			got += sscanf(sp, "%lf", &r->a_day) == 1;
		else if (strcmp(line, "c_seconds_per_day") == 0)
			got += sscanf(sp, "%lf", &r->c_day) == 1;
		else if (strcmp(line, "a_eval_seconds") == 0)
			got += sscanf(sp, "%lf", &r->a_eval) == 1;
		else if (strcmp(line, "a_agents") == 0)
			got += read_agents(sp, r->a_agents);
		else if (strcmp(line, "c_agents") == 0)
			got += read_agents(sp, r->c_agents);
	}
	r->ok = pclose(f) == 0 && got == 5;
}

static void emit(const char *name, double value, const char *unit, const struct ref *r,
		 double ref_value)
{
	printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", ", name, value, unit);
	if (r->ok)
		printf("\"reference\": %.6g, \"ratio\": %.4g}\n", ref_value, ref_value / value);
	else
		printf("\"reference\": null, \"ratio\": null}\n");
}

static int compare(const char *model, const struct day_job *j, const uint32_t *ref)
{
	int differ = 0;
	for (int i = 0; i < DAY; i++)
		if (j->out[i].agents != ref[i]) {
			fprintf(stderr, "  %s interval %d (%.0f calls): ours %u, reference %u\n",
				model, i, j->out[i].calls, j->out[i].agents, ref[i]);
			differ++;
		}
	return differ;
}

int main(int argc, char **argv)
{
	struct wfm_profile p;
	build_profile(&p);
	static struct day_job a, c;
	struct wfm_staff_params sp = {.model = ERLANG_MODEL_A,
				      .aht = AHT,
				      .threshold = THRESHOLD,
				      .patience = PATIENCE,
				      .goal = {TARGET, ERLANG_SL_OFFERED, 1},
				      .shrinkage = 0};
	a.p = c.p = &p;
	a.sp = c.sp = sp;
	c.sp.model = ERLANG_MODEL_C;

	struct ref r;
	memset(&r, 0, sizeof(r));
	if (argc == 3) {
		fprintf(stderr, "reference: %s %s (Python, SciPy) on the same day\n", argv[1],
			argv[2]);
		run_reference(argv[1], argv[2], &r);
		if (!r.ok)
			fprintf(stderr, "reference failed: figures without reference\n");
	}
	double ta = time_best(staff_day, &a);
	double tc = time_best(staff_day, &c);
	double te = time_best(eval_once, NULL);
	fprintf(stderr,
		"day: %d intervals, %.0f calls, Erlang A %.0f agent-hours (peak %u), Erlang C %.0f "
		"agent-hours (peak %u)\n",
		DAY, a.sum.calls, a.sum.agent_hours, a.sum.peak_agents, c.sum.agent_hours,
		c.sum.peak_agents);
	int differ = 0;
	if (r.ok) {
		differ += compare("Erlang A", &a, r.a_agents);
		differ += compare("Erlang C", &c, r.c_agents);
		fprintf(stderr, "agents per interval: %s the reference\n",
			differ ? "DIFFER from" : "identical to");
	}
	emit("erlang_a_staffing_96_intervals", ta * 1e3, "ms/day", &r, r.a_day * 1e3);
	emit("erlang_c_staffing_96_intervals", tc * 1e3, "ms/day", &r, r.c_day * 1e3);
	emit("erlang_a_single_evaluation", te * 1e6, "us", &r, r.a_eval * 1e6);
	wfm_profile_release(&p);
	return differ ? 1 : 0;
}
