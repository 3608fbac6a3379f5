/*
 * stats/decay.c — Lomax decay-curve fits with an empirical-Bayes shape prior
 * (see decay.h for what it is and is not for; docs/models.md for why).
 */
#include "stats/decay.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const double decay_check_ages_h[DECAY_NCHECK] = { 1.0, 4.0, 24.0, 48.0, 168.0 };
const char *const decay_check_names[DECAY_NCHECK] = { "1h", "4h", "24h", "48h", "7d" };

/* Parameter box: keeps exp() finite while the solver explores. */
#define LOGC_MIN (-9.0)   /* c >= ~0.45 s */
#define LOGC_MAX 9.0      /* c <= ~1 year */
#define LOGT_MIN (-9.0)
#define LOGT_MAX 4.0      /* θ <= ~55: already an exponential-like drop */
#define Z90 1.6448536269514722
/* Tuning (decay.h): SH row inflation, Poisson-like weight of small counts. */
#define SH_INFLATE DECAY_SH_INFLATE
#define POISSON_K DECAY_POISSON_K

#define NWS (DECAY_MAX_POINTS + 4)

struct decay_ws {
    gsl_multifit_nlinear_workspace *w[NWS]; /* by number of residuals */
    gsl_matrix *cov;
};

const char *decay_method_name(enum decay_method m)
{
    switch (m) {
    case DECAY_LOMAX: return "lomax";
    case DECAY_POOLED: return "pooled";
    case DECAY_LOGLINEAR: return "loglinear";
    case DECAY_NONE: break;
    }
    return "none";
}

struct decay_ws *decay_ws_new(void)
{
    struct decay_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->cov = gsl_matrix_alloc(3, 3);
    if (!ws->cov) {
        free(ws);
        return NULL;
    }
    return ws;
}

