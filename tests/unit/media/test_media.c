/* test_media: the media layer without traffic: configuration, ports, SDP offer/answer and hold,
 * sources, bookkeeping. */
#include "testutil.h"
#include "media/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <re.h>

#define MOH    "/usr/share/asterisk/moh/macroform-cold_day.wav"
#define PROMPT "/usr/share/asterisk/sounds/en/queue-thankyou.wav"

static int group_setup(void **state)
{
	(void)state;
	if (libre_init())
		return -1;
	fd_setsize(4096);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

static struct media *new_media_pool(uint16_t lo, uint16_t hi, unsigned pool_max, unsigned quiet_ms)
{
	struct media_config cfg;
	media_config_default(&cfg);
	cfg.port_min = lo;
	cfg.port_max = hi;
	cfg.pool_max = pool_max;
	cfg.pool_quiet_ms = quiet_ms;
	struct media *m = NULL;
	assert_int_equal(media_alloc(&m, &cfg), 0);
	return m;
}

static struct media *new_media(uint16_t lo, uint16_t hi)
{
	struct media_config cfg;
	media_config_default(&cfg);
	cfg.port_min = lo;
	cfg.port_max = hi;
	struct media *m = NULL;
	assert_int_equal(media_alloc(&m, &cfg), 0);
	return m;
}

static void test_config(void **state)
{
	(void)state;
	struct media_config cfg;
	struct media *m = NULL;
	media_config_default(&cfg);
	assert_string_equal(cfg.addr, "127.0.0.1");
	cfg.addr = "not-an-address";
	assert_int_equal(media_alloc(&m, &cfg), EINVAL);
	media_config_default(&cfg);
	cfg.port_min = 20000;
	cfg.port_max = 20000;
	assert_int_equal(media_alloc(&m, &cfg), EINVAL);
	cfg.port_max = 20001; /* an even port needs its odd partner inside the range */
	assert_int_equal(media_alloc(&m, &cfg), EINVAL);
	media_config_default(&cfg);
	cfg.addr = "0.0.0.0"; /* a wildcard bind needs an address for SDP */
	assert_int_equal(media_alloc(&m, &cfg), EINVAL);
	cfg.sdp_addr = "::1"; /* of the same family */
	assert_int_equal(media_alloc(&m, &cfg), EINVAL);
	cfg.sdp_addr = "192.0.2.7";
	assert_int_equal(media_alloc(&m, &cfg), 0);
	struct media_leg *l;
	assert_int_equal(media_leg_alloc(&l, m), 0);
	char buf[512];
	size_t len;
	assert_int_equal(media_leg_sdp_offer(l, buf, sizeof(buf), &len), 0);
	assert_non_null(strstr(buf, "c=IN IP4 192.0.2.7\r\n"));
	media_free(m); /* frees the leg too */
}

static void test_ports(void **state)
{
	(void)state;
	/* [31001, 31008): even ports 31002, 31004, 31006 (31008 would need 31009);
	 * no pool: a freed leg's sockets are closed at once */
	struct media *m = new_media_pool(31001, 31008, 0, 0);
	struct media_leg *l[4];
	assert_int_equal(media_leg_alloc(&l[0], m), 0);
	assert_int_equal(media_leg_alloc(&l[1], m), 0);
	assert_int_equal(media_leg_alloc(&l[2], m), 0);
	assert_int_equal(media_leg_port(l[0]), 31002);
	assert_int_equal(media_leg_port(l[1]), 31004);
	assert_int_equal(media_leg_port(l[2]), 31006);
	assert_int_equal(media_leg_alloc(&l[3], m), EADDRINUSE);
	/* a freed port comes back only after the others were offered (round robin) */
	media_leg_free(l[0]);
	assert_int_equal(media_leg_alloc(&l[0], m), 0);
	assert_int_equal(media_leg_port(l[0]), 31002);
	media_leg_free(l[1]);
	media_leg_free(l[2]);
	assert_int_equal(media_leg_alloc(&l[1], m), 0);
	assert_int_equal(media_leg_port(l[1]), 31004);
	assert_int_equal(media_leg_alloc(&l[2], m), 0);
	assert_int_equal(media_leg_port(l[2]), 31006);
	/* a port some other socket holds is skipped */
	media_leg_free(l[0]);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sa a;
	sa_set_str(&a, "127.0.0.1", 31003); /* the RTCP half of 31002 */
	assert_int_equal(bind(fd, &a.u.sa, a.len), 0);
	assert_int_equal(media_leg_alloc(&l[0], m), EADDRINUSE);
	close(fd);
	assert_int_equal(media_leg_alloc(&l[0], m), 0);
	struct media_stats st;
	media_stats(m, &st);
	assert_int_equal(st.legs, 3);
	media_leg_free(l[0]);
	media_leg_free(l[1]);
	media_leg_free(l[2]);
	media_free(m);
}

/* Whether a UDP port of 127.0.0.1 is free (binds it for a moment). */
static bool port_free(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sa a;
	sa_set_str(&a, "127.0.0.1", port);
	bool ok = bind(fd, &a.u.sa, a.len) == 0;
	close(fd);
	return ok;
}

static void test_pool(void **state)
{
	(void)state;
	/* [31011, 31016): pairs 31012 and 31014 */
	struct media *m = new_media_pool(31011, 31016, 8, 0);
	struct media_leg *a, *b, *c;
	assert_int_equal(media_leg_alloc(&a, m), 0);
	assert_int_equal(media_leg_port(a), 31012);
	media_leg_free(a);
	/* the idle pair keeps its ports bound, and the next leg takes it (quiet at once) */
	assert_false(port_free(31012));
	assert_false(port_free(31013));
	assert_int_equal(media_leg_alloc(&b, m), 0);
	assert_int_equal(media_leg_port(b), 31012);
	assert_true(port_free(31014));
	/* a leg's stats start afresh on a reused pair */
	struct media_leg_stats st;
	media_leg_stats(b, &st);
	assert_int_equal(st.rx_packets, 0);
	assert_false(st.latched);
	media_leg_free(b);
	media_free(m); /* closes the idle pairs */
	assert_true(port_free(31012));
	assert_true(port_free(31013));

	/* quiet for a minute: a new port while one is free, the idle pair only when none is */
	m = new_media_pool(31011, 31016, 8, 60000);
	assert_int_equal(media_leg_alloc(&a, m), 0);
	assert_int_equal(media_leg_port(a), 31012);
	media_leg_free(a);
	assert_int_equal(media_leg_alloc(&b, m), 0);
	assert_int_equal(media_leg_port(b), 31014);
	assert_int_equal(media_leg_alloc(&c, m), 0);
	assert_int_equal(media_leg_port(c), 31012);
	assert_int_equal(media_leg_alloc(&a, m), EADDRINUSE);
	media_leg_free(b);
	media_leg_free(c);
	media_free(m);

	/* idle longer than pool_idle_max_ms: closed when the next pair is taken or returned */
	struct media_config cfg;
	media_config_default(&cfg);
	cfg.port_min = 31011;
	cfg.port_max = 31016;
	cfg.pool_quiet_ms = 0;
	cfg.pool_idle_max_ms = 30;
	assert_int_equal(media_alloc(&m, &cfg), 0);
	assert_int_equal(media_leg_alloc(&a, m), 0);
	assert_int_equal(media_leg_alloc(&b, m), 0);
	media_leg_free(a); /* 31012 idle */
	assert_false(port_free(31012));
	usleep(60 * 1000);
	media_leg_free(b); /* 31012 is closed; 31014 goes idle */
	assert_true(port_free(31012));
	assert_true(port_free(31013));
	assert_false(port_free(31014));
	usleep(60 * 1000);
	assert_int_equal(media_leg_alloc(&a, m), 0); /* 31014 too old to keep: a fresh bind */
	assert_true(media_leg_port(a) == 31012 || media_leg_port(a) == 31014);
	assert_true(port_free(media_leg_port(a) == 31012 ? 31014 : 31012));
	media_leg_free(a);
	media_free(m);

	/* the pairs of ours (on calls, in the pool) are passed over without a bind: with the
	 * pool holding a pair not quiet yet, a free port 18 pairs on is still found (trying
	 * each port in turn gave up after 16 in use and took the pool's pair) */
	{
		struct media_leg *l[19]; /* [31101, 31141): 19 pairs, 31102 .. 31138 */
		m = new_media_pool(31101, 31141, 1, 60000);
		for (int i = 0; i < 19; i++) {
			assert_int_equal(media_leg_alloc(&l[i], m), 0);
			assert_int_equal(media_leg_port(l[i]), 31102 + 2 * i);
		}
		media_leg_free(l[0]);  /* to the pool (not quiet for a minute) */
		media_leg_free(l[18]); /* the pool is full: closed */
		assert_true(port_free(31138));
		assert_int_equal(media_leg_alloc(&l[18], m), 0);
		assert_int_equal(media_leg_port(l[18]), 31138);
		/* every pair ours now: the pool's pair, without a bind */
		assert_int_equal(media_leg_alloc(&l[0], m), 0);
		assert_int_equal(media_leg_port(l[0]), 31102);
		assert_int_equal(media_leg_alloc(&a, m), EADDRINUSE);
		for (int i = 0; i < 19; i++)
			media_leg_free(l[i]);
		media_free(m);
		for (int p = 31102; p < 31140; p++)
			assert_true(port_free((uint16_t)p));
	}

	/* a full pool closes what it cannot keep */
	m = new_media_pool(31011, 31016, 1, 0);
	assert_int_equal(media_leg_alloc(&a, m), 0);
	assert_int_equal(media_leg_alloc(&b, m), 0);
	media_leg_free(a); /* kept */
	media_leg_free(b); /* closed */
	assert_false(port_free(31012));
	assert_true(port_free(31014));
	assert_true(port_free(31015));
	media_free(m);
}

#define OFFER_FMT                                                                                  \
	"v=0\r\n"                                                                                  \
	"o=- 1 1 IN IP4 10.0.0.1\r\n"                                                              \
	"s=-\r\n"                                                                                  \
	"c=IN IP4 %s\r\n"                                                                          \
	"t=0 0\r\n"                                                                                \
	"m=audio %u RTP/AVP %s\r\n"                                                                \
	"%s"

static size_t make_offer(char *buf, size_t size, const char *ip, unsigned port, const char *pts,
			 const char *attrs)
{
	int n = snprintf(buf, size, OFFER_FMT, ip, port, pts, attrs);
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

/* The payload types on our answer's m= line. */
static void mline(const char *sdp, char *out, size_t size)
{
	const char *p = strstr(sdp, "m=audio ");
	assert_non_null(p);
	p = strstr(p, "RTP/AVP ");
	assert_non_null(p);
	p += 8;
	size_t n = strcspn(p, "\r\n");
	assert_true(n < size);
	memcpy(out, p, n);
	out[n] = '\0';
}

static void test_answer_codec_choice(void **state)
{
	(void)state;
	struct media *m = new_media(31100, 31200);
	struct media_leg *l;
	char offer[1024], ans[512], pts[64];
	size_t olen, alen;
	assert_int_equal(media_leg_alloc(&l, m), 0);
	assert_int_equal(media_leg_codec(l), MEDIA_CODEC_NONE);

	/* offerer prefers A-law; we prefer u-law and answer with it alone (+ its event PT 96) */
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "8 0 96",
			  "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n");
	assert_int_equal(media_leg_sdp_answer(l, offer, olen, ans, sizeof(ans), &alen), 0);
	assert_int_equal(alen, strlen(ans));
	mline(ans, pts, sizeof(pts));
	assert_string_equal(pts, "0 96");
	assert_non_null(strstr(ans, "a=rtpmap:96 telephone-event/8000"));
	assert_non_null(strstr(ans, "a=sendrecv"));
	assert_non_null(strstr(ans, "a=ptime:20"));
	char mport[32];
	snprintf(mport, sizeof(mport), "m=audio %u ", media_leg_port(l));
	assert_non_null(strstr(ans, mport));
	assert_non_null(strstr(ans, "c=IN IP4 127.0.0.1"));
	assert_int_equal(media_leg_codec(l), MEDIA_PCMU);
	media_leg_free(l);

	/* A-law only: A-law; no telephone-event offered, none answered */
	assert_int_equal(media_leg_alloc(&l, m), 0);
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "8", "");
	assert_int_equal(media_leg_sdp_answer(l, offer, olen, ans, sizeof(ans), &alen), 0);
	mline(ans, pts, sizeof(pts));
	assert_string_equal(pts, "8");
	assert_null(strstr(ans, "telephone-event"));
	assert_int_equal(media_leg_codec(l), MEDIA_PCMA);
	media_leg_free(l);

	/* a leg told to prefer A-law takes it when offered */
	assert_int_equal(media_leg_alloc(&l, m), 0);
	media_leg_prefer(l, MEDIA_PCMA);
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "0 8 101",
			  "a=rtpmap:101 telephone-event/8000\r\n");
	assert_int_equal(media_leg_sdp_answer(l, offer, olen, ans, sizeof(ans), &alen), 0);
	mline(ans, pts, sizeof(pts));
	assert_string_equal(pts, "8 101");
	assert_int_equal(media_leg_codec(l), MEDIA_PCMA);
	media_leg_free(l);

	/* static types named by rtpmap, dynamic G.711 numbering is not ours */
	assert_int_equal(media_leg_alloc(&l, m), 0);
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "18 0",
			  "a=rtpmap:18 G729/8000\r\na=rtpmap:0 PCMU/8000\r\n");
	assert_int_equal(media_leg_sdp_answer(l, offer, olen, ans, sizeof(ans), &alen), 0);
	mline(ans, pts, sizeof(pts));
	assert_string_equal(pts, "0");
	media_leg_free(l);
	media_free(m);
}

