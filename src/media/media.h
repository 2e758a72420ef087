/* media: RTP legs anchored in the daemon: SDP offer/answer, relaying between legs, music and
 * prompts on one media clock. */
#ifndef SB_MEDIA_MEDIA_H
#define SB_MEDIA_MEDIA_H

/*
 * Design: docs/internals/media.md (and docs/internals/sip.md, "Media").
 * Everything runs on the loop thread (libre's re_main): the program calls
 * libre_init() and fd_setsize() (with room for two descriptors per leg)
 * before the first fd_listen, as src/server/serve.c does.
 *
 * A media leg is one RTP endpoint of ours (an even port from the configured
 * range; its RTCP port, the next one, is bound and drained but we send no
 * RTCP) facing one party: a caller or an agent's phone. A leg either relays
 * to the leg it is bridged with (forwarding on receipt, no timer; symmetric
 * RTP: the first valid packet from the far end latches its address, packets
 * from elsewhere are dropped after that), or hears generated audio (music on
 * hold, a prompt) from the one media clock: a 1 ms timerfd, every player in
 * one of 20 phase slots, one 20 ms G.711 packet per player per turn. A music
 * source is encoded once per 20 ms however many listen. A leg that hears
 * nothing is sent nothing.
 *
 * Whatever a leg hears goes out under the leg's own SSRC, sequence and
 * timestamp: a change (bridge, music, another bridge after a transfer) looks
 * like one continuous stream to the receiver.
 *
 * Codecs: G.711 u-law (PT 0) and A-law (PT 8), telephone-event (RFC 4733)
 * for DTMF. Both legs of a bridge use the same codec when the offers allow
 * it; otherwise the relay transcodes between u-law and A-law. Events pass
 * through a bridge when both legs negotiated telephone-event.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct media;
struct media_leg;
struct media_source;

struct media_config {
	const char *addr; /* IP to bind RTP sockets to, e.g. "127.0.0.1" (may be "0.0.0.0") */
	const char
	    *sdp_addr;	   /* IP to put in SDP (NULL: addr; must be set when addr is a wildcard) */
	uint16_t port_min; /* RTP port range [min, max): even ports, RTCP on the next */
	uint16_t port_max;
	int sock_buf; /* socket receive/send buffer bytes (0: the system's default) */
	int tos;      /* IP TOS / traffic class of RTP (0xb8 = DSCP EF; -1: leave as is) */
	/* idle socket pairs kept for the next legs (0: close at once), and how long a
	 * freed pair stays idle before a new leg takes it */
	unsigned pool_max;
	unsigned pool_quiet_ms;
	unsigned pool_idle_max_ms; /* idle pairs older than this are closed (0: kept) */
};

/* 127.0.0.1, ports 10000-20000, 256 KiB buffers, DSCP EF, a pool of 4096 pairs quiet 500 ms, idle
 * at most 10 s. */
void media_config_default(struct media_config *cfg);
/* Returns 0, EINVAL (bad address or range), or an errno from the clock's timerfd. */
int media_alloc(struct media **mp, const struct media_config *cfg);
/* Frees every leg and source still allocated, then the media (not from a media callback). */
void media_free(struct media *m);

/*
 * A looping audio source shared by every listener: a WAV file (8 kHz 16-bit
 * mono, as Debian's asterisk-moh-opsound-wav and asterisk-core-sounds-*-wav
 * ship; other formats are refused with EINVAL), or several files played in
 * turn. Files are read into memory once (and kept, shared with other sources
 * and prompts, until media_free), so playing never touches the disk. All
 * listeners hear the same point of the music. Without loop, listeners hear
 * nothing once the last file ended. Returns 0, ENOENT, EINVAL, EFBIG (a file
 * longer than an hour), ENOMEM. Closing a source stops its listeners (they
 * then hear nothing).
 */
int media_source_open(struct media_source **sp, struct media *m, const char *const *files,
		      unsigned n, bool loop);
void media_source_close(struct media_source *s);

/* --- legs --- */

/*
 * Takes the oldest idle socket pair of the pool once it has been quiet for
 * pool_quiet_ms, else binds the next free even port of the range; when the range
 * (or the descriptor table) is exhausted, takes the oldest idle pair anyway.
 * EADDRINUSE when no port is left and the pool is empty.
 */
int media_leg_alloc(struct media_leg **lp, struct media *m);
/* Ends its bridge (the other leg hears nothing), stops its player, closes its sockets. */
void media_leg_free(struct media_leg *l);
void media_leg_set_arg(struct media_leg *l, void *arg);
void *media_leg_arg(const struct media_leg *l);
/* Our RTP port (what the SDP carries). */
uint16_t media_leg_port(const struct media_leg *l);

enum media_codec {
	MEDIA_CODEC_NONE = -1, /* not negotiated yet */
	MEDIA_PCMU = 0,	       /* values are the static payload types */
	MEDIA_PCMA = 8,
};
/* The codec we send to this leg's party. */
enum media_codec media_leg_codec(const struct media_leg *l);
/*
 * The codec to prefer on this leg from now on (default PCMU): first in our
 * offers, chosen first when answering. Give an agent's leg the caller's codec
 * before making its offer, and the bridge needs no transcoding when the phone
 * accepts it.
 */
void media_leg_prefer(struct media_leg *l, enum media_codec c);

