/* scorecard: building, validating, versioning and fingerprinting scorecards; scoring evaluations.
 */
#include "core/qa/scorecard.h"

#include "base/mem.h"
#include "core/qa/internal.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>

struct sc_section {
	struct qa_section_def d; /* d.name points at name */
	char *name;
};

struct sc_criterion {
	struct qa_criterion_def d; /* d.text points at text */
	char *text;
};

struct sc_field {
	struct qa_field_def d; /* d.label, d.options point at label, options */
	char *label;
	char **options;
};

struct qa_scorecard {
	uint32_t id, version;
	char *name;
	bool sealed;
	struct sc_section *sec;
	size_t nsec;
	struct sc_criterion *crit;
	size_t ncrit;
	struct sc_field *fld;
	size_t nfld;
};

/* ---- checks ---- */

static int check_text(struct qa_err *err, const char *what, uint32_t id, const char *s)
{
	if (!s || !s[0])
		return qa_fail(err, EINVAL, "%s %u: text must not be empty", what, id);
	if (strnlen(s, QA_MAX_TEXT + 1) > QA_MAX_TEXT)
		return qa_fail(err, EINVAL, "%s %u: text longer than %d bytes", what, id,
			       QA_MAX_TEXT);
	return 0;
}

static int check_weight(struct qa_err *err, const char *what, uint32_t id, double w)
{
	if (!(w > 0 && w <= QA_MAX_WEIGHT))
		return qa_fail(err, EINVAL, "%s %u: weight must be > 0 and <= %g (got %g)", what,
			       id, QA_MAX_WEIGHT, w);
	return 0;
}

static bool on_scale(const struct qa_criterion_def *d, int32_t v)
{
	if (v < d->min || v > d->max)
		return false;
	int32_t step = (d->max - d->min) / (int32_t)(d->points - 1);
	return (v - d->min) % step == 0;
}

static ssize_t find_section(const struct qa_scorecard *sc, uint32_t id)
{
	for (size_t i = 0; i < sc->nsec; i++)
		if (sc->sec[i].d.id == id)
			return (ssize_t)i;
	return -1;
}

static ssize_t find_criterion(const struct qa_scorecard *sc, uint32_t id)
{
	for (size_t i = 0; i < sc->ncrit; i++)
		if (sc->crit[i].d.id == id)
			return (ssize_t)i;
	return -1;
}

static ssize_t find_field(const struct qa_scorecard *sc, uint32_t id)
{
	for (size_t i = 0; i < sc->nfld; i++)
		if (sc->fld[i].d.id == id)
			return (ssize_t)i;
	return -1;
}

static int check_section(const struct qa_scorecard *sc, const struct qa_section_def *d, bool update,
			 struct qa_err *err)
{
	if (!d)
		return qa_fail(err, EINVAL, "section: no definition");
	if (d->id == 0)
		return qa_fail(err, EINVAL, "section: id must not be 0");
	bool exists = find_section(sc, d->id) >= 0;
	if (update && !exists)
		return qa_fail(err, EINVAL, "section %u: no such section", d->id);
	if (!update && exists)
		return qa_fail(err, EINVAL, "section %u: id already used", d->id);
	if (!update && sc->nsec >= QA_MAX_SECTIONS)
		return qa_fail(err, EINVAL, "section %u: more than %d sections", d->id,
			       QA_MAX_SECTIONS);
	int e = check_text(err, "section", d->id, d->name);
	return e ? e : check_weight(err, "section", d->id, d->weight);
}

