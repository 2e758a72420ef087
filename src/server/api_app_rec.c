/* api_app_rec: the agent desktop's call recording: status, start on demand, pause and resume
 * (tel_rec.c). */
#include "server/api_app.h"
#include "server/telephony.h"

#include "base/json.h"
#include "http/users.h"

#include <errno.h>
#include <string.h>

static void reply_state(struct http_req *req, const struct telephony_rec_state *st)
{
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	cJSON_AddStringToObject(o, "mode", st->mode);
	cJSON_AddStringToObject(o, "state", st->state);
	json_add_i64(o, "call_id", (int64_t)st->call_id);
	if (st->contact_id)
		json_add_i64(o, "contact_id", st->contact_id);
	else
		cJSON_AddNullToObject(o, "contact_id");
	if (st->ref[0])
		cJSON_AddStringToObject(o, "recording_ref", st->ref);
	else
		cJSON_AddNullToObject(o, "recording_ref");
	http_reply_json(req, 200, o);
}

static void reply_error(struct http_req *req, int err, const struct telephony_rec_state *st)
{
	switch (err) {
	case ENOENT:
		http_reply_error(req, 409, "conflict", "you have no connected phone call");
		break;
	case EPERM:
		http_reply_error(req, 409, "conflict",
				 !strcmp(st->mode, "off")
				     ? "the call's queue does not record calls"
				     : "the call's queue records every call: it cannot be started");
		break;
	case EALREADY:
		http_reply_error(req, 409, "conflict", "the recording is %s already", st->state);
		break;
	case EINVAL:
		http_reply_error(req, 409, "conflict", "the call is not being recorded");
		break;
	default:
		http_reply_error(req, 500, "internal", "the recording could not be started");
		break;
	}
}

static void rec_op(struct http_req *req, struct api *a, enum telephony_rec_op op)
{
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	const struct user *u = http_req_user(req);
	struct telephony_rec_state st;
	/* no telephony (NULL): ENOENT, no call */
	int err = telephony_rec_control(a->cfg.tel, ag->id, op, u ? u->id : 0, &st);
	if (err == ENOENT && op == TEL_REC_STATUS) {
		/* a status read is not a conflict: there is simply no call to record */
		cJSON *o = cJSON_CreateObject();
		if (!o) {
			http_reply_error(req, 500, "internal", "out of memory");
			return;
		}
		cJSON_AddNullToObject(o, "mode");
		cJSON_AddStringToObject(o, "state", "no_call");
		cJSON_AddNullToObject(o, "call_id");
		cJSON_AddNullToObject(o, "contact_id");
		cJSON_AddNullToObject(o, "recording_ref");
		http_reply_json(req, 200, o);
		return;
	}
	if (err) {
		if (!st.mode)
			st.mode = "off";
		if (!st.state)
			st.state = "off";
		reply_error(req, err, &st);
		return;
	}
	reply_state(req, &st);
}

static void on_rec_get(struct http_req *req, void *arg)
{
	rec_op(req, arg, TEL_REC_STATUS);
}

static void on_rec_post(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"action", NULL};
	const cJSON *body = http_req_json(req);
	const char *action;
	if (http_json_only(req, body, keys) ||
	    http_json_str(req, body, "action", true, 16, &action))
		return;
	enum telephony_rec_op op;
	if (!strcmp(action, "start"))
		op = TEL_REC_START;
	else if (!strcmp(action, "pause"))
		op = TEL_REC_PAUSE;
	else if (!strcmp(action, "resume"))
		op = TEL_REC_RESUME;
	else {
		http_reply_error(req, 422, "invalid",
				 "field \"action\" must be \"start\", \"pause\" or \"resume\"");
		return;
	}
	rec_op(req, arg, op);
}

#define REC_SCHEMA                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"mode\":{\"type\":\"string\",\"enum\":[\"off\","    \
	"\"always\",\"on_demand\"]},\"state\":{\"type\":\"string\",\"enum\":[\"off\","             \
	"\"recording\",\"paused\"]},\"call_id\":{\"type\":\"integer\"},\"contact_id\":{\"type\":"  \
	"\"integer\",\"nullable\":true},\"recording_ref\":{\"type\":\"string\",\"nullable\":true}" \
	"}}"

int api_app_rec_routes(struct api *a)
{
	const struct http_route r[] = {
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/me/call/recording",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_rec_get,
	     .summary =
		 "The recording of your connected phone call: the queue's mode and its state",
	     .tag = "desktop",
	     .response_schema = REC_SCHEMA,
	     .errors = "404 409"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/recording",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_rec_post,
	     .summary = "Start (on-demand queues), pause or resume the recording of your phone "
			"call; paused stretches are silence in the file",
	     .tag = "desktop",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
			       "\"action\"],\"properties\":{\"action\":{\"type\":\"string\","
			       "\"enum\":[\"start\",\"pause\",\"resume\"]}}}",
	     .response_schema = REC_SCHEMA,
	     .errors = "404 409 422"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
