/* erlang: the `switchboard erlang b|c|a` command, Erlang formulas and staffing as one JSON object.
 */
#include "cli/args.h"
#include "cli/cli.h"
#include "core/wfm/erlang.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char help_text[] =
    "usage: switchboard erlang c --calls N --interval SECONDS --aht SECONDS --threshold SECONDS\n"
    "                            (--agents N | --target SL) [options]\n"
    "       switchboard erlang a ... the same, plus --patience SECONDS\n"
    "       switchboard erlang b --load ERLANGS (--trunks N | --target-blocking P)\n"
    "\n"
    "Queueing formulas for staffing (docs/wfm.md has the maths and the references):\n"
    "  c  Erlang C, M/M/N: callers wait as long as it takes\n"
    "  a  Erlang A (Palm), M/M/N+M: callers abandon after an exponential patience\n"
    "  b  Erlang B, M/M/N/N: calls that find every trunk busy are lost\n"
    "\n"
    "Options of c and a:\n"
    "  --calls N             calls offered in the interval (> 0; may be fractional)\n"
    "  --interval SECONDS    the interval's length (> 0)\n"
    "  --load ERLANGS        the offered load instead of --calls and --interval\n"
    "  --aht SECONDS         average handling time: talk + hold + wrap-up (> 0)\n"
    "  --threshold SECONDS   service-level threshold T (>= 0): a call is on time when\n"
    "                        answered with wait <= T\n"
    "  --agents N            agents to evaluate (c: more than the load; a: at least 1)\n"
    "  --target SL           service-level goal, 0 < SL < 1: adds agents_required; without\n"
    "                        --agents the figures are those of agents_required\n"
    "  --sl offered|answered the service level the goal refers to (default offered)\n"
    "  --max-occupancy X     the goal also keeps occupancy <= X (0 < X <= 1)\n"
    "  --shrinkage S         share of paid time not on the phones (0 <= S < 1): adds\n"
    "                        agents_with_shrinkage\n"
    "  --patience SECONDS    a only, required: the callers' mean patience (> 0)\n"
    "\n"
    "Options of b:\n"
    "  --load ERLANGS        offered traffic (> 0)\n"
    "  --trunks N            trunks (lines, channels) to evaluate\n"
    "  --target-blocking P   blocking goal, 0 < P < 1: the fewest trunks that meet it\n"
    "\n"
    "Output, one JSON object on stdout (times in seconds, probabilities 0..1):\n"
    "  model                  \"erlang_c\", \"erlang_a\" or \"erlang_b\"\n"
    "  offered_load           A, Erlangs: calls x aht / interval\n"
    "  calls, interval, aht, threshold, patience, target, max_occupancy, shrinkage\n"
    "                         the inputs, echoed when given\n"
    "  service_level_variant  \"offered\" or \"answered\": the goal's service level\n"
    "  agents                 the agents the figures below are for\n"
    "  p_wait                 probability that a call has to queue (all agents busy)\n"
    "  service_level          answered within T / all calls offered (sl_offered, the\n"
    "                         definition of the published Erlang tables)\n"
    "  service_level_answered answered within T / answered calls (sl_answered)\n"
    "  asa                    average speed of answer: mean wait of the answered calls\n"
    "  mean_wait              mean time in queue over all calls offered, answered or\n"
    "                         abandoned (those answered at once count 0); in Erlang C\n"
    "                         every call is answered, so it equals asa\n"
    "  occupancy              carried load / agents: the share of agent time on calls\n"
    "  queue_length           mean number of callers waiting\n"
    "  p_abandon              (a) probability that a call abandons before an answer\n"
    "  agents_required        (with --target) the fewest agents meeting the goal\n"
    "  agents_with_shrinkage  (with --shrinkage) agents to schedule: agents_required\n"
    "                         (or --agents without a target) / (1 - shrinkage), rounded up\n"
    "  trunks                 (b) the trunks evaluated, or the fewest meeting the goal\n"
    "  blocking               (b) probability that a call finds every trunk busy\n"
    "  carried_load           (b) offered_load x (1 - blocking), Erlangs\n"
    "  target_blocking        (b) the goal, echoed\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 bad usage or input (one line on stderr).\n"
    "Example: switchboard erlang c --calls 100 --interval 1800 --aht 180 --threshold 20 --agents "
    "14\n";

static int usage_error(const char *cmd, const char *msg)
{
	return args_error(cmd, "%s (see 'switchboard erlang --help')", msg);
}

static void key(FILE *f, bool *first, const char *k)
{
	fprintf(f, "%s\"%s\":", *first ? "" : ",", k);
	*first = false;
}

static void key_num(FILE *f, bool *first, const char *k, double v)
{
	key(f, first, k);
	json_num(f, v);
}

static void key_uint(FILE *f, bool *first, const char *k, uint32_t v)
{
	key(f, first, k);
	fprintf(f, "%u", v);
}

