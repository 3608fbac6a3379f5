/*
 * reports/xlsx_book.h — inside the workbook writers (reports/xlsx*.c, the
 * only files that include libxlsxwriter): struct wb and the helpers every
 * sheet uses.  Not for other modules: their API is reports/xlsx.h.
 */
#ifndef XETL_XLSX_BOOK_H
#define XETL_XLSX_BOOK_H

#include <stdbool.h>
#include <sys/types.h>
#include <xlsxwriter.h>

#include "common/xerr.h"
#include "reports/report.h"
#include "reports/rtab.h"
#include "reports/xlsx.h"

#define SHEET_SUMMARY "Summary"
#define SHEET_POSTS "Posts"
#define SHEET_TYPES "Content types"
#define SHEET_FORMULAS "Formulas"
#define SHEET_HOOKS "Hooks"
#define SHEET_ATTR "Attribution"
#define SHEET_DAILY "Daily health"
#define SHEET_TIMING "Timing"
#define SHEET_ROLLUP "Roll-up"

#define MAX_CELL_TEXT 32000

struct wb {
    lxw_workbook *book;
    lxw_error first;        /* first libxlsxwriter error, LXW_NO_ERROR when none */
    const char *where;      /* what was being written when it happened */
    lxw_format *title, *subtitle, *header, *section, *note, *nodata;
    lxw_format *text, *id, *time, *date, *integer, *num, *pct, *usd, *score, *usd3;
    lxw_format *pts, *sint, *susd, *susd3, *legend_term;
    lxw_format *good, *bad;
    char tmpdir[4096];      /* libxlsxwriter's own temp files: beside the report */
    int rows_rc;            /* first failure reading a streamed table (0 = none), */
    struct xerr rows_err;   /* and what it said */
};

/* A gathered table's cell in the column named name (NULL when no such column or no value). */
static inline const char *xcell(const struct rtab *t, int row, const char *name)
{
    int c = rtab_col(t, name);
    return c >= 0 ? rtab_cell(t, row, c) : NULL;
}

/* The sheet column of a table's column named name (a data sheet has the table's columns in order). */
static inline lxw_col_t xcol(const struct rtab *t, const char *name)
{
    int c = rtab_col(t, name);
    return c >= 0 ? (lxw_col_t)c : 0;
}

/* Keeps the first error (and where) of a worksheet call. */
void xl_chk(struct wb *w, lxw_error e, const char *where);
lxw_format *xl_kind_format(struct wb *w, enum rcol_kind k);
void xl_text(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f);
/* A finite number, else a blank: NaN and Inf never reach the file. */
void xl_number(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f);
/* One cell of a table as its column kind says (NULL: nothing written). */
void xl_cell(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, enum rcol_kind k,
             lxw_format *f);
void xl_cond_scale3(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0, lxw_row_t r1, lxw_col_t c1,
                    lxw_color_t lo, lxw_color_t mid, lxw_color_t hi);
void xl_cond_bar(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c, lxw_row_t r1, lxw_color_t col);
void xl_cond_sign(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0, lxw_row_t r1, lxw_col_t c1);
/* Lines a label takes when wrapped in a column of width characters. */
int xl_wrapped_lines(const char *text, double width);
/* Height in points of a header row over n labels in columns of the given widths. */
double xl_header_height(const char *const *labels, const double *widths, int n);
/* Text cut at word boundaries into rows of at most width characters; returns the next free row. */
lxw_row_t xl_lines(struct wb *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, size_t width,
                   lxw_format *f);

/* The notes beside a table: what confidence means, why a mostly blank column is blank. */
#define MAX_NOTES 16
struct sheet_notes {
    int n;
    char text[MAX_NOTES][512];
};
void xl_sheet_notes(const struct rtab *t, struct sheet_notes *out);
/*
 * A data sheet: header row, one row per table row (streamed tables read as
 * they are written), frozen header (and first column when freeze_col),
 * autofilter, widths from the column table, the notes after the table.
 */
lxw_worksheet *xl_table_sheet(struct wb *w, const char *name, const struct rtab *t, bool freeze_col,
                              const char *empty_msg);

/* Writing one workbook: fn fills it at tmp; xl_write_book renames it to path, or leaves nothing. */
typedef int (*book_fn)(const void *d, const char *path, const char *tmp, struct xerr *err);
int xl_open_book(struct wb *w, const char *tmp, const char *path, struct xerr *err);
int xl_finish_book(struct wb *w, const char *tmp, const char *path, mode_t mode, struct xerr *err);
int xl_write_book(const void *d, const char *path, book_fn fn, struct xerr *err);

#endif
