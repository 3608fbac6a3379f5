/*
 * reports/xlsx_report.c — the ROI workbook's sheets (xlsx_write, xlsx.h):
 * Summary, the data sheets and Timing.  Columns are read by name from the
 * report's column tables (xcell, xcol), never by position.
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

/* Timing sheet row of the trend data the Summary chart draws (after the curves' rows 11..16). */
#define TREND_ROW 19

/* Rows of a group table that are ranked: those above the first small-sample row (report_gather.c puts them last). */
static int ranked_rows(const struct rtab *t)
{
    int r = 0;
    while (r < t->nrows && !xcell(t, r, "note"))
        r++;
    return r;
}

static lxw_format *unit_format(struct wb *w, const char *unit, const char *item)
{
    if (!unit)
        return w->num;
    if (!strcmp(unit, "count"))
        return w->integer;
    if (!strcmp(unit, "usd"))
        return item && strstr(item, "per follower") ? w->usd3 : w->usd;
    if (!strcmp(unit, "ratio"))
        return w->pct;
    if (!strcmp(unit, "score"))
        return w->score;
    return w->num;
}

/*
 * A change of rates, a fraction as the CSV has it ("-0.0093"), in points: the same
 * decimal digits two places on (-0.93), not the product's binary remnant
 * (-0.9299999999999999): the digits as an exact integer, divided once by a power of ten.
 */
static double points(const char *frac)
{
    const char *dot = strchr(frac, '.');
    int d = 0;
    if (dot)
        while (dot[1 + d] >= '0' && dot[1 + d] <= '9')
            d++;
    double v = strtod(frac, NULL);
    /* Only a plain decimal whose digits are an exact integer in a double. */
    if (d < 2 || d > 15 || !isfinite(v) || strpbrk(frac, "eE") || fabs(v) * pow(10, d) >= 9007199254740992.0)
        return v * 100.0;
    return (double)llround(v * pow(10, d)) / pow(10, d - 2);
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
        const char *sec = xcell(s, r, "section");
        if (!sec || strcmp(sec, section))
            continue;
        const char *item = xcell(s, r, "item"), *unit = xcell(s, r, "unit");
        lxw_format *f = unit_format(w, unit, item);
        snprintf(buf, sizeof buf, "%s", item ? item : "");
        buf[0] = (char)(buf[0] >= 'a' && buf[0] <= 'z' ? buf[0] - 'a' + 'A' : buf[0]);
        xl_text(w, ws, row, 0, buf, w->text);
        xl_text(w, ws, row, 1, xcell(s, r, "basis") ? xcell(s, r, "basis") : "", w->note);
        xl_cell(w, ws, row, 2, xcell(s, r, "current"), RC_NUM, f);
        xl_cell(w, ws, row, 3, xcell(s, r, "previous"), RC_NUM, f);
        /* The change in the row's own unit: points for rates (765 % -> 878 % is -113 pts), money for money. */
        const char *chg = xcell(s, r, "change");
        if (chg && unit && !strcmp(unit, "ratio"))
            xl_number(w, ws, row, 4, points(chg), w->pts);
        else
            xl_cell(w, ws, row, 4, chg, RC_NUM,
                     f == w->usd3 ? w->susd3 : f == w->usd ? w->susd : f == w->integer ? w->sint : f);
        xl_cell(w, ws, row, 5, xcell(s, r, "change_pct"), RC_PCT, w->pct);
        if (xcell(s, r, "note"))
            xl_text(w, ws, row, 6, xcell(s, r, "note"), xcell(s, r, "current") ? w->note : w->nodata);
        /* Green up, red down, except for money spent and errors, where up is not good news. */
        if (!errors && (!unit || strcmp(unit, "usd")))
            xl_cond_sign(w, ws, row, 4, row, 5);
        row++;
    }
    return row;
}


/*
 * The plain-words legend, once: the terms the sheets use, the rounding rule
 * of each quantity, and why the mostly blank columns are blank.
 */
