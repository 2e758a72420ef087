/* sipx: the stack's life cycle, its clock, request dispatch, OPTIONS, the registrar and digest
 * checks. */
#include "sip/core.h"
#include "sip/scan.h"
#include "base/clock.h"
#include "base/mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <sodium.h>

void sipx_config_default(struct sipx_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->udp_addr = "127.0.0.1:5060";
	cfg->realm = "switchboard";
	cfg->user_agent = "switchboard";
	cfg->max_message = 16384;
	cfg->max_headers = 100;
	cfg->reg_min_expires = 60;
	cfg->reg_max_expires = 3600;
	cfg->reg_default_expires = 3600;
	cfg->max_contacts = 5;
	cfg->session_expires = 1800;
	cfg->min_se = 90;
	cfg->nonce_ttl = 300;
	cfg->auth_free_failures = 3;
	cfg->auth_backoff_ms = 1000;
	cfg->auth_backoff_cap_ms = 16000;
	cfg->auth_forget_s = 600;
	cfg->udp_sockbuf = 4 << 20;
	cfg->overload_wait_ms = 1000;
	cfg->overload_retry_after = 2;
}

uint64_t sipx_hash(const struct sipx *s, const void *p, size_t n)
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t h;
	crypto_shorthash(out, p, n, s->hkey);
	memcpy(&h, out, sizeof(h));
	return h;
}

void sipx_tag_for(const struct sipx *s, const struct rx *rx, char *out, size_t size)
{
	const struct sip_msg *msg = rx->msg;
	uint64_t h = sipx_hash(s, msg->via.branch.p, msg->via.branch.l) ^
		     sipx_hash(s, msg->callid.p, msg->callid.l);
	snprintf(out, size, "%016llx", (unsigned long long)h);
}

void sipx_id(struct sipx *s, char *out, size_t size)
{
	uint64_t n = ++s->seq;
	uint64_t h = sipx_hash(s, &n, sizeof(n));
	snprintf(out, size, "%016llx", (unsigned long long)h);
}

/*
 * libre's rand_u64, rand_u32 and rand_u16, replaced. libre 1.1.0's sip_msg_decode()
 * draws a random 64-bit tag for every message it parses (for its own transactions,
 * which we do not use) through rand_u64() -> OpenSSL RAND_bytes(), about 1.5 us a
 * call here, and every SDP session and RTP stream draws a few more: 8 % of the loop
 * thread's time per bridged call (docs/internals/sip.md). libre calls them through
 * its PLT, so the definitions in our executable take their place for every caller
 * in the process; the values still come from a CSPRNG (libsodium's, seeded by the
 * kernel), drawn 32 words at a time into a per-thread buffer. The child of a fork
 * (the buffer would repeat the parent's) starts with an empty buffer. Where libre
 * binds the symbol internally, its own version keeps being used: only slower.
 */
static _Thread_local uint64_t rnd_buf[32];
static _Thread_local unsigned rnd_left;
static pthread_once_t rnd_once = PTHREAD_ONCE_INIT;

static void rnd_forked(void)
{
	rnd_left = 0;
}

static void rnd_setup(void)
{
	if (sodium_init() < 0)
		abort(); /* no kernel randomness: nothing in SIP can be trusted */
	pthread_atfork(NULL, NULL, rnd_forked);
}

uint64_t rand_u64(void)
{
	if (!rnd_left) {
		pthread_once(&rnd_once, rnd_setup);
		randombytes_buf(rnd_buf, sizeof(rnd_buf));
		rnd_left = sizeof(rnd_buf) / sizeof(rnd_buf[0]);
	}
	return rnd_buf[--rnd_left];
}

uint32_t rand_u32(void)
{
	return (uint32_t)rand_u64();
}

uint16_t rand_u16(void)
{
	return (uint16_t)rand_u64();
}

int64_t sipx_now(const struct sipx *s)
{
	return wheel_now(s->wheel);
}

const char *sipx_host(const struct sipx *s, enum sipx_transport tp)
{
	if (tp == SIPX_TCP && s->ts)
		return s->tcp_host;
	return s->us ? s->udp_host : s->tcp_host;
}

static void reap(struct sipx *s)
{
	while (!dlist_empty(&s->reap)) {
		struct dlist *d = dlist_first(&s->reap);
		dlist_unlink(d);
		leg_free(htab_entry(d, struct sipx_leg, le));
	}
}

