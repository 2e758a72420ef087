/* test_media_rec: the recording timeline and WAV writer: header, both channels, gaps, pauses, late
 * packets, deletion. */
#include "testutil.h"
#include "media/media_rec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MS (1000000LL) /* ns */

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sb-test-rec-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The file's samples (interleaved) after checking its header; *frames receives their count. */
static int16_t *read_wav(const char *path, size_t *frames)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t h[44];
	assert_int_equal(fread(h, 1, 44, f), 44);
	assert_memory_equal(h, "RIFF", 4);
	assert_memory_equal(h + 8, "WAVEfmt ", 8);
	assert_int_equal(le16(h + 20), 1);
	assert_int_equal(le16(h + 22), 2);
	assert_int_equal(le32(h + 24), 8000);
	assert_int_equal(le32(h + 28), 32000);
	assert_int_equal(le16(h + 32), 4);
	assert_int_equal(le16(h + 34), 16);
	assert_memory_equal(h + 36, "data", 4);
	uint32_t n = le32(h + 40);
	assert_int_equal(le32(h + 4), 36 + n);
	assert_int_equal(n % 4, 0);
	int16_t *s = malloc(n ? n : 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, n, f), n);
	assert_int_equal(fgetc(f), EOF); /* nothing after the data */
	fclose(f);
	*frames = n / 4;
	return s;
}

/* Feeds one 20 ms packet of a constant level to ch, arriving at t. */
static void packet(struct media_rec *r, unsigned ch, int16_t level, int64_t t)
{
	int16_t pcm[160];
	for (int i = 0; i < 160; i++)
		pcm[i] = level;
	mrec_audio(r, ch, pcm, 160, t);
}

/* Frames of ch in [from, to) equal to v. */
static size_t count_eq(const int16_t *s, size_t from, size_t to, unsigned ch, int16_t v)
{
	size_t n = 0;
	for (size_t i = from; i < to; i++)
		n += s[i * 2 + ch] == v;
	return n;
}

static void test_header(void **state)
{
	(void)state;
	uint8_t h[44];
	mrec_wav_header(h, 2, 8000, 64000);
	assert_memory_equal(h, "RIFF", 4);
	assert_int_equal(le32(h + 4), 36 + 64000);
	assert_int_equal(le16(h + 22), 2);
	assert_int_equal(le32(h + 28), 32000);
	assert_int_equal(le32(h + 40), 64000);
	mrec_wav_header(h, 1, 8000, 0);
	assert_int_equal(le32(h + 28), 16000);
	assert_int_equal(le16(h + 32), 2);
}

/* Two parties for 3 s with a pause from 1 s to 2 s: both channels, silence while paused, the
 * file as long as the call, directories made. */
