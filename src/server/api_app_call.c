/* api_app_call: the agent desktop's call: the offered or current call, answer, reject, hold, hang
 * up, transfer, notes, the customer; preferences and "my day". */
#include "server/api_app.h"

#include "base/json.h"
#include "base/mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Every call operation here is a real operation on the center (the same
 * functions the SIP controller and the demo traffic use): an answer from the
 * desktop is center_call_answer, as a phone's answer is. The reply comes
 * once the events the operation caused are committed, with the agent's
 * committed state, so that the screen and the phone agree.
 */

/* ---------- shared ---------- */

const struct center_agent *app_agent(struct api *a, struct http_req *req)
{
	const struct user *u = http_req_user(req);
	const struct center_agent *ag =
	    u && u->agent_id ? center_agent(a->cfg.center, (int64_t)u->agent_id) : NULL;
	if (!ag)
		http_reply_error(req, 404, "not_found", "your account is not an agent");
	return ag;
}

static void state_reply(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "agent state");
		return;
	}
	cJSON *o = api_agent_state_json(op->api, op->id);
	if (op->n)
		json_add_i64(o, "escalation_id", op->n);
	http_reply_json(req, op->status ? op->status : 200, o);
}

bool app_reply_state_later(struct api_op *op, struct http_req *req)
{
	struct center *c = op->api->cfg.center;
	uint64_t seq = center_last_seq(c);
	if (center_committed_seq(c) >= seq) {
		/* nothing left to wait for: answer now (center_when_committed would run at once) */
		state_reply(op, 0, NULL, req);
		return false;
	}
	op->done = state_reply;
	center_when_committed(c, seq, api_op_center_done, op);
	return true;
}

void app_center_error(struct http_req *req, int err, const char *what)
{
	if (!req)
		return;
	if (err == ENOENT)
		http_reply_error(req, 409, "conflict", "%s: the call is gone", what);
	else if (err == EALREADY)
		http_reply_error(req, 409, "conflict",
				 "%s: the call was answered elsewhere or withdrawn", what);
	else if (err == EBUSY || err == EINVAL)
		http_reply_error(req, 409, "conflict",
				 "%s: not possible in the call's current state", what);
	else
		http_reply_error(req, 500, "internal", "%s failed: %s", what, strerror(err));
}

