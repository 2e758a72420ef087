/* static: serves the browser application (web/) and the few npm files it uses, as static files. */
#ifndef SB_HTTP_STATIC_H
#define SB_HTTP_STATIC_H

/*
 * Routes (public, GET and HEAD):
 *   /                       index.html of the root (or a short page when there is none)
 *   /{file}                 a file of the root
 *   /{dir}/{file}           a file one directory down (js/, i18n/, img/ ...)
 *   /vendor/{pkg}/{file}    a file a mount names (node_modules/<pkg>/dist/...), nothing else
 *
 * A name is letters, digits, '.', '_' and '-', not starting with '.', with a
 * known extension (the MIME type comes from it; unknown types are not
 * served). Directories are never listed, symbolic links leading out of the
 * root are refused, and anything else answers 404 "no such file". Files are
 * read once and kept in memory; each request compares the file's size,
 * modification time and inode with what was read (one stat()) and reads it
 * again when it changed, so an edited web/ shows at the next reload.
 *
 * Replies carry a strong ETag (a hash of the bytes) with Cache-Control:
 * no-cache, so browsers revalidate and get 304 Not Modified; HTML also gets
 * the Content-Security-Policy (scripts, styles, connections and images from
 * this origin only: no inline script, no eval) and framing is refused.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_server;
struct http_static;

/* Files of an npm package served under /vendor/<name>/ (only those listed). */
struct http_static_mount {
	const char *name;	  /* the URL segment, e.g. "uplot" */
	const char *dir;	  /* the directory holding the files */
	const char *const *files; /* NULL-terminated list of file names */
};

struct http_static_config {
	const char *root; /* the application's directory (web/) */
	const struct http_static_mount *mounts;
	unsigned n_mounts;
	size_t max_file; /* larger files are not served (default 8 MiB) */
};

/* Allocates the file server and registers its routes. Returns 0 or an errno. */
int http_static_start(struct http_static **sp, struct http_server *srv,
		      const struct http_static_config *cfg);
void http_static_free(struct http_static *st);

/* Files served so far from memory and read from disk (for tests and metrics). */
void http_static_counts(const struct http_static *st, uint64_t *hits, uint64_t *reads);

/* --- pure helpers (exposed for the unit tests) --- */

/* The Content-Type for a file name, or NULL when the extension is not served. */
const char *http_static_mime(const char *name);
/* Whether a path segment is an acceptable file or directory name. */
bool http_static_name_ok(const char *seg, size_t len);
/* Whether the If-None-Match header value names this ETag ("*" or a list of tags). */
bool http_static_etag_match(const char *if_none_match, const char *etag);
/* The Content-Security-Policy sent with HTML. */
extern const char http_static_csp[];

#endif
