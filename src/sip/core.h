/* core: the SIP stack's internal types and functions shared by its files (includes libre). */
#ifndef SB_SIP_CORE_H
#define SB_SIP_CORE_H

/*
 * Only the .c files of src/sip include this header (and with it libre's). Everything
 * runs on the loop thread. Ownership: the stack owns transactions, legs and
 * connections; the controller holds leg pointers until sipx_leg_release().
 * Objects that the controller released or that SIP no longer needs are freed
 * at the end of the current top-level entry (a datagram, a TCP read, a clock
 * tick), never inside a call that might still hold them.
 */

#include "sip/sipx.h"
#include "sip/htab.h"
#include "sip/limit.h"
#include "sip/reg.h"
#include "sip/digest.h"
#include "base/dlist.h"
#include "base/wheel.h"

#include <re.h>

enum {
	T1 = 500,
	T2 = 4000,
	T4 = 5000,
	TLINGER = 64 * T1,
	TICK_MS = 10,
	WHEEL_SLOTS = 8192,
	STRANS_BITS = 18, /* ~200k live transactions at 3,000 calls/s */
	CTRANS_BITS = 18,
	LEGS_BITS = 17,
	CONNS_BITS = 10,
	MAX_TRANSACTIONS = 600000, /* beyond: new requests get 503 (stateless) */
	MAX_CONNS = 4096,
	MAX_REG_CONTACTS = 16, /* Contact values in one REGISTER */
	MAX_ID = 256,	       /* Call-ID, tags and branches longer than this: 400 */
	TAG_LEN = 16,
};

enum sipx_method {
	M_OTHER = 0,
	M_INVITE,
	M_ACK,
	M_BYE,
	M_CANCEL,
	M_OPTIONS,
	M_REGISTER,
	M_UPDATE,
	M_INFO,
	M_REFER,
	M_PRACK,
	M_SUBSCRIBE,
	M_NOTIFY,
	M_PUBLISH,
	M_MESSAGE,
};

#define SIPX_ALLOW     "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, UPDATE, INFO, REFER"
#define SIPX_SUPPORTED "timer"

/* Where a message goes: a transport and an address (TCP: the peer of a connection). */
struct dest {
	enum sipx_transport tp;
	struct sa addr;
	uint16_t alt_port; /* TCP responses: Via port to connect to when the connection is gone */
};

struct conn;

/* A received message that passed our checks. */
struct rx {
	const struct sip_msg *msg;
	enum sipx_method met; /* the request's method, or the CSeq method of a response */
	enum sipx_transport tp;
	struct sa src;
	struct conn *conn; /* TCP: the connection it came on */
	const char *body;
	size_t blen;
	int64_t waited_us; /* UDP: time spent in the socket's receive buffer (-1: unknown) */
};

/* The part of a response copied from its request: Vias, From, To | Call-ID, CSeq. */
struct rhead {
	const char *p;
	size_t len;
	size_t to_end; /* offset just past the To value (where a tag goes) */
	bool to_tag;   /* the request's To already had a tag */
};

enum st_state {
	ST_PROCEEDING = 0, /* no final response yet (a provisional may have gone) */
	ST_DELAYED,	   /* a final response waits for its back-off delay */
	ST_COMPLETED,	   /* final non-2xx sent (INVITE: waiting for the ACK) */
	ST_CONFIRMED,	   /* INVITE: ACK received (Timer I) */
	ST_ACCEPTED,	   /* INVITE: 2xx sent (RFC 6026 Timer L) */
};

struct strans {
	struct hnode hn;
	struct sipx *s;
	struct sipx_leg *leg; /* the leg waiting on this transaction, if any */
	struct wheel_timer t;
	struct dest dst;
	enum sipx_method met;
	uint8_t state;
	uint16_t code; /* last response sent (0: none) */
	uint32_t cseq;
	uint32_t iv; /* Timer G */
	int64_t deadline;
	char *resp; /* last response, sent again on a retransmitted request */
	size_t resp_len;
	char *head; /* kept when the final response comes later */
	size_t head_len, head_to;
	bool head_totag;
	char totag[TAG_LEN + 1]; /* our To tag for this transaction's responses */
	size_t klen;
	char key[];
};

