/* tel_xfer: in-call control: blind and consulted transfer (API and REFER), three-way conference,
 * listen / whisper / barge. */
#include "server/tel_xfer.h"
#include "server/tel_impl.h"

#include "base/mem.h"
#include "http/evloop.h"
#include "media/media.h"
#include "media/media_mix.h"
#include "server/center.h"
#include "server/tel_ivr.h"
#include "sip/sipx.h"
#include "store/records.h"
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The legs this file adds to a call are struct xleg: a struct tleg whose
 * xfer field points back to the xleg, so the controller hands their SIP
 * events here (tel_xfer_leg_event). A call's extras live in its struct
 * xcall (tc->x): the consultation leg, the mix of a conference or of a
 * monitored call, the monitor's leg. A caller transferred to an outside
 * number leaves the contact center: its leg moves out of the call into a
 * struct xbridge with the outside leg, kept on t->xbridges until both ended.
 */

enum xrole { XR_CONSULT = 1, XR_PHONE, XR_MONITOR, XR_OUT_CALLER, XR_OUT_FAR };

struct xleg {
	struct tleg l; /* l.xfer points here */
	enum xrole role;
	struct xcall *xc;   /* XR_CONSULT, XR_MONITOR */
	struct xbridge *xb; /* XR_OUT_* */
};

struct xcall {
	struct tcall *tc;
	struct xleg *consult;
	struct xleg *phone;    /* the agent phone's own call to the target (attended transfer) */
	int64_t consult_agent; /* 0: an outside number */
	int64_t by_agent;      /* the agent who consults */
	bool consult_up;       /* the target answered */
	bool conference;       /* caller, agent and target in the mix */
	bool adopting;	       /* completing to an agent: the offer adopts the consult leg */
	bool target_other;     /* the consulted agent is "on another call" for the ACD meanwhile */
	struct media_mix *mix;
	struct xleg *mon;
	int64_t mon_agent;
	enum tel_monitor_mode mode;
};

struct xbridge {
	struct xbridge *next;
	struct telephony *t;
	struct xleg a, b; /* the caller; the outside party */
	int64_t agent;	  /* b is this agent's phone (a menu's choice): "other" meanwhile */
	/* a menu's "agent" choice: its contact record, its ring time, its fallback */
	int64_t rec_agent;	   /* the agent (kept after `agent` is cleared at a stop) */
	int64_t contact, client;   /* the record's id (0: none) and client */
	int64_t t_start, t_answer; /* UTC epoch ms */
	const char *reason;	   /* how it ended: caller, agent, busy, no_answer */
	uint32_t fallback;	   /* the queue to enter when the agent does not answer */
	struct evl_timer *ring;	   /* the agent's phone rings at most ring_ms (AGENT_RING_MS) */
	char number[SIPX_USER_MAX], dialled[SIPX_USER_MAX];
};

#define AGENT_RING_MS 20000 /* a menu's "agent" choice without ring_seconds: no answer by then */

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- legs ---------- */

static void xleg_free(struct xleg *xl)
{
	if (!xl)
		return;
	tel_leg_clear(&xl->l);
	sb_free(xl);
}

static void xleg_hangup_free(struct xleg *xl)
{
	if (!xl)
		return;
	if (xl->l.sip)
		sipx_leg_hangup(xl->l.sip);
	xleg_free(xl);
}

/* Places the leg's outbound call (an offer in the codec to prefer). */
static int xleg_call(struct telephony *t, struct xleg *xl, const char *target, const char *to_user,
		     const char *from_user, const char *from_name, enum media_codec prefer)
{
	xl->l.xfer = xl;
	char sdp[1024];
	size_t len = 0;
	int err = media_leg_alloc(&xl->l.media, t->media);
	if (err)
		return err;
	media_leg_set_arg(xl->l.media, &xl->l);
	if (prefer != MEDIA_CODEC_NONE)
		media_leg_prefer(xl->l.media, prefer);
	err = media_leg_sdp_offer(xl->l.media, sdp, sizeof(sdp), &len);
	if (err)
		return err;
	struct sipx_call_params p = {
	    .target = target,
	    .to_user = to_user,
	    .from_user = from_user,
	    .from_name = from_name,
	    .sdp = sdp,
	    .sdp_len = len,
	};
	err = sipx_call(&xl->l.sip, t->sip, &p);
	if (err)
		return err;
	sipx_leg_set_arg(xl->l.sip, &xl->l);
	return 0;
}

/*
 * A REFER's outcome for the phone that sent it (RFC 3515): the final NOTIFY, "SIP/2.0 200 OK"
 * when the transfer was carried out (err 0) or the failure. *rl is the leg the REFER came on
 * (NULL: not a REFER, or reported already); it is cleared, so report before hanging it up.
 */
static void refer_report(struct sipx_leg **rl, int err)
{
	if (!rl || !*rl)
		return;
	uint16_t code;
	switch (err) {
	case 0:
		code = 200;
		break;
	case ENOENT:
		code = 404;
		break;
	case EBUSY:
		code = 486;
		break;
	case EPERM:
		code = 403;
		break;
	case EINVAL:
		code = 400;
		break;
	case ENOSYS:
		code = 503;
		break;
	case ESRCH:
		code = 481;
		break;
	case ENOTCONN:
	case EHOSTUNREACH:
		code = 480;
		break;
	default:
		code = 500;
		break;
	}
	int e = sipx_leg_refer_notify(*rl, code, NULL); /* the stack's reason phrase */
	if (e && e != ENOENT)
		fprintf(stderr, "switchboard: REFER outcome %u: %s\n", code, strerror(e));
	*rl = NULL;
}

static void answer_reinvite(struct tleg *l, const struct sipx_event_info *info)
{
	char sdp[1024];
	size_t len = 0;
	bool hold = false;
	if (l->media && media_leg_sdp_reoffer(l->media, info->sdp, info->sdp_len, sdp, sizeof(sdp),
					      &len, &hold) == 0)
		sipx_leg_reinvite_answer(l->sip, 200, sdp, len);
	else
		sipx_leg_reinvite_answer(l->sip, 488, NULL, 0);
}

static bool leg_ends(enum sipx_event ev)
{
	return ev == SIPX_EV_FAILED || ev == SIPX_EV_BYE || ev == SIPX_EV_ENDED ||
	       ev == SIPX_EV_CANCELLED;
}

/* ---------- the call's extras ---------- */

static struct xcall *xcall_get(struct tcall *tc)
{
	if (!tc->x) {
		tc->x = sb_zalloc(sizeof(*tc->x));
		if (tc->x)
			tc->x->tc = tc;
	}
	return tc->x;
}

