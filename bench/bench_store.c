/* bench_store: contact records/s through the group-committing writer vs one transaction each. */
#include "base/clock.h"
#include "base/mem.h"
#include "base/rng.h"
#include "store/records.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * The caller's side is what the daemon does: one loop thread submits many
 * small jobs (one contact record each) without waiting, and counts a record
 * only when its completion arrives through post, i.e. after its commit.
 * The reference writes the same records on a plain SQLite connection, one
 * transaction per record (the naive way), with the same durability setting.
 */

#define OUTSTANDING 8192

struct task {
	struct task *next;
	void (*fn)(void *arg);
	void *arg;
};

/* The loop's inbox: what libre's mqueue is in the daemon. */
struct inbox {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct task *head, *tail;
};

static void inbox_post(void (*fn)(void *arg), void *arg, void *post_arg)
{
	struct inbox *in = post_arg;
	struct task *t = sb_alloc(sizeof(*t));
	if (!t)
		abort();
	t->next = NULL;
	t->fn = fn;
	t->arg = arg;
	pthread_mutex_lock(&in->mu);
	if (in->tail)
		in->tail->next = t;
	else
		in->head = t;
	in->tail = t;
	pthread_cond_signal(&in->cv);
	pthread_mutex_unlock(&in->mu);
}

/* Runs what was posted; waits for something when `wait`. */
static void inbox_run(struct inbox *in, bool wait)
{
	pthread_mutex_lock(&in->mu);
	while (wait && !in->head)
		pthread_cond_wait(&in->cv, &in->mu);
	struct task *t = in->head;
	in->head = in->tail = NULL;
	pthread_mutex_unlock(&in->mu);
	while (t) {
		struct task *next = t->next;
		t->fn(t->arg);
		sb_free(t);
		t = next;
	}
}

struct tally {
	long acked, failed, outstanding;
};

static void on_done(int err, struct store_rs *rs, void *arg)
{
	(void)rs;
	struct tally *t = arg;
	if (err)
		t->failed++;
	else
		t->acked++;
	t->outstanding--;
}

static char dir[256];

static void db_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s.db", dir, name);
}

