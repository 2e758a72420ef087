/* api_app_floor: escalations to team leads, taking an overflow call, the team's live states,
 * referrals and goals. */
#include "server/api_app.h"

#include "base/idmap.h"
#include "base/json.h"
#include "base/mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * An escalation is a transfer of the agent's call to the team leads' queue
 * (the queue reserved for a routing group the agent's team lead belongs to:
 * queue 5 in the demo) with a row that says who escalated which call and
 * why. The row follows the call through a call sink: connected to a lead
 * ("taken"), or gone before that ("abandoned"); a lead closes it. Each
 * change is an "escalation" event for the team's lead, supervisors and the
 * agent, so the leads' inbox is live.
 */

struct floor_state {
	struct api *a;
	struct idmap open; /* call id -> escalation id, while the call waits for a lead */
};

static struct floor_state *fs_of(struct api *a)
{
	return a->app;
}

/* ---------- the escalation event and the call sink ---------- */

static void log_escalation(struct api *a, int64_t id, uint64_t call, const char *status,
			   int64_t agent_id, int64_t team_id, uint64_t actor)
{
	char data[200];
	snprintf(data, sizeof(data),
		 "{\"id\":%" PRId64 ",\"call\":%" PRIu64 ",\"status\":\"%s\",\"agent\":%" PRId64
		 "}",
		 id, call, status, agent_id);
	const struct center_agent *ag = center_agent(a->cfg.center, agent_id);
	struct center_scope sc = {
	    .user_id = ag ? (uint64_t)ag->user_id : 0,
	    .agent_id = (uint64_t)agent_id,
	    .team_id = (uint64_t)team_id,
	    .roles = R_LEAD | R_SUPER | R_ADMIN,
	};
	center_log(a->cfg.center, "escalation", data, actor, &sc);
}

struct esc_change {
	struct api *a;
	int64_t id;
	uint64_t call;
	int64_t agent; /* taken: the lead's agent */
	char status[12];
};

static const struct store_stmt s_esc_status = {
    "app.escalation_status",
    "UPDATE escalations SET status = $2, taken_by = $3, taken_at = $4, updated_at = $4"
    " WHERE id = $1 AND status = 'open' RETURNING from_agent_id, team_id",
    NULL};

static void esc_changed(int err, struct store_rs *rs, void *arg)
{
	struct esc_change *ch = arg;
	struct api *a = ch->a;
	if (!err && !a->closing && store_rs_rows(rs))
		log_escalation(a, ch->id, ch->call, ch->status, store_rs_int(rs, 0, 0),
			       store_rs_int(rs, 0, 1), 0);
	sb_free(ch);
}

static void esc_set(struct api *a, int64_t id, uint64_t call, const char *status, int64_t agent,
		    int64_t t)
{
	struct esc_change *ch = sb_zalloc(sizeof(*ch));
	struct store_job *job = NULL;
	if (!ch || store_job_alloc(&job) != 0) {
		sb_free(ch);
		return;
	}
	*ch = (struct esc_change){a, id, call, agent, ""};
	snprintf(ch->status, sizeof(ch->status), "%s", status);
	struct store_value p[] = {store_int(id), store_text(status),
				  agent ? store_int(agent) : store_null(), store_int(t)};
	if (store_job_add(job, &s_esc_status, p, 4, 0) != 0 ||
	    store_write(a->cfg.store, job, esc_changed, ch) != 0) {
		store_job_free(job);
		sb_free(ch);
	}
}

static void on_call_event(const struct acd_event *ev, void *arg)
{
	struct floor_state *fs = arg;
	if (!ev->call || fs->a->closing)
		return;
	void *v = idmap_get(&fs->open, ev->call);
	if (!v)
		return;
	int64_t id = (int64_t)(uintptr_t)v;
	switch (ev->type) {
	case ACD_EV_CALL_CONNECT:
		idmap_del(&fs->open, ev->call);
		esc_set(fs->a, id, ev->call, "taken", ev->agent, ev->time);
		break;
	case ACD_EV_CALL_ABANDON:
	case ACD_EV_CALL_EXIT_TIMEOUT:
	case ACD_EV_CALLBACK_REQUESTED:
	case ACD_EV_CALL_INTERRUPTED:
		idmap_del(&fs->open, ev->call);
		esc_set(fs->a, id, ev->call, "abandoned", 0, ev->time);
		break;
	default:
		break;
	}
}

void app_escalation_track(struct api *a, uint64_t call_id, int64_t escalation_id)
{
	struct floor_state *fs = fs_of(a);
	if (fs)
		idmap_put(&fs->open, call_id, (void *)(uintptr_t)escalation_id);
}

/* Calls do not outlive the daemon (the center closes them as interrupted at start): neither do
 * escalations waiting for a lead. */
static const struct store_stmt s_esc_restart = {
    "app.escalation_restart",
    "UPDATE escalations SET status = 'abandoned', updated_at = $1 WHERE status = 'open'", NULL};

