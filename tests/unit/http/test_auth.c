/* Tests for auth parts: back-off, sessions, user directory and visibility, argon2id. */
#include "testutil.h"

#include "http/backoff.h"
#include "http/pwhash.h"
#include "http/session.h"
#include "http/users.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct backoff_policy pol = {
    .base_ms = 250, .cap_ms = 30000, .free_failures = 1, .forget_ms = 900000, .max_inflight = 1};

static void test_window(void **state)
{
	(void)state;
	assert_int_equal(backoff_window(&pol, 0), 0);
	assert_int_equal(backoff_window(&pol, 1), 0); /* one typo is free */
	assert_int_equal(backoff_window(&pol, 2), 250);
	assert_int_equal(backoff_window(&pol, 3), 500);
	assert_int_equal(backoff_window(&pol, 4), 1000);
	assert_int_equal(backoff_window(&pol, 8), 16000);
	assert_int_equal(backoff_window(&pol, 9), 30000); /* 32 s, capped */
	assert_int_equal(backoff_window(&pol, 1000), 30000);
	assert_int_equal(backoff_window(&pol, 4000000000u), 30000); /* no overflow */
	struct backoff_policy p0 = pol;
	p0.free_failures = 0;
	assert_int_equal(backoff_window(&p0, 1), 250);
}

static void test_table(void **state)
{
	(void)state;
	struct backoff *b;
	assert_int_equal(backoff_alloc(&b, &pol, 100), 0);
	int64_t w, t = 1000;
	const char *k = "agent1\n10.0.0.1";
	/* first failure: free */
	assert_int_equal(backoff_begin(b, k, t, &w), 0);
	/* a second attempt while the first is being checked is refused */
	assert_int_equal(backoff_begin(b, k, t, &w), EBUSY);
	assert_int_equal(backoff_end(b, k, t, BACKOFF_FAILED), 0);
	assert_int_equal(backoff_failures(b, k, t), 1);
	/* second failure: 250 ms window */
	assert_int_equal(backoff_begin(b, k, t, &w), 0);
	assert_int_equal(backoff_end(b, k, t, BACKOFF_FAILED), 250);
	assert_int_equal(backoff_begin(b, k, t + 100, &w), EAGAIN);
	assert_int_equal(w, 150);
	/* another key is independent */
	assert_int_equal(backoff_begin(b, "agent1\n10.0.0.2", t + 100, &w), 0);
	assert_int_equal(backoff_end(b, "agent1\n10.0.0.2", t + 100, BACKOFF_SUCCESS), 0);
	/* after the window, failures keep doubling it */
	t += 250;
	for (int i = 3; i <= 12; i++) {
		assert_int_equal(backoff_begin(b, k, t, &w), 0);
		int64_t win = backoff_end(b, k, t, BACKOFF_FAILED);
		assert_int_equal(win, backoff_window(&pol, (unsigned)i));
		assert_true(win <= pol.cap_ms);
		t += win;
	}
	/* the window is bounded: after the cap, the key is allowed again */
	assert_int_equal(backoff_begin(b, k, t - 1, &w), EAGAIN);
	assert_int_equal(w, 1);
	assert_int_equal(backoff_begin(b, k, t, &w), 0);
	/* success forgets everything */
	assert_int_equal(backoff_end(b, k, t, BACKOFF_SUCCESS), 0);
	assert_int_equal(backoff_failures(b, k, t), 0);
	assert_int_equal(backoff_count(b), 0);
	/* failures are forgotten after forget_ms without another */
	assert_int_equal(backoff_begin(b, k, t, &w), 0);
	backoff_end(b, k, t, BACKOFF_FAILED);
	assert_int_equal(backoff_begin(b, k, t, &w), 0);
	backoff_end(b, k, t, BACKOFF_FAILED);
	assert_int_equal(backoff_failures(b, k, t + pol.forget_ms - 1), 2);
	assert_int_equal(backoff_failures(b, k, t + pol.forget_ms), 0);
	backoff_sweep(b, t + pol.forget_ms);
	assert_int_equal(backoff_count(b), 0);
	backoff_free(b);
}

