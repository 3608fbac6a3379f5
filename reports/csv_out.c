/*
 * reports/csv_out.c — RFC 4180 writer for report tables (see csv_out.h).
 */
#include "reports/csv_out.h"

#include "common/sbuf.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return false;
    if (s[0] == ' ' || s[n - 1] == ' ')
        return true;
    return strpbrk(s, ",\"\r\n") != NULL;
}

bool csvout_is_formula(const char *s)
{
    return s && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

static int put_field(FILE *fp, const char *s, bool text)
{
    char *guarded = NULL;
    int rc;

    if (!s)
        return 0;
    /*
     * A spreadsheet runs a cell that starts with = + - @ (or a tab or CR
     * before one) as a formula: text from the bot, X or an import gets a
     * leading ' (OWASP's advice), so it is shown, not run.  Numeric columns
     * are never touched: -0.0066 stays a number.
     */
    if (text && csvout_is_formula(s)) {
        size_t n = strlen(s);
        guarded = malloc(n + 2);
        if (!guarded)
            return -1;
        guarded[0] = '\'';
        memcpy(guarded + 1, s, n + 1);
        s = guarded;
    }
    if (needs_quotes(s))
        rc = csv_fwrite(fp, s, strlen(s)) == 0 ? 0 : -1;
    else
        rc = fputs(s, fp) == EOF ? -1 : 0;
    free(guarded);
    return rc;
}

struct csvout {
    const struct rtab *t;
    FILE *fp;
    char tmp[4096];
    char path[4096];
    mode_t mode;
};

/* The failure of a write on w->path, with errno as the write left it. */
static int csv_werr(struct csvout *w, struct xerr *err)
{
    return report_io_error(err, errno, "write", w->path);
}

int csvout_open(const struct rtab *t, const char *path, mode_t mode, struct csvout **out, struct xerr *err)
{
    struct csvout *w = xcalloc(1, sizeof *w);
    int rc, fd;

    *out = NULL;
    w->t = t;
    w->mode = mode;
    snprintf(w->path, sizeof w->path, "%s", path);
    if ((fd = report_tmp_open(path, w->tmp, sizeof w->tmp, err)) < 0) {
        free(w);
        return -fd;
    }
    if (!(w->fp = fdopen(fd, "wb"))) {
        rc = csv_werr(w, err);
        close(fd);
        unlink(w->tmp);
        free(w);
        return rc;
    }
    for (int c = 0; c < t->ncols; c++)
        if ((c && fputc(',', w->fp) == EOF) || put_field(w->fp, t->cols[c].name, false))
            goto werr;
    if (fputs("\r\n", w->fp) == EOF)
        goto werr;
    *out = w;
    return 0;
werr:
    rc = csv_werr(w, err);
    csvout_close(w, false, err);
    return rc;
}

int csvout_row(struct csvout *w, const char *const *vals, struct xerr *err)
{
    for (int c = 0; c < w->t->ncols; c++)
        if ((c && fputc(',', w->fp) == EOF) || put_field(w->fp, vals[c], w->t->cols[c].kind == RC_TEXT))
            return csv_werr(w, err);
    if (fputs("\r\n", w->fp) == EOF)
        return csv_werr(w, err);
    return 0;
}

int csvout_close(struct csvout *w, bool commit, struct xerr *err)
{
    int rc = 0;

    if (!w)
        return 0;
    /* report_commit_file() fsyncs before the rename. */
    if (commit && fflush(w->fp))
        rc = csv_werr(w, err);
    if (fclose(w->fp) && commit && !rc)
        rc = csv_werr(w, err);
    if (commit && !rc)
        rc = report_commit_file(w->tmp, w->path, w->mode, err);
    if (!commit || rc)
        unlink(w->tmp);
    free(w);
    return rc;
}

int csvout_write(const struct rtab *t, const char *path, mode_t mode, struct xerr *err)
{
    struct rtab_rows rows;
    struct csvout *w;
    int rc;

    if ((rc = csvout_open(t, path, mode, &w, err)))
        return rc;
    if ((rc = rtab_rows_open(&rows, t, err))) {
        csvout_close(w, false, err);
        return rc;
    }
    while ((rc = rtab_rows_next(&rows, err)) == 1)
        if ((rc = csvout_row(w, rows.vals, err)))
            break;
    rtab_rows_close(&rows);
    if (rc) {
        csvout_close(w, false, err);
        return rc;
    }
    return csvout_close(w, true, err);
}
