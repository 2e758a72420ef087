/* api_customers: customers (search by phone in E.164, name, account number), their detail page, and
 * erasure. */
#include "server/api_impl.h"

#include "base/json.h"
#include "base/mem.h"
#include "base/phone.h"
#include "store/records.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	CU_ID,
	CU_CLIENT,
	CU_REF,
	CU_NAME,
	CU_EMAIL,
	CU_LANG,
	CU_NOTES,
	CU_ATTR,
	CU_CREATED,
	CU_UPDATED,
	CU_COUNT
};

static const struct api_field customer_fields[CU_COUNT] = {
    [CU_ID] = {"id", AF_INT, AF_RO, 0, 0, NULL, NULL},
    [CU_CLIENT] = {"client_id", AF_INT, 0, 1, UINT32_MAX, NULL, NULL},
    [CU_REF] = {"external_ref", AF_TEXT, AF_NULL | AF_PERSONAL, 0, 100, NULL, NULL},
    [CU_NAME] = {"name", AF_TEXT, AF_NULL | AF_PERSONAL, 0, 200, NULL, NULL},
    [CU_EMAIL] = {"email", AF_TEXT, AF_NULL | AF_PERSONAL, 0, 254, NULL, NULL},
    [CU_LANG] = {"language", AF_TEXT, AF_NULL, 0, 16, NULL, NULL},
    [CU_NOTES] = {"notes", AF_TEXT, AF_NULL | AF_EMPTY | AF_PERSONAL, 0, 20000, NULL, NULL},
    [CU_ATTR] = {"attributes", AF_JSON, AF_NULL | AF_PERSONAL, 0, 20000, NULL, NULL},
    [CU_CREATED] = {"created_at", AF_TIME, AF_RO, 0, 0, NULL, NULL},
    [CU_UPDATED] = {"updated_at", AF_TIME, AF_RO, 0, 0, NULL, NULL},
};

static const char *const customer_extra[] = {"phones", NULL};

#define CUSTOMER_COLS                                                                              \
	"c.id, c.client_id, c.external_ref, c.name, c.email, c.language, c.notes, c.attributes,"   \
	" c.created_at, c.updated_at"

/* The detail: the row, then phones, items, open callbacks and recent records as JSON arrays. */
static const struct store_stmt q_customer_detail = {
    "api.customer_detail",
    "SELECT " CUSTOMER_COLS ","
    " (SELECT json_group_array(json_object('id', p.id, 'number', p.e164, 'label', p.label))"
    "  FROM (SELECT * FROM customer_phones x WHERE x.customer_id = c.id ORDER BY x.id) p),"
    " (SELECT json_group_array(json_object('id', i.id, 'type', i.type, 'reference', i.reference,"
    "  'description', i.description, 'status', i.status, 'address', i.address, 'amount_minor',"
    "  i.amount_minor, 'currency', i.currency, 'valid_from', i.valid_from, 'valid_until',"
    "  i.valid_until, 'data', json(i.data))) FROM (SELECT * FROM account_items x"
    "  WHERE x.customer_id = c.id ORDER BY x.id) i),"
    " (SELECT json_group_array(json_object('id', b.id, 'queue_id', b.queue_id, 'number',"
    "  b.number, 'due_at', b.due_at, 'status', b.status, 'notes', b.notes, 'attempts',"
    "  b.attempts, 'created_by', b.created_by)) FROM (SELECT * FROM callbacks x"
    "  WHERE x.customer_id = c.id AND (x.status = 'pending' OR x.status = 'dialing')"
    "  ORDER BY x.due_at, x.id) b),"
    " (SELECT json_group_array(json_object('id', k.id, 'call_id', k.call_id, 'direction',"
    "  k.direction, 'queue_id', k.queue_id, 'agent_id', k.agent_id, 't_initiated',"
    "  k.t_initiated, 't_connected', k.t_connected, 't_disconnected', k.t_disconnected,"
    "  'disposition_id', k.disposition_id, 'disposition', (SELECT d.label FROM dispositions d"
    "  WHERE d.id = k.disposition_id), 'notes', k.notes)) FROM (SELECT * FROM contacts x"
    "  WHERE x.customer_id = c.id ORDER BY x.t_initiated DESC, x.id DESC LIMIT 20) k)"
    " FROM customers c WHERE c.id = $1",
    NULL};

