/*
 * tests/unit/stats/test_attrib.c — stats/attrib: exposure curves, known-answer
 * cases, exact totals, non-negative rates, platform-reported posts, and on
 * simulated accounts (stats/attrib_sim) sampled every 1 h, 6 h and 24 h:
 * ranking follows the truth and confidence is informative.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/attrib.h"
#include "stats/attrib_sim.h"

static int setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    return 0;
}

static void test_curve_eval(void **state)
{
    (void)state;
    struct attrib_curve c = { .kind = ATTRIB_CURVE_LOMAX, .A = 1000, .c_h = 2, .theta = 1 };
    /* theta = 1: N(t) = A t / (t + c) */
    assert_true(fabs(attrib_curve_eval(&c, 2.0) - 500.0) < 1e-9);
    assert_true(fabs(attrib_curve_eval(&c, 6.0) - 750.0) < 1e-9);
    assert_true(attrib_curve_eval(&c, 0.0) == 0.0);
    assert_true(attrib_curve_eval(&c, -3.0) == 0.0);
    double age[] = { 1, 4, 10 }, cum[] = { 100, 400, 500 };
    struct attrib_curve p = { .kind = ATTRIB_CURVE_POINTS, .age_h = age, .cum = cum, .n = 3 };
    assert_true(fabs(attrib_curve_eval(&p, 0.5) - 50.0) < 1e-9);   /* from (0,0) */
    assert_true(fabs(attrib_curve_eval(&p, 2.5) - 250.0) < 1e-9);
    assert_true(fabs(attrib_curve_eval(&p, 7.0) - 450.0) < 1e-9);
    assert_true(fabs(attrib_curve_eval(&p, 100.0) - 500.0) < 1e-9); /* flat, no extrapolation */
    struct attrib_curve none = { .kind = ATTRIB_CURVE_NONE };
    assert_true(attrib_curve_eval(&none, 5.0) == 0.0);
    struct attrib_curve bad = { .kind = ATTRIB_CURVE_LOMAX, .A = NAN, .c_h = 1, .theta = 1 };
    assert_true(attrib_curve_eval(&bad, 5.0) == 0.0);
}

/*
 * Noise-free known answer: constant drift b = 0.5/h and two posts of
 * different groups whose follows are exactly rho * exposure increment.
 * Stage A must recover b and both rates, Stage B must give each post its
 * exact follows, and totals must add up.
 */
static void test_known_answer_noise_free(void **state)
{
    (void)state;
    enum { NS = 24 * 12 + 1 };
    int64_t t[NS];
    double F[NS];
    struct attrib_post posts[6];
    const double rho[2] = { 0.002, 0.006 }, b = 0.5;
    int np = 6;
    for (int j = 0; j < np; j++) {
        posts[j] = (struct attrib_post){
            .posted_at = 1000000 + (int64_t)(j * 37 + 3) * 3600,
            .group = j % 2,
            .exposure = { .kind = ATTRIB_CURVE_LOMAX, .A = 20000.0 + 3000.0 * j, .c_h = 1.0 + 0.3 * j, .theta = 0.8 },
            .known_follows = NAN,
        };
    }
    double truth[6] = { 0 };
    for (int i = 0; i < NS; i++) {
        t[i] = 1000000 + (int64_t)i * 3600;
        double f = 1000.0 + b * i;
        for (int j = 0; j < np; j++) {
            double age = (double)(t[i] - posts[j].posted_at) / 3600.0;
            double e = attrib_curve_eval(&posts[j].exposure, fmin(age, ATTRIB_HORIZON_H));
            f += rho[posts[j].group] * e;
        }
        F[i] = f;
    }
    for (int j = 0; j < np; j++) {
        double age = (double)(t[NS - 1] - posts[j].posted_at) / 3600.0;
        truth[j] = rho[posts[j].group] * attrib_curve_eval(&posts[j].exposure, fmin(age, ATTRIB_HORIZON_H));
    }
    struct attrib_params p;
    attrib_params_default(&p);
    p.n_boot = 50;
    p.prior_posts = 0.0;
    struct attrib_result r;
    struct xerr err = { 0 };
    assert_int_equal(attrib_fit(t, F, NS, posts, np, 2, &p, &r, &err), 0);
    assert_true(fabs(r.baseline_per_h - b) < 1e-6);
    assert_true(fabs(r.rho[0] - rho[0]) < 1e-8);
    assert_true(fabs(r.rho[1] - rho[1]) < 1e-8);
    for (int j = 0; j < np; j++) {
        if (fabs(r.posts[j].credit[2] - truth[j]) > 1e-4)
            fail_msg("post %d: credit %.6f truth %.6f", j, r.posts[j].credit[2], truth[j]);
        /* windows nest: 1 h <= 24 h <= 168 h for positive flows */
        assert_true(r.posts[j].credit[0] <= r.posts[j].credit[1] + 1e-9);
        assert_true(r.posts[j].credit[1] <= r.posts[j].credit[2] + 1e-9);
        assert_true(r.posts[j].confidence >= 0.0 && r.posts[j].confidence <= 1.0);
        assert_true(r.posts[j].sign_certainty > 0.99);
    }
    assert_true(fabs(r.posts_total + r.baseline_total - (F[NS - 1] - F[0])) < 1e-6);
    attrib_result_release(&r);
}

