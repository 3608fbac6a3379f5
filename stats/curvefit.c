/*
 * stats/curvefit.c — the curve families and the one solver (see curvefit.h).
 */
#include "stats/curvefit.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NWS (DECAY_MAX_POINTS + 4)

/* ---- the families ---- */

/* Lomax (production): nat = (c, θ); 1 − (1 + t/c)^(−θ), accurate for small θ. */
static void lomax_prep(const double *s, double *nat)
{
    nat[0] = exp(s[0]);
    nat[1] = exp(s[1]);
}

static double lomax_q(const double *nat, double t)
{
    if (t <= 0)
        return 0.0;
    return -expm1(-nat[1] * log1p(t / nat[0]));
}

static void lomax_jrow(const double *nat, double A, double t, double wt, double *row)
{
    double c = nat[0], th = nat[1];
    double L = log1p(t / c);
    double P = exp(-th * L);
    double N = A * -expm1(-th * L);
    double s = wt / (1.0 + N);
    row[0] = N * s;
    row[1] = -A * P * th * t / (c + t) * s;
    row[2] = th * A * L * P * s;
}

static void lomax_dlogq(const double *nat, double t, double *g)
{
    double c = nat[0], th = nat[1];
    double L = log1p(t / c), P = exp(-th * L), q = -expm1(-th * L);
    g[0] = -P * th * t / ((c + t) * q);
    g[1] = th * L * P / q;
}

/* The alternatives: nat = (ln τ, ln k, τ, k). */
static void alt_prep(const double *s, double *nat)
{
    nat[0] = s[0];
    nat[1] = s[1];
    nat[2] = exp(s[0]);
    nat[3] = exp(s[1]);
}

/* exponential: q = 1 − e^(−t/τ); dq by ln τ */
static double exp_qd(const double *nat, double t, double *dq)
{
    double x = t / nat[2], e = exp(-x);
    if (dq)
        dq[0] = -x * e;
    return -expm1(-x);
}

/* log-logistic: q = 1/(1 + e^z), z = k·(ln τ − ln t) */
static double llog_qd(const double *nat, double t, double *dq)
{
    double k = nat[3], z = k * (nat[0] - log(t));
    double q = 1.0 / (1.0 + exp(z)), p = 1.0 / (1.0 + exp(-z)); /* p = 1 − q */
    if (dq) {
        dq[0] = -k * q * p;
        dq[1] = -z * q * p;
    }
    return q;
}

/* Weibull: q = 1 − e^(−w), w = (t/τ)^k */
static double weib_qd(const double *nat, double t, double *dq)
{
    double k = nat[3], lw = k * (log(t) - nat[0]), w = exp(lw), e = exp(-w);
    if (dq) {
        dq[0] = -k * w * e;
        dq[1] = isfinite(lw * w * e) ? lw * w * e : 0.0;
    }
    return -expm1(-w);
}

/* One data-like Jacobian row from q and dq/ds. */
static void alt_jrow(double (*qd)(const double *, double, double *), int ns, const double *nat, double A,
                     double t, double wt, double *row)
{
    double dq[2] = { 0.0, 0.0 };
    double N = A * qd(nat, t, dq);
    double sc = wt / (1.0 + N);
    row[0] = N * sc;
    for (int j = 0; j < ns; j++)
        row[j + 1] = A * dq[j] * sc;
}

static void alt_dlogq(double (*qd)(const double *, double, double *), const double *nat, double t, double *g)
{
    double dq[2] = { 0.0, 0.0 };
    double q = qd(nat, t, dq);
    g[0] = dq[0] / q;
    g[1] = dq[1] / q;
}

