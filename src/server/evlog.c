/* evlog: the event log's front on the loop: numbers events and publishes them to the live hub. */
#include "server/serve.h"
#include "http/sse.h"
#include "http/users.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * Events are kept in the hub's ring only, for now: the storage layer will
 * append each event to the database before it is published (so that ids
 * stay the log's sequence numbers across restarts).
 */
struct evlog {
	struct sse_hub *hub;
	uint64_t seq;
};

int evlog_alloc(struct evlog **ep, struct sse_hub *hub)
{
	struct evlog *e = sb_zalloc(sizeof(*e));
	if (!e)
		return ENOMEM;
	e->hub = hub;
	e->seq = sse_hub_last_seq(hub);
	*ep = e;
	return 0;
}

void evlog_free(struct evlog *e)
{
	sb_free(e);
}

int evlog_append(struct evlog *e, const char *type, cJSON *data, uint64_t user_id, uint32_t roles)
{
	if (!data)
		return EINVAL;
	char *text = cJSON_PrintUnformatted(data);
	cJSON_Delete(data);
	if (!text)
		return ENOMEM;
	struct sse_event ev = {
	    .seq = e->seq + 1,
	    .ts_ms = clock_wall_ms(),
	    .type = type,
	    .data = text,
	    .user_id = user_id,
	    .roles = roles,
	};
	int err = sse_hub_publish(e->hub, &ev);
	cJSON_free(text);
	if (!err)
		e->seq++;
	return err;
}

void evlog_audit(void *arg, const char *action, uint64_t actor_id, uint64_t subject_id,
		 cJSON *detail)
{
	struct evlog *e = arg;
	cJSON *d = detail ? detail : cJSON_CreateObject();
	if (!d)
		return;
	cJSON_AddStringToObject(d, "action", action);
	if (actor_id)
		json_add_i64(d, "actor", (int64_t)actor_id);
	else
		cJSON_AddNullToObject(d, "actor");
	if (subject_id)
		json_add_i64(d, "user", (int64_t)subject_id);
	int err = evlog_append(e, "audit", d, subject_id, ROLE_BIT(ROLE_ADMIN));
	if (err)
		fprintf(stderr, "switchboard: audit event '%s' lost: %s\n", action, strerror(err));
}
