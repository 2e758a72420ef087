/* pwhash: argon2id password hashing (libsodium) and a worker pool verifying off the loop. */
#ifndef SB_HTTP_PWHASH_H
#define SB_HTTP_PWHASH_H

/*
 * Verifying an argon2id hash takes tens of milliseconds and 64 MiB at the
 * interactive limits: far too long for the event loop. pwhash_verify()
 * queues the work to the pool's threads; the result comes back through the
 * `post` hook, which must run the function on the loop thread (the server
 * implements it over libre's mqueue; the storage layer uses the same shape).
 */

#include <stdbool.h>
#include <stddef.h>

#define PWHASH_STR_MAX	    128 /* crypto_pwhash_STRBYTES */
#define PWHASH_PASSWORD_MAX 1024

enum pwhash_cost {
	PWHASH_INTERACTIVE = 0, /* libsodium's interactive limits: the daemon's default */
	PWHASH_MODERATE,
	PWHASH_MIN, /* the smallest limits: for tests only, never for real passwords */
};

/* Parses "interactive", "moderate" or "min". Returns 0 or EINVAL. */
int pwhash_cost_parse(const char *s, enum pwhash_cost *out);

/* Hashes a password on the calling thread. Returns 0, EINVAL (too long) or ENOMEM. */
int pwhash_hash(const char *password, size_t len, enum pwhash_cost cost, char out[PWHASH_STR_MAX]);
/* Checks a password against a hash string on the calling thread. */
bool pwhash_check(const char *hash, const char *password, size_t len);

typedef void(pwhash_post_h)(void (*fn)(void *arg), void *arg, void *post_arg);

/* Result of a verification, on the loop thread. err is 0 or ECANCELED (pool stopping: ok is false).
 */
typedef void(pwhash_done_h)(int err, bool ok, void *arg);

struct pwhash_pool;

/*
 * threads >= 1; max_queue bounds waiting jobs (pwhash_verify answers EAGAIN
 * beyond); cost is that of the dummy hash checked for unknown users (use the
 * cost real passwords are hashed with).
 */
int pwhash_pool_alloc(struct pwhash_pool **pp, unsigned threads, unsigned max_queue,
		      enum pwhash_cost cost, pwhash_post_h *post, void *post_arg);

/*
 * Stops the pool: jobs not yet started complete at once with ECANCELED (on
 * the calling thread); running jobs finish and post their results as usual,
 * so the caller drains its post queue afterwards. Joins the threads.
 */
void pwhash_pool_free(struct pwhash_pool *p);

/*
 * Queues a check of password against hash (both copied; NULL hash checks
 * against a dummy so that unknown users take as long as known ones).
 * done(arg) runs later on the loop thread, exactly once. Returns 0,
 * EAGAIN (queue full), EINVAL (password too long) or ENOMEM.
 */
int pwhash_verify(struct pwhash_pool *p, const char *hash, const char *password, size_t len,
		  pwhash_done_h *done, void *arg);

/* Jobs queued or running. */
unsigned pwhash_pending(const struct pwhash_pool *p);

#endif
