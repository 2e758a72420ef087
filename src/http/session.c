/* session: the in-memory session table (see session.h). */
#include "http/session.h"
#include "base/idmap.h"
#include "base/mem.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

struct sessions {
	struct idmap map; /* key -> struct session */
	int64_t idle_ms, max_ms;
	struct sessions_hooks hooks;
};

void sessions_set_hooks(struct sessions *s, const struct sessions_hooks *h)
{
	s->hooks = *h;
}

int sessions_alloc(struct sessions **sp, int64_t idle_ms, int64_t max_ms)
{
	if (idle_ms <= 0 || max_ms <= 0)
		return EINVAL;
	if (sodium_init() < 0)
		return ENOSYS;
	struct sessions *s = sb_zalloc(sizeof(*s));
	if (!s)
		return ENOMEM;
	idmap_init(&s->map);
	s->idle_ms = idle_ms;
	s->max_ms = max_ms;
	*sp = s;
	return 0;
}

void sessions_free(struct sessions *s)
{
	if (!s)
		return;
	uint64_t k;
	void *v;
	for (uint32_t i = 0; idmap_next(&s->map, &i, &k, &v);) {
		sodium_memzero(v, sizeof(struct session));
		sb_free(v);
	}
	idmap_release(&s->map);
	sb_free(s);
}

bool session_token_wellformed(const char *t, size_t len)
{
	if (!t || len != SESSION_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = t[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* The table's key: the hash's first 8 bytes (never 0). */
static uint64_t hash_key(const unsigned char hash[SESSION_HASH_LEN])
{
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | hash[i];
	return k ? k : 1;
}

static void token_hash(const char *token, size_t len, unsigned char hash[SESSION_HASH_LEN],
		       uint64_t *key)
{
	crypto_generichash(hash, SESSION_HASH_LEN, (const unsigned char *)token, len, NULL, 0);
	*key = hash_key(hash);
}

static void random_token(char out[SESSION_TOKEN_LEN + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SESSION_TOKEN_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

int sessions_create(struct sessions *s, uint64_t user_id, int64_t now,
		    char token[SESSION_TOKEN_LEN + 1], const struct session **out)
{
	struct session *se = sb_zalloc(sizeof(*se));
	if (!se)
		return ENOMEM;
	/* a 64-bit key collision among live sessions is all but impossible; draw again if it
	 * happens */
	do {
		random_token(token);
		token_hash(token, SESSION_TOKEN_LEN, se->hash, &se->key);
	} while (idmap_get(&s->map, se->key));
	random_token(se->csrf);
	se->user_id = user_id;
	se->created_ms = se->last_ms = se->touched_ms = now;
	if (idmap_put(&s->map, se->key, se) != 0) {
		sb_free(se);
		sodium_memzero(token, SESSION_TOKEN_LEN + 1);
		return ENOMEM;
	}
	if (s->hooks.saved)
		s->hooks.saved(se, s->hooks.arg);
	if (out)
		*out = se;
	return 0;
}

static bool expired(const struct sessions *s, const struct session *se, int64_t now)
{
	return now - se->last_ms >= s->idle_ms || now - se->created_ms >= s->max_ms;
}

const struct session *sessions_lookup(struct sessions *s, const char *token, size_t len,
				      int64_t now)
{
	if (!session_token_wellformed(token, len))
		return NULL;
	unsigned char hash[SESSION_HASH_LEN];
	uint64_t key;
	token_hash(token, len, hash, &key);
	struct session *se = idmap_get(&s->map, key);
	if (!se || sodium_memcmp(se->hash, hash, SESSION_HASH_LEN) != 0)
		return NULL;
	if (expired(s, se, now)) {
		sessions_delete(s, key);
		return NULL;
	}
	se->last_ms = now;
	if (s->hooks.touched && now - se->touched_ms >= s->hooks.touch_ms) {
		se->touched_ms = now;
		s->hooks.touched(se, s->hooks.arg);
	}
	return se;
}

int sessions_restore(struct sessions *s, const unsigned char hash[SESSION_HASH_LEN],
		     uint64_t user_id, const char *csrf, int64_t created_ms, int64_t last_ms,
		     int64_t now)
{
	if (!csrf || strlen(csrf) != SESSION_TOKEN_LEN || last_ms < created_ms)
		return EINVAL;
	struct session probe = {.created_ms = created_ms, .last_ms = last_ms};
	if (expired(s, &probe, now))
		return ETIMEDOUT;
	uint64_t k = hash_key(hash);
	if (idmap_get(&s->map, k))
		return EEXIST;
	struct session *se = sb_zalloc(sizeof(*se));
	if (!se)
		return ENOMEM;
	se->key = k;
	memcpy(se->hash, hash, SESSION_HASH_LEN);
	memcpy(se->csrf, csrf, SESSION_TOKEN_LEN + 1);
	se->user_id = user_id;
	se->created_ms = created_ms;
	se->last_ms = se->touched_ms = last_ms;
	if (idmap_put(&s->map, k, se) != 0) {
		sb_free(se);
		return ENOMEM;
	}
	return 0;
}

const struct session *sessions_get(const struct sessions *s, uint64_t key)
{
	return key ? idmap_get(&s->map, key) : NULL;
}

bool sessions_alive(const struct sessions *s, uint64_t key, int64_t now)
{
	const struct session *se = sessions_get(s, key);
	return se && !expired(s, se, now);
}

int sessions_delete(struct sessions *s, uint64_t key)
{
	struct session *se = idmap_del(&s->map, key);
	if (!se)
		return ENOENT;
	if (s->hooks.dropped)
		s->hooks.dropped(se->hash, s->hooks.arg);
	sodium_memzero(se, sizeof(*se));
	sb_free(se);
	return 0;
}

static unsigned delete_where(struct sessions *s, uint64_t user_id, int64_t now, bool by_user)
{
	unsigned n = idmap_count(&s->map), k = 0;
	if (n == 0)
		return 0;
	uint64_t *keys = sb_calloc(n, sizeof(*keys));
	if (!keys)
		return 0;
	uint64_t key;
	void *v;
	for (uint32_t i = 0; idmap_next(&s->map, &i, &key, &v);) {
		const struct session *se = v;
		if (by_user ? se->user_id == user_id : expired(s, se, now))
			keys[k++] = key;
	}
	for (unsigned i = 0; i < k; i++)
		sessions_delete(s, keys[i]);
	sb_free(keys);
	return k;
}

unsigned sessions_delete_user(struct sessions *s, uint64_t user_id)
{
	return delete_where(s, user_id, 0, true);
}

void sessions_sweep(struct sessions *s, int64_t now)
{
	delete_where(s, 0, now, false);
}

unsigned sessions_count(const struct sessions *s)
{
	return idmap_count(&s->map);
}
