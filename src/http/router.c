/* router: route table, path matching and OpenAPI generation (see router.h). */
#include "http/router.h"
#include "http/util.h"
#include "base/json.h"
#include "base/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seg {
	const char *lit; /* literal text (points into the pattern), or NULL for a parameter */
	size_t len;
	char *param; /* parameter name (owned) */
	bool is_int;
};

struct rroute {
	struct http_route r;
	unsigned nseg, nlit;
	struct seg segs[ROUTER_MAX_SEGS];
};

struct router {
	struct rroute **v;
	unsigned n, cap;
};

int router_alloc(struct router **rp)
{
	struct router *r = sb_zalloc(sizeof(*r));
	if (!r)
		return ENOMEM;
	*rp = r;
	return 0;
}

static void rroute_free(struct rroute *rr)
{
	for (unsigned i = 0; i < rr->nseg; i++)
		sb_free(rr->segs[i].param);
	sb_free(rr);
}

void router_free(struct router *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n; i++)
		rroute_free(r->v[i]);
	sb_free(r->v);
	sb_free(r);
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

static bool lit_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '{' || c == '}' || c == '?' || c == '#' ||
		    c == '%')
			return false;
	}
	return n > 0;
}

static int parse_pattern(const char *pat, struct rroute *rr)
{
	if (!pat || pat[0] != '/')
		return EINVAL;
	rr->nseg = rr->nlit = 0;
	if (strcmp(pat, "/") == 0)
		return 0;
	const char *p = pat + 1;
	for (;;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (rr->nseg == ROUTER_MAX_SEGS || len == 0)
			return EINVAL;
		struct seg *s = &rr->segs[rr->nseg];
		if (p[0] == '{') {
			if (p[len - 1] != '}')
				return EINVAL;
			const char *nm = p + 1;
			size_t nlen = len - 2;
			const char *colon = memchr(nm, ':', nlen);
			bool is_int = false;
			if (colon) {
				size_t tlen = nlen - (size_t)(colon - nm) - 1;
				if (tlen != 3 || memcmp(colon + 1, "int", 3) != 0)
					return EINVAL;
				is_int = true;
				nlen = (size_t)(colon - nm);
			}
			if (!name_ok(nm, nlen))
				return EINVAL;
			for (unsigned i = 0; i < rr->nseg; i++)
				if (rr->segs[i].param && strlen(rr->segs[i].param) == nlen &&
				    memcmp(rr->segs[i].param, nm, nlen) == 0)
					return EINVAL; /* the same name twice */
			s->param = sb_strndup(nm, nlen);
			if (!s->param)
				return ENOMEM;
			s->is_int = is_int;
			s->lit = NULL;
		} else {
			if (!lit_ok(p, len))
				return EINVAL;
			s->lit = p;
			s->len = len;
			rr->nlit++;
		}
		rr->nseg++;
		if (!e)
			break;
		p = e + 1;
	}
	unsigned np = rr->nseg - rr->nlit;
	return np > ROUTER_MAX_PARAMS ? EINVAL : 0;
}

static bool same_shape(const struct rroute *a, const struct rroute *b)
{
	if (a->nseg != b->nseg)
		return false;
	for (unsigned i = 0; i < a->nseg; i++) {
		const struct seg *x = &a->segs[i], *y = &b->segs[i];
		if (!x->lit != !y->lit)
			return false;
		if (x->lit && (x->len != y->len || memcmp(x->lit, y->lit, x->len) != 0))
			return false;
		if (!x->lit && x->is_int != y->is_int)
			return false;
	}
	return true;
}

static bool status_list_ok(const char *s)
{
	if (!s)
		return true;
	const char *p = s;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 100 || v > 599 || (*end && *end != ' '))
			return false;
		p = end;
	}
	return true;
}

static bool schema_ok(const char *text)
{
	if (!text)
		return true;
	cJSON *j;
	struct json_err err;
	if (json_parse(text, strlen(text), &j, &err) != 0)
		return false;
	bool ok = cJSON_IsObject(j);
	cJSON_Delete(j);
	return ok;
}

