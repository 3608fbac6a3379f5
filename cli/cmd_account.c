/*
 * cli/cmd_account.c — `xetl account add HANDLE --user-id ID` and `account list`.
 */
#include "cli/cli.h"
#include "common/log.h"
#include "etl/db.h"
#include "etl/migrate.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(void)
{
    printf("xetl account — the accounts xetl tracks\n\n"
           "Usage:\n"
           "  xetl account add HANDLE --user-id ID [--no-bot-content]\n"
           "  xetl account list\n\n"
           "Options:\n"
           "  --user-id ID        the account's numeric X user id\n"
           "  --no-bot-content    the bot's content_metadata rows are not this account's posts\n"
           "                      (its posts are found on its timeline only)\n"
           "  -h, --help          show this help, then exit\n");
}

static int list(struct ctx *ctx, struct db *db)
{
    PGresult *res = db_exec(db,
                            "SELECT handle, x_user_id, CASE WHEN active THEN 'yes' ELSE 'no' END,"
                            " CASE WHEN bot_content THEN 'yes' ELSE 'no' END,"
                            " (SELECT count(*) FROM xetl.posts p WHERE p.account_id = a.account_id)"
                            " FROM xetl.accounts a ORDER BY lower(handle)",
                            0, NULL, &ctx->err);
    if (!res)
        return ctx->err.code;
    printf("%-16s %-20s %-6s %-11s %s\n", "handle", "user_id", "active", "bot_content", "posts");
    for (int i = 0; i < PQntuples(res); i++)
        printf("%-16s %-20s %-6s %-11s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
    PQclear(res);
    return 0;
}

/* Whether this very account (handle and user id) is registered: a rerun of provisioning. */
static int account_exists(struct ctx *ctx, struct db *db, const char *handle, const char *user_id, bool *out)
{
    const char *p[] = { handle[0] == '@' ? handle + 1 : handle, user_id };
    PGresult *res = db_exec(db,
                            "SELECT 1 FROM xetl.accounts WHERE lower(handle) = lower($1) AND x_user_id = $2",
                            2, p, &ctx->err);
    if (!res)
        return ctx->err.code;
    *out = PQntuples(res) > 0;
    PQclear(res);
    return 0;
}

int cmd_account(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "user-id", required_argument, NULL, 'u' },
        { "no-bot-content", no_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *user_id = NULL;
    bool bot_content = true;
    struct db *db;
    int c, rc;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'u': user_id = optarg; break;
        case 'n': bot_content = false; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "account", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error(ctx, "account", "expected 'add' or 'list'");
    const char *sub = argv[optind++];
    if (strcmp(sub, "add") && strcmp(sub, "list"))
        return cli_usage_error(ctx, "account", "unknown subcommand '%s'", sub);
    if (!strcmp(sub, "add") && (optind + 1 != argc || !user_id))
        return cli_usage_error(ctx, "account", "usage: account add HANDLE --user-id ID");
    if (!strcmp(sub, "list") && optind != argc)
        return cli_usage_error(ctx, "account", "unexpected argument '%s'", argv[optind]);
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if (!strcmp(sub, "list"))
        return list(ctx, db);
    struct account a;
    bool existed = false;
    if ((rc = account_exists(ctx, db, argv[optind], user_id, &existed)) ||
        (rc = accounts_add(db, argv[optind], user_id, bot_content, &a, &ctx->err)))
        return rc;
    if (existed)
        log_info("account '%s' (user id %s) already exists: nothing changed", a.handle, a.user_id);
    else
        log_info("added account '%s' (user id %s)", a.handle, a.user_id);
    return 0;
}
