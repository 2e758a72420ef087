/* media_mix: several legs talking together (conference, listen, whisper, barge), mixed on the media
 * clock. */
#ifndef SB_MEDIA_MEDIA_MIX_H
#define SB_MEDIA_MEDIA_MIX_H

/*
 * A mix is a small conference anchored in the daemon. Every member leg's
 * received G.711 audio is decoded into a short buffer (at most 100 ms are
 * kept: older samples are dropped so the delay stays bounded; taken in whole
 * 20 ms frames, and after running dry only once 40 ms are there again, so
 * jitter makes short gaps rather than cuts); every 20 ms,
 * on the media clock, each member is sent the sum of the members it hears,
 * encoded in its own law, under its own SSRC/sequence/timestamp like any
 * other audio the leg hears. Who hears whom is a matrix of talk paths: a
 * member joins hearing everyone and heard by everyone; media_mix_path()
 * turns single paths off (a silent listener is heard by nobody; a whisper is
 * heard by the agent only).
 *
 * librem's aumix is not used: it mixes on a thread of its own, and every
 * media object here belongs to the loop thread (see media.h).
 *
 * The owner allocates and frees the mix; a leg leaves it when it is freed,
 * stopped (media_stop), bridged or given another source.
 */

#include <stdbool.h>

struct media;
struct media_leg;
struct media_mix;

#define MEDIA_MIX_MAX 8 /* members */

/* Returns 0, EINVAL, ENOMEM. */
int media_mix_alloc(struct media_mix **xp, struct media *m);
/* Every member hears nothing afterwards. NULL is fine. */
void media_mix_free(struct media_mix *x);
/*
 * The leg joins: it hears every other member and every member hears it.
 * What it heard before stops (a bridge ends: its peer hears nothing).
 * Joining the mix it is in already changes nothing. Returns 0, EINVAL
 * (another media), ENOSPC (MEDIA_MIX_MAX members).
 */
int media_mix_join(struct media_mix *x, struct media_leg *l);
/* Whether `to` hears `from` (both members). Returns 0 or EINVAL. */
int media_mix_path(struct media_mix *x, struct media_leg *from, struct media_leg *to, bool on);
/* Whether the leg is a member of the mix. */
bool media_mix_has(const struct media_mix *x, const struct media_leg *l);
/* How many members. */
unsigned media_mix_count(const struct media_mix *x);

#endif
