/* api_qa_work: the QA specialist's work: sampling assignments and work lists, calibration
 * sessions with the core's statistics, coaching sessions with action items. */
#include "server/api_qa.h"

#include "base/json.h"
#include "base/mem.h"
#include "core/qa/calibration.h"
#include "core/qa/sampling.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static bool qa_all(const struct user *u)
{
	return u->role == ROLE_SUPERVISOR || u->role == ROLE_ADMIN;
}

static int body_object(struct http_req *req, const char *const *keys, const char *what,
		       const cJSON **bp)
{
	const cJSON *b = http_req_json(req);
	const char *stray;
	*bp = b;
	if (!cJSON_IsObject(b)) {
		api_invalid(req, "the body must be a JSON object");
		return EINVAL;
	}
	if (json_only_keys(b, keys, &stray)) {
		api_invalid(req, "field \"%s\" is not a member of %s", stray, what);
		return EINVAL;
	}
	return 0;
}

/* An optional array of ids as canonical JSON text ("[]" when absent); replies 422. */
static int ids_text(struct http_req *req, const cJSON *b, const char *key, unsigned max_n,
		    bool required, char **out)
{
	int64_t ids[256];
	unsigned n = 0;
	*out = NULL;
	int e = api_read_ids(req, b, key, INT64_MAX / 2, max_n < 256 ? max_n : 256, ids, &n);
	if (e == EINVAL)
		return e;
	if (required && n == 0) {
		api_invalid(req, "field \"%s\" is required: a non-empty array of ids", key);
		return EINVAL;
	}
	*out = api_ids_json(ids, n);
	if (!*out) {
		http_reply_error(req, 500, "internal", "out of memory");
		return ENOMEM;
	}
	return 0;
}

static void add_num_or_null(cJSON *o, const char *key, double v)
{
	api_qa_add_num(o, key, v);
}

/* ---------- assignments ---------- */

enum { A_ID, A_SPEC, A_SC, A_QUOTA, A_AGENTS, A_FILTERS, A_SEED, A_ACTIVE, A_CREATED, A_COUNT };

#define ASG_SELECT                                                                                 \
	"SELECT id, specialist_id, scorecard_id, quota, agents, filters, seed, active,"            \
	" created_at FROM qa_assignments"

static const struct store_stmt q_asg_list = {
    "qa.asg_list", ASG_SELECT " WHERE ($1 IS NULL OR specialist_id = $1) ORDER BY id", NULL};
static const struct store_stmt q_asg_one = {"qa.asg_one", ASG_SELECT " WHERE id = $1", NULL};
static const struct store_stmt s_asg_insert = {
    "qa.asg_insert",
    "INSERT INTO qa_assignments (specialist_id, scorecard_id, quota, agents, filters, seed,"
    " active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id",
    NULL};
static const struct store_stmt q_asg_ref = {"qa.asg_ref", ASG_SELECT " WHERE id = $1", NULL};
static const struct store_stmt s_asg_active = {
    "qa.asg_active", "UPDATE qa_assignments SET active = $2, updated_at = $3 WHERE id = $1", NULL};

static cJSON *asg_json(const struct store_rs *rs, unsigned row)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", store_rs_int(rs, row, A_ID));
	json_add_i64(o, "specialist_id", store_rs_int(rs, row, A_SPEC));
	json_add_i64(o, "scorecard_id", store_rs_int(rs, row, A_SC));
	json_add_i64(o, "quota", store_rs_int(rs, row, A_QUOTA));
	cJSON *ag = api_qa_parse(store_rs_text(rs, row, A_AGENTS));
	cJSON_AddItemToObject(o, "agents", ag ? ag : cJSON_CreateArray());
	cJSON *f = api_qa_parse(store_rs_text(rs, row, A_FILTERS));
	cJSON_AddItemToObject(o, "filters", f ? f : cJSON_CreateObject());
	json_add_i64(o, "seed", store_rs_int(rs, row, A_SEED));
	cJSON_AddBoolToObject(o, "active", store_rs_int(rs, row, A_ACTIVE) != 0);
	json_add_i64(o, "created_at", store_rs_int(rs, row, A_CREATED));
	return o;
}

static void asg_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "assignment");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	for (unsigned r = 0; r < store_rs_rows(rs); r++)
		cJSON_AddItemToArray(items, asg_json(rs, r));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_asg_list(struct http_req *req, void *arg)
{
	const struct user *u = http_req_user(req);
	struct api_op *op = api_op_new(arg, req, asg_listed);
	if (!op)
		return;
	struct store_value p[] = {qa_all(u) ? store_null() : store_int((int64_t)u->id)};
	api_op_query(op, &q_asg_list, p, 1, req);
}

static const char *const tristate_names[] = {"any", "only", "exclude", NULL};

/* Validates and normalises the filters of an assignment; replies 422 naming the member. */
static int filters_read(struct http_req *req, const cJSON *f, cJSON **out)
{
	static const char *const keys[] = {"queues",	  "dispositions", "handle_above_s",
					   "transferred", "repeat",	  "survey_at_most",
					   NULL};
	const char *stray;
	*out = cJSON_CreateObject();
	if (!f)
		return 0;
	if (!cJSON_IsObject(f)) {
		api_invalid(req, "field \"filters\" must be an object");
		goto bad;
	}
	if (json_only_keys(f, keys, &stray)) {
		api_invalid(req,
			    "field \"filters.%s\" is not a filter (queues, dispositions, "
			    "handle_above_s, transferred, repeat, survey_at_most)",
			    stray);
		goto bad;
	}
	static const char *const lists[] = {"queues", "dispositions"};
	for (int k = 0; k < 2; k++) {
		int64_t ids[256];
		unsigned n = 0;
		char key[32];
		snprintf(key, sizeof(key), "%s", lists[k]);
		int e = api_read_ids(req, f, key, UINT32_MAX, 256, ids, &n);
		if (e == EINVAL)
			goto bad;
		if (n) {
			cJSON *a = cJSON_AddArrayToObject(*out, key);
			for (unsigned i = 0; i < n; i++)
				cJSON_AddItemToArray(a, cJSON_CreateNumber((double)ids[i]));
		}
	}
	int64_t v;
	int e = json_get_i64(f, "handle_above_s", 0, 86400 * 7, &v);
	if (e == EINVAL) {
		api_invalid(req,
			    "field \"filters.handle_above_s\" must be seconds from 0 to 604800");
		goto bad;
	}
	if (!e)
		json_add_i64(*out, "handle_above_s", v);
	static const char *const tri[] = {"transferred", "repeat"};
	for (int k = 0; k < 2; k++) {
		const char *s;
		e = json_get_str(f, tri[k], 16, &s);
		bool ok = e == ENOENT;
		for (int i = 0; !e && tristate_names[i]; i++)
			if (strcmp(s, tristate_names[i]) == 0)
				ok = true;
		if (!ok) {
			api_invalid(req, "field \"filters.%s\" must be any, only or exclude",
				    tri[k]);
			goto bad;
		}
		if (!e)
			cJSON_AddStringToObject(*out, tri[k], s);
	}
	e = json_get_i64(f, "survey_at_most", 1, 5, &v);
	if (e == EINVAL) {
		api_invalid(req, "field \"filters.survey_at_most\" must be a rating from 1 to 5");
		goto bad;
	}
	if (!e)
		json_add_i64(*out, "survey_at_most", v);
	return 0;
bad:
	cJSON_Delete(*out);
	*out = NULL;
	return EINVAL;
}

static void asg_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, op->status == 201, "assignment");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (!n) {
		http_reply_error(req, 500, "internal", "the assignment did not come back");
		return;
	}
	http_reply_json(req, op->status ? op->status : 200, asg_json(rs, n - 1));
}

