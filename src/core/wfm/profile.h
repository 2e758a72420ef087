/* profile: an interval profile (interval_start,calls CSV) parsed and placed on the real time line.
 */
#ifndef SB_CORE_WFM_PROFILE_H
#define SB_CORE_WFM_PROFILE_H

/*
 * Pure: the text comes in as a buffer, and the local clock's rules (which
 * need the time-zone database, i.e. I/O) come in as a callback. The rules for
 * local times around daylight-saving changes are in docs/wfm.md:
 *   - every row is one interval, identified by its own start as written;
 *     rows are never merged, reordered or dropped;
 *   - a start with an offset (Z, +01:00) is an exact instant; a local start
 *     is placed by the zone; a local time the clock skips is an error; one it
 *     shows twice takes the first of its two instants that is later than the
 *     row before (so a repeated hour listed twice, in order, is two hours);
 *   - the interval length is the most common spacing in real elapsed time;
 *     every spacing must be a whole number of intervals (larger ones are
 *     reported as missing intervals).
 * Errors name the line of the file (the header is line 1) and come back as
 * EBADMSG with a one-line message in `err`.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WFM_START_MAX 40 /* longest interval_start kept, in bytes */

struct wfm_row {
	unsigned line;		       /* line in the file; the header is line 1 */
	char start[WFM_START_MAX + 1]; /* interval_start as written */
	int64_t wall;	 /* the written date and time, seconds from 1970-01-01T00:00 */
	bool has_offset; /* written with Z or +hh:mm */
	int32_t offset;	 /* seconds east of UTC: as written, or from the zone */
	int64_t utc;	 /* the start in UTC seconds since the epoch (once placed) */
	double calls;	 /* calls offered in the interval, >= 0 */
};

struct wfm_profile {
	struct wfm_row *rows; /* owned; wfm_profile_release frees them */
	size_t n;
	/* set by wfm_profile_place */
	int64_t interval;	 /* seconds */
	int64_t missing;	 /* intervals absent between consecutive rows */
	unsigned offset_changes; /* rows whose UTC offset differs from the row before */
	unsigned ambiguous;	 /* local times the clock shows twice, placed by order */
};

/*
 * Parses `text` (len bytes): a header line naming the columns interval_start
 * and calls (others are ignored; an UTF-8 BOM and CR line ends are accepted;
 * blank lines are skipped), then one row per line. Fills *p (which the
 * caller zeroes and releases). Returns 0, EBADMSG (message in err) or ENOMEM.
 */
int wfm_profile_parse(struct wfm_profile *p, const char *text, size_t len, char *err,
		      size_t errlen);
void wfm_profile_release(struct wfm_profile *p);

/*
 * The local clock: writes to utc[] the instants (UTC seconds, ascending) at
 * which the local clock reads `wall` (seconds from 1970-01-01T00:00 on the
 * local clock) and returns how many: 1 normally, 0 when the clock skips that
 * time, 2 when it shows it twice.
 */
typedef unsigned(wfm_zone_h)(int64_t wall, int64_t utc[2], void *arg);

/*
 * Places every row on the UTC time line (local starts through `zone`; with
 * zone NULL they are taken as UTC), checks that rows go forward in time, and
 * sets the interval length: `interval` seconds when > 0, else detected.
 */
int wfm_profile_place(struct wfm_profile *p, int64_t interval, wfm_zone_h *zone, void *arg,
		      char *err, size_t errlen);

/*
 * Parses an ISO 8601 date and time: YYYY-MM-DDTHH:MM[:SS] (or a space for
 * T), then optionally Z or an offset +HH:MM, +HHMM or +HH. Returns 0 or EBADMSG.
 */
int wfm_iso8601(const char *s, size_t len, int64_t *wall, bool *has_offset, int32_t *offset);

/* Days from 1970-01-01 to the given proleptic Gregorian date. */
int64_t wfm_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Writes a time in seconds as YYYY-MM-DDTHH:MM:SS (plus `suffix`, e.g. "Z"). */
void wfm_format_time(int64_t t, const char *suffix, char *buf, size_t len);

#endif
