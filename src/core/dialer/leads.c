/* leads: lead lists and do-not-call lists (see leads.h). */
#include "core/dialer/leads.h"

#include "base/mem.h"
#include "core/dialer/csv.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t dialer_phone_key(const char *e164)
{
	if (!phone_is_e164(e164))
		return 0;
	uint64_t k = 0;
	for (const char *p = e164 + 1; *p; p++)
		k = k * 10 + (uint64_t)(*p - '0');
	return k;
}

void dialer_list_init(struct dialer_list *l)
{
	memset(l, 0, sizeof(*l));
	idmap_init(&l->by_number);
}

static void lead_free(struct dialer_lead *ld, uint32_t n_custom)
{
	if (!ld)
		return;
	sb_free(ld->first);
	sb_free(ld->last);
	if (ld->custom)
		for (uint32_t i = 0; i < n_custom; i++)
			sb_free(ld->custom[i]);
	sb_free(ld->custom);
	sb_free(ld);
}

void dialer_list_release(struct dialer_list *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		lead_free(l->leads[i], l->n_custom);
	sb_free(l->leads);
	for (uint32_t i = 0; i < l->n_zones; i++)
		sb_free(l->zones[i]);
	for (uint32_t i = 0; i < l->n_custom; i++)
		sb_free(l->custom_names[i]);
	idmap_release(&l->by_number);
	memset(l, 0, sizeof(*l));
}

const char *dialer_reject_text(enum dialer_reject_reason r)
{
	switch (r) {
	case DIALER_REJ_MALFORMED:
		return "malformed CSV record";
	case DIALER_REJ_BLANK:
		return "empty line";
	case DIALER_REJ_FIELDS:
		return "fewer fields than the header";
	case DIALER_REJ_NO_PHONE:
		return "no telephone number";
	case DIALER_REJ_BAD_PHONE:
		return "not a telephone number";
	case DIALER_REJ_DUPLICATE:
		return "duplicate number";
	case DIALER_REJ_BAD_ZONE:
		return "not a time zone";
	case DIALER_REJ_NO_ZONE:
		return "time zone unknown";
	case DIALER_REJ_BAD_PRIORITY:
		return "priority is not an integer from -1000000 to 1000000";
	case DIALER_REJ_TOO_MANY_ZONES:
		return "too many distinct time zones in the list";
	}
	return "unknown reason";
}

/* Interns a canonical zone set; its index through *idx. ENOSPC, ENOMEM. */
static int zone_intern(struct dialer_list *l, const char *canon, uint16_t *idx)
{
	for (uint32_t i = 0; i < l->n_zones; i++)
		if (strcmp(l->zones[i], canon) == 0) {
			*idx = (uint16_t)i;
			return 0;
		}
	if (l->n_zones == DIALER_LIST_ZONES)
		return ENOSPC;
	char *s = sb_strdup(canon);
	if (!s)
		return ENOMEM;
	l->zones[l->n_zones] = s;
	*idx = (uint16_t)l->n_zones++;
	return 0;
}

static int append(struct dialer_list *l, struct dialer_lead *ld)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 64;
		struct dialer_lead **v = sb_realloc(l->leads, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		l->leads = v;
		l->cap = cap;
	}
	uint64_t key = dialer_phone_key(ld->e164);
	int rc = idmap_put(&l->by_number, key, ld);
	if (rc)
		return rc;
	ld->id = l->n + 1;
	l->leads[l->n++] = ld;
	return 0;
}

static struct dialer_lead *lead_new(void)
{
	struct dialer_lead *ld = sb_zalloc(sizeof(*ld));
	if (!ld)
		return NULL;
	heap_node_init(&ld->hn);
	ld->last_ms = INT64_MIN;
	ld->abandoned_ms = INT64_MIN;
	ld->next_ms = INT64_MIN;
	return ld;
}

static int normalize(const char *in, const struct phone_plan *plan, char *out)
{
	if (plan && plan->cc)
		return phone_normalize(in, plan, out, PHONE_E164_MAX);
	/* E.164 only: allow the usual separators after the '+' */
	if (in[0] != '+')
		return EINVAL;
	static const struct phone_plan any = {"1", "", "00"};
	return phone_normalize(in, &any, out, PHONE_E164_MAX);
}