/* Each alternative's three hooks from its qd. */
#define ALT_HOOKS(fam, ns)                                                                          \
    static double fam##_q(const double *nat, double t) { return t <= 0 ? 0.0 : fam##_qd(nat, t, NULL); } \
    static void fam##_jrow(const double *nat, double A, double t, double wt, double *row)             \
    {                                                                                                \
        alt_jrow(fam##_qd, ns, nat, A, t, wt, row);                                                  \
    }                                                                                                \
    static void fam##_dlogq(const double *nat, double t, double *g) { alt_dlogq(fam##_qd, nat, t, g); }
ALT_HOOKS(exp, 1)
ALT_HOOKS(llog, 2)
ALT_HOOKS(weib, 2)

/* The box keeps exp() finite while the solver explores: c, τ in ~0.45 s .. ~1 year;
 * θ <= ~55 (already an exponential-like drop); k in 0.007 .. 55 (flatter than any
 * counter .. a step).  Prior centres: medians over the SEISMIC cascades
 * (docs/models.md §1); the Lomax iterates less (one start, production speed). */
const struct fit_family fit_families[FIT_NFAMILY] = {
    [FIT_FAM_LOMAX] = { "lomax", 2, { -9.0, -9.0 }, { 9.0, 4.0 }, { 0.33, 0.12 }, 100,
                        lomax_prep, lomax_q, lomax_jrow, lomax_dlogq },
    [FIT_FAM_EXP] = { "exp", 1, { -9.0, -5.0 }, { 9.0, 4.0 }, { 2.3, 1.0 }, 200, alt_prep, exp_q,
                      exp_jrow, exp_dlogq },
    [FIT_FAM_LOGLOGISTIC] = { "loglogistic", 2, { -9.0, -5.0 }, { 9.0, 4.0 },
                              { 4.0, 0.67 }, 200, alt_prep, llog_q, llog_jrow,
                              llog_dlogq },
    [FIT_FAM_WEIBULL] = { "weibull", 2, { -9.0, -5.0 }, { 9.0, 4.0 }, { 6.3, 0.50 },
                          200, alt_prep, weib_q, weib_jrow, weib_dlogq },
};

double fit_family_q(const struct fit_family *f, const double *s, double t)
{
    double nat[FIT_NAT], s2[2] = { s[0], f->nshape > 1 ? s[1] : 0.0 };
    f->prep(s2, nat);
    return f->q(nat, t);
}

/* ---- workspaces ---- */

struct fit_ws {
    gsl_multifit_nlinear_workspace *w[FIT_MAX_SHAPE][NWS]; /* by shape count, residuals */
    gsl_matrix *cov[FIT_MAX_SHAPE];
};

struct fit_ws *fit_ws_new(void)
{
    struct fit_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    for (int s = 0; s < FIT_MAX_SHAPE; s++) {
        ws->cov[s] = gsl_matrix_alloc((size_t)s + 2, (size_t)s + 2);
        if (!ws->cov[s]) {
            fit_ws_free(ws);
            return NULL;
        }
    }
    return ws;
}

void fit_ws_free(struct fit_ws *ws)
{
    if (!ws)
        return;
    for (int s = 0; s < FIT_MAX_SHAPE; s++) {
        for (int i = 0; i < NWS; i++)
            if (ws->w[s][i])
                gsl_multifit_nlinear_free(ws->w[s][i]);
        if (ws->cov[s])
            gsl_matrix_free(ws->cov[s]);
    }
    free(ws);
}

static gsl_multifit_nlinear_workspace *ws_get(struct fit_ws *ws, int ns, int nres)
{
    if (ns < 1 || ns > FIT_MAX_SHAPE || nres < ns + 1 || nres >= NWS)
        return NULL;
    if (!ws->w[ns - 1][nres]) {
        gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
        par.solver = gsl_multifit_nlinear_solver_cholesky;
        ws->w[ns - 1][nres] = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, (size_t)nres,
                                                         (size_t)ns + 1);
    }
    return ws->w[ns - 1][nres];
}

int fit_clean_copy(const struct decay_point *in, int n, struct decay_point *sbuf, struct decay_point **pts)
{
    *pts = n <= DECAY_MAX_POINTS ? sbuf : malloc(sizeof **pts * (size_t)n);
    if (!*pts)
        return -1;
    memcpy(*pts, in, sizeof **pts * (size_t)n);
    return decay_clean(*pts, n);
}

/* ---- the least-squares problem ---- */

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

struct fitdata {
    const struct fit_family *f;
    int ns;
    const struct decay_point *p;
    int n;
    double w[DECAY_MAX_POINTS];  /* 1/σ_i of each point's log1p residual */
    double ly[DECAY_MAX_POINTS]; /* log1p(count) */
    double mu[FIT_MAX_SHAPE];
    double isd0, isd1, k01; /* whitening: row 0 = isd0·(s0 − μ0), row 1 = isd1·(s1 − μ1) + k01·(s0 − μ0) */
    int use_sh;             /* add the Szabo–Huberman row */
    double H, sh_ly, sh_w;  /* log1p of the SH prediction of N(H), 1/its sd */
    /* The Lomax's L = log1p(t/c) and E = expm1(−θ·L) of each point (and of H,
     * at n) at the shape (cc, cth) of the last residual evaluation: GSL asks
     * for the Jacobian where it last evaluated the residuals, and the same
     * arguments give the same values, so they are reused, not recomputed. */
    bool cvalid;
    double cc, cth;
    double cL[DECAY_MAX_POINTS + 1], cE[DECAY_MAX_POINTS + 1];
};

