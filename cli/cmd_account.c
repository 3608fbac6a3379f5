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

static void print_account(void *arg, const struct account_row *r)
{
    (void)arg;
    printf("%-16s %-20s %-6s %-11s %s\n", r->handle, r->user_id, r->active, r->bot_content, r->posts);
}

static int list(struct ctx *ctx, struct db *db)
{
    printf("%-16s %-20s %-6s %-11s %s\n", "handle", "user_id", "active", "bot_content", "posts");
    return accounts_list(db, print_account, NULL, &ctx->err);
}

/* The numeric id of @handle from X (GET /2/users/by/username/:username). */
static int lookup_user_id(struct ctx *ctx, const char *handle, char *out, size_t n)
{
    const char *h = handle[0] == '@' ? handle + 1 : handle;
    struct xapi *x = NULL;
    struct xapi_response r = { 0 };
    char path[64];
    int rc;

    /* Checked before it goes into a URL (accounts_add checks it again). */
    if (!accounts_valid_handle(h))
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
    if ((rc = accounts_exists(db, argv[optind], user_id, &existed, &ctx->err)) ||
        (rc = accounts_add(db, argv[optind], user_id, bot_content, &a, &ctx->err)))
        return rc;
    if (existed)
        log_info("account '%s' (user id %s) already exists: nothing changed", a.handle, a.user_id);
    else
        log_info("added account '%s' (user id %s)", a.handle, a.user_id);
    return 0;
}
