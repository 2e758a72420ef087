/* server config: flag and config-file parsing and validation (see config.h). */
#include "server/config.h"
#include "base/json.h"
#include "base/mem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void serve_config_defaults(struct serve_config *c)
{
	memset(c, 0, sizeof(*c));
	char err[8];
	serve_addr_parse("127.0.0.1:8080", &c->http, err, sizeof(err));
	serve_addr_parse("127.0.0.1:5060", &c->sip, err, sizeof(err));
	c->sip_min_expires = 60;
	c->sip_overload_wait_ms = 1000;
	c->rtp_port_min = 20000;
	c->rtp_port_max = 30000;
	c->pwhash_cost = PWHASH_INTERACTIVE;
	c->pwhash_threads = 1;
	c->sse_heartbeat_ms = 15000;
	c->sse_ring = 4096;
	c->max_body = 1024 * 1024;
	c->max_connections = 4096;
	c->idle_timeout_s = 120;
	c->session_idle_ms = 12LL * 3600 * 1000;
	c->session_max_ms = 7LL * 24 * 3600 * 1000;
	c->login_backoff_base_ms = 250;
	c->login_backoff_cap_ms = 30000;
	c->login_max_failure_delay_ms = 1000;
	traffic_config_default(&c->traffic);
}

void serve_config_release(struct serve_config *c)
{
	sb_free(c->data_dir);
	sb_free(c->tls_cert);
	sb_free(c->tls_key);
	sb_free(c->config_file);
	memset(c, 0, sizeof(*c));
}

int serve_addr_parse(const char *text, struct serve_addr *out, char *err, size_t errlen)
{
	const char *host, *colon;
	size_t hlen;
	bool v6 = false;
	if (!text || !*text) {
		snprintf(err, errlen, "empty address");
		return EINVAL;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':') {
			snprintf(err, errlen, "'%s': expected [IPv6]:PORT", text);
			return EINVAL;
		}
		host = text + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
		v6 = true;
	} else {
		colon = strrchr(text, ':');
		if (!colon || memchr(text, ':', (size_t)(colon - text))) {
			snprintf(err, errlen, "'%s': expected ADDR:PORT (IPv6 as [ADDR]:PORT)",
				 text);
			return EINVAL;
		}
		host = text;
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0 || hlen >= SERVE_ADDR_MAX) {
		snprintf(err, errlen, "'%s': missing or too long address", text);
		return EINVAL;
	}
	char h[SERVE_ADDR_MAX];
	memcpy(h, host, hlen);
	h[hlen] = '\0';
	unsigned char buf[sizeof(struct in6_addr)];
	if (inet_pton(v6 ? AF_INET6 : AF_INET, h, buf) != 1) {
		snprintf(err, errlen, "'%s': '%s' is not a numeric %s address", text, h,
			 v6 ? "IPv6" : "IPv4");
		return EINVAL;
	}
	const char *p = colon + 1;
	char *end;
	errno = 0;
	long port = strtol(p, &end, 10);
	if (!*p || *end || errno || port < 0 || port > 65535) {
		snprintf(err, errlen, "'%s': the port must be a number from 0 to 65535", text);
		return EINVAL;
	}
	memcpy(out->host, h, hlen + 1);
	out->port = (uint16_t)port;
	out->v6 = v6;
	return 0;
}

bool serve_addr_loopback(const struct serve_addr *a)
{
	if (a->v6) {
		struct in6_addr x;
		return inet_pton(AF_INET6, a->host, &x) == 1 && IN6_IS_ADDR_LOOPBACK(&x);
	}
	struct in_addr x;
	return inet_pton(AF_INET, a->host, &x) == 1 && (ntohl(x.s_addr) >> 24) == 127;
}

