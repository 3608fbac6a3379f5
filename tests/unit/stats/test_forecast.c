/*
 * tests/unit/stats/test_forecast.c — stats/forecast: known-answer tests of the
 * stacked forecaster on simulated cascades whose 7-day growth depends on
 * their early shape (seeded, tolerances stated next to each assertion),
 * conformal coverage on fresh draws, pooling with a global set whose level
 * differs, the boosted median learner on a step, determinism, degenerate
 * input, a model kept between runs (packed and restored), and the fast
 * neighbour search and selection against the plain ones they replace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/forecast.h"
#include "stats/forecast_impl.h"

/*
 * A world where growth after the anchor is a known function of the early
 * shape: ln(y24/y4) = u ~ U(0.1, 1.1), and ln(y7/y24) = 0.1 + 0.5·u + noise
 * (sd = noise), plus a level shift.  y1 = y4·e^−0.5.
 */
/* One reference from its 1/4/24 h counts and its growth ratio g = ln(y7/y24);
 * 48 h is 0.6 of the way. */
static void set_ref(struct fc_ref *out, double y1, double y4, double y24, double g)
{
    out->y[0] = y1;
    out->y[1] = y4;
    out->y[2] = y24;
    out->y[3] = y24 * exp(0.6 * g);
    out->y7 = y24 * exp(g);
    for (int a = 0; a < FC_NANCHOR; a++)
        out->lomax7[a] = NAN;
}

static void world(gsl_rng *r, int n, double level, double noise, struct fc_ref *out)
{
    for (int i = 0; i < n; i++) {
        double u = 0.1 + gsl_rng_uniform(r);
        double y24 = 1000.0 * exp(gsl_ran_gaussian(r, 0.5));
        double y4 = y24 * exp(-u), y1 = y4 * exp(-0.5);
        double g = level + 0.1 + 0.5 * u + noise * gsl_ran_gaussian(r, 1.0);
        set_ref(&out[i], y1, y4, y24, g);
    }
}

static void test_known_answer(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 13);
    enum { NT = 400, NV = 400 };
    struct fc_ref *tr = calloc(NT, sizeof *tr), *va = calloc(NV, sizeof *va);
    world(r, NT, 0.0, 0.02, tr);
    world(r, NV, 0.0, 0.02, va);
    struct fc_model m;
    assert_int_equal(fc_train(&m, tr, NT, NULL, 0, 1.0, 0.90), 0);
    assert_int_equal(m.n_ref, NT);
    double ape_fc = 0, ape_sh = 0;
    int cov = 0;
    double *e = calloc(NV, sizeof *e), *s = calloc(NV, sizeof *s);
    for (int i = 0; i < NV; i++) {
        struct fc_forecast f;
        assert_int_equal(fc_predict(&m, 2, va[i].y, NAN, &f), 0);
        assert_true(f.p05 <= f.p50 && f.p50 <= f.p95);
        assert_true(f.p05 >= va[i].y[2]);
        e[i] = fabs(f.p50 - va[i].y7) / va[i].y7;
        s[i] = fabs((va[i].y[2] + 1) * exp(m.a[2].sh_med) - 1 - va[i].y7) / va[i].y7;
        cov += f.p05 <= va[i].y7 && va[i].y7 <= f.p95;
    }

    /* medians by counting: the share within a bound */
    int under3 = 0, sh_under3 = 0;
    for (int i = 0; i < NV; i++) {
        under3 += e[i] <= 0.03;
        sh_under3 += s[i] <= 0.03;
        ape_fc += e[i];
        ape_sh += s[i];
    }
    /* The growth is a function of shape with 2 % noise: the stack's median
     * APE is <= 3 % (most forecasts within it), and the shape learners beat
     * the constant median rule (whose error is the spread of 0.5·u, ~15 %). */
    assert_true(under3 >= NV / 2);
    assert_true(ape_fc < 0.5 * ape_sh);
    assert_true(sh_under3 < NV / 4);
    /* Conformal 90 % interval on fresh draws: 84–96 % (400 draws: ±3 sd). */
    assert_true(cov >= 0.84 * NV && cov <= 0.96 * NV);
    /* The choice is recorded: weights sum to 1, k from the grid. */
    const struct fc_anchor *an = &m.a[2];
    assert_float_equal(an->w_lomax + an->w_analog + an->w_qr + an->w_sh, 1.0, 1e-9);
    assert_true(an->w_analog + an->w_qr >= 0.5);
    /* Deterministic: training again gives the same forecast bit for bit. */
    struct fc_model m2;
    assert_int_equal(fc_train(&m2, tr, NT, NULL, 0, 1.0, 0.90), 0);
    struct fc_forecast f1, f2;
    fc_predict(&m, 3, va[0].y, NAN, &f1);
    fc_predict(&m2, 3, va[0].y, NAN, &f2);
    assert_memory_equal(&f1, &f2, sizeof f1);
    fc_model_free(&m);
    fc_model_free(&m2);
    free(e);
    free(s);
    free(tr);
    free(va);
    gsl_rng_free(r);
}

