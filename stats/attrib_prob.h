/*
 * stats/attrib_prob.h — the attribution problem inside stats/attrib.c: the
 * intervals, the baseline design, each post's lagged exposure per interval
 * and window, the weighted NNLS fit of the rates (Stage A), the noise model
 * and the conditional-mean split.  Internal to stats/attrib*.c.
 *
 * Not for: callers outside the attribution model (use stats/attrib.h).
 */
#ifndef XETL_ATTRIB_PROB_H
#define XETL_ATTRIB_PROB_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/xerr.h"
#include "stats/attrib.h"
#include "stats/nnls.h"

/* Ages 0..168 h: 5-minute steps to 24 h (the 1 h window needs them), then
 * 30-minute steps. */
#define GRID_FINE 288
#define GRID_N (GRID_FINE + 288)

struct ent {
    int k, j;                   /* interval, post */
    double E[ATTRIB_NWIN];      /* lagged exposure increment inside each window (E[last] = all) */
};

#define MAX_BASE 6

struct prob {
    int K, P, G, NB;
    const struct attrib_post *posts;
    double *dt;                 /* [K] hours */
    double *delta;              /* [K] observed */
    double *known;              /* [K] flow of platform-reported posts */
    double *Bx;                 /* [K*NB] baseline design: drift, trend, daily and weekly harmonics */
    double *X;                  /* [K*G] regressed exposure per group */
    double *sigma;              /* [K] noise sd */
    double *I;                  /* [P*(GRID_N+1)] cumulative exposure on the grid */
    double *Gc;                 /* [4*(GRID_N+1)] scratch: lagged curves */
    struct ent *ent;            /* entries, contiguous per post */
    size_t n_ent, cap_ent;
    int *first, *count;         /* [P] */
    int *kfirst, *kent;         /* entries by interval: kent[kfirst[k] .. kfirst[k+1]) */
    double *Etot;               /* [P] */
    int *n_in_group;            /* [G] regressed posts with exposure */
    double lag;
    double va, vc, vphi;        /* Var = va dt + vc m + vphi m^2 per post */
    double *u;                  /* [P] post multipliers (posterior mean) */
    /* scratch */
    struct nnls ls;
    double *a, *y;              /* design ((K+G) x (NB+G)) and response */
    double *flow, *vflow, *mb;  /* [K] */
    double *coef;               /* [NB+G] */
    double *lambda;             /* [G] ridge weights */
};

static inline bool post_known(const struct attrib_post *p)
{
    return isfinite(p->known_follows);
}

/* Builds intervals, the baseline design and the exposure grids. */
int prob_build(struct prob *pr, const int64_t *t, const double *F, int ns,
               const struct attrib_post *posts, int P, int G, struct xerr *err);
void prob_release(struct prob *pr);
/* Entries for lag L (hours): exposure increments per interval and window. */
void prob_build_entries(struct prob *pr, const int64_t *t, double L);
/* Ridge weights: a group's prior is worth prior_posts of its own posts. */
void prob_set_lambda(struct prob *pr, double prior_posts);
/* Stage A: baseline base[NB] and group rates rho[G] (pooled *rho0) from yk. */
int prob_stage_a(struct prob *pr, const double *yk, double *base, double *rho, double *rho0);
/* Weighted residual sum of squares of a Stage A fit. */
double prob_stage_a_rss(struct prob *pr, const double *y, const double *base, const double *rho);
/* The noise model fitted to the squared residuals; sets sigma. */
int prob_fit_variance(struct prob *pr, const double *y, const double *base, const double *rho);
/* Baseline mean of interval k, and the variance of its net flow. */
double prob_base_mean(const struct prob *pr, int k, const double *base);
double prob_base_var(const struct prob *pr, int k, double mb);
/* Modelled flow (pr->flow), its variance (pr->vflow) and the baseline (pr->mb). */
void prob_model_flow(struct prob *pr, const double *base, const double *rho, const double *u);
/* The conditional-mean split: credit [P*NWIN], *baseline_total, purity [P] (may be NULL). */
void prob_allocate(struct prob *pr, const double *delta, const double *base, const double *rho, const double *u,
                   double *credit, double *baseline_total, double *purity);

#endif
