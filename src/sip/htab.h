/* htab: intrusive chained hash table with power-of-two buckets; callers hash and compare keys. */
#ifndef SB_SIP_HTAB_H
#define SB_SIP_HTAB_H

#include <stddef.h>
#include <stdint.h>

#include "base/mem.h"

#include <errno.h>

struct hnode {
	struct hnode *next;
	uint64_t h;
};

struct htab {
	struct hnode **b;
	uint64_t mask;
	size_t n;
};

/* 2^bits buckets. Returns 0 or ENOMEM. */
static inline int htab_init(struct htab *t, unsigned bits)
{
	t->b = sb_calloc((size_t)1 << bits, sizeof(*t->b));
	if (!t->b)
		return ENOMEM;
	t->mask = ((uint64_t)1 << bits) - 1;
	t->n = 0;
	return 0;
}

/* Frees the buckets (the nodes belong to their owners). */
static inline void htab_release(struct htab *t)
{
	sb_free(t->b);
	t->b = NULL;
	t->n = 0;
}

static inline void htab_add(struct htab *t, struct hnode *n, uint64_t h)
{
	struct hnode **b = &t->b[h & t->mask];
	n->h = h;
	n->next = *b;
	*b = n;
	t->n++;
}

/* Unlinks n if it is in the table (a no-op otherwise). */
static inline void htab_del(struct htab *t, struct hnode *n)
{
	struct hnode **pp = &t->b[n->h & t->mask];
	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = n->next;
		n->next = NULL;
		t->n--;
	}
}

/* First node of h's bucket; walk with ->next and compare ->h and the key. */
static inline struct hnode *htab_bucket(const struct htab *t, uint64_t h)
{
	return t->b[h & t->mask];
}

/* FNV-1a: for tables whose keys an outsider cannot choose freely. */
static inline uint64_t htab_fnv(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 1099511628211ULL;
	}
	return h;
}

#define htab_entry(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
