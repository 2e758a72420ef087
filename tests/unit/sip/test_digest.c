/* Tests for sip/digest: RFC 2617 / 2069 examples, credential parsing, verification, nonces. */
#include "testutil.h"

#include "sip/digest.h"

#include <stdio.h>
#include <string.h>

static const char rfc_nonce[] = "dcd98b7102dd2f0e8b11d0f600bfb0c093";

static void test_rfc_examples(void **state)
{
	(void)state;
	char ha1[33], resp[33];
	/* RFC 2617 3.5 */
	digest_ha1(ha1, "Mufasa", "testrealm@host.com", "Circle Of Life");
	assert_string_equal(ha1, "939e7578ed9e3c518a452acee763bce9");
	digest_response(resp, ha1, rfc_nonce, "00000001", "0a4f113b", "auth", "GET",
			"/dir/index.html");
	assert_string_equal(resp, "6629fae49393a05397450978507c4ef1");
	/* RFC 2069 2.4 (no qop) */
	digest_ha1(ha1, "Mufasa", "testrealm@host.com", "CircleOfLife");
	digest_response(resp, ha1, rfc_nonce, NULL, NULL, NULL, "GET", "/dir/index.html");
	assert_string_equal(resp, "1949323746fe6a43ef61f9606e7febea");
	/* a SIP request (computed independently with Python's hashlib) */
	digest_ha1(ha1, "bob", "biloxi.com", "zanzibar");
	assert_string_equal(ha1, "12af60467a33e8518da5c68bbff12b11");
	digest_response(resp, ha1, rfc_nonce, "", "", "", "INVITE", "sip:bob@biloxi.com");
	assert_string_equal(resp, "bf57e4e0d0bffc0fbaedce64d59add5e");
	/* a password longer than the stack buffer */
	char pw[3000];
	memset(pw, 'p', sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	digest_ha1(ha1, "u", "r", pw);
	assert_int_equal(strlen(ha1), 32);
}

static void test_parse(void **state)
{
	(void)state;
	struct digest_cred c;
	const char *h = "Digest username=\"Mufasa\",realm=\"testrealm@host.com\",\r\n"
			" nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\","
			" qop=auth, nc=00000001, cnonce=\"0a4f113b\","
			" response=\"6629fae49393a05397450978507c4ef1\","
			" opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", future=\"x,y\", alg2=tok";
	assert_int_equal(digest_parse(&c, h, strlen(h)), 0);
	assert_string_equal(c.username, "Mufasa");
	assert_string_equal(c.realm, "testrealm@host.com");
	assert_string_equal(c.nonce, rfc_nonce);
	assert_string_equal(c.uri, "/dir/index.html");
	assert_string_equal(c.qop, "auth");
	assert_string_equal(c.nc, "00000001");
	assert_string_equal(c.cnonce, "0a4f113b");
	assert_string_equal(c.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	assert_string_equal(c.algorithm, "");
	char ha1[33];
	digest_ha1(ha1, "Mufasa", "testrealm@host.com", "Circle Of Life");
	assert_int_equal(digest_verify(&c, ha1, "GET"), 0);
	assert_int_equal(digest_verify(&c, ha1, "POST"), EACCES);
	digest_ha1(ha1, "Mufasa", "testrealm@host.com", "wrong");
	assert_int_equal(digest_verify(&c, ha1, "GET"), EACCES);

	/* case, escapes, quoted qop, uppercase hex, extra commas */
	const char *h2 = "  dIgEsT  USERNAME = \"a\\\"b\" ,, Realm=\"r\", NONCE=\"n\", URI=\"sip:x\","
			 " qop=\"auth\", nc=0000000a, cnonce=\"c\", algorithm=md5,"
			 " response=\"ABCDEF0123456789ABCDEF0123456789\",";
	assert_int_equal(digest_parse(&c, h2, strlen(h2)), 0);
	assert_string_equal(c.username, "a\"b");
	assert_string_equal(c.algorithm, "md5");
	assert_string_equal(c.qop, "auth");

	const char *bad[] = {
		"",
		"Digest",
		"Digest ",
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\"", /* no response */
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"xyz\"",
		"Digest username=\"a\", username=\"b\", realm=\"r\", nonce=\"n\", uri=\"u\", "
		"response=\"0123456789abcdef0123456789abcdef\"",
		"Digest username=\"unterminated, realm=\"r\"",
		"Digest username=a b, realm=r",
		"Digest =x",
		"Digest username",
		"Digest username=",
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", qop=auth, "
		"response=\"0123456789abcdef0123456789abcdef\"", /* qop without cnonce/nc */
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\", qop=auth, cnonce=\"c\", "
		"nc=1, response=\"0123456789abcdef0123456789abcdef\"",
		"Digest username=\"a\\\r\n\", realm=\"r\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (digest_parse(&c, bad[i], strlen(bad[i])) != EBADMSG)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(digest_parse(&c, "Basic QWxhZGRpbjpvcGVu", 22), EPROTONOSUPPORT);
	assert_int_equal(digest_parse(&c, "Digestusername=\"a\"", 19), EPROTONOSUPPORT);

	/* a value longer than its field */
	char longh[600];
	snprintf(longh, sizeof(longh), "Digest username=\"%0100d\", realm=\"r\", nonce=\"n\", uri=\"u\", "
				       "response=\"0123456789abcdef0123456789abcdef\"", 0);
	assert_int_equal(digest_parse(&c, longh, strlen(longh)), EBADMSG);
}

static void test_verify_refuses_other_algorithms(void **state)
{
	(void)state;
	struct digest_cred c;
	char ha1[33], resp[33], h[512];
	digest_ha1(ha1, "u", "r", "p");
	digest_response(resp, ha1, "n", "00000001", "c", "auth", "REGISTER", "sip:r");
	snprintf(h, sizeof(h),
		 "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"%s\", "
		 "qop=auth, nc=00000001, cnonce=\"c\", algorithm=%s",
		 resp, "MD5");
	assert_int_equal(digest_parse(&c, h, strlen(h)), 0);
	assert_int_equal(digest_verify(&c, ha1, "REGISTER"), 0);
	snprintf(h, sizeof(h),
		 "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"%s\", "
		 "qop=auth, nc=00000001, cnonce=\"c\", algorithm=%s",
		 resp, "SHA-256");
	assert_int_equal(digest_parse(&c, h, strlen(h)), 0);
	assert_int_equal(digest_verify(&c, ha1, "REGISTER"), EACCES);
	snprintf(h, sizeof(h),
		 "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"%s\", "
		 "qop=auth-int, nc=00000001, cnonce=\"c\"",
		 resp);
	assert_int_equal(digest_parse(&c, h, strlen(h)), 0);
	assert_int_equal(digest_verify(&c, ha1, "REGISTER"), EACCES);
}

static void test_nonces(void **state)
{
	(void)state;
	uint8_t key[DIGEST_KEY_LEN], other[DIGEST_KEY_LEN];
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	const uint8_t ip[4] = {127, 0, 0, 1}, ip2[4] = {10, 0, 0, 1};
	char n[DIGEST_NONCE_LEN + 1];
	digest_nonce_make(n, key, 1000, ip, sizeof(ip));
	assert_int_equal(strlen(n), DIGEST_NONCE_LEN);
	assert_int_equal(digest_nonce_check(n, key, 1000, 300, ip, sizeof(ip)), 0);
	assert_int_equal(digest_nonce_check(n, key, 1299, 300, ip, sizeof(ip)), 0);
	assert_int_equal(digest_nonce_check(n, key, 1300, 300, ip, sizeof(ip)), ETIMEDOUT);
	assert_int_equal(digest_nonce_check(n, key, 999, 300, ip, sizeof(ip)), EINVAL); /* future */
	assert_int_equal(digest_nonce_check(n, key, 1000, 300, ip2, sizeof(ip2)), EINVAL);
	assert_int_equal(digest_nonce_check(n, other, 1000, 300, ip, sizeof(ip)), EINVAL);
	char t[DIGEST_NONCE_LEN + 1];
	memcpy(t, n, sizeof(t));
	t[20] = t[20] == 'a' ? 'b' : 'a';
	assert_int_equal(digest_nonce_check(t, key, 1000, 300, ip, sizeof(ip)), EINVAL);
	memcpy(t, n, sizeof(t));
	t[0] = t[0] == '0' ? '1' : '0'; /* another time under the same MAC */
	assert_int_equal(digest_nonce_check(t, key, 100000, 300000, ip, sizeof(ip)), EINVAL);
	assert_int_equal(digest_nonce_check("short", key, 1000, 300, ip, sizeof(ip)), EINVAL);
	assert_int_equal(digest_nonce_check("zzzzzzzz0123456789abcdef0123456789abcdef", key, 1000, 300,
					    ip, sizeof(ip)),
			 EINVAL);
	/* nonces at different times differ */
	digest_nonce_make(t, key, 1001, ip, sizeof(ip));
	assert_string_not_equal(t, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_rfc_examples),
		TEST(test_parse),
		TEST(test_verify_refuses_other_algorithms),
		TEST(test_nonces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
