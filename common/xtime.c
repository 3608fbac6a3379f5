/* common/xtime.c — see xtime.h. */
#include "common/xtime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int xtime_parse(const char *s, int64_t *out, bool *date_only)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    const char *p = s;

    while (*p == ' ')
        p++;
    if (digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) || p[7] != '-' ||
        digits(p + 8, 2, &d))
        return -1;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return -1;
    p += 10;
    int64_t t = days_from_civil(y, mo, d) * XTIME_DAY;
    while (*p == ' ' && p[1] == '\0')
        p++;
    if (*p == '\0') {
        if (date_only)
            *date_only = true;
        *out = t;
        return 0;
    }
    if (*p != 'T' && *p != ' ')
        return -1;
    p++;
    if (digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &mi))
        return -1;
    p += 5;
    if (*p == ':') {
        if (digits(p + 1, 2, &sec))
            return -1;
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            while (isdigit((unsigned char)*p))
                p++;
        }
    }
    if (h > 23 || mi > 59 || sec > 60)
        return -1;
    t += h * 3600 + mi * 60 + sec;
    while (*p == ' ')
        p++;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (digits(p, 2, &oh))
            return -1;
        p += 2;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)*p)) {
            if (digits(p, 2, &om))
                return -1;
            p += 2;
        }
        if (oh > 14 || om > 59)
            return -1;
        t -= sign * (oh * 3600 + om * 60);
    } else if (strncmp(p, "UTC", 3) == 0) {
        p += 3;
    }
    while (*p == ' ')
        p++;
    if (*p != '\0')
        return -1;
    if (date_only)
        *date_only = false;
    *out = t;
    return 0;
}

void xtime_format(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void xtime_format_date(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, n, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t xtime_day_start(int64_t t)
{
    int64_t d = t / XTIME_DAY;
    if (t < 0 && t % XTIME_DAY)
        d--;
    return d * XTIME_DAY;
}

int xrange_from_args(const char *from, const char *to, int64_t as_of, int default_days,
                     struct xrange *r, char *msg, size_t msglen)
{
    bool date_only = false;
    int64_t t;

    if (to) {
        if (xtime_parse(to, &t, &date_only)) {
            snprintf(msg, msglen, "invalid --to '%s': expected YYYY-MM-DD or an ISO 8601 timestamp", to);
            return -1;
        }
        r->to = date_only ? t + XTIME_DAY : t + 1;
    } else {
        r->to = xtime_day_start(as_of);
    }
    if (from) {
        if (xtime_parse(from, &t, &date_only)) {
            snprintf(msg, msglen, "invalid --from '%s': expected YYYY-MM-DD or an ISO 8601 timestamp", from);
            return -1;
        }
        r->from = t;
    } else {
        r->from = xtime_day_start(r->to - 1) - (int64_t)(default_days - 1) * XTIME_DAY;
    }
    if (r->from >= r->to) {
        /* TO is inclusive, so only a FROM after it (or, without --to, on or after
         * the as-of day, where the default range ends) leaves nothing. */
        if (to)
            snprintf(msg, msglen, "empty range: --from '%s' is after --to '%s'", from ? from : "", to);
        else
            snprintf(msg, msglen, "empty range: --from '%s' is not before the as-of day, where the range ends "
                                  "without --to", from ? from : "");
        return -1;
    }
    return 0;
}
