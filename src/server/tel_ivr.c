/* tel_ivr: menus, business hours, queue announcements, callbacks and the post-call survey for SIP
 * callers (drives src/core/ivr). */
#include "server/tel_ivr.h"

#include "base/idmap.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/phone.h"
#include "core/ivr/announce.h"
#include "core/ivr/callback.h"
#include "core/ivr/entry.h"
#include "core/ivr/hours.h"
#include "core/ivr/ivr_json.h"
#include "core/ivr/menu.h"
#include "http/evloop.h"
#include "media/media.h"
#include "server/center.h"
#include "server/tel_impl.h"
#include "store/records.h"
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Prompts the controller says itself (menus name their own), from Debian's
 * asterisk-core-sounds-<lang>-wav: <sounds>/<lang>/<name>.wav, falling back
 * to the menu's default language, then to English.
 */
#define P_AFTER_HOURS "please-try-call-later"
#define P_GOODBYE     "vm-goodbye"
#define P_SORRY	      "sorry"
#define P_BUSY	      "all-circuits-busy-now"
#define P_THANKS      "auth-thankyou"
#define P_ASK_NUMBER  "vm-enter-num-to-call"
#define P_THEN_POUND  "vm-then-pound"
#define P_BAD_NUMBER  "check-number-dial-again"
#define P_NEXT	      "queue-youarenext"
#define P_THERE_ARE   "queue-thereare"
#define P_WAITING     "queue-callswaiting"
#define P_HOLDTIME    "queue-holdtime"
#define P_LESS_THAN   "queue-less-than"
#define P_MINUTE      "queue-minute"
#define P_MINUTES     "queue-minutes"
#define P_PRESS	      "vm-press"
#define P_CALLBACK    "vm-tocallback"
#define P_SURVEY      "queue-thankyou" /* then P_PRESS: "thank you ... press" a rating 1-5 */
#define P_BOARD_MENU  "vm-options"     /* a menu in the board's simple form (text prompt) */
#define P_VM_INTRO    "vm-intro"       /* "leave your message after the tone ... pound key" */
#define P_BEEP	      "beep"
#define P_VM_SAVED    "vm-msgsaved"

#define VM_SILENCE_MS 5000   /* a message ends after this long without sound */
#define VM_MAX_MS     120000 /* the longest message when the configuration says nothing */
#define VM_POLL_MS    250    /* how often the recording's sound is checked */

#define SURVEY_WAIT_MS	8000
#define CB_RING_MS	30000
#define CB_MAX_ATTEMPTS 100 /* a row's max_attempts: a queue's callback_attempts at most */
#define REFRESH_MS	1000
#define PQ_MAX		32
#define ENTER_MAX_DEPTH 4
#define CB_ID_BASE	(UINT64_C(1) << 62) /* request ids of callbacks not (yet) in the ACD */

/* ---------- configuration ---------- */

struct menu_ent {
	char number[32];
	char *text; /* the stored JSON, to notice changes */
	struct ivr_menu m;
	unsigned refs; /* the cache's, plus one per runner */
	bool stale;
};

struct qstate {
	uint32_t id;
	char *hours_text;
	struct ivr_hours hours;
	bool has_hours;
	bool survey;
	bool seen;
	struct ivr_ewt ewt;
};

/* One callback request: the scheduler's id and the ACD call that holds its place. */
struct cbreq {
	uint64_t id;
	uint64_t acd; /* 0 while waiting for the queue to open */
	uint32_t queue;
	char number[IVR_NUMBER_MAX];
	char system_number[SIPX_USER_MAX];
	uint32_t attempts;
	uint32_t made; /* attempts made before a restart: the count goes on from there */
	uint32_t max; /* the request's own attempt count (the row's max_attempts; 0: the queue's) */
	uint64_t row; /* its callbacks row when that is not the request id (scheduled by people) */
	int64_t customer; /* the row's customer (0: none): the contact record names them */
	int64_t place;	  /* when it was requested (kept across a restart) */
};

struct tel_ivr {
	struct telephony *t;
	struct store *st;
	struct evl_timer *refresh;
	bool loading;
	bool stopped;  /* tel_ivr_stop ran while a query was out: its completion frees */
	bool stopping; /* in tel_ivr_stop: the center is closed, the scheduler going */
	struct menu_ent **menus;
	unsigned n_menus;
	struct idmap queues; /* queue id -> struct qstate */
	struct ivr_cb *cb;
	struct evl_timer *cb_timer;
	struct idmap reqs;   /* request id -> struct cbreq */
	struct idmap by_acd; /* ACD call id -> struct cbreq */
	uint64_t next_req;
	uint64_t next_api; /* scheduler ids of the API's callbacks: CB_API_BASE + n */
	struct idmap
	    unentered; /* calls in a menu or after hours (no center id yet) -> struct tcall */
	uint64_t next_unentered;
	struct idmap api_seen; /* rows of callbacks people scheduled, taken this run */
	char base[256];	       /* the sounds directory's parent: <base>/<lang>/<name>.wav */
	char gen[256];	       /* generated prompts: <gen>/<lang>/<name>.wav ("" none) */
};

/* ---------- per call ---------- */

enum mode {
	M_NONE = 0,
	M_MENU,	   /* walking a menu */
	M_ENTRY,   /* keying in a number for a callback (menu or after hours) */
	M_QUEUED,  /* waiting in a queue: music and announcements */
	M_LEAVING, /* a last prompt, then hang up */
	M_SURVEY,  /* the agent hung up: rate the call 1-5 */
	M_CB_DIAL, /* a callback's customer leg is ringing */
	M_CB_TALK, /* a callback's customer answered */
	M_TALKING, /* connected to an agent */
	M_RECORD,  /* recording a voicemail message */
};

enum owner {
	O_NONE = 0,
	O_RUN,		 /* ivr_run_prompt_done */
	O_ANN_END,	 /* ivr_ann_prompts_done (marker) */
	O_ANN_INVALID,	 /* ivr_ann_prompts_done after "not valid" (marker) */
	O_ENTRY_INVALID, /* ivr_entry_prompt_done (marker) */
	O_HANGUP,	 /* hang up (marker) */
	O_SURVEY_WAIT,	 /* the survey's prompt ended: wait for the rating (marker) */
	O_MUSIC,	 /* music on hold again (marker) */
	O_REC_START,	 /* the beep ended: record the message (marker) */
};

struct pq {
	char file[300]; /* "" for a marker */
	enum owner owner;
};

struct tivr {
	struct tcall *tc;
	struct tel_ivr *ti;
	enum mode mode;
	struct evl_timer *timer;
	char lang[IVR_LANG_MAX];
	char deflang[IVR_LANG_MAX];
	char dialled[SIPX_USER_MAX];
	int64_t site;
	/* menu */
	struct menu_ent *menu;
	struct ivr_run *run;
	/* queue */
	uint32_t queue;
	uint32_t num_queue; /* the dialled number's queue */
	struct ivr_ann ann;
	bool ann_on;
	bool cb_asked; /* this call asked the ACD for a callback: its CALLBACK_REQUESTED is ours */
	char cb_number[IVR_NUMBER_MAX];
	/* number entry for a menu's or an after-hours callback */
	struct ivr_entry entry;
	bool entry_on;
	uint32_t entry_queue;
	int64_t entry_open_at;
	/* survey */
	bool survey_pending;
	int64_t survey_deadline;
	/* voicemail */
	struct media_rec *vm;
	bool vm_menu;  /* a menu's record node: ivr_run_record_done at the end */
	bool vm_thank; /* the message was kept: thank the caller before what comes next */
	uint32_t vm_queue;
	int64_t vm_max_ms;
	int64_t vm_contact, vm_start, vm_sound, vm_poll;
	int64_t vm_mono;	   /* the monotonic clock at the start (ns) */
	int64_t vm_client, vm_qid; /* the record's, taken at the start (the center may be
				      closed at the end: a stop) */
	uint32_t vm_attempts;	   /* the queue's callback attempts (the message's callback) */
	uint64_t vm_nonzero;	   /* the caller leg's loud bytes when last checked */
	char vm_ref[128];
	/* callback legs */
	uint64_t req;
	uint64_t unentered; /* key in tel_ivr.unentered while the call has no center id */
	/* prompts */
	struct pq q[PQ_MAX];
	unsigned q_len;
	bool playing;
	bool play_done; /* the media clock said the file ended: handled on the timer */
	bool hangup;
	bool busy; /* inside an entry point: free later */
};

static void v_settle(struct tivr *v);
static void cb_kick(struct tel_ivr *ti);

static int64_t now_ms(struct tel_ivr *ti)
{
	return center_now(ti->t->c);
}

/* ---------- sounds ---------- */

static bool sound_file(struct tel_ivr *ti, const char *lang, const char *name, char *out, size_t n)
{
	if (!name || !name[0] || strstr(name, "..") || name[0] == '/')
		return false;
	if (snprintf(out, n, "%s/%s/%s.wav", ti->base, lang, name) < (int)n &&
	    access(out, R_OK) == 0)
		return true;
	/* languages without a Debian pack: espeak-ng's prompts (tools/prompts.sh) */
	if (!ti->gen[0] || snprintf(out, n, "%s/%s/%s.wav", ti->gen, lang, name) >= (int)n)
		return false;
	return access(out, R_OK) == 0;
}

/*
 * Where tools/prompts.sh put the generated prompts: $SB_PROMPTS_DIR, else
 * prompts/ beside the binary (the build's src/cli/prompts), else
 * ../share/switchboard/prompts from the binary (an installed tree, wherever it
 * is), else <datadir>/switchboard/prompts (`meson install` puts them there).
 */
static void prompts_dir(char *out, size_t n)
{
	out[0] = '\0';
	const char *env = getenv("SB_PROMPTS_DIR");
	if (env && env[0]) {
		snprintf(out, n, "%s", env);
		return;
	}
	char exe[256];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(out, n, "%s/prompts", exe) < (int)n && access(out, R_OK) == 0)
				return; /* the build directory */
			/* installed: <prefix>/bin/switchboard, <prefix>/share/switchboard/prompts
			 * (also when the tree was moved, or installed with --destdir) */
			if (snprintf(out, n, "%s/../share/switchboard/prompts", exe) < (int)n &&
			    access(out, R_OK) == 0)
				return;
		}
	}
	snprintf(out, n, "%s/switchboard/prompts", SB_DATADIR); /* meson's <datadir> */
}

/* The file of a prompt in the caller's language (else the default, else English). */
static bool prompt_path(struct tivr *v, const char *name, char *out, size_t n)
{
	const char *langs[] = {v->lang, v->deflang, "en"};
	for (unsigned i = 0; i < 3; i++)
		if (langs[i][0] && sound_file(v->ti, langs[i], name, out, n))
			return true;
	return false;
}

/* ---------- contact attributes ---------- */

static const struct store_stmt s_attr = {
    "ivr.contact_attr",
    "UPDATE contacts SET attributes = json_set(CASE WHEN json_valid(attributes) THEN attributes"
    " ELSE '{}' END, $2, json($3)), updated_at = $4"
    " WHERE id = (SELECT max(id) FROM contacts WHERE call_id = $1)",
    NULL};

/* Sets attributes.<key> = json on the call's newest contact record (after the center's own writes).
 */
static void set_attr(struct tel_ivr *ti, uint64_t call, const char *key, const char *json)
{
	if (!ti->st || !call)
		return;
	char path[64];
	snprintf(path, sizeof(path), "$.%s", key);
	struct store_job *job;
	if (store_job_alloc(&job) != 0)
		return;
	struct store_value v[] = {store_int((int64_t)call), store_text(path), store_text(json),
				  store_int(now_ms(ti))};
	if (store_job_add(job, &s_attr, v, 4, 0) != 0 || store_write(ti->st, job, NULL, NULL) != 0)
		store_job_free(job);
}

static void set_attr_str(struct tel_ivr *ti, uint64_t call, const char *key, const char *s)
{
	char j[80];
	snprintf(j, sizeof(j), "\"%s\"", s); /* tags and numbers only: nothing to escape */
	set_attr(ti, call, key, j);
}