int64_t app_month_start(struct api *a, int64_t t)
{
	const struct center_site *s = center_site_at(a->cfg.center, 0);
	const char *zone = s && s->time_zone[0] ? s->time_zone : "UTC";
	const char *old = getenv("TZ");
	char *saved = old ? sb_strdup(old) : NULL;
	setenv("TZ", zone, 1);
	tzset();
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	localtime_r(&secs, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t m = mktime(&tm);
	if (saved) {
		setenv("TZ", saved, 1);
		sb_free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
	return (int64_t)m * 1000;
}

/* The ACD's own view of the agent (uncommitted events included): what the next operation acts on.
 */
static int acd_now_info(struct api *a, const struct center_agent *ag, struct acd_agent_info *info)
{
	return acd_agent_info(center_acd(a->cfg.center), (uint32_t)ag->id, info);
}

/* An optional {"call_id"} body naming the call the desktop shows: 409 when it is another. */
static int check_call_id(struct http_req *req, uint64_t call)
{
	const cJSON *body = http_req_json(req);
	if (!body)
		return 0;
	static const char *const keys[] = {"call_id", NULL};
	if (http_json_only(req, body, keys))
		return EINVAL;
	int64_t want = 0;
	int e = http_json_i64(req, body, "call_id", false, 1, INT64_MAX / 2, &want);
	if (e == ENOENT)
		return 0;
	if (e)
		return EINVAL;
	if ((uint64_t)want != call) {
		http_reply_error(req, 409, "conflict", "call %" PRId64 " is not offered to you now",
				 want);
		return EBUSY;
	}
	return 0;
}

static struct api_op *state_op(struct api *a, struct http_req *req, const struct center_agent *ag)
{
	struct api_op *op = api_op_new(a, req, state_reply);
	if (op)
		op->id = ag->id;
	return op;
}

/* ---------- GET /me/call ---------- */

static const struct store_stmt q_call = {
    "app.call",
    "SELECT c.id, c.customer_number, c.customer_id, c.system_number, c.t_enqueued,"
    " c.t_connected, c.notes, c.queue_id, c.initial_id,"
    " (SELECT e.id FROM escalations e WHERE e.call_id = c.call_id ORDER BY e.id DESC LIMIT 1),"
    " (SELECT e.reason FROM escalations e WHERE e.call_id = c.call_id ORDER BY e.id DESC LIMIT 1),"
    " (SELECT e.from_agent_id FROM escalations e WHERE e.call_id = c.call_id"
    "  ORDER BY e.id DESC LIMIT 1),"
    " (SELECT p.customer_id FROM contacts p WHERE p.call_id = c.call_id AND p.id < c.id"
    "  AND p.customer_id IS NOT NULL ORDER BY p.id DESC LIMIT 1),"
    /* a callback being placed: its row (notes, the voicemail message it answers) */
    " b.id, b.notes, b.attempts, b.max_attempts, b.message_id, m.recording_ref"
    " FROM contacts c LEFT JOIN callbacks b ON b.id = (SELECT max(x.id) FROM callbacks x"
    "  WHERE x.call_id = c.call_id) LEFT JOIN contacts m ON m.id = b.message_id"
    " WHERE c.call_id = $1"
    /* the agent's own segment (after a transfer the call has a newer one elsewhere) */
    " ORDER BY CASE WHEN c.agent_id = $2 THEN 0 ELSE 1 END, c.id DESC LIMIT 1",
    NULL};

static bool on_a_call(enum acd_agent_state s)
{
	return s == ACD_AGENT_RESERVED || s == ACD_AGENT_TALKING || s == ACD_AGENT_HOLD ||
	       s == ACD_AGENT_WRAPUP;
}

/* No call now: {"call_id": null, "state": ...}. */
static void no_call(struct http_req *req, enum acd_agent_state st)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNullToObject(o, "call_id");
	cJSON_AddStringToObject(o, "state", acd_agent_state_name(st));
	http_reply_json(req, 200, o);
}

/* "callback": the callbacks row a callback call places (null for other calls). */
static void call_callback(cJSON *o, const struct store_rs *rs)
{
	if (store_rs_is_null(rs, 0, 13)) {
		cJSON_AddNullToObject(o, "callback");
		return;
	}
	cJSON *b = cJSON_AddObjectToObject(o, "callback");
	json_add_i64(b, "id", store_rs_int(rs, 0, 13));
	json_add_str_or_null(b, "notes", store_rs_text(rs, 0, 14));
	json_add_i64(b, "attempts", store_rs_int(rs, 0, 15));
	json_add_i64(b, "max_attempts", store_rs_int(rs, 0, 16));
	/* the message as the contacts list shows it: its record, whether it has a recording */
	if (store_rs_is_null(rs, 0, 17))
		cJSON_AddNullToObject(b, "message_contact_id");
	else
		json_add_i64(b, "message_contact_id", store_rs_int(rs, 0, 17));
	cJSON_AddBoolToObject(b, "message_has_recording", !store_rs_is_null(rs, 0, 18));
}

static void call_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "call");
		return;
	}
	struct api *a = op->api;
	struct center_agent_live lv;
	if (center_agent_live(a->cfg.center, op->id, &lv) != 0)
		lv.state = ACD_AGENT_LOGGED_OUT;
	if (!on_a_call(lv.state) || lv.call_id != (uint64_t)op->id2) {
		no_call(req, lv.state); /* the call ended while its record was read */
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "call_id", (int64_t)lv.call_id);
	cJSON_AddStringToObject(o, "state", acd_agent_state_name(lv.state));
	json_add_i64(o, "since", lv.since);
	const struct center_queue *q = center_queue(a->cfg.center, lv.queue_id);
	json_add_i64(o, "queue_id", lv.queue_id);
	cJSON_AddStringToObject(o, "queue_name", q ? q->name : "");
	/* wrap-up: how it ends (a timed wrap-up ends by itself at ends_at) */
	if (q) {
		const char *mode = q->acd.wrapup == ACD_WRAPUP_NONE	? "none"
				   : q->acd.wrapup == ACD_WRAPUP_MANUAL ? "manual"
									: "timed";
		cJSON_AddStringToObject(o, "wrapup", mode);
		json_add_i64(o, "wrapup_ms",
			     q->acd.wrapup == ACD_WRAPUP_TIMED ? q->acd.wrapup_ms : 0);
		if (lv.state == ACD_AGENT_WRAPUP && q->acd.wrapup == ACD_WRAPUP_TIMED)
			json_add_i64(o, "wrapup_ends_at", lv.since + q->acd.wrapup_ms);
		else
			cJSON_AddNullToObject(o, "wrapup_ends_at");
		json_add_i64(o, "client_id", q->client_id);
	}
	if (store_rs_rows(rs)) {
		json_add_i64(o, "contact_id", store_rs_int(rs, 0, 0));
		json_add_str_or_null(o, "customer_number", store_rs_text(rs, 0, 1));
		int64_t cust = store_rs_int(rs, 0, 2);
		if (!cust)
			cust = store_rs_int(rs, 0, 12); /* linked on an earlier segment */
		if (cust)
			json_add_i64(o, "customer_id", cust);
		else
			cJSON_AddNullToObject(o, "customer_id");
		const char *sys = store_rs_text(rs, 0, 3);
		cJSON_AddStringToObject(o, "system_number", sys ? sys : "");
		json_add_i64(o, "t_enqueued", store_rs_int(rs, 0, 4));
		if (store_rs_is_null(rs, 0, 5))
			cJSON_AddNullToObject(o, "t_connected");
		else
			json_add_i64(o, "t_connected", store_rs_int(rs, 0, 5));
		const char *notes = store_rs_text(rs, 0, 6);
		cJSON_AddStringToObject(o, "notes", notes ? notes : "");
		json_add_i64(o, "initial_contact_id", store_rs_int(rs, 0, 8));
		if (!store_rs_is_null(rs, 0, 9)) {
			cJSON *e = cJSON_AddObjectToObject(o, "escalation");
			json_add_i64(e, "id", store_rs_int(rs, 0, 9));
			const char *why = store_rs_text(rs, 0, 10);
			cJSON_AddStringToObject(e, "reason", why ? why : "");
			json_add_i64(e, "from_agent_id", store_rs_int(rs, 0, 11));
		} else {
			cJSON_AddNullToObject(o, "escalation");
		}
		call_callback(o, rs);
	} else {
		cJSON_AddNullToObject(o, "contact_id");
		cJSON_AddNullToObject(o, "customer_number");
		cJSON_AddNullToObject(o, "customer_id");
		cJSON_AddNullToObject(o, "escalation");
		cJSON_AddNullToObject(o, "callback");
	}
	http_reply_json(req, 200, o);
}

