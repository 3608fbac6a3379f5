/*
 * etl/attribute.c — the attribute stage (see etl/attribute.h).
 */
#include "etl/attribute.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sbuf.h"
#include "etl/db.h"
#include "stats/attrib.h"

#define HOUR 3600
#define HORIZON_S ((int64_t)(ATTRIB_HORIZON_H * HOUR))

/* The shape used when a post has neither a fitted curve nor snapshots:
 * half of the 7-day impressions in about an hour (docs/models.md §1). */
#define DEFAULT_C_H 1.0
#define DEFAULT_THETA 1.0

struct apost {
    char tweet_id[32];
    char decision_id[40];
    int64_t posted_at;
    char group[128];
    const char *exposure_source;   /* decay | snapshots | latest_impressions | none */
    double known;                  /* platform follows or NAN */
    int64_t known_as_of;
    double *age_h, *cum;           /* owned snapshot points */
    int n_pts;
    bool in_range;
};

struct run {
    struct apost *p;
    int np;
    struct attrib_post *ap;
    char (*groups)[128];
    int ng;
    int64_t *t;
    double *F;
    int ns;
    int64_t *day;                  /* daily_follows */
    double *new_f, *unf;
    int nd;
};

static void run_release(struct run *r)
{
    for (int i = 0; i < r->np; i++) {
        free(r->p[i].age_h);
        free(r->p[i].cum);
    }
    free(r->p);
    free(r->ap);
    free(r->groups);
    free(r->t);
    free(r->F);
    free(r->day);
    free(r->new_f);
    free(r->unf);
    memset(r, 0, sizeof *r);
}

static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static int group_index(struct run *r, const char *g)
{
    for (int i = 0; i < r->ng; i++)
        if (!strcmp(r->groups[i], g))
            return i;
    r->groups = xrealloc(r->groups, (size_t)(r->ng + 1) * sizeof *r->groups);
    snprintf(r->groups[r->ng], sizeof r->groups[0], "%s", g);
    return r->ng++;
}

static double num_or_nan(const PGresult *res, int row, int col)
{
    const char *s = db_str(res, row, col);
    if (!s || !*s)
        return NAN;
    char *end;
    double v = strtod(s, &end);
    return *end ? NAN : v;
}

