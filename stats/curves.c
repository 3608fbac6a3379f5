/*
 * stats/curves.c — the alternative families of validate-decay (see
 * curves.h): this module's API over the one engine of stats/curvefit, whose
 * family table holds the curves; what is left here is the fallback and the
 * result shape of a validation fit.
 */
#include "stats/curves.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/curvefit.h"

struct curve_ws {
    struct fit_ws *fw;
};

static const struct fit_family *family(enum curve_family f)
{
    switch (f) {
    case CURVE_EXP: return &fit_families[FIT_FAM_EXP];
    case CURVE_LOGLOGISTIC: return &fit_families[FIT_FAM_LOGLOGISTIC];
    case CURVE_WEIBULL: return &fit_families[FIT_FAM_WEIBULL];
    }
    return NULL;
}

const char *curve_family_name(enum curve_family f)
{
    const struct fit_family *fam = family(f);
    return fam ? fam->name : "?";
}

int curve_nshape(enum curve_family f)
{
    const struct fit_family *fam = family(f);
    return fam ? fam->nshape : 2;
}

struct curve_ws *curve_ws_new(void)
{
    struct curve_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->fw = fit_ws_new();
    if (!ws->fw) {
        free(ws);
        return NULL;
    }
    return ws;
}

void curve_ws_free(struct curve_ws *ws)
{
    if (!ws)
        return;
    fit_ws_free(ws->fw);
    free(ws);
}

double curve_eval(enum curve_family f, double A, double tau_h, double k, double age_h)
{
    const struct fit_family *fam = family(f);
    if (!fam || !isfinite(A) || A < 0 || !isfinite(tau_h) || tau_h <= 0 || !isfinite(age_h))
        return NAN;
    if (fam->nshape > 1 && (!isfinite(k) || k <= 0))
        return NAN;
    if (age_h <= 0)
        return 0.0;
    double s[2] = { log(tau_h), fam->nshape > 1 ? log(k) : 0.0 };
    return A * fit_family_q(fam, s, age_h);
}

void curve_prior_default(enum curve_family f, struct curve_prior *p)
{
    /* Centred, like the Lomax's built-in prior, on the family's medians over
     * the SEISMIC cascades (the family table), and as weak: sd 3 on each log,
     * so three points of a post dominate it. */
    const struct fit_family *fam = family(f);
    memset(p, 0, sizeof *p);
    p->family = f;
    if (fam) {
        p->mu[0] = log(fam->med0[0]);
        p->mu[1] = fam->nshape > 1 ? log(fam->med0[1]) : 0.0;
    }
    p->sd[0] = p->sd[1] = 3.0;
    p->rho = 0.0;
    p->sigma = 0.1;
    p->n_posts = 0;
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
        const struct fit_family *fam = family(prior->family);
        double qH = fit_family_q(fam, prior->mu, H), qt = fit_family_q(fam, prior->mu, t);
        nh = qt > 0 ? y * fmax(1.0, qH / qt) : NAN;
    }
    if (!isfinite(nh))
        return;
    double s = isfinite(sd) && sd > 0 ? sd : 0.5;
    r->method = CURVE_FALLBACK;
    r->n_h = nh;
    r->n_h_lo = fmax(y, nh * exp(-FIT_Z90 * s));
    r->n_h_hi = nh * exp(FIT_Z90 * s);
    if (t >= H)
        r->n_h_lo = r->n_h_hi = nh;
}

int curve_fit(struct curve_ws *ws, const struct decay_point *pts_in, int n, const struct curve_prior *prior,
              const struct decay_prior *sh, double horizon_h, struct curve_result *out)
{
    double H = horizon_h > 0 ? horizon_h : DECAY_HORIZON_H;
    const struct fit_family *fam = family(prior->family);
    result_unknown(out, prior->family, H);
    if (n <= 0 || !pts_in || !fam)
        return 0;
    struct decay_point sbuf[DECAY_MAX_POINTS], *pts;
    int m = fit_clean_copy(pts_in, n, sbuf, &pts), rc = 0;
    if (m < 0) {
        if (pts != sbuf)
            free(pts);
        return -1;
    }
    if (m == 0)
        goto out;
    out->n_points = m;
    if (!(pts[m - 1].count > 0))
        goto out;
    struct fit_problem pb = { .fam = fam, .pts = pts, .n = m, .sigma = prior->sigma,
                              .mu = { prior->mu[0], prior->mu[1] }, .sd = { prior->sd[0], prior->sd[1] },
                              .rho = prior->rho, .sh = sh, .H = H, .multistart = true };
    struct fit_solution s;
    if (fit_solve(ws->fw, &pb, &s) < 0) {
        rc = -1;
        goto out;
    }
    out->status = s.status;
    if (!s.ok) {
        fill_fallback(out, prior, sh, pts, m, H);
        goto out;
    }
    out->method = CURVE_FIT;
    out->A = s.A;
    out->tau_h = exp(s.x[1]);
    out->k = fam->nshape > 1 ? exp(s.x[2]) : NAN;
    out->rms = s.rms;
    out->n_h = s.nh;
    if (isfinite(s.sd_lnh)) {
        out->n_h_lo = s.nh * exp(-FIT_Z90 * s.sd_lnh);
        out->n_h_hi = s.nh * exp(FIT_Z90 * s.sd_lnh);
        if (!isfinite(out->n_h_hi))
            out->n_h_hi = NAN;
    }
out:
    if (pts != sbuf)
        free(pts);
    return rc;
}

int curve_prior_estimate(const struct curve_result *fits, int n, const struct curve_prior *base,
                         struct curve_prior *out)
{
    *out = *base;
    if (n <= 0)
        return 0;
    int ns = curve_nshape(base->family);
    double *buf = malloc(sizeof(double) * 3 * (size_t)n);
    if (!buf)
        return 0;
    double *v0 = buf, *v1 = buf + n, *vr = buf + 2 * n;
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
    k = fit_pool_prior(v0, v1, k, vr, kr, ns, base->mu, base->sd, base->rho, base->sigma, out->mu, out->sd,
                       &out->rho, &out->sigma, &out->n_posts);
    free(buf);
    return k;
}
