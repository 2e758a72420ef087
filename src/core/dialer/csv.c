/* csv: the RFC 4180 reader (see csv.h). */
#include "core/dialer/csv.h"

#include "base/mem.h"

#include <errno.h>
#include <string.h>

int csv_open(struct csv *c, const char *data, size_t len, char delim)
{
	memset(c, 0, sizeof(*c));
	if (delim != ',' && delim != ';' && delim != '\t' && delim != '|')
		return EINVAL;
	if (!data && len)
		return EINVAL;
	const unsigned char *u = (const unsigned char *)data;
	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return EBADMSG; /* UTF-16 (or UTF-32 little-endian, which starts the same) */
	if (len >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xfe && u[3] == 0xff)
		return EBADMSG; /* UTF-32 big-endian */
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
		data += 3;
		len -= 3;
	}
	c->p = data;
	c->end = data + len;
	c->delim = delim;
	c->line = 1;
	return 0;
}

void csv_close(struct csv *c)
{
	sb_free(c->buf);
	sb_free(c->off);
	sb_free(c->f);
	memset(c, 0, sizeof(*c));
}

bool csv_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned char b = *p;
		if (b < 0x80) {
			p++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if (b >= 0xc2 && b <= 0xdf) {
			n = 1;
			cp = b & 0x1f;
			min = 0x80;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 2;
			cp = b & 0x0f;
			min = 0x800;
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 3;
			cp = b & 0x07;
			min = 0x10000;
		} else {
			return false; /* continuation byte, 0xc0/0xc1 (always overlong), or > 0xf4
				       */
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

const char *csv_error_text(enum csv_error e)
{
	switch (e) {
	case CSV_OK:
		return "well-formed";
	case CSV_E_QUOTE:
		return "quote inside an unquoted field (quote the whole field and double the "
		       "quote)";
	case CSV_E_AFTER_QUOTE:
		return "text after a closing quote";
	case CSV_E_UNTERMINATED:
		return "quoted field not closed before the end of the file";
	case CSV_E_UTF8:
		return "not UTF-8 (save the file as UTF-8)";
	case CSV_E_NUL:
		return "NUL byte in a field";
	case CSV_E_FIELD_LONG:
		return "field longer than 65536 bytes";
	case CSV_E_FIELDS:
		return "more than 1024 fields";
	}
	return "unknown error";
}

/* Per-record scratch while reading. */
struct rd {
	struct csv *c;
	struct csv_record *rec;
	size_t fstart; /* offset of the current field in buf */
	bool store;    /* false once the field or the record is over the limits */
	int err;       /* ENOMEM */
};

static void set_err(struct rd *r, enum csv_error e, uint32_t line, uint32_t field)
{
	if (r->rec->err == CSV_OK) {
		r->rec->err = e;
		r->rec->err_line = line;
		r->rec->err_field = field;
	}
}

static int grow(struct csv *c, size_t need)
{
	if (need <= c->cap)
		return 0;
	size_t cap = c->cap ? c->cap : 256;
	while (cap < need)
		cap *= 2;
	char *b = sb_realloc(c->buf, cap);
	if (!b)
		return ENOMEM;
	c->buf = b;
	c->cap = cap;
	return 0;
}

static inline void put(struct rd *r, char ch)
{
	struct csv *c = r->c;
	if (!r->store || r->err)
		return;
	if (c->len - r->fstart >= CSV_FIELD_MAX) {
		set_err(r, CSV_E_FIELD_LONG, c->line, c->nf + 1);
		r->store = false;
		return;
	}
	if (c->len + 2 > c->cap && grow(c, c->len + 2) != 0) {
		r->err = ENOMEM;
		return;
	}
	c->buf[c->len++] = ch;
}

static void field_begin(struct rd *r)
{
	r->fstart = r->c->len;
	r->store = r->c->nf < CSV_FIELDS_MAX;
	if (!r->store)
		set_err(r, CSV_E_FIELDS, r->c->line, r->c->nf + 1);
}

static void field_end(struct rd *r, uint32_t line)
{
	struct csv *c = r->c;
	if (r->err || c->nf >= CSV_FIELDS_MAX)
		return;
	if (c->nf == c->capf) {
		uint32_t cap = c->capf ? c->capf * 2 : 16;
		size_t *o = sb_realloc(c->off, cap * sizeof(*o));
		if (!o) {
			r->err = ENOMEM;
			return;
		}
		c->off = o;
		struct csv_field *f = sb_realloc(c->f, cap * sizeof(*f));
		if (!f) {
			r->err = ENOMEM;
			return;
		}
		c->f = f;
		c->capf = cap;
	}
	if (grow(c, c->len + 1) != 0) {
		r->err = ENOMEM;
		return;
	}
	size_t flen = c->len - r->fstart;
	if (memchr(c->buf + r->fstart, '\0', flen))
		set_err(r, CSV_E_NUL, line, c->nf + 1);
	else if (!csv_utf8_valid(c->buf + r->fstart, flen))
		set_err(r, CSV_E_UTF8, line, c->nf + 1);
	c->buf[c->len++] = '\0';
	c->off[c->nf++] = r->fstart;
}

/* Skips to just after the end of the current physical line. */
static const char *skip_line(struct csv *c, const char *p)
{
	while (p < c->end && *p != '\n' && *p != '\r')
		p++;
	if (p < c->end) {
		if (*p == '\r' && p + 1 < c->end && p[1] == '\n')
			p++;
		p++;
		c->line++;
	}
	return p;
}

int csv_next(struct csv *c, struct csv_record *rec)
{
	if (c->p >= c->end)
		return ENOENT;
	memset(rec, 0, sizeof(*rec));
	rec->record = ++c->record;
	rec->line = c->line;
	c->len = 0;
	c->nf = 0;

	struct rd r = {.c = c, .rec = rec};
	const char *p = c->p, *end = c->end;
	const char delim = c->delim;
	rec->blank = *p == '\n' || *p == '\r';

	for (;;) {
		uint32_t fline = c->line;
		field_begin(&r);
		if (p < end && *p == '"') {
			p++;
			for (;;) {
				if (p == end) {
					set_err(&r, CSV_E_UNTERMINATED, fline, c->nf + 1);
					field_end(&r, fline);
					goto out;
				}
				char ch = *p;
				if (ch == '"') {
					if (p + 1 < end && p[1] == '"') {
						put(&r, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (ch == '\n' || (ch == '\r' && !(p + 1 < end && p[1] == '\n')))
					c->line++;
				put(&r, ch);
				p++;
			}
			if (p < end && *p != delim && *p != '\n' && *p != '\r') {
				set_err(&r, CSV_E_AFTER_QUOTE, c->line, c->nf + 1);
				field_end(&r, fline);
				p = skip_line(c, p);
				goto out;
			}
		} else {
			while (p < end && *p != delim && *p != '\n' && *p != '\r') {
				if (*p == '"') {
					set_err(&r, CSV_E_QUOTE, c->line, c->nf + 1);
					field_end(&r, fline);
					p = skip_line(c, p);
					goto out;
				}
				put(&r, *p);
				p++;
			}
		}
		field_end(&r, fline);
		if (p == end)
			break;
		if (*p == delim) {
			p++;
			continue;
		}
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		p++;
		c->line++;
		break;
	}
out:
	c->p = p;
	if (r.err)
		return r.err;
	for (uint32_t i = 0; i < c->nf; i++) {
		size_t next = i + 1 < c->nf ? c->off[i + 1] : c->len;
		c->f[i].s = c->buf + c->off[i];
		c->f[i].len = next - c->off[i] - 1;
	}
	rec->n = c->nf;
	rec->f = c->f;
	return 0;
}
