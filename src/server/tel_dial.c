/* tel_dial: outbound campaign calls: the dialer core on the loop's clock, INVITEs to the trunk,
 * answered calls into the campaign's queue, safe harbour, results, retries and the audit trail. */
#include "server/tel_dial.h"
#include "server/tel_impl.h"

#include "base/idmap.h"
#include "base/json.h"
#include "base/mem.h"
#include "http/evloop.h"
#include "media/media.h"
#include "server/api_campaigns.h"
#include "server/center.h"
#include "sip/sipx.h"
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DIAL_PRIORITY 1000 /* added to the queue's default: an answered customer goes first */
#define TICK_MS	      1000 /* at least this often: inbound service level, windows, retries */
#define SH_EARLY_MS   150  /* start the message this much before the safe-harbour time ends */
#define RING_SLACK_S  10   /* the INVITE's own timeout beyond the core's ring time */
#define CB_DEFAULT_MS (24 * 3600 * 1000LL) /* a mapped callback disposition without a time */
#define MAX_MAP	      256		   /* entries of a campaign's disposition mapping */

/* A campaign's mapping of one disposition code of the center to a dialer result. */
struct dmap {
	char code[64];
	enum dialer_result r; /* DIALER_R_NONE: no result (the lead closes "no disposition") */
};

/* A running (or stopped, with calls left) campaign. */
struct dcamp {
	uint32_t id;
	int64_t client_id, queue_id;
	int64_t *dbid; /* stored id of lead i + 1 */
	uint32_t n_dbid;
	int64_t sh_ms;
	char caller_id[PHONE_E164_MAX];
	bool running;
	enum pacer_why last_why;
	bool logged_pace;
	struct dmap *map; /* the campaign's own entries; other codes map by name */
	unsigned n_map;
	int64_t cb_delay_ms; /* a mapped callback without a time: this far ahead */
};

/* An agent of a campaign (core agent id = ACD agent id = center agent id). */
struct dagent {
	uint32_t id;
	struct dcamp *camp;
	bool core_busy;	       /* the core has it on a call or awaiting a disposition */
	int told;	       /* what the core was last told: -1 unknown, 0 away, 1 ready */
	struct dcall *pending; /* the outbound call it talked on, disposition not yet applied */
};

/* One attempt: a customer being rung, or answered and handed to the center. */
struct dcall {
	uint64_t id; /* the core's call id */
	struct dcamp *camp;
	uint32_t lead;
	uint32_t core_agent; /* the core's CONNECT */
	int64_t acd_agent;   /* who the ACD connected */
	uint64_t cid;	     /* the center's call id, once entered */
	uint64_t entered;    /* the same, kept after the end: a later disposition's call */
	struct tcall *tc;    /* before entry only */
	int64_t t_dial, t_answer;
	bool answered, connected, abandoned, ended;
	bool dispo_set, dispo_cb;
	bool looking; /* the center's disposition code is being read */
	enum dialer_result dispo;
	int64_t dispo_at;
	uint32_t dispo_for;
	struct evl_timer *sh;
	struct tel_dial *td;
};

enum work_kind {
	W_ACD = 1,  /* an ACD event about our call or agent */
	W_FAIL,	    /* the INVITE could not be sent */
	W_AUTODIAL, /* a personal callback came due: dial it for its agent */
	W_SH,	    /* the core says: no agent within the safe-harbour time */
};

struct work {
	enum work_kind kind;
	uint16_t type;
	uint8_t from, to;
	uint64_t call;
	uint32_t agent;
	uint64_t disposition; /* leaving wrap-up: the center's disposition id (0: none) */
};

/* A read of a disposition's code under way (it may complete after tel_dial_free: td NULL). */
struct dlook {
	struct tel_dial *td;
	uint64_t call;
	struct dlook *next;
};

/* A disposition given later on a call's contact record: its link read, then claimed (either may
 * complete after tel_dial_free: td NULL). */
struct dlate {
	struct tel_dial *td;
	uint64_t call; /* the center's call id (contacts.call_id) */
	char *code;    /* the center's disposition code */
	int64_t dbid;  /* the lead's stored id */
	uint32_t camp, lead, agent;
	enum dialer_result r;
	struct dlate *next;
};

struct tel_dial {
	struct telephony *t;
	struct center *c;
	struct store *st;
	struct dialer *d;
	void *tz;
	struct evl_timer *tick, *defer;
	struct idmap camps;  /* id -> struct dcamp */
	struct idmap agents; /* id -> struct dagent */
	struct idmap calls;  /* core call id -> struct dcall */
	struct idmap cids;   /* center call id -> struct dcall */
	struct work *w;
	unsigned n_w, cap_w;
	char prompt[300];
	bool previewing; /* inside tel_dial_preview_next: its PREVIEW is asked for */
	bool store_warned;
	struct dlook *looks;
	struct dlate *lates; /* later dispositions being looked up (tel_dial_late_disposition) */
};

static void kick(struct tel_dial *td);
static void apply_dispo(struct tel_dial *td, struct dcall *dc);
static void sync_agent(struct tel_dial *td, uint32_t id);
static void release(struct tel_dial *td, struct dcall *dc);
static double inbound_sl(struct tel_dial *td);
static void trail_call(struct tel_dial *td, const char *kind, const struct dcall *dc,
		       const char *extra);

/* ---------- storage and the audit trail ---------- */

static const struct store_stmt s_lead_dial = {
    "dial.lead_dial", "UPDATE leads SET status = 'in_call', last_attempt_at = $2 WHERE id = $1",
    NULL};
static const struct store_stmt s_lead_preview = {
    "dial.lead_preview", "UPDATE leads SET status = 'in_call' WHERE id = $1", NULL};
static const struct store_stmt s_lead_result = {
    "dial.lead_result",
    "UPDATE leads SET status = $2, done_reason = $3, attempts = $4, next_attempt_at = $5,"
    " last_result = $6, callback = $7, callback_agent = $8,"
    " abandoned_at = coalesce($9, abandoned_at) WHERE id = $1",
    NULL};
static const struct store_stmt s_lead_skip = {
    "dial.lead_skip", "UPDATE leads SET status = 'done', done_reason = 'dnc' WHERE id = $1", NULL};
static const struct store_stmt s_lead_reset = {
    "dial.lead_reset",
    "UPDATE leads SET status = 'ready' WHERE campaign_id = $1 AND status = 'in_call'", NULL};
static const struct store_stmt s_dnc_result = {
    "dial.dnc_result",
    "INSERT INTO dnc (campaign_id, e164, source, created_at)"
    " SELECT $1, e164, 'disposition', $2 FROM leads WHERE id = $3 ON CONFLICT DO NOTHING",
    NULL};
static const struct store_stmt q_dispo_code = {"dial.dispo_code",
					       "SELECT code FROM dispositions WHERE id = $1", NULL};
