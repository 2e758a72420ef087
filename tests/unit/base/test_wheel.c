/* Tests for base/wheel: firing times, cancel, far timers, handlers that start and cancel timers. */
#include "testutil.h"

#include "base/rng.h"
#include "base/wheel.h"

#include <string.h>

struct rec {
	struct wheel *w;
	struct wheel_timer t;
	int fired;
	int64_t fired_at; /* wheel_now() inside the handler */
	int order;
};

static int order_seq;

static void rec_h(void *arg)
{
	struct rec *r = arg;
	r->fired++;
	r->fired_at = wheel_now(r->w);
	r->order = ++order_seq;
}

static void test_alloc_args(void **state)
{
	(void)state;
	struct wheel *w;
	assert_int_equal(wheel_alloc(&w, 0, 10, 0), EINVAL);
	assert_int_equal(wheel_alloc(&w, 1, 10, 0), EINVAL);
	assert_int_equal(wheel_alloc(&w, 12, 10, 0), EINVAL);
	assert_int_equal(wheel_alloc(&w, 16, 0, 0), EINVAL);
	assert_int_equal(wheel_alloc(&w, 16, 10, -1), EINVAL);
	assert_int_equal(wheel_alloc(&w, 16, 10, 12345), 0);
	assert_int_equal(wheel_now(w), 12345);
	assert_int_equal(wheel_count(w), 0);
	assert_int_equal(wheel_tick_ms(w), 10);
	wheel_free(w);
	wheel_free(NULL);
}

static void test_never_early_at_most_a_tick_late(void **state)
{
	(void)state;
	struct wheel *w;
	assert_int_equal(wheel_alloc(&w, 64, 10, 1005), 0);
	struct rec r = {.w = w};
	wheel_timer_init(&r.t);
	wheel_start(w, &r.t, 3, rec_h, &r); /* due 1008: fires at the 1010 tick */
	assert_true(wheel_pending(&r.t));
	assert_int_equal(wheel_count(w), 1);
	assert_int_equal(wheel_advance(w, 1008), 0);
	assert_int_equal(wheel_advance(w, 1009), 0);
	assert_int_equal(r.fired, 0);
	assert_int_equal(wheel_advance(w, 1010), 1);
	assert_int_equal(r.fired, 1);
	assert_int_equal(r.fired_at, 1010);
	assert_false(wheel_pending(&r.t));
	assert_int_equal(wheel_count(w), 0);
	/* exactly on a boundary: due 1100 fires at 1100, not before */
	wheel_start(w, &r.t, 90, rec_h, &r);
	assert_int_equal(wheel_advance(w, 1099), 0);
	assert_int_equal(wheel_advance(w, 1100), 1);
	assert_int_equal(r.fired, 2);
	wheel_free(w);
}

static void test_zero_and_negative_delay_fire_next_tick(void **state)
{
	(void)state;
	struct wheel *w;
	assert_int_equal(wheel_alloc(&w, 8, 10, 100), 0);
	struct rec a = {.w = w}, b = {.w = w};
	wheel_timer_init(&a.t);
	wheel_timer_init(&b.t);
	wheel_start(w, &a.t, 0, rec_h, &a);
	wheel_start(w, &b.t, -50, rec_h, &b);
	assert_int_equal(wheel_advance(w, 105), 0); /* same tick: nothing yet */
	assert_int_equal(wheel_advance(w, 110), 2);
	assert_int_equal(a.fired + b.fired, 2);
	/* absolute times in the past fire at the next tick too */
	wheel_start_at(w, &a.t, 3, rec_h, &a);
	assert_int_equal(wheel_advance(w, 120), 1);
	assert_int_equal(a.fired, 2);
	wheel_free(w);
}

