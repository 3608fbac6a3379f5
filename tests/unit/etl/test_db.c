/*
 * tests/unit/etl/test_db.c — etl/db against the harness's PostgreSQL
 * (PGHOST/PGPORT from tests/run.sh): typed getters and NULLs, the COPY row
 * writer's escaping, streamed rows, named queries and how failures are named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etl/db.h"

static struct db *conn(void)
{
    struct db *db = NULL;
    struct xerr err = { 0 };
    if (db_connect("", &db, &err))
        fail_msg("connect: %s", err.msg);
    return db;
}

static void test_typed_getters(void **state)
{
    (void)state;
    struct db *db = conn();
    struct xerr err = { 0 };
    struct db_res *res = NULL;
    const char *p[] = { "9007199254740993", NULL };
    assert_int_equal(db_query(db,
                              "SELECT $1::bigint AS big, $2::text AS nothing, 0.1::float8 AS x, true AS yes,"
                              " extract(epoch from timestamptz '2026-03-01 12:00:00+00')::bigint AS t",
                              2, p, &res, &err),
                     0);
    assert_int_equal(db_nrows(res), 1);
    assert_int_equal(db_ncols(res), 5);
    assert_int_equal(db_col(res, "yes"), 3);
    assert_int_equal(db_col(res, "absent"), -1);
    assert_string_equal(db_colname(res, 0), "big");
    assert_true(db_get_int64(res, 0, 0, 0) == INT64_C(9007199254740993));
    assert_true(db_get_null(res, 0, 1));
    assert_null(db_get_text(res, 0, 1));
    assert_int_equal(db_get_int64(res, 0, 1, -7), -7);
    assert_true(isnan(db_get_double(res, 0, 1, NAN)));
    assert_true(db_get_double(res, 0, 2, 0) == 0.1);
    assert_true(db_get_bool(res, 0, 3, false));
    assert_true(db_get_epoch(res, 0, 4, 0) == INT64_C(1772366400));
    db_res_free(res);
    db_res_free(NULL);
    db_close(db);
}

/* Every awkward byte goes through COPY and comes back as it was. */
static void test_copy_round_trip(void **state)
{
    (void)state;
    struct db *db = conn();
    struct xerr err = { 0 };
    struct db_copy *c = NULL;
    static const char awkward[] = "tab\there\nnew\\line\r\\N end";
    assert_int_equal(db_cmd(db, "CREATE TEMP TABLE t (s text, n bigint, x float8, b boolean, ts timestamptz)", 0,
                            NULL, NULL, &err),
                     0);
    assert_int_equal(db_copy_open(db, "COPY t FROM STDIN", &c, &err), 0);
    for (int i = 0; i < 3000; i++) { /* more than one chunk */
        if (i % 2)
            db_copy_text(c, awkward);
        else
            db_copy_text(c, NULL);
        db_copy_int64(c, INT64_MIN + i);
        db_copy_double(c, i == 1 ? NAN : 1.0 / 3.0);
        db_copy_bool(c, i % 3 == 0);
        db_copy_time(c, INT64_C(1772366400) + i);
        assert_int_equal(db_copy_end_row(c, &err), 0);
    }
    long rows = 0;
    assert_int_equal(db_copy_close(c, NULL, &rows, &err), 0);
    assert_int_equal(rows, 3000);

    struct db_res *res = NULL;
    assert_int_equal(db_query(db,
                              "SELECT count(*) FILTER (WHERE s = $1), count(*) FILTER (WHERE s IS NULL),"
                              " count(*) FILTER (WHERE x IS NULL), count(*) FILTER (WHERE b),"
                              " min(n)::text, max(extract(epoch from ts))::bigint,"
                              " count(*) FILTER (WHERE x = 1.0 / 3.0) FROM t",
                              1, (const char *const[]){ awkward }, &res, &err),
                     0);
    assert_int_equal(db_get_int64(res, 0, 0, -1), 1500);
    assert_int_equal(db_get_int64(res, 0, 1, -1), 1500);
    assert_int_equal(db_get_int64(res, 0, 2, -1), 1);
    assert_int_equal(db_get_int64(res, 0, 3, -1), 1000);
    assert_string_equal(db_get_text(res, 0, 4), "-9223372036854775808");
    assert_true(db_get_int64(res, 0, 5, 0) == INT64_C(1772366400) + 2999);
    assert_int_equal(db_get_int64(res, 0, 6, -1), 2999); /* 17 digits round-trip exactly */
    db_res_free(res);

    /* An aborted COPY loads nothing and says why. */
    assert_int_equal(db_copy_open(db, "COPY t FROM STDIN", &c, &err), 0);
    db_copy_text(c, "x");
    db_copy_int64(c, 1);
    db_copy_null(c);
    db_copy_null(c);
    db_copy_null(c);
    assert_int_equal(db_copy_end_row(c, &err), 0);
    assert_int_not_equal(db_copy_close(c, "input rejected", NULL, &err), 0);
    assert_non_null(strstr(err.msg, "input rejected"));
    db_close(db);
}

