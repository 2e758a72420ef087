/* rtp: RTP header parsing and rewriting, loss accounting, outgoing-stream continuity, RFC 4733 events. */
#include "media/rtp.h"

#include <errno.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int mrtp_parse(struct mrtp_hdr *h, const uint8_t *p, size_t len)
{
	if (len < MRTP_HDR || (p[0] >> 6) != 2)
		return EBADMSG;
	size_t off = MRTP_HDR + 4u * (p[0] & 0x0f);
	if (off > len)
		return EBADMSG;
	if (p[0] & 0x10) { /* header extension: 16-bit profile, 16-bit length in words */
		if (off + 4 > len)
			return EBADMSG;
		off += 4 + 4u * get16(p + off + 2);
		if (off > len)
			return EBADMSG;
	}
	size_t end = len;
	if (p[0] & 0x20) { /* padding: the last byte counts it, itself included */
		uint8_t pad = p[len - 1];
		if (pad == 0 || pad > len - off)
			return EBADMSG;
		end = len - pad;
	}
	h->marker = (p[1] & 0x80) != 0;
	h->pt = p[1] & 0x7f;
	h->seq = get16(p + 2);
	h->ts = get32(p + 4);
	h->ssrc = get32(p + 8);
	h->off = off;
	h->plen = end - off;
	return 0;
}

void mrtp_rewrite(uint8_t *p, uint8_t pt, bool marker, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	p[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	put16(p + 2, seq);
	put32(p + 4, ts);
	put32(p + 8, ssrc);
}

size_t mrtp_build(uint8_t *p, uint8_t pt, bool marker, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	p[0] = 0x80;
	mrtp_rewrite(p, pt, marker, seq, ts, ssrc);
	return MRTP_HDR;
}

static uint64_t rx_lost_current(const struct mrtp_rx *r)
{
	if (!r->init)
		return 0;
	uint64_t expected = (uint64_t)r->cycles + r->max_seq - r->base + 1;
	return expected > r->received ? expected - r->received : 0;
}

static void rx_start(struct mrtp_rx *r, uint32_t ssrc, uint16_t seq)
{
	r->lost_before += rx_lost_current(r);
	r->init = true;
	r->ssrc = ssrc;
	r->max_seq = seq;
	r->cycles = 0;
	r->base = seq;
	r->received = 1;
}

void mrtp_rx_update(struct mrtp_rx *r, uint32_t ssrc, uint16_t seq)
{
	if (!r->init || r->ssrc != ssrc) {
		rx_start(r, ssrc, seq);
		return;
	}
	uint16_t delta = (uint16_t)(seq - r->max_seq);
	if (delta < MRTP_MAX_DROPOUT) {
		if (seq < r->max_seq)
			r->cycles += 65536;
		r->max_seq = seq;
		r->received++;
	} else if (delta <= 65536 - MRTP_MAX_MISORDER) {
		/* a jump: the sender restarted its sequence without a new SSRC */
		rx_start(r, ssrc, seq);
	} else {
		r->received++; /* late or duplicate */
	}
}

uint64_t mrtp_rx_lost(const struct mrtp_rx *r)
{
	return r->lost_before + rx_lost_current(r);
}

void mrtp_out_init(struct mrtp_out *o, uint32_t ssrc, uint16_t first_seq, uint32_t first_ts)
{
	*o = (struct mrtp_out){0};
	o->ssrc = ssrc;
	o->seq = (uint16_t)(first_seq - 1);
	o->ts = first_ts;
}

/* The timestamp of the first packet after a change: where the stream stands now. */
static uint32_t next_ts(const struct mrtp_out *o, int64_t now_ns)
{
	if (!o->started)
		return o->ts;
	int64_t el = now_ns - o->last_ns;
	uint64_t samples = el > 0 ? (uint64_t)el / MRTP_NS_SAMPLE : 0;
	if (samples < o->last_dur)
		samples = o->last_dur;
	return o->ts + (uint32_t)samples;
}

static void sent(struct mrtp_out *o, uint16_t seq, uint32_t ts, uint32_t dur, int64_t now_ns)
{
	if (!o->started || (int16_t)(seq - o->seq) > 0)
		o->seq = seq;
	if (!o->started || (int32_t)(ts - o->ts) > 0 || (ts == o->ts && dur)) {
		o->ts = ts;
		o->last_ns = now_ns;
		if (dur)
			o->last_dur = dur;
	}
	o->started = true;
}

void mrtp_out_relay(struct mrtp_out *o, uint32_t gen, uint32_t in_ssrc, uint16_t in_seq,
		    uint32_t in_ts, uint32_t dur, int64_t now_ns, uint16_t *seq, uint32_t *ts,
		    bool *marker)
{
	*marker = false;
	if (!o->anchored || o->gen != gen || o->src_ssrc != in_ssrc || o->period0 != UINT64_MAX) {
		uint16_t s = (uint16_t)(o->seq + 1);
		uint32_t t = next_ts(o, now_ns);
		o->anchored = true;
		o->gen = gen;
		o->src_ssrc = in_ssrc;
		o->period0 = UINT64_MAX; /* marks a relay anchor */
		o->seq_off = (uint16_t)(s - in_seq);
		o->ts_off = t - in_ts;
		*marker = true;
	}
	*seq = (uint16_t)(in_seq + o->seq_off);
	*ts = in_ts + o->ts_off;
	sent(o, *seq, *ts, dur, now_ns);
}

void mrtp_out_play(struct mrtp_out *o, uint32_t gen, uint64_t period, int64_t now_ns,
		   uint16_t *seq, uint32_t *ts, bool *marker)
{
	*marker = false;
	if (!o->anchored || o->gen != gen || o->period0 == UINT64_MAX || period < o->period0) {
		o->anchored = true;
		o->gen = gen;
		o->period0 = period;
		o->ts0 = next_ts(o, now_ns);
		*marker = true;
	}
	*seq = (uint16_t)(o->seq + 1);
	*ts = o->ts0 + (uint32_t)((period - o->period0) * MRTP_FRAME);
	sent(o, *seq, *ts, MRTP_FRAME, now_ns);
}

int mrtp_telev(const uint8_t *payload, size_t len, char *digit, bool *end)
{
	static const char digits[16] = "0123456789*#ABCD";
	if (len < 4)
		return EBADMSG;
	*digit = payload[0] < 16 ? digits[payload[0]] : 0;
	*end = (payload[1] & 0x80) != 0;
	return 0;
}
