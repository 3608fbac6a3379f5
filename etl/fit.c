/*
 * etl/fit.c — the fit stage (see fit.h).
 */
#include "etl/fit.h"

#include "common/config.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "etl/accounts.h"
#include "etl/db.h"
#include "stats/forecast.h"
#include "stats/reference.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const fit_metric_names[FIT_NMETRIC] = { "likes", "retweets", "replies", "impressions", "engagements" };

#define HISTORY_DAYS 90        /* posts whose shapes feed the account's prior */
#define THREAD_MIN_FITS 512    /* below this one thread is faster than starting two */
#define FC_OWN_MAX 400         /* the account's most recent matured posts used as forecaster references */
#define FIT_DECISION_AGE_SQL "24" /* the age whose forecast prediction_accuracy scores (hours) */
#define FC_MAX_AGE_H 72.0      /* posts observed past this: their own curve carries the forecast */

struct snap {
    double age_h;
    double v[FIT_NMETRIC]; /* NAN = not reported */
};

struct post {
    char *tweet_id;
    char *kind;
    int64_t posted_at;
    bool in_range;
    bool in_history; /* posted in the 90 days before as-of: feeds the account prior */
    int off, n; /* its snapshots: snaps[off .. off+n) */
    double actual[FIT_NMETRIC];
    struct decay_result res[FIT_NMETRIC]; /* in-range posts: the fit written */
    struct fc_forecast fc[FIT_NMETRIC];   /* the stacked forecast, p50 NAN when not made */
    bool hl_pooled[FIT_NMETRIC];          /* half-life from the pooled shape, not its data */
};

struct batch {
    struct post *posts;
    int nposts;
    struct snap *snaps;
    int nsnaps;
    int maxn; /* most snapshots of one post */
};

/* ---- small pure helpers ---- */

double fit_observed_at(const struct decay_point *pts_in, int n, double age_h)
{
    if (n <= 0 || !(age_h > 0))
        return NAN;
    struct decay_point *pts = malloc(sizeof *pts * (size_t)n);
    if (!pts)
        return NAN;
    memcpy(pts, pts_in, sizeof *pts * (size_t)n);
    int m = decay_clean(pts, n);
    double r = NAN;
    int before = -1, after = -1;
    for (int i = 0; i < m; i++) {
        if (fabs(pts[i].age_h - age_h) <= 0.5) {
            r = pts[i].count;
            goto out;
        }
        if (pts[i].age_h < age_h)
            before = i;
        else if (after < 0)
            after = i;
    }
    if (after < 0 || pts[after].age_h > age_h + 24.0)
        goto out;
    if (before < 0) {
        r = NAN; /* nothing before the horizon: cannot interpolate */
        goto out;
    }
    double t0 = pts[before].age_h, t1 = pts[after].age_h;
    r = pts[before].count + (pts[after].count - pts[before].count) * (age_h - t0) / (t1 - t0);
out:
    free(pts);
    return r;
}

double fit_accuracy(double p, double a)
{
    if (!isfinite(p) || !isfinite(a) || p < 0 || a < 0)
        return NAN;
    return (fmin(p, a) + 1.0) / (fmax(p, a) + 1.0);
}

static int post_points(const struct batch *b, const struct post *p, int metric, struct decay_point *out)
{
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        const struct snap *s = &b->snaps[p->off + i];
        if (isfinite(s->v[metric]))
            out[k++] = (struct decay_point){ s->age_h, s->v[metric] };
    }
    return k;
}

/* ---- loading ---- */

static double col_counter(const PGresult *res, int row, int col)
{
    if (db_isnull(res, row, col))
        return NAN;
    double v = db_double(res, row, col, NAN);
    return v >= 0 ? v : NAN;
}

