/* evlog: the daemon's own events (logins, logouts, unlocks) into the center's event log. */
#include "server/serve.h"
#include "server/center.h"
#include "http/users.h"
#include "base/json.h"
#include "base/mem.h"

#include <stdio.h>
#include <string.h>

void evlog_audit(void *arg, const char *action, uint64_t actor_id, uint64_t subject_id,
		 cJSON *detail)
{
	struct center *c = arg;
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
	char *text = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	if (!text)
		return;
	/* the user it is about, and admins, see it live */
	struct center_scope sc = {.user_id = subject_id, .roles = ROLE_BIT(ROLE_ADMIN)};
	if (!center_log(c, "audit", text, actor_id, &sc))
		fprintf(stderr, "switchboard: audit event '%s' lost\n", action);
	cJSON_free(text);
}
