/*
 * stats/curves.c — exponential, log-logistic and Weibull saturation curves
 * fitted like the Lomax of decay.c, for validation (see curves.h).
 */
#include "stats/curves.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Parameter box: keeps exp() finite while the solver explores. */
#define LOGTAU_MIN (-9.0)  /* τ >= ~0.45 s */
#define LOGTAU_MAX 9.0     /* τ <= ~1 year */
#define LOGK_MIN (-5.0)    /* k >= 0.007: flatter than any counter */
#define LOGK_MAX 4.0       /* k <= ~55: already a step */
#define Z90 1.6448536269514722

#define NWS (DECAY_MAX_POINTS + 4)
#define NPAR_MAX (1 + CURVE_MAX_SHAPE)

struct curve_ws {
    gsl_multifit_nlinear_workspace *w[CURVE_MAX_SHAPE][NWS]; /* by shape count, residuals */
    gsl_matrix *cov[CURVE_MAX_SHAPE];
};

const char *curve_family_name(enum curve_family f)
{
    switch (f) {
    case CURVE_EXP: return "exp";
    case CURVE_LOGLOGISTIC: return "loglogistic";
    case CURVE_WEIBULL: return "weibull";
    }
    return "?";
}

int curve_nshape(enum curve_family f)
{
    return f == CURVE_EXP ? 1 : 2;
}

struct curve_ws *curve_ws_new(void)
{
    struct curve_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    for (int s = 0; s < CURVE_MAX_SHAPE; s++) {
        ws->cov[s] = gsl_matrix_alloc((size_t)s + 2, (size_t)s + 2);
        if (!ws->cov[s]) {
            curve_ws_free(ws);
            return NULL;
        }
    }
    return ws;
}

