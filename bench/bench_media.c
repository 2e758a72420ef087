/* bench_media: issue 5's media benchmarks: bridged calls relayed and music on hold to queued
 * callers, each against a reference. */
#include "media/media.h"
#include "media/g711.h"
#include "media/mclock.h"
#include "media/rtp.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <re.h>
#include <rem.h>

/*
 * bench_media [--secs S] [--pairs P] [--listeners N] [--rounds R] [--prio fifo|nice|none]
 *             [--only relay|moh] [--wait-idle S] [--daemon-cmd CMD]
 *
 * Relay: P caller/agent pairs (2P RTP streams, 50 packets/s each) sent by this
 * process from 2P UDP sockets at 20 spread phases (like real phones), through
 * a relay child process, back to the paired socket; arrivals carry kernel
 * timestamps (SO_TIMESTAMPNS). Ours: the real src/media (SDP answers, bridges,
 * latching, forwarding on receipt). Reference: a minimal plain-socket
 * forwarder (epoll, recvfrom, sendto to the partner's learnt address).
 *
 * Music on hold: N legs of a child process play one music source to a
 * receiving socket here. Ours: src/media's media clock (1 ms timerfd, 20
 * phase slots, one encode per 20 ms). Reference: the design we did not take,
 * one libre timer per stream (staggered starts, same shared frame).
 *
 * The children run at real-time priority SCHED_FIFO 50 when permitted (the
 * load generator / receiver at 40), else at nice -15 (--prio chooses). Each
 * run waits (up to --wait-idle seconds) for the shared machine to calm down
 * and reports how busy it was.
 *
 * With --daemon-cmd CMD (bench/bench_media_calls.py), the same load goes
 * through the real daemon instead: `sh -c "CMD MODE COUNT PRIO"` speaks the
 * children's protocol on stdin/stdout (mode relay-daemon: SIP calls bridged
 * through the daemon, returning its RTP ports; moh-daemon: queued callers).
 * References then: the same endpoints talking directly to each other (no
 * relay) and one libre timer per stream. Results: one JSON line per figure on stdout
 * (median over rounds, "range" = [min, max]); commentary on stderr.
 */

enum { PTIME_NS = 20000000, SLOTS = 20, PKT = MRTP_HDR + MRTP_FRAME, BATCH = 16 };

static const char *moh_file = "/usr/share/asterisk/moh/macroform-cold_day.wav";

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench_media: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static long arg_long(const char *s, long lo, long hi, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		die("bad %s: %s", what, s);
	return v;
}

/* "fifo": SCHED_FIFO at prio when permitted, else nice -15; "nice": nice -15; "none". */
static const char *set_prio(const char *mode, int prio)
{
	if (!strcmp(mode, "fifo")) {
		struct sched_param sp = {.sched_priority = prio};
		if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0)
			return "fifo";
		mode = "nice";
	}
	if (!strcmp(mode, "nice") && setpriority(PRIO_PROCESS, 0, -15) == 0)
		return "nice-15";
	return "none";
}

