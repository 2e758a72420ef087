/* stats: Welford accumulation and Student t confidence intervals (see stats.h). */
#include "core/sim/stats.h"

#include <math.h>

void sim_acc_add(struct sim_acc *a, double x)
{
	if (isnan(x))
		return;
	a->n++;
	double d = x - a->mean;
	a->mean += d / a->n;
	a->m2 += d * (x - a->mean);
}

void sim_acc_stat(const struct sim_acc *a, struct sim_stat *out)
{
	out->n = a->n;
	out->mean = a->n ? a->mean : NAN;
	out->lo = out->hi = NAN;
	if (a->n < 2)
		return;
	double var = a->m2 > 0 ? a->m2 / (a->n - 1) : 0;
	double half = sim_t975(a->n - 1) * sqrt(var / a->n);
	out->lo = a->mean - half;
	out->hi = a->mean + half;
}

/* t(0.975, df) for df = 1..30 */
static const double t975[30] = {
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
    2.364624252,  2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830,
    2.160368656,  2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040,
    2.093024054,  2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553,  2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
};

double sim_t975(uint32_t df)
{
	if (df == 0)
		return NAN;
	if (df <= 30)
		return t975[df - 1];
	/* Hill (1970), Cornish-Fisher expansion of t in powers of 1/df around the normal quantile
	 */
	const double z = 1.959963984540054;
	double z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
	double g1 = (z3 + z) / 4;
	double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
	double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
	double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
	double v = 1.0 / df;
	return z + v * (g1 + v * (g2 + v * (g3 + v * g4)));
}
