/* json: strict parsing of untrusted JSON through cJSON, and typed accessors that check what they read. */
#ifndef SB_BASE_JSON_H
#define SB_BASE_JSON_H

/*
 * cJSON 1.7.15 accepts inputs we must refuse: invalid UTF-8 is passed
 * through, a \u0000 escape silently truncates a string, duplicate keys are
 * kept, and valueint saturates at 2^31-1. json_parse() rejects the first
 * three before anyone sees the tree; the accessors read numbers from
 * valuedouble and refuse anything that is not exactly representable.
 */

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

struct json_err {
	size_t offset;	/* byte offset of the problem */
	unsigned line;	/* 1-based */
	unsigned col;	/* 1-based, in bytes */
	char msg[120];	/* what is wrong, e.g. "duplicate key \"name\"" */
};

/*
 * Parses `len` bytes of `text` (need not be NUL-terminated). On success *out
 * owns the tree (free with cJSON_Delete). Returns 0, EBADMSG (syntax, bad
 * UTF-8, \u0000, lone surrogate, duplicate key, too deep) with *err filled
 * in, or ENOMEM.
 */
int json_parse(const char *text, size_t len, cJSON **out, struct json_err *err);

/*
 * Typed access to a member of an object. Each returns 0, ENOENT when the key
 * is absent (or null, for the *_opt variants' callers to decide), or EINVAL
 * when the value has the wrong type or is out of range.
 */
int json_get_i64(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out);
int json_get_double(const cJSON *obj, const char *key, double min, double max, double *out);
int json_get_bool(const cJSON *obj, const char *key, bool *out);
/* The string stays owned by the tree. max_len counts bytes; 0 means no limit. */
int json_get_str(const cJSON *obj, const char *key, size_t max_len, const char **out);
/* Value of an item itself (array elements). */
int json_as_i64(const cJSON *item, int64_t min, int64_t max, int64_t *out);
int json_as_double(const cJSON *item, double min, double max, double *out);

/* Every key of obj must be in allowed (NULL-terminated); else EINVAL and *unknown names the first stray key. */
int json_only_keys(const cJSON *obj, const char *const *allowed, const char **unknown);

/* Adds an integer exactly (epoch milliseconds fit: |v| < 2^53). Returns the item or NULL. */
cJSON *json_add_i64(cJSON *obj, const char *key, int64_t v);
/* Adds s, or null when s is NULL. Returns the item or NULL. */
cJSON *json_add_str_or_null(cJSON *obj, const char *key, const char *s);

#endif
