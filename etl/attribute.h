/*
 * etl/attribute.h — the attribute stage: follower gains attributed to posts.
 *
 * For one account, reads the posts posted in the range (and, as context, every
 * post whose 168 h exposure overlaps the sampled span), each post's exposure
 * curve (analytics_metadata->'decay'->'impressions' written by fit; else the
 * post's impression snapshots interpolated; else its latest impressions on a
 * default shape), the follower samples, xetl.platform_follows and
 * xetl.daily_follows, runs stats/attrib, and writes in one transaction:
 *   follower_attributions — one row per post in the range and window (1, 24,
 *     168 h); method 'exposure_regression' (the lagged count model), or
 *     'platform_reported' where X reported the post's follows (confidence 1;
 *     written even without follower samples, for import-only accounts);
 *     followers_credited unrounded, confidence_score per window (the
 *     calibrated probability of the stated event), metadata with rates, lag,
 *     baseline, interval, the 168 h imputations for learn;
 *   tweet_analytics_comprehensive — followers_gained (168 h credit, rounded),
 *     followers_before/after (168 h window) and follows_from_tweet (where X
 *     reported it).
 * Upserts on the tables' keys and a bootstrap seeded from account and as-of:
 * the same inputs and --as-of give the same rows.  Model: docs/attribution.md.
 *
 * Not for: the numerics (stats/attrib.h), fitting exposure curves (fit), or
 * aggregating credits by content type (learn).
 */
#ifndef XETL_ATTRIBUTE_H
#define XETL_ATTRIBUTE_H

#include "common/config.h"
#include "common/stage.h"
#include "common/xerr.h"
#include "etl/accounts.h"

struct db;

/* Default range of `xetl attribute`: posts of the last 10 days up to --as-of
 * (every 168 h window still maturing, plus margin). */
#define ATTRIBUTE_DEFAULT_DAYS 10

/* The stage contract (common/stage.h).  counts->attributions: follower_attributions
 * rows written; counts->rows: those plus tweet_analytics_comprehensive rows;
 * counts->fits: 1 per account attributed; counts->warnings: accounts skipped for
 * lack of follower samples. */
int attribute_run(struct db *db, const struct config *cfg, const struct account *acct,
                  const struct stage_args *a, struct stage_counts *counts, struct xerr *err);

#endif
