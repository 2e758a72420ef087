/* dlist: intrusive circular doubly-linked list (named apart from libre's struct list). */
#ifndef SB_BASE_DLIST_H
#define SB_BASE_DLIST_H

#include <stdbool.h>
#include <stddef.h>

struct dlist {
	struct dlist *prev, *next;
};

static inline void dlist_init(struct dlist *l)
{
	l->prev = l->next = l;
}

static inline bool dlist_empty(const struct dlist *l)
{
	return l->next == l;
}

/* Links `n` just before `pos` (at the tail when pos is the head). */
static inline void dlist_insert_before(struct dlist *pos, struct dlist *n)
{
	n->prev = pos->prev;
	n->next = pos;
	pos->prev->next = n;
	pos->prev = n;
}

static inline void dlist_append(struct dlist *head, struct dlist *n)
{
	dlist_insert_before(head, n);
}

static inline void dlist_unlink(struct dlist *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

static inline bool dlist_linked(const struct dlist *n)
{
	return n->next != n;
}

#define dlist_first(head) ((head)->next)
#define dlist_last(head)  ((head)->prev)
#define dlist_for_each(it, head) for (struct dlist *it = (head)->next; it != (head); it = it->next)

#endif
