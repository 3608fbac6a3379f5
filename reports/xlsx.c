/*
 * reports/xlsx.c — the ROI workbook (see xlsx.h).
 *
 * constant_memory mode flushes each row when the next one starts, so every
 * sheet here is written strictly top to bottom, left to right.  Errors of
 * the many worksheet calls are kept in one place (struct wb's first error)
 * instead of an if after each call; the first one fails the whole file.
 */
#include "reports/xlsx.h"

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
#include <xlsxwriter.h>

#define SHEET_SUMMARY "Summary"
#define SHEET_POSTS "Posts"
#define SHEET_TYPES "Content types"
#define SHEET_FORMULAS "Formulas"
#define SHEET_HOOKS "Hooks"
#define SHEET_ATTR "Attribution"
#define SHEET_DAILY "Daily health"
#define SHEET_TIMING "Timing"

/* Column indexes the charts and conditional formats refer to (report.c's column tables). */
#define POSTS_COL_ER 14
#define POSTS_COL_FOLLOWERS 19
#define GROUP_COL_FPP 5
#define GROUP_COL_SCORE 11
#define ATTR_COL_CONF 6
#define DAILY_COL_FOLLOWERS 1
#define DAILY_COL_CHANGE 2

#define MAX_CELL_TEXT 32000

struct wb {
    lxw_workbook *book;
    lxw_error first;        /* first libxlsxwriter error, LXW_NO_ERROR when none */
    const char *where;      /* what was being written when it happened */
    lxw_format *title, *subtitle, *header, *section, *note, *nodata;
    lxw_format *text, *id, *time, *date, *integer, *num, *pct, *usd, *score, *usd4;
    lxw_format *good, *bad;
};

static void chk(struct wb *w, lxw_error e, const char *where)
{
    if (e != LXW_NO_ERROR && w->first == LXW_NO_ERROR) {
        w->first = e;
        w->where = where;
    }
}

static lxw_format *numfmt(lxw_workbook *book, const char *fmt)
{
    lxw_format *f = workbook_add_format(book);
    format_set_num_format(f, fmt);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    return f;
}

static void make_formats(struct wb *w)
{
    lxw_workbook *b = w->book;
    w->title = workbook_add_format(b);
    format_set_bold(w->title);
    format_set_font_size(w->title, 16);
    w->subtitle = workbook_add_format(b);
    format_set_italic(w->subtitle);
    format_set_font_color(w->subtitle, 0x595959);
    w->header = workbook_add_format(b);
    format_set_bold(w->header);
    format_set_text_wrap(w->header);
    format_set_align(w->header, LXW_ALIGN_VERTICAL_TOP);
    format_set_bg_color(w->header, 0xDDEBF7);
    format_set_bottom(w->header, LXW_BORDER_THIN);
    w->section = workbook_add_format(b);
    format_set_bold(w->section);
    format_set_font_size(w->section, 12);
    w->note = workbook_add_format(b);
    format_set_font_color(w->note, 0x595959);
    format_set_align(w->note, LXW_ALIGN_VERTICAL_TOP);
    w->nodata = workbook_add_format(b);
    format_set_italic(w->nodata);
    format_set_font_color(w->nodata, 0x808080);
    w->text = workbook_add_format(b);
    format_set_align(w->text, LXW_ALIGN_VERTICAL_TOP);
    w->id = numfmt(b, "@");
    w->time = numfmt(b, "yyyy-mm-dd hh:mm");
    w->date = numfmt(b, "yyyy-mm-dd");
    w->integer = numfmt(b, "#,##0");
    w->num = numfmt(b, "#,##0.00");
    w->pct = numfmt(b, "0.00%");
    w->usd = numfmt(b, "$#,##0.00");
    w->usd4 = numfmt(b, "$#,##0.0000");
    w->score = numfmt(b, "0.000");
    w->good = workbook_add_format(b);
    format_set_font_color(w->good, 0x006100);
    format_set_bg_color(w->good, 0xC6EFCE);
    w->bad = workbook_add_format(b);
    format_set_font_color(w->bad, 0x9C0006);
    format_set_bg_color(w->bad, 0xFFC7CE);
}