static void test_reset_and_bounds(void **state)
{
	(void)state;
	struct backoff *b;
	assert_int_equal(backoff_alloc(&b, &pol, 4), 0);
	int64_t w;
	const char *keys[] = {"al\n1.1.1.1", "bob\n1.1.1.1", "bob\n2.2.2.2", "bobby\n1.1.1.1"};
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 4; i++) {
			assert_int_equal(backoff_begin(b, keys[i], 10 + r * 300 + i, &w), 0);
			backoff_end(b, keys[i], 10 + r * 300 + i, BACKOFF_FAILED);
		}
	assert_int_equal(backoff_count(b), 4);
	/* full: the key that failed longest ago (al) makes room */
	assert_int_equal(backoff_begin(b, "new\n3.3.3.3", 700, &w), 0);
	backoff_end(b, "new\n3.3.3.3", 700, BACKOFF_FAILED);
	assert_int_equal(backoff_count(b), 4);
	assert_int_equal(backoff_failures(b, "al\n1.1.1.1", 700), 0);
	/* "bob\n" clears bob's keys only, not bobby's */
	assert_int_equal(backoff_reset_prefix(b, "bob\n"), 2);
	assert_int_equal(backoff_count(b), 2);
	assert_int_equal(backoff_failures(b, "bobby\n1.1.1.1", 700), 2);
	assert_int_equal(backoff_reset(b, "bobby\n1.1.1.1"), 1);
	assert_int_equal(backoff_reset(b, "bobby\n1.1.1.1"), 0);
	assert_int_equal(backoff_begin(b, "bobby\n1.1.1.1", 700, &w), 0);
	backoff_end(b, "bobby\n1.1.1.1", 700, BACKOFF_NEUTRAL);
	struct backoff_policy bad = pol;
	bad.cap_ms = 10;
	struct backoff *x;
	assert_int_equal(backoff_alloc(&x, &bad, 4), EINVAL);
	backoff_free(b);
}

static void test_sessions(void **state)
{
	(void)state;
	struct sessions *s;
	assert_int_equal(sessions_alloc(&s, 1000, 5000), 0);
	char tok[SESSION_TOKEN_LEN + 1], tok2[SESSION_TOKEN_LEN + 1];
	const struct session *se, *se2;
	assert_int_equal(sessions_create(s, 7, 0, tok, &se), 0);
	assert_int_equal(strlen(tok), SESSION_TOKEN_LEN);
	assert_true(session_token_wellformed(tok, strlen(tok)));
	assert_int_equal(sessions_create(s, 7, 0, tok2, &se2), 0);
	assert_string_not_equal(tok, tok2);
	assert_string_not_equal(se->csrf, se2->csrf);
	assert_ptr_equal(sessions_lookup(s, tok, strlen(tok), 500), se);
	assert_int_equal(se->user_id, 7);
	/* only a hash is kept: the token text is nowhere in the session */
	assert_null(memmem(se, sizeof(*se), tok, SESSION_TOKEN_LEN));
	/* a token differing in one character is unknown */
	char bad[SESSION_TOKEN_LEN + 1];
	memcpy(bad, tok, sizeof(bad));
	bad[5] = bad[5] == 'A' ? 'B' : 'A';
	assert_null(sessions_lookup(s, bad, strlen(bad), 500));
	assert_null(sessions_lookup(s, tok, strlen(tok) - 1, 500));
	assert_null(sessions_lookup(s, "!!!", 3, 500));
	/* idle expiry: touched at 500, alive at 1499, gone at 1500 */
	assert_true(sessions_alive(s, se->key, 1499));
	assert_false(sessions_alive(s, se->key, 1500));
	assert_ptr_equal(sessions_lookup(s, tok, strlen(tok), 1400), se);
	assert_ptr_equal(sessions_lookup(s, tok, strlen(tok), 2300), se);
	assert_ptr_equal(sessions_lookup(s, tok, strlen(tok), 3200), se);
	assert_ptr_equal(sessions_lookup(s, tok, strlen(tok), 4100), se);
	/* absolute expiry at 5000 however busy */
	assert_null(sessions_lookup(s, tok, strlen(tok), 5000));
	assert_int_equal(sessions_count(s), 1); /* the expired one was dropped */
	sessions_sweep(s, 5000);
	assert_int_equal(sessions_count(s), 0);
	assert_int_equal(sessions_create(s, 8, 0, tok, &se), 0);
	assert_int_equal(sessions_create(s, 8, 0, tok2, NULL), 0);
	assert_int_equal(sessions_create(s, 9, 0, tok2, &se2), 0);
	assert_int_equal(sessions_delete_user(s, 8), 2);
	assert_null(sessions_lookup(s, tok, strlen(tok), 1));
	assert_int_equal(sessions_delete(s, se2->key), 0);
	assert_int_equal(sessions_count(s), 0);
	sessions_free(s);
}

