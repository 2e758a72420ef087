/* simulate: `switchboard simulate SCENARIO.json`: runs the what-if simulator and prints its figures
 * as JSON. */
#include "cli/cli.h"
#include "cli/scenario.h"

#include "base/clock.h"
#include "core/sim/sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: switchboard simulate SCENARIO.json [--replications R] [--seed S] "
	    "[--no-timing]\n"
	    "\n"
	    "Simulates the scenario (arrivals, agents, patience) with the routing done by the\n"
	    "real ACD, and prints one JSON object on stdout: offered, answered, abandoned,\n"
	    "service-level variants, ASA, AHT, occupancy and the accuracy of the announced\n"
	    "expected wait, per queue, per interval and for the whole run, each as a mean\n"
	    "with a 95%% confidence interval across replications.\n"
	    "\n"
	    "options:\n"
	    "  --replications R  number of replications (default: the scenario's, else 10)\n"
	    "  --seed S          seed of every random stream (default: the scenario's, else 1);\n"
	    "                    the same seed gives the same figures\n"
	    "  --no-timing       print events_per_second as null, so runs compare byte for byte\n"
	    "\n"
	    "scenario (JSON, times in seconds; every field in docs/simulate.md):\n"
	    "  {\"name\": \"mm14\", \"interval_s\": 1800, \"intervals\": 48, \"warmup_intervals\": "
	    "1,\n"
	    "   \"drain_s\": 3600, \"ring_delay_s\": 0, \"replications\": 10, \"seed\": 1,\n"
	    "   \"queues\": [{\"name\": \"en\", \"strategy\": \"longest-idle\", \"skills\": "
	    "{\"en\": 1},\n"
	    "               \"sl_threshold_s\": 20, \"wrapup_s\": 0,\n"
	    "               \"arrivals\": 100,  (calls per interval: a number or one per "
	    "interval)\n"
	    "               \"handle_time\": {\"dist\": \"exponential\", \"mean_s\": 180},\n"
	    "               \"patience\": {\"dist\": \"exponential\", \"mean_s\": 300}}],\n"
	    "   \"groups\": [{\"name\": \"agents\", \"skills\": {\"en\": 5},\n"
	    "               \"agents\": 14,  (a number or one per interval; and/or)\n"
	    "               \"shifts\": [{\"start_s\": 0, \"end_s\": 28800, \"agents\": 3}]}]}\n"
	    "  distributions: exponential (mean_s), lognormal (mean_s and sd_s or cv),\n"
	    "  empirical (values_s: [...]), fixed (value_s), none (patience only: never hangs up)\n"
	    "  examples: examples/mm14.json, examples/multiskill.json\n"
	    "\n"
	    "Exit status: 0 success, 1 failure, 2 bad usage or scenario.\n");
}

/* ---------- output ---------- */

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Fixed formatting, so equal figures print equal bytes; NaN (no value) is null. */
static void put_num(FILE *f, double v)
{
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	if (fabs(v) < 5e-7)
		v = 0; /* no "-0.000000" */
	fprintf(f, "%.6f", v);
}

static void put_stat(FILE *f, const char *name, const struct sim_stat *s)
{
	put_str(f, name);
	fputs(": {\"mean\": ", f);
	put_num(f, s->mean);
	fputs(", \"lo\": ", f);
	put_num(f, s->lo);
	fputs(", \"hi\": ", f);
	put_num(f, s->hi);
	fputc('}', f);
}

static void put_metrics(FILE *f, const struct sim_result *r, uint32_t q, uint32_t i)
{
	for (int m = 0; m < SIM_M_COUNT; m++) {
		struct sim_stat s;
		sim_result_stat(r, q, i, (enum sim_metric)m, &s);
		if (m)
			fputs(", ", f);
		put_stat(f, sim_metric_name((enum sim_metric)m), &s);
	}
}

static void put_intervals(FILE *f, const struct sim_scenario *sc, const struct sim_result *r,
			  uint32_t q, const char *indent)
{
	fputs("[\n", f);
	for (uint32_t i = 0; i < sc->n_intervals; i++) {
		fprintf(f, "%s  {\"interval\": %u, \"start_s\": ", indent, i);
		put_num(f, (double)i * (double)sc->interval_ms / 1000.0);
		fprintf(f, ", \"warmup\": %s, ", i < sc->warmup_intervals ? "true" : "false");
		put_metrics(f, r, q, i);
		fprintf(f, "}%s\n", i + 1 < sc->n_intervals ? "," : "");
	}
	fprintf(f, "%s]", indent);
}

