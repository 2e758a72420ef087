/* sipx_driver: the real SIP stack on libre's loop with a trivial controller, for SIPp tests and benchmarks. */
/*
 * Modes: "echo" answers INVITEs itself (by Request-URI user: echo, echo-later,
 * ring, busy; anything else 404); "b2b" bridges every INVITE to --b2b-target
 * (a SIPp uas as the agent), relaying ringing, answer, failures and hang-ups.
 * stdout: one JSON line per thing that happened (events, bindings, command
 * results); stdin: commands (contacts USER, stats, call TARGET TO FROM,
 * hangup LEG, cancel LEG, reinvite LEG, quit). At exit it reports blocks
 * still allocated and fails when there are any.
 */
#include "sip/sipx.h"
#include "sip/digest.h"
#include "base/mem.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <re.h>

#define MAX_USERS 64
#define MAX_LEGS 4096 /* named legs (echo mode); b2b legs are not named */

struct user {
	char name[SIPX_USER_MAX];
	char ha1[33];
};

struct call; /* b2b: the two legs of one bridged call */

struct legref {
	struct sipx_leg *leg;
	unsigned id;
	struct call *call;
	bool answer_later;
};

struct call {
	struct legref a, b;
	struct call *prev, *next; /* every live call, freed at exit */
};

static struct {
	struct sipx *s;
	bool b2b;
	bool verbose;
	const char *target;
	char realm[64];
	struct user users[MAX_USERS];
	unsigned nusers;
	struct legref *named[MAX_LEGS];
	unsigned next_id;
	struct tmr later;
	struct mbuf *in;
	uint64_t calls, bridged, failed;
	struct call *live;
} g;

static const char answer_sdp[] = "v=0\r\n"
				 "o=sb 1 1 IN IP4 127.0.0.1\r\n"
				 "s=-\r\n"
				 "c=IN IP4 127.0.0.1\r\n"
				 "t=0 0\r\n"
				 "m=audio 6000 RTP/AVP 0\r\n"
				 "a=rtpmap:0 PCMU/8000\r\n";
static const char reoffer_sdp[] = "v=0\r\n"
				  "o=sb 1 2 IN IP4 127.0.0.1\r\n"
				  "s=-\r\n"
				  "c=IN IP4 127.0.0.1\r\n"
				  "t=0 0\r\n"
				  "m=audio 6000 RTP/AVP 0\r\n"
				  "a=sendonly\r\n";

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* JSON string content: the stack's strings have no control characters; escape quotes. */
static const char *js(const char *in, char *buf, size_t size)
{
	size_t o = 0;
	for (; *in && o + 3 < size; in++) {
		if (*in == '"' || *in == '\\')
			buf[o++] = '\\';
		buf[o++] = (unsigned char)*in < 0x20 ? '?' : *in;
	}
	buf[o] = '\0';
	return buf;
}

static struct legref *legref_new(struct sipx_leg *leg)
{
	struct legref *r = sb_zalloc(sizeof(*r));
	if (!r)
		return NULL;
	r->leg = leg;
	for (unsigned i = 0; i < MAX_LEGS; i++) {
		unsigned id = (g.next_id + i) % MAX_LEGS;
		if (!g.named[id]) {
			g.named[id] = r;
			r->id = id + 1;
			g.next_id = id + 1;
			break;
		}
	}
	sipx_leg_set_arg(leg, r);
	return r;
}

static void legref_release(struct legref *r)
{
	if (r->id)
		g.named[r->id - 1] = NULL;
	sipx_leg_release(r->leg);
	sb_free(r);
}

static struct legref *legref_get(unsigned id)
{
	return id >= 1 && id <= MAX_LEGS ? g.named[id - 1] : NULL;
}

static int credentials_h(void *arg, const char *user, char realm[64], char ha1[33])
{
	(void)arg;
	for (unsigned i = 0; i < g.nusers; i++)
		if (!strcmp(g.users[i].name, user)) {
			snprintf(realm, 64, "%s", g.realm);
			memcpy(ha1, g.users[i].ha1, 33);
			return 0;
		}
	return ENOENT;
}

static void binding_h(void *arg, const char *user, unsigned contacts)
{
	char b[128];
	(void)arg;
	out("{\"ev\":\"binding\",\"user\":\"%s\",\"contacts\":%u}", js(user, b, sizeof(b)), contacts);
}

/* --- echo mode --- */

static void later_h(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < MAX_LEGS; i++) {
		struct legref *r = g.named[i];
		if (r && r->answer_later) {
			r->answer_later = false;
			sipx_leg_answer(r->leg, answer_sdp, sizeof(answer_sdp) - 1);
		}
	}
}

