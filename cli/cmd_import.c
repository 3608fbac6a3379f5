/*
 * cli/cmd_import.c — `xetl import [--account H] [--as-of T] FILE…`: X analytics
 * CSV exports into the database (etl/import.h does the work; docs/import.md).
 */
#include "cli/cli.h"
#include "common/log.h"
#include "etl/db.h"
#include "etl/import.h"
#include "etl/migrate.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(void)
{
    printf("xetl import — load X analytics CSV exports ('-' reads stdin)\n\n"
           "Usage:\n"
           "  xetl import [--account H] [--as-of T] [--any-handle] FILE...\n\n"
           "Formats (detected from the header row): the legacy per-post \"tweet activity\"\n"
           "export, the per-post \"content\" export and the daily \"account overview\" export.\n\n"
           "Options:\n"
           "  --account H   the account the exports belong to (needed when several are active)\n"
           "  --as-of T     the snapshot time of the exports (default: the end of the date range\n"
           "                in the file name, else the end of the last day in the file)\n"
           "  --any-handle  load an export whose every permalink names another handle (the\n"
           "                account renamed since); without it such a file is refused (65)\n"
           "  -h, --help    show this help, then exit\n\n"
           "Rows that cannot load are kept in xetl.import_rejects (file, line, raw text, reason)\n"
           "and listed on stderr; the other rows load.  Importing a file again changes nothing.\n"
           "Exit status: 0 all rows loaded, 65 rows rejected or not an export, 66 a file\n"
           "cannot be opened.\n");
}

static bool any_handle; /* --any-handle */

static void summarise(const struct import_result *r, const char *handle)
{
    char asof[32];
    xtime_format(r->as_of, asof, sizeof asof);
    log_info("'%s': %s export, %ld rows read, %ld loaded (%ld new posts, %ld snapshots written), "
             "%ld rejected; as-of %s from %s",
             r->source_file, import_format_name(r->format), r->records, r->loaded, r->new_posts, r->snapshots,
             r->rejects, asof, r->as_of_source);
    for (int i = 0; i < r->n_notes; i++)
        log_warn("'%s' line %ld: %s", r->source_file, r->notes[i].line, r->notes[i].reason);
    if (r->rejects > r->n_notes)
        log_warn("'%s': %ld more rejected rows in xetl.import_rejects (file_sha256 '%.16s...')", r->source_file,
                 r->rejects - r->n_notes, r->sha256);
    /* Some rows only (a whole file of another handle's is refused, import.c): loaded, but said. */
    if (r->other_handle > 0 && r->loaded > 0)
        log_warn("'%s': %ld of %ld rows' permalinks name @%s, not @%s (loaded: a handle renamed since?)",
                 r->source_file, r->other_handle, r->linked, r->other_handle_name, handle);
}

/*
 * One file: loads it and logs its summary.  A missing file or rejected rows
 * set *noinput / *data (logged here when several files were given: alone,
 * main prints ctx->err as the closing line) and the next file goes on; a
 * database failure (the file's transaction rolled back) is returned: stop.
 */
static int import_one(struct ctx *ctx, struct db *db, const struct account *acct, const char *path, bool several,
                      bool *noinput, bool *data)
{
    struct import_opts o = { 0 };
    struct import_result r;
    struct xerr ferr = { 0 };
    o.path = path;
    o.as_of = ctx->as_of;
    o.as_of_given = ctx->as_of_given;
    o.run_id = ctx->run_id;
    o.any_handle = any_handle;
    int frc = import_file(db, acct, &o, &r, &ferr);
    if (frc == 0 || (frc == XETL_EX_DATAERR && r.format != IMPORT_UNKNOWN)) {
        summarise(&r, acct->handle);
        ctx->counts.rows += r.loaded;
        ctx->counts.rejects += r.rejects;
    }
    import_result_release(&r);
    if (frc == 0)
        return 0;
    ctx->err = ferr;
    if (frc == XETL_EX_NOINPUT) {
        *noinput = true;
        if (several)
            log_error("%s", ferr.msg);
        return 0;
    }
    if (frc == XETL_EX_DATAERR) {
        *data = true;
        if (several)
            log_warn("%s", ferr.msg);
        return 0;
    }
    return frc;
}

int cmd_import(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "any-handle", no_argument, NULL, 'A' },
        { NULL, 0, NULL, 0 },
    };
    struct account_list al = { 0 };
    struct db *db;
    int c, rc = 0, nstdin = 0;
    bool any_noinput = false, any_data = false;
    any_handle = false;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': usage(); return 0;
        case 'A': any_handle = true; break;
        default: return cli_usage_error(ctx, "import", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error(ctx, "import", "no file given ('-' reads stdin)");
    for (int i = optind; i < argc; i++)
        if (!strcmp(argv[i], "-"))
            nstdin++;
    if (nstdin > 1)
        return cli_usage_error(ctx, "import", "'-' (stdin) may be given once");

    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if ((rc = ctx_accounts(ctx, &al)))
        return rc;
    if (al.n == 0) {
        rc = xerr_set(&ctx->err, XETL_EX_CONFIG, "no active account: add one with 'xetl account add'");
        goto out;
    }
    if (al.n > 1) {
        rc = xerr_set(&ctx->err, XETL_EX_USAGE,
                      "%d accounts are active: name the one these exports belong to with --account",
                      al.n);
        goto out;
    }
    if (ctx->as_of_given) {
        char t[32];
        xtime_format(ctx->as_of, t, sizeof t);
        log_info("import for '%s' as of %s (--as-of)", al.v[0].handle, t);
    }

    for (int i = optind; i < argc; i++)
        if ((rc = import_one(ctx, db, &al.v[0], argv[i], argc - optind > 1, &any_noinput, &any_data)))
            goto out;
    if (any_noinput) {
        rc = XETL_EX_NOINPUT;
    } else if (any_data) {
        rc = XETL_EX_DATAERR;
        if (argc - optind > 1)
            xerr_set(&ctx->err, XETL_EX_DATAERR, "some rows or files were rejected (listed above)");
    }
out:
    account_list_release(&al);
    return rc;
}
