/* center: the live contact center the loop owns: configuration in memory, the ACD, the event log
 * pipeline, committed figures. */
#ifndef SB_SERVER_CENTER_H
#define SB_SERVER_CENTER_H

/*
 * One center per daemon, owned by the event-loop thread. It holds the
 * configuration the router needs (sites, clients, teams, skills, queues,
 * agents, numbers) in memory, loaded from storage at start and changed
 * through center_*_apply() after the change is committed; it drives the ACD
 * from the loop's clock; and it runs every event (ACD events, and the
 * daemon's own: logins, admin changes) through one pipeline:
 *
 *   event -> sequence number -> storage writer (group commit)
 *         -> once committed: committed figures (struct kpi), SSE hub, waiters
 *
 * so that nothing a client is shown (a counter, an SSE event id, a reply to
 * a request that changed something) can be taken back by a crash.
 *
 * Contact records (one per call segment) are written as the segment goes:
 * inserted when the call enters a queue, updated when it ends and when its
 * wrap-up ends. At start, records left open by a crash are closed as
 * "interrupted", and today's committed figures are rebuilt from the log.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/acd/acd.h"
#include "core/kpi/kpi.h"

struct center;
struct store;
struct sse_hub;
struct metrics;
struct userdir;

#define CENTER_NAME_MAX 128

struct center_site {
	int64_t id;
	char name[CENTER_NAME_MAX];
	char time_zone[64]; /* IANA */
	char country_code[8], trunk_prefix[8], intl_prefix[8];
};

struct center_client {
	int64_t id;
	char name[CENTER_NAME_MAX];
	int64_t site_id;
};

struct center_team {
	int64_t id;
	char name[CENTER_NAME_MAX];
	int64_t lead_user_id;
	bool active; /* false: kept for history, takes no new members */
};

struct center_skill {
	int64_t id;
	char name[CENTER_NAME_MAX];
	bool language;
	bool active; /* false: kept on agents' and queues' lists, ignored by routing */
};

struct center_queue {
	int64_t id; /* also the ACD queue id */
	char name[CENTER_NAME_MAX];
	int64_t client_id, site_id;
	double sl_target_pct;
	int32_t priority;    /* default caller priority */
	int64_t announce_ms; /* position / wait announcements; 0: off */
	bool active;
	struct acd_queue_params acd;
	/* call recording (tel_rec.c): mode, consent prompt ("": none), days kept (0: for ever) */
	enum center_rec_mode {
		CENTER_REC_OFF = 0,
		CENTER_REC_ALWAYS,
		CENTER_REC_ON_DEMAND
	} rec_mode;
	char rec_consent[256];
	int32_t rec_retention_days;
};

struct center_agent {
	int64_t id; /* also the ACD agent id */
	int64_t user_id;
	char name[CENTER_NAME_MAX];
	int64_t team_id, site_id;
	char extension[32];
	char sip_realm[64];
	char sip_ha1[33];
	char static_contact[256]; /* "" when the phone registers */
	bool active;
	struct acd_agent_params acd; /* skills, groups, team, rank */
};

struct center_number {
	int64_t id;
	char number[32]; /* E.164 or a short internal number such as "100" */
	int64_t client_id, queue_id;
	bool active;
};

struct center_config {
	struct store *store;	 /* required: opened, migrations applied */
	struct sse_hub *hub;	 /* may be NULL */
	struct metrics *metrics; /* may be NULL: then no gauges are registered */
	struct userdir *users;	 /* may be NULL: filled from the users table when set */
	int64_t interval_ms;	 /* KPI interval; default 15 min */
	uint32_t max_misses;	 /* consecutive ring-no-answers before auto log-out; default 3 */
	uint64_t seed;		 /* the ACD's random strategy */
};

void center_config_default(struct center_config *cfg);

/*
 * Loads the configuration from storage (synchronously: start-up), closes
 * what a crash left open, rebuilds today's committed figures from the event
 * log, and starts driving the ACD. Returns 0 or an errno.
 */
int center_open(struct center **cp, const struct center_config *cfg);
/* Stops the timers and frees everything (storage is the caller's). */
void center_close(struct center *c);

/* The loop's clock: wall-clock UTC epoch milliseconds, never going backwards. */
int64_t center_now(struct center *c);
struct acd *center_acd(struct center *c);

/* --- configuration (the in-memory copy; pointers are valid until the next apply/remove of that id)
 * --- */

const struct center_site *center_site(const struct center *c, int64_t id);
const struct center_client *center_client(const struct center *c, int64_t id);
const struct center_team *center_team(const struct center *c, int64_t id);
const struct center_skill *center_skill(const struct center *c, int64_t id);
const struct center_queue *center_queue(const struct center *c, int64_t id);
const struct center_agent *center_agent(const struct center *c, int64_t id);
const struct center_agent *center_agent_by_user(const struct center *c, int64_t user_id);
const struct center_agent *center_agent_by_extension(const struct center *c, const char *ext);
const struct center_number *center_number(const struct center *c, const char *number);

