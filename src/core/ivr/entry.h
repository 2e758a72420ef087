/* entry: keying in a telephone number by DTMF (for a callback), checked against the site's dialling
 * plan. */
#ifndef SB_CORE_IVR_ENTRY_H
#define SB_CORE_IVR_ENTRY_H

/*
 * The caller is asked for a number, keys digits and ends with '#' (or
 * falls silent for timeout_ms); '*' cancels. The digits are normalised to
 * E.164 with the site's dialling plan (base/phone.h); a number that is not
 * valid is announced and asked for again, `tries` times in all. Used by the
 * announcer (an anonymous caller asking for a callback while queued) and by
 * the controller directly (a menu's callback choice, or an after-hours
 * callback, for an anonymous caller). Same time contract as the rest of
 * the module.
 */

#include <stdbool.h>
#include <stdint.h>

#include "base/phone.h"
#include "core/ivr/hours.h"

#define IVR_ENTRY_DIGITS_MAX 20 /* digits kept; more make the entry invalid */
#define IVR_ENTRY_QCAP	     8

struct ivr_entry_params {
	struct phone_plan plan; /* strings stay the caller's */
	unsigned tries;		/* >= 1 */
	int64_t timeout_ms;	/* silence that ends the entry (> 0), restarted by each digit */
};

enum ivr_entry_act {
	IVR_ENTRY_ASK =
	    1, /* stop what plays; say "key in your number, then the hash key"; collect digits */
	IVR_ENTRY_INVALID, /* say "that number is not valid"; report ivr_entry_prompt_done() when it
			      ends */
	IVR_ENTRY_NUMBER,  /* done: `number` (E.164) */
	IVR_ENTRY_GIVE_UP, /* done: no valid number after every try */
	IVR_ENTRY_CANCEL,  /* done: the caller pressed '*' */
};

struct ivr_entry_action {
	enum ivr_entry_act kind;
	char number[IVR_NUMBER_MAX]; /* NUMBER */
	int64_t time;
};

struct ivr_entry {
	struct ivr_entry_params p;
	int state;
	unsigned tries; /* invalid entries so far */
	char digits[IVR_ENTRY_DIGITS_MAX + 1];
	unsigned n_digits;
	int64_t deadline;
	int64_t now;
	struct ivr_entry_action q[IVR_ENTRY_QCAP];
	unsigned q_head, q_len;
};

/* Starts an entry (emits IVR_ENTRY_ASK). EINVAL for bad parameters (a plan must be complete). */
int ivr_entry_start(struct ivr_entry *e, const struct ivr_entry_params *p, int64_t now);
/* A key: digits, '#' ends, '*' cancels; others are ignored. EINVAL: not DTMF; EBUSY: finished. */
int ivr_entry_digit(struct ivr_entry *e, char key, int64_t now);
/* The "not valid" prompt ended. EBUSY when it was not playing. */
int ivr_entry_prompt_done(struct ivr_entry *e, int64_t now);
void ivr_entry_advance(struct ivr_entry *e, int64_t now);
int64_t ivr_entry_next_deadline(const struct ivr_entry *e); /* INT64_MAX when none */
bool ivr_entry_action(struct ivr_entry *e, struct ivr_entry_action *out);
bool ivr_entry_finished(const struct ivr_entry *e);

#endif
