/* api_app_board: the wallboard's snapshot, today's interval figures, queues' opening hours and
 * numbers' menus. */
#include "server/api_app.h"

#include "base/json.h"
#include "base/mem.h"
#include "core/ivr/ivr_json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- GET /wallboard ---------- */

static void jw_ratio(struct api_jw *w, const char *key, double v)
{
	if (isfinite(v))
		api_jw_num(w, key, v, 6);
	else
		api_jw_null(w, key);
}

static void jw_counts(struct api_jw *w, const struct kpi_counts *t)
{
	api_jw_int(w, "offered", (int64_t)t->offered);
	api_jw_int(w, "answered", (int64_t)t->answered);
	api_jw_int(w, "answered_within", (int64_t)t->answered_within);
	api_jw_int(w, "abandoned", (int64_t)t->abandoned);
	api_jw_int(w, "abandoned_short", (int64_t)t->abandoned_short);
	api_jw_int(w, "abandoned_within", (int64_t)t->abandoned_within);
	api_jw_int(w, "overflowed", (int64_t)t->overflowed);
	api_jw_int(w, "handled", (int64_t)t->handled);
	jw_ratio(w, "sl_excl_short", kpi_sl_excl_short(t));
	jw_ratio(w, "sl_offered", kpi_sl_offered(t));
	jw_ratio(w, "sl2", kpi_sl2(t));
	jw_ratio(w, "asa_ms", kpi_asa_ms(t));
	jw_ratio(w, "aht_ms", kpi_aht_ms(t));
	jw_ratio(w, "abandon_rate", kpi_abandon_rate(t));
	jw_ratio(w, "abandon_rate_excl_short", kpi_abandon_rate_excl_short(t));
}

void app_jw_agent_call(struct api_jw *w, struct center *c, uint32_t agent, uint64_t call_id)
{
	/* the current call's caller and times, as its contact record has them */
	const char *num = NULL;
	int64_t cust = 0, t_conn = 0, t_end = 0;
	if (call_id)
		center_agent_call_caller(c, agent, call_id, &num, &cust, &t_conn, &t_end);
	if (num)
		api_jw_str(w, "caller_number", num);
	else
		api_jw_null(w, "caller_number");
	api_jw_id(w, "customer_id", cust);
	api_jw_id(w, "call_connected_at", t_conn);
	api_jw_id(w, "call_ended_at", t_end);
}

static void on_wallboard(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	struct center *c = a->cfg.center;
	struct api_jw *w = &a->jw;
	api_jw_reset(w);
	api_jw_obj(w, NULL);
	api_jw_int(w, "seq", (int64_t)center_committed_seq(c));
	api_jw_int(w, "now", api_now(a));
	const struct kpi *k = center_kpi(c);
	api_jw_int(w, "interval_ms", k ? kpi_interval_ms(k) : 0);
	api_jw_arr(w, "queues");
	const struct center_queue *q;
	for (unsigned i = 0; (q = center_queue_at(c, i)); i++) {
		struct center_queue_live lv;
		if (!q->active || !api_queue_visible(a, u, q) || center_queue_live(c, q->id, &lv))
			continue;
		api_jw_obj(w, NULL);
		api_jw_int(w, "id", q->id);
		api_jw_str(w, "name", q->name);
		api_jw_int(w, "sl_threshold_ms", q->acd.sl_threshold_ms);
		api_jw_num(w, "sl_target_pct", q->sl_target_pct, 6);
		api_jw_int(w, "short_abandon_ms", q->acd.short_abandon_ms);
		api_jw_int(w, "max_wait_ms", q->acd.max_wait_ms);
		api_jw_int(w, "waiting", lv.in_queue);
		api_jw_int(w, "oldest_wait_ms", lv.oldest_wait_ms);
		if (lv.ewt_ms >= 0)
			api_jw_int(w, "ewt_ms", lv.ewt_ms);
		else
			api_jw_null(w, "ewt_ms");
		api_jw_obj(w, "agents");
		for (int s = 0; s < ACD_AGENT_STATE_COUNT; s++)
			api_jw_int(w, acd_agent_state_name((enum acd_agent_state)s), lv.agents[s]);
		api_jw_end_obj(w);
		api_jw_obj(w, "today");
		jw_counts(w, &lv.today);
		api_jw_end_obj(w);
		api_jw_end_obj(w);
	}
	api_jw_end_arr(w);
	api_jw_arr(w, "agents");
	const struct center_agent *ag;
	for (unsigned i = 0; (ag = center_agent_at(c, i)); i++) {
		struct center_agent_live lv;
		if (!ag->active || !api_agent_visible(a, u, ag) ||
		    center_agent_live(c, ag->id, &lv))
			continue;
		api_jw_obj(w, NULL);
		api_jw_int(w, "id", ag->id);
		api_jw_str(w, "name", ag->name);
		api_jw_id(w, "team_id", ag->team_id);
		api_jw_str(w, "state", acd_agent_state_name(lv.state));
		api_jw_int(w, "reason", lv.reason);
		const struct api_reason *r = api_reason(lv.reason);
		if (r)
			api_jw_str(w, "reason_name", r->name);
		else
			api_jw_null(w, "reason_name");
		api_jw_int(w, "since", lv.since);
		api_jw_id(w, "call_id", (int64_t)lv.call_id);
		api_jw_id(w, "queue_id", lv.queue_id);
		app_jw_agent_call(w, c, ag->id, lv.call_id);
		api_jw_int(w, "handled", (int64_t)lv.today.handled);
		api_jw_end_obj(w);
	}
	api_jw_end_arr(w);
	api_jw_end_obj(w);
	const char *t = api_jw_text(w);
	if (!t) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	http_reply_data(req, 200, "application/json", t, strlen(t));
}

