/* stats: mean and 95% confidence interval across replications (Welford accumulation, Student t). */
#ifndef SB_CORE_SIM_STATS_H
#define SB_CORE_SIM_STATS_H

#include <stdint.h>

/* Running mean and sum of squared deviations (Welford); NaN values are skipped. */
struct sim_acc {
	uint32_t n;
	double mean, m2;
};

/* A figure across replications: mean and the 95% confidence interval [lo, hi]. */
struct sim_stat {
	double mean;   /* NaN when no replication had a value */
	double lo, hi; /* NaN when fewer than two replications had a value */
	uint32_t n;    /* replications with a value */
};

static inline void sim_acc_init(struct sim_acc *a)
{
	a->n = 0;
	a->mean = 0;
	a->m2 = 0;
}

void sim_acc_add(struct sim_acc *a, double x);
/* mean +- t(0.975, n-1) * s / sqrt(n), s the sample standard deviation. */
void sim_acc_stat(const struct sim_acc *a, struct sim_stat *out);

/*
 * The 0.975 quantile of Student's t with df degrees of freedom (df >= 1):
 * exact to 9 digits from a table for df <= 30, Hill's asymptotic expansion
 * (error below 1e-6) beyond.
 */
double sim_t975(uint32_t df);

#endif