static void put_result(FILE *f, const struct sim_scenario *sc, const struct sim_result *r,
		       double eps)
{
	fputs("{\n  \"scenario\": ", f);
	put_str(f, sc->name);
	fprintf(f, ",\n  \"seed\": %llu,\n  \"replications\": %u,\n  \"confidence\": 0.95,\n",
		(unsigned long long)sc->seed, sc->replications);
	fputs("  \"interval_s\": ", f);
	put_num(f, (double)sc->interval_ms / 1000.0);
	fprintf(f, ",\n  \"intervals\": %u,\n  \"warmup_intervals\": %u,\n", sc->n_intervals,
		sc->warmup_intervals);
	fprintf(f, "  \"events\": %llu,\n  \"events_per_second\": ",
		(unsigned long long)sim_result_events(r));
	if (isfinite(eps))
		fprintf(f, "%.0f", eps);
	else
		fputs("null", f);
	fputs(",\n  \"totals\": {", f);
	put_metrics(f, r, SIM_ALL, SIM_TOTAL);
	fputs("},\n  \"by_interval\": ", f);
	put_intervals(f, sc, r, SIM_ALL, "  ");
	fputs(",\n  \"queues\": [\n", f);
	for (uint32_t q = 0; q < sc->n_queues; q++) {
		fputs("    {\"name\": ", f);
		put_str(f, sc->queues[q].name);
		fputs(",\n     \"totals\": {", f);
		put_metrics(f, r, q, SIM_TOTAL);
		fputs("},\n     \"by_interval\": ", f);
		put_intervals(f, sc, r, q, "     ");
		fprintf(f, "}%s\n", q + 1 < sc->n_queues ? "," : "");
	}
	fputs("  ],\n  \"groups\": [\n", f);
	for (uint32_t g = 0; g < sc->n_groups; g++) {
		struct sim_stat s;
		fputs("    {\"name\": ", f);
		put_str(f, sc->groups[g].name);
		fputs(", ", f);
		sim_result_group(r, g, SIM_G_OCCUPANCY, 0, &s);
		put_stat(f, "occupancy", &s);
		fputs(", ", f);
		sim_result_group(r, g, SIM_G_AGENTS, 0, &s);
		put_stat(f, "agents", &s);
		fputs(", ", f);
		sim_result_group(r, g, SIM_G_ANSWERED, SIM_ALL, &s);
		put_stat(f, "answered", &s);
		fputs(",\n     \"answered_by_queue\": {", f);
		for (uint32_t q = 0; q < sc->n_queues; q++) {
			sim_result_group(r, g, SIM_G_ANSWERED, q, &s);
			if (q)
				fputs(", ", f);
			put_stat(f, sc->queues[q].name, &s);
		}
		fprintf(f, "}}%s\n", g + 1 < sc->n_groups ? "," : "");
	}
	fputs("  ]\n}\n", f);
}

/* ---------- the command ---------- */

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return EINVAL;
	*out = v;
	return 0;
}

int cmd_simulate(int argc, char **argv)
{
	const char *file = NULL;
	uint64_t reps = 0, seed = 0;
	bool has_reps = false, has_seed = false, timing = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--replications") == 0) {
			if (i + 1 >= argc || parse_u64(argv[++i], 1000000, &reps) != 0 ||
			    reps == 0) {
				fprintf(stderr, "switchboard simulate: --replications needs a "
						"number from 1 to 1000000\n");
				return 2;
			}
			has_reps = true;
		} else if (strcmp(a, "--seed") == 0) {
			if (i + 1 >= argc || parse_u64(argv[++i], (1ULL << 53) - 1, &seed) != 0) {
				fprintf(stderr, "switchboard simulate: --seed needs an integer "
						"from 0 to 2^53-1\n");
				return 2;
			}
			has_seed = true;
		} else if (strcmp(a, "--no-timing") == 0) {
			timing = false;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "switchboard simulate: unknown option '%s' (see --help)\n",
				a);
			return 2;
		} else if (file) {
			fprintf(stderr, "switchboard simulate: one scenario file at a time\n");
			return 2;
		} else {
			file = a;
		}
	}
	if (!file) {
		fprintf(stderr, "switchboard simulate: which scenario? (see --help)\n");
		return 2;
	}
	struct sim_scenario *sc;
	char why[300];
	int err = scenario_load(file, &sc, why, sizeof(why));
	if (err) {
		fprintf(stderr, "switchboard simulate: %s: %s\n", file, why);
		return err == ENOMEM || err == EIO ? 1 : 2;
	}
	if (has_reps)
		sc->replications = (uint32_t)reps;
	if (has_seed)
		sc->seed = seed;
	struct sim_result *res;
	int64_t t0 = clock_mono_ns();
	err = sim_run(sc, &res, why, sizeof(why));
	int64_t t1 = clock_mono_ns();
	if (err) {
		fprintf(stderr, "switchboard simulate: %s: %s\n", file, why);
		sim_scenario_free(sc);
		return err == EINVAL ? 2 : 1;
	}
	double secs = (double)(t1 - t0) / 1e9;
	double eps = timing && secs > 0 ? (double)sim_result_events(res) / secs : NAN;
	put_result(stdout, sc, res, eps);
	sim_result_free(res);
	sim_scenario_free(sc);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "switchboard simulate: writing the output failed\n");
		return 1;
	}
	return 0;
}
