/* Replays the fuzz corpus (tests/fuzz/corpus) through the fuzz targets' own harness, so fixed crashes stay fixed. */
#include "testutil.h"

#include "harness.h"

#include <dirent.h>
#include <stdio.h>

typedef void(one_h)(const uint8_t *data, size_t size);

static unsigned replay(const char *sub, one_h *one)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/%s", SIP_CORPUS, sub);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	static uint8_t buf[65536];
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			fail_msg("cannot open %s", path);
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		one(buf, len);
		n++;
	}
	closedir(d);
	return n;
}

static void test_scan_corpus(void **state)
{
	(void)state;
	assert_true(replay("scan", fuzz_scan_one) >= 20);
}

static void test_digest_corpus(void **state)
{
	(void)state;
	assert_true(replay("digest", fuzz_digest_one) >= 5);
}

static void test_stack_corpus(void **state)
{
	(void)state;
	assert_int_equal(libre_init(), 0);
	assert_int_equal(fuzz_stack_init(), 0);
	/* twice: the second round meets the transactions and legs the first one left */
	unsigned n = replay("stack", fuzz_stack_one);
	replay("stack", fuzz_stack_one);
	struct sipx_stats st;
	sipx_stats(fuzz_s, &st);
	assert_true(st.rx == 0); /* inputs bypass the sockets */
	assert_true(st.malformed > 0);
	fuzz_stack_fini();
	libre_close();
	assert_true(n >= 18);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_scan_corpus),
		TEST(test_digest_corpus),
		TEST(test_stack_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
