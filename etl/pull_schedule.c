/*
 * etl/pull_schedule.c — pull.refresh_schedule: parsing it and deciding which
 * post is due (see pull.h and docs/pull.md, "The refresh schedule").
 */
#include "etl/pull.h"
#include "common/xtime.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- the refresh schedule ------------------------------------------------- */

static int parse_dur(const char *s, size_t n, int64_t *out)
{
    char buf[32], *end;
    long long v;
    int64_t mult = 1;

    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (end == buf || v < 0 || errno == ERANGE)
        return -1;
    if (*end) {
        switch (*end) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = XTIME_DAY; break;
        default: return -1;
        }
        if (end[1])
            return -1;
    }
    /* No age a schedule could mean is near 2^63 s: refuse what would overflow. */
    if (v > INT64_MAX / mult)
        return -1;
    *out = (int64_t)v * mult;
    return 0;
}

int pull_parse_schedule(const char *s, struct pull_tier *tiers, int *n, struct xerr *err)
{
    const char *p = s ? s : "";
    *n = 0;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *colon = memchr(p, ':', len);
        struct pull_tier t;
        while (len && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        if (!colon || *n >= PULL_MAX_TIERS || parse_dur(p, (size_t)(colon - p), &t.age_s) ||
            parse_dur(colon + 1, len - (size_t)(colon + 1 - p), &t.every_s) || t.age_s <= 0 ||
            (*n > 0 && t.age_s <= tiers[*n - 1].age_s))
            return xerr_set(err, XETL_EX_CONFIG,
                            "pull.refresh_schedule '%s' is not AGE:EVERY pairs of increasing age (e.g. 6h:0,48h:3h)",
                            s ? s : "");
        tiers[(*n)++] = t;
        p += len;
        if (*p == ',')
            p++;
    }
    if (*n == 0)
        return xerr_set(err, XETL_EX_CONFIG, "pull.refresh_schedule is empty");
    return 0;
}

bool pull_due(const struct pull_tier *tiers, int n, int64_t age_s, int64_t since_last_s)
{
    if (since_last_s < 0)
        return true;
    if (since_last_s == 0)
        return false;
    for (int i = 0; i < n; i++)
        if (age_s < tiers[i].age_s)
            return since_last_s >= tiers[i].every_s;
    return n > 0 && since_last_s >= tiers[n - 1].every_s;
}
