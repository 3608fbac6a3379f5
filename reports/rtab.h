/*
 * reports/rtab.h — building and reading the report's tables (struct rtab,
 * report.h): rows gathered from a named query, or a streamed table counted
 * now and read again by each writer.  Columns are found by name
 * (rtab_col), never by position, so a writer does not depend on the order
 * another module chose.
 */
#ifndef XETL_RTAB_H
#define XETL_RTAB_H

#include "common/xerr.h"
#include "reports/report.h"

struct db;

void rtab_init(struct rtab *t, const struct rcol *cols, int ncols);
void rtab_release(struct rtab *t);
/* Appends one row; vals[c] NULL = no value.  Values are copied. */
void rtab_add_row(struct rtab *t, const char *const *vals);
/* Appends every row of one statement (a name under sql/queries), which must return t->ncols columns. */
int rtab_query(struct db *db, const char *stmt, int nparams, const char *const *params, struct rtab *t,
               struct xerr *err);
/*
 * Makes t a streamed table of the named statement: only its row count and
 * the values per column are read now; the rows are read by rtab_rows_*.
 */
int rtab_stream(struct db *db, const char *name, int nparams, const char *const *params, struct rtab *t,
                struct xerr *err);
/* Same, the count and values per column read by statement counts (no parameters; one row: the count, then one per column). */
int rtab_stream_counted(struct db *db, const char *name, const char *counts, int nparams, const char *const *params,
                        struct rtab *t, struct xerr *err);

/* Index of the column named name in a column table, or -1. */
int rcol_index(const struct rcol *cols, int ncols, const char *name);
/* Index of t's column named name, or -1. */
static inline int rtab_col(const struct rtab *t, const char *name)
{
    return rcol_index(t->cols, t->ncols, name);
}

#endif
