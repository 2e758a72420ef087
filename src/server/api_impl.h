/* api_impl: what the API's resource files share: operations that reply after commit, fields,
 * visibility. */
#ifndef SB_SERVER_API_IMPL_H
#define SB_SERVER_API_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "server/api.h"
#include "server/center.h"
#include "http/http.h"
#include "http/users.h"
#include "http/util.h"
#include "store/store.h"

#define API_PREFIX "/api/v1"

/* ---------- a direct JSON writer, for hot read paths (no tree, no float printing) ---------- */

#define API_JW_DEPTH 16

struct api_jw {
	struct http_buf b;
	unsigned depth;
	bool comma[API_JW_DEPTH];
	int err;
};

/* Empties the buffer (keeping its memory). */
void api_jw_reset(struct api_jw *w);
void api_jw_free(struct api_jw *w);
/* The text written so far, NUL-terminated (NULL after an error). */
const char *api_jw_text(struct api_jw *w);
/* key: the member name inside an object, NULL inside an array or at the top. */
void api_jw_obj(struct api_jw *w, const char *key);
void api_jw_end_obj(struct api_jw *w);
void api_jw_arr(struct api_jw *w, const char *key);
void api_jw_end_arr(struct api_jw *w);
void api_jw_int(struct api_jw *w, const char *key, int64_t v);
/* An id, or null for 0. */
void api_jw_id(struct api_jw *w, const char *key, int64_t v);
void api_jw_str(struct api_jw *w, const char *key, const char *s);
void api_jw_bool(struct api_jw *w, const char *key, bool v);
void api_jw_null(struct api_jw *w, const char *key);
/* A number with at most `decimals` digits after the point (trailing zeros dropped); null if not
 * finite. */
void api_jw_num(struct api_jw *w, const char *key, double v, unsigned decimals);

struct api_work;

struct api {
	struct api_config cfg;
	bool closing; /* api_stop ran: completions are released, not acted on */
	/* the worker thread: password hashing, file deletion */
	pthread_t thr;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct api_work *wq_head, *wq_tail;
	bool wstop;
	char data_real[4096]; /* the data directory, resolved */
	struct api_jw jw;     /* reused by the loop's hot read paths */
	void *app;	      /* the web application's routes' state (api_app_floor.c) */
};

/* ---------- routes ---------- */

/* Registers a table of routes (arg of each becomes the api). */
int api_routes(struct api *a, const struct http_route *r, unsigned n);

int api_me_routes(struct api *a);
int api_config_routes(struct api *a);
int api_people_routes(struct api *a);
int api_content_routes(struct api *a);
int api_customer_routes(struct api *a);
int api_contact_routes(struct api *a);

#define R_AGENT	  ROLE_BIT(ROLE_AGENT)
#define R_LEAD	  ROLE_BIT(ROLE_TEAM_LEAD)
#define R_SUPER	  ROLE_BIT(ROLE_SUPERVISOR)
#define R_QA	  ROLE_BIT(ROLE_QA)
#define R_PLANNER ROLE_BIT(ROLE_PLANNER)
#define R_ADMIN	  ROLE_BIT(ROLE_ADMIN)
#define R_ALL	  ROLES_ALL
#define R_FLOOR	  (R_AGENT | R_LEAD | R_SUPER | R_ADMIN) /* who works with customers */
#define R_RECORDS (R_FLOOR | R_QA)			 /* who reads contact records */
#define R_MANAGE  (R_SUPER | R_ADMIN)

/* ---------- fields: typed reads of request bodies, rows to JSON ---------- */

enum api_ftype {
	AF_TEXT = 0, /* max: longest length in bytes */
	AF_INT,	     /* min..max */
	AF_BOOL,
	AF_REAL, /* min..max */
	AF_ENUM, /* one of values */
	AF_JSON, /* a JSON object, stored as text */
	AF_TIME, /* epoch milliseconds */
};

