/*
 * tests/unit/etl/test_health.c — health's day arithmetic without a server:
 * days in a month, the cost model's parts (docs/learning.md "Cost model"),
 * every column of a day's row, and the metrics_snapshot JSON read back.
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

#include "common/json.h"
#include "common/sbuf.h"
#include "common/xtime.h"
#include "etl/health.h"

static int64_t day(const char *s)
{
    int64_t t;
    bool date_only;
    assert_int_equal(xtime_parse(s, &t, &date_only), 0);
    return t;
}

static struct health_costs no_costs(void)
{
    return (struct health_costs){ NAN, NAN, NAN, NAN, NAN };
}

static void test_days_in_month(void **state)
{
    (void)state;
    assert_int_equal(health_days_in_month(day("2026-11-01")), 30);
    assert_int_equal(health_days_in_month(day("2026-12-31")), 31);
    assert_int_equal(health_days_in_month(day("2028-02-10")), 29);
    assert_int_equal(health_days_in_month(day("2100-02-10")), 28); /* not a leap year */
    assert_int_equal(health_days_in_month(day("2000-02-10")), 29);
}

static void test_no_cost_is_null(void **state)
{
    struct health_day d = { .start = day("2026-11-01"), .posts = 4, .req = 10, .req_ok = 8 };
    struct health_costs c = no_costs();
    double v[HEALTH_NCOLS];
    (void)state;
    d.fol_source = "samples";
    d.followers = 20;
    health_columns(&d, &c, false, v);
    assert_true(fabs(v[HC_POSTS_PER_HOUR] - 4.0 / 24.0) < 1e-12);
    assert_true(fabs(v[HC_API_OK] - 0.8) < 1e-12);
    assert_true(fabs(v[HC_ERR] - 0.2) < 1e-12);
    assert_true(isnan(v[HC_POST_OK])); /* no bot content */
    assert_true(isnan(v[HC_AVG_ER]));  /* no post with a rate */
    assert_true(fabs(v[HC_FOLLOWERS] - 20) < 1e-12);
    /* nothing configured: no cost, never 0 */
    assert_true(isnan(v[HC_COST]) && isnan(v[HC_CPF]) && isnan(v[HC_ROI]));
}

static void test_whole_cost(void **state)
{
    struct health_day d = { .start = day("2026-11-01"), .posts = 2, .req = 10, .req_ok = 8, .bot_no_cost = 1,
                            .llm_recorded = 0.5, .cost_posts = 1, .cm_posted = 3, .cm_failed = 1 };
    struct health_costs c = { .x_api_monthly_usd = 300, .x_api_per_request_usd = 0.01, .llm_per_post_usd = 0.25,
                              .infra_monthly_usd = 30, .value_per_follower_usd = 0.5 };
    struct health_money m;
    double v[HEALTH_NCOLS];
    (void)state;
    d.fol_source = "daily_follows";
    d.followers = 10;
    health_money(&d, &c, &m);
    assert_int_equal(m.days_in_month, 30);
    assert_true(m.complete && m.any);
    assert_true(fabs(m.x - (10.0 + 0.08)) < 1e-12);   /* 300/30 + 8 billable requests x 0.01 */
    assert_true(fabs(m.llm - (0.5 + 0.25)) < 1e-12);  /* recorded + one priced bot post */
    assert_true(fabs(m.infra - 1.0) < 1e-12);
    health_columns(&d, &c, true, v);
    assert_true(fabs(v[HC_POST_OK] - 0.75) < 1e-12);
    assert_true(fabs(v[HC_COST] - 10.83) < 1e-12);    /* X API + LLM, without infra */
    assert_true(fabs(v[HC_CPF] - 11.83 / 10) < 1e-12);
    assert_true(fabs(v[HC_ROI] - (10 * 0.5 - 11.83) / 11.83) < 1e-12);
}

static void test_partial_cost(void **state)
{
    /* Only the plan: the LLM part of a bot post without a recorded cost is unknown. */
    struct health_day d = { .start = day("2026-11-02"), .posts = 1, .bot_no_cost = 1 };
    struct health_costs c = no_costs();
    double v[HEALTH_NCOLS];
    struct health_money m;
    (void)state;
    c.x_api_monthly_usd = 300;
    health_money(&d, &c, &m);
    assert_true(m.any && !m.complete && m.x_known && !m.llm_known && !m.infra_known);
    health_columns(&d, &c, false, v);
    assert_true(isnan(v[HC_COST]) && isnan(v[HC_CPF]) && isnan(v[HC_ROI]));
}

static void test_snapshot(void **state)
{
    struct health_day d = { .start = day("2026-11-02"), .posts = 1, .bot_no_cost = 1, .req = 3, .req_ok = 2,
                            .req_429 = 1, .n_er = 2, .impressions = 4000, .n_pq = 3 };
    struct health_costs c = no_costs();
    struct sbuf sb = SBUF_INIT;
    char why[128];
    (void)state;
    c.x_api_monthly_usd = 300;
    snprintf(d.pq[0].metric, sizeof d.pq[0].metric, "likes");
    snprintf(d.pq[0].bucket, sizeof d.pq[0].bucket, "0-4h");
    d.pq[0].median_ape = 0.2;
    d.pq[0].n = 2;
    d.pq[1] = d.pq[0];
    snprintf(d.pq[1].bucket, sizeof d.pq[1].bucket, "all");
    d.pq[1].median_ape = 0.1;
    d.pq[2] = d.pq[0];
    snprintf(d.pq[2].metric, sizeof d.pq[2].metric, "retweets");
    sbuf_init(&sb);
    health_snapshot(&d, &c, &sb);
    /* reals as jansson wrote them: a stored "10.0" stays a real in jsonb */
    assert_non_null(strstr(sb.buf, "\"x_api_usd\":10.0"));
    assert_non_null(strstr(sb.buf, "\"impressions\":4000.0"));
    struct jv *root = jv_parse(sb.buf, sb.len, why, sizeof why);
    assert_non_null(root);
    const struct jv *posting = jv_get(root, "posting"), *cost = jv_get(root, "cost");
    int64_t i;
    assert_true(jv_int(jv_get(posting, "requests_ok"), &i) && i == 2);
    assert_true(jv_int(jv_get(posting, "rate_limited"), &i) && i == 1);
    assert_true(jv_is_null(jv_get(jv_get(root, "followers"), "source")));
    assert_true(jv_is_null(jv_get(jv_get(root, "followers"), "net_change")));
    const struct jv *likes = jv_get(jv_get(root, "prediction_quality"), "likes");
    assert_true(fabs(jv_num(jv_get(jv_get(likes, "0-4h"), "median_ape"), 0) - 0.2) < 1e-12);
    assert_true(fabs(jv_num(jv_get(jv_get(likes, "all"), "median_ape"), 0) - 0.1) < 1e-12);
    assert_non_null(jv_get(jv_get(root, "prediction_quality"), "retweets"));
    assert_false(jv_bool(jv_get(cost, "complete"), true));
    assert_true(jv_bool(jv_get(cost, "configured"), false));
    const struct jv *unknown = jv_get(cost, "unknown");
    assert_int_equal(jv_len(unknown), 2);
    assert_string_equal(jv_str(jv_at(unknown, 0)), "llm");
    assert_string_equal(jv_str(jv_at(unknown, 1)), "infra");
    assert_true(jv_is_null(jv_get(cost, "llm_usd")));
    jv_free(root);
    sbuf_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_in_month), cmocka_unit_test(test_no_cost_is_null),
        cmocka_unit_test(test_whole_cost),    cmocka_unit_test(test_partial_cost),
        cmocka_unit_test(test_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
