/* scan: raw SIP message framing and checks before parsing (see scan.h). */
#include "sip/scan.h"

#include <errno.h>
#include <string.h>

static bool is_lws(char c)
{
	return c == ' ' || c == '\t';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when line[0..len) names a Content-Length header; *val is where its value starts. */
static bool is_clen(const char *line, size_t len, size_t *val)
{
	static const char name[] = "content-length";
	size_t i = 0;
	if (len >= sizeof(name) - 1) {
		size_t k = 0;
		while (k < sizeof(name) - 1 && lower(line[k]) == name[k])
			k++;
		if (k == sizeof(name) - 1)
			i = k;
	}
	if (!i && len >= 1 && lower(line[0]) == 'l')
		i = 1;
	if (!i)
		return false;
	while (i < len && is_lws(line[i]))
		i++;
	if (i >= len || line[i] != ':')
		return false;
	*val = i + 1;
	return true;
}

/* Reads a Content-Length value (LWS, digits, LWS). Returns -1 when it is not one. */
static long clen_value(const char *v, size_t len)
{
	size_t i = 0;
	long x = 0;
	while (i < len && is_lws(v[i]))
		i++;
	if (i == len)
		return -1;
	size_t digits = 0;
	while (i < len && v[i] >= '0' && v[i] <= '9') {
		if (x > SIPSCAN_CLEN_MAX / 10)
			return -1;
		x = x * 10 + (v[i] - '0');
		if (x > SIPSCAN_CLEN_MAX)
			return -1;
		i++;
		digits++;
	}
	while (i < len && (is_lws(v[i]) || v[i] == '\r'))
		i++;
	if (!digits || i != len)
		return -1;
	return x;
}

/* Control characters other than HT (a CR here is one not followed by LF). */
static bool bad_byte(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

int sipscan_head(const char *p, size_t n, struct sipscan *out)
{
	memset(out, 0, sizeof(*out));
	out->clen = -1;

	size_t i = 0;
	while (i < n && (p[i] == '\r' || p[i] == '\n'))
		i++;
	out->start = i;
	if (i == n)
		return ENODATA;

	bool first = true; /* the start line */
	bool folded_clen = false;
	size_t line = i;
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		if (!nl)
			return EAGAIN;
		size_t end = (size_t)(nl - p); /* index of '\n' */
		size_t len = end - line;
		if (len && p[end - 1] == '\r')
			len--;
		for (size_t k = line; k < line + len; k++)
			if (bad_byte((unsigned char)p[k]))
				out->bad_bytes = true;
		if (!len && !first) {
			out->head_end = end + 1;
			return 0;
		}
		if (!first) {
			if (is_lws(p[line])) {
				/* continuation of the previous field */
				if (folded_clen)
					out->bad_clen = true;
			} else {
				size_t v;
				out->headers++;
				folded_clen = false;
				if (is_clen(p + line, len, &v)) {
					long x = clen_value(p + line + v, len - v);
					if (x < 0 || (out->clen >= 0 && out->clen != x))
						out->bad_clen = true;
					else
						out->clen = x;
					folded_clen = true;
				}
			}
		}
		first = false;
		i = end + 1;
		line = i;
	}
	return EAGAIN;
}

bool sipscan_addr_ok(const char *p, size_t n)
{
	bool quoted = false;
	int open = 0, close = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (quoted) {
			if (c == '\\') {
				if (++i >= n)
					return false;
			} else if (c == '"') {
				quoted = false;
			}
			continue;
		}
		if (c == '"') {
			if (open && !close)
				return false; /* a quote inside the URI */
			quoted = true;
		} else if (c == '<') {
			if (open++)
				return false;
		} else if (c == '>') {
			if (!open || close++)
				return false;
		}
	}
	return !quoted && open == close;
}