static void test_cancel(void **state)
{
	(void)state;
	struct wheel *w;
	assert_int_equal(wheel_alloc(&w, 16, 10, 0), 0);
	struct rec r = {.w = w};
	wheel_timer_init(&r.t);
	wheel_cancel(w, &r.t); /* not pending: no-op */
	wheel_start(w, &r.t, 50, rec_h, &r);
	wheel_cancel(w, &r.t);
	wheel_cancel(w, &r.t);
	assert_false(wheel_pending(&r.t));
	assert_int_equal(wheel_count(w), 0);
	assert_int_equal(wheel_advance(w, 1000), 0);
	assert_int_equal(r.fired, 0);
	/* restarting a pending timer moves it */
	wheel_start(w, &r.t, 50, rec_h, &r);
	wheel_start(w, &r.t, 500, rec_h, &r);
	assert_int_equal(wheel_count(w), 1);
	assert_int_equal(wheel_advance(w, 1100), 0);
	assert_int_equal(wheel_advance(w, 1500), 1);
	wheel_free(w);
}

static void test_far_timers_wait_their_turn(void **state)
{
	(void)state;
	struct wheel *w;
	/* 8 slots of 10 ms: one turn is 80 ms */
	assert_int_equal(wheel_alloc(&w, 8, 10, 0), 0);
	struct rec far = {.w = w}, near = {.w = w}, very = {.w = w};
	wheel_timer_init(&far.t);
	wheel_timer_init(&near.t);
	wheel_timer_init(&very.t);
	wheel_start(w, &far.t, 250, rec_h, &far);     /* same slot as 10, 90, 170 */
	wheel_start(w, &near.t, 10, rec_h, &near);    /* shares far's slot */
	wheel_start(w, &very.t, 100000, rec_h, &very); /* 1250 turns away */
	for (int64_t t = 10; t < 250; t += 10) {
		wheel_advance(w, t);
		assert_int_equal(far.fired, 0);
	}
	assert_int_equal(near.fired, 1);
	wheel_advance(w, 250);
	assert_int_equal(far.fired, 1);
	assert_int_equal(far.fired_at, 250);
	wheel_advance(w, 99990);
	assert_int_equal(very.fired, 0);
	wheel_advance(w, 100000);
	assert_int_equal(very.fired, 1);
	assert_int_equal(wheel_count(w), 0);
	wheel_free(w);
}

static void test_big_jump_fires_everything_in_order(void **state)
{
	(void)state;
	struct wheel *w;
	assert_int_equal(wheel_alloc(&w, 8, 10, 0), 0);
	struct rec r[5];
	int64_t delays[5] = {500, 15, 333, 70, 81};
	for (int i = 0; i < 5; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].w = w;
		wheel_start(w, &r[i].t, delays[i], rec_h, &r[i]);
	}
	order_seq = 0;
	/* one advance across several turns: each fires once, in deadline order, at its own tick */
	assert_int_equal(wheel_advance(w, 10000), 5);
	int expect_order[5] = {5, 1, 4, 2, 3};
	int64_t expect_at[5] = {500, 20, 340, 70, 90};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(r[i].fired, 1);
		assert_int_equal(r[i].order, expect_order[i]);
		assert_int_equal(r[i].fired_at, expect_at[i]);
	}
	assert_int_equal(wheel_now(w), 10000);
	wheel_free(w);
}

static void test_same_tick_fifo(void **state)
{
	(void)state;
	struct wheel *w;
	assert_int_equal(wheel_alloc(&w, 32, 10, 0), 0);
	struct rec r[4];
	order_seq = 0;
	for (int i = 0; i < 4; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].w = w;
		wheel_start(w, &r[i].t, 21 + i * 2, rec_h, &r[i]); /* all in the 30 ms tick */
	}
	assert_int_equal(wheel_advance(w, 30), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(r[i].order, i + 1);
	wheel_free(w);
}

/* A handler that restarts itself (periodic), cancels a peer due in the same tick, and starts another. */
struct actor {
	struct wheel *w;
	struct wheel_timer t;
	int fired;
	int64_t last;
	struct actor *victim; /* cancelled when this fires */
	struct actor *spawn;  /* started with delay 0 when this fires */
	int64_t period;	      /* restart with this delay (0: one shot) */
	int limit;
};

