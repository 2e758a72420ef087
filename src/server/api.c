/* api: shared machinery of the HTTP API: replies after commit, audit rows, fields, visibility, the
 * worker. */
#include "server/api_impl.h"
#include "server/api_app.h"
#include "server/api_qa.h"
#include "server/api_campaigns.h"

#include "base/json.h"
#include "base/mem.h"
#include "http/auth.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- reason codes ---------- */

/* The center's codes: the ACD's own below ACD_REASON_USER, the agents' choices above. */
static const struct api_reason reasons[] = {
    {ACD_REASON_NONE, "none", "No reason", false},
    {ACD_REASON_LOGIN, "login", "Just logged in", false},
    {ACD_REASON_MISSED, "missed", "Missed a call (no answer, busy, unreachable)", false},
    {ACD_REASON_MISSED_LIMIT, "missed_limit", "Logged out after too many missed calls", false},
    {ACD_REASON_DECLINED, "declined", "Declined a call", false},
    {ACD_REASON_INTERRUPTED, "interrupted", "The daemon stopped", false},
    {ACD_REASON_UNREACHABLE, "unreachable", "Phone unreachable (registration gone)", false},
    {ACD_REASON_USER + 1, "break", "Break", true},
    {ACD_REASON_USER + 2, "lunch", "Lunch", true},
    {ACD_REASON_USER + 3, "training", "Training", true},
    {ACD_REASON_USER + 4, "meeting", "Meeting", true},
    {ACD_REASON_USER + 5, "coaching", "Coaching", true},
};

const struct api_reason *api_reason(uint32_t code)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return &reasons[i];
	return NULL;
}

const struct api_reason *api_reason_at(unsigned i)
{
	return i < sizeof(reasons) / sizeof(reasons[0]) ? &reasons[i] : NULL;
}

/* ---------- small helpers ---------- */

int64_t api_now(struct api *a)
{
	return center_now(a->cfg.center);
}

void api_invalid(struct http_req *req, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply_error(req, 422, "invalid_field", "%s", msg);
}

void api_not_found(struct http_req *req, const char *what)
{
	http_reply_error(req, 404, "not_found", "no such %s", what);
}

int64_t api_param_id(struct http_req *req, const char *name)
{
	uint64_t v = http_req_param_u64(req, name);
	return v > (uint64_t)INT64_MAX / 2 ? 0 : (int64_t)v;
}

int api_query_i64(struct http_req *req, const char *name, int64_t min, int64_t max, int64_t *out)
{
	const char *s = http_req_query(req, name);
	if (!s)
		return ENOENT;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		api_invalid(req,
			    "query argument \"%s\" must be an integer from %" PRId64 " to %" PRId64,
			    name, min, max);
		return EINVAL;
	}
	*out = v;
	return 0;
}

int api_page(struct http_req *req, int64_t *after, int64_t *limit, int64_t def, int64_t max)
{
	*after = 0;
	*limit = def;
	int e = api_query_i64(req, "after", 0, INT64_MAX / 2, after);
	if (e == EINVAL)
		return e;
	e = api_query_i64(req, "limit", 1, max, limit);
	return e == EINVAL ? e : 0;
}

cJSON *api_list(cJSON *items, bool more, int64_t last_id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "items", items);
	if (more) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%" PRId64, last_id);
		cJSON_AddStringToObject(o, "next", buf);
	} else {
		cJSON_AddNullToObject(o, "next");
	}
	return o;
}

