/* dialog: call legs: inbound and outbound INVITE dialogs, in-dialog requests, session timers, the
 * leg API. */
#include "sip/core.h"
#include "base/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* --- small helpers --- */

/* An exact-size, NUL-terminated string from a printf format (NULL when out of memory). */
static char *sfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sfmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = sb_alloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static char *dup_pl(const struct pl *pl)
{
	return sb_strndup(pl->p ? pl->p : "", pl->l);
}

static bool pl_eq_str(const struct pl *pl, const char *s)
{
	size_t l = s ? strlen(s) : 0;
	return pl->l == l && (!l || !memcmp(pl->p, s, l));
}

/* A string from the controller that goes into a header: no control characters. */
static bool text_ok(const char *s, size_t max)
{
	if (!s)
		return true;
	size_t n = 0;
	for (; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
			return false;
	return n < max;
}

/* A user part: no control characters, spaces or URI delimiters. */
static bool user_ok(const char *s)
{
	if (!s || !*s)
		return false;
	size_t n = 0;
	for (; s[n]; n++)
		if ((unsigned char)s[n] <= 0x20 || strchr("<>\"@:;?&=,\\", s[n]) || s[n] == 0x7f)
			return false;
	return n < SIPX_USER_MAX;
}

static void contact_hdr(const struct sipx *s, enum sipx_transport tp, char *buf, size_t size)
{
	snprintf(buf, size, "Contact: <sip:sb@%s%s>\r\n", sipx_host(s, tp),
		 tp == SIPX_TCP ? ";transport=tcp" : "");
}

/* --- events and life cycle --- */

static bool terminal(enum sipx_event ev)
{
	return ev == SIPX_EV_FAILED || ev == SIPX_EV_CANCELLED || ev == SIPX_EV_BYE ||
	       ev == SIPX_EV_ENDED;
}

static void leg_emit(struct sipx_leg *leg, struct sipx_event_info *ei)
{
	struct sipx *s = leg->s;
	if (leg->released || leg->reported)
		return;
	if (terminal(ei->ev))
		leg->reported = true;
	if (s->cfg.event)
		s->cfg.event(s->cfg.arg, leg, ei);
}

static void leg_event(struct sipx_leg *leg, enum sipx_event ev, uint16_t code, const char *reason,
		      const char *sdp, size_t sdp_len)
{
	struct sipx_event_info ei;
	memset(&ei, 0, sizeof(ei));
	ei.ev = ev;
	ei.code = code;
	if (reason)
		snprintf(ei.reason, sizeof(ei.reason), "%s", reason);
	ei.sdp = sdp_len ? sdp : NULL;
	ei.sdp_len = sdp_len;
	leg_emit(leg, &ei);
}

static void leg_reap_check(struct sipx_leg *leg)
{
	struct sipx *s = leg->s;
	if (!leg->released || leg->state != LS_TERMINATED || leg->reaped)
		return;
	leg->reaped = true;
	dlist_unlink(&leg->le);
	dlist_append(&s->reap, &leg->le);
}

/* SIP is done with the leg. */
static void leg_done(struct sipx_leg *leg)
{
	struct sipx *s = leg->s;
	leg->state = LS_TERMINATED;
	wheel_cancel(s->wheel, &leg->t2xx);
	wheel_cancel(s->wheel, &leg->tc);
	wheel_cancel(s->wheel, &leg->tse);
	sb_free(leg->resp2xx);
	leg->resp2xx = NULL;
	leg_reap_check(leg);
}

void leg_forget_strans(struct strans *st)
{
	struct sipx_leg *leg = st->leg;
	if (!leg)
		return;
	if (leg->inv_st == st)
		leg->inv_st = NULL;
	if (leg->upd_st == st)
		leg->upd_st = NULL;
	st->leg = NULL;
}

void leg_forget_ctrans(struct ctrans *ct)
{
	struct sipx_leg *leg = ct->leg;
	if (!leg)
		return;
	if (leg->inv_ct == ct)
		leg->inv_ct = NULL;
	if (leg->reinv_ct == ct)
		leg->reinv_ct = NULL;
	if (leg->bye_ct == ct)
		leg->bye_ct = NULL;
	ct->leg = NULL;
}

void leg_free(struct sipx_leg *leg)
{
	struct sipx *s = leg->s;
	if (leg->inv_st)
		leg_forget_strans(leg->inv_st);
	if (leg->upd_st)
		leg_forget_strans(leg->upd_st);
	if (leg->inv_ct)
		leg_forget_ctrans(leg->inv_ct);
	if (leg->reinv_ct)
		leg_forget_ctrans(leg->reinv_ct);
	if (leg->bye_ct)
		leg_forget_ctrans(leg->bye_ct);
	wheel_cancel(s->wheel, &leg->t2xx);
	wheel_cancel(s->wheel, &leg->tc);
	wheel_cancel(s->wheel, &leg->tse);
	if (leg->in_hash)
		htab_del(&s->legs, &leg->hn);
	dlist_unlink(&leg->le);
	sb_free(leg->callid);
	sb_free(leg->rtag);
	sb_free(leg->lhdr);
	sb_free(leg->rhdr);
	sb_free(leg->rtarget);
	sb_free(leg->route);
	sb_free(leg->rr);
	sb_free(leg->lsdp);
	sb_free(leg->resp2xx);
	sb_free(leg);
}

static struct sipx_leg *leg_new(struct sipx *s, bool inbound)
{
	struct sipx_leg *leg = sb_zalloc(sizeof(*leg));
	if (!leg)
		return NULL;
	leg->s = s;
	leg->inbound = inbound;
	wheel_timer_init(&leg->t2xx);
	wheel_timer_init(&leg->tc);
	wheel_timer_init(&leg->tse);
	dlist_init(&leg->le);
	dlist_append(&s->legs_all, &leg->le);
	return leg;
}

static void leg_hash(struct sipx_leg *leg)
{
	htab_add(&leg->s->legs, &leg->hn, sipx_hash(leg->s, leg->callid, leg->callid_len));
	leg->in_hash = true;
}

struct sipx_leg *leg_find(struct sipx *s, const struct pl *callid, const struct pl *ltag,
			  const struct pl *rtag)
{
	uint64_t h = sipx_hash(s, callid->p, callid->l);
	for (struct hnode *n = htab_bucket(&s->legs, h); n; n = n->next) {
		struct sipx_leg *leg = htab_entry(n, struct sipx_leg, hn);
		if (n->h != h || leg->callid_len != callid->l ||
		    memcmp(leg->callid, callid->p, callid->l))
			continue;
		if (pl_eq_str(ltag, leg->ltag) && pl_eq_str(rtag, leg->rtag))
			return leg;
	}
	return NULL;
}

static int set_str(char **dst, char *v)
{
	if (!v)
		return ENOMEM;
	sb_free(*dst);
	*dst = v;
	return 0;
}

static int set_sdp(struct sipx_leg *leg, const char *sdp, size_t len)
{
	if (!sdp || !len)
		return 0;
	char *p = sb_alloc(len);
	if (!p)
		return ENOMEM;
	memcpy(p, sdp, len);
	sb_free(leg->lsdp);
	leg->lsdp = p;
	leg->lsdp_len = len;
	return 0;
}

/* --- remote target and route set --- */

static bool first_contact_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	(void)msg;
	*(const struct sip_hdr **)arg = hdr;
	return true;
}

