/* Crash test: a writer killed -9 at random moments must keep every write it acknowledged. */
#include "testutil.h"

#include "harness.h"

#include "base/clock.h"
#include "base/rng.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#define TWIN	    1000000000LL /* each job inserts id and id + TWIN: both or neither */
#define SEQ_FLAG    (1ULL << 63) /* an ack for "events up to seq committed" */
#define OUTSTANDING 2000

static const struct store_stmt create_acked = {
    "create_acked", "CREATE TABLE IF NOT EXISTS acked (id INTEGER PRIMARY KEY, payload TEXT)",
    NULL};
static const struct store_stmt insert_acked = {
    "insert_acked", "INSERT INTO acked (id, payload) VALUES ($1, $2)", NULL};

struct child {
	int fd;
	long outstanding;
	struct store *st;
};

static void send_ack(int fd, uint64_t v)
{
	const char *p = (const char *)&v;
	size_t left = sizeof(v);
	while (left) { /* 8 bytes: atomic on a pipe */
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3);
		p += n;
		left -= (size_t)n;
	}
}

struct ack {
	struct child *c;
	int64_t id;
};

static void on_job(int err, struct store_rs *rs, void *arg)
{
	(void)rs;
	struct ack *a = arg;
	if (err)
		_exit(4); /* nothing in this load may fail */
	send_ack(a->c->fd, (uint64_t)a->id);
	a->c->outstanding--;
	sb_free(a);
}

static void on_committed(uint64_t seq, void *arg)
{
	struct child *c = arg;
	send_ack(c->fd, seq | SEQ_FLAG);
}

/* The writing process: never returns. */
static void child_main(const char *path, int fd)
{
	struct loop loop;
	struct store_config cfg;
	struct child c = {fd, 0, NULL};
	struct tmpdb t;
	memset(&t, 0, sizeof(t));
	snprintf(t.path, sizeof(t.path), "%s", path);
	loop_init(&loop);
	cfg_for(&cfg, &t, &loop);
	cfg.committed = on_committed;
	cfg.committed_arg = &c;
	cfg.checkpoint_pages = 200; /* checkpoints happen during the load too */
	if (store_open(&c.st, &cfg))
		_exit(2);
	if (store_exec_sync(c.st, &create_acked, NULL, 0))
		_exit(2);
	uint64_t seq = store_committed_seq(c.st);
	char payload[96];
	for (int64_t id = 1;; id++) {
		while (c.outstanding >= OUTSTANDING)
			loop_run_one(&loop, 100);
		loop_drain(&loop);

		struct store_event e;
		memset(&e, 0, sizeof(e));
		e.seq = ++seq;
		e.ev.type = ACD_EV_CALL_ENTER;
		e.ev.time = clock_wall_ms();
		e.ev.call = (uint64_t)id;
		e.ev.queue = 1;
		while (store_event_append(c.st, &e) == EAGAIN)
			loop_run_one(&loop, 10);

		struct store_job *job;
		struct ack *a = sb_alloc(sizeof(*a));
		if (!a || store_job_alloc(&job))
			_exit(5);
		a->c = &c;
		a->id = id;
		snprintf(payload, sizeof(payload), "payload of %lld, long enough to fill pages",
			 (long long)id);
		struct store_value p[2] = {store_int(id), store_text(payload)};
		struct store_value q[2] = {store_int(id + TWIN), store_text(payload)};
		if (store_job_add(job, &insert_acked, p, 2, 0) ||
		    store_job_add(job, &insert_acked, q, 2, 0))
			_exit(5);
		int err;
		while ((err = store_write(c.st, job, on_job, a)) == EAGAIN)
			loop_run_one(&loop, 10);
		if (err)
			_exit(6);
		c.outstanding++;
	}
}

struct acks {
	uint64_t *ids;
	size_t n, cap;
	uint64_t max_seq;
	unsigned char buf[8];
	size_t have;
};

static void acks_feed(struct acks *a, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		a->buf[a->have++] = p[i];
		if (a->have < 8)
			continue;
		a->have = 0;
		uint64_t v;
		memcpy(&v, a->buf, 8);
		if (v & SEQ_FLAG) {
			v &= ~SEQ_FLAG;
			assert_true(v >= a->max_seq);
			a->max_seq = v;
			continue;
		}
		if (a->n == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 4096;
			a->ids = sb_realloc(a->ids, a->cap * sizeof(*a->ids));
			assert_non_null(a->ids);
		}
		a->ids[a->n++] = v;
	}
}

