/* Tests for sip/reg: bindings, ordering, expiry on the wheel, RFC 3261 10.3 rules, limits, the hook. */
#include "testutil.h"

#include "sip/reg.h"

#include <stdio.h>
#include <string.h>

struct change {
	char user[64];
	unsigned contacts;
};

static struct change changes[32];
static unsigned nchanges;

static void change_h(void *arg, const char *user, unsigned contacts)
{
	(void)arg;
	if (nchanges < 32) {
		snprintf(changes[nchanges].user, sizeof(changes[nchanges].user), "%s", user);
		changes[nchanges].contacts = contacts;
	}
	nchanges++;
}

static struct reg_binding b(const char *uri, uint32_t expires)
{
	struct reg_binding x = {uri, strlen(uri), expires};
	return x;
}

#define APPLY(r, user, callid, cseq, arr, n, star, now)                                            \
	reg_apply(r, user, callid, strlen(callid), cseq, arr, n, star, "flow", 4, now)

static void setup(struct wheel **w, struct reg **r, unsigned max)
{
	nchanges = 0;
	assert_int_equal(wheel_alloc(w, 64, 10, 0), 0);
	assert_int_equal(reg_alloc(r, *w, max, change_h, NULL), 0);
}

static void teardown(struct wheel *w, struct reg *r)
{
	reg_free(r);
	wheel_free(w);
}

static void test_add_list_refresh_remove(void **state)
{
	(void)state;
	struct wheel *w;
	struct reg *r;
	struct reg_contact_view v[8];
	setup(&w, &r, 5);
	struct reg_binding one[] = {b("sip:a@1.1.1.1", 60), b("sip:b@1.1.1.1", 120)};
	assert_int_equal(APPLY(r, "1001", "c1", 1, one, 2, false, 0), 0);
	assert_int_equal(nchanges, 1);
	assert_int_equal(changes[0].contacts, 2);
	assert_int_equal(reg_list(r, "1001", 0, v, 8), 2);
	assert_string_equal(v[0].uri, "sip:b@1.1.1.1"); /* most recent first */
	assert_int_equal(v[0].expires_at, 120000);
	assert_int_equal(v[0].flow_len, 4);
	assert_memory_equal(v[0].flow, "flow", 4);
	assert_int_equal(reg_user_count(r), 1);
	assert_int_equal(reg_contact_count(r), 2);
	/* a refresh (higher CSeq) changes expiry and order but is no change for the hook */
	struct reg_binding re[] = {b("sip:a@1.1.1.1", 300)};
	assert_int_equal(APPLY(r, "1001", "c1", 2, re, 1, false, 1000), 0);
	assert_int_equal(nchanges, 1);
	assert_int_equal(reg_list(r, "1001", 1000, v, 8), 2);
	assert_string_equal(v[0].uri, "sip:a@1.1.1.1");
	assert_int_equal(v[0].expires_at, 301000);
	/* out of order: same Call-ID, CSeq not higher */
	assert_int_equal(APPLY(r, "1001", "c1", 2, re, 1, false, 1000), EALREADY);
	assert_int_equal(APPLY(r, "1001", "c1", 1, re, 1, false, 1000), EALREADY);
	/* another Call-ID may do anything */
	struct reg_binding rm[] = {b("sip:a@1.1.1.1", 0)};
	assert_int_equal(APPLY(r, "1001", "other", 1, rm, 1, false, 1000), 0);
	assert_int_equal(nchanges, 2);
	assert_int_equal(changes[1].contacts, 1);
	/* removing what is not there changes nothing */
	assert_int_equal(APPLY(r, "1001", "other", 2, rm, 1, false, 1000), 0);
	assert_int_equal(nchanges, 2);
	assert_true(reg_find_uri(r, "sip:b@1.1.1.1", 13, 1000, &v[0]));
	assert_false(reg_find_uri(r, "sip:a@1.1.1.1", 13, 1000, &v[0]));
	/* Contact: * removes everything; the user goes */
	assert_int_equal(APPLY(r, "1001", "c9", 1, NULL, 0, true, 2000), 0);
	assert_int_equal(nchanges, 3);
	assert_int_equal(changes[2].contacts, 0);
	assert_int_equal(reg_list(r, "1001", 2000, v, 8), 0);
	assert_int_equal(reg_user_count(r), 0);
	assert_int_equal(reg_contact_count(r), 0);
	teardown(w, r);
}

