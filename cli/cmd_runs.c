/*
 * cli/cmd_runs.c — `xetl runs [--limit N] [--run ID]`: the run log.
 */
#include "cli/cli.h"
#include "cli/pipeline.h"
#include "etl/db.h"
#include "etl/migrate.h"
#include "etl/runlog.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(void)
{
    printf("xetl runs — list recent runs from the run log (xetl.runs)\n\n"
           "Usage:\n  xetl runs [--limit N] [--run ID]\n\n"
           "Options:\n"
           "  --limit N     show the N most recent runs (default 20)\n"
           "  --run ID      show the stages of one run\n"
           "  -h, --help    show this help, then exit\n\n"
           "A run shown as 'failed' with 'interrupted' was killed; the next nightly or\n"
           "rerun finds such rows and closes them.\n");
}

struct stage_list {
    int n;
};

static void print_stage(void *arg, const struct runlog_stage *s)
{
    struct stage_list *l = arg;
    if (l->n++ == 0)
        printf("%-10s %-16s %-8s %-19s %8s  %s\n", "stage", "account", "status", "started (UTC)", "seconds",
               "counts / error");
    printf("%-10s %-16s %-8s %-19s %8s  %s%s%s\n", s->stage, s->account, s->status, s->started, s->seconds,
           s->counts, *s->error ? "  " : "", s->error);
}

static int list_stages(struct ctx *ctx, struct db *db, const char *run)
{
    struct stage_list l = { 0 };
    bool exists = false;
    int rc;

    if ((rc = runlog_list_stages(db, strtoll(run, NULL, 10), print_stage, &l, &exists, &ctx->err)))
        return rc;
    if (!exists)
        return xerr_set(&ctx->err, XETL_EX_USAGE, "runs: no run %s in the run log (see 'xetl runs')", run);
    if (l.n == 0)
        printf("run %s has no stages (only nightly and rerun record stages)\n", run);
    return 0;
}

int cmd_runs(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "limit", required_argument, NULL, 'l' },
        { "run", required_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *limit = "20", *run = NULL;
    struct db *db;
    int c, rc;
    char *end;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'l': limit = optarg; break;
        case 'r': run = optarg; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "runs", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "runs", "unexpected argument '%s'", argv[optind]);
    if (strtol(limit, &end, 10) < 1 || *end)
        return cli_usage_error(ctx, "runs", "--limit must be a positive integer");
    if (run && (strtol(run, &end, 10) < 1 || *end))
        return cli_usage_error(ctx, "runs", "--run must be a run id");
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if (run)
        return list_stages(ctx, db, run);
    return cli_print_runs(ctx, db, limit, false);
}

static void print_runs_header(void)
{
    /* The shard last but one: columns before it keep their places for scripts (awk '{print $2}'). */
    printf("%-6s %-10s %-8s %-19s %8s %-20s %4s %-9s  %s\n", "run", "command", "status", "started (UTC)", "seconds",
           "as_of", "exit", "shard", "error");
}

static void print_run(void *arg, const struct runlog_run *r)
{
    int *n = arg;
    if ((*n)++ == 0)
        print_runs_header();
    printf("%-6s %-10s %-8s %-19s %8s %-20s %4s %-9s  %s\n", r->run_id, r->command, r->status, r->started,
           r->seconds, r->as_of, r->exit_code, r->shard, r->error);
}

int cli_print_runs(struct ctx *ctx, struct db *db, const char *limit, bool pipeline_only)
{
    int rc, n = 0;
    /* A listing must not show a killed run as still running. */
    if ((rc = runlog_close_stale(db, ctx->run_id, false, &ctx->err)) ||
        (rc = runlog_list_runs(db, strtol(limit, NULL, 10), pipeline_only, print_run, &n, &ctx->err)))
        return rc;
    if (n == 0)
        print_runs_header();
    return 0;
}