static const struct store_stmt q_customer_client = {
    "api.customer_client", "SELECT client_id FROM customers WHERE id = $1", NULL};

static const struct store_stmt q_customer_search = {
    "api.customer_search",
    "SELECT c.id, c.client_id, c.external_ref, c.name, c.email, c.language, c.updated_at,"
    " (SELECT json_group_array(p.e164) FROM (SELECT e164 FROM customer_phones x"
    "  WHERE x.customer_id = c.id ORDER BY x.id) p)"
    " FROM customers c"
    " WHERE ($1 IS NULL OR c.client_id IN (SELECT value FROM json_each($1)))"
    " AND ($2 IS NULL OR c.client_id = $2)"
    " AND ($3 IS NULL OR c.id IN (SELECT customer_id FROM customer_phones WHERE e164 = $3))"
    " AND ($4 IS NULL OR c.name LIKE $4 ESCAPE '\\')"
    " AND ($5 IS NULL OR c.external_ref = $5 OR c.id IN"
    "  (SELECT customer_id FROM account_items WHERE reference = $5))"
    " AND c.id > $6 ORDER BY c.id LIMIT $7",
    NULL};

/* May u see this contact record (agents: their own; team leads: their team's)? */
static bool contact_agent_visible(struct api *a, const struct user *u, int64_t agent_id)
{
	if (api_sees_all(u))
		return true;
	if (u->agent_id && (int64_t)u->agent_id == agent_id)
		return true;
	if (u->role == ROLE_TEAM_LEAD && u->team_id) {
		const struct center_agent *ag = center_agent(a->cfg.center, agent_id);
		return ag && ag->team_id == (int64_t)u->team_id;
	}
	return false;
}

static cJSON *parse_array(const struct store_rs *rs, unsigned row, unsigned col)
{
	const char *s = store_rs_text(rs, row, col);
	cJSON *j = s ? cJSON_Parse(s) : NULL;
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		j = cJSON_CreateArray();
	}
	return j;
}

/* The detail JSON of the last detail row in rs (NULL when there is none). */
static cJSON *customer_detail(struct api *a, const struct user *u, const struct store_rs *rs)
{
	unsigned n = store_rs_rows(rs);
	unsigned row = UINT_MAX;
	for (unsigned r = 0; r < n; r++)
		if (store_rs_cols(rs, r) == CU_COUNT + 4)
			row = r;
	if (row == UINT_MAX)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	api_row_json(rs, row, 0, customer_fields, CU_COUNT, o, false);
	cJSON_AddItemToObject(o, "phones", parse_array(rs, row, CU_COUNT));
	cJSON *items = parse_array(rs, row, CU_COUNT + 1);
	cJSON *grouped = cJSON_AddObjectToObject(o, "items");
	static const char *const types[] = {"billing", "shipping", "warranty", "product"};
	for (int t = 0; t < 4; t++) {
		cJSON *g = cJSON_AddArrayToObject(grouped, types[t]);
		cJSON *it = items->child;
		while (it) {
			cJSON *next = it->next;
			const cJSON *ty = cJSON_GetObjectItemCaseSensitive(it, "type");
			if (cJSON_IsString(ty) && strcmp(ty->valuestring, types[t]) == 0)
				cJSON_AddItemToArray(g, cJSON_DetachItemViaPointer(items, it));
			it = next;
		}
	}
	cJSON_Delete(items);
	cJSON_AddItemToObject(o, "callbacks", parse_array(rs, row, CU_COUNT + 2));
	cJSON *contacts = parse_array(rs, row, CU_COUNT + 3);
	cJSON *it = contacts->child;
	while (u && it) {
		cJSON *next = it->next;
		const cJSON *ag = cJSON_GetObjectItemCaseSensitive(it, "agent_id");
		if (!contact_agent_visible(a, u, cJSON_IsNumber(ag) ? (int64_t)ag->valuedouble : 0))
			cJSON_Delete(cJSON_DetachItemViaPointer(contacts, it));
		it = next;
	}
	cJSON_AddItemToObject(o, "contacts", contacts);
	return o;
}

