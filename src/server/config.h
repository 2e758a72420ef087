/* server config: the daemon's settings from command-line flags and an optional JSON config file. */
#ifndef SB_SERVER_CONFIG_H
#define SB_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "http/pwhash.h"
#include "server/traffic.h"

#define SERVE_ADDR_MAX 64

struct serve_addr {
	char host[SERVE_ADDR_MAX]; /* numeric IPv4 or IPv6, without brackets */
	uint16_t port;		   /* 0: any free port */
	bool v6;
};

struct serve_config {
	char *data_dir;
	struct serve_addr http, sip;
	bool sip_given;		  /* --sip or "sip" in the file: failing to bind it is fatal */
	unsigned sip_min_expires; /* s: shortest registration accepted ("sip_min_expires") */
	/* ms; new INVITEs queued longer in the SIP socket: 503 ("sip_overload_wait_ms") */
	unsigned sip_overload_wait_ms;
	/* RTP: even ports from rtp_port_min up to below rtp_port_max, each with the odd one after
	 * it for RTCP ("rtp_port_min", "rtp_port_max"; 20000-30000: 5,000 pairs) */
	uint16_t rtp_port_min, rtp_port_max;
	struct serve_addr trunk;	  /* where calls to outside numbers go (--trunk, "trunk") */
	bool trunk_given;		  /* port 0 otherwise: no outside calls */
	int64_t rec_sweep_ms, rec_day_ms; /* recording retention: sweep interval, a "day" (tests) */
	char *tls_cert, *tls_key;	  /* file paths */
	char *config_file;
	bool demo;
	bool demo_traffic;	       /* simulated callers and agents (implies demo) */
	struct traffic_config traffic; /* their settings ("demo_traffic" object in the file) */
	bool list_routes;	       /* print the route table and exit (for tests and tooling) */
	/* tuning, from the config file */
	enum pwhash_cost pwhash_cost;
	unsigned pwhash_threads;
	int64_t sse_heartbeat_ms;
	unsigned sse_ring;
	size_t max_body;
	unsigned max_connections;
	unsigned idle_timeout_s;
	int64_t session_idle_ms, session_max_ms;
	int64_t login_backoff_base_ms, login_backoff_cap_ms, login_max_failure_delay_ms;
};

void serve_config_defaults(struct serve_config *c);
void serve_config_release(struct serve_config *c);

/*
 * Parses "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080"; port 0..65535).
 * Returns 0, or EINVAL with a reason in err.
 */
int serve_addr_parse(const char *text, struct serve_addr *out, char *err, size_t errlen);
/* True for 127.0.0.0/8 and ::1. */
bool serve_addr_loopback(const struct serve_addr *a);

/*
 * Parses argv (argv[0] is "serve"): the config file first (--config), then
 * flags on top. Returns 0, 1 when --help was printed, or 2 with a message
 * on stderr for bad usage or an invalid setting.
 */
int serve_config_parse(struct serve_config *c, int argc, char **argv);

void serve_usage(FILE *f);

#endif