#define AF_REQ	    0x01u  /* required on create */
#define AF_NULL	    0x02u  /* may be null (stored as NULL) */
#define AF_RO	    0x04u  /* output only */
#define AF_PERSONAL 0x08u  /* personal data: never copied into audit rows of other objects */
#define AF_EMPTY    0x10u  /* a text that may be empty */
#define AF_HIDE	    0x20u  /* never output */
#define AF_NOW	    0x40u  /* output only; set to the time on insert */
#define AF_TOUCH    0x80u  /* output only; set to the time on insert and on every update */
#define AF_ACTOR    0x100u /* output only; set to the acting user on insert */
#define AF_PATH	    0x200u /* not accepted in a body; written on insert from the path or a check */

struct api_field {
	const char *name;
	enum api_ftype type;
	unsigned flags;
	int64_t min, max;
	const char *const *values; /* AF_ENUM, NULL-terminated */
	const char *dflt;	   /* SQL literal used on insert when the field is absent */
};

struct api_val {
	bool present; /* given in the body */
	bool null;
	int64_t i;
	double d;
	const char *s; /* AF_TEXT / AF_ENUM: points into the body; AF_JSON: own */
	char *own;
};

#define API_MAX_FIELDS 48

/*
 * Reads every field of `f` from body into v (indexed like f). Keys not in f
 * (nor in extra, NULL-terminated, may be NULL) are refused; on create,
 * AF_REQ fields must be present. Replies 422 naming the field and returns
 * EINVAL on any problem. Release with api_vals_free.
 */
int api_read_fields(struct http_req *req, const cJSON *body, const struct api_field *f, unsigned n,
		    const char *const *extra, bool create, struct api_val *v);
void api_vals_free(struct api_val *v, unsigned n);
/* The value to bind for a field (absent or null: NULL; booleans as 0/1). */
struct store_value api_val_store(const struct api_field *f, const struct api_val *v);
/* Adds the fields of row `row` (columns col0, col0 + 1 ... in the order of f) to obj. */
void api_row_json(const struct store_rs *rs, unsigned row, unsigned col0, const struct api_field *f,
		  unsigned n, cJSON *obj, bool for_audit);
/* The JSON text of the given values (audit "after"); personal fields become their names under
 * "changed". */
