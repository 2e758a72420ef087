/* api_qa_report: quality reports: IQS and the customer measures (CSAT, FCR, transfer and hold
 * rate) per agent, team, queue or client and per week, month or year, as JSON or CSV. */
#include "server/api_qa.h"

#include "base/json.h"
#include "base/mem.h"
#include "core/qa/iqs.h"
#include "core/qa/measures.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum group { G_AGENT = 0, G_TEAM, G_QUEUE, G_CLIENT, G_COUNT };
static const char *const group_names[] = {"agent", "team", "queue", "client"};
static const char *const period_names[] = {"week", "month", "year"};

struct rparams {
	enum group by;
	enum api_qa_period period;
	int64_t from, to;
	char *scope, *clients;
	bool csv;
};

static void rparams_free(void *p)
{
	struct rparams *r = p;
	sb_free(r->scope);
	sb_free(r->clients);
	sb_free(r);
}

static int pick(struct http_req *req, const char *arg, const char *const *names, int n, int dflt,
		const char *choices)
{
	const char *v = http_req_query(req, arg);
	if (!v)
		return dflt;
	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	api_invalid(req, "query argument \"%s\" must be %s", arg, choices);
	return -1;
}

/* ?by= &period= &from= &to=; a scoped user (agent, team lead) sees only their agents. */
static struct rparams *rparams_read(struct api *a, struct http_req *req, bool csv)
{
	int by = pick(req, "by", group_names, G_COUNT, G_AGENT, "agent, team, queue or client");
	if (by < 0)
		return NULL;
	int per = pick(req, "period", period_names, 3, QP_WEEK, "week, month or year");
	if (per < 0)
		return NULL;
	int64_t now = api_now(a), from = 0, to = 0;
	if (api_query_i64(req, "from", 0, QA_TIME_LIMIT, &from) == EINVAL ||
	    api_query_i64(req, "to", 0, QA_TIME_LIMIT, &to) == EINVAL)
		return NULL;
	if (!to)
		to = now + 1;
	if (!from)
		from = to > 366 * QA_DAY_MS ? to - 366 * QA_DAY_MS : 0;
	if (from >= to) {
		api_invalid(req, "query argument \"from\" must be before \"to\"");
		return NULL;
	}
	if (to - from > 5 * 366 * QA_DAY_MS) {
		api_invalid(req, "query argument \"from\": at most five years per report");
		return NULL;
	}
	struct rparams *r = sb_zalloc(sizeof(*r));
	int e = r ? 0 : ENOMEM;
	if (r) {
		r->by = (enum group)by;
		r->period = (enum api_qa_period)per;
		r->from = from;
		r->to = to;
		r->csv = csv;
		r->scope = api_qa_scope(a, http_req_user(req), &e);
		r->clients = api_clients_json(http_req_user(req));
	}
	if (e) {
		if (r)
			rparams_free(r);
		http_reply_error(req, 500, "internal", "out of memory");
		return NULL;
	}
	return r;
}

static const char *group_name(struct api *a, enum group by, int64_t id)
{
	const struct center *c = a->cfg.center;
	if (by == G_AGENT) {
		const struct center_agent *x = center_agent(c, id);
		return x ? x->name : "";
	}
	if (by == G_TEAM) {
		const struct center_team *x = center_team(c, id);
		return x ? x->name : "";
	}
	if (by == G_QUEUE) {
		const struct center_queue *x = center_queue(c, id);
		return x ? x->name : "";
	}
	const struct center_client *x = center_client(c, id);
	return x ? x->name : "";
}

static uint64_t group_key(int64_t gid, int64_t pstart)
{
	return ((uint64_t)gid << 32) | (uint32_t)(pstart / QA_DAY_MS);
}

static int64_t key_group(uint64_t k)
{
	return (int64_t)(k >> 32);
}

static int64_t key_period(uint64_t k)
{
	return (int64_t)(uint32_t)k * QA_DAY_MS;
}

/* ---------- CSV ---------- */

/* A cell: names could start like a formula; quote per RFC 4180. */
static void csv_cell(struct http_buf *b, const char *s)
{
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
	http_buf_add(b, "\"", 1);
	if (formula)
		http_buf_add(b, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			http_buf_add(b, "\"\"", 2);
		else
			http_buf_add(b, p, 1);
	}
	http_buf_add(b, "\"", 1);
}

static void csv_num(struct http_buf *b, double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		http_buf_printf(b, "%.0f", v);
	else if (isfinite(v))
		http_buf_printf(b, "%.4f", v);
}

