/* metrics: a registry of Prometheus metrics rendered as text exposition format for /metrics. */
#ifndef SB_HTTP_METRICS_H
#define SB_HTTP_METRICS_H

/*
 * Each metric family is registered once with a collector callback that emits
 * its samples when /metrics is scraped (on the loop thread, so collectors
 * read live state directly: calls waiting per queue, agents per state ...).
 */

#include <stddef.h>

struct metrics;
struct metrics_out;

enum metrics_type {
	METRICS_GAUGE = 0,
	METRICS_COUNTER,
};

/* Emits the family's samples with metrics_sample(). */
typedef void(metrics_collect_h)(struct metrics_out *out, void *arg);

int metrics_alloc(struct metrics **mp);
void metrics_free(struct metrics *m);

/*
 * Registers a family. name must match [a-zA-Z_:][a-zA-Z0-9_:]* and be new;
 * help is one line. Returns 0, EINVAL, EEXIST or ENOMEM.
 */
int metrics_register(struct metrics *m, const char *name, const char *help, enum metrics_type type,
		     metrics_collect_h *collect, void *arg);

/*
 * One sample of the family being collected. labels: NULL, or pairs of
 * name, value strings ending with NULL; values are escaped here.
 * Example: metrics_sample(out, 3, "queue", "sales", NULL).
 */
void metrics_sample(struct metrics_out *out, double value, ...);

/* Renders every family. Returns 0 with *text (sb_free it) and *len, or ENOMEM. */
int metrics_render(struct metrics *m, char **text, size_t *len);

#endif
