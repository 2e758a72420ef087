/* api_app: what the web application's routes (api_app_*.c) share: the caller's agent, replies with
 * the committed state, the site's calendar. */
#ifndef SB_SERVER_API_APP_H
#define SB_SERVER_API_APP_H

#include "server/api_impl.h"

/* The caller's agent, or NULL after a 404 reply ("your account is not an agent"). */
const struct center_agent *app_agent(struct api *a, struct http_req *req);

/*
 * Replies, once every event numbered so far is committed, with the agent's
 * committed state (op->id is the agent; op->status, op->n: escalation id):
 * for the center's call operations the reply shows what the change did.
 * Returns true when the op was handed to the commit waiter (keep it: set
 * op->cont in a completion), false when it replied at once (free the op, or
 * leave op->cont false in a completion).
 */
bool app_reply_state_later(struct api_op *op, struct http_req *req);

/* Replies 409 (or 404) for an errno of a center call or agent operation. */
void app_center_error(struct http_req *req, int err, const char *what);

/* Local midnight of the first day of t's month in the first site's time zone (epoch ms). */
int64_t app_month_start(struct api *a, int64_t t);

/* The escalation bookkeeping (api_app_floor.c): a call sink and the start-up clean-up. */
int app_floor_start(struct api *a);
void app_floor_free(struct api *a);
/* A call was escalated: remember it so that its connect or end updates the row. */
void app_escalation_track(struct api *a, uint64_t call_id, int64_t escalation_id);

/* An agent's current call as the wallboard and the team view show it (api_app_board.c):
 * caller_number, customer_id, call_connected_at, call_ended_at (each null without a call). */
void app_jw_agent_call(struct api_jw *w, struct center *c, uint32_t agent, uint64_t call_id);

int api_app_call_routes(struct api *a);
int api_app_floor_routes(struct api *a);
int api_app_board_routes(struct api *a);
int api_app_rec_routes(struct api *a);	/* call recording (api_app_rec.c) */
int api_app_xfer_routes(struct api *a); /* transfers, conference, monitoring (api_app_xfer.c) */

#endif
