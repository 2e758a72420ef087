/* api_people: users (argon2id passwords hashed off the loop, roles, client limits) and agents
 * (skills, SIP digest HA1). */
#include "server/api_impl.h"

#include "base/json.h"
#include "base/mem.h"
#include "http/auth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re.h>

/* ---------- the user directory, refreshed from committed rows ---------- */

#define USER_SELECT                                                                                \
	"SELECT 'userdir', u.id, u.login, u.password_hash, u.active,"                              \
	" (SELECT r.role FROM user_roles r WHERE r.user_id = u.id ORDER BY CASE r.role"            \
	"   WHEN 'admin' THEN 0 WHEN 'supervisor' THEN 1 WHEN 'planner' THEN 2 WHEN 'qa' THEN 3"   \
	"   WHEN 'team_lead' THEN 4 ELSE 5 END LIMIT 1),"                                          \
	" (SELECT a.id FROM agents a WHERE a.user_id = u.id),"                                     \
	" COALESCE((SELECT a.team_id FROM agents a WHERE a.user_id = u.id),"                       \
	"          (SELECT t.id FROM teams t WHERE t.lead_user_id = u.id ORDER BY t.id LIMIT 1))," \
	" (SELECT group_concat(c.client_id) FROM user_clients c WHERE c.user_id = u.id),"          \
	" u.display_name, u.email, u.site_id, u.created_at, u.updated_at FROM users u"

enum {
	UC_MARK,
	UC_ID,
	UC_LOGIN,
	UC_HASH,
	UC_ACTIVE,
	UC_ROLE,
	UC_AGENT,
	UC_TEAM,
	UC_CLIENTS,
	UC_NAME,
	UC_EMAIL,
	UC_SITE,
	UC_CREATED,
	UC_UPDATED
};

static const struct store_stmt q_user_one = {"api.user_one", USER_SELECT " WHERE u.id = $1", NULL};
static const struct store_stmt q_user_page = {
    "api.user_page", USER_SELECT " WHERE u.id > $1 ORDER BY u.id LIMIT $2", NULL};

void api_userdir_step(struct store_job *job, int64_t user_id, int *err);
void api_userdir_apply(struct api *a, const struct store_rs *rs);

void api_userdir_step(struct store_job *job, int64_t user_id, int *err)
{
	struct store_value p[] = {store_int(user_id)};
	api_step(job, &q_user_one, p, 1, 0, err);
}