/* ---------- GET /intervals ---------- */

#define MAX_INTERVALS 200

static void on_intervals(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	struct center *c = a->cfg.center;
	int64_t only = 0;
	if (api_query_i64(req, "queue_id", 1, UINT32_MAX, &only) == EINVAL)
		return;
	if (only) {
		const struct center_queue *q = center_queue(c, only);
		if (!q || !api_queue_visible(a, u, q)) {
			api_not_found(req, "queue");
			return;
		}
	}
	const struct kpi *k = center_kpi(c);
	int64_t starts[MAX_INTERVALS];
	struct kpi_counts sums[MAX_INTERVALS];
	unsigned n = 0;
	cJSON *o = cJSON_CreateObject();
	cJSON *qs = cJSON_AddArrayToObject(o, "queues");
	const struct center_queue *q;
	for (unsigned i = 0; k && (q = center_queue_at(c, i)); i++) {
		if ((only && q->id != only) || !api_queue_visible(a, u, q))
			continue;
		cJSON_AddItemToArray(qs, cJSON_CreateNumber((double)q->id));
		int64_t st[MAX_INTERVALS];
		uint32_t m = kpi_queue_intervals(k, (uint32_t)q->id, st, MAX_INTERVALS);
		for (uint32_t j = 0; j < m; j++) {
			struct kpi_counts ct;
			if (kpi_queue_interval(k, (uint32_t)q->id, st[j], &ct) != 0)
				continue;
			unsigned at = 0;
			while (at < n && starts[at] != st[j])
				at++;
			if (at == n) {
				if (n == MAX_INTERVALS)
					continue;
				starts[n] = st[j];
				memset(&sums[n], 0, sizeof(sums[n]));
				n++;
			}
			kpi_counts_add(&sums[at], &ct);
		}
	}
	/* in time order */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && starts[j - 1] > starts[j]; j--) {
			int64_t ts = starts[j];
			starts[j] = starts[j - 1];
			starts[j - 1] = ts;
			struct kpi_counts tc = sums[j];
			sums[j] = sums[j - 1];
			sums[j - 1] = tc;
		}
	json_add_i64(o, "interval_ms", k ? kpi_interval_ms(k) : 0);
	cJSON *items = cJSON_AddArrayToObject(o, "items");
	for (unsigned i = 0; i < n; i++) {
		const struct kpi_counts *t = &sums[i];
		cJSON *it = cJSON_CreateObject();
		json_add_i64(it, "start", starts[i]);
		json_add_i64(it, "offered", (int64_t)t->offered);
		json_add_i64(it, "answered", (int64_t)t->answered);
		json_add_i64(it, "answered_within", (int64_t)t->answered_within);
		json_add_i64(it, "abandoned", (int64_t)t->abandoned);
		json_add_i64(it, "abandoned_short", (int64_t)t->abandoned_short);
		json_add_i64(it, "abandoned_within", (int64_t)t->abandoned_within);
		double v[] = {kpi_sl_excl_short(t), kpi_sl_offered(t), kpi_sl2(t), kpi_asa_ms(t)};
		const char *names[] = {"sl_excl_short", "sl_offered", "sl2", "asa_ms"};
		for (int x = 0; x < 4; x++) {
			if (isfinite(v[x]))
				cJSON_AddNumberToObject(it, names[x], v[x]);
			else
				cJSON_AddNullToObject(it, names[x]);
		}
		cJSON_AddItemToArray(items, it);
	}
	http_reply_json(req, 200, o);
}

