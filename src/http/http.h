/* http: the HTTP adapter: libmicrohttpd in the libre loop, routes, replies, streams. */
#ifndef SB_HTTP_HTTP_H
#define SB_HTTP_HTTP_H

/*
 * Threading: everything here runs on the event-loop thread (libre re_main).
 * libmicrohttpd has no thread of its own: its epoll descriptor is watched by
 * the loop and MHD_run() is called on readiness and on a timer re-armed from
 * MHD_get_timeout().
 *
 * Request lifecycle: the server collects the body (413 beyond max_body),
 * finds the route (404 unknown path, 405 known path with another method),
 * identifies the caller through the auth hook, refuses unauthenticated (401)
 * or unauthorised (403) callers and cross-site writes (403), parses a JSON
 * body strictly (400 with the location of the problem, 415 when the body is
 * not JSON), then calls the route's handler. Every request gets exactly one
 * reply through one of the http_reply_* functions. A handler that returns
 * without replying has made the request asynchronous: the connection is
 * suspended until some later code on the loop thread replies (a storage
 * commit, a password check, a timer). Such code must keep the request's id
 * (http_req_id), not its pointer, and look it up with http_server_req_find()
 * when it completes: the request is gone when the server shut down meanwhile.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct http_server;
struct http_req;
struct http_stream;
struct user;
struct metrics;

enum http_method {
	HTTP_GET = 1u << 0,
	HTTP_POST = 1u << 1,
	HTTP_PUT = 1u << 2,
	HTTP_PATCH = 1u << 3,
	HTTP_DELETE = 1u << 4,
};

/* The route's handler. It replies now or later (see above); arg is the route's arg. */
typedef void(http_handler_h)(struct http_req *req, void *arg);

/* Route flags. */
enum {
	HTTP_ROUTE_BODY_OPTIONAL =
	    1u << 0, /* a JSON body may be absent (request_schema describes it when present) */
};

/*
 * One route. The server copies the struct; the strings it points to must
 * outlive the server (string literals, as routes are usually static).
 * `pattern` is a path with parameters: /api/v1/users/{id:int}/unlock.
 * {name} matches one non-empty segment, {name:int} one segment of decimal
 * digits (a positive 64-bit integer). `roles` is a mask of ROLE_BIT()s
 * (users.h); 0 makes the route public (no authentication).
 */
struct http_route {
	unsigned method; /* one enum http_method */
	const char *pattern;
	uint32_t roles;
	http_handler_h *h;
	void *arg;
	unsigned flags;
	/* OpenAPI: summary is required; schemas are JSON Schema text (NULL: none) */
	const char *summary;
	const char *tag;
	const char *request_schema;  /* the JSON body; NULL: the route takes no body */
	const char *response_schema; /* the success body; NULL: no body (or not JSON) */
	const char *response_type;   /* success media type; NULL: application/json */
	int status;		     /* success status; 0 means 200 */
	const char *errors;	     /* other documented statuses, e.g. "404 409" */
};

struct http_config {
	const char *addr;     /* numeric IPv4 or IPv6 address to bind */
	uint16_t port;	      /* 0: any free port (see http_server_port) */
	const char *tls_cert; /* PEM text of the certificate chain; NULL: plain HTTP */
	const char *tls_key;  /* PEM text of the private key */
	unsigned max_connections;
	size_t max_body;	 /* bytes; larger bodies get 413 */
	unsigned idle_timeout_s; /* idle keep-alive connections are closed after this */
	const char *api_title;	 /* OpenAPI info */
	const char *api_version;
};

void http_config_defaults(struct http_config *cfg);

/*
 * The auth hook: called for every routed request before the role check.
 * identify() looks at the request's credentials and calls http_req_set_auth()
 * when they are valid; it leaves the request anonymous otherwise. It must not
 * reply.
 */
enum http_authvia {
	HTTP_AUTH_NONE = 0,
	HTTP_AUTH_COOKIE, /* sent automatically by browsers: state changes need the CSRF token */
	HTTP_AUTH_BEARER, /* Authorization: Bearer: exempt from CSRF checks */
};

struct http_auth_hook {
	void (*identify)(void *arg, struct http_req *req);
	void *arg;
};

/* Allocates a server (not yet listening). Returns 0, EINVAL or ENOMEM. */
int http_server_alloc(struct http_server **sp, const struct http_config *cfg, struct metrics *m);
/* Frees the server: resumes what is suspended, stops libmicrohttpd, frees every request. */
void http_server_free(struct http_server *s);

void http_server_set_auth(struct http_server *s, const struct http_auth_hook *hook);

/*
 * Adds a route. Returns 0, EINVAL (bad pattern, missing summary or handler,
 * invalid schema JSON, bad error list) or EEXIST (same method and path).
 */
int http_server_route(struct http_server *s, const struct http_route *r);

/* Binds and starts serving from the loop. Returns 0 or an errno (EADDRINUSE, EACCES, EPROTO for TLS
 * setup ...). */