/* The URI of the message's first Contact (false when none or unparseable). */
static bool contact_uri(const struct sip_msg *msg, struct sip_addr *addr)
{
	const struct sip_hdr *h = NULL;
	sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, first_contact_h, &h);
	return h && !sip_addr_decode(addr, &h->val) && addr->auri.l && addr->auri.l < SIPX_URI_MAX;
}

struct route_arg {
	struct mbuf *route; /* "a, b, c" */
	struct mbuf *rr;    /* "Record-Route: a\r\n..." */
	struct pl first;
	unsigned n;
};

static bool rr_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct route_arg *a = arg;
	(void)msg;
	if (a->n++)
		mbuf_write_str(a->route, ", ");
	else
		a->first = hdr->val;
	mbuf_write_pl(a->route, &hdr->val);
	if (a->rr)
		mbuf_printf(a->rr, "Record-Route: %r\r\n", &hdr->val);
	return false;
}

/* Where in-dialog requests go: the first route, else the remote target, else where the peer is. */
static void leg_dest(struct sipx_leg *leg, const struct pl *first_route, const struct sa *src)
{
	struct dest d;
	struct sip_addr ra;
	struct uri u;
	struct pl target;
	bool ok = false;
	if (first_route && first_route->l && !sip_addr_decode(&ra, first_route))
		ok = !tp_dest_from_uri(&d, &ra.uri, leg->tp);
	if (!ok && leg->rtarget) {
		pl_set_str(&target, leg->rtarget);
		ok = !uri_decode(&u, &target) && !tp_dest_from_uri(&d, &u, leg->tp);
	}
	if (leg->tp == SIPX_TCP && src) {
		/* reuse the connection the peer uses; reconnect to its contact port if it goes */
		uint16_t port = ok ? sa_port(&d.addr) : SIP_PORT;
		memset(&d, 0, sizeof(d));
		d.tp = SIPX_TCP;
		d.addr = *src;
		d.alt_port = port;
		ok = true;
	}
	if (!ok && src) {
		memset(&d, 0, sizeof(d));
		d.tp = leg->tp;
		d.addr = *src;
		ok = true;
	}
	if (ok)
		leg->dst = d;
}

/* Reads the route set from Record-Route (UAS: in order; UAC: reversed). */
static int leg_routes(struct sipx_leg *leg, const struct sip_msg *msg, bool uas, struct pl *first)
{
	struct route_arg a = {0};
	int err = 0;
	a.route = mbuf_alloc(256);
	a.rr = uas ? mbuf_alloc(256) : NULL;
	if (!a.route || (uas && !a.rr)) {
		err = ENOMEM;
		goto out;
	}
	sip_msg_hdr_apply(msg, uas, SIP_HDR_RECORD_ROUTE, rr_h, &a);
	first->p = NULL;
	first->l = 0;
	if (a.n) {
		struct pl r = {(const char *)a.route->buf, a.route->end};
		err |= set_str(&leg->route, dup_pl(&r));
		if (uas) {
			struct pl rr = {(const char *)a.rr->buf, a.rr->end};
			err |= set_str(&leg->rr, dup_pl(&rr));
		}
		*first = a.first; /* the first route (UAC: the last Record-Route), in msg */
	}
out:
	mem_deref(a.route);
	mem_deref(a.rr);
	return err ? ENOMEM : 0;
}

/* --- session timers (RFC 4028) --- */

static void se_timer_h(void *arg);

/* Starts the refresh (we refresh) or the expiry (they do) timer for the negotiated interval. */
static void se_start(struct sipx_leg *leg)
{
	struct sipx *s = leg->s;
	if (!leg->se) {
		wheel_cancel(s->wheel, &leg->tse);
		return;
	}
	int64_t se_ms = (int64_t)leg->se * 1000;
	int64_t margin = leg->se / 3 < 32 ? (int64_t)leg->se * 1000 / 3 : 32000;
	wheel_start(s->wheel, &leg->tse, leg->refresher_us ? se_ms / 2 : se_ms - margin, se_timer_h,
		    leg);
}

/*
 * The interval and refresher for our answer to a request that may carry
 * Session-Expires. Returns 0, or the status to answer with (422 too small,
 * 400 malformed). *se 0: no session timer.
 */
static uint16_t se_negotiate(struct sipx_leg *leg, const struct sip_msg *msg, uint32_t *se,
			     bool *refresher_us)
{
	struct sipx *s = leg->s;
	char refr[4];
	uint32_t v = 0;
	bool has = msg_session_expires(msg, &v, refr);
	bool supported = msg_has_option(msg, SIP_HDR_SUPPORTED, "timer") ||
			 msg_has_option(msg, SIP_HDR_REQUIRE, "timer");
	leg->peer_timer = supported;
	if (!has && sip_msg_hdr(msg, SIP_HDR_SESSION_EXPIRES))
		return 400;
	if (has && v < s->cfg.min_se)
		return 422;
	if (has) {
		*se = v;
		if (!strcmp(refr, "uac"))
			*refresher_us = false;
		else if (!strcmp(refr, "uas"))
			*refresher_us = true;
		else
			*refresher_us = !supported;
		return 0;
	}
	if (s->cfg.session_expires) {
		const struct sip_hdr *mse = sip_msg_hdr(msg, SIP_HDR_MIN_SE);
		uint32_t want = s->cfg.session_expires, peer_min = 0;
		if (mse) {
			struct pl num;
			if (!re_regex(mse->val.p, mse->val.l, "[0-9]+", &num))
				peer_min = pl_u32(&num);
		}
		*se = want > peer_min ? want : peer_min;
		*refresher_us = !supported;
		return 0;
	}
	*se = 0;
	*refresher_us = false;
	return 0;
}

/* Session-Expires (and Require: timer) for a 2xx we send. */
static void se_resp_headers(const struct sipx_leg *leg, char *buf, size_t size)
{
	if (!leg->se) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "Session-Expires: %u;refresher=%s\r\n%s", leg->se,
		 leg->refresher_us ? "uas" : "uac", leg->peer_timer ? "Require: timer\r\n" : "");
}

static void answer_422(struct strans *st, uint16_t code)
{
	char extra[48];
	snprintf(extra, sizeof(extra), "Min-SE: %u\r\n", st->s->cfg.min_se);
	st_reply(st, code, code == 400 ? "Bad Session-Expires" : NULL, code == 422 ? extra : NULL,
		 NULL, NULL, 0);
}

/* --- sending in-dialog requests --- */

static struct ctrans *leg_request(struct sipx_leg *leg, const char *method, enum sipx_method m,
				  const char *extra, const char *body, size_t blen,
				  const char *ctype, uint8_t purpose)
{
	struct sipx *s = leg->s;
	char branch[32];
	bld_branch(s, branch);
	uint32_t cseq = ++leg->lcseq;
	if (bld_dlg_req(s, leg, method, cseq, branch, extra, ctype, body, blen))
		return NULL;
	/* nobody waits for a forgotten request's answer: it must not point at the leg */
	return ct_send(s, purpose == CP_FORGET ? NULL : leg, m, branch, cseq, &leg->dst, purpose);
}