static lxw_row_t legend_rows(struct wb *w, lxw_worksheet *ws, const struct report_data *d, lxw_row_t row)
{
    static const char *const terms[][2] = {
        { "pts", "percentage points: the difference of two percentages (ROI 878 % -> 765 % is -113 pts; the "
                 "relative change of that is -13 %)" },
        { "Activity in the period", "what happened between the two dates (followers gained, money spent)" },
        { "Lifetime of posts", "all-time counters of the posts published in the period, however old the count" },
        { "Followers attributed", "followers the attribution model credits to a post within 7 days of posting; "
                                  "they can add up to more than the net gain when the account also lost followers" },
        { "Confidence", "how much of the follower change around a post the model can pin on it; a ranking of "
                        "trust, not the chance the number is exact (docs/attribution.md)" },
        { "Chance of being the best", "the selection score: how likely the learning model thinks this option is "
                                      "the best of its group, from matured posts; the bot posts more of what "
                                      "scores high" },
        { "Matured posts", "posts old enough (learn.maturity_hours, 7 days) that their follower outcome is known" },
        { "Alpha, beta", "the evidence behind a score: followers gained and posts "
                                                      "counted, recent posts weighing more; followers per post = "
                                                      "alpha / beta" },
        { "Few posts", "groups with fewer than 5 posts (or matured posts) are listed last with a note and "
                       "never ranked, coloured or charted" },
        { "Half-life", "minutes until a post had half of the engagements its curve reaches at 7 days; a post "
                       "first counted after that point (most posts of a nightly pull) gets the account's typical "
                       "half-life, from its posts counted early enough, so many posts share one value" },
        { "APE", "absolute percentage error of a prediction: |predicted - actual| / actual; lower is better" },
        { "Rounding", "counts whole; money to the cent; cost per follower to a tenth of a cent ($0.058); rates "
                      "and ROI to 0.01 %; changes of rates in points; chances to 0.01 %; a total is rounded once, "
                      "so it can differ by a cent from the sum of its rounded days" },
    };
    const struct {
        const char *sheet;
        const struct rtab *t;
    } tabs[] = {
        { SHEET_POSTS, &d->posts },      { SHEET_TYPES, &d->content_types }, { SHEET_FORMULAS, &d->formulas },
        { SHEET_HOOKS, &d->hooks },      { SHEET_ATTR, &d->attribution },    { SHEET_DAILY, &d->daily },
    };
    char buf[700];

    xl_text(w, ws, row++, 0, "How to read this workbook", w->section);
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        xl_text(w, ws, row, 0, terms[i][0], w->legend_term);
        row = xl_lines(w, ws, row, 1, terms[i][1], 150, w->note);
    }
    bool first = true;
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
        struct sheet_notes notes;
        xl_sheet_notes(tabs[i].t, &notes);
        for (int k = 0; k < notes.n; k++) {
            if (!strncmp(notes.text[k], "Confidence (0-100", 17))
                continue; /* said above */
            if (first) {
                xl_text(w, ws, row++, 0, "Columns left blank, and what would fill them", w->legend_term);
                first = false;
            }
            snprintf(buf, sizeof buf, "%s sheet, %s", tabs[i].sheet, notes.text[k]);
            row = xl_lines(w, ws, row, 1, buf, 150, w->note);
        }
    }
    return row;
}

/* Summary columns: metric, basis, four numbers, note. */
static const double summary_widths[7] = { 30, 40, 14, 14, 14, 14, 48 };

/* A chart's title, axis names, value format and legend. */
static void chart_dress(lxw_chart *ch, const char *title, const char *x, const char *y, const char *num_format,
                        uint8_t legend)
{
    chart_title_set_name(ch, title);
    chart_axis_set_name(ch->x_axis, x);
    chart_axis_set_name(ch->y_axis, y);
    chart_axis_set_num_format(ch->y_axis, num_format);
    chart_legend_set_position(ch, legend);
}

static lxw_row_t summary_arms(struct wb *w, lxw_worksheet *ws, const struct rtab *s, lxw_row_t row);
static void summary_charts(struct wb *w, const struct report_data *d, lxw_worksheet *ws, lxw_row_t row);

