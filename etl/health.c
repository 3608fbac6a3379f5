/*
 * etl/health.c — see health.h; the cost model is in docs/learning.md.
 */
#include "etl/health.h"

#include "common/log.h"
#include "common/sbuf.h"
#include "common/xtime.h"
#include "etl/db.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct day {
    int64_t start;
    /* posting */
    long posts;          /* distinct decisions first published that day (a thread is one post) */
    long cost_posts;     /* ... whose generation_metadata records cost_usd */
    double llm_recorded; /* sum of those costs */
    long bot_no_cost;    /* bot posts without a recorded cost */
    long cm_posted, cm_failed;
    long req, req_ok, req_429, req_none;
    /* engagement */
    double avg_er;
    long n_er;
    double impressions;
    /* followers */
    double followers;
    const char *fol_source;
    long cycles;
    json_t *pq; /* prediction quality, owned */
};

static int opt_double(const struct config *cfg, const char *key, double *out, struct xerr *err)
{
    *out = NAN;
    if (!config_get(cfg, key))
        return 0;
    return config_get_double(cfg, key, out, err);
}

int health_costs_load(const struct config *cfg, struct health_costs *c, struct xerr *err)
{
    int rc;
    if ((rc = opt_double(cfg, "cost.x_api_monthly_usd", &c->x_api_monthly_usd, err)) ||
        (rc = opt_double(cfg, "cost.x_api_per_request_usd", &c->x_api_per_request_usd, err)) ||
        (rc = opt_double(cfg, "cost.llm_per_post_usd", &c->llm_per_post_usd, err)) ||
        (rc = opt_double(cfg, "cost.infra_monthly_usd", &c->infra_monthly_usd, err)) ||
        (rc = opt_double(cfg, "value.per_follower_usd", &c->value_per_follower_usd, err)))
        return rc;
    return 0;
}

