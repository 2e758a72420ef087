/* media_rec: call recording: bridged legs tapped into a stereo WAV timeline, written by a writer
 * thread. */
#include "media/media_rec.h"
#include "media/media_impl.h"
#include "media/g711.h"
#include "base/dlist.h"
#include "base/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------- the WAV header ---------- */

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void mrec_wav_header(uint8_t h[44], unsigned channels, unsigned rate, uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16); /* fmt chunk size */
	put_le16(h + 20, 1);  /* PCM */
	put_le16(h + 22, (uint16_t)channels);
	put_le32(h + 24, rate);
	put_le32(h + 28, rate * channels * 2); /* bytes per second */
	put_le16(h + 32, (uint16_t)(channels * 2));
	put_le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, data_bytes);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int mrec_wav_repair(const char *path, unsigned channels, bool *fixed)
{
	*fixed = false;
	if (!path || (channels != 1 && channels != 2))
		return EINVAL;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno;
	struct stat st;
	uint8_t h[44], want[44];
	int err = 0;
	if (fstat(fd, &st) != 0) {
		err = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		goto out;
	}
	uint64_t size = (uint64_t)st.st_size, data = 0;
	if (size >= sizeof(h)) {
		if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
			err = errno ? errno : EIO;
			goto out;
		}
		/* ours: RIFF, WAVE, a 16-byte PCM fmt chunk, 16-bit samples, then data */
		if (memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVEfmt ", 8) ||
		    get_le32(h + 16) != 16 || h[20] != 1 || h[21] || (h[22] != 1 && h[22] != 2) ||
		    h[23] || h[34] != 16 || h[35] || memcmp(h + 36, "data", 4)) {
			err = EINVAL;
			goto out;
		}
		channels = h[22];
		data = size - sizeof(h);
		data -= data % (channels * 2); /* a frame cut short by the crash */
		if (data > UINT32_MAX - 64)
			data = (UINT32_MAX - 64) - (UINT32_MAX - 64) % (channels * 2);
		mrec_wav_header(want, channels, get_le32(h + 24), (uint32_t)data);
		if (size == sizeof(h) + data && memcmp(h, want, sizeof(h)) == 0)
			goto out; /* complete already */
	} else {
		mrec_wav_header(want, channels, MREC_RATE, 0);
	}
	if (pwrite(fd, want, sizeof(want), 0) != (ssize_t)sizeof(want) ||
	    (size != sizeof(want) + data && ftruncate(fd, (off_t)(sizeof(want) + data)) != 0)) {
		err = errno ? errno : EIO;
		goto out;
	}
	*fixed = true;
out:
	if (close(fd) != 0 && !err)
		err = errno;
	return err;
}

/* ---------- the writer thread ---------- */

enum wop_kind { WOP_OPEN, WOP_WRITE, WOP_CLOSE, WOP_DELETE };

/* A file as the writer sees it (only the writer thread touches it after WOP_OPEN). */
struct wfile {
	int fd;
	bool failed;
	uint64_t bytes; /* sample bytes written */
	char *path;
	unsigned channels; /* 2, or 1 for a mono recording (channel 0 only) */
};

struct wop {
	struct dlist le;
	enum wop_kind kind;
	struct wfile *f;
	char *path; /* WOP_DELETE */
	void *data; /* WOP_WRITE: interleaved samples */
	size_t len;
};

struct mrec_writer {
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dlist ops;
	size_t queued; /* bytes of WOP_WRITE waiting */
	bool stop;
	uint64_t done, failed;
};

/* Creates the parent directories of path. */
static int make_parents(const char *path)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return ENAMETOOLONG;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void wfile_fail(struct wfile *f, const char *what, int err)
{
	if (!f->failed)
		fprintf(stderr, "switchboard: recording %s: %s: %s\n", f->path, what,
			strerror(err));
	f->failed = true;
}