static void reset_prio(void)
{
	struct sched_param sp = {.sched_priority = 0};
	sched_setscheduler(0, SCHED_OTHER, &sp);
	setpriority(PRIO_PROCESS, 0, 0);
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int udp_socket(uint16_t port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind %u: %s", port, strerror(errno));
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

static uint16_t sock_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

static void read_line(FILE *f, char **buf, size_t *cap, const char *what)
{
	if (getline(buf, cap, f) < 0)
		die("child ended before '%s'", what);
}

/* The value of "key": in a flat JSON line (NAN when absent). */
static double jnum(const char *line, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* The music as u-law frames (for the generator's payload and the per-timer reference). */
static int16_t *music;
static size_t music_n;

static void music_load(void)
{
	struct aufile *af;
	struct aufile_prm prm;
	if (aufile_open(&af, &prm, moh_file, AUFILE_READ) || prm.srate != 8000 || prm.channels != 1)
		die("cannot read %s (Debian asterisk-moh-opsound-wav)", moh_file);
	size_t cap = 1 << 20;
	music = malloc(cap * sizeof(int16_t));
	for (;;) {
		if (music_n + 4096 > cap) {
			cap *= 2;
			music = realloc(music, cap * sizeof(int16_t));
		}
		size_t sz = 4096 * sizeof(int16_t);
		if (!music || aufile_read(af, (uint8_t *)(music + music_n), &sz) || !sz)
			break;
		music_n += sz / sizeof(int16_t);
	}
	mem_deref(af);
	if (!music || music_n < MRTP_FRAME)
		die("empty music");
}

static void music_frame(uint64_t period, uint8_t out[MRTP_FRAME])
{
	size_t frames = music_n / MRTP_FRAME;
	mg711_encode(out, music + (period % frames) * MRTP_FRAME, MRTP_FRAME, false);
}

/* ---------------------------------------------------------------- children */

static volatile sig_atomic_t stop_flag;

/* Lines on stdin while a child runs: "reset" (start of the measured window), "stop". */
static double cpu_mark;
static void (*child_stop)(void);
static void (*child_reset)(void);

static void child_stdin(int flags, void *arg)
{
	(void)flags;
	(void)arg;
	char buf[256];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf) - 1);
	if (n <= 0) {
		child_stop();
		return;
	}
	buf[n] = '\0';
	if (strstr(buf, "reset"))
		child_reset();
	if (strstr(buf, "stop"))
		child_stop();
}

/* --- relay through src/media --- */

static struct media *rm;
static struct media_leg **rlegs;
static int rn;

static void relay_media_reset(void)
{
	cpu_mark = cpu_s();
	media_stats_reset(rm);
}

static void relay_media_stop(void)
{
	double cpu = cpu_s() - cpu_mark;
	struct media_stats ms;
	media_stats(rm, &ms);
	uint64_t lost = 0, dropped = 0, errs = 0;
	for (int i = 0; i < rn; i++) {
		struct media_leg_stats st;
		media_leg_stats(rlegs[i], &st);
		lost += st.lost;
		dropped += st.dropped;
		errs += st.tx_errors;
	}
	printf("{\"cpu_s\":%.3f,\"rx\":%llu,\"relayed\":%llu,\"dropped\":%llu,\"lost_in\":%llu,"
	       "\"tx_errors\":%llu}\n",
	       cpu, (unsigned long long)ms.rx_packets, (unsigned long long)ms.relayed,
	       (unsigned long long)dropped, (unsigned long long)lost, (unsigned long long)errs);
	fflush(stdout);
	re_cancel();
}

static char *offer_for(uint16_t port, char *buf, size_t size, size_t *len)
{
	int n = snprintf(buf, size,
			 "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			 "m=audio %u RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
			 port);
	*len = (size_t)n;
	return buf;
}

static int relay_media_main(int pairs, const char *prio)
{
	const char *got = set_prio(prio, 50);
	raise_nofile();
	libre_init();
	fd_setsize(65536);
	struct media_config cfg;
	media_config_default(&cfg);
	cfg.port_min = 40000;
	cfg.port_max = (uint16_t)(40000 + 4 * pairs + 2000);
	if (media_alloc(&rm, &cfg))
		die("media_alloc");
	rn = 2 * pairs;
	rlegs = calloc((size_t)rn, sizeof(*rlegs));
	char *line = NULL;
	size_t cap = 0;
	read_line(stdin, &line, &cap, "offer");
	char *p = line + strlen("offer");
	char sdp[512], ans[1024];
	size_t len, alen;
	printf("ports");
	for (int i = 0; i < rn; i++) {
		uint16_t port = (uint16_t)strtol(p, &p, 10);
		int err = media_leg_alloc(&rlegs[i], rm);
		offer_for(port, sdp, sizeof(sdp), &len);
		if (!err)
			err = media_leg_sdp_answer(rlegs[i], sdp, len, ans, sizeof(ans), &alen);
		if (err)
			die("leg %d: %s", i, strerror(err));
		printf(" %u", media_leg_port(rlegs[i]));
		if (i & 1)
			media_bridge(rlegs[i - 1], rlegs[i]);
	}
	printf("\n");
	fflush(stdout);
	free(line);
	fprintf(stderr, "  relay child (src/media): %d legs bridged, priority %s\n", rn, got);
	child_stop = relay_media_stop;
	child_reset = relay_media_reset;
	fd_listen(STDIN_FILENO, FD_READ, child_stdin, NULL);
	cpu_mark = cpu_s();
	re_main(NULL);
	fd_close(STDIN_FILENO);
	for (int i = 0; i < rn; i++)
		media_leg_free(rlegs[i]);
	media_free(rm);
	libre_close();
	return 0;
}

/* --- reference relay: minimal plain-socket forwarder --- */

static int relay_plain_main(int pairs, const char *prio)
{
	const char *got = set_prio(prio, 50);
	raise_nofile();
	int n = 2 * pairs;
	int *fd = calloc((size_t)n, sizeof(int));
	struct sockaddr_in *peer = calloc((size_t)n, sizeof(*peer));
	bool *known = calloc((size_t)n, sizeof(bool));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	char *line = NULL;
	size_t cap = 0;
	read_line(stdin, &line, &cap, "offer");
	printf("ports");
	for (int i = 0; i < n; i++) {
		fd[i] = udp_socket(0, 256 * 1024);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev);
		printf(" %u", sock_port(fd[i]));
	}
	printf("\n");
	fflush(stdout);
	free(line);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
	epoll_ctl(ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev);
	fprintf(stderr, "  relay child (plain forwarder): %d sockets, priority %s\n", n, got);
	uint64_t rx = 0, fwd = 0;
	cpu_mark = cpu_s();
	for (;;) {
		struct epoll_event evs[256];
		int k = epoll_wait(ep, evs, 256, -1);
		for (int j = 0; j < k; j++) {
			uint32_t i = evs[j].data.u32;
			if (i == UINT32_MAX) {
				char buf[256];
				ssize_t r = read(STDIN_FILENO, buf, sizeof(buf) - 1);
				buf[r > 0 ? r : 0] = '\0';
				if (r > 0 && strstr(buf, "reset")) {
					cpu_mark = cpu_s();
					rx = fwd = 0;
				}
				if (r <= 0 || strstr(buf, "stop")) {
					printf("{\"cpu_s\":%.3f,\"rx\":%llu,\"relayed\":%llu}\n",
					       cpu_s() - cpu_mark, (unsigned long long)rx,
					       (unsigned long long)fwd);
					fflush(stdout);
					for (int f = 0; f < n; f++)
						close(fd[f]);
					close(ep);
					free(fd);
					free(peer);
					free(known);
					return 0;
				}
				continue;
			}
			uint8_t buf[2048];
			struct sockaddr_in src;
			socklen_t sl = sizeof(src);
			ssize_t r =
			    recvfrom(fd[i], buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl);
			if (r <= 0)
				continue;
			rx++;
			if (!known[i]) {
				peer[i] = src;
				known[i] = true;
			}
			uint32_t o = i ^ 1;
			if (known[o] && sendto(fd[o], buf, (size_t)r, 0,
					       (struct sockaddr *)&peer[o], sizeof(peer[o])) == r)
				fwd++;
		}
	}
}

/* --- reference for the daemon run: the endpoints talk to each other directly --- */

static int relay_direct_main(int pairs)
{
	char *line = NULL;
	size_t cap = 0;
	read_line(stdin, &line, &cap, "offer");
	int n = 2 * pairs;
	long *port = calloc((size_t)n, sizeof(long));
	char *p = line + strlen("offer");
	for (int i = 0; i < n; i++)
		port[i] = strtol(p, &p, 10);
	printf("ports");
	for (int i = 0; i < n; i++)
		printf(" %ld", port[i ^ 1]);
	printf("\n");
	fflush(stdout);
	fprintf(stderr, "  relay child (none: endpoints connected to each other): %d endpoints\n",
		n);
	while (getline(&line, &cap, stdin) >= 0 && !strstr(line, "stop"))
		;
	printf("{\"cpu_s\":0,\"rx\":0,\"relayed\":0}\n");
	fflush(stdout);
	free(line);
	free(port);
	return 0;
}

/* --- music on hold through src/media --- */

static struct media *mohm;
static struct media_leg **mlegs;
static int mn;

static void moh_media_reset(void)
{
	cpu_mark = cpu_s();
	media_stats_reset(mohm);
}

static void moh_media_stop(void)
{
	double cpu = cpu_s() - cpu_mark;
	struct media_stats ms;
	media_stats(mohm, &ms);
	printf("{\"cpu_s\":%.3f,\"late_p50_ms\":%.3f,\"late_p99_ms\":%.3f,\"late_max_ms\":%.3f,"
	       "\"packets\":%llu,\"skipped\":%llu}\n",
	       cpu, ms.clock_late_p50_ms, ms.clock_late_p99_ms, ms.clock_late_max_ms,
	       (unsigned long long)ms.clock_packets, (unsigned long long)ms.clock_skipped);
	fflush(stdout);
	re_cancel();
}

static int moh_media_main(int n, const char *prio)
{
	const char *got = set_prio(prio, 50);
	raise_nofile();
	libre_init();
	fd_setsize(65536);
	struct media_config cfg;
	media_config_default(&cfg);
	cfg.port_min = 46000;
	cfg.port_max = (uint16_t)(46000 + 2 * n + 2000);
	if (media_alloc(&mohm, &cfg))
		die("media_alloc");
	struct media_source *src;
	const char *files[] = {moh_file};
	if (media_source_open(&src, mohm, files, 1, true))
		die("media_source_open %s", moh_file);
	char *line = NULL;
	size_t cap = 0;
	read_line(stdin, &line, &cap, "dst");
	uint16_t port = (uint16_t)strtol(line + 4, NULL, 10);
	mn = n;
	mlegs = calloc((size_t)n, sizeof(*mlegs));
	char sdp[512], ans[1024];
	size_t len, alen;
	for (int i = 0; i < n; i++) {
		int err = media_leg_alloc(&mlegs[i], mohm);
		offer_for(port, sdp, sizeof(sdp), &len);
		if (!err)
			err = media_leg_sdp_answer(mlegs[i], sdp, len, ans, sizeof(ans), &alen);
		if (err)
			die("leg %d: %s", i, strerror(err));
	}
	printf("ready");
	for (int i = 0; i < n; i++) {
		media_play(mlegs[i], src);
		printf(" %u", media_leg_port(mlegs[i]));
	}
	printf("\n");
	fflush(stdout);
	free(line);
	fprintf(stderr, "  moh child (src/media clock): %d listeners, priority %s\n", n, got);
	child_stop = moh_media_stop;
	child_reset = moh_media_reset;
	fd_listen(STDIN_FILENO, FD_READ, child_stdin, NULL);
	cpu_mark = cpu_s();
	re_main(NULL);
	fd_close(STDIN_FILENO);
	media_free(mohm); /* legs and source too */
	libre_close();
	return 0;
}

/* --- reference: one libre timer per stream --- */

struct pstream {
	int fd;
	uint16_t seq;
	uint32_t ts, ssrc;
	int64_t deadline; /* CLOCK_MONOTONIC */
	struct tmr tmr;
};

static struct pstream *ps;
static int pn;
static int64_t p_t0;
static struct mhist *p_late;
static uint64_t p_period = UINT64_MAX, p_packets;
static uint8_t p_frame[MRTP_FRAME];

static void pertimer_send(struct pstream *s)
{
	uint64_t period = (uint64_t)((s->deadline - p_t0) / PTIME_NS);
	if (period != p_period) { /* the shared frame, encoded once per 20 ms */
		music_frame(period, p_frame);
		p_period = period;
	}
	uint8_t pkt[PKT];
	int64_t now = now_ns(CLOCK_MONOTONIC);
	mrtp_build(pkt, 0, false, s->seq++, s->ts, s->ssrc);
	s->ts += MRTP_FRAME;
	memcpy(pkt + MRTP_HDR, p_frame, MRTP_FRAME);
	mhist_add(p_late, (now - s->deadline) / 1000);
	if (send(s->fd, pkt, sizeof(pkt), 0) == (ssize_t)sizeof(pkt))
		p_packets++;
}

/* Anything the far end sends (a daemon must read its RTP sockets): drained. */
static void pertimer_rx(int flags, void *arg)
{
	(void)flags;
	struct pstream *s = arg;
	uint8_t buf[2048];
	while (recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void pertimer_h(void *arg)
{
	struct pstream *s = arg;
	int64_t now = now_ns(CLOCK_MONOTONIC);
	while (s->deadline <= now) {
		pertimer_send(s);
		s->deadline += PTIME_NS;
	}
	int64_t next = s->deadline - now_ns(CLOCK_MONOTONIC);
	tmr_start(&s->tmr, next > 0 ? (uint64_t)((next + 999999) / 1000000) : 0, pertimer_h, s);
}

static void pertimer_reset(void)
{
	cpu_mark = cpu_s();
	mhist_reset(p_late);
}

static void pertimer_stop(void)
{
	printf("{\"cpu_s\":%.3f,\"late_p50_ms\":%.3f,\"late_p99_ms\":%.3f,\"late_max_ms\":%.3f,"
	       "\"packets\":%llu,\"skipped\":0}\n",
	       cpu_s() - cpu_mark, (double)mhist_pct(p_late, 0.5) / 1000.0,
	       (double)mhist_pct(p_late, 0.99) / 1000.0, (double)p_late->max_us / 1000.0,
	       (unsigned long long)p_late->n);
	fflush(stdout);
	re_cancel();
}

static int moh_pertimer_main(int n, const char *prio)
{
	const char *got = set_prio(prio, 50);
	raise_nofile();
	libre_init();
	fd_setsize(65536);
	mg711_init();
	music_load();
	p_late = calloc(1, sizeof(*p_late));
	char *line = NULL;
	size_t cap = 0;
	read_line(stdin, &line, &cap, "dst");
	uint16_t port = (uint16_t)strtol(line + 4, NULL, 10);
	free(line);
	pn = n;
	ps = calloc((size_t)n, sizeof(*ps));
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port)};
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p_t0 = now_ns(CLOCK_MONOTONIC) + 100000000LL;
	for (int i = 0; i < n; i++) {
		ps[i].fd = udp_socket(0, 256 * 1024);
		if (connect(ps[i].fd, (struct sockaddr *)&dst, sizeof(dst)))
			die("connect: %s", strerror(errno));
		if (fd_listen(ps[i].fd, FD_READ, pertimer_rx, &ps[i]))
			die("fd_listen");
		ps[i].ssrc = rand_u32();
		ps[i].seq = rand_u16();
		ps[i].ts = rand_u32();
		tmr_init(&ps[i].tmr);
		/* callers arrive at random times: starts spread over one packet time */
		ps[i].deadline = p_t0 + (int64_t)i * PTIME_NS / n;
		tmr_start(&ps[i].tmr, 100 + (uint64_t)i * 20 / (uint64_t)n, pertimer_h, &ps[i]);
	}
	printf("ready");
	for (int i = 0; i < n; i++)
		printf(" %u", sock_port(ps[i].fd));
	printf("\n");
	fflush(stdout);
	fprintf(stderr, "  moh child (one libre timer per stream): %d streams, priority %s\n", n,
		got);
	child_stop = pertimer_stop;
	child_reset = pertimer_reset;
	fd_listen(STDIN_FILENO, FD_READ, child_stdin, NULL);
	cpu_mark = cpu_s();
	re_main(NULL);
	fd_close(STDIN_FILENO);
	for (int i = 0; i < n; i++) {
		tmr_cancel(&ps[i].tmr);
		fd_close(ps[i].fd);
		close(ps[i].fd);
	}
	libre_close();
	return 0;
}

/* ---------------------------------------------------------------- the parent */

struct child {
	pid_t pid;
	FILE *in, *out; /* its stdin (we write), its stdout (we read) */
};

static char self_exe[4096];
static const char *daemon_cmd; /* --daemon-cmd: runs the *-daemon children */

static void spawn(struct child *c, const char *mode, int count, const char *prio)
{
	int to[2], from[2];
	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		die("pipe");
	c->pid = fork();
	if (c->pid < 0)
		die("fork");
	if (c->pid == 0) {
		dup2(to[0], STDIN_FILENO);
		dup2(from[1], STDOUT_FILENO);
		char n[32];
		snprintf(n, sizeof(n), "%d", count);
		if (strstr(mode, "-daemon")) {
			char cmd[8192];
			snprintf(cmd, sizeof(cmd), "exec %s %s %d %s", daemon_cmd, mode, count,
				 prio);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		execl(self_exe, self_exe, "--child", mode, n, prio, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	c->in = fdopen(to[1], "w");
	c->out = fdopen(from[0], "r");
}

static void child_say(struct child *c, const char *s)
{
	fprintf(c->in, "%s\n", s);
	fflush(c->in);
}

static void child_end(struct child *c, char **line, size_t *cap)
{
	child_say(c, "stop");
	read_line(c->out, line, cap, "stats");
	fclose(c->in);
	fclose(c->out);
	waitpid(c->pid, NULL, 0);
}

/* Busy share of the machine in percent of one core (0 .. 100 * cores), from /proc/stat. */
static void cpu_ticks(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[10] = {0};
	FILE *f = fopen("/proc/stat", "r");
	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			 &v[3], &v[4], &v[5], &v[6], &v[7]) != 8) {
		*busy = *total = 0;
	} else {
		*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		*busy = *total - v[3] - v[4];
	}
	if (f)
		fclose(f);
}

static double busy_since(unsigned long long b0, unsigned long long t0)
{
	unsigned long long b1, t1;
	cpu_ticks(&b1, &t1);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	return t1 > t0 ? 100.0 * (double)ncpu * (double)(b1 - b0) / (double)(t1 - t0) : 0;
}

static int wait_idle_s = 60;

/* Waits until the machine's other load is below 30 % of one core for 3 s (at most wait_idle_s). */
static void wait_idle(void)
{
	int64_t t_end = now_ns(CLOCK_MONOTONIC) + (int64_t)wait_idle_s * 1000000000LL;
	double b = 0;
	do {
		unsigned long long b0, t0;
		cpu_ticks(&b0, &t0);
		sleep(3);
		b = busy_since(b0, t0);
		if (b < 30)
			break;
	} while (now_ns(CLOCK_MONOTONIC) < t_end);
	fprintf(stderr, "  machine busy before the run: %.0f %% of one core\n", b);
}

struct rstats {
	double lost, delay_p50, delay_p99, jit_p50, jit_p99, transit_p99, cpu, gen_late_p99, busy;
	double late_p50, late_p99, late_max, rate_min, rate_max, skipped;
};

struct ep {
	int fd;
	uint16_t seq;
	uint32_t ts;
	bool seen;
	uint16_t last_seq;
	int64_t last_arr, last_transit;
	uint64_t rx;
};

static int64_t cmsg_time(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
		}
	return now_ns(CLOCK_REALTIME);
}

/* The receiving half of the relay load generator (its own thread, so sending stays on time). */
struct rx_side {
	struct ep *e;
	int ep;
	_Atomic int64_t rt_meas; /* realtime start of the measured window (0: not yet) */
	_Atomic bool stop;
	uint64_t rx_meas;
	struct mhist *delay, *jit, *transit;
};

static void *relay_rx(void *arg)
{
	struct rx_side *x = arg;
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint8_t bufs[BATCH][256];
	char ctl[BATCH][64];
	/* one step below the sending thread (which it inherited its priority from): a
	 * phone's receiving never makes its sending late, and arrival times are the
	 * kernel's, so reading a little later changes no figure */
	struct sched_param sp;
	if (sched_getscheduler(0) == SCHED_FIFO && sched_getparam(0, &sp) == 0 &&
	    sp.sched_priority > 1) {
		sp.sched_priority--;
		sched_setscheduler(0, SCHED_FIFO, &sp);
	}
	while (!x->stop) {
		struct epoll_event evs[256];
		int k = epoll_wait(x->ep, evs, 256, 50);
		if (k > 0 && k < 256) {
			/* a 1 ms nap lets the packets gather in their sockets (a few per socket
			 * at most: each stream sends every 20 ms), so the relay under test does
			 * not pay for waking this thread once per packet, which on loopback it
			 * does inside its own send; the arrival times are the kernel's */
			struct timespec nap = {0, 1000000};
			nanosleep(&nap, NULL);
			k = epoll_wait(x->ep, evs, 256, 0);
		}
		/* read after the nap: a packet sent during it may already be measured */
		int64_t rt_meas = x->rt_meas;
		for (int j = 0; j < k; j++) {
			struct ep *r_ = &x->e[evs[j].data.u32];
			for (int b = 0; b < BATCH; b++) {
				iov[b].iov_base = bufs[b];
				iov[b].iov_len = sizeof(bufs[b]);
				memset(&mm[b].msg_hdr, 0, sizeof(mm[b].msg_hdr));
				mm[b].msg_hdr.msg_iov = &iov[b];
				mm[b].msg_hdr.msg_iovlen = 1;
				mm[b].msg_hdr.msg_control = ctl[b];
				mm[b].msg_hdr.msg_controllen = sizeof(ctl[b]);
			}
			int m = recvmmsg(r_->fd, mm, BATCH, MSG_DONTWAIT, NULL);
			for (int b = 0; b < m; b++) {
				struct mrtp_hdr h;
				if (mrtp_parse(&h, bufs[b], mm[b].msg_len) || h.plen < 8)
					continue;
				int64_t arr = cmsg_time(&mm[b].msg_hdr), st;
				memcpy(&st, bufs[b] + h.off, sizeof(st));
				if (!rt_meas || st < rt_meas) {
					r_->seen = false;
					continue;
				}
				int64_t tr = arr - st;
				x->rx_meas++;
				mhist_add(x->delay, tr / 1000);
				if (r_->seen && (uint16_t)(h.seq - r_->last_seq) == 1) {
					mhist_add(x->jit,
						  llabs(arr - r_->last_arr - PTIME_NS) / 1000);
					mhist_add(x->transit, llabs(tr - r_->last_transit) / 1000);
				}
				r_->seen = true;
				r_->last_seq = h.seq;
				r_->last_arr = arr;
				r_->last_transit = tr;
				r_->rx++;
			}
		}
	}
	return NULL;
}

/*
 * One relay run: 2P endpoints here, the relay in a child. Endpoint i sends to
 * relay leg i; the relay forwards to leg i^1's party, endpoint i^1. This
 * thread sends (endpoint i on phase slot i mod 20 of a 1 ms timerfd, like
 * phones that started at random times), another receives with kernel
 * timestamps.
 */
static void relay_run(const char *mode, int pairs, int secs, const char *prio, struct rstats *r)
{
	int n = 2 * pairs, one = 1;
	struct ep *e = calloc((size_t)n, sizeof(*e));
	struct mhist *late = calloc(1, sizeof(*late));
	struct rx_side x = {.e = e};
	x.delay = calloc(1, sizeof(*x.delay));
	x.jit = calloc(1, sizeof(*x.jit));
	x.transit = calloc(1, sizeof(*x.transit));
	char *line = NULL;
	size_t cap = 0;
	wait_idle();
	struct child c;
	spawn(&c, mode, pairs, prio);
	x.ep = epoll_create1(EPOLL_CLOEXEC);
	fprintf(c.in, "offer");
	for (int i = 0; i < n; i++) {
		e[i].fd = udp_socket(0, 1 << 20);
		setsockopt(e[i].fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
		fprintf(c.in, " %u", sock_port(e[i].fd));
		e[i].seq = (uint16_t)rand_u16();
		e[i].ts = rand_u32();
	}
	fprintf(c.in, "\n");
	fflush(c.in);
	read_line(c.out, &line, &cap, "ports");
	char *p = line + strlen("ports");
	for (int i = 0; i < n; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)strtol(p, &p, 10));
		if (connect(e[i].fd, (struct sockaddr *)&a, sizeof(a)))
			die("connect: %s", strerror(errno));
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		epoll_ctl(x.ep, EPOLL_CTL_ADD, e[i].fd, &ev);
	}
	uint8_t frame[MRTP_FRAME];
	/* priming: one packet each way so the relays have latched before the measured stream */
	for (int i = 0; i < n; i++) {
		uint8_t pkt[PKT] = {0};
		mrtp_build(pkt, 0, false, e[i].seq++, e[i].ts, (uint32_t)i);
		e[i].ts += MRTP_FRAME;
		send(e[i].fd, pkt, sizeof(pkt), 0);
	}
	usleep(300000);
	for (int i = 0; i < n; i++) {
		uint8_t buf[2048];
		while (recv(e[i].fd, buf, sizeof(buf), 0) > 0)
			;
	}
	set_prio(prio, 40);
	pthread_t rxt;
	if (pthread_create(&rxt, NULL, relay_rx, &x))
		die("pthread_create");
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	int64_t t0 = now_ns(CLOCK_MONOTONIC) + 50000000LL;
	int64_t t_meas = t0 + 1000000000LL; /* the first second warms up */
	int64_t t_end = t_meas + (int64_t)secs * 1000000000LL;
	struct itimerspec its = {
	    .it_value = {.tv_sec = t0 / 1000000000LL, .tv_nsec = t0 % 1000000000LL},
	    .it_interval = {.tv_sec = 0, .tv_nsec = PTIME_NS / SLOTS}};
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
	int64_t tick = 0;
	uint64_t sent_meas = 0;
	bool measuring = false;
	unsigned long long b0 = 0, tt0 = 0;
	while (now_ns(CLOCK_MONOTONIC) < t_end) {
		uint64_t exp;
		struct pollfd pf = {.fd = tfd, .events = POLLIN};
		if (poll(&pf, 1, 100) <= 0 || read(tfd, &exp, sizeof(exp)) != sizeof(exp))
			continue;
		while (exp--) {
			int64_t sched = t0 + tick * (PTIME_NS / SLOTS);
			int slot = (int)(tick % SLOTS);
			tick++;
			if (sched >= t_end)
				continue;
			if (!measuring && sched >= t_meas) {
				child_say(&c, "reset");
				cpu_ticks(&b0, &tt0);
				x.rt_meas = now_ns(CLOCK_REALTIME);
				measuring = true;
			}
			if (slot == 0)
				music_frame((uint64_t)(tick / SLOTS), frame);
			/* endpoint i sends on slot i % 20: 1/20 of them per ms */
			for (int i = slot; i < n; i += SLOTS) {
				uint8_t pkt[PKT];
				mrtp_build(pkt, 0, false, e[i].seq++, e[i].ts, (uint32_t)i);
				e[i].ts += MRTP_FRAME;
				memcpy(pkt + MRTP_HDR, frame, MRTP_FRAME);
				int64_t rt = now_ns(CLOCK_REALTIME);
				memcpy(pkt + MRTP_HDR, &rt, sizeof(rt));
				if (send(e[i].fd, pkt, sizeof(pkt), 0) == (ssize_t)sizeof(pkt) &&
				    measuring)
					sent_meas++;
				if (measuring)
					mhist_add(late, (now_ns(CLOCK_MONOTONIC) - sched) / 1000);
			}
		}
	}
	usleep(300000); /* the last packets come back */
	x.stop = true;
	pthread_join(rxt, NULL);
	r->busy = busy_since(b0, tt0);
	child_end(&c, &line, &cap);
	reset_prio();
	r->lost = (double)(sent_meas - x.rx_meas);
	r->delay_p50 = (double)mhist_pct(x.delay, 0.5) / 1000;
	r->delay_p99 = (double)mhist_pct(x.delay, 0.99) / 1000;
	r->jit_p50 = (double)mhist_pct(x.jit, 0.5) / 1000;
	r->jit_p99 = (double)mhist_pct(x.jit, 0.99) / 1000;
	r->transit_p99 = (double)mhist_pct(x.transit, 0.99) / 1000;
	r->gen_late_p99 = (double)mhist_pct(late, 0.99) / 1000;
	r->cpu = 100.0 * jnum(line, "cpu_s") / ((double)(t_end - t_meas) / 1e9);
	fprintf(stderr,
		"  %s: sent %llu received %llu lost %.0f | delay p50 %.2f p99 %.2f p99.9 %.2f max "
		"%.2f ms"
		" | inter-arrival dev p50 %.2f p99 %.2f ms | transit delta p99 %.2f ms | relay cpu "
		"%.0f %%"
		" | generator late p99 %.2f ms | machine %.0f %% | child %s",
		mode, (unsigned long long)sent_meas, (unsigned long long)x.rx_meas, r->lost,
		r->delay_p50, r->delay_p99, (double)mhist_pct(x.delay, 0.999) / 1000,
		(double)x.delay->max_us / 1000, r->jit_p50, r->jit_p99, r->transit_p99, r->cpu,
		r->gen_late_p99, r->busy, line);
	for (int i = 0; i < n; i++)
		close(e[i].fd);
	close(tfd);
	close(x.ep);
	free(line);
	free(e);
	free(x.delay);
	free(x.jit);
	free(x.transit);
	free(late);
}

