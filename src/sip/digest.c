/* digest: HTTP digest authentication for SIP (see digest.h). */
#include "sip/digest.h"
#include "base/mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <re_types.h>
#include <re_md5.h>
#include <sodium.h>

static bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_token(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("-.!%*_+`'~", c) != NULL;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !strncasecmp(name, want, len);
}

enum field {
	F_USERNAME,
	F_REALM,
	F_NONCE,
	F_URI,
	F_RESPONSE,
	F_ALGORITHM,
	F_CNONCE,
	F_QOP,
	F_NC,
	F_OPAQUE,
	F_COUNT,
};

static char *field_buf(struct digest_cred *c, enum field f, size_t *size)
{
	switch (f) {
	case F_USERNAME:
		*size = sizeof(c->username);
		return c->username;
	case F_REALM:
		*size = sizeof(c->realm);
		return c->realm;
	case F_NONCE:
		*size = sizeof(c->nonce);
		return c->nonce;
	case F_URI:
		*size = sizeof(c->uri);
		return c->uri;
	case F_RESPONSE:
		*size = sizeof(c->response);
		return c->response;
	case F_ALGORITHM:
		*size = sizeof(c->algorithm);
		return c->algorithm;
	case F_CNONCE:
		*size = sizeof(c->cnonce);
		return c->cnonce;
	case F_QOP:
		*size = sizeof(c->qop);
		return c->qop;
	case F_NC:
		*size = sizeof(c->nc);
		return c->nc;
	case F_OPAQUE:
		*size = sizeof(c->opaque);
		return c->opaque;
	default:
		return NULL; /* cannot happen */
	}
}

static int field_of(const char *name, size_t len)
{
	static const char *const names[F_COUNT] = {"username", "realm",	 "nonce", "uri", "response",
						   "algorithm", "cnonce", "qop",   "nc",  "opaque"};
	for (int f = 0; f < F_COUNT; f++)
		if (name_is(name, len, names[f]))
			return f;
	return -1;
}

