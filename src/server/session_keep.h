/* session_keep: login sessions kept in storage, so a restart of the daemon does not log everyone
 * out. */
#ifndef SB_SERVER_SESSION_KEEP_H
#define SB_SERVER_SESSION_KEEP_H

/*
 * Storage holds each live session's token hash (never the token), user,
 * CSRF token, start and last use (to within a minute). At start the daemon
 * drops the rows that expired while it was down and brings the rest back,
 * unless their user is gone or disabled; from then on the session table's
 * hooks keep storage in step (login, use, logout, expiry, a user's sessions
 * ended). Times are wall-clock in storage and monotonic in the table.
 */

#include <stdint.h>

struct auth;
struct store;
struct userdir;

/* Restores the stored sessions and starts keeping them. Returns 0 or an error from storage. */
int session_keep_start(struct store *st, struct auth *a, const struct userdir *users,
		       int64_t idle_ms, int64_t max_ms);
/* Stops writing to storage (before the store closes). */
void session_keep_stop(struct auth *a);

#endif