/* Purity: one post alone on a quiet account is nearly pure; overlapping
 * identical posts share it (about 1/m each). */
static void test_purity_overlap(void **state)
{
    (void)state;
    enum { NS = 200 };
    int64_t t[NS];
    double F[NS];
    struct attrib_post posts[4];
    for (int j = 0; j < 4; j++)
        posts[j] = (struct attrib_post){
            /* post 0 alone, posts 1..3 at the same moment */
            .posted_at = 3600 * (j == 0 ? 2 : 20),
            .group = 0,
            .exposure = { .kind = ATTRIB_CURVE_LOMAX, .A = 50000, .c_h = 1, .theta = 1.5 },
            .known_follows = NAN,
        };
    for (int i = 0; i < NS; i++) {
        t[i] = (int64_t)i * 3600;
        double f = 100.0;
        for (int j = 0; j < 4; j++)
            f += 0.003 * attrib_curve_eval(&posts[j].exposure, (double)(t[i] - posts[j].posted_at) / 3600.0);
        F[i] = floor(f + 0.01 * i);
    }
    struct attrib_params p;
    attrib_params_default(&p);
    p.n_boot = 50;
    struct attrib_result r;
    struct xerr err = { 0 };
    assert_int_equal(attrib_fit(t, F, NS, posts, 4, 1, &p, &r, &err), 0);
    assert_true(r.posts[0].purity > 0.9);
    for (int j = 1; j < 4; j++) {
        if (fabs(r.posts[j].purity - 1.0 / 3.0) > 0.05)
            fail_msg("post %d purity %.3f, expected about 1/3", j, r.posts[j].purity);
        assert_true(r.posts[j].confidence <= r.posts[0].confidence);
    }
    attrib_result_release(&r);
}

/* A group whose posts come with fewer follows than the drift alone gets a
 * rate of 0, never a negative one; heavy unfollowing keeps totals exact. */
