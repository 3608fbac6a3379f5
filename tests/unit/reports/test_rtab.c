/*
 * tests/unit/reports/test_rtab.c — a gathered report table without a
 * server: columns found by name, cells copied, values per column counted,
 * and the rows read back in order through the reader the writers use; and a
 * streamed one against the harness's PostgreSQL (PGHOST from tests/run.sh),
 * counted by a separate counts statement (t_report.sh covers the count over
 * a named query).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etl/db.h"
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

/* Reads every row of a streamed table; returns how many, checking the second column's values. */
static int read_stream(const struct rtab *t)
{
    struct rtab_rows rows;
    struct xerr err = { 0 };
    int n = 0;
    assert_int_equal(rtab_rows_open(&rows, t, &err), 0);
    while (rtab_rows_next(&rows, &err) == 1) {
        assert_string_equal(rows.vals[0], "2026-11-18");
        if (n % 2)
            assert_non_null(rows.vals[1]);
        else
            assert_null(rows.vals[1]);
        n++;
    }
    rtab_rows_close(&rows);
    return n;
}

static void test_streamed(void **state)
{
    static const char q[] = "SELECT '2026-11-18' AS day, CASE WHEN g % 2 = 1 THEN g END AS followers_change"
                            " FROM generate_series(0, $1::int - 1) g\nORDER BY g";
    const char *p[] = { "7" };
    struct db *db = NULL;
    struct rtab t;
    struct xerr err = { 0 };
    (void)state;
    if (db_connect("", &db, &err))
        fail_msg("connect: %s", err.msg);
    /* Counted by a statement of its own: what it says is what the writers are told. */
    rtab_init(&t, cols, 2);
    assert_int_equal(rtab_stream_counted(db, q, "SELECT 7, 7, 3", 1, p, &t, &err), 0);
    assert_int_equal(t.nrows, 7);
    assert_int_equal(t.nonnull[1], 3);
    assert_int_equal(read_stream(&t), 7);
    rtab_release(&t);
    /* A counts statement of the wrong shape is refused, naming the table's statement. */
    rtab_init(&t, cols, 2);
    assert_int_equal(rtab_stream_counted(db, q, "SELECT 7, 7", 1, p, &t, &err), XETL_EX_SOFTWARE);
    assert_non_null(strstr(err.msg, "returned 2 columns, expected 3"));
    rtab_release(&t);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_streamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
