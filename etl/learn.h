/*
 * etl/learn.h — the learn stage: per-arm performance aggregates and
 * Thompson posteriors for content types, viral formulas and hooks.
 *
 * Reads an account's posts (xetl.posts) posted at or before --as-of, their
 * counters as of then (tweet_analytics_comprehensive, else the latest
 * performance_snapshots row by then) and, for posts whose attribution window
 * has matured (posted_at <= as_of - learn.maturity_hours), the 168 h row of
 * follower_attributions measured by then (followers_credited and its
 * imputations, metadata draws_168h).
 * Writes, in one transaction per account:
 *   content_type_performance, formula_performance, hook_performance — one row
 *   per arm seen in the account's posts (arms no longer seen are removed);
 *   learning_updates — one row per component (content_types, formulas, hooks)
 *   and as-of, replaced on a rerun.
 * Same inputs and as-of => same rows (the Monte Carlo is seeded from account
 * and as-of).  The model and every column: docs/learning.md.
 *
 * Not for: attributing followers (etl/attribute), choosing the next post (the
 * bot reads selection_score), or the numerics (stats/arms.h).
 */
#ifndef XETL_LEARN_H
#define XETL_LEARN_H

#include "common/config.h"
#include "common/stage.h"
#include "common/xerr.h"
#include "etl/accounts.h"
struct db;

/* The stage contract (common/stage.h).  counts->rows: arm rows plus learning_updates rows. */
int learn_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
              struct stage_counts *counts, struct xerr *err);

#endif