/* ---------- reads ---------- */

static void detail_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "customer");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (!u || store_rs_rows(rs) == 0 ||
	    !user_may_see_client(u, (uint64_t)store_rs_int(rs, 0, CU_CLIENT))) {
		api_not_found(req, "customer");
		return;
	}
	http_reply_json(req, 200, customer_detail(op->api, u, rs));
}

static void on_customer_get(struct http_req *req, void *arg)
{
	struct api_op *op = api_op_new(arg, req, detail_read);
	if (!op)
		return;
	struct store_value p[] = {store_int(api_param_id(req, "id"))};
	api_op_query(op, &q_customer_detail, p, 1, req);
}

static void searched(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "customer");
		return;
	}
	static const struct api_field f[] = {
	    {"id", AF_INT, 0, 0, 0, NULL, NULL},
	    {"client_id", AF_INT, 0, 0, 0, NULL, NULL},
	    {"external_ref", AF_TEXT, 0, 0, 0, NULL, NULL},
	    {"name", AF_TEXT, 0, 0, 0, NULL, NULL},
	    {"email", AF_TEXT, 0, 0, 0, NULL, NULL},
	    {"language", AF_TEXT, 0, 0, 0, NULL, NULL},
	    {"updated_at", AF_TIME, 0, 0, 0, NULL, NULL},
	};
	cJSON *items = cJSON_CreateArray();
	unsigned n = store_rs_rows(rs);
	bool more = n > (unsigned)op->n;
	if (more)
		n = (unsigned)op->n;
	int64_t last = 0;
	for (unsigned r = 0; r < n; r++) {
		cJSON *o = cJSON_CreateObject();
		api_row_json(rs, r, 0, f, 7, o, false);
		cJSON_AddItemToObject(o, "phones", parse_array(rs, r, 7));
		cJSON_AddItemToArray(items, o);
		last = store_rs_int(rs, r, 0);
	}
	http_reply_json(req, 200, api_list(items, more, last));
}

/* "%name%" for LIKE, with % _ and \ escaped (sb_free it). */
static char *like_pattern(const char *s)
{
	size_t n = strlen(s);
	char *p = sb_alloc(2 * n + 3);
	if (!p)
		return NULL;
	size_t o = 0;
	p[o++] = '%';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
			p[o++] = '\\';
		p[o++] = s[i];
	}
	p[o++] = '%';
	p[o] = '\0';
	return p;
}

static void on_customer_search(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	int64_t after, limit, client = 0;
	if (api_page(req, &after, &limit, 50, 500))
		return;
	if (api_query_i64(req, "client_id", 1, UINT32_MAX, &client) == EINVAL)
		return;
	const char *phone = http_req_query(req, "phone");
	const char *name = http_req_query(req, "name");
	const char *account = http_req_query(req, "account");
	char e164[PHONE_E164_MAX] = "";
	if (phone) {
		/* the dialling plan of the client searched (or the first the user serves) */
		int64_t plan_client = client;
		const struct center_client *cl;
		for (unsigned i = 0; !plan_client && (cl = center_client_at(a->cfg.center, i)); i++)
			if (user_may_see_client(u, (uint64_t)cl->id))
				plan_client = cl->id;
		char cc[8], trunk[8], intl[8];
		api_client_plan(a, plan_client, cc, trunk, intl);
		struct phone_plan plan = {cc, trunk, intl};
		if (phone_normalize(phone, &plan, e164, sizeof(e164)) != 0) {
			api_invalid(req, "query argument \"phone\": \"%s\" is not a phone number",
				    phone);
			return;
		}
	}
	if ((name && strlen(name) > 200) || (account && strlen(account) > 200)) {
		api_invalid(req, "query arguments \"name\" and \"account\" hold at most 200 bytes");
		return;
	}
	char *clients = api_clients_json(u);
	char *like = name && *name ? like_pattern(name) : NULL;
	struct api_op *op = api_op_new(a, req, searched);
	if (op) {
		op->n = limit;
		struct store_value p[] = {store_text(clients),
					  client ? store_int(client) : store_null(),
					  store_text(phone ? e164 : NULL),
					  store_text(like),
					  store_text(account && *account ? account : NULL),
					  store_int(after),
					  store_int(limit + 1)};
		api_op_query(op, &q_customer_search, p, 7, req);
	}
	sb_free(clients);
	sb_free(like);
}