static void echo_invite(struct sipx_leg *leg, const struct sipx_invite *inv)
{
	struct legref *r = legref_new(leg);
	char b1[256], b2[256], b3[256];
	if (!r) {
		sipx_leg_reject(leg, 500, NULL);
		sipx_leg_release(leg);
		return;
	}
	out("{\"ev\":\"invite\",\"leg\":%u,\"ruri\":\"%s\",\"from\":\"%s\",\"name\":\"%s\","
	    "\"auth\":%s,\"transport\":\"%s\",\"sdp\":%s,\"callid\":\"%s\"}",
	    r->id, js(inv->ruri_user, b1, sizeof(b1)), js(inv->from_user, b2, sizeof(b2)),
	    js(inv->from_name, b3, sizeof(b3)), inv->authenticated ? "true" : "false",
	    inv->transport == SIPX_TCP ? "tcp" : "udp", inv->sdp ? "true" : "false",
	    sipx_leg_callid(leg));
	if (!strcmp(inv->ruri_user, "echo")) {
		sipx_leg_ringing(leg, NULL, 0);
		sipx_leg_answer(leg, answer_sdp, sizeof(answer_sdp) - 1);
	} else if (!strcmp(inv->ruri_user, "echo-later")) {
		r->answer_later = true;
		tmr_start(&g.later, 300, later_h, NULL);
	} else if (!strcmp(inv->ruri_user, "ring")) {
		sipx_leg_ringing(leg, NULL, 0);
	} else if (!strcmp(inv->ruri_user, "busy")) {
		sipx_leg_reject(leg, 486, NULL);
	} else {
		sipx_leg_reject(leg, 404, NULL);
	}
}

static const char *ev_name(enum sipx_event ev)
{
	switch (ev) {
	case SIPX_EV_RINGING: return "RINGING";
	case SIPX_EV_ANSWERED: return "ANSWERED";
	case SIPX_EV_FAILED: return "FAILED";
	case SIPX_EV_CONFIRMED: return "CONFIRMED";
	case SIPX_EV_CANCELLED: return "CANCELLED";
	case SIPX_EV_BYE: return "BYE";
	case SIPX_EV_ENDED: return "ENDED";
	case SIPX_EV_REINVITE: return "REINVITE";
	case SIPX_EV_INFO: return "INFO";
	case SIPX_EV_REFER: return "REFER";
	default: return "?";
	}
}

static bool is_terminal(enum sipx_event ev)
{
	return ev == SIPX_EV_FAILED || ev == SIPX_EV_CANCELLED || ev == SIPX_EV_BYE ||
	       ev == SIPX_EV_ENDED;
}

static void echo_event(struct sipx_leg *leg, const struct sipx_event_info *ei)
{
	struct legref *r = sipx_leg_arg(leg);
	char b1[128], b2[SIPX_URI_MAX * 2];
	out("{\"ev\":\"leg\",\"leg\":%u,\"type\":\"%s\",\"code\":%u,\"reason\":\"%s\",\"sdp\":%s,"
	    "\"digit\":\"%c\",\"target\":\"%s\"}",
	    r ? r->id : 0, ev_name(ei->ev), ei->code, js(ei->reason, b1, sizeof(b1)),
	    ei->sdp ? "true" : "false", ei->digit ? ei->digit : '-', js(ei->target, b2, sizeof(b2)));
	if (ei->ev == SIPX_EV_REINVITE)
		sipx_leg_reinvite_answer(leg, 200, answer_sdp, sizeof(answer_sdp) - 1);
	if (is_terminal(ei->ev) && r)
		legref_release(r);
}

/* --- b2b mode --- */

static void call_free(struct call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		g.live = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->a.leg)
		sipx_leg_release(c->a.leg);
	if (c->b.leg)
		sipx_leg_release(c->b.leg);
	sb_free(c);
}

static void b2b_invite(struct sipx_leg *leg, const struct sipx_invite *inv)
{
	struct call *c = sb_zalloc(sizeof(*c));
	g.calls++;
	if (!c) {
		sipx_leg_reject(leg, 500, NULL);
		sipx_leg_release(leg);
		return;
	}
	c->next = g.live;
	if (g.live)
		g.live->prev = c;
	g.live = c;
	c->a.leg = leg;
	c->a.call = c;
	c->b.call = c;
	sipx_leg_set_arg(leg, &c->a);
	struct sipx_call_params p = {
		.target = g.target,
		.to_user = inv->ruri_user[0] ? inv->ruri_user : "agent",
		.from_user = inv->from_user[0] ? inv->from_user : "anonymous",
		.from_name = inv->from_name,
		.sdp = inv->sdp ? inv->sdp : answer_sdp,
		.sdp_len = inv->sdp ? inv->sdp_len : sizeof(answer_sdp) - 1,
		.timeout_s = 60,
	};
	int err = sipx_call(&c->b.leg, g.s, &p);
	if (err) {
		g.failed++;
		sipx_leg_reject(leg, 503, NULL);
		c->b.leg = NULL;
		call_free(c);
		return;
	}
	sipx_leg_set_arg(c->b.leg, &c->b);
}