void decay_ws_free(struct decay_ws *ws)
{
    if (!ws)
        return;
    for (int i = 0; i < NWS; i++)
        if (ws->w[i])
            gsl_multifit_nlinear_free(ws->w[i]);
    gsl_matrix_free(ws->cov);
    free(ws);
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* 1 − (1 + t/c)^(−θ), accurate for small θ. */
static double lomax_q(double c, double theta, double t)
{
    if (t <= 0)
        return 0.0;
    return -expm1(-theta * log1p(t / c));
}

double decay_curve_eval(double A, double c_h, double theta, double age_h)
{
    if (!isfinite(A) || !isfinite(c_h) || !isfinite(theta) || c_h <= 0 || theta <= 0 || A < 0 ||
        !isfinite(age_h))
        return NAN;
    if (age_h <= 0)
        return 0.0;
    return A * lomax_q(c_h, theta, age_h);
}

void decay_prior_default(struct decay_prior *p)
{
    /* Centred on the SEISMIC medians (c ≈ 0.33 h, θ ≈ 0.12), wide enough that
     * three points of a post's own data dominate it. */
    memset(p, 0, sizeof *p);
    p->mu_logc = log(0.33);
    p->sd_logc = 3.0;
    p->mu_logtheta = log(0.12);
    p->sd_logtheta = 3.0;
    p->rho = 0.0;
    p->sigma = 0.1;
    p->n_posts = 0;
    for (int k = 0; k < DECAY_SH_NODES; k++) {
        p->sh_alpha[k] = NAN;
        p->sh_sd[k] = NAN;
    }
    p->sh_n = 0;
}

static int cmp_point(const void *a, const void *b)
{
    const struct decay_point *x = a, *y = b;
    if (x->age_h < y->age_h)
        return -1;
    if (x->age_h > y->age_h)
        return 1;
    return (x->count > y->count) - (x->count < y->count);
}

int decay_clean(struct decay_point *pts, int n)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(pts[i].age_h) && isfinite(pts[i].count) && pts[i].age_h > 0 && pts[i].count >= 0)
            pts[m++] = pts[i];
    if (m == 0)
        return 0;
    qsort(pts, (size_t)m, sizeof *pts, cmp_point);

    /* Scratch: weights of merged points, then the isotonic blocks (value,
     * weight, size).  On the stack for the usual sizes, one malloc beyond. */
    double sbuf[3 * DECAY_MAX_POINTS];
    int szbuf[DECAY_MAX_POINTS];
    double *scratch = sbuf;
    int *sz = szbuf;
    if (m > DECAY_MAX_POINTS) {
        scratch = malloc(sizeof(double) * 3 * (size_t)m);
        sz = malloc(sizeof(int) * (size_t)m);
        if (!scratch || !sz) {
            m = 0; /* ENOMEM: nothing usable rather than a half-cleaned series */
            goto out;
        }
    }
    double *wt = scratch, *val = scratch + m, *bw = scratch + 2 * m;

    /* Duplicate ages (two pulls in the same minute, api + import of the same
     * moment): average them; the number merged is the weight below. */
    int k = 0;
    for (int i = 0; i < m; i++) {
        if (k > 0 && pts[i].age_h - pts[k - 1].age_h < 0.005) {
            double w = wt[k - 1];
            pts[k - 1].count = (pts[k - 1].count * w + pts[i].count) / (w + 1);
            wt[k - 1] = w + 1;
        } else {
            pts[k] = pts[i];
            wt[k] = 1;
            k++;
        }
    }
    m = k;

    /* Pool-adjacent-violators: the closest non-decreasing sequence (a counter
     * that dropped because likes were withdrawn becomes a plateau). */
    int nb = 0;
    for (int i = 0; i < m; i++) {
        val[nb] = pts[i].count;
        bw[nb] = wt[i];
        sz[nb] = 1;
        nb++;
        while (nb > 1 && val[nb - 2] > val[nb - 1]) {
            double w = bw[nb - 2] + bw[nb - 1];
            val[nb - 2] = (val[nb - 2] * bw[nb - 2] + val[nb - 1] * bw[nb - 1]) / w;
            bw[nb - 2] = w;
            sz[nb - 2] += sz[nb - 1];
            nb--;
        }
    }
    for (int b = 0, i = 0; b < nb; b++)
        for (int j = 0; j < sz[b]; j++)
            pts[i++].count = val[b];

    /* Thin very long histories evenly, keeping the first and the last. */
    if (m > DECAY_MAX_POINTS) {
        for (int j = 0; j < DECAY_MAX_POINTS; j++) {
            long src = (long)j * (m - 1) / (DECAY_MAX_POINTS - 1);
            pts[j] = pts[src];
        }
        m = DECAY_MAX_POINTS;
    }
out:
    if (scratch != sbuf)
        free(scratch);
    if (sz != szbuf)
        free(sz);
    return m;
}

/* ---- the nonlinear least-squares problem ---- */

struct fitdata {
    const struct decay_point *p;
    int n;
    double w[DECAY_MAX_POINTS];  /* 1/σ_i of each point's log1p residual */
    double ly[DECAY_MAX_POINTS]; /* log1p(count) */
    double mu_u, isd_u, mu_v, isd_v;
    double k_uv; /* whitening of the correlated prior: row 2 = isd_v·(v − μv) + k_uv·(u − μu) */
    int use_sh;          /* add the Szabo–Huberman row */
    double H, sh_ly, sh_w; /* log1p of the SH prediction of N(H), 1/its sd */
};