int app_floor_start(struct api *a)
{
	if (!a->cfg.center)
		return 0;
	struct floor_state *fs = sb_zalloc(sizeof(*fs));
	if (!fs)
		return ENOMEM;
	fs->a = a;
	idmap_init(&fs->open);
	a->app = fs;
	struct store_value p[] = {store_int(api_now(a))};
	int err = store_exec_sync(a->cfg.store, &s_esc_restart, p, 1);
	if (err)
		return err;
	center_add_call_sink(a->cfg.center, on_call_event, fs);
	return 0;
}

void app_floor_free(struct api *a)
{
	struct floor_state *fs = a ? fs_of(a) : NULL;
	if (!fs)
		return;
	idmap_release(&fs->open);
	sb_free(fs);
	a->app = NULL;
}

/* ---------- POST /me/call/escalate ---------- */

/*
 * Where an agent's escalations go: a queue reserved for a routing group
 * their team lead belongs to; else the overflow queue of the call's queue.
 */
static const struct center_queue *escalation_queue(struct api *a, const struct center_agent *ag,
						   int64_t from)
{
	struct center *c = a->cfg.center;
	const struct center_team *t = ag->team_id ? center_team(c, ag->team_id) : NULL;
	const struct center_agent *lead =
	    t && t->lead_user_id ? center_agent_by_user(c, t->lead_user_id) : NULL;
	const struct center_queue *q;
	for (unsigned i = 0; lead && (q = center_queue_at(c, i)); i++) {
		if (!q->active || q->id == from || !q->acd.group)
			continue;
		bool member = lead->acd.team == q->acd.group;
		for (uint32_t g = 0; g < lead->acd.n_groups && !member; g++)
			member = lead->acd.groups[g] == q->acd.group;
		if (member)
			return q;
	}
	const struct center_queue *fq = center_queue(c, from);
	if (fq && fq->acd.overflow == ACD_OVERFLOW_QUEUE && fq->acd.overflow_queue &&
	    (int64_t)fq->acd.overflow_queue != from)
		return center_queue(c, fq->acd.overflow_queue);
	return NULL;
}

static const struct store_stmt s_esc_insert = {
    "app.escalation_insert",
    "INSERT INTO escalations (time, call_id, contact_id, client_id, customer_id, from_agent_id,"
    " team_id, from_queue_id, queue_id, reason, updated_at)"
    " VALUES ($1, $2, (SELECT MAX(id) FROM contacts WHERE call_id = $2 AND agent_id = $3), $4,"
    " (SELECT customer_id FROM contacts WHERE call_id = $2 AND customer_id IS NOT NULL"
    "  ORDER BY id DESC LIMIT 1), $3, $5, $6, $7, $8, $1) RETURNING id",
    NULL};

struct esc_op {
	uint64_t call;
	int64_t agent, team;
};

static void escalated(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct esc_op *e = op->data;
	struct api *a = op->api;
	if (err || !store_rs_rows(rs)) {
		/* the transfer happened; only the row is missing */
		if (req)
			api_store_error(req, err ? err : EIO, false, "escalation");
		return;
	}
	op->n = store_rs_int(rs, 0, 0);
	app_escalation_track(a, e->call, op->n);
	log_escalation(a, op->n, e->call, "open", e->agent, e->team, op->user_id);
	op->status = 201;
	op->cont = app_reply_state_later(op, req);
}

static const struct api_field esc_fields[] = {
    {"reason", AF_TEXT, AF_REQ | AF_PERSONAL, 0, 2000, NULL, NULL},
    {"queue_id", AF_INT, 0, 1, UINT32_MAX, NULL, NULL},
};

static void on_escalate(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	struct api_val v[2];
	if (api_read_fields(req, http_req_json(req), esc_fields, 2, NULL, true, v))
		return;
	struct acd_agent_info info;
	if (acd_agent_info(center_acd(a->cfg.center), (uint32_t)ag->id, &info) != 0 ||
	    (info.state != ACD_AGENT_TALKING && info.state != ACD_AGENT_HOLD) || !info.call) {
		http_reply_error(req, 409, "conflict", "you are not on a call");
		return;
	}
	const struct center_queue *from = center_queue(a->cfg.center, info.queue);
	const struct center_queue *q = v[1].present ? center_queue(a->cfg.center, v[1].i)
						    : escalation_queue(a, ag, (int64_t)info.queue);
	if (!q || !q->active || (int64_t)info.queue == q->id) {
		if (v[1].present)
			api_invalid(req, "field \"queue_id\": no other active queue %" PRId64,
				    v[1].i);
		else
			api_invalid(req, "no team-leads queue for your team: name one in "
					 "\"queue_id\"");
		return;
	}
	struct api_op *op = api_op_new(a, req, escalated);
	struct esc_op *e = op ? sb_zalloc(sizeof(*e)) : NULL;
	if (!e) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = e;
	op->id = ag->id;
	*e = (struct esc_op){info.call, ag->id, ag->team_id};
	int err = center_call_transfer(a->cfg.center, info.call, q->id);
	if (err) {
		if (err == EBUSY)
			http_reply_error(req, 409, "conflict", "queue %s refused the call",
					 q->name);
		else
			app_center_error(req, err, "escalate");
		api_op_free(op);
		return;
	}
	struct store_job *job = api_job(req);
	if (!job) {
		api_op_free(op);
		return;
	}
	int se = 0;
	struct store_value p[] = {
	    store_int(api_now(a)),
	    store_int((int64_t)info.call),
	    store_int(ag->id),
	    from && from->client_id ? store_int(from->client_id) : store_null(),
	    ag->team_id ? store_int(ag->team_id) : store_null(),
	    from ? store_int(from->id) : store_null(),
	    store_int(q->id),
	    store_text(v[0].s),
	};
	api_step(job, &s_esc_insert, p, 8, 0, &se);
	api_op_write(op, job, req, se);
}