void curve_ws_free(struct curve_ws *ws)
{
    if (!ws)
        return;
    for (int s = 0; s < CURVE_MAX_SHAPE; s++) {
        for (int i = 0; i < NWS; i++)
            if (ws->w[s][i])
                gsl_multifit_nlinear_free(ws->w[s][i]);
        if (ws->cov[s])
            gsl_matrix_free(ws->cov[s]);
    }
    free(ws);
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/*
 * q(t) = N(t)/A of the family at log-shape s = (ln τ, ln k), and, when dq is
 * not NULL, its derivatives by s[0] and s[1].  0 for t <= 0.
 */
static double fam_q(enum curve_family f, const double *s, double t, double *dq)
{
    if (dq)
        dq[0] = dq[1] = 0.0;
    if (t <= 0)
        return 0.0;
    double tau = exp(s[0]);
    switch (f) {
    case CURVE_EXP: {
        double x = t / tau, e = exp(-x);
        if (dq)
            dq[0] = -x * e;
        return -expm1(-x);
    }
    case CURVE_LOGLOGISTIC: {
        /* q = 1/(1 + e^z), z = k·(ln τ − ln t) */
        double k = exp(s[1]), z = k * (s[0] - log(t));
        double q = 1.0 / (1.0 + exp(z)), p = 1.0 / (1.0 + exp(-z)); /* p = 1 − q */
        if (dq) {
            dq[0] = -k * q * p;
            dq[1] = -z * q * p;
        }
        return q;
    }
    case CURVE_WEIBULL: {
        /* q = 1 − e^(−w), w = (t/τ)^k */
        double k = exp(s[1]), lw = k * (log(t) - s[0]), w = exp(lw), e = exp(-w);
        if (dq) {
            dq[0] = -k * w * e;
            dq[1] = isfinite(lw * w * e) ? lw * w * e : 0.0;
        }
        return -expm1(-w);
    }
    }
    return NAN;
}

double curve_eval(enum curve_family f, double A, double tau_h, double k, double age_h)
{
    if (!isfinite(A) || A < 0 || !isfinite(tau_h) || tau_h <= 0 || !isfinite(age_h))
        return NAN;
    if (f != CURVE_EXP && (!isfinite(k) || k <= 0))
        return NAN;
    if (age_h <= 0)
        return 0.0;
    double s[2] = { log(tau_h), f == CURVE_EXP ? 0.0 : log(k) };
    return A * fam_q(f, s, age_h, NULL);
}

void curve_prior_default(enum curve_family f, struct curve_prior *p)
{
    /* Centred, like the Lomax's built-in prior, on the family's medians over
     * the SEISMIC cascades (fits on all five ages, docs/models.md §1), and as
     * weak: sd 3 on each log, so three points of a post dominate it. */
    memset(p, 0, sizeof *p);
    p->family = f;
    switch (f) {
    case CURVE_EXP:
        p->mu[0] = log(2.3);
        p->mu[1] = 0.0;
        break;
    case CURVE_LOGLOGISTIC:
        p->mu[0] = log(4.0);
        p->mu[1] = log(0.67);
        break;
    case CURVE_WEIBULL:
        p->mu[0] = log(6.3);
        p->mu[1] = log(0.50);
        break;
    }
    p->sd[0] = p->sd[1] = 3.0;
    p->rho = 0.0;
    p->sigma = 0.1;
    p->n_posts = 0;
}

/* ---- the nonlinear least-squares problem ---- */

struct fitdata {
    enum curve_family f;
    int ns;              /* shape parameters: 1 or 2 */
    const struct decay_point *p;
    int n;
    double w[DECAY_MAX_POINTS];  /* 1/σ_i of each point's log1p residual */
    double ly[DECAY_MAX_POINTS]; /* log1p(count) */
    double mu[CURVE_MAX_SHAPE];
    double isd0, isd1, k01; /* whitening: row 0 = isd0·(s0 − μ0), row 1 = isd1·(s1 − μ1) + k01·(s0 − μ0) */
    int use_sh;
    double H, sh_ly, sh_w;
};

static void shape_of(const struct fitdata *d, const gsl_vector *x, double *s)
{
    s[0] = clampd(gsl_vector_get(x, 1), LOGTAU_MIN, LOGTAU_MAX);
    s[1] = d->ns > 1 ? clampd(gsl_vector_get(x, 2), LOGK_MIN, LOGK_MAX) : 0.0;
}

static int curve_f(const gsl_vector *x, void *vd, gsl_vector *f)
{
    const struct fitdata *d = vd;
    double a = gsl_vector_get(x, 0), s[2];
    if (!isfinite(a) || a > 700)
        return GSL_EDOM;
    shape_of(d, x, s);
    double A = exp(a);
    for (int i = 0; i < d->n; i++) {
        double N = A * fam_q(d->f, s, d->p[i].age_h, NULL);
        gsl_vector_set(f, (size_t)i, (log1p(N) - d->ly[i]) * d->w[i]);
    }
    double u0 = gsl_vector_get(x, 1) - d->mu[0];
    gsl_vector_set(f, (size_t)d->n, u0 * d->isd0);
    if (d->ns > 1)
        gsl_vector_set(f, (size_t)d->n + 1, (gsl_vector_get(x, 2) - d->mu[1]) * d->isd1 + u0 * d->k01);
    if (d->use_sh)
        gsl_vector_set(f, (size_t)(d->n + d->ns), (log1p(A * fam_q(d->f, s, d->H, NULL)) - d->sh_ly) * d->sh_w);
    return GSL_SUCCESS;
}

/* One data-like row of the Jacobian: residual (log1p(A·q(t)) − y)·wt. */
static void jac_row(const struct fitdata *d, gsl_matrix *J, size_t row, double A, const double *s, double t, double wt)
{
    double dq[2];
    double N = A * fam_q(d->f, s, t, dq);
    double sc = wt / (1.0 + N);
    gsl_matrix_set(J, row, 0, N * sc);
    for (int j = 0; j < d->ns; j++)
        gsl_matrix_set(J, row, (size_t)j + 1, A * dq[j] * sc);
}

static int curve_df(const gsl_vector *x, void *vd, gsl_matrix *J)
{
    const struct fitdata *d = vd;
    double a = gsl_vector_get(x, 0), s[2];
    if (!isfinite(a) || a > 700)
        return GSL_EDOM;
    shape_of(d, x, s);
    double A = exp(a);
    for (int i = 0; i < d->n; i++)
        jac_row(d, J, (size_t)i, A, s, d->p[i].age_h, d->w[i]);
    for (int r = 0; r < d->ns; r++)
        for (int j = 0; j <= d->ns; j++)
            gsl_matrix_set(J, (size_t)(d->n + r), (size_t)j, 0.0);
    gsl_matrix_set(J, (size_t)d->n, 1, d->isd0);
    if (d->ns > 1) {
        gsl_matrix_set(J, (size_t)d->n + 1, 1, d->k01);
        gsl_matrix_set(J, (size_t)d->n + 1, 2, d->isd1);
    }
    if (d->use_sh)
        jac_row(d, J, (size_t)(d->n + d->ns), A, s, d->H, d->sh_w);
    return GSL_SUCCESS;
}

static gsl_multifit_nlinear_workspace *ws_get(struct curve_ws *ws, int ns, int nres)
{
    if (ns < 1 || ns > CURVE_MAX_SHAPE || nres < ns + 1 || nres >= NWS)
        return NULL;
    if (!ws->w[ns - 1][nres]) {
        gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
        par.solver = gsl_multifit_nlinear_solver_cholesky;
        ws->w[ns - 1][nres] = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, (size_t)nres,
                                                         (size_t)ns + 1);
    }
    return ws->w[ns - 1][nres];
}