void serve_usage(FILE *f)
{
	fprintf(f,
		"usage: switchboard serve [options]\n"
		"\n"
		"Runs the daemon: HTTP API, live events and telephony (docs/telephony.md).\n"
		"\n"
		"options:\n"
		"  --data DIR          data directory, created if missing (default ./var)\n"
		"  --http ADDR:PORT    HTTP listen address (default 127.0.0.1:8080; port 0: any)\n"
		"  --tls-cert FILE     PEM certificate chain: serve HTTPS (needs --tls-key)\n"
		"  --tls-key FILE      PEM private key\n"
		"  --sip ADDR:PORT     SIP address, UDP and TCP (default 127.0.0.1:5060)\n"
		"  --trunk ADDR:PORT   where calls to outside numbers go: a SIP trunk or gateway\n"
		"                      (outbound campaigns, transfers to a number); default: none\n"
		"  --config FILE       JSON settings (keys as the long options with '_' for '-',\n"
		"                      plus tuning keys, see docs/internals/http.md); flags win\n"
		"  --demo              seed the demo center into an empty database (users admin,\n"
		"                      super1, qa1, planner1, lead1, lead2, agent1..agent24, all\n"
		"                      with password 'demo'); loopback addresses only\n"
		"  --demo-traffic      --demo, plus simulated callers and agents (all but agent1\n"
		"                      and agent2) so the live figures move; tune it with a\n"
		"                      \"demo_traffic\" object in the --config file\n"
		"  --list-routes       print the HTTP routes and exit\n"
		"  -h, --help          this help\n"
		"\n"
		"Stops cleanly on SIGTERM or SIGINT (exit status 0).\n");
}

static int set_str(char **dst, const char *v)
{
	char *c = sb_strdup(v);
	if (!c)
		return ENOMEM;
	sb_free(*dst);
	*dst = c;
	return 0;
}

static int bad(const char *what, const char *msg)
{
	fprintf(stderr, "switchboard serve: %s: %s\n", what, msg);
	return 2;
}

/* Reads a whole small file into a NUL-terminated sb_alloc'd buffer. */
static int read_file(const char *path, char **out, size_t *len, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno;
	char *buf = sb_alloc(max + 1);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}
	size_t n = fread(buf, 1, max + 1, f);
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	if (!err && n > max)
		err = EFBIG;
	if (err) {
		sb_free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int cfg_i64(const cJSON *j, const char *key, int64_t min, int64_t max, int64_t *out,
		   const char *file)
{
	int e = json_get_i64(j, key, min, max, out);
	if (e == EINVAL) {
		char msg[160];
		snprintf(msg, sizeof(msg), "\"%s\" must be an integer from %lld to %lld", key,
			 (long long)min, (long long)max);
		return bad(file, msg);
	}
	return 0;
}

static int cfg_addr(const cJSON *j, const char *key, struct serve_addr *a, const char *file)
{
	const char *v;
	int e = json_get_str(j, key, 0, &v);
	if (e == ENOENT)
		return 0;
	if (e)
		return bad(file, "addresses must be strings");
	char err[160];
	if (serve_addr_parse(v, a, err, sizeof(err)))
		return bad(file, err);
	return 0;
}

static int cfg_path(const cJSON *j, const char *key, char **dst, const char *file)
{
	const char *v;
	int e = json_get_str(j, key, 4096, &v);
	if (e == ENOENT)
		return 0;
	if (e || !*v) {
		char msg[96];
		snprintf(msg, sizeof(msg), "\"%s\" must be a non-empty path", key);
		return bad(file, msg);
	}
	return set_str(dst, v) ? bad(file, "out of memory") : 0;
}

/*
 * "demo_traffic": true / false, or an object of settings (which turns it on):
 * {"calls_per_min": 5, "hour_ms": 60000, "talk_ms": 75000, "patience_ms": 120000,
 *  "ring_ms": 4000, "wrap_ms": 12000, "break_every_ms": 600000, "break_ms": 90000,
 *  "hold_pct": 15, "miss_pct": 2, "humans": 2, "seed": 0,
 *  "load": 0}
 */
static int cfg_traffic(const cJSON *j, struct serve_config *c, const char *file)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "demo_traffic");
	if (!o || cJSON_IsNull(o))
		return 0;
	if (cJSON_IsBool(o)) {
		c->demo_traffic = cJSON_IsTrue(o);
		return 0;
	}
	if (!cJSON_IsObject(o))
		return bad(file, "\"demo_traffic\" must be true, false or an object of settings");
	static const char *const keys[] = {
	    "calls_per_min", "hour_ms",	       "talk_ms",  "patience_ms", "ring_ms",
	    "wrap_ms",	     "break_every_ms", "break_ms", "hold_pct",	  "miss_pct",
	    "humans",	     "seed",	       "load",	   NULL};
	const char *unknown;
	if (json_only_keys(o, keys, &unknown)) {
		char msg[120];
		snprintf(msg, sizeof(msg), "unknown demo_traffic setting \"%s\"", unknown);
		return bad(file, msg);
	}
	struct traffic_config *t = &c->traffic;
	int64_t humans = t->humans, seed = (int64_t)t->seed, load = t->load;
	int64_t *ms[] = {&t->hour_ms, &t->talk_ms,	  &t->patience_ms, &t->ring_ms,
			 &t->wrap_ms, &t->break_every_ms, &t->break_ms};
	static const char *const ms_keys[] = {"hour_ms", "talk_ms",	   "patience_ms", "ring_ms",
					      "wrap_ms", "break_every_ms", "break_ms"};
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof(ms) / sizeof(ms[0]); i++)
		rc = cfg_i64(o, ms_keys[i], 0, 86400000, ms[i], file);
	if (rc || (rc = cfg_i64(o, "humans", 0, 100000, &humans, file)) ||
	    (rc = cfg_i64(o, "seed", 0, INT64_MAX, &seed, file)) ||
	    (rc = cfg_i64(o, "load", 0, 1000000, &load, file)))
		return rc;
	t->humans = (unsigned)humans;
	t->load = (unsigned)load;
	t->seed = (uint64_t)seed;
	static const char *const num_keys[] = {"calls_per_min", "hold_pct", "miss_pct"};
	double *num[] = {&t->calls_per_min, &t->hold_pct, &t->miss_pct};
	for (size_t i = 0; i < 3; i++) {
		if (json_get_double(o, num_keys[i], 0, i ? 100 : 1e7, num[i]) == EINVAL) {
			char msg[120];
			snprintf(msg, sizeof(msg),
				 "\"demo_traffic\": \"%s\" must be a number from 0 to %s",
				 num_keys[i], i ? "100" : "10000000");
			return bad(file, msg);
		}
	}
	char err[160];
	if (traffic_config_check(t, err, sizeof(err)))
		return bad(file, err);
	c->demo_traffic = true;
	return 0;
}