static void db_remove(const char *path)
{
	char p[300];
	static const char *const sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

static const struct store_stmt seed_client = {
    "seed_client", "INSERT INTO clients (id, name, created_at) VALUES (1, 'bench', 0)", NULL};
static const struct store_stmt seed_queue = {
    "seed_queue",
    "INSERT INTO queues (id, client_id, name, created_at, updated_at) VALUES ($1, 1, $2, 0, 0)",
    NULL};
static const struct store_stmt seed_agent = {
    "seed_agent",
    "INSERT INTO agents (id, display_name, extension, sip_realm, sip_ha1, created_at, "
    "updated_at) VALUES ($1, $2, $2, 'bench', 'x', 0, 0)",
    NULL};

#define N_QUEUES 4
#define N_AGENTS 50

static void seed(struct store *st)
{
	char name[32];
	if (store_exec_sync(st, &seed_client, NULL, 0))
		abort();
	for (int q = 1; q <= N_QUEUES; q++) {
		snprintf(name, sizeof(name), "queue%d", q);
		struct store_value p[2] = {store_int(q), store_text(name)};
		if (store_exec_sync(st, &seed_queue, p, 2))
			abort();
	}
	for (int a = 1; a <= N_AGENTS; a++) {
		snprintf(name, sizeof(name), "%d", 1000 + a);
		struct store_value p[2] = {store_int(a), store_text(name)};
		if (store_exec_sync(st, &seed_agent, p, 2))
			abort();
	}
}

/* A realistic finished inbound call; strings go to the caller's buffers. */
static void make_record(struct store_contact *c, int64_t id, struct rng *r, char *num, char *notes,
			char *rec)
{
	memset(c, 0, sizeof(*c));
	int64_t t0 = 1700000000000LL + id * 700;
	c->id = id;
	c->call_id = id;
	c->initial_id = id;
	c->client_id = 1;
	c->channel = "voice";
	c->direction = "inbound";
	c->initiation = "inbound";
	snprintf(num, 24, "+4930%07llu", (unsigned long long)rng_below(r, 10000000));
	c->customer_number = num;
	c->system_number = "+49301234500";
	c->queue_id = 1 + (int64_t)rng_below(r, N_QUEUES);
	c->agent_id = 1 + (int64_t)rng_below(r, N_AGENTS);
	c->t_initiated = t0;
	c->t_enqueued = t0 + 1500;
	c->t_dequeued = c->t_enqueued + (int64_t)rng_below(r, 60000);
	c->t_connected = c->t_dequeued + 2000;
	c->t_disconnected = c->t_connected + 30000 + (int64_t)rng_below(r, 300000);
	c->hold_count = (int64_t)rng_below(r, 3);
	c->hold_ms = c->hold_count * 20000;
	c->t_wrap_start = c->t_disconnected;
	c->t_wrap_end = c->t_disconnected + 15000;
	c->disconnect_reason = "caller";
	snprintf(notes, 80, "customer asked about invoice %llu, explained the tariff",
		 (unsigned long long)rng_below(r, 1000000));
	c->notes = notes;
	snprintf(rec, 64, "rec/2023/11/14/%lld.wav", (long long)id);
	c->recording_ref = rec;
	c->attributes = "{\"lang\":\"de\",\"ivr\":\"1-2\"}";
	c->updated_at = c->t_wrap_end;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Records per second through the store, counting acknowledged records only; *cpu_us: CPU per
 * record. */
static double run_store(bool full, long n, struct store_stats *stats, double *cpu_us)
{
	char path[300];
	db_path(path, sizeof(path), full ? "store_full" : "store_normal");
	db_remove(path);
	struct inbox in;
	memset(&in, 0, sizeof(in));
	pthread_mutex_init(&in.mu, NULL);
	pthread_cond_init(&in.cv, NULL);
	struct store_config cfg;
	store_config_default(&cfg);
	cfg.path = path;
	cfg.sync_full = full;
	cfg.post = inbox_post;
	cfg.post_arg = &in;
	cfg.queue_max = 2 * OUTSTANDING;
	struct store *st;
	int err = store_open(&st, &cfg);
	if (err) {
		fprintf(stderr, "bench_store: open %s: error %d\n", path, err);
		exit(1);
	}
	seed(st);

	struct tally t = {0, 0, 0};
	struct rng r;
	rng_seed(&r, 42);
	char num[24], notes[80], rec[64];
	int64_t start = clock_mono_ns();
	double cpu0 = cpu_seconds();
	for (long id = 1; id <= n; id++) {
		while (t.outstanding >= OUTSTANDING)
			inbox_run(&in, true);
		struct store_contact c;
		struct store_job *job;
		make_record(&c, id, &r, num, notes, rec);
		if (store_job_alloc(&job) || store_job_contact_put(job, &c))
			abort();
		while ((err = store_write(st, job, on_done, &t)) == EAGAIN)
			inbox_run(&in, true);
		if (err)
			abort();
		t.outstanding++;
		inbox_run(&in, false);
	}
	while (t.outstanding > 0)
		inbox_run(&in, true);
	double secs = (double)(clock_mono_ns() - start) / 1e9;
	*cpu_us = (cpu_seconds() - cpu0) * 1e6 / (double)n;
	store_stats(st, stats);
	store_close(st);
	inbox_run(&in, false);
	pthread_mutex_destroy(&in.mu);
	pthread_cond_destroy(&in.cv);
	if (t.failed || t.acked != n) {
		fprintf(stderr, "bench_store: %ld failed, %ld acknowledged of %ld\n", t.failed,
			t.acked, n);
		exit(1);
	}
	db_remove(path);
	return (double)t.acked / secs;
}

static const char naive_sql[] =
    "INSERT INTO contacts (id, call_id, initial_id, previous_id, next_id, client_id, channel, "
    "direction, initiation, customer_id, customer_number, system_number, queue_id, agent_id, "
    "t_initiated, t_enqueued, t_dequeued, t_connected, t_disconnected, hold_count, hold_ms, "
    "t_wrap_start, t_wrap_end, disconnect_reason, disposition_id, notes, recording_ref, "
    "attributes, updated_at) VALUES (?1, ?2, ?3, NULL, NULL, ?4, ?5, ?6, ?7, NULL, ?8, ?9, "
    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, NULL, ?22, ?23, ?24, ?25)";

static void check(int rc, sqlite3 *db, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE) {
		fprintf(stderr, "bench_store: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

/* The naive way: one autocommit INSERT (one transaction, one commit) per record. */
static double run_naive(bool full, long n)
{
	char path[300];
	db_path(path, sizeof(path), full ? "naive_full" : "naive_normal");
	db_remove(path);
	/* the same schema and seed rows, created through the store */
	struct store_config cfg;
	store_config_default(&cfg);
	cfg.path = path;
	struct store *st;
	if (store_open(&st, &cfg))
		exit(1);
	seed(st);
	store_close(st);

	sqlite3 *db;
	sqlite3_stmt *s;
	check(sqlite3_open(path, &db), db, "open");
	check(sqlite3_exec(db,
			   full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
				  "PRAGMA foreign_keys=ON"
				: "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
				  "PRAGMA foreign_keys=ON",
			   NULL, NULL, NULL),
	      db, "pragma");
	check(sqlite3_prepare_v2(db, naive_sql, -1, &s, NULL), db, "prepare");
	struct rng r;
	rng_seed(&r, 42);
	char num[24], notes[80], rec[64];
	int64_t start = clock_mono_ns();
	for (long id = 1; id <= n; id++) {
		struct store_contact c;
		make_record(&c, id, &r, num, notes, rec);
		int k = 1;
		sqlite3_bind_int64(s, k++, c.id);
		sqlite3_bind_int64(s, k++, c.call_id);
		sqlite3_bind_int64(s, k++, c.initial_id);
		sqlite3_bind_int64(s, k++, c.client_id);
		sqlite3_bind_text(s, k++, c.channel, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, k++, c.direction, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, k++, c.initiation, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, k++, c.customer_number, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, k++, c.system_number, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, k++, c.queue_id);
		sqlite3_bind_int64(s, k++, c.agent_id);
		sqlite3_bind_int64(s, k++, c.t_initiated);
		sqlite3_bind_int64(s, k++, c.t_enqueued);
		sqlite3_bind_int64(s, k++, c.t_dequeued);
		sqlite3_bind_int64(s, k++, c.t_connected);
		sqlite3_bind_int64(s, k++, c.t_disconnected);
		sqlite3_bind_int64(s, k++, c.hold_count);
		sqlite3_bind_int64(s, k++, c.hold_ms);
		sqlite3_bind_int64(s, k++, c.t_wrap_start);
		sqlite3_bind_int64(s, k++, c.t_wrap_end);
		sqlite3_bind_text(s, k++, c.disconnect_reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, k++, c.notes, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, k++, c.recording_ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, k++, c.attributes, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, k++, c.updated_at);
		check(sqlite3_step(s), db, "insert");
		sqlite3_reset(s);
	}
	double secs = (double)(clock_mono_ns() - start) / 1e9;
	sqlite3_finalize(s);
	sqlite3_close(db);
	db_remove(path);
	return (double)n / secs;
}

static long arg_long(const char *s, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0) {
		fprintf(stderr, "bench_store: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long n = 300000, n_naive = 30000, n_naive_full = 3000;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/sb-bench-store.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--records") && i + 1 < argc) {
			n = arg_long(argv[++i], "--records");
		} else if (!strcmp(argv[i], "--naive") && i + 1 < argc) {
			n_naive = arg_long(argv[++i], "--naive");
			n_naive_full = n_naive / 10 ? n_naive / 10 : 1;
		} else {
			fprintf(stderr, "usage: bench_store [--records N] [--naive N]\n");
			return 2;
		}
	}
	if (!mkdtemp(dir)) {
		perror("bench_store: mkdtemp");
		return 1;
	}

	static const struct {
		const char *name;
		bool full;
	} modes[] = {{"store_contacts_wal_normal", false}, {"store_contacts_wal_full", true}};
	for (int m = 0; m < 2; m++) {
		struct store_stats s;
		double cpu_us;
		double ours = run_store(modes[m].full, n, &s, &cpu_us);
		double ref = run_naive(modes[m].full, modes[m].full ? n_naive_full : n_naive);
		fprintf(
		    stderr,
		    "%s: %ld records through the writer: %.0f/s in %llu commits (largest %llu), "
		    "%.1f us CPU per record (both threads); one transaction per record: %.0f/s\n",
		    modes[m].name, n, ours, (unsigned long long)s.commits,
		    (unsigned long long)s.max_batch, cpu_us, ref);
		printf("{\"name\": \"%s\", \"value\": %.0f, \"unit\": \"records/s\", "
		       "\"reference\": %.0f, \"ratio\": %.2f}\n",
		       modes[m].name, ours, ref, ours / ref);
		fflush(stdout);
	}
	rmdir(dir);
	return 0;
}