int health_days_in_month(int64_t day_start)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    time_t t = (time_t)day_start;
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = tm.tm_year + 1900;
    if (tm.tm_mon == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[tm.tm_mon];
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Index of the day named "YYYY-MM-DD" in column 0, or -1. */
static int day_index(const PGresult *res, int row, int64_t from, int n_days)
{
    int64_t t;
    bool date_only;
    if (db_isnull(res, row, 0) || xtime_parse(PQgetvalue(res, row, 0), &t, &date_only))
        return -1;
    int64_t k = (t - from) / XTIME_DAY;
    return k >= 0 && k < n_days ? (int)k : -1;
}

static const char posts_sql[] =
    "SELECT to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*),"
    "       count(*) FILTER (WHERE jsonb_typeof(generation_metadata->'cost_usd') = 'number'),"
    "       sum((generation_metadata->>'cost_usd')::float8)"
    "           FILTER (WHERE jsonb_typeof(generation_metadata->'cost_usd') = 'number'),"
    "       count(*) FILTER (WHERE origin = 'bot'"
    "                          AND jsonb_typeof(generation_metadata->'cost_usd') IS DISTINCT FROM 'number')"
    "  FROM (SELECT DISTINCT ON (decision_id) decision_id, posted_at, origin, generation_metadata"
    "          FROM xetl.posts WHERE account_id = $1 AND posted_at IS NOT NULL"
    "         ORDER BY decision_id, posted_at, tweet_id) d"
    " WHERE posted_at >= $2 AND posted_at < $3 GROUP BY 1";

/* Requests belong to the day of the run's as-of, not the wall clock they were made at. */
static const char api_sql[] =
    "SELECT to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*),"
    "       count(*) FILTER (WHERE http_status BETWEEN 200 AND 299),"
    "       count(*) FILTER (WHERE http_status = 429), count(*) FILTER (WHERE http_status = 0)"
    "  FROM xetl.raw_responses WHERE account_id = $1 AND as_of >= $2 AND as_of < $3 GROUP BY 1";

static const char engagement_sql[] =
    "SELECT to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), avg(t.engagement_rate),"
    "       count(t.engagement_rate), sum(t.impressions)"
    "  FROM xetl.posts p JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
    " WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3 GROUP BY 1";

/* Per day: the last sample of the day, the last sample before it, the export's
 * daily follows, and learn cycles completed up to the end of the day.  A sample
 * taken at exactly midnight closes the day before (the report's convention too),
 * so day D's change is F(last sample <= D+1) - F(last sample <= D). */
static const char followers_sql[] =
    "WITH days AS (SELECT d AS day FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 second',"
    "                                                   interval '1 day') d)"
    " SELECT to_char(days.day AT TIME ZONE 'UTC', 'YYYY-MM-DD'), fe.n, fs.n, df.new_follows, df.unfollows,"
    "        (SELECT count(DISTINCT l.as_of) FROM learning_updates l"
    "          WHERE l.account_id = $1 AND l.as_of < days.day + interval '1 day')"
    "   FROM days"
    "   LEFT JOIN LATERAL (SELECT s.followers_count AS n FROM xetl.follower_samples s"
    "                       WHERE s.account_id = $1 AND s.sampled_at > days.day"
    "                         AND s.sampled_at <= days.day + interval '1 day'"
    "                       ORDER BY s.sampled_at DESC, s.source COLLATE \"C\" LIMIT 1) fe ON true"
    "   LEFT JOIN LATERAL (SELECT s.followers_count AS n FROM xetl.follower_samples s"
    "                       WHERE s.account_id = $1 AND s.sampled_at <= days.day"
    "                       ORDER BY s.sampled_at DESC, s.source COLLATE \"C\" LIMIT 1) fs ON true"
    "   LEFT JOIN xetl.daily_follows df ON df.account_id = $1 AND df.day = (days.day AT TIME ZONE 'UTC')::date";

/* Median APE of the 7-day predictions made that day, by metric and age at prediction. */
static const char prediction_sql[] =
    "SELECT d, metric, bucket,"
    "       percentile_cont(0.5) WITHIN GROUP (ORDER BY ape), count(*)"
    "  FROM (SELECT to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d, metric, ape,"
    "               CASE WHEN age_hours < 4 THEN '0-4h' WHEN age_hours < 24 THEN '4-24h'"
    "                    WHEN age_hours < 48 THEN '24-48h' ELSE '48h+' END AS bucket"
    "          FROM xetl.predictions"
    "         WHERE account_id = $1 AND as_of >= $2 AND as_of < $3 AND ape IS NOT NULL) x"
    " GROUP BY GROUPING SETS ((d, metric, bucket), (d, metric)) ORDER BY 1, 2, 3";

static PGresult *range_query(struct db *db, const char *sql, const char *acct_id, const char *from,
                             const char *to, struct xerr *err)
{
    const char *p[] = { acct_id, from, to };
    return db_exec(db, sql, 3, p, err);
}

/*
 * The bot's posted and failed content of the account per day of its outcome
 * (xetl.bot_content, built by migrate for the adopted shape).  content_metadata
 * has no account: a row is the account's when its tweet is the account's post,
 * and a row whose tweet xetl does not track (a failed post has none) only
 * when this is the one account with bot_content.
 */
static const char content_sql[] =
    "SELECT to_char(b.outcome_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
    "       count(*) FILTER (WHERE b.status = 'posted'), count(*) FILTER (WHERE b.status = 'failed')"
    "  FROM xetl.bot_content b LEFT JOIN xetl.posts o ON o.tweet_id = b.tweet_id"
    " WHERE b.status IN ('posted', 'failed') AND b.outcome_at >= $2 AND b.outcome_at < $3"
    "   AND (o.account_id = $1"
    "        OR (o.tweet_id IS NULL"
    "            AND $1 = (SELECT min(account_id) FROM xetl.accounts WHERE bot_content HAVING count(*) = 1)))"
    " GROUP BY 1";

static void fill_content(struct day *d, const PGresult *res, int i)
{
    d->cm_posted = db_long(res, i, 1, 0);
    d->cm_failed = db_long(res, i, 2, 0);
}

/* Row i of one range query into its day (column 0 names the day). */
static void fill_posts(struct day *d, const PGresult *res, int i)
{
    d->posts = db_long(res, i, 1, 0);
    d->cost_posts = db_long(res, i, 2, 0);
    d->llm_recorded = db_double(res, i, 3, 0);
    d->bot_no_cost = db_long(res, i, 4, 0);
}

static void fill_api(struct day *d, const PGresult *res, int i)
{
    d->req = db_long(res, i, 1, 0);
    d->req_ok = db_long(res, i, 2, 0);
    d->req_429 = db_long(res, i, 3, 0);
    d->req_none = db_long(res, i, 4, 0);
}

static void fill_engagement(struct day *d, const PGresult *res, int i)
{
    d->avg_er = db_double(res, i, 1, NAN);
    d->n_er = db_long(res, i, 2, 0);
    d->impressions = db_double(res, i, 3, 0);
}

static void fill_followers(struct day *d, const PGresult *res, int i)
{
    if (!db_isnull(res, i, 1) && !db_isnull(res, i, 2)) {
        d->followers = db_double(res, i, 1, 0) - db_double(res, i, 2, 0);
        d->fol_source = "samples";
    } else if (!db_isnull(res, i, 3)) {
        d->followers = db_double(res, i, 3, 0) - db_double(res, i, 4, 0);
        d->fol_source = "daily_follows";
    }
    d->cycles = db_long(res, i, 5, 0);
}

static void fill_prediction(struct day *d, const PGresult *res, int i)
{
    const char *metric = PQgetvalue(res, i, 1);
    const char *bucket = db_isnull(res, i, 2) ? "all" : PQgetvalue(res, i, 2); /* the grouping set's total */
    if (!d->pq)
        d->pq = json_object();
    json_t *m = json_object_get(d->pq, metric);
    if (!m) {
        m = json_object();
        json_object_set_new(d->pq, metric, m);
    }
    json_object_set_new(m, bucket,
                        json_pack("{s:o,s:I}", "median_ape", jnum(db_double(res, i, 3, NAN)), "n",
                                  (json_int_t)db_long(res, i, 4, 0)));
}

static int load_days(struct db *db, const struct account *acct, const char *acct_id, const char *from,
                     const char *to, int64_t from_t, struct day *days, int n_days, struct xerr *err)
{
    static const struct {
        const char *sql;
        void (*fill)(struct day *, const PGresult *, int);
    } queries[] = {
        { posts_sql, fill_posts },           { api_sql, fill_api },
        { engagement_sql, fill_engagement }, { followers_sql, fill_followers },
        { prediction_sql, fill_prediction }, { content_sql, fill_content },
    };

    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        if (queries[q].fill == fill_content && !acct->bot_content)
            continue;
        PGresult *res = range_query(db, queries[q].sql, acct_id, from, to, err);
        if (!res)
            return err->code;
        for (int i = 0; i < PQntuples(res); i++) {
            int k = day_index(res, i, from_t, n_days);
            if (k >= 0)
                queries[q].fill(&days[k], res, i);
        }
        PQclear(res);
    }
    return 0;
}