void sipx_enter(struct sipx *s)
{
	s->depth++;
}

void sipx_leave(struct sipx *s)
{
	if (--s->depth == 0)
		reap(s);
}

static void clock_h(int flags, void *arg)
{
	struct sipx *s = arg;
	uint64_t n;
	(void)flags;
	if (read(s->tfd, &n, sizeof(n)) < 0) {
		/* EAGAIN: woken without an expiry; nothing to do */
	}
	sipx_enter(s);
	wheel_advance(s->wheel, clock_mono_ms());
	sipx_leave(s);
}

static void binding_h(void *arg, const char *user, unsigned contacts)
{
	struct sipx *s = arg;
	if (s->cfg.binding)
		s->cfg.binding(s->cfg.arg, user, contacts);
}

static int clock_start(struct sipx *s)
{
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->tfd < 0)
		return errno;
	struct itimerspec its = {
	    .it_interval = {.tv_sec = 0, .tv_nsec = TICK_MS * 1000000L},
	    .it_value = {.tv_sec = 0, .tv_nsec = TICK_MS * 1000000L},
	};
	if (timerfd_settime(s->tfd, 0, &its, NULL) < 0)
		return errno;
	return fd_listen(s->tfd, FD_READ, clock_h, s);
}

static bool cfg_valid(const struct sipx_config *c)
{
	if (!c || (!c->udp_addr && !c->tcp_addr) || !c->realm || !*c->realm)
		return false;
	if (strlen(c->realm) >= 64 || strchr(c->realm, '"') || strchr(c->realm, '\\'))
		return false;
	if (c->max_message < 1024 || c->max_message > 65507 || c->max_headers < 8)
		return false;
	if (!c->reg_min_expires || c->reg_min_expires > c->reg_max_expires ||
	    c->reg_default_expires < c->reg_min_expires ||
	    c->reg_default_expires > c->reg_max_expires || !c->max_contacts)
		return false;
	if (!c->min_se || (c->session_expires && c->session_expires < c->min_se))
		return false;
	if (!c->nonce_ttl || !c->auth_backoff_ms || c->auth_backoff_cap_ms < c->auth_backoff_ms ||
	    !c->auth_forget_s)
		return false;
	if (c->user_agent)
		for (const char *p = c->user_agent; *p; p++)
			if ((unsigned char)*p < 0x20)
				return false;
	return true;
}

int sipx_alloc(struct sipx **sp, const struct sipx_config *cfg)
{
	if (!sp || !cfg_valid(cfg))
		return EINVAL;
	if (sodium_init() < 0)
		return ENOSYS;
	struct sipx *s = sb_zalloc(sizeof(*s));
	if (!s)
		return ENOMEM;
	int err = ENOMEM;
	s->tfd = -1;
	s->ufd = -1;
	s->cfg = *cfg;
	dlist_init(&s->legs_all);
	dlist_init(&s->reap);
	dlist_init(&s->conns_all);
	randombytes_buf(s->hkey, sizeof(s->hkey));
	randombytes_buf(s->nkey, sizeof(s->nkey));
	s->realm = sb_strdup(cfg->realm);
	s->ua = sb_strdup(cfg->user_agent ? cfg->user_agent : "switchboard");
	if (!s->realm || !s->ua)
		goto out;
	s->cfg.realm = s->realm;
	s->cfg.user_agent = s->ua;
	s->cfg.udp_addr = s->cfg.tcp_addr = NULL; /* only used in tp_init, from cfg */
	s->tx = mbuf_alloc(2048);
	s->hx = mbuf_alloc(1024);
	if (!s->tx || !s->hx)
		goto out;
	if (wheel_alloc(&s->wheel, WHEEL_SLOTS, TICK_MS, clock_mono_ms()))
		goto out;
	if (htab_init(&s->legs, LEGS_BITS) || htab_init(&s->conns, CONNS_BITS))
		goto out;
	if (trans_init(s))
		goto out;
	if (reg_alloc(&s->reg, s->wheel, cfg->max_contacts, binding_h, s))
		goto out;
	struct limit_policy lp = {
	    .free_failures = cfg->auth_free_failures,
	    .base_ms = cfg->auth_backoff_ms,
	    .cap_ms = cfg->auth_backoff_cap_ms,
	    .forget_ms = (int64_t)cfg->auth_forget_s * 1000,
	    .max_entries = 16384,
	};
	if (limit_alloc(&s->limit, &lp))
		goto out;
	s->cfg.udp_addr = cfg->udp_addr;
	s->cfg.tcp_addr = cfg->tcp_addr;
	err = tp_init(s);
	s->cfg.udp_addr = s->cfg.tcp_addr = NULL;
	if (err)
		goto out;
	err = clock_start(s);
	if (err)
		goto out;
	*sp = s;
	return 0;
out:
	sipx_free(s);
	return err;
}

