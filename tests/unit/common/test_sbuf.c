/* tests/unit/common/test_sbuf.c — common/sbuf: growth, detach, escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/sbuf.h"

static void test_sbuf_escapes(void **state)
{
    (void)state;
    struct sbuf sb = SBUF_INIT;
    sbuf_init(&sb);
    for (int i = 0; i < 1000; i++)
        sbuf_addf(&sb, "%d,", i);
    assert_int_equal(sb.len, strlen(sb.buf));
    char *s = sbuf_detach(&sb);
    assert_int_equal(strncmp(s, "0,1,2,", 6), 0);
    free(s);
    assert_int_equal(sb.len, 0);
    sbuf_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sbuf_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