/* Iteration in id order: for (i = 0; (q = center_queue_at(c, i)); i++). */
const struct center_queue *center_queue_at(const struct center *c, unsigned i);
const struct center_agent *center_agent_at(const struct center *c, unsigned i);
const struct center_team *center_team_at(const struct center *c, unsigned i);
const struct center_skill *center_skill_at(const struct center *c, unsigned i);
const struct center_client *center_client_at(const struct center *c, unsigned i);
const struct center_number *center_number_at(const struct center *c, unsigned i);

/*
 * Apply a change that storage has committed (the caller wrote the rows).
 * Queues and agents are added or updated in the ACD too; EINVAL when the
 * ACD refuses the parameters (validate before writing!), EBUSY when an agent
 * to remove is not logged out or a queue to remove still holds calls.
 * Routing ignores deactivated skills: the ACD gets queues' requirements and
 * agents' skills without them (a skill's apply re-derives whom it changes).
 */
int center_site_apply(struct center *c, const struct center_site *s);
int center_client_apply(struct center *c, const struct center_client *cl);
int center_team_apply(struct center *c, const struct center_team *t);
int center_skill_apply(struct center *c, const struct center_skill *s);
int center_queue_apply(struct center *c, const struct center_queue *q);
int center_agent_apply(struct center *c, const struct center_agent *a);
int center_number_apply(struct center *c, const struct center_number *n);
int center_queue_remove(struct center *c, int64_t id);
int center_agent_remove(struct center *c, int64_t id);
int center_number_remove(struct center *c, int64_t id);
/* EBUSY while agents (and, for skills, queues) still refer to it. */
int center_team_remove(struct center *c, int64_t id);
int center_skill_remove(struct center *c, int64_t id);
const struct center_site *center_site_at(const struct center *c, unsigned i);
/* Checks queue parameters as the ACD would, without changing anything (0 or EINVAL). */
int center_queue_check(const struct center *c, const struct center_queue *q);

/* The contact record (segment) a call is in now; 0 when none is open. */
int64_t center_call_contact(struct center *c, uint64_t call_id);
/* A new contact record id, for a record written outside the ACD (a voicemail message). */
int64_t center_contact_id(struct center *c);

/* --- the event pipeline --- */

/* Runs fn(arg) on the loop once every event up to `seq` is committed (at once if it is). */
typedef void(center_done_h)(int err, void *arg);
void center_when_committed(struct center *c, uint64_t seq, center_done_h *fn, void *arg);
/* The last sequence number handed out, and the last committed. */
uint64_t center_last_seq(const struct center *c);
uint64_t center_committed_seq(const struct center *c);

/*
 * Logs one of the daemon's own events (a login, an admin change ...): `kind`
 * names it ("user.login", "queue.update" ...), `data` is JSON with ids only
 * (copied; NULL: none), scope fields decide who sees it live. Returns the
 * event's sequence number (0 when it could not be queued).
 */
struct center_scope {
	uint64_t user_id, agent_id, team_id, client_id;
	uint32_t roles; /* ROLE_BIT mask; 0: every role allowed by the other scopes */
};
uint64_t center_log(struct center *c, const char *kind, const char *data, uint64_t actor_user,
		    const struct center_scope *scope);

/* --- agents --- */

/*
 * Changes an agent's state as the agent (or a team lead) asked: ready,
 * not-ready with a reason, logged-out (login = ready or not-ready from
 * logged-out). done runs once the resulting events are committed.
 * Returns 0 (done will run) or ENOENT / EBUSY (done will not run).
 */
int center_agent_set_state(struct center *c, int64_t agent_id, enum acd_agent_state want,
			   uint32_t reason, center_done_h *done, void *arg);
/*
 * Notes for the contact record of the call the agent is wrapping up (copied);
 * call before center_agent_wrapup_done. ENOENT when there is none.
 */
int center_agent_wrapup_notes(struct center *c, int64_t agent_id, const char *notes);
/* Ends wrap-up with a disposition (0: none); the contact record gets it. */
int center_agent_wrapup_done(struct center *c, int64_t agent_id, int64_t disposition_id,
			     center_done_h *done, void *arg);

/*
 * Agents driven by a simulator (the demo traffic) rather than by a person
 * with a phone: the telephony controller does not ring them.
 */
void center_agent_set_simulated(struct center *c, int64_t agent_id, bool simulated);
bool center_agent_simulated(const struct center *c, int64_t agent_id);

