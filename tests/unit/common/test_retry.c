/* tests/unit/common/test_retry.c — the one retry policy of HTTP and SMTP:
 * what is retried, the backoff with its jitter bounds, and the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/retry.h"

/* What is retried: protocol, transport fault, reply code → verdict. */
static const struct {
    enum retry_proto proto;
    enum retry_fault fault;
    long code;
    bool want;
} cases[] = {
    { RETRY_HTTP, RETRY_FAULT_NONE, 503, true },
    { RETRY_HTTP, RETRY_FAULT_NONE, 500, true },
    { RETRY_HTTP, RETRY_FAULT_NONE, 599, true },
    { RETRY_HTTP, RETRY_FAULT_NONE, 408, true },
    { RETRY_HTTP, RETRY_FAULT_NONE, 400, false },
    { RETRY_HTTP, RETRY_FAULT_NONE, 401, false },
    { RETRY_HTTP, RETRY_FAULT_NONE, 429, false }, /* waited for, not retried */
    { RETRY_HTTP, RETRY_FAULT_NONE, 200, false },
    { RETRY_HTTP, RETRY_FAULT_NONE, 0, false },
    { RETRY_HTTP, RETRY_FAULT_TRANSIENT, 0, true },
    { RETRY_HTTP, RETRY_FAULT_TRANSIENT, 200, true }, /* a truncated 200 */
    { RETRY_HTTP, RETRY_FAULT_PERMANENT, 0, false },
    { RETRY_SMTP, RETRY_FAULT_NONE, 421, true },
    { RETRY_SMTP, RETRY_FAULT_NONE, 451, true },
    { RETRY_SMTP, RETRY_FAULT_NONE, 550, false },
    { RETRY_SMTP, RETRY_FAULT_NONE, 0, false },
    { RETRY_SMTP, RETRY_FAULT_TRANSIENT, 554, false }, /* the reply decides over how the exchange ended */
    { RETRY_SMTP, RETRY_FAULT_PERMANENT, 450, true },
    { RETRY_SMTP, RETRY_FAULT_TRANSIENT, 0, true },
    { RETRY_SMTP, RETRY_FAULT_PERMANENT, 0, false },
    { RETRY_SMTP, RETRY_FAULT_PERMANENT, 250, false },
};

static void test_retryable(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = retry_retryable(cases[i].proto, cases[i].fault, cases[i].code);
        if (got != cases[i].want)
            fail_msg("case %zu: %s fault %d code %ld gave %d", i, cases[i].proto == RETRY_HTTP ? "http" : "smtp",
                     (int)cases[i].fault, cases[i].code, (int)got);
    }
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
        cmocka_unit_test(test_retryable),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
