/* tests/unit/common/test_common.c — xtime, ranges, sbuf escaping, config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/config.h"
#include "common/sbuf.h"
#include "common/xtime.h"

static int64_t parse(const char *s)
{
    int64_t t = -1;
    bool d;
    assert_int_equal(xtime_parse(s, &t, &d), 0);
    return t;
}

static void test_xtime_formats(void **state)
{
    (void)state;
    /* 2019-05-01 14:03 UTC = 1556719380 */
    assert_int_equal(parse("2019-05-01 14:03 +0000"), 1556719380);
    assert_int_equal(parse("2019-05-01T14:03:00Z"), 1556719380);
    assert_int_equal(parse("2019-05-01T14:03:00.000Z"), 1556719380);
    assert_int_equal(parse("2019-05-01T16:03:00+02:00"), 1556719380);
    assert_int_equal(parse("2019-05-01T09:03:00-0500"), 1556719380);
    assert_int_equal(parse("2019-05-01 14:03"), 1556719380);
    assert_int_equal(parse("2026-03-02T06:28:26.000Z"), 1772432906);
    bool d = false;
    int64_t t;
    assert_int_equal(xtime_parse("2024-02-29", &t, &d), 0);
    assert_true(d);
    assert_int_equal(t, 1709164800);
}

static void test_xtime_rejects(void **state)
{
    (void)state;
    int64_t t;
    bool d;
    const char *bad[] = { "", "2026-13-01", "2026-02-30", "2025-02-29", "2026-1-1", "yesterday",
                          "2026-01-01T25:00", "2026-01-01T10:00+25", "2026-01-01 10:00 junk", "1969-12-31" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(xtime_parse(bad[i], &t, &d), -1);
}

static void test_xtime_format_roundtrip(void **state)
{
    (void)state;
    char buf[40];
    xtime_format(1556719380, buf, sizeof buf);
    assert_string_equal(buf, "2019-05-01T14:03:00Z");
    xtime_format_date(1556719380, buf, sizeof buf);
    assert_string_equal(buf, "2019-05-01");
    assert_int_equal(xtime_day_start(1556719380), 1556668800);
}

static void test_ranges(void **state)
{
    (void)state;
    struct xrange r;
    char msg[200];
    int64_t asof = parse("2026-11-25T03:00:00Z");
    /* Default: the last 7 whole days before as-of's day. */
    assert_int_equal(xrange_from_args(NULL, NULL, asof, 7, &r, msg, sizeof msg), 0);
    assert_int_equal(r.from, parse("2026-11-18"));
    assert_int_equal(r.to, parse("2026-11-25"));
    /* Dates are inclusive at both ends. */
    assert_int_equal(xrange_from_args("2026-11-01", "2026-11-03", asof, 7, &r, msg, sizeof msg), 0);
    assert_int_equal(r.from, parse("2026-11-01"));
    assert_int_equal(r.to, parse("2026-11-04"));
    /* --to alone: default_days days ending with it. */
    assert_int_equal(xrange_from_args(NULL, "2026-11-03", asof, 3, &r, msg, sizeof msg), 0);
    assert_int_equal(r.from, parse("2026-11-01"));
    assert_int_equal(xrange_from_args("2026-11-05", "2026-11-03", asof, 7, &r, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "empty range"));
    assert_int_equal(xrange_from_args("2026-11-05x", NULL, asof, 7, &r, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "invalid --from"));
}

static void test_sbuf_escapes(void **state)
{
    (void)state;
    struct sbuf sb = SBUF_INIT;
    sbuf_init(&sb);
    sbuf_add_copy_text(&sb, "a\tb\\c\nd");
    assert_string_equal(sb.buf, "a\\tb\\\\c\\nd");
    sbuf_reset(&sb);
    sbuf_add_json_str(&sb, "q\"\x01\xc3\xa9");
    assert_string_equal(sb.buf, "\"q\\\"\\u0001\xc3\xa9\"");
    sbuf_reset(&sb);
    for (int i = 0; i < 1000; i++)
        sbuf_addf(&sb, "%d,", i);
    assert_int_equal(sb.len, strlen(sb.buf));
    char *s = sbuf_detach(&sb);
    assert_int_equal(strncmp(s, "0,1,2,", 6), 0);
    free(s);
    assert_int_equal(sb.len, 0);
    sbuf_release(&sb);
}

static void test_config_precedence(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    char path[] = "/tmp/xetl-unit-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# comment\npull.retries = 7\nreport.days = \"3\"\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);

    struct config *cfg = config_new();
    long v;
    unsetenv("XETL_PULL_RETRIES");
    assert_int_equal(config_get_long(cfg, "pull.retries", &v, &err), 0);
    assert_int_equal(v, 4); /* default */
    assert_string_equal(config_source(cfg, "pull.retries"), "default");
    assert_int_equal(config_load_file(cfg, path, false, &err), 0);
    assert_int_equal(config_get_long(cfg, "pull.retries", &v, &err), 0);
    assert_int_equal(v, 7); /* file */
    assert_int_equal(config_get_long(cfg, "report.days", &v, &err), 0);
    assert_int_equal(v, 3); /* quotes stripped */
    setenv("XETL_PULL_RETRIES", "9", 1);
    assert_int_equal(config_get_long(cfg, "pull.retries", &v, &err), 0);
    assert_int_equal(v, 9); /* environment */
    assert_int_equal(config_set_flag(cfg, "pull.retries", "11", &err), 0);
    assert_int_equal(config_get_long(cfg, "pull.retries", &v, &err), 0);
    assert_int_equal(v, 11); /* flag */
    assert_string_equal(config_source(cfg, "pull.retries"), "flag");
    unsetenv("XETL_PULL_RETRIES");

    setenv("XETL_REPORT_DAYS", "seven", 1);
    assert_int_equal(config_get_long(cfg, "report.days", &v, &err), 78);
    assert_non_null(strstr(err.msg, "must be an integer"));
    /* the getters enforce the bounds declared in config_keys.c */
    setenv("XETL_REPORT_DAYS", "0", 1);
    assert_int_equal(config_get_long(cfg, "report.days", &v, &err), 78);
    assert_non_null(strstr(err.msg, "must be between 1 and 3660"));
    unsetenv("XETL_REPORT_DAYS");
    double d;
    setenv("XETL_COST_INFRA_MONTHLY_USD", "-3", 1);
    assert_int_equal(config_get_double(cfg, "cost.infra_monthly_usd", &d, &err), 78);
    unsetenv("XETL_COST_INFRA_MONTHLY_USD");

    char env[64];
    config_env_name("cost.x_api_monthly_usd", env, sizeof env);
    assert_string_equal(env, "XETL_COST_X_API_MONTHLY_USD");
    config_free(cfg);
    unlink(path);
}

static void test_config_secret_file(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    char path[] = "/tmp/xetl-unit-tok-XXXXXX";
    int fd = mkstemp(path);
    assert_int_equal(write(fd, "s3cr3t\n", 7), 7);
    close(fd);
    struct config *cfg = config_new();
    char *tok = NULL;
    unsetenv("XETL_X_BEARER_TOKEN");
    setenv("XETL_X_BEARER_TOKEN_FILE", path, 1);
    assert_int_equal(config_get_secret(cfg, "x_bearer_token", &tok, &err), 0);
    assert_string_equal(tok, "s3cr3t");
    free(tok);
    setenv("XETL_X_BEARER_TOKEN", "direct", 1);
    assert_int_equal(config_get_secret(cfg, "x_bearer_token", &tok, &err), 0);
    assert_string_equal(tok, "direct");
    free(tok);
    unsetenv("XETL_X_BEARER_TOKEN");
    setenv("XETL_X_BEARER_TOKEN_FILE", "/nonexistent/token", 1);
    assert_int_equal(config_get_secret(cfg, "x_bearer_token", &tok, &err), 78);
    unsetenv("XETL_X_BEARER_TOKEN_FILE");
    config_free(cfg);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xtime_formats),
        cmocka_unit_test(test_xtime_rejects),
        cmocka_unit_test(test_xtime_format_roundtrip),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_sbuf_escapes),
        cmocka_unit_test(test_config_precedence),
        cmocka_unit_test(test_config_secret_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
