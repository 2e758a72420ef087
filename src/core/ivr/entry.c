/* entry: the number-entry state machine: collect DTMF digits, validate as a phone number, retry,
 * give up. */
#include "core/ivr/entry.h"

#include <errno.h>
#include <string.h>

enum {
	E_COLLECT = 1, /* listening for digits until deadline */
	E_INVALID,     /* "not valid" playing */
	E_DONE,
};

static bool dtmf(char k)
{
	return (k >= '0' && k <= '9') || k == '*' || k == '#' || (k >= 'A' && k <= 'D');
}

static struct ivr_entry_action *push(struct ivr_entry *e, enum ivr_entry_act kind)
{
	/* cannot overflow: an input adds at most 2 actions and inputs are refused past half the
	 * ring */
	struct ivr_entry_action *x = &e->q[(e->q_head + e->q_len) % IVR_ENTRY_QCAP];
	e->q_len++;
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->time = e->now;
	return x;
}

static void ask(struct ivr_entry *e)
{
	push(e, IVR_ENTRY_ASK);
	e->state = E_COLLECT;
	e->n_digits = 0;
	e->digits[0] = '\0';
	e->deadline = e->now + e->p.timeout_ms;
}

int ivr_entry_start(struct ivr_entry *e, const struct ivr_entry_params *p, int64_t now)
{
	if (!e || !p || !p->plan.cc || !p->plan.trunk || !p->plan.intl || p->tries < 1 ||
	    p->timeout_ms <= 0)
		return EINVAL;
	memset(e, 0, sizeof(*e));
	e->p = *p;
	e->now = now;
	ask(e);
	return 0;
}

/* '#' or silence: a valid number ends the entry; anything else is one failed try. */
static void entered(struct ivr_entry *e)
{
	char e164[IVR_NUMBER_MAX];
	if (e->n_digits > 0 && e->n_digits <= IVR_ENTRY_DIGITS_MAX &&
	    phone_normalize(e->digits, &e->p.plan, e164, sizeof(e164)) == 0) {
		memcpy(push(e, IVR_ENTRY_NUMBER)->number, e164, sizeof(e164));
		e->state = E_DONE;
		return;
	}
	e->tries++;
	push(e, IVR_ENTRY_INVALID);
	e->state = E_INVALID;
}

static void fire(struct ivr_entry *e, int64_t now)
{
	if (now > e->now)
		e->now = now;
	if (e->state == E_COLLECT && e->deadline <= e->now) {
		int64_t t = e->now;
		e->now = e->deadline; /* the silence ended the entry at its own time */
		entered(e);
		e->now = t;
	}
}

int ivr_entry_digit(struct ivr_entry *e, char key, int64_t now)
{
	if (!dtmf(key))
		return EINVAL;
	if (e->q_len > IVR_ENTRY_QCAP / 2)
		return EBUSY;
	fire(e, now);
	if (e->state == E_DONE)
		return EBUSY;
	if (e->state != E_COLLECT)
		return 0; /* keys while "not valid" plays are dropped */
	if (key == '#') {
		entered(e);
	} else if (key == '*') {
		push(e, IVR_ENTRY_CANCEL);
		e->state = E_DONE;
	} else if (key >= '0' && key <= '9') {
		if (e->n_digits < IVR_ENTRY_DIGITS_MAX) {
			e->digits[e->n_digits] = key;
			e->digits[e->n_digits + 1] = '\0';
		}
		e->n_digits++; /* counts past the buffer: too long is invalid */
		e->deadline = e->now + e->p.timeout_ms;
	}
	return 0;
}

int ivr_entry_prompt_done(struct ivr_entry *e, int64_t now)
{
	if (e->q_len > IVR_ENTRY_QCAP / 2)
		return EBUSY;
	fire(e, now);
	if (e->state != E_INVALID)
		return EBUSY;
	if (e->tries >= e->p.tries) {
		push(e, IVR_ENTRY_GIVE_UP);
		e->state = E_DONE;
	} else {
		ask(e);
	}
	return 0;
}

void ivr_entry_advance(struct ivr_entry *e, int64_t now)
{
	if (e->q_len > IVR_ENTRY_QCAP / 2)
		return; /* the driver drains actions first; the deadline stays due */
	fire(e, now);
}

int64_t ivr_entry_next_deadline(const struct ivr_entry *e)
{
	return e->state == E_COLLECT ? e->deadline : INT64_MAX;
}

bool ivr_entry_action(struct ivr_entry *e, struct ivr_entry_action *out)
{
	if (e->q_len == 0)
		return false;
	*out = e->q[e->q_head];
	e->q_head = (e->q_head + 1) % IVR_ENTRY_QCAP;
	e->q_len--;
	return true;
}

bool ivr_entry_finished(const struct ivr_entry *e)
{
	return e->state == E_DONE;
}
