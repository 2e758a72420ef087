/* ivr_json: menu and business-hours definitions from JSON into the IVR's plain structs, with
 * precise errors. */
#include "core/ivr/ivr_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/mem.h"
#include "base/phone.h"

#define TIMEOUT_MAX_MS 600000  /* 10 minutes waiting for one digit */
#define RECORD_MAX_MS  3600000 /* an hour of message */
#define RETRIES_MAX    10
#define QUEUE_MAX      UINT32_MAX

struct perr {
	char *buf;
	size_t len;
};

static int bad(struct perr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct perr *e, const char *fmt, ...)
{
	if (e->buf && e->len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return EBADMSG;
}

/* Prompt names become file names: letters, digits, '_', '-', '.', '/' between parts; no "..", no
 * leading '/'. */
static bool prompt_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IVR_PROMPT_MAX || s[0] == '/' || s[n - 1] == '/' || strstr(s, "..") ||
	    strstr(s, "//"))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '/'))
			return false;
	}
	return true;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IVR_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A language tag: 2-3 lowercase letters, optionally "-" and 2 letters or digits ("en", "es",
 * "pt-BR"). */
static bool lang_ok(const char *s)
{
	size_t n = strlen(s), i = 0;
	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return false;
	if (i == n)
		return true;
	if (s[i] != '-' || n - i - 1 < 2 || n - i - 1 > 3 || n >= IVR_LANG_MAX)
		return false;
	for (i++; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int copy_prompt(struct perr *e, const char *where, const cJSON *obj, const char *key,
		       char *out)
{
	const char *s;
	int r = json_get_str(obj, key, 0, &s);
	if (r == ENOENT) {
		out[0] = '\0';
		return 0;
	}
	if (r)
		return bad(e, "%s: field \"%s\": must be a string", where, key);
	if (!prompt_ok(s))
		return bad(e,
			   "%s: field \"%s\": bad prompt name \"%.64s\" (letters, digits, _ - . / "
			   "; at most %d bytes)",
			   where, key, s, IVR_PROMPT_MAX - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* ---------- menus ---------- */

static int lang_index(const struct ivr_menu *m, const char *s)
{
	for (unsigned i = 0; i < m->n_langs; i++)
		if (strcmp(m->langs[i], s) == 0)
			return (int)i;
	return -1;
}

static int parse_dest(struct perr *e, const struct ivr_menu *m, const char *where, const cJSON *o,
		      struct ivr_dest *d, bool allow_repeat)
{
	static const char *const allowed[] = {
	    "node",  "queue",	 "transfer",	   "hangup",	   "callback", "repeat",
	    "agent", "language", "fallback_queue", "ring_seconds", NULL};
	const char *stray;
	memset(d, 0, sizeof(*d));
	d->lang = -1;
	if (!cJSON_IsObject(o))
		return bad(e,
			   "%s: must be an object such as {\"queue\": 7} or {\"node\": \"main\"}",
			   where);
	if (json_only_keys(o, allowed, &stray))
		return bad(e, "%s: unknown field \"%s\"", where, stray);
	unsigned kinds = 0;
	const char *s;
	int64_t v;
	bool b;
	int r;
	if ((r = json_get_str(o, "node", 0, &s)) != ENOENT) {
		kinds++;
		int idx = r ? -1 : ivr_menu_find(m, s);
		if (r)
			return bad(e, "%s: field \"node\": must be a node name", where);
		if (idx < 0)
			return bad(e, "%s: field \"node\": no node named \"%.48s\"", where, s);
		d->kind = IVR_DEST_NODE;
		d->node = (uint16_t)idx;
	}
	if ((r = json_get_i64(o, "queue", 1, QUEUE_MAX, &v)) != ENOENT) {
		kinds++;
		if (r)
			return bad(e, "%s: field \"queue\": must be a queue id 1..%u", where,
				   (unsigned)QUEUE_MAX);
		d->kind = IVR_DEST_QUEUE;
		d->queue = (uint32_t)v;
	}
	if ((r = json_get_i64(o, "callback", 1, QUEUE_MAX, &v)) != ENOENT) {
		kinds++;
		if (r)
			return bad(e, "%s: field \"callback\": must be a queue id 1..%u", where,
				   (unsigned)QUEUE_MAX);
		d->kind = IVR_DEST_CALLBACK;
		d->queue = (uint32_t)v;
	}
	if ((r = json_get_str(o, "transfer", 0, &s)) != ENOENT) {
		kinds++;
		if (r || !phone_is_e164(s))
			return bad(e,
				   "%s: field \"transfer\": must be an E.164 number such as "
				   "\"+4930123456\"",
				   where);
		d->kind = IVR_DEST_TRANSFER;
		memcpy(d->number, s, strlen(s) + 1);
	}
	if ((r = json_get_str(o, "agent", 0, &s)) != ENOENT) {
		kinds++;
		if (r || !s[0] || strlen(s) >= sizeof(d->number) ||
		    strspn(s, "0123456789") != strlen(s))
			return bad(
			    e, "%s: field \"agent\": must be an agent's extension such as \"1002\"",
			    where);
		d->kind = IVR_DEST_AGENT;
		memcpy(d->number, s, strlen(s) + 1);
	}
	if ((r = json_get_bool(o, "hangup", &b)) != ENOENT) {
		kinds++;
		if (r || !b)
			return bad(e, "%s: field \"hangup\": must be true", where);
		d->kind = IVR_DEST_HANGUP;
	}
	if ((r = json_get_bool(o, "repeat", &b)) != ENOENT) {
		kinds++;
		if (r || !b)
			return bad(e, "%s: field \"repeat\": must be true", where);
		if (!allow_repeat)
			return bad(e, "%s: field \"repeat\": only a menu choice may repeat", where);
		d->kind = IVR_DEST_REPEAT;
	}
	if (kinds != 1)
		return bad(
		    e,
		    "%s: needs exactly one of node, queue, transfer, agent, hangup, callback, "
		    "repeat (has %u)",
		    where, kinds);
	if ((r = json_get_i64(o, "fallback_queue", 1, QUEUE_MAX, &v)) != ENOENT) {
		/* an agent who does not answer, is busy or not ready: this queue instead */
		if (r || d->kind != IVR_DEST_AGENT)
			return bad(e,
				   "%s: field \"fallback_queue\": must be a queue id 1..%u, with "
				   "\"agent\"",
				   where, (unsigned)QUEUE_MAX);
		d->queue = (uint32_t)v;
	}
	if ((r = json_get_i64(o, "ring_seconds", IVR_RING_MIN_S, IVR_RING_MAX_S, &v)) != ENOENT) {
		/* how long the agent's phone rings before the fallback (default 20 s) */
		if (r || d->kind != IVR_DEST_AGENT)
			return bad(e,
				   "%s: field \"ring_seconds\": must be a whole number of seconds "
				   "%d..%d, with \"agent\"",
				   where, IVR_RING_MIN_S, IVR_RING_MAX_S);
		d->ring_s = (uint16_t)v;
	}
	if ((r = json_get_str(o, "language", 0, &s)) != ENOENT) {
		int li = r ? -1 : lang_index(m, s);
		if (r)
			return bad(e, "%s: field \"language\": must be a string", where);
		if (li < 0)
			return bad(e, "%s: field \"language\": \"%.16s\" is not in \"languages\"",
				   where, s);
		d->lang = (int8_t)li;
	}
	return 0;
}

static int parse_node(struct perr *e, struct ivr_menu *m, struct ivr_node *n, const cJSON *o)
{
	static const char *const k_menu[] = {"type",	       "prompts", "timeout_ms",
					     "retries",	       "choices", "invalid_prompt",
					     "timeout_prompt", "on_fail", NULL};
	static const char *const k_play[] = {"type", "prompts", "next", NULL};
	static const char *const k_record[] = {"type", "prompts", "next", "max_ms", NULL};
	char where[IVR_NAME_MAX + 16];
	char sub[IVR_NAME_MAX + 48];
	snprintf(where, sizeof(where), "node \"%s\"", n->name);
	if (!cJSON_IsObject(o))
		return bad(e, "%s: must be an object", where);
	const char *type, *stray;
	if (json_get_str(o, "type", 0, &type))
		return bad(e, "%s: field \"type\": missing (menu, language, play or record)",
			   where);
	const char *const *keys;
	if (strcmp(type, "menu") == 0) {
		n->type = IVR_NODE_MENU;
		keys = k_menu;
	} else if (strcmp(type, "language") == 0) {
		n->type = IVR_NODE_LANGUAGE;
		keys = k_menu;
	} else if (strcmp(type, "play") == 0) {
		n->type = IVR_NODE_PLAY;
		keys = k_play;
	} else if (strcmp(type, "record") == 0) {
		n->type = IVR_NODE_RECORD;
		keys = k_record;
	} else {
		return bad(e, "%s: field \"type\": \"%.32s\" is not menu, language, play or record",
			   where, type);
	}
	if (json_only_keys(o, keys, &stray))
		return bad(e, "%s: unknown field \"%s\" for a %s node", where, stray, type);

	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(o, "prompts");
	if (pr && !cJSON_IsNull(pr)) {
		if (!cJSON_IsArray(pr))
			return bad(e, "%s: field \"prompts\": must be an array of prompt names",
				   where);
		int np = cJSON_GetArraySize(pr);
		if (np > IVR_MAX_PROMPTS)
			return bad(e, "%s: field \"prompts\": at most %d prompts", where,
				   IVR_MAX_PROMPTS);
		int i = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, pr)
		{
			if (!cJSON_IsString(it) || !prompt_ok(it->valuestring))
				return bad(e, "%s: field \"prompts\": item %d: bad prompt name",
					   where, i);
			memcpy(n->prompts[i], it->valuestring, strlen(it->valuestring) + 1);
			i++;
		}
		n->n_prompts = (unsigned)np;
	}
	int64_t v;
	int r;
	if (n->type == IVR_NODE_PLAY && n->n_prompts == 0)
		return bad(e, "%s: field \"prompts\": a play node needs at least one prompt",
			   where);
	if (n->type == IVR_NODE_PLAY || n->type == IVR_NODE_RECORD) {
		const cJSON *nx = cJSON_GetObjectItemCaseSensitive(o, "next");
		snprintf(sub, sizeof(sub), "%s: field \"next\"", where);
		if (!nx)
			return bad(e, "%s: missing", sub);
		if ((r = parse_dest(e, m, sub, nx, &n->next, false)))
			return r;
		if (n->type == IVR_NODE_RECORD) {
			r = json_get_i64(o, "max_ms", 1, RECORD_MAX_MS, &v);
			if (r)
				return bad(e, "%s: field \"max_ms\": %s", where,
					   r == ENOENT ? "missing"
						       : "must be an integer 1..3600000");
			n->max_ms = v;
		}
		return 0;
	}
	/* menu and language */
	r = json_get_i64(o, "timeout_ms", 1, TIMEOUT_MAX_MS, &v);
	if (r == ENOENT)
		v = 5000;
	else if (r)
		return bad(e, "%s: field \"timeout_ms\": must be an integer 1..%d", where,
			   TIMEOUT_MAX_MS);
	n->timeout_ms = v;
	r = json_get_i64(o, "retries", 0, RETRIES_MAX, &v);
	if (r == ENOENT)
		v = 2;
	else if (r)
		return bad(e, "%s: field \"retries\": must be an integer 0..%d", where,
			   RETRIES_MAX);
	n->retries = (unsigned)v;
	if ((r = copy_prompt(e, where, o, "invalid_prompt", n->invalid_prompt)) ||
	    (r = copy_prompt(e, where, o, "timeout_prompt", n->timeout_prompt)))
		return r;
	const cJSON *of = cJSON_GetObjectItemCaseSensitive(o, "on_fail");
	if (of) {
		snprintf(sub, sizeof(sub), "%s: field \"on_fail\"", where);
		if ((r = parse_dest(e, m, sub, of, &n->on_fail, false)))
			return r;
	} else {
		n->on_fail.kind = IVR_DEST_HANGUP;
		n->on_fail.lang = -1;
	}
	for (int k = 0; k < IVR_KEYS; k++)
		n->choice[k].lang = -1;
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "choices");
	if (!cJSON_IsObject(ch) || !ch->child)
		return bad(e, "%s: field \"choices\": must be an object with at least one key",
			   where);
	const cJSON *it;
	cJSON_ArrayForEach(it, ch)
	{
		int k = strlen(it->string) == 1 ? ivr_key_index(it->string[0]) : -1;
		if (k < 0)
			return bad(
			    e,
			    "%s: field \"choices\": key \"%.16s\" is not a DTMF key (0-9 * # A-D)",
			    where, it->string);
		snprintf(sub, sizeof(sub), "%s: choices: key \"%s\"", where, it->string);
		if ((r = parse_dest(e, m, sub, it, &n->choice[k], true)))
			return r;
		if (n->type == IVR_NODE_LANGUAGE && n->choice[k].lang < 0)
			return bad(e, "%s: a language node's choice needs \"language\"", sub);
	}
	return 0;
}

int ivr_menu_from_json(const cJSON *root, struct ivr_menu *m, char *err, size_t errlen)
{
	static const char *const allowed[] = {"languages", "start", "nodes", NULL};
	struct perr e = {err, errlen};
	if (!m || !root)
		return EINVAL;
	memset(m, 0, sizeof(*m));
	const char *stray;
	int r;
	if (!cJSON_IsObject(root))
		return bad(&e, "menu: must be an object with \"start\" and \"nodes\"");
	if (json_only_keys(root, allowed, &stray))
		return bad(&e, "menu: unknown field \"%s\"", stray);
	const cJSON *langs = cJSON_GetObjectItemCaseSensitive(root, "languages");
	if (!langs || cJSON_IsNull(langs)) {
		memcpy(m->langs[0], "en", 3);
		m->n_langs = 1;
	} else {
		if (!cJSON_IsArray(langs) || cJSON_GetArraySize(langs) < 1 ||
		    cJSON_GetArraySize(langs) > IVR_MAX_LANGS)
			return bad(
			    &e,
			    "menu: field \"languages\": must be an array of 1..%d language tags",
			    IVR_MAX_LANGS);
		const cJSON *it;
		cJSON_ArrayForEach(it, langs)
		{
			if (!cJSON_IsString(it) || !lang_ok(it->valuestring))
				return bad(&e,
					   "menu: field \"languages\": item %u: not a language tag "
					   "such as \"en\" or \"pt-BR\"",
					   m->n_langs);
			if (lang_index(m, it->valuestring) >= 0)
				return bad(&e, "menu: field \"languages\": \"%s\" twice",
					   it->valuestring);
			memcpy(m->langs[m->n_langs++], it->valuestring,
			       strlen(it->valuestring) + 1);
		}
	}
	const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
	if (!cJSON_IsObject(nodes) || !nodes->child)
		return bad(&e, "menu: field \"nodes\": must be an object of named nodes");
	int nn = cJSON_GetArraySize(nodes);
	if (nn > IVR_MAX_NODES)
		return bad(&e, "menu: field \"nodes\": at most %d nodes", IVR_MAX_NODES);
	m->nodes = sb_calloc((size_t)nn, sizeof(*m->nodes));
	if (!m->nodes)
		return ENOMEM;
	const cJSON *it;
	cJSON_ArrayForEach(it, nodes)
	{
		if (!name_ok(it->string)) {
			r = bad(&e, "menu: node name \"%.48s\": use 1..%d letters, digits, _ or -",
				it->string, IVR_NAME_MAX - 1);
			goto out;
		}
		memcpy(m->nodes[m->n_nodes++].name, it->string, strlen(it->string) + 1);
	}
	unsigned i = 0;
	cJSON_ArrayForEach(it, nodes)
	{
		if ((r = parse_node(&e, m, &m->nodes[i++], it)))
			goto out;
	}
	const char *start;
	if ((r = json_get_str(root, "start", 0, &start))) {
		r = bad(&e, "menu: field \"start\": %s",
			r == ENOENT ? "missing" : "must be a node name");
		goto out;
	}
	int si = ivr_menu_find(m, start);
	if (si < 0) {
		r = bad(&e, "menu: field \"start\": no node named \"%.48s\"", start);
		goto out;
	}
	m->start = (uint16_t)si;
	if (ivr_menu_check(m)) {
		/* cannot happen: the parser checks each rule above */
		r = bad(&e, "menu: inconsistent definition");
		goto out;
	}
	return 0;
out:
	ivr_menu_clear(m);
	return r;
}

static int parse_doc(const char *text, size_t len, cJSON **root, struct perr *e)
{
	struct json_err je;
	int r = json_parse(text, len, root, &je);
	if (r == EBADMSG)
		return bad(e, "line %u, column %u: %s", je.line, je.col, je.msg);
	return r;
}

int ivr_menu_parse(const char *text, size_t len, struct ivr_menu *m, char *err, size_t errlen)
{
	struct perr e = {err, errlen};
	cJSON *root = NULL;
	if (!text || !m)
		return EINVAL;
	memset(m, 0, sizeof(*m));
	int r = parse_doc(text, len, &root, &e);
	if (r)
		return r;
	r = ivr_menu_from_json(root, m, err, errlen);
	cJSON_Delete(root);
	return r;
}

/* ---------- business hours ---------- */

/* "HH:MM", 00:00..24:00. */
static int parse_hhmm(const cJSON *it, int *out)
{
	if (!cJSON_IsString(it))
		return EINVAL;
	const char *s = it->valuestring;
	if (strlen(s) != 5 || s[2] != ':')
		return EINVAL;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return EINVAL;
	int hh = (s[0] - '0') * 10 + (s[1] - '0'), mm = (s[3] - '0') * 10 + (s[4] - '0');
	if (mm > 59 || hh > 24 || (hh == 24 && mm != 0))
		return EINVAL;
	*out = hh * 60 + mm;
	return 0;
}

static int parse_date(const char *s, struct ivr_date *d)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return EINVAL;
	d->year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	d->month = (s[5] - '0') * 10 + (s[6] - '0');
	d->day = (s[8] - '0') * 10 + (s[9] - '0');
	return ivr_date_valid(d) ? 0 : EINVAL;
}

static int parse_spans(struct perr *e, const char *where, const cJSON *a, struct ivr_day *day)
{
	day->n = 0;
	if (!cJSON_IsArray(a))
		return bad(e, "%s: must be an array of [\"HH:MM\", \"HH:MM\"] spans", where);
	if (cJSON_GetArraySize(a) > IVR_HOURS_MAX_SPANS)
		return bad(e, "%s: at most %d spans", where, IVR_HOURS_MAX_SPANS);
	const cJSON *it;
	cJSON_ArrayForEach(it, a)
	{
		int o, c;
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
		    parse_hhmm(cJSON_GetArrayItem(it, 0), &o) ||
		    parse_hhmm(cJSON_GetArrayItem(it, 1), &c))
			return bad(e, "%s: span %u: must be [\"HH:MM\", \"HH:MM\"] (00:00..24:00)",
				   where, day->n + 1);
		if (o >= c)
			return bad(e,
				   "%s: span %u: opens at or after it closes (spans cannot cross "
				   "midnight: split them)",
				   where, day->n + 1);
		if (day->n > 0 && o < day->s[day->n - 1].close_min)
			return bad(e, "%s: span %u: overlaps or precedes the span before it", where,
				   day->n + 1);
		day->s[day->n].open_min = (uint16_t)o;
		day->s[day->n].close_min = (uint16_t)c;
		day->n++;
	}
	return 0;
}

