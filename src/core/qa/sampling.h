/* sampling: reproducible random choice of interactions for QA specialists, per agent quota,
 * with filters and a report of what each filter excluded. */
#ifndef SB_CORE_QA_SAMPLING_H
#define SB_CORE_QA_SAMPLING_H

/*
 * An assignment gives a QA specialist a quota per agent over a period (say
 * 4 calls per agent per week). qa_sample takes the period's candidate
 * interactions and picks, for each agent, the interactions still due:
 *
 * 1. A candidate is excluded by the first rule it fails, in this order:
 *    outside the period [start, end), agent not in the assignment, already
 *    evaluated (`done`), then the filters: queue, disposition, handle time,
 *    transferred, repeat caller, survey score. The report counts each
 *    excluded candidate once, against that first rule.
 * 2. Each agent's quota is reduced by the candidates of that agent already
 *    evaluated in the period (regardless of the filters).
 * 3. Every eligible candidate gets a rank key = the first output of
 *    base/rng's rng_substream(seed, interaction id). Earlier picks passed
 *    in `keep` that are still eligible are taken first (in key order), then
 *    the remaining quota is filled with the lowest keys (ties by id).
 *
 * So the picks depend on the set of candidates, the parameters and the
 * seed, never on the input order; each eligible candidate is equally likely
 * to be picked. A fresh seed per assignment and period gives a fresh draw.
 * `keep` keeps a work list stable while the period's candidates grow: pass
 * the picks shown so far that are not yet evaluated.
 *
 * Repeat caller (docs/quality.md): an interaction is a repeat call when the
 * same customer (id != 0) has another contact at most 7 days (inclusive)
 * strictly before it: 0 < t - t_other <= 7 x 24 h. Contacts looked at are
 * the candidates and the `history` (include contacts before the period and
 * of other agents and queues); a contact never matches itself.
 */

#include "core/qa/measures.h"
#include "core/qa/qa.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qa_interaction {
	uint64_t id; /* unique among the candidates */
	uint32_t agent;
	uint32_t queue;
	uint32_t disposition; /* 0 = none */
	int64_t time;	      /* start, epoch ms */
	int64_t handle_ms;    /* talk + hold + wrap-up, >= 0 */
	bool transferred;
	uint64_t customer; /* 0 = unknown */
	uint8_t survey;	   /* post-call survey rating 1..5; 0 = none */
};

enum qa_tristate {
	QA_ANY = 0, /* no filter */
	QA_ONLY,    /* keep only interactions that have the property */
	QA_EXCLUDE, /* keep only interactions that do not */
};

/* A zero-initialised filter keeps everything. */
struct qa_sample_filter {
	const uint32_t *queues; /* keep only these queues; none = every queue */
	size_t n_queues;
	const uint32_t *dispositions; /* keep only these dispositions; none = any */
	size_t n_dispositions;
	bool handle_above;	 /* keep only handle_ms > handle_above_ms */
	int64_t handle_above_ms; /* >= 0 */
	enum qa_tristate transferred;
	enum qa_tristate repeat;  /* repeat caller within repeat_window_ms */
	int64_t repeat_window_ms; /* 0 = 7 days */
	uint8_t survey_at_most;	  /* 1..5: keep only surveyed calls rated <= this; 0 = off */
};

struct qa_quota {
	uint32_t agent;
	uint32_t quota; /* interactions per period */
};

struct qa_sample_params {
	int64_t start, end; /* the period [start, end) on interaction time */
	const struct qa_quota *agents;
	size_t n_agents;
	struct qa_sample_filter filter;
	const uint64_t *done; /* interactions already evaluated */
	size_t n_done;
	const uint64_t *keep; /* earlier picks to keep while still eligible */
	size_t n_keep;
	const struct qa_contact *history; /* for the repeat-caller rule */
	size_t n_history;
	uint64_t seed;
};

enum qa_sample_exclusion {
	QA_SX_PERIOD = 0,
	QA_SX_AGENT,
	QA_SX_DONE,
	QA_SX_QUEUE,
	QA_SX_DISPOSITION,
	QA_SX_HANDLE,
	QA_SX_TRANSFERRED,
	QA_SX_REPEAT,
	QA_SX_SURVEY,
	QA_SX_COUNT
};

struct qa_sample_agent {
	uint32_t agent;
	uint32_t quota;
	uint32_t done;	    /* evaluated candidates of this agent in the period */
	uint32_t due;	    /* quota - done, at least 0 */
	size_t eligible;    /* candidates passing every rule */
	size_t kept;	    /* picks that came from `keep` */
	size_t n_picks;	    /* min(due, eligible) */
	uint64_t *picks;    /* the interactions due, kept first then by rank */
	uint32_t shortfall; /* due - n_picks: not enough eligible candidates */
};

struct qa_sample {
	size_t n_agents; /* in the order of params.agents */
	struct qa_sample_agent *agents;
	size_t candidates;
	size_t excluded[QA_SX_COUNT]; /* by first failing rule */
	size_t eligible;
	size_t picked;
	size_t keep_dropped; /* `keep` ids no longer eligible (or beyond the quota) */
};

/*
 * Draws the sample. *sp is new; free it with qa_sample_free. EINVAL (err
 * says which) for duplicate candidate ids or agents, start >= end, a
 * negative handle time, a survey rating above 5 or a bad filter.
 */
int qa_sample(struct qa_sample **sp, const struct qa_interaction *cands, size_t n,
	      const struct qa_sample_params *p, struct qa_err *err);
void qa_sample_free(struct qa_sample *s);

/* The rank key of an interaction under a seed (lower = picked first). */
uint64_t qa_sample_key(uint64_t seed, uint64_t interaction);

/* "outside the period", "queue", ... for reports. */
const char *qa_sample_exclusion_name(enum qa_sample_exclusion x);

#endif
