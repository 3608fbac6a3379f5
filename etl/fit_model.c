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

#define THREAD_MIN_FITS 512    /* below this one thread is faster than starting two */

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

int fit_post_clean(const struct fit_batch *b, const struct fit_post *p, int metric, struct decay_point *out)
{
    int n = decay_clean(out, fit_post_points(b, p, metric, out));
    if (n < 0) {
        fputs("xetl: fatal: out of memory\n", stderr);
        abort();
    }
    return n;
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
        int np = fit_post_clean(b, &b->posts[idx[j]], metric, pts);
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
        int np = fit_post_clean(b, p, metric, pts);
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
        int np = fit_post_clean(b, p, metric, pts);
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