static int check_criterion(const struct qa_scorecard *sc, const struct qa_criterion_def *d,
			   bool update, struct qa_err *err)
{
	if (!d)
		return qa_fail(err, EINVAL, "criterion: no definition");
	uint32_t id = d->id;
	if (id == 0)
		return qa_fail(err, EINVAL, "criterion: id must not be 0");
	bool exists = find_criterion(sc, id) >= 0;
	if (update && !exists)
		return qa_fail(err, EINVAL, "criterion %u: no such criterion", id);
	if (!update && exists)
		return qa_fail(err, EINVAL, "criterion %u: id already used", id);
	if (!update && sc->ncrit >= QA_MAX_CRITERIA)
		return qa_fail(err, EINVAL, "criterion %u: more than %d criteria", id,
			       QA_MAX_CRITERIA);
	if (find_section(sc, d->section) < 0)
		return qa_fail(err, EINVAL, "criterion %u: section %u does not exist", id,
			       d->section);
	int e = check_text(err, "criterion", id, d->text);
	if (e)
		return e;
	if ((e = check_weight(err, "criterion", id, d->weight)))
		return e;
	if (d->points < 2 || d->points > 5)
		return qa_fail(err, EINVAL,
			       "criterion %u: a scale has 2 (binary), 3, 4 or 5 points, not %u", id,
			       d->points);
	if (d->points == 2 && (d->min != 0 || d->max != 1))
		return qa_fail(err, EINVAL, "criterion %u: a binary scale is 0/1, not %d/%d", id,
			       d->min, d->max);
	if (d->min < -QA_MAX_SCALE || d->max > QA_MAX_SCALE || d->min >= d->max)
		return qa_fail(err, EINVAL,
			       "criterion %u: scale %d..%d needs min < max within +/-%d", id,
			       d->min, d->max, QA_MAX_SCALE);
	if ((d->max - d->min) % (int32_t)(d->points - 1) != 0)
		return qa_fail(err, EINVAL,
			       "criterion %u: %u points cannot be evenly spaced on %d..%d", id,
			       d->points, d->min, d->max);
	switch (d->critical) {
	case QA_CRITICAL_NONE:
		break;
	case QA_CRITICAL_SECTION:
	case QA_CRITICAL_WHOLE:
		if (!on_scale(d, d->fail_at) || d->fail_at >= d->max)
			return qa_fail(err, EINVAL,
				       "criterion %u: fail_at %d must be a point of the scale "
				       "%d..%d below its maximum",
				       id, d->fail_at, d->min, d->max);
		break;
	default:
		return qa_fail(err, EINVAL, "criterion %u: unknown critical kind %d", id,
			       (int)d->critical);
	}
	return 0;
}

static int check_field(const struct qa_scorecard *sc, const struct qa_field_def *d, bool update,
		       struct qa_err *err)
{
	if (!d)
		return qa_fail(err, EINVAL, "field: no definition");
	uint32_t id = d->id;
	if (id == 0)
		return qa_fail(err, EINVAL, "field: id must not be 0");
	bool exists = find_field(sc, id) >= 0;
	if (update && !exists)
		return qa_fail(err, EINVAL, "field %u: no such field", id);
	if (!update && exists)
		return qa_fail(err, EINVAL, "field %u: id already used", id);
	if (!update && sc->nfld >= QA_MAX_FIELDS)
		return qa_fail(err, EINVAL, "field %u: more than %d fields", id, QA_MAX_FIELDS);
	if (d->section != 0 && find_section(sc, d->section) < 0)
		return qa_fail(err, EINVAL, "field %u: section %u does not exist", id, d->section);
	int e = check_text(err, "field", id, d->label);
	if (e)
		return e;
	switch (d->kind) {
	case QA_FIELD_CHECKBOX:
	case QA_FIELD_COMMENT:
		if (d->n_options)
			return qa_fail(err, EINVAL, "field %u: only a dropdown has options", id);
		break;
	case QA_FIELD_DROPDOWN:
		if (d->n_options < 1 || d->n_options > QA_MAX_OPTIONS || !d->options)
			return qa_fail(err, EINVAL, "field %u: a dropdown needs 1 to %d options",
				       id, QA_MAX_OPTIONS);
		for (size_t i = 0; i < d->n_options; i++) {
			const char *o = d->options[i];
			if (!o || !o[0] || strnlen(o, QA_MAX_TEXT + 1) > QA_MAX_TEXT)
				return qa_fail(err, EINVAL,
					       "field %u: option %zu must be 1 to %d bytes", id, i,
					       QA_MAX_TEXT);
			for (size_t j = 0; j < i; j++)
				if (strcmp(o, d->options[j]) == 0)
					return qa_fail(err, EINVAL,
						       "field %u: option \"%s\" appears twice", id,
						       o);
		}
		break;
	default:
		return qa_fail(err, EINVAL, "field %u: unknown kind %d", id, (int)d->kind);
	}
	return 0;
}

static int check_draft(const struct qa_scorecard *sc, struct qa_err *err)
{
	if (!sc)
		return qa_fail(err, EINVAL, "no scorecard");
	if (sc->sealed)
		return qa_fail(err, EBUSY,
			       "scorecard %u version %u is sealed: derive a new version to edit it",
			       sc->id, sc->version);
	return 0;
}

