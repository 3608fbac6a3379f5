/*
 * tests/unit/etl/scratch_db.h — a database of its own for a unit test, on
 * the harness's PostgreSQL (PGHOST/PGPORT from tests/run.sh): created empty,
 * optionally migrated, dropped at the end.  Included by the tests that need
 * the xetl schema (test_runlog, test_migrate).
 */
#ifndef XETL_TEST_SCRATCH_DB_H
#define XETL_TEST_SCRATCH_DB_H

#include <stdio.h>
#include <unistd.h>

#include "etl/db.h"
#include "etl/migrate.h"

static char scratch_name[64];

/* Creates database xetl_unit_<what>_<pid> and connects to it (migrated when asked). */
static struct db *scratch_open(const char *what, bool migrated)
{
    struct db *admin = NULL, *db = NULL;
    struct xerr err = { 0 };
    char sql[160], conninfo[96];
    int applied = 0;

    snprintf(scratch_name, sizeof scratch_name, "xetl_unit_%s_%d", what, (int)getpid());
    if (db_connect("", &admin, &err))
        fail_msg("connect: %s", err.msg);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", scratch_name);
    db_cmd(admin, sql, 0, NULL, NULL, &err);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", scratch_name);
    if (db_cmd(admin, sql, 0, NULL, NULL, &err))
        fail_msg("create database: %s", err.msg);
    db_close(admin);
    snprintf(conninfo, sizeof conninfo, "dbname=%s", scratch_name);
    if (db_connect(conninfo, &db, &err))
        fail_msg("connect to %s: %s", scratch_name, err.msg);
    if (migrated && migrate_apply(db, &applied, &err))
        fail_msg("migrate: %s", err.msg);
    return db;
}

static void scratch_drop(struct db *db)
{
    struct db *admin = NULL;
    struct xerr err = { 0 };
    char sql[160];

    db_close(db);
    if (db_connect("", &admin, &err))
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", scratch_name);
    db_cmd(admin, sql, 0, NULL, NULL, &err);
    db_close(admin);
}

/* The one text value of a one-row, one-column query (static buffer; "<null>" for NULL). */
__attribute__((unused)) static const char *scratch_value(struct db *db, const char *sql, int n, const char *const *p)
{
    static char out[512];
    struct db_res *res = NULL;
    struct xerr err = { 0 };
    if (db_query(db, sql, n, p, &res, &err))
        fail_msg("%s: %s", sql, err.msg);
    if (db_nrows(res) != 1)
        fail_msg("%s: %d rows", sql, db_nrows(res));
    const char *v = db_get_text(res, 0, 0);
    snprintf(out, sizeof out, "%s", v ? v : "<null>");
    db_res_free(res);
    return out;
}

#endif