/* ---------- GET /escalations, PATCH /escalations/{id} ---------- */

#define ESC_COLS                                                                                   \
	"id, time, call_id, contact_id, customer_id, from_agent_id, team_id, from_queue_id,"       \
	" queue_id, reason, status, taken_by, taken_at, closed_by, closed_at"

static const struct api_field esc_out[] = {
    {"id", AF_INT, 0, 0, 0, NULL, NULL},	  {"time", AF_TIME, 0, 0, 0, NULL, NULL},
    {"call_id", AF_INT, 0, 0, 0, NULL, NULL},	  {"contact_id", AF_INT, 0, 0, 0, NULL, NULL},
    {"customer_id", AF_INT, 0, 0, 0, NULL, NULL}, {"from_agent_id", AF_INT, 0, 0, 0, NULL, NULL},
    {"team_id", AF_INT, 0, 0, 0, NULL, NULL},	  {"from_queue_id", AF_INT, 0, 0, 0, NULL, NULL},
    {"queue_id", AF_INT, 0, 0, 0, NULL, NULL},	  {"reason", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"status", AF_TEXT, 0, 0, 0, NULL, NULL},	  {"taken_by", AF_INT, 0, 0, 0, NULL, NULL},
    {"taken_at", AF_TIME, 0, 0, 0, NULL, NULL},	  {"closed_by", AF_INT, 0, 0, 0, NULL, NULL},
    {"closed_at", AF_TIME, 0, 0, 0, NULL, NULL},
};
#define N_ESC_OUT (sizeof(esc_out) / sizeof(esc_out[0]))

static const struct store_stmt q_escalations = {
    "app.escalations",
    "SELECT " ESC_COLS " FROM escalations"
    " WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR team_id = $2)"
    " AND ($3 IS NULL OR client_id IS NULL OR client_id IN (SELECT value FROM json_each($3)))"
    " AND ($4 = 0 OR id < $4) ORDER BY id DESC LIMIT $5",
    NULL};

static void esc_row(struct api *a, const struct store_rs *rs, unsigned r, cJSON *o)
{
	api_row_json(rs, r, 0, esc_out, N_ESC_OUT, o, false);
	const struct center_agent *ag = center_agent(a->cfg.center, store_rs_int(rs, r, 5));
	cJSON_AddStringToObject(o, "from_agent_name", ag ? ag->name : "");
	const struct center_agent *lead = center_agent(a->cfg.center, store_rs_int(rs, r, 11));
	if (lead)
		cJSON_AddStringToObject(o, "taken_by_name", lead->name);
	else
		cJSON_AddNullToObject(o, "taken_by_name");
	struct floor_state *fs = fs_of(a);
	cJSON_AddBoolToObject(o, "waiting",
			      fs && idmap_get(&fs->open, (uint64_t)store_rs_int(rs, r, 2)) != NULL);
}

static void esc_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "escalations");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned r = 0; r < n; r++) {
		cJSON *o = cJSON_CreateObject();
		esc_row(op->api, rs, r, o);
		cJSON_AddItemToArray(items, o);
		last = store_rs_int(rs, r, 0);
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

static const char *const esc_statuses[] = {"open", "taken", "closed", "abandoned", NULL};

static bool status_ok(const char *s)
{
	for (const char *const *e = esc_statuses; *e; e++)
		if (strcmp(*e, s) == 0)
			return true;
	return false;
}

static void on_esc_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	int64_t after, limit;
	if (api_page(req, &after, &limit, 100, 1000))
		return;
	const char *status = http_req_query(req, "status");
	if (status && !status_ok(status)) {
		api_invalid(req, "query argument \"status\" must be one of open, taken, closed, "
				 "abandoned");
		return;
	}
	if (u->role == ROLE_TEAM_LEAD && !u->team_id) {
		http_reply_json(req, 200, api_list(cJSON_CreateArray(), false, 0));
		return;
	}
	struct api_op *op = api_op_new(a, req, esc_listed);
	if (!op)
		return;
	op->n = limit;
	char *clients = api_clients_json(u);
	op->text = clients;
	struct store_value p[] = {store_text(status),
				  u->role == ROLE_TEAM_LEAD ? store_int((int64_t)u->team_id)
							    : store_null(),
				  store_text(clients), store_int(after), store_int(limit + 1)};
	api_op_query(op, &q_escalations, p, 5, req);
}

