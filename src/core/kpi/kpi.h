/* kpi: contact-center figures (service level, ASA, AHT, abandonment, occupancy) computed from ACD events. */
#ifndef SB_CORE_KPI_H
#define SB_CORE_KPI_H

/*
 * Everything here is derived from the event stream alone, so the figures
 * can be rebuilt exactly from the event log. Definitions: docs/kpi.md.
 *
 * Attribution: a call's figures (offered, answered, abandoned, waits, talk,
 * hold, wrap-up) belong to the interval in which the call entered the queue
 * (the segment start, ev.t_enter), as the staffing models count arrivals.
 * Agents' time in state is split at interval boundaries.
 */

#include "core/acd/acd.h"

#include <stdint.h>

struct kpi;

/* Counters for one queue (overall or one interval). */
struct kpi_counts {
	uint64_t offered; /* entered the queue */
	uint64_t answered;
	uint64_t answered_within; /* wait <= T */
	uint64_t abandoned;
	uint64_t abandoned_short;  /* wait <= short-abandon threshold */
	uint64_t abandoned_within; /* wait <= T */
	uint64_t overflowed;	   /* exit by timeout, overflow or callback request */
	uint64_t interrupted;	   /* cut off by a daemon crash, closed at the next start */
	uint64_t refused;
	uint64_t handled; /* answered calls whose talk ended (completed or transferred) */
	uint64_t transferred;
	uint64_t callbacks_requested, callbacks_connected, callbacks_failed;
	int64_t wait_answered_ms, wait_abandoned_ms;
	int64_t talk_ms, hold_ms, wrap_ms;
	int64_t max_wait_answered_ms;
};

/* Counters for one agent (overall or one interval). */
struct kpi_agent_counts {
	uint64_t offers, answered, missed, handled;
	int64_t talk_ms, hold_ms, wrap_ms;
	int64_t state_ms[ACD_AGENT_STATE_COUNT];
};

/*
 * interval_ms: 15, 30 or 60 minutes (any positive length works);
 * origin_ms: where intervals are aligned (e.g. local midnight as epoch ms).
 */
int kpi_alloc(struct kpi **kp, int64_t interval_ms, int64_t origin_ms);
void kpi_free(struct kpi *k);

/* Thresholds of a queue; queues never configured use T = 20 s and short = 5 s. */
int kpi_queue_config(struct kpi *k, uint32_t queue, int64_t sl_threshold_ms, int64_t short_abandon_ms);

/* Feeds one event. kpi_sink has the acd_event_h shape (arg is the struct kpi). */
void kpi_event(struct kpi *k, const struct acd_event *ev);
void kpi_sink(const struct acd_event *ev, void *arg);

int kpi_queue_totals(const struct kpi *k, uint32_t queue, struct kpi_counts *out);
/* Counters of the interval that contains `t`. Zeroes when nothing happened then. */
int kpi_queue_interval(const struct kpi *k, uint32_t queue, int64_t t, struct kpi_counts *out);
/* Start times of the intervals with data for the queue, ascending; returns how many (<= max). */
uint32_t kpi_queue_intervals(const struct kpi *k, uint32_t queue, int64_t *starts, uint32_t max);
/* Agent counters; open state time counts up to `now` when now > 0. */
int kpi_agent_totals(const struct kpi *k, uint32_t agent, int64_t now, struct kpi_agent_counts *out);
int kpi_agent_interval(const struct kpi *k, uint32_t agent, int64_t t, struct kpi_agent_counts *out);
int64_t kpi_interval_start(const struct kpi *k, int64_t t);
int64_t kpi_interval_ms(const struct kpi *k);

/* Derived figures; NaN when the denominator is zero. */
double kpi_sl_offered(const struct kpi_counts *c);	/* answered within T / offered */
double kpi_sl_excl_short(const struct kpi_counts *c);	/* answered within T / (answered + abandoned - short) */
double kpi_sl2(const struct kpi_counts *c);		/* (answered + abandoned within T) / (answered + abandoned) */
double kpi_sl_answered(const struct kpi_counts *c);	/* answered within T / answered */
double kpi_asa_ms(const struct kpi_counts *c);		/* wait of answered calls / answered */
double kpi_aht_ms(const struct kpi_counts *c);		/* (talk + hold + wrap) / handled */
double kpi_abandon_rate(const struct kpi_counts *c);	/* abandoned / offered */
double kpi_abandon_rate_excl_short(const struct kpi_counts *c); /* (abandoned - short) / (offered - short) */
double kpi_occupancy(const struct kpi_agent_counts *c); /* (talk+hold+wrap state) / (ready+reserved+talk+hold+wrap) */

/* Adds b into a. */
void kpi_counts_add(struct kpi_counts *a, const struct kpi_counts *b);

#endif
