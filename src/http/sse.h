/* sse: the live event hub: GET /api/v1/events as server-sent events, per-user, replay. */
#ifndef SB_HTTP_SSE_H
#define SB_HTTP_SSE_H

/*
 * Every event the daemon appends to its event log is published here with
 * the log's sequence number as its SSE id. The hub keeps the most recent
 * ones in a ring; a client reconnecting with Last-Event-ID (header, or the
 * last_event_id query argument) gets what it missed from the ring, or,
 * when it fell behind the ring, from the replay source (the event log),
 * page by page. Without a source, such a client gets an event "reset"
 * telling it to reload its state. Each client sees only the events the
 * filter lets through for its user. Idle streams get a comment line as a
 * heartbeat, which also reveals clients that left.
 *
 * Frames: "id: <seq>\nevent: <type>\ndata: <json>\n\n".
 */

#include <stdbool.h>
#include <stdint.h>

struct sse_hub;
struct http_server;
struct userdir;
struct user;
struct metrics;

struct sse_event {
	uint64_t seq;	  /* the event log's sequence number; increasing */
	int64_t ts_ms;	  /* wall-clock epoch milliseconds */
	const char *type; /* e.g. "audit", "agent.state" ([a-z0-9._-], at most 64) */
	const char *data; /* JSON text */
	/* scope, for the filter (0: not about such a thing) */
	uint64_t client_id, team_id, agent_id, user_id;
	uint32_t roles; /* ROLE_BIT mask of roles the event is for; 0: any role */
};

/* Whether viewer may see ev. */
typedef bool(sse_filter_h)(const struct sse_event *ev, const struct user *viewer, void *arg);

/*
 * The default filter: a user sees events about themself (user_id); else an
 * event with a roles mask is for those roles only; client, agent and team
 * scopes go through user_may_see_client/agent/team.
 */
bool sse_filter_default(const struct sse_event *ev, const struct user *viewer, void *arg);

/*
 * Replay source. fetch() asks for at most `max` events with after < seq <
 * before, oldest first; the source answers later, on the loop thread, with
 * sse_hub_replay_push() per event and then sse_hub_replay_end(). It returns
 * 0, or an errno when it cannot (the client then gets "reset").
 */
struct sse_replay {
	int (*fetch)(void *arg, uint64_t ticket, uint64_t after, uint64_t before, unsigned max);
	void *arg;
};

struct sse_config {
	unsigned ring_size;   /* events kept for replay */
	int64_t heartbeat_ms; /* comment line to idle streams */
	unsigned max_clients; /* further connections get 503 */
};

void sse_config_defaults(struct sse_config *c);

int sse_hub_alloc(struct sse_hub **hp, const struct sse_config *cfg, struct http_server *srv,
		  const struct userdir *users);
/* Ends every stream (they close on the next loop turn) and frees the hub. Call before
 * http_server_free. */
void sse_hub_free(struct sse_hub *h);

/* Registers GET /api/v1/events (every role). */
int sse_hub_add_routes(struct sse_hub *h);
/* Registers sb_sse_clients and sb_events_last_seq gauges. */
int sse_hub_add_metrics(struct sse_hub *h, struct metrics *m);

void sse_hub_set_filter(struct sse_hub *h, sse_filter_h *filter, void *arg);
void sse_hub_set_replay(struct sse_hub *h, const struct sse_replay *src);
/* Asked on each heartbeat: false ends the streams opened under that session (logged out, expired).
 */
void sse_hub_set_session_check(struct sse_hub *h, bool (*live)(void *arg, uint64_t session_id),
			       void *arg);

/* Where the log stands when the hub starts empty (events up to seq exist in the log only). */
void sse_hub_set_last_seq(struct sse_hub *h, uint64_t seq);
uint64_t sse_hub_last_seq(const struct sse_hub *h);
/*
 * With no client connected: forget the ring and stand at `seq` (the events
 * up to it are in the log, where a later client's replay finds them). Saves
 * formatting every event when nobody listens. EBUSY when clients are
 * connected or seq is not ahead.
 */
int sse_hub_skip_to(struct sse_hub *h, uint64_t seq);

/* Publishes an event (copied) to every client allowed to see it. Returns 0, EINVAL (seq not
 * increasing, bad type) or ENOMEM. */
int sse_hub_publish(struct sse_hub *h, const struct sse_event *ev);

void sse_hub_replay_push(struct sse_hub *h, uint64_t ticket, const struct sse_event *ev);
void sse_hub_replay_end(struct sse_hub *h, uint64_t ticket, int err);

/* Ends the streams of one session / one user. */
void sse_hub_end_session(struct sse_hub *h, uint64_t session_id);
void sse_hub_end_user(struct sse_hub *h, uint64_t user_id);

unsigned sse_hub_clients(const struct sse_hub *h);

#endif