static void on_asg_create(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"specialist_id", "scorecard_id", "quota", "agents",
					   "team_id",	    "filters",	    "seed",  NULL};
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	const cJSON *b;
	if (body_object(req, keys, "an assignment", &b))
		return;
	int64_t spec = (int64_t)u->id, sc, quota, team = 0, seed = api_now(a);
	int e = json_get_i64(b, "specialist_id", 1, INT64_MAX / 2, &spec);
	const struct user *su = e == 0 ? userdir_get(a->cfg.users, (uint64_t)spec) : u;
	if (e == EINVAL || !su || su->role != ROLE_QA || (!qa_all(u) && spec != (int64_t)u->id)) {
		api_invalid(req, "field \"specialist_id\" must be a QA specialist (QA specialists "
				 "assign only themselves)");
		return;
	}
	if (json_get_i64(b, "scorecard_id", 1, INT64_MAX / 2, &sc)) {
		api_invalid(req, "field \"scorecard_id\" is required: a scorecard id");
		return;
	}
	if (json_get_i64(b, "quota", 1, 1000, &quota)) {
		api_invalid(req,
			    "field \"quota\" is required: calls per agent per week, 1 to 1000");
		return;
	}
	if (json_get_i64(b, "seed", 0, INT64_MAX, &seed) == EINVAL) {
		api_invalid(req, "field \"seed\" must be a non-negative integer");
		return;
	}
	if (json_get_i64(b, "team_id", 1, INT64_MAX / 2, &team) == EINVAL) {
		api_invalid(req, "field \"team_id\" must be a team id");
		return;
	}
	int64_t ids[512];
	unsigned n = 0;
	if (api_read_ids(req, b, "agents", INT64_MAX / 2, 512, ids, &n) == EINVAL)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (!center_agent(a->cfg.center, ids[i])) {
			api_invalid(req, "field \"agents\": no agent %" PRId64, ids[i]);
			return;
		}
	}
	if (team) {
		const struct center_agent *ag;
		for (unsigned i = 0; (ag = center_agent_at(a->cfg.center, i)) && n < 512; i++) {
			bool dup = false;
			for (unsigned k = 0; k < n; k++)
				dup |= ids[k] == ag->id;
			if (ag->team_id == team && !dup)
				ids[n++] = ag->id;
		}
	}
	if (n == 0) {
		api_invalid(req, "field \"agents\" (or \"team_id\") must name at least one agent");
		return;
	}
	cJSON *f;
	if (filters_read(req, cJSON_GetObjectItemCaseSensitive(b, "filters"), &f))
		return;
	char *agents = api_ids_json(ids, n);
	char *ft = api_qa_print(f);
	cJSON_Delete(f);
	struct api_op *op = agents && ft ? api_op_new(a, req, asg_written) : NULL;
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		if (!agents || !ft)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		sb_free(agents);
		sb_free(ft);
		return;
	}
	int err = 0;
	struct store_value p[] = {store_int(spec),	store_int(sc),	store_int(quota),
				  store_text(agents),	store_text(ft), store_int(seed),
				  store_int(api_now(a))};
	api_step(job, &s_asg_insert, p, 7, STORE_MUST_HIT, &err);
	api_audit(job, op, "create", "qa_assignment", store_ref(0, 0), NULL, ft, &err);
	struct store_value q[] = {store_ref(0, 0)};
	api_step(job, &q_asg_ref, q, 1, 0, &err);
	sb_free(agents);
	sb_free(ft);
	op->status = 201;
	api_op_write(op, job, req, err);
}

/* ---- the work list ---- */

enum {
	C_ID,
	C_AGENT,
	C_QUEUE,
	C_DISP,
	C_TIME,
	C_HANDLE,
	C_TRANSFERRED,
	C_CUSTOMER,
	C_SURVEY,
	C_DONE,
	C_ANSWERED,
	C_KEPT,
	C_COUNT
};

static const struct store_stmt q_candidates = {
    "qa.candidates",
    "SELECT c.id, COALESCE(c.agent_id, 0), COALESCE(c.queue_id, 0),"
    " COALESCE(c.disposition_id, 0), c.t_initiated,"
    " MAX(0, COALESCE(c.t_disconnected - c.t_connected, 0)"
    "  + COALESCE(c.t_wrap_end - c.t_wrap_start, 0)),"
    " (c.next_id IS NOT NULL OR c.disconnect_reason = 'transfer'),"
    " COALESCE(c.customer_id, 0),"
    " CASE WHEN json_valid(c.attributes) AND json_type(c.attributes, '$.survey') = 'integer'"
    "  AND json_extract(c.attributes, '$.survey') BETWEEN 1 AND 5"
    "  THEN json_extract(c.attributes, '$.survey') ELSE 0 END,"
    " EXISTS (SELECT 1 FROM qa_evaluations e WHERE e.contact_id = c.id"
    "  AND e.calibration_id IS NULL),"
    " (c.agent_id IS NOT NULL AND c.t_connected IS NOT NULL AND c.t_disconnected IS NOT NULL),"
    " EXISTS (SELECT 1 FROM qa_picks k WHERE k.assignment_id = $4 AND k.period_start = $5"
    "  AND k.contact_id = c.id)"
    " FROM contacts c WHERE c.t_initiated >= $1 AND c.t_initiated < $2"
    " AND ($3 IS NULL OR c.client_id IN (SELECT value FROM json_each($3)))",
    NULL};

static const struct store_stmt s_picks_keep = {
    "qa.picks_keep",
    "INSERT OR IGNORE INTO qa_picks (assignment_id, period_start, contact_id)"
    " SELECT $1, $2, value FROM json_each($3)",
    NULL};

struct wl {
	int64_t start, end;
	uint64_t seed;
	bool drawn; /* ?seed= given: a fresh draw, neither kept picks nor stored */
	int64_t asg_id;
	cJSON *asg;
};

static void wl_free(void *p)
{
	struct wl *w = p;
	cJSON_Delete(w->asg);
	sb_free(w);
}

static uint32_t *json_u32s(const cJSON *a, size_t *n)
{
	*n = 0;
	int k = cJSON_GetArraySize(a);
	uint32_t *v = sb_calloc((size_t)k + 1, sizeof(*v));
	const cJSON *it;
	cJSON_ArrayForEach(it, a)
	{
		if (v && cJSON_IsNumber(it))
			v[(*n)++] = (uint32_t)it->valuedouble;
	}
	return v;
}

static enum qa_tristate tristate(const cJSON *f, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(f, key);
	if (cJSON_IsString(s) && strcmp(s->valuestring, "only") == 0)
		return QA_ONLY;
	if (cJSON_IsString(s) && strcmp(s->valuestring, "exclude") == 0)
		return QA_EXCLUDE;
	return QA_ANY;
}

static cJSON *pick_json(const struct store_rs *rs, unsigned r)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "contact_id", store_rs_int(rs, r, C_ID));
	json_add_i64(o, "agent_id", store_rs_int(rs, r, C_AGENT));
	json_add_i64(o, "t_initiated", store_rs_int(rs, r, C_TIME));
	json_add_i64(o, "queue_id", store_rs_int(rs, r, C_QUEUE));
	if (store_rs_int(rs, r, C_DISP))
		json_add_i64(o, "disposition_id", store_rs_int(rs, r, C_DISP));
	else
		cJSON_AddNullToObject(o, "disposition_id");
	json_add_i64(o, "handle_ms", store_rs_int(rs, r, C_HANDLE));
	cJSON_AddBoolToObject(o, "transferred", store_rs_int(rs, r, C_TRANSFERRED) != 0);
	if (store_rs_int(rs, r, C_SURVEY))
		json_add_i64(o, "survey", store_rs_int(rs, r, C_SURVEY));
	else
		cJSON_AddNullToObject(o, "survey");
	return o;
}

