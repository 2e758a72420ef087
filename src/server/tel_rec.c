/* tel_rec: call recording: consent prompt, start per queue mode, pause/resume by API and agent
 * DTMF, retention sweep. */
#include "server/tel_rec.h"
#include "server/tel_impl.h"
#include "server/telephony.h"

#include "base/mem.h"
#include "http/evloop.h"
#include "media/media.h"
#include "media/media_rec.h"
#include "server/center.h"
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/*
 * A recording belongs to one contact record (call segment) and one agent:
 * it starts when the agent is bridged to the caller ("always" queues) or on
 * request ("on_demand": the API or *1 from the agent's phone), and ends when
 * that agent's leg goes (hang-up, transfer) or the call ends. The file is
 * <data>/recordings/YYYY/MM/DD/<contact>.wav (UTC date of the start), its
 * path relative to the data directory goes into contacts.recording_ref at
 * the start. Every start, pause, resume, stop and deletion is an event.
 */

#define REC_CODE_MS	 3000 /* '*' then '1' within this long toggles */
#define REC_SWEEP_MS	 3600000
#define REC_DAY_MS	 86400000
#define REC_SWEEP_ROWS	 500
#define REC_SWEEP_PREFIX "recordings/"

struct tel_rec {
	struct media_rec *mr; /* NULL until started (on demand) */
	struct tleg *leg;     /* the agent's leg it records */
	int64_t agent, contact, client;
	uint64_t call;
	bool paused;	     /* by the agent (API, *1) */
	bool held;	     /* the call is on hold: nothing is recorded until it resumes */
	bool consent;	     /* the consent prompt is playing: the agent (leg) waits for its end */
	int64_t consent_end; /* when it will have ended (even if something replaced it) */
	struct evl_timer *wait; /* an agent waits: bridges at consent_end at the latest */
	int64_t star_ms;	/* when the agent last pressed '*' (0: not pending) */
	char ref[128];
};

struct sweep_op {
	struct tel_recs *rs; /* NULL once the controller stopped: the completion only frees */
};

struct tel_recs {
	struct telephony *t;
	bool on;	     /* a data directory and a store: recordings can be made */
	bool closed;	     /* telephony_stop: the center is gone, nothing is logged or started */
	char data[PATH_MAX]; /* the data directory, resolved */
	int64_t sweep_ms, day_ms;
	struct evl_timer *sweep;
	struct sweep_op *pending; /* the sweep query in flight */
	struct sweep_op *repair;  /* the start's query of recordings a crash left open */
};

static const struct store_stmt s_set_ref = {
    "tel.rec_ref", "UPDATE contacts SET recording_ref = $1, updated_at = $2 WHERE id = $3", NULL};
static const struct store_stmt q_expired = {
    "tel.rec_expired",
    "SELECT c.id, c.recording_ref FROM contacts c JOIN queues q ON q.id = c.queue_id"
    " WHERE c.recording_ref IS NOT NULL AND q.recording_retention_days > 0"
    " AND c.t_disconnected IS NOT NULL"
    " AND c.t_disconnected < $1 - q.recording_retention_days * $2 ORDER BY c.id LIMIT $3",
    NULL};
static const struct store_stmt s_clear_ref = {
    "tel.rec_clear",
    "UPDATE contacts SET recording_ref = NULL, updated_at = $3 WHERE id = $1 AND recording_ref = "
    "$2",
    NULL};

/* Recordings of calls a crash interrupted (the center closed them at this start, or lately). */
static const struct store_stmt q_interrupted = {
    "tel.rec_interrupted",
    "SELECT id, recording_ref FROM contacts WHERE recording_ref IS NOT NULL"
    " AND disconnect_reason = 'interrupted' AND t_disconnected >= $1 ORDER BY id",
    NULL};

static const char *const mode_names[] = {"off", "always", "on_demand"};

static const struct center_queue *call_queue(struct telephony *t, uint64_t call_id)
{
	struct acd_call_info ci;
	if (!call_id || acd_call_info(center_acd(t->c), call_id, &ci) != 0)
		return NULL;
	return center_queue(t->c, ci.queue);
}

/* One event in the log: ids only. */
static void rec_log(struct telephony *t, const char *kind, const struct tel_rec *r, const char *by,
		    uint64_t actor)
{
	if (!t->recs || t->recs->closed)
		return; /* shutting down: the center is closed */
	char data[256];
	snprintf(data, sizeof(data),
		 "{\"call\":%" PRIu64 ",\"contact\":%" PRId64 ",\"agent\":%" PRId64
		 ",\"by\":\"%s\",\"time\":%" PRId64 "}",
		 r->call, r->contact, r->agent, by, center_now(t->c));
	struct center_scope sc = {.agent_id = (uint64_t)r->agent, .client_id = (uint64_t)r->client};
	if (!center_log(t->c, kind, data, actor, &sc))
		fprintf(stderr, "switchboard: event %s lost\n", kind);
}

