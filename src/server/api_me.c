/* api_me: the agent's own state (ready / not-ready / logged-out), wrap-up, and team leads changing
 * their agents' state. */
#include "server/api_impl.h"

#include "base/json.h"
#include "base/mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {"ready", "not_ready", "logged_out", NULL};

static const struct api_field state_fields[] = {
    {"state", AF_ENUM, AF_REQ, 0, 0, state_names},
    {"reason", AF_INT, 0, 0, UINT32_MAX, NULL},
};

/* Reads {"state", "reason"}; replies 422 and returns EINVAL when invalid. */
static int read_state(struct http_req *req, enum acd_agent_state *want, uint32_t *reason)
{
	struct api_val v[2];
	if (api_read_fields(req, http_req_json(req), state_fields, 2, NULL, true, v))
		return EINVAL;
	const char *s = v[0].s;
	bool has_reason = v[1].present && !v[1].null;
	*reason = has_reason ? (uint32_t)v[1].i : ACD_REASON_NONE;
	const struct api_reason *r = has_reason ? api_reason(*reason) : NULL;
	if (strcmp(s, "ready") == 0) {
		*want = ACD_AGENT_READY;
		if (has_reason && *reason != ACD_REASON_NONE) {
			api_invalid(req, "field \"reason\" is only for not_ready and logged_out");
			return EINVAL;
		}
	} else if (strcmp(s, "not_ready") == 0) {
		*want = ACD_AGENT_NOT_READY;
		if (!has_reason) {
			api_invalid(req, "field \"reason\" is required for not_ready (see GET "
					 "/api/v1/reason-codes)");
			return EINVAL;
		}
	} else {
		*want = ACD_AGENT_LOGGED_OUT;
	}
	if (has_reason && *reason != ACD_REASON_NONE && (!r || !r->user)) {
		api_invalid(req, "field \"reason\": %u is not a selectable reason code", *reason);
		return EINVAL;
	}
	return 0;
}

static void reply_state_error(struct http_req *req, int err)
{
	if (err == ENOENT)
		api_not_found(req, "agent");
	else if (err == EBUSY || err == EINVAL || err == EALREADY)
		http_reply_error(req, 409, "conflict",
				 "the agent cannot change to that state now (log in first?)");
	else
		http_reply_error(req, 500, "internal", "state change failed: %s", strerror(err));
}

/* The user's agent, or a 404 reply. */
static const struct center_agent *own_agent(struct api *a, struct http_req *req)
{
	const struct user *u = http_req_user(req);
	const struct center_agent *ag =
	    u->agent_id ? center_agent(a->cfg.center, (int64_t)u->agent_id) : NULL;
	if (!ag)
		http_reply_error(req, 404, "not_found", "your account is not an agent");
	return ag;
}

static void on_me_agent(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = own_agent(a, req);
	if (!ag)
		return;
	cJSON *o = api_agent_state_json(a, ag->id);
	cJSON_AddStringToObject(o, "name", ag->name);
	cJSON_AddStringToObject(o, "extension", ag->extension);
	if (ag->team_id)
		json_add_i64(o, "team_id", ag->team_id);
	else
		cJSON_AddNullToObject(o, "team_id");
	cJSON *qs = cJSON_AddArrayToObject(o, "queues");
	const struct center_queue *q;
	for (unsigned i = 0; (q = center_queue_at(a->cfg.center, i)); i++)
		if (api_agent_serves(a, ag->id, q->id))
			cJSON_AddItemToArray(qs, cJSON_CreateNumber((double)q->id));
	http_reply_json(req, 200, o);
}

/* The state change committed: reply with the committed state. */
static void state_done(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "agent state");
		return;
	}
	http_reply_json(req, 200, api_agent_state_json(op->api, op->id));
}

