/*
 * cli/cmd_report.c — `xetl report [--from D] [--to D] [--out DIR] [--format csv,xlsx] [--rollup]`.
 *
 * One workbook and six CSVs per account for the range (default: the
 * report.days whole days before --as-of); each path written goes to stdout,
 * one a line, so a script can pipe them to `xetl mail`.
 */
#include "cli/cli.h"
#include "common/config.h"
#include "common/stage.h"
#include "etl/db.h"
#include "etl/migrate.h"
#include "reports/report.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(void)
{
    printf("xetl report — CSV and XLSX ROI reports for a date range\n\n"
           "Usage:\n  xetl [GLOBAL OPTIONS] report [--from D] [--to D] [--out DIR] [--format csv,xlsx] [--rollup]\n\n"
           "For each account: xetl-roi-H-FROM_TO.xlsx and xetl-roi-H-FROM_TO-{summary,posts,\n"
           "content_types,formulas,hooks,daily}.csv in DIR.  Prints each path written, one a line.\n"
           "Files are written under a temporary name and renamed, so a crash never leaves a\n"
           "half file.  The columns are defined in " XETL_DOCDIR "/reports.md (docs/reports.md\n"
           "in the source tree).\n\n"
           "Options:\n"
           "  --from D          first day (YYYY-MM-DD, inclusive; default: report.days whole days\n"
           "                    ending with --to)\n"
           "  --to D            last day (inclusive; default: the day before --as-of)\n"
           "  --out DIR         output directory (default report.out, %s)\n"
           "  --format LIST     csv, xlsx or csv,xlsx (default report.format)\n"
           "  --rollup          instead, the agency roll-up across the accounts (all active, or\n"
           "                    each --account): xetl-rollup-FROM_TO.xlsx and .csv, a leaderboard\n"
           "                    (followers gained, cost, cost per follower, ROI, trend), the\n"
           "                    totals and the best content types, formulas and hooks with their\n"
           "                    evidence.  nightly writes it too when report.rollup = true\n"
           "  -h, --help        show this help, then exit\n",
           config_default("report.out"));
}

/* Report files are named by dates: a part of a day would overwrite the whole day's files. */
static int whole_days(struct ctx *ctx, const char *from, const char *to)
{
    const char *given[] = { from, to };
    for (int k = 0; k < 2; k++) {
        int64_t t;
        bool date_only = false;
        if (given[k] && xtime_parse(given[k], &t, &date_only) == 0 && !date_only)
            return cli_usage_error(ctx, "report", "--%s takes a date (YYYY-MM-DD): reports cover whole UTC days",
                                   k ? "to" : "from");
    }
    return 0;
}

int cmd_report(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "out", required_argument, NULL, 'o' },
        { "format", required_argument, NULL, 'F' },
        { "rollup", no_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *from = NULL, *to = NULL, *out = NULL, *format = NULL;
    struct report_opts ro;
    struct report_files files = { NULL, 0 };
    struct account_list accts = { NULL, 0 };
    struct stage_args a;
    struct stage_counts counts;
    struct db *db;
    long days = 7;
    bool rollup = false;
    int c, rc;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'o': out = optarg; break;
        case 'F': format = optarg; break;
        case 'R': rollup = true; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "report", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "report", "unexpected argument '%s'", argv[optind]);
    if ((rc = config_get_long(ctx->cfg, "report.days", &days, &ctx->err)))
        return rc;
    if ((rc = report_parse_formats(format ? format : config_get(ctx->cfg, "report.format"), &ro, &ctx->err)))
        return rc;
    ro.out_dir = out && *out ? out : config_get_or_default(ctx->cfg, "report.out");

    memset(&a, 0, sizeof a);
    memset(&counts, 0, sizeof counts);
    a.as_of = ctx->as_of;
    a.run_id = ctx->run_id;
    if ((rc = whole_days(ctx, from, to)))
        return rc;
    if ((rc = ctx_range(ctx, from, to, (int)days, &a.range)))
        return rc;
    if (a.range.to <= a.range.from)
        return cli_usage_error(ctx, "report", "--from is after --to");
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)) || (rc = ctx_accounts(ctx, &accts)))
        goto out;
    if (accts.n == 0) {
        rc = xerr_set(&ctx->err, XETL_EX_CONFIG,
                      "report: no active accounts, nothing to report: add one with 'xetl account add HANDLE'");
        goto out;
    }
    if (rollup) {
        if (!(rc = report_rollup(db, ctx->cfg, &accts, &a, &ro, &files, &ctx->counts, &ctx->err)))
            for (int k = 0; k < files.n; k++)
                printf("%s\n", files.paths[k]);
        goto out;
    }
    for (int i = 0; i < accts.n; i++) {
        int before = files.n;
        if ((rc = report_generate(db, ctx->cfg, &accts.v[i], &a, &ro, &files, &counts, &ctx->err)))
            goto out;
        for (int k = before; k < files.n; k++)
            printf("%s\n", files.paths[k]);
        fflush(stdout);
    }
out:
    report_files_release(&files);
    account_list_release(&accts);
    return rc;
}
