/* tests/unit/etl/test_import_parse.c — import's cell values and file-name ranges (no server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etl/import_parse.h"

static void count_ok(const char *s, long want)
{
    long v = -1;
    bool have = false;
    const char *why = import_parse_count(s, &v, &have);
    if (why)
        fail_msg("'%s': %s", s, why);
    assert_true(have);
    assert_int_equal(v, want);
}

static void count_none(const char *s)
{
    long v = -1;
    bool have = true;
    assert_null(import_parse_count(s, &v, &have));
    assert_false(have);
}

static void count_bad(const char *s, const char *reason)
{
    long v;
    bool have;
    const char *why = import_parse_count(s, &v, &have);
    assert_non_null(why);
    assert_string_equal(why, reason);
    assert_false(have);
}

static void test_counts(void **state)
{
    (void)state;
    count_ok("0", 0);
    count_ok("1234", 1234);
    count_ok("1,234", 1234);
    count_ok("12,345,678", 12345678);
    count_ok("1 500", 1500);
    count_ok(" 42 ", 42);
    count_ok("12.0", 12);
    count_ok("+7", 7);
    count_ok("2147483647", 2147483647L);
    count_none("");
    count_none("-");
    count_none("  ");
    count_bad("-5", "negative count");
    count_bad("lots", "not a number");
    count_bad("12a", "not a number");
    count_bad("1,23", "not a number");     /* a European decimal, not a thousands group */
    count_bad("1,2345", "not a number");
    count_bad("1234,567", "not a number");
    count_bad(",123", "not a number");
    count_bad("1,234 567", "not a number"); /* mixed separators */
    count_bad("12.5", "not a whole number");
    count_bad("2147483648", "number out of range");
    count_bad("99999999999999999999999", "number out of range");
}

static void test_rates(void **state)
{
    (void)state;
    double v;
    bool have;
    assert_null(import_parse_rate("0.0453808752", &v, &have));
    assert_true(have);
    assert_true(v == 0.0453808752);
    assert_null(import_parse_rate("3.2%", &v, &have));
    assert_true(have);
    assert_true(fabs(v - 0.032) < 1e-15);
    assert_null(import_parse_rate("2.5 %", &v, &have));
    assert_true(fabs(v - 0.025) < 1e-15);
    assert_null(import_parse_rate("0%", &v, &have));
    assert_true(have);
    assert_true(v == 0.0);
    assert_null(import_parse_rate("-", &v, &have));
    assert_false(have);
    assert_null(import_parse_rate("", &v, &have));
    assert_false(have);
    assert_string_equal(import_parse_rate("-0.1", &v, &have), "negative rate");
    assert_string_equal(import_parse_rate("high", &v, &have), "not a rate");
    assert_string_equal(import_parse_rate("nan", &v, &have), "not a rate");
    assert_string_equal(import_parse_rate("1e999", &v, &have), "not a rate");
    assert_string_equal(import_parse_rate("%", &v, &have), "not a rate");
}

static void test_times(void **state)
{
    (void)state;
    int64_t t;
    bool d;
    assert_null(import_parse_time("2019-05-01 14:03 +0000", &t, &d));
    assert_int_equal(t, 1556719380);
    assert_false(d);
    assert_null(import_parse_time("2019-05-01T14:03:00Z", &t, &d));
    assert_int_equal(t, 1556719380);
    assert_null(import_parse_time("2019-05-01T16:03:00.000+02:00", &t, &d));
    assert_int_equal(t, 1556719380);
    assert_null(import_parse_time("2024-11-23", &t, &d));
    assert_int_equal(t, 1732320000);
    assert_true(d);
    assert_null(import_parse_time("Sat, Nov 23, 2024", &t, &d));
    assert_int_equal(t, 1732320000);
    assert_true(d);
    assert_null(import_parse_time("Nov 23, 2024", &t, &d));
    assert_int_equal(t, 1732320000);
    assert_string_equal(import_parse_time("2019-02-30 10:00 +0000", &t, &d), "impossible date or time");
    assert_string_equal(import_parse_time("2019-05-01 25:00 +0000", &t, &d), "impossible date or time");
    assert_string_equal(import_parse_time("yesterday", &t, &d), "not a time");
    assert_string_equal(import_parse_time("Foo 23, 2024", &t, &d), "not a time");
    assert_string_equal(import_parse_time("-", &t, &d), "missing time");
    assert_string_equal(import_parse_time("", &t, &d), "missing time");
}

static void test_trim_and_no_value(void **state)
{
    (void)state;
    size_t n;
    const char *s = import_trim(" \t42 \t", &n);
    assert_int_equal(n, 2);
    assert_memory_equal(s, "42", 2);
    assert_true(import_no_value("", 0));
    assert_true(import_no_value("-", 1));
    assert_true(import_no_value("\xe2\x80\x94", 3)); /* em dash */
    assert_false(import_no_value("0", 1));
    assert_false(import_no_value("--", 2));
}

static void test_name_range(void **state)
{
    (void)state;
    int64_t end = 0;
    assert_true(import_name_range_end("/x/tweet_activity_metrics_bot_20190501_20190531_en.csv", &end));
    assert_int_equal(end, 1559347200); /* 2019-06-01T00:00Z */
    assert_true(import_name_range_end("account_analytics_content_2024-11-01_2024-11-30.csv", &end));
    assert_int_equal(end, 1733011200); /* 2024-12-01T00:00Z */
    assert_false(import_name_range_end("export.csv", &end));
    assert_false(import_name_range_end("x_20190531_20190501.csv", &end)); /* reversed */
    assert_false(import_name_range_end("x_20190230_20190301.csv", &end)); /* impossible */
    assert_false(import_name_range_end("/data_20190501_20190531/export.csv", &end)); /* directory only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_trim_and_no_value),
        cmocka_unit_test(test_name_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
