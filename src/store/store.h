/* store: the storage interface: group-committing writer, readers, named statements, migrations. */
#ifndef SB_STORE_STORE_H
#define SB_STORE_STORE_H

/*
 * Threads. The caller's event loop never blocks on SQL. Writes go to one
 * writer thread that owns its own connection; queries go to a small pool of
 * reader threads, each with its own read-only connection. Every completion
 * (a write committed, a query answered) comes back through the `post` hook of
 * struct store_config, which must run the function on the caller's loop
 * thread. The *_sync functions block the calling thread instead: for
 * start-up (migrations, loading configuration), tools and tests.
 *
 * Acknowledged means committed: a write's completion runs only after the
 * transaction holding it committed, and store_committed_seq() / the
 * `committed` hook count committed events only.
 *
 * Submitting functions (store_write, store_query, store_event_append) may be
 * called from any thread. They never block: when the bounded queue is full
 * they return EAGAIN (back-pressure) and leave everything with the caller.
 *
 * Statements are named, static `struct store_stmt`s whose SQL uses $1..$n
 * placeholders; values are bound, never pasted into SQL. Each connection
 * prepares a statement the first time it runs it and keeps it.
 *
 * Errors are errno values: EINVAL (bad argument, bad SQL or parameter count),
 * EEXIST (unique or primary key violated), ENOENT (a referenced row is
 * missing, a row a step must hit was not found), EBUSY (database locked
 * beyond the busy timeout), EAGAIN (queue full), ESHUTDOWN (store closing),
 * ETIMEDOUT (a read ran past read_timeout_ms), E2BIG (a read returned more
 * than read_max_rows rows), EPERM (the event log is append-only), EROFS (a
 * write given to store_query), ENOSPC, EIO, EPROTO (database schema newer
 * than this program), ENOTSUP (engine not built), ENOMEM.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/acd/acd.h"

struct store;
struct store_job;
struct store_rs;

enum store_engine {
	STORE_SQLITE = 0,
	STORE_POSTGRES, /* planned: store_open() answers ENOTSUP */
	STORE_ENGINE_COUNT
};

/* A parameter or column value. */
enum store_type {
	STORE_NULL = 0,
	STORE_INT,  /* u.i */
	STORE_REAL, /* u.d */
	STORE_TEXT, /* u.p, len bytes; values read back are also NUL-terminated */
	STORE_BLOB, /* u.p, len bytes */
	STORE_REF, /* parameters only: column u.ref.col of the first row step u.ref.step returned */
};

struct store_value {
	enum store_type type;
	size_t len;
	union {
		int64_t i;
		double d;
		const void *p;
		struct {
			uint16_t step, col;
		} ref;
	} u;
};

static inline struct store_value store_null(void)
{
	struct store_value v = {.type = STORE_NULL};
	return v;
}

static inline struct store_value store_int(int64_t i)
{
	struct store_value v = {.type = STORE_INT, .u.i = i};
	return v;
}

static inline struct store_value store_real(double d)
{
	struct store_value v = {.type = STORE_REAL, .u.d = d};
	return v;
}

/* Text of len bytes. */
static inline struct store_value store_textn(const char *s, size_t len)
{
	struct store_value v = {.type = STORE_TEXT, .len = len, .u.p = s};
	return v;
}

/* NUL-terminated text; NULL gives a NULL value. */
static inline struct store_value store_text(const char *s)
{
	return s ? store_textn(s, strlen(s)) : store_null();
}

static inline struct store_value store_blob(const void *p, size_t len)
{
	struct store_value v = {.type = STORE_BLOB, .len = len, .u.p = p};
	return v;
}

/* Within a write job: the value in column `col` of the first row that step `step` (0-based)
 * returned. */
static inline struct store_value store_ref(uint16_t step, uint16_t col)
{
	struct store_value v = {.type = STORE_REF, .u.ref = {step, col}};
	return v;
}

/*
 * A named statement. Define them as static constants next to the code that
 * uses them; the store keys its prepared statements by the struct's address.
 * `sql` uses $1..$n (each may repeat, in any order) and runs unchanged in
 * SQLite and PostgreSQL; `sql_pg` replaces it for PostgreSQL when the
 * dialects differ (NULL: same text). A statement takes exactly n parameters,
 * n being the highest $n it uses.
 */
struct store_stmt {
	const char *name;
	const char *sql;
	const char *sql_pg;
};

/*
 * Result set: rows of typed values (a row's column count may differ between
 * the steps of a write job). Out-of-range cells read as NULL.
 */