void sipx_free(struct sipx *s)
{
	if (!s)
		return;
	s->depth++; /* no reaping while tearing down */
	if (s->tfd >= 0) {
		fd_close(s->tfd);
		close(s->tfd);
	}
	if (s->legs.b)
		legs_close(s);
	reap(s);
	trans_close(s);
	tp_close(s);
	reg_free(s->reg);
	limit_free(s->limit);
	htab_release(&s->legs);
	htab_release(&s->conns);
	wheel_free(s->wheel);
	mem_deref(s->tx);
	mem_deref(s->hx);
	sb_free(s->realm);
	sb_free(s->ua);
	sb_free(s);
}

uint16_t sipx_port(const struct sipx *s, enum sipx_transport tp)
{
	if (tp == SIPX_UDP)
		return s->us ? sa_port(&s->udp_laddr) : 0;
	return s->ts ? sa_port(&s->tcp_laddr) : 0;
}

void sipx_stats(const struct sipx *s, struct sipx_stats *out)
{
	*out = s->st;
	out->transactions = s->strans.n + s->ctrans.n;
	out->legs = s->legs.n;
	out->registrations = reg_contact_count(s->reg);
}

unsigned sipx_contacts(const struct sipx *s, const char *user, char uris[][SIPX_URI_MAX],
		       unsigned max)
{
	struct reg_contact_view v[MAX_REG_CONTACTS * 4];
	if (max > sizeof(v) / sizeof(v[0]))
		max = sizeof(v) / sizeof(v[0]);
	unsigned n = reg_list(s->reg, user, clock_mono_ms(), v, max);
	for (unsigned i = 0; i < n; i++)
		snprintf(uris[i], SIPX_URI_MAX, "%s", v[i].uri);
	return n;
}

/* --- methods and reasons --- */

enum sipx_method sipx_method_of(const struct pl *met)
{
	static const struct {
		const char *name;
		enum sipx_method m;
	} tab[] = {
	    {"INVITE", M_INVITE},
	    {"ACK", M_ACK},
	    {"BYE", M_BYE},
	    {"CANCEL", M_CANCEL},
	    {"OPTIONS", M_OPTIONS},
	    {"REGISTER", M_REGISTER},
	    {"UPDATE", M_UPDATE},
	    {"INFO", M_INFO},
	    {"REFER", M_REFER},
	    {"PRACK", M_PRACK},
	    {"SUBSCRIBE", M_SUBSCRIBE},
	    {"NOTIFY", M_NOTIFY},
	    {"PUBLISH", M_PUBLISH},
	    {"MESSAGE", M_MESSAGE},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!pl_strcmp(met, tab[i].name))
			return tab[i].m;
	return M_OTHER;
}

const char *sipx_reason(uint16_t code)
{
	switch (code) {
	case 100:
		return "Trying";
	case 180:
		return "Ringing";
	case 183:
		return "Session Progress";
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Unsupported URI Scheme";
	case 420:
		return "Bad Extension";
	case 422:
		return "Session Interval Too Small";
	case 423:
		return "Interval Too Brief";
	case 480:
		return "Temporarily Unavailable";
	case 481:
		return "Call/Transaction Does Not Exist";
	case 482:
		return "Loop Detected";
	case 486:
		return "Busy Here";
	case 487:
		return "Request Terminated";
	case 488:
		return "Not Acceptable Here";
	case 491:
		return "Request Pending";
	case 500:
		return "Server Internal Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 513:
		return "Message Too Large";
	case 603:
		return "Decline";
	default:
		if (code < 200)
			return "Session Progress";
		if (code < 300)
			return "OK";
		if (code < 400)
			return "Redirect";
		if (code < 500)
			return "Request Failure";
		if (code < 600)
			return "Server Error";
		return "Global Failure";
	}
}

/* --- header helpers --- */

struct opt_arg {
	const char *option;
	bool found;
};