/* The call's connected agent leg (the one talking to the caller). */
static struct tleg *connected_leg(struct tcall *tc)
{
	for (unsigned i = 0; i < tc->n_agents; i++)
		if (tc->agents[i]->connected)
			return tc->agents[i];
	return NULL;
}

static bool call_on_hold(struct telephony *t, struct tcall *tc)
{
	struct acd_call_info ci;
	return acd_call_info(center_acd(t->c), tc->id, &ci) == 0 && ci.state == ACD_CALL_HOLD;
}

/* Who hears whom in the mix: the monitor per its mode; everyone else hears everyone. */
static void apply_paths(struct xcall *x)
{
	if (!x->mix || !x->mon || !media_mix_has(x->mix, x->mon->l.media))
		return;
	struct media_leg *m = x->mon->l.media;
	struct tcall *tc = x->tc;
	struct tleg *al = connected_leg(tc);
	bool to_agent = x->mode != TEL_MONITOR_LISTEN, to_others = x->mode == TEL_MONITOR_BARGE;
	if (tc->caller.media && media_mix_has(x->mix, tc->caller.media))
		media_mix_path(x->mix, m, tc->caller.media, to_others);
	if (al && media_mix_has(x->mix, al->media))
		media_mix_path(x->mix, m, al->media, to_agent);
	if (x->consult && x->consult_up && media_mix_has(x->mix, x->consult->l.media))
		media_mix_path(x->mix, m, x->consult->l.media, to_others);
}

/* The mix is no longer needed (no conference, no monitor): caller and agent talk directly again. */
static void mix_collapse(struct telephony *t, struct xcall *x)
{
	if (!x->mix || x->conference || (x->mon && x->mon->l.answered))
		return;
	struct tcall *tc = x->tc;
	struct tleg *al = connected_leg(tc);
	media_mix_free(x->mix);
	x->mix = NULL;
	if (!tc->caller.media)
		return;
	if (call_on_hold(t, tc)) {
		if (t->moh)
			media_play(tc->caller.media, t->moh);
	} else if (al) {
		media_bridge(tc->caller.media, al->media);
	}
}

/* Frees the extras once nothing is left in them; the call itself may then go. */
static void xcall_maybe_free(struct tcall *tc)
{
	struct xcall *x = tc->x;
	if (!x || x->consult || x->phone || x->mon || x->mix)
		return;
	sb_free(x);
	tc->x = NULL;
	tel_call_maybe_free(tc);
}

/* The call is over or moved on: every extra leg is hung up. */
static void xcall_free(struct tcall *tc, bool keep_consult)
{
	struct xcall *x = tc->x;
	if (!x)
		return;
	media_mix_free(x->mix);
	x->mix = NULL;
	x->conference = false;
	xleg_hangup_free(x->mon);
	x->mon = NULL;
	xleg_hangup_free(x->phone);
	x->phone = NULL;
	if (!keep_consult) {
		xleg_hangup_free(x->consult);
		x->consult = NULL;
	}
	if (!x->consult) {
		sb_free(x);
		tc->x = NULL;
	}
}

/* The agent's connected SIP call. */
static int agent_call(struct telephony *t, int64_t agent_id, uint64_t *call, struct tcall **tcp,
		      struct tleg **alp)
{
	struct acd_agent_info ai;
	if (acd_agent_info(center_acd(t->c), (uint32_t)agent_id, &ai) != 0 || !ai.call ||
	    (ai.state != ACD_AGENT_TALKING && ai.state != ACD_AGENT_HOLD))
		return ENOENT;
	*call = ai.call;
	*tcp = idmap_get(&t->calls, ai.call);
	*alp = *tcp ? tel_find_agent_leg(*tcp, agent_id) : NULL;
	if (*alp && !(*alp)->connected)
		*alp = NULL;
	return 0;
}

/* The target agent's id and phone URI. */
static int target_agent(struct telephony *t, const struct tel_xfer_target *to, int64_t *id,
			char *uri, size_t n)
{
	const struct center_agent *a = to->agent_id ? center_agent(t->c, to->agent_id)
				       : to->extension
					   ? center_agent_by_extension(t->c, to->extension)
					   : NULL;
	if (!a || !a->active)
		return ENOENT;
	*id = a->id;
	if (uri && !tel_agent_target(t, a, uri, n))
		return EHOSTUNREACH;
	return 0;
}

static int number_uri(struct telephony *t, const char *number, char *uri, size_t n)
{
	int err = tel_number_target(t, number, uri, n);
	return err == ENOENT ? ENOSYS : err;
}

static void log_xfer(struct telephony *t, const char *what, uint64_t call, int64_t agent,
		     const char *to, int64_t target)
{
	char data[200];
	snprintf(data, sizeof(data),
		 "{\"call\":%" PRIu64 ",\"agent\":%" PRId64 ",\"to\":\"%s\",\"target\":%" PRId64
		 "}",
		 call, agent, to, target);
	const struct center_agent *a = center_agent(t->c, agent);
	struct center_scope sc = {.agent_id = (uint64_t)agent,
				  .team_id = a ? (uint64_t)a->team_id : 0};
	center_log(t->c, what, data, a ? (uint64_t)a->user_id : 0, &sc);
}

/* ---------- transferred out: the caller and an outside party ---------- */

/*
 * The contact record of a caller put through to an agent's extension: a call of
 * its own (never in the ACD), like a queue call's record: the agent, when it
 * rang and was answered, how it ended (attributes.kind = "agent_direct").
 */
static void xbridge_record(struct xbridge *xb)
{
	struct telephony *t = xb->t;
	if (!xb->contact || !t->cfg.store)
		return;
	int64_t now = wall_ms();
	const char *reason = xb->reason ? xb->reason : "caller";
	char attrs[96];
	snprintf(attrs, sizeof(attrs), "{\"kind\":\"agent_direct\",\"fallback_queue\":%u}",
		 (unsigned)xb->fallback);
	struct store_contact c = {
	    .id = xb->contact,
	    .call_id = xb->contact,
	    .client_id = xb->client,
	    .channel = "voice",
	    .direction = "inbound",
	    .initiation = "inbound",
	    .customer_number = xb->number[0] ? xb->number : NULL,
	    .system_number = xb->dialled[0] ? xb->dialled : NULL,
	    .agent_id = xb->rec_agent,
	    .t_initiated = xb->t_start,
	    .t_connected = xb->t_answer,
	    .t_disconnected = now,
	    .disconnect_reason = reason,
	    .attributes = attrs,
	    .updated_at = now,
	};
	xb->contact = 0;
	struct store_job *job;
	if (store_job_alloc(&job) != 0)
		return;
	if (store_job_contact_put(job, &c) != 0 ||
	    store_write(t->cfg.store, job, NULL, NULL) != 0) {
		store_job_free(job);
		fprintf(stderr,
			"switchboard: call to agent %" PRId64 ": contact record not written\n",
			xb->rec_agent);
	}
}

