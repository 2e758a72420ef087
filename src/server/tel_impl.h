/* tel_impl: the call controller's shared internals (telephony.c and the feature files beside it).
 */
#ifndef SB_SERVER_TEL_IMPL_H
#define SB_SERVER_TEL_IMPL_H

/*
 * Only src/server/telephony*.c and tel_*.c include this. Everything here
 * runs on the loop thread and belongs to one struct telephony.
 */

#include "base/idmap.h"
#include "server/telephony.h"
#include "sip/sipx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct center;
struct center_agent;
struct media;
struct media_leg;
struct media_source;
struct evl_timer;

#define MAX_OFFERS 64 /* ring-all group bound (ACD_MAX_RING_ALL) */

/* Feature codes an agent dials from their extension. */
#define FC_LOGIN     "*41"
#define FC_LOGOUT    "*42"
#define FC_READY     "*43"
#define FC_NOT_READY "*44" /* followed by a reason digit 1-9: 100 + digit */
#define FC_WRAPUP    "*45"
#define FC_LISTEN    "*46" /* followed by an agent's extension: monitoring (tel_xfer.c) */
#define FC_WHISPER   "*47"
#define FC_BARGE     "*48"

struct tcall;

/* One leg of a call: a SIP dialog and its RTP endpoint. */
struct tleg {
	struct tcall *call;
	struct sipx_leg *sip;
	struct media_leg *media;
	int64_t agent; /* agent legs: whose phone */
	bool answered;
	bool connected; /* the center connected this agent */
	void *xfer; /* a leg of tel_xfer.c's (consult, monitor, transferred): its events go there */
};

struct tcall {
	uint64_t id;  /* the center's call id (0 before it entered) */
	uint64_t fid; /* feature-code calls: their key in telephony.features */
	struct telephony *t;
	struct tleg caller;
	struct tleg *agents[MAX_OFFERS]; /* legs ringing or talking to agents */
	unsigned n_agents;
	bool feature; /* a feature-code call, not a queue call */
	bool caller_gone;
	char number[SIPX_USER_MAX]; /* the caller's number as the agent's phone shows it */
	struct tel_rec *rec; /* call recording (tel_rec.c); NULL: the queue does not record */
	struct xcall *x;     /* consultation, conference, monitors (tel_xfer.c); NULL: none */
	void *dial;	     /* a dialled customer (tel_dial.c): its attempt */
	struct tivr *ivr;    /* menu, announcements, survey, callback leg (tel_ivr.c); NULL: none */
};

enum act_kind {
	ACT_OFFER = 1,	 /* ring the agent */
	ACT_STOP,	 /* stop ringing the agent (cancel, ring-no-answer, lost ring-all) */
	ACT_CONNECT,	 /* bridge caller and agent */
	ACT_CALLER_OUT,	 /* the ACD let the caller go (timeout, callback): hang up the caller */
	ACT_AGENT_OUT,	 /* the caller hung up a connected call: hang up the agent */
	ACT_CALLER_BYE,	 /* the agent hung up: hang up the caller */
	ACT_REJECT,	 /* tell the center an offer cannot be delivered */
	ACT_TRANSFERRED, /* the call went to another queue: hang up its agent, music again */
	ACT_ABANDONED,	 /* the caller left before an answer: hang up any agent leg left */
	ACT_HOLD,	 /* the caller hears music while the agent holds */
	ACT_UNHOLD,	 /* caller and agent hear each other again */
};

struct act {
	enum act_kind kind;
	uint64_t call;
	int64_t agent;
};

struct telephony {
	struct center *c;
	struct telephony_config cfg;
	struct sipx *sip;
	struct media *media;
	struct media_source *moh;
	struct idmap calls;    /* center call id -> struct tcall */
	struct idmap features; /* feature-code calls (never entered): fid -> struct tcall */
	uint64_t next_fid;
	struct act *acts;
	unsigned n_acts, cap_acts;
	struct evl_timer *defer;
	char sounds[256];
	char trunk[80];		  /* cfg.trunk_addr points here */
	struct tcall *entering;	  /* the call being entered: its ENTER event names its id */
	struct tel_recs *recs;	  /* call recording (tel_rec.c): paths, retention sweep */
	struct xbridge *xbridges; /* calls transferred out to a number (tel_xfer.c) */
	struct tel_dial *dial;	  /* outbound campaigns (tel_dial.c); NULL until one starts */
	struct tel_ivr *ivr;	  /* menus, hours, announcements, callbacks, survey (tel_ivr.c) */
};

