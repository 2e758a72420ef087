/* sqlite: the SQLite engine: connections, pragmas, $n statements per connection, migrations. */
#include "store/store_impl.h"

#include "base/clock.h"
#include "base/idmap.h"
#include "base/mem.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#define MAX_PARAMS 999

/* A statement prepared on one connection, with its parameter map. */
struct prep {
	sqlite3_stmt *s;
	unsigned nparams; /* highest $n */
	unsigned nbind;	  /* SQLite's parameter count (distinct $n) */
	uint16_t map[];	  /* SQLite index i+1 is our $map[i] */
};

struct store_conn {
	sqlite3 *db;
	struct idmap stmts; /* (uintptr_t)struct store_stmt * -> struct prep * */
	bool writer;
	int busy_ms;
	unsigned wal_frames;
	int64_t deadline;
	const struct store_log *lg;
	sqlite3_stmt *begin, *commit, *rollback, *savepoint, *release, *rollback_to;
};

static int map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT:
		switch (rc) {
		case SQLITE_CONSTRAINT_UNIQUE:
		case SQLITE_CONSTRAINT_PRIMARYKEY:
		case SQLITE_CONSTRAINT_ROWID:
			return EEXIST;
		case SQLITE_CONSTRAINT_FOREIGNKEY:
			return ENOENT;
		case SQLITE_CONSTRAINT_TRIGGER:
			return EPERM;
		default:
			return EINVAL; /* NOT NULL, CHECK */
		}
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_READONLY:
		return EROFS;
	case SQLITE_INTERRUPT:
		return ETIMEDOUT;
	case SQLITE_TOOBIG:
		return E2BIG;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return EACCES;
	case SQLITE_ERROR:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
		return EINVAL;
	default:
		return EIO; /* IOERR, CORRUPT, NOTADB ... */
	}
}

/* Logs what SQLite said, except for constraint violations (the caller's business). */
static int fail(struct store_conn *c, int rc, const char *what)
{
	if ((rc & 0xff) != SQLITE_CONSTRAINT && (rc & 0xff) != SQLITE_INTERRUPT)
		store_logf(c->lg, "sqlite: %s: %s (%d)", what, sqlite3_errmsg(c->db), rc);
	return map_rc(rc);
}

static int progress(void *arg)
{
	struct store_conn *c = arg;
	return c->deadline && clock_mono_ms() > c->deadline;
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	struct store_conn *c = arg;
	c->wal_frames = frames > 0 ? (unsigned)frames : 0;
	return SQLITE_OK;
}

static int prepare_raw(struct store_conn *c, const char *sql, sqlite3_stmt **sp)
{
	int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, sp, NULL);
	return rc == SQLITE_OK ? 0 : fail(c, rc, sql);
}

static int step_simple(struct store_conn *c, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(c, rc, sqlite3_sql(s));
}

static void prep_free(struct prep *p)
{
	sqlite3_finalize(p->s);
	sb_free(p);
}

static void conn_close(struct store_conn *c)
{
	if (!c)
		return;
	uint32_t pos = 0;
	uint64_t key;
	void *val;
	while (idmap_next(&c->stmts, &pos, &key, &val))
		prep_free(val);
	idmap_release(&c->stmts);
	sqlite3_finalize(c->begin);
	sqlite3_finalize(c->commit);
	sqlite3_finalize(c->rollback);
	sqlite3_finalize(c->savepoint);
	sqlite3_finalize(c->release);
	sqlite3_finalize(c->rollback_to);
	sqlite3_close(c->db);
	sb_free(c);
}

static int exec_pragma(struct store_conn *c, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		store_logf(c->lg, "sqlite: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return map_rc(rc);
	}
	return 0;
}