static const struct store_stmt s_esc_close = {
    "app.escalation_close",
    "UPDATE escalations SET status = 'closed', closed_by = $3, closed_at = $4, updated_at = $4"
    " WHERE id = $1 AND ($2 IS NULL OR team_id = $2) AND status != 'closed'"
    " AND ($5 IS NULL OR client_id IS NULL OR client_id IN (SELECT value FROM json_each($5)))"
    " RETURNING " ESC_COLS,
    NULL};

static void esc_closed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct api *a = op->api;
	if (err == ENOENT) {
		if (req)
			http_reply_error(req, 404, "not_found",
					 "no such escalation (or it is closed already)");
		return;
	}
	if (err) {
		api_store_error(req, err, false, "escalation");
		return;
	}
	struct floor_state *fs = fs_of(a);
	if (fs)
		idmap_del(&fs->open, (uint64_t)store_rs_int(rs, 0, 2));
	log_escalation(a, op->id, (uint64_t)store_rs_int(rs, 0, 2), "closed",
		       store_rs_int(rs, 0, 5), store_rs_int(rs, 0, 6), op->user_id);
	if (!req)
		return;
	cJSON *o = cJSON_CreateObject();
	esc_row(a, rs, 0, o);
	http_reply_json(req, 200, o);
}

static const char *const close_only[] = {"closed", NULL};
static const struct api_field esc_patch[] = {
    {"status", AF_ENUM, AF_REQ, 0, 0, close_only, NULL},
};

static void on_esc_patch(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	int64_t id = api_param_id(req, "id");
	struct api_val v[1];
	if (api_read_fields(req, http_req_json(req), esc_patch, 1, NULL, true, v))
		return;
	struct api_op *op = api_op_new(a, req, esc_closed);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = id;
	op->text = api_clients_json(u);
	int e = 0;
	struct store_value p[] = {
	    store_int(id),
	    u->role == ROLE_TEAM_LEAD ? store_int((int64_t)u->team_id) : store_null(),
	    store_int((int64_t)u->id), store_int(api_now(a)), store_text(op->text)};
	api_step(job, &s_esc_close, p, 5, STORE_MUST_HIT, &e);
	api_audit(job, op, "close", "escalation", store_int(id), NULL, "{\"status\":\"closed\"}",
		  &e);
	api_op_write(op, job, req, e);
}

/* ---------- POST /me/take: a team lead takes a waiting (overflow, escalated) call ---------- */

static void on_take(struct http_req *req, void *arg)
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
	if (!q || !api_queue_visible(a, http_req_user(req), q) ||
	    !api_agent_serves(a, ag->id, qid)) {
		api_invalid(req, "field \"queue_id\": you do not serve queue %" PRId64, qid);
		return;
	}
	if (!ag->active) {
		http_reply_error(req, 409, "conflict", "this agent is deactivated");
		return;
	}
	struct center_queue_live ql;
	struct acd_agent_info info;
	if (center_queue_live(a->cfg.center, qid, &ql) != 0 || ql.in_queue == 0) {
		http_reply_error(req, 409, "conflict", "no call is waiting in %s", q->name);
		return;
	}
	if (acd_agent_info(center_acd(a->cfg.center), (uint32_t)ag->id, &info) != 0 ||
	    (info.state != ACD_AGENT_LOGGED_OUT && info.state != ACD_AGENT_NOT_READY)) {
		http_reply_error(req, 409, "conflict",
				 info.state == ACD_AGENT_READY
				     ? "you are ready: the router offers you the call when you "
				       "qualify for it"
				     : "finish your call first");
		return;
	}
	struct api_op *op = api_op_new(a, req, NULL);
	if (!op)
		return;
	op->id = ag->id;
	/* ready: the router offers the waiting call at once (work conservation) */
	int err = center_agent_set_state(a->cfg.center, ag->id, ACD_AGENT_READY, 0, NULL, NULL);
	if (err) {
		app_center_error(req, err, "take");
		api_op_free(op);
		return;
	}
	if (!app_reply_state_later(op, req))
		api_op_free(op);
}

/* ---------- GET /agents/live ---------- */

