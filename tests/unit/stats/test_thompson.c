/*
 * tests/unit/stats/test_thompson.c — stats/thompson: Monte Carlo against the closed
 * form, known-rate arms, discounting, the empirical-Bayes prior, determinism.
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
#include <stdio.h>

#include "stats/thompson.h"

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

/* Closed form checked on cases with a known answer. */
static void test_closed_form_known(void **state)
{
    (void)state;
    /* Two uniform arms: a coin flip. */
    assert_true(fabs(thompson_beta_prob_greater(1, 1, 1, 1) - 0.5) < 1e-12);
    /* X ~ Beta(2,1) (density 2x) vs uniform Y: P(X > Y) = int 2x * x dx = 2/3. */
    assert_true(fabs(thompson_beta_prob_greater(2, 1, 1, 1) - 2.0 / 3.0) < 1e-12);
    /* Symmetry: P(X>Y) + P(Y>X) = 1 for integer shapes. */
    double p = thompson_beta_prob_greater(7, 13, 11, 9);
    double q = thompson_beta_prob_greater(11, 9, 7, 13);
    assert_true(fabs(p + q - 1.0) < 1e-10);
    assert_true(isnan(thompson_beta_prob_greater(2.5, 1, 1, 1)));
}

/* Monte Carlo P(best) for two Beta arms within 3 MC standard errors of the closed form. */
static void test_mc_vs_closed_form(void **state)
{
    (void)state;
    static const double cases[][4] = {
        { 20, 30, 25, 28 }, { 3, 7, 2, 8 }, { 50, 50, 48, 52 }, { 1, 1, 2, 1 }, { 12, 40, 30, 90 },
    };
    const long draws = 20000;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double alpha[2] = { cases[i][0], cases[i][2] };
        double beta[2] = { cases[i][1], cases[i][3] };
        double pb[2];
        assert_int_equal(thompson_prob_best(THOMPSON_BETA, 2, alpha, beta, draws, 1234 + i, pb), 0);
        double exact = thompson_beta_prob_greater(alpha[0], beta[0], alpha[1], beta[1]);
        double se = sqrt(exact * (1 - exact) / (double)draws);
        if (fabs(pb[0] - exact) > 3 * se + 1e-12)
            fail_msg("case %zu: mc %.5f vs exact %.5f (3se %.5f)", i, pb[0], exact, 3 * se);
        assert_true(fabs(pb[0] + pb[1] - 1.0) < 1e-12);
    }
}

/* Simulates `n` posts per arm with Poisson(rate) follows; all at age 0, confidence 1. */
static void simulate(gsl_rng *r, const struct thompson_params *tp, size_t n_arms, const double *rate, int n,
                     double *alpha, double *beta)
{
    struct thompson_evidence ev[8] = { { 0 } }, pooled = { 0 };
    double a0, b0;
    for (size_t a = 0; a < n_arms; a++)
        for (int k = 0; k < n; k++) {
            double y = (double)gsl_ran_poisson(r, rate[a]);
            double w = thompson_weight(tp, 1.0, 0.0);
            thompson_evidence_add(&ev[a], w, y);
            thompson_evidence_add(&pooled, w, y);
        }
    thompson_prior(tp, &pooled, &a0, &b0);
    for (size_t a = 0; a < n_arms; a++)
        thompson_posterior(a0, b0, &ev[a], &alpha[a], &beta[a]);
}

/* Known follow rates: the best arm gets the top score; posterior means converge. */
static void test_known_rates(void **state)
{
    (void)state;
    const double rate[4] = { 0.5, 1.5, 3.0, 1.0 };
    struct thompson_params tp;
    thompson_params_default(&tp);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 42);

    /* Few posts: the best arm already leads. */
    double alpha[4], beta[4], pb[4];
    simulate(r, &tp, 4, rate, 30, alpha, beta);
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 4, alpha, beta, 10000, 7, pb), 0);
    for (int a = 0; a < 4; a++)
        if (a != 2)
            assert_true(pb[2] > pb[a]);
    assert_true(pb[2] > 0.9);

    /* Many posts: each posterior mean within 5 % of its true rate, and the
     * 90 % interval covers it; the best arm's score tends to 1. */
    simulate(r, &tp, 4, rate, 2000, alpha, beta);
    for (int a = 0; a < 4; a++) {
        double mean = alpha[a] / beta[a], lo, hi;
        if (fabs(mean - rate[a]) > 0.05 * rate[a])
            fail_msg("arm %d: posterior mean %.4f vs rate %.4f", a, mean, rate[a]);
        assert_int_equal(thompson_gamma_interval(alpha[a], beta[a], 0.05, &lo, &hi), 0);
        assert_true(lo < mean && mean < hi);
        assert_true(hi - lo < 0.2 * rate[a]);
    }
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 4, alpha, beta, 10000, 7, pb), 0);
    assert_true(pb[2] > 0.999);
    gsl_rng_free(r);
}