static void test_pooling_level(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 14);
    /* A global set at level 0 and an account at level +0.3 with 30 posts:
     * the account's forecasts follow its own level (within 5 %), not the
     * global one (which would be 26 % low). */
    enum { NG = 600, NO = 30, NV = 200 };
    struct fc_ref *g = calloc(NG, sizeof *g), *o = calloc(NO, sizeof *o), *va = calloc(NV, sizeof *va);
    world(r, NG, 0.0, 0.02, g);
    world(r, NO, 0.3, 0.02, o);
    world(r, NV, 0.3, 0.02, va);
    struct fc_model m;
    assert_int_equal(fc_train(&m, o, NO, g, NG, 1.0, 0.90), 0);
    assert_int_equal(m.n_global, NG);
    int within = 0;
    for (int i = 0; i < NV; i++) {
        struct fc_forecast f;
        assert_int_equal(fc_predict(&m, 2, va[i].y, NAN, &f), 0);
        within += fabs(f.p50 / va[i].y7 - 1) <= 0.05;
    }
    assert_true(within >= NV * 3 / 4);
    fc_model_free(&m);
    /* Enough own posts: the global set is dropped. */
    struct fc_ref *big = calloc(FC_OWN_ENOUGH, sizeof *big);
    world(r, FC_OWN_ENOUGH, 0.3, 0.02, big);
    assert_int_equal(fc_train(&m, big, FC_OWN_ENOUGH, g, NG, 1.0, 0.90), 0);
    assert_int_equal(m.n_global, 0);
    fc_model_free(&m);
    free(big);
    free(g);
    free(o);
    free(va);
    gsl_rng_free(r);
}

/*
 * The median learner (boosted trees) on a step the shape features cannot
 * show and a straight line cannot draw: ln(y7/y24) = 0.1 below a 24 h count
 * of 1,000 and 0.9 above it (noise sd 0.02, shape random).  Its own
 * forecast, read off the model's trees, is within 0.05 of the truth for
 * >= 90 % of fresh posts away from the step (measured: all of them), and
 * the stack's p50 within 5 % for >= 80 %.
 */
static double tree_eval(const struct fc_model *m, int a, const double *x)
{
    const struct fc_anchor *an = &m->a[a];
    double r = an->gb_init;
    for (int k = 0; k < an->ntree; k++) {
        const struct fc_tree *t = &m->tree[(size_t)a * FC_TREE_MAX + k];
        int l = x[t->f[0]] < t->t[0] ? (x[t->f[1]] < t->t[1] ? 0 : 1) : (x[t->f[2]] < t->t[2] ? 2 : 3);
        r += FC_TREE_SHRINK * t->leaf[l];
    }
    return r;
}

static void step_world(gsl_rng *r, int n, struct fc_ref *out)
{
    for (int i = 0; i < n; i++) {
        double y24 = 1000.0 * exp(gsl_ran_gaussian(r, 1.0));
        double u = 0.1 + gsl_rng_uniform(r);
        double g = (y24 > 1000.0 ? 0.9 : 0.1) + 0.02 * gsl_ran_gaussian(r, 1.0);
        double y4 = y24 * exp(-u);
        set_ref(&out[i], y4 * exp(-0.3 - 0.4 * gsl_rng_uniform(r)), y4, y24, g);
    }
}