/* ---------- writes ---------- */

struct custw {
	bool create;
	int64_t id, client;
	struct api_val v[CU_COUNT];
	bool set_phones;
	unsigned n_phones;
	char phones[16][PHONE_E164_MAX];
	char *labels[16];
	char *before;
};

static void custw_free(void *p)
{
	struct custw *w = p;
	api_vals_free(w->v, CU_COUNT);
	for (unsigned i = 0; i < w->n_phones; i++)
		sb_free(w->labels[i]);
	sb_free(w->before);
	sb_free(w);
}

static const struct store_stmt s_customer_insert = {
    "api.customer_insert",
    "INSERT INTO customers (client_id, external_ref, name, email, language, notes, attributes,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    NULL};
static const struct store_stmt s_customer_update = {
    "api.customer_update",
    "UPDATE customers SET external_ref = CASE WHEN ($2 / 1) % 2 = 1 THEN $3 ELSE external_ref END,"
    " name = CASE WHEN ($2 / 2) % 2 = 1 THEN $4 ELSE name END,"
    " email = CASE WHEN ($2 / 4) % 2 = 1 THEN $5 ELSE email END,"
    " language = CASE WHEN ($2 / 8) % 2 = 1 THEN $6 ELSE language END,"
    " notes = CASE WHEN ($2 / 16) % 2 = 1 THEN $7 ELSE notes END,"
    " attributes = CASE WHEN ($2 / 32) % 2 = 1 THEN $8 ELSE attributes END,"
    " updated_at = $9 WHERE id = $1",
    NULL};
static const struct store_stmt s_phones_clear = {
    "api.phones_clear", "DELETE FROM customer_phones WHERE customer_id = $1", NULL};
static const struct store_stmt s_phone = {
    "api.phone", "INSERT INTO customer_phones (customer_id, e164, label) VALUES ($1, $2, $3)",
    NULL};

static int read_phones(struct api *a, struct http_req *req, const cJSON *arr, struct custw *w)
{
	if (!cJSON_IsArray(arr)) {
		api_invalid(req, "field \"phones\" must be an array of {number, label}");
		return EINVAL;
	}
	char cc[8], trunk[8], intl[8];
	api_client_plan(a, w->client, cc, trunk, intl);
	struct phone_plan plan = {cc, trunk, intl};
	static const struct api_field f[] = {
	    {"number", AF_TEXT, AF_REQ, 0, 40, NULL, NULL},
	    {"label", AF_TEXT, AF_NULL, 0, 40, NULL, NULL},
	};
	const cJSON *it;
	unsigned i = 0;
	cJSON_ArrayForEach(it, arr)
	{
		if (w->n_phones == 16) {
			api_invalid(req, "field \"phones\": at most 16 numbers");
			return EINVAL;
		}
		struct api_val v[2];
		if (api_read_fields(req, it, f, 2, NULL, true, v))
			return EINVAL;
		char *e = w->phones[w->n_phones];
		if (phone_normalize(v[0].s, &plan, e, PHONE_E164_MAX) != 0) {
			api_invalid(req,
				    "field \"phones[%u].number\": \"%s\" is not a phone number", i,
				    v[0].s);
			return EINVAL;
		}
		for (unsigned k = 0; k < w->n_phones; k++) {
			if (strcmp(w->phones[k], e) == 0) {
				api_invalid(req, "field \"phones[%u].number\": %s is listed twice",
					    i, e);
				return EINVAL;
			}
		}
		w->labels[w->n_phones] = v[1].present && !v[1].null ? sb_strdup(v[1].s) : NULL;
		w->n_phones++;
		i++;
	}
	return 0;
}

static void customer_written(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct custw *w = op->data;
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, w->create, "customer");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	cJSON *o = customer_detail(op->api, u, rs);
	if (!o) {
		http_reply_error(req, 500, "internal", "the customer did not come back");
		return;
	}
	http_reply_json(req, w->create ? 201 : 200, o);
}