static void on_call_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	struct center_agent_live lv;
	if (center_agent_live(a->cfg.center, ag->id, &lv) != 0)
		lv.state = ACD_AGENT_LOGGED_OUT;
	if (!on_a_call(lv.state) || !lv.call_id) {
		no_call(req, lv.state);
		return;
	}
	struct api_op *op = api_op_new(a, req, call_read);
	if (!op)
		return;
	op->id = ag->id;
	op->id2 = (int64_t)lv.call_id;
	struct store_value p[] = {store_int((int64_t)lv.call_id), store_int(ag->id)};
	api_op_query(op, &q_call, p, 2, req);
}

/* ---------- answer, reject, hold, hang up, transfer ---------- */

static void on_answer(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	struct acd_agent_info info;
	if (!ag || acd_now_info(a, ag, &info) != 0) {
		if (ag)
			http_reply_error(req, 409, "conflict", "no call is offered to you");
		return;
	}
	if (info.state != ACD_AGENT_RESERVED || !info.call) {
		http_reply_error(req, 409, "conflict", "no call is offered to you");
		return;
	}
	if (check_call_id(req, info.call))
		return;
	struct api_op *op = state_op(a, req, ag);
	if (!op)
		return;
	int err = center_call_answer(a->cfg.center, info.call, ag->id);
	if (err) {
		app_center_error(req, err, "answer");
		api_op_free(op);
		return;
	}
	if (!app_reply_state_later(op, req))
		api_op_free(op);
}

