/* api_contacts: contact records: filtered keyset pages, one record, notes and disposition, CSV
 * export safe for spreadsheets. */
#include "server/api_impl.h"

#include "base/json.h"
#include "base/mem.h"
#include "http/util.h"
#include "server/tel_dial.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum {
	K_ID,
	K_CALL,
	K_INITIAL,
	K_PREVIOUS,
	K_NEXT,
	K_CLIENT,
	K_CHANNEL,
	K_DIRECTION,
	K_INITIATION,
	K_CUSTOMER,
	K_NUMBER,
	K_SYSTEM,
	K_QUEUE,
	K_AGENT,
	K_T_INIT,
	K_T_ENQ,
	K_T_DEQ,
	K_T_CONN,
	K_T_DISC,
	K_HOLDS,
	K_HOLD_MS,
	K_T_WRAP,
	K_T_WRAP_END,
	K_REASON,
	K_DISPOSITION,
	K_DISPOSITION_CODE,
	K_NOTES,
	K_RECORDING,
	K_ATTR,
	K_UPDATED,
	K_COUNT
};

static const struct api_field contact_fields[K_COUNT] = {
    [K_ID] = {"id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_CALL] = {"call_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_INITIAL] = {"initial_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_PREVIOUS] = {"previous_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_NEXT] = {"next_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_CLIENT] = {"client_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_CHANNEL] = {"channel", AF_TEXT, 0, 0, 0, NULL, NULL},
    [K_DIRECTION] = {"direction", AF_TEXT, 0, 0, 0, NULL, NULL},
    [K_INITIATION] = {"initiation", AF_TEXT, 0, 0, 0, NULL, NULL},
    [K_CUSTOMER] = {"customer_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_NUMBER] = {"customer_number", AF_TEXT, AF_PERSONAL, 0, 0, NULL, NULL},
    [K_SYSTEM] = {"system_number", AF_TEXT, 0, 0, 0, NULL, NULL},
    [K_QUEUE] = {"queue_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_AGENT] = {"agent_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_T_INIT] = {"t_initiated", AF_TIME, 0, 0, 0, NULL, NULL},
    [K_T_ENQ] = {"t_enqueued", AF_TIME, 0, 0, 0, NULL, NULL},
    [K_T_DEQ] = {"t_dequeued", AF_TIME, 0, 0, 0, NULL, NULL},
    [K_T_CONN] = {"t_connected", AF_TIME, 0, 0, 0, NULL, NULL},
    [K_T_DISC] = {"t_disconnected", AF_TIME, 0, 0, 0, NULL, NULL},
    [K_HOLDS] = {"hold_count", AF_INT, 0, 0, 0, NULL, NULL},
    [K_HOLD_MS] = {"hold_ms", AF_INT, 0, 0, 0, NULL, NULL},
    [K_T_WRAP] = {"t_wrap_start", AF_TIME, 0, 0, 0, NULL, NULL},
    [K_T_WRAP_END] = {"t_wrap_end", AF_TIME, 0, 0, 0, NULL, NULL},
    [K_REASON] = {"disconnect_reason", AF_TEXT, 0, 0, 0, NULL, NULL},
    [K_DISPOSITION] = {"disposition_id", AF_INT, 0, 0, 0, NULL, NULL},
    [K_DISPOSITION_CODE] = {"disposition", AF_TEXT, 0, 0, 0, NULL, NULL},
    [K_NOTES] = {"notes", AF_TEXT, AF_PERSONAL, 0, 0, NULL, NULL},
    [K_RECORDING] = {"recording_ref", AF_TEXT, AF_HIDE, 0, 0, NULL, NULL},
    [K_ATTR] = {"attributes", AF_JSON, AF_PERSONAL, 0, 0, NULL, NULL},
    [K_UPDATED] = {"updated_at", AF_TIME, 0, 0, 0, NULL, NULL},
};

#define CONTACT_SELECT                                                                             \
	"SELECT c.id, c.call_id, c.initial_id, c.previous_id, c.next_id, c.client_id, c.channel,"  \
	" c.direction, c.initiation, c.customer_id, c.customer_number, c.system_number,"           \
	" c.queue_id, c.agent_id, c.t_initiated, c.t_enqueued, c.t_dequeued, c.t_connected,"       \
	" c.t_disconnected, c.hold_count, c.hold_ms, c.t_wrap_start, c.t_wrap_end,"                \
	" c.disconnect_reason, c.disposition_id,"                                                  \
	" (SELECT d.code FROM dispositions d WHERE d.id = c.disposition_id), c.notes,"             \
	" c.recording_ref, c.attributes, c.updated_at FROM contacts c"

static const struct store_stmt q_contact_page = {
    "api.contact_page",
    CONTACT_SELECT
    " WHERE ($1 IS NULL OR c.client_id IN (SELECT value FROM json_each($1)))"
    " AND ($2 IS NULL OR c.agent_id IN (SELECT value FROM json_each($2)))"
    " AND ($3 IS NULL OR c.t_initiated >= $3) AND ($4 IS NULL OR c.t_initiated < $4)"
    " AND ($5 IS NULL OR c.queue_id = $5) AND ($6 IS NULL OR c.agent_id = $6)"
    " AND ($7 IS NULL OR c.customer_id = $7) AND ($8 IS NULL OR c.disposition_id = $8)"
    " AND ($9 IS NULL OR c.direction = $9) AND ($10 = 0 OR c.id < $10)"
    " ORDER BY c.id DESC LIMIT $11",
    NULL};

static const struct store_stmt q_contact_one = {"api.contact_one",
						CONTACT_SELECT " WHERE c.id = $1", NULL};

/* ---------- filters ---------- */

struct cfilter {
	char *clients, *agents;
	int64_t from, to, queue, agent, customer, disposition;
	const char *direction;
	bool none; /* the caller may see no record at all */
};

static void cfilter_release(struct cfilter *f)
{
	sb_free(f->clients);
	sb_free(f->agents);
}

/* The records a user may see: agents their own, team leads their team's, others all (within
 * clients). */
static int role_agents(struct api *a, const struct user *u, char **out)
{
	*out = NULL;
	if (api_sees_all(u))
		return 0;
	if (u->role == ROLE_TEAM_LEAD && u->team_id) {
		*out = api_team_json(a, (int64_t)u->team_id, false);
		return *out ? 0 : ENOMEM;
	}
	int64_t me = (int64_t)u->agent_id;
	*out = api_ids_json(&me, u->agent_id ? 1 : 0);
	return *out ? 0 : ENOMEM;
}

static int read_filter(struct api *a, struct http_req *req, struct cfilter *f)
{
	memset(f, 0, sizeof(*f));
	const struct user *u = http_req_user(req);
	const int64_t big = INT64_MAX / 2;
	if (api_query_i64(req, "from", 0, big, &f->from) == EINVAL ||
	    api_query_i64(req, "to", 0, big, &f->to) == EINVAL ||
	    api_query_i64(req, "queue_id", 1, big, &f->queue) == EINVAL ||
	    api_query_i64(req, "agent_id", 1, big, &f->agent) == EINVAL ||
	    api_query_i64(req, "customer_id", 1, big, &f->customer) == EINVAL ||
	    api_query_i64(req, "disposition_id", 1, big, &f->disposition) == EINVAL)
		return EINVAL;
	f->direction = http_req_query(req, "direction");
	if (f->direction && strcmp(f->direction, "inbound") != 0 &&
	    strcmp(f->direction, "outbound") != 0 && strcmp(f->direction, "internal") != 0) {
		api_invalid(req,
			    "query argument \"direction\" must be inbound, outbound or internal");
		return EINVAL;
	}
	f->clients = api_clients_json(u);
	if (role_agents(a, u, &f->agents)) {
		http_reply_error(req, 500, "internal", "out of memory");
		cfilter_release(f);
		return ENOMEM;
	}
	return 0;
}

static void filter_params(const struct cfilter *f, int64_t before, int64_t limit,
			  struct store_value p[11])
{
	p[0] = store_text(f->clients);
	p[1] = store_text(f->agents);
	p[2] = f->from ? store_int(f->from) : store_null();
	p[3] = f->to ? store_int(f->to) : store_null();
	p[4] = f->queue ? store_int(f->queue) : store_null();
	p[5] = f->agent ? store_int(f->agent) : store_null();
	p[6] = f->customer ? store_int(f->customer) : store_null();
	p[7] = f->disposition ? store_int(f->disposition) : store_null();
	p[8] = store_text(f->direction);
	p[9] = store_int(before);
	p[10] = store_int(limit);
}

static bool contact_visible(struct api *a, const struct user *u, const struct store_rs *rs,
			    unsigned row)
{
	if (!u || store_rs_is_null(rs, row, K_CLIENT) ||
	    !user_may_see_client(u, (uint64_t)store_rs_int(rs, row, K_CLIENT)))
		return false;
	if (api_sees_all(u))
		return true;
	int64_t agent = store_rs_int(rs, row, K_AGENT);
	if (u->agent_id && agent == (int64_t)u->agent_id)
		return true;
	if (u->role == ROLE_TEAM_LEAD && u->team_id && agent) {
		const struct center_agent *ag = center_agent(a->cfg.center, agent);
		return ag && ag->team_id == (int64_t)u->team_id;
	}
	return false;
}

static cJSON *contact_json(const struct store_rs *rs, unsigned row)
{
	cJSON *o = cJSON_CreateObject();
	api_row_json(rs, row, 0, contact_fields, K_COUNT, o, false);
	cJSON_AddBoolToObject(o, "has_recording", !store_rs_is_null(rs, row, K_RECORDING));
	return o;
}

/* ---------- list and one ---------- */

static void contacts_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned r = 0; r < n; r++) {
		cJSON_AddItemToArray(items, contact_json(rs, r));
		last = store_rs_int(rs, r, K_ID);
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

static void on_contact_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	int64_t after, limit;
	struct cfilter f;
	if (api_page(req, &after, &limit, 50, 1000) || read_filter(a, req, &f))
		return;
	struct api_op *op = api_op_new(a, req, contacts_listed);
	if (op) {
		op->n = limit;
		struct store_value p[11];
		filter_params(&f, after, limit + 1, p);
		api_op_query(op, &q_contact_page, p, 11, req);
	}
	cfilter_release(&f);
}