static int load_posts(struct db *db, const struct account *acct, int64_t lo, int64_t hi, int64_t as_of,
                      const struct xrange *range, bool have_pf, struct run *r, struct xerr *err)
{
    char sid[32], slo[40], shi[40], sas[40];
    snprintf(sid, sizeof sid, "%lld", (long long)acct->id);
    const char *prm[] = { sid, db_fmt_time(slo, sizeof slo, lo), db_fmt_time(shi, sizeof shi, hi),
                          db_fmt_time(sas, sizeof sas, as_of) };
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT p.tweet_id, p.decision_id::text, extract(epoch from p.posted_at)::bigint,"
             " coalesce(nullif(p.content_type_id, ''), nullif(p.content_type_name, ''),"
             "          nullif(t.content_type, ''), '(none)'),"
             /* Only what was known at the as-of: a rerun of a past range must not
                see curves, counters or exports written by later runs. */
             " CASE WHEN coalesce(fit_as_of <= $4, true) THEN t.analytics_metadata->'decay'->'impressions'->>'A' END,"
             " CASE WHEN coalesce(fit_as_of <= $4, true) THEN t.analytics_metadata->'decay'->'impressions'->>'c_h' END,"
             " CASE WHEN coalesce(fit_as_of <= $4, true) THEN t.analytics_metadata->'decay'->'impressions'->>'theta' END,"
             " CASE WHEN t.last_scraped_at <= $4 THEN t.impressions END,"
             " CASE WHEN t.last_scraped_at <= $4 THEN extract(epoch from t.last_scraped_at)::bigint END,"
             " %s, %s"
             " FROM xetl.posts p"
             " LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
             " LEFT JOIN LATERAL (SELECT (t.analytics_metadata->'decay'->'impressions'->>'as_of')::timestamptz"
             "                    AS fit_as_of) fa ON true"
             " %s"
             " WHERE p.account_id = $1 AND p.posted_at IS NOT NULL"
             "   AND p.posted_at >= $2 AND p.posted_at < $3 AND p.posted_at <= $4"
             " ORDER BY p.posted_at, p.tweet_id",
             have_pf ? "pf.follows" : "NULL::integer",
             have_pf ? "extract(epoch from pf.as_of)::bigint" : "NULL::bigint",
             have_pf ? "LEFT JOIN xetl.platform_follows pf ON pf.account_id = p.account_id AND pf.tweet_id = p.tweet_id AND pf.as_of <= $4" : "");
    PGresult *res = db_exec(db, sql, 4, prm, err);
    if (!res)
        return err->code;
    int n = PQntuples(res);
    r->p = xcalloc((size_t)n + 1, sizeof *r->p);
    r->ap = xcalloc((size_t)n + 1, sizeof *r->ap);
    r->np = n;
    for (int i = 0; i < n; i++) {
        struct apost *p = &r->p[i];
        struct attrib_post *a = &r->ap[i];
        snprintf(p->tweet_id, sizeof p->tweet_id, "%s", PQgetvalue(res, i, 0));
        snprintf(p->decision_id, sizeof p->decision_id, "%s", PQgetvalue(res, i, 1));
        p->posted_at = db_epoch(res, i, 2, 0);
        snprintf(p->group, sizeof p->group, "%s", PQgetvalue(res, i, 3));
        p->in_range = p->posted_at >= range->from && p->posted_at < range->to;
        p->known = db_isnull(res, i, 9) ? NAN : db_double(res, i, 9, NAN);
        p->known_as_of = db_epoch(res, i, 10, 0);
        a->posted_at = p->posted_at;
        a->group = group_index(r, p->group);
        a->known_follows = p->known;
        double A = num_or_nan(res, i, 4), c = num_or_nan(res, i, 5), th = num_or_nan(res, i, 6);
        if (isfinite(A) && A > 0 && isfinite(c) && c > 0 && isfinite(th) && th > 0) {
            a->exposure = (struct attrib_curve){ .kind = ATTRIB_CURVE_LOMAX, .A = A, .c_h = c, .theta = th };
            p->exposure_source = "decay";
        } else {
            /* snapshots are filled in by load_snapshots(); the latest
             * impressions on the default shape are the last resort */
            double imp = db_double(res, i, 7, 0.0);
            int64_t scraped = db_epoch(res, i, 8, 0);
            double age = scraped > p->posted_at ? (double)(scraped - p->posted_at) / HOUR : ATTRIB_HORIZON_H;
            age = fmin(fmax(age, 0.1), ATTRIB_HORIZON_H);
            if (imp > 0) {
                double frac = -expm1(-DEFAULT_THETA * log1p(age / DEFAULT_C_H));
                a->exposure = (struct attrib_curve){ .kind = ATTRIB_CURVE_LOMAX, .A = imp / frac,
                                                     .c_h = DEFAULT_C_H, .theta = DEFAULT_THETA };
                p->exposure_source = "latest_impressions";
            } else if (isfinite(p->known)) {
                /* X's own follows need only a shape to be spread over time */
                a->exposure = (struct attrib_curve){ .kind = ATTRIB_CURVE_LOMAX, .A = 1.0,
                                                     .c_h = DEFAULT_C_H, .theta = DEFAULT_THETA };
                p->exposure_source = "default_shape";
            } else {
                a->exposure.kind = ATTRIB_CURVE_NONE;
                p->exposure_source = "none";
            }
        }
    }
    PQclear(res);
    return 0;
}

