/* api_qa: quality-assurance resources: versioned scorecards, evaluations scored by the core,
 * the agent's acknowledgement and disputes, arbitration. */
#include "server/api_qa.h"

#include "base/json.h"
#include "base/mem.h"
#include "core/qa/qa.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- shared helpers ---------- */

cJSON *api_qa_parse(const char *text)
{
	return text ? cJSON_Parse(text) : NULL;
}

void api_qa_add_num(cJSON *o, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

char *api_qa_print(const cJSON *j)
{
	char *t = cJSON_PrintUnformatted(j);
	char *s = t ? sb_strdup(t) : NULL;
	cJSON_free(t);
	return s;
}

void api_qa_fingerprint_hex(uint64_t fp, char out[17])
{
	snprintf(out, 17, "%016" PRIx64, fp);
}

/* days since 1970-01-01 of a civil date, and back (proleptic Gregorian) */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t api_qa_period_start(enum api_qa_period p, int64_t t)
{
	int64_t day = t >= 0 ? t / QA_DAY_MS : -((-t + QA_DAY_MS - 1) / QA_DAY_MS);
	if (p == QP_WEEK) {
		/* 1970-01-05 was a Monday */
		int64_t k = day - 4;
		int64_t w = k >= 0 ? k / 7 : -((-k + 6) / 7);
		return (w * 7 + 4) * QA_DAY_MS;
	}
	int64_t y;
	int m;
	civil_from_days(day, &y, &m);
	return days_from_civil(y, p == QP_YEAR ? 1 : m, 1) * QA_DAY_MS;
}

char *api_qa_scope(struct api *a, const struct user *u, int *err)
{
	*err = 0;
	if (u->role == ROLE_QA || u->role == ROLE_SUPERVISOR || u->role == ROLE_ADMIN)
		return NULL;
	char *s;
	if (u->role == ROLE_TEAM_LEAD && u->team_id) {
		s = api_team_json(a, (int64_t)u->team_id, false);
	} else {
		int64_t me = (int64_t)u->agent_id;
		s = api_ids_json(&me, u->agent_id ? 1 : 0);
	}
	if (!s)
		*err = ENOMEM;
	return s;
}

bool api_qa_agent_visible(struct api *a, const struct user *u, int64_t agent_id)
{
	if (u->role == ROLE_QA || u->role == ROLE_SUPERVISOR || u->role == ROLE_ADMIN)
		return true;
	if (u->agent_id && agent_id == (int64_t)u->agent_id)
		return true;
	if (u->role == ROLE_TEAM_LEAD && u->team_id && agent_id) {
		const struct center_agent *ag = center_agent(a->cfg.center, agent_id);
		return ag && ag->team_id == (int64_t)u->team_id;
	}
	return false;
}

/* ---------- scorecard definitions <-> JSON ---------- */

static int defail(char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int defail(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return EINVAL;
}

static const char *const critical_names[] = {"none", "section", "whole", NULL};
static const char *const kind_names[] = {"", "checkbox", "dropdown", "comment", NULL};

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (names[i][0] && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* reads an optional member; returns EINVAL after writing the message */
static int def_i64(const cJSON *o, const char *key, const char *where, int64_t min, int64_t max,
		   bool req, int64_t *out, char *msg, size_t size)
{
	int e = json_get_i64(o, key, min, max, out);
	if (e == ENOENT && !req)
		return 0;
	if (e)
		return defail(msg, size, "%s.%s must be %s an integer from %" PRId64 " to %" PRId64,
			      where, key, e == ENOENT ? "given:" : "", min, max);
	return 0;
}

static int def_num(const cJSON *o, const char *key, const char *where, double *out, char *msg,
		   size_t size)
{
	int e = json_get_double(o, key, 0, QA_MAX_WEIGHT, out);
	if (e == ENOENT)
		return 0;
	if (e)
		return defail(msg, size, "%s.%s must be a number from 0 to %g", where, key,
			      QA_MAX_WEIGHT);
	return 0;
}

static int def_str(const cJSON *o, const char *key, const char *where, bool req, const char **out,
		   char *msg, size_t size)
{
	int e = json_get_str(o, key, QA_MAX_TEXT, out);
	if (e == ENOENT && !req)
		return 0;
	if (e)
		return defail(msg, size, "%s.%s must be %s a text of at most %d bytes", where, key,
			      e == ENOENT ? "given:" : "", QA_MAX_TEXT);
	return 0;
}

static int def_bool(const cJSON *o, const char *key, const char *where, bool *out, char *msg,
		    size_t size)
{
	int e = json_get_bool(o, key, out);
	if (e == EINVAL)
		return defail(msg, size, "%s.%s must be true or false", where, key);
	return 0;
}

static int parse_sections(struct qa_scorecard *sc, const cJSON *arr, char *msg, size_t size)
{
	static const char *const keys[] = {"id", "name", "weight", NULL};
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, arr)
	{
		char where[64];
		snprintf(where, sizeof(where), "definition.sections[%d]", i++);
		const char *stray;
		if (!cJSON_IsObject(it))
			return defail(msg, size, "%s must be an object", where);
		if (json_only_keys(it, keys, &stray))
			return defail(msg, size, "%s.%s is not a member of a section", where,
				      stray);
		int64_t id = 0;
		struct qa_section_def d = {.weight = 1};
		int e = def_i64(it, "id", where, 1, UINT32_MAX, true, &id, msg, size);
		if (!e)
			e = def_str(it, "name", where, true, &d.name, msg, size);
		if (!e)
			e = def_num(it, "weight", where, &d.weight, msg, size);
		if (e)
			return e;
		d.id = (uint32_t)id;
		struct qa_err qe;
		e = qa_scorecard_add_section(sc, &d, &qe);
		if (e)
			return e == EINVAL ? defail(msg, size, "%s: %s", where, qe.msg) : e;
	}
	return 0;
}

static int parse_criteria(struct qa_scorecard *sc, const cJSON *arr, char *msg, size_t size)
{
	static const char *const keys[] = {"id",  "section", "text",	 "weight",  "points", "min",
					   "max", "na",	     "critical", "fail_at", NULL};
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, arr)
	{
		char where[64];
		snprintf(where, sizeof(where), "definition.criteria[%d]", i++);
		const char *stray;
		if (!cJSON_IsObject(it))
			return defail(msg, size, "%s must be an object", where);
		if (json_only_keys(it, keys, &stray))
			return defail(msg, size, "%s.%s is not a member of a criterion", where,
				      stray);
		int64_t id = 0, section = 0, points = 0, mn, mx, fail_at;
		struct qa_criterion_def d = {.weight = 1};
		const char *crit = "none";
		int e = def_i64(it, "id", where, 1, UINT32_MAX, true, &id, msg, size);
		if (!e)
			e = def_i64(it, "section", where, 1, UINT32_MAX, true, &section, msg, size);
		if (!e)
			e = def_str(it, "text", where, true, &d.text, msg, size);
		if (!e)
			e = def_num(it, "weight", where, &d.weight, msg, size);
		if (!e)
			e = def_i64(it, "points", where, 2, 5, true, &points, msg, size);
		mn = points == 2 ? 0 : 1;
		mx = points == 2 ? 1 : points;
		if (!e)
			e = def_i64(it, "min", where, -QA_MAX_SCALE, QA_MAX_SCALE, false, &mn, msg,
				    size);
		if (!e)
			e = def_i64(it, "max", where, -QA_MAX_SCALE, QA_MAX_SCALE, false, &mx, msg,
				    size);
		fail_at = mn;
		if (!e)
			e = def_bool(it, "na", where, &d.na_allowed, msg, size);
		if (!e)
			e = def_str(it, "critical", where, false, &crit, msg, size);
		if (!e)
			e = def_i64(it, "fail_at", where, -QA_MAX_SCALE, QA_MAX_SCALE, false,
				    &fail_at, msg, size);
		if (e)
			return e;
		int c = name_index(critical_names, crit);
		if (c < 0)
			return defail(msg, size, "%s.critical must be none, section or whole",
				      where);
		d.id = (uint32_t)id;
		d.section = (uint32_t)section;
		d.points = (unsigned)points;
		d.min = (int32_t)mn;
		d.max = (int32_t)mx;
		d.critical = (enum qa_critical)c;
		d.fail_at = (int32_t)fail_at;
		struct qa_err qe;
		e = qa_scorecard_add_criterion(sc, &d, &qe);
		if (e)
			return e == EINVAL ? defail(msg, size, "%s: %s", where, qe.msg) : e;
	}
	return 0;
}

static int parse_fields(struct qa_scorecard *sc, const cJSON *arr, char *msg, size_t size)
{
	static const char *const keys[] = {"id",       "section", "kind", "label",
					   "required", "options", NULL};
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, arr)
	{
		char where[64];
		snprintf(where, sizeof(where), "definition.fields[%d]", i++);
		const char *stray;
		if (!cJSON_IsObject(it))
			return defail(msg, size, "%s must be an object", where);
		if (json_only_keys(it, keys, &stray))
			return defail(msg, size, "%s.%s is not a member of a field", where, stray);
		int64_t id = 0, section = 0;
		struct qa_field_def d = {0};
		const char *kind = "";
		int e = def_i64(it, "id", where, 1, UINT32_MAX, true, &id, msg, size);
		if (!e)
			e = def_i64(it, "section", where, 0, UINT32_MAX, false, &section, msg,
				    size);
		if (!e)
			e = def_str(it, "kind", where, true, &kind, msg, size);
		if (!e)
			e = def_str(it, "label", where, true, &d.label, msg, size);
		if (!e)
			e = def_bool(it, "required", where, &d.required, msg, size);
		if (e)
			return e;
		int k = name_index(kind_names, kind);
		if (k < 0)
			return defail(msg, size, "%s.kind must be checkbox, dropdown or comment",
				      where);
		const char *opts[QA_MAX_OPTIONS];
		size_t n = 0;
		const cJSON *oa = cJSON_GetObjectItemCaseSensitive(it, "options");
		if (oa) {
			if (!cJSON_IsArray(oa))
				return defail(msg, size, "%s.options must be an array of texts",
					      where);
			const cJSON *o;
			cJSON_ArrayForEach(o, oa)
			{
				if (!cJSON_IsString(o) || n == QA_MAX_OPTIONS)
					return defail(msg, size,
						      "%s.options must be at most %d texts", where,
						      QA_MAX_OPTIONS);
				opts[n++] = o->valuestring;
			}
		}
		d.id = (uint32_t)id;
		d.section = (uint32_t)section;
		d.kind = (enum qa_field_kind)k;
		d.options = n ? opts : NULL;
		d.n_options = n;
		struct qa_err qe;
		e = qa_scorecard_add_field(sc, &d, &qe);
		if (e)
			return e == EINVAL ? defail(msg, size, "%s: %s", where, qe.msg) : e;
	}
	return 0;
}

