/* serve: `switchboard serve`: flags, the libre loop, wiring, clean shutdown. */
#include "server/serve.h"
#include "server/config.h"
#include "server/center.h"
#include "server/api.h"
#include "server/traffic.h"
#include "server/telephony.h"
#include "server/session_keep.h"
#include "store/store.h"
#include "base/clock.h"
#include "http/auth.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/sse.h"
#include "http/static.h"
#include "http/users.h"
#include "base/mem.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <re.h>

struct daemon {
	struct serve_config cfg;
	char *tls_cert, *tls_key; /* PEM contents */
	struct metrics *metrics;
	struct userdir *users;
	struct http_server *http;
	struct sse_hub *hub;
	struct poster *poster;
	struct store *store;
	struct center *center;
	struct traffic *traffic; /* --demo-traffic */
	struct telephony *tel;	 /* SIP calls (--sip) */
	struct auth *auth;
	struct api *api; /* the resources under /api/v1 */
	struct ops *ops;
	struct http_static *web; /* web/ and the npm files it uses */
	int sigfd;
	bool stopping;
};

/* Creates dir and its missing parents; fails unless it ends up a writable directory. */
static int mkdir_p(const char *dir)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s", dir);
	if (n <= 0 || (size_t)n >= sizeof(path))
		return ENAMETOOLONG;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		return errno;
	struct stat st;
	if (stat(path, &st) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;
	if (access(path, W_OK | X_OK) != 0)
		return errno;
	return 0;
}