/*
 * SDP. answer: takes the far end's offer, chooses the codec (the preferred
 * one, else the other G.711 law; telephone-event when offered), remembers the
 * remote address and writes our answer into buf (NUL-terminated; only the
 * chosen codec and telephone-event are listed). EBADMSG when the offer does
 * not parse, EPROTO when nothing we can do is offered (answer 488): the leg
 * is then as it was. offer: writes our offer (preferred law, the other law,
 * telephone-event); answer_in applies the far end's answer to it (EINVAL
 * without an offer of ours, EBADMSG, EPROTO as above). *len receives the
 * length; EMSGSIZE when buf (512 bytes are plenty) is too small.
 */
int media_leg_sdp_answer(struct media_leg *l, const char *offer, size_t offer_len, char *buf,
			 size_t size, size_t *len);
int media_leg_sdp_offer(struct media_leg *l, char *buf, size_t size, size_t *len);
int media_leg_sdp_answer_in(struct media_leg *l, const char *answer, size_t answer_len);
/*
 * Same as answer, for a re-INVITE offer: hold (sendonly/inactive, or
 * connection address 0.0.0.0) is reported in *hold; while held nothing is
 * sent to the leg. A changed remote address releases the latch (the next
 * packet latches again). The codec stays when the new offer still has it.
 */
int media_leg_sdp_reoffer(struct media_leg *l, const char *offer, size_t offer_len, char *buf,
			  size_t size, size_t *len, bool *hold);

/* --- what a leg hears --- */

/* Relay between two legs, both ways. Stops whatever either heard before (EINVAL: a == b). */
int media_bridge(struct media_leg *a, struct media_leg *b);
/* Ends the leg's bridge (both legs then hear nothing: nothing is sent). */
void media_unbridge(struct media_leg *l);
/* The leg hears the source (music, a prompt loop); stops any bridge. Same source again: no change.
 */
int media_play(struct media_leg *l, struct media_source *s);
/*
 * The leg hears one file once, then done(arg) runs (for announcements) from
 * the media clock, after the last packet left. done is not called when the
 * prompt is stopped or replaced first. Returns 0, ENOENT, EINVAL, EFBIG,
 * ENOMEM (the file is read once and kept).
 */
int media_play_once(struct media_leg *l, const char *file, void (*done)(void *arg), void *arg);
/* The leg hears nothing (stops its player or ends its bridge). */
void media_stop(struct media_leg *l);

/*
 * DTMF from the leg (RFC 4733 telephone-events), one call per key press
 * (repeated and end packets of one event are not reported again). The
 * handler may free the leg.
 */
void media_leg_on_dtmf(struct media_leg *l, void (*h)(void *arg, char digit), void *arg);

struct media_leg_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t relayed;    /* received and forwarded to the bridged leg */
	uint64_t dropped;    /* received from an address other than the latched one, malformed,
				before any SDP, or of a payload type we did not negotiate */
	uint64_t lost;	     /* sequence gaps seen on receipt (RFC 3550 expected - received) */
	uint64_t rx_nonzero; /* received audio bytes that were not silence (content check) */
	uint64_t tx_errors;  /* sends the kernel refused (buffer full, unreachable) */
	uint64_t rtcp_rx;    /* RTCP packets received on the RTCP port (drained) */
	uint64_t dtmf;	     /* key presses reported */
	bool latched;
};
void media_leg_stats(const struct media_leg *l, struct media_leg_stats *out);

struct media_stats {
	unsigned legs, players, bridges, sources;
	/* how late generated packets left against their 1 ms schedule (send-time jitter) */
	double clock_late_p50_ms, clock_late_p99_ms, clock_late_max_ms;
	uint64_t clock_packets; /* generated packets measured */
	uint64_t clock_skipped; /* overdue ticks skipped after a stall (MCLOCK_MAX_CATCHUP) */
	uint64_t rx_packets, tx_packets, relayed, dropped; /* all legs, since media_alloc */
};
void media_stats(const struct media *m, struct media_stats *out);
/* Restarts the clock-lateness figures (e.g. after a warm-up). */
void media_stats_reset(struct media *m);

/* --- call recording (media_rec.c; design in media_rec.h) --- */

struct media_rec;
/*
 * Records what legs a and b receive (a's party on the left channel, b's on
 * the right) into a new WAV file at path (8 kHz, 16-bit, stereo; missing
 * directories are made). Files are created, written and completed by one
 * writer thread per media, never on the loop. Returns 0, EINVAL, EBUSY (a
 * leg is recorded already), ENOMEM, EAGAIN (no writer thread). A leg freed
 * while recorded leaves its channel silent; media_rec_stop ends the file.
 */
int media_rec_start(struct media_rec **rp, const char *path, struct media_leg *a,
		    struct media_leg *b);
/* Records what leg a receives alone into a mono WAV file (8 kHz, 16-bit): a voicemail message. */
int media_rec_start_mono(struct media_rec **rp, const char *path, struct media_leg *a);
/* Records leg l (NULL: nobody) on channel ch (0: a's, 1: b's) from now on. */
int media_rec_set_leg(struct media_rec *r, unsigned ch, struct media_leg *l);
/* While paused nothing is recorded: the file holds silence for that stretch. */
void media_rec_pause(struct media_rec *r, bool paused);
bool media_rec_paused(const struct media_rec *r);
/* Ends the recording (the writer completes the file) and frees r. NULL is fine. */
void media_rec_stop(struct media_rec *r);
/* Deletes a recording file on the writer thread, after the writes queued before. */
int media_rec_delete(struct media *m, const char *path);

#endif
