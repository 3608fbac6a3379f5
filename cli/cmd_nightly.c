/*
 * cli/cmd_nightly.c — `xetl nightly [--status]`: what cron runs.
 */
#include "cli/cli.h"
#include "cli/pipeline.h"
#include "etl/db.h"
#include "etl/migrate.h"

#include <getopt.h>
#include <stdio.h>

static void usage(void)
{
    printf("xetl nightly — the nightly job\n\n"
           "Usage:\n  xetl [GLOBAL OPTIONS] nightly [--shard K/N] [-j N] [--status]\n\n"
           "For every active account (or each --account): pull, fit, attribute, learn,\n"
           "health, report (and the agency roll-up when report.rollup = true) — and mail the\n"
           "reports when mail_to (XETL_MAIL_TO) is set — for\n"
           "the window ending at --as-of (default: now), under a database lock.  A second\n"
           "run while one is active exits 75 at once.  A stage that fails stops the stages\n"
           "after it; the error line names the stage and the account.  Killed at any point\n"
           "and run again, it ends with the tables and files of an uninterrupted run.\n\n"
           "Windows: fit and attribute cover posts of the last pull.track_days days; health\n"
           "and the report cover the last report.days whole UTC days before --as-of.\n\n"
           "Options:\n"
           "  --shard K/N   only shard K of N: the accounts whose (account_id - 1) mod N\n"
           "                is K - 1, one cron host each.  Shards run at once, each under\n"
           "                its own lock (the same shard twice, or beside an unsharded run:\n"
           "                75); every host must use the same N.  A shard writes no\n"
           "                roll-up: run 'xetl report --rollup' after the shards\n"
           "  -j, --jobs N  run N accounts at once (1-64; default nightly.jobs, 1), each in\n"
           "                its own process and database session: the same tables and\n"
           "                files as one at a time; the first failure stops the others\n"
           "                at their next account\n"
           "  --status      list the last ten nightly and rerun runs, and exit\n"
           "  -h, --help    show this help, then exit\n\n"
           "Prints the report paths on stdout, one a line (nothing with -q).  With no active\n"
           "account it exits 78 and says so, even with -q.  Crontab: see xetl(1).\n");
}

int cmd_nightly(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "status", no_argument, NULL, 's' },
        { "shard", required_argument, NULL, 'S' },
        { "jobs", required_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool status = false;
    const char *shard = NULL, *jobs = NULL;
    int c, rc;

    while ((c = cli_getopt(argc, argv, "hj:", opts)) != -1) {
        switch (c) {
        case 's': status = true; break;
        case 'S': shard = optarg; break;
        case 'j': jobs = optarg; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "nightly", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "nightly", "unexpected argument '%s'", argv[optind]);
    if (status) {
        struct db *db;
        if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
            return rc ? rc : ctx->err.code;
        return cli_print_runs(ctx, db, "10", true);
    }
    struct pipeline_plan plan;
    if ((rc = pipeline_nightly_plan(ctx, &plan)) || (shard && (rc = pipeline_parse_shard(ctx, "nightly", shard, &plan))) ||
        (jobs && (rc = pipeline_parse_jobs(ctx, "nightly", jobs, &plan))))
        return rc;
    ctx->run_range = plan.report;
    return pipeline_run(ctx, &plan);
}
