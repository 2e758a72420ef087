/* announce: the expected-wait estimator and the announcer state machine of one waiting caller. */
#include "core/ivr/announce.h"

#include <errno.h>
#include <string.h>

#define MIN_MS 60000LL

enum {
	S_MUSIC = 1, /* music on hold until `due` */
	S_DUE,	     /* asked the driver for the position */
	S_SAYING,    /* announcement prompts playing */
	S_NUMBER,    /* an anonymous caller keys in a number (a->entry) */
	S_DONE,
};

/* ---------- estimator ---------- */

int ivr_ewt_init(struct ivr_ewt *e, const struct ivr_ewt_params *p)
{
	if (!e || !p || p->window_ms <= 0 || p->min_samples < 1 || p->default_aht_ms <= 0)
		return EINVAL;
	memset(e, 0, sizeof(*e));
	e->p = *p;
	return 0;
}

void ivr_ewt_dequeue(struct ivr_ewt *e, int64_t t)
{
	e->deq[(e->deq_head + e->n_deq) % IVR_EWT_KEEP] = t;
	if (e->n_deq < IVR_EWT_KEEP)
		e->n_deq++;
	else
		e->deq_head = (e->deq_head + 1) % IVR_EWT_KEEP;
}

void ivr_ewt_handled(struct ivr_ewt *e, int64_t handle_ms)
{
	if (handle_ms < 0)
		return;
	if (e->n_aht == IVR_EWT_KEEP) {
		e->aht_sum -= e->aht[e->aht_head];
		e->aht[e->aht_head] = handle_ms;
		e->aht_head = (e->aht_head + 1) % IVR_EWT_KEEP;
	} else {
		e->aht[(e->aht_head + e->n_aht) % IVR_EWT_KEEP] = handle_ms;
		e->n_aht++;
	}
	e->aht_sum += handle_ms;
}

int64_t ivr_ewt_estimate(const struct ivr_ewt *e, uint32_t position, uint32_t staffed, int64_t now,
			 enum ivr_ewt_method *how)
{
	enum ivr_ewt_method m = IVR_EWT_NONE;
	int64_t r = -1;
	if (position < 1)
		position = 1;
	if (staffed == 0)
		goto out;
	/* dequeues in (now - window, now] */
	uint32_t c = 0;
	int64_t oldest = now;
	for (uint32_t i = 0; i < e->n_deq; i++) {
		int64_t t = e->deq[(e->deq_head + i) % IVR_EWT_KEEP];
		if (t > now - e->p.window_ms && t <= now) {
			c++;
			if (t < oldest)
				oldest = t;
		}
	}
	if (c >= e->p.min_samples) {
		int64_t span = e->p.window_ms;
		if (c == IVR_EWT_KEEP && now - oldest > 0)
			span = now - oldest; /* the window held more than we keep */
		m = IVR_EWT_RATE;
		r = (int64_t)((double)position * (double)span / (double)c + 0.5);
		goto out;
	}
	double aht = e->n_aht ? (double)e->aht_sum / (double)e->n_aht : (double)e->p.default_aht_ms;
	m = IVR_EWT_HANDLE;
	r = (int64_t)((double)position * aht / (double)staffed + 0.5);
out:
	if (how)
		*how = m;
	return r;
}

/* ---------- announcer ---------- */

void ivr_ann_params_default(struct ivr_ann_params *p, const struct phone_plan *plan)
{
	memset(p, 0, sizeof(*p));
	p->first_ms = 30000;
	p->interval_ms = 60000;
	p->say_position = true;
	p->say_wait = true;
	p->max_wait_min = 30;
	p->callback_key = '1';
	p->number_tries = 3;
	p->number_timeout_ms = 10000;
	if (plan)
		p->plan = *plan;
}

static bool dtmf(char k)
{
	return (k >= '0' && k <= '9') || k == '*' || k == '#' || (k >= 'A' && k <= 'D');
}

