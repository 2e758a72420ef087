/* build: printing responses and requests (response heads copied from requests, in-dialog requests). */
#include "sip/core.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

struct via_arg {
	struct mbuf *mb;
	const struct rx *rx;
	bool first;
	int err;
};

/* Finds the "rport" parameter in Via params; *after points past its name. */
static bool find_rport(const struct pl *params, const char **after)
{
	const char *p = params->p, *end = params->p + params->l;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			return false;
		const char *n = semi + 1;
		while (n < end && (*n == ' ' || *n == '\t'))
			n++;
		if (end - n >= 5 && !strncasecmp(n, "rport", 5)) {
			const char *q = n + 5;
			if (q == end || *q == ';' || *q == '=' || *q == ' ' || *q == '\t') {
				*after = q;
				return true;
			}
		}
		p = semi + 1;
	}
	return false;
}

static bool via_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct via_arg *a = arg;
	struct mbuf *mb = a->mb;
	a->err |= mbuf_write_str(mb, "Via: ");
	if (!a->first) {
		a->err |= mbuf_write_pl(mb, &hdr->val);
		a->err |= mbuf_write_str(mb, "\r\n");
		return false;
	}
	a->first = false;
	/* the top Via: fill in rport (RFC 3581) and add received when the source differs */
	const char *after = NULL;
	bool rport = find_rport(&msg->via.params, &after);
	const struct sa *src = &a->rx->src;
	if (rport && (after == msg->via.params.p + msg->via.params.l || *after != '=')) {
		struct pl head = {hdr->val.p, (size_t)(after - hdr->val.p)};
		struct pl tail = {after, (size_t)(hdr->val.p + hdr->val.l - after)};
		a->err |= mbuf_printf(mb, "%r=%u%r", &head, sa_port(src), &tail);
	} else {
		a->err |= mbuf_write_pl(mb, &hdr->val);
		rport = false;
	}
	if (rport || !sa_isset(&msg->via.addr, SA_ADDR) || !sa_cmp(&msg->via.addr, src, SA_ADDR))
		a->err |= mbuf_printf(mb, ";received=%j", src);
	a->err |= mbuf_write_str(mb, "\r\n");
	return false;
}

int bld_head(struct sipx *s, const struct rx *rx, struct rhead *h)
{
	const struct sip_msg *msg = rx->msg;
	struct mbuf *mb = s->hx;
	const struct sip_hdr *hd;
	struct via_arg va = {mb, rx, true, 0};
	int err = 0;

	mbuf_rewind(mb);
	sip_msg_hdr_apply(msg, true, SIP_HDR_VIA, via_h, &va);
	err |= va.err;
	if ((hd = sip_msg_hdr(msg, SIP_HDR_FROM)))
		err |= mbuf_printf(mb, "From: %r\r\n", &hd->val);
	hd = sip_msg_hdr(msg, SIP_HDR_TO);
	if (hd)
		err |= mbuf_printf(mb, "To: %r", &hd->val);
	h->to_end = hd ? mb->end : 0;
	if (hd)
		err |= mbuf_write_str(mb, "\r\n");
	if ((hd = sip_msg_hdr(msg, SIP_HDR_CALL_ID)))
		err |= mbuf_printf(mb, "Call-ID: %r\r\n", &hd->val);
	if ((hd = sip_msg_hdr(msg, SIP_HDR_CSEQ)))
		err |= mbuf_printf(mb, "CSeq: %r\r\n", &hd->val);
	if (err)
		return ENOMEM;
	h->p = (const char *)mb->buf;
	h->len = mb->end;
	h->to_tag = pl_isset(&msg->to.tag);
	return 0;
}

int bld_resp(struct sipx *s, const struct rhead *h, uint16_t code, const char *reason,
	     const char *totag, const char *extra, const char *ctype, const char *body,
	     size_t blen)
{
	struct mbuf *mb = s->tx;
	int err = 0;
	mbuf_rewind(mb);
	err |= mbuf_printf(mb, "SIP/2.0 %u %s\r\n", code, reason ? reason : sipx_reason(code));
	if (h->to_end) {
		err |= mbuf_write_mem(mb, (const uint8_t *)h->p, h->to_end);
		if (!h->to_tag && code > 100 && totag && *totag)
			err |= mbuf_printf(mb, ";tag=%s", totag);
		err |= mbuf_write_mem(mb, (const uint8_t *)h->p + h->to_end, h->len - h->to_end);
	} else {
		err |= mbuf_write_mem(mb, (const uint8_t *)h->p, h->len);
	}
	err |= mbuf_printf(mb, "Server: %s\r\n", s->ua);
	if (extra)
		err |= mbuf_write_str(mb, extra);
	if (body && blen)
		err |= mbuf_printf(mb, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%b", ctype,
				   blen, body, blen);
	else
		err |= mbuf_write_str(mb, "Content-Length: 0\r\n\r\n");
	return err ? ENOMEM : 0;
}

void bld_branch(struct sipx *s, char branch[32])
{
	char id[TAG_LEN + 1];
	sipx_id(s, id, sizeof(id));
	memcpy(branch, "z9hG4bK", 7);
	memcpy(branch + 7, id, TAG_LEN + 1);
}

int bld_via(struct sipx *s, struct mbuf *mb, enum sipx_transport tp, const char *branch)
{
	return mbuf_printf(mb, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n",
			   tp == SIPX_TCP ? "TCP" : "UDP", sipx_host(s, tp), branch);
}

int bld_dlg_req(struct sipx *s, struct sipx_leg *leg, const char *method, uint32_t cseq,
		const char *branch, const char *extra, const char *ctype, const char *body,
		size_t blen)
{
	struct mbuf *mb = s->tx;
	int err = 0;
	mbuf_rewind(mb);
	err |= mbuf_printf(mb, "%s %s SIP/2.0\r\n", method, leg->rtarget);
	err |= bld_via(s, mb, leg->dst.tp, branch);
	err |= mbuf_write_str(mb, "Max-Forwards: 70\r\n");
	if (leg->route)
		err |= mbuf_printf(mb, "Route: %s\r\n", leg->route);
	err |= mbuf_printf(mb, "From: %s\r\nTo: %s", leg->lhdr, leg->rhdr);
	if (!leg->inbound && leg->rtag)
		err |= mbuf_printf(mb, ";tag=%s", leg->rtag);
	err |= mbuf_printf(mb, "\r\nCall-ID: %s\r\nCSeq: %u %s\r\n", leg->callid, cseq, method);
	if (extra)
		err |= mbuf_write_str(mb, extra);
	err |= mbuf_printf(mb, "User-Agent: %s\r\n", s->ua);
	if (body && blen)
		err |= mbuf_printf(mb, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%b", ctype,
				   blen, body, blen);
	else
		err |= mbuf_write_str(mb, "Content-Length: 0\r\n\r\n");
	return err ? ENOMEM : 0;
}

char *bld_copy(struct sipx *s, size_t *len)
{
	char *p = sb_alloc(s->tx->end);
	if (!p)
		return NULL;
	memcpy(p, s->tx->buf, s->tx->end);
	*len = s->tx->end;
	return p;
}
