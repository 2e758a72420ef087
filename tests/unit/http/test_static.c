/* Tests for http/static's pure parts: which names are served, their MIME types, ETag matching. */
#include "testutil.h"

#include "http/static.h"

#include <string.h>

static bool ok(const char *s)
{
	return http_static_name_ok(s, strlen(s));
}

static void test_names(void **state)
{
	(void)state;
	assert_true(ok("index.html"));
	assert_true(ok("uPlot.esm.js"));
	assert_true(ok("de.json"));
	assert_true(ok("a-b_c.1.css"));
	/* nothing that climbs, hides or escapes */
	assert_false(ok(".."));
	assert_false(ok("."));
	assert_false(ok(".git"));
	assert_false(ok(".hidden.js"));
	assert_false(ok("a/b.js"));
	assert_false(ok("a\\b.js"));
	assert_false(ok("a%2fb.js"));
	assert_false(ok("a b.js"));
	assert_false(ok("a:b.js"));
	assert_false(ok("\xc3\xa4.js"));
	assert_false(ok(""));
	assert_false(http_static_name_ok(NULL, 0));
	char longname[200];
	memset(longname, 'a', sizeof(longname));
	assert_false(http_static_name_ok(longname, sizeof(longname)));
	assert_true(http_static_name_ok(longname, 128));
	/* the length given counts, not a NUL further on */
	assert_false(http_static_name_ok("ok.js\0/../x", 11));
}

static void test_mime(void **state)
{
	(void)state;
	assert_string_equal(http_static_mime("index.html"), "text/html; charset=utf-8");
	assert_string_equal(http_static_mime("main.js"), "text/javascript; charset=utf-8");
	assert_string_equal(http_static_mime("x.MJS"), "text/javascript; charset=utf-8");
	assert_string_equal(http_static_mime("app.css"), "text/css; charset=utf-8");
	assert_string_equal(http_static_mime("en.json"), "application/json");
	assert_string_equal(http_static_mime("favicon.svg"), "image/svg+xml");
	assert_string_equal(http_static_mime("shot.png"), "image/png");
	/* unknown or missing extensions are not served */
	assert_null(http_static_mime("README.md"));
	assert_null(http_static_mime("Makefile"));
	assert_null(http_static_mime("x.js.map.exe"));
	assert_null(http_static_mime(".js"));
	assert_null(http_static_mime(NULL));
}

static void test_etag(void **state)
{
	(void)state;
	const char *e = "\"0123456789abcdef-10\"";
	assert_true(http_static_etag_match(e, e));
	assert_true(http_static_etag_match("W/\"0123456789abcdef-10\"", e));
	assert_true(http_static_etag_match("\"x\", \"0123456789abcdef-10\"", e));
	assert_true(http_static_etag_match("\"x\",\"0123456789abcdef-10\" ", e));
	assert_true(http_static_etag_match("*", e));
	assert_false(http_static_etag_match("\"0123456789abcdef-1\"", e));
	assert_false(http_static_etag_match("\"0123456789abcdef-100\"", e));
	assert_false(http_static_etag_match("", e));
	assert_false(http_static_etag_match(NULL, e));
	assert_false(http_static_etag_match(e, ""));
}

static void test_csp(void **state)
{
	(void)state;
	/* the policy the app is written for: nothing inline, nothing evaluated, nothing framed */
	assert_non_null(strstr(http_static_csp, "script-src 'self'"));
	assert_non_null(strstr(http_static_csp, "frame-ancestors 'none'"));
	assert_null(strstr(http_static_csp, "unsafe-inline"));
	assert_null(strstr(http_static_csp, "unsafe-eval"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_names),
	    TEST(test_mime),
	    TEST(test_etag),
	    TEST(test_csp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