static lxw_format *kind_format(struct wb *w, enum rcol_kind k)
{
    switch (k) {
    case RC_ID: return w->id;
    case RC_TIME: return w->time;
    case RC_DATE: return w->date;
    case RC_INT: return w->integer;
    case RC_NUM: return w->num;
    case RC_PCT: return w->pct;
    case RC_USD: return w->usd;
    case RC_SCORE: return w->score;
    case RC_TEXT:
    case RC_UNIT: return w->text;
    }
    return w->text;
}

static bool kind_is_number(enum rcol_kind k)
{
    return k == RC_INT || k == RC_NUM || k == RC_PCT || k == RC_USD || k == RC_SCORE;
}

static void put_text(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
{
    char buf[MAX_CELL_TEXT + 1];
    if (strlen(s) > MAX_CELL_TEXT) {
        /* Excel's cell limit is 32767 characters; cut on a UTF-8 boundary. */
        size_t n = MAX_CELL_TEXT;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        memcpy(buf, s, n);
        buf[n] = '\0';
        s = buf;
    }
    chk(w, worksheet_write_string(ws, r, c, s, f), "text cell");
}

/* A finite number, else a blank: NaN and Inf never reach the file. */
static void put_number(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
    if (isfinite(v))
        chk(w, worksheet_write_number(ws, r, c, v, f), "number cell");
    else
        chk(w, worksheet_write_blank(ws, r, c, f), "blank cell");
}

/* One cell of a table as its column kind says. */
static void put_cell(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                     enum rcol_kind k, lxw_format *f)
{
    if (!s)
        return;
    if (kind_is_number(k)) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || *end)
            put_text(w, ws, r, c, s, f);
        else
            put_number(w, ws, r, c, v, f);
    } else if (k == RC_TIME || k == RC_DATE) {
        int64_t t;
        bool date_only;
        if (xtime_parse(s, &t, &date_only) == 0)
            chk(w, worksheet_write_unixtime(ws, r, c, t, f), "time cell");
        else
            put_text(w, ws, r, c, s, f);
    } else if (strpbrk(s, "\r\n")) {
        /* A one-line cell per row: line breaks are shown as a marker (the CSV keeps them). */
        struct sbuf b = SBUF_INIT;
        sbuf_init(&b);
        for (const char *q = s; *q; q++) {
            if (*q == '\r' && q[1] == '\n')
                continue;
            if (*q == '\n' || *q == '\r')
                sbuf_adds(&b, " \u21B5 ");
            else
                sbuf_addc(&b, *q);
        }
        put_text(w, ws, r, c, b.buf, f);
        sbuf_release(&b);
    } else {
        put_text(w, ws, r, c, s, f);
    }
}

static void cond_scale3(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0, lxw_row_t r1,
                        lxw_col_t c1, lxw_color_t lo, lxw_color_t mid, lxw_color_t hi)
{
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_3_COLOR_SCALE;
    cf.min_color = lo;
    cf.mid_color = mid;
    cf.max_color = hi;
    chk(w, worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf), "colour scale");
}

static void cond_bar(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c, lxw_row_t r1, lxw_color_t col)
{
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_DATA_BAR;
    cf.bar_color = col;
    chk(w, worksheet_conditional_format_range(ws, r0, c, r1, c, &cf), "data bar");
}

static void cond_sign(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0, lxw_row_t r1, lxw_col_t c1)
{
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_TYPE_CELL;
    cf.criteria = LXW_CONDITIONAL_CRITERIA_GREATER_THAN;
    cf.value = 0;
    cf.format = w->good;
    chk(w, worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf), "sign format");
    cf.criteria = LXW_CONDITIONAL_CRITERIA_LESS_THAN;
    cf.format = w->bad;
    chk(w, worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf), "sign format");
}

/*
 * Lines a wrapped header needs in a column `width` characters wide (greedy
 * word wrap, bold text counted a little wider), so the header row can be
 * tall enough that no label is clipped on screen or on paper.
 */
