/* rtp: RTP header parsing and rewriting, loss accounting, outgoing-stream continuity, RFC 4733 events (pure). */
#ifndef SB_MEDIA_RTP_H
#define SB_MEDIA_RTP_H

/*
 * Pure helpers of the media layer: no sockets, no clock (time comes in as an
 * argument), so they are unit-tested on their own. Multi-byte fields are read
 * and written byte by byte (network order, no alignment assumed).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MRTP_HDR       12   /* fixed header bytes */
#define MRTP_RATE      8000 /* G.711 and telephone-event clock (Hz) */
#define MRTP_FRAME     160  /* samples (= G.711 bytes) per 20 ms packet */
#define MRTP_NS_SAMPLE 125000

/* What we need of a received packet's header. */
struct mrtp_hdr {
	uint8_t pt;
	bool marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	size_t off;  /* payload offset (after CSRCs and a header extension) */
	size_t plen; /* payload length (padding excluded) */
};

/*
 * Parses the header of the datagram p[0..len). Returns 0, or EBADMSG when it
 * is not RTP version 2, is shorter than its header says, or its padding count
 * is impossible.
 */
int mrtp_parse(struct mrtp_hdr *h, const uint8_t *p, size_t len);

/* Rewrites payload type, marker, sequence, timestamp and SSRC in place (CSRCs, extension kept). */
void mrtp_rewrite(uint8_t *p, uint8_t pt, bool marker, uint16_t seq, uint32_t ts, uint32_t ssrc);

/* Writes a fixed 12-byte header (no CSRC, no extension, no padding) at p; returns MRTP_HDR. */
size_t mrtp_build(uint8_t *p, uint8_t pt, bool marker, uint16_t seq, uint32_t ts, uint32_t ssrc);

/*
 * Receive accounting of one leg (RFC 3550 appendix A.1, simplified): packets
 * lost = expected (from the highest extended sequence number) - received,
 * per source; a new SSRC or a jump of more than MRTP_MAX_DROPOUT starts a new
 * source, whose losses add to the earlier ones. Duplicates and late packets
 * never make the figure negative.
 */
#define MRTP_MAX_DROPOUT 3000
#define MRTP_MAX_MISORDER 100

struct mrtp_rx {
	bool init;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles; /* wraps of max_seq, times 65536 */
	uint32_t base;	 /* first sequence number of this source */
	uint64_t received;
	uint64_t lost_before; /* losses of earlier sources */
};

void mrtp_rx_update(struct mrtp_rx *r, uint32_t ssrc, uint16_t seq);
uint64_t mrtp_rx_lost(const struct mrtp_rx *r);

/*
 * The stream a leg sends towards its party. Everything sent to a leg (relayed
 * from a bridged leg, or generated music and prompts) goes out under the leg's
 * own SSRC with its own sequence and timestamp, so a change of what the leg
 * hears (a new bridge after a transfer, music, then a bridge again) looks like
 * one continuous stream to the receiver: the sequence goes on by one, the
 * timestamp by the time that passed (at least the last packet's duration), and
 * the first packet after a change carries the marker bit.
 *
 * `gen` names the current source of the stream (the owner increments it on
 * every change); a relayed packet also re-anchors when the sending party's
 * SSRC changes.
 */
struct mrtp_out {
	uint32_t ssrc;
	uint16_t seq;	   /* last sent (initially one before the first) */
	uint32_t ts;	   /* highest timestamp sent (initially the first) */
	uint32_t last_dur; /* samples covered by the packet at ts */
	int64_t last_ns;   /* when the packet at ts was sent */
	bool started;
	/* current anchor */
	bool anchored;
	uint32_t gen;
	uint32_t src_ssrc; /* relay: the sender's SSRC */
	uint16_t seq_off;  /* relay: out = in + off */
	uint32_t ts_off;
	uint64_t period0; /* play: clock period of ts0 */
	uint32_t ts0;
};

void mrtp_out_init(struct mrtp_out *o, uint32_t ssrc, uint16_t first_seq, uint32_t first_ts);
/*
 * A relayed packet (in_* from its header; dur: audio samples it carries, 0 for
 * an event) at monotonic time now_ns: the header values to send.
 */
void mrtp_out_relay(struct mrtp_out *o, uint32_t gen, uint32_t in_ssrc, uint16_t in_seq,
		    uint32_t in_ts, uint32_t dur, int64_t now_ns, uint16_t *seq, uint32_t *ts,
		    bool *marker);
/*
 * A generated 20 ms packet for media-clock period `period` (one period = 20 ms
 * = MRTP_FRAME samples): its timestamp follows the clock, so periods the clock
 * skipped show as a timestamp gap while the sequence stays continuous.
 */
void mrtp_out_play(struct mrtp_out *o, uint32_t gen, uint64_t period, int64_t now_ns,
		   uint16_t *seq, uint32_t *ts, bool *marker);

/*
 * An RFC 4733 telephone-event payload: the DTMF digit ('0'-'9', '*', '#',
 * 'A'-'D'; 0 for other events) and the end flag. Returns 0 or EBADMSG (shorter
 * than 4 bytes).
 */
int mrtp_telev(const uint8_t *payload, size_t len, char *digit, bool *end);

#endif