static void xbridge_unlink_free(struct xbridge *xb)
{
	struct telephony *t = xb->t;
	xbridge_record(xb);
	evl_timer_free(xb->ring);
	if (xb->agent && t->c)
		center_agent_other(t->c, xb->agent, false); /* free for queue calls again */
	for (struct xbridge **pp = &t->xbridges; *pp; pp = &(*pp)->next)
		if (*pp == xb) {
			*pp = xb->next;
			break;
		}
	tel_leg_clear(&xb->a.l);
	tel_leg_clear(&xb->b.l);
	sb_free(xb);
}

/*
 * A menu's "agent" choice the agent did not take (no answer, busy, declined):
 * with a fallback queue the caller's leg enters it as a new call
 * (tel_ivr_agent_fallback) and the bridge is freed (true).
 */
static bool agent_fallback(struct xbridge *xb)
{
	if (!xb->fallback || !xb->a.l.sip || !xb->t->c)
		return false;
	struct tleg caller = xb->a.l;
	if (tel_ivr_agent_fallback(xb->t, &caller, xb->number, xb->dialled, xb->fallback) != 0)
		return false;
	memset(&xb->a.l, 0, sizeof(xb->a.l)); /* the leg is the new call's now */
	xbridge_unlink_free(xb);
	return true;
}

static void xbridge_event(struct telephony *t, struct xleg *xl, const struct sipx_event_info *info)
{
	struct xbridge *xb = xl->xb;
	struct xleg *other = xl == &xb->a ? &xb->b : &xb->a;
	switch (info->ev) {
	case SIPX_EV_ANSWERED:
		if (xl->role != XR_OUT_FAR || xl->l.answered)
			break;
		xl->l.answered = true;
		xb->t_answer = wall_ms();
		evl_timer_cancel(xb->ring);
		if (media_leg_sdp_answer_in(xl->l.media, info->sdp, info->sdp_len) != 0 ||
		    !other->l.media) {
			sipx_leg_hangup(xl->l.sip);
			if (other->l.sip)
				sipx_leg_hangup(other->l.sip);
			xbridge_unlink_free(xb);
			return;
		}
		media_bridge(other->l.media, xl->l.media);
		break;
	case SIPX_EV_REINVITE:
		answer_reinvite(&xl->l, info);
		break;
	default:
		if (!leg_ends(info->ev))
			break;
		if (!xb->reason)
			xb->reason = xl == &xb->a			      ? "caller"
				     : xb->b.l.answered			      ? "agent"
				     : info->code == 486 || info->code == 600 ? "busy"
									      : "no_answer";
		bool rang_out = xl == &xb->b && !xb->b.l.answered;
		tel_leg_clear(&xl->l);
		if (rang_out && agent_fallback(xb))
			break; /* the caller went on to the fallback queue */
		if (other->l.sip)
			sipx_leg_hangup(other->l.sip);
		xbridge_unlink_free(xb);
		(void)t;
		break;
	}
}

/* The agent's phone did not answer: ring no more, the fallback (else the caller is hung up). */
static void on_agent_ring(void *arg)
{
	struct xbridge *xb = arg;
	xb->reason = "no_answer";
	if (xb->b.l.sip)
		sipx_leg_hangup(xb->b.l.sip); /* CANCEL */
	tel_leg_clear(&xb->b.l);
	if (agent_fallback(xb))
		return;
	if (xb->a.l.sip)
		sipx_leg_hangup(xb->a.l.sip);
	xbridge_unlink_free(xb);
}

/*
 * The caller leaves the contact center for an outside party: the consultation's
 * leg (already called) or a new call to `uri`. The agent's phone is hung up and
 * the center completes the call (the agent goes to wrap-up).
 */
static int bridge_out(struct telephony *t, struct tcall *tc, const char *uri, const char *number,
		      struct xleg *consult)
{
	struct xbridge *xb = sb_zalloc(sizeof(*xb));
	if (!xb)
		return ENOMEM;
	xb->t = t;
	xb->a.role = XR_OUT_CALLER;
	xb->b.role = XR_OUT_FAR;
	xb->a.xb = xb->b.xb = xb;
	if (consult) {
		xb->b.l = consult->l;
		consult->l.sip = NULL;
		consult->l.media = NULL;
		sb_free(consult);
	} else {
		int err =
		    xleg_call(t, &xb->b, uri, number, tc->number[0] ? tc->number : "anonymous",
			      NULL, media_leg_codec(tc->caller.media));
		if (err) {
			tel_leg_clear(&xb->b.l);
			sb_free(xb);
			return err;
		}
	}
	xb->b.l.call = NULL;
	xb->b.l.xfer = &xb->b;
	sipx_leg_set_arg(xb->b.l.sip, &xb->b.l);
	media_leg_set_arg(xb->b.l.media, &xb->b.l);
	/* the caller's leg moves out of the call */
	xb->a.l = tc->caller;
	xb->a.l.call = NULL;
	xb->a.l.xfer = &xb->a;
	sipx_leg_set_arg(xb->a.l.sip, &xb->a.l);
	media_leg_set_arg(xb->a.l.media, &xb->a.l);
	media_leg_on_dtmf(xb->a.l.media, NULL, NULL); /* menus and codes were the call's business */
	memset(&tc->caller, 0, sizeof(tc->caller));
	tc->caller.call = tc;
	tc->caller_gone = true;
	xb->next = t->xbridges;
	t->xbridges = xb;
	if (xb->b.l.answered)
		media_bridge(xb->a.l.media, xb->b.l.media);
	else if (t->moh)
		media_play(xb->a.l.media, t->moh); /* music while the far end rings */
	return 0;
}

int tel_xfer_out(struct telephony *t, struct tcall *tc, const char *number)
{
	char uri[SIPX_URI_MAX];
	int err = number_uri(t, number, uri, sizeof(uri));
	if (err)
		return err;
	if (!tc->caller.sip || !tc->caller.media || tc->n_agents || tc->x)
		return ENOTCONN;
	return bridge_out(t, tc, uri, number, NULL);
}

