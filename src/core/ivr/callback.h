/* callback: the pure scheduler of callback requests: waiting for the queue to open, routing,
 * dialling, retries, failure. */
#ifndef SB_CORE_IVR_CALLBACK_H
#define SB_CORE_IVR_CALLBACK_H

/*
 * One scheduler per daemon (or simulator) holds every callback request.
 * It follows the core's time contract: entry points take `now` (UTC epoch
 * ms) and first fire every deadline at or before it, in deadline order;
 * ivr_cb_advance() only fires; ivr_cb_next_deadline() says when to call
 * again. Actions come out in order through ivr_cb_action(), each stamped
 * with the time it happened (a deadline's own time).
 *
 * A request's life:
 *
 *   request ---(queue open)--------------------> QUEUED --(turn)--> DIALING
 *      \--(closed: until open_at)--> WAIT_OPEN --ROUTE-->/            |
 *   DIALING --answered--> COMPLETED (gone)                            |
 *   DIALING --no answer / busy / ring timeout--> attempt counted:     |
 *      attempts < max: RETRY_WAIT --(retry_ms)--> ROUTE --> QUEUED ---/
 *                      (or straight back to QUEUED when the routing
 *                      keeps the place: ivr_cb_params.routing_keeps_place)
 *      attempts = max: FAILED (gone)
 *
 * "Queued" means the request holds a place in the routing (the ACD); the
 * routing decides when its turn comes, exactly as for a waiting caller.
 * A request made by a caller already waiting in the queue is queued at
 * once, keeping that caller's place (no ROUTE action: the driver turns the
 * live ACD call into a callback). A request made after hours waits for the
 * opening the driver computed (ivr_hours_next_open), then is routed. A
 * ROUTE refused because the queue is closed again goes back to waiting.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/ivr/hours.h"

enum ivr_cb_state {
	IVR_CB_WAIT_OPEN = 1,
	IVR_CB_QUEUED,
	IVR_CB_DIALING,
	IVR_CB_RETRY_WAIT,
};

enum ivr_cb_act_kind {
	IVR_CB_ROUTE = 1,   /* put the request into queue's routing (a place keyed by `place`) */
	IVR_CB_DIAL,	    /* the turn came: call `number` and connect it to the agent */
	IVR_CB_DIAL_CANCEL, /* the customer did not answer within ring_ms: stop ringing */
	IVR_CB_COMPLETED,   /* the customer answered: the request is done (forgotten) */
	IVR_CB_RETRY,  /* attempt `attempt` failed; another follows (ACD: acd_callback_failed) */
	IVR_CB_FAILED, /* the last attempt failed: record as failed (forgotten) */
};

enum ivr_cb_outcome {
	IVR_CB_NO_ANSWER = 1,
	IVR_CB_BUSY,
	IVR_CB_UNREACHABLE, /* the call could not be placed (network, rejected number) */
};

struct ivr_cb_params {
	uint32_t attempts; /* dial attempts before the request fails (>= 1) */
	int64_t retry_ms;  /* delay between attempts (>= 0) */
	int64_t ring_ms;   /* ringing before the customer counts as not answering (> 0) */
	/*
	 * The routing holds the request's place through the retry delay and
	 * gives it a new turn by itself (the ACD does, on acd_callback_failed(),
	 * with its queue's callback_retry_ms): after a failed attempt the request
	 * stays QUEUED and no ROUTE follows. Otherwise the scheduler waits
	 * retry_ms (RETRY_WAIT) and routes it again.
	 */
	bool routing_keeps_place;
};

struct ivr_cb_action {
	enum ivr_cb_act_kind kind;
	uint64_t id;
	uint32_t queue;
	char number[IVR_NUMBER_MAX];
	uint32_t attempt; /* DIAL: this attempt (1-based); RETRY / FAILED: attempts made */
	bool retry;	  /* ROUTE: after a failed attempt */
	int64_t place;	  /* ROUTE: when the request was made (the place it keeps) */
	uint32_t outcome; /* RETRY / FAILED: enum ivr_cb_outcome of the last attempt */
	int64_t time;	  /* when it happened */
};

struct ivr_cb_info {
	enum ivr_cb_state state;
	uint32_t queue;
	char number[IVR_NUMBER_MAX];
	uint32_t attempts; /* made so far */
	int64_t requested; /* the place key */
	int64_t deadline;  /* WAIT_OPEN, DIALING, RETRY_WAIT; INT64_MAX otherwise */
};

struct ivr_cb;

int ivr_cb_alloc(struct ivr_cb **cbp, int64_t now);
void ivr_cb_free(struct ivr_cb *cb);

/*
 * A new request `id` (non-zero, chosen by the driver; the ACD call id of
 * the waiting caller fits) for queue, to call back e164. open_at: when the
 * queue opens (<= now: open now). in_queue: the caller is waiting in the
 * queue now and keeps their place (only while open). Returns 0, EINVAL
 * (bad number, zero id or queue, bad params), EEXIST, ENOMEM.
 */
int ivr_cb_request(struct ivr_cb *cb, uint64_t id, uint32_t queue, const char *e164,
		   const struct ivr_cb_params *p, int64_t open_at, bool in_queue, int64_t now);

/* The routing gave the request its turn (an agent took it): dial. ENOENT, EBUSY unless QUEUED. */
int ivr_cb_turn(struct ivr_cb *cb, uint64_t id, int64_t now);
/* The customer answered. ENOENT, EBUSY unless DIALING. */
int ivr_cb_answered(struct ivr_cb *cb, uint64_t id, int64_t now);
/* The attempt failed (outcome). ENOENT, EBUSY unless DIALING; EINVAL for a bad outcome. */
int ivr_cb_no_answer(struct ivr_cb *cb, uint64_t id, enum ivr_cb_outcome outcome, int64_t now);
/* A ROUTE could not be carried out because the queue is closed: wait for open_at. ENOENT, EBUSY
 * unless QUEUED. */
int ivr_cb_route_refused(struct ivr_cb *cb, uint64_t id, int64_t open_at, int64_t now);
/* Withdraws a request (the customer called in again, an admin cancelled it). ENOENT. */
int ivr_cb_cancel(struct ivr_cb *cb, uint64_t id, int64_t now);

void ivr_cb_advance(struct ivr_cb *cb, int64_t now);
int64_t ivr_cb_next_deadline(const struct ivr_cb *cb);
bool ivr_cb_action(struct ivr_cb *cb, struct ivr_cb_action *out);
int ivr_cb_info(const struct ivr_cb *cb, uint64_t id, struct ivr_cb_info *info);
uint32_t ivr_cb_count(const struct ivr_cb *cb);

#endif