/* Replies the rows of a report (an array of flat objects) as CSV with these columns. */
static void reply_csv(struct http_req *req, const cJSON *rows, const char *const *cols,
		      const char *filename)
{
	struct http_buf b = {0};
	for (int i = 0; cols[i]; i++)
		http_buf_printf(&b, "%s%s", i ? "," : "", cols[i]);
	http_buf_add(&b, "\r\n", 2);
	const cJSON *r;
	cJSON_ArrayForEach(r, rows)
	{
		for (int i = 0; cols[i]; i++) {
			if (i)
				http_buf_add(&b, ",", 1);
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, cols[i]);
			if (cJSON_IsString(v))
				csv_cell(&b, v->valuestring);
			else if (cJSON_IsNumber(v))
				csv_num(&b, v->valuedouble);
		}
		http_buf_add(&b, "\r\n", 2);
	}
	char disp[96];
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	http_req_add_header(req, "Content-Disposition", disp);
	http_reply_data(req, 200, "text/csv; charset=utf-8", b.p ? b.p : "", b.len);
	http_buf_free(&b);
}

static cJSON *report_head(const struct rparams *p, const char *what)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "report", what);
	cJSON_AddStringToObject(o, "by", group_names[p->by]);
	cJSON_AddStringToObject(o, "period", period_names[p->period]);
	json_add_i64(o, "from", p->from);
	json_add_i64(o, "to", p->to);
	return o;
}

/* ---------- IQS ---------- */

static const struct store_stmt q_iqs = {
    "qa.iqs",
    "SELECT e.agent_id, e.team_id, e.queue_id, e.client_id, e.contact_time, e.score,"
    " e.calibration_id IS NOT NULL FROM qa_evaluations e WHERE e.state <> 'draft'"
    " AND e.contact_time >= $1 AND e.contact_time < $2"
    " AND ($3 IS NULL OR e.agent_id IN (SELECT value FROM json_each($3)))"
    " AND ($4 IS NULL OR e.client_id IN (SELECT value FROM json_each($4)))",
    NULL};

static void iqs_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct rparams *p = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "evaluation");
		return;
	}
	unsigned n = store_rs_rows(rs);
	struct qa_iqs_item *items = sb_calloc((size_t)n + 1, sizeof(*items));
	if (!items) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	size_t k = 0;
	for (unsigned r = 0; r < n; r++) {
		if (store_rs_is_null(rs, r, (unsigned)p->by))
			continue;
		int64_t gid = store_rs_int(rs, r, (unsigned)p->by);
		int64_t ps = api_qa_period_start(p->period, store_rs_int(rs, r, 4));
		items[k].key = group_key(gid, ps);
		items[k].score = store_rs_is_null(rs, r, 5) ? NAN : store_rs_real(rs, r, 5);
		items[k].calibration = store_rs_int(rs, r, 6) != 0;
		k++;
	}
	struct qa_iqs *groups = NULL;
	size_t ng = 0;
	struct qa_err qe;
	err = qa_iqs_group(&groups, &ng, items, k, &qe);
	sb_free(items);
	if (err) {
		http_reply_error(req, 500, "internal", "IQS: %s",
				 err == EINVAL ? qe.msg : "out of memory");
		return;
	}
	cJSON *out = report_head(p, "iqs");
	cJSON *rows = cJSON_AddArrayToObject(out, "rows");
	for (size_t i = 0; i < ng; i++) {
		const struct qa_iqs *g = &groups[i];
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "group_id", key_group(g->key));
		cJSON_AddStringToObject(o, "name", group_name(op->api, p->by, key_group(g->key)));
		json_add_i64(o, "period_start", key_period(g->key));
		json_add_i64(o, "evaluations", (int64_t)g->n);
		json_add_i64(o, "excluded_calibration", (int64_t)g->excluded_calibration);
		api_qa_add_num(o, "iqs", g->mean);
		api_qa_add_num(o, "sd", g->sd);
		api_qa_add_num(o, "min", g->min);
		api_qa_add_num(o, "max", g->max);
		cJSON_AddItemToArray(rows, o);
	}
	sb_free(groups);
	if (p->csv) {
		static const char *const cols[] = {"group_id",	  "name", "period_start",
						   "evaluations", "iqs",  "sd",
						   "min",	  "max",  NULL};
		reply_csv(req, rows, cols, "iqs.csv");
		cJSON_Delete(out);
		return;
	}
	http_reply_json(req, 200, out);
}