char *api_vals_text(const struct api_field *f, unsigned n, const struct api_val *v, bool personal);
/* Replies 422 with code invalid_field. */
void api_invalid(struct http_req *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An array member of ids (each 1..max, no duplicates): ENOENT when absent, EINVAL after a 422. */
int api_read_ids(struct http_req *req, const cJSON *body, const char *key, int64_t max,
		 unsigned max_n, int64_t *out, unsigned *n);

/* ---------- operations that finish later ---------- */

struct api_op;

/* A completion: req is NULL when the client is gone (apply side effects anyway). */
typedef void(api_done_h)(struct api_op *op, int err, struct store_rs *rs, struct http_req *req);

struct api_op {
	struct api *api;
	uint64_t req_id, user_id;
	api_done_h *done;
	bool cont; /* the completion started another step with this op: keep it */
	int64_t id, id2, n;
	int status;
	cJSON *out;
	char *text;
	void *data; /* freed with data_free (default sb_free) */
	void (*data_free)(void *);
	char addr[48];
};

/* A new operation for req (replies 500 and returns NULL when out of memory). */
struct api_op *api_op_new(struct api *a, struct http_req *req, api_done_h *done);
void api_op_free(struct api_op *op);
/*
 * Submits job (err: the error of building it, from api_step; then it is not
 * submitted); done runs once it committed. On failure replies (500, 503 ...)
 * and frees the job and the op. The _keep variants, for a completion that
 * goes on with the same op, leave the op alone: set op->cont when they
 * return 0.
 */
int api_op_write(struct api_op *op, struct store_job *job, struct http_req *req, int err);
int api_op_write_keep(struct api_op *op, struct store_job *job, struct http_req *req, int err);
/* Runs a read; done gets its rows. On failure replies and frees op (_keep: not op). */
int api_op_query(struct api_op *op, const struct store_stmt *st, const struct store_value *p,
		 unsigned n, struct http_req *req);
int api_op_query_keep(struct api_op *op, const struct store_stmt *st, const struct store_value *p,
		      unsigned n, struct http_req *req);
/* A center_done_h running the op's completion (rows NULL): for center_when_committed & co. */
void api_op_center_done(int err, void *arg);
/* Replies for a storage error: EEXIST 409, ENOENT 404 (422 for a create), EINVAL 422, EAGAIN 503
 * ... */
void api_store_error(struct http_req *req, int err, bool create, const char *what);
/* A new job, replying 500 when out of memory. */
struct store_job *api_job(struct http_req *req);
/* Adds a step; on failure marks the job broken (api_op_write then replies 500). */
void api_step(struct store_job *job, const struct store_stmt *st, const struct store_value *p,
	      unsigned n, unsigned flags, int *err);
/*
 * Adds the audit row: who (the op's user and address), action, object type
 * and id (may be a store_ref), before/after JSON text (NULL: none).
 */
void api_audit(struct store_job *job, const struct api_op *op, const char *action,
	       const char *object_type, struct store_value object_id, const char *before,
	       const char *after, int *err);
/* The reply for a finished write: status and op->out (taken), or the error. */
void api_reply_done(struct api_op *op, int err, struct http_req *req, bool create,
		    const char *what);

/* Runs work(arg) on the API's worker thread, then done(arg) on the loop (cancelled: *err =
 * ECANCELED). */
typedef void(api_work_h)(void *arg);
int api_work(struct api *a, api_work_h *work, api_work_h *done, void *arg);

/* ---------- queries shared between resources ---------- */

int64_t api_now(struct api *a);
/* ?after= and ?limit= (1..max, default def). Replies 422 and returns EINVAL when malformed. */
int api_page(struct http_req *req, int64_t *after, int64_t *limit, int64_t def, int64_t max);
/* An optional integer query argument; ENOENT when absent; EINVAL after a 422. */
int api_query_i64(struct http_req *req, const char *name, int64_t min, int64_t max, int64_t *out);
/* {"items": items, "next": "<last id>" or null}: `more` says whether another page follows. */
cJSON *api_list(cJSON *items, bool more, int64_t last_id);
/*
 * Replies 200 with one page of rows as api_list: each row through api_row_json(fields, from
 * column 0, whose value is the row's id), at most op->n rows (the query asked for one more,
 * which says whether another page follows).
 */
void api_reply_page(struct api_op *op, struct http_req *req, const struct store_rs *rs,
		    const struct api_field *fields, unsigned n_fields);
/* The path parameter {id:int} (or another name) as an id; 0 when out of range. */
int64_t api_param_id(struct http_req *req, const char *name);
void api_not_found(struct http_req *req, const char *what);

/* ---------- visibility ---------- */

/* Admins, supervisors, QA and planners see everything within their client limits. */
bool api_sees_all(const struct user *u);
/* "[1,2]" of the user's clients (sb_free it), or NULL when the user sees every client. */
char *api_clients_json(const struct user *u);
/* A JSON array of the ids (sb_free it). */
char *api_ids_json(const int64_t *ids, unsigned n);
/* The agents of a team ("[...]", sb_free it); users too when users is set. */
char *api_team_json(struct api *a, int64_t team_id, bool users);
bool api_agent_serves(struct api *a, int64_t agent_id, int64_t queue_id);
bool api_queue_visible(struct api *a, const struct user *u, const struct center_queue *q);
bool api_agent_visible(struct api *a, const struct user *u, const struct center_agent *ag);
/* May u see a record of this client (0: a row for every client)? */
bool api_client_visible(const struct user *u, int64_t client_id);
/* The client a new row belongs to: given, or the only one the user can see. Replies 422 when
 * unclear. */
int api_pick_client(struct api *a, struct http_req *req, const struct user *u, struct api_val *v,
		    int64_t *out);
/* The dialling plan of a client's site (the first site when unknown). */
void api_client_plan(struct api *a, int64_t client_id, char cc[8], char trunk[8], char intl[8]);

/* ---------- the center's reason codes ---------- */

struct api_reason {
	uint32_t code;
	const char *name, *label;
	bool user; /* an agent may choose it */
};
const struct api_reason *api_reason(uint32_t code);
const struct api_reason *api_reason_at(unsigned i);

/* JSON of an agent's committed state (center_agent_live). */
cJSON *api_agent_state_json(struct api *a, int64_t agent_id);

#endif