/* Discounting: evidence halves per half-life; a changed arm is forgotten. */
static void test_discounting(void **state)
{
    (void)state;
    struct thompson_params tp;
    thompson_params_default(&tp);
    tp.half_life_days = 14;

    /* The configured rate, exactly: one half-life halves, four give 1/16. */
    assert_true(fabs(thompson_weight(&tp, 1.0, 14.0) - 0.5) < 1e-15);
    assert_true(fabs(thompson_weight(&tp, 1.0, 56.0) - 1.0 / 16) < 1e-15);
    assert_true(fabs(thompson_weight(&tp, 0.4, 28.0) - 0.1) < 1e-15);
    assert_true(thompson_weight(&tp, 0.0, 0.0) == 0.0);

    /* Same posts seen one half-life later: the evidence weight halves while the
     * prior stays, so the posterior moves back toward the prior. */
    struct thompson_evidence e0 = { 0 }, e1 = { 0 };
    for (int k = 0; k < 20; k++) {
        thompson_evidence_add(&e0, thompson_weight(&tp, 1.0, k), 4.0);
        thompson_evidence_add(&e1, thompson_weight(&tp, 1.0, k + 14.0), 4.0);
    }
    assert_true(fabs(e1.sum_w - e0.sum_w / 2) < 1e-12);
    assert_true(fabs(e1.sum_wy - e0.sum_wy / 2) < 1e-12);

    /* Arm A gained 3 per post for 60 days, then 0.5 for the last 30 (one post a
     * day); arm B is a steady 1.5.  Without discounting A still looks best
     * (about 2.2 per post); with a 14-day half-life A's mean follows its
     * recent rate and B gets the top score. */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 99);
    double ya[90], yb[90];
    for (int d = 0; d < 90; d++) {
        ya[d] = (double)gsl_ran_poisson(r, d < 60 ? 3.0 : 0.5); /* d = days since start */
        yb[d] = (double)gsl_ran_poisson(r, 1.5);
    }
    for (int pass = 0; pass < 2; pass++) {
        struct thompson_params p2 = tp;
        if (pass == 0)
            p2.half_life_days = 0; /* no discounting */
        struct thompson_evidence ea = { 0 }, eb = { 0 }, pooled = { 0 };
        for (int d = 0; d < 90; d++) {
            double w = thompson_weight(&p2, 1.0, 89 - d);
            thompson_evidence_add(&ea, w, ya[d]);
            thompson_evidence_add(&eb, w, yb[d]);
            thompson_evidence_add(&pooled, w, ya[d]);
            thompson_evidence_add(&pooled, w, yb[d]);
        }
        double a0, b0, alpha[2], beta[2], pb[2];
        thompson_prior(&p2, &pooled, &a0, &b0);
        thompson_posterior(a0, b0, &ea, &alpha[0], &beta[0]);
        thompson_posterior(a0, b0, &eb, &alpha[1], &beta[1]);
        assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 2, alpha, beta, 10000, 5, pb), 0);
        double mean_a = alpha[0] / beta[0];
        if (pass == 0) {
            assert_true(mean_a > 1.8);
            assert_true(pb[0] > 0.9);
        } else {
            assert_true(mean_a < 1.3);
            assert_true(pb[1] > 0.9);
        }
    }
    gsl_rng_free(r);
}

