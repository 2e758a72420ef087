/* pwhash: argon2id via libsodium and the verification worker pool (see pwhash.h). */
#include "http/pwhash.h"
#include "base/dlist.h"
#include "base/mem.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sodium.h>
#include <string.h>

int pwhash_cost_parse(const char *s, enum pwhash_cost *out)
{
	if (!s)
		return EINVAL;
	if (strcmp(s, "interactive") == 0)
		*out = PWHASH_INTERACTIVE;
	else if (strcmp(s, "moderate") == 0)
		*out = PWHASH_MODERATE;
	else if (strcmp(s, "min") == 0)
		*out = PWHASH_MIN;
	else
		return EINVAL;
	return 0;
}

int pwhash_hash(const char *password, size_t len, enum pwhash_cost cost, char out[PWHASH_STR_MAX])
{
	if (len > PWHASH_PASSWORD_MAX)
		return EINVAL;
	if (sodium_init() < 0)
		return ENOSYS;
	unsigned long long ops;
	size_t mem;
	switch (cost) {
	case PWHASH_MODERATE:
		ops = crypto_pwhash_OPSLIMIT_MODERATE;
		mem = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	case PWHASH_MIN:
		ops = crypto_pwhash_OPSLIMIT_MIN;
		mem = crypto_pwhash_MEMLIMIT_MIN;
		break;
	default:
		ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	}
	if (crypto_pwhash_str_alg(out, password, len, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ENOMEM;
	return 0;
}

bool pwhash_check(const char *hash, const char *password, size_t len)
{
	if (!hash || len > PWHASH_PASSWORD_MAX)
		return false;
	if (strncmp(hash, "$argon2id$", 10) != 0)
		return false; /* only argon2id is accepted */
	return crypto_pwhash_str_verify(hash, password, len) == 0;
}

struct job {
	struct dlist le;
	char hash[PWHASH_STR_MAX];
	char *password;
	size_t len;
	bool ok;
	int err;
	pwhash_done_h *done;
	void *arg;
};

struct pwhash_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dlist queue; /* waiting jobs */
	unsigned queued, running, max_queue;
	bool stopping;
	pthread_t *threads;
	unsigned nthreads;
	pwhash_post_h *post;
	void *post_arg;
	char dummy[PWHASH_STR_MAX];
};

static void job_free(struct job *j)
{
	if (j->password) {
		sodium_memzero(j->password, j->len);
		sb_free(j->password);
	}
	sb_free(j);
}

/* On the loop thread: hands the result over and frees the job (the pool may be gone by now). */
static void job_deliver(void *arg)
{
	struct job *j = arg;
	j->done(j->err, j->ok, j->arg);
	job_free(j);
}

static void *worker(void *arg)
{
	struct pwhash_pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stopping && dlist_empty(&p->queue))
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stopping)
			break;
		struct job *j = (struct job *)dlist_first(&p->queue);
		dlist_unlink(&j->le);
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);
		j->ok = pwhash_check(j->hash, j->password, j->len);
		sodium_memzero(j->password, j->len);
		pthread_mutex_lock(&p->mu);
		p->running--;
		/* posted under the lock, so pwhash_pool_free cannot finish before the hand-over */
		p->post(job_deliver, j, p->post_arg);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int pwhash_pool_alloc(struct pwhash_pool **pp, unsigned threads, unsigned max_queue,
		      enum pwhash_cost cost, pwhash_post_h *post, void *post_arg)
{
	if (threads == 0 || threads > 64 || max_queue == 0 || !post)
		return EINVAL;
	if (sodium_init() < 0)
		return ENOSYS;
	struct pwhash_pool *p = sb_zalloc(sizeof(*p));
	if (!p)
		return ENOMEM;
	int err;
	char rnd[24];
	unsigned char raw[16];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(rnd, sizeof(rnd), raw, 11);
	if ((err = pwhash_hash(rnd, strlen(rnd), cost, p->dummy))) {
		sb_free(p);
		return err;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	dlist_init(&p->queue);
	p->max_queue = max_queue;
	p->post = post;
	p->post_arg = post_arg;
	p->threads = sb_calloc(threads, sizeof(*p->threads));
	if (!p->threads) {
		err = ENOMEM;
		goto out;
	}
	/* the workers take no signals: those belong to the loop thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < threads; i++) {
		err = pthread_create(&p->threads[i], NULL, worker, p);
		if (err)
			break;
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto out;
	*pp = p;
	return 0;
out:
	pwhash_pool_free(p);
	return err;
}

void pwhash_pool_free(struct pwhash_pool *p)
{
	if (!p)
		return;
	struct dlist cancelled;
	dlist_init(&cancelled);
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	while (!dlist_empty(&p->queue)) {
		struct dlist *le = dlist_first(&p->queue);
		dlist_unlink(le);
		dlist_append(&cancelled, le);
	}
	p->queued = 0;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	while (!dlist_empty(&cancelled)) {
		struct job *j = (struct job *)dlist_first(&cancelled);
		dlist_unlink(&j->le);
		j->done(ECANCELED, false, j->arg);
		job_free(j);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	sb_free(p->threads);
	sodium_memzero(p->dummy, sizeof(p->dummy));
	sb_free(p);
}

int pwhash_verify(struct pwhash_pool *p, const char *hash, const char *password, size_t len,
		  pwhash_done_h *done, void *arg)
{
	if (len > PWHASH_PASSWORD_MAX || !done || (hash && strlen(hash) >= PWHASH_STR_MAX))
		return EINVAL;
	struct job *j = sb_zalloc(sizeof(*j));
	if (!j)
		return ENOMEM;
	j->password = sb_alloc(len + 1);
	if (!j->password) {
		sb_free(j);
		return ENOMEM;
	}
	memcpy(j->password, password, len);
	j->password[len] = '\0';
	j->len = len;
	j->done = done;
	j->arg = arg;
	snprintf(j->hash, sizeof(j->hash), "%s", hash ? hash : p->dummy);
	pthread_mutex_lock(&p->mu);
	if (p->queued >= p->max_queue || p->stopping) {
		pthread_mutex_unlock(&p->mu);
		job_free(j);
		return EAGAIN;
	}
	dlist_append(&p->queue, &j->le);
	p->queued++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

unsigned pwhash_pending(const struct pwhash_pool *p)
{
	struct pwhash_pool *q = (struct pwhash_pool *)p;
	pthread_mutex_lock(&q->mu);
	unsigned n = q->queued + q->running;
	pthread_mutex_unlock(&q->mu);
	return n;
}
