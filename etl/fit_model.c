/*
 * etl/fit_model.c — the fit stage's computation (see fit_model.h).
 */
#include "etl/fit_model.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "stats/reference.h"

#define THREAD_MIN_FITS 512    /* below this one thread is faster than starting two */
#define FC_OWN_MAX 400         /* the account's most recent matured posts used as forecaster references */
#define FC_MAX_AGE_H 72.0      /* posts observed past this: their own curve carries the forecast */

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

int fit_post_points(const struct fit_batch *b, const struct fit_post *p, int metric, struct decay_point *out)
{
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        const struct fit_snap *s = &b->snaps[p->off + i];
        if (isfinite(s->v[metric]))
            out[k++] = (struct decay_point){ s->age_h, s->v[metric] };
    }
    return k;
}

void fit_batch_release(struct fit_batch *b)
{
    for (int i = 0; i < b->nposts; i++) {
        free(b->posts[i].tweet_id);
        free(b->posts[i].kind);
    }
    for (int m = 0; m < FIT_NMETRIC; m++)
        free(b->fcm[m].blob);
    free(b->posts);
    free(b->snaps);
    memset(b, 0, sizeof *b);
}

void fit_batch_actuals(struct fit_batch *b, double horizon)
{
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    for (int i = 0; i < b->nposts; i++)
        for (int m = 0; m < FIT_NMETRIC; m++) {
            int np = fit_post_points(b, &b->posts[i], m, pts);
            b->posts[i].actual[m] = fit_observed_at(pts, np, horizon);
        }
    free(pts);
}

/* ---- fitting, on one or more threads ---- */

