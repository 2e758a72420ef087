/* idmap: open-addressing hash map with backward-shift deletion (see idmap.h). */
#include "base/idmap.h"
#include "base/mem.h"

#include <errno.h>
#include <stddef.h>

static inline uint32_t slot_of(uint64_t key, uint32_t mask)
{
	/*
	 * Fibonacci hashing: one multiply, then the product's top log2(capacity)
	 * bits, which spread sequential ids evenly (the bits in the middle of the
	 * product cluster them). mask + 1 is a power of two of at least 16.
	 */
	unsigned shift = 32 + (unsigned)__builtin_clz(mask);
	return (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> shift);
}

void idmap_init(struct idmap *m)
{
	m->slots = NULL;
	m->mask = 0;
	m->n = 0;
}

void idmap_release(struct idmap *m)
{
	sb_free(m->slots);
	idmap_init(m);
}

void *idmap_get(const struct idmap *m, uint64_t key)
{
	if (!m->slots || key == 0)
		return NULL;
	for (uint32_t i = slot_of(key, m->mask);; i = (i + 1) & m->mask) {
		if (m->slots[i].key == key)
			return m->slots[i].val;
		if (m->slots[i].key == 0)
			return NULL;
	}
}

static int grow(struct idmap *m)
{
	uint32_t cap = m->slots ? (m->mask + 1) * 2 : 16;
	struct idmap_slot *s = sb_calloc(cap, sizeof(*s));
	if (!s)
		return ENOMEM;
	struct idmap_slot *old = m->slots;
	uint32_t oldcap = old ? m->mask + 1 : 0;
	m->slots = s;
	m->mask = cap - 1;
	for (uint32_t i = 0; i < oldcap; i++) {
		if (!old[i].key)
			continue;
		uint32_t j = slot_of(old[i].key, m->mask);
		while (s[j].key)
			j = (j + 1) & m->mask;
		s[j] = old[i];
	}
	sb_free(old);
	return 0;
}

int idmap_put(struct idmap *m, uint64_t key, void *val)
{
	if (key == 0)
		return EINVAL;
	/*
	 * keep the load factor under 3/4: the top bits of the Fibonacci product
	 * keep probe runs short, and a smaller table stays in the caches
	 */
	if (!m->slots || (uint64_t)(m->n + 1) * 4 > (uint64_t)(m->mask + 1) * 3) {
		int err = grow(m);
		if (err)
			return err;
	}
	uint32_t i = slot_of(key, m->mask);
	while (m->slots[i].key && m->slots[i].key != key)
		i = (i + 1) & m->mask;
	if (!m->slots[i].key) {
		m->slots[i].key = key;
		m->n++;
	}
	m->slots[i].val = val;
	return 0;
}

void *idmap_del(struct idmap *m, uint64_t key)
{
	if (!m->slots || key == 0)
		return NULL;
	uint32_t i = slot_of(key, m->mask);
	while (m->slots[i].key != key) {
		if (!m->slots[i].key)
			return NULL;
		i = (i + 1) & m->mask;
	}
	void *val = m->slots[i].val;
	m->n--;
	/* Backward shift: pull later entries of the probe run into the hole. */
	uint32_t hole = i;
	for (uint32_t j = (i + 1) & m->mask; m->slots[j].key; j = (j + 1) & m->mask) {
		uint32_t home = slot_of(m->slots[j].key, m->mask);
		/* move j to the hole unless its home lies cyclically in (hole, j] */
		if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].key = 0;
	m->slots[hole].val = NULL;
	return val;
}

int idmap_next(const struct idmap *m, uint32_t *pos, uint64_t *key, void **val)
{
	if (!m->slots)
		return 0;
	for (uint32_t i = *pos; i <= m->mask; i++) {
		if (m->slots[i].key) {
			if (key)
				*key = m->slots[i].key;
			if (val)
				*val = m->slots[i].val;
			*pos = i + 1;
			return 1;
		}
	}
	*pos = m->mask + 1;
	return 0;
}
