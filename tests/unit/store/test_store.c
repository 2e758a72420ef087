/* Tests for store: migrations, values, $n, group commit, savepoints, back-pressure, events. */
#include "testutil.h"

#include "harness.h"
#include "store/store_impl.h" /* the latest schema version */

#define LATEST (store_migrations[store_n_migrations - 1].version)

#include <math.h>

static const struct store_stmt create_t = {
    "create_t",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, r REAL, b BLOB, parent INTEGER "
    "REFERENCES t(id))",
    NULL};
static const struct store_stmt insert_t = {
    "insert_t", "INSERT INTO t (id, name, r, b) VALUES ($1, $2, $3, $4)", NULL};
static const struct store_stmt insert_name = {
    "insert_name", "INSERT INTO t (name) VALUES ($1) RETURNING id", NULL};
static const struct store_stmt insert_child = {
    "insert_child", "INSERT INTO t (name, parent) VALUES ($1, $2)", NULL};
static const struct store_stmt select_t = {"select_t", "SELECT id, name, r, b FROM t WHERE id = $1",
					   NULL};
static const struct store_stmt count_t = {"count_t", "SELECT count(*) FROM t", NULL};
static const struct store_stmt count_name = {"count_name", "SELECT count(*) FROM t WHERE name = $1",
					     NULL};
static const struct store_stmt rename_t = {"rename_t", "UPDATE t SET name = $2 WHERE id = $1",
					   NULL};
/* about 0.2-0.5 s of work: keeps the writer busy while the test queues more */
static const struct store_stmt slow = {
    "slow",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
    "SELECT count(*) FROM c",
    NULL};

struct fixture {
	struct tmpdb db;
	struct loop loop;
	struct store_config cfg;
	struct store *st;
};

static void fx_open(struct fixture *f)
{
	tmpdb_init(&f->db);
	loop_init(&f->loop);
	cfg_for(&f->cfg, &f->db, &f->loop);
	f->cfg.log = test_log_quiet;
	assert_int_equal(store_open(&f->st, &f->cfg), 0);
	assert_int_equal(store_exec_sync(f->st, &create_t, NULL, 0), 0);
}

