/*
 * stats/forecast_impl.h — what the forecaster's modules share inside
 * stats/forecast*.c: the boosted trees (stats/forecast_trees.c), the
 * conformal calibration (stats/forecast_conformal.c) and two order
 * statistics helpers (stats/forecast.c).
 *
 * Not for: callers of the forecaster (use stats/forecast.h).
 */
#ifndef XETL_FORECAST_IMPL_H
#define XETL_FORECAST_IMPL_H

#include "stats/forecast.h"

#define FC_S_FLOOR 0.02    /* a local spread below 2 % is not believed */
#define FC_FSCALE_MIN 0.05 /* the least scale of a shape feature */

/* qsort comparison of doubles, ascending. */
int fc_cmp_double(const void *x, const void *y);
/* Median of v[0..n) (reorders v). */
double fc_median_fast(double *v, int n);

/* The rounds of the median learner the inner cross-validation chooses from. */
#define FC_GB_NROUNDS 4
extern const int fc_gb_rounds_grid[FC_GB_NROUNDS];
/* The boosted prediction from the first nt trees. */
double fc_gb_eval(double init, const struct fc_tree *tr, int nt, const double *x);
/* Boosts nt trees on g over rows[0..n) at anchor a into tr[0..nt), the
 * starting value (the median) into *init.  Returns 0 or -1 on ENOMEM. */
int fc_gb_fit(const struct fc_model *m, int a, const int *rows, int n, int nt, struct fc_tree *tr, double *init);

/* The conformal quantiles of the normalised residuals z[0..nzs) (sorted in
 * place) at the coverage cover, per Mondrian bin of the predictions
 * tmp[0..nzs) when there are enough: an's nbin, cut, q_lo/q_hi/q_mid, qb_lo/qb_hi.
 * Returns 0 or -1 on ENOMEM. */
int fc_conformal_fit(struct fc_anchor *an, double cover, const double *tmp, double *z, int nzs);

/* Shape: ln(y_a/y_j) for the earlier anchors j; size: ln y_a in slot a. */
void fc_features(const double *y, int a, double *f);

/*
 * The part of fc_train that the cross-validation does not choose: the pool,
 * every post's ratios, features and Lomax ratios at each anchor, the global
 * set's level shift, each anchor's usable rows, median rule and feature
 * scales (m->a[a].n, sh_med, sh_sd, fscale).  O(posts); the same inputs give
 * the same bits.  Returns 0, or -1 on ENOMEM (m then empty).
 */
int fc_prepare(struct fc_model *m, const struct fc_ref *own, int n_own, const struct fc_ref *glob, int n_glob,
               double glob_scale, double cover);

#endif
