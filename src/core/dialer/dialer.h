/* dialer: the outbound core: campaigns, compliance (windows, abandonment, lock-out, DNC at the
 * moment of dialling, retry rules), preview/progressive/predictive dialling, blended agents. */
#ifndef SB_CORE_DIALER_H
#define SB_CORE_DIALER_H

/*
 * Pure, like core/acd: no sockets, SQL, threads or wall clock. Time
 * contract (the same as acd.h):
 *
 *   - every entry point takes `now`, milliseconds of UTC epoch time (the
 *     calling windows need real dates, so the scale is fixed); the core
 *     first fires every deadline at or before now, then applies the call;
 *   - dialer_advance(now) fires deadlines, then decides how many calls each
 *     campaign places; dialer_next_deadline() says when the driver must
 *     call again (the next ring time-out, safe-harbour end, retry coming
 *     due, or the next minute while agents wait and windows may open);
 *   - a deadline fires with its own time; time never runs backwards (an
 *     earlier stamp is taken as the last one seen).
 *
 * The core cannot read tzdata: the driver's localtime callback converts
 * a UTC time to the local weekday and minute of a zone (ENOENT for a zone
 * it does not know: such leads are never dialled).
 *
 * Every decision is an event to the sink (the audit trail): calls placed
 * (DIAL), hung up after the ring time (HANGUP), connected (CONNECT), given
 * the recorded message because no agent was free (SAFE_HARBOUR), leads
 * skipped at the moment of dialling (SKIP: DNC), results and the retry
 * they lead to (RESULT), and pacing decisions (PACE).
 *
 * Answering-machine detection is not done: every answered call counts as
 * live-answered, the strictest reading of the rules.
 *
 * Ids: campaigns and agents are chosen by the driver (non-zero uint32);
 * calls are numbered by the core (1, 2, ...); leads by their list.
 * Functions return 0 or an errno value as in acd.h.
 */

#include "core/dialer/leads.h"
#include "core/dialer/pacer.h"

#include <stdbool.h>
#include <stdint.h>

struct dialer;

/* Local time of a zone: weekday (0 = Sunday) and minute of the day (0..1439). */
struct dialer_local {
	int wday;
	int minute;
};

/* Returns 0 and *out; ENOENT when the zone is unknown. Must be a pure function of its arguments. */
typedef int(dialer_localtime_h)(const char *zone, int64_t utc_ms, struct dialer_local *out,
				void *arg);

/* Compliance profile: the legal numbers a campaign is held to. */
struct dialer_profile {
	char name[16];
	double abandon_limit;	    /* abandoned / live-answered, per campaign */
	int64_t abandon_window_ms;  /* measured over this rolling window */
	int64_t safe_harbour_ms;    /* answered with no agent for this long: message, abandoned */
	int64_t min_ring_ms;	    /* an unanswered call rings at least this long */
	int32_t window_start_min;   /* calls only from this local minute of the day ... */
	int32_t window_end_min;	    /* ... to before this one */
	int64_t abandon_lockout_ms; /* no repeat call this long after an abandoned one (0: none) */
};

/* US FTC Telemarketing Sales Rule, 16 CFR 310.4(b)(1)(iv), (b)(4), (c). */
void dialer_profile_us(struct dialer_profile *p);
/* UK Ofcom persistent-misuse policy (2016 statement, section 5). */
void dialer_profile_uk(struct dialer_profile *p);
/* Checks the numbers of a (custom) profile: EINVAL when one is out of range. */
int dialer_profile_check(const struct dialer_profile *p);

enum dialer_mode {
	DIALER_PREVIEW = 0, /* the agent sees the lead, then dials or skips */
	DIALER_PROGRESSIVE, /* one call per free agent */
	DIALER_PREDICTIVE,  /* paced by pacer.h */
};

/* What a result leads to. */
struct dialer_retry {
	bool final;	       /* the lead is done */
	int64_t delay_ms;      /* else dial again no sooner than this */
	uint32_t max_attempts; /* and done once this many attempts are made (0: no limit) */
};

