/* Tests for core/dialer/leads: CSV import with a column mapping, the validation report,
 * de-duplication, zones, priorities, recycling, and do-not-call lists. */
#include "testutil.h"

#include "base/rng.h"
#include "core/dialer/leads.h"

#include <string.h>

static const struct phone_plan US = {"1", "1", "011"};

static void mapping(struct dialer_mapping *m)
{
	memset(m, 0, sizeof(*m));
	m->delim = ';';
	m->phone = "Phone";
	m->first_name = "First";
	m->last_name = "last name";
	m->zone = "TZ";
	m->priority = "Prio";
	m->custom[0] = "Account";
	m->n_custom = 1;
	m->plan = US;
	m->default_priority = 5;
}

static const char *const FILE1 =
    "Phone;First;Last Name;TZ;Prio;Account\r\n"	      /* row 1: header */
    "(212) 555-0100;Ann;Lee;;10;A-1\r\n"	      /* 2: ok, zone derived (New York) */
    "+44 20 7946 0000;Bob;Ray;Europe/London;;B-2\r\n" /* 3: ok, default priority */
    "212-555-0100;Dup;Licate;;;C\r\n"		      /* 4: duplicate of row 2 */
    "not a number;X;Y;;;D\r\n"			      /* 5: bad phone */
    ";X;Y;;;E\r\n"				      /* 6: no phone */
    "+8613812345678;Cai;Li;;;F\r\n"		      /* 7: no zone derivable */
    "+8613812345679;Cai;Li;Asia/Shanghai;;G\r\n"      /* 8: ok, zone from the column */
    "+12125550101;Z;Z;Not A Zone;;H\r\n"	      /* 9: bad zone */
    "+12125550102;Z;Z;;high;I\r\n"		      /* 10: bad priority */
    "\r\n"					      /* 11: blank */
    "+12125550103;Q\"uote;Z;;;J\r\n"		      /* 12: malformed */
    "+12125550104;Short\r\n"			      /* 13: too few fields */
    "+13125550100;Cy;\"Lee, Jr.\";;-3;K";	      /* 14: ok, Chicago, no line end */

static void test_import_report(void **state)
{
	(void)state;
	struct dialer_list l;
	struct dialer_mapping m;
	struct dialer_import_report rep;
	dialer_list_init(&l);
	mapping(&m);
	assert_int_equal(dialer_list_import(&l, FILE1, strlen(FILE1), &m, &rep), 0);
	assert_int_equal(rep.records, 13);
	assert_int_equal(rep.imported, 4);
	assert_int_equal(rep.n_rej, 9);
	assert_int_equal(rep.records, rep.imported + rep.n_rej); /* nothing dropped silently */
	static const struct {
		uint32_t row;
		enum dialer_reject_reason why;
	} want[] = {
	    {4, DIALER_REJ_DUPLICATE}, {5, DIALER_REJ_BAD_PHONE},  {6, DIALER_REJ_NO_PHONE},
	    {7, DIALER_REJ_NO_ZONE},   {9, DIALER_REJ_BAD_ZONE},   {10, DIALER_REJ_BAD_PRIORITY},
	    {11, DIALER_REJ_BLANK},    {12, DIALER_REJ_MALFORMED}, {13, DIALER_REJ_FIELDS},
	};
	for (uint32_t i = 0; i < rep.n_rej; i++) {
		assert_int_equal(rep.rej[i].row, want[i].row);
		assert_int_equal(rep.rej[i].reason, want[i].why);
		assert_true(rep.rej[i].detail[0] != '\0');
		assert_non_null(dialer_reject_text(rep.rej[i].reason));
	}
	assert_int_equal(rep.rej[0].dup_row, 2);
	assert_non_null(strstr(rep.rej[0].detail, "+12125550100"));
	assert_non_null(strstr(rep.rej[1].detail, "not a number"));

	assert_int_equal(l.n, 4);
	const struct dialer_lead *a = l.leads[0];
	assert_string_equal(a->e164, "+12125550100");
	assert_string_equal(a->first, "Ann");
	assert_string_equal(a->last, "Lee");
	assert_int_equal(a->priority, 10);
	assert_int_equal(a->row, 2);
	assert_true(a->zone_derived);
	assert_string_equal(l.zones[a->zone], "America/New_York");
	assert_string_equal(a->custom[0], "A-1");
	const struct dialer_lead *b = l.leads[1];
	assert_int_equal(b->priority, 5);
	assert_false(b->zone_derived);
	assert_string_equal(l.zones[b->zone], "Europe/London");
	const struct dialer_lead *c = l.leads[2];
	assert_string_equal(l.zones[c->zone], "Asia/Shanghai");
	const struct dialer_lead *d = l.leads[3];
	assert_string_equal(d->last, "Lee, Jr.");
	assert_int_equal(d->priority, -3);
	assert_int_equal(d->row, 14);
	assert_string_equal(l.zones[d->zone], "America/Chicago");
	assert_ptr_equal(dialer_list_find(&l, "+13125550100"), d);
	assert_null(dialer_list_lead(&l, 5));
	assert_string_equal(l.custom_names[0], "Account");
	dialer_import_report_release(&rep);

	/* a second file: duplicates of the first are rejected, a default zone fills gaps */
	static const char *const FILE2 = "phone;first;last name;tz;prio;account\n"
					 "+1 212 555 0100;A;B;;;X\n"
					 "+8613812345678;C;D;;;Y\n";
	m.default_zone = "Asia/Shanghai";
	assert_int_equal(dialer_list_import(&l, FILE2, strlen(FILE2), &m, &rep), 0);
	assert_int_equal(rep.imported, 1);
	assert_int_equal(rep.n_rej, 1);
	assert_int_equal(rep.rej[0].reason, DIALER_REJ_DUPLICATE);
	assert_int_equal(rep.rej[0].dup_row, 2);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.zones[l.leads[4]->zone], "Asia/Shanghai");
	dialer_import_report_release(&rep);
	dialer_list_release(&l);
}