static int lomax_f(const gsl_vector *x, void *vd, gsl_vector *f)
{
    const struct fitdata *d = vd;
    double a = gsl_vector_get(x, 0);
    double u = clampd(gsl_vector_get(x, 1), LOGC_MIN, LOGC_MAX);
    double v = clampd(gsl_vector_get(x, 2), LOGT_MIN, LOGT_MAX);
    if (!isfinite(a) || a > 700)
        return GSL_EDOM;
    double A = exp(a), c = exp(u), th = exp(v);
    for (int i = 0; i < d->n; i++) {
        double N = A * lomax_q(c, th, d->p[i].age_h);
        gsl_vector_set(f, (size_t)i, (log1p(N) - d->ly[i]) * d->w[i]);
    }
    gsl_vector_set(f, (size_t)d->n, (gsl_vector_get(x, 1) - d->mu_u) * d->isd_u);
    gsl_vector_set(f, (size_t)d->n + 1,
                   (gsl_vector_get(x, 2) - d->mu_v) * d->isd_v + (gsl_vector_get(x, 1) - d->mu_u) * d->k_uv);
    if (d->use_sh)
        gsl_vector_set(f, (size_t)d->n + 2, (log1p(A * lomax_q(c, th, d->H)) - d->sh_ly) * d->sh_w);
    return GSL_SUCCESS;
}

static int lomax_df(const gsl_vector *x, void *vd, gsl_matrix *J)
{
    const struct fitdata *d = vd;
    double a = gsl_vector_get(x, 0);
    double u = clampd(gsl_vector_get(x, 1), LOGC_MIN, LOGC_MAX);
    double v = clampd(gsl_vector_get(x, 2), LOGT_MIN, LOGT_MAX);
    if (!isfinite(a) || a > 700)
        return GSL_EDOM;
    double A = exp(a), c = exp(u), th = exp(v);
    for (int i = 0; i < d->n; i++) {
        double t = d->p[i].age_h;
        double L = log1p(t / c);
        double P = exp(-th * L);
        double q = -expm1(-th * L);
        double N = A * q;
        double s = d->w[i] / (1.0 + N);
        gsl_matrix_set(J, (size_t)i, 0, N * s);
        gsl_matrix_set(J, (size_t)i, 1, -A * P * th * t / (c + t) * s);
        gsl_matrix_set(J, (size_t)i, 2, th * A * L * P * s);
    }
    for (int j = 0; j < 3; j++) {
        gsl_matrix_set(J, (size_t)d->n, (size_t)j, 0.0);
        gsl_matrix_set(J, (size_t)d->n + 1, (size_t)j, 0.0);
    }
    gsl_matrix_set(J, (size_t)d->n, 1, d->isd_u);
    gsl_matrix_set(J, (size_t)d->n + 1, 1, d->k_uv);
    gsl_matrix_set(J, (size_t)d->n + 1, 2, d->isd_v);
    if (d->use_sh) {
        double t = d->H;
        double L = log1p(t / c);
        double P = exp(-th * L);
        double N = A * -expm1(-th * L);
        double s = d->sh_w / (1.0 + N);
        gsl_matrix_set(J, (size_t)d->n + 2, 0, N * s);
        gsl_matrix_set(J, (size_t)d->n + 2, 1, -A * P * th * t / (c + t) * s);
        gsl_matrix_set(J, (size_t)d->n + 2, 2, th * A * L * P * s);
    }
    return GSL_SUCCESS;
}

static gsl_multifit_nlinear_workspace *ws_get(struct decay_ws *ws, int nres)
{
    if (nres < 3 || nres >= NWS)
        return NULL;
    if (!ws->w[nres]) {
        gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
        par.solver = gsl_multifit_nlinear_solver_cholesky;
        ws->w[nres] = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, (size_t)nres, 3);
    }
    return ws->w[nres];
}

static void result_unknown(struct decay_result *r, double H)
{
    memset(r, 0, sizeof *r);
    r->method = DECAY_NONE;
    r->A = r->c_h = r->theta = NAN;
    r->se_logc = r->se_logtheta = NAN;
    r->rms = NAN;
    r->horizon_h = H;
    r->n_h = r->n_h_lo = r->n_h_hi = NAN;
    r->half_life_h = r->t90_h = r->decay_rate_24h = NAN;
    for (int k = 0; k < DECAY_NCHECK; k++)
        r->check[k] = NAN;
    r->last_age_h = r->last_count = NAN;
}

