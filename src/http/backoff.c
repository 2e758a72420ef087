/* backoff: failed-login back-off table (see backoff.h). */
#include "http/backoff.h"
#include "base/idmap.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>

struct bentry {
	char *key;
	uint64_t hkey;
	struct bentry *next; /* same hash */
	unsigned failures;
	unsigned inflight;
	int64_t last_fail;
	int64_t until; /* refused before this time */
};

struct backoff {
	struct backoff_policy p;
	unsigned max_entries;
	struct idmap map; /* hash -> chain head */
	unsigned n;
};

int64_t backoff_window(const struct backoff_policy *p, unsigned failures)
{
	if (failures <= p->free_failures)
		return 0;
	unsigned shift = failures - p->free_failures - 1;
	int64_t w = p->base_ms;
	for (unsigned i = 0; i < shift && w < p->cap_ms; i++)
		w *= 2;
	return w < p->cap_ms ? w : p->cap_ms;
}

int backoff_alloc(struct backoff **bp, const struct backoff_policy *p, unsigned max_entries)
{
	if (!p || p->base_ms <= 0 || p->cap_ms < p->base_ms || p->forget_ms < p->cap_ms ||
	    max_entries == 0)
		return EINVAL;
	struct backoff *b = sb_zalloc(sizeof(*b));
	if (!b)
		return ENOMEM;
	b->p = *p;
	b->max_entries = max_entries;
	idmap_init(&b->map);
	*bp = b;
	return 0;
}

void backoff_free(struct backoff *b)
{
	if (!b)
		return;
	uint64_t k;
	void *v;
	for (uint32_t i = 0; idmap_next(&b->map, &i, &k, &v);) {
		struct bentry *e = v;
		while (e) {
			struct bentry *nx = e->next;
			sb_free(e->key);
			sb_free(e);
			e = nx;
		}
	}
	idmap_release(&b->map);
	sb_free(b);
}

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return h ? h : 1;
}