static uint64_t agent_user(struct telephony *t, int64_t agent)
{
	const struct center_agent *a = center_agent(t->c, agent);
	return a ? (uint64_t)a->user_id : 0;
}

/* ---------- start, pause, stop ---------- */

static int rec_begin(struct telephony *t, struct tcall *tc, const char *by, uint64_t actor)
{
	struct tel_recs *rs = t->recs;
	struct tel_rec *r = tc->rec;
	if (!rs || !rs->on || rs->closed || !r || r->mr || !r->leg || !r->leg->media ||
	    !tc->caller.media)
		return EIO;
	if (!r->contact)
		r->contact = center_call_contact(t->c, tc->id);
	if (!r->contact)
		return EIO;
	int64_t now = center_now(t->c);
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(r->ref, sizeof(r->ref), REC_SWEEP_PREFIX "%04d/%02d/%02d/%" PRId64 ".wav",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, r->contact);
	char path[PATH_MAX + 160];
	snprintf(path, sizeof(path), "%s/%s", rs->data, r->ref);
	int err = media_rec_start(&r->mr, path, tc->caller.media, r->leg->media);
	if (err) {
		fprintf(stderr, "switchboard: recording of call %" PRIu64 ": %s\n", tc->id,
			strerror(err));
		r->ref[0] = '\0';
		return EIO;
	}
	r->paused = false;
	if (r->held)
		media_rec_pause(r->mr, true); /* started on hold: silence until it resumes */
	struct store_job *job = NULL;
	struct store_value v[] = {store_text(r->ref), store_int(now), store_int(r->contact)};
	if (store_job_alloc(&job) != 0 || store_job_add(job, &s_set_ref, v, 3, 0) != 0 ||
	    store_write(t->cfg.store, job, NULL, NULL) != 0) {
		fprintf(stderr, "switchboard: recording %s: the contact record could not name it\n",
			r->ref);
		store_job_free(job);
	}
	rec_log(t, "recording-start", r, by, actor);
	return 0;
}

static void rec_pause(struct telephony *t, struct tel_rec *r, bool pause, const char *by,
		      uint64_t actor)
{
	media_rec_pause(r->mr, pause || r->held);
	r->paused = pause;
	rec_log(t, pause ? "recording-pause" : "recording-resume", r, by, actor);
}

void tel_rec_hold(struct tcall *tc, bool hold)
{
	struct tel_rec *r = tc->rec;
	if (!r || r->held == hold)
		return;
	r->held = hold;
	if (!r->mr || r->paused)
		return; /* nothing recorded now anyway */
	media_rec_pause(r->mr, hold);
	rec_log(tc->t, hold ? "recording-pause" : "recording-resume", r, "hold", 0);
}

/* Ends the call's recording (if any) and forgets its state. */
static void rec_end(struct telephony *t, struct tcall *tc)
{
	struct tel_rec *r = tc->rec;
	if (!r)
		return;
	if (r->mr) {
		media_rec_stop(r->mr);
		rec_log(t, "recording-stop", r, "call", 0);
	}
	if (r->leg && r->leg->media)
		media_leg_on_dtmf(r->leg->media, NULL, NULL);
	evl_timer_free(r->wait);
	sb_free(r);
	tc->rec = NULL;
}

/* ---------- the controller's hooks ---------- */

static void on_agent_dtmf(void *arg, char digit)
{
	struct tleg *l = arg;
	tel_rec_agent_digit(l->call->t, l, digit);
}

/* A recording state for the agent's leg (the call had none, or one for another agent). */
static struct tel_rec *rec_for(struct telephony *t, struct tcall *tc, struct tleg *l,
			       const struct center_queue *q)
{
	struct tel_rec *r = tc->rec;
	if (!r) {
		r = sb_zalloc(sizeof(*r));
		if (!r)
			return NULL;
		tc->rec = r;
	}
	r->leg = l;
	r->agent = l->agent;
	r->call = tc->id;
	r->client = q ? q->client_id : 0;
	r->contact = center_call_contact(t->c, tc->id);
	if (l->media)
		media_leg_on_dtmf(l->media, on_agent_dtmf, l);
	return r;
}

