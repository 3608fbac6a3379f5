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

/* sbuf_addf formats into the room left when the text fits, and grows (a
 * second pass) when it does not: the same text either way. */
static void test_sbuf_addf_room(void **state)
{
    (void)state;
    struct sbuf sb;
    sbuf_init(&sb);
    sbuf_adds(&sb, "ab");                   /* room left: 64 - 3 */
    sbuf_addf(&sb, "%s-%d", "x", 42);       /* fits */
    assert_string_equal(sb.buf, "abx-42");
    char big[200];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sbuf_addf(&sb, "[%s]", big);            /* does not fit: grows, written again */
    assert_int_equal(sb.len, 6 + 2 + 199);
    assert_int_equal(sb.len, strlen(sb.buf));
    assert_int_equal(sb.buf[6], '[');
    assert_int_equal(sb.buf[sb.len - 1], ']');
    sbuf_reset(&sb);
    sbuf_addf(&sb, "%.10g", 0.1);           /* after a reset: into the kept buffer */
    assert_string_equal(sb.buf, "0.1");
    sbuf_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sbuf_escapes),
        cmocka_unit_test(test_sbuf_addf_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
