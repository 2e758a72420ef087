/* reg: the registrar's bindings (see reg.h). */
#include "sip/reg.h"
#include "sip/htab.h"
#include "base/dlist.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>

struct reg_user {
	struct hnode hn;
	struct dlist contacts; /* most recently registered first */
	unsigned n;
	char name[];
};

struct reg_contact {
	struct hnode hn; /* by URI */
	struct dlist le;
	struct wheel_timer t;
	struct reg *r;
	struct reg_user *u;
	int64_t expires_at;
	int64_t registered_at;
	uint32_t cseq;
	char *callid;
	size_t flow_len;
	uint8_t flow[REG_FLOW_MAX];
	size_t uri_len;
	char uri[];
};

struct reg {
	struct wheel *w;
	unsigned max_contacts;
	reg_change_h *h;
	void *arg;
	struct htab users, uris;
	size_t ncontacts;
};

int reg_alloc(struct reg **rp, struct wheel *w, unsigned max_contacts, reg_change_h *h, void *arg)
{
	if (!rp || !w || !max_contacts)
		return EINVAL;
	struct reg *r = sb_zalloc(sizeof(*r));
	if (!r)
		return ENOMEM;
	if (htab_init(&r->users, 12) || htab_init(&r->uris, 12)) {
		htab_release(&r->users);
		sb_free(r);
		return ENOMEM;
	}
	r->w = w;
	r->max_contacts = max_contacts;
	r->h = h;
	r->arg = arg;
	*rp = r;
	return 0;
}

static struct reg_user *user_find(const struct reg *r, const char *name, size_t len)
{
	uint64_t h = htab_fnv(name, len);
	for (struct hnode *n = htab_bucket(&r->users, h); n; n = n->next) {
		struct reg_user *u = htab_entry(n, struct reg_user, hn);
		if (n->h == h && !strncmp(u->name, name, len) && u->name[len] == '\0')
			return u;
	}
	return NULL;
}

static void contact_free(struct reg *r, struct reg_contact *c)
{
	wheel_cancel(r->w, &c->t);
	htab_del(&r->uris, &c->hn);
	dlist_unlink(&c->le);
	c->u->n--;
	r->ncontacts--;
	sb_free(c->callid);
	sb_free(c);
}

static void user_free(struct reg *r, struct reg_user *u)
{
	while (!dlist_empty(&u->contacts))
		contact_free(r, htab_entry(dlist_first(&u->contacts), struct reg_contact, le));
	htab_del(&r->users, &u->hn);
	sb_free(u);
}

void reg_free(struct reg *r)
{
	if (!r)
		return;
	for (uint64_t i = 0; i <= r->users.mask; i++)
		while (r->users.b[i])
			user_free(r, htab_entry(r->users.b[i], struct reg_user, hn));
	htab_release(&r->users);
	htab_release(&r->uris);
	sb_free(r);
}

static void expire_h(void *arg)
{
	struct reg_contact *c = arg;
	struct reg *r = c->r;
	struct reg_user *u = c->u;
	contact_free(r, c);
	unsigned left = u->n;
	if (r->h)
		r->h(r->arg, u->name, left);
	if (!left)
		user_free(r, u);
}

static struct reg_contact *contact_of(struct reg_user *u, const char *uri, size_t len)
{
	if (!u)
		return NULL;
	dlist_for_each(it, &u->contacts)
	{
		struct reg_contact *c = htab_entry(it, struct reg_contact, le);
		if (c->uri_len == len && !memcmp(c->uri, uri, len))
			return c;
	}
	return NULL;
}

/* Out of order: this binding already saw a request of this Call-ID with a CSeq >= cseq. */
static bool stale(const struct reg_contact *c, const char *callid, size_t callid_len, uint32_t cseq)
{
	return strlen(c->callid) == callid_len && !memcmp(c->callid, callid, callid_len) &&
	       c->cseq >= cseq;
}

/* True when a later binding in b names the same URI (the last one wins). */
static bool superseded(const struct reg_binding *b, unsigned n, unsigned i)
{
	for (unsigned k = i + 1; k < n; k++)
		if (b[k].uri_len == b[i].uri_len && !memcmp(b[k].uri, b[i].uri, b[i].uri_len))
			return true;
	return false;
}

