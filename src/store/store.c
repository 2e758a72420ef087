/* store: the engine-independent part: result sets, jobs, the group-committing writer, readers. */
#include "store/store_impl.h"

#include "base/clock.h"
#include "base/mem.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- arena ---- */

#define ARENA_MIN  256
#define ARENA_NEXT 16384

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

static size_t align16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

void *store_arena_alloc(struct store_arena *a, size_t n)
{
	n = align16(n);
	struct arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		/* a small first chunk (a job's parameters fit, malloc's fast bins serve it), larger
		 * next */
		size_t cap = c ? ARENA_NEXT : ARENA_MIN;
		if (cap < n)
			cap = n;
		c = sb_alloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

char *store_arena_dup(struct store_arena *a, const void *p, size_t n)
{
	char *d = store_arena_alloc(a, n + 1);
	if (!d)
		return NULL;
	if (n)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

void store_arena_release(struct store_arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		sb_free(c);
		c = next;
	}
	a->head = NULL;
}

int store_values_copy(struct store_arena *a, const struct store_value *in, unsigned n,
		      struct store_value **out)
{
	*out = NULL;
	if (n == 0)
		return 0;
	/* one block for the values and their bytes */
	size_t need = align16(sizeof(struct store_value) * n);
	for (unsigned i = 0; i < n; i++) {
		if (in[i].type == STORE_TEXT || in[i].type == STORE_BLOB) {
			if (in[i].len && !in[i].u.p)
				return EINVAL;
			need += in[i].len + 1;
		} else if (in[i].type > STORE_REF) {
			return EINVAL;
		}
	}
	unsigned char *block = store_arena_alloc(a, need);
	if (!block)
		return ENOMEM;
	struct store_value *v = (struct store_value *)block;
	unsigned char *bytes = block + align16(sizeof(*v) * n);
	for (unsigned i = 0; i < n; i++) {
		v[i] = in[i];
		if (in[i].type == STORE_TEXT || in[i].type == STORE_BLOB) {
			if (in[i].len)
				memcpy(bytes, in[i].u.p, in[i].len);
			bytes[in[i].len] = '\0';
			v[i].u.p = bytes;
			bytes += in[i].len + 1;
		}
	}
	*out = v;
	return 0;
}

/* ---- result sets ---- */

static const struct store_value null_value = {.type = STORE_NULL};

void store_rs_init(struct store_rs *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void store_rs_clear(struct store_rs *rs)
{
	store_arena_release(&rs->arena);
	sb_free(rs->rows);
	store_rs_init(rs);
}

int store_rs_add_row(struct store_rs *rs, unsigned ncols, struct store_value **vp)
{
	if (rs->n == rs->cap) {
		unsigned cap = rs->cap ? rs->cap * 2 : 16;
		struct rs_row *rows = rs->rows ? sb_realloc(rs->rows, sizeof(*rows) * cap)
					       : sb_alloc(sizeof(*rows) * cap);
		if (!rows)
			return ENOMEM;
		rs->rows = rows;
		rs->cap = cap;
	}
	struct store_value *v = store_arena_alloc(&rs->arena, sizeof(*v) * (ncols ? ncols : 1));
	if (!v)
		return ENOMEM;
	rs->rows[rs->n].ncols = ncols;
	rs->rows[rs->n].v = v;
	rs->n++;
	*vp = v;
	return 0;
}

int store_rs_move(struct store_rs **to, struct store_rs *from)
{
	*to = NULL;
	if (from->n == 0) {
		store_rs_clear(from);
		return 0;
	}
	struct store_rs *rs = sb_alloc(sizeof(*rs));
	if (!rs) {
		store_rs_clear(from);
		return ENOMEM;
	}
	*rs = *from;
	store_rs_init(from);
	*to = rs;
	return 0;
}

unsigned store_rs_rows(const struct store_rs *rs)
{
	return rs ? rs->n : 0;
}

unsigned store_rs_cols(const struct store_rs *rs, unsigned row)
{
	return rs && row < rs->n ? rs->rows[row].ncols : 0;
}

const struct store_value *store_rs_value(const struct store_rs *rs, unsigned row, unsigned col)
{
	if (!rs || row >= rs->n || col >= rs->rows[row].ncols)
		return &null_value;
	return &rs->rows[row].v[col];
}

bool store_rs_is_null(const struct store_rs *rs, unsigned row, unsigned col)
{
	return store_rs_value(rs, row, col)->type == STORE_NULL;
}

int64_t store_rs_int(const struct store_rs *rs, unsigned row, unsigned col)
{
	const struct store_value *v = store_rs_value(rs, row, col);
	if (v->type == STORE_INT)
		return v->u.i;
	if (v->type == STORE_REAL && v->u.d > -9.2e18 && v->u.d < 9.2e18)
		return (int64_t)v->u.d;
	return 0;
}

double store_rs_real(const struct store_rs *rs, unsigned row, unsigned col)
{
	const struct store_value *v = store_rs_value(rs, row, col);
	if (v->type == STORE_REAL)
		return v->u.d;
	if (v->type == STORE_INT)
		return (double)v->u.i;
	return 0;
}

const char *store_rs_text(const struct store_rs *rs, unsigned row, unsigned col)
{
	const struct store_value *v = store_rs_value(rs, row, col);
	return v->type == STORE_TEXT ? v->u.p : NULL;
}

void store_rs_free(struct store_rs *rs)
{
	if (!rs)
		return;
	store_rs_clear(rs);
	sb_free(rs);
}

/* ---- logging ---- */

void store_logf(const struct store_log *lg, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (lg && lg->fn)
		lg->fn(buf, lg->arg);
	else
		fprintf(stderr, "store: %s\n", buf);
}

/* ---- waiting for a result on the calling thread ---- */

struct sync_wait {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int err;
	struct store_rs *rs;
};

static void sync_init(struct sync_wait *w)
{
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->done = false;
	w->err = 0;
	w->rs = NULL;
}

/* Hands err and the rows (moved out of `from`, may be NULL) to the waiting thread. */
static void sync_signal(struct sync_wait *w, int err, struct store_rs *from)
{
	struct store_rs *rs = NULL;
	if (!err && from) {
		err = store_rs_move(&rs, from);
	} else if (from) {
		store_rs_clear(from);
	}
	pthread_mutex_lock(&w->mu);
	w->err = err;
	w->rs = rs;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int sync_wait_done(struct sync_wait *w, struct store_rs **rsp)
{
	pthread_mutex_lock(&w->mu);
	while (!w->done)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	if (rsp)
		*rsp = w->rs;
	else
		store_rs_free(w->rs);
	return w->err;
}

/* ---- jobs ---- */

enum witem_kind {
	W_EVENT = 1,
	W_JOB,
	W_CHECKPOINT,
};

/* An entry of the writer's queue. */
struct witem {
	struct witem *next;
	enum witem_kind kind;
	int err;
};

struct ev_item {
	struct witem w;
	struct store_event ev;
	char strs[];
};

struct job_step {
	const struct store_stmt *stmt;
	struct store_value *p;
	unsigned n;
	unsigned flags;
	unsigned first_row, rows; /* this step's rows in the job's result set */
};

struct store_job {
	struct witem w;
	struct store_arena arena;
	struct job_step *steps;
	unsigned n, cap;
	unsigned flags;
	bool truncate; /* W_CHECKPOINT */
	store_done_h *done;
	void *arg;
	struct sync_wait *sync;
	struct store_rs rs;
};

int store_job_alloc(struct store_job **jobp)
{
	if (!jobp)
		return EINVAL;
	struct store_job *job = sb_zalloc(sizeof(*job));
	if (!job)
		return ENOMEM;
	job->w.kind = W_JOB;
	store_rs_init(&job->rs);
	*jobp = job;
	return 0;
}

void store_job_free(struct store_job *job)
{
	if (!job)
		return;
	store_arena_release(&job->arena);
	store_rs_clear(&job->rs);
	sb_free(job->steps);
	sb_free(job);
}

int store_job_add(struct store_job *job, const struct store_stmt *stmt,
		  const struct store_value *params, unsigned n, unsigned flags)
{
	if (!job || job->w.kind != W_JOB || !stmt || !stmt->sql || (n && !params) ||
	    (flags & ~STORE_MUST_HIT))
		return EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (params[i].type == STORE_REF && params[i].u.ref.step >= job->n)
			return EINVAL; /* only earlier steps can be referred to */
	if (job->n == job->cap) {
		unsigned cap = job->cap ? job->cap * 2 : 4;
		struct job_step *s = job->steps ? sb_realloc(job->steps, sizeof(*s) * cap)
						: sb_alloc(sizeof(*s) * cap);
		if (!s)
			return ENOMEM;
		job->steps = s;
		job->cap = cap;
	}
	struct job_step *s = &job->steps[job->n];
	memset(s, 0, sizeof(*s));
	int err = store_values_copy(&job->arena, params, n, &s->p);
	if (err)
		return err;
	s->stmt = stmt;
	s->n = n;
	s->flags = flags;
	job->n++;
	return 0;
}

void store_job_set_flags(struct store_job *job, unsigned flags)
{
	if (job)
		job->flags = flags;
}

unsigned store_job_steps(const struct store_job *job)
{
	return job ? job->n : 0;
}

/* ---- the store ---- */

struct query {
	struct query *next;
	const struct store_stmt *stmt;
	struct store_value *p;
	unsigned n;
	struct store_arena arena;
	store_done_h *done;
	void *arg;
	struct sync_wait *sync;
	int err;
	struct store_rs rs;
};

struct reader {
	struct store *st;
	struct store_conn *conn;
	pthread_t thread;
	bool started;
};

struct store {
	struct store_config cfg;
	char *path;
	const struct store_engine_ops *eng;
	struct store_log lg;
	int version;

	struct store_conn *wconn;
	pthread_t writer;
	bool writer_started;
	struct reader *readers;
	unsigned n_readers;

	/* writer queue */
	pthread_mutex_t mu;
	pthread_cond_t wcond; /* work arrived, or closing */
	pthread_cond_t space; /* room in the queue, or closing */
	struct witem *head, *tail;
	unsigned count;
	bool closing;
	bool paused; /* store_writer_pause(): the writer takes no work */
	uint64_t last_seq; /* highest seq appended */

	/* reader queue */
	pthread_mutex_t rmu;
	pthread_cond_t rcond;
	struct query *rhead, *rtail;
	unsigned rcount;
	bool rclosing;

	_Atomic uint64_t committed_seq;
	atomic_uint readers_active;

	_Atomic uint64_t s_commits, s_jobs_ok, s_jobs_failed, s_events, s_events_lost, s_queue_full,
	    s_queries, s_checkpoints, s_max_batch;
};

static const struct store_engine_ops *const engines[STORE_ENGINE_COUNT] = {
    [STORE_SQLITE] = &store_sqlite_ops,
};

void store_config_default(struct store_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->engine = STORE_SQLITE;
	cfg->readers = 2;
	cfg->queue_max = 65536;
	cfg->read_queue_max = 1024;
	cfg->batch_max = 8192;
	cfg->busy_timeout_ms = 5000;
	cfg->read_timeout_ms = 10000;
	cfg->read_max_rows = 100000;
	cfg->checkpoint_pages = 1000;
	cfg->idle_checkpoint_ms = 1000;
}

static void fill_defaults(struct store_config *c)
{
	struct store_config d;
	store_config_default(&d);
	if (!c->readers)
		c->readers = d.readers;
	if (!c->queue_max)
		c->queue_max = d.queue_max;
	if (!c->read_queue_max)
		c->read_queue_max = d.read_queue_max;
	if (!c->batch_max)
		c->batch_max = d.batch_max;
	if (c->busy_timeout_ms <= 0)
		c->busy_timeout_ms = d.busy_timeout_ms;
	if (c->read_timeout_ms <= 0)
		c->read_timeout_ms = d.read_timeout_ms;
	if (!c->read_max_rows)
		c->read_max_rows = d.read_max_rows;
	if (!c->checkpoint_pages)
		c->checkpoint_pages = d.checkpoint_pages;
	if (c->idle_checkpoint_ms <= 0)
		c->idle_checkpoint_ms = d.idle_checkpoint_ms;
}

static void stat_add(_Atomic uint64_t *s, uint64_t n)
{
	atomic_fetch_add_explicit(s, n, memory_order_relaxed);
}

static void abs_deadline(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Appends to the writer queue. wait: block for room instead of answering EAGAIN. */
static int writer_enqueue(struct store *st, struct witem *w, bool wait)
{
	w->next = NULL;
	w->err = 0;
	pthread_mutex_lock(&st->mu);
	for (;;) {
		if (st->closing) {
			pthread_mutex_unlock(&st->mu);
			return ESHUTDOWN;
		}
		if (st->count < st->cfg.queue_max)
			break;
		if (!wait) {
			pthread_mutex_unlock(&st->mu);
			stat_add(&st->s_queue_full, 1);
			return EAGAIN;
		}
		pthread_cond_wait(&st->space, &st->mu);
	}
	if (w->kind == W_EVENT) {
		struct ev_item *e = (struct ev_item *)w;
		if (e->ev.seq <= st->last_seq) {
			pthread_mutex_unlock(&st->mu);
			return EINVAL;
		}
		st->last_seq = e->ev.seq;
	}
	if (st->tail)
		st->tail->next = w;
	else
		st->head = w;
	st->tail = w;
	st->count++;
	pthread_cond_signal(&st->wcond);
	pthread_mutex_unlock(&st->mu);
	return 0;
}

/* Completions of one transaction, run on the caller's loop through post. */
struct post_batch {
	struct store_job *jobs, *last;
	uint64_t seq; /* committed seq to announce, 0: none */
	store_committed_h *committed;
	void *committed_arg;
};

static void post_batch_run(void *arg)
{
	struct post_batch *pb = arg;
	if (pb->seq && pb->committed)
		pb->committed(pb->seq, pb->committed_arg);
	struct store_job *job = pb->jobs;
	while (job) {
		struct store_job *next = (struct store_job *)job->w.next;
		if (job->done)
			job->done(job->w.err, job->rs.n ? &job->rs : NULL, job->arg);
		store_job_free(job);
		job = next;
	}
	sb_free(pb);
}

/*
 * Runs one job inside the open transaction; job->w.err gets its outcome.
 * Returns false when the transaction can no longer be trusted: a job without
 * a savepoint ran out of memory after its statement may have changed rows.
 */
static bool run_job(struct store *st, struct store_job *job)
{
	const struct store_engine_ops *eng = st->eng;
	bool sp = eng->savepoint_always || job->n > 1;
	int err = 0;
	if (sp) {
		err = eng->savepoint(st->wconn);
		if (err) {
			job->w.err = err;
			return true;
		}
	}
	for (unsigned i = 0; i < job->n && !err; i++) {
		struct job_step *s = &job->steps[i];
		struct store_value *p = s->p;
		s->first_row = job->rs.n;
		for (unsigned k = 0; k < s->n && !err; k++) {
			if (s->p[k].type != STORE_REF)
				continue;
			if (p == s->p) { /* resolve references into a copy */
				p = store_arena_alloc(&job->arena, sizeof(*p) * s->n);
				if (!p) {
					err = ENOMEM;
					break;
				}
				memcpy(p, s->p, sizeof(*p) * s->n);
			}
			const struct job_step *from = &job->steps[s->p[k].u.ref.step];
			if (from->rows == 0)
				err = ENOENT;
			else if (s->p[k].u.ref.col >= job->rs.rows[from->first_row].ncols)
				err = EINVAL;
			else
				p[k] = job->rs.rows[from->first_row].v[s->p[k].u.ref.col];
		}
		if (err)
			break;
		uint64_t hits = 0;
		err = eng->exec(st->wconn, s->stmt, p, s->n, &job->rs, 0, &hits);
		if (!err && (s->flags & STORE_MUST_HIT) && hits == 0)
			err = ENOENT;
		s->rows = job->rs.n - s->first_row;
	}
	if (sp) {
		if (err && eng->rollback_to(st->wconn))
			store_logf(&st->lg, "rollback of a failed job failed");
		int rerr = eng->release(st->wconn);
		if (!err)
			err = rerr;
	}
	if (err)
		store_rs_clear(&job->rs);
	job->w.err = err;
	return sp || err != ENOMEM;
}

static int try_truncate(struct store *st)
{
	if (atomic_load(&st->readers_active) > 0)
		return EBUSY;
	int err = st->eng->checkpoint(st->wconn, true);
	if (!err)
		stat_add(&st->s_checkpoints, 1);
	return err;
}

/* One group commit: every item in one transaction, then the completions. */
static void run_batch(struct store *st, struct witem *list, unsigned k, struct post_batch *pb,
		      bool *scrub)
{
	const struct store_engine_ops *eng = st->eng;
	struct store_value p[STORE_EVENT_PARAMS];
	struct store_rs scratch;
	uint64_t max_seq = 0, n_events = 0, n_lost = 0, n_ok = 0, n_failed = 0;

	store_rs_init(&scratch);
	int err = eng->begin(st->wconn);
	if (!err) {
		for (struct witem *w = list; w; w = w->next) {
			if (w->kind == W_EVENT) {
				struct ev_item *e = (struct ev_item *)w;
				uint64_t hits;
				store_event_params(&e->ev, p);
				w->err = eng->exec(st->wconn, &store_stmt_event_insert, p,
						   STORE_EVENT_PARAMS, &scratch, 0, &hits);
				if (w->err)
					store_logf(&st->lg, "event %llu not logged: error %d",
						   (unsigned long long)e->ev.seq, w->err);
				else if (e->ev.seq > max_seq)
					max_seq = e->ev.seq;
			} else if (!run_job(st, (struct store_job *)w)) {
				err = ENOMEM;
			}
		}
		store_rs_clear(&scratch);
		if (!err)
			err = eng->commit(st->wconn);
		if (err)
			eng->rollback(st->wconn);
	}
	if (err) {
		store_logf(&st->lg, "transaction of %u item(s) failed: error %d", k, err);
		max_seq = 0;
	} else {
		stat_add(&st->s_commits, 1);
	}

	if (max_seq > atomic_load(&st->committed_seq)) {
		atomic_store(&st->committed_seq, max_seq);
		pb->seq = max_seq;
	}
	/* outcomes and statistics first, so that a woken caller sees them */
	for (struct witem *w = list; w; w = w->next) {
		if (w->kind == W_EVENT) {
			if (err || w->err)
				n_lost++;
			else
				n_events++;
			continue;
		}
		struct store_job *job = (struct store_job *)w;
		if (err) {
			if (!job->w.err)
				job->w.err = err;
			store_rs_clear(&job->rs);
		}
		if (job->w.err)
			n_failed++;
		else
			n_ok++;
		if (!job->w.err && (job->flags & STORE_JOB_SCRUB))
			*scrub = true;
	}
	stat_add(&st->s_events, n_events);
	stat_add(&st->s_events_lost, n_lost);
	stat_add(&st->s_jobs_ok, n_ok);
	stat_add(&st->s_jobs_failed, n_failed);
	if (k > atomic_load(&st->s_max_batch))
		atomic_store(&st->s_max_batch, k);

	/* then the completions: waiting callers now, the others through post */
	struct witem *w = list;
	while (w) {
		struct witem *next = w->next;
		if (w->kind == W_EVENT) {
			sb_free(w);
		} else {
			struct store_job *job = (struct store_job *)w;
			if (job->sync) {
				sync_signal(job->sync, job->w.err, &job->rs);
				store_job_free(job);
			} else {
				job->w.next = NULL;
				if (pb->last)
					pb->last->w.next = &job->w;
				else
					pb->jobs = job;
				pb->last = job;
			}
		}
		w = next;
	}
}

/* Takes everything pending, up to batch_max, off the writer queue (locked). */
static struct witem *take_batch(struct store *st, unsigned *k)
{
	struct witem *first = st->head, *last = first;
	unsigned n = 1;
	while (n < st->cfg.batch_max && last->next) {
		last = last->next;
		n++;
	}
	st->head = last->next;
	if (!st->head)
		st->tail = NULL;
	last->next = NULL;
	st->count -= n;
	pthread_cond_broadcast(&st->space);
	*k = n;
	return first;
}

/* Moves checkpoint requests from *list to the returned list; *k counts what is left. */
static struct witem *split_checkpoints(struct witem **list, unsigned *k)
{
	struct witem *ckpt = NULL, **tail = &ckpt, **pp = list;
	while (*pp) {
		if ((*pp)->kind == W_CHECKPOINT) {
			struct witem *c = *pp;
			*pp = c->next;
			c->next = NULL;
			*tail = c;
			tail = &c->next;
			(*k)--;
		} else {
			pp = &(*pp)->next;
		}
	}
	return ckpt;
}

/* The writer's checkpoint state (see docs/internals/store.md, "Checkpoints"). */
struct ckpt_state {
	unsigned wal_at_checkpoint; /* WAL pages after the last checkpoint */
	int64_t trunc_due;	    /* monotonic ms when a TRUNCATE is due; 0: WAL clean */
	bool scrub;		    /* an erasure waits for its TRUNCATE: retry soon */
};

#define SCRUB_RETRY_MS 50

static void truncate_now(struct store *st, struct ckpt_state *cs)
{
	if (!try_truncate(st)) {
		cs->trunc_due = 0;
		cs->scrub = false;
		cs->wal_at_checkpoint = 0;
	} else {
		cs->trunc_due =
		    clock_mono_ms() + (cs->scrub ? SCRUB_RETRY_MS : st->cfg.idle_checkpoint_ms);
	}
}

/* After a commit: PASSIVE as the WAL grows; TRUNCATE soon after an erasure, else once idle. */
static void after_commit(struct store *st, struct ckpt_state *cs, bool wrote, bool scrub)
{
	unsigned wal = st->eng->wal_pages(st->wconn);
	if (wal < cs->wal_at_checkpoint)
		cs->wal_at_checkpoint = 0; /* the log was restarted */
	if (wal >= cs->wal_at_checkpoint + st->cfg.checkpoint_pages) {
		if (!st->eng->checkpoint(st->wconn, false))
			stat_add(&st->s_checkpoints, 1);
		cs->wal_at_checkpoint = wal;
	}
	if (scrub)
		cs->scrub = true;
	if (cs->scrub && (scrub || clock_mono_ms() >= cs->trunc_due))
		truncate_now(st, cs);
	else if (wrote && !cs->scrub)
		cs->trunc_due = clock_mono_ms() + st->cfg.idle_checkpoint_ms;
}

static void *writer_main(void *arg)
{
	struct store *st = arg;
	struct ckpt_state cs = {0, 0, false};

	pthread_mutex_lock(&st->mu);
	for (;;) {
		if (st->paused && !st->closing) {
			/* held by store_writer_pause(): what arrives meanwhile forms one batch */
			pthread_cond_wait(&st->wcond, &st->mu);
			continue;
		}
		if (!st->head) {
			if (st->closing)
				break;
			if (!cs.trunc_due) {
				pthread_cond_wait(&st->wcond, &st->mu);
				continue;
			}
			int64_t now = clock_mono_ms();
			if (now < cs.trunc_due) {
				struct timespec ts;
				abs_deadline(&ts, cs.trunc_due - now);
				pthread_cond_timedwait(&st->wcond, &st->mu, &ts);
				continue;
			}
			pthread_mutex_unlock(&st->mu);
			truncate_now(st, &cs); /* idle */
			pthread_mutex_lock(&st->mu);
			continue;
		}

		unsigned k;
		struct witem *list = take_batch(st, &k);
		pthread_mutex_unlock(&st->mu);
		struct witem *ckpt = split_checkpoints(&list, &k);

		struct post_batch *pb = NULL;
		while (!(pb = sb_zalloc(sizeof(*pb)))) {
			struct timespec ts = {0, 1000000L};
			nanosleep(&ts, NULL);
		}
		pb->committed = st->cfg.committed;
		pb->committed_arg = st->cfg.committed_arg;
		bool scrub = false;
		if (list)
			run_batch(st, list, k, pb, &scrub);
		if (st->cfg.post && (pb->jobs || (pb->seq && pb->committed))) {
			st->cfg.post(post_batch_run, pb, st->cfg.post_arg);
		} else {
			pb->seq = 0; /* no post hook: only jobs without a callback to free */
			post_batch_run(pb);
		}

		/* checkpoint requests run outside the transaction, after it */
		while (ckpt) {
			struct store_job *c = (struct store_job *)ckpt;
			ckpt = ckpt->next;
			int err = st->eng->checkpoint(st->wconn, c->truncate);
			if (!err) {
				stat_add(&st->s_checkpoints, 1);
				if (c->truncate) {
					cs.wal_at_checkpoint = 0;
					cs.trunc_due = 0;
				}
			}
			sync_signal(c->sync, err, NULL);
			store_job_free(c);
		}
		after_commit(st, &cs, list != NULL, scrub);
		pthread_mutex_lock(&st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

static void query_free(struct query *q)
{
	store_arena_release(&q->arena);
	store_rs_clear(&q->rs);
	sb_free(q);
}

static void query_done_run(void *arg)
{
	struct query *q = arg;
	if (q->done)
		q->done(q->err, q->rs.n ? &q->rs : NULL, q->arg);
	query_free(q);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct store *st = r->st;

	pthread_mutex_lock(&st->rmu);
	for (;;) {
		while (!st->rhead && !st->rclosing)
			pthread_cond_wait(&st->rcond, &st->rmu);
		struct query *q = st->rhead;
		if (!q)
			break;
		st->rhead = q->next;
		if (!st->rhead)
			st->rtail = NULL;
		st->rcount--;
		pthread_mutex_unlock(&st->rmu);

		uint64_t hits;
		atomic_fetch_add(&st->readers_active, 1);
		st->eng->set_deadline(r->conn, clock_mono_ms() + st->cfg.read_timeout_ms);
		q->err = st->eng->exec(r->conn, q->stmt, q->p, q->n, &q->rs, st->cfg.read_max_rows,
				       &hits);
		st->eng->set_deadline(r->conn, 0);
		atomic_fetch_sub(&st->readers_active, 1);
		if (q->err)
			store_rs_clear(&q->rs);
		stat_add(&st->s_queries, 1);
		if (q->sync) {
			sync_signal(q->sync, q->err, &q->rs);
			query_free(q);
		} else {
			st->cfg.post(query_done_run, q, st->cfg.post_arg);
		}
		pthread_mutex_lock(&st->rmu);
	}
	pthread_mutex_unlock(&st->rmu);
	return NULL;
}

static void store_free(struct store *st)
{
	if (st->readers) {
		for (unsigned i = 0; i < st->n_readers; i++)
			if (st->readers[i].conn)
				st->eng->close(st->readers[i].conn);
		sb_free(st->readers);
	}
	if (st->wconn)
		st->eng->close(st->wconn); /* last: SQLite checkpoints and removes the WAL */
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->wcond);
	pthread_cond_destroy(&st->space);
	pthread_mutex_destroy(&st->rmu);
	pthread_cond_destroy(&st->rcond);
	sb_free(st->path);
	sb_free(st);
}

static void stop_threads(struct store *st)
{
	pthread_mutex_lock(&st->mu);
	st->closing = true;
	pthread_cond_broadcast(&st->wcond);
	pthread_cond_broadcast(&st->space);
	pthread_mutex_unlock(&st->mu);
	if (st->writer_started)
		pthread_join(st->writer, NULL);
	st->writer_started = false;

	pthread_mutex_lock(&st->rmu);
	st->rclosing = true;
	pthread_cond_broadcast(&st->rcond);
	pthread_mutex_unlock(&st->rmu);
	for (unsigned i = 0; i < st->n_readers; i++) {
		if (st->readers[i].started)
			pthread_join(st->readers[i].thread, NULL);
		st->readers[i].started = false;
	}
}

int store_open(struct store **stp, const struct store_config *cfg)
{
	if (!stp || !cfg || (unsigned)cfg->engine >= STORE_ENGINE_COUNT || !cfg->path)
		return EINVAL;
	*stp = NULL;
	if (!engines[cfg->engine])
		return ENOTSUP;

	struct store *st = sb_zalloc(sizeof(*st));
	if (!st)
		return ENOMEM;
	st->cfg = *cfg;
	fill_defaults(&st->cfg);
	st->path = sb_strdup(cfg->path);
	st->cfg.path = st->path;
	st->eng = engines[cfg->engine];
	st->lg.fn = cfg->log;
	st->lg.arg = cfg->log_arg;

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->wcond, &ca);
	pthread_cond_init(&st->space, NULL);
	pthread_mutex_init(&st->rmu, NULL);
	pthread_cond_init(&st->rcond, NULL);
	pthread_condattr_destroy(&ca);

	int err = st->path ? 0 : ENOMEM;
	if (!err)
		err = st->eng->open(&st->wconn, &st->cfg, true, &st->lg);
	if (!err)
		err = st->eng->migrate(st->wconn, &st->version);
	if (!err) {
		/* the log's last seq: appends must continue after it */
		static const struct store_stmt last = {
		    "events_last", "SELECT seq FROM events ORDER BY seq DESC LIMIT 1", NULL};
		struct store_rs rs;
		uint64_t hits;
		store_rs_init(&rs);
		err = st->eng->exec(st->wconn, &last, NULL, 0, &rs, 0, &hits);
		st->last_seq = (uint64_t)store_rs_int(&rs, 0, 0);
		store_rs_clear(&rs);
		atomic_store(&st->committed_seq, st->last_seq);
	}
	if (!err) {
		st->readers = sb_calloc(st->cfg.readers, sizeof(*st->readers));
		if (!st->readers)
			err = ENOMEM;
		else
			st->n_readers = st->cfg.readers;
	}
	for (unsigned i = 0; !err && i < st->n_readers; i++) {
		st->readers[i].st = st;
		err = st->eng->open(&st->readers[i].conn, &st->cfg, false, &st->lg);
	}
	if (!err) {
		err = pthread_create(&st->writer, NULL, writer_main, st);
		st->writer_started = !err;
	}
	for (unsigned i = 0; !err && i < st->n_readers; i++) {
		err = pthread_create(&st->readers[i].thread, NULL, reader_main, &st->readers[i]);
		st->readers[i].started = !err;
	}
	if (err) {
		stop_threads(st);
		store_free(st);
		return err;
	}
	*stp = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	stop_threads(st);
	store_free(st);
}

int store_schema_version(const struct store *st)
{
	return st ? st->version : 0;
}

int store_write(struct store *st, struct store_job *job, store_done_h *done, void *arg)
{
	if (!st || !job || job->w.kind != W_JOB || job->n == 0 || (done && !st->cfg.post))
		return EINVAL;
	job->done = done;
	job->arg = arg;
	job->sync = NULL;
	return writer_enqueue(st, &job->w, false);
}

int store_write_sync(struct store *st, struct store_job *job, struct store_rs **rsp)
{
	if (rsp)
		*rsp = NULL;
	if (!st || !job || job->w.kind != W_JOB || job->n == 0) {
		store_job_free(job);
		return EINVAL;
	}
	struct sync_wait w;
	sync_init(&w);
	job->done = NULL;
	job->sync = &w;
	int err = writer_enqueue(st, &job->w, true);
	if (err) {
		store_job_free(job);
		pthread_mutex_destroy(&w.mu);
		pthread_cond_destroy(&w.cv);
		return err;
	}
	return sync_wait_done(&w, rsp);
}

int store_exec_sync(struct store *st, const struct store_stmt *stmt,
		    const struct store_value *params, unsigned n)
{
	struct store_job *job;
	int err = store_job_alloc(&job);
	if (err)
		return err;
	err = store_job_add(job, stmt, params, n, 0);
	if (err) {
		store_job_free(job);
		return err;
	}
	return store_write_sync(st, job, NULL);
}

int store_checkpoint_sync(struct store *st, bool truncate)
{
	if (!st)
		return EINVAL;
	struct store_job *job;
	int err = store_job_alloc(&job);
	if (err)
		return err;
	struct sync_wait w;
	sync_init(&w);
	job->w.kind = W_CHECKPOINT;
	job->truncate = truncate;
	job->sync = &w;
	err = writer_enqueue(st, &job->w, true);
	if (err) {
		store_job_free(job);
		pthread_mutex_destroy(&w.mu);
		pthread_cond_destroy(&w.cv);
		return err;
	}
	return sync_wait_done(&w, NULL);
}

static int query_submit(struct store *st, const struct store_stmt *stmt,
			const struct store_value *params, unsigned n, store_done_h *done, void *arg,
			struct sync_wait *sync)
{
	if (!st || !stmt || !stmt->sql || (n && !params))
		return EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (params[i].type == STORE_REF)
			return EINVAL;
	struct query *q = sb_zalloc(sizeof(*q));
	if (!q)
		return ENOMEM;
	int err = store_values_copy(&q->arena, params, n, &q->p);
	if (err) {
		query_free(q);
		return err;
	}
	q->stmt = stmt;
	q->n = n;
	q->done = done;
	q->arg = arg;
	q->sync = sync;
	pthread_mutex_lock(&st->rmu);
	if (st->rclosing || st->closing)
		err = ESHUTDOWN;
	else if (!sync && st->rcount >= st->cfg.read_queue_max)
		err = EAGAIN;
	if (err) {
		pthread_mutex_unlock(&st->rmu);
		if (err == EAGAIN)
			stat_add(&st->s_queue_full, 1);
		query_free(q);
		return err;
	}
	if (st->rtail)
		st->rtail->next = q;
	else
		st->rhead = q;
	st->rtail = q;
	st->rcount++;
	pthread_cond_signal(&st->rcond);
	pthread_mutex_unlock(&st->rmu);
	return 0;
}

int store_query(struct store *st, const struct store_stmt *stmt, const struct store_value *params,
		unsigned n, store_done_h *done, void *arg)
{
	if (!st || !done || !st->cfg.post)
		return EINVAL;
	return query_submit(st, stmt, params, n, done, arg, NULL);
}

int store_query_sync(struct store *st, const struct store_stmt *stmt,
		     const struct store_value *params, unsigned n, struct store_rs **rsp)
{
	if (rsp)
		*rsp = NULL;
	struct sync_wait w;
	sync_init(&w);
	int err = query_submit(st, stmt, params, n, NULL, NULL, &w);
	if (err) {
		pthread_mutex_destroy(&w.mu);
		pthread_cond_destroy(&w.cv);
		return err;
	}
	return sync_wait_done(&w, rsp);
}

int store_event_append(struct store *st, const struct store_event *ev)
{
	if (!st || !ev || ev->seq == 0 || ev->seq > (uint64_t)INT64_MAX)
		return EINVAL;
	const char *kind = ev->kind ? ev->kind : acd_event_name((enum acd_event_type)ev->ev.type);
	size_t kl = strlen(kind), dl = ev->data ? strlen(ev->data) + 1 : 0;
	struct ev_item *e = sb_alloc(sizeof(*e) + kl + 1 + dl);
	if (!e)
		return ENOMEM;
	e->w.kind = W_EVENT;
	e->ev = *ev;
	memcpy(e->strs, kind, kl + 1);
	e->ev.kind = e->strs;
	if (ev->data) {
		memcpy(e->strs + kl + 1, ev->data, dl);
		e->ev.data = e->strs + kl + 1;
	}
	int err = writer_enqueue(st, &e->w, false);
	if (err)
		sb_free(e);
	return err;
}

uint64_t store_committed_seq(const struct store *st)
{
	return st ? atomic_load(&st->committed_seq) : 0;
}

void store_stats(const struct store *st, struct store_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!st)
		return;
	out->commits = atomic_load(&st->s_commits);
	out->jobs_ok = atomic_load(&st->s_jobs_ok);
	out->jobs_failed = atomic_load(&st->s_jobs_failed);
	out->events = atomic_load(&st->s_events);
	out->events_lost = atomic_load(&st->s_events_lost);
	out->queue_full = atomic_load(&st->s_queue_full);
	out->queries = atomic_load(&st->s_queries);
	out->checkpoints = atomic_load(&st->s_checkpoints);
	out->max_batch = atomic_load(&st->s_max_batch);
}

void store_writer_pause(struct store *st, bool pause)
{
	pthread_mutex_lock(&st->mu);
	st->paused = pause;
	pthread_cond_broadcast(&st->wcond);
	pthread_mutex_unlock(&st->mu);
}
