/* tests/unit/common/test_config.c — common/config: precedence, bounds, secrets, defaults. */
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

/* A setting that cannot be empty falls back to its one declared default. */
static void test_config_default(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    char path[] = "/tmp/xetl-unit-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "report.out =\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct config *cfg = config_new();
    unsetenv("XETL_REPORT_OUT");
    assert_string_equal(config_default("report.out"), "./reports-out");
    assert_null(config_default("db"));
    assert_int_equal(config_load_file(cfg, path, false, &err), 0);
    assert_string_equal(config_get(cfg, "report.out"), "");
    assert_string_equal(config_get_or_default(cfg, "report.out"), "./reports-out");
    setenv("XETL_REPORT_OUT", "/srv/reports", 1);
    assert_string_equal(config_get_or_default(cfg, "report.out"), "/srv/reports");
    unsetenv("XETL_REPORT_OUT");
    assert_null(config_get_or_default(cfg, "db"));
    config_free(cfg);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_precedence),
        cmocka_unit_test(test_config_secret_file),
        cmocka_unit_test(test_config_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
