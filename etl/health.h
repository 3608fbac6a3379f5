/*
 * etl/health.h — the health stage: daily system_health_metrics per account,
 * with the cost model (docs/learning.md "Cost model", docs/schema.md).
 *
 * For every UTC day in the stage's range it upserts one row keyed
 * (account_id, day, metric_type 'daily') with every metric in its column:
 *   posts_per_hour, posting_success_rate (content_metadata statuses),
 *   api_success_rate and error_rate (xetl.raw_responses);
 *   avg_engagement_rate of the posts published that day;
 *   followers_per_day (follower samples, else daily_follows);
 *   learning_cycles_completed, and prediction quality (median APE by age from
 *   xetl.predictions) in metrics_snapshot;
 *   daily_api_cost_usd, cost_per_follower_usd, roi from the cost.* and
 *   value.per_follower_usd settings; NULL when unknown or partly known, never 0.
 * measured_at is --as-of; a rerun over the same range replaces the rows.
 *
 * Not for: reports (reports/), learning (etl/learn.h).
 */
#ifndef XETL_HEALTH_H
#define XETL_HEALTH_H

#include <stdbool.h>

#include "common/config.h"
#include "common/stage.h"
#include "common/xerr.h"
#include "etl/accounts.h"

struct db;

/* The cost model's settings, NAN where not configured. */
struct health_costs {
    double x_api_monthly_usd;
    double x_api_per_request_usd;
    double llm_per_post_usd;
    double infra_monthly_usd;
    double value_per_follower_usd;
};

/* Reads cost.* and value.per_follower_usd (78 when a set value is not a number >= 0). */
int health_costs_load(const struct config *cfg, struct health_costs *c, struct xerr *err);

/* Days in the UTC month containing day_start (28..31). */
int health_days_in_month(int64_t day_start);

/* The stage contract (common/stage.h).  a->range selects the days; counts->rows: rows upserted. */
int health_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
               struct stage_counts *counts, struct xerr *err);

#endif
