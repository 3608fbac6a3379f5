/*
 * reports/rtab.c — the report's tables, gathered or streamed (see rtab.h).
 */
#include "reports/rtab.h"

#include "common/sbuf.h"
#include "etl/db.h"

#include <stdlib.h>
#include <string.h>

void rtab_init(struct rtab *t, const struct rcol *cols, int ncols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
}

void rtab_release(struct rtab *t)
{
    if (t->cells) {
        for (long i = 0; i < (long)t->nrows * t->ncols; i++)
            free(t->cells[i]);
        free(t->cells);
    }
    t->cells = NULL;
    t->nrows = 0;
    t->cap_rows = 0;
}

void rtab_add_row(struct rtab *t, const char *const *vals)
{
    if (t->nrows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? t->cap_rows * 2 : 16;
        t->cells = xrealloc(t->cells, sizeof *t->cells * (size_t)t->cap_rows * (size_t)t->ncols);
    }
    for (int c = 0; c < t->ncols; c++) {
        t->cells[(long)t->nrows * t->ncols + c] = vals[c] ? xstrdup(vals[c]) : NULL;
        t->nonnull[c] += vals[c] != NULL;
    }
    t->nrows++;
}

int rtab_query(struct db *db, const char *stmt, int nparams, const char *const *params, struct rtab *t,
               struct xerr *err)
{
    struct db_res *res;
    const char *vals[RTAB_MAX_COLS];
    int rc;
    if ((rc = db_query(db, stmt, nparams, params, &res, err)))
        return rc;
    if (db_ncols(res) != t->ncols || t->ncols > RTAB_MAX_COLS) {
        int got = db_ncols(res);
        db_res_free(res);
        return xerr_set(err, XETL_EX_SOFTWARE, "report query %s returned %d columns, expected %d", stmt, got,
                        t->ncols);
    }
    for (int r = 0; r < db_nrows(res); r++) {
        for (int c = 0; c < t->ncols; c++)
            vals[c] = db_get_text(res, r, c);
        rtab_add_row(t, vals);
    }
    db_res_free(res);
    return 0;
}

/* Where the statement's last ORDER BY starts a line (its top-level one), or NULL. */
static const char *last_order_by(const char *sql)
{
    const char *order = NULL;
    for (const char *o = strstr(sql, "ORDER BY"); o; o = strstr(o + 1, "ORDER BY")) {
        const char *b = o;
        while (b > sql && b[-1] == ' ')
            b--;
        if (b == sql || b[-1] == '\n')
            order = b;
    }
    return order;
}

/*
 * Makes t the streamed table of statement name (nparams, params), its row
 * count and values per column read from the one row of statement counts
 * (run with ncp, cparams): the count, then one per column.
 */
static int stream_counts(struct db *db, const char *counts, int ncp, const char *const *cparams, const char *name,
                         int nparams, const char *const *params, struct rtab *t, struct xerr *err)
{
    struct db_res *res;
    int rc = db_query(db, counts, ncp, cparams, &res, err);
    if (rc)
        return rc;
    if (db_nrows(res) != 1 || db_ncols(res) != t->ncols + 1) {
        int got = db_ncols(res);
        db_res_free(res);
        return xerr_set(err, XETL_EX_SOFTWARE, "report: the counts of %s returned %d columns, expected %d", name,
                        got, t->ncols + 1);
    }
    t->nrows = (int)db_get_int64(res, 0, 0, 0);
    for (int c = 0; c < t->ncols; c++)
        t->nonnull[c] = (long)db_get_int64(res, 0, c + 1, 0);
    db_res_free(res);
    t->db = db;
    t->sql = name;
    t->nparams = nparams;
    t->params = params;
    return 0;
}

/*
 * A streamed table: only its row count and the values per column (the
 * workbook's notes on blank columns need them before the first row) are
 * read now, by a count over the same query; the rows are read again by each
 * writer.  The query's last, top-level ORDER BY is left out of the count.
 */
int rtab_stream(struct db *db, const char *name, int nparams, const char *const *params, struct rtab *t,
                struct xerr *err)
{
    const char *sql = db_query_text(name), *order;
    struct sbuf q = SBUF_INIT;
    int rc;

    if (!sql)
        return xerr_set(err, XETL_EX_SOFTWARE, "report: no statement named %s", name);
    order = last_order_by(sql);
    sbuf_init(&q);
    sbuf_adds(&q, "SELECT count(*)");
    for (int c = 0; c < t->ncols; c++)
        sbuf_addf(&q, ", count(c%d)", c);
    sbuf_addf(&q, " FROM (%.*s\n) q(", (int)(order ? order - sql : (long)strlen(sql)), sql);
    for (int c = 0; c < t->ncols; c++)
        sbuf_addf(&q, "%sc%d", c ? ", " : "", c);
    sbuf_adds(&q, ")");
    rc = stream_counts(db, q.buf, nparams, params, name, nparams, params, t, err);
    sbuf_release(&q);
    return rc;
}

int rtab_stream_counted(struct db *db, const char *name, const char *counts, int nparams, const char *const *params,
                        struct rtab *t, struct xerr *err)
{
    return stream_counts(db, counts, 0, NULL, name, nparams, params, t, err);
}

int rtab_rows_open(struct rtab_rows *r, const struct rtab *t, struct xerr *err)
{
    memset(r, 0, sizeof *r);
    r->t = t;
    if (!t->sql || t->nrows == 0)
        return 0;
    return db_rows_open(t->db, t->sql, t->nparams, t->params, &r->it, err);
}

int rtab_rows_next(struct rtab_rows *r, struct xerr *err)
{
    const struct rtab *t = r->t;
    if (r->row >= t->nrows)
        return 0;
    if (!t->sql) {
        for (int c = 0; c < t->ncols; c++)
            r->vals[c] = rtab_cell(t, r->row, c);
        r->row++;
        return 1;
    }
    const struct db_res *res;
    int rc = db_rows_next(r->it, &res, err);
    if (rc != 1)
        return rc;
    if (db_ncols(res) != t->ncols)
        return xerr_set(err, XETL_EX_SOFTWARE, "report query returned %d columns, expected %d", db_ncols(res),
                        t->ncols);
    for (int c = 0; c < t->ncols; c++)
        r->vals[c] = db_get_text(res, 0, c);
    r->row++;
    if (t->tee && (rc = t->tee(t->tee_arg, r->vals, err)))
        return rc;
    return 1;
}

void rtab_rows_close(struct rtab_rows *r)
{
    db_rows_close(r->it);
    r->it = NULL;
}

int rcol_index(const struct rcol *cols, int ncols, const char *name)
{
    for (int c = 0; c < ncols; c++)
        if (!strcmp(cols[c].name, name))
            return c;
    return -1;
}