static void set_attr_int(struct tel_ivr *ti, uint64_t call, const char *key, int64_t i)
{
	char j[32];
	snprintf(j, sizeof(j), "%" PRId64, i);
	set_attr(ti, call, key, j);
}

/* ---------- time zones ---------- */

/* Runs fn with TZ set to zone (the center does the same for its local midnight). */
static void with_zone(const char *zone, void (*fn)(void *arg), void *arg)
{
	const char *old = getenv("TZ");
	char *saved = old ? sb_strdup(old) : NULL;
	setenv("TZ", zone && zone[0] ? zone : "UTC", 1);
	tzset();
	fn(arg);
	if (saved) {
		setenv("TZ", saved, 1);
		sb_free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

struct zone_job {
	int64_t now;
	bool table; /* also the offsets over the coming months (for the next opening) */
	struct ivr_local local;
	struct ivr_zone zone;
};

static int32_t offset_at(int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&s, &tm);
	return (int32_t)(tm.tm_gmtoff / 60);
}

/* Local time now, and the zone's offsets over the coming 400 days (changes found by bisection). */
static void zone_fill(void *arg)
{
	struct zone_job *z = arg;
	time_t s = (time_t)(z->now / 1000);
	struct tm tm;
	localtime_r(&s, &tm);
	z->local.date = (struct ivr_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	z->local.wday = tm.tm_wday;
	z->local.minute = tm.tm_hour * 60 + tm.tm_min;
	if (!z->table)
		return;
	z->zone.n = 1;
	z->zone.p[0] = (struct ivr_zone_period){z->now, offset_at(z->now)};
	const int64_t day = 86400000;
	for (int64_t a = z->now; a < z->now + 400 * day && z->zone.n < IVR_ZONE_MAX; a += day) {
		int32_t oa = offset_at(a), ob = offset_at(a + day);
		if (oa == ob)
			continue;
		int64_t lo = a, hi = a + day; /* offset(lo) = oa, offset(hi) = ob */
		while (hi - lo > 1000) {
			int64_t mid = lo + (hi - lo) / 2;
			if (offset_at(mid) == oa)
				lo = mid;
			else
				hi = mid;
		}
		z->zone.p[z->zone.n++] = (struct ivr_zone_period){hi, ob};
	}
}

static const char *site_zone(struct tel_ivr *ti, int64_t site_id)
{
	const struct center_site *s = center_site(ti->t->c, site_id);
	if (!s)
		s = center_site_at(ti->t->c, 0);
	return s && s->time_zone[0] ? s->time_zone : "UTC";
}

static struct qstate *qstate(struct tel_ivr *ti, uint32_t queue)
{
	return idmap_get(&ti->queues, queue);
}

/* Is the queue open now? *open_at: when it opens next (now when open). */
static bool queue_open(struct tel_ivr *ti, uint32_t queue, int64_t *open_at)
{
	int64_t now = now_ms(ti);
	*open_at = now;
	struct qstate *qs = qstate(ti, queue);
	const struct center_queue *q = center_queue(ti->t->c, queue);
	if (!qs || !qs->has_hours || !q)
		return true;
	struct zone_job z = {.now = now};
	with_zone(site_zone(ti, q->site_id), zone_fill, &z);
	if (ivr_hours_open(&qs->hours, &z.local))
		return true;
	z.table = true; /* closed: when does it open? (exact across a DST change) */
	with_zone(site_zone(ti, q->site_id), zone_fill, &z);
	if (ivr_hours_next_open(&qs->hours, &z.zone, now, open_at) != 0)
		*open_at = INT64_MAX; /* never opens */
	return false;
}

/* ---------- the prompt queue ---------- */

static void pq_add(struct tivr *v, const char *name, enum owner owner)
{
	if (v->q_len == PQ_MAX)
		return;
	struct pq *e = &v->q[v->q_len];
	e->file[0] = '\0';
	e->owner = owner;
	if (name && !prompt_path(v, name, e->file, sizeof(e->file))) {
		if (owner == O_NONE)
			return; /* a prompt we do not have: said as nothing */
		e->file[0] = '\0';
	}
	v->q_len++;
}

static void pq_pop(struct tivr *v)
{
	if (!v->q_len)
		return;
	memmove(v->q, v->q + 1, (v->q_len - 1) * sizeof(v->q[0]));
	v->q_len--;
}

/* Stops what plays and forgets the queue (no completions). */
static void pq_clear(struct tivr *v)
{
	if (v->playing && v->tc->caller.media)
		media_stop(v->tc->caller.media);
	v->playing = false;
	v->play_done = false;
	v->q_len = 0;
}

static void say_number(struct tivr *v, uint32_t n)
{
	char name[32];
	if (n <= 20 || (n < 100 && n % 10 == 0)) {
		snprintf(name, sizeof(name), "digits/%u", n);
		pq_add(v, name, O_NONE);
	} else if (n < 100) {
		snprintf(name, sizeof(name), "digits/%u", n / 10 * 10);
		pq_add(v, name, O_NONE);
		snprintf(name, sizeof(name), "digits/%u", n % 10);
		pq_add(v, name, O_NONE);
	} else {
		char d[16];
		snprintf(d, sizeof(d), "%u", n);
		for (const char *p = d; *p; p++) {
			snprintf(name, sizeof(name), "digits/%c", *p);
			pq_add(v, name, O_NONE);
		}
	}
}

/* ---------- per-call state ---------- */

static void on_v_timer(void *arg);

static void on_dtmf(void *arg, char digit);
static void vm_end(struct tivr *v, const char *reason);
static void voicemail(struct tivr *v, uint32_t queue, const char *prompt, int64_t max_ms,
		      bool menu);

static struct tivr *v_get(struct tel_ivr *ti, struct tcall *tc)
{
	if (tc->ivr)
		return tc->ivr;
	struct tivr *v = sb_zalloc(sizeof(*v));
	if (!v)
		return NULL;
	if (evl_timer_alloc(&v->timer) != 0) {
		sb_free(v);
		return NULL;
	}
	v->tc = tc;
	v->ti = ti;
	snprintf(v->lang, sizeof(v->lang), "en");
	snprintf(v->deflang, sizeof(v->deflang), "en");
	tc->ivr = v;
	if (tc->caller.media)
		media_leg_on_dtmf(tc->caller.media, on_dtmf, v);
	return v;
}

static void menu_unref(struct tel_ivr *ti, struct menu_ent *e)
{
	(void)ti;
	if (!e || --e->refs)
		return;
	ivr_menu_clear(&e->m);
	sb_free(e->text);
	sb_free(e);
}

void tel_ivr_call_free(struct tcall *tc)
{
	struct tivr *v = tc->ivr;
	if (!v)
		return;
	tc->ivr = NULL;
	if (v->unentered)
		idmap_del(&v->ti->unentered, v->unentered);
	vm_end(v, "caller"); /* hung up while leaving a message: it is kept */
	if (tc->caller.media)
		media_leg_on_dtmf(tc->caller.media, NULL, NULL);
	evl_timer_free(v->timer);
	ivr_run_free(v->run);
	menu_unref(v->ti, v->menu);
	sb_free(v);
}

/* Hangs the caller up and lets the call go (v is freed with it when nothing else holds it). */
static void v_hangup_now(struct tivr *v)
{
	struct tcall *tc = v->tc;
	struct telephony *t = v->ti->t;
	if (tc->caller.sip)
		sipx_leg_hangup(tc->caller.sip);
	tel_leg_clear(&tc->caller);
	if (tc->id && !tc->caller_gone && v->mode != M_SURVEY && v->mode != M_LEAVING) {
		tc->caller_gone = true;
		center_call_hangup(t->c, tc->id, ACD_SIDE_CALLER);
	}
	tel_ivr_call_free(tc);
	tel_call_maybe_free(tc);
}

static void v_rearm(struct tivr *v)
{
	int64_t next = INT64_MAX;
	if (v->run)
		next = ivr_run_next_deadline(v->run);
	if (v->ann_on) {
		int64_t d = ivr_ann_next_deadline(&v->ann);
		next = d < next ? d : next;
	}
	if (v->entry_on) {
		int64_t d = ivr_entry_next_deadline(&v->entry);
		next = d < next ? d : next;
	}
	if (v->survey_deadline && v->survey_deadline < next)
		next = v->survey_deadline;
	if (v->vm && v->vm_poll < next)
		next = v->vm_poll;
	if (v->play_done || v->survey_pending)
		next = 0;
	if (next == INT64_MAX) {
		evl_timer_cancel(v->timer);
		return;
	}
	int64_t now = now_ms(v->ti);
	evl_timer_start(v->timer, next > now ? (uint64_t)(next - now) : 0, on_v_timer, v);
}

/* ---------- entering a queue ---------- */

static void start_entry(struct tivr *v, uint32_t queue, int64_t open_at);
static void request_callback(struct tivr *v, uint32_t queue, const char *number, int64_t open_at);

static void after_hours(struct tivr *v, uint32_t queue, int64_t open_at, int depth);

static void start_announcer(struct tivr *v, const struct center_queue *q)
{
	const struct center_site *s = center_site(v->ti->t->c, q->site_id);
	if (!s)
		s = center_site_at(v->ti->t->c, 0);
	struct phone_plan plan = {s ? s->country_code : "1", s ? s->trunk_prefix : "0",
				  s ? s->intl_prefix : "00"};
	struct ivr_ann_params p;
	ivr_ann_params_default(&p, &plan);
	p.first_ms = q->announce_ms;
	p.interval_ms = q->announce_ms;
	p.number_timeout_ms = 5000;
	const char *caller = v->tc->number[0] == '+' ? v->tc->number : NULL;
	if (ivr_ann_init(&v->ann, &p, caller, now_ms(v->ti)) == 0)
		v->ann_on = true;
}

/* Music, the language on the contact record, announcements. */
static void queued(struct tivr *v, uint32_t queue)
{
	struct telephony *t = v->ti->t;
	v->mode = M_QUEUED;
	v->queue = queue;
	if (t->moh && v->tc->caller.media)
		media_play(v->tc->caller.media, t->moh);
	const struct center_queue *q = center_queue(t->c, queue);
	if (q && q->announce_ms > 0)
		start_announcer(v, q);
}

static void enter_queue(struct tivr *v, uint32_t queue, int depth)
{
	struct tel_ivr *ti = v->ti;
	struct telephony *t = ti->t;
	struct tcall *tc = v->tc;
	const struct center_queue *q = center_queue(t->c, queue);
	if (!q || !q->active || depth > ENTER_MAX_DEPTH) {
		pq_add(v, P_SORRY, O_NONE);
		pq_add(v, NULL, O_HANGUP);
		v->mode = M_LEAVING;
		return;
	}
	int64_t open_at;
	if (!queue_open(ti, queue, &open_at)) {
		after_hours(v, queue, open_at, depth + 1);
		return;
	}
	struct center_call_info info = {
	    .queue_id = q->id,
	    .customer_number = tc->number[0] ? tc->number : NULL,
	    .system_number = v->dialled,
	};
	uint64_t call_id = 0;
	enum acd_refusal refused = ACD_REFUSED_NONE;
	t->entering = tc;
	int err = center_call_enter(t->c, &info, &call_id, &refused);
	t->entering = NULL;
	if (err || refused != ACD_REFUSED_NONE) {
		if (tc->id)
			idmap_del(&t->calls, tc->id);
		tc->id = 0;
		pq_add(v, P_BUSY, O_NONE);
		pq_add(v, NULL, O_HANGUP);
		v->mode = M_LEAVING;
		return;
	}
	if (tc->id != call_id) {
		if (tc->id)
			idmap_del(&t->calls, tc->id);
		tc->id = call_id;
		idmap_put(&t->calls, call_id, tc);
	}
	if (v->unentered) { /* telephony.c's map holds it now */
		idmap_del(&ti->unentered, v->unentered);
		v->unentered = 0;
	}
	set_attr_str(ti, call_id, "language", v->lang);
	queued(v, queue);
}

static void after_hours(struct tivr *v, uint32_t queue, int64_t open_at, int depth)
{
	struct qstate *qs = qstate(v->ti, queue);
	const struct ivr_after *a = qs ? &qs->hours.after : NULL;
	v->mode = M_LEAVING;
	switch (a ? a->kind : IVR_AFTER_MESSAGE) {
	case IVR_AFTER_QUEUE:
		enter_queue(v, a->queue, depth);
		return;
	case IVR_AFTER_CALLBACK:
		if (a->prompt[0])
			pq_add(v, a->prompt, O_NONE);
		if (open_at == INT64_MAX)
			break;
		if (v->tc->number[0] == '+')
			request_callback(v, queue, v->tc->number, open_at);
		else
			start_entry(v, queue, open_at);
		return;
	case IVR_AFTER_RECORD:
		voicemail(v, queue, a->prompt, a->max_ms, false);
		return;
	case IVR_AFTER_MESSAGE:
	default:
		break;
	}
	pq_add(v, a && a->prompt[0] ? a->prompt : P_AFTER_HOURS, O_NONE);
	pq_add(v, P_GOODBYE, O_NONE);
	pq_add(v, NULL, O_HANGUP);
}

/* ---------- callbacks ---------- */

static struct cbreq *req_add(struct tel_ivr *ti, uint64_t id, uint64_t acd, uint32_t queue,
			     const char *number, const char *dialled)
{
	size_t len = strlen(number);
	if (len >= sizeof(((struct cbreq *)NULL)->number))
		return NULL; /* longer than any E.164 number: nothing to call back */
	struct cbreq *r = sb_zalloc(sizeof(*r));
	if (!r)
		return NULL;
	r->id = id;
	r->acd = acd;
	r->queue = queue;
	r->place = center_now(ti->t->c);
	memcpy(r->number, number, len + 1);
	snprintf(r->system_number, sizeof(r->system_number), "%s", dialled ? dialled : "");
	if (idmap_put(&ti->reqs, id, r) != 0) {
		sb_free(r);
		return NULL;
	}
	if (acd)
		idmap_put(&ti->by_acd, acd, r);
	return r;
}

/*
 * Open requests are kept in the store's callbacks table (the one the API's
 * /callbacks shows; rows with no created_by are the IVR's), kept up to date
 * (pending, dialing, done, failed) and made again at start: a restart does not
 * lose a promised callback, and erasing the customer cancels it.
 */
/*
 * The customer a number belongs to, as the desktop's screen pop finds them
 * (GET /customers?phone=: the exact E.164 number among the customers' phones,
 * within the queue's client when it has one): only when exactly one matches.
 */
#define CUSTOMER_OF(num, client)                                                                   \
	"(SELECT CASE WHEN count(DISTINCT p.customer_id) = 1 THEN min(p.customer_id) END"          \
	" FROM customer_phones p JOIN customers c ON c.id = p.customer_id WHERE p.e164 = " num     \
	" AND (" client " IS NULL OR c.client_id = " client "))"
static const struct store_stmt s_req_put = {
    "ivr.callback_put",
    "INSERT INTO callbacks (ivr_id, client_id, queue_id, customer_id, number, call_id,"
    " requested_at, due_at, max_attempts, status, notes, message_id, updated_at) VALUES ($1,"
    " $2, $3, " CUSTOMER_OF("$4", "$2") ", $4, $5, $6, $7, $8, 'pending', $10, $11, $9)"
					" ON CONFLICT (ivr_id) DO NOTHING",
    NULL};
/*
 * The row's own id is the table's (the API numbers its rows from it); the
 * scheduler's request id is kept in ivr_id (schema version 12), so neither
 * can take the other's number.
 */
#define REQ_STATUS_SET                                                                             \
	"UPDATE callbacks SET status = $2,"                                                        \
	" attempts = CASE WHEN $3 > 0 THEN $3 ELSE attempts END,"                                  \
	" last_attempt_at = CASE WHEN $3 > 0 THEN $4 ELSE last_attempt_at END,"                    \
	" contact_id = COALESCE((SELECT max(id) FROM contacts WHERE call_id = $5), contact_id),"   \
	" updated_at = $4 WHERE "
static const struct store_stmt s_req_status = {
    "ivr.callback_status", REQ_STATUS_SET "ivr_id = $1 AND status IN ('pending', 'dialing')", NULL};
static const struct store_stmt s_row_status = {
    "ivr.callback_row_status", REQ_STATUS_SET "id = $1 AND status IN ('pending', 'dialing')", NULL};
/* The row names the ACD call that places it (GET /me/call shows the agent its notes). */
static const struct store_stmt s_req_call = {
    "ivr.callback_call", "UPDATE callbacks SET call_id = $2, updated_at = $3 WHERE ivr_id = $1",
    NULL};
static const struct store_stmt s_row_call = {
    "ivr.callback_row_call", "UPDATE callbacks SET call_id = $2, updated_at = $3 WHERE id = $1",
    NULL};
static const struct store_stmt q_reqs = {
    "ivr.callbacks",
    "SELECT ivr_id, queue_id, number, requested_at, attempts, max_attempts FROM callbacks"
    " WHERE created_by IS NULL AND ivr_id IS NOT NULL"
    " AND status IN ('pending', 'dialing') AND number IS NOT NULL ORDER BY requested_at",
    NULL};

static void cb_params(struct tel_ivr *ti, uint32_t queue, struct ivr_cb_params *p);

static void req_store(struct tel_ivr *ti, const struct store_stmt *st, struct store_value *v,
		      unsigned n)
{
	struct store_job *job;
	if (!ti->st || store_job_alloc(&job) != 0)
		return;
	if (store_job_add(job, st, v, n, 0) != 0 || store_write(ti->st, job, NULL, NULL) != 0)
		store_job_free(job);
}

/* notes: the row's notes for the agents (NULL: none); message: the voicemail's contact (0: none) */
static void req_persist(struct tel_ivr *ti, const struct cbreq *r, int64_t open_at,
			const char *notes, int64_t message)
{
	const struct center_queue *q = center_queue(ti->t->c, r->queue);
	struct ivr_cb_params p;
	cb_params(ti, r->queue, &p);
	struct store_value v[] = {
	    store_int((int64_t)r->id),
	    q && q->client_id ? store_int(q->client_id) : store_null(),
	    store_int(r->queue),
	    store_text(r->number),
	    r->acd ? store_int((int64_t)r->acd) : store_null(),
	    store_int(r->place),
	    store_int(open_at),
	    store_int(r->max ? r->max : p.attempts),
	    store_int(now_ms(ti)),
	    notes ? store_text(notes) : store_null(),
	    message ? store_int(message) : store_null(),
	};
	req_store(ti, &s_req_put, v, 11);
}

/* pending, dialing (attempt > 0: that attempt starts), done, failed, cancelled */
static void req_status(struct tel_ivr *ti, uint64_t id, const char *status, uint32_t attempt,
		       uint64_t call)
{
	struct cbreq *r = idmap_get(&ti->reqs, id);
	bool api_row = r && r->row; /* scheduled through the API: known by its row */
	struct store_value v[] = {store_int((int64_t)(api_row ? r->row : id)), store_text(status),
				  store_int(attempt), store_int(now_ms(ti)),
				  store_int((int64_t)call)};
	req_store(ti, api_row ? &s_row_status : &s_req_status, v, 5);
}

static void req_forget(struct tel_ivr *ti, uint64_t id)
{
	req_status(ti, id, "cancelled", 0, 0); /* unless already done or failed */
	struct cbreq *r = idmap_del(&ti->reqs, id);
	if (!r)
		return;
	if (r->acd && idmap_get(&ti->by_acd, r->acd) == r)
		idmap_del(&ti->by_acd, r->acd);
	sb_free(r);
}

static void cb_params(struct tel_ivr *ti, uint32_t queue, struct ivr_cb_params *p)
{
	const struct center_queue *q = center_queue(ti->t->c, queue);
	p->attempts = q && q->acd.callback_attempts ? q->acd.callback_attempts : 3;
	p->retry_ms = q ? q->acd.callback_retry_ms : 300000;
	p->ring_ms = CB_RING_MS;
	p->routing_keeps_place = true; /* the ACD keeps it (acd_callback_failed) */
}

/*
 * A callback for a caller who is not waiting in the queue (a menu's choice,
 * after hours): the scheduler routes it now or when the queue opens.
 */
static void request_callback(struct tivr *v, uint32_t queue, const char *number, int64_t open_at)
{
	struct tel_ivr *ti = v->ti;
	struct ivr_cb_params p;
	cb_params(ti, queue, &p);
	uint64_t id = CB_ID_BASE + ++ti->next_req;
	int64_t now = now_ms(ti);
	struct cbreq *r = req_add(ti, id, 0, queue, number, v->dialled);
	if (r)
		r->max = p.attempts; /* the count its row says */
	if (!r || ivr_cb_request(ti->cb, id, queue, number, &p, open_at, false, now) != 0) {
		req_forget(ti, id);
		pq_add(v, P_SORRY, O_NONE);
	} else {
		req_persist(ti, r, open_at, NULL, 0);
		pq_add(v, P_THANKS, O_NONE);
		cb_kick(ti);
	}
	pq_add(v, P_GOODBYE, O_NONE);
	pq_add(v, NULL, O_HANGUP);
	v->mode = M_LEAVING;
}

static void start_entry(struct tivr *v, uint32_t queue, int64_t open_at)
{
	const struct center_queue *q = center_queue(v->ti->t->c, queue);
	const struct center_site *s = q ? center_site(v->ti->t->c, q->site_id) : NULL;
	if (!s)
		s = center_site_at(v->ti->t->c, 0);
	struct ivr_entry_params p = {
	    .plan = {s ? s->country_code : "1", s ? s->trunk_prefix : "0",
		     s ? s->intl_prefix : "00"},
	    .tries = 3,
	    .timeout_ms = 5000,
	};
	if (ivr_entry_start(&v->entry, &p, now_ms(v->ti)) != 0) {
		pq_add(v, P_SORRY, O_NONE);
		pq_add(v, NULL, O_HANGUP);
		v->mode = M_LEAVING;
		return;
	}
	v->entry_on = true;
	v->entry_queue = queue;
	v->entry_open_at = open_at;
	v->mode = M_ENTRY;
}

/* The caller waiting in the queue asked for a callback to number: the ACD keeps their place. */
static void queued_callback(struct tivr *v, const char *number)
{
	struct tel_ivr *ti = v->ti;
	struct tcall *tc = v->tc;
	v->ann_on = false;
	pq_clear(v);
	v->cb_asked = true;
	if (center_call_callback(ti->t->c, tc->id) != 0) {
		/* being offered to an agent right now: stay in the queue */
		v->cb_asked = false;
		if (ti->t->moh && tc->caller.media)
			media_play(tc->caller.media, ti->t->moh);
		return;
	}
	tc->caller_gone = true; /* the ACD holds the callback now: hanging up is not an abandon */
	struct ivr_cb_params p;
	cb_params(ti, v->queue, &p);
	int64_t now = now_ms(ti);
	struct cbreq *r = req_add(ti, tc->id, tc->id, v->queue, number, v->dialled);
	if (r && ivr_cb_request(ti->cb, tc->id, v->queue, number, &p, now, true, now) == 0) {
		req_persist(ti, r, now, NULL, 0);
		set_attr_str(ti, tc->id, "callback_number", number);
		set_attr_int(ti, tc->id, "callback_requested_at", now);
	} else {
		req_forget(ti, tc->id);
	}
	snprintf(v->cb_number, sizeof(v->cb_number), "%s", number);
	pq_add(v, P_THANKS, O_NONE);
	pq_add(v, P_GOODBYE, O_NONE);
	pq_add(v, NULL, O_HANGUP);
	v->mode = M_LEAVING;
	cb_kick(ti);
}

/* ---------- voicemail ---------- */

/*
 * A message: the prompt, a beep, then what the caller says goes into a mono
 * WAV file <data>/recordings/messages/YYYY/MM/DD/<contact>.wav until '#',
 * VM_SILENCE_MS without sound, the longest message or the caller's hang-up.
 * The message is a contact record of its own (the queue, the caller's
 * number, recording_ref, attributes.kind = "voicemail").
 */
static void voicemail(struct tivr *v, uint32_t queue, const char *prompt, int64_t max_ms, bool menu)
{
	v->vm_menu = menu;
	v->vm_queue = queue;
	v->vm_max_ms = max_ms > 0 ? max_ms : VM_MAX_MS;
	if (!menu)
		pq_add(v, prompt && prompt[0] ? prompt : P_VM_INTRO, O_NONE);
	pq_add(v, P_BEEP, O_NONE);
	pq_add(v, NULL, O_REC_START);
}

/* After the message (or when it could not be recorded): the menu goes on, or thanks and goodbye. */
static void vm_after(struct tivr *v, bool saved)
{
	if (v->vm_menu && v->run) {
		v->vm_thank = saved; /* said after the runner's next step stops what plays */
		v->mode = M_MENU;
		ivr_run_record_done(v->run, now_ms(v->ti));
		return;
	}
	if (saved)
		pq_add(v, P_VM_SAVED, O_NONE);
	v->mode = M_LEAVING;
	pq_add(v, P_GOODBYE, O_NONE);
	pq_add(v, NULL, O_HANGUP);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void vm_begin(struct tivr *v)
{
	struct tel_ivr *ti = v->ti;
	struct telephony *t = ti->t;
	struct tcall *tc = v->tc;
	const char *data = t->cfg.data_dir;
	if (!data || !data[0] || !ti->st || !tc->caller.media) {
		vm_after(v, false); /* nowhere to keep it */
		return;
	}
	int64_t now = now_ms(ti);
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	v->vm_contact = center_contact_id(t->c);
	snprintf(v->vm_ref, sizeof(v->vm_ref), "recordings/messages/%04d/%02d/%02d/%" PRId64 ".wav",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, v->vm_contact);
	char path[512];
	if (snprintf(path, sizeof(path), "%s/%s", data, v->vm_ref) >= (int)sizeof(path) ||
	    media_rec_start_mono(&v->vm, path, tc->caller.media) != 0) {
		v->vm = NULL;
		vm_after(v, false);
		return;
	}
	struct media_leg_stats st;
	media_leg_stats(tc->caller.media, &st);
	v->vm_nonzero = st.rx_nonzero;
	const struct center_queue *q = center_queue(t->c, v->vm_queue);
	v->vm_qid = q ? q->id : 0;
	v->vm_client = q ? q->client_id : 0;
	struct ivr_cb_params cp;
	cb_params(ti, v->vm_queue, &cp);
	v->vm_attempts = cp.attempts;
	v->vm_mono = mono_ns();
	v->mode = M_RECORD;
	v->vm_start = now;
	v->vm_sound = now;
	v->vm_poll = now + VM_POLL_MS;
}

/* The message's record names the caller's customer (as the screen pop would). */
static const struct store_stmt s_vm_customer = {
    "ivr.vm_customer",
    "UPDATE contacts SET customer_id = " CUSTOMER_OF("$2", "$3") " WHERE id = $1"
								 " AND customer_id IS NULL",
    NULL};
/* A stopping daemon's message: its callback row, scheduled at the next start. */
static const struct store_stmt s_vm_cb_row = {
    "ivr.vm_callback_row",
    "INSERT INTO callbacks (ivr_id, client_id, queue_id, customer_id, number, requested_at,"
    " due_at, max_attempts, status, notes, message_id, updated_at) VALUES ($1, $2, $3,"
    " " CUSTOMER_OF("$4", "$2") ", $4, $5, $5, $6, 'pending', $7, $8, $5)"
				" ON CONFLICT (ivr_id) DO NOTHING",
    NULL};

/*
 * A message is work for the queue: a callback request for the caller's number
 * (an E.164 caller; an anonymous one has none to call) through the path the
 * IVR's callbacks take, listed in /callbacks with a note naming the message,
 * placed through the queue's routing now or when the queue opens.
 */
static void vm_callback(struct tivr *v, int64_t now)
{
	struct tel_ivr *ti = v->ti;
	const char *number = v->tc->number;
	if (!v->vm_qid || number[0] != '+')
		return;
	char notes[256];
	snprintf(notes, sizeof(notes), "voicemail waiting: contact %" PRId64 ", %s", v->vm_contact,
		 v->vm_ref);
	uint64_t id = CB_ID_BASE + ++ti->next_req;
	int64_t open_at = now;
	if (!ti->stopping)
		queue_open(ti, v->vm_queue, &open_at);
	if (ti->stopping || open_at == INT64_MAX) {
		/*
		 * Stopping (the center is closed): the next start schedules the row.
		 * A queue that never opens: a row without ivr_id, listed for people
		 * to handle (never placed by the IVR, nor cancelled at a restart).
		 */
		struct store_value val[] = {
		    ti->stopping ? store_int((int64_t)id) : store_null(),
		    v->vm_client ? store_int(v->vm_client) : store_null(),
		    store_int(v->vm_qid),
		    store_text(number),
		    store_int(now),
		    store_int(v->vm_attempts),
		    store_text(notes),
		    store_int(v->vm_contact),
		};
		req_store(ti, &s_vm_cb_row, val, 8);
		return;
	}
	struct ivr_cb_params p;
	cb_params(ti, v->vm_queue, &p);
	struct cbreq *r = req_add(ti, id, 0, v->vm_queue, number, v->dialled);
	if (!r)
		return;
	r->max = p.attempts;
	if (ivr_cb_request(ti->cb, id, v->vm_queue, number, &p, open_at, false, now) != 0) {
		req_forget(ti, id);
		return;
	}
	req_persist(ti, r, open_at, notes, v->vm_contact);
	cb_kick(ti);
}

/* Ends the message and writes its contact record; `reason`: key, silence, max, caller. */
static void vm_end(struct tivr *v, const char *reason)
{
	struct tel_ivr *ti = v->ti;
	struct tcall *tc = v->tc;
	if (!v->vm)
		return;
	media_rec_stop(v->vm);
	v->vm = NULL;
	/* not center_now(): telephony_stop runs after the center closed */
	int64_t now = v->vm_start + (mono_ns() - v->vm_mono) / 1000000;
	char attrs[160];
	snprintf(attrs, sizeof(attrs),
		 "{\"kind\":\"voicemail\",\"duration_ms\":%" PRId64
		 ",\"ended_by\":\"%s\",\"language\":\"%s\"}",
		 now - v->vm_start, reason, v->lang);
	struct store_contact c = {
	    .id = v->vm_contact,
	    .call_id = v->vm_contact, /* a call of its own, never in the ACD */
	    .client_id = v->vm_client,
	    .channel = "voice",
	    .direction = "inbound",
	    .initiation = "inbound",
	    .customer_number = tc->number[0] ? tc->number : NULL,
	    .system_number = v->dialled[0] ? v->dialled : NULL,
	    .queue_id = v->vm_qid,
	    .t_initiated = v->vm_start,
	    .t_connected = v->vm_start,
	    .t_disconnected = now,
	    .disconnect_reason = strcmp(reason, "caller") == 0 ? "caller" : "voicemail",
	    .recording_ref = v->vm_ref,
	    .attributes = attrs,
	    .updated_at = now,
	};
	struct store_value cv[] = {
	    store_int(v->vm_contact),
	    store_text(tc->number),
	    v->vm_client ? store_int(v->vm_client) : store_null(),
	};
	struct store_job *job;
	if (store_job_alloc(&job) != 0)
		return;
	if (store_job_contact_put(job, &c) != 0 ||
	    (tc->number[0] == '+' && store_job_add(job, &s_vm_customer, cv, 3, 0) != 0) ||
	    store_write(ti->st, job, NULL, NULL) != 0) {
		store_job_free(job);
		fprintf(stderr, "switchboard: voicemail %s: contact record not written\n",
			v->vm_ref);
		return;
	}
	vm_callback(v, now);
}

/* On the timer while recording: '#' aside, the message ends on silence or at its longest. */
static void vm_check(struct tivr *v, int64_t now)
{
	if (!v->vm || now < v->vm_poll)
		return;
	v->vm_poll = now + VM_POLL_MS;
	if (v->tc->caller.media) {
		struct media_leg_stats st;
		media_leg_stats(v->tc->caller.media, &st);
		if (st.rx_nonzero > v->vm_nonzero)
			v->vm_sound = now;
		v->vm_nonzero = st.rx_nonzero;
	}
	const char *reason = NULL;
	if (now - v->vm_start >= v->vm_max_ms)
		reason = "max";
	else if (now - v->vm_sound >= VM_SILENCE_MS)
		reason = "silence";
	if (reason) {
		vm_end(v, reason);
		vm_after(v, true);
	}
}

/* ---------- draining the machines ---------- */

/* A menu's "agent" choice: the caller is put through to the extension (tel_xfer.c), whose phone
 * rings ring_s seconds (the destination's ring_seconds; 0: tel_xfer.c's 20 s) before the fallback.
 */
static int agent_out(struct tivr *v, const char *extension, uint32_t fallback, uint32_t ring_s)
{
	struct telephony *t = v->ti->t;
	const struct center_queue *q = center_queue(t->c, v->num_queue);
	return tel_xfer_agent_out(t, v->tc, extension, fallback, v->dialled, q ? q->client_id : 0,
				  (int64_t)ring_s * 1000);
}

static void drive_run(struct tivr *v)
{
	struct ivr_action a;
	while (v->run && ivr_run_action(v->run, &a)) {
		if (a.lang)
			snprintf(v->lang, sizeof(v->lang), "%s", a.lang);
		if (v->vm_thank && a.kind != IVR_ACT_STOP) {
			v->vm_thank = false; /* after a message: "your message has been saved" */
			if (a.kind == IVR_ACT_PLAY || a.kind == IVR_ACT_RECORD)
				pq_add(v, P_VM_SAVED, O_NONE);
			else
				v->vm_thank = true; /* terminal: said after its pq_clear */
		}
		switch (a.kind) {
		case IVR_ACT_PLAY:
			pq_add(v, a.prompt, O_RUN);
			break;
		case IVR_ACT_STOP:
			pq_clear(v);
			break;
		case IVR_ACT_RECORD: /* the runner waits for ivr_run_record_done (vm_after) */
			voicemail(v, v->num_queue, NULL, a.max_ms, true);
			break;
		case IVR_ACT_QUEUE:
		case IVR_ACT_TRANSFER:
		case IVR_ACT_HANGUP:
		case IVR_ACT_AGENT:
		case IVR_ACT_CALLBACK: {
			uint32_t queue = a.queue, ring_s = a.ring_s;
			enum ivr_act_kind kind = a.kind;
			char number[IVR_NUMBER_MAX] = "";
			if (a.number)
				snprintf(number, sizeof(number), "%s", a.number);
			ivr_run_free(v->run);
			v->run = NULL;
			pq_clear(v);
			if (v->vm_thank)
				pq_add(v, P_VM_SAVED, O_NONE);
			v->vm_thank = false;
			if (kind == IVR_ACT_QUEUE) {
				enter_queue(v, queue, 0);
			} else if (kind == IVR_ACT_CALLBACK) {
				int64_t open_at;
				queue_open(v->ti, queue, &open_at);
				if (open_at == INT64_MAX) {
					after_hours(v, queue, open_at, 1);
				} else if (v->tc->number[0] == '+') {
					request_callback(v, queue, v->tc->number, open_at);
				} else {
					start_entry(v, queue, open_at);
				}
			} else if ((kind == IVR_ACT_TRANSFER &&
				    tel_xfer_out(v->ti->t, v->tc, number) == 0) ||
				   (kind == IVR_ACT_AGENT &&
				    agent_out(v, number, queue, ring_s) == 0)) {
				/* bridged to the outside call or the agent's phone (tel_xfer.c) */
				v->mode = M_LEAVING;
				v->hangup = true; /* lets the call go; its caller leg is not ours */
			} else if (kind == IVR_ACT_AGENT && queue) {
				enter_queue(v, queue,
					    0); /* the agent cannot take it: the fallback */
			} else {
				/* hang up; or no trunk, a bad number, the agent cannot take it */
				v->mode = M_LEAVING;
				if (kind == IVR_ACT_TRANSFER || kind == IVR_ACT_AGENT)
					pq_add(v, P_SORRY, O_NONE);
				pq_add(v, P_GOODBYE, O_NONE);
				pq_add(v, NULL, O_HANGUP);
			}
			return;
		}
		}
	}
}

static void drive_entry(struct tivr *v)
{
	struct ivr_entry_action a;
	while (v->entry_on && ivr_entry_action(&v->entry, &a)) {
		switch (a.kind) {
		case IVR_ENTRY_ASK:
			pq_clear(v);
			pq_add(v, P_ASK_NUMBER, O_NONE);
			pq_add(v, P_THEN_POUND, O_NONE);
			break;
		case IVR_ENTRY_INVALID:
			pq_add(v, P_BAD_NUMBER, O_NONE);
			pq_add(v, NULL, O_ENTRY_INVALID);
			break;
		case IVR_ENTRY_NUMBER:
			v->entry_on = false;
			pq_clear(v);
			request_callback(v, v->entry_queue, a.number, v->entry_open_at);
			return;
		case IVR_ENTRY_GIVE_UP:
		case IVR_ENTRY_CANCEL:
			v->entry_on = false;
			pq_clear(v);
			pq_add(v, P_GOODBYE, O_NONE);
			pq_add(v, NULL, O_HANGUP);
			v->mode = M_LEAVING;
			return;
		}
	}
}

static void drive_ann(struct tivr *v)
{
	struct tel_ivr *ti = v->ti;
	struct ivr_ann_action a;
	int64_t now = now_ms(ti);
	while (v->ann_on && ivr_ann_action(&v->ann, &a)) {
		switch (a.kind) {
		case IVR_ANN_DUE: {
			uint32_t pos = 0;
			int64_t ewt = -1;
			bool changed = false;
			if (acd_call_announce(center_acd(ti->t->c), v->tc->id, now, &pos, &ewt,
					      &changed) != 0 ||
			    pos == 0) {
				ivr_ann_skip(&v->ann, now);
				break;
			}
			struct qstate *qs = qstate(ti, v->queue);
			struct acd_queue_stats st;
			if (qs && acd_queue_stats(center_acd(ti->t->c), v->queue, &st) == 0)
				ewt =
				    ivr_ewt_estimate(&qs->ewt, pos, st.agents_logged_in, now, NULL);
			ivr_ann_announce(&v->ann, pos, ewt, now);
			break;
		}
		case IVR_ANN_STOP_MUSIC:
			break; /* the first prompt replaces the music */
		case IVR_ANN_POSITION:
			if (a.position <= 1) {
				pq_add(v, P_NEXT, O_NONE);
			} else {
				pq_add(v, P_THERE_ARE, O_NONE);
				say_number(v, a.position - 1);
				pq_add(v, P_WAITING, O_NONE);
			}
			break;
		case IVR_ANN_WAIT:
			pq_add(v, P_HOLDTIME, O_NONE);
			if (a.less_than) {
				pq_add(v, P_LESS_THAN, O_NONE);
				say_number(v, 1);
				pq_add(v, P_MINUTE, O_NONE);
			} else {
				say_number(v, a.minutes);
				pq_add(v, a.minutes == 1 ? P_MINUTE : P_MINUTES, O_NONE);
			}
			break;
		case IVR_ANN_OFFER: {
			char d[16];
			snprintf(d, sizeof(d), "digits/%c", a.key);
			pq_add(v, P_PRESS, O_NONE);
			pq_add(v, d, O_NONE);
			pq_add(v, P_CALLBACK, O_NONE);
			break;
		}
		case IVR_ANN_END:
			pq_add(v, NULL, O_ANN_END);
			break;
		case IVR_ANN_MUSIC:
			pq_add(v, NULL, O_MUSIC);
			break;
		case IVR_ANN_ASK_NUMBER:
			pq_clear(v);
			pq_add(v, P_ASK_NUMBER, O_NONE);
			pq_add(v, P_THEN_POUND, O_NONE);
			break;
		case IVR_ANN_NUMBER_INVALID:
			pq_add(v, P_BAD_NUMBER, O_NONE);
			pq_add(v, NULL, O_ANN_INVALID);
			break;
		case IVR_ANN_CALLBACK:
			queued_callback(v, a.number);
			return;
		}
	}
}

static void drive(struct tivr *v)
{
	drive_run(v);
	drive_entry(v);
	drive_ann(v);
}

/* A prompt (or marker) at the head of the queue is over. */
static void completed(struct tivr *v, enum owner o)
{
	int64_t now = now_ms(v->ti);
	switch (o) {
	case O_NONE:
		break;
	case O_RUN:
		if (v->run)
			ivr_run_prompt_done(v->run, now);
		break;
	case O_ANN_END:
	case O_ANN_INVALID:
		if (v->ann_on)
			ivr_ann_prompts_done(&v->ann, now);
		break;
	case O_ENTRY_INVALID:
		if (v->entry_on)
			ivr_entry_prompt_done(&v->entry, now);
		break;
	case O_HANGUP:
		v->hangup = true;
		break;
	case O_SURVEY_WAIT:
		if (v->mode == M_SURVEY && !v->survey_deadline)
			v->survey_deadline = now + SURVEY_WAIT_MS;
		break;
	case O_REC_START:
		vm_begin(v);
		break;
	case O_MUSIC:
		if (v->ti->t->moh && v->tc->caller.media && v->mode == M_QUEUED)
			media_play(v->tc->caller.media, v->ti->t->moh);
		break;
	}
}

static void on_play_done(void *arg)
{
	struct tivr *v = arg;
	v->play_done = true; /* handled on the loop, off the media clock */
	evl_timer_start(v->timer, 0, on_v_timer, v);
}

/* Drains the machines and starts the next prompt; hangs up when told to (v may be gone after). */
static void v_settle(struct tivr *v)
{
	for (unsigned guard = 0; guard < 4 * PQ_MAX; guard++) {
		drive(v);
		if (v->hangup || v->playing || !v->q_len)
			break;
		struct pq *e = &v->q[0];
		if (e->file[0] && v->tc->caller.media &&
		    media_play_once(v->tc->caller.media, e->file, on_play_done, v) == 0) {
			v->playing = true;
			break;
		}
		enum owner o = e->owner;
		pq_pop(v);
		completed(v, o);
	}
	if (v->hangup) {
		v_hangup_now(v);
		return;
	}
	v_rearm(v);
}

static void start_survey(struct tivr *v)
{
	v->survey_pending = false;
	v->mode = M_SURVEY;
	struct tcall *tc = v->tc;
	while (tc->n_agents) { /* the agent left from the desktop: their phone too */
		struct tleg *l = tc->agents[tc->n_agents - 1];
		sipx_leg_hangup(l->sip);
		tel_drop_agent_leg(tc, l);
	}
	pq_clear(v);
	pq_add(v, P_SURVEY, O_NONE);
	pq_add(v, P_PRESS, O_NONE);
	pq_add(v, NULL, O_SURVEY_WAIT);
}

static void on_v_timer(void *arg)
{
	struct tivr *v = arg;
	int64_t now = now_ms(v->ti);
	if (v->play_done) {
		v->play_done = false;
		if (v->playing) {
			v->playing = false;
			enum owner o = v->q_len ? v->q[0].owner : O_NONE;
			pq_pop(v);
			completed(v, o);
		}
	}
	if (v->survey_pending)
		start_survey(v);
	if (v->run)
		ivr_run_advance(v->run, now);
	if (v->ann_on)
		ivr_ann_advance(&v->ann, now);
	if (v->entry_on)
		ivr_entry_advance(&v->entry, now);
	vm_check(v, now);
	if (v->survey_deadline && now >= v->survey_deadline && v->mode == M_SURVEY) {
		/* no rating: goodbye */
		v->survey_deadline = 0;
		v->mode = M_LEAVING;
		pq_clear(v);
		pq_add(v, P_GOODBYE, O_NONE);
		pq_add(v, NULL, O_HANGUP);
	}
	v_settle(v);
}

static void digit(struct tivr *v, char key)
{
	int64_t now = now_ms(v->ti);
	switch (v->mode) {
	case M_MENU:
		if (v->run)
			ivr_run_digit(v->run, key, now);
		break;
	case M_ENTRY:
		if (v->entry_on)
			ivr_entry_digit(&v->entry, key, now);
		break;
	case M_QUEUED:
		if (v->ann_on)
			ivr_ann_digit(&v->ann, key, now);
		break;
	case M_RECORD:
		if (key == '#') {
			vm_end(v, "key");
			vm_after(v, true);
		}
		break;
	case M_SURVEY:
		if (key >= '1' && key <= '5') {
			set_attr_int(v->ti, v->tc->id, "survey", key - '0');
			v->survey_deadline = 0;
			v->mode = M_LEAVING;
			pq_clear(v);
			pq_add(v, P_THANKS, O_NONE);
			pq_add(v, P_GOODBYE, O_NONE);
			pq_add(v, NULL, O_HANGUP);
		}
		break;
	default:
		return;
	}
	v_settle(v);
}

static void on_dtmf(void *arg, char d)
{
	digit(arg, d);
}

/* ---------- hooks from telephony.c ---------- */

static void normalise_caller(struct telephony *t, struct tcall *tc, const char *from,
			     int64_t site_id)
{
	const struct center_site *site = center_site(t->c, site_id);
	if (!site)
		site = center_site_at(t->c, 0);
	char e164[PHONE_E164_MAX];
	const char *customer = from && from[0] ? from : NULL;
	if (customer && strcmp(customer, "anonymous") == 0)
		customer = NULL;
	if (customer && site) {
		struct phone_plan plan = {site->country_code, site->trunk_prefix,
					  site->intl_prefix};
		if (phone_normalize(customer, &plan, e164, sizeof(e164)) == 0)
			customer = e164;
	}
	snprintf(tc->number, sizeof(tc->number), "%s", customer ? customer : "");
}

static struct menu_ent *find_menu(struct tel_ivr *ti, const char *number)
{
	for (unsigned i = 0; i < ti->n_menus; i++)
		if (strcmp(ti->menus[i]->number, number) == 0)
			return ti->menus[i];
	return NULL;
}

bool tel_ivr_invite(struct telephony *t, struct tcall *tc, const struct sipx_invite *inv,
		    const struct center_number *num)
{
	struct tel_ivr *ti = t->ivr;
	if (!ti)
		return false;
	struct menu_ent *menu = find_menu(ti, num->number);
	const struct center_queue *q = center_queue(t->c, num->queue_id);
	int64_t open_at = 0;
	bool closed = !menu && q && !queue_open(ti, (uint32_t)q->id, &open_at);
	if (!menu && !closed)
		return false;
	const struct center_client *cl = center_client(t->c, num->client_id);
	int64_t site = q ? q->site_id : cl ? cl->site_id : 0;
	normalise_caller(t, tc, inv->from_user, site);
	if (tel_answer_caller(t, tc, inv) != 0) {
		sipx_leg_reject(tc->caller.sip, 488, "Not acceptable here");
		tel_leg_clear(&tc->caller);
		tel_call_maybe_free(tc);
		return true;
	}
	struct tivr *v = v_get(ti, tc);
	if (!v) {
		sipx_leg_hangup(tc->caller.sip);
		tel_leg_clear(&tc->caller);
		tel_call_maybe_free(tc);
		return true;
	}
	v->site = site;
	v->num_queue = q ? (uint32_t)q->id : 0;
	if (idmap_put(&ti->unentered, ++ti->next_unentered, tc) == 0)
		v->unentered = ti->next_unentered; /* freed at stop if still here */
	snprintf(v->dialled, sizeof(v->dialled), "%s", inv->ruri_user);
	if (menu) {
		snprintf(v->deflang, sizeof(v->deflang), "%s", menu->m.langs[0]);
		snprintf(v->lang, sizeof(v->lang), "%s", menu->m.langs[0]);
		if (ivr_run_alloc(&v->run, &menu->m, now_ms(ti)) == 0) {
			menu->refs++;
			v->menu = menu;
			v->mode = M_MENU;
		} else {
			v->mode = M_LEAVING;
			pq_add(v, P_SORRY, O_NONE);
			pq_add(v, NULL, O_HANGUP);
		}
	} else {
		after_hours(v, (uint32_t)q->id, open_at, 1);
	}
	v_settle(v);
	return true;
}

int tel_ivr_agent_fallback(struct telephony *t, struct tleg *caller, const char *number,
			   const char *dialled, uint32_t queue)
{
	struct tel_ivr *ti = t->ivr;
	if (!ti || ti->stopping || !caller->sip || !caller->media)
		return ENOTCONN;
	struct tcall *tc = sb_zalloc(sizeof(*tc));
	if (!tc)
		return ENOMEM;
	tc->t = t;
	struct tivr *v = v_get(ti, tc); /* no media yet: DTMF is hooked below */
	if (!v) {
		sb_free(tc);
		return ENOMEM;
	}
	/* the leg moves into the new call */
	tc->caller = *caller;
	memset(caller, 0, sizeof(*caller));
	tc->caller.call = tc;
	tc->caller.xfer = NULL;
	sipx_leg_set_arg(tc->caller.sip, &tc->caller);
	media_leg_set_arg(tc->caller.media, &tc->caller);
	media_leg_on_dtmf(tc->caller.media, on_dtmf, v);
	snprintf(tc->number, sizeof(tc->number), "%s", number ? number : "");
	snprintf(v->dialled, sizeof(v->dialled), "%s", dialled ? dialled : "");
	v->num_queue = queue;
	if (idmap_put(&ti->unentered, ++ti->next_unentered, tc) == 0)
		v->unentered = ti->next_unentered; /* freed at stop if still here */
	const struct center_queue *q = center_queue(t->c, queue);
	v->site = q ? q->site_id : 0;
	enter_queue(v, queue, 0);
	v_settle(v);
	return 0;
}

void tel_ivr_queued(struct telephony *t, struct tcall *tc)
{
	struct tel_ivr *ti = t->ivr;
	struct acd_call_info ci;
	if (!ti || !tc->id || acd_call_info(center_acd(t->c), tc->id, &ci) != 0)
		return;
	const struct center_queue *q = center_queue(t->c, ci.queue);
	if (!q || q->announce_ms <= 0)
		return;
	struct tivr *v = v_get(ti, tc);
	if (!v)
		return;
	v->mode = M_QUEUED;
	v->queue = ci.queue;
	start_announcer(v, q);
	v_settle(v);
}

/* The callback's turn: a call without a caller leg for the agent's phone to ring for. */
static struct tcall *cb_call(struct telephony *t, struct cbreq *r, uint64_t acd)
{
	struct tcall *tc = sb_zalloc(sizeof(*tc));
	if (!tc)
		return NULL;
	tc->t = t;
	tc->caller.call = tc;
	tc->id = acd;
	snprintf(tc->number, sizeof(tc->number), "%s", r->number);
	if (idmap_put(&t->calls, acd, tc) != 0) {
		sb_free(tc);
		return NULL;
	}
	return tc;
}

bool tel_ivr_event(struct telephony *t, const struct acd_event *ev)
{
	struct tel_ivr *ti = t->ivr;
	if (!ti)
		return false;
	struct tcall *tc = idmap_get(&t->calls, ev->call);
	struct cbreq *r = idmap_get(&ti->by_acd, ev->call);
	struct qstate *qs = qstate(ti, ev->queue);
	int64_t now = ev->time;
	switch (ev->type) {
	case ACD_EV_CALL_OFFER:
		if (!tc && r)
			cb_call(t, r, ev->call); /* telephony.c rings the agent */
		return false;
	case ACD_EV_CALL_CONNECT:
		if (qs)
			ivr_ewt_dequeue(&qs->ewt, now);
		if (tc && tc->ivr && tc->ivr->mode == M_QUEUED) {
			tc->ivr->ann_on = false;
			tc->ivr->mode = M_TALKING;
			tc->ivr->q_len = 0;
			tc->ivr->playing = false;
		}
		if (r && tc && tc->caller.sip && tc->ivr && tc->ivr->cb_asked) {
			/* the caller is still on the line, hearing the confirmation: they talk now
			 * (telephony.c bridges them; the prompt and the hang-up are dropped) */
			struct tivr *v = tc->ivr;
			v->q_len = 0;
			v->playing = false;
			v->hangup = false;
			v->mode = M_TALKING;
			tc->caller_gone = false;
			if (ivr_cb_turn(ti->cb, r->id, now_ms(ti)) == 0)
				ivr_cb_answered(ti->cb, r->id, now_ms(ti));
			cb_kick(ti);
		} else if (r && tc && !tc->caller.sip) {
			struct tivr *v = v_get(ti, tc);
			if (v) {
				v->req = r->id;
				v->mode = M_CB_DIAL;
			}
			if (ivr_cb_turn(ti->cb, r->id, now_ms(ti)) == 0)
				cb_kick(ti);
		}
		return false;
	case ACD_EV_CALL_COMPLETE_AGENT:
	case ACD_EV_CALL_COMPLETE_CALLER:
		if (qs)
			ivr_ewt_handled(&qs->ewt, ev->dur_ms + ev->hold_ms);
		if (r) {
			/* the agent or customer of a callback hung up: the request is over */
			struct ivr_cb_info info;
			if (ivr_cb_info(ti->cb, r->id, &info) == 0 && info.state == IVR_CB_DIALING)
				ivr_cb_cancel(ti->cb, r->id, now_ms(ti));
			req_forget(ti, r->id);
			return false;
		}
		if (ev->type == ACD_EV_CALL_COMPLETE_AGENT && qs && qs->survey && tc &&
		    tc->caller.sip && !tc->caller_gone && !tc->dial && !tc->x) {
			struct tivr *v = v_get(ti, tc);
			if (!v)
				return false;
			v->survey_pending = true;
			v->mode = M_SURVEY;
			evl_timer_start(v->timer, 0, on_v_timer, v);
			return true; /* the caller stays on */
		}
		return false;
	case ACD_EV_CALLBACK_REQUESTED:
		if (tc && tc->ivr && tc->ivr->cb_asked)
			return true; /* ours: the caller hears a confirmation, then we hang up */
		if (tc && !tc->caller.sip && ev->reason == 2)
			return true; /* a request routed as a callback (cb_route): nobody to hang up
				      */
		if (tc && !r && ev->reason == 1 && tc->number[0] == '+') {
			/* the ACD's overflow turned the caller into a callback: keep the number */
			struct ivr_cb_params p;
			cb_params(ti, ev->queue, &p);
			struct cbreq *nr =
			    req_add(ti, ev->call, ev->call, ev->queue, tc->number, "");
			if (nr && ivr_cb_request(ti->cb, ev->call, ev->queue, tc->number, &p,
						 now_ms(ti), true, now_ms(ti)) == 0)
				req_persist(ti, nr, now_ms(ti), NULL, 0);
			else
				req_forget(ti, ev->call);
			cb_kick(ti);
		}
		return false;
	case ACD_EV_CALLBACK_ATTEMPT_FAILED:
	case ACD_EV_CALLBACK_FAILED:
		/* the agent waited on the line for a customer who did not answer */
		if (tc)
			for (unsigned i = 0; i < tc->n_agents; i++)
				tel_defer(t, ACT_AGENT_OUT, ev->call, tc->agents[i]->agent);
		if (ev->type == ACD_EV_CALLBACK_FAILED && r)
			req_forget(ti, r->id);
		return true;
	case ACD_EV_CALL_TRANSFER:
		if (tc && tc->ivr && tc->ivr->mode == M_QUEUED)
			tc->ivr->ann_on = false;
		return false;
	default:
		return false;
	}
}

static enum ivr_cb_outcome outcome_of(uint16_t code)
{
	if (code == 486 || code == 600)
		return IVR_CB_BUSY;
	if (code == 408 || code == 480 || code == 487)
		return IVR_CB_NO_ANSWER;
	return IVR_CB_UNREACHABLE;
}

bool tel_ivr_caller_event(struct telephony *t, struct tcall *tc, const struct sipx_event_info *info)
{
	struct tel_ivr *ti = t->ivr;
	struct tivr *v = tc->ivr;
	if (!ti || !v)
		return false;
	switch (info->ev) {
	case SIPX_EV_INFO:
		digit(v, info->digit); /* v may be gone after */
		return true;
	case SIPX_EV_ANSWERED:
		if (v->mode != M_CB_DIAL)
			return false;
		if (media_leg_sdp_answer_in(tc->caller.media, info->sdp, info->sdp_len) != 0) {
			sipx_leg_hangup(tc->caller.sip);
			tel_leg_clear(&tc->caller);
			ivr_cb_no_answer(ti->cb, v->req, IVR_CB_UNREACHABLE, now_ms(ti));
		} else {
			v->mode = M_CB_TALK;
			for (unsigned i = 0; i < tc->n_agents; i++)
				if (tc->agents[i]->connected) {
					media_bridge(tc->caller.media, tc->agents[i]->media);
					break;
				}
			ivr_cb_answered(ti->cb, v->req, now_ms(ti));
		}
		cb_kick(ti);
		return true;
	case SIPX_EV_FAILED:
		if (v->mode != M_CB_DIAL)
			return false;
		tel_leg_clear(&tc->caller);
		ivr_cb_no_answer(ti->cb, v->req, outcome_of(info->code), now_ms(ti));
		cb_kick(ti);
		tel_call_maybe_free(tc);
		return true;
	case SIPX_EV_RINGING:
		return v->mode == M_CB_DIAL;
	default:
		return false;
	}
}

/* ---------- the callback scheduler ---------- */

static void cb_route(struct tel_ivr *ti, const struct ivr_cb_action *a)
{
	struct telephony *t = ti->t;
	struct cbreq *r = idmap_get(&ti->reqs, a->id);
	if (!r)
		return;
	int64_t open_at;
	if (!queue_open(ti, a->queue, &open_at)) {
		ivr_cb_route_refused(ti->cb, a->id, open_at, now_ms(ti));
		return;
	}
	struct tcall *tc = sb_zalloc(sizeof(*tc));
	if (!tc)
		return;
	tc->t = t;
	tc->caller.call = tc;
	snprintf(tc->number, sizeof(tc->number), "%s", r->number);
	struct center_call_info info = {
	    .queue_id = a->queue,
	    .customer_number = r->number,
	    .customer_id = r->customer,
	    .system_number = r->system_number[0] ? r->system_number : NULL,
	    .initiation = "callback",
	    .callback_place = r->place > 0   ? r->place
			      : a->place > 0 ? a->place
					     : now_ms(ti),
	    .callback_attempts = r->made,    /* the ACD's count goes on too */
	    .callback_max_attempts = r->max, /* and ends where the scheduler's does */
	};
	uint64_t id = 0;
	enum acd_refusal refused = ACD_REFUSED_NONE;
	t->entering = tc;
	int err = center_call_enter(t->c, &info, &id, &refused);
	t->entering = NULL;
	if (err || refused != ACD_REFUSED_NONE) {
		if (tc->id)
			idmap_del(&t->calls, tc->id);
		sb_free(tc);
		/* closed after all, full or no agent: try again in a minute */
		ivr_cb_route_refused(ti->cb, a->id,
				     refused == ACD_REFUSED_CLOSED ? open_at : now_ms(ti) + 60000,
				     now_ms(ti));
		return;
	}
	r->acd = id; /* it joined as a callback at its place (acd_call_enter_callback) */
	idmap_put(&ti->by_acd, id, r);
	struct store_value lv[] = {store_int((int64_t)(r->row ? r->row : r->id)),
				   store_int((int64_t)id), store_int(now_ms(ti))};
	req_store(ti, r->row ? &s_row_call : &s_req_call, lv, 3);
	set_attr_int(ti, id, "callback_requested_at", a->place);
	/* the call stays without legs until an agent is rung (an offer may be on its way) */
}

static void cb_dial(struct tel_ivr *ti, const struct ivr_cb_action *a)
{
	struct telephony *t = ti->t;
	struct cbreq *r = idmap_get(&ti->reqs, a->id);
	struct tcall *tc = r && r->acd ? idmap_get(&t->calls, r->acd) : NULL;
	if (tc && tc->caller.sip)
		return; /* the customer is on the line already (answered before the dial) */
	struct tleg *agent = NULL;
	for (unsigned i = 0; tc && i < tc->n_agents; i++)
		if (tc->agents[i]->connected)
			agent = tc->agents[i];
	char target[SIPX_URI_MAX], sdp[1024];
	size_t len = 0;
	int err = !agent || tc->caller.sip
		      ? ENOENT
		      : tel_number_target(t, a->number, target, sizeof(target));
	if (!err)
		err = media_leg_alloc(&tc->caller.media, t->media);
	if (!err) {
		media_leg_set_arg(tc->caller.media, &tc->caller);
		media_leg_prefer(tc->caller.media, media_leg_codec(agent->media));
		err = media_leg_sdp_offer(tc->caller.media, sdp, sizeof(sdp), &len);
	}
	if (!err) {
		struct sipx_call_params p = {
		    .target = target,
		    .to_user = a->number,
		    .from_user = r->system_number[0] ? r->system_number : "switchboard",
		    .from_name = "switchboard",
		    .sdp = sdp,
		    .sdp_len = len,
		    .timeout_s = CB_RING_MS / 1000 + 5,
		};
		err = sipx_call(&tc->caller.sip, t->sip, &p);
	}
	if (err) {
		if (tc)
			tel_leg_clear(&tc->caller);
		ivr_cb_no_answer(ti->cb, a->id, IVR_CB_UNREACHABLE, now_ms(ti));
		return;
	}
	sipx_leg_set_arg(tc->caller.sip, &tc->caller);
	struct tivr *v = v_get(ti, tc);
	if (v) {
		v->mode = M_CB_DIAL;
		v->req = a->id;
		media_leg_on_dtmf(tc->caller.media, on_dtmf, v); /* a survey after the call */
	}
	uint32_t attempt = a->attempt + r->made; /* counted across restarts */
	r->attempts = attempt;
	req_status(ti, a->id, "dialing", attempt, r->acd);
	if (attempt == 1)
		set_attr_int(ti, r->acd, "callback_first_attempt_at", a->time);
	set_attr_int(ti, r->acd, "callback_attempts", attempt);
}

static void on_cb_timer(void *arg)
{
	struct tel_ivr *ti = arg;
	struct telephony *t = ti->t;
	ivr_cb_advance(ti->cb, now_ms(ti));
	struct ivr_cb_action a;
	while (ivr_cb_action(ti->cb, &a)) {
		struct cbreq *r = idmap_get(&ti->reqs, a.id);
		switch (a.kind) {
		case IVR_CB_ROUTE:
			cb_route(ti, &a);
			break;
		case IVR_CB_DIAL:
			cb_dial(ti, &a);
			break;
		case IVR_CB_DIAL_CANCEL: {
			struct tcall *tc = r && r->acd ? idmap_get(&t->calls, r->acd) : NULL;
			if (tc && tc->caller.sip) {
				sipx_leg_hangup(tc->caller.sip);
				tel_leg_clear(&tc->caller);
			}
			break;
		}
		case IVR_CB_COMPLETED:
			if (r) {
				set_attr_str(ti, r->acd, "callback_result", "completed");
				req_status(ti, a.id, "done", 0, r->acd);
			}
			req_forget(ti, a.id);
			break;
		case IVR_CB_RETRY:
		case IVR_CB_FAILED:
			if (r && r->acd) {
				set_attr_str(ti, r->acd, "callback_result",
					     a.kind == IVR_CB_FAILED ? "failed" : "no_answer");
				req_status(ti, a.id, a.kind == IVR_CB_FAILED ? "failed" : "pending",
					   0, r->acd);
				center_call_callback_failed(t->c, r->acd);
			}
			if (a.kind == IVR_CB_FAILED)
				req_forget(ti, a.id);
			break;
		}
	}
	int64_t next = ivr_cb_next_deadline(ti->cb), now = now_ms(ti);
	if (next != INT64_MAX)
		evl_timer_start(ti->cb_timer, next > now ? (uint64_t)(next - now) : 0, on_cb_timer,
				ti);
}

static void cb_kick(struct tel_ivr *ti)
{
	evl_timer_start(ti->cb_timer, 0, on_cb_timer, ti);
}

/* Requests waiting for a queue whose hours changed: wait for the new opening. */
static void cb_hours_changed(struct tel_ivr *ti, uint32_t queue)
{
	struct cbreq *r;
	uint64_t id;
	int64_t now = now_ms(ti);
	for (uint32_t it = 0; idmap_next(&ti->reqs, &it, &id, (void **)&r);) {
		struct ivr_cb_info info;
		if (r->queue != queue || ivr_cb_info(ti->cb, id, &info) != 0 ||
		    info.state != IVR_CB_WAIT_OPEN)
			continue;
		int64_t open_at;
		queue_open(ti, queue, &open_at);
		if (open_at == info.deadline || open_at == INT64_MAX)
			continue;
		struct ivr_cb_params p;
		cb_params(ti, queue, &p);
		if (r->max > r->made)
			p.attempts = r->max - r->made; /* its own count, less those made */
		ivr_cb_cancel(ti->cb, id, now);
		ivr_cb_request(ti->cb, id, queue, r->number, &p, open_at, false, now);
	}
	cb_kick(ti);
}

/* ---------- configuration from the store ---------- */

/* A menu in the board's simple form: {prompt, options: [{digit, queue_id}], default_queue_id,
 * timeout_ms}. */
static int board_menu(const cJSON *root, struct ivr_menu *m)
{
	memset(m, 0, sizeof(*m));
	m->nodes = sb_zalloc(sizeof(*m->nodes));
	if (!m->nodes)
		return ENOMEM;
	m->n_nodes = 1;
	m->n_langs = 1;
	snprintf(m->langs[0], sizeof(m->langs[0]), "en");
	struct ivr_node *n = &m->nodes[0];
	snprintf(n->name, sizeof(n->name), "main");
	n->type = IVR_NODE_MENU;
	snprintf(n->prompts[0], sizeof(n->prompts[0]), "%s", P_BOARD_MENU);
	n->n_prompts = 1;
	n->retries = 2;
	n->timeout_ms = 5000;
	int64_t v;
	if (json_get_i64(root, "timeout_ms", 1000, 60000, &v) == 0)
		n->timeout_ms = v;
	for (int k = 0; k < IVR_KEYS; k++)
		n->choice[k].lang = -1;
	n->on_fail = (struct ivr_dest){.kind = IVR_DEST_HANGUP, .lang = -1};
	n->next.lang = -1;
	if (json_get_i64(root, "default_queue_id", 1, UINT32_MAX, &v) == 0)
		n->on_fail =
		    (struct ivr_dest){.kind = IVR_DEST_QUEUE, .queue = (uint32_t)v, .lang = -1};
	const cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, "options"))
	{
		const char *d = NULL;
		if (json_get_str(o, "digit", 1, &d) != 0 ||
		    json_get_i64(o, "queue_id", 1, UINT32_MAX, &v) != 0)
			continue;
		int k = ivr_key_index(d[0]);
		if (k >= 0)
			n->choice[k] = (struct ivr_dest){
			    .kind = IVR_DEST_QUEUE, .queue = (uint32_t)v, .lang = -1};
	}
	return ivr_menu_check(m);
}

/* Business hours in the board's simple form: {mon..sun: [[HH:MM, HH:MM]], closed: [dates]}. */
static int board_hours(const cJSON *root, struct ivr_hours *h)
{
	static const char *const days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	memset(h, 0, sizeof(*h));
	h->after.kind = IVR_AFTER_MESSAGE;
	snprintf(h->after.prompt, sizeof(h->after.prompt), "%s", P_AFTER_HOURS);
	for (int d = 0; d < 7; d++) {
		const cJSON *spans = cJSON_GetObjectItemCaseSensitive(root, days[d]);
		const cJSON *s;
		cJSON_ArrayForEach(s, spans)
		{
			const cJSON *a = cJSON_GetArrayItem(s, 0), *b = cJSON_GetArrayItem(s, 1);
			unsigned ha, ma, hb, mb;
			if (h->week[d].n == IVR_HOURS_MAX_SPANS || !cJSON_IsString(a) ||
			    !cJSON_IsString(b) ||
			    sscanf(a->valuestring, "%2u:%2u", &ha, &ma) != 2 ||
			    sscanf(b->valuestring, "%2u:%2u", &hb, &mb) != 2)
				return EINVAL;
			h->week[d].s[h->week[d].n++] =
			    (struct ivr_span){(uint16_t)(ha * 60 + ma), (uint16_t)(hb * 60 + mb)};
		}
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "closed"))
	{
		struct ivr_date dt;
		if (h->n_exc == IVR_HOURS_MAX_EXC || !cJSON_IsString(c) ||
		    sscanf(c->valuestring, "%4d-%2d-%2d", &dt.year, &dt.month, &dt.day) != 3)
			return EINVAL;
		/* kept in date order, without duplicates */
		unsigned i = h->n_exc;
		int64_t key = ivr_date_days(&dt);
		bool dup = false;
		for (unsigned k = 0; k < h->n_exc; k++)
			dup = dup || ivr_date_days(&h->exc[k].date) == key;
		if (dup)
			continue;
		while (i > 0 && ivr_date_days(&h->exc[i - 1].date) > key) {
			h->exc[i] = h->exc[i - 1];
			i--;
		}
		memset(&h->exc[i], 0, sizeof(h->exc[i]));
		h->exc[i].date = dt;
		h->n_exc++;
	}
	return ivr_hours_check(h);
}