static void on_reject(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	struct acd_agent_info info;
	if (!ag)
		return;
	if (acd_now_info(a, ag, &info) != 0 || info.state != ACD_AGENT_RESERVED || !info.call) {
		http_reply_error(req, 409, "conflict", "no call is offered to you");
		return;
	}
	if (check_call_id(req, info.call))
		return;
	struct api_op *op = state_op(a, req, ag);
	if (!op)
		return;
	int err = center_call_reject(a->cfg.center, info.call, ag->id, ACD_CAUSE_DECLINED);
	if (err) {
		app_center_error(req, err, "reject");
		api_op_free(op);
		return;
	}
	if (!app_reply_state_later(op, req))
		api_op_free(op);
}

/* The agent's connected call (talking or on hold), or a 409 reply. */
static uint64_t connected_call(struct api *a, struct http_req *req, const struct center_agent *ag,
			       struct acd_agent_info *info)
{
	if (acd_now_info(a, ag, info) != 0 ||
	    (info->state != ACD_AGENT_TALKING && info->state != ACD_AGENT_HOLD) || !info->call) {
		http_reply_error(req, 409, "conflict", "you are not on a call");
		return 0;
	}
	return info->call;
}

static void on_hold(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	static const char *const keys[] = {"hold", NULL};
	const cJSON *body = http_req_json(req);
	bool hold;
	if (http_json_only(req, body, keys) || http_json_bool(req, body, "hold", true, &hold))
		return;
	struct acd_agent_info info;
	uint64_t call = connected_call(a, req, ag, &info);
	if (!call)
		return;
	if (hold == (info.state == ACD_AGENT_HOLD)) {
		http_reply_error(req, 409, "conflict",
				 hold ? "the call is on hold already" : "the call is not on hold");
		return;
	}
	struct api_op *op = state_op(a, req, ag);
	if (!op)
		return;
	int err = center_call_hold(a->cfg.center, call, hold);
	if (err) {
		app_center_error(req, err, hold ? "hold" : "resume");
		api_op_free(op);
		return;
	}
	if (!app_reply_state_later(op, req))
		api_op_free(op);
}

static void on_hangup(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	const cJSON *body = http_req_json(req);
	static const char *const none[] = {NULL};
	if (body && http_json_only(req, body, none))
		return;
	struct acd_agent_info info;
	uint64_t call = connected_call(a, req, ag, &info);
	if (!call)
		return;
	struct api_op *op = state_op(a, req, ag);
	if (!op)
		return;
	int err = center_call_hangup(a->cfg.center, call, ACD_SIDE_AGENT);
	if (err) {
		app_center_error(req, err, "hang up");
		api_op_free(op);
		return;
	}
	if (!app_reply_state_later(op, req))
		api_op_free(op);
}

static void on_transfer(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	static const char *const keys[] = {"queue_id", NULL};
	const cJSON *body = http_req_json(req);
	int64_t qid;
	if (http_json_only(req, body, keys) ||
	    http_json_i64(req, body, "queue_id", true, 1, UINT32_MAX, &qid))
		return;
	const struct center_queue *q = center_queue(a->cfg.center, qid);
	if (!q || !q->active || !api_client_visible(http_req_user(req), q->client_id)) {
		api_invalid(req, "field \"queue_id\": no active queue %" PRId64, qid);
		return;
	}
	struct acd_agent_info info;
	uint64_t call = connected_call(a, req, ag, &info);
	if (!call)
		return;
	if ((int64_t)info.queue == qid) {
		api_invalid(req, "field \"queue_id\": the call is in that queue already");
		return;
	}
	struct api_op *op = state_op(a, req, ag);
	if (!op)
		return;
	int err = center_call_transfer(a->cfg.center, call, qid);
	if (err) {
		if (err == EBUSY)
			http_reply_error(
			    req, 409, "conflict",
			    "queue %s refused the call (full, closed or nobody logged in)",
			    q->name);
		else
			app_center_error(req, err, "transfer");
		api_op_free(op);
		return;
	}
	if (!app_reply_state_later(op, req))
		api_op_free(op);
}

/* ---------- notes and the customer of the call ---------- */

