/*
 * cli/cmd_fit.c — `xetl fit [--from D] [--to D]`: decay models for the posts
 * posted in the range, for every account of the run (etl/fit.h).
 */
#include "cli/cli.h"
#include "etl/fit.h"

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
    static const struct stage_cmd sc = {
        .name = "fit", .usage = usage, .run = fit_run, .ranged = true, .default_days = FIT_DEFAULT_DAYS, .until_as_of = true,
    };
    return cli_stage_command(ctx, argc, argv, &sc);
}
