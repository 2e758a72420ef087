/* measures: customer-side quality measures: CSAT, first-contact resolution, callback first
 * response time, transfer rate and hold rate. */
#ifndef SB_CORE_QA_MEASURES_H
#define SB_CORE_QA_MEASURES_H

/*
 * Pure functions over arrays the caller fetched (one row per call, contact
 * or callback). Shares are fractions 0..1, NaN when nothing is measured.
 * Exact definitions and worked examples: docs/quality.md.
 */

#include "core/qa/qa.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- CSAT ---- */

struct qa_csat {
	size_t calls;	  /* ratings given to the function, rated or not */
	size_t rated;	  /* calls with a survey rating 1..5 */
	size_t satisfied; /* rated 4 or 5 */
	double csat;	  /* satisfied / rated */
};

/* ratings[i]: the post-call survey rating 1..5 of call i, 0 = no rating. EINVAL above 5. */
int qa_csat(const uint8_t *ratings, size_t n, struct qa_csat *out, struct qa_err *err);

/* ---- first-contact resolution ---- */

/* One customer contact (a call, not a transfer segment). */
struct qa_contact {
	uint64_t customer; /* 0 = unknown */
	int64_t time;	   /* epoch ms */
	uint32_t category; /* category of its disposition; 0 = none */
};

struct qa_fcr_params {
	int64_t from, to;    /* contacts measured: from <= time < to */
	int64_t known_until; /* contacts are known up to this time (inclusive) */
	int64_t window_ms;   /* 0 = 7 days */
};

/* What became of each contact (the optional status array). */
enum qa_fcr_status {
	QA_FCR_OUTSIDE = 0, /* not in [from, to): may still be another's repeat */
	QA_FCR_NO_CUSTOMER, /* unknown customer: cannot be followed */
	QA_FCR_NO_CATEGORY, /* no disposition category */
	QA_FCR_PENDING,	    /* no repeat yet, but its window ends after known_until */
	QA_FCR_RESOLVED,    /* no repeat within the window */
	QA_FCR_REPEATED,    /* the customer came back, same category, within the window */
};

struct qa_fcr {
	size_t contacts, outside, no_customer, no_category, pending;
	size_t measured; /* resolved + repeated */
	size_t resolved, repeated;
	double fcr; /* resolved / measured */
};

/*
 * A measured contact is resolved at first contact when no other contact of
 * the same customer with the same category follows it within the window:
 * none with 0 < t_other - t <= window. Every contact in the array can be a
 * repeat of another, so pass the contacts of [from, to + window) at least.
 * status (NULL, or n entries) receives each contact's enum qa_fcr_status.
 * EINVAL when from >= to, a window is negative or a contact is after
 * known_until.
 */
int qa_fcr(const struct qa_contact *c, size_t n, const struct qa_fcr_params *p, struct qa_fcr *out,
	   uint8_t *status, struct qa_err *err);

/* ---- callback first response time ---- */

#define QA_NO_TIME INT64_MIN

struct qa_callback {
	int64_t requested;     /* epoch ms the caller asked for the callback */
	int64_t first_attempt; /* epoch ms of the first call attempt; QA_NO_TIME = none yet */
};

/* Response times in ms over the attempted callbacks; NaN when none was attempted. */
struct qa_frt {
	size_t callbacks, attempted, pending;
	double mean_ms, median_ms;
	double p80_ms, p90_ms, p95_ms; /* nearest-rank percentiles (qa_percentile_sorted) */
	double max_ms;
};

/* EINVAL when an attempt precedes its request. */
int qa_callback_frt(const struct qa_callback *cb, size_t n, struct qa_frt *out, struct qa_err *err);

/* ---- transfer and hold rates ---- */

struct qa_call {
	bool handled;	  /* answered by an agent and finished */
	bool transferred; /* the agent transferred it */
	uint32_t holds;	  /* times the agent put it on hold */
};

struct qa_call_rates {
	size_t calls, handled;
	size_t transferred;		 /* handled calls transferred */
	size_t held;			 /* handled calls with at least one hold */
	double transfer_rate, hold_rate; /* over handled calls */
};

/* Calls not handled are counted apart; EINVAL when one claims a transfer or hold. */
int qa_call_rates(const struct qa_call *calls, size_t n, struct qa_call_rates *out,
		  struct qa_err *err);

#endif
