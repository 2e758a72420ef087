/* Tests for store/records and the schema: contacts, phones, erasure, search, recovery. */
#include "testutil.h"

#include "harness.h"

#include "base/phone.h"
#include "store/records.h"

#include <fcntl.h>

#define T0 1700000000000LL

struct fixture {
	struct tmpdb db;
	struct loop loop;
	struct store_config cfg;
	struct store *st;
};

static const struct store_stmt ins_site = {
    "ins_site",
    "INSERT INTO sites (id, name, time_zone, country_code, trunk_prefix, intl_prefix, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    NULL};
static const struct store_stmt ins_client = {
    "ins_client", "INSERT INTO clients (id, name, site_id, created_at) VALUES ($1, $2, $3, $4)",
    NULL};
static const struct store_stmt ins_queue = {
    "ins_queue",
    "INSERT INTO queues (id, client_id, site_id, name, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $5)",
    NULL};
static const struct store_stmt ins_agent = {
    "ins_agent",
    "INSERT INTO agents (id, display_name, extension, sip_realm, sip_ha1, created_at, "
    "updated_at) VALUES ($1, $2, $3, 'switchboard', $4, $5, $5)",
    NULL};
static const struct store_stmt ins_customer = {
    "ins_customer",
    "INSERT INTO customers (id, client_id, name, email, notes, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $6)",
    NULL};
static const struct store_stmt ins_phone = {
    "ins_phone", "INSERT INTO customer_phones (customer_id, e164, label) VALUES ($1, $2, $3)",
    NULL};
static const struct store_stmt ins_item = {
    "ins_item",
    "INSERT INTO account_items (customer_id, type, reference, address, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $5)",
    NULL};
static const struct store_stmt ins_callback = {
    "ins_callback",
    "INSERT INTO callbacks (queue_id, customer_id, number, requested_at, due_at, status, "
    "updated_at) VALUES ($1, $2, $3, $4, $4, $5, $4)",
    NULL};
static const struct store_stmt ins_audit = {
    "ins_audit",
    "INSERT INTO audit_log (time, user_id, action, object_type, object_id, before_json, "
    "after_json) VALUES ($1, 1, 'update', $2, $3, $4, $5)",
    NULL};

static void exec(struct store *st, const struct store_stmt *s, const struct store_value *p,
		 unsigned n)
{
	int err = store_exec_sync(st, s, p, n);
	if (err)
		fail_msg("%s: error %d", s->name, err);
}

static int64_t query_int(struct store *st, const struct store_stmt *s, const struct store_value *p,
			 unsigned n)
{
	struct store_rs *rs;
	assert_int_equal(store_query_sync(st, s, p, n, &rs), 0);
	int64_t v = store_rs_int(rs, 0, 0);
	store_rs_free(rs);
	return v;
}

/* One German site, one client, two queues, two agents. */
static void fx_open(struct fixture *f)
{
	tmpdb_init(&f->db);
	loop_init(&f->loop);
	cfg_for(&f->cfg, &f->db, &f->loop);
	f->cfg.log = test_log_quiet;
	f->cfg.idle_checkpoint_ms = 600000; /* only erasures truncate the WAL in these tests */
	assert_int_equal(store_open(&f->st, &f->cfg), 0);
	struct store_value site[7] = {
	    store_int(1),     store_text("Berlin"), store_text("Europe/Berlin"),
	    store_text("49"), store_text("0"),	    store_text("00"),
	    store_int(T0)};
	exec(f->st, &ins_site, site, 7);
	struct store_value client[4] = {store_int(1), store_text("Acme Energy"), store_int(1),
					store_int(T0)};
	exec(f->st, &ins_client, client, 4);
	for (int q = 1; q <= 2; q++) {
		struct store_value queue[5] = {store_int(q), store_int(1), store_int(1),
					       store_text(q == 1 ? "billing" : "sales"),
					       store_int(T0)};
		exec(f->st, &ins_queue, queue, 5);
	}
	for (int a = 1; a <= 2; a++) {
		struct store_value agent[5] = {store_int(a), store_text(a == 1 ? "Ann" : "Bob"),
					       store_text(a == 1 ? "1001" : "1002"),
					       store_text("0123456789abcdef0123456789abcdef"),
					       store_int(T0)};
		exec(f->st, &ins_agent, agent, 5);
	}
}

static void fx_close(struct fixture *f)
{
	store_close(f->st);
	loop_release(&f->loop);
	tmpdb_remove(&f->db);
}

static struct store_contact sample_contact(int64_t id)
{
	struct store_contact c;
	memset(&c, 0, sizeof(c));
	c.id = id;
	c.call_id = 1000 + id;
	c.initial_id = id;
	c.client_id = 1;
	c.channel = "voice";
	c.direction = "inbound";
	c.initiation = "inbound";
	c.customer_number = "+49301234";
	c.system_number = "100";
	c.queue_id = 1;
	c.agent_id = 1;
	c.t_initiated = T0 + id * 1000;
	c.t_enqueued = c.t_initiated + 2000;
	c.t_dequeued = c.t_initiated + 12000;
	c.t_connected = c.t_dequeued;
	c.t_disconnected = c.t_connected + 60000;
	c.hold_count = 2;
	c.hold_ms = 15000;
	c.t_wrap_start = c.t_disconnected;
	c.t_wrap_end = c.t_disconnected + 5000;
	c.disconnect_reason = "caller";
	c.notes = "wants a new meter";
	c.recording_ref = "rec/2023/11/14/call.wav";
	c.attributes = "{\"lang\":\"de\"}";
	c.updated_at = c.t_wrap_end;
	return c;
}

static void put_contact(struct store *st, const struct store_contact *c, int want)
{
	struct store_job *job;
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_contact_put(job, c), 0);
	assert_int_equal(store_write_sync(st, job, NULL), want);
}

