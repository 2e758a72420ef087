/* telephony: the call controller: SIP legs and media joined to the center's calls and agents. */
#ifndef SB_SERVER_TELEPHONY_H
#define SB_SERVER_TELEPHONY_H

/*
 * A caller rings a number: the controller finds the number's queue, enters
 * the call into the center, answers and plays music on hold. When the ACD
 * offers the call to an agent, the controller rings the agent's phone (its
 * registered contacts, or its static contact) with the caller's number and
 * the queue's name as display name; the phone's answer becomes the center's
 * answer, which bridges the media; busy, unreachable and declined become
 * rejections; either side hanging up ends the other. Agents with only a
 * phone use feature codes (see docs/telephony.md). Everything runs on the
 * loop thread; the controller acts on ACD events after the center's call
 * that caused them has returned.
 */

#include <stdint.h>

struct center;
struct store;
struct telephony;

struct telephony_config {
	const char *sip_addr;	   /* "127.0.0.1:5060" (UDP and TCP) */
	const char *media_addr;	   /* IP for RTP; NULL: the SIP host */
	uint16_t rtp_min, rtp_max; /* RTP port range */
	const char *moh_dir;	   /* WAV files for music on hold */
	const char *sounds_dir;	   /* prompts (Debian's asterisk-core-sounds-en-wav) */
	const char *realm;	   /* digest realm: the one the agents' HA1 were made with */
	unsigned reg_min_expires;  /* s; shortest registration accepted (0: the stack's 60) */
	/* ms; new INVITEs queued longer in the SIP socket get 503 (0: never; sipx.h) */
	unsigned sip_overload_wait_ms;
	const char *trunk_addr; /* "127.0.0.1:5080": where outside numbers are called; NULL: none */
	/* call recording (tel_rec.c): files under <data_dir>/recordings, contact records in store
	 */
	const char *data_dir; /* NULL: no recording */
	struct store *store;
	int64_t rec_sweep_ms; /* how often expired recordings are looked for (0: hourly) */
	int64_t rec_day_ms;   /* a retention "day" (0: 86400000; shorter only for tests) */
};

void telephony_config_default(struct telephony_config *cfg);
int telephony_start(struct telephony **tp, struct center *c, const struct telephony_config *cfg);
/* Hangs up every call (best effort) and frees everything. After center_close(). */
void telephony_stop(struct telephony *t);
uint16_t telephony_sip_port(const struct telephony *t);
/* Overload: new INVITEs shed (503) since start; longest wait of a SIP datagram queued, us. */
void telephony_sip_load(const struct telephony *t, uint64_t *shed, uint64_t *max_wait_us);

/*
 * Call recording of the agent's connected call (tel_rec.c), for the API:
 * STATUS reports; START begins one on an on-demand queue; PAUSE and RESUME
 * (paused stretches are silence in the file). The change is logged with
 * actor_user. Returns 0; ENOENT: the agent has no connected SIP call;
 * EPERM: the call's queue does not record (or START on an "always" queue);
 * EALREADY: already in that state; EINVAL: PAUSE/RESUME before a start;
 * EIO: the file could not be started.
 */
enum telephony_rec_op { TEL_REC_STATUS, TEL_REC_START, TEL_REC_PAUSE, TEL_REC_RESUME };
struct telephony_rec_state {
	const char *mode;  /* the queue's: "off", "always", "on_demand" */
	const char *state; /* "off" (not recording), "recording", "paused" */
	uint64_t call_id;
	int64_t contact_id;
	char ref[128]; /* the file, relative to the data directory ("" before a start) */
};
int telephony_rec_control(struct telephony *t, int64_t agent_id, enum telephony_rec_op op,
			  uint64_t actor_user, struct telephony_rec_state *out);

#endif
