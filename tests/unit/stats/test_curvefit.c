/*
 * tests/unit/stats/test_curvefit.c — the one fitting engine (stats/curvefit.h):
 * the family table (each q(t) against its closed form, each analytic
 * Jacobian row and d ln q against central differences), and the Lomax
 * through fit_solve giving exactly what decay_fit reports, so decay.c and
 * curves.c are two views of one solver.  Exact inputs; tolerances stated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "stats/curvefit.h"
#include "stats/decay.h"

static void test_table(void **state)
{
    (void)state;
    assert_string_equal(fit_families[FIT_FAM_LOMAX].name, "lomax");
    assert_string_equal(fit_families[FIT_FAM_EXP].name, "exp");
    assert_int_equal(fit_families[FIT_FAM_EXP].nshape, 1);
    double s[2] = { log(0.5), log(0.3) };
    /* Lomax: 1 − (1 + t/c)^(−θ); the one definition readers use */
    assert_true(fabs(fit_family_q(&fit_families[FIT_FAM_LOMAX], s, 4.0) - (1 - pow(1 + 4.0 / 0.5, -0.3))) < 1e-14);
    assert_true(fit_family_q(&fit_families[FIT_FAM_LOMAX], s, 4.0) == decay_lomax_q(0.5, 0.3, 4.0));
    assert_true(fit_family_q(&fit_families[FIT_FAM_LOMAX], s, 0.0) == 0.0);
    double e[2] = { log(2.0), 0.0 }, w[2] = { log(2.0), log(0.7) };
    assert_true(fabs(fit_family_q(&fit_families[FIT_FAM_EXP], e, 2.0) - (1 - exp(-1))) < 1e-14);
    assert_true(fabs(fit_family_q(&fit_families[FIT_FAM_LOGLOGISTIC], w, 2.0) - 0.5) < 1e-14);
    assert_true(fabs(fit_family_q(&fit_families[FIT_FAM_WEIBULL], w, 2.0) - (1 - exp(-1))) < 1e-14);
}

/* Each family's Jacobian row and d ln q(H) against central differences (relative 1e-6). */
static void test_derivatives(void **state)
{
    (void)state;
    const double A = 120.0, t = 5.0, wt = 0.7, h = 1e-6;
    for (int f = 0; f < FIT_NFAMILY; f++) {
        const struct fit_family *fam = &fit_families[f];
        double s[2] = { log(fam->med0[0]) + 0.3, fam->nshape > 1 ? log(fam->med0[1]) - 0.2 : 0.0 };
        double nat[FIT_NAT], row[FIT_MAX_PAR], g[2];
        fam->prep(s, nat);
        fam->jrow(nat, A, t, wt, row);
        fam->dlogq(nat, t, g);
        /* by ln A: d log1p(A q)/d ln A = A q/(1 + A q) */
        double q = fam->q(nat, t);
        assert_true(fabs(row[0] - wt * A * q / (1 + A * q)) < 1e-12);
        for (int j = 0; j < fam->nshape; j++) {
            double sp[2] = { s[0], s[1] }, sm[2] = { s[0], s[1] };
            sp[j] += h;
            sm[j] -= h;
            double qp = fit_family_q(fam, sp, t), qm = fit_family_q(fam, sm, t);
            double dres = wt * (log1p(A * qp) - log1p(A * qm)) / (2 * h);
            double dlq = (log(qp) - log(qm)) / (2 * h);
            assert_true(fabs(row[j + 1] - dres) <= 1e-6 * fmax(1.0, fabs(dres)));
            assert_true(fabs(g[j] - dlq) <= 1e-6 * fmax(1.0, fabs(dlq)));
        }
    }
}

/* decay_fit is fit_solve on the Lomax row: the same numbers, bit for bit. */
static void test_lomax_is_the_engine(void **state)
{
    (void)state;
    struct decay_point p[4];
    const double ages[4] = { 1, 4, 24, 48 };
    for (int i = 0; i < 4; i++)
        p[i] = (struct decay_point){ ages[i], round(500 * (1 - pow(1 + ages[i] / 0.5, -0.3))) };
    struct decay_prior prior;
    decay_prior_default(&prior);
    struct decay_ws *dws = decay_ws_new();
    struct fit_ws *fws = fit_ws_new();
    assert_non_null(dws);
    assert_non_null(fws);
    struct decay_result r;
    assert_int_equal(decay_fit(dws, p, 4, &prior, DECAY_HORIZON_H, &r), 0);
    assert_int_equal(r.method, DECAY_LOMAX);
    struct fit_problem pb = { .fam = &fit_families[FIT_FAM_LOMAX], .pts = p, .n = 4, .sigma = prior.sigma,
                              .mu = { prior.mu_logc, prior.mu_logtheta },
                              .sd = { prior.sd_logc, prior.sd_logtheta }, .rho = prior.rho, .sh = &prior,
                              .H = DECAY_HORIZON_H, .multistart = false };
    struct fit_solution s;
    assert_int_equal(fit_solve(fws, &pb, &s), 0);
    assert_true(s.ok);
    assert_true(s.nh == r.n_h);
    assert_true(exp(s.x[1]) == r.c_h && exp(s.x[2]) == r.theta);
    assert_true(s.rms == r.rms && s.se[0] == r.se_logc);
    /* and near the truth: 7-day value within 3 % */
    assert_true(fabs(r.n_h / (500 * (1 - pow(1 + 168 / 0.5, -0.3))) - 1) < 0.03);
    decay_ws_free(dws);
    fit_ws_free(fws);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_derivatives),
        cmocka_unit_test(test_lomax_is_the_engine),
    };
    return cmocka_run_group_tests_name("curvefit", tests, NULL, NULL);
}
