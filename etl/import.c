/*
 * etl/import.c — see import.h; the formats and what goes where: docs/import.md.
 * The modules: import_cols (header aliases, format), import_parse (cell
 * values), import_rows (validation and staging); here, the file's
 * transaction and the statements of sql/queries/import/.
 */
#include "etl/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sbuf.h"
#include "common/utf8.h"
#include "common/xtime.h"
#include "etl/accounts.h"
#include "etl/csv_in.h"
#include "etl/db.h"
#include "etl/import_cols.h"
#include "etl/import_parse.h"
#include "etl/import_rows.h"

struct loader {
    struct db *db;
    const struct account *acct;
    const struct import_opts *o;
    struct import_result *res;
    struct colmap map;
    struct csv_in *in;
    struct import_rows rows;
    char acct_s[24], asof_s[40];
};

/* One named statement's single count (a "SELECT count(*) …" or a RETURNING CTE). */
static int count_of(struct db *db, const char *stmt, int n, const char *const *p, long *out, struct xerr *err)
{
    struct db_res *res = NULL;
    int rc = db_query(db, stmt, n, p, &res, err);
    if (rc)
        return rc;
    *out = (long)db_get_int64(res, 0, 0, 0);
    db_res_free(res);
    return 0;
}

/*
 * The decision id of each post: its known one, else the bot's record of it,
 * else the derived one.  Only the found ones are stored (import_dec, usually
 * few rows); the view import_rows derives the rest.
 */
static int resolve_decisions(struct loader *L, struct xerr *err)
{
    const char *p[] = { L->acct_s };
    int rc = db_cmd(L->db, "import/known_decisions", 1, p, NULL, err);
    if (rc || !L->acct->bot_content)
        return rc;
    return db_cmd(L->db, "import/bot_decisions", 0, NULL, NULL, err);
}

/* How many staged rows' permalinks name another handle (import_result.other_handle). */
static int other_handles(struct loader *L, struct xerr *err)
{
    const char *p[] = { L->acct_s, L->acct->handle };
    struct db_res *res = NULL;
    int rc = db_query(L->db, "import/other_handles", 2, p, &res, err);
    if (rc)
        return rc;
    struct import_result *r = L->res;
    r->other_handle = (long)db_get_int64(res, 0, 0, 0);
    r->linked = (long)db_get_int64(res, 0, 1, 0);
    const char *h = db_get_text(res, 0, 2);
    snprintf(r->other_handle_name, sizeof r->other_handle_name, "%s", h ? h : "");
    long handles = (long)db_get_int64(res, 0, 3, 0);
    db_res_free(res);
    /* Every link another account's: the wrong --account, far likelier than a renamed handle. */
    if (r->linked == 0 || r->other_handle < r->linked || L->o->any_handle)
        return 0;
    if (handles > 1)
        return xerr_set(err, XETL_EX_DATAERR,
                        "'%s': every permalink names another handle than @%s (%ld handles, @%s most often): "
                        "nothing loaded (another account's export? --any-handle loads it)",
                        r->source_file, L->acct->handle, handles, r->other_handle_name);
    return xerr_set(err, XETL_EX_DATAERR,
                        "'%s': every permalink names @%s, not @%s: nothing loaded (another account's export? "
                        "import it with --account %s; if @%s is @%s renamed, --any-handle loads it)",
                        r->source_file, r->other_handle_name, L->acct->handle, r->other_handle_name,
                        L->acct->handle, r->other_handle_name);
}

/*
 * Every target of a per-post export.  import_have, read before anything is
 * written, says which staged posts each target has and whether the import
 * changes them; the new rows go in by a plain INSERT, and only the changed
 * ones are updated, both from the import_*_rows views over the staged rows.
 */
