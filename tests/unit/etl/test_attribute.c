/*
 * tests/unit/etl/test_attribute.c — the attribute stage's pure part
 * (etl/attribute_model.h), without a server: the exposure curve chosen for a
 * post, the follower samples around a window, the 7-day retention, and the
 * attribution_metadata JSON (keys, nulls, numbers).  Exact values: no noise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xtime.h"
#include "etl/attribute_model.h"
#include "stats/decay.h"

static void test_exposure(void **state)
{
    (void)state;
    struct attrib_curve c;
    assert_string_equal(attr_exposure(100, 0.5, 0.3, 0, 0, false, &c), "decay");
    assert_int_equal(c.kind, ATTRIB_CURVE_LOMAX);
    assert_true(c.A == 100 && c.c_h == 0.5 && c.theta == 0.3);
    /* no curve: the latest 600 impressions at 1 h are q(1) of the default shape's A */
    assert_string_equal(attr_exposure(NAN, 0.5, 0.3, 600, 1.0, false, &c), "latest_impressions");
    assert_true(fabs(c.A * decay_lomax_q(ATTR_DEFAULT_C_H, ATTR_DEFAULT_THETA, 1.0) - 600) < 1e-9);
    assert_true(fabs(c.A - 1200) < 1e-9); /* q(1) = 1 - 2^-1 */
    /* the age is clamped to [0.1 h, the horizon] */
    attr_exposure(NAN, NAN, NAN, 600, 0.0, false, &c);
    assert_true(fabs(c.A * decay_lomax_q(1.0, 1.0, 0.1) - 600) < 1e-9);
    attr_exposure(NAN, NAN, NAN, 600, 1e6, false, &c);
    assert_true(fabs(c.A * decay_lomax_q(1.0, 1.0, ATTRIB_HORIZON_H) - 600) < 1e-9);
    /* a negative shape is not a curve */
    assert_string_equal(attr_exposure(100, -1, 0.3, 0, 0, true, &c), "default_shape");
    assert_true(c.A == 1.0 && c.c_h == ATTR_DEFAULT_C_H);
    assert_string_equal(attr_exposure(NAN, NAN, NAN, 0, 0, false, &c), "none");
    assert_int_equal(c.kind, ATTRIB_CURVE_NONE);
}

static void test_samples(void **state)
{
    (void)state;
    int64_t t[] = { 1000, 2000, 3000 };
    double F[] = { 10, 20, 30 };
    struct attr_run r = { .t = t, .F = F, .ns = 3 };
    bool matured;
    assert_int_equal(attr_sample_before(&r, 500), 0); /* none before: the first */
    assert_int_equal(attr_sample_before(&r, 2000), 1);
    assert_int_equal(attr_sample_before(&r, 2999), 1);
    assert_int_equal(attr_sample_after(&r, 2001, &matured), 2);
    assert_true(matured);
    assert_int_equal(attr_sample_after(&r, 3001, &matured), 2);
    assert_false(matured);
}

static void test_retention(void **state)
{
    (void)state;
    int64_t d0 = 20 * XTIME_DAY, day[7];
    double nf[7], uf[7];
    for (int i = 0; i < 7; i++) {
        day[i] = d0 + i * XTIME_DAY;
        nf[i] = 10;
        uf[i] = 2;
    }
    struct attr_run r = { .day = day, .new_f = nf, .unf = uf, .nd = 7 };
    int64_t posted = d0 + 3600;
    assert_true(fabs(attr_retention(&r, posted, d0 + 7 * XTIME_DAY) - 0.8) < 1e-12);
    assert_true(isnan(attr_retention(&r, posted, d0 + 7 * XTIME_DAY - 1))); /* not over yet */
    r.nd = 6;
    assert_true(isnan(attr_retention(&r, posted, d0 + 8 * XTIME_DAY))); /* a day missing */
    r.nd = 7;
    uf[0] = 100;
    assert_true(attr_retention(&r, posted, d0 + 8 * XTIME_DAY) == 0.0); /* clamped */
}

/* A one-post run and result to render. */
struct fixture {
    struct apost p;
    struct attr_run r;
    struct attrib_post_result pr;
    struct attrib_result res;
};

