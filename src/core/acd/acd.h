/* acd: the automatic call distributor: queues, agents, skills, the router and their state machines.
 */
#ifndef SB_CORE_ACD_H
#define SB_CORE_ACD_H

/*
 * The ACD is pure: no sockets, SQL, threads or wall clock. Time contract:
 *
 *   - every entry point takes `now` (milliseconds on one monotonic scale the
 *     driver chooses, for example UTC epoch milliseconds); the core first
 *     fires every deadline at or before `now`, then applies the call;
 *   - acd_advance(now) only fires deadlines; acd_next_deadline() tells the
 *     driver when it must call again (INT64_MAX when nothing is pending);
 *   - a deadline fires with its own time, not the driver's: an event from a
 *     timer carries the exact millisecond it was due, however late the
 *     driver advanced;
 *   - time never runs backwards inside the core: a stamp earlier than the
 *     last one seen is taken as the last one seen.
 *
 * Randomness comes only from the seeded generator given at acd_alloc().
 * Every state change of a call or an agent is reported as one event to the
 * sink; the driver acts on some of them (ring a phone on ACD_EV_CALL_OFFER,
 * stop ringing on ACD_EV_CALL_OFFER_CANCEL ...) and logs all of them.
 *
 * Ids are chosen by the driver and must be non-zero: queues and agents are
 * uint32, calls uint64. Functions return 0 or an errno value: EINVAL (bad
 * argument), ENOENT (unknown id), EEXIST (id in use), EBUSY (object busy:
 * the operation is not allowed in its current state), EALREADY (the event
 * lost a race, e.g. a second phone answering a ring-all call), ENOMEM.
 */

#include <stdbool.h>
#include <stdint.h>

#define ACD_MAX_REQ	 8  /* skill requirements per queue */
#define ACD_MAX_TIERS	 4  /* widening steps per queue */
#define ACD_MAX_SKILLS	 32 /* skills per agent */
#define ACD_MAX_GROUPS	 8  /* groups per agent (teams, team-leads group ...) */
#define ACD_MAX_LEVEL	 10
#define ACD_MAX_RING_ALL 64

struct acd;

enum acd_agent_state {
	ACD_AGENT_LOGGED_OUT = 0,
	ACD_AGENT_READY,
	ACD_AGENT_NOT_READY,
	ACD_AGENT_RESERVED, /* offered a queue call, phone ringing */
	ACD_AGENT_TALKING,
	ACD_AGENT_HOLD,
	ACD_AGENT_WRAPUP,
	ACD_AGENT_OTHER, /* on a call that is not a queue call (direct, outbound, internal) */
	ACD_AGENT_STATE_COUNT
};

/* Reasons for not-ready and log-out. Values from ACD_REASON_USER are the center's own codes. */
enum acd_reason {
	ACD_REASON_NONE = 0,
	ACD_REASON_LOGIN = 1,	     /* just logged in, not yet ready */
	ACD_REASON_MISSED = 2,	     /* ring-no-answer, busy or unreachable */
	ACD_REASON_MISSED_LIMIT = 3, /* logged out after too many consecutive misses */
	ACD_REASON_DECLINED = 4,     /* agent turned down a ringing call */
	ACD_REASON_INTERRUPTED = 5,  /* the daemon stopped (logged at the next start) */
	ACD_REASON_UNREACHABLE =
	    6, /* the agent's phone can no longer be reached (registration expired) */
	ACD_REASON_USER = 100,
};

enum acd_strategy {
	ACD_STRATEGY_LONGEST_IDLE = 0, /* agent idle longest (since last becoming ready) */
	ACD_STRATEGY_ROUND_ROBIN,      /* rotate: an agent goes to the back after each offer */
	ACD_STRATEGY_FEWEST_CALLS,     /* fewest calls answered in this queue */
	ACD_STRATEGY_LEAST_TALK,       /* least talk time (all queues) */
	ACD_STRATEGY_LINEAR,	       /* fixed order: lowest rank first */
	ACD_STRATEGY_RANDOM,	       /* uniformly among available agents */
	ACD_STRATEGY_RING_ALL,	       /* ring up to ring_all_max agents; first answer wins */
	ACD_STRATEGY_BEST_SKILL,       /* highest summed level in the required skills */
	ACD_STRATEGY_COUNT
};

enum acd_overflow {
	ACD_OVERFLOW_NONE = 0, /* on max wait the caller exits (ACD_EV_CALL_EXIT_TIMEOUT) */
	ACD_OVERFLOW_QUEUE,    /* move to another queue (the team-leads group is a queue too) */
	ACD_OVERFLOW_CALLBACK, /* turn into a callback that keeps the caller's place */
};

