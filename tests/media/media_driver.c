/* media_driver: runs the real media layer on libre's loop, driven by line commands on stdin (for test_media.py). */
#include "media/media.h"
#include "base/mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <re.h>

/*
 * One command per line on stdin, one reply line on stdout ("ok ..." or
 * "err <errno>"); asynchronous events as lines of their own ("done <leg>",
 * "dtmf <leg> <digit>"). SDP travels on one line with '|' for CRLF.
 *
 *   leg                          -> ok <id> <port>
 *   answer <id> <sdp>            -> ok <sdp>
 *   reoffer <id> <sdp>           -> ok <hold 0|1> <sdp>
 *   offer <id>                   -> ok <sdp>
 *   answer_in <id> <sdp>         -> ok
 *   prefer <id> pcmu|pcma        -> ok
 *   bridge <a> <b> | unbridge <id> | stop <id> | free <id>   -> ok
 *   source <loop 0|1> <file>...  -> ok <sid>
 *   close <sid>                  -> ok
 *   play <id> <sid>              -> ok
 *   once <id> <file>             -> ok (later: done <id>)
 *   dtmf <id>                    -> ok (later: dtmf <id> <digit>)
 *   stats <id> | mstats | reset  -> ok {json}
 *   quit
 */

#define MAX_LEGS 1024
#define MAX_SRC	 16

static struct media *m;
static struct media_leg *legs[MAX_LEGS];
static struct media_source *srcs[MAX_SRC];
static char line[65536];
static size_t line_len;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static char sdp_buf[sizeof(line) * 2];

/* '|' <-> CRLF; the result is in sdp_buf */
static size_t sdp_in(const char *s)
{
	size_t o = 0;
	for (size_t i = 0; s && s[i]; i++) {
		if (s[i] == '|') {
			sdp_buf[o++] = '\r';
			sdp_buf[o++] = '\n';
		} else {
			sdp_buf[o++] = s[i];
		}
	}
	sdp_buf[o] = '\0';
	return o;
}

static void sdp_out(const char *prefix, const char *sdp)
{
	printf("%s", prefix);
	for (size_t i = 0; sdp[i]; i++) {
		if (sdp[i] == '\r')
			continue;
		putchar(sdp[i] == '\n' ? '|' : sdp[i]);
	}
	putchar('\n');
	fflush(stdout);
}

static long num(const char *s, long max)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : -1;
	if (!s || errno || *end || v < 0 || v >= max)
		return -1;
	return v;
}

static struct media_leg *leg_arg(const char *s)
{
	long i = num(s, MAX_LEGS);
	return i < 0 ? NULL : legs[i];
}

static void on_done(void *arg)
{
	say("done %ld", (long)(intptr_t)arg);
}

static void on_dtmf(void *arg, char digit)
{
	say("dtmf %ld %c", (long)(intptr_t)arg, digit);
}

static void leg_stats_json(struct media_leg *l)
{
	struct media_leg_stats st;
	media_leg_stats(l, &st);
	say("ok {\"rx_packets\":%llu,\"tx_packets\":%llu,\"rx_bytes\":%llu,\"tx_bytes\":%llu,"
	    "\"relayed\":%llu,\"dropped\":%llu,\"lost\":%llu,\"rx_nonzero\":%llu,"
	    "\"tx_errors\":%llu,\"rtcp_rx\":%llu,\"dtmf\":%llu,\"latched\":%s,\"codec\":%d}",
	    (unsigned long long)st.rx_packets, (unsigned long long)st.tx_packets,
	    (unsigned long long)st.rx_bytes, (unsigned long long)st.tx_bytes,
	    (unsigned long long)st.relayed, (unsigned long long)st.dropped,
	    (unsigned long long)st.lost, (unsigned long long)st.rx_nonzero,
	    (unsigned long long)st.tx_errors, (unsigned long long)st.rtcp_rx,
	    (unsigned long long)st.dtmf, st.latched ? "true" : "false", (int)media_leg_codec(l));
}