static void fx_close(struct fixture *f)
{
	store_close(f->st);
	loop_release(&f->loop);
	assert_false(f->loop.wrong_thread);
	tmpdb_remove(&f->db);
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

static void test_open_migrate(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	assert_int_equal(store_schema_version(f.st), LATEST);
	static const struct store_stmt tables = {
	    "tables",
	    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('sites', "
	    "'clients', 'users', 'roles', 'user_roles', 'user_clients', 'sessions', 'teams', "
	    "'skills', 'agents', 'agent_skills', 'queues', 'queue_skills', 'queue_tiers', "
	    "'numbers', 'customers', 'customer_phones', 'account_items', 'contacts', 'events', "
	    "'dispositions', 'scripts', 'knowledge_articles', 'knowledge_fts', 'callbacks', "
	    "'audit_log', 'schema_version')",
	    NULL};
	assert_int_equal(query_int(f.st, &tables, NULL, 0), 27);
	store_close(f.st);

	/* reopening applies nothing twice */
	assert_int_equal(store_open(&f.st, &f.cfg), 0);
	assert_int_equal(store_schema_version(f.st), LATEST);
	static const struct store_stmt versions = {"versions",
						   "SELECT count(*) FROM schema_version", NULL};
	assert_int_equal(query_int(f.st, &versions, NULL, 0), (int64_t)store_n_migrations);

	/* a database from a newer program is refused */
	static const struct store_stmt future = {
	    "future", "INSERT INTO schema_version VALUES (999, 'future', 0)", NULL};
	assert_int_equal(store_exec_sync(f.st, &future, NULL, 0), 0);
	store_close(f.st);
	struct store *st = NULL;
	assert_int_equal(store_open(&st, &f.cfg), EPROTO);
	assert_null(st);
	f.st = NULL;
	fx_close(&f);
}

/*
 * Rows of leads and contacts are deleted many at a time (a campaign or a lead list with its
 * leads, the retention sweep): a foreign key pointing at them from a table without an index on
 * its column makes every deleted row search that table whole (ON DELETE CASCADE / SET NULL), a
 * cost that grows with the square of the rows deleted. Such keys must lead an index (or be the
 * primary key).
 */
static void test_bulk_deleted_parents_indexed(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	static const struct store_stmt unindexed = {
	    "unindexed",
	    "SELECT group_concat(m.name || '.' || k.\"from\", ', ') FROM sqlite_master m,"
	    " pragma_foreign_key_list(m.name) k WHERE m.type = 'table'"
	    " AND k.\"table\" IN ('leads', 'contacts')"
	    " AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) il,"
	    "  pragma_index_info(il.name) ii WHERE ii.seqno = 0 AND ii.name = k.\"from\")"
	    " AND NOT EXISTS (SELECT 1 FROM pragma_table_info(m.name) ti"
	    "  WHERE ti.pk = 1 AND ti.name = k.\"from\")",
	    NULL};
	static const struct store_stmt keys = {
	    "keys",
	    "SELECT count(*) FROM sqlite_master m, pragma_foreign_key_list(m.name) k"
	    " WHERE m.type = 'table' AND k.\"table\" IN ('leads', 'contacts')",
	    NULL};
	assert_true(query_int(f.st, &keys, NULL, 0) >= 2); /* the query sees the keys at all */
	struct store_rs *rs;
	assert_int_equal(store_query_sync(f.st, &unindexed, NULL, 0, &rs), 0);
	const char *missing = store_rs_text(rs, 0, 0);
	if (missing)
		fail_msg("foreign keys to bulk-deleted rows without an index: %s", missing);
	store_rs_free(rs);
	fx_close(&f);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct store_config cfg;
	struct store *st = NULL;
	store_config_default(&cfg);
	assert_int_equal(store_open(&st, &cfg), EINVAL); /* no path */
	assert_int_equal(store_open(NULL, &cfg), EINVAL);
	cfg.path = "/tmp/never-created.db";
	cfg.engine = STORE_POSTGRES;
	assert_int_equal(store_open(&st, &cfg), ENOTSUP);
	cfg.engine = STORE_SQLITE;
	cfg.path = "/nonexistent-dir/x/y.db";
	cfg.log = test_log_quiet;
	assert_int_not_equal(store_open(&st, &cfg), 0);
	assert_null(st);
	store_close(NULL);
}

static void test_pragmas(void **state)
{
	(void)state;
	static const struct store_stmt sync = {"sync", "PRAGMA synchronous", NULL};
	static const struct store_stmt fk = {"fk", "PRAGMA foreign_keys", NULL};
	static const struct store_stmt jm = {"jm", "PRAGMA journal_mode", NULL};
	for (int full = 0; full <= 1; full++) {
		struct fixture f;
		tmpdb_init(&f.db);
		loop_init(&f.loop);
		cfg_for(&f.cfg, &f.db, &f.loop);
		f.cfg.sync_full = full;
		assert_int_equal(store_open(&f.st, &f.cfg), 0);
		/* the writer's connection: ask through a write job */
		struct store_job *job;
		struct store_rs *rs;
		assert_int_equal(store_job_alloc(&job), 0);
		assert_int_equal(store_job_add(job, &sync, NULL, 0, 0), 0);
		assert_int_equal(store_job_add(job, &fk, NULL, 0, 0), 0);
		assert_int_equal(store_job_add(job, &jm, NULL, 0, 0), 0);
		assert_int_equal(store_write_sync(f.st, job, &rs), 0);
		assert_int_equal(store_rs_rows(rs), 3);
		assert_int_equal(store_rs_int(rs, 0, 0), full ? 2 : 1); /* FULL = 2, NORMAL = 1 */
		assert_int_equal(store_rs_int(rs, 1, 0), 1);
		assert_string_equal(store_rs_text(rs, 2, 0), "wal");
		store_rs_free(rs);
		fx_close(&f);
	}
}

static void test_values(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	static const char blob[] = {1, 0, 2, 0, (char)0xff};
	const char *long_text = "hello, world";
	struct store_value p[4] = {store_int(INT64_MAX), store_textn(long_text, 5),
				   store_real(-2.5), store_blob(blob, sizeof(blob))};
	assert_int_equal(store_exec_sync(f.st, &insert_t, p, 4), 0);
	struct store_value q[4] = {store_int(INT64_MIN), store_text(NULL), store_null(),
				   store_blob(NULL, 0)};
	assert_int_equal(store_exec_sync(f.st, &insert_t, q, 4), 0);

	struct store_rs *rs;
	struct store_value id = store_int(INT64_MAX);
	assert_int_equal(store_query_sync(f.st, &select_t, &id, 1, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 1);
	assert_int_equal(store_rs_cols(rs, 0), 4);
	assert_int_equal(store_rs_int(rs, 0, 0), INT64_MAX);
	assert_string_equal(store_rs_text(rs, 0, 1), "hello");
	assert_int_equal(store_rs_value(rs, 0, 1)->len, 5);
	assert_true(store_rs_real(rs, 0, 2) == -2.5);
	const struct store_value *b = store_rs_value(rs, 0, 3);
	assert_int_equal(b->type, STORE_BLOB);
	assert_int_equal(b->len, sizeof(blob));
	assert_memory_equal(b->u.p, blob, sizeof(blob));
	/* out of range reads as NULL */
	assert_true(store_rs_is_null(rs, 0, 9));
	assert_true(store_rs_is_null(rs, 5, 0));
	assert_null(store_rs_text(rs, 0, 0));
	store_rs_free(rs);

	id = store_int(INT64_MIN);
	assert_int_equal(store_query_sync(f.st, &select_t, &id, 1, &rs), 0);
	assert_int_equal(store_rs_int(rs, 0, 0), INT64_MIN);
	assert_true(store_rs_is_null(rs, 0, 1));
	assert_true(store_rs_is_null(rs, 0, 2));
	assert_int_equal(store_rs_value(rs, 0, 3)->type, STORE_BLOB);
	assert_int_equal(store_rs_value(rs, 0, 3)->len, 0);
	store_rs_free(rs);

	/* no rows: NULL result set */
	id = store_int(7);
	assert_int_equal(store_query_sync(f.st, &select_t, &id, 1, &rs), 0);
	assert_null(rs);
	fx_close(&f);
}

static void test_params(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	struct store_rs *rs;
	/* $n in any order and repeated: SQLite numbers them by first appearance */
	static const struct store_stmt order = {"order", "SELECT $2, $1, $2 * 10 + $1, $3", NULL};
	struct store_value p[3] = {store_int(1), store_int(2), store_text("three")};
	assert_int_equal(store_query_sync(f.st, &order, p, 3, &rs), 0);
	assert_int_equal(store_rs_int(rs, 0, 0), 2);
	assert_int_equal(store_rs_int(rs, 0, 1), 1);
	assert_int_equal(store_rs_int(rs, 0, 2), 21);
	assert_string_equal(store_rs_text(rs, 0, 3), "three");
	store_rs_free(rs);

	/* wrong count, gaps, other placeholder styles, several statements, bad SQL */
	assert_int_equal(store_query_sync(f.st, &order, p, 2, &rs), EINVAL);
	static const struct store_stmt gap = {"gap", "SELECT $1, $3", NULL};
	assert_int_equal(store_query_sync(f.st, &gap, p, 3, &rs), EINVAL);
	static const struct store_stmt qmark = {"qmark", "SELECT ?", NULL};
	assert_int_equal(store_query_sync(f.st, &qmark, p, 1, &rs), EINVAL);
	static const struct store_stmt named = {"named", "SELECT :a", NULL};
	assert_int_equal(store_query_sync(f.st, &named, p, 1, &rs), EINVAL);
	static const struct store_stmt zero = {"zero", "SELECT $01", NULL};
	assert_int_equal(store_query_sync(f.st, &zero, p, 1, &rs), EINVAL);
	static const struct store_stmt two = {"two", "SELECT 1; SELECT 2", NULL};
	assert_int_equal(store_query_sync(f.st, &two, NULL, 0, &rs), EINVAL);
	static const struct store_stmt syntax = {"syntax", "SELEKT 1", NULL};
	assert_int_equal(store_query_sync(f.st, &syntax, NULL, 0, &rs), EINVAL);
	assert_int_equal(store_exec_sync(f.st, &syntax, NULL, 0), EINVAL);
	static const struct store_stmt nosql = {"nosql", NULL, NULL};
	assert_int_equal(store_query_sync(f.st, &nosql, NULL, 0, &rs), EINVAL);
	/* a value is data, never SQL */
	struct store_value evil = store_text("x'); DROP TABLE t; --");
	assert_int_equal(store_exec_sync(f.st, &insert_name, &evil, 1), 0);
	assert_int_equal(query_int(f.st, &count_name, &evil, 1), 1);
	/* readers are read-only */
	struct store_value n = store_text("r");
	assert_int_equal(store_query_sync(f.st, &insert_name, &n, 1, &rs), EROFS);
	fx_close(&f);
}

struct result {
	long done;
	int err[256];
	int64_t first[256];
};

static void on_done(int err, struct store_rs *rs, void *arg)
{
	struct result *r = arg;
	r->err[r->done] = err;
	r->first[r->done] = store_rs_int(rs, 0, 0);
	r->done++;
}

/* Holds the writer so that what the test queues next shares one transaction (see release_writer).
 */
static void stall_writer(struct store *st)
{
	store_writer_pause(st, true);
}

static void release_writer(struct store *st)
{
	store_writer_pause(st, false);
}

/* Keeps the writer busy with a slow statement (the order of what follows does not matter). */
static void busy_writer(struct store *st)
{
	struct store_job *job;
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_add(job, &slow, NULL, 0, 0), 0);
	assert_int_equal(store_write(st, job, NULL, NULL), 0);
}

static void test_group_commit_savepoints(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	struct result r;
	memset(&r, 0, sizeof(r));
	struct store_stats before, after;
	store_stats(f.st, &before);

	stall_writer(f.st);
	enum { N = 100 };
	char name[32];
	for (int i = 0; i < N; i++) {
		struct store_job *job;
		assert_int_equal(store_job_alloc(&job), 0);
		/* every 10th job: a duplicate name in its second step, so the whole job must fail
		 */
		snprintf(name, sizeof(name), "n%d", i);
		struct store_value v = store_text(name);
		assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0), 0);
		if (i % 10 == 9) {
			struct store_value d = store_text("n0");
			assert_int_equal(store_job_add(job, &insert_name, &d, 1, 0), 0);
		}
		assert_int_equal(store_write(f.st, job, on_done, &r), 0);
	}
	release_writer(f.st);
	assert_true(loop_run_until(&f.loop, &r.done, N, 10000));
	for (int i = 0; i < N; i++) {
		if (i % 10 == 9) {
			assert_int_equal(r.err[i], EEXIST);
			assert_int_equal(r.first[i], 0); /* a failed job returns no rows */
		} else {
			assert_int_equal(r.err[i], 0);
			assert_true(r.first[i] > 0); /* RETURNING id */
		}
	}
	/* completions come in submission order */
	for (int i = 1; i < N; i++)
		if (r.err[i] == 0 && r.err[i - 1] == 0)
			assert_true(r.first[i] > r.first[i - 1]);
	assert_int_equal(query_int(f.st, &count_t, NULL, 0), N - N / 10);
	/* the failed jobs' first steps were rolled back */
	struct store_value n9 = store_text("n9");
	assert_int_equal(query_int(f.st, &count_name, &n9, 1), 0);

	store_stats(f.st, &after);
	assert_true(after.max_batch >= 50);		     /* group commit happened */
	assert_true(after.commits - before.commits < N / 2); /* far fewer commits than jobs */
	assert_int_equal(after.jobs_failed - before.jobs_failed, N / 10);
	assert_int_equal(after.jobs_ok - before.jobs_ok, N - N / 10);
	fx_close(&f);
}