/* The empirical-Bayes prior on hand-computed cases. */
static void test_prior(void **state)
{
    (void)state;
    struct thompson_params tp;
    thompson_params_default(&tp);
    double a0, b0;

    /* y = 1,3,5,7: m = 4, v = 5 -> beta0 = 4/(5-4) = 4, capped at 2 posts; alpha0 = 8. */
    struct thompson_evidence e = { 0 };
    for (int y = 1; y <= 7; y += 2)
        thompson_evidence_add(&e, 1.0, y);
    thompson_prior(&tp, &e, &a0, &b0);
    assert_true(fabs(b0 - 2.0) < 1e-12 && fabs(a0 - 8.0) < 1e-12);

    /* y = 0,0,2,10: m = 3, E[y^2] = 26, v = 17 -> beta0 = 3/14, alpha0 = 9/14 (uncapped). */
    struct thompson_evidence f = { 0 };
    thompson_evidence_add(&f, 1, 0);
    thompson_evidence_add(&f, 1, 0);
    thompson_evidence_add(&f, 1, 2);
    thompson_evidence_add(&f, 1, 10);
    thompson_prior(&tp, &f, &a0, &b0);
    assert_true(fabs(b0 - 3.0 / 14) < 1e-12 && fabs(a0 - 9.0 / 14) < 1e-12);

    /* Underdispersed 2,2,2: beta0 = cap, alpha0 = 2 * cap. */
    struct thompson_evidence g = { 0 };
    for (int k = 0; k < 3; k++)
        thompson_evidence_add(&g, 1, 2);
    thompson_prior(&tp, &g, &a0, &b0);
    assert_true(fabs(b0 - 2) < 1e-12 && fabs(a0 - 4) < 1e-12);

    /* No evidence: the weak proper prior; negative credit counts as 0. */
    thompson_prior(&tp, NULL, &a0, &b0);
    assert_true(a0 == 0.5 && b0 == 2.0);
    struct thompson_evidence h = { 0 };
    thompson_evidence_add(&h, 0.5, -3);
    assert_true(h.sum_w == 0.5 && h.sum_wy == 0);

    /* Conjugate update. */
    double a, b;
    thompson_posterior(1.0, 2.0, &e, &a, &b);
    assert_true(fabs(a - 17.0) < 1e-12 && fabs(b - 6.0) < 1e-12);
}

/* Same seed, same scores; the seed depends on account, as-of and component. */
static void test_determinism(void **state)
{
    (void)state;
    double alpha[3] = { 5, 6, 4.5 }, beta[3] = { 3, 3.5, 2.5 };
    double p1[3], p2[3], p3[3];
    uint64_t s = thompson_seed(17, 1764028800, "formulas");
    assert_true(s == thompson_seed(17, 1764028800, "formulas"));
    assert_true(s != thompson_seed(17, 1764028801, "formulas"));
    assert_true(s != thompson_seed(18, 1764028800, "formulas"));
    assert_true(s != thompson_seed(17, 1764028800, "hooks"));
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 3, alpha, beta, 10000, s, p1), 0);
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 3, alpha, beta, 10000, s, p2), 0);
    assert_memory_equal(p1, p2, sizeof p1);
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 3, alpha, beta, 10000, s + 1, p3), 0);
    assert_true(p1[0] != p3[0] || p1[1] != p3[1]);
}

static void test_invalid(void **state)
{
    (void)state;
    double alpha[2] = { 1, 0 }, beta[2] = { 1, 1 }, pb[2] = { -1, -1 };
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 2, alpha, beta, 100, 1, pb), -1);
    assert_true(pb[0] == -1);
    alpha[1] = NAN;
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 2, alpha, beta, 100, 1, pb), -1);
    alpha[1] = 1;
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 0, alpha, beta, 100, 1, pb), -1);
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 2, alpha, beta, 0, 1, pb), -1);
    assert_int_equal(thompson_prob_best(THOMPSON_GAMMA, 1, alpha, beta, 100, 1, pb), 0);
    assert_true(pb[0] == 1.0);
    double lo, hi;
    assert_int_equal(thompson_gamma_interval(0, 1, 0.05, &lo, &hi), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_form_known),
        cmocka_unit_test(test_mc_vs_closed_form),
        cmocka_unit_test(test_known_rates),
        cmocka_unit_test(test_discounting),
        cmocka_unit_test(test_prior),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests_name("thompson", tests, setup, NULL);
}
