/* api_config: sites, clients, teams, skills, numbers and queues (with live figures), served from
 * the center's memory. */
#include "server/api_impl.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/phone.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What a configuration write changes in the center once committed. */
enum kind { K_SITE, K_CLIENT, K_TEAM, K_SKILL, K_NUMBER, K_QUEUE };

struct cfgop {
	enum kind kind;
	bool create, remove;
	int64_t old_lead; /* teams: the lead before, whose directory entry changes */
	union {
		struct center_site site;
		struct center_client client;
		struct center_team team;
		struct center_skill skill;
		struct center_number number;
		struct center_queue queue;
	} u;
};

static const char *const kind_names[] = {"site", "client", "team", "skill", "number", "queue"};

/* ---------- JSON of the in-memory rows ---------- */

static void add_id_or_null(cJSON *o, const char *k, int64_t v)
{
	if (v)
		json_add_i64(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *site_json(const struct center_site *s)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", s->id);
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "time_zone", s->time_zone);
	cJSON_AddStringToObject(o, "country_code", s->country_code);
	cJSON_AddStringToObject(o, "trunk_prefix", s->trunk_prefix);
	cJSON_AddStringToObject(o, "intl_prefix", s->intl_prefix);
	return o;
}

static cJSON *client_json(const struct center_client *c)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", c->id);
	cJSON_AddStringToObject(o, "name", c->name);
	add_id_or_null(o, "site_id", c->site_id);
	return o;
}

static cJSON *team_json(const struct center_team *t)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", t->id);
	cJSON_AddStringToObject(o, "name", t->name);
	add_id_or_null(o, "lead_user_id", t->lead_user_id);
	cJSON_AddBoolToObject(o, "active", t->active);
	return o;
}

static cJSON *skill_json(const struct center_skill *s)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", s->id);
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "kind", s->language ? "language" : "skill");
	cJSON_AddBoolToObject(o, "active", s->active);
	return o;
}

static cJSON *number_json(const struct center_number *n)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", n->id);
	cJSON_AddStringToObject(o, "number", n->number);
	add_id_or_null(o, "client_id", n->client_id);
	add_id_or_null(o, "queue_id", n->queue_id);
	cJSON_AddBoolToObject(o, "active", n->active);
	return o;
}

static const char *overflow_name(enum acd_overflow o)
{
	return o == ACD_OVERFLOW_QUEUE ? "queue" : o == ACD_OVERFLOW_CALLBACK ? "callback" : "none";
}

static const char *wrapup_name(enum acd_wrapup w)
{
	return w == ACD_WRAPUP_NONE ? "none" : w == ACD_WRAPUP_MANUAL ? "manual" : "timed";
}

static const char *const rec_modes[] = {"off", "always", "on_demand",
					NULL}; /* enum center_rec_mode */

/* A queue's JSON, written straight into w (GET /queues is polled by wallboards: no tree). */
static void queue_jw(struct api *a, struct api_jw *w, const struct center_queue *q, bool live)
{
	const struct acd_queue_params *p = &q->acd;
	api_jw_obj(w, NULL);
	api_jw_int(w, "id", q->id);
	api_jw_str(w, "name", q->name);
	api_jw_id(w, "client_id", q->client_id);
	api_jw_id(w, "site_id", q->site_id);
	api_jw_str(w, "strategy", acd_strategy_name(p->strategy));
	api_jw_int(w, "ring_all_max", p->ring_all_max);
	api_jw_int(w, "weight", p->weight);
	api_jw_id(w, "group_id", p->group);
	api_jw_int(w, "ring_timeout_ms", p->ring_timeout_ms);
	api_jw_int(w, "max_wait_ms", p->max_wait_ms);
	api_jw_str(w, "overflow", overflow_name(p->overflow));
	api_jw_id(w, "overflow_queue_id",
		  p->overflow == ACD_OVERFLOW_QUEUE ? p->overflow_queue : 0);
	api_jw_int(w, "max_len", p->max_len);
	api_jw_bool(w, "join_empty", p->join_empty);
	api_jw_str(w, "wrapup", wrapup_name(p->wrapup));
	api_jw_int(w, "wrapup_ms", p->wrapup_ms);
	api_jw_int(w, "sl_threshold_ms", p->sl_threshold_ms);
	api_jw_num(w, "sl_target_pct", q->sl_target_pct, 6);
	api_jw_int(w, "short_abandon_ms", p->short_abandon_ms);
	api_jw_int(w, "resume_ms", p->resume_ms);
	api_jw_int(w, "default_aht_ms", p->default_aht_ms);
	api_jw_int(w, "callback_attempts", p->callback_attempts);
	api_jw_int(w, "callback_retry_ms", p->callback_retry_ms);
	api_jw_int(w, "priority", q->priority);
	api_jw_int(w, "announce_ms", q->announce_ms);
	api_jw_bool(w, "active", q->active);
	api_jw_str(w, "recording", rec_modes[q->rec_mode]);
	if (q->rec_consent[0])
		api_jw_str(w, "recording_consent", q->rec_consent);
	else
		api_jw_null(w, "recording_consent");
	api_jw_int(w, "recording_retention_days", q->rec_retention_days);
	api_jw_arr(w, "skills");
	for (uint32_t i = 0; i < p->n_req; i++) {
		api_jw_obj(w, NULL);
		api_jw_int(w, "skill_id", p->req[i].skill);
		api_jw_int(w, "min_level", p->req[i].min_level);
		api_jw_end_obj(w);
	}
	api_jw_end_arr(w);
	api_jw_arr(w, "tiers");
	for (uint32_t i = 0; i < p->n_tiers; i++) {
		api_jw_obj(w, NULL);
		api_jw_int(w, "after_ms", p->tiers[i].after_ms);
		api_jw_int(w, "level_drop", p->tiers[i].level_drop);
		api_jw_id(w, "group_id", p->tiers[i].group);
		api_jw_end_obj(w);
	}
	api_jw_end_arr(w);
	struct center_queue_live lv;
	if (live && center_queue_live(a->cfg.center, q->id, &lv) == 0) {
		api_jw_obj(w, "live");
		api_jw_int(w, "in_queue", lv.in_queue);
		api_jw_int(w, "oldest_wait_ms", lv.oldest_wait_ms);
		if (lv.ewt_ms >= 0)
			api_jw_int(w, "ewt_ms", lv.ewt_ms);
		else
			api_jw_null(w, "ewt_ms");
		api_jw_obj(w, "agents");
		for (unsigned st = 0; st < ACD_AGENT_STATE_COUNT; st++)
			api_jw_int(w, acd_agent_state_name((enum acd_agent_state)st),
				   lv.agents[st]);
		api_jw_end_obj(w);
		const struct kpi_counts *k = &lv.today;
		api_jw_obj(w, "today");
		api_jw_int(w, "offered", (int64_t)k->offered);
		api_jw_int(w, "answered", (int64_t)k->answered);
		api_jw_int(w, "answered_within", (int64_t)k->answered_within);
		api_jw_int(w, "abandoned", (int64_t)k->abandoned);
		api_jw_int(w, "abandoned_short", (int64_t)k->abandoned_short);
		api_jw_int(w, "abandoned_within", (int64_t)k->abandoned_within);
		api_jw_int(w, "overflowed", (int64_t)k->overflowed);
		api_jw_int(w, "refused", (int64_t)k->refused);
		api_jw_int(w, "handled", (int64_t)k->handled);
		api_jw_int(w, "transferred", (int64_t)k->transferred);
		api_jw_int(w, "callbacks_requested", (int64_t)k->callbacks_requested);
		api_jw_num(w, "sl_offered", kpi_sl_offered(k), 6);
		api_jw_num(w, "sl_excl_short", kpi_sl_excl_short(k), 6);
		api_jw_num(w, "sl2", kpi_sl2(k), 6);
		api_jw_num(w, "asa_ms", kpi_asa_ms(k), 1);
		api_jw_num(w, "aht_ms", kpi_aht_ms(k), 1);
		api_jw_num(w, "abandon_rate", kpi_abandon_rate(k), 6);
		api_jw_end_obj(w);
		api_jw_end_obj(w);
	}
	api_jw_end_obj(w);
}

/* Replies with what w holds (500 when it ran out of memory). */
static void reply_jw(struct http_req *req, int status, struct api_jw *w)
{
	if (!api_jw_text(w))
		http_reply_error(req, 500, "internal", "out of memory");
	else
		http_reply_data(req, status, "application/json", w->b.p, w->b.len);
}

/* A queue's JSON as text (cJSON_free it). */
static char *queue_text(struct api *a, const struct center_queue *q)
{
	struct api_jw *w = &a->jw;
	api_jw_reset(w);
	queue_jw(a, w, q, false);
	const char *text = api_jw_text(w);
	char *t = text ? cJSON_malloc(w->b.len + 1) : NULL;
	if (t)
		memcpy(t, text, w->b.len + 1);
	return t;
}

static cJSON *kind_json(const struct cfgop *c)
{
	switch (c->kind) {
	case K_SITE:
		return site_json(&c->u.site);
	case K_CLIENT:
		return client_json(&c->u.client);
	case K_TEAM:
		return team_json(&c->u.team);
	case K_SKILL:
		return skill_json(&c->u.skill);
	case K_NUMBER:
		return number_json(&c->u.number);
	case K_QUEUE:
		break; /* see queue_jw */
	}
	return NULL;
}