static const struct store_stmt s_notes = {
    "app.call_notes",
    "UPDATE contacts SET notes = $1, updated_at = $2 WHERE id ="
    " (SELECT MAX(id) FROM contacts WHERE call_id = $3 AND agent_id = $4)",
    NULL};

static void notes_done(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!req)
		return;
	if (err == ENOENT) {
		http_reply_error(req, 409, "conflict", "answer the call before writing its notes");
		return;
	}
	if (err) {
		api_store_error(req, err, false, "contact record");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "call_id", op->id2);
	cJSON_AddStringToObject(o, "notes", op->text ? op->text : "");
	http_reply_json(req, 200, o);
}

static void on_notes(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	static const char *const keys[] = {"notes", NULL};
	const cJSON *body = http_req_json(req);
	const char *notes = NULL;
	if (http_json_only(req, body, keys))
		return;
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(body, "notes");
	if (!cJSON_IsString(n)) {
		api_invalid(req, "field \"notes\" is required (a string, may be empty)");
		return;
	}
	notes = n->valuestring;
	if (strlen(notes) > 20000) {
		api_invalid(req, "field \"notes\" is longer than 20000 bytes");
		return;
	}
	struct center_agent_live lv;
	if (center_agent_live(a->cfg.center, ag->id, &lv) != 0 || !lv.call_id ||
	    (lv.state != ACD_AGENT_TALKING && lv.state != ACD_AGENT_HOLD &&
	     lv.state != ACD_AGENT_WRAPUP)) {
		http_reply_error(req, 409, "conflict", "you have no answered call now");
		return;
	}
	struct api_op *op = api_op_new(a, req, notes_done);
	if (!op)
		return;
	op->id2 = (int64_t)lv.call_id;
	op->text = sb_strdup(notes);
	struct store_job *job = api_job(req);
	if (!job) {
		api_op_free(op);
		return;
	}
	int e = 0;
	struct store_value p[] = {store_text(notes), store_int(api_now(a)),
				  store_int((int64_t)lv.call_id), store_int(ag->id)};
	api_step(job, &s_notes, p, 4, STORE_MUST_HIT, &e);
	api_op_write(op, job, req, e);
}

static const struct store_stmt q_customer_client = {
    "app.customer_client", "SELECT client_id, name FROM customers WHERE id = $1", NULL};
static const struct store_stmt s_link = {
    "app.call_customer", "UPDATE contacts SET customer_id = $1, updated_at = $2 WHERE call_id = $3",
    NULL};

static void link_done(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact record");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "call_id", op->id2);
	json_add_i64(o, "customer_id", op->id);
	http_reply_json(req, 200, o);
}

static void link_checked(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct api *a = op->api;
	if (err) {
		api_store_error(req, err, false, "customer");
		return;
	}
	const struct center_queue *q = center_queue(a->cfg.center, op->n);
	if (!store_rs_rows(rs) || (q && store_rs_int(rs, 0, 0) != q->client_id)) {
		if (req)
			api_invalid(req,
				    "field \"customer_id\": no customer %" PRId64
				    " of this call's client",
				    op->id);
		return;
	}
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		if (req)
			http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	int e = 0;
	struct store_value p[] = {store_int(op->id), store_int(api_now(a)), store_int(op->id2)};
	api_step(job, &s_link, p, 3, STORE_MUST_HIT, &e);
	op->done = link_done;
	op->cont = api_op_write_keep(op, job, req, e) == 0;
}

static void on_link(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	static const char *const keys[] = {"customer_id", NULL};
	const cJSON *body = http_req_json(req);
	int64_t cid;
	if (http_json_only(req, body, keys) ||
	    http_json_i64(req, body, "customer_id", true, 1, INT64_MAX / 2, &cid))
		return;
	struct center_agent_live lv;
	if (center_agent_live(a->cfg.center, ag->id, &lv) != 0 || !on_a_call(lv.state) ||
	    !lv.call_id) {
		http_reply_error(req, 409, "conflict", "you have no call now");
		return;
	}
	struct api_op *op = api_op_new(a, req, link_checked);
	if (!op)
		return;
	op->id = cid;
	op->id2 = (int64_t)lv.call_id;
	op->n = lv.queue_id;
	struct store_value p[] = {store_int(cid)};
	api_op_query(op, &q_customer_client, p, 1, req);
}