static struct bentry *find(const struct backoff *b, const char *key, uint64_t hk)
{
	for (struct bentry *e = idmap_get(&b->map, hk); e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void unlink_free(struct backoff *b, struct bentry *e)
{
	struct bentry *head = idmap_get(&b->map, e->hkey);
	if (head == e) {
		if (e->next)
			idmap_put(&b->map, e->hkey, e->next); /* replaces: cannot fail */
		else
			idmap_del(&b->map, e->hkey);
	} else {
		for (struct bentry *p = head; p; p = p->next)
			if (p->next == e) {
				p->next = e->next;
				break;
			}
	}
	sb_free(e->key);
	sb_free(e);
	b->n--;
}

static bool forgotten(const struct backoff *b, const struct bentry *e, int64_t now)
{
	return e->failures == 0 || (now - e->last_fail >= b->p.forget_ms && now >= e->until);
}

/* Drops every idle entry (nothing in flight) that pred accepts; returns how many. */
static unsigned drop_if(struct backoff *b,
			bool (*pred)(const struct backoff *, const struct bentry *, int64_t),
			int64_t now)
{
	if (b->n == 0)
		return 0;
	struct bentry **v = sb_calloc(b->n, sizeof(*v));
	if (!v)
		return 0;
	unsigned n = 0;
	uint64_t k;
	void *val;
	for (uint32_t i = 0; idmap_next(&b->map, &i, &k, &val);)
		for (struct bentry *e = val; e; e = e->next)
			if (e->inflight == 0 && pred(b, e, now) && n < b->n)
				v[n++] = e;
	for (unsigned i = 0; i < n; i++)
		unlink_free(b, v[i]);
	sb_free(v);
	return n;
}

static unsigned drop_forgotten(struct backoff *b, int64_t now)
{
	return drop_if(b, forgotten, now);
}

static bool drop_oldest(struct backoff *b)
{
	struct bentry *victim = NULL;
	uint64_t k;
	void *v;
	for (uint32_t i = 0; idmap_next(&b->map, &i, &k, &v);)
		for (struct bentry *e = v; e; e = e->next)
			if (e->inflight == 0 && (!victim || e->last_fail < victim->last_fail))
				victim = e;
	if (!victim)
		return false;
	unlink_free(b, victim);
	return true;
}

int backoff_begin(struct backoff *b, const char *key, int64_t now, int64_t *wait_ms)
{
	uint64_t hk = hash_key(key);
	struct bentry *e = find(b, key, hk);
	*wait_ms = 0;
	if (e) {
		if (forgotten(b, e, now)) {
			e->failures = 0;
			e->until = 0;
		}
		if (now < e->until) {
			*wait_ms = e->until - now;
			return EAGAIN;
		}
		if (b->p.max_inflight && e->inflight >= b->p.max_inflight) {
			*wait_ms = 1000;
			return EBUSY;
		}
		e->inflight++;
		return 0;
	}
	if (b->n >= b->max_entries && drop_forgotten(b, now) == 0 && !drop_oldest(b)) {
		*wait_ms = 1000;
		return EBUSY;
	}
	e = sb_zalloc(sizeof(*e));
	if (!e || !(e->key = sb_strdup(key))) {
		sb_free(e);
		return ENOMEM;
	}
	e->hkey = hk;
	e->next = idmap_get(&b->map, hk);
	if (idmap_put(&b->map, hk, e) != 0) {
		sb_free(e->key);
		sb_free(e);
		return ENOMEM;
	}
	b->n++;
	e->inflight = 1;
	return 0;
}

int64_t backoff_end(struct backoff *b, const char *key, int64_t now, enum backoff_outcome o)
{
	struct bentry *e = find(b, key, hash_key(key));
	if (!e)
		return 0; /* cannot happen: an attempt in flight keeps its entry */
	if (e->inflight)
		e->inflight--;
	if (forgotten(b, e, now)) {
		e->failures = 0;
		e->until = 0;
	}
	if (o == BACKOFF_FAILED) {
		e->failures++;
		e->last_fail = now;
		int64_t until = now + backoff_window(&b->p, e->failures);
		if (until > e->until)
			e->until = until;
	} else if (o == BACKOFF_SUCCESS) {
		e->failures = 0;
		e->until = 0;
	}
	int64_t left = e->until > now ? e->until - now : 0;
	if (e->failures == 0 && e->inflight == 0)
		unlink_free(b, e);
	return left;
}

unsigned backoff_failures(struct backoff *b, const char *key, int64_t now)
{
	struct bentry *e = find(b, key, hash_key(key));
	if (!e || forgotten(b, e, now))
		return 0;
	return e->failures;
}

static bool no_failures(const struct backoff *b, const struct bentry *e, int64_t now)
{
	(void)b;
	(void)now;
	return e->failures == 0;
}

unsigned backoff_reset_prefix(struct backoff *b, const char *prefix)
{
	size_t pl = strlen(prefix);
	unsigned n = 0;
	uint64_t k;
	void *v;
	for (uint32_t i = 0; idmap_next(&b->map, &i, &k, &v);) {
		for (struct bentry *e = v; e; e = e->next) {
			if (strncmp(e->key, prefix, pl) == 0 && (e->failures || e->until)) {
				e->failures = 0;
				e->until = 0;
				n++;
			}
		}
	}
	drop_if(b, no_failures, 0); /* entries now empty and idle go */
	return n;
}

unsigned backoff_reset(struct backoff *b, const char *key)
{
	struct bentry *e = find(b, key, hash_key(key));
	if (!e || (!e->failures && !e->until))
		return 0;
	e->failures = 0;
	e->until = 0;
	if (e->inflight == 0)
		unlink_free(b, e);
	return 1;
}

void backoff_sweep(struct backoff *b, int64_t now)
{
	drop_forgotten(b, now);
}

unsigned backoff_count(const struct backoff *b)
{
	return b->n;
}
