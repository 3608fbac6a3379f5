/*
 * cli/cmd_health.c — `xetl health [--from D] [--to D]`: daily
 * system_health_metrics, costs and ROI for every account of the run
 * (etl/health.h, docs/learning.md "Cost model").
 */
#include "cli/cli.h"
#include "etl/health.h"

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
    static const struct stage_cmd sc = {
        .name = "health", .usage = usage, .run = health_run, .ranged = true, .default_days = 7, .until_as_of = false,
    };
    return cli_stage_command(ctx, argc, argv, &sc);
}
