/* demo: the demo center seeded into an empty database by `serve --demo` (every password is "demo"). */
#include "server/serve.h"

#include "http/pwhash.h"
#include "store/store.h"

#include <errno.h>
#include <re.h>
#include <stdio.h>
#include <string.h>

/*
 * Demo Credit Union: one site (Europe/Berlin), one client, two agent teams
 * of twelve (agent1..agent24, extensions 1001..1024) led by lead1 and lead2
 * (extensions 1101, 1102, also in the team-leads group), super1, qa1,
 * planner1 and admin; queues general, billing, loans and a Spanish queue on
 * numbers 100..103, and a team-leads queue for overflow and escalations.
 */

#define DEMO_REALM "switchboard"

static const struct store_stmt s_count_users = {"demo.count_users", "SELECT COUNT(*) FROM users",
						 NULL};
static const struct store_stmt s_site = {
	"demo.site",
	"INSERT INTO sites (id, name, time_zone, country_code, trunk_prefix, intl_prefix, created_at)"
	" VALUES (1, 'Main office', 'Europe/Berlin', '49', '0', '00', $1)",
	NULL};
static const struct store_stmt s_client = {
	"demo.client",
	"INSERT INTO clients (id, name, site_id, created_at) VALUES (1, 'Demo Credit Union', 1, $1)",
	NULL};
static const struct store_stmt s_user = {
	"demo.user",
	"INSERT INTO users (id, login, display_name, email, password_hash, site_id, created_at,"
	" updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
	NULL};
static const struct store_stmt s_role = {"demo.role",
					  "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)", NULL};
static const struct store_stmt s_team = {
	"demo.team",
	"INSERT INTO teams (id, name, site_id, lead_user_id, created_at) VALUES ($1, $2, 1, $3, $4)",
	NULL};
static const struct store_stmt s_skill = {
	"demo.skill", "INSERT INTO skills (id, name, kind, description) VALUES ($1, $2, $3, $4)", NULL};
static const struct store_stmt s_agent = {
	"demo.agent",
	"INSERT INTO agents (id, user_id, display_name, team_id, site_id, rank, extension, sip_realm,"
	" sip_ha1, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $9)",
	NULL};
static const struct store_stmt s_agent_skill = {
	"demo.agent_skill",
	"INSERT INTO agent_skills (agent_id, skill_id, level) VALUES ($1, $2, $3)", NULL};
static const struct store_stmt s_agent_group = {
	"demo.agent_group", "INSERT INTO agent_groups (agent_id, team_id) VALUES ($1, $2)", NULL};
static const struct store_stmt s_queue = {
	"demo.queue",
	"INSERT INTO queues (id, client_id, site_id, name, strategy, group_id, max_wait_ms, overflow,"
	" overflow_queue_id, wrapup, wrapup_ms, sl_threshold_ms, sl_target_pct, resume_ms,"
	" created_at, updated_at)"
	" VALUES ($1, 1, 1, $2, $3, $4, $5, $6, $7, 'timed', $8, 20000, 80, 60000, $9, $9)",
	NULL};
static const struct store_stmt s_queue_skill = {
	"demo.queue_skill",
	"INSERT INTO queue_skills (queue_id, skill_id, min_level) VALUES ($1, $2, $3)", NULL};
static const struct store_stmt s_queue_tier = {
	"demo.queue_tier",
	"INSERT INTO queue_tiers (queue_id, step, after_ms, level_drop, group_id)"
	" VALUES ($1, $2, $3, $4, $5)",
	NULL};
static const struct store_stmt s_number = {
	"demo.number",
	"INSERT INTO numbers (number, client_id, queue_id, label, created_at) VALUES ($1, 1, $2, $3, $4)",
	NULL};

