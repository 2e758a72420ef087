/* traffic: demo traffic: simulated callers and agents driving the live center in real time. */
#ifndef SB_SERVER_TRAFFIC_H
#define SB_SERVER_TRAFFIC_H

/*
 * `serve --demo-traffic` runs this on the loop: callers arrive at every
 * queue that has a number, drawn by the simulator's traffic generator
 * (core/sim/traffic.h: Poisson arrivals following a day profile, talk times,
 * patience), with the numbers of the customers in the database, so screen
 * pop finds them. Simulated agents (every agent but the first `humans` by
 * id) log in, answer offers after a short ring, talk, sometimes hold, wrap
 * up with a disposition and take breaks. Everything goes through the center's
 * call and agent functions, so it runs the real router and lands in the
 * event log, the committed figures and the contact records exactly as
 * calls from phones would. The agents left to people get offered the
 * simulated callers too; those callers hang up after their talk time.
 *
 * The day profile is compressed: one hour of it lasts `hour_ms` of real
 * time, starting at its 09:00, so a newcomer sees the figures move at once.
 */

#include <stdbool.h>
#include <stdint.h>

struct center;
struct store;
struct traffic;

struct traffic_config {
	double calls_per_min;	/* arrivals a minute at the busiest queue at the day's peak (> 0) */
	int64_t hour_ms;	/* real time one hour of the day profile lasts (> 0) */
	int64_t talk_ms;	/* mean talk time (lognormal); 0: callers hang up at once */
	int64_t patience_ms;	/* mean patience (exponential); 0: callers wait forever */
	int64_t ring_ms;	/* a simulated agent answers after 1/4..1 of this; 0: at once */
	int64_t wrap_ms;	/* wrap-up lasts 1/4..1 of this, then a disposition; 0: at once */
	int64_t break_every_ms; /* mean time between an agent's breaks; 0: no breaks */
	int64_t break_ms;	/* mean length of a break */
	double hold_pct;	/* calls a simulated agent puts on hold once (0..100) */
	double miss_pct;	/* offers a simulated agent lets ring out (0..100) */
	unsigned humans;	/* the first `humans` agents (by id) are left to people */
	unsigned load;		/* benchmarks: keep this many callers in the center at all times,
				   instead of arrivals from the day profile; 0: off */
	uint64_t seed;		/* 0: from the clock */
};

/*
 * Demo defaults: 5 calls a minute at the peak of the busiest queue (13.5 over
 * the four queues), 75 s talk, 2 minutes' patience, a day in 24 minutes:
 * about 85 % occupancy at the peaks, so callers wait now and then.
 */
void traffic_config_default(struct traffic_config *cfg);
/* 0, or EINVAL with a reason in err when a setting is out of range. */
int traffic_config_check(const struct traffic_config *cfg, char *err, unsigned len);

/*
 * Starts the traffic on the loop thread: loads the customers' numbers and
 * the dispositions from storage (synchronously: call at start-up), registers
 * a call sink with the center and arms its timer. The center must outlive
 * the traffic. Returns 0 or an errno.
 */
int traffic_start(struct traffic **tp, struct center *c, struct store *st,
		  const struct traffic_config *cfg);
/*
 * Frees everything (NULL is fine) without touching the center: call it once
 * the loop has stopped, after center_close() (the center calls the sink until
 * it is closed). Calls and agents stay as they were in the center's log; the
 * next start closes them as interrupted.
 */
void traffic_stop(struct traffic *t);

#endif
