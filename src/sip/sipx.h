/* sipx: switchboard's SIP stack: transport, transactions, dialogs, registrar, call legs (over
 * libre's parser and sockets). */
#ifndef SB_SIP_SIPX_H
#define SB_SIP_SIPX_H

/*
 * Design: docs/internals/sip.md. Everything runs on the loop thread. The
 * prefix is sipx_ because libre owns sip_.
 *
 * The stack answers what is SIP's own business by itself: retransmissions,
 * OPTIONS (200), unknown methods (501), known but unsupported ones (405),
 * malformed messages (400 or dropped), size and header-count limits, CANCEL
 * matching, ACK absorption, session-timer refreshes from the far end
 * (re-INVITE / UPDATE without a media change are answered 200 with the same
 * SDP), REGISTER (digest authentication against the credentials hook,
 * several contacts per user, expiry, slowing down repeated failures from
 * one source). What concerns a call goes to the controller through the
 * hooks below, one event per thing that happened to a leg.
 *
 * A leg is one dialog of a call (the caller's inbound INVITE, or an INVITE
 * we send to an agent's phone). The stack owns legs; the controller attaches
 * its own pointer (sipx_leg_set_arg) and lets go with sipx_leg_release()
 * once it no longer needs the leg (after it ended, or to end and forget it).
 * Events never arrive for a released leg.
 *
 * Every leg gets at most one terminal event: FAILED, CANCELLED, BYE or
 * ENDED; nothing follows it. A leg the controller ends (reject, hangup,
 * cancel) gets ENDED once SIP is done with it (the ACK of our final
 * answer, the answer to our BYE or CANCEL, or a timeout). Hooks are never
 * called from inside a sipx_* call, only from the loop (a message or a
 * timer); inside a hook the controller may call any sipx_* function,
 * including sipx_leg_release() of the leg being reported.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sipx;
struct sipx_leg;

/* An address as text ("127.0.0.1:5060", "[::1]:5070"): what the controller sees of the network. */
#define SIPX_ADDR_MAX 64
#define SIPX_USER_MAX 64
#define SIPX_NAME_MAX 128
#define SIPX_URI_MAX  256

enum sipx_transport {
	SIPX_UDP = 0,
	SIPX_TCP,
};

/* What a new inbound INVITE carries, as the controller needs it. Strings are NUL-terminated. */
struct sipx_invite {
	char ruri_user[SIPX_USER_MAX]; /* dialled: "100", "+49301234", "*41" */
	char from_user[SIPX_USER_MAX]; /* caller's user part: a number or an extension */
	char from_name[SIPX_NAME_MAX]; /* display name ("" when none) */
	char source[SIPX_ADDR_MAX];    /* where the INVITE came from */
	enum sipx_transport transport;
	bool authenticated; /* digest-checked against the credentials hook: from_user is its user */
	const char *sdp;    /* the offer (NULL: none, the offer comes in our answer's ACK) */
	size_t sdp_len;
};

enum sipx_event {
	SIPX_EV_RINGING = 1, /* outbound leg: 180 (sdp when it came with one: 183 early media) */
	SIPX_EV_ANSWERED,    /* outbound leg: 2xx (sdp: the answer); the stack has sent the ACK.
			      * Either leg, after sipx_leg_reinvite: code 2xx with the answer,
			      * or the rejection's code (sdp NULL; the dialog stays up) */
	SIPX_EV_FAILED,	   /* outbound leg: final non-2xx, timeout or unreachable (code, reason) */
	SIPX_EV_CONFIRMED, /* inbound leg: the ACK of our 2xx arrived (sdp when the offer came late)
			    */
	SIPX_EV_CANCELLED, /* inbound leg: the caller cancelled before our final answer (487 sent)
			    */
	SIPX_EV_BYE,	   /* either leg: the far end hung up (we answered 200) */
	SIPX_EV_ENDED,	   /* either leg: our BYE/CANCEL/reject completed, or the dialog died
			    * (no ACK: 408; session timer expired: 408; far end gone: 481) */
	SIPX_EV_REINVITE,  /* either leg: the far end sent a new offer that changes media (hold, new
			      address) */
	SIPX_EV_INFO,	   /* either leg: SIP INFO with a DTMF digit (digit) */
	SIPX_EV_REFER,	   /* either leg: REFER (target); the stack answered 202 */
};

