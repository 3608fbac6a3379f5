/*
 * tests/unit/stats/test_arms.c — stats/arms: the overdispersed arm posteriors of
 * learn.  Known answers for the prior and the update, and calibration on
 * simulated arms with negative-binomial follows (docs/learning.md, goals):
 * identical arms give P(best) outside [0.05, 0.95] in at most 10 % of runs,
 * three identical content types never reach a selection score of 0.9 in
 * most runs, an arm with twice the follows per post is found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "stats/arms.h"

#define NIMP 20

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

/* One post's imputations: the true follows seen through attribution noise
 * (Poisson around the truth, as the credit draws are). */
static void impute(gsl_rng *r, double truth, double *imp)
{
    for (int m = 0; m < NIMP; m++)
        imp[m] = (double)gsl_ran_poisson(r, truth);
}

/* NB follows with mean mu and size k (variance mu + mu^2 / k). */
static double nb(gsl_rng *r, double mu, double k)
{
    return (double)gsl_ran_poisson(r, gsl_ran_gamma(r, k, mu / k));
}

/* When set, run() scores the arms with the joint model (one component), as learn does. */
static bool use_joint;

/* Simulates n[a] posts per arm of mean mean[a] and fits; p_best out. */
static void run(gsl_rng *r, size_t n_arms, const int *n, const double *mean, uint64_t seed, struct arms_post *post)
{
    int tot = 0;
    for (size_t a = 0; a < n_arms; a++)
        tot += n[a];
    struct arms_obs *obs = calloc((size_t)tot, sizeof *obs);
    double *imp = calloc((size_t)tot * NIMP, sizeof(double));
    int i = 0;
    for (size_t a = 0; a < n_arms; a++)
        for (int j = 0; j < n[a]; j++, i++) {
            impute(r, nb(r, mean[a], 1.5), imp + (size_t)i * NIMP);
            obs[i] = (struct arms_obs){ .arm = a, .w = 1.0, .imp = imp + (size_t)i * NIMP };
        }
    struct arms_params p;
    arms_params_default(&p);
    p.n_imp = NIMP;
    p.draws = 2000;
    p.seed = seed;
    struct arms_prior pr;
    assert_int_equal(arms_fit(obs, (size_t)tot, n_arms, &p, &pr, post), 0);
    if (use_joint) {
        struct arms_joint_obs *jo = calloc((size_t)tot, sizeof *jo);
        double pb[8];
        for (int k = 0; k < tot; k++)
            jo[k] = (struct arms_joint_obs){ .arm = { obs[k].arm, ARMS_NONE, ARMS_NONE }, .w = 1.0, .imp = obs[k].imp };
        struct arms_joint_comp comp = { n_arms, pr.kappa0, pb };
        assert_int_equal(arms_joint_fit(jo, (size_t)tot, 1, &comp, pr.m0, pr.s0sq, &p), 0);
        for (size_t a = 0; a < n_arms; a++)
            post[a].p_best = pb[a];
        free(jo);
    }
    free(obs);
    free(imp);
}

/* Exact posterior with one imputation, no discounting: the NIG update by hand. */
static void test_known_answer(void **state)
{
    (void)state;
    /* arm 0: follows 0, 3, 7 (y = log1p); arm 1: 1, 1 */
    double f[5] = { 0, 3, 7, 1, 1 };
    struct arms_obs obs[5];
    for (int i = 0; i < 5; i++)
        obs[i] = (struct arms_obs){ .arm = i < 3 ? 0 : 1, .w = 1.0, .imp = &f[i] };
    struct arms_params p;
    arms_params_default(&p);
    p.draws = 200000;
    p.seed = 3;
    struct arms_prior pr;
    struct arms_post post[2];
    assert_int_equal(arms_fit(obs, 5, 2, &p, &pr, post), 0);
    double y0[3] = { log1p(0), log1p(3), log1p(7) }, y1 = log1p(1);
    double m0 = (y0[0] + y0[1] + y0[2] + 2 * y1) / 5;
    assert_true(fabs(pr.m0 - m0) < 1e-12);
    double ybar0 = (y0[0] + y0[1] + y0[2]) / 3, S0 = 0;
    for (int i = 0; i < 3; i++)
        S0 += (y0[i] - ybar0) * (y0[i] - ybar0);
    /* within variance: S0 over 5 - 2 degrees of freedom (arm 1 has none) */
    assert_true(fabs(pr.s0sq - fmax(S0 / 3.0, 0.05)) < 1e-12);
    assert_true(pr.kappa0 >= 2.0 && pr.kappa0 <= 50.0);
    double kn = pr.kappa0 + 3, mn = (pr.kappa0 * m0 + 3 * ybar0) / kn;
    /* the Monte Carlo mean of mu within 4 standard errors of the exact one */
    double nun = 2 + 3, sn = (2 * pr.s0sq + S0 + pr.kappa0 * 3 * (ybar0 - m0) * (ybar0 - m0) / kn) / nun;
    double sd_mu = sqrt(nun * sn / (nun - 2) / kn);
    if (fabs(post[0].mean - mn) > 4 * sd_mu / sqrt(200000.0))
        fail_msg("posterior mean %.5f, exact %.5f", post[0].mean, mn);
    assert_true(fabs(post[0].nu_n - nun) < 1e-12 && fabs(post[0].s2_n - sn) < 1e-12);
    assert_true(fabs(post[0].p_best + post[1].p_best - 1.0) < 1e-12);
    assert_true(post[0].exploratory && post[1].exploratory); /* 3 and 2 posts < 5 */
    assert_true(post[0].lo < post[0].mean && post[0].mean < post[0].hi);
}