static void command(char *cmd)
{
	char *save = NULL;
	char *verb = strtok_r(cmd, " ", &save);
	char *a1 = verb ? strtok_r(NULL, " ", &save) : NULL;
	char *rest = save;
	char buf[2048];
	size_t len;
	int err = 0;
	struct media_leg *l = leg_arg(a1);

	if (!verb)
		return;
	if (!strcmp(verb, "quit")) {
		re_cancel();
		return;
	}
	if (!strcmp(verb, "leg")) {
		long i = 0;
		while (i < MAX_LEGS && legs[i])
			i++;
		if (i == MAX_LEGS)
			err = ENOSPC;
		else if (!(err = media_leg_alloc(&legs[i], m))) {
			media_leg_set_arg(legs[i], (void *)(intptr_t)i);
			say("ok %ld %u", i, media_leg_port(legs[i]));
			return;
		}
	} else if (!strcmp(verb, "source")) {
		long loop = num(a1, 2);
		const char *files[8];
		unsigned n = 0;
		char *f;
		while (n < 8 && (f = strtok_r(NULL, " ", &save)))
			files[n++] = f;
		long s = 0;
		while (s < MAX_SRC && srcs[s])
			s++;
		if (loop < 0 || s == MAX_SRC)
			err = EINVAL;
		else if (!(err = media_source_open(&srcs[s], m, files, n, loop == 1))) {
			say("ok %ld", s);
			return;
		}
	} else if (!strcmp(verb, "close")) {
		long s = num(a1, MAX_SRC);
		if (s < 0 || !srcs[s]) {
			err = EINVAL;
		} else {
			media_source_close(srcs[s]);
			srcs[s] = NULL;
		}
	} else if (!strcmp(verb, "mstats")) {
		struct media_stats st;
		media_stats(m, &st);
		say("ok {\"legs\":%u,\"players\":%u,\"bridges\":%u,\"sources\":%u,"
		    "\"late_p50_ms\":%.3f,\"late_p99_ms\":%.3f,\"late_max_ms\":%.3f,"
		    "\"clock_packets\":%llu,\"skipped\":%llu,\"relayed\":%llu,\"dropped\":%llu}",
		    st.legs, st.players, st.bridges, st.sources, st.clock_late_p50_ms,
		    st.clock_late_p99_ms, st.clock_late_max_ms,
		    (unsigned long long)st.clock_packets, (unsigned long long)st.clock_skipped,
		    (unsigned long long)st.relayed, (unsigned long long)st.dropped);
		return;
	} else if (!strcmp(verb, "reset")) {
		media_stats_reset(m);
	} else if (!l) {
		err = EINVAL;
	} else if (!strcmp(verb, "answer") || !strcmp(verb, "reoffer")) {
		bool hold = false;
		size_t n = sdp_in(rest);
		err = verb[0] == 'a'
			      ? media_leg_sdp_answer(l, sdp_buf, n, buf, sizeof(buf), &len)
			      : media_leg_sdp_reoffer(l, sdp_buf, n, buf, sizeof(buf), &len, &hold);
		if (!err) {
			sdp_out(verb[0] == 'a' ? "ok " : hold ? "ok 1 " : "ok 0 ", buf);
			return;
		}
	} else if (!strcmp(verb, "offer")) {
		if (!(err = media_leg_sdp_offer(l, buf, sizeof(buf), &len))) {
			sdp_out("ok ", buf);
			return;
		}
	} else if (!strcmp(verb, "answer_in")) {
		size_t n = sdp_in(rest);
		err = media_leg_sdp_answer_in(l, sdp_buf, n);
	} else if (!strcmp(verb, "prefer")) {
		media_leg_prefer(l, rest && !strcmp(rest, "pcma") ? MEDIA_PCMA : MEDIA_PCMU);
	} else if (!strcmp(verb, "bridge")) {
		err = media_bridge(l, leg_arg(strtok_r(NULL, " ", &save)));
	} else if (!strcmp(verb, "unbridge")) {
		media_unbridge(l);
	} else if (!strcmp(verb, "stop")) {
		media_stop(l);
	} else if (!strcmp(verb, "free")) {
		media_leg_free(l);
		legs[num(a1, MAX_LEGS)] = NULL;
	} else if (!strcmp(verb, "play")) {
		long s = num(rest, MAX_SRC);
		err = s < 0 || !srcs[s] ? EINVAL : media_play(l, srcs[s]);
	} else if (!strcmp(verb, "once")) {
		err = media_play_once(l, rest ? rest : "", on_done, media_leg_arg(l));
	} else if (!strcmp(verb, "dtmf")) {
		media_leg_on_dtmf(l, on_dtmf, media_leg_arg(l));
	} else if (!strcmp(verb, "stats")) {
		leg_stats_json(l);
		return;
	} else {
		err = EINVAL;
	}
	if (err)
		say("err %d", err);
	else
		say("ok");
}

static void on_stdin(int flags, void *arg)
{
	(void)flags;
	(void)arg;
	ssize_t n = read(STDIN_FILENO, line + line_len, sizeof(line) - 1 - line_len);
	if (n <= 0) {
		re_cancel(); /* the script went away */
		return;
	}
	line_len += (size_t)n;
	char *start = line, *nl;
	while ((nl = memchr(start, '\n', line_len - (size_t)(start - line)))) {
		*nl = '\0';
		command(start);
		start = nl + 1;
	}
	line_len -= (size_t)(start - line);
	memmove(line, start, line_len);
	if (line_len == sizeof(line) - 1)
		line_len = 0; /* an absurd line: drop it */
}

int main(int argc, char **argv)
{
	struct media_config cfg;
	media_config_default(&cfg);
	if (argc == 3) {
		cfg.port_min = (uint16_t)strtol(argv[1], NULL, 10);
		cfg.port_max = (uint16_t)strtol(argv[2], NULL, 10);
	}
	if (libre_init())
		return 1;
	fd_setsize(8192);
	int err = media_alloc(&m, &cfg);
	if (err) {
		fprintf(stderr, "media_alloc: %s\n", strerror(err));
		return 1;
	}
	if (fd_listen(STDIN_FILENO, FD_READ, on_stdin, NULL))
		return 1;
	say("ready");
	re_main(NULL);
	fd_close(STDIN_FILENO);
	media_free(m);
	libre_close();
	long left = sb_mem_outstanding();
	if (left) {
		fprintf(stderr, "media_driver: %ld block(s) leaked\n", left);
		return 2;
	}
	return 0;
}
