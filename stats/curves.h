/*
 * stats/curves.h — the alternative saturation curves the Lomax was chosen
 * over, fitted the same way, so that `xetl validate-decay` can score them on
 * the same cascades (docs/models.md §1, §5).
 *
 * What it is: pure numerics (no database, no I/O), an API over the one
 * fitting engine of stats/curvefit.h, whose family table holds these curves
 * beside the Lomax.  A post's counter samples are fitted to one of
 *
 *     exponential    N(t) = A · (1 − e^(−t/τ))
 *     log-logistic   N(t) = A · t^k / (τ^k + t^k)
 *     Weibull        N(t) = A · (1 − e^(−(t/τ)^k))
 *
 * exactly as decay_fit fits the Lomax: parameters (ln A, ln τ[, ln k]) with
 * gsl_multifit_nlinear (trust region, Cholesky, analytic Jacobian), weighted
 * log1p residuals (σ² + DECAY_POISSON_K/(1 + y)), one prior row per shape
 * parameter (a bivariate normal on (ln τ, ln k) for the 3-parameter families,
 * whitened as the Lomax's), the same optional Szabo–Huberman row on N(H), the
 * same 90 % interval and the same fallback when the fit fails.  Unlike
 * decay_fit it restarts from a few shapes and keeps the best converged fit,
 * so that no family loses for want of a good start.
 *
 * What it is not: the production model.  etl/fit.c uses stats/decay.h only;
 * this module exists to keep the choice of family measured.
 *
 * Threading: a struct curve_ws is one thread's scratch space; everything else
 * is reentrant.  GSL's error handler must be off (gsl_set_error_handler_off).
 */
#ifndef XETL_CURVES_H
#define XETL_CURVES_H

#include "stats/decay.h"

enum curve_family {
    CURVE_EXP = 0,      /* 2 parameters: A, τ */
    CURVE_LOGLOGISTIC,  /* 3 parameters: A, τ (the age of half of A), k */
    CURVE_WEIBULL,      /* 3 parameters: A, τ (scale), k */
};
#define CURVE_NFAMILY 3
#define CURVE_MAX_SHAPE 2

/* "exp", "loglogistic", "weibull" */
const char *curve_family_name(enum curve_family f);

/* Number of shape parameters besides A: 1 or 2. */
int curve_nshape(enum curve_family f);

enum curve_method {
    CURVE_NONE = 0,     /* nothing usable (no positive count): n_h unknown */
    CURVE_FIT,          /* a converged fit of the family */
    CURVE_FALLBACK,     /* every start failed: the Szabo–Huberman rule, or the prior shape's ratio */
};

/*
 * The shape borrowed from other posts: a normal on (ln τ, ln k) — only
 * mu[0], sd[0] for the exponential.  curve_prior_default() gives a weak one
 * (sd 3, as the Lomax's built-in prior) centred on the family's SEISMIC
 * medians; curve_prior_estimate() an empirical-Bayes one.
 */
struct curve_prior {
    enum curve_family family;
    double mu[CURVE_MAX_SHAPE], sd[CURVE_MAX_SHAPE];
    double rho;       /* correlation of ln τ and ln k across posts */
    double sigma;     /* typical log residual of one point */
    int n_posts;      /* posts it was learned from, 0 = built-in */
};

struct curve_result {
    enum curve_family family;
    enum curve_method method;
    int n_points;            /* distinct ages used after cleaning */
    int status;              /* GSL status of the best start (0 = success) */
    double A, tau_h, k;      /* fitted curve (k = NAN for the exponential); NAN unless FIT */
    double rms;              /* RMS log1p residual of the data points (FIT only) */
    double horizon_h;        /* H */
    double n_h;              /* predicted count at H, NAN for NONE */
    double n_h_lo, n_h_hi;   /* 90 % interval of n_h */
};

struct curve_ws;

/* One thread's scratch (GSL workspaces cached by size).  NULL on ENOMEM. */
struct curve_ws *curve_ws_new(void);
void curve_ws_free(struct curve_ws *ws);

/* N(age) for a curve of the family (k ignored for the exponential); 0 for
 * age <= 0; NAN for invalid parameters. */
double curve_eval(enum curve_family f, double A, double tau_h, double k, double age_h);

void curve_prior_default(enum curve_family f, struct curve_prior *p);

/*
 * Fits one post: pts are cleaned first with decay_clean (a copy).  sh, when
 * not NULL and fitted (sh_n > 0), adds the Szabo–Huberman row for the 7-day
 * horizon and is the fallback, as in decay_fit; otherwise the fallback is the
 * last count scaled by the prior shape's ratio.  horizon_h <= 0 means
 * DECAY_HORIZON_H.  Always fills *out; returns 0, or -1 only on ENOMEM.
 */
int curve_fit(struct curve_ws *ws, const struct decay_point *pts, int n, const struct curve_prior *prior,
              const struct decay_prior *sh, double horizon_h, struct curve_result *out);

/*
 * Empirical-Bayes shape prior from fitted posts, as decay_prior_estimate:
 * medians and MAD·1.4826 (floored at 0.15) of ln τ and ln k over the results
 * with method FIT and the family of base, their correlation, σ from the fits
 * with >= 4 points, all shrunk towards base with 5 pseudo-posts.  Returns the
 * number of posts used.
 */
int curve_prior_estimate(const struct curve_result *fits, int n, const struct curve_prior *base,
                         struct curve_prior *out);

#endif