/* Resolves a lead's zone: from text (a column), else derived, else default. */
static int resolve_zone(struct dialer_list *l, struct dialer_lead *ld, const char *text,
			const char *def, enum dialer_reject_reason *why)
{
	char canon[DIALER_ZONE_MAX];
	int rc;
	ld->zone_derived = false;
	if (text && *text) {
		if (dialer_zone_canon(text, canon, sizeof(canon)) != 0) {
			*why = DIALER_REJ_BAD_ZONE;
			return EINVAL;
		}
	} else if (dialer_zone_for_number(ld->e164, canon, sizeof(canon)) == 0) {
		ld->zone_derived = true;
	} else if (def && *def) {
		if (dialer_zone_canon(def, canon, sizeof(canon)) != 0) {
			*why = DIALER_REJ_BAD_ZONE;
			return EINVAL;
		}
	} else {
		*why = DIALER_REJ_NO_ZONE;
		return ENOENT;
	}
	rc = zone_intern(l, canon, &ld->zone);
	if (rc == ENOSPC)
		*why = DIALER_REJ_TOO_MANY_ZONES;
	return rc;
}

int dialer_list_add(struct dialer_list *l, const char *number, const struct phone_plan *plan,
		    const char *zone, int32_t priority, uint32_t *id)
{
	if (!number || priority < -DIALER_PRIORITY_MAX || priority > DIALER_PRIORITY_MAX)
		return EINVAL;
	struct dialer_lead *ld = lead_new();
	if (!ld)
		return ENOMEM;
	enum dialer_reject_reason why;
	int rc = normalize(number, plan, ld->e164);
	if (rc == 0 && dialer_list_find(l, ld->e164))
		rc = EEXIST;
	if (rc == 0)
		rc = resolve_zone(l, ld, zone, NULL, &why);
	if (rc == 0 && (!(ld->first = sb_strdup("")) || !(ld->last = sb_strdup(""))))
		rc = ENOMEM;
	if (rc == 0 && l->n_custom) {
		ld->custom = sb_calloc(l->n_custom, sizeof(char *));
		for (uint32_t i = 0; ld->custom && i < l->n_custom; i++)
			if (!(ld->custom[i] = sb_strdup("")))
				rc = ENOMEM;
		if (!ld->custom)
			rc = ENOMEM;
	}
	ld->priority = priority;
	if (rc == 0)
		rc = append(l, ld);
	if (rc) {
		lead_free(ld, l->n_custom);
		return rc == ENOSPC ? ENOMEM : rc;
	}
	if (id)
		*id = ld->id;
	return 0;
}

struct dialer_lead *dialer_list_find(const struct dialer_list *l, const char *e164)
{
	uint64_t k = dialer_phone_key(e164);
	return k ? idmap_get(&l->by_number, k) : NULL;
}

uint32_t dialer_list_recycle(struct dialer_list *l, uint32_t results, int64_t now)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		struct dialer_lead *ld = l->leads[i];
		if (ld->state == DIALER_LEAD_IN_CALL || ld->done == DIALER_DONE_DNC)
			continue;
		if (ld->state == DIALER_LEAD_READY && ld->attempts == 0)
			continue;
		if (!(results & (1u << ld->last_result)))
			continue;
		ld->state = DIALER_LEAD_READY;
		ld->done = DIALER_DONE_NOT;
		ld->attempts = 0;
		ld->callback = false;
		ld->owner = 0;
		if (ld->next_ms < now)
			ld->next_ms = now;
		/* a lock-out after an abandoned call still holds: next_ms keeps it */
		n++;
	}
	return n;
}

/* --- import --- */

static bool name_eq(const char *a, size_t alen, const char *b)
{
	while (alen && isspace((unsigned char)*a)) {
		a++;
		alen--;
	}
	while (alen && isspace((unsigned char)a[alen - 1]))
		alen--;
	size_t blen = strlen(b);
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
	return true;
}

