/*
 * stats/attrib.h — follower gains attributed to posts (docs/attribution.md).
 *
 * Pure numerics with GSL: no database, no clock, no logging.  Given the
 * account's follower count sampled at times tau_0 < ... < tau_K, the posts
 * (post time, content-type group, cumulative exposure curve) and optionally
 * the platform's own per-post follow counts, it fits a count model of the
 * follower series: per interval, a baseline (drift, trend, daily and weekly
 * harmonics) plus each post's follows, group rate x post multiplier x its
 * exposure convolved with an exponential lag kernel whose mean is chosen by
 * fit; credits are the conditional means of the latent split (posts +
 * baseline + platform-reported = F(tau_K) - F(tau_0) exactly); posterior
 * draws of the split (bootstrap rates, gamma multipliers, multinomial split,
 * each draw summing to the observed change) give each window's probability
 * of the stated event (attrib_event_tol), recalibrated (attrib_calib.c), and
 * the 168 h interval and imputations.
 *
 * Not for: reading or writing tables (etl/attribute.c), fitting exposure
 * curves (stats/decay.c), deciding which posts or samples belong to a run.
 * GSL's error handler must be off (gsl_set_error_handler_off) before use.
 */
#ifndef XETL_ATTRIB_H
#define XETL_ATTRIB_H

#include <stdint.h>

#include "common/xerr.h"

/* Attribution windows after each post, hours; the last is the horizon:
 * exposure later than 168 h after a post counts as baseline. */
#define ATTRIB_NWIN 3
extern const double attrib_windows_h[ATTRIB_NWIN]; /* 1, 24, 168 */
#define ATTRIB_HORIZON_H 168.0
/* Posterior quantiles of each post's 168 h follows kept for learn's multiple imputation. */
#define ATTRIB_NQ 20

enum attrib_curve_kind {
    ATTRIB_CURVE_NONE = 0,   /* no exposure known: the post gets no modelled credit */
    ATTRIB_CURVE_LOMAX,      /* N(t) = A (1 - (1 + t/c_h)^-theta) */
    ATTRIB_CURVE_POINTS,     /* piecewise-linear through (0,0) and the points, flat after the last */
};

/* A post's cumulative exposure (impressions) as a function of its age in hours. */
struct attrib_curve {
    enum attrib_curve_kind kind;
    double A, c_h, theta;          /* LOMAX */
    const double *age_h;           /* POINTS: n ascending ages (hours, > 0) ... */
    const double *cum;             /* ... and cumulative values (not owned) */
    int n;
};

/* Cumulative exposure at age_h (0 for age_h <= 0; never NaN for valid curves). */
double attrib_curve_eval(const struct attrib_curve *c, double age_h);

struct attrib_post {
    int64_t posted_at;             /* epoch seconds */
    int group;                     /* 0 .. n_groups-1 (content type) */
    struct attrib_curve exposure;
    double known_follows;          /* platform-reported follows, or NAN when unknown:
                                      known posts are not regressed, their follows are
                                      taken as given (spread over their exposure) */
};

struct attrib_params {
    int n_boot;                    /* bootstrap refits (>= 0; 200 recommended) */
    uint64_t seed;                 /* RNG seed: derive from account and as-of */
    double block_hours;            /* moving-block length, hours (24) */
    double prior_posts;            /* shrinkage of group rates toward the pooled rate,
                                      in "posts' worth" of evidence (2) */
    int recalibrate;               /* 1: apply stats/attrib_calib.c's maps (default);
                                      0: the model's own probabilities and intervals */
};

/* Defaults: 200 refits, seed 0, 24 h blocks, prior of 2 posts. */
void attrib_params_default(struct attrib_params *p);

struct attrib_post_result {
    double credit[ATTRIB_NWIN];    /* followers attributed within posted_at + window;
                                      may be negative (net unfollows) */
    double exposure[ATTRIB_NWIN];  /* modelled exposure inside the sampled span and window */
    double rate;                   /* rho of the post's group (followers per exposure unit) */
    double purity;                 /* [0,1]: exposure-weighted share of the modelled flow that
                                      is the post's own in the intervals it was exposed in */
    double sign_certainty;         /* [0,1]: |2 P*(credit_168 > 0) - 1| under the bootstrap */
    double confidence;             /* purity * sign_certainty; 1 for platform-reported posts */
    double conf[ATTRIB_NWIN];      /* per window: calibrated P(|truth - credit| <= attrib_event_tol) */
    double conf_raw[ATTRIB_NWIN];  /* ... the same probability under the model's own draws */
    double multiplier;             /* posterior mean of the post's own conversion multiplier */
    double q168[ATTRIB_NQ];        /* quantiles (i + 0.5) / ATTRIB_NQ of the 168 h credit's
                                      posterior draws: equally likely imputations */
    double lo, hi;                 /* 5 % and 95 % bootstrap quantiles of credit[168 h] */
    int n_intervals;               /* sample intervals the post was exposed in */
    int known;                     /* 1 when platform-reported */
};

struct attrib_result {
    int n_groups;
    double *rho;                   /* [n_groups] group rates after shrinkage */
    double rho_pooled;             /* one rate for all posts (the shrinkage target) */
    double baseline_per_h;         /* b: organic net drift, followers per hour (any sign) */
    double observed_total;         /* F(tau_K) - F(tau_0) */
    double baseline_total;         /* part of observed_total allocated to the baseline */
    double known_total;            /* part given to platform-reported posts */
    double posts_total;            /* part given to the other posts (168 h credits) */
    double var_per_h, var_per_flow;/* fitted noise model: Var(Delta_k) = a dt_k + c m_k + phi sum m_jk^2 */
    double dispersion;             /* phi: variance of a post's conversion multiplier */
    double lag_h;                  /* mean of the exponential lag kernel chosen by the fit, hours */
    int n_intervals;
    int n_boot;                    /* refits that succeeded */
    int block_len;                 /* moving-block length used, in intervals */
    struct attrib_post_result *posts; /* [n_posts], in input order */
};

/*
 * Runs Stage A, Stage B and the bootstrap.  t[] (epoch seconds, strictly
 * increasing) and F[] are n_samples follower samples (n_samples >= 2).
 * Fills *out (release with attrib_result_release).  Returns 0, or
 * XETL_EX_DATAERR for unusable input / XETL_EX_SOFTWARE for a numerical
 * failure, with err set.
 */
int attrib_fit(const int64_t *t, const double *F, int n_samples, const struct attrib_post *posts,
               int n_posts, int n_groups, const struct attrib_params *p, struct attrib_result *out,
               struct xerr *err);

void attrib_result_release(struct attrib_result *r);

/*
 * Without follower samples (an import-only account) only the platform's
 * own per-post follows can be attributed: each known post's follows, split
 * among the windows by its exposure curve (all in every window when it has
 * none), confidence 1; other posts get credit 0 and known = 0.  Fills *out
 * (release with attrib_result_release).
 */
void attrib_known_only(const struct attrib_post *posts, int n_posts, int n_groups, struct attrib_result *out);

/* The event confidence is the probability of: the window's true follows lie
 * within attrib_event_tol(credit) of the credit, max(2, 25 % of |credit|). */
double attrib_event_tol(double credit);

/* Maps a window's raw event probability to a calibrated one (isotonic maps
 * fitted on simulated accounts, stats/attrib_calib.c), by window index and
 * the median sampling interval in hours. */
double attrib_calibrate(int window, double median_dt_h, double raw);

/* Factor by which the posterior draws' spread around the credit is widened
 * so the 5-95 % interval covers 90 % on simulated accounts. */
double attrib_interval_scale(double median_dt_h);

#endif