static void on_me_state(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = own_agent(a, req);
	if (!ag)
		return;
	enum acd_agent_state want;
	uint32_t reason;
	if (read_state(req, &want, &reason))
		return;
	if (!ag->active && want != ACD_AGENT_LOGGED_OUT) {
		http_reply_error(req, 409, "conflict", "this agent is deactivated");
		return;
	}
	struct api_op *op = api_op_new(a, req, state_done);
	if (!op)
		return;
	op->id = ag->id;
	int err =
	    center_agent_set_state(a->cfg.center, ag->id, want, reason, api_op_center_done, op);
	if (err) {
		reply_state_error(req, err);
		api_op_free(op);
	}
}

/* ---------- wrap-up ---------- */

struct wrap {
	int64_t agent, call, disposition;
	char *notes;
};

static void wrap_free(void *p)
{
	struct wrap *w = p;
	sb_free(w->notes);
	sb_free(w);
}

static const struct store_stmt s_wrap_notes = {
    "api.wrap_notes",
    "UPDATE contacts SET notes = $1, updated_at = $2 WHERE id ="
    " (SELECT MAX(id) FROM contacts WHERE call_id = $3 AND agent_id = $4)",
    NULL};

static void wrap_committed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	struct wrap *w = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact record");
		return;
	}
	cJSON *o = api_agent_state_json(op->api, w->agent);
	if (w->disposition)
		json_add_i64(o, "disposition_id", w->disposition);
	http_reply_json(req, 200, o);
}

/* Notes written: wait until the wrap-up's events are committed too. */
static void wrap_notes_done(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (err) {
		wrap_committed(op, err, rs, req);
		return;
	}
	/* already committed: center_when_committed would complete (and free) the op inside us */
	if (center_committed_seq(op->api->cfg.center) >= (uint64_t)op->n) {
		wrap_committed(op, 0, NULL, req);
		return;
	}
	op->cont = true;
	op->done = wrap_committed;
	center_when_committed(op->api->cfg.center, (uint64_t)op->n, api_op_center_done, op);
}

static void wrap_finish(struct api_op *op, struct http_req *req)
{
	struct api *a = op->api;
	struct wrap *w = op->data;
	struct center_agent_live lv;
	if (center_agent_live(a->cfg.center, w->agent, &lv) != 0 || lv.state != ACD_AGENT_WRAPUP ||
	    (w->call && lv.call_id != (uint64_t)w->call)) {
		if (req)
			http_reply_error(req, 409, "conflict", "you are not in wrap-up");
		return;
	}
	if (w->notes)
		center_agent_wrapup_notes(a->cfg.center, w->agent, w->notes);
	int err = center_agent_wrapup_done(a->cfg.center, w->agent, w->disposition, NULL, NULL);
	if (err) {
		if (req)
			http_reply_error(req, 409, "conflict", "you are not in wrap-up");
		return;
	}
	op->n = (int64_t)center_last_seq(a->cfg.center);
	if (!w->notes) {
		if (center_committed_seq(a->cfg.center) >= (uint64_t)op->n) {
			wrap_committed(op, 0, NULL, req); /* nothing to wait for */
			return;
		}
		op->cont = true;
		op->done = wrap_committed;
		center_when_committed(a->cfg.center, (uint64_t)op->n, api_op_center_done, op);
		return;
	}
	op->cont = true;
	/* after the center's own write of the record (submitted just now), so the notes stay */
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		op->cont = false;
		if (req)
			http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	struct store_value p[] = {store_text(w->notes), store_int(api_now(a)), store_int(w->call),
				  store_int(w->agent)};
	int e = 0;
	api_step(job, &s_wrap_notes, p, 4, 0, &e);
	op->done = wrap_notes_done;
	op->cont = api_op_write_keep(op, job, req, e) == 0;
}

static void wrap_disposition_checked(struct api_op *op, int err, struct store_rs *rs,
				     struct http_req *req)
{
	struct wrap *w = op->data;
	if (err) {
		api_store_error(req, err, false, "disposition");
		return;
	}
	if (store_rs_rows(rs) == 0) {
		if (req)
			api_invalid(req,
				    "field \"disposition_id\": no active disposition %" PRId64
				    " for this call's client",
				    w->disposition);
		return;
	}
	if (store_rs_int(rs, 0, 1) && !w->notes) {
		if (req)
			api_invalid(req, "field \"notes\" is required with this disposition");
		return;
	}
	wrap_finish(op, req);
}

