/* mclock: phase-slot choice, tick arithmetic, the lateness histogram. */
#include "media/mclock.h"

#include <math.h>
#include <string.h>

unsigned mclock_pick_slot(const unsigned load[MCLOCK_SLOTS], uint64_t next_tick)
{
	unsigned first = (unsigned)(next_tick % MCLOCK_SLOTS), best = first;
	for (unsigned i = 1; i < MCLOCK_SLOTS; i++) {
		unsigned k = (first + i) % MCLOCK_SLOTS;
		if (load[k] < load[best])
			best = k;
	}
	return best;
}

uint64_t mclock_due(int64_t epoch_ns, int64_t now_ns)
{
	if (now_ns <= epoch_ns)
		return 0;
	return (uint64_t)((now_ns - epoch_ns) / MCLOCK_TICK_NS);
}

void mhist_reset(struct mhist *h)
{
	memset(h, 0, sizeof(*h));
}

void mhist_add(struct mhist *h, int64_t us)
{
	uint64_t v = us > 0 ? (uint64_t)us : 0;
	h->n++;
	h->sum_us += (double)v;
	if (v > h->max_us)
		h->max_us = v;
	uint64_t k = v / MHIST_BUCKET_US;
	if (k >= MHIST_BUCKETS)
		h->over++;
	else
		h->b[k]++;
}

uint64_t mhist_pct(const struct mhist *h, double p)
{
	if (!h->n)
		return 0;
	double want = ceil(p * (double)h->n);
	uint64_t rank = want < 1 ? 1 : (uint64_t)want, acc = 0;
	if (rank > h->n)
		rank = h->n;
	for (uint64_t k = 0; k < MHIST_BUCKETS; k++) {
		acc += h->b[k];
		if (acc >= rank) {
			uint64_t edge = (k + 1) * MHIST_BUCKET_US;
			return edge < h->max_us ? edge : h->max_us;
		}
	}
	return h->max_us;
}

void mhist_merge(struct mhist *dst, const struct mhist *src)
{
	dst->n += src->n;
	dst->over += src->over;
	dst->sum_us += src->sum_us;
	if (src->max_us > dst->max_us)
		dst->max_us = src->max_us;
	for (uint64_t k = 0; k < MHIST_BUCKETS; k++)
		dst->b[k] += src->b[k];
}