static void wl_picks_kept(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	api_reply_done(op, err, req, false, "work list");
}

static void wl_candidates_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct wl *w = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact");
		return;
	}
	unsigned rows = store_rs_rows(rs);
	struct qa_interaction *cands = sb_calloc((size_t)rows + 1, sizeof(*cands));
	struct qa_contact *hist = sb_calloc((size_t)rows + 1, sizeof(*hist));
	uint64_t *done = sb_calloc((size_t)rows + 1, sizeof(*done));
	uint64_t *keep = sb_calloc((size_t)rows + 1, sizeof(*keep));
	int64_t *picked = NULL;
	size_t nc = 0, nh = 0, nd = 0, nk = 0, np = 0;
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(w->asg, "filters");
	size_t nq = 0, ndisp = 0, na = 0;
	uint32_t *queues = json_u32s(cJSON_GetObjectItemCaseSensitive(f, "queues"), &nq);
	uint32_t *disps = json_u32s(cJSON_GetObjectItemCaseSensitive(f, "dispositions"), &ndisp);
	uint32_t *agents = json_u32s(cJSON_GetObjectItemCaseSensitive(w->asg, "agents"), &na);
	struct qa_quota *quotas = sb_calloc(na + 1, sizeof(*quotas));
	cJSON *out = NULL;
	struct qa_sample *s = NULL;
	if (!cands || !hist || !done || !keep || !queues || !disps || !agents || !quotas) {
		http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	for (unsigned r = 0; r < rows; r++) {
		int64_t t = store_rs_int(rs, r, C_TIME);
		uint64_t cust = (uint64_t)store_rs_int(rs, r, C_CUSTOMER);
		if (t >= w->start && store_rs_int(rs, r, C_ANSWERED)) {
			struct qa_interaction *c = &cands[nc++];
			c->id = (uint64_t)store_rs_int(rs, r, C_ID);
			c->agent = (uint32_t)store_rs_int(rs, r, C_AGENT);
			c->queue = (uint32_t)store_rs_int(rs, r, C_QUEUE);
			c->disposition = (uint32_t)store_rs_int(rs, r, C_DISP);
			c->time = t;
			c->handle_ms = store_rs_int(rs, r, C_HANDLE);
			c->transferred = store_rs_int(rs, r, C_TRANSFERRED) != 0;
			c->customer = cust;
			c->survey = (uint8_t)store_rs_int(rs, r, C_SURVEY);
			if (store_rs_int(rs, r, C_DONE))
				done[nd++] = c->id;
			else if (!w->drawn && store_rs_int(rs, r, C_KEPT))
				keep[nk++] = c->id;
		} else if (cust) {
			/* contacts before the period (or unanswered): for the repeat-caller rule */
			hist[nh++] = (struct qa_contact){.customer = cust, .time = t};
		}
	}
	int64_t quota =
	    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(w->asg, "quota"));
	for (size_t i = 0; i < na; i++)
		quotas[i] = (struct qa_quota){.agent = agents[i], .quota = (uint32_t)quota};
	struct qa_sample_params p = {.start = w->start,
				     .end = w->end,
				     .agents = quotas,
				     .n_agents = na,
				     .done = done,
				     .n_done = nd,
				     .keep = keep,
				     .n_keep = nk,
				     .history = hist,
				     .n_history = nh,
				     .seed = w->seed};
	p.filter.queues = queues;
	p.filter.n_queues = nq;
	p.filter.dispositions = disps;
	p.filter.n_dispositions = ndisp;
	const cJSON *ha = cJSON_GetObjectItemCaseSensitive(f, "handle_above_s");
	if (cJSON_IsNumber(ha)) {
		p.filter.handle_above = true;
		p.filter.handle_above_ms = (int64_t)ha->valuedouble * 1000;
	}
	p.filter.transferred = tristate(f, "transferred");
	p.filter.repeat = tristate(f, "repeat");
	const cJSON *sv = cJSON_GetObjectItemCaseSensitive(f, "survey_at_most");
	if (cJSON_IsNumber(sv))
		p.filter.survey_at_most = (uint8_t)sv->valuedouble;
	struct qa_err qe;
	err = qa_sample(&s, cands, nc, &p, &qe);
	if (err) {
		if (err == EINVAL)
			http_reply_error(req, 500, "internal", "sampling refused the data: %s",
					 qe.msg);
		else
			http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	out = cJSON_CreateObject();
	json_add_i64(out, "assignment_id",
		     (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(w->asg, "id")));
	json_add_i64(out, "scorecard_id",
		     (int64_t)cJSON_GetNumberValue(
			 cJSON_GetObjectItemCaseSensitive(w->asg, "scorecard_id")));
	json_add_i64(out, "period_start", w->start);
	json_add_i64(out, "period_end", w->end);
	char seed[24];
	snprintf(seed, sizeof(seed), "%" PRIu64, w->seed);
	cJSON_AddStringToObject(out, "seed", seed);
	json_add_i64(out, "candidates", (int64_t)s->candidates);
	json_add_i64(out, "eligible", (int64_t)s->eligible);
	json_add_i64(out, "picked", (int64_t)s->picked);
	json_add_i64(out, "kept", (int64_t)nk - (int64_t)s->keep_dropped);
	cJSON *ex = cJSON_AddObjectToObject(out, "excluded");
	for (int k = 0; k < QA_SX_COUNT; k++)
		json_add_i64(ex, qa_sample_exclusion_name((enum qa_sample_exclusion)k),
			     (int64_t)s->excluded[k]);
	cJSON *aa = cJSON_AddArrayToObject(out, "agents");
	for (size_t i = 0; i < s->n_agents; i++) {
		const struct qa_sample_agent *sa = &s->agents[i];
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "agent_id", sa->agent);
		const struct center_agent *ag = center_agent(op->api->cfg.center, sa->agent);
		cJSON_AddStringToObject(o, "name", ag ? ag->name : "");
		json_add_i64(o, "quota", sa->quota);
		json_add_i64(o, "done", sa->done);
		json_add_i64(o, "due", sa->due);
		json_add_i64(o, "eligible", (int64_t)sa->eligible);
		json_add_i64(o, "shortfall", sa->shortfall);
		json_add_i64(o, "kept", (int64_t)sa->kept);
		cJSON *pa = cJSON_AddArrayToObject(o, "picks");
		for (size_t k = 0; k < sa->n_picks; k++) {
			for (unsigned r = 0; r < rows; r++) {
				if ((uint64_t)store_rs_int(rs, r, C_ID) == sa->picks[k]) {
					cJSON_AddItemToArray(pa, pick_json(rs, r));
					break;
				}
			}
		}
		cJSON_AddItemToArray(aa, o);
	}
	picked = sb_calloc(s->picked + 1, sizeof(*picked));
	for (size_t i = 0; picked && i < s->n_agents; i++)
		for (size_t k = 0; k < s->agents[i].n_picks; k++)
			picked[np++] = (int64_t)s->agents[i].picks[k];
	if (!picked) {
		http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	if (w->drawn || np == 0) {
		http_reply_json(req, 200, out);
		out = NULL;
		goto out;
	}
	/* remember what the list showed: the next view keeps these while they stay eligible */
	char *ids = api_ids_json(picked, (unsigned)np);
	struct store_job *job = ids ? api_job(req) : NULL;
	if (!job) {
		if (!ids)
			http_reply_error(req, 500, "internal", "out of memory");
		sb_free(ids);
		goto out;
	}
	err = 0;
	struct store_value kp[] = {store_int(w->asg_id), store_int(w->start), store_text(ids)};
	api_step(job, &s_picks_keep, kp, 3, 0, &err);
	sb_free(ids);
	op->out = out;
	out = NULL;
	op->status = 200;
	op->done = wl_picks_kept;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
out:
	cJSON_Delete(out);
	sb_free(keep);
	sb_free(picked);
	qa_sample_free(s);
	sb_free(cands);
	sb_free(hist);
	sb_free(done);
	sb_free(queues);
	sb_free(disps);
	sb_free(agents);
	sb_free(quotas);
}

