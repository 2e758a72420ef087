/* scorecard: versioned QA scorecards (sections, weighted criteria, scales, critical criteria,
 * non-scoring fields) and the scoring of an evaluation against one version. */
#ifndef SB_CORE_QA_SCORECARD_H
#define SB_CORE_QA_SCORECARD_H

/*
 * A scorecard is built as a draft (qa_scorecard_alloc, then add/update/remove
 * items), then sealed (qa_scorecard_seal validates it as a whole). A sealed
 * scorecard is immutable: every edit returns EBUSY. Evaluations are scored
 * only against sealed scorecards and keep the (id, version) and fingerprint
 * they were scored with. "Editing" a scorecard that evaluations reference
 * means qa_scorecard_derive: a new draft, a copy with a higher version
 * number, edited and sealed in turn; the old version stays as it was, so old
 * evaluations score the same for ever.
 *
 * Definitions (docs/quality.md has worked examples):
 *   criterion score  = (selected - min) / (max - min) x 100
 *   section score    = sum(w x score) / sum(w) over the section's rated criteria
 *   evaluation score = sum(W x score) / sum(W) over all rated criteria, where
 *                      W = section weight x criterion weight (section weights
 *                      all 1: exactly the formula over criteria)
 * "Rated" means answered with a value (not N/A). A failed section-critical
 * criterion sets its section's score to 0, and the section's criteria then
 * count 0 in the evaluation score (their weights stay in the denominator);
 * a failed whole-critical criterion sets the evaluation score to 0. A score
 * with nothing rated is undefined (NaN), never 0 or 100.
 *
 * Ids (section, criterion, field) are chosen by the caller, non-zero and
 * unique within their kind; they stay the same across versions so that
 * calibration and reports can follow a criterion over time.
 */

#include "core/qa/qa.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits, so that one scorecard can never cost unbounded work. */
#define QA_MAX_SECTIONS 64
#define QA_MAX_CRITERIA 256
#define QA_MAX_FIELDS	64
#define QA_MAX_OPTIONS	64
#define QA_MAX_TEXT	1000 /* bytes of a name, text, label or option */
#define QA_MAX_SCALE	1000 /* |min| and |max| of a rating scale */
#define QA_MAX_WEIGHT	1e6  /* section and criterion weights are in (0, QA_MAX_WEIGHT] */

enum qa_critical {
	QA_CRITICAL_NONE = 0,
	QA_CRITICAL_SECTION, /* failing sets its section's score to 0 */
	QA_CRITICAL_WHOLE,   /* failing sets the evaluation score to 0 */
};

enum qa_field_kind {
	QA_FIELD_CHECKBOX = 1,
	QA_FIELD_DROPDOWN,
	QA_FIELD_COMMENT,
};

struct qa_section_def {
	uint32_t id;
	const char *name;
	double weight; /* > 0; multiplies its criteria's weights in the evaluation score */
};

/*
 * A rating scale has `points` consecutive points from min to max, evenly
 * spaced: binary (points 2) is exactly 0/1; 3, 4 or 5 points need max > min
 * and (max - min) divisible by (points - 1): 1..5, 0..4, 0..10 by 5 ...
 */
struct qa_criterion_def {
	uint32_t id;
	uint32_t section; /* id of an existing section */
	const char *text;
	double weight; /* > 0, finite */
	unsigned points;
	int32_t min, max;
	bool na_allowed; /* "not applicable" may be answered; left out of every score */
	enum qa_critical critical;
	int32_t fail_at; /* critical only: a selected value <= fail_at fails; a point of
			    the scale below max (usually min) */
};

/*
 * A non-scoring field. `required` means: a checkbox must be checked, a
 * dropdown must have an option chosen, a comment must not be empty.
 */
struct qa_field_def {
	uint32_t id;
	uint32_t section; /* 0: belongs to the whole evaluation; else a section id */
	enum qa_field_kind kind;
	const char *label;
	bool required;
	const char *const *options; /* dropdown only: 1..QA_MAX_OPTIONS distinct, non-empty */
	size_t n_options;
};

struct qa_scorecard;

/* A new empty draft. id and version >= 1; name non-empty. */
int qa_scorecard_alloc(struct qa_scorecard **scp, uint32_t id, uint32_t version, const char *name,
		       struct qa_err *err);
void qa_scorecard_free(struct qa_scorecard *sc);

/*
 * A new draft copying every item of `from` (sealed or not) with version
 * new_version, which must be greater than from's. `from` is not changed.
 */
int qa_scorecard_derive(struct qa_scorecard **scp, const struct qa_scorecard *from,
			uint32_t new_version, struct qa_err *err);

/*
 * Draft edits; all return EBUSY on a sealed scorecard and EINVAL (with the
 * reason in err) on a bad item. The definitions are copied; items keep the
 * order in which they were added (an update keeps its place).
 */
int qa_scorecard_set_name(struct qa_scorecard *sc, const char *name, struct qa_err *err);
int qa_scorecard_add_section(struct qa_scorecard *sc, const struct qa_section_def *d,
			     struct qa_err *err);
int qa_scorecard_update_section(struct qa_scorecard *sc, const struct qa_section_def *d,
				struct qa_err *err);
