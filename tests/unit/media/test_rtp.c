/* test_rtp: RTP header parsing and rewriting, loss accounting, stream continuity, telephone-events. */
#include "testutil.h"
#include "media/rtp.h"

#include <string.h>

static void test_parse_plain(void **state)
{
	(void)state;
	uint8_t p[MRTP_HDR + 160];
	memset(p, 0x55, sizeof(p));
	assert_int_equal(mrtp_build(p, 8, true, 0xbeef, 0x01020304, 0xa1b2c3d4), MRTP_HDR);
	struct mrtp_hdr h;
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), 0);
	assert_int_equal(h.pt, 8);
	assert_true(h.marker);
	assert_int_equal(h.seq, 0xbeef);
	assert_int_equal(h.ts, 0x01020304);
	assert_int_equal(h.ssrc, 0xa1b2c3d4);
	assert_int_equal(h.off, 12);
	assert_int_equal(h.plen, 160);
	/* network byte order on the wire */
	assert_int_equal(p[0], 0x80);
	assert_int_equal(p[1], 0x88);
	assert_int_equal(p[2], 0xbe);
	assert_int_equal(p[3], 0xef);
	assert_int_equal(p[4], 0x01);
	assert_int_equal(p[7], 0x04);
	assert_int_equal(p[8], 0xa1);
	assert_int_equal(p[11], 0xd4);
}

static void test_parse_csrc_ext_padding(void **state)
{
	(void)state;
	uint8_t p[64] = {0};
	mrtp_build(p, 0, false, 1, 2, 3);
	p[0] = 0x80 | 0x20 | 0x10 | 2; /* padding, extension, 2 CSRCs */
	/* CSRCs at 12..19, extension header at 20: profile, length 1 word, data 24..27 */
	p[22] = 0;
	p[23] = 1;
	/* payload 28..59 (32 bytes), then 4 bytes of padding counted by the last byte */
	p[63] = 4;
	struct mrtp_hdr h;
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), 0);
	assert_int_equal(h.off, 28);
	assert_int_equal(h.plen, 32);
	/* rewriting keeps version, flags, CSRC count */
	mrtp_rewrite(p, 8, true, 7, 8, 9);
	assert_int_equal(p[0], 0x80 | 0x20 | 0x10 | 2);
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), 0);
	assert_int_equal(h.pt, 8);
	assert_int_equal(h.seq, 7);
	assert_int_equal(h.off, 28);
}

static void test_parse_bad(void **state)
{
	(void)state;
	uint8_t p[40] = {0};
	struct mrtp_hdr h;
	mrtp_build(p, 0, false, 1, 2, 3);
	assert_int_equal(mrtp_parse(&h, p, 11), EBADMSG);    /* short */
	assert_int_equal(mrtp_parse(&h, p, 12), 0);	     /* empty payload is fine */
	p[0] = 0x40;					     /* version 1 */
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), EBADMSG);
	p[0] = 0x80 | 15;				     /* 15 CSRCs do not fit */
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), EBADMSG);
	p[0] = 0x90;					     /* extension header missing */
	assert_int_equal(mrtp_parse(&h, p, 14), EBADMSG);
	p[0] = 0x90;					     /* extension longer than the packet */
	p[14] = 0;
	p[15] = 20;
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), EBADMSG);
	p[0] = 0xa0; /* padding of 0 bytes is impossible */
	p[39] = 0;
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), EBADMSG);
	p[39] = 29; /* more than the payload */
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), EBADMSG);
	p[39] = 28; /* exactly the payload */
	assert_int_equal(mrtp_parse(&h, p, sizeof(p)), 0);
	assert_int_equal(h.plen, 0);
}

