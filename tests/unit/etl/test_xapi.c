/* tests/unit/etl/test_xapi.c — the X API client's pure policy: base URLs, token
 * redaction, rate-limit waits, what is retried (the backoff is common/retry's); and the
 * pull stage's refresh schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "etl/pull.h"
#include "etl/xapi.h"

static void test_base_url(void **state)
{
    struct xerr err = { 0 };
    (void)state;
    assert_int_equal(xapi_check_base_url("https://api.x.com", &err), 0);
    assert_int_equal(xapi_check_base_url("https://api.x.com/", &err), 0);
    assert_int_equal(xapi_check_base_url("http://127.0.0.1:8080", &err), 0);
    assert_int_equal(xapi_check_base_url("http://127.3.4.5", &err), 0);
    assert_int_equal(xapi_check_base_url("http://localhost:9", &err), 0);
    assert_int_equal(xapi_check_base_url("http://[::1]:9/", &err), 0);
    assert_int_equal(xapi_check_base_url("http://api.x.com", &err), XETL_EX_CONFIG);
    assert_non_null(strstr(err.msg, "non-loopback"));
    assert_int_equal(xapi_check_base_url("http://127.0.0.1.evil.com", &err), XETL_EX_CONFIG);
    assert_int_equal(xapi_check_base_url("http://localhost.evil.com", &err), XETL_EX_CONFIG);
    assert_int_equal(xapi_check_base_url("http://user@127.0.0.1", &err), XETL_EX_CONFIG);
    assert_int_equal(xapi_check_base_url("ftp://api.x.com", &err), XETL_EX_CONFIG);
    assert_int_equal(xapi_check_base_url("", &err), XETL_EX_CONFIG);
    assert_int_equal(xapi_check_base_url("https://", &err), XETL_EX_CONFIG);
}

static void test_redact(void **state)
{
    char s[128];
    (void)state;
    snprintf(s, sizeof s, "Authorization: Bearer AAAsecretZZZ and AAAsecretZZZ again");
    xapi_redact(s, "AAAsecretZZZ");
    assert_string_equal(s, "Authorization: Bearer *** and *** again");
    snprintf(s, sizeof s, "nothing here");
    xapi_redact(s, "AAAsecretZZZ");
    assert_string_equal(s, "nothing here");
    xapi_redact(s, "");
    xapi_redact(s, NULL);
    assert_string_equal(s, "nothing here");
}

static void test_rate_limit_wait(void **state)
{
    (void)state;
    assert_int_equal(xapi_rate_limit_wait(1000, 1010, -1), 11);  /* until reset, +1 s */
    assert_int_equal(xapi_rate_limit_wait(1000, 1010, 3), 11);   /* the reset header wins */
    assert_int_equal(xapi_rate_limit_wait(1000, 0, 3), 3);       /* Retry-After */
    assert_int_equal(xapi_rate_limit_wait(1000, 0, -1), 60);     /* neither */
    assert_int_equal(xapi_rate_limit_wait(1000, 900, -1), 1);    /* reset already past */
}

static void test_retryable(void **state)
{
    (void)state;
    assert_true(xapi_retryable(503, CURLE_OK));
    assert_true(xapi_retryable(500, CURLE_OK));
    assert_true(xapi_retryable(408, CURLE_OK));
    assert_false(xapi_retryable(400, CURLE_OK));
    assert_false(xapi_retryable(401, CURLE_OK));
    assert_false(xapi_retryable(429, CURLE_OK)); /* waited for, not retried */
    assert_false(xapi_retryable(200, CURLE_OK));
    assert_true(xapi_retryable(0, CURLE_OPERATION_TIMEDOUT));
    assert_true(xapi_retryable(0, CURLE_RECV_ERROR));
    assert_true(xapi_retryable(0, CURLE_PARTIAL_FILE));
    assert_true(xapi_retryable(0, CURLE_COULDNT_CONNECT));
    assert_false(xapi_retryable(0, CURLE_PEER_FAILED_VERIFICATION)); /* TLS is never retried around */
}

static void test_schedule(void **state)
{
    struct pull_tier t[PULL_MAX_TIERS];
    struct xerr err = { 0 };
    int n = 0;
    (void)state;

    assert_int_equal(pull_parse_schedule("6h:0,48h:3h,7d:12h,30d:24h", t, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(t[0].age_s, 6 * 3600);
    assert_int_equal(t[0].every_s, 0);
    assert_int_equal(t[1].every_s, 3 * 3600);
    assert_int_equal(t[3].age_s, 30 * 86400);
    assert_int_equal(pull_parse_schedule("90m:15m, 2d:1h", t, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].age_s, 5400);
    assert_int_equal(t[1].every_s, 3600);
    assert_int_equal(pull_parse_schedule("6h", t, &n, &err), XETL_EX_CONFIG);
    assert_int_equal(pull_parse_schedule("48h:1h,6h:0", t, &n, &err), XETL_EX_CONFIG); /* not increasing */
    assert_int_equal(pull_parse_schedule("6x:0", t, &n, &err), XETL_EX_CONFIG);
    assert_int_equal(pull_parse_schedule("", t, &n, &err), XETL_EX_CONFIG);

    assert_int_equal(pull_parse_schedule("6h:0,48h:3h,7d:12h,30d:24h", t, &n, &err), 0);
    assert_true(pull_due(t, n, 3600, -1));            /* never snapshotted */
    assert_true(pull_due(t, n, 3600, 60));            /* young: every run */
    assert_false(pull_due(t, n, 3600, 0));            /* this as-of already taken */
    assert_false(pull_due(t, n, 24 * 3600, 2 * 3600)); /* 1 day old, 2 h since: not yet */
    assert_true(pull_due(t, n, 24 * 3600, 3 * 3600));
    assert_false(pull_due(t, n, 10 * 86400, 23 * 3600));
    assert_true(pull_due(t, n, 10 * 86400, 24 * 3600));
    assert_true(pull_due(t, n, 40 * 86400, 24 * 3600)); /* beyond the tiers: the last interval */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_rate_limit_wait),
        cmocka_unit_test(test_retryable),
        cmocka_unit_test(test_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