static int load_batch(struct db *db, const struct account *acct, const struct stage_args *a, struct batch *b,
                      struct xerr *err)
{
    char acc[32], from[64], to[64], hfrom[64], asof[64];
    db_fmt_long(acc, sizeof acc, (long)acct->id);
    db_fmt_time(from, sizeof from, a->range.from);
    db_fmt_time(to, sizeof to, a->range.to);
    db_fmt_time(hfrom, sizeof hfrom, a->as_of - (int64_t)HISTORY_DAYS * XTIME_DAY);
    db_fmt_time(asof, sizeof asof, a->as_of);
    const char *params[5] = { acc, from, to, hfrom, asof };
    /* Snapshot age from the timestamps (hours_since_post is rounded to 0.01 h
     * and was computed by whoever wrote the row). */
    PGresult *res = db_exec(db,
                            "SELECT p.tweet_id, p.kind, extract(epoch FROM p.posted_at)::float8,"
                            "       (p.posted_at >= $2::timestamptz AND p.posted_at < $3::timestamptz),"
                            "       extract(epoch FROM s.snapshot_at - p.posted_at)::float8 / 3600.0,"
                            "       s.likes, s.retweets, s.replies, s.impressions,"
                            "       (p.posted_at >= $4::timestamptz AND p.posted_at < $5::timestamptz)"
                            "  FROM xetl.posts p"
                            "  JOIN performance_snapshots s ON s.account_id = p.account_id AND s.tweet_id = p.tweet_id"
                            " WHERE p.account_id = $1 AND p.posted_at IS NOT NULL"
                            "   AND ((p.posted_at >= $2::timestamptz AND p.posted_at < $3::timestamptz)"
                            "        OR (p.posted_at >= $4::timestamptz AND p.posted_at < $5::timestamptz))"
                            "   AND s.snapshot_at <= $5::timestamptz AND s.snapshot_at > p.posted_at"
                            " ORDER BY p.tweet_id, s.snapshot_at, s.source",
                            5, params, err);
    if (!res)
        return err->code;
    int nr = PQntuples(res);
    memset(b, 0, sizeof *b);
    b->snaps = xcalloc((size_t)(nr ? nr : 1), sizeof *b->snaps);
    b->posts = xcalloc((size_t)(nr ? nr : 1), sizeof *b->posts);
    for (int r = 0; r < nr; r++) {
        const char *tid = db_str(res, r, 0);
        struct post *p = b->nposts ? &b->posts[b->nposts - 1] : NULL;
        if (!p || strcmp(p->tweet_id, tid)) {
            p = &b->posts[b->nposts++];
            p->tweet_id = xstrdup(tid);
            p->kind = xstrdup(db_str(res, r, 1) ? db_str(res, r, 1) : "post");
            p->posted_at = (int64_t)llround(db_double(res, r, 2, 0));
            p->in_range = db_str(res, r, 3) && db_str(res, r, 3)[0] == 't';
            p->in_history = db_str(res, r, 9) && db_str(res, r, 9)[0] == 't';
            p->off = b->nsnaps;
            p->n = 0;
        }
        struct snap *s = &b->snaps[b->nsnaps++];
        s->age_h = db_double(res, r, 4, NAN);
        s->v[FIT_LIKES] = col_counter(res, r, 5);
        s->v[FIT_RETWEETS] = col_counter(res, r, 6);
        s->v[FIT_REPLIES] = col_counter(res, r, 7);
        s->v[FIT_IMPRESSIONS] = col_counter(res, r, 8);
        double e = s->v[FIT_LIKES] + s->v[FIT_RETWEETS] + s->v[FIT_REPLIES];
        s->v[FIT_ENGAGEMENTS] = e;
        /* Zero impressions next to engagements means "not reported", not zero. */
        if (s->v[FIT_IMPRESSIONS] == 0 && e > 0)
            s->v[FIT_IMPRESSIONS] = NAN;
        p->n++;
        if (p->n > b->maxn)
            b->maxn = p->n;
    }
    PQclear(res);
    return 0;
}

static void batch_release(struct batch *b)
{
    for (int i = 0; i < b->nposts; i++) {
        free(b->posts[i].tweet_id);
        free(b->posts[i].kind);
    }
    free(b->posts);
    free(b->snaps);
    memset(b, 0, sizeof *b);
}

/* ---- fitting, on one or more threads ---- */

struct fitjob {
    const struct batch *b;
    int metric;
    const struct decay_prior *prior;
    double horizon;
    const int *idx;             /* posts to fit */
    int n;
    struct decay_result *out;   /* out[k] for idx[k] */
    int nthreads, self;
    int failed;                 /* ENOMEM */
};

static void *fit_worker(void *arg)
{
    struct fitjob *j = arg;
    struct decay_ws *ws = decay_ws_new();
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(j->b->maxn ? j->b->maxn : 1));
    if (!ws) {
        j->failed = 1;
        goto out;
    }
    /* Static stride partition: each result depends only on its post, so the
     * output is the same for any number of threads. */
    for (int k = j->self; k < j->n; k += j->nthreads) {
        const struct post *p = &j->b->posts[j->idx[k]];
        int np = post_points(j->b, p, j->metric, pts);
        if (decay_fit(ws, pts, np, j->prior, j->horizon, &j->out[k]) < 0) {
            j->failed = 1;
            break;
        }
    }
out:
    free(pts);
    decay_ws_free(ws);
    return NULL;
}

static int fit_many(const struct batch *b, int metric, const struct decay_prior *prior, double horizon,
                    const int *idx, int n, struct decay_result *out, int threads, struct xerr *err)
{
    if (n == 0)
        return 0;
    if (threads < 0) /* forced */
        threads = -threads;
    else if (threads < 1 || n < THREAD_MIN_FITS)
        threads = 1;
    if (threads > n)
        threads = n;
    if (threads > 16)
        threads = 16;
    struct fitjob jobs[16];
    pthread_t tid[16];
    int started = 0, rc = 0;
    for (int t = 0; t < threads; t++)
        jobs[t] = (struct fitjob){ b, metric, prior, horizon, idx, n, out, threads, t, 0 };
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tid[t], NULL, fit_worker, &jobs[t]) != 0)
            break;
        started = t;
    }
    if (started < threads - 1) {
        /* Could not start them all: finish the started ones, then do it alone. */
        for (int t = 1; t <= started; t++)
            pthread_join(tid[t], NULL);
        jobs[0] = (struct fitjob){ b, metric, prior, horizon, idx, n, out, 1, 0, 0 };
        fit_worker(&jobs[0]);
        return jobs[0].failed ? xerr_set(err, XETL_EX_SOFTWARE, "out of memory") : 0;
    }
    fit_worker(&jobs[0]);
    for (int t = 1; t < threads; t++)
        pthread_join(tid[t], NULL);
    for (int t = 0; t < threads; t++)
        if (jobs[t].failed)
            rc = xerr_set(err, XETL_EX_SOFTWARE, "out of memory");
    return rc;
}

/*
 * The account's prior for one metric: shapes of its well-observed posts
 * (>= 3 ages, the last at least 24 h old), and the SH rule from its matured
 * posts (7-day value observed) — only posts of the 90 days before as-of, so a
 * post's fit depends on its data and the as-of, not on the range asked for.
 */
