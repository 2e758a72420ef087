/* iqs: internal quality score (IQS), the mean of evaluation scores of an agent, team or period. */
#ifndef SB_CORE_QA_IQS_H
#define SB_CORE_QA_IQS_H

/*
 * IQS = the mean of the evaluation scores, over the evaluations that count:
 * calibration evaluations never count (they score the evaluators, not the
 * agent) and evaluations with an undefined score (every criterion N/A) have
 * no score to average. The standard deviation is the population one (divide
 * by n): it describes the scores we have. An IQS over no evaluation is
 * undefined (NaN). Grouping (per agent, team, week ...) is the caller's
 * choice, expressed as a key per item; docs/quality.md has the example.
 */

#include "core/qa/qa.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qa_iqs_item {
	uint64_t key;	  /* the group (agent id, team id, period start ...); qa_iqs ignores it */
	double score;	  /* an evaluation score 0..100, or NaN when undefined */
	bool calibration; /* made in a calibration session: never counts */
};

struct qa_iqs {
	uint64_t key;
	size_t n;		     /* evaluations that count */
	size_t excluded_calibration; /* calibration evaluations left out */
	size_t excluded_undefined;   /* evaluations without a score left out */
	double mean;		     /* the IQS; NaN when n = 0 */
	double sd;		     /* population standard deviation; NaN when n = 0 */
	double min, max;	     /* NaN when n = 0 */
};

/* One IQS over all items. EINVAL (err names the item) for a score outside 0..100 or infinite. */
int qa_iqs(const struct qa_iqs_item *items, size_t n, struct qa_iqs *out, struct qa_err *err);

/*
 * One IQS per distinct key, ascending by key: *groups is a new array of
 * *n_groups entries (none when n = 0) that the caller frees with sb_free.
 */
int qa_iqs_group(struct qa_iqs **groups, size_t *n_groups, const struct qa_iqs_item *items,
		 size_t n, struct qa_err *err);

#endif