static bool opt_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct opt_arg *o = arg;
	(void)msg;
	if (!pl_strcasecmp(&hdr->val, o->option)) {
		o->found = true;
		return true;
	}
	return false;
}

bool msg_has_option(const struct sip_msg *msg, enum sip_hdrid id, const char *option)
{
	struct opt_arg o = {option, false};
	sip_msg_hdr_apply(msg, true, id, opt_h, &o);
	return o.found;
}

/* Reads a decimal number (<= 2^32 - 1) filling the whole pl. */
static bool pl_uint(const struct pl *pl, uint32_t *out)
{
	uint64_t x = 0;
	if (!pl->l || pl->l > 10)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(pl->p[i] - '0');
	}
	if (x > UINT32_MAX)
		return false;
	*out = (uint32_t)x;
	return true;
}

bool msg_session_expires(const struct sip_msg *msg, uint32_t *se, char refresher[4])
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_SESSION_EXPIRES);
	struct pl num, params, r;
	refresher[0] = '\0';
	if (!h)
		return false;
	if (re_regex(h->val.p, h->val.l, "[ \t]*[0-9]+[ \t]*[^]*", NULL, &num, NULL, &params))
		return false;
	if (!pl_uint(&num, se))
		return false;
	if (params.l && params.p[0] != ';')
		return false;
	if (!msg_param_decode(&params, "refresher", &r)) {
		if (!pl_strcasecmp(&r, "uac"))
			memcpy(refresher, "uac", 4);
		else if (!pl_strcasecmp(&r, "uas"))
			memcpy(refresher, "uas", 4);
		else
			return false;
	}
	return true;
}

uint64_t sdp_origin_id(const struct sipx *s, const char *sdp, size_t len)
{
	if (!sdp || !len)
		return 0;
	for (size_t i = 0; i + 2 <= len; i++) {
		if ((i == 0 || sdp[i - 1] == '\n') && sdp[i] == 'o' && sdp[i + 1] == '=') {
			size_t e = i;
			while (e < len && sdp[e] != '\r' && sdp[e] != '\n')
				e++;
			return sipx_hash(s, sdp + i, e - i) | 1;
		}
	}
	return sipx_hash(s, sdp, len) | 1;
}

/* --- stateless answers --- */

/* Sends a response built from rx's own head without keeping a transaction. */
static void reply_stateless(struct sipx *s, const struct rx *rx, uint16_t code, const char *reason,
			    const char *extra)
{
	struct rhead h;
	struct dest d;
	char tag[TAG_LEN + 1];
	if (rx->met == M_ACK || bld_head(s, rx, &h))
		return;
	sipx_tag_for(s, rx, tag, sizeof(tag)); /* a retransmission gets the very same answer */
	if (bld_resp(s, &h, code, reason ? reason : sipx_reason(code), tag, extra, NULL, NULL, 0))
		return;
	tp_reply_dest(rx, &d);
	tp_send(s, &d, (const char *)s->tx->buf, s->tx->end);
}

/* --- digest authentication --- */

enum auth_result {
	AUTH_OK,
	AUTH_CHALLENGE, /* no usable credentials: challenge */
	AUTH_STALE,	/* a good but expired nonce: challenge with stale=true */
	AUTH_FORBIDDEN, /* wrong credentials, or not checked during back-off: 403 */
	AUTH_BAD,	/* unparseable credentials: 400 */
};

struct auth_find {
	const char *realm;
	struct digest_cred *cred;
	bool found;
	bool bad;
};

static bool auth_hdr_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct auth_find *f = arg;
	(void)msg;
	int err = digest_parse(f->cred, hdr->val.p, hdr->val.l);
	if (err == EPROTONOSUPPORT)
		return false; /* another scheme: not ours */
	if (err) {
		f->bad = true;
		return false;
	}
	if (strcmp(f->cred->realm, f->realm))
		return false;
	f->found = true;
	return true;
}

/* The address a nonce and the back-off are bound to: the source IP. */
static size_t src_key(const struct sa *src, uint8_t key[16])
{
	if (sa_af(src) == AF_INET) {
		uint32_t a = sa_in(src);
		memcpy(key, &a, 4);
		return 4;
	}
	sa_in6(src, key);
	return 16;
}

