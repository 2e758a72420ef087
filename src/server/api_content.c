/* api_content: rows that live only in the database: dispositions, scripts, knowledge articles
 * (full-text search), callbacks, account items. */
#include "server/api_impl.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/phone.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A resource described by its fields; the statements are built once from
 * the descriptor (identifiers only: every value is bound). f[0] is "id".
 * Each row read also carries the client it belongs to (client_expr) for the
 * visibility check.
 */
struct res;

/* Extra checks of a write (and derived values: set v[i].present); 0, or EINVAL after a 422. */
typedef int(res_check_h)(struct api *a, struct http_req *req, const struct user *u,
			 const struct res *r, struct api_val *v, bool create, int64_t parent);
/* Further visibility of a row (after the client check). */
typedef bool(res_row_h)(struct api *a, const struct user *u, const struct store_rs *rs,
			unsigned row);
/* Fills the list query's parameters before after/limit (returns how many, or -1 after a 422). */
typedef int(res_list_h)(struct api *a, struct http_req *req, const struct user *u,
			struct store_value *p, char **own);

struct res {
	const char *name; /* audit object type and messages */
	const char *table;
	const struct api_field *f;
	unsigned n;
	const char *client_expr;  /* SQL giving the row's client id */
	bool null_client_all;	  /* a row without client is for every client */
	const char *soft_delete;  /* column set to 0 instead of deleting; NULL: delete */
	const char *update_extra; /* appended to the SET list of updates */
	const char
	    *list_where; /* list: the WHERE condition before the keyset; params from list() */
	unsigned list_nparams;
	res_list_h *list;
	res_check_h *check;
	res_row_h *row_ok;
	/* children (account items): the parent in the path and the field naming it */
	const char *parent_param;
	int parent_field;
	const char *parent_sql; /* SELECT <client id> FROM parent WHERE id = $1 */
	/* audit: object type and the field giving the object id (0: the row's id) */
	const char *audit_type;
	int audit_field;
	bool audit_personal;
	/* built */
	char cols[1024], s_get[1600], s_ins[2048], s_upd[4096], s_del[300], s_list[3072];
	struct store_stmt get, ins, upd, del, list_st, parent;
	unsigned n_ins, n_upd;
};

static void build(struct res *r)
{
	size_t o = 0;
	for (unsigned i = 0; i < r->n; i++)
		o += (size_t)snprintf(r->cols + o, sizeof(r->cols) - o, "%s%s", i ? ", " : "",
				      r->f[i].name);
	snprintf(r->s_get, sizeof(r->s_get), "SELECT %s, %s FROM %s WHERE id = $1", r->cols,
		 r->client_expr, r->table);
	/* insert: writable fields, then the time / actor columns */
	char names[1024] = "", vals[512] = "";
	size_t on = 0, ov = 0;
	unsigned k = 0;
	for (unsigned i = 1; i < r->n; i++) {
		const struct api_field *f = &r->f[i];
		unsigned fl = f->flags;
		if ((fl & AF_RO) && !(fl & (AF_NOW | AF_TOUCH | AF_ACTOR)))
			continue;
		k++;
		on += (size_t)snprintf(names + on, sizeof(names) - on, "%s%s", k > 1 ? ", " : "",
				       f->name);
		if (f->dflt)
			ov += (size_t)snprintf(vals + ov, sizeof(vals) - ov, "%sCOALESCE($%u, %s)",
					       k > 1 ? ", " : "", k, f->dflt);
		else
			ov += (size_t)snprintf(vals + ov, sizeof(vals) - ov, "%s$%u",
					       k > 1 ? ", " : "", k);
	}
	r->n_ins = k;
	snprintf(r->s_ins, sizeof(r->s_ins), "INSERT INTO %s (%s) VALUES (%s) RETURNING id",
		 r->table, names, vals);
	/* update: $1 = id, $2 = mask of the fields given, $3 = now, then one value per field */
	o = (size_t)snprintf(r->s_upd, sizeof(r->s_upd), "UPDATE %s SET ", r->table);
	k = 3;
	unsigned bit = 0, sets = 0;
	for (unsigned i = 1; i < r->n; i++) {
		const struct api_field *f = &r->f[i];
		if (f->flags & AF_TOUCH) {
			o += (size_t)snprintf(r->s_upd + o, sizeof(r->s_upd) - o, "%s%s = $3",
					      sets++ ? ", " : "", f->name);
			continue;
		}
		if (f->flags & (AF_RO | AF_PATH))
			continue;
		k++;
		o += (size_t)snprintf(r->s_upd + o, sizeof(r->s_upd) - o,
				      "%s%s = CASE WHEN ($2 / %lld) %% 2 = 1 THEN $%u ELSE %s END",
				      sets++ ? ", " : "", f->name, 1LL << bit, k, f->name);
		bit++;
	}
	r->n_upd = k;
	snprintf(r->s_upd + o, sizeof(r->s_upd) - o, "%s WHERE id = $1 AND $3 = $3",
		 r->update_extra ? r->update_extra : "");
	bool touch = false;
	for (unsigned i = 1; i < r->n; i++)
		touch = touch || (r->f[i].flags & AF_TOUCH);
	if (r->soft_delete)
		snprintf(r->s_del, sizeof(r->s_del),
			 "UPDATE %s SET %s = 0%s WHERE id = $1 AND $2 = $2", r->table,
			 r->soft_delete, touch ? ", updated_at = $2" : "");
	else
		snprintf(r->s_del, sizeof(r->s_del), "DELETE FROM %s WHERE id = $1", r->table);
	snprintf(r->s_list, sizeof(r->s_list),
		 "SELECT %s, %s FROM %s WHERE %s AND id > $%u ORDER BY id LIMIT $%u", r->cols,
		 r->client_expr, r->table, r->list_where, r->list_nparams + 1, r->list_nparams + 2);
	r->get = (struct store_stmt){r->name, r->s_get, NULL};
	r->ins = (struct store_stmt){r->name, r->s_ins, NULL};
	r->upd = (struct store_stmt){r->name, r->s_upd, NULL};
	r->del = (struct store_stmt){r->name, r->s_del, NULL};
	r->list_st = (struct store_stmt){r->name, r->s_list, NULL};
	if (r->parent_sql)
		r->parent = (struct store_stmt){r->name, r->parent_sql, NULL};
}

