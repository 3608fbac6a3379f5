/*
 * etl/attribute.c — the attribute stage (see etl/attribute.h): loads one
 * account's posts, exposure, follower samples and daily exports, fits the
 * model (stats/attrib.h), writes each post's windows.  The pure part is
 * etl/attribute_model.c; the statements are sql/queries/attribute/.
 */
#include "etl/attribute.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sbuf.h"
#include "etl/attribute_model.h"
#include "etl/db.h"
#include "stats/attrib.h"

#define HORIZON_S ((int64_t)(ATTRIB_HORIZON_H * ATTR_HOUR))

static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* A number stored as JSON text (->>), NAN unless all of it is one. */
static double num_or_nan(const struct db_res *res, int row, int col)
{
    const char *s = db_get_text(res, row, col);
    if (!s || !*s)
        return NAN;
    char *end;
    double v = strtod(s, &end);
    return *end ? NAN : v;
}

/* The four time-ranged loads share their parameters: account, from, to[, as-of]. */
static int query4(struct db *db, const char *name, const struct account *acct, int64_t lo, int64_t hi, int64_t as_of,
                  int nparams, struct db_res **res, struct xerr *err)
{
    char sid[32], slo[40], shi[40], sas[40];
    snprintf(sid, sizeof sid, "%lld", (long long)acct->id);
    const char *prm[] = { sid, db_fmt_time(slo, sizeof slo, lo), db_fmt_time(shi, sizeof shi, hi),
                          db_fmt_time(sas, sizeof sas, as_of) };
    return db_query(db, name, nparams, prm, res, err);
}

static void post_row(struct attr_run *r, const struct db_res *res, int i, const struct xrange *range)
{
    struct apost *p = &r->p[i];
    struct attrib_post *a = &r->ap[i];
    snprintf(p->tweet_id, sizeof p->tweet_id, "%s", db_get_text(res, i, 0));
    snprintf(p->decision_id, sizeof p->decision_id, "%s", db_get_text(res, i, 1) ? db_get_text(res, i, 1) : "");
    p->posted_at = db_get_epoch(res, i, 2, 0);
    snprintf(p->group, sizeof p->group, "%s", db_get_text(res, i, 3) ? db_get_text(res, i, 3) : "");
    p->in_range = p->posted_at >= range->from && p->posted_at < range->to;
    p->known = db_get_double(res, i, 9, NAN);
    p->known_as_of = db_get_epoch(res, i, 10, 0);
    a->posted_at = p->posted_at;
    a->group = attr_group_index(r, p->group);
    a->known_follows = p->known;
    /* Without a curve: the latest impressions at their age (the horizon when unknown). */
    double imp = db_get_double(res, i, 7, 0.0);
    int64_t scraped = db_get_epoch(res, i, 8, 0);
    double age = scraped > p->posted_at ? (double)(scraped - p->posted_at) / ATTR_HOUR : ATTRIB_HORIZON_H;
    p->exposure_source = attr_exposure(num_or_nan(res, i, 4), num_or_nan(res, i, 5), num_or_nan(res, i, 6), imp,
                                       age, isfinite(p->known), &a->exposure);
}

static int load_posts(struct db *db, const struct account *acct, int64_t lo, int64_t hi, int64_t as_of,
                      const struct xrange *range, struct attr_run *r, struct xerr *err)
{
    struct db_res *res;
    int rc = query4(db, "attribute/posts", acct, lo, hi, as_of, 4, &res, err);
    if (rc)
        return rc;
    int n = db_nrows(res);
    r->p = xcalloc((size_t)n + 1, sizeof *r->p);
    r->ap = xcalloc((size_t)n + 1, sizeof *r->ap);
    r->np = n;
    for (int i = 0; i < n; i++)
        post_row(r, res, i, range);
    db_res_free(res);
    return 0;
}