static int col_of(const struct csv_record *hdr, const char *name, int *col, char *err, size_t elen)
{
	*col = -1;
	if (!name)
		return 0;
	if (!*name) {
		snprintf(err, elen, "mapping: empty column name");
		return EINVAL;
	}
	for (uint32_t i = 0; i < hdr->n; i++) {
		if (name_eq(hdr->f[i].s, hdr->f[i].len, name)) {
			if (*col >= 0) {
				snprintf(err, elen, "header: column \"%.40s\" appears twice", name);
				return EINVAL;
			}
			*col = (int)i;
		}
	}
	if (*col < 0) {
		snprintf(err, elen, "header: no column \"%.60s\"", name);
		return EINVAL;
	}
	return 0;
}

static int add_reject(struct dialer_import_report *rep, uint32_t *cap, const struct csv_record *r,
		      enum dialer_reject_reason why, uint32_t dup_row, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int add_reject(struct dialer_import_report *rep, uint32_t *cap, const struct csv_record *r,
		      enum dialer_reject_reason why, uint32_t dup_row, const char *fmt, ...)
{
	if (rep->n_rej == *cap) {
		uint32_t c = *cap ? *cap * 2 : 16;
		struct dialer_reject *v = sb_realloc(rep->rej, c * sizeof(*v));
		if (!v)
			return ENOMEM;
		rep->rej = v;
		*cap = c;
	}
	struct dialer_reject *j = &rep->rej[rep->n_rej++];
	memset(j, 0, sizeof(*j));
	j->row = r->record;
	j->line = r->line;
	j->reason = why;
	j->dup_row = dup_row;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->detail, sizeof(j->detail), fmt, ap);
	va_end(ap);
	return 0;
}

/* A cell trimmed of surrounding spaces, copied (NUL-free: the reader rejects NULs). */
static char *cell_dup(const struct csv_record *r, int col)
{
	if (col < 0)
		return sb_strdup("");
	const char *s = r->f[col].s;
	size_t n = r->f[col].len;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return sb_strndup(s, n);
}

static bool parse_priority(const char *s, int32_t *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -DIALER_PRIORITY_MAX || v > DIALER_PRIORITY_MAX)
		return false;
	*out = (int32_t)v;
	return true;
}

void dialer_import_report_release(struct dialer_import_report *rep)
{
	sb_free(rep->rej);
	memset(rep, 0, sizeof(*rep));
}

enum { C_PHONE, C_FIRST, C_LAST, C_ZONE, C_PRIO, C_FIXED };

