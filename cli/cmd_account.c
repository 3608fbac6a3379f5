/*
 * cli/cmd_account.c — `xetl account add HANDLE --user-id ID` and `account list`.
 */
#include "cli/cli.h"
#include "common/log.h"
#include "etl/db.h"
#include "etl/migrate.h"
#include "etl/xapi.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(void)
{
    printf("xetl account — the accounts xetl tracks\n\n"
           "Usage:\n"
           "  xetl account add HANDLE [--user-id ID] [--no-bot-content]\n"
           "  xetl account list\n\n"
           "Without --user-id the id is looked up on X with the configured token\n"
           "(GET /2/users/by/username/HANDLE; any access tier, app-only token is enough).\n"
           "An account that only imports CSV exports (no token) must give --user-id: the\n"
           "numeric id is in the export's file name or at x.com/settings/your_twitter_data.\n\n"
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

/* The numeric id of @handle from X (GET /2/users/by/username/:username). */
static int lookup_user_id(struct ctx *ctx, const char *handle, char *out, size_t n)
{
    const char *h = handle[0] == '@' ? handle + 1 : handle;
    size_t hl = strlen(h);
    struct xapi *x = NULL;
    struct xapi_response r = { 0 };
    char path[64];
    int rc;

    /* Checked before it goes into a URL (accounts_add checks it again). */
    if (hl < 1 || hl > 15 || strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != hl)
        return xerr_set(&ctx->err, XETL_EX_USAGE, "invalid handle '%s': 1 to 15 letters, digits or '_'", h);
    if ((rc = xapi_open(ctx->cfg, &x, &ctx->err))) {
        xerr_prefix(&ctx->err, "account add without --user-id looks the id up on X: ");
        return rc;
    }
    snprintf(path, sizeof path, "/2/users/by/username/%s", h);
    rc = xapi_get(x, "/2/users/by/username/:username", path, &r, &ctx->err);
    if (!rc) {
        const char *id = jv_str(jv_get(jv_get(r.json, "data"), "id"));
        if (id && strlen(id) < n)
            snprintf(out, n, "%s", id);
        else
            rc = xerr_set(&ctx->err, XETL_EX_DATAERR, "x has no user '@%s' (give --user-id if the handle is right)", h);
        xapi_response_release(&r);
    }
    xapi_close(x);
    if (!rc)
        log_info("x says '@%s' is user id %s", h, out);
    return rc;
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
    if (!strcmp(sub, "add") && optind + 1 != argc)
        return cli_usage_error(ctx, "account", "usage: account add HANDLE [--user-id ID]");
    if (!strcmp(sub, "list") && optind != argc)
        return cli_usage_error(ctx, "account", "unexpected argument '%s'", argv[optind]);
    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if (!strcmp(sub, "list"))
        return list(ctx, db);
    struct account a;
    bool existed = false;
    char looked_up[32];
    if (!user_id) {
        if ((rc = lookup_user_id(ctx, argv[optind], looked_up, sizeof looked_up)))
            return rc;
        user_id = looked_up;
    }
    if ((rc = account_exists(ctx, db, argv[optind], user_id, &existed)) ||
        (rc = accounts_add(db, argv[optind], user_id, bot_content, &a, &ctx->err)))
        return rc;
    if (existed)
        log_info("account '%s' (user id %s) already exists: nothing changed", a.handle, a.user_id);
    else
        log_info("added account '%s' (user id %s)", a.handle, a.user_id);
    return 0;
}
