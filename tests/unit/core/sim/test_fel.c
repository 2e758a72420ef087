/* Tests for core/sim/fel: the future-event list pops in (time, key) order, ties included. */
#include "testutil.h"

#include "core/sim/fel.h"

#include "base/rng.h"

#include <stdlib.h>
#include <string.h>

static int cmp_ev(const void *a, const void *b)
{
	const struct sim_fel_ev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void test_empty(void **state)
{
	(void)state;
	struct sim_fel f;
	struct sim_fel_ev ev;
	sim_fel_init(&f);
	assert_int_equal(sim_fel_count(&f), 0);
	assert_true(sim_fel_top(&f) == INT64_MAX);
	assert_false(sim_fel_pop(&f, &ev));
	sim_fel_release(&f);
}

/* Many events on few distinct times: order is by time, then by key, whatever the insertion order.
 */
static void test_order_with_ties(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct sim_fel f;
	struct rng r;
	struct sim_fel_ev *ref = malloc(N * sizeof(*ref));
	assert_non_null(ref);
	sim_fel_init(&f);
	rng_seed(&r, 7);
	for (uint32_t i = 0; i < N; i++) {
		struct sim_fel_ev ev = {
		    .t = (int64_t)rng_below(&r, 50),
		    .key = (rng_below(&r, 4) << 56) | i,
		    .a = i,
		    .b = i * 3,
		    .kind = (uint32_t)(i % 4),
		};
		ref[i] = ev;
		assert_int_equal(sim_fel_push(&f, &ev), 0);
	}
	assert_true(sim_fel_valid(&f));
	qsort(ref, N, sizeof(*ref), cmp_ev);
	for (uint32_t i = 0; i < N; i++) {
		struct sim_fel_ev ev;
		assert_true(sim_fel_top(&f) == ref[i].t);
		assert_true(sim_fel_pop(&f, &ev));
		assert_memory_equal(&ev, &ref[i], sizeof(ev));
		if (i % 1000 == 0)
			assert_true(sim_fel_valid(&f));
	}
	assert_int_equal(sim_fel_count(&f), 0);
	sim_fel_release(&f);
	free(ref);
}

/* Interleaved pushes and pops, as in a simulation: every pop is the minimum of what is in the list.
 */
static void test_interleaved(void **state)
{
	(void)state;
	struct sim_fel f;
	struct rng r;
	sim_fel_init(&f);
	rng_seed(&r, 11);
	int64_t now = 0;
	uint64_t seq = 0;
	uint32_t popped = 0;
	for (int step = 0; step < 200000; step++) {
		if (sim_fel_count(&f) == 0 || rng_below(&r, 100) < 52) {
			struct sim_fel_ev ev = {.t = now + (int64_t)rng_below(&r, 1000),
						.key = ++seq};
			assert_int_equal(sim_fel_push(&f, &ev), 0);
		} else {
			struct sim_fel_ev ev;
			assert_true(sim_fel_pop(&f, &ev));
			/* nothing left may be earlier than what just came out */
			assert_true(ev.t >= now);
			assert_true(sim_fel_top(&f) >= ev.t);
			now = ev.t;
			popped++;
		}
	}
	assert_true(sim_fel_valid(&f));
	assert_true(popped > 50000);
	sim_fel_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_empty),
	    TEST(test_order_with_ties),
	    TEST(test_interleaved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