enum acd_wrapup {
	ACD_WRAPUP_NONE = 0, /* ready again as soon as the call ends */
	ACD_WRAPUP_TIMED,    /* wrapup_ms, or earlier when a disposition is given */
	ACD_WRAPUP_MANUAL,   /* until a disposition is given */
};

enum acd_refusal {
	ACD_REFUSED_NONE = 0, /* accepted */
	ACD_REFUSED_FULL,     /* max_len callers already waiting */
	ACD_REFUSED_EMPTY,    /* no agent logged in and join_empty is off */
	ACD_REFUSED_CLOSED,   /* the queue is closed */
};

enum acd_cause {
	ACD_CAUSE_TIMEOUT = 0, /* ring-no-answer */
	ACD_CAUSE_BUSY,
	ACD_CAUSE_UNREACHABLE,
	ACD_CAUSE_DECLINED,
};

/* Why an offer was withdrawn (ACD_EV_CALL_OFFER_CANCEL.reason). */
enum acd_cancel {
	ACD_CANCEL_CALLER_GONE = 0, /* caller hung up while ringing */
	ACD_CANCEL_ANSWERED_ELSEWHERE,
	ACD_CANCEL_AGENT_LOGOUT,
	ACD_CANCEL_AGENT_NOT_READY,
};

enum acd_side {
	ACD_SIDE_CALLER = 0,
	ACD_SIDE_AGENT,
};

struct acd_skill_req {
	uint32_t skill;
	uint8_t min_level; /* 1..10 */
};

/*
 * A widening step: once a caller has waited after_ms, agents qualify whose
 * levels are up to level_drop below the queue's minimum (never below 1),
 * and, when group is non-zero, every logged-in agent of that group.
 * Steps must have increasing after_ms; each step only widens.
 */
struct acd_tier {
	int64_t after_ms;
	uint8_t level_drop;
	uint32_t group;
};

struct acd_queue_params {
	enum acd_strategy strategy;
	uint32_t ring_all_max; /* ring-all group bound, 1..ACD_MAX_RING_ALL */
	uint32_t weight;       /* cross-queue fairness: wait is multiplied by this (>= 1) */
	struct acd_skill_req req[ACD_MAX_REQ];
	uint32_t n_req;
	uint32_t group; /* when non-zero, only agents of this group qualify at the base tier */
	struct acd_tier tiers[ACD_MAX_TIERS];
	uint32_t n_tiers;
	int64_t ring_timeout_ms; /* > 0 */
	int64_t max_wait_ms;	 /* 0: no limit */
	enum acd_overflow overflow;
	uint32_t overflow_queue;
	uint32_t max_len; /* 0: no limit */
	bool join_empty;  /* accept callers when no agent is logged in */
	enum acd_wrapup wrapup;
	int64_t wrapup_ms;
	int64_t sl_threshold_ms;    /* "answered within T" means wait <= T */
	int64_t short_abandon_ms;   /* abandons with wait <= this are short */
	int64_t resume_ms;	    /* abandoned-resume window; 0: off */
	int64_t default_aht_ms;	    /* handle time assumed before any call was handled */
	uint32_t callback_attempts; /* attempts before a callback is recorded as failed */
	int64_t callback_retry_ms;  /* delay between attempts */
};

struct acd_agent_skill {
	uint32_t skill;
	uint8_t level; /* 1..10 */
};

struct acd_agent_params {
	uint32_t team;
	uint32_t rank; /* order for linear queues, lowest first */
	struct acd_agent_skill skills[ACD_MAX_SKILLS];
	uint32_t n_skills;
	uint32_t groups[ACD_MAX_GROUPS];
	uint32_t n_groups;
};

struct acd_call_params {
	int32_t priority;      /* higher is served first */
	uint64_t caller_key;   /* identifies the caller for abandoned-resume (e.g. a hash of the
				  number); 0: anonymous */
	uint32_t attempts;     /* acd_call_enter_callback: dial attempts made before (a restart) */
	uint32_t max_attempts; /* acd_call_enter_callback: attempts before it fails; 0: the queue's
				  callback_attempts (a request scheduled with its own count) */
};

struct acd_params {
	uint32_t max_misses; /* consecutive misses before auto log-out; 0: never */
	uint64_t seed;
};