static void on_agents_live(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	const char *team_q = http_req_query(req, "team_id");
	int64_t team = 0;
	if (team_q && api_query_i64(req, "team_id", 1, INT64_MAX / 2, &team))
		return;
	struct api_jw *w = &a->jw;
	api_jw_reset(w);
	api_jw_obj(w, NULL);
	api_jw_int(w, "seq", (int64_t)center_committed_seq(a->cfg.center));
	api_jw_int(w, "now", api_now(a));
	api_jw_arr(w, "items");
	const struct center_agent *ag;
	for (unsigned i = 0; (ag = center_agent_at(a->cfg.center, i)); i++) {
		if (!ag->active || (team && ag->team_id != team) || !api_agent_visible(a, u, ag))
			continue;
		struct center_agent_live lv;
		if (center_agent_live(a->cfg.center, ag->id, &lv) != 0)
			continue;
		api_jw_obj(w, NULL);
		api_jw_int(w, "id", ag->id);
		api_jw_str(w, "name", ag->name);
		api_jw_id(w, "team_id", ag->team_id);
		api_jw_id(w, "user_id", ag->user_id);
		api_jw_str(w, "state", acd_agent_state_name(lv.state));
		api_jw_int(w, "reason", lv.reason);
		const struct api_reason *r = api_reason(lv.reason);
		if (r)
			api_jw_str(w, "reason_name", r->name);
		else
			api_jw_null(w, "reason_name");
		api_jw_int(w, "since", lv.since);
		api_jw_id(w, "call_id", (int64_t)lv.call_id);
		api_jw_id(w, "queue_id", lv.queue_id);
		app_jw_agent_call(w, a->cfg.center, ag->id, lv.call_id);
		api_jw_int(w, "handled", (int64_t)lv.today.handled);
		api_jw_bool(w, "simulated", center_agent_simulated(a->cfg.center, ag->id));
		api_jw_end_obj(w);
	}
	api_jw_end_arr(w);
	api_jw_end_obj(w);
	const char *t = api_jw_text(w);
	if (!t) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	http_reply_data(req, 200, "application/json", t, strlen(t));
}

/* ---------- referrals ---------- */

static const struct store_stmt s_referral = {
    "app.referral_insert",
    "INSERT INTO referrals (time, agent_id, team_id, user_id, client_id, customer_id, call_id,"
    " contact_id, product)"
    " SELECT $1, $2, $3, $4, COALESCE($5, (SELECT client_id FROM customers WHERE id = $6)),"
    " $6, $7, (SELECT MAX(id) FROM contacts WHERE call_id = $7 AND agent_id = $2), $8"
    " WHERE $6 IS NULL OR EXISTS (SELECT 1 FROM customers WHERE id = $6 AND ($9 IS NULL OR"
    " client_id IN (SELECT value FROM json_each($9))))"
    " RETURNING id, time, agent_id, customer_id, call_id, contact_id, product",
    NULL};

static const struct api_field ref_out[] = {
    {"id", AF_INT, 0, 0, 0, NULL, NULL},       {"time", AF_TIME, 0, 0, 0, NULL, NULL},
    {"agent_id", AF_INT, 0, 0, 0, NULL, NULL}, {"customer_id", AF_INT, 0, 0, 0, NULL, NULL},
    {"call_id", AF_INT, 0, 0, 0, NULL, NULL},  {"contact_id", AF_INT, 0, 0, 0, NULL, NULL},
    {"product", AF_TEXT, 0, 0, 0, NULL, NULL},
};
#define N_REF_OUT (sizeof(ref_out) / sizeof(ref_out[0]))

static void referral_done(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err == ENOENT) {
		api_invalid(req, "field \"customer_id\": no customer %" PRId64, op->id2);
		return;
	}
	if (err) {
		api_store_error(req, err, true, "referral");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	api_row_json(rs, 0, 0, ref_out, N_REF_OUT, o, false);
	http_reply_json(req, 201, o);
}

static const struct api_field ref_fields[] = {
    {"product", AF_TEXT, AF_REQ, 0, 200, NULL, NULL},
    {"customer_id", AF_INT, AF_NULL, 1, INT64_MAX / 2, NULL, NULL},
};

static void on_referral_post(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = app_agent(a, req);
	if (!ag)
		return;
	struct api_val v[2];
	if (api_read_fields(req, http_req_json(req), ref_fields, 2, NULL, true, v))
		return;
	struct center_agent_live lv;
	uint64_t call = 0;
	int64_t client = 0;
	if (center_agent_live(a->cfg.center, ag->id, &lv) == 0 && lv.call_id) {
		call = lv.call_id;
		const struct center_queue *q = center_queue(a->cfg.center, lv.queue_id);
		client = q ? q->client_id : 0;
	}
	struct api_op *op = api_op_new(a, req, referral_done);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id2 = v[1].present && !v[1].null ? v[1].i : 0;
	op->text = api_clients_json(http_req_user(req));
	int e = 0;
	struct store_value p[] = {
	    store_int(api_now(a)),
	    store_int(ag->id),
	    ag->team_id ? store_int(ag->team_id) : store_null(),
	    store_int((int64_t)http_req_user_id(req)),
	    client ? store_int(client) : store_null(),
	    op->id2 ? store_int(op->id2) : store_null(),
	    call ? store_int((int64_t)call) : store_null(),
	    store_text(v[0].s),
	    store_text(op->text),
	};
	api_step(job, &s_referral, p, 9, STORE_MUST_HIT, &e);
	api_op_write(op, job, req, e);
}

