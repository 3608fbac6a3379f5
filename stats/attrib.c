/*
 * stats/attrib.c — the lagged count model of the follower series: rates by
 * weighted NNLS (Stage A), the conditional-mean split of each interval's
 * delta, and posterior draws of the split for confidence and intervals.
 * See stats/attrib.h for the contract and docs/attribution.md for the model.
 */
#include "stats/attrib.h"
#include "stats/decay.h"
#include "stats/attrib_draws.h"
#include "stats/attrib_prob.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "common/sbuf.h"

const double attrib_windows_h[ATTRIB_NWIN] = { 1.0, 24.0, 168.0 };

void attrib_params_default(struct attrib_params *p)
{
    p->n_boot = 200;
    p->seed = 0;
    p->block_hours = 24.0;
    p->prior_posts = 2.0;
    p->recalibrate = 1;
}

double attrib_curve_eval(const struct attrib_curve *c, double age_h)
{
    if (!(age_h > 0.0))
        return 0.0;
    switch (c->kind) {
    case ATTRIB_CURVE_LOMAX: {
        if (!(c->A > 0.0) || !(c->c_h > 0.0) || !(c->theta > 0.0))
            return 0.0;
        double v = c->A * decay_lomax_q(c->c_h, c->theta, age_h);
        return isfinite(v) ? v : 0.0;
    }
    case ATTRIB_CURVE_POINTS: {
        if (c->n <= 0)
            return 0.0;
        double pa = 0.0, pv = 0.0;
        for (int i = 0; i < c->n; i++) {
            double a = c->age_h[i], v = c->cum[i];
            if (!isfinite(a) || !isfinite(v) || a <= pa)
                continue;
            if (age_h <= a)
                return pv + (v - pv) * (age_h - pa) / (a - pa);
            pa = a;
            pv = v;
        }
        return pv; /* flat after the last point: nothing is extrapolated */
    }
    case ATTRIB_CURVE_NONE:
    default:
        return 0.0;
    }
}

/* Candidate means of the exponential lag kernel, hours (chosen by fit). */
static const double lag_grid[] = { 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 9.0, 12.0 };
#define N_LAG ((int)(sizeof lag_grid / sizeof lag_grid[0]))

/* Least post-to-post variance of conversion believed (sd ~ 40 %): sparse
 * samples estimate the dispersion as 0 too often, which would make every
 * post its group's rate exactly and the intervals far too narrow. */
#define PHI_FLOOR 0.5

/*
 * The lag kernel: for each candidate mean lag, a first-pass fit with
 * Var ~ dt (organic Poisson flow); the lag of least weighted residual sum of
 * squares is kept.  Then Stage A with the noise model refitted twice.
 */
static int fit_rates(struct fitstate *s, const int64_t *t)
{
    struct prob *pr = &s->pr;
    struct attrib_result *out = s->out;
    int K = pr->K, st;
    double best = INFINITY, bestL = 0.0;
    for (int li = 0; li < N_LAG; li++) {
        prob_build_entries(pr, t, lag_grid[li]);
        for (int k = 0; k < K; k++) {
            s->y[k] = pr->delta[k] - pr->known[k];
            pr->sigma[k] = sqrt(pr->dt[k]);
        }
        prob_set_lambda(pr, s->p->prior_posts);
        if ((st = prob_stage_a(pr, s->y, s->base, out->rho, &s->rho0)))
            return st;
        double rss = prob_stage_a_rss(pr, s->y, s->base, out->rho);
        if (rss < best) {
            best = rss;
            bestL = lag_grid[li];
        }
    }
    prob_build_entries(pr, t, bestL);
    out->lag_h = bestL;
    for (int k = 0; k < K; k++) {
        s->y[k] = pr->delta[k] - pr->known[k];
        pr->sigma[k] = sqrt(pr->dt[k]);
    }
    for (int pass = 0; pass < 2; pass++) {
        prob_set_lambda(pr, s->p->prior_posts);
        if ((st = prob_stage_a(pr, s->y, s->base, out->rho, &s->rho0)) || (st = prob_fit_variance(pr, s->y, s->base, out->rho)))
            return st;
    }
    prob_set_lambda(pr, s->p->prior_posts);
    if ((st = prob_stage_a(pr, s->y, s->base, out->rho, &s->rho0)))
        return st;
    out->var_per_h = pr->va;
    out->var_per_flow = pr->vc;
    out->dispersion = pr->vphi;
    out->baseline_per_h = s->base[0];
    out->rho_pooled = s->rho0;
    return 0;
}