static void actor_h(void *arg)
{
	struct actor *a = arg;
	a->fired++;
	a->last = wheel_now(a->w);
	if (a->victim)
		wheel_cancel(a->w, &a->victim->t);
	if (a->spawn)
		wheel_start(a->w, &a->spawn->t, 0, actor_h, a->spawn);
	if (a->period && a->fired < a->limit)
		wheel_start(a->w, &a->t, a->period, actor_h, a);
}

static void test_handlers_start_and_cancel(void **state)
{
	(void)state;
	struct wheel *w;
	assert_int_equal(wheel_alloc(&w, 8, 10, 0), 0);
	struct actor per = {.w = w, .period = 80, .limit = 5}; /* a full turn: same slot each time */
	struct actor killer = {.w = w}, victim = {.w = w}, child = {.w = w};
	killer.victim = &victim;
	killer.spawn = &child;
	wheel_start(w, &per.t, 80, actor_h, &per);
	wheel_start(w, &killer.t, 40, actor_h, &killer);
	wheel_start(w, &victim.t, 40, actor_h, &victim); /* same tick, after killer */
	wheel_advance(w, 40);
	assert_int_equal(killer.fired, 1);
	assert_int_equal(victim.fired, 0); /* cancelled while waiting on the tick's local list */
	assert_int_equal(child.fired, 0);  /* delay 0 from a handler: the next tick, not this one */
	wheel_advance(w, 50);
	assert_int_equal(child.fired, 1);
	assert_int_equal(child.last, 50);
	wheel_advance(w, 1000);
	assert_int_equal(per.fired, 5);
	assert_int_equal(per.last, 400); /* restarts measured from each deadline */
	assert_int_equal(wheel_count(w), 0);
	wheel_free(w);
}

/* Randomised: every timer fires exactly once, in the first advance that reaches its deadline. */
struct ptimer {
	struct wheel *w;
	struct wheel_timer t;
	int64_t due_tick; /* first tick at or after the deadline */
	int fired;
	int64_t fired_tick;
	bool live;
};

static void ptimer_h(void *arg)
{
	struct ptimer *p = arg;
	p->fired++;
	p->fired_tick = wheel_now(p->w) / 10;
	p->live = false;
}

static void test_random_against_reference(void **state)
{
	(void)state;
	enum { N = 400 };
	struct wheel *w;
	struct rng r;
	static struct ptimer p[N];
	int64_t now = 7;
	rng_seed(&r, 42);
	assert_int_equal(wheel_alloc(&w, 16, 10, now), 0);
	memset(p, 0, sizeof(p));
	for (int i = 0; i < N; i++)
		p[i].w = w;
	for (int step = 0; step < 30000; step++) {
		struct ptimer *x = &p[rng_below(&r, N)];
		switch (rng_below(&r, 3)) {
		case 0: {
			int64_t d = (int64_t)rng_below(&r, 1000);
			int64_t base = wheel_now(w);
			wheel_start(w, &x->t, d, ptimer_h, x);
			int64_t due = base + d;
			x->due_tick = (due + 9) / 10;
			if (x->due_tick <= base / 10)
				x->due_tick = base / 10 + 1;
			x->live = true;
			x->fired = 0;
			break;
		}
		case 1:
			wheel_cancel(w, &x->t);
			x->live = false;
			x->fired = 0;
			break;
		default:
			now += (int64_t)rng_below(&r, 40);
			wheel_advance(w, now);
			size_t live = 0;
			for (int i = 0; i < N; i++) {
				if (p[i].live) {
					live++;
					assert_true(p[i].due_tick > now / 10);
					assert_true(wheel_pending(&p[i].t));
				} else if (p[i].fired) {
					assert_int_equal(p[i].fired, 1);
					assert_int_equal(p[i].fired_tick, p[i].due_tick);
				}
			}
			assert_int_equal(wheel_count(w), live);
		}
	}
	wheel_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_alloc_args),
		TEST(test_never_early_at_most_a_tick_late),
		TEST(test_zero_and_negative_delay_fire_next_tick),
		TEST(test_cancel),
		TEST(test_far_timers_wait_their_turn),
		TEST(test_big_jump_fires_everything_in_order),
		TEST(test_same_tick_fifo),
		TEST(test_handlers_start_and_cancel),
		TEST(test_random_against_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