static int parse_menu(const char *text, struct ivr_menu *m)
{
	cJSON *root = NULL;
	struct json_err je;
	if (json_parse(text, strlen(text), &root, &je) != 0)
		return EINVAL;
	char err[IVR_ERR_MAX];
	int rc = cJSON_GetObjectItemCaseSensitive(root, "nodes")
		     ? ivr_menu_from_json(root, m, err, sizeof(err))
		     : board_menu(root, m);
	if (rc)
		ivr_menu_clear(m);
	cJSON_Delete(root);
	return rc;
}

static int parse_hours(const char *text, struct ivr_hours *h)
{
	cJSON *root = NULL;
	struct json_err je;
	if (json_parse(text, strlen(text), &root, &je) != 0)
		return EINVAL;
	char err[IVR_ERR_MAX];
	int rc = cJSON_GetObjectItemCaseSensitive(root, "weekly")
		     ? ivr_hours_from_json(root, h, err, sizeof(err))
		     : board_hours(root, h);
	cJSON_Delete(root);
	return rc;
}

static const struct store_stmt q_menus = {
    "ivr.menus", "SELECT number, route FROM numbers WHERE route IS NOT NULL AND active = 1", NULL};
static const struct store_stmt q_queues = {"ivr.queues",
					   "SELECT id, business_hours, survey FROM queues", NULL};