enum ct_state {
	CT_CALLING = 0, /* Calling / Trying */
	CT_PROCEEDING,
	CT_COMPLETED, /* final received: absorbing retransmissions (Timer D / K) */
	CT_ACCEPTED,  /* INVITE 2xx received (RFC 6026 Timer M) */
};

enum ct_purpose {
	CP_NORMAL = 0,
	CP_REFRESH, /* a session refresh we sent: no event for its answer */
	CP_FORGET,  /* nobody waits for the answer (CANCEL, NOTIFY, best-effort BYE) */
};

struct ctrans {
	struct hnode hn;
	struct sipx *s;
	struct sipx_leg *leg;
	struct wheel_timer t;
	struct dest dst;
	enum sipx_method met;
	uint8_t state;
	uint8_t purpose;
	bool failed; /* could not be sent: reported as 503 */
	uint32_t cseq;
	uint32_t iv;
	int64_t deadline; /* Timer B / F */
	char *req;	  /* for retransmissions; freed once not needed */
	size_t req_len;
	char *ack; /* INVITE: our ACK for its 2xx, sent again on a retransmitted 2xx */
	size_t ack_len;
	char branch[32];
	size_t klen;
	char key[];
};

enum leg_state {
	LS_INCOMING = 0, /* inbound INVITE, no final answer yet */
	LS_ANSWERED,	 /* inbound: 2xx sent, waiting for the ACK */
	LS_CALLING,	 /* outbound: INVITE sent, no final answer yet */
	LS_CONFIRMED,	 /* the dialog is up */
	LS_ENDING,	 /* our BYE is out */
	LS_TERMINATED,	 /* SIP is done with the leg */
};

struct sipx_leg {
	struct hnode hn; /* by Call-ID */
	struct dlist le; /* in s->legs, or s->reap once it can go */
	struct sipx *s;
	void *arg;
	uint8_t state;
	bool inbound;
	bool released; /* the controller let go */
	bool reported; /* the terminal event went out */
	bool reaped;   /* on s->reap */
	bool in_hash;
	bool bye_pending;    /* send BYE once the 2xx is ACKed (or its ACK timed out) */
	bool cancel_pending; /* outbound: send CANCEL once a provisional arrives */
	bool cancelled;	     /* outbound: we cancelled: the final 487 ends it quietly */
	bool late_offer;     /* inbound INVITE without SDP: the answer comes in the ACK */
	bool ring_sent;	     /* outbound: RINGING reported */
	bool ring_sdp_sent;  /* outbound: RINGING with SDP reported */
	bool peer_timer;     /* the far end supports session timers */
	bool peer_update;    /* the far end allows UPDATE */
	bool refresher_us;
	bool reinvite_is_update; /* upd_st is an UPDATE, not a re-INVITE */
	bool refer_sub;		 /* a REFER's subscription is open: its final NOTIFY is owed */
	uint16_t end_code;
	char end_reason[40];
	enum sipx_transport tp;
	char *callid;
	size_t callid_len;
	char ltag[TAG_LEN + 1];
	char *rtag;
	char *lhdr;    /* our From (outbound) / To (inbound) value, tag included */
	char *rhdr;    /* the far end's value (inbound: its From, tag included; outbound: To without
			  tag) */
	char *rtarget; /* remote target URI */
	char *route;   /* Route header value for our in-dialog requests, NULL when none */
	char *rr;      /* inbound: Record-Route lines for our dialog-creating responses */
	struct dest dst;  /* where our in-dialog requests go */
	struct dest rdst; /* where our 2xx (retransmissions) go */
	uint32_t lcseq, rcseq;
	uint32_t ack_cseq; /* CSeq of the INVITE whose 2xx waits for its ACK */
	char *lsdp;	   /* our current SDP */
	size_t lsdp_len;
	uint64_t rsdp_id; /* the remote SDP's o= line, hashed (0: none seen) */
	struct strans *inv_st;
	struct strans *upd_st; /* a far-end re-INVITE / UPDATE the controller must answer */
	struct ctrans *inv_ct;
	struct ctrans *reinv_ct;
	struct ctrans *bye_ct;
	char *resp2xx; /* retransmitted until the ACK */
	size_t resp2xx_len;
	struct wheel_timer t2xx;
	uint32_t t2xx_iv;
	int64_t t2xx_end;
	struct wheel_timer tc; /* outbound: give up ringing (Timer C) */
	uint32_t timeout_ms;
	struct wheel_timer tse; /* session timer: refresh (refresher_us) or expiry */
	uint32_t se;		/* session interval in seconds, 0: none */
};

