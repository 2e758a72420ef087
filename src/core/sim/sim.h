/* sim: what-if discrete-event simulation of a contact center whose routing is done by the real
 * core/acd. */
#ifndef SB_CORE_SIM_H
#define SB_CORE_SIM_H

/*
 * A scenario names queues (routing parameters of the core, arrivals per
 * interval, handle time and patience distributions) and agent groups
 * (skills, agents logged in per interval and/or shifts). sim_run() plays
 * it `replications` times; every replication is a fresh struct acd driven
 * through its public API on a virtual clock, with a struct kpi fed from
 * its events. The figures of each replication are folded into a mean and a
 * 95% confidence interval (Student t) per queue and interval, per queue
 * for the whole run, and over all queues. The format and definitions are
 * in docs/simulate.md.
 *
 * Time: the simulated day starts at 0 ms; interval i is
 * [i * interval_ms, (i + 1) * interval_ms). Arrivals come in the first
 * n_intervals intervals (the horizon); afterwards the run goes on with the
 * staffing in force until every call has left or drain_ms has passed.
 *
 * Randomness: replication r of seed s draws every stream from
 * rng_substream(s, sim_stream_id(r, purpose, key)), the key of a queue's
 * streams being sim_name_key(queue name): the same seed gives the same
 * figures bit for bit, and two scenarios that share queue names see the
 * same callers (common random numbers).
 *
 * Pure like the rest of the core: no clock, no I/O, no threads.
 */

#include "core/acd/acd.h"
#include "core/sim/stats.h"
#include "core/sim/traffic.h"

#include <stddef.h>
#include <stdint.h>

#define SIM_NAME_MAX   64
#define SIM_MAX_QUEUES 64
#define SIM_MAX_GROUPS 256
#define SIM_MAX_SKILLS 256

/* Agents of a group logged in from start_ms (inclusive) to end_ms (exclusive). */
struct sim_shift {
	int64_t start_ms, end_ms;
	uint32_t agents;
};

struct sim_queue {
	char name[SIM_NAME_MAX];
	/*
	 * The core's queue parameters, used as they are: strategy, required
	 * skills (ids from sim_scenario_skill), widening tiers (a tier's group
	 * is a scenario group: index + 1), wrap-up (none or timed), SL
	 * threshold, short-abandon threshold, max wait and overflow (queue:
	 * index + 1), ring timeout ... Defaults: acd_queue_params_default()
	 * with wrap-up none.
	 */
	struct acd_queue_params p;
	int32_t priority; /* priority of this queue's callers */
	double *calls;	  /* expected calls per interval, n_intervals entries (owned) */
	uint32_t n_calls;
	struct sim_dist handle;	  /* talk time (wrap-up comes on top, from p) */
	struct sim_dist patience; /* time a caller waits before hanging up; none: forever */
};

struct sim_group {
	char name[SIM_NAME_MAX];
	struct acd_agent_skill skills[ACD_MAX_SKILLS];
	uint32_t n_skills;
	uint32_t *agents; /* agents logged in per interval (owned); NULL: none */
	uint32_t n_agents;
	struct sim_shift *shifts; /* added on top of the per-interval counts (owned) */
	uint32_t n_shifts;
};

struct sim_scenario {
	char name[2 * SIM_NAME_MAX];
	int64_t interval_ms;	   /* default 30 min */
	uint32_t n_intervals;	   /* default 1 */
	uint32_t warmup_intervals; /* simulated but left out of the totals; default 0 */
	int64_t drain_ms;	   /* default 1 h */
	int64_t ring_delay_ms;	   /* offer to answer; default 0 (answered at once) */
	uint32_t replications;	   /* default 10 */
	uint64_t seed;		   /* default 1 */
	struct sim_queue queues[SIM_MAX_QUEUES];
	uint32_t n_queues;
	struct sim_group *groups; /* n_groups entries (owned) */
	uint32_t n_groups, cap_groups;
	char skills[SIM_MAX_SKILLS][SIM_NAME_MAX]; /* skill id = index + 1 */
	uint32_t n_skills;
};

/* A scenario with the defaults above and no queue or group. */
int sim_scenario_alloc(struct sim_scenario **scp);
void sim_scenario_free(struct sim_scenario *sc);
/* The id of a skill name, interned on first use (1, 2, ...). EINVAL (bad name) or ENOSPC. */
int sim_scenario_skill(struct sim_scenario *sc, const char *name, uint32_t *id);
/* Index of a queue or group by name; -1 when unknown. */
int sim_scenario_queue_index(const struct sim_scenario *sc, const char *name);
int sim_scenario_group_index(const struct sim_scenario *sc, const char *name);
/*
 * Adds a queue or group with the given (unique) name and defaults; *out
 * points into the scenario until the next add. EEXIST, EINVAL, ENOSPC, ENOMEM.
 */
