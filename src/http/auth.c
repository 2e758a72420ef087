/* auth: login/logout/me/unlock routes, request identification, login back-off (see auth.h). */
#include "http/auth.h"
#include "http/evloop.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/session.h"
#include "http/sse.h"
#include "http/users.h"
#include "http/util.h"
#include "base/clock.h"
#include "base/dlist.h"
#include "base/mem.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define COOKIE_NAME "sb_session"

struct auth {
	struct auth_config cfg;
	struct http_server *srv;
	const struct userdir *users;
	struct sse_hub *hub;
	struct sessions *sessions;
	struct backoff *by_user_addr, *by_addr;
	struct pwhash_pool *pool;
	auth_audit_h *audit;
	void *audit_arg;
	struct dlist held; /* failed logins whose answer is being held back */
	struct evl_timer *sweep;
	uint64_t logins, failures, throttled;
};

/* A login attempt between its check and its answer. */
struct attempt {
	struct dlist le; /* in auth->held while the answer is held back */
	struct auth *a;
	uint64_t req_id;
	uint64_t user_id; /* 0: no such user */
	struct evl_timer *tmr;
	char key_ua[USER_NAME_MAX + INET6_ADDRSTRLEN + 2];
	char key_a[INET6_ADDRSTRLEN];
};

void auth_config_defaults(struct auth_config *c)
{
	memset(c, 0, sizeof(*c));
	c->session_idle_ms = 12LL * 3600 * 1000;
	c->session_max_ms = 7LL * 24 * 3600 * 1000;
	c->per_user_addr = (struct backoff_policy){
	    .base_ms = 250,
	    .cap_ms = 30000,
	    .free_failures = 1,
	    .forget_ms = 15 * 60 * 1000,
	    .max_inflight = 1,
	};
	c->per_addr = (struct backoff_policy){
	    .base_ms = 250,
	    .cap_ms = 30000,
	    .free_failures = 20,
	    .forget_ms = 15 * 60 * 1000,
	    .max_inflight = 8,
	};
	c->backoff_entries = 65536;
	c->max_failure_delay_ms = 1000;
	c->pwhash_threads = 1;
	c->pwhash_queue = 64;
	c->cost = PWHASH_INTERACTIVE;
}

static int64_t now_ms(void)
{
	return clock_mono_ms();
}

static void audit(struct auth *a, const char *action, uint64_t actor, uint64_t subject,
		  cJSON *detail)
{
	if (a->audit)
		a->audit(a->audit_arg, action, actor, subject, detail);
	else
		cJSON_Delete(detail);
}

static cJSON *user_json(const struct user *u)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)u->id);
	cJSON_AddStringToObject(o, "username", u->username);
	cJSON_AddStringToObject(o, "role", role_name(u->role));
	if (u->team_id)
		cJSON_AddNumberToObject(o, "team_id", (double)u->team_id);
	else
		cJSON_AddNullToObject(o, "team_id");
	if (u->agent_id)
		cJSON_AddNumberToObject(o, "agent_id", (double)u->agent_id);
	else
		cJSON_AddNullToObject(o, "agent_id");
	cJSON *cl = cJSON_AddArrayToObject(o, "clients");
	for (unsigned i = 0; i < u->n_clients; i++)
		cJSON_AddItemToArray(cl, cJSON_CreateNumber((double)u->clients[i]));
	return o;
}

/* --- identification (the server's auth hook) --- */

static void identify(void *arg, struct http_req *req)
{
	struct auth *a = arg;
	enum http_authvia via;
	size_t len;
	char cookie[96];
	const char *tok = http_bearer_token(http_req_header(req, "Authorization"), &len);
	if (tok) {
		via = HTTP_AUTH_BEARER;
	} else if (http_cookie_get(http_req_header(req, "Cookie"), COOKIE_NAME, cookie,
				   sizeof(cookie)) == 0) {
		via = HTTP_AUTH_COOKIE;
		tok = cookie;
		len = strlen(cookie);
	} else {
		return;
	}
	const struct session *se = sessions_lookup(a->sessions, tok, len, now_ms());
	if (!se)
		return;
	const struct user *u = userdir_get(a->users, se->user_id);
	if (!u || u->disabled)
		return;
	http_req_set_auth(req, u, via, se->key, se->csrf);
}

