/* Tests for sip/scan: header-section framing, Content-Length, header counts, bad bytes, addresses. */
#include "testutil.h"

#include "sip/scan.h"

#include <stdio.h>
#include <string.h>

static int scan(const char *p, struct sipscan *sc)
{
	return sipscan_head(p, strlen(p), sc);
}

static void test_complete_request(void **state)
{
	(void)state;
	struct sipscan sc;
	const char *m = "OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			"Content-Length: 5\r\n\r\nhello";
	assert_int_equal(scan(m, &sc), 0);
	assert_int_equal(sc.start, 0);
	assert_int_equal(sc.head_end, strlen(m) - 5);
	assert_int_equal(sc.clen, 5);
	assert_int_equal(sc.headers, 2);
	assert_false(sc.bad_clen);
	assert_false(sc.bad_bytes);
}

static void test_leading_crlf_keepalive_and_incomplete(void **state)
{
	(void)state;
	struct sipscan sc;
	assert_int_equal(scan("\r\n\r\n", &sc), ENODATA);
	assert_int_equal(sc.start, 4);
	assert_int_equal(scan("\r\nBYE sip:a SIP/2.0\r\nTo: x\r\n\r\n", &sc), 0);
	assert_int_equal(sc.start, 2);
	assert_int_equal(sc.clen, -1);
	assert_int_equal(scan("BYE sip:a SIP/2.0\r\nTo: x\r\n", &sc), EAGAIN);
	assert_int_equal(scan("BYE sip:a SIP/2.0", &sc), EAGAIN);
	assert_int_equal(sipscan_head("", 0, &sc), ENODATA);
	/* bare LF line ends are accepted */
	assert_int_equal(scan("BYE sip:a SIP/2.0\nTo: x\nl: 3\n\nabc", &sc), 0);
	assert_int_equal(sc.clen, 3);
	assert_int_equal(sc.headers, 2);
	/* no headers at all */
	assert_int_equal(scan("BYE sip:a SIP/2.0\r\n\r\n", &sc), 0);
	assert_int_equal(sc.headers, 0);
}

static void test_content_length_forms(void **state)
{
	(void)state;
	struct sipscan sc;
	const struct {
		const char *hdr;
		long clen;
		bool bad;
	} cases[] = {
		{"Content-Length: 0", 0, false},
		{"content-length:12", 12, false},
		{"CONTENT-LENGTH \t:  7  ", 7, false},
		{"l: 42", 42, false},
		{"L:1", 1, false},
		{"Content-Length: 000000000000000009", 9, false},
		{"Content-Length: abc", -1, true},
		{"Content-Length: -5", -1, true},
		{"Content-Length: 1 2", -1, true},
		{"Content-Length: ", -1, true},
		{"Content-Length: 99999999999", -1, true},
		{"Content-Length: 1000000000", -1, true},
		{"Content-Length: 999999999", 999999999, false},
		{"Content-Lengthx: 5", -1, false}, /* another header */
		{"lx: 5", -1, false},
		{"Content-Length: 5\r\nContent-Length: 5", 5, false},
		{"Content-Length: 5\r\nl: 6", 5, true},
		{"Content-Length: 5\r\n 6", 5, true}, /* folded value */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char m[256];
		snprintf(m, sizeof(m), "INVITE sip:a SIP/2.0\r\n%s\r\n\r\n", cases[i].hdr);
		assert_int_equal(scan(m, &sc), 0);
		if (sc.bad_clen != cases[i].bad)
			fail_msg("case %zu (%s): bad_clen %d", i, cases[i].hdr, sc.bad_clen);
		if (!cases[i].bad && sc.clen != cases[i].clen)
			fail_msg("case %zu (%s): clen %ld", i, cases[i].hdr, sc.clen);
	}
}

static void test_header_count_and_folding(void **state)
{
	(void)state;
	struct sipscan sc;
	const char *m = "INVITE sip:a SIP/2.0\r\nA: 1\r\n  continued\r\n\tmore\r\nB: 2\r\nC:3\r\n\r\n";
	assert_int_equal(scan(m, &sc), 0);
	assert_int_equal(sc.headers, 3);
	char big[8192];
	size_t o = (size_t)snprintf(big, sizeof(big), "OPTIONS sip:a SIP/2.0\r\n");
	for (int i = 0; i < 500; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "X: %d\r\n", i);
	snprintf(big + o, sizeof(big) - o, "\r\n");
	assert_int_equal(scan(big, &sc), 0);
	assert_int_equal(sc.headers, 500);
}

static void test_bad_bytes(void **state)
{
	(void)state;
	struct sipscan sc;
	const char with_nul[] = "OPTIONS sip:a SIP/2.0\r\nX: a\0b\r\n\r\n";
	assert_int_equal(sipscan_head(with_nul, sizeof(with_nul) - 1, &sc), 0);
	assert_true(sc.bad_bytes);
	assert_int_equal(scan("OPTIONS sip:a SIP/2.0\r\nX: a\rb\r\n\r\n", &sc), 0);
	assert_true(sc.bad_bytes);
	assert_int_equal(scan("OPTIONS sip:a SIP/2.0\r\nX: a\x7f\r\n\r\n", &sc), 0);
	assert_true(sc.bad_bytes);
	assert_int_equal(scan("OPTIONS sip:\x01 SIP/2.0\r\nX: a\r\n\r\n", &sc), 0);
	assert_true(sc.bad_bytes);
	/* tabs and UTF-8 are fine; the body is not looked at */
	assert_int_equal(scan("OPTIONS sip:a SIP/2.0\r\nX:\ta \xc3\xa9\r\n\r\n\x01\x00", &sc), 0);
	assert_false(sc.bad_bytes);
}

static void test_addr_ok(void **state)
{
	(void)state;
	const char *good[] = {"<sip:a@b>", "sip:a@b;tag=1", "\"A <b>\" <sip:a@b>;tag=x",
			      "\"quote \\\" inside\" <sip:a@b>", "", "Anonymous <sip:c@d>",
			      "\"\" <sip:a@b>"};
	const char *bad[] = {"\"unterminated <sip:a@b>", "<sip:a@b", "sip:a@b>", "<<sip:a@b>>",
			     "<sip:a@b> <sip:c@d>", "\"x\\", "<sip:\"a@b>", "<sip:a@b>>"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!sipscan_addr_ok(good[i], strlen(good[i])))
			fail_msg("refused %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sipscan_addr_ok(bad[i], strlen(bad[i])))
			fail_msg("accepted %s", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_complete_request),
		TEST(test_leading_crlf_keepalive_and_incomplete),
		TEST(test_content_length_forms),
		TEST(test_header_count_and_folding),
		TEST(test_bad_bytes),
		TEST(test_addr_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