/* Imports one record; ENOMEM is the only error (rejections go to the report). */
static int import_record(struct dialer_list *l, const struct csv_record *r, const int *col,
			 uint32_t need, const struct dialer_mapping *m,
			 struct dialer_import_report *rep, uint32_t *cap)
{
	if (r->err != CSV_OK)
		return add_reject(rep, cap, r, DIALER_REJ_MALFORMED, 0, "%s (line %u, field %u)",
				  csv_error_text(r->err), r->err_line, r->err_field);
	if (r->blank)
		return add_reject(rep, cap, r, DIALER_REJ_BLANK, 0, "empty line");
	if (r->n < need)
		return add_reject(rep, cap, r, DIALER_REJ_FIELDS, 0, "%u fields, the header has %u",
				  r->n, need);
	int rc = ENOMEM;
	struct dialer_lead *ld = lead_new();
	char *phone = cell_dup(r, col[C_PHONE]);
	char *zone = cell_dup(r, col[C_ZONE]);
	char *prio = cell_dup(r, col[C_PRIO]);
	if (!ld || !phone || !zone || !prio)
		goto out;
	ld->row = r->record;
	if (!*phone) {
		rc = add_reject(rep, cap, r, DIALER_REJ_NO_PHONE, 0, "phone column is empty");
		goto out;
	}
	if (normalize(phone, &m->plan, ld->e164) != 0) {
		rc = add_reject(rep, cap, r, DIALER_REJ_BAD_PHONE, 0, "\"%.60s\" is not a number",
				phone);
		goto out;
	}
	const struct dialer_lead *dup = dialer_list_find(l, ld->e164);
	if (dup) {
		rc = add_reject(rep, cap, r, DIALER_REJ_DUPLICATE, dup->row,
				"%s already in the list (row %u)", ld->e164, dup->row);
		goto out;
	}
	ld->priority = m->default_priority;
	if (*prio && !parse_priority(prio, &ld->priority)) {
		rc =
		    add_reject(rep, cap, r, DIALER_REJ_BAD_PRIORITY, 0, "priority \"%.40s\"", prio);
		goto out;
	}
	enum dialer_reject_reason why = DIALER_REJ_NO_ZONE;
	rc = resolve_zone(l, ld, zone, m->default_zone, &why);
	if (rc == ENOMEM)
		goto out;
	if (rc) {
		if (why == DIALER_REJ_BAD_ZONE)
			rc = add_reject(rep, cap, r, why, 0, "zone \"%.60s\"", zone);
		else if (why == DIALER_REJ_NO_ZONE)
			rc = add_reject(rep, cap, r, why, 0,
					"no zone column value and none known for %s", ld->e164);
		else
			rc = add_reject(rep, cap, r, why, 0, "more than %u zones",
					DIALER_LIST_ZONES);
		goto out;
	}
	rc = ENOMEM;
	if (!(ld->first = cell_dup(r, col[C_FIRST])) || !(ld->last = cell_dup(r, col[C_LAST])))
		goto out;
	if (l->n_custom) {
		if (!(ld->custom = sb_calloc(l->n_custom, sizeof(char *))))
			goto out;
		for (uint32_t i = 0; i < l->n_custom; i++) {
			int c = i < m->n_custom ? col[C_FIXED + i] : -1;
			if (!(ld->custom[i] = cell_dup(r, c)))
				goto out;
		}
	}
	rc = append(l, ld);
	if (rc == 0) {
		ld = NULL;
		rep->imported++;
	}
out:
	lead_free(ld, l->n_custom);
	sb_free(phone);
	sb_free(zone);
	sb_free(prio);
	return rc;
}

int dialer_list_import(struct dialer_list *l, const char *data, size_t len,
		       const struct dialer_mapping *m, struct dialer_import_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	if (!m || !m->phone || m->n_custom > DIALER_CUSTOM_MAX) {
		snprintf(rep->error, sizeof(rep->error), "mapping: phone column required");
		return EINVAL;
	}
	if (m->plan.cc && (!m->plan.trunk || !m->plan.intl)) {
		snprintf(rep->error, sizeof(rep->error), "mapping: incomplete dialling plan");
		return EINVAL;
	}
	if (l->n && m->n_custom != l->n_custom) {
		snprintf(rep->error, sizeof(rep->error),
			 "mapping: %u custom columns, the list has %u", m->n_custom, l->n_custom);
		return EINVAL;
	}
	struct csv c;
	struct csv_record r;
	int rc = csv_open(&c, data, len, m->delim ? m->delim : ',');
	if (rc == EINVAL) {
		snprintf(rep->error, sizeof(rep->error), "mapping: bad delimiter");
		return EINVAL;
	}
	if (rc) {
		snprintf(rep->error, sizeof(rep->error), "not UTF-8 (save the file as UTF-8 CSV)");
		return rc;
	}
	rc = csv_next(&c, &r);
	if (rc == ENOENT || (rc == 0 && (r.err != CSV_OK || r.blank))) {
		snprintf(rep->error, sizeof(rep->error), "no header line%s%s",
			 rc == 0 && r.err ? ": " : "",
			 rc == 0 && r.err ? csv_error_text(r.err) : "");
		csv_close(&c);
		return EBADMSG;
	}
	if (rc) {
		csv_close(&c);
		return rc;
	}
	int col[C_FIXED + DIALER_CUSTOM_MAX];
	const char *names[C_FIXED] = {m->phone, m->first_name, m->last_name, m->zone, m->priority};
	uint32_t need = 0;
	for (uint32_t i = 0; i < C_FIXED + m->n_custom; i++) {
		const char *nm = i < C_FIXED ? names[i] : m->custom[i - C_FIXED];
		if (i >= C_FIXED && !nm) {
			snprintf(rep->error, sizeof(rep->error), "mapping: custom[%u] is NULL",
				 i - C_FIXED);
			rc = EINVAL;
		} else {
			rc = col_of(&r, nm, &col[i], rep->error, sizeof(rep->error));
		}
		if (rc) {
			csv_close(&c);
			return rc;
		}
		if (col[i] >= 0 && (uint32_t)col[i] + 1 > need)
			need = (uint32_t)col[i] + 1;
	}
	if (l->n == 0 && l->n_custom == 0) {
		for (uint32_t i = 0; i < m->n_custom; i++) {
			if (!(l->custom_names[i] = sb_strdup(m->custom[i]))) {
				csv_close(&c);
				return ENOMEM;
			}
			l->n_custom = i + 1;
		}
	}
	uint32_t cap = 0;
	while ((rc = csv_next(&c, &r)) == 0) {
		rep->records++;
		rc = import_record(l, &r, col, need, m, rep, &cap);
		if (rc)
			break;
	}
	csv_close(&c);
	return rc == ENOENT ? 0 : rc;
}