static void ha1(const char *ext, char out[33])
{
	char in[128];
	uint8_t md[16];
	int n = snprintf(in, sizeof(in), "%s:%s:demo", ext, DEMO_REALM);
	md5((const uint8_t *)in, (size_t)n, md);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int add(struct store_job *job, const struct store_stmt *st, const struct store_value *v,
	       unsigned n)
{
	return store_job_add(job, st, v, n, 0);
}

int demo_seed(struct store *st, int cost, int64_t now, bool *seeded)
{
	struct store_rs *rs = NULL;
	*seeded = false;
	int err = store_query_sync(st, &s_count_users, NULL, 0, &rs);
	if (err)
		return err;
	int64_t users = store_rs_int(rs, 0, 0);
	store_rs_free(rs);
	if (users > 0)
		return 0; /* not an empty database: leave it alone */

	char hash[PWHASH_STR_MAX];
	if ((err = pwhash_hash("demo", 4, (enum pwhash_cost)cost, hash)))
		return err;
	struct store_job *job;
	if ((err = store_job_alloc(&job)))
		return err;
	struct store_value t = store_int(now);
	err = add(job, &s_site, &t, 1) || add(job, &s_client, &t, 1) ? EINVAL : 0;

	/* users: 1 admin, 2 super1, 3 qa1, 4 planner1, 5 lead1, 6 lead2, 10+N agentN */
	static const struct {
		int64_t id;
		const char *login, *name, *role;
	} staff[] = {
	    {1, "admin", "Ada Admin", "admin"},	     {2, "super1", "Sam Supervisor", "supervisor"},
	    {3, "qa1", "Quinn Quality", "qa"},	     {4, "planner1", "Pat Planner", "planner"},
	    {5, "lead1", "Lee Lead", "team_lead"}, {6, "lead2", "Lou Lead", "team_lead"},
	};
	for (size_t i = 0; !err && i < sizeof(staff) / sizeof(staff[0]); i++) {
		char email[96];
		snprintf(email, sizeof(email), "%s@demo.example", staff[i].login);
		struct store_value v[] = {store_int(staff[i].id), store_text(staff[i].login),
					  store_text(staff[i].name), store_text(email),
					  store_text(hash), t};
		struct store_value r[] = {store_int(staff[i].id), store_text(staff[i].role)};
		err = add(job, &s_user, v, 6) || add(job, &s_role, r, 2) ? EINVAL : 0;
	}
	/* teams: 1 and 2 work the queues, 3 is the team-leads group */
	static const struct {
		int64_t id, lead;
		const char *name;
	} teams[] = {{1, 5, "Team North"}, {2, 6, "Team South"}, {3, 0, "Team leads"}};
	for (size_t i = 0; !err && i < 3; i++) {
		struct store_value v[] = {store_int(teams[i].id), store_text(teams[i].name),
					  teams[i].lead ? store_int(teams[i].lead) : store_null(), t};
		err = add(job, &s_team, v, 4);
	}
	static const struct {
		int64_t id;
		const char *name, *kind, *desc;
	} skills[] = {
	    {1, "general", "skill", "accounts, cards, everyday questions"},
	    {2, "billing", "skill", "statements, fees, payments"},
	    {3, "loans", "skill", "mortgages, car and personal loans"},
	    {4, "english", "language", "speaks English"},
	    {5, "spanish", "language", "speaks Spanish"},
	};
	for (size_t i = 0; !err && i < 5; i++) {
		struct store_value v[] = {store_int(skills[i].id), store_text(skills[i].name),
					  store_text(skills[i].kind), store_text(skills[i].desc)};
		err = add(job, &s_skill, v, 4);
	}
	/* agents 1..24 (users 11..34), the leads as agents 101 and 102 */
	for (int n = 1; !err && n <= 26; n++) {
		bool lead = n > 24;
		int64_t agent = lead ? 100 + (n - 24) : n;
		int64_t user = lead ? 4 + (n - 24) : 10 + n;
		char login[32], name[64], ext[16], h[33];
		snprintf(login, sizeof(login), "agent%d", n);
		snprintf(name, sizeof(name), lead ? "Lead %d" : "Agent %d", lead ? n - 24 : n);
		snprintf(ext, sizeof(ext), "%lld", (long long)(1000 + agent));
		ha1(ext, h);
		int64_t team = lead ? n - 24 : (n <= 12 ? 1 : 2);
		if (!lead) {
			char email[64];
			snprintf(email, sizeof(email), "%s@demo.example", login);
			struct store_value u[] = {store_int(user), store_text(login), store_text(name),
						  store_text(email), store_text(hash), t};
			struct store_value r[] = {store_int(user), store_text("agent")};
			err = add(job, &s_user, u, 6) || add(job, &s_role, r, 2) ? EINVAL : 0;
		}
		struct store_value a[] = {store_int(agent),	 store_int(user), store_text(name),
					  store_int(team),	 store_int(n),	  store_text(ext),
					  store_text(DEMO_REALM), store_text(h),  t};
		if (!err)
			err = add(job, &s_agent, a, 9);
		/* everyone speaks English; general for all; billing and loans by turns; a few Spanish */
		int levels[6] = {0, 5 + n % 5, n % 3 == 0 ? 0 : 3 + n % 7, n % 4 == 1 ? 4 + n % 6 : 0,
				 7, n % 6 == 0 || n == 2 || n == 14 ? 6 + n % 4 : 0};
		if (lead)
			levels[1] = levels[2] = levels[3] = 9, levels[5] = 5;
		for (int s = 1; !err && s <= 5; s++) {
			if (!levels[s])
				continue;
			struct store_value v[] = {store_int(agent), store_int(s), store_int(levels[s])};
			err = add(job, &s_agent_skill, v, 3);
		}
		if (!err && lead) {
			struct store_value g[] = {store_int(agent), store_int(3)};
			err = add(job, &s_agent_group, g, 2);
		}
	}
	/* queues: general, billing, loans, Spanish; team leads (group 3) takes their overflow */
	static const struct {
		int64_t id;
		const char *name, *strategy;
		int64_t group, max_wait, skill, lang, wrap;
		const char *overflow;
		int64_t overflow_q;
	} queues[] = {
	    /* the overflow target first: the others refer to it */
	    {5, "team-leads", "ring-all", 3, 0, 0, 0, 10000, "none", 0},
	    {1, "general", "longest-idle", 0, 300000, 1, 4, 15000, "queue", 5},
	    {2, "billing", "best-skill", 0, 300000, 2, 4, 20000, "queue", 5},
	    {3, "loans", "longest-idle", 0, 600000, 3, 4, 30000, "callback", 0},
	    {4, "general-es", "longest-idle", 0, 300000, 1, 5, 15000, "queue", 5},
	};
	for (size_t i = 0; !err && i < 5; i++) {
		struct store_value v[] = {
		    store_int(queues[i].id),
		    store_text(queues[i].name),
		    store_text(queues[i].strategy),
		    queues[i].group ? store_int(queues[i].group) : store_null(),
		    store_int(queues[i].max_wait),
		    store_text(queues[i].overflow),
		    queues[i].overflow_q ? store_int(queues[i].overflow_q) : store_null(),
		    store_int(queues[i].wrap),
		    t,
		};
		err = add(job, &s_queue, v, 9);
		for (int k = 0; !err && k < 2; k++) {
			int64_t skill = k ? queues[i].lang : queues[i].skill;
			if (!skill)
				continue;
			struct store_value q[] = {store_int(queues[i].id), store_int(skill),
						  store_int(k ? 1 : 3)};
			err = add(job, &s_queue_skill, q, 3);
		}
	}
	/* general widens after 60 s to lower levels */
	if (!err) {
		struct store_value v[] = {store_int(1), store_int(1), store_int(60000), store_int(2),
					  store_null()};
		err = add(job, &s_queue_tier, v, 5);
	}
	static const struct {
		const char *number;
		int64_t queue;
		const char *label;
	} numbers[] = {{"100", 1, "General line"},
		       {"101", 2, "Billing"},
		       {"102", 3, "Loans"},
		       {"103", 4, "Linea en espanol"}};
	for (size_t i = 0; !err && i < 4; i++) {
		struct store_value v[] = {store_text(numbers[i].number), store_int(numbers[i].queue),
					  store_text(numbers[i].label), t};
		err = add(job, &s_number, v, 4);
	}
	if (err) {
		store_job_free(job);
		return err;
	}
	err = store_write_sync(st, job, NULL);
	if (!err)
		*seeded = true;
	return err;
}