/* A and the family's natural parameters at x (shape clamped to the box); false when ln A is unusable. */
static bool at(const struct fitdata *d, const gsl_vector *x, double *A, double *nat)
{
    double a = gsl_vector_get(x, 0), s[2];
    if (!isfinite(a) || a > 700)
        return false;
    for (int j = 0; j < 2; j++)
        s[j] = j < d->ns ? clampd(gsl_vector_get(x, (size_t)j + 1), d->f->lo[j], d->f->hi[j]) : 0.0;
    d->f->prep(s, nat);
    *A = exp(a);
    return true;
}

static int res_f(const gsl_vector *x, void *vd, gsl_vector *f)
{
    const struct fitdata *d = vd;
    double A, nat[FIT_NAT];
    if (!at(d, x, &A, nat))
        return GSL_EDOM;
    for (int i = 0; i < d->n; i++)
        gsl_vector_set(f, (size_t)i, (log1p(A * d->f->q(nat, d->p[i].age_h)) - d->ly[i]) * d->w[i]);
    double u0 = gsl_vector_get(x, 1) - d->mu[0];
    gsl_vector_set(f, (size_t)d->n, u0 * d->isd0);
    if (d->ns > 1)
        gsl_vector_set(f, (size_t)d->n + 1, (gsl_vector_get(x, 2) - d->mu[1]) * d->isd1 + u0 * d->k01);
    if (d->use_sh)
        gsl_vector_set(f, (size_t)(d->n + d->ns), (log1p(A * d->f->q(nat, d->H)) - d->sh_ly) * d->sh_w);
    return GSL_SUCCESS;
}

static int res_df(const gsl_vector *x, void *vd, gsl_matrix *J)
{
    const struct fitdata *d = vd;
    double A, nat[FIT_NAT], row[FIT_MAX_PAR];
    if (!at(d, x, &A, nat))
        return GSL_EDOM;
    int np = d->ns + 1;
    for (int i = 0; i < d->n; i++) {
        d->f->jrow(nat, A, d->p[i].age_h, d->w[i], row);
        for (int j = 0; j < np; j++)
            gsl_matrix_set(J, (size_t)i, (size_t)j, row[j]);
    }
    for (int r = 0; r < d->ns; r++)
        for (int j = 0; j < np; j++)
            gsl_matrix_set(J, (size_t)(d->n + r), (size_t)j, 0.0);
    gsl_matrix_set(J, (size_t)d->n, 1, d->isd0);
    if (d->ns > 1) {
        gsl_matrix_set(J, (size_t)d->n + 1, 1, d->k01);
        gsl_matrix_set(J, (size_t)d->n + 1, 2, d->isd1);
    }
    if (d->use_sh) {
        d->f->jrow(nat, A, d->H, d->sh_w, row);
        for (int j = 0; j < np; j++)
            gsl_matrix_set(J, (size_t)(d->n + d->ns), (size_t)j, row[j]);
    }
    return GSL_SUCCESS;
}

/* The Lomax's residuals (res_f's arithmetic, written into f's storage), keeping L and E. */
static int lomax_res_f(const gsl_vector *x, void *vd, gsl_vector *f)
{
    struct fitdata *d = vd;
    double A, nat[FIT_NAT];
    if (!at(d, x, &A, nat))
        return GSL_EDOM;
    double c = nat[0], th = nat[1], *fv = f->data;
    size_t fs = f->stride;
    d->cvalid = false;
    for (int i = 0; i < d->n; i++) {
        double t = d->p[i].age_h;
        if (!(t > 0))
            return res_f(x, vd, f); /* q's t <= 0 case: not cached */
        double L = log1p(t / c), E = expm1(-th * L);
        d->cL[i] = L, d->cE[i] = E;
        fv[(size_t)i * fs] = (log1p(A * -E) - d->ly[i]) * d->w[i];
    }
    double u0 = gsl_vector_get(x, 1) - d->mu[0];
    fv[(size_t)d->n * fs] = u0 * d->isd0;
    fv[(size_t)(d->n + 1) * fs] = (gsl_vector_get(x, 2) - d->mu[1]) * d->isd1 + u0 * d->k01;
    if (d->use_sh) {
        double L = log1p(d->H / c), E = expm1(-th * L);
        d->cL[d->n] = L, d->cE[d->n] = E;
        fv[(size_t)(d->n + 2) * fs] = (log1p(A * -E) - d->sh_ly) * d->sh_w;
    }
    d->cvalid = true;
    d->cc = c, d->cth = th;
    return GSL_SUCCESS;
}

