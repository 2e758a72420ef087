/* metrics: registry and Prometheus text rendering (see metrics.h). */
#include "http/metrics.h"
#include "http/util.h"
#include "base/mem.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct family {
	char *name, *help;
	enum metrics_type type;
	metrics_collect_h *collect;
	void *arg;
};

struct metrics {
	struct family *v;
	unsigned n, cap;
};

struct metrics_out {
	struct http_buf *buf;
	const char *name;
	int err;
};

int metrics_alloc(struct metrics **mp)
{
	struct metrics *m = sb_zalloc(sizeof(*m));
	if (!m)
		return ENOMEM;
	*mp = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->n; i++) {
		sb_free(m->v[i].name);
		sb_free(m->v[i].help);
	}
	sb_free(m->v);
	sb_free(m);
}

static bool name_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  c == ':' || (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

int metrics_register(struct metrics *m, const char *name, const char *help, enum metrics_type type,
		     metrics_collect_h *collect, void *arg)
{
	if (!name_ok(name) || !help || strchr(help, '\n') || !collect)
		return EINVAL;
	for (unsigned i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, name) == 0)
			return EEXIST;
	if (m->n == m->cap) {
		unsigned cap = m->cap ? m->cap * 2 : 16;
		struct family *v = sb_realloc(m->v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	struct family *f = &m->v[m->n];
	f->name = sb_strdup(name);
	f->help = sb_strdup(help);
	if (!f->name || !f->help) {
		sb_free(f->name);
		sb_free(f->help);
		return ENOMEM;
	}
	f->type = type;
	f->collect = collect;
	f->arg = arg;
	m->n++;
	return 0;
}

static void put(struct metrics_out *o, const char *s, size_t n)
{
	if (!o->err)
		o->err = http_buf_add(o->buf, s, n);
}

static void add_escaped(struct metrics_out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(o, "\\\\", 2);
		else if (*s == '"')
			put(o, "\\\"", 2);
		else if (*s == '\n')
			put(o, "\\n", 2);
		else
			put(o, s, 1);
	}
}

void metrics_sample(struct metrics_out *o, double value, ...)
{
	if (o->err)
		return;
	put(o, o->name, strlen(o->name));
	va_list ap;
	va_start(ap, value);
	const char *k = va_arg(ap, const char *);
	bool first = true;
	while (k) {
		const char *v = va_arg(ap, const char *);
		if (!v)
			break;
		put(o, first ? "{" : ",", 1);
		first = false;
		put(o, k, strlen(k));
		put(o, "=\"", 2);
		add_escaped(o, v);
		put(o, "\"", 1);
		k = va_arg(ap, const char *);
	}
	va_end(ap);
	if (!first)
		put(o, "}", 1);
	if (o->err)
		return;
	int e;
	struct http_buf *b = o->buf;
	if (isnan(value))
		e = http_buf_printf(b, " NaN\n");
	else if (isinf(value))
		e = http_buf_printf(b, value > 0 ? " +Inf\n" : " -Inf\n");
	else if (value == (double)(long long)value && fabs(value) < 1e15)
		e = http_buf_printf(b, " %lld\n", (long long)value);
	else
		e = http_buf_printf(b, " %.17g\n", value);
	if (e)
		o->err = e;
}

int metrics_render(struct metrics *m, char **text, size_t *len)
{
	struct http_buf b = {0};
	struct metrics_out o = {.buf = &b};
	for (unsigned i = 0; i < m->n && !o.err; i++) {
		const struct family *f = &m->v[i];
		o.err = http_buf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
					f->name, f->type == METRICS_COUNTER ? "counter" : "gauge");
		o.name = f->name;
		if (!o.err)
			f->collect(&o, f->arg);
	}
	if (!o.err && !b.p)
		o.err = http_buf_add(&b, "", 0);
	if (o.err) {
		http_buf_free(&b);
		return o.err;
	}
	*text = b.p;
	*len = b.len;
	return 0;
}
