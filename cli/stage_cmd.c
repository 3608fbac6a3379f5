/*
 * cli/stage_cmd.c — the shared body of the one-stage commands (fit,
 * attribute, learn, health): parse --from/--to/--help, build the stage's
 * arguments from the context, and run the stage for every account of the run.
 */
#include "cli/cli.h"
#include "common/log.h"
#include "etl/db.h"
#include "etl/migrate.h"

#include <getopt.h>
#include <stdio.h>

int cli_stage_command(struct ctx *ctx, int argc, char **argv, const struct stage_cmd *sc)
{
    static const struct option ranged_opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct option *opts = sc->ranged ? ranged_opts : ranged_opts + 2;
    const char *from = NULL, *to = NULL;
    struct account_list accts = { 0 };
    struct stage_args sa = { .as_of = ctx->as_of, .run_id = ctx->run_id };
    struct db *db;
    int c, rc;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'h': sc->usage(); return 0;
        default: return cli_usage_error(ctx, sc->name, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, sc->name, "unexpected argument '%s'", argv[optind]);
    if (sc->ranged) {
        if ((rc = ctx_range(ctx, from, to, sc->default_days, &sa.range)))
            return rc;
        if (!to && sc->until_as_of) {
            /* Posts still changing: the range runs up to --as-of itself, today included. */
            sa.range.to = ctx->as_of + 1;
            if (!from)
                sa.range.from = ctx->as_of - (int64_t)sc->default_days * XTIME_DAY;
        }
        if (sa.range.from >= sa.range.to)
            return cli_usage_error(ctx, sc->name, "--from is after --to");
        ctx->run_range = sa.range;
    } else {
        sa.range.to = ctx->as_of;
    }
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if ((rc = ctx_accounts(ctx, &accts)))
        return rc;
    for (int i = 0; i < accts.n && !rc; i++) {
        struct stage_counts done = { 0 };
        char what[256];
        rc = sc->run(db, ctx->cfg, &accts.v[i], &sa, &done, &ctx->err);
        cli_counts_add(&ctx->counts, &done);
        cli_counts_text(&done, what, sizeof what);
        if (!rc)
            log_info("%s '%s': done (%s)", sc->name, accts.v[i].handle, what);
    }
    account_list_release(&accts);
    return rc;
}
