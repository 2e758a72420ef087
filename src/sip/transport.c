/* transport: UDP and TCP sockets, stream framing, message checks before dispatch, sending. */
#include "sip/core.h"
#include "sip/scan.h"
#include "base/clock.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

enum {
	CONN_IDLE_CHECK_MS = 60000,
	TCP_RX_CHUNK = 8192,
	UDP_BATCH = 16, /* datagrams read per readiness of the UDP socket */
};

/*
 * The UDP socket's receive side. libre's udp_listen reads one datagram per
 * readiness into a freshly allocated mbuf; we take the descriptor over and read
 * up to UDP_BATCH datagrams with one recvmmsg into buffers we keep, so a loaded
 * loop makes fewer epoll_wait and allocation calls per message. A buffer still
 * referenced after its message was handled (sip_msg_decode keeps a reference in
 * the message) is replaced.
 */
struct udp_batch {
	struct mbuf *mb[UDP_BATCH];
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	union { /* the kernel's receive timestamp (SCM_TIMESTAMPNS / SCM_TIMESTAMP) */
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(struct timeval))];
	} ctl[UDP_BATCH];
};

void tp_addr_str(const struct sa *a, char *buf, size_t size)
{
	if (re_snprintf(buf, size, "%J", a) < 0)
		buf[0] = '\0';
}

/* --- sending --- */

static int conn_connect(struct sipx *s, const struct sa *peer, struct conn **cp);

static struct conn *conn_find(struct sipx *s, const struct sa *peer)
{
	uint64_t h = sa_hash(peer, SA_ALL);
	for (struct hnode *n = htab_bucket(&s->conns, h); n; n = n->next) {
		struct conn *c = htab_entry(n, struct conn, hn);
		if (n->h == h && !c->closed && sa_cmp(&c->peer, peer, SA_ALL))
			return c;
	}
	return NULL;
}

static int conn_write(struct conn *c, const char *buf, size_t len)
{
	if (!c->established) {
		char *p = sb_realloc(c->pend, c->pend_len + len);
		if (!p)
			return ENOMEM;
		memcpy(p + c->pend_len, buf, len);
		c->pend = p;
		c->pend_len += len;
		return 0;
	}
	struct mbuf mb = {.buf = (uint8_t *)(uintptr_t)buf, .size = len, .pos = 0, .end = len};
	c->last_ms = wheel_now(c->s->wheel);
	return tcp_send(c->tc, &mb);
}

int tp_send(struct sipx *s, const struct dest *d, const char *buf, size_t len)
{
	int err;
	if (d->tp == SIPX_UDP) {
		if (!s->us)
			return ENOTSUP;
		err = sendto(s->ufd, buf, len, 0, &d->addr.u.sa, d->addr.len) < 0 ? errno : 0;
	} else {
		if (!s->ts)
			return ENOTSUP;
		struct conn *c = conn_find(s, &d->addr);
		if (!c && d->alt_port) {
			/* RFC 3261 18.2.2: the connection is gone; open one to the Via's port */
			struct sa alt = d->addr;
			sa_set_port(&alt, d->alt_port);
			c = conn_find(s, &alt);
			if (!c && (err = conn_connect(s, &alt, &c)))
				return err;
		} else if (!c && (err = conn_connect(s, &d->addr, &c))) {
			return err;
		}
		err = conn_write(c, buf, len);
	}
	if (!err)
		s->st.tx++;
	return err;
}

void tp_reply_dest(const struct rx *rx, struct dest *d)
{
	const struct sip_msg *msg = rx->msg;
	uint16_t via_port = sa_port(&msg->via.addr) ? sa_port(&msg->via.addr) : SIP_PORT;
	memset(d, 0, sizeof(*d));
	d->tp = rx->tp;
	d->addr = rx->src;
	if (rx->tp == SIPX_TCP) {
		d->alt_port = via_port;
		return;
	}
	/* RFC 3581: to the source port when the client asked (rport); else to the Via port */
	struct pl rp;
	if (msg_param_exists(&msg->via.params, "rport", &rp) != 0)
		sa_set_port(&d->addr, via_port);
}