int api_qa_scorecard_parse(const cJSON *def, uint32_t id, uint32_t version, const char *name,
			   struct qa_scorecard **scp, char *msg, size_t msg_size)
{
	static const char *const keys[] = {"sections", "criteria", "fields", NULL};
	const char *stray;
	*scp = NULL;
	if (!cJSON_IsObject(def))
		return defail(msg, msg_size, "definition must be an object");
	if (json_only_keys(def, keys, &stray))
		return defail(msg, msg_size, "definition.%s is not a member of a definition",
			      stray);
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(def, "sections");
	const cJSON *cri = cJSON_GetObjectItemCaseSensitive(def, "criteria");
	const cJSON *fld = cJSON_GetObjectItemCaseSensitive(def, "fields");
	if (!cJSON_IsArray(sec) || cJSON_GetArraySize(sec) == 0)
		return defail(msg, msg_size, "definition.sections must be a non-empty array");
	if (!cJSON_IsArray(cri) || cJSON_GetArraySize(cri) == 0)
		return defail(msg, msg_size, "definition.criteria must be a non-empty array");
	if (fld && !cJSON_IsArray(fld))
		return defail(msg, msg_size, "definition.fields must be an array");
	struct qa_scorecard *sc;
	struct qa_err qe;
	int e = qa_scorecard_alloc(&sc, id, version, name, &qe);
	if (e)
		return e == EINVAL ? defail(msg, msg_size, "name: %s", qe.msg) : e;
	e = parse_sections(sc, sec, msg, msg_size);
	if (!e)
		e = parse_criteria(sc, cri, msg, msg_size);
	if (!e && fld)
		e = parse_fields(sc, fld, msg, msg_size);
	if (!e) {
		e = qa_scorecard_seal(sc, &qe);
		if (e == EINVAL)
			defail(msg, msg_size, "definition: %s", qe.msg);
	}
	if (e) {
		qa_scorecard_free(sc);
		return e == EBUSY ? EINVAL : e;
	}
	*scp = sc;
	return 0;
}

cJSON *api_qa_scorecard_json(const struct qa_scorecard *sc)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *sa = cJSON_AddArrayToObject(o, "sections");
	for (size_t i = 0; i < qa_scorecard_section_count(sc); i++) {
		const struct qa_section_def *d = qa_scorecard_section(sc, i);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", d->id);
		cJSON_AddStringToObject(j, "name", d->name);
		cJSON_AddNumberToObject(j, "weight", d->weight);
		cJSON_AddItemToArray(sa, j);
	}
	cJSON *ca = cJSON_AddArrayToObject(o, "criteria");
	for (size_t i = 0; i < qa_scorecard_criterion_count(sc); i++) {
		const struct qa_criterion_def *d = qa_scorecard_criterion(sc, i);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", d->id);
		cJSON_AddNumberToObject(j, "section", d->section);
		cJSON_AddStringToObject(j, "text", d->text);
		cJSON_AddNumberToObject(j, "weight", d->weight);
		cJSON_AddNumberToObject(j, "points", d->points);
		cJSON_AddNumberToObject(j, "min", d->min);
		cJSON_AddNumberToObject(j, "max", d->max);
		cJSON_AddBoolToObject(j, "na", d->na_allowed);
		cJSON_AddStringToObject(j, "critical", critical_names[d->critical]);
		if (d->critical != QA_CRITICAL_NONE)
			cJSON_AddNumberToObject(j, "fail_at", d->fail_at);
		cJSON_AddItemToArray(ca, j);
	}
	cJSON *fa = cJSON_AddArrayToObject(o, "fields");
	for (size_t i = 0; i < qa_scorecard_field_count(sc); i++) {
		const struct qa_field_def *d = qa_scorecard_field(sc, i);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", d->id);
		cJSON_AddNumberToObject(j, "section", d->section);
		cJSON_AddStringToObject(j, "kind", kind_names[d->kind]);
		cJSON_AddStringToObject(j, "label", d->label);
		cJSON_AddBoolToObject(j, "required", d->required);
		if (d->kind == QA_FIELD_DROPDOWN) {
			cJSON *oa = cJSON_AddArrayToObject(j, "options");
			for (size_t k = 0; k < d->n_options; k++)
				cJSON_AddItemToArray(oa, cJSON_CreateString(d->options[k]));
		}
		cJSON_AddItemToArray(fa, j);
	}
	return o;
}

int api_qa_scorecard_load(const char *def_text, uint32_t id, uint32_t version, const char *name,
			  const char *fingerprint, struct qa_scorecard **scp)
{
	cJSON *def = api_qa_parse(def_text);
	char msg[256];
	int e =
	    def ? api_qa_scorecard_parse(def, id, version, name, scp, msg, sizeof(msg)) : EINVAL;
	cJSON_Delete(def);
	if (e)
		return e;
	char hex[17];
	api_qa_fingerprint_hex(qa_scorecard_fingerprint(*scp), hex);
	if (!fingerprint || strcmp(hex, fingerprint) != 0) {
		qa_scorecard_free(*scp);
		*scp = NULL;
		return EPROTO;
	}
	return 0;
}

/* ---------- scorecards ---------- */

enum { S_ID, S_NAME, S_VERSION, S_ACTIVE, S_CREATED, S_UPDATED, S_DEF, S_FP, S_LATEST, S_COUNT };

#define SC_SELECT                                                                                  \
	"SELECT s.id, s.name, v.version, s.active, s.created_at, s.updated_at, v.definition,"      \
	" v.fingerprint, s.version FROM qa_scorecards s JOIN qa_scorecard_versions v ON"           \
	" v.scorecard_id = s.id"

static const struct store_stmt q_sc_all = {
    "qa.sc_all", SC_SELECT " AND v.version = s.version ORDER BY s.id", NULL};
static const struct store_stmt q_sc_one = {
    "qa.sc_one", SC_SELECT " AND v.version = COALESCE($2, s.version) WHERE s.id = $1", NULL};
static const struct store_stmt q_sc_next = {
    "qa.sc_next", "SELECT COALESCE(MAX(id), 0) + 1 FROM qa_scorecards", NULL};
static const struct store_stmt s_sc_insert = {
    "qa.sc_insert",
    "INSERT INTO qa_scorecards (id, name, version, active, created_at, updated_at)"
    " VALUES ($1, $2, 1, 1, $3, $3)",
    NULL};
static const struct store_stmt s_sc_version = {
    "qa.sc_version",
    "INSERT INTO qa_scorecard_versions (scorecard_id, version, definition, fingerprint,"
    " created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    NULL};
static const struct store_stmt s_sc_update = {
    "qa.sc_update",
    "UPDATE qa_scorecards SET name = $3, version = $4, active = $5, updated_at = $6"
    " WHERE id = $1 AND version = $2",
    NULL};

static cJSON *sc_json(const struct store_rs *rs, unsigned row)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", store_rs_int(rs, row, S_ID));
	cJSON_AddStringToObject(o, "name", store_rs_text(rs, row, S_NAME));
	json_add_i64(o, "version", store_rs_int(rs, row, S_VERSION));
	json_add_i64(o, "latest_version", store_rs_int(rs, row, S_LATEST));
	cJSON_AddBoolToObject(o, "active", store_rs_int(rs, row, S_ACTIVE) != 0);
	json_add_i64(o, "created_at", store_rs_int(rs, row, S_CREATED));
	json_add_i64(o, "updated_at", store_rs_int(rs, row, S_UPDATED));
	cJSON *def = api_qa_parse(store_rs_text(rs, row, S_DEF));
	cJSON_AddItemToObject(o, "definition", def ? def : cJSON_CreateNull());
	cJSON_AddStringToObject(o, "fingerprint", store_rs_text(rs, row, S_FP));
	return o;
}

static void sc_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "scorecard");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	for (unsigned r = 0; r < store_rs_rows(rs); r++)
		cJSON_AddItemToArray(items, sc_json(rs, r));
	http_reply_json(req, 200, api_list(items, false, 0));
}

static void on_sc_list(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, sc_listed);
	if (op)
		api_op_query(op, &q_sc_all, NULL, 0, req);
}

static void sc_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	(void)op;
	if (!req)
		return;
	if (err || store_rs_rows(rs) == 0) {
		if (err)
			api_store_error(req, err, false, "scorecard");
		else
			api_not_found(req, "scorecard version");
		return;
	}
	http_reply_json(req, 200, sc_json(rs, 0));
}

static void on_sc_get(struct http_req *req, void *arg)
{
	int64_t version = 0;
	if (api_query_i64(req, "version", 1, UINT32_MAX, &version) == EINVAL)
		return;
	struct api_op *op = api_op_new(arg, req, sc_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id")),
				  version ? store_int(version) : store_null()};
	api_op_query(op, &q_sc_one, p, 2, req);
}

/* The body of a create or edit: name, definition, active. */
static int sc_body(struct http_req *req, bool create, const char **name, const cJSON **def,
		   int *active)
{
	static const char *const keys[] = {"name", "definition", "active", NULL};
	const cJSON *b = http_req_json(req);
	const char *stray;
	*name = NULL;
	*def = NULL;
	*active = -1;
	if (!cJSON_IsObject(b)) {
		api_invalid(req, "the body must be a JSON object");
		return EINVAL;
	}
	if (json_only_keys(b, keys, &stray)) {
		api_invalid(req, "field \"%s\" is not a member of a scorecard", stray);
		return EINVAL;
	}
	int e = json_get_str(b, "name", 200, name);
	if (e == EINVAL || (e == ENOENT && create) || (*name && !**name)) {
		api_invalid(req, "field \"name\" must be a text of 1 to 200 bytes");
		return EINVAL;
	}
	*def = cJSON_GetObjectItemCaseSensitive(b, "definition");
	if (create && !*def) {
		api_invalid(req, "field \"definition\" is required");
		return EINVAL;
	}
	bool act;
	e = json_get_bool(b, "active", &act);
	if (e == EINVAL) {
		api_invalid(req, "field \"active\" must be true or false");
		return EINVAL;
	}
	if (!e)
		*active = act;
	if (!create && !*name && !*def && *active < 0) {
		api_invalid(req, "give \"name\", \"definition\" or \"active\"");
		return EINVAL;
	}
	return 0;
}

static void sc_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err == ENOENT && op->id2) {
		http_reply_error(req, 409, "conflict",
				 "the scorecard was changed meanwhile: retry");
		return;
	}
	if (err == EEXIST) {
		http_reply_error(req, 409, "conflict",
				 "another scorecard was created meanwhile: retry");
		return;
	}
	if (err) {
		api_store_error(req, err, !op->id2, "scorecard");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (!n) {
		http_reply_error(req, 500, "internal", "the scorecard did not come back");
		return;
	}
	http_reply_json(req, op->id2 ? 200 : 201, sc_json(rs, n - 1));
}

/* Writes version `version` of scorecard `id` (op->id2: the version it replaces, 0 on create). */
static void sc_write(struct api_op *op, struct http_req *req, int64_t id, int64_t version,
		     const char *name, const cJSON *def, bool active)
{
	struct qa_scorecard *sc = NULL;
	char msg[256];
	int e = def ? api_qa_scorecard_parse(def, (uint32_t)id, (uint32_t)version, name, &sc, msg,
					     sizeof(msg))
		    : 0;
	if (e) {
		if (e == EINVAL)
			api_invalid(req, "field %s", msg);
		else
			http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	struct store_job *job = api_job(req);
	if (!job) {
		qa_scorecard_free(sc);
		return;
	}
	int err = 0;
	int64_t now = api_now(op->api);
	char *text = NULL;
	char hex[17];
	if (sc) {
		cJSON *dj = api_qa_scorecard_json(sc);
		text = api_qa_print(dj);
		cJSON_Delete(dj);
		api_qa_fingerprint_hex(qa_scorecard_fingerprint(sc), hex);
		if (!text)
			err = ENOMEM;
	}
	if (!op->id2) {
		struct store_value p[] = {store_int(id), store_text(name), store_int(now)};
		api_step(job, &s_sc_insert, p, 3, 0, &err);
	} else {
		struct store_value p[] = {
		    store_int(id),	store_int(op->id2),	   store_text(name),
		    store_int(version), store_int(active ? 1 : 0), store_int(now)};
		api_step(job, &s_sc_update, p, 6, STORE_MUST_HIT, &err);
	}
	if (sc) {
		struct store_value p[] = {store_int(id),
					  store_int(version),
					  store_text(text),
					  store_text(hex),
					  store_int((int64_t)op->user_id),
					  store_int(now)};
		api_step(job, &s_sc_version, p, 6, 0, &err);
	}
	cJSON *after = cJSON_CreateObject();
	cJSON_AddStringToObject(after, "name", name);
	json_add_i64(after, "version", version);
	cJSON_AddBoolToObject(after, "active", active);
	char *at = api_qa_print(after);
	cJSON_Delete(after);
	api_audit(job, op, op->id2 ? "update" : "create", "qa_scorecard", store_int(id), op->text,
		  at, &err);
	sb_free(at);
	sb_free(text);
	struct store_value q[] = {store_int(id), store_null()};
	api_step(job, &q_sc_one, q, 2, 0, &err);
	qa_scorecard_free(sc);
	op->done = sc_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void sc_next_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, true, "scorecard");
		return;
	}
	const char *name;
	const cJSON *def;
	int active;
	if (sc_body(req, true, &name, &def, &active))
		return;
	sc_write(op, req, store_rs_int(rs, 0, 0), 1, name, def, true);
}