/* Age at which the curve reaches frac·N(H): closed form of the Lomax inverse. */
static double lomax_age_at(double c, double th, double H, double frac)
{
    double qH = lomax_q(c, th, H);
    double z = frac * qH; /* (1 + t/c)^(−θ) = 1 − z */
    if (!(z > 0) || !(z < 1))
        return NAN;
    return c * expm1(-log1p(-z) / th);
}

double decay_age_at(double c_h, double theta, double horizon_h, double frac)
{
    if (!(c_h > 0) || !(theta > 0) || !(horizon_h > 0) || !isfinite(c_h) || !isfinite(theta))
        return NAN;
    return lomax_age_at(c_h, theta, horizon_h, frac);
}

static double sh_node_age(int k)
{
    return 0.25 * ldexp(1.0, k);
}

double decay_loglinear_predict(const struct decay_prior *p, double age_h, double count, double *sd_log)
{
    if (sd_log)
        *sd_log = NAN;
    if (!(count > 0) || !(age_h > 0) || !isfinite(count) || !isfinite(age_h))
        return NAN;
    double alpha = NAN, sd = NAN;
    if (p->sh_n > 0) {
        /* position in the node grid, interpolated linearly in ln t */
        double x = log2(age_h / 0.25);
        int k = (int)floor(x);
        if (k < 0)
            k = 0, x = 0;
        if (k >= DECAY_SH_NODES - 1)
            k = DECAY_SH_NODES - 2, x = DECAY_SH_NODES - 1;
        double f = x - k;
        double a0 = p->sh_alpha[k], a1 = p->sh_alpha[k + 1];
        if (isfinite(a0) && isfinite(a1)) {
            alpha = a0 + f * (a1 - a0);
            sd = p->sh_sd[k] + f * (p->sh_sd[k + 1] - p->sh_sd[k]);
        } else if (isfinite(a0) && f < 0.5) {
            alpha = a0, sd = p->sh_sd[k];
        } else if (isfinite(a1) && f >= 0.5) {
            alpha = a1, sd = p->sh_sd[k + 1];
        }
    }
    if (!isfinite(alpha)) {
        /* No matured history near this age: the ratio the pooled shape implies. */
        double c = exp(p->mu_logc), th = exp(p->mu_logtheta);
        alpha = log(lomax_q(c, th, DECAY_HORIZON_H) / lomax_q(c, th, age_h));
        sd = 0.5;
    }
    if (alpha < 0 && age_h < DECAY_HORIZON_H)
        alpha = 0; /* a cumulative counter does not shrink */
    double r = count * exp(alpha);
    if (sd_log)
        *sd_log = sd;
    return isfinite(r) ? r : NAN;
}

static void fill_from_loglinear(struct decay_result *r, const struct decay_prior *prior,
                                const struct decay_point *pts, int n, double H)
{
    /* The last positive point carries the most information about N(H). */
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
        nh = y; /* already past the horizon: the observation is the value */
    } else if (H == DECAY_HORIZON_H) {
        nh = decay_loglinear_predict(prior, t, y, &sd);
    } else {
        /* The SH rule is fitted for 7 days only: other horizons use the ratio
         * the pooled shape implies. */
        double c = exp(prior->mu_logc), th = exp(prior->mu_logtheta);
        nh = y * lomax_q(c, th, H) / lomax_q(c, th, t);
    }
    if (!isfinite(nh))
        return;
    r->method = DECAY_LOGLINEAR;
    r->n_h = nh;
    double s = isfinite(sd) && sd > 0 ? sd : 0.5;
    r->n_h_lo = fmax(y, nh * exp(-Z90 * s));
    r->n_h_hi = nh * exp(Z90 * s);
    if (t >= H)
        r->n_h_lo = r->n_h_hi = nh;
    /* An exposure curve for readers that need one (attribution): the pooled
     * shape scaled to n_h.  It is not this post's fit, so no half-life. */
    double c = exp(prior->mu_logc), th = exp(prior->mu_logtheta), qH = lomax_q(c, th, H);
    if (qH > 0 && isfinite(nh / qH)) {
        r->A = nh / qH;
        r->c_h = c;
        r->theta = th;
    }
    for (int k = 0; k < DECAY_NCHECK; k++)
        if (decay_check_ages_h[k] == H)
            r->check[k] = nh;
}

