/*
 * etl/fit_write.c — the fit stage's writer (see fit_write.h).
 */
#include "etl/fit_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/json.h"
#include "etl/db.h"

/* Display precision of the stored curves: what readers (attribution, reports) have always read. */
#define CURVE_DIGITS 6

static void jnum(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    jw_numg(w, v, CURVE_DIGITS);
}

static void curve_json(struct jw *w, const struct decay_result *r, const struct fc_forecast *fc, bool hl_pooled,
                       const char *asof_txt)
{
    bool stack = isfinite(fc->p50);
    jw_obj(w);
    jw_key(w, "model");
    jw_str(w, "lomax");
    jw_key(w, "method");
    jw_str(w, decay_method_name(r->method));
    jw_key(w, "forecast");
    jw_str(w, stack ? "stack" : "lomax");
    jnum(w, "p05_7d", stack ? fc->p05 : r->n_h_lo);
    jnum(w, "p50_7d", r->n_h);
    jnum(w, "p95_7d", stack ? fc->p95 : r->n_h_hi);
    if (isfinite(r->half_life_h)) {
        jw_key(w, "half_life_source");
        jw_str(w, hl_pooled ? "pooled" : "data");
    }
    jnum(w, "A", r->A);
    jnum(w, "c_h", r->c_h);
    jnum(w, "theta", r->theta);
    jw_key(w, "n_points");
    jw_int(w, r->n_points);
    jnum(w, "horizon_h", r->horizon_h);
    jnum(w, "value_7d", r->n_h);
    jnum(w, "lo90_7d", r->n_h_lo);
    jnum(w, "hi90_7d", r->n_h_hi);
    jnum(w, "half_life_h", r->half_life_h);
    jnum(w, "t90_h", r->t90_h);
    jnum(w, "decay_rate_24h", r->decay_rate_24h);
    jnum(w, "se_log_c", r->se_logc);
    jnum(w, "se_log_theta", r->se_logtheta);
    jnum(w, "rms_log_residual", r->rms);
    jnum(w, "last_age_h", r->last_age_h);
    jnum(w, "last_count", r->last_count);
    jw_key(w, "checkpoints");
    jw_obj(w);
    for (int k = 0; k < DECAY_NCHECK; k++)
        jnum(w, decay_check_names[k], r->check[k]);
    jw_obj_end(w);
    jw_key(w, "as_of");
    jw_str(w, asof_txt);
    jw_obj_end(w);
}

