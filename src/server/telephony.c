/* telephony: SIP legs and RTP media joined to the center's calls and agents (see telephony.h). */
#include "server/telephony.h"
#include "server/tel_impl.h"
#include "server/tel_rec.h"
#include "server/tel_dial.h"
#include "server/tel_ivr.h"

#include "base/idmap.h"
#include "base/mem.h"
#include "base/phone.h"
#include "http/evloop.h"
#include "media/media.h"
#include "server/center.h"
#include "sip/sipx.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run_acts(void *arg);

/* ---------- helpers ---------- */

static const char *queue_name(struct telephony *t, uint64_t call_id)
{
	struct acd_call_info ci;
	if (acd_call_info(center_acd(t->c), call_id, &ci) != 0)
		return "";
	const struct center_queue *q = center_queue(t->c, ci.queue);
	return q ? q->name : "";
}

void tel_leg_clear(struct tleg *l)
{
	if (l->sip) {
		sipx_leg_set_arg(l->sip, NULL);
		sipx_leg_release(l->sip);
		l->sip = NULL;
	}
	if (l->media) {
		media_leg_free(l->media);
		l->media = NULL;
	}
}

void tel_agent_leg_free(struct tleg *l)
{
	if (l->call)
		tel_rec_leg_gone(l->call, l); /* its recording ends (tel_rec.c) */
	tel_leg_clear(l);
	sb_free(l);
}

struct tleg *tel_find_agent_leg(struct tcall *tc, int64_t agent)
{
	for (unsigned i = 0; i < tc->n_agents; i++)
		if (tc->agents[i]->agent == agent)
			return tc->agents[i];
	return NULL;
}

void tel_drop_agent_leg(struct tcall *tc, struct tleg *l)
{
	for (unsigned i = 0; i < tc->n_agents; i++) {
		if (tc->agents[i] == l) {
			tc->agents[i] = tc->agents[--tc->n_agents];
			break;
		}
	}
	tel_agent_leg_free(l);
}

/* Frees a call once nothing refers to it any more. */
void tel_call_maybe_free(struct tcall *tc)
{
	if (tc->caller.sip || tc->n_agents || tc->x)
		return;
	if (tc->id)
		idmap_del(&tc->t->calls, tc->id);
	if (tc->fid)
		idmap_del(&tc->t->features, tc->fid);
	tel_rec_call_gone(tc);
	tel_ivr_call_free(tc);
	tel_leg_clear(&tc->caller);
	sb_free(tc);
}

void tel_defer(struct telephony *t, enum act_kind kind, uint64_t call, int64_t agent)
{
	if (t->n_acts == t->cap_acts) {
		unsigned cap = t->cap_acts ? t->cap_acts * 2 : 32;
		struct act *v = sb_realloc(t->acts, cap * sizeof(*v));
		if (!v)
			return; /* out of memory: the ACD's timers still end the call */
		t->acts = v;
		t->cap_acts = cap;
	}
	t->acts[t->n_acts++] = (struct act){kind, call, agent};
	if (!evl_timer_running(t->defer))
		evl_timer_start(t->defer, 0, run_acts, t);
}

/* ---------- the ACD's events: what the phones must do ---------- */

