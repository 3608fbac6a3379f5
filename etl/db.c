/*
 * etl/db.c — see db.h.  The only file that includes libpq (through db.h).
 */
#include "etl/db.h"
#include "common/log.h"
#include "common/sbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db {
    PGconn *conn;
    bool in_copy;
};

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    log_debug("server: %.*s", (int)strcspn(message, "\n"), message);
}

/* First ~60 characters of a statement, one line, to say which one failed. */
static void sql_label(const char *sql, char *out, size_t n)
{
    size_t o = 0;
    bool space = false;
    for (const char *p = sql; *p && o + 4 < n && o < 60; p++) {
        if (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r') {
            if (o && !space)
                out[o++] = ' ';
            space = true;
            continue;
        }
        space = false;
        out[o++] = *p;
    }
    if (strlen(sql) > o && o + 4 < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/*
 * Classifies a failure by SQLSTATE (never by message text): a lost or
 * refused connection is the upstream being unavailable; lock, serialization
 * and statement timeouts are worth retrying later; XE001 is xetl's own
 * "this database is not what xetl expects" from a migration.
 */
static int classify(struct db *db, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (PQstatus(db->conn) == CONNECTION_BAD)
        return XETL_EX_UNAVAILABLE;
    if (!state)
        return XETL_EX_UNAVAILABLE; /* no result at all: the connection died */
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
        strcmp(state, "57P03") == 0)
        return XETL_EX_UNAVAILABLE;
    /*
     * 57014: statement_timeout (or a cancel) — the server was busy, the same
     * run later may well pass; 55P03: lock_timeout / NOWAIT.
     */
    if (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "57014") == 0)
        return XETL_EX_TEMPFAIL;
    if (strcmp(state, "XE001") == 0)
        return XETL_EX_CONFIG;
    /*
     * Data and constraint errors (classes 22, 23) raised by xetl's own
     * statements are bugs, not rejected input: input is validated before it
     * reaches the database, and 65 is reserved for rows xetl rejected itself.
     */
    return XETL_EX_SOFTWARE;
}

static int fail(struct db *db, const PGresult *res, const char *sql, struct xerr *err)
{
    char label[80];
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
    int code = classify(db, res);

    if (!msg || !*msg)
        msg = PQerrorMessage(db->conn);
    sql_label(sql, label, sizeof label);
    if (code == XETL_EX_UNAVAILABLE)
        return xerr_set(err, code, "database connection lost: %s", msg && *msg ? msg : "no response from server");
    if (code == XETL_EX_CONFIG)
        return xerr_set(err, code, "%s%s%s", msg, hint ? "; hint: " : "", hint ? hint : "");
    return xerr_set(err, code, "query failed: %s (query was: %s)", msg, label);
}

int db_connect(const char *conninfo, struct db **out, struct xerr *err)
{
    char *perr = NULL;
    PQconninfoOption *opts;
    struct db *db;

    *out = NULL;
    if (!conninfo)
        conninfo = "";
    /* A malformed conninfo is a configuration error, not an outage. */
    /*
     * libpq's parse errors quote the text they choke on, which may be the
     * password (a '%' left unencoded in a URI): never repeat them.
     */
    opts = PQconninfoParse(conninfo, &perr);
    if (!opts) {
        /* An unknown key is named, as psql does: the key is never the secret. */
        char key[64] = "";
        if (perr && sscanf(perr, "invalid connection option \"%63[^\"]\"", key) == 1) {
            PQfreemem(perr);
            return xerr_set(err, XETL_EX_CONFIG,
                            "invalid database connection string: invalid connection option \"%s\"", key);
        }
        PQfreemem(perr);
        return xerr_set(err, XETL_EX_CONFIG,
                        "invalid database connection string (check its syntax, quoting and %%-encoding)");
    }
    PQconninfoFree(opts);

    db = xcalloc(1, sizeof *db);
    const char *keys[] = { "dbname", "application_name", "options", NULL };
    const char *vals[] = { conninfo, "xetl", "-c TimeZone=UTC -c client_min_messages=warning", NULL };
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        const char *m = db->conn ? PQerrorMessage(db->conn) : "out of memory";
        int code = XETL_EX_UNAVAILABLE;
        /* libpq reports unknown options and missing passwords as connection failures. */
        if (strstr(m, "invalid connection option") || strstr(m, "password authentication failed") ||
            strstr(m, "does not exist"))
            code = XETL_EX_CONFIG;
        xerr_set(err, code, "cannot connect to database: %s", m);
        db_close(db);
        return code;
    }
    PQsetNoticeProcessor(db->conn, quiet_notices, NULL);
    *out = db;
    return 0;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    if (db->conn)
        PQfinish(db->conn);
    free(db);
}

