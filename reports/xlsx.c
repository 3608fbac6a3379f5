/*
 * reports/xlsx.c — the workbook machinery of the ROI and roll-up workbooks
 * (see xlsx.h and xlsx_book.h): formats, cells, conditional formats, the
 * library's stderr, and a workbook written at a temp name then renamed.
 *
 * constant_memory mode flushes each row when the next one starts, so every
 * sheet is written strictly top to bottom, left to right.  Errors of the
 * many worksheet calls are kept in one place (struct wb's first error)
 * instead of an if after each call; the first one fails the whole file.
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

void xl_chk(struct wb *w, lxw_error e, const char *where)
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

lxw_format *xl_kind_format(struct wb *w, enum rcol_kind k)
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

void xl_text(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
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
    xl_chk(w, worksheet_write_string(ws, r, c, s, f), "text cell");
}

/* A finite number, else a blank: NaN and Inf never reach the file. */
void xl_number(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
    if (isfinite(v))
        xl_chk(w, worksheet_write_number(ws, r, c, v, f), "number cell");
    else
        xl_chk(w, worksheet_write_blank(ws, r, c, f), "blank cell");
}

/* One cell of a table as its column kind says. */
void xl_cell(struct wb *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
             enum rcol_kind k, lxw_format *f)
{
    if (!s)
        return;
    if (kind_is_number(k)) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || *end)
            xl_text(w, ws, r, c, s, f);
        else
            xl_number(w, ws, r, c, v, f);
    } else if (k == RC_TIME || k == RC_DATE) {
        int64_t t;
        bool date_only;
        if (xtime_parse(s, &t, &date_only) == 0)
            xl_chk(w, worksheet_write_unixtime(ws, r, c, t, f), "time cell");
        else
            xl_text(w, ws, r, c, s, f);
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
        xl_text(w, ws, r, c, b.buf, f);
        sbuf_release(&b);
    } else {
        xl_text(w, ws, r, c, s, f);
    }
}

void xl_cond_scale3(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0, lxw_row_t r1,
                    lxw_col_t c1, lxw_color_t lo, lxw_color_t mid, lxw_color_t hi)
{
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_3_COLOR_SCALE;
    cf.min_color = lo;
    cf.mid_color = mid;
    cf.max_color = hi;
    xl_chk(w, worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf), "colour scale");
}

void xl_cond_bar(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c, lxw_row_t r1, lxw_color_t col)
{
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_DATA_BAR;
    cf.bar_color = col;
    xl_chk(w, worksheet_conditional_format_range(ws, r0, c, r1, c, &cf), "data bar");
}

void xl_cond_sign(struct wb *w, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0, lxw_row_t r1, lxw_col_t c1)
{
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_TYPE_CELL;
    cf.criteria = LXW_CONDITIONAL_CRITERIA_GREATER_THAN;
    cf.value = 0;
    cf.format = w->good;
    xl_chk(w, worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf), "sign format");
    cf.criteria = LXW_CONDITIONAL_CRITERIA_LESS_THAN;
    cf.format = w->bad;
    xl_chk(w, worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf), "sign format");
}

/*
 * Lines a wrapped header needs in a column `width` characters wide (greedy
 * word wrap, bold text counted a little wider), so the header row can be
 * tall enough that no label is clipped on screen or on paper.
 */
int xl_wrapped_lines(const char *text, double width)
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
double xl_header_height(const char *const *labels, const double *widths, int n)
{
    int lines = 1;
    for (int c = 0; c < n; c++) {
        int l = labels[c] ? xl_wrapped_lines(labels[c], widths[c]) : 1;
        if (l > lines)
            lines = l;
    }
    return 15.0 * lines + 2;
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
int xl_finish_book(struct wb *w, const char *tmp, const char *path, mode_t mode, struct xerr *err)
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
int xl_open_book(struct wb *w, const char *tmp, const char *path, struct xerr *err)
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

/*
 * Writes one workbook through fn at a fresh temp name, then into place; the
 * library's own stderr captured meanwhile.  Nothing is left under either name
 * on failure.
 */
int xl_write_book(const void *d, const char *path, book_fn fn, struct xerr *err)
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
