/* Tests for http/util and http/metrics: headers, CSRF decisions, Prometheus text. */
#include "testutil.h"

#include "http/metrics.h"
#include "http/util.h"

#include <string.h>

static void test_cookies(void **state)
{
	(void)state;
	char v[64];
	assert_int_equal(http_cookie_get("sb_session=abc", "sb_session", v, sizeof(v)), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(http_cookie_get("a=1; sb_session=xyz; b=2", "sb_session", v, sizeof(v)),
			 0);
	assert_string_equal(v, "xyz");
	assert_int_equal(
	    http_cookie_get("a=1;sb_session = \"q-1\" ;b=2", "sb_session", v, sizeof(v)), 0);
	assert_string_equal(v, "q-1");
	/* a cookie whose name merely ends or starts like ours is another cookie */
	assert_int_equal(
	    http_cookie_get("xsb_session=1; sb_session2=2", "sb_session", v, sizeof(v)), ENOENT);
	assert_int_equal(http_cookie_get("", "sb_session", v, sizeof(v)), ENOENT);
	assert_int_equal(http_cookie_get("junk; sb_session=ok", "sb_session", v, sizeof(v)), 0);
	assert_string_equal(v, "ok");
	assert_int_equal(http_cookie_get("sb_session=\"open", "sb_session", v, sizeof(v)), EBADMSG);
	assert_int_equal(http_cookie_get("sb_session=0123456789", "sb_session", v, 5), ENOSPC);
	assert_int_equal(http_cookie_get("sb_session=", "sb_session", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(http_cookie_get(NULL, "sb_session", v, sizeof(v)), EINVAL);
}

static void test_bearer(void **state)
{
	(void)state;
	size_t n;
	const char *t = http_bearer_token("Bearer abc.def", &n);
	assert_non_null(t);
	assert_int_equal(n, 7);
	assert_memory_equal(t, "abc.def", 7);
	t = http_bearer_token("  bearer   tok  ", &n);
	assert_non_null(t);
	assert_int_equal(n, 3);
	assert_null(http_bearer_token("Basic dXNlcjpwdw==", &n));
	assert_null(http_bearer_token("Bearer", &n));
	assert_null(http_bearer_token("Bearer ", &n));
	assert_null(http_bearer_token("Bearerabc", &n));
	assert_null(http_bearer_token("Bearer a b", &n));
	assert_null(http_bearer_token(NULL, &n));
}

static void test_media_type(void **state)
{
	(void)state;
	assert_true(http_is_json_type("application/json"));
	assert_true(http_is_json_type("Application/JSON; charset=utf-8"));
	assert_true(http_is_json_type("application/json;charset=\"UTF-8\""));
	assert_false(http_is_json_type("application/json; charset=latin1"));
	assert_false(http_is_json_type("application/jsonp"));
	assert_false(http_is_json_type("text/plain"));
	assert_false(http_is_json_type("application/x-www-form-urlencoded"));
	assert_false(http_is_json_type(NULL));
}

static void test_origin(void **state)
{
	(void)state;
	assert_true(http_origin_matches("http://127.0.0.1:8080", false, "127.0.0.1:8080"));
	assert_true(http_origin_matches("https://Example.org", true, "example.org"));
	assert_false(http_origin_matches("http://example.org", true, "example.org"));
	assert_false(http_origin_matches("https://example.org.evil.com", true, "example.org"));
	assert_false(http_origin_matches("http://127.0.0.1:8081", false, "127.0.0.1:8080"));
	assert_false(http_origin_matches("null", false, "127.0.0.1:8080"));
	assert_false(http_origin_matches("http://a", false, NULL));
}

static void test_csrf(void **state)
{
	(void)state;
	const char *host = "127.0.0.1:8080", *me = "http://127.0.0.1:8080";
	const char *evil = "https://evil.example";
	/* reads are never refused */
	assert_int_equal(
	    http_csrf_check(HTTP_GET, HTTP_AUTH_COOKIE, NULL, "T", evil, "cross-site", false, host),
	    HTTP_CSRF_OK);
	/* cookie writes need the session's token */
	assert_int_equal(
	    http_csrf_check(HTTP_POST, HTTP_AUTH_COOKIE, NULL, "T", NULL, NULL, false, host),
	    HTTP_CSRF_NO_TOKEN);
	assert_int_equal(
	    http_csrf_check(HTTP_DELETE, HTTP_AUTH_COOKIE, "U", "T", me, NULL, false, host),
	    HTTP_CSRF_BAD_TOKEN);
	assert_int_equal(
	    http_csrf_check(HTTP_PUT, HTTP_AUTH_COOKIE, "T", "T", me, "same-origin", false, host),
	    HTTP_CSRF_OK);
	assert_int_equal(
	    http_csrf_check(HTTP_PATCH, HTTP_AUTH_COOKIE, "T", "T", NULL, NULL, false, host),
	    HTTP_CSRF_OK);
	/* even with the right token, another origin is refused */
	assert_int_equal(
	    http_csrf_check(HTTP_POST, HTTP_AUTH_COOKIE, "T", "T", evil, NULL, false, host),
	    HTTP_CSRF_BAD_ORIGIN);
	assert_int_equal(
	    http_csrf_check(HTTP_POST, HTTP_AUTH_COOKIE, "T", "T", NULL, "cross-site", false, host),
	    HTTP_CSRF_CROSS_SITE);
	/* bearer writes are exempt */
	assert_int_equal(http_csrf_check(HTTP_POST, HTTP_AUTH_BEARER, NULL, NULL, evil,
					 "cross-site", false, host),
			 HTTP_CSRF_OK);
	/* anonymous writes (login) need no token but must not be cross-site */
	assert_int_equal(
	    http_csrf_check(HTTP_POST, HTTP_AUTH_NONE, NULL, NULL, NULL, NULL, false, host),
	    HTTP_CSRF_OK);
	assert_int_equal(
	    http_csrf_check(HTTP_POST, HTTP_AUTH_NONE, NULL, NULL, evil, NULL, false, host),
	    HTTP_CSRF_BAD_ORIGIN);
	assert_true(http_streq_ct("abc", "abc"));
	assert_false(http_streq_ct("abc", "abd"));
	assert_false(http_streq_ct("abc", "ab"));
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(http_method_parse("HEAD"), HTTP_GET);
	assert_int_equal(http_method_parse("PATCH"), HTTP_PATCH);
	assert_int_equal(http_method_parse("OPTIONS"), 0);
	assert_int_equal(http_method_parse("get"), 0);
	assert_string_equal(http_method_name(HTTP_DELETE), "DELETE");
	assert_string_equal(http_status_text(413), "Content Too Large");
}

static void collect_q(struct metrics_out *out, void *arg)
{
	(void)arg;
	metrics_sample(out, 3, "queue", "sales", NULL);
	metrics_sample(out, 0.25, "queue", "a\"b\\c\nd", "tier", "1", NULL);
}

static void collect_n(struct metrics_out *out, void *arg)
{
	metrics_sample(out, *(double *)arg, NULL);
}

static void test_metrics(void **state)
{
	(void)state;
	struct metrics *m;
	assert_int_equal(metrics_alloc(&m), 0);
	double n = 1234567890123.0;
	assert_int_equal(metrics_register(m, "sb_calls_waiting", "Calls waiting", METRICS_GAUGE,
					  collect_q, NULL),
			 0);
	assert_int_equal(metrics_register(m, "sb_total", "Total", METRICS_COUNTER, collect_n, &n),
			 0);
	assert_int_equal(metrics_register(m, "sb_total", "again", METRICS_COUNTER, collect_n, &n),
			 EEXIST);
	assert_int_equal(metrics_register(m, "9bad", "x", METRICS_GAUGE, collect_n, &n), EINVAL);
	assert_int_equal(metrics_register(m, "sb_x", "two\nlines", METRICS_GAUGE, collect_n, &n),
			 EINVAL);
	char *text;
	size_t len;
	assert_int_equal(metrics_render(m, &text, &len), 0);
	const char *want = "# HELP sb_calls_waiting Calls waiting\n"
			   "# TYPE sb_calls_waiting gauge\n"
			   "sb_calls_waiting{queue=\"sales\"} 3\n"
			   "sb_calls_waiting{queue=\"a\\\"b\\\\c\\nd\",tier=\"1\"} 0.25\n"
			   "# HELP sb_total Total\n"
			   "# TYPE sb_total counter\n"
			   "sb_total 1234567890123\n";
	assert_string_equal(text, want);
	assert_int_equal(len, strlen(want));
	sb_free(text);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_cookies), TEST(test_bearer), TEST(test_media_type), TEST(test_origin),
	    TEST(test_csrf),	TEST(test_names),  TEST(test_metrics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