int tp_dest_from_uri(struct dest *d, const struct uri *u, enum sipx_transport deftp)
{
	struct pl tpv;
	memset(d, 0, sizeof(*d));
	d->tp = deftp;
	if (!msg_param_decode(&u->params, "transport", &tpv)) {
		if (!pl_strcasecmp(&tpv, "tcp"))
			d->tp = SIPX_TCP;
		else if (!pl_strcasecmp(&tpv, "udp"))
			d->tp = SIPX_UDP;
		else
			return EINVAL;
	}
	if (sa_set(&d->addr, &u->host, u->port ? u->port : SIP_PORT))
		return EINVAL;
	return 0;
}

/* --- receiving: checks every message passes before dispatch --- */

static bool token_ok(const struct pl *pl)
{
	return pl->l > 0 && pl->l <= MAX_ID;
}

static bool lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* CSeq: a number below 2^31 and a method (the request's), nothing else. */
static bool cseq_ok(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	if (!h)
		return false;
	const char *p = h->val.p, *end = h->val.p + h->val.l;
	while (p < end && lws(*p))
		p++;
	uint64_t x = 0;
	size_t digits = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x >= (1ULL << 31))
			return false;
	}
	if (!digits || p == end || !lws(*p))
		return false;
	while (p < end && lws(*p))
		p++;
	struct pl met = {p, 0};
	while (p < end && !lws(*p))
		p++;
	met.l = (size_t)(p - met.p);
	while (p < end && lws(*p))
		p++;
	if (p != end || !met.l)
		return false;
	return !msg->req || !pl_cmp(&met, &msg->met);
}

/* Answers 400 with what the request allows (it passed libre's parser, so it has a Via). */
static void reply_400(struct sipx *s, struct rx *rx, const char *reason)
{
	struct rhead h;
	struct dest d;
	char tag[TAG_LEN + 1];
	s->st.malformed++;
	if (!rx->msg->req || rx->met == M_ACK)
		return;
	if (bld_head(s, rx, &h))
		return;
	sipx_tag_for(s, rx, tag, sizeof(tag));
	if (bld_resp(s, &h, 400, reason, tag, NULL, NULL, NULL, 0))
		return;
	tp_reply_dest(rx, &d);
	tp_send(s, &d, (const char *)s->tx->buf, s->tx->end);
}

int tp_input(struct sipx *s, struct mbuf *mb, enum sipx_transport tp, const struct sa *src,
	     struct conn *conn)
{
	return tp_input_waited(s, mb, tp, src, conn, -1);
}

int tp_input_waited(struct sipx *s, struct mbuf *mb, enum sipx_transport tp, const struct sa *src,
		    struct conn *conn, int64_t waited_us)
{
	const char *p = (const char *)mbuf_buf(mb);
	size_t n = mbuf_get_left(mb);
	struct sipscan sc;
	struct sip_msg *msg = NULL;
	struct rx rx;
	int err;

	err = sipscan_head(p, n, &sc);
	if (err == ENODATA)
		return 0; /* keep-alive */
	if (err) {
		s->st.malformed++;
		return EBADMSG; /* no complete header section: nobody to answer */
	}
	size_t avail = n - sc.head_end;
	mbuf_advance(mb, (ssize_t)sc.start);
	err = sip_msg_decode(&msg, mb);
	if (err) {
		s->st.malformed++;
		return EBADMSG;
	}
	memset(&rx, 0, sizeof(rx));
	msg->src = *src;
	msg->tp = tp == SIPX_TCP ? SIP_TRANSP_TCP : SIP_TRANSP_UDP;
	rx.msg = msg;
	rx.tp = tp;
	rx.src = *src;
	rx.conn = conn;
	rx.met = sipx_method_of(msg->req ? &msg->met : &msg->cseq.met);
	rx.waited_us = waited_us;