static int write_posts(struct loader *L, struct xerr *err)
{
    static const char *const targets[] = { "posts", "snapshots", "analytics", "follows" };
    const char *p4[] = { L->acct_s, L->asof_s, L->res->source_file, import_format_name(L->res->format) };
    char stmt[64];
    long n_new, n_old;
    int rc;

    if ((rc = db_cmd(L->db, "import/reject_duplicate_posts", 0, NULL, NULL, err)) ||
        (rc = db_cmd(L->db, "import/reject_other_account", 1, p4, NULL, err)) || (rc = other_handles(L, err)) ||
        (rc = resolve_decisions(L, err)) || (rc = db_cmd(L->db, "import/file_params", 4, p4, NULL, err)) ||
        (rc = db_cmd(L->db, "ANALYZE import_file, import_dec", 0, NULL, NULL, err)))
        return rc;
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        snprintf(stmt, sizeof stmt, "import/have_%s", targets[i]);
        if ((rc = db_cmd(L->db, stmt, 1, p4, NULL, err)))
            return rc;
    }
    if ((rc = db_cmd(L->db, "import/analytics_old", 1, p4, NULL, err)) ||
        (rc = db_cmd(L->db, "import/analytics_merged", 0, NULL, NULL, err)))
        return rc;
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        snprintf(stmt, sizeof stmt, "import/%s_merge", targets[i]);
        if ((rc = db_cmd(L->db, stmt, 1, p4, &n_old, err)))
            return rc;
        snprintf(stmt, sizeof stmt, "import/%s_new", targets[i]);
        if ((rc = db_cmd(L->db, stmt, 0, NULL, &n_new, err)))
            return rc;
        if (i == 0)
            L->res->new_posts = n_new;
        else if (i == 1)
            L->res->snapshots = n_new + n_old;
    }
    return 0;
}

static int write_days(struct loader *L, struct xerr *err)
{
    const char *p[] = { L->acct_s, L->res->source_file };
    int rc = db_cmd(L->db, "import/reject_duplicate_days", 0, NULL, NULL, err);
    return rc ? rc : db_cmd(L->db, "import/daily_follows", 2, p, NULL, err);
}

static void decide_as_of(struct loader *L)
{
    struct import_result *res = L->res;
    const struct import_rows *R = &L->rows;
    int64_t name_end = 0;
    bool named = strcmp(L->o->path, "-") != 0 && import_name_range_end(L->o->path, &name_end);

    if (L->o->as_of_given) {
        res->as_of = L->o->as_of;
        snprintf(res->as_of_source, sizeof res->as_of_source, "--as-of");
    } else if (named && (!R->any_t || name_end > R->max_t)) {
        res->as_of = name_end;
        snprintf(res->as_of_source, sizeof res->as_of_source, "the date range in the file name");
    } else if (R->any_t) {
        /* The export covers whole days: its as-of is the end of the last day it has. */
        res->as_of = xtime_day_start(R->max_t) + XTIME_DAY;
        snprintf(res->as_of_source, sizeof res->as_of_source, "the last day in the file");
    } else {
        res->as_of = 0;
        snprintf(res->as_of_source, sizeof res->as_of_source, "none (no rows)");
    }
}

/* Why a header row cannot be used (out "" when it can). */
static void header_problem(const struct csv_record *rec, char *out, size_t n)
{
    out[0] = '\0';
    if (rec->error)
        snprintf(out, n, "%s", rec->error);
    for (int i = 0; !out[0] && i < rec->nfields; i++)
        if (!utf8_valid(rec->fields[i], strlen(rec->fields[i])))
            snprintf(out, n, "column %d's name is not valid UTF-8 text", i + 1);
}

/* Every data record of the file through the staging COPY (or only validated, copy NULL). */
static int stage_records(struct loader *L, bool show_progress, struct xerr *err)
{
    const struct csv_record *rec;
    struct progress prog;
    int rc = 0;

    if (show_progress) /* a million-row export takes a while: count records on a terminal */
        progress_begin(&prog, "import: records read", 0);
    for (;;) {
        if ((rc = csv_in_next(L->in, &rec, err)) || !rec)
            break;
        L->res->records++;
        if (show_progress)
            progress_step(&prog, 1);
        if ((rc = import_rows_take(&L->rows, rec, err)))
            break;
    }
    if (show_progress)
        progress_end(&prog);
    return rc;
}

/*
 * Reads the header and the rows into the staging COPY (opened here on the
 * format's table).  A header that cannot be read exactly means no row can
 * be: it is staged as the file's one reject (*header_bad says why) and the
 * rest of the file is only read, for its SHA-256.
 */
