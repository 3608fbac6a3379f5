/*
 * reports/csv_out.c — RFC 4180 writer for report tables (see csv_out.h).
 */
#include "reports/csv_out.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
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

static int put_field(FILE *fp, const char *s)
{
    if (!s)
        return 0;
    if (needs_quotes(s))
        return csv_fwrite(fp, s, strlen(s)) == 0 ? 0 : -1;
    return fputs(s, fp) == EOF ? -1 : 0;
}

int csvout_write(const struct rtab *t, const char *path, struct xerr *err)
{
    char tmp[4096];
    FILE *fp = NULL;
    int rc = 0;

    report_tmp_name(path, tmp, sizeof tmp);
    fp = fopen(tmp, "wb");
    if (!fp)
        return xerr_set(err, XETL_EX_CANTCREAT, "cannot create '%s': %s", tmp, strerror(errno));
    for (int c = 0; c < t->ncols; c++) {
        if ((c && fputc(',', fp) == EOF) || put_field(fp, t->cols[c].name))
            goto werr;
    }
    if (fputs("\r\n", fp) == EOF)
        goto werr;
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            if ((c && fputc(',', fp) == EOF) || put_field(fp, rtab_cell(t, r, c)))
                goto werr;
        }
        if (fputs("\r\n", fp) == EOF)
            goto werr;
    }
    /* report_commit_file() fsyncs before the rename. */
    if (fflush(fp))
        goto werr;
    if (fclose(fp)) {
        fp = NULL;
        goto werr;
    }
    fp = NULL;
    rc = report_commit_file(tmp, path, err);
    if (rc)
        unlink(tmp);
    return rc;

werr:
    rc = xerr_set(err, XETL_EX_SOFTWARE, "cannot write '%s': %s", tmp, strerror(errno));
    if (fp)
        fclose(fp);
    unlink(tmp);
    return rc;
}
