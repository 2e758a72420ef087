/* Tests for core/dialer/csv: RFC 4180 records, quoting, line ends, and every kind of malformed
 * record. */
#include "testutil.h"

#include "core/dialer/csv.h"

#include <string.h>

static void open_str(struct csv *c, const char *s, char delim)
{
	assert_int_equal(csv_open(c, s, strlen(s), delim), 0);
}

static void test_basic_and_quotes(void **state)
{
	(void)state;
	struct csv c;
	struct csv_record r;
	open_str(&c, "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\n\"multi\nline\",,end", ',');
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.record, 1);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.f[2].s, "c");
	assert_int_equal(r.err, CSV_OK);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.line, 2);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.f[1].s, "x,y");
	assert_string_equal(r.f[2].s, "he said \"hi\"");
	assert_int_equal(r.f[2].len, 12);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.line, 3);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.f[0].s, "multi\nline");
	assert_string_equal(r.f[1].s, "");
	assert_string_equal(r.f[2].s, "end");
	assert_int_equal(csv_next(&c, &r), ENOENT);
	csv_close(&c);
}

static void test_delimiters_bom_blank(void **state)
{
	(void)state;
	struct csv c;
	struct csv_record r;
	assert_int_equal(csv_open(&c, "a,b", 3, ':'), EINVAL);
	open_str(&c, "\xef\xbb\xbfname;phone\r\rx;1\r", ';');
	assert_int_equal(csv_next(&c, &r), 0);
	assert_string_equal(r.f[0].s, "name"); /* BOM skipped */
	assert_int_equal(csv_next(&c, &r), 0);
	assert_true(r.blank);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.line, 2);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.record, 3);
	assert_int_equal(r.line, 3);
	assert_string_equal(r.f[1].s, "1");
	assert_int_equal(csv_next(&c, &r), ENOENT);
	csv_close(&c);
	assert_int_equal(csv_open(&c,
				  "\xff\xfe"
				  "a\0",
				  4, ','),
			 EBADMSG);
	open_str(&c, "a\tb|c\n", '\t');
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.f[1].s, "b|c");
	csv_close(&c);
}

/* Each malformed record is reported, and the reader carries on with the next line. */
static void test_malformed(void **state)
{
	(void)state;
	struct csv c;
	struct csv_record r;
	open_str(&c,
		 "ok,1\n"
		 "bad\"quote,2\n"
		 "\"closed\"junk,3\n"
		 "bad\xc3\x28utf8,4\n"
		 "ok,5\n"
		 "\"never closed,6\nstill",
		 ',');
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_OK);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_E_QUOTE);
	assert_int_equal(r.err_line, 2);
	assert_int_equal(r.err_field, 1);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_E_AFTER_QUOTE);
	assert_int_equal(r.line, 3);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_E_UTF8);
	assert_int_equal(r.record, 4);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_OK);
	assert_string_equal(r.f[1].s, "5");
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_E_UNTERMINATED);
	assert_int_equal(r.line, 6);
	assert_int_equal(csv_next(&c, &r), ENOENT);
	csv_close(&c);
	assert_non_null(strstr(csv_error_text(CSV_E_UNTERMINATED), "not closed"));

	/* a NUL byte inside a field */
	static const char nul[] = "a,b\0c\nd,e\n";
	assert_int_equal(csv_open(&c, nul, sizeof(nul) - 1, ','), 0);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_E_NUL);
	assert_int_equal(r.err_field, 2);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_OK);
	assert_string_equal(r.f[0].s, "d");
	csv_close(&c);
}

static void test_limits(void **state)
{
	(void)state;
	size_t n = CSV_FIELDS_MAX + 10;
	char *s = sb_alloc(2 * n + 8);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = 'x';
		s[2 * i + 1] = i + 1 < n ? ',' : '\n';
	}
	memcpy(s + 2 * n, "y,z\n", 5);
	struct csv c;
	struct csv_record r;
	open_str(&c, s, ',');
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_E_FIELDS);
	assert_int_equal(r.n, CSV_FIELDS_MAX);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_OK);
	assert_string_equal(r.f[1].s, "z");
	csv_close(&c);
	sb_free(s);

	size_t big = CSV_FIELD_MAX + 5;
	s = sb_alloc(big + 8);
	assert_non_null(s);
	memset(s, 'a', big);
	memcpy(s + big, "\nb\n", 4);
	open_str(&c, s, ',');
	assert_int_equal(csv_next(&c, &r), 0);
	assert_int_equal(r.err, CSV_E_FIELD_LONG);
	assert_int_equal(csv_next(&c, &r), 0);
	assert_string_equal(r.f[0].s, "b");
	csv_close(&c);
	sb_free(s);
}

static void test_utf8(void **state)
{
	(void)state;
	static const char ok[] = "M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x93\x9e";
	assert_true(csv_utf8_valid(ok, sizeof(ok) - 1));
	assert_false(csv_utf8_valid("\xc0\x80", 2));	     /* overlong NUL */
	assert_false(csv_utf8_valid("\xe0\x80\x80", 3));     /* overlong */
	assert_false(csv_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(csv_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	assert_false(csv_utf8_valid("\xe2\x82", 2));	     /* truncated */
	assert_false(csv_utf8_valid("\x80", 1));	     /* lone continuation */
	assert_true(csv_utf8_valid("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_basic_and_quotes),
	    TEST(test_delimiters_bom_blank),
	    TEST(test_malformed),
	    TEST(test_limits),
	    TEST(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
