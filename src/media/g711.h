/* g711: G.711 u-law / A-law helpers for the relay and the players: transcoding tables, encoding, a loudness count. */
#ifndef SB_MEDIA_G711_H
#define SB_MEDIA_G711_H

/*
 * The per-sample conversions are librem's (rem_g711.h); the u-law <-> A-law
 * tables are built from them once (decode, then encode), so a transcoded
 * sample is exactly what decoding and re-encoding through librem would give.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MG711_PCMU = 0, MG711_PCMA = 8 }; /* static RTP payload types */

/* Builds the tables (idempotent; call before the others, from the loop thread). */
void mg711_init(void);

/* A u-law byte as A-law, and back. */
uint8_t mg711_u2a(uint8_t u);
uint8_t mg711_a2u(uint8_t a);
/* Converts n bytes in place: to_alaw true: u-law -> A-law, else A-law -> u-law. */
void mg711_transcode(uint8_t *p, size_t n, bool to_alaw);

/* Encodes n 16-bit samples. */
void mg711_encode(uint8_t *out, const int16_t *pcm, size_t n, bool alaw);
int16_t mg711_decode(uint8_t b, bool alaw);

/* Samples louder than this (absolute 16-bit value) count as sound, not silence. */
#define MG711_LOUD 32
/* How many of the n bytes decode to sound (|sample| > MG711_LOUD). */
size_t mg711_loud(const uint8_t *p, size_t n, bool alaw);

#endif