static void on_center_event(const struct acd_event *ev, void *arg)
{
	struct telephony *t = arg;
	if (tel_ivr_event(t, ev))
		return; /* callbacks, survey (tel_ivr.c) */
	if (!idmap_get(&t->calls, ev->call)) {
		if (!t->entering || ev->type != ACD_EV_CALL_ENTER)
			return; /* not a SIP call (demo traffic, another driver) */
		/* the call center_call_enter() is entering: now we know its id */
		t->entering->id = ev->call;
		if (idmap_put(&t->calls, ev->call, t->entering) != 0)
			return;
		t->entering = NULL;
	}
	switch (ev->type) {
	case ACD_EV_CALL_OFFER:
		if (!center_agent_simulated(t->c,
					    ev->agent)) /* the demo traffic answers for those */
			tel_defer(t, ACT_OFFER, ev->call, ev->agent);
		break;
	case ACD_EV_CALL_OFFER_CANCEL:
	case ACD_EV_CALL_RNA:
		tel_defer(t, ACT_STOP, ev->call, ev->agent);
		break;
	case ACD_EV_CALL_CONNECT:
		tel_defer(t, ACT_CONNECT, ev->call, ev->agent);
		break;
	case ACD_EV_CALL_EXIT_TIMEOUT:
	case ACD_EV_CALLBACK_REQUESTED:
		tel_defer(t, ACT_CALLER_OUT, ev->call, 0);
		break;
	case ACD_EV_CALL_COMPLETE_CALLER:
		tel_defer(t, ACT_AGENT_OUT, ev->call, ev->agent);
		break;
	case ACD_EV_CALL_COMPLETE_AGENT:
		tel_defer(t, ACT_CALLER_BYE, ev->call, ev->agent);
		break;
	case ACD_EV_CALL_TRANSFER:
		tel_defer(t, ACT_TRANSFERRED, ev->call, 0);
		break;
	case ACD_EV_CALL_ABANDON:
		tel_defer(t, ACT_ABANDONED, ev->call, 0);
		break;
	case ACD_EV_CALL_HOLD:
		tel_defer(t, ACT_HOLD, ev->call, 0);
		break;
	case ACD_EV_CALL_UNHOLD:
		tel_defer(t, ACT_UNHOLD, ev->call, 0);
		break;
	default:
		break;
	}
}

/* Where an agent's phone is: its newest registration, or its static contact. */
bool tel_agent_target(struct telephony *t, const struct center_agent *a, char *uri, size_t n)
{
	char uris[4][SIPX_URI_MAX];
	if (sipx_contacts(t->sip, a->extension, uris, 4) > 0) {
		snprintf(uri, n, "%s", uris[0]);
		return true;
	}
	if (a->static_contact[0]) {
		snprintf(uri, n, "%s", a->static_contact);
		return true;
	}
	return false;
}

int tel_number_target(struct telephony *t, const char *number, char *uri, size_t n)
{
	if (!t->cfg.trunk_addr || !t->cfg.trunk_addr[0])
		return ENOENT;
	if (!number[0])
		return EINVAL;
	for (const char *p = number; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p == '+' && p == number && p[1])))
			return EINVAL;
	if (snprintf(uri, n, "sip:%s@%s", number, t->cfg.trunk_addr) >= (int)n)
		return EINVAL;
	return 0;
}

void tel_ring_agent(struct telephony *t, struct tcall *tc, int64_t agent_id)
{
	const struct center_agent *a = center_agent(t->c, agent_id);
	char target[SIPX_URI_MAX];
	if (!a || !tel_agent_target(t, a, target, sizeof(target))) {
		/* registration gone and no static contact: the phone cannot be reached */
		center_call_reject(t->c, tc->id, agent_id, ACD_CAUSE_UNREACHABLE);
		return;
	}
	if (tc->n_agents == MAX_OFFERS || tel_find_agent_leg(tc, agent_id))
		return;
	struct tleg *l = sb_zalloc(sizeof(*l));
	if (!l)
		return;
	l->call = tc;
	l->agent = agent_id;
	char sdp[1024], name[SIPX_NAME_MAX];
	size_t len = 0;
	int err = media_leg_alloc(&l->media, t->media);
	if (!err) {
		media_leg_set_arg(l->media, l);
		/* the caller's codec first: the bridge then needs no transcoding */
		enum media_codec codec =
		    tc->caller.media ? media_leg_codec(tc->caller.media) : MEDIA_CODEC_NONE;
		if (codec != MEDIA_CODEC_NONE)
			media_leg_prefer(l->media, codec);
		err = media_leg_sdp_offer(l->media, sdp, sizeof(sdp), &len);
	}
	/* the agent's phone shows who calls, and for which queue */
	if (snprintf(name, sizeof(name), "%s - %s", tc->number[0] ? tc->number : "anonymous",
		     queue_name(t, tc->id)) < 0) /* a long name is cut short: that is fine */
		name[0] = '\0';
	if (!err) {
		struct sipx_call_params p = {
		    .target = target,
		    .to_user = a->extension,
		    .from_user = tc->number[0] ? tc->number : "anonymous",
		    .from_name = name,
		    .sdp = sdp,
		    .sdp_len = len,
		};
		err = sipx_call(&l->sip, t->sip, &p);
	}
	if (err) {
		tel_agent_leg_free(l);
		center_call_reject(t->c, tc->id, agent_id, ACD_CAUSE_UNREACHABLE);
		return;
	}
	sipx_leg_set_arg(l->sip, l);
	tc->agents[tc->n_agents++] = l;
}

