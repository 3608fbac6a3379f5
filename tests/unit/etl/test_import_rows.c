/* tests/unit/etl/test_import_rows.c — record validation without a server (no COPY). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etl/csv_in.h"
#include "etl/import_cols.h"
#include "etl/import_rows.h"

struct outcome {
    long staged, rejects;
    int64_t max_t;
};

/* Runs every data record of csv through import_rows with no COPY (as import_check_stream does). */
static struct outcome run(const char *csv, bool as_of_given, int64_t as_of)
{
    FILE *f = fmemopen((void *)csv, strlen(csv), "rb");
    struct csv_in *in = csv_in_from_stream(f);
    const struct csv_record *rec;
    struct xerr err = { 0 };
    struct colmap m = { 0 };
    struct import_rows R;
    struct outcome o;

    assert_int_equal(csv_in_next(in, &rec, &err), 0);
    assert_non_null(rec);
    colmap_build(&m, rec->fields, rec->nfields);
    import_rows_init(&R);
    R.map = &m;
    R.format = colmap_format(&m, rec->fields);
    R.as_of_given = as_of_given;
    R.as_of = as_of;
    R.in = in;
    while (csv_in_next(in, &rec, &err) == 0 && rec)
        assert_int_equal(import_rows_take(&R, rec, &err), 0);
    o.staged = R.staged;
    o.rejects = R.rejects;
    o.max_t = R.any_t ? R.max_t : -1;
    import_rows_release(&R);
    colmap_release(&m);
    csv_in_close(in);
    fclose(f);
    return o;
}

static void test_values(void **state)
{
    (void)state;
    struct outcome o = run("Tweet id,time,impressions,engagement rate,likes\n"
                           "1,2019-05-01 14:03 +0000,\"1,200\",1.5%,3\n"
                           "2,2019-05-02T10:00:00Z,-,0.01,-\n"
                           "3,2019-05-03 10:00 +0000,-5,0.01,1\n"      /* negative count */
                           "4,2019-05-03 10:00 +0000,5,lots,1\n"       /* not a rate */
                           "5,someday,5,0.1,1\n"                       /* not a time */
                           "1.5E+18,2019-05-03 10:00 +0000,5,0.1,1\n"  /* an id as a spreadsheet wrote it */
                           "7,2019-05-03 10:00 +0000,5\n",             /* too few fields */
                           false, 0);
    assert_int_equal(o.staged, 2);
    assert_int_equal(o.rejects, 5);
    assert_int_equal(o.max_t, 1556791200); /* 2019-05-02T10:00Z */
}

static void test_as_of(void **state)
{
    (void)state;
    const char *csv = "Tweet id,time,likes\n1,2019-05-01 10:00 +0000,1\n2,2019-05-03 10:00 +0000,1\n";
    struct outcome o = run(csv, true, 1556791200); /* 2019-05-02T10:00Z: the second is later */
    assert_int_equal(o.staged, 1);
    assert_int_equal(o.rejects, 1);
    o = run(csv, false, 0);
    assert_int_equal(o.staged, 2);
}

static void test_overview(void **state)
{
    (void)state;
    /* The overview has no post ids and is never refused for being after the as-of. */
    struct outcome o = run("Date,New follows,Unfollows,Impressions\n"
                           "\"Sat, Nov 23, 2024\",3,1,100\n2024-11-24,-,0,50\n2024-11-25,x,0,1\n",
                           true, 0);
    assert_int_equal(o.staged, 2);
    assert_int_equal(o.rejects, 1);
    assert_int_equal(o.max_t, 1732406400); /* 2024-11-24 */
}

static void test_bad_utf8_and_extra_fields(void **state)
{
    (void)state;
    struct outcome o = run("Tweet id,time,likes,note\n"
                           "1,2019-05-01 10:00 +0000,1,caf\xC3\n"      /* cut character */
                           "2,2019-05-01 10:00 +0000,1,ok,,\n"         /* empty extra fields: fine */
                           "3,2019-05-01 10:00 +0000,1,ok,more\n",     /* a value past the header */
                           false, 0);
    assert_int_equal(o.staged, 1);
    assert_int_equal(o.rejects, 2);
}

static void test_copy_sql(void **state)
{
    (void)state;
    assert_string_equal(import_rows_copy_sql(IMPORT_OVERVIEW), "COPY import_days FROM STDIN");
    assert_string_equal(import_rows_copy_sql(IMPORT_CONTENT), "COPY import_stage FROM STDIN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_as_of),
        cmocka_unit_test(test_overview),
        cmocka_unit_test(test_bad_utf8_and_extra_fields),
        cmocka_unit_test(test_copy_sql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
