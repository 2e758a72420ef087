/* router: the route table (method + path pattern with {params}) and its OpenAPI document. */
#ifndef SB_HTTP_ROUTER_H
#define SB_HTTP_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "http/http.h"

#define ROUTER_MAX_PARAMS 8
#define ROUTER_MAX_SEGS	  16

struct router;

struct router_param {
	const char *name; /* from the pattern; NUL-terminated */
	const char *val;  /* points into the matched path; val_len bytes */
	size_t val_len;
};

struct router_match {
	const struct http_route *route;
	unsigned n;
	struct router_param p[ROUTER_MAX_PARAMS];
	unsigned allow; /* methods the path accepts (for 405's Allow header) */
};

int router_alloc(struct router **rp);
void router_free(struct router *r);

/*
 * Adds a copy of the route (see struct http_route for the pattern syntax).
 * Returns 0, EINVAL (bad pattern or route) or EEXIST (same method and an
 * equivalent pattern already there).
 */
int router_add(struct router *r, const struct http_route *route);

/*
 * Finds the route for method + path. Returns 0 with *m filled, ENOENT when
 * no pattern matches the path, or EPERM when some do but not for this method
 * (m->allow says which methods would). When several patterns match, the one
 * with more literal segments wins.
 */
int router_match(const struct router *r, unsigned method, const char *path, struct router_match *m);

unsigned router_count(const struct router *r);
const struct http_route *router_at(const struct router *r, unsigned i);

/* The route's pattern as an OpenAPI path ("{id:int}" becomes "{id}"). */
int router_openapi_path(const char *pattern, char *out, size_t outlen);

/*
 * Builds the OpenAPI 3.0 document describing every route: paths, methods,
 * parameters, request and response schemas, the roles allowed (x-roles) and
 * the security schemes. role_name maps a role bit index to its name.
 * Returns 0, EINVAL (a schema that is not valid JSON) or ENOMEM.
 */
int router_openapi(const struct router *r, const char *title, const char *version,
		   const char *(*role_name)(unsigned bit), cJSON **out);

#endif
