/* bench_sim: events per second of the simulator (routing by the real ACD) on M/M/14+M, against
 * SimPy on the same model. */
/*
 * The model: 100 calls per 30 minutes, handle time exponential with mean
 * 180 s, patience exponential with mean 300 s, 14 agents, 200,000 calls
 * (2,000 intervals), one replication. Events are arrivals + service
 * completions + abandonments, as the simulator's output counts them.
 * Ours: the median of 5 runs of sim_run() (setup and figures included).
 * Reference, in the same run: the same model in SimPy (Debian's
 * python3-simpy, SimPy 2.3.1: SimPy.Simulation API, one process per
 * caller, the compound-yield reneging idiom), bench/ref/sim_simpy.py.
 *
 * Usage: bench_sim [PYTHON REFERENCE_SCRIPT]   (without them: no reference)
 */
#include "base/clock.h"
#include "core/sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CALLS	   200000
#define PER_IV	   100
#define IV_S	   1800
#define AGENTS	   14
#define AHT_S	   180
#define PATIENCE_S 300
#define T_S	   20
#define RUNS	   5

/* Erlang A exact values for this model */
#define EXACT_SL      0.916792
#define EXACT_ABANDON 0.013984
#define EXACT_PWAIT   0.14526

static struct sim_scenario *model(void)
{
	enum { NI = CALLS / PER_IV };
	static double calls[NI];
	static uint32_t staff[NI];
	struct sim_scenario *sc;
	struct sim_queue *q;
	struct sim_group *g;
	for (int i = 0; i < NI; i++) {
		calls[i] = PER_IV;
		staff[i] = AGENTS;
	}
	if (sim_scenario_alloc(&sc) != 0)
		return NULL;
	sc->interval_ms = IV_S * 1000LL;
	sc->n_intervals = NI;
	sc->replications = 1;
	sc->seed = 1;
	if (sim_scenario_add_queue(sc, "q", &q) != 0 || sim_queue_set_calls(q, calls, NI) != 0 ||
	    sim_dist_exponential(&q->handle, AHT_S * 1000.0) != 0 ||
	    sim_dist_exponential(&q->patience, PATIENCE_S * 1000.0) != 0 ||
	    sim_scenario_add_group(sc, "agents", &g) != 0 ||
	    sim_group_set_agents(g, staff, NI) != 0) {
		sim_scenario_free(sc);
		return NULL;
	}
	q->p.sl_threshold_ms = T_S * 1000;
	return sc;
}

/* CPU time of this thread (commentary only: the figure is wall-clock, as for every benchmark). */
static int64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct ref {
	int ok;
	double eps, cpu, sl, ab, pw;
	char api[160];
};

static void run_reference(const char *python, const char *script, struct ref *r)
{
	char cmd[1024], line[4096];
	memset(r, 0, sizeof(*r));
	snprintf(cmd, sizeof(cmd), "'%s' '%s' %d %d %d %d %d %d %d 1", python, script, CALLS,
		 AGENTS, PER_IV, IV_S, AHT_S, PATIENCE_S, T_S);
	FILE *f = popen(cmd, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "\"events_per_second\":");
		if (!p)
			continue;
		r->eps = strtod(p + strlen("\"events_per_second\":"), NULL);
		if ((p = strstr(line, "\"events_per_cpu_second\":")))
			r->cpu = strtod(p + strlen("\"events_per_cpu_second\":"), NULL);
		if ((p = strstr(line, "\"sl_offered\":")))
			r->sl = strtod(p + strlen("\"sl_offered\":"), NULL);
		if ((p = strstr(line, "\"abandon_rate\":")))
			r->ab = strtod(p + strlen("\"abandon_rate\":"), NULL);
		if ((p = strstr(line, "\"p_wait\":")))
			r->pw = strtod(p + strlen("\"p_wait\":"), NULL);
		if ((p = strstr(line, "\"api\": \""))) {
			p += strlen("\"api\": \"");
			char *e = strchr(p, '"');
			size_t n = e ? (size_t)(e - p) : 0;
			if (n >= sizeof(r->api))
				n = sizeof(r->api) - 1;
			memcpy(r->api, p, n);
			r->api[n] = 0;
		}
		r->ok = r->eps > 0;
	}
	if (pclose(f) != 0)
		r->ok = 0;
}

int main(int argc, char **argv)
{
	struct sim_scenario *sc = model();
	if (!sc) {
		fprintf(stderr, "bench_sim: cannot build the model\n");
		return 1;
	}
	double eps[RUNS], cpu[RUNS];
	struct sim_stat sl = {0}, ab = {0}, pw = {0};
	uint64_t events = 0;
	for (int k = 0; k < RUNS; k++) {
		struct sim_result *r;
		char why[200];
		int64_t c0 = cpu_ns(), t0 = clock_mono_ns();
		int err = sim_run(sc, &r, why, sizeof(why));
		int64_t t1 = clock_mono_ns(), c1 = cpu_ns();
		if (err) {
			fprintf(stderr, "bench_sim: %s\n", why);
			return 1;
		}
		events = sim_result_events(r);
		eps[k] = (double)events / ((double)(t1 - t0) / 1e9);
		cpu[k] = (double)events / ((double)(c1 - c0) / 1e9);
		sim_result_stat(r, 0, SIM_TOTAL, SIM_M_SL_OFFERED, &sl);
		sim_result_stat(r, 0, SIM_TOTAL, SIM_M_ABANDON_RATE, &ab);
		sim_result_stat(r, 0, SIM_TOTAL, SIM_M_P_WAIT, &pw);
		sim_result_free(r);
	}
	sim_scenario_free(sc);
	qsort(eps, RUNS, sizeof(eps[0]), cmp_d);
	qsort(cpu, RUNS, sizeof(cpu[0]), cmp_d);
	double ours = eps[RUNS / 2];
	fprintf(
	    stderr,
	    "switchboard sim: %llu events (200,000 calls), %.3g events/s (median of %d; best %.3g; "
	    "%.3g per CPU second), SL %.4f abandon %.4f P(wait) %.4f (Erlang A: %.6f %.6f %.5f)\n",
	    (unsigned long long)events, ours, RUNS, eps[RUNS - 1], cpu[RUNS / 2], sl.mean, ab.mean,
	    pw.mean, EXACT_SL, EXACT_ABANDON, EXACT_PWAIT);
	struct ref ref = {0};
	if (argc >= 3) {
		run_reference(argv[1], argv[2], &ref);
		if (ref.ok)
			fprintf(
			    stderr,
			    "reference: %s %s: %s, %.3g events/s (%.3g per CPU second), SL %.4f "
			    "abandon %.4f P(wait) %.4f\n",
			    argv[1], argv[2], ref.api, ref.eps, ref.cpu, ref.sl, ref.ab, ref.pw);
		else
			fprintf(stderr,
				"reference failed (is python3-simpy installed?): no ratio\n");
	}
	printf(
	    "{\"name\": \"sim_mm14m_events_per_second\", \"value\": %.6g, \"unit\": \"events/s\", ",
	    ours);
	if (ref.ok)
		printf("\"reference\": %.6g, \"ratio\": %.4g}\n", ref.eps, ours / ref.eps);
	else
		printf("\"reference\": null, \"ratio\": null}\n");
	return 0;
}
