/*
 * reports/xlsx_table.c — one report table as a data sheet, with notes on
 * its blank columns (see xlsx_book.h).
 */
#include "reports/xlsx_book.h"

#include "common/log.h"
#include "common/sbuf.h"
#include "common/xtime.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/*
 * Why a column can be blank, and what would fill it: a column blank in half
 * its rows or more is explained beside its table and in the Summary legend,
 * so an empty column never reads as zero or as a fault.
 */
static const struct {
    const char *col, *why;
} blank_why[] = {
    { "retention_rate", "an account-level proxy, known only when all 7 days after the post are in the imported "
                        "account-overview export (daily follows and unfollows; docs/import.md)" },
    { "new_follows", "from the account-overview export (account_overview_analytics_FROM_TO.csv): "
                     "import it with xetl import; the X API gives only the follower count" },
    { "unfollows", "from the account-overview export (account_overview_analytics_FROM_TO.csv): "
                   "import it with xetl import; the X API gives only the follower count" },
    { "api_success_rate", "blank on days xetl made no X API request (no pull ran that day)" },
    { "posting_success_rate", "from the bot's posting outcomes (content_metadata); blank on days it recorded none" },
    { "cost_usd", "set the cost.* settings (docs/configuration.md), then xetl health" },
    { "cost_per_follower_usd", "needs a known cost and a net follower gain that day" },
    { "roi", "needs value.per_follower_usd and a known cost (docs/configuration.md)" },
    { "followers_end_of_day", "no follower sample that day (xetl pull, or an imported export)" },
    { "followers_change", "no follower sample that day (xetl pull, or an imported export)" },
    { "half_life_minutes", "xetl fit sets it when the post's engagement curve can be fitted" },
    { "predicted_likes_7d", "xetl fit sets it once the post has a snapshot" },
    { "actual_likes_7d", "known once the post is 7 days old" },
    { "prediction_accuracy", "known once the post is 7 days old" },
    { "followers_attributed_7d", "xetl attribute sets it once follower samples cover the post's first 7 days" },
    { "attribution_confidence", "xetl attribute sets it once follower samples cover the post's first 7 days" },
    { "attribution_method", "xetl attribute sets it once follower samples cover the post's first 7 days" },
    { "content_type", "the bot recorded no generation metadata for the post (a manual post)" },
    { "formula", "the bot recorded no generation metadata for the post (a manual post)" },
    { "hook", "the bot recorded no generation metadata for the post (a manual post)" },
    { "learned_posts", "xetl learn scores a group once it has matured posts (older than learn.maturity_hours)" },
    { "learned_followers_per_post", "xetl learn scores a group once it has matured posts" },
    { "learned_engagement_rate", "xetl learn scores a group once it has matured posts" },
    { "thompson_alpha", "xetl learn scores a group once it has matured posts" },
    { "thompson_beta", "xetl learn scores a group once it has matured posts" },
    { "selection_score", "xetl learn scores a group once it has matured posts" },
    { "posts_in_period", "the group has learning results but no post in this period" },
};

/* What confidence means, said once beside each table that shows one. */
static const char confidence_note[] =
    "Confidence (0-100 %): how much of the follower change around the post the model can pin on it - its "
    "share of the follower flow while it was live, times how often refits agree it brought followers.  A "
    "ranking of trust, not the chance the number is exact: below about 30 % the followers were shared with "
    "other posts or the account's own drift (docs/attribution.md).";

void xl_sheet_notes(const struct rtab *t, struct sheet_notes *out)
{
    out->n = 0;
    for (int c = 0; c < t->ncols && out->n < MAX_NOTES; c++) {
        const char *name = t->cols[c].name;
        int blank = 0;
        if (!strcmp(name, "confidence") || !strcmp(name, "attribution_confidence")) {
            snprintf(out->text[out->n++], sizeof out->text[0], "%s", confidence_note);
            if (out->n >= MAX_NOTES)
                break;
        }
        if (!strcmp(name, "note") || t->nrows == 0)
            continue;
        blank = t->nrows - (int)t->nonnull[c];
        if (blank * 2 < t->nrows)
            continue;
        const char *why = "no value in the data xetl has for these rows";
        for (size_t k = 0; k < sizeof blank_why / sizeof blank_why[0]; k++)
            if (!strcmp(blank_why[k].col, name))
                why = blank_why[k].why;
        snprintf(out->text[out->n++], sizeof out->text[0], "%s: blank in %d of %d rows - %s.", t->cols[c].label,
                 blank, t->nrows, why);
    }
}

/*
 * A data sheet: header row, one row per table row, frozen header (and first
 * column when freeze_col), autofilter, widths from the column table; notes on
 * blank columns and on confidence in the column after the table.
 */
