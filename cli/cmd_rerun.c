/*
 * cli/cmd_rerun.c — `xetl rerun --from D --to D [--pull]`.
 */
#include "cli/cli.h"
#include "cli/pipeline.h"
#include "common/log.h"

#include <getopt.h>
#include <stdio.h>

static void usage(void)
{
    printf("xetl rerun — recompute a past range from what was landed\n\n"
           "Usage:\n  xetl [GLOBAL OPTIONS] rerun --from D --to D [--pull] [--shard K/N] [-j N]\n\n"
           "Re-derives the typed rows of the responses landed in the range (no call to X),\n"
           "then runs fit, attribute, learn, health and report for the range and rewrites\n"
           "its reports.  Running it twice changes nothing.  The run's as-of defaults to\n"
           "the end of the range (--to's day + 1, 00:00 UTC), so the answer is the same on\n"
           "every rerun; give --as-of to choose another.\n\n"
           "Options:\n"
           "  --from D      first day (YYYY-MM-DD or ISO 8601), inclusive\n"
           "  --to D        last day, inclusive\n"
           "  --shard K/N   only the accounts of shard K of N, as nightly --shard\n"
           "  -j, --jobs N  N accounts at once, as nightly --jobs\n"
           "  --pull        re-fetch from X first (as of --as-of, default now) instead of\n"
           "                re-deriving landed responses: the range's posts, even those\n"
           "                older than pull.track_days, and the timeline over the range\n"
           "  -h, --help    show this help, then exit\n\n"
           "Prints the report paths on stdout, one a line (nothing with -q).  Does not send mail.\n");
}

int cmd_rerun(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "pull", no_argument, NULL, 'p' },
        { "shard", required_argument, NULL, 'S' },
        { "jobs", required_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *from = NULL, *to = NULL, *shard = NULL, *jobs = NULL;
    bool pull = false;
    struct pipeline_plan plan = { 0 };
    struct xrange r;
    int c, rc;

    while ((c = cli_getopt(argc, argv, "hj:", opts)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'p': pull = true; break;
        case 'S': shard = optarg; break;
        case 'j': jobs = optarg; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "rerun", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "rerun", "unexpected argument '%s'", argv[optind]);
    if (!from || !to)
        return cli_usage_error(ctx, "rerun", "--from and --to are required");
    if ((rc = ctx_range(ctx, from, to, 7, &r)) || (shard && (rc = pipeline_parse_shard(ctx, "rerun", shard, &plan))) ||
        (jobs && (rc = pipeline_parse_jobs(ctx, "rerun", jobs, &plan))))
        return rc;
    /* Reproducible by default: "now" is the end of the range unless said otherwise. */
    if (!ctx->as_of_given && !pull)
        ctx->as_of = r.to;
    plan.as_of = ctx->as_of;
    plan.stages = PIPE_FIT | PIPE_ATTRIBUTE | PIPE_LEARN | PIPE_HEALTH | PIPE_REPORT;
    plan.stages |= pull ? PIPE_PULL : PIPE_REPLAY;
    plan.posts = r;
    plan.landed = r;
    /*
     * --pull must re-fetch the range's posts: left to its own window (the
     * pull.track_days before the as-of) pull skipped every post of a range
     * older than that, and the "re-fetched" run recomputed stale numbers.
     */
    if (pull)
        plan.pull = r;
    plan.report.from = xtime_day_start(r.from);
    plan.report.to = r.to;
    /* The report compares with the period before: health covers both. */
    plan.days.from = plan.report.from - (plan.report.to - plan.report.from);
    plan.days.to = plan.report.to;
    char asof_s[40];
    xtime_format(ctx->as_of, asof_s, sizeof asof_s);
    log_info("rerun of %s .. %s as of %s%s", from, to, asof_s, pull ? " (re-fetching from X)" : "");
    return pipeline_run(ctx, &plan);
}
