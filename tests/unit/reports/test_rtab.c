/*
 * tests/unit/reports/test_rtab.c — a gathered report table without a
 * server: columns found by name, cells copied, values per column counted,
 * and the rows read back in order through the reader the writers use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reports/rtab.h"

static const struct rcol cols[] = {
    { "day", "Day", RC_DATE, 11 },
    { "followers_change", "Change", RC_INT, 11 },
};

static void test_rows(void **state)
{
    struct rtab t;
    struct rtab_rows rows;
    struct xerr err = { 0 };
    char buf[16];
    (void)state;
    rtab_init(&t, cols, 2);
    assert_int_equal(rtab_col(&t, "followers_change"), 1);
    assert_int_equal(rtab_col(&t, "day"), 0);
    assert_int_equal(rtab_col(&t, "nope"), -1);
    assert_int_equal(rcol_index(cols, 2, "followers_change"), 1);
    for (int i = 0; i < 40; i++) { /* past the first allocation */
        snprintf(buf, sizeof buf, "%d", i);
        const char *v[] = { "2026-11-18", i % 2 ? buf : NULL };
        rtab_add_row(&t, v);
    }
    buf[0] = 'x'; /* the table holds copies */
    assert_int_equal(t.nrows, 40);
    assert_int_equal(t.nonnull[0], 40);
    assert_int_equal(t.nonnull[1], 20);
    assert_string_equal(rtab_cell(&t, 39, 1), "39");
    assert_null(rtab_cell(&t, 38, 1));
    assert_int_equal(rtab_rows_open(&rows, &t, &err), 0);
    int n = 0;
    while (rtab_rows_next(&rows, &err) == 1) {
        assert_string_equal(rows.vals[0], "2026-11-18");
        n++;
    }
    rtab_rows_close(&rows);
    assert_int_equal(n, 40);
    rtab_release(&t);
    assert_int_equal(t.nrows, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
