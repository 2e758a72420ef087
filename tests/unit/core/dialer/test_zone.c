/* Tests for core/dialer/zone: zones derived from numbers (NANP area codes, countries) and zone
 * sets. */
#include "testutil.h"

#include "core/dialer/zone.h"

#include <string.h>

static void expect(const char *num, const char *zone)
{
	char out[DIALER_ZONE_MAX];
	assert_int_equal(dialer_zone_for_number(num, out, sizeof(out)), 0);
	assert_string_equal(out, zone);
}

static void test_nanp(void **state)
{
	(void)state;
	expect("+12125550100", "America/New_York");
	expect("+13125550100", "America/Chicago");
	expect("+13035550100", "America/Denver");
	expect("+16025550100", "America/Phoenix"); /* no daylight saving */
	expect("+14155550100", "America/Los_Angeles");
	expect("+19075550100", "America/Adak|America/Anchorage");
	expect("+18085550100", "Pacific/Honolulu");
	expect("+18505550100", "America/Chicago|America/New_York"); /* Florida panhandle */
	expect("+14165550100", "America/Toronto");
	expect("+17095550100", "America/Halifax|America/St_Johns");
	expect("+17875550100", "America/Puerto_Rico");
	char out[DIALER_ZONE_MAX];
	assert_int_equal(dialer_zone_for_number("+18005550100", out, sizeof(out)), ENOENT);
	assert_int_equal(dialer_zone_for_number("+19005550100", out, sizeof(out)), ENOENT);
	assert_int_equal(dialer_zone_for_number("+1212555010", out, sizeof(out)), ENOENT);
	assert_string_equal(out, "");
}

static void test_countries_and_errors(void **state)
{
	(void)state;
	expect("+442071234567", "Europe/London");
	expect("+4930123456", "Europe/Berlin");
	expect("+34912345678", "Europe/Madrid");
	expect("+34612345678", "Atlantic/Canary|Europe/Madrid"); /* a mobile: anywhere in Spain */
	expect("+34922123456", "Atlantic/Canary");
	expect("+351292123456", "Atlantic/Azores");
	expect("+351211234567", "Europe/Lisbon");
	expect("+353112345678", "Europe/Dublin");
	char out[DIALER_ZONE_MAX];
	assert_int_equal(dialer_zone_for_number("+8613812345678", out, sizeof(out)), ENOENT);
	assert_int_equal(dialer_zone_for_number("12125550100", out, sizeof(out)), EINVAL);
	assert_int_equal(dialer_zone_for_number(NULL, out, sizeof(out)), EINVAL);
	char small[8];
	assert_int_equal(dialer_zone_for_number("+12125550100", small, sizeof(small)), ERANGE);
}

static void test_canon_and_split(void **state)
{
	(void)state;
	char out[DIALER_ZONE_MAX];
	assert_int_equal(
	    dialer_zone_canon(" Europe/Berlin | America/New_York|Europe/Berlin", out, sizeof(out)),
	    0);
	assert_string_equal(out, "America/New_York|Europe/Berlin");
	assert_int_equal(dialer_zone_canon("Etc/GMT+5", out, sizeof(out)), 0);
	assert_string_equal(out, "Etc/GMT+5");
	assert_int_equal(dialer_zone_canon("UTC", out, sizeof(out)), 0);
	assert_int_equal(dialer_zone_canon("Europe//Berlin", out, sizeof(out)), EINVAL);
	assert_int_equal(dialer_zone_canon("", out, sizeof(out)), EINVAL);
	assert_int_equal(dialer_zone_canon("Foo Bar", out, sizeof(out)), EINVAL);
	assert_int_equal(dialer_zone_canon("/Europe", out, sizeof(out)), EINVAL);
	assert_int_equal(dialer_zone_canon("A|B|C|D|E", out, sizeof(out)), EINVAL);
	assert_int_equal(dialer_zone_canon("A||B", out, sizeof(out)), EINVAL);
	assert_int_equal(dialer_zone_canon("America/New_York|Europe/Berlin", out, 10), ERANGE);

	char names[DIALER_ZONES_PER_SET][DIALER_ZONE_NAME_MAX];
	assert_int_equal(dialer_zone_split("America/Chicago|America/New_York", names), 2);
	assert_string_equal(names[0], "America/Chicago");
	assert_string_equal(names[1], "America/New_York");
	assert_int_equal(dialer_zone_split("UTC", names), 1);
	assert_int_equal(dialer_zone_split("", names), 0);

	/* every derived zone is already canonical */
	static const char *const nums[] = {"+19075550100", "+18675550100", "+13065550100",
					   "+17805550100", "+12505550100"};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		char z[DIALER_ZONE_MAX], c[DIALER_ZONE_MAX];
		assert_int_equal(dialer_zone_for_number(nums[i], z, sizeof(z)), 0);
		assert_int_equal(dialer_zone_canon(z, c, sizeof(c)), 0);
		assert_string_equal(z, c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_nanp),
	    TEST(test_countries_and_errors),
	    TEST(test_canon_and_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