static char *kind_text(struct api *a, const struct cfgop *c)
{
	if (c->kind == K_QUEUE)
		return queue_text(a, &c->u.queue);
	cJSON *o = kind_json(c);
	char *t = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return t;
}

/* ---------- the completion shared by every write here ---------- */

void api_userdir_apply(struct api *a, const struct store_rs *rs);

static void cfg_done(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct api *a = op->api;
	struct cfgop *c = op->data;
	if (err) {
		api_store_error(req, err, c->create, kind_names[c->kind]);
		return;
	}
	if (c->create) {
		int64_t id = store_rs_int(rs, 0, 0);
		switch (c->kind) {
		case K_SITE:
			c->u.site.id = id;
			break;
		case K_CLIENT:
			c->u.client.id = id;
			break;
		case K_TEAM:
			c->u.team.id = id;
			break;
		case K_SKILL:
			c->u.skill.id = id;
			break;
		case K_NUMBER:
			c->u.number.id = id;
			break;
		case K_QUEUE:
			c->u.queue.id = id;
			break;
		}
	}
	int e = 0;
	switch (c->kind) {
	case K_SITE:
		e = center_site_apply(a->cfg.center, &c->u.site);
		break;
	case K_CLIENT:
		e = center_client_apply(a->cfg.center, &c->u.client);
		break;
	case K_TEAM:
		e = c->remove ? 0 : center_team_apply(a->cfg.center, &c->u.team);
		break;
	case K_SKILL:
		e = c->remove ? 0 : center_skill_apply(a->cfg.center, &c->u.skill);
		break;
	case K_NUMBER:
		e = c->remove ? center_number_remove(a->cfg.center, c->u.number.id)
			      : center_number_apply(a->cfg.center, &c->u.number);
		break;
	case K_QUEUE:
		e = center_queue_apply(a->cfg.center, &c->u.queue);
		break;
	}
	if (e)
		fprintf(stderr, "switchboard: %s %" PRId64 " committed but not applied: %s\n",
			kind_names[c->kind], op->id, strerror(e));
	api_userdir_apply(a, rs);
	if (!req)
		return;
	if (c->remove || op->status == 204) {
		http_reply_empty(req, 204);
		return;
	}
	if (c->kind == K_QUEUE) {
		api_jw_reset(&a->jw);
		queue_jw(a, &a->jw, &c->u.queue, true);
		reply_jw(req, c->create ? 201 : 200, &a->jw);
		return;
	}
	http_reply_json(req, c->create ? 201 : 200, kind_json(c));
}

/* A new op carrying a cfgop of this kind (a copy of cur when given). */
static struct api_op *cfg_op(struct api *a, struct http_req *req, enum kind k, bool create,
			     const void *cur, size_t size)
{
	struct api_op *op = api_op_new(a, req, cfg_done);
	struct cfgop *c = op ? sb_zalloc(sizeof(*c)) : NULL;
	if (!c) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return NULL;
	}
	c->kind = k;
	c->create = create;
	if (cur)
		memcpy(&c->u, cur, size);
	op->data = c;
	return op;
}

/* Audits and submits: before is the JSON text of the row before (NULL for a create). */
static void cfg_submit(struct api_op *op, struct store_job *job, struct http_req *req,
		       const char *action, char *before, int err)
{
	struct cfgop *c = op->data;
	char *after = c->remove ? NULL : kind_text(op->api, c);
	api_audit(job, op, action, kind_names[c->kind],
		  c->create ? store_ref(0, 0) : store_int(op->id), before, after, &err);
	cJSON_free(before);
	cJSON_free(after);
	api_op_write(op, job, req, err);
}

static char *before_text(struct api *a, const struct cfgop *c)
{
	return kind_text(a, c);
}

/* ---------- sites ---------- */

static const struct api_field site_fields[] = {
    {"name", AF_TEXT, AF_REQ, 0, CENTER_NAME_MAX - 1, NULL},
    {"time_zone", AF_TEXT, AF_REQ, 0, 63, NULL},
    {"country_code", AF_TEXT, AF_REQ, 0, 3, NULL},
    {"trunk_prefix", AF_TEXT, AF_EMPTY, 0, 2, NULL},
    {"intl_prefix", AF_TEXT, 0, 0, 4, NULL},
};

static const struct store_stmt s_site_insert = {
    "api.site_insert",
    "INSERT INTO sites (name, time_zone, country_code, trunk_prefix, intl_prefix, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    NULL};
static const struct store_stmt s_site_update = {
    "api.site_update",
    "UPDATE sites SET name = $1, time_zone = $2, country_code = $3, trunk_prefix = $4,"
    " intl_prefix = $5 WHERE id = $6",
    NULL};

static bool digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool zone_ok(const char *z)
{
	if (!z[0] || z[0] == '/' || strstr(z, ".."))
		return false;
	for (const char *p = z; *p; p++) {
		char ch = *p;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' || ch == '-' || ch == '+'))
			return false;
	}
	if (strcmp(z, "UTC") == 0)
		return true;
	char path[160];
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", z);
	return access(path, R_OK) == 0;
}

static void site_write(struct api *a, struct http_req *req, bool create)
{
	const struct center_site *cur = NULL;
	if (!create) {
		cur = center_site(a->cfg.center, api_param_id(req, "id"));
		if (!cur) {
			api_not_found(req, "site");
			return;
		}
	}
	struct api_val v[5];
	if (api_read_fields(req, http_req_json(req), site_fields, 5, NULL, create, v))
		return;
	struct center_site s;
	memset(&s, 0, sizeof(s));
	if (cur)
		s = *cur;
	else
		snprintf(s.intl_prefix, sizeof(s.intl_prefix), "00");
	if (v[0].present)
		snprintf(s.name, sizeof(s.name), "%s", v[0].s);
	if (v[1].present)
		snprintf(s.time_zone, sizeof(s.time_zone), "%s", v[1].s);
	if (v[2].present)
		snprintf(s.country_code, sizeof(s.country_code), "%s", v[2].s);
	if (v[3].present)
		snprintf(s.trunk_prefix, sizeof(s.trunk_prefix), "%s", v[3].s);
	if (v[4].present)
		snprintf(s.intl_prefix, sizeof(s.intl_prefix), "%s", v[4].s);
	if (!zone_ok(s.time_zone)) {
		api_invalid(req, "field \"time_zone\": unknown time zone \"%s\"", s.time_zone);
		return;
	}
	if (!digits(s.country_code, 1, 3) || s.country_code[0] == '0') {
		api_invalid(req, "field \"country_code\" must be 1-3 digits, not starting with 0");
		return;
	}
	if (!digits(s.trunk_prefix, 0, 2)) {
		api_invalid(req, "field \"trunk_prefix\" must be 0-2 digits");
		return;
	}
	if (!digits(s.intl_prefix, 1, 4)) {
		api_invalid(req, "field \"intl_prefix\" must be 1-4 digits");
		return;
	}
	struct api_op *op = cfg_op(a, req, K_SITE, create, &s, sizeof(s));
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = s.id;
	int err = 0;
	struct store_value p[] = {
	    store_text(s.name),		store_text(s.time_zone),
	    store_text(s.country_code), store_text(s.trunk_prefix),
	    store_text(s.intl_prefix),	store_int(create ? api_now(a) : s.id)};
	api_step(job, create ? &s_site_insert : &s_site_update, p, 6, create ? 0 : STORE_MUST_HIT,
		 &err);
	char *before = NULL;
	if (cur) {
		struct cfgop old = {.kind = K_SITE, .u.site = *cur};
		before = before_text(a, &old);
	}
	cfg_submit(op, job, req, create ? "create" : "update", before, err);
}

/* The center has no iteration over sites: the list comes from the table (the same rows). */
static const struct store_stmt q_sites = {"api.sites", "SELECT id FROM sites ORDER BY id", NULL};

static void sites_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "site");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	for (unsigned r = 0; r < store_rs_rows(rs); r++) {
		const struct center_site *s =
		    center_site(op->api->cfg.center, store_rs_int(rs, r, 0));
		if (s)
			cJSON_AddItemToArray(items, site_json(s));
	}
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_site_list(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, sites_listed);
	if (op)
		api_op_query(op, &q_sites, NULL, 0, req);
}

static void on_site_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_site *s = center_site(a->cfg.center, api_param_id(req, "id"));
	if (!s) {
		api_not_found(req, "site");
		return;
	}
	http_reply_json(req, 200, site_json(s));
}

static void on_site_create(struct http_req *req, void *arg)
{
	site_write(arg, req, true);
}

static void on_site_update(struct http_req *req, void *arg)
{
	site_write(arg, req, false);
}

/* ---------- clients ---------- */

static const struct api_field client_fields[] = {
    {"name", AF_TEXT, AF_REQ, 0, CENTER_NAME_MAX - 1, NULL},
    {"site_id", AF_INT, AF_REQ, 1, UINT32_MAX, NULL},
};

static const struct store_stmt s_client_insert = {
    "api.client_insert",
    "INSERT INTO clients (name, site_id, created_at) VALUES ($1, $2, $3) RETURNING id", NULL};