int tel_xfer_agent_out(struct telephony *t, struct tcall *tc, const char *extension,
		       uint32_t fallback_queue, const char *dialled, int64_t client_id,
		       int64_t ring_ms)
{
	const struct center_agent *a = center_agent_by_extension(t->c, extension);
	if (!a || !a->active)
		return ENOENT;
	struct acd_agent_info ai;
	if (acd_agent_info(center_acd(t->c), (uint32_t)a->id, &ai) != 0 ||
	    ai.state != ACD_AGENT_READY)
		return EBUSY; /* logged out, not ready, on a call, in wrap-up */
	char uri[SIPX_URI_MAX];
	if (!tel_agent_target(t, a, uri, sizeof(uri)))
		return EHOSTUNREACH;
	if (!tc->caller.sip || !tc->caller.media || tc->n_agents || tc->x)
		return ENOTCONN;
	struct evl_timer *ring;
	if (evl_timer_alloc(&ring) != 0)
		return ENOMEM;
	char number[SIPX_USER_MAX];
	snprintf(number, sizeof(number), "%s", tc->number);
	int err = bridge_out(t, tc, uri, a->extension, NULL);
	if (err) {
		evl_timer_free(ring);
		return err;
	}
	struct xbridge *xb = t->xbridges;
	/* the agent is on a call the ACD does not route: offered no queue call meanwhile */
	if (center_agent_other(t->c, a->id, true) == 0)
		xb->agent = a->id;
	xb->rec_agent = a->id;
	xb->contact = center_contact_id(t->c);
	xb->client = client_id;
	xb->t_start = wall_ms();
	xb->fallback = fallback_queue;
	snprintf(xb->number, sizeof(xb->number), "%s", number);
	snprintf(xb->dialled, sizeof(xb->dialled), "%s", dialled ? dialled : "");
	xb->ring = ring;
	evl_timer_start(ring, ring_ms > 0 ? (uint64_t)ring_ms : AGENT_RING_MS, on_agent_ring, xb);
	return 0;
}

static int transfer_out(struct telephony *t, struct tcall *tc, struct tleg *al, const char *uri,
			const char *number, struct xleg *consult, struct sipx_leg **refer)
{
	int err = bridge_out(t, tc, uri, number, consult);
	if (err)
		return err;
	refer_report(refer, 0); /* a REFER from the phone: done (before its BYE) */
	/* the agent is done: their phone is hung up, the center completes the call */
	sipx_leg_hangup(al->sip);
	tel_drop_agent_leg(tc, al);
	center_call_hangup(t->c, tc->id, ACD_SIDE_AGENT);
	return 0;
}

/* ---------- blind transfer ---------- */

/* refer: the leg a REFER came on (its outcome is reported before the leg is hung up), or NULL. */
static int blind(struct telephony *t, int64_t agent_id, const struct tel_xfer_target *to,
		 struct sipx_leg **refer)
{
	if (!t || !to)
		return EINVAL;
	uint64_t call;
	struct tcall *tc;
	struct tleg *al;
	int err = agent_call(t, agent_id, &call, &tc, &al);
	if (err)
		return err;
	if (tc && tc->x && (tc->x->consult || tc->x->conference))
		return EBUSY; /* end the consultation first */
	if (to->queue_id) {
		const struct center_queue *q = center_queue(t->c, to->queue_id);
		if (!q || !q->active)
			return ENOENT;
		err = center_call_transfer(t->c, call, to->queue_id);
		if (!err)
			log_xfer(t, "call.transfer", call, agent_id, "queue", to->queue_id);
		return err;
	}
	if (to->agent_id || to->extension) {
		int64_t target;
		err = target_agent(t, to, &target, NULL, 0);
		if (err)
			return err;
		if (target == agent_id)
			return EINVAL;
		err = center_call_transfer_agent(t->c, call, target);
		if (!err)
			log_xfer(t, "call.transfer", call, agent_id, "agent", target);
		return err;
	}
	if (!to->number)
		return EINVAL;
	char uri[SIPX_URI_MAX];
	if ((err = number_uri(t, to->number, uri, sizeof(uri))))
		return err;
	if (!tc || !al || !tc->caller.media)
		return ENOTCONN;
	if (tc->x)
		xcall_free(tc, false);
	log_xfer(t, "call.transfer", call, agent_id, "number", 0);
	err = transfer_out(t, tc, al, uri, to->number, NULL, refer);
	tel_call_maybe_free(tc);
	return err;
}

int tel_xfer_blind(struct telephony *t, int64_t agent_id, const struct tel_xfer_target *to)
{
	return blind(t, agent_id, to, NULL);
}

/* ---------- consultation ---------- */

int tel_xfer_consult(struct telephony *t, int64_t agent_id, const struct tel_xfer_target *to)
{
	if (!t || !to || to->queue_id)
		return EINVAL;
	uint64_t call;
	struct tcall *tc;
	struct tleg *al;
	int err = agent_call(t, agent_id, &call, &tc, &al);
	if (err)
		return err;
	if (!tc || !al || !tc->caller.media)
		return ENOTCONN;
	if (tc->x && (tc->x->consult || tc->x->mix || tc->x->mon))
		return EBUSY; /* one consultation at a time; none while monitored */
	char uri[SIPX_URI_MAX], to_user[SIPX_USER_MAX];
	int64_t target = 0;
	if (to->agent_id || to->extension) {
		if ((err = target_agent(t, to, &target, uri, sizeof(uri))))
			return err;
		if (target == agent_id)
			return EINVAL;
		snprintf(to_user, sizeof(to_user), "%s", center_agent(t->c, target)->extension);
	} else if (to->number) {
		if ((err = number_uri(t, to->number, uri, sizeof(uri))))
			return err;
		snprintf(to_user, sizeof(to_user), "%s", to->number);
	} else {
		return EINVAL;
	}
	struct xcall *x = xcall_get(tc);
	struct xleg *xl = sb_zalloc(sizeof(*xl));
	if (!x || !xl) {
		sb_free(xl);
		xcall_maybe_free(tc);
		return ENOMEM;
	}
	xl->role = XR_CONSULT;
	xl->xc = x;
	xl->l.call = tc;
	const struct center_agent *me = center_agent(t->c, agent_id);
	char name[SIPX_NAME_MAX];
	if (snprintf(name, sizeof(name), "%s (consultation)", me ? me->name : "agent") < 0)
		name[0] = '\0'; /* a long name is cut short: fine */
	err = xleg_call(t, xl, uri, to_user, me ? me->extension : "agent", name,
			media_leg_codec(al->media));
	if (err) {
		xleg_free(xl);
		xcall_maybe_free(tc);
		return err;
	}
	x->consult = xl;
	x->consult_agent = target;
	x->by_agent = agent_id;
	x->consult_up = false;
	/* the caller hears music meanwhile; the agent hears the target ringing (nothing) */
	struct acd_agent_info ai;
	if (acd_agent_info(center_acd(t->c), (uint32_t)agent_id, &ai) == 0 &&
	    ai.state == ACD_AGENT_TALKING)
		center_call_hold(t->c, call, true);
	log_xfer(t, "call.consult", call, agent_id, target ? "agent" : "number", target);
	return 0;
}

/* The consulted agent is free for queue calls again (the consultation ended without them). */
static void target_release(struct telephony *t, struct xcall *x)
{
	if (x->target_other)
		center_agent_other(t->c, x->consult_agent, false);
	x->target_other = false;
}

