/* http body helpers: typed reads of JSON members that answer 422 naming the field. */
#include "http/http.h"
#include "base/json.h"

#include <errno.h>
#include <stdint.h>

int http_json_only(struct http_req *req, const cJSON *obj, const char *const *allowed)
{
	const char *unknown = NULL;
	if (json_only_keys(obj, allowed, &unknown) == 0)
		return 0;
	http_reply_error(req, 422, "invalid_field", "unknown field \"%s\"",
			 unknown ? unknown : "?");
	return EINVAL;
}

static int missing(struct http_req *req, const char *key, bool required)
{
	if (!required)
		return ENOENT;
	http_reply_error(req, 422, "invalid_field", "field \"%s\" is required", key);
	return EINVAL;
}

int http_json_str(struct http_req *req, const cJSON *obj, const char *key, bool required,
		  size_t max_len, const char **out)
{
	int e = json_get_str(obj, key, max_len, out);
	if (e == ENOENT)
		return missing(req, key, required);
	if (e == 0 && **out == '\0') {
		http_reply_error(req, 422, "invalid_field", "field \"%s\" must not be empty", key);
		return EINVAL;
	}
	if (e) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
		if (cJSON_IsString(it))
			http_reply_error(req, 422, "invalid_field",
					 "field \"%s\" is longer than %zu bytes", key, max_len);
		else
			http_reply_error(req, 422, "invalid_field", "field \"%s\" must be a string",
					 key);
		return EINVAL;
	}
	return 0;
}

int http_json_i64(struct http_req *req, const cJSON *obj, const char *key, bool required,
		  int64_t min, int64_t max, int64_t *out)
{
	int e = json_get_i64(obj, key, min, max, out);
	if (e == ENOENT)
		return missing(req, key, required);
	if (e) {
		http_reply_error(req, 422, "invalid_field",
				 "field \"%s\" must be an integer from %lld to %lld", key,
				 (long long)min, (long long)max);
		return EINVAL;
	}
	return 0;
}

int http_json_bool(struct http_req *req, const cJSON *obj, const char *key, bool required,
		   bool *out)
{
	int e = json_get_bool(obj, key, out);
	if (e == ENOENT)
		return missing(req, key, required);
	if (e) {
		http_reply_error(req, 422, "invalid_field", "field \"%s\" must be true or false",
				 key);
		return EINVAL;
	}
	return 0;
}
