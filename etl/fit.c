/*
 * etl/fit.c — the fit stage (see fit.h): loads one account's batch, runs the
 * model (etl/fit_model.c) and writes it (etl/fit_write.c) in one transaction.
 */
#include "etl/fit.h"

#include "common/config.h"
#include "common/log.h"
#include "etl/accounts.h"
#include "etl/db.h"
#include "etl/fit_forecast.h"
#include "etl/fit_model.h"
#include "etl/fit_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const fit_metric_names[FIT_NMETRIC] = { "likes", "retweets", "replies", "impressions", "engagements" };

/* ---- loading ---- */

static double col_counter(const struct db_res *res, int row, int col)
{
    double v = db_get_double(res, row, col, NAN);
    return v >= 0 ? v : NAN;
}

/*
 * The post of a snapshot row: fit/posts' rows come in the order of
 * fit/snapshots' posts, so the cursor *j only moves forward; a post not found
 * (written between the two reads) is -1 and its snapshots are left out.
 */
static int find_post(const struct db_res *posts, int *j, const char *tid)
{
    int np = db_nrows(posts);
    for (int k = *j; k < np; k++)
        if (!strcmp(db_get_text(posts, k, 0), tid)) {
            *j = k + 1;
            return k;
        }
    return -1;
}

/* One snapshot row into the batch: a new post when the tweet changes (rows come by post). */
static void add_row(struct fit_batch *b, const struct db_res *posts, int *j, const struct db_res *res, int r)
{
    const char *tid = db_get_text(res, r, 0);
    struct fit_post *p = b->nposts ? &b->posts[b->nposts - 1] : NULL;
    if (!p || strcmp(p->tweet_id, tid)) {
        int k = find_post(posts, j, tid);
        if (k < 0)
            return;
        p = &b->posts[b->nposts++];
        p->tweet_id = xstrdup(tid);
        p->kind = xstrdup(db_get_text(posts, k, 1) ? db_get_text(posts, k, 1) : "post");
        p->posted_at = (int64_t)llround(db_get_double(posts, k, 2, 0));
        p->in_range = db_get_bool(posts, k, 3, false);
        p->in_history = db_get_bool(posts, k, 4, false);
        p->off = b->nsnaps;
        p->n = 0;
    }
    struct fit_snap *s = &b->snaps[b->nsnaps++];
    s->age_h = db_get_double(res, r, 1, NAN) / 3600.0; /* as the server's float8 division did */
    s->v[FIT_LIKES] = col_counter(res, r, 2);
    s->v[FIT_RETWEETS] = col_counter(res, r, 3);
    s->v[FIT_REPLIES] = col_counter(res, r, 4);
    s->v[FIT_IMPRESSIONS] = col_counter(res, r, 5);
    double e = s->v[FIT_LIKES] + s->v[FIT_RETWEETS] + s->v[FIT_REPLIES];
    s->v[FIT_ENGAGEMENTS] = e;
    /* Zero impressions next to engagements means "not reported", not zero. */
    if (s->v[FIT_IMPRESSIONS] == 0 && e > 0)
        s->v[FIT_IMPRESSIONS] = NAN;
    p->n++;
    if (p->n > b->maxn)
        b->maxn = p->n;
}

static int load_batch(struct db *db, const struct account *acct, const struct stage_args *a, struct fit_batch *b,
                      struct xerr *err)
{
    char acc[32], from[64], to[64], hfrom[64], asof[64];
    db_fmt_long(acc, sizeof acc, (long)acct->id);
    db_fmt_time(from, sizeof from, a->range.from);
    db_fmt_time(to, sizeof to, a->range.to);
    db_fmt_time(hfrom, sizeof hfrom, a->as_of - (int64_t)FIT_HISTORY_DAYS * XTIME_DAY);
    db_fmt_time(asof, sizeof asof, a->as_of);
    const char *params[5] = { acc, from, to, hfrom, asof };
    struct db_res *posts = NULL, *res = NULL;
    /*
     * One read-only snapshot, so the two reads agree.  The planner picks the
     * snapshot read's plan: a merge join forced by disabling the others cost a
     * third less server CPU on a cached database but was several times slower
     * on one larger than memory (docs/scaling.md, "Fit"; docs/scaling-readings.md,
     * "The server's side of an established night").
     */
    int rc = db_cmd(db, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL, NULL, err);
    if (rc)
        return rc;
    if ((rc = db_query(db, "fit/posts", 5, params, &posts, err)) ||
        (rc = db_query(db, "fit/snapshots", 5, params, &res, err)) || (rc = db_commit(db, err))) {
        db_rollback(db);
        db_res_free(posts);
        db_res_free(res);
        return rc;
    }
    int nr = db_nrows(res), j = 0;
    memset(b, 0, sizeof *b);
    b->snaps = xcalloc((size_t)(nr ? nr : 1), sizeof *b->snaps);
    b->posts = xcalloc((size_t)(nr ? nr : 1), sizeof *b->posts);
    for (int r = 0; r < nr; r++)
        add_row(b, posts, &j, res, r);
    db_res_free(res);
    db_res_free(posts);
    return 0;
}