void api_reply_page(struct api_op *op, struct http_req *req, const struct store_rs *rs,
		    const struct api_field *fields, unsigned n_fields)
{
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned r = 0; r < n; r++) {
		cJSON *o = cJSON_CreateObject();
		api_row_json(rs, r, 0, fields, n_fields, o, false);
		cJSON_AddItemToArray(items, o);
		last = store_rs_int(rs, r, 0);
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

/* ---------- fields ---------- */

static const char *type_text(const struct api_field *f)
{
	switch (f->type) {
	case AF_TEXT:
	case AF_ENUM:
		return "a string";
	case AF_INT:
	case AF_TIME:
		return "an integer";
	case AF_BOOL:
		return "true or false";
	case AF_REAL:
		return "a number";
	case AF_JSON:
		return "an object";
	}
	return "?";
}

static int read_one(struct http_req *req, const struct api_field *f, const cJSON *it,
		    struct api_val *v)
{
	v->present = true;
	if (cJSON_IsNull(it)) {
		if (!(f->flags & AF_NULL)) {
			api_invalid(req, "field \"%s\" must not be null", f->name);
			return EINVAL;
		}
		v->null = true;
		return 0;
	}
	switch (f->type) {
	case AF_TEXT:
	case AF_ENUM:
		if (!cJSON_IsString(it) || !it->valuestring)
			break;
		v->s = it->valuestring;
		if (f->type == AF_TEXT) {
			size_t len = strlen(v->s);
			if (!len && !(f->flags & AF_EMPTY)) {
				api_invalid(req, "field \"%s\" must not be empty", f->name);
				return EINVAL;
			}
			if (f->max && len > (size_t)f->max) {
				api_invalid(req, "field \"%s\" is longer than %" PRId64 " bytes",
					    f->name, f->max);
				return EINVAL;
			}
			return 0;
		}
		for (const char *const *e = f->values; *e; e++)
			if (strcmp(*e, v->s) == 0)
				return 0;
		{
			char list[256] = "";
			size_t o = 0;
			for (const char *const *e = f->values; *e && o < sizeof(list); e++) {
				int k =
				    snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "", *e);
				if (k > 0)
					o += (size_t)k;
			}
			api_invalid(req, "field \"%s\" must be one of %s", f->name, list);
		}
		return EINVAL;
	case AF_INT:
	case AF_TIME: {
		int64_t min = f->type == AF_TIME && !f->min && !f->max ? 0 : f->min;
		int64_t max = f->type == AF_TIME && !f->min && !f->max ? (int64_t)1 << 52 : f->max;
		int e = json_as_i64(it, min, max, &v->i);
		if (e == 0)
			return 0;
		if (cJSON_IsNumber(it)) {
			api_invalid(req,
				    "field \"%s\" must be an integer from %" PRId64 " to %" PRId64,
				    f->name, min, max);
			return EINVAL;
		}
		break;
	}
	case AF_BOOL:
		if (!cJSON_IsBool(it))
			break;
		v->i = cJSON_IsTrue(it);
		return 0;
	case AF_REAL: {
		int e = json_as_double(it, (double)f->min, (double)f->max, &v->d);
		if (e == 0)
			return 0;
		if (cJSON_IsNumber(it)) {
			api_invalid(req,
				    "field \"%s\" must be a number from %" PRId64 " to %" PRId64,
				    f->name, f->min, f->max);
			return EINVAL;
		}
		break;
	}
	case AF_JSON:
		if (!cJSON_IsObject(it))
			break;
		v->own = cJSON_PrintUnformatted(it);
		if (!v->own) {
			http_reply_error(req, 500, "internal", "out of memory");
			return ENOMEM;
		}
		if (f->max && strlen(v->own) > (size_t)f->max) {
			api_invalid(req, "field \"%s\" is longer than %" PRId64 " bytes", f->name,
				    f->max);
			return EINVAL;
		}
		v->s = v->own;
		return 0;
	}
	api_invalid(req, "field \"%s\" must be %s", f->name, type_text(f));
	return EINVAL;
}

int api_read_fields(struct http_req *req, const cJSON *body, const struct api_field *f, unsigned n,
		    const char *const *extra, bool create, struct api_val *v)
{
	memset(v, 0, n * sizeof(*v));
	if (!cJSON_IsObject(body)) {
		api_invalid(req, "the body must be a JSON object");
		return EINVAL;
	}
	/* unknown keys first: a typo must not pass silently */
	for (const cJSON *c = body->child; c; c = c->next) {
		bool ok = false;
		for (unsigned i = 0; i < n && !ok; i++)
			ok = !(f[i].flags & (AF_RO | AF_PATH)) && strcmp(f[i].name, c->string) == 0;
		for (const char *const *e = extra; e && *e && !ok; e++)
			ok = strcmp(*e, c->string) == 0;
		if (!ok) {
			bool ro = false;
			for (unsigned i = 0; i < n && !ro; i++)
				ro = strcmp(f[i].name, c->string) == 0;
			api_invalid(req,
				    ro ? "field \"%s\" cannot be written" : "unknown field \"%s\"",
				    c->string);
			return EINVAL;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (f[i].flags & (AF_RO | AF_PATH))
			continue;
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(body, f[i].name);
		if (!it) {
			if (create && (f[i].flags & AF_REQ)) {
				api_invalid(req, "field \"%s\" is required", f[i].name);
				api_vals_free(v, n);
				return EINVAL;
			}
			continue;
		}
		if (create && (f[i].flags & AF_REQ) && cJSON_IsNull(it)) {
			api_invalid(req, "field \"%s\" is required", f[i].name);
			api_vals_free(v, n);
			return EINVAL;
		}
		int e = read_one(req, &f[i], it, &v[i]);
		if (e) {
			api_vals_free(v, n);
			return e;
		}
	}
	return 0;
}

void api_vals_free(struct api_val *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		cJSON_free(v[i].own);
		v[i].own = NULL;
	}
}

struct store_value api_val_store(const struct api_field *f, const struct api_val *v)
{
	if (!v->present || v->null)
		return store_null();
	switch (f->type) {
	case AF_TEXT:
	case AF_ENUM:
	case AF_JSON:
		return store_text(v->s);
	case AF_INT:
	case AF_TIME:
	case AF_BOOL:
		return store_int(v->i);
	case AF_REAL:
		return store_real(v->d);
	}
	return store_null();
}

