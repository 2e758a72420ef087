/* media_rec: call recording internals: the stereo WAV timeline and its writer thread (for media.c
 * and the unit tests). */
#ifndef SB_MEDIA_MEDIA_REC_H
#define SB_MEDIA_MEDIA_REC_H

/*
 * A recording is one WAV file, 8 kHz 16-bit PCM, two channels: what leg 0's
 * party says on the left, leg 1's on the right. The loop thread places each
 * received 20 ms packet on the recording's timeline by the time it arrived
 * (a gap in a party's packets is silence; a packet that arrives early is
 * appended), keeps the last 200 ms open for late packets, and hands
 * finished audio in 1 s blocks to the writer thread, which alone opens,
 * writes, completes and deletes files. The loop never waits for the disk.
 * While paused, received audio is not recorded: the file holds silence for
 * that stretch, so its length is always the call's length.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MREC_RATE      8000
#define MREC_CHANNELS  2
#define MREC_DELAY     1600	   /* samples kept open for late packets (200 ms) */
#define MREC_AHEAD     800	   /* a party may run this far ahead of the clock (100 ms) */
#define MREC_JITTER    480	   /* a gap longer than this (60 ms) is silence in the file */
#define MREC_RING      8192	   /* samples per channel in the open window */
#define MREC_BLOCK     8000	   /* samples per channel handed to the writer at once (1 s) */
#define MREC_QUEUE_MAX (64u << 20) /* bytes queued to the writer at most; beyond: dropped */

struct mrec_writer;
struct media_leg;

/* One recording on the loop thread. */
struct media_rec {
	struct mrec_writer *w;
	void *file;	  /* the writer's handle, passed along with each block */
	int64_t t0_ns;	  /* the timeline's origin (monotonic) */
	uint64_t emitted; /* samples (per channel) handed on so far */
	uint64_t cursor[MREC_CHANNELS];
	int16_t ring[MREC_CHANNELS][MREC_RING];
	int16_t *block; /* interleaved samples being filled */
	size_t nblock;	/* frames in block */
	bool paused;
	unsigned channels; /* in the file: 2, or 1 (channel 0 only: a voicemail message) */
	uint64_t dropped;  /* packets that could not be placed (far ahead of the clock) */
	struct media_leg *leg[MREC_CHANNELS];
};

/* The 44-byte header of a PCM WAV file holding data_bytes of samples. */
void mrec_wav_header(uint8_t h[44], unsigned channels, unsigned rate, uint32_t data_bytes);

/*
 * Repairs a recording a crash left incomplete (the header's RIFF and data sizes are written only
 * at the end): the sizes are set from the file's length (a trailing partial frame is cut). A file
 * shorter than its header gets a whole header of `channels` (1 or 2) and no samples. *fixed tells
 * whether the file changed. Returns 0, ENOENT, EINVAL (not a 16-bit PCM WAV file) or an I/O errno.
 * Runs on the caller's thread (at start, before any recording is open).
 */
int mrec_wav_repair(const char *path, unsigned channels, bool *fixed);

/* The writer thread. free finishes every queued operation first. */
int mrec_writer_alloc(struct mrec_writer **wp);
void mrec_writer_free(struct mrec_writer *w);
/* Deletes a file (after the operations queued before). Returns 0 or ENOMEM. */
int mrec_writer_delete(struct mrec_writer *w, const char *path);
/* Operations done so far and the ones that failed (open, write, complete, delete). */
void mrec_writer_counts(struct mrec_writer *w, uint64_t *done, uint64_t *failed);

/*
 * A new recording into path (missing directories are made by the writer,
 * 0750; the file is 0640) whose timeline starts at now_ns. Returns 0, EINVAL
 * or ENOMEM.
 */
int mrec_open(struct media_rec **rp, struct mrec_writer *w, const char *path, int64_t now_ns);
/* The same with 1 (mono: channel 0 only) or 2 channels. */
int mrec_open_ch(struct media_rec **rp, struct mrec_writer *w, const char *path, unsigned channels,
		 int64_t now_ns);
/* n samples (8 kHz) that channel ch received at now_ns (the packet's last sample is now). */
void mrec_audio(struct media_rec *r, unsigned ch, const int16_t *pcm, size_t n, int64_t now_ns);
/* Hands on everything older than the open window (call now and then: a silent call too). */
void mrec_tick(struct media_rec *r, int64_t now_ns);
/* Ends the recording at now_ns: the rest is written, the header completed; frees r. */
void mrec_close(struct media_rec *r, int64_t now_ns);

#endif