static void test_must_hit_and_refs(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	struct store_job *job;
	struct store_rs *rs;

	/* parent then child, the child referring to the parent's new id */
	assert_int_equal(store_job_alloc(&job), 0);
	struct store_value v = store_text("parent");
	assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0), 0);
	struct store_value c[2] = {store_text("child"), store_ref(0, 0)};
	assert_int_equal(store_job_add(job, &insert_child, c, 2, 0), 0);
	struct store_value bad[2] = {store_text("x"), store_ref(2, 0)};
	assert_int_equal(store_job_add(job, &insert_child, bad, 2, 0), EINVAL); /* not yet run */
	assert_int_equal(store_job_steps(job), 2);
	assert_int_equal(store_write_sync(f.st, job, &rs), 0);
	int64_t parent = store_rs_int(rs, 0, 0);
	store_rs_free(rs);
	static const struct store_stmt child_parent = {
	    "child_parent", "SELECT parent FROM t WHERE name = 'child'", NULL};
	assert_int_equal(query_int(f.st, &child_parent, NULL, 0), parent);

	/* a step that must hit a row and hits none fails the job, undoing its earlier steps */
	assert_int_equal(store_job_alloc(&job), 0);
	v = store_text("lost");
	assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0), 0);
	struct store_value ren[2] = {store_int(424242), store_text("nobody")};
	assert_int_equal(store_job_add(job, &rename_t, ren, 2, STORE_MUST_HIT), 0);
	assert_int_equal(store_write_sync(f.st, job, &rs), ENOENT);
	assert_null(rs);
	assert_int_equal(query_int(f.st, &count_name, &v, 1), 0);

	/* a reference to a step that returned nothing */
	assert_int_equal(store_job_alloc(&job), 0);
	struct store_value none = store_int(999);
	static const struct store_stmt select_id = {"select_id", "SELECT id FROM t WHERE id = $1",
						    NULL};
	assert_int_equal(store_job_add(job, &select_id, &none, 1, 0), 0);
	struct store_value c2[2] = {store_text("orphan"), store_ref(0, 0)};
	assert_int_equal(store_job_add(job, &insert_child, c2, 2, 0), 0);
	assert_int_equal(store_write_sync(f.st, job, NULL), ENOENT);

	/* constraint errors */
	struct store_value fk[2] = {store_text("dangling"), store_int(31337)};
	assert_int_equal(store_exec_sync(f.st, &insert_child, fk, 2), ENOENT);
	v = store_text("parent");
	assert_int_equal(store_exec_sync(f.st, &insert_name, &v, 1), EEXIST);

	/* bad jobs */
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_write(f.st, job, NULL, NULL), EINVAL); /* empty: stays ours */
	assert_int_equal(store_job_add(job, &insert_name, NULL, 1, 0), EINVAL);
	assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0x80), EINVAL);
	store_job_free(job);
	assert_int_equal(store_job_alloc(NULL), EINVAL);
	store_job_free(NULL);
	fx_close(&f);
}