static void test_rows_stream(void **state)
{
    (void)state;
    struct db *db = conn();
    struct xerr err = { 0 };
    struct db_rows *it = NULL;
    const struct db_res *row;
    int64_t sum = 0, n = 0;
    assert_int_equal(db_rows_open(db, "SELECT g FROM generate_series(1, 1000) g", 0, NULL, &it, &err), 0);
    int rc;
    while ((rc = db_rows_next(it, &row, &err)) == 1) {
        sum += db_get_int64(row, 0, 0, 0);
        n++;
    }
    assert_int_equal(rc, 0);
    db_rows_close(it);
    assert_true(n == 1000 && sum == 500500);
    /* Closed early, the connection is usable again. */
    assert_int_equal(db_rows_open(db, "SELECT g FROM generate_series(1, 100000) g", 0, NULL, &it, &err), 0);
    assert_int_equal(db_rows_next(it, &row, &err), 1);
    db_rows_close(it);
    long affected = 0;
    assert_int_equal(db_cmd(db, "SELECT 1", 0, NULL, &affected, &err), 0);
    assert_int_equal(affected, 1);
    db_close(db);
}

static void test_named_queries(void **state)
{
    (void)state;
    struct db *db = conn();
    struct xerr err = { 0 };
    bool exists = false;
    assert_non_null(db_query_text("db/column_exists"));
    assert_null(db_query_text("db/no_such_query"));
    assert_int_equal(db_column_exists(db, "pg_catalog.pg_class", "relname", &exists, &err), 0);
    assert_true(exists);
    assert_int_equal(db_column_exists(db, "pg_catalog.pg_class", "nope", &exists, &err), 0);
    assert_false(exists);

    struct db_res *res = NULL;
    assert_int_equal(db_query(db, "db/no_such_query", 0, NULL, &res, &err), 70);
    assert_null(res);
    assert_non_null(strstr(err.msg, "db/no_such_query"));
    /* A failing named statement is reported by its name, the file to open. */
    assert_int_equal(db_query(db, "db/column_exists", 2, (const char *const[]){ "pg_class", NULL }, &res, &err),
                     0);
    db_res_free(res);
    assert_int_equal(db_cmd(db, "BEGIN", 0, NULL, NULL, &err), 0);
    assert_int_equal(db_cmd(db, "ROLLBACK", 0, NULL, NULL, &err), 0);
    assert_int_equal(db_cmd(db, "SELECT 1/0 AS broken", 0, NULL, NULL, &err), 70);
    assert_non_null(strstr(err.msg, "division by zero"));
    assert_non_null(strstr(err.msg, "SELECT 1/0 AS broken"));
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typed_getters),
        cmocka_unit_test(test_copy_round_trip),
        cmocka_unit_test(test_rows_stream),
        cmocka_unit_test(test_named_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