lxw_worksheet *xl_table_sheet(struct wb *w, const char *name, const struct rtab *t, bool freeze_col,
                              const char *empty_msg)
{
    lxw_worksheet *ws = workbook_add_worksheet(w->book, name);
    if (!ws) {
        xl_chk(w, LXW_ERROR_MEMORY_MALLOC_FAILED, name);
        return NULL;
    }
    int lines = 1;
    for (int c = 0; c < t->ncols; c++) {
        xl_chk(w, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, t->cols[c].width, NULL), "column");
        int l = xl_wrapped_lines(t->cols[c].label, t->cols[c].width);
        lines = l > lines ? l : lines;
    }
    struct sheet_notes notes;
    lxw_col_t nc = (lxw_col_t)t->ncols;
    xl_sheet_notes(t, &notes);
    if (notes.n)
        xl_chk(w, worksheet_set_column(ws, nc + 1, nc + 1, 110, NULL), "notes column");
    xl_chk(w, worksheet_set_row(ws, 0, 15.0 * lines + 2, NULL), "header row");
    for (int c = 0; c < t->ncols; c++)
        xl_text(w, ws, 0, (lxw_col_t)c, t->cols[c].label, w->header);
    if (notes.n)
        xl_text(w, ws, 0, nc + 1, "About the columns", w->section);
    worksheet_freeze_panes(ws, 1, freeze_col ? 1 : 0);
    /* Printed (or turned into PDF): landscape, one page wide, header on every page; the notes are
       for the screen (the Summary's legend prints them). */
    worksheet_set_landscape(ws);
    lxw_col_t breaks[8];
    int nb = 0;
    for (int c = 1; c < t->ncols && nb < 7; c++)
        if (t->cols[c].page_before)
            breaks[nb++] = (lxw_col_t)c;
    breaks[nb] = 0;
    if (nb) {
        /* A wide sheet in column groups at a readable size, the first two columns on every page. */
        worksheet_set_print_scale(ws, 70);
        xl_chk(w, worksheet_set_v_pagebreaks(ws, breaks), "page breaks");
        xl_chk(w, worksheet_repeat_columns(ws, 0, 1), "repeat columns");
    } else {
        worksheet_fit_to_pages(ws, 1, 0);
    }
    xl_chk(w, worksheet_repeat_rows(ws, 0, 0), "repeat rows");
    xl_chk(w, worksheet_print_area(ws, 0, 0, (lxw_row_t)(t->nrows > 0 ? t->nrows : 1), nc - 1), "print area");
    xl_chk(w, worksheet_autofilter(ws, 0, 0, (lxw_row_t)(t->nrows > 0 ? t->nrows : 1), nc - 1), "autofilter");
    /* Each row straight from the table's reader to the sheet: a streamed table is never held. */
    struct rtab_rows rows;
    struct xerr rerr = { 0 };
    int more = rtab_rows_open(&rows, t, &rerr) == 0, got = 0;
    int last = t->nrows > notes.n ? t->nrows : notes.n;
    if (!more)
        got = rerr.code;
    for (int r = 0; r < last; r++) {
        if (more && r < t->nrows) {
            int rc = rtab_rows_next(&rows, &rerr);
            if (rc == 1) {
                for (int c = 0; c < t->ncols; c++)
                    xl_cell(w, ws, (lxw_row_t)(r + 1), (lxw_col_t)c, rows.vals[c], t->cols[c].kind,
                             xl_kind_format(w, t->cols[c].kind));
            } else {
                more = 0;
                got = rc;
            }
        }
        if (r == 0 && t->nrows == 0)
            xl_text(w, ws, 1, 0, empty_msg, w->nodata);
        if (r < notes.n)
            xl_text(w, ws, (lxw_row_t)(r + 1), nc + 1, notes.text[r], w->note);
    }
    rtab_rows_close(&rows);
    if (got && !w->rows_rc) {
        w->rows_rc = got;
        w->rows_err = rerr;
    }
    if (last == 0)
        xl_text(w, ws, 1, 0, empty_msg, w->nodata);
    return ws;
}


/* A line may end before s[i]: at a space not followed by a unit ("0.01 %" stays whole). */
static bool line_break_ok(const char *s, size_t i)
{
    return s[i] == ' ' && s[i + 1] != '%' && s[i + 1] != '\0';
}

/*
 * Text cut at word boundaries into rows of at most `width` characters, the rows
 * about equally long (a paragraph a little over one row is two half rows, not a
 * row and an orphaned word); returns the next free row.
 */
lxw_row_t xl_lines(struct wb *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                   size_t width, lxw_format *f)
{
    char line[1024];
    while (*s) {
        size_t n = strlen(s);
        if (n > width) {
            size_t rows = (n + width - 1) / width, target = (n + rows - 1) / rows, best = 0;
            /* The break nearest the even length, never past width, and never before width / 2. */
            for (size_t i = width / 2; i <= width; i++)
                if (line_break_ok(s, i) && (!best || (i > target ? i - target : target - i) <
                                                         (best > target ? best - target : target - best)))
                    best = i;
            n = best ? best : width;
        }
        if (n >= sizeof line)
            n = sizeof line - 1;
        memcpy(line, s, n);
        line[n] = '\0';
        xl_text(w, ws, row++, col, line, f);
        s += n;
        while (*s == ' ')
            s++;
    }
    return row;
}