static void test_back_pressure(void **state)
{
	(void)state;
	struct fixture f;
	tmpdb_init(&f.db);
	loop_init(&f.loop);
	cfg_for(&f.cfg, &f.db, &f.loop);
	f.cfg.queue_max = 8;
	assert_int_equal(store_open(&f.st, &f.cfg), 0);
	assert_int_equal(store_exec_sync(f.st, &create_t, NULL, 0), 0);

	stall_writer(f.st);
	struct result r;
	memset(&r, 0, sizeof(r));
	int accepted = 0, refused = 0;
	char name[32];
	for (int i = 0; i < 40; i++) {
		struct store_job *job;
		assert_int_equal(store_job_alloc(&job), 0);
		snprintf(name, sizeof(name), "bp%d", i);
		struct store_value v = store_text(name);
		assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0), 0);
		int err = store_write(f.st, job, on_done, &r);
		if (err == EAGAIN) {
			refused++;
			store_job_free(job); /* refused: still ours */
		} else {
			assert_int_equal(err, 0);
			accepted++;
		}
	}
	assert_true(refused > 0);
	assert_true(accepted >= 8 && accepted <= 16); /* the bound */
	release_writer(f.st);
	assert_true(loop_run_until(&f.loop, &r.done, accepted, 10000));
	struct store_stats s;
	store_stats(f.st, &s);
	assert_int_equal(s.queue_full, (uint64_t)refused);
	assert_int_equal(query_int(f.st, &count_t, NULL, 0), accepted);

	/* a synchronous write waits for room instead of failing */
	busy_writer(f.st);
	long target = r.done;
	for (int i = 0; i < 40; i++) {
		struct store_job *job;
		assert_int_equal(store_job_alloc(&job), 0);
		snprintf(name, sizeof(name), "fill%d", i);
		struct store_value v = store_text(name);
		assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0), 0);
		if (store_write(f.st, job, on_done, &r) == 0)
			target++;
		else
			store_job_free(job);
	}
	struct store_value w = store_text("waited");
	assert_int_equal(store_exec_sync(f.st, &insert_name, &w, 1), 0);
	assert_true(loop_run_until(&f.loop, &r.done, target, 10000));
	assert_int_equal(query_int(f.st, &count_name, &w, 1), 1);
	fx_close(&f);
}

