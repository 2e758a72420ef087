/* staffing: agents required interval by interval over a profile, and the day's summary. */
#ifndef SB_CORE_WFM_STAFFING_H
#define SB_CORE_WFM_STAFFING_H

#include "core/wfm/erlang.h"
#include "core/wfm/profile.h"

#include <stddef.h>
#include <stdint.h>

struct wfm_staff_params {
	enum erlang_model model;
	double aht;	  /* seconds, > 0 */
	double threshold; /* seconds, >= 0 */
	double patience;  /* seconds, > 0; Erlang A only */
	struct erlang_goal goal;
	double shrinkage; /* 0 <= shrinkage < 1; 0 = none */
};

struct wfm_staff_interval {
	double calls;
	double load;		 /* offered load, Erlangs: calls x AHT / interval length */
	uint32_t agents;	 /* required; 0 for an interval without calls */
	uint32_t scheduled;	 /* agents / (1 - shrinkage), rounded up */
	struct erlang_metrics m; /* at `agents`; its figures are NaN when there are no calls */
};

struct wfm_staff_summary {
	size_t intervals;
	int64_t interval;	 /* seconds */
	double hours;		 /* real hours the rows cover: intervals x length */
	double span_hours;	 /* real hours from the first start to the last interval's end */
	int64_t missing;	 /* intervals absent between rows */
	unsigned offset_changes; /* UTC offset changes between consecutive rows */
	unsigned ambiguous;	 /* repeated local times placed by order */
	double calls;
	double agent_hours;	/* sum of agents x interval length */
	double scheduled_hours; /* the same with shrinkage */
	uint32_t peak_agents;
	uint32_t peak_scheduled;
	/* call-weighted figures over the rows with calls; NaN without any call */
	double sl_offered;  /* expected answered within T / calls */
	double sl_answered; /* expected answered within T / expected answered */
	double asa;	    /* mean wait of the expected answered calls */
	double mean_wait;   /* mean time in queue over all calls */
	double p_abandon;   /* expected abandoned / calls */
	double occupancy;   /* carried load hours / agent hours */
};

/*
 * Staffs every row of a placed profile (wfm_profile_place), writing p->n
 * entries to out[] and the totals to *sum. On failure returns the errno of
 * erlang_required and sets *bad to the failing row's index.
 */
int wfm_staff(const struct wfm_profile *p, const struct wfm_staff_params *sp,
	      struct wfm_staff_interval *out, struct wfm_staff_summary *sum, size_t *bad);

#endif