static int read_file(struct loader *L, char *header_bad, size_t hn, struct xerr *err)
{
    const struct csv_record *rec;
    int rc;

    if ((rc = csv_in_next(L->in, &rec, err)))
        return rc;
    if (!rec)
        return xerr_set(err, XETL_EX_DATAERR, "'%s' is empty: not an X analytics export", L->res->source_file);
    header_problem(rec, header_bad, hn);
    if (!header_bad[0]) {
        colmap_build(&L->map, rec->fields, rec->nfields);
        L->res->format = colmap_format(&L->map, rec->fields);
        if (L->res->format == IMPORT_UNKNOWN)
            return xerr_set(err, XETL_EX_DATAERR, "'%s' is not a known X analytics export (header: '%.80s')",
                            L->res->source_file, rec->raw);
        log_info("'%s': %s export, %d columns", L->res->source_file, import_format_name(L->res->format),
                 L->map.ncols);
    }
    {
        /* Staging lives in temp tables: give them memory before the session first uses one
         * (later files of the same run cannot change it, which is harmless). */
        struct xerr ignore = { 0 };
        db_cmd(L->db, "SET temp_buffers = '256MB'", 0, NULL, NULL, &ignore);
    }
    /* The merges hash a whole file's staged rows: in memory, not in 64 batches on disk;
     * and their wide expressions cost more to JIT-compile than compiling saves. */
    if ((rc = db_begin(L->db, err)) ||
        (rc = db_cmd(L->db, "SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)", 0, NULL,
                     NULL, err)) ||
        (rc = db_script(L->db, db_query_text("import/stage_tables"), err)))
        return rc;
    L->rows.format = L->res->format;
    if ((rc = db_copy_open(L->db, import_rows_copy_sql(L->res->format), &L->rows.copy, err)))
        return rc;
    if (header_bad[0]) {
        char why[300];
        snprintf(why, sizeof why, "header: %s; nothing in the file is loaded", header_bad);
        rc = import_rows_reject(&L->rows, rec, why, err);
        while (!rc && !(rc = csv_in_next(L->in, &rec, err)) && rec)
            ; /* read to the end for the file's SHA-256 */
    } else {
        rc = stage_records(L, true, err);
    }
    struct db_copy *c = L->rows.copy;
    L->rows.copy = NULL;
    int crc = db_copy_close(c, rc ? "the file could not be read" : NULL, NULL, rc ? &(struct xerr){ 0 } : err);
    if (rc || crc)
        return rc ? rc : crc;
    /* Temp tables get no autovacuum statistics: without them the joins with the
     * targets are planned for a few rows (a re-import's nested loop ran for minutes). */
    return db_cmd(L->db,
                  L->res->format == IMPORT_OVERVIEW ? "ANALYZE import_days (day, reason)"
                                                    : "ANALYZE import_stage (tweet_id, reason)",
                  0, NULL, NULL, err);
}

/* The file's rejects into xetl.import_rejects, and the first few into res->notes. */
static int record_rejects(struct loader *L, struct xerr *err)
{
    struct import_result *res = L->res;
    char run_s[24], lim[16];
    const char *p[] = { L->acct_s, L->o->run_id ? db_fmt_long(run_s, sizeof run_s, (long)L->o->run_id) : NULL,
                        res->source_file, res->sha256 };
    int rc;

    if ((rc = count_of(L->db, "SELECT count(*) FROM import_rej", 0, NULL, &res->rejects, err)) ||
        (rc = db_cmd(L->db, "import/rejects", 4, p, NULL, err)) || !res->rejects)
        return rc;
    snprintf(lim, sizeof lim, "%d", L->o->max_listed_rejects > 0 ? L->o->max_listed_rejects : 10);
    const char *pl[] = { lim };
    struct db_res *r = NULL;
    if ((rc = db_query(L->db, "SELECT line, reason FROM import_rej ORDER BY line LIMIT $1::int", 1, pl, &r, err)))
        return rc;
    res->n_notes = db_nrows(r);
    res->notes = xcalloc((size_t)res->n_notes + 1, sizeof *res->notes);
    for (int i = 0; i < res->n_notes; i++) {
        const char *why = db_get_text(r, i, 1);
        res->notes[i].line = (long)db_get_int64(r, i, 0, 0);
        snprintf(res->notes[i].reason, sizeof res->notes[i].reason, "%s", why ? why : "");
    }
    db_res_free(r);
    return 0;
}