/* SSRC -> stream index, open addressing. */
struct smap {
	uint32_t *key;
	int *val;
	size_t cap;
};

/* The stream of ssrc; a new one gets the next index while fewer than max are known (else -1). */
static int smap_get(struct smap *m, uint32_t ssrc, int *next, int max)
{
	size_t i = (ssrc * 2654435761u) & (m->cap - 1);
	while (m->val[i] >= 0 && m->key[i] != ssrc)
		i = (i + 1) & (m->cap - 1);
	if (m->val[i] < 0) {
		if (*next >= max)
			return -1;
		m->key[i] = ssrc;
		m->val[i] = (*next)++;
	}
	return m->val[i];
}

static void moh_run(const char *mode, int listeners, int secs, const char *prio, struct rstats *r)
{
	char *line = NULL;
	size_t cap = 0;
	int one = 1;
	wait_idle();
	int fd = udp_socket(0, 8 << 20);
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	struct child c;
	spawn(&c, mode, listeners, prio);
	char dst[32];
	snprintf(dst, sizeof(dst), "dst %u", sock_port(fd));
	child_say(&c, dst);
	read_line(c.out, &line, &cap, "ready");
	/* each caller's phone sends a packet (then stays silent): the legs latch */
	char *p = line + strlen("ready");
	for (int i = 0; i < listeners; i++) {
		uint8_t pkt[PKT];
		memset(pkt, 0xff, sizeof(pkt));
		mrtp_build(pkt, 0, true, 1, 0, 0x5eed0000u + (uint32_t)i);
		struct sockaddr_in a = {.sin_family = AF_INET};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)strtol(p, &p, 10));
		sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&a, sizeof(a));
	}
	set_prio(prio, 40);
	struct smap map = {.cap = 8192};
	map.key = calloc(map.cap, sizeof(uint32_t));
	map.val = malloc(map.cap * sizeof(int));
	for (size_t i = 0; i < map.cap; i++)
		map.val[i] = -1;
	int streams = 0;
	struct ep *e = calloc((size_t)listeners + 1, sizeof(*e));
	struct mhist *jit = calloc(1, sizeof(*jit));
	uint64_t gaps = 0, rx = 0;
	int64_t t_meas = now_ns(CLOCK_MONOTONIC) + 1000000000LL;
	int64_t t_end = t_meas + (int64_t)secs * 1000000000LL;
	bool measuring = false;
	unsigned long long b0 = 0, tt0 = 0;
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint8_t bufs[BATCH][256];
	char ctl[BATCH][64];
	while (now_ns(CLOCK_MONOTONIC) < t_end) {
		if (!measuring && now_ns(CLOCK_MONOTONIC) >= t_meas) {
			child_say(&c, "reset");
			cpu_ticks(&b0, &tt0);
			measuring = true;
			for (int i = 0; i < streams; i++)
				e[i].rx = 0;
		}
		for (int b = 0; b < BATCH; b++) {
			iov[b].iov_base = bufs[b];
			iov[b].iov_len = sizeof(bufs[b]);
			memset(&mm[b].msg_hdr, 0, sizeof(mm[b].msg_hdr));
			mm[b].msg_hdr.msg_iov = &iov[b];
			mm[b].msg_hdr.msg_iovlen = 1;
			mm[b].msg_hdr.msg_control = ctl[b];
			mm[b].msg_hdr.msg_controllen = sizeof(ctl[b]);
		}
		struct timespec to = {.tv_sec = 0, .tv_nsec = 50000000};
		int m = recvmmsg(fd, mm, BATCH, MSG_WAITFORONE, &to);
		for (int b = 0; b < m; b++) {
			struct mrtp_hdr h;
			if (mrtp_parse(&h, bufs[b], mm[b].msg_len))
				continue;
			int i = smap_get(&map, h.ssrc, &streams, listeners);
			if (i < 0)
				continue;
			int64_t arr = cmsg_time(&mm[b].msg_hdr);
			struct ep *s = &e[i];
			if (measuring) {
				rx++;
				s->rx++;
				if (s->seen) {
					uint16_t d = (uint16_t)(h.seq - s->last_seq);
					if (d == 1)
						mhist_add(jit, llabs(arr - s->last_arr - PTIME_NS) /
								   1000);
					else if (d > 1 && d < 1000)
						gaps += d - 1u;
				}
			}
			s->seen = true;
			s->last_seq = h.seq;
			s->last_arr = arr;
		}
	}
	r->busy = busy_since(b0, tt0);
	child_end(&c, &line, &cap);
	reset_prio();
	double rmin = 1e9, rmax = 0;
	for (int i = 0; i < listeners; i++) {
		double rate = (double)e[i].rx / secs;
		rmin = rate < rmin ? rate : rmin;
		rmax = rate > rmax ? rate : rmax;
	}
	r->lost = (double)gaps;
	r->jit_p50 = (double)mhist_pct(jit, 0.5) / 1000;
	r->jit_p99 = (double)mhist_pct(jit, 0.99) / 1000;
	r->late_p50 = jnum(line, "late_p50_ms");
	r->late_p99 = jnum(line, "late_p99_ms");
	r->late_max = jnum(line, "late_max_ms");
	r->skipped = jnum(line, "skipped");
	r->cpu = 100.0 * jnum(line, "cpu_s") / secs;
	r->rate_min = rmin;
	r->rate_max = rmax;
	fprintf(
	    stderr,
	    "  %s: streams %d received %llu lost %llu | rate per stream %.1f-%.1f /s | send "
	    "lateness"
	    " p50 %.2f p99 %.2f max %.2f ms | inter-arrival dev p50 %.2f p99 %.2f p99.9 %.2f ms |"
	    " cpu %.0f %% | machine %.0f %%\n",
	    mode, streams, (unsigned long long)rx, (unsigned long long)gaps, rmin, rmax,
	    r->late_p50, r->late_p99, r->late_max, r->jit_p50, r->jit_p99,
	    (double)mhist_pct(jit, 0.999) / 1000, r->cpu, r->busy);
	close(fd);
	free(line);
	free(map.key);
	free(map.val);
	free(e);
	free(jit);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median over rounds of one figure, printed with its range. Lower is better. */
