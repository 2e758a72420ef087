/* session_keep: login sessions kept in storage across restarts (see session_keep.h). */
#include "server/session_keep.h"

#include "base/clock.h"
#include "base/mem.h"
#include "http/auth.h"
#include "http/session.h"
#include "http/users.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TOUCH_MS 60000 /* a session's last use reaches storage at most once a minute */

static const struct store_stmt q_load = {
    "sessions.load", "SELECT token_hash, user_id, csrf, created_at, last_seen_at FROM sessions",
    NULL};
static const struct store_stmt s_expire = {
    "sessions.expire",
    "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2 OR csrf IS NULL", NULL};
static const struct store_stmt s_save = {
    "sessions.save",
    "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen_at, expires_at) "
    "VALUES ($1, $2, $3, $4, $4, $5)",
    NULL};
static const struct store_stmt s_touch = {
    "sessions.touch", "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1", NULL};
static const struct store_stmt s_drop = {"sessions.drop",
					 "DELETE FROM sessions WHERE token_hash = $1", NULL};

/* The hooks' state: one daemon per process. */
static struct keep {
	struct store *st;
	int64_t max_ms;
} keep;

/* Wall-clock ms of a monotonic time. */
static int64_t wall_of(int64_t mono)
{
	return clock_wall_ms() - (clock_mono_ms() - mono);
}

static void hex(const unsigned char h[SESSION_HASH_LEN], char out[2 * SESSION_HASH_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < SESSION_HASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * SESSION_HASH_LEN] = '\0';
}

static int unhex(const char *s, unsigned char h[SESSION_HASH_LEN])
{
	if (!s || strlen(s) != 2 * SESSION_HASH_LEN)
		return EINVAL;
	for (int i = 0; i < 2 * SESSION_HASH_LEN; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return EINVAL;
		if (i % 2 == 0)
			h[i / 2] = (unsigned char)(v << 4);
		else
			h[i / 2] |= (unsigned char)v;
	}
	return 0;
}

/* One statement through the writer, not waited for. A failure costs only the copy: the session
 * itself lives on in memory. */
static void write1(struct store *st, const struct store_stmt *stmt, const struct store_value *p,
		   unsigned n)
{
	struct store_job *job;
	if (store_job_alloc(&job) != 0)
		return;
	if (store_job_add(job, stmt, p, n, 0) != 0 || store_write(st, job, NULL, NULL) != 0) {
		fprintf(stderr, "switchboard: could not keep a login session in storage\n");
		store_job_free(job);
	}
}

static void on_saved(const struct session *se, void *arg)
{
	char h[2 * SESSION_HASH_LEN + 1];
	hex(se->hash, h);
	struct keep *k = arg;
	int64_t created = wall_of(se->created_ms);
	struct store_value p[] = {store_text(h), store_int((int64_t)se->user_id),
				  store_text(se->csrf), store_int(created),
				  store_int(created + k->max_ms)};
	write1(k->st, &s_save, p, 5);
}

static void on_touched(const struct session *se, void *arg)
{
	char h[2 * SESSION_HASH_LEN + 1];
	hex(se->hash, h);
	struct store_value p[] = {store_text(h), store_int(wall_of(se->last_ms))};
	write1(((struct keep *)arg)->st, &s_touch, p, 2);
}

static void on_dropped(const unsigned char hash[SESSION_HASH_LEN], void *arg)
{
	char h[2 * SESSION_HASH_LEN + 1];
	hex(hash, h);
	struct store_value p[] = {store_text(h)};
	write1(((struct keep *)arg)->st, &s_drop, p, 1);
}

int session_keep_start(struct store *st, struct auth *a, const struct userdir *users,
		       int64_t idle_ms, int64_t max_ms)
{
	struct sessions *ss = auth_sessions(a);
	int64_t wall = clock_wall_ms(), mono = clock_mono_ms();
	/* what expired while the daemon was down; storage's last use may be up to TOUCH_MS
	 * behind the real one, which only ends a session early, never late */
	struct store_value pe[] = {store_int(wall), store_int(wall - idle_ms)};
	int err = store_exec_sync(st, &s_expire, pe, 2);
	struct store_rs *rs = NULL;
	if (!err)
		err = store_query_sync(st, &q_load, NULL, 0, &rs);
	if (err)
		return err;
	unsigned restored = 0;
	for (unsigned r = 0; rs && r < store_rs_rows(rs); r++) {
		unsigned char hash[SESSION_HASH_LEN];
		int64_t uid = store_rs_int(rs, r, 1);
		const struct user *u = userdir_get(users, (uint64_t)uid);
		int64_t created = store_rs_int(rs, r, 3), last = store_rs_int(rs, r, 4);
		bool ok =
		    unhex(store_rs_text(rs, r, 0), hash) == 0 && u && !u->disabled &&
		    sessions_restore(ss, hash, (uint64_t)uid, store_rs_text(rs, r, 2),
				     mono - (wall - created), mono - (wall - last), mono) == 0;
		if (ok) {
			restored++;
		} else {
			struct store_value p[] = {store_text(store_rs_text(rs, r, 0))};
			store_exec_sync(st, &s_drop, p, 1); /* gone user, bad row: not kept */
		}
	}
	store_rs_free(rs);
	if (restored)
		fprintf(stderr, "switchboard: %u login session%s kept from before the restart\n",
			restored, restored == 1 ? "" : "s");
	keep.st = st;
	keep.max_ms = max_ms;
	struct sessions_hooks h = {on_saved, on_touched, on_dropped, &keep, TOUCH_MS};
	sessions_set_hooks(ss, &h);
	return 0;
}

void session_keep_stop(struct auth *a)
{
	if (!a)
		return;
	struct sessions_hooks none = {0};
	sessions_set_hooks(auth_sessions(a), &none);
}