static void test_answer_refusals(void **state)
{
	(void)state;
	struct media *m = new_media(31200, 31300);
	struct media_leg *l;
	char offer[1024], ans[512];
	size_t olen, alen = 12345;
	assert_int_equal(media_leg_alloc(&l, m), 0);
	/* nothing we speak: 488, and the leg is untouched */
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "18 9", "");
	assert_int_equal(media_leg_sdp_answer(l, offer, olen, ans, sizeof(ans), &alen), EPROTO);
	assert_int_equal(media_leg_codec(l), MEDIA_CODEC_NONE);
	assert_int_equal(alen, 12345);
	/* no audio line at all */
	const char *video =
	    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
	    "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
	assert_int_equal(media_leg_sdp_answer(l, video, strlen(video), ans, sizeof(ans), &alen),
			 EPROTO);
	/* audio refused by the offerer (port 0) */
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 0, "0", "");
	assert_int_equal(media_leg_sdp_answer(l, offer, olen, ans, sizeof(ans), &alen), EPROTO);
	/* not SDP */
	const char *junk = "hello\r\nm=audio\r\n";
	assert_int_equal(media_leg_sdp_answer(l, junk, strlen(junk), ans, sizeof(ans), &alen),
			 EBADMSG);
	/* our answer does not fit */
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "0", "");
	assert_int_equal(media_leg_sdp_answer(l, offer, olen, ans, 40, &alen), EMSGSIZE);
	/* and then a good offer still works */
	assert_int_equal(media_leg_sdp_answer(l, offer, olen, ans, sizeof(ans), &alen), 0);
	assert_int_equal(media_leg_codec(l), MEDIA_PCMU);
	/* an answer without an offer of ours */
	assert_int_equal(media_leg_sdp_answer_in(l, offer, olen), EINVAL);
	media_leg_free(l);
	media_free(m);
}