static const struct store_stmt s_client_update = {
    "api.client_update", "UPDATE clients SET name = $1, site_id = $2 WHERE id = $3", NULL};

static void client_write(struct api *a, struct http_req *req, bool create)
{
	const struct center_client *cur = NULL;
	const struct user *u = http_req_user(req);
	if (!create) {
		cur = center_client(a->cfg.center, api_param_id(req, "id"));
		if (!cur || !user_may_see_client(u, (uint64_t)cur->id)) {
			api_not_found(req, "client");
			return;
		}
	}
	struct api_val v[2];
	if (api_read_fields(req, http_req_json(req), client_fields, 2, NULL, create, v))
		return;
	struct center_client c;
	memset(&c, 0, sizeof(c));
	if (cur)
		c = *cur;
	if (v[0].present)
		snprintf(c.name, sizeof(c.name), "%s", v[0].s);
	if (v[1].present)
		c.site_id = v[1].i;
	if (!center_site(a->cfg.center, c.site_id)) {
		api_invalid(req, "field \"site_id\": no site %" PRId64, c.site_id);
		return;
	}
	struct api_op *op = cfg_op(a, req, K_CLIENT, create, &c, sizeof(c));
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = c.id;
	int err = 0;
	struct store_value p[] = {store_text(c.name), store_int(c.site_id),
				  store_int(create ? api_now(a) : c.id)};
	api_step(job, create ? &s_client_insert : &s_client_update, p, 3,
		 create ? 0 : STORE_MUST_HIT, &err);
	char *before = NULL;
	if (cur) {
		struct cfgop old = {.kind = K_CLIENT, .u.client = *cur};
		before = before_text(a, &old);
	}
	cfg_submit(op, job, req, create ? "create" : "update", before, err);
}

static void on_client_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	cJSON *items = cJSON_CreateArray();
	const struct center_client *c;
	for (unsigned i = 0; (c = center_client_at(a->cfg.center, i)); i++)
		if (user_may_see_client(u, (uint64_t)c->id))
			cJSON_AddItemToArray(items, client_json(c));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_client_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_client *c = center_client(a->cfg.center, api_param_id(req, "id"));
	if (!c || !user_may_see_client(http_req_user(req), (uint64_t)c->id)) {
		api_not_found(req, "client");
		return;
	}
	http_reply_json(req, 200, client_json(c));
}

static void on_client_create(struct http_req *req, void *arg)
{
	client_write(arg, req, true);
}

static void on_client_update(struct http_req *req, void *arg)
{
	client_write(arg, req, false);
}

/* ---------- teams ---------- */

static const struct api_field team_fields[] = {
    {"name", AF_TEXT, AF_REQ, 0, CENTER_NAME_MAX - 1, NULL},
    {"lead_user_id", AF_INT, AF_NULL, 1, INT64_MAX / 2, NULL},
    {"active", AF_BOOL, 0, 0, 0, NULL},
};

static const struct store_stmt s_team_insert = {
    "api.team_insert",
    "INSERT INTO teams (name, lead_user_id, active, created_at) VALUES ($1, $2, $3, $4)"
    " RETURNING id",
    NULL};
static const struct store_stmt s_team_update = {
    "api.team_update", "UPDATE teams SET name = $1, lead_user_id = $2, active = $3 WHERE id = $4",
    NULL};

/*
 * What still needs team id (an active agent in it or in its group, an active
 * queue routing to it, at its base or a widening step): written into why, or
 * false when nothing does and it may be deactivated.
 */
static bool team_in_use(struct api *a, int64_t id, char *why, size_t size)
{
	const struct center_agent *ag;
	for (unsigned i = 0; (ag = center_agent_at(a->cfg.center, i)); i++) {
		if (!ag->active)
			continue;
		bool member = ag->team_id == id;
		for (uint32_t g = 0; g < ag->acd.n_groups; g++)
			member = member || ag->acd.groups[g] == (uint32_t)id;
		if (member) {
			snprintf(why, size, "agent %" PRId64 " (%s) is in it: move them first",
				 ag->id, ag->name);
			return true;
		}
	}
	const struct center_queue *q;
	for (unsigned i = 0; (q = center_queue_at(a->cfg.center, i)); i++) {
		if (!q->active)
			continue;
		bool routes = q->acd.group == (uint32_t)id;
		for (uint32_t s = 0; s < q->acd.n_tiers; s++)
			routes = routes || q->acd.tiers[s].group == (uint32_t)id;
		if (routes) {
			snprintf(why, size, "queue %" PRId64 " (%s) routes to it", q->id, q->name);
			return true;
		}
	}
	return false;
}

void api_userdir_step(struct store_job *job, int64_t user_id, int *err);

static void team_write(struct api *a, struct http_req *req, bool create)
{
	const struct center_team *cur = NULL;
	if (!create && !(cur = center_team(a->cfg.center, api_param_id(req, "id")))) {
		api_not_found(req, "team");
		return;
	}
	struct api_val v[3];
	if (api_read_fields(req, http_req_json(req), team_fields, 3, NULL, create, v))
		return;
	struct center_team t;
	memset(&t, 0, sizeof(t));
	t.active = true;
	if (cur)
		t = *cur;
	if (v[0].present)
		snprintf(t.name, sizeof(t.name), "%s", v[0].s);
	if (v[1].present)
		t.lead_user_id = v[1].null ? 0 : v[1].i;
	if (v[2].present)
		t.active = v[2].i != 0;
	if (t.lead_user_id && !userdir_get(a->cfg.users, (uint64_t)t.lead_user_id)) {
		api_invalid(req, "field \"lead_user_id\": no user %" PRId64, t.lead_user_id);
		return;
	}
	char why[CENTER_NAME_MAX + 64];
	if (cur && cur->active && !t.active && team_in_use(a, cur->id, why, sizeof(why))) {
		http_reply_error(req, 409, "conflict", "team %" PRId64 " cannot be deactivated: %s",
				 cur->id, why);
		return;
	}
	struct api_op *op = cfg_op(a, req, K_TEAM, create, &t, sizeof(t));
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = t.id;
	int err = 0;
	struct store_value p[] = {store_text(t.name),
				  t.lead_user_id ? store_int(t.lead_user_id) : store_null(),
				  store_int(t.active), store_int(create ? api_now(a) : t.id)};
	api_step(job, create ? &s_team_insert : &s_team_update, p, 4, create ? 0 : STORE_MUST_HIT,
		 &err);
	char *before = NULL;
	if (cur) {
		struct cfgop old = {.kind = K_TEAM, .u.team = *cur};
		before = before_text(a, &old);
	}
	/* the leads' directory entries carry the team they lead */
	if (cur && cur->lead_user_id && cur->lead_user_id != t.lead_user_id)
		api_userdir_step(job, cur->lead_user_id, &err);
	if (t.lead_user_id)
		api_userdir_step(job, t.lead_user_id, &err);
	cfg_submit(op, job, req, create ? "create" : "update", before, err);
}

static void on_team_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	cJSON *items = cJSON_CreateArray();
	const struct center_team *t;
	for (unsigned i = 0; (t = center_team_at(a->cfg.center, i)); i++)
		cJSON_AddItemToArray(items, team_json(t));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_team_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_team *t = center_team(a->cfg.center, api_param_id(req, "id"));
	if (!t) {
		api_not_found(req, "team");
		return;
	}
	cJSON *o = team_json(t);
	cJSON *m = cJSON_AddArrayToObject(o, "agents");
	const struct user *u = http_req_user(req);
	const struct center_agent *ag;
	for (unsigned i = 0; (ag = center_agent_at(a->cfg.center, i)); i++)
		if (ag->team_id == t->id && api_agent_visible(a, u, ag))
			cJSON_AddItemToArray(m, cJSON_CreateNumber((double)ag->id));
	http_reply_json(req, 200, o);
}

static void on_team_create(struct http_req *req, void *arg)
{
	team_write(arg, req, true);
}

static void on_team_update(struct http_req *req, void *arg)
{
	team_write(arg, req, false);
}

/* ---------- skills ---------- */

static const char *const skill_kinds[] = {"skill", "language", NULL};

static const struct api_field skill_fields[] = {
    {"name", AF_TEXT, AF_REQ, 0, CENTER_NAME_MAX - 1, NULL},
    {"kind", AF_ENUM, 0, 0, 0, skill_kinds},
    {"active", AF_BOOL, 0, 0, 0, NULL},
};

static const struct store_stmt s_skill_insert = {
    "api.skill_insert", "INSERT INTO skills (name, kind, active) VALUES ($1, $2, $3) RETURNING id",
    NULL};
static const struct store_stmt s_skill_update = {
    "api.skill_update", "UPDATE skills SET name = $1, kind = $2, active = $3 WHERE id = $4", NULL};

/*
 * Whether skill id may be put on a list that held old[0..n_old) before: an
 * active one, or a deactivated one it already held (kept for its history);
 * else a 422 naming field.
 */
bool api_skill_assignable(struct api *a, struct http_req *req, const char *field, int64_t id,
			  const uint32_t *old, uint32_t n_old);
