/* g711: transcoding tables built from librem's G.711, frame encoding, loudness count. */
#include "media/g711.h"

#include <rem_g711.h>

static uint8_t u2a[256], a2u[256];
/*
 * Loudness: with the sign bit dropped, a u-law byte's complement and an A-law
 * byte xor 0x55 grow with the magnitude, so "loud" is one comparison per
 * byte (a loop the compiler vectorises): code >= first_loud[law].
 */
static const uint8_t flip[2] = {0xff, 0x55};
static uint8_t first_loud[2];
static bool ready;

void mg711_init(void)
{
	if (ready)
		return;
	for (unsigned i = 0; i < 256; i++) {
		int16_t su = g711_ulaw2pcm((uint8_t)i), sa = g711_alaw2pcm((uint8_t)i);
		u2a[i] = g711_pcm2alaw(su);
		a2u[i] = g711_pcm2ulaw(sa);
	}
	for (unsigned law = 0; law < 2; law++) {
		unsigned c = 0;
		while (c < 128) {
			int16_t x = mg711_decode((uint8_t)(c ^ flip[law]), law == 1);
			if (x > MG711_LOUD || x < -MG711_LOUD)
				break;
			c++;
		}
		first_loud[law] = (uint8_t)c;
	}
	ready = true;
}

uint8_t mg711_u2a(uint8_t u)
{
	return u2a[u];
}

uint8_t mg711_a2u(uint8_t a)
{
	return a2u[a];
}

void mg711_transcode(uint8_t *p, size_t n, bool to_alaw)
{
	const uint8_t *t = to_alaw ? u2a : a2u;
	for (size_t i = 0; i < n; i++)
		p[i] = t[p[i]];
}

/* librem negates the sample: -32768 would overflow (and index before its A-law table). */
static inline int16_t clip(int16_t s)
{
	return s == INT16_MIN ? -INT16_MAX : s;
}

void mg711_encode(uint8_t *out, const int16_t *pcm, size_t n, bool alaw)
{
	if (alaw) {
		for (size_t i = 0; i < n; i++)
			out[i] = g711_pcm2alaw(clip(pcm[i]));
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = g711_pcm2ulaw(clip(pcm[i]));
	}
}

int16_t mg711_decode(uint8_t b, bool alaw)
{
	return alaw ? g711_alaw2pcm(b) : g711_ulaw2pcm(b);
}

size_t mg711_loud(const uint8_t *p, size_t n, bool alaw)
{
	const uint8_t x = flip[alaw], k = first_loud[alaw];
	size_t c = 0, i = 0;
	for (; i + 32 <= n; i += 32) { /* fixed trip count: vectorised at -O2 */
		uint8_t part = 0;
		for (unsigned j = 0; j < 32; j++)
			part += ((uint8_t)(p[i + j] ^ x) & 0x7f) >= k;
		c += part;
	}
	for (; i < n; i++)
		c += ((uint8_t)(p[i] ^ x) & 0x7f) >= k;
	return c;
}
