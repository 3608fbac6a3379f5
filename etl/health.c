/*
 * etl/health.c — see health.h; the cost model is in docs/learning.md, the
 * statements in sql/queries/health/.
 */
#include "etl/health.h"

#include "common/json.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "common/xtime.h"
#include "etl/db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---------------------------------------------------------------- reading */

static long get_long(const struct db_res *res, int i, const char *col)
{
    return (long)db_get_int64(res, i, db_col(res, col), 0);
}

static double get_double(const struct db_res *res, int i, const char *col, double dflt)
{
    return db_get_double(res, i, db_col(res, col), dflt);
}

/* Added up: the account's tracked tweets, then the untracked ones (health/content*.sql). */
static void fill_content(struct health_day *d, const struct db_res *res, int i)
{
    d->cm_posted += get_long(res, i, "posted");
    d->cm_failed += get_long(res, i, "failed");
}

static void fill_posts(struct health_day *d, const struct db_res *res, int i)
{
    d->posts = get_long(res, i, "posts");
    d->cost_posts = get_long(res, i, "cost_posts");
    d->llm_recorded = get_double(res, i, "llm_recorded", 0);
    d->bot_no_cost = get_long(res, i, "bot_no_cost");
}

static void fill_api(struct health_day *d, const struct db_res *res, int i)
{
    d->req = get_long(res, i, "req");
    d->req_ok = get_long(res, i, "req_ok");
    d->req_429 = get_long(res, i, "req_429");
    d->req_none = get_long(res, i, "req_none");
}

static void fill_engagement(struct health_day *d, const struct db_res *res, int i)
{
    d->avg_er = get_double(res, i, "avg_er", NAN);
    d->n_er = get_long(res, i, "n_er");
    d->impressions = get_double(res, i, "impressions", 0);
}

/* The day's change from its samples when it has one that day, else from the export's follows. */
static void fill_followers(struct health_day *d, const struct db_res *res, int i)
{
    int fe = db_col(res, "f_end"), fs = db_col(res, "f_start"), nf = db_col(res, "new_follows");
    if (!db_get_null(res, i, fe) && !db_get_null(res, i, fs)) {
        d->followers = db_get_double(res, i, fe, 0) - db_get_double(res, i, fs, 0);
        d->fol_source = "samples";
    } else if (!db_get_null(res, i, nf)) {
        d->followers = db_get_double(res, i, nf, 0) - get_double(res, i, "unfollows", 0);
        d->fol_source = "daily_follows";
    }
    d->cycles = get_long(res, i, "cycles");
}

static void fill_prediction(struct health_day *d, const struct db_res *res, int i)
{
    const char *metric = db_get_text(res, i, db_col(res, "metric"));
    const char *bucket = db_get_text(res, i, db_col(res, "bucket"));
    if (d->n_pq >= HEALTH_PQ_MAX || !metric)
        return;
    struct health_pq *q = &d->pq[d->n_pq++];
    snprintf(q->metric, sizeof q->metric, "%s", metric);
    snprintf(q->bucket, sizeof q->bucket, "%s", bucket ? bucket : "all"); /* the grouping set's total */
    q->median_ape = get_double(res, i, "median_ape", NAN);
    q->n = get_long(res, i, "n");
}

/* Whether the account is the one with bot_content (health/sole_bot.sql). */
static int sole_bot(struct db *db, const char *acct_id, bool *sole, struct xerr *err)
{
    struct db_res *res;
    int rc = db_query(db, "health/sole_bot", 1, &acct_id, &res, err);
    if (rc)
        return rc;
    *sole = db_get_bool(res, 0, 0, false);
    db_res_free(res);
    return 0;
}

static int load_days(struct db *db, const struct account *acct, const char *const *p3, int64_t from_t,
                     struct health_day *days, int n_days, struct xerr *err)
{
    /* untracked: the statement takes the range only ($1, $2), and only the one bot account runs it */
    static const struct {
        const char *name;
        void (*fill)(struct health_day *, const struct db_res *, int);
        bool untracked;
    } queries[] = {
        { "health/posts", fill_posts, false },           { "health/api", fill_api, false },
        { "health/engagement", fill_engagement, false }, { "health/followers", fill_followers, false },
        { "health/prediction", fill_prediction, false }, { "health/content", fill_content, false },
        { "health/content_untracked", fill_content, true },
    };
    bool sole = false;

    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        struct db_res *res;
        int rc;
        if (queries[q].fill == fill_content && !acct->bot_content)
            continue;
        if (queries[q].untracked) {
            if ((rc = sole_bot(db, p3[0], &sole, err)))
                return rc;
            if (!sole)
                continue;
        }
        if ((rc = queries[q].untracked ? db_query(db, queries[q].name, 2, p3 + 1, &res, err)
                                       : db_query(db, queries[q].name, 3, p3, &res, err)))
            return rc;
        int dc = db_col(res, "day");
        for (int i = 0; i < db_nrows(res); i++) {
            int64_t t;
            bool date_only;
            const char *day = db_get_text(res, i, dc);
            if (!day || xtime_parse(day, &t, &date_only))
                continue;
            int64_t k = (t - from_t) / XTIME_DAY;
            if (k >= 0 && k < n_days)
                queries[q].fill(&days[k], res, (int)i);
        }
        db_res_free(res);
    }
    return 0;
}