/* One Lomax Jacobian row from the kept L and E (lomax_jrow's arithmetic). */
static void lomax_jrow_kept(double c, double th, double A, double t, double wt, double L, double E, double *row)
{
    double P = exp(-th * L);
    double N = A * -E;
    double s = wt / (1.0 + N);
    row[0] = N * s;
    row[1] = -A * P * th * t / (c + t) * s;
    row[2] = th * A * L * P * s;
}

/* The Lomax's Jacobian (res_df's), from the residuals' L and E when they were evaluated at this shape. */
static int lomax_res_df(const gsl_vector *x, void *vd, gsl_matrix *J)
{
    struct fitdata *d = vd;
    double A, nat[FIT_NAT];
    if (!at(d, x, &A, nat))
        return GSL_EDOM;
    double c = nat[0], th = nat[1];
    if (!d->cvalid || memcmp(&c, &d->cc, sizeof c) || memcmp(&th, &d->cth, sizeof th))
        return res_df(x, vd, J);
    double *jm = J->data;
    size_t tda = J->tda;
    for (int i = 0; i < d->n; i++)
        lomax_jrow_kept(c, th, A, d->p[i].age_h, d->w[i], d->cL[i], d->cE[i], jm + (size_t)i * tda);
    double *r0 = jm + (size_t)d->n * tda, *r1 = r0 + tda;
    r0[0] = 0.0, r0[1] = d->isd0, r0[2] = 0.0;
    r1[0] = 0.0, r1[1] = d->k01, r1[2] = d->isd1;
    if (d->use_sh)
        lomax_jrow_kept(c, th, A, d->H, d->sh_w, d->cL[d->n], d->cE[d->n], jm + (size_t)(d->n + 2) * tda);
    return GSL_SUCCESS;
}

/* Weights, the whitened prior and the SH row of one problem. */
static void setup(struct fitdata *d, const struct fit_problem *pb)
{
    d->f = pb->fam;
    d->ns = pb->fam->nshape;
    d->p = pb->pts;
    d->n = pb->n;
    double sig = pb->sigma > 0 ? pb->sigma : 0.1;
    for (int i = 0; i < pb->n; i++) {
        d->ly[i] = log1p(pb->pts[i].count);
        /* Small counters are coarse (Poisson-like quantisation): they carry
         * less shape information than a point with thousands. */
        d->w[i] = 1.0 / sqrt(sig * sig + DECAY_POISSON_K / (1.0 + pb->pts[i].count));
    }
    d->mu[0] = pb->mu[0];
    d->mu[1] = d->ns > 1 ? pb->mu[1] : 0.0;
    /* Bivariate normal prior on the log-shape: an account's posts lie along a
     * ridge (for the Lomax a larger c goes with a larger θ), which independent
     * priors cannot say.  Cholesky whitening of Σ. */
    double s0 = pb->sd[0] > 0 ? pb->sd[0] : 3.0, s1 = pb->sd[1] > 0 ? pb->sd[1] : 3.0;
    double rho = isfinite(pb->rho) ? fmax(-0.95, fmin(0.95, pb->rho)) : 0.0;
    double r1 = sqrt(1.0 - rho * rho);
    d->isd0 = 1.0 / s0;
    d->isd1 = 1.0 / (s1 * r1);
    d->k01 = -rho / (s0 * r1);
    /* The account's Szabo–Huberman rule, when fitted on matured posts, is one
     * more piece of evidence about N(H): a prior row on ln N(H). */
    int m = pb->n;
    d->use_sh = 0;
    d->H = pb->H;
    if (pb->sh && pb->sh->sh_n > 0 && pb->pts[m - 1].age_h < pb->H && pb->H == DECAY_HORIZON_H) {
        double sd = NAN;
        double nh = decay_loglinear_predict(pb->sh, pb->pts[m - 1].age_h, pb->pts[m - 1].count, &sd);
        if (isfinite(nh) && isfinite(sd) && sd > 0) {
            d->use_sh = 1;
            d->sh_ly = log1p(nh);
            d->sh_w = 1.0 / (sd * DECAY_SH_INFLATE);
        }
    }
}