static void fixture_init(struct fixture *f, bool known)
{
    memset(f, 0, sizeof *f);
    snprintf(f->p.tweet_id, sizeof f->p.tweet_id, "42");
    snprintf(f->p.group, sizeof f->p.group, "tip \"quoted\"");
    f->p.posted_at = 1000000;
    f->p.exposure_source = "decay";
    f->p.known = known ? 7 : NAN;
    f->p.known_as_of = f->p.posted_at + 48 * 3600;
    f->r.p = &f->p;
    f->r.np = 1;
    f->r.ns = 5;
    for (int w = 0; w < ATTRIB_NWIN; w++) {
        f->pr.credit[w] = 1.5 * (w + 1);
        f->pr.exposure[w] = 100.0 * (w + 1);
        f->pr.conf_raw[w] = 0.25;
    }
    for (int q = 0; q < ATTRIB_NQ; q++)
        f->pr.q168[q] = q;
    f->pr.q168[3] = NAN;
    f->pr.lo = NAN;
    f->pr.hi = 9;
    f->pr.rate = 0.01;
    f->pr.n_intervals = 4;
    f->pr.known = known;
    f->res.posts = &f->pr;
    f->res.n_boot = 200;
    f->res.block_len = 3;
    f->res.lag_h = 2;
    f->res.dispersion = NAN;
}

static struct jv *render(struct fixture *f, int wi, bool samples)
{
    struct attr_window w = { .wi = wi, .matured = true, .have_samples = samples, .before_at = 999000,
                             .after_at = 1003600 };
    struct sbuf sb;
    sbuf_init(&sb);
    attr_meta_json(&sb, &f->r, 0, &f->res, &w);
    struct jv *v = jv_parse(sb.buf, sb.len, NULL, 0);
    sbuf_release(&sb);
    assert_non_null(v);
    return v;
}

static void test_meta_lagged(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, false);
    struct jv *v = render(&f, ATTRIB_NWIN - 1, true);
    assert_string_equal(jv_str(jv_get(v, "model")), "lagged_count");
    assert_true(jv_num(jv_get(v, "window_h"), 0) == 168);
    assert_true(jv_num(jv_get(v, "credit"), 0) == 4.5);
    assert_true(jv_num(jv_get(v, "exposure"), 0) == 300);
    assert_string_equal(jv_str(jv_get(v, "group")), "tip \"quoted\"");
    assert_int_equal(jv_len(jv_get(v, "draws_168h")), ATTRIB_NQ);
    assert_true(jv_num(jv_at(jv_get(v, "draws_168h"), 3), -1) == 0.0); /* unknown draw written as 0 */
    assert_true(jv_is_null(jv_get(jv_get(v, "interval_168h"), "p05")));
    assert_true(jv_num(jv_get(jv_get(v, "interval_168h"), "p95"), 0) == 9);
    assert_true(jv_is_null(jv_get(v, "dispersion"))); /* 0 is a number; NAN below is null */
    assert_string_equal(jv_str(jv_get(v, "before_sampled_at")), "1970-01-12T13:30:00Z");
    assert_true(jv_bool(jv_get(v, "matured"), false));
    jv_free(v);
    /* the 1 h window has no draws; without samples the times are null */
    v = render(&f, 0, false);
    assert_null(jv_get(v, "draws_168h"));
    assert_true(jv_num(jv_get(v, "window_h"), 0) == 1);
    assert_true(jv_is_null(jv_get(v, "after_sampled_at")));
    jv_free(v);
}

static void test_meta_platform(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, true);
    struct jv *v = render(&f, 1, true);
    assert_string_equal(jv_str(jv_get(v, "model")), "platform_reported");
    assert_true(jv_num(jv_get(v, "follows_reported"), 0) == 7);
    /* reported at 48 h: the 24 h window is split by the exposure curve */
    assert_string_equal(jv_str(jv_get(v, "window_split")), "by exposure curve");
    assert_null(jv_get(v, "lag_h"));
    jv_free(v);
    v = render(&f, ATTRIB_NWIN - 1, true);
    assert_true(jv_is_null(jv_get(v, "window_split")));
    jv_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exposure),    cmocka_unit_test(test_samples),       cmocka_unit_test(test_retention),
        cmocka_unit_test(test_meta_lagged), cmocka_unit_test(test_meta_platform),
    };
    return cmocka_run_group_tests_name("attribute", tests, NULL, NULL);
}
