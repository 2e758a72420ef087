/* serve: the daemon (`switchboard serve`): process skeleton, wiring of adapters, ops endpoints. */
#ifndef SB_SERVER_SERVE_H
#define SB_SERVER_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct http_server;
struct metrics;
struct userdir;
struct sse_hub;

/* The `serve` subcommand; argv[0] is "serve". Returns the exit status. */
int serve_main(int argc, char **argv);

/*
 * The loop's post queue: functions handed over by other threads (password
 * workers, storage) run on the loop thread, in order. Thread-safe; wakes the
 * loop through libre's mqueue. post_arg is the struct poster.
 */
struct poster;
int poster_alloc(struct poster **pp);
void poster_post(void (*fn)(void *arg), void *arg, void *post_arg);
/* Runs everything queued so far (on the loop thread, or after the loop ended). */
void poster_drain(struct poster *p);
/* Drains, then frees. */
void poster_free(struct poster *p);

/*
 * Seeds the demo center into an empty database (no users yet): *seeded says
 * whether it did. Passwords are "demo", hashed at `cost`.
 */
struct store;
int demo_seed(struct store *st, int cost, int64_t now, bool *seeded);

/*
 * Ops endpoints: GET /healthz, GET /metrics, GET /api/v1/openapi.json.
 * Health checks registered here are reported by /healthz (503 when one fails).
 */
struct ops;
typedef bool(ops_check_h)(void *arg, char *detail, size_t len);
int ops_alloc(struct ops **op, struct http_server *srv, struct metrics *m);
void ops_free(struct ops *o);
int ops_add_check(struct ops *o, const char *name, ops_check_h *check, void *arg);

/* An auth_audit_h writing "audit" events into the center's log (arg: the struct center). */
void evlog_audit(void *arg, const char *action, uint64_t actor_id, uint64_t subject_id,
		 cJSON *detail);

#endif
