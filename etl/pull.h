/*
 * etl/pull.h — the pull stage: X API v2 → raw landing → typed rows.
 *
 * What it is for: deciding which of an account's posts to refresh (the bot's
 * content_metadata in any of its shapes, xetl.posts, and the account's
 * timeline), fetching them through etl/xapi.c, landing every response in
 * xetl.raw_responses before anything is derived, and deriving in one
 * transaction per account: xetl.posts, performance_snapshots (source 'api'),
 * xetl.follower_samples, the latest counters in tweet_analytics_comprehensive
 * and reply_performance.  The same as-of pulled twice changes nothing.
 *
 * What it is not for: models (fit), attribution, or CSV imports.
 * docs/pull.md describes the schedule and the fault handling.  The stage is
 * three modules: this one (what to fetch, fetching), etl/pull_parse.h (X's
 * payloads to typed rows, no database) and etl/pull_store.h (landing, the
 * bot's rows, deriving in one transaction).
 */
#ifndef XETL_PULL_H
#define XETL_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/stage.h"
#include "common/xerr.h"
#include "etl/accounts.h"

struct db;

/*
 * The stage.  a->as_of is "now"; a->range, when set (from or to non-zero),
 * widens the window of posts refreshed and of the timeline scanned back to
 * range.from and ends the timeline scan at range.to; posts posted in the
 * range are fetched whatever the refresh schedule says (unless already
 * snapshotted at this as-of).  With a->replay the
 * typed rows are re-derived from responses already landed for this account
 * and as-of (pull_replay), and X is not called.
 */
int pull_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
             struct stage_counts *counts, struct xerr *err);

/*
 * The stage for many accounts at once (`xetl pull`): their requests share one
 * client (the token's rate limit) and run concurrently (pull.concurrency in
 * flight), each account's typed rows derived in its own transaction.  An
 * account's failure (a 401 on its user, X unavailable for its batches) stops
 * that account only: every other account is pulled, each failed one is
 * logged, and the first failed account (in the order given) gives the exit
 * status and err.  Not for a->replay (pull_replay is per account).
 */
int pull_run_accounts(struct db *db, const struct config *cfg, const struct account *accts, int n,
                      const struct stage_args *a, struct stage_counts *counts, struct xerr *err);

/*
 * Re-derives the typed rows of one account and as-of from every successful
 * response landed for them, without calling X (for `rerun`).  Responses
 * landed later win where two say different things.  0 when none are landed.
 * run_id: the run (0: none), whose pulls share the bot posts no account tracks.
 */
int pull_replay(struct db *db, const struct config *cfg, const struct account *acct, int64_t run_id, int64_t as_of,
                struct stage_counts *counts, struct xerr *err);

/*
 * The end of a run whose pulls ran (nightly, rerun, pull): the bot posts no
 * account tracks, which its pulls shared (xetl.pull_bot_free), are dropped.
 * A killed run's are dropped by the next run's first pull.
 */
int pull_run_end(struct db *db, int64_t run_id, struct xerr *err);

/* --- the refresh schedule (pull.refresh_schedule) ------------------------ */

#define PULL_MAX_TIERS 16

/* Posts younger than age_s are due when their last snapshot is >= every_s old. */
struct pull_tier {
    int64_t age_s;
    int64_t every_s;
};

/*
 * Parses "6h:0,48h:3h,7d:12h,30d:24h" (units s, m, h, d; a bare number is
 * seconds) into tiers of increasing age.  78 with a message when malformed.
 */
int pull_parse_schedule(const char *s, struct pull_tier *tiers, int *n, struct xerr *err);

/*
 * Whether a post of age age_s whose last snapshot was taken since_last_s ago
 * (-1: never) is due.  A post older than every tier uses the last tier's
 * interval; a snapshot already taken at this as-of (since_last_s == 0) is
 * never due again, which is what makes a repeated as-of change nothing.
 */
bool pull_due(const struct pull_tier *tiers, int n, int64_t age_s, int64_t since_last_s);

#endif
