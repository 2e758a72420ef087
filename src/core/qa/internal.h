/* qa internal: helpers shared by the qa sources, not part of the public API. */
#ifndef SB_CORE_QA_INTERNAL_H
#define SB_CORE_QA_INTERNAL_H

#include "core/qa/qa.h"

/* Writes a message into err (when not NULL) and returns code. */
int qa_fail(struct qa_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Population mean and standard deviation of v[0..n) (two passes); NaN when n = 0. */
void qa_mean_sd(const double *v, size_t n, double *mean, double *sd);

#endif