static void apply_menus(struct tel_ivr *ti, struct store_rs *rs)
{
	unsigned n = store_rs_rows(rs);
	for (unsigned i = 0; i < ti->n_menus; i++)
		ti->menus[i]->stale = true;
	for (unsigned r = 0; r < n; r++) {
		const char *number = store_rs_text(rs, r, 0), *text = store_rs_text(rs, r, 1);
		if (!number || !text)
			continue;
		struct menu_ent *e = find_menu(ti, number);
		if (e && strcmp(e->text, text) == 0) {
			e->stale = false;
			continue;
		}
		struct menu_ent *ne = sb_zalloc(sizeof(*ne));
		if (!ne)
			continue;
		ne->text = sb_strdup(text);
		if (!ne->text || parse_menu(text, &ne->m) != 0) {
			/* the API checked it; a menu that does not parse is skipped */
			sb_free(ne->text);
			sb_free(ne);
			continue;
		}
		snprintf(ne->number, sizeof(ne->number), "%s", number);
		ne->refs = 1;
		if (e) {
			for (unsigned k = 0; k < ti->n_menus; k++)
				if (ti->menus[k] == e)
					ti->menus[k] = ne;
			menu_unref(ti, e);
			continue;
		}
		struct menu_ent **vv = sb_realloc(ti->menus, (ti->n_menus + 1) * sizeof(*vv));
		if (!vv) {
			menu_unref(ti, ne);
			continue;
		}
		ti->menus = vv;
		ti->menus[ti->n_menus++] = ne;
	}
	for (unsigned i = 0; i < ti->n_menus;) {
		if (ti->menus[i]->stale) {
			menu_unref(ti, ti->menus[i]);
			ti->menus[i] = ti->menus[--ti->n_menus];
		} else {
			i++;
		}
	}
}

