/* backoff: bounded exponential back-off for failed logins, by (user, address) or address. */
#ifndef SB_HTTP_BACKOFF_H
#define SB_HTTP_BACKOFF_H

/*
 * After its n-th consecutive failure a key is refused for window(n) =
 * 0 while n <= free_failures, else min(cap, base * 2^(n - free_failures - 1)).
 * A key's failures are forgotten `forget_ms` after its last failure, or on
 * a success, or by an admin's reset. Because the window is capped, a refused
 * state always ends by itself. Attempts in flight are counted too, so a
 * burst of parallel guesses cannot all slip in before the first failure is
 * recorded. The table holds at most max_entries keys; when full it drops
 * forgotten keys, then the least recently failed one.
 *
 * Times are milliseconds from any monotonic clock, passed in (pure code).
 */

#include <stdbool.h>
#include <stdint.h>

struct backoff_policy {
	int64_t base_ms;
	int64_t cap_ms;
	unsigned free_failures;
	int64_t forget_ms;
	unsigned max_inflight; /* attempts checked at once per key; 0: no limit */
};

/* The refusal window after n consecutive failures. */
int64_t backoff_window(const struct backoff_policy *p, unsigned failures);

struct backoff;

int backoff_alloc(struct backoff **bp, const struct backoff_policy *p, unsigned max_entries);
void backoff_free(struct backoff *b);

/*
 * Starts an attempt for key at `now`. Returns 0 (counted in flight; end it
 * with backoff_end), EAGAIN with *wait_ms > 0 while the key's window runs,
 * EBUSY when max_inflight attempts are already running (*wait_ms: 1000), or
 * ENOMEM.
 */
int backoff_begin(struct backoff *b, const char *key, int64_t now, int64_t *wait_ms);

enum backoff_outcome {
	BACKOFF_FAILED,	 /* counts a failure */
	BACKOFF_SUCCESS, /* forgets the key's failures */
	BACKOFF_NEUTRAL, /* neither (cancelled, or success that must not clear this key) */
};

/* Ends an attempt begun at `now`; returns the window now in force for the key (0 if none). */
int64_t backoff_end(struct backoff *b, const char *key, int64_t now, enum backoff_outcome o);

/* Failures recorded for key (0 when unknown or forgotten at `now`). */
unsigned backoff_failures(struct backoff *b, const char *key, int64_t now);

/* Forgets the failures of one key; returns 1 when it had any, else 0. */
unsigned backoff_reset(struct backoff *b, const char *key);

/* Forgets the failures of every key starting with prefix (all keys for ""); returns how many keys.
 */
unsigned backoff_reset_prefix(struct backoff *b, const char *prefix);

/* Drops keys whose failures are forgotten at `now` and that have nothing in flight. */
void backoff_sweep(struct backoff *b, int64_t now);

unsigned backoff_count(const struct backoff *b);

#endif