/* A calling window of one weekday, local minutes [start, end); start == end: no calls that day. */
struct dialer_day {
	int32_t start_min, end_min;
};

struct dialer_campaign_params {
	enum dialer_mode mode;
	struct dialer_profile profile;
	struct dialer_day days[7]; /* the campaign's own windows, inside the profile's */
	struct dialer_retry retry[DIALER_R_COUNT]; /* by result */
	int64_t ring_ms;		/* ring time before hanging up (>= min_ring_ms) */
	char caller_id[PHONE_E164_MAX]; /* presented number, E.164 */
	struct pacer_params pacing;	/* limit and safe harbour come from the profile */
	bool dnc_to_global; /* a DNC disposition adds to the global list (else the campaign's) */
};

/* Defaults: progressive, US profile, 9:00-20:00 every day, the retry table of docs/dialer.md. */
void dialer_campaign_params_default(struct dialer_campaign_params *p);

/* Blending: blended agents take outbound calls only while inbound is safe by this rule. */
struct dialer_blend_rule {
	double min_sl;	  /* inbound service level (0..1) at or above which outbound may use them */
	uint32_t reserve; /* blended agents kept free for inbound regardless */
};

struct dialer_params {
	dialer_localtime_h *localtime;
	void *localtime_arg;
	struct dialer_blend_rule blend; /* default: min_sl 0.8, reserve 0 */
};

enum dialer_ev_type {
	DIALER_EV_DIAL = 1,	/* place a call: number, caller_id, ring_ms; agent for preview */
	DIALER_EV_HANGUP,	/* the ring time is over: hang up (a NO_ANSWER result follows) */
	DIALER_EV_CONNECT,	/* bridge the answered call to agent */
	DIALER_EV_SAFE_HARBOUR, /* no agent: play the recorded message, hang up; abandoned */
	DIALER_EV_PREVIEW,	/* show the lead to agent */
	DIALER_EV_RESULT,	/* an attempt's result: next_ms (retry) or done */
	DIALER_EV_SKIP,		/* lead not dialled at the moment of dialling: done says why */
	DIALER_EV_PACE,		/* a pacing decision (pace) */
};

struct dialer_event {
	enum dialer_ev_type type;
	int64_t t;
	uint32_t campaign;
	uint32_t lead;
	uint32_t agent;
	uint64_t call;
	const char *number;    /* DIAL, SKIP */
	const char *caller_id; /* DIAL */
	int64_t ring_ms;       /* DIAL */
	enum dialer_result result;
	uint32_t attempts;
	int64_t next_ms;       /* RESULT: next dialable time (lead ready) */
	enum dialer_done done; /* RESULT, SKIP */
	struct pacer_output pace;
};

typedef void(dialer_event_h)(const struct dialer_event *ev, void *arg);

int dialer_alloc(struct dialer **dp, const struct dialer_params *p, dialer_event_h *sink,
		 void *arg);
void dialer_free(struct dialer *d);

/* Adds a campaign. EINVAL (bad parameters), EEXIST, ENOMEM. */
int dialer_campaign_add(struct dialer *d, uint32_t id, const struct dialer_campaign_params *p);
/* Changes the parameters (mode, windows, retries ...); the profile's window length may not change.
 */
int dialer_campaign_set(struct dialer *d, uint32_t id, const struct dialer_campaign_params *p);
/*
 * Gives the campaign its lead list: the leads move into the campaign (l is
 * left empty, as after dialer_list_init). EBUSY when it has a list already.
 */
int dialer_campaign_set_list(struct dialer *d, uint32_t id, struct dialer_list *l);
/* The campaign's list (read-only use; NULL when the campaign is unknown). */
const struct dialer_list *dialer_campaign_list(const struct dialer *d, uint32_t id);
/* Recycles leads by result (dialer_list_recycle) and re-queues them; how many through *n. */
int dialer_recycle(struct dialer *d, uint32_t id, uint32_t results, int64_t now, uint32_t *n);

/* DNC lists: the global one, and a campaign's (NULL when unknown). Checked at the moment of
 * dialling. */
