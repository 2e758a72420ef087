/* http util: header helpers (cookies, bearer, origins, media types), CSRF decisions. */
#ifndef SB_HTTP_UTIL_H
#define SB_HTTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

/* Parses a method name; 0 when unknown. HEAD is routed as GET. */
unsigned http_method_parse(const char *name);
const char *http_method_name(unsigned method);
/* Reason phrase of a status ("Not Found"); "Unknown" for others. */
const char *http_status_text(int status);

/*
 * Finds cookie `name` in a Cookie header ("a=1; b=2"). Returns 0 with the
 * value copied to out (NUL-terminated), ENOENT when absent, ENOSPC when the
 * value does not fit, EBADMSG when the header is malformed around it.
 * Surrounding double quotes are removed.
 */
int http_cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* The token of an "Authorization: Bearer <token>" header (scheme case-insensitive), or NULL. */
const char *http_bearer_token(const char *authorization, size_t *len);

/* True when the Content-Type is application/json (parameters allowed, charset must be utf-8 if
 * given). */
bool http_is_json_type(const char *content_type);

/* True when `origin` ("https://host:port") equals scheme://host (host as in the Host header). */
bool http_origin_matches(const char *origin, bool tls, const char *host);

enum http_csrf {
	HTTP_CSRF_OK = 0,
	HTTP_CSRF_NO_TOKEN,   /* cookie-authenticated write without X-CSRF-Token */
	HTTP_CSRF_BAD_TOKEN,  /* X-CSRF-Token differs from the session's */
	HTTP_CSRF_BAD_ORIGIN, /* Origin present and not this server */
	HTTP_CSRF_CROSS_SITE, /* Sec-Fetch-Site: cross-site */
};

/*
 * Whether a request may proceed, as far as cross-site request forgery goes.
 * Safe methods (GET) always may. Writes authenticated by cookie must carry
 * the session's token; writes by bearer token are exempt (browsers never add
 * that header by themselves); every other write (anonymous: login) must at
 * least not come from another origin. Arguments may be NULL when the
 * header is absent.
 */
enum http_csrf http_csrf_check(unsigned method, enum http_authvia via, const char *header_token,
			       const char *session_token, const char *origin,
			       const char *sec_fetch_site, bool tls, const char *host);
const char *http_csrf_text(enum http_csrf c);

/* Constant-time string equality (length may leak). */
bool http_streq_ct(const char *a, const char *b);

/* Appends to a growable buffer (sb_realloc); returns 0 or ENOMEM. */
struct http_buf {
	char *p;
	size_t len, cap;
};
int http_buf_add(struct http_buf *b, const void *data, size_t len);
int http_buf_printf(struct http_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void http_buf_free(struct http_buf *b);

#endif