int sim_scenario_add_queue(struct sim_scenario *sc, const char *name, struct sim_queue **out);
int sim_scenario_add_group(struct sim_scenario *sc, const char *name, struct sim_group **out);
/* Copies the expected calls per interval (n values >= 0). */
int sim_queue_set_calls(struct sim_queue *q, const double *calls, uint32_t n);
/* Copies the agents per interval. */
int sim_group_set_agents(struct sim_group *g, const uint32_t *agents, uint32_t n);
int sim_group_add_shift(struct sim_group *g, int64_t start_ms, int64_t end_ms, uint32_t agents);
/*
 * Checks the scenario as a whole: 0, or EINVAL with a one-line reason in
 * why naming the field (e.g. "queues[1].calls: 47 values for 48 intervals").
 */
int sim_scenario_check(const struct sim_scenario *sc, char *why, size_t len);

/* Figures per queue and interval (names as in the output: sim_metric_name). */
enum sim_metric {
	SIM_M_OFFERED = 0,   /* calls that entered the queue */
	SIM_M_ANSWERED,	     /* connected to an agent */
	SIM_M_ABANDONED,     /* hung up before being connected */
	SIM_M_OVERFLOWED,    /* left by max wait (timeout, other queue, callback) */
	SIM_M_REFUSED,	     /* could not enter (queue full, no agent and join_empty off) */
	SIM_M_UNFINISHED,    /* still waiting or ringing when the run stopped */
	SIM_M_SL_OFFERED,    /* answered within T / offered */
	SIM_M_SL_ANSWERED,   /* answered within T / answered */
	SIM_M_SL_EXCL_SHORT, /* answered within T / (answered + abandoned - short abandons) */
	SIM_M_SL2,	     /* (answered + abandoned within T) / (answered + abandoned) */
	SIM_M_ABANDON_RATE,  /* abandoned / offered */
	SIM_M_P_WAIT,	     /* arrivals that found no agent free (had to queue) / arrivals */
	SIM_M_ASA_S,	     /* mean wait of answered calls, seconds */
	SIM_M_AHT_S,	     /* (talk + hold + wrap-up) / handled, seconds */
	SIM_M_OCCUPANCY,     /* busy / (busy + ready + reserved) of the agents serving the queue */
	SIM_M_AGENTS,	     /* mean number of those agents logged in */
	SIM_M_EWT_MAE_S, /* mean |announced expected wait - actual wait|, answered calls, seconds */
	SIM_M_EWT_BIAS_S, /* mean (announced - actual), seconds: > 0 means pessimistic */
	SIM_M_COUNT
};

/* Figures per agent group for the whole run. */
enum sim_group_metric {
	SIM_G_OCCUPANCY = 0, /* occupancy of the group's agents */
	SIM_G_AGENTS,	     /* mean number logged in */
	SIM_G_ANSWERED,	     /* calls answered (of one queue, or of all: SIM_ALL) */
	SIM_G_COUNT
};

#define SIM_ALL	  UINT32_MAX /* queue argument: all queues together */
#define SIM_TOTAL UINT32_MAX /* interval argument: the whole run (warm-up excluded) */

const char *sim_metric_name(enum sim_metric m);
const char *sim_group_metric_name(enum sim_group_metric m);

struct sim_result;

/*
 * Runs the scenario (sc->replications times from sc->seed). Returns 0 and
 * *out, EINVAL when sim_scenario_check() fails (why says why; may be NULL),
 * or ENOMEM / an error of the core (why names it).
 */
int sim_run(const struct sim_scenario *sc, struct sim_result **out, char *why, size_t len);
void sim_result_free(struct sim_result *r);

/* A figure across replications. queue: index or SIM_ALL; interval: index or SIM_TOTAL. */
int sim_result_stat(const struct sim_result *r, uint32_t queue, uint32_t interval,
		    enum sim_metric m, struct sim_stat *out);
/* A group's figure; queue only matters for SIM_G_ANSWERED (index or SIM_ALL). */
int sim_result_group(const struct sim_result *r, uint32_t group, enum sim_group_metric m,
		     uint32_t queue, struct sim_stat *out);
/* Events simulated over all replications: arrivals + service completions + abandonments. */
uint64_t sim_result_events(const struct sim_result *r);
/* Per replication: the same count (index < replications). */
uint64_t sim_result_rep_events(const struct sim_result *r, uint32_t rep);

#endif