int router_add(struct router *r, const struct http_route *route)
{
	if (!route || !route->h || !route->summary || !*route->summary)
		return EINVAL;
	if (http_method_parse(http_method_name(route->method)) != route->method)
		return EINVAL;
	if (!status_list_ok(route->errors) || !schema_ok(route->request_schema) ||
	    !schema_ok(route->response_schema))
		return EINVAL;
	if (route->status && (route->status < 100 || route->status > 599))
		return EINVAL;
	struct rroute *rr = sb_zalloc(sizeof(*rr));
	if (!rr)
		return ENOMEM;
	rr->r = *route;
	int err = parse_pattern(route->pattern, rr);
	if (err)
		goto out;
	for (unsigned i = 0; i < r->n; i++) {
		if (r->v[i]->r.method == route->method && same_shape(r->v[i], rr)) {
			err = EEXIST;
			goto out;
		}
	}
	if (r->n == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 16;
		struct rroute **v = sb_realloc(r->v, cap * sizeof(*v));
		if (!v) {
			err = ENOMEM;
			goto out;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = rr;
	return 0;
out:
	rroute_free(rr);
	return err;
}

unsigned router_count(const struct router *r)
{
	return r->n;
}

const struct http_route *router_at(const struct router *r, unsigned i)
{
	return i < r->n ? &r->v[i]->r : NULL;
}

struct pseg {
	const char *p;
	size_t len;
};

static bool seg_match(const struct seg *s, const struct pseg *ps)
{
	if (s->lit)
		return s->len == ps->len && memcmp(s->lit, ps->p, ps->len) == 0;
	if (ps->len == 0)
		return false;
	if (s->is_int) {
		if (ps->len > 20)
			return false;
		for (size_t i = 0; i < ps->len; i++)
			if (ps->p[i] < '0' || ps->p[i] > '9')
				return false;
	}
	return true;
}

int router_match(const struct router *r, unsigned method, const char *path, struct router_match *m)
{
	memset(m, 0, sizeof(*m));
	if (!path || path[0] != '/')
		return ENOENT;
	struct pseg ps[ROUTER_MAX_SEGS];
	unsigned n = 0;
	if (path[1] != '\0') {
		const char *p = path + 1;
		for (;;) {
			if (n == ROUTER_MAX_SEGS)
				return ENOENT;
			const char *e = strchr(p, '/');
			ps[n].p = p;
			ps[n].len = e ? (size_t)(e - p) : strlen(p);
			n++;
			if (!e)
				break;
			p = e + 1;
		}
	}
	const struct rroute *best = NULL;
	for (unsigned i = 0; i < r->n; i++) {
		const struct rroute *rr = r->v[i];
		if (rr->nseg != n)
			continue;
		unsigned k = 0;
		while (k < n && seg_match(&rr->segs[k], &ps[k]))
			k++;
		if (k != n)
			continue;
		m->allow |= rr->r.method;
		if (rr->r.method == method && (!best || rr->nlit > best->nlit))
			best = rr;
	}
	if (!best)
		return m->allow ? EPERM : ENOENT;
	m->route = &best->r;
	for (unsigned k = 0; k < n; k++) {
		if (best->segs[k].lit)
			continue;
		struct router_param *p = &m->p[m->n++];
		p->name = best->segs[k].param;
		p->val = ps[k].p;
		p->val_len = ps[k].len;
	}
	return 0;
}

int router_openapi_path(const char *pattern, char *out, size_t outlen)
{
	size_t o = 0;
	for (const char *p = pattern; *p; p++) {
		if (*p == ':') {
			while (*p && *p != '}')
				p++;
			if (!*p)
				return EINVAL;
		}
		if (o + 1 >= outlen)
			return ENOSPC;
		out[o++] = *p;
	}
	if (o >= outlen)
		return ENOSPC;
	out[o] = '\0';
	return 0;
}

static cJSON *parse_schema(const char *text)
{
	cJSON *j = NULL;
	struct json_err err;
	if (json_parse(text, strlen(text), &j, &err) != 0)
		return NULL;
	return j;
}

static cJSON *json_content(const char *type, cJSON *schema)
{
	cJSON *content = cJSON_CreateObject();
	cJSON *media = cJSON_AddObjectToObject(content, type);
	if (!media) {
		cJSON_Delete(content);
		cJSON_Delete(schema);
		return NULL;
	}
	if (schema)
		cJSON_AddItemToObject(media, "schema", schema);
	return content;
}

static int add_response(cJSON *responses, int status, const char *desc, cJSON *content)
{
	char code[8];
	snprintf(code, sizeof(code), "%d", status);
	if (cJSON_GetObjectItemCaseSensitive(responses, code)) {
		cJSON_Delete(content);
		return 0;
	}
	cJSON *resp = cJSON_AddObjectToObject(responses, code);
	if (!resp || !cJSON_AddStringToObject(resp, "description", desc)) {
		cJSON_Delete(content);
		return ENOMEM;
	}
	if (content)
		cJSON_AddItemToObject(resp, "content", content);
	return 0;
}

static int add_error_response(cJSON *responses, int status)
{
	cJSON *schema = cJSON_CreateObject();
	cJSON_AddStringToObject(schema, "$ref", "#/components/schemas/Error");
	cJSON *content = json_content("application/json", schema);
	if (!content)
		return ENOMEM;
	return add_response(responses, status, http_status_text(status), content);
}

static int build_operation(const struct rroute *rr, const char *(*role_name)(unsigned), cJSON *op)
{
	const struct http_route *r = &rr->r;
	int err = ENOMEM;
	cJSON_AddStringToObject(op, "summary", r->summary);
	if (r->tag) {
		cJSON *tags = cJSON_AddArrayToObject(op, "tags");
		cJSON_AddItemToArray(tags, cJSON_CreateString(r->tag));
	}
	char opid[160];
	size_t o = 0;
	const char *mn = http_method_name(r->method);
	for (const char *p = mn; *p && o + 1 < sizeof(opid); p++)
		opid[o++] = (char)(*p + ('a' - 'A'));
	for (const char *p = r->pattern; *p && o + 1 < sizeof(opid); p++) {
		char c = *p;
		if (c == ':') {
			while (*p && *p != '}')
				p++;
			if (!*p)
				break;
			continue;
		}
		opid[o++] = (c == '/' || c == '{' || c == '}') ? '_' : c;
	}
	opid[o] = '\0';
	cJSON_AddStringToObject(op, "operationId", opid);

	cJSON *roles = cJSON_AddArrayToObject(op, "x-roles");
	for (unsigned b = 0; b < 32; b++)
		if (r->roles & (1u << b))
			cJSON_AddItemToArray(roles,
					     cJSON_CreateString(role_name ? role_name(b) : "?"));
	cJSON *sec = cJSON_AddArrayToObject(op, "security");
	if (r->roles) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddArrayToObject(c, "cookieAuth");
		cJSON_AddItemToArray(sec, c);
		cJSON *b = cJSON_CreateObject();
		cJSON_AddArrayToObject(b, "bearerAuth");
		cJSON_AddItemToArray(sec, b);
	}

	if (rr->nseg > rr->nlit) {
		cJSON *params = cJSON_AddArrayToObject(op, "parameters");
		for (unsigned i = 0; i < rr->nseg; i++) {
			const struct seg *s = &rr->segs[i];
			if (s->lit)
				continue;
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "name", s->param);
			cJSON_AddStringToObject(p, "in", "path");
			cJSON_AddBoolToObject(p, "required", 1);
			cJSON *sch = cJSON_AddObjectToObject(p, "schema");
			if (s->is_int) {
				cJSON_AddStringToObject(sch, "type", "integer");
				cJSON_AddStringToObject(sch, "format", "int64");
				cJSON_AddNumberToObject(sch, "minimum", 1);
			} else {
				cJSON_AddStringToObject(sch, "type", "string");
			}
			cJSON_AddItemToArray(params, p);
		}
	}

	if (r->request_schema) {
		cJSON *schema = parse_schema(r->request_schema);
		if (!schema)
			return EINVAL;
		cJSON *body = cJSON_AddObjectToObject(op, "requestBody");
		cJSON_AddBoolToObject(body, "required", !(r->flags & HTTP_ROUTE_BODY_OPTIONAL));
		cJSON *content = json_content("application/json", schema);
		if (!content)
			return ENOMEM;
		cJSON_AddItemToObject(body, "content", content);
	}

	cJSON *responses = cJSON_AddObjectToObject(op, "responses");
	if (!responses)
		return ENOMEM;
	int status = r->status ? r->status : 200;
	cJSON *content = NULL;
	if (r->response_schema || r->response_type) {
		cJSON *schema = NULL;
		if (r->response_schema) {
			schema = parse_schema(r->response_schema);
			if (!schema)
				return EINVAL;
		}
		content =
		    json_content(r->response_type ? r->response_type : "application/json", schema);
		if (!content)
			return ENOMEM;
	}
	if ((err = add_response(responses, status, http_status_text(status), content)))
		return err;
	if (r->request_schema) {
		static const int body_errors[] = {400, 413, 415, 422};
		for (size_t i = 0; i < sizeof(body_errors) / sizeof(body_errors[0]); i++)
			if ((err = add_error_response(responses, body_errors[i])))
				return err;
	}
	if (r->roles) {
		if ((err = add_error_response(responses, 401)) ||
		    (err = add_error_response(responses, 403)))
			return err;
	}
	if (r->errors) {
		const char *p = r->errors;
		while (*p) {
			char *end;
			long v = strtol(p, &end, 10);
			if (end == p)
				break;
			if ((err = add_error_response(responses, (int)v)))
				return err;
			p = end;
			while (*p == ' ')
				p++;
		}
	}
	return 0;
}