/* Impression snapshots for posts without a fitted curve, in the posts' order: only theirs are read. */
static int load_snapshots(struct db *db, const struct account *acct, int64_t lo, int64_t hi, int64_t as_of,
                          struct attr_run *r, struct xerr *err)
{
    struct sbuf ids;
    sbuf_init(&ids);
    sbuf_addc(&ids, '{');
    int nids = 0;
    for (int j = 0; j < r->np; j++)
        if (strcmp(r->p[j].exposure_source, "decay")) /* xetl.posts ids are digits: nothing to quote */
            sbuf_addf(&ids, "%s%s", nids++ ? "," : "", r->p[j].tweet_id);
    sbuf_addc(&ids, '}');
    char sid[32], slo[40], shi[40], sas[40];
    snprintf(sid, sizeof sid, "%lld", (long long)acct->id);
    const char *prm[] = { sid, db_fmt_time(slo, sizeof slo, lo), db_fmt_time(shi, sizeof shi, hi),
                          db_fmt_time(sas, sizeof sas, as_of), ids.buf };
    struct db_res *res = NULL;
    int rc = nids ? db_query(db, "attribute/snapshots", 5, prm, &res, err) : 0;
    sbuf_release(&ids);
    if (rc || !res)
        return rc;
    int n = db_nrows(res), i = 0;
    for (int j = 0; j < r->np && i < n; j++) {
        struct apost *p = &r->p[j];
        int start = i;
        while (i < n && !strcmp(db_get_text(res, i, 0), p->tweet_id))
            i++;
        if (i == start || !strcmp(p->exposure_source, "decay"))
            continue;
        int m = i - start;
        p->age_h = xcalloc((size_t)m, sizeof(double));
        p->cum = xcalloc((size_t)m, sizeof(double));
        for (int k = 0; k < m; k++) {
            p->age_h[k] = db_get_double(res, start + k, 1, NAN);
            p->cum[k] = db_get_double(res, start + k, 2, NAN);
        }
        p->n_pts = m;
        r->ap[j].exposure = (struct attrib_curve){ .kind = ATTRIB_CURVE_POINTS, .age_h = p->age_h, .cum = p->cum,
                                                   .n = m };
        p->exposure_source = "snapshots";
    }
    db_res_free(res);
    return 0;
}

/* Follower samples in [the last one at or before lo, hi]; one per second, api first. */
static int load_samples(struct db *db, const struct account *acct, int64_t lo, int64_t hi, struct attr_run *r,
                        struct xerr *err)
{
    struct db_res *res;
    int rc = query4(db, "attribute/samples", acct, lo, hi, 0, 3, &res, err);
    if (rc)
        return rc;
    int n = db_nrows(res);
    r->t = xcalloc((size_t)n + 1, sizeof(int64_t));
    r->F = xcalloc((size_t)n + 1, sizeof(double));
    for (int i = 0; i < n; i++) {
        r->t[i] = db_get_epoch(res, i, 0, 0);
        r->F[i] = db_get_double(res, i, 1, 0.0);
    }
    r->ns = n;
    db_res_free(res);
    return 0;
}

static int load_daily(struct db *db, const struct account *acct, int64_t lo, int64_t hi, struct attr_run *r,
                      struct xerr *err)
{
    struct db_res *res;
    int rc = query4(db, "attribute/daily", acct, lo, hi, 0, 3, &res, err);
    if (rc)
        return rc;
    int n = db_nrows(res);
    r->day = xcalloc((size_t)n + 1, sizeof(int64_t));
    r->new_f = xcalloc((size_t)n + 1, sizeof(double));
    r->unf = xcalloc((size_t)n + 1, sizeof(double));
    for (int i = 0; i < n; i++) {
        r->day[i] = db_get_epoch(res, i, 0, 0);
        r->new_f[i] = db_get_double(res, i, 1, 0.0);
        r->unf[i] = db_get_double(res, i, 2, 0.0);
    }
    r->nd = n;
    db_res_free(res);
    return 0;
}

/* Ends a COPY: kept when every row went in (rc 0), else aborted and rc returned. */
static int copy_finish(struct db_copy *c, int rc, struct xerr *err)
{
    struct xerr ignore;
    int closed = db_copy_close(c, rc ? "attribute: aborted" : NULL, NULL, rc ? &ignore : err);
    return rc ? rc : closed;
}

/* One window of post j: its attr_fa row; the two follower counts into before and after. */
static int copy_window(struct db_copy *c, const struct attr_run *r, int j, const struct attrib_result *res, int w,
                       int64_t as_of, struct sbuf *meta, double *before, double *after, struct xerr *err)
{
    const struct apost *p = &r->p[j];
    const struct attrib_post_result *pr = &res->posts[j];
    double W = attrib_windows_h[w];
    struct attr_window win = { .wi = w, .have_samples = r->ns > 0 };
    win.matured = p->posted_at + (int64_t)(W * ATTR_HOUR) <= as_of;
    *before = *after = NAN;
    if (win.have_samples) {
        int kb = attr_sample_before(r, p->posted_at), ka = attr_sample_after(r, p->posted_at + (int64_t)(W * ATTR_HOUR), &win.matured);
        *before = r->F[kb];
        *after = r->F[ka];
        win.before_at = r->t[kb];
        win.after_at = r->t[ka];
    }
    double credit = pr->credit[w];
    sbuf_reset(meta);
    attr_meta_json(meta, r, j, res, &win);
    char sgain[32], sconf[32], swin[32];
    snprintf(sgain, sizeof sgain, "%.0f", round(credit));
    snprintf(sconf, sizeof sconf, "%.4f", fmin(1.0, fmax(0.0, pr->conf[w])));
    snprintf(swin, sizeof swin, "%g", W);
    db_copy_text(c, p->decision_id);
    db_copy_text(c, p->tweet_id);
    db_copy_double(c, *before);
    db_copy_double(c, *after);
    db_copy_text(c, sgain);
    db_copy_text(c, sconf);
    db_copy_text(c, pr->known ? "platform_reported" : "exposure_regression");
    db_copy_text(c, swin);
    db_copy_double(c, w == ATTRIB_NWIN - 1 ? attr_retention(r, p->posted_at, as_of) : NAN);
    db_copy_textn(c, meta->buf, meta->len);
    db_copy_double(c, credit);
    return db_copy_end_row(c, err);
}