static void consent_done(void *arg)
{
	struct tcall *tc = arg;
	struct telephony *t = tc->t;
	struct tel_rec *r = tc->rec;
	if (r && !r->consent)
		return; /* ended already (the prompt's end after the timer's, or the reverse) */
	if (r) {
		r->consent = false;
		if (r->wait)
			evl_timer_cancel(r->wait);
	}
	if (!r || !r->leg) {
		/* nobody answered yet: music (a bridge would have replaced the prompt) */
		if (tc->caller.media && t->moh)
			media_play(tc->caller.media, t->moh);
		return;
	}
	/* the agent answered during the prompt: now they talk (unless they put the caller on hold)
	 */
	struct acd_agent_info ai;
	bool held = acd_agent_info(center_acd(t->c), (uint32_t)r->agent, &ai) == 0 &&
		    ai.state == ACD_AGENT_HOLD;
	if (tc->caller.media && r->leg->media && !held)
		media_bridge(tc->caller.media, r->leg->media);
	const struct center_queue *q = call_queue(t, tc->id);
	if (q && q->rec_mode == CENTER_REC_ALWAYS)
		rec_begin(t, tc, "queue", 0);
}

bool tel_rec_consent(struct telephony *t, struct tcall *tc)
{
	const struct center_queue *q = call_queue(t, tc->id);
	if (!q || q->rec_mode == CENTER_REC_OFF || !q->rec_consent[0] || !tc->caller.media)
		return false;
	char path[PATH_MAX];
	if (q->rec_consent[0] == '/')
		snprintf(path, sizeof(path), "%s", q->rec_consent);
	else
		snprintf(path, sizeof(path), "%s/%s.wav", t->sounds, q->rec_consent);
	if (!tc->rec && !(tc->rec = sb_zalloc(sizeof(*tc->rec))))
		return false;
	int err = media_play_once(tc->caller.media, path, consent_done, tc);
	if (err) {
		fprintf(stderr, "switchboard: queue %s: consent prompt %s: %s\n", q->name, path,
			strerror(err));
		return false;
	}
	tc->rec->consent = true;
	/* its length (8 kHz 16-bit mono): an agent never waits longer, whatever replaced it */
	struct stat st;
	int64_t ms =
	    stat(path, &st) == 0 && st.st_size > 44 ? (int64_t)(st.st_size - 44) / 16 : 10000;
	tc->rec->consent_end = center_now(t->c) + ms + 300;
	return true;
}

bool tel_rec_connected(struct telephony *t, struct tcall *tc, struct tleg *l)
{
	const struct center_queue *q = call_queue(t, tc->id);
	struct tel_rec *w = tc->rec;
	int64_t left = w && w->consent ? w->consent_end - center_now(t->c) : 0;
	if (left > 0 && (w->wait || evl_timer_alloc(&w->wait) == 0)) {
		/* the caller hears the consent prompt to its end; the agent waits */
		rec_for(t, tc, l, q);
		evl_timer_start(w->wait, (uint64_t)left, consent_done, tc);
		return true;
	}
	if (w)
		w->consent = false; /* over (or replaced by something else) */
	if (!q || q->rec_mode == CENTER_REC_OFF || !t->recs || !t->recs->on)
		return false;
	if (tc->rec && tc->rec->leg == l)
		return false; /* the same agent again (cannot happen: unhold needs no connect) */
	rec_end(t, tc);
	if (rec_for(t, tc, l, q) && q->rec_mode == CENTER_REC_ALWAYS)
		rec_begin(t, tc, "queue", 0);
	return false;
}

void tel_rec_leg_gone(struct tcall *tc, struct tleg *l)
{
	struct tel_rec *r = tc->rec;
	if (!r || r->leg != l)
		return;
	if (r->consent && !r->mr) {
		r->leg = NULL; /* the prompt goes on; its end gives the caller music */
		return;
	}
	rec_end(tc->t, tc);
}

void tel_rec_call_gone(struct tcall *tc)
{
	rec_end(tc->t, tc);
}

/* *1: start (on demand), pause, resume. */
static void toggle(struct telephony *t, struct tcall *tc, uint64_t actor, const char *by)
{
	struct tel_rec *r = tc->rec;
	const struct center_queue *q = call_queue(t, tc->id);
	if (!r->mr && q && q->rec_mode != CENTER_REC_OFF)
		rec_begin(t, tc, by, actor);
	else if (!r->mr)
		return; /* the queue stopped recording meanwhile */
	else
		rec_pause(t, r, !r->paused, by, actor);
}

