/* pacer: how many calls to place now: the predictive dialler's pacing model, its measurements
 * (answer rate, handle-time distribution, rolling abandonment) and its fallback to progressive. */
#ifndef SB_CORE_DIALER_PACER_H
#define SB_CORE_DIALER_PACER_H

/*
 * The model (docs/dialer.md): in the next horizon T (the mean time from
 * dialling to an answer, plus the safe-harbour time) the demand for agents
 * is the answered calls already waiting, W, plus the answers among the n
 * calls ringing and the N calls placed now: D = W + X, X ~ Binomial(n + N,
 * p) with p the measured answer rate. The supply is the free agents F plus
 * those of the B busy agents who finish within T: S = F + Y, Y the sum of
 * Bernoulli(q_i), q_i = P(H <= e_i + T | H > e_i) from the measured
 * handle-time distribution H and agent i's elapsed handle time e_i. A call
 * answered with no agent is abandoned, so the expected abandons are
 * E[max(0, D - S)] and the expected live answers E[D]. The pacer places
 * the largest N (up to a line cap) whose expected abandons stay within
 * tau * E[D]; tau is the campaign's target (a margin below the legal limit)
 * scaled down to 0 as the measured rolling rate approaches the target.
 *
 * The progressive number (free agents - waiting - ringing) is always
 * allowed: with every answer having an agent, nothing is abandoned. The
 * pacer gives just that when the sample is small (fewer answered calls in
 * the window than min_live, or fewer attempts than min_attempts measured).
 *
 * Pure arithmetic on what the caller gives it; no clock.
 */

#include <stdbool.h>
#include <stdint.h>

#define PACER_HIST_BIN_MS 5000 /* handle-time histogram resolution */
#define PACER_HIST_BINS	  720  /* one hour; longer handle times go in the last bin */
#define PACER_KEEP	  1024 /* recent attempts / handle times remembered */
#define PACER_MAX_BUCKETS 720  /* rolling-window buckets */
#define PACER_MAX_LINES	  4096 /* calls in flight one decision considers */

/* Abandonment over a rolling window, in buckets of bucket_ms. */
struct pacer_window {
	int64_t window_ms, bucket_ms;
	uint32_t n;   /* buckets: window_ms / bucket_ms (+1 for the partial one) */
	int64_t head; /* index (time / bucket_ms) of the newest bucket */
	uint32_t live[PACER_MAX_BUCKETS], aband[PACER_MAX_BUCKETS];
	uint64_t sum_live, sum_aband;
};

/* What the pacer measures of one campaign. */
struct pacer_stats {
	/* recent attempts: answered or not, and dial-to-answer time */
	uint8_t ans[PACER_KEEP];
	uint32_t n_att, pos_att, n_ans;
	double ans_ms_sum; /* over the answered ones among the recent attempts */
	int32_t ans_ms[PACER_KEEP];
	/* recent handle times (connect to ready again) */
	int32_t handle[PACER_KEEP];
	uint32_t n_handle, pos_handle;
	uint32_t hist[PACER_HIST_BINS];
	uint32_t cum[PACER_HIST_BINS + 1]; /* cum[k]: handle times in bins below k */
	bool cum_dirty;
	double handle_sum;
	struct pacer_window win;
};

/* Pacing parameters of a campaign. */
struct pacer_params {
	double limit;		 /* legal abandonment limit (0.03) */
	double margin;		 /* aim at margin * limit (0 < margin <= 1; default 0.8) */
	uint32_t min_live;	 /* below this many live answers in the window: progressive (50) */
	uint32_t min_attempts;	 /* below this many attempts measured: progressive (100) */
	double max_lines;	 /* cap: ringing + N <= max_lines * (free + busy agents) (5) */
	int64_t safe_harbour_ms; /* added to the horizon (2000) */
};

struct pacer_input {
	uint32_t free_agents;
	uint32_t busy_agents;		/* handling a call (talk or wrap-up) */
	const int64_t *busy_elapsed_ms; /* busy_agents entries; NULL: treat as just started */
	uint32_t waiting;		/* answered, waiting for an agent */
	uint32_t ringing;		/* placed, not yet answered or failed */
};

enum pacer_mode {
	PACER_PROGRESSIVE = 0, /* one call per free agent */
	PACER_PREDICTIVE,
};

/* Why the pacer chose what it did (the live view and the audit trail show it). */
enum pacer_why {
	PACER_WHY_PREDICTIVE = 0,
	PACER_WHY_SMALL_SAMPLE, /* too few answers or attempts measured */
	PACER_WHY_THROTTLED,	/* the rolling rate reached the target: tau is 0 */
	PACER_WHY_PROGRESSIVE,	/* the campaign is progressive */
};

struct pacer_output {
	uint32_t dial; /* calls to place now */
	enum pacer_mode mode;
	enum pacer_why why;
	double p;	    /* answer rate used */
	double tau;	    /* abandonment allowed for this decision */
	double rate;	    /* measured rolling abandonment rate */
	double exp_abandon; /* expected abandons of the chosen dial */
	double exp_live;    /* expected live answers */
};

/* Working memory of pacer_decide() (about 64 KiB: keep it off small stacks). */
struct pacer_scratch {
	double p[PACER_MAX_LINES + 1]; /* distribution of the agents freeing up */
	uint32_t lo, hi;
	double g[PACER_MAX_LINES + 1]; /* expected shortfall by number of answers */
};

void pacer_params_default(struct pacer_params *p);
/* window_ms: the profile's (30 days, 24 hours ...); at most PACER_MAX_BUCKETS - 1 buckets. */
void pacer_stats_init(struct pacer_stats *s, int64_t window_ms);
/* An attempt ended: answered (after ans_ms of ringing) or not (no answer, busy, failed). */
void pacer_note_attempt(struct pacer_stats *s, bool answered, int64_t ans_ms);
/* A connected call's agent is free again after handle_ms. */
void pacer_note_handle(struct pacer_stats *s, int64_t handle_ms);
/* A live answer at `now`, abandoned or not; the window rolls to now. */
void pacer_note_live(struct pacer_stats *s, int64_t now, bool abandoned);
/* A live answer already noted (not abandoned) turned out abandoned after all: counts it. */
void pacer_note_abandon(struct pacer_stats *s, int64_t now);
/* Rolls the window to now (drops buckets older than the window). */
void pacer_window_roll(struct pacer_window *w, int64_t now);
/* Abandoned / live answered in the window (0 when none); counts through the pointers (may be NULL).
 */
double pacer_rate(struct pacer_stats *s, int64_t now, uint64_t *live, uint64_t *aband);

/* P(H <= e + t | H > e) from the measured handle times (memoryless guess beyond them). */
double pacer_p_finish(struct pacer_stats *s, int64_t e_ms, int64_t t_ms);

/*
 * Decides. predictive false: progressive. s is rolled to now. Returns the
 * dial count in out (never below the progressive count).
 */
void pacer_decide(const struct pacer_params *pp, struct pacer_stats *s, bool predictive,
		  const struct pacer_input *in, int64_t now, struct pacer_scratch *scratch,
		  struct pacer_output *out);

const char *pacer_why_text(enum pacer_why w);

#endif