int digest_parse(struct digest_cred *c, const char *p, size_t n)
{
	size_t i = 0;
	unsigned seen = 0;

	memset(c, 0, sizeof(*c));
	while (i < n && is_lws(p[i]))
		i++;
	size_t s = i;
	while (i < n && is_token(p[i]))
		i++;
	if (!name_is(p + s, i - s, "Digest"))
		return i > s ? EPROTONOSUPPORT : EBADMSG;
	if (i >= n || !is_lws(p[i]))
		return EBADMSG;

	for (;;) {
		while (i < n && (is_lws(p[i]) || p[i] == ','))
			i++;
		if (i >= n)
			break;
		size_t ns = i;
		while (i < n && is_token(p[i]))
			i++;
		size_t nlen = i - ns;
		if (!nlen)
			return EBADMSG;
		while (i < n && is_lws(p[i]))
			i++;
		if (i >= n || p[i] != '=')
			return EBADMSG;
		i++;
		while (i < n && is_lws(p[i]))
			i++;
		if (i >= n)
			return EBADMSG;

		int f = field_of(p + ns, nlen);
		char scratch[2];
		size_t size = sizeof(scratch);
		char *dst = scratch;
		if (f >= 0) {
			if (seen & (1u << f))
				return EBADMSG;
			seen |= 1u << f;
			dst = field_buf(c, (enum field)f, &size);
		}
		size_t o = 0;
		bool keep = f >= 0;
		if (p[i] == '"') {
			i++;
			for (;;) {
				if (i >= n)
					return EBADMSG;
				char ch = p[i++];
				if (ch == '"')
					break;
				if (ch == '\r' || ch == '\n' || ch == '\0')
					return EBADMSG;
				if (ch == '\\') {
					if (i >= n || p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
						return EBADMSG;
					ch = p[i++];
				}
				if (keep) {
					if (o + 1 >= size)
						return EBADMSG;
					dst[o++] = ch;
				}
			}
		} else {
			size_t vs = i;
			while (i < n && is_token(p[i]))
				i++;
			if (i == vs)
				return EBADMSG;
			if (keep) {
				if (i - vs + 1 > size)
					return EBADMSG;
				memcpy(dst, p + vs, i - vs);
				o = i - vs;
			}
		}
		if (keep)
			dst[o] = '\0';
		while (i < n && is_lws(p[i]))
			i++;
		if (i < n && p[i] != ',')
			return EBADMSG;
	}

	const unsigned need =
		(1u << F_USERNAME) | (1u << F_REALM) | (1u << F_NONCE) | (1u << F_URI) | (1u << F_RESPONSE);
	if ((seen & need) != need)
		return EBADMSG;
	if (strlen(c->response) != 32)
		return EBADMSG;
	for (int k = 0; k < 32; k++)
		if (!is_hex(c->response[k]))
			return EBADMSG;
	if (c->qop[0]) {
		if (!c->cnonce[0] || strlen(c->nc) != 8)
			return EBADMSG;
		for (int k = 0; k < 8; k++)
			if (!is_hex(c->nc[k]))
				return EBADMSG;
	}
	return 0;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* MD5 of the parts joined with ':' (no separator before the first). */
static void md5_join(char out[33], const char *const *parts, size_t count)
{
	uint8_t md[16];
	char small[1024];
	size_t total = count;
	for (size_t i = 0; i < count; i++)
		total += strlen(parts[i]);
	char *buf = total <= sizeof(small) ? small : sb_alloc(total);
	if (!buf) {
		memset(out, 0, 33); /* out of memory: an empty digest matches nothing */
		return;
	}
	size_t o = 0;
	for (size_t i = 0; i < count; i++) {
		size_t l = strlen(parts[i]);
		if (i)
			buf[o++] = ':';
		memcpy(buf + o, parts[i], l);
		o += l;
	}
	md5((const uint8_t *)buf, o, md);
	if (buf != small)
		sb_free(buf);
	hex(out, md, sizeof(md));
}

void digest_ha1(char out[33], const char *user, const char *realm, const char *password)
{
	const char *parts[] = {user, realm, password};
	md5_join(out, parts, 3);
}

void digest_response(char out[33], const char *ha1, const char *nonce, const char *nc,
		     const char *cnonce, const char *qop, const char *method, const char *uri)
{
	char ha2[33];
	const char *a2[] = {method, uri};
	md5_join(ha2, a2, 2);
	if (qop && qop[0]) {
		const char *parts[] = {ha1, nonce, nc, cnonce, qop, ha2};
		md5_join(out, parts, 6);
	} else {
		const char *parts[] = {ha1, nonce, ha2};
		md5_join(out, parts, 3);
	}
}

int digest_verify(const struct digest_cred *c, const char *ha1, const char *method)
{
	if (c->algorithm[0] && strcasecmp(c->algorithm, "MD5"))
		return EACCES;
	if (c->qop[0] && strcasecmp(c->qop, "auth"))
		return EACCES;
	char want[33], got[33];
	digest_response(want, ha1, c->nonce, c->nc, c->cnonce, c->qop[0] ? "auth" : NULL, method,
			c->uri);
	for (int i = 0; i < 32; i++) {
		char ch = c->response[i];
		got[i] = (ch >= 'A' && ch <= 'F') ? (char)(ch - 'A' + 'a') : ch;
	}
	got[32] = '\0';
	return sodium_memcmp(want, got, 32) == 0 ? 0 : EACCES;
}

static void nonce_mac(char out[33], const uint8_t key[DIGEST_KEY_LEN], const char time_hex[8],
		      const void *bind, size_t bind_len)
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_init(&st, key, DIGEST_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)time_hex, 8);
	crypto_auth_hmacsha256_update(&st, bind, bind_len);
	crypto_auth_hmacsha256_final(&st, mac);
	hex(out, mac, 16);
}

void digest_nonce_make(char out[DIGEST_NONCE_LEN + 1], const uint8_t key[DIGEST_KEY_LEN],
		       uint32_t now_s, const void *bind, size_t bind_len)
{
	snprintf(out, 9, "%08x", now_s);
	nonce_mac(out + 8, key, out, bind, bind_len);
}

int digest_nonce_check(const char *nonce, const uint8_t key[DIGEST_KEY_LEN], uint32_t now_s,
		       uint32_t ttl_s, const void *bind, size_t bind_len)
{
	if (strlen(nonce) != DIGEST_NONCE_LEN)
		return EINVAL;
	uint32_t t = 0;
	for (int i = 0; i < 8; i++) {
		char ch = nonce[i];
		if (ch >= '0' && ch <= '9')
			t = t * 16 + (uint32_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			t = t * 16 + (uint32_t)(ch - 'a' + 10);
		else
			return EINVAL;
	}
	char mac[33];
	nonce_mac(mac, key, nonce, bind, bind_len);
	if (sodium_memcmp(mac, nonce + 8, 32) != 0)
		return EINVAL;
	if (t > now_s)
		return EINVAL;
	return now_s - t >= ttl_s ? ETIMEDOUT : 0;
}