static void on_sc_create(struct http_req *req, void *arg)
{
	const char *name;
	const cJSON *def;
	int active;
	if (sc_body(req, true, &name, &def, &active))
		return;
	struct api_op *op = api_op_new(arg, req, sc_next_got);
	if (op)
		api_op_query(op, &q_sc_next, NULL, 0, req);
}

static void sc_current_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err || store_rs_rows(rs) == 0) {
		if (err)
			api_store_error(req, err, false, "scorecard");
		else
			api_not_found(req, "scorecard");
		return;
	}
	const char *name;
	const cJSON *def;
	int active;
	if (sc_body(req, false, &name, &def, &active))
		return;
	int64_t id = store_rs_int(rs, 0, S_ID), cur = store_rs_int(rs, 0, S_VERSION);
	const char *old_name = store_rs_text(rs, 0, S_NAME);
	cJSON *before = cJSON_CreateObject();
	cJSON_AddStringToObject(before, "name", old_name);
	json_add_i64(before, "version", cur);
	cJSON_AddBoolToObject(before, "active", store_rs_int(rs, 0, S_ACTIVE) != 0);
	op->text = api_qa_print(before);
	cJSON_Delete(before);
	op->id2 = cur;
	/* any change of the name or the definition makes a new version: old evaluations keep
	 * theirs */
	bool newver = def || (name && strcmp(name, old_name) != 0);
	cJSON *olddef = NULL;
	if (newver && !def) {
		olddef = api_qa_parse(store_rs_text(rs, 0, S_DEF));
		def = olddef;
	}
	sc_write(op, req, id, newver ? cur + 1 : cur, name ? name : old_name, newver ? def : NULL,
		 active < 0 ? store_rs_int(rs, 0, S_ACTIVE) != 0 : active == 1);
	cJSON_Delete(olddef);
}

static void on_sc_update(struct http_req *req, void *arg)
{
	const char *name;
	const cJSON *def;
	int active;
	if (sc_body(req, false, &name, &def, &active))
		return;
	struct api_op *op = api_op_new(arg, req, sc_current_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id")), store_null()};
	api_op_query(op, &q_sc_one, p, 2, req);
}

/* ---------- evaluations ---------- */

enum {
	E_ID,
	E_SC,
	E_VERSION,
	E_FP,
	E_CONTACT,
	E_CTIME,
	E_AGENT,
	E_TEAM,
	E_QUEUE,
	E_CLIENT,
	E_EVALUATOR,
	E_ANSWERS,
	E_FIELDS,
	E_RESULT,
	E_SCORE,
	E_FAILED,
	E_FEEDBACK,
	E_STATE,
	E_CAL,
	E_CREATED,
	E_SUBMITTED,
	E_ACKED,
	E_UPDATED,
	E_DEF,
	E_SCNAME,
	E_CALCLOSED,
	E_HASREC,
	E_COUNT
};

#define EVAL_COLS                                                                                  \
	"e.id, e.scorecard_id, e.version, e.fingerprint, e.contact_id, e.contact_time,"            \
	" e.agent_id, e.team_id, e.queue_id, e.client_id, e.evaluator_id, e.answers, e.fields,"    \
	" e.result, e.score, e.failed, e.feedback, e.state, e.calibration_id, e.created_at,"       \
	" e.submitted_at, e.acknowledged_at, e.updated_at, v.definition, s.name,"                  \
	" (SELECT c.closed FROM qa_calibrations c WHERE c.id = e.calibration_id),"                 \
	" (SELECT r.recording_ref IS NOT NULL FROM contacts r WHERE r.id = e.contact_id)"
#define EVAL_FROM                                                                                  \
	" FROM qa_evaluations e JOIN qa_scorecard_versions v ON v.scorecard_id = e.scorecard_id"   \
	" AND v.version = e.version JOIN qa_scorecards s ON s.id = e.scorecard_id"

static const struct store_stmt q_eval_one = {
    "qa.eval_one", "SELECT " EVAL_COLS EVAL_FROM " WHERE e.id = $1", NULL};

/* $3: 1 when the caller is scoped (agent, team lead): no drafts, no calibration */
static const struct store_stmt q_eval_page = {
    "qa.eval_page",
    "SELECT " EVAL_COLS EVAL_FROM
    " WHERE ($1 IS NULL OR e.client_id IN (SELECT value FROM json_each($1)))"
    " AND ($2 IS NULL OR e.agent_id IN (SELECT value FROM json_each($2)))"
    " AND ($3 = 0 OR (e.state <> 'draft' AND e.calibration_id IS NULL))"
    " AND (e.calibration_id IS NULL OR e.evaluator_id = $4"
    "  OR (SELECT c.closed FROM qa_calibrations c WHERE c.id = e.calibration_id) = 1)"
    " AND ($5 IS NULL OR e.agent_id = $5) AND ($6 IS NULL OR e.state = $6)"
    " AND ($7 IS NULL OR e.calibration_id = $7) AND ($8 IS NULL OR e.contact_id = $8)"
    " AND ($9 IS NULL OR e.contact_time >= $9) AND ($10 IS NULL OR e.contact_time < $10)"
    " AND ($11 IS NULL OR e.evaluator_id = $11)"
    " AND ($12 = 0 OR e.id < $12) ORDER BY e.id DESC LIMIT $13",
    NULL};

static bool scoped(const struct user *u)
{
	return !(u->role == ROLE_QA || u->role == ROLE_SUPERVISOR || u->role == ROLE_ADMIN);
}

static bool eval_visible(struct api *a, const struct user *u, const struct store_rs *rs,
			 unsigned row)
{
	if (!u || !api_client_visible(
		      u, store_rs_is_null(rs, row, E_CLIENT) ? 0 : store_rs_int(rs, row, E_CLIENT)))
		return false;
	bool cal = !store_rs_is_null(rs, row, E_CAL);
	bool mine = store_rs_int(rs, row, E_EVALUATOR) == (int64_t)u->id;
	if (cal && !mine && store_rs_int(rs, row, E_CALCLOSED) == 0)
		return false; /* blind while the session is open */
	if (!scoped(u))
		return true;
	const char *st = store_rs_text(rs, row, E_STATE);
	if (cal || !st || strcmp(st, "draft") == 0)
		return false;
	return api_qa_agent_visible(a, u, store_rs_int(rs, row, E_AGENT));
}

static void add_id(cJSON *o, const char *key, const struct store_rs *rs, unsigned row, unsigned col)
{
	if (store_rs_is_null(rs, row, col))
		cJSON_AddNullToObject(o, key);
	else
		json_add_i64(o, key, store_rs_int(rs, row, col));
}

static void add_text(cJSON *o, const char *key, const struct store_rs *rs, unsigned row,
		     unsigned col)
{
	const char *s = store_rs_text(rs, row, col);
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_parsed(cJSON *o, const char *key, const struct store_rs *rs, unsigned row,
		       unsigned col)
{
	cJSON *j = api_qa_parse(store_rs_text(rs, row, col));
	cJSON_AddItemToObject(o, key, j ? j : cJSON_CreateNull());
}

static cJSON *eval_json(const struct store_rs *rs, unsigned row, unsigned c0, bool full)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", store_rs_int(rs, row, c0 + E_ID));
	json_add_i64(o, "scorecard_id", store_rs_int(rs, row, c0 + E_SC));
	json_add_i64(o, "version", store_rs_int(rs, row, c0 + E_VERSION));
	cJSON_AddStringToObject(o, "scorecard_name", store_rs_text(rs, row, c0 + E_SCNAME));
	json_add_i64(o, "contact_id", store_rs_int(rs, row, c0 + E_CONTACT));
	json_add_i64(o, "contact_time", store_rs_int(rs, row, c0 + E_CTIME));
	add_id(o, "agent_id", rs, row, c0 + E_AGENT);
	add_id(o, "team_id", rs, row, c0 + E_TEAM);
	add_id(o, "queue_id", rs, row, c0 + E_QUEUE);
	add_id(o, "client_id", rs, row, c0 + E_CLIENT);
	add_id(o, "evaluator_id", rs, row, c0 + E_EVALUATOR);
	if (store_rs_is_null(rs, row, c0 + E_SCORE))
		cJSON_AddNullToObject(o, "score");
	else
		api_qa_add_num(o, "score", store_rs_real(rs, row, c0 + E_SCORE));
	cJSON_AddBoolToObject(o, "failed", store_rs_int(rs, row, c0 + E_FAILED) != 0);
	add_text(o, "state", rs, row, c0 + E_STATE);
	add_id(o, "calibration_id", rs, row, c0 + E_CAL);
	add_text(o, "feedback", rs, row, c0 + E_FEEDBACK);
	json_add_i64(o, "created_at", store_rs_int(rs, row, c0 + E_CREATED));
	add_id(o, "submitted_at", rs, row, c0 + E_SUBMITTED);
	add_id(o, "acknowledged_at", rs, row, c0 + E_ACKED);
	json_add_i64(o, "updated_at", store_rs_int(rs, row, c0 + E_UPDATED));
	cJSON_AddBoolToObject(o, "has_recording", store_rs_int(rs, row, c0 + E_HASREC) != 0);
	if (full) {
		add_parsed(o, "answers", rs, row, c0 + E_ANSWERS);
		add_parsed(o, "fields", rs, row, c0 + E_FIELDS);
		add_parsed(o, "result", rs, row, c0 + E_RESULT);
		add_parsed(o, "definition", rs, row, c0 + E_DEF);
	}
	return o;
}

/* ---- answers ---- */

struct answers {
	struct qa_answer *a;
	size_t n;
	struct qa_field_answer *f;
	size_t nf;
};

static void answers_free(struct answers *x)
{
	sb_free(x->a);
	sb_free(x->f);
	memset(x, 0, sizeof(*x));
}

/* Reads "answers" (and "fields") of a JSON object into x; replies 422 naming the member. */
static int answers_read(struct http_req *req, const cJSON *arr, const cJSON *farr, const char *key,
			struct answers *x)
{
	memset(x, 0, sizeof(*x));
	if (arr && !cJSON_IsArray(arr)) {
		api_invalid(req, "field \"%s\" must be an array", key);
		return EINVAL;
	}
	if (farr && !cJSON_IsArray(farr)) {
		api_invalid(req, "field \"fields\" must be an array");
		return EINVAL;
	}
	int n = arr ? cJSON_GetArraySize(arr) : 0, nf = farr ? cJSON_GetArraySize(farr) : 0;
	if (n > QA_MAX_CRITERIA * 2 || nf > QA_MAX_FIELDS * 2) {
		api_invalid(req, "field \"%s\" holds too many answers", key);
		return EINVAL;
	}
	x->a = sb_calloc((size_t)n + 1, sizeof(*x->a));
	x->f = sb_calloc((size_t)nf + 1, sizeof(*x->f));
	if (!x->a || !x->f) {
		answers_free(x);
		http_reply_error(req, 500, "internal", "out of memory");
		return ENOMEM;
	}
	static const char *const akeys[] = {"criterion", "value", "na", NULL};
	const cJSON *it;
	int i = 0;
	cJSON_ArrayForEach(it, arr)
	{
		const char *stray;
		int64_t c, v = 0;
		bool na = false;
		if (!cJSON_IsObject(it) || json_only_keys(it, akeys, &stray) ||
		    json_get_i64(it, "criterion", 1, UINT32_MAX, &c) != 0 ||
		    json_get_bool(it, "na", &na) == EINVAL) {
			api_invalid(req,
				    "field \"%s[%d]\" must be {\"criterion\": id, \"value\": n} or "
				    "{\"criterion\": id, \"na\": true}",
				    key, i);
			answers_free(x);
			return EINVAL;
		}
		int e = json_get_i64(it, "value", -QA_MAX_SCALE, QA_MAX_SCALE, &v);
		if ((e == ENOENT && !na) || e == EINVAL || (na && e == 0)) {
			api_invalid(req, "field \"%s[%d].value\" must be a point of the scale%s",
				    key, i, na ? " (or leave it out for N/A)" : "");
			answers_free(x);
			return EINVAL;
		}
		x->a[x->n++] =
		    (struct qa_answer){.criterion = (uint32_t)c, .na = na, .value = (int32_t)v};
		i++;
	}
	static const char *const fkeys[] = {"field", "checked", "option", "text", NULL};
	i = 0;
	cJSON_ArrayForEach(it, farr)
	{
		const char *stray, *text = NULL;
		int64_t f, opt = -1;
		bool checked = false;
		if (!cJSON_IsObject(it) || json_only_keys(it, fkeys, &stray) ||
		    json_get_i64(it, "field", 1, UINT32_MAX, &f) != 0 ||
		    json_get_bool(it, "checked", &checked) == EINVAL ||
		    json_get_i64(it, "option", -1, QA_MAX_OPTIONS, &opt) == EINVAL ||
		    json_get_str(it, "text", 20000, &text) == EINVAL) {
			api_invalid(
			    req,
			    "field \"fields[%d]\" must be {\"field\": id} with \"checked\", "
			    "\"option\" or \"text\"",
			    i);
			answers_free(x);
			return EINVAL;
		}
		x->f[x->nf++] = (struct qa_field_answer){
		    .field = (uint32_t)f, .checked = checked, .option = (int32_t)opt, .text = text};
		i++;
	}
	return 0;
}

static cJSON *answers_json(const struct answers *x)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < x->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "criterion", x->a[i].criterion);
		if (x->a[i].na)
			cJSON_AddBoolToObject(o, "na", true);
		else
			cJSON_AddNumberToObject(o, "value", x->a[i].value);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *fields_json(const struct answers *x, const struct qa_scorecard *sc)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < x->nf; i++) {
		const struct qa_field_answer *f = &x->f[i];
		enum qa_field_kind kind = QA_FIELD_COMMENT;
		for (size_t k = 0; k < qa_scorecard_field_count(sc); k++)
			if (qa_scorecard_field(sc, k)->id == f->field)
				kind = qa_scorecard_field(sc, k)->kind;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "field", f->field);
		if (kind == QA_FIELD_CHECKBOX)
			cJSON_AddBoolToObject(o, "checked", f->checked);
		else if (kind == QA_FIELD_DROPDOWN)
			cJSON_AddNumberToObject(o, "option", f->option);
		else
			cJSON_AddStringToObject(o, "text", f->text ? f->text : "");
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *result_json(const struct qa_result *r)
{
	cJSON *o = cJSON_CreateObject();
	api_qa_add_num(o, "score", r->score);
	cJSON_AddBoolToObject(o, "failed", r->failed);
	cJSON_AddNumberToObject(o, "failed_sections", (double)r->failed_sections);
	cJSON_AddNumberToObject(o, "rated", (double)r->rated);
	cJSON *ca = cJSON_AddArrayToObject(o, "criteria");
	for (size_t i = 0; i < r->n_criteria; i++) {
		const struct qa_criterion_result *c = &r->criteria[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", c->id);
		cJSON_AddNumberToObject(j, "section", c->section);
		cJSON_AddBoolToObject(j, "rated", c->rated);
		cJSON_AddBoolToObject(j, "failed", c->failed);
		api_qa_add_num(j, "score", c->score);
		cJSON_AddNumberToObject(j, "weight", c->weight);
		cJSON_AddItemToArray(ca, j);
	}
	cJSON *sa = cJSON_AddArrayToObject(o, "sections");
	for (size_t i = 0; i < r->n_sections; i++) {
		const struct qa_section_result *s = &r->sections[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", s->id);
		cJSON_AddBoolToObject(j, "failed", s->failed);
		api_qa_add_num(j, "score", s->score);
		cJSON_AddItemToArray(sa, j);
	}
	return o;
}

/* The scored form of an evaluation, ready to store. */
struct scored {
	char *answers, *fields, *result;
	double score;
	bool failed;
};

static void scored_free(struct scored *s)
{
	sb_free(s->answers);
	sb_free(s->fields);
	sb_free(s->result);
}

/* Scores x against sc (partial: a draft); replies 422 with the core's reason on bad answers. */
static int score(struct http_req *req, const struct qa_scorecard *sc, const struct answers *x,
		 bool partial, struct scored *out)
{
	memset(out, 0, sizeof(*out));
	struct qa_result *r;
	struct qa_err qe;
	int e = qa_evaluate(&r, sc, x->a, x->n, x->f, x->nf, partial ? QA_EVAL_PARTIAL : 0, &qe);
	if (e) {
		if (e == EINVAL)
			api_invalid(req, "field \"answers\": %s", qe.msg);
		else
			http_reply_error(req, 500, "internal", "scoring failed");
		return e;
	}
	cJSON *a = answers_json(x), *f = fields_json(x, sc), *res = result_json(r);
	out->answers = api_qa_print(a);
	out->fields = api_qa_print(f);
	out->result = api_qa_print(res);
	out->score = r->score;
	out->failed = r->failed;
	cJSON_Delete(a);
	cJSON_Delete(f);
	cJSON_Delete(res);
	qa_result_free(r);
	if (!out->answers || !out->fields || !out->result) {
		scored_free(out);
		http_reply_error(req, 500, "internal", "out of memory");
		return ENOMEM;
	}
	return 0;
}

static struct store_value score_value(double s)
{
	return isfinite(s) ? store_real(s) : store_null();
}

/* ---- list and one ---- */

static void evals_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "evaluation");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned r = 0; r < n; r++) {
		cJSON_AddItemToArray(items, eval_json(rs, r, 0, false));
		last = store_rs_int(rs, r, E_ID);
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

static void on_eval_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	int64_t after, limit, agent = 0, cal = 0, contact = 0, from = 0, to = 0, evaluator = 0;
	const int64_t big = INT64_MAX / 2;
	if (api_page(req, &after, &limit, 50, 1000) ||
	    api_query_i64(req, "agent_id", 1, big, &agent) == EINVAL ||
	    api_query_i64(req, "calibration_id", 1, big, &cal) == EINVAL ||
	    api_query_i64(req, "contact_id", 1, big, &contact) == EINVAL ||
	    api_query_i64(req, "evaluator_id", 1, big, &evaluator) == EINVAL ||
	    api_query_i64(req, "from", 0, big, &from) == EINVAL ||
	    api_query_i64(req, "to", 0, big, &to) == EINVAL)
		return;
	const char *state = http_req_query(req, "state");
	if (state && strcmp(state, "draft") && strcmp(state, "submitted") &&
	    strcmp(state, "acknowledged") && strcmp(state, "disputed") &&
	    strcmp(state, "resolved")) {
		api_invalid(req, "query argument \"state\" must be draft, submitted, acknowledged, "
				 "disputed or resolved");
		return;
	}
	int e;
	char *scope = api_qa_scope(a, u, &e);
	char *clients = api_clients_json(u);
	struct api_op *op = e ? NULL : api_op_new(a, req, evals_listed);
	if (e)
		http_reply_error(req, 500, "internal", "out of memory");
	if (op) {
		op->n = limit;
		struct store_value p[] = {store_text(clients),
					  store_text(scope),
					  store_int(scoped(u) ? 1 : 0),
					  store_int((int64_t)u->id),
					  agent ? store_int(agent) : store_null(),
					  store_text(state),
					  cal ? store_int(cal) : store_null(),
					  contact ? store_int(contact) : store_null(),
					  from ? store_int(from) : store_null(),
					  to ? store_int(to) : store_null(),
					  evaluator ? store_int(evaluator) : store_null(),
					  store_int(after),
					  store_int(limit + 1)};
		api_op_query(op, &q_eval_page, p, 13, req);
	}
	sb_free(scope);
	sb_free(clients);
}