PGconn *db_pg(struct db *db)
{
    return db->conn;
}

PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params, struct xerr *err)
{
    PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    fail(db, res, sql, err);
    PQclear(res);
    return NULL;
}

int db_cmd(struct db *db, const char *sql, int nparams, const char *const *params, long *affected,
           struct xerr *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);
    if (!res)
        return err->code;
    if (affected) {
        const char *n = PQcmdTuples(res);
        *affected = n && *n ? strtol(n, NULL, 10) : 0;
    }
    PQclear(res);
    return 0;
}

int db_script(struct db *db, const char *sql, struct xerr *err)
{
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = 0;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
        int code = classify(db, res);
        if (code == XETL_EX_UNAVAILABLE)
            rc = xerr_set(err, code, "database connection lost: %s", msg ? msg : PQerrorMessage(db->conn));
        else
            rc = xerr_set(err, code, "%s%s%s",
                          msg ? msg : PQerrorMessage(db->conn), hint ? "; hint: " : "", hint ? hint : "");
    }
    PQclear(res);
    return rc;
}

int db_begin(struct db *db, struct xerr *err)
{
    return db_cmd(db, "BEGIN", 0, NULL, NULL, err);
}

int db_commit(struct db *db, struct xerr *err)
{
    return db_cmd(db, "COMMIT", 0, NULL, NULL, err);
}

void db_rollback(struct db *db)
{
    /* Only inside a transaction: a bare ROLLBACK earns a server warning. */
    if (PQstatus(db->conn) != CONNECTION_OK || PQtransactionStatus(db->conn) == PQTRANS_IDLE)
        return;
    PGresult *res = PQexec(db->conn, "ROLLBACK");
    PQclear(res);
}

int db_copy_begin(struct db *db, const char *copy_sql, struct xerr *err)
{
    PGresult *res = PQexec(db->conn, copy_sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        int rc = fail(db, res, copy_sql, err);
        PQclear(res);
        return rc;
    }
    PQclear(res);
    db->in_copy = true;
    return 0;
}

int db_copy_put(struct db *db, const char *data, size_t len, struct xerr *err)
{
    if (len == 0)
        return 0;
    if (PQputCopyData(db->conn, data, (int)len) != 1)
        return xerr_set(err, classify(db, NULL), "copy failed: %s", PQerrorMessage(db->conn));
    return 0;
}

int db_copy_end(struct db *db, const char *abort_reason, long *rows, struct xerr *err)
{
    PGresult *res;
    int rc = 0;

    db->in_copy = false;
    if (PQputCopyEnd(db->conn, abort_reason) != 1)
        return xerr_set(err, classify(db, NULL), "copy failed: %s", PQerrorMessage(db->conn));
    res = PQgetResult(db->conn);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        if (abort_reason)
            rc = xerr_set(err, XETL_EX_SOFTWARE, "copy aborted: %s", abort_reason);
        else
            rc = fail(db, res, "COPY", err);
    } else if (rows) {
        const char *n = PQcmdTuples(res);
        *rows = n && *n ? strtol(n, NULL, 10) : 0;
    }
    PQclear(res);
    /* Pump libpq back to idle: the command is complete only at a NULL result. */
    while ((res = PQgetResult(db->conn)) != NULL)
        PQclear(res);
    return rc;
}

struct db_rows {
    struct db *db;
    const char *sql;   /* the caller's, for error messages */
    PGresult *row;     /* the current row, owned */
    bool done;         /* the last result has been read */
};

int db_rows_open(struct db *db, const char *sql, int nparams, const char *const *params, struct db_rows **out,
                 struct xerr *err)
{
    *out = NULL;
    if (!PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0))
        return fail(db, NULL, sql, err);
    if (!PQsetSingleRowMode(db->conn)) {
        /* Only refused right after the send; drain so the connection stays usable. */
        PGresult *r;
        while ((r = PQgetResult(db->conn)))
            PQclear(r);
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot read rows one at a time: %s", PQerrorMessage(db->conn));
    }
    struct db_rows *it = xcalloc(1, sizeof *it);
    it->db = db;
    it->sql = sql;
    *out = it;
    return 0;
}

