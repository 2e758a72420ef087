/* wheel: hashed timer wheel with O(1) start and cancel; pure, time is passed in. */
#ifndef SB_BASE_WHEEL_H
#define SB_BASE_WHEEL_H

/*
 * A wheel of `slots` (a power of two) lists, each `tick_ms` wide. A timer
 * lives in the slot of its expiry tick; one further away than a full turn
 * stays in its slot with its absolute expiry and is skipped until its turn
 * comes. Timers are intrusive: the owner embeds a struct wheel_timer in its
 * own object, so starting and cancelling never allocate.
 *
 * Time: every call takes or uses milliseconds of one monotonic clock chosen
 * by the caller. A timer never fires early: started with delay d at wheel
 * time t, it fires during the first wheel_advance(now) whose tick reaches
 * t + d rounded up to a tick boundary (so at most one tick late, plus however
 * late the driver advances). A delay of 0 or less fires at the next tick.
 * While handlers run, wheel_now() is the time of the tick being processed,
 * so a handler that restarts its timer measures from its own deadline.
 *
 * Handlers may start and cancel any timer, including their own and ones due
 * in the same tick. Timers due in the same tick fire in the order they were
 * started. Not thread-safe: one owner thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wheel;

typedef void(wheel_h)(void *arg);

struct wheel_timer {
	struct wheel_timer *next, *prev; /* prev == NULL: not pending */
	int64_t expire;			 /* absolute tick */
	wheel_h *h;
	void *arg;
};

/* slots: a power of two (>= 2); tick_ms >= 1; now_ms: the current time. EINVAL, ENOMEM. */
int wheel_alloc(struct wheel **wp, unsigned slots, unsigned tick_ms, int64_t now_ms);
/* Frees the wheel; pending timers are forgotten (their memory is their owners'). NULL is fine. */
void wheel_free(struct wheel *w);

/* Zeroes a timer: not pending. Needed once before first use (or allocate the owner zeroed). */
void wheel_timer_init(struct wheel_timer *t);
/* (Re)starts t: h(arg) runs once, no earlier than delay_ms after wheel_now(). */
void wheel_start(struct wheel *w, struct wheel_timer *t, int64_t delay_ms, wheel_h *h, void *arg);
/* (Re)starts t to fire no earlier than the absolute time at_ms. */
void wheel_start_at(struct wheel *w, struct wheel_timer *t, int64_t at_ms, wheel_h *h, void *arg);
/* Stops t if pending (a no-op otherwise). */
void wheel_cancel(struct wheel *w, struct wheel_timer *t);

static inline bool wheel_pending(const struct wheel_timer *t)
{
	return t->prev != NULL;
}

/* Fires every timer due at or before now_ms; returns how many fired. now_ms may not go back. */
unsigned wheel_advance(struct wheel *w, int64_t now_ms);

/* The wheel's time: the last advance, or the tick being processed while handlers run. */
int64_t wheel_now(const struct wheel *w);
/* Pending timers. */
size_t wheel_count(const struct wheel *w);
unsigned wheel_tick_ms(const struct wheel *w);

#endif