static int wrapped_lines(const char *text, double width)
{
    int per_line = (int)(width * 0.85);
    int lines = 1, used = 0;

    if (per_line < 1)
        per_line = 1;
    while (*text) {
        while (*text == ' ')
            text++;
        int wl = 0;
        while (text[wl] && text[wl] != ' ')
            wl++;
        if (!wl)
            break;
        /* A word longer than the line is broken across lines. */
        int need = used ? used + 1 + wl : wl;
        if (need <= per_line) {
            used = need;
        } else {
            lines += used ? 1 : 0;
            used = wl;
            while (used > per_line) {
                lines++;
                used -= per_line;
            }
        }
        text += wl;
    }
    return lines;
}

/* Height in points of a header row over `n` labels in columns of the given widths. */
static double header_height(const char *const *labels, const double *widths, int n)
{
    int lines = 1;
    for (int c = 0; c < n; c++) {
        int l = labels[c] ? wrapped_lines(labels[c], widths[c]) : 1;
        if (l > lines)
            lines = l;
    }
    return 15.0 * lines + 2;
}

/*
 * A data sheet: header row, one row per table row, frozen header (and first
 * column when freeze_col), autofilter, widths from the column table.
 */
static lxw_worksheet *table_sheet(struct wb *w, const char *name, const struct rtab *t, bool freeze_col,
                                  const char *empty_msg)
{
    lxw_worksheet *ws = workbook_add_worksheet(w->book, name);
    if (!ws) {
        chk(w, LXW_ERROR_MEMORY_MALLOC_FAILED, name);
        return NULL;
    }
    int lines = 1;
    for (int c = 0; c < t->ncols; c++) {
        chk(w, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, t->cols[c].width, NULL), "column");
        int l = wrapped_lines(t->cols[c].label, t->cols[c].width);
        lines = l > lines ? l : lines;
    }
    chk(w, worksheet_set_row(ws, 0, 15.0 * lines + 2, NULL), "header row");
    for (int c = 0; c < t->ncols; c++)
        put_text(w, ws, 0, (lxw_col_t)c, t->cols[c].label, w->header);
    worksheet_freeze_panes(ws, 1, freeze_col ? 1 : 0);
    /* Printed (or turned into PDF): landscape, one page wide, header on every page. */
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    chk(w, worksheet_repeat_rows(ws, 0, 0), "repeat rows");
    chk(w, worksheet_autofilter(ws, 0, 0, (lxw_row_t)(t->nrows > 0 ? t->nrows : 1), (lxw_col_t)(t->ncols - 1)),
        "autofilter");
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++)
            put_cell(w, ws, (lxw_row_t)(r + 1), (lxw_col_t)c, rtab_cell(t, r, c), t->cols[c].kind,
                     kind_format(w, t->cols[c].kind));
    if (t->nrows == 0)
        put_text(w, ws, 1, 0, empty_msg, w->nodata);
    return ws;
}

static lxw_format *unit_format(struct wb *w, const char *unit, const char *item)
{
    if (!unit)
        return w->num;
    if (!strcmp(unit, "count"))
        return w->integer;
    if (!strcmp(unit, "usd"))
        return item && strstr(item, "per follower") ? w->usd4 : w->usd;
    if (!strcmp(unit, "ratio"))
        return w->pct;
    if (!strcmp(unit, "score"))
        return w->score;
    return w->num;
}

/*
 * The summary rows of one section in the metric layout: metric, basis, this,
 * previous, change, change %, note.  Returns the next free row.
 */