void api_row_json(const struct store_rs *rs, unsigned row, unsigned col0, const struct api_field *f,
		  unsigned n, cJSON *obj, bool for_audit)
{
	cJSON *changed = NULL;
	for (unsigned i = 0; i < n; i++) {
		unsigned col = col0 + i;
		if (f[i].flags & AF_HIDE)
			continue;
		if (for_audit && (f[i].flags & AF_PERSONAL)) {
			if (!changed)
				changed = cJSON_AddArrayToObject(obj, "personal");
			cJSON_AddItemToArray(changed, cJSON_CreateString(f[i].name));
			continue;
		}
		if (store_rs_is_null(rs, row, col)) {
			if (f[i].type == AF_BOOL)
				cJSON_AddBoolToObject(obj, f[i].name, false);
			else
				cJSON_AddNullToObject(obj, f[i].name);
			continue;
		}
		switch (f[i].type) {
		case AF_TEXT:
		case AF_ENUM: {
			const char *s = store_rs_text(rs, row, col);
			cJSON_AddStringToObject(obj, f[i].name, s ? s : "");
			break;
		}
		case AF_JSON: {
			const char *s = store_rs_text(rs, row, col);
			cJSON *j = s ? cJSON_Parse(s) : NULL;
			if (j)
				cJSON_AddItemToObject(obj, f[i].name, j);
			else
				cJSON_AddNullToObject(obj, f[i].name);
			break;
		}
		case AF_INT:
		case AF_TIME:
			json_add_i64(obj, f[i].name, store_rs_int(rs, row, col));
			break;
		case AF_BOOL:
			cJSON_AddBoolToObject(obj, f[i].name, store_rs_int(rs, row, col) != 0);
			break;
		case AF_REAL:
			cJSON_AddNumberToObject(obj, f[i].name, store_rs_real(rs, row, col));
			break;
		}
	}
}

char *api_vals_text(const struct api_field *f, unsigned n, const struct api_val *v, bool personal)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *hidden = NULL, *secret = NULL;
	for (unsigned i = 0; o && i < n; i++) {
		if (!v[i].present)
			continue;
		if (f[i].flags & AF_HIDE) {
			/* passwords and the like: only that they were set */
			if (!secret)
				secret = cJSON_AddArrayToObject(o, "secret");
			cJSON_AddItemToArray(secret, cJSON_CreateString(f[i].name));
			continue;
		}
		if ((f[i].flags & AF_PERSONAL) && !personal) {
			if (!hidden)
				hidden = cJSON_AddArrayToObject(o, "personal");
			cJSON_AddItemToArray(hidden, cJSON_CreateString(f[i].name));
			continue;
		}
		if (v[i].null) {
			cJSON_AddNullToObject(o, f[i].name);
			continue;
		}
		switch (f[i].type) {
		case AF_TEXT:
		case AF_ENUM:
			cJSON_AddStringToObject(o, f[i].name, v[i].s);
			break;
		case AF_JSON:
			cJSON_AddItemToObject(o, f[i].name, cJSON_Parse(v[i].s));
			break;
		case AF_INT:
		case AF_TIME:
			json_add_i64(o, f[i].name, v[i].i);
			break;
		case AF_BOOL:
			cJSON_AddBoolToObject(o, f[i].name, v[i].i != 0);
			break;
		case AF_REAL:
			cJSON_AddNumberToObject(o, f[i].name, v[i].d);
			break;
		}
	}
	char *t = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	char *copy = t ? sb_strdup(t) : NULL;
	cJSON_free(t);
	return copy;
}

int api_read_ids(struct http_req *req, const cJSON *body, const char *key, int64_t max,
		 unsigned max_n, int64_t *out, unsigned *n)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, key);
	*n = 0;
	if (!arr)
		return ENOENT;
	if (!cJSON_IsArray(arr)) {
		api_invalid(req, "field \"%s\" must be an array of ids", key);
		return EINVAL;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		int64_t v;
		if (json_as_i64(it, 1, max, &v) != 0) {
			api_invalid(req, "field \"%s\" must hold ids from 1 to %" PRId64, key, max);
			return EINVAL;
		}
		if (*n == max_n) {
			api_invalid(req, "field \"%s\" holds more than %u ids", key, max_n);
			return EINVAL;
		}
		for (unsigned i = 0; i < *n; i++) {
			if (out[i] == v) {
				api_invalid(req, "field \"%s\" names %" PRId64 " twice", key, v);
				return EINVAL;
			}
		}
		out[(*n)++] = v;
	}
	return 0;
}

/* ---------- operations ---------- */

struct api_op *api_op_new(struct api *a, struct http_req *req, api_done_h *done)
{
	struct api_op *op = sb_zalloc(sizeof(*op));
	if (!op) {
		http_reply_error(req, 500, "internal", "out of memory");
		return NULL;
	}
	op->api = a;
	op->req_id = http_req_id(req);
	op->user_id = http_req_user_id(req);
	op->done = done;
	snprintf(op->addr, sizeof(op->addr), "%s", http_req_addr(req));
	return op;
}

void api_op_free(struct api_op *op)
{
	if (!op)
		return;
	cJSON_Delete(op->out);
	sb_free(op->text);
	if (op->data) {
		if (op->data_free)
			op->data_free(op->data);
		else
			sb_free(op->data);
	}
	sb_free(op);
}