static enum auth_result auth_check(struct sipx *s, const struct rx *rx, enum sip_hdrid hdr,
				   const char *user, bool known, const char *realm, const char *ha1,
				   int64_t *delay)
{
	struct digest_cred cred;
	struct auth_find f = {.realm = realm, .cred = &cred};
	uint8_t key[16];
	size_t klen = src_key(&rx->src, key);
	int64_t now = sipx_now(s);

	*delay = limit_wait(s->limit, key, klen, now);
	sip_msg_hdr_apply(rx->msg, true, hdr, auth_hdr_h, &f);
	if (!f.found)
		return f.bad ? AUTH_BAD : AUTH_CHALLENGE;
	if (*delay > 0)
		return AUTH_FORBIDDEN; /* back-off: not checked */
	int v = digest_nonce_check(cred.nonce, s->nkey, (uint32_t)(now / 1000), s->cfg.nonce_ttl,
				   key, klen);
	if (v == EINVAL)
		return AUTH_CHALLENGE;
	if (v == ETIMEDOUT)
		return AUTH_STALE;
	char method[16];
	pl_strcpy(&rx->msg->met, method, sizeof(method));
	if (!known || strcmp(cred.username, user) || digest_verify(&cred, ha1, method)) {
		s->st.auth_failures++;
		*delay = limit_fail(s->limit, key, klen, now);
		return AUTH_FORBIDDEN;
	}
	limit_success(s->limit, key, klen);
	return AUTH_OK;
}

/* Answers a failed authentication on st (challenge, 403 or 400), delayed during back-off. */
static void auth_answer(struct sipx *s, struct strans *st, const struct rx *rx, enum auth_result r,
			bool proxy, const char *realm, int64_t delay)
{
	struct rhead h;
	char extra[256];
	uint16_t code;
	st_head(st, &h);
	extra[0] = '\0';
	if (r == AUTH_CHALLENGE || r == AUTH_STALE) {
		char nonce[DIGEST_NONCE_LEN + 1];
		uint8_t key[16];
		size_t klen = src_key(&rx->src, key);
		digest_nonce_make(nonce, s->nkey, (uint32_t)(sipx_now(s) / 1000), key, klen);
		code = proxy ? 407 : 401;
		snprintf(extra, sizeof(extra),
			 "%s: Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"%s\r\n",
			 proxy ? "Proxy-Authenticate" : "WWW-Authenticate", realm, nonce,
			 r == AUTH_STALE ? ", stale=true" : "");
	} else {
		code = r == AUTH_BAD ? 400 : 403;
	}
	if (bld_resp(s, &h, code, r == AUTH_BAD ? "Bad Authorization Header" : sipx_reason(code),
		     st->totag, extra[0] ? extra : NULL, NULL, NULL, 0))
		return;
	if (delay > 0)
		st_send_delayed(st, code, delay);
	else
		st_send(st, code);
}

/* --- REGISTER --- */

struct contacts_arg {
	struct reg_binding b[MAX_REG_CONTACTS];
	unsigned n;
	bool star;
	bool bad;
	bool too_brief;
	uint32_t hdr_expires;
	bool has_hdr_expires;
	const struct sipx_config *cfg;
};

static bool contact_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct contacts_arg *a = arg;
	struct sip_addr addr;
	struct pl v;
	(void)msg;
	struct pl val = hdr->val;
	while (val.l && (val.p[val.l - 1] == ' ' || val.p[val.l - 1] == '\t'))
		val.l--;
	if (val.l == 1 && val.p[0] == '*') {
		a->star = true;
		return false;
	}
	if (a->n >= MAX_REG_CONTACTS || sip_addr_decode(&addr, &hdr->val) || !addr.auri.l ||
	    addr.auri.l >= SIPX_URI_MAX) {
		a->bad = true;
		return true;
	}
	uint32_t exp;
	if (!msg_param_decode(&addr.params, "expires", &v)) {
		if (!pl_uint(&v, &exp)) {
			a->bad = true;
			return true;
		}
	} else if (a->has_hdr_expires) {
		exp = a->hdr_expires;
	} else {
		exp = a->cfg->reg_default_expires;
	}
	if (exp && exp < a->cfg->reg_min_expires)
		a->too_brief = true;
	if (exp > a->cfg->reg_max_expires)
		exp = a->cfg->reg_max_expires;
	for (size_t i = 0; i < addr.auri.l; i++)
		if ((unsigned char)addr.auri.p[i] <= 0x20 || addr.auri.p[i] == '<' ||
		    addr.auri.p[i] == '>' || addr.auri.p[i] == '"') {
			a->bad = true;
			return true;
		}
	a->b[a->n].uri = addr.auri.p;
	a->b[a->n].uri_len = addr.auri.l;
	a->b[a->n].expires = exp;
	a->n++;
	return false;
}