static const struct store_stmt q_referrals = {
    "app.referrals",
    "SELECT id, time, agent_id, customer_id, call_id, contact_id, product FROM referrals"
    " WHERE ($1 IS NULL OR agent_id = $1) AND ($2 IS NULL OR team_id = $2)"
    " AND time >= $3 AND time < $4"
    " AND ($5 IS NULL OR client_id IS NULL OR client_id IN (SELECT value FROM json_each($5)))"
    " AND ($6 = 0 OR id < $6) ORDER BY id DESC LIMIT $7",
    NULL};

static void referrals_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "referrals");
		return;
	}
	api_reply_page(op, req, rs, ref_out, N_REF_OUT);
}

static void on_referral_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	int64_t after, limit, agent = 0, from = 0, to = INT64_MAX / 2;
	if (api_page(req, &after, &limit, 100, 1000))
		return;
	if (api_query_i64(req, "agent_id", 1, INT64_MAX / 2, &agent) == EINVAL ||
	    api_query_i64(req, "from", 0, INT64_MAX / 2, &from) == EINVAL ||
	    api_query_i64(req, "to", 0, INT64_MAX / 2, &to) == EINVAL)
		return;
	int64_t team = 0;
	if (u->role == ROLE_AGENT) {
		if (agent && (uint64_t)agent != u->agent_id) {
			http_reply_json(req, 200, api_list(cJSON_CreateArray(), false, 0));
			return;
		}
		agent = (int64_t)u->agent_id;
		if (!agent) {
			http_reply_json(req, 200, api_list(cJSON_CreateArray(), false, 0));
			return;
		}
	} else if (u->role == ROLE_TEAM_LEAD) {
		team = (int64_t)u->team_id;
		if (!team) {
			http_reply_json(req, 200, api_list(cJSON_CreateArray(), false, 0));
			return;
		}
	}
	struct api_op *op = api_op_new(a, req, referrals_listed);
	if (!op)
		return;
	op->n = limit;
	op->text = api_clients_json(u);
	struct store_value p[] = {agent ? store_int(agent) : store_null(),
				  team ? store_int(team) : store_null(),
				  store_int(from),
				  store_int(to),
				  store_text(op->text),
				  store_int(after),
				  store_int(limit + 1)};
	api_op_query(op, &q_referrals, p, 7, req);
}

/* ---------- goals ---------- */

static const struct store_stmt q_goals = {
    "app.goals", "SELECT id, metric, period, team_id, agent_id, target FROM goals ORDER BY id",
    NULL};

static const struct api_field goal_out[] = {
    {"id", AF_INT, 0, 0, 0, NULL, NULL},       {"metric", AF_TEXT, 0, 0, 0, NULL, NULL},
    {"period", AF_TEXT, 0, 0, 0, NULL, NULL},  {"team_id", AF_INT, 0, 0, 0, NULL, NULL},
    {"agent_id", AF_INT, 0, 0, 0, NULL, NULL}, {"target", AF_INT, 0, 0, 0, NULL, NULL},
};

static void goals_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "goals");
		return;
	}
	const struct user *u = http_req_user(req);
	cJSON *items = cJSON_CreateArray();
	for (unsigned r = 0; r < store_rs_rows(rs); r++) {
		int64_t team = store_rs_int(rs, r, 3), agent = store_rs_int(rs, r, 4);
		const struct center_agent *ag =
		    agent ? center_agent(op->api->cfg.center, agent) : NULL;
		if (agent && (!ag || !api_agent_visible(op->api, u, ag)))
			continue;
		if (team && !user_may_see_team(u, (uint64_t)team) && !api_sees_all(u) &&
		    (!u->agent_id || !ag))
			continue;
		cJSON *o = cJSON_CreateObject();
		api_row_json(rs, r, 0, goal_out, 6, o, false);
		cJSON_AddItemToArray(items, o);
	}
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_goals(struct http_req *req, void *arg)
{
	struct api *a = arg;
	struct api_op *op = api_op_new(a, req, goals_listed);
	if (op)
		api_op_query(op, &q_goals, NULL, 0, req);
}

static const struct store_stmt s_goal_ins = {
    "app.goal_insert",
    "INSERT INTO goals (metric, period, team_id, agent_id, target, updated_at)"
    " SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM goals WHERE metric = $1"
    " AND period = $2 AND team_id IS $3 AND agent_id IS $4)",
    NULL};
static const struct store_stmt s_goal_upd = {
    "app.goal_update",
    "UPDATE goals SET target = $5, updated_at = $6 WHERE metric = $1 AND period = $2"
    " AND team_id IS $3 AND agent_id IS $4 RETURNING id, metric, period, team_id, agent_id,"
    " target",
    NULL};

static void goal_done(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, true, "goal");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	if (store_rs_rows(rs))
		api_row_json(rs, store_rs_rows(rs) - 1, 0, goal_out, 6, o, false);
	http_reply_json(req, 200, o);
}