static bool outside_5_95(const struct arms_post *post, size_t n)
{
    (void)n;
    return post[0].p_best < 0.05 || post[0].p_best > 0.95;
}

static bool any_above_90(const struct arms_post *post, size_t n)
{
    for (size_t a = 0; a < n; a++)
        if (post[a].p_best >= 0.9)
            return true;
    return false;
}

/* Runs in which `flag` holds, over `runs` worlds of n_arms identical arms
 * (NB follows of mean `mean`, 5-20 posts each). */
static int identical_runs(size_t n_arms, double mean, int runs, unsigned long rseed, uint64_t seed0,
                          bool (*flag)(const struct arms_post *, size_t))
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, rseed);
    int hits = 0;
    for (int it = 0; it < runs; it++) {
        int n[3];
        double m[3] = { mean, mean, mean };
        for (size_t a = 0; a < n_arms; a++)
            n[a] = 5 + (int)gsl_rng_uniform_int(r, 16);
        struct arms_post post[3];
        run(r, n_arms, n, m, seed0 + (uint64_t)it, post);
        hits += flag(post, n_arms);
    }
    gsl_rng_free(r);
    return hits;
}

/*
 * Identical arms (NB follows, mean 10, size 1.5; 5-20 posts each, Poisson
 * attribution noise): P(best) outside [0.05, 0.95] in at most 10 % of 400
 * runs (a calibrated posterior: about 10 %; the Gamma-Poisson of before: 56 %).
 */
static void test_identical_arms_calibrated(void **state)
{
    (void)state;
    for (int j = 0; j < 2; j++) {
        use_joint = j;
        int runs = 400, extreme = identical_runs(2, 10, runs, 2026, 100, outside_5_95);
        print_message("# identical arms (%s): P(best) outside [0.05, 0.95] in %d of %d runs\n",
                      j ? "joint" : "per arm", extreme, runs);
        if (extreme > runs / 10)
            fail_msg("identical arms: %d of %d runs outside [0.05, 0.95], want <= 10 %%", extreme, runs);
    }
    use_joint = false;
}

/* Three identical content types with 5-20 posts: a selection score of 0.9
 * in at most 5 % of 200 runs. */
static void test_no_type_better(void **state)
{
    (void)state;
    for (int j = 0; j < 2; j++) {
        use_joint = j;
        int runs = 200, high = identical_runs(3, 8, runs, 7, 900, any_above_90);
        print_message("# three identical types (%s): a score >= 0.9 in %d of %d runs\n", j ? "joint" : "per arm",
                      high, runs);
        if (high > runs / 20)
            fail_msg("identical types: a score >= 0.9 in %d of %d runs, want <= 5 %%", high, runs);
    }
    use_joint = false;
}

/*
 * A truly better arm (twice the follows per post): the posts per arm at
 * which the median P(best) over 100 runs reaches 0.9 (docs/learning.md
 * states the figure); asserted at 30 posts per arm.  And with one clearly
 * best of three types, it tops.
 */