/*
 * Post random effects: each post's conversion is its group's rate times a
 * multiplier u ~ Gamma(kappa, kappa), kappa = 1/dispersion; its posterior
 * mean given the credit, (kappa + c)/(kappa + expected), and the split
 * redone with it (twice: the shares move with u).  Then the residuals.
 */
static void random_effects(struct fitstate *s)
{
    struct prob *pr = &s->pr;
    struct attrib_result *out = s->out;
    const struct attrib_post *posts = s->posts;
    double *credit = s->credit;
    prob_allocate(pr, pr->delta, s->base, out->rho, NULL, credit, &out->baseline_total, NULL);
    /* the dispersion also from the posts' credits around their expected
     * follows (pooled moment ratio); the larger of the two is kept */
    double num = 0.0, den = 0.0;
    for (int j = 0; j < s->n_posts; j++) {
        if (post_known(&posts[j]))
            continue;
        double M = out->rho[posts[j].group] * pr->Etot[j], c = credit[j * ATTRIB_NWIN + ATTRIB_NWIN - 1];
        num += (c - M) * (c - M) - M;
        den += M * M;
    }
    if (den > 0.0 && num / den > pr->vphi)
        pr->vphi = fmin(num / den, 4.0);
    out->dispersion = pr->vphi;
    s->kappa = 1.0 / fmax(pr->vphi, PHI_FLOOR);
    for (int pass = 0; pass < 2; pass++) {
        prob_allocate(pr, pr->delta, s->base, out->rho, pass ? pr->u : NULL, credit, &out->baseline_total, NULL);
        for (int j = 0; j < s->n_posts; j++) {
            double M = out->rho[posts[j].group] * pr->Etot[j];
            pr->u[j] = (s->kappa + fmax(credit[j * ATTRIB_NWIN + ATTRIB_NWIN - 1], 0.0)) / (s->kappa + M);
        }
    }
    prob_allocate(pr, pr->delta, s->base, out->rho, pr->u, credit, &out->baseline_total, s->purity);
    prob_model_flow(pr, s->base, out->rho, NULL);
    for (int k = 0; k < pr->K; k++) {
        s->mu[k] = pr->mb[k] + pr->flow[k];
        s->resid[k] = (s->y[k] - s->mu[k]) / pr->sigma[k];
    }
}

/* Each post's point estimates into out->posts, and the totals. */
static void fill_posts(struct fitstate *s, const double *F, int n_samples)
{
    struct prob *pr = &s->pr;
    struct attrib_result *out = s->out;
    const struct attrib_post *posts = s->posts;
    double *credit = s->credit;
    out->observed_total = F[n_samples - 1] - F[0];
    for (int j = 0; j < s->n_posts; j++) {
        struct attrib_post_result *r = &out->posts[j];
        if (post_known(&posts[j]) && !(pr->Etot[j] > 0.0)) {
            /* X's count for a post with no exposure in the span (no curve, or
             * exposure outside the samples): the count as given in every
             * window, taken out of the baseline that received it */
            for (int w = 0; w < ATTRIB_NWIN; w++)
                credit[j * ATTRIB_NWIN + w] = posts[j].known_follows;
            out->baseline_total -= posts[j].known_follows;
        }
        for (int w = 0; w < ATTRIB_NWIN; w++)
            r->credit[w] = credit[j * ATTRIB_NWIN + w];
        for (int e = pr->first[j]; e < pr->first[j] + pr->count[j]; e++)
            for (int w = 0; w < ATTRIB_NWIN; w++)
                r->exposure[w] += pr->ent[e].E[w];
        r->n_intervals = pr->count[j];
        r->known = post_known(&posts[j]);
        r->rate = out->rho[posts[j].group];
        r->multiplier = pr->u[j];
        r->purity = r->known ? 1.0 : s->purity[j];
        r->lo = r->hi = r->credit[ATTRIB_NWIN - 1];
        r->sign_certainty = 1.0;
        if (r->known)
            out->known_total += r->credit[ATTRIB_NWIN - 1];
        else
            out->posts_total += r->credit[ATTRIB_NWIN - 1];
    }
}

