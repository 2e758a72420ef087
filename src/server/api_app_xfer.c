/* api_app_xfer: in-call control from the desktop: blind and consulted transfer, conference; listen
 * / whisper / barge for leads and supervisors. */
#include "server/api_app.h"
#include "server/tel_xfer.h"

#include "base/json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/*
 * The same operations a phone does by SIP (REFER) go through tel_xfer.c, so
 * the phone and the browser agree; the replies come once the events they
 * caused are committed, with the agent's committed state.
 */

static void xfer_error(struct http_req *req, int err, const char *what)
{
	switch (err) {
	case ENOENT:
		http_reply_error(req, 409, "conflict", "%s: no such call, target or consultation",
				 what);
		break;
	case EBUSY:
		http_reply_error(
		    req, 409, "conflict",
		    "%s: not possible now (a consultation is going on, the target is "
		    "not ready or does not serve the queue, the queue refused the call)",
		    what);
		break;
	case ENOTCONN:
		http_reply_error(req, 409, "conflict", "%s: the call has no phone leg", what);
		break;
	case EHOSTUNREACH:
		http_reply_error(req, 409, "conflict", "%s: the target's phone cannot be reached",
				 what);
		break;
	case ENOSYS:
		http_reply_error(req, 409, "conflict", "%s: no trunk for outside numbers (--trunk)",
				 what);
		break;
	case EINVAL:
		api_invalid(req, "%s: not a valid target", what);
		break;
	default:
		app_center_error(req, err, what);
		break;
	}
}

/* {"queue_id"|"agent_id"|"extension"|"number"}: exactly one. */
static int read_target(struct http_req *req, bool queue_ok, struct tel_xfer_target *to)
{
	static const char *const keys[] = {"queue_id", "agent_id", "extension", "number", NULL};
	static const char *const keys_nq[] = {"agent_id", "extension", "number", NULL};
	const cJSON *body = http_req_json(req);
	memset(to, 0, sizeof(*to));
	if (http_json_only(req, body, queue_ok ? keys : keys_nq))
		return EINVAL;
	int e;
	unsigned n = 0;
	if (queue_ok) {
		e = http_json_i64(req, body, "queue_id", false, 1, UINT32_MAX, &to->queue_id);
		if (e && e != ENOENT)
			return EINVAL;
		n += !e;
	}
	e = http_json_i64(req, body, "agent_id", false, 1, UINT32_MAX, &to->agent_id);
	if (e && e != ENOENT)
		return EINVAL;
	n += !e;
	e = http_json_str(req, body, "extension", false, 31, &to->extension);
	if (e && e != ENOENT)
		return EINVAL;
	n += !e;
	e = http_json_str(req, body, "number", false, 31, &to->number);
	if (e && e != ENOENT)
		return EINVAL;
	n += !e;
	if (n != 1) {
		api_invalid(req, "give exactly one of %s",
			    queue_ok ? "queue_id, agent_id, extension, number"
				     : "agent_id, extension, number");
		return EINVAL;
	}
	return 0;
}

/* Runs the operation's result: the agent's committed state once its events are committed. */
static void reply_done(struct api *a, struct http_req *req, const struct center_agent *ag, int err,
		       const char *what)
{
	if (err) {
		xfer_error(req, err, what);
		return;
	}
	struct api_op *op = api_op_new(a, req, NULL);
	if (!op)
		return;
	op->id = ag->id;
	if (!app_reply_state_later(op, req))
		api_op_free(op);
}

static void on_blind(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	struct tel_xfer_target to;
	if (!ag || read_target(req, true, &to))
		return;
	if (to.queue_id) {
		const struct center_queue *q = center_queue(a->cfg.center, to.queue_id);
		if (!q || !api_client_visible(http_req_user(req), q->client_id)) {
			api_invalid(req, "field \"queue_id\": no active queue %" PRId64,
				    to.queue_id);
			return;
		}
	}
	int err;
	if (a->cfg.tel) {
		err = tel_xfer_blind(a->cfg.tel, ag->id, &to);
	} else if (to.number) {
		err = ENOSYS;
	} else {
		/* no SIP: the center's call (desktop or simulated agents) moves all the same */
		struct acd_agent_info ai;
		const struct center_agent *target =
		    to.agent_id	   ? center_agent(a->cfg.center, to.agent_id)
		    : to.extension ? center_agent_by_extension(a->cfg.center, to.extension)
				   : NULL;
		if (acd_agent_info(center_acd(a->cfg.center), (uint32_t)ag->id, &ai) != 0 ||
		    !ai.call)
			err = ENOENT;
		else if (to.queue_id)
			err = center_call_transfer(a->cfg.center, ai.call, to.queue_id);
		else
			err = target
				  ? center_call_transfer_agent(a->cfg.center, ai.call, target->id)
				  : ENOENT;
	}
	reply_done(a, req, ag, err, "transfer");
}

