/*
 * stats/arms.h — overdispersed arm posteriors for learn (docs/learning.md).
 *
 * Each arm's follows per post are modelled on the log scale,
 * y = log1p(follows) ~ Normal(mu_arm, sigma_arm^2), with a conjugate
 * normal-inverse-gamma prior shared by the arms of a component: mean m0
 * (pooled), sigma^2 ~ scaled-inverse-chi^2(nu0, s0^2) with s0^2 the pooled
 * within-arm variance, and mu | sigma^2 ~ N(m0, sigma^2 / kappa0) where
 * kappa0 = s0^2 / tau^2 comes from the between-arm spread tau^2 (empirical
 * Bayes, clamped).  The log scale and a per-arm variance make one viral post
 * move an arm little: the likelihood is overdispersed by construction.
 *
 * Evidence weights are time discounts only, never outcome-dependent.  The
 * attribution's uncertainty enters by multiple imputation: each post brings
 * n_imp equally likely values of its follows; imputation m takes, for every
 * post, one of them (a seeded random rotation per post, so imputations are
 * independent across posts), the posteriors are updated per imputation and
 * P(best) and the intervals are read from the mixture of their draws.
 *
 * Not for: reading tables (etl/learn.c).  GSL's error handler must be off.
 */
#ifndef XETL_ARMS_H
#define XETL_ARMS_H

#include <stddef.h>
#include <stdint.h>

#define ARMS_MAX_IMP 64

struct arms_obs {
    size_t arm;          /* 0 .. n_arms-1 */
    double w;            /* discount weight in (0, 1] */
    const double *imp;   /* n_imp equally likely follows of the post (not owned) */
};

struct arms_params {
    int n_imp;           /* imputations per post, 1 .. ARMS_MAX_IMP */
    long draws;          /* Monte Carlo draws in all (split across imputations) */
    double nu0;          /* prior degrees of freedom of the variance (2) */
    double kappa_min, kappa_max; /* clamp of the prior's weight on the mean, in posts (2, 50) */
    double min_posts;    /* effective posts below which an arm is exploratory (5) */
    uint64_t seed;
};

void arms_params_default(struct arms_params *p);

struct arms_prior {
    double m0, kappa0, nu0, s0sq, tau2;
};

struct arms_post {
    double n_eff;        /* sum of weights */
    double nu_n, s2_n;   /* posterior of the variance (mean over imputations) */
    double mean;         /* posterior mean of mu (log1p follows) */
    double lo, hi;       /* 5 % and 95 % quantiles of mu */
    double p_best;       /* P(mu_arm is the largest) */
    int exploratory;     /* n_eff < min_posts */
};

/*
 * Fits every arm; out has n_arms entries, *prior the shared prior.  Returns
 * 0, or -1 on invalid arguments (n_arms < 1, n_imp out of range, draws < 1).
 */
int arms_fit(const struct arms_obs *obs, size_t n_obs, size_t n_arms, const struct arms_params *p,
             struct arms_prior *prior, struct arms_post *out);

/*
 * The joint model: one regression of y = log1p(follows) on all components at
 * once, y = mu0 + a_type + b_formula + c_hook + gamma z + e, e ~ N(0, s^2),
 * z = the post's centred log1p(impressions) (0 when unknown), conjugate
 * normal-inverse-gamma with prior precision kappa_c (in units of 1/s^2) on
 * component c's effects, weak ones on mu0 (mean m0) and gamma, and
 * s^2 ~ scaled-Inv-chi^2(nu0, s0sq).  Arms are compared within a component
 * holding the others fixed, at their own typical impressions: the value of
 * arm a is its effect + gamma * (its posts' mean z), so a hook used with a
 * good content type is not credited with the type's follows, and a type
 * that earns more impressions keeps the credit for them.  Same imputations
 * and seeding as arms_fit.
 */
#define ARMS_MAX_COMP 3
#define ARMS_NONE ((size_t)-1)

struct arms_joint_obs {
    size_t arm[ARMS_MAX_COMP]; /* per component, ARMS_NONE when the post has no value */
    double w, z;
    const double *imp;
};

struct arms_joint_comp {
    size_t n_arms;
    double kappa;        /* prior precision of the effects (arms_fit's kappa0) */
    double *p_best;      /* out: [n_arms] P(the arm's value is the component's largest) */
};

/* Returns 0, or -1 on invalid arguments or a singular system (then the
 * caller keeps the marginal scores). */
int arms_joint_fit(const struct arms_joint_obs *obs, size_t n_obs, int n_comp, struct arms_joint_comp *comp,
                   double m0, double s0sq, const struct arms_params *p);

#endif