	if (!pl_isset(&msg->via.sentby)) {
		/* no Via: nowhere to send an answer */
		s->st.malformed++;
		mem_deref(msg);
		return EBADMSG;
	}
	const char *why = NULL;
	if (sc.bad_bytes)
		why = "Bad Characters";
	else if (sc.headers > s->cfg.max_headers)
		why = "Too Many Headers";
	else if (sc.bad_clen)
		why = "Bad Content-Length";
	else if (sc.clen > (long)avail)
		why = "Content-Length Exceeds Message";
	else if (!token_ok(&msg->via.branch))
		why = "Bad Via";
	else if (sip_msg_hdr_count(msg, SIP_HDR_FROM) != 1 ||
		 sip_msg_hdr_count(msg, SIP_HDR_TO) != 1 ||
		 sip_msg_hdr_count(msg, SIP_HDR_CALL_ID) != 1 ||
		 sip_msg_hdr_count(msg, SIP_HDR_CSEQ) != 1)
		why = "Missing Or Repeated From, To, Call-ID or CSeq";
	else if (!token_ok(&msg->callid) || msg->from.tag.l > MAX_ID || msg->to.tag.l > MAX_ID)
		why = "Bad Call-ID or Tag";
	else if (!cseq_ok(msg))
		why = "Bad CSeq";
	else if (!sipscan_addr_ok(msg->from.val.p, msg->from.val.l) ||
		 !sipscan_addr_ok(msg->to.val.p, msg->to.val.l))
		why = "Bad From or To";
	else if (sip_msg_hdr_count(msg, SIP_HDR_CONTENT_LENGTH) > 1 && sc.clen < 0)
		why = "Bad Content-Length";
	else if (msg->req && msg->ver.l && pl_strcmp(&msg->ver, "SIP/2.0"))
		why = "Bad Version";
	if (why) {
		reply_400(s, &rx, why);
		mem_deref(msg);
		return EBADMSG;
	}
	rx.body = (const char *)mbuf_buf(msg->mb);
	rx.blen = sc.clen >= 0 ? (size_t)sc.clen : (tp == SIPX_UDP ? avail : 0);
	if (rx.blen > mbuf_get_left(msg->mb))
		rx.blen = mbuf_get_left(msg->mb); /* cannot happen: checked against avail */
	sipx_recv(s, &rx);
	mem_deref(msg);
	return 0;
}

/* --- UDP --- */

static void on_udp(const struct sa *src, struct mbuf *mb, struct sipx *s, int64_t waited_us)
{
	s->st.rx++;
	if (mbuf_get_left(mb) > s->cfg.max_message) {
		s->st.malformed++; /* too large for us: dropped (no answer over UDP) */
		return;
	}
	sipx_enter(s);
	tp_input_waited(s, mb, SIPX_UDP, src, NULL, waited_us);
	sipx_leave(s);
}

/* libre's handler for the socket it opened: never called once we read the descriptor. */
static void on_udp_libre(const struct sa *src, struct mbuf *mb, void *arg)
{
	on_udp(src, mb, arg, -1);
}

/*
 * How long datagram h waited in the socket's receive buffer: the kernel's
 * receive timestamp (CLOCK_REALTIME, taken when the datagram was queued)
 * against now (read once per batch, just after recvmmsg). -1 when the
 * kernel gave no timestamp. A step of the wall clock between the two can
 * distort one batch: a backwards step reads as 0, a forward one as a wait.
 */
static int64_t udp_waited_us(const struct msghdr *h, const struct timespec *now)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR((struct msghdr *)h, c)) {
		struct timespec ts;
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		} else if (c->cmsg_type == SCM_TIMESTAMP &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct timeval))) {
			struct timeval tv;
			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
			ts.tv_sec = tv.tv_sec;
			ts.tv_nsec = (long)tv.tv_usec * 1000;
		} else {
			continue;
		}
		int64_t us = ((int64_t)now->tv_sec - (int64_t)ts.tv_sec) * 1000000 +
			     ((int64_t)now->tv_nsec - (int64_t)ts.tv_nsec) / 1000;
		return us > 0 ? us : 0;
	}
	return -1;
}

static void udp_batch_free(struct udp_batch *ub)
{
	if (!ub)
		return;
	for (unsigned i = 0; i < UDP_BATCH; i++)
		mem_deref(ub->mb[i]);
	sb_free(ub);
}