void tel_rec_agent_digit(struct telephony *t, struct tleg *l, char digit)
{
	struct tcall *tc = l->call;
	struct tel_rec *r = tc ? tc->rec : NULL;
	if (!r || r->leg != l)
		return;
	int64_t now = center_now(t->c);
	if (digit == '*') {
		r->star_ms = now;
		return;
	}
	bool code = digit == '1' && r->star_ms && now - r->star_ms <= REC_CODE_MS;
	r->star_ms = 0;
	if (code)
		toggle(t, tc, agent_user(t, r->agent), "dtmf");
}

/* ---------- the API's control ---------- */

int telephony_rec_control(struct telephony *t, int64_t agent_id, enum telephony_rec_op op,
			  uint64_t actor_user, struct telephony_rec_state *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = mode_names[0];
	out->state = "off";
	struct acd_agent_info ai;
	if (!t || agent_id <= 0 || agent_id > UINT32_MAX ||
	    acd_agent_info(center_acd(t->c), (uint32_t)agent_id, &ai) != 0 || !ai.call)
		return ENOENT;
	struct tcall *tc = idmap_get(&t->calls, ai.call);
	struct tleg *l = tc ? tel_find_agent_leg(tc, agent_id) : NULL;
	if (!l || !l->connected)
		return ENOENT;
	const struct center_queue *q = call_queue(t, tc->id);
	out->call_id = tc->id;
	out->contact_id = center_call_contact(t->c, tc->id);
	if (q)
		out->mode = mode_names[q->rec_mode];
	struct tel_rec *r = tc->rec;
	int err = 0;
	if (op != TEL_REC_STATUS && (!q || q->rec_mode == CENTER_REC_OFF || !r || r->leg != l))
		err = EPERM;
	else if (op == TEL_REC_START)
		err = r->mr ? EALREADY
		      : q->rec_mode == CENTER_REC_ALWAYS
			  ? EPERM /* started with the call: only a failed start gets here */
			  : rec_begin(t, tc, "api", actor_user);
	else if (op == TEL_REC_PAUSE || op == TEL_REC_RESUME) {
		bool pause = op == TEL_REC_PAUSE;
		if (!r->mr)
			err = EINVAL;
		else if (r->paused == pause)
			err = EALREADY;
		else
			rec_pause(t, r, pause, "api", actor_user);
	}
	if (r && r->leg == l) {
		out->state = !r->mr ? "off" : r->paused ? "paused" : "recording";
		snprintf(out->ref, sizeof(out->ref), "%s", r->ref);
		if (r->contact)
			out->contact_id = r->contact;
	}
	return err;
}

/* ---------- retention ---------- */

static void sweep_start(void *arg);

static void sweep_again(struct tel_recs *rs, int64_t ms)
{
	evl_timer_start(rs->sweep, (uint64_t)ms, sweep_start, rs);
}

static void sweep_done(int err, struct store_rs *res, void *arg)
{
	struct sweep_op *op = arg;
	struct tel_recs *rs = op->rs;
	sb_free(op);
	if (!rs)
		return; /* the controller stopped meanwhile */
	rs->pending = NULL;
	struct telephony *t = rs->t;
	unsigned n = err ? 0 : store_rs_rows(res);
	if (err)
		fprintf(stderr, "switchboard: recording retention: %s\n", strerror(err));
	struct store_job *job = NULL;
	int64_t now = center_now(t->c);
	for (unsigned i = 0; i < n; i++) {
		int64_t id = store_rs_int(res, i, 0);
		const char *ref = store_rs_text(res, i, 1);
		if (!ref)
			continue;
		/* only files this controller made; anything else is left alone (and kept named) */
		if (strncmp(ref, REC_SWEEP_PREFIX, strlen(REC_SWEEP_PREFIX)) != 0 ||
		    strstr(ref, "..")) {
			fprintf(stderr,
				"switchboard: recording retention: %s is not ours: not deleted\n",
				ref);
			continue;
		}
		char path[PATH_MAX + 160];
		snprintf(path, sizeof(path), "%s/%s", rs->data, ref);
		if (media_rec_delete(t->media, path) != 0)
			continue;
		if (!job && store_job_alloc(&job) != 0)
			break;
		struct store_value v[] = {store_int(id), store_text(ref), store_int(now)};
		store_job_add(job, &s_clear_ref, v, 3, 0);
		char data[96];
		snprintf(data, sizeof(data), "{\"contact\":%" PRId64 ",\"by\":\"retention\"}", id);
		center_log(t->c, "recording-delete", data, 0, NULL);
	}
	if (job && store_write(t->cfg.store, job, NULL, NULL) != 0)
		store_job_free(job);
	/* a full page: there may be more */
	sweep_again(rs, n == REC_SWEEP_ROWS ? 10 : rs->sweep_ms);
}

