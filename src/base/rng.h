/* rng: seeded, reproducible pseudo-random numbers (xoshiro256**), the only randomness the core uses. */
#ifndef SB_BASE_RNG_H
#define SB_BASE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds the generator; the same seed always gives the same sequence. */
void rng_seed(struct rng *r, uint64_t seed);
/* Next 64 random bits. */
uint64_t rng_next(struct rng *r);
/* Uniform integer in [0, n); n must be > 0. Unbiased. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double rng_uniform(struct rng *r);
/* Uniform double in (0, 1]: safe to take the logarithm of. */
double rng_uniform_pos(struct rng *r);
/* Exponential variate with the given mean. */
double rng_exp(struct rng *r, double mean);
/* Standard normal variate (Box-Muller, one value per call). */
double rng_normal(struct rng *r);
/* Poisson variate with mean lambda (inversion for small, PTRS for large lambda). */
uint64_t rng_poisson(struct rng *r, double lambda);
/* Splits off an independent stream: the child depends only on the parent's seed and `stream`. */
void rng_substream(struct rng *child, uint64_t seed, uint64_t stream);

#endif
