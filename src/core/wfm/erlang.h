/* erlang: Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M) queueing formulas and staffing
 * searches. */
#ifndef SB_CORE_WFM_ERLANG_H
#define SB_CORE_WFM_ERLANG_H

/*
 * Pure numerics: no I/O, no clock, no allocation. Times are in seconds,
 * loads in Erlangs. The methods (recursions and log-space series, never a
 * factorial) and the literature are described in docs/wfm.md.
 *
 * Every function returns 0 or an errno value:
 *   EINVAL  an argument is out of its documented range (NaN included);
 *   EDOM    Erlang C asked for agents <= offered load (no steady state);
 *   ERANGE  a staffing target cannot be met within the search limit.
 */

#include <stdint.h>

/* Largest offered load accepted, in Erlangs. */
#define ERLANG_MAX_LOAD 1e6
/* Largest patience / AHT ratio accepted by Erlang A (beyond it use Erlang C). */
#define ERLANG_MAX_PATIENCE_RATIO 1e4

/* A queue's inputs. */
struct erlang_queue {
	double load;	  /* offered load A = arrival rate x AHT, Erlangs, > 0 */
	double aht;	  /* mean handling time, seconds, > 0 */
	double threshold; /* service-level threshold T, seconds, >= 0 */
	double patience;  /* mean patience, seconds, > 0 (Erlang A only) */
};

/*
 * Steady-state figures of a queue with `agents` agents. Waits in seconds.
 * "Arrivals" are all calls offered; in Erlang C every arrival is answered,
 * so the answered and all-arrival variants coincide.
 */
struct erlang_metrics {
	uint32_t agents;
	double p_wait;	     /* P(an arrival finds every agent busy and must queue) */
	double sl_offered;   /* P(answered with wait <= T): answered within T / all arrivals */
	double sl_answered;  /* answered within T / answered */
	double asa;	     /* mean wait of answered calls */
	double mean_wait;    /* mean time in queue over all arrivals (answered or abandoned) */
	double occupancy;    /* carried load / agents: fraction of agent time busy */
	double queue_length; /* mean number of callers waiting */
	double p_abandon;    /* P(an arrival abandons before being answered); 0 in Erlang C */
};

/* Erlang B: blocking probability of `trunks` trunks offered `load` Erlangs (load > 0). */
int erlang_b(double load, uint32_t trunks, double *blocking);

/* Smallest number of trunks whose blocking is <= target (0 < target < 1); also its blocking. */
int erlang_b_trunks(double load, double target, uint32_t *trunks, double *blocking);

/* Erlang C (M/M/N): figures with `agents` agents; EDOM unless agents > load. */
int erlang_c(const struct erlang_queue *q, uint32_t agents, struct erlang_metrics *m);

/* Erlang A (M/M/N+M, exponential patience): figures with `agents` >= 1 agents. */
int erlang_a(const struct erlang_queue *q, uint32_t agents, struct erlang_metrics *m);

enum erlang_model {
	ERLANG_MODEL_C,
	ERLANG_MODEL_A,
};

enum erlang_sl_variant {
	ERLANG_SL_OFFERED, /* answered within T / all arrivals (the default; the Erlang tables' one)
			    */
	ERLANG_SL_ANSWERED, /* answered within T / answered */
};

/* What a staffing search must reach. */
struct erlang_goal {
	double service_level; /* target, 0 < target < 1 */
	enum erlang_sl_variant variant;
	double max_occupancy; /* 0 < max <= 1; 1 means no limit */
};

/*
 * Smallest number of agents whose service level (the goal's variant) is at
 * least the target and whose occupancy is at most the goal's maximum; `m`
 * receives the figures at that number. The search walks upward from a proven
 * lower bound, updating Erlang B by its recursion rather than recomputing it.
 */
int erlang_required(enum erlang_model model, const struct erlang_queue *q,
		    const struct erlang_goal *g, struct erlang_metrics *m);

/*
 * Agents to schedule so that `agents` remain after shrinkage (the fraction of
 * paid time not available for calls, 0 <= shrinkage < 1): the smallest S with
 * S * (1 - shrinkage) >= agents (a relative 1e-12 tolerance absorbs binary
 * rounding, so 21 at 30% gives 30, not 31).
 */
int erlang_with_shrinkage(uint32_t agents, double shrinkage, uint32_t *scheduled);

#endif
