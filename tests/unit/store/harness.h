/* harness: a test event loop (a queue post fills, the test drains) and temporary databases. */
#ifndef SB_TESTS_STORE_HARNESS_H
#define SB_TESTS_STORE_HARNESS_H

#include "base/mem.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct loop_task {
	struct loop_task *next;
	void (*fn)(void *arg);
	void *arg;
};

/* What the daemon's libre mqueue does: functions posted from any thread run on the test's thread.
 */
struct loop {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct loop_task *head, *tail;
	pthread_t owner;
	unsigned long posted, ran;
	bool wrong_thread; /* a posted function ran off the loop thread */
};

static inline void loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->owner = pthread_self();
}

static inline void loop_post(void (*fn)(void *arg), void *arg, void *post_arg)
{
	struct loop *l = post_arg;
	struct loop_task *t = sb_alloc(sizeof(*t));
	if (!t)
		abort();
	t->next = NULL;
	t->fn = fn;
	t->arg = arg;
	pthread_mutex_lock(&l->mu);
	if (l->tail)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
	l->posted++;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

/* Runs one posted function, waiting up to timeout_ms for one; false on timeout. */
static inline bool loop_run_one(struct loop *l, int timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&l->mu);
	while (!l->head) {
		if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == ETIMEDOUT) {
			pthread_mutex_unlock(&l->mu);
			return false;
		}
	}
	struct loop_task *t = l->head;
	l->head = t->next;
	if (!l->head)
		l->tail = NULL;
	pthread_mutex_unlock(&l->mu);
	if (!pthread_equal(pthread_self(), l->owner))
		l->wrong_thread = true;
	t->fn(t->arg);
	sb_free(t);
	l->ran++;
	return true;
}

/* Runs posted functions until *counter reaches target; false after timeout_ms without progress. */
static inline bool loop_run_until(struct loop *l, const long *counter, long target, int timeout_ms)
{
	while (*counter < target)
		if (!loop_run_one(l, timeout_ms))
			return false;
	return true;
}

/* Runs everything already posted. */
static inline void loop_drain(struct loop *l)
{
	while (loop_run_one(l, 0))
		;
}

static inline void loop_release(struct loop *l)
{
	loop_drain(l);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
}

/* A database in a fresh temporary directory. */
struct tmpdb {
	char dir[64];
	char path[128];
};

static inline void tmpdb_init(struct tmpdb *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/sbstore.XXXXXX");
	if (!mkdtemp(t->dir))
		abort();
	snprintf(t->path, sizeof(t->path), "%s/test.db", t->dir);
}

static inline void tmpdb_remove(struct tmpdb *t)
{
	char p[160];
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	for (unsigned i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, sfx[i]);
		unlink(p);
	}
	rmdir(t->dir);
}

/* Size of the database's WAL file; -1 when there is none. */
static inline long tmpdb_wal_size(const struct tmpdb *t)
{
	char p[160];
	struct stat sb;
	snprintf(p, sizeof(p), "%s-wal", t->path);
	return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static inline void test_log_quiet(const char *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

static inline void cfg_for(struct store_config *cfg, const struct tmpdb *t, struct loop *l)
{
	store_config_default(cfg);
	cfg->path = t->path;
	cfg->post = loop_post;
	cfg->post_arg = l;
}

#endif