static int load_file(struct serve_config *c, const char *file)
{
	char *text = NULL;
	size_t len = 0;
	int err = read_file(file, &text, &len, 1 << 20);
	if (err)
		return bad(file, strerror(err));
	cJSON *j;
	struct json_err je;
	err = json_parse(text, len, &j, &je);
	sb_free(text);
	if (err) {
		char msg[200];
		snprintf(msg, sizeof(msg), "invalid JSON at line %u, column %u: %s", je.line,
			 je.col, je.msg);
		return bad(file, msg);
	}
	static const char *const keys[] = {"data",
					   "http",
					   "sip",
					   "sip_min_expires",
					   "sip_overload_wait_ms",
					   "rtp_port_min",
					   "rtp_port_max",
					   "trunk",
					   "recording_sweep_ms",
					   "recording_day_ms",
					   "tls_cert",
					   "tls_key",
					   "demo",
					   "demo_traffic",
					   "pwhash_cost",
					   "pwhash_threads",
					   "sse_heartbeat_ms",
					   "sse_ring",
					   "max_body_bytes",
					   "max_connections",
					   "idle_timeout_s",
					   "session_idle_s",
					   "session_max_s",
					   "login_backoff_base_ms",
					   "login_backoff_cap_ms",
					   "login_max_failure_delay_ms",
					   NULL};
	const char *unknown;
	int rc = 0;
	int64_t v;
	bool b;
	const char *s;
	if (!cJSON_IsObject(j)) {
		rc = bad(file, "the settings must be a JSON object");
		goto out;
	}
	if (json_only_keys(j, keys, &unknown)) {
		char msg[120];
		snprintf(msg, sizeof(msg), "unknown setting \"%s\"", unknown);
		rc = bad(file, msg);
		goto out;
	}
	if ((rc = cfg_path(j, "data", &c->data_dir, file)) ||
	    (rc = cfg_addr(j, "http", &c->http, file)) ||
	    (rc = cfg_addr(j, "sip", &c->sip, file)) ||
	    (rc = cfg_addr(j, "trunk", &c->trunk, file)) ||
	    (rc = cfg_path(j, "tls_cert", &c->tls_cert, file)) ||
	    (rc = cfg_path(j, "tls_key", &c->tls_key, file)))
		goto out;
	if (cJSON_GetObjectItemCaseSensitive(j, "sip"))
		c->sip_given = true;
	if (cJSON_GetObjectItemCaseSensitive(j, "trunk"))
		c->trunk_given = true;
	v = c->sip_min_expires;
	if ((rc = cfg_i64(j, "sip_min_expires", 1, 3600, &v, file)))
		goto out;
	c->sip_min_expires = (unsigned)v;
	v = c->sip_overload_wait_ms;
	if ((rc = cfg_i64(j, "sip_overload_wait_ms", 0, 60000, &v, file)))
		goto out;
	c->sip_overload_wait_ms = (unsigned)v;
	int64_t rmin = c->rtp_port_min, rmax = c->rtp_port_max;
	if ((rc = cfg_i64(j, "rtp_port_min", 1024, 65534, &rmin, file)) ||
	    (rc = cfg_i64(j, "rtp_port_max", 1026, 65535, &rmax, file)))
		goto out;
	static const char too_narrow[] = "\"rtp_port_max\" must leave room above "
					 "\"rtp_port_min\" for an even RTP port and the RTCP "
					 "port after it";
	if (rmax < rmin + (rmin & 1) + 2) { /* one even port and its odd partner below the max */
		rc = bad(file, too_narrow);
		goto out;
	}
	c->rtp_port_min = (uint16_t)rmin;
	c->rtp_port_max = (uint16_t)rmax;
	if ((rc = cfg_i64(j, "recording_sweep_ms", 10, 86400000, &c->rec_sweep_ms, file)) ||
	    (rc = cfg_i64(j, "recording_day_ms", 1, 86400000, &c->rec_day_ms, file)))
		goto out;
	int e = json_get_bool(j, "demo", &b);
	if (e == EINVAL) {
		rc = bad(file, "\"demo\" must be true or false");
		goto out;
	}
	if (e == 0)
		c->demo = b;
	if ((rc = cfg_traffic(j, c, file)))
		goto out;
	e = json_get_str(j, "pwhash_cost", 0, &s);
	if (e == EINVAL || (e == 0 && pwhash_cost_parse(s, &c->pwhash_cost))) {
		rc = bad(file, "\"pwhash_cost\" must be \"interactive\", \"moderate\" or \"min\"");
		goto out;
	}
	v = c->pwhash_threads;
	if ((rc = cfg_i64(j, "pwhash_threads", 1, 16, &v, file)))
		goto out;
	c->pwhash_threads = (unsigned)v;
	if ((rc = cfg_i64(j, "sse_heartbeat_ms", 100, 3600000, &c->sse_heartbeat_ms, file)))
		goto out;
	v = c->sse_ring;
	if ((rc = cfg_i64(j, "sse_ring", 16, 1 << 22, &v, file)))
		goto out;
	c->sse_ring = (unsigned)v;
	v = (int64_t)c->max_body;
	if ((rc = cfg_i64(j, "max_body_bytes", 1024, 64 << 20, &v, file)))
		goto out;
	c->max_body = (size_t)v;
	v = c->max_connections;
	if ((rc = cfg_i64(j, "max_connections", 16, 1000000, &v, file)))
		goto out;
	c->max_connections = (unsigned)v;
	v = c->idle_timeout_s;
	if ((rc = cfg_i64(j, "idle_timeout_s", 1, 86400, &v, file)))
		goto out;
	c->idle_timeout_s = (unsigned)v;
	v = c->session_idle_ms / 1000;
	if ((rc = cfg_i64(j, "session_idle_s", 1, 365LL * 86400, &v, file)))
		goto out;
	c->session_idle_ms = v * 1000;
	v = c->session_max_ms / 1000;
	if ((rc = cfg_i64(j, "session_max_s", 1, 365LL * 86400, &v, file)))
		goto out;
	c->session_max_ms = v * 1000;
	if ((rc = cfg_i64(j, "login_backoff_base_ms", 1, 60000, &c->login_backoff_base_ms, file)) ||
	    (rc = cfg_i64(j, "login_backoff_cap_ms", 1, 3600000, &c->login_backoff_cap_ms, file)) ||
	    (rc = cfg_i64(j, "login_max_failure_delay_ms", 0, 60000, &c->login_max_failure_delay_ms,
			  file)))
		goto out;
out:
	cJSON_Delete(j);
	return rc;
}

