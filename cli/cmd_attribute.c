/*
 * cli/cmd_attribute.c — `xetl attribute [--from D] [--to D]`: follower gains
 * attributed to the posts of every account of the run (etl/attribute.h,
 * docs/attribution.md).
 */
#include "cli/cli.h"
#include "etl/attribute.h"

#include <stdio.h>

static void usage(void)
{
    printf("xetl attribute — follower gains attributed to posts\n\n"
           "Usage:\n  xetl [--account H] [--as-of T] attribute [--from D] [--to D]\n\n"
           "Explains each interval between follower samples by an organic drift plus each\n"
           "post's exposure (its fitted impression curve) times a non-negative follows-per-\n"
           "impression rate per content type, then splits every interval's observed change\n"
           "between the posts and the drift so that they add up to the real follower count.\n"
           "Posts whose follows X reported (analytics export) get that number, confidence 1.\n"
           "Writes follower_attributions (windows 1 h, 24 h, 168 h; confidence = purity x\n"
           "bootstrap sign certainty) and followers_gained / followers_before / _after /\n"
           "follows_from_tweet in tweet_analytics_comprehensive.  Running it twice with the\n"
           "same --as-of changes nothing.\n\n"
           "Default range: posts of the %d days up to --as-of (no --to: up to --as-of itself).\n"
           "Settings: attribute.bootstrap (200), attribute.seed (0).\n\n"
           "Options:\n"
           "  --from D      first day (or timestamp) of posting, inclusive\n"
           "  --to D        last day of posting, inclusive\n"
           "  -h, --help    show this help, then exit\n",
           ATTRIBUTE_DEFAULT_DAYS);
}

int cmd_attribute(struct ctx *ctx, int argc, char **argv)
{
    static const struct stage_cmd sc = {
        .name = "attribute", .usage = usage, .run = attribute_run, .ranged = true, .default_days = ATTRIBUTE_DEFAULT_DAYS, .until_as_of = true,
    };
    return cli_stage_command(ctx, argc, argv, &sc);
}