static void sweep_start(void *arg)
{
	struct tel_recs *rs = arg;
	struct telephony *t = rs->t;
	if (rs->pending)
		return;
	struct sweep_op *op = sb_zalloc(sizeof(*op));
	if (!op) {
		sweep_again(rs, rs->sweep_ms);
		return;
	}
	op->rs = rs;
	struct store_value v[] = {store_int(center_now(t->c)), store_int(rs->day_ms),
				  store_int(REC_SWEEP_ROWS)};
	if (store_query(t->cfg.store, &q_expired, v, 3, sweep_done, op) != 0) {
		sb_free(op);
		sweep_again(rs, rs->sweep_ms);
		return;
	}
	rs->pending = op;
}

/* ---------- repair after a crash ---------- */

/*
 * A daemon killed during a recorded call leaves a WAV file whose header still
 * says 0 bytes (the writer completes it at the end). At start the files of
 * the calls the center closed as interrupted get their sizes from their
 * length; the contact record keeps naming them.
 */
static void repair_done(int err, struct store_rs *res, void *arg)
{
	struct sweep_op *op = arg;
	struct tel_recs *rs = op->rs;
	sb_free(op);
	if (!rs)
		return;
	rs->repair = NULL;
	if (err) {
		fprintf(stderr, "switchboard: recordings to repair: %s\n", strerror(err));
		return;
	}
	unsigned n = store_rs_rows(res), fixed = 0;
	for (unsigned i = 0; i < n; i++) {
		const char *ref = store_rs_text(res, i, 1);
		if (!ref || strncmp(ref, REC_SWEEP_PREFIX, strlen(REC_SWEEP_PREFIX)) != 0 ||
		    strstr(ref, ".."))
			continue; /* not ours */
		char path[PATH_MAX + 160];
		snprintf(path, sizeof(path), "%s/%s", rs->data, ref);
		bool changed = false;
		unsigned ch = strstr(ref, "/messages/") ? 1 : 2; /* voicemail messages are mono */
		int e = mrec_wav_repair(path, ch, &changed);
		if (e && e != ENOENT)
			fprintf(stderr, "switchboard: recording %s: cannot repair: %s\n", ref,
				strerror(e));
		fixed += changed;
	}
	if (fixed)
		fprintf(stderr, "switchboard: %u interrupted recording(s) repaired\n", fixed);
}

static void repair_start(struct tel_recs *rs)
{
	struct telephony *t = rs->t;
	struct sweep_op *op = sb_zalloc(sizeof(*op));
	if (!op)
		return;
	op->rs = rs;
	/* the center closed this start's interrupted calls just now; a day covers a restart that
	 * itself failed */
	struct store_value v[] = {store_int(center_now(t->c) - REC_DAY_MS)};
	if (store_query(t->cfg.store, &q_interrupted, v, 1, repair_done, op) != 0) {
		sb_free(op);
		return;
	}
	rs->repair = op;
}

/* ---------- lifecycle ---------- */

int tel_rec_init(struct telephony *t)
{
	struct tel_recs *rs = sb_zalloc(sizeof(*rs));
	if (!rs)
		return ENOMEM;
	rs->t = t;
	rs->sweep_ms = t->cfg.rec_sweep_ms > 0 ? t->cfg.rec_sweep_ms : REC_SWEEP_MS;
	rs->day_ms = t->cfg.rec_day_ms > 0 ? t->cfg.rec_day_ms : REC_DAY_MS;
	t->recs = rs;
	if (!t->cfg.data_dir || !t->cfg.store)
		return 0; /* no recording (unit tests, tools) */
	if (!realpath(t->cfg.data_dir, rs->data)) {
		fprintf(stderr, "switchboard: recordings: data directory %s: %s: no recording\n",
			t->cfg.data_dir, strerror(errno));
		return 0;
	}
	int err = evl_timer_alloc(&rs->sweep);
	if (err)
		return err;
	rs->on = true;
	repair_start(rs);
	sweep_again(rs, rs->sweep_ms);
	return 0;
}

void tel_rec_stop_all(struct telephony *t)
{
	if (t->recs)
		t->recs->closed = true;
	struct tcall *tc;
	for (uint32_t it = 0; idmap_next(&t->calls, &it, NULL, (void **)&tc);)
		rec_end(t, tc);
}

void tel_rec_fini(struct telephony *t)
{
	struct tel_recs *rs = t->recs;
	if (!rs)
		return;
	if (rs->pending)
		rs->pending->rs = NULL; /* its completion will only free it */
	if (rs->repair)
		rs->repair->rs = NULL;
	evl_timer_free(rs->sweep);
	sb_free(rs);
	t->recs = NULL;
}
