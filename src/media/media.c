/* media: legs and their sockets, the relay (forwarding on receipt), the media clock and its
 * players. */
#include "media/media_impl.h"
#include "media/g711.h"
#include "media/media_rec.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/ip.h>
#include <sys/timerfd.h>

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void maddr_from_sa(struct maddr *a, const struct sa *sa)
{
	memset(a, 0, sizeof(*a));
	size_t n = sa->len <= sizeof(a->u) ? sa->len : sizeof(a->u);
	memcpy(&a->u, &sa->u, n);
	a->len = (socklen_t)n;
}

bool maddr_eq(const struct maddr *a, const struct maddr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_port == b->u.in.sin_port &&
		       a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return a->u.in6.sin6_port == b->u.in6.sin6_port &&
		       !memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16);
	return false;
}

static void maddr_from_storage(struct maddr *a, const struct sockaddr_storage *ss, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	size_t n = len <= sizeof(a->u) ? len : sizeof(a->u);
	memcpy(&a->u, ss, n);
	a->len = (socklen_t)n;
}

/* --- the media clock --- */

static void clock_arm(struct media *m)
{
	uint64_t t = mclock_due(m->epoch_ns, mono_ns()) + 1;
	int64_t at = m->epoch_ns + (int64_t)t * MCLOCK_TICK_NS;
	struct itimerspec its = {
	    .it_value = {.tv_sec = at / 1000000000LL, .tv_nsec = at % 1000000000LL},
	    .it_interval = {.tv_sec = 0, .tv_nsec = MCLOCK_TICK_NS},
	};
	if (timerfd_settime(m->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0) {
		m->tick = t;
		m->armed = true;
	}
}

static void clock_disarm(struct media *m)
{
	struct itimerspec its = {0};
	timerfd_settime(m->tfd, 0, &its, NULL);
	m->armed = false;
}

static uint64_t next_tick(const struct media *m)
{
	return m->armed ? m->tick : mclock_due(m->epoch_ns, mono_ns()) + 1;
}

void slot_add(struct media_leg *l)
{
	struct media *m = l->m;
	if (l->slot < 0)
		l->slot = (int)mclock_pick_slot(m->slot_load, next_tick(m));
	dlist_append(&m->slot[l->slot], &l->slot_le);
	m->slot_load[l->slot]++;
	if (m->nplayers++ == 0)
		clock_arm(m);
}

void slot_remove(struct media_leg *l)
{
	struct media *m = l->m;
	dlist_unlink(&l->slot_le);
	m->slot_load[l->slot]--;
	if (--m->nplayers == 0)
		clock_disarm(m);
}

/* --- sending --- */

static const struct maddr *leg_dst(const struct media_leg *l)
{
	if (!l->may_send || l->codec == MEDIA_CODEC_NONE)
		return NULL;
	if (l->is_latched)
		return &l->latched;
	return l->has_sdp_dst ? &l->sdp_dst : NULL;
}

static int leg_sendto(struct media_leg *l, const struct maddr *dst, const uint8_t *p, size_t len)
{
	/* once latched the socket is connected: no route lookup per packet */
	ssize_t r =
	    l->connected ? send(l->fd, p, len, 0) : sendto(l->fd, p, len, 0, &dst->u.sa, dst->len);
	if (r < 0) {
		l->st.tx_errors++;
		return errno;
	}
	l->st.tx_packets++;
	l->st.tx_bytes += len;
	l->m->tx_packets++;
	return 0;
}

/* One generated 20 ms packet for clock period `period`, due at sched_ns. */
static void leg_send_frame(struct media_leg *l, const uint8_t *payload, uint64_t period,
			   int64_t sched_ns)
{
	const struct maddr *dst = leg_dst(l);
	if (!dst)
		return;
	uint8_t pkt[MRTP_HDR + MRTP_FRAME];
	int64_t now = mono_ns();
	uint16_t seq;
	uint32_t ts;
	bool marker;
	mrtp_out_play(&l->out, l->gen, period, now, &seq, &ts, &marker);
	mrtp_build(pkt, (uint8_t)l->codec, marker, seq, ts, l->out.ssrc);
	memcpy(pkt + MRTP_HDR, payload, MRTP_FRAME);
	mhist_add(&l->m->late, (now - sched_ns) / 1000);
	leg_sendto(l, dst, pkt, sizeof(pkt));
}

/* A prompt ended: the leg hears nothing and its callback runs after this tick. */
static void once_finished(struct media_leg *l)
{
	struct media *m = l->m;
	void (*done)(void *) = l->done;
	void *arg = l->done_arg;
	leg_hear_nothing(l);
	if (done) {
		l->pending_done = done;
		l->pending_arg = arg;
		dlist_unlink(&l->done_le);
		dlist_append(&m->done, &l->done_le);
	}
}

static void leg_play(struct media_leg *l, uint64_t period, int64_t sched_ns)
{
	bool alaw = l->codec == MEDIA_PCMA;
	if (l->hear == HEAR_MIX) { /* what the members it hears said (media_mix.c) */
		const uint8_t *f = mix_frame(l, period);
		if (f)
			leg_send_frame(l, f, period, sched_ns);
		return;
	}
	if (l->hear == HEAR_SOURCE) {
		const uint8_t *f = source_frame(l->src, period, alaw);
		if (f)
			leg_send_frame(l, f, period, sched_ns);
		return;
	}
	/* HEAR_ONCE: the leg's own position in the prompt */
	const struct clip *c = l->once;
	uint8_t frame[MRTP_FRAME];
	int16_t pcm[MRTP_FRAME] = {0};
	size_t take = c->n - l->once_pos;
	if (take > MRTP_FRAME)
		take = MRTP_FRAME;
	memcpy(pcm, c->pcm + l->once_pos, take * sizeof(int16_t));
	mg711_encode(frame, pcm, MRTP_FRAME, alaw);
	l->once_pos += take;
	leg_send_frame(l, frame, period, sched_ns);
	if (l->once_pos >= c->n)
		once_finished(l);
}

static void clock_serve(struct media *m, uint64_t t)
{
	struct dlist *head = &m->slot[t % MCLOCK_SLOTS];
	uint64_t period = t / MCLOCK_SLOTS;
	int64_t sched = m->epoch_ns + (int64_t)t * MCLOCK_TICK_NS;
	for (struct dlist *it = head->next, *nx; it != head; it = nx) {
		nx = it->next; /* leg_play may take this leg off the slot, never another */
		leg_play(container_of(it, struct media_leg, slot_le), period, sched);
	}
}

static void run_done(struct media *m)
{
	while (!dlist_empty(&m->done)) {
		struct media_leg *l =
		    container_of(dlist_first(&m->done), struct media_leg, done_le);
		void (*done)(void *) = l->pending_done;
		void *arg = l->pending_arg;
		dlist_unlink(&l->done_le);
		l->pending_done = NULL;
		done(arg); /* may free or replay this leg or any other */
	}
}

static void clock_h(int flags, void *arg)
{
	(void)flags;
	struct media *m = arg;
	uint64_t exp;
	if (read(m->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	if (!m->armed)
		return;
	uint64_t due = mclock_due(m->epoch_ns, mono_ns());
	if (due >= m->tick + MCLOCK_MAX_CATCHUP) {
		uint64_t first = due - MCLOCK_MAX_CATCHUP + 1;
		m->skipped += first - m->tick;
		m->tick = first;
	}
	while (m->armed && m->tick <= due) {
		clock_serve(m, m->tick++);
		run_done(m);
	}
}

/* --- receiving and relaying --- */

static void drop(struct media_leg *l)
{
	l->st.dropped++;
	l->m->dropped++;
}

static void relay(struct media_leg *from, struct media_leg *to, uint8_t *p, size_t len,
		  const struct mrtp_hdr *h, bool event, int64_t now)
{
	const struct maddr *dst = leg_dst(to);
	if (!dst)
		return;
	uint8_t pt;
	uint32_t dur = 0;
	if (event) {
		if (to->tev_pt < 0)
			return;
		pt = (uint8_t)to->tev_pt;
	} else {
		pt = (uint8_t)to->codec;
		if (h->pt != pt)
			mg711_transcode(p + h->off, h->plen, pt == MG711_PCMA);
		dur = (uint32_t)h->plen;
	}
	uint16_t seq;
	uint32_t ts;
	bool marker;
	mrtp_out_relay(&to->out, to->gen, h->ssrc, h->seq, h->ts, dur, now, &seq, &ts, &marker);
	mrtp_rewrite(p, pt, marker || h->marker, seq, ts, to->out.ssrc);
	if (leg_sendto(to, dst, p, len) == 0) {
		from->st.relayed++;
		from->m->relayed++;
	}
}

/* One received datagram; returns the key pressed (0: none). */
static char leg_packet(struct media_leg *l, uint8_t *p, size_t len, bool trunc,
		       const struct sockaddr_storage *from, socklen_t fromlen, int64_t now)
{
	struct mrtp_hdr h;
	char digit = 0;
	l->st.rx_packets++;
	l->st.rx_bytes += len;
	l->m->rx_packets++;
	if (trunc || l->codec == MEDIA_CODEC_NONE || mrtp_parse(&h, p, len)) {
		drop(l);
		return 0;
	}
	bool audio = h.pt == MG711_PCMU || h.pt == MG711_PCMA;
	bool event = !audio && l->tev_pt >= 0 && h.pt == l->tev_pt;
	if (!audio && !event) {
		drop(l);
		return 0;
	}
	struct maddr src;
	maddr_from_storage(&src, from, fromlen);
	if (!l->is_latched) {
		/* symmetric RTP: its party sends from where it listens; connecting the
		 * socket makes the kernel drop every other source from now on */
		l->latched = src;
		l->is_latched = true;
		l->connected = connect(l->fd, &src.u.sa, src.len) == 0;
	} else if (!maddr_eq(&src, &l->latched)) {
		drop(l); /* in flight before the connect */
		return 0;
	}
	mrtp_rx_update(&l->rx, h.ssrc, h.seq);
	if (audio) {
		l->st.rx_nonzero += mg711_loud(p + h.off, h.plen, h.pt == MG711_PCMA);
		if (l->rec) /* recorded: a copy for the recording (media_rec.c) */
			rec_tap(l, p + h.off, h.plen, h.pt == MG711_PCMA);
	} else {
		char d;
		bool end;
		if (!mrtp_telev(p + h.off, h.plen, &d, &end) &&
		    (!l->dtmf_seen || h.ts != l->dtmf_ts)) {
			l->dtmf_seen = true;
			l->dtmf_ts = h.ts; /* one event: one timestamp, however many packets */
			if (d) {
				l->st.dtmf++;
				digit = d;
			}
		}
	}
	if (l->hear == HEAR_BRIDGE)
		relay(l, l->peer, p, len, &h, event, now);
	else if (l->hear == HEAR_MIX && audio)
		mix_input(l, p + h.off, h.plen, h.pt == MG711_PCMA);
	return digit;
}

void leg_unlatch(struct media_leg *l)
{
	if (l->connected) {
		struct sockaddr any = {.sa_family = AF_UNSPEC};
		connect(l->fd, &any, sizeof(any));
		l->connected = false;
	}
	l->is_latched = false;
}

static void leg_destroy(struct media_leg *l);
static void sock_close(struct msock *ms);

/*
 * One datagram per readiness: RTP legs mostly hold one packet when the loop
 * looks, and libre's epoll is level-triggered, so anything more comes back at
 * once (a batched recvmmsg costs a failed second read per call here). An idle
 * pooled socket drops what still arrives for its last leg.
 */
static void leg_recv_h(int flags, void *arg)
{
	(void)flags;
	struct msock *ms = arg;
	struct media *m = ms->m;
	struct media_leg *l = ms->leg;
	if (!l) {
		if (recv(ms->fd, m->buf, sizeof(m->buf), MSG_DONTWAIT) >= 0)
			m->dropped++;
		return;
	}
	m->mh.msg_namelen = sizeof(m->from);
	ssize_t n = recvmsg(l->fd, &m->mh, MSG_DONTWAIT);
	if (n < 0)
		return;
	char d = leg_packet(l, m->buf, (size_t)n, (m->mh.msg_flags & MSG_TRUNC) != 0, &m->from,
			    m->mh.msg_namelen, mono_ns());
	if (!d || !l->dtmfh)
		return;
	l->in_cb++;
	l->dtmfh(l->dtmf_arg, d);
	if (--l->in_cb == 0 && l->dead)
		leg_destroy(l);
}

static void leg_rtcp_h(int flags, void *arg)
{
	(void)flags;
	struct msock *ms = arg;
	uint8_t buf[MEDIA_PKT_MAX];
	if (recv(ms->rtcp_fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 && ms->leg)
		ms->leg->st.rtcp_rx++;
}

/* --- the media --- */

void media_config_default(struct media_config *cfg)
{
	*cfg = (struct media_config){
	    .addr = "127.0.0.1",
	    .sdp_addr = NULL,
	    .port_min = 10000,
	    .port_max = 20000,
	    .sock_buf = 256 * 1024,
	    .tos = 0xb8,
	    .pool_max = 4096,
	    .pool_quiet_ms = 500,
	    .pool_idle_max_ms = 10000,
	};
}

static uint16_t first_even(uint16_t p)
{
	return (uint16_t)(p + (p & 1));
}

int media_alloc(struct media **mp, const struct media_config *cfg)
{
	if (!mp || !cfg || !cfg->addr)
		return EINVAL;
	const char *sdp_addr = cfg->sdp_addr ? cfg->sdp_addr : cfg->addr;
	if (strlen(cfg->addr) >= MEDIA_ADDR_MAX || strlen(sdp_addr) >= MEDIA_ADDR_MAX)
		return EINVAL;
	if (cfg->port_min == 0 || cfg->port_max <= cfg->port_min ||
	    (uint32_t)first_even(cfg->port_min) + 1 >= cfg->port_max)
		return EINVAL;
	struct media *m = sb_zalloc(sizeof(*m));
	if (!m)
		return ENOMEM;
	int err = EINVAL;
	if (sa_set_str(&m->bind_sa, cfg->addr, 0) || sa_set_str(&m->sdp_sa, sdp_addr, 0) ||
	    sa_is_any(&m->sdp_sa) || sa_af(&m->bind_sa) != sa_af(&m->sdp_sa))
		goto out;
	m->cfg = *cfg;
	memcpy(m->addr, cfg->addr, strlen(cfg->addr) + 1);
	memcpy(m->sdp_addr, sdp_addr, strlen(sdp_addr) + 1);
	m->cfg.addr = m->addr;
	m->cfg.sdp_addr = m->sdp_addr;
	m->port_next = first_even(cfg->port_min);
	m->held = sb_zalloc((cfg->port_max - first_even(cfg->port_min)) / 2 + 1);
	if (!m->held) {
		err = ENOMEM;
		goto out;
	}
	dlist_init(&m->legs);
	dlist_init(&m->pool);
	dlist_init(&m->sources);
	dlist_init(&m->clips);
	dlist_init(&m->done);
	for (unsigned i = 0; i < MCLOCK_SLOTS; i++)
		dlist_init(&m->slot[i]);
	m->iov.iov_base = m->buf;
	m->iov.iov_len = sizeof(m->buf);
	m->mh.msg_iov = &m->iov;
	m->mh.msg_iovlen = 1;
	m->mh.msg_name = &m->from;
	mg711_init();
	m->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->tfd < 0) {
		err = errno;
		goto out;
	}
	err = fd_listen(m->tfd, FD_READ, clock_h, m);
	if (err) {
		close(m->tfd);
		goto out;
	}
	m->epoch_ns = mono_ns();
	*mp = m;
	return 0;
out:
	sb_free(m->held);
	sb_free(m);
	return err;
}

void media_free(struct media *m)
{
	if (!m)
		return;
	while (!dlist_empty(&m->legs))
		leg_destroy(container_of(dlist_first(&m->legs), struct media_leg, le));
	while (!dlist_empty(&m->pool)) {
		struct msock *ms = container_of(dlist_first(&m->pool), struct msock, le);
		dlist_unlink(&ms->le);
		sock_close(ms);
	}
	while (!dlist_empty(&m->sources))
		media_source_close(container_of(dlist_first(&m->sources), struct media_source, le));
	clips_free(m);
	mrec_writer_free(m->recw); /* after the queued writes and deletions */
	fd_close(m->tfd);
	close(m->tfd);
	sb_free(m->held);
	sb_free(m);
}

void media_stats(const struct media *m, struct media_stats *out)
{
	*out = (struct media_stats){
	    .legs = m->nlegs,
	    .players = m->nplayers,
	    .bridges = m->nbridges,
	    .sources = m->nsources,
	    .clock_late_p50_ms = (double)mhist_pct(&m->late, 0.50) / 1000.0,
	    .clock_late_p99_ms = (double)mhist_pct(&m->late, 0.99) / 1000.0,
	    .clock_late_max_ms = (double)m->late.max_us / 1000.0,
	    .clock_packets = m->late.n,
	    .clock_skipped = m->skipped,
	    .rx_packets = m->rx_packets,
	    .tx_packets = m->tx_packets,
	    .relayed = m->relayed,
	    .dropped = m->dropped,
	};
}

void media_stats_reset(struct media *m)
{
	mhist_reset(&m->late);
	m->skipped = 0;
}

/* --- legs --- */

static int bind_udp(struct media *m, uint16_t port, int *fdp)
{
	struct sa a = m->bind_sa;
	sa_set_port(&a, port);
	int fd = socket(sa_af(&a), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, &a.u.sa, a.len)) {
		int err = errno;
		close(fd);
		return err;
	}
	if (m->cfg.sock_buf > 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &m->cfg.sock_buf, sizeof(m->cfg.sock_buf));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &m->cfg.sock_buf, sizeof(m->cfg.sock_buf));
	}
	if (m->cfg.tos >= 0) {
		if (sa_af(&a) == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_TOS, &m->cfg.tos, sizeof(m->cfg.tos));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &m->cfg.tos, sizeof(m->cfg.tos));
	}
	*fdp = fd;
	return 0;
}