/* The consultation ended without completing: the agent is back with the caller. */
static void consult_gone(struct telephony *t, struct xcall *x)
{
	struct tcall *tc = x->tc;
	target_release(t, x);
	x->consult = NULL;
	x->consult_up = false;
	xleg_hangup_free(x->phone);
	x->phone = NULL;
	if (x->conference) {
		x->conference = false;
		mix_collapse(t, x);
	}
	if (tc->id && call_on_hold(t, tc) && connected_leg(tc))
		center_call_hold(t->c, tc->id, false); /* ACT_UNHOLD bridges them again */
}

static int consult_end(struct telephony *t, int64_t agent_id, enum tel_consult_end how,
		       struct sipx_leg **refer)
{
	if (!t)
		return EINVAL;
	uint64_t call;
	struct tcall *tc;
	struct tleg *al;
	int err = agent_call(t, agent_id, &call, &tc, &al);
	if (err)
		return err;
	struct xcall *x = tc ? tc->x : NULL;
	if (!x || !x->consult || x->by_agent != agent_id)
		return ENOENT;
	if (!al)
		return ENOTCONN;
	switch (how) {
	case TEL_CONSULT_CANCEL: {
		struct xleg *xl = x->consult;
		xleg_hangup_free(xl);
		consult_gone(t, x);
		xcall_maybe_free(tc);
		log_xfer(t, "call.consult_cancel", call, agent_id, "caller", 0);
		return 0;
	}
	case TEL_CONSULT_CONFERENCE: {
		if (!x->consult_up)
			return EBUSY;
		if (x->conference)
			return 0;
		if (!x->mix && (err = media_mix_alloc(&x->mix, t->media)))
			return err;
		if ((err = media_mix_join(x->mix, tc->caller.media)) ||
		    (err = media_mix_join(x->mix, al->media)) ||
		    (err = media_mix_join(x->mix, x->consult->l.media)))
			return err;
		x->conference = true;
		apply_paths(x);
		if (call_on_hold(t, tc))
			center_call_hold(t->c, call,
					 false); /* the caller is back: hold time ends */
		log_xfer(t, "call.conference", call, agent_id,
			 x->consult_agent ? "agent" : "number", x->consult_agent);
		return 0;
	}
	case TEL_CONSULT_COMPLETE:
		if (!x->consult_up)
			return EBUSY;
		if (x->consult_agent) {
			/* the ACD moves the call to the target, who is offered it and answers at
			 * once with the leg already talking (tel_xfer_adopt) */
			x->adopting = true;
			err = center_call_transfer_agent(t->c, call, x->consult_agent);
			if (err) {
				x->adopting = false;
				return err;
			}
			refer_report(refer, 0);
			xleg_hangup_free(x->phone); /* the phone's own call to the target is done */
			x->phone = NULL;
			log_xfer(t, "call.transfer", call, agent_id, "agent", x->consult_agent);
			return 0;
		} else {
			struct xleg *xl = x->consult;
			x->consult = NULL;
			media_mix_free(x->mix);
			x->mix = NULL;
			x->conference = false;
			xleg_hangup_free(x->mon);
			x->mon = NULL;
			refer_report(refer, 0);
			xleg_hangup_free(x->phone);
			x->phone = NULL;
			log_xfer(t, "call.transfer", call, agent_id, "number", 0);
			err = transfer_out(t, tc, al, NULL, NULL, xl, NULL);
			xcall_maybe_free(tc);
			return err;
		}
	}
	return EINVAL;
}

int tel_xfer_consult_end(struct telephony *t, int64_t agent_id, enum tel_consult_end how)
{
	return consult_end(t, agent_id, how, NULL);
}

bool tel_xfer_adopt(struct telephony *t, struct tcall *tc, int64_t agent)
{
	struct xcall *x = tc->x;
	if (!x || !x->adopting || !x->consult || x->consult_agent != agent)
		return false;
	struct tleg *l = sb_zalloc(sizeof(*l));
	if (!l || tc->n_agents == MAX_OFFERS) {
		sb_free(l);
		return false; /* ring the phone instead */
	}
	*l = x->consult->l;
	l->xfer = NULL;
	l->call = tc;
	l->agent = agent;
	l->answered = true;
	sipx_leg_set_arg(l->sip, l);
	media_leg_set_arg(l->media, l);
	sb_free(x->consult);
	x->consult = NULL;
	x->adopting = false;
	x->consult_up = false;
	x->target_other = false; /* the ACD has the agent on this call now */
	tc->agents[tc->n_agents++] = l;
	if (center_call_answer(t->c, tc->id, agent) == 0) {
		l->connected = true; /* the CONNECT act bridges caller and target */
	} else {
		sipx_leg_hangup(l->sip);
		tel_drop_agent_leg(tc, l);
	}
	xcall_maybe_free(tc);
	return true;
}

/* ---------- monitoring ---------- */

enum tel_monitor_mode tel_monitor_mode_parse(const char *s)
{
	if (!s)
		return 0;
	if (strcmp(s, "listen") == 0)
		return TEL_MONITOR_LISTEN;
	if (strcmp(s, "whisper") == 0)
		return TEL_MONITOR_WHISPER;
	if (strcmp(s, "barge") == 0)
		return TEL_MONITOR_BARGE;
	return 0;
}

const char *tel_monitor_mode_name(enum tel_monitor_mode m)
{
	return m == TEL_MONITOR_LISTEN	  ? "listen"
	       : m == TEL_MONITOR_WHISPER ? "whisper"
	       : m == TEL_MONITOR_BARGE	  ? "barge"
					  : "";
}

/* The monitor answered: caller, agent and monitor meet in the mix. */
static int monitor_join(struct telephony *t, struct xcall *x)
{
	struct tcall *tc = x->tc;
	struct tleg *al = connected_leg(tc);
	int err = 0;
	if (!x->mix && (err = media_mix_alloc(&x->mix, t->media)))
		return err;
	if (tc->caller.media && !call_on_hold(t, tc))
		err = media_mix_join(x->mix, tc->caller.media);
	if (!err && al)
		err = media_mix_join(x->mix, al->media);
	if (!err)
		err = media_mix_join(x->mix, x->mon->l.media);
	apply_paths(x);
	return err;
}

