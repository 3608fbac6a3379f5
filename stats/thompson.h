/*
 * stats/thompson.h — Thompson-sampling posteriors for "what to post next".
 *
 * Pure numerics on GSL: no database, no clock, no I/O.  etl/learn.c gathers
 * the evidence (matured posts with their 168 h follower credit) and stores
 * what comes out of here.  docs/learning.md argues the model:
 *
 *   - each arm (content type, formula, hook) has a Gamma(alpha, beta) posterior
 *     on lambda = expected followers gained per post (shape alpha, RATE beta);
 *   - evidence is fractional: a post of age a (days past maturity) with
 *     attribution confidence c and credit y adds w = c * 2^(-a/half_life) to
 *     beta and w * y to alpha;
 *   - the prior Gamma(alpha0, beta0) is an empirical-Bayes moment match over all
 *     arms of the component, its weight beta0 capped at prior_weight posts, and
 *     it is never discounted;
 *   - selection score = P(arm is best) by joint Monte Carlo draws from one
 *     gsl_rng seeded by the caller (same seed => same scores).
 *
 * Not for: choosing the next post (the bot does that), reading or writing tables.
 * GSL's error handler must be off (gsl_set_error_handler_off) before any call.
 */
#ifndef XETL_THOMPSON_H
#define XETL_THOMPSON_H

#include <stddef.h>
#include <stdint.h>

/* Posterior families the probability-to-be-best code can draw from. */
enum thompson_family {
    THOMPSON_GAMMA = 0, /* alpha = shape, beta = rate: draw gsl_ran_gamma(r, alpha, 1/beta) */
    THOMPSON_BETA = 1,  /* Beta(alpha, beta) on a success probability */
};

/* Sufficient statistics of one arm's discounted, confidence-weighted evidence. */
struct thompson_evidence {
    double sum_w;   /* sum of weights: "effective posts" */
    double sum_wy;  /* sum of weight * followers */
    double sum_wyy; /* sum of weight * followers^2 (for the empirical-Bayes prior) */
};

/* Settings; thompson_params_default() gives the documented defaults. */
struct thompson_params {
    double half_life_days; /* evidence weight halves every this many days; <= 0 = no discounting */
    double prior_weight;   /* cap on the prior's weight beta0, in posts (> 0) */
    double prior_shape_floor; /* alpha0 never below this (keeps the prior proper) */
};

void thompson_params_default(struct thompson_params *p);

/*
 * Weight of one observation: confidence (clamped to [0,1]) times
 * 2^(-age_days/half_life).  Negative ages count as 0 (fresh evidence).
 */
double thompson_weight(const struct thompson_params *p, double confidence, double age_days);

/*
 * Adds one post to an arm's evidence.  followers < 0 (a net loss attributed
 * to the post) is counted as 0: the Poisson model is on gained follows.
 */
void thompson_evidence_add(struct thompson_evidence *e, double weight, double followers);

/*
 * Empirical-Bayes prior from the pooled evidence of all arms: weighted mean m
 * and variance v of followers per post; when v > m (overdispersed, the usual
 * case) the negative-binomial moment match beta0 = m/(v-m), alpha0 = m*beta0,
 * then beta0 is capped at prior_weight (alpha0 scaled to keep the mean m);
 * otherwise beta0 = prior_weight.  alpha0 is floored at prior_shape_floor.
 * With no evidence at all: beta0 = prior_weight, alpha0 = floor.
 */
void thompson_prior(const struct thompson_params *p, const struct thompson_evidence *pooled,
                    double *alpha0, double *beta0);

/* Conjugate update: alpha = alpha0 + sum_wy, beta = beta0 + sum_w. */
void thompson_posterior(double alpha0, double beta0, const struct thompson_evidence *e,
                        double *alpha, double *beta);

/*
 * Equal-tailed credible interval [lo, hi] of mass 1 - 2*tail of a Gamma
 * (shape alpha, rate beta) posterior; mean is alpha/beta.  Returns 0, or -1
 * when the parameters are not positive and finite.
 */
int thompson_gamma_interval(double alpha, double beta, double tail, double *lo, double *hi);

/*
 * A seed from account id, as-of and a component tag, mixed so that nearby
 * inputs give unrelated streams (splitmix64).
 */
uint64_t thompson_seed(int64_t account_id, int64_t as_of, const char *component);

/*
 * Probability that each arm is best: draws joint samples theta_a ~ posterior_a
 * for `draws` rounds from a gsl_rng (mt19937) seeded with `seed`, and counts
 * how often each arm holds the maximum (exact ties split evenly).  p_best has
 * n_arms entries summing to 1.  Returns 0, or -1 when an argument is invalid
 * (n_arms < 1, draws < 1, a non-positive parameter); p_best is then untouched.
 */
int thompson_prob_best(enum thompson_family fam, size_t n_arms, const double *alpha, const double *beta,
                       long draws, uint64_t seed, double *p_best);

/*
 * Closed form P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2) with a1 a
 * positive integer (Evan Miller's sum, via gsl_sf_lnbeta).  The oracle the
 * Monte Carlo code is tested against.  Returns NAN when a1 is not a positive
 * integer or a parameter is not positive.
 */
double thompson_beta_prob_greater(double a1, double b1, double a2, double b2);

#endif