static void wl_asg_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct wl *w = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "assignment");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !u ||
	    (!qa_all(u) && store_rs_int(rs, 0, A_SPEC) != (int64_t)u->id)) {
		api_not_found(req, "assignment");
		return;
	}
	w->asg = asg_json(rs, 0);
	w->asg_id = store_rs_int(rs, 0, A_ID);
	w->drawn = w->seed != 0;
	if (!w->seed) {
		/* a fresh, reproducible draw per assignment and week */
		uint64_t week = (uint64_t)(w->start / QA_WEEK_MS);
		w->seed = (uint64_t)store_rs_int(rs, 0, A_SEED) ^ (week * 0x9E3779B97F4A7C15ull);
	}
	char *clients = api_clients_json(u);
	struct store_value p[] = {store_int(w->start - QA_WEEK_MS), store_int(w->end),
				  store_text(clients), store_int(w->asg_id), store_int(w->start)};
	op->done = wl_candidates_got;
	op->cont = api_op_query_keep(op, &q_candidates, p, 5, req) == 0;
	sb_free(clients);
}

static void on_worklist(struct http_req *req, void *arg)
{
	struct api *a = arg;
	int64_t at = api_now(a), seed = 0;
	if (api_query_i64(req, "at", 0, QA_TIME_LIMIT, &at) == EINVAL ||
	    api_query_i64(req, "seed", 1, INT64_MAX, &seed) == EINVAL)
		return;
	struct api_op *op = api_op_new(a, req, wl_asg_got);
	struct wl *w = op ? sb_zalloc(sizeof(*w)) : NULL;
	if (!w) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = w;
	op->data_free = wl_free;
	w->start = api_qa_period_start(QP_WEEK, at);
	w->end = w->start + QA_WEEK_MS;
	w->seed = (uint64_t)seed;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_asg_one, p, 1, req);
}

static void asg_active_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "assignment");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !u ||
	    (!qa_all(u) && store_rs_int(rs, 0, A_SPEC) != (int64_t)u->id)) {
		api_not_found(req, "assignment");
		return;
	}
	struct store_job *job = api_job(req);
	if (!job)
		return;
	err = 0;
	struct store_value id = store_int(store_rs_int(rs, 0, A_ID));
	struct store_value p[] = {id, store_int(op->n), store_int(api_now(op->api))};
	api_step(job, &s_asg_active, p, 3, STORE_MUST_HIT, &err);
	api_audit(job, op, "update", "qa_assignment", id, NULL,
		  op->n ? "{\"active\":true}" : "{\"active\":false}", &err);
	api_step(job, &q_asg_ref, &id, 1, 0, &err);
	op->done = asg_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void on_asg_patch(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"active", NULL};
	const cJSON *b;
	bool active;
	if (body_object(req, keys, "an assignment's changeable fields", &b))
		return;
	if (json_get_bool(b, "active", &active)) {
		api_invalid(req, "field \"active\" is required: true or false");
		return;
	}
	struct api_op *op = api_op_new(arg, req, asg_active_got);
	if (!op)
		return;
	op->n = active;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_asg_one, p, 1, req);
}

/* ---------- calibration sessions ---------- */

enum {
	K_ID,
	K_NAME,
	K_SC,
	K_CONTACTS,
	K_PEOPLE,
	K_EXPERT,
	K_CLOSED,
	K_REPORT,
	K_BY,
	K_CREATED,
	K_CLOSEDAT,
	K_COUNT
};

#define CAL_SELECT                                                                                 \
	"SELECT id, name, scorecard_id, contacts, participants, expert_id, closed, report,"        \
	" created_by, created_at, closed_at FROM qa_calibrations"

static const struct store_stmt q_cal_list = {"qa.cal_list",
					     CAL_SELECT " ORDER BY id DESC LIMIT 500", NULL};
static const struct store_stmt q_cal_one = {"qa.cal_one", CAL_SELECT " WHERE id = $1", NULL};
static const struct store_stmt s_cal_insert = {
    "qa.cal_insert",
    "INSERT INTO qa_calibrations (name, scorecard_id, contacts, participants, expert_id,"
    " created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    NULL};
static const struct store_stmt s_cal_close = {
    "qa.cal_close",
    "UPDATE qa_calibrations SET closed = 1, report = $2, closed_at = $3"
    " WHERE id = $1 AND closed = 0",
    NULL};
/* the session's evaluations: everyone's (for the report) or, while open, the caller's */
static const struct store_stmt q_cal_evals = {
    "qa.cal_evals",
    "SELECT e.id, e.evaluator_id, e.contact_id, e.score, e.state, e.result"
    " FROM qa_evaluations e WHERE e.calibration_id = $1 AND ($2 IS NULL OR e.evaluator_id = $2)"
    " ORDER BY e.id",
    NULL};

static cJSON *cal_json(const struct store_rs *rs, unsigned row)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", store_rs_int(rs, row, K_ID));
	cJSON_AddStringToObject(o, "name", store_rs_text(rs, row, K_NAME));
	json_add_i64(o, "scorecard_id", store_rs_int(rs, row, K_SC));
	cJSON *c = api_qa_parse(store_rs_text(rs, row, K_CONTACTS));
	cJSON_AddItemToObject(o, "contacts", c ? c : cJSON_CreateArray());
	c = api_qa_parse(store_rs_text(rs, row, K_PEOPLE));
	cJSON_AddItemToObject(o, "participants", c ? c : cJSON_CreateArray());
	if (store_rs_is_null(rs, row, K_EXPERT))
		cJSON_AddNullToObject(o, "expert_id");
	else
		json_add_i64(o, "expert_id", store_rs_int(rs, row, K_EXPERT));
	cJSON_AddBoolToObject(o, "closed", store_rs_int(rs, row, K_CLOSED) != 0);
	json_add_i64(o, "created_at", store_rs_int(rs, row, K_CREATED));
	if (store_rs_is_null(rs, row, K_CLOSEDAT))
		cJSON_AddNullToObject(o, "closed_at");
	else
		json_add_i64(o, "closed_at", store_rs_int(rs, row, K_CLOSEDAT));
	return o;
}

static void cal_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "calibration session");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	for (unsigned r = 0; r < store_rs_rows(rs); r++)
		cJSON_AddItemToArray(items, cal_json(rs, r));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_cal_list(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, cal_listed);
	if (op)
		api_op_query(op, &q_cal_list, NULL, 0, req);
}

static void cal_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err == ENOENT && op->status != 201) {
		http_reply_error(req, 409, "conflict", "the session was closed meanwhile");
		return;
	}
	if (err) {
		api_store_error(req, err, op->status == 201, "calibration session");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (!n) {
		http_reply_error(req, 500, "internal", "the session did not come back");
		return;
	}
	cJSON *o = cal_json(rs, n - 1);
	cJSON *rep = api_qa_parse(store_rs_text(rs, n - 1, K_REPORT));
	if (rep)
		cJSON_AddItemToObject(o, "report", rep);
	http_reply_json(req, op->status ? op->status : 200, o);
}