static lxw_row_t metric_rows(struct wb *w, lxw_worksheet *ws, const struct rtab *s, const char *section,
                             lxw_row_t row)
{
    char buf[512];
    bool errors = !strcmp(section, "prediction quality"); /* an error: down is good news */

    for (int r = 0; r < s->nrows; r++) {
        const char *sec = rtab_cell(s, r, 0);
        if (!sec || strcmp(sec, section))
            continue;
        const char *item = rtab_cell(s, r, 2), *unit = rtab_cell(s, r, 4);
        lxw_format *f = unit_format(w, unit, item);
        snprintf(buf, sizeof buf, "%s", item ? item : "");
        buf[0] = (char)(buf[0] >= 'a' && buf[0] <= 'z' ? buf[0] - 'a' + 'A' : buf[0]);
        put_text(w, ws, row, 0, buf, w->text);
        put_text(w, ws, row, 1, rtab_cell(s, r, 3) ? rtab_cell(s, r, 3) : "", w->note);
        put_cell(w, ws, row, 2, rtab_cell(s, r, 5), RC_NUM, f);
        put_cell(w, ws, row, 3, rtab_cell(s, r, 6), RC_NUM, f);
        put_cell(w, ws, row, 4, rtab_cell(s, r, 7), RC_NUM, f);
        put_cell(w, ws, row, 5, rtab_cell(s, r, 8), RC_PCT, w->pct);
        if (rtab_cell(s, r, 11))
            put_text(w, ws, row, 6, rtab_cell(s, r, 11), rtab_cell(s, r, 5) ? w->note : w->nodata);
        /* Green up, red down, except for money spent and errors, where up is not good news. */
        if (!errors && (!unit || strcmp(unit, "usd")))
            cond_sign(w, ws, row, 4, row, 5);
        row++;
    }
    return row;
}

/* Summary columns: metric, basis, four numbers, note. */
static const double summary_widths[7] = { 30, 40, 14, 14, 14, 14, 60 };