static void bye_failed_h(void *arg)
{
	struct sipx_leg *leg = arg;
	leg_done(leg);
	leg_event(leg, SIPX_EV_ENDED, leg->end_code, leg->end_reason, NULL, 0);
}

/* Sends BYE and waits for its answer (ENDED then). */
static void leg_bye(struct sipx_leg *leg, uint16_t code, const char *reason)
{
	struct sipx *s = leg->s;
	if (!leg->end_code) {
		leg->end_code = code;
		snprintf(leg->end_reason, sizeof(leg->end_reason), "%s", reason ? reason : "");
	}
	wheel_cancel(s->wheel, &leg->tse);
	wheel_cancel(s->wheel, &leg->t2xx);
	sb_free(leg->resp2xx);
	leg->resp2xx = NULL;
	leg->bye_pending = false;
	leg->state = LS_ENDING;
	leg->bye_ct = leg_request(leg, "BYE", M_BYE, NULL, NULL, 0, NULL, CP_NORMAL);
	if (!leg->bye_ct) /* out of memory: end it on the next tick, not inside a caller's call */
		wheel_start(s->wheel, &leg->tse, 0, bye_failed_h, leg);
}

static void t2xx_h(void *arg)
{
	struct sipx_leg *leg = arg;
	struct sipx *s = leg->s;
	int64_t now = wheel_now(s->wheel);
	if (now >= leg->t2xx_end) {
		/* RFC 3261 13.3.1.4: no ACK for 64*T1: the session ends with a BYE */
		sb_free(leg->resp2xx);
		leg->resp2xx = NULL;
		leg->state = LS_CONFIRMED;
		leg_bye(leg, 408, "No ACK");
		return;
	}
	tp_send(s, &leg->rdst, leg->resp2xx, leg->resp2xx_len);
	leg->t2xx_iv = leg->t2xx_iv * 2 > T2 ? T2 : leg->t2xx_iv * 2;
	int64_t left = leg->t2xx_end - now;
	wheel_start(s->wheel, &leg->t2xx, leg->t2xx_iv < left ? leg->t2xx_iv : left, t2xx_h, leg);
}

/* Sends a 2xx to an INVITE (initial or re-INVITE) on st and retransmits it until the ACK. */
static int leg_send_2xx(struct sipx_leg *leg, struct strans *st, const char *sdp, size_t sdp_len)
{
	struct sipx *s = leg->s;
	char extra[512], contact[SIPX_ADDR_MAX + 48], se[96];
	struct rhead h;
	contact_hdr(s, leg->tp, contact, sizeof(contact));
	se_resp_headers(leg, se, sizeof(se));
	snprintf(extra, sizeof(extra),
		 "%s%sAllow: " SIPX_ALLOW "\r\nSupported: " SIPX_SUPPORTED "\r\n%s", contact,
		 st->met == M_INVITE && leg->rr && leg->inv_st == st ? leg->rr : "", se);
	if (!st->head)
		return EALREADY;
	st_head(st, &h);
	int err = bld_resp(s, &h, 200, NULL, st->totag, extra, "application/sdp", sdp, sdp_len);
	if (err)
		return err;
	char *copy = NULL;
	size_t copy_len = 0;
	if (st->met == M_INVITE) {
		copy = bld_copy(s, &copy_len);
		if (!copy)
			return ENOMEM;
	}
	st_send(st, 200);
	if (st->met != M_INVITE)
		return 0;
	sb_free(leg->resp2xx);
	leg->resp2xx = copy;
	leg->resp2xx_len = copy_len;
	leg->ack_cseq = st->cseq;
	leg->rdst = st->dst;
	leg->t2xx_iv = T1;
	leg->t2xx_end = wheel_now(s->wheel) + TLINGER;
	wheel_start(s->wheel, &leg->t2xx, T1, t2xx_h, leg);
	return 0;
}

/* --- inbound INVITE --- */

/* Display name without quotes or escapes, control characters dropped. */
static void display_name(const struct pl *dn, char *out, size_t size)
{
	size_t o = 0, i = 0, n = dn->l;
	const char *p = dn->p;
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p++;
		n -= 2;
	}
	for (; i < n && o + 1 < size; i++) {
		char c = p[i];
		if (c == '\\' && i + 1 < n)
			c = p[++i];
		if ((unsigned char)c < 0x20 || c == 0x7f)
			continue;
		out[o++] = c;
	}
	out[o] = '\0';
}

static void copy_user(const struct pl *pl, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < pl->l && o + 1 < size; i++)
		if ((unsigned char)pl->p[i] > 0x20 && pl->p[i] != 0x7f)
			out[o++] = pl->p[i];
	out[o] = '\0';
}

void leg_on_invite(struct sipx *s, const struct rx *rx, struct strans *st, bool authenticated)
{
	const struct sip_msg *msg = rx->msg;
	struct sip_addr ca;
	struct pl first = {NULL, 0};

	/* RFC 3261 8.2.2.2: the same request arriving by another path */
	uint64_t h = sipx_hash(s, msg->callid.p, msg->callid.l);
	for (struct hnode *n = htab_bucket(&s->legs, h); n; n = n->next) {
		struct sipx_leg *o = htab_entry(n, struct sipx_leg, hn);
		if (n->h == h && o->inbound && o->callid_len == msg->callid.l &&
		    !memcmp(o->callid, msg->callid.p, msg->callid.l) &&
		    pl_eq_str(&msg->from.tag, o->rtag) && o->rcseq == msg->cseq.num) {
			st_reply(st, 482, NULL, NULL, NULL, NULL, 0);
			return;
		}
	}
	if (!contact_uri(msg, &ca)) {
		st_reply(st, 400, "Missing Or Bad Contact", NULL, NULL, NULL, 0);
		return;
	}
	struct sipx_leg *leg = leg_new(s, true);
	if (!leg) {
		st_reply(st, 500, NULL, NULL, NULL, NULL, 0);
		return;
	}
	leg->tp = rx->tp;
	leg->state = LS_INCOMING;
	memcpy(leg->ltag, st->totag, sizeof(leg->ltag));
	leg->callid = dup_pl(&msg->callid);
	leg->callid_len = msg->callid.l;
	if (pl_isset(&msg->from.tag))
		leg->rtag = dup_pl(&msg->from.tag);
	leg->lhdr = sfmt("%.*s;tag=%s", (int)msg->to.val.l, msg->to.val.p, leg->ltag);
	leg->rhdr = dup_pl(&msg->from.val);
	leg->rtarget = dup_pl(&ca.auri);
	int err = !leg->callid || !leg->lhdr || !leg->rhdr || !leg->rtarget ||
		  (pl_isset(&msg->from.tag) && !leg->rtag);
	if (!err)
		err = leg_routes(leg, msg, true, &first);
	if (err) {
		leg_done(leg);
		leg->released = true;
		leg_reap_check(leg);
		st_reply(st, 500, NULL, NULL, NULL, NULL, 0);
		return;
	}
	leg_dest(leg, &first, &rx->src);
	leg->rcseq = msg->cseq.num;
	leg->lcseq = 1;
	leg->peer_update = msg_has_option(msg, SIP_HDR_ALLOW, "UPDATE");
	uint32_t se = 0;
	bool refresher_us = false;
	uint16_t bad = se_negotiate(leg, msg, &se, &refresher_us);
	if (bad) {
		leg->released = true;
		leg_done(leg);
		answer_422(st, bad);
		return;
	}
	leg->se = se;
	leg->refresher_us = refresher_us;
	leg->late_offer = rx->blen == 0;
	leg->rsdp_id = sdp_origin_id(s, rx->body, rx->blen);
	leg->inv_st = st;
	st->leg = leg;
	leg_hash(leg);

	if (!s->cfg.invite) {
		st_reply(st, 480, NULL, NULL, NULL, NULL, 0);
		leg->state = LS_ENDING;
		leg->released = true;
		return;
	}
	struct sipx_invite inv;
	memset(&inv, 0, sizeof(inv));
	copy_user(msg->uri.user.l ? &msg->uri.user : &msg->uri.host, inv.ruri_user,
		  sizeof(inv.ruri_user));
	copy_user(&msg->from.uri.user, inv.from_user, sizeof(inv.from_user));
	display_name(&msg->from.dname, inv.from_name, sizeof(inv.from_name));
	tp_addr_str(&rx->src, inv.source, sizeof(inv.source));
	inv.transport = rx->tp;
	inv.authenticated = authenticated;
	inv.sdp = rx->blen ? rx->body : NULL;
	inv.sdp_len = rx->blen;
	s->cfg.invite(s->cfg.arg, leg, &inv);
	/* no answer yet: tell the caller we are on it (RFC 3261 17.2.1) */
	if (st->state == ST_PROCEEDING && !st->code && st->head)
		st_reply(st, 100, NULL, NULL, NULL, NULL, 0);
}

