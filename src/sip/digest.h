/* digest: HTTP digest authentication for SIP (RFC 2617 / 7616 MD5): credentials parsing, responses, nonces. */
#ifndef SB_SIP_DIGEST_H
#define SB_SIP_DIGEST_H

/*
 * Pure functions. The server stores HA1 = hex MD5(user ":" realm ":" password)
 * per user and never the password. Nonces are stateless: the issue time in
 * seconds and an HMAC-SHA256 (truncated to 128 bits) over that time and
 * whatever the caller binds the nonce to (the client's address), keyed with a
 * secret of the process; a nonce is valid from its issue time for ttl
 * seconds, then stale.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_NONCE_LEN 40 /* 8 hex of time + 32 hex of MAC */
#define DIGEST_KEY_LEN	 32

/* The parameters of an Authorization / Proxy-Authorization header, unquoted. */
struct digest_cred {
	char username[64];
	char realm[64];
	char nonce[64];
	char uri[256];
	char response[33];
	char algorithm[16]; /* "" when absent */
	char cnonce[128];
	char qop[16];	    /* "" when absent */
	char nc[9];
	char opaque[128];
};

/*
 * Parses `Digest k=v, k="v", ...` (LWS anywhere the grammar allows, any
 * case for the scheme and names, quoted-pair escapes). Unknown parameters are
 * ignored. Returns 0, EPROTONOSUPPORT for a scheme other than Digest, or
 * EBADMSG: syntax errors, a parameter given twice, a value too long for its
 * field, username/realm/nonce/uri/response missing, response not 32 hex
 * digits, qop without cnonce and an 8-hex-digit nc.
 */
int digest_parse(struct digest_cred *c, const char *p, size_t n);

/* Lowercase hex MD5 of user:realm:password. */
void digest_ha1(char out[33], const char *user, const char *realm, const char *password);

/* The expected response (RFC 2617 3.2.2.1); qop NULL or "" for the RFC 2069 form. */
void digest_response(char out[33], const char *ha1, const char *nonce, const char *nc,
		     const char *cnonce, const char *qop, const char *method, const char *uri);

/*
 * Checks c against ha1 for a request with this method: algorithm absent or
 * MD5, qop absent or "auth", and the response equal (case-insensitive hex,
 * compared in constant time). Returns 0 or EACCES.
 */
int digest_verify(const struct digest_cred *c, const char *ha1, const char *method);

/* Writes a NUL-terminated nonce issued at now_s, bound to bind[0..bind_len). */
void digest_nonce_make(char out[DIGEST_NONCE_LEN + 1], const uint8_t key[DIGEST_KEY_LEN],
		       uint32_t now_s, const void *bind, size_t bind_len);

/*
 * Returns 0 when nonce is ours, bound to bind and younger than ttl_s;
 * ETIMEDOUT when it is ours and bound to bind but older (stale); EINVAL
 * otherwise (not ours, another binding, malformed, from the future).
 */
int digest_nonce_check(const char *nonce, const uint8_t key[DIGEST_KEY_LEN], uint32_t now_s,
		       uint32_t ttl_s, const void *bind, size_t bind_len);

#endif