/* ---------- opening hours of a queue ---------- */

static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};

/* "HH:MM" (00:00..24:00) as minutes, or -1. */
static int hhmm(const cJSON *s)
{
	if (!cJSON_IsString(s) || strlen(s->valuestring) != 5 || s->valuestring[2] != ':')
		return -1;
	const char *t = s->valuestring;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (t[i] < '0' || t[i] > '9'))
			return -1;
	int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

static bool date_ok(const cJSON *s)
{
	if (!cJSON_IsString(s) || strlen(s->valuestring) != 10)
		return false;
	const char *t = s->valuestring;
	for (int i = 0; i < 10; i++) {
		bool dash = i == 4 || i == 7;
		if (dash ? t[i] != '-' : (t[i] < '0' || t[i] > '9'))
			return false;
	}
	int mo = (t[5] - '0') * 10 + (t[6] - '0'), d = (t[8] - '0') * 10 + (t[9] - '0');
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

/* The IVR's full forms (docs/ivr.md): hours with "weekly", menus with "nodes". */
static int ivr_doc_check(struct http_req *req, const char *key, const cJSON *d)
{
	char err[IVR_ERR_MAX] = "";
	int e;
	if (strcmp(key, "hours") == 0) {
		struct ivr_hours h;
		e = ivr_hours_from_json(d, &h, err, sizeof(err));
	} else {
		struct ivr_menu m = {0};
		e = ivr_menu_from_json(d, &m, err, sizeof(err));
		ivr_menu_clear(&m);
	}
	if (e == ENOMEM) {
		http_reply_error(req, 500, "internal", "out of memory");
		return ENOMEM;
	}
	if (e) {
		api_invalid(req, "field \"%s\": %s", key, err);
		return EINVAL;
	}
	return 0;
}

/* Checks an hours object; replies 422 naming the member and returns EINVAL. */
static int hours_check(struct http_req *req, const cJSON *h)
{
	if (!cJSON_IsObject(h)) {
		api_invalid(req, "field \"hours\" must be an object or null");
		return EINVAL;
	}
	if (cJSON_GetObjectItemCaseSensitive(h, "weekly"))
		return ivr_doc_check(req, "hours", h);
	for (const cJSON *d = h->child; d; d = d->next) {
		if (strcmp(d->string, "closed") == 0) {
			if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) > 366) {
				api_invalid(req,
					    "field \"hours.closed\" must be an array of at most "
					    "366 dates");
				return EINVAL;
			}
			const cJSON *x;
			cJSON_ArrayForEach(x, d)
			{
				if (!date_ok(x)) {
					api_invalid(req, "field \"hours.closed\" holds dates as "
							 "YYYY-MM-DD");
					return EINVAL;
				}
			}
			continue;
		}
		bool known = false;
		for (const char *const *e = days; *e && !known; e++)
			known = strcmp(*e, d->string) == 0;
		if (!known) {
			api_invalid(req, "field \"hours.%s\": the keys are mon..sun and closed",
				    d->string);
			return EINVAL;
		}
		if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) > 4) {
			api_invalid(req,
				    "field \"hours.%s\" must be an array of at most 4 "
				    "[\"HH:MM\", \"HH:MM\"] spans",
				    d->string);
			return EINVAL;
		}
		int prev_end = -1;
		const cJSON *span;
		cJSON_ArrayForEach(span, d)
		{
			int from = cJSON_IsArray(span) && cJSON_GetArraySize(span) == 2
				       ? hhmm(cJSON_GetArrayItem(span, 0))
				       : -1;
			int to = from >= 0 ? hhmm(cJSON_GetArrayItem(span, 1)) : -1;
			if (from < 0 || to <= from || from < prev_end) {
				api_invalid(req,
					    "field \"hours.%s\": each span is [\"HH:MM\", "
					    "\"HH:MM\"], start before end, spans in order "
					    "without overlap",
					    d->string);
				return EINVAL;
			}
			prev_end = to;
		}
	}
	return 0;
}