void leg_on_cancel(struct sipx *s, struct strans *inv)
{
	struct sipx_leg *leg = inv->leg;
	(void)s;
	if (!leg || leg->state != LS_INCOMING || inv->state != ST_PROCEEDING)
		return; /* a final answer already went: the CANCEL changes nothing */
	leg->state = LS_ENDING;
	st_reply(inv, 487, NULL, NULL, NULL, NULL, 0);
	leg_event(leg, SIPX_EV_CANCELLED, 487, "Request Terminated", NULL, 0);
}

void leg_on_final_acked(struct sipx_leg *leg)
{
	if (leg->state == LS_TERMINATED)
		return;
	leg_done(leg);
	leg_event(leg, SIPX_EV_ENDED, leg->end_code, leg->end_reason, NULL, 0);
}

/* --- in-dialog requests from the far end --- */

static void on_ack(struct sipx_leg *leg, const struct rx *rx)
{
	struct sipx *s = leg->s;
	if (!leg->resp2xx || rx->msg->cseq.num != leg->ack_cseq)
		return;
	wheel_cancel(s->wheel, &leg->t2xx);
	sb_free(leg->resp2xx);
	leg->resp2xx = NULL;
	if (leg->state != LS_ANSWERED)
		return; /* the ACK of a re-INVITE's 2xx */
	leg->state = LS_CONFIRMED;
	se_start(leg);
	const char *sdp = NULL;
	size_t sdp_len = 0;
	if (leg->late_offer && rx->blen) {
		sdp = rx->body;
		sdp_len = rx->blen;
		leg->rsdp_id = sdp_origin_id(s, sdp, sdp_len);
	}
	if (leg->bye_pending) {
		leg_bye(leg, 0, NULL);
		return;
	}
	leg_event(leg, SIPX_EV_CONFIRMED, 0, NULL, sdp, sdp_len);
}

static void on_bye(struct sipx_leg *leg, struct strans *st)
{
	st_reply(st, 200, NULL, NULL, NULL, NULL, 0);
	if (leg->state == LS_ENDING)
		return; /* our BYE crossed theirs: ENDED comes with its answer */
	if (leg->inv_st)
		st_reply(leg->inv_st, 487, NULL, NULL, NULL, NULL, 0);
	if (leg->upd_st) {
		struct strans *u = leg->upd_st;
		leg_forget_strans(u);
		st_reply(u, 487, NULL, NULL, NULL, NULL, 0);
	}
	if (leg->inv_st)
		leg_forget_strans(leg->inv_st);
	leg_done(leg); /* before the event: the controller may release the leg in its hook */
	leg_event(leg, SIPX_EV_BYE, 200, "BYE", NULL, 0);
}

/* A re-INVITE or UPDATE from the far end: a refresh we answer ourselves, or a new offer. */
static void on_offer(struct sipx_leg *leg, const struct rx *rx, struct strans *st)
{
	struct sipx *s = leg->s;
	bool invite = rx->met == M_INVITE;
	if (leg->state != LS_CONFIRMED || leg->resp2xx) {
		/* RFC 3261 14.2: an earlier INVITE is not finished */
		st_reply(st, 500, NULL, "Retry-After: 1\r\n", NULL, NULL, 0);
		return;
	}
	if (leg->inv_ct || leg->reinv_ct) {
		st_reply(st, 491, NULL, NULL, NULL, NULL, 0);
		return;
	}
	if (leg->upd_st) {
		st_reply(st, 500, NULL, "Retry-After: 1\r\n", NULL, NULL, 0);
		return;
	}
	uint32_t se = 0;
	bool refresher_us = false;
	uint16_t bad = se_negotiate(leg, rx->msg, &se, &refresher_us);
	if (bad) {
		answer_422(st, bad);
		return;
	}
	struct sip_addr ca;
	if (contact_uri(rx->msg, &ca))
		set_str(&leg->rtarget, dup_pl(&ca.auri)); /* target refresh */
	uint64_t id = sdp_origin_id(s, rx->body, rx->blen);
	bool changed = rx->blen && id != leg->rsdp_id;
	leg->se = se;
	leg->refresher_us = refresher_us;
	if (!changed || leg->released || !s->cfg.event) {
		/* a session refresh (or nobody to ask): the same session, our same SDP */
		if (invite)
			leg_send_2xx(leg, st, leg->lsdp, leg->lsdp_len);
		else
			leg_send_2xx(leg, st, rx->blen ? leg->lsdp : NULL,
				     rx->blen ? leg->lsdp_len : 0);
		se_start(leg);
		return;
	}
	leg->upd_st = st;
	st->leg = leg;
	leg->reinvite_is_update = !invite;
	leg->rsdp_id = id;
	leg_event(leg, SIPX_EV_REINVITE, 0, NULL, rx->body, rx->blen);
	if (invite && st->state == ST_PROCEEDING && !st->code && st->head)
		st_reply(st, 100, NULL, NULL, NULL, NULL, 0);
}