enum acd_event_type {
	ACD_EV_CALL_ENTER = 1,	  /* call joined a queue (arrival, overflow, transfer, resume) */
	ACD_EV_CALL_REFUSED,	  /* call could not join (reason: enum acd_refusal) */
	ACD_EV_CALL_OFFER,	  /* call offered to an agent: ring the agent's phone */
	ACD_EV_CALL_OFFER_CANCEL, /* offer withdrawn (reason: enum acd_cancel): stop ringing */
	ACD_EV_CALL_RNA,      /* offer failed (reason: enum acd_cause); caller back at the head */
	ACD_EV_CALL_CONNECT,  /* agent answered */
	ACD_EV_CALL_HOLD,     /* caller put on hold */
	ACD_EV_CALL_UNHOLD,   /* caller taken off hold */
	ACD_EV_CALL_TRANSFER, /* connected call moved to another queue (target) */
	ACD_EV_CALL_COMPLETE_CALLER, /* connected call ended by the caller */
	ACD_EV_CALL_COMPLETE_AGENT,  /* connected call ended by the agent */
	ACD_EV_CALL_ABANDON,	     /* caller hung up before being answered */
	ACD_EV_CALL_EXIT_TIMEOUT,    /* max wait reached, no overflow target: caller leaves */
	ACD_EV_CALL_EXIT_OVERFLOW,   /* max wait reached: caller moved to queue `target` */
	ACD_EV_CALL_WIDEN,	     /* caller reached widening step `reason` */
	ACD_EV_CALLBACK_REQUESTED, /* waiting caller left, keeping place as a callback (reason 1: by
				      overflow) */
	ACD_EV_CALLBACK_ATTEMPT_FAILED, /* callback placed but customer not reached; retried later
					 */
	ACD_EV_CALLBACK_FAILED,		/* callback gave up after its last attempt */
	ACD_EV_AGENT_LOGIN,		/* agent logged in (to = ready or not-ready) */
	ACD_EV_AGENT_LOGOUT,		/* agent logged out (reason) */
	ACD_EV_AGENT_STATE,		/* any other agent state change */
	ACD_EV_CALL_INTERRUPTED, /* logged by the daemon at start for a call a crash cut off (never
				    by the core) */
	ACD_EV_TYPE_COUNT
};

/* Event flags */
#define ACD_F_CALLBACK	  0x01 /* the call is a callback */
#define ACD_F_RESUMED	  0x02 /* ENTER: abandoned-resume gave the caller their old place */
#define ACD_F_TRANSFERRED 0x04 /* ENTER: arrived by transfer */
#define ACD_F_OVERFLOWED  0x08 /* ENTER: arrived by overflow */

/*
 * One state change. Fields that do not apply are zero. Personal data never
 * appears here, only ids. Time fields are in the driver's milliseconds.
 */
struct acd_event {
	uint16_t type;	   /* enum acd_event_type */
	uint8_t from, to;  /* AGENT_*: previous and new enum acd_agent_state */
	uint8_t flags;	   /* ACD_F_* */
	int32_t priority;  /* call events: caller priority */
	int64_t time;	   /* when it happened */
	uint64_t call;	   /* call id */
	uint32_t queue;	   /* queue id */
	uint32_t agent;	   /* agent id */
	uint32_t target;   /* EXIT_OVERFLOW / TRANSFER: target queue */
	uint32_t reason;   /* see the event type */
	uint32_t position; /* ENTER / ABANDON: position in queue (1 = next) */
	uint32_t count;	   /* CALLBACK_*: attempts so far; AGENT_STATE into wrap-up: 0 */
	int64_t t_enter;   /* call events: when the call entered this queue (segment start) */
	int64_t
	    wait_ms; /* CONNECT / ABANDON / EXIT_* / CALLBACK_REQUESTED / TRANSFER: wait in queue */
	int64_t dur_ms; /* RNA / CANCEL: ring time; COMPLETE / TRANSFER: talk time; AGENT_*: time in
			   previous state */
	int64_t hold_ms; /* COMPLETE / TRANSFER: total hold time; HOLD/UNHOLD: hold time so far */
	uint64_t disposition; /* AGENT_STATE leaving wrap-up: the disposition given (0: none) */
};

typedef void(acd_event_h)(const struct acd_event *ev, void *arg);

