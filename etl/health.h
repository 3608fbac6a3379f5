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

/*
 * One day's inputs, as the day queries read them (pure logic below, so it is
 * testable without a server).
 */
#define HEALTH_PQ_MAX 64
struct health_pq {           /* one median APE of prediction_quality */
    char metric[32], bucket[16]; /* bucket "all": every age */
    double median_ape;
    long n;
};
struct health_day {
    int64_t start;
    long posts;          /* distinct decisions first published that day (a thread is one post) */
    long cost_posts;     /* ... whose generation_metadata records cost_usd */
    double llm_recorded; /* sum of those costs */
    long bot_no_cost;    /* bot posts without a recorded cost */
    long cm_posted, cm_failed;
    long req, req_ok, req_429, req_none;
    double avg_er;       /* mean engagement rate of the n_er posts with one */
    long n_er;
    double impressions;
    double followers;    /* net change, when fol_source is set */
    const char *fol_source; /* "samples", "daily_follows" or NULL (unknown) */
    long cycles;
    int n_pq;
    struct health_pq pq[HEALTH_PQ_MAX]; /* in metric order */
};

/* The columns of a day's row, NAN = NULL. */
enum { HC_POSTS_PER_HOUR, HC_AVG_ER, HC_FOLLOWERS, HC_CYCLES, HC_POST_OK, HC_API_OK, HC_ERR, HC_COST, HC_CPF,
       HC_ROI, HEALTH_NCOLS };

/* The money of one day (docs/learning.md "Cost model"). */
struct health_money {
    int days_in_month;
    bool x_known, llm_known, infra_known;
    bool any;      /* some cost configured */
    bool complete; /* every part known */
    double x, llm, infra, total; /* total: the sum of the known parts */
};
void health_money(const struct health_day *d, const struct health_costs *c, struct health_money *m);

/* Every column of the day's row (bot_content: the account posts through the bot's content). */
void health_columns(const struct health_day *d, const struct health_costs *c, bool bot_content,
                    double v[HEALTH_NCOLS]);

/* The day's metrics_snapshot JSON (its keys: docs/schema.md) appended to out. */
struct sbuf;
void health_snapshot(const struct health_day *d, const struct health_costs *c, struct sbuf *out);

/* The stage contract (common/stage.h).  a->range selects the days; counts->rows: rows upserted. */
int health_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
               struct stage_counts *counts, struct xerr *err);

#endif