/* Reads what the pipe holds, waiting up to wait_ms; false at end of file. */
static bool acks_read(struct acks *a, int fd, int wait_ms)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	if (poll(&pfd, 1, wait_ms) <= 0)
		return true;
	unsigned char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	acks_feed(a, buf, (size_t)n);
	return true;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static void verify(const char *path, struct acks *a)
{
	struct loop loop;
	struct store_config cfg;
	struct store *st;
	struct tmpdb t;
	memset(&t, 0, sizeof(t));
	snprintf(t.path, sizeof(t.path), "%s", path);
	loop_init(&loop);
	cfg_for(&cfg, &t, &loop);
	assert_int_equal(store_open(&st, &cfg), 0); /* recovers the WAL */

	struct store_rs *rs;
	static const struct store_stmt integrity = {"integrity", "PRAGMA integrity_check", NULL};
	assert_int_equal(store_query_sync(st, &integrity, NULL, 0, &rs), 0);
	assert_string_equal(store_rs_text(rs, 0, 0), "ok");
	store_rs_free(rs);

	/* every acknowledged id is there: walk the table in pages, as sorted lists */
	qsort(a->ids, a->n, sizeof(*a->ids), cmp_u64);
	static const struct store_stmt page = {
	    "page", "SELECT id FROM acked WHERE id > $1 AND id < $2 ORDER BY id LIMIT 10000", NULL};
	int64_t after = 0;
	size_t k = 0, rows = 0;
	for (;;) {
		struct store_value p[2] = {store_int(after), store_int(TWIN)};
		assert_int_equal(store_query_sync(st, &page, p, 2, &rs), 0);
		unsigned n = store_rs_rows(rs);
		for (unsigned i = 0; i < n; i++) {
			uint64_t id = (uint64_t)store_rs_int(rs, i, 0);
			while (k < a->n && a->ids[k] < id)
				fail_msg("acknowledged id %llu lost",
					 (unsigned long long)a->ids[k]);
			if (k < a->n && a->ids[k] == id)
				k++;
			after = (int64_t)id;
			rows++;
		}
		store_rs_free(rs);
		if (n < 10000)
			break;
	}
	if (k < a->n)
		fail_msg("acknowledged id %llu lost", (unsigned long long)a->ids[k]);
	assert_true(rows >= a->n); /* more may have committed without the ack getting out */

	/* jobs are atomic: every row has its twin */
	static const struct store_stmt halves = {
	    "halves",
	    "SELECT count(*) FROM acked x WHERE (x.id < $1 AND NOT EXISTS (SELECT 1 FROM acked y "
	    "WHERE y.id = x.id + $1)) OR (x.id > $1 AND NOT EXISTS (SELECT 1 FROM acked y "
	    "WHERE y.id = x.id - $1))",
	    NULL};
	struct store_value tw = store_int(TWIN);
	assert_int_equal(store_query_sync(st, &halves, &tw, 1, &rs), 0);
	assert_int_equal(store_rs_int(rs, 0, 0), 0);
	store_rs_free(rs);

	/* every event up to the last acknowledged seq is there, and appends continue after it */
	static const struct store_stmt events = {
	    "events", "SELECT count(*) FROM events WHERE seq <= $1", NULL};
	struct store_value s = store_int((int64_t)a->max_seq);
	assert_int_equal(store_query_sync(st, &events, &s, 1, &rs), 0);
	assert_int_equal(store_rs_int(rs, 0, 0), (int64_t)a->max_seq);
	store_rs_free(rs);
	assert_true(store_committed_seq(st) >= a->max_seq);
	fprintf(stderr,
		"crash: %zu acknowledged jobs, %zu committed, events acknowledged to %llu\n", a->n,
		rows, (unsigned long long)a->max_seq);
	store_close(st);
	loop_release(&loop);
}

static void crash_once(uint64_t seed, int64_t delay_ms)
{
	struct tmpdb t;
	tmpdb_init(&t);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_main(t.path, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	struct acks a;
	memset(&a, 0, sizeof(a));

	/* wait for the load to run, then kill at the chosen moment */
	int64_t start = clock_mono_ms();
	while (a.n == 0 && clock_mono_ms() - start < 20000)
		assert_true(acks_read(&a, fds[0], 10));
	assert_true(a.n > 0);
	int64_t kill_at = clock_mono_ms() + delay_ms;
	while (clock_mono_ms() < kill_at)
		assert_true(acks_read(&a, fds[0], 1));
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* acks written before the kill are still in the pipe */
	while (acks_read(&a, fds[0], 100))
		;
	close(fds[0]);
	assert_int_equal(a.have, 0);
	fprintf(stderr, "crash: seed %llu, killed %lld ms into the load\n",
		(unsigned long long)seed, (long long)delay_ms);
	verify(t.path, &a);
	sb_free(a.ids);
	tmpdb_remove(&t);
}

static void test_kill_during_load(void **state)
{
	(void)state;
	struct rng r;
	uint64_t seed = (uint64_t)clock_wall_ms();
	const char *env = getenv("SB_SEED");
	if (env)
		seed = strtoull(env, NULL, 10);
	rng_seed(&r, seed);
	/* several kill moments: early, in the middle of checkpoints, later */
	static const int64_t base[] = {0, 30, 120, 300, 700};
	for (unsigned i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		crash_once(seed, base[i] + (int64_t)rng_below(&r, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_kill_during_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