static void loader_init(struct loader *L, struct db *db, const struct account *acct, const struct import_opts *o,
                        struct import_result *res)
{
    memset(res, 0, sizeof *res);
    memset(L, 0, sizeof *L);
    L->db = db, L->acct = acct, L->o = o, L->res = res;
    import_rows_init(&L->rows);
    L->rows.map = &L->map;
    L->rows.as_of_given = o->as_of_given;
    L->rows.as_of = o->as_of;
    const char *base = strrchr(o->path, '/');
    snprintf(res->source_file, sizeof res->source_file, "%s", base ? base + 1 : o->path);
    db_fmt_long(L->acct_s, sizeof L->acct_s, (long)acct->id);
}

static void loader_release(struct loader *L)
{
    csv_in_close(L->in);
    colmap_release(&L->map);
    import_rows_release(&L->rows);
}

int import_file(struct db *db, const struct account *acct, const struct import_opts *o,
                struct import_result *res, struct xerr *err)
{
    struct loader L;
    char header_bad[200] = "";
    int rc;

    loader_init(&L, db, acct, o, res);
    if ((rc = csv_in_open(o->path, &L.in, err)))
        goto out;
    L.rows.in = L.in;
    if ((rc = read_file(&L, header_bad, sizeof header_bad, err)))
        goto out;
    csv_in_sha256_hex(L.in, res->sha256);
    if (!header_bad[0]) {
        decide_as_of(&L);
        db_fmt_time(L.asof_s, sizeof L.asof_s, res->as_of);
        rc = res->format == IMPORT_OVERVIEW ? write_days(&L, err) : write_posts(&L, err);
        if (rc || (rc = count_of(db, res->format == IMPORT_OVERVIEW
                                         ? "SELECT count(*) FROM import_days WHERE reason IS NULL"
                                         : "SELECT count(*) FROM import_stage WHERE reason IS NULL",
                                 0, NULL, &res->loaded, err)))
            goto out;
    }
    if ((rc = record_rejects(&L, err)) || (rc = db_cmd(db, "import/drop_views", 0, NULL, NULL, err)) ||
        (rc = db_commit(db, err)))
        goto out;

    if (header_bad[0])
        rc = xerr_set(err, XETL_EX_DATAERR, "'%s' line 1: the header cannot be read (%s): nothing loaded"
                      " (see xetl.import_rejects)", res->source_file, header_bad);
    else if (res->rejects)
        rc = xerr_set(err, XETL_EX_DATAERR, "'%s': %ld of %ld rows rejected (see xetl.import_rejects)",
                      res->source_file, res->rejects, res->records);
out:
    if (rc)
        db_rollback(db); /* a no-op outside the file's transaction */
    loader_release(&L);
    return rc;
}

void import_result_release(struct import_result *res)
{
    free(res->notes);
    res->notes = NULL;
    res->n_notes = 0;
}

int import_check_stream(FILE *f, struct import_result *res, struct xerr *err)
{
    static const struct account none = { 0 };
    static const struct import_opts o = { .path = "-" };
    struct loader L;
    const struct csv_record *rec;
    char bad[200];
    int rc;

    loader_init(&L, NULL, &none, &o, res);
    L.in = L.rows.in = csv_in_from_stream(f);
    if ((rc = csv_in_next(L.in, &rec, err)))
        goto out;
    if (!rec) {
        rc = xerr_set(err, XETL_EX_DATAERR, "empty: not an X analytics export");
        goto out;
    }
    header_problem(rec, bad, sizeof bad);
    if (bad[0]) {
        res->rejects = 1;
        rc = xerr_set(err, XETL_EX_DATAERR, "line 1: the header cannot be read (%s)", bad);
        goto out;
    }
    colmap_build(&L.map, rec->fields, rec->nfields);
    res->format = L.rows.format = colmap_format(&L.map, rec->fields);
    if (res->format == IMPORT_UNKNOWN) {
        rc = xerr_set(err, XETL_EX_DATAERR, "not a known X analytics export");
        goto out;
    }
    if ((rc = stage_records(&L, false, err)))
        goto out;
    res->loaded = L.rows.staged;
    res->rejects = L.rows.rejects;
    csv_in_sha256_hex(L.in, res->sha256);
    if (res->rejects)
        rc = xerr_set(err, XETL_EX_DATAERR, "%ld of %ld rows rejected", res->rejects, res->records);
out:
    loader_release(&L);
    return rc;
}