static const struct store_stmt q_disputes_of = {
    "qa.disputes_of",
    "SELECT d.id, d.evaluation_id, d.criteria, d.comment, d.created_by, d.created_at,"
    " d.resolution, d.resolution_comment, d.score_before, d.score_after, d.resolved_by,"
    " d.resolved_at FROM qa_disputes d WHERE d.evaluation_id = $1 ORDER BY d.id",
    NULL};

enum {
	D_ID,
	D_EVAL,
	D_CRITERIA,
	D_COMMENT,
	D_BY,
	D_AT,
	D_RES,
	D_RESCOMMENT,
	D_BEFORE,
	D_AFTER,
	D_RESBY,
	D_RESAT,
	D_COUNT
};

static cJSON *dispute_json(const struct store_rs *rs, unsigned row)
{
	cJSON *o = cJSON_CreateObject();
	json_add_i64(o, "id", store_rs_int(rs, row, D_ID));
	json_add_i64(o, "evaluation_id", store_rs_int(rs, row, D_EVAL));
	add_parsed(o, "criteria", rs, row, D_CRITERIA);
	add_text(o, "comment", rs, row, D_COMMENT);
	add_id(o, "created_by", rs, row, D_BY);
	json_add_i64(o, "created_at", store_rs_int(rs, row, D_AT));
	add_text(o, "resolution", rs, row, D_RES);
	add_text(o, "resolution_comment", rs, row, D_RESCOMMENT);
	if (store_rs_is_null(rs, row, D_BEFORE))
		cJSON_AddNullToObject(o, "score_before");
	else
		api_qa_add_num(o, "score_before", store_rs_real(rs, row, D_BEFORE));
	if (store_rs_is_null(rs, row, D_AFTER))
		cJSON_AddNullToObject(o, "score_after");
	else
		api_qa_add_num(o, "score_after", store_rs_real(rs, row, D_AFTER));
	add_id(o, "resolved_by", rs, row, D_RESBY);
	add_id(o, "resolved_at", rs, row, D_RESAT);
	return o;
}

static void eval_disputes_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "dispute");
		return;
	}
	cJSON *out = op->out;
	op->out = NULL;
	cJSON *arr = cJSON_AddArrayToObject(out, "disputes");
	for (unsigned r = 0; r < store_rs_rows(rs); r++)
		cJSON_AddItemToArray(arr, dispute_json(rs, r));
	http_reply_json(req, 200, out);
}

static void eval_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "evaluation");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !eval_visible(op->api, u, rs, 0)) {
		api_not_found(req, "evaluation");
		return;
	}
	op->out = eval_json(rs, 0, 0, true);
	struct store_value p[] = {store_int(store_rs_int(rs, 0, E_ID))};
	op->done = eval_disputes_got;
	op->cont = api_op_query_keep(op, &q_disputes_of, p, 1, req) == 0;
}

static void on_eval_get(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, eval_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_eval_one, p, 1, req);
}

/* ---- create ---- */

static const char *const eval_keys[] = {"scorecard_id", "contact_id", "answers",	"fields",
					"feedback",	"submit",     "calibration_id", NULL};