static void test_rx_loss(void **state)
{
	(void)state;
	struct mrtp_rx r = {0};
	for (uint16_t s = 100; s < 110; s++)
		mrtp_rx_update(&r, 1, s);
	assert_int_equal(mrtp_rx_lost(&r), 0);
	mrtp_rx_update(&r, 1, 113); /* 110..112 missing */
	assert_int_equal(mrtp_rx_lost(&r), 3);
	mrtp_rx_update(&r, 1, 111); /* one arrives late */
	assert_int_equal(mrtp_rx_lost(&r), 2);
	mrtp_rx_update(&r, 1, 111); /* a duplicate does not make losses negative... */
	mrtp_rx_update(&r, 1, 111);
	mrtp_rx_update(&r, 1, 111);
	assert_int_equal(mrtp_rx_lost(&r), 0);
}

static void test_rx_wrap_and_sources(void **state)
{
	(void)state;
	struct mrtp_rx r = {0};
	for (uint32_t i = 0; i < 20; i++)
		mrtp_rx_update(&r, 5, (uint16_t)(65530 + i)); /* wraps after 65535 */
	assert_int_equal(mrtp_rx_lost(&r), 0);
	mrtp_rx_update(&r, 5, 15); /* 14 missing (after 13) */
	assert_int_equal(mrtp_rx_lost(&r), 1);
	/* a new SSRC starts a new count; the old losses stay */
	mrtp_rx_update(&r, 6, 40000);
	mrtp_rx_update(&r, 6, 40002);
	assert_int_equal(mrtp_rx_lost(&r), 2);
	/* a jump beyond MRTP_MAX_DROPOUT restarts the source instead of counting thousands lost */
	mrtp_rx_update(&r, 6, 50000);
	mrtp_rx_update(&r, 6, 50001);
	assert_int_equal(mrtp_rx_lost(&r), 2);
	/* a packet from far behind counts as late, not as a restart (which would make the next
	 * packet look like 11 lost) */
	mrtp_rx_update(&r, 6, 49990);
	mrtp_rx_update(&r, 6, 50002);
	assert_int_equal(mrtp_rx_lost(&r), 2);
}

#define NS_MS 1000000LL

static void test_out_relay_continuity(void **state)
{
	(void)state;
	struct mrtp_out o;
	mrtp_out_init(&o, 0x1234, 1000, 50000);
	uint16_t seq;
	uint32_t ts;
	bool mk;
	/* first stream: the first packet takes our initial numbers and the marker */
	mrtp_out_relay(&o, 1, 0xaaaa, 7, 900, 160, 0, &seq, &ts, &mk);
	assert_int_equal(seq, 1000);
	assert_int_equal(ts, 50000);
	assert_true(mk);
	mrtp_out_relay(&o, 1, 0xaaaa, 8, 1060, 160, 20 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 1001);
	assert_int_equal(ts, 50160);
	assert_false(mk);
	/* a gap and a reordering in the input stay visible in the output */
	mrtp_out_relay(&o, 1, 0xaaaa, 11, 1540, 160, 80 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 1004);
	assert_int_equal(ts, 50640);
	mrtp_out_relay(&o, 1, 0xaaaa, 10, 1380, 160, 81 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 1003);
	assert_int_equal(ts, 50480);
	/* re-bridged (new generation, another party with other numbers) 3 s later */
	mrtp_out_relay(&o, 2, 0xbbbb, 60000, 7777777, 160, 3080 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 1005);		  /* one after the highest sent */
	assert_int_equal(ts, 50640 + 3000 * 8); /* the time that passed */
	assert_true(mk);
	mrtp_out_relay(&o, 2, 0xbbbb, 60001, 7777777 + 160, 160, 3100 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 1006);
	assert_int_equal(ts, 50640 + 24000 + 160);
	assert_false(mk);
	/* the same party restarting with a new SSRC re-anchors too; a quick switch advances
	 * the timestamp by at least the last packet's duration */
	mrtp_out_relay(&o, 2, 0xcccc, 5, 5, 160, 3101 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 1007);
	assert_int_equal(ts, 50640 + 24000 + 320);
	assert_true(mk);
	/* sequence wraps through 65535 without a hiccup */
	struct mrtp_out w;
	mrtp_out_init(&w, 1, 65535, 0);
	mrtp_out_relay(&w, 1, 9, 100, 0, 160, 0, &seq, &ts, &mk);
	assert_int_equal(seq, 65535);
	mrtp_out_relay(&w, 1, 9, 101, 160, 160, NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 0);
	mrtp_out_relay(&w, 2, 10, 5000, 0, 160, 2 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 1);
	assert_int_equal(ts, 320);
}