static void on_cal_create(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"name",	   "scorecard_id", "contacts",
					   "participants", "expert_id",	   NULL};
	struct api *a = arg;
	const cJSON *b;
	const char *name;
	int64_t sc, expert = 0;
	if (body_object(req, keys, "a calibration session", &b))
		return;
	if (json_get_str(b, "name", 200, &name) || !*name) {
		api_invalid(req, "field \"name\" is required: a text of 1 to 200 bytes");
		return;
	}
	if (json_get_i64(b, "scorecard_id", 1, INT64_MAX / 2, &sc)) {
		api_invalid(req, "field \"scorecard_id\" is required: a scorecard id");
		return;
	}
	if (json_get_i64(b, "expert_id", 1, INT64_MAX / 2, &expert) == EINVAL) {
		api_invalid(req, "field \"expert_id\" must be a user id (or leave it out for the "
				 "median)");
		return;
	}
	char *contacts = NULL, *people = NULL;
	if (ids_text(req, b, "contacts", 100, true, &contacts) ||
	    ids_text(req, b, "participants", 100, true, &people)) {
		sb_free(contacts);
		return;
	}
	int64_t ids[100];
	unsigned n = 0;
	api_read_ids(req, b, "participants", INT64_MAX / 2, 100, ids, &n);
	bool expert_in = expert == 0;
	for (unsigned i = 0; i < n; i++) {
		const struct user *pu = userdir_get(a->cfg.users, (uint64_t)ids[i]);
		if (!pu || pu->disabled) {
			api_invalid(req, "field \"participants\": no user %" PRId64, ids[i]);
			goto bad;
		}
		expert_in |= ids[i] == expert;
	}
	if (n < 2) {
		api_invalid(req, "field \"participants\" must name at least two evaluators");
		goto bad;
	}
	if (!expert_in) {
		api_invalid(req, "field \"expert_id\" must be one of the participants");
		goto bad;
	}
	struct api_op *op = api_op_new(a, req, cal_written);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		goto bad;
	}
	int err = 0;
	struct store_value p[] = {store_text(name),
				  store_int(sc),
				  store_text(contacts),
				  store_text(people),
				  expert ? store_int(expert) : store_null(),
				  store_int((int64_t)http_req_user(req)->id),
				  store_int(api_now(a))};
	api_step(job, &s_cal_insert, p, 7, STORE_MUST_HIT, &err);
	api_audit(job, op, "create", "qa_calibration", store_ref(0, 0), NULL, NULL, &err);
	struct store_value q[] = {store_ref(0, 0)};
	api_step(job, &q_cal_one, q, 1, 0, &err);
	op->status = 201;
	api_op_write(op, job, req, err);
bad:
	sb_free(contacts);
	sb_free(people);
}

/* ---- one session: blind while open ---- */

static void cal_evals_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "evaluation");
		return;
	}
	cJSON *out = op->out;
	op->out = NULL;
	cJSON *arr = cJSON_AddArrayToObject(out, "evaluations");
	for (unsigned r = 0; r < store_rs_rows(rs); r++) {
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "id", store_rs_int(rs, r, 0));
		json_add_i64(o, "evaluator_id", store_rs_int(rs, r, 1));
		json_add_i64(o, "contact_id", store_rs_int(rs, r, 2));
		if (store_rs_is_null(rs, r, 3))
			cJSON_AddNullToObject(o, "score");
		else
			api_qa_add_num(o, "score", store_rs_real(rs, r, 3));
		cJSON_AddStringToObject(o, "state", store_rs_text(rs, r, 4));
		cJSON_AddItemToArray(arr, o);
	}
	http_reply_json(req, 200, out);
}

static void cal_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "calibration session");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !u) {
		api_not_found(req, "calibration session");
		return;
	}
	bool closed = store_rs_int(rs, 0, K_CLOSED) != 0;
	op->out = cal_json(rs, 0);
	cJSON *rep = api_qa_parse(store_rs_text(rs, 0, K_REPORT));
	if (rep)
		cJSON_AddItemToObject(op->out, "report", rep);
	struct store_value p[] = {store_int(store_rs_int(rs, 0, K_ID)),
				  closed ? store_null() : store_int((int64_t)u->id)};
	op->done = cal_evals_got;
	op->cont = api_op_query_keep(op, &q_cal_evals, p, 2, req) == 0;
}

static void on_cal_get(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, cal_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_cal_one, p, 1, req);
}

/* ---- close: the core's statistics ---- */

static cJSON *calib_report_json(const struct qa_calib_report *r)
{
	cJSON *o = cJSON_CreateObject();
	if (r->expert)
		cJSON_AddNumberToObject(o, "expert_id", r->expert);
	else
		cJSON_AddNullToObject(o, "expert_id");
	cJSON_AddStringToObject(o, "reference", r->expert ? "expert" : "median");
	cJSON *ev = cJSON_AddArrayToObject(o, "evaluators");
	for (size_t i = 0; i < r->n_evaluators; i++)
		cJSON_AddItemToArray(ev, cJSON_CreateNumber(r->evaluators[i]));
	cJSON_AddNumberToObject(o, "interactions", (double)r->n_interactions);
	cJSON *st = cJSON_AddArrayToObject(o, "criteria");
	for (size_t i = 0; i < r->n_stats; i++) {
		const struct qa_calib_stat *s = &r->stats[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "criterion", s->criterion);
		cJSON_AddNumberToObject(j, "items", (double)s->items);
		cJSON_AddNumberToObject(j, "n", (double)s->n);
		cJSON_AddNumberToObject(j, "n_na", (double)s->n_na);
		add_num_or_null(j, "mean", s->mean);
		add_num_or_null(j, "sd", s->sd);
		cJSON_AddNumberToObject(j, "n_ref", (double)s->n_ref);
		cJSON_AddNumberToObject(j, "n_within", (double)s->n_within);
		add_num_or_null(j, "within", s->within);
		cJSON_AddItemToArray(st, j);
	}
	cJSON *it = cJSON_AddArrayToObject(o, "items");
	for (size_t i = 0; i < r->n_items; i++) {
		const struct qa_calib_item *s = &r->items[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "contact_id", (double)s->interaction);
		cJSON_AddNumberToObject(j, "criterion", s->criterion);
		cJSON_AddNumberToObject(j, "n", (double)s->n);
		cJSON_AddNumberToObject(j, "n_na", (double)s->n_na);
		add_num_or_null(j, "mean", s->mean);
		add_num_or_null(j, "sd", s->sd);
		add_num_or_null(j, "reference", s->reference);
		add_num_or_null(j, "within", s->within);
		cJSON_AddItemToArray(it, j);
	}
	cJSON *dv = cJSON_AddArrayToObject(o, "deviations");
	for (size_t i = 0; i < r->n_devs; i++) {
		const struct qa_calib_dev *d = &r->devs[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "evaluator_id", d->evaluator);
		cJSON_AddNumberToObject(j, "criterion", d->criterion);
		cJSON_AddNumberToObject(j, "n", (double)d->n);
		cJSON_AddNumberToObject(j, "n_na", (double)d->n_na);
		cJSON_AddNumberToObject(j, "n_within", (double)d->n_within);
		add_num_or_null(j, "mean_dev", d->mean_dev);
		add_num_or_null(j, "mean_abs_dev", d->mean_abs_dev);
		cJSON_AddItemToArray(dv, j);
	}
	return o;
}