/* Sheet 1: the one-minute read. */
static void summary_sheet(struct wb *w, const struct report_data *d, lxw_worksheet *ws)
{
    const struct rtab *s = &d->summary;
    char buf[512], asof[32], pf[16], pt[16];
    lxw_row_t row = 0;
    int c;

    for (c = 0; c < 7; c++)
        xl_chk(w, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, summary_widths[c], NULL), "column");
    worksheet_set_landscape(ws);
    /* Printed: a scale that fits the width, and the charts and the legend each start a page. */
    worksheet_set_print_scale(ws, 50);

    xtime_format(d->as_of, asof, sizeof asof);
    xtime_format_date(d->prev.from, pf, sizeof pf);
    xtime_format_date(d->prev.to - 1, pt, sizeof pt);
    snprintf(buf, sizeof buf, "ROI report  @%s  %s to %s", d->acct.handle, d->from_date, d->to_date);
    xl_text(w, ws, row++, 0, buf, w->title);
    snprintf(buf, sizeof buf, "As of %s.  Compared with the previous %ld days, %s to %s.", asof,
             (long)((d->range.to - d->range.from + XTIME_DAY - 1) / XTIME_DAY), pf, pt);
    xl_text(w, ws, row++, 0, buf, w->subtitle);
    xl_text(w, ws, row++, 0,
             "\"Activity in the period\" = what happened between those dates.  \"Lifetime of posts "
             "published in the period\" = all-time counters of the posts published then.",
             w->subtitle);
    row++;

    /* Headline: metric, basis, this, previous, change, change %, note. */
    static const char *const head[] = { "Metric", "Basis", "This period", "Previous period",
                                        "Change (in the metric's unit)", "Relative change", "Note" };
    xl_chk(w, worksheet_set_row(ws, row, xl_header_height(head, summary_widths, 7), NULL), "header row");
    for (c = 0; c < 7; c++)
        xl_text(w, ws, row, (lxw_col_t)c, head[c], w->header);
    worksheet_freeze_panes(ws, row + 1, 0);
    row++;
    row = metric_rows(w, ws, s, "headline", row);
    row++;

    /* How far off the decay model's 7-day predictions were, by age at prediction. */
    xl_text(w, ws, row++, 0, "Prediction quality of the decay model (7-day likes, median APE)", w->section);
    xl_chk(w, worksheet_set_row(ws, row, xl_header_height(head, summary_widths, 7), NULL), "header row");
    for (c = 0; c < 7; c++)
        xl_text(w, ws, row, (lxw_col_t)c, head[c], w->header);
    row++;
    row = metric_rows(w, ws, s, "prediction quality", row);
    row++;
    row = summary_arms(w, ws, s, row);
    summary_charts(w, d, ws, row);
}

/* The best and worst arms of each component; returns the next free row. */
static lxw_row_t summary_arms(struct wb *w, lxw_worksheet *ws, const struct rtab *s, lxw_row_t row)
{
    char buf[512];
    int c;
    xl_text(w, ws, row++, 0, "Best and worst by the chance of being the best (learning over matured posts)",
             w->section);
    static const char *const arms_head[] = { "Group", "Rank and name", "Chance of being the best",
                                             "Matured posts (evidence)", "Followers per post", "", "Note" };
    xl_chk(w, worksheet_set_row(ws, row, xl_header_height(arms_head, summary_widths, 7), NULL), "header row");
    for (c = 0; c < 7; c++)
        xl_text(w, ws, row, (lxw_col_t)c, arms_head[c], w->header);
    row++;
    lxw_row_t arms_first = row;
    for (int r = 0; r < s->nrows; r++) {
        const char *sec = xcell(s, r, "section");
        if (!sec || !strcmp(sec, "headline") || !strcmp(sec, "prediction quality"))
            continue;
        xl_text(w, ws, row, 0, sec, w->text);
        if (xcell(s, r, "item")) {
            snprintf(buf, sizeof buf, "%s. %s", xcell(s, r, "rank") ? xcell(s, r, "rank") : "",
                     xcell(s, r, "item"));
            xl_text(w, ws, row, 1, buf, w->text);
        }
        xl_cell(w, ws, row, 2, xcell(s, r, "current"), RC_SCORE, w->pct);
        xl_cell(w, ws, row, 3, xcell(s, r, "posts"), RC_INT, w->integer);
        xl_cell(w, ws, row, 4, xcell(s, r, "followers_per_post"), RC_NUM, w->num);
        if (xcell(s, r, "note"))
            xl_text(w, ws, row, 6, xcell(s, r, "note"), !xcell(s, r, "item") ? w->nodata : w->note);
        row++;
    }
    if (row > arms_first)
        xl_cond_bar(w, ws, arms_first, 2, row - 1, 0x63BE7B);
    return row + 1;
}