static const char upsert_sql[] =
    "INSERT INTO system_health_metrics (account_id, day, metric_type, posts_per_hour, avg_engagement_rate,"
    " followers_per_day, learning_cycles_completed, posting_success_rate, api_success_rate, error_rate,"
    " daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot, measured_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15)"
    " ON CONFLICT (account_id, day, metric_type) DO UPDATE SET posts_per_hour = EXCLUDED.posts_per_hour,"
    " avg_engagement_rate = EXCLUDED.avg_engagement_rate, followers_per_day = EXCLUDED.followers_per_day,"
    " learning_cycles_completed = EXCLUDED.learning_cycles_completed,"
    " posting_success_rate = EXCLUDED.posting_success_rate, api_success_rate = EXCLUDED.api_success_rate,"
    " error_rate = EXCLUDED.error_rate, daily_api_cost_usd = EXCLUDED.daily_api_cost_usd,"
    " cost_per_follower_usd = EXCLUDED.cost_per_follower_usd, roi = EXCLUDED.roi,"
    " metrics_snapshot = EXCLUDED.metrics_snapshot, measured_at = EXCLUDED.measured_at";

enum { C_POSTS_PER_HOUR, C_AVG_ER, C_FOLLOWERS, C_CYCLES, C_POST_OK, C_API_OK, C_ERR, C_COST, C_CPF, C_ROI, N_C };

