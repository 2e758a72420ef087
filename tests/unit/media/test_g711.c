/* test_g711: u-law <-> A-law tables against librem, quantisation bounds, encoding, loudness count. */
#include "testutil.h"
#include "media/g711.h"

#include <stdlib.h>

#include <rem_g711.h>

static int setup(void **state)
{
	(void)state;
	mg711_init();
	return 0;
}

/* A-law's quantisation step at magnitude x (ITU G.711: 16 levels per segment). */
static int alaw_step(int x)
{
	x = abs(x);
	int step = 16;
	for (int edge = 512; edge <= 32768 && x >= edge; edge *= 2)
		step *= 2;
	return step;
}

static void test_tables_match_librem(void **state)
{
	(void)state;
	for (int i = 0; i < 256; i++) {
		uint8_t b = (uint8_t)i;
		assert_int_equal(mg711_u2a(b), g711_pcm2alaw(g711_ulaw2pcm(b)));
		assert_int_equal(mg711_a2u(b), g711_pcm2ulaw(g711_alaw2pcm(b)));
		assert_int_equal(mg711_decode(b, false), g711_ulaw2pcm(b));
		assert_int_equal(mg711_decode(b, true), g711_alaw2pcm(b));
	}
}

static void test_transcoding_keeps_the_signal(void **state)
{
	(void)state;
	for (int i = 0; i < 256; i++) {
		uint8_t u = (uint8_t)i;
		int x = g711_ulaw2pcm(u);
		int y = g711_alaw2pcm(mg711_u2a(u));
		/* within one A-law step of the u-law value, and never the other sign */
		assert_true(abs(x - y) <= alaw_step(x));
		assert_true((long)x * y >= 0);
		/* u -> A -> u costs no more than A-law's coarser step */
		int back = g711_ulaw2pcm(mg711_a2u(mg711_u2a(u)));
		assert_true(abs(back - x) <= alaw_step(x));
	}
	/* silence stays silence */
	assert_int_equal(g711_alaw2pcm(mg711_u2a(0xff)), 8);
	assert_true(abs(g711_ulaw2pcm(mg711_a2u(0xd5))) <= 8);
}

static void test_transcode_buffer(void **state)
{
	(void)state;
	uint8_t p[256], q[256];
	for (int i = 0; i < 256; i++)
		p[i] = q[i] = (uint8_t)i;
	mg711_transcode(p, sizeof(p), true);
	for (int i = 0; i < 256; i++)
		assert_int_equal(p[i], mg711_u2a(q[i]));
	mg711_transcode(p, sizeof(p), false);
	for (int i = 0; i < 256; i++)
		assert_int_equal(p[i], mg711_a2u(mg711_u2a(q[i])));
}

static void test_encode_every_sample(void **state)
{
	(void)state;
	int16_t pcm[256];
	uint8_t u[256], a[256];
	for (int base = -32768; base < 32768; base += 256) {
		for (int i = 0; i < 256; i++)
			pcm[i] = (int16_t)(base + i);
		mg711_encode(u, pcm, 256, false);
		mg711_encode(a, pcm, 256, true);
		for (int i = 0; i < 256; i++) {
			int16_t s = pcm[i] == INT16_MIN ? -INT16_MAX : pcm[i];
			assert_int_equal(u[i], g711_pcm2ulaw(s));
			assert_int_equal(a[i], g711_pcm2alaw(s));
		}
	}
	/* the most negative sample is the loudest negative code, not garbage */
	int16_t lo = INT16_MIN;
	mg711_encode(u, &lo, 1, false);
	mg711_encode(a, &lo, 1, true);
	assert_true(mg711_decode(u[0], false) < -30000);
	assert_true(mg711_decode(a[0], true) < -30000);
}

static void test_loud(void **state)
{
	(void)state;
	int16_t pcm[8] = {0, 5, -7, 20, -31, 100, -1000, 30000};
	uint8_t u[8], a[8];
	mg711_encode(u, pcm, 8, false);
	mg711_encode(a, pcm, 8, true);
	/* 0, 5, -7, 20, -31 decode to at most 32 in magnitude in both laws */
	assert_int_equal(mg711_loud(u, 8, false), 3);
	assert_int_equal(mg711_loud(a, 8, true), 3);
	uint8_t su[160], sa[160];
	for (int i = 0; i < 160; i++) {
		su[i] = 0xff;
		sa[i] = 0xd5;
	}
	assert_int_equal(mg711_loud(su, 160, false), 0);
	assert_int_equal(mg711_loud(sa, 160, true), 0);
	/* the fast count agrees with decoding, byte by byte, in both laws */
	for (int i = 0; i < 256; i++) {
		uint8_t b = (uint8_t)i;
		int su1 = g711_ulaw2pcm(b), sa1 = g711_alaw2pcm(b);
		assert_int_equal(mg711_loud(&b, 1, false), abs(su1) > MG711_LOUD);
		assert_int_equal(mg711_loud(&b, 1, true), abs(sa1) > MG711_LOUD);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_tables_match_librem),
		TEST(test_transcoding_keeps_the_signal),
		TEST(test_transcode_buffer),
		TEST(test_encode_every_sample),
		TEST(test_loud),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