/*
 * The next free even port and the odd one after it, round robin over the range,
 * trying at most `tries` binds. Ports where a pair of ours is bound (in use or
 * in the pool) are passed over without a system call: at high call rates most
 * of the range is ours, and each failed try cost a socket, a bind and a close.
 */
static int bind_pair(struct media *m, uint32_t tries, int *rtp, int *rtcp, uint16_t *port)
{
	uint32_t lo = first_even(m->cfg.port_min), hi = m->cfg.port_max;
	uint32_t pairs = (hi - lo) / 2;
	if (m->nheld >= pairs)
		return EADDRINUSE;
	for (uint32_t i = 0; i < pairs && tries; i++) {
		uint16_t p = m->port_next;
		m->port_next = (uint32_t)p + 2 + 1 < hi ? (uint16_t)(p + 2) : (uint16_t)lo;
		if ((uint32_t)p + 1 >= hi || m->held[(p - lo) / 2])
			continue;
		tries--;
		int err = bind_udp(m, p, rtp);
		if (err == EADDRINUSE)
			continue; /* another program's */
		if (err)
			return err;
		err = bind_udp(m, (uint16_t)(p + 1), rtcp);
		if (err) {
			close(*rtp);
			if (err == EADDRINUSE)
				continue;
			return err;
		}
		*port = p;
		return 0;
	}
	return EADDRINUSE;
}

