/*
 * stats/forecast_conformal.c — the forecaster's split-conformal interval
 * quantiles, per third of the predicted growth (Mondrian) when there are
 * enough posts.  See stats/forecast_impl.h; docs/models.md §6.
 */
#include "stats/forecast_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Conformal quantile: the ceil((n + 1)·p)-th smallest of z (sorted), clipped to the sample. */
static double conformal_q(const double *z, int n, double p)
{
    int r = (int)ceil((n + 1) * p) - 1;
    if (r < 0)
        r = 0;
    if (r > n - 1)
        r = n - 1;
    return z[r];
}

int fc_conformal_fit(struct fc_anchor *an, double cover, const double *tmp, double *z, int nzs)
{
    /* Mondrian: calibrated separately in each third of the predicted growth
     * (fast growers get their own, longer, upper side), when each third has
     * FC_BIN_MIN posts; else once over all. */
    double alpha = 1.0 - cover;
    an->nbin = nzs >= FC_NBIN * FC_BIN_MIN ? FC_NBIN : 1;
    if (an->nbin > 1) {
        double *ps = malloc(sizeof(double) * (size_t)nzs), *zb = malloc(sizeof(double) * (size_t)nzs);
        if (!ps || !zb) {
            free(ps);
            free(zb);
            return -1;
        }
        memcpy(ps, tmp, sizeof(double) * (size_t)nzs);
        qsort(ps, (size_t)nzs, sizeof *ps, fc_cmp_double);
        for (int b = 0; b + 1 < FC_NBIN; b++)
            an->cut[b] = ps[(size_t)nzs * (size_t)(b + 1) / FC_NBIN];
        for (int b = 0; b < FC_NBIN; b++) {
            int nb = 0;
            for (int t = 0; t < nzs; t++) {
                int bb = 0;
                while (bb + 1 < FC_NBIN && tmp[t] >= an->cut[bb])
                    bb++;
                if (bb == b)
                    zb[nb++] = z[t];
            }
            qsort(zb, (size_t)nb, sizeof *zb, fc_cmp_double);
            /* an empty bin (tied predictions put every post on one side of
             * a cut) takes the overall quantiles, below */
            an->qb_lo[b] = nb > 0 ? conformal_q(zb, nb, 0.5 * alpha) : NAN;
            an->qb_hi[b] = nb > 0 ? conformal_q(zb, nb, 1.0 - 0.5 * alpha) : NAN;
        }
        free(ps);
        free(zb);
    }
    qsort(z, (size_t)nzs, sizeof *z, fc_cmp_double);
    an->q_lo = conformal_q(z, nzs, 0.5 * alpha);
    an->q_hi = conformal_q(z, nzs, 1.0 - 0.5 * alpha);
    an->q_mid = conformal_q(z, nzs, 0.5);
    for (int b = 0; b < an->nbin; b++)
        if (an->nbin == 1 || isnan(an->qb_lo[b])) {
            an->qb_lo[b] = an->q_lo;
            an->qb_hi[b] = an->q_hi;
        }
    return 0;
}
