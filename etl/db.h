/*
 * etl/db.h — the one place that talks libpq.
 *
 * A thin layer, not an ORM: values always travel as out-of-line text
 * parameters, bulk loads go through COPY FROM STDIN, and every failure is
 * classified into an exit code (connection lost → 69, lock/serialization
 * failures and statement or lock timeouts → 75, bad conninfo → 78, anything
 * else → 70) with a one-line message.
 * Callers read results with the ordinary PQgetvalue()/PQgetisnull() and
 * PQclear() them.
 */
#ifndef XETL_DB_H
#define XETL_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/xerr.h"
#include "common/xtime.h"

struct db;

/* Connects (conninfo NULL or "" = libpq defaults), sets TimeZone=UTC. */
int db_connect(const char *conninfo, struct db **out, struct xerr *err);
void db_close(struct db *db);
PGconn *db_pg(struct db *db);

/*
 * Runs one statement with text parameters (NULL entries are SQL NULL).
 * Returns the result (caller PQclear()s) or NULL with err set.
 */
PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params, struct xerr *err);
/* Same, discarding the result.  *affected (may be NULL) gets the row count. */
int db_cmd(struct db *db, const char *sql, int nparams, const char *const *params, long *affected,
           struct xerr *err);
/* Runs a script of several statements without parameters (migrations). */
int db_script(struct db *db, const char *sql, struct xerr *err);

int db_begin(struct db *db, struct xerr *err);
int db_commit(struct db *db, struct xerr *err);
/* Best effort; never fails the caller (the transaction is dead anyway). */
void db_rollback(struct db *db);

/*
 * COPY table FROM STDIN (text format).  Rows are tab-separated with \N for
 * NULL; use sbuf_add_copy_text() to escape values.  db_copy_end(db, reason)
 * with reason != NULL aborts the COPY (the transaction then fails).
 */
int db_copy_begin(struct db *db, const char *copy_sql, struct xerr *err);
int db_copy_put(struct db *db, const char *data, size_t len, struct xerr *err);
int db_copy_end(struct db *db, const char *abort_reason, long *rows, struct xerr *err);

/*
 * The rows of one query read as they arrive (libpq's single-row mode), so a
 * large result is streamed through one row at a time instead of held whole.
 * The connection runs nothing else until db_rows_close().
 * db_rows_next() returns 1 with the row as row 0 of *res (valid until the
 * next call), 0 after the last row, or an exit status with err set (the
 * query failed part way).  db_rows_close() before the end cancels the rest.
 */
struct db_rows;
int db_rows_open(struct db *db, const char *sql, int nparams, const char *const *params, struct db_rows **out,
                 struct xerr *err);
int db_rows_next(struct db_rows *it, const PGresult **res, struct xerr *err);
void db_rows_close(struct db_rows *it);

/* Session-level advisory lock: *got false when another session holds it. */
int db_try_lock(struct db *db, int64_t key, bool *got, struct xerr *err);
int db_unlock(struct db *db, int64_t key, struct xerr *err);

/* Value helpers for results: NULL-safe conversions. */
bool db_isnull(const PGresult *res, int row, int col);
const char *db_str(const PGresult *res, int row, int col);         /* NULL when SQL NULL */
long db_long(const PGresult *res, int row, int col, long dflt);
double db_double(const PGresult *res, int row, int col, double dflt); /* NAN-safe: dflt on NULL */
int64_t db_epoch(const PGresult *res, int row, int col, int64_t dflt); /* timestamptz as returned by
                                                                          "extract(epoch from x)::bigint" */

/*
 * Formats a double for a numeric/float parameter: "NULL" is not a thing, so
 * non-finite values become NULL (returns NULL) and finite ones are written
 * with 17 significant digits into buf.
 */
const char *db_fmt_double(char *buf, size_t n, double v);
const char *db_fmt_long(char *buf, size_t n, long v);
/* ISO 8601 UTC text for an epoch second, suitable for a timestamptz parameter. */
const char *db_fmt_time(char *buf, size_t n, int64_t t);

/* Whether a table (schema-qualified or in current_schema) exists; column likewise. */
int db_table_exists(struct db *db, const char *table, bool *exists, struct xerr *err);
int db_column_exists(struct db *db, const char *table, const char *column, bool *exists, struct xerr *err);

#endif