/* ---------- preferences ---------- */

static const struct store_stmt q_prefs = {
    "app.prefs", "SELECT language, sound FROM user_preferences WHERE user_id = $1", NULL};
static const struct store_stmt s_prefs = {
    "app.prefs_put",
    "INSERT INTO user_preferences (user_id, language, sound, updated_at)"
    " VALUES ($1, COALESCE($2, 'en'), COALESCE($3, 1), $4)"
    " ON CONFLICT (user_id) DO UPDATE SET language = COALESCE($2, user_preferences.language),"
    " sound = COALESCE($3, user_preferences.sound), updated_at = $4"
    " RETURNING language, sound",
    NULL};

static void prefs_reply(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "preferences");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	if (store_rs_rows(rs)) {
		const char *l = store_rs_text(rs, 0, 0);
		cJSON_AddStringToObject(o, "language", l ? l : "en");
		cJSON_AddBoolToObject(o, "sound", store_rs_int(rs, 0, 1) != 0);
	} else {
		cJSON_AddNullToObject(o, "language"); /* not chosen yet: the browser's */
		cJSON_AddBoolToObject(o, "sound", true);
	}
	http_reply_json(req, 200, o);
}

static void on_prefs_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	struct api_op *op = api_op_new(a, req, prefs_reply);
	if (!op)
		return;
	struct store_value p[] = {store_int((int64_t)http_req_user_id(req))};
	api_op_query(op, &q_prefs, p, 1, req);
}

static const char *const languages[] = {"en", "de", NULL};
static const struct api_field pref_fields[] = {
    {"language", AF_ENUM, 0, 0, 0, languages, NULL},
    {"sound", AF_BOOL, 0, 0, 0, NULL, NULL},
};

static void on_prefs_put(struct http_req *req, void *arg)
{
	struct api *a = arg;
	struct api_val v[2];
	if (api_read_fields(req, http_req_json(req), pref_fields, 2, NULL, false, v))
		return;
	struct api_op *op = api_op_new(a, req, prefs_reply);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	int e = 0;
	struct store_value p[] = {store_int((int64_t)http_req_user_id(req)),
				  api_val_store(&pref_fields[0], &v[0]),
				  api_val_store(&pref_fields[1], &v[1]), store_int(api_now(a))};
	api_step(job, &s_prefs, p, 4, 0, &e);
	api_op_write(op, job, req, e);
}

/* ---------- my day ---------- */

static const struct store_stmt q_my_referrals = {
    "app.my_referrals",
    "SELECT (SELECT COUNT(*) FROM referrals WHERE agent_id = $1 AND time >= $2),"
    " COALESCE((SELECT target FROM goals WHERE metric = 'referrals' AND period = 'month'"
    "  AND agent_id = $1),"
    " (SELECT target FROM goals WHERE metric = 'referrals' AND period = 'month'"
    "  AND agent_id IS NULL AND team_id = $3),"
    " (SELECT target FROM goals WHERE metric = 'referrals' AND period = 'month'"
    "  AND agent_id IS NULL AND team_id IS NULL))",
    NULL};

static void day_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "referrals");
		return;
	}
	struct center_agent_live lv;
	if (center_agent_live(op->api->cfg.center, op->id, &lv) != 0) {
		api_not_found(req, "agent");
		return;
	}
	const struct kpi_agent_counts *t = &lv.today;
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "agent_id", op->id);
	json_add_i64(o, "handled", (int64_t)t->handled);
	json_add_i64(o, "answered", (int64_t)t->answered);
	json_add_i64(o, "offers", (int64_t)t->offers);
	json_add_i64(o, "missed", (int64_t)t->missed);
	if (t->handled)
		json_add_i64(o, "aht_ms",
			     (t->talk_ms + t->hold_ms + t->wrap_ms) / (int64_t)t->handled);
	else
		cJSON_AddNullToObject(o, "aht_ms");
	double occ = kpi_occupancy(t);
	if (occ == occ)
		cJSON_AddNumberToObject(o, "occupancy", occ);
	else
		cJSON_AddNullToObject(o, "occupancy");
	cJSON *st = cJSON_AddObjectToObject(o, "state_ms");
	for (int s = 0; s < ACD_AGENT_STATE_COUNT; s++)
		json_add_i64(st, acd_agent_state_name((enum acd_agent_state)s), t->state_ms[s]);
	cJSON *r = cJSON_AddObjectToObject(o, "referrals");
	json_add_i64(r, "month_start", op->n);
	json_add_i64(r, "count", store_rs_rows(rs) ? store_rs_int(rs, 0, 0) : 0);
	if (store_rs_rows(rs) && !store_rs_is_null(rs, 0, 1))
		json_add_i64(r, "goal", store_rs_int(rs, 0, 1));
	else
		cJSON_AddNullToObject(r, "goal");
	http_reply_json(req, 200, o);
}