/* The charts, two per band (their data lives on the sheets they summarise), then the legend. */
static void summary_charts(struct wb *w, const struct report_data *d, lxw_worksheet *ws, lxw_row_t row)
{
    xl_text(w, ws, row++, 0,
             "Charts  (the best-time-to-post heatmap and the curve values are on the Timing sheet)",
             w->section);
    lxw_row_t chart_row = row;
    int nd = d->daily.nrows > 0 ? d->daily.nrows : 1;
    /* Only groups with enough posts: two lucky posts would be the tallest bar. */
    int nt = ranked_rows(&d->content_types) > 0 ? ranked_rows(&d->content_types) : 1;

    /* The trend: followers gained since each period began, this period beside the one before. */
    lxw_chart *ch = workbook_add_chart(w->book, LXW_CHART_LINE);
    lxw_chart_series *se;
    lxw_col_t ng = (lxw_col_t)(nd > 0 ? nd : 1);
    for (int k = 0; k < 2; k++) {
        se = chart_add_series(ch, NULL, NULL);
        chart_series_set_categories(se, SHEET_TIMING, TREND_ROW + 1, 1, TREND_ROW + 1, ng);
        chart_series_set_values(se, SHEET_TIMING, (lxw_row_t)(TREND_ROW + 2 + k), 1, (lxw_row_t)(TREND_ROW + 2 + k), ng);
        chart_series_set_name_range(se, SHEET_TIMING, (lxw_row_t)(TREND_ROW + 2 + k), 0);
        chart_series_set_marker_type(se, k ? LXW_CHART_MARKER_NONE : LXW_CHART_MARKER_CIRCLE);
        if (k) {
            lxw_chart_line prev_line = { .color = 0xA5A5A5, .dash_type = LXW_CHART_LINE_DASH_DASH, .width = 1.5 };
            chart_series_set_line(se, &prev_line);
        }
    }
    chart_dress(ch, "Followers gained since the period began", "Day of the period", "Followers gained", "#,##0",
                LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt1 = { .x_offset = 0, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.1 };
    xl_chk(w, worksheet_insert_chart_opt(ws, chart_row, 0, ch, &opt1), "followers chart");

    ch = workbook_add_chart(w->book, LXW_CHART_COLUMN);
    se = chart_add_series(ch, NULL, NULL);
    chart_series_set_categories(se, SHEET_TYPES, 1, 0, (lxw_row_t)nt, 0);
    lxw_col_t fpp = xcol(&d->content_types, "followers_per_post_7d");
    chart_series_set_values(se, SHEET_TYPES, 1, fpp, (lxw_row_t)nt, fpp);
    chart_series_set_name(se, "Followers per post");
    chart_dress(ch, "Followers per post by content type (7 d, posts in period)",
                "Content type (5 or more posts in the period)", "Followers per post", "0.0", LXW_CHART_LEGEND_NONE);
    lxw_chart_options opt2 = { .x_offset = 60, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.1 };
    xl_chk(w, worksheet_insert_chart_opt(ws, chart_row, 2, ch, &opt2), "content type chart");

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
    chart_dress(ch, "Cumulative likes of the top posts (fitted decay model)", "Hours since posting", "Likes so far",
                "#,##0", LXW_CHART_LEGEND_BOTTOM);
    chart_axis_set_min(ch->x_axis, 0);
    chart_axis_set_max(ch->x_axis, 168);
    chart_axis_set_major_unit(ch->x_axis, 24);
    lxw_chart_options opt3 = { .x_offset = 0, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.2 };
    xl_chk(w, worksheet_insert_chart_opt(ws, chart_row + 17, 0, ch, &opt3), "curves chart");

    /* Below the charts (each chart is about 16 rows tall): the legend, once. */
    lxw_row_t breaks[] = { chart_row - 1, chart_row + 37, 0 };
    xl_chk(w, worksheet_set_h_pagebreaks(ws, breaks), "page breaks");
    lxw_row_t end = legend_rows(w, ws, d, chart_row + 37);
    xl_chk(w, worksheet_print_area(ws, 0, 0, end, 6), "print area");
}

static void timing_sheet(struct wb *w, const struct report_data *d, lxw_worksheet *ws)
{
    static const char *const days[7] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                         "Sunday" };
    char buf[256];
    bool any = false;
    int h, k;

    xl_chk(w, worksheet_set_column(ws, 0, 0, 34, NULL), "column");
    xl_chk(w, worksheet_set_column(ws, 1, 24, 6.5, NULL), "column");
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    snprintf(buf, sizeof buf,
             "Best time to post: mean followers attributed per post (7 d), posts of the %d days to %s, "
             "by UTC weekday and hour",
             d->heat_days, d->to_date);
    xl_text(w, ws, 0, 0, buf, w->section);
    xl_text(w, ws, 1, 0, "Weekday \\ hour (UTC)", w->header);
    for (h = 0; h < 24; h++)
        xl_chk(w, worksheet_write_number(ws, 1, (lxw_col_t)(h + 1), h, w->header), "hour");
    worksheet_freeze_panes(ws, 2, 1);
    for (int dow = 0; dow < 7; dow++) {
        xl_text(w, ws, (lxw_row_t)(2 + dow), 0, days[dow], w->text);
        for (h = 0; h < 24; h++) {
            if (d->heat_n[dow][h] > 0 && isfinite(d->heat[dow][h])) {
                xl_number(w, ws, (lxw_row_t)(2 + dow), (lxw_col_t)(h + 1), d->heat[dow][h], w->num);
                any = true;
            }
        }
    }
    if (any)
        xl_cond_scale3(w, ws, 2, 1, 8, 24, 0xF8696B, 0xFFEB84, 0x63BE7B);
    xl_text(w, ws, 9, 0,
             any ? "Blank: no post at that hour.  Green = more followers per post."
                 : "no data: no post with a 7-day attribution in that window",
             any ? w->note : w->nodata);

    /* Curves: one row per post, ages across (the Summary chart reads rows 11..16). */
    xl_text(w, ws, 10, 0, "Cumulative likes of the top posts by likes, from each post's fitted decay model",
             w->section);
    xl_text(w, ws, 11, 0, "Post \\ hours since posting", w->header);
    for (int i = 0; i < REPORT_CURVE_AGES; i++)
        xl_chk(w, worksheet_write_number(ws, 11, (lxw_col_t)(i + 1), d->curve_age_h[i], w->header), "age");
    for (k = 0; k < d->n_curves; k++) {
        xl_text(w, ws, (lxw_row_t)(12 + k), 0, d->curve_label[k], w->text);
        for (int i = 0; i < REPORT_CURVE_AGES; i++)
            xl_number(w, ws, (lxw_row_t)(12 + k), (lxw_col_t)(i + 1), d->curve[i][k], w->integer);
    }
    if (d->n_curves == 0)
        xl_text(w, ws, 12, 0, "no data: no fitted decay curves (xetl fit)", w->nodata);

    /* The Summary's trend chart: followers gained since each period began (rows TREND_ROW..+3). */
    xl_text(w, ws, TREND_ROW, 0, "Followers gained since the period began, by day of the period", w->section);
    xl_text(w, ws, TREND_ROW + 1, 0, "Period \\ day of the period", w->header);
    for (int i = 0; i < d->n_gain; i++)
        xl_chk(w, worksheet_write_number(ws, TREND_ROW + 1, (lxw_col_t)(i + 1), i + 1, w->header), "day");
    snprintf(buf, sizeof buf, "This period (%s to %s)", d->from_date, d->to_date);
    xl_text(w, ws, TREND_ROW + 2, 0, buf, w->text);
    for (int i = 0; i < d->n_gain; i++)
        xl_number(w, ws, TREND_ROW + 2, (lxw_col_t)(i + 1), d->gain_cur[i], w->integer);
    char pf[16], pt[16];
    xtime_format_date(d->prev.from, pf, sizeof pf);
    xtime_format_date(d->prev.to - 1, pt, sizeof pt);
    snprintf(buf, sizeof buf, "Previous period (%s to %s)", pf, pt);
    xl_text(w, ws, TREND_ROW + 3, 0, buf, w->text);
    for (int i = 0; i < d->n_gain; i++)
        xl_number(w, ws, TREND_ROW + 3, (lxw_col_t)(i + 1), d->gain_prev[i], w->integer);
}




