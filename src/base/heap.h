/* heap: an intrusive, indexed binary min-heap ordered by three integer keys. */
#ifndef SB_BASE_HEAP_H
#define SB_BASE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_NONE UINT32_MAX

/*
 * A node lives inside the object it orders (find the object with
 * container_of). Nodes compare by (k1, k2, k3), smallest first; k3 should be
 * unique (an id) so the order is total and runs are reproducible.
 * `idx` is the node's slot, HEAP_NONE when it is in no heap.
 */
struct heap_node {
	int64_t k1;
	int64_t k2;
	uint64_t k3;
	uint32_t idx;
};

struct heap {
	struct heap_node **v;
	uint32_t n;
	uint32_t cap;
};

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void heap_node_init(struct heap_node *n)
{
	n->idx = HEAP_NONE;
}

static inline bool heap_node_linked(const struct heap_node *n)
{
	return n->idx != HEAP_NONE;
}

static inline bool heap_less(const struct heap_node *a, const struct heap_node *b)
{
	if (a->k1 != b->k1)
		return a->k1 < b->k1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2;
	return a->k3 < b->k3;
}

void heap_init(struct heap *h);
/* Frees the slot array; the nodes belong to their objects and are left alone. */
void heap_release(struct heap *h);
/* Inserts a node that is in no heap. Returns 0 or ENOMEM. */
int heap_push(struct heap *h, struct heap_node *n);
/* Removes a node from the heap it is in (no-op when unlinked). */
void heap_remove(struct heap *h, struct heap_node *n);
/* Restores order after the node's keys changed while linked. */
void heap_update(struct heap *h, struct heap_node *n);
/* Removes and returns the smallest node, or NULL when empty. */
struct heap_node *heap_pop(struct heap *h);

static inline struct heap_node *heap_top(const struct heap *h)
{
	return h->n ? h->v[0] : NULL;
}

static inline uint32_t heap_count(const struct heap *h)
{
	return h->n;
}

/* For tests: true when every parent orders before its children and indices match. */
bool heap_valid(const struct heap *h);

#endif