/* What the persistence hooks saw. */
struct seen {
	unsigned saved, touched, dropped;
	unsigned char last_dropped[SESSION_HASH_LEN];
	int64_t last_touch;
};

static void h_saved(const struct session *se, void *arg)
{
	(void)se;
	((struct seen *)arg)->saved++;
}

static void h_touched(const struct session *se, void *arg)
{
	struct seen *w = arg;
	w->touched++;
	w->last_touch = se->last_ms;
}

static void h_dropped(const unsigned char hash[SESSION_HASH_LEN], void *arg)
{
	struct seen *w = arg;
	w->dropped++;
	memcpy(w->last_dropped, hash, SESSION_HASH_LEN);
}

static void test_session_hooks_and_restore(void **state)
{
	(void)state;
	struct sessions *s;
	struct seen w = {0};
	assert_int_equal(sessions_alloc(&s, 1000, 5000), 0);
	struct sessions_hooks h = {h_saved, h_touched, h_dropped, &w, 300};
	sessions_set_hooks(s, &h);
	char tok[SESSION_TOKEN_LEN + 1];
	const struct session *se;
	assert_int_equal(sessions_create(s, 7, 0, tok, &se), 0);
	assert_int_equal(w.saved, 1);
	/* uses are reported at most every touch_ms */
	sessions_lookup(s, tok, strlen(tok), 100);
	sessions_lookup(s, tok, strlen(tok), 299);
	assert_int_equal(w.touched, 0);
	sessions_lookup(s, tok, strlen(tok), 300);
	sessions_lookup(s, tok, strlen(tok), 400);
	assert_int_equal(w.touched, 1);
	assert_int_equal(w.last_touch, 300);
	unsigned char hash[SESSION_HASH_LEN];
	char csrf[SESSION_TOKEN_LEN + 1];
	memcpy(hash, se->hash, sizeof(hash));
	memcpy(csrf, se->csrf, sizeof(csrf));
	/* a restart: a new table brings the session back under the same token */
	sessions_free(s); /* freeing is not ending: no drop reported */
	assert_int_equal(w.dropped, 0);
	assert_int_equal(sessions_alloc(&s, 1000, 5000), 0);
	sessions_set_hooks(s, &h);
	assert_int_equal(sessions_restore(s, hash, 7, csrf, 0, 400, 1300), 0);
	assert_int_equal(w.saved, 1); /* storage has it already */
	assert_int_equal(sessions_restore(s, hash, 7, csrf, 0, 400, 1300), EEXIST);
	assert_int_equal(sessions_restore(s, hash, 7, "short", 0, 400, 1300), EINVAL);
	se = sessions_lookup(s, tok, strlen(tok), 1350);
	assert_non_null(se);
	assert_int_equal(se->user_id, 7);
	assert_string_equal(se->csrf, csrf);
	/* idle too long, or too old: not restored */
	assert_int_equal(sessions_restore(s, hash, 8, csrf, 0, 400, 1400), ETIMEDOUT);
	assert_int_equal(sessions_restore(s, hash, 8, csrf, 0, 4900, 5000), ETIMEDOUT);
	/* expiry, logout and a user's sessions ended all report the drop */
	assert_null(sessions_lookup(s, tok, strlen(tok), 2400));
	assert_int_equal(w.dropped, 1);
	assert_memory_equal(w.last_dropped, hash, SESSION_HASH_LEN);
	assert_int_equal(sessions_create(s, 9, 0, tok, &se), 0);
	assert_int_equal(sessions_delete(s, se->key), 0);
	assert_int_equal(sessions_create(s, 9, 0, tok, NULL), 0);
	assert_int_equal(sessions_delete_user(s, 9), 1);
	assert_int_equal(w.dropped, 3);
	sessions_free(s);
}

