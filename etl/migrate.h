/*
 * etl/migrate.h — schema migrations from sql/NNNN_name.sql, compiled into
 * the binary (build/sql_embed.c).
 *
 * Each pending migration runs in its own transaction under an advisory
 * lock and is recorded in xetl.schema_migrations with its checksum
 * (sha256, computed by the server).  An applied migration whose text has
 * changed is an error; so is a database that has migrations this binary
 * does not know (a newer xetl migrated it).
 */
#ifndef XETL_MIGRATE_H
#define XETL_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/xerr.h"

struct db;

struct migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct migration migrations[];
extern const size_t migrations_count;

/* Applies every pending migration; *applied gets how many ran. */
int migrate_apply(struct db *db, int *applied, struct xerr *err);
/* Writes "applied"/"pending" lines to out (version, name, time, checksum state). */
int migrate_status(struct db *db, FILE *out, int *pending, struct xerr *err);
/* 0 when the schema is current; XETL_EX_CONFIG with a hint to run migrate otherwise. */
int migrate_check_current(struct db *db, struct xerr *err);

/* Creates the time series' month partitions up to three months ahead; *made says how many. */
int migrate_partitions_ahead(struct db *db, int *made, struct xerr *err);

#endif