static void apply_queues(struct tel_ivr *ti, struct store_rs *rs)
{
	unsigned n = store_rs_rows(rs);
	for (unsigned r = 0; r < n; r++) {
		uint32_t id = (uint32_t)store_rs_int(rs, r, 0);
		const char *text = store_rs_text(rs, r, 1);
		struct qstate *qs = qstate(ti, id);
		if (!qs) {
			qs = sb_zalloc(sizeof(*qs));
			if (!qs)
				continue;
			qs->id = id;
			const struct center_queue *q = center_queue(ti->t->c, id);
			struct ivr_ewt_params ep = {
			    .window_ms = 15 * 60000,
			    .min_samples = 3,
			    .default_aht_ms = q ? q->acd.default_aht_ms : 180000,
			};
			if (ep.default_aht_ms <= 0)
				ep.default_aht_ms = 180000;
			ivr_ewt_init(&qs->ewt, &ep);
			if (idmap_put(&ti->queues, id, qs) != 0) {
				sb_free(qs);
				continue;
			}
		}
		qs->survey = store_rs_int(rs, r, 2) != 0;
		bool same = (!text && !qs->hours_text) ||
			    (text && qs->hours_text && strcmp(text, qs->hours_text) == 0);
		if (same)
			continue;
		sb_free(qs->hours_text);
		qs->hours_text = text ? sb_strdup(text) : NULL;
		qs->has_hours = text && parse_hours(text, &qs->hours) == 0;
		cb_hours_changed(ti, id);
	}
}