/* Slot i ready for the next read: a buffer of our own, emptied. */
static int udp_slot(struct sipx *s, unsigned i)
{
	struct udp_batch *ub = s->ub;
	if (ub->mb[i] && mem_nrefs(ub->mb[i]) > 1)
		ub->mb[i] = mem_deref(ub->mb[i]); /* still held by a message: leave it to it */
	if (!ub->mb[i] && !(ub->mb[i] = mbuf_alloc(s->cfg.max_message + 1)))
		return ENOMEM;
	struct mbuf *mb = ub->mb[i];
	mb->pos = mb->end = 0;
	ub->iov[i] = (struct iovec){.iov_base = mb->buf, .iov_len = mb->size};
	ub->mm[i].msg_hdr =
	    (struct msghdr){.msg_name = &ub->from[i],
			    .msg_namelen = sizeof(ub->from[i]),
			    .msg_iov = &ub->iov[i],
			    .msg_iovlen = 1,
			    .msg_control = s->ustamp ? ub->ctl[i].buf : NULL,
			    .msg_controllen = s->ustamp ? sizeof(ub->ctl[i].buf) : 0};
	ub->mm[i].msg_len = 0;
	return 0;
}

static void on_udp_ready(int flags, void *arg)
{
	struct sipx *s = arg;
	struct udp_batch *ub = s->ub;
	(void)flags;
	unsigned want = 0;
	while (want < UDP_BATCH && !udp_slot(s, want))
		want++;
	if (!want)
		return;
	int n = recvmmsg(s->ufd, ub->mm, want, MSG_DONTWAIT, NULL);
	struct timespec now = {0, 0};
	if (n > 0 && s->ustamp)
		clock_gettime(CLOCK_REALTIME, &now);
	for (int i = 0; i < n; i++) {
		const struct msghdr *h = &ub->mm[i].msg_hdr;
		struct mbuf *mb = ub->mb[i];
		struct sa src;
		if (h->msg_flags & MSG_TRUNC) { /* larger than max_message + 1 */
			s->st.rx++;
			s->st.malformed++;
			continue;
		}
		sa_init(&src, AF_UNSPEC);
		if (h->msg_namelen > sizeof(src.u) || h->msg_namelen < sizeof(struct sockaddr_in))
			continue;
		memcpy(&src.u, h->msg_name, h->msg_namelen);
		src.len = h->msg_namelen;
		mb->end = ub->mm[i].msg_len;
		int64_t waited = s->ustamp ? udp_waited_us(h, &now) : -1;
		if (waited > 0 && (uint64_t)waited > s->st.max_wait_us)
			s->st.max_wait_us = (uint64_t)waited;
		if (s->cfg.overload_wait_ms && waited > (int64_t)s->cfg.overload_wait_ms * 1000)
			s->late_ms = clock_mono_ms(); /* also what TCP's INVITEs go by (sipx.c) */
		on_udp(&src, mb, s, waited);
	}
}

/* --- TCP connections --- */

static void conn_free(struct conn *c)
{
	struct sipx *s = c->s;
	wheel_cancel(s->wheel, &c->idle);
	htab_del(&s->conns, &c->hn);
	dlist_unlink(&c->le);
	s->nconns--;
	mem_deref(c->tc);
	sb_free(c->rx);
	sb_free(c->pend);
	sb_free(c);
}

static void conn_free_h(void *arg)
{
	conn_free(arg);
}

/* Closes the connection; it is freed on the next tick (a caller up the stack may still hold it). */
static void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	htab_del(&c->s->conns, &c->hn);
	wheel_cancel(c->s->wheel, &c->idle);
	wheel_start(c->s->wheel, &c->idle, 0, conn_free_h, c);
}

static void conn_idle_h(void *arg)
{
	struct conn *c = arg;
	struct sipx *s = c->s;
	int64_t idle_ms = ((int64_t)s->cfg.reg_max_expires + 120) * 1000;
	if (wheel_now(s->wheel) - c->last_ms >= idle_ms) {
		conn_close(c);
		return;
	}
	wheel_start(s->wheel, &c->idle, CONN_IDLE_CHECK_MS, conn_idle_h, c);
}

static void conn_estab_h(void *arg)
{
	struct conn *c = arg;
	if (c->established || c->closed)
		return;
	c->established = true;
	if (c->pend_len) {
		struct mbuf mb = {
		    .buf = (uint8_t *)c->pend, .size = c->pend_len, .pos = 0, .end = c->pend_len};
		if (tcp_send(c->tc, &mb))
			conn_close(c);
		sb_free(c->pend);
		c->pend = NULL;
		c->pend_len = 0;
	}
}