void fit_decay_json(struct sbuf *sb, const struct fit_post *p, const char *asof_txt)
{
    struct jw w;
    jw_init(&w, sb);
    jw_obj(&w);
    jw_key(&w, "decay");
    jw_obj(&w);
    for (int m = 0; m < FIT_NMETRIC; m++) {
        if (p->res[m].method == DECAY_NONE)
            continue;
        jw_key(&w, fit_metric_names[m]);
        curve_json(&w, &p->res[m], &p->fc[m], p->hl_pooled[m], asof_txt);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
}

/* An integer column: NULL when unknown or beyond the integer columns' range. */
static void copy_int(struct db_copy *c, double v)
{
    if (!isfinite(v) || fabs(v) > 2e9)
        db_copy_null(c);
    else
        db_copy_int64(c, (int64_t)llround(v));
}

/* Ends a COPY: committed when every row went in (rc 0), else aborted with rc kept. */
static int copy_finish(struct db_copy *c, int rc, struct xerr *err)
{
    if (rc) {
        struct xerr ignore;
        db_copy_close(c, "fit: aborted", NULL, &ignore);
        return rc;
    }
    return db_copy_close(c, NULL, NULL, err);
}

/* One fit_out row: the derived columns of a post in range and its metadata. */
static void out_row(struct db_copy *c, const struct fit_batch *b, const struct fit_post *p, struct decay_point *pts,
                    struct sbuf *js, const char *asof_txt)
{
    const struct decay_result *lk = &p->res[FIT_LIKES], *en = &p->res[FIT_ENGAGEMENTS], *im = &p->res[FIT_IMPRESSIONS];
    bool curve = en->method == DECAY_LOMAX || en->method == DECAY_POOLED;
    double er = NAN;
    if (isfinite(en->n_h) && im->n_h > 0 && isfinite(im->n_h))
        er = en->n_h / im->n_h;
    double peak_h = NAN;
    if (!decay_peak(pts, fit_post_points(b, p, FIT_ENGAGEMENTS, pts), &peak_h))
        peak_h = NAN;
    sbuf_reset(js);
    fit_decay_json(js, p, asof_txt);
    db_copy_text(c, p->tweet_id);
    db_copy_text(c, p->kind);
    copy_int(c, lk->n_h);
    db_copy_double(c, er);
    copy_int(c, curve ? en->half_life_h * 60.0 : NAN);
    db_copy_double(c, curve ? en->decay_rate_24h : NAN);
    db_copy_double(c, curve ? en->t90_h : NAN);
    copy_int(c, peak_h * 60.0);
    db_copy_double(c, isfinite(peak_h) ? (double)p->posted_at + peak_h * 3600.0 : NAN);
    db_copy_textn(c, js->buf, js->len);
}

static int copy_out(struct db *db, const struct fit_batch *b, const char *asof_txt, struct xerr *err)
{
    struct db_copy *c;
    int rc = db_copy_open(db, "COPY fit_out FROM STDIN", &c, err);
    if (rc)
        return rc;
    struct sbuf js;
    sbuf_init(&js);
    struct decay_point *pts = xmalloc(sizeof *pts * (size_t)(b->maxn ? b->maxn : 1));
    for (int i = 0; i < b->nposts && !rc; i++) {
        if (!b->posts[i].in_range)
            continue;
        out_row(c, b, &b->posts[i], pts, &js, asof_txt);
        rc = db_copy_end_row(c, err);
    }
    free(pts);
    sbuf_release(&js);
    return copy_finish(c, rc, err);
}

/* Forecasts (made before the horizon) of in-range posts. */
static int copy_pred(struct db *db, const struct fit_batch *b, int64_t as_of, double horizon, struct xerr *err)
{
    struct db_copy *c;
    int rc = db_copy_open(db, "COPY fit_pred FROM STDIN", &c, err);
    if (rc)
        return rc;
    for (int i = 0; i < b->nposts && !rc; i++) {
        const struct fit_post *p = &b->posts[i];
        if (!p->in_range)
            continue;
        for (int m = 0; m < FIT_NMETRIC && !rc; m++) {
            const struct decay_result *r = &p->res[m];
            if (r->method == DECAY_NONE || !isfinite(r->n_h) || !(r->last_age_h < horizon))
                continue;
            db_copy_text(c, p->tweet_id);
            db_copy_text(c, fit_metric_names[m]);
            db_copy_double(c, (double)(as_of - p->posted_at) / 3600.0);
            db_copy_int64(c, r->n_points);
            db_copy_text(c, decay_method_name(r->method));
            db_copy_double(c, r->n_h);
            db_copy_double(c, r->n_h_lo);
            db_copy_double(c, r->n_h_hi);
            rc = db_copy_end_row(c, err);
        }
    }
    return copy_finish(c, rc, err);
}

/* Observed 7-day values of every loaded post (scoring reaches past the range). */
static int copy_actual(struct db *db, const struct fit_batch *b, struct xerr *err)
{
    struct db_copy *c;
    int rc = db_copy_open(db, "COPY fit_actual FROM STDIN", &c, err);
    if (rc)
        return rc;
    for (int i = 0; i < b->nposts && !rc; i++)
        for (int m = 0; m < FIT_NMETRIC && !rc; m++) {
            if (!isfinite(b->posts[i].actual[m]))
                continue;
            db_copy_text(c, b->posts[i].tweet_id);
            db_copy_text(c, fit_metric_names[m]);
            db_copy_double(c, b->posts[i].actual[m]);
            rc = db_copy_end_row(c, err);
        }
    return copy_finish(c, rc, err);
}

/* The history fits this run made, to be kept (xetl.fit_history). */
static int copy_kept(struct db *db, const struct fit_batch *b, struct xerr *err)
{
    struct db_copy *c;
    int rc = db_copy_open(db, "COPY fit_hist FROM STDIN", &c, err);
    if (rc)
        return rc;
    for (int i = 0; i < b->nposts && !rc; i++)
        for (int m = 0; m < FIT_NMETRIC && !rc; m++) {
            const struct fit_kept *k = &b->posts[i].kept[m];
            if (!k->fresh)
                continue;
            db_copy_text(c, b->posts[i].tweet_id);
            db_copy_text(c, fit_metric_names[m]);
            db_copy_time(c, b->posts[i].posted_at);
            db_copy_int64(c, (int64_t)k->fp);
            db_copy_int64(c, k->method);
            db_copy_int64(c, k->n_points);
            db_copy_double(c, k->c_h);
            db_copy_double(c, k->theta);
            db_copy_double(c, k->rms);
            db_copy_double(c, k->half_life_h);
            db_copy_double(c, k->t90_h);
            rc = db_copy_end_row(c, err);
        }
    return copy_finish(c, rc, err);
}

static int save_kept(struct db *db, const char *acc, int64_t as_of, const struct fit_batch *b, struct xerr *err)
{
    char hfrom[64];
    db_fmt_time(hfrom, sizeof hfrom, as_of - (int64_t)FIT_HISTORY_DAYS * XTIME_DAY);
    const char *p2[2] = { acc, hfrom };
    int rc;
    if ((rc = db_cmd(db, "fit/history_prune", 2, p2, NULL, err)) ||
        (rc = db_cmd(db, "fit/history_temp", 0, NULL, NULL, err)) || (rc = copy_kept(db, b, err)) ||
        (rc = db_cmd(db, "fit/history_save", 1, p2, NULL, err)))
        return rc;
    return 0;
}

/* The forecasters trained this run, kept for the next (xetl.fit_models; the model as hex text). */
static int save_models(struct db *db, const char *acc, const struct fit_batch *b, struct xerr *err)
{
    static const char digits[] = "0123456789abcdef";
    int rc = 0;
    for (int m = 0; m < FIT_NMETRIC && !rc; m++) {
        const struct fit_fcm *k = &b->fcm[m];
        if (!k->fresh)
            continue;
        char fp[32], *hex = xmalloc(2 * k->len + 1);
        for (size_t i = 0; i < k->len; i++) {
            hex[2 * i] = digits[k->blob[i] >> 4];
            hex[2 * i + 1] = digits[k->blob[i] & 15];
        }
        hex[2 * k->len] = 0;
        snprintf(fp, sizeof fp, "%lld", (long long)(int64_t)k->fp);
        const char *params[4] = { acc, fit_metric_names[m], fp, hex };
        rc = db_cmd(db, "fit/models_save", 4, params, NULL, err);
        free(hex);
    }
    return rc;
}

int fit_write(struct db *db, int64_t account_id, const struct stage_args *a, const struct fit_batch *b,
              double horizon, long *rows, struct xerr *err)
{
    char acc[32], asof[64], asof_txt[64];
    db_fmt_long(acc, sizeof acc, (long)account_id);
    db_fmt_time(asof, sizeof asof, a->as_of);
    xtime_format(a->as_of, asof_txt, sizeof asof_txt);
    const char *p2[2] = { acc, asof };
    int rc;
    if ((rc = db_cmd(db, "fit/compression", 0, NULL, NULL, err)) || (rc = db_cmd(db, "fit/temp_out", 0, NULL, NULL, err)) ||
        (rc = db_cmd(db, "fit/temp_pred", 0, NULL, NULL, err)) ||
        (rc = db_cmd(db, "CREATE TEMP TABLE fit_actual (tweet_id text, metric text, actual float8) ON COMMIT DROP", 0,
                     NULL, NULL, err)) ||
        (rc = copy_out(db, b, asof_txt, err)) || (rc = copy_pred(db, b, a->as_of, horizon, err)) ||
        (rc = copy_actual(db, b, err)))
        return rc;
    /* Statistics for the joins below (temp tables are never auto-analyzed). */
    if ((rc = db_cmd(db, "ANALYZE fit_out (tweet_id, kind), fit_pred (tweet_id, metric), fit_actual", 0, NULL, NULL, err)))
        return rc;
    /* In order; the rows each changes are counted, but for the DELETE (a cleanup, not a result). */
    static const struct {
        const char *name;
        int nparams;
        bool counted;
    } steps[] = {
        { "fit/upsert_posts", 1, true },        { "fit/update_replies", 1, true },
        { "fit/delete_stale", 2, false },       { "fit/upsert_predictions", 2, true },
        { "fit/score_predictions", 2, true },   { "fit/score_posts", 2, true },
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        long n = 0;
        if ((rc = db_cmd(db, steps[i].name, steps[i].nparams, p2, &n, err)))
            return rc;
        if (steps[i].counted)
            *rows += n;
    }
    if ((rc = save_kept(db, acc, a->as_of, b, err)))
        return rc;
    return save_models(db, acc, b, err);
}