static void cal_close_evals_got(struct api_op *op, int err, struct store_rs *rs,
				struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "evaluation");
		return;
	}
	struct qa_calib *c = NULL;
	struct qa_calib_report *r = NULL;
	struct qa_err qe = {{0}};
	err = qa_calib_alloc(&c, (uint32_t)op->id2, &qe);
	unsigned used = 0;
	for (unsigned i = 0; !err && i < store_rs_rows(rs); i++) {
		if (strcmp(store_rs_text(rs, i, 4), "draft") == 0)
			continue; /* only submitted evaluations are compared */
		uint32_t ev = (uint32_t)store_rs_int(rs, i, 1);
		uint64_t contact = (uint64_t)store_rs_int(rs, i, 2);
		double overall = store_rs_is_null(rs, i, 3) ? NAN : store_rs_real(rs, i, 3);
		err = qa_calib_add(c, ev, contact, QA_OVERALL, overall, &qe);
		cJSON *res = api_qa_parse(store_rs_text(rs, i, 5));
		const cJSON *cr;
		cJSON_ArrayForEach(cr, cJSON_GetObjectItemCaseSensitive(res, "criteria"))
		{
			const cJSON *sc = cJSON_GetObjectItemCaseSensitive(cr, "score");
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(cr, "id");
			if (!err && cJSON_IsNumber(id))
				err = qa_calib_add(c, ev, contact, (uint32_t)id->valuedouble,
						   cJSON_IsNumber(sc) ? sc->valuedouble : NAN, &qe);
		}
		cJSON_Delete(res);
		used++;
	}
	if (!err && used == 0) {
		http_reply_error(req, 409, "conflict",
				 "no submitted evaluation in this session: nothing to compare");
		goto out;
	}
	if (!err)
		err = qa_calib_report(&r, c, &qe);
	if (err == EINVAL) {
		http_reply_error(req, 409, "conflict", "the session cannot be closed yet: %s",
				 qe.msg);
		goto out;
	}
	if (err) {
		http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	cJSON *rep = calib_report_json(r);
	char *text = api_qa_print(rep);
	cJSON_Delete(rep);
	struct store_job *job = text ? api_job(req) : NULL;
	if (!job) {
		if (!text)
			http_reply_error(req, 500, "internal", "out of memory");
		sb_free(text);
		goto out;
	}
	err = 0;
	struct store_value id = store_int(op->id);
	struct store_value p[] = {id, store_text(text), store_int(api_now(op->api))};
	api_step(job, &s_cal_close, p, 3, STORE_MUST_HIT, &err);
	api_audit(job, op, "close", "qa_calibration", id, "{\"closed\":false}", "{\"closed\":true}",
		  &err);
	api_step(job, &q_cal_one, &id, 1, 0, &err);
	sb_free(text);
	op->done = cal_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
out:
	qa_calib_report_free(r);
	qa_calib_free(c);
}

static void cal_close_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "calibration session");
		return;
	}
	if (store_rs_rows(rs) == 0) {
		api_not_found(req, "calibration session");
		return;
	}
	if (store_rs_int(rs, 0, K_CLOSED)) {
		http_reply_error(req, 409, "conflict", "the session is already closed");
		return;
	}
	op->id = store_rs_int(rs, 0, K_ID);
	op->id2 = store_rs_is_null(rs, 0, K_EXPERT) ? 0 : store_rs_int(rs, 0, K_EXPERT);
	struct store_value p[] = {store_int(op->id), store_null()};
	op->done = cal_close_evals_got;
	op->cont = api_op_query_keep(op, &q_cal_evals, p, 2, req) == 0;
}

static void on_cal_close(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, cal_close_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_cal_one, p, 1, req);
}

/* ---- drift: each evaluator's overall deviation across closed sessions ---- */

static const struct store_stmt q_cal_closed = {
    "qa.cal_closed",
    "SELECT closed_at, report FROM qa_calibrations WHERE closed = 1 ORDER BY closed_at LIMIT "
    "5000",
    NULL};

static void drift_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "calibration session");
		return;
	}
	size_t cap = 64, n = 0;
	struct qa_drift_point *pts = sb_calloc(cap, sizeof(*pts));
	for (unsigned r = 0; pts && r < store_rs_rows(rs); r++) {
		cJSON *rep = api_qa_parse(store_rs_text(rs, r, 1));
		const cJSON *d;
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(rep, "deviations"))
		{
			const cJSON *cr = cJSON_GetObjectItemCaseSensitive(d, "criterion");
			const cJSON *md = cJSON_GetObjectItemCaseSensitive(d, "mean_dev");
			const cJSON *ev = cJSON_GetObjectItemCaseSensitive(d, "evaluator_id");
			if (!cJSON_IsNumber(cr) || cr->valuedouble != QA_OVERALL ||
			    !cJSON_IsNumber(md) || !cJSON_IsNumber(ev))
				continue;
			if (n == cap) {
				struct qa_drift_point *np = sb_realloc(pts, cap * 2 * sizeof(*pts));
				if (!np)
					break;
				pts = np;
				cap *= 2;
			}
			pts[n++] = (struct qa_drift_point){.evaluator = (uint32_t)ev->valuedouble,
							   .time = store_rs_int(rs, r, 0),
							   .deviation = md->valuedouble};
		}
		cJSON_Delete(rep);
	}
	struct qa_drift_report *dr = NULL;
	struct qa_err qe;
	err = pts ? qa_calib_drift(&dr, pts, n, &qe) : ENOMEM;
	sb_free(pts);
	if (err) {
		http_reply_error(req, 500, "internal", "drift: %s",
				 err == EINVAL ? qe.msg : "out of memory");
		return;
	}
	cJSON *out = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(out, "evaluators");
	for (size_t i = 0; i < dr->n_evaluators; i++) {
		const struct qa_drift *d = &dr->evaluators[i];
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "evaluator_id", d->evaluator);
		json_add_i64(o, "sessions", (int64_t)d->n);
		json_add_i64(o, "from", d->from);
		json_add_i64(o, "to", d->to);
		add_num_or_null(o, "mean_dev", d->mean_dev);
		add_num_or_null(o, "mean_abs_dev", d->mean_abs_dev);
		add_num_or_null(o, "slope_per_30d", d->slope_per_30d);
		cJSON *pa = cJSON_AddArrayToObject(o, "points");
		for (size_t k = 0; k < d->n; k++) {
			const struct qa_drift_point *p = &dr->points[d->first + k];
			cJSON *pj = cJSON_CreateObject();
			json_add_i64(pj, "time", p->time);
			add_num_or_null(pj, "deviation", p->deviation);
			cJSON_AddItemToArray(pa, pj);
		}
		cJSON_AddItemToArray(arr, o);
	}
	qa_drift_report_free(dr);
	http_reply_json(req, 200, out);
}

static void on_cal_drift(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, drift_got);
	if (op)
		api_op_query(op, &q_cal_closed, NULL, 0, req);
}

/* ---------- coaching ---------- */

#define COACH_SELECT                                                                               \
	"SELECT k.id, k.agent_id, k.coach_id, k.time, k.evaluations, k.notes, k.created_at,"       \
	" (SELECT json_group_array(json_object('id', a.id, 'text', a.text, 'due', a.due,"          \
	" 'done', json(CASE WHEN a.done THEN 'true' ELSE 'false' END), 'done_at', a.done_at))"     \
	" FROM qa_actions a WHERE a.coaching_id = k.id) FROM qa_coaching k"

static const struct store_stmt q_coach_page = {
    "qa.coach_page",
    COACH_SELECT " WHERE ($1 IS NULL OR k.agent_id IN (SELECT value FROM json_each($1)))"
		 " AND ($2 IS NULL OR k.agent_id = $2) ORDER BY k.id DESC LIMIT 500",
    NULL};
static const struct store_stmt q_coach_one = {"qa.coach_one", COACH_SELECT " WHERE k.id = $1",
					      NULL};