static const struct store_stmt q_hours = {"app.hours",
					  "SELECT business_hours FROM queues WHERE id = $1", NULL};
static const struct store_stmt s_hours = {
    "app.hours_put", "UPDATE queues SET business_hours = $2, updated_at = $3 WHERE id = $1", NULL};

static void hours_reply(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "queue");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "queue_id", op->id);
	const struct center_queue *q = center_queue(op->api->cfg.center, op->id);
	const struct center_site *s = q ? center_site(op->api->cfg.center, q->site_id) : NULL;
	if (!s)
		s = center_site_at(op->api->cfg.center, 0);
	cJSON_AddStringToObject(o, "time_zone", s ? s->time_zone : "UTC");
	const char *text = op->text ? op->text : store_rs_rows(rs) ? store_rs_text(rs, 0, 0) : NULL;
	cJSON *h = text ? cJSON_Parse(text) : NULL;
	if (h)
		cJSON_AddItemToObject(o, "hours", h);
	else
		cJSON_AddNullToObject(o, "hours");
	http_reply_json(req, 200, o);
}

static const struct center_queue *visible_queue(struct api *a, struct http_req *req)
{
	const struct center_queue *q = center_queue(a->cfg.center, api_param_id(req, "id"));
	if (!q || !api_queue_visible(a, http_req_user(req), q)) {
		api_not_found(req, "queue");
		return NULL;
	}
	return q;
}

static void on_hours_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_queue *q = visible_queue(a, req);
	if (!q)
		return;
	struct api_op *op = api_op_new(a, req, hours_reply);
	if (!op)
		return;
	op->id = q->id;
	struct store_value p[] = {store_int(q->id)};
	api_op_query(op, &q_hours, p, 1, req);
}

/* Shared by hours and menus: {"<key>": object | null} -> op->text (NULL for null). */
static int read_doc(struct http_req *req, const char *key,
		    int (*check)(struct http_req *, const cJSON *), char **out)
{
	const cJSON *body = http_req_json(req);
	const char *keys[] = {key, NULL};
	if (http_json_only(req, body, keys))
		return EINVAL;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(body, key);
	if (!d) {
		api_invalid(req, "field \"%s\" is required (an object, or null to clear)", key);
		return EINVAL;
	}
	*out = NULL;
	if (cJSON_IsNull(d))
		return 0;
	if (check(req, d))
		return EINVAL;
	char *t = cJSON_PrintUnformatted(d);
	*out = t ? sb_strdup(t) : NULL;
	cJSON_free(t);
	return *out ? 0 : ENOMEM;
}

static void on_hours_put(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_queue *q = visible_queue(a, req);
	char *text = NULL;
	if (!q || read_doc(req, "hours", hours_check, &text))
		return;
	struct api_op *op = api_op_new(a, req, hours_reply);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		sb_free(text);
		api_op_free(op);
		return;
	}
	op->id = q->id;
	op->text = text;
	int e = 0;
	struct store_value p[] = {store_int(q->id), store_text(text), store_int(api_now(a))};
	api_step(job, &s_hours, p, 3, STORE_MUST_HIT, &e);
	char after[64];
	snprintf(after, sizeof(after), "{\"hours\":%s}", text ? "\"set\"" : "null");
	api_audit(job, op, "update", "queue", store_int(q->id), NULL, after, &e);
	api_op_write(op, job, req, e);
}

