/* auth: login, logout, sessions, bearer and CSRF tokens, login back-off, admin unlock. */
#ifndef SB_HTTP_AUTH_H
#define SB_HTTP_AUTH_H

/*
 * Routes: POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me,
 * POST /api/v1/users/{id}/unlock (admin). The auth object is the server's
 * auth hook: it identifies every request by its bearer token or its
 * sb_session cookie. Passwords are checked on the pwhash pool's threads;
 * the login request waits, suspended, for the answer.
 *
 * Back-off (see docs/internals/http.md): failures are counted per (username,
 * source address) and per source address. The first table slows a guesser
 * at one account from one address; the second a guesser spraying many
 * accounts from one address. There is deliberately no per-account limit
 * across addresses: it would let anyone lock any agent out. Windows are
 * capped, so a refused state ends by itself, and an admin can clear an
 * account's entries (and an address's) at once.
 */

#include <stdint.h>

#include <cjson/cJSON.h>

#include "http/backoff.h"
#include "http/pwhash.h"

struct auth;
struct http_server;
struct userdir;
struct sse_hub;
struct metrics;
struct sessions;

/* Records who changed what: action ("login", "logout", "login_failed", "unlock"), actor and subject
 * user ids; detail is owned by the callee (may be NULL). */
typedef void(auth_audit_h)(void *arg, const char *action, uint64_t actor_id, uint64_t subject_id,
			   cJSON *detail);

struct auth_config {
	int64_t session_idle_ms;
	int64_t session_max_ms;
	struct backoff_policy per_user_addr;
	struct backoff_policy per_addr;
	unsigned backoff_entries;     /* keys per table */
	int64_t max_failure_delay_ms; /* a failed login's answer is held up to this long */
	unsigned pwhash_threads;
	unsigned pwhash_queue;
	enum pwhash_cost cost; /* of the dummy hash (match the real ones) */
};

void auth_config_defaults(struct auth_config *c);

/* hub may be NULL (no streams to end at logout). post: see pwhash.h. */
int auth_alloc(struct auth **ap, const struct auth_config *cfg, struct http_server *srv,
	       const struct userdir *users, struct sse_hub *hub, pwhash_post_h *post,
	       void *post_arg);
void auth_set_audit(struct auth *a, auth_audit_h *audit, void *arg);
int auth_add_routes(struct auth *a);
int auth_add_metrics(struct auth *a, struct metrics *m);

/*
 * Stops the password workers (pending checks complete with ECANCELED). The
 * caller then runs what is left in its post queue and frees with auth_free.
 */
void auth_stop(struct auth *a);
/* Frees auth and unhooks it from the server. Free the hub given to auth_alloc first. */
void auth_free(struct auth *a);

/* The session table (its times are clock_mono_ms): for keeping sessions in storage. */
struct sessions *auth_sessions(struct auth *a);

/* Ends every session of a user (disabled, removed, password changed); returns how many. */
unsigned auth_end_user_sessions(struct auth *a, uint64_t user_id);

#endif
