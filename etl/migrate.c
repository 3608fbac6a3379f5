/*
 * etl/migrate.c — see migrate.h.
 */
#include "etl/migrate.h"
#include "etl/db.h"
#include "common/log.h"
#include "common/sbuf.h"

#include <stdlib.h>
#include <string.h>

/* Advisory lock key shared by every xetl migrate: "xetlmigr". */
#define MIGRATE_LOCK_KEY 0x7865746c6d696772LL

struct applied {
    int version;
    char name[128];
    char checksum[80];
    char applied_at[40];
};

static int checksum_of(struct db *db, const char *sql, char *out, size_t n, struct xerr *err)
{
    const char *p[] = { sql };
    struct db_res *res = NULL;
    int rc = db_query(db, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", 1, p, &res, err);
    if (!rc)
        snprintf(out, n, "%s", db_get_text(res, 0, 0));
    db_res_free(res);
    return rc;
}

/* Loads xetl.schema_migrations; *n = 0 and *ledger_exists = false on a fresh database. */
static int load_applied(struct db *db, struct applied **out, int *n, bool *ledger_exists, struct xerr *err)
{
    struct db_res *res = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    if ((rc = db_table_exists(db, "xetl.schema_migrations", ledger_exists, err)))
        return rc;
    if (!*ledger_exists)
        return 0;
    if ((rc = db_query(db, "migrate/applied", 0, NULL, &res, err)))
        return rc;
    *n = db_nrows(res);
    *out = xcalloc((size_t)*n + 1, sizeof **out);
    for (int i = 0; i < *n; i++) {
        struct applied *a = &(*out)[i];
        a->version = (int)db_get_int64(res, i, 0, 0);
        snprintf(a->name, sizeof a->name, "%s", db_get_text(res, i, 1));
        snprintf(a->checksum, sizeof a->checksum, "%s", db_get_text(res, i, 2));
        snprintf(a->applied_at, sizeof a->applied_at, "%s", db_get_text(res, i, 3));
    }
    db_res_free(res);
    return 0;
}

static const struct applied *find_applied(const struct applied *a, int n, int version)
{
    for (int i = 0; i < n; i++)
        if (a[i].version == version)
            return &a[i];
    return NULL;
}

static const struct migration *find_migration(int version)
{
    for (size_t i = 0; i < migrations_count; i++)
        if (migrations[i].version == version)
            return &migrations[i];
    return NULL;
}

/*
 * The ledger must agree with the binary: every applied migration is known
 * and unchanged.  Editing an applied migration would leave databases that
 * ran the old text and databases that ran the new one with different
 * schemas under the same version number.
 */
static int validate(struct db *db, const struct applied *a, int n, struct xerr *err)
{
    char sum[80];
    int rc;

    for (int i = 0; i < n; i++) {
        const struct migration *m = find_migration(a[i].version);
        if (!m)
            return xerr_set(err, XETL_EX_CONFIG,
                            "database has migration %04d '%s' that this xetl does not know; "
                            "it was migrated by a newer xetl: upgrade xetl",
                            a[i].version, a[i].name);
        if ((rc = checksum_of(db, m->sql, sum, sizeof sum, err)))
            return rc;
        if (strcmp(sum, a[i].checksum) != 0)
            return xerr_set(err, XETL_EX_CONFIG,
                            "migration %04d '%s' has changed since it was applied on %s "
                            "(checksum %.12s, applied %.12s); applied migrations must not be edited: "
                            "add a new migration instead",
                            m->version, m->name, a[i].applied_at, sum, a[i].checksum);
    }
    return 0;
}

/*
 * A migration is sent as one query string, except where a line is exactly
 * "-- split": the parts are sent one after the other, in the same
 * transaction.  Citus refuses some DDL on a distributed table (ADD CONSTRAINT)
 * in a query string that holds other statements.
 */
#define SPLIT_LINE "\n-- split\n"

static int run_parts(struct db *db, const char *sql, struct xerr *err)
{
    char *copy = xstrdup(sql), *part = copy;
    int rc = 0;
    for (;;) {
        char *cut = strstr(part, SPLIT_LINE);
        if (cut)
            *cut = '\0';
        if ((rc = db_script(db, part, err)) || !cut)
            break;
        part = cut + strlen(SPLIT_LINE);
    }
    free(copy);
    return rc;
}

static int apply_one(struct db *db, const struct migration *m, bool need_ledger, struct xerr *err)
{
    char sum[80], ver[16];
    int rc;

    if ((rc = checksum_of(db, m->sql, sum, sizeof sum, err)))
        return rc;
    if ((rc = db_begin(db, err)))
        return rc;
    /*
     * The ledger is created in the same transaction as the first migration,
     * so a migration that stops (a conflicting table) leaves no trace at all.
     */
    if (need_ledger && (rc = db_script(db, db_query_text("migrate/ledger"), err)))
        goto fail;
    if ((rc = run_parts(db, m->sql, err)))
        goto fail;
    snprintf(ver, sizeof ver, "%d", m->version);
    const char *p[] = { ver, m->name, sum, XETL_VERSION };
    if ((rc = db_cmd(db, "migrate/record", 4, p, NULL, err)))
        goto fail;
    if ((rc = db_commit(db, err)))
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return xerr_prefix(err, "migration %04d '%s' failed, nothing of it was applied: ", m->version, m->name);
}

static int lock(struct db *db, struct xerr *err)
{
    char key[32];
    const char *p[] = { key };
    int rc;

    snprintf(key, sizeof key, "%lld", MIGRATE_LOCK_KEY);
    if ((rc = db_cmd(db, "SET lock_timeout = '60s'", 0, NULL, NULL, err)))
        return rc;
    rc = db_cmd(db, "SELECT pg_advisory_lock($1::bigint)", 1, p, NULL, err);
    if (rc == XETL_EX_TEMPFAIL)
        return xerr_set(err, rc, "another xetl migrate has held the migration lock for 60 s; try again later");
    if (rc)
        return rc;
    return db_cmd(db, "RESET lock_timeout", 0, NULL, NULL, err);
}

static void unlock(struct db *db)
{
    struct xerr ignored;
    db_unlock(db, MIGRATE_LOCK_KEY, &ignored);
}

/*
 * On a Citus coordinator, places every table not yet placed: account tables
 * distributed by account_id (co-located), shared ones as reference tables
 * (xetl.distribute_by_account, migration 0130).  Without the citus
 * extension nothing changes.
 */
static int distribute(struct db *db, struct xerr *err)
{
    struct db_res *res = NULL;
    if (db_query(db, "migrate/distribute", 0, NULL, &res, err))
        return xerr_prefix(err, "cannot distribute the tables on Citus: ");
    long placed = (long)db_get_int64(res, 0, 0, 0);
    if (placed > 0)
        log_info("citus: placed %ld table%s (account tables by account_id, shared ones as reference tables)", placed,
                 placed == 1 ? "" : "s");
    db_res_free(res);
    return 0;
}

/*
 * The month partitions of the time series (migration 0210), three months
 * ahead, so rows land in their month and not in the default partition.
 */
int migrate_partitions_ahead(struct db *db, int *made, struct xerr *err)
{
    struct db_res *res;
    int rc = db_query(db, "SELECT xetl.ensure_month_partitions(3)", 0, NULL, &res, err);
    if (rc)
        return xerr_prefix(err, "cannot create the month partitions: ");
    *made = (int)db_get_int64(res, 0, 0, 0);
    db_res_free(res);
    return 0;
}

int migrate_apply(struct db *db, int *applied, struct xerr *err)
{
    int made = 0;
    struct applied *a = NULL;
    int n = 0, rc;
    bool ledger = false;

    *applied = 0;
    if ((rc = lock(db, err)))
        return rc;
    if ((rc = load_applied(db, &a, &n, &ledger, err)) || (rc = validate(db, a, n, err)))
        goto out;
    for (size_t i = 0; i < migrations_count; i++) {
        const struct migration *m = &migrations[i];
        if (find_applied(a, n, m->version))
            continue;
        log_info("applying migration %04d '%s'", m->version, m->name);
        if ((rc = apply_one(db, m, !ledger, err)))
            goto out;
        ledger = true;
        (*applied)++;
    }
    if (!(rc = distribute(db, err)) && !(rc = migrate_partitions_ahead(db, &made, err)) && made)
        log_info("created %d month partition%s", made, made == 1 ? "" : "s");
out:
    unlock(db);
    free(a);
    return rc;
}

int migrate_status(struct db *db, FILE *out, int *pending, struct xerr *err)
{
    struct applied *a = NULL;
    int n = 0, rc;
    bool ledger = false;
    char sum[80];

    *pending = 0;
    if ((rc = load_applied(db, &a, &n, &ledger, err)))
        return rc;
    fprintf(out, "%-8s %-28s %-8s %s\n", "version", "name", "state", "applied_at");
    for (int i = 0; i < n; i++) {
        const struct migration *m = find_migration(a[i].version);
        const char *state = "applied";
        if (!m) {
            state = "unknown";
        } else {
            if ((rc = checksum_of(db, m->sql, sum, sizeof sum, err)))
                goto out;
            if (strcmp(sum, a[i].checksum) != 0)
                state = "changed";
        }
        fprintf(out, "%04d     %-28s %-8s %s\n", a[i].version, a[i].name, state, a[i].applied_at);
    }
    for (size_t i = 0; i < migrations_count; i++) {
        if (find_applied(a, n, migrations[i].version))
            continue;
        fprintf(out, "%04d     %-28s %-8s\n", migrations[i].version, migrations[i].name, "pending");
        (*pending)++;
    }
out:
    free(a);
    return rc;
}

int migrate_check_current(struct db *db, struct xerr *err)
{
    struct applied *a = NULL;
    int n = 0, rc, missing = 0;
    bool ledger = false;

    if ((rc = load_applied(db, &a, &n, &ledger, err)))
        return rc;
    for (size_t i = 0; i < migrations_count; i++)
        if (!find_applied(a, n, migrations[i].version))
            missing++;
    free(a);
    if (missing)
        return xerr_set(err, XETL_EX_CONFIG,
                        "database schema is not current (%d pending migration%s): run 'xetl migrate' first",
                        missing, missing == 1 ? "" : "s");
    return 0;
}
