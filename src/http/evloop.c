/* evloop: libre timers and descriptor watches for the HTTP adapter (see evloop.h). */
#include "http/evloop.h"
#include "base/mem.h"

#include <errno.h>

#include <re.h>

struct evl_timer {
	struct tmr tmr;
	evl_timer_h *h;
	void *arg;
};

int evl_timer_alloc(struct evl_timer **tp)
{
	struct evl_timer *t = sb_zalloc(sizeof(*t));
	if (!t)
		return ENOMEM;
	tmr_init(&t->tmr);
	*tp = t;
	return 0;
}

void evl_timer_free(struct evl_timer *t)
{
	if (!t)
		return;
	tmr_cancel(&t->tmr);
	sb_free(t);
}

static void fire(void *arg)
{
	struct evl_timer *t = arg;
	t->h(t->arg);
}

void evl_timer_start(struct evl_timer *t, uint64_t delay_ms, evl_timer_h *h, void *arg)
{
	t->h = h;
	t->arg = arg;
	tmr_start(&t->tmr, delay_ms, fire, t);
}

void evl_timer_cancel(struct evl_timer *t)
{
	if (t)
		tmr_cancel(&t->tmr);
}

bool evl_timer_running(const struct evl_timer *t)
{
	return t && tmr_isrunning(&t->tmr);
}

uint64_t evl_timer_left(const struct evl_timer *t)
{
	return t ? tmr_get_expire(&t->tmr) : 0;
}

struct evl_fd {
	int fd;
	evl_fd_h *h;
	void *arg;
};

static void on_fd(int flags, void *arg)
{
	(void)flags;
	struct evl_fd *w = arg;
	w->h(w->arg);
}

int evl_fd_listen(struct evl_fd **wp, int fd, evl_fd_h *h, void *arg)
{
	if (fd < 0 || !h)
		return EINVAL;
	struct evl_fd *w = sb_zalloc(sizeof(*w));
	if (!w)
		return ENOMEM;
	w->fd = fd;
	w->h = h;
	w->arg = arg;
	int err = fd_listen(fd, FD_READ, on_fd, w);
	if (err) {
		sb_free(w);
		return err;
	}
	*wp = w;
	return 0;
}

void evl_fd_close(struct evl_fd *w)
{
	if (!w)
		return;
	fd_close(w->fd);
	sb_free(w);
}