struct sipx_event_info {
	enum sipx_event ev;
	uint16_t
	    code; /* FAILED/ENDED/ANSWERED: the SIP status (408 timeout, 503 unreachable ...) */
	char reason[64];
	const char
	    *sdp; /* RINGING / ANSWERED / CONFIRMED / REINVITE: the body (valid during the hook) */
	size_t sdp_len;
	char digit;		   /* INFO */
	char target[SIPX_URI_MAX]; /* REFER */
};

/* A new inbound INVITE: the controller answers it with sipx_leg_* now or later. */
typedef void(sipx_invite_h)(void *arg, struct sipx_leg *leg, const struct sipx_invite *inv);
/* Something happened to a leg. */
typedef void(sipx_event_h)(void *arg, struct sipx_leg *leg, const struct sipx_event_info *info);
/*
 * Credentials of a user who may register or call as an extension: the realm
 * and HA1 = hex MD5(user:realm:password). Returns 0, or ENOENT when there is
 * no such user.
 */
typedef int(sipx_credentials_h)(void *arg, const char *user, char realm[64], char ha1[33]);
/*
 * A user's set of registered contacts changed (added, removed, expired; not
 * on plain refreshes): now has `contacts` live contacts (0: unreachable by
 * registration).
 */
typedef void(sipx_binding_h)(void *arg, const char *user, unsigned contacts);

struct sipx_config {
	const char *udp_addr; /* "127.0.0.1:5060"; NULL: no UDP */
	const char *tcp_addr; /* NULL: no TCP */
	const char *realm;    /* digest realm, e.g. "switchboard" */
	const char *user_agent;
	size_t max_message;   /* bytes; larger messages: 513 (UDP: dropped) */
	unsigned max_headers; /* more: 400 */
	unsigned reg_min_expires, reg_max_expires, reg_default_expires; /* seconds */
	unsigned max_contacts;	  /* per user; a new one beyond replaces the least recent */
	unsigned session_expires; /* s; the Session-Expires we ask for (RFC 4028); 0: none */
	unsigned min_se;	  /* s; smaller Session-Expires get 422 (RFC 4028 says >= 90) */
	unsigned nonce_ttl;	  /* s; digest nonces are stale after this */
	/* Digest failures from one address: free ones, then answers delayed by
	 * backoff_ms doubling up to backoff_cap_ms; forgotten after forget_s. */
	unsigned auth_free_failures, auth_backoff_ms, auth_backoff_cap_ms, auth_forget_s;
	int udp_sockbuf; /* receive/send buffer of the UDP socket, bytes */
	/* Overload: a new INVITE (no To tag) that waited longer than overload_wait_ms in the
	 * UDP socket's receive buffer (the kernel's receive timestamp) is answered 503 with
	 * Retry-After: overload_retry_after (s) instead of starting a call. Requests in
	 * dialogs and responses are always processed. 0: never shed. */
	unsigned overload_wait_ms, overload_retry_after;
	bool refer_progress; /* REFER: the first NOTIFY (100 Trying) keeps the subscription active;
			      * the controller ends it with sipx_leg_refer_notify (RFC 3515) */
	sipx_invite_h *invite;
	sipx_event_h *event;
	sipx_credentials_h *credentials;
	sipx_binding_h *binding;
	void *arg;
};

void sipx_config_default(struct sipx_config *cfg);

/* Binds and starts serving on the loop. Returns 0 or an errno (EADDRINUSE ...). */
int sipx_alloc(struct sipx **sp, const struct sipx_config *cfg);
/* Ends every leg (BYE/CANCEL sent, best effort), closes the sockets, frees everything. */
void sipx_free(struct sipx *s);
/* The bound port of a transport (useful with port 0); 0 when not listening. */
uint16_t sipx_port(const struct sipx *s, enum sipx_transport tp);

/* --- inbound legs --- */