static void emit(const char *name, const char *unit, const struct rstats *ours,
		 const struct rstats *ref, int rounds, size_t off)
{
	double v[64], w[64];
	for (int i = 0; i < rounds; i++) {
		v[i] = *(const double *)((const char *)&ours[i] + off);
		w[i] = *(const double *)((const char *)&ref[i] + off);
	}
	qsort(v, (size_t)rounds, sizeof(double), cmp_double);
	qsort(w, (size_t)rounds, sizeof(double), cmp_double);
	double mv = rounds % 2 ? v[rounds / 2] : (v[rounds / 2 - 1] + v[rounds / 2]) / 2;
	double mw = rounds % 2 ? w[rounds / 2] : (w[rounds / 2 - 1] + w[rounds / 2]) / 2;
	printf("{\"name\":\"%s\",\"value\":%.4g,\"unit\":\"%s\",\"reference\":%.4g,", name, mv,
	       unit, mw);
	if (mv > 0)
		printf("\"ratio\":%.3g,", mw / mv);
	else if (mw == 0)
		printf("\"ratio\":1,");
	else
		printf("\"ratio\":null,");
	printf("\"range\":[%.4g,%.4g],\"reference_range\":[%.4g,%.4g],\"rounds\":%d}\n", v[0],
	       v[rounds - 1], w[0], w[rounds - 1], rounds);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--child")) {
		int n = (int)arg_long(argv[3], 1, 10000, "count");
		if (!strcmp(argv[2], "relay-media"))
			return relay_media_main(n, argv[4]);
		if (!strcmp(argv[2], "relay-plain"))
			return relay_plain_main(n, argv[4]);
		if (!strcmp(argv[2], "relay-direct"))
			return relay_direct_main(n);
		if (!strcmp(argv[2], "moh-media"))
			return moh_media_main(n, argv[4]);
		if (!strcmp(argv[2], "moh-pertimer"))
			return moh_pertimer_main(n, argv[4]);
		die("unknown child %s", argv[2]);
	}
	int secs = 30, pairs = 500, listeners = 1000, rounds = 1;
	const char *prio = "fifo", *only = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die("%s needs a value", a);
		if (!strcmp(a, "--secs"))
			secs = (int)arg_long(v, 1, 3600, a);
		else if (!strcmp(a, "--pairs"))
			pairs = (int)arg_long(v, 1, 4000, a);
		else if (!strcmp(a, "--listeners"))
			listeners = (int)arg_long(v, 1, 8000, a);
		else if (!strcmp(a, "--rounds"))
			rounds = (int)arg_long(v, 1, 64, a);
		else if (!strcmp(a, "--wait-idle"))
			wait_idle_s = (int)arg_long(v, 0, 3600, a);
		else if (!strcmp(a, "--prio"))
			prio = v;
		else if (!strcmp(a, "--only"))
			only = v;
		else if (!strcmp(a, "--daemon-cmd"))
			daemon_cmd = v;
		else
			die("unknown option %s", a);
		i++;
	}
	ssize_t k = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (k <= 0)
		die("readlink /proc/self/exe");
	self_exe[k] = '\0';
	raise_nofile();
	libre_init(); /* rand_u16/u32, aufile */
	mg711_init();
	music_load();
	signal(SIGPIPE, SIG_IGN);
	struct rstats ro[64], rr[64], mo[64], mr[64];
	memset(ro, 0, sizeof(ro));
	memset(rr, 0, sizeof(rr));
	memset(mo, 0, sizeof(mo));
	memset(mr, 0, sizeof(mr));
	char nm[96];
	/* modes and names: in-process src/media, or the real daemon (--daemon-cmd) */
	const char *r_ours = daemon_cmd ? "relay-daemon" : "relay-media";
	const char *r_ref = daemon_cmd ? "relay-direct" : "relay-plain";
	const char *m_ours = daemon_cmd ? "moh-daemon" : "moh-media";
	const char *pfx = daemon_cmd ? "media_calls" : "media";
	if (!only || !strcmp(only, "relay")) {
		fprintf(stderr,
			"relay: %d bridged calls, %d s, priority %s; ours: %s, reference: %s\n",
			pairs, secs, prio, r_ours, r_ref);
		for (int i = 0; i < rounds; i++) { /* alternate the order against drifting load */
			relay_run(i % 2 ? r_ref : r_ours, pairs, secs, prio,
				  i % 2 ? &rr[i] : &ro[i]);
			relay_run(i % 2 ? r_ours : r_ref, pairs, secs, prio,
				  i % 2 ? &ro[i] : &rr[i]);
		}
		snprintf(nm, sizeof(nm), "%s_relay_%d_calls_lost", pfx, pairs);
		emit(nm, "packets", ro, rr, rounds, offsetof(struct rstats, lost));
		snprintf(nm, sizeof(nm), "%s_relay_%d_calls_delay_p99", pfx, pairs);
		emit(nm, "ms", ro, rr, rounds, offsetof(struct rstats, delay_p99));
		snprintf(nm, sizeof(nm), "%s_relay_%d_calls_jitter_p99", pfx, pairs);
		emit(nm, "ms", ro, rr, rounds, offsetof(struct rstats, jit_p99));
		if (!daemon_cmd) { /* no relay, no CPU in the direct reference: see _vs_forwarder */
			snprintf(nm, sizeof(nm), "%s_relay_%d_calls_cpu", pfx, pairs);
			emit(nm, "%core", ro, rr, rounds, offsetof(struct rstats, cpu));
		}
		if (daemon_cmd) { /* a second reference: one relay hop, the minimal plain-socket
				     forwarder */
			struct rstats rp[64];
			memset(rp, 0, sizeof(rp));
			for (int i = 0; i < rounds; i++)
				relay_run("relay-plain", pairs, secs, prio, &rp[i]);
			snprintf(nm, sizeof(nm), "%s_relay_%d_calls_delay_p99_vs_forwarder", pfx,
				 pairs);
			emit(nm, "ms", ro, rp, rounds, offsetof(struct rstats, delay_p99));
			snprintf(nm, sizeof(nm), "%s_relay_%d_calls_jitter_p99_vs_forwarder", pfx,
				 pairs);
			emit(nm, "ms", ro, rp, rounds, offsetof(struct rstats, jit_p99));
			snprintf(nm, sizeof(nm), "%s_relay_%d_calls_cpu_vs_forwarder", pfx, pairs);
			emit(nm, "%core", ro, rp, rounds, offsetof(struct rstats, cpu));
		}
	}
	if (!only || !strcmp(only, "moh")) {
		fprintf(
		    stderr,
		    "music on hold: %d listeners, %d s, priority %s; ours: %s, reference: one libre"
		    " timer per stream\n",
		    listeners, secs, prio, m_ours);
		for (int i = 0; i < rounds; i++) {
			moh_run(i % 2 ? "moh-pertimer" : m_ours, listeners, secs, prio,
				i % 2 ? &mr[i] : &mo[i]);
			moh_run(i % 2 ? m_ours : "moh-pertimer", listeners, secs, prio,
				i % 2 ? &mo[i] : &mr[i]);
		}
		if (!daemon_cmd) { /* the daemon does not report its send lateness: arrivals only */
			snprintf(nm, sizeof(nm), "%s_moh_%d_send_jitter_p99", pfx, listeners);
			emit(nm, "ms", mo, mr, rounds, offsetof(struct rstats, late_p99));
		}
		snprintf(nm, sizeof(nm), "%s_moh_%d_interarrival_p99", pfx, listeners);
		emit(nm, "ms", mo, mr, rounds, offsetof(struct rstats, jit_p99));
		snprintf(nm, sizeof(nm), "%s_moh_%d_lost", pfx, listeners);
		emit(nm, "packets", mo, mr, rounds, offsetof(struct rstats, lost));
		snprintf(nm, sizeof(nm), "%s_moh_%d_cpu", pfx, listeners);
		emit(nm, "%core", mo, mr, rounds, offsetof(struct rstats, cpu));
	}
	libre_close();
	return 0;
}
