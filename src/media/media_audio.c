/* media_audio: WAV files read once into memory (librem aufile), shared music sources, their 20 ms frames. */
#include "media/media_impl.h"
#include "media/g711.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>

#include <rem.h>

/* Reads the whole file: 8 kHz, mono, 16-bit PCM only. */
static int clip_load(struct clip *c, const char *path)
{
	struct aufile *af = NULL;
	struct aufile_prm prm;
	int err = aufile_open(&af, &prm, path, AUFILE_READ);
	if (err)
		return err == ENOENT || err == ENOMEM || err == EACCES ? err : EINVAL;
	if (prm.srate != 8000 || prm.channels != 1 || prm.fmt != AUFMT_S16LE) {
		err = EINVAL;
		goto out;
	}
	size_t cap = 0;
	for (;;) {
		if (c->n + 4096 > cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			int16_t *p = sb_realloc(c->pcm, ncap * sizeof(int16_t));
			if (!p) {
				err = ENOMEM;
				goto out;
			}
			c->pcm = p;
			cap = ncap;
		}
		size_t sz = 4096 * sizeof(int16_t);
		err = aufile_read(af, (uint8_t *)(c->pcm + c->n), &sz);
		if (err) {
			err = EINVAL;
			goto out;
		}
		if (sz == 0)
			break;
		c->n += sz / sizeof(int16_t);
		if (c->n > MEDIA_CLIP_MAX) {
			err = EFBIG;
			goto out;
		}
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (size_t i = 0; i < c->n; i++) /* WAV samples are little-endian */
		c->pcm[i] = (int16_t)__builtin_bswap16((uint16_t)c->pcm[i]);
#endif
	err = c->n ? 0 : EINVAL;
out:
	mem_deref(af);
	return err;
}

int clip_get(struct clip **cp, struct media *m, const char *path)
{
	if (!path || !*path)
		return EINVAL;
	dlist_for_each(it, &m->clips)
	{
		struct clip *c = container_of(it, struct clip, le);
		if (!strcmp(c->path, path)) {
			c->refs++;
			*cp = c;
			return 0;
		}
	}
	struct clip *c = sb_zalloc(sizeof(*c));
	if (!c)
		return ENOMEM;
	int err = ENOMEM;
	c->path = sb_strdup(path);
	if (!c->path || (err = clip_load(c, path))) {
		sb_free(c->pcm);
		sb_free(c->path);
		sb_free(c);
		return err;
	}
	c->refs = 1;
	dlist_append(&m->clips, &c->le);
	*cp = c;
	return 0;
}

/* Released clips stay cached (a prompt played again is not read again) until clips_free. */
void clip_put(struct clip *c)
{
	if (c)
		c->refs--;
}

void clips_free(struct media *m)
{
	while (!dlist_empty(&m->clips)) {
		struct clip *c = container_of(dlist_first(&m->clips), struct clip, le);
		dlist_unlink(&c->le);
		sb_free(c->pcm);
		sb_free(c->path);
		sb_free(c);
	}
}

int media_source_open(struct media_source **sp, struct media *m, const char *const *files,
		      unsigned n, bool loop)
{
	if (!sp || !m || !files || n == 0)
		return EINVAL;
	struct media_source *s = sb_zalloc(sizeof(*s));
	if (!s)
		return ENOMEM;
	s->clips = sb_calloc(n, sizeof(*s->clips));
	if (!s->clips) {
		sb_free(s);
		return ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		int err = clip_get(&s->clips[i], m, files[i]);
		if (err) {
			while (i--)
				clip_put(s->clips[i]);
			sb_free(s->clips);
			sb_free(s);
			return err;
		}
	}
	s->m = m;
	s->nclips = n;
	s->loop = loop;
	dlist_append(&m->sources, &s->le);
	m->nsources++;
	*sp = s;
	return 0;
}

void media_source_close(struct media_source *s)
{
	if (!s)
		return;
	struct media *m = s->m;
	for (unsigned k = 0; k < MCLOCK_SLOTS && s->listeners; k++) {
		struct dlist *head = &m->slot[k];
		for (struct dlist *it = head->next, *nx; it != head; it = nx) {
			nx = it->next;
			struct media_leg *l = container_of(it, struct media_leg, slot_le);
			if (l->hear == HEAR_SOURCE && l->src == s)
				leg_hear_nothing(l);
		}
	}
	for (unsigned i = 0; i < s->nclips; i++)
		clip_put(s->clips[i]);
	dlist_unlink(&s->le);
	m->nsources--;
	sb_free(s->clips);
	sb_free(s);
}

/* The next MRTP_FRAME samples of the source into s->pcm (silence-padded at its very end). */
static bool source_advance(struct media_source *s)
{
	size_t got = 0;
	while (got < MRTP_FRAME && !s->ended) {
		const struct clip *c = s->clips[s->cur];
		size_t take = c->n - s->pos;
		if (take > MRTP_FRAME - got)
			take = MRTP_FRAME - got;
		memcpy(s->pcm + got, c->pcm + s->pos, take * sizeof(int16_t));
		got += take;
		s->pos += take;
		if (s->pos == c->n) {
			s->pos = 0;
			if (++s->cur == s->nclips) {
				s->cur = 0;
				s->ended = !s->loop;
			}
		}
	}
	memset(s->pcm + got, 0, (MRTP_FRAME - got) * sizeof(int16_t));
	return got > 0;
}

const uint8_t *source_frame(struct media_source *s, uint64_t period, bool alaw)
{
	if (!s->have_frame || s->period != period) {
		s->period = period;
		s->have_enc[0] = s->have_enc[1] = false;
		s->have_frame = !s->ended && source_advance(s);
	}
	if (!s->have_frame)
		return NULL;
	unsigned k = alaw ? 1 : 0;
	if (!s->have_enc[k]) {
		mg711_encode(s->enc[k], s->pcm, MRTP_FRAME, alaw);
		s->have_enc[k] = true;
	}
	return s->enc[k];
}