static bool session_live(void *arg, uint64_t session_id)
{
	struct auth *a = arg;
	return sessions_alive(a->sessions, session_id, now_ms());
}

/* --- login --- */

static void refuse(struct auth *a, struct http_req *req, int64_t wait_ms)
{
	char ra[24];
	long long secs = (wait_ms + 999) / 1000;
	if (secs < 1)
		secs = 1;
	snprintf(ra, sizeof(ra), "%lld", secs);
	http_req_add_header(req, "Retry-After", ra);
	a->throttled++;
	http_reply_error(req, 429, "too_many_attempts",
			 "too many failed logins; try again in %lld s", secs);
}

static void attempt_free(struct attempt *at)
{
	evl_timer_free(at->tmr);
	dlist_unlink(&at->le);
	sb_free(at);
}

static void answer_failure(struct attempt *at)
{
	struct http_req *req = http_server_req_find(at->a->srv, at->req_id);
	if (req)
		http_reply_error(req, 401, "bad_credentials", "wrong username or password");
}

static void on_held(void *arg)
{
	struct attempt *at = arg;
	answer_failure(at);
	attempt_free(at);
}

static void login_done(int err, bool ok, void *arg)
{
	struct attempt *at = arg;
	struct auth *a = at->a;
	int64_t now = now_ms();
	if (err) {
		backoff_end(a->by_user_addr, at->key_ua, now, BACKOFF_NEUTRAL);
		backoff_end(a->by_addr, at->key_a, now, BACKOFF_NEUTRAL);
		struct http_req *req = http_server_req_find(a->srv, at->req_id);
		if (req)
			http_reply_error(req, 503, "unavailable", "the server is shutting down");
		attempt_free(at);
		return;
	}
	const struct user *u = at->user_id ? userdir_get(a->users, at->user_id) : NULL;
	struct http_req *req = http_server_req_find(a->srv, at->req_id);
	if (ok && u && !u->disabled) {
		backoff_end(a->by_user_addr, at->key_ua, now, BACKOFF_SUCCESS);
		backoff_end(a->by_addr, at->key_a, now, BACKOFF_NEUTRAL);
		attempt_free(at);
		if (!req)
			return; /* the client is gone (server stopping): no session */
		char token[SESSION_TOKEN_LEN + 1];
		const struct session *se;
		if (sessions_create(a->sessions, u->id, now, token, &se) != 0) {
			http_reply_error(req, 500, "internal", "out of memory");
			return;
		}
		char cookie[256];
		snprintf(cookie, sizeof(cookie),
			 COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
			 token, (long long)(a->cfg.session_max_ms / 1000),
			 http_req_tls(req) ? "; Secure" : "");
		http_req_add_header(req, "Set-Cookie", cookie);
		cJSON *body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "token", token);
		cJSON_AddStringToObject(body, "csrf_token", se->csrf);
		cJSON_AddItemToObject(body, "user", user_json(u));
		sodium_memzero(token, sizeof(token));
		a->logins++;
		audit(a, "login", u->id, u->id, NULL);
		http_reply_json(req, 200, body);
		return;
	}
	int64_t w1 = backoff_end(a->by_user_addr, at->key_ua, now, BACKOFF_FAILED);
	int64_t w2 = backoff_end(a->by_addr, at->key_a, now, BACKOFF_FAILED);
	a->failures++;
	if (u)
		audit(a, "login_failed", 0, u->id, NULL);
	int64_t hold = w1 > w2 ? w1 : w2;
	if (hold > a->cfg.max_failure_delay_ms)
		hold = a->cfg.max_failure_delay_ms;
	if (hold <= 0 || !req || evl_timer_alloc(&at->tmr) != 0) {
		answer_failure(at);
		attempt_free(at);
		return;
	}
	dlist_append(&a->held, &at->le);
	evl_timer_start(at->tmr, (uint64_t)hold, on_held, at);
}