int attrib_fit(const int64_t *t, const double *F, int n_samples, const struct attrib_post *posts,
               int n_posts, int n_groups, const struct attrib_params *p, struct attrib_result *out,
               struct xerr *err)
{
    struct fitstate s;
    int rc = 0, st;
    memset(&s, 0, sizeof s);
    memset(out, 0, sizeof *out);
    if (n_samples < 2)
        return xerr_set(err, XETL_EX_DATAERR, "attribution needs at least 2 follower samples, got %d", n_samples);
    if (n_groups < 1)
        n_groups = 1;
    if ((rc = prob_build(&s.pr, t, F, n_samples, posts, n_posts, n_groups, err)))
        goto out;
    int K = s.pr.K;
    s.posts = posts;
    s.n_posts = n_posts;
    s.p = p;
    s.out = out;
    out->n_groups = n_groups;
    out->rho = xcalloc((size_t)n_groups, sizeof(double));
    out->posts = xcalloc((size_t)n_posts + 1, sizeof *out->posts);
    out->n_intervals = K;
    s.y = xcalloc((size_t)K, sizeof(double));
    s.resid = xcalloc((size_t)K, sizeof(double));
    s.mu = xcalloc((size_t)K, sizeof(double));
    s.credit = xcalloc((size_t)n_posts * ATTRIB_NWIN + 1, sizeof(double));
    s.purity = xcalloc((size_t)n_posts + 1, sizeof(double));
    if ((st = fit_rates(&s, t))) {
        rc = xerr_set(err, XETL_EX_SOFTWARE, "attribution least squares failed: %s", gsl_strerror(st));
        goto out;
    }
    random_effects(&s);
    fill_posts(&s, F, n_samples);
    if ((rc = attrib_bootstrap(&s, err)))
        goto out;
    attrib_finish_confidence(&s);
out:
    if (rc)
        attrib_result_release(out);
    free(s.y);
    free(s.resid);
    free(s.mu);
    free(s.credit);
    free(s.purity);
    prob_release(&s.pr);
    return rc;
}

void attrib_known_only(const struct attrib_post *posts, int n_posts, int n_groups, struct attrib_result *out)
{
    memset(out, 0, sizeof *out);
    out->n_groups = n_groups < 1 ? 1 : n_groups;
    out->rho = xcalloc((size_t)out->n_groups, sizeof(double));
    out->posts = xcalloc((size_t)n_posts + 1, sizeof *out->posts);
    for (int j = 0; j < n_posts; j++) {
        struct attrib_post_result *r = &out->posts[j];
        r->lo = r->hi = NAN;
        if (!post_known(&posts[j]))
            continue;
        double all = attrib_curve_eval(&posts[j].exposure, ATTRIB_HORIZON_H);
        for (int w = 0; w < ATTRIB_NWIN; w++) {
            double f = all > 0.0 ? attrib_curve_eval(&posts[j].exposure, attrib_windows_h[w]) / all : 1.0;
            r->credit[w] = posts[j].known_follows * fmin(1.0, f);
            r->exposure[w] = all > 0.0 ? attrib_curve_eval(&posts[j].exposure, attrib_windows_h[w]) : 0.0;
            r->conf[w] = r->conf_raw[w] = 1.0;
        }
        for (int q = 0; q < ATTRIB_NQ; q++)
            r->q168[q] = posts[j].known_follows;
        r->lo = r->hi = posts[j].known_follows;
        r->known = 1;
        r->purity = r->sign_certainty = r->confidence = r->multiplier = 1.0;
        out->known_total += posts[j].known_follows;
    }
}

double attrib_event_tol(double credit)
{
    return fmax(2.0, 0.25 * fabs(credit));
}

void attrib_result_release(struct attrib_result *r)
{
    free(r->rho);
    free(r->posts);
    memset(r, 0, sizeof *r);
}
