/* tests/unit/etl/test_import.c — import_check_stream's counts for corrupt files (no server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etl/import.h"

/* Rows read = would load + rejected, for each way a file can be corrupt. */
static void test_check_stream_counts(void **state)
{
    (void)state;
#define H "Tweet id,Tweet text,time,impressions,likes\n"
#define T ",2019-06-01 10:00 +0000,100,"
    static const struct {
        const char *data;
        size_t len;
        int rc;
        long records, loaded, rejects;
    } cases[] = {
        { H "1" ",ok" T "5\n2,ok" T "6\n", 0, 0, 2, 2, 0 },
        /* a stray quote pair, a quote in an unquoted field, an unterminated quote */
        { H "1,\"a \"q\" w" T "5\n2,ok" T "6\n3,ok" T "7\n", 0, 65, 3, 2, 1 },
        { H "1,a\"b" T "5\n2,ok" T "6\n", 0, 65, 2, 1, 1 },
        { H "1,\"open" T "5\n2,ok" T "6\n3,ok" T "7\n", 0, 65, 3, 2, 1 },
        /* two stray quotes pairing up around a row of its own */
        { H "1,\"s" T "5\n2,x" T "6\n3,e\"" T "7\n4,y" T "8\n", 0, 65, 4, 2, 2 },
        /* NUL bytes in an id and in a count (sizes given: the data holds NULs) */
        { H "13\0" "02,t" T "1\n14,t" T "5\0" "9\n15,t" T "3\n",
          sizeof H "13\0" "02,t" T "1\n14,t" T "5\0" "9\n15,t" T "3\n" - 1, 65, 3, 1, 2 },
        /* a header name that is not UTF-8 */
        { "Tweet id,Tweet text,time,impr\377ssions,likes\n1,t" T "1\n", 0, 65, 0, 0, 1 },
    };
#undef H
#undef T
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].data);
        FILE *f = fmemopen((void *)cases[i].data, len, "rb");
        struct import_result res;
        struct xerr err = { 0 };
        assert_non_null(f);
        assert_int_equal(import_check_stream(f, &res, &err), cases[i].rc);
        assert_int_equal(res.records, cases[i].records);
        assert_int_equal(res.loaded, cases[i].loaded);
        assert_int_equal(res.rejects, cases[i].rejects);
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_stream_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
