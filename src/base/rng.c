/* rng: xoshiro256** seeded through splitmix64 (see rng.h). */
#include "base/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void rng_substream(struct rng *child, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed;
	uint64_t a = splitmix64(&x);
	x = a ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
	rng_seed(child, splitmix64(&x));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	const uint64_t result = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	/* Lemire's multiply-and-reject: unbiased, usually one multiplication. */
	unsigned __int128 m = (unsigned __int128)rng_next(r) * n;
	uint64_t low = (uint64_t)m;
	if (low < n) {
		uint64_t t = -n % n;
		while (low < t) {
			m = (unsigned __int128)rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

double rng_uniform_pos(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
}

double rng_exp(struct rng *r, double mean)
{
	return -mean * log(rng_uniform_pos(r));
}

double rng_normal(struct rng *r)
{
	double u1 = rng_uniform_pos(r);
	double u2 = rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t rng_poisson(struct rng *r, double lambda)
{
	if (!(lambda > 0.0))
		return 0;
	if (lambda < 30.0) {
		/* Inversion by sequential search. */
		double p = exp(-lambda), f = p, u = rng_uniform(r);
		uint64_t k = 0;
		while (u > f && k < 1000) {
			k++;
			p *= lambda / (double)k;
			f += p;
		}
		return k;
	}
	/* Hormann's PTRS (transformed rejection with squeeze). */
	double slam = sqrt(lambda), loglam = log(lambda);
	double b = 0.931 + 2.53 * slam;
	double a = -0.059 + 0.02483 * b;
	double invalpha = 1.1239 + 1.1328 / (b - 3.4);
	double vr = 0.9277 - 3.6224 / (b - 2);
	for (;;) {
		double u = rng_uniform(r) - 0.5;
		double v = rng_uniform(r);
		double us = 0.5 - fabs(u);
		double k = floor((2 * a / us + b) * u + lambda + 0.43);
		if (us >= 0.07 && v <= vr)
			return (uint64_t)k;
		if (k < 0 || (us < 0.013 && v > us))
			continue;
		if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
		    -lambda + k * loglam - lgamma(k + 1))
			return (uint64_t)k;
	}
}