unsigned store_rs_rows(const struct store_rs *rs);
unsigned store_rs_cols(const struct store_rs *rs, unsigned row);
const struct store_value *store_rs_value(const struct store_rs *rs, unsigned row, unsigned col);
bool store_rs_is_null(const struct store_rs *rs, unsigned row, unsigned col);
/* INT as is, REAL truncated, anything else 0. */
int64_t store_rs_int(const struct store_rs *rs, unsigned row, unsigned col);
/* REAL as is, INT converted, anything else 0. */
double store_rs_real(const struct store_rs *rs, unsigned row, unsigned col);
/* TEXT (NUL-terminated), or NULL for any other type. */
const char *store_rs_text(const struct store_rs *rs, unsigned row, unsigned col);
/* Releases a result set the caller owns (from a *_sync call). NULL is fine. */
void store_rs_free(struct store_rs *rs);

/*
 * Completion of a write or query, run through `post` on the caller's loop
 * thread. err is 0 or an errno value. rs holds the rows the statements
 * returned (a write job's RETURNING / SELECT steps, in step order), or NULL
 * when there were none; it is freed when the callback returns.
 */
typedef void(store_done_h)(int err, struct store_rs *rs, void *arg);
/* Must arrange for fn(arg) to run on the caller's loop thread; called from store threads. */
typedef void(store_post_h)(void (*fn)(void *arg), void *arg, void *post_arg);
/* All events up to `seq` are committed (posted after each commit that advanced it). */
typedef void(store_committed_h)(uint64_t seq, void *arg);
/* A diagnostic line (no newline), from any store thread. */
typedef void(store_log_h)(const char *msg, void *arg);

struct store_config {
	enum store_engine engine;
	const char *path;	   /* SQLite: the database file (created when missing) */
	bool sync_full;		   /* synchronous=FULL (survives power loss); default NORMAL */
	unsigned readers;	   /* reader threads; default 2 */
	unsigned queue_max;	   /* writer queue bound (jobs + events); default 65536 */
	unsigned read_queue_max;   /* reader queue bound; default 1024 */
	unsigned batch_max;	   /* most jobs + events per transaction; default 8192 */
	int busy_timeout_ms;	   /* default 5000 */
	int read_timeout_ms;	   /* a query running longer fails with ETIMEDOUT; default 10000 */
	unsigned read_max_rows;	   /* a query returning more fails with E2BIG; default 100000 */
	unsigned checkpoint_pages; /* PASSIVE checkpoint once the WAL holds this many pages; default
				      1000 */
	int idle_checkpoint_ms; /* TRUNCATE checkpoint after this long without writes; default 1000
				 */
	store_post_h *post;	/* required for the asynchronous calls */
	void *post_arg;
	store_committed_h *committed; /* optional */
	void *committed_arg;
	store_log_h *log; /* optional; default: stderr */
	void *log_arg;
};

/* Fills the defaults; the caller then sets path, post ... (numeric fields left 0 also get them). */
void store_config_default(struct store_config *cfg);

/*
 * Opens (creates) the database, applies pending migrations in one
 * transaction, starts the writer and reader threads. EPROTO when the
 * database was written by a newer schema version.
 */
int store_open(struct store **stp, const struct store_config *cfg);

/*
 * Stops taking work, commits every write already submitted, answers every
 * queued query, joins the threads and closes the database. Completions of
 * that last work are still handed to `post`: the caller runs what post
 * queued after store_close() returns (those functions do not touch the
 * store). NULL is fine.
 */
void store_close(struct store *st);

/* The schema version the database is at (after migrations). */
int store_schema_version(const struct store *st);

/*
 * Write jobs: a list of statement executions applied atomically, in order.
 * A step with STORE_MUST_HIT fails the job with ENOENT when it changed no row
 * (INSERT/UPDATE/DELETE) or returned no row (SELECT / RETURNING).
 */
#define STORE_MUST_HIT 0x1u
/* Job flag: the job removes personal data; the writer truncates the WAL soon after. */
#define STORE_JOB_SCRUB 0x1u

int store_job_alloc(struct store_job **jobp);
/* Frees a job that was never handed to the store (or that store_write refused). */
void store_job_free(struct store_job *job);
/* Appends a step; the parameters (text and blobs too) are copied. */
int store_job_add(struct store_job *job, const struct store_stmt *stmt,
		  const struct store_value *params, unsigned n, unsigned flags);
void store_job_set_flags(struct store_job *job, unsigned flags);
unsigned store_job_steps(const struct store_job *job);

