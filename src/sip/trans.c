/* trans: server and client transactions (RFC 3261 17, RFC 6026) on the timer wheel. */
#include "sip/core.h"
#include "base/mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *method_name(enum sipx_method m)
{
	switch (m) {
	case M_INVITE: return "INVITE";
	case M_ACK: return "ACK";
	case M_BYE: return "BYE";
	case M_CANCEL: return "CANCEL";
	case M_OPTIONS: return "OPTIONS";
	case M_REGISTER: return "REGISTER";
	case M_UPDATE: return "UPDATE";
	case M_INFO: return "INFO";
	case M_REFER: return "REFER";
	case M_PRACK: return "PRACK";
	case M_SUBSCRIBE: return "SUBSCRIBE";
	case M_NOTIFY: return "NOTIFY";
	case M_PUBLISH: return "PUBLISH";
	case M_MESSAGE: return "MESSAGE";
	default: return "?";
	}
}

int trans_init(struct sipx *s)
{
	if (htab_init(&s->strans, STRANS_BITS))
		return ENOMEM;
	if (htab_init(&s->ctrans, CTRANS_BITS))
		return ENOMEM;
	return 0;
}

void trans_close(struct sipx *s)
{
	for (uint64_t i = 0; s->strans.b && i <= s->strans.mask; i++)
		while (s->strans.b[i])
			st_free(htab_entry(s->strans.b[i], struct strans, hn));
	for (uint64_t i = 0; s->ctrans.b && i <= s->ctrans.mask; i++)
		while (s->ctrans.b[i])
			ct_free(htab_entry(s->ctrans.b[i], struct ctrans, hn));
	htab_release(&s->strans);
	htab_release(&s->ctrans);
}

/* --- server transactions --- */