/* --- calls (from the SIP adapter, the demo traffic, the dialer) --- */

struct center_call_info {
	int64_t queue_id;
	const char *customer_number; /* E.164 or as dialled; NULL: anonymous */
	const char *system_number;   /* the number dialled */
	int64_t customer_id;	     /* 0: unknown */
	const char *direction;	     /* "inbound" (NULL), "outbound" */
	const char *initiation;	     /* "inbound" (NULL), "callback", "transfer" ... */
	int32_t priority;	     /* added to the queue's default */
	int64_t callback_place;	     /* > 0: joins as a callback keeping this place (tel_ivr.c) */
	uint32_t callback_attempts; /* with callback_place: dial attempts made before (a restart) */
	uint32_t callback_max_attempts; /* with callback_place: the request's own count (0: the
					   queue's callback_attempts) */
};

/*
 * A call arrives at a queue. *call_id receives the new call's id; *refused
 * tells whether the queue refused it (full, empty, closed). The ACD's events
 * tell the caller's driver what to do next (ring an agent, stop ringing ...):
 * see center_set_call_sink().
 */
int center_call_enter(struct center *c, const struct center_call_info *info, uint64_t *call_id,
		      enum acd_refusal *refused);
int center_call_answer(struct center *c, uint64_t call_id, int64_t agent_id);
int center_call_reject(struct center *c, uint64_t call_id, int64_t agent_id, enum acd_cause cause);
int center_call_hangup(struct center *c, uint64_t call_id, enum acd_side side);
int center_call_hold(struct center *c, uint64_t call_id, bool hold);
int center_call_transfer(struct center *c, uint64_t call_id, int64_t queue_id);
/* Transfer to one agent who serves the call's queue (acd_call_transfer_agent). */
int center_call_transfer_agent(struct center *c, uint64_t call_id, int64_t agent_id);
/* An agent starts / ends a call that is not a queue call (a consultation): acd_agent_other_*. */
int center_agent_other(struct center *c, int64_t agent_id, bool begin);
int center_call_callback(struct center *c, uint64_t call_id);
/* A callback's customer was not reached (acd_callback_failed): retried later, or failed. */
int center_call_callback_failed(struct center *c, uint64_t call_id);

/*
 * Who acts on ACD events besides the log: the SIP adapter (ring a phone on
 * call-offer ...) and the demo traffic. Called on the loop for every ACD
 * event as it happens (before it is committed), after the center's own
 * bookkeeping. Must not call back into the center synchronously.
 */
typedef void(center_call_sink_h)(const struct acd_event *ev, void *arg);
void center_add_call_sink(struct center *c, center_call_sink_h *h, void *arg);

/* --- committed figures --- */

/* Today's figures of a queue from committed events (site-local day). */
struct center_queue_live {
	struct kpi_counts today;		/* counters since local midnight */
	uint32_t in_queue;			/* calls waiting or ringing now */
	int64_t oldest_wait_ms;			/* longest current wait; 0 if none */
	uint32_t agents[ACD_AGENT_STATE_COUNT]; /* members by state */
	int64_t ewt_ms; /* expected wait for a new caller; -1: nobody serves */
};
int center_queue_live(struct center *c, int64_t queue_id, struct center_queue_live *out);

/* An agent's state from committed events. */
struct center_agent_live {
	enum acd_agent_state state;
	uint32_t reason;
	int64_t since;
	uint64_t call_id;
	int64_t queue_id;
	struct kpi_agent_counts today;
};
int center_agent_live(struct center *c, int64_t agent_id, struct center_agent_live *out);
/*
 * The caller of call_id, agent_id's current call, as its contact record has it
 * (the open segment, or the one waiting for the agent's wrap-up): *number
 * (NULL: anonymous; valid until the record goes), *customer_id (0: unknown),
 * *connected_at and *ended_at (0: not yet). ENOENT when there is none.
 */
int center_agent_call_caller(struct center *c, int64_t agent_id, uint64_t call_id,
			     const char **number, int64_t *customer_id, int64_t *connected_at,
			     int64_t *ended_at);

/* The committed KPI state (today), for reports over intervals. */
const struct kpi *center_kpi(const struct center *c);

/* The store's commit hook: the daemon forwards it here (on the loop) once the center exists. */
void center_store_committed(uint64_t seq, void *arg);

/* The JSON of an ACD event as SSE clients get it (sb_free it), and who may see a logged event. */
struct store_event;
char *center_event_json(const struct acd_event *ev, uint64_t seq);
void center_event_scope(const struct center *c, const struct store_event *se, uint64_t *client_id,
			uint64_t *team_id, uint64_t *agent_id, uint64_t *user_id, uint32_t *roles);

#endif