int decay_fit(struct decay_ws *ws, const struct decay_point *pts_in, int n, const struct decay_prior *prior,
              double horizon_h, struct decay_result *out)
{
    double H = horizon_h > 0 ? horizon_h : DECAY_HORIZON_H;
    result_unknown(out, H);
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
    out->last_age_h = pts[m - 1].age_h;
    out->last_count = pts[m - 1].count;
    if (!(pts[m - 1].count > 0))
        goto out; /* all zeros: nothing says how big it will get */

    struct fitdata d;
    d.p = pts;
    d.n = m;
    double sig = prior->sigma > 0 ? prior->sigma : 0.1;
    for (int i = 0; i < m; i++) {
        d.ly[i] = log1p(pts[i].count);
        /* Small counters are coarse (Poisson-like quantisation): they carry
         * less shape information than a point with thousands. */
        d.w[i] = 1.0 / sqrt(sig * sig + POISSON_K / (1.0 + pts[i].count));
    }
    d.mu_u = prior->mu_logc;
    d.isd_u = 1.0 / (prior->sd_logc > 0 ? prior->sd_logc : 2.0);
    d.mu_v = prior->mu_logtheta;
    {
        /* Bivariate normal prior on (ln c, ln θ): the shapes of an account's
         * posts lie along a ridge (a larger c goes with a larger θ), which
         * independent priors cannot say.  Cholesky whitening of Σ. */
        double su = prior->sd_logc > 0 ? prior->sd_logc : 3.0, sv = prior->sd_logtheta > 0 ? prior->sd_logtheta : 3.0;
        double rho = isfinite(prior->rho) ? fmax(-0.95, fmin(0.95, prior->rho)) : 0.0;
        double s1 = sqrt(1.0 - rho * rho);
        d.isd_u = 1.0 / su;
        d.isd_v = 1.0 / (sv * s1);
        d.k_uv = -rho / (su * s1);
    }

    /* Start at the prior shape with the amplitude that centres the residuals. */
    double c0 = exp(d.mu_u), th0 = exp(d.mu_v), sa = 0, sw = 0;
    for (int i = 0; i < m; i++) {
        if (pts[i].count <= 0)
            continue;
        double ww = d.w[i] * d.w[i];
        sa += ww * (log(pts[i].count) - log(lomax_q(c0, th0, pts[i].age_h)));
        sw += ww;
    }
    double x0[3] = { sw > 0 ? sa / sw : log(pts[m - 1].count), d.mu_u, d.mu_v };
    if (!isfinite(x0[0]) || x0[0] > 600)
        x0[0] = log(pts[m - 1].count);

    /* The account's Szabo–Huberman rule, when it was fitted on matured posts,
     * is one more piece of evidence about N(H): a prior row on ln N(H). */
    d.use_sh = 0;
    d.H = H;
    if (prior->sh_n > 0 && pts[m - 1].age_h < H && H == DECAY_HORIZON_H) {
        double sd = NAN;
        double sh = decay_loglinear_predict(prior, pts[m - 1].age_h, pts[m - 1].count, &sd);
        if (isfinite(sh) && isfinite(sd) && sd > 0) {
            d.use_sh = 1;
            d.sh_ly = log1p(sh);
            d.sh_w = 1.0 / (sd * SH_INFLATE);
        }
    }
    int nres = m + 2 + d.use_sh;
    gsl_multifit_nlinear_workspace *w = ws_get(ws, nres);
    if (!w) {
        rc = -1;
        goto out;
    }
    gsl_multifit_nlinear_fdf fdf;
    fdf.f = lomax_f;
    fdf.df = lomax_df;
    fdf.fvv = NULL;
    fdf.n = (size_t)nres;
    fdf.p = 3;
    fdf.params = &d;
    gsl_vector_view xv = gsl_vector_view_array(x0, 3);
    int st = gsl_multifit_nlinear_init(&xv.vector, &fdf, w);
    int info = 0;
    /* A start that already fits exactly (one point on the prior's shape) is
     * the optimum: GSL would reject every step there and stop at maxiter. */
    if (st == GSL_SUCCESS && gsl_blas_dnrm2(gsl_multifit_nlinear_residual(w)) > 1e-12)
        st = gsl_multifit_nlinear_driver(100, 1e-8, 1e-8, 0.0, NULL, NULL, &info, w);
    if (st == GSL_EMAXITER || st == GSL_ENOPROG) {
        /* Stalled: accept the point if it is stationary (gradient J'f ~ 0). */
        double g[3];
        gsl_vector_view gv = gsl_vector_view_array(g, 3);
        if (gsl_blas_dgemv(CblasTrans, 1.0, gsl_multifit_nlinear_jac(w), gsl_multifit_nlinear_residual(w), 0.0,
                           &gv.vector) == GSL_SUCCESS &&
            fabs(g[0]) < 1e-6 && fabs(g[1]) < 1e-6 && fabs(g[2]) < 1e-6)
            st = GSL_SUCCESS;
    }
    out->status = st;
    const gsl_vector *x = gsl_multifit_nlinear_position(w);
    double a = gsl_vector_get(x, 0), u = gsl_vector_get(x, 1), v = gsl_vector_get(x, 2);
    /* Anything but a converged, in-box, finite point falls back. */
    bool ok = st == GSL_SUCCESS && isfinite(a) && isfinite(u) && isfinite(v) &&
              u > LOGC_MIN && u < LOGC_MAX && v > LOGT_MIN && v < LOGT_MAX && a < 600;
    if (!ok) {
        fill_from_loglinear(out, prior, pts, m, H);
        goto out;
    }
    double A = exp(a), c = exp(u), th = exp(v);
    double nh = A * lomax_q(c, th, H);
    if (!isfinite(nh) || nh < 0) {
        fill_from_loglinear(out, prior, pts, m, H);
        goto out;
    }

    /* Residual scale: pooled σ, inflated when this post misfits (a scaled
     * inverse-χ² compromise with 2 pseudo-points), never deflated. */
    const gsl_vector *f = gsl_multifit_nlinear_residual(w);
    double chi2 = 0;
    for (int i = 0; i < m; i++)
        chi2 += gsl_vector_get(f, (size_t)i) * gsl_vector_get(f, (size_t)i);
    double rss = 0;
    for (int i = 0; i < m; i++) {
        double e = gsl_vector_get(f, (size_t)i) / d.w[i];
        rss += e * e;
    }
    out->rms = sqrt(rss / m);
    double s2 = fmax(1.0, (chi2 + 2.0) / (m + 2.0));

    gsl_matrix *J = gsl_multifit_nlinear_jac(w);
    double g[3] = { NAN, NAN, NAN };
    double var_lnh = NAN;
    if (gsl_multifit_nlinear_covar(J, 0.0, ws->cov) == GSL_SUCCESS) {
        gsl_matrix_scale(ws->cov, s2);
        double L = log1p(H / c), P = exp(-th * L), q = -expm1(-th * L);
        g[0] = 1.0;
        g[1] = -P * th * H / ((c + H) * q);
        g[2] = th * L * P / q;
        var_lnh = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                var_lnh += g[i] * g[j] * gsl_matrix_get(ws->cov, (size_t)i, (size_t)j);
        out->se_logc = sqrt(gsl_matrix_get(ws->cov, 1, 1));
        out->se_logtheta = sqrt(gsl_matrix_get(ws->cov, 2, 2));
    }

    out->method = m >= 3 ? DECAY_LOMAX : DECAY_POOLED;
    out->A = A;
    out->c_h = c;
    out->theta = th;
    out->n_h = nh;
    if (isfinite(var_lnh) && var_lnh >= 0) {
        if (d.use_sh) {
            /* The SH row narrows the posterior as if it were independent
             * evidence; it is not (a late burst fools both), so half its spread
             * is added back: 90 % intervals then cover ~93 % on SEISMIC
             * instead of ~79 % (docs/models.md). */
            double sdsh = 1.0 / (d.sh_w * SH_INFLATE);
            var_lnh += 0.25 * sdsh * sdsh;
        }
        double sd = sqrt(var_lnh);
        out->n_h_lo = nh * exp(-Z90 * sd);
        out->n_h_hi = nh * exp(Z90 * sd);
        if (!isfinite(out->n_h_hi))
            out->n_h_hi = NAN;
    }
    out->half_life_h = lomax_age_at(c, th, H, 0.5);
    out->t90_h = lomax_age_at(c, th, H, 0.9);
    out->decay_rate_24h = (1.0 + th) / (c + 24.0);
    for (int k = 0; k < DECAY_NCHECK; k++)
        out->check[k] = A * lomax_q(c, th, decay_check_ages_h[k]);
out:
    if (pts != sbuf)
        free(pts);
    return rc;
}

