/* api: the HTTP API resources under /api/v1 (configuration, people, customers, contacts, content).
 */
#ifndef SB_SERVER_API_H
#define SB_SERVER_API_H

/*
 * Everything here runs on the event loop, except the API's worker thread
 * (argon2id hashing of new passwords, deleting erased recordings), which
 * hands its results back through the daemon's post queue.
 *
 * A request that changes data is answered only after the storage writer
 * committed it (the job carries the audit row too), and the in-memory copies
 * (the center's configuration, the user directory) are updated from the
 * committed values before the reply goes out. See docs/api.md.
 */

#include <stdbool.h>
#include <stdint.h>

#include "http/pwhash.h"

struct api;
struct http_server;
struct center;
struct store;
struct userdir;
struct auth;
struct telephony;

struct api_config {
	struct http_server *srv;
	struct center *center; /* NULL: routes are only listed (serve --list-routes) */
	struct store *store;
	struct userdir *users;
	struct auth *auth;    /* ends the sessions of deactivated users (may be NULL) */
	const char *data_dir; /* recordings of erased customers are deleted only inside it */
	pwhash_post_h *post;  /* runs a function on the loop thread (the daemon's poster) */
	void *post_arg;
	enum pwhash_cost cost; /* of the hashes of new passwords */
	struct telephony *tel; /* outbound campaign calls (tel_dial.h); NULL: no SIP */
};

/* Allocates the API, starts its worker and registers every route. Returns 0 or an errno. */
int api_start(struct api **ap, const struct api_config *cfg);
/*
 * Stops the worker and stops acting on completions (call before the center
 * is closed: completions still queued are then only released). NULL is fine.
 */
void api_stop(struct api *a);
/* Frees the API after the post queue was drained for the last time. NULL is fine. */
void api_free(struct api *a);

#endif