/* What the registrar keeps of where a contact registered from. */
struct reg_flow {
	uint8_t tp;
	struct sa addr;
};

struct conn {
	struct hnode hn; /* by peer address */
	struct dlist le; /* s->conns */
	struct sipx *s;
	struct tcp_conn *tc;
	struct sa peer;
	bool established;
	bool closed;
	char *rx;
	size_t rx_len, rx_cap;
	size_t skip; /* body bytes of an oversized message still to discard */
	char *pend;  /* sent before the connection was up */
	size_t pend_len;
	int64_t last_ms;
	struct wheel_timer idle;
};

struct sipx {
	struct sipx_config cfg;
	char *realm;
	char *ua;
	struct wheel *wheel;
	int tfd;
	struct udp_sock *us;
	int ufd;	 /* its descriptor: we read (recvmmsg) and send on it ourselves */
	int ustamp;	 /* SO_TIMESTAMPNS or SO_TIMESTAMP when the kernel stamps arrivals; 0 */
	int64_t late_ms; /* clock_mono_ms() when a UDP datagram last waited over overload_wait_ms */
	struct udp_batch *ub; /* transport.c: the receive buffers */
	struct sa udp_laddr;
	char udp_host[SIPX_ADDR_MAX]; /* host:port for Via / Contact */
	struct tcp_sock *ts;
	struct sa tcp_laddr;
	char tcp_host[SIPX_ADDR_MAX];
	struct htab strans, ctrans, legs, conns;
	struct dlist legs_all, reap, conns_all;
	size_t nconns;
	struct reg *reg;
	struct limit *limit;
	uint8_t hkey[16];	      /* SipHash key for hash tables and ids */
	uint8_t nkey[DIGEST_KEY_LEN]; /* nonce MAC key */
	uint64_t seq;
	struct mbuf *tx; /* scratch for messages we build */
	struct mbuf *hx; /* scratch for response heads */
	int depth;	 /* nesting of top-level entries */
	struct sipx_stats st;
};

/* --- sipx.c --- */
uint64_t sipx_hash(const struct sipx *s, const void *p, size_t n);
void sipx_id(struct sipx *s, char *out, size_t size); /* a random-looking token */
/* The To tag of a stateless answer: the same for every retransmission of the request. */
void sipx_tag_for(const struct sipx *s, const struct rx *rx, char *out, size_t size);
void sipx_enter(struct sipx *s);
void sipx_leave(
    struct sipx *s); /* frees what was queued for reaping when the outermost entry ends */
void sipx_recv(struct sipx *s, struct rx *rx);
enum sipx_method sipx_method_of(const struct pl *met);
const char *sipx_reason(uint16_t code);
int64_t sipx_now(const struct sipx *s);
/* Host:port of our side for a transport (Via, Contact). */
const char *sipx_host(const struct sipx *s, enum sipx_transport tp);

/* --- transport.c --- */
int tp_init(struct sipx *s);
void tp_close(struct sipx *s);
int tp_send(struct sipx *s, const struct dest *d, const char *buf, size_t len);
/* The response destination of a request (RFC 3261 18.2.2 / RFC 3581). */
void tp_reply_dest(const struct rx *rx, struct dest *d);
/* Parses "host:port" / URI host parts into a destination; only numeric hosts. EINVAL. */
int tp_dest_from_uri(struct dest *d, const struct uri *u, enum sipx_transport deftp);
void tp_addr_str(const struct sa *a, char *buf, size_t size);
/* Processes one complete message (bytes owned by mb). Returns 0, or an errno when dropped. */
int tp_input(struct sipx *s, struct mbuf *mb, enum sipx_transport tp, const struct sa *src,
	     struct conn *conn);
/* The same, for a datagram that waited waited_us in the socket buffer (-1: unknown). */
int tp_input_waited(struct sipx *s, struct mbuf *mb, enum sipx_transport tp, const struct sa *src,
		    struct conn *conn, int64_t waited_us);

/* --- build.c --- */
/* Builds the head of a response to rx in s->hx. */
int bld_head(struct sipx *s, const struct rx *rx, struct rhead *h);
/*
 * Builds a response in s->tx: status line, head, To tag (when the request
 * had none and code > 100), Server, the extra header lines `extra` (each
 * ending in CRLF; may be NULL), then Content-Type/Length and the body.
 */