struct dialer_dnc *dialer_dnc_global(struct dialer *d);
struct dialer_dnc *dialer_campaign_dnc(struct dialer *d, uint32_t id);

/* Blending input: the inbound service level now (0..1), as the caller measures it. */
void dialer_set_inbound_sl(struct dialer *d, double sl, int64_t now);
/* The rule of every campaign without its own. */
void dialer_set_blend_rule(struct dialer *d, const struct dialer_blend_rule *r);
/* A campaign's own rule (NULL: the dialer's again); it can change at any time. ENOENT, EINVAL. */
int dialer_campaign_set_blend(struct dialer *d, uint32_t campaign,
			      const struct dialer_blend_rule *r);

/* Agents: each works one campaign at a time. EINVAL, EEXIST, ENOENT. */
int dialer_agent_add(struct dialer *d, uint32_t agent, uint32_t campaign, bool blended,
		     int64_t now);
/* Only when the agent is not on an outbound call (EBUSY). */
int dialer_agent_remove(struct dialer *d, uint32_t agent, int64_t now);
/* Free for outbound: ready, or back from wrap-up (which ends the handle time of its last call). */
int dialer_agent_ready(struct dialer *d, uint32_t agent, int64_t now);
/* Not available to the dialer (not ready, on an inbound call ...). EBUSY when on an outbound call.
 */
int dialer_agent_away(struct dialer *d, uint32_t agent, int64_t now);

/* Fires deadlines and places calls. */
void dialer_advance(struct dialer *d, int64_t now);
int64_t dialer_next_deadline(const struct dialer *d);

/* Call progress from the driver. ENOENT (unknown call), EBUSY (wrong state). */
int dialer_call_answered(struct dialer *d, uint64_t call, int64_t now);
/* Ended before an answer: NO_ANSWER, BUSY or FAILED. */
int dialer_call_failed(struct dialer *d, uint64_t call, enum dialer_result r, int64_t now);
/* An answered call ended (either side hung up). Its agent goes to wrap-up. */
int dialer_call_ended(struct dialer *d, uint64_t call, int64_t now);
/*
 * A connected call never reached its agent (the agent's phone did not
 * answer within the safe-harbour time, so the driver gave the message and
 * hung up): abandoned after all. The lead gets ABANDONED (its retry rule,
 * the lock-out), the rolling rate counts it, and the agent is away until
 * the driver says it is ready. A call still waiting is abandoned as by
 * dialer_call_ended. ENOENT, EBUSY (ringing).
 */
int dialer_call_lost(struct dialer *d, uint64_t call, int64_t now);
/*
 * The driver connected an answered call to this agent of the campaign (its
 * own router chose another agent than the core's CONNECT, or took a call the
 * core had waiting); the driver calls it for every connection, also to the
 * core's own choice, which confirms it. The call, its lead and the handle
 * time go to that agent (CONNECT again); the agent the core had chosen is
 * away until the driver says it is ready. A waiting call is connected (not
 * abandoned). When the agent holds another call in the core that is not
 * confirmed (the router took it elsewhere, or not yet): if both calls are
 * unconfirmed they swap agents (CONNECT for both), else that other call
 * waits again for a free agent until its safe-harbour time ends (its live
 * answer counted once). An agent previewing stops (the lead goes back; a call
 * it dialled rings on for any free agent). 0 (also when it is already that
 * agent's), ENOENT (call or agent), EINVAL (another campaign's agent), EBUSY
 * (ringing; the agent on another confirmed call).
 */
int dialer_call_agent(struct dialer *d, uint64_t call, uint32_t agent, int64_t now);

/*
 * The agent's disposition of the lead it last talked to (COMPLETED,
 * CALLBACK with at_ms, DNC, WRONG_NUMBER, NOT_INTERESTED, or NO_ANSWER /
 * BUSY ... when the agent says so). The retry rule of the result applies.
 * EINVAL, ENOENT (agent unknown or nothing to disposition).
 */
int dialer_disposition(struct dialer *d, uint32_t agent, enum dialer_result r, int64_t at_ms,
		       int64_t now);

