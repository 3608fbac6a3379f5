/*
 * cli/cmd_fit.c — `xetl fit [--from D] [--to D]`: decay models for the posts
 * posted in the range, for every account of the run (etl/fit.h).
 */
#include "cli/cli.h"
#include "common/log.h"
#include "common/stage.h"
#include "etl/db.h"
#include "etl/fit.h"
#include "etl/migrate.h"

#include <getopt.h>
#include <stdio.h>

#define FIT_DEFAULT_DAYS 8 /* a nightly fit refreshes the posts still short of their 7-day value */

static void usage(void)
{
    printf("xetl fit — engagement-decay models for the posts in a range\n\n"
           "Usage:\n  xetl [--account H] [--as-of T] fit [--from D] [--to D]\n\n"
           "For every post posted in the range, fits its cumulative likes, retweets,\n"
           "replies, impressions and engagements (from performance_snapshots taken at or\n"
           "before --as-of) with a power-law (Lomax) decay curve whose shape borrows\n"
           "strength from the account's posts of the last 90 days, and writes\n"
           "predicted_likes and predicted_engagement_rate at the 7-day horizon,\n"
           "half_life_minutes, engagement_decay_rate, longevity_score, time_to_peak_minutes\n"
           "(only when the samples show a peak) and analytics_metadata.decay to\n"
           "tweet_analytics_comprehensive, one xetl.predictions row per post and metric,\n"
           "and scores earlier predictions whose 7-day value is now observed.  Running it\n"
           "twice with the same --as-of changes nothing.\n\n"
           "Default range: the %d days up to --as-of (no --to: posts up to --as-of itself).\n"
           "Settings: fit.horizon_hours (168), fit.threads (0 = one per core).\n\n"
           "Options:\n"
           "  --from D      first day (or timestamp) of posting, inclusive\n"
           "  --to D        last day of posting, inclusive\n"
           "  -h, --help    show this help, then exit\n",
           FIT_DEFAULT_DAYS);
}

int cmd_fit(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *from = NULL, *to = NULL;
    struct account_list accts = { 0 };
    struct db *db;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "fit", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "fit", "unexpected argument '%s'", argv[optind]);
    struct stage_args sa = { .as_of = ctx->as_of, .run_id = ctx->run_id };
    if ((rc = ctx_range(ctx, from, to, FIT_DEFAULT_DAYS, &sa.range)))
        return rc;
    if (!to) {
        /* Today's posts are the ones a nightly fit is for: run up to --as-of. */
        sa.range.to = ctx->as_of + 1;
        if (!from)
            sa.range.from = ctx->as_of - (int64_t)FIT_DEFAULT_DAYS * XTIME_DAY;
    }
    if (sa.range.from >= sa.range.to)
        return cli_usage_error(ctx, "fit", "--from is after --to");
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if ((rc = ctx_accounts(ctx, &accts)))
        return rc;
    for (int i = 0; i < accts.n && !rc; i++)
        rc = fit_run(db, ctx->cfg, &accts.v[i], &sa, &ctx->counts, &ctx->err);
    account_list_release(&accts);
    return rc;
}