/* ---- owned copies ---- */

static void section_clear(struct sc_section *s)
{
	sb_free(s->name);
}

static void criterion_clear(struct sc_criterion *c)
{
	sb_free(c->text);
}

static void field_clear(struct sc_field *f)
{
	if (f->options)
		for (size_t i = 0; i < f->d.n_options; i++)
			sb_free(f->options[i]);
	sb_free(f->options);
	sb_free(f->label);
}

static int section_copy(struct sc_section *dst, const struct qa_section_def *d)
{
	char *name = sb_strdup(d->name);
	if (!name)
		return ENOMEM;
	dst->d = *d;
	dst->name = name;
	dst->d.name = name;
	return 0;
}

static int criterion_copy(struct sc_criterion *dst, const struct qa_criterion_def *d)
{
	char *text = sb_strdup(d->text);
	if (!text)
		return ENOMEM;
	dst->d = *d;
	dst->text = text;
	dst->d.text = text;
	if (dst->d.critical == QA_CRITICAL_NONE)
		dst->d.fail_at = 0; /* meaningless: keep the fingerprint canonical */
	return 0;
}

static int field_copy(struct sc_field *dst, const struct qa_field_def *d)
{
	struct sc_field f = {.d = *d};
	f.label = sb_strdup(d->label);
	if (!f.label)
		goto out;
	if (d->kind == QA_FIELD_DROPDOWN) {
		f.options = sb_calloc(d->n_options, sizeof(*f.options));
		if (!f.options)
			goto out;
		for (size_t i = 0; i < d->n_options; i++)
			if (!(f.options[i] = sb_strdup(d->options[i])))
				goto out;
	} else {
		f.d.n_options = 0;
	}
	f.d.label = f.label;
	f.d.options = (const char *const *)f.options;
	*dst = f;
	return 0;
out:
	field_clear(&f);
	return ENOMEM;
}

/* Grows *arr (of n elements of size sz) by one slot; capacity doubles at powers of two. */
static int grow(void *arrp, size_t n, size_t sz)
{
	void **arr = arrp;
	if (n && (n & (n - 1)))
		return 0; /* n is not a power of two: there is room */
	size_t cap = n ? n * 2 : 4;
	void *p = sb_realloc(*arr, cap * sz);
	if (!p)
		return ENOMEM;
	*arr = p;
	return 0;
}

/* ---- lifecycle ---- */

int qa_scorecard_alloc(struct qa_scorecard **scp, uint32_t id, uint32_t version, const char *name,
		       struct qa_err *err)
{
	if (!scp)
		return qa_fail(err, EINVAL, "no result pointer");
	if (id == 0 || version == 0)
		return qa_fail(err, EINVAL, "scorecard %u version %u: id and version must be >= 1",
			       id, version);
	int e = check_text(err, "scorecard", id, name);
	if (e)
		return e;
	struct qa_scorecard *sc = sb_zalloc(sizeof(*sc));
	if (!sc || !(sc->name = sb_strdup(name))) {
		sb_free(sc);
		return ENOMEM;
	}
	sc->id = id;
	sc->version = version;
	*scp = sc;
	return 0;
}

void qa_scorecard_free(struct qa_scorecard *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nsec; i++)
		section_clear(&sc->sec[i]);
	for (size_t i = 0; i < sc->ncrit; i++)
		criterion_clear(&sc->crit[i]);
	for (size_t i = 0; i < sc->nfld; i++)
		field_clear(&sc->fld[i]);
	sb_free(sc->sec);
	sb_free(sc->crit);
	sb_free(sc->fld);
	sb_free(sc->name);
	sb_free(sc);
}

