/* acd_impl: the ACD's private structures, shared by its source files and nothing else. */
#ifndef SB_CORE_ACD_IMPL_H
#define SB_CORE_ACD_IMPL_H

#include "core/acd/acd.h"

#include "base/heap.h"
#include "base/idmap.h"
#include "base/list.h"
#include "base/rng.h"

enum timer_kind {
	T_RING = 1, /* offer rang too long */
	T_WIDEN,    /* caller reaches the next widening step */
	T_MAXWAIT,  /* caller waited the queue's maximum */
	T_CBRETRY,  /* callback's next attempt is due */
	T_WRAP,	    /* timed wrap-up is over */
	T_RESUME,   /* abandoned-resume record expires */
};

struct tmr {
	struct heap_node hn; /* k1 = deadline, k2 = sequence (FIFO among equal deadlines) */
	uint8_t kind;
};

struct queue;
struct agent;

/* An agent's membership in a queue, derived from skills and groups. */
struct member {
	struct heap_node hn; /* in queue->pools[tier].h while the agent is ready */
	uint32_t rpos;	     /* slot in queue->pools[tier].arr (random strategy) */
	struct agent *agent;
	struct queue *queue;
	uint8_t tier;	/* first widening step at which the agent qualifies (0 = base) */
	int32_t prof;	/* summed levels in the queue's required skills */
	uint64_t calls; /* calls answered in this queue */
	uint64_t rr_seq;
};

/* Ready agents of one queue at one tier, ordered for the queue's strategy. */
struct pool {
	struct heap h;	      /* every strategy but random */
	struct member **arr;  /* random: unordered set */
	uint32_t n, cap;
};

struct band {
	int32_t prio;
	struct list calls; /* waiting calls and callbacks, by (key, seq) */
	uint32_t n;
};

struct queue {
	uint32_t id;
	struct acd_queue_params p;
	bool open;
	struct pool pools[ACD_MAX_TIERS + 1];
	struct band *bands; /* by priority, highest first */
	uint32_t n_bands, cap_bands;
	uint32_t n_waiting, n_cb_waiting, n_ringing, n_connected, n_calls;
	uint32_t n_logged, n_staffed, n_ready; /* member gauges */
	uint64_t rr_counter;
	double aht_ms; /* moving average of handle time; 0 until the first call */
	struct acd_queue_stats st; /* counters only; gauges are filled in on query */
	uint64_t carried;	   /* callers waiting or ringing at the last counter reset */
};

struct agent {
	uint32_t id;
	struct acd_agent_params p;
	uint8_t state;
	uint8_t pending; /* ACD_AGENT_STATE_COUNT when none */
	uint8_t other_prev;
	bool in_pools;
	uint32_t reason, pending_reason, other_prev_reason;
	int64_t since, idle_since;
	struct member *mem;
	uint32_t n_mem;
	struct call *call; /* reserved for, or talking on */
	/* the call being wrapped up */
	uint64_t wrap_call;
	uint32_t wrap_queue;
	int64_t wrap_t_enter;
	int32_t wrap_prio;
	uint8_t wrap_flags;
	int64_t wrap_handle_ms;
	struct tmr t_wrap;
	uint32_t misses;
	uint64_t answered;
	int64_t talk_ms;
	int64_t tis[ACD_AGENT_STATE_COUNT];
};

#define CF_CALLBACK ACD_F_CALLBACK

struct call {
	uint64_t id;
	struct queue *q;
	uint8_t state; /* enum acd_call_state */
	uint8_t tier;
	uint8_t flags; /* ACD_F_* of the current segment */
	int32_t prio;
	int64_t key;  /* wait start, the place-keeping key */
	uint64_t seq; /* ties among equal keys */
	int64_t t_enter;
	struct list link; /* in band->calls while waiting */
	struct band *band;
	struct agent *off1;  /* a single offer */
	struct agent **offv; /* offered agents: &off1 or an array for ring-all */
	uint32_t n_off;
	int64_t t_offer;
	struct agent *agent;
	int64_t t_connect, hold_since, hold_ms;
	uint32_t hold_count;
	struct tmr t_ring, t_widen, t_wait; /* t_wait: max wait, or callback retry */
	uint32_t announced;
	uint64_t caller_key;
	uint32_t attempts;
	struct call *next_free;
};

struct resume {
	uint64_t caller_key;
	uint32_t queue;
	int64_t key;
	uint64_t seq;
	struct tmr t;
};

struct acd {
	struct acd_params p;
	acd_event_h *sink;
	void *arg;
	struct rng rng;
	int64_t now;
	uint64_t tseq, cseq;
	struct heap timers;
	struct idmap queues, agents, calls, resumes;
	struct call *free_calls;
	uint32_t n_free_calls;
};

#endif