/* ---- borrowing strength across posts ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_sorted(const double *v, int n)
{
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void decay_robust_stats(double *v, int n, double *med, double *sd)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *med = median_sorted(v, n);
    for (int i = 0; i < n; i++)
        v[i] = fabs(v[i] - *med);
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *sd = 1.4826 * median_sorted(v, n);
}

int decay_prior_estimate(const struct decay_result *fits, int n, const struct decay_prior *base,
                         struct decay_prior *out)
{
    *out = *base;
    if (n <= 0)
        return 0;
    double *vu = malloc(sizeof(double) * (size_t)n);
    double *vv = malloc(sizeof(double) * (size_t)n);
    double *vr = malloc(sizeof(double) * (size_t)n);
    int k = 0, kr = 0;
    if (!vu || !vv || !vr)
        goto out;
    for (int i = 0; i < n; i++) {
        if (fits[i].method != DECAY_LOMAX || !isfinite(fits[i].c_h) || !isfinite(fits[i].theta))
            continue;
        vu[k] = log(fits[i].c_h);
        vv[k] = log(fits[i].theta);
        k++;
        if (fits[i].n_points >= 4 && isfinite(fits[i].rms))
            vr[kr++] = fits[i].rms;
    }
    if (k == 0)
        goto out;
    /* Correlation of ln c and ln θ, on values clipped to 3 robust sds
     * (before robust_stats reorders the arrays). */
    double rho = 0;
    {
        double *cu = malloc(sizeof(double) * (size_t)k), *cv = malloc(sizeof(double) * (size_t)k);
        if (cu && cv) {
            double m1, s1, m2, s2;
            memcpy(cu, vu, sizeof(double) * (size_t)k);
            memcpy(cv, vv, sizeof(double) * (size_t)k);
            decay_robust_stats(cu, k, &m1, &s1);
            decay_robust_stats(cv, k, &m2, &s2);
            double suv = 0, suu = 0, svv = 0;
            for (int i = 0; i < k; i++) {
                double a = fmax(-3 * s1, fmin(3 * s1, vu[i] - m1)), b = fmax(-3 * s2, fmin(3 * s2, vv[i] - m2));
                suv += a * b;
                suu += a * a;
                svv += b * b;
            }
            if (suu > 0 && svv > 0 && k >= 5)
                rho = suv / sqrt(suu * svv);
        }
        free(cu);
        free(cv);
    }
    double mu, su, mv, sv;
    decay_robust_stats(vu, k, &mu, &su);
    decay_robust_stats(vv, k, &mv, &sv);
    su = fmax(su, 0.15);
    sv = fmax(sv, 0.15);
    /* Few posts: lean on the base prior (k0 = 5 pseudo-posts). */
    double wgt = k / (k + 5.0);
    out->mu_logc = wgt * mu + (1 - wgt) * base->mu_logc;
    out->mu_logtheta = wgt * mv + (1 - wgt) * base->mu_logtheta;
    out->sd_logc = sqrt(wgt * su * su + (1 - wgt) * base->sd_logc * base->sd_logc);
    out->sd_logtheta = sqrt(wgt * sv * sv + (1 - wgt) * base->sd_logtheta * base->sd_logtheta);
    out->rho = wgt * rho + (1 - wgt) * base->rho;
    if (kr > 0) {
        double mr, sr;
        decay_robust_stats(vr, kr, &mr, &sr);
        double wr = kr / (kr + 5.0);
        out->sigma = fmax(0.02, wr * mr + (1 - wr) * base->sigma);
    }
    out->n_posts = k;
