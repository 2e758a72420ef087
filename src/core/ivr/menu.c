/* menu: menu model checks and the per-call runner that walks a caller through prompts and DTMF
 * choices. */
#include "core/ivr/menu.h"

#include <errno.h>
#include <string.h>

#include "base/mem.h"
#include "base/phone.h"

#define QCAP	16 /* pending actions */
#define QMAX_IN 8  /* an input is refused while this many are pending */

static const char keys[IVR_KEYS + 1] = "0123456789*#ABCD";

int ivr_key_index(char key)
{
	if (key == '\0')
		return -1;
	const char *p = strchr(keys, key);
	return p ? (int)(p - keys) : -1;
}

char ivr_key_char(int index)
{
	return index >= 0 && index < IVR_KEYS ? keys[index] : '\0';
}

void ivr_menu_clear(struct ivr_menu *m)
{
	if (!m)
		return;
	sb_free(m->nodes);
	memset(m, 0, sizeof(*m));
}

int ivr_menu_find(const struct ivr_menu *m, const char *name)
{
	for (unsigned i = 0; i < m->n_nodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool str_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static int dest_check(const struct ivr_menu *m, const struct ivr_dest *d, bool terminal_ok)
{
	if (d->lang < -1 || d->lang >= (int)m->n_langs)
		return EINVAL;
	switch (d->kind) {
	case IVR_DEST_NODE:
		return d->node < m->n_nodes ? 0 : EINVAL;
	case IVR_DEST_QUEUE:
	case IVR_DEST_CALLBACK:
		return d->queue ? 0 : EINVAL;
	case IVR_DEST_TRANSFER:
		return str_ok(d->number, sizeof(d->number)) && phone_is_e164(d->number) ? 0
											: EINVAL;
	case IVR_DEST_AGENT:
		if (d->ring_s && (d->ring_s < IVR_RING_MIN_S || d->ring_s > IVR_RING_MAX_S))
			return EINVAL;
		return str_ok(d->number, sizeof(d->number)) && d->number[0] &&
			       strspn(d->number, "0123456789") == strlen(d->number)
			   ? 0
			   : EINVAL;
	case IVR_DEST_HANGUP:
		return 0;
	case IVR_DEST_REPEAT:
		return terminal_ok ? 0 : EINVAL;
	default:
		return EINVAL;
	}
}

int ivr_menu_check(const struct ivr_menu *m)
{
	if (!m || m->n_langs < 1 || m->n_langs > IVR_MAX_LANGS || m->n_nodes < 1 ||
	    m->n_nodes > IVR_MAX_NODES || m->start >= m->n_nodes || !m->nodes)
		return EINVAL;
	for (unsigned l = 0; l < m->n_langs; l++)
		if (!str_ok(m->langs[l], IVR_LANG_MAX) || m->langs[l][0] == '\0')
			return EINVAL;
	for (unsigned i = 0; i < m->n_nodes; i++) {
		const struct ivr_node *n = &m->nodes[i];
		if (!str_ok(n->name, IVR_NAME_MAX) || n->name[0] == '\0' ||
		    n->n_prompts > IVR_MAX_PROMPTS)
			return EINVAL;
		for (unsigned p = 0; p < n->n_prompts; p++)
			if (!str_ok(n->prompts[p], IVR_PROMPT_MAX) || n->prompts[p][0] == '\0')
				return EINVAL;
		switch (n->type) {
		case IVR_NODE_MENU:
		case IVR_NODE_LANGUAGE: {
			unsigned used = 0;
			if (n->timeout_ms <= 0 || !str_ok(n->invalid_prompt, IVR_PROMPT_MAX) ||
			    !str_ok(n->timeout_prompt, IVR_PROMPT_MAX))
				return EINVAL;
			for (int k = 0; k < IVR_KEYS; k++) {
				if (n->choice[k].kind == IVR_DEST_NONE)
					continue;
				used++;
				if (dest_check(m, &n->choice[k], true))
					return EINVAL;
				if (n->type == IVR_NODE_LANGUAGE && n->choice[k].lang < 0)
					return EINVAL;
			}
			if (used == 0 || dest_check(m, &n->on_fail, false))
				return EINVAL;
			break;
		}
		case IVR_NODE_PLAY:
			/* at least one prompt: a chain of silent play nodes could loop without
			 * waiting for anything */
			if (n->n_prompts < 1 || dest_check(m, &n->next, false))
				return EINVAL;
			break;
		case IVR_NODE_RECORD:
			if (n->max_ms <= 0 || dest_check(m, &n->next, false))
				return EINVAL;
			break;
		default:
			return EINVAL;
		}
	}
	return 0;
}

/* ---------- runner ---------- */

enum phase {
	PH_PROMPTS = 1, /* playing the node's prompts (or the invalid/timeout prompt) */
	PH_WAIT,	/* waiting for a digit until deadline */
	PH_RECORDING,
	PH_DONE,
};

struct ivr_run {
	const struct ivr_menu *m;
	uint16_t node;
	int lang;
	enum phase phase;
	unsigned prompt;  /* index of the node prompt playing */
	bool extra;	  /* the invalid/timeout prompt is playing, then the node's prompts again */
	unsigned tries;	  /* failed attempts at this node */
	int64_t deadline; /* PH_WAIT */
	int64_t now;
	struct ivr_action q[QCAP];
	unsigned q_head, q_len;
};

static void push(struct ivr_run *r, enum ivr_act_kind kind)
{
	/* cannot overflow: inputs are refused while QMAX_IN actions are pending, and one input adds
	 * at most 3 */
	struct ivr_action *a = &r->q[(r->q_head + r->q_len) % QCAP];
	r->q_len++;
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->lang = r->m->langs[r->lang];
	a->node = r->node;
}

static void play(struct ivr_run *r, const char *prompt)
{
	push(r, IVR_ACT_PLAY);
	r->q[(r->q_head + r->q_len - 1) % QCAP].prompt = prompt;
}

static void enter_node(struct ivr_run *r, uint16_t idx, bool reset_tries);

static void prompts_finished(struct ivr_run *r)
{
	const struct ivr_node *n = &r->m->nodes[r->node];
	switch (n->type) {
	case IVR_NODE_MENU:
	case IVR_NODE_LANGUAGE:
		r->phase = PH_WAIT;
		r->deadline = r->now + n->timeout_ms;
		break;
	case IVR_NODE_RECORD:
		r->phase = PH_RECORDING;
		push(r, IVR_ACT_RECORD);
		r->q[(r->q_head + r->q_len - 1) % QCAP].max_ms = n->max_ms;
		break;
	default: /* IVR_NODE_PLAY */
		break;
	}
}

static void go(struct ivr_run *r, const struct ivr_dest *d);

static void start_prompts(struct ivr_run *r)
{
	const struct ivr_node *n = &r->m->nodes[r->node];
	r->phase = PH_PROMPTS;
	r->extra = false;
	r->prompt = 0;
	if (n->n_prompts > 0) {
		play(r, n->prompts[0]);
		return;
	}
	prompts_finished(r);
}

static void enter_node(struct ivr_run *r, uint16_t idx, bool reset_tries)
{
	r->node = idx;
	if (reset_tries)
		r->tries = 0;
	start_prompts(r);
}

static void finish(struct ivr_run *r, enum ivr_act_kind kind, const struct ivr_dest *d)
{
	push(r, kind);
	struct ivr_action *a = &r->q[(r->q_head + r->q_len - 1) % QCAP];
	a->queue = d->queue;
	if (kind == IVR_ACT_TRANSFER || kind == IVR_ACT_AGENT)
		a->number = d->number;
	a->ring_s = kind == IVR_ACT_AGENT ? d->ring_s : 0;
	r->phase = PH_DONE;
}

static void go(struct ivr_run *r, const struct ivr_dest *d)
{
	if (d->lang >= 0)
		r->lang = d->lang;
	switch (d->kind) {
	case IVR_DEST_NODE:
		enter_node(r, d->node, true);
		break;
	case IVR_DEST_REPEAT:
		enter_node(r, r->node, false);
		break;
	case IVR_DEST_QUEUE:
		finish(r, IVR_ACT_QUEUE, d);
		break;
	case IVR_DEST_TRANSFER:
		finish(r, IVR_ACT_TRANSFER, d);
		break;
	case IVR_DEST_AGENT:
		finish(r, IVR_ACT_AGENT, d);
		break;
	case IVR_DEST_CALLBACK:
		finish(r, IVR_ACT_CALLBACK, d);
		break;
	default: /* IVR_DEST_HANGUP; IVR_DEST_NONE cannot reach here (checked menus) */
		finish(r, IVR_ACT_HANGUP, d);
		break;
	}
}

/* No digit, or a digit without a choice: play the matching prompt and the menu again, or give up.
 */
static void failed(struct ivr_run *r, bool timeout)
{
	const struct ivr_node *n = &r->m->nodes[r->node];
	r->tries++;
	if (r->tries > n->retries) {
		go(r, &n->on_fail);
		return;
	}
	const char *p = timeout ? n->timeout_prompt : n->invalid_prompt;
	if (p[0]) {
		r->phase = PH_PROMPTS;
		r->extra = true;
		play(r, p);
		return;
	}
	start_prompts(r);
}

static void fire(struct ivr_run *r, int64_t now)
{
	if (now > r->now)
		r->now = now;
	while (r->phase == PH_WAIT && r->deadline <= r->now) {
		int64_t t = r->now;
		r->now = r->deadline; /* the timeout happens at its own time */
		failed(r, true);
		r->now = t;
	}
}

int ivr_run_alloc(struct ivr_run **rp, const struct ivr_menu *m, int64_t now)
{
	if (!rp || ivr_menu_check(m))
		return EINVAL;
	struct ivr_run *r = sb_zalloc(sizeof(*r));
	if (!r)
		return ENOMEM;
	r->m = m;
	r->now = now;
	r->lang = 0;
	enter_node(r, m->start, true);
	*rp = r;
	return 0;
}

void ivr_run_free(struct ivr_run *r)
{
	sb_free(r);
}

bool ivr_run_action(struct ivr_run *r, struct ivr_action *out)
{
	if (r->q_len == 0)
		return false;
	*out = r->q[r->q_head];
	r->q_head = (r->q_head + 1) % QCAP;
	r->q_len--;
	return true;
}

int ivr_run_digit(struct ivr_run *r, char key, int64_t now)
{
	int k = ivr_key_index(key);
	if (k < 0)
		return EINVAL;
	if (r->q_len >= QMAX_IN)
		return EBUSY;
	fire(r, now);
	const struct ivr_node *n = &r->m->nodes[r->node];
	if (r->phase == PH_DONE)
		return EBUSY;
	if (n->type != IVR_NODE_MENU && n->type != IVR_NODE_LANGUAGE)
		return 0; /* play and record nodes ignore digits */
	if (r->phase == PH_PROMPTS)
		push(r, IVR_ACT_STOP); /* barge-in */
	const struct ivr_dest *d = &n->choice[k];
	if (d->kind == IVR_DEST_NONE)
		failed(r, false);
	else
		go(r, d);
	return 0;
}

int ivr_run_prompt_done(struct ivr_run *r, int64_t now)
{
	if (r->q_len >= QMAX_IN)
		return EBUSY;
	fire(r, now);
	if (r->phase != PH_PROMPTS)
		return EBUSY;
	const struct ivr_node *n = &r->m->nodes[r->node];
	if (r->extra) {
		start_prompts(r);
		return 0;
	}
	r->prompt++;
	if (r->prompt < n->n_prompts) {
		play(r, n->prompts[r->prompt]);
		return 0;
	}
	prompts_finished(r);
	if (n->type == IVR_NODE_PLAY)
		go(r, &n->next);
	return 0;
}

int ivr_run_record_done(struct ivr_run *r, int64_t now)
{
	if (r->q_len >= QMAX_IN)
		return EBUSY;
	fire(r, now);
	if (r->phase != PH_RECORDING)
		return EBUSY;
	go(r, &r->m->nodes[r->node].next);
	return 0;
}

void ivr_run_advance(struct ivr_run *r, int64_t now)
{
	if (r->q_len >= QMAX_IN)
		return; /* the driver drains actions first; the deadline stays due */
	fire(r, now);
}

int64_t ivr_run_next_deadline(const struct ivr_run *r)
{
	return r->phase == PH_WAIT ? r->deadline : INT64_MAX;
}

bool ivr_run_finished(const struct ivr_run *r)
{
	return r->phase == PH_DONE;
}

const char *ivr_run_lang(const struct ivr_run *r)
{
	return r->m->langs[r->lang];
}

int ivr_run_node(const struct ivr_run *r)
{
	return r->node;
}
