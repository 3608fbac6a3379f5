/*
 * reports/xlsx_rollup.c — the agency roll-up workbook (xlsx_write_rollup, xlsx.h).
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

/* Rows of one section of the roll-up, the given columns, from row; returns the next free row. */
static lxw_row_t rollup_rows(struct wb *w, lxw_worksheet *ws, const struct rtab *t, const char *section,
                             const int *cols, int ncols, lxw_row_t row, lxw_format *name_fmt)
{
    for (int r = 0; r < t->nrows; r++) {
        const char *sec = xcell(t, r, "section");
        if (!sec || strcmp(sec, section))
            continue;
        for (int k = 0; k < ncols; k++) {
            int c = cols[k];
            if (c < 0)
                continue;
            lxw_format *f = k == 0 && name_fmt ? name_fmt : xl_kind_format(w, t->cols[c].kind);
            if (!strcmp(t->cols[c].name, "followers_change"))
                f = w->sint;
            xl_cell(w, ws, row, (lxw_col_t)k, rtab_cell(t, r, c), t->cols[c].kind, f);
        }
        row++;
    }
    return row;
}

static lxw_row_t rollup_header(struct wb *w, lxw_worksheet *ws, const struct rtab *t, const int *cols, int ncols,
                               const double *widths, lxw_row_t row)
{
    const char *labels[16];
    for (int k = 0; k < ncols && k < 16; k++)
        labels[k] = cols[k] >= 0 ? t->cols[cols[k]].label : "";
    xl_chk(w, worksheet_set_row(ws, row, xl_header_height(labels, widths, ncols), NULL), "header row");
    for (int k = 0; k < ncols; k++)
        xl_text(w, ws, row, (lxw_col_t)k, labels[k], w->header);
    return row + 1;
}

static void rollup_legend(struct wb *w, lxw_worksheet *ws, lxw_row_t row, lxw_row_t first, lxw_row_t last);

static void rollup_sheet(struct wb *w, const struct rollup_data *d, lxw_worksheet *ws)
{
    /* The roll-up table's columns each section shows, by name (reports/rollup.c). */
    static const char *const board_names[] = { "name", "posts", "followers_gained", "followers_gained_previous",
                                               "followers_change", "cost_usd", "cost_per_follower_usd", "roi",
                                               "roi_previous", "trend", "note" };
    static const char *const group_names[] = { "name", "accounts", "posts", "followers_attributed_7d",
                                               "followers_per_post_7d", "note" };
    int board[11], groups[6];
    for (int k = 0; k < 11; k++)
        board[k] = rtab_col(&d->rows, board_names[k]);
    for (int k = 0; k < 6; k++)
        groups[k] = rtab_col(&d->rows, group_names[k]);
    double widths[11];
    char buf[512], asof[32], pf[16], pt[16];
    lxw_row_t row = 0;
    const int nb = (int)(sizeof board / sizeof board[0]), ng = (int)(sizeof groups / sizeof groups[0]);

    for (int k = 0; k < nb; k++) {
        widths[k] = board[k] >= 0 ? d->rows.cols[board[k]].width : 10;
        xl_chk(w, worksheet_set_column(ws, (lxw_col_t)k, (lxw_col_t)k, widths[k], NULL), "column");
    }
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    xtime_format(d->as_of, asof, sizeof asof);
    xtime_format_date(d->prev.from, pf, sizeof pf);
    xtime_format_date(d->prev.to - 1, pt, sizeof pt);
    snprintf(buf, sizeof buf, "Agency roll-up  %d account%s  %s to %s", d->n_accounts, d->n_accounts == 1 ? "" : "s",
             d->from_date, d->to_date);
    xl_text(w, ws, row++, 0, buf, w->title);
    snprintf(buf, sizeof buf, "As of %s.  Each account beside its previous %ld days, %s to %s; the same figures "
                              "as the account's own report.",
             asof, (long)((d->range.to - d->range.from + XTIME_DAY - 1) / XTIME_DAY), pf, pt);
    xl_text(w, ws, row++, 0, buf, w->subtitle);
    row++;

    xl_text(w, ws, row++, 0, "Leaderboard (most followers gained first) and the agency's totals", w->section);
    row = rollup_header(w, ws, &d->rows, board, nb, widths, row);
    worksheet_freeze_panes(ws, row, 1);
    lxw_row_t first = row;
    row = rollup_rows(w, ws, &d->rows, "leaderboard", board, nb, row, NULL);
    lxw_row_t last = row - 1;
    row = rollup_rows(w, ws, &d->rows, "agency", board, nb, row, w->legend_term);
    if (last >= first) {
        xl_cond_bar(w, ws, first, 2, last, 0x638EC6);
        xl_cond_sign(w, ws, first, 4, last, 4);
    }
    row++;

    static const char *const whats[] = { "content types", "formulas", "hooks" };
    for (int g = 0; g < 3; g++) {
        char sec[64];
        snprintf(buf, sizeof buf, "Best %s across the accounts (most followers per post; %d or more attributed "
                                  "posts)", whats[g], REPORT_MIN_POSTS);
        xl_text(w, ws, row++, 0, buf, w->section);
        row = rollup_header(w, ws, &d->rows, groups, ng, widths, row);
        snprintf(sec, sizeof sec, "best %s", whats[g]);
        row = rollup_rows(w, ws, &d->rows, sec, groups, ng, row, NULL);
        row++;
    }

    rollup_legend(w, ws, row, first, last);
}

