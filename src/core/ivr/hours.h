/* hours: a queue's business hours (weekly schedule plus dated exceptions) and the site's UTC
 * offsets, evaluated without tzdata. */
#ifndef SB_CORE_IVR_HOURS_H
#define SB_CORE_IVR_HOURS_H

/*
 * The core cannot read tzdata. Time zones reach it in one of two ways, and
 * both are supported:
 *
 *   - broken-down local time (struct ivr_local) computed by the driver with
 *     localtime_r() in the site's zone: enough to say open or closed now;
 *   - a zone table (struct ivr_zone): the site's UTC offsets and the UTC
 *     instants where they change (DST transitions), which the driver builds
 *     from tzdata for the coming months. With it the core converts UTC epoch
 *     milliseconds to local time and back, so "when does the queue open
 *     next" comes out as an exact instant, also across a DST change.
 *
 * All instants here are UTC epoch milliseconds (the driver's `now`).
 * Dates are proleptic Gregorian; weekdays 0 = Sunday ... 6 = Saturday, as
 * struct tm's tm_wday.
 */

#include <stdbool.h>
#include <stdint.h>

#define IVR_HOURS_MAX_SPANS 8	/* opening spans per weekday or exception */
#define IVR_HOURS_MAX_EXC   128 /* dated exceptions (holidays, special days) */
#define IVR_ZONE_MAX	    64	/* offset changes in a zone table */
#define IVR_PROMPT_MAX	    64	/* bytes of a prompt name, with the NUL */
#define IVR_NUMBER_MAX	    17	/* bytes of an E.164 number, with the NUL */
#define IVR_DAY_MIN	    1440

/* A local date. */
struct ivr_date {
	int year;  /* 1970..9999 */
	int month; /* 1..12 */
	int day;   /* 1..31 */
};

/* Local time as the driver's localtime_r() gives it. */
struct ivr_local {
	struct ivr_date date;
	int wday;   /* 0 = Sunday */
	int minute; /* minutes since local midnight, 0..1439 */
};

/* One offset period: from `from_ms` (UTC) on, local = UTC + offset_min. */
struct ivr_zone_period {
	int64_t from_ms;
	int32_t offset_min;
};

/* Offsets in force; the first period also covers everything before its from_ms. */
struct ivr_zone {
	struct ivr_zone_period p[IVR_ZONE_MAX];
	unsigned n; /* >= 1; from_ms strictly increasing */
};

/* Opening span [open_min, close_min) within one local day; close_min may be 1440 (midnight). */
struct ivr_span {
	uint16_t open_min, close_min;
};

struct ivr_day {
	struct ivr_span s[IVR_HOURS_MAX_SPANS];
	unsigned n; /* 0: closed all day */
};

/* A dated exception replaces that date's weekly spans (n = 0: closed, e.g. a holiday). */
struct ivr_exception {
	struct ivr_date date;
	struct ivr_day day;
};

enum ivr_after_kind {
	IVR_AFTER_MESSAGE = 1, /* play prompt, then hang up */
	IVR_AFTER_RECORD,      /* play prompt, record a message (voicemail-style) up to max_ms */
	IVR_AFTER_CALLBACK,    /* offer a callback, placed when the queue opens */
	IVR_AFTER_QUEUE,       /* send the caller to another queue */
};

struct ivr_after {
	enum ivr_after_kind kind;
	char prompt[IVR_PROMPT_MAX]; /* MESSAGE, RECORD, CALLBACK: what the caller hears first (""
					none) */
	int64_t max_ms;		     /* RECORD: longest message */
	uint32_t queue;		     /* QUEUE: the other queue */
};

struct ivr_hours {
	struct ivr_day week[7]; /* by weekday, 0 = Sunday */
	struct ivr_exception exc[IVR_HOURS_MAX_EXC];
	unsigned n_exc; /* sorted by date, no duplicates (ivr_hours_check enforces) */
	struct ivr_after after;
};

/* Checks ranges, span order (sorted, non-overlapping, open < close), exception order and the
 * action; 0 or EINVAL. */
int ivr_hours_check(const struct ivr_hours *h);

/* Date helpers: days since 1970-01-01 and back; weekday of a date (0 = Sunday). */
int64_t ivr_date_days(const struct ivr_date *d);
void ivr_date_from_days(int64_t days, struct ivr_date *d);
int ivr_date_wday(const struct ivr_date *d);
bool ivr_date_valid(const struct ivr_date *d);

/* A zone with one fixed offset (no DST). */
void ivr_zone_fixed(struct ivr_zone *z, int32_t offset_min);
/* Checks order and offsets (-18 h .. +18 h); 0 or EINVAL. */
int ivr_zone_check(const struct ivr_zone *z);
/* Offset in force at a UTC instant. */
int32_t ivr_zone_offset(const struct ivr_zone *z, int64_t utc_ms);
/* Local time of a UTC instant. */
void ivr_zone_local(const struct ivr_zone *z, int64_t utc_ms, struct ivr_local *out);
/*
 * UTC instant of a local date and minute. A local time skipped by a
 * forward change (spring) is taken as the same wall-clock distance after
 * the change, as most clocks do (02:30 becomes 03:30); a local time that
 * occurs twice (autumn) is its first occurrence.
 */
int64_t ivr_zone_utc(const struct ivr_zone *z, const struct ivr_date *d, int minute);

/* Is the queue open at this local time? */
bool ivr_hours_open(const struct ivr_hours *h, const struct ivr_local *t);

/*
 * The next opening at or after local time t, as a local date and minute.
 * When open at t, that is t itself. Returns 0, or ENOENT when no day in the
 * next 400 is open (a schedule that never opens).
 */
int ivr_hours_next_open_local(const struct ivr_hours *h, const struct ivr_local *t,
			      struct ivr_date *date, int *minute);

/*
 * The same as an instant: the first UTC millisecond at or after now_ms at
 * which the queue is open, converting with the zone table. Returns 0 or
 * ENOENT.
 */
int ivr_hours_next_open(const struct ivr_hours *h, const struct ivr_zone *z, int64_t now_ms,
			int64_t *open_ms);

/* When an open queue closes next (first closed instant after now_ms); ENOENT when it never closes
 * within 400 days. */
int ivr_hours_next_close(const struct ivr_hours *h, const struct ivr_zone *z, int64_t now_ms,
			 int64_t *close_ms);

#endif