int bld_resp(struct sipx *s, const struct rhead *h, uint16_t code, const char *reason,
	     const char *totag, const char *extra, const char *ctype, const char *body,
	     size_t blen);
/* Builds an in-dialog request of leg in s->tx (new branch into branch[32]). */
int bld_dlg_req(struct sipx *s, struct sipx_leg *leg, const char *method, uint32_t cseq,
		const char *branch, const char *extra, const char *ctype, const char *body,
		size_t blen);
void bld_branch(struct sipx *s, char branch[32]);
/* Copies s->tx into an exact-size block. */
char *bld_copy(struct sipx *s, size_t *len);
/* Writes "Via: SIP/2.0/<tp> host;branch=..;rport\r\n" into mb. */
int bld_via(struct sipx *s, struct mbuf *mb, enum sipx_transport tp, const char *branch);

/* --- trans.c --- */
int trans_init(struct sipx *s);
void trans_close(struct sipx *s);
/* Key of the server transaction of a request (ACK and CANCEL: their INVITE's). */
size_t st_key(const struct rx *rx, enum sipx_method as, char *key, size_t size);
struct strans *st_find(struct sipx *s, const char *key, size_t klen);
struct strans *st_new(struct sipx *s, const struct rx *rx, const char *key, size_t klen);
/* Keeps a copy of the response head so that the final response can come later. */
int st_keep_head(struct strans *st, const struct rhead *h);
void st_head(const struct strans *st, struct rhead *h);
/* Sends s->tx as the transaction's response and moves its state on. */
void st_send(struct strans *st, uint16_t code);
/* Sends s->tx as the final response after delay_ms (back-off). */
void st_send_delayed(struct strans *st, uint16_t code, int64_t delay_ms);
/* Builds and sends a response from the kept head. */
int st_reply(struct strans *st, uint16_t code, const char *reason, const char *extra,
	     const char *ctype, const char *body, size_t blen);
/* A retransmitted request or the ACK of a non-2xx final. */
void st_on_retransmission(struct strans *st, const struct rx *rx);
void st_free(struct strans *st);

struct ctrans *ct_send(struct sipx *s, struct sipx_leg *leg, enum sipx_method met,
		       const char *branch, uint32_t cseq, const struct dest *d, uint8_t purpose);
void ct_on_response(struct sipx *s, const struct rx *rx);
void ct_free(struct ctrans *ct);
/* Sends a CANCEL for an INVITE client transaction in Proceeding. */
int ct_cancel(struct ctrans *inv);

/* --- dialog.c --- */
/* A new INVITE (its transaction made, authentication done): a new inbound leg. */
void leg_on_invite(struct sipx *s, const struct rx *rx, struct strans *st, bool authenticated);
/* An in-dialog request (To tag present). Returns true when a leg took it. */
bool leg_on_request(struct sipx *s, const struct rx *rx, const struct rhead *h, const char *key,
		    size_t klen);
void leg_on_cancel(struct sipx *s, struct strans *inv);
void leg_on_final_acked(struct sipx_leg *leg); /* the ACK for our non-2xx (or Timer H) */
/* A final response to one of the leg's client transactions (or a timeout: code 408, rx NULL). */
void leg_on_response(struct sipx_leg *leg, struct ctrans *ct, const struct rx *rx, uint16_t code);
/* A 2xx retransmitted for an INVITE in Accepted (nothing left for the leg but the stored ACK). */
struct sipx_leg *leg_find(struct sipx *s, const struct pl *callid, const struct pl *ltag,
			  const struct pl *rtag);
void leg_free(struct sipx_leg *leg);
void legs_close(struct sipx *s);
/* Detaches the transaction from whatever leg points at it. */
void leg_forget_strans(struct strans *st);
void leg_forget_ctrans(struct ctrans *ct);

/* --- util --- */
/* Header value helpers on a parsed message. */
bool msg_has_option(const struct sip_msg *msg, enum sip_hdrid id, const char *option);
/* Session-Expires value and refresher ("uac"/"uas"/""); returns false when absent or malformed. */
bool msg_session_expires(const struct sip_msg *msg, uint32_t *se, char refresher[4]);
uint64_t sdp_origin_id(const struct sipx *s, const char *sdp, size_t len);

#endif
