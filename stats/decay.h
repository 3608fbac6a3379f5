/*
 * stats/decay.h — engagement-decay curves for one post's cumulative counter.
 *
 * What it is: pure numerics (no database, no I/O; the solver is
 * stats/curvefit's, shared with the alternative families).  A post's counter
 * samples (age in hours, cumulative count) are fitted to the power-law
 * (Lomax) saturation curve
 *
 *     N(t) = A · (1 − (1 + t/c)^(−θ)),   t = age in hours,
 *
 * in log-parameters (ln A, ln c, ln θ) with gsl_multifit_nlinear, on log1p
 * residuals (relative residuals that tolerate zeros), plus two prior rows that
 * pull ln c and ln θ towards the account's pooled shape (empirical Bayes).  A
 * post with one or two points therefore still gets an estimate, its shape
 * borrowed from its account ("pooled"); when the fit fails, a Szabo–Huberman
 * log-linear rule ln N(H) = ln N(t) + a + b·ln t fitted on the account's
 * matured posts is used ("loglinear").  Why Lomax: docs/models.md.
 *
 * What it is not: it does not read snapshots, choose horizons or write
 * anything; etl/fit.c does.  Every output is either finite or NAN meaning
 * "unknown" (the writer turns NAN into SQL NULL); NAN never means an error.
 *
 * Threading: a struct decay_ws is one thread's scratch space; everything else
 * is reentrant.  GSL's error handler must be off (gsl_set_error_handler_off).
 */
#ifndef XETL_DECAY_H
#define XETL_DECAY_H

#include <stdbool.h>

#define DECAY_HORIZON_H 168.0   /* the default "predicted final" horizon: 7 days */
#define DECAY_MAX_POINTS 256    /* points beyond this are thinned (kept evenly) */
#define DECAY_SH_NODES 10       /* SH nodes: 0.25 h .. 128 h, doubling */
#define DECAY_NCHECK 5          /* canonical ages: 1 h, 4 h, 24 h, 48 h, 7 d */
/* Weighting shared with the alternative curves (stats/curvefit.c), chosen on the
 * SEISMIC validation file (docs/models.md): the SH row's sd is inflated 1.5×
 * (its errors correlate with the curve's); a count y adds a Poisson-like
 * 0.3/(1+y) to a point's log-residual variance. */
#define DECAY_SH_INFLATE 1.5
#define DECAY_POISSON_K 0.3

extern const double decay_check_ages_h[DECAY_NCHECK];   /* 1, 4, 24, 48, 168 */
extern const char *const decay_check_names[DECAY_NCHECK]; /* "1h","4h","24h","48h","7d" */

enum decay_method {
    DECAY_NONE = 0,      /* nothing usable (no positive count): predictions unknown */
    DECAY_LOMAX,         /* own fit, >= 3 distinct ages: the data dominate the prior */
    DECAY_POOLED,        /* 1–2 ages: amplitude from the post, shape from the account */
    DECAY_LOGLINEAR,     /* curve fit failed: Szabo–Huberman log-linear rule */
};

/* "none", "lomax", "pooled", "loglinear" */
const char *decay_method_name(enum decay_method m);

struct decay_point {
    double age_h;   /* hours since posting */
    double count;   /* cumulative counter at that age */
};

/*
 * What is borrowed from the account's other posts.  decay_prior_default()
 * gives a weak prior centred on the SEISMIC medians; decay_prior_estimate()
 * an empirical-Bayes one.
 */
struct decay_prior {
    double mu_logc, sd_logc;          /* ln c (hours) */
    double mu_logtheta, sd_logtheta;  /* ln θ */
    double rho;                       /* correlation of ln c and ln θ across posts */
    double sigma;                     /* typical log residual of one point */
    int n_posts;                      /* posts it was learned from, 0 = built-in */
    /* Szabo–Huberman rule ln N(H) = ln N(t) + α(t), α fitted per age on the
     * account's matured posts: kernel-smoothed in ln t at the nodes
     * t_k = 0.25 h · 2^k (NAN where the history has no pairs near t_k) and
     * interpolated in ln t between them. */
    double sh_alpha[DECAY_SH_NODES];
    double sh_sd[DECAY_SH_NODES];     /* spread of ln(N(H)/N(t)) around α there */
    int sh_n;                         /* pairs it was fitted on, 0 = none: α from the shape */
};