static int exc_cmp(const void *a, const void *b)
{
	int64_t x = ivr_date_days(&((const struct ivr_exception *)a)->date);
	int64_t y = ivr_date_days(&((const struct ivr_exception *)b)->date);
	return (x > y) - (x < y);
}

int ivr_hours_from_json(const cJSON *root, struct ivr_hours *h, char *err, size_t errlen)
{
	static const char *const allowed[] = {"weekly", "exceptions", "after_hours", NULL};
	static const char *const days[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	static const char *const days_keys[] = {"sun", "mon", "tue", "wed",
						"thu", "fri", "sat", NULL};
	static const char *const exc_keys[] = {"date", "hours", "note", NULL};
	static const char *const after_keys[] = {"action", "prompt", "max_ms", "queue", NULL};
	struct perr e = {err, errlen};
	char where[96];
	const char *stray, *s;
	int r;
	if (!h || !root)
		return EINVAL;
	memset(h, 0, sizeof(*h));
	if (!cJSON_IsObject(root))
		return bad(&e, "hours: must be an object with \"weekly\" and \"after_hours\"");
	if (json_only_keys(root, allowed, &stray))
		return bad(&e, "hours: unknown field \"%s\"", stray);
	const cJSON *wk = cJSON_GetObjectItemCaseSensitive(root, "weekly");
	if (!cJSON_IsObject(wk))
		return bad(&e, "hours: field \"weekly\": must be an object keyed by sun, mon, tue, "
			       "wed, thu, fri, sat");
	if (json_only_keys(wk, days_keys, &stray))
		return bad(
		    &e,
		    "hours: weekly: \"%s\" is not a weekday (sun, mon, tue, wed, thu, fri, sat)",
		    stray);
	for (int d = 0; d < 7; d++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(wk, days[d]);
		if (!a)
			continue;
		snprintf(where, sizeof(where), "hours: weekly: %s", days[d]);
		if ((r = parse_spans(&e, where, a, &h->week[d])))
			return r;
	}
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(root, "exceptions");
	if (ex && !cJSON_IsNull(ex)) {
		if (!cJSON_IsArray(ex))
			return bad(&e, "hours: field \"exceptions\": must be an array of "
				       "{\"date\": \"YYYY-MM-DD\"}");
		if (cJSON_GetArraySize(ex) > IVR_HOURS_MAX_EXC)
			return bad(&e, "hours: field \"exceptions\": at most %d dates",
				   IVR_HOURS_MAX_EXC);
		const cJSON *it;
		cJSON_ArrayForEach(it, ex)
		{
			unsigned i = h->n_exc;
			snprintf(where, sizeof(where), "hours: exceptions: item %u", i + 1);
			if (!cJSON_IsObject(it))
				return bad(&e, "%s: must be an object", where);
			if (json_only_keys(it, exc_keys, &stray))
				return bad(&e, "%s: unknown field \"%s\"", where, stray);
			if (json_get_str(it, "date", 0, &s) || parse_date(s, &h->exc[i].date))
				return bad(&e,
					   "%s: field \"date\": must be a date \"YYYY-MM-DD\" "
					   "(1970..9999)",
					   where);
			if (json_get_str(it, "note", 200, &s) == EINVAL)
				return bad(
				    &e, "%s: field \"note\": must be a string of at most 200 bytes",
				    where);
			const cJSON *hs = cJSON_GetObjectItemCaseSensitive(it, "hours");
			if (hs && !cJSON_IsNull(hs)) {
				char w2[128];
				snprintf(w2, sizeof(w2), "%s: field \"hours\"", where);
				if ((r = parse_spans(&e, w2, hs, &h->exc[i].day)))
					return r;
			}
			h->n_exc++;
		}
		qsort(h->exc, h->n_exc, sizeof(h->exc[0]), exc_cmp);
		for (unsigned i = 1; i < h->n_exc; i++)
			if (exc_cmp(&h->exc[i - 1], &h->exc[i]) == 0)
				return bad(&e, "hours: exceptions: date %04d-%02d-%02d given twice",
					   h->exc[i].date.year, h->exc[i].date.month,
					   h->exc[i].date.day);
	}
	const cJSON *af = cJSON_GetObjectItemCaseSensitive(root, "after_hours");
	if (!cJSON_IsObject(af))
		return bad(&e, "hours: field \"after_hours\": must be an object with \"action\"");
	if (json_only_keys(af, after_keys, &stray))
		return bad(&e, "hours: after_hours: unknown field \"%s\"", stray);
	if (json_get_str(af, "action", 0, &s))
		return bad(&e, "hours: after_hours: field \"action\": missing (message, record, "
			       "callback or queue)");
	struct ivr_after *a = &h->after;
	if (strcmp(s, "message") == 0)
		a->kind = IVR_AFTER_MESSAGE;
	else if (strcmp(s, "record") == 0)
		a->kind = IVR_AFTER_RECORD;
	else if (strcmp(s, "callback") == 0)
		a->kind = IVR_AFTER_CALLBACK;
	else if (strcmp(s, "queue") == 0)
		a->kind = IVR_AFTER_QUEUE;
	else
		return bad(&e,
			   "hours: after_hours: field \"action\": \"%.32s\" is not message, "
			   "record, callback or queue",
			   s);
	if ((r = copy_prompt(&e, "hours: after_hours", af, "prompt", a->prompt)))
		return r;
	int64_t v;
	r = json_get_i64(af, "max_ms", 1, RECORD_MAX_MS, &v);
	if (a->kind == IVR_AFTER_RECORD) {
		if (r)
			return bad(&e, "hours: after_hours: field \"max_ms\": %s",
				   r == ENOENT ? "missing for action record"
					       : "must be an integer 1..3600000");
		a->max_ms = v;
	} else if (r != ENOENT) {
		return bad(&e, "hours: after_hours: field \"max_ms\": only for action record");
	}
	r = json_get_i64(af, "queue", 1, QUEUE_MAX, &v);
	if (a->kind == IVR_AFTER_QUEUE) {
		if (r)
			return bad(&e, "hours: after_hours: field \"queue\": %s",
				   r == ENOENT ? "missing for action queue" : "must be a queue id");
		a->queue = (uint32_t)v;
	} else if (r != ENOENT) {
		return bad(&e, "hours: after_hours: field \"queue\": only for action queue");
	}
	if ((a->kind == IVR_AFTER_MESSAGE || a->kind == IVR_AFTER_RECORD) && a->prompt[0] == '\0')
		return bad(&e,
			   "hours: after_hours: field \"prompt\": missing (what the caller hears)");
	if (ivr_hours_check(h)) /* cannot happen: each rule is checked above */
		return bad(&e, "hours: inconsistent definition");
	return 0;
}

int ivr_hours_parse(const char *text, size_t len, struct ivr_hours *h, char *err, size_t errlen)
{
	struct perr e = {err, errlen};
	cJSON *root = NULL;
	if (!text || !h)
		return EINVAL;
	int r = parse_doc(text, len, &root, &e);
	if (r)
		return r;
	r = ivr_hours_from_json(root, h, err, errlen);
	cJSON_Delete(root);
	return r;
}