static void contact_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !contact_visible(op->api, u, rs, 0)) {
		api_not_found(req, "contact");
		return;
	}
	http_reply_json(req, 200, contact_json(rs, 0));
}

static void on_contact_get(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, contact_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_contact_one, p, 1, req);
}

/* ---------- notes and disposition ---------- */

static const struct api_field patch_fields[] = {
    {"notes", AF_TEXT, AF_NULL | AF_EMPTY | AF_PERSONAL, 0, 20000, NULL, NULL},
    {"disposition_id", AF_INT, AF_NULL, 1, INT64_MAX / 2, NULL, NULL},
};

struct patch {
	struct api_val v[2];
	int64_t id;
};

static void patch_free(void *p)
{
	struct patch *pt = p;
	api_vals_free(pt->v, 2);
	sb_free(pt);
}

static const struct store_stmt s_contact_patch = {
    "api.contact_patch",
    "UPDATE contacts SET notes = CASE WHEN $2 = 1 THEN $3 ELSE notes END,"
    " disposition_id = CASE WHEN $4 = 1 THEN $5 ELSE disposition_id END, updated_at = $6"
    " WHERE id = $1",
    NULL};
static const struct store_stmt q_disposition_for = {
    "api.disposition_for",
    "SELECT id FROM dispositions WHERE id = $1 AND active = 1"
    " AND (client_id IS NULL OR client_id = $2)",
    NULL};