static void test_two_parties_and_a_pause(void **state)
{
	(void)state;
	struct mrec_writer *w;
	assert_int_equal(mrec_writer_alloc(&w), 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/recordings/2026/11/28/7.wav", dir);
	struct media_rec *r;
	int64_t t0 = 5000 * MS;
	assert_int_equal(mrec_open(&r, w, path, t0), 0);
	for (int k = 1; k <= 150; k++) { /* 3 s of 20 ms packets */
		int64_t t = t0 + k * 20 * MS;
		if (k == 50)
			r->paused = true;
		if (k == 100)
			r->paused = false;
		packet(r, 0, 1000, t);
		packet(r, 1, -2000, t - 3 * MS); /* the other party, a little earlier */
	}
	mrec_close(r, t0 + 3000 * MS);
	mrec_writer_free(w); /* every queued operation done */
	size_t frames;
	int16_t *s = read_wav(path, &frames);
	assert_int_equal(frames, 24000);
	/* before the pause: both parties */
	assert_true(count_eq(s, 100, 7800, 0, 1000) == 7700);
	assert_true(count_eq(s, 100, 7800, 1, -2000) == 7700);
	/* while paused (from 0.98 s, when the 50th packet was refused, to 1.98 s): silence */
	assert_int_equal(count_eq(s, 8000, 15800, 0, 0), 7800);
	assert_int_equal(count_eq(s, 8000, 15800, 1, 0), 7800);
	/* after: both again */
	assert_true(count_eq(s, 16200, 23800, 0, 1000) == 7600);
	assert_true(count_eq(s, 16200, 23800, 1, -2000) == 7600);
	free(s);
}

/* A party silent for a while: a gap of silence at the right place; a late packet still placed;
 * a burst far ahead of the clock dropped. */
static void test_gaps_late_and_bursts(void **state)
{
	(void)state;
	struct mrec_writer *w;
	assert_int_equal(mrec_writer_alloc(&w), 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/gap.wav", dir);
	struct media_rec *r;
	int64_t t0 = 1;
	assert_int_equal(mrec_open(&r, w, path, t0), 0);
	for (int k = 1; k <= 25; k++) /* 0 - 0.5 s */
		packet(r, 0, 500, t0 + k * 20 * MS);
	for (int k = 51; k <= 75; k++) /* 1.0 - 1.5 s: after 0.5 s of nothing */
		packet(r, 0, 700, t0 + k * 20 * MS);
	/* 50 ms after the last one: within the jitter allowed, it follows on where the party
	 * stopped */
	packet(r, 0, 900, t0 + 1550 * MS);
	/* a burst of 20 packets at once: the ones beyond 100 ms ahead of the clock are dropped */
	for (int k = 0; k < 20; k++)
		packet(r, 1, 300, t0 + 1700 * MS);
	assert_int_equal(r->dropped, 14);
	mrec_close(r, t0 + 2000 * MS);
	mrec_writer_free(w);
	size_t frames;
	int16_t *s = read_wav(path, &frames);
	assert_int_equal(frames, 16000);
	assert_int_equal(count_eq(s, 0, 4000, 0, 500), 4000);
	assert_int_equal(count_eq(s, 4000, 8000, 0, 0), 4000);
	assert_int_equal(count_eq(s, 8000, 12000, 0, 700), 4000);
	assert_int_equal(count_eq(s, 12000, 12160, 0, 900), 160);
	/* the burst: 6 packets from where it began (1.68 s) */
	assert_int_equal(count_eq(s, 0, 16000, 1, 300), 960);
	assert_int_equal(count_eq(s, 13440, 14400, 1, 300), 960);
	free(s);
}

/* A call with nobody talking is still as long as the call; deletion removes it after the writes. */
static void test_silent_call_and_delete(void **state)
{
	(void)state;
	struct mrec_writer *w;
	assert_int_equal(mrec_writer_alloc(&w), 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/a/b/silent.wav", dir);
	struct media_rec *r;
	assert_int_equal(mrec_open(&r, w, path, 0), 0);
	mrec_tick(r, 700 * MS);
	mrec_close(r, 2500 * MS);
	mrec_writer_free(w);
	size_t frames;
	int16_t *s = read_wav(path, &frames);
	assert_int_equal(frames, 20000);
	assert_int_equal(count_eq(s, 0, 20000, 0, 0) + count_eq(s, 0, 20000, 1, 0), 40000);
	free(s);
	assert_int_equal(mrec_writer_alloc(&w), 0);
	assert_int_equal(mrec_writer_delete(w, path), 0);
	char missing[420];
	snprintf(missing, sizeof(missing), "%s.none", path);
	assert_int_equal(mrec_writer_delete(w, missing), 0); /* already gone: not an error */
	assert_int_equal(mrec_writer_delete(w, ""), EINVAL);
	mrec_writer_free(w);
	struct stat st;
	assert_int_not_equal(stat(path, &st), 0);
}

/* A file that cannot be created: the failure is counted, nothing else breaks. */
static void test_unwritable(void **state)
{
	(void)state;
	struct mrec_writer *w;
	assert_int_equal(mrec_writer_alloc(&w), 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/file", dir);
	FILE *f = fopen(path, "w"); /* a file where a directory should be */
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/file/x.wav", dir);
	struct media_rec *r;
	assert_int_equal(mrec_open(&r, w, path, 0), 0);
	for (int k = 1; k <= 100; k++)
		packet(r, 0, 100, k * 20 * MS);
	mrec_close(r, 2000 * MS);
	assert_int_equal(mrec_open(&r, w, "", 0), EINVAL);
	uint64_t done = 0, failed = 0;
	for (int i = 0; i < 200 && done < 4; i++) {
		usleep(5000);
		mrec_writer_counts(w, &done, &failed);
	}
	assert_int_equal(done, 4); /* open, two writes of 1 s, close */
	assert_int_equal(failed, 4);
	mrec_writer_free(w);
}

/* A mono recording (a voicemail message): one channel in the header and the data, channel 1's
 * audio ignored, 16-bit samples at 8 kHz. */
static void test_mono(void **state)
{
	(void)state;
	struct mrec_writer *w;
	assert_int_equal(mrec_writer_alloc(&w), 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/recordings/messages/2026/11/28/9.wav", dir);
	struct media_rec *r;
	assert_int_equal(mrec_open_ch(&r, w, path, 3, 0), EINVAL);
	assert_int_equal(mrec_open_ch(&r, w, path, 0, 0), EINVAL);
	int64_t t0 = 1000 * MS;
	assert_int_equal(mrec_open_ch(&r, w, path, 1, t0), 0);
	for (int k = 1; k <= 100; k++) { /* 2 s */
		packet(r, 0, 1200, t0 + k * 20 * MS);
		packet(r, 1, -3000, t0 + k * 20 * MS);
	}
	mrec_close(r, t0 + 2000 * MS);
	mrec_writer_free(w);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t h[44];
	assert_int_equal(fread(h, 1, 44, f), 44);
	assert_int_equal(le16(h + 22), 1);
	assert_int_equal(le32(h + 24), 8000);
	assert_int_equal(le32(h + 28), 16000);
	assert_int_equal(le16(h + 32), 2);
	uint32_t n = le32(h + 40);
	assert_int_equal(n, 16000 * 2); /* 2 s, one channel */
	assert_int_equal(le32(h + 4), 36 + n);
	int16_t *s = malloc(n);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, n, f), n);
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
	size_t loud = 0;
	for (size_t i = 0; i < n / 2; i++) {
		assert_true(s[i] == 0 || s[i] == 1200); /* never channel 1's level */
		loud += s[i] == 1200;
	}
	assert_true(loud >= 15600);
	free(s);
}

/* Writes a file: header (data size 0: what a crash leaves) and n bytes of samples. */
static void write_crashed(const char *path, unsigned channels, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	uint8_t h[44];
	mrec_wav_header(h, channels, 8000, 0);
	assert_int_equal(fwrite(h, 1, 44, f), 44);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(fputc((int)(i * 7 % 251), f), EOF);
	assert_int_equal(fclose(f), 0);
}

/* A crash's file gets its sizes from its length (a partial frame cut); a complete one is left
 * alone; a file shorter than its header gets a whole one; other files are refused. */
static void test_repair(void **state)
{
	(void)state;
	char path[300];
	snprintf(path, sizeof(path), "%s/crashed.wav", dir);
	write_crashed(path, 2, 8000 * 4 + 3); /* a second of stereo and 3 bytes of the next frame */
	bool fixed = false;
	assert_int_equal(mrec_wav_repair(path, 2, &fixed), 0);
	assert_true(fixed);
	size_t frames = 0;
	int16_t *s = read_wav(path, &frames);
	assert_int_equal(frames, 8000);
	assert_int_equal(((uint8_t *)s)[10], 10 * 7 % 251); /* the samples are untouched */
	free(s);
	assert_int_equal(mrec_wav_repair(path, 2, &fixed), 0);
	assert_false(fixed); /* complete now */
	/* mono (a voicemail message): the channels come from the header, not the argument */
	write_crashed(path, 1, 3001);
	assert_int_equal(mrec_wav_repair(path, 2, &fixed), 0);
	assert_true(fixed);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 44 + 3000);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t h[44];
	assert_int_equal(fread(h, 1, 44, f), 44);
	fclose(f);
	assert_int_equal(le16(h + 22), 1);
	assert_int_equal(le32(h + 40), 3000);
	assert_int_equal(le32(h + 4), 36 + 3000);
	/* cut inside the header: a whole header, no samples */
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite("RIFF", 1, 4, f), 4);
	fclose(f);
	assert_int_equal(mrec_wav_repair(path, 2, &fixed), 0);
	assert_true(fixed);
	s = read_wav(path, &frames);
	assert_int_equal(frames, 0);
	free(s);
	/* not ours */
	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 100; i++)
		fputc('x', f);
	fclose(f);
	assert_int_equal(mrec_wav_repair(path, 2, &fixed), EINVAL);
	assert_false(fixed);
	snprintf(path, sizeof(path), "%s/none.wav", dir);
	assert_int_equal(mrec_wav_repair(path, 2, &fixed), ENOENT);
	assert_int_equal(mrec_wav_repair(dir, 2, &fixed), EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_header),
	    TEST(test_two_parties_and_a_pause),
	    TEST(test_gaps_late_and_bursts),
	    TEST(test_silent_call_and_delete),
	    TEST(test_unwritable),
	    TEST(test_mono),
	    TEST(test_repair),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