static void result_unknown(struct curve_result *r, enum curve_family f, double H)
{
    memset(r, 0, sizeof *r);
    r->family = f;
    r->method = CURVE_NONE;
    r->A = r->tau_h = r->k = NAN;
    r->rms = NAN;
    r->horizon_h = H;
    r->n_h = r->n_h_lo = r->n_h_hi = NAN;
}

/* When no start converges: what decay_fit does in the same case. */
static void fill_fallback(struct curve_result *r, const struct curve_prior *prior, const struct decay_prior *sh,
                          const struct decay_point *pts, int n, double H)
{
    int last = -1;
    for (int i = n - 1; i >= 0; i--)
        if (pts[i].count > 0) {
            last = i;
            break;
        }
    if (last < 0)
        return;
    double t = pts[last].age_h, y = pts[last].count;
    double nh, sd = 0.5;
    if (t >= H) {
        nh = y;
    } else if (sh && sh->sh_n > 0 && H == DECAY_HORIZON_H) {
        nh = decay_loglinear_predict(sh, t, y, &sd);
    } else {
        double qH = fam_q(prior->family, prior->mu, H, NULL), qt = fam_q(prior->family, prior->mu, t, NULL);
        nh = qt > 0 ? y * fmax(1.0, qH / qt) : NAN;
    }
    if (!isfinite(nh))
        return;
    double s = isfinite(sd) && sd > 0 ? sd : 0.5;
    r->method = CURVE_FALLBACK;
    r->n_h = nh;
    r->n_h_lo = fmax(y, nh * exp(-Z90 * s));
    r->n_h_hi = nh * exp(Z90 * s);
    if (t >= H)
        r->n_h_lo = r->n_h_hi = nh;
}

/* Converged, or stalled at a stationary point (gradient J'f ~ 0). */
static int settle(int st, gsl_multifit_nlinear_workspace *w, int np)
{
    if (st != GSL_EMAXITER && st != GSL_ENOPROG)
        return st;
    double g[NPAR_MAX];
    gsl_vector_view gv = gsl_vector_view_array(g, (size_t)np);
    if (gsl_blas_dgemv(CblasTrans, 1.0, gsl_multifit_nlinear_jac(w), gsl_multifit_nlinear_residual(w), 0.0,
                       &gv.vector) != GSL_SUCCESS)
        return st;
    for (int j = 0; j < np; j++)
        if (!(fabs(g[j]) < 1e-6))
            return st;
    return GSL_SUCCESS;
}