/* The pair at `port` is ours (bound) or no longer. */
static void port_hold(struct media *m, uint16_t port, bool held)
{
	uint8_t *h = &m->held[(port - first_even(m->cfg.port_min)) / 2];
	if (*h == held)
		return;
	*h = held;
	if (held)
		m->nheld++;
	else
		m->nheld--;
}

/* --- the socket pool --- */

static void sock_close(struct msock *ms)
{
	port_hold(ms->m, ms->port, false);
	fd_close(ms->fd);
	close(ms->fd);
	fd_close(ms->rtcp_fd);
	close(ms->rtcp_fd);
	sb_free(ms);
}

static struct msock *pool_take(struct media *m)
{
	struct msock *ms = container_of(dlist_first(&m->pool), struct msock, le);
	dlist_unlink(&ms->le);
	m->npool--;
	return ms;
}

/* A new pair, bound and watched by the loop. */
static int sock_open(struct media *m, struct msock **sp)
{
	struct msock *ms = sb_zalloc(sizeof(*ms));
	if (!ms)
		return ENOMEM;
	ms->m = m;
	dlist_init(&ms->le);
	/* with pairs in the pool, give up after a few ports other programs hold
	 * rather than walk the whole range */
	uint32_t tries = dlist_empty(&m->pool) ? UINT32_MAX : 16;
	int err = bind_pair(m, tries, &ms->fd, &ms->rtcp_fd, &ms->port);
	if (err)
		goto out;
	err = fd_listen(ms->fd, FD_READ, leg_recv_h, ms);
	if (err)
		goto out_close;
	err = fd_listen(ms->rtcp_fd, FD_READ, leg_rtcp_h, ms);
	if (err) {
		fd_close(ms->fd);
		goto out_close;
	}
	port_hold(m, ms->port, true);
	*sp = ms;
	return 0;
out_close:
	close(ms->fd);
	close(ms->rtcp_fd);
out:
	sb_free(ms);
	return err;
}