static void test_expiry_on_the_wheel(void **state)
{
	(void)state;
	struct wheel *w;
	struct reg *r;
	struct reg_contact_view v[4];
	setup(&w, &r, 5);
	struct reg_binding x[] = {b("sip:a@h", 2), b("sip:b@h", 100)};
	assert_int_equal(APPLY(r, "7", "c", 1, x, 2, false, 0), 0);
	/* listed only while live, even before the wheel fires */
	assert_int_equal(reg_list(r, "7", 2000, v, 4), 1);
	wheel_advance(w, 1990);
	assert_int_equal(nchanges, 1);
	wheel_advance(w, 2000);
	assert_int_equal(nchanges, 2);
	assert_string_equal(changes[1].user, "7");
	assert_int_equal(changes[1].contacts, 1);
	assert_int_equal(reg_contact_count(r), 1);
	wheel_advance(w, 100000); /* far beyond one turn of the wheel */
	assert_int_equal(nchanges, 3);
	assert_int_equal(changes[2].contacts, 0);
	assert_int_equal(reg_user_count(r), 0);
	assert_int_equal(wheel_count(w), 0);
	teardown(w, r);
}

static void test_max_contacts_and_duplicates(void **state)
{
	(void)state;
	struct wheel *w;
	struct reg *r;
	struct reg_contact_view v[8];
	setup(&w, &r, 2);
	struct reg_binding x[] = {b("sip:1@h", 60)};
	struct reg_binding y[] = {b("sip:2@h", 60)};
	struct reg_binding z[] = {b("sip:3@h", 60)};
	assert_int_equal(APPLY(r, "u", "c1", 1, x, 1, false, 0), 0);
	assert_int_equal(APPLY(r, "u", "c2", 1, y, 1, false, 10), 0);
	assert_int_equal(APPLY(r, "u", "c3", 1, z, 1, false, 20), 0);
	assert_int_equal(reg_list(r, "u", 20, v, 8), 2);
	assert_string_equal(v[0].uri, "sip:3@h");
	assert_string_equal(v[1].uri, "sip:2@h"); /* the oldest went */
	/* the same URI twice in one request: the last one counts */
	struct reg_binding dup[] = {b("sip:9@h", 60), b("sip:9@h", 0)};
	assert_int_equal(APPLY(r, "u", "c4", 1, dup, 2, false, 30), 0);
	assert_false(reg_find_uri(r, "sip:9@h", 7, 30, &v[0]));
	struct reg_binding dup2[] = {b("sip:9@h", 0), b("sip:9@h", 60)};
	assert_int_equal(APPLY(r, "u", "c5", 1, dup2, 2, false, 40), 0);
	assert_true(reg_find_uri(r, "sip:9@h", 7, 40, &v[0]));
	/* two users may register the same contact; the URI lookup finds the latest */
	assert_int_equal(APPLY(r, "other", "c6", 1, x, 1, false, 50), 0);
	assert_int_equal(reg_user_count(r), 2);
	/* bad arguments */
	assert_int_equal(APPLY(r, "", "c", 1, x, 1, false, 0), EINVAL);
	assert_int_equal(APPLY(r, "u", "c", 1, x, 1, true, 0), EINVAL);
	teardown(w, r);
}

static void test_all_or_nothing(void **state)
{
	(void)state;
	struct wheel *w;
	struct reg *r;
	struct reg_contact_view v[8];
	setup(&w, &r, 5);
	struct reg_binding x[] = {b("sip:1@h", 60)};
	assert_int_equal(APPLY(r, "u", "c1", 5, x, 1, false, 0), 0);
	/* one stale binding fails the whole request: the new one is not added */
	struct reg_binding both[] = {b("sip:2@h", 60), b("sip:1@h", 60)};
	assert_int_equal(APPLY(r, "u", "c1", 5, both, 2, false, 10), EALREADY);
	assert_int_equal(reg_list(r, "u", 10, v, 8), 1);
	assert_int_equal(APPLY(r, "u", "c1", 4, NULL, 0, true, 10), EALREADY);
	assert_int_equal(reg_list(r, "u", 10, v, 8), 1);
	assert_int_equal(nchanges, 1);
	teardown(w, r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_add_list_refresh_remove),
		TEST(test_expiry_on_the_wheel),
		TEST(test_max_contacts_and_duplicates),
		TEST(test_all_or_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