/*
 * Ending wrap-up from the desktop records a disposition: it is required here.
 * The phone's *45 and the end of a timed wrap-up finish it without one (a
 * phone cannot choose, the queue's time box wins); the record then waits for
 * its disposition, which the agent gives with PATCH /contacts/{id}.
 */
static const struct api_field wrap_fields[] = {
    {"disposition_id", AF_INT, AF_REQ, 1, INT64_MAX / 2, NULL},
    {"notes", AF_TEXT, AF_NULL | AF_EMPTY | AF_PERSONAL, 0, 20000, NULL},
};

static const struct store_stmt q_disposition_ok = {
    "api.disposition_ok",
    "SELECT id, requires_note FROM dispositions WHERE id = $1 AND active = 1"
    " AND (client_id IS NULL OR client_id = $2)",
    NULL};

static void on_me_wrapup(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = own_agent(a, req);
	if (!ag)
		return;
	struct api_val v[2];
	if (api_read_fields(req, http_req_json(req), wrap_fields, 2, NULL, true, v))
		return;
	struct center_agent_live lv;
	if (center_agent_live(a->cfg.center, ag->id, &lv) != 0 || lv.state != ACD_AGENT_WRAPUP) {
		http_reply_error(req, 409, "conflict", "you are not in wrap-up");
		return;
	}
	struct api_op *op = api_op_new(a, req, wrap_disposition_checked);
	struct wrap *w = op ? sb_zalloc(sizeof(*w)) : NULL;
	if (!w) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = w;
	op->data_free = wrap_free;
	w->agent = ag->id;
	w->call = (int64_t)lv.call_id;
	w->disposition = v[0].i;
	if (v[1].present && !v[1].null && v[1].s[0])
		w->notes = sb_strdup(v[1].s);
	const struct center_queue *q = center_queue(a->cfg.center, lv.queue_id);
	struct store_value p[] = {store_int(w->disposition), store_int(q ? q->client_id : 0)};
	api_op_query(op, &q_disposition_ok, p, 2, req);
}

/* ---------- a team lead (or supervisor, admin) changes an agent's state ---------- */

struct agent_state_change {
	char *before;
	enum acd_agent_state want;
	uint32_t reason;
};

static void agent_state_audited(struct api_op *op, int err, struct store_rs *rs,
				struct http_req *req)
{
	state_done(op, err, rs, req);
}

