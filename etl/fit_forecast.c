/*
 * etl/fit_forecast.c — the fit stage's stacked forecaster (see fit_forecast.h):
 * trained per metric on the account's matured posts, or restored from what
 * an earlier run kept of the same training set, then applied to the posts
 * in range.
 */
#include "etl/fit_forecast.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "stats/reference.h"

#define FC_OWN_MAX 400         /* the account's most recent matured posts used as forecaster references */
#define FC_MAX_AGE_H 72.0      /* posts observed past this: their own curve carries the forecast */
/* Bump when a change here changes the references or the model made of the same inputs. */
#define FIT_FORECAST_VERSION 1

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

/* The account's matured posts of the history with a 7-day value, most recent first, at most FC_OWN_MAX. */
static int recent_matured(const struct fit_batch *b, int metric, struct recent *rec)
{
    int nrec = 0;
    for (int i = 0; i < b->nposts; i++)
        if (b->posts[i].in_history && isfinite(b->posts[i].actual[metric]))
            rec[nrec++] = (struct recent){ b->posts[i].posted_at, i };
    qsort(rec, (size_t)nrec, sizeof *rec, cmp_recent);
    return nrec > FC_OWN_MAX ? FC_OWN_MAX : nrec;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *q = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ q[i]) * UINT64_C(0x100000001b3);
    return h;
}

/*
 * The fingerprint of everything a metric's forecaster is made from: the
 * versions of the fits and of this code, the prior the references are fitted
 * with (field by field: no padding), the global set, and each reference
 * post's 7-day value and cleaned samples, in order.  The same fingerprint,
 * the same references, scale and model to the last bit.
 */
static uint64_t training_fp(const struct fit_batch *b, int metric, const struct recent *rec, int nrec,
                            const struct decay_prior *pr, struct decay_point *pts)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a, 64 bits */
    int32_t head[6] = { FIT_MODEL_VERSION, FIT_FORECAST_VERSION, pr->n_posts, pr->sh_n, n_global_refs, nrec };
    double dp[6] = { pr->mu_logc, pr->sd_logc, pr->mu_logtheta, pr->sd_logtheta, pr->rho, pr->sigma };
    h = fnv(h, head, sizeof head);
    h = fnv(h, dp, sizeof dp);
    h = fnv(h, pr->sh_alpha, sizeof pr->sh_alpha);
    h = fnv(h, pr->sh_sd, sizeof pr->sh_sd);
    if (n_global_refs > 0)
        h = fnv(h, global_refs, sizeof *global_refs * (size_t)n_global_refs);
    for (int k = 0; k < nrec; k++) {
        const struct fit_post *p = &b->posts[rec[k].i];
        int32_t np = fit_post_clean(b, p, metric, pts);
        h = fnv(h, &p->actual[metric], sizeof p->actual[metric]);
        h = fnv(h, &np, sizeof np);
        h = fnv(h, pts, sizeof *pts * (size_t)np);
    }
    return h;
}

/*
 * The references' rows for the forecaster: each post's counts at the anchors
 * and its Lomax forecast from its data up to each (fitted with pr), and the
 * global set's scale (the account's typical 24 h count over the set's).
 * 0, or -1 on ENOMEM.
 */
static int make_refs(const struct fit_batch *b, int metric, const struct recent *rec, int nrec,
                     const struct decay_prior *pr, struct decay_point *pts, struct fc_ref *own, double *scale)
{
    struct decay_ws *ws = decay_ws_new();
    double *y24 = xcalloc((size_t)(nrec ? nrec : 1), sizeof *y24), *g24 = NULL;
    int rc = ws ? 0 : -1, n24 = 0;
    for (int k = 0; k < nrec && !rc; k++) {
        const struct fit_post *p = &b->posts[rec[k].i];
        int np = fit_post_clean(b, p, metric, pts);
        struct decay_result full;
        if (p->in_range && np > 0 && pts[np - 1].age_h >= DECAY_HORIZON_H) {
            /* Its curve in range is this fit: the same samples (cleaning twice is cleaning once) and
             * a prior that differs only in the SH row, which a post observed past H does not use. */
            full = p->res[metric];
        } else if (decay_fit(ws, pts, np, pr, DECAY_HORIZON_H, &full) < 0) {
            rc = -1;
            break;
        }
        own[k].y7 = p->actual[metric];
        anchor_values(pts, np, &full, own[k].y);
        for (int a = 0; a < FC_NANCHOR; a++) {
            own[k].lomax7[a] = NAN;
            int nt = 0;
            while (nt < np && pts[nt].age_h <= fc_anchor_h[a] + 0.5)
                nt++;
            struct decay_result tr;
            if (nt > 0 && isfinite(own[k].y[a]) && decay_fit(ws, pts, nt, pr, DECAY_HORIZON_H, &tr) == 0)
                own[k].lomax7[a] = tr.n_h;
        }
        if (own[k].y[2] > 0)
            y24[n24++] = own[k].y[2];
    }
    /* The shipped cascades, scaled to the account's typical 24 h count. */
    *scale = 1.0;
    if (!rc && n24 >= 5 && n_global_refs > 0) {
        double med, sd, gmed;
        decay_robust_stats(y24, n24, &med, &sd);
        g24 = xcalloc((size_t)n_global_refs, sizeof *g24);
        for (int i = 0; i < n_global_refs; i++)
            g24[i] = global_refs[i].y[2];
        decay_robust_stats(g24, n_global_refs, &gmed, &sd);
        if (gmed > 0 && med > 0)
            *scale = med / gmed;
    }
    decay_ws_free(ws);
    free(g24);
    free(y24);
    return rc;
}

