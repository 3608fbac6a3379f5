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
#define SHEET_ROLLUP "Roll-up"

/* Column indexes the charts and conditional formats refer to (report.c's column tables). */
#define POSTS_COL_ER 14
#define POSTS_COL_FOLLOWERS 19
#define GROUP_COL_FPP 5
#define GROUP_COL_SCORE 11
#define GROUP_COL_NOTE 12
#define ATTR_COL_CONF 6
#define DAILY_COL_FOLLOWERS 1
#define DAILY_COL_CHANGE 2

/* Timing sheet row of the trend data the Summary chart draws (after the curves' rows 11..16). */
#define TREND_ROW 19

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
    /* One rounding rule per quantity, on every sheet: cost per follower to a tenth of a cent. */
    w->usd3 = numfmt(b, "$#,##0.000");
    /* Changes carry a sign, in the row's own unit: points for rates, money for money. */
    w->pts = numfmt(b, "+0.00\" pts\";-0.00\" pts\";0.00\" pts\"");
    w->sint = numfmt(b, "+#,##0;-#,##0;0");
    w->susd = numfmt(b, "+$#,##0.00;-$#,##0.00;$0.00");
    w->susd3 = numfmt(b, "+$#,##0.000;-$#,##0.000;$0.000");
    w->legend_term = workbook_add_format(b);
    format_set_bold(w->legend_term);
    format_set_align(w->legend_term, LXW_ALIGN_VERTICAL_TOP);
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
    case RC_USD_PER: return w->usd3;
    case RC_SCORE: return w->score;
    case RC_TEXT:
    case RC_UNIT: return w->text;
    }
    return w->text;
}

static bool kind_is_number(enum rcol_kind k)
{
    return k == RC_INT || k == RC_NUM || k == RC_PCT || k == RC_USD || k == RC_USD_PER || k == RC_SCORE;
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

#define MAX_NOTES 16
struct sheet_notes {
    int n;
    char text[MAX_NOTES][512];
};

static void sheet_notes_for(const struct rtab *t, struct sheet_notes *out)
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
    struct sheet_notes notes;
    lxw_col_t nc = (lxw_col_t)t->ncols;
    sheet_notes_for(t, &notes);
    if (notes.n)
        chk(w, worksheet_set_column(ws, nc + 1, nc + 1, 110, NULL), "notes column");
    chk(w, worksheet_set_row(ws, 0, 15.0 * lines + 2, NULL), "header row");
    for (int c = 0; c < t->ncols; c++)
        put_text(w, ws, 0, (lxw_col_t)c, t->cols[c].label, w->header);
    if (notes.n)
        put_text(w, ws, 0, nc + 1, "About the columns", w->section);
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
        chk(w, worksheet_set_v_pagebreaks(ws, breaks), "page breaks");
        chk(w, worksheet_repeat_columns(ws, 0, 1), "repeat columns");
    } else {
        worksheet_fit_to_pages(ws, 1, 0);
    }
    chk(w, worksheet_repeat_rows(ws, 0, 0), "repeat rows");
    chk(w, worksheet_print_area(ws, 0, 0, (lxw_row_t)(t->nrows > 0 ? t->nrows : 1), nc - 1), "print area");
    chk(w, worksheet_autofilter(ws, 0, 0, (lxw_row_t)(t->nrows > 0 ? t->nrows : 1), nc - 1), "autofilter");
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
                    put_cell(w, ws, (lxw_row_t)(r + 1), (lxw_col_t)c, rows.vals[c], t->cols[c].kind,
                             kind_format(w, t->cols[c].kind));
            } else {
                more = 0;
                got = rc;
            }
        }
        if (r == 0 && t->nrows == 0)
            put_text(w, ws, 1, 0, empty_msg, w->nodata);
        if (r < notes.n)
            put_text(w, ws, (lxw_row_t)(r + 1), nc + 1, notes.text[r], w->note);
    }
    rtab_rows_close(&rows);
    if (got && !w->rows_rc) {
        w->rows_rc = got;
        w->rows_err = rerr;
    }
    if (last == 0)
        put_text(w, ws, 1, 0, empty_msg, w->nodata);
    return ws;
}

