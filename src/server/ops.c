/* ops: /healthz (registered checks), /metrics (Prometheus text), the OpenAPI route. */
#include "server/serve.h"
#include "http/http.h"
#include "http/metrics.h"
#include "base/clock.h"
#include "base/mem.h"

#include <errno.h>
#include <string.h>

struct check {
	char *name;
	ops_check_h *fn;
	void *arg;
};

struct ops {
	struct http_server *srv;
	struct metrics *m;
	struct check *checks;
	unsigned n;
	int64_t start_wall_ms, start_mono_ms;
};

static void on_healthz(struct http_req *req, void *arg)
{
	struct ops *o = arg;
	bool ok = true;
	cJSON *body = cJSON_CreateObject();
	cJSON *checks = cJSON_AddObjectToObject(body, "checks");
	for (unsigned i = 0; i < o->n; i++) {
		char detail[200] = "";
		bool c = o->checks[i].fn(o->checks[i].arg, detail, sizeof(detail));
		ok = ok && c;
		cJSON *one = cJSON_AddObjectToObject(checks, o->checks[i].name);
		cJSON_AddBoolToObject(one, "ok", c);
		if (detail[0])
			cJSON_AddStringToObject(one, "detail", detail);
	}
	cJSON_AddStringToObject(body, "status", ok ? "ok" : "failing");
	cJSON_AddNumberToObject(body, "uptime_s",
				(double)((clock_mono_ms() - o->start_mono_ms) / 1000));
	http_reply_json(req, ok ? 200 : 503, body);
}

static void on_metrics(struct http_req *req, void *arg)
{
	struct ops *o = arg;
	char *text;
	size_t len;
	if (metrics_render(o->m, &text, &len) != 0) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	http_reply_data(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	sb_free(text);
}

static void on_openapi(struct http_req *req, void *arg)
{
	struct ops *o = arg;
	const char *doc = http_server_openapi(o->srv);
	if (!doc) {
		http_reply_error(req, 500, "internal", "cannot build the OpenAPI document");
		return;
	}
	http_reply_data(req, 200, "application/json", doc, strlen(doc));
}

static void collect_start(struct metrics_out *out, void *arg)
{
	const struct ops *o = arg;
	metrics_sample(out, (double)o->start_wall_ms / 1000.0, NULL);
}

int ops_alloc(struct ops **op, struct http_server *srv, struct metrics *m)
{
	struct ops *o = sb_zalloc(sizeof(*o));
	if (!o)
		return ENOMEM;
	o->srv = srv;
	o->m = m;
	o->start_wall_ms = clock_wall_ms();
	o->start_mono_ms = clock_mono_ms();
	const struct http_route routes[] = {
	    {
		.method = HTTP_GET,
		.pattern = "/healthz",
		.h = on_healthz,
		.arg = o,
		.summary = "Liveness and health checks (503 when one fails)",
		.tag = "ops",
		.response_schema =
		    "{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\","
		    "\"enum\":[\"ok\",\"failing\"]},\"uptime_s\":{\"type\":\"integer\"},"
		    "\"checks\":{\"type\":\"object\"}}}",
		.errors = "503",
	    },
	    {
		.method = HTTP_GET,
		.pattern = "/metrics",
		.h = on_metrics,
		.arg = o,
		.summary = "Metrics in Prometheus text format",
		.tag = "ops",
		.response_type = "text/plain",
	    },
	    {
		.method = HTTP_GET,
		.pattern = "/api/v1/openapi.json",
		.h = on_openapi,
		.arg = o,
		.summary = "This API's OpenAPI 3 document, generated from the route table",
		.tag = "ops",
		.response_schema = "{\"type\":\"object\"}",
	    },
	};
	int err = 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]) && !err; i++)
		err = http_server_route(srv, &routes[i]);
	if (!err)
		err = metrics_register(m, "sb_process_start_time_seconds",
				       "Start time of the process since the epoch, in seconds",
				       METRICS_GAUGE, collect_start, o);
	if (err) {
		ops_free(o);
		return err;
	}
	*op = o;
	return 0;
}

int ops_add_check(struct ops *o, const char *name, ops_check_h *check, void *arg)
{
	if (!name || !*name || !check)
		return EINVAL;
	struct check *v = sb_realloc(o->checks, (o->n + 1) * sizeof(*v));
	if (!v)
		return ENOMEM;
	o->checks = v;
	v[o->n].name = sb_strdup(name);
	if (!v[o->n].name)
		return ENOMEM;
	v[o->n].fn = check;
	v[o->n].arg = arg;
	o->n++;
	return 0;
}

void ops_free(struct ops *o)
{
	if (!o)
		return;
	for (unsigned i = 0; i < o->n; i++)
		sb_free(o->checks[i].name);
	sb_free(o->checks);
	sb_free(o);
}
