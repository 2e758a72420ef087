/* Tests for base/phone: E.164 normalisation with German and North American dialling plans. */
#include "testutil.h"

#include "base/phone.h"

#include <string.h>

static const struct phone_plan de = {.cc = "49", .trunk = "0", .intl = "00"};
static const struct phone_plan us = {.cc = "1", .trunk = "1", .intl = "011"};

static void expect(const struct phone_plan *plan, const char *in, const char *want)
{
	char out[PHONE_E164_MAX];
	memset(out, 'x', sizeof(out));
	int err = phone_normalize(in, plan, out, sizeof(out));
	if (err != 0)
		fail_msg("'%s': error %d, want %s", in, err, want);
	assert_string_equal(out, want);
	assert_true(phone_is_e164(out));
}

static void expect_bad(const struct phone_plan *plan, const char *in)
{
	char out[PHONE_E164_MAX];
	int err = phone_normalize(in, plan, out, sizeof(out));
	if (err != EINVAL)
		fail_msg("'%s': got %d, want EINVAL", in ? in : "(null)", err);
}

static void test_germany(void **state)
{
	(void)state;
	/* the three spellings of the issue find the same customer */
	expect(&de, "+49 30 1234", "+49301234");
	expect(&de, "0049 30 1234", "+49301234");
	expect(&de, "030 1234", "+49301234");
	expect(&de, "+49 (0)30 1234", "+49301234");
	expect(&de, "0049 (0)30 1234", "+49301234");
	expect(&de, "+49 030 1234", "+49301234");
	expect(&de, "030/1234", "+49301234");
	expect(&de, "030-12.34", "+49301234");
	expect(&de, "+4930123456789", "+4930123456789");
	/* a foreign number dialled from Germany */
	expect(&de, "0033 1 23 45 67 89", "+33123456789");
	expect(&de, "+1 (212) 555-0100", "+12125550100");
	/* no trunk prefix: a national significant number */
	expect(&de, "30 1234", "+49301234");
}

static void test_nanp(void **state)
{
	(void)state;
	expect(&us, "+1 212 555 0100", "+12125550100");
	expect(&us, "1-212-555-0100", "+12125550100");
	expect(&us, "(212) 555-0100", "+12125550100");
	expect(&us, "212.555.0100", "+12125550100");
	expect(&us, "011 49 30 1234", "+49301234");
	expect(&us, "011-44-20-7946-0018", "+442079460018");
}

static void test_bad_input(void **state)
{
	(void)state;
	expect_bad(&de, NULL);
	expect_bad(&de, "");
	expect_bad(&de, "   ");
	expect_bad(&de, "+");
	expect_bad(&de, "hello");
	expect_bad(&de, "030 1234 ext 5");
	expect_bad(&de, "1-800-FLOWERS");
	expect_bad(&de, "030 12+34");
	expect_bad(&de, "++49301234");
	expect_bad(&de, "*31#0301234");
	expect_bad(&de, "+0301234567");		 /* country codes never start with 0 */
	expect_bad(&de, "+49 30");		 /* too short */
	expect_bad(&de, "110");			 /* short code: not a subscriber number */
	expect_bad(&de, "+49 3012345678901234"); /* 18 digits */
	expect_bad(&de, "00301234567890123456789012345678901"); /* more digits than anyone dials */
	expect_bad(&de, "030\x01"
			"1234");
	expect_bad(&de, "030 1234\xc2\xa0"); /* non-ASCII */

	/* bad plans */
	char out[PHONE_E164_MAX];
	struct phone_plan p = de;
	assert_int_equal(phone_normalize("030 1234", NULL, out, sizeof(out)), EINVAL);
	p.cc = "049";
	assert_int_equal(phone_normalize("030 1234", &p, out, sizeof(out)), EINVAL);
	p.cc = "4a";
	assert_int_equal(phone_normalize("030 1234", &p, out, sizeof(out)), EINVAL);
	p = de;
	p.intl = "";
	assert_int_equal(phone_normalize("030 1234", &p, out, sizeof(out)), EINVAL);
	p = de;
	p.trunk = NULL; /* no trunk prefix: accepted */
	assert_int_equal(phone_normalize("30 1234", &p, out, sizeof(out)), 0);
	assert_string_equal(out, "+49301234");

	/* output too small */
	char small[9];
	assert_int_equal(phone_normalize("030 1234", &de, small, sizeof(small)), ERANGE);
	char exact[10];
	assert_int_equal(phone_normalize("030 1234", &de, exact, sizeof(exact)), 0);
	assert_string_equal(exact, "+49301234");
}

static void test_is_e164(void **state)
{
	(void)state;
	assert_true(phone_is_e164("+49301234"));
	assert_true(phone_is_e164("+123456789012345"));
	assert_false(phone_is_e164("+1234567890123456"));
	assert_false(phone_is_e164("49301234"));
	assert_false(phone_is_e164("+0301234"));
	assert_false(phone_is_e164("+49 301234"));
	assert_false(phone_is_e164("+123456"));
	assert_false(phone_is_e164(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_germany),
	    TEST(test_nanp),
	    TEST(test_bad_input),
	    TEST(test_is_e164),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
