/* tel_xfer: in-call control over SIP and the API: blind and consulted transfer, three-way
 * conference, listen / whisper / barge. */
#ifndef SB_SERVER_TEL_XFER_H
#define SB_SERVER_TEL_XFER_H

/*
 * Everything runs on the loop thread and acts on the telephony controller's
 * live calls (docs/telephony.md, "Transfers, conference and monitoring").
 * The functions return 0 or an errno:
 *   ENOENT      no such call, agent, queue; or the agent is not on a call
 *   EBUSY       not possible in the call's state (a consultation is going on,
 *               the target agent is not ready, the queue refused the call ...)
 *   ENOTCONN    the agent's call has no phone leg (a desktop-only or simulated agent)
 *   EHOSTUNREACH the target's phone is not registered and has no static contact
 *   ENOSYS      an outside number, and no --trunk is set
 *   EINVAL      a malformed number or target
 */

#include <stdbool.h>
#include <stdint.h>

struct telephony;

/* Where a call goes: exactly one of the fields is set. */
struct tel_xfer_target {
	int64_t queue_id;      /* a queue (blind transfer only) */
	int64_t agent_id;      /* an agent (their phone rings) */
	const char *extension; /* an agent by extension */
	const char *number;    /* an outside number (E.164 or as dialled) through the trunk */
};

/*
 * Blind transfer of the agent's connected call. To a queue: the call waits
 * there (center_call_transfer). To an agent: a new segment in the same
 * queue offered to that agent only, who must be ready and serve the queue.
 * To a number: the caller leaves the contact center, joined to an outside
 * call through the trunk. The agent goes to wrap-up in every case.
 */
int tel_xfer_blind(struct telephony *t, int64_t agent_id, const struct tel_xfer_target *to);

/* Consultation: the caller is put on hold (music) and the agent's phone is joined to a new call to
 * an agent or a number. */
int tel_xfer_consult(struct telephony *t, int64_t agent_id, const struct tel_xfer_target *to);

enum tel_consult_end {
	TEL_CONSULT_COMPLETE =
	    1,			/* the caller is joined to the target; the agent goes to wrap-up */
	TEL_CONSULT_CANCEL,	/* the target is hung up; the agent is back with the caller */
	TEL_CONSULT_CONFERENCE, /* caller, agent and target hear each other (mixed here) */
};
int tel_xfer_consult_end(struct telephony *t, int64_t agent_id, enum tel_consult_end how);

enum tel_monitor_mode {
	TEL_MONITOR_LISTEN = 1, /* hears caller and agent; nobody hears them */
	TEL_MONITOR_WHISPER,	/* hears both; the agent hears them, the caller does not */
	TEL_MONITOR_BARGE,	/* everyone hears everyone */
};
/* "listen", "whisper", "barge" -> the mode (0: unknown). */
enum tel_monitor_mode tel_monitor_mode_parse(const char *s);
const char *tel_monitor_mode_name(enum tel_monitor_mode m);

/*
 * Rings the monitor's phone (their agent record's extension) and joins it to
 * the call's mix once answered. Calling again with the same monitor changes
 * the mode at once. EBUSY when someone else monitors the call.
 */
int tel_xfer_monitor(struct telephony *t, uint64_t call_id, int64_t monitor_agent,
		     enum tel_monitor_mode mode);
/* Hangs up the monitor's phone. ENOENT when nobody monitors the call. */
int tel_xfer_monitor_stop(struct telephony *t, uint64_t call_id);

struct tel_xfer_status {
	int64_t consult_agent; /* 0: none or a number */
	bool consulting, consult_answered, conference;
	int64_t monitor_agent; /* 0: none */
	enum tel_monitor_mode mode;
	bool monitor_answered;
};
/* ENOENT when the call is not a SIP call here. */
int tel_xfer_status(struct telephony *t, uint64_t call_id, struct tel_xfer_status *out);

#endif