static const char *const metrics[] = {"referrals", NULL};
static const char *const periods[] = {"month", NULL};
static const struct api_field goal_fields[] = {
    {"metric", AF_ENUM, AF_REQ, 0, 0, metrics, NULL},
    {"period", AF_ENUM, 0, 0, 0, periods, NULL},
    {"team_id", AF_INT, AF_NULL, 1, INT64_MAX / 2, NULL, NULL},
    {"agent_id", AF_INT, AF_NULL, 1, INT64_MAX / 2, NULL, NULL},
    {"target", AF_INT, AF_REQ, 0, 100000, NULL, NULL},
};

static void on_goal_put(struct http_req *req, void *arg)
{
	struct api *a = arg;
	struct api_val v[5];
	if (api_read_fields(req, http_req_json(req), goal_fields, 5, NULL, true, v))
		return;
	int64_t team = v[2].present && !v[2].null ? v[2].i : 0;
	int64_t agent = v[3].present && !v[3].null ? v[3].i : 0;
	if (team && agent) {
		api_invalid(req, "a goal is for a team or an agent, not both");
		return;
	}
	if (team && !center_team(a->cfg.center, team)) {
		api_invalid(req, "field \"team_id\": no team %" PRId64, team);
		return;
	}
	const struct center_agent *ag = agent ? center_agent(a->cfg.center, agent) : NULL;
	if (agent && (!ag || !api_agent_visible(a, http_req_user(req), ag))) {
		api_invalid(req, "field \"agent_id\": no agent %" PRId64, agent);
		return;
	}
	struct api_op *op = api_op_new(a, req, goal_done);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	int e = 0;
	struct store_value p[] = {store_text(v[0].s),
				  store_text(v[1].present ? v[1].s : "month"),
				  team ? store_int(team) : store_null(),
				  agent ? store_int(agent) : store_null(),
				  store_int(v[4].i),
				  store_int(api_now(a))};
	api_step(job, &s_goal_ins, p, 6, 0, &e);
	api_step(job, &s_goal_upd, p, 6, STORE_MUST_HIT, &e);
	char *after = api_vals_text(goal_fields, 5, v, false);
	api_audit(job, op, "update", "goal", store_null(), NULL, after, &e);
	sb_free(after);
	api_op_write(op, job, req, e);
}

/* ---------- routes ---------- */

#define LIST_OF(item)                                                                              \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" item       \
	"},\"next\":{\"type\":\"string\",\"nullable\":true}}}"
#define ESC_SCHEMA                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"time\":{\"type\":"   \
	"\"integer\"},\"call_id\":{\"type\":\"integer\"},\"contact_id\":{\"type\":\"integer\","    \
	"\"nullable\":true},\"customer_id\":{\"type\":\"integer\",\"nullable\":true},"             \
	"\"from_agent_id\":{\"type\":\"integer\"},\"from_agent_name\":{\"type\":\"string\"},"      \
	"\"team_id\":{\"type\":\"integer\",\"nullable\":true},\"from_queue_id\":{\"type\":"        \
	"\"integer\"},\"queue_id\":{\"type\":\"integer\"},\"reason\":{\"type\":\"string\"},"       \
	"\"status\":{\"type\":\"string\",\"enum\":[\"open\",\"taken\",\"closed\",\"abandoned\"]}," \
	"\"waiting\":{\"type\":\"boolean\"},\"taken_by\":{\"type\":\"integer\",\"nullable\":"      \
	"true},\"taken_by_name\":{\"type\":\"string\",\"nullable\":true},\"taken_at\":{\"type\":"  \
	"\"integer\",\"nullable\":true},\"closed_by\":{\"type\":\"integer\",\"nullable\":true},"   \
	"\"closed_at\":{\"type\":\"integer\",\"nullable\":true}}}"
#define REF_SCHEMA                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"time\":{\"type\":"   \
	"\"integer\"},\"agent_id\":{\"type\":\"integer\"},\"customer_id\":{\"type\":\"integer\","  \
	"\"nullable\":true},\"call_id\":{\"type\":\"integer\",\"nullable\":true},\"contact_id\":{" \
	"\"type\":\"integer\",\"nullable\":true},\"product\":{\"type\":\"string\"}}}"
#define GOAL_SCHEMA                                                                                \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"metric\":{\"type\":" \
	"\"string\",\"enum\":[\"referrals\"]},\"period\":{\"type\":\"string\",\"enum\":["          \
	"\"month\"]},\"team_id\":{\"type\":\"integer\",\"nullable\":true},\"agent_id\":{\"type\":" \
	"\"integer\",\"nullable\":true},\"target\":{\"type\":\"integer\"}}}"