/* Impression snapshots for posts without a fitted curve, in the posts' order. */
static int load_snapshots(struct db *db, const struct account *acct, int64_t lo, int64_t hi, int64_t as_of,
                          struct run *r, struct xerr *err)
{
    char sid[32], slo[40], shi[40], sas[40];
    snprintf(sid, sizeof sid, "%lld", (long long)acct->id);
    const char *prm[] = { sid, db_fmt_time(slo, sizeof slo, lo), db_fmt_time(shi, sizeof shi, hi),
                          db_fmt_time(sas, sizeof sas, as_of) };
    PGresult *res = db_exec(db,
                            "SELECT s.tweet_id, extract(epoch from s.snapshot_at - p.posted_at) / 3600.0,"
                            " s.impressions"
                            " FROM performance_snapshots s JOIN xetl.posts p ON p.account_id = s.account_id AND p.tweet_id = s.tweet_id"
                            " WHERE p.account_id = $1 AND p.posted_at IS NOT NULL"
                            "   AND p.posted_at >= $2 AND p.posted_at < $3 AND p.posted_at <= $4"
                            "   AND s.snapshot_at <= $4 AND s.snapshot_at > p.posted_at"
                            "   AND s.impressions IS NOT NULL AND s.impressions > 0"
                            " ORDER BY p.posted_at, p.tweet_id, s.snapshot_at",
                            4, prm, err);
    if (!res)
        return err->code;
    int n = PQntuples(res), i = 0;
    for (int j = 0; j < r->np && i < n; j++) {
        struct apost *p = &r->p[j];
        int start = i;
        while (i < n && !strcmp(PQgetvalue(res, i, 0), p->tweet_id))
            i++;
        if (i == start || !strcmp(p->exposure_source, "decay"))
            continue;
        int m = i - start;
        p->age_h = xcalloc((size_t)m, sizeof(double));
        p->cum = xcalloc((size_t)m, sizeof(double));
        for (int k = 0; k < m; k++) {
            p->age_h[k] = db_double(res, start + k, 1, NAN);
            p->cum[k] = db_double(res, start + k, 2, NAN);
        }
        p->n_pts = m;
        r->ap[j].exposure = (struct attrib_curve){ .kind = ATTRIB_CURVE_POINTS, .age_h = p->age_h, .cum = p->cum,
                                                   .n = m };
        p->exposure_source = "snapshots";
    }
    PQclear(res);
    return 0;
}

/* Follower samples in [the last one at or before lo, hi]; one per second, api first. */
static int load_samples(struct db *db, const struct account *acct, int64_t lo, int64_t hi, struct run *r,
                        struct xerr *err)
{
    char sid[32], slo[40], shi[40];
    snprintf(sid, sizeof sid, "%lld", (long long)acct->id);
    const char *prm[] = { sid, db_fmt_time(slo, sizeof slo, lo), db_fmt_time(shi, sizeof shi, hi) };
    PGresult *res = db_exec(db,
                            "SELECT DISTINCT ON (e) e, followers_count FROM ("
                            " SELECT extract(epoch from sampled_at)::bigint AS e, followers_count, source"
                            " FROM xetl.follower_samples"
                            " WHERE account_id = $1 AND sampled_at <= $3"
                            "   AND sampled_at >= coalesce((SELECT max(sampled_at) FROM xetl.follower_samples"
                            "        WHERE account_id = $1 AND sampled_at <= $2), $2)) s"
                            " ORDER BY e, (source = 'api') DESC, source",
                            3, prm, err);
    if (!res)
        return err->code;
    int n = PQntuples(res);
    r->t = xcalloc((size_t)n + 1, sizeof(int64_t));
    r->F = xcalloc((size_t)n + 1, sizeof(double));
    for (int i = 0; i < n; i++) {
        r->t[i] = db_epoch(res, i, 0, 0);
        r->F[i] = db_double(res, i, 1, 0.0);
    }
    r->ns = n;
    PQclear(res);
    return 0;
}

