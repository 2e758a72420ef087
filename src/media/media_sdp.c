/* media_sdp: SDP offer/answer for a leg with libre's sdp_* (one G.711 law, telephone-event, hold). */
#include "media/media_impl.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/*
 * libre 1.1.0 answers with every format both sides share, in the offerer's
 * order, and matches media lines by position. So an offer is first decoded
 * into a throw-away "probe" session holding both laws and telephone-event,
 * to learn what the far end can do without touching the leg; then the leg's
 * own session (kept for the dialog: the o= line's id stays, its version
 * grows) gets only the chosen law (+ telephone-event) before the real
 * decode, and its answer lists just those. Media lines before the first
 * audio line (an offer with video first) get rejected placeholders, so the
 * answer has the offer's lines in the offer's order.
 */

#define MAX_MLINES 8

struct mscan {
	unsigned audio; /* index of the first audio line */
	char name[MAX_MLINES][16];
};

static int scan_mlines(const char *sdp, size_t len, struct mscan *sc)
{
	unsigned n = 0;
	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || sdp[i - 1] == '\n') && i + 2 < len && sdp[i] == 'm' &&
		    sdp[i + 1] == '=') {
			size_t j = i + 2, k = 0;
			if (n == MAX_MLINES)
				return EPROTO;
			while (j < len && sdp[j] != ' ' && sdp[j] != '\r' && sdp[j] != '\n' &&
			       k + 1 < sizeof(sc->name[0]))
				sc->name[n][k++] = sdp[j++];
			sc->name[n][k] = '\0';
			if (!strcmp(sc->name[n], "audio")) {
				sc->audio = n;
				return 0;
			}
			n++;
		}
	}
	return EPROTO;
}

static const char *codec_id(enum media_codec c)
{
	return c == MEDIA_PCMA ? "8" : "0";
}

static const char *codec_name(enum media_codec c)
{
	return c == MEDIA_PCMA ? "PCMA" : "PCMU";
}

static enum media_codec other(enum media_codec c)
{
	return c == MEDIA_PCMA ? MEDIA_PCMU : MEDIA_PCMA;
}

struct fmts {
	struct sdp_format *law[2]; /* [0]: PCMU, [1]: PCMA (NULL: not listed) */
	struct sdp_format *tev;
};

static int add_law(struct sdp_media *am, struct fmts *f, enum media_codec c)
{
	return sdp_format_add(&f->law[c == MEDIA_PCMA], am, false, codec_id(c), codec_name(c),
			      MRTP_RATE, 1, NULL, NULL, NULL, false, NULL);
}

static int add_tev(struct sdp_media *am, struct fmts *f)
{
	return sdp_format_add(&f->tev, am, false, "101", telev_rtpfmt, MRTP_RATE, 1, NULL, NULL,
			      NULL, false, "0-15");
}

/* Our formats on the audio line: first, then (unless NONE) second, then telephone-event if tev. */
static int set_formats(struct sdp_media *am, struct fmts *f, enum media_codec first,
		       enum media_codec second, bool tev)
{
	const struct list *lst = sdp_media_format_lst(am, true);
	struct le *le = list_head(lst);
	while (le) {
		struct le *nx = le->next;
		mem_deref(le->data);
		le = nx;
	}
	*f = (struct fmts){0};
	int err = add_law(am, f, first);
	if (!err && second != MEDIA_CODEC_NONE)
		err = add_law(am, f, second);
	if (!err && tev)
		err = add_tev(am, f);
	return err;
}

/* A session with rejected placeholders before the audio line at index sc->audio. */
static int session_new(struct media_leg *l, const struct mscan *sc, struct sdp_session **sessp,
		       struct sdp_media **amp)
{
	struct sdp_session *sess;
	struct sdp_media *am;
	int err = sdp_session_alloc(&sess, &l->m->sdp_sa);
	if (err)
		return err;
	for (unsigned i = 0; i < sc->audio && !err; i++) {
		struct sdp_media *dm;
		err = sdp_media_add(&dm, sess, sc->name[i], 0, sdp_proto_rtpavp);
		if (!err)
			sdp_media_set_disabled(dm, true);
	}
	if (!err)
		err = sdp_media_add(&am, sess, sdp_media_audio, l->port, sdp_proto_rtpavp);
	if (!err)
		err = sdp_media_set_lattr(am, true, sdp_attr_ptime, "20");
	if (err) {
		mem_deref(sess);
		return err;
	}
	*sessp = sess;
	*amp = am;
	return 0;
}

