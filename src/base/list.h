/* list: intrusive circular doubly-linked list. */
#ifndef SB_BASE_LIST_H
#define SB_BASE_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *prev, *next;
};

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline bool list_empty(const struct list *l)
{
	return l->next == l;
}

/* Links `n` just before `pos` (at the tail when pos is the head). */
static inline void list_insert_before(struct list *pos, struct list *n)
{
	n->prev = pos->prev;
	n->next = pos;
	pos->prev->next = n;
	pos->prev = n;
}

static inline void list_append(struct list *head, struct list *n)
{
	list_insert_before(head, n);
}

static inline void list_unlink(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

static inline bool list_linked(const struct list *n)
{
	return n->next != n;
}

#define list_first(head) ((head)->next)
#define list_last(head)  ((head)->prev)
#define list_for_each(it, head) for (struct list *it = (head)->next; it != (head); it = it->next)

#endif