static const struct store_stmt s_coach_insert = {
    "qa.coach_insert",
    "INSERT INTO qa_coaching (agent_id, coach_id, time, evaluations, notes, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    NULL};
static const struct store_stmt s_action_insert = {
    "qa.action_insert", "INSERT INTO qa_actions (coaching_id, text, due) VALUES ($1, $2, $3)",
    NULL};
static const struct store_stmt q_action_one = {
    "qa.action_one",
    "SELECT a.id, a.coaching_id, k.agent_id, a.done FROM qa_actions a JOIN qa_coaching k ON"
    " k.id = a.coaching_id WHERE a.id = $1",
    NULL};
static const struct store_stmt s_action_done = {
    "qa.action_done",
    "UPDATE qa_actions SET done = $2, done_at = CASE WHEN $2 = 1 THEN $3 ELSE NULL END"
    " WHERE id = $1",
    NULL};

static cJSON *coach_json(const struct store_rs *rs, unsigned r)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", store_rs_int(rs, r, 0));
	json_add_i64(o, "agent_id", store_rs_int(rs, r, 1));
	if (store_rs_is_null(rs, r, 2))
		cJSON_AddNullToObject(o, "coach_id");
	else
		json_add_i64(o, "coach_id", store_rs_int(rs, r, 2));
	json_add_i64(o, "time", store_rs_int(rs, r, 3));
	cJSON *e = api_qa_parse(store_rs_text(rs, r, 4));
	cJSON_AddItemToObject(o, "evaluations", e ? e : cJSON_CreateArray());
	const char *notes = store_rs_text(rs, r, 5);
	if (notes)
		cJSON_AddStringToObject(o, "notes", notes);
	else
		cJSON_AddNullToObject(o, "notes");
	json_add_i64(o, "created_at", store_rs_int(rs, r, 6));
	cJSON *a = api_qa_parse(store_rs_text(rs, r, 7));
	cJSON_AddItemToObject(o, "actions", a ? a : cJSON_CreateArray());
	return o;
}

static void coach_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "coaching session");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	for (unsigned r = 0; r < store_rs_rows(rs); r++)
		cJSON_AddItemToArray(items, coach_json(rs, r));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_coach_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	int64_t agent = 0;
	if (api_query_i64(req, "agent_id", 1, INT64_MAX / 2, &agent) == EINVAL)
		return;
	int e;
	char *scope = api_qa_scope(a, http_req_user(req), &e);
	struct api_op *op = e ? NULL : api_op_new(a, req, coach_listed);
	if (e)
		http_reply_error(req, 500, "internal", "out of memory");
	if (op) {
		struct store_value p[] = {store_text(scope),
					  agent ? store_int(agent) : store_null()};
		api_op_query(op, &q_coach_page, p, 2, req);
	}
	sb_free(scope);
}

static void coach_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, op->status == 201, "coaching session");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (!n) {
		http_reply_error(req, 500, "internal", "the coaching session did not come back");
		return;
	}
	http_reply_json(req, op->status ? op->status : 200, coach_json(rs, n - 1));
}

static void on_coach_create(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"agent_id", "time",	  "evaluations",
					   "notes",    "actions", NULL};
	static const char *const akeys[] = {"text", "due", NULL};
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	const cJSON *b;
	int64_t agent, time = api_now(a);
	const char *notes = NULL;
	if (body_object(req, keys, "a coaching session", &b))
		return;
	if (json_get_i64(b, "agent_id", 1, INT64_MAX / 2, &agent) ||
	    !center_agent(a->cfg.center, agent)) {
		api_invalid(req, "field \"agent_id\" is required: an agent id");
		return;
	}
	if (!api_qa_agent_visible(a, u, agent)) {
		http_reply_error(req, 403, "forbidden", "team leads coach their own team");
		return;
	}
	if (json_get_i64(b, "time", 0, QA_TIME_LIMIT, &time) == EINVAL) {
		api_invalid(req, "field \"time\" must be epoch milliseconds");
		return;
	}
	if (json_get_str(b, "notes", 20000, &notes) == EINVAL) {
		api_invalid(req, "field \"notes\" must be a text of at most 20000 bytes");
		return;
	}
	const cJSON *acts = cJSON_GetObjectItemCaseSensitive(b, "actions");
	if (acts && (!cJSON_IsArray(acts) || cJSON_GetArraySize(acts) > 100)) {
		api_invalid(req, "field \"actions\" must be an array of at most 100 items");
		return;
	}
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, acts)
	{
		const char *stray, *text;
		int64_t due;
		if (!cJSON_IsObject(it) || json_only_keys(it, akeys, &stray) ||
		    json_get_str(it, "text", 2000, &text) || !*text ||
		    json_get_i64(it, "due", 0, QA_TIME_LIMIT, &due)) {
			api_invalid(
			    req,
			    "field \"actions[%d]\" must be {\"text\": 1..2000 bytes, \"due\": "
			    "epoch ms}",
			    i);
			return;
		}
		i++;
	}
	char *evals = NULL;
	if (ids_text(req, b, "evaluations", 100, false, &evals))
		return;
	struct api_op *op = api_op_new(a, req, coach_written);
	struct store_job *job = op ? api_job(req) : NULL;
	if (!job) {
		api_op_free(op);
		sb_free(evals);
		return;
	}
	int err = 0;
	struct store_value p[] = {store_int(agent),  store_int((int64_t)u->id),
				  store_int(time),   store_text(evals),
				  store_text(notes), store_int(api_now(a))};
	api_step(job, &s_coach_insert, p, 6, STORE_MUST_HIT, &err);
	cJSON_ArrayForEach(it, acts)
	{
		const char *text = NULL;
		int64_t due = 0;
		json_get_str(it, "text", 2000, &text);
		json_get_i64(it, "due", 0, QA_TIME_LIMIT, &due);
		struct store_value q[] = {store_ref(0, 0), store_text(text), store_int(due)};
		api_step(job, &s_action_insert, q, 3, 0, &err);
	}
	char after[64];
	snprintf(after, sizeof(after), "{\"agent_id\":%" PRId64 "}", agent);
	api_audit(job, op, "create", "qa_coaching", store_ref(0, 0), NULL, after, &err);
	struct store_value q[] = {store_ref(0, 0)};
	api_step(job, &q_coach_one, q, 1, 0, &err);
	sb_free(evals);
	op->status = 201;
	api_op_write(op, job, req, err);
}

static void action_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)rs;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "action item");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", op->id);
	cJSON_AddBoolToObject(o, "done", op->n != 0);
	http_reply_json(req, 200, o);
}

static void action_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "action item");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !u ||
	    !api_qa_agent_visible(op->api, u, store_rs_int(rs, 0, 2))) {
		api_not_found(req, "action item");
		return;
	}
	struct store_job *job = api_job(req);
	if (!job)
		return;
	err = 0;
	op->id = store_rs_int(rs, 0, 0);
	struct store_value id = store_int(op->id);
	struct store_value p[] = {id, store_int(op->n), store_int(api_now(op->api))};
	api_step(job, &s_action_done, p, 3, STORE_MUST_HIT, &err);
	api_audit(job, op, "update", "qa_action", id, NULL,
		  op->n ? "{\"done\":true}" : "{\"done\":false}", &err);
	op->done = action_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void on_action_patch(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"done", NULL};
	const cJSON *b;
	bool done;
	if (body_object(req, keys, "an action item's changeable fields", &b))
		return;
	if (json_get_bool(b, "done", &done)) {
		api_invalid(req, "field \"done\" is required: true or false");
		return;
	}
	struct api_op *op = api_op_new(arg, req, action_got);
	if (!op)
		return;
	op->n = done;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_action_one, p, 1, req);
}