static void test_import_errors(void **state)
{
	(void)state;
	struct dialer_list l;
	struct dialer_mapping m;
	struct dialer_import_report rep;
	dialer_list_init(&l);
	mapping(&m);
	static const char *const nocol =
	    "Phone;First;Last name;Prio;Account\n+12125550100;a;b;1;x\n";
	assert_int_equal(dialer_list_import(&l, nocol, strlen(nocol), &m, &rep), EINVAL);
	assert_non_null(strstr(rep.error, "TZ"));
	assert_int_equal(l.n, 0);
	dialer_import_report_release(&rep);
	assert_int_equal(dialer_list_import(&l, "", 0, &m, &rep), EBADMSG);
	dialer_import_report_release(&rep);
	assert_int_equal(dialer_list_import(&l, "\xff\xfeP\0", 4, &m, &rep), EBADMSG);
	dialer_import_report_release(&rep);
	m.phone = NULL;
	assert_int_equal(dialer_list_import(&l, "a\n", 2, &m, &rep), EINVAL);
	dialer_import_report_release(&rep);
	/* E.164-only plan: national numbers are rejected, international ones accepted */
	struct dialer_mapping e;
	memset(&e, 0, sizeof(e));
	e.phone = "n";
	static const char *const intl = "n\n+1 (212) 555-0100\n212 555 0100\n";
	assert_int_equal(dialer_list_import(&l, intl, strlen(intl), &e, &rep), 0);
	assert_int_equal(rep.imported, 1);
	assert_int_equal(rep.n_rej, 1);
	assert_int_equal(rep.rej[0].row, 3);
	assert_int_equal(rep.rej[0].reason, DIALER_REJ_BAD_PHONE);
	dialer_import_report_release(&rep);
	dialer_list_release(&l);
}