int curve_fit(struct curve_ws *ws, const struct decay_point *pts_in, int n, const struct curve_prior *prior,
              const struct decay_prior *sh, double horizon_h, struct curve_result *out)
{
    double H = horizon_h > 0 ? horizon_h : DECAY_HORIZON_H;
    enum curve_family fam = prior->family;
    result_unknown(out, fam, H);
    if (n <= 0 || !pts_in)
        return 0;

    struct decay_point sbuf[DECAY_MAX_POINTS];
    struct decay_point *pts = n <= DECAY_MAX_POINTS ? sbuf : malloc(sizeof *pts * (size_t)n);
    if (!pts)
        return -1;
    memcpy(pts, pts_in, sizeof *pts * (size_t)n);
    int m = decay_clean(pts, n);
    int rc = 0;
    if (m == 0)
        goto out;
    out->n_points = m;
    if (!(pts[m - 1].count > 0))
        goto out;

    struct fitdata d;
    d.f = fam;
    d.ns = curve_nshape(fam);
    d.p = pts;
    d.n = m;
    double sig = prior->sigma > 0 ? prior->sigma : 0.1;
    for (int i = 0; i < m; i++) {
        d.ly[i] = log1p(pts[i].count);
        d.w[i] = 1.0 / sqrt(sig * sig + DECAY_POISSON_K / (1.0 + pts[i].count));
    }
    d.mu[0] = prior->mu[0];
    d.mu[1] = prior->mu[1];
    {
        double s0 = prior->sd[0] > 0 ? prior->sd[0] : 3.0, s1 = prior->sd[1] > 0 ? prior->sd[1] : 3.0;
        double rho = isfinite(prior->rho) ? fmax(-0.95, fmin(0.95, prior->rho)) : 0.0;
        double r1 = sqrt(1.0 - rho * rho);
        d.isd0 = 1.0 / s0;
        d.isd1 = 1.0 / (s1 * r1);
        d.k01 = -rho / (s0 * r1);
    }
    d.use_sh = 0;
    d.H = H;
    if (sh && sh->sh_n > 0 && pts[m - 1].age_h < H && H == DECAY_HORIZON_H) {
        double sd = NAN;
        double nh = decay_loglinear_predict(sh, pts[m - 1].age_h, pts[m - 1].count, &sd);
        if (isfinite(nh) && isfinite(sd) && sd > 0) {
            d.use_sh = 1;
            d.sh_ly = log1p(nh);
            d.sh_w = 1.0 / (sd * DECAY_SH_INFLATE);
        }
    }
    int np = d.ns + 1, nres = m + d.ns + d.use_sh;
    gsl_multifit_nlinear_workspace *w = ws_get(ws, d.ns, nres);
    if (!w) {
        rc = -1;
        goto out;
    }
    gsl_multifit_nlinear_fdf fdf;
    fdf.f = curve_f;
    fdf.df = curve_df;
    fdf.fvv = NULL;
    fdf.n = (size_t)nres;
    fdf.p = (size_t)np;
    fdf.params = &d;

    /* Starts: the prior's shape, then shapes on either side of it (τ ×/÷ e²,
     * k ×/÷ e); the converged, in-box start with the lowest cost wins. */
    static const double off[5][2] = { { 0, 0 }, { -2, 0 }, { 2, 0 }, { 0, -1 }, { 0, 1 } };
    int nstart = d.ns > 1 ? 5 : 3;
    double best[NPAR_MAX], best_cost = INFINITY;
    int first_st = GSL_FAILURE;
    for (int s = 0; s < nstart; s++) {
        double x0[NPAR_MAX], sh0[2];
        sh0[0] = clampd(d.mu[0] + off[s][0], LOGTAU_MIN + 1, LOGTAU_MAX - 1);
        sh0[1] = d.ns > 1 ? clampd(d.mu[1] + off[s][1], LOGK_MIN + 1, LOGK_MAX - 1) : 0.0;
        /* the amplitude that centres the log residuals at this shape */
        double sa = 0, sw = 0;
        for (int i = 0; i < m; i++) {
            double q = fam_q(fam, sh0, pts[i].age_h, NULL);
            if (pts[i].count <= 0 || !(q > 0))
                continue;
            double ww = d.w[i] * d.w[i];
            sa += ww * (log(pts[i].count) - log(q));
            sw += ww;
        }
        x0[0] = sw > 0 ? sa / sw : log(pts[m - 1].count);
        if (!isfinite(x0[0]) || x0[0] > 600)
            x0[0] = log(pts[m - 1].count);
        x0[1] = sh0[0];
        x0[2] = sh0[1];
        gsl_vector_view xv = gsl_vector_view_array(x0, (size_t)np);
        int st = gsl_multifit_nlinear_init(&xv.vector, &fdf, w);
        int info = 0;
        if (st == GSL_SUCCESS && gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w)) > 1e-12)
            st = gsl_multifit_nlinear_driver(200, 1e-8, 1e-8, 0.0, NULL, NULL, &info, w);
        if (st != GSL_SUCCESS)
            st = settle(st, w, np);
        if (s == 0)
            first_st = st;
        if (st != GSL_SUCCESS)
            continue;
        const gsl_vector *x = gsl_multifit_nlinear_position(w);
        double a = gsl_vector_get(x, 0), u = gsl_vector_get(x, 1), v = d.ns > 1 ? gsl_vector_get(x, 2) : 0.0;
        if (!(isfinite(a) && isfinite(u) && isfinite(v) && a < 600 && u > LOGTAU_MIN && u < LOGTAU_MAX &&
              (d.ns < 2 || (v > LOGK_MIN && v < LOGK_MAX))))
            continue;
        double cost = gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w));
        if (!(cost < best_cost))
            continue;
        best_cost = cost;
        for (int j = 0; j < np; j++)
            best[j] = gsl_vector_get(x, (size_t)j);
    }
    out->status = best_cost < INFINITY ? GSL_SUCCESS : first_st;
    if (best_cost == INFINITY) {
        fill_fallback(out, prior, sh, pts, m, H);
        goto out;
    }
    /* Back to the winner: residuals and Jacobian there. */
    gsl_vector_view bv = gsl_vector_view_array(best, (size_t)np);
    if (gsl_multifit_nlinear_init(&bv.vector, &fdf, w) != GSL_SUCCESS) {
        fill_fallback(out, prior, sh, pts, m, H);
        goto out;
    }
    double s[2] = { best[1], d.ns > 1 ? best[2] : 0.0 }, dqH[2];
    double A = exp(best[0]), qH = fam_q(fam, s, H, dqH), nh = A * qH;
    if (!isfinite(nh) || nh < 0 || !(qH > 0)) {
        fill_fallback(out, prior, sh, pts, m, H);
        goto out;
    }

    /* Uncertainty exactly as decay_fit: posterior covariance scaled by
     * max(1, (χ² + 2)/(n + 2)), delta method on ln N(H), a quarter of the SH
     * row's variance added back. */
    const gsl_vector *f = gsl_multifit_nlinear_residual(w);
    double chi2 = 0, rss = 0;
    for (int i = 0; i < m; i++) {
        double r = gsl_vector_get(f, (size_t)i);
        chi2 += r * r;
        rss += (r / d.w[i]) * (r / d.w[i]);
    }
    out->rms = sqrt(rss / m);
    double s2 = fmax(1.0, (chi2 + 2.0) / (m + 2.0));
    gsl_matrix *cov = ws->cov[d.ns - 1];
    double var_lnh = NAN;
    if (gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, cov) == GSL_SUCCESS) {
        double g[NPAR_MAX] = { 1.0, dqH[0] / qH, dqH[1] / qH };
        var_lnh = 0;
        for (int i = 0; i < np; i++)
            for (int j = 0; j < np; j++)
                var_lnh += g[i] * g[j] * s2 * gsl_matrix_get(cov, (size_t)i, (size_t)j);
        if (d.use_sh) {
            double sdsh = 1.0 / (d.sh_w * DECAY_SH_INFLATE);
            var_lnh += 0.25 * sdsh * sdsh;
        }
    }
    out->method = CURVE_FIT;
    out->A = A;
    out->tau_h = exp(s[0]);
    out->k = d.ns > 1 ? exp(s[1]) : NAN;
    out->n_h = nh;
    if (isfinite(var_lnh) && var_lnh >= 0) {
        double sd = sqrt(var_lnh);
        out->n_h_lo = nh * exp(-Z90 * sd);
        out->n_h_hi = nh * exp(Z90 * sd);
        if (!isfinite(out->n_h_hi))
            out->n_h_hi = NAN;
    }