static void test_answer_video_first(void **state)
{
	(void)state;
	struct media *m = new_media(31300, 31400);
	struct media_leg *l;
	char ans[512];
	size_t alen;
	const char *offer =
	    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
	    "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
	    "m=audio 4000 RTP/AVP 0 8\r\n";
	assert_int_equal(media_leg_alloc(&l, m), 0);
	assert_int_equal(media_leg_sdp_answer(l, offer, strlen(offer), ans, sizeof(ans), &alen), 0);
	/* the answer has the offer's lines in its order, video refused */
	const char *v = strstr(ans, "m=video 0 ");
	const char *a = strstr(ans, "m=audio ");
	assert_non_null(v);
	assert_non_null(a);
	assert_true(v < a);
	assert_null(strstr(a, "m=audio 0 "));
	assert_int_equal(media_leg_codec(l), MEDIA_PCMU);
	media_leg_free(l);
	media_free(m);
}

static unsigned long long sdp_version(const char *sdp, unsigned long long *id)
{
	unsigned long long i = 0, v = 0;
	const char *o = strstr(sdp, "o=- ");
	assert_non_null(o);
	assert_int_equal(sscanf(o, "o=- %llu %llu ", &i, &v), 2);
	*id = i;
	return v;
}

static void test_reoffer_hold(void **state)
{
	(void)state;
	struct media *m = new_media(31400, 31500);
	struct media_leg *l;
	char offer[1024], ans[512];
	size_t olen, alen;
	bool hold = true;
	unsigned long long id0, id, v0, v;
	assert_int_equal(media_leg_alloc(&l, m), 0);
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "8 0", "");
	assert_int_equal(media_leg_sdp_reoffer(l, offer, olen, ans, sizeof(ans), &alen, &hold), 0);
	assert_false(hold);
	v0 = sdp_version(ans, &id0);

	/* hold: sendonly; we answer recvonly */
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "8 0", "a=sendonly\r\n");
	assert_int_equal(media_leg_sdp_reoffer(l, offer, olen, ans, sizeof(ans), &alen, &hold), 0);
	assert_true(hold);
	assert_non_null(strstr(ans, "a=recvonly"));
	v = sdp_version(ans, &id);
	assert_true(id == id0 && v > v0); /* one session for the dialog, version grows */
	/* the codec stays u-law although the offerer lists A-law first */
	assert_int_equal(media_leg_codec(l), MEDIA_PCMU);

	/* resume */
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "8 0", "a=sendrecv\r\n");
	assert_int_equal(media_leg_sdp_reoffer(l, offer, olen, ans, sizeof(ans), &alen, &hold), 0);
	assert_false(hold);
	assert_non_null(strstr(ans, "a=sendrecv"));

	/* hold: inactive */
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "0", "a=inactive\r\n");
	assert_int_equal(media_leg_sdp_reoffer(l, offer, olen, ans, sizeof(ans), &alen, &hold), 0);
	assert_true(hold);
	assert_non_null(strstr(ans, "a=inactive"));

	/* hold, RFC 2543 style: connection address 0.0.0.0 */
	olen = make_offer(offer, sizeof(offer), "0.0.0.0", 4000, "0", "");
	assert_int_equal(media_leg_sdp_reoffer(l, offer, olen, ans, sizeof(ans), &alen, &hold), 0);
	assert_true(hold);

	/* recvonly from them is not a hold (they still want to hear us) */
	olen = make_offer(offer, sizeof(offer), "10.0.0.1", 4000, "0", "a=recvonly\r\n");
	assert_int_equal(media_leg_sdp_reoffer(l, offer, olen, ans, sizeof(ans), &alen, &hold), 0);
	assert_false(hold);
	assert_non_null(strstr(ans, "a=sendonly"));

	/* u-law withdrawn: the codec moves to A-law */
	olen = make_offer(offer, sizeof(offer), "10.0.0.2", 4002, "8", "");
	assert_int_equal(media_leg_sdp_reoffer(l, offer, olen, ans, sizeof(ans), &alen, &hold), 0);
	assert_int_equal(media_leg_codec(l), MEDIA_PCMA);
	/* a refused re-offer leaves everything as it was */
	olen = make_offer(offer, sizeof(offer), "10.0.0.2", 4002, "18", "");
	assert_int_equal(media_leg_sdp_reoffer(l, offer, olen, ans, sizeof(ans), &alen, &hold),
			 EPROTO);
	assert_int_equal(media_leg_codec(l), MEDIA_PCMA);
	media_leg_free(l);
	media_free(m);
}

