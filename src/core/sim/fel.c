/* fel: a 4-ary min-heap of event records (see fel.h). */
#include "core/sim/fel.h"

#include "base/mem.h"

#include <errno.h>

static inline bool ev_less(const struct sim_fel_ev *x, const struct sim_fel_ev *y)
{
	return x->t < y->t || (x->t == y->t && x->key < y->key);
}

void sim_fel_init(struct sim_fel *f)
{
	f->v = NULL;
	f->n = 0;
	f->cap = 0;
}

void sim_fel_release(struct sim_fel *f)
{
	sb_free(f->v);
	sim_fel_init(f);
}

int sim_fel_push(struct sim_fel *f, const struct sim_fel_ev *ev)
{
	if (f->n == f->cap) {
		uint32_t cap = f->cap ? f->cap * 2 : 64;
		if (cap < f->cap)
			return ENOMEM;
		struct sim_fel_ev *v = sb_realloc(f->v, (size_t)cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	struct sim_fel_ev *v = f->v;
	uint32_t i = f->n++;
	while (i > 0) {
		uint32_t p = (i - 1) / 4;
		if (!ev_less(ev, &v[p]))
			break;
		v[i] = v[p];
		i = p;
	}
	v[i] = *ev;
	return 0;
}

bool sim_fel_pop(struct sim_fel *f, struct sim_fel_ev *out)
{
	if (f->n == 0)
		return false;
	struct sim_fel_ev *v = f->v;
	*out = v[0];
	uint32_t n = --f->n;
	if (n == 0)
		return true;
	struct sim_fel_ev x = v[n];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 4 * i + 1;
		if (c >= n)
			break;
		uint32_t best = c, end = c + 4 < n ? c + 4 : n;
		for (uint32_t j = c + 1; j < end; j++)
			if (ev_less(&v[j], &v[best]))
				best = j;
		if (!ev_less(&v[best], &x))
			break;
		v[i] = v[best];
		i = best;
	}
	v[i] = x;
	return true;
}

bool sim_fel_valid(const struct sim_fel *f)
{
	for (uint32_t i = 1; i < f->n; i++)
		if (ev_less(&f->v[i], &f->v[(i - 1) / 4]))
			return false;
	return true;
}