static void iqs_start(struct http_req *req, struct api *a, bool csv)
{
	struct rparams *p = rparams_read(a, req, csv);
	if (!p)
		return;
	struct api_op *op = api_op_new(a, req, iqs_got);
	if (!op) {
		rparams_free(p);
		return;
	}
	op->data = p;
	op->data_free = rparams_free;
	struct store_value v[] = {store_int(p->from), store_int(p->to), store_text(p->scope),
				  store_text(p->clients)};
	api_op_query(op, &q_iqs, v, 4, req);
}

static void on_iqs(struct http_req *req, void *arg)
{
	iqs_start(req, arg, false);
}

static void on_iqs_csv(struct http_req *req, void *arg)
{
	iqs_start(req, arg, true);
}

/* ---------- customer measures ---------- */

enum {
	M_AGENT,
	M_QUEUE,
	M_CLIENT,
	M_TIME,
	M_CUSTOMER,
	M_CATEGORY,
	M_SURVEY,
	M_HANDLED,
	M_TRANSFERRED,
	M_HOLDS,
	M_CB_REQUESTED,
	M_CB_FIRST,
	M_COUNT
};

/* segments reached by a transfer are part of the same customer contact: left out */
static const struct store_stmt q_measures = {
    "qa.measures",
    "SELECT c.agent_id, c.queue_id, c.client_id, c.t_initiated, COALESCE(c.customer_id, 0),"
    " (SELECT d.category FROM dispositions d WHERE d.id = c.disposition_id),"
    " CASE WHEN json_valid(c.attributes) AND json_type(c.attributes, '$.survey') = 'integer'"
    "  AND json_extract(c.attributes, '$.survey') BETWEEN 1 AND 5"
    "  THEN json_extract(c.attributes, '$.survey') ELSE 0 END,"
    " (c.agent_id IS NOT NULL AND c.t_connected IS NOT NULL AND c.t_disconnected IS NOT NULL),"
    " (c.next_id IS NOT NULL OR c.disconnect_reason = 'transfer'), c.hold_count,"
    /* a callback's request and first attempt (the telephony's IVR writes them) */
    " CASE WHEN json_valid(c.attributes) AND json_type(c.attributes,"
    "  '$.callback_requested_at') = 'integer'"
    "  THEN json_extract(c.attributes, '$.callback_requested_at') ELSE 0 END,"
    " CASE WHEN json_valid(c.attributes) AND json_type(c.attributes,"
    "  '$.callback_first_attempt_at') = 'integer'"
    "  THEN json_extract(c.attributes, '$.callback_first_attempt_at') ELSE 0 END"
    " FROM contacts c WHERE c.t_initiated >= $1 AND c.t_initiated < $2"
    " AND c.initiation <> 'transfer' AND c.initiation <> 'queue_transfer'"
    " AND c.initiation <> 'monitor'"
    " AND ($3 IS NULL OR c.client_id IN (SELECT value FROM json_each($3)))",
    NULL};

static uint32_t category_id(const char *s)
{
	if (!s || !*s)
		return 0;
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h ? h : 1;
}

struct mrow {
	uint64_t key;
	unsigned row;
	bool counted; /* in [from, to) and in scope */
};

static int cmp_mrow(const void *x, const void *y)
{
	const struct mrow *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->row > b->row) - (a->row < b->row);
}

