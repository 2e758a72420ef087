/* fel: the simulator's future-event list, a 4-ary min-heap of plain event records. */
#ifndef SB_CORE_SIM_FEL_H
#define SB_CORE_SIM_FEL_H

/*
 * Events are stored by value (no allocation per event once the array has
 * grown) and ordered by (t, key), smallest first; key should be unique
 * (e.g. a class in the top bits and a sequence number below) so the order
 * is total and runs are reproducible. There is no removal: a cancelled
 * event is left in place and recognised as stale when it comes out.
 */

#include <stdbool.h>
#include <stdint.h>

struct sim_fel_ev {
	int64_t t;     /* when */
	uint64_t key;  /* tie-break, unique */
	uint64_t a;    /* payload */
	uint32_t b;    /* payload */
	uint32_t kind; /* payload: what the event is */
};

struct sim_fel {
	struct sim_fel_ev *v;
	uint32_t n, cap;
};

void sim_fel_init(struct sim_fel *f);
void sim_fel_release(struct sim_fel *f);
/* Adds an event: 0 or ENOMEM. */
int sim_fel_push(struct sim_fel *f, const struct sim_fel_ev *ev);
/* Removes the earliest event into *out: false when the list is empty. */
bool sim_fel_pop(struct sim_fel *f, struct sim_fel_ev *out);

static inline uint32_t sim_fel_count(const struct sim_fel *f)
{
	return f->n;
}

/* Time of the earliest event, INT64_MAX when empty. */
static inline int64_t sim_fel_top(const struct sim_fel *f)
{
	return f->n ? f->v[0].t : INT64_MAX;
}

/* For tests: every parent orders before its children. */
bool sim_fel_valid(const struct sim_fel *f);

#endif