/*
 * Pairs idle for longer than pool_idle_max_ms are closed (the oldest come
 * first), so the ports and descriptors a burst of calls left in the pool go
 * back once the rate falls; checked whenever a pair is taken or returned.
 */
static void pool_trim(struct media *m, int64_t now)
{
	if (!m->cfg.pool_idle_max_ms)
		return;
	while (!dlist_empty(&m->pool)) {
		struct msock *old = container_of(dlist_first(&m->pool), struct msock, le);
		if (now - old->idle_ns < (int64_t)m->cfg.pool_idle_max_ms * 1000000)
			break;
		sock_close(pool_take(m));
	}
}

static int sock_get(struct media *m, struct msock **sp)
{
	pool_trim(m, mono_ns());
	if (!dlist_empty(&m->pool)) {
		const struct msock *old = container_of(dlist_first(&m->pool), struct msock, le);
		if (mono_ns() - old->idle_ns >= (int64_t)m->cfg.pool_quiet_ms * 1000000) {
			*sp = pool_take(m);
			return 0;
		}
	}
	int err = sock_open(m, sp);
	if ((err == EADDRINUSE || err == EMFILE || err == ENFILE) && !dlist_empty(&m->pool)) {
		*sp = pool_take(m); /* short of ports or descriptors: the quietest we have */
		return 0;
	}
	return err;
}