/* Runs one operation on the writer thread; returns false when it failed. */
static bool wop_run(struct wop *o)
{
	struct wfile *f = o->f;
	uint8_t h[44];
	int err;
	switch (o->kind) {
	case WOP_OPEN:
		if ((err = make_parents(f->path)) != 0) {
			wfile_fail(f, "cannot make its directory", err);
			return false;
		}
		f->fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (f->fd < 0) {
			wfile_fail(f, "cannot create", errno);
			return false;
		}
		mrec_wav_header(h, f->channels, MREC_RATE, 0); /* completed at the end */
		if ((err = write_all(f->fd, h, sizeof(h))) != 0) {
			wfile_fail(f, "cannot write", err);
			return false;
		}
		return true;
	case WOP_WRITE:
		if (f->failed)
			return false;
		if (f->bytes + o->len > UINT32_MAX - 64) {
			wfile_fail(f, "too long", EFBIG);
			return false;
		}
		if ((err = write_all(f->fd, o->data, o->len)) != 0) {
			wfile_fail(f, "cannot write", err);
			return false;
		}
		f->bytes += o->len;
		return true;
	case WOP_CLOSE: {
		bool ok = !f->failed;
		if (f->fd >= 0) {
			mrec_wav_header(h, f->channels, MREC_RATE, (uint32_t)f->bytes);
			if (ok && pwrite(f->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
				wfile_fail(f, "cannot complete", errno);
				ok = false;
			}
			if (close(f->fd) != 0 && ok) {
				wfile_fail(f, "cannot close", errno);
				ok = false;
			}
		}
		sb_free(f->path);
		sb_free(f);
		return ok;
	}
	case WOP_DELETE:
		if (unlink(o->path) != 0 && errno != ENOENT) {
			fprintf(stderr, "switchboard: recording %s: cannot delete: %s\n", o->path,
				strerror(errno));
			return false;
		}
		return true;
	}
	return false; /* cannot happen */
}

static void *writer_main(void *arg)
{
	struct mrec_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (dlist_empty(&w->ops) && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (dlist_empty(&w->ops))
			break; /* stopping, nothing left */
		struct wop *o = container_of(dlist_first(&w->ops), struct wop, le);
		dlist_unlink(&o->le);
		if (o->kind == WOP_WRITE)
			w->queued -= o->len;
		pthread_mutex_unlock(&w->mu);
		bool ok = wop_run(o);
		sb_free(o->data);
		sb_free(o->path);
		sb_free(o);
		pthread_mutex_lock(&w->mu);
		w->done++;
		if (!ok)
			w->failed++;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int mrec_writer_alloc(struct mrec_writer **wp)
{
	struct mrec_writer *w = sb_zalloc(sizeof(*w));
	if (!w)
		return ENOMEM;
	dlist_init(&w->ops);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thr, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		sb_free(w);
		return EAGAIN;
	}
	*wp = w;
	return 0;
}

void mrec_writer_free(struct mrec_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thr, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	sb_free(w);
}

void mrec_writer_counts(struct mrec_writer *w, uint64_t *done, uint64_t *failed)
{
	pthread_mutex_lock(&w->mu);
	*done = w->done;
	*failed = w->failed;
	pthread_mutex_unlock(&w->mu);
}

/* Queues an operation (the writer owns o from here). A write beyond the queue's bound is dropped.
 */
static bool writer_push(struct mrec_writer *w, struct wop *o)
{
	pthread_mutex_lock(&w->mu);
	if (o->kind == WOP_WRITE && w->queued + o->len > MREC_QUEUE_MAX) {
		pthread_mutex_unlock(&w->mu);
		sb_free(o->data);
		sb_free(o);
		return false;
	}
	if (o->kind == WOP_WRITE)
		w->queued += o->len;
	dlist_append(&w->ops, &o->le);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return true;
}

int mrec_writer_delete(struct mrec_writer *w, const char *path)
{
	if (!w || !path || !path[0])
		return EINVAL;
	struct wop *o = sb_zalloc(sizeof(*o));
	if (!o)
		return ENOMEM;
	o->kind = WOP_DELETE;
	o->path = sb_strdup(path);
	if (!o->path) {
		sb_free(o);
		return ENOMEM;
	}
	writer_push(w, o);
	return 0;
}

/* ---------- the timeline (loop thread) ---------- */

_Static_assert(MREC_CHANNELS == 2, "the timeline interleaves a left and a right channel");

static uint64_t pos_at(const struct media_rec *r, int64_t now_ns)
{
	if (now_ns <= r->t0_ns)
		return 0;
	return (uint64_t)(now_ns - r->t0_ns) / (1000000000ull / MREC_RATE);
}

/* Hands the block being filled to the writer. */
static void block_push(struct media_rec *r)
{
	if (!r->nblock)
		return;
	struct wop *o = sb_zalloc(sizeof(*o));
	if (!o) {
		r->nblock = 0; /* out of memory: that second is lost */
		return;
	}
	o->kind = WOP_WRITE;
	o->f = r->file;
	o->data = r->block;
	o->len = r->nblock * r->channels * sizeof(int16_t);
	r->block = NULL;
	r->nblock = 0;
	writer_push(r->w, o);
}

/* Moves every sample before `upto` out of the open window into blocks. */
static void emit_upto(struct media_rec *r, uint64_t upto)
{
	while (r->emitted < upto) {
		if (!r->block) {
			r->block = sb_alloc(MREC_BLOCK * MREC_CHANNELS * sizeof(int16_t));
			if (!r->block) {
				r->emitted = upto; /* out of memory: skipped */
				for (unsigned c = 0; c < MREC_CHANNELS; c++)
					memset(r->ring[c], 0, sizeof(r->ring[c]));
				return;
			}
		}
		uint64_t k = upto - r->emitted;
		if (k > MREC_BLOCK - r->nblock)
			k = MREC_BLOCK - r->nblock;
		/* one stretch of the ring that does not wrap */
		size_t at = (size_t)(r->emitted % MREC_RING);
		if (k > MREC_RING - at)
			k = MREC_RING - at;
		int16_t *out = r->block + r->nblock * r->channels;
		const int16_t *c0 = r->ring[0] + at, *c1 = r->ring[1] + at;
		if (r->channels == 1) {
			memcpy(out, c0, (size_t)k * sizeof(int16_t));
		} else {
			for (size_t i = 0; i < (size_t)k; i++) {
				out[2 * i] = c0[i];
				out[2 * i + 1] = c1[i];
			}
		}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		/* WAV samples are little-endian */
		for (size_t i = 0; i < r->channels * (size_t)k; i++)
			out[i] = (int16_t)__builtin_bswap16((uint16_t)out[i]);
#endif
		memset(r->ring[0] + at, 0, (size_t)k * sizeof(int16_t));
		memset(r->ring[1] + at, 0, (size_t)k * sizeof(int16_t));
		r->nblock += (size_t)k;
		r->emitted += k;
		if (r->nblock == MREC_BLOCK)
			block_push(r);
	}
}

int mrec_open(struct media_rec **rp, struct mrec_writer *w, const char *path, int64_t now_ns)
{
	return mrec_open_ch(rp, w, path, MREC_CHANNELS, now_ns);
}

int mrec_open_ch(struct media_rec **rp, struct mrec_writer *w, const char *path, unsigned channels,
		 int64_t now_ns)
{
	if (!rp || !w || !path || !path[0] || channels < 1 || channels > MREC_CHANNELS)
		return EINVAL;
	struct media_rec *r = sb_zalloc(sizeof(*r));
	struct wfile *f = sb_zalloc(sizeof(*f));
	struct wop *o = sb_zalloc(sizeof(*o));
	if (!r || !f || !o || !(f->path = sb_strdup(path))) {
		if (f)
			sb_free(f->path);
		sb_free(f);
		sb_free(o);
		sb_free(r);
		return ENOMEM;
	}
	f->fd = -1;
	f->channels = channels;
	r->channels = channels;
	o->kind = WOP_OPEN;
	o->f = f;
	r->w = w;
	r->file = f;
	r->t0_ns = now_ns;
	writer_push(w, o);
	*rp = r;
	return 0;
}

void mrec_tick(struct media_rec *r, int64_t now_ns)
{
	uint64_t now = pos_at(r, now_ns);
	if (now > MREC_DELAY)
		emit_upto(r, now - MREC_DELAY);
}

void mrec_audio(struct media_rec *r, unsigned ch, const int16_t *pcm, size_t n, int64_t now_ns)
{
	if (ch >= MREC_CHANNELS || !n || n > MREC_DELAY)
		return;
	mrec_tick(r, now_ns);
	if (r->paused)
		return;
	uint64_t now = pos_at(r, now_ns);
	uint64_t start = now > n ? now - n : 0; /* where this packet began, by its arrival */
	uint64_t at = r->cursor[ch];
	if (at + MREC_JITTER < start)
		at = start; /* the party was silent (or paused) for a while: a gap */
	if (at < r->emitted)
		at = r->emitted; /* too late for its place: as early as still open */
	if (at + n > now + MREC_AHEAD) {
		r->dropped++; /* far ahead of the clock (a burst): not placed */
		return;
	}
	/* added (a late packet may overlap the party's last one), in at most two stretches */
	for (size_t done = 0; done < n;) {
		size_t slot = (size_t)((at + done) % MREC_RING);
		size_t len = n - done < MREC_RING - slot ? n - done : MREC_RING - slot;
		int16_t *dst = r->ring[ch] + slot;
		const int16_t *src = pcm + done;
		for (size_t i = 0; i < len; i++) {
			int32_t v = (int32_t)dst[i] + src[i];
			dst[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
		}
		done += len;
	}
	r->cursor[ch] = at + n;
}

void mrec_close(struct media_rec *r, int64_t now_ns)
{
	if (!r)
		return;
	uint64_t end = pos_at(r, now_ns);
	for (unsigned c = 0; c < MREC_CHANNELS; c++)
		if (r->cursor[c] > end)
			end = r->cursor[c];
	emit_upto(r, end);
	block_push(r);
	sb_free(r->block);
	struct wop *o = sb_zalloc(sizeof(*o));
	if (o) {
		o->kind = WOP_CLOSE;
		o->f = r->file;
		writer_push(r->w, o);
	} else {
		fprintf(stderr,
			"switchboard: a recording could not be completed (out of memory)\n");
	}
	sb_free(r);
}

/* ---------- the media layer's side: legs tapped into a recording ---------- */

static int64_t rec_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int rec_writer(struct media *m, struct mrec_writer **wp)
{
	if (!m->recw) {
		int err = mrec_writer_alloc(&m->recw);
		if (err)
			return err;
	}
	*wp = m->recw;
	return 0;
}

int media_rec_start(struct media_rec **rp, const char *path, struct media_leg *a,
		    struct media_leg *b)
{
	if (!rp || !path || !a || !b || a == b || a->m != b->m)
		return EINVAL;
	if (a->rec || b->rec)
		return EBUSY;
	struct mrec_writer *w;
	int err = rec_writer(a->m, &w);
	if (err)
		return err;
	struct media_rec *r;
	if ((err = mrec_open(&r, w, path, rec_now_ns())))
		return err;
	r->leg[0] = a;
	r->leg[1] = b;
	a->rec = r;
	a->rec_ch = 0;
	b->rec = r;
	b->rec_ch = 1;
	*rp = r;
	return 0;
}

int media_rec_start_mono(struct media_rec **rp, const char *path, struct media_leg *a)
{
	if (!rp || !path || !a)
		return EINVAL;
	if (a->rec)
		return EBUSY;
	struct mrec_writer *w;
	int err = rec_writer(a->m, &w);
	if (err)
		return err;
	struct media_rec *r;
	if ((err = mrec_open_ch(&r, w, path, 1, rec_now_ns())))
		return err;
	r->leg[0] = a;
	a->rec = r;
	a->rec_ch = 0;
	*rp = r;
	return 0;
}

int media_rec_set_leg(struct media_rec *r, unsigned ch, struct media_leg *l)
{
	if (!r || ch >= MREC_CHANNELS || (l && l->rec && l->rec != r))
		return EINVAL;
	if (r->leg[ch] == l)
		return 0;
	if (r->leg[ch])
		r->leg[ch]->rec = NULL;
	r->leg[ch] = l;
	if (l) {
		l->rec = r;
		l->rec_ch = (uint8_t)ch;
	}
	return 0;
}

void media_rec_pause(struct media_rec *r, bool paused)
{
	if (!r)
		return;
	mrec_tick(r, rec_now_ns());
	r->paused = paused;
}

bool media_rec_paused(const struct media_rec *r)
{
	return r && r->paused;
}

void media_rec_stop(struct media_rec *r)
{
	if (!r)
		return;
	for (unsigned c = 0; c < MREC_CHANNELS; c++)
		if (r->leg[c])
			r->leg[c]->rec = NULL;
	mrec_close(r, rec_now_ns());
}

int media_rec_delete(struct media *m, const char *path)
{
	if (!m || !path)
		return EINVAL;
	struct mrec_writer *w;
	int err = rec_writer(m, &w);
	return err ? err : mrec_writer_delete(w, path);
}

/* A received G.711 payload on a recorded leg (media.c, on receipt). */
void rec_tap(struct media_leg *l, const uint8_t *payload, size_t len, bool alaw)
{
	int16_t pcm[MREC_DELAY];
	if (len > MREC_DELAY)
		len = MREC_DELAY;
	for (size_t i = 0; i < len; i++)
		pcm[i] = mg711_decode(payload[i], alaw);
	mrec_audio(l->rec, l->rec_ch, pcm, len, rec_now_ns());
}

/* The leg goes away: the recording keeps its timeline, that channel is silent from now on. */
void rec_leg_gone(struct media_leg *l)
{
	struct media_rec *r = l->rec;
	if (r && r->leg[l->rec_ch] == l)
		r->leg[l->rec_ch] = NULL;
	l->rec = NULL;
}