int qa_scorecard_derive(struct qa_scorecard **scp, const struct qa_scorecard *from,
			uint32_t new_version, struct qa_err *err)
{
	if (!scp || !from)
		return qa_fail(err, EINVAL, "no scorecard to derive from");
	if (new_version <= from->version)
		return qa_fail(err, EINVAL, "scorecard %u: new version %u must be greater than %u",
			       from->id, new_version, from->version);
	struct qa_scorecard *sc;
	int e = qa_scorecard_alloc(&sc, from->id, new_version, from->name, err);
	if (e)
		return e;
	for (size_t i = 0; i < from->nsec && !e; i++)
		if (!(e = grow(&sc->sec, sc->nsec, sizeof(*sc->sec))) &&
		    !(e = section_copy(&sc->sec[sc->nsec], &from->sec[i].d)))
			sc->nsec++;
	for (size_t i = 0; i < from->ncrit && !e; i++)
		if (!(e = grow(&sc->crit, sc->ncrit, sizeof(*sc->crit))) &&
		    !(e = criterion_copy(&sc->crit[sc->ncrit], &from->crit[i].d)))
			sc->ncrit++;
	for (size_t i = 0; i < from->nfld && !e; i++)
		if (!(e = grow(&sc->fld, sc->nfld, sizeof(*sc->fld))) &&
		    !(e = field_copy(&sc->fld[sc->nfld], &from->fld[i].d)))
			sc->nfld++;
	if (e) {
		qa_scorecard_free(sc);
		return e;
	}
	*scp = sc;
	return 0;
}

int qa_scorecard_set_name(struct qa_scorecard *sc, const char *name, struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e || (e = check_text(err, "scorecard", sc->id, name)))
		return e;
	char *n = sb_strdup(name);
	if (!n)
		return ENOMEM;
	sb_free(sc->name);
	sc->name = n;
	return 0;
}

/* ---- sections ---- */

int qa_scorecard_add_section(struct qa_scorecard *sc, const struct qa_section_def *d,
			     struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e || (e = check_section(sc, d, false, err)))
		return e;
	if ((e = grow(&sc->sec, sc->nsec, sizeof(*sc->sec))) ||
	    (e = section_copy(&sc->sec[sc->nsec], d)))
		return e;
	sc->nsec++;
	return 0;
}

int qa_scorecard_update_section(struct qa_scorecard *sc, const struct qa_section_def *d,
				struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e || (e = check_section(sc, d, true, err)))
		return e;
	struct sc_section *s = &sc->sec[find_section(sc, d->id)], n;
	if ((e = section_copy(&n, d)))
		return e;
	section_clear(s);
	*s = n;
	return 0;
}

int qa_scorecard_remove_section(struct qa_scorecard *sc, uint32_t id, struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e)
		return e;
	ssize_t i = find_section(sc, id);
	if (i < 0)
		return qa_fail(err, EINVAL, "section %u: no such section", id);
	for (size_t k = 0; k < sc->ncrit; k++)
		if (sc->crit[k].d.section == id)
			return qa_fail(
			    err, EBUSY,
			    "section %u still holds criterion %u: remove or move it first", id,
			    sc->crit[k].d.id);
	for (size_t k = 0; k < sc->nfld; k++)
		if (sc->fld[k].d.section == id)
			return qa_fail(err, EBUSY,
				       "section %u still holds field %u: remove or move it first",
				       id, sc->fld[k].d.id);
	section_clear(&sc->sec[i]);
	memmove(&sc->sec[i], &sc->sec[i + 1], (sc->nsec - (size_t)i - 1) * sizeof(*sc->sec));
	sc->nsec--;
	return 0;
}

/* ---- criteria ---- */

int qa_scorecard_add_criterion(struct qa_scorecard *sc, const struct qa_criterion_def *d,
			       struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e || (e = check_criterion(sc, d, false, err)))
		return e;
	if ((e = grow(&sc->crit, sc->ncrit, sizeof(*sc->crit))) ||
	    (e = criterion_copy(&sc->crit[sc->ncrit], d)))
		return e;
	sc->ncrit++;
	return 0;
}

int qa_scorecard_update_criterion(struct qa_scorecard *sc, const struct qa_criterion_def *d,
				  struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e || (e = check_criterion(sc, d, true, err)))
		return e;
	struct sc_criterion *c = &sc->crit[find_criterion(sc, d->id)], n;
	if ((e = criterion_copy(&n, d)))
		return e;
	criterion_clear(c);
	*c = n;
	return 0;
}

int qa_scorecard_remove_criterion(struct qa_scorecard *sc, uint32_t id, struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e)
		return e;
	ssize_t i = find_criterion(sc, id);
	if (i < 0)
		return qa_fail(err, EINVAL, "criterion %u: no such criterion", id);
	criterion_clear(&sc->crit[i]);
	memmove(&sc->crit[i], &sc->crit[i + 1], (sc->ncrit - (size_t)i - 1) * sizeof(*sc->crit));
	sc->ncrit--;
	return 0;
}

/* ---- fields ---- */