static unsigned parse_clients(const char *csv, uint64_t *out, unsigned max)
{
	unsigned n = 0;
	for (const char *s = csv; s && *s && n < max;) {
		char *end;
		unsigned long long v = strtoull(s, &end, 10);
		if (end == s)
			break;
		out[n++] = v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static bool is_dir_row(const struct store_rs *rs, unsigned r)
{
	const char *m = store_rs_text(rs, r, UC_MARK);
	return m && strcmp(m, "userdir") == 0 && store_rs_cols(rs, r) == UC_UPDATED + 1;
}

void api_userdir_apply(struct api *a, const struct store_rs *rs)
{
	for (unsigned r = 0; rs && r < store_rs_rows(rs); r++) {
		if (!is_dir_row(rs, r))
			continue;
		struct user u;
		uint64_t clients[64];
		memset(&u, 0, sizeof(u));
		u.id = (uint64_t)store_rs_int(rs, r, UC_ID);
		snprintf(u.username, sizeof(u.username), "%s",
			 store_rs_text(rs, r, UC_LOGIN) ? store_rs_text(rs, r, UC_LOGIN) : "");
		u.pwhash = store_rs_text(rs, r, UC_HASH);
		u.disabled = store_rs_int(rs, r, UC_ACTIVE) == 0;
		enum role role = ROLE_AGENT;
		const char *rn = store_rs_text(rs, r, UC_ROLE);
		if (!rn || role_parse(rn, &role) != 0)
			u.disabled = true;
		u.role = role;
		u.agent_id = (uint64_t)store_rs_int(rs, r, UC_AGENT);
		u.team_id = (uint64_t)store_rs_int(rs, r, UC_TEAM);
		u.n_clients = parse_clients(store_rs_text(rs, r, UC_CLIENTS), clients, 64);
		u.clients = clients;
		if (userdir_put(a->cfg.users, &u) != 0)
			fprintf(stderr,
				"switchboard: user %" PRIu64 " (%s) not updated in memory\n", u.id,
				u.username);
		if (u.disabled && a->cfg.auth)
			auth_end_user_sessions(a->cfg.auth, u.id);
	}
}

/* ---------- users ---------- */

static const char *const role_names[] = {"agent",   "team_lead", "supervisor", "qa",
					 "planner", "admin",	 NULL};

enum { UF_USERNAME, UF_NAME, UF_EMAIL, UF_ROLE, UF_PASSWORD, UF_SITE, UF_ACTIVE, UF_COUNT };

static const struct api_field user_fields[UF_COUNT] = {
    [UF_USERNAME] = {"username", AF_TEXT, AF_REQ, 0, USER_NAME_MAX, NULL},
    [UF_NAME] = {"display_name", AF_TEXT, AF_REQ, 0, 200, NULL},
    [UF_EMAIL] = {"email", AF_TEXT, AF_NULL, 0, 254, NULL},
    [UF_ROLE] = {"role", AF_ENUM, AF_REQ, 0, 0, role_names},
    [UF_PASSWORD] = {"password", AF_TEXT, AF_NULL | AF_HIDE, 0, PWHASH_PASSWORD_MAX, NULL},
    [UF_SITE] = {"site_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    [UF_ACTIVE] = {"active", AF_BOOL, 0, 0, 0, NULL},
};

static const char *const user_extra[] = {"clients", NULL};

static cJSON *user_row_json(const struct store_rs *rs, unsigned r)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", store_rs_int(rs, r, UC_ID));
	cJSON_AddStringToObject(o, "username", store_rs_text(rs, r, UC_LOGIN));
	const char *name = store_rs_text(rs, r, UC_NAME);
	cJSON_AddStringToObject(o, "display_name", name ? name : "");
	const char *email = store_rs_text(rs, r, UC_EMAIL);
	if (email)
		cJSON_AddStringToObject(o, "email", email);
	else
		cJSON_AddNullToObject(o, "email");
	const char *role = store_rs_text(rs, r, UC_ROLE);
	if (role)
		cJSON_AddStringToObject(o, "role", role);
	else
		cJSON_AddNullToObject(o, "role");
	cJSON_AddBoolToObject(o, "active", store_rs_int(rs, r, UC_ACTIVE) != 0);
	const int cols[] = {UC_TEAM, UC_AGENT, UC_SITE};
	const char *names[] = {"team_id", "agent_id", "site_id"};
	for (int i = 0; i < 3; i++) {
		if (store_rs_is_null(rs, r, (unsigned)cols[i]))
			cJSON_AddNullToObject(o, names[i]);
		else
			json_add_i64(o, names[i], store_rs_int(rs, r, (unsigned)cols[i]));
	}
	cJSON *cl = cJSON_AddArrayToObject(o, "clients");
	uint64_t ids[64];
	unsigned n = parse_clients(store_rs_text(rs, r, UC_CLIENTS), ids, 64);
	for (unsigned i = 0; i < n; i++)
		cJSON_AddItemToArray(cl, cJSON_CreateNumber((double)ids[i]));
	json_add_i64(o, "created_at", store_rs_int(rs, r, UC_CREATED));
	json_add_i64(o, "updated_at", store_rs_int(rs, r, UC_UPDATED));
	return o;
}

/* May u see the user of this row? Team leads: their team; client-limited users: users limited to
 * their clients. */
static bool user_row_visible(const struct user *u, const struct store_rs *rs, unsigned r)
{
	int64_t id = store_rs_int(rs, r, UC_ID);
	if ((uint64_t)id == u->id)
		return true;
	if (u->role == ROLE_TEAM_LEAD)
		return u->team_id && store_rs_int(rs, r, UC_TEAM) == (int64_t)u->team_id &&
		       u->n_clients == 0;
	if (!api_sees_all(u) && u->role != ROLE_ADMIN)
		return false;
	if (u->n_clients == 0)
		return true;
	uint64_t ids[64];
	unsigned n = parse_clients(store_rs_text(rs, r, UC_CLIENTS), ids, 64);
	if (n == 0)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!user_may_see_client(u, ids[i]))
			return false;
	return true;
}

static void users_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "user");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned r = 0; r < n && u; r++) {
		last = store_rs_int(rs, r, UC_ID);
		if (user_row_visible(u, rs, r))
			cJSON_AddItemToArray(items, user_row_json(rs, r));
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

static void on_user_list(struct http_req *req, void *arg)
{
	int64_t after, limit;
	if (api_page(req, &after, &limit, 100, 1000))
		return;
	struct api_op *op = api_op_new(arg, req, users_listed);
	if (!op)
		return;
	op->n = limit;
	struct store_value p[] = {store_int(after), store_int(limit + 1)};
	api_op_query(op, &q_user_page, p, 2, req);
}

static void user_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "user");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (!u || store_rs_rows(rs) == 0 || !user_row_visible(u, rs, 0)) {
		api_not_found(req, "user");
		return;
	}
	http_reply_json(req, 200, user_row_json(rs, 0));
}

static void on_user_get(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, user_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_user_one, p, 1, req);
}

/* A user write waiting for its password hash, then for its commit. */
struct userw {
	bool create;
	int64_t id;
	struct api_val v[UF_COUNT];
	char *password;
	char hash[PWHASH_STR_MAX];
	int hash_err;
	bool set_clients;
	int64_t clients[64];
	unsigned n_clients;
	char *after; /* audit JSON */
	struct api_op *op;
	enum pwhash_cost cost;
};

static void userw_free(void *p)
{
	struct userw *w = p;
	if (w->password) {
		memset(w->password, 0, strlen(w->password));
		sb_free(w->password);
	}
	memset(w->hash, 0, sizeof(w->hash));
	api_vals_free(w->v, UF_COUNT);
	sb_free(w->after);
	sb_free(w);
}

static const struct store_stmt s_user_insert = {
    "api.user_insert",
    "INSERT INTO users (login, display_name, email, password_hash, site_id, active, created_at,"
    " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    NULL};
static const struct store_stmt s_user_update = {
    "api.user_update",
    "UPDATE users SET display_name = CASE WHEN $2 = 1 THEN $3 ELSE display_name END,"
    " email = CASE WHEN $4 = 1 THEN $5 ELSE email END,"
    " password_hash = CASE WHEN $6 = 1 THEN $7 ELSE password_hash END,"
    " site_id = CASE WHEN $8 = 1 THEN $9 ELSE site_id END,"
    " active = CASE WHEN $10 = 1 THEN $11 ELSE active END, updated_at = $12 WHERE id = $1",
    NULL};
static const struct store_stmt s_user_roles_clear = {
    "api.user_roles_clear", "DELETE FROM user_roles WHERE user_id = $1", NULL};
static const struct store_stmt s_user_role = {
    "api.user_role", "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", NULL};
static const struct store_stmt s_user_clients_clear = {
    "api.user_clients_clear", "DELETE FROM user_clients WHERE user_id = $1", NULL};
static const struct store_stmt s_user_client = {
    "api.user_client", "INSERT INTO user_clients (user_id, client_id) VALUES ($1, $2)", NULL};
static const struct store_stmt s_user_audit_before = {
    "api.user_audit_before",
    "INSERT INTO audit_log (time, user_id, action, object_type, object_id, before_json,"
    " after_json, remote_addr) SELECT $1, $2, $3, 'user', $4, (SELECT json_object('username',"
    " u.login, 'display_name', u.display_name, 'email', u.email, 'site_id', u.site_id, 'active',"
    " u.active, 'role', (SELECT group_concat(role) FROM user_roles WHERE user_id = u.id),"
    " 'clients', (SELECT group_concat(client_id) FROM user_clients WHERE user_id = u.id))"
    " FROM users u WHERE u.id = $4), $5, $6",
    NULL};

static void user_committed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct userw *w = op->data;
	if (err) {
		api_store_error(req, err, w->create, "user");
		return;
	}
	api_userdir_apply(op->api, rs);
	if (!req)
		return;
	for (unsigned r = store_rs_rows(rs); r-- > 0;) {
		if (is_dir_row(rs, r)) {
			http_reply_json(req, w->create ? 201 : 200, user_row_json(rs, r));
			return;
		}
	}
	http_reply_error(req, 500, "internal", "the user row did not come back");
}