static void on_login(struct http_req *req, void *arg)
{
	struct auth *a = arg;
	const cJSON *body = http_req_json(req);
	static const char *const keys[] = {"username", "password", NULL};
	const char *username, *password;
	if (http_json_only(req, body, keys) ||
	    http_json_str(req, body, "username", true, USER_NAME_MAX, &username) ||
	    http_json_str(req, body, "password", true, PWHASH_PASSWORD_MAX, &password))
		return;
	struct attempt *at = sb_zalloc(sizeof(*at));
	if (!at) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	at->a = a;
	at->req_id = http_req_id(req);
	dlist_init(&at->le);
	snprintf(at->key_ua, sizeof(at->key_ua), "%s\n%s", username, http_req_addr(req));
	snprintf(at->key_a, sizeof(at->key_a), "%s", http_req_addr(req));
	int64_t now = now_ms(), wait;
	if (backoff_begin(a->by_user_addr, at->key_ua, now, &wait) != 0) {
		sb_free(at);
		refuse(a, req, wait);
		return;
	}
	if (backoff_begin(a->by_addr, at->key_a, now, &wait) != 0) {
		backoff_end(a->by_user_addr, at->key_ua, now, BACKOFF_NEUTRAL);
		sb_free(at);
		refuse(a, req, wait);
		return;
	}
	const struct user *u = userdir_find(a->users, username);
	at->user_id = u ? u->id : 0;
	const char *hash = (u && !u->disabled) ? u->pwhash : NULL;
	int err = pwhash_verify(a->pool, hash, password, strlen(password), login_done, at);
	if (err) {
		backoff_end(a->by_user_addr, at->key_ua, now, BACKOFF_NEUTRAL);
		backoff_end(a->by_addr, at->key_a, now, BACKOFF_NEUTRAL);
		sb_free(at);
		http_req_add_header(req, "Retry-After", "1");
		http_reply_error(req, 503, "busy", "too many logins in progress; try again");
		return;
	}
	/* answered by login_done */
}

/* --- logout, me, unlock --- */

static void on_logout(struct http_req *req, void *arg)
{
	struct auth *a = arg;
	uint64_t sid = http_req_session_id(req);
	uint64_t uid = http_req_user_id(req);
	if (a->hub)
		sse_hub_end_session(a->hub, sid);
	sessions_delete(a->sessions, sid);
	http_req_add_header(req, "Set-Cookie",
			    COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	audit(a, "logout", uid, uid, NULL);
	http_reply_empty(req, 204);
}

static void on_me(struct http_req *req, void *arg)
{
	struct auth *a = arg;
	const struct session *se = sessions_get(a->sessions, http_req_session_id(req));
	cJSON *body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "user", user_json(http_req_user(req)));
	cJSON_AddStringToObject(body, "csrf_token", se ? se->csrf : "");
	cJSON_AddStringToObject(body, "auth",
				http_req_authvia(req) == HTTP_AUTH_BEARER ? "bearer" : "cookie");
	http_reply_json(req, 200, body);
}

static void on_unlock(struct http_req *req, void *arg)
{
	struct auth *a = arg;
	uint64_t id = http_req_param_u64(req, "id");
	const struct user *u = id ? userdir_get(a->users, id) : NULL;
	if (!u) {
		http_reply_error(req, 404, "not_found", "no user with id %s",
				 http_req_param(req, "id"));
		return;
	}
	const cJSON *body = http_req_json(req);
	const char *addr = NULL;
	if (body) {
		static const char *const keys[] = {"address", NULL};
		if (http_json_only(req, body, keys))
			return;
		int e = http_json_str(req, body, "address", false, INET6_ADDRSTRLEN, &addr);
		if (e && e != ENOENT)
			return;
		unsigned char buf[sizeof(struct in6_addr)];
		if (addr && inet_pton(AF_INET, addr, buf) != 1 &&
		    inet_pton(AF_INET6, addr, buf) != 1) {
			http_reply_error(req, 422, "invalid_field",
					 "field \"address\" must be an IPv4 or IPv6 address");
			return;
		}
	}
	char prefix[USER_NAME_MAX + 2];
	snprintf(prefix, sizeof(prefix), "%s\n", u->username);
	unsigned n = backoff_reset_prefix(a->by_user_addr, prefix);
	if (addr)
		n += backoff_reset(a->by_addr, addr);
	cJSON *detail = cJSON_CreateObject();
	cJSON_AddNumberToObject(detail, "cleared", n);
	if (addr)
		cJSON_AddStringToObject(detail, "address", addr);
	audit(a, "unlock", http_req_user_id(req), u->id, detail);
	cJSON *out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "user_id", (double)u->id);
	cJSON_AddNumberToObject(out, "cleared", n);
	http_reply_json(req, 200, out);
}