static void conn_close_h(int err, void *arg)
{
	struct conn *c = arg;
	(void)err;
	sipx_enter(c->s);
	struct sipx *s = c->s;
	conn_close(c);
	sipx_leave(s);
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->rx, c->rx + n, c->rx_len - n);
	c->rx_len -= n;
}

/* Answers 513 to a request whose body we will not read, from its header section alone. */
static void reply_513(struct conn *c, const char *p, size_t head_len)
{
	struct sipx *s = c->s;
	struct mbuf *mb = mbuf_alloc(head_len);
	struct sip_msg *msg = NULL;
	if (!mb)
		return;
	mbuf_write_mem(mb, (const uint8_t *)p, head_len);
	mb->pos = 0;
	if (!sip_msg_decode(&msg, mb) && msg->req && pl_isset(&msg->via.sentby)) {
		struct rx rx;
		struct rhead h;
		char tag[TAG_LEN + 1];
		memset(&rx, 0, sizeof(rx));
		msg->src = c->peer;
		msg->tp = SIP_TRANSP_TCP;
		rx.msg = msg;
		rx.tp = SIPX_TCP;
		rx.src = c->peer;
		rx.conn = c;
		rx.met = sipx_method_of(&msg->met);
		sipx_id(s, tag, sizeof(tag));
		if (rx.met != M_ACK && !bld_head(s, &rx, &h) &&
		    !bld_resp(s, &h, 513, NULL, tag, NULL, NULL, NULL, 0))
			conn_write(c, (const char *)s->tx->buf, s->tx->end);
	}
	mem_deref(msg);
	mem_deref(mb);
}

/* Frames and processes every complete message in the connection's buffer. */
static void conn_frame(struct conn *c)
{
	struct sipx *s = c->s;
	while (!c->closed && c->rx_len) {
		if (c->skip) {
			size_t k = c->skip < c->rx_len ? c->skip : c->rx_len;
			consume(c, k);
			c->skip -= k;
			continue;
		}
		struct sipscan sc;
		int err = sipscan_head(c->rx, c->rx_len, &sc);
		if (err == ENODATA) {
			/* RFC 5626 keep-alive: a double CRLF ping gets a CRLF pong */
			if (c->rx_len >= 4 && !memcmp(c->rx + c->rx_len - 4, "\r\n\r\n", 4))
				conn_write(c, "\r\n", 2);
			consume(c, c->rx_len);
			break;
		}
		if (err == EAGAIN) {
			if (c->rx_len > s->cfg.max_message) {
				s->st.malformed++;
				conn_close(c); /* a header section we will not hold */
			}
			break;
		}
		if (sc.bad_clen) {
			s->st.malformed++;
			conn_close(c); /* the stream cannot be framed any more */
			break;
		}
		size_t clen = sc.clen > 0 ? (size_t)sc.clen : 0;
		if (sc.head_end > s->cfg.max_message || clen > s->cfg.max_message - sc.head_end) {
			s->st.rx++;
			s->st.malformed++;
			reply_513(c, c->rx, sc.head_end);
			consume(c, sc.head_end);
			c->skip = clen;
			continue;
		}
		size_t total = sc.head_end + clen;
		if (c->rx_len < total)
			break;
		struct mbuf *mb = mbuf_alloc(total);
		if (!mb) {
			conn_close(c);
			break;
		}
		mbuf_write_mem(mb, (const uint8_t *)c->rx, total);
		mb->pos = 0;
		consume(c, total);
		s->st.rx++;
		tp_input(s, mb, SIPX_TCP, &c->peer, c);
		mem_deref(mb);
	}
}

static void conn_recv_h(struct mbuf *mb, void *arg)
{
	struct conn *c = arg;
	struct sipx *s = c->s;
	size_t n = mbuf_get_left(mb);
	if (c->closed)
		return;
	sipx_enter(s);
	c->last_ms = wheel_now(s->wheel);
	if (c->rx_len + n > c->rx_cap) {
		size_t cap = c->rx_len + n + TCP_RX_CHUNK;
		char *p = sb_realloc(c->rx, cap);
		if (!p) {
			conn_close(c);
			sipx_leave(s);
			return;
		}
		c->rx = p;
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, mbuf_buf(mb), n);
	c->rx_len += n;
	conn_frame(c);
	sipx_leave(s);
}