int reg_apply(struct reg *r, const char *user, const char *callid, size_t callid_len,
	      uint32_t cseq, const struct reg_binding *b, unsigned n, bool remove_all,
	      const void *flow, size_t flow_len, int64_t now_ms)
{
	if (!r || !user || !*user || (n && !b) || (remove_all && n) || flow_len > REG_FLOW_MAX)
		return EINVAL;
	size_t ulen = strlen(user);
	struct reg_user *u = user_find(r, user, ulen);

	/* 1. check: nothing changes if the request must fail */
	if (remove_all && u) {
		dlist_for_each(it, &u->contacts)
		{
			if (stale(htab_entry(it, struct reg_contact, le), callid, callid_len, cseq))
				return EALREADY;
		}
	}
	unsigned fresh = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!b[i].uri_len)
			return EINVAL;
		struct reg_contact *c = contact_of(u, b[i].uri, b[i].uri_len);
		if (c && stale(c, callid, callid_len, cseq))
			return EALREADY;
		if (!c && b[i].expires && !superseded(b, n, i))
			fresh++;
	}

	/* 2. allocate everything new, so that applying cannot fail half-way */
	struct reg_user *nu = NULL;
	struct reg_contact **nc = NULL;
	char **ids = NULL;
	int err = ENOMEM;
	if (!u && fresh) {
		nu = sb_zalloc(sizeof(*nu) + ulen + 1);
		if (!nu)
			goto out;
		memcpy(nu->name, user, ulen + 1);
		dlist_init(&nu->contacts);
	}
	if (n) {
		nc = sb_calloc(n, sizeof(*nc));
		ids = sb_calloc(n, sizeof(*ids));
		if (!nc || !ids)
			goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!b[i].expires || superseded(b, n, i))
			continue;
		ids[i] = sb_strndup(callid, callid_len);
		if (!ids[i])
			goto out;
		if (contact_of(u, b[i].uri, b[i].uri_len))
			continue;
		nc[i] = sb_zalloc(sizeof(**nc) + b[i].uri_len + 1);
		if (!nc[i])
			goto out;
	}

	/* 3. apply */
	bool changed = false;
	if (!u && nu) {
		u = nu;
		nu = NULL;
		htab_add(&r->users, &u->hn, htab_fnv(user, ulen));
	}
	if (remove_all && u) {
		changed = u->n > 0;
		while (!dlist_empty(&u->contacts))
			contact_free(r, htab_entry(dlist_first(&u->contacts), struct reg_contact, le));
	}
	for (unsigned i = 0; i < n; i++) {
		if (superseded(b, n, i))
			continue;
		struct reg_contact *c = contact_of(u, b[i].uri, b[i].uri_len);
		if (!b[i].expires) {
			if (c) {
				contact_free(r, c);
				changed = true;
			}
			continue;
		}
		if (!c) {
			c = nc[i];
			nc[i] = NULL;
			c->r = r;
			c->u = u;
			c->uri_len = b[i].uri_len;
			memcpy(c->uri, b[i].uri, b[i].uri_len);
			c->uri[b[i].uri_len] = '\0';
			wheel_timer_init(&c->t);
			dlist_init(&c->le);
			htab_add(&r->uris, &c->hn, htab_fnv(c->uri, c->uri_len));
			u->n++;
			r->ncontacts++;
			changed = true;
		} else {
			dlist_unlink(&c->le);
		}
		dlist_insert_before(dlist_first(&u->contacts), &c->le); /* at the front */
		sb_free(c->callid);
		c->callid = ids[i];
		ids[i] = NULL;
		c->cseq = cseq;
		c->flow_len = flow_len;
		if (flow_len)
			memcpy(c->flow, flow, flow_len);
		c->registered_at = now_ms;
		c->expires_at = now_ms + (int64_t)b[i].expires * 1000;
		wheel_start_at(r->w, &c->t, c->expires_at, expire_h, c);
	}
	while (u && u->n > r->max_contacts) {
		contact_free(r, htab_entry(dlist_last(&u->contacts), struct reg_contact, le));
		changed = true;
	}
	err = 0;
	if (u) {
		unsigned left = u->n;
		if (changed && r->h)
			r->h(r->arg, u->name, left);
		if (!left)
			user_free(r, u);
	}
out:
	sb_free(nu);
	for (unsigned i = 0; nc && i < n; i++)
		sb_free(nc[i]);
	for (unsigned i = 0; ids && i < n; i++)
		sb_free(ids[i]);
	sb_free(nc);
	sb_free(ids);
	return err;
}

static void view(const struct reg_contact *c, struct reg_contact_view *v)
{
	v->uri = c->uri;
	v->uri_len = c->uri_len;
	v->expires_at = c->expires_at;
	v->flow = c->flow;
	v->flow_len = c->flow_len;
}

unsigned reg_list(const struct reg *r, const char *user, int64_t now_ms,
		  struct reg_contact_view *out, unsigned max)
{
	if (!r || !user)
		return 0;
	struct reg_user *u = user_find(r, user, strlen(user));
	unsigned k = 0;
	if (!u)
		return 0;
	dlist_for_each(it, &u->contacts)
	{
		const struct reg_contact *c = htab_entry(it, struct reg_contact, le);
		if (k >= max)
			break;
		if (c->expires_at > now_ms)
			view(c, &out[k++]);
	}
	return k;
}

bool reg_find_uri(const struct reg *r, const char *uri, size_t len, int64_t now_ms,
		  struct reg_contact_view *out)
{
	uint64_t h = htab_fnv(uri, len);
	const struct reg_contact *best = NULL;
	for (struct hnode *n = htab_bucket(&r->uris, h); n; n = n->next) {
		const struct reg_contact *c = htab_entry(n, struct reg_contact, hn);
		if (n->h != h || c->uri_len != len || memcmp(c->uri, uri, len) || c->expires_at <= now_ms)
			continue;
		if (!best || c->registered_at > best->registered_at)
			best = c;
	}
	if (best)
		view(best, out);
	return best != NULL;
}

size_t reg_user_count(const struct reg *r)
{
	return r->users.n;
}

size_t reg_contact_count(const struct reg *r)
{
	return r->ncontacts;
}