static void op_complete(int err, struct store_rs *rs, void *arg)
{
	struct api_op *op = arg;
	struct api *a = op->api;
	if (a->closing) {
		api_op_free(op);
		return;
	}
	struct http_req *req = http_server_req_find(a->cfg.srv, op->req_id);
	op->cont = false;
	op->done(op, err, rs, req);
	if (!op->cont)
		api_op_free(op);
}

void api_op_center_done(int err, void *arg)
{
	op_complete(err, NULL, arg);
}

void api_store_error(struct http_req *req, int err, bool create, const char *what)
{
	if (!req)
		return;
	switch (err) {
	case EEXIST:
		http_reply_error(req, 409, "conflict",
				 "%s: an entry with the same unique value exists", what);
		break;
	case ENOENT:
		if (create)
			api_invalid(req, "%s: a referenced entry does not exist", what);
		else
			http_reply_error(req, 404, "not_found", "no such %s", what);
		break;
	case EINVAL:
		api_invalid(req, "%s: a value is out of range", what);
		break;
	case EAGAIN:
	case EBUSY:
		http_req_add_header(req, "Retry-After", "1");
		http_reply_error(req, 503, "busy", "storage is busy; try again");
		break;
	case ESHUTDOWN:
		http_reply_error(req, 503, "shutting_down", "the server is shutting down");
		break;
	case ENOSPC:
		http_reply_error(req, 507, "storage_full", "no space left for the database");
		break;
	default:
		http_reply_error(req, 500, "internal", "storage error: %s", strerror(err));
		break;
	}
}

struct store_job *api_job(struct http_req *req)
{
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		http_reply_error(req, 500, "internal", "out of memory");
		return NULL;
	}
	return job;
}

void api_step(struct store_job *job, const struct store_stmt *st, const struct store_value *p,
	      unsigned n, unsigned flags, int *err)
{
	if (*err)
		return;
	*err = store_job_add(job, st, p, n, flags);
}

static const struct store_stmt s_audit = {
    "api.audit",
    "INSERT INTO audit_log (time, user_id, action, object_type, object_id, before_json,"
    " after_json, remote_addr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    NULL};

void api_audit(struct store_job *job, const struct api_op *op, const char *action,
	       const char *object_type, struct store_value object_id, const char *before,
	       const char *after, int *err)
{
	struct store_value p[] = {
	    store_int(api_now(op->api)),
	    op->user_id ? store_int((int64_t)op->user_id) : store_null(),
	    store_text(action),
	    store_text(object_type),
	    object_id,
	    store_text(before),
	    store_text(after),
	    store_text(op->addr[0] ? op->addr : NULL),
	};
	api_step(job, &s_audit, p, 8, 0, err);
}

int api_op_write_keep(struct api_op *op, struct store_job *job, struct http_req *req, int err)
{
	if (err) {
		store_job_free(job);
		if (req)
			http_reply_error(req, 500, "internal", "could not build the write: %s",
					 strerror(err));
		return err;
	}
	err = store_write(op->api->cfg.store, job, op_complete, op);
	if (err) {
		store_job_free(job);
		api_store_error(req, err, false, "write");
	}
	return err;
}

int api_op_write(struct api_op *op, struct store_job *job, struct http_req *req, int err)
{
	err = api_op_write_keep(op, job, req, err);
	if (err)
		api_op_free(op);
	return err;
}

int api_op_query_keep(struct api_op *op, const struct store_stmt *st, const struct store_value *p,
		      unsigned n, struct http_req *req)
{
	int err = store_query(op->api->cfg.store, st, p, n, op_complete, op);
	if (err)
		api_store_error(req, err, false, "read");
	return err;
}

int api_op_query(struct api_op *op, const struct store_stmt *st, const struct store_value *p,
		 unsigned n, struct http_req *req)
{
	int err = api_op_query_keep(op, st, p, n, req);
	if (err)
		api_op_free(op);
	return err;
}

void api_reply_done(struct api_op *op, int err, struct http_req *req, bool create, const char *what)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, create, what);
		return;
	}
	if (op->status == 204 || (!op->out && op->status == 0)) {
		http_reply_empty(req, 204);
		return;
	}
	http_reply_json(req, op->status ? op->status : 200, op->out);
	op->out = NULL;
}

/* ---------- the worker ---------- */

struct api_work {
	struct api_work *next;
	struct api *a;
	api_work_h *work, *done;
	void *arg;
};

static void work_done(void *arg)
{
	struct api_work *w = arg;
	w->done(w->arg);
	sb_free(w);
}