static void test_contacts(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	struct store_contact c = sample_contact(1);
	put_contact(f.st, &c, 0);

	struct store_rs *rs;
	struct store_value id = store_int(1);
	assert_int_equal(store_query_sync(f.st, &store_q_contact_by_id, &id, 1, &rs), 0);
	struct store_contact g;
	assert_int_equal(store_contact_get(rs, 0, &g), 0);
	assert_int_equal(g.id, 1);
	assert_int_equal(g.call_id, 1001);
	assert_int_equal(g.initial_id, 1);
	assert_int_equal(g.previous_id, 0); /* NULL */
	assert_string_equal(g.direction, "inbound");
	assert_string_equal(g.customer_number, "+49301234");
	assert_int_equal(g.t_connected, c.t_connected);
	assert_int_equal(g.hold_count, 2);
	assert_int_equal(g.hold_ms, 15000);
	assert_int_equal(g.t_wrap_end, c.t_wrap_end);
	assert_string_equal(g.disconnect_reason, "caller");
	assert_string_equal(g.recording_ref, c.recording_ref);
	assert_string_equal(g.attributes, c.attributes);
	assert_int_equal(g.updated_at, c.updated_at);
	assert_int_equal(store_contact_get(rs, 1, &g), EINVAL);
	store_rs_free(rs);

	/* a transfer: segment 2 follows segment 1; putting 1 again replaces its fields */
	struct store_contact c2 = sample_contact(2);
	c2.initial_id = 1;
	c2.previous_id = 1;
	c2.initiation = "queue_transfer";
	c2.queue_id = 2;
	put_contact(f.st, &c2, 0);
	c.next_id = 2;
	c.disconnect_reason = "transfer";
	put_contact(f.st, &c, 0);
	assert_int_equal(store_query_sync(f.st, &store_q_contact_by_id, &id, 1, &rs), 0);
	assert_int_equal(store_contact_get(rs, 0, &g), 0);
	assert_int_equal(g.next_id, 2);
	assert_string_equal(g.disconnect_reason, "transfer");
	store_rs_free(rs);

	/* constraints: unknown queue, bad direction, missing fields */
	struct store_contact bad = sample_contact(3);
	bad.queue_id = 99;
	put_contact(f.st, &bad, ENOENT);
	bad = sample_contact(3);
	bad.direction = "sideways";
	put_contact(f.st, &bad, EINVAL);
	struct store_job *job;
	assert_int_equal(store_job_alloc(&job), 0);
	bad = sample_contact(0);
	assert_int_equal(store_job_contact_put(job, &bad), EINVAL);
	bad = sample_contact(3);
	bad.t_initiated = 0;
	assert_int_equal(store_job_contact_put(job, &bad), EINVAL);
	store_job_free(job);
	fx_close(&f);
}

