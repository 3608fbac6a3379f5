/* etl/import_parse.c — see import_parse.h. */
#include "etl/import_parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xtime.h"

const char *import_trim(const char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

bool import_no_value(const char *s, size_t n)
{
    return n == 0 || (n == 1 && s[0] == '-') || (n == 3 && !memcmp(s, "\xe2\x80\x94", 3)); /* em dash */
}

const char *import_parse_count(const char *in, long *out, bool *present)
{
    size_t n;
    const char *s = import_trim(in, &n);
    long v = 0;
    size_t i = 0, group = 0;
    bool grouped = false, digits = false;
    char sep = 0;

    *present = false;
    *out = 0;
    if (import_no_value(s, n))
        return NULL;
    if (s[0] == '-')
        return n > 1 && isdigit((unsigned char)s[1]) ? "negative count" : "not a number";
    if (s[0] == '+')
        i = 1;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c)) {
            if (v > (LONG_MAX - 9) / 10)
                return "number out of range";
            v = v * 10 + (c - '0');
            group++;
            digits = true;
        } else if ((c == ',' || c == ' ' || c == '\'') && digits) {
            /* thousands separator: one kind, groups of exactly three after the first */
            if ((sep && sep != (char)c) || (grouped ? group != 3 : group > 3) || i + 1 >= n)
                return "not a number";
            sep = (char)c;
            grouped = true;
            group = 0;
        } else if (c == '.' && digits) {
            for (i++; i < n; i++)
                if (s[i] != '0')
                    return isdigit((unsigned char)s[i]) ? "not a whole number" : "not a number";
            break;
        } else {
            return "not a number";
        }
    }
    if (!digits || (grouped && group != 3))
        return "not a number";
    if (v > INT_MAX)
        return "number out of range";
    *out = v;
    *present = true;
    return NULL;
}

const char *import_parse_rate(const char *in, double *out, bool *present)
{
    size_t n;
    const char *s = import_trim(in, &n);
    char buf[64];
    bool pct = false;

    *present = false;
    *out = 0;
    if (import_no_value(s, n))
        return NULL;
    if (n > 0 && s[n - 1] == '%') {
        pct = true;
        n--;
        while (n > 0 && s[n - 1] == ' ')
            n--;
    }
    if (n == 0 || n >= sizeof buf)
        return "not a rate";
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)buf[i]) && buf[i] != '.' && buf[i] != '-' && buf[i] != '+' &&
            buf[i] != 'e' && buf[i] != 'E')
            return "not a rate";
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno || !isfinite(v))
        return "not a rate";
    if (v < 0)
        return "negative rate";
    *out = pct ? v / 100.0 : v;
    *present = true;
    return NULL;
}

static int month_of(const char *s)
{
    static const char *const mon[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec" };
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(s, mon[i], 3))
            return i + 1;
    return 0;
}

/* "Sat, Nov 23, 2024" or "Nov 23, 2024" -> "2024-11-23" for xtime_parse. */
static bool english_date(const char *s, char *out, size_t n)
{
    const char *p = s;
    if (isalpha((unsigned char)p[0]) && p[1] && p[2] && p[3] == ',') /* weekday */
        for (p += 4; *p == ' '; p++)
            ;
    int mo = month_of(p);
    if (!mo)
        return false;
    while (isalpha((unsigned char)*p) || *p == '.')
        p++;
    while (*p == ' ')
        p++;
    char *end;
    long d = strtol(p, &end, 10);
    if (end == p || *end != ',' || d < 1 || d > 31)
        return false;
    for (p = end + 1; *p == ' '; p++)
        ;
    long y = strtol(p, &end, 10);
    if (end - p != 4)
        return false;
    while (*end == ' ')
        end++;
    if (*end)
        return false;
    snprintf(out, n, "%04ld-%02d-%02ld", y, mo, d);
    return true;
}

const char *import_parse_time(const char *in, int64_t *out, bool *date_only)
{
    size_t n;
    const char *s = import_trim(in, &n);
    char buf[64], alt[16];
    bool d = false;

    if (date_only)
        *date_only = false;
    if (import_no_value(s, n))
        return "missing time";
    if (n >= sizeof buf)
        return "not a time";
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (xtime_parse(buf, out, &d) == 0) {
        if (date_only)
            *date_only = d;
        return NULL;
    }
    if (english_date(buf, alt, sizeof alt) && xtime_parse(alt, out, &d) == 0) {
        if (date_only)
            *date_only = true;
        return NULL;
    }
    /* Tell an impossible calendar date (2019-02-30) from text that is no date at all. */
    if (n >= 10 && isdigit((unsigned char)buf[0]) && buf[4] == '-' && buf[7] == '-')
        return "impossible date or time";
    return "not a time";
}

/* Length of a date at p: 8 for YYYYMMDD, 10 for YYYY-MM-DD, else 0; the ISO text in iso. */
static int date_at(const char *p, char iso[11])
{
    if (strspn(p, "0123456789") == 8) {
        snprintf(iso, 11, "%.4s-%.2s-%.2s", p, p + 4, p + 6);
        return 8;
    }
    if (strspn(p, "0123456789") == 4 && p[4] == '-' && strspn(p + 5, "0123456789") == 2 && p[7] == '-' &&
        strspn(p + 8, "0123456789") == 2 && !isdigit((unsigned char)p[10])) {
        memcpy(iso, p, 10);
        iso[10] = '\0';
        return 10;
    }
    return 0;
}

bool import_name_range_end(const char *path, int64_t *end)
{
    const char *base = strrchr(path, '/');
    bool found = false;

    base = base ? base + 1 : path;
    /* FROM_TO with each a date; the last such pair in the name wins. */
    for (const char *p = base; *p; p++) {
        char d1[11], d2[11];
        int64_t t1, t2;
        bool d;
        if (p > base && isdigit((unsigned char)p[-1]))
            continue;
        int l1 = date_at(p, d1);
        if (!l1 || p[l1] != '_')
            continue;
        if (!date_at(p + l1 + 1, d2))
            continue;
        if (xtime_parse(d1, &t1, &d) == 0 && xtime_parse(d2, &t2, &d) == 0 && t2 >= t1) {
            *end = t2 + XTIME_DAY;
            found = true;
        }
    }
    return found;
}
