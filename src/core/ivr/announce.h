/* announce: expected-wait estimation and the per-caller queue announcer (position, wait, callback
 * offer, number entry). */
#ifndef SB_CORE_IVR_ANNOUNCE_H
#define SB_CORE_IVR_ANNOUNCE_H

/*
 * Expected wait (struct ivr_ewt, one per queue). The driver feeds it the
 * queue's dequeues (a waiting caller or callback connected to an agent:
 * ACD_EV_CALL_CONNECT) and handle times (talk + hold + wrap-up of each
 * call that ended). For a caller at position p (1 = next) with N agents
 * staffed (logged in and serving the queue):
 *
 *   rate method (used when at least min_samples dequeues fall in the last
 *   window_ms): the queue's observed service rate r = c / window_ms, with c
 *   the dequeues in the window; the caller needs p more dequeues, so
 *   EWT = p / r = p * window_ms / c. When more dequeues happened in the
 *   window than the estimator keeps (IVR_EWT_KEEP), the window is the span
 *   from the oldest kept one to now.
 *
 *   handle-time method (otherwise): N agents each finish a call every H ms on
 *   average (H: mean of the last IVR_EWT_KEEP handle times, default_aht_ms
 *   before any), so callers leave the queue at N / H; EWT = p * H / N.
 *
 * Both count the caller's own turn (a caller at the head still waits for an
 * agent to come free). With no agent staffed the wait is unknown (-1) and
 * no wait is announced. The rate method follows what really happens
 * (breaks, agents shared with other queues); the handle-time method reacts
 * at once to staffing. The ACD's own acd_queue_ewt() is (p - 1) * H / N
 * with an exponentially smoothed H; this estimator is the announcer's.
 *
 * The announcer (struct ivr_ann, one per waiting caller) follows the core's
 * time contract (ms, advance(now), next_deadline()). While the caller hears
 * music it waits for its next announcement; when due it asks the driver for
 * the position (IVR_ANN_DUE) and, given it, emits what to say. The
 * announced position never goes up, whatever the driver passes. A key
 * press may ask for a callback: a caller whose number is known gets the
 * callback at once; an anonymous caller is asked to key in a number,
 * checked with the site's dialling plan (base/phone.h).
 */

#include <stdbool.h>
#include <stdint.h>

#include "base/phone.h"
#include "core/ivr/entry.h"
#include "core/ivr/hours.h"

#define IVR_EWT_KEEP 64

enum ivr_ewt_method {
	IVR_EWT_NONE = 0, /* unknown: no agent staffed */
	IVR_EWT_RATE,
	IVR_EWT_HANDLE,
};

struct ivr_ewt_params {
	int64_t window_ms;	/* rate window (> 0), e.g. 15 minutes */
	uint32_t min_samples;	/* dequeues in the window before the rate is trusted (>= 1) */
	int64_t default_aht_ms; /* handle time assumed before any was observed (> 0) */
};

struct ivr_ewt {
	struct ivr_ewt_params p;
	int64_t deq[IVR_EWT_KEEP]; /* dequeue times, ring */
	uint32_t n_deq, deq_head;
	int64_t aht[IVR_EWT_KEEP]; /* handle times, ring */
	uint32_t n_aht, aht_head;
	int64_t aht_sum;
};

/* Sets up an estimator; EINVAL for bad parameters. */
int ivr_ewt_init(struct ivr_ewt *e, const struct ivr_ewt_params *p);
/* A caller left the queue to an agent at time t. */
void ivr_ewt_dequeue(struct ivr_ewt *e, int64_t t);
/* A call of this queue ended after handle_ms (talk + hold + wrap-up); negative values are ignored.
 */
void ivr_ewt_handled(struct ivr_ewt *e, int64_t handle_ms);
/* Expected wait in ms for position (>= 1) with `staffed` agents, at now; -1 when unknown. *how may
 * be NULL. */
int64_t ivr_ewt_estimate(const struct ivr_ewt *e, uint32_t position, uint32_t staffed, int64_t now,
			 enum ivr_ewt_method *how);

/* ---------- announcer ---------- */

struct ivr_ann_params {
	int64_t first_ms;    /* from entering the queue to the first announcement (>= 0) */
	int64_t interval_ms; /* between announcements' starts (> 0) */
	bool say_position;
	bool say_wait;
	/* longer waits are said as "more than max_wait_min minutes" (>= 1) */
	uint32_t max_wait_min;
	char callback_key;	   /* DTMF key for a callback; '\0': no callback offered */
	unsigned number_tries;	   /* chances to key in a valid number (>= 1) */
	int64_t number_timeout_ms; /* silence that ends number entry (> 0) */
	/* the site's dialling plan for keyed-in numbers (the strings stay the caller's) */
	struct phone_plan plan;
};