static void patched(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (!n) {
		http_reply_error(req, 500, "internal", "the record did not come back");
		return;
	}
	/* an outbound campaign call that ended without a disposition: the dialer gets this one */
	const struct patch *pt = op->data;
	const char *dir = store_rs_text(rs, n - 1, K_DIRECTION);
	const char *code = store_rs_text(rs, n - 1, K_DISPOSITION_CODE);
	if (pt->v[1].present && code && dir && strcmp(dir, "outbound") == 0 && op->api->cfg.tel)
		(void)tel_dial_late_disposition(op->api->cfg.tel,
						(uint64_t)store_rs_int(rs, n - 1, K_CALL), code);
	http_reply_json(req, 200, contact_json(rs, n - 1));
}

static void patch_write(struct api_op *op, struct http_req *req)
{
	struct patch *pt = op->data;
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	int err = 0;
	struct store_value id = store_int(pt->id);
	struct store_value p[] = {id,
				  store_int(pt->v[0].present),
				  api_val_store(&patch_fields[0], &pt->v[0]),
				  store_int(pt->v[1].present),
				  api_val_store(&patch_fields[1], &pt->v[1]),
				  store_int(api_now(op->api))};
	api_step(job, &s_contact_patch, p, 6, STORE_MUST_HIT, &err);
	/* the notes are personal data: the audit row names the change, not the text */
	char *after = api_vals_text(patch_fields, 2, pt->v, false);
	api_audit(job, op, "update", "contact", id, op->text, after, &err);
	sb_free(after);
	api_step(job, &q_contact_one, &id, 1, 0, &err);
	op->done = patched;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void patch_disposition_checked(struct api_op *op, int err, struct store_rs *rs,
				      struct http_req *req)
{
	struct patch *pt = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "disposition");
		return;
	}
	if (store_rs_rows(rs) == 0) {
		api_invalid(req,
			    "field \"disposition_id\": no active disposition %" PRId64
			    " for this record's client",
			    pt->v[1].i);
		return;
	}
	patch_write(op, req);
}