static void *worker(void *arg)
{
	struct api *a = arg;
	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->wq_head && !a->wstop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (!a->wq_head)
			break;
		struct api_work *w = a->wq_head;
		a->wq_head = w->next;
		if (!a->wq_head)
			a->wq_tail = NULL;
		pthread_mutex_unlock(&a->mu);
		w->work(w->arg);
		a->cfg.post(work_done, w, a->cfg.post_arg);
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

int api_work(struct api *a, api_work_h *work, api_work_h *done, void *arg)
{
	struct api_work *w = sb_zalloc(sizeof(*w));
	if (!w)
		return ENOMEM;
	*w = (struct api_work){NULL, a, work, done, arg};
	pthread_mutex_lock(&a->mu);
	if (a->wstop) {
		pthread_mutex_unlock(&a->mu);
		sb_free(w);
		return ESHUTDOWN;
	}
	if (a->wq_tail)
		a->wq_tail->next = w;
	else
		a->wq_head = w;
	a->wq_tail = w;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	return 0;
}

/* ---------- the JSON writer ---------- */

void api_jw_reset(struct api_jw *w)
{
	w->b.len = 0;
	if (w->b.p)
		w->b.p[0] = '\0';
	w->depth = 0;
	w->comma[0] = false;
	w->err = 0;
}

void api_jw_free(struct api_jw *w)
{
	http_buf_free(&w->b);
}

static void jw_grow(struct api_jw *w, size_t n)
{
	if (w->err)
		return;
	size_t cap = w->b.cap ? w->b.cap : 1024;
	while (cap < w->b.len + n + 1)
		cap *= 2;
	char *p = sb_realloc(w->b.p, cap);
	if (!p) {
		w->err = ENOMEM;
		return;
	}
	w->b.p = p;
	w->b.cap = cap;
}

/* Appends n bytes (the text is NUL-terminated by api_jw_text / the reply's length). */
static inline void jw_raw(struct api_jw *w, const char *s, size_t n)
{
	if (w->b.len + n + 1 > w->b.cap) {
		jw_grow(w, n);
		if (w->err)
			return;
	}
	if (n == 1)
		w->b.p[w->b.len] = *s;
	else
		memcpy(w->b.p + w->b.len, s, n);
	w->b.len += n;
}

const char *api_jw_text(struct api_jw *w)
{
	if (w->err || !w->b.p)
		return NULL;
	w->b.p[w->b.len] = '\0'; /* room for it is always kept */
	return w->b.p;
}

static void jw_escaped(struct api_jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	jw_raw(w, "\"", 1);
	const char *run = s;
	for (const char *p = s;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_raw(w, run, (size_t)(p - run));
		if (!c)
			break;
		char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
		size_t n = 2;
		if (c == '\n')
			esc[1] = 'n';
		else if (c == '\r')
			esc[1] = 'r';
		else if (c == '\t')
			esc[1] = 't';
		else if (c < 0x20) {
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		jw_raw(w, esc, n);
		run = p + 1;
	}
	jw_raw(w, "\"", 1);
}

/* The comma and the key before a value. */
static void jw_pre(struct api_jw *w, const char *key)
{
	if (w->comma[w->depth])
		jw_raw(w, ",", 1);
	w->comma[w->depth] = true;
	if (key) {
		/* member names are the program's own literals: nothing to escape */
		size_t n = strlen(key);
		if (w->b.len + n + 4 > w->b.cap)
			jw_grow(w, n + 3);
		if (w->err)
			return;
		char *p = w->b.p + w->b.len;
		p[0] = '"';
		memcpy(p + 1, key, n);
		p[n + 1] = '"';
		p[n + 2] = ':';
		w->b.len += n + 3;
	}
}

static void jw_open(struct api_jw *w, const char *key, char c)
{
	jw_pre(w, key);
	jw_raw(w, &c, 1);
	if (w->depth + 1 < API_JW_DEPTH)
		w->comma[++w->depth] = false;
	else
		w->err = E2BIG;
}

static void jw_close(struct api_jw *w, char c)
{
	if (w->depth)
		w->depth--;
	jw_raw(w, &c, 1);
}

void api_jw_obj(struct api_jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void api_jw_end_obj(struct api_jw *w)
{
	jw_close(w, '}');
}

void api_jw_arr(struct api_jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void api_jw_end_arr(struct api_jw *w)
{
	jw_close(w, ']');
}

/* Digits of v into the end of buf; returns where they start. */
static char *u64_digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void api_jw_int(struct api_jw *w, const char *key, int64_t v)
{
	char buf[24];
	char *end = buf + sizeof(buf);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char *p = u64_digits(u, end);
	if (v < 0)
		*--p = '-';
	jw_pre(w, key);
	jw_raw(w, p, (size_t)(end - p));
}

void api_jw_id(struct api_jw *w, const char *key, int64_t v)
{
	if (v)
		api_jw_int(w, key, v);
	else
		api_jw_null(w, key);
}

void api_jw_str(struct api_jw *w, const char *key, const char *s)
{
	jw_pre(w, key);
	jw_escaped(w, s ? s : "");
}

void api_jw_bool(struct api_jw *w, const char *key, bool v)
{
	jw_pre(w, key);
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void api_jw_null(struct api_jw *w, const char *key)
{
	jw_pre(w, key);
	jw_raw(w, "null", 4);
}

void api_jw_num(struct api_jw *w, const char *key, double v, unsigned decimals)
{
	if (!isfinite(v)) {
		api_jw_null(w, key);
		return;
	}
	if (decimals > 9)
		decimals = 9;
	uint64_t scale = 1;
	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	double a = fabs(v);
	if (a * (double)scale >= 9e15) {
		/* beyond exact integer arithmetic: let printf do it */
		char buf[40];
		int n = snprintf(buf, sizeof(buf), "%.17g", v);
		jw_pre(w, key);
		jw_raw(w, buf, n > 0 ? (size_t)n : 0);
		return;
	}
	uint64_t units = (uint64_t)(a * (double)scale + 0.5);
	uint64_t whole = units / scale, frac = units % scale;
	char buf[48];
	char *end = buf + sizeof(buf), *p = end;
	unsigned digits = decimals;
	while (digits && frac % 10 == 0) { /* drop trailing zeros */
		frac /= 10;
		digits--;
	}
	if (digits) {
		for (unsigned i = 0; i < digits; i++) {
			*--p = (char)('0' + frac % 10);
			frac /= 10;
		}
		*--p = '.';
	}
	p = u64_digits(whole, p);
	if (v < 0 && units)
		*--p = '-';
	jw_pre(w, key);
	jw_raw(w, p, (size_t)(end - p));
}

/* ---------- visibility ---------- */

bool api_sees_all(const struct user *u)
{
	return u->role == ROLE_ADMIN || u->role == ROLE_SUPERVISOR || u->role == ROLE_QA ||
	       u->role == ROLE_PLANNER;
}

char *api_ids_json(const int64_t *ids, unsigned n)
{
	size_t cap = 3 + (size_t)n * 21;
	char *s = sb_alloc(cap);
	if (!s)
		return NULL;
	size_t o = 0;
	s[o++] = '[';
	for (unsigned i = 0; i < n; i++) {
		int k = snprintf(s + o, cap - o, "%s%" PRId64, i ? "," : "", ids[i]);
		if (k > 0)
			o += (size_t)k;
	}
	s[o++] = ']';
	s[o] = '\0';
	return s;
}

char *api_clients_json(const struct user *u)
{
	if (!u || u->n_clients == 0)
		return NULL;
	int64_t ids[64];
	unsigned n = 0;
	for (unsigned i = 0; i < u->n_clients && n < 64; i++)
		ids[n++] = (int64_t)u->clients[i];
	return api_ids_json(ids, n);
}

char *api_team_json(struct api *a, int64_t team_id, bool users)
{
	unsigned cap = 64, n = 0;
	int64_t *ids = sb_alloc(cap * sizeof(*ids));
	if (!ids)
		return NULL;
	const struct center_agent *ag;
	for (unsigned i = 0; (ag = center_agent_at(a->cfg.center, i)); i++) {
		if (!team_id || ag->team_id != team_id)
			continue;
		if (users && !ag->user_id)
			continue;
		if (n == cap) {
			int64_t *v = sb_realloc(ids, cap * 2 * sizeof(*ids));
			if (!v)
				break;
			ids = v;
			cap *= 2;
		}
		ids[n++] = users ? ag->user_id : ag->id;
	}
	char *s = api_ids_json(ids, n);
	sb_free(ids);
	return s;
}

bool api_agent_serves(struct api *a, int64_t agent_id, int64_t queue_id)
{
	uint32_t qs[256];
	unsigned n = acd_agent_queues(center_acd(a->cfg.center), (uint32_t)agent_id, qs, NULL, 256);
	for (unsigned i = 0; i < n; i++)
		if (qs[i] == (uint32_t)queue_id)
			return true;
	return false;
}

bool api_client_visible(const struct user *u, int64_t client_id)
{
	if (client_id <= 0)
		return true;
	return user_may_see_client(u, (uint64_t)client_id);
}

bool api_queue_visible(struct api *a, const struct user *u, const struct center_queue *q)
{
	if (!q || !user_may_see_client(u, (uint64_t)q->client_id))
		return false;
	if (api_sees_all(u))
		return true;
	if (u->role == ROLE_TEAM_LEAD && u->team_id) {
		const struct center_agent *ag;
		for (unsigned i = 0; (ag = center_agent_at(a->cfg.center, i)); i++)
			if (ag->team_id == (int64_t)u->team_id &&
			    api_agent_serves(a, ag->id, q->id))
				return true;
	}
	return u->agent_id && api_agent_serves(a, (int64_t)u->agent_id, q->id);
}

bool api_agent_visible(struct api *a, const struct user *u, const struct center_agent *ag)
{
	if (!ag || !user_may_see_agent(u, (uint64_t)ag->id, (uint64_t)ag->team_id))
		return false;
	if (u->n_clients == 0 || (uint64_t)ag->id == u->agent_id)
		return true;
	/* a client-limited user sees the agents who serve that client's queues */
	const struct center_queue *q;
	for (unsigned i = 0; (q = center_queue_at(a->cfg.center, i)); i++)
		if (user_may_see_client(u, (uint64_t)q->client_id) &&
		    api_agent_serves(a, ag->id, q->id))
			return true;
	return false;
}

int api_pick_client(struct api *a, struct http_req *req, const struct user *u, struct api_val *v,
		    int64_t *out)
{
	if (v && v->present && !v->null) {
		if (!center_client(a->cfg.center, v->i) ||
		    !user_may_see_client(u, (uint64_t)v->i)) {
			api_invalid(req, "field \"client_id\": no client %" PRId64, v->i);
			return EINVAL;
		}
		*out = v->i;
		return 0;
	}
	int64_t only = 0;
	unsigned n = 0;
	const struct center_client *cl;
	for (unsigned i = 0; (cl = center_client_at(a->cfg.center, i)); i++) {
		if (user_may_see_client(u, (uint64_t)cl->id)) {
			only = cl->id;
			n++;
		}
	}
	if (n != 1) {
		api_invalid(req, "field \"client_id\" is required (%s)",
			    n ? "you serve several clients" : "no client exists");
		return EINVAL;
	}
	*out = only;
	return 0;
}

void api_client_plan(struct api *a, int64_t client_id, char cc[8], char trunk[8], char intl[8])
{
	const struct center_client *cl = center_client(a->cfg.center, client_id);
	const struct center_site *s = cl ? center_site(a->cfg.center, cl->site_id) : NULL;
	if (!s) {
		const struct center_client *c0 = center_client_at(a->cfg.center, 0);
		s = c0 ? center_site(a->cfg.center, c0->site_id) : NULL;
	}
	snprintf(cc, 8, "%s", s ? s->country_code : "1");
	snprintf(trunk, 8, "%s", s ? s->trunk_prefix : "");
	snprintf(intl, 8, "%s", s && s->intl_prefix[0] ? s->intl_prefix : "00");
}

/* ---------- agent state as JSON ---------- */

cJSON *api_agent_state_json(struct api *a, int64_t agent_id)
{
	struct center_agent_live lv;
	if (center_agent_live(a->cfg.center, agent_id, &lv) != 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "agent_id", agent_id);
	cJSON_AddStringToObject(o, "state", acd_agent_state_name(lv.state));
	json_add_i64(o, "reason", lv.reason);
	const struct api_reason *r = api_reason(lv.reason);
	if (r)
		cJSON_AddStringToObject(o, "reason_name", r->name);
	else
		cJSON_AddNullToObject(o, "reason_name");
	json_add_i64(o, "since", lv.since);
	if (lv.call_id)
		json_add_i64(o, "call_id", (int64_t)lv.call_id);
	else
		cJSON_AddNullToObject(o, "call_id");
	if (lv.queue_id)
		json_add_i64(o, "queue_id", lv.queue_id);
	else
		cJSON_AddNullToObject(o, "queue_id");
	cJSON *t = cJSON_AddObjectToObject(o, "today");
	json_add_i64(t, "offers", (int64_t)lv.today.offers);
	json_add_i64(t, "answered", (int64_t)lv.today.answered);
	json_add_i64(t, "missed", (int64_t)lv.today.missed);
	json_add_i64(t, "handled", (int64_t)lv.today.handled);
	json_add_i64(t, "talk_ms", lv.today.talk_ms);
	json_add_i64(t, "hold_ms", lv.today.hold_ms);
	json_add_i64(t, "wrap_ms", lv.today.wrap_ms);
	return o;
}

/* ---------- /reason-codes and /audit ---------- */

static void on_reasons(struct http_req *req, void *arg)
{
	(void)arg;
	cJSON *items = cJSON_CreateArray();
	const struct api_reason *r;
	for (unsigned i = 0; (r = api_reason_at(i)); i++) {
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "code", r->code);
		cJSON_AddStringToObject(o, "name", r->name);
		cJSON_AddStringToObject(o, "label", r->label);
		cJSON_AddBoolToObject(o, "selectable", r->user);
		cJSON_AddItemToArray(items, o);
	}
	cJSON *body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "items", items);
	http_reply_json(req, 200, body);
}

static const struct store_stmt q_audit = {
    "api.audit_list",
    "SELECT id, time, user_id, action, object_type, object_id, before_json, after_json,"
    " remote_addr FROM audit_log"
    " WHERE ($1 IS NULL OR object_type = $1) AND ($2 IS NULL OR object_id = $2)"
    " AND ($3 IS NULL OR user_id = $3) AND ($4 = 0 OR id < $4)"
    " ORDER BY id DESC LIMIT $5",
    NULL};

static const struct api_field audit_fields[] = {
    {"id", AF_INT, 0, 0, 0, NULL},	     {"time", AF_TIME, 0, 0, 0, NULL},
    {"user_id", AF_INT, 0, 0, 0, NULL},	     {"action", AF_TEXT, 0, 0, 0, NULL},
    {"object_type", AF_TEXT, 0, 0, 0, NULL}, {"object_id", AF_INT, 0, 0, 0, NULL},
    {"before", AF_JSON, 0, 0, 0, NULL},	     {"after", AF_JSON, 0, 0, 0, NULL},
    {"remote_addr", AF_TEXT, 0, 0, 0, NULL},
};

static void audit_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "audit");
		return;
	}
	api_reply_page(op, req, rs, audit_fields, 9);
}