int qa_scorecard_add_field(struct qa_scorecard *sc, const struct qa_field_def *d,
			   struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e || (e = check_field(sc, d, false, err)))
		return e;
	if ((e = grow(&sc->fld, sc->nfld, sizeof(*sc->fld))) ||
	    (e = field_copy(&sc->fld[sc->nfld], d)))
		return e;
	sc->nfld++;
	return 0;
}

int qa_scorecard_update_field(struct qa_scorecard *sc, const struct qa_field_def *d,
			      struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e || (e = check_field(sc, d, true, err)))
		return e;
	struct sc_field *f = &sc->fld[find_field(sc, d->id)], n;
	if ((e = field_copy(&n, d)))
		return e;
	field_clear(f);
	*f = n;
	return 0;
}

int qa_scorecard_remove_field(struct qa_scorecard *sc, uint32_t id, struct qa_err *err)
{
	int e = check_draft(sc, err);
	if (e)
		return e;
	ssize_t i = find_field(sc, id);
	if (i < 0)
		return qa_fail(err, EINVAL, "field %u: no such field", id);
	field_clear(&sc->fld[i]);
	memmove(&sc->fld[i], &sc->fld[i + 1], (sc->nfld - (size_t)i - 1) * sizeof(*sc->fld));
	sc->nfld--;
	return 0;
}

int qa_scorecard_seal(struct qa_scorecard *sc, struct qa_err *err)
{
	if (!sc)
		return qa_fail(err, EINVAL, "no scorecard");
	if (sc->sealed)
		return 0;
	if (sc->ncrit == 0)
		return qa_fail(err, EINVAL, "scorecard %u version %u has no criteria", sc->id,
			       sc->version);
	for (size_t i = 0; i < sc->nsec; i++) {
		bool used = false;
		for (size_t k = 0; k < sc->ncrit && !used; k++)
			used = sc->crit[k].d.section == sc->sec[i].d.id;
		if (!used)
			return qa_fail(err, EINVAL, "section %u (\"%s\") has no criteria",
				       sc->sec[i].d.id, sc->sec[i].d.name);
	}
	sc->sealed = true;
	return 0;
}

/* ---- read access ---- */

uint32_t qa_scorecard_id(const struct qa_scorecard *sc)
{
	return sc->id;
}

uint32_t qa_scorecard_version(const struct qa_scorecard *sc)
{
	return sc->version;
}

const char *qa_scorecard_name(const struct qa_scorecard *sc)
{
	return sc->name;
}

bool qa_scorecard_sealed(const struct qa_scorecard *sc)
{
	return sc->sealed;
}

size_t qa_scorecard_section_count(const struct qa_scorecard *sc)
{
	return sc->nsec;
}

const struct qa_section_def *qa_scorecard_section(const struct qa_scorecard *sc, size_t i)
{
	return i < sc->nsec ? &sc->sec[i].d : NULL;
}

size_t qa_scorecard_criterion_count(const struct qa_scorecard *sc)
{
	return sc->ncrit;
}

const struct qa_criterion_def *qa_scorecard_criterion(const struct qa_scorecard *sc, size_t i)
{
	return i < sc->ncrit ? &sc->crit[i].d : NULL;
}

size_t qa_scorecard_field_count(const struct qa_scorecard *sc)
{
	return sc->nfld;
}

const struct qa_field_def *qa_scorecard_field(const struct qa_scorecard *sc, size_t i)
{
	return i < sc->nfld ? &sc->fld[i].d : NULL;
}

const struct qa_criterion_def *qa_scorecard_find_criterion(const struct qa_scorecard *sc,
							   uint32_t id)
{
	ssize_t i = find_criterion(sc, id);
	return i < 0 ? NULL : &sc->crit[i].d;
}

/* ---- fingerprint: FNV-1a 64 over a canonical little-endian encoding ---- */

static void fnv_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ULL;
	}
}

static void fnv_u64(uint64_t *h, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	fnv_bytes(h, b, 8);
}

static void fnv_double(uint64_t *h, double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	fnv_u64(h, u);
}

static void fnv_str(uint64_t *h, const char *s)
{
	size_t n = strlen(s);
	fnv_u64(h, n);
	fnv_bytes(h, s, n);
}