/* DTMF in an INFO body; 0 when none. */
static char info_digit(const struct rx *rx)
{
	const struct msg_ctype *ct = &rx->msg->ctyp;
	const char *b = rx->body;
	size_t n = rx->blen, i = 0;
	char d = 0;
	if (msg_ctype_cmp(ct, "application", "dtmf-relay")) {
		for (; i + 6 <= n; i++)
			if ((i == 0 || b[i - 1] == '\n') && !strncasecmp(b + i, "Signal", 6))
				break;
		if (i + 6 > n)
			return 0;
		i += 6;
		while (i < n && (b[i] == ' ' || b[i] == '\t'))
			i++;
		if (i >= n || b[i] != '=')
			return 0;
		i++;
	} else if (!msg_ctype_cmp(ct, "application", "dtmf")) {
		return 0;
	}
	while (i < n && (b[i] == ' ' || b[i] == '\t'))
		i++;
	if (i >= n)
		return 0;
	d = b[i];
	if (d == '1' && i + 1 < n && (b[i + 1] == '0' || b[i + 1] == '1'))
		d = b[i + 1] == '0' ? '*' : '#';
	if (d >= 'a' && d <= 'd')
		d = (char)(d - 'a' + 'A');
	if ((d >= '0' && d <= '9') || d == '*' || d == '#' || (d >= 'A' && d <= 'D'))
		return d;
	return 0;
}

static void on_info(struct sipx_leg *leg, const struct rx *rx, struct strans *st)
{
	if (!rx->blen) {
		st_reply(st, 200, NULL, NULL, NULL, NULL, 0);
		return;
	}
	char d = info_digit(rx);
	if (!d) {
		st_reply(st, 415, NULL, "Accept: application/dtmf-relay, application/dtmf\r\n",
			 NULL, NULL, 0);
		return;
	}
	st_reply(st, 200, NULL, NULL, NULL, NULL, 0);
	struct sipx_event_info ei;
	memset(&ei, 0, sizeof(ei));
	ei.ev = SIPX_EV_INFO;
	ei.digit = d;
	leg_emit(leg, &ei);
}

static void on_refer(struct sipx_leg *leg, const struct rx *rx, struct strans *st)
{
	struct sipx *s = leg->s;
	const struct sip_hdr *rt = sip_msg_hdr(rx->msg, SIP_HDR_REFER_TO);
	struct sip_addr ra;
	if (!rt || sip_addr_decode(&ra, &rt->val) || !ra.auri.l || ra.auri.l >= SIPX_URI_MAX) {
		st_reply(st, 400, "Bad Refer-To", NULL, NULL, NULL, 0);
		return;
	}
	const struct sip_hdr *sub = sip_msg_hdr(rx->msg, SIP_HDR_REFER_SUB);
	bool notify = !(sub && !pl_strcasecmp(&sub->val, "false"));
	st_reply(st, 202, NULL, notify ? NULL : "Refer-Sub: false\r\n", NULL, NULL, 0);
	if (notify) {
		/* the implicit subscription ends at once (the controller carries out the transfer),
		 * or with refer_progress when the controller reports the outcome */
		char extra[SIPX_ADDR_MAX + 160];
		contact_hdr(s, leg->tp, extra, sizeof(extra));
		size_t l = strlen(extra);
		leg->refer_sub = s->cfg.refer_progress;
		snprintf(extra + l, sizeof(extra) - l, "Event: refer\r\nSubscription-State: %s\r\n",
			 leg->refer_sub ? "active;expires=60" : "terminated;reason=noresource");
		static const char frag[] = "SIP/2.0 100 Trying\r\n";
		leg_request(leg, "NOTIFY", M_NOTIFY, extra, frag, sizeof(frag) - 1,
			    "message/sipfrag;version=2.0", CP_FORGET);
	}
	struct sipx_event_info ei;
	memset(&ei, 0, sizeof(ei));
	ei.ev = SIPX_EV_REFER;
	pl_strcpy(&ra.auri, ei.target, sizeof(ei.target));
	leg_emit(leg, &ei);
}

bool leg_on_request(struct sipx *s, const struct rx *rx, const struct rhead *h, const char *key,
		    size_t klen)
{
	const struct sip_msg *msg = rx->msg;
	struct sipx_leg *leg = leg_find(s, &msg->callid, &msg->to.tag, &msg->from.tag);
	if (rx->met == M_ACK) {
		if (leg)
			on_ack(leg, rx);
		return true;
	}
	if (!leg || leg->state == LS_TERMINATED)
		return false;
	if (leg->rcseq && msg->cseq.num < leg->rcseq) {
		/* RFC 3261 12.2.2: out of order */
		struct strans *st = st_new(s, rx, key, klen);
		if (st && !st_keep_head(st, h))
			st_reply(st, 500, "Out Of Order", NULL, NULL, NULL, 0);
		return true;
	}
	leg->rcseq = msg->cseq.num;
	struct strans *st = st_new(s, rx, key, klen);
	if (!st)
		return true;
	if (st_keep_head(st, h)) {
		st_free(st);
		return true;
	}
	memcpy(st->totag, leg->ltag, sizeof(st->totag));
	switch (rx->met) {
	case M_BYE:
		on_bye(leg, st);
		break;
	case M_INVITE:
	case M_UPDATE:
		on_offer(leg, rx, st);
		break;
	case M_INFO:
		on_info(leg, rx, st);
		break;
	case M_REFER:
		on_refer(leg, rx, st);
		break;
	case M_OPTIONS:
		st_reply(st, 200, NULL,
			 "Allow: " SIPX_ALLOW
			 "\r\nAccept: application/sdp\r\nSupported: " SIPX_SUPPORTED "\r\n",
			 NULL, NULL, 0);
		break;
	default:
		st_reply(st, 405, NULL, "Allow: " SIPX_ALLOW "\r\n", NULL, NULL, 0);
		break;
	}
	return true;
}

/* --- answers to our requests --- */

static void leg_ack_2xx(struct sipx_leg *leg, struct ctrans *ct)
{
	struct sipx *s = leg->s;
	char branch[32];
	bld_branch(s, branch);
	if (bld_dlg_req(s, leg, "ACK", ct->cseq, branch, NULL, NULL, NULL, 0))
		return;
	sb_free(ct->ack);
	ct->ack = bld_copy(s, &ct->ack_len);
	ct->dst = leg->dst;
	tp_send(s, &leg->dst, (const char *)s->tx->buf, s->tx->end);
}

static void tc_h(void *arg)
{
	struct sipx_leg *leg = arg;
	/* Timer C: nobody answered in time; cancel and report */
	if (leg->state != LS_CALLING)
		return;
	leg->cancelled = true;
	if (leg->inv_ct && leg->inv_ct->state == CT_PROCEEDING)
		ct_cancel(leg->inv_ct);
	else
		leg->cancel_pending = true;
	leg_event(leg, SIPX_EV_FAILED, 408, "No Answer", NULL, 0);
}