static void b2b_event(struct sipx_leg *leg, const struct sipx_event_info *ei)
{
	struct legref *r = sipx_leg_arg(leg);
	struct call *c = r->call;
	bool is_a = r == &c->a;
	if (g.verbose)
		out("{\"ev\":\"leg\",\"side\":\"%s\",\"type\":\"%s\",\"code\":%u}", is_a ? "a" : "b",
		    ev_name(ei->ev), ei->code);
	switch (ei->ev) {
	case SIPX_EV_RINGING:
		if (c->a.leg)
			sipx_leg_ringing(c->a.leg, ei->sdp, ei->sdp_len);
		return;
	case SIPX_EV_ANSWERED:
		if (!is_a && c->a.leg && ei->code < 300) {
			if (sipx_leg_answer(c->a.leg, ei->sdp, ei->sdp_len))
				sipx_leg_hangup(leg);
			else
				g.bridged++;
		}
		return;
	case SIPX_EV_FAILED:
		g.failed++;
		if (c->a.leg)
			sipx_leg_reject(c->a.leg, ei->code >= 300 ? ei->code : 480, NULL);
		break;
	case SIPX_EV_REINVITE:
		/* a refresh with a new offer from either side: answer with what we answered before */
		sipx_leg_reinvite_answer(leg, 200, answer_sdp, sizeof(answer_sdp) - 1);
		return;
	case SIPX_EV_CONFIRMED:
	case SIPX_EV_INFO:
	case SIPX_EV_REFER:
		return;
	default:
		break;
	}
	/* the end of either leg ends the call: releasing a live leg hangs it up */
	if (is_a)
		c->a.leg = NULL;
	else
		c->b.leg = NULL;
	sipx_leg_release(leg);
	call_free(c);
}

static void invite_h(void *arg, struct sipx_leg *leg, const struct sipx_invite *inv)
{
	(void)arg;
	if (g.b2b)
		b2b_invite(leg, inv);
	else
		echo_invite(leg, inv);
}

static void event_h(void *arg, struct sipx_leg *leg, const struct sipx_event_info *ei)
{
	(void)arg;
	if (g.b2b)
		b2b_event(leg, ei);
	else
		echo_event(leg, ei);
}

/* --- commands on stdin --- */

static void cmd_stats(void)
{
	struct sipx_stats st;
	sipx_stats(g.s, &st);
	out("{\"ev\":\"stats\",\"rx\":%llu,\"tx\":%llu,\"malformed\":%llu,\"retransmissions\":%llu,"
	    "\"transactions\":%llu,\"legs\":%llu,\"registrations\":%llu,\"auth_failures\":%llu,"
	    "\"calls\":%llu,\"bridged\":%llu,\"failed\":%llu,\"shed\":%llu,\"max_wait_us\":%llu,"
	    "\"blocks\":%ld}",
	    (unsigned long long)st.rx, (unsigned long long)st.tx, (unsigned long long)st.malformed,
	    (unsigned long long)st.retransmissions, (unsigned long long)st.transactions,
	    (unsigned long long)st.legs, (unsigned long long)st.registrations,
	    (unsigned long long)st.auth_failures, (unsigned long long)g.calls,
	    (unsigned long long)g.bridged, (unsigned long long)g.failed, (unsigned long long)st.shed,
	    (unsigned long long)st.max_wait_us, sb_mem_outstanding());
}

static void cmd_contacts(const char *user)
{
	char uris[16][SIPX_URI_MAX];
	char b[SIPX_URI_MAX * 2];
	unsigned n = sipx_contacts(g.s, user, uris, 16);
	printf("{\"ev\":\"contacts\",\"user\":\"%s\",\"uris\":[", js(user, b, sizeof(b)));
	for (unsigned i = 0; i < n; i++)
		printf("%s\"%s\"", i ? "," : "", js(uris[i], b, sizeof(b)));
	out("]}");
}