static void agent_state_changed(struct api_op *op, int err, struct store_rs *rs,
				struct http_req *req)
{
	(void)rs;
	if (err) {
		if (req)
			api_store_error(req, err, false, "agent state");
		return;
	}
	struct agent_state_change *ch = op->data;
	cJSON *after = api_agent_state_json(op->api, op->id);
	cJSON_DeleteItemFromObject(after, "today");
	cJSON_AddStringToObject(after, "requested", acd_agent_state_name(ch->want));
	char *at = cJSON_PrintUnformatted(after);
	cJSON_Delete(after);
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		cJSON_free(at);
		if (req)
			http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	int e = 0;
	api_audit(job, op, "state", "agent", store_int(op->id), ch->before, at, &e);
	cJSON_free(at);
	if (e) {
		store_job_free(job);
		if (req)
			http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	op->done = agent_state_audited;
	op->cont = api_op_write_keep(op, job, req, 0) == 0;
}

static void change_free(void *p)
{
	struct agent_state_change *ch = p;
	cJSON_free(ch->before);
	sb_free(ch);
}

static void on_agent_state(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	const struct center_agent *ag = center_agent(a->cfg.center, api_param_id(req, "id"));
	if (!ag || !api_agent_visible(a, u, ag)) {
		api_not_found(req, "agent");
		return;
	}
	enum acd_agent_state want;
	uint32_t reason;
	if (read_state(req, &want, &reason))
		return;
	if (!ag->active && want != ACD_AGENT_LOGGED_OUT) {
		http_reply_error(req, 409, "conflict", "this agent is deactivated");
		return;
	}
	struct api_op *op = api_op_new(a, req, agent_state_changed);
	struct agent_state_change *ch = op ? sb_zalloc(sizeof(*ch)) : NULL;
	if (!ch) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = ch;
	op->data_free = change_free;
	op->id = ag->id;
	ch->want = want;
	ch->reason = reason;
	cJSON *before = api_agent_state_json(a, ag->id);
	cJSON_DeleteItemFromObject(before, "today");
	ch->before = cJSON_PrintUnformatted(before);
	cJSON_Delete(before);
	int err =
	    center_agent_set_state(a->cfg.center, ag->id, want, reason, api_op_center_done, op);
	if (err) {
		reply_state_error(req, err);
		api_op_free(op);
	}
}

/* ---------- routes ---------- */

#define STATE_SCHEMA                                                                               \
	"{\"type\":\"object\",\"properties\":{\"agent_id\":{\"type\":\"integer\"},\"state\":{"     \
	"\"type\":\"string\",\"enum\":[\"logged-out\",\"ready\",\"not-ready\",\"reserved\","       \
	"\"talking\",\"hold\",\"wrap-up\",\"other\"]},\"reason\":{\"type\":\"integer\"},"          \
	"\"reason_name\":{\"type\":\"string\",\"nullable\":true},\"since\":{\"type\":\"integer\"}" \
	","                                                                                        \
	"\"call_id\":{\"type\":\"integer\",\"nullable\":true},\"queue_id\":{\"type\":\"integer\"," \
	"\"nullable\":true},\"today\":{\"type\":\"object\",\"properties\":{\"offers\":{\"type\":"  \
	"\"integer\"},\"answered\":{\"type\":\"integer\"},\"missed\":{\"type\":\"integer\"},"      \
	"\"handled\":{\"type\":\"integer\"},\"talk_ms\":{\"type\":\"integer\"},\"hold_ms\":{"      \
	"\"type\":\"integer\"},\"wrap_ms\":{\"type\":\"integer\"}}}}}"

#define STATE_REQUEST                                                                              \
	"{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"state\"],"            \
	"\"properties\":{\"state\":{\"type\":\"string\",\"enum\":[\"ready\",\"not_ready\","        \
	"\"logged_out\"]},\"reason\":{\"type\":\"integer\",\"description\":\"a selectable code "   \
	"from GET /api/v1/reason-codes; required for not_ready\"}}}"

int api_me_routes(struct api *a)
{
	const struct http_route r[] = {
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/me/agent",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_me_agent,
	     .summary = "The caller's agent: committed state, today's figures, the queues served",
	     .tag = "agents",
	     .response_schema = STATE_SCHEMA,
	     .errors = "404"},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/me/state",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_me_state,
	     .summary = "Log in, become ready or not ready (with a reason), or log out; answered "
			"once the change is committed",
	     .tag = "agents",
	     .request_schema = STATE_REQUEST,
	     .response_schema = STATE_SCHEMA,
	     .errors = "404 409"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/wrapup",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_me_wrapup,
	     .summary =
		 "End wrap-up with a disposition (required: *45 on the phone and the end "
		 "of a timed wrap-up finish it without one) and notes for the call's contact "
		 "record",
	     .tag = "agents",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
			       "\"disposition_id\"],\"properties\":{"
			       "\"disposition_id\":{\"type\":\"integer\"},\"notes\":{\"type\":"
			       "\"string\",\"maxLength\":20000,\"nullable\":true}}}",
	     .response_schema = STATE_SCHEMA,
	     .errors = "404 409"},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/agents/{id:int}/state",
	     .roles = R_LEAD | R_SUPER | R_ADMIN,
	     .h = on_agent_state,
	     .summary = "Change an agent's state (team leads: their team's agents); audited",
	     .tag = "agents",
	     .request_schema = STATE_REQUEST,
	     .response_schema = STATE_SCHEMA,
	     .errors = "404 409"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