/* ---------- a number's menu ---------- */

static int menu_check(struct http_req *req, const cJSON *m)
{
	static const char *const keys[] = {"prompt", "options", "default_queue_id", "timeout_ms",
					   NULL};
	if (!cJSON_IsObject(m)) {
		api_invalid(req, "field \"menu\" must be an object or null");
		return EINVAL;
	}
	if (cJSON_GetObjectItemCaseSensitive(m, "nodes"))
		return ivr_doc_check(req, "menu", m);
	for (const cJSON *c = m->child; c; c = c->next) {
		bool ok = false;
		for (const char *const *k = keys; *k && !ok; k++)
			ok = strcmp(*k, c->string) == 0;
		if (!ok) {
			api_invalid(req, "unknown field \"menu.%s\"", c->string);
			return EINVAL;
		}
	}
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "prompt");
	if (!cJSON_IsString(p) || !p->valuestring[0] || strlen(p->valuestring) > 500) {
		api_invalid(req, "field \"menu.prompt\" is required: a text of 1 to 500 bytes");
		return EINVAL;
	}
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(m, "options");
	if (!cJSON_IsArray(opts) || cJSON_GetArraySize(opts) < 1 || cJSON_GetArraySize(opts) > 12) {
		api_invalid(req, "field \"menu.options\" must hold 1 to 12 options");
		return EINVAL;
	}
	char seen[16] = "";
	int i = 0;
	const cJSON *o;
	cJSON_ArrayForEach(o, opts)
	{
		const cJSON *dg = cJSON_GetObjectItemCaseSensitive(o, "digit");
		const cJSON *lb = cJSON_GetObjectItemCaseSensitive(o, "label");
		int64_t qid = 0;
		bool ok = cJSON_IsObject(o) && cJSON_GetArraySize(o) <= 3 && cJSON_IsString(dg) &&
			  strlen(dg->valuestring) == 1 &&
			  strchr("0123456789*#", dg->valuestring[0]) &&
			  !strchr(seen, dg->valuestring[0]) &&
			  json_as_i64(cJSON_GetObjectItemCaseSensitive(o, "queue_id"), 1,
				      UINT32_MAX, &qid) == 0 &&
			  (!lb || (cJSON_IsString(lb) && strlen(lb->valuestring) <= 100));
		if (!ok) {
			api_invalid(req,
				    "field \"menu.options[%d]\" must be {\"digit\": one of 0-9 * "
				    "# (not used twice), \"queue_id\", \"label\"}",
				    i);
			return EINVAL;
		}
		for (const cJSON *c = o->child; c; c = c->next)
			if (strcmp(c->string, "digit") && strcmp(c->string, "queue_id") &&
			    strcmp(c->string, "label")) {
				api_invalid(req, "unknown field \"menu.options[%d].%s\"", i,
					    c->string);
				return EINVAL;
			}
		seen[strlen(seen)] = dg->valuestring[0];
		i++;
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "timeout_ms");
	int64_t tv;
	if (t && json_as_i64(t, 1000, 60000, &tv) != 0) {
		api_invalid(req, "field \"menu.timeout_ms\" must be an integer from 1000 to 60000");
		return EINVAL;
	}
	const cJSON *dq = cJSON_GetObjectItemCaseSensitive(m, "default_queue_id");
	if (dq && !cJSON_IsNull(dq) && json_as_i64(dq, 1, UINT32_MAX, &tv) != 0) {
		api_invalid(req, "field \"menu.default_queue_id\" must be a queue id or null");
		return EINVAL;
	}
	return 0;
}