/* A customer with phones, items, contacts, a callback and audit rows. */
static void seed_customer(struct store *st, int64_t id, const char *name, const char *e164,
			  int64_t first_contact)
{
	struct store_value cu[6] = {store_int(id),     store_int(1),
				    store_text(name),  store_text("someone@example.org"),
				    store_text("VIP"), store_int(T0)};
	exec(st, &ins_customer, cu, 6);
	struct store_value ph[3] = {store_int(id), store_text(e164), store_text("mobile")};
	exec(st, &ins_phone, ph, 3);
	static const char *const types[] = {"billing", "shipping", "warranty", "product"};
	for (int i = 0; i < 4; i++) {
		struct store_value it[5] = {store_int(id), store_text(types[i]),
					    store_text("REF-1"),
					    store_text("Hauptstrasse 1, Berlin"), store_int(T0)};
		exec(st, &ins_item, it, 5);
	}
	for (int k = 0; k < 3; k++) {
		struct store_contact c = sample_contact(first_contact + k);
		c.customer_id = id;
		c.customer_number = e164;
		put_contact(st, &c, 0);
	}
	struct store_value cb[5] = {store_int(1), store_int(id), store_text(e164), store_int(T0),
				    store_text("pending")};
	exec(st, &ins_callback, cb, 5);
	struct store_value au[5] = {store_int(T0), store_text("customer"), store_int(id),
				    store_text("{\"name\":\"old\"}"), store_text(name)};
	exec(st, &ins_audit, au, 5);
}

static void test_lookup_by_phone(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	seed_customer(f.st, 1, "Erika Mustermann", "+49301234", 10);
	seed_customer(f.st, 2, "Max Mustermann", "+4989555", 20);

	/* the site's plan, as stored */
	static const struct store_stmt site_plan = {
	    "site_plan", "SELECT country_code, trunk_prefix, intl_prefix FROM sites WHERE id = $1",
	    NULL};
	struct store_rs *plan_rs;
	struct store_value one = store_int(1);
	assert_int_equal(store_query_sync(f.st, &site_plan, &one, 1, &plan_rs), 0);
	struct phone_plan plan = {store_rs_text(plan_rs, 0, 0), store_rs_text(plan_rs, 0, 1),
				  store_rs_text(plan_rs, 0, 2)};
	static const char *const spellings[] = {"+49 30 1234", "0049 30 1234", "030 1234"};
	for (int i = 0; i < 3; i++) {
		char e164[PHONE_E164_MAX];
		assert_int_equal(phone_normalize(spellings[i], &plan, e164, sizeof(e164)), 0);
		struct store_value p[2] = {store_text(e164), store_int(1)};
		struct store_rs *rs;
		assert_int_equal(store_query_sync(f.st, &store_q_customer_by_phone, p, 2, &rs), 0);
		assert_int_equal(store_rs_rows(rs), 1);
		assert_int_equal(store_rs_int(rs, 0, 0), 1);
		assert_string_equal(store_rs_text(rs, 0, 1), "Erika Mustermann");
		store_rs_free(rs);
	}
	store_rs_free(plan_rs);
	/* another client does not see the customer */
	struct store_value p[2] = {store_text("+49301234"), store_int(2)};
	struct store_rs *rs;
	assert_int_equal(store_query_sync(f.st, &store_q_customer_by_phone, p, 2, &rs), 0);
	assert_null(rs);
	/* history, newest first */
	struct store_value h[2] = {store_int(1), store_int(2)};
	assert_int_equal(store_query_sync(f.st, &store_q_contacts_by_customer, h, 2, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 2);
	struct store_contact c;
	assert_int_equal(store_contact_get(rs, 0, &c), 0);
	assert_int_equal(c.id, 12);
	store_rs_free(rs);
	/* numbers not in E.164 are refused by the schema */
	struct store_value bad[3] = {store_int(1), store_text("030 1234"), store_null()};
	assert_int_equal(store_exec_sync(f.st, &ins_phone, bad, 3), EINVAL);
	fx_close(&f);
}

/* True when the bytes of `needle` appear in the file. */
static bool file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	size_t n = strlen(needle), have = 0;
	char buf[65536 + 64];
	bool found = false;
	for (;;) {
		size_t got = fread(buf + have, 1, sizeof(buf) - have, fp);
		if (got == 0)
			break;
		have += got;
		if (memmem(buf, have, needle, n)) {
			found = true;
			break;
		}
		if (have > n) { /* keep the tail: a match may straddle reads */
			memmove(buf, buf + have - (n - 1), n - 1);
			have = n - 1;
		}
	}
	fclose(fp);
	return found;
}