/*
 * Process-wide, before SQLite initialises: no memory statistics. They cost a
 * global mutex on every allocation (about a tenth of the writer's time). If
 * SQLite was already initialised by someone else, this quietly does nothing.
 */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int conn_open(struct store_conn **cp, const struct store_config *cfg, bool writer,
		     const struct store_log *lg)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	struct store_conn *c = sb_zalloc(sizeof(*c));
	if (!c)
		return ENOMEM;
	idmap_init(&c->stmts);
	c->writer = writer;
	c->busy_ms = cfg->busy_timeout_ms;
	c->lg = lg;
	int flags = SQLITE_OPEN_NOMUTEX |
		    (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
	int rc = sqlite3_open_v2(cfg->path, &c->db, flags, NULL);
	int err = 0;
	if (rc != SQLITE_OK) {
		store_logf(lg, "sqlite: cannot open %s: %s", cfg->path,
			   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		err = map_rc(rc);
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, c->busy_ms);
	if (writer) {
		/* WAL: readers never block the writer; NORMAL survives a process crash, FULL power
		 * loss */
		sqlite3_stmt *s = NULL;
		err = prepare_raw(c, "PRAGMA journal_mode=WAL", &s);
		if (!err) {
			rc = sqlite3_step(s);
			const unsigned char *mode =
			    rc == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;
			if (!mode || strcmp((const char *)mode, "wal") != 0) {
				store_logf(lg, "sqlite: %s: cannot switch to WAL", cfg->path);
				err = EIO;
			}
			sqlite3_finalize(s);
		}
		if (!err)
			err = exec_pragma(c, cfg->sync_full ? "PRAGMA synchronous=FULL"
							    : "PRAGMA synchronous=NORMAL");
		if (!err)
			err = exec_pragma(c, "PRAGMA foreign_keys=ON;"
					     "PRAGMA secure_delete=ON;"
					     "PRAGMA journal_size_limit=67108864;"
					     "PRAGMA cache_size=-65536;"
					     "PRAGMA temp_store=MEMORY");
		/* our own WAL hook replaces auto-checkpointing: the writer thread checkpoints */
		sqlite3_wal_hook(c->db, wal_hook, c);
		if (!err)
			err = prepare_raw(c, "BEGIN IMMEDIATE", &c->begin);
		if (!err)
			err = prepare_raw(c, "COMMIT", &c->commit);
		if (!err)
			err = prepare_raw(c, "ROLLBACK", &c->rollback);
		if (!err)
			err = prepare_raw(c, "SAVEPOINT job", &c->savepoint);
		if (!err)
			err = prepare_raw(c, "RELEASE job", &c->release);
		if (!err)
			err = prepare_raw(c, "ROLLBACK TO job", &c->rollback_to);
	} else {
		err = exec_pragma(c, "PRAGMA query_only=1; PRAGMA cache_size=-8192");
		sqlite3_progress_handler(c->db, 1000, progress, c);
	}
out:
	if (err) {
		conn_close(c);
		return err;
	}
	*cp = c;
	return 0;
}

/* Parses "$n" (n in 1..MAX_PARAMS, no leading zero); 0 when the name is anything else. */
static unsigned param_number(const char *name)
{
	if (!name || name[0] != '$' || name[1] < '1' || name[1] > '9')
		return 0;
	unsigned n = 0;
	for (const char *p = name + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (unsigned)(*p - '0');
		if (n > MAX_PARAMS)
			return 0;
	}
	return n;
}

static int prepare(struct store_conn *c, const struct store_stmt *stmt, struct prep **pp)
{
	struct prep *p = idmap_get(&c->stmts, (uint64_t)(uintptr_t)stmt);
	if (p) {
		*pp = p;
		return 0;
	}
	sqlite3_stmt *s = NULL;
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(c->db, stmt->sql, -1, SQLITE_PREPARE_PERSISTENT, &s, &tail);
	if (rc != SQLITE_OK) {
		store_logf(c->lg, "sqlite: statement %s: %s", stmt->name ? stmt->name : "?",
			   sqlite3_errmsg(c->db));
		return map_rc(rc) == EIO ? EIO : EINVAL;
	}
	int err = 0;
	while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
		tail++;
	if (!s || (tail && *tail)) {
		store_logf(c->lg, "sqlite: statement %s: not exactly one statement",
			   stmt->name ? stmt->name : "?");
		sqlite3_finalize(s);
		return EINVAL;
	}
	unsigned nbind = (unsigned)sqlite3_bind_parameter_count(s);
	p = sb_zalloc(sizeof(*p) + sizeof(p->map[0]) * (nbind ? nbind : 1));
	if (!p) {
		sqlite3_finalize(s);
		return ENOMEM;
	}
	p->s = s;
	p->nbind = nbind;
	/* every parameter must be $n, and $1..$max all present (PostgreSQL needs each typed) */
	unsigned char seen[MAX_PARAMS + 1];
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < nbind; i++) {
		unsigned k = param_number(sqlite3_bind_parameter_name(s, (int)i + 1));
		if (!k) {
			err = EINVAL;
			break;
		}
		p->map[i] = (uint16_t)k;
		seen[k] = 1;
		if (k > p->nparams)
			p->nparams = k;
	}
	for (unsigned k = 1; !err && k <= p->nparams; k++)
		if (!seen[k])
			err = EINVAL;
	if (!err)
		err = idmap_put(&c->stmts, (uint64_t)(uintptr_t)stmt, p);
	if (err) {
		if (err == EINVAL)
			store_logf(c->lg, "sqlite: statement %s: parameters must be $1..$n",
				   stmt->name ? stmt->name : "?");
		prep_free(p);
		return err;
	}
	*pp = p;
	return 0;
}