static void test_offer_answer_in(void **state)
{
	(void)state;
	struct media *m = new_media(31500, 31600);
	struct media_leg *l;
	char off[512], ans[1024], pts[64];
	size_t olen, alen;
	assert_int_equal(media_leg_alloc(&l, m), 0);
	assert_int_equal(media_leg_sdp_offer(l, off, sizeof(off), &olen), 0);
	mline(off, pts, sizeof(pts));
	assert_string_equal(pts, "0 8 101");
	assert_non_null(strstr(off, "a=rtpmap:101 telephone-event/8000"));
	assert_non_null(strstr(off, "a=fmtp:101 0-15"));
	assert_int_equal(media_leg_sdp_offer(l, off, 10, &olen), EMSGSIZE);
	/* the phone answers A-law and telephone-event */
	alen = make_offer(ans, sizeof(ans), "10.0.0.9", 6000, "8 101",
			  "a=rtpmap:101 telephone-event/8000\r\n");
	assert_int_equal(media_leg_sdp_answer_in(l, ans, alen), 0);
	assert_int_equal(media_leg_codec(l), MEDIA_PCMA);
	/* a second answer to the same offer is refused */
	assert_int_equal(media_leg_sdp_answer_in(l, ans, alen), EINVAL);
	media_leg_free(l);

	/* an agent leg that should match a caller on A-law offers A-law first */
	assert_int_equal(media_leg_alloc(&l, m), 0);
	media_leg_prefer(l, MEDIA_PCMA);
	assert_int_equal(media_leg_sdp_offer(l, off, sizeof(off), &olen), 0);
	mline(off, pts, sizeof(pts));
	assert_string_equal(pts, "8 0 101");
	/* an answer with nothing we offered */
	alen = make_offer(ans, sizeof(ans), "10.0.0.9", 6000, "18", "");
	assert_int_equal(media_leg_sdp_answer_in(l, ans, alen), EPROTO);
	media_leg_free(l);
	media_free(m);
}