static void on_invite_response(struct sipx_leg *leg, struct ctrans *ct, const struct rx *rx,
			       uint16_t code)
{
	struct sipx *s = leg->s;
	const struct sip_msg *msg = rx ? rx->msg : NULL;
	if (code < 200) {
		if (leg->cancel_pending && ct->state == CT_PROCEEDING) {
			leg->cancel_pending = false;
			ct_cancel(ct);
		}
		if (code == 100 || !msg)
			return;
		if (pl_isset(&msg->to.tag) && !leg->rtag)
			leg->rtag = dup_pl(&msg->to.tag);
		if (leg->cancelled)
			return;
		bool with_sdp = rx->blen > 0;
		if (!leg->ring_sent || (with_sdp && !leg->ring_sdp_sent)) {
			leg->ring_sent = true;
			leg->ring_sdp_sent |= with_sdp;
			leg_event(leg, SIPX_EV_RINGING, code, NULL, with_sdp ? rx->body : NULL,
				  rx->blen);
		}
		return;
	}
	leg_forget_ctrans(ct);
	wheel_cancel(s->wheel, &leg->tc);
	if (code < 300 && msg) {
		struct sip_addr ca;
		struct pl first = {NULL, 0};
		set_str(&leg->rtag, dup_pl(&msg->to.tag));
		if (contact_uri(msg, &ca))
			set_str(&leg->rtarget, dup_pl(&ca.auri));
		if (!leg_routes(leg, msg, false, &first))
			leg_dest(leg, &first, leg->tp == SIPX_TCP ? &leg->dst.addr : NULL);
		leg->peer_update = msg_has_option(msg, SIP_HDR_ALLOW, "UPDATE");
		leg->peer_timer = msg_has_option(msg, SIP_HDR_SUPPORTED, "timer") ||
				  msg_has_option(msg, SIP_HDR_REQUIRE, "timer");
		uint32_t se;
		char refr[4];
		if (msg_session_expires(msg, &se, refr) && se) {
			leg->se = se;
			leg->refresher_us = strcmp(refr, "uas") != 0;
		} else {
			leg->se = 0;
		}
		leg->rsdp_id = sdp_origin_id(s, rx->body, rx->blen);
		leg->state = LS_CONFIRMED;
		leg_ack_2xx(leg, ct);
		if (leg->cancelled || leg->released) {
			leg_bye(leg, 487, "Cancelled");
			return;
		}
		se_start(leg);
		leg_event(leg, SIPX_EV_ANSWERED, code, NULL, rx->body, rx->blen);
		return;
	}
	char reason[64] = "";
	if (msg)
		pl_strcpy(&msg->reason, reason, sizeof(reason));
	else
		snprintf(reason, sizeof(reason), "%s", code == 503 ? "Unreachable" : "Timeout");
	leg_done(leg);
	if (leg->cancelled)
		leg_event(leg, SIPX_EV_ENDED, code, reason, NULL, 0);
	else
		leg_event(leg, SIPX_EV_FAILED, code, reason, NULL, 0);
}

static void on_reinvite_response(struct sipx_leg *leg, struct ctrans *ct, const struct rx *rx,
				 uint16_t code)
{
	struct sipx *s = leg->s;
	const struct sip_msg *msg = rx ? rx->msg : NULL;
	if (code < 200)
		return;
	bool refresh = ct->purpose == CP_REFRESH;
	leg_forget_ctrans(ct);
	if (leg->state != LS_CONFIRMED)
		return;
	if (code < 300 && msg) {
		struct sip_addr ca;
		if (ct->met == M_INVITE)
			leg_ack_2xx(leg, ct);
		if (contact_uri(msg, &ca))
			set_str(&leg->rtarget, dup_pl(&ca.auri));
		uint32_t se;
		char refr[4];
		if (msg_session_expires(msg, &se, refr) && se) {
			leg->se = se;
			leg->refresher_us = strcmp(refr, "uas") != 0;
		} else if (!refresh) {
			leg->se = 0;
		}
		if (rx->blen)
			leg->rsdp_id = sdp_origin_id(s, rx->body, rx->blen);
		se_start(leg);
		if (!refresh)
			leg_event(leg, SIPX_EV_ANSWERED, code, NULL, rx->body, rx->blen);
		return;
	}
	if (code == 481 || code == 408) {
		/* the far end lost the dialog, or cannot be reached */
		leg->end_code = code;
		snprintf(leg->end_reason, sizeof(leg->end_reason), "%s",
			 code == 481 ? "Dialog Gone" : "Timeout");
		if (code == 481) {
			leg_done(leg);
			leg_event(leg, SIPX_EV_ENDED, code, leg->end_reason, NULL, 0);
		} else {
			leg_bye(leg, code, leg->end_reason);
		}
		return;
	}
	if (refresh) {
		/* UPDATE not understood: refresh with re-INVITE; glare: try again soon */
		if (ct->met == M_UPDATE && (code == 405 || code == 501))
			leg->peer_update = false;
		if (code == 491 || code == 405 || code == 501)
			wheel_start(s->wheel, &leg->tse, 2000, se_timer_h, leg);
		else
			se_start(leg);
		return;
	}
	leg_event(leg, SIPX_EV_ANSWERED, code, NULL, NULL, 0);
}

void leg_on_response(struct sipx_leg *leg, struct ctrans *ct, const struct rx *rx, uint16_t code)
{
	if (ct == leg->inv_ct) {
		on_invite_response(leg, ct, rx, code);
	} else if (ct == leg->reinv_ct) {
		on_reinvite_response(leg, ct, rx, code);
	} else if (ct == leg->bye_ct) {
		if (code < 200)
			return;
		leg_forget_ctrans(ct);
		leg_done(leg);
		leg_event(leg, SIPX_EV_ENDED, leg->end_code ? leg->end_code : code,
			  leg->end_code ? leg->end_reason : "BYE", NULL, 0);
	}
}

static void se_timer_h(void *arg)
{
	struct sipx_leg *leg = arg;
	struct sipx *s = leg->s;
	if (leg->state != LS_CONFIRMED)
		return;
	if (!leg->refresher_us) {
		leg_bye(leg, 408, "Session Timer Expired");
		return;
	}
	if (leg->reinv_ct || leg->upd_st || leg->resp2xx) {
		wheel_start(s->wheel, &leg->tse, 1000, se_timer_h, leg); /* busy: soon */
		return;
	}
	char extra[SIPX_ADDR_MAX + 160];
	contact_hdr(s, leg->tp, extra, sizeof(extra));
	size_t l = strlen(extra);
	snprintf(extra + l, sizeof(extra) - l,
		 "Session-Expires: %u;refresher=uac\r\nSupported: " SIPX_SUPPORTED "\r\n", leg->se);
	if (leg->peer_update)
		leg->reinv_ct =
		    leg_request(leg, "UPDATE", M_UPDATE, extra, NULL, 0, NULL, CP_REFRESH);
	else
		leg->reinv_ct = leg_request(leg, "INVITE", M_INVITE, extra, leg->lsdp,
					    leg->lsdp_len, "application/sdp", CP_REFRESH);
	if (!leg->reinv_ct)
		wheel_start(s->wheel, &leg->tse, 1000, se_timer_h, leg);
}

/* --- the leg API --- */