/* The leg is gone: its pair goes idle in the pool (or is closed when the pool is full). */
static void sock_put(struct media *m, struct msock *ms, bool connected)
{
	ms->leg = NULL;
	if (m->npool >= m->cfg.pool_max) {
		sock_close(ms);
		return;
	}
	if (connected) { /* accept from anyone again: the idle handler drains it */
		struct sockaddr any = {.sa_family = AF_UNSPEC};
		connect(ms->fd, &any, sizeof(any));
	}
	ms->idle_ns = mono_ns();
	pool_trim(m, ms->idle_ns);
	dlist_append(&m->pool, &ms->le);
	m->npool++;
}

int media_leg_alloc(struct media_leg **lp, struct media *m)
{
	if (!lp || !m)
		return EINVAL;
	struct media_leg *l = sb_zalloc(sizeof(*l));
	if (!l)
		return ENOMEM;
	l->m = m;
	int err = sock_get(m, &l->sock);
	if (err)
		goto out;
	l->sock->leg = l;
	l->fd = l->sock->fd;
	l->port = l->sock->port;
	l->pref = MEDIA_PCMU;
	l->codec = MEDIA_CODEC_NONE;
	l->tev_pt = -1;
	l->slot = -1;
	dlist_init(&l->slot_le);
	dlist_init(&l->done_le);
	mrtp_out_init(&l->out, rand_u32(), rand_u16(), rand_u32());
	dlist_append(&m->legs, &l->le);
	m->nlegs++;
	*lp = l;
	return 0;
out:
	sb_free(l);
	return err;
}