/* Rows of a group table that are ranked: those above the first small-sample row (report.c puts them last). */
static int ranked_rows(const struct rtab *t)
{
    int r = 0;
    while (r < t->nrows && !rtab_cell(t, r, GROUP_COL_NOTE))
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
        /* The change in the row's own unit: points for rates (765 % -> 878 % is -113 pts), money for money. */
        const char *chg = rtab_cell(s, r, 7);
        if (chg && unit && !strcmp(unit, "ratio"))
            put_number(w, ws, row, 4, strtod(chg, NULL) * 100.0, w->pts);
        else
            put_cell(w, ws, row, 4, chg, RC_NUM,
                     f == w->usd3 ? w->susd3 : f == w->usd ? w->susd : f == w->integer ? w->sint : f);
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

/* Text cut at word boundaries into rows of at most `width` characters; returns the next free row. */
static lxw_row_t put_lines(struct wb *w, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                           size_t width, lxw_format *f)
{
    char line[1024];
    while (*s) {
        size_t n = strlen(s);
        if (n > width) {
            n = width;
            while (n > width / 2 && s[n] != ' ')
                n--;
        }
        if (n >= sizeof line)
            n = sizeof line - 1;
        memcpy(line, s, n);
        line[n] = '\0';
        put_text(w, ws, row++, col, line, f);
        s += n;
        while (*s == ' ')
            s++;
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
        { "Half-life", "minutes until a post had half of the engagements its curve reaches at 7 days" },
        { "APE", "absolute percentage error of a prediction: |predicted - actual| / actual; lower is better" },
        { "Rounding", "counts whole; money to the cent; cost per follower to a tenth of a cent ($0.058); rates "
                      "and ROI to 0.01 %; changes of rates in points; chances to 0.01 %" },
    };
    const struct {
        const char *sheet;
        const struct rtab *t;
    } tabs[] = {
        { SHEET_POSTS, &d->posts },      { SHEET_TYPES, &d->content_types }, { SHEET_FORMULAS, &d->formulas },
        { SHEET_HOOKS, &d->hooks },      { SHEET_ATTR, &d->attribution },    { SHEET_DAILY, &d->daily },
    };
    char buf[700];

    put_text(w, ws, row++, 0, "How to read this workbook", w->section);
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        put_text(w, ws, row, 0, terms[i][0], w->legend_term);
        row = put_lines(w, ws, row, 1, terms[i][1], 150, w->note);
    }
    bool first = true;
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
        struct sheet_notes notes;
        sheet_notes_for(tabs[i].t, &notes);
        for (int k = 0; k < notes.n; k++) {
            if (!strncmp(notes.text[k], "Confidence (0-100", 17))
                continue; /* said above */
            if (first) {
                put_text(w, ws, row++, 0, "Columns left blank, and what would fill them", w->legend_term);
                first = false;
            }
            snprintf(buf, sizeof buf, "%s sheet, %s", tabs[i].sheet, notes.text[k]);
            row = put_lines(w, ws, row, 1, buf, 150, w->note);
        }
    }
    return row;
}

