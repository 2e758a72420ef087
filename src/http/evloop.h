/* evloop: the libre loop services the HTTP adapter uses (timers, descriptors), our names. */
#ifndef SB_HTTP_EVLOOP_H
#define SB_HTTP_EVLOOP_H

/*
 * libre's headers clash with src/base (struct list, list_init ...), so only
 * evloop.c includes them. Everything here runs on the loop thread.
 */

#include <stdbool.h>
#include <stdint.h>

struct evl_timer;

typedef void(evl_timer_h)(void *arg);
typedef void(evl_fd_h)(void *arg);

/* Returns 0 or ENOMEM. */
int evl_timer_alloc(struct evl_timer **tp);
/* Cancels and frees (NULL is fine). */
void evl_timer_free(struct evl_timer *t);
/* (Re)starts the timer: h(arg) runs once, delay_ms from now. */
void evl_timer_start(struct evl_timer *t, uint64_t delay_ms, evl_timer_h *h, void *arg);
void evl_timer_cancel(struct evl_timer *t);
bool evl_timer_running(const struct evl_timer *t);
/* Milliseconds until it fires (0 when not running or due). */
uint64_t evl_timer_left(const struct evl_timer *t);

struct evl_fd;

/* Calls h(arg) whenever fd is readable, until evl_fd_close. Returns 0 or an errno. */
int evl_fd_listen(struct evl_fd **wp, int fd, evl_fd_h *h, void *arg);
/* Stops watching (the descriptor stays open) and frees the watch; NULL is fine. */
void evl_fd_close(struct evl_fd *w);

#endif
