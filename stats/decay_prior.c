/*
 * stats/decay_prior.c — what a post's fit borrows from its account and the
 * cleaning every fit starts with (see decay.h): decay_clean, robust
 * statistics, the empirical-Bayes shape prior, the Szabo–Huberman rule's
 * fit, and the peak detector.
 */
#include "stats/decay.h"
#include "stats/curvefit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    /* Snapshots come in age order: a sorted series is what the (stable) sort would leave. */
    int sorted = 1;
    for (int i = 1; i < m && sorted; i++)
        sorted = cmp_point(&pts[i - 1], &pts[i]) <= 0;
    if (!sorted)
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
            m = -1; /* ENOMEM: said, rather than a series that looks empty */
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

static double sh_node_age(int k)
{
    return 0.25 * ldexp(1.0, k);
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

int fit_pool_shapes(double *v0, double *v1, int k, int ns, const double *bmu, const double *bsd, double brho,
                    double *mu, double *sd, double *rho)
{
    if (k <= 0)
        return -1;
    /* Correlation of the two log-shapes, on values clipped to 3 robust sds
     * (before robust_stats reorders the arrays). */
    double r = 0;
    if (ns > 1) {
        double *c0 = malloc(sizeof(double) * 2 * (size_t)k);
        if (!c0)
            return -1;
        double *c1 = c0 + k, m0, s0, m1, s1;
        memcpy(c0, v0, sizeof(double) * (size_t)k);
        memcpy(c1, v1, sizeof(double) * (size_t)k);
        decay_robust_stats(c0, k, &m0, &s0);
        decay_robust_stats(c1, k, &m1, &s1);
        double s01 = 0, s00 = 0, s11 = 0;
        for (int i = 0; i < k; i++) {
            double a = fmax(-3 * s0, fmin(3 * s0, v0[i] - m0)), b = fmax(-3 * s1, fmin(3 * s1, v1[i] - m1));
            s01 += a * b;
            s00 += a * a;
            s11 += b * b;
        }
        if (s00 > 0 && s11 > 0 && k >= 5)
            r = s01 / sqrt(s00 * s11);
        free(c0);
    }
    /* Few posts: lean on the base prior (k0 = 5 pseudo-posts). */
    double wgt = k / (k + 5.0);
    for (int j = 0; j < ns; j++) {
        double m, sdev;
        decay_robust_stats(j ? v1 : v0, k, &m, &sdev);
        sdev = fmax(sdev, 0.15);
        mu[j] = wgt * m + (1 - wgt) * bmu[j];
        sd[j] = sqrt(wgt * sdev * sdev + (1 - wgt) * bsd[j] * bsd[j]);
    }
    if (ns > 1)
        *rho = wgt * r + (1 - wgt) * brho;
    return 0;
}

int fit_pool_prior(double *v0, double *v1, int k, double *vr, int kr, int ns, const double *bmu, const double *bsd,
                   double brho, double base_sigma, double *mu, double *sd, double *rho, double *sigma, int *n_posts)
{
    if (fit_pool_shapes(v0, v1, k, ns, bmu, bsd, brho, mu, sd, rho))
        return 0;
    *sigma = base_sigma;
    if (kr > 0) {
        double mr, sr;
        decay_robust_stats(vr, kr, &mr, &sr);
        double wr = kr / (kr + 5.0);
        *sigma = fmax(0.02, wr * mr + (1 - wr) * base_sigma);
    }
    *n_posts = k;
    return k;
}

int decay_prior_estimate(const struct decay_result *fits, int n, const struct decay_prior *base,
                         struct decay_prior *out)
{
    *out = *base;
    if (n <= 0)
        return 0;
    double *buf = malloc(sizeof(double) * 3 * (size_t)n);
    int k = 0, kr = 0;
    if (!buf)
        return 0;
    double *vu = buf, *vv = buf + n, *vr = buf + 2 * n;
    for (int i = 0; i < n; i++) {
        if (fits[i].method != DECAY_LOMAX || !isfinite(fits[i].c_h) || !isfinite(fits[i].theta))
            continue;
        vu[k] = log(fits[i].c_h);
        vv[k] = log(fits[i].theta);
        k++;
        if (fits[i].n_points >= 4 && isfinite(fits[i].rms))
            vr[kr++] = fits[i].rms;
    }
    double bmu[2] = { base->mu_logc, base->mu_logtheta }, bsd[2] = { base->sd_logc, base->sd_logtheta };
    double mu[2], sd[2];
    k = fit_pool_prior(vu, vv, k, vr, kr, 2, bmu, bsd, base->rho, base->sigma, mu, sd, &out->rho, &out->sigma,
                       &out->n_posts);
    if (k > 0) {
        out->mu_logc = mu[0];
        out->mu_logtheta = mu[1];
        out->sd_logc = sd[0];
        out->sd_logtheta = sd[1];
    }
    free(buf);
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

static bool peak_of(const struct decay_point *pts, int m, double *peak_age_h);

bool decay_peak(const struct decay_point *pts_in, int n, double *peak_age_h)
{
    if (n < 2)
        return false;
    /* More samples than the stack holds are thinned by the cleaning, as a fit's are. */
    struct decay_point sbuf[DECAY_MAX_POINTS], *pts = n <= DECAY_MAX_POINTS ? sbuf : malloc(sizeof *pts * (size_t)n);
    if (!pts)
        return false;
    memcpy(pts, pts_in, sizeof *pts * (size_t)n);
    int m = decay_clean(pts, n);
    bool found = m >= 2 && m <= DECAY_MAX_POINTS && peak_of(pts, m, peak_age_h);
    if (pts != sbuf)
        free(pts);
    return found;
}

/* decay_peak on cleaned points (2 <= m <= DECAY_MAX_POINTS). */
static bool peak_of(const struct decay_point *pts, int m, double *peak_age_h)
{
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
