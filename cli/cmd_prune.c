/*
 * cli/cmd_prune.c — `xetl prune [--dry-run]`: applies the retention
 * settings (etl/retain.h) and creates the month partitions ahead.
 */
#include "cli/cli.h"
#include "common/log.h"
#include "etl/retain.h"

#include <getopt.h>
#include <stdio.h>

static void usage(void)
{
    printf("xetl prune — apply the retention settings\n\n"
           "Usage:\n  xetl [--account H] [--as-of T] prune [--dry-run]\n\n"
           "Drops raw X responses landed more than retention.raw_responses_days before\n"
           "the as-of (whole month partitions where it can), and thins the snapshots of\n"
           "posts published more than retention.snapshots_days before it to those nearest\n"
           "1, 4, 24, 48 and 168 hours plus the last.  Both settings default to 0: keep\n"
           "everything.  Also creates the month partitions three months ahead.  Takes the\n"
           "writers' lock, like every stage.  A rerun of a range older than the raw\n"
           "retention derives from stored rows instead of replaying responses.\n\n"
           "Options:\n"
           "  --dry-run     count what would be removed, remove nothing\n"
           "  -h, --help    show this help, then exit\n");
}

int cmd_prune(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "dry-run", no_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool dry = false;
    struct retain_policy pol;
    struct retain_counts n;
    struct account_list accts = { 0 };
    struct db *db;
    int c, rc;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'n': dry = true; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "prune", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "prune", "unexpected argument '%s'", argv[optind]);
    if ((rc = retain_policy_load(ctx->cfg, &pol, &ctx->err)) || (rc = ctx_db(ctx, &db)) ||
        (rc = ctx_accounts(ctx, &accts)))
        return rc;
    rc = retain_run(db, &pol, &accts, ctx->as_of, dry, &n, &ctx->err);
    account_list_release(&accts);
    if (rc)
        return rc;
    ctx->counts.rows = n.raw_rows + n.snapshot_rows;
    printf("%s %ld raw response%s (%ld month partition%s), %ld snapshot%s of %ld post%s\n",
           dry ? "would remove" : "removed", n.raw_rows, n.raw_rows == 1 ? "" : "s", n.raw_partitions,
           n.raw_partitions == 1 ? "" : "s", n.snapshot_rows, n.snapshot_rows == 1 ? "" : "s", n.snapshot_posts,
           n.snapshot_posts == 1 ? "" : "s");
    if (!pol.raw_responses_days && !pol.snapshots_days)
        log_info("retention.raw_responses_days and retention.snapshots_days are 0: nothing is ever removed");
    if (n.partitions_made)
        log_info("created %ld month partition%s ahead", n.partitions_made, n.partitions_made == 1 ? "" : "s");
    return 0;
}
