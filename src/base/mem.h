/* mem: allocation helpers that count live blocks, so tests can prove nothing leaked. */
#ifndef SB_BASE_MEM_H
#define SB_BASE_MEM_H

#include <stddef.h>

/*
 * sb_alloc/sb_zalloc/sb_realloc/sb_strdup return NULL only when the system is
 * out of memory; the caller owns the block and releases it with sb_free().
 * Every live block is counted (atomically, so storage threads may allocate).
 */
void *sb_alloc(size_t size);
void *sb_zalloc(size_t size);
void *sb_calloc(size_t n, size_t size);
void *sb_realloc(void *p, size_t size);
char *sb_strdup(const char *s);
char *sb_strndup(const char *s, size_t n);
void sb_free(void *p);

/* Number of blocks handed out by this module and not yet freed. */
long sb_mem_outstanding(void);

#endif
