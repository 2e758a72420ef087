/* harness: what each SIP fuzz target does with one input; shared by the libFuzzer targets and the corpus unit test. */
#ifndef SB_TESTS_FUZZ_HARNESS_H
#define SB_TESTS_FUZZ_HARNESS_H

/*
 * scan:   raw framing and byte checks (sip/scan.c)
 * digest: Authorization header parsing, verification and nonce checks (sip/digest.c)
 * stack:  one UDP datagram through the whole receive path of a live stack
 *         (our checks, libre's parser, transactions, dialogs, registrar, digest,
 *         session timers), with a controller that answers, rejects, rings or
 *         places calls depending on the Request-URI user. Time is advanced by
 *         hand so transactions and legs come and go.
 */

#include "sip/core.h"
#include "sip/scan.h"
#include "sip/digest.h"
#include "base/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline void fuzz_scan_one(const uint8_t *data, size_t size)
{
	struct sipscan sc;
	int err = sipscan_head((const char *)data, size, &sc);
	if (!err) {
		if (sc.head_end > size || sc.start >= sc.head_end)
			__builtin_trap();
		if (!sc.bad_clen && sc.clen > SIPSCAN_CLEN_MAX)
			__builtin_trap();
	}
	(void)sipscan_addr_ok((const char *)data, size);
}

static inline void fuzz_digest_one(const uint8_t *data, size_t size)
{
	struct digest_cred c;
	static const uint8_t key[DIGEST_KEY_LEN] = {1, 2, 3};
	char ha1[33];
	if (digest_parse(&c, (const char *)data, size) == 0) {
		if (strlen(c.response) != 32)
			__builtin_trap();
		digest_ha1(ha1, c.username, c.realm, "secret");
		(void)digest_verify(&c, ha1, "REGISTER");
		(void)digest_nonce_check(c.nonce, key, 1000, 300, "ip", 2);
	}
	char n[DIGEST_NONCE_LEN + 1];
	size_t k = size < DIGEST_NONCE_LEN ? size : DIGEST_NONCE_LEN;
	memcpy(n, data, k);
	n[k] = '\0';
	(void)digest_nonce_check(n, key, 1000, 300, "ip", 2);
}

/* --- the whole stack --- */

static struct sipx *fuzz_s;
static unsigned fuzz_inputs;

static int fuzz_credentials(void *arg, const char *user, char realm[64], char ha1[33])
{
	(void)arg;
	if (strcmp(user, "1001") && strcmp(user, "1002"))
		return ENOENT;
	snprintf(realm, 64, "switchboard");
	digest_ha1(ha1, user, "switchboard", "secret");
	return 0;
}

static const char fuzz_sdp[] = "v=0\r\no=f 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			       "t=0 0\r\nm=audio 9 RTP/AVP 0\r\n";

static void fuzz_invite(void *arg, struct sipx_leg *leg, const struct sipx_invite *inv)
{
	(void)arg;
	switch (inv->ruri_user[0]) {
	case 'a':
		sipx_leg_answer(leg, fuzz_sdp, sizeof(fuzz_sdp) - 1);
		break;
	case 'r':
		sipx_leg_reject(leg, 486, "Busy");
		sipx_leg_release(leg);
		break;
	case 'g':
		sipx_leg_ringing(leg, inv->sdp, inv->sdp_len);
		break;
	case 'c': {
		struct sipx_leg *out;
		struct sipx_call_params p = {.target = "sip:agent@127.0.0.1:9",
					     .to_user = "agent",
					     .from_user = inv->from_user[0] ? inv->from_user : "x",
					     .from_name = inv->from_name,
					     .sdp = fuzz_sdp,
					     .sdp_len = sizeof(fuzz_sdp) - 1};
		if (!sipx_call(&out, fuzz_s, &p))
			sipx_leg_release(out);
		sipx_leg_release(leg);
		break;
	}
	case 'x':
		sipx_leg_release(leg);
		break;
	default:
		break; /* left pending: the caller's CANCEL or our shutdown ends it */
	}
}

static void fuzz_event(void *arg, struct sipx_leg *leg, const struct sipx_event_info *ei)
{
	(void)arg;
	switch (ei->ev) {
	case SIPX_EV_REINVITE:
		sipx_leg_reinvite_answer(leg, 200, fuzz_sdp, sizeof(fuzz_sdp) - 1);
		break;
	case SIPX_EV_CONFIRMED:
		if (ei->sdp && ei->sdp_len > 1 && ei->sdp[0] == 'h')
			sipx_leg_hangup(leg);
		break;
	case SIPX_EV_FAILED:
	case SIPX_EV_CANCELLED:
	case SIPX_EV_BYE:
	case SIPX_EV_ENDED:
		sipx_leg_release(leg);
		break;
	default:
		break;
	}
}

static inline int fuzz_stack_init(void)
{
	struct sipx_config cfg;
	sipx_config_default(&cfg);
	cfg.udp_addr = "127.0.0.1:0";
	cfg.reg_min_expires = 1;
	cfg.min_se = 1;
	cfg.invite = fuzz_invite;
	cfg.event = fuzz_event;
	cfg.credentials = fuzz_credentials;
	return sipx_alloc(&fuzz_s, &cfg);
}

static inline void fuzz_stack_one(const uint8_t *data, size_t size)
{
	struct sipx *s = fuzz_s;
	struct sa src;
	struct mbuf *mb = mbuf_alloc(size ? size : 1);
	if (!mb)
		return;
	mbuf_write_mem(mb, data, size);
	mb->pos = 0;
	sa_set_str(&src, "127.0.0.1", 9);
	sipx_enter(s);
	if (size <= s->cfg.max_message)
		tp_input(s, mb, SIPX_UDP, &src, NULL);
	/* time goes on: every few inputs a second, now and then a minute */
	if (++fuzz_inputs % 16 == 0)
		wheel_advance(s->wheel, wheel_now(s->wheel) + 1000);
	if (fuzz_inputs % 512 == 0)
		wheel_advance(s->wheel, wheel_now(s->wheel) + 70000);
	sipx_leave(s);
	mem_deref(mb);
}

static inline void fuzz_stack_fini(void)
{
	sipx_free(fuzz_s);
	fuzz_s = NULL;
}

#endif
