/* staffing: per-interval Erlang staffing over a profile and the day's totals. */
#include "core/wfm/staffing.h"

#include <errno.h>
#include <math.h>
#include <string.h>

int wfm_staff(const struct wfm_profile *p, const struct wfm_staff_params *sp,
	      struct wfm_staff_interval *out, struct wfm_staff_summary *sum, size_t *bad)
{
	if (!p || !sp || !out || !sum || p->interval <= 0 ||
	    !(sp->shrinkage >= 0 && sp->shrinkage < 1))
		return EINVAL;
	memset(sum, 0, sizeof(*sum));
	double len = (double)p->interval;
	double hours = len / 3600;
	double ontime = 0, answered = 0, wait_answered = 0, wait_all = 0, abandoned = 0;
	double carried = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct wfm_staff_interval *o = &out[i];
		memset(o, 0, sizeof(*o));
		o->calls = p->rows[i].calls;
		o->load = o->calls * sp->aht / len;
		if (o->calls == 0) {
			o->m.sl_offered = o->m.sl_answered = o->m.asa = o->m.mean_wait = NAN;
			o->m.p_wait = o->m.p_abandon = o->m.occupancy = o->m.queue_length = NAN;
		} else {
			struct erlang_queue q = {.load = o->load,
						 .aht = sp->aht,
						 .threshold = sp->threshold,
						 .patience = sp->patience};
			int rc = erlang_required(sp->model, &q, &sp->goal, &o->m);
			if (!rc)
				rc = erlang_with_shrinkage(o->m.agents, sp->shrinkage,
							   &o->scheduled);
			if (rc) {
				if (bad)
					*bad = i;
				return rc;
			}
			o->agents = o->m.agents;
			double ans = o->calls * (1 - o->m.p_abandon);
			ontime += o->calls * o->m.sl_offered;
			answered += ans;
			wait_answered += ans * o->m.asa;
			wait_all += o->calls * o->m.mean_wait;
			abandoned += o->calls * o->m.p_abandon;
			carried += o->load * (1 - o->m.p_abandon) * hours;
		}
		sum->calls += o->calls;
		sum->agent_hours += o->agents * hours;
		sum->scheduled_hours += o->scheduled * hours;
		if (o->agents > sum->peak_agents)
			sum->peak_agents = o->agents;
		if (o->scheduled > sum->peak_scheduled)
			sum->peak_scheduled = o->scheduled;
	}
	sum->intervals = p->n;
	sum->interval = p->interval;
	sum->hours = (double)p->n * hours;
	sum->span_hours = (double)(p->rows[p->n - 1].utc - p->rows[0].utc + p->interval) / 3600;
	sum->missing = p->missing;
	sum->offset_changes = p->offset_changes;
	sum->ambiguous = p->ambiguous;
	bool any = sum->calls > 0;
	sum->sl_offered = any ? ontime / sum->calls : NAN;
	sum->sl_answered = any ? ontime / answered : NAN;
	sum->asa = any ? wait_answered / answered : NAN;
	sum->mean_wait = any ? wait_all / sum->calls : NAN;
	sum->p_abandon = any ? abandoned / sum->calls : NAN;
	sum->occupancy = sum->agent_hours > 0 ? carried / sum->agent_hours : NAN;
	return 0;
}