/* EBUSY while criteria or fields still belong to the section. */
int qa_scorecard_remove_section(struct qa_scorecard *sc, uint32_t id, struct qa_err *err);
int qa_scorecard_add_criterion(struct qa_scorecard *sc, const struct qa_criterion_def *d,
			       struct qa_err *err);
int qa_scorecard_update_criterion(struct qa_scorecard *sc, const struct qa_criterion_def *d,
				  struct qa_err *err);
int qa_scorecard_remove_criterion(struct qa_scorecard *sc, uint32_t id, struct qa_err *err);
int qa_scorecard_add_field(struct qa_scorecard *sc, const struct qa_field_def *d,
			   struct qa_err *err);
int qa_scorecard_update_field(struct qa_scorecard *sc, const struct qa_field_def *d,
			      struct qa_err *err);
int qa_scorecard_remove_field(struct qa_scorecard *sc, uint32_t id, struct qa_err *err);

/*
 * Validates the whole draft (at least one criterion; every section holds at
 * least one criterion) and makes it immutable. Sealing a sealed scorecard
 * is a no-op.
 */
int qa_scorecard_seal(struct qa_scorecard *sc, struct qa_err *err);

/* Read access, for the API and the store. Pointers live as long as sc (and, on a draft,
 * until the next edit). Items come in the order they were added. */
uint32_t qa_scorecard_id(const struct qa_scorecard *sc);
uint32_t qa_scorecard_version(const struct qa_scorecard *sc);
const char *qa_scorecard_name(const struct qa_scorecard *sc);
bool qa_scorecard_sealed(const struct qa_scorecard *sc);
size_t qa_scorecard_section_count(const struct qa_scorecard *sc);
const struct qa_section_def *qa_scorecard_section(const struct qa_scorecard *sc, size_t i);
size_t qa_scorecard_criterion_count(const struct qa_scorecard *sc);
const struct qa_criterion_def *qa_scorecard_criterion(const struct qa_scorecard *sc, size_t i);
size_t qa_scorecard_field_count(const struct qa_scorecard *sc);
const struct qa_field_def *qa_scorecard_field(const struct qa_scorecard *sc, size_t i);
/* Finds an item by id; NULL when absent. */
const struct qa_criterion_def *qa_scorecard_find_criterion(const struct qa_scorecard *sc,
							   uint32_t id);

/*
 * A 64-bit FNV-1a hash of the whole definition (id, version, name and every
 * item, in order). Equal definitions hash equal; any edit changes it. The
 * store records it with each evaluation and can check, when it loads a
 * version back, that the definition is still the one scored against.
 */
uint64_t qa_scorecard_fingerprint(const struct qa_scorecard *sc);

/* ---- evaluations ---- */

/* The answer to one criterion: a point of its scale, or N/A. */
struct qa_answer {
	uint32_t criterion;
	bool na;
	int32_t value; /* ignored when na */
};

/* The answer to one non-scoring field; only the member of its kind is read. */
struct qa_field_answer {
	uint32_t field;
	bool checked;	  /* checkbox */
	int32_t option;	  /* dropdown: index into the options, -1 = none chosen */
	const char *text; /* comment: NULL or "" = none */
};

/*
 * qa_evaluate flag QA_EVAL_PARTIAL: a preview of an unfinished evaluation;
 * unanswered criteria are left out like N/A, required fields are not enforced.
 */
#define QA_EVAL_PARTIAL 1u

struct qa_criterion_result {
	uint32_t id, section;
	bool rated;    /* answered with a value */
	bool failed;   /* a critical criterion answered at or below fail_at */
	double score;  /* 0..100; NaN when not rated */
	double weight; /* effective weight W = section weight x criterion weight */
};

struct qa_section_result {
	uint32_t id;
	size_t rated;	     /* criteria rated */
	double rated_weight; /* sum of the rated criteria's weights (criterion weights) */
	bool failed;	     /* a section-critical criterion failed: score is 0 */
	double score;	     /* 0..100; NaN when nothing in it was rated */
};

struct qa_result {
	uint32_t scorecard, version;
	uint64_t fingerprint;
	double score; /* 0..100; NaN when nothing was rated */
	bool failed;  /* a whole-critical criterion failed: score is 0 */
	size_t failed_sections;
	size_t rated;	     /* criteria rated */
	double rated_weight; /* sum of W over rated criteria (the denominator) */
	size_t n_criteria;   /* scorecard order */
	struct qa_criterion_result *criteria;
	size_t n_sections; /* scorecard order */
	struct qa_section_result *sections;
};

/*
 * Scores one evaluation against a sealed scorecard. Every criterion must be
 * answered exactly once (value on its scale, or N/A where allowed) unless
 * QA_EVAL_PARTIAL; each field at most once, and the required ones as their
 * kind demands. On success *rp is a new result the caller frees with
 * qa_result_free. EBUSY when sc is a draft; EINVAL with the reason in err.
 */
int qa_evaluate(struct qa_result **rp, const struct qa_scorecard *sc,
		const struct qa_answer *answers, size_t n_answers,
		const struct qa_field_answer *fields, size_t n_fields, unsigned flags,
		struct qa_err *err);
void qa_result_free(struct qa_result *r);

#endif