enum {
	N_CID,
	N_AGENT,
	N_QUEUE,
	N_CLIENT,
	N_TIME,
	N_DISC,
	N_SCID,
	N_SCNAME,
	N_SCVER,
	N_DEF,
	N_FP,
	N_ACTIVE,
	N_CALID,
	N_CALSC,
	N_CALCONTACTS,
	N_CALPEOPLE,
	N_CALCLOSED,
	N_COUNT
};

static const struct store_stmt q_eval_new = {
    "qa.eval_new",
    "SELECT c.id, c.agent_id, c.queue_id, c.client_id, c.t_initiated, c.t_disconnected,"
    " s.id, s.name, s.version, v.definition, v.fingerprint, s.active, k.id, k.scorecard_id,"
    " k.contacts, k.participants, k.closed"
    " FROM (SELECT 1) LEFT JOIN contacts c ON c.id = $1 LEFT JOIN qa_scorecards s ON s.id = $2"
    " LEFT JOIN qa_scorecard_versions v ON v.scorecard_id = s.id AND v.version = s.version"
    " LEFT JOIN qa_calibrations k ON k.id = $3",
    NULL};

static const struct store_stmt s_eval_insert = {
    "qa.eval_insert",
    "INSERT INTO qa_evaluations (scorecard_id, version, fingerprint, contact_id, contact_time,"
    " agent_id, team_id, queue_id, client_id, evaluator_id, answers, fields, result, score,"
    " failed, feedback, state, calibration_id, created_at, submitted_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
    " $19, $20, $19) RETURNING id",
    NULL};
static const struct store_stmt q_eval_ref = {
    "qa.eval_ref", "SELECT " EVAL_COLS EVAL_FROM " WHERE e.id = $1", NULL};

static bool json_array_has(const char *text, int64_t v)
{
	cJSON *a = api_qa_parse(text);
	bool found = false;
	const cJSON *it;
	cJSON_ArrayForEach(it, a)
	{
		if (cJSON_IsNumber(it) && (int64_t)it->valuedouble == v)
			found = true;
	}
	cJSON_Delete(a);
	return found;
}

static void eval_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err == EEXIST) {
		http_reply_error(req, 409, "conflict",
				 "you already evaluated this contact in this calibration session");
		return;
	}
	if (err == ENOENT && op->id) {
		http_reply_error(req, 409, "conflict",
				 "the evaluation changed state meanwhile: reload it");
		return;
	}
	if (err) {
		api_store_error(req, err, op->id == 0, "evaluation");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (!n) {
		http_reply_error(req, 500, "internal", "the evaluation did not come back");
		return;
	}
	http_reply_json(req, op->status ? op->status : 200, eval_json(rs, n - 1, 0, true));
}

static void eval_new_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, true, "evaluation");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	const cJSON *b = http_req_json(req);
	if (!u || !b)
		return;
	if (store_rs_is_null(rs, 0, N_CID) ||
	    !api_client_visible(
		u, store_rs_is_null(rs, 0, N_CLIENT) ? 0 : store_rs_int(rs, 0, N_CLIENT))) {
		api_invalid(req, "field \"contact_id\": no such contact record");
		return;
	}
	if (store_rs_is_null(rs, 0, N_DISC) || store_rs_is_null(rs, 0, N_AGENT)) {
		api_invalid(req,
			    "field \"contact_id\": the contact is not finished or had no agent");
		return;
	}
	if (store_rs_is_null(rs, 0, N_SCID) || store_rs_is_null(rs, 0, N_DEF)) {
		api_invalid(req, "field \"scorecard_id\": no such scorecard");
		return;
	}
	if (store_rs_int(rs, 0, N_ACTIVE) == 0) {
		api_invalid(req, "field \"scorecard_id\": the scorecard is not active");
		return;
	}
	int64_t cal = 0;
	json_get_i64(b, "calibration_id", 1, INT64_MAX / 2, &cal);
	if (cal) {
		if (store_rs_is_null(rs, 0, N_CALID)) {
			api_invalid(req, "field \"calibration_id\": no such calibration session");
			return;
		}
		if (store_rs_int(rs, 0, N_CALCLOSED)) {
			http_reply_error(req, 409, "conflict", "the calibration session is closed");
			return;
		}
		if (!json_array_has(store_rs_text(rs, 0, N_CALPEOPLE), (int64_t)u->id)) {
			http_reply_error(req, 403, "forbidden",
					 "you are not a participant of this calibration session");
			return;
		}
		if (!json_array_has(store_rs_text(rs, 0, N_CALCONTACTS),
				    store_rs_int(rs, 0, N_CID))) {
			api_invalid(req, "field \"contact_id\": not a contact of this session");
			return;
		}
		if (store_rs_int(rs, 0, N_CALSC) != store_rs_int(rs, 0, N_SCID)) {
			api_invalid(req,
				    "field \"scorecard_id\": the session uses scorecard %" PRId64,
				    store_rs_int(rs, 0, N_CALSC));
			return;
		}
	}
	int64_t scid = store_rs_int(rs, 0, N_SCID), ver = store_rs_int(rs, 0, N_SCVER);
	struct qa_scorecard *sc;
	int e =
	    api_qa_scorecard_load(store_rs_text(rs, 0, N_DEF), (uint32_t)scid, (uint32_t)ver,
				  store_rs_text(rs, 0, N_SCNAME), store_rs_text(rs, 0, N_FP), &sc);
	if (e) {
		http_reply_error(req, 500, "internal", "the stored scorecard does not load");
		return;
	}
	bool submit = false;
	json_get_bool(b, "submit", &submit);
	const char *feedback = NULL;
	json_get_str(b, "feedback", 20000, &feedback);
	struct answers x;
	struct scored s;
	if (answers_read(req, cJSON_GetObjectItemCaseSensitive(b, "answers"),
			 cJSON_GetObjectItemCaseSensitive(b, "fields"), "answers", &x)) {
		qa_scorecard_free(sc);
		return;
	}
	e = score(req, sc, &x, !submit, &s);
	answers_free(&x);
	if (e) {
		qa_scorecard_free(sc);
		return;
	}
	char hex[17];
	api_qa_fingerprint_hex(qa_scorecard_fingerprint(sc), hex);
	qa_scorecard_free(sc);
	int64_t agent = store_rs_int(rs, 0, N_AGENT);
	const struct center_agent *ag = center_agent(op->api->cfg.center, agent);
	int64_t now = api_now(op->api);
	struct store_job *job = api_job(req);
	if (!job) {
		scored_free(&s);
		return;
	}
	err = 0;
	struct store_value p[] = {
	    store_int(scid),
	    store_int(ver),
	    store_text(hex),
	    store_int(store_rs_int(rs, 0, N_CID)),
	    store_int(store_rs_int(rs, 0, N_TIME)),
	    store_int(agent),
	    ag && ag->team_id ? store_int(ag->team_id) : store_null(),
	    store_rs_is_null(rs, 0, N_QUEUE) ? store_null()
					     : store_int(store_rs_int(rs, 0, N_QUEUE)),
	    store_rs_is_null(rs, 0, N_CLIENT) ? store_null()
					      : store_int(store_rs_int(rs, 0, N_CLIENT)),
	    store_int((int64_t)u->id),
	    store_text(s.answers),
	    store_text(s.fields),
	    store_text(s.result),
	    score_value(s.score),
	    store_int(s.failed ? 1 : 0),
	    store_text(feedback),
	    store_text(submit ? "submitted" : "draft"),
	    cal ? store_int(cal) : store_null(),
	    store_int(now),
	    submit ? store_int(now) : store_null()};
	api_step(job, &s_eval_insert, p, 20, STORE_MUST_HIT, &err);
	char after[160];
	snprintf(after, sizeof(after), "{\"contact_id\":%" PRId64 ",\"state\":\"%s\"}",
		 store_rs_int(rs, 0, N_CID), submit ? "submitted" : "draft");
	api_audit(job, op, "create", "qa_evaluation", store_ref(0, 0), NULL, after, &err);
	struct store_value q[] = {store_ref(0, 0)};
	api_step(job, &q_eval_ref, q, 1, 0, &err);
	scored_free(&s);
	op->status = 201;
	op->done = eval_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void on_eval_create(struct http_req *req, void *arg)
{
	const cJSON *b = http_req_json(req);
	const char *stray, *fb;
	int64_t sc, contact, cal = 0;
	bool submit;
	if (!cJSON_IsObject(b)) {
		api_invalid(req, "the body must be a JSON object");
		return;
	}
	if (json_only_keys(b, eval_keys, &stray)) {
		api_invalid(req, "field \"%s\" is not a member of an evaluation", stray);
		return;
	}
	if (json_get_i64(b, "scorecard_id", 1, INT64_MAX / 2, &sc)) {
		api_invalid(req, "field \"scorecard_id\" is required: a scorecard id");
		return;
	}
	if (json_get_i64(b, "contact_id", 1, INT64_MAX / 2, &contact)) {
		api_invalid(req, "field \"contact_id\" is required: a contact record id");
		return;
	}
	if (json_get_i64(b, "calibration_id", 1, INT64_MAX / 2, &cal) == EINVAL) {
		api_invalid(req, "field \"calibration_id\" must be a calibration session id");
		return;
	}
	if (json_get_bool(b, "submit", &submit) == EINVAL) {
		api_invalid(req, "field \"submit\" must be true or false");
		return;
	}
	if (json_get_str(b, "feedback", 20000, &fb) == EINVAL) {
		api_invalid(req, "field \"feedback\" must be a text of at most 20000 bytes");
		return;
	}
	struct api_op *op = api_op_new(arg, req, eval_new_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(contact), store_int(sc),
				  cal ? store_int(cal) : store_null()};
	api_op_query(op, &q_eval_new, p, 3, req);
}

/* ---- edit and submit (the evaluator, before the agent acknowledged) ---- */

static const struct store_stmt s_eval_update = {
    "qa.eval_update",
    "UPDATE qa_evaluations SET answers = $2, fields = $3, result = $4, score = $5, failed = $6,"
    " feedback = CASE WHEN $7 = 1 THEN $8 ELSE feedback END, state = $9,"
    " submitted_at = CASE WHEN $9 = 'submitted' AND submitted_at IS NULL THEN $10"
    " ELSE submitted_at END, updated_at = $10"
    " WHERE id = $1 AND (state = 'draft' OR state = 'submitted') AND evaluator_id = $11",
    NULL};

