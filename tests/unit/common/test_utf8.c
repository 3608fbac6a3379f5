/* tests/unit/common/test_utf8.c — the one UTF-8 validator and what is built on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/sbuf.h"
#include "common/utf8.h"

static void test_valid(void **state)
{
    (void)state;
    assert_true(utf8_valid("plain", 5));
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid("\xF0\x9F\x9A\x80 \xE6\x97\xA5 \xD9\x85", 11));
    assert_true(utf8_valid("\xF4\x8F\xBF\xBF", 4));      /* U+10FFFF */
    assert_false(utf8_valid("\xFF", 1));
    assert_false(utf8_valid("\xC3", 1));                 /* cut short */
    assert_false(utf8_valid("\xE6\x97", 2));             /* cut short */
    assert_false(utf8_valid("\xC0\xAF", 2));             /* overlong */
    assert_false(utf8_valid("\xE0\x80\xAF", 3));         /* overlong */
    assert_false(utf8_valid("\xED\xA0\x80", 3));         /* surrogate */
    assert_false(utf8_valid("\xF4\x90\x80\x80", 4));     /* past U+10FFFF */
    assert_false(utf8_valid("a\0b", 3));                 /* a NUL byte */
    assert_false(utf8_valid("\x80", 1));                 /* a lone continuation */
    assert_false(utf8_valid("\xC3\x28", 2));             /* lead without continuation */
}

static void test_seq_len(void **state)
{
    (void)state;
    assert_int_equal(utf8_seq_len("a", 1), 1);
    assert_int_equal(utf8_seq_len("\xC3\xA9", 2), 2);
    assert_int_equal(utf8_seq_len("\xE6\x97\xA5", 3), 3);
    assert_int_equal(utf8_seq_len("\xF0\x9F\x9A\x80", 4), 4);
    assert_int_equal(utf8_seq_len("\xF0\x9F\x9A\x80", 3), 0); /* not all there */
    assert_int_equal(utf8_seq_len("", 1), 0);
    assert_int_equal(utf8_seq_len("x", 0), 0);
}

static void test_scrubbed_copy(void **state)
{
    (void)state;
    struct sbuf sb;
    sbuf_init(&sb);
    utf8_add_scrubbed(&sb, "a\xFF" "b\xC3\xA9\xC3", 6);
    assert_string_equal(sb.buf, "a?b\xC3\xA9?");
    sbuf_reset(&sb);
    utf8_add_scrubbed(&sb, "x\0y", 3); /* a NUL cannot be stored either */
    assert_int_equal(sb.len, 3);
    assert_memory_equal(sb.buf, "x?y", 3);
    sbuf_release(&sb);
}

static void test_scrub_in_place(void **state)
{
    (void)state;
    char a[] = "ok \xC3\xA9 \xFF end";
    utf8_scrub(a);
    assert_string_equal(a, "ok \xC3\xA9 ? end");
    char b[] = "cut \xE6\x97"; /* "%.5s" cut a character in half: the tail goes */
    utf8_scrub(b);
    assert_string_equal(b, "cut ");
    char c[] = "\xE6\x41\x42"; /* a lead byte followed by ASCII is no cut: it becomes '?' */
    utf8_scrub(c);
    assert_string_equal(c, "?AB");
    char d[] = "\xED\xA0\x80!";
    utf8_scrub(d);
    assert_string_equal(d, "??" "?!");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_seq_len),
        cmocka_unit_test(test_scrubbed_copy),
        cmocka_unit_test(test_scrub_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
