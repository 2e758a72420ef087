/* heap: intrusive indexed binary min-heap (see heap.h). */
#include "base/heap.h"
#include "base/mem.h"

#include <errno.h>

void heap_init(struct heap *h)
{
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
}

void heap_release(struct heap *h)
{
	for (uint32_t i = 0; i < h->n; i++)
		h->v[i]->idx = HEAP_NONE;
	sb_free(h->v);
	heap_init(h);
}

static void sift_up(struct heap *h, uint32_t i)
{
	struct heap_node *x = h->v[i];
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!heap_less(x, h->v[p]))
			break;
		h->v[i] = h->v[p];
		h->v[i]->idx = i;
		i = p;
	}
	h->v[i] = x;
	x->idx = i;
}

static void sift_down(struct heap *h, uint32_t i)
{
	struct heap_node *x = h->v[i];
	uint32_t n = h->n;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && heap_less(h->v[c + 1], h->v[c]))
			c++;
		if (!heap_less(h->v[c], x))
			break;
		h->v[i] = h->v[c];
		h->v[i]->idx = i;
		i = c;
	}
	h->v[i] = x;
	x->idx = i;
}

int heap_push(struct heap *h, struct heap_node *n)
{
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 8;
		struct heap_node **v = sb_realloc(h->v, (size_t)cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n] = n;
	n->idx = h->n++;
	sift_up(h, n->idx);
	return 0;
}

void heap_remove(struct heap *h, struct heap_node *n)
{
	uint32_t i = n->idx;
	if (i == HEAP_NONE)
		return;
	n->idx = HEAP_NONE;
	h->n--;
	if (i == h->n)
		return;
	h->v[i] = h->v[h->n];
	h->v[i]->idx = i;
	if (i > 0 && heap_less(h->v[i], h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

void heap_update(struct heap *h, struct heap_node *n)
{
	uint32_t i = n->idx;
	if (i == HEAP_NONE)
		return;
	if (i > 0 && heap_less(n, h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

struct heap_node *heap_pop(struct heap *h)
{
	struct heap_node *top = heap_top(h);
	if (top)
		heap_remove(h, top);
	return top;
}

bool heap_valid(const struct heap *h)
{
	for (uint32_t i = 0; i < h->n; i++) {
		if (h->v[i]->idx != i)
			return false;
		if (i > 0 && heap_less(h->v[i], h->v[(i - 1) / 2]))
			return false;
	}
	return true;
}