static void test_erase_customer(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	seed_customer(f.st, 1, "Erika Zyxwvutsmann", "+49301234", 10);
	seed_customer(f.st, 2, "Max Mustermann", "+4989555", 20);
	/* an unlinked call from Erika's number, and one from Max's */
	struct store_contact c = sample_contact(30);
	c.customer_number = "+49301234";
	c.recording_ref = "rec/unlinked.wav";
	put_contact(f.st, &c, 0);
	c = sample_contact(31);
	c.customer_number = "+4989555";
	c.recording_ref = "rec/max.wav";
	put_contact(f.st, &c, 0);
	/* events of her calls hold only ids */
	for (uint64_t s = 1; s <= 3; s++) {
		struct store_event e;
		memset(&e, 0, sizeof(e));
		e.seq = s;
		e.ev.type = ACD_EV_CALL_ENTER;
		e.ev.time = T0 + (int64_t)s;
		e.ev.call = 1010 + s - 1;
		e.ev.queue = 1;
		assert_int_equal(store_event_append(f.st, &e), 0);
	}
	store_checkpoint_sync(f.st, false);

	struct store_job *job;
	struct store_rs *rs;
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_customer_erase(job, 1, 7, T0 + 999), 0);
	assert_int_equal(store_job_customer_erase(job, 1, 7, T0 + 999), EINVAL); /* job not empty */
	assert_int_equal(store_write_sync(f.st, job, &rs), 0);
	/* the recordings to delete: her three calls and the unlinked one */
	assert_int_equal(store_rs_rows(rs), 4);
	for (unsigned i = 0; i < 3; i++)
		assert_string_equal(store_rs_text(rs, i, 0), "rec/2023/11/14/call.wav");
	assert_string_equal(store_rs_text(rs, 3, 0), "rec/unlinked.wav");
	store_rs_free(rs);

	static const struct store_stmt left = {
	    "left",
	    "SELECT (SELECT count(*) FROM customers WHERE id = 1)"
	    " + (SELECT count(*) FROM customer_phones WHERE customer_id = 1)"
	    " + (SELECT count(*) FROM account_items WHERE customer_id = 1)"
	    " + (SELECT count(*) FROM contacts WHERE customer_number = '+49301234'"
	    "    OR customer_id = 1 OR (id IN (10, 11, 12, 30) AND (notes IS NOT NULL"
	    "    OR recording_ref IS NOT NULL OR attributes IS NOT NULL)))"
	    " + (SELECT count(*) FROM callbacks WHERE number = '+49301234' OR customer_id = 1"
	    "    OR status = 'cancelled' AND notes IS NOT NULL)"
	    " + (SELECT count(*) FROM audit_log WHERE object_type = 'customer' AND object_id = 1"
	    "    AND (before_json IS NOT NULL OR after_json IS NOT NULL))",
	    NULL};
	assert_int_equal(query_int(f.st, &left, NULL, 0), 0);
	/* her contact records stay as anonymous figures; the events are untouched */
	static const struct store_stmt kept = {
	    "kept", "SELECT count(*) FROM contacts WHERE id IN (10, 11, 12, 30)", NULL};
	assert_int_equal(query_int(f.st, &kept, NULL, 0), 4);
	static const struct store_stmt evs = {"evs", "SELECT count(*) FROM events", NULL};
	assert_int_equal(query_int(f.st, &evs, NULL, 0), 3);
	static const struct store_stmt cancelled = {
	    "cancelled", "SELECT count(*) FROM callbacks WHERE status = 'cancelled'", NULL};
	assert_int_equal(query_int(f.st, &cancelled, NULL, 0), 1);
	static const struct store_stmt erased = {
	    "erased",
	    "SELECT user_id FROM audit_log WHERE action = 'erase' AND object_type = 'customer' "
	    "AND object_id = 1",
	    NULL};
	assert_int_equal(query_int(f.st, &erased, NULL, 0), 7);
	/* Max is untouched */
	static const struct store_stmt max = {
	    "max",
	    "SELECT (SELECT count(*) FROM customer_phones WHERE customer_id = 2)"
	    " + (SELECT count(*) FROM account_items WHERE customer_id = 2)"
	    " + (SELECT count(*) FROM contacts WHERE customer_number = '+4989555')",
	    NULL};
	assert_int_equal(query_int(f.st, &max, NULL, 0), 1 + 4 + 4);

	/* the name is gone from the files too: secure_delete, and the WAL truncated after the
	 * erasure */
	long wal = -1;
	for (int i = 0; i < 200 && wal != 0; i++) {
		wal = tmpdb_wal_size(&f.db);
		struct timespec ts = {0, 10000000L};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(wal, 0);
	assert_false(file_contains(f.db.path, "Zyxwvutsmann"));
	assert_true(file_contains(f.db.path, "Mustermann"));

	/* erasing again: no such customer */
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_customer_erase(job, 1, 7, T0 + 1999), 0);
	assert_int_equal(store_write_sync(f.st, job, &rs), ENOENT);
	assert_null(rs);
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_customer_erase(job, 0, 7, T0), EINVAL);
	store_job_free(job);
	fx_close(&f);
}