/* ---------- generic handlers ---------- */

struct resop {
	const struct res *r;
	struct api_val v[API_MAX_FIELDS];
	bool create, remove;
	int64_t parent;
	char *before;
};

static void resop_free(void *p)
{
	struct resop *ro = p;
	api_vals_free(ro->v, ro->r->n);
	sb_free(ro->before);
	sb_free(ro);
}

static struct api_op *res_op(struct api *a, struct http_req *req, const struct res *r,
			     api_done_h *done)
{
	struct api_op *op = api_op_new(a, req, done);
	struct resop *ro = op ? sb_zalloc(sizeof(*ro)) : NULL;
	if (!ro) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return NULL;
	}
	ro->r = r;
	op->data = ro;
	op->data_free = resop_free;
	return op;
}

static bool row_visible(struct api *a, const struct user *u, const struct res *r,
			const struct store_rs *rs, unsigned row)
{
	if (!u)
		return false;
	unsigned ccol = r->n;
	if (store_rs_is_null(rs, row, ccol)) {
		if (!r->null_client_all)
			return false;
	} else if (!user_may_see_client(u, (uint64_t)store_rs_int(rs, row, ccol))) {
		return false;
	}
	return !r->row_ok || r->row_ok(a, u, rs, row);
}

static cJSON *row_json(const struct res *r, const struct store_rs *rs, unsigned row)
{
	cJSON *o = cJSON_CreateObject();
	api_row_json(rs, row, 0, r->f, r->n, o, false);
	return o;
}

static void listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct resop *ro = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, ro->r->name);
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned i = 0; i < n; i++) {
		last = store_rs_int(rs, i, 0);
		if (row_visible(op->api, u, ro->r, rs, i))
			cJSON_AddItemToArray(items, row_json(ro->r, rs, i));
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

static void res_list(struct api *a, struct http_req *req, const struct res *r)
{
	int64_t after, limit;
	if (api_page(req, &after, &limit, 100, 1000))
		return;
	struct store_value p[16];
	char *own[4] = {NULL, NULL, NULL, NULL};
	int n = r->list(a, req, http_req_user(req), p, own);
	if (n < 0)
		goto out;
	p[n] = store_int(after);
	p[n + 1] = store_int(limit + 1);
	struct api_op *op = res_op(a, req, r, listed);
	if (op) {
		op->n = limit;
		api_op_query(op, &r->list_st, p, (unsigned)n + 2, req);
	}
out:
	for (int i = 0; i < 4; i++)
		sb_free(own[i]);
}

static void got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct resop *ro = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, ro->r->name);
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !row_visible(op->api, u, ro->r, rs, 0) ||
	    (ro->r->parent_param &&
	     store_rs_int(rs, 0, (unsigned)ro->r->parent_field) != ro->parent)) {
		api_not_found(req, ro->r->name);
		return;
	}
	http_reply_json(req, 200, row_json(ro->r, rs, 0));
}

static const char *id_param(const struct res *r)
{
	return r->parent_param ? "item" : "id";
}

static void res_get(struct api *a, struct http_req *req, const struct res *r)
{
	struct api_op *op = res_op(a, req, r, got);
	if (!op)
		return;
	struct resop *ro = op->data;
	if (r->parent_param)
		ro->parent = api_param_id(req, r->parent_param);
	struct store_value p[] = {store_int(api_param_id(req, id_param(r)))};
	api_op_query(op, &r->get, p, 1, req);
}

/* The write committed: reply with the row the job read back (the last row). */
static void written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct resop *ro = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, ro->create, ro->r->name);
		return;
	}
	if (ro->remove) {
		http_reply_empty(req, 204);
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (n == 0) {
		http_reply_error(req, 500, "internal", "the row did not come back");
		return;
	}
	http_reply_json(req, ro->create ? 201 : 200, row_json(ro->r, rs, n - 1));
}

static struct store_value audit_object(const struct res *r, const struct resop *ro,
				       struct store_value id)
{
	if (!r->audit_field)
		return id;
	const struct api_val *v = &ro->v[r->audit_field];
	if (ro->parent)
		return store_int(ro->parent);
	return v->present && !v->null ? store_int(v->i) : id;
}

