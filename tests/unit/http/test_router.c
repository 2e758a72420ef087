/* Tests for http/router: patterns, parameters, 404 versus 405, specificity, OpenAPI. */
#include "testutil.h"

#include "http/router.h"
#include "http/users.h"
#include "base/json.h"

#include <string.h>

static void h_dummy(struct http_req *req, void *arg)
{
	(void)req;
	(void)arg;
}

static struct http_route route(unsigned m, const char *pat)
{
	struct http_route r = {.method = m, .pattern = pat, .h = h_dummy, .summary = "s"};
	return r;
}

static void test_match_params(void **state)
{
	(void)state;
	struct router *r;
	assert_int_equal(router_alloc(&r), 0);
	struct http_route a = route(HTTP_GET, "/api/v1/users/{id:int}");
	struct http_route b = route(HTTP_POST, "/api/v1/users/{id:int}/unlock");
	struct http_route c = route(HTTP_GET, "/api/v1/queues/{name}/calls/{call}");
	struct http_route d = route(HTTP_GET, "/");
	assert_int_equal(router_add(r, &a), 0);
	assert_int_equal(router_add(r, &b), 0);
	assert_int_equal(router_add(r, &c), 0);
	assert_int_equal(router_add(r, &d), 0);
	struct router_match m;
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/users/42", &m), 0);
	assert_ptr_equal(m.route->pattern, a.pattern);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.p[0].name, "id");
	assert_int_equal(m.p[0].val_len, 2);
	assert_memory_equal(m.p[0].val, "42", 2);
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/queues/sales/calls/c-7", &m), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.p[1].name, "call");
	assert_memory_equal(m.p[1].val, "c-7", 3);
	assert_int_equal(router_match(r, HTTP_GET, "/", &m), 0);
	assert_ptr_equal(m.route->pattern, d.pattern);
	/* {id:int} takes digits only; empty segments and trailing slashes match nothing */
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/users/4x", &m), ENOENT);
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/users/", &m), ENOENT);
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/users/42/", &m), ENOENT);
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/queues//calls/x", &m), ENOENT);
	assert_int_equal(router_match(r, HTTP_GET, "api/v1/users/42", &m), ENOENT);
	assert_int_equal(router_match(r, HTTP_GET, "", &m), ENOENT);
	router_free(r);
}

static void test_not_found_vs_method(void **state)
{
	(void)state;
	struct router *r;
	assert_int_equal(router_alloc(&r), 0);
	struct http_route a = route(HTTP_GET, "/api/v1/me");
	struct http_route b = route(HTTP_DELETE, "/api/v1/me");
	assert_int_equal(router_add(r, &a), 0);
	assert_int_equal(router_add(r, &b), 0);
	struct router_match m;
	assert_int_equal(router_match(r, HTTP_POST, "/api/v1/me", &m), EPERM);
	assert_int_equal(m.allow, HTTP_GET | HTTP_DELETE);
	assert_null(m.route);
	assert_int_equal(router_match(r, 0, "/api/v1/me", &m), EPERM); /* unknown method */
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/mex", &m), ENOENT);
	assert_int_equal(m.allow, 0);
	assert_int_equal(router_match(r, HTTP_DELETE, "/api/v1/me", &m), 0);
	assert_ptr_equal(m.route->h, h_dummy);
	router_free(r);
}

static void test_specificity_and_duplicates(void **state)
{
	(void)state;
	struct router *r;
	assert_int_equal(router_alloc(&r), 0);
	struct http_route p = route(HTTP_GET, "/api/v1/users/{name}");
	struct http_route l = route(HTTP_GET, "/api/v1/users/me");
	assert_int_equal(router_add(r, &p), 0);
	assert_int_equal(router_add(r, &l), 0);
	struct router_match m;
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/users/me", &m), 0);
	assert_ptr_equal(m.route->pattern, l.pattern); /* the literal wins */
	assert_int_equal(m.n, 0);
	assert_int_equal(router_match(r, HTTP_GET, "/api/v1/users/bob", &m), 0);
	assert_ptr_equal(m.route->pattern, p.pattern);
	/* same method and shape: refused, whatever the parameter is called */
	struct http_route dup = route(HTTP_GET, "/api/v1/users/{other}");
	assert_int_equal(router_add(r, &dup), EEXIST);
	struct http_route post = route(HTTP_POST, "/api/v1/users/{other}");
	assert_int_equal(router_add(r, &post), 0);
	assert_int_equal(router_count(r), 3);
	router_free(r);
}