static void test_trees_step(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 15);
    enum { NT = 400, NV = 300 };
    struct fc_ref *tr = calloc(NT, sizeof *tr), *va = calloc(NV, sizeof *va);
    step_world(r, NT, tr);
    step_world(r, NV, va);
    struct fc_model m;
    assert_int_equal(fc_train(&m, tr, NT, NULL, 0, 1.0, 0.90), 0);
    const struct fc_anchor *an = &m.a[2];
    assert_true(an->ntree > 0 && an->ntree <= FC_TREE_MAX);
    int far = 0, good = 0, stack = 0;
    for (int i = 0; i < NV; i++) {
        double x[FC_NANCHOR];
        for (int j = 0; j < 2; j++)
            x[j] = log((va[i].y[2] + 1.0) / (va[i].y[j] + 1.0));
        x[2] = log(va[i].y[2] + 1.0);
        double truth = va[i].y[2] > 1000.0 ? 0.9 : 0.1;
        if (fabs(log(va[i].y[2] / 1000.0)) > 0.1) {
            far++;
            good += fabs(tree_eval(&m, 2, x) - truth) <= 0.05;
        }
        struct fc_forecast f;
        assert_int_equal(fc_predict(&m, 2, va[i].y, NAN, &f), 0);
        stack += fabs(f.p50 / va[i].y7 - 1) <= 0.05;
    }
    print_message("# trees: %d of %d within 0.05 (%d rounds); stack p50 within 5 %%: %d of %d\n", good, far,
                  an->ntree, stack, NV);
    assert_true(good >= far * 9 / 10);
    assert_true(stack >= NV * 4 / 5);
    fc_model_free(&m);
    free(tr);
    free(va);
    gsl_rng_free(r);
}

static void test_degenerate(void **state)
{
    (void)state;
    struct fc_model m;
    struct fc_forecast f;
    double y[FC_NANCHOR] = { 1, 2, 3, 4 };
    /* no references: no forecast, NANs */
    assert_int_equal(fc_train(&m, NULL, 0, NULL, 0, 1.0, 0.9), 0);
    assert_int_equal(fc_predict(&m, 2, y, 10, &f), -1);
    assert_true(isnan(f.p50));
    fc_model_free(&m);
    /* three references, zeros and NANs among them: finite or refused, never NaN */
    struct fc_ref r[3] = {
        { { 0, 0, 0, 0 }, 0, { NAN, NAN, NAN, NAN } },
        { { 1, NAN, 5, 6 }, 9, { NAN, NAN, NAN, NAN } },
        { { 2, 3, 4, 5 }, 8, { 7, 7, 7, 7 } },
    };
    assert_int_equal(fc_train(&m, r, 3, NULL, 0, 1.0, 0.9), 0);
    for (int a = 0; a < FC_NANCHOR; a++)
        if (fc_predict(&m, a, y, 20, &f) == 0)
            assert_true(isfinite(f.p05) && isfinite(f.p50) && isfinite(f.p95) && f.p05 >= y[a]);
    double bad[FC_NANCHOR] = { NAN, 1, 1, 1 };
    assert_int_equal(fc_predict(&m, 2, bad, 20, &f), -1);
    assert_int_equal(fc_predict(&m, -1, y, 20, &f), -1);
    fc_model_free(&m);
    assert_int_equal(fc_anchor_for_age(0.5), -1);
    assert_int_equal(fc_anchor_for_age(3), 0);
    assert_int_equal(fc_anchor_for_age(27), 2);
    assert_int_equal(fc_anchor_for_age(51), 3);
}

/* A kept model: packed and restored from the same posts it predicts bit for
 * bit what the trained one does; bytes of other posts, or cut short, are
 * refused. */
