/* Tests for base/json: what strict parsing refuses, where it says the problem is, and the checked accessors. */
#include "testutil.h"

#include "base/json.h"

#include <string.h>

static int parse(const char *s, cJSON **out, struct json_err *err)
{
	return json_parse(s, strlen(s), out, err);
}

static void test_valid(void **state)
{
	(void)state;
	cJSON *j;
	struct json_err e;
	const char *doc = "{\"name\": \"M\\u00fcller \\ud83d\\ude00 Stra\xc3\x9f" "e\", \"n\": 1743411600000,"
			  " \"ok\": true, \"list\": [1, 2.5], \"nested\": {\"a\": null}}\n";
	assert_int_equal(parse(doc, &j, &e), 0);
	const char *name;
	assert_int_equal(json_get_str(j, "name", 0, &name), 0);
	assert_string_equal(name, "M\xc3\xbcller \xf0\x9f\x98\x80 Stra\xc3\x9f" "e");
	int64_t n;
	assert_int_equal(json_get_i64(j, "n", 0, INT64_MAX, &n), 0);
	assert_true(n == 1743411600000LL); /* epoch milliseconds survive exactly */
	bool ok;
	assert_int_equal(json_get_bool(j, "ok", &ok), 0);
	assert_true(ok);
	assert_int_equal(json_get_i64(j, "missing", 0, 10, &n), ENOENT);
	assert_int_equal(json_get_i64(j->child->next->next->next->next, "a", 0, 10, &n), ENOENT);
	cJSON_Delete(j);
}

static void test_syntax_error_location(void **state)
{
	(void)state;
	cJSON *j;
	struct json_err e;
	assert_int_equal(parse("{\n  \"a\": 1,\n  \"b\": ]\n}", &j, &e), EBADMSG);
	assert_null(j);
	assert_int_equal(e.line, 3);
	assert_int_equal(e.col, 8);
	assert_non_null(strstr(e.msg, "syntax"));
	assert_int_equal(parse("{\"a\": 1} x", &j, &e), EBADMSG);
	assert_int_equal(e.col, 10);
	assert_int_equal(parse("", &j, &e), EBADMSG);
	assert_int_equal(parse("{\"a\": \"unterminated", &j, &e), EBADMSG);
}

static void test_refused(void **state)
{
	(void)state;
	cJSON *j;
	struct json_err e;
	static const char *const bad[] = {
		"{\"a\": \"x\\u0000y\"}",	   /* would truncate */
		"{\"a\": 1, \"a\": 2}",	   /* duplicate key */
		"{\"o\": {\"k\": 1, \"k\": 1}}", /* nested duplicate */
		"[{\"k\": 1, \"z\": 2, \"k\": 3}]",
		"{\"a\": \"\xff\"}",		   /* invalid UTF-8 */
		"{\"a\": \"\xc0\xaf\"}",	   /* overlong */
		"{\"a\": \"\xed\xa0\x80\"}",	   /* encoded surrogate */
		"{\"a\": \"\\ud800\"}",	   /* lone high surrogate */
		"{\"a\": \"\\udc00\"}",	   /* lone low surrogate */
		"{\"a\": \"tab\there\"}",	   /* raw control character */
		"{\"a\": \"\\u12\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], &j, &e);
		if (rc != EBADMSG)
			fail_msg("accepted: %s", bad[i]);
		assert_null(j);
		assert_true(e.msg[0] != '\0');
	}
	/* a NUL byte inside the buffer */
	assert_int_equal(json_parse("{\"a\":1}\0{}", 10, &j, &e), EBADMSG);
	/* depth */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(json_parse(deep, 200, &j, &e), EBADMSG);
	assert_non_null(strstr(e.msg, "deep"));
	/* duplicate keys reported by name */
	assert_int_equal(parse("{\"name\": 1, \"name\": 2}", &j, &e), EBADMSG);
	assert_non_null(strstr(e.msg, "\"name\""));
}

static void test_accessors(void **state)
{
	(void)state;
	cJSON *j;
	assert_int_equal(parse("{\"big\": 9007199254740993, \"max\": 9007199254740991, \"frac\": 1.5,"
			       " \"s\": \"text\", \"neg\": -3, \"b\": 1, \"d\": 2.25}",
			       &j, NULL),
			 0);
	int64_t v;
	assert_int_equal(json_get_i64(j, "max", 0, INT64_MAX, &v), 0);
	assert_int_equal(json_get_i64(j, "big", 0, INT64_MAX, &v), EINVAL);
	assert_int_equal(json_get_i64(j, "frac", 0, 10, &v), EINVAL);
	assert_int_equal(json_get_i64(j, "s", 0, 10, &v), EINVAL);
	assert_int_equal(json_get_i64(j, "neg", 0, 10, &v), EINVAL);
	assert_int_equal(json_get_i64(j, "neg", -10, 10, &v), 0);
	assert_int_equal(v, -3);
	bool b;
	assert_int_equal(json_get_bool(j, "b", &b), EINVAL);
	double d;
	assert_int_equal(json_get_double(j, "d", 0, 3, &d), 0);
	assert_int_equal(json_get_double(j, "d", 0, 2, &d), EINVAL);
	const char *s;
	assert_int_equal(json_get_str(j, "s", 3, &s), EINVAL);
	assert_int_equal(json_get_str(j, "s", 4, &s), 0);
	assert_int_equal(json_get_str(j, "neg", 0, &s), EINVAL);
	static const char *const allowed[] = {"big", "max", "frac", "s", "neg", "b", NULL};
	const char *stray = NULL;
	assert_int_equal(json_only_keys(j, allowed, &stray), EINVAL);
	assert_string_equal(stray, "d");
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "t", 1743411600123LL);
	char *txt = cJSON_PrintUnformatted(o);
	assert_string_equal(txt, "{\"t\":1743411600123}");
	cJSON_free(txt);
	cJSON_Delete(o);
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_valid),
		TEST(test_syntax_error_location),
		TEST(test_refused),
		TEST(test_accessors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