out:
    if (pts != sbuf)
        free(pts);
    return rc;
}

/* ---- borrowing strength across posts ---- */

int curve_prior_estimate(const struct curve_result *fits, int n, const struct curve_prior *base,
                         struct curve_prior *out)
{
    *out = *base;
    if (n <= 0)
        return 0;
    int ns = curve_nshape(base->family);
    double *buf = malloc(sizeof(double) * 5 * (size_t)n);
    if (!buf)
        return 0;
    double *v0 = buf, *v1 = buf + n, *vr = buf + 2 * n, *c0 = buf + 3 * n, *c1 = buf + 4 * n;
    int k = 0, kr = 0;
    for (int i = 0; i < n; i++) {
        if (fits[i].method != CURVE_FIT || fits[i].family != base->family || !isfinite(fits[i].tau_h) ||
            (ns > 1 && !isfinite(fits[i].k)))
            continue;
        v0[k] = log(fits[i].tau_h);
        v1[k] = ns > 1 ? log(fits[i].k) : 0.0;
        k++;
        if (fits[i].n_points >= 4 && isfinite(fits[i].rms))
            vr[kr++] = fits[i].rms;
    }
    if (k == 0)
        goto out;
    double m0, s0, m1 = 0, s1 = 0, rho = 0;
    if (ns > 1) {
        /* correlation on values clipped to 3 robust sds, before the arrays are reordered */
        memcpy(c0, v0, sizeof(double) * (size_t)k);
        memcpy(c1, v1, sizeof(double) * (size_t)k);
        double a0, b0, a1, b1;
        decay_robust_stats(c0, k, &a0, &b0);
        decay_robust_stats(c1, k, &a1, &b1);
        double s01 = 0, s00 = 0, s11 = 0;
        for (int i = 0; i < k; i++) {
            double a = fmax(-3 * b0, fmin(3 * b0, v0[i] - a0)), b = fmax(-3 * b1, fmin(3 * b1, v1[i] - a1));
            s01 += a * b;
            s00 += a * a;
            s11 += b * b;
        }
        if (s00 > 0 && s11 > 0 && k >= 5)
            rho = s01 / sqrt(s00 * s11);
        decay_robust_stats(v1, k, &m1, &s1);
        s1 = fmax(s1, 0.15);
    }
    decay_robust_stats(v0, k, &m0, &s0);
    s0 = fmax(s0, 0.15);
    double wgt = k / (k + 5.0);
    out->mu[0] = wgt * m0 + (1 - wgt) * base->mu[0];
    out->sd[0] = sqrt(wgt * s0 * s0 + (1 - wgt) * base->sd[0] * base->sd[0]);
    if (ns > 1) {
        out->mu[1] = wgt * m1 + (1 - wgt) * base->mu[1];
        out->sd[1] = sqrt(wgt * s1 * s1 + (1 - wgt) * base->sd[1] * base->sd[1]);
        out->rho = wgt * rho + (1 - wgt) * base->rho;
    }
    if (kr > 0) {
        double mr, sr;
        decay_robust_stats(vr, kr, &mr, &sr);
        double wr = kr / (kr + 5.0);
        out->sigma = fmax(0.02, wr * mr + (1 - wr) * base->sigma);
    }
    out->n_posts = k;
out:
    free(buf);
    return k;
}