static int decode(struct sdp_session *sess, const char *sdp, size_t len, bool offer)
{
	struct mbuf *mb = mbuf_alloc(len ? len : 1);
	if (!mb)
		return ENOMEM;
	int err = mbuf_write_mem(mb, (const uint8_t *)sdp, len);
	if (!err) {
		mb->pos = 0;
		err = sdp_decode(sess, mb, offer);
	}
	mem_deref(mb);
	if (err == ENOMEM)
		return ENOMEM;
	return err == EBADMSG || err == EINVAL ? EBADMSG : err ? EPROTO : 0;
}

static int encode(struct sdp_session *sess, bool offer, char *buf, size_t size, size_t *len)
{
	struct mbuf *mb = NULL;
	int err = sdp_encode(&mb, sess, offer);
	if (err)
		return err;
	if (mb->end + 1 > size) {
		err = EMSGSIZE;
	} else {
		memcpy(buf, mb->buf, mb->end);
		buf[mb->end] = '\0';
		*len = mb->end;
	}
	mem_deref(mb);
	return err;
}

/* What the far end asked for, once an offer or an answer is decoded into am. */
struct remote {
	struct maddr dst;
	bool has_dst;
	bool they_receive; /* not sendonly / inactive */
	bool may_send;	   /* the negotiated direction lets us send */
};

static void remote_read(struct sdp_media *am, struct remote *r)
{
	const struct sa *ra = sdp_media_raddr(am);
	r->has_dst = ra && sa_isset(ra, SA_ALL) && !sa_is_any(ra) && sa_port(ra) != 0;
	if (r->has_dst)
		maddr_from_sa(&r->dst, ra);
	/* libre keeps rdir from our side: the far end's "sendonly" reads as RECVONLY */
	r->they_receive = (sdp_media_rdir(am) & SDP_SENDONLY) != 0;
	r->may_send = r->they_receive && (sdp_media_dir(am) & SDP_SENDONLY) != 0;
}

static void commit(struct media_leg *l, enum media_codec codec, int tev_pt, const struct remote *r)
{
	if (r->has_dst && l->has_sdp_dst && !maddr_eq(&r->dst, &l->sdp_dst))
		leg_unlatch(l); /* the party moved: learn its address again */
	l->has_sdp_dst = r->has_dst;
	if (r->has_dst)
		l->sdp_dst = r->dst;
	l->hold = !r->they_receive || !r->has_dst;
	l->may_send = r->may_send && !l->hold;
	if (codec != l->codec)
		l->gen++; /* the outgoing stream changes payload type: mark it */
	l->codec = codec;
	l->tev_pt = tev_pt;
}