size_t st_key(const struct rx *rx, enum sipx_method as, char *key, size_t size)
{
	const struct sip_msg *msg = rx->msg;
	int n = snprintf(key, size, "%.*s|%s|%.*s", (int)msg->via.branch.l, msg->via.branch.p,
			 method_name(as), (int)msg->via.sentby.l, msg->via.sentby.p);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

struct strans *st_find(struct sipx *s, const char *key, size_t klen)
{
	uint64_t h = sipx_hash(s, key, klen);
	for (struct hnode *n = htab_bucket(&s->strans, h); n; n = n->next) {
		struct strans *st = htab_entry(n, struct strans, hn);
		if (n->h == h && st->klen == klen && !memcmp(st->key, key, klen))
			return st;
	}
	return NULL;
}

struct strans *st_new(struct sipx *s, const struct rx *rx, const char *key, size_t klen)
{
	struct strans *st = sb_zalloc(sizeof(*st) + klen + 1);
	if (!st)
		return NULL;
	st->s = s;
	st->met = rx->met;
	st->cseq = rx->msg->cseq.num;
	tp_reply_dest(rx, &st->dst);
	wheel_timer_init(&st->t);
	sipx_id(s, st->totag, sizeof(st->totag));
	st->klen = klen;
	memcpy(st->key, key, klen);
	htab_add(&s->strans, &st->hn, sipx_hash(s, key, klen));
	return st;
}

int st_keep_head(struct strans *st, const struct rhead *h)
{
	char *p = sb_alloc(h->len ? h->len : 1);
	if (!p)
		return ENOMEM;
	memcpy(p, h->p, h->len);
	sb_free(st->head);
	st->head = p;
	st->head_len = h->len;
	st->head_to = h->to_end;
	st->head_totag = h->to_tag;
	return 0;
}

void st_head(const struct strans *st, struct rhead *h)
{
	h->p = st->head;
	h->len = st->head_len;
	h->to_end = st->head_to;
	h->to_tag = st->head_totag;
}

void st_free(struct strans *st)
{
	struct sipx *s = st->s;
	leg_forget_strans(st);
	htab_del(&s->strans, &st->hn);
	wheel_cancel(s->wheel, &st->t);
	sb_free(st->resp);
	sb_free(st->head);
	sb_free(st);
}

static void st_timer_h(void *arg);

/* The final response went out: start the timers of the state it leads to. */
static void st_finalised(struct strans *st)
{
	struct sipx *s = st->s;
	bool udp = st->dst.tp == SIPX_UDP;
	sb_free(st->head);
	st->head = NULL;
	st->head_len = 0;
	if (st->met == M_INVITE && st->code < 300) {
		st->state = ST_ACCEPTED; /* RFC 6026: absorb retransmitted INVITEs (Timer L) */
		wheel_start(s->wheel, &st->t, TLINGER, st_timer_h, st);
	} else if (st->met == M_INVITE) {
		st->state = ST_COMPLETED; /* Timer G (UDP) until the ACK, Timer H */
		st->iv = T1;
		st->deadline = wheel_now(s->wheel) + TLINGER;
		wheel_start(s->wheel, &st->t, udp ? T1 : TLINGER, st_timer_h, st);
	} else {
		st->state = ST_COMPLETED; /* Timer J */
		wheel_start(s->wheel, &st->t, udp ? TLINGER : 0, st_timer_h, st);
	}
}

static void st_timer_h(void *arg)
{
	struct strans *st = arg;
	struct sipx *s = st->s;
	int64_t now = wheel_now(s->wheel);

	switch (st->state) {
	case ST_DELAYED:
		tp_send(s, &st->dst, st->resp, st->resp_len);
		st_finalised(st);
		return;
	case ST_COMPLETED:
		if (st->met == M_INVITE && now < st->deadline) {
			/* Timer G: retransmit the final response until the ACK */
			tp_send(s, &st->dst, st->resp, st->resp_len);
			st->iv = st->iv * 2 > T2 ? T2 : st->iv * 2;
			int64_t left = st->deadline - now;
			wheel_start(s->wheel, &st->t, st->iv < left ? st->iv : left, st_timer_h, st);
			return;
		}
		if (st->met == M_INVITE && st->leg) {
			/* Timer H: the ACK never came */
			struct sipx_leg *leg = st->leg;
			leg_forget_strans(st);
			leg_on_final_acked(leg);
		}
		st_free(st);
		return;
	default:
		/* Timers I, J, L: the transaction is over */
		st_free(st);
		return;
	}
}

static void st_store(struct strans *st, uint16_t code)
{
	size_t len;
	char *p = bld_copy(st->s, &len);
	if (p) {
		sb_free(st->resp);
		st->resp = p;
		st->resp_len = len;
	}
	st->code = code;
}

void st_send(struct strans *st, uint16_t code)
{
	struct sipx *s = st->s;
	if (st->state != ST_PROCEEDING)
		return; /* a final response already went (or waits): cannot happen */
	tp_send(s, &st->dst, (const char *)s->tx->buf, s->tx->end);
	st_store(st, code);
	if (code >= 200)
		st_finalised(st);
}

void st_send_delayed(struct strans *st, uint16_t code, int64_t delay_ms)
{
	if (st->state != ST_PROCEEDING)
		return;
	st_store(st, code);
	st->state = ST_DELAYED;
	wheel_start(st->s->wheel, &st->t, delay_ms, st_timer_h, st);
}

int st_reply(struct strans *st, uint16_t code, const char *reason, const char *extra,
	     const char *ctype, const char *body, size_t blen)
{
	struct rhead h;
	if (!st->head || st->state != ST_PROCEEDING)
		return EALREADY;
	st_head(st, &h);
	int err = bld_resp(st->s, &h, code, reason, st->totag, extra, ctype, body, blen);
	if (!err)
		st_send(st, code);
	return err;
}

void st_on_retransmission(struct strans *st, const struct rx *rx)
{
	struct sipx *s = st->s;
	if (rx->met == M_ACK) {
		if (st->state != ST_COMPLETED)
			return;
		st->state = ST_CONFIRMED; /* Timer I */
		wheel_start(s->wheel, &st->t, st->dst.tp == SIPX_UDP ? T4 : 0, st_timer_h, st);
		if (st->leg) {
			struct sipx_leg *leg = st->leg;
			leg_forget_strans(st);
			leg_on_final_acked(leg);
		}
		return;
	}
	if (st->resp && st->state != ST_DELAYED)
		tp_send(s, &st->dst, st->resp, st->resp_len);
}

/* --- client transactions --- */

static struct ctrans *ct_find(struct sipx *s, const char *key, size_t klen)
{
	uint64_t h = sipx_hash(s, key, klen);
	for (struct hnode *n = htab_bucket(&s->ctrans, h); n; n = n->next) {
		struct ctrans *ct = htab_entry(n, struct ctrans, hn);
		if (n->h == h && ct->klen == klen && !memcmp(ct->key, key, klen))
			return ct;
	}
	return NULL;
}

void ct_free(struct ctrans *ct)
{
	struct sipx *s = ct->s;
	leg_forget_ctrans(ct);
	htab_del(&s->ctrans, &ct->hn);
	wheel_cancel(s->wheel, &ct->t);
	sb_free(ct->req);
	sb_free(ct->ack);
	sb_free(ct);
}

static void ct_timer_h(void *arg)
{
	struct ctrans *ct = arg;
	struct sipx *s = ct->s;
	int64_t now = wheel_now(s->wheel);

	if (ct->state == CT_COMPLETED || ct->state == CT_ACCEPTED) {
		ct_free(ct); /* Timers D, K, M */
		return;
	}
	if (now >= ct->deadline) {
		/* Timer B / F: no final response */
		struct sipx_leg *leg = ct->leg;
		if (leg && ct->purpose != CP_FORGET)
			leg_on_response(leg, ct, NULL, ct->failed ? 503 : 408);
		ct_free(ct);
		return;
	}
	if (ct->dst.tp == SIPX_UDP && ct->req) {
		tp_send(s, &ct->dst, ct->req, ct->req_len); /* Timer A / E */
		if (ct->met == M_INVITE)
			ct->iv *= 2;
		else
			ct->iv = (ct->state == CT_PROCEEDING || ct->iv * 2 > T2) ? T2 : ct->iv * 2;
	}
	int64_t left = ct->deadline - now;
	int64_t next = ct->dst.tp == SIPX_UDP ? ct->iv : left;
	wheel_start(s->wheel, &ct->t, next < left ? next : left, ct_timer_h, ct);
}

struct ctrans *ct_send(struct sipx *s, struct sipx_leg *leg, enum sipx_method met,
		       const char *branch, uint32_t cseq, const struct dest *d, uint8_t purpose)
{
	char key[96];
	int kl = snprintf(key, sizeof(key), "%s|%s", branch, method_name(met));
	if (kl < 0 || (size_t)kl >= sizeof(key))
		return NULL;
	struct ctrans *ct = sb_zalloc(sizeof(*ct) + (size_t)kl + 1);
	if (!ct)
		return NULL;
	ct->req = bld_copy(s, &ct->req_len);
	if (!ct->req) {
		sb_free(ct);
		return NULL;
	}
	ct->s = s;
	ct->leg = leg;
	ct->met = met;
	ct->purpose = purpose;
	ct->cseq = cseq;
	ct->dst = *d;
	ct->iv = T1;
	snprintf(ct->branch, sizeof(ct->branch), "%s", branch);
	ct->klen = (size_t)kl;
	memcpy(ct->key, key, (size_t)kl);
	wheel_timer_init(&ct->t);
	htab_add(&s->ctrans, &ct->hn, sipx_hash(s, key, (size_t)kl));
	ct->deadline = wheel_now(s->wheel) + TLINGER;
	if (tp_send(s, d, ct->req, ct->req_len)) {
		/* unreachable now: the timeout reports it on the next tick */
		ct->deadline = wheel_now(s->wheel);
		ct->failed = true;
		wheel_start(s->wheel, &ct->t, 0, ct_timer_h, ct);
		return ct;
	}
	wheel_start(s->wheel, &ct->t, d->tp == SIPX_UDP ? T1 : TLINGER, ct_timer_h, ct);
	return ct;
}

/* Appends every line of req that starts with prefix (our own, well-formed requests). */
static int copy_lines(struct mbuf *mb, const char *req, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);
	const char *p = req, *end = req + len;
	int err = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl == p + 1)
			break; /* the blank line: end of headers */
		if ((size_t)(nl - p) > pl && !memcmp(p, prefix, pl))
			err |= mbuf_write_mem(mb, (const uint8_t *)p, (size_t)(nl - p) + 1);
		p = nl + 1;
	}
	return err;
}

