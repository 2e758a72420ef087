/* wheel: hashed timer wheel (see wheel.h). */
#include "base/wheel.h"
#include "base/mem.h"

#include <errno.h>

struct wheel {
	struct wheel_timer *slot; /* sentinel heads of circular lists */
	uint64_t mask;
	int64_t tick; /* every tick up to and including this one is processed */
	int64_t now;  /* ms */
	unsigned tick_ms;
	size_t count;
};

int wheel_alloc(struct wheel **wp, unsigned slots, unsigned tick_ms, int64_t now_ms)
{
	if (!wp || slots < 2 || (slots & (slots - 1)) || !tick_ms || now_ms < 0)
		return EINVAL;
	struct wheel *w = sb_zalloc(sizeof(*w));
	if (!w)
		return ENOMEM;
	w->slot = sb_calloc(slots, sizeof(*w->slot));
	if (!w->slot) {
		sb_free(w);
		return ENOMEM;
	}
	for (unsigned i = 0; i < slots; i++)
		w->slot[i].next = w->slot[i].prev = &w->slot[i];
	w->mask = slots - 1;
	w->tick_ms = tick_ms;
	w->tick = now_ms / tick_ms;
	w->now = now_ms;
	*wp = w;
	return 0;
}

void wheel_free(struct wheel *w)
{
	if (!w)
		return;
	sb_free(w->slot);
	sb_free(w);
}

void wheel_timer_init(struct wheel_timer *t)
{
	t->next = t->prev = NULL;
	t->expire = 0;
	t->h = NULL;
	t->arg = NULL;
}

static inline void unlink_timer(struct wheel_timer *t)
{
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->next = t->prev = NULL;
}

/* Appends at the tail of head's ring (timers due in one tick fire in start order). */
static inline void link_tail(struct wheel_timer *head, struct wheel_timer *t)
{
	t->prev = head->prev;
	t->next = head;
	head->prev->next = t;
	head->prev = t;
}

void wheel_cancel(struct wheel *w, struct wheel_timer *t)
{
	if (!t->prev)
		return;
	unlink_timer(t);
	w->count--;
}

void wheel_start_at(struct wheel *w, struct wheel_timer *t, int64_t at_ms, wheel_h *h, void *arg)
{
	wheel_cancel(w, t);
	int64_t expire = at_ms <= 0 ? 0 : (at_ms + (int64_t)w->tick_ms - 1) / (int64_t)w->tick_ms;
	if (expire <= w->tick)
		expire = w->tick + 1;
	t->expire = expire;
	t->h = h;
	t->arg = arg;
	link_tail(&w->slot[(uint64_t)expire & w->mask], t);
	w->count++;
}

void wheel_start(struct wheel *w, struct wheel_timer *t, int64_t delay_ms, wheel_h *h, void *arg)
{
	if (delay_ms < 0)
		delay_ms = 0;
	wheel_start_at(w, t, w->now + delay_ms, h, arg);
}

unsigned wheel_advance(struct wheel *w, int64_t now_ms)
{
	int64_t target = now_ms / (int64_t)w->tick_ms;
	unsigned fired = 0;

	while (w->tick < target) {
		struct wheel_timer *head, local, *t;

		w->tick++;
		int64_t tick_time = w->tick * (int64_t)w->tick_ms;
		if (tick_time > w->now)
			w->now = tick_time;
		head = &w->slot[(uint64_t)w->tick & w->mask];
		if (head->next == head)
			continue;
		/*
		 * Move the slot's ring onto a local sentinel: handlers may start
		 * timers into this very slot (a full turn later) and cancel any
		 * timer, including ones still waiting on the local ring.
		 */
		local.next = head->next;
		local.prev = head->prev;
		local.next->prev = &local;
		local.prev->next = &local;
		head->next = head->prev = head;
		while ((t = local.next) != &local) {
			unlink_timer(t);
			if (t->expire <= w->tick) {
				w->count--;
				fired++;
				t->h(t->arg);
			} else {
				link_tail(head, t); /* a later turn */
			}
		}
	}
	if (now_ms > w->now)
		w->now = now_ms;
	return fired;
}

int64_t wheel_now(const struct wheel *w)
{
	return w->now;
}

size_t wheel_count(const struct wheel *w)
{
	return w->count;
}

unsigned wheel_tick_ms(const struct wheel *w)
{
	return w->tick_ms;
}