struct fitjob {
    const struct fit_batch *b;
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
        const struct fit_post *p = &j->b->posts[j->idx[k]];
        int np = fit_post_points(j->b, p, j->metric, pts);
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

int fit_many(const struct fit_batch *b, int metric, const struct decay_prior *prior, double horizon,
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
    if (threads > FIT_MAX_THREADS)
        threads = FIT_MAX_THREADS;
    struct fitjob jobs[FIT_MAX_THREADS];
    pthread_t tid[FIT_MAX_THREADS];
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
 * The pooled half-life and t90: medians over the posts whose own samples pin
 * them (a sample at or before the half-life); else the prior shape's.
 */
static void pooled_half_life(const struct fit_batch *b, int metric, double horizon, const int *idx,
                             const struct decay_result *res, int n, struct fit_pool *out, struct decay_point *pts)
{
    double *hl = xmalloc(sizeof(double) * (size_t)(n ? n : 1)), *t9 = xmalloc(sizeof(double) * (size_t)(n ? n : 1));
    int k = 0;
    for (int j = 0; j < n; j++) {
        int np = decay_clean(pts, fit_post_points(b, &b->posts[idx[j]], metric, pts));
        if (res[j].method == DECAY_LOMAX && np > 0 && isfinite(res[j].half_life_h) && isfinite(res[j].t90_h) &&
            pts[0].age_h <= res[j].half_life_h) {
            hl[k] = res[j].half_life_h;
            t9[k] = res[j].t90_h;
            k++;
        }
    }
    double sd;
    const struct decay_prior *pr = &out->prior;
    out->half_life_h = decay_age_at(exp(pr->mu_logc), exp(pr->mu_logtheta), horizon, 0.5);
    out->t90_h = decay_age_at(exp(pr->mu_logc), exp(pr->mu_logtheta), horizon, 0.9);
    if (k >= 3) {
        decay_robust_stats(hl, k, &out->half_life_h, &sd);
        decay_robust_stats(t9, k, &out->t90_h, &sd);
    }
    free(hl);
    free(t9);
}

/* SH pairs: every earlier sample of a matured history post against its 7-day value. */
static void sh_rule(const struct fit_batch *b, int metric, double horizon, struct decay_prior *out,
                    struct decay_point *pts)
{
    int cap = b->nsnaps ? b->nsnaps : 1, m = 0;
    double *ta = xmalloc(sizeof(double) * (size_t)cap);
    double *tn = xmalloc(sizeof(double) * (size_t)cap);
    double *th = xmalloc(sizeof(double) * (size_t)cap);
    for (int i = 0; i < b->nposts; i++) {
        const struct fit_post *p = &b->posts[i];
        double act = p->actual[metric];
        if (!(act > 0) || !p->in_history)
            continue;
        int np = decay_clean(pts, fit_post_points(b, p, metric, pts));
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
    free(ta);
    free(tn);
    free(th);
}

/* Bump when a change to stats/decay or to fit_many's inputs changes a history fit. */
#define FIT_MODEL_VERSION 1

uint64_t fit_points_fp(const struct decay_point *pts, int n, double horizon)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a, 64 bits */
    double head[2] = { horizon, FIT_MODEL_VERSION };
    const unsigned char *q = (const unsigned char *)head;
    for (size_t i = 0; i < sizeof head; i++)
        h = (h ^ q[i]) * UINT64_C(0x100000001b3);
    q = (const unsigned char *)pts;
    for (size_t i = 0; i < sizeof *pts * (size_t)n; i++)
        h = (h ^ q[i]) * UINT64_C(0x100000001b3);
    return h;
}

static void kept_to_result(const struct fit_kept *k, struct decay_result *r)
{
    memset(r, 0, sizeof *r);
    r->method = k->method;
    r->n_points = k->n_points;
    r->c_h = k->c_h;
    r->theta = k->theta;
    r->rms = k->rms;
    r->half_life_h = k->half_life_h;
    r->t90_h = k->t90_h;
}

static void result_to_kept(const struct decay_result *r, uint64_t fp, struct fit_kept *k)
{
    *k = (struct fit_kept){ .have = true, .fresh = true, .fp = fp, .method = r->method, .n_points = r->n_points,
                            .c_h = r->c_h, .theta = r->theta, .rms = r->rms, .half_life_h = r->half_life_h,
                            .t90_h = r->t90_h };
}

/* The history fits of idx[0..n) with the built-in prior: kept ones reused, the others fitted. */
static int history_fits(struct fit_batch *b, int metric, const struct decay_prior *base, double horizon,
                        const int *idx, int n, struct decay_result *res, int threads, struct decay_point *pts,
                        int *nfit, struct xerr *err)
{
    int *miss = xcalloc((size_t)(n ? n : 1), sizeof *miss), *at = xcalloc((size_t)(n ? n : 1), sizeof *at);
    uint64_t *fps = xcalloc((size_t)(n ? n : 1), sizeof *fps);
    int nm = 0, rc;
    for (int j = 0; j < n; j++) {
        struct fit_post *p = &b->posts[idx[j]];
        fps[j] = fit_points_fp(pts, fit_post_points(b, p, metric, pts), horizon);
        if (p->kept[metric].have && p->kept[metric].fp == fps[j]) {
            kept_to_result(&p->kept[metric], &res[j]);
        } else {
            at[nm] = j;
            miss[nm++] = idx[j];
        }
    }
    struct decay_result *mres = xcalloc((size_t)(nm ? nm : 1), sizeof *mres);
    if (!(rc = fit_many(b, metric, base, horizon, miss, nm, mres, threads, err)))
        for (int k = 0; k < nm; k++) {
            res[at[k]] = mres[k];
            result_to_kept(&mres[k], fps[at[k]], &b->posts[miss[k]].kept[metric]);
        }
    free(mres);
    free(fps);
    free(at);
    free(miss);
    *nfit = nm;
    return rc;
}

int fit_account_prior(struct fit_batch *b, int metric, double horizon, int threads, struct fit_pool *out,
                      struct xerr *err)
{
    struct decay_prior base;
    decay_prior_default(&base);
    out->prior = base;
    out->n_fitted = 0;
    int *idx = xcalloc((size_t)(b->nposts ? b->nposts : 1), sizeof *idx);
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    int n = 0, rc = 0;
    for (int i = 0; i < b->nposts; i++) {
        const struct fit_post *p = &b->posts[i];
        if (!p->in_history)
            continue;
        int np = decay_clean(pts, fit_post_points(b, p, metric, pts));
        if (np >= 3 && pts[np - 1].age_h >= 24.0 && pts[np - 1].count > 0)
            idx[n++] = i;
    }
    struct decay_result *res = xcalloc((size_t)(n ? n : 1), sizeof *res);
    if ((rc = history_fits(b, metric, &base, horizon, idx, n, res, threads, pts, &out->n_fitted, err)))
        goto out;
    decay_prior_estimate(res, n, &base, &out->prior);
    pooled_half_life(b, metric, horizon, idx, res, n, out, pts);
    sh_rule(b, metric, horizon, &out->prior, pts);
out:
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
 * The forecaster of this training set: the kept one when its fingerprint is
 * this set's (restored: the same model), else trained and packed into kept
 * (fresh).  0, or -1 on ENOMEM.
 */
static int keep_or_train(struct fc_model *m, const struct fc_ref *own, int nrec, double scale, struct fit_fcm *kept)
{
    uint64_t fp = fc_train_fp(own, nrec, global_refs, n_global_refs, scale, 0.90);
    int r = 1;
    if (kept->have && kept->fp == fp)
        r = fc_model_restore(m, own, nrec, global_refs, n_global_refs, scale, 0.90, kept->blob, kept->len);
    if (r <= 0)
        return r;
    if (fc_train(m, own, nrec, global_refs, n_global_refs, scale, 0.90))
        return -1;
    unsigned char *blob;
    size_t len;
    if (fc_model_pack(m, &blob, &len))
        return -1;
    free(kept->blob);
    *kept = (struct fit_fcm){ .have = true, .fresh = true, .fp = fp, .blob = blob, .len = len };
    return 0;
}

/*
 * Trains the forecaster for one metric on the account's matured posts of the
 * 90 days before as-of (the most recent FC_OWN_MAX), pooled with the shipped
 * set while they are few.  The reference posts' Lomax forecasts use the
 * account's shape prior without its SH row (which was fitted on their own
 * 7-day values).  A model with no references is left empty.
 */
static int train_forecaster(const struct fit_batch *b, int metric, const struct decay_prior *prior, struct fc_model *m,
                            struct fit_fcm *kept, struct xerr *err)
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
        const struct fit_post *p = &b->posts[rec[k].i];
        int np = decay_clean(pts, fit_post_points(b, p, metric, pts));
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
    if (keep_or_train(m, own, nrec, scale, kept))
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
static void apply_forecaster(struct fit_batch *b, int metric, const struct fc_model *m, double pool_hl,
                             double pool_t90, const int *idx, int n)
{
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    for (int k = 0; k < n; k++) {
        struct fit_post *p = &b->posts[idx[k]];
        struct decay_result *r = &p->res[metric];
        struct fc_forecast *fc = &p->fc[metric];
        fc->p05 = fc->p50 = fc->p95 = NAN;
        p->hl_pooled[metric] = false;
        if (r->method == DECAY_NONE)
            continue;
        int np = decay_clean(pts, fit_post_points(b, p, metric, pts));
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


int fit_metric(struct fit_batch *b, int m, const struct fit_pool *pool, double horizon, int threads, const int *idx,
               int n, long *by_method, struct xerr *err)
{
    struct decay_result *res = xcalloc((size_t)(n ? n : 1), sizeof *res);
    int rc = fit_many(b, m, &pool->prior, horizon, idx, n, res, threads, err);
    if (!rc)
        for (int k = 0; k < n; k++) {
            b->posts[idx[k]].res[m] = res[k];
            by_method[res[k].method]++;
        }
    free(res);
    return rc;
}

struct trainjob {
    struct fit_batch *b;
    const struct fit_pool *pools;
    struct fc_model *fcm;
    int self, nthreads, rc;
    struct xerr err;
};

/* Metrics self, self + nthreads, …: each metric's training reads only the batch and its prior. */
static void *train_worker(void *arg)
{
    struct trainjob *j = arg;
    for (int m = j->self; m < FIT_NMETRIC && !j->rc; m += j->nthreads)
        j->rc = train_forecaster(j->b, m, &j->pools[m].prior, &j->fcm[m], &j->b->fcm[m], &j->err);
    return NULL;
}

int fit_forecasters(struct fit_batch *b, const struct fit_pool *pools, double horizon, int threads, const int *idx,
                    int n, struct xerr *err)
{
    struct fc_model fcm[FIT_NMETRIC];
    memset(fcm, 0, sizeof fcm);
    int rc = 0, nt = threads < 0 ? -threads : threads;
    nt = nt < 1 ? 1 : nt > FIT_NMETRIC ? FIT_NMETRIC : nt;
    if (n > 0 && horizon == DECAY_HORIZON_H) {
        struct trainjob jobs[FIT_NMETRIC];
        pthread_t tid[FIT_NMETRIC];
        int started = 1;
        for (int t = 0; t < nt; t++)
            jobs[t] = (struct trainjob){ b, pools, fcm, t, nt, 0, { 0 } };
        for (; started < nt; started++)
            if (pthread_create(&tid[started], NULL, train_worker, &jobs[started]) != 0)
                break;
        if (started < nt) /* could not start them all: the main thread takes the rest */
            for (int t = started; t < nt; t++)
                train_worker(&jobs[t]);
        train_worker(&jobs[0]);
        for (int t = 1; t < started; t++)
            pthread_join(tid[t], NULL);
        for (int t = 0; t < nt && !rc; t++)
            if (jobs[t].rc) {
                rc = jobs[t].rc;
                *err = jobs[t].err;
            }
    }
    for (int m = 0; m < FIT_NMETRIC; m++)
        b->fc_trained += b->fcm[m].fresh;
    for (int m = 0; m < FIT_NMETRIC; m++) {
        if (!rc)
            apply_forecaster(b, m, &fcm[m], pools[m].half_life_h, pools[m].t90_h, idx, n);
        fc_model_free(&fcm[m]);
    }
    return rc;
}
