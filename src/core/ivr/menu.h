/* menu: caller menus (prompts, DTMF choices, timeouts and retries, language choice) and the
 * per-call runner state machine. */
#ifndef SB_CORE_IVR_MENU_H
#define SB_CORE_IVR_MENU_H

/*
 * A menu is a graph of nodes; the runner walks one call through it. The
 * runner is pure and follows the core's time contract (core/acd/acd.h):
 * every entry point takes `now` (UTC epoch milliseconds), fires any
 * deadline at or before it first, and ivr_run_next_deadline() says when
 * the driver must call ivr_run_advance() again.
 *
 * Inputs: a DTMF digit ('0'-'9', '*', '#', 'A'-'D'), "the prompt I was
 * told to play has finished", "the recording has ended", a deadline.
 * Outputs: actions, taken in order with ivr_run_action() (play a prompt in
 * a language, stop playing, go to a queue, transfer to a number, hang up,
 * record a message, offer a callback). When the runner reaches a terminal
 * action (queue, transfer, hangup, callback) it is finished.
 *
 * Node types:
 *   menu      prompts, then wait timeout_ms for one digit; a choice leads to
 *             a destination; no digit or an unknown one plays the timeout or
 *             invalid prompt and the menu again, at most `retries` times, then
 *             on_fail.
 *   language  a menu whose every choice sets the caller's language (used for
 *             every later prompt) before going on.
 *   play      prompts, then `next` (digits are ignored).
 *   record    prompts, then a recording of at most max_ms, then `next`.
 * Destinations: another node, a queue, a number to transfer to, hang up,
 * a callback request for a queue, or "repeat" (this node again, without
 * counting a retry).
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/ivr/hours.h"

#define IVR_MAX_PROMPTS 8
#define IVR_MAX_NODES	256
#define IVR_MAX_LANGS	8
#define IVR_NAME_MAX	48  /* bytes of a node name, with the NUL */
#define IVR_LANG_MAX	12  /* bytes of a language tag, with the NUL */
#define IVR_KEYS	16  /* 0-9 * # A-D */
#define IVR_RING_MIN_S	5   /* an "agent" destination's ring_seconds: at least */
#define IVR_RING_MAX_S	120 /* and at most (0 in the struct: the driver's default, 20 s) */

enum ivr_node_type {
	IVR_NODE_MENU = 1,
	IVR_NODE_LANGUAGE,
	IVR_NODE_PLAY,
	IVR_NODE_RECORD,
};

enum ivr_dest_kind {
	IVR_DEST_NONE = 0, /* no choice on this key */
	IVR_DEST_NODE,
	IVR_DEST_QUEUE,
	IVR_DEST_TRANSFER,
	IVR_DEST_HANGUP,
	IVR_DEST_CALLBACK,
	IVR_DEST_REPEAT,
	IVR_DEST_AGENT, /* an agent's extension: their phone rings */
};

struct ivr_dest {
	enum ivr_dest_kind kind;
	uint16_t node;		     /* NODE: index into the menu's nodes */
	uint32_t queue;		     /* QUEUE, CALLBACK; AGENT: the fallback queue (0: none) */
	char number[IVR_NUMBER_MAX]; /* TRANSFER: E.164; AGENT: the extension (digits) */
	int8_t lang;		     /* language choice: index into langs; -1 keeps the language */
	uint16_t ring_s; /* AGENT: seconds the phone rings before the fallback (0: the default) */
};

struct ivr_node {
	char name[IVR_NAME_MAX];
	enum ivr_node_type type;
	char prompts[IVR_MAX_PROMPTS][IVR_PROMPT_MAX];
	unsigned n_prompts;
	struct ivr_dest choice[IVR_KEYS]; /* menu, language: by key index (ivr_key_index) */
	int64_t timeout_ms;		  /* menu, language: wait for a digit after the prompts */
	unsigned retries;		  /* menu, language: replays after no or a wrong digit */
	char invalid_prompt[IVR_PROMPT_MAX];
	char timeout_prompt[IVR_PROMPT_MAX];
	struct ivr_dest on_fail; /* menu, language: after the last retry (default hang up) */
	struct ivr_dest next;	 /* play, record */
	int64_t max_ms;		 /* record */
};

struct ivr_menu {
	char langs[IVR_MAX_LANGS][IVR_LANG_MAX]; /* the first is the default */
	unsigned n_langs;
	uint16_t start;
	struct ivr_node *nodes; /* owned (sb_alloc), n_nodes of them */
	unsigned n_nodes;
};

/* Index of a DTMF key in ivr_node.choice, or -1 for anything else. */
int ivr_key_index(char key);
/* The key at an index. */
char ivr_key_char(int index);

/* Checks a built menu: node references, destinations, prompts, timeouts; 0 or EINVAL. */
int ivr_menu_check(const struct ivr_menu *m);
/* Frees what a menu owns (nodes); the struct itself is the caller's. Safe on a zeroed menu. */
void ivr_menu_clear(struct ivr_menu *m);
/* Node index by name, or -1. */
int ivr_menu_find(const struct ivr_menu *m, const char *name);

enum ivr_act_kind {
	IVR_ACT_PLAY = 1, /* play prompt in lang; report ivr_run_prompt_done() when it ends */
	IVR_ACT_STOP, /* stop the prompt now playing (a digit barged in); no prompt_done expected */
	IVR_ACT_RECORD,	  /* record the caller up to max_ms; report ivr_run_record_done() */
	IVR_ACT_QUEUE,	  /* terminal: enter queue (business hours are the controller's check) */
	IVR_ACT_TRANSFER, /* terminal: transfer to number */
	IVR_ACT_HANGUP,	  /* terminal */
	IVR_ACT_CALLBACK, /* terminal: the caller asked for a callback from queue */
	IVR_ACT_AGENT,	  /* terminal: to the agent at extension `number` */
};

struct ivr_action {
	enum ivr_act_kind kind;
	const char *prompt; /* PLAY: owned by the menu */
	const char *lang;   /* every action: the caller's language now */
	uint32_t queue;
	const char *number; /* TRANSFER, AGENT: owned by the menu */
	int64_t max_ms;	    /* RECORD */
	uint32_t ring_s;    /* AGENT: seconds to ring the agent's phone (0: the driver's default) */
	uint16_t node;	    /* the node that produced the action */
};

struct ivr_run;

/* A runner for one call over menu m (which must outlive it); starts at the menu's start node at
 * now. */
int ivr_run_alloc(struct ivr_run **rp, const struct ivr_menu *m, int64_t now);
void ivr_run_free(struct ivr_run *r);

/* Takes the next pending action; false when there is none. Actions stay valid until the next call.
 */
bool ivr_run_action(struct ivr_run *r, struct ivr_action *out);

/* Inputs. EINVAL for a key that is not DTMF; EBUSY when the runner is finished or not expecting it.
 */
int ivr_run_digit(struct ivr_run *r, char key, int64_t now);
int ivr_run_prompt_done(struct ivr_run *r, int64_t now);
int ivr_run_record_done(struct ivr_run *r, int64_t now);
void ivr_run_advance(struct ivr_run *r, int64_t now);
int64_t ivr_run_next_deadline(const struct ivr_run *r); /* INT64_MAX when none */

bool ivr_run_finished(const struct ivr_run *r);
const char *ivr_run_lang(const struct ivr_run *r);
int ivr_run_node(const struct ivr_run *r); /* current node index */

#endif