static void run_acts(void *arg)
{
	struct telephony *t = arg;
	/* acts may add acts: take the list first */
	while (t->n_acts) {
		unsigned n = t->n_acts;
		struct act *list = sb_alloc(n * sizeof(*list));
		if (!list)
			return;
		memcpy(list, t->acts, n * sizeof(*list));
		t->n_acts = 0;
		for (unsigned i = 0; i < n; i++) {
			struct act *a = &list[i];
			struct tcall *tc = idmap_get(&t->calls, a->call);
			if (!tc)
				continue;
			struct tleg *l = a->agent ? tel_find_agent_leg(tc, a->agent) : NULL;
			switch (a->kind) {
			case ACT_OFFER:
				if (!tel_xfer_adopt(t, tc, a->agent))
					tel_ring_agent(t, tc, a->agent);
				break;
			case ACT_STOP:
				if (l && !l->connected) {
					sipx_leg_hangup(l->sip);
					tel_drop_agent_leg(tc, l);
				}
				break;
			case ACT_CONNECT:
				if (l && tc->caller.media) {
					l->connected = true;
					/* recording (tel_rec.c); a consent prompt still playing
					 * bridges later */
					if (!tel_rec_connected(t, tc, l))
						media_bridge(tc->caller.media, l->media);
				}
				break;
			case ACT_CALLER_OUT:
				if (tc->caller.sip) {
					sipx_leg_hangup(tc->caller.sip);
					tel_leg_clear(&tc->caller);
				}
				break;
			case ACT_AGENT_OUT:
				if (l) {
					sipx_leg_hangup(l->sip);
					tel_drop_agent_leg(tc, l);
				}
				break;
			case ACT_CALLER_BYE:
				if (tc->caller.sip) {
					sipx_leg_hangup(tc->caller.sip);
					tel_leg_clear(&tc->caller);
				}
				if (l)
					tel_drop_agent_leg(tc, l);
				break;
			case ACT_REJECT:
				center_call_reject(t->c, tc->id, a->agent, ACD_CAUSE_UNREACHABLE);
				break;
			case ACT_TRANSFERRED:
			case ACT_ABANDONED:
				/* the agent who had the call is in wrap-up (or it was never
				 * answered): their phone is hung up; the caller, still waiting,
				 * hears music until the next agent answers */
				for (unsigned k = tc->n_agents; k-- > 0;) {
					struct tleg *al = tc->agents[k];
					if (a->kind == ACT_TRANSFERRED && !al->connected)
						continue; /* a new offer already ringing */
					sipx_leg_hangup(al->sip);
					tel_drop_agent_leg(tc, al);
				}
				if (a->kind == ACT_TRANSFERRED && tc->caller.media && t->moh)
					media_play(tc->caller.media, t->moh);
				break;
			case ACT_HOLD:
				tel_rec_hold(tc, true); /* nothing recorded on hold (tel_rec.c) */
				if (tc->caller.media && t->moh)
					media_play(tc->caller.media, t->moh); /* ends the bridge */
				break;
			case ACT_UNHOLD:
				tel_rec_hold(tc, false);
				if (tel_xfer_unhold(t, tc))
					break; /* the caller is back in the conference */
				for (unsigned k = 0; k < tc->n_agents; k++)
					if (tc->agents[k]->connected && tc->caller.media) {
						media_bridge(tc->caller.media,
							     tc->agents[k]->media);
						break;
					}
				break;
			}
			if (tc->x)
				tel_xfer_after_act(t, tc, a->kind);
			tel_call_maybe_free(tc);
		}
		sb_free(list);
	}
}