out:
    free(vu);
    free(vv);
    free(vr);
    return k;
}

int decay_prior_fit_loglinear(struct decay_prior *p, const double *age_h, const double *n_t, const double *n_h,
                              int n)
{
    double sw[DECAY_SH_NODES] = { 0 }, swy[DECAY_SH_NODES] = { 0 }, swyy[DECAY_SH_NODES] = { 0 };
    int used = 0;
    for (int i = 0; i < n; i++) {
        if (!(age_h[i] > 0) || !(n_t[i] > 0) || !(n_h[i] > 0) || !isfinite(n_t[i]) || !isfinite(n_h[i]) ||
            !isfinite(age_h[i]))
            continue;
        double lt = log(age_h[i]), y = log(n_h[i] / n_t[i]);
        used++;
        for (int k = 0; k < DECAY_SH_NODES; k++) {
            double z = (lt - log(sh_node_age(k))) / 0.5;
            if (fabs(z) > 4)
                continue;
            double w = exp(-0.5 * z * z);
            sw[k] += w;
            swy[k] += w * y;
            swyy[k] += w * y * y;
        }
    }
    if (used == 0)
        return 0;
    for (int k = 0; k < DECAY_SH_NODES; k++) {
        if (sw[k] < 2.0) {
            p->sh_alpha[k] = p->sh_sd[k] = NAN;
            continue;
        }
        double a = swy[k] / sw[k];
        double var = swyy[k] / sw[k] - a * a;
        /* small-sample inflation: the spread of a mean over ~sw pairs */
        double sd = sqrt(fmax(var, 0) * sw[k] / fmax(sw[k] - 1.0, 1.0));
        p->sh_alpha[k] = a;
        p->sh_sd[k] = fmax(0.02, sd);
    }
    p->sh_n = used;
    return used;
}

