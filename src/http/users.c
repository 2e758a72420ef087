/* users: roles, the user directory and visibility rules (see users.h). */
#include "http/users.h"
#include "base/idmap.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_AGENT] = "agent", [ROLE_TEAM_LEAD] = "team_lead", [ROLE_SUPERVISOR] = "supervisor",
    [ROLE_QA] = "qa",	    [ROLE_PLANNER] = "planner",	    [ROLE_ADMIN] = "admin",
};

const char *role_name(unsigned role)
{
	return role < ROLE_COUNT ? role_names[role] : "?";
}

int role_parse(const char *name, enum role *out)
{
	for (unsigned i = 0; name && i < ROLE_COUNT; i++) {
		if (strcmp(name, role_names[i]) == 0) {
			*out = (enum role)i;
			return 0;
		}
	}
	return EINVAL;
}

struct entry {
	struct user u;		 /* clients and pwhash point into this entry's own copies */
	struct entry *name_next; /* next entry whose name hashes alike */
	uint64_t name_key;
};

struct userdir {
	struct idmap by_id;   /* id -> entry */
	struct idmap by_name; /* name hash -> first entry of its chain */
};

static uint64_t name_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

int userdir_alloc(struct userdir **dp)
{
	struct userdir *d = sb_zalloc(sizeof(*d));
	if (!d)
		return ENOMEM;
	idmap_init(&d->by_id);
	idmap_init(&d->by_name);
	*dp = d;
	return 0;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	sb_free((void *)e->u.clients);
	sb_free((void *)e->u.pwhash);
	sb_free(e);
}

void userdir_free(struct userdir *d)
{
	if (!d)
		return;
	uint64_t k;
	void *v;
	for (uint32_t i = 0; idmap_next(&d->by_id, &i, &k, &v);)
		entry_free(v);
	idmap_release(&d->by_id);
	idmap_release(&d->by_name);
	sb_free(d);
}

static bool username_ok(const char *s)
{
	size_t n = strnlen(s, USER_NAME_MAX + 1);
	if (n == 0 || n > USER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

static void name_unlink(struct userdir *d, struct entry *e)
{
	struct entry *head = idmap_get(&d->by_name, e->name_key);
	if (head == e) {
		if (e->name_next)
			idmap_put(&d->by_name, e->name_key,
				  e->name_next); /* replaces: cannot fail */
		else
			idmap_del(&d->by_name, e->name_key);
		return;
	}
	for (struct entry *p = head; p; p = p->name_next) {
		if (p->name_next == e) {
			p->name_next = e->name_next;
			return;
		}
	}
}

int userdir_put(struct userdir *d, const struct user *u)
{
	if (!u || u->id == 0 || !username_ok(u->username) || (unsigned)u->role >= ROLE_COUNT ||
	    (u->n_clients && !u->clients))
		return EINVAL;
	const struct user *other = userdir_find(d, u->username);
	if (other && other->id != u->id)
		return EEXIST;
	struct entry *e = sb_zalloc(sizeof(*e));
	if (!e)
		return ENOMEM;
	e->u = *u;
	e->u.clients = NULL;
	e->u.pwhash = NULL;
	if (u->n_clients) {
		uint64_t *c = sb_calloc(u->n_clients, sizeof(*c));
		if (!c)
			goto nomem;
		memcpy(c, u->clients, u->n_clients * sizeof(*c));
		e->u.clients = c;
	}
	if (u->pwhash && !(e->u.pwhash = sb_strdup(u->pwhash)))
		goto nomem;
	e->name_key = name_key(e->u.username);
	/* make room in both maps before touching the old entry, so failure changes nothing */
	struct entry *old = idmap_get(&d->by_id, u->id);
	if (idmap_put(&d->by_id, u->id, e) != 0)
		goto nomem;
	if (old)
		name_unlink(d, old);
	struct entry *head = idmap_get(&d->by_name, e->name_key);
	if (idmap_put(&d->by_name, e->name_key, e) != 0) {
		/* cannot happen after a successful put into a map of the same size class; undo */
		if (old) {
			idmap_put(&d->by_id, u->id, old);
			struct entry *h2 = idmap_get(&d->by_name, old->name_key);
			old->name_next = h2;
			idmap_put(&d->by_name, old->name_key, old);
		} else {
			idmap_del(&d->by_id, u->id);
		}
		goto nomem;
	}
	e->name_next = head;
	entry_free(old);
	return 0;
nomem:
	entry_free(e);
	return ENOMEM;
}

int userdir_remove(struct userdir *d, uint64_t id)
{
	struct entry *e = idmap_del(&d->by_id, id);
	if (!e)
		return ENOENT;
	name_unlink(d, e);
	entry_free(e);
	return 0;
}

const struct user *userdir_get(const struct userdir *d, uint64_t id)
{
	struct entry *e = idmap_get(&d->by_id, id);
	return e ? &e->u : NULL;
}

const struct user *userdir_find(const struct userdir *d, const char *username)
{
	if (!username)
		return NULL;
	for (struct entry *e = idmap_get(&d->by_name, name_key(username)); e; e = e->name_next)
		if (strcmp(e->u.username, username) == 0)
			return &e->u;
	return NULL;
}

unsigned userdir_count(const struct userdir *d)
{
	return idmap_count(&d->by_id);
}

static bool sees_all_teams(const struct user *u)
{
	return u->role == ROLE_ADMIN || u->role == ROLE_SUPERVISOR || u->role == ROLE_QA ||
	       u->role == ROLE_PLANNER;
}

bool user_may_see_client(const struct user *u, uint64_t client_id)
{
	if (!u || u->disabled)
		return false;
	if (u->n_clients == 0)
		return true;
	for (unsigned i = 0; i < u->n_clients; i++)
		if (u->clients[i] == client_id)
			return true;
	return false;
}

bool user_may_see_team(const struct user *u, uint64_t team_id)
{
	if (!u || u->disabled)
		return false;
	if (sees_all_teams(u))
		return true;
	return u->team_id != 0 && u->team_id == team_id;
}

bool user_may_see_agent(const struct user *u, uint64_t agent_id, uint64_t agent_team_id)
{
	if (!u || u->disabled)
		return false;
	if (sees_all_teams(u))
		return true;
	if (u->role == ROLE_TEAM_LEAD)
		return u->team_id != 0 && u->team_id == agent_team_id;
	return u->agent_id != 0 && u->agent_id == agent_id;
}