static void on_audit(struct http_req *req, void *arg)
{
	struct api *a = arg;
	int64_t after, limit, oid = 0, uid = 0;
	if (api_page(req, &after, &limit, 100, 1000))
		return;
	int e1 = api_query_i64(req, "object_id", 1, INT64_MAX / 2, &oid);
	int e2 = api_query_i64(req, "user_id", 1, INT64_MAX / 2, &uid);
	if (e1 == EINVAL || e2 == EINVAL)
		return;
	const char *type = http_req_query(req, "object_type");
	struct api_op *op = api_op_new(a, req, audit_listed);
	if (!op)
		return;
	op->n = limit;
	struct store_value p[] = {
	    store_text(type && *type ? type : NULL), oid ? store_int(oid) : store_null(),
	    uid ? store_int(uid) : store_null(), store_int(after), store_int(limit + 1)};
	api_op_query(op, &q_audit, p, 5, req);
}

static const char reasons_schema[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\",\"properties\":{\"code\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},"
    "\"label\":{\"type\":\"string\"},\"selectable\":{\"type\":\"boolean\",\"description\":"
    "\"an agent may choose it for not-ready\"}}}}}}";

static const char audit_schema[] =
    "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\"type\":"
    "\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"time\":{\"type\":\"integer\"},"
    "\"user_id\":{\"type\":\"integer\",\"nullable\":true},\"action\":{\"type\":\"string\"},"
    "\"object_type\":{\"type\":\"string\"},\"object_id\":{\"type\":\"integer\",\"nullable\":"
    "true},\"before\":{\"type\":\"object\",\"nullable\":true},\"after\":{\"type\":\"object\","
    "\"nullable\":true},\"remote_addr\":{\"type\":\"string\",\"nullable\":true}}}},\"next\":{"
    "\"type\":\"string\",\"nullable\":true}}}";

int api_routes(struct api *a, const struct http_route *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct http_route rt = r[i];
		rt.arg = a;
		int err = http_server_route(a->cfg.srv, &rt);
		if (err) {
			fprintf(stderr, "switchboard: route %s: %s\n", rt.pattern, strerror(err));
			return err;
		}
	}
	return 0;
}