static cJSON *error_schema(void)
{
	static const char text[] =
	    "{\"type\":\"object\",\"required\":[\"error\"],\"properties\":{\"error\":"
	    "{\"type\":\"object\",\"required\":[\"code\",\"message\"],\"properties\":"
	    "{\"code\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}}";
	return parse_schema(text);
}

int router_openapi(const struct router *r, const char *title, const char *version,
		   const char *(*role_name)(unsigned bit), cJSON **out)
{
	cJSON *doc = cJSON_CreateObject();
	if (!doc)
		return ENOMEM;
	int err = ENOMEM;
	cJSON_AddStringToObject(doc, "openapi", "3.0.3");
	cJSON *info = cJSON_AddObjectToObject(doc, "info");
	cJSON_AddStringToObject(info, "title", title ? title : "API");
	cJSON_AddStringToObject(info, "version", version ? version : "0");
	cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
	cJSON *comp = cJSON_AddObjectToObject(doc, "components");
	cJSON *schemes = cJSON_AddObjectToObject(comp, "securitySchemes");
	cJSON *ck = cJSON_AddObjectToObject(schemes, "cookieAuth");
	cJSON_AddStringToObject(ck, "type", "apiKey");
	cJSON_AddStringToObject(ck, "in", "cookie");
	cJSON_AddStringToObject(ck, "name", "sb_session");
	cJSON *br = cJSON_AddObjectToObject(schemes, "bearerAuth");
	cJSON_AddStringToObject(br, "type", "http");
	cJSON_AddStringToObject(br, "scheme", "bearer");
	cJSON *schemas = cJSON_AddObjectToObject(comp, "schemas");
	cJSON *es = error_schema();
	if (!paths || !schemas || !es) {
		cJSON_Delete(es);
		goto out;
	}
	cJSON_AddItemToObject(schemas, "Error", es);
	for (unsigned i = 0; i < r->n; i++) {
		const struct rroute *rr = r->v[i];
		char key[512];
		if ((err = router_openapi_path(rr->r.pattern, key, sizeof(key))))
			goto out;
		cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, key);
		if (!item)
			item = cJSON_AddObjectToObject(paths, key);
		char mlow[8];
		const char *mn = http_method_name(rr->r.method);
		size_t k = 0;
		for (; mn[k] && k + 1 < sizeof(mlow); k++)
			mlow[k] = (char)(mn[k] + ('a' - 'A'));
		mlow[k] = '\0';
		cJSON *op = cJSON_AddObjectToObject(item, mlow);
		if (!op) {
			err = ENOMEM;
			goto out;
		}
		if ((err = build_operation(rr, role_name, op)))
			goto out;
	}
	*out = doc;
	return 0;
out:
	cJSON_Delete(doc);
	return err;
}
