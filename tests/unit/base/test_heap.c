/* Tests for base/heap: order, removal from the middle and key updates against a reference. */
#include "testutil.h"

#include "base/heap.h"
#include "base/rng.h"

#include <stdlib.h>

struct item {
	struct heap_node hn;
	int in;
};

static void test_empty(void **state)
{
	(void)state;
	struct heap h;
	heap_init(&h);
	assert_null(heap_top(&h));
	assert_null(heap_pop(&h));
	heap_release(&h);
}

static void test_random_ops(void **state)
{
	(void)state;
	enum { N = 500 };
	struct item it[N];
	struct heap h;
	struct rng r;
	heap_init(&h);
	rng_seed(&r, 7);
	for (int i = 0; i < N; i++) {
		heap_node_init(&it[i].hn);
		it[i].in = 0;
		it[i].hn.k3 = (uint64_t)i;
	}
	for (int step = 0; step < 20000; step++) {
		struct item *x = &it[rng_below(&r, N)];
		switch (rng_below(&r, 4)) {
		case 0:
			if (!x->in) {
				x->hn.k1 = (int64_t)rng_below(&r, 50);
				x->hn.k2 = (int64_t)rng_below(&r, 3);
				assert_int_equal(heap_push(&h, &x->hn), 0);
				x->in = 1;
			}
			break;
		case 1:
			heap_remove(&h, &x->hn);
			x->in = 0;
			break;
		case 2:
			if (x->in) {
				x->hn.k1 = (int64_t)rng_below(&r, 50);
				heap_update(&h, &x->hn);
			}
			break;
		default: {
			/* the top is the minimum of all linked items */
			struct heap_node *top = heap_top(&h);
			const struct item *min = NULL;
			for (int i = 0; i < N; i++)
				if (it[i].in && (!min || heap_less(&it[i].hn, &min->hn)))
					min = &it[i];
			if (!min)
				assert_null(top);
			else
				assert_ptr_equal(top, &min->hn);
		}
		}
		assert_true(heap_valid(&h));
	}
	/* popping yields non-decreasing order */
	struct heap_node *prev = NULL, *n;
	while ((n = heap_pop(&h))) {
		if (prev)
			assert_false(heap_less(n, prev));
		prev = n;
	}
	heap_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_empty),
		TEST(test_random_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