/* Sheet 1: the one-minute read. */
static void summary_sheet(struct wb *w, const struct report_data *d, lxw_worksheet *ws)
{
    const struct rtab *s = &d->summary;
    char buf[512], asof[32], pf[16], pt[16];
    lxw_row_t row = 0;
    int c;

    for (c = 0; c < 7; c++)
        chk(w, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, summary_widths[c], NULL), "column");
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);

    xtime_format(d->as_of, asof, sizeof asof);
    xtime_format_date(d->prev.from, pf, sizeof pf);
    xtime_format_date(d->prev.to - 1, pt, sizeof pt);
    snprintf(buf, sizeof buf, "ROI report  @%s  %s to %s", d->acct.handle, d->from_date, d->to_date);
    put_text(w, ws, row++, 0, buf, w->title);
    snprintf(buf, sizeof buf, "As of %s.  Compared with the previous %ld days, %s to %s.", asof,
             (long)((d->range.to - d->range.from + XTIME_DAY - 1) / XTIME_DAY), pf, pt);
    put_text(w, ws, row++, 0, buf, w->subtitle);
    put_text(w, ws, row++, 0,
             "\"Activity in the period\" = what happened between those dates.  \"Lifetime of posts "
             "published in the period\" = all-time counters of the posts published then.",
             w->subtitle);
    row++;

    /* Headline: metric, basis, this, previous, change, change %, note. */
    static const char *const head[] = { "Metric", "Basis", "This period", "Previous period", "Change",
                                        "Change %", "Note" };
    chk(w, worksheet_set_row(ws, row, header_height(head, summary_widths, 7), NULL), "header row");
    for (c = 0; c < 7; c++)
        put_text(w, ws, row, (lxw_col_t)c, head[c], w->header);
    worksheet_freeze_panes(ws, row + 1, 0);
    row++;
    row = metric_rows(w, ws, s, "headline", row);
    row++;

    /* How far off the decay model's 7-day predictions were, by age at prediction. */
    put_text(w, ws, row++, 0, "Prediction quality of the decay model (7-day likes, median APE)", w->section);
    chk(w, worksheet_set_row(ws, row, header_height(head, summary_widths, 7), NULL), "header row");
    for (c = 0; c < 7; c++)
        put_text(w, ws, row, (lxw_col_t)c, head[c], w->header);
    row++;
    row = metric_rows(w, ws, s, "prediction quality", row);
    row++;

    /* Best and worst arms. */
    put_text(w, ws, row++, 0, "Best and worst by selection score (learning over matured posts)", w->section);
    static const char *const arms_head[] = { "Group", "Rank and name", "Selection score", "Posts (evidence)",
                                             "Followers per post", "", "Note" };
    chk(w, worksheet_set_row(ws, row, header_height(arms_head, summary_widths, 7), NULL), "header row");
    for (c = 0; c < 7; c++)
        put_text(w, ws, row, (lxw_col_t)c, arms_head[c], w->header);
    row++;
    lxw_row_t arms_first = row;
    for (int r = 0; r < s->nrows; r++) {
        const char *sec = rtab_cell(s, r, 0);
        if (!sec || !strcmp(sec, "headline") || !strcmp(sec, "prediction quality"))
            continue;
        put_text(w, ws, row, 0, sec, w->text);
        if (rtab_cell(s, r, 2)) {
            snprintf(buf, sizeof buf, "%s. %s", rtab_cell(s, r, 1) ? rtab_cell(s, r, 1) : "",
                     rtab_cell(s, r, 2));
            put_text(w, ws, row, 1, buf, w->text);
        }
        put_cell(w, ws, row, 2, rtab_cell(s, r, 5), RC_SCORE, w->score);
        put_cell(w, ws, row, 3, rtab_cell(s, r, 9), RC_INT, w->integer);
        put_cell(w, ws, row, 4, rtab_cell(s, r, 10), RC_NUM, w->num);
        if (rtab_cell(s, r, 11))
            put_text(w, ws, row, 6, rtab_cell(s, r, 11), !rtab_cell(s, r, 2) ? w->nodata : w->note);
        row++;
    }
    if (row > arms_first)
        cond_bar(w, ws, arms_first, 2, row - 1, 0x63BE7B);
    row++;

    /* Charts, two per band: data lives on the sheets they summarise. */
    put_text(w, ws, row++, 0,
             "Charts  (the best-time-to-post heatmap and the curve values are on the Timing sheet)",
             w->section);
    lxw_row_t chart_row = row;
    int nd = d->daily.nrows > 0 ? d->daily.nrows : 1;
    int nt = d->content_types.nrows > 0 ? d->content_types.nrows : 1;

    lxw_chart *ch = workbook_add_chart(w->book, LXW_CHART_LINE);
    lxw_chart_series *se = chart_add_series(ch, NULL, NULL);
    chart_series_set_categories(se, SHEET_DAILY, 1, 0, (lxw_row_t)nd, 0);
    chart_series_set_values(se, SHEET_DAILY, 1, DAILY_COL_FOLLOWERS, (lxw_row_t)nd, DAILY_COL_FOLLOWERS);
    chart_series_set_name(se, "Followers");
    chart_series_set_marker_type(se, LXW_CHART_MARKER_CIRCLE);
    chart_title_set_name(ch, "Followers at the end of each day (UTC)");
    chart_axis_set_num_format(ch->y_axis, "#,##0");
    chart_axis_set_num_format(ch->x_axis, "mm-dd");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
    lxw_chart_options opt1 = { .x_offset = 0, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.0 };
    chk(w, worksheet_insert_chart_opt(ws, chart_row, 0, ch, &opt1), "followers chart");

    ch = workbook_add_chart(w->book, LXW_CHART_COLUMN);
    se = chart_add_series(ch, NULL, NULL);
    chart_series_set_categories(se, SHEET_TYPES, 1, 0, (lxw_row_t)nt, 0);
    chart_series_set_values(se, SHEET_TYPES, 1, GROUP_COL_FPP, (lxw_row_t)nt, GROUP_COL_FPP);
    chart_series_set_name(se, "Followers per post");
    chart_title_set_name(ch, "Followers per post by content type (7 d, posts in period)");
    chart_axis_set_num_format(ch->y_axis, "0.0");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
    lxw_chart_options opt2 = { .x_offset = 60, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.0 };
    chk(w, worksheet_insert_chart_opt(ws, chart_row, 2, ch, &opt2), "content type chart");

    ch = workbook_add_chart(w->book, LXW_CHART_SCATTER_SMOOTH);
    for (int k = 0; k < d->n_curves; k++) {
        se = chart_add_series(ch, NULL, NULL);
        chart_series_set_categories(se, SHEET_TIMING, 11, 1, 11, REPORT_CURVE_AGES);
        chart_series_set_values(se, SHEET_TIMING, (lxw_row_t)(12 + k), 1, (lxw_row_t)(12 + k), REPORT_CURVE_AGES);
        chart_series_set_name_range(se, SHEET_TIMING, (lxw_row_t)(12 + k), 0);
    }
    if (d->n_curves == 0) {
        /* An empty chart still says what would be here. */
        se = chart_add_series(ch, NULL, NULL);
        chart_series_set_categories(se, SHEET_TIMING, 11, 1, 11, REPORT_CURVE_AGES);
        chart_series_set_values(se, SHEET_TIMING, 12, 1, 12, REPORT_CURVE_AGES);
        chart_series_set_name(se, "no fitted curves");
    }
    chart_title_set_name(ch, "Cumulative likes of the top posts (fitted decay model)");
    chart_axis_set_name(ch->x_axis, "Hours since posting");
    chart_axis_set_min(ch->x_axis, 0);
    chart_axis_set_max(ch->x_axis, 168);
    chart_axis_set_major_unit(ch->x_axis, 24);
    chart_axis_set_num_format(ch->y_axis, "#,##0");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt3 = { .x_offset = 0, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.2 };
    chk(w, worksheet_insert_chart_opt(ws, chart_row + 16, 0, ch, &opt3), "curves chart");
}

