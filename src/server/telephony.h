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
struct telephony;

struct telephony_config {
	const char *sip_addr;	   /* "127.0.0.1:5060" (UDP and TCP) */
	const char *media_addr;	   /* IP for RTP; NULL: the SIP host */
	uint16_t rtp_min, rtp_max; /* RTP port range */
	const char *moh_dir;	   /* WAV files for music on hold */
	const char *sounds_dir;	   /* prompts (Debian's asterisk-core-sounds-en-wav) */
	const char *realm;	   /* digest realm: the one the agents' HA1 were made with */
	unsigned reg_min_expires;  /* s; shortest registration accepted (0: the stack's 60) */
	const char *trunk_addr; /* "127.0.0.1:5080": where outside numbers are called; NULL: none */
};

void telephony_config_default(struct telephony_config *cfg);
int telephony_start(struct telephony **tp, struct center *c, const struct telephony_config *cfg);
/* Hangs up every call (best effort) and frees everything. After center_close(). */
void telephony_stop(struct telephony *t);
uint16_t telephony_sip_port(const struct telephony *t);

#endif
