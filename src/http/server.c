/* http server: libmicrohttpd in the libre loop, request lifecycle, replies, streams. */
#include "http/http.h"
#include "http/evloop.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/users.h"
#include "http/util.h"
#include "base/idmap.h"
#include "base/json.h"
#include "base/dlist.h"
#include "base/mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_STATUS 600

enum req_state {
	R_OPEN,	     /* receiving, or in the handler */
	R_SUSPENDED, /* handler returned without replying: waiting for a completion */
	R_REPLIED,   /* a reply waits to be queued */
	R_SENT,	     /* reply queued to libmicrohttpd */
};

struct hdr {
	struct hdr *next;
	char *name, *value;
};

struct http_req {
	uint64_t id;
	struct http_server *srv;
	struct MHD_Connection *conn;
	struct dlist le; /* in srv->suspended while R_SUSPENDED */
	enum req_state state;
	unsigned method;
	char *path;
	struct http_buf body;
	bool body_too_large;
	struct router_match match;
	char *params[ROUTER_MAX_PARAMS];
	cJSON *json;
	const struct user *user;
	uint64_t user_id, session_id;
	enum http_authvia via;
	char *csrf;
	struct hdr *hdrs;
	struct MHD_Response *resp;
	unsigned status;
	bool close; /* reply with Connection: close */
	char addr[INET6_ADDRSTRLEN];
};

struct http_stream {
	struct dlist le; /* in srv->streams */
	struct http_server *srv;
	struct MHD_Connection *conn;
	http_stream_read_h *read;
	http_stream_release_h *release;
	void *arg;
	bool suspended, ending;
};

struct http_server {
	struct http_config cfg;
	char *addr, *tls_cert, *tls_key, *title, *version;
	struct MHD_Daemon *d;
	int epfd;
	struct evl_fd *epw;
	struct evl_timer *tmr;
	bool in_run, kicked, closing;
	struct router *router;
	char *openapi;
	struct http_auth_hook auth;
	struct idmap pending; /* id -> request not yet replied */
	struct dlist suspended;
	struct dlist streams;
	uint64_t next_id;
	unsigned nreqs; /* requests alive (between first call and completion) */
	unsigned nopen; /* of which not yet replied to (receiving, in the handler, suspended) */
	uint64_t counts[MAX_STATUS];
	/* graceful shutdown */
	struct evl_timer *drain;
	int64_t drain_left_ms;
	void (*done)(void *arg);
	void *done_arg;
};

static void run(struct http_server *s);

void http_config_defaults(struct http_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->addr = "127.0.0.1";
	cfg->port = 8080;
	cfg->max_connections = 4096;
	cfg->max_body = 1024 * 1024;
	cfg->idle_timeout_s = 120;
	cfg->api_title = "switchboard";
	cfg->api_version = "0";
}

/* --- libre integration --- */

static void on_timer(void *arg)
{
	run(arg);
}

static void rearm(struct http_server *s)
{
	if (!s->d)
		return;
	if (s->kicked) {
		s->kicked = false;
		evl_timer_start(s->tmr, 0, on_timer, s);
		return;
	}
	MHD_UNSIGNED_LONG_LONG to;
	if (MHD_get_timeout(s->d, &to) != MHD_YES) {
		evl_timer_cancel(s->tmr);
		return;
	}
	/*
	 * Re-inserting a timer walks libre's timer list; keep the running one
	 * when it fires a little earlier than needed (an early MHD_run is harmless).
	 */
	if (evl_timer_running(s->tmr)) {
		uint64_t left = evl_timer_left(s->tmr);
		if (left <= to && to - left < 1000)
			return;
	}
	evl_timer_start(s->tmr, to, on_timer, s);
}

static void run(struct http_server *s)
{
	if (!s->d)
		return;
	s->in_run = true;
	MHD_run(s->d);
	s->in_run = false;
	rearm(s);
}

static void on_fd(void *arg)
{
	run(arg);
}

