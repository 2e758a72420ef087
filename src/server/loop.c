/* loop: the post queue bringing work from other threads onto the loop (libre mqueue). */
#include "server/serve.h"
#include "base/mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <re.h>

struct item {
	struct item *next;
	void (*fn)(void *arg);
	void *arg;
};

struct poster {
	pthread_mutex_t mu;
	struct item *head, *tail;
	bool signalled; /* a wake-up is in the mqueue and not yet handled */
	struct mqueue *mq;
};

void poster_drain(struct poster *p)
{
	for (;;) {
		pthread_mutex_lock(&p->mu);
		struct item *it = p->head;
		p->head = p->tail = NULL;
		p->signalled = false;
		pthread_mutex_unlock(&p->mu);
		if (!it)
			return;
		while (it) {
			struct item *nx = it->next;
			it->fn(it->arg);
			sb_free(it);
			it = nx;
		}
	}
}

static void on_wake(int id, void *data, void *arg)
{
	(void)id;
	(void)data;
	poster_drain(arg);
}

int poster_alloc(struct poster **pp)
{
	struct poster *p = sb_zalloc(sizeof(*p));
	if (!p)
		return ENOMEM;
	pthread_mutex_init(&p->mu, NULL);
	int err = mqueue_alloc(&p->mq, on_wake, p);
	if (err) {
		pthread_mutex_destroy(&p->mu);
		sb_free(p);
		return err;
	}
	*pp = p;
	return 0;
}

void poster_post(void (*fn)(void *arg), void *arg, void *post_arg)
{
	struct poster *p = post_arg;
	struct item *it = sb_alloc(sizeof(*it));
	if (!it) {
		/* the completion would be lost and its request hang: nothing sane is left */
		fputs("switchboard: out of memory posting to the event loop\n", stderr);
		abort();
	}
	it->next = NULL;
	it->fn = fn;
	it->arg = arg;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = it;
	else
		p->head = it;
	p->tail = it;
	if (!p->signalled) {
		/* one wake-up per batch: the pipe never fills, the write never blocks */
		p->signalled = true;
		mqueue_push(p->mq, 0, NULL);
	}
	pthread_mutex_unlock(&p->mu);
}

void poster_free(struct poster *p)
{
	if (!p)
		return;
	poster_drain(p);
	mem_deref(p->mq);
	pthread_mutex_destroy(&p->mu);
	sb_free(p);
}