static int run_b(int argc, char **argv)
{
	const char *cmd = "erlang b";
	double load = 0, target = 0;
	uint32_t trunks = 0;
	struct args_opt o[] = {
	    {"load", ARGS_DOUBLE, &load, false},
	    {"trunks", ARGS_UINT, &trunks, false},
	    {"target-blocking", ARGS_DOUBLE, &target, false},
	};
	if (args_parse(cmd, argc, argv, o, sizeof(o) / sizeof(o[0])))
		return CLI_USAGE;
	if (!o[0].seen)
		return usage_error(cmd, "--load is required");
	if (!(load > 0) || load > ERLANG_MAX_LOAD)
		return args_error(cmd, "--load must be > 0 and at most %g Erlangs",
				  ERLANG_MAX_LOAD);
	if (o[1].seen == o[2].seen)
		return usage_error(cmd, "give either --trunks or --target-blocking");
	double blocking;
	if (o[2].seen) {
		if (!(target > 0 && target < 1))
			return args_error(cmd,
					  "--target-blocking must be between 0 and 1 (exclusive)");
		if (erlang_b_trunks(load, target, &trunks, &blocking))
			return args_error(cmd, "no number of trunks meets the goal");
	} else if (erlang_b(load, trunks, &blocking)) {
		return args_error(cmd, "cannot evaluate Erlang B for these inputs");
	}
	bool first = true;
	printf("{");
	key(stdout, &first, "model");
	json_str(stdout, "erlang_b");
	key_num(stdout, &first, "offered_load", load);
	if (o[2].seen)
		key_num(stdout, &first, "target_blocking", target);
	key_uint(stdout, &first, "trunks", trunks);
	key_num(stdout, &first, "blocking", blocking);
	key_num(stdout, &first, "carried_load", load * (1 - blocking));
	printf("}\n");
	return CLI_OK;
}

