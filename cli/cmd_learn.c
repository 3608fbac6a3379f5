/*
 * cli/cmd_learn.c — `xetl learn`: performance aggregates and Thompson
 * posteriors for every account of the run (etl/learn.h, docs/learning.md).
 */
#include "cli/cli.h"
#include "common/log.h"
#include "common/stage.h"
#include "etl/db.h"
#include "etl/learn.h"
#include "etl/migrate.h"

#include <getopt.h>
#include <stdio.h>

static void usage(void)
{
    printf("xetl learn — performance aggregates and Thompson posteriors\n\n"
           "Usage:\n  xetl [--account H] [--as-of T] learn\n\n"
           "Recomputes content_type_performance, formula_performance and hook_performance\n"
           "from the posts whose 168 h follower attribution has matured by --as-of, with a\n"
           "Gamma-Poisson posterior per arm on followers per post (thompson_alpha = shape,\n"
           "thompson_beta = rate in effective posts) and selection_score = the probability\n"
           "that the arm is best (seeded Monte Carlo: the same --as-of gives the same scores).\n"
           "Writes one learning_updates row per component.  Running it twice with the same\n"
           "--as-of changes nothing.\n\n"
           "Settings: learn.half_life_days, learn.draws, learn.prior_weight,\n"
           "learn.maturity_hours, learn.success_followers (docs/learning.md).\n\n"
           "Options:\n"
           "  -h, --help    show this help, then exit\n");
}

int cmd_learn(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct account_list accts = { 0 };
    struct db *db;
    int c, rc;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "learn", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "learn", "unexpected argument '%s'", argv[optind]);
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if ((rc = ctx_accounts(ctx, &accts)))
        return rc;
    struct stage_args sa = { .as_of = ctx->as_of, .run_id = ctx->run_id };
    sa.range.from = 0;
    sa.range.to = ctx->as_of;
    for (int i = 0; i < accts.n && !rc; i++) {
        long before = ctx->counts.rows;
        rc = learn_run(db, ctx->cfg, &accts.v[i], &sa, &ctx->counts, &ctx->err);
        if (!rc)
            log_info("learn: '%s': %ld rows written", accts.v[i].handle, ctx->counts.rows - before);
    }
    account_list_release(&accts);
    return rc;
}
