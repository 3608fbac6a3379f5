/*
 * stats/curvefit.h — the one fitting engine behind stats/decay.h (the
 * production Lomax) and stats/curves.h (the alternative families that
 * `xetl validate-decay` scores against it).
 *
 * What it is: the curve families as data (a table: name, shape parameters,
 * box, built-in prior centre, iteration cap, and the functions giving
 * N(t)/A and its derivatives) and one solver: parameters (ln A, ln shape…)
 * with gsl_multifit_nlinear (trust region, Cholesky, analytic Jacobian),
 * weighted log1p residuals (σ² + DECAY_POISSON_K/(1 + y)), one prior row
 * per shape parameter (a bivariate normal, Cholesky-whitened), an optional
 * Szabo–Huberman row on N(H), a delta-method interval on ln N(H).
 *
 * What it is not: the API callers use; decay.c and curves.c turn a solution
 * into their results and own their fallbacks.  Pure numerics, no I/O.
 *
 * Threading: a struct fit_ws is one thread's scratch (GSL workspaces cached
 * by size); the family table is read-only.
 */
#ifndef XETL_CURVEFIT_H
#define XETL_CURVEFIT_H

#include <stdbool.h>

#include "stats/decay.h"

#define FIT_MAX_SHAPE 2
#define FIT_MAX_PAR (1 + FIT_MAX_SHAPE)
#define FIT_NAT 4 /* natural parameters a family derives from its log-shape, once per evaluation */

enum fit_family_id { FIT_FAM_LOMAX = 0, FIT_FAM_EXP, FIT_FAM_LOGLOGISTIC, FIT_FAM_WEIBULL, FIT_NFAMILY };

struct fit_family {
    const char *name;
    int nshape;                           /* shape parameters besides A: 1 or 2 */
    double lo[FIT_MAX_SHAPE], hi[FIT_MAX_SHAPE]; /* box on the log-shape: keeps exp() finite */
    double med0[FIT_MAX_SHAPE];           /* built-in prior centre: the SEISMIC medians of c, θ / τ, k */
    int maxiter;
    /* s (log-shape, clamped to the box) → nat, once per residual/Jacobian evaluation */
    void (*prep)(const double *s, double *nat);
    /* q(t) = N(t)/A, 0 for t <= 0 */
    double (*q)(const double *nat, double t);
    /* The Jacobian row of the weighted residual (log1p(A·q(t)) − y)·wt by (ln A, s). */
    void (*jrow)(const double *nat, double A, double t, double wt, double *row);
    /* d ln q(t) / d s_j (the delta method on ln N(H)) */
    void (*dlogq)(const double *nat, double t, double *g);
};

extern const struct fit_family fit_families[FIT_NFAMILY];

/* q(t) of a family at log-shape s (not clamped); 0 for t <= 0. */
double fit_family_q(const struct fit_family *f, const double *s, double t);

/* What one fit is asked: cleaned points (decay_clean), the prior, the SH evidence. */
struct fit_problem {
    const struct fit_family *fam;
    const struct decay_point *pts; /* cleaned, 1..DECAY_MAX_POINTS, last count > 0 */
    int n;
    double sigma;                  /* typical log residual (<= 0: 0.1) */
    double mu[FIT_MAX_SHAPE], sd[FIT_MAX_SHAPE], rho; /* prior on the log-shape (sd <= 0: 3) */
    const struct decay_prior *sh;  /* may be NULL: its Szabo–Huberman row on N(H) when fitted */
    double H;
    /* false: one start at the prior centre (production: fast, and the prior
     * centre is where an account's posts are); true: the prior centre and
     * shapes on either side, the best converged fit kept (validation, so
     * that no family loses for want of a start). */
    bool multistart;
};

struct fit_solution {
    int status;      /* GSL status (of the best start) */
    bool ok;         /* converged, finite, inside the box, N(H) finite: else the caller falls back */
    double x[FIT_MAX_PAR]; /* ln A, log-shape */
    double A, nh;    /* A and A·q(H) */
    double rms;      /* RMS log1p residual of the data points */
    double sd_lnh;   /* posterior sd of ln N(H), SH spread added back; NAN when unknown */
    double se[FIT_MAX_SHAPE]; /* posterior sd of each log-shape parameter; NAN when unknown */
};

struct fit_ws;
struct fit_ws *fit_ws_new(void);  /* NULL on ENOMEM */
void fit_ws_free(struct fit_ws *ws);

/* Fits; 0 (see out->ok), or -1 only on ENOMEM. */
int fit_solve(struct fit_ws *ws, const struct fit_problem *pb, struct fit_solution *out);

/*
 * A copy of pts cleaned by decay_clean: into sbuf (DECAY_MAX_POINTS long)
 * when it fits, else a malloc'd array (*pts != sbuf: the caller frees it).
 * Returns the count, or -1 on ENOMEM.
 */
int fit_clean_copy(const struct decay_point *in, int n, struct decay_point *sbuf, struct decay_point **pts);

/*
 * The pooled shape prior from k posts' fitted log-shapes (v0, v1; v1 unused
 * when ns is 1): medians and MAD·1.4826 (floored at 0.15), the correlation
 * of values clipped to 3 robust sds (k >= 5), all shrunk towards the base
 * (bmu, bsd, brho) with 5 pseudo-posts.  Reorders v0, v1.  -1 when k is 0
 * or on ENOMEM (then nothing is written).
 */
int fit_pool_shapes(double *v0, double *v1, int k, int ns, const double *bmu, const double *bsd, double brho,
                    double *mu, double *sd, double *rho);
/*
 * The same and the pooled residual scale from kr RMS values vr (reordered),
 * shrunk likewise, into *sigma (base_sigma when kr is 0); *n_posts gets k.
 * Returns the number of posts used (0: nothing written).
 */
int fit_pool_prior(double *v0, double *v1, int k, double *vr, int kr, int ns, const double *bmu, const double *bsd,
                   double brho, double base_sigma, double *mu, double *sd, double *rho, double *sigma, int *n_posts);

#define FIT_Z90 1.6448536269514722

#endif