struct decay_result {
    enum decay_method method;
    int n_points;            /* distinct ages used after cleaning */
    int status;              /* GSL status of the fit (0 = success) */
    double A, c_h, theta;    /* fitted curve (LOMAX/POOLED); for LOGLINEAR the pooled shape
                                scaled to n_h, an exposure curve but not a fit; NAN for NONE */
    double se_logc, se_logtheta; /* standard errors of ln c and ln θ (posterior) */
    double rms;              /* RMS log1p residual of the data points */
    double horizon_h;        /* H */
    double n_h;              /* predicted count at H (the "7-day value"), never the asymptote */
    double n_h_lo, n_h_hi;   /* 90 % interval of n_h */
    double half_life_h;      /* age at which N reaches n_h / 2 */
    double t90_h;            /* age at which N reaches 0.9·n_h (longevity) */
    double decay_rate_24h;   /* −d ln n/dt at 24 h, per hour, n = dN/dt: (1+θ)/(c+24) */
    double check[DECAY_NCHECK]; /* N at 1h/4h/24h/48h/7d (7d = n_h when H = 168) */
    double last_age_h, last_count; /* the last cleaned observation */
};

struct decay_ws;

/* One thread's scratch (GSL workspaces cached by size).  NULL on ENOMEM. */
struct decay_ws *decay_ws_new(void);
void decay_ws_free(struct decay_ws *ws);

/* The age at which a Lomax shape (c, θ) reaches frac·N(H), 0 < frac < 1; NAN when undefined. */
double decay_age_at(double c_h, double theta, double horizon_h, double frac);

/*
 * The Lomax fraction q(t) = 1 − (1 + t/c)^(−θ) = N(t)/A, accurate for small θ
 * (−expm1(−θ·log1p(t/c))); 0 for age <= 0.  The one definition every reader
 * of a stored curve uses (attribution, reports).
 */
double decay_lomax_q(double c_h, double theta, double age_h);

/* N(age) for a Lomax curve; 0 for age <= 0; NAN for invalid parameters. */
double decay_curve_eval(double A, double c_h, double theta, double age_h);

void decay_prior_default(struct decay_prior *p);

/*
 * Cleans samples in place: drops non-finite, negative-count and age <= 0
 * points, sorts by age, averages duplicate ages (within 0.005 h), makes the
 * counter non-decreasing by isotonic regression (deleted likes), thins to
 * DECAY_MAX_POINTS.  Returns the new count, or -1 on ENOMEM (more than
 * DECAY_MAX_POINTS points need scratch memory).
 */
int decay_clean(struct decay_point *pts, int n);

/*
 * Fits one post.  pts are cleaned first (a copy; pts is not modified).
 * horizon_h <= 0 means DECAY_HORIZON_H.  Always fills *out (method NONE
 * when nothing can be said); returns 0, or -1 only on ENOMEM.
 */
int decay_fit(struct decay_ws *ws, const struct decay_point *pts, int n, const struct decay_prior *prior,
              double horizon_h, struct decay_result *out);

/* Median and MAD x 1.4826 (a robust sd) of v[0..n-1], n > 0; sorts v (and overwrites it). */
void decay_robust_stats(double *v, int n, double *med, double *sd);

/*
 * Empirical-Bayes shape prior from fitted posts: robust centre (median) and
 * spread (MAD, floored) of ln c and ln θ over the results with method LOMAX,
 * shrunk towards base when fewer than ~20 posts.  The SH fields of base are
 * copied.  Returns the number of posts used.
 */
int decay_prior_estimate(const struct decay_result *fits, int n, const struct decay_prior *base,
                         struct decay_prior *out);

/*
 * Fits the Szabo–Huberman rule's α(t) on pairs from matured posts (age t < H,
 * both counts > 0): at each node a Gaussian-kernel (in ln t, bandwidth 0.5)
 * mean of ln(N(H)/N(t)), kept where the kernel weights add up to >= 2 pairs.
 * With pairs at one age only it is the classic constant-α rule there.  The
 * median predictor e^α is used (no lognormal mean correction: docs/models.md
 * §1.2).  Returns the number of pairs used; with none p is left as it was.
 */
int decay_prior_fit_loglinear(struct decay_prior *p, const double *age_h, const double *n_t, const double *n_h,
                              int n);

/*
 * SH prediction of N(H) from one observation (age t, count y); NAN if y <= 0
 * or t <= 0.  Where α(t) has no support (or sh_n is 0) the ratio the pooled
 * shape implies is used.  *sd_log (may be NULL) gets the log-scale spread.
 */
double decay_loglinear_predict(const struct decay_prior *p, double age_h, double count, double *sd_log);

/*
 * The time of the peak rate when the samples can say it: the rates of the
 * intervals between cleaned samples (starting from 0 at age 0) rise and then
 * fall, with the largest rate in an interval that is neither the first nor
 * the last.  Returns true with the interval's mid-age in *peak_age_h; false
 * (unknown) otherwise — for a Lomax curve the peak is at 0, below any sampling
 * grid, and no number is invented.
 */
bool decay_peak(const struct decay_point *pts, int n, double *peak_age_h);

#endif