int sipx_leg_ringing(struct sipx_leg *leg, const char *sdp, size_t sdp_len)
{
	if (!leg || !leg->inbound || leg->state != LS_INCOMING || !leg->inv_st)
		return EPROTO;
	struct sipx *s = leg->s;
	char extra[SIPX_ADDR_MAX + 64];
	sipx_enter(s);
	contact_hdr(s, leg->tp, extra, sizeof(extra));
	char *all = leg->rr ? sfmt("%s%s", extra, leg->rr) : NULL;
	if (sdp && sdp_len)
		set_sdp(leg, sdp, sdp_len);
	int err = st_reply(leg->inv_st, sdp && sdp_len ? 183 : 180, NULL, all ? all : extra,
			   "application/sdp", sdp, sdp_len);
	sb_free(all);
	sipx_leave(s);
	return err;
}

int sipx_leg_answer(struct sipx_leg *leg, const char *sdp, size_t sdp_len)
{
	if (!leg || !leg->inbound || leg->state != LS_INCOMING || !leg->inv_st)
		return EPROTO;
	if (!sdp || !sdp_len)
		return EINVAL;
	struct sipx *s = leg->s;
	sipx_enter(s);
	int err = set_sdp(leg, sdp, sdp_len);
	struct strans *st = leg->inv_st;
	if (!err)
		err = leg_send_2xx(leg, st, sdp, sdp_len);
	if (!err) {
		leg_forget_strans(st);
		leg->state = LS_ANSWERED;
		se_start(leg);
	}
	sipx_leave(s);
	return err;
}

static void reject(struct sipx_leg *leg, uint16_t code, const char *reason)
{
	leg->end_code = code;
	snprintf(leg->end_reason, sizeof(leg->end_reason), "%s",
		 reason ? reason : sipx_reason(code));
	leg->state = LS_ENDING;
	st_reply(leg->inv_st, code, reason, NULL, NULL, NULL, 0);
}

int sipx_leg_reject(struct sipx_leg *leg, uint16_t code, const char *reason)
{
	if (!leg || !leg->inbound || leg->state != LS_INCOMING || !leg->inv_st)
		return EPROTO;
	if (code < 300 || code > 699 || !text_ok(reason, 64))
		return EINVAL;
	sipx_enter(leg->s);
	reject(leg, code, reason);
	sipx_leave(leg->s);
	return 0;
}

int sipx_call(struct sipx_leg **legp, struct sipx *s, const struct sipx_call_params *p)
{
	struct uri u;
	struct pl target;
	struct dest d;
	if (!legp || !s || !p || !p->target || !text_ok(p->target, SIPX_URI_MAX) ||
	    !user_ok(p->from_user) || (p->to_user && !user_ok(p->to_user)) ||
	    !text_ok(p->from_name, SIPX_NAME_MAX) || !p->sdp || !p->sdp_len)
		return EINVAL;
	pl_set_str(&target, p->target);
	if (uri_decode(&u, &target) ||
	    (pl_strcasecmp(&u.scheme, "sip") && pl_strcasecmp(&u.scheme, "sips")))
		return EINVAL;
	if (strpbrk(p->target, " <>\""))
		return EINVAL;
	if (tp_dest_from_uri(&d, &u, SIPX_UDP))
		return EINVAL;
	if ((d.tp == SIPX_TCP && !s->ts) || (d.tp == SIPX_UDP && !s->us))
		return EINVAL;
	struct reg_contact_view v;
	if (reg_find_uri(s->reg, p->target, strlen(p->target), sipx_now(s), &v) &&
	    v.flow_len == sizeof(struct reg_flow)) {
		/* where the contact registered from: NAT bindings, TCP connections */
		struct reg_flow f;
		memcpy(&f, v.flow, sizeof(f));
		if (f.tp == d.tp) {
			d.addr = f.addr;
			if (f.tp == SIPX_TCP)
				d.alt_port = u.port ? u.port : SIP_PORT;
		}
	}

	sipx_enter(s);
	int err = ENOMEM;
	struct sipx_leg *leg = leg_new(s, false);
	if (!leg)
		goto out;
	leg->tp = d.tp;
	leg->dst = d;
	leg->state = LS_CALLING;
	sipx_id(s, leg->ltag, sizeof(leg->ltag));
	char id[TAG_LEN + 1];
	sipx_id(s, id, sizeof(id));
	const char *host = sipx_host(s, d.tp);
	leg->callid = sfmt("%s@%s", id, host);
	leg->callid_len = leg->callid ? strlen(leg->callid) : 0;
	if (p->from_name && *p->from_name) {
		char name[2 * SIPX_NAME_MAX];
		size_t o = 0;
		for (const char *c = p->from_name; *c && o + 2 < sizeof(name); c++) {
			if (*c == '"' || *c == '\\')
				name[o++] = '\\';
			name[o++] = *c;
		}
		name[o] = '\0';
		leg->lhdr = sfmt("\"%s\" <sip:%s@%s>;tag=%s", name, p->from_user, host, leg->ltag);
	} else {
		leg->lhdr = sfmt("<sip:%s@%s>;tag=%s", p->from_user, host, leg->ltag);
	}
	if (p->to_user) {
		bool v6 = u.af == AF_INET6;
		char port[8] = "";
		if (u.port)
			snprintf(port, sizeof(port), ":%u", u.port);
		leg->rhdr = sfmt("<sip:%s@%s%.*s%s%s>", p->to_user, v6 ? "[" : "", (int)u.host.l,
				 u.host.p, v6 ? "]" : "", port);
	} else {
		leg->rhdr = sfmt("<%s>", p->target);
	}
	leg->rtarget = sb_strdup(p->target);
	if (!leg->callid || !leg->lhdr || !leg->rhdr || !leg->rtarget ||
	    set_sdp(leg, p->sdp, p->sdp_len))
		goto fail;
	leg->lcseq = 0;
	leg->timeout_ms = (p->timeout_s ? p->timeout_s : 180) * 1000u;

	char extra[SIPX_ADDR_MAX + 256];
	contact_hdr(s, d.tp, extra, sizeof(extra));
	size_t l = strlen(extra);
	snprintf(extra + l, sizeof(extra) - l,
		 "Allow: " SIPX_ALLOW "\r\nSupported: " SIPX_SUPPORTED "\r\n");
	l = strlen(extra);
	if (s->cfg.session_expires)
		snprintf(extra + l, sizeof(extra) - l, "Session-Expires: %u\r\nMin-SE: %u\r\n",
			 s->cfg.session_expires, s->cfg.min_se);
	leg->inv_ct = leg_request(leg, "INVITE", M_INVITE, extra, p->sdp, p->sdp_len,
				  "application/sdp", CP_NORMAL);
	if (!leg->inv_ct)
		goto fail;
	leg_hash(leg);
	wheel_start(s->wheel, &leg->tc, leg->timeout_ms, tc_h, leg);
	*legp = leg;
	err = 0;
	goto out;
fail:
	leg->released = true;
	leg_done(leg);
out:
	sipx_leave(s);
	return err;
}