bool api_skill_assignable(struct api *a, struct http_req *req, const char *field, int64_t id,
			  const uint32_t *old, uint32_t n_old)
{
	const struct center_skill *s = center_skill(a->cfg.center, id);
	if (!s) {
		api_invalid(req, "field \"%s\": no skill %" PRId64, field, id);
		return false;
	}
	if (s->active)
		return true;
	for (uint32_t i = 0; i < n_old; i++)
		if (old[i] == (uint32_t)id)
			return true;
	api_invalid(req, "field \"%s\": skill %" PRId64 " (%s) is deactivated", field, id, s->name);
	return false;
}

static void skill_write(struct api *a, struct http_req *req, bool create)
{
	const struct center_skill *cur = NULL;
	if (!create && !(cur = center_skill(a->cfg.center, api_param_id(req, "id")))) {
		api_not_found(req, "skill");
		return;
	}
	struct api_val v[3];
	if (api_read_fields(req, http_req_json(req), skill_fields, 3, NULL, create, v))
		return;
	struct center_skill s;
	memset(&s, 0, sizeof(s));
	s.active = true;
	if (cur)
		s = *cur;
	if (v[0].present)
		snprintf(s.name, sizeof(s.name), "%s", v[0].s);
	if (v[1].present)
		s.language = strcmp(v[1].s, "language") == 0;
	if (v[2].present)
		s.active = v[2].i != 0;
	struct api_op *op = cfg_op(a, req, K_SKILL, create, &s, sizeof(s));
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = s.id;
	int err = 0;
	struct store_value p[] = {store_text(s.name), store_text(s.language ? "language" : "skill"),
				  store_int(s.active), store_int(s.id)};
	api_step(job, create ? &s_skill_insert : &s_skill_update, p, create ? 3 : 4,
		 create ? 0 : STORE_MUST_HIT, &err);
	char *before = NULL;
	if (cur) {
		struct cfgop old = {.kind = K_SKILL, .u.skill = *cur};
		before = before_text(a, &old);
	}
	cfg_submit(op, job, req, create ? "create" : "update", before, err);
}

static void on_skill_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	cJSON *items = cJSON_CreateArray();
	const struct center_skill *s;
	for (unsigned i = 0; (s = center_skill_at(a->cfg.center, i)); i++)
		cJSON_AddItemToArray(items, skill_json(s));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_skill_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_skill *s = center_skill(a->cfg.center, api_param_id(req, "id"));
	if (!s) {
		api_not_found(req, "skill");
		return;
	}
	http_reply_json(req, 200, skill_json(s));
}

static void on_skill_create(struct http_req *req, void *arg)
{
	skill_write(arg, req, true);
}

static void on_skill_update(struct http_req *req, void *arg)
{
	skill_write(arg, req, false);
}

/* ---------- numbers ---------- */

static const struct api_field number_fields[] = {
    {"number", AF_TEXT, AF_REQ, 0, 31, NULL},
    {"client_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    {"queue_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    {"active", AF_BOOL, 0, 0, 0, NULL},
};

static const struct store_stmt s_number_insert = {
    "api.number_insert",
    "INSERT INTO numbers (number, client_id, queue_id, active, created_at)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING id",
    NULL};
static const struct store_stmt s_number_update = {
    "api.number_update",
    "UPDATE numbers SET number = $1, client_id = $2, queue_id = $3, active = $4 WHERE id = $5",
    NULL};
static const struct store_stmt s_number_delete = {"api.number_delete",
						  "DELETE FROM numbers WHERE id = $1", NULL};

static const struct center_number *number_by_id(struct api *a, int64_t id)
{
	const struct center_number *n;
	for (unsigned i = 0; (n = center_number_at(a->cfg.center, i)); i++)
		if (n->id == id)
			return n;
	return NULL;
}

static bool number_visible(const struct user *u, const struct center_number *n)
{
	return api_client_visible(u, n->client_id);
}

static void number_write(struct api *a, struct http_req *req, bool create)
{
	const struct user *u = http_req_user(req);
	const struct center_number *cur = NULL;
	if (!create) {
		cur = number_by_id(a, api_param_id(req, "id"));
		if (!cur || !number_visible(u, cur)) {
			api_not_found(req, "number");
			return;
		}
	}
	struct api_val v[4];
	if (api_read_fields(req, http_req_json(req), number_fields, 4, NULL, create, v))
		return;
	struct center_number n;
	memset(&n, 0, sizeof(n));
	n.active = true;
	if (cur)
		n = *cur;
	if (v[1].present)
		n.client_id = v[1].null ? 0 : v[1].i;
	if (v[2].present)
		n.queue_id = v[2].null ? 0 : v[2].i;
	if (v[3].present)
		n.active = v[3].i != 0;
	if (n.client_id && (!center_client(a->cfg.center, n.client_id) ||
			    !user_may_see_client(u, (uint64_t)n.client_id))) {
		api_invalid(req, "field \"client_id\": no client %" PRId64, n.client_id);
		return;
	}
	const struct center_queue *q = n.queue_id ? center_queue(a->cfg.center, n.queue_id) : NULL;
	if (n.queue_id && (!q || !user_may_see_client(u, (uint64_t)q->client_id))) {
		api_invalid(req, "field \"queue_id\": no queue %" PRId64, n.queue_id);
		return;
	}
	if (q && !n.client_id)
		n.client_id = q->client_id;
	if (v[0].present) {
		/* short internal numbers stay as they are; others become E.164 */
		const char *in = v[0].s;
		size_t len = strlen(in);
		bool internal = len >= 2 && len <= 6 && digits(in, 2, 6) && in[0] != '0';
		if (internal) {
			snprintf(n.number, sizeof(n.number), "%s", in);
		} else {
			char cc[8], trunk[8], intl[8];
			api_client_plan(a, n.client_id, cc, trunk, intl);
			struct phone_plan plan = {cc, trunk, intl};
			if (phone_normalize(in, &plan, n.number, sizeof(n.number)) != 0) {
				api_invalid(req,
					    "field \"number\": \"%s\" is neither a phone number "
					    "nor a 2-6 digit internal number",
					    in);
				return;
			}
		}
	}
	const struct center_number *other = center_number(a->cfg.center, n.number);
	if (other && other->id != n.id) {
		http_reply_error(req, 409, "conflict", "number %s exists already", n.number);
		return;
	}
	struct api_op *op = cfg_op(a, req, K_NUMBER, create, &n, sizeof(n));
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = n.id;
	int err = 0;
	struct store_value p[] = {store_text(n.number),
				  n.client_id ? store_int(n.client_id) : store_null(),
				  n.queue_id ? store_int(n.queue_id) : store_null(),
				  store_int(n.active), store_int(create ? api_now(a) : n.id)};
	api_step(job, create ? &s_number_insert : &s_number_update, p, 5,
		 create ? 0 : STORE_MUST_HIT, &err);
	char *before = NULL;
	if (cur) {
		struct cfgop old = {.kind = K_NUMBER, .u.number = *cur};
		before = before_text(a, &old);
	}
	cfg_submit(op, job, req, create ? "create" : "update", before, err);
}

static void on_number_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	cJSON *items = cJSON_CreateArray();
	const struct center_number *n;
	for (unsigned i = 0; (n = center_number_at(a->cfg.center, i)); i++)
		if (number_visible(u, n))
			cJSON_AddItemToArray(items, number_json(n));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_number_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_number *n = number_by_id(a, api_param_id(req, "id"));
	if (!n || !number_visible(http_req_user(req), n)) {
		api_not_found(req, "number");
		return;
	}
	http_reply_json(req, 200, number_json(n));
}

static void on_number_create(struct http_req *req, void *arg)
{
	number_write(arg, req, true);
}

static void on_number_update(struct http_req *req, void *arg)
{
	number_write(arg, req, false);
}

static void on_number_delete(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_number *cur = number_by_id(a, api_param_id(req, "id"));
	if (!cur || !number_visible(http_req_user(req), cur)) {
		api_not_found(req, "number");
		return;
	}
	struct api_op *op = cfg_op(a, req, K_NUMBER, false, cur, sizeof(*cur));
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	((struct cfgop *)op->data)->remove = true;
	op->id = cur->id;
	int err = 0;
	struct store_value p[] = {store_int(cur->id)};
	api_step(job, &s_number_delete, p, 1, STORE_MUST_HIT, &err);
	struct cfgop old = {.kind = K_NUMBER, .u.number = *cur};
	cfg_submit(op, job, req, "delete", before_text(a, &old), err);
}

/* ---------- queues ---------- */

static const char *const strategies[] = {"longest-idle", "round-robin", "fewest-calls",
					 "least-talk",	 "linear",	"random",
					 "ring-all",	 "best-skill",	NULL};
static const char *const overflows[] = {"none", "queue", "callback", NULL};
static const char *const wrapups[] = {"none", "timed", "manual", NULL};

#define DAY_MS	86400000LL
#define WEEK_MS (7 * DAY_MS)