static int bind(struct prep *p, const struct store_value *v, unsigned n)
{
	if (n != p->nparams)
		return EINVAL;
	for (unsigned i = 0; i < p->nbind; i++) {
		const struct store_value *x = &v[p->map[i] - 1];
		int idx = (int)i + 1, rc;
		switch (x->type) {
		case STORE_NULL:
			rc = sqlite3_bind_null(p->s, idx);
			break;
		case STORE_INT:
			rc = sqlite3_bind_int64(p->s, idx, x->u.i);
			break;
		case STORE_REAL:
			rc = sqlite3_bind_double(p->s, idx, x->u.d);
			break;
		case STORE_TEXT:
			rc = sqlite3_bind_text64(p->s, idx, x->len ? x->u.p : "", x->len,
						 SQLITE_STATIC, SQLITE_UTF8);
			break;
		case STORE_BLOB:
			rc = sqlite3_bind_blob64(p->s, idx, x->len ? x->u.p : "", x->len,
						 SQLITE_STATIC);
			break;
		default:
			return EINVAL;
		}
		if (rc != SQLITE_OK)
			return map_rc(rc);
	}
	return 0;
}

static int add_row(struct store_rs *rs, sqlite3_stmt *s)
{
	unsigned ncols = (unsigned)sqlite3_column_count(s);
	struct store_value *v;
	int err = store_rs_add_row(rs, ncols, &v);
	if (err)
		return err;
	for (unsigned i = 0; i < ncols; i++) {
		int col = (int)i;
		memset(&v[i], 0, sizeof(v[i]));
		switch (sqlite3_column_type(s, col)) {
		case SQLITE_INTEGER:
			v[i].type = STORE_INT;
			v[i].u.i = sqlite3_column_int64(s, col);
			break;
		case SQLITE_FLOAT:
			v[i].type = STORE_REAL;
			v[i].u.d = sqlite3_column_double(s, col);
			break;
		case SQLITE_TEXT: {
			const unsigned char *t = sqlite3_column_text(s, col);
			size_t len = (size_t)sqlite3_column_bytes(s, col);
			v[i].type = STORE_TEXT;
			v[i].len = len;
			v[i].u.p = store_arena_dup(&rs->arena, t ? (const void *)t : "", len);
			if (!v[i].u.p)
				return ENOMEM;
			break;
		}
		case SQLITE_BLOB: {
			const void *b = sqlite3_column_blob(s, col);
			size_t len = (size_t)sqlite3_column_bytes(s, col);
			v[i].type = STORE_BLOB;
			v[i].len = len;
			v[i].u.p = store_arena_dup(&rs->arena, b ? b : "", len);
			if (!v[i].u.p)
				return ENOMEM;
			break;
		}
		default:
			v[i].type = STORE_NULL;
			break;
		}
	}
	return 0;
}

static int conn_exec(struct store_conn *c, const struct store_stmt *stmt,
		     const struct store_value *params, unsigned n, struct store_rs *rs,
		     unsigned max_rows, uint64_t *hits)
{
	struct prep *p;
	*hits = 0;
	int err = prepare(c, stmt, &p);
	if (err)
		return err;
	err = bind(p, params, n);
	if (err) {
		store_logf(c->lg, "sqlite: statement %s: %u parameter(s) given, %u wanted",
			   stmt->name ? stmt->name : "?", n, p->nparams);
		sqlite3_clear_bindings(p->s);
		return err;
	}
	uint64_t rows = 0;
	for (;;) {
		int rc = sqlite3_step(p->s);
		if (rc == SQLITE_ROW) {
			if (max_rows && rows >= max_rows) {
				err = E2BIG;
				break;
			}
			err = add_row(rs, p->s);
			if (err)
				break;
			rows++;
		} else if (rc == SQLITE_DONE) {
			break;
		} else {
			err = fail(c, rc, stmt->name ? stmt->name : "?");
			break;
		}
	}
	*hits = sqlite3_column_count(p->s) > 0 ? rows : (uint64_t)sqlite3_changes64(c->db);
	sqlite3_reset(p->s); /* ends the statement, and a reader's implicit read transaction */
	sqlite3_clear_bindings(p->s);
	return err;
}