/*
 * Submits a job to the writer. On 0 the store owns the job and `done` (may
 * be NULL) runs through post once its transaction committed, with the job's
 * error: a failing job is rolled back alone (savepoint) and does not affect
 * the others sharing its transaction. On error (EAGAIN: queue full,
 * ESHUTDOWN, EINVAL) the job stays with the caller.
 */
int store_write(struct store *st, struct store_job *job, store_done_h *done, void *arg);
/*
 * Runs a job through the writer and waits for its commit. Always consumes the
 * job. On 0 and when rsp is not NULL, *rsp receives the rows (or NULL) and the
 * caller frees them with store_rs_free(). Waits for room when the queue is full.
 */
int store_write_sync(struct store *st, struct store_job *job, struct store_rs **rsp);
/* One statement through the writer, waiting for its commit. */
int store_exec_sync(struct store *st, const struct store_stmt *stmt,
		    const struct store_value *params, unsigned n);

/*
 * Runs a read-only statement on a reader thread; `done` gets the rows. Keep
 * reads short (page with keyset conditions such as "seq > $1 LIMIT $2"): a
 * read holds a snapshot that checkpoints cannot pass.
 */
int store_query(struct store *st, const struct store_stmt *stmt, const struct store_value *params,
		unsigned n, store_done_h *done, void *arg);
/* The same, waiting; *rsp (NULL when no rows) belongs to the caller. */
int store_query_sync(struct store *st, const struct store_stmt *stmt,
		     const struct store_value *params, unsigned n, struct store_rs **rsp);

/*
 * Event log. The loop numbers events (seq, strictly increasing, starting
 * after store_events_last_sync()'s seq) and appends them; they are written in
 * the writer's next transaction, in submission order with jobs. `kind` names
 * the event ("call-enter", "user-login" ...; NULL: acd_event_name(ev.type));
 * `data` is optional JSON holding ids only, never personal data.
 */
struct store_event {
	uint64_t seq;
	const char *kind;
	struct acd_event ev; /* every field is stored; ev.time is the event time (UTC epoch ms) */
	uint32_t user;	     /* the user who caused it (logins, admin changes); 0: none */
	const char *data;
};

/* Queues one event (copied). EAGAIN when the writer queue is full, EINVAL for seq 0. */
int store_event_append(struct store *st, const struct store_event *ev);
/* The highest seq known committed (any thread). */
uint64_t store_committed_seq(const struct store *st);
/* The last event in the log: seq and time (0, 0 when empty). */
int store_events_last_sync(struct store *st, uint64_t *seq, int64_t *time);

/*
 * One page of the log: events with seq > after_seq and time >= since, in seq
 * order, at most `limit` (1..10000). Decode rows with store_event_get().
 */
int store_events_read(struct store *st, uint64_t after_seq, int64_t since, unsigned limit,
		      store_done_h *done, void *arg);
/* Decodes row `row` of an events page. Strings point into rs. */
int store_event_get(const struct store_rs *rs, unsigned row, struct store_event *ev);
/*
 * Streams every event with seq > after_seq and time >= since to cb, page by
 * page (for rebuilding counters at start, e.g. since local midnight). A
 * non-zero return from cb stops the scan and is returned.
 */
int store_events_scan_sync(struct store *st, uint64_t after_seq, int64_t since,
			   int (*cb)(const struct store_event *ev, void *arg), void *arg);

struct store_stats {
	uint64_t commits;     /* transactions committed by the writer */
	uint64_t jobs_ok;     /* jobs committed */
	uint64_t jobs_failed; /* jobs rolled back (their own error or a failed commit) */
	uint64_t events;      /* events committed */
	uint64_t events_lost; /* events whose insert or transaction failed */
	uint64_t queue_full;  /* submissions refused with EAGAIN */
	uint64_t queries;     /* queries answered */
	uint64_t checkpoints; /* checkpoints run (passive + truncate) */
	uint64_t max_batch;   /* largest transaction, in jobs + events */
};
void store_stats(const struct store *st, struct store_stats *out);

/*
 * Holds the writer before its next transaction (true) or lets it go (false).
 * What is submitted meanwhile is committed together: tests use it to make
 * group commits deterministic; maintenance may use it to quiesce writes.
 */
void store_writer_pause(struct store *st, bool pause);

/* Runs a checkpoint now from the writer (TRUNCATE when `truncate`, else PASSIVE). */
int store_checkpoint_sync(struct store *st, bool truncate);

#endif