static int book_report(const void *arg, const char *path, const char *tmp, struct xerr *err)
{
    const struct report_data *d = arg;
    char title[256];
    struct wb w;
    lxw_doc_properties props;
    lxw_worksheet *summary, *ws;
    int rc;

    if ((rc = xl_open_book(&w, tmp, path, err)))
        return rc;

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
    xl_chk(&w, workbook_set_properties(w.book, &props), "properties");

    summary = workbook_add_worksheet(w.book, SHEET_SUMMARY);
    if (!summary) {
        xl_chk(&w, LXW_ERROR_MEMORY_MALLOC_FAILED, "summary sheet");
        goto close;
    }
    summary_sheet(&w, d, summary);

    if ((ws = xl_table_sheet(&w, SHEET_POSTS, &d->posts, true, "no posts published in this period"))) {
        if (d->posts.nrows > 0) {
            lxw_col_t er = xcol(&d->posts, "engagement_rate_lifetime");
            xl_cond_scale3(&w, ws, 1, er, (lxw_row_t)d->posts.nrows, er, 0xF8696B, 0xFFEB84, 0x63BE7B);
            xl_cond_bar(&w, ws, 1, xcol(&d->posts, "followers_attributed_7d"), (lxw_row_t)d->posts.nrows, 0x638EC6);
        }
    }
    const struct rtab *groups[3] = { &d->content_types, &d->formulas, &d->hooks };
    const char *gnames[3] = { SHEET_TYPES, SHEET_FORMULAS, SHEET_HOOKS };
    for (int g = 0; g < 3; g++) {
        ws = xl_table_sheet(&w, gnames[g], groups[g], true, "no data: no posts and no learning results");
        /* Small groups (listed last) are never coloured as winners. */
        int ranked = ranked_rows(groups[g]);
        if (ws && ranked > 0) {
            lxw_col_t fpp = xcol(groups[g], "followers_per_post_7d");
            xl_cond_bar(&w, ws, 1, xcol(groups[g], "selection_score"), (lxw_row_t)ranked, 0x63BE7B);
            xl_cond_scale3(&w, ws, 1, fpp, (lxw_row_t)ranked, fpp, 0xF8696B, 0xFFEB84, 0x63BE7B);
        }
    }
    ws = xl_table_sheet(&w, SHEET_ATTR, &d->attribution, true, "no data: attribution has not run for these posts");
    if (ws && d->attribution.nrows > 0)
        xl_cond_bar(&w, ws, 1, xcol(&d->attribution, "confidence"), (lxw_row_t)d->attribution.nrows, 0x638EC6);
    ws = xl_table_sheet(&w, SHEET_DAILY, &d->daily, true, "no days in range");
    if (ws && d->daily.nrows > 0)
        xl_cond_scale3(&w, ws, 1, xcol(&d->daily, "followers_change"), (lxw_row_t)d->daily.nrows,
                    xcol(&d->daily, "followers_change"), 0xF8696B, 0xFFFFFF, 0x63BE7B);
    if ((ws = workbook_add_worksheet(w.book, SHEET_TIMING)))
        timing_sheet(&w, d, ws);
    else
        xl_chk(&w, LXW_ERROR_MEMORY_MALLOC_FAILED, "timing sheet");
    worksheet_activate(summary);

close:
    return xl_finish_book(&w, tmp, path, d->file_mode, err);
}

int xlsx_write(const struct report_data *d, const char *path, struct xerr *err)
{
    return xl_write_book(d, path, book_report, err);
}