struct commits {
	long calls;
	uint64_t last;
	bool went_back;
};

static void on_committed(uint64_t seq, void *arg)
{
	struct commits *c = arg;
	if (seq <= c->last)
		c->went_back = true;
	c->last = seq;
	c->calls++;
}

static struct store_event make_event(uint64_t seq, int64_t time)
{
	struct store_event e;
	memset(&e, 0, sizeof(e));
	e.seq = seq;
	e.ev.type = (uint16_t)(1 + seq % (ACD_EV_TYPE_COUNT - 1));
	e.ev.from = (uint8_t)(seq % 7);
	e.ev.to = (uint8_t)((seq + 1) % 7);
	e.ev.flags = (uint8_t)(seq & 0xf);
	e.ev.priority = -(int32_t)seq;
	e.ev.time = time;
	e.ev.call = UINT64_MAX - seq; /* above INT64_MAX: must survive the int64 column */
	e.ev.queue = (uint32_t)(seq % 5 + 1);
	e.ev.agent = UINT32_MAX - (uint32_t)seq;
	e.ev.target = 9;
	e.ev.reason = 100 + (uint32_t)seq;
	e.ev.position = 3;
	e.ev.count = 4;
	e.ev.t_enter = time - 1000;
	e.ev.wait_ms = 1234;
	e.ev.dur_ms = 5678;
	e.ev.hold_ms = 90;
	e.ev.disposition = seq * 3;
	return e;
}

struct page {
	long done;
	int err;
	unsigned rows;
	uint64_t first, last;
};

static void on_page(int err, struct store_rs *rs, void *arg)
{
	struct page *p = arg;
	p->err = err;
	p->rows = store_rs_rows(rs);
	struct store_event e;
	if (p->rows && store_event_get(rs, 0, &e) == 0)
		p->first = e.seq;
	if (p->rows && store_event_get(rs, p->rows - 1, &e) == 0)
		p->last = e.seq;
	p->done++;
}

struct scan {
	uint64_t n, last;
	bool order_ok, fields_ok;
};

static int on_scan(const struct store_event *e, void *arg)
{
	struct scan *s = arg;
	struct store_event want = make_event(e->seq, e->ev.time);
	if (e->seq <= s->last)
		s->order_ok = false;
	s->last = e->seq;
	s->n++;
	if (memcmp(&e->ev, &want.ev, sizeof(want.ev)) != 0)
		s->fields_ok = false;
	return 0;
}

static int stop_at_3(const struct store_event *e, void *arg)
{
	(void)arg;
	return e->seq == 3 ? ECANCELED : 0;
}

