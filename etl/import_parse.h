/*
 * etl/import_parse.h — the values of an export's cells.
 *
 * For: counters ("1,234"), rates ("1.23%"), the several date and time
 * styles X has used, post ids, and the date range an export's file name
 * states.  Each parser returns NULL or a one-line reason, which import puts
 * in the rejects table as it is; an empty cell, "-" or an em dash is no
 * value, never zero.
 *
 * Not for: knowing which column a cell is in (etl/import_cols.h).
 */
#ifndef XETL_IMPORT_PARSE_H
#define XETL_IMPORT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* s without leading and trailing spaces and tabs; *len its length. */
const char *import_trim(const char *s, size_t *len);
/* Whether n bytes at s (trimmed) are "no value": empty, "-" or an em dash. */
bool import_no_value(const char *s, size_t n);

/*
 * A counter: "1234", "1,234", "1 234", "12.0"; "" and "-" are no value
 * (*present false).  Returns NULL or a reason ("negative count", ...).
 */
const char *import_parse_count(const char *s, long *out, bool *present);
/* A rate: "0.0123" (a fraction) or "1.23%" (a percentage) -> 0.0123. */
const char *import_parse_rate(const char *s, double *out, bool *present);
/*
 * A time: ISO 8601, "2019-05-01 14:03 +0000", a date "2024-11-23", or
 * "Sat, Nov 23, 2024" / "Nov 23, 2024".  *date_only tells a whole day.
 */
const char *import_parse_time(const char *s, int64_t *out, bool *date_only);

/*
 * The date range a file name states ("…_20190501_20190531_…",
 * "…_2024-11-01_2024-11-30.csv"): returns true and the end as the instant
 * after the last day.
 */
bool import_name_range_end(const char *path, int64_t *end);

#endif