static void test_close_interrupted(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	struct store_contact c = sample_contact(1); /* finished */
	put_contact(f.st, &c, 0);
	c = sample_contact(2); /* talking when the process died */
	c.t_disconnected = c.t_wrap_start = c.t_wrap_end = 0;
	c.disconnect_reason = NULL;
	put_contact(f.st, &c, 0);
	c = sample_contact(3); /* in wrap-up */
	c.t_wrap_end = 0;
	put_contact(f.st, &c, 0);
	struct store_value cb[5] = {store_int(1), store_null(), store_text("+49301234"),
				    store_int(T0), store_text("dialing")};
	exec(f.st, &ins_callback, cb, 5);

	struct store_job *job;
	struct store_rs *rs;
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_close_interrupted(job, T0 + 500000), 0);
	assert_int_equal(store_write_sync(f.st, job, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 1);
	assert_int_equal(store_rs_int(rs, 0, 0), 2);
	assert_int_equal(store_rs_int(rs, 0, 1), 1002);
	assert_int_equal(store_rs_int(rs, 0, 2), 1);
	assert_int_equal(store_rs_int(rs, 0, 3), 1);
	store_rs_free(rs);

	struct store_value id = store_int(2);
	struct store_contact g;
	assert_int_equal(store_query_sync(f.st, &store_q_contact_by_id, &id, 1, &rs), 0);
	assert_int_equal(store_contact_get(rs, 0, &g), 0);
	assert_string_equal(g.disconnect_reason, "interrupted");
	assert_int_equal(g.t_disconnected, T0 + 500000);
	store_rs_free(rs);
	id = store_int(3);
	assert_int_equal(store_query_sync(f.st, &store_q_contact_by_id, &id, 1, &rs), 0);
	assert_int_equal(store_contact_get(rs, 0, &g), 0);
	assert_int_equal(g.t_wrap_end, T0 + 500000);
	assert_string_equal(g.disconnect_reason, "caller");
	store_rs_free(rs);
	static const struct store_stmt pending = {
	    "pending", "SELECT count(*) FROM callbacks WHERE status = 'pending'", NULL};
	assert_int_equal(query_int(f.st, &pending, NULL, 0), 1);

	/* nothing left open: a second run closes nothing */
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_close_interrupted(job, T0 + 600000), 0);
	assert_int_equal(store_write_sync(f.st, job, &rs), 0);
	assert_null(rs);
	assert_int_equal(store_job_close_interrupted(NULL, 1), EINVAL);
	fx_close(&f);
}

