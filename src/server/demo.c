/* demo: the built-in demo users for `serve --demo` (loopback only; every password is "demo"). */
#include "server/serve.h"
#include "http/pwhash.h"
#include "http/users.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int demo_users_load(struct userdir *d, int cost)
{
	static const struct {
		uint64_t id;
		const char *name;
		enum role role;
		uint64_t team, agent;
	} demo[] = {
	    {1, "admin", ROLE_ADMIN, 0, 0},	{2, "super1", ROLE_SUPERVISOR, 0, 0},
	    {3, "lead1", ROLE_TEAM_LEAD, 1, 0}, {4, "agent1", ROLE_AGENT, 1, 1},
	    {5, "agent2", ROLE_AGENT, 1, 2},	{6, "agent3", ROLE_AGENT, 1, 3},
	};
	char hash[PWHASH_STR_MAX];
	/* one hash for all: argon2id salts it, and the demo password is the same anyway */
	int err = pwhash_hash("demo", 4, (enum pwhash_cost)cost, hash);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(demo) / sizeof(demo[0]); i++) {
		struct user u;
		memset(&u, 0, sizeof(u));
		u.id = demo[i].id;
		snprintf(u.username, sizeof(u.username), "%s", demo[i].name);
		u.role = demo[i].role;
		u.team_id = demo[i].team;
		u.agent_id = demo[i].agent;
		u.pwhash = hash;
		if ((err = userdir_put(d, &u)))
			return err;
	}
	return 0;
}