static void patch_checked(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct patch *pt = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !contact_visible(op->api, u, rs, 0)) {
		api_not_found(req, "contact");
		return;
	}
	/* the center rewrites a record until its segment and wrap-up are over */
	if (store_rs_is_null(rs, 0, K_T_DISC)) {
		http_reply_error(req, 409, "conflict", "the call is still going on");
		return;
	}
	if (!store_rs_is_null(rs, 0, K_T_WRAP) && store_rs_is_null(rs, 0, K_T_WRAP_END)) {
		http_reply_error(req, 409, "conflict",
				 "the record is in wrap-up: end it with POST /api/v1/me/wrapup");
		return;
	}
	cJSON *b = cJSON_CreateObject();
	if (store_rs_is_null(rs, 0, K_DISPOSITION))
		cJSON_AddNullToObject(b, "disposition_id");
	else
		json_add_i64(b, "disposition_id", store_rs_int(rs, 0, K_DISPOSITION));
	char *t = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	op->text = t ? sb_strdup(t) : NULL;
	cJSON_free(t);
	if (pt->v[1].present && !pt->v[1].null) {
		struct store_value p[] = {store_int(pt->v[1].i),
					  store_int(store_rs_int(rs, 0, K_CLIENT))};
		op->done = patch_disposition_checked;
		op->cont = api_op_query_keep(op, &q_disposition_for, p, 2, req) == 0;
		return;
	}
	patch_write(op, req);
}

static void on_contact_patch(struct http_req *req, void *arg)
{
	struct api *a = arg;
	struct api_op *op = api_op_new(a, req, patch_checked);
	struct patch *pt = op ? sb_zalloc(sizeof(*pt)) : NULL;
	if (!pt) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = pt;
	op->data_free = patch_free;
	pt->id = api_param_id(req, "id");
	if (api_read_fields(req, http_req_json(req), patch_fields, 2, NULL, false, pt->v)) {
		api_op_free(op);
		return;
	}
	if (!pt->v[0].present && !pt->v[1].present) {
		api_invalid(req, "give \"notes\" or \"disposition_id\"");
		api_op_free(op);
		return;
	}
	struct store_value p[] = {store_int(pt->id)};
	api_op_query(op, &q_contact_one, p, 1, req);
}

/* ---------- CSV ---------- */

#define CSV_PAGE     1000
#define CSV_MAX_ROWS 200000