int ivr_ann_init(struct ivr_ann *a, const struct ivr_ann_params *p, const char *caller_e164,
		 int64_t now)
{
	if (!a || !p || p->first_ms < 0 || p->interval_ms <= 0 || p->max_wait_min < 1 ||
	    (p->callback_key && !dtmf(p->callback_key)) || p->number_tries < 1 ||
	    p->number_timeout_ms <= 0)
		return EINVAL;
	if (caller_e164 && caller_e164[0] && !phone_is_e164(caller_e164))
		return EINVAL;
	if (p->callback_key && (!caller_e164 || !caller_e164[0]) &&
	    (!p->plan.cc || !p->plan.trunk || !p->plan.intl))
		return EINVAL; /* an anonymous caller's number needs a dialling plan */
	memset(a, 0, sizeof(*a));
	a->p = *p;
	if (caller_e164)
		memcpy(a->caller, caller_e164, strlen(caller_e164) + 1);
	a->state = S_MUSIC;
	a->now = now;
	a->due = now + p->first_ms;
	return 0;
}

static struct ivr_ann_action *push(struct ivr_ann *a, enum ivr_ann_act kind)
{
	/* cannot overflow: one input adds at most 6 actions and inputs are refused past half the
	 * ring */
	struct ivr_ann_action *x = &a->q[(a->q_head + a->q_len) % IVR_ANN_QCAP];
	a->q_len++;
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->time = a->now;
	return x;
}

bool ivr_ann_action(struct ivr_ann *a, struct ivr_ann_action *out)
{
	if (a->q_len == 0)
		return false;
	*out = a->q[a->q_head];
	a->q_head = (a->q_head + 1) % IVR_ANN_QCAP;
	a->q_len--;
	return true;
}

static void request(struct ivr_ann *a, const char *e164)
{
	struct ivr_ann_action *x = push(a, IVR_ANN_CALLBACK);
	memcpy(x->number, e164, strlen(e164) + 1);
	a->state = S_DONE;
}

static void back_to_music(struct ivr_ann *a)
{
	push(a, IVR_ANN_MUSIC);
	a->state = S_MUSIC;
}

static void fire(struct ivr_ann *a, int64_t now);

/* Passes the number entry's actions on as the announcer's. */
static void pump(struct ivr_ann *a)
{
	struct ivr_entry_action x;
	while (ivr_entry_action(&a->entry, &x)) {
		int64_t t = a->now;
		a->now = x.time;
		switch (x.kind) {
		case IVR_ENTRY_ASK:
			push(a, IVR_ANN_ASK_NUMBER);
			break;
		case IVR_ENTRY_INVALID:
			push(a, IVR_ANN_NUMBER_INVALID);
			break;
		case IVR_ENTRY_NUMBER:
			request(a, x.number);
			break;
		default: /* IVR_ENTRY_GIVE_UP, IVR_ENTRY_CANCEL: the caller stays in the queue */
			back_to_music(a);
			break;
		}
		a->now = t;
	}
	if (a->state == S_MUSIC)
		fire(a, a->now); /* an announcement that fell due during the entry */
}

static void ask_number(struct ivr_ann *a)
{
	struct ivr_entry_params ep = {
	    .plan = a->p.plan, .tries = a->p.number_tries, .timeout_ms = a->p.number_timeout_ms};
	a->state = S_NUMBER;
	if (ivr_entry_start(&a->entry, &ep, a->now) == 0) {
		pump(a);
		return;
	}
	back_to_music(a); /* cannot happen: ivr_ann_init checked the plan and limits */
}

static void fire(struct ivr_ann *a, int64_t now)
{
	if (now > a->now)
		a->now = now;
	if (a->state == S_MUSIC && a->due <= a->now) {
		int64_t t = a->now;
		a->now = a->due;
		push(a, IVR_ANN_DUE);
		a->state = S_DUE;
		a->now = t;
	} else if (a->state == S_NUMBER) {
		ivr_entry_advance(&a->entry, a->now);
		pump(a);
	}
}

