/*
 * stats/decay.c — Lomax decay-curve fits with an empirical-Bayes shape prior
 * (see decay.h for what it is and is not for; docs/models.md for why).  The
 * solver is stats/curvefit's, with the Lomax family of its table.
 */
#include "stats/decay.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/curvefit.h"

const double decay_check_ages_h[DECAY_NCHECK] = { 1.0, 4.0, 24.0, 48.0, 168.0 };
const char *const decay_check_names[DECAY_NCHECK] = { "1h", "4h", "24h", "48h", "7d" };

#define Z90 FIT_Z90
#define LOMAX (&fit_families[FIT_FAM_LOMAX])

struct decay_ws {
    struct fit_ws *fw;
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
    ws->fw = fit_ws_new();
    if (!ws->fw) {
        free(ws);
        return NULL;
    }
    return ws;
}

void decay_ws_free(struct decay_ws *ws)
{
    if (!ws)
        return;
    fit_ws_free(ws->fw);
    free(ws);
}

double decay_lomax_q(double c_h, double theta, double age_h)
{
    if (age_h <= 0)
        return 0.0;
    return -expm1(-theta * log1p(age_h / c_h));
}

static double lomax_q(double c, double theta, double t)
{
    return decay_lomax_q(c, theta, t);
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
    /* Centred on the SEISMIC medians (c ≈ 0.33 h, θ ≈ 0.12: the Lomax row of
     * the family table), wide enough that three points of a post's own data
     * dominate it. */
    memset(p, 0, sizeof *p);
    p->mu_logc = log(LOMAX->med0[0]);
    p->sd_logc = 3.0;
    p->mu_logtheta = log(LOMAX->med0[1]);
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

/* A converged solution of the engine as this module's result. */
static void fill_from_fit(struct decay_result *out, const struct fit_solution *s, int m, double H)
{
    double A = s->A, c = exp(s->x[1]), th = exp(s->x[2]), nh = s->nh;
    out->rms = s->rms;
    out->se_logc = s->se[0];
    out->se_logtheta = s->se[1];
    out->method = m >= 3 ? DECAY_LOMAX : DECAY_POOLED;
    out->A = A;
    out->c_h = c;
    out->theta = th;
    out->n_h = nh;
    if (isfinite(s->sd_lnh)) {
        out->n_h_lo = nh * exp(-Z90 * s->sd_lnh);
        out->n_h_hi = nh * exp(Z90 * s->sd_lnh);
        if (!isfinite(out->n_h_hi))
            out->n_h_hi = NAN;
    }
    out->half_life_h = lomax_age_at(c, th, H, 0.5);
    out->t90_h = lomax_age_at(c, th, H, 0.9);
    out->decay_rate_24h = (1.0 + th) / (c + 24.0);
    for (int k = 0; k < DECAY_NCHECK; k++)
        out->check[k] = A * lomax_q(c, th, decay_check_ages_h[k]);
}

int decay_fit(struct decay_ws *ws, const struct decay_point *pts_in, int n, const struct decay_prior *prior,
              double horizon_h, struct decay_result *out)
{
    double H = horizon_h > 0 ? horizon_h : DECAY_HORIZON_H;
    result_unknown(out, H);
    if (n <= 0 || !pts_in)
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
    out->last_age_h = pts[m - 1].age_h;
    out->last_count = pts[m - 1].count;
    if (!(pts[m - 1].count > 0))
        goto out; /* all zeros: nothing says how big it will get */
    struct fit_problem pb = { .fam = LOMAX, .pts = pts, .n = m, .sigma = prior->sigma,
                              .mu = { prior->mu_logc, prior->mu_logtheta },
                              .sd = { prior->sd_logc, prior->sd_logtheta }, .rho = prior->rho,
                              .sh = prior, .H = H, .multistart = false };
    struct fit_solution s;
    if (fit_solve(ws->fw, &pb, &s) < 0) {
        rc = -1;
        goto out;
    }
    out->status = s.status;
    /* Anything but a converged, in-box, finite point falls back. */
    if (!s.ok)
        fill_from_loglinear(out, prior, pts, m, H);
    else
        fill_from_fit(out, &s, m, H);
out:
    if (pts != sbuf)
        free(pts);
    return rc;
}