/* ---------- SIP: inbound calls ---------- */

static int feature_code(struct telephony *t, const struct center_agent *a, const char *code)
{
	int64_t id = a->id;
	if (strcmp(code, FC_LOGIN) == 0 || strcmp(code, FC_READY) == 0)
		return center_agent_set_state(t->c, id, ACD_AGENT_READY, 0, NULL, NULL);
	if (strcmp(code, FC_LOGOUT) == 0)
		return center_agent_set_state(t->c, id, ACD_AGENT_LOGGED_OUT, ACD_REASON_USER, NULL,
					      NULL);
	if (strncmp(code, FC_NOT_READY, 3) == 0) {
		unsigned digit =
		    code[3] >= '1' && code[3] <= '9' && !code[4] ? (unsigned)(code[3] - '0') : 1;
		if (code[3] && !(code[3] >= '1' && code[3] <= '9' && !code[4]))
			return EINVAL;
		return center_agent_set_state(t->c, id, ACD_AGENT_NOT_READY,
					      ACD_REASON_USER + digit, NULL, NULL);
	}
	if (strcmp(code, FC_WRAPUP) == 0)
		return center_agent_wrapup_done(t->c, id, 0, NULL, NULL);
	return ENOENT;
}

static void on_prompt_done(void *arg)
{
	struct tcall *tc = arg;
	if (tc->caller.sip)
		sipx_leg_hangup(tc->caller.sip);
	tel_leg_clear(&tc->caller);
	tel_call_maybe_free(tc);
}

/* Answers the caller's leg with our SDP. */
int tel_answer_caller(struct telephony *t, struct tcall *tc, const struct sipx_invite *inv)
{
	char sdp[1024];
	size_t len = 0;
	int err = media_leg_alloc(&tc->caller.media, t->media);
	if (err)
		return err;
	media_leg_set_arg(tc->caller.media, &tc->caller);
	if (inv->sdp)
		err = media_leg_sdp_answer(tc->caller.media, inv->sdp, inv->sdp_len, sdp,
					   sizeof(sdp), &len);
	else
		err = media_leg_sdp_offer(tc->caller.media, sdp, sizeof(sdp), &len);
	if (err)
		return err;
	return sipx_leg_answer(tc->caller.sip, sdp, len);
}

