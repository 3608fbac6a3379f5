/*
 * reports/csv_out.c — RFC 4180 writer for report tables (see csv_out.h).
 */
#include "reports/csv_out.h"

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

int csvout_write(const struct rtab *t, const char *path, mode_t mode, struct xerr *err)
{
    char tmp[4096];
    struct rtab_rows rows = { 0 };
    FILE *fp = NULL;
    int rc = 0, fd;

    if ((fd = report_tmp_open(path, tmp, sizeof tmp, err)) < 0)
        return -fd;
    if (!(fp = fdopen(fd, "wb"))) {
        rc = report_io_error(err, errno, "write", path);
        close(fd);
        unlink(tmp);
        return rc;
    }
    for (int c = 0; c < t->ncols; c++) {
        if ((c && fputc(',', fp) == EOF) || put_field(fp, t->cols[c].name, false))
            goto werr;
    }
    if (fputs("\r\n", fp) == EOF)
        goto werr;
    if ((rc = rtab_rows_open(&rows, t, err)))
        goto fail;
    while ((rc = rtab_rows_next(&rows, err)) == 1) {
        for (int c = 0; c < t->ncols; c++) {
            if ((c && fputc(',', fp) == EOF) || put_field(fp, rows.vals[c], t->cols[c].kind == RC_TEXT))
                goto werr;
        }
        if (fputs("\r\n", fp) == EOF)
            goto werr;
    }
    rtab_rows_close(&rows);
    if (rc)
        goto fail;
    /* report_commit_file() fsyncs before the rename. */
    if (fflush(fp))
        goto werr;
    if (fclose(fp)) {
        fp = NULL;
        goto werr;
    }
    fp = NULL;
    rc = report_commit_file(tmp, path, mode, err);
    if (rc)
        unlink(tmp);
    return rc;

werr:
    rc = report_io_error(err, errno, "write", path);
fail:
    rtab_rows_close(&rows);
    if (fp)
        fclose(fp);
    unlink(tmp);
    return rc;
}