static int load_daily(struct db *db, const struct account *acct, int64_t lo, int64_t hi, struct run *r,
                      struct xerr *err)
{
    char sid[32], slo[40], shi[40];
    snprintf(sid, sizeof sid, "%lld", (long long)acct->id);
    const char *prm[] = { sid, db_fmt_time(slo, sizeof slo, lo), db_fmt_time(shi, sizeof shi, hi) };
    PGresult *res = db_exec(db,
                            "SELECT extract(epoch from day::timestamp)::bigint, new_follows, unfollows"
                            " FROM xetl.daily_follows WHERE account_id = $1"
                            "   AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date"
                            "   AND day <= ($3::timestamptz AT TIME ZONE 'UTC')::date"
                            "   AND new_follows IS NOT NULL AND unfollows IS NOT NULL"
                            " ORDER BY day",
                            3, prm, err);
    if (!res)
        return err->code;
    int n = PQntuples(res);
    r->day = xcalloc((size_t)n + 1, sizeof(int64_t));
    r->new_f = xcalloc((size_t)n + 1, sizeof(double));
    r->unf = xcalloc((size_t)n + 1, sizeof(double));
    for (int i = 0; i < n; i++) {
        r->day[i] = db_epoch(res, i, 0, 0);
        r->new_f[i] = db_double(res, i, 1, 0.0);
        r->unf[i] = db_double(res, i, 2, 0.0);
    }
    r->nd = n;
    PQclear(res);
    return 0;
}

/*
 * Retention over the 7 days from the post's day: 1 - unfollows / new follows
 * of the account in those days, only when the export covers all 7 days and
 * they are over by as_of.  An account-level proxy (X does not say which
 * followers a post brought), NAN where the data do not support it.
 */
static double retention(const struct run *r, int64_t posted_at, int64_t as_of)
{
    int64_t d0 = xtime_day_start(posted_at);
    if (d0 + 7 * XTIME_DAY > as_of)
        return NAN;
    double nf = 0.0, uf = 0.0;
    int have = 0;
    for (int i = 0; i < r->nd; i++)
        if (r->day[i] >= d0 && r->day[i] < d0 + 7 * XTIME_DAY) {
            nf += r->new_f[i];
            uf += r->unf[i];
            have++;
        }
    if (have < 7 || !(nf > 0.0))
        return NAN;
    return fmin(1.0, fmax(0.0, 1.0 - uf / nf));
}

/* Index of the last sample at or before t (else the first sample: the column is NOT NULL). */
static int sample_before(const struct run *r, int64_t t)
{
    int k = 0;
    for (int i = 0; i < r->ns && r->t[i] <= t; i++)
        k = i;
    return k;
}

/* Index of the first sample at or after t, else the last one (window not over). */
static int sample_after(const struct run *r, int64_t t, bool *matured)
{
    for (int i = 0; i < r->ns; i++)
        if (r->t[i] >= t) {
            *matured = true;
            return i;
        }
    *matured = false;
    return r->ns - 1;
}

static void json_num(struct sbuf *sb, const char *key, double v)
{
    if (isfinite(v))
        sbuf_addf(sb, ",\"%s\":%.10g", key, v);
    else
        sbuf_addf(sb, ",\"%s\":null", key);
}

