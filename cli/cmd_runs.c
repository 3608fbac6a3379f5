/*
 * cli/cmd_runs.c — `xetl runs [--limit N] [--run ID]`: the run log.
 */
#include "cli/cli.h"
#include "cli/pipeline.h"
#include "etl/db.h"
#include "etl/migrate.h"

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

static int list_stages(struct ctx *ctx, struct db *db, const char *run)
{
    const char *p[] = { run };
    PGresult *res = db_exec(db,
                            "SELECT s.stage, coalesce(a.handle, '-'), s.status,"
                            " to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
                            " coalesce(round(extract(epoch FROM s.finished_at - s.started_at)::numeric, 1)::text, '-'),"
                            " s.counts::text, coalesce(s.error, '')"
                            " FROM xetl.run_stages s LEFT JOIN xetl.accounts a USING (account_id)"
                            " WHERE s.run_id = $1::bigint ORDER BY s.stage_id",
                            1, p, &ctx->err);
    if (!res)
        return ctx->err.code;
    if (PQntuples(res) == 0) {
        PQclear(res);
        const char *pr[] = { run };
        res = db_exec(db, "SELECT 1 FROM xetl.runs WHERE run_id = $1::bigint", 1, pr, &ctx->err);
        if (!res)
            return ctx->err.code;
        int found = PQntuples(res);
        PQclear(res);
        if (!found)
            return xerr_set(&ctx->err, XETL_EX_USAGE, "runs: no run %s in the run log (see 'xetl runs')", run);
        printf("run %s has no stages (only nightly and rerun record stages)\n", run);
        return 0;
    }
    printf("%-10s %-16s %-8s %-19s %8s  %s\n", "stage", "account", "status", "started (UTC)", "seconds", "counts / error");
    for (int i = 0; i < PQntuples(res); i++)
        printf("%-10s %-16s %-8s %-19s %8s  %s%s%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
               *PQgetvalue(res, i, 6) ? "  " : "", PQgetvalue(res, i, 6));
    PQclear(res);
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

int cli_print_runs(struct ctx *ctx, struct db *db, const char *limit, bool pipeline_only)
{
    const char *p[] = { limit, pipeline_only ? "t" : "f" };
    int rc;
    /* A listing must not show a killed run as still running. */
    if ((rc = pipeline_close_stale_runs(ctx, db, false)))
        return rc;
    PGresult *res = db_exec(db,
                            "SELECT run_id, command, status,"
                            " to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
                            " coalesce(round(extract(epoch FROM finished_at - started_at)::numeric, 1)::text, '-'),"
                            " to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                            " coalesce(exit_code::text, '-'), coalesce(error, ''), coalesce(shard, '-')"
                            " FROM xetl.runs WHERE NOT $2::boolean OR command IN ('nightly', 'rerun', 'demo')"
                            " ORDER BY run_id DESC LIMIT $1::int",
                            2, p, &ctx->err);
    if (!res)
        return ctx->err.code;
    /* The shard last but one: columns before it keep their places for scripts (awk '{print $2}'). */
    printf("%-6s %-10s %-8s %-19s %8s %-20s %4s %-9s  %s\n", "run", "command", "status", "started (UTC)", "seconds",
           "as_of", "exit", "shard", "error");
    for (int i = 0; i < PQntuples(res); i++)
        printf("%-6s %-10s %-8s %-19s %8s %-20s %4s %-9s  %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
               PQgetvalue(res, i, 6), PQgetvalue(res, i, 8), PQgetvalue(res, i, 7));
    PQclear(res);
    return 0;
}