static void on_register(struct sipx *s, const struct rx *rx, struct strans *st)
{
	const struct sip_msg *msg = rx->msg;
	char user[SIPX_USER_MAX], realm[64], ha1[33];
	struct rhead h;
	int64_t delay;

	st_head(st, &h);
	if (!msg->to.uri.user.l || msg->to.uri.user.l >= sizeof(user)) {
		if (!bld_resp(s, &h, 404, "Not Found", st->totag, NULL, NULL, NULL, 0))
			st_send(st, 404);
		return;
	}
	pl_strcpy(&msg->to.uri.user, user, sizeof(user));
	bool known = s->cfg.credentials && s->cfg.credentials(s->cfg.arg, user, realm, ha1) == 0;
	if (!known) {
		snprintf(realm, sizeof(realm), "%s", s->realm);
		memset(ha1, 0, sizeof(ha1));
	}
	enum auth_result r =
	    auth_check(s, rx, SIP_HDR_AUTHORIZATION, user, known, realm, ha1, &delay);
	if (r != AUTH_OK) {
		auth_answer(s, st, rx, r, false, realm, delay);
		return;
	}

	struct contacts_arg a = {.cfg = &s->cfg};
	if (pl_isset(&msg->expires)) {
		a.has_hdr_expires = pl_uint(&msg->expires, &a.hdr_expires);
		if (!a.has_hdr_expires) {
			if (!bld_resp(s, &h, 400, "Bad Expires", st->totag, NULL, NULL, NULL, 0))
				st_send(st, 400);
			return;
		}
	}
	sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_h, &a);
	if (a.bad || (a.star && (a.n || !a.has_hdr_expires || a.hdr_expires != 0))) {
		if (!bld_resp(s, &h, 400, a.star ? "Bad Contact: *" : "Bad Contact", st->totag,
			      NULL, NULL, NULL, 0))
			st_send(st, 400);
		return;
	}
	if (a.too_brief) {
		char extra[48];
		snprintf(extra, sizeof(extra), "Min-Expires: %u\r\n", s->cfg.reg_min_expires);
		if (!bld_resp(s, &h, 423, NULL, st->totag, extra, NULL, NULL, 0))
			st_send(st, 423);
		return;
	}
	struct reg_flow flow;
	memset(&flow, 0, sizeof(flow));
	flow.tp = (uint8_t)rx->tp;
	flow.addr = rx->src;
	int err = reg_apply(s->reg, user, msg->callid.p, msg->callid.l, msg->cseq.num, a.b, a.n,
			    a.star, &flow, sizeof(flow), sipx_now(s));
	if (err) {
		if (!bld_resp(s, &h, 500, err == EALREADY ? "Out Of Order" : NULL, st->totag, NULL,
			      NULL, NULL, 0))
			st_send(st, 500);
		return;
	}
	/* 200 with every live binding and its remaining time */
	struct reg_contact_view v[MAX_REG_CONTACTS * 4];
	int64_t now = sipx_now(s);
	unsigned n = reg_list(s->reg, user, now, v, sizeof(v) / sizeof(v[0]));
	struct mbuf *mb = mbuf_alloc(256 + n * 96);
	if (!mb)
		return;
	for (unsigned i = 0; i < n; i++)
		mbuf_printf(mb, "Contact: <%s>;expires=%lld\r\n", v[i].uri,
			    (long long)((v[i].expires_at - now + 999) / 1000));
	mbuf_write_u8(mb, 0);
	if (!bld_resp(s, &h, 200, NULL, st->totag, (const char *)mb->buf, NULL, NULL, 0))
		st_send(st, 200);
	mem_deref(mb);
}

/* --- INVITE outside a dialog: authentication of extensions --- */