static void noop_done(void *arg)
{
	(void)arg;
}

static void test_sources_and_hearing(void **state)
{
	(void)state;
	struct media *m = new_media(31600, 31700);
	struct media_source *s = NULL;
	const char *moh[] = {MOH};
	const char *missing[] = {"/nonexistent/moh.wav"};
	const char *mixed[] = {MOH, "/nonexistent/moh.wav"};
	assert_int_equal(media_source_open(&s, m, missing, 1, true), ENOENT);
	assert_int_equal(media_source_open(&s, m, mixed, 2, true), ENOENT);
	assert_int_equal(media_source_open(&s, m, moh, 0, true), EINVAL);

	/* a WAV at 16 kHz is refused */
	char path[] = "/tmp/sb_media_test_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const uint8_t hdr[44] = {'R', 'I', 'F',	 'F',  36 + 64, 0,   0,	  0,	'W', 'A', 'V',
				 'E', 'f', 'm',	 't',  ' ',	16,  0,	  0,	0,   1,	  0,
				 1,   0,   0x80, 0x3e, 0,	0,   0,	  0x7d, 0,   0,	  2,
				 0,   16,  0,	 'd',  'a',	't', 'a', 64,	0,   0,	  0};
	uint8_t data[64] = {0};
	assert_int_equal(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	close(fd);
	const char *wide[] = {path};
	assert_int_equal(media_source_open(&s, m, wide, 1, true), EINVAL);
	unlink(path);

	assert_int_equal(media_source_open(&s, m, moh, 1, true), 0);
	struct media_leg *a, *b, *c;
	assert_int_equal(media_leg_alloc(&a, m), 0);
	assert_int_equal(media_leg_alloc(&b, m), 0);
	assert_int_equal(media_leg_alloc(&c, m), 0);
	struct media_stats st;
	assert_int_equal(media_play(a, s), 0);
	assert_int_equal(media_play(a, s), 0); /* no change */
	assert_int_equal(media_play(b, s), 0);
	media_stats(m, &st);
	assert_int_equal(st.players, 2);
	assert_int_equal(st.sources, 1);
	/* bridging stops both players */
	assert_int_equal(media_bridge(a, b), 0);
	media_stats(m, &st);
	assert_int_equal(st.players, 0);
	assert_int_equal(st.bridges, 1);
	assert_int_equal(media_bridge(a, a), EINVAL);
	/* re-bridging a to c leaves b hearing nothing */
	assert_int_equal(media_bridge(a, c), 0);
	media_stats(m, &st);
	assert_int_equal(st.bridges, 1);
	/* a prompt on c ends that bridge */
	assert_int_equal(media_play_once(c, PROMPT, noop_done, NULL), 0);
	assert_int_equal(media_play_once(c, "/nonexistent.wav", noop_done, NULL), ENOENT);
	media_stats(m, &st);
	assert_int_equal(st.bridges, 0);
	assert_int_equal(st.players, 1); /* the failed prompt left the first one playing */
	assert_int_equal(media_play(b, s), 0);
	/* closing the source silences its listeners */
	media_source_close(s);
	media_stats(m, &st);
	assert_int_equal(st.players, 1);
	assert_int_equal(st.sources, 0);
	media_stop(c);
	media_stats(m, &st);
	assert_int_equal(st.players, 0);
	media_unbridge(a); /* not bridged: nothing happens */
	media_leg_free(a);
	media_leg_free(b);
	/* a leg left allocated is freed with the media */
	(void)c;
	media_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_config),
	    TEST(test_ports),
	    TEST(test_pool),
	    TEST(test_answer_codec_choice),
	    TEST(test_answer_refusals),
	    TEST(test_answer_video_first),
	    TEST(test_reoffer_hold),
	    TEST(test_offer_answer_in),
	    TEST(test_sources_and_hearing),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