/* Live counters kept by the core since acd_alloc() or the last acd_stats_reset(). */
struct acd_queue_stats {
	uint32_t waiting;	    /* callers waiting now (callbacks excluded) */
	uint32_t ringing;	    /* callers being offered now */
	uint32_t connected;	    /* callers talking or on hold now */
	uint32_t callbacks_waiting; /* callback requests holding a place */
	uint32_t agents_logged_in;  /* members (any tier) logged in */
	uint32_t agents_ready;	    /* members ready now */
	int64_t oldest_wait_start;  /* wait start of the longest waiting caller; 0 if none */
	uint64_t offered;	    /* entered the queue */
	uint64_t answered;
	uint64_t answered_within; /* wait <= sl_threshold_ms */
	uint64_t abandoned;
	uint64_t abandoned_short;  /* wait <= short_abandon_ms */
	uint64_t abandoned_within; /* wait <= sl_threshold_ms */
	uint64_t overflowed;	   /* left to another destination: timeout, overflow, callback,
				      transfer-before-answer */
	uint64_t refused;
	uint64_t handled;     /* connected calls that ended */
	uint64_t transferred; /* connected calls transferred out */
	uint64_t callbacks_requested;
	uint64_t callbacks_connected;
	uint64_t callbacks_failed;
	int64_t wait_answered_ms; /* sum of waits of answered calls */
	int64_t wait_abandoned_ms;
	int64_t talk_ms;
	int64_t hold_ms;
	int64_t wrap_ms;
};

struct acd_agent_info {
	enum acd_agent_state state;
	uint32_t reason;
	int64_t since; /* entered the current state */
	uint64_t call; /* current queue call (reserved/talking/hold/wrap-up), 0 if none */
	uint32_t queue;
	uint32_t misses;	      /* consecutive */
	enum acd_agent_state pending; /* state to take when the current call is over (or
					 LOGGED_OUT/READY/NOT_READY) */
	bool has_pending;
	uint32_t pending_reason;
	uint64_t answered;
	int64_t talk_ms;
	int64_t time_in_state[ACD_AGENT_STATE_COUNT]; /* closed periods only */
	uint32_t n_queues;			      /* queues this agent serves (any tier) */
};

enum acd_call_state {
	ACD_CALL_WAITING = 1,
	ACD_CALL_RINGING,
	ACD_CALL_CONNECTED,
	ACD_CALL_HOLD,
	ACD_CALL_CALLBACK_WAITING, /* callback holding its place */
	ACD_CALL_CALLBACK_RETRY,   /* callback between attempts */
};

struct acd_call_info {
	enum acd_call_state state;
	uint32_t queue;
	uint32_t agent; /* connected agent, or first offered agent */
	int32_t priority;
	uint8_t tier;
	bool callback;
	int64_t t_enter;
	int64_t wait_start; /* the place-keeping key */
	uint32_t attempts;
};

/* Defaults a real center would start from: longest-idle, 15 s ring, 20 s SL threshold ... */
void acd_queue_params_default(struct acd_queue_params *p);

/* Creates an ACD. `sink` receives every event (may be NULL). */
int acd_alloc(struct acd **acdp, const struct acd_params *p, acd_event_h *sink, void *arg);
void acd_free(struct acd *acd);
void acd_set_sink(struct acd *acd, acd_event_h *sink, void *arg);

/* Time */
void acd_advance(struct acd *acd, int64_t now);
int64_t acd_next_deadline(const struct acd *acd);
int64_t acd_now(const struct acd *acd);

/* Configuration. Changing a queue's requirements or an agent's skills re-derives memberships. */
int acd_queue_add(struct acd *acd, uint32_t id, const struct acd_queue_params *p);
int acd_queue_update(struct acd *acd, uint32_t id, const struct acd_queue_params *p, int64_t now);
int acd_queue_remove(struct acd *acd, uint32_t id); /* EBUSY while it holds calls */
int acd_queue_set_open(struct acd *acd, uint32_t id, bool open);
int acd_agent_add(struct acd *acd, uint32_t id, const struct acd_agent_params *p);
int acd_agent_update(struct acd *acd, uint32_t id, const struct acd_agent_params *p, int64_t now);
int acd_agent_remove(struct acd *acd, uint32_t id); /* EBUSY unless logged out */

/* Agent state. During a call, not-ready and log-out take effect when the call is over. */
int acd_agent_login(struct acd *acd, uint32_t id, bool ready, int64_t now);
int acd_agent_ready(struct acd *acd, uint32_t id, int64_t now);
int acd_agent_not_ready(struct acd *acd, uint32_t id, uint32_t reason, int64_t now);
int acd_agent_logout(struct acd *acd, uint32_t id, uint32_t reason, int64_t now);
/* Ends wrap-up with a disposition (0: none). EBUSY when not in wrap-up. */
int acd_agent_wrapup_done(struct acd *acd, uint32_t id, uint64_t disposition, int64_t now);
/* The agent starts / ends a call that is not a queue call; not offered queue calls meanwhile. */
int acd_agent_other_begin(struct acd *acd, uint32_t id, int64_t now);
int acd_agent_other_end(struct acd *acd, uint32_t id, int64_t now);