/* ---- what earlier runs kept ---- */

struct by_id {
    const char *tweet_id;
    int i;
};

static int cmp_by_id(const void *x, const void *y)
{
    return strcmp(((const struct by_id *)x)->tweet_id, ((const struct by_id *)y)->tweet_id);
}

static int metric_index(const char *name)
{
    for (int m = 0; m < FIT_NMETRIC; m++)
        if (name && !strcmp(name, fit_metric_names[m]))
            return m;
    return -1;
}

/* A named statement whose one parameter is the account. */
static int account_query(struct db *db, const char *name, int64_t account_id, struct db_res **res, struct xerr *err)
{
    char acc[32];
    db_fmt_long(acc, sizeof acc, (long)account_id);
    const char *params[1] = { acc };
    return db_query(db, name, 1, params, res, err);
}

/* The stored history fits (xetl.fit_history) into the history posts' kept[]. */
static int load_kept(struct db *db, int64_t account_id, struct fit_batch *b, struct xerr *err)
{
    struct db_res *res;
    int rc = account_query(db, "fit/history_load", account_id, &res, err);
    if (rc)
        return rc;
    /* Posts by tweet_id in C order, for bsearch. */
    struct by_id *order = xcalloc((size_t)(b->nposts ? b->nposts : 1), sizeof *order);
    for (int i = 0; i < b->nposts; i++)
        order[i] = (struct by_id){ b->posts[i].tweet_id, i };
    qsort(order, (size_t)b->nposts, sizeof *order, cmp_by_id);
    for (int r = 0; r < db_nrows(res); r++) {
        struct by_id key = { db_get_text(res, r, 0), -1 };
        int m = metric_index(db_get_text(res, r, 1));
        const struct by_id *hit = key.tweet_id && m >= 0 && b->nposts > 0
                                      ? bsearch(&key, order, (size_t)b->nposts, sizeof *order, cmp_by_id)
                                      : NULL;
        int at = hit ? hit->i : -1;
        if (at < 0 || !b->posts[at].in_history)
            continue;
        b->posts[at].kept[m] = (struct fit_kept){
            .have = true, .fresh = false, .fp = (uint64_t)db_get_int64(res, r, 2, 0),
            .method = (enum decay_method)db_get_int64(res, r, 3, DECAY_NONE), .n_points = (int)db_get_int64(res, r, 4, 0),
            .c_h = db_get_double(res, r, 5, NAN), .theta = db_get_double(res, r, 6, NAN),
            .rms = db_get_double(res, r, 7, NAN), .half_life_h = db_get_double(res, r, 8, NAN),
            .t90_h = db_get_double(res, r, 9, NAN) };
    }
    free(order);
    db_res_free(res);
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The kept forecasters (xetl.fit_models) into b->fcm[]; a malformed one is left out (retrained). */
static int load_models(struct db *db, int64_t account_id, struct fit_batch *b, struct xerr *err)
{
    struct db_res *res;
    int rc = account_query(db, "fit/models_load", account_id, &res, err);
    if (rc)
        return rc;
    for (int r = 0; r < db_nrows(res); r++) {
        int m = metric_index(db_get_text(res, r, 0));
        const char *hex = db_get_text(res, r, 2);
        size_t n = hex ? strlen(hex) : 1;
        if (m < 0 || n % 2)
            continue;
        unsigned char *blob = xmalloc(n / 2 + 1);
        size_t k = 0;
        for (; k < n / 2; k++) {
            int hi = hexval(hex[2 * k]), lo = hexval(hex[2 * k + 1]);
            if (hi < 0 || lo < 0)
                break;
            blob[k] = (unsigned char)(hi << 4 | lo);
        }
        if (k < n / 2) {
            free(blob);
            continue;
        }
        free(b->fcm[m].blob);
        b->fcm[m] = (struct fit_fcm){ .have = true, .fresh = false, .fp = (uint64_t)db_get_int64(res, r, 1, 0),
                                      .blob = blob, .len = n / 2 };
    }
    db_res_free(res);
    return 0;
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
        *out = -(t > FIT_MAX_THREADS ? FIT_MAX_THREADS : (int)t);
        return 0;
    }
    if (t <= 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        t = nc > 0 ? nc : 1;
    }
    *out = t > FIT_MAX_THREADS ? FIT_MAX_THREADS : (int)t;
    return 0;
}

