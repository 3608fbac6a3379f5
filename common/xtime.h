/*
 * common/xtime.h — timestamps and date ranges.
 *
 * Times are int64 seconds since the Unix epoch, always UTC.  The run's "now"
 * is the --as-of value held by the command context; nothing in xetl reads the
 * clock to compute a result (only logs and durations do).
 */
#ifndef XETL_XTIME_H
#define XETL_XTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XTIME_DAY 86400

/*
 * Parses "YYYY-MM-DD" (date_only set) or an ISO 8601 timestamp
 * "YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|+HH[:MM]|+HHMM| +HHMM]" (UTC when no
 * offset).  Fractions of a second are dropped.  Returns 0, or -1 when the text
 * is not a valid time (out-of-range fields such as 2026-02-30 included).
 */
int xtime_parse(const char *s, int64_t *out, bool *date_only);

/* "2026-11-25T23:59:01Z" */
void xtime_format(int64_t t, char *out, size_t n);
/* "2026-11-25" */
void xtime_format_date(int64_t t, char *out, size_t n);
int64_t xtime_day_start(int64_t t);

/*
 * A half-open interval [from, to).  From the command line, dates are whole
 * UTC days and both ends are inclusive ("--to 2026-11-24" ends at
 * 2026-11-25T00:00Z); a timestamp --to is inclusive to the second.
 */
struct xrange {
    int64_t from;
    int64_t to;
};

/*
 * Builds a range from optional --from/--to texts.  Missing --to means the
 * day containing as_of is excluded: the range ends at the start of as_of's day
 * (the last whole day); missing --from means default_days whole days before
 * --to.  Returns 0 or -1 with a message in msg.
 */
int xrange_from_args(const char *from, const char *to, int64_t as_of, int default_days,
                     struct xrange *r, char *msg, size_t msglen);

#endif
