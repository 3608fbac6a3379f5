/* tests/unit/common/test_retry.c — the one retry policy of HTTP and SMTP:
 * what is retried, the backoff with its jitter bounds, and the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/retry.h"

static void test_http(void **state)
{
    (void)state;
    assert_true(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 503));
    assert_true(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 500));
    assert_true(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 599));
    assert_true(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 408));
    assert_false(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 400));
    assert_false(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 401));
    assert_false(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 429)); /* waited for, not retried */
    assert_false(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 200));
    assert_false(retry_retryable(RETRY_HTTP, RETRY_FAULT_NONE, 0));
    assert_true(retry_retryable(RETRY_HTTP, RETRY_FAULT_TRANSIENT, 0));
    assert_true(retry_retryable(RETRY_HTTP, RETRY_FAULT_TRANSIENT, 200)); /* truncated 200 */
    assert_false(retry_retryable(RETRY_HTTP, RETRY_FAULT_PERMANENT, 0));
}

static void test_smtp(void **state)
{
    (void)state;
    assert_true(retry_retryable(RETRY_SMTP, RETRY_FAULT_NONE, 421));
    assert_true(retry_retryable(RETRY_SMTP, RETRY_FAULT_NONE, 451));
    assert_false(retry_retryable(RETRY_SMTP, RETRY_FAULT_NONE, 550));
    assert_false(retry_retryable(RETRY_SMTP, RETRY_FAULT_NONE, 0));
    /* The reply decides over the way the exchange ended. */
    assert_false(retry_retryable(RETRY_SMTP, RETRY_FAULT_TRANSIENT, 554));
    assert_true(retry_retryable(RETRY_SMTP, RETRY_FAULT_PERMANENT, 450));
    assert_true(retry_retryable(RETRY_SMTP, RETRY_FAULT_TRANSIENT, 0));
    assert_false(retry_retryable(RETRY_SMTP, RETRY_FAULT_PERMANENT, 0));
    assert_false(retry_retryable(RETRY_SMTP, RETRY_FAULT_PERMANENT, 250));
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(retry_backoff_ms(500, 1, 0), 250);
    assert_int_equal(retry_backoff_ms(500, 1, 0x80000000u), 500);
    assert_int_equal(retry_backoff_ms(500, 2, 0x80000000u), 1000);
    assert_int_equal(retry_backoff_ms(500, 4, 0x80000000u), 4000);
    assert_true(retry_backoff_ms(500, 1, 0xFFFFFFFFu) < 750);
    assert_true(retry_backoff_ms(500, 1, 0xFFFFFFFFu) >= 749);
    assert_int_equal(retry_backoff_ms(500, 40, 0xFFFFFFFFu), RETRY_CAP_MS);
    assert_int_equal(retry_backoff_ms(0, 1, 0x80000000u), 1);
    for (int a = 1; a < 20; a++)
        assert_true(retry_backoff_ms(100, a, 12345u) <= retry_backoff_ms(100, a + 1, 12345u));
}

static void test_policy(void **state)
{
    struct retry a, b;
    (void)state;
    retry_init(&a, 3, 1000, 42);
    retry_init(&b, 3, 1000, 42);
    assert_true(retry_allowed(&a, 1));
    assert_true(retry_allowed(&a, 3));
    assert_false(retry_allowed(&a, 4));
    bool varied = false;
    long first = -1;
    for (int i = 1; i <= 200; i++) {
        long d = retry_delay_ms(&a, 1);
        assert_int_equal(d, retry_delay_ms(&b, 1)); /* the same seed draws the same jitter */
        assert_true(d >= 500 && d < 1500);
        if (first >= 0 && d != first)
            varied = true;
        first = d;
    }
    assert_true(varied);
    for (int i = 0; i < 50; i++) {
        long d = retry_delay_ms(&a, 3);
        assert_true(d >= 2000 && d < 6000);
    }
    retry_init(&a, 0, 1000, 0);
    assert_false(retry_allowed(&a, 1));
    assert_true(retry_delay_ms(&a, 1) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http),
        cmocka_unit_test(test_smtp),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