static void test_nonnegative_and_unfollows(void **state)
{
    (void)state;
    enum { NS = 24 * 10 + 1 };
    int64_t t[NS];
    double F[NS];
    struct attrib_post posts[8];
    for (int j = 0; j < 8; j++)
        posts[j] = (struct attrib_post){
            .posted_at = 3600 * (int64_t)(5 + 27 * j),
            .group = j % 2,
            .exposure = { .kind = ATTRIB_CURVE_LOMAX, .A = 8000, .c_h = 1, .theta = 1 },
            .known_follows = NAN,
        };
    for (int i = 0; i < NS; i++) {
        t[i] = (int64_t)i * 3600;
        double f = 10000.0 - 2.0 * i; /* churn: -2 per hour */
        for (int j = 0; j < 8; j++) {
            double e = attrib_curve_eval(&posts[j].exposure, (double)(t[i] - posts[j].posted_at) / 3600.0);
            /* group 1 posts lose followers (rate would be negative) */
            f += (j % 2 ? -0.002 : 0.004) * e;
        }
        F[i] = round(f);
    }
    struct attrib_params p;
    attrib_params_default(&p);
    p.n_boot = 30;
    p.prior_posts = 0.0; /* no pull toward the pooled rate: the rates themselves are tested */
    struct attrib_result r;
    struct xerr err = { 0 };
    assert_int_equal(attrib_fit(t, F, NS, posts, 8, 2, &p, &r, &err), 0);
    if (!(r.rho[0] > 0.0035 && r.rho[0] < 0.0045))
        fail_msg("rho[0] %.5f, expected about 0.004", r.rho[0]);
    assert_true(r.rho[1] >= 0.0);
    assert_true(r.baseline_per_h < -1.5);
    assert_true(fabs(r.posts_total + r.baseline_total - r.observed_total) < 1e-6);
    for (int j = 0; j < 8; j++) {
        assert_true(isfinite(r.posts[j].credit[2]));
        assert_true(r.posts[j].confidence >= 0.0 && r.posts[j].confidence <= 1.0);
    }
    attrib_result_release(&r);
}

/* Platform-reported follows are used as given with confidence 1, and the
 * other posts plus baseline take the rest: totals still add up. */
static void test_platform_reported(void **state)
{
    (void)state;
    struct attrib_sim_params sp;
    attrib_sim_params_default(&sp);
    sp.days = 10;
    sp.seed = 42;
    struct attrib_sim s;
    assert_int_equal(attrib_sim_make(&sp, &s), 0);
    assert_true(s.n_posts > 10);
    for (int j = 0; j < s.n_posts; j += 4)
        s.posts[j].known_follows = s.truth[j * ATTRIB_NWIN + 2];
    /* one reported post without any exposure curve: its count, not 0 */
    s.posts[2].known_follows = 6.0;
    s.posts[2].exposure.kind = ATTRIB_CURVE_NONE;
    struct attrib_params p;
    attrib_params_default(&p);
    p.n_boot = 50;
    struct attrib_result r;
    struct xerr err = { 0 };
    assert_int_equal(attrib_fit(s.t, s.F, s.n_samples, s.posts, s.n_posts, sp.n_groups, &p, &r, &err), 0);
    for (int j = 0; j < s.n_posts; j += 4) {
        assert_true(r.posts[j].known);
        assert_true(fabs(r.posts[j].credit[2] - s.truth[j * ATTRIB_NWIN + 2]) < 1e-6);
        assert_true(r.posts[j].confidence == 1.0);
    }
    assert_true(r.posts[2].known && r.posts[2].credit[2] == 6.0 && r.posts[2].confidence == 1.0);
    assert_true(fabs(r.posts_total + r.known_total + r.baseline_total - r.observed_total) < 1e-6);
    attrib_result_release(&r);
    attrib_sim_release(&s);
}

static void test_bad_input_and_determinism(void **state)
{
    (void)state;
    int64_t t[3] = { 0, 3600, 3600 };
    double F[3] = { 1, 2, 3 };
    struct attrib_params p;
    attrib_params_default(&p);
    struct attrib_result r;
    struct xerr err = { 0 };
    assert_int_equal(attrib_fit(t, F, 1, NULL, 0, 1, &p, &r, &err), XETL_EX_DATAERR);
    assert_int_equal(attrib_fit(t, F, 3, NULL, 0, 1, &p, &r, &err), XETL_EX_DATAERR);
    assert_non_null(strstr(err.msg, "increasing"));
    /* no posts: everything is baseline */
    t[2] = 7200;
    assert_int_equal(attrib_fit(t, F, 3, NULL, 0, 1, &p, &r, &err), 0);
    assert_true(fabs(r.baseline_total - 2.0) < 1e-9);
    attrib_result_release(&r);

    /* same seed, same numbers */
    struct attrib_sim_params sp;
    attrib_sim_params_default(&sp);
    sp.days = 7;
    struct attrib_sim s;
    assert_int_equal(attrib_sim_make(&sp, &s), 0);
    struct attrib_result r1, r2;
    p.n_boot = 40;
    p.seed = 99;
    assert_int_equal(attrib_fit(s.t, s.F, s.n_samples, s.posts, s.n_posts, sp.n_groups, &p, &r1, &err), 0);
    assert_int_equal(attrib_fit(s.t, s.F, s.n_samples, s.posts, s.n_posts, sp.n_groups, &p, &r2, &err), 0);
    for (int j = 0; j < s.n_posts; j++) {
        assert_true(r1.posts[j].confidence == r2.posts[j].confidence);
        assert_true(r1.posts[j].lo == r2.posts[j].lo && r1.posts[j].hi == r2.posts[j].hi);
    }
    attrib_result_release(&r1);
    attrib_result_release(&r2);
    attrib_sim_release(&s);
}