static void test_out_events_keep_audio_timeline(void **state)
{
	(void)state;
	struct mrtp_out o;
	mrtp_out_init(&o, 1, 10, 1000);
	uint16_t seq;
	uint32_t ts;
	bool mk;
	mrtp_out_relay(&o, 1, 9, 50, 8000, 160, 0, &seq, &ts, &mk);
	mrtp_out_relay(&o, 1, 9, 51, 8160, 160, 20 * NS_MS, &seq, &ts, &mk);
	/* a telephone-event (duration 0 here) with the event start timestamp */
	mrtp_out_relay(&o, 1, 9, 52, 8320, 0, 40 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 12);
	assert_int_equal(ts, 1320);
	mrtp_out_relay(&o, 1, 9, 53, 8320, 0, 90 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 13);
	assert_int_equal(ts, 1320); /* same event, same timestamp */
	assert_false(mk);
}

static void test_out_play_and_switch(void **state)
{
	(void)state;
	struct mrtp_out o;
	mrtp_out_init(&o, 77, 500, 9000);
	uint16_t seq;
	uint32_t ts;
	bool mk;
	/* music from clock period 100 on */
	mrtp_out_play(&o, 1, 100, 2000 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 500);
	assert_int_equal(ts, 9000);
	assert_true(mk);
	mrtp_out_play(&o, 1, 101, 2020 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 501);
	assert_int_equal(ts, 9160);
	assert_false(mk);
	/* the clock skipped periods 102-104: the timestamp jumps, the sequence does not */
	mrtp_out_play(&o, 1, 105, 2100 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 502);
	assert_int_equal(ts, 9800);
	assert_false(mk);
	/* then bridged 10 ms later: continues from the music */
	mrtp_out_relay(&o, 2, 4242, 3, 3, 160, 2110 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 503);
	assert_int_equal(ts, 9960); /* at least one packet's duration */
	assert_true(mk);
	mrtp_out_relay(&o, 2, 4242, 4, 163, 160, 2130 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(ts, 10120);
	/* back to music 1 s after the last relayed packet */
	mrtp_out_play(&o, 3, 200, 3130 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(seq, 505);
	assert_int_equal(ts, 10120 + 8000);
	assert_true(mk);
	mrtp_out_play(&o, 3, 201, 3150 * NS_MS, &seq, &ts, &mk);
	assert_int_equal(ts, 10120 + 8160);
}

static void test_telev(void **state)
{
	(void)state;
	const uint8_t five[4] = {5, 0x0a, 0x01, 0x40};
	const uint8_t hash_end[4] = {11, 0x8a, 0x03, 0x20};
	const uint8_t flash[4] = {16, 0, 0, 0};
	const uint8_t d[4] = {15, 0, 0, 0};
	char digit;
	bool end;
	assert_int_equal(mrtp_telev(five, 4, &digit, &end), 0);
	assert_int_equal(digit, '5');
	assert_false(end);
	assert_int_equal(mrtp_telev(hash_end, 4, &digit, &end), 0);
	assert_int_equal(digit, '#');
	assert_true(end);
	assert_int_equal(mrtp_telev(d, 4, &digit, &end), 0);
	assert_int_equal(digit, 'D');
	assert_int_equal(mrtp_telev(flash, 4, &digit, &end), 0);
	assert_int_equal(digit, 0);
	assert_int_equal(mrtp_telev(five, 3, &digit, &end), EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_parse_plain),
		TEST(test_parse_csrc_ext_padding),
		TEST(test_parse_bad),
		TEST(test_rx_loss),
		TEST(test_rx_wrap_and_sources),
		TEST(test_out_relay_continuity),
		TEST(test_out_events_keep_audio_timeline),
		TEST(test_out_play_and_switch),
		TEST(test_telev),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