/* Builds and submits the write (after the checks and, for changes, the read of the row). */
static void res_submit(struct api_op *op, struct http_req *req, int64_t id)
{
	struct api *a = op->api;
	struct resop *ro = op->data;
	const struct res *r = ro->r;
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		if (req)
			http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	int err = 0;
	int64_t now = api_now(a);
	struct store_value p[API_MAX_FIELDS + 4];
	struct store_value rid = ro->create ? store_ref(0, 0) : store_int(id);
	char *after = ro->remove ? NULL : api_vals_text(r->f, r->n, ro->v, r->audit_personal);
	const char *type = r->audit_type ? r->audit_type : r->name;
	if (ro->create) {
		unsigned k = 0;
		for (unsigned i = 1; i < r->n; i++) {
			unsigned fl = r->f[i].flags;
			if (fl & (AF_NOW | AF_TOUCH))
				p[k++] = store_int(now);
			else if (fl & AF_ACTOR)
				p[k++] =
				    op->user_id ? store_int((int64_t)op->user_id) : store_null();
			else if (!(fl & AF_RO))
				p[k++] = api_val_store(&r->f[i], &ro->v[i]);
		}
		api_step(job, &r->ins, p, k, 0, &err);
		api_audit(job, op, "create", type, audit_object(r, ro, rid), NULL, after, &err);
		api_step(job, &r->get, &rid, 1, 0, &err);
	} else if (ro->remove) {
		struct store_value d[] = {rid, store_int(now)};
		api_step(job, &r->del, d, r->soft_delete ? 2 : 1, STORE_MUST_HIT, &err);
		api_audit(job, op, r->soft_delete ? "deactivate" : "delete", type,
			  audit_object(r, ro, rid), ro->before, NULL, &err);
	} else {
		int64_t mask = 0;
		unsigned k = 3, bit = 0;
		p[0] = rid;
		p[2] = store_int(now);
		for (unsigned i = 1; i < r->n; i++) {
			if (r->f[i].flags & (AF_RO | AF_PATH))
				continue;
			if (ro->v[i].present)
				mask |= 1LL << bit;
			p[k++] = api_val_store(&r->f[i], &ro->v[i]);
			bit++;
		}
		p[1] = store_int(mask);
		api_step(job, &r->upd, p, k, STORE_MUST_HIT, &err);
		api_audit(job, op, "update", type, audit_object(r, ro, rid), ro->before, after,
			  &err);
		api_step(job, &r->get, &rid, 1, 0, &err);
	}
	sb_free(after);
	op->done = written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

/* The row (or the parent) was read: check, then write. */
static void res_checked(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct resop *ro = op->data;
	const struct res *r = ro->r;
	struct api *a = op->api;
	if (err) {
		api_store_error(req, err, false, r->name);
		return;
	}
	const struct user *u = userdir_get(a->cfg.users, op->user_id);
	if (!req || !u)
		return; /* nothing written yet: the client is gone */
	if (ro->create) {
		/* the parent row: its client */
		if (store_rs_rows(rs) == 0 ||
		    !user_may_see_client(u, (uint64_t)store_rs_int(rs, 0, 0))) {
			http_reply_error(req, 404, "not_found", "no such %s", r->parent_param);
			return;
		}
	} else {
		if (store_rs_rows(rs) == 0 || !row_visible(a, u, r, rs, 0) ||
		    (r->parent_param &&
		     store_rs_int(rs, 0, (unsigned)r->parent_field) != ro->parent)) {
			api_not_found(req, r->name);
			return;
		}
		cJSON *b = cJSON_CreateObject();
		api_row_json(rs, 0, 0, r->f, r->n, b, !r->audit_personal);
		char *t = cJSON_PrintUnformatted(b);
		cJSON_Delete(b);
		ro->before = t ? sb_strdup(t) : NULL;
		cJSON_free(t);
		if (!ro->remove && r->check && r->check(a, req, u, r, ro->v, false, ro->parent))
			return;
	}
	res_submit(op, req, op->id);
}

static void res_write(struct api *a, struct http_req *req, const struct res *r, bool create,
		      bool remove)
{
	const struct user *u = http_req_user(req);
	struct api_op *op = res_op(a, req, r, res_checked);
	if (!op)
		return;
	struct resop *ro = op->data;
	ro->create = create;
	ro->remove = remove;
	if (r->parent_param)
		ro->parent = api_param_id(req, r->parent_param);
	op->id = create ? 0 : api_param_id(req, id_param(r));
	if (!remove) {
		if (api_read_fields(req, http_req_json(req), r->f, r->n, NULL, create, ro->v))
			goto fail;
		if (r->parent_param) {
			/* the parent comes from the path */
			ro->v[r->parent_field].present = true;
			ro->v[r->parent_field].null = false;
			ro->v[r->parent_field].i = ro->parent;
		}
		if (create && r->check && r->check(a, req, u, r, ro->v, true, ro->parent))
			goto fail;
	}
	if (create) {
		if (!r->parent_param) {
			op->cont = false;
			res_submit(op, req, 0);
			if (!op->cont)
				goto fail;
			return;
		}
		struct store_value p[] = {store_int(ro->parent)};
		api_op_query(op, &r->parent, p, 1, req);
		return;
	}
	struct store_value p[] = {store_int(op->id)};
	api_op_query(op, &r->get, p, 1, req);
	return;
fail:
	api_op_free(op);
}

/* ---------- shared list filters ---------- */

#define CLIENT_FILTER(col)                                                                         \
	"(" col " IS NULL OR $1 IS NULL OR " col " IN (SELECT value FROM json_each($1)))"

static bool manages(const struct user *u)
{
	return u->role == ROLE_ADMIN || u->role == ROLE_SUPERVISOR;
}

/* A client id given in a write: it must be visible; a client-limited user must give one. */
static int check_client(struct api *a, struct http_req *req, const struct user *u,
			struct api_val *v, bool required)
{
	if (v->present && !v->null) {
		if (!center_client(a->cfg.center, v->i) ||
		    !user_may_see_client(u, (uint64_t)v->i)) {
			api_invalid(req, "field \"client_id\": no client %" PRId64, v->i);
			return EINVAL;
		}
		return 0;
	}
	if (required || u->n_clients) {
		int64_t c;
		if (api_pick_client(a, req, u, NULL, &c))
			return EINVAL;
		v->present = true;
		v->null = false;
		v->i = c;
	}
	return 0;
}

/* ---------- dispositions ---------- */

static const struct api_field disposition_fields[] = {
    {"id", AF_INT, AF_RO, 0, 0, NULL},
    {"client_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    {"code", AF_TEXT, AF_REQ, 0, 64, NULL},
    {"label", AF_TEXT, AF_REQ, 0, 200, NULL},
    {"category", AF_TEXT, AF_NULL, 0, 64, NULL},
    {"requires_note", AF_BOOL, 0, 0, 0, NULL, "0"},
    {"active", AF_BOOL, 0, 0, 0, NULL, "1"},
};

static int disposition_check(struct api *a, struct http_req *req, const struct user *u,
			     const struct res *r, struct api_val *v, bool create, int64_t parent)
{
	(void)r;
	(void)parent;
	if (!create && !v[1].present)
		return 0;
	return check_client(a, req, u, &v[1], false);
}

static int disposition_list(struct api *a, struct http_req *req, const struct user *u,
			    struct store_value *p, char **own)
{
	(void)a;
	(void)req;
	own[0] = api_clients_json(u);
	p[0] = store_text(own[0]);
	/* floor roles see the codes they can use; managers also the retired ones */
	const char *all = http_req_query(req, "all");
	p[1] = store_int(manages(u) && all && strcmp(all, "true") == 0 ? 0 : 1);
	return 2;
}

static struct res disposition_res = {
    .name = "disposition",
    .table = "dispositions",
    .f = disposition_fields,
    .n = sizeof(disposition_fields) / sizeof(disposition_fields[0]),
    .client_expr = "client_id",
    .null_client_all = true,
    .soft_delete = "active",
    .list_where = CLIENT_FILTER("client_id") " AND ($2 = 0 OR active = 1)",
    .list_nparams = 2,
    .list = disposition_list,
    .check = disposition_check,
};

/* ---------- scripts ---------- */

static const struct api_field script_fields[] = {
    {"id", AF_INT, AF_RO, 0, 0, NULL},
    {"client_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    {"queue_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    {"name", AF_TEXT, AF_REQ, 0, 200, NULL},
    {"body", AF_TEXT, AF_REQ | AF_EMPTY, 0, 200000, NULL},
    {"version", AF_INT, AF_RO, 0, 0, NULL},
    {"active", AF_BOOL, 0, 0, 0, NULL, "1"},
    {"updated_at", AF_TIME, AF_RO | AF_TOUCH, 0, 0, NULL},
};

static int script_check(struct api *a, struct http_req *req, const struct user *u,
			const struct res *r, struct api_val *v, bool create, int64_t parent)
{
	(void)r;
	(void)parent;
	if (v[2].present && !v[2].null) {
		const struct center_queue *q = center_queue(a->cfg.center, v[2].i);
		if (!q || !user_may_see_client(u, (uint64_t)q->client_id)) {
			api_invalid(req, "field \"queue_id\": no queue %" PRId64, v[2].i);
			return EINVAL;
		}
		if (v[1].present && !v[1].null && v[1].i != q->client_id) {
			api_invalid(req, "field \"client_id\" differs from the queue's client");
			return EINVAL;
		}
		v[1].present = true;
		v[1].null = false;
		v[1].i = q->client_id;
		return 0;
	}
	if (!create && !v[1].present)
		return 0;
	return check_client(a, req, u, &v[1], false);
}

static int script_list(struct api *a, struct http_req *req, const struct user *u,
		       struct store_value *p, char **own)
{
	(void)a;
	int64_t q = 0;
	if (api_query_i64(req, "queue_id", 1, UINT32_MAX, &q) == EINVAL)
		return -1;
	own[0] = api_clients_json(u);
	p[0] = store_text(own[0]);
	p[1] = q ? store_int(q) : store_null();
	p[2] = store_int(manages(u) ? 0 : 1);
	return 3;
}

static struct res script_res = {
    .name = "script",
    .table = "scripts",
    .f = script_fields,
    .n = sizeof(script_fields) / sizeof(script_fields[0]),
    .client_expr = "client_id",
    .null_client_all = true,
    .update_extra = ", version = version + 1",
    .list_where = CLIENT_FILTER("client_id") " AND ($2 IS NULL OR queue_id = $2)"
					     " AND ($3 = 0 OR active = 1)",
    .list_nparams = 3,
    .list = script_list,
    .check = script_check,
};

/* ---------- knowledge articles ---------- */

static const char *const kb_categories[] = {"products", "services", "policies", "troubleshooting",
					    NULL};

static const struct api_field knowledge_fields[] = {
    {"id", AF_INT, AF_RO, 0, 0, NULL},
    {"client_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    {"category", AF_ENUM, AF_REQ, 0, 0, kb_categories},
    {"title", AF_TEXT, AF_REQ, 0, 300, NULL},
    {"body", AF_TEXT, AF_REQ | AF_EMPTY, 0, 200000, NULL},
    {"tags", AF_TEXT, AF_NULL | AF_EMPTY, 0, 500, NULL},
    {"published", AF_BOOL, 0, 0, 0, NULL, "1"},
    {"created_at", AF_TIME, AF_RO | AF_NOW, 0, 0, NULL},
    {"updated_at", AF_TIME, AF_RO | AF_TOUCH, 0, 0, NULL},
};

static int knowledge_check(struct api *a, struct http_req *req, const struct user *u,
			   const struct res *r, struct api_val *v, bool create, int64_t parent)
{
	(void)r;
	(void)parent;
	if (!create && !v[1].present)
		return 0;
	return check_client(a, req, u, &v[1], false);
}

/* Turns what a person typed into an FTS5 query: each word a quoted phrase, all required. */
static char *fts_query(const char *in)
{
	size_t cap = strlen(in) * 2 + 64;
	char *out = sb_alloc(cap);
	if (!out)
		return NULL;
	size_t o = 0;
	unsigned words = 0;
	const char *s = in;
	while (*s && words < 32) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			break;
		if (words++)
			out[o++] = ' ';
		out[o++] = '"';
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') {
			if (*s == '"')
				out[o++] = '"';
			out[o++] = *s++;
		}
		out[o++] = '"';
	}
	out[o] = '\0';
	if (!words) {
		sb_free(out);
		return NULL;
	}
	return out;
}

static int knowledge_list(struct api *a, struct http_req *req, const struct user *u,
			  struct store_value *p, char **own)
{
	(void)a;
	const char *q = http_req_query(req, "q");
	const char *cat = http_req_query(req, "category");
	if (q && strlen(q) > 500) {
		api_invalid(req, "query argument \"q\" is longer than 500 bytes");
		return -1;
	}
	if (cat) {
		bool ok = false;
		for (const char *const *c = kb_categories; *c && !ok; c++)
			ok = strcmp(*c, cat) == 0;
		if (!ok) {
			api_invalid(
			    req, "query argument \"category\" must be one of products, services, "
				 "policies, troubleshooting");
			return -1;
		}
	}
	own[0] = api_clients_json(u);
	own[1] = q ? fts_query(q) : NULL;
	p[0] = store_text(own[0]);
	p[1] = store_text(own[1]);
	p[2] = store_text(cat);
	p[3] = store_int(manages(u) ? 0 : 1);
	return 4;
}

static bool knowledge_row_ok(struct api *a, const struct user *u, const struct store_rs *rs,
			     unsigned row)
{
	(void)a;
	return manages(u) || store_rs_int(rs, row, 6) != 0;
}

static struct res knowledge_res = {
    .name = "knowledge",
    .table = "knowledge_articles",
    .f = knowledge_fields,
    .n = sizeof(knowledge_fields) / sizeof(knowledge_fields[0]),
    .client_expr = "client_id",
    .null_client_all = true,
    .list_where = CLIENT_FILTER(
	"client_id") " AND ($2 IS NULL OR id IN (SELECT rowid FROM knowledge_fts WHERE "
		     "knowledge_fts MATCH $2))"
		     " AND ($3 IS NULL OR category = $3) AND ($4 = 0 OR published = 1)",
    .list_nparams = 4,
    .list = knowledge_list,
    .check = knowledge_check,
    .row_ok = knowledge_row_ok,
};

/* ---------- callbacks ---------- */

static const char *const cb_status[] = {"pending", "dialing", "done", "failed", "cancelled", NULL};

enum {
	CB_ID,
	CB_CLIENT,
	CB_QUEUE,
	CB_CUSTOMER,
	CB_NUMBER,
	CB_DUE,
	CB_MAX,
	CB_STATUS,
	CB_NOTES,
	CB_ATTEMPTS,
	CB_REQUESTED,
	CB_CREATED_BY,
	CB_CONTACT,
	CB_UPDATED,
	CB_MESSAGE,
	CB_COUNT
};

static const struct api_field callback_fields[CB_COUNT] = {
    [CB_ID] = {"id", AF_INT, AF_RO, 0, 0, NULL},
    [CB_CLIENT] = {"client_id", AF_INT, AF_PATH, 0, 0, NULL}, /* the queue's */
    [CB_QUEUE] = {"queue_id", AF_INT, AF_REQ, 1, UINT32_MAX, NULL},
    [CB_CUSTOMER] = {"customer_id", AF_INT, AF_NULL, 1, INT64_MAX / 2, NULL},
    [CB_NUMBER] = {"number", AF_TEXT, AF_REQ | AF_PERSONAL, 0, 40, NULL},
    [CB_DUE] = {"due_at", AF_TIME, AF_REQ, 0, 0, NULL},
    [CB_MAX] = {"max_attempts", AF_INT, 0, 1, 20, NULL, "3"},
    [CB_STATUS] = {"status", AF_ENUM, 0, 0, 0, cb_status, "'pending'"},
    [CB_NOTES] = {"notes", AF_TEXT, AF_NULL | AF_EMPTY | AF_PERSONAL, 0, 5000, NULL},
    [CB_ATTEMPTS] = {"attempts", AF_INT, AF_RO, 0, 0, NULL},
    [CB_REQUESTED] = {"requested_at", AF_TIME, AF_RO | AF_NOW, 0, 0, NULL},
    [CB_CREATED_BY] = {"created_by", AF_INT, AF_RO | AF_ACTOR, 0, 0, NULL},
    [CB_CONTACT] = {"contact_id", AF_INT, AF_RO, 0, 0, NULL},
    [CB_UPDATED] = {"updated_at", AF_TIME, AF_RO | AF_TOUCH, 0, 0, NULL},
    [CB_MESSAGE] = {"message_id", AF_INT, AF_RO, 0, 0, NULL}, /* the voicemail it answers */
};

/* The callback's client is its queue's. */
static int callback_check(struct api *a, struct http_req *req, const struct user *u,
			  const struct res *r, struct api_val *v, bool create, int64_t parent)
{
	(void)r;
	(void)parent;
	const struct center_queue *q = NULL;
	if (v[CB_QUEUE].present) {
		q = center_queue(a->cfg.center, v[CB_QUEUE].i);
		if (!q || !api_queue_visible(a, u, q)) {
			api_invalid(req, "field \"queue_id\": no queue %" PRId64, v[CB_QUEUE].i);
			return EINVAL;
		}
		v[CB_CLIENT].present = true;
		v[CB_CLIENT].null = false;
		v[CB_CLIENT].i = q->client_id;
	}
	if (v[CB_NUMBER].present) {
		char cc[8], trunk[8], intl[8], e164[PHONE_E164_MAX];
		api_client_plan(a, q ? q->client_id : 0, cc, trunk, intl);
		struct phone_plan plan = {cc, trunk, intl};
		if (phone_normalize(v[CB_NUMBER].s, &plan, e164, sizeof(e164)) != 0) {
			api_invalid(req, "field \"number\": \"%s\" is not a phone number",
				    v[CB_NUMBER].s);
			return EINVAL;
		}
		/* the normalised text replaces the typed one */
		size_t len = strlen(e164);
		char *own = cJSON_malloc(len + 1);
		if (!own) {
			http_reply_error(req, 500, "internal", "out of memory");
			return ENOMEM;
		}
		memcpy(own, e164, len + 1);
		cJSON_free(v[CB_NUMBER].own);
		v[CB_NUMBER].own = own;
		v[CB_NUMBER].s = own;
	}
	if (create && v[CB_STATUS].present && strcmp(v[CB_STATUS].s, "pending") != 0) {
		api_invalid(req, "field \"status\" of a new callback must be \"pending\"");
		return EINVAL;
	}
	if (create && v[CB_DUE].i < api_now(a) - 24 * 3600 * 1000LL) {
		api_invalid(req, "field \"due_at\" lies more than a day in the past");
		return EINVAL;
	}
	return 0;
}

static bool callback_row_ok(struct api *a, const struct user *u, const struct store_rs *rs,
			    unsigned row)
{
	if (api_sees_all(u))
		return true;
	int64_t by = store_rs_int(rs, row, CB_CREATED_BY);
	if ((uint64_t)by == u->id)
		return true;
	if (u->role == ROLE_TEAM_LEAD && u->team_id) {
		const struct center_agent *ag = center_agent_by_user(a->cfg.center, by);
		return ag && ag->team_id == (int64_t)u->team_id;
	}
	return false;
}

static int callback_list(struct api *a, struct http_req *req, const struct user *u,
			 struct store_value *p, char **own)
{
	int64_t q = 0, cust = 0;
	if (api_query_i64(req, "queue_id", 1, UINT32_MAX, &q) == EINVAL ||
	    api_query_i64(req, "customer_id", 1, INT64_MAX / 2, &cust) == EINVAL)
		return -1;
	const char *st = http_req_query(req, "status");
	if (st) {
		bool ok = false;
		for (const char *const *c = cb_status; *c && !ok; c++)
			ok = strcmp(*c, st) == 0;
		if (!ok) {
			api_invalid(req, "query argument \"status\" is not a callback status");
			return -1;
		}
	}
	own[0] = api_clients_json(u);
	p[0] = store_text(own[0]);
	/* agents: the callbacks they scheduled; team leads: their team's */
	if (api_sees_all(u)) {
		p[1] = store_null();
	} else if (u->role == ROLE_TEAM_LEAD && u->team_id) {
		char *team = api_team_json(a, (int64_t)u->team_id, true);
		size_t len = team ? strlen(team) : 0;
		own[1] = sb_alloc(len + 32);
		if (own[1])
			snprintf(own[1], len + 32, "[%" PRIu64 "%s%.*s", u->id, len > 2 ? "," : "",
				 len > 2 ? (int)(len - 1) : 1, len > 2 ? team + 1 : "]");
		sb_free(team);
		p[1] = store_text(own[1] ? own[1] : "[]");
	} else {
		int64_t me = (int64_t)u->id;
		own[1] = api_ids_json(&me, 1);
		p[1] = store_text(own[1] ? own[1] : "[]");
	}
	p[2] = st ? store_text(st) : store_null();
	p[3] = q ? store_int(q) : store_null();
	p[4] = cust ? store_int(cust) : store_null();
	return 5;
}

static struct res callback_res = {
    .name = "callback",
    .table = "callbacks",
    .f = callback_fields,
    .n = CB_COUNT,
    .client_expr = "client_id",
    .list_where = "($1 IS NULL OR client_id IN (SELECT value FROM json_each($1)))"
		  " AND ($2 IS NULL OR created_by IN (SELECT value FROM json_each($2)))"
		  " AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR queue_id = $4)"
		  " AND ($5 IS NULL OR customer_id = $5)",
    .list_nparams = 5,
    .list = callback_list,
    .check = callback_check,
    .row_ok = callback_row_ok,
};

/* ---------- account items (a customer's; audited as the customer) ---------- */

static const char *const item_types[] = {"billing", "shipping", "warranty", "product", NULL};

enum {
	IT_ID,
	IT_CUSTOMER,
	IT_TYPE,
	IT_REF,
	IT_DESC,
	IT_STATUS,
	IT_ADDRESS,
	IT_AMOUNT,
	IT_CURRENCY,
	IT_FROM,
	IT_UNTIL,
	IT_DATA,
	IT_CREATED,
	IT_UPDATED,
	IT_COUNT
};

static const struct api_field item_fields[IT_COUNT] = {
    [IT_ID] = {"id", AF_INT, AF_RO, 0, 0, NULL},
    [IT_CUSTOMER] = {"customer_id", AF_INT, AF_PATH, 0, 0, NULL},
    [IT_TYPE] = {"type", AF_ENUM, AF_REQ, 0, 0, item_types},
    [IT_REF] = {"reference", AF_TEXT, AF_NULL | AF_PERSONAL, 0, 200, NULL},
    [IT_DESC] = {"description", AF_TEXT, AF_NULL | AF_EMPTY | AF_PERSONAL, 0, 2000, NULL},
    [IT_STATUS] = {"status", AF_TEXT, AF_NULL, 0, 64, NULL},
    [IT_ADDRESS] = {"address", AF_TEXT, AF_NULL | AF_EMPTY | AF_PERSONAL, 0, 1000, NULL},
    [IT_AMOUNT] = {"amount_minor", AF_INT, AF_NULL, -((int64_t)1 << 52), (int64_t)1 << 52, NULL},
    [IT_CURRENCY] = {"currency", AF_TEXT, AF_NULL, 0, 3, NULL},
    [IT_FROM] = {"valid_from", AF_TIME, AF_NULL, 0, 0, NULL},
    [IT_UNTIL] = {"valid_until", AF_TIME, AF_NULL, 0, 0, NULL},
    [IT_DATA] = {"data", AF_JSON, AF_NULL | AF_PERSONAL, 0, 20000, NULL},
    [IT_CREATED] = {"created_at", AF_TIME, AF_RO | AF_NOW, 0, 0, NULL},
    [IT_UPDATED] = {"updated_at", AF_TIME, AF_RO | AF_TOUCH, 0, 0, NULL},
};

static int item_list(struct api *a, struct http_req *req, const struct user *u,
		     struct store_value *p, char **own)
{
	(void)a;
	own[0] = api_clients_json(u);
	p[0] = store_text(own[0]);
	p[1] = store_int(api_param_id(req, "id"));
	return 2;
}

static struct res item_res = {
    .name = "item",
    .table = "account_items",
    .f = item_fields,
    .n = IT_COUNT,
    .client_expr = "(SELECT c.client_id FROM customers c WHERE c.id = account_items.customer_id)",
    .list_where = "($1 IS NULL OR (SELECT c.client_id FROM customers c WHERE c.id ="
		  " account_items.customer_id) IN (SELECT value FROM json_each($1)))"
		  " AND customer_id = $2",
    .list_nparams = 2,
    .list = item_list,
    .parent_param = "id",
    .parent_field = IT_CUSTOMER,
    .parent_sql = "SELECT client_id FROM customers WHERE id = $1",
    .audit_type = "customer",
    .audit_field = IT_CUSTOMER,
    .audit_personal = true,
};

/* ---------- handlers ---------- */

#define HANDLERS(res)                                                                              \
	static void on_##res##_list(struct http_req *req, void *arg)                               \
	{                                                                                          \
		res_list(arg, req, &res##_res);                                                    \
	}                                                                                          \
	static void on_##res##_get(struct http_req *req, void *arg)                                \
	{                                                                                          \
		res_get(arg, req, &res##_res);                                                     \
	}                                                                                          \
	static void on_##res##_create(struct http_req *req, void *arg)                             \
	{                                                                                          \
		res_write(arg, req, &res##_res, true, false);                                      \
	}                                                                                          \
	static void on_##res##_update(struct http_req *req, void *arg)                             \
	{                                                                                          \
		res_write(arg, req, &res##_res, false, false);                                     \
	}                                                                                          \
	static void on_##res##_delete(struct http_req *req, void *arg)                             \
	{                                                                                          \
		res_write(arg, req, &res##_res, false, true);                                      \
	}

HANDLERS(disposition)
HANDLERS(script)
HANDLERS(knowledge)
HANDLERS(callback)
HANDLERS(item)

/* ---------- schemas and routes ---------- */

#define LIST_OF(item)                                                                              \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" item       \
	"},\"next\":{\"type\":\"string\",\"nullable\":true}}}"

#define DISPOSITION_PROPS                                                                          \
	"\"client_id\":{\"type\":\"integer\",\"nullable\":true,\"description\":\"null: every "     \
	"client\"},\"code\":{\"type\":\"string\",\"maxLength\":64},\"label\":{\"type\":"           \
	"\"string\","                                                                              \
	"\"maxLength\":200},\"category\":{\"type\":\"string\",\"nullable\":true},"                 \
	"\"requires_note\":{\"type\":\"boolean\"},\"active\":{\"type\":\"boolean\"}"
#define DISPOSITION_SCHEMA                                                                         \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," DISPOSITION_PROPS "}}"
#define DISPOSITION_IN                                                                             \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" DISPOSITION_PROPS   \
	"}}"
#define SCRIPT_PROPS                                                                               \
	"\"client_id\":{\"type\":\"integer\",\"nullable\":true},\"queue_id\":{\"type\":"           \
	"\"integer\","                                                                             \
	"\"nullable\":true},\"name\":{\"type\":\"string\",\"maxLength\":200},\"body\":{\"type\":"  \
	"\"string\",\"maxLength\":200000},\"active\":{\"type\":\"boolean\"}"
#define SCRIPT_SCHEMA                                                                              \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," SCRIPT_PROPS         \
	",\"version\":{\"type\":\"integer\"},\"updated_at\":{\"type\":\"integer\"}}}"
#define SCRIPT_IN                                                                                  \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" SCRIPT_PROPS "}}"
#define KB_PROPS                                                                                   \
	"\"client_id\":{\"type\":\"integer\",\"nullable\":true},\"category\":{\"type\":"           \
	"\"string\","                                                                              \
	"\"enum\":[\"products\",\"services\",\"policies\",\"troubleshooting\"]},\"title\":{"       \
	"\"type\":\"string\",\"maxLength\":300},\"body\":{\"type\":\"string\"},\"tags\":{"         \
	"\"type\":"                                                                                \
	"\"string\",\"nullable\":true},\"published\":{\"type\":\"boolean\"}"
#define KB_SCHEMA                                                                                  \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," KB_PROPS             \
	",\"created_at\":{\"type\":\"integer\"},\"updated_at\":{\"type\":\"integer\"}}}"
#define KB_IN "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" KB_PROPS "}}"
#define CB_PROPS                                                                                   \
	"\"queue_id\":{\"type\":\"integer\"},\"customer_id\":{\"type\":\"integer\",\"nullable\":"  \
	"true},\"number\":{\"type\":\"string\",\"description\":\"normalised to "                   \
	"E.164\"},\"due_at\":"                                                                     \
	"{\"type\":\"integer\",\"description\":\"UTC epoch ms\"},\"max_attempts\":{\"type\":"      \
	"\"integer\",\"minimum\":1,\"maximum\":20},\"status\":{\"type\":\"string\",\"enum\":["     \
	"\"pending\",\"dialing\",\"done\",\"failed\",\"cancelled\"]},\"notes\":{\"type\":"         \
	"\"string\","                                                                              \
	"\"nullable\":true}"
#define CB_SCHEMA                                                                                  \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"client_id\":{"       \
	"\"type\":"                                                                                \
	"\"integer\"}," CB_PROPS                                                                   \
	",\"attempts\":{\"type\":\"integer\"},\"requested_at\":{\"type\":"                         \
	"\"integer\"},\"created_by\":{\"type\":\"integer\",\"nullable\":true},\"contact_id\":{"    \
	"\"type\":\"integer\",\"nullable\":true},\"updated_at\":{\"type\":\"integer\"}}}"
#define CB_IN "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" CB_PROPS "}}"
#define ITEM_PROPS                                                                                 \
	"\"type\":{\"type\":\"string\",\"enum\":[\"billing\",\"shipping\",\"warranty\","           \
	"\"product\"]},\"reference\":{\"type\":\"string\",\"nullable\":true},\"description\":{"    \
	"\"type\":\"string\",\"nullable\":true},\"status\":{\"type\":\"string\",\"nullable\":"     \
	"true},"                                                                                   \
	"\"address\":{\"type\":\"string\",\"nullable\":true},\"amount_minor\":{\"type\":"          \
	"\"integer\",\"nullable\":true},\"currency\":{\"type\":\"string\",\"maxLength\":3,"        \
	"\"nullable\":true},\"valid_from\":{\"type\":\"integer\",\"nullable\":true},"              \
	"\"valid_until\":{\"type\":\"integer\",\"nullable\":true},\"data\":{\"type\":\"object\","  \
	"\"nullable\":true}"
#define ITEM_SCHEMA                                                                                \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"customer_id\":{"     \
	"\"type\":\"integer\"}," ITEM_PROPS                                                        \
	",\"created_at\":{\"type\":\"integer\"},\"updated_at\":"                                   \
	"{\"type\":\"integer\"}}}"
#define ITEM_IN                                                                                    \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" ITEM_PROPS "}}"

#define CRUD(path, res, tag, what, read_roles, write_roles, schema, in, del_summary, upd_method)   \
	{HTTP_GET,                                                                                 \
	 API_PREFIX path,                                                                          \
	 read_roles,                                                                               \
	 on_##res##_list,                                                                          \
	 NULL,                                                                                     \
	 0,                                                                                        \
	 "List " what " (?after=&limit= pages)",                                                   \
	 tag,                                                                                      \
	 NULL,                                                                                     \
	 LIST_OF(schema),                                                                          \
	 NULL,                                                                                     \
	 0,                                                                                        \
	 "422"},                                                                                   \
	    {HTTP_GET,                                                                             \
	     API_PREFIX path "/{id:int}",                                                          \
	     read_roles,                                                                           \
	     on_##res##_get,                                                                       \
	     NULL,                                                                                 \
	     0,                                                                                    \
	     "One of the " what,                                                                   \
	     tag,                                                                                  \
	     NULL,                                                                                 \
	     schema,                                                                               \
	     NULL,                                                                                 \
	     0,                                                                                    \
	     "404"},                                                                               \
	    {HTTP_POST,                                                                            \
	     API_PREFIX path,                                                                      \
	     write_roles,                                                                          \
	     on_##res##_create,                                                                    \
	     NULL,                                                                                 \
	     0,                                                                                    \
	     "Create one of the " what,                                                            \
	     tag,                                                                                  \
	     in,                                                                                   \
	     schema,                                                                               \
	     NULL,                                                                                 \
	     201,                                                                                  \
	     "409"},                                                                               \
	    {upd_method,                                                                           \
	     API_PREFIX path "/{id:int}",                                                          \
	     write_roles,                                                                          \
	     on_##res##_update,                                                                    \
	     NULL,                                                                                 \
	     0,                                                                                    \
	     "Change one of the " what " (fields given)",                                          \
	     tag,                                                                                  \
	     in,                                                                                   \
	     schema,                                                                               \
	     NULL,                                                                                 \
	     0,                                                                                    \
	     "404 409"},                                                                           \
	{                                                                                          \
		HTTP_DELETE, API_PREFIX path "/{id:int}", write_roles, on_##res##_delete, NULL, 0, \
		    del_summary, tag, NULL, NULL, NULL, 204, "404"                                 \
	}

int api_content_routes(struct api *a)
{
	static bool built;
	if (!built) {
		build(&disposition_res);
		build(&script_res);
		build(&knowledge_res);
		build(&callback_res);
		build(&item_res);
		built = true;
	}
	const struct http_route r[] = {
	    CRUD("/dispositions", disposition, "content", "dispositions (wrap-up codes)", R_ALL,
		 R_MANAGE, DISPOSITION_SCHEMA, DISPOSITION_IN,
		 "Retire a disposition (kept for the records that carry it)", HTTP_PUT),
	    CRUD("/scripts", script, "content", "call scripts (?queue_id=)", R_ALL, R_MANAGE,
		 SCRIPT_SCHEMA, SCRIPT_IN, "Delete a script", HTTP_PUT),
	    CRUD("/knowledge", knowledge, "content",
		 "knowledge articles (?q= full-text search, ?category=)", R_ALL, R_MANAGE,
		 KB_SCHEMA, KB_IN, "Delete a knowledge article", HTTP_PUT),
	    CRUD("/callbacks", callback, "callbacks",
		 "callbacks (agents: their own; team leads: their team's; "
		 "?status=&queue_id=&customer_id=)",
		 R_FLOOR, R_FLOOR, CB_SCHEMA, CB_IN, "Delete a callback", HTTP_PATCH),
	    {HTTP_GET, API_PREFIX "/customers/{id:int}/items", R_RECORDS, on_item_list, NULL, 0,
	     "A customer's account items", "customers", NULL, LIST_OF(ITEM_SCHEMA), NULL, 0, "422"},
	    {HTTP_GET, API_PREFIX "/customers/{id:int}/items/{item:int}", R_RECORDS, on_item_get,
	     NULL, 0, "One account item", "customers", NULL, ITEM_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/customers/{id:int}/items", R_FLOOR, on_item_create, NULL, 0,
	     "Add an account item (billing, shipping, warranty, product)", "customers", ITEM_IN,
	     ITEM_SCHEMA, NULL, 201, "404"},
	    {HTTP_PUT, API_PREFIX "/customers/{id:int}/items/{item:int}", R_FLOOR, on_item_update,
	     NULL, 0, "Change an account item (fields given)", "customers", ITEM_IN, ITEM_SCHEMA,
	     NULL, 0, "404"},
	    {HTTP_DELETE, API_PREFIX "/customers/{id:int}/items/{item:int}", R_FLOOR,
	     on_item_delete, NULL, 0, "Delete an account item", "customers", NULL, NULL, NULL, 204,
	     "404"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