/* Summary columns: metric, basis, four numbers, note. */
static const double summary_widths[7] = { 30, 40, 14, 14, 14, 14, 48 };

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
    /* Printed: a scale that fits the width, and the charts and the legend each start a page. */
    worksheet_set_print_scale(ws, 50);

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
    static const char *const head[] = { "Metric", "Basis", "This period", "Previous period",
                                        "Change (in the metric's unit)", "Relative change", "Note" };
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
    put_text(w, ws, row++, 0, "Best and worst by the chance of being the best (learning over matured posts)",
             w->section);
    static const char *const arms_head[] = { "Group", "Rank and name", "Chance of being the best",
                                             "Matured posts (evidence)", "Followers per post", "", "Note" };
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
        put_cell(w, ws, row, 2, rtab_cell(s, r, 5), RC_SCORE, w->pct);
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
    chart_title_set_name(ch, "Followers gained since the period began");
    chart_axis_set_name(ch->x_axis, "Day of the period");
    chart_axis_set_name(ch->y_axis, "Followers gained");
    chart_axis_set_num_format(ch->y_axis, "#,##0");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt1 = { .x_offset = 0, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.1 };
    chk(w, worksheet_insert_chart_opt(ws, chart_row, 0, ch, &opt1), "followers chart");

    ch = workbook_add_chart(w->book, LXW_CHART_COLUMN);
    se = chart_add_series(ch, NULL, NULL);
    chart_series_set_categories(se, SHEET_TYPES, 1, 0, (lxw_row_t)nt, 0);
    chart_series_set_values(se, SHEET_TYPES, 1, GROUP_COL_FPP, (lxw_row_t)nt, GROUP_COL_FPP);
    chart_series_set_name(se, "Followers per post");
    chart_title_set_name(ch, "Followers per post by content type (7 d, posts in period)");
    chart_axis_set_name(ch->x_axis, "Content type (5 or more posts in the period)");
    chart_axis_set_name(ch->y_axis, "Followers per post");
    chart_axis_set_num_format(ch->y_axis, "0.0");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
    lxw_chart_options opt2 = { .x_offset = 60, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.1 };
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
    chart_axis_set_name(ch->y_axis, "Likes so far");
    chart_axis_set_num_format(ch->y_axis, "#,##0");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    lxw_chart_options opt3 = { .x_offset = 0, .y_offset = 4, .x_scale = 1.15, .y_scale = 1.2 };
    chk(w, worksheet_insert_chart_opt(ws, chart_row + 17, 0, ch, &opt3), "curves chart");

    /* Below the charts (each chart is about 16 rows tall): the legend, once. */
    lxw_row_t breaks[] = { chart_row - 1, chart_row + 37, 0 };
    chk(w, worksheet_set_h_pagebreaks(ws, breaks), "page breaks");
    lxw_row_t end = legend_rows(w, ws, d, chart_row + 37);
    chk(w, worksheet_print_area(ws, 0, 0, end, 6), "print area");
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

    /* The Summary's trend chart: followers gained since each period began (rows TREND_ROW..+3). */
    put_text(w, ws, TREND_ROW, 0, "Followers gained since the period began, by day of the period", w->section);
    put_text(w, ws, TREND_ROW + 1, 0, "Period \\ day of the period", w->header);
    for (int i = 0; i < d->n_gain; i++)
        chk(w, worksheet_write_number(ws, TREND_ROW + 1, (lxw_col_t)(i + 1), i + 1, w->header), "day");
    snprintf(buf, sizeof buf, "This period (%s to %s)", d->from_date, d->to_date);
    put_text(w, ws, TREND_ROW + 2, 0, buf, w->text);
    for (int i = 0; i < d->n_gain; i++)
        put_number(w, ws, TREND_ROW + 2, (lxw_col_t)(i + 1), d->gain_cur[i], w->integer);
    char pf[16], pt[16];
    xtime_format_date(d->prev.from, pf, sizeof pf);
    xtime_format_date(d->prev.to - 1, pt, sizeof pt);
    snprintf(buf, sizeof buf, "Previous period (%s to %s)", pf, pt);
    put_text(w, ws, TREND_ROW + 3, 0, buf, w->text);
    for (int i = 0; i < d->n_gain; i++)
        put_number(w, ws, TREND_ROW + 3, (lxw_col_t)(i + 1), d->gain_prev[i], w->integer);
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

/* Closes the workbook (which writes it and frees it, error or not) and renames it into place. */
static int finish_book(struct wb *w, const char *tmp, const char *path, mode_t mode, struct xerr *err)
{
    errno = 0;
    lxw_error close_err = workbook_close(w->book);
    int e = errno;
    if (w->rows_rc) {
        *err = w->rows_err;
        return w->rows_rc;
    }
    if (w->first != LXW_NO_ERROR)
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot write workbook '%s': %s: %s", path, w->where,
                        lxw_strerror(w->first));
    if (close_err != LXW_NO_ERROR && out_of_room(tmp, e))
        return report_io_error(err, report_io_code(e) == XETL_EX_IOERR ? e : ENOSPC, "write workbook", path);
    if (close_err != LXW_NO_ERROR)
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot write workbook '%s': %s", tmp, lxw_strerror(close_err));
    return report_commit_file(tmp, path, mode, err);
}