static int conn_begin(struct store_conn *c)
{
	return step_simple(c, c->begin);
}

static int conn_commit(struct store_conn *c)
{
	return step_simple(c, c->commit);
}

static void conn_rollback(struct store_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		step_simple(c, c->rollback);
}

static int conn_savepoint(struct store_conn *c)
{
	return step_simple(c, c->savepoint);
}

static int conn_release(struct store_conn *c)
{
	return step_simple(c, c->release);
}

static int conn_rollback_to(struct store_conn *c)
{
	return step_simple(c, c->rollback_to);
}

static void conn_set_deadline(struct store_conn *c, int64_t deadline_ms)
{
	c->deadline = deadline_ms;
}

static int conn_checkpoint(struct store_conn *c, bool truncate)
{
	int log = 0, done = 0, rc;
	if (truncate) {
		/* wait only briefly for readers: the writer must not stall behind a report */
		sqlite3_busy_timeout(c->db, 20);
		rc =
		    sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
		sqlite3_busy_timeout(c->db, c->busy_ms);
		if (rc == SQLITE_OK)
			c->wal_frames = 0;
	} else {
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	}
	if (rc == SQLITE_BUSY)
		return EBUSY;
	return rc == SQLITE_OK ? 0 : fail(c, rc, "checkpoint");
}

static unsigned conn_wal_pages(const struct store_conn *c)
{
	return c->wal_frames;
}

static int conn_migrate(struct store_conn *c, int *version)
{
	static const struct store_stmt get_version = {
	    "schema_version_get", "SELECT COALESCE(MAX(version), 0) FROM schema_version", NULL};
	static const struct store_stmt put_version = {
	    "schema_version_put",
	    "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)", NULL};
	struct store_rs rs;
	uint64_t hits;
	int latest = store_migrations[store_n_migrations - 1].version;

	store_rs_init(&rs);
	int err = conn_begin(c);
	if (err)
		return err;
	err = exec_pragma(c, "CREATE TABLE IF NOT EXISTS schema_version ("
			     "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
			     "applied_at INTEGER NOT NULL)");
	if (!err)
		err = conn_exec(c, &get_version, NULL, 0, &rs, 0, &hits);
	int cur = (int)store_rs_int(&rs, 0, 0);
	store_rs_clear(&rs);
	if (!err && cur > latest) {
		store_logf(c->lg, "database schema version %d is newer than this program's (%d)",
			   cur, latest);
		err = EPROTO;
	}
	for (unsigned i = 0; !err && i < store_n_migrations; i++) {
		const struct store_migration *m = &store_migrations[i];
		if (m->version <= cur)
			continue;
		if (!m->sql[STORE_SQLITE]) {
			err = ENOTSUP;
			break;
		}
		err = exec_pragma(c, m->sql[STORE_SQLITE]);
		if (err)
			break;
		struct store_value p[3] = {store_int(m->version), store_text(m->name),
					   store_int(clock_wall_ms())};
		err = conn_exec(c, &put_version, p, 3, &rs, 0, &hits);
		store_rs_clear(&rs);
		if (!err)
			cur = m->version;
	}
	/* the schema changed under the cached statements: drop them */
	uint32_t pos = 0;
	uint64_t key;
	void *val;
	while (idmap_next(&c->stmts, &pos, &key, &val))
		prep_free(val);
	idmap_release(&c->stmts);
	idmap_init(&c->stmts);
	if (err) {
		conn_rollback(c);
		return err;
	}
	err = conn_commit(c);
	if (err) {
		conn_rollback(c);
		return err;
	}
	*version = cur;
	return 0;
}

const struct store_engine_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = conn_open,
    .close = conn_close,
    .migrate = conn_migrate,
    .begin = conn_begin,
    .commit = conn_commit,
    .rollback = conn_rollback,
    .savepoint = conn_savepoint,
    .release = conn_release,
    .rollback_to = conn_rollback_to,
    .exec = conn_exec,
    .set_deadline = conn_set_deadline,
    .checkpoint = conn_checkpoint,
    .wal_pages = conn_wal_pages,
    .savepoint_always = false,
};