static void test_add_and_recycle(void **state)
{
	(void)state;
	struct dialer_list l;
	dialer_list_init(&l);
	uint32_t id;
	assert_int_equal(dialer_list_add(&l, "+12125550100", NULL, NULL, 0, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(dialer_list_add(&l, "(212) 555-0100", &US, NULL, 0, &id), EEXIST);
	assert_int_equal(dialer_list_add(&l, "+8613812345678", NULL, NULL, 0, &id), ENOENT);
	assert_int_equal(dialer_list_add(&l, "+8613812345678", NULL, "Bad Zone", 0, &id), EINVAL);
	assert_int_equal(dialer_list_add(&l, "12", NULL, "UTC", 0, &id), EINVAL);
	assert_int_equal(dialer_list_add(&l, "+8613812345678", NULL, "Asia/Shanghai", 0, &id), 0);
	assert_int_equal(dialer_list_add(&l, "+4930123456", NULL, NULL, 0, &id), 0);
	assert_int_equal(l.n, 3);

	struct dialer_lead *a = l.leads[0], *b = l.leads[1], *c = l.leads[2];
	a->state = DIALER_LEAD_DONE;
	a->done = DIALER_DONE_MAX_ATTEMPTS;
	a->last_result = DIALER_R_NO_ANSWER;
	a->attempts = 6;
	b->state = DIALER_LEAD_DONE;
	b->done = DIALER_DONE_RESULT;
	b->last_result = DIALER_R_COMPLETED;
	b->attempts = 1;
	c->state = DIALER_LEAD_DONE;
	c->done = DIALER_DONE_DNC;
	c->last_result = DIALER_R_NO_ANSWER;
	c->attempts = 2;
	uint32_t n = dialer_list_recycle(&l, 1u << DIALER_R_NO_ANSWER | 1u << DIALER_R_BUSY, 5000);
	assert_int_equal(n, 1);
	assert_int_equal(a->state, DIALER_LEAD_READY);
	assert_int_equal(a->attempts, 0);
	assert_int_equal(a->next_ms, 5000);
	assert_int_equal(b->state, DIALER_LEAD_DONE);
	assert_int_equal(c->state, DIALER_LEAD_DONE); /* DNC: never recycled */
	dialer_list_release(&l);
}

static void test_dnc(void **state)
{
	(void)state;
	struct dialer_dnc d;
	struct dialer_import_report rep;
	dialer_dnc_init(&d);
	static const char *const f = "number\n(212) 555-0100\n+44 20 7946 0000\nnonsense\n\n"
				     "212.555.0100\n";
	assert_int_equal(dialer_dnc_import(&d, f, strlen(f), &US, &rep), 0);
	assert_int_equal(rep.records, 5); /* the header is not a record of data */
	assert_int_equal(rep.imported, 3);
	assert_int_equal(rep.n_rej, 2);
	assert_int_equal(rep.rej[0].row, 4);
	assert_int_equal(rep.rej[0].reason, DIALER_REJ_BAD_PHONE);
	assert_int_equal(rep.rej[1].reason, DIALER_REJ_BLANK);
	dialer_import_report_release(&rep);
	assert_true(dialer_dnc_has(&d, "+12125550100"));
	assert_true(dialer_dnc_has(&d, "+442079460000"));
	assert_false(dialer_dnc_has(&d, "+12125550101"));
	assert_false(dialer_dnc_has(&d, "garbage"));
	assert_int_equal(dialer_dnc_add(&d, "+1 212 555 0101", NULL), 0);
	assert_true(dialer_dnc_has(&d, "+12125550101"));
	assert_int_equal(dialer_dnc_add(&d, "x", NULL), EINVAL);
	assert_int_equal(dialer_dnc_remove(&d, "+12125550101"), 0);
	assert_false(dialer_dnc_has(&d, "+12125550101"));
	assert_int_equal(dialer_dnc_remove(&d, "+12125550101"), ENOENT);
	assert_int_equal(dialer_phone_key("+12125550100"), 12125550100ULL);
	assert_int_equal(dialer_phone_key("12125550100"), 0);
	dialer_dnc_release(&d);
}

/* Random bytes and mangled CSV: the import never fails on content and accounts for every record. */
static void test_import_random(void **state)
{
	(void)state;
	static const char alphabet[] = "+1234567890 ;,\"\r\nAZaz()-|/\xc3\xa9\xff";
	struct rng r;
	rng_seed(&r, 99);
	struct dialer_mapping m;
	mapping(&m);
	m.default_zone = "UTC";
	for (int round = 0; round < 300; round++) {
		char buf[2048];
		size_t hl = strlen("Phone;First;Last Name;TZ;Prio;Account\n");
		memcpy(buf, "Phone;First;Last Name;TZ;Prio;Account\n", hl);
		size_t n = hl + (size_t)rng_below(&r, sizeof(buf) - hl);
		for (size_t i = hl; i < n; i++) {
			if (rng_below(&r, 4) == 0)
				buf[i] = (char)rng_below(&r, 256);
			else
				buf[i] = alphabet[rng_below(&r, sizeof(alphabet) - 1)];
		}
		struct dialer_list l;
		struct dialer_import_report rep;
		dialer_list_init(&l);
		assert_int_equal(dialer_list_import(&l, buf, n, &m, &rep), 0);
		assert_int_equal(rep.records, rep.imported + rep.n_rej);
		assert_int_equal(l.n, rep.imported);
		for (uint32_t i = 0; i < rep.n_rej; i++)
			assert_true(rep.rej[i].row >= 2 && rep.rej[i].row <= rep.records + 1);
		for (uint32_t i = 0; i < l.n; i++)
			assert_true(phone_is_e164(l.leads[i]->e164));
		dialer_import_report_release(&rep);
		dialer_list_release(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_import_report), TEST(test_import_errors), TEST(test_add_and_recycle),
	    TEST(test_dnc),	      TEST(test_import_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