static void test_events(void **state)
{
	(void)state;
	struct fixture f;
	struct commits cm;
	memset(&cm, 0, sizeof(cm));
	tmpdb_init(&f.db);
	loop_init(&f.loop);
	cfg_for(&f.cfg, &f.db, &f.loop);
	f.cfg.committed = on_committed;
	f.cfg.committed_arg = &cm;
	f.cfg.log = test_log_quiet;
	assert_int_equal(store_open(&f.st, &f.cfg), 0);

	uint64_t seq;
	int64_t t;
	assert_int_equal(store_events_last_sync(f.st, &seq, &t), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(store_committed_seq(f.st), 0);

	/* 2500 events over two "days": seq 1..1000 on day 1, the rest on day 2 */
	const int64_t day1 = 1700000000000LL, day2 = day1 + 86400000LL;
	enum { N = 2500 };
	for (uint64_t i = 1; i <= N; i++) {
		struct store_event e = make_event(i, (i <= 1000 ? day1 : day2) + (int64_t)i);
		if (i == 7)
			e.kind = "user-login", e.user = 42, e.data = "{\"session\":7}";
		int err;
		while ((err = store_event_append(f.st, &e)) == EAGAIN)
			loop_drain(&f.loop);
		assert_int_equal(err, 0);
	}
	/* seq must increase */
	struct store_event old = make_event(N, day2);
	assert_int_equal(store_event_append(f.st, &old), EINVAL);
	old.seq = 0;
	assert_int_equal(store_event_append(f.st, &old), EINVAL);

	/* the committed hook reaches N, never going back */
	while (cm.last < N)
		assert_true(loop_run_one(&f.loop, 10000));
	assert_false(cm.went_back);
	assert_int_equal(store_committed_seq(f.st), N);
	assert_int_equal(store_events_last_sync(f.st, &seq, &t), 0);
	assert_int_equal(seq, N);
	assert_int_equal(t, day2 + N);

	/* pages for an SSE client reconnecting with Last-Event-ID 1990 */
	struct page pg;
	memset(&pg, 0, sizeof(pg));
	assert_int_equal(store_events_read(f.st, 1990, 0, 100, on_page, &pg), 0);
	assert_true(loop_run_until(&f.loop, &pg.done, 1, 10000));
	assert_int_equal(pg.err, 0);
	assert_int_equal(pg.rows, 100);
	assert_int_equal(pg.first, 1991);
	assert_int_equal(pg.last, 2090);
	assert_int_equal(store_events_read(f.st, 0, 0, 0, on_page, &pg), EINVAL);
	assert_int_equal(store_events_read(f.st, 0, 0, 10001, on_page, &pg), EINVAL);

	/* a non-ACD event keeps its kind, user and data */
	struct store_rs *rs;
	static const struct store_stmt ev7 = {
	    "ev7",
	    "SELECT seq, time, kind, type, from_state, to_state, flags, priority, call_id, "
	    "queue_id, agent_id, target, reason, position, count, t_enter, wait_ms, dur_ms, "
	    "hold_ms, disposition, user_id, data FROM events WHERE seq = 7",
	    NULL};
	assert_int_equal(store_query_sync(f.st, &ev7, NULL, 0, &rs), 0);
	struct store_event e;
	assert_int_equal(store_event_get(rs, 0, &e), 0);
	assert_string_equal(e.kind, "user-login");
	assert_int_equal(e.user, 42);
	assert_string_equal(e.data, "{\"session\":7}");
	assert_int_equal(store_event_get(rs, 1, &e), EINVAL);
	store_rs_free(rs);
	static const struct store_stmt kind8 = {"kind8", "SELECT kind FROM events WHERE seq = 8",
						NULL};
	assert_int_equal(store_query_sync(f.st, &kind8, NULL, 0, &rs), 0);
	assert_string_equal(store_rs_text(rs, 0, 0),
			    acd_event_name((enum acd_event_type)(1 + 8 % (ACD_EV_TYPE_COUNT - 1))));
	store_rs_free(rs);

	/* rebuilding counters: everything since "midnight" of day 2, in order, every field intact
	 */
	struct scan sc = {0, 0, true, true};
	assert_int_equal(store_events_scan_sync(f.st, 0, day2, on_scan, &sc), 0);
	assert_int_equal(sc.n, N - 1000);
	assert_true(sc.order_ok);
	assert_true(sc.fields_ok);
	memset(&sc, 0, sizeof(sc));
	sc.order_ok = sc.fields_ok = true;
	assert_int_equal(store_events_scan_sync(f.st, 0, 0, on_scan, &sc), 0);
	assert_int_equal(sc.n, N);
	assert_true(sc.order_ok);
	memset(&sc, 0, sizeof(sc));
	assert_int_equal(store_events_scan_sync(f.st, 0, day2 + 86400000LL, on_scan, &sc), 0);
	assert_int_equal(sc.n, 0);
	assert_int_equal(store_events_scan_sync(f.st, 0, 0, stop_at_3, NULL), ECANCELED);

	/* the log is append-only */
	static const struct store_stmt tamper = {"tamper", "UPDATE events SET agent_id = 1", NULL};
	assert_int_equal(store_exec_sync(f.st, &tamper, NULL, 0), EPERM);
	store_close(f.st);

	/* after a restart, appends continue after the last seq */
	assert_int_equal(store_open(&f.st, &f.cfg), 0);
	assert_int_equal(store_committed_seq(f.st), N);
	struct store_event again = make_event(N, day2);
	assert_int_equal(store_event_append(f.st, &again), EINVAL);
	again.seq = N + 1;
	assert_int_equal(store_event_append(f.st, &again), 0);
	fx_close(&f);
}

/* A failing COMMIT (a deferred foreign key) fails every job of the batch and loses its events. */
static void test_commit_failure(void **state)
{
	(void)state;
	struct fixture f;
	struct commits cm;
	memset(&cm, 0, sizeof(cm));
	tmpdb_init(&f.db);
	loop_init(&f.loop);
	cfg_for(&f.cfg, &f.db, &f.loop);
	f.cfg.committed = on_committed;
	f.cfg.committed_arg = &cm;
	f.cfg.log = test_log_quiet;
	assert_int_equal(store_open(&f.st, &f.cfg), 0);
	assert_int_equal(store_exec_sync(f.st, &create_t, NULL, 0), 0);
	static const struct store_stmt create_d = {
	    "create_d",
	    "CREATE TABLE d (id INTEGER PRIMARY KEY, p INTEGER REFERENCES t(id) DEFERRABLE "
	    "INITIALLY DEFERRED)",
	    NULL};
	static const struct store_stmt insert_d = {"insert_d", "INSERT INTO d (p) VALUES ($1)",
						   NULL};
	assert_int_equal(store_exec_sync(f.st, &create_d, NULL, 0), 0);
	struct store_event e = make_event(1, 1000);
	assert_int_equal(store_event_append(f.st, &e), 0);
	while (cm.last < 1)
		assert_true(loop_run_one(&f.loop, 10000));

	struct result r;
	memset(&r, 0, sizeof(r));
	stall_writer(f.st);
	struct store_job *job;
	struct store_value v = store_text("innocent");
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0), 0);
	assert_int_equal(store_write(f.st, job, on_done, &r), 0);
	e = make_event(2, 2000);
	assert_int_equal(store_event_append(f.st, &e), 0);
	struct store_value dangling = store_int(4242);
	assert_int_equal(store_job_alloc(&job), 0);
	assert_int_equal(store_job_add(job, &insert_d, &dangling, 1, 0), 0);
	assert_int_equal(store_write(f.st, job, on_done, &r), 0);
	release_writer(f.st);
	assert_true(loop_run_until(&f.loop, &r.done, 2, 10000));
	assert_int_equal(r.err[0], ENOENT); /* it did nothing wrong, but shared the transaction */
	assert_int_equal(r.err[1], ENOENT);
	loop_drain(&f.loop);
	assert_int_equal(store_committed_seq(f.st), 1); /* event 2 was never committed */
	assert_int_equal(cm.last, 1);
	struct store_stats s;
	store_stats(f.st, &s);
	assert_int_equal(s.events_lost, 1);
	assert_int_equal(query_int(f.st, &count_t, NULL, 0), 0);
	/* the writer goes on */
	e = make_event(3, 3000);
	assert_int_equal(store_event_append(f.st, &e), 0);
	assert_int_equal(store_exec_sync(f.st, &insert_name, &v, 1), 0);
	while (cm.last < 3)
		assert_true(loop_run_one(&f.loop, 10000));
	assert_int_equal(query_int(f.st, &count_t, NULL, 0), 1);
	fx_close(&f);
}