/* The hash is ready (or none was needed): write. */
static void user_write_now(struct api_op *op, struct http_req *req)
{
	struct api *a = op->api;
	struct userw *w = op->data;
	struct api_val *v = w->v;
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		if (req)
			http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	int err = 0;
	int64_t now = api_now(a);
	struct store_value uid = w->create ? store_ref(0, 0) : store_int(w->id);
	if (w->create) {
		struct store_value p[] = {
		    store_text(v[UF_USERNAME].s),
		    store_text(v[UF_NAME].s),
		    api_val_store(&user_fields[UF_EMAIL], &v[UF_EMAIL]),
		    w->password ? store_text(w->hash) : store_null(),
		    api_val_store(&user_fields[UF_SITE], &v[UF_SITE]),
		    store_int(v[UF_ACTIVE].present ? v[UF_ACTIVE].i : 1),
		    store_int(now),
		};
		api_step(job, &s_user_insert, p, 7, 0, &err);
	} else {
		struct store_value ab[] = {
		    store_int(now),
		    op->user_id ? store_int((int64_t)op->user_id) : store_null(),
		    store_text("update"),
		    uid,
		    store_text(w->after),
		    store_text(op->addr)};
		api_step(job, &s_user_audit_before, ab, 6, 0, &err);
		struct store_value p[] = {
		    uid,
		    store_int(v[UF_NAME].present),
		    api_val_store(&user_fields[UF_NAME], &v[UF_NAME]),
		    store_int(v[UF_EMAIL].present),
		    api_val_store(&user_fields[UF_EMAIL], &v[UF_EMAIL]),
		    store_int(w->password != NULL ||
			      (v[UF_PASSWORD].present && v[UF_PASSWORD].null)),
		    w->password ? store_text(w->hash) : store_null(),
		    store_int(v[UF_SITE].present),
		    api_val_store(&user_fields[UF_SITE], &v[UF_SITE]),
		    store_int(v[UF_ACTIVE].present),
		    store_int(v[UF_ACTIVE].present ? v[UF_ACTIVE].i : 1),
		    store_int(now),
		};
		api_step(job, &s_user_update, p, 12, STORE_MUST_HIT, &err);
	}
	if (v[UF_ROLE].present) {
		if (!w->create)
			api_step(job, &s_user_roles_clear, &uid, 1, 0, &err);
		struct store_value p[] = {uid, store_text(v[UF_ROLE].s)};
		api_step(job, &s_user_role, p, 2, 0, &err);
	}
	if (w->set_clients) {
		if (!w->create)
			api_step(job, &s_user_clients_clear, &uid, 1, 0, &err);
		for (unsigned i = 0; i < w->n_clients; i++) {
			struct store_value p[] = {uid, store_int(w->clients[i])};
			api_step(job, &s_user_client, p, 2, 0, &err);
		}
	}
	if (w->create)
		api_audit(job, op, "create", "user", uid, NULL, w->after, &err);
	api_step(job, &q_user_one, &uid, 1, 0, &err);
	op->done = user_committed;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void user_hashed(void *arg)
{
	struct userw *w = arg;
	struct api_op *op = w->op;
	struct api *a = op->api;
	if (a->closing) {
		api_op_free(op);
		return;
	}
	struct http_req *req = http_server_req_find(a->cfg.srv, op->req_id);
	if (w->hash_err) {
		if (req)
			http_reply_error(req, 500, "internal", "password hashing failed");
		api_op_free(op);
		return;
	}
	op->cont = false;
	user_write_now(op, req);
	if (!op->cont)
		api_op_free(op);
}

static void user_hash_work(void *arg)
{
	struct userw *w = arg;
	w->hash_err = pwhash_hash(w->password, strlen(w->password), w->cost, w->hash);
}

static bool username_ok(const char *s)
{
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

static void user_write(struct api *a, struct http_req *req, bool create)
{
	const struct user *me = http_req_user(req);
	const struct user *cur = NULL;
	if (!create) {
		cur = userdir_get(a->cfg.users, (uint64_t)api_param_id(req, "id"));
		if (!cur) {
			api_not_found(req, "user");
			return;
		}
	}
	struct api_op *op = api_op_new(a, req, NULL);
	struct userw *w = op ? sb_zalloc(sizeof(*w)) : NULL;
	if (!w) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = w;
	op->data_free = userw_free;
	w->op = op;
	w->create = create;
	w->id = cur ? (int64_t)cur->id : 0;
	w->cost = a->cfg.cost;
	const cJSON *body = http_req_json(req);
	struct api_val *v = w->v;
	if (api_read_fields(req, body, user_fields, UF_COUNT, user_extra, create, v))
		goto fail;
	if (!create && v[UF_USERNAME].present && strcmp(v[UF_USERNAME].s, cur->username) != 0) {
		api_invalid(req, "field \"username\" cannot be changed");
		goto fail;
	}
	if (create) {
		if (!username_ok(v[UF_USERNAME].s)) {
			api_invalid(req,
				    "field \"username\" may hold only letters, digits and . _ @ -");
			goto fail;
		}
		if (userdir_find(a->cfg.users, v[UF_USERNAME].s)) {
			http_reply_error(req, 409, "conflict", "username \"%s\" is taken",
					 v[UF_USERNAME].s);
			goto fail;
		}
	}
	int e = api_read_ids(req, body, "clients", UINT32_MAX, 64, w->clients, &w->n_clients);
	if (e == EINVAL)
		goto fail;
	w->set_clients = e == 0;
	for (unsigned i = 0; i < w->n_clients; i++) {
		if (!center_client(a->cfg.center, w->clients[i]) ||
		    !user_may_see_client(me, (uint64_t)w->clients[i])) {
			api_invalid(req, "field \"clients\": no client %" PRId64, w->clients[i]);
			goto fail;
		}
	}
	/* a client-limited admin creates users limited to (some of) their clients */
	if (me->n_clients && create && !w->n_clients) {
		api_invalid(req, "field \"clients\" is required: you are limited to some clients");
		goto fail;
	}
	if (v[UF_SITE].present && !v[UF_SITE].null && !center_site(a->cfg.center, v[UF_SITE].i)) {
		api_invalid(req, "field \"site_id\": no site %" PRId64, v[UF_SITE].i);
		goto fail;
	}
	if (v[UF_PASSWORD].present && !v[UF_PASSWORD].null) {
		if (strlen(v[UF_PASSWORD].s) < 8) {
			api_invalid(req, "field \"password\" must be at least 8 bytes");
			goto fail;
		}
		w->password = sb_strdup(v[UF_PASSWORD].s);
		if (!w->password) {
			http_reply_error(req, 500, "internal", "out of memory");
			goto fail;
		}
	}
	if (cur && cur->id == me->id &&
	    ((v[UF_ACTIVE].present && !v[UF_ACTIVE].i) ||
	     (v[UF_ROLE].present && strcmp(v[UF_ROLE].s, role_name(me->role)) != 0))) {
		http_reply_error(req, 409, "conflict", "you cannot deactivate or demote yourself");
		goto fail;
	}
	w->after = api_vals_text(user_fields, UF_COUNT, v, true);
	if (w->after && w->set_clients) {
		/* add the clients to the audit text */
		cJSON *o = cJSON_Parse(w->after);
		char *ids = api_ids_json(w->clients, w->n_clients);
		cJSON_AddItemToObject(o, "clients", cJSON_Parse(ids ? ids : "[]"));
		sb_free(ids);
		char *t = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		sb_free(w->after);
		w->after = t ? sb_strdup(t) : NULL;
		cJSON_free(t);
	}
	if (w->password) {
		int err = api_work(a, user_hash_work, user_hashed, w);
		if (err) {
			http_req_add_header(req, "Retry-After", "1");
			http_reply_error(req, 503, "busy", "cannot hash the password now");
			goto fail;
		}
		return; /* user_hashed goes on */
	}
	op->cont = false;
	user_write_now(op, req);
	if (op->cont)
		return;
fail:
	api_op_free(op);
}

static void on_user_create(struct http_req *req, void *arg)
{
	user_write(arg, req, true);
}

static void on_user_update(struct http_req *req, void *arg)
{
	user_write(arg, req, false);
}

static const struct store_stmt s_user_deactivate = {
    "api.user_deactivate", "UPDATE users SET active = 0, updated_at = $2 WHERE id = $1", NULL};

static void user_deactivated(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (err) {
		api_store_error(req, err, false, "user");
		return;
	}
	api_userdir_apply(op->api, rs);
	if (req)
		http_reply_empty(req, 204);
}

static void on_user_delete(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *cur = userdir_get(a->cfg.users, (uint64_t)api_param_id(req, "id"));
	if (!cur) {
		api_not_found(req, "user");
		return;
	}
	if (cur->id == http_req_user_id(req)) {
		http_reply_error(req, 409, "conflict", "you cannot deactivate yourself");
		return;
	}
	struct api_op *op = api_op_new(a, req, user_deactivated);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	int err = 0;
	struct store_value p[] = {store_int((int64_t)cur->id), store_int(api_now(a))};
	api_step(job, &s_user_deactivate, p, 2, STORE_MUST_HIT, &err);
	api_audit(job, op, "deactivate", "user", store_int((int64_t)cur->id), NULL, NULL, &err);
	api_userdir_step(job, (int64_t)cur->id, &err);
	api_op_write(op, job, req, err);
}

/* ---------- agents ---------- */

enum {
	AGF_USER,
	AGF_NAME,
	AGF_TEAM,
	AGF_SITE,
	AGF_RANK,
	AGF_EXT,
	AGF_REALM,
	AGF_PASSWORD,
	AGF_CONTACT,
	AGF_ACTIVE,
	AGF_COUNT
};

static const struct api_field agent_fields[AGF_COUNT] = {
    [AGF_USER] = {"user_id", AF_INT, AF_NULL, 1, INT64_MAX / 2, NULL},
    [AGF_NAME] = {"name", AF_TEXT, AF_REQ, 0, CENTER_NAME_MAX - 1, NULL},
    [AGF_TEAM] = {"team_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    [AGF_SITE] = {"site_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    [AGF_RANK] = {"rank", AF_INT, 0, 0, 1000000, NULL},
    [AGF_EXT] = {"extension", AF_TEXT, AF_REQ, 0, 31, NULL},
    [AGF_REALM] = {"sip_realm", AF_TEXT, 0, 0, 63, NULL},
    [AGF_PASSWORD] = {"sip_password", AF_TEXT, AF_REQ | AF_HIDE, 0, 128, NULL},
    [AGF_CONTACT] = {"static_contact", AF_TEXT, AF_NULL, 0, 255, NULL},
    [AGF_ACTIVE] = {"active", AF_BOOL, 0, 0, 0, NULL},
};

static const char *const agent_extra[] = {"skills", "groups", NULL};

static cJSON *agent_json(struct api *a, const struct center_agent *ag, bool live)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", ag->id);
	if (ag->user_id)
		json_add_i64(o, "user_id", ag->user_id);
	else
		cJSON_AddNullToObject(o, "user_id");
	cJSON_AddStringToObject(o, "name", ag->name);
	if (ag->team_id)
		json_add_i64(o, "team_id", ag->team_id);
	else
		cJSON_AddNullToObject(o, "team_id");
	if (ag->site_id)
		json_add_i64(o, "site_id", ag->site_id);
	else
		cJSON_AddNullToObject(o, "site_id");
	json_add_i64(o, "rank", ag->acd.rank);
	cJSON_AddStringToObject(o, "extension", ag->extension);
	cJSON_AddStringToObject(o, "sip_realm", ag->sip_realm);
	if (ag->static_contact[0])
		cJSON_AddStringToObject(o, "static_contact", ag->static_contact);
	else
		cJSON_AddNullToObject(o, "static_contact");
	cJSON_AddBoolToObject(o, "active", ag->active);
	cJSON *sk = cJSON_AddArrayToObject(o, "skills");
	for (uint32_t i = 0; i < ag->acd.n_skills; i++) {
		cJSON *s = cJSON_CreateObject();
		json_add_i64(s, "skill_id", ag->acd.skills[i].skill);
		json_add_i64(s, "level", ag->acd.skills[i].level);
		cJSON_AddItemToArray(sk, s);
	}
	cJSON *gr = cJSON_AddArrayToObject(o, "groups");
	for (uint32_t i = 0; i < ag->acd.n_groups; i++)
		cJSON_AddItemToArray(gr, cJSON_CreateNumber(ag->acd.groups[i]));
	if (live) {
		cJSON *st = api_agent_state_json(a, ag->id);
		if (st)
			cJSON_AddItemToObject(o, "state", st);
	}
	return o;
}

static void on_agent_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	int64_t team = 0;
	if (api_query_i64(req, "team_id", 1, UINT32_MAX, &team) == EINVAL)
		return;
	cJSON *items = cJSON_CreateArray();
	const struct center_agent *ag;
	for (unsigned i = 0; (ag = center_agent_at(a->cfg.center, i)); i++)
		if ((!team || ag->team_id == team) && api_agent_visible(a, u, ag))
			cJSON_AddItemToArray(items, agent_json(a, ag, true));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_agent_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *ag = center_agent(a->cfg.center, api_param_id(req, "id"));
	if (!ag || !api_agent_visible(a, http_req_user(req), ag)) {
		api_not_found(req, "agent");
		return;
	}
	http_reply_json(req, 200, agent_json(a, ag, true));
}

struct agentw {
	bool create, remove;
	struct center_agent ag;
};

static const struct store_stmt s_agent_insert = {
    "api.agent_insert",
    "INSERT INTO agents (user_id, display_name, team_id, site_id, rank, extension, sip_realm,"
    " sip_ha1, static_contact, active, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    NULL};
static const struct store_stmt s_agent_update = {
    "api.agent_update",
    "UPDATE agents SET user_id = $1, display_name = $2, team_id = $3, site_id = $4, rank = $5,"
    " extension = $6, sip_realm = $7, sip_ha1 = $8, static_contact = $9, active = $10,"
    " updated_at = $11 WHERE id = $12",
    NULL};
static const struct store_stmt s_agent_skills_clear = {
    "api.agent_skills_clear", "DELETE FROM agent_skills WHERE agent_id = $1", NULL};
static const struct store_stmt s_agent_skill = {
    "api.agent_skill", "INSERT INTO agent_skills (agent_id, skill_id, level) VALUES ($1, $2, $3)",
    NULL};
static const struct store_stmt s_agent_groups_clear = {
    "api.agent_groups_clear", "DELETE FROM agent_groups WHERE agent_id = $1", NULL};
static const struct store_stmt s_agent_group = {
    "api.agent_group", "INSERT INTO agent_groups (agent_id, team_id) VALUES ($1, $2)", NULL};

static void agent_committed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct api *a = op->api;
	struct agentw *w = op->data;
	if (err) {
		api_store_error(req, err, w->create, "agent");
		return;
	}
	if (w->create)
		w->ag.id = store_rs_int(rs, 0, 0);
	int e = center_agent_apply(a->cfg.center, &w->ag);
	if (e)
		fprintf(stderr, "switchboard: agent %" PRId64 " committed but not applied: %s\n",
			w->ag.id, strerror(e));
	api_userdir_apply(a, rs);
	if (!req)
		return;
	if (w->remove) {
		http_reply_empty(req, 204);
		return;
	}
	const struct center_agent *ag = center_agent(a->cfg.center, w->ag.id);
	http_reply_json(req, w->create ? 201 : 200, agent_json(a, ag ? ag : &w->ag, ag != NULL));
}

static void ha1_hex(const char *ext, const char *realm, const char *password, char out[33])
{
	uint8_t md[16];
	md5_printf(md, "%s:%s:%s", ext, realm, password);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* api_config.c: an active skill, or a deactivated one the list held before (else a 422). */
bool api_skill_assignable(struct api *a, struct http_req *req, const char *field, int64_t id,
			  const uint32_t *old, uint32_t n_old);

static int read_agent_skills(struct api *a, struct http_req *req, const cJSON *arr,
			     struct acd_agent_params *p)
{
	if (!cJSON_IsArray(arr)) {
		api_invalid(req, "field \"skills\" must be an array of {skill_id, level}");
		return EINVAL;
	}
	static const struct api_field f[] = {
	    {"skill_id", AF_INT, AF_REQ, 1, UINT32_MAX, NULL},
	    {"level", AF_INT, AF_REQ, 1, ACD_MAX_LEVEL, NULL},
	};
	uint32_t old[ACD_MAX_SKILLS], n_old = p->n_skills; /* the list before (kept skills) */
	for (uint32_t i = 0; i < n_old && i < ACD_MAX_SKILLS; i++)
		old[i] = p->skills[i].skill;
	p->n_skills = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (p->n_skills == ACD_MAX_SKILLS) {
			api_invalid(req, "field \"skills\": at most %d skills", ACD_MAX_SKILLS);
			return EINVAL;
		}
		struct api_val v[2];
		if (api_read_fields(req, it, f, 2, NULL, true, v))
			return EINVAL;
		if (!api_skill_assignable(a, req, "skills", v[0].i, old, n_old))
			return EINVAL;
		for (uint32_t k = 0; k < p->n_skills; k++) {
			if (p->skills[k].skill == (uint32_t)v[0].i) {
				api_invalid(req, "field \"skills\": skill %" PRId64 " twice",
					    v[0].i);
				return EINVAL;
			}
		}
		p->skills[p->n_skills].skill = (uint32_t)v[0].i;
		p->skills[p->n_skills].level = (uint8_t)v[1].i;
		p->n_skills++;
	}
	return 0;
}

static bool extension_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static void agent_write(struct api *a, struct http_req *req, bool create)
{
	const struct center_agent *cur = NULL;
	if (!create && !(cur = center_agent(a->cfg.center, api_param_id(req, "id")))) {
		api_not_found(req, "agent");
		return;
	}
	const cJSON *body = http_req_json(req);
	struct api_val v[AGF_COUNT];
	if (api_read_fields(req, body, agent_fields, AGF_COUNT, agent_extra, create, v))
		return;
	struct center_agent ag;
	memset(&ag, 0, sizeof(ag));
	if (cur) {
		ag = *cur;
	} else {
		ag.active = true;
		snprintf(ag.sip_realm, sizeof(ag.sip_realm), "switchboard");
	}
	if (v[AGF_USER].present)
		ag.user_id = v[AGF_USER].null ? 0 : v[AGF_USER].i;
	if (v[AGF_NAME].present)
		snprintf(ag.name, sizeof(ag.name), "%s", v[AGF_NAME].s);
	if (v[AGF_TEAM].present)
		ag.team_id = v[AGF_TEAM].null ? 0 : v[AGF_TEAM].i;
	if (v[AGF_SITE].present)
		ag.site_id = v[AGF_SITE].null ? 0 : v[AGF_SITE].i;
	if (v[AGF_RANK].present)
		ag.acd.rank = (uint32_t)v[AGF_RANK].i;
	if (v[AGF_EXT].present)
		snprintf(ag.extension, sizeof(ag.extension), "%s", v[AGF_EXT].s);
	if (v[AGF_REALM].present)
		snprintf(ag.sip_realm, sizeof(ag.sip_realm), "%s", v[AGF_REALM].s);
	if (v[AGF_CONTACT].present)
		snprintf(ag.static_contact, sizeof(ag.static_contact), "%s",
			 v[AGF_CONTACT].null ? "" : v[AGF_CONTACT].s);
	if (v[AGF_ACTIVE].present)
		ag.active = v[AGF_ACTIVE].i != 0;
	ag.acd.team = (uint32_t)ag.team_id;
	const cJSON *sk = cJSON_GetObjectItemCaseSensitive(body, "skills");
	if (sk && read_agent_skills(a, req, sk, &ag.acd))
		return;
	int64_t groups[ACD_MAX_GROUPS];
	unsigned ng = 0;
	int e = api_read_ids(req, body, "groups", UINT32_MAX, ACD_MAX_GROUPS, groups, &ng);
	if (e == EINVAL)
		return;
	if (e == 0) {
		for (unsigned i = 0; i < ng; i++) {
			if (!center_team(a->cfg.center, groups[i])) {
				api_invalid(req, "field \"groups\": no team %" PRId64, groups[i]);
				return;
			}
			ag.acd.groups[i] = (uint32_t)groups[i];
		}
		ag.acd.n_groups = ng;
	}
	if (!extension_ok(ag.extension)) {
		api_invalid(req, "field \"extension\" may hold only letters, digits and . _ -");
		return;
	}
	const struct center_team *team = ag.team_id ? center_team(a->cfg.center, ag.team_id) : NULL;
	if (ag.team_id && !team) {
		api_invalid(req, "field \"team_id\": no team %" PRId64, ag.team_id);
		return;
	}
	/* a deactivated team takes no new members (those still in it may stay) */
	if (team && !team->active && (!cur || cur->team_id != ag.team_id)) {
		api_invalid(req, "field \"team_id\": team %" PRId64 " is deactivated", ag.team_id);
		return;
	}
	if (ag.site_id && !center_site(a->cfg.center, ag.site_id)) {
		api_invalid(req, "field \"site_id\": no site %" PRId64, ag.site_id);
		return;
	}
	if (ag.user_id) {
		if (!userdir_get(a->cfg.users, (uint64_t)ag.user_id)) {
			api_invalid(req, "field \"user_id\": no user %" PRId64, ag.user_id);
			return;
		}
		const struct center_agent *o = center_agent_by_user(a->cfg.center, ag.user_id);
		if (o && o->id != ag.id) {
			http_reply_error(req, 409, "conflict",
					 "user %" PRId64 " is agent %" PRId64 " already",
					 ag.user_id, o->id);
			return;
		}
	}
	const struct center_agent *o = center_agent_by_extension(a->cfg.center, ag.extension);
	if (o && o->id != ag.id) {
		http_reply_error(req, 409, "conflict", "extension %s belongs to agent %" PRId64,
				 ag.extension, o->id);
		return;
	}
	bool digest_changed = cur && (strcmp(cur->extension, ag.extension) != 0 ||
				      strcmp(cur->sip_realm, ag.sip_realm) != 0);
	bool has_pw = v[AGF_PASSWORD].present && !v[AGF_PASSWORD].null;
	if (digest_changed && !has_pw) {
		api_invalid(req, "field \"sip_password\" is required when the extension or realm "
				 "changes");
		return;
	}
	if (has_pw) {
		if (strlen(v[AGF_PASSWORD].s) < 4) {
			api_invalid(req, "field \"sip_password\" must be at least 4 bytes");
			return;
		}
		ha1_hex(ag.extension, ag.sip_realm, v[AGF_PASSWORD].s, ag.sip_ha1);
	}
	if (cur && !ag.active && cur->active) {
		struct center_agent_live lv;
		if (center_agent_live(a->cfg.center, ag.id, &lv) == 0 &&
		    lv.state != ACD_AGENT_LOGGED_OUT) {
			http_reply_error(req, 409, "conflict", "log the agent out first");
			return;
		}
	}
	struct api_op *op = api_op_new(a, req, agent_committed);
	struct agentw *w = op ? sb_zalloc(sizeof(*w)) : NULL;
	struct store_job *job = w ? api_job(req) : NULL;
	if (!job) {
		if (op && !w)
			http_reply_error(req, 500, "internal", "out of memory");
		sb_free(w);
		api_op_free(op);
		return;
	}
	op->data = w;
	w->create = create;
	w->ag = ag;
	int err = 0;
	int64_t now = api_now(a);
	struct store_value p[] = {
	    ag.user_id ? store_int(ag.user_id) : store_null(),
	    store_text(ag.name),
	    ag.team_id ? store_int(ag.team_id) : store_null(),
	    ag.site_id ? store_int(ag.site_id) : store_null(),
	    store_int(ag.acd.rank),
	    store_text(ag.extension),
	    store_text(ag.sip_realm),
	    store_text(ag.sip_ha1),
	    store_text(ag.static_contact[0] ? ag.static_contact : NULL),
	    store_int(ag.active),
	    store_int(now),
	    store_int(ag.id),
	};
	api_step(job, create ? &s_agent_insert : &s_agent_update, p, create ? 11 : 12,
		 create ? 0 : STORE_MUST_HIT, &err);
	struct store_value aid = create ? store_ref(0, 0) : store_int(ag.id);
	if (create || sk) {
		if (!create)
			api_step(job, &s_agent_skills_clear, &aid, 1, 0, &err);
		for (uint32_t i = 0; i < ag.acd.n_skills; i++) {
			struct store_value r[] = {aid, store_int(ag.acd.skills[i].skill),
						  store_int(ag.acd.skills[i].level)};
			api_step(job, &s_agent_skill, r, 3, 0, &err);
		}
	}
	if (create || ng || e == 0) {
		if (!create)
			api_step(job, &s_agent_groups_clear, &aid, 1, 0, &err);
		for (uint32_t i = 0; i < ag.acd.n_groups; i++) {
			struct store_value r[] = {aid, store_int(ag.acd.groups[i])};
			api_step(job, &s_agent_group, r, 2, 0, &err);
		}
	}
	cJSON *after = agent_json(a, &ag, false);
	cJSON *before = cur ? agent_json(a, cur, false) : NULL;
	char *at = cJSON_PrintUnformatted(after),
	     *bt = before ? cJSON_PrintUnformatted(before) : NULL;
	cJSON_Delete(after);
	cJSON_Delete(before);
	api_audit(job, op, create ? "create" : "update", "agent", aid, bt, at, &err);
	cJSON_free(at);
	cJSON_free(bt);
	/* directory entries carry agent and team ids */
	if (cur && cur->user_id && cur->user_id != ag.user_id)
		api_userdir_step(job, cur->user_id, &err);
	if (ag.user_id)
		api_userdir_step(job, ag.user_id, &err);
	api_op_write(op, job, req, err);
}

static void on_agent_create(struct http_req *req, void *arg)
{
	agent_write(arg, req, true);
}

static void on_agent_update(struct http_req *req, void *arg)
{
	agent_write(arg, req, false);
}

/* Agents are kept for their history: deleting one deactivates it (logged out first). */
static void on_agent_delete(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_agent *cur = center_agent(a->cfg.center, api_param_id(req, "id"));
	if (!cur) {
		api_not_found(req, "agent");
		return;
	}
	struct center_agent_live lv;
	if (center_agent_live(a->cfg.center, cur->id, &lv) == 0 &&
	    lv.state != ACD_AGENT_LOGGED_OUT) {
		http_reply_error(req, 409, "conflict", "log the agent out first");
		return;
	}
	struct api_op *op = api_op_new(a, req, agent_committed);
	struct agentw *w = op ? sb_zalloc(sizeof(*w)) : NULL;
	struct store_job *job = w ? api_job(req) : NULL;
	if (!job) {
		if (op && !w)
			http_reply_error(req, 500, "internal", "out of memory");
		sb_free(w);
		api_op_free(op);
		return;
	}
	op->data = w;
	w->remove = true;
	w->ag = *cur;
	w->ag.active = false;
	int err = 0;
	static const struct store_stmt s_deact = {
	    "api.agent_deactivate", "UPDATE agents SET active = 0, updated_at = $2 WHERE id = $1",
	    NULL};
	struct store_value p[] = {store_int(cur->id), store_int(api_now(a))};
	api_step(job, &s_deact, p, 2, STORE_MUST_HIT, &err);
	api_audit(job, op, "deactivate", "agent", store_int(cur->id), NULL, NULL, &err);
	api_op_write(op, job, req, err);
}

/* ---------- routes ---------- */

#define USER_SCHEMA                                                                                \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"username\":{"        \
	"\"type\":"                                                                                \
	"\"string\"},\"display_name\":{\"type\":\"string\"},\"email\":{\"type\":\"string\","       \
	"\"nullable\":true},\"role\":{\"type\":\"string\",\"enum\":[\"agent\",\"team_lead\","      \
	"\"supervisor\",\"qa\",\"planner\",\"admin\"]},\"active\":{\"type\":\"boolean\"},"         \
	"\"team_id\":{\"type\":\"integer\",\"nullable\":true},\"agent_id\":{\"type\":\"integer\"," \
	"\"nullable\":true},\"site_id\":{\"type\":\"integer\",\"nullable\":true},\"clients\":{"    \
	"\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"description\":\"empty: every "      \
	"client\"},\"created_at\":{\"type\":\"integer\"},\"updated_at\":{\"type\":\"integer\"}}}"
#define USER_IN                                                                                    \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"username\":{"       \
	"\"type\":"                                                                                \
	"\"string\",\"maxLength\":64,\"pattern\":\"^[A-Za-z0-9._@-]+$\"},\"display_name\":{"       \
	"\"type\":\"string\",\"maxLength\":200},\"email\":{\"type\":\"string\",\"nullable\":true}" \
	","                                                                                        \
	"\"role\":{\"type\":\"string\",\"enum\":[\"agent\",\"team_lead\",\"supervisor\",\"qa\","   \
	"\"planner\",\"admin\"]},\"password\":{\"type\":\"string\",\"minLength\":8,\"writeOnly\":" \
	"true},\"site_id\":{\"type\":\"integer\",\"nullable\":true},\"active\":{\"type\":"         \
	"\"boolean\"},\"clients\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}}"
#define AGENT_PROPS                                                                                \
	"\"user_id\":{\"type\":\"integer\",\"nullable\":true},\"name\":{\"type\":\"string\"},"     \
	"\"team_id\":{\"type\":\"integer\",\"nullable\":true},\"site_id\":{\"type\":\"integer\","  \
	"\"nullable\":true},\"rank\":{\"type\":\"integer\"},\"extension\":{\"type\":\"string\"},"  \
	"\"sip_realm\":{\"type\":\"string\"},\"static_contact\":{\"type\":\"string\","             \
	"\"nullable\":"                                                                            \
	"true},\"active\":{\"type\":\"boolean\"},\"skills\":{\"type\":\"array\",\"items\":{"       \
	"\"type\":"                                                                                \
	"\"object\",\"properties\":{\"skill_id\":{\"type\":\"integer\"},\"level\":{\"type\":"      \
	"\"integer\",\"minimum\":1,\"maximum\":10}}}},\"groups\":{\"type\":\"array\",\"items\":{"  \
	"\"type\":\"integer\"}}"
#define AGENT_SCHEMA                                                                               \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," AGENT_PROPS          \
	",\"state\":{\"type\":\"object\",\"description\":\"committed state, as GET "               \
	"/api/v1/me/agent\"}}}"
#define AGENT_IN                                                                                   \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" AGENT_PROPS         \
	",\"sip_password\":{\"type\":\"string\",\"writeOnly\":true,\"description\":\"kept only "   \
	"as "                                                                                      \
	"the digest HA1\"}}}"
#define LIST_OF(item)                                                                              \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" item       \
	"},\"next\":{\"type\":\"string\",\"nullable\":true}}}"

int api_people_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, API_PREFIX "/users", R_ADMIN | R_SUPER | R_LEAD, on_user_list, NULL, 0,
	     "List users (team leads: their team)", "users", NULL, LIST_OF(USER_SCHEMA), NULL, 0,
	     "422"},
	    {HTTP_GET, API_PREFIX "/users/{id:int}", R_ADMIN | R_SUPER | R_LEAD, on_user_get, NULL,
	     0, "A user", "users", NULL, USER_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/users", R_ADMIN, on_user_create, NULL, 0,
	     "Create a user (the password is stored as an argon2id hash)", "users", USER_IN,
	     USER_SCHEMA, NULL, 201, "409 503"},
	    {HTTP_PUT, API_PREFIX "/users/{id:int}", R_ADMIN, on_user_update, NULL, 0,
	     "Change a user (fields given; clients replace the list)", "users", USER_IN,
	     USER_SCHEMA, NULL, 0, "404 409 503"},
	    {HTTP_DELETE, API_PREFIX "/users/{id:int}", R_ADMIN, on_user_delete, NULL, 0,
	     "Deactivate a user and end their sessions", "users", NULL, NULL, NULL, 204, "404 409"},
	    {HTTP_GET, API_PREFIX "/agents", R_ALL, on_agent_list, NULL, 0,
	     "List the agents the caller may see, with their committed state (?team_id=)", "agents",
	     NULL, LIST_OF(AGENT_SCHEMA), NULL, 0, "422"},
	    {HTTP_GET, API_PREFIX "/agents/{id:int}", R_ALL, on_agent_get, NULL, 0,
	     "An agent with their committed state", "agents", NULL, AGENT_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/agents", R_ADMIN, on_agent_create, NULL, 0,
	     "Create an agent (skills with levels, team, groups, rank, SIP extension)", "agents",
	     AGENT_IN, AGENT_SCHEMA, NULL, 201, "409"},
	    {HTTP_PUT, API_PREFIX "/agents/{id:int}", R_ADMIN, on_agent_update, NULL, 0,
	     "Change an agent (fields given; skills and groups replace the lists)", "agents",
	     AGENT_IN, AGENT_SCHEMA, NULL, 0, "404 409"},
	    {HTTP_DELETE, API_PREFIX "/agents/{id:int}", R_ADMIN, on_agent_delete, NULL, 0,
	     "Deactivate a logged-out agent (kept for the history)", "agents", NULL, NULL, NULL,
	     204, "404 409"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