static void measures_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct rparams *p = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact");
		return;
	}
	unsigned n = store_rs_rows(rs);
	struct qa_contact *all = sb_calloc((size_t)n + 1, sizeof(*all));
	uint8_t *status = sb_calloc((size_t)n + 1, 1);
	struct mrow *rows = sb_calloc((size_t)n + 1, sizeof(*rows));
	uint8_t *ratings = sb_calloc((size_t)n + 1, 1);
	struct qa_call *calls = sb_calloc((size_t)n + 1, sizeof(*calls));
	struct qa_callback *cbs = sb_calloc((size_t)n + 1, sizeof(*cbs));
	cJSON *scope = api_qa_parse(p->scope);
	cJSON *out = NULL;
	if (!all || !status || !rows || !ratings || !calls || !cbs || (p->scope && !scope)) {
		http_reply_error(req, 500, "internal", "out of memory");
		goto done;
	}
	int64_t known = api_now(op->api);
	for (unsigned r = 0; r < n; r++) {
		all[r].customer = (uint64_t)store_rs_int(rs, r, M_CUSTOMER);
		all[r].time = store_rs_int(rs, r, M_TIME);
		all[r].category = category_id(store_rs_text(rs, r, M_CATEGORY));
		if (all[r].time > known)
			known = all[r].time;
	}
	struct qa_fcr_params fp = {.from = p->from, .to = p->to, .known_until = known};
	struct qa_fcr total;
	struct qa_err qe;
	err = qa_fcr(all, n, &fp, &total, status, &qe);
	if (err) {
		http_reply_error(req, 500, "internal", "FCR: %s",
				 err == EINVAL ? qe.msg : "out of memory");
		goto done;
	}
	size_t m = 0;
	for (unsigned r = 0; r < n; r++) {
		if (all[r].time < p->from || all[r].time >= p->to)
			continue;
		int64_t agent = store_rs_int(rs, r, M_AGENT);
		if (scope) {
			bool in = false;
			const cJSON *it;
			cJSON_ArrayForEach(it, scope)
			{
				if (cJSON_IsNumber(it) && (int64_t)it->valuedouble == agent &&
				    !store_rs_is_null(rs, r, M_AGENT))
					in = true;
			}
			if (!in)
				continue;
		}
		int64_t gid = 0;
		if (p->by == G_AGENT)
			gid = agent;
		else if (p->by == G_TEAM) {
			const struct center_agent *ag = center_agent(op->api->cfg.center, agent);
			gid = ag ? ag->team_id : 0;
		} else if (p->by == G_QUEUE)
			gid = store_rs_int(rs, r, M_QUEUE);
		else
			gid = store_rs_int(rs, r, M_CLIENT);
		if (gid <= 0)
			continue;
		rows[m++] = (struct mrow){
		    .key = group_key(gid, api_qa_period_start(p->period, all[r].time)), .row = r};
	}
	qsort(rows, m, sizeof(*rows), cmp_mrow);
	out = report_head(p, "measures");
	cJSON *arr = cJSON_AddArrayToObject(out, "rows");
	for (size_t i = 0; i < m;) {
		size_t j = i;
		size_t nr = 0, resolved = 0, repeated = 0, ncb = 0;
		while (j < m && rows[j].key == rows[i].key) {
			unsigned r = rows[j].row;
			int64_t cb_req = store_rs_int(rs, r, M_CB_REQUESTED);
			int64_t cb_first = store_rs_int(rs, r, M_CB_FIRST);
			if (cb_req > 0)
				cbs[ncb++] = (struct qa_callback){
				    .requested = cb_req,
				    .first_attempt = cb_first > 0 ? cb_first : QA_NO_TIME};
			ratings[nr] = (uint8_t)store_rs_int(rs, r, M_SURVEY);
			calls[nr] =
			    (struct qa_call){.handled = store_rs_int(rs, r, M_HANDLED) != 0,
					     .transferred = store_rs_int(rs, r, M_HANDLED) &&
							    store_rs_int(rs, r, M_TRANSFERRED),
					     .holds = store_rs_int(rs, r, M_HANDLED)
							  ? (uint32_t)store_rs_int(rs, r, M_HOLDS)
							  : 0};
			resolved += status[r] == QA_FCR_RESOLVED;
			repeated += status[r] == QA_FCR_REPEATED;
			nr++;
			j++;
		}
		struct qa_csat cs;
		struct qa_call_rates cr;
		struct qa_frt frt;
		if (qa_csat(ratings, nr, &cs, &qe) || qa_call_rates(calls, nr, &cr, &qe) ||
		    qa_callback_frt(cbs, ncb, &frt, &qe)) {
			cJSON_Delete(out);
			out = NULL;
			http_reply_error(req, 500, "internal", "measures: %s", qe.msg);
			goto done;
		}
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "group_id", key_group(rows[i].key));
		cJSON_AddStringToObject(o, "name",
					group_name(op->api, p->by, key_group(rows[i].key)));
		json_add_i64(o, "period_start", key_period(rows[i].key));
		json_add_i64(o, "contacts", (int64_t)nr);
		json_add_i64(o, "surveyed", (int64_t)cs.rated);
		api_qa_add_num(o, "csat", cs.csat);
		json_add_i64(o, "fcr_measured", (int64_t)(resolved + repeated));
		api_qa_add_num(
		    o, "fcr",
		    resolved + repeated ? (double)resolved / (double)(resolved + repeated) : NAN);
		json_add_i64(o, "handled", (int64_t)cr.handled);
		api_qa_add_num(o, "transfer_rate", cr.transfer_rate);
		api_qa_add_num(o, "hold_rate", cr.hold_rate);
		json_add_i64(o, "callbacks", (int64_t)frt.callbacks);
		json_add_i64(o, "callbacks_pending", (int64_t)frt.pending);
		api_qa_add_num(o, "callback_frt_mean_ms", frt.mean_ms);
		api_qa_add_num(o, "callback_frt_median_ms", frt.median_ms);
		api_qa_add_num(o, "callback_frt_p90_ms", frt.p90_ms);
		api_qa_add_num(o, "callback_frt_max_ms", frt.max_ms);
		cJSON_AddItemToArray(arr, o);
		i = j;
	}
	if (p->csv) {
		static const char *const cols[] = {"group_id",
						   "name",
						   "period_start",
						   "contacts",
						   "surveyed",
						   "csat",
						   "fcr_measured",
						   "fcr",
						   "handled",
						   "transfer_rate",
						   "hold_rate",
						   "callbacks",
						   "callbacks_pending",
						   "callback_frt_mean_ms",
						   "callback_frt_median_ms",
						   "callback_frt_p90_ms",
						   "callback_frt_max_ms",
						   NULL};
		reply_csv(req, arr, cols, "measures.csv");
	} else {
		http_reply_json(req, 200, out);
		out = NULL;
	}