/* Whether post j gets rows: in the range and, without a model, with X's own count. */
static bool written(const struct attr_run *r, const struct attrib_result *res, bool known_only, int j)
{
    return r->p[j].in_range && !(known_only && !res->posts[j].known);
}

/* Every window of the written posts into attr_fa, their 168 h counts into before168/after168. */
static int copy_attributions(struct db *db, const struct attr_run *r, const struct attrib_result *res,
                             bool known_only, int64_t as_of, double *before168, double *after168,
                             struct stage_counts *counts, struct xerr *err)
{
    struct db_copy *c;
    int rc = db_copy_open(db, "COPY attr_fa FROM STDIN", &c, err);
    if (rc)
        return rc;
    struct sbuf meta;
    sbuf_init(&meta);
    for (int j = 0; j < r->np && !rc; j++) {
        if (!written(r, res, known_only, j))
            continue;
        for (int w = 0; w < ATTRIB_NWIN && !rc; w++) {
            double before, after;
            rc = copy_window(c, r, j, res, w, as_of, &meta, &before, &after, err);
            counts->attributions++;
            counts->rows++;
            if (w == ATTRIB_NWIN - 1) {
                before168[j] = before;
                after168[j] = after;
            }
        }
    }
    sbuf_release(&meta);
    return copy_finish(c, rc, err);
}

/* The 168 h counts of the written posts into attr_tac. */
static int copy_posts(struct db *db, const struct attr_run *r, const struct attrib_result *res, bool known_only,
                      const double *before168, const double *after168, struct stage_counts *counts,
                      struct xerr *err)
{
    struct db_copy *c;
    int rc = db_copy_open(db, "COPY attr_tac FROM STDIN", &c, err);
    if (rc)
        return rc;
    for (int j = 0; j < r->np && !rc; j++) {
        if (!written(r, res, known_only, j))
            continue;
        const struct apost *p = &r->p[j];
        char sgain[32], sfollows[32];
        snprintf(sgain, sizeof sgain, "%.0f", round(res->posts[j].credit[ATTRIB_NWIN - 1]));
        db_copy_text(c, p->decision_id);
        db_copy_text(c, p->tweet_id);
        db_copy_time(c, p->posted_at);
        db_copy_double(c, before168[j]);
        db_copy_double(c, after168[j]);
        db_copy_text(c, sgain);
        db_copy_text(c, isfinite(p->known) ? (snprintf(sfollows, sizeof sfollows, "%.0f", p->known), sfollows) : NULL);
        rc = db_copy_end_row(c, err);
        counts->rows++;
    }
    return copy_finish(c, rc, err);
}

/*
 * The model is fitted on a span that depends on the as-of alone (the tracked
 * window, and the range when it reaches further back), never on which posts
 * the command was asked about: otherwise `attribute` over a week and
 * `nightly` over a month would credit the same post differently.  The range
 * only chooses the rows written.  Posts are loaded from a further week back,
 * as their exposure overlaps the span.
 */
static int load_all(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
                    struct attr_run *r, struct xerr *err)
{
    long track_days = 30;
    int rc;
    if ((rc = config_get_long(cfg, "pull.track_days", &track_days, err)))
        return rc;
    int64_t window_lo = a->as_of - (int64_t)track_days * XTIME_DAY;
    int64_t span_lo = (a->range.from < window_lo ? a->range.from : window_lo) - HORIZON_S;
    int64_t span_hi = a->as_of;
    int64_t post_lo = span_lo - HORIZON_S;
    int64_t post_hi = span_hi; /* posts after the range share the range's samples */
    if ((rc = load_posts(db, acct, post_lo, post_hi + 1, a->as_of, &a->range, r, err)) ||
        (rc = load_snapshots(db, acct, post_lo, post_hi + 1, a->as_of, r, err)) ||
        (rc = load_samples(db, acct, span_lo, span_hi, r, err)) ||
        (rc = load_daily(db, acct, a->range.from - XTIME_DAY, a->range.to + 8 * XTIME_DAY, r, err)))
        return rc;
    return 0;
}

