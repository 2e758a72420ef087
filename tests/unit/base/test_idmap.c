/* Tests for base/idmap: insert, replace, delete with backward shift, iteration, against a reference. */
#include "testutil.h"

#include "base/idmap.h"
#include "base/rng.h"

static void test_basic(void **state)
{
	(void)state;
	struct idmap m;
	int a = 1, b = 2;
	idmap_init(&m);
	assert_null(idmap_get(&m, 5));
	assert_int_equal(idmap_put(&m, 0, &a), EINVAL);
	assert_int_equal(idmap_put(&m, 5, &a), 0);
	assert_int_equal(idmap_put(&m, 5, &b), 0);
	assert_int_equal(idmap_count(&m), 1);
	assert_ptr_equal(idmap_get(&m, 5), &b);
	assert_ptr_equal(idmap_del(&m, 5), &b);
	assert_null(idmap_del(&m, 5));
	assert_int_equal(idmap_count(&m), 0);
	idmap_release(&m);
}

static void test_random_ops(void **state)
{
	(void)state;
	enum { KEYS = 3000 };
	static void *ref[KEYS];
	struct idmap m;
	struct rng r;
	idmap_init(&m);
	rng_seed(&r, 11);
	for (int i = 0; i < KEYS; i++)
		ref[i] = NULL;
	for (int step = 0; step < 200000; step++) {
		uint64_t k = rng_below(&r, KEYS - 1) + 1;
		if (rng_below(&r, 3)) {
			void *v = (void *)(uintptr_t)(step + 1);
			assert_int_equal(idmap_put(&m, k * 0x10000 + 3, v), 0);
			ref[k] = v;
		} else {
			assert_ptr_equal(idmap_del(&m, k * 0x10000 + 3), ref[k]);
			ref[k] = NULL;
		}
		if (step % 997 == 0) {
			uint32_t n = 0;
			for (int i = 1; i < KEYS; i++) {
				assert_ptr_equal(idmap_get(&m, (uint64_t)i * 0x10000 + 3), ref[i]);
				n += ref[i] != NULL;
			}
			assert_int_equal(idmap_count(&m), n);
			uint32_t seen = 0;
			uint64_t key;
			void *val;
			for (uint32_t it = 0; idmap_next(&m, &it, &key, &val);) {
				assert_ptr_equal(ref[(key - 3) / 0x10000], val);
				seen++;
			}
			assert_int_equal(seen, n);
		}
	}
	idmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_basic),
		TEST(test_random_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