/* The queues a menu names must exist (checked against the center, after the shape). */
static int menu_queues(struct api *a, struct http_req *req, const char *text)
{
	cJSON *m = text ? cJSON_Parse(text) : NULL;
	int err = 0;
	const cJSON *o;
	int i = 0;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(m, "options"))
	{
		int64_t qid = 0;
		json_as_i64(cJSON_GetObjectItemCaseSensitive(o, "queue_id"), 1, UINT32_MAX, &qid);
		if (!center_queue(a->cfg.center, qid)) {
			api_invalid(req, "field \"menu.options[%d].queue_id\": no queue %" PRId64,
				    i, qid);
			err = EINVAL;
			break;
		}
		i++;
	}
	int64_t dq = 0;
	if (!err && m &&
	    json_as_i64(cJSON_GetObjectItemCaseSensitive(m, "default_queue_id"), 1, UINT32_MAX,
			&dq) == 0 &&
	    !center_queue(a->cfg.center, dq)) {
		api_invalid(req, "field \"menu.default_queue_id\": no queue %" PRId64, dq);
		err = EINVAL;
	}
	cJSON_Delete(m);
	return err;
}

static const struct store_stmt q_menu = {"app.menu", "SELECT route FROM numbers WHERE id = $1",
					 NULL};
static const struct store_stmt s_menu = {"app.menu_put",
					 "UPDATE numbers SET route = $2 WHERE id = $1", NULL};

static const struct center_number *number_of(struct api *a, struct http_req *req)
{
	int64_t id = api_param_id(req, "id");
	const struct center_number *n;
	for (unsigned i = 0; (n = center_number_at(a->cfg.center, i)); i++)
		if (n->id == id && api_client_visible(http_req_user(req), n->client_id))
			return n;
	api_not_found(req, "number");
	return NULL;
}

static void menu_reply(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "number");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "number_id", op->id);
	const char *text = op->n ? op->text : store_rs_rows(rs) ? store_rs_text(rs, 0, 0) : NULL;
	cJSON *m = text ? cJSON_Parse(text) : NULL;
	if (m)
		cJSON_AddItemToObject(o, "menu", m);
	else
		cJSON_AddNullToObject(o, "menu");
	http_reply_json(req, 200, o);
}

static void on_menu_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_number *n = number_of(a, req);
	if (!n)
		return;
	struct api_op *op = api_op_new(a, req, menu_reply);
	if (!op)
		return;
	op->id = n->id;
	struct store_value p[] = {store_int(n->id)};
	api_op_query(op, &q_menu, p, 1, req);
}

static void on_menu_put(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_number *n = number_of(a, req);
	char *text = NULL;
	if (!n || read_doc(req, "menu", menu_check, &text))
		return;
	if (menu_queues(a, req, text)) {
		sb_free(text);
		return;
	}
	struct api_op *op = api_op_new(a, req, menu_reply);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		sb_free(text);
		api_op_free(op);
		return;
	}
	op->id = n->id;
	op->text = text;
	op->n = 1; /* reply from op->text */
	int e = 0;
	struct store_value p[] = {store_int(n->id), store_text(text)};
	api_step(job, &s_menu, p, 2, STORE_MUST_HIT, &e);
	api_audit(job, op, "update", "number", store_int(n->id), NULL,
		  text ? text : "{\"menu\":null}", &e);
	api_op_write(op, job, req, e);
}

/* ---------- a queue's post-call survey (tel_ivr.c) ---------- */

static const struct store_stmt q_survey = {"app.survey", "SELECT survey FROM queues WHERE id = $1",
					   NULL};
static const struct store_stmt s_survey = {
    "app.survey_put", "UPDATE queues SET survey = $2, updated_at = $3 WHERE id = $1", NULL};

static void survey_reply(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "queue");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "queue_id", op->id);
	bool on = op->n ? op->n == 2 : store_rs_rows(rs) && store_rs_int(rs, 0, 0) != 0;
	cJSON_AddBoolToObject(o, "survey", on);
	http_reply_json(req, 200, o);
}

static void on_survey_get(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_queue *q = visible_queue(a, req);
	if (!q)
		return;
	struct api_op *op = api_op_new(a, req, survey_reply);
	if (!op)
		return;
	op->id = q->id;
	struct store_value p[] = {store_int(q->id)};
	api_op_query(op, &q_survey, p, 1, req);
}