static void test_knowledge_search(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	static const struct store_stmt ins = {
	    "ins_article",
	    "INSERT INTO knowledge_articles (client_id, category, title, body, tags, created_at, "
	    "updated_at) VALUES (1, $1, $2, $3, $4, $5, $5) RETURNING id",
	    NULL};
	static const struct store_stmt search = {
	    "search",
	    "SELECT a.id, a.title FROM knowledge_fts f JOIN knowledge_articles a ON a.id = f.rowid "
	    "WHERE knowledge_fts MATCH $1 AND a.client_id = $2 ORDER BY f.rank",
	    NULL};
	static const struct store_stmt upd = {
	    "upd_article", "UPDATE knowledge_articles SET body = $2, updated_at = $3 WHERE id = $1",
	    NULL};
	static const struct store_stmt del = {"del_article",
					      "DELETE FROM knowledge_articles WHERE id = $1", NULL};
	struct store_value a1[5] = {store_text("billing"), store_text("Rückerstattung beantragen"),
				    store_text("Eine Rückerstattung wird nach Prüfung der Rechnung "
					       "innerhalb von 14 Tagen überwiesen."),
				    store_text("refund"), store_int(T0)};
	struct store_value a2[5] = {store_text("meters"), store_text("Meter reading"),
				    store_text("Ask for the meter number and the reading date."),
				    store_text("meter"), store_int(T0)};
	struct store_rs *rs;
	struct store_job *job;
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_add(job, &ins, a1, 5, 0), 0);
	assert_int_equal(store_job_add(job, &ins, a2, 5, 0), 0);
	assert_int_equal(store_write_sync(f.st, job, &rs), 0);
	int64_t id1 = store_rs_int(rs, 0, 0), id2 = store_rs_int(rs, 1, 0);
	store_rs_free(rs);

	/* diacritics folded: "ruckerstattung" finds "Rückerstattung" */
	struct store_value q[2] = {store_text("ruckerstattung"), store_int(1)};
	assert_int_equal(store_query_sync(f.st, &search, q, 2, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 1);
	assert_int_equal(store_rs_int(rs, 0, 0), id1);
	store_rs_free(rs);
	q[0] = store_text("meter AND reading");
	assert_int_equal(store_query_sync(f.st, &search, q, 2, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 1);
	assert_int_equal(store_rs_int(rs, 0, 0), id2);
	store_rs_free(rs);
	/* updates and deletes reach the index */
	struct store_value u[3] = {store_int(id2), store_text("Ask for the tariff."),
				   store_int(T0)};
	exec(f.st, &upd, u, 3);
	q[0] = store_text("reading");
	assert_int_equal(store_query_sync(f.st, &search, q, 2, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 1); /* still in the title */
	store_rs_free(rs);
	q[0] = store_text("tariff");
	assert_int_equal(store_query_sync(f.st, &search, q, 2, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 1);
	store_rs_free(rs);
	struct store_value d = store_int(id2);
	exec(f.st, &del, &d, 1);
	assert_int_equal(store_query_sync(f.st, &search, q, 2, &rs), 0);
	assert_null(rs);
	/* a malformed query is the caller's error, not a crash */
	q[0] = store_text("AND OR (");
	assert_int_equal(store_query_sync(f.st, &search, q, 2, &rs), EINVAL);
	fx_close(&f);
}

static void test_configuration_rows(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	/* a queue row holds every field of struct acd_queue_params */
	static const struct store_stmt q = {
	    "queue_full",
	    "INSERT INTO queues (id, client_id, site_id, name, strategy, ring_all_max, weight, "
	    "group_id, ring_timeout_ms, max_wait_ms, overflow, overflow_queue_id, max_len, "
	    "join_empty, wrapup, wrapup_ms, sl_threshold_ms, sl_target_pct, short_abandon_ms, "
	    "resume_ms, default_aht_ms, callback_attempts, callback_retry_ms, priority, "
	    "business_hours, created_at, updated_at) VALUES (3, 1, 1, 'vip', $1, 4, 2, NULL, "
	    "20000, 300000, 'queue', 1, 50, 0, 'manual', 30000, 20000, 80, 5000, 60000, 240000, "
	    "3, 120000, 5, '{\"mon\":[[\"08:00\",\"18:00\"]]}', 0, 0)",
	    NULL};
	struct store_value s = store_text(acd_strategy_name(ACD_STRATEGY_BEST_SKILL));
	exec(f.st, &q, &s, 1);
	s = store_text("alphabetical");
	static const struct store_stmt q4 = {
	    "queue_bad",
	    "INSERT INTO queues (id, name, strategy, created_at, updated_at) "
	    "VALUES (4, 'bad', $1, 0, 0)",
	    NULL};
	assert_int_equal(store_exec_sync(f.st, &q4, &s, 1), EINVAL);
	for (int i = 0; i < ACD_STRATEGY_COUNT; i++) {
		/* every strategy the ACD knows is accepted */
		static const struct store_stmt upd = {
		    "queue_strategy", "UPDATE queues SET strategy = $1 WHERE id = 3", NULL};
		s = store_text(acd_strategy_name((enum acd_strategy)i));
		exec(f.st, &upd, &s, 1);
	}

	static const struct store_stmt skill = {
	    "skill", "INSERT INTO skills (id, name, kind) VALUES ($1, $2, $3)", NULL};
	static const struct store_stmt qskill = {
	    "qskill", "INSERT INTO queue_skills (queue_id, skill_id, min_level) VALUES (3, $1, $2)",
	    NULL};
	static const struct store_stmt tier = {
	    "tier",
	    "INSERT INTO queue_tiers (queue_id, step, after_ms, level_drop) VALUES (3, $1, $2, $3)",
	    NULL};
	static const struct store_stmt askill = {
	    "askill", "INSERT INTO agent_skills (agent_id, skill_id, level) VALUES ($1, $2, $3)",
	    NULL};
	char name[16];
	for (int i = 1; i <= ACD_MAX_REQ; i++) {
		snprintf(name, sizeof(name), "skill%d", i);
		struct store_value sk[3] = {store_int(i), store_text(name),
					    store_text(i == 1 ? "language" : "skill")};
		exec(f.st, &skill, sk, 3);
		struct store_value qs[2] = {store_int(i), store_int(i)};
		exec(f.st, &qskill, qs, 2);
	}
	for (int i = 1; i <= ACD_MAX_TIERS; i++) {
		struct store_value t[3] = {store_int(i), store_int(i * 30000), store_int(i)};
		exec(f.st, &tier, t, 3);
	}
	struct store_value t5[3] = {store_int(5), store_int(1), store_int(1)};
	assert_int_equal(store_exec_sync(f.st, &tier, t5, 3), EINVAL);
	struct store_value as[3] = {store_int(1), store_int(1), store_int(10)};
	exec(f.st, &askill, as, 3);
	as[1] = store_int(2);
	as[2] = store_int(11);
	assert_int_equal(store_exec_sync(f.st, &askill, as, 3), EINVAL);
	as[2] = store_int(0);
	assert_int_equal(store_exec_sync(f.st, &askill, as, 3), EINVAL);

	/* users: roles from the fixed list, limited to clients */
	static const struct store_stmt user = {
	    "user",
	    "INSERT INTO users (id, login, display_name, password_hash, created_at, updated_at) "
	    "VALUES ($1, $2, $2, $3, 0, 0)",
	    NULL};
	static const struct store_stmt role = {
	    "role", "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", NULL};
	static const struct store_stmt uclient = {
	    "uclient", "INSERT INTO user_clients (user_id, client_id) VALUES ($1, $2)", NULL};
	struct store_value u[3] = {store_int(1), store_text("ann"),
				   store_text("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA")};
	exec(f.st, &user, u, 3);
	assert_int_equal(store_exec_sync(f.st, &user, u, 3), EEXIST);
	static const char *const roles[] = {"agent", "team_lead", "supervisor",
					    "qa",    "planner",	  "admin"};
	for (int i = 0; i < 6; i++) {
		struct store_value r[2] = {store_int(1), store_text(roles[i])};
		exec(f.st, &role, r, 2);
	}
	struct store_value r[2] = {store_int(1), store_text("emperor")};
	assert_int_equal(store_exec_sync(f.st, &role, r, 2), ENOENT);
	struct store_value uc[2] = {store_int(1), store_int(1)};
	exec(f.st, &uclient, uc, 2);
	uc[1] = store_int(9);
	assert_int_equal(store_exec_sync(f.st, &uclient, uc, 2), ENOENT);
	/* extensions are unique */
	struct store_value agent[5] = {store_int(3), store_text("Cy"), store_text("1001"),
				       store_text("x"), store_int(T0)};
	assert_int_equal(store_exec_sync(f.st, &ins_agent, agent, 5), EEXIST);
	/* deleting a user removes their roles (cascade) */
	static const struct store_stmt deluser = {"deluser", "DELETE FROM users WHERE id = 1",
						  NULL};
	exec(f.st, &deluser, NULL, 0);
	static const struct store_stmt nroles = {"nroles", "SELECT count(*) FROM user_roles", NULL};
	assert_int_equal(query_int(f.st, &nroles, NULL, 0), 0);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_contacts),	 TEST(test_lookup_by_phone),
	    TEST(test_erase_customer),	 TEST(test_close_interrupted),
	    TEST(test_knowledge_search), TEST(test_configuration_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
