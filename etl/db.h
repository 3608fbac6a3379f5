/*
 * etl/db.h — the one place that talks libpq.
 *
 * A thin layer, not an ORM: values always travel as out-of-line text
 * parameters, bulk loads go through COPY FROM STDIN, and every failure is
 * classified into an exit code (connection lost → 69, lock/serialization
 * failures and statement or lock timeouts → 75, bad conninfo → 78, anything
 * else → 70) with a one-line message.
 * Callers never see libpq: results are opaque (struct db_res) with typed
 * getters, and statements of more than a line live in sql/queries/.
 */
#ifndef XETL_DB_H
#define XETL_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/xerr.h"
#include "common/xtime.h"

struct db;

/* Connects (conninfo NULL or "" = libpq defaults), then sets TimeZone=UTC (sql/queries/db/session.sql). */
int db_connect(const char *conninfo, struct db **out, struct xerr *err);
void db_close(struct db *db);
/* Whether the connection is still up (after a failure: lost or merely refused). */
bool db_alive(struct db *db);

/*
 * A statement is named by its file under sql/queries: "report/posts" runs
 * sql/queries/report/posts.sql (compiled into the binary by sql/embed.sh).
 * One-line statements may be given as SQL text instead: a string with a
 * slash and no space is a name ("BEGIN" is SQL).  An unknown name fails
 * with 70.
 * Parameters are text (NULL entries are SQL NULL), never spliced.
 */
const char *db_query_text(const char *name); /* the SQL of a name, NULL if unknown */

/*
 * One statement's result, opaque, read with the typed getters below and
 * freed with db_res_free() (NULL-safe), its one cleanup path.
 */
struct db_res;

/* Runs one statement; *out gets the result (0) or NULL with err set. */
int db_query(struct db *db, const char *stmt, int nparams, const char *const *params, struct db_res **out,
             struct xerr *err);
/* Same, discarding the result.  *affected (may be NULL) gets the row count. */
int db_cmd(struct db *db, const char *stmt, int nparams, const char *const *params, long *affected,
           struct xerr *err);
/* Runs a script of several statements without parameters (migrations). */
int db_script(struct db *db, const char *sql, struct xerr *err);

void db_res_free(struct db_res *res);
int db_nrows(const struct db_res *res);
int db_ncols(const struct db_res *res);
long db_affected(const struct db_res *res);  /* rows an INSERT/UPDATE/DELETE touched */
int db_col(const struct db_res *res, const char *name); /* column index by name, -1 when absent */
const char *db_colname(const struct db_res *res, int col);

/* Typed, NULL-aware getters: SQL NULL gives dflt (text: NULL). */
bool db_get_null(const struct db_res *res, int row, int col);
const char *db_get_text(const struct db_res *res, int row, int col);
int64_t db_get_int64(const struct db_res *res, int row, int col, int64_t dflt);
double db_get_double(const struct db_res *res, int row, int col, double dflt);
bool db_get_bool(const struct db_res *res, int row, int col, bool dflt);
/* A timestamptz selected as "extract(epoch from x)::bigint". */
int64_t db_get_epoch(const struct db_res *res, int row, int col, int64_t dflt);

int db_begin(struct db *db, struct xerr *err);
int db_commit(struct db *db, struct xerr *err);
/* Best effort; never fails the caller (the transaction is dead anyway). */
void db_rollback(struct db *db);

/*
 * COPY … FROM STDIN in text format, row by row: every loader writes its
 * values through these, so escaping (tab, newline, backslash, \N for NULL)
 * lives here only.  Rows are buffered and sent in large chunks.
 * db_copy_close(c, reason, …) with reason != NULL aborts the COPY (the
 * transaction then fails); it always frees c.
 */
struct db_copy;
int db_copy_open(struct db *db, const char *stmt, struct db_copy **out, struct xerr *err);
void db_copy_text(struct db_copy *c, const char *s);            /* NULL → SQL NULL */
void db_copy_textn(struct db_copy *c, const char *s, size_t n); /* n bytes, no NUL needed */
void db_copy_null(struct db_copy *c);
void db_copy_int64(struct db_copy *c, int64_t v);
void db_copy_double(struct db_copy *c, double v);               /* non-finite → NULL; 17 digits */
void db_copy_bool(struct db_copy *c, bool v);
void db_copy_time(struct db_copy *c, int64_t epoch);            /* ISO 8601 UTC */
int db_copy_end_row(struct db_copy *c, struct xerr *err);
int db_copy_close(struct db_copy *c, const char *abort_reason, long *rows, struct xerr *err);

/*
 * The rows of one query read as they arrive (libpq's single-row mode), so a
 * large result is streamed through one row at a time instead of held whole.
 * The connection runs nothing else until db_rows_close().
 * db_rows_next() returns 1 with the row as row 0 of *row (valid until the
 * next call), 0 after the last row, or an exit status with err set (the
 * query failed part way).  db_rows_close() before the end cancels the rest.
 */
struct db_rows;
int db_rows_open(struct db *db, const char *stmt, int nparams, const char *const *params, struct db_rows **out,
                 struct xerr *err);
int db_rows_next(struct db_rows *it, const struct db_res **row, struct xerr *err);
void db_rows_close(struct db_rows *it);

/* Session-level advisory lock: *got false when another session holds it. */
int db_try_lock(struct db *db, int64_t key, bool *got, struct xerr *err);
int db_unlock(struct db *db, int64_t key, struct xerr *err);

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
