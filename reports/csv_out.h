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

/*
 * Writes t to path atomically, the file getting mode.  Returns 0, 74 when the
 * disk is full or the file size limit is reached, or 70; the message names
 * the path that failed.  Nothing is left under a final name on failure.
 *
 * Cells of RC_TEXT columns that start with = + - @ tab or CR get a leading
 * apostrophe so a spreadsheet does not run them as formulas (OWASP's CSV
 * injection advice); numeric columns are written as they are.
 */
int csvout_write(const struct rtab *t, const char *path, mode_t mode, struct xerr *err);

/*
 * The same, one row at a time: csvout_open() writes the header under a temp
 * name, csvout_row() one row (vals[c] NULL = no value), csvout_close() with
 * commit renames the file into place (without, or on failure, removes it).
 * Used to write a streamed table's CSV while the workbook reads its rows.
 */
struct csvout;
int csvout_open(const struct rtab *t, const char *path, mode_t mode, struct csvout **out, struct xerr *err);
int csvout_row(struct csvout *w, const char *const *vals, struct xerr *err);
int csvout_close(struct csvout *w, bool commit, struct xerr *err);

/* Whether a cell would be read as a formula by a spreadsheet (starts with = + - @ tab CR). */
bool csvout_is_formula(const char *s);

#endif