/* Simulates an account of the simple or realistic world sampled every
 * every_h hours and fits it with the default settings and fit seed. */
static void sim_and_fit(bool realistic, double every_h, uint64_t seed, uint64_t fit_seed, struct attrib_sim *s,
                        struct attrib_result *r)
{
    struct attrib_sim_params sp;
    if (realistic)
        attrib_sim_params_realistic(&sp);
    else
        attrib_sim_params_default(&sp);
    sp.sample_every_h = every_h;
    sp.seed = seed;
    assert_int_equal(attrib_sim_make(&sp, s), 0);
    struct attrib_params p;
    attrib_params_default(&p);
    p.seed = fit_seed;
    struct xerr err = { 0 };
    assert_int_equal(attrib_fit(s->t, s->F, s->n_samples, s->posts, s->n_posts, sp.n_groups, &p, r, &err), 0);
}

/*
 * The simple world (attrib_sim_params_default: follows along the impression
 * curve, homogeneous organic flow), four seeds per sampling interval.
 * Thresholds sit below what is measured (docs/attribution.md; `make bench`).
 */
static void check_sampling(double every_h, double min_spearman, double min_coverage)
{
    double cov = 0.0;
    const int reps = 4;
    for (int rep = 0; rep < reps; rep++) {
        struct attrib_sim s;
        struct attrib_result r;
        sim_and_fit(false, every_h, 100 + (uint64_t)rep, 7 + (uint64_t)rep, &s, &r);
        struct attrib_sim_score sc;
        attrib_sim_score(&s, &r, &sc);
        print_message("# simple every %gh seed %d: posts %d spearman %.3f total err %.3f coverage %.2f\n", every_h,
                      rep, s.n_posts, sc.spearman, sc.total_rel_err, sc.coverage);
        /* totals add up exactly: posts + baseline = observed change */
        assert_true(fabs(sc.sum_check) < 1e-6);
        if (sc.spearman < min_spearman)
            fail_msg("every %gh seed %d: spearman %.3f < %.2f", every_h, rep, sc.spearman, min_spearman);
        if (sc.total_rel_err > 0.25)
            fail_msg("every %gh seed %d: total error %.3f > 0.25", every_h, rep, sc.total_rel_err);
        for (int j = 0; j < s.n_posts; j++) {
            const struct attrib_post_result *pr = &r.posts[j];
            for (int w = 0; w < ATTRIB_NWIN; w++)
                assert_true(pr->conf[w] >= 0.0 && pr->conf[w] <= 1.0);
            assert_true(pr->confidence == pr->conf[ATTRIB_NWIN - 1]);
            assert_true(pr->purity >= 0.0 && pr->purity <= 1.0);
            assert_true(pr->lo <= pr->hi);
            assert_true(pr->credit[0] <= pr->credit[1] + 1e-9 && pr->credit[1] <= pr->credit[2] + 1e-9);
            for (int q = 1; q < ATTRIB_NQ; q++)
                assert_true(pr->q168[q - 1] <= pr->q168[q]);
        }
        cov += sc.coverage / reps;
        attrib_result_release(&r);
        attrib_sim_release(&s);
    }
    if (!(cov >= min_coverage))
        fail_msg("every %gh: interval coverage %.2f, want >= %.2f", every_h, cov, min_coverage);
}

static void test_sim_hourly(void **state)
{
    (void)state;
    check_sampling(1.0, 0.80, 0.80);
}