static void on_invite(void *arg, struct sipx_leg *leg, const struct sipx_invite *inv)
{
	struct telephony *t = arg;
	if (tel_xfer_invite(t, leg, inv))
		return; /* a consultation from the phone, or a monitoring code (tel_xfer.c) */
	struct tcall *tc = sb_zalloc(sizeof(*tc));
	if (!tc) {
		sipx_leg_reject(leg, 500, "Out of memory");
		sipx_leg_release(leg);
		return;
	}
	tc->t = t;
	tc->caller.call = tc;
	tc->caller.sip = leg;
	sipx_leg_set_arg(leg, &tc->caller);

	/* an agent's feature code: only from their own, authenticated extension */
	if (inv->ruri_user[0] == '*') {
		const struct center_agent *a =
		    inv->authenticated ? center_agent_by_extension(t->c, inv->from_user) : NULL;
		int err = a ? feature_code(t, a, inv->ruri_user) : EPERM;
		if (err) {
			sipx_leg_reject(leg,
					err == ENOENT  ? 404
					: err == EPERM ? 403
						       : 409,
					err == ENOENT ? "No such feature code"
						      : "Not possible now");
			tel_leg_clear(&tc->caller);
			sb_free(tc);
			return;
		}
		tc->feature = true;
		tc->fid = ++t->next_fid;
		if (idmap_put(&t->features, tc->fid, tc) != 0) {
			sipx_leg_reject(leg, 500, "Out of memory");
			tel_leg_clear(&tc->caller);
			sb_free(tc);
			return;
		}
		/* answered with a beep, then hung up */
		char beep[300];
		snprintf(beep, sizeof(beep), "%s/beep.wav", t->sounds);
		if (tel_answer_caller(t, tc, inv) != 0 ||
		    media_play_once(tc->caller.media, beep, on_prompt_done, tc) != 0) {
			sipx_leg_hangup(leg);
			tel_leg_clear(&tc->caller);
			tel_call_maybe_free(tc);
		}
		return;
	}

	const struct center_number *num = center_number(t->c, inv->ruri_user);
	const struct center_queue *q =
	    num && num->active ? center_queue(t->c, num->queue_id) : NULL;
	if (num && num->active && tel_ivr_invite(t, tc, inv, num))
		return; /* a menu, or the queue is closed (tel_ivr.c) */
	if (!q) {
		sipx_leg_reject(leg, 404, "No such number");
		tel_leg_clear(&tc->caller);
		sb_free(tc);
		return;
	}
	/* the caller's number in E.164 on the queue's site plan, when it is one */
	char e164[PHONE_E164_MAX];
	const char *customer = inv->from_user[0] ? inv->from_user : NULL;
	const struct center_site *site = center_site(t->c, q->site_id);
	if (customer && site) {
		struct phone_plan plan = {site->country_code, site->trunk_prefix,
					  site->intl_prefix};
		if (phone_normalize(customer, &plan, e164, sizeof(e164)) == 0)
			customer = e164;
	}
	snprintf(tc->number, sizeof(tc->number), "%s", customer ? customer : "");
	struct center_call_info info = {
	    .queue_id = q->id,
	    .customer_number = customer,
	    .system_number = inv->ruri_user,
	};
	uint64_t call_id = 0;
	enum acd_refusal refused = ACD_REFUSED_NONE;
	/* the center's events about the call start during the enter: on_center_event adopts it */
	t->entering = tc;
	int err = center_call_enter(t->c, &info, &call_id, &refused);
	t->entering = NULL;
	if (err || refused != ACD_REFUSED_NONE) {
		if (tc->id)
			idmap_del(&t->calls, tc->id);
		uint16_t code = refused == ACD_REFUSED_FULL	? 486
				: refused == ACD_REFUSED_CLOSED ? 480
								: 480;
		sipx_leg_reject(leg, err ? 500 : code,
				refused == ACD_REFUSED_FULL ? "Queue full" : "No agents");
		tel_leg_clear(&tc->caller);
		sb_free(tc);
		return;
	}
	if (tc->id != call_id) { /* cannot happen: the ENTER event carried this id */
		idmap_del(&t->calls, tc->id);
		tc->id = call_id;
		idmap_put(&t->calls, call_id, tc);
	}
	if (tel_answer_caller(t, tc, inv) != 0) {
		sipx_leg_reject(leg, 488, "Not acceptable here");
		tel_leg_clear(&tc->caller);
		tc->caller_gone = true;
		center_call_hangup(t->c, call_id, ACD_SIDE_CALLER);
		tel_call_maybe_free(tc);
		return;
	}
	/* music until an agent answers (the bridge replaces it); a consent prompt first (tel_rec.c)
	 */
	if (!tel_rec_consent(t, tc) && t->moh)
		media_play(tc->caller.media, t->moh);
	tel_ivr_queued(t, tc); /* announcements (tel_ivr.c) */
}

/* ---------- SIP: leg events ---------- */

