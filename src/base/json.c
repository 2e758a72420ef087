/* json: strict cJSON parsing and checked accessors (see json.h). */
#include "base/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define EXACT_INT_MAX 9007199254740991.0 /* 2^53 - 1: beyond it a literal may already have been rounded */

static void locate(const char *text, size_t off, struct json_err *err)
{
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	err->offset = off;
	err->line = line;
	err->col = col;
}

static int fail_at(const char *text, size_t off, struct json_err *err, const char *msg)
{
	if (err) {
		locate(text, off, err);
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return EBADMSG;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0; /* overlong or beyond Unicode */
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0; /* surrogates are not characters */
	return len;
}

/*
 * Checks what cJSON lets through: invalid UTF-8 anywhere, control bytes
 * and \u0000 or lone-surrogate escapes inside strings, and nesting depth.
 */
static int prescan(const char *text, size_t len, struct json_err *err)
{
	const unsigned char *s = (const unsigned char *)text;
	bool in_str = false;
	unsigned depth = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c == 0)
			return fail_at(text, i, err, "NUL byte in the document");
		if (c >= 0x80) {
			size_t l = utf8_len(s + i, len - i);
			if (!l)
				return fail_at(text, i, err, "invalid UTF-8");
			i += l;
			continue;
		}
		if (!in_str) {
			if (c == '"')
				in_str = true;
			else if (c == '{' || c == '[') {
				if (++depth > JSON_MAX_DEPTH)
					return fail_at(text, i, err, "nested too deeply");
			} else if (c == '}' || c == ']') {
				if (depth)
					depth--;
			}
			i++;
			continue;
		}
		if (c == '"') {
			in_str = false;
			i++;
			continue;
		}
		if (c < 0x20)
			return fail_at(text, i, err, "control character in a string");
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break; /* cJSON reports the truncation */
		if (s[i + 1] != 'u') {
			i += 2;
			continue;
		}
		if (i + 6 > len)
			return fail_at(text, i, err, "truncated \\u escape");
		int v = 0;
		for (int k = 2; k < 6; k++) {
			int h = hexval((char)s[i + (size_t)k]);
			if (h < 0)
				return fail_at(text, i, err, "bad \\u escape");
			v = v * 16 + h;
		}
		if (v == 0)
			return fail_at(text, i, err, "\\u0000 is not allowed in strings");
		if (v >= 0xdc00 && v <= 0xdfff)
			return fail_at(text, i, err, "lone low surrogate escape");
		if (v >= 0xd800 && v <= 0xdbff) {
			/* must be followed by a low surrogate escape */
			int lo = -1;
			if (i + 12 <= len && s[i + 6] == '\\' && s[i + 7] == 'u') {
				lo = 0;
				for (int k = 8; k < 12; k++) {
					int h = hexval((char)s[i + (size_t)k]);
					if (h < 0) {
						lo = -1;
						break;
					}
					lo = lo * 16 + h;
				}
			}
			if (lo < 0xdc00 || lo > 0xdfff)
				return fail_at(text, i, err, "lone high surrogate escape");
			i += 12;
			continue;
		}
		i += 6;
	}
	return 0;
}

static int check_dups(const cJSON *item, const char *text, struct json_err *err)
{
	for (const cJSON *c = item ? item->child : NULL; c; c = c->next) {
		if (cJSON_IsObject(item)) {
			for (const cJSON *d = c->next; d; d = d->next)
				if (c->string && d->string && strcmp(c->string, d->string) == 0) {
					if (err) {
						err->offset = 0;
						err->line = 0;
						err->col = 0;
						snprintf(err->msg, sizeof(err->msg), "duplicate key \"%.80s\"",
							 c->string);
					}
					(void)text;
					return EBADMSG;
				}
		}
		int e = check_dups(c, text, err);
		if (e)
			return e;
	}
	return 0;
}

int json_parse(const char *text, size_t len, cJSON **out, struct json_err *err)
{
	if (!text || !out)
		return EINVAL;
	*out = NULL;
	if (err)
		memset(err, 0, sizeof(*err));
	int e = prescan(text, len, err);
	if (e)
		return e;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!root) {
		size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
		return fail_at(text, off, err, "syntax error");
	}
	/* nothing but whitespace may follow the value */
	for (size_t i = (size_t)(end - text); i < len; i++) {
		char c = text[i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\0') {
			cJSON_Delete(root);
			return fail_at(text, i, err, "unexpected data after the value");
		}
	}
	e = check_dups(root, text, err);
	if (e) {
		cJSON_Delete(root);
		return e;
	}
	*out = root;
	return 0;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
	if (!cJSON_IsObject(obj) || !key)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

int json_as_i64(const cJSON *item, int64_t min, int64_t max, int64_t *out)
{
	if (!item || cJSON_IsNull(item))
		return ENOENT;
	if (!cJSON_IsNumber(item))
		return EINVAL;
	double v = item->valuedouble;
	if (!isfinite(v) || v != floor(v) || fabs(v) > EXACT_INT_MAX)
		return EINVAL;
	if (v < (double)min || v > (double)max)
		return EINVAL;
	*out = (int64_t)v;
	return 0;
}

int json_as_double(const cJSON *item, double min, double max, double *out)
{
	if (!item || cJSON_IsNull(item))
		return ENOENT;
	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
		return EINVAL;
	if (item->valuedouble < min || item->valuedouble > max)
		return EINVAL;
	*out = item->valuedouble;
	return 0;
}

int json_get_i64(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out)
{
	return json_as_i64(member(obj, key), min, max, out);
}

int json_get_double(const cJSON *obj, const char *key, double min, double max, double *out)
{
	return json_as_double(member(obj, key), min, max, out);
}

int json_get_bool(const cJSON *obj, const char *key, bool *out)
{
	const cJSON *it = member(obj, key);
	if (!it || cJSON_IsNull(it))
		return ENOENT;
	if (!cJSON_IsBool(it))
		return EINVAL;
	*out = cJSON_IsTrue(it);
	return 0;
}

int json_get_str(const cJSON *obj, const char *key, size_t max_len, const char **out)
{
	const cJSON *it = member(obj, key);
	if (!it || cJSON_IsNull(it))
		return ENOENT;
	if (!cJSON_IsString(it) || !it->valuestring)
		return EINVAL;
	if (max_len && strlen(it->valuestring) > max_len)
		return EINVAL;
	*out = it->valuestring;
	return 0;
}

int json_only_keys(const cJSON *obj, const char *const *allowed, const char **unknown)
{
	if (!cJSON_IsObject(obj))
		return EINVAL;
	for (const cJSON *c = obj->child; c; c = c->next) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, c->string) == 0;
		if (!ok) {
			if (unknown)
				*unknown = c->string;
			return EINVAL;
		}
	}
	return 0;
}

cJSON *json_add_i64(cJSON *obj, const char *key, int64_t v)
{
	return cJSON_AddNumberToObject(obj, key, (double)v);
}

cJSON *json_add_str_or_null(cJSON *obj, const char *key, const char *s)
{
	return s ? cJSON_AddStringToObject(obj, key, s) : cJSON_AddNullToObject(obj, key);
}