static void on_refresh(void *arg);

/*
 * Callbacks people schedule (POST /callbacks: the desktop's form, a team lead)
 * go through the same scheduler as the IVR's once due_at has come: routed in
 * their queue as a callback (the place: due_at), an agent's phone rings, the
 * customer is dialled through the trunk, retried with the queue's
 * callback_attempts and callback_retry_ms; the row follows (dialing, attempts,
 * done with contact_id, failed). Their scheduler ids are apart from the IVR's
 * (which are ACD call ids or CB_ID_BASE + n).
 */
#define CB_API_BASE (UINT64_C(1) << 61)
static const struct store_stmt q_due = {
    "ivr.callbacks_due",
    "SELECT id, queue_id, number, due_at, attempts, customer_id, max_attempts FROM callbacks"
    " WHERE created_by IS NOT NULL"
    " AND status IN ('pending', 'dialing') AND number IS NOT NULL AND due_at <= $1"
    " ORDER BY due_at, id LIMIT 200",
    NULL};

static void take_due(struct tel_ivr *ti, struct store_rs *rs)
{
	int64_t now = now_ms(ti);
	bool any = false;
	for (unsigned i = 0; i < store_rs_rows(rs); i++) {
		int64_t row = store_rs_int(rs, i, 0);
		uint32_t queue = (uint32_t)store_rs_int(rs, i, 1);
		const char *number = store_rs_text(rs, i, 2);
		if (row <= 0 || !number || idmap_get(&ti->api_seen, (uint64_t)row))
			continue; /* taken already (it may still say pending for a moment) */
		if (idmap_put(&ti->api_seen, (uint64_t)row, ti) != 0)
			break;
		uint64_t id = CB_API_BASE + ++ti->next_api;
		struct ivr_cb_params p;
		cb_params(ti, queue, &p);
		int64_t max = store_rs_int(rs, i, 6); /* the row's own count, when it has one */
		if (max > 0 && max <= CB_MAX_ATTEMPTS)
			p.attempts = (uint32_t)max;
		int64_t made = store_rs_int(rs, i, 4), open_at;
		queue_open(ti, queue, &open_at);
		struct cbreq *r = made < (int64_t)p.attempts && center_queue(ti->t->c, queue) &&
					  open_at != INT64_MAX
				      ? req_add(ti, id, 0, queue, number, NULL)
				      : NULL;
		if (r) {
			r->row = (uint64_t)row;
			r->place = store_rs_int(rs, i, 3);
			r->made = made > 0 ? (uint32_t)made : 0;
			r->max = p.attempts;
			r->customer = store_rs_int(rs, i, 5);
			p.attempts -= r->made;
		}
		if (!r || ivr_cb_request(ti->cb, id, queue, number, &p, open_at, false, now) != 0) {
			/* no queue, a number the scheduler refuses, or no attempt left */
			if (r) {
				idmap_del(&ti->reqs, id);
				sb_free(r);
			}
			struct store_value v[] = {store_int(row), store_text("failed"),
						  store_int(0), store_int(now), store_int(0)};
			req_store(ti, &s_row_status, v, 5);
			continue;
		}
		any = true;
	}
	if (any)
		cb_kick(ti);
}