uint64_t qa_scorecard_fingerprint(const struct qa_scorecard *sc)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	fnv_u64(&h, sc->id);
	fnv_u64(&h, sc->version);
	fnv_str(&h, sc->name);
	fnv_u64(&h, sc->nsec);
	for (size_t i = 0; i < sc->nsec; i++) {
		const struct qa_section_def *d = &sc->sec[i].d;
		fnv_u64(&h, d->id);
		fnv_str(&h, d->name);
		fnv_double(&h, d->weight);
	}
	fnv_u64(&h, sc->ncrit);
	for (size_t i = 0; i < sc->ncrit; i++) {
		const struct qa_criterion_def *d = &sc->crit[i].d;
		fnv_u64(&h, d->id);
		fnv_u64(&h, d->section);
		fnv_str(&h, d->text);
		fnv_double(&h, d->weight);
		fnv_u64(&h, d->points);
		fnv_u64(&h, (uint64_t)(int64_t)d->min);
		fnv_u64(&h, (uint64_t)(int64_t)d->max);
		fnv_u64(&h, d->na_allowed);
		fnv_u64(&h, (uint64_t)d->critical);
		fnv_u64(&h, (uint64_t)(int64_t)d->fail_at);
	}
	fnv_u64(&h, sc->nfld);
	for (size_t i = 0; i < sc->nfld; i++) {
		const struct qa_field_def *d = &sc->fld[i].d;
		fnv_u64(&h, d->id);
		fnv_u64(&h, d->section);
		fnv_u64(&h, (uint64_t)d->kind);
		fnv_str(&h, d->label);
		fnv_u64(&h, d->required);
		fnv_u64(&h, d->n_options);
		for (size_t k = 0; k < d->n_options; k++)
			fnv_str(&h, d->options[k]);
	}
	return h;
}

/* ---- scoring ---- */

static int check_fields(const struct qa_scorecard *sc, const struct qa_field_answer *fields,
			size_t n_fields, bool partial, struct qa_err *err)
{
	int e = 0;
	const struct qa_field_answer **by = sb_calloc(sc->nfld ? sc->nfld : 1, sizeof(*by));
	if (!by)
		return ENOMEM;
	for (size_t i = 0; i < n_fields && !e; i++) {
		const struct qa_field_answer *a = &fields[i];
		ssize_t k = find_field(sc, a->field);
		if (k < 0) {
			e = qa_fail(err, EINVAL, "field %u is not on scorecard %u version %u",
				    a->field, sc->id, sc->version);
		} else if (by[k]) {
			e = qa_fail(err, EINVAL, "field %u answered twice", a->field);
		} else if (sc->fld[k].d.kind == QA_FIELD_DROPDOWN &&
			   (a->option < -1 || a->option >= (int64_t)sc->fld[k].d.n_options)) {
			e = qa_fail(err, EINVAL, "field %u: option %d does not exist (0..%zu)",
				    a->field, a->option, sc->fld[k].d.n_options - 1);
		}
		if (!e)
			by[k] = a;
	}
	for (size_t k = 0; k < sc->nfld && !e && !partial; k++) {
		const struct qa_field_def *d = &sc->fld[k].d;
		const struct qa_field_answer *a = by[k];
		if (!d->required)
			continue;
		bool ok = a && ((d->kind == QA_FIELD_CHECKBOX && a->checked) ||
				(d->kind == QA_FIELD_DROPDOWN && a->option >= 0) ||
				(d->kind == QA_FIELD_COMMENT && a->text && a->text[0]));
		if (!ok)
			e = qa_fail(err, EINVAL, "field %u (\"%s\") is required", d->id, d->label);
	}
	sb_free(by);
	return e;
}

int qa_evaluate(struct qa_result **rp, const struct qa_scorecard *sc,
		const struct qa_answer *answers, size_t n_answers,
		const struct qa_field_answer *fields, size_t n_fields, unsigned flags,
		struct qa_err *err)
{
	if (!rp || !sc || (n_answers && !answers) || (n_fields && !fields))
		return qa_fail(err, EINVAL, "missing argument");
	if (flags & ~QA_EVAL_PARTIAL)
		return qa_fail(err, EINVAL, "unknown flags 0x%x", flags);
	if (!sc->sealed)
		return qa_fail(err, EBUSY,
			       "scorecard %u version %u is a draft: seal it before scoring", sc->id,
			       sc->version);
	bool partial = flags & QA_EVAL_PARTIAL;
	size_t sz = sizeof(struct qa_result) + sc->ncrit * sizeof(struct qa_criterion_result) +
		    sc->nsec * sizeof(struct qa_section_result);
	struct qa_result *r = sb_zalloc(sz);
	if (!r)
		return ENOMEM;
	r->criteria = (struct qa_criterion_result *)(r + 1);
	r->sections = (struct qa_section_result *)(r->criteria + sc->ncrit);
	r->n_criteria = sc->ncrit;
	r->n_sections = sc->nsec;
	r->scorecard = sc->id;
	r->version = sc->version;
	r->fingerprint = qa_scorecard_fingerprint(sc);