static void on_consult(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	struct tel_xfer_target to;
	if (!ag || read_target(req, false, &to))
		return;
	int err = a->cfg.tel ? tel_xfer_consult(a->cfg.tel, ag->id, &to) : ENOTCONN;
	reply_done(a, req, ag, err, "consultation");
}

static void consult_end(struct http_req *req, struct api *a, enum tel_consult_end how,
			const char *what)
{
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	const cJSON *body = http_req_json(req);
	static const char *const none[] = {NULL};
	if (body && http_json_only(req, body, none))
		return;
	int err = a->cfg.tel ? tel_xfer_consult_end(a->cfg.tel, ag->id, how) : ENOTCONN;
	reply_done(a, req, ag, err, what);
}

static void on_complete(struct http_req *req, void *arg)
{
	consult_end(req, arg, TEL_CONSULT_COMPLETE, "complete the transfer");
}

static void on_cancel(struct http_req *req, void *arg)
{
	consult_end(req, arg, TEL_CONSULT_CANCEL, "return to the caller");
}

static void on_conference(struct http_req *req, void *arg)
{
	consult_end(req, arg, TEL_CONSULT_CONFERENCE, "conference");
}

/* ---------- monitoring ---------- */

/* The call's agent, when the user may monitor it: supervisors (and admins) any call of a client
 * they see, team leads the calls of their own team. 403/404 replied otherwise. */
static const struct center_agent *monitored_agent(struct api *a, struct http_req *req,
						  uint64_t call, struct acd_call_info *ci)
{
	const struct user *u = http_req_user(req);
	if (acd_call_info(center_acd(a->cfg.center), call, ci) != 0 ||
	    (ci->state != ACD_CALL_CONNECTED && ci->state != ACD_CALL_HOLD)) {
		http_reply_error(req, 404, "not_found", "no call %" PRIu64 " connected to an agent",
				 call);
		return NULL;
	}
	const struct center_agent *ag = center_agent(a->cfg.center, ci->agent);
	const struct center_queue *q = center_queue(a->cfg.center, ci->queue);
	if (!ag || !q || !api_client_visible(u, q->client_id)) {
		http_reply_error(req, 404, "not_found", "no call %" PRIu64 " connected to an agent",
				 call);
		return NULL;
	}
	if (u->role == ROLE_TEAM_LEAD && (uint64_t)ag->team_id != u->team_id) {
		http_reply_error(req, 403, "forbidden",
				 "team leads monitor their own team's calls");
		return NULL;
	}
	return ag;
}

static void monitor_reply(struct api *a, struct http_req *req, uint64_t call, int status)
{
	struct tel_xfer_status st;
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "call_id", (int64_t)call);
	if (a->cfg.tel && tel_xfer_status(a->cfg.tel, call, &st) == 0 && st.monitor_agent) {
		cJSON_AddStringToObject(o, "mode", tel_monitor_mode_name(st.mode));
		json_add_i64(o, "monitor_agent_id", st.monitor_agent);
		cJSON_AddBoolToObject(o, "answered", st.monitor_answered);
	} else {
		cJSON_AddNullToObject(o, "mode");
	}
	http_reply_json(req, status, o);
}

static void on_monitor(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	uint64_t call = http_req_param_u64(req, "id");
	static const char *const keys[] = {"mode", "extension", NULL};
	const cJSON *body = http_req_json(req);
	const char *mode_s = NULL, *ext = NULL;
	if (http_json_only(req, body, keys) || http_json_str(req, body, "mode", true, 16, &mode_s))
		return;
	int e = http_json_str(req, body, "extension", false, 31, &ext);
	if (e && e != ENOENT)
		return;
	enum tel_monitor_mode mode = tel_monitor_mode_parse(mode_s);
	if (!mode) {
		api_invalid(req, "field \"mode\": listen, whisper or barge");
		return;
	}
	struct acd_call_info ci;
	if (!monitored_agent(a, req, call, &ci))
		return;
	/* whose phone rings: the user's own (their agent record), or the extension named */
	const struct center_agent *me = ext ? center_agent_by_extension(a->cfg.center, ext)
					: u->agent_id
					    ? center_agent(a->cfg.center, (int64_t)u->agent_id)
					    : NULL;
	if (!me) {
		api_invalid(req,
			    ext ? "field \"extension\": no such extension"
				: "you have no phone of your own: name an \"extension\" to ring");
		return;
	}
	int err = a->cfg.tel ? tel_xfer_monitor(a->cfg.tel, call, me->id, mode) : ENOTCONN;
	if (err) {
		xfer_error(req, err, "monitor");
		return;
	}
	monitor_reply(a, req, call, 200);
}

static void on_monitor_stop(struct http_req *req, void *arg)
{
	struct api *a = arg;
	uint64_t call = http_req_param_u64(req, "id");
	struct acd_call_info ci;
	if (!monitored_agent(a, req, call, &ci))
		return;
	int err = a->cfg.tel ? tel_xfer_monitor_stop(a->cfg.tel, call) : ENOENT;
	if (err) {
		http_reply_error(req, 404, "not_found", "nobody monitors call %" PRIu64, call);
		return;
	}
	monitor_reply(a, req, call, 200);
}

