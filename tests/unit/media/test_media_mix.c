/* test_media_mix: the mixer with real RTP over loopback: who hears whom (tones checked), talk
 * paths, joining and leaving. */
#include "testutil.h"
#include "media/media.h"
#include "media/media_mix.h"
#include "media/g711.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <re.h>

#define N 3

static const double freq[N] = {440, 1000, 1800};

/* One party: a UDP socket facing one leg, sending its tone. */
struct party {
	int fd;
	uint16_t port;
	struct media_leg *leg;
	uint16_t seq;
	uint32_t ts;
	int16_t heard[8000 * 2]; /* decoded samples received */
	size_t n;
};

static struct party pt[N];
static struct tmr tx_tmr, stop_tmr;

static int group_setup(void **state)
{
	(void)state;
	if (libre_init())
		return -1;
	fd_setsize(4096);
	mg711_init();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

static struct media *new_media(void)
{
	struct media_config cfg;
	media_config_default(&cfg);
	cfg.port_min = 31800; /* above test_media.c's ranges, below telx's free ports */
	cfg.port_max = 31900;
	struct media *m = NULL;
	assert_int_equal(media_alloc(&m, &cfg), 0);
	return m;
}

static void party_open(struct party *p, struct media *m)
{
	memset(p, 0, sizeof(*p));
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(p->fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(p->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	getsockname(p->fd, (struct sockaddr *)&a, &len);
	p->port = ntohs(a.sin_port);
	assert_int_equal(media_leg_alloc(&p->leg, m), 0);
	char offer[256], ans[512];
	size_t alen;
	snprintf(offer, sizeof(offer),
		 "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
		 p->port);
	assert_int_equal(
	    media_leg_sdp_answer(p->leg, offer, strlen(offer), ans, sizeof(ans), &alen), 0);
}

static void party_send(struct party *p, double f)
{
	uint8_t pkt[12 + 160];
	pkt[0] = 0x80;
	pkt[1] = 0;
	pkt[2] = (uint8_t)(p->seq >> 8);
	pkt[3] = (uint8_t)p->seq;
	for (int i = 0; i < 4; i++)
		pkt[4 + i] = (uint8_t)(p->ts >> (24 - 8 * i));
	memset(pkt + 8, 0x11, 4);
	pkt[11] = (uint8_t)(p - pt);
	int16_t pcm[160];
	for (int i = 0; i < 160; i++)
		pcm[i] = (int16_t)(8000 * sin(2 * M_PI * f * (double)(p->ts + (uint32_t)i) / 8000));
	mg711_encode(pkt + 12, pcm, 160, false);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(media_leg_port(p->leg)),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	sendto(p->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&a, sizeof(a));
	p->seq++;
	p->ts += 160;
}

static void party_drain(struct party *p)
{
	uint8_t buf[2048];
	ssize_t r;
	while ((r = recv(p->fd, buf, sizeof(buf), 0)) > 12) {
		for (ssize_t i = 12; i < r && p->n < sizeof(p->heard) / sizeof(p->heard[0]); i++)
			p->heard[p->n++] = mg711_decode(buf[i], false);
	}
}

static uint64_t tx_next; /* when the next packets are due (tmr_jiffies): no drift */

static void tx_h(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++)
		if (pt[i].leg)
			party_send(&pt[i], freq[i]);
	tx_next += 20;
	uint64_t now = tmr_jiffies();
	tmr_start(&tx_tmr, tx_next > now ? tx_next - now : 0, tx_h, NULL);
}

static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}

/* Runs the loop for ms, the parties talking; then what each heard is in pt[i].heard. */
static void talk(unsigned ms)
{
	for (int i = 0; i < N; i++)
		pt[i].n = 0;
	tx_next = tmr_jiffies();
	tmr_start(&tx_tmr, 0, tx_h, NULL);
	tmr_start(&stop_tmr, ms, stop_h, NULL);
	re_main(NULL);
	tmr_cancel(&tx_tmr);
	for (int i = 0; i < N; i++)
		party_drain(&pt[i]);
}

/* Power of f in what party i heard (after the first 100 ms), relative to the total. */
static double heard(int i, double f)
{
	const struct party *p = &pt[i];
	if (p->n < 1600)
		return 0;
	const int16_t *x = p->heard + 800;
	size_t n = p->n - 800;
	double k = 2 * cos(2 * M_PI * f / 8000), s1 = 0, s2 = 0, total = 0;
	for (size_t j = 0; j < n; j++) {
		double s0 = x[j] + k * s1 - s2;
		s2 = s1;
		s1 = s0;
		total += (double)x[j] * x[j];
	}
	double pw = s1 * s1 + s2 * s2 - k * s1 * s2;
	return total > 0 ? pw / (total * (double)n / 2) : 0;
}

static void test_everyone_hears_the_others(void **state)
{
	(void)state;
	struct media *m = new_media();
	for (int i = 0; i < N; i++)
		party_open(&pt[i], m);
	struct media_mix *x;
	assert_int_equal(media_mix_alloc(&x, m), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(media_mix_join(x, pt[i].leg), 0);
	assert_int_equal(media_mix_join(x, pt[0].leg), 0); /* again: no change */
	assert_int_equal(media_mix_count(x), 3);
	talk(600);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			double h = heard(i, freq[j]);
			if (i == j)
				assert_true(h < 0.05);
			else
				assert_true(h > 0.3); /* two tones: about half the power each */
		}
	/* party 2 listens silently: 0 and 1 no longer hear it; it still hears both */
	assert_int_equal(media_mix_path(x, pt[2].leg, pt[0].leg, false), 0);
	assert_int_equal(media_mix_path(x, pt[2].leg, pt[1].leg, false), 0);
	talk(600);
	assert_true(heard(0, freq[2]) < 0.05);
	assert_true(heard(1, freq[2]) < 0.05);
	assert_true(heard(0, freq[1]) > 0.8);
	assert_true(heard(1, freq[0]) > 0.8);
	assert_true(heard(2, freq[0]) > 0.3 && heard(2, freq[1]) > 0.3);
	/* a whisper to 1 */
	assert_int_equal(media_mix_path(x, pt[2].leg, pt[1].leg, true), 0);
	talk(600);
	assert_true(heard(1, freq[2]) > 0.3);
	assert_true(heard(0, freq[2]) < 0.05);
	/* party 2 hangs up: its leg leaves the mix; 0 and 1 go on */
	media_leg_free(pt[2].leg);
	pt[2].leg = NULL;
	assert_int_equal(media_mix_count(x), 2);
	talk(400);
	assert_true(heard(0, freq[1]) > 0.8);
	assert_true(heard(1, freq[0]) > 0.8);
	/* a bridge takes the legs out of the mix */
	assert_int_equal(media_bridge(pt[0].leg, pt[1].leg), 0);
	assert_int_equal(media_mix_count(x), 0);
	assert_false(media_mix_has(x, pt[0].leg));
	talk(300);
	assert_true(heard(0, freq[1]) > 0.8);
	media_mix_free(x);
	for (int i = 0; i < N; i++)
		close(pt[i].fd);
	media_free(m);
}

static void test_bookkeeping(void **state)
{
	(void)state;
	struct media *m = new_media();
	struct media *m2 = new_media();
	struct media_mix *x;
	struct media_leg *l[MEDIA_MIX_MAX + 1], *other;
	assert_int_equal(media_mix_alloc(NULL, m), EINVAL);
	assert_int_equal(media_mix_alloc(&x, m), 0);
	assert_int_equal(media_leg_alloc(&other, m2), 0);
	assert_int_equal(media_mix_join(x, other), EINVAL); /* another media */
	for (int i = 0; i <= MEDIA_MIX_MAX; i++)
		assert_int_equal(media_leg_alloc(&l[i], m), 0);
	for (int i = 0; i < MEDIA_MIX_MAX; i++)
		assert_int_equal(media_mix_join(x, l[i]), 0);
	assert_int_equal(media_mix_join(x, l[MEDIA_MIX_MAX]), ENOSPC);
	assert_int_equal(media_mix_path(x, l[0], l[0], false), EINVAL);
	assert_int_equal(media_mix_path(x, l[0], l[MEDIA_MIX_MAX], false), EINVAL);
	struct media_stats st;
	media_stats(m, &st);
	assert_int_equal(st.players, MEDIA_MIX_MAX);
	media_stop(l[3]); /* leaves; its place is free again */
	assert_int_equal(media_mix_count(x), MEDIA_MIX_MAX - 1);
	assert_int_equal(media_mix_join(x, l[MEDIA_MIX_MAX]), 0);
	media_mix_free(x); /* members hear nothing */
	media_stats(m, &st);
	assert_int_equal(st.players, 0);
	assert_int_equal(media_mix_count(NULL), 0);
	media_mix_free(NULL);
	media_free(m);
	media_free(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_everyone_hears_the_others),
	    TEST(test_bookkeeping),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