int api_app_floor_routes(struct api *a)
{
	const struct http_route r[] = {
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/call/escalate",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_escalate,
	     .summary = "Escalate your call to the team leads: it moves to your team lead's "
			"queue (or queue_id) and the escalation is recorded; you go to wrap-up",
	     .tag = "desktop",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
			       "\"reason\"],\"properties\":{\"reason\":{\"type\":\"string\","
			       "\"maxLength\":2000},\"queue_id\":{\"type\":\"integer\"}}}",
	     .response_schema = "{\"type\":\"object\",\"description\":\"your committed state "
				"with escalation_id\"}",
	     .status = 201,
	     .errors = "404 409"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/escalations",
	     .roles = R_LEAD | R_SUPER | R_ADMIN,
	     .h = on_esc_list,
	     .summary =
		 "Escalations, newest first (team leads: their team's); ?status=&after=&limit=",
	     .tag = "floor",
	     .response_schema = LIST_OF(ESC_SCHEMA),
	     .errors = "422"},
	    {.method = HTTP_PATCH,
	     .pattern = API_PREFIX "/escalations/{id:int}",
	     .roles = R_LEAD | R_SUPER | R_ADMIN,
	     .h = on_esc_patch,
	     .summary = "Close an escalation (audited)",
	     .tag = "floor",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
			       "\"status\"],\"properties\":{\"status\":{\"type\":\"string\","
			       "\"enum\":[\"closed\"]}}}",
	     .response_schema = ESC_SCHEMA,
	     .errors = "404"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/me/take",
	     .roles = R_LEAD,
	     .h = on_take,
	     .summary = "Take a call waiting in a queue you serve (overflow, escalations): you "
			"become ready and the router offers it to you",
	     .tag = "floor",
	     .request_schema =
		 "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
		 "\"queue_id\"],\"properties\":{\"queue_id\":{\"type\":\"integer\"}}}",
	     .response_schema = "{\"type\":\"object\",\"description\":\"your committed state\"}",
	     .errors = "404 409"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/agents/live",
	     .roles = R_ALL,
	     .h = on_agents_live,
	     .summary = "Agents' committed states with time in state and current call (its "
			"caller, customer and connect time as on the wallboard; team leads: their "
			"team; agents: themselves); ?team_id=",
	     .tag = "floor",
	     .response_schema =
		 "{\"type\":\"object\",\"properties\":{\"seq\":{\"type\":\"integer\","
		 "\"description\":"
		 "\"the last event these states "
		 "include\"},\"now\":{\"type\":\"integer\"},\"items\":{"
		 "\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{"
		 "\"type\":"
		 "\"integer\"},\"name\":{\"type\":\"string\"},\"team_id\":{\"type\":\"integer\","
		 "\"nullable\":true},\"state\":{\"type\":\"string\"},\"reason\":{\"type\":"
		 "\"integer\"},\"reason_name\":{\"type\":\"string\",\"nullable\":true},\"since\":{"
		 "\"type\":\"integer\"},\"call_id\":{\"type\":\"integer\",\"nullable\":true},"
		 "\"queue_id\":{\"type\":\"integer\",\"nullable\":true},\"caller_number\":{"
		 "\"type\":\"string\",\"nullable\":true},\"customer_id\":{\"type\":\"integer\","
		 "\"nullable\":true},\"call_connected_at\":{\"type\":\"integer\",\"nullable\":"
		 "true},\"call_ended_at\":{\"type\":\"integer\",\"nullable\":true},"
		 "\"handled\":{\"type\":\"integer\"}}}}}}",
	     .errors = "422"},
	    {.method = HTTP_POST,
	     .pattern = API_PREFIX "/referrals",
	     .roles = R_AGENT | R_LEAD,
	     .h = on_referral_post,
	     .summary = "Log a referral (cross-selling) for your current call's customer",
	     .tag = "desktop",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
			       "\"product\"],\"properties\":{\"product\":{\"type\":\"string\","
			       "\"maxLength\":200},\"customer_id\":{\"type\":\"integer\","
			       "\"nullable\":true}}}",
	     .response_schema = REF_SCHEMA,
	     .status = 201,
	     .errors = "404"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/referrals",
	     .roles = R_FLOOR,
	     .h = on_referral_list,
	     .summary = "Referrals, newest first (agents: theirs; team leads: their team's); "
			"?agent_id=&from=&to=&after=&limit=",
	     .tag = "desktop",
	     .response_schema = LIST_OF(REF_SCHEMA),
	     .errors = "422"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/goals",
	     .roles = R_ALL,
	     .h = on_goals,
	     .summary = "Monthly goals: the center's, a team's or an agent's (the most specific "
			"applies)",
	     .tag = "floor",
	     .response_schema = LIST_OF(GOAL_SCHEMA)},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/goals",
	     .roles = R_SUPER | R_ADMIN,
	     .h = on_goal_put,
	     .summary = "Set a goal (for the center, a team_id or an agent_id); audited",
	     .tag = "floor",
	     .request_schema =
		 "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
		 "\"metric\",\"target\"],\"properties\":{\"metric\":{\"type\":"
		 "\"string\",\"enum\":[\"referrals\"]},\"period\":{\"type\":"
		 "\"string\",\"enum\":[\"month\"]},\"team_id\":{\"type\":"
		 "\"integer\",\"nullable\":true},\"agent_id\":{\"type\":\"integer\","
		 "\"nullable\":true},\"target\":{\"type\":\"integer\",\"minimum\":0}}}",
	     .response_schema = GOAL_SCHEMA},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
