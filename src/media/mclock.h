/* mclock: the media clock's pure parts: phase-slot choice, tick arithmetic, the lateness histogram. */
#ifndef SB_MEDIA_MCLOCK_H
#define SB_MEDIA_MCLOCK_H

/*
 * The media clock ticks every millisecond; tick t serves phase slot t mod 20
 * and belongs to 20 ms period t / 20. A player keeps one slot for its life,
 * so it sends exactly once per period, and the work of a period is spread
 * over its 20 ticks instead of one burst.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCLOCK_SLOTS   20
#define MCLOCK_TICK_NS 1000000LL
/* After a stall, at most this many overdue ticks are served; older ones are skipped. */
#define MCLOCK_MAX_CATCHUP 60

/*
 * The slot for a new player: the least loaded one; among equals, the first to
 * come at or after next_tick (so the player starts soonest).
 */
unsigned mclock_pick_slot(const unsigned load[MCLOCK_SLOTS], uint64_t next_tick);

/* The tick due at monotonic time now_ns for a clock started at epoch_ns (floor; 0 before). */
uint64_t mclock_due(int64_t epoch_ns, int64_t now_ns);

/*
 * Latency histogram in microseconds: 10 us buckets up to 100 ms, one overflow
 * bucket, exact maximum. Percentiles are the bucket's upper edge (never
 * optimistic), the maximum when they fall in the overflow.
 */
#define MHIST_BUCKET_US 10
#define MHIST_BUCKETS	10000

struct mhist {
	uint64_t n, over, max_us;
	double sum_us;
	uint64_t b[MHIST_BUCKETS];
};

void mhist_reset(struct mhist *h);
/* Adds one value (negative values count as 0). */
void mhist_add(struct mhist *h, int64_t us);
/* The p-quantile (0 < p <= 1) in microseconds; 0 when empty. */
uint64_t mhist_pct(const struct mhist *h, double p);
/* Adds every count of src to dst. */
void mhist_merge(struct mhist *dst, const struct mhist *src);

#endif