static void test_kept_model(void **state)
{
    (void)state;
    enum { NT = 120, NG = 60 };
    struct fc_ref tr[NT], g[NG];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 29);
    world(r, NT, 0.0, 0.05, tr); /* own posts, some with a Lomax forecast */
    for (int i = 0; i < NT; i += 3)
        tr[i].lomax7[2] = tr[i].y7 * 0.9;
    world(r, NG, 0.3, 0.05, g); /* a global set on another level */
    struct fc_model m, k, other;
    assert_int_equal(fc_train(&m, tr, NT, g, NG, 2.0, 0.90), 0);
    unsigned char *blob;
    size_t len;
    assert_int_equal(fc_model_pack(&m, &blob, &len), 0);
    assert_int_equal(fc_model_restore(&k, tr, NT, g, NG, 2.0, 0.90, blob, len), 0);
    for (int i = 0; i < NT; i++)
        for (int a = 0; a < FC_NANCHOR; a++) {
            struct fc_forecast f1, f2;
            int r1 = fc_predict(&m, a, tr[i].y, tr[i].lomax7[a], &f1), r2 = fc_predict(&k, a, tr[i].y, tr[i].lomax7[a], &f2);
            assert_int_equal(r1, r2);
            if (r1 == 0)
                assert_memory_equal(&f1, &f2, sizeof f1);
        }
    /* other posts (fewer of them), or cut bytes: not this model */
    assert_int_equal(fc_model_restore(&other, tr, NT - 1, g, NG, 2.0, 0.90, blob, len), 1);
    assert_int_equal(fc_model_restore(&other, tr, NT, g, NG, 2.0, 0.90, blob, len - 1), 1);
    assert_int_equal(other.n_ref, 0);
    /* A damaged row whose length still fits: every count that sizes an array is checked.
     * The packed layout: a 32-byte header, then each anchor's 216 bytes (k at 4, its
     * tree count at 48, its calibration bins at 140) and its trees' 68 bytes each. */
    {
        int32_t v, ntree;
        size_t at = 32, tree_at = 0;
        int tree_a = -1;
        unsigned char *bad = malloc(len);
        assert_non_null(bad);
        for (int an = 0; an < FC_NANCHOR; an++) {
            memcpy(&ntree, blob + at + 48, sizeof ntree);
            if (ntree > 0 && tree_a < 0)
                tree_a = an, tree_at = at + 216;
            at += 216 + 68 * (size_t)ntree;
        }
        assert_int_equal(at, len); /* the layout is as described */
        assert_true(tree_a >= 0);  /* so a tree's feature is tried too */
        const struct { size_t at; int32_t v; } hits[] = {
            { 32 + 4, FC_KMAX + 1 }, { 32 + 4, -1 }, { 32 + 140, 0 }, { 32 + 140, FC_NBIN + 1 },
            { tree_at, tree_a + 1 } /* a tree splitting on a later anchor's count */ };
        for (size_t h = 0; h < sizeof hits / sizeof hits[0]; h++) {
            memcpy(bad, blob, len);
            v = hits[h].v;
            memcpy(bad + hits[h].at, &v, sizeof v);
            assert_int_equal(fc_model_restore(&other, tr, NT, g, NG, 2.0, 0.90, bad, len), 1);
        }
        memcpy(bad, blob, len);
        assert_int_equal(fc_model_restore(&other, tr, NT, g, NG, 2.0, 0.90, bad, len), 0); /* the copy itself is good */
        fc_model_free(&other);
        free(bad);
    }
    /* Own posts enough to drop the global set, none counted at 1 h: every anchor is unused
     * (no bins), and such a model still packs and restores. */
    {
        struct fc_ref own[250];
        struct fc_model e, er;
        unsigned char *eb;
        size_t el;
        world(r, 250, 0.0, 0.05, own);
        for (int i = 0; i < 250; i++)
            own[i].y[0] = NAN;
        assert_int_equal(fc_train(&e, own, 250, NULL, 0, 2.0, 0.90), 0);
        assert_int_equal(fc_model_pack(&e, &eb, &el), 0);
        assert_int_equal(fc_model_restore(&er, own, 250, NULL, 0, 2.0, 0.90, eb, el), 0);
        fc_model_free(&e);
        fc_model_free(&er);
        free(eb);
    }
    fc_model_free(&m);
    fc_model_free(&k);
    free(blob);
    gsl_rng_free(r);
}

/* The k nearest found at once (fc_knn_select) are those offered one by one
 * (fc_nbr_offer), in the same order, ties included; fc_select_kth is the
 * order statistic qsort gives.  Distances on a coarse grid make many ties. */
static void test_knn_select(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 29);
    enum { NC = 300, K = FC_KMAX };
    double d[NC], scratch[2 * NC], v[NC], buf[NC], srt[NC];
    int cand[NC];
    for (int rep = 0; rep < 200; rep++) {
        int nc = 1 + (int)gsl_rng_uniform_int(r, NC), grid = rep % 2 ? 8 : 1000;
        for (int c = 0; c < nc; c++) {
            d[c] = (double)gsl_rng_uniform_int(r, (unsigned long)grid) / grid;
            cand[c] = 1000 + c;
        }
        struct fc_nbr a[K], b[K];
        int ga = 0;
        for (int c = 0; c < nc; c++)
            fc_nbr_offer(a, &ga, K, d[c], cand[c]);
        int gb = fc_knn_select(d, cand, nc, K, b, scratch);
        assert_int_equal(ga, gb);
        for (int t = 0; t < ga; t++) {
            assert_int_equal(a[t].i, b[t].i);
            assert_true(a[t].d == b[t].d);
        }
        int k = (int)gsl_rng_uniform_int(r, (unsigned long)nc);
        memcpy(v, d, sizeof(double) * (size_t)nc);
        memcpy(srt, d, sizeof(double) * (size_t)nc);
        qsort(srt, (size_t)nc, sizeof *srt, fc_cmp_double);
        assert_true(fc_select_kth(v, buf, nc, k) == srt[k]);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_pooling_level),
        cmocka_unit_test(test_trees_step),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_kept_model),
        cmocka_unit_test(test_knn_select),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
