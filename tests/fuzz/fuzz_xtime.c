/*
 * fuzz_xtime — date, time and range parsing (common/xtime.c).  The input is
 * "FROM\nTO": each parsed alone, then as a --from/--to range.  Invariants: a
 * parsed instant formats and parses back to itself; a range, when accepted,
 * has from < to.
 */
#include <string.h>

#include "common/xtime.h"
#include "tests/fuzz/fuzz.h"

static void one(const char *s)
{
    int64_t t, back;
    bool date_only, d2;
    char buf[64];
    if (xtime_parse(s, &t, &date_only) != 0)
        return;
    xtime_format(t, buf, sizeof buf);
    if (xtime_parse(buf, &back, &d2) == 0)
        FUZZ_CHECK(back == t);
    xtime_format_date(t, buf, sizeof buf);
    FUZZ_CHECK(xtime_day_start(t) <= t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char *to = strchr(s, '\n');
    if (to)
        *to++ = '\0';
    one(s);
    if (to)
        one(to);
    struct xrange r;
    char msg[256];
    int64_t as_of = 1764000000; /* 2025-11-24T16:00:00Z */
    if (xrange_from_args(s[0] ? s : NULL, to && to[0] ? to : NULL, as_of, 7, &r, msg, sizeof msg) == 0)
        FUZZ_CHECK(r.from < r.to);
    free(s);
    return 0;
}