enum {
	QF_NAME,
	QF_CLIENT,
	QF_SITE,
	QF_STRATEGY,
	QF_RING_ALL_MAX,
	QF_WEIGHT,
	QF_GROUP,
	QF_RING_TIMEOUT,
	QF_MAX_WAIT,
	QF_OVERFLOW,
	QF_OVERFLOW_QUEUE,
	QF_MAX_LEN,
	QF_JOIN_EMPTY,
	QF_WRAPUP,
	QF_WRAPUP_MS,
	QF_SL_THRESHOLD,
	QF_SL_TARGET,
	QF_SHORT_ABANDON,
	QF_RESUME,
	QF_DEFAULT_AHT,
	QF_CB_ATTEMPTS,
	QF_CB_RETRY,
	QF_PRIORITY,
	QF_ANNOUNCE,
	QF_ACTIVE,
	QF_RECORDING, /* call recording (tel_rec.c) */
	QF_REC_CONSENT,
	QF_REC_RETENTION,
	QF_COUNT
};

static const struct api_field queue_fields[QF_COUNT] = {
    [QF_NAME] = {"name", AF_TEXT, AF_REQ, 0, CENTER_NAME_MAX - 1, NULL},
    [QF_CLIENT] = {"client_id", AF_INT, 0, 1, UINT32_MAX, NULL},
    [QF_SITE] = {"site_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    [QF_STRATEGY] = {"strategy", AF_ENUM, 0, 0, 0, strategies},
    [QF_RING_ALL_MAX] = {"ring_all_max", AF_INT, 0, 1, ACD_MAX_RING_ALL, NULL},
    [QF_WEIGHT] = {"weight", AF_INT, 0, 1, 1000, NULL},
    [QF_GROUP] = {"group_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    [QF_RING_TIMEOUT] = {"ring_timeout_ms", AF_INT, 0, 1, 600000, NULL},
    [QF_MAX_WAIT] = {"max_wait_ms", AF_INT, 0, 0, DAY_MS, NULL},
    [QF_OVERFLOW] = {"overflow", AF_ENUM, 0, 0, 0, overflows},
    [QF_OVERFLOW_QUEUE] = {"overflow_queue_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
    [QF_MAX_LEN] = {"max_len", AF_INT, 0, 0, 1000000, NULL},
    [QF_JOIN_EMPTY] = {"join_empty", AF_BOOL, 0, 0, 0, NULL},
    [QF_WRAPUP] = {"wrapup", AF_ENUM, 0, 0, 0, wrapups},
    [QF_WRAPUP_MS] = {"wrapup_ms", AF_INT, 0, 0, DAY_MS, NULL},
    [QF_SL_THRESHOLD] = {"sl_threshold_ms", AF_INT, 0, 0, DAY_MS, NULL},
    [QF_SL_TARGET] = {"sl_target_pct", AF_REAL, 0, 0, 100, NULL},
    [QF_SHORT_ABANDON] = {"short_abandon_ms", AF_INT, 0, 0, DAY_MS, NULL},
    [QF_RESUME] = {"resume_ms", AF_INT, 0, 0, DAY_MS, NULL},
    [QF_DEFAULT_AHT] = {"default_aht_ms", AF_INT, 0, 1, DAY_MS, NULL},
    [QF_CB_ATTEMPTS] = {"callback_attempts", AF_INT, 0, 1, 100, NULL},
    [QF_CB_RETRY] = {"callback_retry_ms", AF_INT, 0, 0, WEEK_MS, NULL},
    [QF_PRIORITY] = {"priority", AF_INT, 0, -1000, 1000, NULL},
    [QF_ANNOUNCE] = {"announce_ms", AF_INT, 0, 0, DAY_MS, NULL},
    [QF_ACTIVE] = {"active", AF_BOOL, 0, 0, 0, NULL},
    [QF_RECORDING] = {"recording", AF_ENUM, 0, 0, 0, rec_modes},
    [QF_REC_CONSENT] = {"recording_consent", AF_TEXT, AF_NULL, 0, 255, NULL},
    [QF_REC_RETENTION] = {"recording_retention_days", AF_INT, 0, 0, 36500, NULL},
};

static const char *const queue_extra[] = {"skills", "tiers", NULL};

#define QUEUE_COLS                                                                                 \
	"client_id, site_id, name, strategy, ring_all_max, weight, group_id, ring_timeout_ms,"     \
	" max_wait_ms, overflow, overflow_queue_id, max_len, join_empty, wrapup, wrapup_ms,"       \
	" sl_threshold_ms, sl_target_pct, short_abandon_ms, resume_ms, default_aht_ms,"            \
	" callback_attempts, callback_retry_ms, priority, announce_ms, active, updated_at"

static const struct store_stmt s_queue_insert = {
    "api.queue_insert",
    "INSERT INTO queues (" QUEUE_COLS ", created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $26)"
    " RETURNING id",
    NULL};
static const struct store_stmt s_queue_update = {
    "api.queue_update",
    "UPDATE queues SET client_id = $1, site_id = $2, name = $3, strategy = $4,"
    " ring_all_max = $5, weight = $6, group_id = $7, ring_timeout_ms = $8, max_wait_ms = $9,"
    " overflow = $10, overflow_queue_id = $11, max_len = $12, join_empty = $13, wrapup = $14,"
    " wrapup_ms = $15, sl_threshold_ms = $16, sl_target_pct = $17, short_abandon_ms = $18,"
    " resume_ms = $19, default_aht_ms = $20, callback_attempts = $21, callback_retry_ms = $22,"
    " priority = $23, announce_ms = $24, active = $25, updated_at = $26 WHERE id = $27",
    NULL};
static const struct store_stmt s_queue_skills_clear = {
    "api.queue_skills_clear", "DELETE FROM queue_skills WHERE queue_id = $1", NULL};
static const struct store_stmt s_queue_skill = {
    "api.queue_skill",
    "INSERT INTO queue_skills (queue_id, skill_id, min_level) VALUES ($1, $2, $3)", NULL};
static const struct store_stmt s_queue_tiers_clear = {
    "api.queue_tiers_clear", "DELETE FROM queue_tiers WHERE queue_id = $1", NULL};
static const struct store_stmt s_queue_tier = {
    "api.queue_tier",
    "INSERT INTO queue_tiers (queue_id, step, after_ms, level_drop, group_id)"
    " VALUES ($1, $2, $3, $4, $5)",
    NULL};

/* Reads "skills": [{"skill_id", "min_level"}] into p. */
static int read_queue_skills(struct api *a, struct http_req *req, const cJSON *arr,
			     struct acd_queue_params *p)
{
	if (!cJSON_IsArray(arr)) {
		api_invalid(req, "field \"skills\" must be an array of {skill_id, min_level}");
		return EINVAL;
	}
	static const struct api_field f[] = {
	    {"skill_id", AF_INT, AF_REQ, 1, UINT32_MAX, NULL},
	    {"min_level", AF_INT, AF_REQ, 1, ACD_MAX_LEVEL, NULL},
	};
	uint32_t old[ACD_MAX_REQ], n_old = p->n_req; /* the list before (kept skills) */
	for (uint32_t i = 0; i < n_old && i < ACD_MAX_REQ; i++)
		old[i] = p->req[i].skill;
	p->n_req = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (p->n_req == ACD_MAX_REQ) {
			api_invalid(req, "field \"skills\": at most %d requirements", ACD_MAX_REQ);
			return EINVAL;
		}
		struct api_val v[2];
		if (api_read_fields(req, it, f, 2, NULL, true, v))
			return EINVAL;
		if (!api_skill_assignable(a, req, "skills", v[0].i, old, n_old))
			return EINVAL;
		for (uint32_t k = 0; k < p->n_req; k++) {
			if (p->req[k].skill == (uint32_t)v[0].i) {
				api_invalid(req, "field \"skills\": skill %" PRId64 " twice",
					    v[0].i);
				return EINVAL;
			}
		}
		p->req[p->n_req].skill = (uint32_t)v[0].i;
		p->req[p->n_req].min_level = (uint8_t)v[1].i;
		p->n_req++;
	}
	return 0;
}

static int read_queue_tiers(struct api *a, struct http_req *req, const cJSON *arr,
			    struct acd_queue_params *p)
{
	if (!cJSON_IsArray(arr)) {
		api_invalid(req,
			    "field \"tiers\" must be an array of {after_ms, level_drop, group_id}");
		return EINVAL;
	}
	static const struct api_field f[] = {
	    {"after_ms", AF_INT, AF_REQ, 1, DAY_MS, NULL},
	    {"level_drop", AF_INT, 0, 0, ACD_MAX_LEVEL - 1, NULL},
	    {"group_id", AF_INT, AF_NULL, 1, UINT32_MAX, NULL},
	};
	p->n_tiers = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (p->n_tiers == ACD_MAX_TIERS) {
			api_invalid(req, "field \"tiers\": at most %d widening steps",
				    ACD_MAX_TIERS);
			return EINVAL;
		}
		struct api_val v[3];
		if (api_read_fields(req, it, f, 3, NULL, true, v))
			return EINVAL;
		if (p->n_tiers && v[0].i <= p->tiers[p->n_tiers - 1].after_ms) {
			api_invalid(req,
				    "field \"tiers\": after_ms must increase from step to step");
			return EINVAL;
		}
		int64_t g = v[2].present && !v[2].null ? v[2].i : 0;
		if (g && !center_team(a->cfg.center, g)) {
			api_invalid(req, "field \"tiers\": no team %" PRId64, g);
			return EINVAL;
		}
		struct acd_tier *t = &p->tiers[p->n_tiers++];
		t->after_ms = v[0].i;
		t->level_drop = v[1].present ? (uint8_t)v[1].i : 0;
		t->group = (uint32_t)g;
	}
	return 0;
}

static int parse_enum(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return 0;
}

/* A consent prompt: "" (none), a prompt name of the sounds directory, or a readable WAV file. */
static bool rec_consent_ok(const char *s)
{
	if (!s[0])
		return true;
	if (s[0] == '/') {
		size_t n = strlen(s);
		return n > 4 && strcmp(s + n - 4, ".wav") == 0 && access(s, R_OK) == 0;
	}
	if (strstr(s, "..") || s[strlen(s) - 1] == '/')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '/'))
			return false;
	return true;
}