static void test_read_limits(void **state)
{
	(void)state;
	struct fixture f;
	tmpdb_init(&f.db);
	loop_init(&f.loop);
	cfg_for(&f.cfg, &f.db, &f.loop);
	f.cfg.read_timeout_ms = 50;
	f.cfg.read_max_rows = 10;
	f.cfg.log = test_log_quiet;
	assert_int_equal(store_open(&f.st, &f.cfg), 0);
	struct store_rs *rs;
	static const struct store_stmt forever = {
	    "forever",
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
	    "SELECT count(*) FROM c",
	    NULL};
	assert_int_equal(store_query_sync(f.st, &forever, NULL, 0, &rs), ETIMEDOUT);
	static const struct store_stmt rows = {
	    "rows",
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $1) "
	    "SELECT x FROM c",
	    NULL};
	struct store_value n = store_int(10);
	assert_int_equal(store_query_sync(f.st, &rows, &n, 1, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 10);
	store_rs_free(rs);
	n = store_int(11);
	assert_int_equal(store_query_sync(f.st, &rows, &n, 1, &rs), E2BIG);
	assert_null(rs);
	/* the reader is still usable afterwards */
	n = store_int(3);
	assert_int_equal(store_query_sync(f.st, &rows, &n, 1, &rs), 0);
	assert_int_equal(store_rs_rows(rs), 3);
	store_rs_free(rs);
	fx_close(&f);
}