struct csv {
	struct cfilter f;
	struct http_buf out;
	int64_t before;
	unsigned rows;
};

static void csv_free(void *p)
{
	struct csv *c = p;
	cfilter_release(&c->f);
	http_buf_free(&c->out);
	sb_free(c);
}

/*
 * One text cell. A cell a spreadsheet would take for a formula (starting
 * with = + - @, a tab or a carriage return) gets a leading apostrophe; then
 * RFC 4180: quoted when it holds a comma, a quote or a line break, quotes
 * doubled.
 */
static int csv_text(struct http_buf *b, const char *s)
{
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
		       s[0] == '\r';
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	int err = 0;
	if (quote)
		err = http_buf_add(b, "\"", 1);
	if (!err && formula)
		err = http_buf_add(b, "'", 1);
	const char *p = s;
	while (!err && *p) {
		const char *q = strchr(p, '"');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		err = http_buf_add(b, p, n);
		if (err || !q)
			break;
		err = http_buf_add(b, "\"\"", 2);
		p = q + 1;
	}
	if (!err && quote)
		err = http_buf_add(b, "\"", 1);
	return err;
}

static int csv_row(struct http_buf *b, const struct store_rs *rs, unsigned row)
{
	int err = 0;
	bool first = true;
	for (unsigned i = 0; !err && i < K_COUNT; i++) {
		const struct api_field *f = &contact_fields[i];
		if (f->flags & AF_HIDE)
			continue;
		if (!first)
			err = http_buf_add(b, ",", 1);
		first = false;
		if (err || store_rs_is_null(rs, row, i))
			continue;
		if (f->type == AF_TEXT || f->type == AF_JSON) {
			const char *s = store_rs_text(rs, row, i);
			err = csv_text(b, s ? s : "");
		} else {
			err = http_buf_printf(b, "%" PRId64, store_rs_int(rs, row, i));
		}
	}
	return err ? err : http_buf_add(b, "\r\n", 2);
}

static void csv_page(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct csv *c = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact");
		return;
	}
	unsigned n = store_rs_rows(rs);
	for (unsigned r = 0; r < n && !err; r++) {
		err = csv_row(&c->out, rs, r);
		c->before = store_rs_int(rs, r, K_ID);
	}
	c->rows += n;
	if (err) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	if (n == CSV_PAGE && c->rows < CSV_MAX_ROWS) {
		struct store_value p[11];
		filter_params(&c->f, c->before, CSV_PAGE, p);
		op->cont = api_op_query_keep(op, &q_contact_page, p, 11, req) == 0;
		return;
	}
	http_req_add_header(req, "Content-Disposition", "attachment; filename=\"contacts.csv\"");
	if (n == CSV_PAGE)
		http_req_add_header(req, "X-Truncated", "true");
	http_reply_data(req, 200, "text/csv; charset=utf-8", c->out.p ? c->out.p : "", c->out.len);
}