bool decay_peak(const struct decay_point *pts_in, int n, double *peak_age_h)
{
    if (n < 2 || n > DECAY_MAX_POINTS)
        return false;
    struct decay_point pts[DECAY_MAX_POINTS];
    memcpy(pts, pts_in, sizeof *pts * (size_t)n);
    int m = decay_clean(pts, n);
    if (m < 2)
        return false;
    /* Interval k runs from the previous sample (or posting) to sample k. */
    int best = -1;
    double best_rate = 0, t0 = 0, y0 = 0;
    double rate[DECAY_MAX_POINTS];
    for (int k = 0; k < m; k++) {
        double dt = pts[k].age_h - t0;
        rate[k] = dt > 0 ? (pts[k].count - y0) / dt : 0;
        if (rate[k] > best_rate) {
            best_rate = rate[k];
            best = k;
        }
        t0 = pts[k].age_h;
        y0 = pts[k].count;
    }
    if (best <= 0 || best >= m - 1)
        return false;
    /* Must rise into the peak and fall after it by more than rounding. */
    if (!(rate[best] > rate[best - 1] * 1.05) || !(rate[best] > rate[best + 1] * 1.05))
        return false;
    *peak_age_h = 0.5 * (pts[best - 1].age_h + pts[best].age_h);
    return true;
}
