/*
 * stats/thompson.c — Gamma–Poisson posteriors and probability-to-be-best.
 * See stats/thompson.h and docs/learning.md.
 */
#include "stats/thompson.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>

void thompson_params_default(struct thompson_params *p)
{
    p->half_life_days = 14.0;
    p->prior_weight = 2.0;
    /* Jeffreys' shape for a Poisson rate: proper, and weak next to one post. */
    p->prior_shape_floor = 0.5;
}

double thompson_weight(const struct thompson_params *p, double confidence, double age_days)
{
    if (!isfinite(confidence) || confidence <= 0)
        return 0;
    if (confidence > 1)
        confidence = 1;
    if (!isfinite(age_days) || age_days < 0)
        age_days = 0;
    if (p->half_life_days <= 0)
        return confidence;
    return confidence * exp2(-age_days / p->half_life_days);
}

void thompson_evidence_add(struct thompson_evidence *e, double weight, double followers)
{
    if (!isfinite(weight) || weight <= 0 || !isfinite(followers))
        return;
    if (followers < 0)
        followers = 0;
    e->sum_w += weight;
    e->sum_wy += weight * followers;
    e->sum_wyy += weight * followers * followers;
}

void thompson_prior(const struct thompson_params *p, const struct thompson_evidence *pooled,
                    double *alpha0, double *beta0)
{
    double cap = p->prior_weight > 0 ? p->prior_weight : 1.0;
    double floor_shape = p->prior_shape_floor > 0 ? p->prior_shape_floor : 0.5;
    double a, b;

    if (!pooled || pooled->sum_w <= 0) {
        *beta0 = cap;
        *alpha0 = floor_shape;
        return;
    }
    double m = pooled->sum_wy / pooled->sum_w;
    double v = pooled->sum_wyy / pooled->sum_w - m * m;
    if (v > m && m > 0) {
        /* Negative-binomial moment match: Gamma mean m, Gamma variance v - m. */
        b = m / (v - m);
        if (b > cap)
            b = cap;
    } else {
        /* Not overdispersed (or no gains at all): the data cannot size the prior. */
        b = cap;
    }
    a = m * b;
    if (a < floor_shape)
        a = floor_shape;
    *alpha0 = a;
    *beta0 = b;
}

void thompson_posterior(double alpha0, double beta0, const struct thompson_evidence *e,
                        double *alpha, double *beta)
{
    *alpha = alpha0 + (e ? e->sum_wy : 0);
    *beta = beta0 + (e ? e->sum_w : 0);
}

static int valid_param(double x)
{
    return isfinite(x) && x > 0;
}

int thompson_gamma_interval(double alpha, double beta, double tail, double *lo, double *hi)
{
    if (!valid_param(alpha) || !valid_param(beta) || !(tail > 0 && tail < 0.5))
        return -1;
    *lo = gsl_cdf_gamma_Pinv(tail, alpha, 1.0 / beta);
    *hi = gsl_cdf_gamma_Qinv(tail, alpha, 1.0 / beta);
    if (!isfinite(*lo) || !isfinite(*hi))
        return -1;
    return 0;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t thompson_seed(int64_t account_id, int64_t as_of, const char *component)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a of the component tag */
    for (const char *s = component ? component : ""; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return splitmix64(splitmix64(splitmix64((uint64_t)account_id) ^ (uint64_t)as_of) ^ h);
}

int thompson_prob_best(enum thompson_family fam, size_t n_arms, const double *alpha, const double *beta,
                       long draws, uint64_t seed, double *p_best)
{
    gsl_rng *r = NULL;
    double *wins = NULL, *theta = NULL;
    int rc = -1;

    if (n_arms < 1 || draws < 1 || !alpha || !beta || !p_best)
        return -1;
    for (size_t a = 0; a < n_arms; a++)
        if (!valid_param(alpha[a]) || !valid_param(beta[a]))
            return -1;
    if (n_arms == 1) {
        p_best[0] = 1.0;
        return 0;
    }
    r = gsl_rng_alloc(gsl_rng_mt19937);
    wins = calloc(n_arms, sizeof *wins);
    theta = calloc(n_arms, sizeof *theta);
    if (!r || !wins || !theta)
        goto out;
    /* mt19937 keeps 32 bits of the seed: fold the high half in. */
    gsl_rng_set(r, (unsigned long)((seed ^ (seed >> 32)) & 0xffffffffUL));

    for (long m = 0; m < draws; m++) {
        double best = -INFINITY;
        size_t best_a = 0, n_tied = 0;
        for (size_t a = 0; a < n_arms; a++) {
            /* gsl_ran_gamma takes a SCALE: 1/rate. */
            double th = fam == THOMPSON_BETA ? gsl_ran_beta(r, alpha[a], beta[a])
                                             : gsl_ran_gamma(r, alpha[a], 1.0 / beta[a]);
            theta[a] = th;
            if (th > best) {
                best = th;
                best_a = a;
                n_tied = 1;
            } else if (th == best) {
                n_tied++;
            }
        }
        if (n_tied == 1) {
            wins[best_a] += 1.0;
        } else {
            /* Only when draws underflow to 0 (tiny shapes): split the win evenly. */
            for (size_t a = 0; a < n_arms; a++)
                if (theta[a] == best)
                    wins[a] += 1.0 / (double)n_tied;
        }
    }
    for (size_t a = 0; a < n_arms; a++)
        p_best[a] = wins[a] / (double)draws;
    rc = 0;
out:
    free(theta);
    free(wins);
    gsl_rng_free(r);
    return rc;
}

double thompson_beta_prob_greater(double a1, double b1, double a2, double b2)
{
    if (!valid_param(a1) || !valid_param(b1) || !valid_param(a2) || !valid_param(b2) || a1 != floor(a1) ||
        a1 > 1e6)
        return NAN;
    /* P(X > Y) = sum_{i=0}^{a1-1} B(a2+i, b2+b1) / ((b1+i) B(1+i, b1) B(a2, b2)) */
    double lb2 = gsl_sf_lnbeta(a2, b2);
    double total = 0;
    for (long i = 0; i < (long)a1; i++) {
        double t = gsl_sf_lnbeta(a2 + i, b2 + b1) - log(b1 + i) - gsl_sf_lnbeta(1.0 + i, b1) - lb2;
        total += exp(t);
    }
    return total;
}