/* --- set-up --- */

static void on_sweep(void *arg)
{
	struct auth *a = arg;
	int64_t now = now_ms();
	sessions_sweep(a->sessions, now);
	backoff_sweep(a->by_user_addr, now);
	backoff_sweep(a->by_addr, now);
	evl_timer_start(a->sweep, 60000, on_sweep, a);
}

int auth_alloc(struct auth **ap, const struct auth_config *cfg, struct http_server *srv,
	       const struct userdir *users, struct sse_hub *hub, pwhash_post_h *post,
	       void *post_arg)
{
	if (!cfg || !srv || !users || !post || cfg->max_failure_delay_ms < 0)
		return EINVAL;
	struct auth *a = sb_zalloc(sizeof(*a));
	if (!a)
		return ENOMEM;
	a->cfg = *cfg;
	a->srv = srv;
	a->users = users;
	a->hub = hub;
	dlist_init(&a->held);
	int err;
	if ((err = evl_timer_alloc(&a->sweep)) ||
	    (err = sessions_alloc(&a->sessions, cfg->session_idle_ms, cfg->session_max_ms)) ||
	    (err = backoff_alloc(&a->by_user_addr, &cfg->per_user_addr, cfg->backoff_entries)) ||
	    (err = backoff_alloc(&a->by_addr, &cfg->per_addr, cfg->backoff_entries)) ||
	    (err = pwhash_pool_alloc(&a->pool, cfg->pwhash_threads, cfg->pwhash_queue, cfg->cost,
				     post, post_arg))) {
		auth_free(a);
		return err;
	}
	struct http_auth_hook hook = {identify, a};
	http_server_set_auth(srv, &hook);
	if (hub)
		sse_hub_set_session_check(hub, session_live, a);
	evl_timer_start(a->sweep, 60000, on_sweep, a);
	*ap = a;
	return 0;
}

void auth_set_audit(struct auth *a, auth_audit_h *fn, void *arg)
{
	a->audit = fn;
	a->audit_arg = arg;
}

static const char user_schema[] =
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"username\":{\"type\":"
    "\"string\"},\"role\":{\"type\":\"string\",\"enum\":[\"agent\",\"team_lead\","
    "\"supervisor\",\"qa\",\"planner\",\"admin\"]},\"team_id\":{\"type\":\"integer\","
    "\"nullable\":true},\"agent_id\":{\"type\":\"integer\",\"nullable\":true},\"clients\":{"
    "\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"description\":\"empty: every "
    "client\"}}}";