static void cmd_call(char *args)
{
	char *target = strsep(&args, " ");
	char *to = args ? strsep(&args, " ") : NULL;
	char *from = args ? strsep(&args, " ") : NULL;
	char *timeout = args ? strsep(&args, " ") : NULL;
	struct sipx_leg *leg;
	struct sipx_call_params p = {
		.target = target,
		.to_user = to,
		.from_user = from ? from : "switchboard",
		.from_name = "Test \"Caller\"",
		.sdp = answer_sdp,
		.sdp_len = sizeof(answer_sdp) - 1,
		.timeout_s = timeout ? (unsigned)strtoul(timeout, NULL, 10) : 0,
	};
	int err = target ? sipx_call(&leg, g.s, &p) : EINVAL;
	if (err) {
		out("{\"ev\":\"called\",\"error\":%d}", err);
		return;
	}
	struct legref *r = legref_new(leg);
	out("{\"ev\":\"called\",\"leg\":%u,\"callid\":\"%s\"}", r ? r->id : 0, sipx_leg_callid(leg));
}

static void command(char *line)
{
	char *args = line;
	char *cmd = strsep(&args, " ");
	unsigned id = args ? (unsigned)strtoul(args, NULL, 10) : 0;
	struct legref *r = legref_get(id);
	int err = 0;
	if (!strcmp(cmd, "quit")) {
		re_cancel();
	} else if (!strcmp(cmd, "stats")) {
		cmd_stats();
	} else if (!strcmp(cmd, "contacts") && args) {
		cmd_contacts(args);
	} else if (!strcmp(cmd, "call")) {
		cmd_call(args);
	} else if (!strcmp(cmd, "hangup")) {
		err = r ? sipx_leg_hangup(r->leg) : ENOENT;
		out("{\"ev\":\"done\",\"cmd\":\"hangup\",\"error\":%d}", err);
	} else if (!strcmp(cmd, "cancel")) {
		err = r ? sipx_leg_cancel(r->leg) : ENOENT;
		out("{\"ev\":\"done\",\"cmd\":\"cancel\",\"error\":%d}", err);
	} else if (!strcmp(cmd, "reinvite")) {
		err = r ? sipx_leg_reinvite(r->leg, reoffer_sdp, sizeof(reoffer_sdp) - 1) : ENOENT;
		out("{\"ev\":\"done\",\"cmd\":\"reinvite\",\"error\":%d}", err);
	} else if (!strcmp(cmd, "release")) {
		if (r)
			legref_release(r);
		out("{\"ev\":\"done\",\"cmd\":\"release\",\"error\":%d}", r ? 0 : ENOENT);
	} else {
		out("{\"ev\":\"error\",\"what\":\"unknown command\"}");
	}
}

static void stdin_h(int flags, void *arg)
{
	char buf[1024];
	(void)flags;
	(void)arg;
	ssize_t n = read(0, buf, sizeof(buf));
	if (n <= 0) {
		re_cancel(); /* the test runner went away */
		return;
	}
	mbuf_write_mem(g.in, (const uint8_t *)buf, (size_t)n);
	for (;;) {
		char *start = (char *)g.in->buf;
		char *nl = memchr(start, '\n', g.in->end);
		if (!nl)
			break;
		*nl = '\0';
		if (nl > start && nl[-1] == '\r')
			nl[-1] = '\0';
		char line[1024];
		snprintf(line, sizeof(line), "%s", start);
		size_t used = (size_t)(nl - start) + 1;
		memmove(g.in->buf, g.in->buf + used, g.in->end - used);
		g.in->end -= used;
		g.in->pos = 0;
		if (line[0])
			command(line);
	}
}

static void signal_h(int sig)
{
	(void)sig;
	re_cancel();
}