void leg_hear_nothing(struct media_leg *l)
{
	switch (l->hear) {
	case HEAR_BRIDGE: {
		struct media_leg *p = l->peer;
		p->peer = NULL;
		p->hear = HEAR_NOTHING;
		p->gen++;
		l->peer = NULL;
		l->m->nbridges--;
		break;
	}
	case HEAR_SOURCE:
		l->src->listeners--;
		l->src = NULL;
		slot_remove(l);
		break;
	case HEAR_MIX:
		mix_detach(l);
		slot_remove(l);
		break;
	case HEAR_ONCE:
		clip_put(l->once);
		l->once = NULL;
		l->done = NULL;
		l->done_arg = NULL;
		slot_remove(l);
		break;
	case HEAR_NOTHING:
		return;
	}
	l->hear = HEAR_NOTHING;
	l->gen++;
}

static void leg_destroy(struct media_leg *l)
{
	struct media *m = l->m;
	leg_hear_nothing(l);
	if (l->rec)
		rec_leg_gone(l);
	dlist_unlink(&l->done_le);
	sock_put(m, l->sock, l->connected);
	leg_sdp_free(l);
	dlist_unlink(&l->le);
	m->nlegs--;
	sb_free(l);
}

void media_leg_free(struct media_leg *l)
{
	if (!l)
		return;
	if (l->in_cb) { /* inside its own DTMF callback: finish when it returns */
		l->dead = true;
		leg_hear_nothing(l);
		dlist_unlink(&l->done_le);
		return;
	}
	leg_destroy(l);
}