int auth_add_routes(struct auth *a)
{
	static char login_resp[1024], me_resp[1024];
	snprintf(login_resp, sizeof(login_resp),
		 "{\"type\":\"object\",\"required\":[\"token\",\"csrf_token\",\"user\"],"
		 "\"properties\":{\"token\":{\"type\":\"string\",\"description\":\"bearer token "
		 "(also set as the sb_session cookie)\"},\"csrf_token\":{\"type\":\"string\","
		 "\"description\":\"send as X-CSRF-Token with cookie-authenticated writes\"},"
		 "\"user\":%s}}",
		 user_schema);
	snprintf(me_resp, sizeof(me_resp),
		 "{\"type\":\"object\",\"properties\":{\"user\":%s,\"csrf_token\":{\"type\":"
		 "\"string\"},\"auth\":{\"type\":\"string\",\"enum\":[\"cookie\",\"bearer\"]}}}",
		 user_schema);
	const struct http_route routes[] = {
	    {
		.method = HTTP_POST,
		.pattern = "/api/v1/login",
		.h = on_login,
		.arg = a,
		.summary = "Log in: sets the session cookie and returns a bearer token",
		.tag = "auth",
		.request_schema =
		    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
		    "\"username\",\"password\"],\"properties\":{\"username\":{\"type\":"
		    "\"string\",\"minLength\":1,\"maxLength\":64},\"password\":{\"type\":"
		    "\"string\",\"minLength\":1,\"maxLength\":1024}}}",
		.response_schema = login_resp,
		.errors = "401 403 429 503",
	    },
	    {
		.method = HTTP_POST,
		.pattern = "/api/v1/logout",
		.roles = ROLES_ALL,
		.h = on_logout,
		.arg = a,
		.summary = "Log out: ends the session and clears the cookie",
		.tag = "auth",
		.status = 204,
	    },
	    {
		.method = HTTP_GET,
		.pattern = "/api/v1/me",
		.roles = ROLES_ALL,
		.h = on_me,
		.arg = a,
		.summary = "The caller's account and the session's CSRF token",
		.tag = "auth",
		.response_schema = me_resp,
	    },
	    {
		.method = HTTP_POST,
		.pattern = "/api/v1/users/{id:int}/unlock",
		.roles = ROLE_BIT(ROLE_ADMIN),
		.h = on_unlock,
		.arg = a,
		.flags = HTTP_ROUTE_BODY_OPTIONAL,
		.summary = "Clear a user's failed-login back-off (and optionally an address's)",
		.tag = "users",
		.request_schema =
		    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":"
		    "{\"address\":{\"type\":\"string\",\"description\":\"also clear "
		    "this source address's back-off\"}}}",
		.response_schema = "{\"type\":\"object\",\"properties\":{\"user_id\":{\"type\":"
				   "\"integer\"},\"cleared\":{\"type\":\"integer\"}}}",
		.errors = "404",
	    },
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		int err = http_server_route(a->srv, &routes[i]);
		if (err)
			return err;
	}
	return 0;
}

static void collect_sessions(struct metrics_out *out, void *arg)
{
	struct auth *a = arg;
	metrics_sample(out, sessions_count(a->sessions), NULL);
}

static void collect_logins(struct metrics_out *out, void *arg)
{
	struct auth *a = arg;
	metrics_sample(out, (double)a->logins, "result", "ok", NULL);
	metrics_sample(out, (double)a->failures, "result", "failed", NULL);
	metrics_sample(out, (double)a->throttled, "result", "throttled", NULL);
}

int auth_add_metrics(struct auth *a, struct metrics *m)
{
	int err = metrics_register(m, "sb_sessions", "Live login sessions", METRICS_GAUGE,
				   collect_sessions, a);
	if (!err)
		err = metrics_register(m, "sb_logins_total", "Login attempts by result",
				       METRICS_COUNTER, collect_logins, a);
	return err;
}

void auth_stop(struct auth *a)
{
	if (!a)
		return;
	pwhash_pool_free(a->pool);
	a->pool = NULL;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	auth_stop(a);
	evl_timer_free(a->sweep);
	while (!dlist_empty(&a->held)) {
		struct attempt *at = (struct attempt *)dlist_first(&a->held);
		attempt_free(at);
	}
	if (a->srv)
		http_server_set_auth(a->srv, NULL);
	sessions_free(a->sessions);
	backoff_free(a->by_user_addr);
	backoff_free(a->by_addr);
	sb_free(a);
}

unsigned auth_end_user_sessions(struct auth *a, uint64_t user_id)
{
	if (a->hub)
		sse_hub_end_user(a->hub, user_id);
	return sessions_delete_user(a->sessions, user_id);
}

struct sessions *auth_sessions(struct auth *a)
{
	return a->sessions;
}
