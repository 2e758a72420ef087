/* api_campaigns_view: routes the browser's campaign screens need beyond the campaign API:
 * the scheduled campaign callbacks booked for an agent (the agent's own list on the desktop). */
#include "server/api_campaigns_view.h"
#include "server/api_impl.h"

#include "base/mem.h"

#include <errno.h>
#include <stdint.h>

/* The lead's id first (the page's key), then what the desktop's list shows. */
static const struct api_field cb_fields[] = {
    {"lead_id", AF_INT, AF_RO, 0, 0, NULL, NULL},
    {"campaign_id", AF_INT, AF_RO, 0, 0, NULL, NULL},
    {"campaign_name", AF_TEXT, AF_RO, 0, 0, NULL, NULL},
    {"number", AF_TEXT, AF_RO | AF_PERSONAL, 0, 0, NULL, NULL},
    {"first_name", AF_TEXT, AF_RO | AF_NULL | AF_PERSONAL, 0, 0, NULL, NULL},
    {"last_name", AF_TEXT, AF_RO | AF_NULL | AF_PERSONAL, 0, 0, NULL, NULL},
    {"zone", AF_TEXT, AF_RO, 0, 0, NULL, NULL},
    {"due_at", AF_TIME, AF_RO | AF_NULL, 0, 0, NULL, NULL},
    {"agent_id", AF_INT, AF_RO | AF_NULL, 0, 0, NULL, NULL},
    {"attempts", AF_INT, AF_RO, 0, 0, NULL, NULL},
    {"status", AF_TEXT, AF_RO, 0, 0, NULL, NULL},
};
#define CB_NF (sizeof(cb_fields) / sizeof(cb_fields[0]))

/* Leads waiting for their callback (ready: not dialled yet; in_call: being dialled now). */
static const struct store_stmt q_callbacks = {
    "api.campaign_callbacks",
    "SELECT l.id, l.campaign_id, c.name, l.e164, l.first_name, l.last_name, l.zone,"
    " l.next_attempt_at, l.callback_agent, l.attempts, l.status"
    " FROM leads l JOIN campaigns c ON c.id = l.campaign_id"
    " WHERE l.callback = 1 AND l.status <> 'done'"
    " AND ($1 IS NULL OR l.callback_agent = $1)"
    " AND ($2 IS NULL OR c.client_id IN (SELECT value FROM json_each($2)))"
    " AND l.id > $3 ORDER BY l.id LIMIT $4",
    NULL};

static void callbacks_read(struct api_op *op, int err, struct store_rs *rs, struct http_req *req)
{
	if (!req)
		return;
	if (err) {
		api_store_error(req, err, false, "callback");
		return;
	}
	api_reply_page(op, req, rs, cb_fields, CB_NF);
}

static void on_callbacks(struct http_req *req, void *arg)
{
	struct api *a = arg;
	const struct user *u = http_req_user(req);
	int64_t after, limit, agent = 0;
	if (!u || api_page(req, &after, &limit, 100, 500))
		return;
	int e = api_query_i64(req, "agent_id", 1, UINT32_MAX, &agent);
	if (e == EINVAL)
		return;
	if (!api_sees_all(u)) {
		/* agents and team leads: the callbacks booked for themselves only */
		if (!u->agent_id) {
			http_reply_error(req, 409, "not_an_agent", "you have no agent profile");
			return;
		}
		if (e == 0 && agent != (int64_t)u->agent_id) {
			http_reply_error(req, 403, "forbidden", "only your own callbacks");
			return;
		}
		agent = (int64_t)u->agent_id;
	}
	struct api_op *op = api_op_new(a, req, callbacks_read);
	if (!op)
		return;
	op->n = limit;
	char *clients = api_clients_json(u);
	struct store_value p[] = {agent ? store_int(agent) : store_null(), store_text(clients),
				  store_int(after), store_int(limit + 1)};
	api_op_query(op, &q_callbacks, p, 4, req);
	sb_free(clients);
}

#define CB_ROW                                                                                     \
	"{\"type\":\"object\",\"properties\":{\"lead_id\":{\"type\":\"integer\"},\"campaign_id\":" \
	"{"                                                                                        \
	"\"type\":\"integer\"},\"campaign_name\":{\"type\":\"string\"},\"number\":{\"type\":"      \
	"\"string\"},\"first_name\":{\"type\":\"string\",\"nullable\":true},\"last_name\":{"       \
	"\"type\":\"string\",\"nullable\":true},\"zone\":{\"type\":\"string\"},\"due_at\":{"       \
	"\"type\":\"integer\",\"nullable\":true},\"agent_id\":{\"type\":\"integer\",\"nullable\":" \
	"true,\"description\":\"null: for anyone\"},\"attempts\":{\"type\":\"integer\"},"          \
	"\"status\":{\"type\":\"string\"}}}"

int api_campaign_view_routes(struct api *a)
{
	const struct http_route r[] = {
	    {HTTP_GET, API_PREFIX "/campaign-callbacks", R_AGENT | R_LEAD | R_MANAGE, on_callbacks,
	     NULL, 0,
	     "Scheduled campaign callbacks not dialled yet: agents and team leads get those booked "
	     "for themselves; supervisors and admins every one, or one agent's with ?agent_id=; "
	     "?after=&limit=",
	     "campaigns", NULL,
	     "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" CB_ROW
	     "},\"next\":{\"type\":\"string\",\"nullable\":true}}}",
	     NULL, 0, "403 409 422"},
	};
	return api_routes(a, r, sizeof(r) / sizeof(r[0]));
}