/* The Request-URI of our request (between the method and " SIP/2.0"). */
static struct pl req_uri(const char *req, size_t len)
{
	struct pl u = {NULL, 0};
	const char *sp = memchr(req, ' ', len);
	if (!sp)
		return u;
	const char *nl = memchr(sp, '\r', len - (size_t)(sp - req));
	if (!nl || nl - sp < 10)
		return u;
	u.p = sp + 1;
	u.l = (size_t)(nl - 8 - u.p); /* strip " SIP/2.0" */
	return u;
}

int ct_cancel(struct ctrans *inv)
{
	struct sipx *s = inv->s;
	struct mbuf *mb = s->tx;
	struct pl uri = req_uri(inv->req, inv->req_len);
	int err = 0;
	if (!inv->req || !uri.l)
		return EINVAL;
	mbuf_rewind(mb);
	err |= mbuf_printf(mb, "CANCEL %r SIP/2.0\r\n", &uri);
	err |= copy_lines(mb, inv->req, inv->req_len, "Via: ");
	err |= mbuf_write_str(mb, "Max-Forwards: 70\r\n");
	err |= copy_lines(mb, inv->req, inv->req_len, "Route: ");
	err |= copy_lines(mb, inv->req, inv->req_len, "From: ");
	err |= copy_lines(mb, inv->req, inv->req_len, "To: ");
	err |= copy_lines(mb, inv->req, inv->req_len, "Call-ID: ");
	err |= mbuf_printf(mb, "CSeq: %u CANCEL\r\nUser-Agent: %s\r\nContent-Length: 0\r\n\r\n",
			   inv->cseq, s->ua);
	if (err)
		return ENOMEM;
	return ct_send(s, NULL, M_CANCEL, inv->branch, inv->cseq, &inv->dst, CP_FORGET) ? 0
											 : ENOMEM;
}

