/* tel_dial: outbound campaign calls placed over SIP, driven by the dialer core (docs/dialer.md). */
#ifndef SB_SERVER_TEL_DIAL_H
#define SB_SERVER_TEL_DIAL_H

/*
 * The daemon's dialer: one struct dialer (src/core/dialer) for every
 * running campaign, driven from the loop's clock. Its DIAL decisions become
 * INVITEs to the trunk (tel_number_target) with the campaign's caller ID;
 * an answered call enters the campaign's queue through the center (the
 * controller then rings an agent's phone and bridges); a call no agent
 * answers within the safe-harbour time hears the recorded message and is
 * abandoned. Results go back to the core, whose retry rules decide the
 * lead's next attempt; every attempt is written to dial_attempts, every
 * lead change to leads, every decision of the core to the event log
 * ("dialer.*" events: the audit trail). Everything runs on the loop thread.
 */

#include "core/dialer/dialer.h"

#include <stdbool.h>
#include <stdint.h>

struct telephony;
struct store;
struct tleg;
struct sipx_event_info;

/* A campaign to start: what the API read from storage. */
struct tel_dial_campaign {
	uint32_t id;
	int64_t client_id;
	int64_t queue_id; /* answered calls enter this queue */
	struct dialer_campaign_params params;
	struct dialer_list *list;      /* the leads with their state: moved into the dialer */
	int64_t *lead_dbid;	       /* stored id of lead i + 1: taken over (sb_alloc'd) */
	const struct dialer_dnc *dnc;  /* the campaign's numbers (copied) */
	const struct dialer_dnc *gdnc; /* the global list's numbers (copied) */
	const uint32_t *agents;	       /* the campaign's agents */
	const bool *blended;	       /* per agent: also serves inbound queues */
	unsigned n_agents;
	struct dialer_blend_rule blend; /* the campaign's blending rule (checked) */
	const char *disposition_map;	/* JSON {code: result or "none"} (checked); NULL: by name */
};

/*
 * Starts a campaign. On 0 the list's leads and lead_dbid are the dialer's.
 * EEXIST (running), ENOENT (no trunk), EINVAL (refused by the core), ENOMEM.
 */
int tel_dial_start(struct telephony *t, struct store *st, struct tel_dial_campaign *c);
/*
 * Changes a started campaign's run settings at once: its blending rule (NULL:
 * unchanged) and the mapping of the center's disposition codes to results
 * (NULL: by name, see dialer_result_for_code). ENOENT when never started.
 */
int tel_dial_set_run(struct telephony *t, uint32_t campaign, const struct dialer_blend_rule *blend,
		     const char *disposition_map);
/* Stops placing calls for the campaign (calls up continue; their results are still written).
 * ENOENT when it is not running. */
int tel_dial_stop(struct telephony *t, uint32_t campaign);
bool tel_dial_running(const struct telephony *t, uint32_t campaign);
/* A number added to (or removed from) a DNC list while campaigns run (campaign 0: global). */
void tel_dial_dnc(struct telephony *t, uint32_t campaign, const char *e164, bool add);
/* Live figures of a running campaign (ENOENT when not running). */
int tel_dial_report(struct telephony *t, uint32_t campaign, struct dialer_report *out,
		    struct dialer_why *why);

/* Preview: reserve the next lead for the agent (its stored id through *lead). ENOENT, EBUSY. */
int tel_dial_preview_next(struct telephony *t, uint32_t agent, int64_t *lead);
/* Dial the previewed lead (EPERM: on a DNC list now; EAGAIN: window closed). */
int tel_dial_preview_dial(struct telephony *t, uint32_t agent);
int tel_dial_preview_skip(struct telephony *t, uint32_t agent);
/*
 * A disposition given later on the contact record of an outbound call that ended without one (a
 * timed wrap-up, the phone's *45): the call's stored link (dial_calls) names the campaign and
 * lead, the code maps to a result as at wrap-up and applies to the lead, once; after a restart
 * too. Done in the background: 0 (being looked up; nothing happens for a call that is not a
 * dialler call awaiting one, a campaign not running, a lead gone, a code with no result),
 * ENOENT (no campaign started since the daemon did), ENOMEM, EAGAIN (store queue full).
 */
int tel_dial_late_disposition(struct telephony *t, uint64_t call, const char *code);
/* The lead the agent holds in preview now, not dialled yet (ENOENT: none): a reloaded desktop's
 * card. */
int tel_dial_preview_current(struct telephony *t, uint32_t agent, int64_t *lead);
/*
 * The agent's disposition of their last outbound call (given before wrap-up
 * ends; applied when the call is over): a result, a callback time (CALLBACK)
 * and for whom (0: anyone; the agent themself or a colleague of the
 * campaign). *lead: the stored lead id expected (0: whichever), then the one
 * dispositioned. ENOENT: no outbound call to disposition (of that lead); EINVAL.
 * Without one, the disposition the agent ends wrap-up with (the center's
 * code) is mapped by the campaign's disposition_map, then by name.
 */
int tel_dial_disposition(struct telephony *t, uint32_t agent, enum dialer_result r, int64_t at_ms,
			 uint32_t for_agent, int64_t *lead);
/* The campaign an agent dials for (0: none). */
uint32_t tel_dial_agent_campaign(const struct telephony *t, uint32_t agent);

/* Hooks from telephony.c: a SIP event on a dialled customer's leg (true: handled). */
bool tel_dial_leg_event(struct telephony *t, struct tleg *l, const struct sipx_event_info *info);
/* Frees the dialer and hangs up the calls it has not handed to the center yet. */
void tel_dial_free(struct telephony *t);

#endif
