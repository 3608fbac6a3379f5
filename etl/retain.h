/*
 * etl/retain.h — retention: what `xetl prune` removes (docs/scaling.md,
 * "Partitions and retention").
 *
 * retention.raw_responses_days: raw X responses landed more than that many
 * days before the as-of are dropped, whole month partitions at a time where
 * they can be.  A rerun of a range older than that derives from the typed
 * rows already stored instead of replaying responses.
 * retention.snapshots_days: posts published more than that many days before
 * the as-of keep only the snapshots nearest to 1, 4, 24, 48 and 168 hours
 * and their last one.  At least HISTORY (97) days, so the fit's 90-day
 * account prior and each post's first week never lose a point.
 * 0 keeps everything (the default for both).
 */
#ifndef XETL_RETAIN_H
#define XETL_RETAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/xerr.h"
#include "etl/accounts.h"

struct db;

/* The fit's account prior reads 90 days of posts, each over its first 7. */
#define RETAIN_MIN_SNAPSHOT_DAYS 97

struct retain_counts {
    long raw_partitions;  /* month partitions of xetl.raw_responses dropped */
    long raw_rows;        /* raw responses removed (in those and elsewhere) */
    long snapshot_posts;  /* posts whose snapshots were thinned */
    long snapshot_rows;   /* snapshot rows removed */
    long partitions_made; /* month partitions created ahead */
};

struct retain_policy {
    long raw_responses_days; /* 0 = keep */
    long snapshots_days;     /* 0 = keep */
};

/* Reads retention.* from cfg; a snapshots_days between 1 and 96 is a configuration error (78). */
int retain_policy_load(const struct config *cfg, struct retain_policy *p, struct xerr *err);

/*
 * Applies the policy as of as_of (dry: count only) to every account in
 * accts, each account's snapshots in its own transaction.
 */
int retain_run(struct db *db, const struct retain_policy *p, const struct account_list *accts, int64_t as_of,
               bool dry, struct retain_counts *out, struct xerr *err);

#endif
