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

#include <stdbool.h>
#include <stddef.h>

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

/* ---- the inner cross-validation (stats/forecast.c, the stack's choice in stats/forecast_stack.c) ---- */

/* The k values it chooses from, and the weight of the size feature ln y_a against the shape's. */
#define FC_NK 8
extern const int fc_k_grid[FC_NK];
#define FC_NSZ 3
extern const double fc_size_grid[FC_NSZ];
#define FC_WSTEP 10 /* stack weights on a 0.1 grid of the simplex */

/* Scratch of one anchor's inner cross-validation: out-of-fold components per
 * row (N rows) and configuration (nz size weights x nk neighbour counts). */
struct fc_cvws {
    size_t N;
    int nk, nz;
    double *A, *Lo, *Hi;  /* [nz*nk*N] the analogs' median and spreads */
    double *Sh, *R, *Rg;  /* [N] the median rule, the chosen trees, [NROUNDS*N] the trees by rounds */
    double *tmp, *z;      /* [N] scratch; z [2N] (fc_knn_select's during the folds) */
    int *cand;            /* [N] a fold's training rows */
    double *ds, *dz;      /* [N] a row's distance parts to them (nbr_parts) */
    double *dd;           /* [N] its distances at one size weight */
    struct fc_tree *tr;   /* [FC_TREE_MAX] a fold's trees */
};

/*
 * Whether the median of v[0..n) is below thr, its value into *med when it is
 * computed (reorders v); the answer and a *med used are always
 * fc_median_fast's.
 */
bool fc_median_below(double *v, int n, double thr, double *med);

/* The stack: size weight, k and the four weights of lowest out-of-fold
 * median |log error| (first on ties) over rows[0..n) into m->a[a] (own_only:
 * scored on the own posts); the chosen configuration's offset into
 * w->A/Lo/Hi into *c0.  0, or -1 on ENOMEM. */
int fc_choose_stack(struct fc_model *m, int a, const int *rows, int n, bool own_only, struct fc_cvws *w, size_t *c0);

/* ---- nearest neighbours (stats/forecast_knn.c) ---- */

struct fc_nbr {
    double d;
    int i;
};

/* Inserts src[from..to) into the sorted srt[0..from), each after its equals:
 * srt[0..to) is then the stable sort of src's first to values, as qsort
 * gives.  srt may be src (sorts in place). */
void fc_sorted_extend(double *srt, const double *src, int from, int to);

/* The k-th smallest (0-based) of v[0..n), none NaN, without branches in the
 * partitions; v and buf (n each) are scratch. */
double fc_select_kth(double *v, double *buf, int n, int k);

/* Offers candidate i at distance d to the k nearest so far out[0..*got). */
void fc_nbr_offer(struct fc_nbr *out, int *got, int k, double d, int i);

/*
 * The k nearest of cand[0..nc) at distances d[0..nc) into out, nearest
 * first, ties in candidate order: what offering them one by one to
 * fc_nbr_offer keeps.  scratch: 2·nc doubles.  Returns how many (<= k).
 */
int fc_knn_select(const double *d, const int *cand, int nc, int k, struct fc_nbr *out, double *scratch);

#endif