/* The terms the sheet uses, and the leaderboard chart below them. */
static void rollup_legend(struct wb *w, lxw_worksheet *ws, lxw_row_t row, lxw_row_t first, lxw_row_t last)
{
    xl_text(w, ws, row++, 0, "How to read this", w->section);
    static const char *const terms[][2] = {
        { "Followers gained", "net change of the follower count over the period (the account's own report)" },
        { "Cost per follower", "cost / followers gained, to a tenth of a cent; blank unless the whole cost is known" },
        { "ROI", "(followers gained x value.per_follower_usd - cost) / cost" },
        { "Trend", "followers gained against the previous period of the same length" },
        { "Agency", "sums over the accounts; cost, cost per follower and ROI only when every account's cost is "
                    "complete" },
        { "Evidence", "accounts and posts behind a best content type, formula or hook; fewer than 5 attributed "
                      "posts is never called best" },
    };
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        xl_text(w, ws, row, 0, terms[i][0], w->legend_term);
        row = xl_lines(w, ws, row, 1, terms[i][1], 120, w->note);
    }
    row++;

    if (last >= first) {
        lxw_chart *ch = workbook_add_chart(w->book, LXW_CHART_BAR);
        for (int k = 0; k < 2; k++) {
            lxw_chart_series *se = chart_add_series(ch, NULL, NULL);
            chart_series_set_categories(se, SHEET_ROLLUP, first, 0, last, 0);
            chart_series_set_values(se, SHEET_ROLLUP, first, (lxw_col_t)(2 + k), last, (lxw_col_t)(2 + k));
            chart_series_set_name(se, k ? "Previous period" : "This period");
        }
        chart_title_set_name(ch, "Followers gained by account");
        chart_axis_set_name(ch->x_axis, "Followers gained");
        chart_axis_set_name(ch->y_axis, "Account");
        chart_axis_set_reverse(ch->y_axis);
        chart_axis_set_min(ch->x_axis, 0);
        chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
        xl_chk(w, worksheet_insert_chart(ws, row, 0, ch), "leaderboard chart");
    }
}

static int book_rollup(const void *arg, const char *path, const char *tmp, struct xerr *err)
{
    const struct rollup_data *d = arg;
    char title[256];
    struct wb w;
    lxw_doc_properties props;
    lxw_worksheet *ws;
    int rc;

    if ((rc = xl_open_book(&w, tmp, path, err)))
        return rc;
    snprintf(title, sizeof title, "Agency roll-up %s to %s", d->from_date, d->to_date);
    memset(&props, 0, sizeof props);
    char subject[] = "X growth ROI across accounts", author[] = "xetl",
         comments[] = "Generated by xetl report --rollup; docs/reports.md defines every column";
    props.title = title;
    props.subject = subject;
    props.author = author;
    props.comments = comments;
    props.created = (time_t)d->as_of;
    xl_chk(&w, workbook_set_properties(w.book, &props), "properties");
    if ((ws = workbook_add_worksheet(w.book, SHEET_ROLLUP)))
        rollup_sheet(&w, d, ws);
    else
        xl_chk(&w, LXW_ERROR_MEMORY_MALLOC_FAILED, "roll-up sheet");
    return xl_finish_book(&w, tmp, path, d->file_mode, err);
}

int xlsx_write_rollup(const struct rollup_data *d, const char *path, struct xerr *err)
{
    return xl_write_book(d, path, book_rollup, err);
}
