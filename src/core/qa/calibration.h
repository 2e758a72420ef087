/* calibration: agreement statistics of a calibration session (spread, share within +/-5 points
 * of the reference, each evaluator's deviation) and evaluators' drift across sessions. */
#ifndef SB_CORE_QA_CALIBRATION_H
#define SB_CORE_QA_CALIBRATION_H

/*
 * In a calibration session several evaluators score the same interactions
 * blind (hiding the others' scores until the session closes is the API's
 * job). When it closes, the scores go in here: for each evaluator, each
 * interaction, each criterion's score and the overall score (criterion id
 * QA_OVERALL), NaN for N/A. Definitions (docs/quality.md works them by hand):
 *
 * - An item is one criterion (or the overall score) of one interaction.
 * - Reference of an item: the designated expert's score when there is an
 *   expert (undefined when the expert answered N/A or gave no score for it);
 *   without an expert, the median of the evaluators' scores (the mean of the
 *   two middle ones for an even count). The expert is the yardstick, not an
 *   evaluator: their scores enter no statistic but the reference.
 * - Per item: mean and population standard deviation of the evaluators'
 *   scores; the share within +/-5 points: |score - reference| <= 5 (with a
 *   1e-9 tolerance for floating-point error), over the scores compared.
 * - Per criterion over the session: the mean of all its scores, the pooled
 *   standard deviation sqrt(sum over items of sum (score - item mean)^2 / n)
 *   (the spread between evaluators, not between interactions), the share
 *   within +/-5 over all its compared scores.
 * - Per evaluator and criterion: the mean signed deviation (score -
 *   reference; positive = more generous than the reference) and the mean
 *   absolute deviation, over the items with a reference that they scored.
 * - N/A answers enter no mean; they are counted (n_na) because an
 *   evaluator saying N/A where others rate is itself a disagreement.
 *
 * Calibration evaluations never count towards an agent's IQS (see iqs.h).
 */

#include "core/qa/qa.h"
#include "core/qa/scorecard.h"

#include <stddef.h>
#include <stdint.h>

#define QA_OVERALL	   0u  /* the criterion id that stands for the overall score */
#define QA_CALIB_TOLERANCE 5.0 /* points either side of the reference */

struct qa_calib;

/* A new empty session; expert = the reference evaluator's id, or 0 for the median. */
int qa_calib_alloc(struct qa_calib **cp, uint32_t expert, struct qa_err *err);
void qa_calib_free(struct qa_calib *c);

/* One score (0..100, or NaN for N/A). evaluator != 0. */
int qa_calib_add(struct qa_calib *c, uint32_t evaluator, uint64_t interaction, uint32_t criterion,
		 double score, struct qa_err *err);
/* Every score of an evaluation: the overall score and each criterion's. */
int qa_calib_add_result(struct qa_calib *c, uint32_t evaluator, uint64_t interaction,
			const struct qa_result *r, struct qa_err *err);

struct qa_calib_item {
	uint64_t interaction;
	uint32_t criterion;
	size_t n;	  /* evaluators' scores (expert not counted) */
	size_t n_na;	  /* evaluators' N/A */
	double mean, sd;  /* of the n scores; NaN when n = 0 */
	double reference; /* NaN when there is none */
	size_t n_within;  /* scores within +/-5 of the reference */
	double within;	  /* n_within / n; NaN without a reference or scores */
};

struct qa_calib_stat {
	uint32_t criterion; /* QA_OVERALL for the overall score */
	size_t items;	    /* interactions it was scored on */
	size_t n, n_na;
	double mean;  /* of all n scores */
	double sd;    /* pooled within-interaction population standard deviation */
	size_t n_ref; /* scores whose item has a reference */
	size_t n_within;
	double within; /* n_within / n_ref */
};

struct qa_calib_dev {
	uint32_t evaluator, criterion;
	size_t n;    /* scores compared with a reference */
	size_t n_na; /* N/A answers given */
	size_t n_within;
	double mean_dev;     /* mean of score - reference; NaN when n = 0 */
	double mean_abs_dev; /* mean of |score - reference| */
};

struct qa_calib_report {
	uint32_t expert;
	size_t n_evaluators; /* ascending, the expert left out */
	uint32_t *evaluators;
	size_t n_interactions;
	size_t n_items; /* by criterion (QA_OVERALL first), then interaction */
	struct qa_calib_item *items;
	size_t n_stats; /* by criterion, QA_OVERALL first */
	struct qa_calib_stat *stats;
	size_t n_devs; /* by evaluator, then criterion */
	struct qa_calib_dev *devs;
};

/*
 * Computes the session's statistics. EINVAL when nothing was added, when
 * an evaluator scored the same item twice, or when the expert scored nothing.
 */
int qa_calib_report(struct qa_calib_report **rp, const struct qa_calib *c, struct qa_err *err);
void qa_calib_report_free(struct qa_calib_report *r);
/* Lookups in a report; NULL when absent. */
const struct qa_calib_stat *qa_calib_find_stat(const struct qa_calib_report *r, uint32_t criterion);
const struct qa_calib_dev *qa_calib_find_dev(const struct qa_calib_report *r, uint32_t evaluator,
					     uint32_t criterion);

/* ---- drift across sessions ---- */

/* One evaluator's deviation in one session (usually their overall mean_dev). */
struct qa_drift_point {
	uint32_t evaluator;
	int64_t time; /* the session's time, epoch ms */
	double deviation;
};

struct qa_drift {
	uint32_t evaluator;
	size_t n;
	size_t first; /* index of its first point in the report's points */
	int64_t from, to;
	double mean_dev, mean_abs_dev;
	/* least-squares slope of deviation over time, in points per 30 days;
	   NaN with fewer than two distinct times */
	double slope_per_30d;
};

struct qa_drift_report {
	size_t n_points; /* by evaluator, then time (then input order) */
	struct qa_drift_point *points;
	size_t n_evaluators; /* ascending */
	struct qa_drift *evaluators;
};

/* EINVAL for a deviation that is not a number in -100..100 or a time out of range. */
int qa_calib_drift(struct qa_drift_report **rp, const struct qa_drift_point *pts, size_t n,
		   struct qa_err *err);
void qa_drift_report_free(struct qa_drift_report *r);

#endif