/*
 * Opens the workbook at tmp, its own temp files beside it (the same disk, the
 * same limits, the same checks), formats made.  w->tmpdir must outlive it.
 */
static int open_book(struct wb *w, const char *tmp, const char *path, struct xerr *err)
{
    memset(w, 0, sizeof *w);
    snprintf(w->tmpdir, sizeof w->tmpdir, "%s", tmp);
    char *slash = strrchr(w->tmpdir, '/');
    if (slash)
        *slash = '\0';
    lxw_workbook_options opts = { .constant_memory = LXW_TRUE, .tmpdir = slash ? w->tmpdir : NULL,
                                  .use_zip64 = LXW_FALSE };
    errno = 0;
    if (!(w->book = workbook_new_opt(tmp, &opts))) {
        if (out_of_room(tmp, errno))
            return report_io_error(err, errno ? errno : ENOSPC, "create workbook", path);
        return xerr_set(err, XETL_EX_CANTCREAT, "cannot create workbook '%s'", tmp);
    }
    make_formats(w);
    return 0;
}

typedef int (*book_fn)(const void *d, const char *path, const char *tmp, struct xerr *err);

/*
 * Writes one workbook through fn at a fresh temp name, then into place; the
 * library's own stderr captured meanwhile.  Nothing is left under either name
 * on failure.
 */
