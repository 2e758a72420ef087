/* http util: header parsing, CSRF decisions and small buffers (see util.h). */
#include "http/util.h"
#include "base/mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

unsigned http_method_parse(const char *name)
{
	if (!name)
		return 0;
	if (strcmp(name, "GET") == 0 || strcmp(name, "HEAD") == 0)
		return HTTP_GET;
	if (strcmp(name, "POST") == 0)
		return HTTP_POST;
	if (strcmp(name, "PUT") == 0)
		return HTTP_PUT;
	if (strcmp(name, "PATCH") == 0)
		return HTTP_PATCH;
	if (strcmp(name, "DELETE") == 0)
		return HTTP_DELETE;
	return 0;
}

const char *http_method_name(unsigned method)
{
	switch (method) {
	case HTTP_GET:
		return "GET";
	case HTTP_POST:
		return "POST";
	case HTTP_PUT:
		return "PUT";
	case HTTP_PATCH:
		return "PATCH";
	case HTTP_DELETE:
		return "DELETE";
	default:
		return "?";
	}
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

static bool is_token_char(unsigned char c)
{
	/* RFC 6265 cookie-name: a token; be lenient about everything but separators we split on */
	return c > 0x20 && c < 0x7f && c != '=' && c != ';' && c != ',';
}

int http_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	if (!header || !name || !*name || !out || outlen == 0)
		return EINVAL;
	size_t nlen = strlen(name);
	const char *p = header;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (!*p)
			return ENOENT;
		const char *k = p;
		while (is_token_char((unsigned char)*p))
			p++;
		size_t klen = (size_t)(p - k);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=') {
			/* a pair without '=': skip it */
			while (*p && *p != ';')
				p++;
			continue;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *v = p;
		while (*p && *p != ';')
			p++;
		const char *vend = p;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		if (klen != nlen || memcmp(k, name, nlen) != 0)
			continue;
		if (vend - v >= 2 && v[0] == '"' && vend[-1] == '"') {
			v++;
			vend--;
		} else if (vend > v && (v[0] == '"' || vend[-1] == '"')) {
			return EBADMSG;
		}
		size_t vlen = (size_t)(vend - v);
		if (vlen + 1 > outlen)
			return ENOSPC;
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		return 0;
	}
}

const char *http_bearer_token(const char *authorization, size_t *len)
{
	if (!authorization)
		return NULL;
	const char *p = authorization;
	while (*p == ' ')
		p++;
	if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return NULL;
	p += 6;
	while (*p == ' ' || *p == '\t')
		p++;
	const char *e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e == p)
		return NULL;
	for (const char *q = p; q < e; q++)
		if (*q == ' ' || *q == '\t' || *q == ',')
			return NULL;
	if (len)
		*len = (size_t)(e - p);
	return p;
}

bool http_is_json_type(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, "application/json", 16) != 0)
		return false;
	const char *p = ct + 16;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return true;
	if (*p != ';')
		return false;
	/* parameters: only charset=utf-8 is meaningful; refuse any other charset */
	while (*p == ';') {
		p++;
		while (*p == ' ')
			p++;
		const char *k = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		size_t klen = (size_t)(p - k);
		const char *v = NULL;
		size_t vlen = 0;
		if (*p == '=') {
			v = ++p;
			while (*p && *p != ';')
				p++;
			vlen = (size_t)(p - v);
			while (vlen && v[vlen - 1] == ' ')
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
		}
		if (klen == 7 && strncasecmp(k, "charset", 7) == 0) {
			if (!v || vlen != 5 || strncasecmp(v, "utf-8", 5) != 0)
				return false;
		}
	}
	return *p == '\0';
}

bool http_origin_matches(const char *origin, bool tls, const char *host)
{
	if (!origin || !host || !*host)
		return false;
	const char *scheme = tls ? "https://" : "http://";
	size_t sl = strlen(scheme);
	if (strncasecmp(origin, scheme, sl) != 0)
		return false;
	const char *o = origin + sl;
	size_t ol = strlen(o);
	if (ol && o[ol - 1] == '/')
		ol--;
	size_t hl = strlen(host);
	if (ol != hl)
		return false;
	/* host names are case-insensitive; ports are digits */
	return strncasecmp(o, host, hl) == 0;
}

bool http_streq_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	unsigned char d = 0;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

enum http_csrf http_csrf_check(unsigned method, enum http_authvia via, const char *header_token,
			       const char *session_token, const char *origin,
			       const char *sec_fetch_site, bool tls, const char *host)
{
	if (method == HTTP_GET)
		return HTTP_CSRF_OK;
	if (via == HTTP_AUTH_BEARER)
		return HTTP_CSRF_OK;
	if (sec_fetch_site && strcasecmp(sec_fetch_site, "cross-site") == 0)
		return HTTP_CSRF_CROSS_SITE;
	if (origin && !http_origin_matches(origin, tls, host))
		return HTTP_CSRF_BAD_ORIGIN;
	if (via == HTTP_AUTH_COOKIE) {
		if (!header_token || !*header_token)
			return HTTP_CSRF_NO_TOKEN;
		if (!session_token || !http_streq_ct(header_token, session_token))
			return HTTP_CSRF_BAD_TOKEN;
	}
	return HTTP_CSRF_OK;
}

const char *http_csrf_text(enum http_csrf c)
{
	switch (c) {
	case HTTP_CSRF_OK:
		return "ok";
	case HTTP_CSRF_NO_TOKEN:
		return "missing X-CSRF-Token header (required with cookie authentication)";
	case HTTP_CSRF_BAD_TOKEN:
		return "X-CSRF-Token does not match the session";
	case HTTP_CSRF_BAD_ORIGIN:
		return "Origin is not this server";
	case HTTP_CSRF_CROSS_SITE:
		return "cross-site request refused";
	}
	return "?";
}

int http_buf_add(struct http_buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *p = sb_realloc(b->p, cap);
		if (!p)
			return ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int http_buf_printf(struct http_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return EINVAL;
	if ((size_t)n < sizeof(small))
		return http_buf_add(b, small, (size_t)n);
	char *big = sb_alloc((size_t)n + 1);
	if (!big)
		return ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int err = http_buf_add(b, big, (size_t)n);
	sb_free(big);
	return err;
}

void http_buf_free(struct http_buf *b)
{
	sb_free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
