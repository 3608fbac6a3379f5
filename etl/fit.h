/*
 * etl/fit.h — the fit stage: decay models for the posts of one account.
 *
 * What it is: reads each post's performance_snapshots (every source, taken at
 * or before --as-of), fits its likes, retweets, replies, impressions and
 * engagements (likes + retweets + replies) with stats/decay, borrowing
 * strength from the account's posts of the 90 days before --as-of, and
 * writes the derived columns of tweet_analytics_comprehensive, the "decay"
 * key of its analytics_metadata (reply_performance.reply_metadata for
 * replies), one xetl.predictions row per post, metric and as-of, and scores
 * earlier predictions once a post's 7-day value is observed.  The history
 * posts' fits behind the prior are kept in xetl.fit_history and reused while
 * their samples are unchanged (the same numbers).  Definitions:
 * docs/schema.md; the model: docs/models.md.
 *
 * What it is not: it does not pull or import data and writes no counters;
 * attribution reads its impression curves.
 */
#ifndef XETL_FIT_H
#define XETL_FIT_H

#include "common/stage.h"
#include "common/xerr.h"
#include "stats/decay.h"

struct db;
struct config;
struct account;

enum fit_metric { FIT_LIKES, FIT_RETWEETS, FIT_REPLIES, FIT_IMPRESSIONS, FIT_ENGAGEMENTS, FIT_NMETRIC };

/* "likes", "retweets", "replies", "impressions", "engagements" */
extern const char *const fit_metric_names[FIT_NMETRIC];

/*
 * The stage (common/stage.h): posts of acct posted in a->range.  One
 * transaction for the account; the same as-of twice writes the same values.
 * counts->fits gets the curves fitted, counts->rows the rows written.
 */
int fit_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
            struct stage_counts *counts, struct xerr *err);

/*
 * The observed value of a counter at age_h (the "actual 7-day value"): the
 * sample within 0.5 h of it, else linear interpolation between the samples
 * on both sides when the later one is at most 24 h past it; NAN when the
 * samples cannot say.  pts need not be cleaned (a copy is).
 */
double fit_observed_at(const struct decay_point *pts, int n, double age_h);

/*
 * prediction_accuracy: (min(p, a) + 1) / (max(p, a) + 1) — 1 when exact,
 * 0.5 when off by a factor of ~2, defined when the actual is 0, never
 * negative (= exp(−|log_ratio|) with log_ratio = ln((p + 1)/(a + 1))).
 * NAN when either is not finite or negative.
 */
double fit_accuracy(double predicted, double actual);

#endif