static void on_day(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	struct api_op *op = api_op_new(a, req, day_read);
	if (!op)
		return;
	op->id = ag->id;
	op->n = app_month_start(a, api_now(a));
	struct store_value p[] = {store_int(ag->id), store_int(op->n),
				  ag->team_id ? store_int(ag->team_id) : store_null()};
	api_op_query(op, &q_my_referrals, p, 3, req);
}

/* ---------- routes ---------- */

#define STATE_REF                                                                                  \
	"{\"type\":\"object\",\"description\":\"the agent's committed state, as GET "              \
	"/api/v1/me/agent\"}"
#define CALL_ID_BODY                                                                               \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"call_id\":{"        \
	"\"type\":\"integer\",\"description\":\"the call the desktop shows; 409 when another is "  \
	"offered now\"}}}"

int api_app_call_routes(struct api *a)
{
	const struct http_route r[] = {
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/me/call",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_call_get,
	     .summary =
		 "The call offered to the caller's agent or on it now: caller's number, "
		 "queue, contact record, escalation, how wrap-up ends (screen pop), a "
		 "callback's row (notes, the voicemail it answers); call_id null when there is "
		 "none",
	     .tag = "desktop",
	     .response_schema =
		 "{\"type\":\"object\",\"properties\":{\"call_id\":{\"type\":\"integer\","
		 "\"nullable\":true},\"state\":{\"type\":\"string\"},\"since\":{\"type\":"
		 "\"integer\"},\"queue_id\":{"
		 "\"type\":\"integer\"},\"queue_name\":{\"type\":\"string\"},\"client_id\":{"
		 "\"type\":\"integer\"},\"contact_id\":{\"type\":\"integer\",\"nullable\":true},"
		 "\"customer_number\":{\"type\":\"string\",\"nullable\":true},\"customer_id\":{"
		 "\"type\":\"integer\",\"nullable\":true},\"system_number\":{\"type\":\"string\"},"
		 "\"t_enqueued\":{\"type\":\"integer\"},\"t_connected\":{\"type\":\"integer\","
		 "\"nullable\":true},\"notes\":{\"type\":\"string\"},\"wrapup\":{\"type\":"
		 "\"string\",\"enum\":[\"none\",\"timed\",\"manual\"]},\"wrapup_ms\":{\"type\":"
		 "\"integer\"},\"wrapup_ends_at\":{\"type\":\"integer\",\"nullable\":true},"
		 "\"escalation\":{\"type\":\"object\",\"nullable\":true},\"callback\":{\"type\":"
		 "\"object\",\"nullable\":true,\"description\":\"a callback being placed: its "
		 "callbacks row\",\"properties\":{\"id\":{\"type\":\"integer\"},\"notes\":{"
		 "\"type\":\"string\",\"nullable\":true},\"attempts\":{\"type\":\"integer\"},"
		 "\"max_attempts\":{\"type\":\"integer\"},\"message_contact_id\":{\"type\":"
		 "\"integer\",\"nullable\":true,\"description\":\"the voicemail message it "
		 "answers\"},\"message_has_recording\":{\"type\":\"boolean\"}}}}}",
	     .errors = "404"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/answer",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_answer,
	     .flags = HTTP_ROUTE_BODY_OPTIONAL,
	     .summary = "Answer the call offered to you (for agents without a phone; a phone's "
			"answer does the same)",
	     .tag = "desktop",
	     .request_schema = CALL_ID_BODY,
	     .response_schema = STATE_REF,
	     .errors = "404 409"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/reject",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_reject,
	     .flags = HTTP_ROUTE_BODY_OPTIONAL,
	     .summary = "Decline the call offered to you: it goes back to the head of the queue "
			"and you become not ready (declined)",
	     .tag = "desktop",
	     .request_schema = CALL_ID_BODY,
	     .response_schema = STATE_REF,
	     .errors = "404 409"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/hold",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_hold,
	     .summary = "Put your call on hold or take it off hold",
	     .tag = "desktop",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
			       "\"hold\"],\"properties\":{\"hold\":{\"type\":\"boolean\"}}}",
	     .response_schema = STATE_REF,
	     .errors = "404 409"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/hangup",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_hangup,
	     .flags = HTTP_ROUTE_BODY_OPTIONAL,
	     .summary = "End your call (wrap-up follows when the queue has one)",
	     .tag = "desktop",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false}",
	     .response_schema = STATE_REF,
	     .errors = "404 409"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/transfer",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_transfer,
	     .summary = "Blind transfer of your call to a queue (it keeps its place by "
			"priority there); you go to wrap-up",
	     .tag = "desktop",
	     .request_schema =
		 "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
		 "\"queue_id\"],\"properties\":{\"queue_id\":{\"type\":\"integer\"}}}",
	     .response_schema = STATE_REF,
	     .errors = "404 409"},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/me/call/notes",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_notes,
	     .summary = "Write the notes of your answered call into its contact record",
	     .tag = "desktop",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
			       "\"notes\"],\"properties\":{\"notes\":{\"type\":\"string\","
			       "\"maxLength\":20000}}}",
	     .response_schema = "{\"type\":\"object\",\"properties\":{\"call_id\":{\"type\":"
				"\"integer\"},\"notes\":{\"type\":\"string\"}}}",
	     .errors = "404 409"},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/me/call/customer",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_link,
	     .summary = "Link your call's contact records to a customer (screen pop picked or "
			"created)",
	     .tag = "desktop",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
			       "\"customer_id\"],\"properties\":{\"customer_id\":{\"type\":"
			       "\"integer\"}}}",
	     .response_schema = "{\"type\":\"object\",\"properties\":{\"call_id\":{\"type\":"
				"\"integer\"},\"customer_id\":{\"type\":\"integer\"}}}",
	     .errors = "404 409"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/me/preferences",
	     .roles = R_ALL,
	     .h = on_prefs_get,
	     .summary = "Your preferences: UI language (null until chosen), sound",
	     .tag = "desktop",
	     .response_schema = "{\"type\":\"object\",\"properties\":{\"language\":{\"type\":"
				"\"string\",\"enum\":[\"en\",\"de\"],\"nullable\":true},\"sound\":{"
				"\"type\":\"boolean\"}}}"},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/me/preferences",
	     .roles = R_ALL,
	     .h = on_prefs_put,
	     .summary = "Change your preferences (the fields given)",
	     .tag = "desktop",
	     .request_schema =
		 "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
		 "\"language\":{\"type\":\"string\",\"enum\":[\"en\",\"de\"]},"
		 "\"sound\":{\"type\":\"boolean\"}}}",
	     .response_schema = "{\"type\":\"object\",\"properties\":{\"language\":{\"type\":"
				"\"string\"},\"sound\":{\"type\":\"boolean\"}}}"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/me/day",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_day,
	     .summary = "My day: calls handled, AHT, occupancy, time in each state today; "
			"referrals this month against the goal",
	     .tag = "desktop",
	     .response_schema =
		 "{\"type\":\"object\",\"properties\":{\"handled\":{\"type\":\"integer\"},"
		 "\"aht_ms\":{\"type\":\"integer\",\"nullable\":true},\"occupancy\":{\"type\":"
		 "\"number\",\"nullable\":true},\"state_ms\":{\"type\":\"object\"},\"referrals\":{"
		 "\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\"},\"goal\":{"
		 "\"type\":\"integer\",\"nullable\":true},\"month_start\":{\"type\":\"integer\"}}}}"
		 "}",
	     .errors = "404"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