static struct conn *conn_new(struct sipx *s, const struct sa *peer)
{
	if (s->nconns >= MAX_CONNS)
		return NULL;
	struct conn *c = sb_zalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->s = s;
	c->peer = *peer;
	c->last_ms = wheel_now(s->wheel);
	wheel_timer_init(&c->idle);
	htab_add(&s->conns, &c->hn, sa_hash(peer, SA_ALL));
	dlist_append(&s->conns_all, &c->le);
	s->nconns++;
	wheel_start(s->wheel, &c->idle, CONN_IDLE_CHECK_MS, conn_idle_h, c);
	return c;
}

static void on_tcp_conn(const struct sa *peer, void *arg)
{
	struct sipx *s = arg;
	struct conn *c = conn_new(s, peer);
	if (!c) {
		tcp_reject(s->ts);
		return;
	}
	if (tcp_accept(&c->tc, s->ts, conn_estab_h, conn_recv_h, conn_close_h, c)) {
		tcp_reject(s->ts);
		conn_free(c);
		return;
	}
	c->established = true; /* accepted: we may send at once */
}

static int conn_connect(struct sipx *s, const struct sa *peer, struct conn **cp)
{
	struct conn *c = conn_new(s, peer);
	if (!c)
		return ENOMEM;
	int err = tcp_connect(&c->tc, peer, conn_estab_h, conn_recv_h, conn_close_h, c);
	if (err) {
		conn_free(c);
		return err;
	}
	*cp = c;
	return 0;
}

/* --- life cycle --- */

static int host_of(const struct sa *bound, char *out, size_t size)
{
	struct sa a = *bound;
	if (sa_is_any(&a)) {
		struct sa ip;
		if (net_default_source_addr_get(sa_af(&a), &ip))
			return EADDRNOTAVAIL;
		sa_set_port(&ip, sa_port(&a));
		a = ip;
	}
	tp_addr_str(&a, out, size);
	return 0;
}

int tp_init(struct sipx *s)
{
	struct sa la;
	int err;
	if (s->cfg.udp_addr) {
		if (sa_decode(&la, s->cfg.udp_addr, strlen(s->cfg.udp_addr)))
			return EINVAL;
		err = udp_listen(&s->us, &la, on_udp_libre, s);
		if (err)
			return err;
		if (s->cfg.udp_sockbuf > 0)
			udp_sockbuf_set(s->us, s->cfg.udp_sockbuf);
		if ((err = udp_local_get(s->us, &s->udp_laddr)))
			return err;
		/* our reads replace libre's on the same descriptor; buffers of one byte more
		 * than we accept: a larger datagram shows as too large, not truncated */
		s->ufd = udp_sock_fd(s->us, sa_af(&la));
		if (s->ufd < 0)
			return EBADF;
		if (!(s->ub = sb_zalloc(sizeof(*s->ub))))
			return ENOMEM;
		/* receive timestamps: how long each datagram waited (overload shedding) */
		int on = 1;
		if (!setsockopt(s->ufd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)))
			s->ustamp = SO_TIMESTAMPNS;
		else if (!setsockopt(s->ufd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on)))
			s->ustamp = SO_TIMESTAMP;
		if ((err = fd_listen(s->ufd, FD_READ, on_udp_ready, s)))
			return err;
		if ((err = host_of(&s->udp_laddr, s->udp_host, sizeof(s->udp_host))))
			return err;
	}
	if (s->cfg.tcp_addr) {
		if (sa_decode(&la, s->cfg.tcp_addr, strlen(s->cfg.tcp_addr)))
			return EINVAL;
		err = tcp_listen(&s->ts, &la, on_tcp_conn, s);
		if (err)
			return err;
		if ((err = tcp_local_get(s->ts, &s->tcp_laddr)))
			return err;
		if ((err = host_of(&s->tcp_laddr, s->tcp_host, sizeof(s->tcp_host))))
			return err;
	}
	return 0;
}

void tp_close(struct sipx *s)
{
	while (!dlist_empty(&s->conns_all))
		conn_free(htab_entry(dlist_first(&s->conns_all), struct conn, le));
	s->us = mem_deref(s->us); /* closes ufd, our watch with it */
	s->ufd = -1;
	udp_batch_free(s->ub);
	s->ub = NULL;
	s->ts = mem_deref(s->ts);
}