static unsigned num(const char *v)
{
	char *end;
	unsigned long x = strtoul(v, &end, 10);
	if (*end || x > 100000000UL) {
		fprintf(stderr, "sipx_driver: bad number %s\n", v);
		exit(2);
	}
	return (unsigned)x;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sipx_driver [--udp ADDR] [--tcp ADDR] [--mode echo|b2b] [--b2b-target URI]\n"
		"  [--user EXT:PASSWORD]... [--realm R] [--reg-min S] [--reg-max S] [--reg-default S]\n"
		"  [--max-contacts N] [--session-expires S] [--min-se S] [--nonce-ttl S]\n"
		"  [--auth-free N] [--auth-base-ms MS] [--auth-cap-ms MS] [--auth-forget S]\n"
		"  [--max-message BYTES] [--max-headers N] [--overload-wait-ms MS] [--retry-after S]\n"
		"  [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sipx_config cfg;
	sipx_config_default(&cfg);
	cfg.udp_addr = NULL;
	snprintf(g.realm, sizeof(g.realm), "switchboard");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--verbose")) {
			g.verbose = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--udp"))
			cfg.udp_addr = v;
		else if (!strcmp(a, "--tcp"))
			cfg.tcp_addr = v;
		else if (!strcmp(a, "--mode"))
			g.b2b = !strcmp(v, "b2b");
		else if (!strcmp(a, "--b2b-target"))
			g.target = v;
		else if (!strcmp(a, "--realm"))
			snprintf(g.realm, sizeof(g.realm), "%s", v);
		else if (!strcmp(a, "--user")) {
			const char *colon = strchr(v, ':');
			if (!colon || g.nusers >= MAX_USERS || (size_t)(colon - v) >= SIPX_USER_MAX)
				usage();
			struct user *u = &g.users[g.nusers++];
			snprintf(u->name, sizeof(u->name), "%.*s", (int)(colon - v), v);
		} else if (!strcmp(a, "--reg-min"))
			cfg.reg_min_expires = num(v);
		else if (!strcmp(a, "--reg-max"))
			cfg.reg_max_expires = num(v);
		else if (!strcmp(a, "--reg-default"))
			cfg.reg_default_expires = num(v);
		else if (!strcmp(a, "--max-contacts"))
			cfg.max_contacts = num(v);
		else if (!strcmp(a, "--session-expires"))
			cfg.session_expires = num(v);
		else if (!strcmp(a, "--min-se"))
			cfg.min_se = num(v);
		else if (!strcmp(a, "--nonce-ttl"))
			cfg.nonce_ttl = num(v);
		else if (!strcmp(a, "--auth-free"))
			cfg.auth_free_failures = num(v);
		else if (!strcmp(a, "--auth-base-ms"))
			cfg.auth_backoff_ms = num(v);
		else if (!strcmp(a, "--auth-cap-ms"))
			cfg.auth_backoff_cap_ms = num(v);
		else if (!strcmp(a, "--auth-forget"))
			cfg.auth_forget_s = num(v);
		else if (!strcmp(a, "--max-message"))
			cfg.max_message = num(v);
		else if (!strcmp(a, "--max-headers"))
			cfg.max_headers = num(v);
		else if (!strcmp(a, "--overload-wait-ms"))
			cfg.overload_wait_ms = num(v);
		else if (!strcmp(a, "--retry-after"))
			cfg.overload_retry_after = num(v);
		else
			usage();
	}
	if (g.b2b && !g.target)
		usage();
	/* passwords become HA1 now: the stack only ever sees HA1 */
	for (int i = 1, k = 0; i < argc; i++)
		if (!strcmp(argv[i], "--user") && i + 1 < argc) {
			const char *colon = strchr(argv[i + 1], ':');
			digest_ha1(g.users[k].ha1, g.users[k].name, g.realm, colon + 1);
			k++;
			i++;
		}
	cfg.realm = g.realm;
	cfg.user_agent = "switchboard-test";
	cfg.invite = invite_h;
	cfg.event = event_h;
	cfg.credentials = credentials_h;
	cfg.binding = binding_h;

	signal(SIGPIPE, SIG_IGN);
	if (libre_init()) {
		fprintf(stderr, "sipx_driver: libre_init failed\n");
		return 1;
	}
	fd_setsize(65536);
	tmr_init(&g.later);
	g.in = mbuf_alloc(1024);
	int err = sipx_alloc(&g.s, &cfg);
	if (err) {
		fprintf(stderr, "sipx_driver: sipx_alloc: %s\n", strerror(err));
		mem_deref(g.in);
		libre_close();
		return 1;
	}
	fd_listen(0, FD_READ, stdin_h, NULL);
	out("{\"ev\":\"ready\",\"udp\":%u,\"tcp\":%u}", sipx_port(g.s, SIPX_UDP),
	    sipx_port(g.s, SIPX_TCP));
	re_main(signal_h);
	fd_close(0);
	tmr_cancel(&g.later);
	cmd_stats();
	for (unsigned i = 0; i < MAX_LEGS; i++)
		if (g.named[i]) {
			sb_free(g.named[i]);
			g.named[i] = NULL;
		}
	sipx_free(g.s);
	while (g.live) {
		struct call *c = g.live;
		g.live = c->next;
		sb_free(c);
	}
	mem_deref(g.in);
	libre_close();
	long left = sb_mem_outstanding();
	if (left) {
		fprintf(stderr, "sipx_driver: %ld block(s) still allocated at exit\n", left);
		return 3;
	}
	return 0;
}