static void caller_event(struct telephony *t, struct tcall *tc, const struct sipx_event_info *info)
{
	if (tel_ivr_caller_event(t, tc, info))
		return; /* DTMF by INFO, a callback's customer leg (tel_ivr.c) */
	switch (info->ev) {
	case SIPX_EV_CONFIRMED:
		/* a late offer: the caller's answer to ours came with the ACK */
		if (info->sdp && tc->caller.media &&
		    media_leg_sdp_answer_in(tc->caller.media, info->sdp, info->sdp_len) != 0) {
			sipx_leg_hangup(tc->caller.sip);
			tel_leg_clear(&tc->caller);
			if (tc->id && !tc->caller_gone && !tc->feature) {
				tc->caller_gone = true;
				center_call_hangup(t->c, tc->id, ACD_SIDE_CALLER);
			}
			tel_call_maybe_free(tc);
		}
		break;
	case SIPX_EV_CANCELLED:
	case SIPX_EV_BYE:
	case SIPX_EV_ENDED:
		tel_leg_clear(&tc->caller);
		if (tc->id && !tc->caller_gone && !tc->feature) {
			tc->caller_gone = true;
			center_call_hangup(t->c, tc->id, ACD_SIDE_CALLER);
		}
		tel_call_maybe_free(tc);
		break;
	case SIPX_EV_REINVITE: {
		char sdp[1024];
		size_t len = 0;
		bool hold = false;
		if (tc->caller.media &&
		    media_leg_sdp_reoffer(tc->caller.media, info->sdp, info->sdp_len, sdp,
					  sizeof(sdp), &len, &hold) == 0)
			sipx_leg_reinvite_answer(tc->caller.sip, 200, sdp, len);
		else
			sipx_leg_reinvite_answer(tc->caller.sip, 488, NULL, 0);
		break;
	}
	default:
		break;
	}
}

static void agent_event(struct telephony *t, struct tleg *l, const struct sipx_event_info *info)
{
	struct tcall *tc = l->call;
	switch (info->ev) {
	case SIPX_EV_ANSWERED: {
		l->answered = true;
		if (media_leg_sdp_answer_in(l->media, info->sdp, info->sdp_len) != 0) {
			sipx_leg_hangup(l->sip);
			center_call_reject(t->c, tc->id, l->agent, ACD_CAUSE_UNREACHABLE);
			tel_drop_agent_leg(tc, l);
			break;
		}
		int err = center_call_answer(t->c, tc->id, l->agent);
		if (!err)
			l->connected =
			    true; /* the center's call is now talking (the bridge follows) */
		if (err) {
			/* the offer is gone: another phone won a ring-all race, or the caller left
			 */
			sipx_leg_hangup(l->sip);
			tel_drop_agent_leg(tc, l);
		}
		break;
	}
	case SIPX_EV_FAILED: {
		enum acd_cause cause = info->code == 486 || info->code == 600 ? ACD_CAUSE_BUSY
				       : info->code == 603		      ? ACD_CAUSE_DECLINED
							   : ACD_CAUSE_UNREACHABLE;
		int64_t agent = l->agent;
		tel_drop_agent_leg(tc, l);
		center_call_reject(t->c, tc->id, agent, cause);
		break;
	}
	case SIPX_EV_BYE:
	case SIPX_EV_ENDED: {
		if (tel_xfer_agent_left(t, l))
			break; /* the caller stays with the conference's other party (tel_xfer.c) */
		bool connected = l->connected;
		int64_t agent = l->agent;
		tel_drop_agent_leg(tc, l);
		if (connected)
			center_call_hangup(t->c, tc->id, ACD_SIDE_AGENT);
		else
			center_call_reject(t->c, tc->id, agent, ACD_CAUSE_UNREACHABLE);
		break;
	}
	case SIPX_EV_REINVITE: {
		char sdp[1024];
		size_t len = 0;
		bool hold = false;
		if (media_leg_sdp_reoffer(l->media, info->sdp, info->sdp_len, sdp, sizeof(sdp),
					  &len, &hold) == 0) {
			sipx_leg_reinvite_answer(l->sip, 200, sdp, len);
			tel_xfer_phone_hold(t, l, hold); /* the phone's hold key (tel_xfer.c) */
		} else {
			sipx_leg_reinvite_answer(l->sip, 488, NULL, 0);
		}
		break;
	}
	case SIPX_EV_INFO: /* a key from the agent's phone: the recording code (tel_rec.c) */
		tel_rec_agent_digit(t, l, info->digit);
		break;
	default:
		break;
	}
	tel_call_maybe_free(tc);
}