int ivr_ann_announce(struct ivr_ann *a, uint32_t position, int64_t ewt_ms, int64_t now)
{
	if (a->q_len > IVR_ANN_QCAP / 2)
		return EBUSY;
	fire(a, now);
	if (a->state != S_DUE)
		return EBUSY;
	if (position < 1)
		return EINVAL;
	/* never up, even when a higher-priority caller enters ahead */
	if (a->announced && position > a->announced)
		position = a->announced;
	a->announced = position;
	push(a, IVR_ANN_STOP_MUSIC);
	if (a->p.say_position)
		push(a, IVR_ANN_POSITION)->position = position;
	if (a->p.say_wait && ewt_ms >= 0) {
		struct ivr_ann_action *x = push(a, IVR_ANN_WAIT);
		if (ewt_ms < MIN_MS) {
			x->less_than = true;
			x->minutes = 1;
		} else {
			/* round up: never promise too little */
			uint64_t min = (uint64_t)((ewt_ms + MIN_MS - 1) / MIN_MS);
			if (min > 10)
				min = (min + 4) / 5 * 5; /* longer waits in steps of 5 minutes */
			if (min > a->p.max_wait_min) {
				x->more_than = true;
				min = a->p.max_wait_min;
			}
			x->minutes = (uint32_t)min;
		}
	}
	if (a->p.callback_key)
		push(a, IVR_ANN_OFFER)->key = a->p.callback_key;
	push(a, IVR_ANN_END);
	a->state = S_SAYING;
	return 0;
}

int ivr_ann_skip(struct ivr_ann *a, int64_t now)
{
	if (a->q_len > IVR_ANN_QCAP / 2)
		return EBUSY;
	fire(a, now);
	if (a->state != S_DUE)
		return EBUSY;
	a->due += a->p.interval_ms;
	if (a->due < a->now)
		a->due = a->now;
	a->state = S_MUSIC;
	fire(a, a->now);
	return 0;
}

int ivr_ann_prompts_done(struct ivr_ann *a, int64_t now)
{
	if (a->q_len > IVR_ANN_QCAP / 2)
		return EBUSY;
	fire(a, now);
	if (a->state == S_SAYING) {
		/* the next starts one interval after this one did, at once if this one outlasted it
		 */
		a->due += a->p.interval_ms;
		if (a->due < a->now)
			a->due = a->now;
		back_to_music(a);
		fire(a, a->now);
		return 0;
	}
	if (a->state == S_NUMBER) {
		int err = ivr_entry_prompt_done(&a->entry, a->now);
		pump(a);
		return err;
	}
	return EBUSY;
}

int ivr_ann_digit(struct ivr_ann *a, char key, int64_t now)
{
	if (!dtmf(key))
		return EINVAL;
	if (a->q_len > IVR_ANN_QCAP / 2)
		return EBUSY;
	fire(a, now);
	switch (a->state) {
	case S_DONE:
		return EBUSY;
	case S_NUMBER: {
		int err = ivr_entry_digit(&a->entry, key, a->now);
		pump(a);
		return err;
	}
	default:
		break;
	}
	if (!a->p.callback_key || key != a->p.callback_key)
		return 0;
	if (a->state == S_DUE) /* the driver's position, when it comes, is no longer wanted */
		a->due = a->now;
	else if (a->state == S_SAYING) /* this announcement counts as made */
		a->due += a->p.interval_ms;
	if (a->caller[0])
		request(a, a->caller);
	else
		ask_number(a);
	return 0;
}

void ivr_ann_advance(struct ivr_ann *a, int64_t now)
{
	if (a->q_len > IVR_ANN_QCAP / 2)
		return; /* the driver drains actions first; the deadline stays due */
	fire(a, now);
}

int64_t ivr_ann_next_deadline(const struct ivr_ann *a)
{
	if (a->state == S_MUSIC)
		return a->due;
	if (a->state == S_NUMBER)
		return ivr_entry_next_deadline(&a->entry);
	return INT64_MAX;
}

bool ivr_ann_finished(const struct ivr_ann *a)
{
	return a->state == S_DONE;
}

uint32_t ivr_ann_position(const struct ivr_ann *a)
{
	return a->announced;
}