static int write_book(const void *d, const char *path, book_fn fn, struct xerr *err)
{
    char tmp[4096], said[256];
    struct capture cap;
    int rc, fd;

    if ((fd = report_tmp_open(path, tmp, sizeof tmp, err)) < 0)
        return -fd;
    /* libxlsxwriter opens the file by name: it truncates the one just made, ours alone (O_EXCL). */
    close(fd);
    capture_begin(&cap);
    rc = fn(d, path, tmp, err);
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

static int book_report(const void *arg, const char *path, const char *tmp, struct xerr *err)
{
    const struct report_data *d = arg;
    char title[256];
    struct wb w;
    lxw_doc_properties props;
    lxw_worksheet *summary, *ws;
    int rc;

    if ((rc = open_book(&w, tmp, path, err)))
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
        /* Small groups (listed last) are never coloured as winners. */
        int ranked = ranked_rows(groups[g]);
        if (ws && ranked > 0) {
            cond_bar(&w, ws, 1, GROUP_COL_SCORE, (lxw_row_t)ranked, 0x63BE7B);
            cond_scale3(&w, ws, 1, GROUP_COL_FPP, (lxw_row_t)ranked, GROUP_COL_FPP, 0xF8696B, 0xFFEB84, 0x63BE7B);
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
    return finish_book(&w, tmp, path, d->file_mode, err);
}

int xlsx_write(const struct report_data *d, const char *path, struct xerr *err)
{
    return write_book(d, path, book_report, err);
}

/* ---------------------------------------------------------------- the agency roll-up */

/* Rows of one section of the roll-up, the given columns, from row; returns the next free row. */
static lxw_row_t rollup_rows(struct wb *w, lxw_worksheet *ws, const struct rtab *t, const char *section,
                             const int *cols, int ncols, lxw_row_t row, lxw_format *name_fmt)
{
    for (int r = 0; r < t->nrows; r++) {
        const char *sec = rtab_cell(t, r, 0);
        if (!sec || strcmp(sec, section))
            continue;
        for (int k = 0; k < ncols; k++) {
            int c = cols[k];
            lxw_format *f = k == 0 && name_fmt ? name_fmt : kind_format(w, t->cols[c].kind);
            if (!strcmp(t->cols[c].name, "followers_change"))
                f = w->sint;
            put_cell(w, ws, row, (lxw_col_t)k, rtab_cell(t, r, c), t->cols[c].kind, f);
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
        labels[k] = t->cols[cols[k]].label;
    chk(w, worksheet_set_row(ws, row, header_height(labels, widths, ncols), NULL), "header row");
    for (int k = 0; k < ncols; k++)
        put_text(w, ws, row, (lxw_col_t)k, labels[k], w->header);
    return row + 1;
}

static void rollup_sheet(struct wb *w, const struct rollup_data *d, lxw_worksheet *ws)
{
    /* report.c's rollup_cols: name, accounts, posts, followers gained (+ previous, change), cost,
       cost per follower, ROI (+ previous), trend, note. */
    static const int board[] = { 2, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15 };
    static const int groups[] = { 2, 3, 4, 12, 13, 15 };
    double widths[11];
    char buf[512], asof[32], pf[16], pt[16];
    lxw_row_t row = 0;
    const int nb = (int)(sizeof board / sizeof board[0]), ng = (int)(sizeof groups / sizeof groups[0]);

    for (int k = 0; k < nb; k++) {
        widths[k] = d->rows.cols[board[k]].width;
        chk(w, worksheet_set_column(ws, (lxw_col_t)k, (lxw_col_t)k, widths[k], NULL), "column");
    }
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    xtime_format(d->as_of, asof, sizeof asof);
    xtime_format_date(d->prev.from, pf, sizeof pf);
    xtime_format_date(d->prev.to - 1, pt, sizeof pt);
    snprintf(buf, sizeof buf, "Agency roll-up  %d account%s  %s to %s", d->n_accounts, d->n_accounts == 1 ? "" : "s",
             d->from_date, d->to_date);
    put_text(w, ws, row++, 0, buf, w->title);
    snprintf(buf, sizeof buf, "As of %s.  Each account beside its previous %ld days, %s to %s; the same figures "
                              "as the account's own report.",
             asof, (long)((d->range.to - d->range.from + XTIME_DAY - 1) / XTIME_DAY), pf, pt);
    put_text(w, ws, row++, 0, buf, w->subtitle);
    row++;

    put_text(w, ws, row++, 0, "Leaderboard (most followers gained first) and the agency's totals", w->section);
    row = rollup_header(w, ws, &d->rows, board, nb, widths, row);
    worksheet_freeze_panes(ws, row, 1);
    lxw_row_t first = row;
    row = rollup_rows(w, ws, &d->rows, "leaderboard", board, nb, row, NULL);
    lxw_row_t last = row - 1;
    row = rollup_rows(w, ws, &d->rows, "agency", board, nb, row, w->legend_term);
    if (last >= first) {
        cond_bar(w, ws, first, 2, last, 0x638EC6);
        cond_sign(w, ws, first, 4, last, 4);
    }
    row++;

    static const char *const whats[] = { "content types", "formulas", "hooks" };
    for (int g = 0; g < 3; g++) {
        char sec[64];
        snprintf(buf, sizeof buf, "Best %s across the accounts (most followers per post; %d or more attributed "
                                  "posts)", whats[g], REPORT_MIN_POSTS);
        put_text(w, ws, row++, 0, buf, w->section);
        row = rollup_header(w, ws, &d->rows, groups, ng, widths, row);
        snprintf(sec, sizeof sec, "best %s", whats[g]);
        row = rollup_rows(w, ws, &d->rows, sec, groups, ng, row, NULL);
        row++;
    }

    put_text(w, ws, row++, 0, "How to read this", w->section);
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
        put_text(w, ws, row, 0, terms[i][0], w->legend_term);
        row = put_lines(w, ws, row, 1, terms[i][1], 120, w->note);
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
        chk(w, worksheet_insert_chart(ws, row, 0, ch), "leaderboard chart");
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

    if ((rc = open_book(&w, tmp, path, err)))
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
    chk(&w, workbook_set_properties(w.book, &props), "properties");
    if ((ws = workbook_add_worksheet(w.book, SHEET_ROLLUP)))
        rollup_sheet(&w, d, ws);
    else
        chk(&w, LXW_ERROR_MEMORY_MALLOC_FAILED, "roll-up sheet");
    return finish_book(&w, tmp, path, d->file_mode, err);
}

int xlsx_write_rollup(const struct rollup_data *d, const char *path, struct xerr *err)
{
    return write_book(d, path, book_rollup, err);
}