static void on_monitor_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	uint64_t call = http_req_param_u64(req, "id");
	struct acd_call_info ci;
	/* a call that is not live (any more) has no monitor: "mode": null */
	if (acd_call_info(center_acd(a->cfg.center), call, &ci) != 0) {
		monitor_reply(a, req, call, 200);
		return;
	}
	if (!monitored_agent(a, req, call, &ci))
		return;
	monitor_reply(a, req, call, 200);
}

/* ---------- routes ---------- */

#define XSTATE_REF                                                                                 \
	"{\"type\":\"object\",\"description\":\"the agent's committed state, as GET "              \
	"/api/v1/me/agent\"}"
#define XTARGET(extra)                                                                             \
	"{\"type\":\"object\",\"additionalProperties\":false,\"description\":\"exactly one "       \
	"target\",\"properties\":{" extra "\"agent_id\":{\"type\":\"integer\"},\"extension\":{"    \
	"\"type\":\"string\"},\"number\":{\"type\":\"string\",\"description\":\"an outside "       \
	"number, called through the trunk\"}}}"
#define XEMPTY "{\"type\":\"object\",\"additionalProperties\":false}"
#define XMONITOR                                                                                   \
	"{\"type\":\"object\",\"properties\":{\"call_id\":{\"type\":\"integer\"},\"mode\":{"       \
	"\"type\":\"string\",\"nullable\":true,\"enum\":[\"listen\",\"whisper\",\"barge\"]},"      \
	"\"monitor_agent_id\":{\"type\":\"integer\"},\"answered\":{\"type\":\"boolean\"}}}"

int api_app_xfer_routes(struct api *a)
{
	const struct http_route r[] = {
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/blind-transfer",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_blind,
	     .summary = "Blind transfer of your call to a queue, an agent (their phone rings; "
			"they must be ready and serve the call's queue) or an outside number; you "
			"go to wrap-up",
	     .tag = "desktop",
	     .request_schema = XTARGET("\"queue_id\":{\"type\":\"integer\"},"),
	     .response_schema = XSTATE_REF,
	     .errors = "404 409 422"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/consult",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_consult,
	     .summary = "Consult before transferring: the caller hears music, your phone is joined "
			"to a call to an agent or an outside number",
	     .tag = "desktop",
	     .request_schema = XTARGET(""),
	     .response_schema = XSTATE_REF,
	     .errors = "404 409 422"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/consult/complete",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_complete,
	     .flags = HTTP_ROUTE_BODY_OPTIONAL,
	     .summary = "Complete the consulted transfer: the caller is joined to the target; you "
			"go to wrap-up",
	     .tag = "desktop",
	     .request_schema = XEMPTY,
	     .response_schema = XSTATE_REF,
	     .errors = "404 409"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/consult/cancel",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_cancel,
	     .flags = HTTP_ROUTE_BODY_OPTIONAL,
	     .summary = "End the consultation (or conference): the target is hung up and you are "
			"back with the caller",
	     .tag = "desktop",
	     .request_schema = XEMPTY,
	     .response_schema = XSTATE_REF,
	     .errors = "404 409"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/conference",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_conference,
	     .flags = HTTP_ROUTE_BODY_OPTIONAL,
	     .summary = "Three-way conference of the caller, you and the consulted party (mixed in "
			"the daemon)",
	     .tag = "desktop",
	     .request_schema = XEMPTY,
	     .response_schema = XSTATE_REF,
	     .errors = "404 409"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/calls/{id:int}/monitor",
	     .roles = R_LEAD | R_SUPER | R_ADMIN,
	     .h = on_monitor_get,
	     .summary = "Who monitors a live call, and how (mode null: nobody, or the call is not "
			"live)",
	     .tag = "floor",
	     .response_schema = XMONITOR,
	     .errors = "403 404"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/calls/{id:int}/monitor",
	     .roles = R_LEAD | R_SUPER | R_ADMIN,
	     .h = on_monitor,
	     .summary =
		 "Listen to, whisper to the agent of, or barge into a live call (team leads: "
		 "their team's calls): your phone (or the extension named) rings and joins "
		 "the call; again with another mode changes it at once",
	     .tag = "floor",
	     .request_schema =
		 "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"mode\"],"
		 "\"properties\":{\"mode\":{\"type\":\"string\",\"enum\":[\"listen\",\"whisper\","
		 "\"barge\"]},\"extension\":{\"type\":\"string\",\"description\":\"the phone to "
		 "ring when you have none of your own\"}}}",
	     .response_schema = XMONITOR,
	     .errors = "403 404 409 422"},
	    {.method = HTTP_DELETE,
	     .pattern = API_PREFIX "/calls/{id:int}/monitor",
	     .roles = R_LEAD | R_SUPER | R_ADMIN,
	     .h = on_monitor_stop,
	     .summary = "Stop monitoring a call: the monitor's phone is hung up",
	     .tag = "floor",
	     .response_schema = XMONITOR,
	     .errors = "403 404"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