/*
 * The kept bytes: the number of references, the scale, the references' rows
 * and fc_model_pack's bytes.  Restoring needs no fit: 0 restored, 1 not
 * these (m empty), -1 ENOMEM.
 */
#define KEPT_HEAD (sizeof(int32_t) + sizeof(double))

static int restore_kept(struct fc_model *m, int nrec, const struct fit_fcm *kept)
{
    int32_t n;
    double scale;
    size_t refs = sizeof(struct fc_ref) * (size_t)nrec;
    if (!kept->blob || kept->len < KEPT_HEAD)
        return 1;
    memcpy(&n, kept->blob, sizeof n);
    memcpy(&scale, kept->blob + sizeof n, sizeof scale);
    if (n != nrec || kept->len < KEPT_HEAD + refs)
        return 1;
    struct fc_ref *own = xmalloc(refs ? refs : 1);
    memcpy(own, kept->blob + KEPT_HEAD, refs);
    int r = fc_model_restore(m, own, nrec, global_refs, n_global_refs, scale, 0.90, kept->blob + KEPT_HEAD + refs,
                             kept->len - KEPT_HEAD - refs);
    free(own);
    return r;
}

/* Trains on own and packs it with them into kept (fresh, fingerprint fp).  0, or -1 on ENOMEM. */
static int train_and_keep(struct fc_model *m, const struct fc_ref *own, int nrec, double scale, uint64_t fp,
                          struct fit_fcm *kept)
{
    if (fc_train(m, own, nrec, global_refs, n_global_refs, scale, 0.90))
        return -1;
    unsigned char *packed;
    size_t plen, refs = sizeof *own * (size_t)nrec;
    if (fc_model_pack(m, &packed, &plen))
        return -1;
    unsigned char *blob = xmalloc(KEPT_HEAD + refs + plen);
    int32_t n = nrec;
    memcpy(blob, &n, sizeof n);
    memcpy(blob + sizeof n, &scale, sizeof scale);
    memcpy(blob + KEPT_HEAD, own, refs);
    memcpy(blob + KEPT_HEAD + refs, packed, plen);
    free(packed);
    free(kept->blob);
    *kept = (struct fit_fcm){ .have = true, .fresh = true, .fp = fp, .blob = blob, .len = KEPT_HEAD + refs + plen };
    return 0;
}

/*
 * The forecaster for one metric, trained on the account's matured posts of
 * the 90 days before as-of (the most recent FC_OWN_MAX), pooled with the
 * shipped set while they are few.  The reference posts' Lomax forecasts use
 * the account's shape prior without its SH row (which was fitted on their
 * own 7-day values).  When kept holds the forecaster of the same inputs
 * (training_fp), it is restored instead: no reference fits, no training.
 * A model with no references is left empty.
 */
static int train_forecaster(const struct fit_batch *b, int metric, const struct decay_prior *prior, struct fc_model *m,
                            struct fit_fcm *kept, struct xerr *err)
{
    pthread_once(&global_once, global_init);
    struct recent *rec = xcalloc((size_t)(b->nposts ? b->nposts : 1), sizeof *rec);
    int nrec = recent_matured(b, metric, rec), r = 1;
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    struct fc_ref *own = NULL;
    struct decay_prior noshr = *prior;
    noshr.sh_n = 0;
    uint64_t fp = training_fp(b, metric, rec, nrec, &noshr, pts);
    if (kept->have && kept->fp == fp)
        r = restore_kept(m, nrec, kept);
    if (r == 1) {
        double scale;
        own = xcalloc((size_t)(nrec ? nrec : 1), sizeof *own);
        r = make_refs(b, metric, rec, nrec, &noshr, pts, own, &scale);
        if (!r)
            r = train_and_keep(m, own, nrec, scale, fp, kept);
    }
    free(own);
    free(pts);
    free(rec);
    return r < 0 ? xerr_set(err, XETL_EX_SOFTWARE, "out of memory") : 0;
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
        int np = fit_post_clean(b, p, metric, pts);
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