/* Reads results up to the NULL that ends the query. */
static void rows_drain(struct db_rows *it)
{
    PGresult *r;
    while ((r = PQgetResult(it->db->conn)))
        PQclear(r);
    it->done = true;
}

int db_rows_next(struct db_rows *it, const PGresult **res, struct xerr *err)
{
    PQclear(it->row);
    it->row = NULL;
    *res = NULL;
    if (it->done)
        return 0;
    PGresult *r = PQgetResult(it->db->conn);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (r && st == PGRES_SINGLE_TUPLE) {
        *res = it->row = r;
        return 1;
    }
    if (r && st == PGRES_TUPLES_OK) {
        /* The zero-row result that closes a single-row-mode query. */
        PQclear(r);
        rows_drain(it);
        return 0;
    }
    int code = fail(it->db, r, it->sql, err);
    PQclear(r);
    rows_drain(it);
    return code;
}

void db_rows_close(struct db_rows *it)
{
    if (!it)
        return;
    PQclear(it->row);
    if (!it->done) {
        /* Stopped early (an error elsewhere): ask the server to stop sending, then drain. */
        PGcancel *c = PQgetCancel(it->db->conn);
        char buf[256];
        if (c) {
            (void)PQcancel(c, buf, sizeof buf);
            PQfreeCancel(c);
        }
        rows_drain(it);
    }
    free(it);
}

int db_try_lock(struct db *db, int64_t key, bool *got, struct xerr *err)
{
    char k[32];
    const char *p[] = { k };
    snprintf(k, sizeof k, "%lld", (long long)key);
    PGresult *res = db_exec(db, "SELECT pg_try_advisory_lock($1::bigint)", 1, p, err);
    if (!res)
        return err->code;
    *got = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return 0;
}

int db_unlock(struct db *db, int64_t key, struct xerr *err)
{
    char k[32];
    const char *p[] = { k };
    snprintf(k, sizeof k, "%lld", (long long)key);
    return db_cmd(db, "SELECT pg_advisory_unlock($1::bigint)", 1, p, NULL, err);
}

bool db_isnull(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) != 0;
}

const char *db_str(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

long db_long(const PGresult *res, int row, int col, long dflt)
{
    if (PQgetisnull(res, row, col))
        return dflt;
    return strtol(PQgetvalue(res, row, col), NULL, 10);
}

double db_double(const PGresult *res, int row, int col, double dflt)
{
    if (PQgetisnull(res, row, col))
        return dflt;
    return strtod(PQgetvalue(res, row, col), NULL);
}

int64_t db_epoch(const PGresult *res, int row, int col, int64_t dflt)
{
    if (PQgetisnull(res, row, col))
        return dflt;
    return (int64_t)strtoll(PQgetvalue(res, row, col), NULL, 10);
}

const char *db_fmt_double(char *buf, size_t n, double v)
{
    if (!isfinite(v))
        return NULL;
    snprintf(buf, n, "%.17g", v);
    return buf;
}

const char *db_fmt_long(char *buf, size_t n, long v)
{
    snprintf(buf, n, "%ld", v);
    return buf;
}

const char *db_fmt_time(char *buf, size_t n, int64_t t)
{
    xtime_format(t, buf, n);
    return buf;
}

int db_table_exists(struct db *db, const char *table, bool *exists, struct xerr *err)
{
    const char *p[] = { table };
    PGresult *res = db_exec(db, "SELECT to_regclass($1) IS NOT NULL", 1, p, err);
    if (!res)
        return err->code;
    *exists = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return 0;
}

int db_column_exists(struct db *db, const char *table, const char *column, bool *exists, struct xerr *err)
{
    const char *p[] = { table, column };
    PGresult *res = db_exec(db,
                            "SELECT EXISTS (SELECT 1 FROM pg_attribute"
                            " WHERE attrelid = to_regclass($1) AND attname = $2"
                            " AND attnum > 0 AND NOT attisdropped)",
                            2, p, err);
    if (!res)
        return err->code;
    *exists = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return 0;
}