static void on_invite(struct sipx *s, const struct rx *rx, struct strans *st)
{
	const struct sip_msg *msg = rx->msg;
	char user[SIPX_USER_MAX], realm[64], ha1[33];
	bool authenticated = false;

	if (s->cfg.credentials && msg->from.uri.user.l && msg->from.uri.user.l < sizeof(user)) {
		pl_strcpy(&msg->from.uri.user, user, sizeof(user));
		if (s->cfg.credentials(s->cfg.arg, user, realm, ha1) == 0) {
			int64_t delay;
			enum auth_result r = auth_check(s, rx, SIP_HDR_PROXY_AUTHORIZATION, user,
							true, realm, ha1, &delay);
			if (r != AUTH_OK) {
				auth_answer(s, st, rx, r, true, realm, delay);
				return;
			}
			authenticated = true;
		}
	}
	leg_on_invite(s, rx, st, authenticated);
}

/* --- checks every request passes (RFC 3261 8.2) --- */

struct unsup_arg {
	char list[128];
	bool any;
};

static bool require_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct unsup_arg *u = arg;
	(void)msg;
	if (!pl_strcasecmp(&hdr->val, "timer"))
		return false;
	size_t l = strlen(u->list);
	if (hdr->val.l + 3 < sizeof(u->list) - l) {
		char tmp[128];
		pl_strcpy(&hdr->val, tmp, sizeof(tmp));
		for (char *p = tmp; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		snprintf(u->list + l, sizeof(u->list) - l, "%s%s", u->any ? ", " : "", tmp);
	}
	u->any = true;
	return false;
}

static bool body_is_sdp(const struct rx *rx)
{
	return msg_ctype_cmp(&rx->msg->ctyp, "application", "sdp");
}

/* Returns true when the request was answered here (an error). */
static bool check_request(struct sipx *s, const struct rx *rx)
{
	const struct sip_msg *msg = rx->msg;
	char extra[192];

	switch (rx->met) {
	case M_OTHER:
		reply_stateless(s, rx, 501, NULL, "Allow: " SIPX_ALLOW "\r\n");
		return true;
	case M_PRACK:
	case M_SUBSCRIBE:
	case M_NOTIFY:
	case M_PUBLISH:
	case M_MESSAGE:
		reply_stateless(s, rx, 405, NULL, "Allow: " SIPX_ALLOW "\r\n");
		return true;
	default:
		break;
	}
	if (rx->met == M_ACK || rx->met == M_CANCEL)
		return false;
	if (pl_strcasecmp(&msg->uri.scheme, "sip") && pl_strcasecmp(&msg->uri.scheme, "sips") &&
	    pl_strcasecmp(&msg->uri.scheme, "tel")) {
		reply_stateless(s, rx, 416, NULL, NULL);
		return true;
	}
	struct unsup_arg u = {{0}, false};
	sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, require_h, &u);
	if (u.any) {
		snprintf(extra, sizeof(extra), "Unsupported: %s\r\n", u.list);
		reply_stateless(s, rx, 420, NULL, extra);
		return true;
	}
	const struct sip_hdr *enc = sip_msg_hdr(msg, SIP_HDR_CONTENT_ENCODING);
	if (enc && rx->blen && pl_strcasecmp(&enc->val, "identity")) {
		reply_stateless(s, rx, 415, NULL, "Accept-Encoding: identity\r\n");
		return true;
	}
	if (rx->blen && (rx->met == M_INVITE || rx->met == M_UPDATE) && !body_is_sdp(rx)) {
		reply_stateless(s, rx, 415, NULL, "Accept: application/sdp\r\n");
		return true;
	}
	return false;
}

static void on_options(struct sipx *s, const struct rx *rx)
{
	reply_stateless(s, rx, 200, NULL,
			"Allow: " SIPX_ALLOW "\r\nAccept: application/sdp\r\n"
			"Accept-Encoding: identity\r\nSupported: " SIPX_SUPPORTED "\r\n");
}

/* --- overload --- */

enum { OVERLOAD_SPAN_MS = 1000 }; /* how long a late datagram speaks for TCP's INVITEs */

/*
 * A new INVITE that waited in the socket buffer longer than callers wait
 * for an answer is refused rather than served late: the caller may already
 * have given up, and starting its call would add music, an agent's ring and
 * their retransmissions to a loop that is already behind. The 503 is sent
 * from a transaction, so retransmissions of the INVITE read later (with a
 * shorter wait) get the same 503 instead of starting the call after all.
 */
