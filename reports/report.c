/*
 * reports/report.c — one account's ROI report: gathered by
 * reports/report_gather.c, written through reports/csv_out.c and
 * reports/xlsx.c in one snapshot (see report.h).
 */
#include "reports/report.h"
#include "reports/csv_out.h"
#include "reports/report_files.h"
#include "reports/xlsx.h"

#include "common/config.h"
#include "common/log.h"
#include "etl/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_base_name(const char *handle, const struct xrange *r, char *out, size_t n)
{
    char f[16], t[16];
    xtime_format_date(r->from, f, sizeof f);
    /* TO is inclusive: the day holding the last second of the range. */
    xtime_format_date(r->to - 1, t, sizeof t);
    snprintf(out, n, "xetl-roi-%s-%s_%s", handle, f, t);
}

int report_parse_formats(const char *s, struct report_opts *opts, struct xerr *err)
{
    char buf[128];
    char *save = NULL;
    opts->csv = opts->xlsx = false;
    snprintf(buf, sizeof buf, "%s", s ? s : "");
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (!strcmp(tok, "csv"))
            opts->csv = true;
        else if (!strcmp(tok, "xlsx"))
            opts->xlsx = true;
        else
            return xerr_set(err, XETL_EX_USAGE, "unknown report format '%s' (csv, xlsx)", tok);
    }
    if (!opts->csv && !opts->xlsx)
        return xerr_set(err, XETL_EX_USAGE, "no report format given (csv, xlsx)");
    return 0;
}

static int tee_csv(void *arg, const char *const *vals, struct xerr *err)
{
    return csvout_row(arg, vals, err);
}

int report_generate(struct db *db, const struct config *cfg, const struct account *acct,
                    const struct stage_args *a, const struct report_opts *opts,
                    struct report_files *files, struct stage_counts *counts, struct xerr *err)
{
    static const char *const csv_suffix[] = { "summary", "posts", "content_types", "formulas", "hooks",
                                              "daily" };
    struct report_data d;
    struct csvout *posts_csv = NULL;
    char path[4096], posts_path[4096];
    int rc, posts_at = 0;

    /*
     * One snapshot for the gathering and the writing: the streamed tables are
     * counted first and read again as they are written, so both must see the
     * same rows.  Not READ ONLY: the period's posts are gathered once into a
     * temporary table (report/period, dropped at commit); nothing else is
     * written.  JIT compiling these one-shot queries costs more than it saves
     * (about a second of a 20,000-post report): off for the report's queries
     * only (SET LOCAL ends with the transaction).
     */
    memset(&d, 0, sizeof d);
    if ((rc = db_cmd(db, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL, NULL, err)))
        return rc;
    if ((rc = db_cmd(db, "SET LOCAL jit = off", 0, NULL, NULL, err)))
        goto out;
    if ((rc = report_gather(db, cfg, acct, a, &d, err)))
        goto out;
    if ((rc = report_file_mode(cfg, &d.file_mode, err)))
        goto out;
    if ((rc = report_mkdir_p(opts->out_dir, err)))
        goto out;
    report_warn_shared_dir(opts->out_dir);
    int swept = report_sweep_tmp(opts->out_dir);
    if (swept)
        log_info("report '%s': removed %d temporary file%s left by a killed run", acct->handle, swept,
                 swept == 1 ? "" : "s");
    if (opts->csv) {
        const struct rtab *tabs[] = { &d.summary, &d.posts, &d.content_types, &d.formulas, &d.hooks,
                                      &d.daily };
        for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
            snprintf(path, sizeof path, "%s/%s-%s.csv", opts->out_dir, d.base, csv_suffix[i]);
            /* With the workbook too, the posts CSV is written from the workbook's read of the rows. */
            if (tabs[i] == &d.posts && opts->xlsx) {
                if ((rc = csvout_open(&d.posts, path, d.file_mode, &posts_csv, err)))
                    goto out;
                snprintf(posts_path, sizeof posts_path, "%s", path);
                posts_at = files->n;
                d.posts.tee = tee_csv;
                d.posts.tee_arg = posts_csv;
                continue;
            }
            if ((rc = csvout_write(tabs[i], path, d.file_mode, err)))
                goto out;
            report_files_add(files, path, counts);
        }
    }
    if (opts->xlsx) {
        snprintf(path, sizeof path, "%s/%s.xlsx", opts->out_dir, d.base);
        if ((rc = xlsx_write(&d, path, err)))
            goto out;
        report_files_add(files, path, counts); /* in place now: listed (and so synced) whatever follows */
        if (posts_csv) {
            rc = csvout_close(posts_csv, true, err);
            posts_csv = NULL;
            if (rc)
                goto out;
            report_files_add(files, posts_path, counts);
            /* Listed in its place among the CSVs, as when written on its own. */
            char *p = files->paths[files->n - 1];
            memmove(files->paths + posts_at + 1, files->paths + posts_at,
                    sizeof *files->paths * (size_t)(files->n - 1 - posts_at));
            files->paths[posts_at] = p;
        }
    }
    log_info("report '%s' %s..%s: %d posts", acct->handle, d.from_date, d.to_date, d.posts.nrows);
    rc = db_commit(db, err);
out:
    csvout_close(posts_csv, false, err);
    if (rc)
        db_rollback(db);
    report_data_release(&d);
    return rc;
}

int report_run(struct db *db, const struct config *cfg, const struct account *acct,
               const struct stage_args *a, struct stage_counts *counts, struct xerr *err)
{
    struct report_opts opts = { .out_dir = config_get_or_default(cfg, "report.out") };
    struct report_files own = { NULL, 0 };
    int rc;

    if ((rc = report_parse_formats(config_get(cfg, "report.format"), &opts, err)))
        return rc;
    /* The caller's list gets the paths (nightly prints and mails them), else they are dropped. */
    rc = report_generate(db, cfg, acct, a, &opts, a->files ? a->files : &own, counts, err);
    report_files_release(&own);
    return rc;
}