static const struct store_stmt s_queue_rec = {
    "api.queue_rec",
    "UPDATE queues SET recording = $1, recording_consent = $2, recording_retention_days = $3"
    " WHERE id = $4",
    NULL};

static void queue_write(struct api *a, struct http_req *req, bool create)
{
	const struct user *u = http_req_user(req);
	const struct center_queue *cur = NULL;
	if (!create) {
		cur = center_queue(a->cfg.center, api_param_id(req, "id"));
		if (!cur || !user_may_see_client(u, (uint64_t)cur->client_id)) {
			api_not_found(req, "queue");
			return;
		}
	}
	const cJSON *body = http_req_json(req);
	struct api_val v[QF_COUNT];
	if (api_read_fields(req, body, queue_fields, QF_COUNT, queue_extra, create, v))
		return;
	struct center_queue q;
	memset(&q, 0, sizeof(q));
	if (cur) {
		q = *cur;
	} else {
		acd_queue_params_default(&q.acd);
		q.sl_target_pct = 80;
		q.active = true;
		if (api_pick_client(a, req, u, &v[QF_CLIENT], &q.client_id))
			return;
	}
	struct acd_queue_params *p = &q.acd;
	if (v[QF_NAME].present)
		snprintf(q.name, sizeof(q.name), "%s", v[QF_NAME].s);
	if (v[QF_CLIENT].present && cur) {
		if (!center_client(a->cfg.center, v[QF_CLIENT].i) ||
		    !user_may_see_client(u, (uint64_t)v[QF_CLIENT].i)) {
			api_invalid(req, "field \"client_id\": no client %" PRId64, v[QF_CLIENT].i);
			return;
		}
		q.client_id = v[QF_CLIENT].i;
	}
	if (v[QF_SITE].present)
		q.site_id = v[QF_SITE].null ? 0 : v[QF_SITE].i;
	if (v[QF_STRATEGY].present)
		p->strategy = (enum acd_strategy)parse_enum(strategies, v[QF_STRATEGY].s);
	if (v[QF_RING_ALL_MAX].present)
		p->ring_all_max = (uint32_t)v[QF_RING_ALL_MAX].i;
	if (v[QF_WEIGHT].present)
		p->weight = (uint32_t)v[QF_WEIGHT].i;
	if (v[QF_GROUP].present)
		p->group = v[QF_GROUP].null ? 0 : (uint32_t)v[QF_GROUP].i;
	if (v[QF_RING_TIMEOUT].present)
		p->ring_timeout_ms = v[QF_RING_TIMEOUT].i;
	if (v[QF_MAX_WAIT].present)
		p->max_wait_ms = v[QF_MAX_WAIT].i;
	if (v[QF_OVERFLOW].present)
		p->overflow = (enum acd_overflow)parse_enum(overflows, v[QF_OVERFLOW].s);
	if (v[QF_OVERFLOW_QUEUE].present)
		p->overflow_queue =
		    v[QF_OVERFLOW_QUEUE].null ? 0 : (uint32_t)v[QF_OVERFLOW_QUEUE].i;
	if (v[QF_MAX_LEN].present)
		p->max_len = (uint32_t)v[QF_MAX_LEN].i;
	if (v[QF_JOIN_EMPTY].present)
		p->join_empty = v[QF_JOIN_EMPTY].i != 0;
	if (v[QF_WRAPUP].present)
		p->wrapup = (enum acd_wrapup)parse_enum(wrapups, v[QF_WRAPUP].s);
	if (v[QF_WRAPUP_MS].present)
		p->wrapup_ms = v[QF_WRAPUP_MS].i;
	if (v[QF_SL_THRESHOLD].present)
		p->sl_threshold_ms = v[QF_SL_THRESHOLD].i;
	if (v[QF_SL_TARGET].present)
		q.sl_target_pct = v[QF_SL_TARGET].d;
	if (v[QF_SHORT_ABANDON].present)
		p->short_abandon_ms = v[QF_SHORT_ABANDON].i;
	if (v[QF_RESUME].present)
		p->resume_ms = v[QF_RESUME].i;
	if (v[QF_DEFAULT_AHT].present)
		p->default_aht_ms = v[QF_DEFAULT_AHT].i;
	if (v[QF_CB_ATTEMPTS].present)
		p->callback_attempts = (uint32_t)v[QF_CB_ATTEMPTS].i;
	if (v[QF_CB_RETRY].present)
		p->callback_retry_ms = v[QF_CB_RETRY].i;
	if (v[QF_PRIORITY].present)
		q.priority = (int32_t)v[QF_PRIORITY].i;
	if (v[QF_ANNOUNCE].present)
		q.announce_ms = v[QF_ANNOUNCE].i;
	if (v[QF_ACTIVE].present)
		q.active = v[QF_ACTIVE].i != 0;
	if (v[QF_RECORDING].present)
		q.rec_mode = (enum center_rec_mode)parse_enum(rec_modes, v[QF_RECORDING].s);
	if (v[QF_REC_CONSENT].present) {
		const char *cs = v[QF_REC_CONSENT].null ? "" : v[QF_REC_CONSENT].s;
		if (!rec_consent_ok(cs)) {
			api_invalid(
			    req, "field \"recording_consent\" must name a prompt (letters, digits,"
				 " '-', '_', '/') or be the path of a readable .wav file");
			return;
		}
		snprintf(q.rec_consent, sizeof(q.rec_consent), "%s", cs);
	}
	if (v[QF_REC_RETENTION].present)
		q.rec_retention_days = (int32_t)v[QF_REC_RETENTION].i;
	const cJSON *sk = cJSON_GetObjectItemCaseSensitive(body, "skills");
	const cJSON *ti = cJSON_GetObjectItemCaseSensitive(body, "tiers");
	if (sk && read_queue_skills(a, req, sk, p))
		return;
	if (ti && read_queue_tiers(a, req, ti, p))
		return;
	/* references and the rules the ACD applies, each named */
	if (q.site_id && !center_site(a->cfg.center, q.site_id)) {
		api_invalid(req, "field \"site_id\": no site %" PRId64, q.site_id);
		return;
	}
	if (p->group && !center_team(a->cfg.center, p->group)) {
		api_invalid(req, "field \"group_id\": no team %u", p->group);
		return;
	}
	if (p->overflow == ACD_OVERFLOW_QUEUE) {
		const struct center_queue *oq =
		    p->overflow_queue ? center_queue(a->cfg.center, p->overflow_queue) : NULL;
		if (!oq || (cur && oq->id == cur->id)) {
			api_invalid(req, "field \"overflow_queue_id\" must name another queue when "
					 "overflow is \"queue\"");
			return;
		}
	} else {
		p->overflow_queue = 0;
	}
	if (p->wrapup == ACD_WRAPUP_TIMED && p->wrapup_ms <= 0) {
		api_invalid(req, "field \"wrapup_ms\" must be above 0 when wrapup is \"timed\"");
		return;
	}
	const struct center_queue *x;
	for (unsigned i = 0; (x = center_queue_at(a->cfg.center, i)); i++) {
		if (strcmp(x->name, q.name) == 0 && (!cur || x->id != cur->id)) {
			http_reply_error(req, 409, "conflict", "a queue named \"%s\" exists",
					 q.name);
			return;
		}
	}
	struct center_queue check = q;
	if (!check.id)
		check.id = UINT32_MAX; /* not yet numbered */
	if (center_queue_check(a->cfg.center, &check) != 0) {
		api_invalid(req, "the queue's parameters are refused by the ACD");
		return;
	}
	struct api_op *op = cfg_op(a, req, K_QUEUE, create, &q, sizeof(q));
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = q.id;
	int64_t now = api_now(a);
	struct store_value qv[27] = {
	    store_int(q.client_id),
	    q.site_id ? store_int(q.site_id) : store_null(),
	    store_text(q.name),
	    store_text(acd_strategy_name(p->strategy)),
	    store_int(p->ring_all_max),
	    store_int(p->weight),
	    p->group ? store_int(p->group) : store_null(),
	    store_int(p->ring_timeout_ms),
	    store_int(p->max_wait_ms),
	    store_text(overflow_name(p->overflow)),
	    p->overflow_queue ? store_int(p->overflow_queue) : store_null(),
	    store_int(p->max_len),
	    store_int(p->join_empty),
	    store_text(wrapup_name(p->wrapup)),
	    store_int(p->wrapup_ms),
	    store_int(p->sl_threshold_ms),
	    store_real(q.sl_target_pct),
	    store_int(p->short_abandon_ms),
	    store_int(p->resume_ms),
	    store_int(p->default_aht_ms),
	    store_int(p->callback_attempts),
	    store_int(p->callback_retry_ms),
	    store_int(q.priority),
	    store_int(q.announce_ms),
	    store_int(q.active),
	    store_int(now),
	    store_int(q.id),
	};
	int err = 0;
	api_step(job, create ? &s_queue_insert : &s_queue_update, qv, create ? 26 : 27,
		 create ? 0 : STORE_MUST_HIT, &err);
	struct store_value qid = create ? store_ref(0, 0) : store_int(q.id);
	struct store_value rv[] = {store_text(rec_modes[q.rec_mode]),
				   q.rec_consent[0] ? store_text(q.rec_consent) : store_null(),
				   store_int(q.rec_retention_days), qid};
	api_step(job, &s_queue_rec, rv, 4, 0, &err);
	if (create || sk) {
		if (!create)
			api_step(job, &s_queue_skills_clear, &qid, 1, 0, &err);
		for (uint32_t i = 0; i < p->n_req; i++) {
			struct store_value r[] = {qid, store_int(p->req[i].skill),
						  store_int(p->req[i].min_level)};
			api_step(job, &s_queue_skill, r, 3, 0, &err);
		}
	}
	if (create || ti) {
		if (!create)
			api_step(job, &s_queue_tiers_clear, &qid, 1, 0, &err);
		for (uint32_t i = 0; i < p->n_tiers; i++) {
			struct store_value r[] = {
			    qid, store_int(i + 1), store_int(p->tiers[i].after_ms),
			    store_int(p->tiers[i].level_drop),
			    p->tiers[i].group ? store_int(p->tiers[i].group) : store_null()};
			api_step(job, &s_queue_tier, r, 5, 0, &err);
		}
	}
	char *before = NULL;
	if (cur) {
		struct cfgop old = {.kind = K_QUEUE, .u.queue = *cur};
		before = before_text(a, &old);
	}
	cfg_submit(op, job, req, create ? "create" : "update", before, err);
}