int tel_xfer_monitor(struct telephony *t, uint64_t call_id, int64_t monitor_agent,
		     enum tel_monitor_mode mode)
{
	if (!t || mode < TEL_MONITOR_LISTEN || mode > TEL_MONITOR_BARGE)
		return EINVAL;
	struct tcall *tc = idmap_get(&t->calls, call_id);
	struct acd_call_info ci;
	if (!tc || acd_call_info(center_acd(t->c), call_id, &ci) != 0)
		return ENOENT;
	if (ci.state != ACD_CALL_CONNECTED && ci.state != ACD_CALL_HOLD)
		return EBUSY;
	struct tleg *al = connected_leg(tc);
	if (!al || !tc->caller.media)
		return ENOTCONN;
	if (ci.agent == (uint32_t)monitor_agent)
		return EINVAL;
	if (tc->x && tc->x->mon) {
		if (tc->x->mon_agent != monitor_agent)
			return EBUSY;
		tc->x->mode = mode; /* a new mode at once */
		apply_paths(tc->x);
		log_xfer(t, "call.monitor", call_id, monitor_agent, tel_monitor_mode_name(mode),
			 (int64_t)ci.agent);
		return 0;
	}
	if (tc->x && tc->x->consult && !tc->x->conference)
		return EBUSY; /* the agent is talking to someone else: after the consultation */
	const struct center_agent *m = center_agent(t->c, monitor_agent);
	char uri[SIPX_URI_MAX];
	if (!m)
		return ENOENT;
	if (!tel_agent_target(t, m, uri, sizeof(uri)))
		return EHOSTUNREACH;
	struct xcall *x = xcall_get(tc);
	struct xleg *xl = sb_zalloc(sizeof(*xl));
	if (!x || !xl) {
		sb_free(xl);
		if (x)
			xcall_maybe_free(tc);
		return ENOMEM;
	}
	xl->role = XR_MONITOR;
	xl->xc = x;
	xl->l.call = tc;
	xl->l.agent = monitor_agent;
	const struct center_agent *ag = center_agent(t->c, ci.agent);
	char name[SIPX_NAME_MAX];
	if (snprintf(name, sizeof(name), "%s: %s", tel_monitor_mode_name(mode),
		     ag ? ag->name : "call") < 0)
		name[0] = '\0';
	int err = xleg_call(t, xl, uri, m->extension, tc->number[0] ? tc->number : "anonymous",
			    name, media_leg_codec(al->media));
	if (err) {
		xleg_free(xl);
		xcall_maybe_free(tc);
		return err;
	}
	x->mon = xl;
	x->mon_agent = monitor_agent;
	x->mode = mode;
	log_xfer(t, "call.monitor", call_id, monitor_agent, tel_monitor_mode_name(mode),
		 (int64_t)ci.agent);
	return 0;
}

int tel_xfer_monitor_stop(struct telephony *t, uint64_t call_id)
{
	struct tcall *tc = t ? idmap_get(&t->calls, call_id) : NULL;
	if (!tc || !tc->x || !tc->x->mon)
		return ENOENT;
	struct xcall *x = tc->x;
	xleg_hangup_free(x->mon);
	x->mon = NULL;
	mix_collapse(t, x);
	xcall_maybe_free(tc);
	return 0;
}

int tel_xfer_status(struct telephony *t, uint64_t call_id, struct tel_xfer_status *out)
{
	struct tcall *tc = t ? idmap_get(&t->calls, call_id) : NULL;
	if (!tc)
		return ENOENT;
	memset(out, 0, sizeof(*out));
	struct xcall *x = tc->x;
	if (!x)
		return 0;
	out->consulting = x->consult != NULL;
	out->consult_agent = x->consult ? x->consult_agent : 0;
	out->consult_answered = x->consult && x->consult_up;
	out->conference = x->conference;
	out->monitor_agent = x->mon ? x->mon_agent : 0;
	out->mode = x->mon ? x->mode : 0;
	out->monitor_answered = x->mon && x->mon->l.answered;
	return 0;
}

/* ---------- the controller's hooks ---------- */

static void consult_event(struct telephony *t, struct xleg *xl, const struct sipx_event_info *info)
{
	struct xcall *x = xl->xc;
	struct tcall *tc = x->tc;
	switch (info->ev) {
	case SIPX_EV_ANSWERED: {
		if (xl->l.answered)
			break;
		xl->l.answered = true;
		if (media_leg_sdp_answer_in(xl->l.media, info->sdp, info->sdp_len) != 0) {
			sipx_leg_hangup(xl->l.sip);
			xleg_free(xl);
			consult_gone(t, x);
			break;
		}
		x->consult_up = true;
		/* a consulted agent is on another call: not offered queue calls meanwhile */
		if (x->consult_agent && center_agent_other(t->c, x->consult_agent, true) == 0)
			x->target_other = true;
		struct tleg *al = tel_find_agent_leg(tc, x->by_agent);
		if (x->phone && x->phone->l.media)
			media_bridge(x->phone->l.media, xl->l.media); /* on the phone's own call */
		else if (al && al->connected && !x->conference)
			media_bridge(al->media, xl->l.media); /* agent and target talk */
		break;
	}
	case SIPX_EV_REINVITE:
		answer_reinvite(&xl->l, info);
		break;
	default:
		if (!leg_ends(info->ev))
			break;
		xleg_free(xl);
		consult_gone(t, x);
		break;
	}
	xcall_maybe_free(tc);
}

static void monitor_event(struct telephony *t, struct xleg *xl, const struct sipx_event_info *info)
{
	struct xcall *x = xl->xc;
	struct tcall *tc = x->tc;
	switch (info->ev) {
	case SIPX_EV_ANSWERED:
		if (xl->l.answered)
			break;
		xl->l.answered = true;
		if (media_leg_sdp_answer_in(xl->l.media, info->sdp, info->sdp_len) != 0 ||
		    monitor_join(t, x) != 0) {
			sipx_leg_hangup(xl->l.sip);
			xleg_free(xl);
			x->mon = NULL;
			mix_collapse(t, x);
		}
		break;
	case SIPX_EV_REINVITE:
		answer_reinvite(&xl->l, info);
		break;
	default:
		if (!leg_ends(info->ev))
			break;
		xleg_free(xl);
		x->mon = NULL;
		mix_collapse(t, x);
		break;
	}
	xcall_maybe_free(tc);
}

/* The agent phone's own call to the target (its attended transfer): REFER completes, BYE cancels.
 */