static int run_ca(int argc, char **argv, bool model_a)
{
	const char *cmd = model_a ? "erlang a" : "erlang c";
	double calls = 0, interval = 0, load = 0, aht = 0, threshold = 0, target = 0, maxocc = 1;
	double shrinkage = 0, patience = 0;
	uint32_t agents = 0;
	const char *variant = "offered";
	struct args_opt o[] = {
	    {"calls", ARGS_DOUBLE, &calls, false},
	    {"interval", ARGS_DOUBLE, &interval, false},
	    {"load", ARGS_DOUBLE, &load, false},
	    {"aht", ARGS_DOUBLE, &aht, false},
	    {"threshold", ARGS_DOUBLE, &threshold, false},
	    {"agents", ARGS_UINT, &agents, false},
	    {"target", ARGS_DOUBLE, &target, false},
	    {"sl", ARGS_STRING, &variant, false},
	    {"max-occupancy", ARGS_DOUBLE, &maxocc, false},
	    {"shrinkage", ARGS_DOUBLE, &shrinkage, false},
	    {"patience", ARGS_DOUBLE, &patience, false},
	};
	enum {
		CALLS,
		INTERVAL,
		LOAD,
		AHT,
		THRESHOLD,
		AGENTS,
		TARGET,
		SL,
		MAXOCC,
		SHRINK,
		PATIENCE
	};
	if (args_parse(cmd, argc, argv, o, sizeof(o) / sizeof(o[0])))
		return CLI_USAGE;

	if (o[LOAD].seen && (o[CALLS].seen || o[INTERVAL].seen))
		return usage_error(cmd, "give either --load or --calls with --interval, not both");
	if (!o[LOAD].seen && !(o[CALLS].seen && o[INTERVAL].seen))
		return usage_error(cmd, "--calls and --interval (or --load) are required");
	if (!o[AHT].seen)
		return usage_error(cmd, "--aht is required");
	if (!o[THRESHOLD].seen)
		return usage_error(cmd, "--threshold is required");
	if (!o[AGENTS].seen && !o[TARGET].seen)
		return usage_error(cmd, "give --agents, --target or both");
	if (model_a && !o[PATIENCE].seen)
		return usage_error(cmd, "--patience is required for Erlang A");
	if (!model_a && o[PATIENCE].seen)
		return usage_error(cmd, "--patience belongs to Erlang A ('switchboard erlang a')");
	if ((o[MAXOCC].seen || o[SL].seen) && !o[TARGET].seen)
		return usage_error(cmd, "--max-occupancy and --sl qualify a --target");

	if (o[CALLS].seen) {
		if (!(calls > 0))
			return args_error(cmd, "--calls must be > 0 (a rate of calls)");
		if (!(interval > 0))
			return args_error(cmd, "--interval must be > 0 seconds");
	}
	if (o[LOAD].seen && !(load > 0))
		return args_error(cmd, "--load must be > 0 Erlangs");
	if (!(aht > 0))
		return args_error(cmd, "--aht must be > 0 seconds");
	if (!(threshold >= 0))
		return args_error(cmd, "--threshold must be >= 0 seconds");
	if (o[CALLS].seen)
		load = calls * aht / interval;
	if (!(load > 0) || load > ERLANG_MAX_LOAD || !isfinite(load))
		return args_error(cmd, "the offered load (%g Erlangs) must be > 0 and at most %g",
				  load, ERLANG_MAX_LOAD);
	if (model_a) {
		if (!(patience > 0))
			return args_error(cmd, "--patience must be > 0 seconds");
		double r = patience / aht;
		if (r > ERLANG_MAX_PATIENCE_RATIO || r < 1 / ERLANG_MAX_PATIENCE_RATIO)
			return args_error(cmd,
					  "--patience / --aht must be between 1e-4 and 1e4 (for "
					  "endless patience use Erlang C)");
	}
	if (o[TARGET].seen && !(target > 0 && target < 1))
		return args_error(cmd, "--target must be between 0 and 1 (exclusive), e.g. 0.8");
	if (!(maxocc > 0 && maxocc <= 1))
		return args_error(cmd, "--max-occupancy must be > 0 and <= 1");
	if (!(shrinkage >= 0 && shrinkage < 1))
		return args_error(cmd, "--shrinkage must be >= 0 and < 1");
	enum erlang_sl_variant var;
	if (strcmp(variant, "offered") == 0)
		var = ERLANG_SL_OFFERED;
	else if (strcmp(variant, "answered") == 0)
		var = ERLANG_SL_ANSWERED;
	else
		return args_error(cmd, "--sl must be 'offered' or 'answered', not '%s'", variant);
	if (!model_a && o[AGENTS].seen && !((double)agents > load))
		return args_error(cmd,
				  "--agents %u is not more than the offered load %g Erlangs: an "
				  "Erlang C queue would grow without bound (Erlang A allows it)",
				  agents, load);
	if (model_a && o[AGENTS].seen && agents == 0)
		return args_error(cmd, "--agents must be at least 1");

	struct erlang_queue q = {
	    .load = load, .aht = aht, .threshold = threshold, .patience = patience};
	enum erlang_model model = model_a ? ERLANG_MODEL_A : ERLANG_MODEL_C;
	struct erlang_metrics req, m;
	int rc = 0;
	if (o[TARGET].seen) {
		struct erlang_goal g = {
		    .service_level = target, .variant = var, .max_occupancy = maxocc};
		rc = erlang_required(model, &q, &g, &req);
		if (rc == ERANGE)
			return args_error(cmd, "no number of agents meets the goal");
	}
	if (!rc && o[AGENTS].seen)
		rc = model_a ? erlang_a(&q, agents, &m) : erlang_c(&q, agents, &m);
	else if (!rc)
		m = req;
	if (rc)
		return args_error(cmd, "cannot evaluate the model for these inputs (error %d)", rc);
	uint32_t scheduled = 0;
	if (o[SHRINK].seen &&
	    erlang_with_shrinkage(o[TARGET].seen ? req.agents : m.agents, shrinkage, &scheduled))
		return args_error(cmd, "agents with shrinkage out of range");

	FILE *f = stdout;
	bool first = true;
	fputc('{', f);
	key(f, &first, "model");
	json_str(f, model_a ? "erlang_a" : "erlang_c");
	key_num(f, &first, "offered_load", load);
	if (o[CALLS].seen) {
		key_num(f, &first, "calls", calls);
		key_num(f, &first, "interval", interval);
	}
	key_num(f, &first, "aht", aht);
	key_num(f, &first, "threshold", threshold);
	if (model_a)
		key_num(f, &first, "patience", patience);
	key_uint(f, &first, "agents", m.agents);
	key_num(f, &first, "p_wait", m.p_wait);
	key_num(f, &first, "service_level", m.sl_offered);
	key_num(f, &first, "service_level_answered", m.sl_answered);
	key_num(f, &first, "asa", m.asa);
	key_num(f, &first, "mean_wait", m.mean_wait);
	key_num(f, &first, "occupancy", m.occupancy);
	key_num(f, &first, "queue_length", m.queue_length);
	if (model_a)
		key_num(f, &first, "p_abandon", m.p_abandon);
	if (o[TARGET].seen) {
		key_num(f, &first, "target", target);
		key(f, &first, "service_level_variant");
		json_str(f, variant);
		if (o[MAXOCC].seen)
			key_num(f, &first, "max_occupancy", maxocc);
		key_uint(f, &first, "agents_required", req.agents);
	}
	if (o[SHRINK].seen) {
		key_num(f, &first, "shrinkage", shrinkage);
		key_uint(f, &first, "agents_with_shrinkage", scheduled);
	}
	fputs("}\n", f);
	return CLI_OK;
}

int cmd_erlang(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("erlang", "which model? b, c or a");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0 || args_want_help(argc - 1, argv + 1)) {
		fputs(help_text, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "b") == 0)
		return run_b(argc - 1, argv + 1);
	if (strcmp(argv[1], "c") == 0)
		return run_ca(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "a") == 0)
		return run_ca(argc - 1, argv + 1, true);
	return args_error("erlang", "unknown model '%s': use b, c or a (see --help)", argv[1]);
}