static void on_queue_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	struct api_jw *w = &a->jw;
	api_jw_reset(w);
	api_jw_obj(w, NULL);
	api_jw_arr(w, "items");
	const struct center_queue *q;
	for (unsigned i = 0; (q = center_queue_at(a->cfg.center, i)); i++)
		if (api_queue_visible(a, u, q))
			queue_jw(a, w, q, true);
	api_jw_end_arr(w);
	api_jw_null(w, "next");
	api_jw_end_obj(w);
	reply_jw(req, 200, w);
}

static void on_queue_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_queue *q = center_queue(a->cfg.center, api_param_id(req, "id"));
	if (!q || !api_queue_visible(a, http_req_user(req), q)) {
		api_not_found(req, "queue");
		return;
	}
	api_jw_reset(&a->jw);
	queue_jw(a, &a->jw, q, true);
	reply_jw(req, 200, &a->jw);
}

static void on_queue_create(struct http_req *req, void *arg)
{
	queue_write(arg, req, true);
}

static void on_queue_update(struct http_req *req, void *arg)
{
	queue_write(arg, req, false);
}

/* Queues are kept for their history: deleting one closes it (active false). */
static void on_queue_delete(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_queue *cur = center_queue(a->cfg.center, api_param_id(req, "id"));
	if (!cur || !user_may_see_client(http_req_user(req), (uint64_t)cur->client_id)) {
		api_not_found(req, "queue");
		return;
	}
	struct center_queue q = *cur;
	q.active = false;
	struct api_op *op = cfg_op(a, req, K_QUEUE, false, &q, sizeof(q));
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = q.id;
	int err = 0;
	static const struct store_stmt s_close = {
	    "api.queue_close", "UPDATE queues SET active = 0, updated_at = $2 WHERE id = $1", NULL};
	struct store_value p[] = {store_int(q.id), store_int(api_now(a))};
	api_step(job, &s_close, p, 2, STORE_MUST_HIT, &err);
	struct cfgop old = {.kind = K_QUEUE, .u.queue = *cur};
	op->status = 204;
	cfg_submit(op, job, req, "deactivate", before_text(a, &old), err);
}

/* ---------- routes ---------- */

#define LIST_OF(item)                                                                              \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" item       \
	"},\"next\":{\"type\":\"string\",\"nullable\":true}}}"

#define SITE_SCHEMA                                                                                \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"   \
	"\"string\"},\"time_zone\":{\"type\":\"string\"},\"country_code\":{\"type\":\"string\"},"  \
	"\"trunk_prefix\":{\"type\":\"string\"},\"intl_prefix\":{\"type\":\"string\"}}}"
#define SITE_IN                                                                                    \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"name\":{\"type\":"  \
	"\"string\",\"maxLength\":127},\"time_zone\":{\"type\":\"string\",\"description\":\"IANA " \
	"zone\"},\"country_code\":{\"type\":\"string\",\"pattern\":\"^[1-9][0-9]{0,2}$\"},"        \
	"\"trunk_prefix\":{\"type\":\"string\",\"pattern\":\"^[0-9]{0,2}$\"},\"intl_prefix\":{"    \
	"\"type\":\"string\",\"pattern\":\"^[0-9]{1,4}$\"}}}"
#define CLIENT_SCHEMA                                                                              \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"   \
	"\"string\"},\"site_id\":{\"type\":\"integer\",\"nullable\":true}}}"
#define CLIENT_IN                                                                                  \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"name\":{\"type\":"  \
	"\"string\",\"maxLength\":127},\"site_id\":{\"type\":\"integer\"}}}"
#define TEAM_SCHEMA                                                                                \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"   \
	"\"string\"},\"lead_user_id\":{\"type\":\"integer\",\"nullable\":true},\"active\":{"       \
	"\"type\":\"boolean\"},\"agents\":{"                                                       \
	"\"type\":"                                                                                \
	"\"array\",\"items\":{\"type\":\"integer\"}}}}"
#define TEAM_IN                                                                                    \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"name\":{\"type\":"  \
	"\"string\",\"maxLength\":127},\"lead_user_id\":{\"type\":\"integer\",\"nullable\":true}," \
	"\"active\":{\"type\":\"boolean\"}}"                                                       \
	"}"
#define SKILL_SCHEMA                                                                               \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"   \
	"\"string\"},\"kind\":{\"type\":\"string\",\"enum\":[\"skill\",\"language\"]},"            \
	"\"active\":{\"type\":\"boolean\"}}}"
#define SKILL_IN                                                                                   \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"name\":{\"type\":"  \
	"\"string\",\"maxLength\":127},\"kind\":{\"type\":\"string\",\"enum\":[\"skill\","         \
	"\"language\"]},\"active\":{\"type\":\"boolean\"}}}"
#define NUMBER_SCHEMA                                                                              \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"number\":{\"type\":" \
	"\"string\",\"description\":\"E.164, or a short internal "                                 \
	"number\"},\"client_id\":{\"type\":"                                                       \
	"\"integer\",\"nullable\":true},\"queue_id\":{\"type\":\"integer\",\"nullable\":true},"    \
	"\"active\":{\"type\":\"boolean\"}}}"
#define NUMBER_IN                                                                                  \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"number\":{"         \
	"\"type\":"                                                                                \
	"\"string\"},\"client_id\":{\"type\":\"integer\",\"nullable\":true},\"queue_id\":{"        \
	"\"type\":"                                                                                \
	"\"integer\",\"nullable\":true},\"active\":{\"type\":\"boolean\"}}}"

#define QUEUE_PROPS                                                                                \
	"\"name\":{\"type\":\"string\",\"maxLength\":127},\"client_id\":{\"type\":\"integer\"},"   \
	"\"site_id\":{\"type\":\"integer\",\"nullable\":true},\"strategy\":{\"type\":\"string\","  \
	"\"enum\":[\"longest-idle\",\"round-robin\",\"fewest-calls\",\"least-talk\",\"linear\","   \
	"\"random\",\"ring-all\",\"best-skill\"]},\"ring_all_max\":{\"type\":\"integer\","         \
	"\"minimum\":1,\"maximum\":64},\"weight\":{\"type\":\"integer\",\"minimum\":1},\"group_"   \
	"id\":"                                                                                    \
	"{\"type\":\"integer\",\"nullable\":true},\"ring_timeout_ms\":{\"type\":\"integer\","      \
	"\"minimum\":1},\"max_wait_ms\":{\"type\":\"integer\",\"minimum\":0},\"overflow\":{"       \
	"\"type\":"                                                                                \
	"\"string\",\"enum\":[\"none\",\"queue\",\"callback\"]},\"overflow_queue_id\":{\"type\":"  \
	"\"integer\",\"nullable\":true},\"max_len\":{\"type\":\"integer\",\"minimum\":0},"         \
	"\"join_empty\":{\"type\":\"boolean\"},\"wrapup\":{\"type\":\"string\",\"enum\":["         \
	"\"none\","                                                                                \
	"\"timed\",\"manual\"]},\"wrapup_ms\":{\"type\":\"integer\",\"minimum\":0},"               \
	"\"sl_threshold_ms\":{\"type\":\"integer\",\"minimum\":0},\"sl_target_pct\":{\"type\":"    \
	"\"number\",\"minimum\":0,\"maximum\":100},\"short_abandon_ms\":{\"type\":\"integer\"},"   \
	"\"resume_ms\":{\"type\":\"integer\"},\"default_aht_ms\":{\"type\":\"integer\","           \
	"\"minimum\":"                                                                             \
	"1},\"callback_attempts\":{\"type\":\"integer\",\"minimum\":1},\"callback_retry_ms\":{"    \
	"\"type\":\"integer\"},\"priority\":{\"type\":\"integer\"},\"announce_ms\":{\"type\":"     \
	"\"integer\"},\"active\":{\"type\":\"boolean\"},"                                          \
	"\"recording\":{\"type\":\"string\",\"enum\":[\"off\",\"always\",\"on_demand\"]},"         \
	"\"recording_consent\":{\"type\":\"string\",\"nullable\":true,\"description\":\"a prompt " \
	"of the sounds directory or a WAV path, played before the agent\"},"                       \
	"\"recording_retention_days\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"0: "   \
	"kept for ever\"},\"skills\":{\"type\":\"array\",\"items\":"                               \
	"{"                                                                                        \
	"\"type\":\"object\",\"properties\":{\"skill_id\":{\"type\":\"integer\"},\"min_level\":{"  \
	"\"type\":\"integer\",\"minimum\":1,\"maximum\":10}}}},\"tiers\":{\"type\":\"array\","     \
	"\"maxItems\":4,\"items\":{\"type\":\"object\",\"properties\":{\"after_ms\":{\"type\":"    \
	"\"integer\"},\"level_drop\":{\"type\":\"integer\"},\"group_id\":{\"type\":\"integer\","   \
	"\"nullable\":true}}}}"
