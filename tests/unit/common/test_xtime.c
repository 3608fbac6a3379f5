/* tests/unit/common/test_xtime.c — common/xtime: timestamps parsed and formatted, ranges from --from/--to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/xtime.h"

static int64_t parse(const char *s)
{
    int64_t t = -1;
    bool d;
    assert_int_equal(xtime_parse(s, &t, &d), 0);
    return t;
}

static void test_xtime_formats(void **state)
{
    (void)state;
    /* 2019-05-01 14:03 UTC = 1556719380 */
    assert_int_equal(parse("2019-05-01 14:03 +0000"), 1556719380);
    assert_int_equal(parse("2019-05-01T14:03:00Z"), 1556719380);
    assert_int_equal(parse("2019-05-01T14:03:00.000Z"), 1556719380);
    assert_int_equal(parse("2019-05-01T16:03:00+02:00"), 1556719380);
    assert_int_equal(parse("2019-05-01T09:03:00-0500"), 1556719380);
    assert_int_equal(parse("2019-05-01 14:03"), 1556719380);
    assert_int_equal(parse("2026-03-02T06:28:26.000Z"), 1772432906);
    bool d = false;
    int64_t t;
    assert_int_equal(xtime_parse("2024-02-29", &t, &d), 0);
    assert_true(d);
    assert_int_equal(t, 1709164800);
}

static void test_xtime_rejects(void **state)
{
    (void)state;
    int64_t t;
    bool d;
    const char *bad[] = { "", "2026-13-01", "2026-02-30", "2025-02-29", "2026-1-1", "yesterday",
                          "2026-01-01T25:00", "2026-01-01T10:00+25", "2026-01-01 10:00 junk", "1969-12-31" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(xtime_parse(bad[i], &t, &d), -1);
}

static void test_xtime_format_roundtrip(void **state)
{
    (void)state;
    char buf[40];
    xtime_format(1556719380, buf, sizeof buf);
    assert_string_equal(buf, "2019-05-01T14:03:00Z");
    xtime_format_date(1556719380, buf, sizeof buf);
    assert_string_equal(buf, "2019-05-01");
    assert_int_equal(xtime_day_start(1556719380), 1556668800);
}

static void test_ranges(void **state)
{
    (void)state;
    struct xrange r;
    char msg[200];
    int64_t asof = parse("2026-11-25T03:00:00Z");
    /* Default: the last 7 whole days before as-of's day. */
    assert_int_equal(xrange_from_args(NULL, NULL, asof, 7, &r, msg, sizeof msg), 0);
    assert_int_equal(r.from, parse("2026-11-18"));
    assert_int_equal(r.to, parse("2026-11-25"));
    /* Dates are inclusive at both ends. */
    assert_int_equal(xrange_from_args("2026-11-01", "2026-11-03", asof, 7, &r, msg, sizeof msg), 0);
    assert_int_equal(r.from, parse("2026-11-01"));
    assert_int_equal(r.to, parse("2026-11-04"));
    /* --to alone: default_days days ending with it. */
    assert_int_equal(xrange_from_args(NULL, "2026-11-03", asof, 3, &r, msg, sizeof msg), 0);
    assert_int_equal(r.from, parse("2026-11-01"));
    assert_int_equal(xrange_from_args("2026-11-05", "2026-11-03", asof, 7, &r, msg, sizeof msg), -1);
    assert_string_equal(msg, "empty range: --from '2026-11-05' is after --to '2026-11-03'");
    /* The same day at both ends is one day, not an empty range. */
    assert_int_equal(xrange_from_args("2026-11-03", "2026-11-03", asof, 7, &r, msg, sizeof msg), 0);
    assert_int_equal(r.to - r.from, 86400);
    /* Without --to the range ends at the as-of day. */
    assert_int_equal(xrange_from_args("2026-11-25", NULL, asof, 7, &r, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "is not before the as-of day"));
    assert_int_equal(xrange_from_args("2026-11-05x", NULL, asof, 7, &r, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "invalid --from"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xtime_formats),
        cmocka_unit_test(test_xtime_rejects),
        cmocka_unit_test(test_xtime_format_roundtrip),
        cmocka_unit_test(test_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