static void on_contact_csv(struct http_req *req, void *arg)
{
	struct api *a = arg;
	struct api_op *op = api_op_new(a, req, csv_page);
	struct csv *c = op ? sb_zalloc(sizeof(*c)) : NULL;
	if (!c) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = c;
	op->data_free = csv_free;
	if (read_filter(a, req, &c->f)) {
		memset(&c->f, 0, sizeof(c->f));
		api_op_free(op);
		return;
	}
	/* the header row; UTF-8 without a byte-order mark */
	int err = 0;
	bool first = true;
	for (unsigned i = 0; !err && i < K_COUNT; i++) {
		if (contact_fields[i].flags & AF_HIDE)
			continue;
		err = http_buf_printf(&c->out, "%s%s", first ? "" : ",", contact_fields[i].name);
		first = false;
	}
	if (!err)
		err = http_buf_add(&c->out, "\r\n", 2);
	if (err) {
		http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	struct store_value p[11];
	filter_params(&c->f, 0, CSV_PAGE, p);
	api_op_query(op, &q_contact_page, p, 11, req);
}

/* ---------- routes ---------- */

#define CONTACT_SCHEMA                                                                             \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"call_id\":{"         \
	"\"type\":"                                                                                \
	"\"integer\"},\"initial_id\":{\"type\":\"integer\",\"nullable\":true},\"previous_id\":{"   \
	"\"type\":\"integer\",\"nullable\":true},\"next_id\":{\"type\":\"integer\",\"nullable\":"  \
	"true},\"client_id\":{\"type\":\"integer\",\"nullable\":true},\"channel\":{\"type\":"      \
	"\"string\"},\"direction\":{\"type\":\"string\"},\"initiation\":{\"type\":\"string\"},"    \
	"\"customer_id\":{\"type\":\"integer\",\"nullable\":true},\"customer_number\":{\"type\":"  \
	"\"string\",\"nullable\":true},\"system_number\":{\"type\":\"string\",\"nullable\":true}," \
	"\"queue_id\":{\"type\":\"integer\",\"nullable\":true},\"agent_id\":{\"type\":"            \
	"\"integer\","                                                                             \
	"\"nullable\":true},\"t_initiated\":{\"type\":\"integer\"},\"t_enqueued\":{\"type\":"      \
	"\"integer\",\"nullable\":true},\"t_dequeued\":{\"type\":\"integer\",\"nullable\":true},"  \
	"\"t_connected\":{\"type\":\"integer\",\"nullable\":true},\"t_disconnected\":{\"type\":"   \
	"\"integer\",\"nullable\":true},\"hold_count\":{\"type\":\"integer\"},\"hold_ms\":{"       \
	"\"type\":"                                                                                \
	"\"integer\"},\"t_wrap_start\":{\"type\":\"integer\",\"nullable\":true},\"t_wrap_end\":{"  \
	"\"type\":\"integer\",\"nullable\":true},\"disconnect_reason\":{\"type\":\"string\","      \
	"\"nullable\":true},\"disposition_id\":{\"type\":\"integer\",\"nullable\":true},"          \
	"\"disposition\":{\"type\":\"string\",\"nullable\":true},\"notes\":{\"type\":\"string\","  \
	"\"nullable\":true},\"attributes\":{\"type\":\"object\",\"nullable\":true},\"updated_"     \
	"at\":{"                                                                                   \
	"\"type\":\"integer\"},\"has_recording\":{\"type\":\"boolean\"}}}"

int api_contact_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, API_PREFIX "/contacts", R_RECORDS, on_contact_list, NULL, 0,
	     "Contact records, newest first (agents: their own; team leads: their team's). "
	     "Filters: ?from=&to= (ms), queue_id, agent_id, customer_id, disposition_id, "
	     "direction; "
	     "?after=<next>&limit=",
	     "contacts", NULL,
	     "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
	     "\"items\":" CONTACT_SCHEMA "},\"next\":{\"type\":\"string\",\"nullable\":true}}}",
	     NULL, 0, "422"},
	    {HTTP_GET, API_PREFIX "/contacts.csv", R_RECORDS, on_contact_csv, NULL, 0,
	     "The same records as CSV (RFC 4180, UTF-8; cells that would run as formulas are "
	     "prefixed with ')",
	     "contacts", NULL, NULL, "text/csv", 0, "422"},
	    {HTTP_GET, API_PREFIX "/contacts/{id:int}", R_RECORDS, on_contact_get, NULL, 0,
	     "One contact record", "contacts", NULL, CONTACT_SCHEMA, NULL, 0, "404"},
	    {HTTP_PATCH, API_PREFIX "/contacts/{id:int}", R_FLOOR, on_contact_patch, NULL, 0,
	     "Set a finished record's notes or disposition (its agent, their team lead, "
	     "supervisors, admins); on an outbound campaign call that ended without one, the "
	     "disposition reaches the dialer",
	     "contacts",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"notes\":{"
	     "\"type\":\"string\",\"nullable\":true,\"maxLength\":20000},\"disposition_id\":{"
	     "\"type\":\"integer\",\"nullable\":true}}}",
	     CONTACT_SCHEMA, NULL, 0, "404 409"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