/* Every metric: the account's prior, then the curves of the posts in range. */
static int fit_metrics(const struct account *acct, struct fit_batch *b, double horizon, int threads, const int *idx,
                       int n, long *by_method, long *history, struct xerr *err)
{
    struct progress prog = { 0 }; /* ended on every path, so an error starts on a fresh line */
    int rc = 0;
    struct fit_pool pools[FIT_NMETRIC];
    progress_begin(&prog, "fit: curves", (long)n * FIT_NMETRIC);
    for (int m = 0; m < FIT_NMETRIC && !rc; m++) {
        struct fit_pool *pool = &pools[m];
        if ((rc = fit_account_prior(b, m, horizon, threads, pool, err)))
            break;
        *history += pool->n_fitted;
        const struct decay_prior *pr = &pool->prior;
        log_debug("fit: @%s %s prior: c=%.3g h (sd %.2f), theta=%.3g (sd %.2f), sigma=%.3g from %d posts;"
                  " sh alpha(24h)=%.3f from %d pairs",
                  acct->handle, fit_metric_names[m], exp(pr->mu_logc), pr->sd_logc, exp(pr->mu_logtheta),
                  pr->sd_logtheta, pr->sigma, pr->n_posts, pr->sh_alpha[7], pr->sh_n);
        rc = fit_metric(b, m, pool, horizon, threads, idx, n, by_method, err);
        progress_step(&prog, n);
    }
    if (!rc)
        rc = fit_forecasters(b, pools, horizon, threads, idx, n, err);
    progress_end(&prog);
    return rc;
}

int fit_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
            struct stage_counts *counts, struct xerr *err)
{
    struct fit_batch b;
    memset(&b, 0, sizeof b);
    double horizon = DECAY_HORIZON_H;
    int threads = 1, rc;
    int *idx = NULL;
    long rows = 0, by_method[4] = { 0, 0, 0, 0 }, history = 0;
    bool in_tx = false;

    if ((rc = config_get_double(cfg, "fit.horizon_hours", &horizon, err)))
        return rc;
    if ((rc = config_threads(cfg, err, &threads)))
        return rc;

    double t0 = log_wallclock();
    if ((rc = load_batch(db, acct, a, &b, err)) || (rc = load_kept(db, acct->id, &b, err)) ||
        (rc = load_models(db, acct->id, &b, err)))
        goto out;
    double t1 = log_wallclock();
    fit_batch_actuals(&b, horizon);
    idx = xcalloc((size_t)(b.nposts ? b.nposts : 1), sizeof *idx);
    int n = 0;
    for (int i = 0; i < b.nposts; i++)
        if (b.posts[i].in_range)
            idx[n++] = i;
    if ((rc = fit_metrics(acct, &b, horizon, threads, idx, n, by_method, &history, err)))
        goto out;
    long fits = by_method[DECAY_LOMAX] + by_method[DECAY_POOLED] + by_method[DECAY_LOGLINEAR];

    double t2 = log_wallclock();
    if ((rc = db_begin(db, err)))
        goto out;
    in_tx = true;
    if ((rc = fit_write(db, acct->id, a, &b, horizon, &rows, err)))
        goto out;
    if ((rc = db_commit(db, err)))
        goto out;
    in_tx = false;
    log_debug("fit: @%s: load %.2f s (%d posts, %d snapshots), fit %.2f s (history fits %ld, forecasters trained %d),"
              " write %.2f s",
              acct->handle, t1 - t0, b.nposts, b.nsnaps, t2 - t1, history, b.fc_trained, log_wallclock() - t2);
    counts->fits += fits;
    counts->rows += rows;
    log_info("fit: @%s: %d posts in range, %ld curves (lomax %ld, pooled %ld, loglinear %ld, none %ld), %ld rows",
             acct->handle, n, fits, by_method[DECAY_LOMAX], by_method[DECAY_POOLED], by_method[DECAY_LOGLINEAR],
             by_method[DECAY_NONE], rows);
out:
    if (in_tx)
        db_rollback(db);
    if (rc)
        xerr_prefix(err, "fit: @%s: ", acct->handle);
    free(idx);
    fit_batch_release(&b);
    return rc;
}