/* ---------- routes ---------- */

#define ASG_SCHEMA                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"specialist_id\":{"   \
	"\"type\":\"integer\"},\"scorecard_id\":{\"type\":\"integer\"},\"quota\":{\"type\":"       \
	"\"integer\"},\"agents\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}},"           \
	"\"filters\":{\"type\":\"object\"},\"seed\":{\"type\":\"integer\"},\"active\":{\"type\":"  \
	"\"boolean\"}}}"
#define CAL_SCHEMA                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"   \
	"\"string\"},\"scorecard_id\":{\"type\":\"integer\"},\"contacts\":{\"type\":\"array\"},"   \
	"\"participants\":{\"type\":\"array\"},\"expert_id\":{\"type\":\"integer\",\"nullable\":"  \
	"true},\"closed\":{\"type\":\"boolean\"},\"report\":{\"type\":\"object\"},"                \
	"\"evaluations\":{\"type\":\"array\"}}}"
#define COACH_SCHEMA                                                                               \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"agent_id\":{"        \
	"\"type\":\"integer\"},\"coach_id\":{\"type\":\"integer\",\"nullable\":true},\"time\":{"   \
	"\"type\":\"integer\"},\"evaluations\":{\"type\":\"array\"},\"notes\":{\"type\":"          \
	"\"string\",\"nullable\":true},\"actions\":{\"type\":\"array\",\"items\":{\"type\":"       \
	"\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"text\":{\"type\":\"string\"}," \
	"\"due\":{\"type\":\"integer\"},\"done\":{\"type\":\"boolean\"}}}}}}"
#define ITEMS_OF(x)                                                                                \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" x "}}}"

int api_qa_work_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, QA_PREFIX "/assignments", R_QA_WORK, on_asg_list, NULL, 0,
	     "Sampling assignments (QA specialists: their own)", "quality", NULL,
	     ITEMS_OF(ASG_SCHEMA), NULL, 0, NULL},
	    {HTTP_POST, QA_PREFIX "/assignments", R_QA_WORK, on_asg_create, NULL, 0,
	     "Assign a QA specialist N calls per agent per week (agents or team_id), with "
	     "filters and a seed",
	     "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"scorecard_id\","
	     "\"quota\"],\"properties\":{\"specialist_id\":{\"type\":\"integer\"},"
	     "\"scorecard_id\":{\"type\":\"integer\"},\"quota\":{\"type\":\"integer\",\"minimum\":"
	     "1,\"maximum\":1000},\"agents\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}},"
	     "\"team_id\":{\"type\":\"integer\"},\"seed\":{\"type\":\"integer\"},\"filters\":{"
	     "\"type\":\"object\",\"properties\":{\"queues\":{\"type\":\"array\"},"
	     "\"dispositions\":{\"type\":\"array\"},\"handle_above_s\":{\"type\":\"integer\"},"
	     "\"transferred\":{\"type\":\"string\",\"enum\":[\"any\",\"only\",\"exclude\"]},"
	     "\"repeat\":{\"type\":\"string\",\"enum\":[\"any\",\"only\",\"exclude\"]},"
	     "\"survey_at_most\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":5}}}}}",
	     ASG_SCHEMA, NULL, 201, "422"},
	    {HTTP_PATCH, QA_PREFIX "/assignments/{id:int}", R_QA_WORK, on_asg_patch, NULL, 0,
	     "Pause or resume an assignment", "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"active\"],"
	     "\"properties\":{\"active\":{\"type\":\"boolean\"}}}",
	     ASG_SCHEMA, NULL, 0, "404 422"},
	    {HTTP_GET, QA_PREFIX "/assignments/{id:int}/worklist", R_QA_WORK, on_worklist, NULL, 0,
	     "The calls due this week (?at= a time in the week), drawn reproducibly from the "
	     "assignment's seed (?seed= to override)",
	     "quality", NULL,
	     "{\"type\":\"object\",\"properties\":{\"period_start\":{\"type\":\"integer\"},"
	     "\"period_end\":{\"type\":\"integer\"},\"seed\":{\"type\":\"string\"},\"agents\":{"
	     "\"type\":\"array\"},\"excluded\":{\"type\":\"object\"}}}",
	     NULL, 0, "404 422"},
	    {HTTP_GET, QA_PREFIX "/calibrations", R_QA_WORK, on_cal_list, NULL, 0,
	     "Calibration sessions, newest first", "quality", NULL, ITEMS_OF(CAL_SCHEMA), NULL, 0,
	     NULL},
	    {HTTP_POST, QA_PREFIX "/calibrations", R_QA_WORK, on_cal_create, NULL, 0,
	     "Open a calibration session: contacts, participants, an expert (or the median)",
	     "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"name\","
	     "\"scorecard_id\",\"contacts\",\"participants\"],\"properties\":{\"name\":{\"type\":"
	     "\"string\"},\"scorecard_id\":{\"type\":\"integer\"},\"contacts\":{\"type\":"
	     "\"array\",\"items\":{\"type\":\"integer\"}},\"participants\":{\"type\":\"array\","
	     "\"items\":{\"type\":\"integer\"}},\"expert_id\":{\"type\":\"integer\"}}}",
	     CAL_SCHEMA, NULL, 201, "422"},
	    {HTTP_GET, QA_PREFIX "/calibrations/drift", R_QA_WORK, on_cal_drift, NULL, 0,
	     "Each evaluator's overall deviation across closed sessions, with its trend", "quality",
	     NULL, "{\"type\":\"object\",\"properties\":{\"evaluators\":{\"type\":\"array\"}}}",
	     NULL, 0, NULL},
	    {HTTP_GET, QA_PREFIX "/calibrations/{id:int}", R_QA_WORK, on_cal_get, NULL, 0,
	     "One session: while open only the caller's own evaluations (blind); once closed all "
	     "and the report",
	     "quality", NULL, CAL_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, QA_PREFIX "/calibrations/{id:int}/close", R_QA_WORK, on_cal_close, NULL, 0,
	     "Close a session: spread, share within +/-5 points of the reference, each "
	     "evaluator's deviation",
	     "quality", NULL, CAL_SCHEMA, NULL, 0, "404 409"},
	    {HTTP_GET, QA_PREFIX "/coaching", R_QA_READ, on_coach_list, NULL, 0,
	     "Coaching sessions with their action items (agents: their own; team leads: their "
	     "team's); ?agent_id=",
	     "quality", NULL, ITEMS_OF(COACH_SCHEMA), NULL, 0, "422"},
	    {HTTP_POST, QA_PREFIX "/coaching", R_LEAD | R_QA_WORK, on_coach_create, NULL, 0,
	     "Record a coaching session: linked evaluations, notes, action items with due dates",
	     "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"agent_id\"],"
	     "\"properties\":{\"agent_id\":{\"type\":\"integer\"},\"time\":{\"type\":\"integer\"},"
	     "\"evaluations\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}},\"notes\":{"
	     "\"type\":\"string\"},\"actions\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	     "\"properties\":{\"text\":{\"type\":\"string\"},\"due\":{\"type\":\"integer\"}}}}}}",
	     COACH_SCHEMA, NULL, 201, "403 422"},
	    {HTTP_PATCH, QA_PREFIX "/actions/{id:int}", R_QA_READ, on_action_patch, NULL, 0,
	     "Mark an action item done or not done", "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"done\"],"
	     "\"properties\":{\"done\":{\"type\":\"boolean\"}}}",
	     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"done\":{"
	     "\"type\":\"boolean\"}}}",
	     NULL, 0, "404 422"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