static void test_userdir(void **state)
{
	(void)state;
	struct userdir *d;
	assert_int_equal(userdir_alloc(&d), 0);
	uint64_t clients[] = {10, 11};
	struct user u = {.id = 1,
			 .username = "ann",
			 .role = ROLE_TEAM_LEAD,
			 .team_id = 3,
			 .clients = clients,
			 .n_clients = 2,
			 .pwhash = "$argon2id$x"};
	assert_int_equal(userdir_put(d, &u), 0);
	clients[0] = 99; /* copied, not referenced */
	const struct user *g = userdir_find(d, "ann");
	assert_non_null(g);
	assert_int_equal(g->clients[0], 10);
	assert_ptr_equal(userdir_get(d, 1), g);
	assert_null(userdir_find(d, "Ann"));
	struct user v = {.id = 2, .username = "ann", .role = ROLE_AGENT};
	assert_int_equal(userdir_put(d, &v), EEXIST);
	snprintf(v.username, sizeof(v.username), "bo b");
	assert_int_equal(userdir_put(d, &v), EINVAL);
	snprintf(v.username, sizeof(v.username), "bob");
	v.agent_id = 5;
	v.team_id = 3;
	assert_int_equal(userdir_put(d, &v), 0);
	/* rename through a put with the same id */
	snprintf(u.username, sizeof(u.username), "anna");
	u.n_clients = 0;
	assert_int_equal(userdir_put(d, &u), 0);
	assert_null(userdir_find(d, "ann"));
	assert_non_null(userdir_find(d, "anna"));
	assert_int_equal(userdir_count(d), 2);
	const struct user *lead = userdir_find(d, "anna"), *bob = userdir_find(d, "bob");
	assert_true(user_may_see_client(lead, 12345)); /* no client list: every client */
	assert_true(user_may_see_team(lead, 3));
	assert_false(user_may_see_team(lead, 4));
	assert_true(user_may_see_agent(lead, 5, 3));
	assert_false(user_may_see_agent(lead, 6, 4));
	assert_true(user_may_see_agent(bob, 5, 3));
	assert_false(user_may_see_agent(bob, 6, 3)); /* an agent sees only themself */
	assert_false(user_may_see_team(bob, 4));
	struct user adm = {
	    .id = 3, .username = "root", .role = ROLE_ADMIN, .clients = clients, .n_clients = 1};
	clients[0] = 10;
	assert_int_equal(userdir_put(d, &adm), 0);
	const struct user *a = userdir_get(d, 3);
	assert_true(user_may_see_team(a, 77));
	assert_true(user_may_see_client(a, 10));
	assert_false(user_may_see_client(a, 11));
	assert_int_equal(userdir_remove(d, 2), 0);
	assert_int_equal(userdir_remove(d, 2), ENOENT);
	assert_null(userdir_find(d, "bob"));
	enum role r;
	assert_int_equal(role_parse("planner", &r), 0);
	assert_int_equal(r, ROLE_PLANNER);
	assert_int_equal(role_parse("boss", &r), EINVAL);
	assert_string_equal(role_name(ROLE_QA), "qa");
	userdir_free(d);
}

/* A post hook for tests: a locked queue the test thread drains. */
struct tq {
	pthread_mutex_t mu;
	void (*fn[16])(void *);
	void *arg[16];
	int n;
};

static void tq_post(void (*fn)(void *), void *arg, void *post_arg)
{
	struct tq *q = post_arg;
	pthread_mutex_lock(&q->mu);
	q->fn[q->n] = fn;
	q->arg[q->n] = arg;
	q->n++;
	pthread_mutex_unlock(&q->mu);
}

static int tq_drain(struct tq *q)
{
	pthread_mutex_lock(&q->mu);
	int n = q->n;
	for (int i = 0; i < n; i++)
		q->fn[i](q->arg[i]);
	q->n = 0;
	pthread_mutex_unlock(&q->mu);
	return n;
}