static int account_prior(const struct batch *b, int metric, double horizon, int threads, struct decay_prior *out,
                         double *pool_hl, double *pool_t90, struct xerr *err)
{
    struct decay_prior base;
    decay_prior_default(&base);
    *out = base;
    int *idx = xcalloc((size_t)(b->nposts ? b->nposts : 1), sizeof *idx);
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    struct decay_result *res = NULL;
    double *ta = NULL, *tn = NULL, *th = NULL;
    int n = 0, rc = 0;
    for (int i = 0; i < b->nposts; i++) {
        const struct post *p = &b->posts[i];
        if (!p->in_history)
            continue;
        int np = post_points(b, p, metric, pts);
        np = decay_clean(pts, np);
        if (np >= 3 && pts[np - 1].age_h >= 24.0 && pts[np - 1].count > 0)
            idx[n++] = i;
    }
    res = xcalloc((size_t)(n ? n : 1), sizeof *res);
    if ((rc = fit_many(b, metric, &base, horizon, idx, n, res, threads, err)))
        goto out;
    decay_prior_estimate(res, n, &base, out);

    /* The pooled half-life and t90: medians over the posts whose own samples
     * pin them (a sample at or before the half-life); else the prior shape's. */
    {
        double *hl = xmalloc(sizeof(double) * (size_t)(n ? n : 1)), *t9 = xmalloc(sizeof(double) * (size_t)(n ? n : 1));
        int k = 0;
        for (int j = 0; j < n; j++) {
            int np = decay_clean(pts, post_points(b, &b->posts[idx[j]], metric, pts));
            if (res[j].method == DECAY_LOMAX && np > 0 && isfinite(res[j].half_life_h) && isfinite(res[j].t90_h) &&
                pts[0].age_h <= res[j].half_life_h) {
                hl[k] = res[j].half_life_h;
                t9[k] = res[j].t90_h;
                k++;
            }
        }
        double sd;
        *pool_hl = decay_age_at(exp(out->mu_logc), exp(out->mu_logtheta), horizon, 0.5);
        *pool_t90 = decay_age_at(exp(out->mu_logc), exp(out->mu_logtheta), horizon, 0.9);
        if (k >= 3) {
            decay_robust_stats(hl, k, pool_hl, &sd);
            decay_robust_stats(t9, k, pool_t90, &sd);
        }
        free(hl);
        free(t9);
    }

    /* SH pairs: every earlier sample of a matured post against its 7-day value. */
    int cap = b->nsnaps ? b->nsnaps : 1, m = 0;
    ta = xmalloc(sizeof(double) * (size_t)cap);
    tn = xmalloc(sizeof(double) * (size_t)cap);
    th = xmalloc(sizeof(double) * (size_t)cap);
    for (int i = 0; i < b->nposts; i++) {
        const struct post *p = &b->posts[i];
        double act = p->actual[metric];
        if (!(act > 0) || !p->in_history)
            continue;
        int np = post_points(b, p, metric, pts);
        np = decay_clean(pts, np);
        for (int k = 0; k < np; k++) {
            if (pts[k].age_h >= horizon || !(pts[k].count > 0))
                continue;
            ta[m] = pts[k].age_h;
            tn[m] = pts[k].count;
            th[m] = act;
            m++;
        }
    }
    if (horizon == DECAY_HORIZON_H) /* the rule is for the 7-day horizon only */
        decay_prior_fit_loglinear(out, ta, tn, th, m);
out:
    free(ta);
    free(tn);
    free(th);
    free(res);
    free(pts);
    free(idx);
    return rc;
}

/* ---- the stacked forecaster (stats/forecast.h) ---- */

/* The shipped reference set with its Lomax forecasts at each anchor, made
 * once per process with the built-in prior; read-only afterwards. */
static struct fc_ref *global_refs;
static int n_global_refs;
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    struct decay_ws *ws = decay_ws_new();
    struct fc_ref *r = calloc((size_t)fc_reference_n, sizeof *r);
    if (!ws || !r) {
        free(r);
        decay_ws_free(ws);
        return; /* ENOMEM: forecasts then lean on the account's own posts only */
    }
    struct decay_prior base;
    decay_prior_default(&base);
    for (int i = 0; i < fc_reference_n; i++) {
        r[i].y7 = fc_reference[i][FC_NANCHOR];
        struct decay_point p[FC_NANCHOR];
        for (int a = 0; a < FC_NANCHOR; a++) {
            struct decay_result fr;
            r[i].y[a] = fc_reference[i][a];
            p[a] = (struct decay_point){ fc_anchor_h[a], fc_reference[i][a] };
            r[i].lomax7[a] = decay_fit(ws, p, a + 1, &base, DECAY_HORIZON_H, &fr) == 0 ? fr.n_h : NAN;
        }
    }
    decay_ws_free(ws);
    global_refs = r;
    n_global_refs = fc_reference_n;
}

/*
 * A post's counts at the anchor ages it has reached (pts cleaned): the sample
 * within 0.5 h of the age, else its fitted curve there (irregular ages; a
 * straight line between samples would cut the concave curve short).
 */
static void anchor_values(const struct decay_point *pts, int np, const struct decay_result *r, double *y)
{
    for (int a = 0; a < FC_NANCHOR; a++) {
        y[a] = NAN;
        if (!(r->last_age_h >= fc_anchor_h[a] - 1e-9))
            continue;
        for (int i = 0; i < np && !isfinite(y[a]); i++)
            if (fabs(pts[i].age_h - fc_anchor_h[a]) <= 0.5)
                y[a] = pts[i].count;
        if (!isfinite(y[a]))
            y[a] = r->check[a]; /* decay_check_ages_h starts with the anchors */
    }
}