/* The ACK for a non-2xx final: same branch and Request-URI, To from the response. */
static void ct_ack_non2xx(struct ctrans *ct, const struct rx *rx)
{
	struct sipx *s = ct->s;
	struct mbuf *mb = s->tx;
	struct pl uri = req_uri(ct->req, ct->req_len);
	const struct sip_hdr *to = sip_msg_hdr(rx->msg, SIP_HDR_TO);
	int err = 0;
	if (!uri.l || !to)
		return;
	mbuf_rewind(mb);
	err |= mbuf_printf(mb, "ACK %r SIP/2.0\r\n", &uri);
	err |= copy_lines(mb, ct->req, ct->req_len, "Via: ");
	err |= mbuf_write_str(mb, "Max-Forwards: 70\r\n");
	err |= copy_lines(mb, ct->req, ct->req_len, "Route: ");
	err |= copy_lines(mb, ct->req, ct->req_len, "From: ");
	err |= mbuf_printf(mb, "To: %r\r\n", &to->val);
	err |= copy_lines(mb, ct->req, ct->req_len, "Call-ID: ");
	err |= mbuf_printf(mb, "CSeq: %u ACK\r\nContent-Length: 0\r\n\r\n", ct->cseq);
	if (err)
		return;
	sb_free(ct->ack);
	ct->ack = bld_copy(s, &ct->ack_len);
	tp_send(s, &ct->dst, (const char *)mb->buf, mb->end);
}

void ct_on_response(struct sipx *s, const struct rx *rx)
{
	const struct sip_msg *msg = rx->msg;
	char key[96];
	int kl = snprintf(key, sizeof(key), "%.*s|%.*s", (int)msg->via.branch.l, msg->via.branch.p,
			  (int)msg->cseq.met.l, msg->cseq.met.p);
	if (kl < 0 || (size_t)kl >= sizeof(key))
		return;
	struct ctrans *ct = ct_find(s, key, (size_t)kl);
	if (!ct)
		return; /* a stray or very late response */
	uint16_t code = msg->scode;
	int64_t now = wheel_now(s->wheel);
	bool udp = ct->dst.tp == SIPX_UDP;

	if (ct->met == M_INVITE) {
		if (code < 200) {
			if (ct->state == CT_CALLING) {
				ct->state = CT_PROCEEDING; /* Timer A stops; Timer C is the leg's */
				wheel_cancel(s->wheel, &ct->t);
			}
			if (ct->state == CT_PROCEEDING && ct->leg)
				leg_on_response(ct->leg, ct, rx, code);
			return;
		}
		if (code < 300) {
			if (ct->state == CT_ACCEPTED || ct->state == CT_COMPLETED) {
				s->st.retransmissions++;
				if (ct->ack)
					tp_send(s, &ct->dst, ct->ack, ct->ack_len);
				return;
			}
			ct->state = CT_ACCEPTED; /* RFC 6026 Timer M */
			wheel_start(s->wheel, &ct->t, TLINGER, ct_timer_h, ct);
			if (ct->leg)
				leg_on_response(ct->leg, ct, rx, code);
			sb_free(ct->req);
			ct->req = NULL;
			return;
		}
		if (ct->state == CT_COMPLETED || ct->state == CT_ACCEPTED) {
			s->st.retransmissions++;
			if (ct->state == CT_COMPLETED && ct->ack)
				tp_send(s, &ct->dst, ct->ack, ct->ack_len);
			return;
		}
		ct_ack_non2xx(ct, rx);
		ct->state = CT_COMPLETED; /* Timer D */
		wheel_start(s->wheel, &ct->t, udp ? TLINGER : 0, ct_timer_h, ct);
		if (ct->leg)
			leg_on_response(ct->leg, ct, rx, code);
		return;
	}

	if (code < 200) {
		if (ct->state == CT_CALLING)
			ct->state = CT_PROCEEDING;
		return;
	}
	if (ct->state == CT_COMPLETED) {
		s->st.retransmissions++;
		return;
	}
	ct->state = CT_COMPLETED; /* Timer K */
	sb_free(ct->req);
	ct->req = NULL;
	(void)now;
	wheel_start(s->wheel, &ct->t, udp ? T4 : 0, ct_timer_h, ct);
	if (ct->leg && ct->purpose != CP_FORGET)
		leg_on_response(ct->leg, ct, rx, code);
}