/* Converged, or stalled at a stationary point (gradient J'f ~ 0). */
static int settle(int st, gsl_multifit_nlinear_workspace *w, int np)
{
    if (st != GSL_EMAXITER && st != GSL_ENOPROG)
        return st;
    double g[FIT_MAX_PAR];
    gsl_vector_view gv = gsl_vector_view_array(g, (size_t)np);
    if (gsl_blas_dgemv(CblasTrans, 1.0, gsl_multifit_nlinear_jac(w), gsl_multifit_nlinear_residual(w), 0.0,
                       &gv.vector) != GSL_SUCCESS)
        return st;
    for (int j = 0; j < np; j++)
        if (!(fabs(g[j]) < 1e-6))
            return st;
    return GSL_SUCCESS;
}

/* Start k: the log-shape (prior centre, or offsets τ ×/÷ e², k ×/÷ e) and the amplitude that centres the log residuals. */
static void start_at(const struct fitdata *d, bool multi, int k, double *x0)
{
    static const double off[5][2] = { { 0, 0 }, { -2, 0 }, { 2, 0 }, { 0, -1 }, { 0, 1 } };
    const struct fit_family *f = d->f;
    double s[2] = { d->mu[0], d->mu[1] }, nat[FIT_NAT];
    if (multi)
        for (int j = 0; j < d->ns; j++)
            s[j] = clampd(d->mu[j] + off[k][j], f->lo[j] + 1, f->hi[j] - 1);
    f->prep(s, nat);
    double sa = 0, sw = 0;
    for (int i = 0; i < d->n; i++) {
        double q = f->q(nat, d->p[i].age_h);
        if (d->p[i].count <= 0 || !(q > 0))
            continue;
        double ww = d->w[i] * d->w[i];
        sa += ww * (log(d->p[i].count) - log(q));
        sw += ww;
    }
    double last = log(d->p[d->n - 1].count);
    x0[0] = sw > 0 ? sa / sw : last;
    if (!isfinite(x0[0]) || x0[0] > 600)
        x0[0] = last;
    x0[1] = s[0];
    x0[2] = s[1];
}

static bool in_box(const struct fitdata *d, const double *x)
{
    if (!(isfinite(x[0]) && x[0] < 600))
        return false;
    for (int j = 0; j < d->ns; j++)
        if (!(isfinite(x[j + 1]) && x[j + 1] > d->f->lo[j] && x[j + 1] < d->f->hi[j]))
            return false;
    return true;
}

/* Runs the starts; the winner's position is left in w (re-evaluated there after several). */
static int run_starts(const struct fitdata *d, bool multi, gsl_multifit_nlinear_fdf *fdf,
                      gsl_multifit_nlinear_workspace *w, double *best, bool *found)
{
    int np = d->ns + 1, nstart = multi ? (d->ns > 1 ? 5 : 3) : 1, first_st = GSL_FAILURE;
    double best_cost = INFINITY;
    *found = false;
    for (int k = 0; k < nstart; k++) {
        double x0[FIT_MAX_PAR];
        start_at(d, multi, k, x0);
        gsl_vector_view xv = gsl_vector_view_array(x0, (size_t)np);
        int st = gsl_multifit_nlinear_init(&xv.vector, fdf, w), info = 0;
        /* A start that already fits exactly (one point on the prior's shape) is
         * the optimum: GSL would reject every step there and stop at maxiter. */
        if (st == GSL_SUCCESS && gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w)) > 1e-12)
            st = gsl_multifit_nlinear_driver((size_t)d->f->maxiter, 1e-8, 1e-8, 0.0, NULL, NULL, &info, w);
        st = settle(st, w, np);
        if (k == 0)
            first_st = st;
        if (st != GSL_SUCCESS)
            continue;
        const gsl_vector *x = gsl_multifit_nlinear_position(w);
        double xs[FIT_MAX_PAR] = { 0, 0, 0 };
        for (int j = 0; j < np; j++)
            xs[j] = gsl_vector_get(x, (size_t)j);
        if (!in_box(d, xs))
            continue;
        double cost = gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w));
        if (!(cost < best_cost))
            continue;
        best_cost = cost;
        memcpy(best, xs, sizeof xs);
        *found = true;
    }
    if (*found && nstart > 1) {
        gsl_vector_view bv = gsl_vector_view_array(best, (size_t)np);
        if (gsl_multifit_nlinear_init(&bv.vector, fdf, w) != GSL_SUCCESS)
            *found = false;
    }
    return *found ? GSL_SUCCESS : first_st;
}