/* Calls */
int acd_call_enter(struct acd *acd, uint64_t call, uint32_t queue, const struct acd_call_params *p,
		   int64_t now, enum acd_refusal *refused);
/* The offered agent answered. EALREADY if the offer is no longer open (lost a ring-all race). */
int acd_call_answer(struct acd *acd, uint64_t call, uint32_t agent, int64_t now);
/* The offered agent's phone was busy, unreachable or declined: counts like ring-no-answer. */
int acd_call_reject(struct acd *acd, uint64_t call, uint32_t agent, enum acd_cause cause,
		    int64_t now);
/* Caller or agent hung up: abandon while waiting or ringing, complete when connected. */
int acd_call_hangup(struct acd *acd, uint64_t call, enum acd_side side, int64_t now);
int acd_call_hold(struct acd *acd, uint64_t call, int64_t now);
int acd_call_unhold(struct acd *acd, uint64_t call, int64_t now);
/* Moves a connected call to another queue; the agent goes to wrap-up. EBUSY when the target
 * refuses. */
int acd_call_transfer(struct acd *acd, uint64_t call, uint32_t queue, int64_t now);
/* Moves a connected call to one agent who serves its queue (a transfer to an agent), ready or on
 * another call (the consultation about this transfer): the agent who had it goes to wrap-up; a new
 * segment in the same queue is offered to that agent. EBUSY when the agent is in another state or
 * does not serve the queue. */
int acd_call_transfer_agent(struct acd *acd, uint64_t call, uint32_t agent, int64_t now);
/* A waiting caller asks to be called back: they leave, their place is kept. */
int acd_call_request_callback(struct acd *acd, uint64_t call, int64_t now);
/*
 * A callback request joins the queue as a callback from the start (never
 * offered as an ordinary call), at the place `place` (a time <= now, e.g. when
 * it was requested; 0 or later than now: now): a request taken after hours,
 * routed when the queue opens. Events: ENTER, then CALLBACK_REQUESTED with
 * reason 2, then an OFFER (flags ACD_F_CALLBACK) when an agent is free.
 * Refusals as acd_call_enter.
 */
int acd_call_enter_callback(struct acd *acd, uint64_t call, uint32_t queue,
			    const struct acd_call_params *p, int64_t place, int64_t now,
			    enum acd_refusal *refused);
/* A callback was placed (offered, agent answered) but the customer was not reached. */
int acd_callback_failed(struct acd *acd, uint64_t call, int64_t now);

/*
 * Position (1 = next) and expected wait to announce to a waiting caller.
 * The announced position never goes up: *changed tells whether it fell
 * since the last announcement (or is the first). ewt_ms is -1 when no agent
 * serves the queue.
 */
int acd_call_announce(struct acd *acd, uint64_t call, int64_t now, uint32_t *position,
		      int64_t *ewt_ms, bool *changed);

/* Queries */
int acd_queue_stats(const struct acd *acd, uint32_t id, struct acd_queue_stats *st);
int acd_agent_info(const struct acd *acd, uint32_t id, struct acd_agent_info *info);
int acd_call_info(const struct acd *acd, uint64_t call, struct acd_call_info *info);
/* Expected wait for a new caller at the back of the queue now (-1: no agent). */
int64_t acd_queue_ewt(const struct acd *acd, uint32_t id);
/* Zeroes the counters (start of a new day); live gauges stay. */
void acd_stats_reset(struct acd *acd);

/* Walks every structure and checks the invariants; 0, or EPROTO with a description in buf. */
int acd_check(const struct acd *acd, char *buf, unsigned len);

const char *acd_event_name(enum acd_event_type t);
const char *acd_agent_state_name(enum acd_agent_state s);
const char *acd_strategy_name(enum acd_strategy s);
/* Parses a strategy name as acd_strategy_name() spells it; -1 when unknown. */
int acd_strategy_parse(const char *name);

/* The queues an agent serves, with the tier at which it qualifies (0 = base); returns how many (<=
 * max). */
unsigned acd_agent_queues(const struct acd *acd, uint32_t agent, uint32_t *queues, uint8_t *tiers,
			  unsigned max);

/* Sizes for memory reports: bytes per waiting caller and per agent (plus per membership). */
void acd_sizes(unsigned *call_bytes, unsigned *agent_bytes, unsigned *member_bytes);

#endif
