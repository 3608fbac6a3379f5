/*
 * reports/csv_out.h — one report table as an RFC 4180 CSV file.
 *
 * Header row of column names, then one line per row; CRLF line ends; UTF-8
 * as stored (no BOM); a field is quoted (libcsv's writer) only when it holds
 * a comma, quote, CR, LF or leading/trailing space; NULL is an empty field.
 * Numbers are written exactly as PostgreSQL printed them (the queries round
 * them), so the same data always gives the same bytes.  The file is written
 * under a temporary name and renamed into place.
 *
 * Not a CSV library: it writes, never reads (etl/ owns CSV input).
 */
#ifndef XETL_CSV_OUT_H
#define XETL_CSV_OUT_H

#include "common/xerr.h"
#include "reports/report.h"

/* Writes t to path atomically.  Returns 0, or 70 naming the path that failed. */
int csvout_write(const struct rtab *t, const char *path, struct xerr *err);

#endif