static void on_leg_event(void *arg, struct sipx_leg *leg, const struct sipx_event_info *info)
{
	struct telephony *t = arg;
	struct tleg *l = sipx_leg_arg(leg);
	if (!l)
		return;
	if (l->xfer) { /* consult, monitor, transferred out (tel_xfer.c) */
		tel_xfer_leg_event(t, l, info);
		return;
	}
	if (l->call->dial && tel_dial_leg_event(t, l, info))
		return; /* a dialled customer not yet handed to the center (tel_dial.c) */
	if (info->ev == SIPX_EV_REFER) { /* a transfer from the phone (tel_xfer.c) */
		tel_xfer_refer(t, l, info->target);
		return;
	}
	if (l == &l->call->caller)
		caller_event(t, l->call, info);
	else
		agent_event(t, l, info);
}

/* ---------- registrar hooks ---------- */

static int on_credentials(void *arg, const char *user, char realm[64], char ha1[33])
{
	struct telephony *t = arg;
	const struct center_agent *a = center_agent_by_extension(t->c, user);
	if (!a || !a->active || !a->sip_ha1[0])
		return ENOENT;
	snprintf(realm, 64, "%s", a->sip_realm[0] ? a->sip_realm : t->cfg.realm);
	snprintf(ha1, 33, "%s", a->sip_ha1);
	return 0;
}

/* An agent whose phone can no longer be reached is not routed to: they are made not ready. */
static void on_binding(void *arg, const char *user, unsigned contacts)
{
	struct telephony *t = arg;
	const struct center_agent *a = center_agent_by_extension(t->c, user);
	if (!a || contacts > 0 || a->static_contact[0])
		return;
	struct acd_agent_info ai;
	if (acd_agent_info(center_acd(t->c), (uint32_t)a->id, &ai) == 0 &&
	    ai.state == ACD_AGENT_READY)
		center_agent_set_state(t->c, a->id, ACD_AGENT_NOT_READY, ACD_REASON_UNREACHABLE,
				       NULL, NULL);
}

/* ---------- lifecycle ---------- */

void telephony_config_default(struct telephony_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sip_addr = "127.0.0.1:5060";
	cfg->rtp_min = 20000;
	cfg->rtp_max = 30000;
	cfg->moh_dir = "/usr/share/asterisk/moh";
	cfg->sounds_dir = "/usr/share/asterisk/sounds/en";
	cfg->realm = "switchboard";
	cfg->sip_overload_wait_ms = 1000;
}

/* The music: every 8 kHz WAV in the directory, in name order. */
static int open_moh(struct telephony *t)
{
	DIR *d = opendir(t->cfg.moh_dir);
	if (!d)
		return ENOENT;
	char *files[64];
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".wav") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", t->cfg.moh_dir, e->d_name);
		files[n] = sb_strdup(path);
		if (files[n])
			n++;
	}
	closedir(d);
	/* name order, so every run plays the same music */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && strcmp(files[j - 1], files[j]) > 0; j--) {
			char *x = files[j];
			files[j] = files[j - 1];
			files[j - 1] = x;
		}
	int err =
	    n ? media_source_open(&t->moh, t->media, (const char *const *)files, n, true) : ENOENT;
	for (unsigned i = 0; i < n; i++)
		sb_free(files[i]);
	return err;
}