/*
 * A callback at at_ms for one agent (for_agent: the agent themself, or
 * another agent of the campaign; 0: anyone). When due, in any dial mode, a
 * personal callback is offered to its agent as a preview (PREVIEW) as soon
 * as that agent is free and the window is open; if the agent leaves the
 * campaign it goes to anyone. EINVAL, ENOENT (agent, or nothing to disposition).
 */
int dialer_disposition_callback(struct dialer *d, uint32_t agent, int64_t at_ms, uint32_t for_agent,
				int64_t now);

/*
 * A disposition given later (on the contact record) for a lead whose call
 * ended without one (its result NONE, done): the result's retry rule applies
 * now as at wrap-up (CALLBACK at at_ms, for for_agent when that agent dials
 * for the campaign, else anyone). ENOENT (campaign or lead), EALREADY (the
 * lead has a result, or is ready or in a call again), EINVAL.
 */
int dialer_lead_disposition(struct dialer *d, uint32_t campaign, uint32_t lead,
			    enum dialer_result r, int64_t at_ms, uint32_t for_agent, int64_t now);

/* Preview mode: reserve the next lead for a free agent (ENOENT: none dialable; EBUSY). */
int dialer_preview_next(struct dialer *d, uint32_t agent, int64_t now, uint32_t *lead);
/*
 * Dial the previewed lead (the call id through *call, as in the DIAL event).
 * EPERM when the number went on a DNC list meanwhile (the lead is done, the
 * agent free again); EAGAIN when the window has closed (dial later or skip).
 */
int dialer_preview_dial(struct dialer *d, uint32_t agent, int64_t now, uint64_t *call);
/* Skip it: the lead goes back, dialable again. */
int dialer_preview_skip(struct dialer *d, uint32_t agent, int64_t now);
/* The lead reserved for the agent's preview and not dialled yet (ENOENT: none). */
int dialer_preview_current(const struct dialer *d, uint32_t agent, uint32_t *lead);

/* Why no dialable leads: each lead counted once, under the first filter that excludes it. */
struct dialer_why {
	uint32_t total;
	uint32_t dialable;	 /* would be dialled now if there were agents */
	uint32_t in_call;	 /* being dialled, talked to, or previewed */
	uint32_t done;		 /* a final result */
	uint32_t max_attempts;	 /* done: retry rule's maximum reached */
	uint32_t dnc;		 /* on a DNC list (found when dialling, or listed now) */
	uint32_t lockout;	 /* within the lock-out after an abandoned call */
	uint32_t callback_wait;	 /* a callback not yet due */
	uint32_t callback_agent; /* a personal callback due, waiting for its agent to be free */
	uint32_t retry_wait;	 /* the retry delay not yet over */
	uint32_t window_closed;	 /* outside the calling window in its zone (any zone of its set) */
	uint32_t zone_unknown;	 /* the localtime callback does not know the zone */
};

int dialer_campaign_why(struct dialer *d, uint32_t id, int64_t now, struct dialer_why *out);

/* Compliance and live figures of a campaign. */
struct dialer_report {
	uint64_t attempts, answered, abandoned, connected; /* since the campaign was added */
	uint64_t win_live, win_abandoned;		   /* in the profile's rolling window */
	double win_rate, limit;
	uint32_t ringing, waiting, agents_free, agents_busy, agents_away;
	double answer_rate;	  /* of the recent attempts */
	struct pacer_output last; /* the last pacing decision */
};

int dialer_campaign_report(struct dialer *d, uint32_t id, int64_t now, struct dialer_report *out);

const char *dialer_result_name(enum dialer_result r);
/*
 * The result an agent's disposition code names by default: the result's
 * name ignoring case, with '_' or ' ' for '-' ("Not_Interested" is
 * not-interested), and "do-not-call" for dnc; never abandoned. ENOENT: none.
 */
int dialer_result_for_code(const char *code, enum dialer_result *r);
const char *dialer_ev_name(enum dialer_ev_type t);

#endif