static void on_due(int err, struct store_rs *rs, void *arg)
{
	struct tel_ivr *ti = arg;
	if (ti->stopped) {
		sb_free(ti);
		return;
	}
	if (!err && rs)
		take_due(ti, rs);
	ti->loading = false;
	evl_timer_start(ti->refresh, REFRESH_MS, on_refresh, ti);
}

static void on_queues(int err, struct store_rs *rs, void *arg)
{
	struct tel_ivr *ti = arg;
	if (ti->stopped) {
		sb_free(ti);
		return;
	}
	if (!err && rs)
		apply_queues(ti, rs);
	struct store_value v[] = {store_int(now_ms(ti))};
	if (store_query(ti->st, &q_due, v, 1, on_due, ti) == 0)
		return;
	ti->loading = false;
	evl_timer_start(ti->refresh, REFRESH_MS, on_refresh, ti);
}

static void on_menus(int err, struct store_rs *rs, void *arg)
{
	struct tel_ivr *ti = arg;
	if (ti->stopped) {
		sb_free(ti);
		return;
	}
	if (!err)
		apply_menus(ti, rs);
	if (store_query(ti->st, &q_queues, NULL, 0, on_queues, ti) != 0) {
		ti->loading = false;
		evl_timer_start(ti->refresh, REFRESH_MS, on_refresh, ti);
	}
}