/* One row: vals[] NAN = NULL; snap is consumed. */
static int put_row(struct db *db, const char *acct_id, const char *day, const char *type, const double *vals,
                   json_t *snap, const char *asof_txt, struct xerr *err)
{
    char b[N_C][40];
    const char *p[15];
    char *js = json_dumps(snap, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(snap);
    if (!js)
        return xerr_set(err, XETL_EX_SOFTWARE, "health: cannot encode metrics_snapshot");
    p[0] = acct_id;
    p[1] = day;
    p[2] = type;
    for (int k = 0; k < N_C; k++)
        p[3 + k] = k == C_CYCLES ? (isfinite(vals[k]) ? db_fmt_long(b[k], sizeof b[k], (long)vals[k]) : NULL)
                                 : db_fmt_double(b[k], sizeof b[k], vals[k]);
    p[13] = js;
    p[14] = asof_txt;
    int rc = db_cmd(db, upsert_sql, 15, p, NULL, err);
    free(js);
    return rc;
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : NAN;
}

/*
 * The money of one day (docs/learning.md "Cost model"): fills vals[C_COST],
 * [C_CPF] and [C_ROI] where they are known and returns the "cost" object of
 * the snapshot.  A figure made of some parts only is never put in a column.
 */
static json_t *cost_part(const struct day *d, const struct health_costs *c, double *vals)
{
    int dim = health_days_in_month(d->start);
    json_t *snap = json_object(), *unknown = json_array();

    bool x_known = isfinite(c->x_api_monthly_usd) || isfinite(c->x_api_per_request_usd);
    double x = (isfinite(c->x_api_monthly_usd) ? c->x_api_monthly_usd / dim : 0) +
               (isfinite(c->x_api_per_request_usd) ? c->x_api_per_request_usd * (double)d->req_ok : 0);
    /* LLM: what the bot recorded, plus the configured price for bot posts that recorded none. */
    bool llm_known = isfinite(c->llm_per_post_usd) || d->bot_no_cost == 0;
    double llm = d->llm_recorded + (isfinite(c->llm_per_post_usd) ? c->llm_per_post_usd * (double)d->bot_no_cost : 0);
    bool infra_known = isfinite(c->infra_monthly_usd);
    double infra = infra_known ? c->infra_monthly_usd / dim : 0;
    /* With no cost configured there is no cost to report: NULL, never 0. */
    bool any = x_known || isfinite(c->llm_per_post_usd) || infra_known;
    bool complete = x_known && llm_known && infra_known;

    if (!x_known)
        json_array_append_new(unknown, json_string("x_api"));
    if (!llm_known)
        json_array_append_new(unknown, json_string("llm"));
    if (!infra_known)
        json_array_append_new(unknown, json_string("infra"));
    json_object_set_new(snap, "configured", json_boolean(any));
    json_object_set_new(snap, "days_in_month", json_integer(dim));
    json_object_set_new(snap, "billable_requests", json_integer(d->req_ok));
    json_object_set_new(snap, "posts", json_integer(d->posts));
    json_object_set_new(snap, "llm_posts_recorded", json_integer(d->cost_posts));
    json_object_set_new(snap, "llm_posts_priced", json_integer(isfinite(c->llm_per_post_usd) ? d->bot_no_cost : 0));
    json_object_set_new(snap, "value_per_follower_usd", jnum(c->value_per_follower_usd));

    if (any) {
        double total = x + llm + infra;
        json_object_set_new(snap, "x_api_usd", x_known ? jnum(x) : json_null());
        json_object_set_new(snap, "llm_usd", llm_known ? jnum(llm) : json_null());
        json_object_set_new(snap, "infra_usd", infra_known ? jnum(infra) : json_null());
        /* The sum of the known parts; "complete" says whether that is the whole cost. */
        json_object_set_new(snap, "total_usd", jnum(total));
        if (x_known && llm_known)
            vals[C_COST] = x + llm;
        if (complete && d->fol_source && d->followers > 0)
            vals[C_CPF] = total / d->followers;
        if (complete && d->fol_source && isfinite(c->value_per_follower_usd) && total > 0)
            vals[C_ROI] = (d->followers * c->value_per_follower_usd - total) / total;
    }
    json_object_set_new(snap, "complete", json_boolean(complete));
    json_object_set_new(snap, "unknown", unknown);
    return snap;
}

/* The day's one row: every metric in its column, the detail under metrics_snapshot's keys. */
static int write_day(struct db *db, const struct account *acct, const char *acct_id, struct day *d,
                     const struct health_costs *c, const char *asof_txt, struct stage_counts *counts,
                     struct xerr *err)
{
    char dayname[16];
    double v[N_C];
    int rc;
    xtime_format_date(d->start, dayname, sizeof dayname);

    for (int k = 0; k < N_C; k++)
        v[k] = NAN;
    v[C_POSTS_PER_HOUR] = (double)d->posts / 24.0;
    if (acct->bot_content)
        v[C_POST_OK] = ratio((double)d->cm_posted, (double)(d->cm_posted + d->cm_failed));
    v[C_API_OK] = ratio((double)d->req_ok, (double)d->req);
    v[C_ERR] = isfinite(v[C_API_OK]) ? 1.0 - v[C_API_OK] : NAN;
    v[C_AVG_ER] = d->n_er > 0 ? d->avg_er : NAN;
    v[C_FOLLOWERS] = d->fol_source ? d->followers : NAN;
    v[C_CYCLES] = (double)d->cycles;

    json_t *snap = json_object();
    json_object_set_new(snap, "posting",
                        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "posts", (json_int_t)d->posts, "posted",
                                  (json_int_t)d->cm_posted, "failed", (json_int_t)d->cm_failed, "requests",
                                  (json_int_t)d->req, "requests_ok", (json_int_t)d->req_ok, "rate_limited",
                                  (json_int_t)d->req_429, "no_response", (json_int_t)d->req_none));
    json_object_set_new(snap, "engagement",
                        json_pack("{s:I,s:o}", "posts_with_rate", (json_int_t)d->n_er, "impressions",
                                  jnum(d->impressions)));
    json_object_set_new(snap, "followers",
                        json_pack("{s:s?,s:o}", "source", d->fol_source, "net_change",
                                  jnum(d->fol_source ? d->followers : NAN)));
    json_object_set_new(snap, "prediction_quality", d->pq ? json_incref(d->pq) : json_object());
    json_object_set_new(snap, "cost", cost_part(d, c, v));
    if ((rc = put_row(db, acct_id, dayname, "daily", v, snap, asof_txt, err)))
        return rc;
    counts->rows += 1;
    return 0;
}