static void phone_event(struct telephony *t, struct xleg *xl, const struct sipx_event_info *info)
{
	struct xcall *x = xl->xc;
	struct tcall *tc = x->tc;
	int err;
	switch (info->ev) {
	case SIPX_EV_CONFIRMED: /* a late offer: the phone's answer came with the ACK */
		if (info->sdp && xl->l.media)
			media_leg_sdp_answer_in(xl->l.media, info->sdp, info->sdp_len);
		break;
	case SIPX_EV_REINVITE:
		answer_reinvite(&xl->l, info);
		break;
	/* REFER on the consultation's dialog (Replaces names the first call) */
	case SIPX_EV_REFER: {
		struct sipx_leg *refer = xl->l.sip;
		err = consult_end(t, x->by_agent, TEL_CONSULT_COMPLETE, &refer);
		if (err)
			fprintf(stderr, "switchboard: attended transfer from the phone: %s\n",
				strerror(err));
		refer_report(&refer, err); /* a failure: nothing was hung up */
		return;			   /* completed to a number, the call may be gone already */
	}
	default:
		if (!leg_ends(info->ev))
			break;
		/* the agent hung up the consultation: the target too, back to the caller */
		tel_leg_clear(&xl->l);
		sb_free(xl);
		x->phone = NULL;
		xleg_hangup_free(x->consult);
		x->consult = NULL;
		consult_gone(t, x);
		break;
	}
	xcall_maybe_free(tc);
}

/* *46 / *47 / *48 followed by an agent's extension: the caller's phone listens, whispers, barges.
 */
static enum tel_monitor_mode monitor_code(const char *ruri, const char **ext)
{
	static const char *const codes[] = {FC_LISTEN, FC_WHISPER, FC_BARGE};
	for (unsigned i = 0; i < 3; i++)
		if (strncmp(ruri, codes[i], 3) == 0 && ruri[3]) {
			*ext = ruri + 3;
			return (enum tel_monitor_mode)(TEL_MONITOR_LISTEN + i);
		}
	return 0;
}

/*
 * Takes an inbound INVITE from an agent's or a monitor's phone into the call as a leg with the
 * given role and answers it with our SDP. On error *xlp is the half-made leg (free it with
 * tel_leg_clear + sb_free) or NULL (the SIP leg is still the caller's to release).
 */
static int answer_xleg(struct telephony *t, struct xcall *x, struct tcall *tc, enum xrole role,
		       int64_t agent, struct sipx_leg *leg, const struct sipx_invite *inv,
		       struct xleg **xlp)
{
	struct xleg *xl = sb_zalloc(sizeof(*xl));
	*xlp = xl;
	if (!xl)
		return ENOMEM;
	xl->role = role;
	xl->xc = x;
	xl->l.call = tc;
	xl->l.agent = agent;
	xl->l.sip = leg;
	xl->l.xfer = xl;
	sipx_leg_set_arg(leg, &xl->l);
	char sdp[1024];
	size_t len = 0;
	int err = media_leg_alloc(&xl->l.media, t->media);
	if (!err) {
		media_leg_set_arg(xl->l.media, &xl->l);
		err = inv->sdp ? media_leg_sdp_answer(xl->l.media, inv->sdp, inv->sdp_len, sdp,
						      sizeof(sdp), &len)
			       : media_leg_sdp_offer(xl->l.media, sdp, sizeof(sdp), &len);
	}
	if (!err)
		err = sipx_leg_answer(leg, sdp, len);
	return err;
}

/* A team lead dialled a monitoring code: their phone's call joins the agent's call at once. */
static void monitor_by_code(struct telephony *t, struct sipx_leg *leg,
			    const struct sipx_invite *inv, enum tel_monitor_mode mode,
			    const char *ext)
{
	const struct center_agent *me = center_agent_by_extension(t->c, inv->from_user);
	const struct center_agent *ag = center_agent_by_extension(t->c, ext);
	const struct center_team *team = ag ? center_team(t->c, ag->team_id) : NULL;
	uint64_t call;
	struct tcall *tc;
	struct tleg *al;
	uint16_t code = 0;
	if (!me || !ag)
		code = 404;
	else if (!team || team->lead_user_id != me->user_id || me == ag)
		code = 403; /* by phone: the agent's own team lead */
	else if (agent_call(t, ag->id, &call, &tc, &al) != 0 || !tc || !al)
		code = 480;
	else if (tc->x && (tc->x->mon || (tc->x->consult && !tc->x->conference)))
		code = 486;
	if (code) {
		sipx_leg_reject(leg, code, code == 480 ? "Not on a call" : NULL);
		sipx_leg_release(leg);
		return;
	}
	struct xcall *x = xcall_get(tc);
	struct xleg *xl = NULL;
	int err = x ? answer_xleg(t, x, tc, XR_MONITOR, me->id, leg, inv, &xl) : ENOMEM;
	if (!err) {
		x->mon = xl;
		x->mon_agent = me->id;
		x->mode = mode;
		xl->l.answered = true;
		err = monitor_join(t, x);
		if (err)
			x->mon = NULL;
	}
	if (err) {
		sipx_leg_reject(leg, 488, "Not acceptable here");
		if (xl) {
			tel_leg_clear(&xl->l);
			sb_free(xl);
		} else {
			sipx_leg_release(leg);
		}
		if (x) {
			mix_collapse(t, x);
			xcall_maybe_free(tc);
		}
		return;
	}
	log_xfer(t, "call.monitor", call, me->id, tel_monitor_mode_name(mode), ag->id);
}

bool tel_xfer_invite(struct telephony *t, struct sipx_leg *leg, const struct sipx_invite *inv)
{
	const char *ext = NULL;
	enum tel_monitor_mode mode = inv->authenticated ? monitor_code(inv->ruri_user, &ext) : 0;
	if (mode) {
		monitor_by_code(t, leg, inv, mode, ext);
		return true;
	}
	if (!inv->authenticated || !inv->ruri_user[0] || inv->ruri_user[0] == '*' ||
	    center_number(t->c, inv->ruri_user))
		return false;
	const struct center_agent *me = center_agent_by_extension(t->c, inv->from_user);
	uint64_t call;
	struct tcall *tc;
	struct tleg *al;
	if (!me || agent_call(t, me->id, &call, &tc, &al) != 0 || !tc || !al || !tc->caller.media)
		return false; /* not on a call: the usual handling */
	struct tel_xfer_target to = {0};
	if (center_agent_by_extension(t->c, inv->ruri_user))
		to.extension = inv->ruri_user;
	else
		to.number = inv->ruri_user;
	int err = tel_xfer_consult(t, me->id, &to);
	if (err) {
		sipx_leg_reject(leg,
				err == EBUSY			 ? 486
				: err == EINVAL || err == ENOENT ? 404
								 : 480,
				err == EBUSY ? "Busy here" : "Cannot consult");
		sipx_leg_release(leg);
		return true;
	}
	struct xcall *x = tc->x;
	struct xleg *xl = NULL;
	err = answer_xleg(t, x, tc, XR_PHONE, me->id, leg, inv, &xl);
	if (err) {
		sipx_leg_reject(leg, 488, "Not acceptable here");
		if (xl) {
			tel_leg_clear(&xl->l);
			sb_free(xl);
		} else {
			sipx_leg_release(leg);
		}
		xleg_hangup_free(x->consult);
		x->consult = NULL;
		consult_gone(t, x);
		xcall_maybe_free(tc);
		return true;
	}
	x->phone = xl;
	return true;
}

