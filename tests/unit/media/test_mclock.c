/* test_mclock: phase-slot choice, tick arithmetic, the lateness histogram. */
#include "testutil.h"
#include "media/mclock.h"

#include <stdlib.h>

static void test_pick_slot(void **state)
{
	(void)state;
	unsigned load[MCLOCK_SLOTS] = {0};
	/* all empty: the next tick's slot, so a player starts at once */
	assert_int_equal(mclock_pick_slot(load, 0), 0);
	assert_int_equal(mclock_pick_slot(load, 47), 7);
	/* filling in: each new player takes the least loaded slot, the soonest among equals */
	for (unsigned i = 0; i < 3 * MCLOCK_SLOTS; i++) {
		unsigned k = mclock_pick_slot(load, 1005);
		assert_int_equal(k, (5 + i) % MCLOCK_SLOTS);
		load[k]++;
	}
	for (unsigned k = 0; k < MCLOCK_SLOTS; k++)
		assert_int_equal(load[k], 3);
	/* one slot emptier than the others wins wherever it is */
	load[3] = 1;
	assert_int_equal(mclock_pick_slot(load, 4), 3);
	/* ties after the current position are preferred to those before it (wrapping) */
	load[3] = 3;
	load[2] = 2;
	load[18] = 2;
	assert_int_equal(mclock_pick_slot(load, 10), 18);
	assert_int_equal(mclock_pick_slot(load, 19), 2);
}

static void test_balance_under_churn(void **state)
{
	(void)state;
	/* 1,000 players arrive while others leave at random: the slots stay within a few players */
	unsigned load[MCLOCK_SLOTS] = {0};
	unsigned *slot_of = calloc(1000, sizeof(unsigned));
	assert_non_null(slot_of);
	srand(7);
	uint64_t tick = 0;
	for (unsigned i = 0; i < 1000; i++) {
		slot_of[i] = mclock_pick_slot(load, tick);
		load[slot_of[i]]++;
		tick += (uint64_t)(rand() % 50);
		if (i >= 100 && rand() % 2) { /* someone leaves */
			unsigned j = (unsigned)rand() % i;
			if (slot_of[j] < MCLOCK_SLOTS) {
				load[slot_of[j]]--;
				slot_of[j] = MCLOCK_SLOTS;
			}
		}
	}
	unsigned lo = ~0u, hi = 0;
	for (unsigned k = 0; k < MCLOCK_SLOTS; k++) {
		lo = load[k] < lo ? load[k] : lo;
		hi = load[k] > hi ? load[k] : hi;
	}
	assert_true(hi - lo <= 12);
	free(slot_of);
}

static void test_due(void **state)
{
	(void)state;
	int64_t e = 5000000000LL;
	assert_int_equal(mclock_due(e, e - 1), 0);
	assert_int_equal(mclock_due(e, e), 0);
	assert_int_equal(mclock_due(e, e + MCLOCK_TICK_NS - 1), 0);
	assert_int_equal(mclock_due(e, e + MCLOCK_TICK_NS), 1);
	assert_int_equal(mclock_due(e, e + 20 * MCLOCK_TICK_NS + 5), 20);
}

static void test_hist(void **state)
{
	(void)state;
	struct mhist *h = malloc(sizeof(*h));
	assert_non_null(h);
	mhist_reset(h);
	assert_int_equal(mhist_pct(h, 0.99), 0);
	/* 1..1000 us */
	for (int v = 1; v <= 1000; v++)
		mhist_add(h, v);
	assert_int_equal(h->n, 1000);
	assert_int_equal(h->max_us, 1000);
	/* the 500th value (500 us) lies in bucket [500, 510): reported as its upper edge */
	assert_int_equal(mhist_pct(h, 0.5), 510);
	assert_int_equal(mhist_pct(h, 0.99), 1000); /* [990,1000) holds the 990th; edge 1000 */
	assert_int_equal(mhist_pct(h, 1.0), 1000);  /* never above the maximum */
	assert_int_equal(mhist_pct(h, 0.001), 10);
	/* negatives count as zero; values beyond 100 ms land in the overflow */
	mhist_add(h, -50);
	mhist_add(h, 250000);
	assert_int_equal(h->over, 1);
	assert_int_equal(h->max_us, 250000);
	assert_int_equal(mhist_pct(h, 1.0), 250000);
	struct mhist *g = malloc(sizeof(*g));
	assert_non_null(g);
	mhist_reset(g);
	for (int i = 0; i < 100; i++)
		mhist_add(g, 4000);
	mhist_merge(g, h);
	assert_int_equal(g->n, 1102);
	assert_int_equal(g->max_us, 250000);
	assert_int_equal(mhist_pct(g, 0.95), 4010);
	mhist_reset(g);
	assert_int_equal(g->n, 0);
	free(g);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_pick_slot),
		TEST(test_balance_under_churn),
		TEST(test_due),
		TEST(test_hist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