int health_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
               struct stage_counts *counts, struct xerr *err)
{
    struct health_costs costs;
    struct day *days = NULL;
    char acct_id[32], from[40], to[40], asof_txt[40];
    bool in_tx = false;
    int rc, n_days = 0;

    if ((rc = health_costs_load(cfg, &costs, err)))
        return rc;
    if (a->range.to <= a->range.from)
        return 0;
    int64_t from_t = xtime_day_start(a->range.from);
    int64_t to_t = xtime_day_start(a->range.to - 1) + XTIME_DAY;
    n_days = (int)((to_t - from_t) / XTIME_DAY);
    days = xcalloc((size_t)n_days, sizeof *days);
    for (int k = 0; k < n_days; k++)
        days[k].start = from_t + (int64_t)k * XTIME_DAY;
    db_fmt_long(acct_id, sizeof acct_id, (long)acct->id);
    db_fmt_time(from, sizeof from, from_t);
    db_fmt_time(to, sizeof to, to_t);
    db_fmt_time(asof_txt, sizeof asof_txt, a->as_of);

    if ((rc = db_begin(db, err)))
        goto out;
    in_tx = true;
    if ((rc = load_days(db, acct, acct_id, from, to, from_t, days, n_days, err)))
        goto out;
    for (int k = 0; k < n_days; k++)
        if ((rc = write_day(db, acct, acct_id, &days[k], &costs, asof_txt, counts, err)))
            goto out;
    rc = db_commit(db, err);
    in_tx = false;
out:
    if (in_tx)
        db_rollback(db);
    for (int k = 0; k < n_days; k++)
        json_decref(days[k].pq);
    free(days);
    if (rc)
        xerr_prefix(err, "health '%s': ", acct->handle);
    return rc;
}