	int e = 0;
	bool *seen = sb_calloc(sc->ncrit, sizeof(*seen));
	if (!seen) {
		e = ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < sc->ncrit; k++) {
		r->criteria[k].id = sc->crit[k].d.id;
		r->criteria[k].section = sc->crit[k].d.section;
		r->criteria[k].score = NAN;
	}
	for (size_t i = 0; i < n_answers; i++) {
		const struct qa_answer *a = &answers[i];
		ssize_t k = find_criterion(sc, a->criterion);
		if (k < 0) {
			e = qa_fail(err, EINVAL, "criterion %u is not on scorecard %u version %u",
				    a->criterion, sc->id, sc->version);
			goto out;
		}
		const struct qa_criterion_def *d = &sc->crit[k].d;
		if (seen[k]) {
			e = qa_fail(err, EINVAL, "criterion %u answered twice", d->id);
			goto out;
		}
		seen[k] = true;
		if (a->na) {
			if (!d->na_allowed) {
				e = qa_fail(err, EINVAL, "criterion %u does not allow N/A", d->id);
				goto out;
			}
			continue;
		}
		if (!on_scale(d, a->value)) {
			e = qa_fail(err, EINVAL,
				    "criterion %u: %d is not a point of its %u-point scale %d..%d",
				    d->id, a->value, d->points, d->min, d->max);
			goto out;
		}
		struct qa_criterion_result *cr = &r->criteria[k];
		cr->rated = true;
		cr->score = 100.0 * (double)(a->value - d->min) / (double)(d->max - d->min);
		cr->failed = d->critical != QA_CRITICAL_NONE && a->value <= d->fail_at;
	}
	for (size_t k = 0; k < sc->ncrit && !partial; k++)
		if (!seen[k]) {
			e = qa_fail(err, EINVAL, "criterion %u (\"%s\") is not answered",
				    sc->crit[k].d.id, sc->crit[k].d.text);
			goto out;
		}
	if ((e = check_fields(sc, fields, n_fields, partial, err)))
		goto out;

	/* Sections: weights, failures, scores. */
	for (size_t s = 0; s < sc->nsec; s++) {
		struct qa_section_result *sr = &r->sections[s];
		double num = 0;
		sr->id = sc->sec[s].d.id;
		for (size_t k = 0; k < sc->ncrit; k++) {
			const struct qa_criterion_result *cr = &r->criteria[k];
			if (cr->section != sr->id || !cr->rated)
				continue;
			sr->rated++;
			sr->rated_weight += sc->crit[k].d.weight;
			num += sc->crit[k].d.weight * cr->score;
			if (cr->failed && sc->crit[k].d.critical == QA_CRITICAL_SECTION)
				sr->failed = true;
		}
		sr->score = sr->rated == 0 ? NAN : sr->failed ? 0.0 : num / sr->rated_weight;
		if (sr->failed)
			r->failed_sections++;
	}
	/* The evaluation: sum(W x score) / sum(W) over rated criteria, in scorecard order. */
	double num = 0;
	for (size_t k = 0; k < sc->ncrit; k++) {
		struct qa_criterion_result *cr = &r->criteria[k];
		ssize_t s = find_section(sc, cr->section);
		cr->weight = sc->sec[s].d.weight * sc->crit[k].d.weight;
		if (!cr->rated)
			continue;
		r->rated++;
		r->rated_weight += cr->weight;
		num += r->sections[s].failed ? 0.0 : cr->weight * cr->score;
		if (cr->failed && sc->crit[k].d.critical == QA_CRITICAL_WHOLE)
			r->failed = true;
	}
	r->score = r->rated == 0 ? NAN : r->failed ? 0.0 : num / r->rated_weight;
out:
	sb_free(seen);
	if (e) {
		sb_free(r);
		return e;
	}
	*rp = r;
	return 0;
}

void qa_result_free(struct qa_result *r)
{
	sb_free(r);
}