done:
	cJSON_Delete(out);
	cJSON_Delete(scope);
	sb_free(all);
	sb_free(status);
	sb_free(rows);
	sb_free(ratings);
	sb_free(calls);
	sb_free(cbs);
}

static void measures_start(struct http_req *req, struct api *a, bool csv)
{
	struct rparams *p = rparams_read(a, req, csv);
	if (!p)
		return;
	struct api_op *op = api_op_new(a, req, measures_got);
	if (!op) {
		rparams_free(p);
		return;
	}
	op->data = p;
	op->data_free = rparams_free;
	/* repeats of the last contacts can come up to 7 days after the period */
	struct store_value v[] = {store_int(p->from), store_int(p->to + 7 * QA_DAY_MS),
				  store_text(p->clients)};
	api_op_query(op, &q_measures, v, 3, req);
}

static void on_measures(struct http_req *req, void *arg)
{
	measures_start(req, arg, false);
}

static void on_measures_csv(struct http_req *req, void *arg)
{
	measures_start(req, arg, true);
}

#define REPORT_ARGS                                                                                \
	"?by=agent|team|queue|client&period=week|month|year&from=&to= (ms; default the last "      \
	"366 days). Agents see only their own, team leads their team."

int api_qa_report_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, QA_PREFIX "/reports/iqs", R_QA_READ, on_iqs, NULL, 0,
	     "IQS (mean evaluation score; calibration evaluations excluded) per group and "
	     "period. " REPORT_ARGS,
	     "quality", NULL,
	     "{\"type\":\"object\",\"properties\":{\"rows\":{\"type\":\"array\",\"items\":{"
	     "\"type\":\"object\",\"properties\":{\"group_id\":{\"type\":\"integer\"},\"name\":{"
	     "\"type\":\"string\"},\"period_start\":{\"type\":\"integer\"},\"evaluations\":{"
	     "\"type\":\"integer\"},\"iqs\":{\"type\":\"number\",\"nullable\":true},\"sd\":{"
	     "\"type\":\"number\",\"nullable\":true}}}}}}",
	     NULL, 0, "422"},
	    {HTTP_GET, QA_PREFIX "/reports/iqs.csv", R_QA_READ, on_iqs_csv, NULL, 0,
	     "The IQS report as CSV", "quality", NULL, NULL, "text/csv", 0, "422"},
	    {HTTP_GET, QA_PREFIX "/reports/measures", R_QA_READ, on_measures, NULL, 0,
	     "CSAT (share of 4 and 5 survey ratings), FCR (no repeat of the same customer and "
	     "disposition category within 7 days), transfer and hold rate per group and "
	     "period. " REPORT_ARGS,
	     "quality", NULL,
	     "{\"type\":\"object\",\"properties\":{\"rows\":{\"type\":\"array\",\"items\":{"
	     "\"type\":\"object\",\"properties\":{\"group_id\":{\"type\":\"integer\"},\"csat\":{"
	     "\"type\":\"number\",\"nullable\":true},\"fcr\":{\"type\":\"number\",\"nullable\":"
	     "true},\"transfer_rate\":{\"type\":\"number\",\"nullable\":true},\"hold_rate\":{"
	     "\"type\":\"number\",\"nullable\":true}}}}}}",
	     NULL, 0, "422"},
	    {HTTP_GET, QA_PREFIX "/reports/measures.csv", R_QA_READ, on_measures_csv, NULL, 0,
	     "The customer measures as CSV", "quality", NULL, NULL, "text/csv", 0, "422"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