/* After a resume: make sure MHD runs soon even when no socket becomes ready. */
static void kick(struct http_server *s)
{
	if (s->in_run)
		s->kicked = true;
	else
		evl_timer_start(s->tmr, 0, on_timer, s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("switchboard: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* --- requests --- */

static struct http_req *req_new(struct http_server *s, struct MHD_Connection *c, const char *url,
				const char *method)
{
	struct http_req *req = sb_zalloc(sizeof(*req));
	if (!req)
		return NULL;
	req->path = sb_strdup(url ? url : "/");
	if (!req->path) {
		sb_free(req);
		return NULL;
	}
	req->id = ++s->next_id;
	if (idmap_put(&s->pending, req->id, req) != 0) {
		sb_free(req->path);
		sb_free(req);
		return NULL;
	}
	req->srv = s;
	req->conn = c;
	req->method = http_method_parse(method);
	dlist_init(&req->le);
	s->nreqs++;
	s->nopen++;
	return req;
}

static void req_free(struct http_req *req)
{
	struct http_server *s = req->srv;
	if (req->state == R_OPEN || req->state == R_SUSPENDED)
		s->nopen--;
	idmap_del(&s->pending, req->id);
	dlist_unlink(&req->le);
	if (req->resp)
		MHD_destroy_response(req->resp);
	for (unsigned i = 0; i < ROUTER_MAX_PARAMS; i++)
		sb_free(req->params[i]);
	for (struct hdr *h = req->hdrs, *nx; h; h = nx) {
		nx = h->next;
		sb_free(h->name);
		sb_free(h->value);
		sb_free(h);
	}
	cJSON_Delete(req->json);
	http_buf_free(&req->body);
	sb_free(req->csrf);
	sb_free(req->path);
	sb_free(req);
	s->nreqs--;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct http_req *req = *con_cls;
	if (!req)
		return;
	*con_cls = NULL;
	req_free(req);
}

/* Takes ownership of resp; records the reply and, for a suspended request, resumes it. */
static void set_reply(struct http_req *req, unsigned status, struct MHD_Response *resp)
{
	struct http_server *s = req->srv;
	if (req->state == R_REPLIED || req->state == R_SENT) {
		/* cannot happen: a handler replied twice */
		fprintf(stderr, "switchboard: http: second reply to %s ignored\n", req->path);
		MHD_destroy_response(resp);
		return;
	}
	for (struct hdr *h = req->hdrs; h; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	if (req->close || s->closing)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	req->resp = resp;
	req->status = status;
	s->nopen--;
	if (status < MAX_STATUS)
		s->counts[status]++;
	idmap_del(&s->pending, req->id);
	if (req->state == R_SUSPENDED) {
		dlist_unlink(&req->le);
		req->state = R_REPLIED;
		MHD_resume_connection(req->conn);
		kick(s);
	} else {
		req->state = R_REPLIED;
	}
}

static enum MHD_Result queue_reply(struct http_req *req)
{
	enum MHD_Result r = MHD_queue_response(req->conn, req->status, req->resp);
	MHD_destroy_response(req->resp);
	req->resp = NULL;
	req->state = R_SENT;
	return r;
}

static void finish_reply(struct http_req *req, int status, const char *ctype,
			 struct MHD_Response *resp)
{
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	/* no-store unless the handler chose (static files: no-cache with an ETag) */
	bool own_cc = false;
	for (const struct hdr *h = req->hdrs; h && !own_cc; h = h->next)
		own_cc = strcasecmp(h->name, MHD_HTTP_HEADER_CACHE_CONTROL) == 0;
	if (!own_cc)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	set_reply(req, (unsigned)status, resp);
}

/* Replies with buf (sb_alloc'd, owned from here on; NULL with len 0 for no body). */
static void reply_buf(struct http_req *req, int status, const char *ctype, char *buf, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(
	    len, buf, (MHD_ContentReaderFreeCallback)sb_free);
	if (!resp) {
		sb_free(buf);
		/* out of memory: a bodiless 500, and the connection is closed */
		req->close = true;
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return; /* cannot happen with a persistent empty buffer */
		status = 500;
		ctype = NULL;
	}
	finish_reply(req, status, ctype, resp);
}

void http_reply_data(struct http_req *req, int status, const char *content_type, const void *data,
		     size_t len)
{
	char *buf = sb_alloc(len ? len : 1);
	if (buf && len)
		memcpy(buf, data, len);
	if (!buf)
		len = 0;
	reply_buf(req, buf ? status : 500, content_type, buf, len);
}

void http_reply_empty(struct http_req *req, int status)
{
	reply_buf(req, status, NULL, NULL, 0);
}

void http_reply_json(struct http_req *req, int status, cJSON *body)
{
	if (!body) {
		http_reply_data(req, status, "application/json", "{}", 2);
		return;
	}
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (!text) {
		reply_buf(req, 500, NULL, NULL, 0);
		return;
	}
	/* cJSON's buffer goes to libmicrohttpd as is, freed with cJSON_free */
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer_with_free_callback(strlen(text), text, cJSON_free);
	if (!resp) {
		cJSON_free(text);
		reply_buf(req, 500, NULL, NULL, 0);
		return;
	}
	finish_reply(req, status, "application/json", resp);
}

void http_reply_error(struct http_req *req, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON *body = cJSON_CreateObject();
	cJSON *err = cJSON_AddObjectToObject(body, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", msg);
	http_reply_json(req, status, body);
}

int http_req_add_header(struct http_req *req, const char *name, const char *value)
{
	struct hdr *h = sb_zalloc(sizeof(*h));
	if (!h)
		return ENOMEM;
	h->name = sb_strdup(name);
	h->value = sb_strdup(value);
	if (!h->name || !h->value) {
		sb_free(h->name);
		sb_free(h->value);
		sb_free(h);
		return ENOMEM;
	}
	/* keep the order of addition */
	struct hdr **pp = &req->hdrs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = h;
	return 0;
}

/* --- streams --- */

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct http_stream *st = cls;
	if (st->ending)
		return MHD_CONTENT_READER_END_OF_STREAM;
	ssize_t n = st->read(st->arg, buf, max);
	if (n < 0) {
		st->ending = true;
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (n == 0) {
		st->suspended = true;
		MHD_suspend_connection(st->conn);
		return 0;
	}
	return n;
}

static void stream_free(void *cls)
{
	struct http_stream *st = cls;
	dlist_unlink(&st->le);
	if (st->release)
		st->release(st->arg);
	sb_free(st);
}

int http_reply_stream(struct http_req *req, int status, const char *content_type,
		      http_stream_read_h *read, http_stream_release_h *release, void *arg,
		      struct http_stream **stp)
{
	struct http_server *s = req->srv;
	struct http_stream *st = sb_zalloc(sizeof(*st));
	if (!st)
		return ENOMEM;
	st->srv = s;
	st->conn = req->conn;
	st->read = read;
	st->arg = arg;
	dlist_init(&st->le);
	struct MHD_Response *resp =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
	if (!resp) {
		sb_free(st);
		return ENOMEM;
	}
	/* from here on, release runs when libmicrohttpd lets go of the response */
	st->release = release;
	dlist_append(&s->streams, &st->le);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	*stp = st;
	set_reply(req, (unsigned)status, resp);
	return 0;
}

void http_stream_wake(struct http_stream *st)
{
	if (!st || !st->suspended)
		return;
	st->suspended = false;
	MHD_resume_connection(st->conn);
	kick(st->srv);
}

void http_stream_end(struct http_stream *st)
{
	if (!st)
		return;
	st->ending = true;
	http_stream_wake(st);
}

/* --- dispatch --- */

static const char *hdr(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static void add_allow(struct http_req *req, unsigned allow)
{
	char buf[64] = "";
	size_t o = 0;
	for (unsigned m = HTTP_GET; m <= HTTP_DELETE; m <<= 1) {
		if (!(allow & m))
			continue;
		int n =
		    snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? ", " : "", http_method_name(m));
		if (n > 0 && (size_t)n < sizeof(buf) - o)
			o += (size_t)n;
	}
	if (allow & HTTP_GET && o + 6 < sizeof(buf))
		snprintf(buf + o, sizeof(buf) - o, ", HEAD");
	http_req_add_header(req, "Allow", buf);
}

static void roles_text(uint32_t roles, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (unsigned r = 0; r < ROLE_COUNT; r++) {
		if (!(roles & ROLE_BIT(r)))
			continue;
		int n = snprintf(out + o, len - o, "%s%s", o ? ", " : "", role_name(r));
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
}

static void dispatch(struct http_req *req)
{
	struct http_server *s = req->srv;
	if (s->closing) {
		req->close = true;
		http_reply_error(req, 503, "shutting_down", "the server is shutting down");
		return;
	}
	int e = router_match(s->router, req->method, req->path, &req->match);
	if (e == ENOENT) {
		http_reply_error(req, 404, "not_found", "no such path");
		return;
	}
	if (e == EPERM) {
		add_allow(req, req->match.allow);
		http_reply_error(req, 405, "method_not_allowed",
				 "this path does not take that method");
		return;
	}
	const struct http_route *rt = req->match.route;
	for (unsigned i = 0; i < req->match.n; i++) {
		req->params[i] = sb_strndup(req->match.p[i].val, req->match.p[i].val_len);
		if (!req->params[i]) {
			http_reply_error(req, 500, "internal", "out of memory");
			return;
		}
	}
	if (s->auth.identify)
		s->auth.identify(s->auth.arg, req);
	if (rt->roles) {
		if (!req->user) {
			http_req_add_header(req, "WWW-Authenticate",
					    "Bearer realm=\"switchboard\"");
			http_reply_error(req, 401, "unauthenticated",
					 "log in first (session cookie or bearer token)");
			return;
		}
		if (!(rt->roles & ROLE_BIT(req->user->role))) {
			char who[128];
			roles_text(rt->roles, who, sizeof(who));
			http_reply_error(req, 403, "forbidden", "this needs the role %s", who);
			return;
		}
	}
	enum http_csrf c = HTTP_CSRF_OK;
	if (req->method != HTTP_GET) /* reads are never refused: skip the header look-ups */
		c = http_csrf_check(req->method, req->via, hdr(req, "X-CSRF-Token"), req->csrf,
				    hdr(req, "Origin"), hdr(req, "Sec-Fetch-Site"),
				    s->tls_cert != NULL, hdr(req, "Host"));
	if (c != HTTP_CSRF_OK) {
		http_reply_error(req, 403, "csrf", "%s", http_csrf_text(c));
		return;
	}
	if (rt->request_schema) {
		if (req->body.len == 0) {
			if (!(rt->flags & HTTP_ROUTE_BODY_OPTIONAL)) {
				http_reply_error(req, 400, "invalid_json",
						 "empty body: a JSON object is expected");
				return;
			}
		} else {
			if (!http_is_json_type(hdr(req, "Content-Type"))) {
				http_reply_error(req, 415, "unsupported_media_type",
						 "the body must be application/json (UTF-8)");
				return;
			}
			struct json_err je;
			int pe = json_parse(req->body.p, req->body.len, &req->json, &je);
			if (pe == ENOMEM) {
				http_reply_error(req, 500, "internal", "out of memory");
				return;
			}
			if (pe) {
				http_reply_error(
				    req, 400, "invalid_json",
				    "invalid JSON at line %u, column %u (byte %zu): %s", je.line,
				    je.col, je.offset, je.msg);
				return;
			}
			if (!cJSON_IsObject(req->json)) {
				http_reply_error(req, 422, "invalid_field",
						 "the body must be a JSON object");
				return;
			}
		}
	}
	rt->h(req, rt->arg);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	(void)version;
	struct http_server *s = cls;
	struct http_req *req = *con_cls;
	if (!req) {
		/* first call: headers only. Replying now would cost keep-alive (0.9.75) */
		req = req_new(s, c, url, method);
		if (!req)
			return MHD_NO;
		*con_cls = req;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl) {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(cl, &end, 10);
			/* a declared body far beyond the limit is refused without reading it */
			if (errno || *end || n > (unsigned long long)s->cfg.max_body * 16) {
				req->close = true;
				http_reply_error(req, 413, "too_large",
						 "the body exceeds %zu bytes", s->cfg.max_body);
				return queue_reply(req);
			}
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (req->state != R_OPEN) {
			*upload_size = 0; /* already answered: discard */
			return MHD_YES;
		}
		size_t n = *upload_size;
		*upload_size = 0;
		if (req->body_too_large || req->body.len + n > s->cfg.max_body) {
			/* keep reading (and dropping) so that the 413 reaches the client cleanly */
			req->body_too_large = true;
			http_buf_free(&req->body);
			req->body.len = 0;
			return MHD_YES;
		}
		if (http_buf_add(&req->body, upload, n) != 0) {
			req->close = true;
			http_reply_error(req, 500, "internal", "out of memory");
			return queue_reply(req);
		}
		return MHD_YES;
	}
	switch (req->state) {
	case R_REPLIED:
		return queue_reply(req);
	case R_SENT:
		return MHD_YES;
	case R_SUSPENDED:
		/* cannot happen: a suspended request is resumed only with its reply */
		return MHD_YES;
	case R_OPEN:
		break;
	}
	if (req->body_too_large)
		http_reply_error(req, 413, "too_large", "the body exceeds %zu bytes",
				 s->cfg.max_body);
	else
		dispatch(req);
	if (req->state == R_REPLIED)
		return queue_reply(req);
	/* the handler will answer later */
	req->state = R_SUSPENDED;
	dlist_append(&s->suspended, &req->le);
	MHD_suspend_connection(c);
	return MHD_YES;
}

/* --- request accessors --- */

uint64_t http_req_id(const struct http_req *req)
{
	return req->id;
}

struct http_server *http_req_server(const struct http_req *req)
{
	return req->srv;
}

unsigned http_req_method(const struct http_req *req)
{
	return req->method;
}

const char *http_req_path(const struct http_req *req)
{
	return req->path;
}

const char *http_req_header(const struct http_req *req, const char *name)
{
	return hdr(req, name);
}

const char *http_req_query(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_param(const struct http_req *req, const char *name)
{
	for (unsigned i = 0; i < req->match.n; i++)
		if (strcmp(req->match.p[i].name, name) == 0)
			return req->params[i];
	return NULL;
}

uint64_t http_req_param_u64(const struct http_req *req, const char *name)
{
	const char *v = http_req_param(req, name);
	if (!v || !*v)
		return 0;
	uint64_t n = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		unsigned d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return 0;
		n = n * 10 + d;
	}
	return n;
}

const char *http_req_addr(const struct http_req *req)
{
	struct http_req *r = (struct http_req *)req; /* filled on first use */
	if (r->addr[0])
		return r->addr;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET) {
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				  r->addr, sizeof(r->addr));
		} else if (sa->sa_family == AF_INET6) {
			const struct in6_addr *a6 =
			    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
			if (IN6_IS_ADDR_V4MAPPED(a6))
				inet_ntop(AF_INET, &a6->s6_addr[12], r->addr, sizeof(r->addr));
			else
				inet_ntop(AF_INET6, a6, r->addr, sizeof(r->addr));
		}
	}
	if (!r->addr[0])
		snprintf(r->addr, sizeof(r->addr), "unknown");
	return r->addr;
}

bool http_req_tls(const struct http_req *req)
{
	return req->srv->tls_cert != NULL;
}

const cJSON *http_req_json(const struct http_req *req)
{
	return req->json;
}

void http_req_set_auth(struct http_req *req, const struct user *u, enum http_authvia via,
		       uint64_t session_id, const char *csrf)
{
	req->user = u;
	req->user_id = u ? u->id : 0;
	req->via = u ? via : HTTP_AUTH_NONE;
	req->session_id = session_id;
	sb_free(req->csrf);
	req->csrf = csrf ? sb_strdup(csrf) : NULL;
}

const struct user *http_req_user(const struct http_req *req)
{
	return req->user;
}

uint64_t http_req_user_id(const struct http_req *req)
{
	return req->user_id;
}

enum http_authvia http_req_authvia(const struct http_req *req)
{
	return req->via;
}

uint64_t http_req_session_id(const struct http_req *req)
{
	return req->session_id;
}

/* --- the server --- */

static void collect_requests(struct metrics_out *out, void *arg)
{
	const struct http_server *s = arg;
	for (unsigned st = 100; st < MAX_STATUS; st++) {
		if (!s->counts[st])
			continue;
		char code[8];
		snprintf(code, sizeof(code), "%u", st);
		metrics_sample(out, (double)s->counts[st], "code", code, NULL);
	}
}

static void collect_connections(struct metrics_out *out, void *arg)
{
	metrics_sample(out, http_server_connections(arg), NULL);
}

static void collect_inflight(struct metrics_out *out, void *arg)
{
	const struct http_server *s = arg;
	metrics_sample(out, s->nreqs, NULL);
}

int http_server_alloc(struct http_server **sp, const struct http_config *cfg, struct metrics *m)
{
	if (!cfg || !cfg->addr || cfg->max_connections == 0 || cfg->max_body == 0 ||
	    (!cfg->tls_cert != !cfg->tls_key))
		return EINVAL;
	struct http_server *s = sb_zalloc(sizeof(*s));
	if (!s)
		return ENOMEM;
	s->cfg = *cfg;
	s->epfd = -1;
	idmap_init(&s->pending);
	dlist_init(&s->suspended);
	dlist_init(&s->streams);
	int err = ENOMEM;
	if (evl_timer_alloc(&s->tmr) || evl_timer_alloc(&s->drain))
		goto out;
	s->addr = sb_strdup(cfg->addr);
	s->title = sb_strdup(cfg->api_title ? cfg->api_title : "switchboard");
	s->version = sb_strdup(cfg->api_version ? cfg->api_version : "0");
	if (!s->addr || !s->title || !s->version)
		goto out;
	if (cfg->tls_cert) {
		s->tls_cert = sb_strdup(cfg->tls_cert);
		s->tls_key = sb_strdup(cfg->tls_key);
		if (!s->tls_cert || !s->tls_key)
			goto out;
	}
	if ((err = router_alloc(&s->router)))
		goto out;
	if (m) {
		if ((err = metrics_register(m, "sb_http_requests_total",
					    "HTTP requests answered, by status code",
					    METRICS_COUNTER, collect_requests, s)) ||
		    (err = metrics_register(m, "sb_http_connections", "Open HTTP connections",
					    METRICS_GAUGE, collect_connections, s)) ||
		    (err = metrics_register(m, "sb_http_requests_in_flight",
					    "HTTP requests received and not yet completed",
					    METRICS_GAUGE, collect_inflight, s)))
			goto out;
	}
	*sp = s;
	return 0;
out:
	http_server_free(s);
	return err;
}

void http_server_set_auth(struct http_server *s, const struct http_auth_hook *hook)
{
	if (hook)
		s->auth = *hook;
	else
		memset(&s->auth, 0, sizeof(s->auth));
}

int http_server_route(struct http_server *s, const struct http_route *r)
{
	int err = router_add(s->router, r);
	if (!err) {
		sb_free(s->openapi);
		s->openapi = NULL;
	}
	return err;
}

unsigned http_server_route_count(const struct http_server *s)
{
	return router_count(s->router);
}

const struct http_route *http_server_route_at(const struct http_server *s, unsigned i)
{
	return router_at(s->router, i);
}

const char *http_server_openapi(struct http_server *s)
{
	if (s->openapi)
		return s->openapi;
	cJSON *doc;
	if (router_openapi(s->router, s->title, s->version, role_name, &doc) != 0)
		return NULL;
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (!text)
		return NULL;
	s->openapi = sb_strdup(text);
	cJSON_free(text);
	return s->openapi;
}

int http_server_start(struct http_server *s)
{
	if (s->d)
		return EALREADY;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	unsigned flags =
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, s->addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(s->cfg.port);
	} else if (inet_pton(AF_INET6, s->addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(s->cfg.port);
		flags |= MHD_USE_IPv6;
	} else {
		return EINVAL;
	}
	if (s->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
			return ENOTSUP;
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[] = {
	    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log,
	     NULL}, /* first, or early messages miss it */
	    {MHD_OPTION_SOCK_ADDR, 0, &ss},
	    {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->cfg.max_connections, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.idle_timeout_s, NULL},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
	    {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
	    /* libmicrohttpd clears a connection's memory pool for every request: keep it small
	       (request headers and our reply headers; bodies live in their own buffers) */
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 16 * 1024, NULL},
	    {s->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert},
	    {s->tls_cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, s->tls_key},
	    {MHD_OPTION_END, 0, NULL},
	};
	errno = 0;
	s->d = MHD_start_daemon(flags, s->cfg.port, NULL, NULL, on_access, s, MHD_OPTION_ARRAY,
				opts, MHD_OPTION_END);
	if (!s->d)
		return errno ? errno : EPROTO;
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!di || di->epoll_fd < 0) {
		MHD_stop_daemon(s->d);
		s->d = NULL;
		return EPROTO;
	}
	s->epfd = di->epoll_fd;
	int err = evl_fd_listen(&s->epw, s->epfd, on_fd, s);
	if (err) {
		MHD_stop_daemon(s->d);
		s->d = NULL;
		s->epfd = -1;
		return err;
	}
	const union MHD_DaemonInfo *pi = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (pi)
		s->cfg.port = pi->port;
	rearm(s);
	return 0;
}

uint16_t http_server_port(const struct http_server *s)
{
	return s->cfg.port;
}

bool http_server_tls(const struct http_server *s)
{
	return s->tls_cert != NULL;
}

unsigned http_server_connections(const struct http_server *s)
{
	if (!s->d)
		return 0;
	const union MHD_DaemonInfo *di =
	    MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di ? di->num_connections : 0;
}

uint64_t http_server_requests(const struct http_server *s, unsigned status)
{
	return status < MAX_STATUS ? s->counts[status] : 0;
}

struct http_req *http_server_req_find(struct http_server *s, uint64_t id)
{
	return id ? idmap_get(&s->pending, id) : NULL;
}

/* Answers every suspended request with 503 and ends every stream. */
static void cancel_all(struct http_server *s)
{
	while (!dlist_empty(&s->suspended)) {
		struct http_req *req = (struct http_req *)((char *)dlist_first(&s->suspended) -
							   offsetof(struct http_req, le));
		req->close = true;
		http_reply_error(req, 503, "shutting_down", "the server is shutting down");
	}
	dlist_for_each(it, &s->streams)
	{
		struct http_stream *st = (struct http_stream *)it;
		st->ending = true;
		http_stream_wake(st);
	}
}

static void drain_check(void *arg)
{
	struct http_server *s = arg;
	s->drain_left_ms -= 10;
	/* done when every request that got an answer has sent it; bodies still arriving are dropped
	 */
	if (s->nreqs == s->nopen || s->drain_left_ms <= 0) {
		void (*done)(void *) = s->done;
		s->done = NULL;
		if (done)
			done(s->done_arg);
		return;
	}
	evl_timer_start(s->drain, 10, drain_check, s);
}

void http_server_shutdown(struct http_server *s, int64_t grace_ms, void (*done)(void *arg),
			  void *arg)
{
	s->closing = true;
	s->done = done;
	s->done_arg = arg;
	s->drain_left_ms = grace_ms;
	if (s->d) {
		MHD_socket lfd = MHD_quiesce_daemon(s->d);
		if (lfd != MHD_INVALID_SOCKET)
			close(lfd);
	}
	cancel_all(s);
	evl_timer_start(s->drain, 0, drain_check, s);
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	evl_timer_cancel(s->drain);
	s->closing = true;
	if (s->d) {
		cancel_all(s);
		evl_fd_close(s->epw);
		s->epw = NULL;
		evl_timer_cancel(s->tmr);
		MHD_run(s->d);
		MHD_stop_daemon(s->d); /* completes every request: on_completed frees them */
		s->d = NULL;
	}
	evl_timer_free(s->tmr);
	evl_timer_free(s->drain);
	idmap_release(&s->pending);
	router_free(s->router);
	sb_free(s->openapi);
	sb_free(s->addr);
	sb_free(s->title);
	sb_free(s->version);
	if (s->tls_key) {
		memset(s->tls_key, 0, strlen(s->tls_key));
		sb_free(s->tls_key);
	}
	sb_free(s->tls_cert);
	sb_free(s);
}
