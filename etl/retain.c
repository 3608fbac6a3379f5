/*
 * etl/retain.c — see retain.h.  The work is in SQL (migration 0210:
 * xetl.prune_raw_responses, xetl.thin_snapshots); this decides the cutoffs
 * and the transactions.
 */
#include "etl/retain.h"
#include "etl/db.h"
#include "etl/migrate.h"

#include <stdio.h>

int retain_policy_load(const struct config *cfg, struct retain_policy *p, struct xerr *err)
{
    int rc;
    if ((rc = config_get_long(cfg, "retention.raw_responses_days", &p->raw_responses_days, err)) ||
        (rc = config_get_long(cfg, "retention.snapshots_days", &p->snapshots_days, err)))
        return rc;
    if (p->snapshots_days > 0 && p->snapshots_days < RETAIN_MIN_SNAPSHOT_DAYS)
        return xerr_set(err, XETL_EX_CONFIG,
                        "retention.snapshots_days = %ld is too short: 0 (keep) or at least %d, so the fit's "
                        "90-day prior keeps every snapshot of each post's first week",
                        p->snapshots_days, RETAIN_MIN_SNAPSHOT_DAYS);
    return 0;
}

static int prune_raw(struct db *db, int64_t cutoff, bool dry, struct retain_counts *out, struct xerr *err)
{
    char t[40];
    const char *p[] = { db_fmt_time(t, sizeof t, cutoff), dry ? "true" : "false" };
    struct db_res *res;
    int rc;
    /* One transaction: dropping a month and deleting the rest land together. */
    if ((rc = db_begin(db, err)))
        return rc;
    if ((rc = db_query(db, "retain/raw_responses", 2, p, &res, err))) {
        db_rollback(db);
        return rc;
    }
    out->raw_partitions += (long)db_get_int64(res, 0, 0, 0);
    out->raw_rows += (long)db_get_int64(res, 0, 1, 0);
    db_res_free(res);
    return db_commit(db, err);
}

static int thin_account(struct db *db, int64_t account_id, int64_t cutoff, bool dry, struct retain_counts *out,
                        struct xerr *err)
{
    char id[32], t[40];
    snprintf(id, sizeof id, "%lld", (long long)account_id);
    const char *p[] = { id, db_fmt_time(t, sizeof t, cutoff), dry ? "true" : "false" };
    struct db_res *res;
    int rc;
    /* The function's scratch table lives until commit: a transaction of its own. */
    if ((rc = db_begin(db, err)))
        return rc;
    if ((rc = db_query(db, "retain/snapshots", 3, p, &res, err))) {
        db_rollback(db);
        return rc;
    }
    out->snapshot_posts += (long)db_get_int64(res, 0, 0, 0);
    out->snapshot_rows += (long)db_get_int64(res, 0, 1, 0);
    db_res_free(res);
    return db_commit(db, err);
}

int retain_run(struct db *db, const struct retain_policy *p, const struct account_list *accts, int64_t as_of,
               bool dry, struct retain_counts *out, struct xerr *err)
{
    int rc, made = 0;
    *out = (struct retain_counts){ 0 };
    if (!dry) {
        if ((rc = migrate_partitions_ahead(db, &made, err)))
            return rc;
        out->partitions_made = made;
    }
    if (p->raw_responses_days > 0 && (rc = prune_raw(db, as_of - p->raw_responses_days * 86400, dry, out, err)))
        return xerr_prefix(err, "prune raw responses: ");
    if (p->snapshots_days > 0)
        for (int i = 0; i < accts->n; i++)
            if ((rc = thin_account(db, accts->v[i].id, as_of - p->snapshots_days * 86400, dry, out, err)))
                return xerr_prefix(err, "prune snapshots of @%s: ", accts->v[i].handle);
    return 0;
}