static void eval_edit_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "evaluation");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !eval_visible(op->api, u, rs, 0)) {
		api_not_found(req, "evaluation");
		return;
	}
	if (store_rs_int(rs, 0, E_EVALUATOR) != (int64_t)u->id) {
		http_reply_error(req, 403, "forbidden",
				 "only its evaluator may change an evaluation");
		return;
	}
	const char *state = store_rs_text(rs, 0, E_STATE);
	if (strcmp(state, "draft") != 0 && strcmp(state, "submitted") != 0) {
		http_reply_error(req, 409, "conflict",
				 "the evaluation is %s: it changes only through a dispute", state);
		return;
	}
	if (!store_rs_is_null(rs, 0, E_CAL) && store_rs_int(rs, 0, E_CALCLOSED)) {
		http_reply_error(req, 409, "conflict", "the calibration session is closed");
		return;
	}
	const cJSON *b = http_req_json(req);
	bool submit = op->n == 1 || strcmp(state, "submitted") == 0;
	if (b)
		json_get_bool(b, "submit", &submit);
	if (strcmp(state, "submitted") == 0)
		submit = true;
	struct qa_scorecard *sc;
	int e =
	    api_qa_scorecard_load(store_rs_text(rs, 0, E_DEF), (uint32_t)store_rs_int(rs, 0, E_SC),
				  (uint32_t)store_rs_int(rs, 0, E_VERSION),
				  store_rs_text(rs, 0, E_SCNAME), store_rs_text(rs, 0, E_FP), &sc);
	if (e) {
		http_reply_error(req, 500, "internal", "the stored scorecard does not load");
		return;
	}
	/* answers and fields: the body's, else the stored ones */
	cJSON *sa = api_qa_parse(store_rs_text(rs, 0, E_ANSWERS));
	cJSON *sf = api_qa_parse(store_rs_text(rs, 0, E_FIELDS));
	const cJSON *ba = b ? cJSON_GetObjectItemCaseSensitive(b, "answers") : NULL;
	const cJSON *bf = b ? cJSON_GetObjectItemCaseSensitive(b, "fields") : NULL;
	struct answers x;
	struct scored s;
	e = answers_read(req, ba ? ba : sa, bf ? bf : sf, "answers", &x);
	if (!e) {
		e = score(req, sc, &x, !submit, &s);
		answers_free(&x);
	}
	cJSON_Delete(sa);
	cJSON_Delete(sf);
	qa_scorecard_free(sc);
	if (e)
		return;
	const char *feedback = NULL;
	bool has_fb = b && json_get_str(b, "feedback", 20000, &feedback) == 0;
	struct store_job *job = api_job(req);
	if (!job) {
		scored_free(&s);
		return;
	}
	err = 0;
	int64_t now = api_now(op->api);
	struct store_value id = store_int(store_rs_int(rs, 0, E_ID));
	struct store_value p[] = {id,
				  store_text(s.answers),
				  store_text(s.fields),
				  store_text(s.result),
				  score_value(s.score),
				  store_int(s.failed ? 1 : 0),
				  store_int(has_fb ? 1 : 0),
				  store_text(feedback),
				  store_text(submit ? "submitted" : "draft"),
				  store_int(now),
				  store_int((int64_t)u->id)};
	api_step(job, &s_eval_update, p, 11, STORE_MUST_HIT, &err);
	char before[96], after[96];
	snprintf(before, sizeof(before), "{\"state\":\"%s\"}", state);
	snprintf(after, sizeof(after), "{\"state\":\"%s\"}", submit ? "submitted" : "draft");
	api_audit(job, op, submit && strcmp(state, "draft") == 0 ? "submit" : "update",
		  "qa_evaluation", id, before, after, &err);
	api_step(job, &q_eval_one, &id, 1, 0, &err);
	scored_free(&s);
	op->id = store_rs_int(rs, 0, E_ID);
	op->done = eval_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void on_eval_update(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"answers", "fields", "feedback", "submit", NULL};
	const cJSON *b = http_req_json(req);
	const char *stray, *fb;
	bool submit;
	if (!cJSON_IsObject(b)) {
		api_invalid(req, "the body must be a JSON object");
		return;
	}
	if (json_only_keys(b, keys, &stray)) {
		api_invalid(req, "field \"%s\" cannot be changed on an evaluation", stray);
		return;
	}
	if (json_get_bool(b, "submit", &submit) == EINVAL) {
		api_invalid(req, "field \"submit\" must be true or false");
		return;
	}
	if (json_get_str(b, "feedback", 20000, &fb) == EINVAL) {
		api_invalid(req, "field \"feedback\" must be a text of at most 20000 bytes");
		return;
	}
	struct api_op *op = api_op_new(arg, req, eval_edit_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_eval_one, p, 1, req);
}

static void on_eval_submit(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, eval_edit_got);
	if (!op)
		return;
	op->n = 1;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_eval_one, p, 1, req);
}

/* ---- the agent: acknowledge, dispute ---- */

static const struct store_stmt s_eval_ack = {
    "qa.eval_ack",
    "UPDATE qa_evaluations SET state = 'acknowledged', acknowledged_at = $2, updated_at = $2"
    " WHERE id = $1 AND state = 'submitted' AND agent_id = $3 AND calibration_id IS NULL",
    NULL};
static const struct store_stmt s_eval_disputed = {
    "qa.eval_disputed",
    "UPDATE qa_evaluations SET state = 'disputed', updated_at = $2"
    " WHERE id = $1 AND (state = 'submitted' OR state = 'acknowledged') AND agent_id = $3",
    NULL};
static const struct store_stmt s_dispute_insert = {
    "qa.dispute_insert",
    "INSERT INTO qa_disputes (evaluation_id, criteria, comment, created_by, created_at,"
    " score_before) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    NULL};
static const struct store_stmt q_dispute_ref = {
    "qa.dispute_ref",
    "SELECT d.id, d.evaluation_id, d.criteria, d.comment, d.created_by, d.created_at,"
    " d.resolution, d.resolution_comment, d.score_before, d.score_after, d.resolved_by,"
    " d.resolved_at FROM qa_disputes d WHERE d.id = $1",
    NULL};

static void dispute_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err == ENOENT) {
		http_reply_error(req, 409, "conflict", "the evaluation changed state meanwhile");
		return;
	}
	if (err) {
		api_store_error(req, err, false, "dispute");
		return;
	}
	unsigned n = store_rs_rows(rs);
	if (n < 2) {
		http_reply_error(req, 500, "internal", "the dispute did not come back");
		return;
	}
	/* the dispute row, then the evaluation row */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "dispute", dispute_json(rs, n - 2));
	cJSON_AddItemToObject(o, "evaluation", eval_json(rs, n - 1, 0, true));
	http_reply_json(req, op->status ? op->status : 200, o);
}

static void eval_agent_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "evaluation");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !eval_visible(op->api, u, rs, 0)) {
		api_not_found(req, "evaluation");
		return;
	}
	if (!u->agent_id || store_rs_int(rs, 0, E_AGENT) != (int64_t)u->agent_id ||
	    !store_rs_is_null(rs, 0, E_CAL)) {
		http_reply_error(req, 403, "forbidden",
				 "only the evaluated agent may acknowledge or dispute");
		return;
	}
	const char *state = store_rs_text(rs, 0, E_STATE);
	struct store_value id = store_int(store_rs_int(rs, 0, E_ID));
	int64_t now = api_now(op->api);
	if (op->n == 0) { /* acknowledge */
		if (strcmp(state, "submitted") != 0) {
			http_reply_error(
			    req, 409, "conflict",
			    "only a submitted evaluation can be acknowledged (it is %s)", state);
			return;
		}
		struct store_job *job = api_job(req);
		if (!job)
			return;
		err = 0;
		struct store_value p[] = {id, store_int(now), store_int((int64_t)u->agent_id)};
		api_step(job, &s_eval_ack, p, 3, STORE_MUST_HIT, &err);
		api_audit(job, op, "acknowledge", "qa_evaluation", id, "{\"state\":\"submitted\"}",
			  "{\"state\":\"acknowledged\"}", &err);
		api_step(job, &q_eval_one, &id, 1, 0, &err);
		op->id = id.u.i;
		op->done = eval_written;
		op->cont = api_op_write_keep(op, job, req, err) == 0;
		return;
	}
	/* dispute */
	if (strcmp(state, "submitted") != 0 && strcmp(state, "acknowledged") != 0) {
		http_reply_error(req, 409, "conflict",
				 "only a submitted or acknowledged evaluation can be disputed (it "
				 "is %s)",
				 state);
		return;
	}
	const cJSON *b = http_req_json(req);
	int64_t ids[QA_MAX_CRITERIA];
	unsigned n = 0;
	if (api_read_ids(req, b, "criteria", UINT32_MAX, QA_MAX_CRITERIA, ids, &n) == EINVAL)
		return;
	const char *comment = NULL;
	json_get_str(b, "comment", 20000, &comment);
	cJSON *def = api_qa_parse(store_rs_text(rs, 0, E_DEF));
	const cJSON *cri = cJSON_GetObjectItemCaseSensitive(def, "criteria");
	for (unsigned i = 0; i < n; i++) {
		bool found = false;
		const cJSON *c;
		cJSON_ArrayForEach(c, cri)
		{
			const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c, "id");
			if (cJSON_IsNumber(cid) && (int64_t)cid->valuedouble == ids[i])
				found = true;
		}
		if (!found) {
			cJSON_Delete(def);
			api_invalid(req,
				    "field \"criteria\": %" PRId64
				    " is not a criterion of this evaluation's scorecard",
				    ids[i]);
			return;
		}
	}
	cJSON_Delete(def);
	char *crit = api_ids_json(ids, n);
	struct store_job *job = crit ? api_job(req) : NULL;
	if (!job) {
		if (!crit)
			http_reply_error(req, 500, "internal", "out of memory");
		sb_free(crit);
		return;
	}
	err = 0;
	struct store_value p[] = {id, store_int(now), store_int((int64_t)u->agent_id)};
	api_step(job, &s_eval_disputed, p, 3, STORE_MUST_HIT, &err);
	struct store_value d[] = {id,
				  store_text(crit),
				  store_text(comment),
				  store_int((int64_t)u->id),
				  store_int(now),
				  store_rs_is_null(rs, 0, E_SCORE)
				      ? store_null()
				      : store_real(store_rs_real(rs, 0, E_SCORE))};
	api_step(job, &s_dispute_insert, d, 6, STORE_MUST_HIT, &err);
	char after[64];
	snprintf(after, sizeof(after), "{\"state\":\"disputed\"}");
	char before[64];
	snprintf(before, sizeof(before), "{\"state\":\"%s\"}", state);
	api_audit(job, op, "dispute", "qa_evaluation", id, before, after, &err);
	struct store_value q[] = {store_ref(1, 0)};
	api_step(job, &q_dispute_ref, q, 1, 0, &err);
	api_step(job, &q_eval_one, &id, 1, 0, &err);
	sb_free(crit);
	op->status = 201;
	op->done = dispute_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void on_eval_ack(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, eval_agent_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_eval_one, p, 1, req);
}

static void on_eval_dispute(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"criteria", "comment", NULL};
	const cJSON *b = http_req_json(req);
	const char *stray, *comment;
	if (!cJSON_IsObject(b)) {
		api_invalid(req, "the body must be a JSON object");
		return;
	}
	if (json_only_keys(b, keys, &stray)) {
		api_invalid(req, "field \"%s\" is not a member of a dispute", stray);
		return;
	}
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(b, "criteria");
	if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) == 0) {
		api_invalid(req,
			    "field \"criteria\" is required: the ids of the disputed criteria");
		return;
	}
	if (json_get_str(b, "comment", 20000, &comment) != 0 || !*comment) {
		api_invalid(req, "field \"comment\" is required: why the agent disagrees");
		return;
	}
	struct api_op *op = api_op_new(arg, req, eval_agent_got);
	if (!op)
		return;
	op->n = 1;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_eval_one, p, 1, req);
}

/* ---- disputes: list, arbitration ---- */

#define DISPUTE_COLS                                                                               \
	"d.id, d.evaluation_id, d.criteria, d.comment, d.created_by, d.created_at, d.resolution,"  \
	" d.resolution_comment, d.score_before, d.score_after, d.resolved_by, d.resolved_at"

static const struct store_stmt q_dispute_page = {
    "qa.dispute_page",
    "SELECT " DISPUTE_COLS ", " EVAL_COLS " FROM qa_disputes d JOIN qa_evaluations e ON"
    " e.id = d.evaluation_id JOIN qa_scorecard_versions v ON v.scorecard_id = e.scorecard_id"
    " AND v.version = e.version JOIN qa_scorecards s ON s.id = e.scorecard_id"
    " WHERE ($1 IS NULL OR e.client_id IN (SELECT value FROM json_each($1)))"
    " AND ($2 IS NULL OR e.agent_id IN (SELECT value FROM json_each($2)))"
    " AND ($3 = 0 OR d.resolution IS NULL) AND ($4 = 0 OR d.id < $4)"
    " ORDER BY d.id DESC LIMIT $5",
    NULL};
