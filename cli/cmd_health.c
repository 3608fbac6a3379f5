/*
 * cli/cmd_health.c — `xetl health [--from D] [--to D]`: daily
 * system_health_metrics, costs and ROI for every account of the run
 * (etl/health.h, docs/learning.md "Cost model").
 */
#include "cli/cli.h"
#include "common/log.h"
#include "common/stage.h"
#include "etl/db.h"
#include "etl/health.h"
#include "etl/migrate.h"

#include <getopt.h>
#include <stdio.h>

static void usage(void)
{
    printf("xetl health — daily system health, costs and ROI\n\n"
           "Usage:\n  xetl [--account H] [--as-of T] health [--from D] [--to D]\n\n"
           "Writes one system_health_metrics row per account, UTC day and kind (posting,\n"
           "engagement, followers, learning, cost).  Money columns come from the cost.*\n"
           "and value.per_follower_usd settings and the bot's generation_metadata.cost_usd;\n"
           "with no cost configured they are NULL, never 0.  A rerun replaces the rows.\n\n"
           "Options:\n"
           "  --from D      first day (YYYY-MM-DD or ISO 8601), inclusive\n"
           "                (default: 7 whole days before --to)\n"
           "  --to D        last day, inclusive (default: the day before --as-of)\n"
           "  -h, --help    show this help, then exit\n");
}

int cmd_health(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *from = NULL, *to = NULL;
    struct account_list accts = { 0 };
    struct stage_args sa = { 0 };
    struct db *db;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "health", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "health", "unexpected argument '%s'", argv[optind]);
    if ((rc = ctx_range(ctx, from, to, 7, &sa.range)))
        return rc;
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if ((rc = ctx_accounts(ctx, &accts)))
        return rc;
    sa.as_of = ctx->as_of;
    sa.run_id = ctx->run_id;
    for (int i = 0; i < accts.n && !rc; i++) {
        long before = ctx->counts.rows;
        rc = health_run(db, ctx->cfg, &accts.v[i], &sa, &ctx->counts, &ctx->err);
        if (!rc)
            log_info("health: '%s': %ld rows written", accts.v[i].handle, ctx->counts.rows - before);
    }
    account_list_release(&accts);
    return rc;
}