/* Residual scale, posterior covariance and the sd of ln N(H) at the solution in w. */
static void uncertainty(struct fit_ws *ws, const struct fitdata *d, gsl_multifit_nlinear_workspace *w,
                        const double *nat, struct fit_solution *out)
{
    /* Pooled σ, inflated when this post misfits (a scaled inverse-χ²
     * compromise with 2 pseudo-points), never deflated. */
    const gsl_vector *f = gsl_multifit_nlinear_residual(w);
    int m = d->n, np = d->ns + 1;
    double chi2 = 0, rss = 0;
    for (int i = 0; i < m; i++) {
        double r = gsl_vector_get(f, (size_t)i);
        chi2 += r * r;
        rss += (r / d->w[i]) * (r / d->w[i]);
    }
    out->rms = sqrt(rss / m);
    double s2 = fmax(1.0, (chi2 + 2.0) / (m + 2.0));
    gsl_matrix *cov = ws->cov[d->ns - 1];
    if (gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, cov) != GSL_SUCCESS)
        return;
    gsl_matrix_scale(cov, s2);
    double g[FIT_MAX_PAR] = { 1.0, 0.0, 0.0 };
    d->f->dlogq(nat, d->H, g + 1);
    double var = 0;
    for (int i = 0; i < np; i++)
        for (int j = 0; j < np; j++)
            var += g[i] * g[j] * gsl_matrix_get(cov, (size_t)i, (size_t)j);
    for (int j = 0; j < d->ns; j++)
        out->se[j] = sqrt(gsl_matrix_get(cov, (size_t)j + 1, (size_t)j + 1));
    if (!(isfinite(var) && var >= 0))
        return;
    if (d->use_sh) {
        /* The SH row narrows the posterior as if it were independent
         * evidence; it is not (a late burst fools both), so half its spread
         * is added back: 90 % intervals then cover ~93 % on SEISMIC
         * instead of ~79 % (docs/models.md). */
        double sdsh = 1.0 / (d->sh_w * DECAY_SH_INFLATE);
        var += 0.25 * sdsh * sdsh;
    }
    out->sd_lnh = sqrt(var);
}

int fit_solve(struct fit_ws *ws, const struct fit_problem *pb, struct fit_solution *out)
{
    memset(out, 0, sizeof *out);
    out->A = out->nh = out->rms = out->sd_lnh = NAN;
    out->se[0] = out->se[1] = NAN;
    out->status = GSL_FAILURE;
    if (pb->n <= 0 || pb->n > DECAY_MAX_POINTS || !(pb->pts[pb->n - 1].count > 0))
        return 0;
    struct fitdata d;
    setup(&d, pb);
    int np = d.ns + 1, nres = d.n + d.ns + d.use_sh;
    gsl_multifit_nlinear_workspace *w = ws_get(ws, d.ns, nres);
    if (!w)
        return -1;
    bool lomax = pb->fam == &fit_families[FIT_FAM_LOMAX];
    d.cvalid = false;
    gsl_multifit_nlinear_fdf fdf = { .f = lomax ? lomax_res_f : res_f, .df = lomax ? lomax_res_df : res_df,
                                     .fvv = NULL, .n = (size_t)nres, .p = (size_t)np, .params = &d };
    bool found;
    out->status = run_starts(&d, pb->multistart, &fdf, w, out->x, &found);
    if (!found)
        return 0;
    double nat[FIT_NAT], s[2] = { out->x[1], d.ns > 1 ? out->x[2] : 0.0 };
    pb->fam->prep(s, nat);
    double A = exp(out->x[0]), qH = pb->fam->q(nat, d.H), nh = A * qH;
    if (!isfinite(nh) || nh < 0 || !(qH > 0))
        return 0;
    out->ok = true;
    out->A = A;
    out->nh = nh;
    uncertainty(ws, &d, w, nat, out);
    return 0;
}
