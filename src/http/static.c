/* static: the browser application's files: safe names, MIME types, ETags, CSP, no listings. */
#include "http/static.h"
#include "http/http.h"

#include "base/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char http_static_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; media-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/* One file read into memory. */
struct sfile {
	struct sfile *next;
	char *path; /* absolute */
	char *data;
	size_t len;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char etag[40];
};

struct http_static {
	struct http_server *srv;
	char root[PATH_MAX]; /* resolved; "" when it does not exist */
	struct http_static_mount *mounts;
	unsigned n_mounts;
	size_t max_file;
	struct sfile *files;
	uint64_t hits, reads;
};

/* ---------- pure helpers ---------- */

static const struct {
	const char *ext, *type;
} mimes[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"txt", "text/plain; charset=utf-8"},
    {"webmanifest", "application/manifest+json"},
};

const char *http_static_mime(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	if (!dot || dot == name)
		return NULL;
	for (size_t i = 0; i < sizeof(mimes) / sizeof(mimes[0]); i++)
		if (strcasecmp(dot + 1, mimes[i].ext) == 0)
			return mimes[i].type;
	return NULL;
}

bool http_static_name_ok(const char *seg, size_t len)
{
	if (!seg || len == 0 || len > 128 || seg[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = seg[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

bool http_static_etag_match(const char *inm, const char *etag)
{
	if (!inm || !etag || !etag[0])
		return false;
	size_t el = strlen(etag);
	const char *p = inm;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2; /* weak comparison is what If-None-Match uses */
		const char *e = p;
		while (*e && *e != ',')
			e++;
		const char *t = e;
		while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if ((size_t)(t - p) == el && memcmp(p, etag, el) == 0)
			return true;
		p = e;
	}
	return false;
}

/* ---------- files ---------- */

static void sfile_free(struct sfile *f)
{
	if (!f)
		return;
	sb_free(f->path);
	sb_free(f->data);
	sb_free(f);
}

static bool same_stat(const struct sfile *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
	       f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Reads path into f (replacing what it held). */
static int sfile_read(struct http_static *s, struct sfile *f, const char *path,
		      const struct stat *st)
{
	if ((size_t)st->st_size > s->max_file)
		return EFBIG;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno;
	size_t want = (size_t)st->st_size;
	char *buf = sb_alloc(want ? want : 1);
	if (!buf) {
		close(fd);
		return ENOMEM;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != want) {
		sb_free(buf);
		return EIO; /* changed while read: the next request tries again */
	}
	/* FNV-1a over the bytes: a strong validator for this exact content */
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < got; i++)
		h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
	sb_free(f->data);
	f->data = buf;
	f->len = got;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	snprintf(f->etag, sizeof(f->etag), "\"%016" PRIx64 "-%zx\"", h, got);
	s->reads++;
	return 0;
}

/*
 * The file at dir/rel (rel already checked segment by segment), current.
 * ENOENT for anything that is not a regular file inside dir.
 */
static int lookup(struct http_static *s, const char *dir, const char *rel, struct sfile **out)
{
	char path[PATH_MAX], real[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (n <= 0 || (size_t)n >= sizeof(path))
		return ENOENT;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return ENOENT;
	struct sfile *f = s->files;
	while (f && strcmp(f->path, path) != 0)
		f = f->next;
	if (f && same_stat(f, &st)) {
		s->hits++;
		*out = f;
		return 0;
	}
	/* first read (or changed): it must really lie inside dir */
	size_t dl = strlen(dir);
	if (!realpath(path, real) || strncmp(real, dir, dl) != 0 || real[dl] != '/')
		return ENOENT;
	bool fresh = !f;
	if (fresh) {
		f = sb_zalloc(sizeof(*f));
		if (!f || !(f->path = sb_strdup(path))) {
			sfile_free(f);
			return ENOMEM;
		}
	}
	int err = sfile_read(s, f, path, &st);
	if (err) {
		if (fresh)
			sfile_free(f);
		return err == ENOMEM ? ENOMEM : ENOENT;
	}
	if (fresh) {
		f->next = s->files;
		s->files = f;
	}
	*out = f;
	return 0;
}

/* ---------- replies ---------- */

static void not_found(struct http_req *req)
{
	http_reply_error(req, 404, "not_found", "no such file");
}

static void send_file(struct http_req *req, const struct sfile *f, const char *type)
{
	http_req_add_header(req, "ETag", f->etag);
	http_req_add_header(req, "Cache-Control", "no-cache");
	http_req_add_header(req, "Referrer-Policy", "no-referrer");
	if (strncmp(type, "text/html", 9) == 0) {
		http_req_add_header(req, "Content-Security-Policy", http_static_csp);
		http_req_add_header(req, "X-Frame-Options", "DENY");
	}
	if (http_static_etag_match(http_req_header(req, "If-None-Match"), f->etag)) {
		http_reply_empty(req, 304);
		return;
	}
	http_reply_data(req, 200, type, f->data, f->len);
}

static void serve(struct http_static *s, struct http_req *req, const char *dir, const char *rel,
		  const char *name)
{
	const char *type = http_static_mime(name);
	struct sfile *f = NULL;
	if (!type || !dir[0]) {
		not_found(req);
		return;
	}
	int err = lookup(s, dir, rel, &f);
	if (err == ENOMEM) {
		http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	if (err) {
		not_found(req);
		return;
	}
	send_file(req, f, type);
}

/* A path parameter copied into buf when it is an acceptable name. */
static bool param(struct http_req *req, const char *key, char *buf, size_t len)
{
	const char *v = http_req_param(req, key);
	size_t n = v ? strlen(v) : 0;
	if (!v || n >= len || !http_static_name_ok(v, n))
		return false;
	memcpy(buf, v, n + 1);
	return true;
}

static void on_index(struct http_req *req, void *arg)
{
	struct http_static *s = arg;
	struct sfile *f = NULL;
	if (s->root[0] && lookup(s, s->root, "index.html", &f) == 0) {
		send_file(req, f, "text/html; charset=utf-8");
		return;
	}
	static const char page[] =
	    "<!doctype html><html><head><meta charset=\"utf-8\"><title>switchboard</title>"
	    "</head><body><h1>switchboard</h1><p>The daemon is running, but the web application "
	    "(web/) was not found; set SB_WEB_DIR to its directory. The API is described at "
	    "<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p></body></html>\n";
	http_req_add_header(req, "Content-Security-Policy", http_static_csp);
	http_reply_data(req, 200, "text/html; charset=utf-8", page, sizeof(page) - 1);
}

static void on_file(struct http_req *req, void *arg)
{
	struct http_static *s = arg;
	char name[130];
	if (!param(req, "file", name, sizeof(name))) {
		not_found(req);
		return;
	}
	serve(s, req, s->root, name, name);
}

static void on_dir_file(struct http_req *req, void *arg)
{
	struct http_static *s = arg;
	char dir[130], name[130], rel[262];
	if (!param(req, "dir", dir, sizeof(dir)) || !param(req, "file", name, sizeof(name)) ||
	    strchr(dir, '.')) {
		not_found(req);
		return;
	}
	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	serve(s, req, s->root, rel, name);
}

static void on_vendor(struct http_req *req, void *arg)
{
	struct http_static *s = arg;
	char pkg[130], name[130];
	if (!param(req, "pkg", pkg, sizeof(pkg)) || !param(req, "file", name, sizeof(name))) {
		not_found(req);
		return;
	}
	for (unsigned i = 0; i < s->n_mounts; i++) {
		const struct http_static_mount *m = &s->mounts[i];
		if (strcmp(m->name, pkg) != 0)
			continue;
		for (const char *const *f = m->files; f && *f; f++)
			if (strcmp(*f, name) == 0) {
				serve(s, req, m->dir, name, name);
				return;
			}
	}
	not_found(req);
}

/* ---------- lifecycle ---------- */

void http_static_counts(const struct http_static *st, uint64_t *hits, uint64_t *reads)
{
	*hits = st ? st->hits : 0;
	*reads = st ? st->reads : 0;
}

void http_static_free(struct http_static *s)
{
	if (!s)
		return;
	while (s->files) {
		struct sfile *f = s->files;
		s->files = f->next;
		sfile_free(f);
	}
	for (unsigned i = 0; i < s->n_mounts; i++)
		sb_free((char *)s->mounts[i].dir);
	sb_free(s->mounts);
	sb_free(s);
}

int http_static_start(struct http_static **sp, struct http_server *srv,
		      const struct http_static_config *cfg)
{
	if (!sp || !srv || !cfg)
		return EINVAL;
	struct http_static *s = sb_zalloc(sizeof(*s));
	if (!s)
		return ENOMEM;
	s->srv = srv;
	s->max_file = cfg->max_file ? cfg->max_file : (size_t)8 << 20;
	if (!cfg->root || !realpath(cfg->root, s->root))
		s->root[0] = '\0';
	if (cfg->n_mounts) {
		s->mounts = sb_calloc(cfg->n_mounts, sizeof(*s->mounts));
		if (!s->mounts) {
			sb_free(s);
			return ENOMEM;
		}
	}
	for (unsigned i = 0; i < cfg->n_mounts; i++) {
		char real[PATH_MAX];
		s->mounts[i] = cfg->mounts[i];
		/* a package that is not installed serves nothing (the page says what is missing) */
		s->mounts[i].dir = sb_strdup(realpath(cfg->mounts[i].dir, real) ? real : "");
		s->n_mounts++;
		if (!s->mounts[i].dir) {
			http_static_free(s);
			return ENOMEM;
		}
	}
	const struct http_route r[] = {
	    {
		.method = HTTP_GET,
		.pattern = "/",
		.h = on_index,
		.summary = "The web application (index.html)",
		.tag = "web",
		.response_type = "text/html",
	    },
	    {.method = HTTP_GET,
	     .pattern = "/{file}",
	     .h = on_file,
	     .summary = "A file of the web application (ETag; 304 when unchanged)",
	     .tag = "web",
	     .response_type = "application/octet-stream",
	     .errors = "404"},
	    {.method = HTTP_GET,
	     .pattern = "/{dir}/{file}",
	     .h = on_dir_file,
	     .summary = "A file in a directory of the web application (js/, i18n/ ...)",
	     .tag = "web",
	     .response_type = "application/octet-stream",
	     .errors = "404"},
	    {.method = HTTP_GET,
	     .pattern = "/vendor/{pkg}/{file}",
	     .h = on_vendor,
	     .summary = "A file of an npm package the web application uses (only those listed)",
	     .tag = "web",
	     .response_type = "application/octet-stream",
	     .errors = "404"},
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		struct http_route rt = r[i];
		rt.arg = s;
		int err = http_server_route(srv, &rt);
		if (err) {
			http_static_free(s);
			return err;
		}
	}
	*sp = s;
	return 0;
}
