/*
 * cli/cmd_pull.c — `xetl pull [--since T] [--until T]`: X API v2 → raw
 * landing → snapshots, analytics, follower samples, for every account of the
 * run (etl/pull.h).
 */
#include "cli/cli.h"
#include "common/log.h"
#include "common/stage.h"
#include "etl/db.h"
#include "etl/migrate.h"
#include "etl/pull.h"

#include <getopt.h>
#include <stdio.h>

static void usage(void)
{
    printf("xetl pull — refresh every tracked post from the X API v2\n\n"
           "Usage:\n  xetl [--account H] [--as-of T] pull [--since T] [--until T]\n\n"
           "For each account: samples the follower count (GET /2/users/:id), scans the\n"
           "timeline for posts the bot did not record (GET /2/users/:id/tweets), and\n"
           "refreshes the posts that are due by pull.refresh_schedule (GET /2/tweets, 100\n"
           "ids a request).  Every response is landed in xetl.raw_responses first; the\n"
           "typed rows (xetl.posts, performance_snapshots, tweet_analytics_comprehensive,\n"
           "reply_performance, xetl.follower_samples) are then written in one transaction\n"
           "per account, with snapshot_at = --as-of.  The same --as-of twice changes nothing.\n\n"
           "Environment: XETL_X_API_BASE (default https://api.x.com), XETL_X_BEARER_TOKEN or\n"
           "XETL_X_BEARER_TOKEN_FILE.  Settings: pull.refresh_schedule, pull.track_days,\n"
           "pull.timeline_days, pull.max_rate_limit_wait, pull.retries, pull.timeout.\n\n"
           "Options:\n"
           "  --since T     fetch every post posted since T (whatever the refresh schedule\n"
           "                says, once per as-of) and scan the timeline from T\n"
           "                (default: pull.track_days / pull.timeline_days before --as-of)\n"
           "  --until T     end the timeline scan at T (a date: the end of that day)\n"
           "  -h, --help    show this help, then exit\n\n"
           "Exit status: 69 X unavailable after retries, 75 rate limited past\n"
           "pull.max_rate_limit_wait, 78 missing or refused token.\n");
}

static int parse_when(struct ctx *ctx, const char *opt, const char *s, bool end, int64_t *out)
{
    bool date_only = false;
    if (xtime_parse(s, out, &date_only))
        return cli_usage_error(ctx, "pull", "%s '%s' is not a date or ISO 8601 timestamp", opt, s);
    if (date_only && end)
        *out += XTIME_DAY; /* a date is inclusive: up to the end of that day */
    return 0;
}

int cmd_pull(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "since", required_argument, NULL, 's' },
        { "until", required_argument, NULL, 'u' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct stage_args sa = { .as_of = ctx->as_of, .run_id = ctx->run_id };
    struct account_list accts = { 0 };
    struct db *db;
    int c, rc = 0;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 's':
            if ((rc = parse_when(ctx, "--since", optarg, false, &sa.range.from)))
                return rc;
            break;
        case 'u':
            if ((rc = parse_when(ctx, "--until", optarg, true, &sa.range.to)))
                return rc;
            break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "pull", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "pull", "unexpected argument '%s'", argv[optind]);
    if (sa.range.from && sa.range.to && sa.range.from >= sa.range.to)
        return cli_usage_error(ctx, "pull", "--since is not before --until");
    if (sa.range.from && sa.range.from > ctx->as_of)
        return cli_usage_error(ctx, "pull", "--since is after --as-of");
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if ((rc = ctx_accounts(ctx, &accts)))
        return rc;
    if (accts.n == 0)
        log_warn("pull: no active accounts; add one with 'xetl account add HANDLE --user-id ID'");
    /* All accounts at once; one's failure does not stop the others (etl/pull.h). */
    rc = pull_run_accounts(db, ctx->cfg, accts.v, accts.n, &sa, &ctx->counts, &ctx->err);
    struct xerr end_err = { 0 };
    if (pull_run_end(db, ctx->run_id, &end_err))
        log_warn("%s", end_err.msg);
    account_list_release(&accts);
    return rc;
}