static bool overloaded(const struct sipx *s, const struct rx *rx)
{
	if (!s->cfg.overload_wait_ms)
		return false;
	if (rx->tp == SIPX_UDP)
		return rx->waited_us >= 0 &&
		       rx->waited_us > (int64_t)s->cfg.overload_wait_ms * 1000;
	/* A stream carries no receive time per message (libre reads TCP): a TCP
	 * INVITE goes by the UDP socket, read in the same loop. While a datagram
	 * read in the last OVERLOAD_SPAN_MS waited over the limit, the loop is
	 * that far behind for TCP callers too. */
	return s->late_ms && clock_mono_ms() - s->late_ms < OVERLOAD_SPAN_MS;
}

static void shed_invite(struct sipx *s, struct strans *st)
{
	char extra[40];
	s->st.shed++;
	snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", s->cfg.overload_retry_after);
	st_reply(st, 503, NULL, s->cfg.overload_retry_after ? extra : NULL, NULL, NULL, 0);
}

/* --- dispatch --- */

void sipx_recv(struct sipx *s, struct rx *rx)
{
	const struct sip_msg *msg = rx->msg;
	char key[3 * MAX_ID + 32];
	size_t klen = 0; /* set below for every method that gets this far (M_OTHER gets 501) */
	struct strans *st;

	key[0] = '\0';
	if (!msg->req) {
		ct_on_response(s, rx);
		return;
	}

	/* an ACK for a non-2xx final, or a retransmission */
	if (rx->met == M_ACK) {
		klen = st_key(rx, M_INVITE, key, sizeof(key));
		st = st_find(s, key, klen);
		if (st && st->state != ST_ACCEPTED) {
			st_on_retransmission(st, rx);
			return;
		}
		if (pl_isset(&msg->to.tag)) {
			struct rhead h = {0};
			leg_on_request(s, rx, &h, NULL, 0);
		}
		return;
	}
	if (rx->met != M_OTHER) {
		klen = st_key(rx, rx->met, key, sizeof(key));
		st = st_find(s, key, klen);
		if (st) {
			s->st.retransmissions++;
			st_on_retransmission(st, rx);
			return;
		}
	}
	if (check_request(s, rx))
		return;

	bool in_dialog = pl_isset(&msg->to.tag) && rx->met != M_REGISTER && rx->met != M_CANCEL;
	if (rx->met == M_OPTIONS && !in_dialog) {
		on_options(s, rx);
		return;
	}
	if (rx->met == M_CANCEL) {
		char ikey[sizeof(key)];
		size_t iklen = st_key(rx, M_INVITE, ikey, sizeof(ikey));
		struct strans *inv = st_find(s, ikey, iklen);
		if (!inv) {
			reply_stateless(s, rx, 481, NULL, NULL);
			return;
		}
	}
	if (!in_dialog && (rx->met == M_BYE || rx->met == M_UPDATE || rx->met == M_INFO)) {
		reply_stateless(s, rx, 481, NULL, NULL);
		return;
	}
	if (!in_dialog && rx->met == M_REFER) {
		reply_stateless(s, rx, 403, "Out-Of-Dialog REFER Not Supported", NULL);
		return;
	}
	if (s->strans.n + s->ctrans.n >= MAX_TRANSACTIONS) {
		reply_stateless(s, rx, 503, NULL, "Retry-After: 5\r\n");
		return;
	}

	struct rhead h;
	if (bld_head(s, rx, &h))
		return;
	if (in_dialog) {
		if (!leg_on_request(s, rx, &h, key, klen))
			reply_stateless(s, rx, 481, NULL, NULL);
		return;
	}
	st = st_new(s, rx, key, klen);
	if (!st || st_keep_head(st, &h)) {
		if (st)
			st_free(st);
		reply_stateless(s, rx, 500, NULL, NULL);
		return;
	}
	switch (rx->met) {
	case M_CANCEL: {
		char ikey[sizeof(key)];
		size_t iklen = st_key(rx, M_INVITE, ikey, sizeof(ikey));
		struct strans *inv = st_find(s, ikey, iklen);
		if (!bld_resp(s, &h, 200, NULL, st->totag, NULL, NULL, NULL, 0))
			st_send(st, 200);
		if (inv)
			leg_on_cancel(s, inv);
		break;
	}
	case M_REGISTER:
		on_register(s, rx, st);
		break;
	case M_INVITE:
		if (overloaded(s, rx))
			shed_invite(s, st);
		else
			on_invite(s, rx, st);
		break;
	default:
		/* cannot happen: every other method was answered above */
		if (!bld_resp(s, &h, 500, NULL, st->totag, NULL, NULL, NULL, 0))
			st_send(st, 500);
		break;
	}
}