/*
 * The model: with fewer than 2 follower samples (an import-only account)
 * X's own per-post follows are still evidence; *skip when there is nothing
 * to attribute.
 */
static int model(const struct account *acct, const struct attr_run *r, const struct attrib_params *prm,
                 struct attrib_result *res, bool *known_only, bool *skip, struct stage_counts *counts,
                 struct xerr *err)
{
    *known_only = r->ns < 2;
    *skip = false;
    if (!*known_only) {
        int rc = attrib_fit(r->t, r->F, r->ns, r->ap, r->np, r->ng > 0 ? r->ng : 1, prm, res, err);
        if (rc)
            xerr_prefix(err, "attribute: account '%s': ", acct->handle);
        return rc;
    }
    int n_known = 0;
    for (int j = 0; j < r->np; j++)
        n_known += r->p[j].in_range && isfinite(r->p[j].known);
    if (n_known == 0) {
        log_warn("attribute: account '%s': %d follower sample(s) around the range, need 2, and no"
                 " platform-reported follows; nothing attributed",
                 acct->handle, r->ns);
        counts->warnings++;
        *skip = true;
        return 0;
    }
    log_info("attribute: account '%s': %d follower sample(s), need 2 to model; %d posts with X's own"
             " follows attributed as platform_reported",
             acct->handle, r->ns, n_known);
    attrib_known_only(r->ap, r->np, r->ng, res);
    return 0;
}

/* The rows COPYed into temp tables, then merged into place by one statement per target. */
static int write_all(struct db *db, const struct account *acct, const struct attr_run *r,
                     const struct attrib_result *res, bool known_only, int64_t as_of, struct stage_counts *counts,
                     struct xerr *err)
{
    char sid[32], smeas[40];
    snprintf(sid, sizeof sid, "%lld", (long long)acct->id);
    db_fmt_time(smeas, sizeof smeas, as_of);
    const char *prm[] = { sid, smeas };
    double *before168 = xcalloc((size_t)r->np + 1, sizeof(double));
    double *after168 = xcalloc((size_t)r->np + 1, sizeof(double));
    int rc = db_begin(db, err);
    if (rc)
        goto out;
    if ((rc = db_script(db, db_query_text("attribute/temp_tables"), err)) ||
        (rc = copy_attributions(db, r, res, known_only, as_of, before168, after168, counts, err)) ||
        (rc = copy_posts(db, r, res, known_only, before168, after168, counts, err)) ||
        (rc = db_cmd(db, "attribute/upsert_attribution", 2, prm, NULL, err)) ||
        (rc = db_cmd(db, "attribute/upsert_post", 1, prm, NULL, err)) || (rc = db_commit(db, err)))
        db_rollback(db);
out:
    free(before168);
    free(after168);
    return rc;
}

int attribute_run(struct db *db, const struct config *cfg, const struct account *acct,
                  const struct stage_args *a, struct stage_counts *counts, struct xerr *err)
{
    struct attr_run r;
    struct attrib_result res;
    struct attrib_params prm;
    int rc = 0;
    bool have_res = false, known_only, skip;
    long nboot = 200, extra = 0;

    memset(&r, 0, sizeof r);
    memset(&res, 0, sizeof res);
    attrib_params_default(&prm);
    if ((rc = config_get_long(cfg, "attribute.bootstrap", &nboot, err)) ||
        (rc = config_get_long(cfg, "attribute.seed", &extra, err)))
        return rc;
    prm.n_boot = (int)nboot;
    prm.seed = splitmix64((uint64_t)acct->id ^ splitmix64((uint64_t)a->as_of ^ splitmix64((uint64_t)extra)));
    if ((rc = load_all(db, cfg, acct, a, &r, err)))
        goto out;
    int n_in = 0;
    for (int j = 0; j < r.np; j++)
        n_in += r.p[j].in_range;
    if (n_in == 0) {
        log_info("attribute: account '%s': no posts in the range", acct->handle);
        goto out;
    }
    if ((rc = model(acct, &r, &prm, &res, &known_only, &skip, counts, err)) || skip)
        goto out;
    have_res = true;
    counts->fits++;
    if ((rc = write_all(db, acct, &r, &res, known_only, a->as_of, counts, err)))
        goto out;
    log_info("attribute: account '%s': %d posts, %d samples, observed %+.0f = posts %+.1f + platform %+.1f"
             " + baseline %+.1f (%.3f/h)",
             acct->handle, n_in, r.ns, res.observed_total, res.posts_total, res.known_total, res.baseline_total,
             res.baseline_per_h);
out:
    if (have_res)
        attrib_result_release(&res);
    attr_run_release(&r);
    return rc;
}