/* ---------------------------------------------------------------- the day's figures */

static double ratio(double num, double den)
{
    return den > 0 ? num / den : NAN;
}

void health_money(const struct health_day *d, const struct health_costs *c, struct health_money *m)
{
    memset(m, 0, sizeof *m);
    m->days_in_month = health_days_in_month(d->start);
    double dim = m->days_in_month;
    m->x_known = isfinite(c->x_api_monthly_usd) || isfinite(c->x_api_per_request_usd);
    m->x = (isfinite(c->x_api_monthly_usd) ? c->x_api_monthly_usd / dim : 0) +
           (isfinite(c->x_api_per_request_usd) ? c->x_api_per_request_usd * (double)d->req_ok : 0);
    /* LLM: what the bot recorded, plus the configured price for bot posts that recorded none. */
    m->llm_known = isfinite(c->llm_per_post_usd) || d->bot_no_cost == 0;
    m->llm = d->llm_recorded + (isfinite(c->llm_per_post_usd) ? c->llm_per_post_usd * (double)d->bot_no_cost : 0);
    m->infra_known = isfinite(c->infra_monthly_usd);
    m->infra = m->infra_known ? c->infra_monthly_usd / dim : 0;
    /* With no cost configured there is no cost to report: NULL, never 0. */
    m->any = m->x_known || isfinite(c->llm_per_post_usd) || m->infra_known;
    m->complete = m->x_known && m->llm_known && m->infra_known;
    m->total = m->x + m->llm + m->infra;
}

void health_columns(const struct health_day *d, const struct health_costs *c, bool bot_content,
                    double v[HEALTH_NCOLS])
{
    struct health_money m;
    for (int k = 0; k < HEALTH_NCOLS; k++)
        v[k] = NAN;
    v[HC_POSTS_PER_HOUR] = (double)d->posts / 24.0;
    if (bot_content)
        v[HC_POST_OK] = ratio((double)d->cm_posted, (double)(d->cm_posted + d->cm_failed));
    v[HC_API_OK] = ratio((double)d->req_ok, (double)d->req);
    v[HC_ERR] = isfinite(v[HC_API_OK]) ? 1.0 - v[HC_API_OK] : NAN;
    v[HC_AVG_ER] = d->n_er > 0 ? d->avg_er : NAN;
    v[HC_FOLLOWERS] = d->fol_source ? d->followers : NAN;
    v[HC_CYCLES] = (double)d->cycles;
    /* A figure made of some parts only is never put in a column. */
    health_money(d, c, &m);
    if (!m.any)
        return;
    if (m.x_known && m.llm_known)
        v[HC_COST] = m.x + m.llm;
    if (m.complete && d->fol_source && d->followers > 0)
        v[HC_CPF] = m.total / d->followers;
    if (m.complete && d->fol_source && isfinite(c->value_per_follower_usd) && m.total > 0)
        v[HC_ROI] = (d->followers * c->value_per_follower_usd - m.total) / m.total;
}

static void key_int(struct jw *w, const char *key, long v)
{
    jw_key(w, key);
    jw_int(w, v);
}

static void key_real(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    jw_real(w, v);
}

static void snapshot_cost(struct jw *w, const struct health_day *d, const struct health_costs *c)
{
    struct health_money m;
    health_money(d, c, &m);
    jw_key(w, "cost");
    jw_obj(w);
    jw_key(w, "configured");
    jw_bool(w, m.any);
    key_int(w, "days_in_month", m.days_in_month);
    key_int(w, "billable_requests", d->req_ok);
    key_int(w, "posts", d->posts);
    key_int(w, "llm_posts_recorded", d->cost_posts);
    key_int(w, "llm_posts_priced", isfinite(c->llm_per_post_usd) ? d->bot_no_cost : 0);
    key_real(w, "value_per_follower_usd", c->value_per_follower_usd);
    if (m.any) {
        key_real(w, "x_api_usd", m.x_known ? m.x : NAN);
        key_real(w, "llm_usd", m.llm_known ? m.llm : NAN);
        key_real(w, "infra_usd", m.infra_known ? m.infra : NAN);
        /* The sum of the known parts; "complete" says whether that is the whole cost. */
        key_real(w, "total_usd", m.total);
    }
    jw_key(w, "complete");
    jw_bool(w, m.complete);
    jw_key(w, "unknown");
    jw_arr(w);
    if (!m.x_known)
        jw_str(w, "x_api");
    if (!m.llm_known)
        jw_str(w, "llm");
    if (!m.infra_known)
        jw_str(w, "infra");
    jw_arr_end(w);
    jw_obj_end(w);
}

