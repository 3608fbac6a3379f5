/* tests/unit/etl/test_import.c — import's value parsing, format detection, file-name ranges. */
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

static void test_ids_and_utf8(void **state)
{
    (void)state;
    assert_true(import_valid_id("1123456789012345678"));
    assert_true(import_valid_id("18446744073709551615"));
    assert_false(import_valid_id("184467440737095516150"));
    assert_false(import_valid_id("1.12345678901235E+18"));
    assert_false(import_valid_id(""));
    assert_true(import_utf8_valid("plain", 5));
    assert_true(import_utf8_valid("\xF0\x9F\x9A\x80 \xE6\x97\xA5 \xD9\x85", 11));
    assert_false(import_utf8_valid("\xFF", 1));
    assert_false(import_utf8_valid("\xC3", 1));             /* cut short */
    assert_false(import_utf8_valid("\xC0\xAF", 2));         /* overlong */
    assert_false(import_utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
    assert_false(import_utf8_valid("\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
}

static enum import_format detect(const char *csv_header)
{
    char buf[1024], *fields[64];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", csv_header);
    for (char *p = strtok(buf, ","); p && n < 64; p = strtok(NULL, ","))
        fields[n++] = p;
    return import_detect(fields, n);
}

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(detect("Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,engagement rate,"
                            "retweets,replies,likes,user profile clicks,url clicks,hashtag clicks,detail expands,"
                            "permalink clicks,app opens,app installs,follows,email tweet,dial phone,media views,"
                            "media engagements"),
                     IMPORT_TWEET_ACTIVITY);
    assert_int_equal(detect("TWEET ID,TIME,IMPRESSIONS"), IMPORT_TWEET_ACTIVITY);
    assert_int_equal(detect("Post id,Date,Post text,Post Link,Impressions,Likes,Engagements,Bookmarks,Shares,"
                            "New follows,Replies,Reposts,Profile visits,Detail Expands,URL Clicks"),
                     IMPORT_CONTENT);
    assert_int_equal(detect("Impressions,post_id,  Date ,Whatever"), IMPORT_CONTENT); /* any order */
    assert_int_equal(detect("Date,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Unfollows,"
                            "Replies,Reposts,Profile visits,Create Post,Video views,Media views"),
                     IMPORT_OVERVIEW);
    assert_int_equal(detect("name,age"), IMPORT_UNKNOWN);
    assert_int_equal(detect("Post id,Impressions"), IMPORT_UNKNOWN); /* no time */
    assert_int_equal(detect("Post id,Date"), IMPORT_UNKNOWN);        /* no metric */
    assert_string_equal(import_format_name(IMPORT_OVERVIEW), "account overview");
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
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_check_stream_counts),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_ids_and_utf8),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_name_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