static void on_refresh(void *arg)
{
	struct tel_ivr *ti = arg;
	if (ti->loading)
		return;
	ti->loading = true;
	if (store_query(ti->st, &q_menus, NULL, 0, on_menus, ti) != 0) {
		ti->loading = false;
		evl_timer_start(ti->refresh, REFRESH_MS, on_refresh, ti);
	}
}

/* The requests open at the last stop: made again, routed when their queue is open. */
static void reload_requests(struct tel_ivr *ti, struct store_rs *rs)
{
	int64_t now = now_ms(ti);
	for (unsigned i = 0; i < store_rs_rows(rs); i++) {
		uint64_t id = (uint64_t)store_rs_int(rs, i, 0);
		uint32_t queue = (uint32_t)store_rs_int(rs, i, 1);
		const char *number = store_rs_text(rs, i, 2);
		struct ivr_cb_params p;
		cb_params(ti, queue, &p);
		int64_t max = store_rs_int(rs, i, 5); /* the count the request was made with */
		if (max > 0 && max <= CB_MAX_ATTEMPTS)
			p.attempts = (uint32_t)max;
		int64_t open_at;
		queue_open(ti, queue, &open_at);
		int64_t made = store_rs_int(rs, i, 4);
		if (made >= (int64_t)p.attempts) {
			/* every attempt was made before the restart (its end was lost) */
			req_status(ti, id, "failed", 0, 0);
			continue;
		}
		struct cbreq *r = number ? req_add(ti, id, 0, queue, number, NULL) : NULL;
		if (r) {
			r->place = store_rs_int(rs, i, 3);
			r->made = made > 0 ? (uint32_t)made : 0;
			r->max = p.attempts;
			p.attempts -= r->made; /* the attempts left */
		}
		if (!r || open_at == INT64_MAX ||
		    ivr_cb_request(ti->cb, id, queue, number, &p, open_at, false, now) != 0)
			req_forget(ti, id); /* the queue is gone or never opens */
	}
	cb_kick(ti);
}

int tel_ivr_start(struct telephony *t)
{
	struct tel_ivr *ti = sb_zalloc(sizeof(*ti));
	if (!ti)
		return ENOMEM;
	ti->t = t;
	ti->st = t->cfg.store;
	idmap_init(&ti->queues);
	idmap_init(&ti->reqs);
	idmap_init(&ti->by_acd);
	idmap_init(&ti->unentered);
	idmap_init(&ti->api_seen);
	snprintf(ti->base, sizeof(ti->base), "%s", t->sounds);
	char *slash = strrchr(ti->base, '/');
	if (slash && slash != ti->base)
		*slash = '\0';
	prompts_dir(ti->gen, sizeof(ti->gen));
	int err = evl_timer_alloc(&ti->refresh);
	if (!err)
		err = evl_timer_alloc(&ti->cb_timer);
	if (!err)
		err = ivr_cb_alloc(&ti->cb, center_now(t->c));
	if (err) {
		t->ivr = ti;
		tel_ivr_stop(t);
		return err;
	}
	t->ivr = ti;
	ti->next_req = (uint64_t)center_now(t->c) * 1000; /* ids unlike the last run's */
	if (ti->st) {
		/* at start, synchronously: the first call already sees the menus */
		struct store_rs *rs = NULL;
		if (store_query_sync(ti->st, &q_menus, NULL, 0, &rs) == 0)
			apply_menus(ti, rs);
		store_rs_free(rs);
		rs = NULL;
		if (store_query_sync(ti->st, &q_queues, NULL, 0, &rs) == 0 && rs)
			apply_queues(ti, rs);
		store_rs_free(rs);
		rs = NULL;
		if (store_query_sync(ti->st, &q_reqs, NULL, 0, &rs) == 0 && rs)
			reload_requests(ti, rs);
		store_rs_free(rs);
		evl_timer_start(ti->refresh, REFRESH_MS, on_refresh, ti);
	}
	return 0;
}

void tel_ivr_stop(struct telephony *t)
{
	struct tel_ivr *ti = t->ivr;
	if (!ti)
		return;
	ti->stopping = true;
	/* calls still in a menu or after hours: telephony.c's maps do not hold them */
	struct tcall *tc;
	uint64_t key;
	while (idmap_count(&ti->unentered)) {
		uint32_t it = 0;
		if (!idmap_next(&ti->unentered, &it, &key, (void **)&tc))
			break;
		idmap_del(&ti->unentered, key);
		if (tc->ivr)
			tc->ivr->unentered = 0;
		tel_ivr_call_free(tc);
		tel_leg_clear(&tc->caller);
		sb_free(tc);
	}
	idmap_release(&ti->unentered);
	t->ivr = NULL;
	evl_timer_free(ti->refresh);
	evl_timer_free(ti->cb_timer);
	ivr_cb_free(ti->cb);
	for (unsigned i = 0; i < ti->n_menus; i++)
		menu_unref(ti, ti->menus[i]);
	sb_free(ti->menus);
	void *v;
	for (uint32_t it = 0; idmap_next(&ti->queues, &it, NULL, &v);) {
		struct qstate *qs = v;
		sb_free(qs->hours_text);
		sb_free(qs);
	}
	idmap_release(&ti->queues);
	for (uint32_t it = 0; idmap_next(&ti->reqs, &it, NULL, &v);)
		sb_free(v);
	idmap_release(&ti->reqs);
	idmap_release(&ti->by_acd);
	idmap_release(&ti->api_seen);
	if (ti->loading)
		ti->stopped = true; /* the query's completion frees it */
	else
		sb_free(ti);
}