static void customer_submit(struct api_op *op, struct http_req *req)
{
	struct api *a = op->api;
	struct custw *w = op->data;
	struct api_val *v = w->v;
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		if (req)
			http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	int err = 0;
	int64_t now = api_now(a);
	struct store_value cid = w->create ? store_ref(0, 0) : store_int(w->id);
	if (w->create) {
		struct store_value p[] = {store_int(w->client),
					  api_val_store(&customer_fields[CU_REF], &v[CU_REF]),
					  api_val_store(&customer_fields[CU_NAME], &v[CU_NAME]),
					  api_val_store(&customer_fields[CU_EMAIL], &v[CU_EMAIL]),
					  api_val_store(&customer_fields[CU_LANG], &v[CU_LANG]),
					  api_val_store(&customer_fields[CU_NOTES], &v[CU_NOTES]),
					  api_val_store(&customer_fields[CU_ATTR], &v[CU_ATTR]),
					  store_int(now)};
		api_step(job, &s_customer_insert, p, 8, 0, &err);
	} else {
		int64_t mask = 0;
		for (int i = CU_REF; i <= CU_ATTR; i++)
			if (v[i].present)
				mask |= 1LL << (i - CU_REF);
		struct store_value p[] = {cid,
					  store_int(mask),
					  api_val_store(&customer_fields[CU_REF], &v[CU_REF]),
					  api_val_store(&customer_fields[CU_NAME], &v[CU_NAME]),
					  api_val_store(&customer_fields[CU_EMAIL], &v[CU_EMAIL]),
					  api_val_store(&customer_fields[CU_LANG], &v[CU_LANG]),
					  api_val_store(&customer_fields[CU_NOTES], &v[CU_NOTES]),
					  api_val_store(&customer_fields[CU_ATTR], &v[CU_ATTR]),
					  store_int(now)};
		api_step(job, &s_customer_update, p, 9, STORE_MUST_HIT, &err);
	}
	if (w->set_phones) {
		if (!w->create)
			api_step(job, &s_phones_clear, &cid, 1, 0, &err);
		for (unsigned i = 0; i < w->n_phones; i++) {
			struct store_value p[] = {cid, store_text(w->phones[i]),
						  store_text(w->labels[i])};
			api_step(job, &s_phone, p, 3, 0, &err);
		}
	}
	/* personal data in the audit row: under the customer, so that erasure finds it */
	char *after = api_vals_text(customer_fields, CU_COUNT, v, true);
	if (after && w->set_phones) {
		cJSON *o = cJSON_Parse(after);
		cJSON *ph = cJSON_AddArrayToObject(o, "phones");
		for (unsigned i = 0; i < w->n_phones; i++)
			cJSON_AddItemToArray(ph, cJSON_CreateString(w->phones[i]));
		char *t = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		sb_free(after);
		after = t ? sb_strdup(t) : NULL;
		cJSON_free(t);
	}
	api_audit(job, op, w->create ? "create" : "update", "customer", cid, w->before, after,
		  &err);
	sb_free(after);
	api_step(job, &q_customer_detail, &cid, 1, 0, &err);
	op->done = customer_written;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

/* An update: the row was read (visibility, and the audit's "before"). */
static void customer_checked(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct custw *w = op->data;
	if (err) {
		api_store_error(req, err, false, "customer");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (!req || !u)
		return;
	if (store_rs_rows(rs) == 0 ||
	    !user_may_see_client(u, (uint64_t)store_rs_int(rs, 0, CU_CLIENT))) {
		api_not_found(req, "customer");
		return;
	}
	w->client = store_rs_int(rs, 0, CU_CLIENT);
	const cJSON *phones = cJSON_GetObjectItemCaseSensitive(http_req_json(req), "phones");
	if (phones && read_phones(op->api, req, phones, w))
		return;
	w->set_phones = phones != NULL;
	cJSON *b = cJSON_CreateObject();
	api_row_json(rs, 0, 0, customer_fields, CU_COUNT, b, false);
	cJSON_AddItemToObject(b, "phones", parse_array(rs, 0, CU_COUNT));
	char *t = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	w->before = t ? sb_strdup(t) : NULL;
	cJSON_free(t);
	customer_submit(op, req);
}

static void customer_write(struct api *a, struct http_req *req, bool create)
{
	const struct user *u = http_req_user(req);
	struct api_op *op = api_op_new(a, req, customer_checked);
	struct custw *w = op ? sb_zalloc(sizeof(*w)) : NULL;
	if (!w) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = w;
	op->data_free = custw_free;
	w->create = create;
	w->id = create ? 0 : api_param_id(req, "id");
	const cJSON *body = http_req_json(req);
	if (api_read_fields(req, body, customer_fields, CU_COUNT, customer_extra, create, w->v))
		goto fail;
	if (!create && w->v[CU_CLIENT].present) {
		api_invalid(req, "field \"client_id\" cannot be changed");
		goto fail;
	}
	if (create) {
		if (api_pick_client(a, req, u, &w->v[CU_CLIENT], &w->client))
			goto fail;
		const cJSON *phones = cJSON_GetObjectItemCaseSensitive(body, "phones");
		if (phones && read_phones(a, req, phones, w))
			goto fail;
		w->set_phones = phones != NULL;
		op->cont = false;
		customer_submit(op, req);
		if (!op->cont)
			goto fail;
		return;
	}
	struct store_value p[] = {store_int(w->id)};
	api_op_query(op, &q_customer_detail, p, 1, req);
	return;
fail:
	api_op_free(op);
}

static void on_customer_create(struct http_req *req, void *arg)
{
	customer_write(arg, req, true);
}

static void on_customer_update(struct http_req *req, void *arg)
{
	customer_write(arg, req, false);
}

/* ---------- erasure ---------- */

struct erase {
	int64_t id;
	unsigned n, deleted, refused, missing;
	char **refs;
	char data[4096];
	struct api_op *op;
};

static void erase_free(void *p)
{
	struct erase *e = p;
	for (unsigned i = 0; i < e->n; i++)
		sb_free(e->refs[i]);
	sb_free(e->refs);
	sb_free(e);
}

/* On the worker: delete each recording, only inside the data directory. */
static void erase_files(void *arg)
{
	struct erase *e = arg;
	size_t dl = strlen(e->data);
	for (unsigned i = 0; i < e->n; i++) {
		char path[PATH_MAX + 8], real[PATH_MAX];
		const char *ref = e->refs[i];
		if (!ref[0] || !dl) {
			e->refused++;
			continue;
		}
		if (ref[0] == '/')
			snprintf(path, sizeof(path), "%s", ref);
		else
			snprintf(path, sizeof(path), "%s/%s", e->data, ref);
		if (!realpath(path, real)) {
			e->missing++;
			continue;
		}
		if (strncmp(real, e->data, dl) != 0 || real[dl] != '/') {
			fprintf(stderr,
				"switchboard: erasure: recording %s lies outside the data "
				"directory: not deleted\n",
				ref);
			e->refused++;
			continue;
		}
		if (unlink(real) == 0)
			e->deleted++;
		else
			e->missing++;
	}
}

static void erase_files_done(void *arg)
{
	struct erase *e = arg;
	struct api_op *op = e->op;
	struct api *a = op->api;
	if (a->closing) {
		api_op_free(op);
		return;
	}
	struct http_req *req = http_server_req_find(a->cfg.srv, op->req_id);
	if (req) {
		cJSON *o = cJSON_CreateObject();
		json_add_i64(o, "erased", e->id);
		json_add_i64(o, "recordings_deleted", e->deleted);
		json_add_i64(o, "recordings_missing", e->missing);
		json_add_i64(o, "recordings_refused", e->refused);
		http_reply_json(req, 200, o);
	}
	api_op_free(op);
}

static void erased(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct erase *e = op->data;
	if (err) {
		api_store_error(req, err, false, "customer");
		return;
	}
	unsigned n = store_rs_rows(rs);
	e->refs = n ? sb_calloc(n, sizeof(*e->refs)) : NULL;
	for (unsigned r = 0; e->refs && r < n; r++) {
		const char *ref = store_rs_text(rs, r, 0);
		if (ref)
			e->refs[e->n++] = sb_strdup(ref);
	}
	snprintf(e->data, sizeof(e->data), "%s", op->api->data_real);
	e->op = op;
	if (api_work(op->api, erase_files, erase_files_done, e) == 0) {
		op->cont = true;
		return;
	}
	erase_files(e); /* the worker is gone (stopping): do it here */
	if (req)
		http_reply_empty(req, 204);
}

static void erase_checked(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	struct erase *e = op->data;
	if (err) {
		api_store_error(req, err, false, "customer");
		return;
	}
	const struct user *u = userdir_get(op->api->cfg.users, op->user_id);
	if (!req || !u)
		return;
	if (store_rs_rows(rs) == 0 || !user_may_see_client(u, (uint64_t)store_rs_int(rs, 0, 0))) {
		api_not_found(req, "customer");
		return;
	}
	struct store_job *job;
	if (store_job_alloc(&job) != 0) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	err = store_job_customer_erase(job, e->id, (int64_t)op->user_id, api_now(op->api));
	op->done = erased;
	op->cont = api_op_write_keep(op, job, req, err) == 0;
}

static void on_customer_erase(struct http_req *req, void *arg)
{
	struct api *a = arg;
	struct api_op *op = api_op_new(a, req, erase_checked);
	struct erase *e = op ? sb_zalloc(sizeof(*e)) : NULL;
	if (!e) {
		if (op)
			http_reply_error(req, 500, "internal", "out of memory");
		api_op_free(op);
		return;
	}
	op->data = e;
	op->data_free = erase_free;
	e->id = api_param_id(req, "id");
	struct store_value p[] = {store_int(e->id)};
	api_op_query(op, &q_customer_client, p, 1, req);
}

/* ---------- routes ---------- */

#define CUSTOMER_PROPS                                                                             \
	"\"client_id\":{\"type\":\"integer\"},\"external_ref\":{\"type\":\"string\",\"nullable\":" \
	"true,\"description\":\"the client's own customer "                                        \
	"number\"},\"name\":{\"type\":\"string\","                                                 \
	"\"nullable\":true},\"email\":{\"type\":\"string\",\"nullable\":true},\"language\":{"      \
	"\"type\":\"string\",\"nullable\":true},\"notes\":{\"type\":\"string\",\"nullable\":true}" \
	","                                                                                        \
	"\"attributes\":{\"type\":\"object\",\"nullable\":true}"
#define CUSTOMER_IN                                                                                \
	"{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{" CUSTOMER_PROPS      \
	",\"phones\":{\"type\":\"array\",\"maxItems\":16,\"items\":{\"type\":\"object\","          \
	"\"required\":[\"number\"],\"properties\":{\"number\":{\"type\":\"string\","               \
	"\"description\":"                                                                         \
	"\"as typed: normalised to E.164 with the client's dialling plan\"},\"label\":{\"type\":"  \
	"\"string\",\"nullable\":true}}}}}}"
#define CUSTOMER_SCHEMA                                                                            \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," CUSTOMER_PROPS       \
	",\"created_at\":{\"type\":\"integer\"},\"updated_at\":{\"type\":\"integer\"},\"phones\":" \
	"{"                                                                                        \
	"\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":"      \
	"\"integer\"},\"number\":{\"type\":\"string\"},\"label\":{\"type\":\"string\","            \
	"\"nullable\":"                                                                            \
	"true}}}},\"items\":{\"type\":\"object\",\"description\":\"account items by type\","       \
	"\"properties\":{\"billing\":{\"type\":\"array\"},\"shipping\":{\"type\":\"array\"},"      \
	"\"warranty\":{\"type\":\"array\"},\"product\":{\"type\":\"array\"}}},\"callbacks\":{"     \
	"\"type\":\"array\",\"description\":\"open callbacks\"},\"contacts\":{\"type\":\"array\"," \
	"\"description\":\"the 20 most recent contact records the caller may see\"}}}"
#define CUSTOMER_ROW                                                                               \
	"{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"client_id\":{"       \
	"\"type\":"                                                                                \
	"\"integer\"},\"external_ref\":{\"type\":\"string\",\"nullable\":true},\"name\":{"         \
	"\"type\":"                                                                                \
	"\"string\",\"nullable\":true},\"email\":{\"type\":\"string\",\"nullable\":true},"         \
	"\"language\":{\"type\":\"string\",\"nullable\":true},\"updated_at\":{\"type\":"           \
	"\"integer\"},"                                                                            \
	"\"phones\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}"

int api_customer_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, API_PREFIX "/customers", R_RECORDS, on_customer_search, NULL, 0,
	     "Find customers by ?phone= (any format: normalised to E.164), ?name= (part), "
	     "?account= (customer or account-item reference); ?client_id=&after=&limit=",
	     "customers", NULL,
	     "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\","
	     "\"items\":" CUSTOMER_ROW "},\"next\":{\"type\":\"string\",\"nullable\":true}}}",
	     NULL, 0, "422"},
	    {HTTP_GET, API_PREFIX "/customers/{id:int}", R_RECORDS, on_customer_get, NULL, 0,
	     "A customer: contact data, phones, account items by type, open callbacks, recent "
	     "contact records",
	     "customers", NULL, CUSTOMER_SCHEMA, NULL, 0, "404"},
	    {HTTP_POST, API_PREFIX "/customers", R_FLOOR, on_customer_create, NULL, 0,
	     "Create a customer (phones normalised to E.164)", "customers", CUSTOMER_IN,
	     CUSTOMER_SCHEMA, NULL, 201, "409"},
	    {HTTP_PUT, API_PREFIX "/customers/{id:int}", R_FLOOR, on_customer_update, NULL, 0,
	     "Change a customer (fields given; phones replace the list)", "customers", CUSTOMER_IN,
	     CUSTOMER_SCHEMA, NULL, 0, "404 409"},
	    {HTTP_DELETE, API_PREFIX "/customers/{id:int}", R_ADMIN, on_customer_erase, NULL, 0,
	     "Erase a customer (data-protection request): rows, personal fields of their records, "
	     "recordings",
	     "customers", NULL,
	     "{\"type\":\"object\",\"properties\":{\"erased\":{\"type\":\"integer\"},"
	     "\"recordings_deleted\":{\"type\":\"integer\"},\"recordings_missing\":{\"type\":"
	     "\"integer\"},\"recordings_refused\":{\"type\":\"integer\"}}}",
	     NULL, 0, "404"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
