/* acd_impl: the ACD's private structures, shared by its source files and nothing else. */
#ifndef SB_CORE_ACD_IMPL_H
#define SB_CORE_ACD_IMPL_H

#include "core/acd/acd.h"

#include "base/heap.h"
#include "base/idmap.h"
#include "base/dlist.h"
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

/*
 * An agent's membership in a queue, derived from skills and groups. Kept to
 * 16 bytes: freeing an agent reads every membership, so they should share as
 * few cache lines as possible. The per-queue counters live in a parallel
 * array (struct member_ctr, agent->ctr[i] belongs to agent->mem[i]).
 */
struct member {
	struct queue *queue;
	uint8_t tier; /* first widening step at which the agent qualifies (0 = base) */
	int32_t prof; /* summed levels in the queue's required skills */
};

struct member_ctr {
	uint64_t calls; /* calls answered in this queue */
	uint64_t rr_seq;
};

/*
 * An entry of a pool: a ready agent with its strategy keys, by value. Entries
 * are never removed from the middle: when the agent leaves the ready state
 * its epoch moves on and every entry it left behind becomes stale, to be
 * dropped when it reaches the top (or at the next compaction).
 */
struct pentry {
	int64_t k1, k2;
	uint32_t id;	/* the agent's id: the last tie-break */
	uint32_t slot;	/* the agent's slot: acd->epochs[slot], acd->by_slot[slot] */
	uint32_t epoch; /* current while equal to acd->epochs[slot] */
};

/*
 * Ready agents of one queue at one tier, ordered for the queue's strategy.
 * Two lanes: a FIFO that holds entries in key order as long as each new key
 * is not below the last one (agents becoming ready in time order, the usual
 * case for longest-idle: O(1) in and out), and a binary heap for the rest.
 * The best entry is the smaller of the two fronts. The random strategy keeps
 * an unordered set in the heap's array.
 */
struct pool {
	struct pentry *v; /* heap (or the random strategy's set) */
	uint32_t n, cap;
	struct pentry *f;      /* FIFO ring: f[(fh + i) % fcap], i < fn, ascending keys */
	uint32_t fh, fn, fcap; /* fcap is a power of two */
	/*
	 * Current entries: members at this tier who are in the pools. Stale
	 * entries are compacted away once they outnumber these, so a pool of a
	 * busy queue stays small however many members it has.
	 */
	uint32_t live;
};

struct band {
	int32_t prio;
	struct dlist calls; /* waiting calls and callbacks, by (key, seq) */
	uint32_t n;
};

/*
 * The first 64 bytes hold what routing reads for every membership: the bands,
 * the strategy and weight (copies of p.strategy and p.weight) and tier 0's
 * pool, so that visiting a queue usually costs one cache line.
 */
struct queue {
	struct band *bands; /* by priority, highest first */
	uint32_t n_bands;
	uint32_t id;
	uint8_t strategy; /* p.strategy */
	bool open;
	uint32_t weight; /* p.weight */
	struct pool pools[ACD_MAX_TIERS + 1];
	uint32_t cap_bands;
	uint32_t members[ACD_MAX_TIERS + 1]; /* agents with a membership at each tier */
	uint32_t n_waiting, n_cb_waiting, n_ringing, n_connected, n_calls;
	uint32_t n_logged, n_staffed; /* member gauges */
	uint64_t rr_counter;
	double aht_ms; /* moving average of handle time; 0 until the first call */
	struct acd_queue_params p;
	struct acd_queue_stats st; /* counters only; gauges are filled in on query */
	uint64_t carried;	   /* callers waiting or ringing at the last counter reset */
};

struct agent {
	/* hot: read for every pool entry and routing decision (first 64 bytes) */
	uint8_t state;
	bool in_pools;	 /* ready, with a current entry in each membership's pool */
	uint8_t pending; /* ACD_AGENT_STATE_COUNT when none */
	uint8_t other_prev;
	uint32_t slot; /* index into acd->epochs and acd->by_slot */
	uint32_t id;
	uint32_t n_mem;
	struct member *mem;
	struct call *call; /* reserved for, or talking on */
	int64_t idle_since;
	int64_t talk_ms;
	int64_t since;
	uint32_t reason;
	uint32_t misses;
	/* written on every state change */
	int64_t tis[ACD_AGENT_STATE_COUNT];
	/* warm */
	struct member_ctr *ctr; /* parallel to mem, in the same block */
	uint64_t answered;
	uint32_t rank; /* p.rank */
	uint32_t pending_reason, other_prev_reason;
	/* the call being wrapped up */
	uint32_t wrap_queue;
	uint64_t wrap_call;
	int32_t wrap_prio;
	uint8_t wrap_flags;
	int64_t wrap_t_enter;
	int64_t wrap_handle_ms;
	struct tmr t_wrap;
	/* cold: configuration */
	struct acd_agent_params p;
};

#define CF_CALLBACK ACD_F_CALLBACK

enum { CALL_T_RING = 1, CALL_T_WIDEN = 2, CALL_T_WAIT = 4 };

/* Hot fields first: ending a connected call reads the first two cache lines' worth. */
struct call {
	uint64_t id;
	struct queue *q;
	uint8_t state; /* enum acd_call_state */
	uint8_t tier;
	uint8_t flags; /* ACD_F_* of the current segment */
	uint8_t armed; /* CALL_T_* of the timers in the heap */
	int32_t prio;
	int64_t key;  /* wait start, the place-keeping key */
	uint64_t seq; /* ties among equal keys */
	int64_t t_enter;
	struct agent *agent;
	int64_t t_connect;
	struct dlist link; /* in band->calls while waiting */
	struct band *band;
	struct agent *off1;  /* a single offer */
	struct agent **offv; /* offered agents: &off1 or an array for ring-all */
	uint32_t n_off;
	uint32_t hold_count;
	int64_t hold_ms;
	struct call *next_free;
	int64_t t_offer;
	int64_t hold_since;
	uint64_t caller_key;
	uint32_t announced;
	uint32_t attempts;
	uint32_t max_attempts;		    /* a callback's own attempt count; 0: the queue's */
	struct tmr t_ring, t_widen, t_wait; /* t_wait: max wait, or callback retry */
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
	bool overdue; /* a deadline was armed at or before now: leave() must fire it */
	/* acd_call_enter_callback: the call joins as a callback keeping enter_key (0: now) */
	bool enter_callback;
	int64_t enter_key;
	uint64_t tseq, cseq;
	struct heap timers;
	struct idmap queues, agents, calls, resumes;
	struct call *free_calls;
	uint32_t n_free_calls;
	/*
	 * Agents' pool epochs in one dense array, so that checking a pool entry
	 * reads 4 bytes of a small array instead of the agent's struct. A slot's
	 * epoch moves on whenever the agent leaves the ready state (and when its
	 * slot is freed), which makes every entry it left behind stale.
	 */
	uint32_t *epochs;
	struct agent **by_slot;
	uint32_t n_slots, cap_slots;
	uint32_t *free_slots;
	uint32_t n_free_slots;
};

#endif