enum {
	OPT_DATA = 1000,
	OPT_HTTP,
	OPT_SIP,
	OPT_CERT,
	OPT_KEY,
	OPT_CONFIG,
	OPT_DEMO,
	OPT_LIST,
	OPT_TRAFFIC,
	OPT_TRUNK
};

int serve_config_parse(struct serve_config *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, OPT_DATA},
	    {"http", required_argument, NULL, OPT_HTTP},
	    {"sip", required_argument, NULL, OPT_SIP},
	    {"trunk", required_argument, NULL, OPT_TRUNK},
	    {"tls-cert", required_argument, NULL, OPT_CERT},
	    {"tls-key", required_argument, NULL, OPT_KEY},
	    {"config", required_argument, NULL, OPT_CONFIG},
	    {"demo", no_argument, NULL, OPT_DEMO},
	    {"demo-traffic", no_argument, NULL, OPT_TRAFFIC},
	    {"list-routes", no_argument, NULL, OPT_LIST},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	/* first pass: --config and --help only, so that flags override the file */
	opterr = 0;
	optind = 1;
	int o;
	while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (o == 'h') {
			serve_usage(stdout);
			return 1;
		}
		if (o == OPT_CONFIG && set_str(&c->config_file, optarg))
			return bad("--config", "out of memory");
	}
	if (c->config_file) {
		int rc = load_file(c, c->config_file);
		if (rc)
			return rc;
	}
	opterr = 0;
	optind = 1;
	char err[200];
	while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_DATA:
			if (!*optarg)
				return bad("--data", "empty directory name");
			if (set_str(&c->data_dir, optarg))
				return bad("--data", "out of memory");
			break;
		case OPT_HTTP:
			if (serve_addr_parse(optarg, &c->http, err, sizeof(err)))
				return bad("--http", err);
			break;
		case OPT_SIP:
			if (serve_addr_parse(optarg, &c->sip, err, sizeof(err)))
				return bad("--sip", err);
			c->sip_given = true;
			break;
		case OPT_TRUNK:
			if (serve_addr_parse(optarg, &c->trunk, err, sizeof(err)))
				return bad("--trunk", err);
			c->trunk_given = true;
			break;
		case OPT_CERT:
			if (set_str(&c->tls_cert, optarg))
				return bad("--tls-cert", "out of memory");
			break;
		case OPT_KEY:
			if (set_str(&c->tls_key, optarg))
				return bad("--tls-key", "out of memory");
			break;
		case OPT_CONFIG:
			break;
		case OPT_DEMO:
			c->demo = true;
			break;
		case OPT_TRAFFIC:
			c->demo_traffic = true;
			break;
		case OPT_LIST:
			c->list_routes = true;
			break;
		case ':':
			fprintf(stderr, "switchboard serve: option '%s' needs a value\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr,
				"switchboard serve: unknown option '%s' (see 'switchboard serve "
				"--help')\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "switchboard serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!c->data_dir && set_str(&c->data_dir, "./var"))
		return bad("--data", "out of memory");
	if (!c->tls_cert != !c->tls_key)
		return bad("--tls-cert/--tls-key", "give both or neither");
	if (c->demo_traffic)
		c->demo = true;
	if (c->demo && (!serve_addr_loopback(&c->http) || !serve_addr_loopback(&c->sip)))
		return bad("--demo",
			   "the demo users have known passwords: --http and --sip must be "
			   "loopback addresses (127.0.0.0/8 or [::1])");
	if (c->login_backoff_cap_ms < c->login_backoff_base_ms)
		return bad("login_backoff_cap_ms", "must not be below login_backoff_base_ms");
	if (c->session_max_ms < c->session_idle_ms)
		c->session_idle_ms = c->session_max_ms;
	return 0;
}