int sipx_leg_cancel(struct sipx_leg *leg)
{
	if (!leg || leg->inbound || leg->state != LS_CALLING)
		return EPROTO;
	if (leg->cancelled)
		return EALREADY;
	sipx_enter(leg->s);
	leg->cancelled = true;
	if (leg->inv_ct && leg->inv_ct->state == CT_PROCEEDING)
		ct_cancel(leg->inv_ct);
	else
		leg->cancel_pending = true;
	sipx_leave(leg->s);
	return 0;
}

int sipx_leg_hangup(struct sipx_leg *leg)
{
	if (!leg)
		return EINVAL;
	struct sipx *s = leg->s;
	int err = 0;
	sipx_enter(s);
	switch (leg->state) {
	case LS_INCOMING:
		if (leg->inv_st)
			reject(leg, 487, NULL);
		else
			err = EALREADY;
		break;
	case LS_ANSWERED:
		leg->bye_pending = true; /* BYE once the ACK arrives (RFC 3261 15) */
		break;
	case LS_CALLING:
		if (leg->cancelled) {
			err = EALREADY;
			break;
		}
		leg->cancelled = true;
		if (leg->inv_ct && leg->inv_ct->state == CT_PROCEEDING)
			ct_cancel(leg->inv_ct);
		else
			leg->cancel_pending = true;
		break;
	case LS_CONFIRMED:
		leg_bye(leg, 0, NULL);
		break;
	default:
		err = EALREADY;
		break;
	}
	sipx_leave(s);
	return err;
}

int sipx_leg_reinvite_answer(struct sipx_leg *leg, uint16_t code, const char *sdp, size_t sdp_len)
{
	if (!leg || !leg->upd_st)
		return EPROTO;
	if (code < 200 || code > 699 || (code < 300 && (!sdp || !sdp_len)))
		return EINVAL;
	struct sipx *s = leg->s;
	struct strans *st = leg->upd_st;
	int err;
	sipx_enter(s);
	leg_forget_strans(st);
	if (code < 300) {
		err = set_sdp(leg, sdp, sdp_len);
		if (!err)
			err = leg_send_2xx(leg, st, sdp, sdp_len);
		if (!err)
			se_start(leg);
	} else {
		err = st_reply(st, code, NULL, NULL, NULL, NULL, 0);
	}
	sipx_leave(s);
	return err;
}

int sipx_leg_reinvite(struct sipx_leg *leg, const char *sdp, size_t sdp_len)
{
	if (!leg || !sdp || !sdp_len)
		return EINVAL;
	if (leg->state != LS_CONFIRMED)
		return EPROTO;
	if (leg->reinv_ct || leg->upd_st || leg->resp2xx)
		return EBUSY;
	struct sipx *s = leg->s;
	char extra[SIPX_ADDR_MAX + 160];
	sipx_enter(s);
	contact_hdr(s, leg->tp, extra, sizeof(extra));
	size_t l = strlen(extra);
	snprintf(extra + l, sizeof(extra) - l, "Supported: " SIPX_SUPPORTED "\r\n");
	if (leg->se) {
		l = strlen(extra);
		snprintf(extra + l, sizeof(extra) - l, "Session-Expires: %u;refresher=%s\r\n",
			 leg->se, leg->refresher_us ? "uac" : "uas");
	}
	int err = set_sdp(leg, sdp, sdp_len);
	if (!err) {
		leg->reinv_ct = leg_request(leg, "INVITE", M_INVITE, extra, sdp, sdp_len,
					    "application/sdp", CP_NORMAL);
		if (!leg->reinv_ct)
			err = ENOMEM;
	}
	sipx_leave(s);
	return err;
}

int sipx_leg_refer_notify(struct sipx_leg *leg, uint16_t code, const char *reason)
{
	if (!leg || code < 100 || code > 699)
		return EINVAL;
	if (!leg->refer_sub)
		return ENOENT;
	leg->refer_sub = false;
	if (leg->state != LS_CONFIRMED)
		return EPROTO;
	struct sipx *s = leg->s;
	char extra[SIPX_ADDR_MAX + 160], frag[96];
	sipx_enter(s);
	contact_hdr(s, leg->tp, extra, sizeof(extra));
	size_t l = strlen(extra);
	snprintf(extra + l, sizeof(extra) - l,
		 "Event: refer\r\nSubscription-State: terminated;reason=noresource\r\n");
	if (!reason)
		reason = sipx_reason(code);
	int n = snprintf(frag, sizeof(frag), "SIP/2.0 %u %s\r\n", code, reason);
	int err = 0;
	if (n < 0 || (size_t)n >= sizeof(frag) || strpbrk(reason, "\r\n"))
		err = EINVAL;
	else if (!leg_request(leg, "NOTIFY", M_NOTIFY, extra, frag, (size_t)n,
			      "message/sipfrag;version=2.0", CP_FORGET))
		err = ENOMEM;
	sipx_leave(s);
	return err;
}

void sipx_leg_set_arg(struct sipx_leg *leg, void *arg)
{
	leg->arg = arg;
}

void *sipx_leg_arg(const struct sipx_leg *leg)
{
	return leg->arg;
}

const char *sipx_leg_callid(const struct sipx_leg *leg)
{
	return leg->callid;
}

bool sipx_leg_inbound(const struct sipx_leg *leg)
{
	return leg->inbound;
}

void sipx_leg_release(struct sipx_leg *leg)
{
	if (!leg || leg->released)
		return;
	struct sipx *s = leg->s;
	sipx_enter(s);
	switch (leg->state) {
	case LS_INCOMING:
		if (leg->inv_st)
			reject(leg, 480, NULL);
		break;
	case LS_ANSWERED:
		leg->bye_pending = true;
		break;
	case LS_CALLING:
		if (!leg->cancelled) {
			leg->cancelled = true;
			if (leg->inv_ct && leg->inv_ct->state == CT_PROCEEDING)
				ct_cancel(leg->inv_ct);
			else
				leg->cancel_pending = true;
		}
		break;
	case LS_CONFIRMED:
		if (leg->upd_st) {
			struct strans *u = leg->upd_st;
			leg_forget_strans(u);
			st_reply(u, 488, NULL, NULL, NULL, NULL, 0);
		}
		leg_bye(leg, 0, NULL);
		break;
	default:
		break;
	}
	leg->released = true;
	leg_reap_check(leg);
	sipx_leave(s);
}

/* Ends every leg on shutdown: best effort, no events, no waiting. */
void legs_close(struct sipx *s)
{
	while (!dlist_empty(&s->legs_all)) {
		struct sipx_leg *leg = htab_entry(dlist_first(&s->legs_all), struct sipx_leg, le);
		leg->released = true;
		switch (leg->state) {
		case LS_INCOMING:
			if (leg->inv_st)
				st_reply(leg->inv_st, 503, "Shutting Down", NULL, NULL, NULL, 0);
			break;
		case LS_CALLING:
			if (leg->inv_ct && leg->inv_ct->state == CT_PROCEEDING)
				ct_cancel(leg->inv_ct);
			break;
		case LS_ANSWERED:
		case LS_CONFIRMED:
			leg_request(leg, "BYE", M_BYE, NULL, NULL, 0, NULL, CP_FORGET);
			break;
		default:
			break;
		}
		leg_free(leg);
	}
}
