/* limit: slows down repeated authentication failures from one source (bounded exponential back-off; pure). */
#ifndef SB_SIP_LIMIT_H
#define SB_SIP_LIMIT_H

/*
 * After its n-th consecutive failure a source is in back-off for
 * window(n) = 0 while n <= free_failures, else
 * min(cap_ms, base_ms * 2^(n - free_failures - 1)), counted from that
 * failure. The stack delays its negative answers to the source until the
 * window ends and does not check credentials sent during the window.
 * A source's failures are forgotten forget_ms after its last failure or on
 * a success, so back-off always ends by itself. At most max_entries sources
 * are tracked; when full, the one that failed longest ago goes.
 * Times: milliseconds of any monotonic clock, passed in.
 */

#include <stddef.h>
#include <stdint.h>

struct limit_policy {
	unsigned free_failures;
	int64_t base_ms;
	int64_t cap_ms;
	int64_t forget_ms;
	unsigned max_entries;
};

struct limit;

/* Returns 0, EINVAL (base or cap not positive, max_entries 0) or ENOMEM. */
int limit_alloc(struct limit **lp, const struct limit_policy *p);
void limit_free(struct limit *l);

/* window(n) of the policy. */
int64_t limit_window(const struct limit_policy *p, unsigned failures);

/* Milliseconds until key's back-off window ends (0: not in back-off). */
int64_t limit_wait(struct limit *l, const void *key, size_t klen, int64_t now_ms);
/* Records a failure at now_ms; returns the window it starts (0 while failures are free). */
int64_t limit_fail(struct limit *l, const void *key, size_t klen, int64_t now_ms);
/* Forgets key's failures. */
void limit_success(struct limit *l, const void *key, size_t klen);
/* Consecutive failures remembered for key at now_ms. */
unsigned limit_failures(struct limit *l, const void *key, size_t klen, int64_t now_ms);
size_t limit_count(const struct limit *l);

#endif