/*
 * What the announcer asks of the driver. The driver renders the sayings
 * (POSITION, WAIT, OFFER ...) as prompts in the caller's language.
 */
enum ivr_ann_act {
	/* an announcement is due: call ivr_ann_announce() with the caller's position */
	IVR_ANN_DUE = 1,
	IVR_ANN_STOP_MUSIC, /* stop music on hold (prompts follow) */
	/* say "you are caller number <position>" (position 1: "you are next") */
	IVR_ANN_POSITION,
	/* say the expected wait: minutes, or "less than a minute", or "more than <minutes>" */
	IVR_ANN_WAIT,
	IVR_ANN_OFFER, /* say "press <key> to be called back, keeping your place" */
	/* the announcement is over: call ivr_ann_prompts_done() once all of it has played */
	IVR_ANN_END,
	IVR_ANN_MUSIC, /* resume music on hold */
	/* stop what plays; say "key in your number, then the hash key"; collect digits */
	IVR_ANN_ASK_NUMBER,
	IVR_ANN_NUMBER_INVALID, /* say "that number is not valid" */
	/* terminal: request the callback to `number` (E.164); the caller keeps their place */
	IVR_ANN_CALLBACK,
};

struct ivr_ann_action {
	enum ivr_ann_act kind;
	uint32_t position;	     /* POSITION */
	uint32_t minutes;	     /* WAIT */
	bool less_than;		     /* WAIT: under one minute */
	bool more_than;		     /* WAIT: over max_wait_min */
	char key;		     /* OFFER */
	char number[IVR_NUMBER_MAX]; /* CALLBACK */
	int64_t time;		     /* when it happened (a deadline's own time) */
};

#define IVR_ANN_QCAP 16

struct ivr_ann {
	struct ivr_ann_params p;
	char caller[IVR_NUMBER_MAX]; /* E.164 of a known caller; "" anonymous */
	int state;
	int64_t due; /* next announcement (state MUSIC) */
	int64_t now;
	uint32_t announced;	/* last position said; 0: none yet */
	struct ivr_entry entry; /* an anonymous caller keying in a number */
	struct ivr_ann_action q[IVR_ANN_QCAP];
	unsigned q_head, q_len;
};

/*
 * Starts the announcer for a caller who entered the queue at now.
 * caller_e164 is the caller's number in E.164, or NULL/"" when anonymous
 * (then a callback needs a keyed-in number). EINVAL for bad parameters.
 */
int ivr_ann_init(struct ivr_ann *a, const struct ivr_ann_params *p, const char *caller_e164,
		 int64_t now);

/* Takes the next action; false when none is pending. */
bool ivr_ann_action(struct ivr_ann *a, struct ivr_ann_action *out);

/*
 * The driver's answer to IVR_ANN_DUE: the caller's position now (1 = next)
 * and the expected wait in ms (-1 unknown). A position above the last one
 * said is said as the last one. EBUSY when no announcement is due.
 */
int ivr_ann_announce(struct ivr_ann *a, uint32_t position, int64_t ewt_ms, int64_t now);
/*
 * The driver's other answer to IVR_ANN_DUE: no announcement now (the caller
 * is being offered to an agent, acd_call_announce() said EBUSY); the next is
 * due one interval later. Music was never stopped. EBUSY when none is due.
 */
int ivr_ann_skip(struct ivr_ann *a, int64_t now);
/* Everything up to IVR_ANN_END has played (or an invalid-number prompt ended); EBUSY when nothing
 * was playing. */
int ivr_ann_prompts_done(struct ivr_ann *a, int64_t now);
/* A DTMF key. Keys other than the callback key are ignored outside number entry. EINVAL: not DTMF;
 * EBUSY: finished. */
int ivr_ann_digit(struct ivr_ann *a, char key, int64_t now);
void ivr_ann_advance(struct ivr_ann *a, int64_t now);
int64_t ivr_ann_next_deadline(const struct ivr_ann *a); /* INT64_MAX when none */
/* The callback was requested (IVR_ANN_CALLBACK given): nothing more to do for this caller. */
bool ivr_ann_finished(const struct ivr_ann *a);
/* Last position said (0 before the first announcement). */
uint32_t ivr_ann_position(const struct ivr_ann *a);

/* Sensible defaults: first after 30 s, every 60 s, position and wait, callback on '1', 3 tries, 10
 * s entry timeout. */
void ivr_ann_params_default(struct ivr_ann_params *p, const struct phone_plan *plan);

#endif
