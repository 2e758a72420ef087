/* limit: bounded exponential back-off of authentication failures per source (see limit.h). */
#include "sip/limit.h"
#include "sip/htab.h"
#include "base/dlist.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>

#define LIMIT_KEY_MAX 32

struct entry {
	struct hnode hn;
	struct dlist le; /* oldest failure first */
	unsigned failures;
	int64_t last_ms;
	size_t klen;
	uint8_t key[LIMIT_KEY_MAX];
};

struct limit {
	struct limit_policy p;
	struct htab t;
	struct dlist lru;
};

int limit_alloc(struct limit **lp, const struct limit_policy *p)
{
	if (!lp || !p || p->base_ms <= 0 || p->cap_ms <= 0 || p->forget_ms <= 0 || !p->max_entries)
		return EINVAL;
	struct limit *l = sb_zalloc(sizeof(*l));
	if (!l)
		return ENOMEM;
	if (htab_init(&l->t, 10)) {
		sb_free(l);
		return ENOMEM;
	}
	l->p = *p;
	dlist_init(&l->lru);
	*lp = l;
	return 0;
}

static void entry_free(struct limit *l, struct entry *e)
{
	htab_del(&l->t, &e->hn);
	dlist_unlink(&e->le);
	sb_free(e);
}

void limit_free(struct limit *l)
{
	if (!l)
		return;
	while (!dlist_empty(&l->lru))
		entry_free(l, htab_entry(dlist_first(&l->lru), struct entry, le));
	htab_release(&l->t);
	sb_free(l);
}

int64_t limit_window(const struct limit_policy *p, unsigned failures)
{
	if (failures <= p->free_failures)
		return 0;
	unsigned shift = failures - p->free_failures - 1;
	int64_t w = p->base_ms;
	while (shift-- && w < p->cap_ms)
		w *= 2;
	return w < p->cap_ms ? w : p->cap_ms;
}

/* Drops entries forgotten at now (the oldest failures are first). */
static void sweep(struct limit *l, int64_t now_ms)
{
	while (!dlist_empty(&l->lru)) {
		struct entry *e = htab_entry(dlist_first(&l->lru), struct entry, le);
		if (now_ms - e->last_ms < l->p.forget_ms)
			break;
		entry_free(l, e);
	}
}

static struct entry *find(struct limit *l, const void *key, size_t klen)
{
	if (klen > LIMIT_KEY_MAX)
		klen = LIMIT_KEY_MAX;
	uint64_t h = htab_fnv(key, klen);
	for (struct hnode *n = htab_bucket(&l->t, h); n; n = n->next) {
		struct entry *e = htab_entry(n, struct entry, hn);
		if (n->h == h && e->klen == klen && !memcmp(e->key, key, klen))
			return e;
	}
	return NULL;
}

int64_t limit_wait(struct limit *l, const void *key, size_t klen, int64_t now_ms)
{
	sweep(l, now_ms);
	struct entry *e = find(l, key, klen);
	if (!e)
		return 0;
	int64_t end = e->last_ms + limit_window(&l->p, e->failures);
	return end > now_ms ? end - now_ms : 0;
}

int64_t limit_fail(struct limit *l, const void *key, size_t klen, int64_t now_ms)
{
	sweep(l, now_ms);
	if (klen > LIMIT_KEY_MAX)
		klen = LIMIT_KEY_MAX;
	struct entry *e = find(l, key, klen);
	if (!e) {
		if (l->t.n >= l->p.max_entries)
			entry_free(l, htab_entry(dlist_first(&l->lru), struct entry, le));
		e = sb_zalloc(sizeof(*e));
		if (!e)
			return l->p.cap_ms; /* out of memory: answer as slowly as we may */
		e->klen = klen;
		memcpy(e->key, key, klen);
		dlist_init(&e->le);
		htab_add(&l->t, &e->hn, htab_fnv(key, klen));
	} else {
		dlist_unlink(&e->le);
	}
	dlist_append(&l->lru, &e->le);
	if (e->failures < 1000000)
		e->failures++;
	e->last_ms = now_ms;
	return limit_window(&l->p, e->failures);
}

void limit_success(struct limit *l, const void *key, size_t klen)
{
	struct entry *e = find(l, key, klen);
	if (e)
		entry_free(l, e);
}

unsigned limit_failures(struct limit *l, const void *key, size_t klen, int64_t now_ms)
{
	sweep(l, now_ms);
	struct entry *e = find(l, key, klen);
	return e ? e->failures : 0;
}

size_t limit_count(const struct limit *l)
{
	return l->t.n;
}