static int write_post(struct db *db, const struct account *acct, const struct run *r, int j,
                      const struct attrib_result *res, const struct attrib_params *prm, int64_t as_of,
                      struct stage_counts *counts, struct xerr *err)
{
    const struct apost *p = &r->p[j];
    const struct attrib_post_result *pr = &res->posts[j];
    char sid[32], sbefore[32], safter[32], sgain[32], sconf[32], swin[32], sret[40], smeas[40], *meta;
    char sposted[40], sfollows[32], scred[40];
    int rc = 0;
    double before168 = NAN, after168 = NAN, gain168 = 0;
    snprintf(sid, sizeof sid, "%lld", (long long)acct->id);
    db_fmt_time(smeas, sizeof smeas, as_of);
    bool have_samples = r->ns > 0;
    for (int w = 0; w < ATTRIB_NWIN; w++) {
        double W = attrib_windows_h[w];
        bool matured = p->posted_at + (int64_t)(W * HOUR) <= as_of;
        double before = NAN, after = NAN;
        char tb[40] = "", ta[40] = "";
        if (have_samples) {
            int k_before = sample_before(r, p->posted_at);
            int k_after = sample_after(r, p->posted_at + (int64_t)(W * HOUR), &matured);
            before = r->F[k_before];
            after = r->F[k_after];
            xtime_format(r->t[k_before], tb, sizeof tb);
            xtime_format(r->t[k_after], ta, sizeof ta);
        }
        double credit = pr->credit[w];
        double ret = w == ATTRIB_NWIN - 1 ? retention(r, p->posted_at, as_of) : NAN;
        struct sbuf sb;
        sbuf_init(&sb);
        if (pr->known) {
            bool split = p->known_as_of > p->posted_at + (int64_t)(W * HOUR);
            sbuf_addf(&sb, "{\"model\":\"platform_reported\",\"window_h\":%g", W);
            json_num(&sb, "follows_reported", p->known);
            json_num(&sb, "credit", credit);
            char reported_at[40];
            xtime_format(p->known_as_of, reported_at, sizeof reported_at);
            sbuf_addf(&sb, ",\"reported_as_of\":\"%s\",\"window_split\":%s", reported_at,
                      split ? "\"by exposure curve\"" : "null");
        } else {
            sbuf_addf(&sb, "{\"model\":\"lagged_count\",\"window_h\":%g", W);
            json_num(&sb, "credit", credit);
            sbuf_adds(&sb, ",\"confidence_event\":\"|true follows - credit| <= max(2, 25 % of credit)\"");
            json_num(&sb, "confidence_raw", pr->conf_raw[w]);
            json_num(&sb, "lag_h", res->lag_h);
            json_num(&sb, "dispersion", res->dispersion);
            json_num(&sb, "multiplier", pr->multiplier);
            if (w == ATTRIB_NWIN - 1) {
                /* equally likely values of the 168 h follows: learn's imputations */
                sbuf_adds(&sb, ",\"draws_168h\":[");
                for (int q = 0; q < ATTRIB_NQ; q++)
                    sbuf_addf(&sb, "%s%.6g", q ? "," : "", isfinite(pr->q168[q]) ? pr->q168[q] : 0.0);
                sbuf_adds(&sb, "]");
            }
            json_num(&sb, "rate", pr->rate);
            json_num(&sb, "rate_pooled", res->rho_pooled);
            sbuf_adds(&sb, ",\"group\":");
            sbuf_add_json_str(&sb, p->group);
            json_num(&sb, "baseline_per_h", res->baseline_per_h);
            sbuf_addf(&sb, ",\"interval_168h\":{\"p05\":");
            sbuf_addf(&sb, isfinite(pr->lo) ? "%.10g" : "null", isfinite(pr->lo) ? pr->lo : 0.0);
            sbuf_addf(&sb, ",\"p95\":");
            sbuf_addf(&sb, isfinite(pr->hi) ? "%.10g" : "null", isfinite(pr->hi) ? pr->hi : 0.0);
            sbuf_adds(&sb, "}");
            json_num(&sb, "purity", pr->purity);
            json_num(&sb, "sign_certainty", pr->sign_certainty);
            sbuf_addf(&sb, ",\"bootstrap\":%d,\"block_intervals\":%d", res->n_boot, res->block_len);
            (void)prm;
        }
        json_num(&sb, "exposure", pr->exposure[w]);
        /* When the two counts were sampled: the first sample may postdate the post. */
        sbuf_addf(&sb, ",\"exposure_source\":\"%s\",\"n_intervals\":%d,\"n_samples\":%d,\"matured\":%s,",
                  p->exposure_source, pr->n_intervals, r->ns, matured ? "true" : "false");
        if (have_samples)
            sbuf_addf(&sb, "\"before_sampled_at\":\"%s\",\"after_sampled_at\":\"%s\"}", tb, ta);
        else
            sbuf_adds(&sb, "\"before_sampled_at\":null,\"after_sampled_at\":null}");
        meta = sbuf_detach(&sb);
        snprintf(sgain, sizeof sgain, "%.0f", round(credit));
        snprintf(sconf, sizeof sconf, "%.4f", fmin(1.0, fmax(0.0, pr->conf[w])));
        snprintf(swin, sizeof swin, "%g", W);
        const char *v[] = { p->decision_id, p->tweet_id, sid, db_fmt_double(sbefore, sizeof sbefore, before),
                            db_fmt_double(safter, sizeof safter, after), sgain, sconf,
                            pr->known ? "platform_reported" : "exposure_regression", smeas, swin,
                            db_fmt_double(sret, sizeof sret, ret), meta,
                            db_fmt_double(scred, sizeof scred, credit) };
        rc = db_cmd(db,
                    "INSERT INTO follower_attributions (decision_id, tweet_id, account_id, followers_before,"
                    " followers_after, followers_gained, confidence_score, attribution_method, measured_at,"
                    " time_window_hours, follower_retention_rate, attribution_metadata, followers_credited)"
                    " VALUES ($1::uuid, $2, $3, $4::numeric::integer, $5::numeric::integer, $6, $7, $8, $9, $10,"
                    " $11, $12::jsonb, $13)"
                    " ON CONFLICT (account_id, tweet_id, time_window_hours) DO UPDATE SET"
                    " decision_id = EXCLUDED.decision_id,"
                    " followers_before = EXCLUDED.followers_before, followers_after = EXCLUDED.followers_after,"
                    " followers_gained = EXCLUDED.followers_gained, confidence_score = EXCLUDED.confidence_score,"
                    " attribution_method = EXCLUDED.attribution_method, measured_at = EXCLUDED.measured_at,"
                    " follower_retention_rate = EXCLUDED.follower_retention_rate,"
                    " attribution_metadata = EXCLUDED.attribution_metadata,"
                    " followers_credited = EXCLUDED.followers_credited",
                    13, v, NULL, err);
        free(meta);
        if (rc)
            return rc;
        counts->attributions++;
        counts->rows++;
        if (w == ATTRIB_NWIN - 1) {
            before168 = before;
            after168 = after;
            gain168 = round(credit);
        }
    }
    snprintf(sgain, sizeof sgain, "%.0f", gain168);
    const char *v[] = { p->decision_id, p->tweet_id, sid, db_fmt_time(sposted, sizeof sposted, p->posted_at),
                        db_fmt_double(sbefore, sizeof sbefore, before168),
                        db_fmt_double(safter, sizeof safter, after168), sgain,
                        isfinite(p->known) ? (snprintf(sfollows, sizeof sfollows, "%.0f", p->known), sfollows)
                                           : NULL };
    rc = db_cmd(db,
                "INSERT INTO tweet_analytics_comprehensive (decision_id, tweet_id, account_id, posted_at,"
                " followers_before, followers_after, followers_gained, follows_from_tweet)"
                " VALUES ($1::uuid, $2, $3, $4, $5::numeric::integer, $6::numeric::integer, $7, $8::integer)"
                " ON CONFLICT (account_id, tweet_id) DO UPDATE SET"
                " followers_before = EXCLUDED.followers_before, followers_after = EXCLUDED.followers_after,"
                " followers_gained = EXCLUDED.followers_gained,"
                " follows_from_tweet = EXCLUDED.follows_from_tweet,"
                " updated_at = EXCLUDED.updated_at"
                " WHERE (tweet_analytics_comprehensive.followers_before, tweet_analytics_comprehensive.followers_after,"
                "        tweet_analytics_comprehensive.followers_gained, tweet_analytics_comprehensive.follows_from_tweet)"
                "   IS DISTINCT FROM (EXCLUDED.followers_before, EXCLUDED.followers_after,"
                "        EXCLUDED.followers_gained, EXCLUDED.follows_from_tweet)",
                8, v, NULL, err);
    if (rc)
        return rc;
    counts->rows++;
    return 0;
}

