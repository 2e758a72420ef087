/* clock: the real clocks, for programs only (the core takes time as an argument). */
#ifndef SB_BASE_CLOCK_H
#define SB_BASE_CLOCK_H

#include <stdint.h>

/* Wall-clock time as UTC epoch milliseconds. */
int64_t clock_wall_ms(void);
/* Monotonic time in milliseconds, for intervals and deadlines. */
int64_t clock_mono_ms(void);
/* Monotonic time in nanoseconds, for benchmarks. */
int64_t clock_mono_ns(void);

#endif
