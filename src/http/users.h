/* users: roles, the in-memory user directory the loop owns, and "may this user see X" rules. */
#ifndef SB_HTTP_USERS_H
#define SB_HTTP_USERS_H

/*
 * The directory is owned by the event loop: the server fills it at start
 * (from storage, or the built-in demo set) and updates it when users change.
 * Pointers it returns stay valid until the next userdir_put/remove of that
 * user, so asynchronous code keeps ids, never pointers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum role {
	ROLE_AGENT = 0,
	ROLE_TEAM_LEAD,
	ROLE_SUPERVISOR,
	ROLE_QA,
	ROLE_PLANNER,
	ROLE_ADMIN,
	ROLE_COUNT
};

#define ROLE_BIT(r) (1u << (r))
#define ROLES_ALL   ((1u << ROLE_COUNT) - 1u)

/* "agent", "team_lead", "supervisor", "qa", "planner", "admin"; "?" otherwise. */
const char *role_name(unsigned role);
/* Returns 0 with *out, or EINVAL for an unknown name. */
int role_parse(const char *name, enum role *out);

#define USER_NAME_MAX 64

struct user {
	uint64_t id; /* non-zero */
	char username[USER_NAME_MAX + 1];
	enum role role;
	uint64_t team_id;  /* 0: none */
	uint64_t agent_id; /* 0: the user is not an agent */
	/* clients the user is limited to; n_clients 0: every client */
	const uint64_t *clients;
	unsigned n_clients;
	const char *pwhash; /* argon2id string (crypto_pwhash_str); NULL: cannot log in */
	bool disabled;
};

struct userdir;

int userdir_alloc(struct userdir **dp);
void userdir_free(struct userdir *d);

/*
 * Adds or replaces (same id) a user, copying everything. Returns 0, EINVAL
 * (id 0, bad username: 1..64 bytes of [A-Za-z0-9._@-], bad role), EEXIST
 * (username taken by another id) or ENOMEM.
 */
int userdir_put(struct userdir *d, const struct user *u);
/* Returns 0 or ENOENT. */
int userdir_remove(struct userdir *d, uint64_t id);
const struct user *userdir_get(const struct userdir *d, uint64_t id);
const struct user *userdir_find(const struct userdir *d, const char *username);
unsigned userdir_count(const struct userdir *d);

/* Visibility. Admins, supervisors, QA and planners see every team and agent, team leads their team,
 * agents themselves. */
bool user_may_see_client(const struct user *u, uint64_t client_id);
bool user_may_see_team(const struct user *u, uint64_t team_id);
bool user_may_see_agent(const struct user *u, uint64_t agent_id, uint64_t agent_team_id);

#endif