static void test_sim_6h(void **state)
{
    (void)state;
    check_sampling(6.0, 0.78, 0.80);
}

static void test_sim_daily(void **state)
{
    (void)state;
    check_sampling(24.0, 0.65, 0.80);
}

/*
 * The realistic world (attrib_sim_params_realistic: lagged follows,
 * overdispersed conversion, daily and weekly organic cycles, churn), the
 * goals of docs/attribution.md on `reps` accounts (seeds 500.., those of
 * `bench_attrib --realistic`; the calibration maps were fitted on seeds
 * 9000..): mean Spearman of the 24 h credits with the truth, the 24 h total
 * over posts against the true one, the 168 h 90 % interval's coverage in
 * [0.85, 0.95], and the confidence's expected calibration error (10 bins,
 * pooled over the accounts) for each window.
 */
static void check_realistic(double every_h, int reps, double min_spearman, double total_tol, double max_ece)
{
    double sp = 0.0, truth24 = 0.0, credit24 = 0.0, cov = 0.0, orc = 0.0;
    double bn[ATTRIB_NWIN][10] = { { 0 } }, bc[ATTRIB_NWIN][10] = { { 0 } }, bh[ATTRIB_NWIN][10] = { { 0 } };
    for (int rep = 0; rep < reps; rep++) {
        struct attrib_sim s;
        struct attrib_result r;
        sim_and_fit(true, every_h, 500 + (uint64_t)rep, 11 + (uint64_t)rep, &s, &r);
        struct attrib_sim_score sc[ATTRIB_NWIN];
        for (int w = 0; w < ATTRIB_NWIN; w++) {
            attrib_sim_score_window(&s, &r, w, &sc[w]);
            for (int i = 0; i < 10; i++) {
                bn[w][i] += sc[w].bin_n[i];
                bc[w][i] += sc[w].bin_conf[i];
                bh[w][i] += sc[w].bin_hit[i];
            }
        }
        assert_true(fabs(sc[2].sum_check) < 1e-6);
        for (int j = 0; j < s.n_posts; j++) {
            truth24 += s.truth[j * ATTRIB_NWIN + 1];
            credit24 += r.posts[j].credit[1];
        }
        sp += sc[1].spearman / reps;
        orc += sc[1].oracle_spearman / reps;
        cov += sc[2].coverage / reps;
        attrib_result_release(&r);
        attrib_sim_release(&s);
    }
    double ratio = credit24 / truth24;
    double ece[ATTRIB_NWIN];
    for (int w = 0; w < ATTRIB_NWIN; w++)
        ece[w] = attrib_sim_ece(bn[w], bc[w], bh[w]);
    print_message("# realistic every %gh: spearman24 %.3f (oracle %.3f) total24 %.3f coverage168 %.3f "
                  "ece %.3f %.3f %.3f\n",
                  every_h, sp, orc, ratio, cov, ece[0], ece[1], ece[2]);
    if (sp < min_spearman)
        fail_msg("realistic every %gh: spearman %.3f < %.2f", every_h, sp, min_spearman);
    if (fabs(ratio - 1.0) > total_tol)
        fail_msg("realistic every %gh: 24 h credits total %.3f x the truth, want within %.0f %%", every_h, ratio,
                 100.0 * total_tol);
    if (cov < 0.85 || cov > 0.95)
        fail_msg("realistic every %gh: 90 %% interval covers %.3f, want 0.85-0.95", every_h, cov);
    for (int w = 0; w < ATTRIB_NWIN; w++)
        if (ece[w] > max_ece)
            fail_msg("realistic every %gh: window %d ECE %.3f > %.2f", every_h, w, ece[w], max_ece);
}

/* Goals: at daily samples Spearman >= 0.70, totals within 10 %; at 6 h
 * >= 0.75 and 5 %; ECE <= 0.05 and coverage 85-95 % everywhere. */
static void test_realistic_daily(void **state)
{
    (void)state;
    check_realistic(24.0, 16, 0.70, 0.10, 0.05);
}

static void test_realistic_6h(void **state)
{
    (void)state;
    check_realistic(6.0, 16, 0.75, 0.05, 0.05);
}