struct recent {
    int64_t posted_at;
    int i;
};

static int cmp_recent(const void *x, const void *y)
{
    const struct recent *a = x, *b = y;
    if (a->posted_at != b->posted_at)
        return a->posted_at > b->posted_at ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/*
 * Trains the forecaster for one metric on the account's matured posts of the
 * 90 days before as-of (the most recent FC_OWN_MAX), pooled with the shipped
 * set while they are few.  The reference posts' Lomax forecasts use the
 * account's shape prior without its SH row (which was fitted on their own
 * 7-day values).  A model with no references is left empty.
 */
static int train_forecaster(const struct batch *b, int metric, const struct decay_prior *prior, struct fc_model *m,
                            struct xerr *err)
{
    pthread_once(&global_once, global_init);
    struct recent *rec = xcalloc((size_t)(b->nposts ? b->nposts : 1), sizeof *rec);
    int nrec = 0;
    for (int i = 0; i < b->nposts; i++)
        if (b->posts[i].in_history && isfinite(b->posts[i].actual[metric]))
            rec[nrec++] = (struct recent){ b->posts[i].posted_at, i };
    qsort(rec, (size_t)nrec, sizeof *rec, cmp_recent);
    if (nrec > FC_OWN_MAX)
        nrec = FC_OWN_MAX;
    struct fc_ref *own = xcalloc((size_t)(nrec ? nrec : 1), sizeof *own);
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    struct decay_prior noshr = *prior;
    noshr.sh_n = 0;
    struct decay_ws *ws = decay_ws_new();
    double *y24 = xcalloc((size_t)(nrec ? nrec : 1), sizeof *y24), *g24 = NULL;
    int rc = 0, n24 = 0;
    if (!ws) {
        rc = xerr_set(err, XETL_EX_SOFTWARE, "out of memory");
        goto out;
    }
    for (int k = 0; k < nrec; k++) {
        const struct post *p = &b->posts[rec[k].i];
        int np = decay_clean(pts, post_points(b, p, metric, pts));
        struct decay_result full;
        if (decay_fit(ws, pts, np, &noshr, DECAY_HORIZON_H, &full) < 0) {
            rc = xerr_set(err, XETL_EX_SOFTWARE, "out of memory");
            goto out;
        }
        own[k].y7 = p->actual[metric];
        anchor_values(pts, np, &full, own[k].y);
        for (int a = 0; a < FC_NANCHOR; a++) {
            own[k].lomax7[a] = NAN;
            int nt = 0;
            while (nt < np && pts[nt].age_h <= fc_anchor_h[a] + 0.5)
                nt++;
            struct decay_result tr;
            if (nt > 0 && isfinite(own[k].y[a]) && decay_fit(ws, pts, nt, &noshr, DECAY_HORIZON_H, &tr) == 0)
                own[k].lomax7[a] = tr.n_h;
        }
        if (own[k].y[2] > 0)
            y24[n24++] = own[k].y[2];
    }
    /* The shipped cascades, scaled to the account's typical 24 h count. */
    double scale = 1.0;
    if (n24 >= 5 && n_global_refs > 0) {
        double med, sd, gmed;
        decay_robust_stats(y24, n24, &med, &sd);
        g24 = xcalloc((size_t)n_global_refs, sizeof *g24);
        for (int i = 0; i < n_global_refs; i++)
            g24[i] = global_refs[i].y[2];
        decay_robust_stats(g24, n_global_refs, &gmed, &sd);
        if (gmed > 0 && med > 0)
            scale = med / gmed;
    }
    if (fc_train(m, own, nrec, global_refs, n_global_refs, scale, 0.90))
        rc = xerr_set(err, XETL_EX_SOFTWARE, "out of memory");
out:
    decay_ws_free(ws);
    free(g24);
    free(y24);
    free(pts);
    free(own);
    free(rec);
    return rc;
}

/*
 * The stacked forecast of each in-range post observed from 1 h to
 * FC_MAX_AGE_H: it replaces the curve's 7-day value and interval (p50 and
 * p05/p95); older posts keep their own curve's.  Then the half-life source.
 */
static void apply_forecaster(struct batch *b, int metric, const struct fc_model *m, double pool_hl,
                             double pool_t90, const int *idx, int n)
{
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    for (int k = 0; k < n; k++) {
        struct post *p = &b->posts[idx[k]];
        struct decay_result *r = &p->res[metric];
        struct fc_forecast *fc = &p->fc[metric];
        fc->p05 = fc->p50 = fc->p95 = NAN;
        p->hl_pooled[metric] = false;
        if (r->method == DECAY_NONE)
            continue;
        int np = decay_clean(pts, post_points(b, p, metric, pts));
        /* Half-life: from the post's data only when a sample reaches back to
         * it (a nightly pull sees most posts first at hours of age). */
        if ((r->method == DECAY_LOMAX || r->method == DECAY_POOLED) && isfinite(r->half_life_h) &&
            (np < 3 || pts[0].age_h > r->half_life_h) && isfinite(pool_hl)) {
            r->half_life_h = pool_hl;
            r->t90_h = isfinite(pool_t90) ? pool_t90 : r->t90_h;
            p->hl_pooled[metric] = true;
        }
        if (r->horizon_h != DECAY_HORIZON_H || !(r->last_age_h < FC_MAX_AGE_H))
            continue;
        int a = fc_anchor_for_age(r->last_age_h);
        double y[FC_NANCHOR];
        anchor_values(pts, np, r, y);
        if (a < 0 || fc_predict(m, a, y, r->n_h, fc) != 0) {
            fc->p05 = fc->p50 = fc->p95 = NAN;
            continue;
        }
        /* Never below what is already counted. */
        fc->p50 = fmax(fc->p50, r->last_count);
        fc->p05 = fmin(fmax(fc->p05, r->last_count), fc->p50);
        fc->p95 = fmax(fc->p95, fc->p50);
        r->n_h = fc->p50;
        r->n_h_lo = fc->p05;
        r->n_h_hi = fc->p95;
    }
    free(pts);
}

/* ---- writing ---- */

static void json_num(struct sbuf *sb, const char *key, double v, bool comma)
{
    if (comma)
        sbuf_addc(sb, ',');
    if (isfinite(v))
        sbuf_addf(sb, "\"%s\":%.6g", key, v);
    else
        sbuf_addf(sb, "\"%s\":null", key);
}

static void curve_json(struct sbuf *sb, const struct decay_result *r, const struct fc_forecast *fc, bool hl_pooled,
                       const char *asof_txt)
{
    sbuf_addf(sb, "{\"model\":\"lomax\",\"method\":\"%s\"", decay_method_name(r->method));
    sbuf_addf(sb, ",\"forecast\":\"%s\"", isfinite(fc->p50) ? "stack" : "lomax");
    json_num(sb, "p05_7d", isfinite(fc->p50) ? fc->p05 : r->n_h_lo, true);
    json_num(sb, "p50_7d", r->n_h, true);
    json_num(sb, "p95_7d", isfinite(fc->p50) ? fc->p95 : r->n_h_hi, true);
    if (isfinite(r->half_life_h))
        sbuf_addf(sb, ",\"half_life_source\":\"%s\"", hl_pooled ? "pooled" : "data");
    json_num(sb, "A", r->A, true);
    json_num(sb, "c_h", r->c_h, true);
    json_num(sb, "theta", r->theta, true);
    sbuf_addf(sb, ",\"n_points\":%d", r->n_points);
    json_num(sb, "horizon_h", r->horizon_h, true);
    json_num(sb, "value_7d", r->n_h, true);
    json_num(sb, "lo90_7d", r->n_h_lo, true);
    json_num(sb, "hi90_7d", r->n_h_hi, true);
    json_num(sb, "half_life_h", r->half_life_h, true);
    json_num(sb, "t90_h", r->t90_h, true);
    json_num(sb, "decay_rate_24h", r->decay_rate_24h, true);
    json_num(sb, "se_log_c", r->se_logc, true);
    json_num(sb, "se_log_theta", r->se_logtheta, true);
    json_num(sb, "rms_log_residual", r->rms, true);
    json_num(sb, "last_age_h", r->last_age_h, true);
    json_num(sb, "last_count", r->last_count, true);
    sbuf_adds(sb, ",\"checkpoints\":{");
    for (int k = 0; k < DECAY_NCHECK; k++)
        json_num(sb, decay_check_names[k], r->check[k], k > 0);
    sbuf_addf(sb, "},\"as_of\":\"%s\"}", asof_txt);
}

static void copy_num(struct sbuf *sb, double v, bool integer)
{
    sbuf_addc(sb, '\t');
    if (!isfinite(v) || (integer && fabs(v) > 2e9))
        sbuf_adds(sb, "\\N");
    else if (integer)
        sbuf_addf(sb, "%ld", (long)llround(v));
    else
        sbuf_addf(sb, "%.17g", v);
}

static int copy_flush(struct db *db, struct sbuf *sb, bool last, struct xerr *err)
{
    if (sb->len < 1 << 16 && !last)
        return 0;
    int rc = db_copy_put(db, sb->buf, sb->len, err);
    sbuf_reset(sb);
    return rc;
}

static int write_results(struct db *db, const struct account *acct, const struct stage_args *a,
                         struct batch *b, double horizon, long *rows, struct xerr *err)
{
    char acc[32], asof[64], asof_txt[64];
    db_fmt_long(acc, sizeof acc, (long)acct->id);
    db_fmt_time(asof, sizeof asof, a->as_of);
    xtime_format(a->as_of, asof_txt, sizeof asof_txt);
    struct sbuf sb = SBUF_INIT, js = SBUF_INIT;
    sbuf_init(&sb);
    sbuf_init(&js);
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    long n;
    int rc;

    if ((rc = db_cmd(db,
                     "CREATE TEMP TABLE fit_out (tweet_id text, kind text, predicted_likes integer,"
                     " predicted_er float8, half_life_minutes integer, decay_rate float8, longevity float8,"
                     " ttp_minutes integer, peak_at_epoch float8, decay jsonb) ON COMMIT DROP",
                     0, NULL, NULL, err)) ||
        (rc = db_cmd(db,
                     "CREATE TEMP TABLE fit_pred (tweet_id text, metric text, age_hours float8, n_points integer,"
                     " method text, predicted float8, lo float8, hi float8) ON COMMIT DROP",
                     0, NULL, NULL, err)) ||
        (rc = db_cmd(db, "CREATE TEMP TABLE fit_actual (tweet_id text, metric text, actual float8) ON COMMIT DROP",
                     0, NULL, NULL, err)))
        goto out;

    /* Derived columns and the decay JSON of each in-range post. */
    if ((rc = db_copy_begin(db, "COPY fit_out FROM STDIN", err)))
        goto out;
    for (int i = 0; i < b->nposts; i++) {
        struct post *p = &b->posts[i];
        if (!p->in_range)
            continue;
        const struct decay_result *lk = &p->res[FIT_LIKES], *en = &p->res[FIT_ENGAGEMENTS],
                                  *im = &p->res[FIT_IMPRESSIONS];
        bool curve = en->method == DECAY_LOMAX || en->method == DECAY_POOLED;
        sbuf_reset(&js);
        sbuf_addc(&js, '{');
        bool any = false;
        for (int m = 0; m < FIT_NMETRIC; m++) {
            if (p->res[m].method == DECAY_NONE)
                continue;
            if (any)
                sbuf_addc(&js, ',');
            sbuf_addf(&js, "\"%s\":", fit_metric_names[m]);
            curve_json(&js, &p->res[m], &p->fc[m], p->hl_pooled[m], asof_txt);
            any = true;
        }
        sbuf_addc(&js, '}');
        double er = NAN;
        if (isfinite(en->n_h) && im->n_h > 0 && isfinite(im->n_h))
            er = en->n_h / im->n_h;
        double peak_h = NAN;
        int np = post_points(b, p, FIT_ENGAGEMENTS, pts);
        if (!decay_peak(pts, np, &peak_h))
            peak_h = NAN;
        sbuf_add_copy_text(&sb, p->tweet_id);
        sbuf_addc(&sb, '\t');
        sbuf_add_copy_text(&sb, p->kind);
        copy_num(&sb, lk->n_h, true);
        copy_num(&sb, er, false);
        copy_num(&sb, curve ? en->half_life_h * 60.0 : NAN, true);
        copy_num(&sb, curve ? en->decay_rate_24h : NAN, false);
        copy_num(&sb, curve ? en->t90_h : NAN, false);
        copy_num(&sb, peak_h * 60.0, true);
        copy_num(&sb, isfinite(peak_h) ? (double)p->posted_at + peak_h * 3600.0 : NAN, false);
        sbuf_addc(&sb, '\t');
        sbuf_add_copy_text(&sb, js.buf);
        sbuf_addc(&sb, '\n');
        if ((rc = copy_flush(db, &sb, false, err)))
            goto copy_abort;
    }
    if ((rc = copy_flush(db, &sb, true, err)) || (rc = db_copy_end(db, NULL, NULL, err)))
        goto out;

    /* Forecasts (made before the horizon) of in-range posts. */
    if ((rc = db_copy_begin(db, "COPY fit_pred FROM STDIN", err)))
        goto out;
    for (int i = 0; i < b->nposts; i++) {
        struct post *p = &b->posts[i];
        if (!p->in_range)
            continue;
        for (int m = 0; m < FIT_NMETRIC; m++) {
            const struct decay_result *r = &p->res[m];
            if (r->method == DECAY_NONE || !isfinite(r->n_h) || !(r->last_age_h < horizon))
                continue;
            sbuf_add_copy_text(&sb, p->tweet_id);
            sbuf_addf(&sb, "\t%s", fit_metric_names[m]);
            copy_num(&sb, (double)(a->as_of - p->posted_at) / 3600.0, false);
            sbuf_addf(&sb, "\t%d\t%s", r->n_points, decay_method_name(r->method));
            copy_num(&sb, r->n_h, false);
            copy_num(&sb, r->n_h_lo, false);
            copy_num(&sb, r->n_h_hi, false);
            sbuf_addc(&sb, '\n');
        }
        if ((rc = copy_flush(db, &sb, false, err)))
            goto copy_abort;
    }
    if ((rc = copy_flush(db, &sb, true, err)) || (rc = db_copy_end(db, NULL, NULL, err)))
        goto out;

    /* Observed 7-day values of every loaded post (scoring reaches past the range). */
    if ((rc = db_copy_begin(db, "COPY fit_actual FROM STDIN", err)))
        goto out;
    for (int i = 0; i < b->nposts; i++) {
        struct post *p = &b->posts[i];
        for (int m = 0; m < FIT_NMETRIC; m++) {
            if (!isfinite(p->actual[m]))
                continue;
            sbuf_add_copy_text(&sb, p->tweet_id);
            sbuf_addf(&sb, "\t%s", fit_metric_names[m]);
            copy_num(&sb, p->actual[m], false);
            sbuf_addc(&sb, '\n');
        }
        if ((rc = copy_flush(db, &sb, false, err)))
            goto copy_abort;
    }
    if ((rc = copy_flush(db, &sb, true, err)) || (rc = db_copy_end(db, NULL, NULL, err)))
        goto out;

    /* Statistics for the joins below (temp tables are never auto-analyzed). */
    if ((rc = db_cmd(db, "ANALYZE fit_out (tweet_id, kind), fit_pred (tweet_id, metric), fit_actual", 0, NULL, NULL, err)))
        goto out;
    const char *p1[2] = { acc, asof };
    if ((rc = db_cmd(db,
                     "INSERT INTO tweet_analytics_comprehensive AS t (decision_id, tweet_id, account_id, posted_at,"
                     "  predicted_likes, predicted_engagement_rate, half_life_minutes, engagement_decay_rate,"
                     "  longevity_score, time_to_peak_minutes, peak_engagement_at, analytics_metadata)"
                     " SELECT p.decision_id, o.tweet_id, p.account_id, p.posted_at, o.predicted_likes,"
                     "        o.predicted_er, o.half_life_minutes, o.decay_rate, o.longevity, o.ttp_minutes,"
                     "        to_timestamp(o.peak_at_epoch), jsonb_build_object('decay', o.decay)"
                     "   FROM fit_out o JOIN xetl.posts p ON p.tweet_id = o.tweet_id AND p.account_id = $1"
                     " ON CONFLICT (account_id, tweet_id) DO UPDATE SET"
                     "  predicted_likes = EXCLUDED.predicted_likes,"
                     "  predicted_engagement_rate = EXCLUDED.predicted_engagement_rate,"
                     "  half_life_minutes = EXCLUDED.half_life_minutes,"
                     "  engagement_decay_rate = EXCLUDED.engagement_decay_rate,"
                     "  longevity_score = EXCLUDED.longevity_score,"
                     "  time_to_peak_minutes = EXCLUDED.time_to_peak_minutes,"
                     "  peak_engagement_at = EXCLUDED.peak_engagement_at,"
                     "  prediction_error = NULL, prediction_accuracy = NULL,"
                     "  analytics_metadata = coalesce(t.analytics_metadata, '{}'::jsonb) || EXCLUDED.analytics_metadata,"
                     "  updated_at = EXCLUDED.updated_at"
                     " RETURNING 1", /* counts changed rows on Citus too (pull.c) */
                     1, p1, &n, err)))
        goto out;
    *rows += n;
    if ((rc = db_cmd(db,
                     "UPDATE reply_performance r SET"
                     "  reply_metadata = coalesce(r.reply_metadata, '{}'::jsonb)"
                     "                   || jsonb_set('{\"decay\":null}', '{decay}', coalesce(o.decay, 'null'::jsonb)),"
                     "  updated_at = now()"
                     "  FROM fit_out o WHERE r.reply_tweet_id = o.tweet_id AND o.kind = 'reply'"
                     "   AND r.account_id = $1",
                     1, p1, &n, err)))
        goto out;
    *rows += n;
    /*
     * This run's forecasts for this as-of replace any earlier run's for the
     * same posts: a forecast this run did not make (another range pooled the
     * post with other posts) must not stay beside the ones it did.
     */
    if ((rc = db_cmd(db,
                     /* Uncorrelated subqueries: Citus runs them first, then the DELETE on the account's shard. */
                     "DELETE FROM xetl.predictions x"
                     " WHERE x.account_id = $1 AND x.as_of = $2::timestamptz"
                     "   AND x.tweet_id IN (SELECT o.tweet_id FROM fit_out o)"
                     "   AND (x.tweet_id, x.metric) NOT IN (SELECT f.tweet_id, f.metric FROM fit_pred f)",
                     2, p1, NULL, err)))
        goto out;
    if ((rc = db_cmd(db,
                     "INSERT INTO xetl.predictions AS x (tweet_id, metric, as_of, account_id, age_hours, n_points,"
                     "  method, predicted_7d, lo_7d, hi_7d)"
                     " SELECT tweet_id, metric, $2::timestamptz, $1, age_hours, n_points, method, predicted, lo, hi"
                     "   FROM fit_pred"
                     " ON CONFLICT (account_id, tweet_id, metric, as_of) DO UPDATE SET"
                     "  age_hours = EXCLUDED.age_hours,"
                     "  n_points = EXCLUDED.n_points, method = EXCLUDED.method,"
                     "  predicted_7d = EXCLUDED.predicted_7d, lo_7d = EXCLUDED.lo_7d, hi_7d = EXCLUDED.hi_7d,"
                     "  actual_7d = NULL, ape = NULL, log_ratio = NULL RETURNING 1",
                     2, p1, &n, err)))
        goto out;
    *rows += n;
    /* Score every prediction made up to this as-of once the value is known. */
    if ((rc = db_cmd(db,
                     "UPDATE xetl.predictions x SET actual_7d = f.actual,"
                     "  ape = CASE WHEN f.actual > 0 THEN abs(x.predicted_7d - f.actual) / f.actual END,"
                     "  log_ratio = ln((x.predicted_7d + 1) / (f.actual + 1))"
                     "  FROM fit_actual f"
                     " WHERE x.tweet_id = f.tweet_id AND x.metric = f.metric AND x.account_id = $1"
                     "   AND x.as_of <= $2::timestamptz",
                     2, p1, &n, err)))
        goto out;
    *rows += n;
    /* The post's score, at decision time: the forecast available when the
     * post was 24 h old (the latest made at an age <= 24 h; for a post first
     * seen later, the first one made), against the observed 7-day likes. */
    if ((rc = db_cmd(db,
                     "UPDATE tweet_analytics_comprehensive t SET"
                     "  predicted_likes = CASE WHEN x.predicted_7d < 2e9 THEN round(x.predicted_7d)::integer END,"
                     "  prediction_error = abs(round(x.predicted_7d) - x.actual_7d),"
                     "  prediction_accuracy = (least(round(x.predicted_7d), x.actual_7d) + 1)"
                     "                      / (greatest(round(x.predicted_7d), x.actual_7d) + 1),"
                     "  updated_at = now()"
                     "  FROM (SELECT DISTINCT ON (tweet_id) account_id, tweet_id, predicted_7d, actual_7d"
                     "          FROM xetl.predictions"
                     "         WHERE metric = 'likes' AND account_id = $1 AND as_of <= $2::timestamptz"
                     "           AND actual_7d IS NOT NULL"
                     "         ORDER BY tweet_id, age_hours > " FIT_DECISION_AGE_SQL ","
                     "                  CASE WHEN age_hours <= " FIT_DECISION_AGE_SQL " THEN -age_hours"
                     "                       ELSE age_hours END, as_of) x"
                     " WHERE t.account_id = x.account_id AND t.tweet_id = x.tweet_id",
                     2, p1, &n, err)))
        goto out;
    *rows += n;
    goto out;
copy_abort:
    {
        struct xerr ignore;
        db_copy_end(db, "fit: aborted", NULL, &ignore);
    }
out:
    free(pts);
    sbuf_release(&sb);
    sbuf_release(&js);
    return rc;
}

/* ---- the stage ---- */

static int config_threads(const struct config *cfg, struct xerr *err, int *out)
{
    long t = 0;
    int rc = config_get_long(cfg, "fit.threads", &t, err);
    if (rc)
        return rc;
    if (t > 1) {
        /* Asked for explicitly: threads even for small batches (tests use this). */
        *out = -(t > 16 ? 16 : (int)t);
        return 0;
    }
    if (t <= 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        t = nc > 0 ? nc : 1;
    }
    *out = t > 16 ? 16 : (int)t;
    return 0;
}

int fit_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
            struct stage_counts *counts, struct xerr *err)
{
    struct batch b;
    memset(&b, 0, sizeof b);
    double horizon = DECAY_HORIZON_H;
    int threads = 1, rc;
    int *idx = NULL;
    struct decay_result *res = NULL;
    struct decay_point *pts = NULL;
    long rows = 0, fits = 0, by_method[4] = { 0, 0, 0, 0 };
    bool in_tx = false;
    struct progress prog = { 0 }; /* ended on every path, so an error starts on a fresh line */