/* --- do-not-call --- */

void dialer_dnc_init(struct dialer_dnc *d)
{
	idmap_init(&d->set);
}

void dialer_dnc_release(struct dialer_dnc *d)
{
	idmap_release(&d->set);
}

int dialer_dnc_add(struct dialer_dnc *d, const char *number, const struct phone_plan *plan)
{
	char e[PHONE_E164_MAX];
	if (!number || normalize(number, plan, e) != 0)
		return EINVAL;
	return idmap_put(&d->set, dialer_phone_key(e), d);
}

int dialer_dnc_remove(struct dialer_dnc *d, const char *e164)
{
	uint64_t k = dialer_phone_key(e164);
	if (!k)
		return EINVAL;
	return idmap_del(&d->set, k) ? 0 : ENOENT;
}

bool dialer_dnc_has(const struct dialer_dnc *d, const char *e164)
{
	uint64_t k = dialer_phone_key(e164);
	return k && idmap_get(&d->set, k) != NULL;
}

int dialer_dnc_import(struct dialer_dnc *d, const char *data, size_t len,
		      const struct phone_plan *plan, struct dialer_import_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	struct csv c;
	struct csv_record r;
	int rc = csv_open(&c, data, len, ',');
	if (rc) {
		snprintf(rep->error, sizeof(rep->error), "not UTF-8 (save the file as UTF-8 CSV)");
		return rc;
	}
	uint32_t cap = 0;
	while ((rc = csv_next(&c, &r)) == 0) {
		rep->records++;
		if (r.err != CSV_OK) {
			rc = add_reject(rep, &cap, &r, DIALER_REJ_MALFORMED, 0, "%s",
					csv_error_text(r.err));
		} else if (r.blank) {
			rc = add_reject(rep, &cap, &r, DIALER_REJ_BLANK, 0, "empty line");
		} else {
			char *s = cell_dup(&r, 0);
			if (!s) {
				rc = ENOMEM;
				break;
			}
			char e[PHONE_E164_MAX];
			bool header = false;
			if (normalize(s, plan, e) != 0) {
				/* a first record with letters in it is the header */
				for (const char *p = s; r.record == 1 && *p; p++)
					if (isalpha((unsigned char)*p))
						header = true;
				if (header)
					rep->records--;
				else
					rc = add_reject(rep, &cap, &r, DIALER_REJ_BAD_PHONE, 0,
							"\"%.60s\" is not a number", s);
			} else {
				rc = idmap_put(&d->set, dialer_phone_key(e), d);
				if (rc == 0)
					rep->imported++;
			}
			sb_free(s);
		}
		if (rc)
			break;
	}
	csv_close(&c);
	return rc == ENOENT ? 0 : rc;
}
