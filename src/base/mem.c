/* mem: counted allocation helpers (see mem.h). */
#include "base/mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long outstanding;

void *sb_alloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p)
		atomic_fetch_add_explicit(&outstanding, 1, memory_order_relaxed);
	return p;
}

void *sb_zalloc(size_t size)
{
	return sb_calloc(1, size);
}

void *sb_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p)
		atomic_fetch_add_explicit(&outstanding, 1, memory_order_relaxed);
	return p;
}

void *sb_realloc(void *p, size_t size)
{
	if (!p)
		return sb_alloc(size);
	return realloc(p, size ? size : 1);
}

char *sb_strdup(const char *s)
{
	return s ? sb_strndup(s, strlen(s)) : NULL;
}

char *sb_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, n);
	char *d = sb_alloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void sb_free(void *p)
{
	if (!p)
		return;
	atomic_fetch_sub_explicit(&outstanding, 1, memory_order_relaxed);
	free(p);
}

long sb_mem_outstanding(void)
{
	return atomic_load_explicit(&outstanding, memory_order_relaxed);
}