/* {"likes": {"0-4h": {"median_ape": …, "n": …}, …, "all": …}, …}: the rows come in metric order. */
static void snapshot_pq(struct jw *w, const struct health_day *d)
{
    jw_key(w, "prediction_quality");
    jw_obj(w);
    for (int i = 0; i < d->n_pq; i++) {
        const struct health_pq *q = &d->pq[i];
        if (i == 0 || strcmp(q->metric, d->pq[i - 1].metric)) {
            if (i)
                jw_obj_end(w);
            jw_key(w, q->metric);
            jw_obj(w);
        }
        jw_key(w, q->bucket);
        jw_obj(w);
        key_real(w, "median_ape", q->median_ape);
        key_int(w, "n", q->n);
        jw_obj_end(w);
    }
    if (d->n_pq)
        jw_obj_end(w);
    jw_obj_end(w);
}

void health_snapshot(const struct health_day *d, const struct health_costs *c, struct sbuf *out)
{
    struct jw w;
    jw_init(&w, out);
    jw_obj(&w);
    jw_key(&w, "posting");
    jw_obj(&w);
    key_int(&w, "posts", d->posts);
    key_int(&w, "posted", d->cm_posted);
    key_int(&w, "failed", d->cm_failed);
    key_int(&w, "requests", d->req);
    key_int(&w, "requests_ok", d->req_ok);
    key_int(&w, "rate_limited", d->req_429);
    key_int(&w, "no_response", d->req_none);
    jw_obj_end(&w);
    jw_key(&w, "engagement");
    jw_obj(&w);
    key_int(&w, "posts_with_rate", d->n_er);
    key_real(&w, "impressions", d->impressions);
    jw_obj_end(&w);
    jw_key(&w, "followers");
    jw_obj(&w);
    jw_key(&w, "source");
    jw_str(&w, d->fol_source);
    key_real(&w, "net_change", d->fol_source ? d->followers : NAN);
    jw_obj_end(&w);
    snapshot_pq(&w, d);
    snapshot_cost(&w, d, c);
    jw_obj_end(&w);
}

/* ---------------------------------------------------------------- writing */

/* The day's one row: every metric in its column, the detail under metrics_snapshot's keys. */
static int write_day(struct db *db, const struct account *acct, const char *acct_id, const struct health_day *d,
                     const struct health_costs *c, const char *asof_txt, struct xerr *err)
{
    char dayname[16], b[HEALTH_NCOLS][40];
    double v[HEALTH_NCOLS];
    const char *p[15];
    struct sbuf snap = SBUF_INIT;
    int rc;

    xtime_format_date(d->start, dayname, sizeof dayname);
    health_columns(d, c, acct->bot_content, v);
    sbuf_init(&snap);
    health_snapshot(d, c, &snap);
    p[0] = acct_id;
    p[1] = dayname;
    p[2] = "daily";
    for (int k = 0; k < HEALTH_NCOLS; k++)
        p[3 + k] = k == HC_CYCLES ? (isfinite(v[k]) ? db_fmt_long(b[k], sizeof b[k], (long)v[k]) : NULL)
                                  : db_fmt_double(b[k], sizeof b[k], v[k]);
    p[13] = snap.buf;
    p[14] = asof_txt;
    rc = db_cmd(db, "health/upsert", 15, p, NULL, err);
    sbuf_release(&snap);
    return rc;
}

int health_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
               struct stage_counts *counts, struct xerr *err)
{
    struct health_costs costs;
    struct health_day *days = NULL;
    char acct_id[32], from[40], to[40], asof_txt[40];
    const char *p3[] = { acct_id, from, to };
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
    if ((rc = load_days(db, acct, p3, from_t, days, n_days, err)))
        goto out;
    for (int k = 0; k < n_days; k++) {
        if ((rc = write_day(db, acct, acct_id, &days[k], &costs, asof_txt, err)))
            goto out;
        counts->rows += 1;
    }
    rc = db_commit(db, err);
    in_tx = false;
out:
    if (in_tx)
        db_rollback(db);
    free(days);
    if (rc)
        xerr_prefix(err, "health '%s': ", acct->handle);
    return rc;
}