/* Releases a leg's SIP dialog (no more events) and frees its media. */
void tel_leg_clear(struct tleg *l);
void tel_agent_leg_free(struct tleg *l);
struct tleg *tel_find_agent_leg(struct tcall *tc, int64_t agent);
/* Removes an agent leg from its call and frees it. */
void tel_drop_agent_leg(struct tcall *tc, struct tleg *l);
/* Frees a call once nothing refers to it any more. */
void tel_call_maybe_free(struct tcall *tc);
/* Queues an act for the next loop turn (after the center call that caused it returned). */
void tel_defer(struct telephony *t, enum act_kind kind, uint64_t call, int64_t agent);
/* Where an agent's phone is: its newest registration, or its static contact. */
bool tel_agent_target(struct telephony *t, const struct center_agent *a, char *uri, size_t n);
/* Rings an agent's phone for the call (the center is told when it cannot be reached). */
void tel_ring_agent(struct telephony *t, struct tcall *tc, int64_t agent_id);
/* The SIP URI that calls an outside number (E.164 or as dialled) through the trunk: ENOENT when
 * no trunk is set, EINVAL when the number holds anything but digits and a leading '+'. */
int tel_number_target(struct telephony *t, const char *number, char *uri, size_t n);
/* tel_xfer.c: transfers, consultation, conference, monitoring. Hooks of the controller: */
void tel_xfer_leg_event(struct telephony *t, struct tleg *l, const struct sipx_event_info *info);
void tel_xfer_refer(struct telephony *t, struct tleg *l, const char *target);
/* A caller with no agent leg (a menu's transfer) leaves for an outside number through the trunk. */
int tel_xfer_out(struct telephony *t, struct tcall *tc, const char *number);
/* The same to an agent's phone (a menu's "agent" choice): the agent must be ready; they are "other"
 * for the ACD until either side hangs up. ENOENT, EBUSY (not ready), EHOSTUNREACH (no phone).
 * Writes a contact record (client_id, dialled); no answer / busy: fallback_queue (0: hang up).
 * ring_ms: how long the phone rings before that counts as no answer (0: 20 s). */
int tel_xfer_agent_out(struct telephony *t, struct tcall *tc, const char *extension,
		       uint32_t fallback_queue, const char *dialled, int64_t client_id,
		       int64_t ring_ms);
/* An INVITE from an agent's phone while its call is up: their consultation (true: taken). */
bool tel_xfer_invite(struct telephony *t, struct sipx_leg *leg, const struct sipx_invite *inv);
/* An offer to an agent the call's consultation already talks to: adopted (true), not rung. */
bool tel_xfer_adopt(struct telephony *t, struct tcall *tc, int64_t agent);
/* The agent's phone hung up in a conference with a consulted agent: the caller stays with them
 * (true: done, the leg is freed). */
bool tel_xfer_agent_left(struct telephony *t, struct tleg *l);
/* The agent's phone put its call on hold (re-INVITE sendonly / inactive) or resumed it. */
void tel_xfer_phone_hold(struct telephony *t, struct tleg *l, bool hold);
/* ACT_UNHOLD of a call in a mix: the caller rejoins it (true) instead of a bridge. */
bool tel_xfer_unhold(struct telephony *t, struct tcall *tc);
/* After each act on a call with tc->x: the call ended or moved: its extra legs go. */
void tel_xfer_after_act(struct telephony *t, struct tcall *tc, enum act_kind kind);
/* telephony_stop: frees every leg and mix of tel_xfer.c. */
void tel_xfer_stop(struct telephony *t);

/* Answers the caller's leg with our SDP. */
int tel_answer_caller(struct telephony *t, struct tcall *tc, const struct sipx_invite *inv);

#endif