static int take_offer(struct media_leg *l, const char *offer, size_t offer_len, char *buf,
		      size_t size, size_t *len, bool *hold)
{
	if (!l || !offer || !buf || !len)
		return EINVAL;
	struct mscan sc;
	int err = scan_mlines(offer, offer_len, &sc);
	if (err)
		return err;

	/* probe: what can the far end do? */
	struct sdp_session *ps;
	struct sdp_media *pm;
	struct fmts pf;
	err = session_new(l, &sc, &ps, &pm);
	if (!err)
		err = set_formats(pm, &pf, MEDIA_PCMU, MEDIA_PCMA, true);
	if (!err)
		err = decode(ps, offer, offer_len, true);
	if (!err && sdp_media_rport(pm) == 0)
		err = EPROTO; /* audio refused by the offerer itself */
	bool has[2] = {!err && pf.law[0]->sup, !err && pf.law[1]->sup};
	bool tev = !err && pf.tev->sup;
	mem_deref(ps);
	if (err)
		return err;
	enum media_codec c;
	if (l->codec != MEDIA_CODEC_NONE && has[l->codec == MEDIA_PCMA])
		c = l->codec; /* keep what we have */
	else if (has[l->pref == MEDIA_PCMA])
		c = l->pref;
	else if (has[other(l->pref) == MEDIA_PCMA])
		c = other(l->pref);
	else
		return EPROTO;

	/* the leg's own session */
	if (!l->sess) {
		err = session_new(l, &sc, &l->sess, &l->sm);
		if (err)
			return err;
	}
	struct fmts f;
	err = set_formats(l->sm, &f, c, MEDIA_CODEC_NONE, tev);
	if (!err)
		err = decode(l->sess, offer, offer_len, true);
	if (!err && !f.law[c == MEDIA_PCMA]->sup)
		err = EPROTO;
	if (!err)
		err = encode(l->sess, false, buf, size, len);
	if (err)
		return err;
	const struct sdp_format *rt = tev ? sdp_media_rformat(l->sm, telev_rtpfmt) : NULL;
	struct remote r;
	remote_read(l->sm, &r);
	commit(l, c, rt ? rt->pt : -1, &r);
	l->offered = false;
	if (hold)
		*hold = l->hold;
	return 0;
}

int media_leg_sdp_answer(struct media_leg *l, const char *offer, size_t offer_len, char *buf,
			 size_t size, size_t *len)
{
	return take_offer(l, offer, offer_len, buf, size, len, NULL);
}

int media_leg_sdp_reoffer(struct media_leg *l, const char *offer, size_t offer_len, char *buf,
			  size_t size, size_t *len, bool *hold)
{
	return take_offer(l, offer, offer_len, buf, size, len, hold);
}

int media_leg_sdp_offer(struct media_leg *l, char *buf, size_t size, size_t *len)
{
	if (!l || !buf || !len)
		return EINVAL;
	int err;
	if (!l->sess) {
		struct mscan sc = {.audio = 0};
		err = session_new(l, &sc, &l->sess, &l->sm);
		if (err)
			return err;
	}
	enum media_codec first = l->codec != MEDIA_CODEC_NONE ? l->codec : l->pref;
	struct fmts f;
	err = set_formats(l->sm, &f, first, other(first), true);
	if (!err)
		err = encode(l->sess, true, buf, size, len);
	if (!err)
		l->offered = true;
	return err;
}

int media_leg_sdp_answer_in(struct media_leg *l, const char *answer, size_t answer_len)
{
	if (!l || !answer)
		return EINVAL;
	if (!l->sess || !l->offered)
		return EINVAL;
	int err = decode(l->sess, answer, answer_len, false);
	if (err)
		return err;
	if (sdp_media_rport(l->sm) == 0)
		return EPROTO;
	/* the first G.711 law the answer lists that we offered */
	enum media_codec c = MEDIA_CODEC_NONE;
	struct le *le;
	LIST_FOREACH(sdp_media_format_lst(l->sm, false), le)
	{
		const struct sdp_format *rf = le->data;
		bool u = rf->pt == MEDIA_PCMU || (rf->name && !strcasecmp(rf->name, "PCMU"));
		bool a = rf->pt == MEDIA_PCMA || (rf->name && !strcasecmp(rf->name, "PCMA"));
		if ((u || a) && sdp_media_format(l->sm, true, NULL, -1, u ? "PCMU" : "PCMA", -1, -1)) {
			c = u ? MEDIA_PCMU : MEDIA_PCMA;
			break;
		}
	}
	if (c == MEDIA_CODEC_NONE)
		return EPROTO;
	const struct sdp_format *rt = sdp_media_rformat(l->sm, telev_rtpfmt);
	struct remote r;
	remote_read(l->sm, &r);
	commit(l, c, rt ? rt->pt : -1, &r);
	l->offered = false;
	return 0;
}

void leg_sdp_free(struct media_leg *l)
{
	l->sess = mem_deref(l->sess);
	l->sm = NULL;
}