/* Hourly is not a stated goal: what is measured, with room (docs). */
static void test_realistic_hourly(void **state)
{
    (void)state;
    check_realistic(1.0, 6, 0.75, 0.10, 0.07);
}

/*
 * Learning on the credits (docs/learning.md): 12 realistic accounts at daily
 * samples, the three content types' posteriors from each post's 168 h
 * imputations as learn computes them; the truly best type (8x the worst's
 * rate) has the top score in at least 9 (measured 26 of 30 over seeds
 * 500..529), the truly worst in none.
 */
static void test_learning_on_daily_credits(void **state)
{
    (void)state;
    int best = 0, worst = 0;
    for (int rep = 0; rep < 12; rep++) {
        struct attrib_sim s;
        struct attrib_result r;
        sim_and_fit(true, 24.0, 500 + (uint64_t)rep, 11 + (uint64_t)rep, &s, &r);
        int top = attrib_sim_top_group(&s, &r, 3, (uint64_t)rep);
        assert_true(top >= 0);
        best += top == 2;
        worst += top == 0;
        attrib_result_release(&r);
        attrib_sim_release(&s);
    }
    print_message("# learning on daily credits: best type tops in %d of 12, worst in %d\n", best, worst);
    if (best < 9 || worst > 0)
        fail_msg("learning on daily credits: best type tops in %d of 12 (want >= 9), worst in %d (want 0)", best, worst);
}

/*
 * The posterior draws' summaries, pinned: sums over the posts of the raw
 * 168 h confidence, the interval ends, the sign certainty and the 20
 * imputations, for two seeded worlds (hourly simple, daily realistic: the
 * categorical and the multinomial split both used).  The values are those
 * of the draws before they were made faster (a linear scan of the running
 * sums, lag curves one post at a time); any change to the numbers fails.
 * Relative tolerance 1e-9 (the same libm gives them exactly).
 */
static void check_draw_sums(bool realistic, double every_h, const double want[5])
{
    struct attrib_sim s;
    struct attrib_result r;
    sim_and_fit(realistic, every_h, 100, 7, &s, &r);
    double got[5] = { 0 };
    for (int j = 0; j < s.n_posts; j++) {
        const struct attrib_post_result *pr = &r.posts[j];
        got[0] += pr->conf_raw[ATTRIB_NWIN - 1];
        got[1] += pr->lo;
        got[2] += pr->hi;
        got[3] += pr->sign_certainty;
        for (int q = 0; q < ATTRIB_NQ; q++)
            got[4] += pr->q168[q];
    }
    for (int i = 0; i < 5; i++)
        if (!(fabs(got[i] - want[i]) <= 1e-9 * fabs(want[i])))
            fail_msg("sum %d: %.17g, want %.17g", i, got[i], want[i]);
    attrib_result_release(&r);
    attrib_sim_release(&s);
}

static void test_draws_pinned(void **state)
{
    (void)state;
    static const double hourly[5] = { 45.790000000000006, 506.21089981099283, 1399.6305065075746,
                                      56.550000000000011, 18253.913743461435 };
    static const double daily[5] = { 31.965, 498.12558739617521, 2217.2096093386908, 49.649999999999991,
                                     23757.061697958768 };
    check_draw_sums(false, 1.0, hourly);
    check_draw_sums(true, 24.0, daily);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curve_eval),
        cmocka_unit_test(test_known_answer_noise_free),
        cmocka_unit_test(test_purity_overlap),
        cmocka_unit_test(test_nonnegative_and_unfollows),
        cmocka_unit_test(test_platform_reported),
        cmocka_unit_test(test_bad_input_and_determinism),
        cmocka_unit_test(test_sim_hourly),
        cmocka_unit_test(test_sim_6h),
        cmocka_unit_test(test_sim_daily),
        cmocka_unit_test(test_realistic_daily),
        cmocka_unit_test(test_realistic_6h),
        cmocka_unit_test(test_realistic_hourly),
        cmocka_unit_test(test_learning_on_daily_credits),
        cmocka_unit_test(test_draws_pinned),
    };
    return cmocka_run_group_tests_name("attrib", tests, setup, NULL);
}
