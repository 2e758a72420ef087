/* tel_ivr: the call controller's caller features: menus, business hours, queue announcements,
 * callbacks, the post-call survey. */
#ifndef SB_SERVER_TEL_IVR_H
#define SB_SERVER_TEL_IVR_H

/*
 * Drives the pure machines of src/core/ivr from telephony.c (docs/ivr.md,
 * docs/telephony.md "Menus, hours, announcements, callbacks, survey").
 * Everything runs on the loop thread. The configuration (numbers.route,
 * queues.business_hours, queues.survey) is read from the store at start and
 * again every second, so an edit through the API reaches the next call.
 */

#include <stdbool.h>

#include "sip/sipx.h"

struct telephony;
struct tcall;
struct tleg;
struct tivr;
struct acd_event;
struct center_number;

/* Loads the configuration and starts the callback scheduler (0 or an errno). */
int tel_ivr_start(struct telephony *t);
/* Frees what tel_ivr_start made (after every call was freed). */
void tel_ivr_stop(struct telephony *t);

/*
 * An inbound INVITE for an active number: when the number runs a menu, or
 * its queue is closed now, the IVR answers and takes the call (true). false:
 * telephony.c goes on as usual.
 */
bool tel_ivr_invite(struct telephony *t, struct tcall *tc, const struct sipx_invite *inv,
		    const struct center_number *num);
/* telephony.c entered and answered the call itself: announcements start (when the queue has them).
 */
void tel_ivr_queued(struct telephony *t, struct tcall *tc);
/* An ACD event, before telephony.c acts on it; true: the IVR took it (telephony.c does nothing). */
bool tel_ivr_event(struct telephony *t, const struct acd_event *ev);
/* An event on a call's caller leg (or a callback's customer leg); true: taken. */
bool tel_ivr_caller_event(struct telephony *t, struct tcall *tc,
			  const struct sipx_event_info *info);
/* The call is being freed: frees its IVR state. */
void tel_ivr_call_free(struct tcall *tc);
/*
 * A menu's "agent" choice whose agent did not answer (tel_xfer.c): the caller's
 * leg (moved out of *caller, which is cleared) enters queue as a new call.
 * Returns 0 when the leg was taken, else an errno value (the leg is untouched).
 */
int tel_ivr_agent_fallback(struct telephony *t, struct tleg *caller, const char *number,
			   const char *dialled, uint32_t queue);

#endif