static void on_survey_put(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct center_queue *q = visible_queue(a, req);
	if (!q)
		return;
	const cJSON *body = http_req_json(req);
	const char *keys[] = {"survey", NULL};
	if (http_json_only(req, body, keys))
		return;
	bool on = false;
	if (json_get_bool(body, "survey", &on) != 0) {
		api_invalid(req, "field \"survey\" is required: true or false");
		return;
	}
	struct api_op *op = api_op_new(a, req, survey_reply);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		return;
	}
	op->id = q->id;
	op->n = on ? 2 : 1; /* reply from op->n */
	int e = 0;
	struct store_value p[] = {store_int(q->id), store_int(on), store_int(api_now(a))};
	api_step(job, &s_survey, p, 3, STORE_MUST_HIT, &e);
	api_audit(job, op, "update", "queue", store_int(q->id), NULL,
		  on ? "{\"survey\":true}" : "{\"survey\":false}", &e);
	api_op_write(op, job, req, e);
}

/* ---------- routes ---------- */

int api_app_board_routes(struct api *a)
{
	const struct http_route r[] = {
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/wallboard",
	     .roles = R_LEAD | R_SUPER | R_PLANNER | R_ADMIN,
	     .h = on_wallboard,
	     .summary = "The wallboard's snapshot: every visible queue's live figures (waiting, "
			"longest wait, agents by state, today's counters and the service-level "
			"variants of docs/kpi.md) and every visible agent's state, as of event seq",
	     .tag = "floor",
	     .response_schema =
		 "{\"type\":\"object\",\"properties\":{\"seq\":{\"type\":\"integer\"},\"now\":{"
		 "\"type\":\"integer\"},\"interval_ms\":{\"type\":\"integer\"},\"queues\":{"
		 "\"type\":"
		 "\"array\",\"items\":{\"type\":\"object\"}},\"agents\":{\"type\":\"array\","
		 "\"items\":{\"type\":\"object\",\"properties\":{\"call_id\":{\"type\":"
		 "\"integer\",\"nullable\":true},\"queue_id\":{\"type\":\"integer\",\"nullable\":"
		 "true},\"caller_number\":{\"type\":\"string\",\"nullable\":true},\"customer_id\":"
		 "{\"type\":\"integer\",\"nullable\":true},\"call_connected_at\":{\"type\":"
		 "\"integer\",\"nullable\":true},\"call_ended_at\":{\"type\":\"integer\","
		 "\"nullable\":true}}}}}}"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/intervals",
	     .roles = R_ALL,
	     .h = on_intervals,
	     .summary = "Today's figures per interval from the committed events, summed over the "
			"visible queues or one (?queue_id=): volume, answered, abandoned, SL "
			"variants, ASA",
	     .tag = "floor",
	     .response_schema =
		 "{\"type\":\"object\",\"properties\":{\"interval_ms\":{\"type\":\"integer\"},"
		 "\"queues\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}},\"items\":{"
		 "\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"start\":{"
		 "\"type\":\"integer\"},\"offered\":{\"type\":\"integer\"},\"answered\":{\"type\":"
		 "\"integer\"},\"abandoned\":{\"type\":\"integer\"},\"sl_excl_short\":{\"type\":"
		 "\"number\",\"nullable\":true},\"sl_offered\":{\"type\":\"number\",\"nullable\":"
		 "true},\"sl2\":{\"type\":\"number\",\"nullable\":true},\"asa_ms\":{\"type\":"
		 "\"number\",\"nullable\":true}}}}}}",
	     .errors = "404 422"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/queues/{id:int}/hours",
	     .roles = R_ALL,
	     .h = on_hours_get,
	     .summary = "A queue's opening hours in its site's time zone (null: always open)",
	     .tag = "config",
	     .response_schema =
		 "{\"type\":\"object\",\"properties\":{\"queue_id\":{\"type\":\"integer\"},"
		 "\"time_zone\":{\"type\":\"string\"},\"hours\":{\"type\":\"object\",\"nullable\":"
		 "true,\"description\":\"{mon..sun: [[HH:MM, HH:MM]], closed: [YYYY-MM-DD]}\"}}}",
	     .errors = "404"},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/queues/{id:int}/hours",
	     .roles = R_ADMIN,
	     .h = on_hours_put,
	     .summary = "Set a queue's opening hours ({\"hours\": {...} or null}); audited",
	     .tag = "config",
	     .request_schema =
		 "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"hours\"],"
		 "\"properties\":{\"hours\":{\"type\":\"object\",\"nullable\":true,\"properties\":{"
		 "\"mon\":{\"type\":\"array\",\"maxItems\":4,\"items\":{\"type\":\"array\","
		 "\"items\":{\"type\":\"string\",\"pattern\":\"^[0-2][0-9]:[0-5][0-9]$\"}}},"
		 "\"closed\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":"
		 "\"date\"}}},\"description\":\"keys mon, tue, wed, thu, fri, sat, sun (spans) "
		 "and closed (dates)\"}}}",
	     .response_schema = "{\"type\":\"object\"}",
	     .errors = "404"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/numbers/{id:int}/menu",
	     .roles = R_SUPER | R_PLANNER | R_ADMIN,
	     .h = on_menu_get,
	     .summary = "A number's menu (null: the number goes straight to its queue)",
	     .tag = "config",
	     .response_schema = "{\"type\":\"object\",\"properties\":{\"number_id\":{\"type\":"
				"\"integer\"},\"menu\":{\"type\":\"object\",\"nullable\":true}}}",
	     .errors = "404"},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/numbers/{id:int}/menu",
	     .roles = R_ADMIN,
	     .h = on_menu_put,
	     .summary = "Set a number's menu ({\"menu\": {prompt, options: [{digit, queue_id, "
			"label}], default_queue_id, timeout_ms} or null); audited",
	     .tag = "config",
	     .request_schema =
		 "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"menu\"],"
		 "\"properties\":{\"menu\":{\"type\":\"object\",\"nullable\":true,"
		 "\"additionalProperties\":false,\"required\":[\"prompt\",\"options\"],"
		 "\"properties\":{\"prompt\":{\"type\":\"string\",\"maxLength\":500},\"options\":{"
		 "\"type\":\"array\",\"minItems\":1,\"maxItems\":12,\"items\":{\"type\":\"object\","
		 "\"required\":[\"digit\",\"queue_id\"],\"properties\":{\"digit\":{\"type\":"
		 "\"string\",\"pattern\":\"^[0-9*#]$\"},\"queue_id\":{\"type\":\"integer\"},"
		 "\"label\":{\"type\":\"string\",\"maxLength\":100}}}},\"default_queue_id\":{"
		 "\"type\":\"integer\",\"nullable\":true},\"timeout_ms\":{\"type\":\"integer\","
		 "\"minimum\":1000,\"maximum\":60000}}}}}",
	     .response_schema = "{\"type\":\"object\"}",
	     .errors = "404"},
	    {.method = HTTP_GET,
	     .pattern = API_PREFIX "/queues/{id:int}/survey",
	     .roles = R_ALL,
	     .h = on_survey_get,
	     .summary = "Whether the queue's callers rate the call 1-5 after the agent hangs up",
	     .tag = "config",
	     .response_schema = "{\"type\":\"object\",\"properties\":{\"queue_id\":{\"type\":"
				"\"integer\"},\"survey\":{\"type\":\"boolean\"}}}",
	     .errors = "404"},
	    {.method = HTTP_PUT,
	     .pattern = API_PREFIX "/queues/{id:int}/survey",
	     .roles = R_ADMIN,
	     .h = on_survey_put,
	     .summary = "Turn the post-call survey of a queue on or off ({\"survey\": true}); "
			"the rating is stored in the contact's attributes.survey; audited",
	     .tag = "config",
	     .request_schema = "{\"type\":\"object\",\"additionalProperties\":false,"
			       "\"required\":[\"survey\"],\"properties\":{\"survey\":{"
			       "\"type\":\"boolean\"}}}",
	     .response_schema = "{\"type\":\"object\"}",
	     .errors = "404"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