static const struct store_stmt q_dispute_one = {
    "qa.dispute_one",
    "SELECT " DISPUTE_COLS ", " EVAL_COLS " FROM qa_disputes d JOIN qa_evaluations e ON"
    " e.id = d.evaluation_id JOIN qa_scorecard_versions v ON v.scorecard_id = e.scorecard_id"
    " AND v.version = e.version JOIN qa_scorecards s ON s.id = e.scorecard_id WHERE d.id = $1",
    NULL};

static void disputes_listed(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "dispute");
		return;
	}
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned r = 0; r < n; r++) {
		cJSON *d = dispute_json(rs, r);
		cJSON_AddItemToObject(d, "evaluation", eval_json(rs, r, D_COUNT, true));
		cJSON_AddItemToArray(items, d);
		last = store_rs_int(rs, r, D_ID);
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

static void on_dispute_list(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	int64_t after, limit;
	if (api_page(req, &after, &limit, 50, 500))
		return;
	const char *open = http_req_query(req, "open");
	if (open && strcmp(open, "0") && strcmp(open, "1")) {
		api_invalid(req, "query argument \"open\" must be 0 or 1");
		return;
	}
	int e;
	char *scope = api_qa_scope(a, u, &e);
	char *clients = api_clients_json(u);
	struct api_op *op = e ? NULL : api_op_new(a, req, disputes_listed);
	if (e)
		http_reply_error(req, 500, "internal", "out of memory");
	if (op) {
		op->n = limit;
		struct store_value p[] = {store_text(clients), store_text(scope),
					  store_int(open && strcmp(open, "1") == 0),
					  store_int(after), store_int(limit + 1)};
		api_op_query(op, &q_dispute_page, p, 5, req);
	}
	sb_free(scope);
	sb_free(clients);
}

static const struct store_stmt s_eval_resolved = {
    "qa.eval_resolved",
    "UPDATE qa_evaluations SET answers = $2, result = $3, score = $4, failed = $5,"
    " state = 'resolved', updated_at = $6 WHERE id = $1 AND state = 'disputed'",
    NULL};
static const struct store_stmt s_dispute_resolved = {
    "qa.dispute_resolved",
    "UPDATE qa_disputes SET resolution = $2, resolution_comment = $3, score_after = $4,"
    " resolved_by = $5, resolved_at = $6 WHERE id = $1 AND resolution IS NULL",
    NULL};

static void dispute_one_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "dispute");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !u ||
	    !api_client_visible(u, store_rs_is_null(rs, 0, D_COUNT + E_CLIENT)
				       ? 0
				       : store_rs_int(rs, 0, D_COUNT + E_CLIENT))) {
		api_not_found(req, "dispute");
		return;
	}
	if (!store_rs_is_null(rs, 0, D_RES)) {
		http_reply_error(req, 409, "conflict", "the dispute is already resolved (%s)",
				 store_rs_text(rs, 0, D_RES));
		return;
	}
	const cJSON *b = http_req_json(req);
	const char *res = NULL, *comment = NULL;
	json_get_str(b, "resolution", 40, &res);
	json_get_str(b, "comment", 20000, &comment);
	bool rescore = strcmp(res, "rejected") != 0;
	const unsigned c0 = D_COUNT;
	struct qa_scorecard *sc;
	int e = api_qa_scorecard_load(
	    store_rs_text(rs, 0, c0 + E_DEF), (uint32_t)store_rs_int(rs, 0, c0 + E_SC),
	    (uint32_t)store_rs_int(rs, 0, c0 + E_VERSION), store_rs_text(rs, 0, c0 + E_SCNAME),
	    store_rs_text(rs, 0, c0 + E_FP), &sc);
	if (e) {
		http_reply_error(req, 500, "internal", "the stored scorecard does not load");
		return;
	}
	/* the stored answers with the disputed criteria re-scored */
	cJSON *sa = api_qa_parse(store_rs_text(rs, 0, c0 + E_ANSWERS));
	cJSON *sf = api_qa_parse(store_rs_text(rs, 0, c0 + E_FIELDS));
	cJSON *disputed = api_qa_parse(store_rs_text(rs, 0, D_CRITERIA));
	struct answers x, nx;
	memset(&nx, 0, sizeof(nx));
	e = answers_read(req, sa, sf, "answers", &x);
	if (!e && rescore)
		e = answers_read(req, cJSON_GetObjectItemCaseSensitive(b, "answers"), NULL,
				 "answers", &nx);
	for (size_t i = 0; !e && i < nx.n; i++) {
		bool ok = false;
		const cJSON *it;
		cJSON_ArrayForEach(it, disputed)
		{
			if (cJSON_IsNumber(it) && (uint32_t)it->valuedouble == nx.a[i].criterion)
				ok = true;
		}
		if (!ok) {
			api_invalid(req,
				    "field \"answers[%zu]\": criterion %u was not disputed: only "
				    "disputed criteria are re-scored",
				    i, nx.a[i].criterion);
			e = EINVAL;
			break;
		}
		for (size_t k = 0; k < x.n; k++)
			if (x.a[k].criterion == nx.a[i].criterion)
				x.a[k] = nx.a[i];
	}
	struct scored s = {0};
	if (!e)
		e = score(req, sc, &x, false, &s);
	answers_free(&x);
	answers_free(&nx);
	cJSON_Delete(sa);
	cJSON_Delete(sf);
	cJSON_Delete(disputed);
	qa_scorecard_free(sc);
	if (e)
		return;
	struct store_job *job = api_job(req);
	if (!job) {
		scored_free(&s);
		return;
	}
	err = 0;
	int64_t now = api_now(op->api);
	struct store_value eid = store_int(store_rs_int(rs, 0, D_EVAL));
	struct store_value did = store_int(store_rs_int(rs, 0, D_ID));
	struct store_value old_score = store_rs_is_null(rs, 0, c0 + E_SCORE)
					   ? store_null()
					   : store_real(store_rs_real(rs, 0, c0 + E_SCORE));
	struct store_value new_score = rescore ? score_value(s.score) : old_score;
	struct store_value p[] = {
	    eid,
	    rescore ? store_text(s.answers) : store_text(store_rs_text(rs, 0, c0 + E_ANSWERS)),
	    rescore ? store_text(s.result) : store_text(store_rs_text(rs, 0, c0 + E_RESULT)),
	    new_score,
	    store_int(rescore ? (s.failed ? 1 : 0) : store_rs_int(rs, 0, c0 + E_FAILED)),
	    store_int(now)};
	api_step(job, &s_eval_resolved, p, 6, STORE_MUST_HIT, &err);
	struct store_value d[] = {did,	     store_text(res),		store_text(comment),
				  new_score, store_int((int64_t)u->id), store_int(now)};
	api_step(job, &s_dispute_resolved, d, 6, STORE_MUST_HIT, &err);
	char after[96];
	snprintf(after, sizeof(after), "{\"resolution\":\"%s\"}", res);
	api_audit(job, op, "resolve", "qa_dispute", did, NULL, after, &err);
	api_step(job, &q_dispute_ref, &did, 1, 0, &err);
	api_step(job, &q_eval_one, &eid, 1, 0, &err);
	scored_free(&s);
	op->done = dispute_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void on_dispute_resolve(struct http_req *req, void *arg)
{
	static const char *const keys[] = {"resolution", "answers", "comment", NULL};
	const cJSON *b = http_req_json(req);
	const char *stray, *res, *comment;
	if (!cJSON_IsObject(b)) {
		api_invalid(req, "the body must be a JSON object");
		return;
	}
	if (json_only_keys(b, keys, &stray)) {
		api_invalid(req, "field \"%s\" is not a member of a resolution", stray);
		return;
	}
	if (json_get_str(b, "resolution", 40, &res) != 0 ||
	    (strcmp(res, "accepted") && strcmp(res, "partly_accepted") &&
	     strcmp(res, "rejected"))) {
		api_invalid(req,
			    "field \"resolution\" must be accepted, partly_accepted or rejected");
		return;
	}
	if (json_get_str(b, "comment", 20000, &comment) == EINVAL) {
		api_invalid(req, "field \"comment\" must be a text of at most 20000 bytes");
		return;
	}
	const cJSON *ans = cJSON_GetObjectItemCaseSensitive(b, "answers");
	bool rescore = strcmp(res, "rejected") != 0;
	if (rescore && (!cJSON_IsArray(ans) || cJSON_GetArraySize(ans) == 0)) {
		api_invalid(req, "field \"answers\" is required to accept a dispute: the new "
				 "answers to the disputed criteria");
		return;
	}
	if (!rescore && ans) {
		api_invalid(req, "field \"answers\" is not taken when a dispute is rejected");
		return;
	}
	struct api_op *op = api_op_new(arg, req, dispute_one_got);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_dispute_one, p, 1, req);
}

/* ---------- a contact's recording, for the evaluator's player ---------- */

#define QA_RECORDING_MAX (256u << 20) /* bytes served at most */

static const struct store_stmt q_recording = {
    "qa.recording",
    "SELECT c.agent_id, c.client_id, c.recording_ref,"
    /* a voicemail message the agent's current call (a callback) answers */
    " EXISTS (SELECT 1 FROM callbacks b WHERE b.call_id = $2 AND b.message_id = c.id)"
    " FROM contacts c WHERE c.id = $1",
    NULL};

struct recording {
	struct api_op *op;
	char data[4096]; /* the data directory, resolved */
	char *ref;
	char *buf;
	size_t len;
	int err; /* ENOENT: missing, EACCES: outside the data directory, EFBIG, ENOMEM, EIO */
};

static void recording_free(void *p)
{
	struct recording *r = p;
	sb_free(r->ref);
	sb_free(r->buf);
	sb_free(r);
}

/* On the worker: read the file, only inside the data directory (as erasure deletes it). */
static void recording_read(void *arg)
{
	struct recording *r = arg;
	size_t dl = strlen(r->data);
	char path[PATH_MAX + 8], real[PATH_MAX];
	if (!dl || !r->ref[0]) {
		r->err = EACCES;
		return;
	}
	if (r->ref[0] == '/')
		snprintf(path, sizeof(path), "%s", r->ref);
	else
		snprintf(path, sizeof(path), "%s/%s", r->data, r->ref);
	if (!realpath(path, real)) {
		r->err = ENOENT;
		return;
	}
	if (strncmp(real, r->data, dl) != 0 || real[dl] != '/') {
		r->err = EACCES;
		return;
	}
	FILE *f = fopen(real, "rb");
	if (!f) {
		r->err = ENOENT;
		return;
	}
	size_t cap = 1 << 16;
	r->buf = sb_alloc(cap);
	while (r->buf && !r->err) {
		if (r->len == cap) {
			if (cap >= QA_RECORDING_MAX) {
				r->err = EFBIG;
				break;
			}
			char *nb = sb_realloc(r->buf, cap * 2);
			if (!nb)
				break;
			r->buf = nb;
			cap *= 2;
		}
		size_t n = fread(r->buf + r->len, 1, cap - r->len, f);
		r->len += n;
		if (n == 0) {
			if (ferror(f))
				r->err = EIO;
			break;
		}
	}
	if (!r->buf && !r->err)
		r->err = ENOMEM;
	fclose(f);
}

static const char *recording_type(const char *ref)
{
	const char *dot = strrchr(ref, '.');
	if (!dot)
		return "application/octet-stream";
	if (strcmp(dot, ".wav") == 0)
		return "audio/wav";
	if (strcmp(dot, ".ogg") == 0 || strcmp(dot, ".opus") == 0)
		return "audio/ogg";
	if (strcmp(dot, ".mp3") == 0)
		return "audio/mpeg";
	if (strcmp(dot, ".flac") == 0)
		return "audio/flac";
	return "application/octet-stream";
}