void tel_xfer_leg_event(struct telephony *t, struct tleg *l, const struct sipx_event_info *info)
{
	struct xleg *xl = l->xfer;
	if (info->ev == SIPX_EV_REFER && xl->role != XR_PHONE) {
		struct sipx_leg *refer = l->sip; /* a consulted, monitoring or outside party */
		refer_report(&refer, EPERM);
		return;
	}
	switch (xl->role) {
	case XR_CONSULT:
		consult_event(t, xl, info);
		break;
	case XR_PHONE:
		phone_event(t, xl, info);
		break;
	case XR_MONITOR:
		monitor_event(t, xl, info);
		break;
	case XR_OUT_CALLER:
	case XR_OUT_FAR:
		xbridge_event(t, xl, info);
		break;
	}
}

/* The Call-ID of a Replaces header value in a URI ("abc%40host%3Bto-tag%3D1;..."), unescaped. */
static void replaces_callid(const char *v, char *out, size_t n)
{
	size_t k = 0;
	for (; *v && *v != '&' && *v != '>' && k + 1 < n; v++) {
		char c = *v;
		if (c == '%' && v[1] && v[2]) {
			char hex[3] = {v[1], v[2], 0};
			char *end;
			long x = strtol(hex, &end, 16);
			if (*end == '\0') {
				c = (char)x;
				v += 2;
			}
		}
		if (c == ';')
			break;
		out[k++] = c;
	}
	out[k] = '\0';
}

/* The user part of a Refer-To URI ("sip:1002@host;...", "<sip:+4930...@host>"). */
static bool refer_user(const char *target, char *user, size_t n)
{
	const char *p = strchr(target, ':');
	if (!p)
		return false;
	p++;
	size_t k = strcspn(p, "@;?>");
	if (!k || k >= n || p[k] != '@')
		return false;
	memcpy(user, p, k);
	user[k] = '\0';
	return true;
}

void tel_xfer_refer(struct telephony *t, struct tleg *l, const char *target)
{
	struct tcall *tc = l->call;
	char user[SIPX_USER_MAX];
	struct sipx_leg *refer = l->sip; /* reported before it is hung up, else at the end */
	if (l == &tc->caller || !l->connected) {
		fprintf(stderr,
			"switchboard: REFER from a caller or an unanswered phone ignored\n");
		refer_report(&refer, EPERM);
		return;
	}
	const char *rp = strcasestr(target, "Replaces=");
	if (rp) {
		/* the phone's attended transfer: Replaces names its consultation call */
		char cid[SIPX_URI_MAX];
		replaces_callid(rp + strlen("Replaces="), cid, sizeof(cid));
		struct xcall *x = tc->x;
		int err = x && x->phone && x->phone->l.sip &&
				  strcmp(cid, sipx_leg_callid(x->phone->l.sip)) == 0
			      ? consult_end(t, x->by_agent, TEL_CONSULT_COMPLETE, &refer)
			      : ESRCH;
		if (err)
			fprintf(stderr, "switchboard: REFER with Replaces=%s: %s\n", cid,
				strerror(err));
		refer_report(&refer, err);
		return;
	}
	if (!refer_user(target, user, sizeof(user))) {
		fprintf(stderr, "switchboard: REFER to %s: no user part; ignored\n", target);
		refer_report(&refer, EINVAL);
		return;
	}
	struct tel_xfer_target to = {0};
	const struct center_number *num = center_number(t->c, user);
	if (center_agent_by_extension(t->c, user))
		to.extension = user;
	else if (num && num->active)
		to.queue_id = num->queue_id;
	else
		to.number = user;
	int err = blind(t, l->agent, &to, &refer);
	if (err)
		fprintf(stderr, "switchboard: REFER to %s: %s\n", target, strerror(err));
	/* to a queue or an agent the phone is hung up on the next turn: still there now */
	refer_report(&refer, err);
}

bool tel_xfer_agent_left(struct telephony *t, struct tleg *l)
{
	struct tcall *tc = l->call;
	struct xcall *x = tc->x;
	if (!x || !x->conference || !x->consult || !x->consult_up || !x->consult_agent ||
	    x->by_agent != l->agent || !l->connected)
		return false;
	/* the agent left the conference: the caller stays with the consulted agent */
	if (tel_xfer_consult_end(t, l->agent, TEL_CONSULT_COMPLETE) != 0)
		return false;	   /* (they do not serve the queue): the call ends as usual */
	tel_drop_agent_leg(tc, l); /* its BYE came: nothing to hang up */
	return true;
}

void tel_xfer_phone_hold(struct telephony *t, struct tleg *l, bool hold)
{
	struct tcall *tc = l->call;
	struct acd_call_info ci;
	if (!l->connected || !tc->id || acd_call_info(center_acd(t->c), tc->id, &ci) != 0)
		return;
	/* the same hold as the desktop's: the caller hears music, hold time is counted; a
	 * consultation (the phone's own attended transfer) keeps the call on hold */
	if (hold && ci.state == ACD_CALL_CONNECTED)
		center_call_hold(t->c, tc->id, true);
	else if (!hold && ci.state == ACD_CALL_HOLD && !(tc->x && tc->x->consult))
		center_call_hold(t->c, tc->id, false);
}

bool tel_xfer_unhold(struct telephony *t, struct tcall *tc)
{
	(void)t;
	struct xcall *x = tc->x;
	if (!x || !x->mix || !tc->caller.media ||
	    (!x->conference && !(x->mon && x->mon->l.answered)))
		return false;
	if (media_mix_join(x->mix, tc->caller.media) != 0)
		return false;
	apply_paths(x);
	return true;
}

void tel_xfer_after_act(struct telephony *t, struct tcall *tc, enum act_kind kind)
{
	switch (kind) {
	case ACT_AGENT_OUT:
	case ACT_CALLER_BYE:
	case ACT_CALLER_OUT:
	case ACT_ABANDONED:
		target_release(t, tc->x);
		xcall_free(tc, false);
		break;
	case ACT_TRANSFERRED:
		/* completing a consultation to an agent keeps its leg for the offer */
		if (!tc->x->adopting)
			target_release(t, tc->x);
		xcall_free(tc, tc->x->adopting);
		break;
	default:
		break;
	}
}

void tel_xfer_stop(struct telephony *t)
{
	struct tcall *tc;
	for (uint32_t it = 0; idmap_next(&t->calls, &it, NULL, (void **)&tc);)
		if (tc->x)
			xcall_free(tc, false);
	while (t->xbridges) {
		t->xbridges->agent = 0; /* stopping: the center is closed */
		xbridge_unlink_free(t->xbridges);
	}
}