static const struct store_stmt s_attempt = {
    "dial.attempt",
    "INSERT INTO dial_attempts (campaign_id, lead_id, agent_id, time, result, answered,"
    " abandoned, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    NULL};

/*
 * Which campaign and lead a dialler call was for (dial_calls, schema version 13), keyed by the
 * center's call id (contacts.call_id): written as the call enters the center (when its contact
 * record is first written); awaiting_disposition is set when it ends without the dialer's
 * disposition, so one given later on the record (tel_dial_late_disposition) finds the lead, after
 * a restart too, and cleared when that is applied. A newer call of the same lead ends what an
 * older one's record could still change.
 */
static const struct store_stmt s_link_supersede = {
    "dial.link_supersede",
    "UPDATE dial_calls SET awaiting_disposition = 0"
    " WHERE lead_id = $1 AND awaiting_disposition = 1",
    NULL};
static const struct store_stmt s_link = {
    "dial.link",
    "INSERT INTO dial_calls (call_id, campaign_id, lead_id, created_at) VALUES ($1, $2, $3, $4)",
    NULL};
static const struct store_stmt s_link_await = {
    "dial.link_await",
    "UPDATE dial_calls SET awaiting_disposition = 1, agent_id = $2 WHERE call_id = $1", NULL};
static const struct store_stmt q_link = {"dial.link_read",
					 "SELECT campaign_id, lead_id, agent_id FROM dial_calls"
					 " WHERE call_id = $1 AND awaiting_disposition = 1",
					 NULL};
static const struct store_stmt s_link_claim = {
    "dial.link_claim",
    "UPDATE dial_calls SET awaiting_disposition = 0 WHERE call_id = $1"
    " AND awaiting_disposition = 1 RETURNING lead_id",
    NULL};

/* Hands a job to the store writer (err: building it failed); a failure is named once. */
static void submit(struct tel_dial *td, struct store_job *job, int err, const char *name)
{
	if (!err)
		err = store_write(td->st, job, NULL, NULL);
	if (err) {
		store_job_free(job);
		if (!td->store_warned)
			fprintf(stderr, "switchboard: dialer: cannot write %s: %s\n", name,
				strerror(err));
		td->store_warned = true;
	}
}

static void write1(struct tel_dial *td, const struct store_stmt *st, const struct store_value *p,
		   unsigned n)
{
	struct store_job *job = NULL;
	int err = store_job_alloc(&job);
	if (!err)
		err = store_job_add(job, st, p, n, 0);
	submit(td, job, err, st->name);
}

static int64_t lead_dbid(const struct dcamp *cp, uint32_t lead)
{
	return cp && lead >= 1 && lead <= cp->n_dbid ? cp->dbid[lead - 1] : 0;
}

static struct store_value id_or_null(int64_t id)
{
	return id ? store_int(id) : store_null();
}

/* One row per attempt: what the abandonment report counts. */
static void write_attempt(struct tel_dial *td, const struct dcall *dc, const char *result,
			  bool answered, bool abandoned)
{
	int64_t now = center_now(td->c);
	struct store_value p[] = {
	    store_int(dc->camp->id),   id_or_null(lead_dbid(dc->camp, dc->lead)),
	    id_or_null(dc->acd_agent), store_int(dc->t_dial),
	    store_text(result),	       store_int(answered),
	    store_int(abandoned),      store_int(now)};
	write1(td, &s_attempt, p, 8);
	char extra[160];
	snprintf(extra, sizeof(extra),
		 "\"result\":\"%s\",\"answered\":%s,\"abandoned\":%s,\"agent\":%" PRId64
		 ",\"dialled_at\":%" PRId64,
		 result, answered ? "true" : "false", abandoned ? "true" : "false", dc->acd_agent,
		 dc->t_dial);
	trail_call(td, "dialer.attempt", dc, extra);
}

/* The call entered the center: its link to the campaign and lead (dial_calls). */
static void write_link(struct tel_dial *td, const struct dcall *dc)
{
	int64_t dbid = lead_dbid(dc->camp, dc->lead);
	if (!dbid || !dc->entered)
		return;
	struct store_value a[] = {store_int(dbid)};
	struct store_value b[] = {store_int((int64_t)dc->entered), store_int(dc->camp->id),
				  store_int(dbid), store_int(center_now(td->c))};
	struct store_job *job = NULL;
	int err = store_job_alloc(&job);
	if (!err)
		err = store_job_add(job, &s_link_supersede, a, 1, 0);
	if (!err)
		err = store_job_add(job, &s_link, b, 4, 0);
	submit(td, job, err, s_link.name);
}

static const char *done_name(enum dialer_done d)
{
	switch (d) {
	case DIALER_DONE_MAX_ATTEMPTS:
		return "max_attempts";
	case DIALER_DONE_DNC:
		return "dnc";
	case DIALER_DONE_RESULT:
		return "result";
	default:
		return NULL;
	}
}

static const char *why_name(enum pacer_why w)
{
	switch (w) {
	case PACER_WHY_PREDICTIVE:
		return "predictive";
	case PACER_WHY_SMALL_SAMPLE:
		return "small_sample";
	case PACER_WHY_THROTTLED:
		return "throttled";
	default:
		return "progressive";
	}
}

/* The decision as an event of the log ("dialer.dial" ...): ids only, never the number. */
static void trail(struct tel_dial *td, const struct dialer_event *ev, const struct dcamp *cp)
{
	char data[512];
	int n = snprintf(data, sizeof(data), "{\"campaign\":%" PRIu32, ev->campaign);
	if (ev->lead)
		n += snprintf(data + n, sizeof(data) - (size_t)n, ",\"lead\":%" PRId64,
			      lead_dbid(cp, ev->lead));
	if (ev->call)
		n += snprintf(data + n, sizeof(data) - (size_t)n, ",\"dial_call\":%" PRIu64,
			      ev->call);
	if (ev->agent)
		n += snprintf(data + n, sizeof(data) - (size_t)n, ",\"agent\":%" PRIu32, ev->agent);
	switch (ev->type) {
	case DIALER_EV_DIAL:
		n += snprintf(data + n, sizeof(data) - (size_t)n, ",\"ring_ms\":%" PRId64,
			      ev->ring_ms);
		break;
	case DIALER_EV_RESULT:
		n += snprintf(data + n, sizeof(data) - (size_t)n,
			      ",\"result\":\"%s\",\"attempts\":%" PRIu32,
			      dialer_result_name(ev->result), ev->attempts);
		if (ev->done != DIALER_DONE_NOT)
			n += snprintf(data + n, sizeof(data) - (size_t)n, ",\"done\":\"%s\"",
				      done_name(ev->done));
		else
			n += snprintf(data + n, sizeof(data) - (size_t)n, ",\"next\":%" PRId64,
				      ev->next_ms);
		break;
	case DIALER_EV_SKIP:
		n += snprintf(data + n, sizeof(data) - (size_t)n, ",\"done\":\"%s\"",
			      done_name(ev->done) ? done_name(ev->done) : "dnc");
		break;
	case DIALER_EV_PACE:
		n += snprintf(data + n, sizeof(data) - (size_t)n,
			      ",\"dial\":%" PRIu32 ",\"mode\":\"%s\",\"why\":\"%s\",\"rate\":%.6f,"
			      "\"answer_rate\":%.4f,\"tau\":%.6f",
			      ev->pace.dial,
			      ev->pace.mode == PACER_PREDICTIVE ? "predictive" : "progressive",
			      why_name(ev->pace.why), ev->pace.rate, ev->pace.p, ev->pace.tau);
		break;
	default:
		break;
	}
	if (n < 0 || (size_t)n >= sizeof(data) - 1)
		return;
	data[n++] = '}';
	data[n] = '\0';
	char kind[40];
	snprintf(kind, sizeof(kind), "dialer.%s", dialer_ev_name(ev->type));
	struct center_scope sc = {.client_id = cp ? (uint64_t)cp->client_id : 0,
				  .agent_id = ev->agent};
	center_log(td->c, kind, data, 0, &sc);
}

/* The driver's own facts about an attempt ("dialer.attempt", "dialer.connected",
 * "dialer.abandon"): what the compliance report is checked against. */
static void trail_call(struct tel_dial *td, const char *kind, const struct dcall *dc,
		       const char *extra)
{
	char data[384];
	int n = snprintf(data, sizeof(data),
			 "{\"campaign\":%" PRIu32 ",\"lead\":%" PRId64 ",\"dial_call\":%" PRIu64
			 "%s%s}",
			 dc->camp->id, lead_dbid(dc->camp, dc->lead), dc->id, extra ? "," : "",
			 extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(data))
		return;
	struct center_scope sc = {.client_id = (uint64_t)dc->camp->client_id,
				  .agent_id = (uint64_t)dc->acd_agent};
	center_log(td->c, kind, data, 0, &sc);
}

/* ---------- deferred work (ACD events, failures): never inside the core or the center ----------
 */

static void run_work(void *arg);

static void push(struct tel_dial *td, struct work w)
{
	if (td->n_w == td->cap_w) {
		unsigned cap = td->cap_w ? td->cap_w * 2 : 64;
		struct work *v = sb_realloc(td->w, cap * sizeof(*v));
		if (!v)
			return; /* out of memory: the core's own timers still end the call */
		td->w = v;
		td->cap_w = cap;
	}
	td->w[td->n_w++] = w;
	if (!evl_timer_running(td->defer))
		evl_timer_start(td->defer, 0, run_work, td);
}

/* ---------- calls ---------- */

static void dcall_free(struct tel_dial *td, struct dcall *dc)
{
	if (!dc)
		return;
	idmap_del(&td->calls, dc->id);
	if (dc->cid)
		idmap_del(&td->cids, dc->cid);
	struct dagent *ag;
	for (uint32_t it = 0; idmap_next(&td->agents, &it, NULL, (void **)&ag);)
		if (ag->pending == dc)
			ag->pending = NULL;
	if (dc->tc) {
		tel_leg_clear(&dc->tc->caller);
		sb_free(dc->tc);
	}
	evl_timer_free(dc->sh);
	sb_free(dc);
}

/* The INVITE to the trunk for a DIAL decision. */
static void place(struct tel_dial *td, const struct dialer_event *ev)
{
	struct telephony *t = td->t;
	struct dcamp *cp = idmap_get(&td->camps, ev->campaign);
	struct dcall *dc = sb_zalloc(sizeof(*dc));
	struct tcall *tc = dc ? sb_zalloc(sizeof(*tc)) : NULL;
	if (!tc || evl_timer_alloc(&dc->sh) || idmap_put(&td->calls, ev->call, dc)) {
		if (dc)
			evl_timer_free(dc->sh);
		sb_free(tc);
		sb_free(dc);
		push(td, (struct work){.kind = W_FAIL, .call = ev->call});
		return;
	}
	dc->id = ev->call;
	dc->td = td;
	dc->camp = cp;
	dc->lead = ev->lead;
	dc->t_dial = ev->t;
	dc->core_agent = 0;
	tc->t = t;
	tc->caller.call = tc;
	tc->dial = dc;
	snprintf(tc->number, sizeof(tc->number), "%s", ev->number);
	dc->tc = tc;
	char uri[SIPX_URI_MAX], sdp[1024];
	size_t len = 0;
	int err = tel_number_target(t, ev->number, uri, sizeof(uri));
	if (!err)
		err = media_leg_alloc(&tc->caller.media, t->media);
	if (!err) {
		media_leg_set_arg(tc->caller.media, &tc->caller);
		err = media_leg_sdp_offer(tc->caller.media, sdp, sizeof(sdp), &len);
	}
	if (!err) {
		struct sipx_call_params p = {
		    .target = uri,
		    .to_user = ev->number,
		    .from_user = ev->caller_id && ev->caller_id[0] ? ev->caller_id : "anonymous",
		    .from_name = "",
		    .sdp = sdp,
		    .sdp_len = len,
		    .timeout_s = (unsigned)(ev->ring_ms / 1000) + RING_SLACK_S,
		};
		err = sipx_call(&tc->caller.sip, t->sip, &p);
	}
	if (err) {
		push(td, (struct work){.kind = W_FAIL, .call = ev->call});
		return;
	}
	sipx_leg_set_arg(tc->caller.sip, &tc->caller);
}

/* The attempt ended before an answer (busy, failed, rang out at the far end). */
static void failed(struct tel_dial *td, struct dcall *dc, enum dialer_result r)
{
	int64_t now = center_now(td->c);
	dc->ended = true;
	dialer_call_failed(td->d, dc->id, r, now);
	write_attempt(td, dc,
		      r == DIALER_R_BUSY	? "busy"
		      : r == DIALER_R_NO_ANSWER ? "no_answer"
						: "failed",
		      false, false);
	dcall_free(td, dc);
	kick(td);
}

static void prompt_done(void *arg)
{
	struct tcall *tc = arg;
	if (tc->caller.sip)
		sipx_leg_hangup(tc->caller.sip);
	tel_leg_clear(&tc->caller);
	tel_call_maybe_free(tc);
}

/* No agent within the safe-harbour time: the recorded message, then hang up. Abandoned. */
static void abandon(struct tel_dial *td, struct dcall *dc)
{
	if (dc->connected || dc->abandoned || dc->ended || !dc->cid)
		return;
	dc->abandoned = true;
	evl_timer_cancel(dc->sh);
	char extra[96];
	snprintf(extra, sizeof(extra), "\"after_answer_ms\":%" PRId64,
		 center_now(td->c) - dc->t_answer);
	trail_call(td, "dialer.abandon", dc, extra);
	struct tcall *tc = idmap_get(&td->t->calls, dc->cid);
	if (tc)
		tc->caller_gone = true; /* the center hears it from us, not from the leg */
	center_call_hangup(td->c, dc->cid, ACD_SIDE_CALLER);
	if (!tc || !tc->caller.sip)
		return;
	if (!tc->caller.media ||
	    media_play_once(tc->caller.media, td->prompt, prompt_done, tc) != 0) {
		sipx_leg_hangup(tc->caller.sip);
		tel_leg_clear(&tc->caller);
		tel_call_maybe_free(tc);
	}
}

static void on_sh_timer(void *arg)
{
	struct dcall *dc = arg;
	abandon(dc->td, dc);
}

/* The customer answered: tell the core, enter the campaign's queue, start the 2 s clock. */
static void answered(struct tel_dial *td, struct dcall *dc, const struct sipx_event_info *info)
{
	struct telephony *t = td->t;
	struct tcall *tc = dc->tc;
	int64_t now = center_now(td->c);
	if (!tc->caller.media ||
	    media_leg_sdp_answer_in(tc->caller.media, info->sdp, info->sdp_len) != 0) {
		sipx_leg_hangup(tc->caller.sip);
		failed(td, dc, DIALER_R_FAILED);
		return;
	}
	dc->answered = true;
	dc->t_answer = now;
	dialer_call_answered(td->d, dc->id, now);
	struct center_call_info ci = {
	    .queue_id = dc->camp->queue_id,
	    .customer_number = tc->number,
	    .direction = "outbound",
	    .initiation = "outbound",
	    .priority = DIAL_PRIORITY,
	};
	ci.system_number = dc->camp->caller_id[0] ? dc->camp->caller_id : NULL;
	uint64_t call_id = 0;
	enum acd_refusal refused = ACD_REFUSED_NONE;
	t->entering = tc;
	int err = center_call_enter(td->c, &ci, &call_id, &refused);
	t->entering = NULL;
	if (err || refused != ACD_REFUSED_NONE || !tc->id) {
		/* nobody can take it: the message, then hang up; abandoned */
		if (tc->id)
			idmap_del(&t->calls, tc->id);
		dc->abandoned = dc->ended = true;
		dialer_call_lost(td->d, dc->id, now);
		write_attempt(td, dc, "abandoned", true, true);
		tc->dial = NULL;
		dc->tc = NULL;
		tc->id = 0;
		if (media_play_once(tc->caller.media, td->prompt, prompt_done, tc) != 0)
			prompt_done(tc);
		release(td, dc);
		return;
	}
	/* the controller owns the call now; we follow it by its center id */
	dc->cid = call_id;
	dc->entered = call_id;
	idmap_put(&td->cids, call_id, dc);
	write_link(td, dc);
	tc->dial = NULL;
	dc->tc = NULL;
	int64_t wait = dc->camp->sh_ms - SH_EARLY_MS;
	evl_timer_start(dc->sh, wait > 0 ? (uint64_t)wait : 0, on_sh_timer, dc);
	kick(td);
}

bool tel_dial_leg_event(struct telephony *t, struct tleg *l, const struct sipx_event_info *info)
{
	struct tel_dial *td = t->dial;
	struct tcall *tc = l->call;
	struct dcall *dc = tc->dial;
	if (!td || !dc || dc->tc != tc || l != &tc->caller)
		return false;
	/* deadlines first: the ring time may be over (the core's HANGUP then ended the call) */
	uint64_t id = dc->id;
	dialer_advance(td->d, center_now(td->c));
	if (idmap_get(&td->calls, id) != dc)
		return true;
	switch (info->ev) {
	case SIPX_EV_ANSWERED:
		answered(td, dc, info);
		break;
	case SIPX_EV_FAILED: {
		enum dialer_result r = info->code == 486 || info->code == 600 ? DIALER_R_BUSY
				       : info->code == 408 || info->code == 480 || info->code == 487
					   ? DIALER_R_NO_ANSWER
					   : DIALER_R_FAILED;
		failed(td, dc, r);
		break;
	}
	case SIPX_EV_BYE:
	case SIPX_EV_ENDED:
	case SIPX_EV_CANCELLED:
		failed(td, dc, DIALER_R_FAILED);
		break;
	default:
		break; /* ringing, early media */
	}
	return true;
}

/* ---------- the core's decisions ---------- */

static void on_core_event(const struct dialer_event *ev, void *arg)
{
	struct tel_dial *td = arg;
	struct dcamp *cp = idmap_get(&td->camps, ev->campaign);
	int64_t dbid = lead_dbid(cp, ev->lead);
	struct dcall *dc = ev->call ? idmap_get(&td->calls, ev->call) : NULL;
	switch (ev->type) {
	case DIALER_EV_DIAL: {
		struct store_value p[] = {store_int(dbid), store_int(ev->t)};
		write1(td, &s_lead_dial, p, 2);
		place(td, ev);
		break;
	}
	case DIALER_EV_HANGUP:
		/* rang for the ring time: cancel (the core records NO_ANSWER) */
		if (dc && dc->tc) {
			if (dc->tc->caller.sip)
				sipx_leg_hangup(dc->tc->caller.sip);
			write_attempt(td, dc, "no_answer", false, false);
			dc->ended = true;
			dcall_free(td, dc);
		}
		break;
	case DIALER_EV_CONNECT: {
		struct dagent *ag = idmap_get(&td->agents, ev->agent);
		if (dc)
			dc->core_agent = ev->agent;
		if (ag)
			ag->core_busy = true;
		break;
	}
	case DIALER_EV_SAFE_HARBOUR:
		if (dc)
			push(td, (struct work){.kind = W_SH, .call = ev->call});
		break;
	case DIALER_EV_PREVIEW: {
		struct store_value p[] = {store_int(dbid)};
		write1(td, &s_lead_preview, p, 1);
		const struct dialer_list *l = dialer_campaign_list(td->d, ev->campaign);
		const struct dialer_lead *ld = l ? dialer_list_lead(l, ev->lead) : NULL;
		/* a personal callback came due by itself: it rings at its time */
		if (!td->previewing && ld && ld->callback)
			push(td, (struct work){.kind = W_AUTODIAL, .agent = ev->agent});
		break;
	}
	case DIALER_EV_RESULT: {
		const struct dialer_list *l = dialer_campaign_list(td->d, ev->campaign);
		const struct dialer_lead *ld = l ? dialer_list_lead(l, ev->lead) : NULL;
		bool done = ev->done != DIALER_DONE_NOT;
		bool cb = ld && ld->callback && !done;
		struct store_value p[] = {
		    store_int(dbid),
		    store_text(done ? "done" : "ready"),
		    done ? store_text(done_name(ev->done)) : store_null(),
		    store_int(ev->attempts),
		    done ? store_null() : store_int(ev->next_ms),
		    ev->result != DIALER_R_NONE ? store_text(dialer_result_name(ev->result))
						: store_null(),
		    store_int(cb),
		    cb && ld->owner ? store_int(ld->owner) : store_null(),
		    ev->result == DIALER_R_ABANDONED ? store_int(ev->t) : store_null()};
		write1(td, &s_lead_result, p, 9);
		if (ev->result == DIALER_R_DNC && dbid) {
			/* the number is listed (the core listed it too): a mapped disposition */
			struct store_value q[] = {store_int(ev->campaign), store_int(ev->t),
						  store_int(dbid)};
			write1(td, &s_dnc_result, q, 3);
		}
		break;
	}
	case DIALER_EV_SKIP: {
		struct store_value p[] = {store_int(dbid)};
		write1(td, &s_lead_skip, p, 1);
		break;
	}
	case DIALER_EV_PACE:
		/* the decisions that place calls, and every change of mode or reason */
		if (!cp || (ev->pace.dial == 0 && cp->logged_pace && cp->last_why == ev->pace.why))
			return;
		cp->logged_pace = true;
		cp->last_why = ev->pace.why;
		break;
	}
	trail(td, ev, cp);
}

/* ---------- agents ---------- */

/* Tells the core what the ACD says of the agent (unless the core holds it for a call). */
static void sync_agent(struct tel_dial *td, uint32_t id)
{
	struct dagent *ag = idmap_get(&td->agents, id);
	if (!ag || ag->core_busy)
		return;
	int64_t now = center_now(td->c);
	if (!ag->camp->running) {
		if (dialer_agent_remove(td->d, id, now) == 0) {
			idmap_del(&td->agents, id);
			sb_free(ag);
		}
		return;
	}
	struct acd_agent_info ai;
	bool ready = acd_agent_info(center_acd(td->c), id, &ai) == 0 && ai.state == ACD_AGENT_READY;
	if (ag->told == (int)ready)
		return;
	if (ready) /* a free agent may place a call at once: with today's inbound figures */
		dialer_set_inbound_sl(td->d, inbound_sl(td), now);
	int err = ready ? dialer_agent_ready(td->d, id, now) : dialer_agent_away(td->d, id, now);
	if (!err)
		ag->told = ready;
	kick(td);
}

/* The disposition of a call whose agent finished (or the default: none given). */
static void apply_dispo(struct tel_dial *td, struct dcall *dc)
{
	int64_t now = center_now(td->c);
	uint32_t a = dc->core_agent;
	if (a && !dc->dispo_set && dc->entered) {
		/* none given: the record's may come later (tel_dial_late_disposition); written
		 * before the lead's result, so a lead seen closed has its link stored */
		struct store_value p[] = {store_int((int64_t)dc->entered), store_int(a)};
		write1(td, &s_link_await, p, 2);
	}
	if (a) {
		if (dc->dispo_set && dc->dispo_cb)
			dialer_disposition_callback(td->d, a, dc->dispo_at, dc->dispo_for, now);
		else
			dialer_disposition(td->d, a, dc->dispo_set ? dc->dispo : DIALER_R_NONE,
					   dc->dispo_at, now);
		struct dagent *ag = idmap_get(&td->agents, a);
		if (ag) {
			ag->core_busy = false;
			ag->told = -1; /* in wrap-up in the core: ready or away now */
		}
	}
	int64_t real = dc->acd_agent;
	dcall_free(td, dc);
	if (a)
		sync_agent(td, a);
	if (real && real != a)
		sync_agent(td, (uint32_t)real);
}

/* The result a disposition code of the center stands for in the campaign (ENOENT: none). */
static int map_code(const struct dcamp *cp, const char *code, enum dialer_result *r)
{
	for (unsigned i = 0; i < cp->n_map; i++) {
		if (strcmp(cp->map[i].code, code) == 0) {
			*r = cp->map[i].r;
			return 0;
		}
	}
	return dialer_result_for_code(code, r);
}

/* The agent's disposition on the desktop stands for the dialer's when none was given for it. */
static void dispo_from_code(struct tel_dial *td, struct dcall *dc, const char *code)
{
	enum dialer_result r;
	if (dc->dispo_set || !code || map_code(dc->camp, code, &r) != 0 || r == DIALER_R_NONE)
		return;
	dc->dispo_set = true;
	dc->dispo = r;
	dc->dispo_cb = r == DIALER_R_CALLBACK;
	dc->dispo_at = 0;
	dc->dispo_for = 0;
	if (dc->dispo_cb) {
		/* no time given: the campaign's callback delay (else a day), for the agent */
		int64_t ahead = dc->camp->cb_delay_ms > 0 ? dc->camp->cb_delay_ms : CB_DEFAULT_MS;
		dc->dispo_at = center_now(td->c) + ahead;
		dc->dispo_for = dc->core_agent;
	}
	char extra[96];
	snprintf(extra, sizeof(extra), "\"result\":\"%s\",\"mapped\":true", dialer_result_name(r));
	trail_call(td, "dialer.disposition", dc, extra);
}

static void on_dispo_code(int err, struct store_rs *rs, void *arg)
{
	struct dlook *l = arg;
	struct tel_dial *td = l->td;
	uint64_t call = l->call;
	for (struct dlook **pp = td ? &td->looks : NULL; pp && *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	sb_free(l);
	struct dcall *dc = td ? idmap_get(&td->calls, call) : NULL;
	if (!dc || !dc->looking)
		return; /* the dialer is gone, or the disposition was given meanwhile */
	dc->looking = false;
	if (!err && rs && store_rs_rows(rs) > 0)
		dispo_from_code(td, dc, store_rs_text(rs, 0, 0));
	apply_dispo(td, dc);
	kick(td);
}

/* Wrap-up ended (with the center's disposition, 0: none): read its code, map it, apply. */
static void dispo_lookup(struct tel_dial *td, struct dcall *dc, uint64_t disposition)
{
	if (dc->looking)
		return;
	if (dc->dispo_set || !disposition) {
		apply_dispo(td, dc);
		return;
	}
	struct dlook *l = sb_zalloc(sizeof(*l));
	if (l) {
		l->td = td;
		l->call = dc->id;
	}
	struct store_value p[] = {store_int((int64_t)disposition)};
	if (!l || store_query(td->st, &q_dispo_code, p, 1, on_dispo_code, l) != 0) {
		sb_free(l);
		apply_dispo(td, dc);
		return;
	}
	l->next = td->looks;
	td->looks = l;
	dc->looking = true;
}

/* An abandoned call is over: the core made its agent away; tell it what the ACD says. */
static void release(struct tel_dial *td, struct dcall *dc)
{
	uint32_t a = dc->core_agent;
	struct dagent *ag = a ? idmap_get(&td->agents, a) : NULL;
	if (ag) {
		ag->core_busy = false;
		ag->told = 0;
	}
	dcall_free(td, dc);
	if (a)
		sync_agent(td, a);
	kick(td);
}

/* The center's call ended: hung up by either side, abandoned, or given the message. */
static void call_end(struct tel_dial *td, struct dcall *dc)
{
	if (dc->ended)
		return;
	dc->ended = true;
	evl_timer_cancel(dc->sh);
	int64_t now = center_now(td->c);
	bool ab = !dc->connected;
	if (ab)
		dialer_call_lost(td->d, dc->id, now); /* no agent took it: abandoned */
	else
		dialer_call_ended(td->d, dc->id, now);
	write_attempt(td, dc, ab ? "abandoned" : "connected", true, ab);
	dc->abandoned = ab;
	if (dc->cid) {
		idmap_del(&td->cids, dc->cid);
		dc->cid = 0;
	}
	if (ab) {
		release(td, dc);
		return;
	}
	struct acd_agent_info ai;
	if (dc->acd_agent && acd_agent_info(center_acd(td->c), (uint32_t)dc->acd_agent, &ai) == 0 &&
	    ai.state == ACD_AGENT_WRAPUP && idmap_get(&td->agents, (uint32_t)dc->acd_agent))
		return; /* the disposition comes with the end of wrap-up */
	if (dc->core_agent)
		apply_dispo(td, dc);
	else
		dcall_free(td, dc);
	kick(td);
}

/*
 * The core moved call dc from agent `was` to `to`. `to` held another call in
 * the core that the ACD gave elsewhere: that call went to `was` (a swap) or
 * waits again. `was` is away in the core unless it got that call.
 */
static void follow(struct tel_dial *td, struct dcall *dc, uint32_t was, uint32_t to)
{
	bool was_busy = false;
	struct dcall *o;
	for (uint32_t it = 0; idmap_next(&td->calls, &it, NULL, (void **)&o);) {
		if (o == dc || o->ended)
			continue;
		if (o->core_agent == to)
			o->core_agent = 0; /* waiting again in the core */
		else if (was && o->core_agent == was)
			was_busy = true;
	}
	struct dagent *old = was ? idmap_get(&td->agents, was) : NULL;
	if (old && !was_busy) {
		old->core_busy = false;
		old->told = 0; /* the core made it away */
		sync_agent(td, was);
	}
}

static void on_acd(struct tel_dial *td, const struct work *w)
{
	struct dcall *dc = w->call ? idmap_get(&td->cids, w->call) : NULL;
	if (dc) {
		switch (w->type) {
		case ACD_EV_CALL_CONNECT: {
			dc->connected = true;
			dc->acd_agent = w->agent;
			evl_timer_cancel(dc->sh);
			char extra[96];
			snprintf(extra, sizeof(extra),
				 "\"agent\":%" PRIu32 ",\"after_answer_ms\":%" PRId64, w->agent,
				 center_now(td->c) - dc->t_answer);
			trail_call(td, "dialer.connected", dc, extra);
			struct dagent *ag = idmap_get(&td->agents, w->agent);
			uint32_t was = dc->core_agent;
			/* the ACD chose the agent: the core follows (its CONNECT sets core_agent;
			 * a swap gives the call the agent held in the core to `was`) */
			if (ag && ag->camp == dc->camp &&
			    dialer_call_agent(td->d, dc->id, w->agent, center_now(td->c)) == 0 &&
			    was != w->agent)
				follow(td, dc, was, w->agent);
			if (ag)
				ag->pending = dc;
			break;
		}
		case ACD_EV_CALL_COMPLETE_CALLER:
		case ACD_EV_CALL_COMPLETE_AGENT:
		case ACD_EV_CALL_ABANDON:
		case ACD_EV_CALL_EXIT_TIMEOUT:
		case ACD_EV_CALLBACK_REQUESTED:
			call_end(td, dc);
			break;
		default:
			break;
		}
	}
	if (!w->agent)
		return;
	struct dagent *ag = idmap_get(&td->agents, w->agent);
	if (!ag)
		return;
	if ((w->type == ACD_EV_AGENT_STATE || w->type == ACD_EV_AGENT_LOGOUT) &&
	    w->from == ACD_AGENT_WRAPUP && ag->pending && ag->pending->ended) {
		dispo_lookup(td, ag->pending, w->disposition);
		return;
	}
	sync_agent(td, w->agent);
}

static void run_work(void *arg)
{
	struct tel_dial *td = arg;
	while (td->n_w) {
		unsigned n = td->n_w;
		struct work *list = sb_alloc(n * sizeof(*list));
		if (!list)
			return;
		memcpy(list, td->w, n * sizeof(*list));
		td->n_w = 0;
		int64_t now = center_now(td->c);
		for (unsigned i = 0; i < n; i++) {
			struct work *w = &list[i];
			struct dcall *dc = w->call ? idmap_get(&td->calls, w->call) : NULL;
			switch (w->kind) {
			case W_ACD:
				on_acd(td, w);
				break;
			case W_FAIL:
				if (dc) {
					failed(td, dc, DIALER_R_FAILED);
				} else {
					dialer_call_failed(td->d, w->call, DIALER_R_FAILED, now);
				}
				break;
			case W_SH:
				if (dc)
					abandon(td, dc);
				break;
			case W_AUTODIAL: {
				uint64_t call;
				if (dialer_preview_dial(td->d, w->agent, now, &call) != 0)
					dialer_preview_skip(td->d, w->agent, now);
				break;
			}
			}
		}
		sb_free(list);
	}
	kick(td);
}

/* The ACD's events: only queued here (the center must not be called back synchronously). */
static void on_center_event(const struct acd_event *ev, void *arg)
{
	struct tel_dial *td = arg;
	bool ours = (ev->call && idmap_get(&td->cids, ev->call)) ||
		    (ev->agent && idmap_get(&td->agents, ev->agent));
	if (!ours)
		return;
	push(td, (struct work){.kind = W_ACD,
			       .type = ev->type,
			       .from = ev->from,
			       .to = ev->to,
			       .call = ev->call,
			       .agent = ev->agent,
			       .disposition = ev->disposition});
}

/* ---------- the clock ---------- */

/*
 * Inbound comes first: the service level today over the queues that are
 * not campaign queues (answered within the threshold over answered +
 * abandoned, short abandons excluded), and not safe (0) while an inbound
 * caller waits or rings now. 1 with no inbound traffic.
 */
static double inbound_sl(struct tel_dial *td)
{
	uint64_t within = 0, answered = 0, abandoned = 0, shorts = 0;
	const struct center_queue *q;
	for (unsigned i = 0; (q = center_queue_at(td->c, i)); i++) {
		bool campaign = false;
		struct dcamp *cp;
		for (uint32_t it = 0; idmap_next(&td->camps, &it, NULL, (void **)&cp);)
			if (cp->queue_id == q->id)
				campaign = true;
		struct center_queue_live lv;
		struct acd_queue_stats qs;
		if (campaign || !q->active || center_queue_live(td->c, q->id, &lv) != 0)
			continue;
		/* waiting or ringing now: the ACD's own counters, not yet committed figures */
		if (lv.in_queue || (acd_queue_stats(center_acd(td->c), (uint32_t)q->id, &qs) == 0 &&
				    (qs.waiting || qs.ringing)))
			return 0;
		within += lv.today.answered_within;
		answered += lv.today.answered;
		abandoned += lv.today.abandoned;
		shorts += lv.today.abandoned_short;
	}
	uint64_t den = answered + abandoned - (shorts <= abandoned ? shorts : abandoned);
	return den ? (double)within / (double)den : 1.0;
}

static void on_tick(void *arg)
{
	struct tel_dial *td = arg;
	int64_t now = center_now(td->c);
	dialer_set_inbound_sl(td->d, inbound_sl(td), now);
	dialer_advance(td->d, now);
	int64_t next = dialer_next_deadline(td->d);
	int64_t delay = next == INT64_MAX ? TICK_MS : next - center_now(td->c);
	if (delay > TICK_MS)
		delay = TICK_MS;
	evl_timer_start(td->tick, delay > 0 ? (uint64_t)delay : 0, on_tick, td);
}

/* Something changed: advance on the next loop turn. */
static void kick(struct tel_dial *td)
{
	if (!evl_timer_running(td->tick) || evl_timer_left(td->tick) > 0)
		evl_timer_start(td->tick, 0, on_tick, td);
}

/* ---------- lifecycle ---------- */

static int td_alloc(struct telephony *t, struct store *st)
{
	struct tel_dial *td = sb_zalloc(sizeof(*td));
	if (!td)
		return ENOMEM;
	td->t = t;
	td->c = t->c;
	td->st = st;
	idmap_init(&td->camps);
	idmap_init(&td->agents);
	idmap_init(&td->calls);
	idmap_init(&td->cids);
	td->tz = api_tzcache_new();
	struct dialer_params dp = {.localtime = api_tz_local, .localtime_arg = td->tz};
	dp.blend.min_sl = 0.8;
	int err = td->tz ? 0 : ENOMEM;
	if (!err)
		err = dialer_alloc(&td->d, &dp, on_core_event, td);
	if (!err)
		err = evl_timer_alloc(&td->tick);
	if (!err)
		err = evl_timer_alloc(&td->defer);
	if (err) {
		t->dial = td;
		tel_dial_free(t);
		return err;
	}
	/* the safe-harbour message: the center's own recording when there is one */
	snprintf(td->prompt, sizeof(td->prompt), "%s/dialer-safe-harbour.wav", t->sounds);
	if (access(td->prompt, R_OK) != 0)
		snprintf(td->prompt, sizeof(td->prompt), "%s/tt-allbusy.wav", t->sounds);
	center_add_call_sink(t->c, on_center_event, td);
	t->dial = td;
	return 0;
}

/* Copies a DNC list's numbers (kept as E.164 digit keys). */
static void dnc_copy(struct dialer_dnc *to, const struct dialer_dnc *from)
{
	uint64_t key;
	for (uint32_t it = 0; to && from && idmap_next(&from->set, &it, &key, NULL);) {
		char num[PHONE_E164_MAX];
		snprintf(num, sizeof(num), "+%" PRIu64, key);
		dialer_dnc_add(to, num, NULL);
	}
}

/* Reads a campaign's disposition mapping (checked by the API: {code: result or "none"}). */
static int map_set(struct dcamp *cp, const char *text)
{
	cJSON *o = text ? cJSON_Parse(text) : NULL;
	unsigned n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, o) n++;
	if (n > MAX_MAP)
		n = MAX_MAP;
	struct dmap *m = n ? sb_calloc(n, sizeof(*m)) : NULL;
	if (n && !m) {
		cJSON_Delete(o);
		return ENOMEM;
	}
	unsigned k = 0;
	cJSON_ArrayForEach(it, o)
	{
		enum dialer_result r = DIALER_R_NONE;
		if (k == n || !it->string || !cJSON_IsString(it) ||
		    (strcmp(it->valuestring, "none") != 0 &&
		     dialer_result_for_code(it->valuestring, &r) != 0))
			continue;
		snprintf(m[k].code, sizeof(m[k].code), "%s", it->string);
		m[k++].r = r;
	}
	cJSON_Delete(o);
	sb_free(cp->map);
	cp->map = m;
	cp->n_map = k;
	return 0;
}

int tel_dial_set_run(struct telephony *t, uint32_t campaign, const struct dialer_blend_rule *blend,
		     const char *disposition_map)
{
	struct tel_dial *td = t ? t->dial : NULL;
	struct dcamp *cp = td ? idmap_get(&td->camps, campaign) : NULL;
	if (!cp)
		return ENOENT;
	int err = blend ? dialer_campaign_set_blend(td->d, campaign, blend) : 0;
	if (!err)
		err = map_set(cp, disposition_map);
	kick(td);
	return err;
}

int tel_dial_start(struct telephony *t, struct store *st, struct tel_dial_campaign *c)
{
	if (!t->cfg.trunk_addr || !t->cfg.trunk_addr[0])
		return ENOENT;
	int err = 0;
	if (!t->dial && (err = td_alloc(t, st)))
		return err;
	struct tel_dial *td = t->dial;
	int64_t now = center_now(td->c);
	struct dcamp *cp = idmap_get(&td->camps, c->id);
	if (cp && cp->running)
		return EEXIST;
	if (cp) {
		/* stopped earlier: the core kept the leads' state; new settings only */
		if ((err = dialer_campaign_set(td->d, c->id, &c->params)))
			return err;
	} else {
		cp = sb_zalloc(sizeof(*cp));
		if (!cp)
			return ENOMEM;
		if ((err = dialer_campaign_add(td->d, c->id, &c->params))) {
			sb_free(cp);
			return err;
		}
		/* leads a crash left in a call: dialable again */
		for (uint32_t i = 0; i < c->list->n; i++) {
			struct dialer_lead *ld = c->list->leads[i];
			if (ld->state == DIALER_LEAD_IN_CALL) {
				ld->state = DIALER_LEAD_READY;
				ld->next_ms = 0;
			}
		}
		uint32_t n = c->list->n;
		if ((err = dialer_campaign_set_list(td->d, c->id, c->list)) ||
		    (err = idmap_put(&td->camps, c->id, cp))) {
			sb_free(cp);
			return err; /* cannot happen for a new campaign, but the core keeps it */
		}
		cp->id = c->id;
		cp->dbid = c->lead_dbid;
		cp->n_dbid = n;
		c->lead_dbid = NULL;
		struct store_value p[] = {store_int(c->id)};
		write1(td, &s_lead_reset, p, 1);
		dnc_copy(dialer_campaign_dnc(td->d, c->id), c->dnc);
	}
	dnc_copy(dialer_dnc_global(td->d), c->gdnc);
	if ((err = dialer_campaign_set_blend(td->d, c->id, &c->blend)) ||
	    (err = map_set(cp, c->disposition_map)))
		return err; /* the rule was checked by the API; ENOMEM */
	cp->cb_delay_ms = c->params.retry[DIALER_R_CALLBACK].delay_ms;
	cp->client_id = c->client_id;
	cp->queue_id = c->queue_id;
	cp->sh_ms = c->params.profile.safe_harbour_ms;
	snprintf(cp->caller_id, sizeof(cp->caller_id), "%s", c->params.caller_id);
	cp->running = true;
	cp->logged_pace = false;
	for (unsigned i = 0; i < c->n_agents; i++) {
		struct dagent *ag = idmap_get(&td->agents, c->agents[i]);
		if (ag && ag->camp != cp)
			continue; /* dials for another campaign */
		if (!ag) {
			ag = sb_zalloc(sizeof(*ag));
			if (!ag ||
			    dialer_agent_add(td->d, c->agents[i], c->id, c->blended[i], now) ||
			    idmap_put(&td->agents, c->agents[i], ag)) {
				sb_free(ag);
				continue;
			}
			ag->id = c->agents[i];
			ag->camp = cp;
		}
		ag->told = -1;
		sync_agent(td, ag->id);
	}
	kick(td);
	return 0;
}

int tel_dial_stop(struct telephony *t, uint32_t campaign)
{
	struct tel_dial *td = t ? t->dial : NULL;
	struct dcamp *cp = td ? idmap_get(&td->camps, campaign) : NULL;
	if (!cp || !cp->running)
		return ENOENT;
	cp->running = false;
	struct dagent *ag;
	uint32_t ids[256];
	unsigned n = 0;
	for (uint32_t it = 0; idmap_next(&td->agents, &it, NULL, (void **)&ag);)
		if (ag->camp == cp && n < 256)
			ids[n++] = ag->id;
	for (unsigned i = 0; i < n; i++)
		sync_agent(td, ids[i]); /* removes those not on a call now; the rest when done */
	return 0;
}

bool tel_dial_running(const struct telephony *t, uint32_t campaign)
{
	const struct dcamp *cp = t && t->dial ? idmap_get(&t->dial->camps, campaign) : NULL;
	return cp && cp->running;
}

void tel_dial_dnc(struct telephony *t, uint32_t campaign, const char *e164, bool add)
{
	struct tel_dial *td = t ? t->dial : NULL;
	if (!td)
		return;
	struct dialer_dnc *dn =
	    campaign ? dialer_campaign_dnc(td->d, campaign) : dialer_dnc_global(td->d);
	if (!dn)
		return;
	if (add)
		dialer_dnc_add(dn, e164, NULL);
	else
		dialer_dnc_remove(dn, e164);
}

int tel_dial_report(struct telephony *t, uint32_t campaign, struct dialer_report *out,
		    struct dialer_why *why)
{
	struct tel_dial *td = t ? t->dial : NULL;
	if (!td || !idmap_get(&td->camps, campaign))
		return ENOENT;
	int64_t now = center_now(td->c);
	int err = dialer_campaign_report(td->d, campaign, now, out);
	if (!err && why)
		err = dialer_campaign_why(td->d, campaign, now, why);
	return err;
}

uint32_t tel_dial_agent_campaign(const struct telephony *t, uint32_t agent)
{
	const struct dagent *ag = t && t->dial ? idmap_get(&t->dial->agents, agent) : NULL;
	return ag && ag->camp->running ? ag->camp->id : 0;
}

int tel_dial_preview_next(struct telephony *t, uint32_t agent, int64_t *lead)
{
	struct tel_dial *td = t->dial;
	struct dagent *ag = td ? idmap_get(&td->agents, agent) : NULL;
	if (!ag)
		return ENOENT;
	uint32_t id = 0;
	td->previewing = true;
	int err = dialer_preview_next(td->d, agent, center_now(td->c), &id);
	td->previewing = false;
	if (!err)
		*lead = lead_dbid(ag->camp, id);
	kick(td);
	return err;
}

static void dlate_free(struct dlate *l)
{
	for (struct dlate **pp = l->td ? &l->td->lates : NULL; pp && *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	sb_free(l->code);
	sb_free(l);
}

/* Where a stored lead is in the campaign's list (its core id; 0: not in it). */
static uint32_t lead_index(const struct dcamp *cp, int64_t dbid)
{
	for (uint32_t i = 0; dbid && i < cp->n_dbid; i++)
		if (cp->dbid[i] == dbid)
			return i + 1;
	return 0;
}

/* The link was claimed (or another disposition claimed it first): the result applies to the lead
 * unless it has one by now (dialer_lead_disposition: only a lead closed with "no disposition"). */
static void on_late_claimed(int err, struct store_rs *rs, void *arg)
{
	struct dlate *l = arg;
	struct tel_dial *td = l->td;
	struct dcamp *cp = td ? idmap_get(&td->camps, l->camp) : NULL;
	if (err || store_rs_rows(rs) == 0 || !cp || !cp->running ||
	    lead_dbid(cp, l->lead) != l->dbid) {
		dlate_free(l);
		return;
	}
	int64_t now = center_now(td->c);
	int64_t at = 0;
	if (l->r == DIALER_R_CALLBACK) /* as at wrap-up: the campaign's delay, for the agent */
		at = now + (cp->cb_delay_ms > 0 ? cp->cb_delay_ms : CB_DEFAULT_MS);
	if (dialer_lead_disposition(td->d, l->camp, l->lead, l->r, at, l->agent, now) == 0) {
		struct dcall dc = {.camp = cp, .lead = l->lead, .acd_agent = l->agent};
		char extra[128];
		snprintf(extra, sizeof(extra),
			 "\"result\":\"%s\",\"mapped\":true,\"later\":true,\"call\":%" PRIu64,
			 dialer_result_name(l->r), l->call);
		trail_call(td, "dialer.disposition", &dc, extra);
	}
	dlate_free(l);
	kick(td);
}

/* The call's link, if it awaits a disposition: its lead in the running campaign, the code mapped;
 * then claimed through the writer, so of two dispositions given at once only one applies. */
static void on_late_link(int err, struct store_rs *rs, void *arg)
{
	struct dlate *l = arg;
	struct tel_dial *td = l->td;
	/* no row: not a dialler call, the dialer's disposition was given, or a later one applied */
	if (!td || err || store_rs_rows(rs) == 0) {
		dlate_free(l);
		return;
	}
	int64_t camp = store_rs_int(rs, 0, 0);
	struct dcamp *cp =
	    camp > 0 && camp <= UINT32_MAX ? idmap_get(&td->camps, (uint32_t)camp) : NULL;
	l->dbid = store_rs_int(rs, 0, 1);
	l->agent = (uint32_t)store_rs_int(rs, 0, 2);
	l->camp = (uint32_t)camp;
	l->lead = cp ? lead_index(cp, l->dbid) : 0;
	/* a campaign deleted or stopped, a lead gone, a code with no result: the lead stays as it
	 * is, and the link awaits (a mapped code given later still applies) */
	if (!cp || !cp->running || !l->lead || map_code(cp, l->code, &l->r) != 0 ||
	    l->r == DIALER_R_NONE) {
		dlate_free(l);
		return;
	}
	struct store_value p[] = {store_int((int64_t)l->call)};
	struct store_job *job = NULL;
	int e = store_job_alloc(&job);
	if (!e)
		e = store_job_add(job, &s_link_claim, p, 1, 0);
	if (!e)
		e = store_write(td->st, job, on_late_claimed, l);
	if (e) {
		store_job_free(job);
		dlate_free(l);
	}
}

int tel_dial_late_disposition(struct telephony *t, uint64_t call, const char *code)
{
	struct tel_dial *td = t ? t->dial : NULL;
	if (!td || !call || !code)
		return ENOENT; /* no campaign started since the daemon did: none runs to apply it */
	struct dlate *l = sb_zalloc(sizeof(*l));
	char *c = l ? sb_strdup(code) : NULL;
	if (!c) {
		sb_free(l);
		return ENOMEM;
	}
	l->td = td;
	l->call = call;
	l->code = c;
	l->next = td->lates;
	td->lates = l;
	struct store_value p[] = {store_int((int64_t)call)};
	int err = store_query(td->st, &q_link, p, 1, on_late_link, l);
	if (err)
		dlate_free(l);
	return err;
}

int tel_dial_preview_current(struct telephony *t, uint32_t agent, int64_t *lead)
{
	struct tel_dial *td = t->dial;
	struct dagent *ag = td ? idmap_get(&td->agents, agent) : NULL;
	uint32_t id = 0;
	if (!ag || dialer_preview_current(td->d, agent, &id) != 0)
		return ENOENT;
	*lead = lead_dbid(ag->camp, id);
	return 0;
}

int tel_dial_preview_dial(struct telephony *t, uint32_t agent)
{
	struct tel_dial *td = t->dial;
	if (!td || !idmap_get(&td->agents, agent))
		return ENOENT;
	uint64_t call;
	int err = dialer_preview_dial(td->d, agent, center_now(td->c), &call);
	kick(td);
	return err;
}

int tel_dial_preview_skip(struct telephony *t, uint32_t agent)
{
	struct tel_dial *td = t->dial;
	if (!td || !idmap_get(&td->agents, agent))
		return ENOENT;
	int err = dialer_preview_skip(td->d, agent, center_now(td->c));
	kick(td);
	return err;
}

int tel_dial_disposition(struct telephony *t, uint32_t agent, enum dialer_result r, int64_t at_ms,
			 uint32_t for_agent, int64_t *lead)
{
	struct tel_dial *td = t->dial;
	struct dagent *ag = td ? idmap_get(&td->agents, agent) : NULL;
	struct dcall *dc = ag ? ag->pending : NULL;
	if (!dc || (*lead && *lead != lead_dbid(dc->camp, dc->lead)))
		return ENOENT;
	if (r == DIALER_R_ABANDONED || r >= DIALER_R_COUNT ||
	    (r == DIALER_R_CALLBACK && at_ms <= 0))
		return EINVAL;
	if (for_agent) {
		struct dagent *o = idmap_get(&td->agents, for_agent);
		if (!o || o->camp != dc->camp)
			return EINVAL;
	}
	dc->dispo_set = true;
	dc->dispo = r;
	dc->dispo_at = at_ms;
	dc->dispo_cb = r == DIALER_R_CALLBACK;
	dc->dispo_for = for_agent;
	*lead = lead_dbid(dc->camp, dc->lead);
	/* the call is over and the agent still in wrap-up: apply it now */
	if (dc->ended)
		apply_dispo(td, dc);
	return 0;
}

void tel_dial_free(struct telephony *t)
{
	struct tel_dial *td = t->dial;
	if (!td)
		return;
	evl_timer_free(td->tick);
	evl_timer_free(td->defer);
	struct dcall *dc;
	for (uint32_t it = 0; idmap_next(&td->calls, &it, NULL, (void **)&dc);) {
		if (dc->tc) {
			tel_leg_clear(&dc->tc->caller);
			sb_free(dc->tc);
		}
		evl_timer_free(dc->sh);
		sb_free(dc);
	}
	idmap_release(&td->calls);
	idmap_release(&td->cids);
	struct dcamp *cp;
	for (uint32_t it = 0; idmap_next(&td->camps, &it, NULL, (void **)&cp);) {
		sb_free(cp->dbid);
		sb_free(cp->map);
		sb_free(cp);
	}
	for (struct dlook *l = td->looks; l; l = l->next)
		l->td = NULL; /* freed by its completion, which finds the dialer gone */
	for (struct dlate *l = td->lates; l; l = l->next)
		l->td = NULL;
	idmap_release(&td->camps);
	struct dagent *ag;
	for (uint32_t it = 0; idmap_next(&td->agents, &it, NULL, (void **)&ag);)
		sb_free(ag);
	idmap_release(&td->agents);
	if (td->d)
		dialer_free(td->d);
	api_tzcache_free(td->tz);
	sb_free(td->w);
	sb_free(td);
	t->dial = NULL;
}
