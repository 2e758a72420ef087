/* tel_rec: call recording in the call controller: the hooks telephony.c calls (see tel_rec.c). */
#ifndef SB_SERVER_TEL_REC_H
#define SB_SERVER_TEL_REC_H

#include <stdbool.h>

struct telephony;
struct tcall;
struct tleg;

/* At start (after the media exists) and at stop (before the media goes). */
int tel_rec_init(struct telephony *t);
void tel_rec_fini(struct telephony *t);
/* telephony_stop, first (the center is closed): every recording ends, nothing more is logged. */
void tel_rec_stop_all(struct telephony *t);
/*
 * The caller was answered: plays the queue's consent prompt when the queue
 * records and has one, then music. Returns false when it played nothing (the
 * caller should hear music as before).
 */
bool tel_rec_consent(struct telephony *t, struct tcall *tc);
/*
 * The agent's leg is about to be bridged to the caller: records from now
 * ("always") or arms on-demand. Returns true when the consent prompt is still
 * playing: the bridge is then made when it ends (do not bridge now).
 */
bool tel_rec_connected(struct telephony *t, struct tcall *tc, struct tleg *l);
/* An agent leg is about to be freed: a recording of its conversation ends. */
void tel_rec_leg_gone(struct tcall *tc, struct tleg *l);
/* The call is about to be freed. */
void tel_rec_call_gone(struct tcall *tc);
/* The call went on hold (true) or resumed: while on hold nothing is recorded (silence in the
 * file, like a pause; the agent's own pause stays as it was). */
void tel_rec_hold(struct tcall *tc, bool hold);
/* A key the agent's phone sent (RFC 4733 or SIP INFO): "*1" starts, pauses or resumes. */
void tel_rec_agent_digit(struct telephony *t, struct tleg *l, char digit);

#endif