struct qcount {
	long done;
	long ok;
};

static void on_query(int err, struct store_rs *rs, void *arg)
{
	struct qcount *q = arg;
	if (!err && store_rs_int(rs, 0, 0) >= 0)
		q->ok++;
	q->done++;
}

static void test_async_queries(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	struct qcount q = {0, 0};
	for (int i = 0; i < 200; i++)
		assert_int_equal(store_query(f.st, &count_t, NULL, 0, on_query, &q), 0);
	assert_true(loop_run_until(&f.loop, &q.done, 200, 10000));
	assert_int_equal(q.ok, 200);
	assert_int_equal(store_query(f.st, &count_t, NULL, 0, NULL, NULL), EINVAL);
	struct store_value r = store_ref(0, 0);
	assert_int_equal(store_query(f.st, &select_t, &r, 1, on_query, &q), EINVAL);
	fx_close(&f);
}

static void test_checkpoints(void **state)
{
	(void)state;
	struct fixture f;
	tmpdb_init(&f.db);
	loop_init(&f.loop);
	cfg_for(&f.cfg, &f.db, &f.loop);
	f.cfg.checkpoint_pages = 20;
	f.cfg.idle_checkpoint_ms = 100;
	assert_int_equal(store_open(&f.st, &f.cfg), 0);
	assert_int_equal(store_exec_sync(f.st, &create_t, NULL, 0), 0);

	/* writes grow the WAL; PASSIVE checkpoints run as it passes checkpoint_pages */
	char name[64];
	for (int i = 0; i < 300; i++) {
		struct store_job *job;
		assert_int_equal(store_job_alloc(&job), 0);
		for (int k = 0; k < 20; k++) {
			snprintf(name, sizeof(name), "row %d %d padding padding padding padding", i,
				 k);
			struct store_value v = store_text(name);
			assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0), 0);
		}
		assert_int_equal(store_write_sync(f.st, job, NULL), 0);
	}
	struct store_stats s;
	store_stats(f.st, &s);
	assert_true(s.checkpoints > 0);

	/* idle: the WAL is truncated */
	long wal = -1;
	for (int i = 0; i < 100; i++) {
		wal = tmpdb_wal_size(&f.db);
		if (wal == 0)
			break;
		struct timespec ts = {0, 20000000L};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(wal, 0);

	/* on request */
	struct store_value v = store_text("one more");
	assert_int_equal(store_exec_sync(f.st, &insert_name, &v, 1), 0);
	assert_true(tmpdb_wal_size(&f.db) > 0);
	assert_int_equal(store_checkpoint_sync(f.st, true), 0);
	assert_int_equal(tmpdb_wal_size(&f.db), 0);
	assert_int_equal(store_checkpoint_sync(f.st, false), 0);
	assert_int_equal(query_int(f.st, &count_t, NULL, 0), 300 * 20 + 1);
	fx_close(&f);
}

static void test_close_flushes(void **state)
{
	(void)state;
	struct fixture f;
	fx_open(&f);
	struct result r;
	memset(&r, 0, sizeof(r));
	enum { N = 200 };
	char name[32];
	for (int i = 0; i < N; i++) {
		struct store_job *job;
		assert_int_equal(store_job_alloc(&job), 0);
		snprintf(name, sizeof(name), "c%d", i);
		struct store_value v = store_text(name);
		assert_int_equal(store_job_add(job, &insert_name, &v, 1, 0), 0);
		assert_int_equal(store_write(f.st, job, i < 256 ? on_done : NULL, &r), 0);
	}
	store_close(f.st); /* commits everything queued; completions were posted */
	loop_drain(&f.loop);
	assert_int_equal(r.done, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(r.err[i], 0);
	assert_int_equal(store_open(&f.st, &f.cfg), 0);
	assert_int_equal(query_int(f.st, &count_t, NULL, 0), N);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_open_migrate),
	    TEST(test_bad_config),
	    TEST(test_bulk_deleted_parents_indexed),
	    TEST(test_pragmas),
	    TEST(test_values),
	    TEST(test_params),
	    TEST(test_group_commit_savepoints),
	    TEST(test_must_hit_and_refs),
	    TEST(test_back_pressure),
	    TEST(test_events),
	    TEST(test_commit_failure),
	    TEST(test_read_limits),
	    TEST(test_async_queries),
	    TEST(test_checkpoints),
	    TEST(test_close_flushes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