static void timing_sheet(struct wb *w, const struct report_data *d, lxw_worksheet *ws)
{
    static const char *const days[7] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                         "Sunday" };
    char buf[256];
    bool any = false;
    int h, k;

    chk(w, worksheet_set_column(ws, 0, 0, 34, NULL), "column");
    chk(w, worksheet_set_column(ws, 1, 24, 6.5, NULL), "column");
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    snprintf(buf, sizeof buf,
             "Best time to post: mean followers attributed per post (7 d), posts of the %d days to %s, "
             "by UTC weekday and hour",
             d->heat_days, d->to_date);
    put_text(w, ws, 0, 0, buf, w->section);
    put_text(w, ws, 1, 0, "Weekday \\ hour (UTC)", w->header);
    for (h = 0; h < 24; h++)
        chk(w, worksheet_write_number(ws, 1, (lxw_col_t)(h + 1), h, w->header), "hour");
    worksheet_freeze_panes(ws, 2, 1);
    for (int dow = 0; dow < 7; dow++) {
        put_text(w, ws, (lxw_row_t)(2 + dow), 0, days[dow], w->text);
        for (h = 0; h < 24; h++) {
            if (d->heat_n[dow][h] > 0 && isfinite(d->heat[dow][h])) {
                put_number(w, ws, (lxw_row_t)(2 + dow), (lxw_col_t)(h + 1), d->heat[dow][h], w->num);
                any = true;
            }
        }
    }
    if (any)
        cond_scale3(w, ws, 2, 1, 8, 24, 0xF8696B, 0xFFEB84, 0x63BE7B);
    put_text(w, ws, 9, 0,
             any ? "Blank: no post at that hour.  Green = more followers per post."
                 : "no data: no post with a 7-day attribution in that window",
             any ? w->note : w->nodata);

    /* Curves: one row per post, ages across (the Summary chart reads rows 11..16). */
    put_text(w, ws, 10, 0, "Cumulative likes of the top posts by likes, from each post's fitted decay model",
             w->section);
    put_text(w, ws, 11, 0, "Post \\ hours since posting", w->header);
    for (int i = 0; i < REPORT_CURVE_AGES; i++)
        chk(w, worksheet_write_number(ws, 11, (lxw_col_t)(i + 1), d->curve_age_h[i], w->header), "age");
    for (k = 0; k < d->n_curves; k++) {
        put_text(w, ws, (lxw_row_t)(12 + k), 0, d->curve_label[k], w->text);
        for (int i = 0; i < REPORT_CURVE_AGES; i++)
            put_number(w, ws, (lxw_row_t)(12 + k), (lxw_col_t)(i + 1), d->curve[i][k], w->integer);
    }
    if (d->n_curves == 0)
        put_text(w, ws, 12, 0, "no data: no fitted decay curves (xetl fit)", w->nodata);
}

/*
 * libxlsxwriter prints its own "[ERROR]…" and "[WARNING]…" lines on stderr,
 * which would break -q and --log-format json.  While it works, fd 2 is a
 * non-blocking pipe (a full pipe drops lines rather than blocking); what it
 * said is then logged through our log, one warning a line.
 */
