/*
 * tests/unit/etl/test_learn.c — learn's pure part without a server: a
 * post's imputations from its attribution's draws, the arms of a component
 * and their evidence (only matured posts count, the counters only where
 * known), and the policy values of learning_updates (docs/learning.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/sbuf.h"
#include "etl/learn_model.h"

#define DAY 86400

static void test_imputations(void **state)
{
    double imp[ATTRIB_NQ];
    struct sbuf sb = SBUF_INIT;
    (void)state;
    learn_imputations(NULL, 3.0, imp);
    for (int q = 0; q < ATTRIB_NQ; q++)
        assert_true(imp[q] == 3.0);
    sbuf_init(&sb);
    sbuf_adds(&sb, "[");
    for (int q = 0; q < ATTRIB_NQ; q++)
        sbuf_addf(&sb, "%s%d.5", q ? "," : "", q);
    sbuf_adds(&sb, "]");
    learn_imputations(sb.buf, 3.0, imp);
    assert_true(imp[0] == 0.5 && imp[ATTRIB_NQ - 1] == ATTRIB_NQ - 0.5);
    /* the wrong length, or a non-number: the credit for all */
    learn_imputations("[1, 2, 3]", 4.0, imp);
    assert_true(imp[0] == 4.0 && imp[ATTRIB_NQ - 1] == 4.0);
    learn_imputations("not json", 5.0, imp);
    assert_true(imp[7] == 5.0);
    sbuf_release(&sb);
}

static struct learn_post post(int64_t posted, const char *type, const char *name, bool has_fol, double fol,
                              bool tac)
{
    struct learn_post p = { .posted = posted, .type_name = name, .has_followers = has_fol, .followers = fol,
                            .has_tac = tac };
    p.key[LEARN_TYPE] = type;
    if (tac) {
        p.likes = 10;
        p.retweets = 2;
        p.replies = 1;
        p.impressions = 1000;
        p.has_impressions = true;
        p.has_er = true;
        p.er = 0.013;
    }
    return p;
}

static void test_collect_arms(void **state)
{
    struct learn_settings s = { .draws = 100, .maturity_hours = 168, .success_followers = 1, .min_posts = 1 };
    int64_t now = 100 * DAY, mature_before = now - 7 * DAY;
    struct learn_post posts[] = {
        post(now - 20 * DAY, "tips", "Tips", true, 5, true),
        post(now - 10 * DAY, "story", "Story", true, 0, false),
        post(now - 9 * DAY, "tips", "Tips", true, 3, false),
        post(now - 1 * DAY, "poll", "Poll", false, 0, true),  /* not matured: only last_used */
        post(now - 8 * DAY, NULL, NULL, true, 9, true),        /* no type: not this component's */
    };
    struct learn_arms as = { 0 };
    struct thompson_evidence pooled = { 0 };
    (void)state;
    thompson_params_default(&s.tp);
    s.tp.half_life_days = 0; /* no discounting: weights are 1 */
    long matured = learn_collect_arms(posts, 5, LEARN_TYPE, &s, mature_before, &as, &pooled);
    assert_int_equal(matured, 3);
    assert_true(fabs(pooled.sum_w - 3) < 1e-12 && fabs(pooled.sum_wy - 8) < 1e-12);
    assert_int_equal(as.n, 3);
    /* sorted by key */
    assert_string_equal(as.v[0].key, "poll");
    assert_string_equal(as.v[1].key, "story");
    assert_string_equal(as.v[2].key, "tips");
    assert_int_equal(as.v[0].n_posts, 0);
    assert_true(as.v[0].last_used == now - 1 * DAY);
    const struct learn_arm *tips = &as.v[2];
    assert_string_equal(tips->name, "Tips");
    assert_int_equal(tips->n_posts, 2);
    assert_int_equal(tips->n_success, 2);
    assert_true(tips->total_followers == 8);
    assert_int_equal(tips->n_tac, 1); /* counters only where known */
    assert_true(tips->sum_likes == 10 && tips->sum_impressions == 1000);
    assert_int_equal(tips->n_er, 1);
    assert_int_equal(as.v[1].n_success, 0); /* 0 followers is below learn.success_followers */
    free(as.v);
}

static void test_policy_values(void **state)
{
    struct learn_arm v[2] = { { .key = "a", .mean = 2, .score = 0.25 }, { .key = "b", .mean = 6, .score = 0.75 } };
    struct learn_arms as = { .v = v, .n = 2, .cap = 2 };
    bool prev;
    double before, after;
    (void)state;
    /* no previous cycle: uniform */
    learn_policy_values(&as, &prev, &before, &after);
    assert_false(prev);
    assert_true(fabs(before - 4) < 1e-12);
    assert_true(fabs(after - (0.25 * 2 + 0.75 * 6)) < 1e-12);
    /* the previous scores, normalised */
    v[0].has_before = v[1].has_before = true;
    v[0].score_before = 3;
    v[1].score_before = 1;
    learn_policy_values(&as, &prev, &before, &after);
    assert_true(prev);
    assert_true(fabs(before - (0.75 * 2 + 0.25 * 6)) < 1e-12);
}

/* Known answer: of two arms, 10 matured posts each, the one bringing 10 follows a post is the best. */
static void test_fit_orders_arms(void **state)
{
    struct learn_settings s = { .draws = 400, .maturity_hours = 168, .success_followers = 1, .min_posts = 1 };
    int64_t now = 100 * DAY, mature_before = now - 7 * DAY;
    struct learn_post posts[20];
    struct learn_arms as = { 0 };
    struct thompson_evidence pooled = { 0 };
    struct arms_prior prior = { 0 };
    double a0, b0;
    (void)state;
    thompson_params_default(&s.tp);
    for (int i = 0; i < 20; i++) {
        posts[i] = post(now - (10 + i) * DAY, i % 2 ? "good" : "poor", NULL, true, i % 2 ? 10 : 0, false);
        learn_imputations(NULL, posts[i].followers, posts[i].imp);
    }
    learn_collect_arms(posts, 20, LEARN_TYPE, &s, mature_before, &as, &pooled);
    assert_int_equal(as.n, 2);
    assert_int_equal(learn_fit_arms(&as, posts, 20, LEARN_TYPE, &s, mature_before, 42, NULL, &prior, &a0, &b0), 0);
    assert_string_equal(as.v[0].key, "good");
    assert_true(as.v[0].score > 0.9 && as.v[1].score < 0.1);
    assert_true(fabs(as.v[0].score + as.v[1].score - 1) < 1e-9);
    assert_true(as.v[0].mean > as.v[1].mean);
    assert_true(as.v[0].lo <= as.v[0].mean && as.v[0].mean <= as.v[0].hi);
    assert_true(isfinite(a0) && isfinite(b0) && a0 > 0);
    free(as.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imputations),
        cmocka_unit_test(test_collect_arms),
        cmocka_unit_test(test_policy_values),
        cmocka_unit_test(test_fit_orders_arms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