static void test_bad_routes(void **state)
{
	(void)state;
	struct router *r;
	assert_int_equal(router_alloc(&r), 0);
	static const char *const bad[] = {
	    "",		  "api",   "/a//b", "/a/",  "/{}", "/{Id}", "/{id:float}",
	    "/{id}/{id}", "/a/{x", "/a b",  "/a?b", NULL,
	};
	for (int i = 0; bad[i]; i++) {
		struct http_route x = route(HTTP_GET, bad[i]);
		assert_int_equal(router_add(r, &x), EINVAL);
	}
	struct http_route x = route(HTTP_GET, "/ok");
	x.summary = NULL;
	assert_int_equal(router_add(r, &x), EINVAL);
	x = route(HTTP_GET | HTTP_POST, "/ok");
	assert_int_equal(router_add(r, &x), EINVAL);
	x = route(HTTP_GET, "/ok");
	x.request_schema = "{\"type\":";
	assert_int_equal(router_add(r, &x), EINVAL);
	x = route(HTTP_GET, "/ok");
	x.errors = "404 abc";
	assert_int_equal(router_add(r, &x), EINVAL);
	x = route(HTTP_GET, "/ok");
	x.errors = "404 700";
	assert_int_equal(router_add(r, &x), EINVAL);
	assert_int_equal(router_count(r), 0);
	router_free(r);
}

static const char *name_of(unsigned bit)
{
	return role_name(bit);
}

static void test_openapi(void **state)
{
	(void)state;
	struct router *r;
	assert_int_equal(router_alloc(&r), 0);
	struct http_route a = route(HTTP_POST, "/api/v1/users/{id:int}/unlock");
	a.roles = ROLE_BIT(ROLE_ADMIN);
	a.request_schema = "{\"type\":\"object\"}";
	a.response_schema = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}";
	a.errors = "404";
	struct http_route b = route(HTTP_GET, "/api/v1/users/{id:int}/unlock");
	b.summary = "state";
	struct http_route c = route(HTTP_GET, "/healthz");
	c.status = 204;
	assert_int_equal(router_add(r, &a), 0);
	assert_int_equal(router_add(r, &b), 0);
	assert_int_equal(router_add(r, &c), 0);
	cJSON *doc;
	assert_int_equal(router_openapi(r, "t", "1", name_of, &doc), 0);
	assert_string_equal(cJSON_GetObjectItem(doc, "openapi")->valuestring, "3.0.3");
	cJSON *paths = cJSON_GetObjectItem(doc, "paths");
	assert_int_equal(cJSON_GetArraySize(paths), 2);
	cJSON *p = cJSON_GetObjectItem(paths, "/api/v1/users/{id}/unlock");
	assert_non_null(p);
	assert_int_equal(cJSON_GetArraySize(p), 2);
	cJSON *post = cJSON_GetObjectItem(p, "post");
	assert_non_null(post);
	cJSON *roles = cJSON_GetObjectItem(post, "x-roles");
	assert_int_equal(cJSON_GetArraySize(roles), 1);
	assert_string_equal(cJSON_GetArrayItem(roles, 0)->valuestring, "admin");
	cJSON *param = cJSON_GetArrayItem(cJSON_GetObjectItem(post, "parameters"), 0);
	assert_string_equal(cJSON_GetObjectItem(param, "name")->valuestring, "id");
	assert_string_equal(cJSON_GetObjectItem(param, "in")->valuestring, "path");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(param, "schema"), "type")->valuestring,
	    "integer");
	cJSON *resp = cJSON_GetObjectItem(post, "responses");
	static const char *const codes[] = {"200", "400", "401", "403", "404", "413", "415", "422"};
	assert_int_equal(cJSON_GetArraySize(resp), 8);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_non_null(cJSON_GetObjectItem(resp, codes[i]));
	assert_non_null(cJSON_GetObjectItem(post, "requestBody"));
	cJSON *get = cJSON_GetObjectItem(p, "get");
	assert_null(cJSON_GetObjectItem(get, "requestBody"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(get, "security")), 0);
	cJSON *hz = cJSON_GetObjectItem(cJSON_GetObjectItem(paths, "/healthz"), "get");
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(hz, "responses"), "204"));
	/* the document is strict JSON */
	char *text = cJSON_PrintUnformatted(doc);
	cJSON *back;
	struct json_err e;
	assert_int_equal(json_parse(text, strlen(text), &back, &e), 0);
	cJSON_Delete(back);
	cJSON_free(text);
	cJSON_Delete(doc);
	char out[64];
	assert_int_equal(router_openapi_path("/a/{id:int}/b/{x}", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/{id}/b/{x}");
	assert_int_equal(router_openapi_path("/abcdef", out, 4), ENOSPC);
	router_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_match_params),
	    TEST(test_not_found_vs_method),
	    TEST(test_specificity_and_duplicates),
	    TEST(test_bad_routes),
	    TEST(test_openapi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
