/* session: login sessions keyed by a hash of their random 256-bit token; CSRF; expiry. */
#ifndef SB_HTTP_SESSION_H
#define SB_HTTP_SESSION_H

/*
 * A token is 32 random bytes as 43 characters of unpadded base64url; the
 * same token is the browser's cookie and an API client's bearer token. Only
 * its BLAKE2b hash is kept, so a copy of the table (or, later, of the
 * database) does not hand out live credentials. The table lives in memory;
 * the optional hooks let the daemon keep a copy in storage (the hash, never
 * the token) and bring sessions back after a restart.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_TOKEN_LEN 43
#define SESSION_HASH_LEN  32

struct session {
	uint64_t key; /* first 8 bytes of the hash, non-zero */
	unsigned char hash[SESSION_HASH_LEN];
	uint64_t user_id;
	char csrf[SESSION_TOKEN_LEN + 1];
	int64_t created_ms, last_ms; /* monotonic */
	int64_t touched_ms;	     /* last use reported to the hooks */
};

struct sessions;

/* idle_ms: a session unused that long ends; max_ms: any session ends that long after login. */
int sessions_alloc(struct sessions **sp, int64_t idle_ms, int64_t max_ms);
void sessions_free(struct sessions *s);

/* New session for user_id; token receives the credential (NUL-terminated). Returns 0 or ENOMEM. */
int sessions_create(struct sessions *s, uint64_t user_id, int64_t now,
		    char token[SESSION_TOKEN_LEN + 1], const struct session **out);

/* The live session for a token (of len bytes), touching it; NULL when unknown, malformed or expired
 * (then removed). */
const struct session *sessions_lookup(struct sessions *s, const char *token, size_t len,
				      int64_t now);

/* The session with this key (no expiry check, no touch), or NULL. */
const struct session *sessions_get(const struct sessions *s, uint64_t key);

/* True when the session with this key exists and has not expired at `now` (no touch). */
bool sessions_alive(const struct sessions *s, uint64_t key, int64_t now);

/* Ends one session (by its key). Returns 0 or ENOENT. */
int sessions_delete(struct sessions *s, uint64_t key);
/* Ends every session of a user; returns how many. */
unsigned sessions_delete_user(struct sessions *s, uint64_t user_id);
/* Drops expired sessions. */
void sessions_sweep(struct sessions *s, int64_t now);
unsigned sessions_count(const struct sessions *s);

/*
 * Persistence hooks: `saved` when a session starts, `touched` when it is
 * used again at least touch_ms after the last report (so storage holds its
 * last use to within touch_ms), `dropped` when it ends for any reason
 * (logout, expiry, its user's sessions ended). Any hook may be NULL.
 */
struct sessions_hooks {
	void (*saved)(const struct session *se, void *arg);
	void (*touched)(const struct session *se, void *arg);
	void (*dropped)(const unsigned char hash[SESSION_HASH_LEN], void *arg);
	void *arg;
	int64_t touch_ms;
};
void sessions_set_hooks(struct sessions *s, const struct sessions_hooks *h);

/*
 * Brings back a session kept in storage, its times already on this table's
 * clock. Returns 0, ETIMEDOUT (it has expired by now: the caller drops it),
 * EEXIST or ENOMEM. The hooks are not told (storage has it already).
 */
int sessions_restore(struct sessions *s, const unsigned char hash[SESSION_HASH_LEN],
		     uint64_t user_id, const char *csrf, int64_t created_ms, int64_t last_ms,
		     int64_t now);

/* True when text is 43 characters of base64url (the token shape). */
bool session_token_wellformed(const char *t, size_t len);

#endif