    if ((rc = config_get_double(cfg, "fit.horizon_hours", &horizon, err)))
        return rc;
    if ((rc = config_threads(cfg, err, &threads)))
        return rc;

    double t0 = log_wallclock();
    if ((rc = load_batch(db, acct, a, &b, err)))
        goto out;
    double t1 = log_wallclock();
    pts = xmalloc(sizeof *pts * (size_t)(b.maxn ? b.maxn : 1));
    for (int i = 0; i < b.nposts; i++)
        for (int m = 0; m < FIT_NMETRIC; m++) {
            int np = post_points(&b, &b.posts[i], m, pts);
            b.posts[i].actual[m] = fit_observed_at(pts, np, horizon);
        }

    idx = xcalloc((size_t)(b.nposts ? b.nposts : 1), sizeof *idx);
    res = xcalloc((size_t)(b.nposts ? b.nposts : 1), sizeof *res);
    int n = 0;
    for (int i = 0; i < b.nposts; i++)
        if (b.posts[i].in_range)
            idx[n++] = i;
    progress_begin(&prog, "fit: curves", (long)n * FIT_NMETRIC);
    for (int m = 0; m < FIT_NMETRIC; m++) {
        struct decay_prior prior;
        double pool_hl = NAN, pool_t90 = NAN;
        if ((rc = account_prior(&b, m, horizon, threads, &prior, &pool_hl, &pool_t90, err)))
            goto out;
        log_debug("fit: @%s %s prior: c=%.3g h (sd %.2f), theta=%.3g (sd %.2f), sigma=%.3g from %d posts;"
                  " sh alpha(24h)=%.3f from %d pairs",
                  acct->handle, fit_metric_names[m], exp(prior.mu_logc), prior.sd_logc, exp(prior.mu_logtheta),
                  prior.sd_logtheta, prior.sigma, prior.n_posts, prior.sh_alpha[7], prior.sh_n);
        if ((rc = fit_many(&b, m, &prior, horizon, idx, n, res, threads, err)))
            goto out;
        for (int k = 0; k < n; k++) {
            b.posts[idx[k]].res[m] = res[k];
            if (res[k].method != DECAY_NONE)
                fits++;
            by_method[res[k].method]++;
        }
        struct fc_model fcm;
        memset(&fcm, 0, sizeof fcm);
        if (n > 0 && horizon == DECAY_HORIZON_H && (rc = train_forecaster(&b, m, &prior, &fcm, err)))
            goto out;
        apply_forecaster(&b, m, &fcm, pool_hl, pool_t90, idx, n);
        fc_model_free(&fcm);
        progress_step(&prog, n);
    }
    progress_end(&prog);

    double t2 = log_wallclock();
    if ((rc = db_begin(db, err)))
        goto out;
    in_tx = true;
    if ((rc = write_results(db, acct, a, &b, horizon, &rows, err)))
        goto out;
    if ((rc = db_commit(db, err)))
        goto out;
    in_tx = false;
    log_debug("fit: @%s: load %.2f s (%d posts, %d snapshots), fit %.2f s, write %.2f s", acct->handle, t1 - t0,
              b.nposts, b.nsnaps, t2 - t1, log_wallclock() - t2);
    counts->fits += fits;
    counts->rows += rows;
    log_info("fit: @%s: %d posts in range, %ld curves (lomax %ld, pooled %ld, loglinear %ld, none %ld), %ld rows",
             acct->handle, n, fits, by_method[DECAY_LOMAX], by_method[DECAY_POOLED], by_method[DECAY_LOGLINEAR],
             by_method[DECAY_NONE], rows);
out:
    progress_end(&prog);
    if (in_tx)
        db_rollback(db);
    if (rc)
        xerr_prefix(err, "fit: @%s: ", acct->handle);
    free(pts);
    free(idx);
    free(res);
    batch_release(&b);
    return rc;
}