int telephony_start(struct telephony **tp, struct center *c, const struct telephony_config *cfg)
{
	struct telephony *t = sb_zalloc(sizeof(*t));
	if (!t)
		return ENOMEM;
	t->c = c;
	t->cfg = *cfg;
	if (cfg->trunk_addr) {
		snprintf(t->trunk, sizeof(t->trunk), "%s", cfg->trunk_addr);
		t->cfg.trunk_addr = t->trunk;
	}
	t->cfg.sip_addr = NULL; /* the caller's buffer: only used here, at start */
	idmap_init(&t->calls);
	idmap_init(&t->features);
	snprintf(t->sounds, sizeof(t->sounds), "%s", cfg->sounds_dir);
	int err = evl_timer_alloc(&t->defer);
	struct media_config mc;
	media_config_default(&mc);
	char host[64];
	snprintf(host, sizeof(host), "%s", cfg->sip_addr);
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = '\0';
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		char *br = strchr(host, ']');
		if (br)
			*br = '\0';
	}
	mc.addr = cfg->media_addr ? cfg->media_addr : host;
	mc.port_min = cfg->rtp_min;
	mc.port_max = cfg->rtp_max;
	if (!err)
		err = media_alloc(&t->media, &mc);
	if (!err && open_moh(t) != 0)
		fprintf(stderr,
			"switchboard: no music on hold in %s (install asterisk-moh-opsound-wav)\n",
			cfg->moh_dir);
	struct sipx_config sc;
	sipx_config_default(&sc);
	sc.udp_addr = cfg->sip_addr;
	sc.tcp_addr = cfg->sip_addr;
	sc.realm = cfg->realm;
	if (cfg->reg_min_expires)
		sc.reg_min_expires = cfg->reg_min_expires;
	sc.user_agent = "switchboard";
	sc.invite = on_invite;
	sc.event = on_leg_event;
	sc.credentials = on_credentials;
	sc.binding = on_binding;
	sc.refer_progress = true; /* tel_xfer.c reports each REFER's outcome (RFC 3515) */
	sc.overload_wait_ms = cfg->sip_overload_wait_ms; /* shed late new INVITEs (503) */
	sc.arg = t;
	if (!err)
		err = sipx_alloc(&t->sip, &sc);
	if (!err)
		err = tel_rec_init(t); /* call recording (tel_rec.c) */
	if (!err)
		err = tel_ivr_start(t); /* menus, hours, announcements, callbacks (tel_ivr.c) */
	if (err) {
		telephony_stop(t);
		return err;
	}
	center_add_call_sink(c, on_center_event, t);
	*tp = t;
	return 0;
}

void telephony_sip_load(const struct telephony *t, uint64_t *shed, uint64_t *max_wait_us)
{
	struct sipx_stats st;
	sipx_stats(t->sip, &st);
	*shed = st.shed;
	*max_wait_us = st.max_wait_us;
}

uint16_t telephony_sip_port(const struct telephony *t)
{
	return sipx_port(t->sip, SIPX_UDP);
}

void telephony_stop(struct telephony *t)
{
	if (!t)
		return;
	tel_rec_stop_all(t); /* first: files completed; the center is closed already */
	tel_xfer_stop(t);
	tel_dial_free(t);
	struct tcall *tc;
	for (uint32_t it = 0; idmap_next(&t->calls, &it, NULL, (void **)&tc);) {
		tel_ivr_call_free(tc);
		for (unsigned i = 0; i < tc->n_agents; i++)
			tel_agent_leg_free(tc->agents[i]);
		tel_leg_clear(&tc->caller);
		sb_free(tc);
	}
	idmap_release(&t->calls);
	for (uint32_t it = 0; idmap_next(&t->features, &it, NULL, (void **)&tc);) {
		tel_leg_clear(&tc->caller);
		sb_free(tc);
	}
	idmap_release(&t->features);
	tel_ivr_stop(t);
	sipx_free(t->sip);
	tel_rec_fini(t);
	media_source_close(t->moh);
	media_free(t->media);
	evl_timer_free(t->defer);
	sb_free(t->acts);
	sb_free(t);
}