static void test_better_arm_found(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    const int sizes[] = { 5, 10, 15, 20, 30, 40 };
    int found = 0;
    use_joint = true; /* learn's scores */
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double pb[100];
        for (int it = 0; it < 100; it++) {
            int n[2] = { sizes[s], sizes[s] };
            double mean[2] = { 10, 20 };
            struct arms_post post[2];
            run(r, 2, n, mean, 5000 + (uint64_t)it, post);
            pb[it] = post[1].p_best;
        }
        /* the median reaches 0.9 when half the runs do */
        int above = 0;
        for (int it = 0; it < 100; it++)
            above += pb[it] >= 0.9;
        print_message("# 2x arm (joint), %d posts each: P(best) >= 0.9 in %d of 100 runs\n", sizes[s], above);
        if (above >= 50 && !found)
            found = sizes[s];
    }
    use_joint = false;
    if (!(found > 0 && found <= 30))
        fail_msg("a 2x arm reaches P(best) >= 0.9 in half the runs only at %d posts per arm, want <= 30", found);
    int tops = 0;
    for (int it = 0; it < 50; it++) {
        int n[3] = { 20, 20, 20 };
        double mean[3] = { 5, 5, 15 };
        struct arms_post post[3];
        run(r, 3, n, mean, 7000 + (uint64_t)it, post);
        tops += post[2].p_best > post[0].p_best && post[2].p_best > post[1].p_best;
    }
    if (tops < 48)
        fail_msg("a clearly best type (3x) tops in %d of 50 runs, want >= 48", tops);
    gsl_rng_free(r);
}

/*
 * The joint model deconfounds: two content types (mean 20 and 5 follows per
 * post) and two hooks that make no difference, the first hook used on 80 %
 * of the good type's posts and the second on 80 % of the bad type's, 40
 * posts, 100 runs.  Marginal hook arms call the first hook best (P(best)
 * outside [0.05, 0.95]) in most runs; the joint model in few, and it still
 * finds the better type.
 */
static void test_joint_deconfounds(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 99);
    int marg_extreme = 0, joint_extreme = 0, type_found = 0;
    const int runs = 100, n = 40;
    for (int it = 0; it < runs; it++) {
        struct arms_joint_obs jo[40];
        struct arms_obs mo[40];
        double imp[40][NIMP];
        for (int i = 0; i < n; i++) {
            size_t type = (size_t)(i % 2), hook = gsl_rng_uniform(r) < 0.8 ? type : 1 - type;
            impute(r, nb(r, type == 0 ? 20.0 : 5.0, 1.5), imp[i]);
            jo[i] = (struct arms_joint_obs){ .arm = { type, hook, ARMS_NONE }, .w = 1.0, .z = 0.0, .imp = imp[i] };
            mo[i] = (struct arms_obs){ .arm = hook, .w = 1.0, .imp = imp[i] };
        }
        struct arms_params p;
        arms_params_default(&p);
        p.n_imp = NIMP;
        p.draws = 2000;
        p.seed = 300 + (uint64_t)it;
        struct arms_prior pr;
        struct arms_post post[2];
        assert_int_equal(arms_fit(mo, (size_t)n, 2, &p, &pr, post), 0);
        marg_extreme += post[0].p_best < 0.05 || post[0].p_best > 0.95;
        double pb_type[2], pb_hook[2];
        struct arms_joint_comp comp[2] = { { 2, 2.0, pb_type }, { 2, 2.0, pb_hook } };
        assert_int_equal(arms_joint_fit(jo, (size_t)n, 2, comp, pr.m0, pr.s0sq, &p), 0);
        assert_true(fabs(pb_hook[0] + pb_hook[1] - 1.0) < 1e-9);
        joint_extreme += pb_hook[0] < 0.05 || pb_hook[0] > 0.95;
        type_found += pb_type[0] >= 0.9;
    }
    print_message("# confounded hooks: marginal extreme in %d, joint extreme in %d of %d runs; joint finds the"
                  " better type in %d\n",
                  marg_extreme, joint_extreme, runs, type_found);
    if (!(marg_extreme >= 50 && joint_extreme <= 20 && type_found >= 90))
        fail_msg("confounded hooks: marginal %d, joint %d extreme, type found %d of %d", marg_extreme, joint_extreme,
                 type_found, runs);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_identical_arms_calibrated),
        cmocka_unit_test(test_no_type_better),
        cmocka_unit_test(test_better_arm_found),
        cmocka_unit_test(test_joint_deconfounds),
    };
    return cmocka_run_group_tests_name("arms", tests, setup, NULL);
}
