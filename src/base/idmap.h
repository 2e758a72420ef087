/* idmap: hash map from a non-zero 64-bit id to a pointer (open addressing, linear probing). */
#ifndef SB_BASE_IDMAP_H
#define SB_BASE_IDMAP_H

#include <stdint.h>

struct idmap_slot {
	uint64_t key; /* 0 marks an empty slot */
	void *val;
};

struct idmap {
	struct idmap_slot *slots;
	uint32_t mask; /* capacity - 1; capacity is a power of two */
	uint32_t n;
};

void idmap_init(struct idmap *m);
/* Frees the table, not the values. */
void idmap_release(struct idmap *m);
/* Looks up `key`; NULL when absent. */
void *idmap_get(const struct idmap *m, uint64_t key);
/* Inserts or replaces. key must be non-zero. Returns 0, EINVAL or ENOMEM. */
int idmap_put(struct idmap *m, uint64_t key, void *val);
/* Removes `key` and returns its value (NULL when absent). */
void *idmap_del(struct idmap *m, uint64_t key);

static inline uint32_t idmap_count(const struct idmap *m)
{
	return m->n;
}

/* Iteration: for (uint32_t i = 0; idmap_next(m, &i, &k, &v);) ... Do not modify while iterating. */
int idmap_next(const struct idmap *m, uint32_t *pos, uint64_t *key, void **val);

#endif