static int base_routes(struct api *a)
{
	const struct http_route r[] = {
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/reason-codes",
	     .roles = R_ALL,
	     .h = on_reasons,
	     .summary = "The center's not-ready and log-out reason codes",
	     .tag = "agents",
	     .response_schema = reasons_schema},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/audit",
	     .roles = R_ADMIN,
	     .h = on_audit,
	     .summary =
		 "The audit log, newest first (?object_type=&object_id=&user_id=&after=&limit=)",
	     .tag = "audit",
	     .response_schema = audit_schema,
	     .errors = "422"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}

/* ---------- lifecycle ---------- */

int api_start(struct api **ap, const struct api_config *cfg)
{
	if (!ap || !cfg || !cfg->srv || !cfg->post)
		return EINVAL;
	struct api *a = sb_zalloc(sizeof(*a));
	if (!a)
		return ENOMEM;
	a->cfg = *cfg;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (cfg->data_dir && !realpath(cfg->data_dir, a->data_real))
		a->data_real[0] = '\0';
	int err = 0;
	if (cfg->center && pthread_create(&a->thr, NULL, worker, a) != 0)
		err = EAGAIN;
	else
		a->started = cfg->center != NULL;
	if (!err &&
	    ((err = base_routes(a)) || (err = api_me_routes(a)) || (err = api_config_routes(a)) ||
	     (err = api_people_routes(a)) || (err = api_content_routes(a)) ||
	     (err = api_customer_routes(a)) || (err = api_contact_routes(a)) ||
	     (err = api_qa_routes(a)) || (err = api_campaign_routes(a)) ||
	     (err = api_app_call_routes(a)) || (err = api_app_floor_routes(a)) ||
	     (err = api_app_board_routes(a)) || (err = api_app_rec_routes(a)) ||
	     (err = api_app_xfer_routes(a)) || /* transfers, conference, monitoring */
	     (err = app_floor_start(a)))) {
		/* fall through: freed below */
	}
	if (err) {
		api_stop(a);
		api_free(a);
		return err;
	}
	api_campaigns_resume(a); /* campaigns running at the last stop (SIP is up) */
	*ap = a;
	return 0;
}

void api_stop(struct api *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->wstop = true;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (a->started) {
		pthread_join(a->thr, NULL);
		a->started = false;
	}
	/* whatever the worker did not start is cancelled: its completion learns it from closing */
	while (a->wq_head) {
		struct api_work *w = a->wq_head;
		a->wq_head = w->next;
		a->closing = true;
		w->done(w->arg);
		sb_free(w);
	}
	a->wq_tail = NULL;
	a->closing = true;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	app_floor_free(a);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	api_jw_free(&a->jw);
	sb_free(a);
}