int attribute_run(struct db *db, const struct config *cfg, const struct account *acct,
                  const struct stage_args *a, struct stage_counts *counts, struct xerr *err)
{
    struct run r;
    struct attrib_result res;
    struct attrib_params prm;
    int rc = 0;
    bool have_pf = false, in_tx = false, have_res = false;
    long nboot = 200, extra = 0;

    memset(&r, 0, sizeof r);
    memset(&res, 0, sizeof res);
    attrib_params_default(&prm);
    if ((rc = config_get_long(cfg, "attribute.bootstrap", &nboot, err)) ||
        (rc = config_get_long(cfg, "attribute.seed", &extra, err)))
        return rc;
    prm.n_boot = (int)nboot;
    prm.seed = splitmix64((uint64_t)acct->id ^ splitmix64((uint64_t)a->as_of ^ splitmix64((uint64_t)extra)));

    /*
     * The model is fitted on a span that depends on the as-of alone (the
     * tracked window, and the range when it reaches further back), never on
     * which posts the command was asked about: otherwise `attribute` over a
     * week and `nightly` over a month would credit the same post differently.
     * The range only chooses the rows written.  Posts are loaded from a
     * further week back, as their exposure overlaps the span.
     */
    long track_days = 30;
    if ((rc = config_get_long(cfg, "pull.track_days", &track_days, err)))
        return rc;
    int64_t window_lo = a->as_of - (int64_t)track_days * XTIME_DAY;
    int64_t span_lo = (a->range.from < window_lo ? a->range.from : window_lo) - HORIZON_S;
    int64_t span_hi = a->as_of;
    int64_t post_lo = span_lo - HORIZON_S;
    int64_t post_hi = span_hi; /* posts after the range share the range's samples */
    if ((rc = db_table_exists(db, "xetl.platform_follows", &have_pf, err)))
        goto out;
    if ((rc = load_posts(db, acct, post_lo, post_hi + 1, a->as_of, &a->range, have_pf, &r, err)) ||
        (rc = load_snapshots(db, acct, post_lo, post_hi + 1, a->as_of, &r, err)) ||
        (rc = load_samples(db, acct, span_lo, span_hi, &r, err)) ||
        (rc = load_daily(db, acct, a->range.from - XTIME_DAY, a->range.to + 8 * XTIME_DAY, &r, err)))
        goto out;
    int n_in = 0;
    for (int j = 0; j < r.np; j++)
        n_in += r.p[j].in_range;
    if (n_in == 0) {
        log_info("attribute: account '%s': no posts in the range", acct->handle);
        goto out;
    }
    bool known_only = r.ns < 2;
    if (known_only) {
        /* an import-only account: X's own per-post follows are still evidence */
        int n_known = 0;
        for (int j = 0; j < r.np; j++)
            n_known += r.p[j].in_range && isfinite(r.p[j].known);
        if (n_known == 0) {
            log_warn("attribute: account '%s': %d follower sample(s) around the range, need 2, and no"
                     " platform-reported follows; nothing attributed",
                     acct->handle, r.ns);
            counts->warnings++;
            goto out;
        }
        log_info("attribute: account '%s': %d follower sample(s), need 2 to model; %d posts with X's own"
                 " follows attributed as platform_reported",
                 acct->handle, r.ns, n_known);
        attrib_known_only(r.ap, r.np, r.ng, &res);
    } else if ((rc = attrib_fit(r.t, r.F, r.ns, r.ap, r.np, r.ng > 0 ? r.ng : 1, &prm, &res, err))) {
        xerr_prefix(err, "attribute: account '%s': ", acct->handle);
        goto out;
    }
    have_res = true;
    counts->fits++;
    if ((rc = db_begin(db, err)))
        goto out;
    in_tx = true;
    for (int j = 0; j < r.np; j++) {
        if (!r.p[j].in_range || (known_only && !res.posts[j].known))
            continue;
        if ((rc = write_post(db, acct, &r, j, &res, &prm, a->as_of, counts, err)))
            goto out;
    }
    if ((rc = db_commit(db, err)))
        goto out;
    in_tx = false;
    log_info("attribute: account '%s': %d posts, %d samples, observed %+.0f = posts %+.1f + platform %+.1f"
             " + baseline %+.1f (%.3f/h)",
             acct->handle, n_in, r.ns, res.observed_total, res.posts_total, res.known_total, res.baseline_total,
             res.baseline_per_h);
out:
    if (in_tx)
        db_rollback(db);
    if (have_res)
        attrib_result_release(&res);
    run_release(&r);
    return rc;
}
