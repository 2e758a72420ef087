/* media_impl: the media layer's private structures, shared by media.c, media_sdp.c and
 * media_audio.c. */
#ifndef SB_MEDIA_MEDIA_IMPL_H
#define SB_MEDIA_MEDIA_IMPL_H

#include "media/media.h"
#include "media/mclock.h"
#include "media/rtp.h"
#include "base/dlist.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <re.h>

#define MEDIA_PKT_MAX  2048 /* larger datagrams are dropped as malformed */
#define MEDIA_ADDR_MAX 64
#define MEDIA_CLIP_MAX (8000 * 3600) /* samples: one hour */

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

/* A socket address, small and cheap to compare on the hot path. */
struct maddr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len;
};

/* One WAV file's samples in memory, shared by sources and prompts. */
struct clip {
	struct dlist le; /* in media.clips */
	char *path;
	int16_t *pcm;
	size_t n;
	unsigned refs;
};

struct media_source {
	struct media *m;
	struct dlist le; /* in media.sources */
	struct clip **clips;
	unsigned nclips;
	bool loop, ended;
	unsigned cur; /* clip index and offset of the next frame */
	size_t pos;
	unsigned listeners;
	/* the frame of the current period, encoded on demand per law */
	uint64_t period;
	bool have_frame;
	int16_t pcm[MRTP_FRAME];
	uint8_t enc[2][MRTP_FRAME];
	bool have_enc[2];
};

/*
 * A leg's RTP and RTCP sockets. They outlive their leg: a freed leg's pair goes to
 * the media's pool (registered with the loop all along, drained while idle) and the
 * next leg takes it once it has been quiet for cfg.pool_quiet_ms, which saves the
 * socket, bind, setsockopt, epoll_ctl and close calls of every leg.
 */
struct msock {
	struct dlist le; /* in media.pool while idle */
	struct media *m;
	struct media_leg *leg; /* NULL while idle */
	int fd, rtcp_fd;
	uint16_t port;
	int64_t idle_ns; /* when it went to the pool */
};

enum hear { HEAR_NOTHING = 0, HEAR_BRIDGE, HEAR_SOURCE, HEAR_ONCE, HEAR_MIX };

struct media_leg {
	/* hot: what every received or sent packet touches, first */
	int fd;
	enum hear hear;
	enum media_codec codec;
	int tev_pt; /* telephone-event payload type, -1: not negotiated */
	bool may_send;
	bool is_latched;
	bool connected; /* the socket is connected to the latched address */
	bool has_sdp_dst;
	uint32_t gen; /* changes whenever what the leg hears changes */
	struct media_leg *peer;
	struct media *m;
	struct maddr latched;
	struct mrtp_out out; /* the stream we send to its party */
	struct mrtp_rx rx;
	struct media_leg_stats st;
	bool dtmf_seen;
	uint32_t dtmf_ts;
	void (*dtmfh)(void *arg, char digit);
	void *dtmf_arg;
	unsigned in_cb; /* inside a DTMF callback: media_leg_free defers */
	bool dead;

	/* what it hears besides a bridge */
	struct media_source *src;
	struct clip *once;
	size_t once_pos;
	void (*done)(void *arg); /* of the prompt playing */
	void *done_arg;
	void (*pending_done)(void *arg); /* of a prompt that ended, until its callback ran */
	void *pending_arg;
	struct dlist done_le;  /* in media.done while pending_done waits */
	struct media_mix *mix; /* HEAR_MIX: the mix (media_mix.c) and our member index */
	unsigned mix_idx;
	int slot;	      /* phase slot, -1 before its first player; kept for life */
	struct dlist slot_le; /* in media.slot[slot] while playing */

	/* cold */
	struct dlist le; /* in media.legs */
	struct msock *sock;
	uint16_t port;
	void *arg;
	struct sdp_session *sess;
	struct sdp_media *sm;
	enum media_codec pref;
	bool offered; /* an offer of ours awaits its answer */
	bool hold;
	struct maddr sdp_dst;
	struct media_rec *rec; /* recorded (media_rec.c): the recording and our channel in it */
	uint8_t rec_ch;
};

struct media {
	struct media_config cfg;
	char addr[MEDIA_ADDR_MAX], sdp_addr[MEDIA_ADDR_MAX];
	struct sa bind_sa, sdp_sa;
	uint16_t port_next;
	uint8_t *held; /* per even port of the range: a pair of ours is bound there */
	uint32_t nheld;
	struct dlist legs, sources, clips;
	struct dlist pool; /* idle socket pairs, oldest first */
	unsigned npool;
	unsigned nlegs, nbridges, nplayers, nsources;

	/* the media clock */
	int tfd;
	bool armed;
	int64_t epoch_ns; /* tick t is due at epoch + t ms */
	uint64_t tick;	  /* the next tick to serve */
	struct dlist slot[MCLOCK_SLOTS];
	unsigned slot_load[MCLOCK_SLOTS]; /* players assigned (playing or not) */
	struct dlist done;		  /* prompts that ended, awaiting their callback */
	struct mhist late;
	uint64_t skipped;

	/* the receive buffer (one loop thread: shared by every leg) */
	struct msghdr mh;
	struct iovec iov;
	struct sockaddr_storage from;
	uint8_t buf[MEDIA_PKT_MAX];

	uint64_t rx_packets, tx_packets, relayed, dropped;
	struct mrec_writer
	    *recw; /* the recordings' writer thread (media_rec.c), made on first use */
};

/* media_audio.c */
int clip_get(struct clip **cp, struct media *m, const char *path);
void clip_put(struct clip *c);
void clips_free(struct media *m);
/* Fills the frame of `period` for this source if needed; NULL when the source has ended. */
const uint8_t *source_frame(struct media_source *s, uint64_t period, bool alaw);

/* media.c */
void leg_hear_nothing(struct media_leg *l);
/* Forgets the latched address (the next packet latches again). */
void leg_unlatch(struct media_leg *l);
void maddr_from_sa(struct maddr *a, const struct sa *sa);
bool maddr_eq(const struct maddr *a, const struct maddr *b);

/* media.c: a leg's place on the media clock (players) */
void slot_add(struct media_leg *l);
void slot_remove(struct media_leg *l);

/* media_mix.c: a member's received audio, the frame it hears this period, leaving */
void mix_input(struct media_leg *l, const uint8_t *p, size_t n, bool alaw);
const uint8_t *mix_frame(struct media_leg *l, uint64_t period);
void mix_detach(struct media_leg *l);

/* media_rec.c: a recorded leg's received audio; the leg goes away */
void rec_tap(struct media_leg *l, const uint8_t *payload, size_t len, bool alaw);
void rec_leg_gone(struct media_leg *l);

/* media_sdp.c */
void leg_sdp_free(struct media_leg *l);

#endif