void media_leg_set_arg(struct media_leg *l, void *arg)
{
	l->arg = arg;
}

void *media_leg_arg(const struct media_leg *l)
{
	return l->arg;
}

uint16_t media_leg_port(const struct media_leg *l)
{
	return l->port;
}

enum media_codec media_leg_codec(const struct media_leg *l)
{
	return l->codec;
}

void media_leg_prefer(struct media_leg *l, enum media_codec c)
{
	if (c == MEDIA_PCMU || c == MEDIA_PCMA)
		l->pref = c;
}

void media_leg_on_dtmf(struct media_leg *l, void (*h)(void *arg, char digit), void *arg)
{
	l->dtmfh = h;
	l->dtmf_arg = arg;
}

void media_leg_stats(const struct media_leg *l, struct media_leg_stats *out)
{
	*out = l->st;
	out->lost = mrtp_rx_lost(&l->rx);
	out->latched = l->is_latched;
}

/* --- what a leg hears --- */

int media_bridge(struct media_leg *a, struct media_leg *b)
{
	if (!a || !b || a == b || a->m != b->m)
		return EINVAL;
	if (a->hear == HEAR_BRIDGE && a->peer == b)
		return 0;
	leg_hear_nothing(a);
	leg_hear_nothing(b);
	a->peer = b;
	b->peer = a;
	a->hear = b->hear = HEAR_BRIDGE;
	a->m->nbridges++;
	return 0;
}

void media_unbridge(struct media_leg *l)
{
	if (l && l->hear == HEAR_BRIDGE)
		leg_hear_nothing(l);
}

int media_play(struct media_leg *l, struct media_source *s)
{
	if (!l || !s || s->m != l->m)
		return EINVAL;
	if (l->hear == HEAR_SOURCE && l->src == s)
		return 0;
	leg_hear_nothing(l);
	l->src = s;
	s->listeners++;
	l->hear = HEAR_SOURCE;
	slot_add(l);
	return 0;
}

int media_play_once(struct media_leg *l, const char *file, void (*done)(void *arg), void *arg)
{
	if (!l || !file)
		return EINVAL;
	struct clip *c;
	int err = clip_get(&c, l->m, file);
	if (err)
		return err;
	leg_hear_nothing(l);
	l->once = c;
	l->once_pos = 0;
	l->done = done;
	l->done_arg = arg;
	l->hear = HEAR_ONCE;
	slot_add(l);
	return 0;
}

void media_stop(struct media_leg *l)
{
	if (l)
		leg_hear_nothing(l);
}