/* 180 Ringing (sdp non-NULL: 183 Session Progress with early media). */
int sipx_leg_ringing(struct sipx_leg *leg, const char *sdp, size_t sdp_len);
/* 200 OK with our SDP; retransmitted until the ACK (SIPX_EV_CONFIRMED) or the dialog dies. */
int sipx_leg_answer(struct sipx_leg *leg, const char *sdp, size_t sdp_len);
/* A final failure (486, 480, 603, 404 ...) with an optional reason phrase. */
int sipx_leg_reject(struct sipx_leg *leg, uint16_t code, const char *reason);

/* --- outbound legs --- */

struct sipx_call_params {
	const char *target;    /* where to send: "sip:1001@127.0.0.1:5080" (a registered contact) */
	const char *to_user;   /* To: user (the extension) */
	const char *from_user; /* From: user (the caller's number) */
	const char *from_name; /* From: display name ("Caller +4930... - billing") */
	const char *sdp;       /* our offer */
	size_t sdp_len;
	unsigned
	    timeout_s; /* give up (FAILED 408) after this long without a final answer; 0: 180 */
};
/*
 * Places an outbound call. The target's host must be a numeric address
 * (";transport=tcp" selects TCP). When the target is a registered contact,
 * the request goes to where that contact registered from (NAT, TCP
 * connection). Returns 0, EINVAL (bad target or a string with control
 * characters), ENOMEM, or a transport error.
 */
int sipx_call(struct sipx_leg **legp, struct sipx *s, const struct sipx_call_params *p);
/* CANCEL an outbound INVITE that has no final answer yet (ENDED follows). */
int sipx_leg_cancel(struct sipx_leg *leg);

/* --- either --- */

/* BYE an established leg (ENDED follows); on an unanswered inbound leg: 487; outbound: CANCEL. */
int sipx_leg_hangup(struct sipx_leg *leg);
/* Answer a SIPX_EV_REINVITE with our SDP (or reject it with a code). */
int sipx_leg_reinvite_answer(struct sipx_leg *leg, uint16_t code, const char *sdp, size_t sdp_len);
/* Send a re-INVITE with a new offer (hold / resume); the answer comes as SIPX_EV_ANSWERED. */
int sipx_leg_reinvite(struct sipx_leg *leg, const char *sdp, size_t sdp_len);
/* The outcome of the leg's last REFER (with refer_progress): a final NOTIFY whose message/sipfrag
 * is "SIP/2.0 <code> <reason>" (reason NULL: the usual phrase for code), ending the subscription.
 * ENOENT when none is open. */
int sipx_leg_refer_notify(struct sipx_leg *leg, uint16_t code, const char *reason);

void sipx_leg_set_arg(struct sipx_leg *leg, void *arg);
void *sipx_leg_arg(const struct sipx_leg *leg);
/* The leg's Call-ID, for logs. */
const char *sipx_leg_callid(const struct sipx_leg *leg);
bool sipx_leg_inbound(const struct sipx_leg *leg);
/* The controller is done with the leg: no more events; the stack ends it if it is still up. */
void sipx_leg_release(struct sipx_leg *leg);

/* --- registrar --- */

/*
 * Live contacts of a user, best first (most recent registration): URIs as
 * registered ("sip:1001@127.0.0.1:5080;transport=udp"). Returns how many (<= max).
 */
unsigned sipx_contacts(const struct sipx *s, const char *user, char uris[][SIPX_URI_MAX],
		       unsigned max);

struct sipx_stats {
	uint64_t rx, tx;	  /* messages */
	uint64_t malformed;	  /* dropped or answered 400/513 */
	uint64_t retransmissions; /* retransmitted requests and responses absorbed */
	uint64_t transactions;	  /* live server + client transactions */
	uint64_t legs;		  /* live legs */
	uint64_t registrations;	  /* live registered contacts */
	uint64_t auth_failures;	  /* wrong credentials, since start */
	uint64_t shed;		  /* new INVITEs answered 503: they waited too long (overload) */
	uint64_t max_wait_us;	  /* longest wait of a UDP datagram in the socket buffer */
};
void sipx_stats(const struct sipx *s, struct sipx_stats *out);

#endif