#define QUEUE_IN                                                                                   \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" QUEUE_PROPS "}}"
#define QUEUE_SCHEMA                                                                               \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," QUEUE_PROPS          \
	",\"live\":{\"type\":\"object\",\"description\":\"committed figures since local "          \
	"midnight\","                                                                              \
	"\"properties\":{\"in_queue\":{\"type\":\"integer\"},\"oldest_wait_ms\":{\"type\":"        \
	"\"integer\"},\"ewt_ms\":{\"type\":\"integer\",\"nullable\":true},\"agents\":{\"type\":"   \
	"\"object\",\"description\":\"members by state\"},\"today\":{\"type\":\"object\","         \
	"\"properties\":{\"offered\":{\"type\":\"integer\"},\"answered\":{\"type\":\"integer\"},"  \
	"\"abandoned\":{\"type\":\"integer\"},\"sl_offered\":{\"type\":\"number\",\"nullable\":"   \
	"true},\"sl_excl_short\":{\"type\":\"number\",\"nullable\":true},\"sl2\":{\"type\":"       \
	"\"number\",\"nullable\":true},\"asa_ms\":{\"type\":\"number\",\"nullable\":true},"        \
	"\"aht_ms\":{\"type\":\"number\",\"nullable\":true},\"abandon_rate\":{\"type\":"           \
	"\"number\","                                                                              \
	"\"nullable\":true}}}}}}}"

int api_config_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, API_PREFIX "/sites", R_ALL, on_site_list, NULL, 0, "List sites", "config",
	     NULL, LIST_OF(SITE_SCHEMA), NULL, 0, NULL},
	    {HTTP_GET, API_PREFIX "/sites/{id:int}", R_ALL, on_site_get, NULL, 0, "A site",
	     "config", NULL, SITE_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/sites", R_ADMIN, on_site_create, NULL, 0,
	     "Create a site (time zone, dialling plan)", "config", SITE_IN, SITE_SCHEMA, NULL, 201,
	     "409"},
	    {HTTP_PUT, API_PREFIX "/sites/{id:int}", R_ADMIN, on_site_update, NULL, 0,
	     "Change a site (fields given)", "config", SITE_IN, SITE_SCHEMA, NULL, 0, "404 409"},
	    {HTTP_GET, API_PREFIX "/clients", R_ALL, on_client_list, NULL, 0,
	     "List the clients the caller may see", "config", NULL, LIST_OF(CLIENT_SCHEMA), NULL, 0,
	     NULL},
	    {HTTP_GET, API_PREFIX "/clients/{id:int}", R_ALL, on_client_get, NULL, 0, "A client",
	     "config", NULL, CLIENT_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/clients", R_ADMIN, on_client_create, NULL, 0,
	     "Create a client (a business whose customers call)", "config", CLIENT_IN,
	     CLIENT_SCHEMA, NULL, 201, "409"},
	    {HTTP_PUT, API_PREFIX "/clients/{id:int}", R_ADMIN, on_client_update, NULL, 0,
	     "Change a client", "config", CLIENT_IN, CLIENT_SCHEMA, NULL, 0, "404 409"},
	    {HTTP_GET, API_PREFIX "/teams", R_ALL, on_team_list, NULL, 0, "List teams", "config",
	     NULL, LIST_OF(TEAM_SCHEMA), NULL, 0, NULL},
	    {HTTP_GET, API_PREFIX "/teams/{id:int}", R_ALL, on_team_get, NULL, 0,
	     "A team and the agents in it the caller may see", "config", NULL, TEAM_SCHEMA, NULL, 0,
	     "404"},
	    {HTTP_POST, API_PREFIX "/teams", R_ADMIN, on_team_create, NULL, 0, "Create a team",
	     "config", TEAM_IN, TEAM_SCHEMA, NULL, 201, "409"},
	    {HTTP_PUT, API_PREFIX "/teams/{id:int}", R_ADMIN, on_team_update, NULL, 0,
	     "Change a team (name, lead; active false deactivates it once no active agent or queue"
	     " needs it)",
	     "config", TEAM_IN, TEAM_SCHEMA, NULL, 0, "404 409"},
	    {HTTP_GET, API_PREFIX "/skills", R_ALL, on_skill_list, NULL, 0,
	     "List skills and languages", "config", NULL, LIST_OF(SKILL_SCHEMA), NULL, 0, NULL},
	    {HTTP_GET, API_PREFIX "/skills/{id:int}", R_ALL, on_skill_get, NULL, 0, "A skill",
	     "config", NULL, SKILL_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/skills", R_ADMIN, on_skill_create, NULL, 0, "Create a skill",
	     "config", SKILL_IN, SKILL_SCHEMA, NULL, 201, "409"},
	    {HTTP_PUT, API_PREFIX "/skills/{id:int}", R_ADMIN, on_skill_update, NULL, 0,
	     "Change a skill (active false deactivates it: kept on agents' and queues' lists,"
	     " not assignable anew, ignored by routing)",
	     "config", SKILL_IN, SKILL_SCHEMA, NULL, 0, "404 409 422"},
	    {HTTP_GET, API_PREFIX "/numbers", R_SUPER | R_PLANNER | R_ADMIN, on_number_list, NULL,
	     0, "List the numbers callers dial", "config", NULL, LIST_OF(NUMBER_SCHEMA), NULL, 0,
	     NULL},
	    {HTTP_GET, API_PREFIX "/numbers/{id:int}", R_SUPER | R_PLANNER | R_ADMIN, on_number_get,
	     NULL, 0, "A number", "config", NULL, NUMBER_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/numbers", R_ADMIN, on_number_create, NULL, 0,
	     "Add a number (normalised to E.164 unless a 2-6 digit internal number)", "config",
	     NUMBER_IN, NUMBER_SCHEMA, NULL, 201, "409"},
	    {HTTP_PUT, API_PREFIX "/numbers/{id:int}", R_ADMIN, on_number_update, NULL, 0,
	     "Change a number", "config", NUMBER_IN, NUMBER_SCHEMA, NULL, 0, "404 409"},
	    {HTTP_DELETE, API_PREFIX "/numbers/{id:int}", R_ADMIN, on_number_delete, NULL, 0,
	     "Remove a number", "config", NULL, NULL, NULL, 204, "404"},
	    {HTTP_GET, API_PREFIX "/queues", R_ALL, on_queue_list, NULL, 0,
	     "List the queues the caller may see, with live committed figures", "queues", NULL,
	     LIST_OF(QUEUE_SCHEMA), NULL, 0, NULL},
	    {HTTP_GET, API_PREFIX "/queues/{id:int}", R_ALL, on_queue_get, NULL, 0,
	     "A queue with its live committed figures", "queues", NULL, QUEUE_SCHEMA, NULL, 0,
	     "404"},
	    {HTTP_POST, API_PREFIX "/queues", R_ADMIN, on_queue_create, NULL, 0,
	     "Create a queue (checked as the ACD will before it is written)", "queues", QUEUE_IN,
	     QUEUE_SCHEMA, NULL, 201, "409"},
	    {HTTP_PUT, API_PREFIX "/queues/{id:int}", R_ADMIN, on_queue_update, NULL, 0,
	     "Change a queue (fields given; skills and tiers replace the lists)", "queues",
	     QUEUE_IN, QUEUE_SCHEMA, NULL, 0, "404 409"},
	    {HTTP_DELETE, API_PREFIX "/queues/{id:int}", R_ADMIN, on_queue_delete, NULL, 0,
	     "Close a queue (kept for its history; PUT active true reopens it)", "queues", NULL,
	     NULL, NULL, 204, "404"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