struct result {
	int calls, err;
	bool ok;
};

static void done(int err, bool ok, void *arg)
{
	struct result *r = arg;
	r->calls++;
	r->err = err;
	r->ok = ok;
}

static void test_pwhash(void **state)
{
	(void)state;
	char h[PWHASH_STR_MAX];
	assert_int_equal(pwhash_hash("s3cret", 6, PWHASH_MIN, h), 0);
	assert_memory_equal(h, "$argon2id$", 10);
	assert_true(pwhash_check(h, "s3cret", 6));
	assert_false(pwhash_check(h, "s3creT", 6));
	assert_false(pwhash_check("$argon2i$v=19$m=8,t=1,p=1$xx$yy", "s3cret", 6));
	assert_false(pwhash_check(NULL, "s3cret", 6));
	enum pwhash_cost c;
	assert_int_equal(pwhash_cost_parse("min", &c), 0);
	assert_int_equal(c, PWHASH_MIN);
	assert_int_equal(pwhash_cost_parse("fast", &c), EINVAL);

	struct tq q = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct pwhash_pool *p;
	assert_int_equal(pwhash_pool_alloc(&p, 2, 4, PWHASH_MIN, tq_post, &q), 0);
	struct result good = {0}, bad = {0}, unknown = {0};
	assert_int_equal(pwhash_verify(p, h, "s3cret", 6, done, &good), 0);
	assert_int_equal(pwhash_verify(p, h, "wrong", 5, done, &bad), 0);
	assert_int_equal(pwhash_verify(p, NULL, "s3cret", 6, done, &unknown), 0);
	int got = 0;
	for (int i = 0; i < 2000 && got < 3; i++) {
		got += tq_drain(&q);
		if (got < 3)
			usleep(1000);
	}
	assert_int_equal(got, 3);
	assert_int_equal(good.calls, 1);
	assert_true(good.ok);
	assert_int_equal(good.err, 0);
	assert_int_equal(bad.calls, 1);
	assert_false(bad.ok);
	assert_int_equal(unknown.calls, 1);
	assert_false(unknown.ok); /* no hash: checked against the dummy, never accepted */
	assert_int_equal(pwhash_pending(p), 0);
	pwhash_pool_free(p);
	assert_int_equal(tq_drain(&q), 0);
}

static void test_pwhash_cancel(void **state)
{
	(void)state;
	char h[PWHASH_STR_MAX];
	/* a slower hash keeps the single worker busy while the queue fills */
	assert_int_equal(pwhash_hash("pw", 2, PWHASH_INTERACTIVE, h), 0);
	struct tq q = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct pwhash_pool *p;
	assert_int_equal(pwhash_pool_alloc(&p, 1, 2, PWHASH_MIN, tq_post, &q), 0);
	struct result r[4] = {{0}};
	assert_int_equal(pwhash_verify(p, h, "pw", 2, done, &r[0]), 0);
	usleep(20000); /* let the worker take the first job */
	assert_int_equal(pwhash_verify(p, h, "pw", 2, done, &r[1]), 0);
	assert_int_equal(pwhash_verify(p, h, "pw", 2, done, &r[2]), 0);
	assert_int_equal(pwhash_verify(p, h, "pw", 2, done, &r[3]), EAGAIN);
	pwhash_pool_free(p); /* queued jobs complete at once with ECANCELED */
	int posted = tq_drain(&q);
	int cancelled = 0, checked = 0;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].calls, 1);
		if (r[i].err == ECANCELED) {
			assert_false(r[i].ok);
			cancelled++;
		} else {
			assert_int_equal(r[i].err, 0);
			assert_true(r[i].ok);
			checked++;
		}
	}
	assert_int_equal(r[3].calls, 0);
	assert_int_equal(checked, posted);
	assert_true(cancelled >= 1);
	assert_int_equal(cancelled + checked, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_window),
	    TEST(test_table),
	    TEST(test_reset_and_bounds),
	    TEST(test_sessions),
	    TEST(test_session_hooks_and_restore),
	    TEST(test_userdir),
	    TEST(test_pwhash),
	    TEST(test_pwhash_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