static int slurp(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno;
	size_t cap = 1 << 20;
	char *buf = sb_alloc(cap + 1);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}
	size_t n = fread(buf, 1, cap + 1, f);
	int err = ferror(f) ? EIO : (n > cap ? EFBIG : (n == 0 ? ENODATA : 0));
	fclose(f);
	if (err) {
		sb_free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static void on_drained(void *arg)
{
	(void)arg;
	re_cancel();
}

static void on_signal(int flags, void *arg)
{
	(void)flags;
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	ssize_t n = read(d->sigfd, &si, sizeof(si));
	if (n != (ssize_t)sizeof(si))
		return;
	if (d->stopping) {
		re_cancel(); /* a second signal: stop now */
		return;
	}
	d->stopping = true;
	fprintf(stderr, "switchboard: %s: stopping\n", strsignal((int)si.ssi_signo));
	http_server_shutdown(d->http, 2000, on_drained, d);
}

/* The web application's directory and the npm files it uses (SB_WEB_DIR, SB_NODE_MODULES). */
static int start_web(struct daemon *d)
{
	const char *web = getenv("SB_WEB_DIR");
	const char *nm = getenv("SB_NODE_MODULES");
	char uplot[4200];
	snprintf(uplot, sizeof(uplot), "%s/uplot/dist",
		 nm && *nm ? nm : SB_SOURCE_ROOT "/node_modules");
	static const char *const uplot_files[] = {"uPlot.esm.js", "uPlot.min.css", NULL};
	const struct http_static_mount mounts[] = {{"uplot", uplot, uplot_files}};
	struct http_static_config wc = {
	    .root = web && *web ? web : SB_SOURCE_ROOT "/web",
	    .mounts = mounts,
	    .n_mounts = 1,
	};
	return http_static_start(&d->web, d->http, &wc);
}

static bool check_loop(void *arg, char *detail, size_t len)
{
	(void)arg;
	(void)detail;
	(void)len;
	return true; /* answering at all proves the loop turns */
}

/* The store's commit hook, on the loop (through the poster): the center may not exist yet. */
static void on_committed(uint64_t seq, void *arg)
{
	struct daemon *d = arg;
	if (d->center)
		center_store_committed(seq, d->center);
}

static bool check_store(void *arg, char *detail, size_t len)
{
	struct daemon *d = arg;
	uint64_t lag = center_last_seq(d->center) - center_committed_seq(d->center);
	snprintf(detail, len, "event log: %llu numbered, %llu committed",
		 (unsigned long long)center_last_seq(d->center),
		 (unsigned long long)center_committed_seq(d->center));
	return lag < 100000;
}

/* The SSE hub's replay source: pages of the event log. */
struct replay_req {
	struct daemon *d;
	uint64_t ticket, before;
};

static void on_replay_page(int err, struct store_rs *rs, void *arg)
{
	struct replay_req *r = arg;
	struct daemon *d = r->d;
	unsigned n = err ? 0 : store_rs_rows(rs);
	for (unsigned i = 0; i < n && d->hub; i++) {
		struct store_event se;
		if (store_event_get(rs, i, &se) != 0 || se.seq >= r->before)
			break;
		char *data = NULL;
		if (!se.data) {
			/* ACD events are stored in columns: rebuild their JSON */
			data = center_event_json(&se.ev, se.seq);
		}
		struct sse_event ev = {
		    .seq = se.seq,
		    .ts_ms = se.ev.time,
		    .type = se.kind,
		    .data = data      ? data
			    : se.data ? se.data
				      : "{}",
		};
		center_event_scope(d->center, &se, &ev.client_id, &ev.team_id, &ev.agent_id,
				   &ev.user_id, &ev.roles);
		sse_hub_replay_push(d->hub, r->ticket, &ev);
		sb_free(data);
	}
	if (d->hub)
		sse_hub_replay_end(d->hub, r->ticket, err);
	sb_free(r);
}

static int replay_fetch(void *arg, uint64_t ticket, uint64_t after, uint64_t before, unsigned max)
{
	struct daemon *d = arg;
	struct replay_req *r = sb_zalloc(sizeof(*r));
	if (!r)
		return ENOMEM;
	*r = (struct replay_req){d, ticket, before};
	int err = store_events_read(d->store, after, 0, max ? max : 1, on_replay_page, r);
	if (err)
		sb_free(r);
	return err;
}

static int open_storage(struct daemon *d)
{
	const struct serve_config *c = &d->cfg;
	char path[4200];
	snprintf(path, sizeof(path), "%s/switchboard.db", c->data_dir);
	struct store_config sc;
	store_config_default(&sc);
	sc.path = path;
	sc.post = poster_post;
	sc.post_arg = d->poster;
	sc.committed = on_committed;
	sc.committed_arg = d;
	int err = store_open(&d->store, &sc);
	if (err) {
		fprintf(stderr, "switchboard serve: %s: %s\n", path, strerror(err));
		return err;
	}
	if (c->demo) {
		bool seeded = false;
		if ((err = demo_seed(d->store, (int)c->pwhash_cost, clock_wall_ms(), &seeded)))
			return err;
		if (seeded)
			fprintf(stderr, "switchboard: seeded the demo center in %s\n", path);
	}
	struct center_config cc;
	center_config_default(&cc);
	cc.store = d->store;
	cc.hub = d->hub;
	cc.metrics = d->metrics;
	cc.users = d->users;
	if ((err = center_open(&d->center, &cc))) {
		fprintf(stderr, "switchboard serve: loading the center: %s\n", strerror(err));
		return err;
	}
	struct sse_replay rp = {replay_fetch, d};
	sse_hub_set_replay(d->hub, &rp);
	return 0;
}

/* SIP overload (docs/internals/sip.md): new INVITEs shed with 503, longest socket wait. */
static void collect_sip_shed(struct metrics_out *out, void *arg)
{
	struct daemon *d = arg;
	uint64_t shed = 0, wait_us = 0;
	if (d->tel)
		telephony_sip_load(d->tel, &shed, &wait_us);
	metrics_sample(out, (double)shed, NULL);
}

static void collect_sip_wait(struct metrics_out *out, void *arg)
{
	struct daemon *d = arg;
	uint64_t shed = 0, wait_us = 0;
	if (d->tel)
		telephony_sip_load(d->tel, &shed, &wait_us);
	metrics_sample(out, (double)wait_us / 1e6, NULL);
}

/* The call controller: SIP (UDP and TCP) on --sip, RTP on the same address. */
static int start_telephony(struct daemon *d)
{
	const struct serve_addr *a = &d->cfg.sip;
	char addr[SERVE_ADDR_MAX + 16];
	snprintf(addr, sizeof(addr), "%s%s%s:%u", a->v6 ? "[" : "", a->host, a->v6 ? "]" : "",
		 a->port);
	struct telephony_config tc;
	telephony_config_default(&tc);
	tc.sip_addr = addr;
	tc.reg_min_expires = d->cfg.sip_min_expires;
	tc.sip_overload_wait_ms = d->cfg.sip_overload_wait_ms;
	tc.rtp_min = d->cfg.rtp_port_min;
	tc.rtp_max = d->cfg.rtp_port_max;
	tc.data_dir = d->cfg.data_dir; /* call recordings (tel_rec.c) */
	tc.store = d->store;
	tc.rec_sweep_ms = d->cfg.rec_sweep_ms;
	tc.rec_day_ms = d->cfg.rec_day_ms;
	char trunk[SERVE_ADDR_MAX + 16];
	if (d->cfg.trunk_given) {
		const struct serve_addr *ta = &d->cfg.trunk;
		snprintf(trunk, sizeof(trunk), "%s%s%s:%u", ta->v6 ? "[" : "", ta->host,
			 ta->v6 ? "]" : "", ta->port);
		tc.trunk_addr = trunk;
	}
	int err = telephony_start(&d->tel, d->center, &tc);
	if (err == EADDRINUSE && !d->cfg.sip_given) {
		/* the default port is taken (another daemon, a PBX): run without phones */
		fprintf(stderr,
			"switchboard: SIP address %s is in use: no telephony (choose one with "
			"--sip ADDR:PORT)\n",
			addr);
		d->tel = NULL;
		return 0;
	}
	if (err)
		fprintf(stderr, "switchboard serve: cannot serve SIP on %s: %s\n", addr,
			strerror(err));
	return err;
}

static int wire(struct daemon *d)
{
	const struct serve_config *c = &d->cfg;
	int err;
	if ((err = metrics_alloc(&d->metrics)) || (err = userdir_alloc(&d->users)))
		return err;
	struct http_config hc;
	http_config_defaults(&hc);
	hc.addr = c->http.host;
	hc.port = c->http.port;
	hc.tls_cert = d->tls_cert;
	hc.tls_key = d->tls_key;
	hc.max_connections = c->max_connections;
	hc.max_body = c->max_body;
	hc.idle_timeout_s = c->idle_timeout_s;
	hc.api_title = "switchboard";
	hc.api_version = SB_VERSION;
	if ((err = http_server_alloc(&d->http, &hc, d->metrics)))
		return err;
	struct sse_config sc;
	sse_config_defaults(&sc);
	sc.heartbeat_ms = c->sse_heartbeat_ms;
	sc.ring_size = c->sse_ring;
	if ((err = sse_hub_alloc(&d->hub, &sc, d->http, d->users)) ||
	    (err = poster_alloc(&d->poster)))
		return err;
	if (!c->list_routes && (err = open_storage(d)))
		return err;
	struct auth_config ac;
	auth_config_defaults(&ac);
	ac.session_idle_ms = c->session_idle_ms;
	ac.session_max_ms = c->session_max_ms;
	ac.per_user_addr.base_ms = ac.per_addr.base_ms = c->login_backoff_base_ms;
	ac.per_user_addr.cap_ms = ac.per_addr.cap_ms = c->login_backoff_cap_ms;
	ac.max_failure_delay_ms = c->login_max_failure_delay_ms;
	ac.pwhash_threads = c->pwhash_threads;
	ac.cost = c->pwhash_cost;
	if ((err = auth_alloc(&d->auth, &ac, d->http, d->users, d->hub, poster_post, d->poster)))
		return err;
	if (d->center)
		auth_set_audit(d->auth, evlog_audit, d->center);
	if (d->store && (err = session_keep_start(d->store, d->auth, d->users, c->session_idle_ms,
						  c->session_max_ms)))
		return err;
	if (d->center && c->demo_traffic &&
	    (err = traffic_start(&d->traffic, d->center, d->store, &c->traffic)))
		return err;
	if (d->center && (err = start_telephony(d)))
		return err;
	if ((err = ops_alloc(&d->ops, d->http, d->metrics)) ||
	    (err = ops_add_check(d->ops, "loop", check_loop, d)) ||
	    (d->center && (err = ops_add_check(d->ops, "store", check_store, d))) ||
	    (err = start_web(d)) || (err = auth_add_routes(d->auth)) ||
	    (err = auth_add_metrics(d->auth, d->metrics)) || (err = sse_hub_add_routes(d->hub)) ||
	    (err = sse_hub_add_metrics(d->hub, d->metrics)))
		return err;
	if (d->center &&
	    ((err = metrics_register(d->metrics, "sb_sip_invites_shed_total",
				     "New INVITEs answered 503 because they waited too long in the "
				     "SIP socket (overload)",
				     METRICS_COUNTER, collect_sip_shed, d)) ||
	     (err = metrics_register(d->metrics, "sb_sip_max_queue_wait_seconds",
				     "Longest wait of a SIP datagram in the UDP socket's buffer",
				     METRICS_GAUGE, collect_sip_wait, d))))
		return err;
	struct api_config apc = {d->http,     d->center,   d->store,  d->users,	     d->auth,
				 c->data_dir, poster_post, d->poster, c->pwhash_cost};
	apc.tel = d->tel;
	return api_start(&d->api, &apc);
}

static void teardown(struct daemon *d)
{
	if (d->sigfd >= 0) {
		fd_close(d->sigfd);
		close(d->sigfd);
	}
	/* password workers first: what they finish lands in the post queue, run it */
	auth_stop(d->auth);
	api_stop(d->api); /* its worker too; completions still queued are only released now */
	if (d->poster)
		poster_drain(d->poster);
	center_close(d->center);
	d->center = NULL;
	telephony_stop(d->tel); /* after the center, which calls its sink until closed */
	d->tel = NULL;
	traffic_stop(d->traffic); /* after the center, which calls its sink until closed */
	d->traffic = NULL;
	/* the store commits what is queued; its last completions land in the poster */
	session_keep_stop(d->auth);
	store_close(d->store);
	d->store = NULL;
	if (d->poster)
		poster_drain(d->poster);
	sse_hub_free(d->hub);
	d->hub = NULL;
	auth_free(d->auth);
	http_server_free(d->http);
	http_static_free(d->web);
	poster_free(d->poster);
	api_free(d->api);
	ops_free(d->ops);
	userdir_free(d->users);
	metrics_free(d->metrics);
	if (d->tls_key) {
		memset(d->tls_key, 0, strlen(d->tls_key));
		sb_free(d->tls_key);
	}
	sb_free(d->tls_cert);
	serve_config_release(&d->cfg);
}

static void list_routes(const struct http_server *s)
{
	for (unsigned i = 0; i < http_server_route_count(s); i++) {
		const struct http_route *r = http_server_route_at(s, i);
		static const char *const names[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
		const char *m = "?";
		for (unsigned b = 0; b < 5; b++)
			if (r->method == (1u << b))
				m = names[b];
		printf("%s %s", m, r->pattern);
		const char *sep = " ";
		for (unsigned k = 0; k < ROLE_COUNT; k++) {
			if (r->roles & ROLE_BIT(k)) {
				printf("%s%s", sep, role_name(k));
				sep = ",";
			}
		}
		if (!r->roles)
			printf(" public");
		printf("\n");
	}
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t soft =
		    rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		if (soft > rl.rlim_cur) {
			rl.rlim_cur = soft;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
		want = rl.rlim_cur;
	}
	/* libre refuses descriptors at or above its table size (1024 by default) */
	fd_setsize(want > 8192 ? (int)want : 8192);
}

int serve_main(int argc, char **argv)
{
	struct daemon dd, *d = &dd;
	memset(d, 0, sizeof(*d));
	d->sigfd = -1;
	serve_config_defaults(&d->cfg);
	int rc = serve_config_parse(&d->cfg, argc, argv);
	if (rc) {
		serve_config_release(&d->cfg);
		return rc == 1 ? 0 : 2;
	}
	int err;
	if (!d->cfg.list_routes && (err = mkdir_p(d->cfg.data_dir))) {
		fprintf(stderr, "switchboard serve: --data %s: %s\n", d->cfg.data_dir,
			strerror(err));
		serve_config_release(&d->cfg);
		return 1;
	}
	if (d->cfg.tls_cert) {
		if ((err = slurp(d->cfg.tls_cert, &d->tls_cert))) {
			fprintf(stderr, "switchboard serve: --tls-cert %s: %s\n", d->cfg.tls_cert,
				strerror(err));
			teardown(d);
			return 1;
		}
		if ((err = slurp(d->cfg.tls_key, &d->tls_key))) {
			fprintf(stderr, "switchboard serve: --tls-key %s: %s\n", d->cfg.tls_key,
				strerror(err));
			teardown(d);
			return 1;
		}
	}

	/* signals become events on the loop; threads started later inherit the mask */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((err = libre_init())) {
		fprintf(stderr, "switchboard serve: libre: %s\n", strerror(err));
		teardown(d);
		return 1;
	}
	raise_fd_limit();
	rc = 1;
	if ((err = wire(d))) {
		fprintf(stderr, "switchboard serve: start-up failed: %s\n", strerror(err));
		goto out;
	}
	if (d->cfg.list_routes) {
		list_routes(d->http);
		rc = 0;
		goto out;
	}
	if ((err = http_server_start(d->http))) {
		fprintf(stderr, "switchboard serve: cannot serve HTTP%s on %s%s%s:%u: %s\n",
			d->tls_cert ? "S" : "", d->cfg.http.v6 ? "[" : "", d->cfg.http.host,
			d->cfg.http.v6 ? "]" : "", d->cfg.http.port, strerror(err));
		goto out;
	}
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0 || (err = fd_listen(d->sigfd, FD_READ, on_signal, d))) {
		fprintf(stderr, "switchboard serve: signals: %s\n", strerror(errno));
		goto out;
	}
	if (d->cfg.demo)
		fprintf(stderr,
			"switchboard: demo logins admin, super1, qa1, planner1, lead1, lead2, "
			"agent1..agent24 (password: demo); agent N's phone is SIP extension "
			"1000+N, password demo\n");
	else if (userdir_count(d->users) == 0)
		fprintf(stderr, "switchboard: no users yet; use --demo to try it out\n");
	printf("switchboard: open %s://%s%s%s:%u/ in a browser (data in %s)\n",
	       d->tls_cert ? "https" : "http", d->cfg.http.v6 ? "[" : "", d->cfg.http.host,
	       d->cfg.http.v6 ? "]" : "", http_server_port(d->http), d->cfg.data_dir);
	if (d->cfg.demo && d->tel)
		printf("switchboard: phones: register extension 1001 (agent N: 1000+N), "
		       "password demo, at sip:%s%s%s:%u; call sip:100@%s%s%s:%u\n",
		       d->cfg.sip.v6 ? "[" : "", d->cfg.sip.host, d->cfg.sip.v6 ? "]" : "",
		       telephony_sip_port(d->tel), d->cfg.sip.v6 ? "[" : "", d->cfg.sip.host,
		       d->cfg.sip.v6 ? "]" : "", telephony_sip_port(d->tel));
	fflush(stdout);
	err = re_main(NULL);
	if (err && err != EALREADY)
		fprintf(stderr, "switchboard: event loop: %s\n", strerror(err));
	rc = 0;
out:
	teardown(d);
	libre_close();
	long left = sb_mem_outstanding();
	if (left != 0) {
		fprintf(stderr, "switchboard: %ld block(s) still allocated at exit\n", left);
		rc = 1;
	}
	return rc;
}