int http_server_start(struct http_server *s);
/* The bound port (useful after asking for port 0). */
uint16_t http_server_port(const struct http_server *s);
bool http_server_tls(const struct http_server *s);

/*
 * Graceful stop: stops accepting connections, answers every suspended
 * request with 503, ends every stream, then calls done(arg) on the loop
 * thread once no request is in flight (or after grace_ms).
 */
void http_server_shutdown(struct http_server *s, int64_t grace_ms, void (*done)(void *arg),
			  void *arg);

/* The suspended request with this id, or NULL when it was answered or dropped. */
struct http_req *http_server_req_find(struct http_server *s, uint64_t id);

/* Routes, in registration order (for listings and the OpenAPI document). */
unsigned http_server_route_count(const struct http_server *s);
const struct http_route *http_server_route_at(const struct http_server *s, unsigned i);

/* The OpenAPI 3 document of every route, as JSON text (owned by the server, rebuilt after route
 * changes). */
const char *http_server_openapi(struct http_server *s);

/* Counters. */
uint64_t http_server_requests(const struct http_server *s, unsigned status);
unsigned http_server_connections(const struct http_server *s);

/* --- the request --- */

uint64_t http_req_id(const struct http_req *req);
struct http_server *http_req_server(const struct http_req *req);
unsigned http_req_method(const struct http_req *req);
const char *http_req_path(const struct http_req *req);
/* A request header (case-insensitive name) or NULL. */
const char *http_req_header(const struct http_req *req, const char *name);
/* A query-string argument or NULL. */
const char *http_req_query(const struct http_req *req, const char *name);
/* A path parameter of the route's pattern, or NULL. */
const char *http_req_param(const struct http_req *req, const char *name);
/* An {x:int} parameter as a number; 0 when absent or out of range. */
uint64_t http_req_param_u64(const struct http_req *req, const char *name);
/* The client's address as text (no port). */
const char *http_req_addr(const struct http_req *req);
bool http_req_tls(const struct http_req *req);
/* The parsed JSON body, or NULL when the route takes none or it was absent. */
const cJSON *http_req_json(const struct http_req *req);

/*
 * Authentication, set by the auth hook. The user pointer is valid while the
 * handler runs; asynchronous code must look the user up again by id.
 * session_id names the hook's session behind the credentials, and csrf is
 * the token the hook expects in X-CSRF-Token for cookie requests (copied).
 */
void http_req_set_auth(struct http_req *req, const struct user *u, enum http_authvia via,
		       uint64_t session_id, const char *csrf);
const struct user *http_req_user(const struct http_req *req);
uint64_t http_req_user_id(const struct http_req *req);
enum http_authvia http_req_authvia(const struct http_req *req);
uint64_t http_req_session_id(const struct http_req *req);

/* Adds a header to the reply to come (Set-Cookie, Retry-After ...). Returns 0 or ENOMEM. */
int http_req_add_header(struct http_req *req, const char *name, const char *value);

/* --- replies: each request gets exactly one; afterwards the pointer must not be used --- */

/* JSON reply; takes ownership of body (may be NULL: replies "{}"). */
void http_reply_json(struct http_req *req, int status, cJSON *body);
/* {"error": {"code": code, "message": ...}} with the given status. */
void http_reply_error(struct http_req *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Raw bytes (copied). */
void http_reply_data(struct http_req *req, int status, const char *content_type, const void *data,
		     size_t len);
/* No body (204, or a status whose body does not matter). */
void http_reply_empty(struct http_req *req, int status);

/*
 * Streams (server-sent events): the reply's body comes from read(), called
 * whenever the connection can take more. read() returns the bytes it put in
 * buf (at most max), 0 when it has nothing now (the connection is suspended
 * until http_stream_wake), or -1 to end the stream. release(arg) runs once
 * when the connection is gone; the stream handle is invalid afterwards.
 */
typedef ssize_t(http_stream_read_h)(void *arg, char *buf, size_t max);
typedef void(http_stream_release_h)(void *arg);

int http_reply_stream(struct http_req *req, int status, const char *content_type,
		      http_stream_read_h *read, http_stream_release_h *release, void *arg,
		      struct http_stream **stp);
/* Makes the server ask read() again (resumes a suspended stream). */
void http_stream_wake(struct http_stream *st);
/* Ends the stream at the next read (read() is not asked again). */
void http_stream_end(struct http_stream *st);

/* --- JSON body helpers: on failure they reply 422 naming the field and return non-zero --- */

/* Every key of obj must be in allowed (NULL-terminated). */
int http_json_only(struct http_req *req, const cJSON *obj, const char *const *allowed);
/* A string member of 1..max_len bytes (max_len 0: no limit); ENOENT when absent and !required (no
 * reply). */
int http_json_str(struct http_req *req, const cJSON *obj, const char *key, bool required,
		  size_t max_len, const char **out);
int http_json_i64(struct http_req *req, const cJSON *obj, const char *key, bool required,
		  int64_t min, int64_t max, int64_t *out);
int http_json_bool(struct http_req *req, const cJSON *obj, const char *key, bool required,
		   bool *out);

#endif
