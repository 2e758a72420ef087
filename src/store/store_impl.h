/* store_impl: what the store's generic part and its engines share (not for users). */
#ifndef SB_STORE_IMPL_H
#define SB_STORE_IMPL_H

#include "store/store.h"

#include <stdarg.h>

/* Bump allocator: blocks live until the arena is released. */
struct store_arena {
	struct arena_chunk *head;
};

void *store_arena_alloc(struct store_arena *a, size_t n);
/* Copies n bytes and adds a NUL. */
char *store_arena_dup(struct store_arena *a, const void *p, size_t n);
void store_arena_release(struct store_arena *a);

struct rs_row {
	unsigned ncols;
	struct store_value *v;
};

struct store_rs {
	struct store_arena arena;
	struct rs_row *rows;
	unsigned n, cap;
};

void store_rs_init(struct store_rs *rs);
/* Drops every row and its memory; the struct can be reused. */
void store_rs_clear(struct store_rs *rs);
/* Appends a row of ncols values (uninitialised) and returns them in *vp. */
int store_rs_add_row(struct store_rs *rs, unsigned ncols, struct store_value **vp);
/* Moves the rows of `from` into a new heap result set (NULL when `from` is empty). */
int store_rs_move(struct store_rs **to, struct store_rs *from);
/* Copies values (text and blobs too) into the arena. */
int store_values_copy(struct store_arena *a, const struct store_value *in, unsigned n,
		      struct store_value **out);

struct store_log {
	store_log_h *fn;
	void *arg;
};

void store_logf(const struct store_log *lg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A versioned migration: SQL per engine (NULL: not written for that engine). */
struct store_migration {
	int version;
	const char *name;
	const char *sql[STORE_ENGINE_COUNT];
};

extern const struct store_migration store_migrations[];
extern const unsigned store_n_migrations;

/* One connection of an engine; used by one thread at a time. */
struct store_conn;

/*
 * An engine. The generic part drives every connection through these
 * operations, so another engine (PostgreSQL) only has to provide them.
 */
struct store_engine_ops {
	const char *name;
	/* Opens the writer (read-write, creates the database) or a read-only reader connection. */
	int (*open)(struct store_conn **cp, const struct store_config *cfg, bool writer,
		    const struct store_log *lg);
	void (*close)(struct store_conn *c);
	/* Applies pending migrations in one transaction; *version: the version reached. */
	int (*migrate)(struct store_conn *c, int *version);
	int (*begin)(struct store_conn *c);
	int (*commit)(struct store_conn *c);
	void (*rollback)(struct store_conn *c);
	int (*savepoint)(struct store_conn *c);
	int (*release)(struct store_conn *c);
	int (*rollback_to)(struct store_conn *c);
	/*
	 * Runs one statement with n parameters (no STORE_REF). Rows go to rs (which
	 * must not be NULL); more than max_rows (0: no limit) fails with E2BIG.
	 * *hits: rows returned by a statement that returns rows, else rows changed.
	 */
	int (*exec)(struct store_conn *c, const struct store_stmt *s, const struct store_value *p,
		    unsigned n, struct store_rs *rs, unsigned max_rows, uint64_t *hits);
	/* Reader connections: abandon a statement still running at this monotonic time (0: none).
	 */
	void (*set_deadline)(struct store_conn *c, int64_t deadline_ms);
	/* Writer: PASSIVE or TRUNCATE checkpoint; EBUSY when readers prevented a TRUNCATE. */
	int (*checkpoint)(struct store_conn *c, bool truncate);
	/* Writer: pages in the write-ahead log after the last commit. */
	unsigned (*wal_pages)(const struct store_conn *c);
	/* True when a failed statement aborts the whole transaction (PostgreSQL): savepoint every
	 * job. */
	bool savepoint_always;
};

extern const struct store_engine_ops store_sqlite_ops;

/* The event log's insert, shared by the writer. */
extern const struct store_stmt store_stmt_event_insert;
#define STORE_EVENT_PARAMS 22
void store_event_params(const struct store_event *e, struct store_value p[STORE_EVENT_PARAMS]);

#endif
