/*
 * cli/cmd_migrate.c — `xetl migrate [--status]`.
 */
#include "cli/cli.h"
#include "common/log.h"
#include "etl/db.h"
#include "etl/migrate.h"

#include <getopt.h>
#include <stdio.h>

static void usage(void)
{
    printf("xetl migrate — create or upgrade the schema\n\n"
           "Usage:\n  xetl [--db CONNINFO] migrate [--status]\n\n"
           "Applies every pending migration, each in one transaction, under an advisory\n"
           "lock.  Safe to run again (a no-op when current).  On an existing bot database it\n"
           "adds what is missing without touching existing rows, and stops without changing\n"
           "anything when a table has a conflicting shape.\n\n"
           "Options:\n"
           "  --status      list applied and pending migrations, change nothing\n"
           "  -h, --help    show this help, then exit\n");
}

int cmd_migrate(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "status", no_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool status = false;
    struct db *db;
    int c, rc;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 's': status = true; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "migrate", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "migrate", "unexpected argument '%s'", argv[optind]);
    if ((rc = ctx_db(ctx, &db)))
        return rc;
    if (status) {
        int pending;
        if ((rc = migrate_status(db, stdout, &pending, &ctx->err)))
            return rc;
        return 0;
    }
    int applied;
    if ((rc = migrate_apply(db, &applied, &ctx->err)))
        return rc;
    if (applied)
        log_info("applied %d migration%s; schema is current", applied, applied == 1 ? "" : "s");
    else
        log_info("schema is current; nothing to do");
    return 0;
}
