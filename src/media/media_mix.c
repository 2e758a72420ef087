/* media_mix: several legs talking together: decoded input buffers, talk paths, a mixed frame per
 * member per 20 ms. */
#include "media/media_mix.h"
#include "media/media_impl.h"
#include "media/g711.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>

#define MIX_RING      1024 /* samples buffered per member (power of two) */
#define MIX_MAX_DELAY 800  /* at most 100 ms wait in a member's buffer: older samples go */
#define MIX_REFILL    320  /* after running dry, 40 ms are buffered before it is heard again */

struct mix_member {
	struct media_leg *leg; /* NULL: a free place */
	uint32_t hears;	       /* bit j: hears member j */
	int16_t ring[MIX_RING];
	unsigned head, count;	 /* oldest sample, samples buffered */
	bool refill;		 /* ran dry: silent until MIX_REFILL samples are buffered */
	int16_t cur[MRTP_FRAME]; /* what it said in the current period */
	uint8_t enc[MRTP_FRAME]; /* what it hears, encoded for its leg */
};

struct media_mix {
	struct media *m;
	struct mix_member mem[MEDIA_MIX_MAX];
	uint32_t used; /* bit i: mem[i] is a member */
	uint64_t period;
	bool have_period;
};

int media_mix_alloc(struct media_mix **xp, struct media *m)
{
	if (!xp || !m)
		return EINVAL;
	struct media_mix *x = sb_zalloc(sizeof(*x));
	if (!x)
		return ENOMEM;
	x->m = m;
	*xp = x;
	return 0;
}

void media_mix_free(struct media_mix *x)
{
	if (!x)
		return;
	for (unsigned i = 0; i < MEDIA_MIX_MAX; i++)
		if (x->mem[i].leg)
			media_stop(x->mem[i].leg); /* leg_hear_nothing -> mix_detach */
	sb_free(x);
}

int media_mix_join(struct media_mix *x, struct media_leg *l)
{
	if (!x || !l || l->m != x->m)
		return EINVAL;
	if (l->hear == HEAR_MIX && l->mix == x)
		return 0;
	unsigned i = 0;
	while (i < MEDIA_MIX_MAX && x->mem[i].leg)
		i++;
	if (i == MEDIA_MIX_MAX)
		return ENOSPC;
	leg_hear_nothing(l);
	struct mix_member *mm = &x->mem[i];
	memset(mm, 0, sizeof(*mm));
	mm->leg = l;
	mm->hears = x->used; /* everyone there now ... */
	for (unsigned j = 0; j < MEDIA_MIX_MAX; j++)
		if (x->used & (1u << j))
			x->mem[j].hears |= 1u << i; /* ... and they hear the newcomer */
	x->used |= 1u << i;
	l->mix = x;
	l->mix_idx = i;
	l->hear = HEAR_MIX;
	l->gen++;
	slot_add(l);
	return 0;
}

static int member_of(const struct media_mix *x, const struct media_leg *l)
{
	if (!x || !l || l->hear != HEAR_MIX || l->mix != x)
		return -1;
	return (int)l->mix_idx;
}

int media_mix_path(struct media_mix *x, struct media_leg *from, struct media_leg *to, bool on)
{
	int f = member_of(x, from), t = member_of(x, to);
	if (f < 0 || t < 0 || f == t)
		return EINVAL;
	if (on)
		x->mem[t].hears |= 1u << f;
	else
		x->mem[t].hears &= ~(1u << f);
	return 0;
}

bool media_mix_has(const struct media_mix *x, const struct media_leg *l)
{
	return member_of(x, l) >= 0;
}

unsigned media_mix_count(const struct media_mix *x)
{
	return x ? (unsigned)__builtin_popcount(x->used) : 0;
}

/* --- the media layer's side (media_impl.h) --- */

void mix_detach(struct media_leg *l)
{
	struct media_mix *x = l->mix;
	if (!x)
		return;
	unsigned i = l->mix_idx;
	x->mem[i].leg = NULL;
	x->used &= ~(1u << i);
	for (unsigned j = 0; j < MEDIA_MIX_MAX; j++)
		x->mem[j].hears &= ~(1u << i);
	l->mix = NULL;
}

void mix_input(struct media_leg *l, const uint8_t *p, size_t n, bool alaw)
{
	struct mix_member *mm = &l->mix->mem[l->mix_idx];
	for (size_t k = 0; k < n; k++) {
		if (mm->count == MIX_MAX_DELAY) { /* too far behind: drop the oldest */
			mm->head = (mm->head + 1) & (MIX_RING - 1);
			mm->count--;
		}
		mm->ring[(mm->head + mm->count) & (MIX_RING - 1)] = mg711_decode(p[k], alaw);
		mm->count++;
	}
}

/* Each member's next 20 ms (silence for what has not arrived), once per period. */
static void mix_advance(struct media_mix *x, uint64_t period)
{
	if (x->have_period && x->period == period)
		return;
	x->have_period = true;
	x->period = period;
	for (unsigned i = 0; i < MEDIA_MIX_MAX; i++) {
		struct mix_member *mm = &x->mem[i];
		if (!mm->leg)
			continue;
		/* whole frames only, so a late packet makes a gap rather than a cut; after running
		 * dry, wait for two frames (a little jitter room) before going on */
		if (mm->count < MRTP_FRAME)
			mm->refill = true;
		else if (mm->count >= MIX_REFILL)
			mm->refill = false;
		if (mm->refill) {
			memset(mm->cur, 0, sizeof(mm->cur));
			continue;
		}
		for (unsigned k = 0; k < MRTP_FRAME; k++)
			mm->cur[k] = mm->ring[(mm->head + k) & (MIX_RING - 1)];
		mm->head = (mm->head + MRTP_FRAME) & (MIX_RING - 1);
		mm->count -= MRTP_FRAME;
	}
}

const uint8_t *mix_frame(struct media_leg *l, uint64_t period)
{
	struct media_mix *x = l->mix;
	mix_advance(x, period);
	struct mix_member *me = &x->mem[l->mix_idx];
	int32_t acc[MRTP_FRAME] = {0};
	for (unsigned j = 0; j < MEDIA_MIX_MAX; j++) {
		if (!(me->hears & (1u << j)) || !x->mem[j].leg)
			continue;
		for (unsigned k = 0; k < MRTP_FRAME; k++)
			acc[k] += x->mem[j].cur[k];
	}
	int16_t pcm[MRTP_FRAME];
	for (unsigned k = 0; k < MRTP_FRAME; k++)
		pcm[k] = (int16_t)(acc[k] > 32767 ? 32767 : acc[k] < -32768 ? -32768 : acc[k]);
	mg711_encode(me->enc, pcm, MRTP_FRAME, l->codec == MEDIA_PCMA);
	return me->enc;
}