struct capture {
    int saved, rd;
};

static void capture_begin(struct capture *c)
{
    int p[2];
    c->saved = c->rd = -1;
    fflush(stderr);
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
        return;
    if ((c->saved = fcntl(2, F_DUPFD_CLOEXEC, 3)) < 0 || dup2(p[1], 2) < 0) {
        if (c->saved >= 0)
            close(c->saved);
        c->saved = -1;
        close(p[0]);
        close(p[1]);
        return;
    }
    close(p[1]);
    c->rd = p[0];
}

static void capture_end(struct capture *c, char *first, size_t n)
{
    char buf[4096];
    ssize_t got;
    size_t len = 0;

    first[0] = '\0';
    if (c->saved < 0)
        return;
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    while (len < sizeof buf - 1 && (got = read(c->rd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)got;
    close(c->rd);
    buf[len] = '\0';
    for (char *line = buf, *next; *line; line = next) {
        next = line + strcspn(line, "\n");
        if (*next)
            *next++ = '\0';
        if (!*line)
            continue;
        if (!first[0])
            snprintf(first, n, "%s", line);
        log_warn("libxlsxwriter: %s", line);
    }
}

/*
 * Whether a failed workbook write ran out of room: libxlsxwriter reports a
 * generic file error and errno may be gone by then, so look at the disk and
 * at the file size limit themselves.
 */
static bool out_of_room(const char *tmp, int e)
{
    struct statvfs vs;
    struct rlimit rl;
    struct stat st;
    char dir[4096], *slash;

    if (report_io_code(e) == XETL_EX_IOERR)
        return true;
    snprintf(dir, sizeof dir, "%s", tmp);
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (statvfs(slash ? dir : ".", &vs) == 0 && vs.f_bavail == 0)
        return true;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && stat(tmp, &st) == 0 &&
        (rlim_t)st.st_size + 65536 >= rl.rlim_cur)
        return true;
    return false;
}

static int xlsx_write_book(const struct report_data *d, const char *path, const char *tmp, struct xerr *err);

int xlsx_write(const struct report_data *d, const char *path, struct xerr *err)
{
    char tmp[4096], said[256];
    struct capture cap;
    int rc, fd;

    if ((fd = report_tmp_open(path, tmp, sizeof tmp, err)) < 0)
        return -fd;
    /* libxlsxwriter opens the file by name: it truncates the one just made, ours alone (O_EXCL). */
    close(fd);
    capture_begin(&cap);
    rc = xlsx_write_book(d, path, tmp, err);
    capture_end(&cap, said, sizeof said);
    /* Its own words may be all that is left of the errno: "…File too large", "…No space left…". */
    if (rc == XETL_EX_SOFTWARE && (strstr(said, strerror(EFBIG)) || strstr(said, strerror(ENOSPC))))
        rc = report_io_error(err, strstr(said, strerror(EFBIG)) ? EFBIG : ENOSPC, "write workbook", path);
    else if (rc == XETL_EX_SOFTWARE && said[0] && !strstr(err->msg, said))
        xerr_prefix(err, "%.200s: ", said);
    if (rc)
        unlink(tmp);
    return rc;
}

static int xlsx_write_book(const struct report_data *d, const char *path, const char *tmp, struct xerr *err)
{
    char title[256], tmpdir[4096];
    struct wb w;
    /* Its own temp files go beside the report: the same disk, the same limits, the same checks. */
    snprintf(tmpdir, sizeof tmpdir, "%s", tmp);
    char *slash = strrchr(tmpdir, '/');
    if (slash)
        *slash = '\0';
    lxw_workbook_options opts = { .constant_memory = LXW_TRUE, .tmpdir = slash ? tmpdir : NULL,
                                  .use_zip64 = LXW_FALSE };
    lxw_doc_properties props;
    lxw_worksheet *summary, *ws;
    lxw_error close_err;
    int rc = 0;

    memset(&w, 0, sizeof w);
    errno = 0;
    w.book = workbook_new_opt(tmp, &opts);
    if (!w.book) {
        if (out_of_room(tmp, errno))
            return report_io_error(err, errno ? errno : ENOSPC, "create workbook", path);
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot create workbook '%s'", tmp);
    }
    make_formats(&w);

    /* The created date is the as-of, so the file says when the data was, not when it was written. */
    snprintf(title, sizeof title, "ROI report @%s %s to %s", d->acct.handle, d->from_date, d->to_date);
    memset(&props, 0, sizeof props);
    props.title = title;
    char subject[] = "X growth ROI", author[] = "xetl",
         comments[] = "Generated by xetl report; docs/reports.md defines every column";
    props.subject = subject;
    props.author = author;
    props.comments = comments;
    props.created = (time_t)d->as_of;
    chk(&w, workbook_set_properties(w.book, &props), "properties");

    summary = workbook_add_worksheet(w.book, SHEET_SUMMARY);
    if (!summary) {
        chk(&w, LXW_ERROR_MEMORY_MALLOC_FAILED, "summary sheet");
        goto close;
    }
    summary_sheet(&w, d, summary);

    if ((ws = table_sheet(&w, SHEET_POSTS, &d->posts, true, "no posts published in this period"))) {
        if (d->posts.nrows > 0) {
            cond_scale3(&w, ws, 1, POSTS_COL_ER, (lxw_row_t)d->posts.nrows, POSTS_COL_ER, 0xF8696B, 0xFFEB84,
                        0x63BE7B);
            cond_bar(&w, ws, 1, POSTS_COL_FOLLOWERS, (lxw_row_t)d->posts.nrows, 0x638EC6);
        }
    }
    const struct rtab *groups[3] = { &d->content_types, &d->formulas, &d->hooks };
    const char *gnames[3] = { SHEET_TYPES, SHEET_FORMULAS, SHEET_HOOKS };
    for (int g = 0; g < 3; g++) {
        ws = table_sheet(&w, gnames[g], groups[g], true, "no data: no posts and no learning results");
        if (ws && groups[g]->nrows > 0) {
            cond_bar(&w, ws, 1, GROUP_COL_SCORE, (lxw_row_t)groups[g]->nrows, 0x63BE7B);
            cond_scale3(&w, ws, 1, GROUP_COL_FPP, (lxw_row_t)groups[g]->nrows, GROUP_COL_FPP, 0xF8696B,
                        0xFFEB84, 0x63BE7B);
        }
    }
    ws = table_sheet(&w, SHEET_ATTR, &d->attribution, true, "no data: attribution has not run for these posts");
    if (ws && d->attribution.nrows > 0)
        cond_bar(&w, ws, 1, ATTR_COL_CONF, (lxw_row_t)d->attribution.nrows, 0x638EC6);
    ws = table_sheet(&w, SHEET_DAILY, &d->daily, true, "no days in range");
    if (ws && d->daily.nrows > 0)
        cond_scale3(&w, ws, 1, DAILY_COL_CHANGE, (lxw_row_t)d->daily.nrows, DAILY_COL_CHANGE, 0xF8696B,
                    0xFFFFFF, 0x63BE7B);
    if ((ws = workbook_add_worksheet(w.book, SHEET_TIMING)))
        timing_sheet(&w, d, ws);
    else
        chk(&w, LXW_ERROR_MEMORY_MALLOC_FAILED, "timing sheet");
    worksheet_activate(summary);

close:
    /* workbook_close() writes the file and frees the workbook, error or not. */
    errno = 0;
    close_err = workbook_close(w.book);
    int e = errno;
    if (w.first != LXW_NO_ERROR)
        rc = xerr_set(err, XETL_EX_SOFTWARE, "cannot write workbook '%s': %s: %s", path, w.where,
                      lxw_strerror(w.first));
    else if (close_err != LXW_NO_ERROR && out_of_room(tmp, e))
        rc = report_io_error(err, report_io_code(e) == XETL_EX_IOERR ? e : ENOSPC, "write workbook", path);
    else if (close_err != LXW_NO_ERROR)
        rc = xerr_set(err, XETL_EX_SOFTWARE, "cannot write workbook '%s': %s", tmp, lxw_strerror(close_err));
    else
        rc = report_commit_file(tmp, path, d->file_mode, err);
    return rc;
}