static void recording_done(void *arg)
{
	struct recording *r = arg;
	struct api_op *op = r->op;
	struct api *a = op->api;
	struct http_req *req = a->closing ? NULL : http_server_req_find(a->cfg.srv, op->req_id);
	if (req) {
		if (r->err == EACCES)
			fprintf(stderr,
				"switchboard: recording %s lies outside the data directory: not "
				"served\n",
				r->ref);
		if (r->err == ENOENT || r->err == EACCES)
			api_not_found(req, "recording");
		else if (r->err == EFBIG)
			http_reply_error(req, 500, "internal",
					 "the recording is too large to serve");
		else if (r->err || !r->buf)
			http_reply_error(req, 500, "internal", "the recording could not be read");
		else
			http_reply_data(req, 200, recording_type(r->ref), r->buf, r->len);
	}
	api_op_free(op);
}

static void recording_got(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "contact");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (store_rs_rows(rs) == 0 || !u ||
	    !api_client_visible(u, store_rs_is_null(rs, 0, 1) ? 0 : store_rs_int(rs, 0, 1)) ||
	    (!api_qa_agent_visible(op->api, u, store_rs_int(rs, 0, 0)) &&
	     !store_rs_int(rs, 0, 3))) {
		api_not_found(req, "contact");
		return;
	}
	const char *ref = store_rs_text(rs, 0, 2);
	if (!ref) {
		api_not_found(req, "recording");
		return;
	}
	struct recording *r = sb_zalloc(sizeof(*r));
	if (r)
		r->ref = sb_strdup(ref);
	if (!r || !r->ref) {
		sb_free(r);
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	snprintf(r->data, sizeof(r->data), "%s", op->api->data_real);
	r->op = op;
	op->data = r;
	op->data_free = recording_free;
	if (api_work(op->api, recording_read, recording_done, r) == 0) {
		op->cont = true;
		return;
	}
	http_reply_error(req, 503, "shutting_down", "the server is stopping");
}

static void on_recording(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, recording_got);
	if (!op)
		return;
	/* an agent may also hear the message their callback answers, while on that call */
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	struct center_agent_live lv;
	int64_t call = -1;
	if (u && u->agent_id &&
	    center_agent_live(op->api->cfg.center, (int64_t)u->agent_id, &lv) == 0 &&
	    (lv.state == ACD_AGENT_RESERVED || lv.state == ACD_AGENT_TALKING ||
	     lv.state == ACD_AGENT_HOLD || lv.state == ACD_AGENT_WRAPUP) &&
	    lv.call_id && lv.call_id <= INT64_MAX)
		call = (int64_t)lv.call_id;
	struct store_value p[] = {store_int(api_param_id(req, "id")), store_int(call)};
	api_op_query(op, &q_recording, p, 2, req);
}

/* ---------- routes ---------- */

#define DEF_SCHEMA                                                                                 \
	"{\"type\":\"object\",\"description\":\"sections [{id,name,weight}], criteria [{id,"       \
	"section,text,weight,points (2..5),min,max,na,critical (none|section|whole),fail_at}], "   \
	"fields [{id,section,kind (checkbox|dropdown|comment),label,required,options}]\"}"
#define SC_SCHEMA                                                                                  \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"   \
	"\"string\"},\"version\":{\"type\":\"integer\"},\"latest_version\":{\"type\":"             \
	"\"integer\"},\"active\":{\"type\":\"boolean\"},\"definition\":" DEF_SCHEMA                \
	",\"fingerprint\":{\"type\":\"string\"}}}"
#define SC_BODY                                                                                    \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"name\":{\"type\":"  \
	"\"string\",\"maxLength\":200},\"definition\":" DEF_SCHEMA ",\"active\":{\"type\":"        \
	"\"boolean\"}}}"
#define ANSWERS_SCHEMA                                                                             \
	"{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"criterion\":{"       \
	"\"type\":\"integer\"},\"value\":{\"type\":\"integer\"},\"na\":{\"type\":\"boolean\"}}}}"
#define EVAL_SCHEMA                                                                                \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"scorecard_id\":{"    \
	"\"type\":\"integer\"},\"version\":{\"type\":\"integer\"},\"contact_id\":{\"type\":"       \
	"\"integer\"},\"agent_id\":{\"type\":\"integer\",\"nullable\":true},\"evaluator_id\":{"    \
	"\"type\":\"integer\",\"nullable\":true},\"score\":{\"type\":\"number\",\"nullable\":"     \
	"true},\"failed\":{\"type\":\"boolean\"},\"state\":{\"type\":\"string\",\"enum\":["        \
	"\"draft\",\"submitted\",\"acknowledged\",\"disputed\",\"resolved\"]},"                    \
	"\"calibration_id\":{\"type\":\"integer\",\"nullable\":true},\"feedback\":{\"type\":"      \
	"\"string\",\"nullable\":true},\"answers\":" ANSWERS_SCHEMA ",\"result\":{\"type\":"       \
	"\"object\"}}}"
#define DISPUTE_SCHEMA                                                                             \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"evaluation_id\":{"   \
	"\"type\":\"integer\"},\"criteria\":{\"type\":\"array\",\"items\":{\"type\":"              \
	"\"integer\"}},\"comment\":{\"type\":\"string\"},\"resolution\":{\"type\":\"string\","     \
	"\"nullable\":true},\"score_before\":{\"type\":\"number\",\"nullable\":true},"             \
	"\"score_after\":{\"type\":\"number\",\"nullable\":true}}}"
#define LIST_OF(x)                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" x "},"     \
	"\"next\":{\"type\":\"string\",\"nullable\":true}}}"
#define DISPUTE_REPLY                                                                              \
	"{\"type\":\"object\",\"properties\":{\"dispute\":" DISPUTE_SCHEMA                         \
	",\"evaluation\":" EVAL_SCHEMA "}}"

int api_qa_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, QA_PREFIX "/scorecards", R_QA_READ, on_sc_list, NULL, 0,
	     "Scorecards, each at its current version", "quality", NULL, LIST_OF(SC_SCHEMA), NULL,
	     0, NULL},
	    {HTTP_GET, QA_PREFIX "/scorecards/{id:int}", R_QA_READ, on_sc_get, NULL, 0,
	     "One scorecard; ?version=N for an older version", "quality", NULL, SC_SCHEMA, NULL, 0,
	     "404 422"},
	    {HTTP_POST, QA_PREFIX "/scorecards", R_QA_WORK, on_sc_create, NULL, 0,
	     "Create a scorecard (version 1)", "quality", SC_BODY, SC_SCHEMA, NULL, 201, "409 422"},
	    {HTTP_PUT, QA_PREFIX "/scorecards/{id:int}", R_QA_WORK, on_sc_update, NULL, 0,
	     "Edit a scorecard: a new name or definition makes a new version; evaluations keep "
	     "theirs",
	     "quality", SC_BODY, SC_SCHEMA, NULL, 0, "404 409 422"},
	    {HTTP_GET, QA_PREFIX "/evaluations", R_QA_READ, on_eval_list, NULL, 0,
	     "Evaluations, newest first (agents: their own, submitted; team leads: their team's). "
	     "Filters: agent_id, state, calibration_id, contact_id, evaluator_id, from, to",
	     "quality", NULL, LIST_OF(EVAL_SCHEMA), NULL, 0, "422"},
	    {HTTP_GET, QA_PREFIX "/evaluations/{id:int}", R_QA_READ, on_eval_get, NULL, 0,
	     "One evaluation with its answers, scores, scorecard definition and disputes",
	     "quality", NULL, EVAL_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, QA_PREFIX "/evaluations", R_QA_WORK, on_eval_create, NULL, 0,
	     "Evaluate a contact against a scorecard's current version (scores computed here); "
	     "submit: true to submit, calibration_id for a calibration session",
	     "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"scorecard_id\","
	     "\"contact_id\"],\"properties\":{\"scorecard_id\":{\"type\":\"integer\"},"
	     "\"contact_id\":{\"type\":\"integer\"},\"answers\":" ANSWERS_SCHEMA ",\"fields\":{"
	     "\"type\":\"array\"},\"feedback\":{\"type\":\"string\"},\"submit\":{\"type\":"
	     "\"boolean\"},\"calibration_id\":{\"type\":\"integer\"}}}",
	     EVAL_SCHEMA, NULL, 201, "403 409 422"},
	    {HTTP_PUT, QA_PREFIX "/evaluations/{id:int}", R_QA_WORK, on_eval_update, NULL, 0,
	     "Change a draft or submitted evaluation (its evaluator, until the agent "
	     "acknowledges or disputes it)",
	     "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
	     "\"answers\":" ANSWERS_SCHEMA
	     ",\"fields\":{\"type\":\"array\"},\"feedback\":{\"type\":\"string\"},"
	     "\"submit\":{\"type\":\"boolean\"}}}",
	     EVAL_SCHEMA, NULL, 0, "403 404 409 422"},
	    {HTTP_POST, QA_PREFIX "/evaluations/{id:int}/submit", R_QA_WORK, on_eval_submit, NULL,
	     0, "Submit a draft evaluation: every criterion must be answered", "quality", NULL,
	     EVAL_SCHEMA, NULL, 0, "403 404 409 422"},
	    {HTTP_POST, QA_PREFIX "/evaluations/{id:int}/acknowledge", R_AGENT | R_LEAD,
	     on_eval_ack, NULL, 0, "The evaluated agent acknowledges a submitted evaluation",
	     "quality", NULL, EVAL_SCHEMA, NULL, 0, "403 404 409"},
	    {HTTP_POST, QA_PREFIX "/evaluations/{id:int}/dispute", R_AGENT | R_LEAD,
	     on_eval_dispute, NULL, 0,
	     "The evaluated agent disputes chosen criteria with a comment", "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"criteria\","
	     "\"comment\"],\"properties\":{\"criteria\":{\"type\":\"array\",\"items\":{\"type\":"
	     "\"integer\"}},\"comment\":{\"type\":\"string\",\"maxLength\":20000}}}",
	     DISPUTE_REPLY, NULL, 201, "403 404 409 422"},
	    {HTTP_GET, QA_PREFIX "/contacts/{id:int}/recording", R_QA_READ, on_recording, NULL, 0,
	     "A contact's recording for the evaluation player (agents: their own calls, and the "
	     "voicemail message the callback they are on answers; team leads: their team's); only "
	     "files inside the data directory are served",
	     "quality", NULL, NULL, "application/octet-stream", 0, "404"},
	    {HTTP_GET, QA_PREFIX "/disputes", R_QA_READ, on_dispute_list, NULL, 0,
	     "Disputes with their evaluations, newest first; ?open=1 for the unresolved", "quality",
	     NULL, LIST_OF(DISPUTE_SCHEMA), NULL, 0, "422"},
	    {HTTP_POST, QA_PREFIX "/disputes/{id:int}/resolve", R_QA_WORK, on_dispute_resolve, NULL,
	     0,
	     "Arbitrate a dispute: accepted or partly_accepted (answers re-score the disputed "
	     "criteria) or rejected",
	     "quality",
	     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"resolution\"],"
	     "\"properties\":{\"resolution\":{\"type\":\"string\",\"enum\":[\"accepted\","
	     "\"partly_accepted\",\"rejected\"]},\"answers\":" ANSWERS_SCHEMA ",\"comment\":{"
	     "\"type\":\"string\"}}}",
	     DISPUTE_REPLY, NULL, 0, "404 409 422"},
	};
	int err = api_routes(a, r, sizeof(r) / sizeof(r[0]));
	if (!err)
		err = api_qa_work_routes(a);
	if (!err)
		err = api_qa_report_routes(a);
	return err;
}
