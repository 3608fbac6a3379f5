/*
 * etl/learn.c — see learn.h; the model is argued in docs/learning.md.
 */
#include "etl/learn.h"

#include "common/log.h"
#include "common/sbuf.h"
#include "etl/db.h"
#include "stats/arms.h"
#include "stats/attrib.h"
#include "stats/thompson.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COMP_TYPE = 0, COMP_FORMULA = 1, COMP_HOOK = 2, N_COMP = 3 };

static const struct component {
    const char *name;        /* learning_updates.component and seed tag */
    const char *update_type; /* learning_updates.update_type */
    const char *table;
    const char *key_col;
} components[N_COMP] = {
    { "content_types", "content_type_update", "content_type_performance", "content_type_id" },
    { "formulas", "formula_update", "formula_performance", "formula_name" },
    { "hooks", "hook_update", "hook_performance", "hook_used" },
};

/* Columns of the query below. */
enum {
    Q_TWEET, Q_POSTED, Q_TYPE_ID, Q_TYPE_NAME, Q_FORMULA, Q_HOOK, Q_FOLLOWERS, Q_DRAWS,
    Q_HAS_TAC, Q_LIKES, Q_RETWEETS, Q_REPLIES, Q_IMPRESSIONS, Q_ER,
};

/*
 * Every input bounded by the as-of, so a past-dated rerun sees what the night
 * saw: attributions measured by then, counters scraped by then (else the
 * latest snapshot by then; a counter whose scrape time is unknown is used).
 */
static const char posts_sql[] =
    "SELECT p.tweet_id, extract(epoch FROM p.posted_at)::bigint,"
    "       coalesce(nullif(p.content_type_id, ''), nullif(p.content_type_name, '')),"
    "       coalesce(nullif(p.content_type_name, ''), nullif(p.content_type_id, '')),"
    "       nullif(p.viral_formula, ''), nullif(p.hook_used, ''),"
    "       coalesce(fa.followers_credited, fa.followers_gained), fa.attribution_metadata->'draws_168h',"
    "       coalesce(t.fresh, false) OR s.tweet_id IS NOT NULL,"
    "       CASE WHEN t.fresh THEN t.likes ELSE s.likes END, CASE WHEN t.fresh THEN t.retweets ELSE s.retweets END,"
    "       CASE WHEN t.fresh THEN t.replies ELSE s.replies END,"
    "       CASE WHEN t.fresh THEN t.impressions ELSE s.impressions END,"
    "       CASE WHEN t.fresh THEN t.engagement_rate ELSE s.engagement_rate END"
    "  FROM xetl.posts p"
    /* Only closed windows are evidence: a 168 h row computed before its window ended is not. */
    "  LEFT JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id AND fa.time_window_hours = 168"
    "        AND coalesce((fa.attribution_metadata->>'matured')::boolean, true) AND fa.measured_at <= $2"
    /* Joins on the account, no LATERAL … LIMIT: Citus runs the whole query on the account's shard. */
    "  LEFT JOIN (SELECT account_id, tweet_id, likes, retweets, replies, impressions, engagement_rate,"
    "                    coalesce(last_scraped_at <= $2, true) AS fresh"
    "               FROM tweet_analytics_comprehensive WHERE account_id = $1) t"
    "         ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
    "  LEFT JOIN (SELECT DISTINCT ON (tweet_id) account_id, tweet_id, likes, retweets, replies, impressions,"
    "                    engagement_rate"
    "               FROM performance_snapshots WHERE account_id = $1 AND snapshot_at <= $2"
    "              ORDER BY tweet_id, snapshot_at DESC) s"
    "         ON s.account_id = p.account_id AND s.tweet_id = p.tweet_id"
    " WHERE p.account_id = $1 AND p.posted_at IS NOT NULL AND p.posted_at <= $2"
    " ORDER BY p.posted_at, p.tweet_id";

struct settings {
    struct thompson_params tp;
    long draws;
    double maturity_hours;
    double success_followers;
    double min_posts;
};

struct arm {
    const char *key;  /* points into the query result */
    const char *name; /* content type name; key elsewhere */
    long n_posts;     /* matured posts with a 168 h attribution */
    long n_tac;       /* ... of which have analytics counters */
    double sum_likes, sum_retweets, sum_replies, sum_impressions;
    long n_er;
    double sum_er;
    double total_followers;
    long n_success;
    int64_t last_used;
    struct thompson_evidence ev;
    double alpha, beta, mean, lo, hi, score;
    bool exploratory;
    double score_before;
    bool has_before;
};

struct arms {
    struct arm *v;
    size_t n, cap;
};

static struct arm *arm_get(struct arms *as, const char *key, const char *name)
{
    for (size_t i = 0; i < as->n; i++)
        if (!strcmp(as->v[i].key, key))
            return &as->v[i];
    if (as->n == as->cap) {
        as->cap = as->cap ? 2 * as->cap : 16;
        as->v = xrealloc(as->v, as->cap * sizeof *as->v);
    }
    struct arm *a = &as->v[as->n++];
    memset(a, 0, sizeof *a);
    a->key = key;
    a->name = name ? name : key;
    return a;
}

static int arm_cmp(const void *x, const void *y)
{
    return strcmp(((const struct arm *)x)->key, ((const struct arm *)y)->key);
}

static int load_settings(const struct config *cfg, struct settings *s, struct xerr *err)
{
    int rc;
    thompson_params_default(&s->tp);
    if ((rc = config_get_double(cfg, "learn.half_life_days", &s->tp.half_life_days, err)) ||
        (rc = config_get_double(cfg, "learn.prior_weight", &s->tp.prior_weight, err)) ||
        (rc = config_get_long(cfg, "learn.draws", &s->draws, err)) ||
        (rc = config_get_double(cfg, "learn.maturity_hours", &s->maturity_hours, err)) ||
        (rc = config_get_double(cfg, "learn.success_followers", &s->success_followers, err)) ||
        (rc = config_get_double(cfg, "learn.min_posts", &s->min_posts, err)))
        return rc;
    return 0;
}

/* A finite number, or JSON null. */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : NAN;
}

/* Adds one row of the posts query to the arm of component c. */
static void arm_add_post(struct arm *a, const PGresult *res, int i, bool matured, double w,
                         const struct settings *s)
{
    int64_t posted = db_epoch(res, i, Q_POSTED, 0);
    if (posted > a->last_used)
        a->last_used = posted;
    if (!matured)
        return;
    double y = db_double(res, i, Q_FOLLOWERS, 0);
    a->n_posts++;
    a->total_followers += y;
    if (y >= s->success_followers)
        a->n_success++;
    thompson_evidence_add(&a->ev, w, y);
    if (PQgetvalue(res, i, Q_HAS_TAC)[0] == 't') {
        a->n_tac++;
        a->sum_likes += db_double(res, i, Q_LIKES, 0);
        a->sum_retweets += db_double(res, i, Q_RETWEETS, 0);
        a->sum_replies += db_double(res, i, Q_REPLIES, 0);
        a->sum_impressions += db_double(res, i, Q_IMPRESSIONS, 0);
        if (!db_isnull(res, i, Q_ER)) {
            a->n_er++;
            a->sum_er += db_double(res, i, Q_ER, 0);
        }
    }
}

/*
 * A post's ATTRIB_NQ equally likely 168 h follows: the attribution's
 * posterior quantiles (metadata draws_168h), else its credit for all (a
 * platform-reported count, or a row from before the draws were kept).
 */
static void load_imputations(const PGresult *res, int i, double *imp)
{
    double y = db_double(res, i, Q_FOLLOWERS, 0);
    for (int q = 0; q < ATTRIB_NQ; q++)
        imp[q] = y;
    const char *txt = db_str(res, i, Q_DRAWS);
    if (!txt || !*txt)
        return;
    json_t *arr = json_loads(txt, 0, NULL);
    if (json_is_array(arr) && json_array_size(arr) == ATTRIB_NQ) {
        bool ok = true;
        for (size_t q = 0; q < ATTRIB_NQ; q++)
            ok = ok && json_is_number(json_array_get(arr, q));
        for (size_t q = 0; ok && q < ATTRIB_NQ; q++)
            imp[q] = json_number_value(json_array_get(arr, q));
    }
    json_decref(arr);
}

/* The previous cycle's scores (the latest learning_updates row before as_of). */
static int load_before(struct db *db, const struct account *acct, const char *asof_txt, const struct component *c,
                       struct arms *as, char *prev_asof, size_t prev_n, struct xerr *err)
{
    char id[32];
    const char *p[] = { db_fmt_long(id, sizeof id, (long)acct->id), c->name, asof_txt };
    PGresult *res = db_exec(db,
                            "SELECT updates_applied::text, to_char(as_of AT TIME ZONE 'UTC',"
                            " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                            "  FROM learning_updates WHERE account_id = $1 AND component = $2 AND as_of < $3"
                            " ORDER BY as_of DESC LIMIT 1",
                            3, p, err);
    if (!res)
        return err->code;
    prev_asof[0] = '\0';
    if (PQntuples(res) == 1) {
        snprintf(prev_asof, prev_n, "%s", PQgetvalue(res, 0, 1));
        json_t *root = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
        json_t *list = root ? json_object_get(root, "arms") : NULL;
        size_t k;
        json_t *it;
        json_array_foreach(list, k, it) {
            const char *key = json_string_value(json_object_get(it, "arm"));
            json_t *sc = json_object_get(it, "score_after");
            if (!key || !json_is_number(sc))
                continue;
            for (size_t j = 0; j < as->n; j++)
                if (!strcmp(as->v[j].key, key)) {
                    as->v[j].score_before = json_number_value(sc);
                    as->v[j].has_before = true;
                }
        }
        json_decref(root);
    }
    PQclear(res);
    return 0;
}

/* '{"a","b"}' for a text[] parameter. */
static void pg_text_array(struct sbuf *sb, const struct arms *as)
{
    sbuf_addc(sb, '{');
    for (size_t i = 0; i < as->n; i++) {
        if (i)
            sbuf_addc(sb, ',');
        sbuf_addc(sb, '"');
        for (const char *s = as->v[i].key; *s; s++) {
            if (*s == '"' || *s == '\\')
                sbuf_addc(sb, '\\');
            sbuf_addc(sb, *s);
        }
        sbuf_addc(sb, '"');
    }
    sbuf_addc(sb, '}');
}

static const char *arm_cols[] = {
    "posts_count", "avg_likes", "avg_retweets", "avg_replies", "avg_impressions", "avg_engagement_rate",
    "total_followers_gained", "avg_followers_per_post", "follower_conversion_rate", "success_rate",
    "viral_coefficient", "thompson_alpha", "thompson_beta", "selection_score", "last_used", "evidence_weight",
    "prior_alpha", "prior_beta", "posterior_mean", "posterior_lo", "posterior_hi", "as_of", "last_updated",
    "exploratory",
};
#define N_ARM_COLS (sizeof arm_cols / sizeof arm_cols[0])

static void upsert_sql(struct sbuf *sb, const struct component *c, bool with_name)
{
    int n = 2;
    sbuf_addf(sb, "INSERT INTO %s (account_id, %s", c->table, c->key_col);
    if (with_name)
        sbuf_adds(sb, ", content_type_name");
    for (size_t k = 0; k < N_ARM_COLS; k++)
        sbuf_addf(sb, ", %s", arm_cols[k]);
    sbuf_adds(sb, ") VALUES ($1, $2");
    if (with_name)
        sbuf_addf(sb, ", $%d", ++n);
    for (size_t k = 0; k < N_ARM_COLS; k++)
        sbuf_addf(sb, ", $%d", ++n);
    sbuf_addf(sb, ") ON CONFLICT (account_id, %s) DO UPDATE SET ", c->key_col);
    if (with_name)
        sbuf_adds(sb, "content_type_name = EXCLUDED.content_type_name, ");
    for (size_t k = 0; k < N_ARM_COLS; k++)
        sbuf_addf(sb, "%s%s = EXCLUDED.%s", k ? ", " : "", arm_cols[k], arm_cols[k]);
}

static int write_arm(struct db *db, const char *sql, bool with_name, const char *acct_id, const char *asof_txt,
                     const struct arm *a, double a0, double b0, struct xerr *err)
{
    char b[N_ARM_COLS][40];
    const char *p[3 + N_ARM_COLS];
    int n = 0, k = 0;
    double np = (double)a->n_posts, nt = (double)a->n_tac;

    p[n++] = acct_id;
    p[n++] = a->key;
    if (with_name)
        p[n++] = a->name;
    p[n++] = db_fmt_long(b[k], sizeof b[k], a->n_posts), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio(a->sum_likes, nt)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio(a->sum_retweets, nt)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio(a->sum_replies, nt)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio(a->sum_impressions, nt)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio(a->sum_er, (double)a->n_er)), k++;
    p[n++] = db_fmt_long(b[k], sizeof b[k], lround(a->total_followers)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio(a->total_followers, np)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio(a->total_followers, a->sum_impressions)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio((double)a->n_success, np)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], ratio(a->sum_retweets, a->sum_impressions)), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], a->alpha), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], a->beta), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], a->score), k++;
    p[n++] = a->last_used ? db_fmt_time(b[k], sizeof b[k], a->last_used) : NULL, k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], a->ev.sum_w), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], a0), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], b0), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], a->mean), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], a->lo), k++;
    p[n++] = db_fmt_double(b[k], sizeof b[k], a->hi), k++;
    p[n++] = asof_txt;
    p[n++] = asof_txt; /* last_updated: the knowledge is as of --as-of, so a rerun changes nothing */
    p[n++] = a->exploratory ? "true" : "false";
    return db_cmd(db, sql, n, p, NULL, err);
}

static json_t *arm_json(const struct arm *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "arm", json_string(a->key));
    json_object_set_new(o, "name", json_string(a->name));
    json_object_set_new(o, "score", jnum(a->score));
    json_object_set_new(o, "posterior_mean", jnum(a->mean));
    json_object_set_new(o, "posterior_90", json_pack("[oo]", jnum(a->lo), jnum(a->hi)));
    json_object_set_new(o, "posts", json_integer(a->n_posts));
    json_object_set_new(o, "evidence_weight", jnum(a->ev.sum_w));
    json_object_set_new(o, "total_followers", jnum(a->total_followers));
    json_object_set_new(o, "exploratory", json_boolean(a->exploratory));
    return o;
}

/* Everything for one component: posterior, scores, rows.  Inside the caller's transaction. */
static int learn_component(struct db *db, const struct account *acct, const struct settings *s, int64_t as_of,
                           const char *asof_txt, int64_t run_id, int ci, const PGresult *res, const double *imp,
                           const double *joint_pb, struct stage_counts *counts, struct xerr *err)
{
    const struct component *c = &components[ci];
    struct arms as = { 0 };
    struct thompson_evidence pooled = { 0 };
    struct arms_obs *obs = NULL;
    struct arms_post *post = NULL;
    struct arms_prior prior = { 0 };
    size_t n_obs = 0;
    double *alpha = NULL, *beta = NULL, *pb = NULL;
    struct sbuf sql = SBUF_INIT, arr = SBUF_INIT;
    json_t *applied = NULL, *insights = NULL, *before = NULL, *after = NULL;
    char *j_applied = NULL, *j_insights = NULL, *j_before = NULL, *j_after = NULL;
    char acct_id[32], prev_asof[40];
    double a0 = NAN, b0 = NAN;
    long matured_posts = 0;
    int rc = 0;
    int64_t mature_before = as_of - (int64_t)llround(s->maturity_hours * 3600.0);

    sbuf_init(&sql);
    sbuf_init(&arr);
    db_fmt_long(acct_id, sizeof acct_id, (long)acct->id);

    /* Arms and their evidence. */
    for (int i = 0; i < PQntuples(res); i++) {
        int col = ci == COMP_TYPE ? Q_TYPE_ID : ci == COMP_FORMULA ? Q_FORMULA : Q_HOOK;
        if (db_isnull(res, i, col))
            continue;
        int64_t posted = db_epoch(res, i, Q_POSTED, 0);
        bool matured = posted <= mature_before && !db_isnull(res, i, Q_FOLLOWERS);
        double w = 0;
        if (matured) {
            /* a time discount only: a weight that depended on the outcome
             * (the attribution's confidence) would bias the arm means */
            double age_days = (double)(mature_before - posted) / 86400.0;
            w = thompson_weight(&s->tp, 1.0, age_days);
            thompson_evidence_add(&pooled, w, db_double(res, i, Q_FOLLOWERS, 0));
            matured_posts++;
        }
        struct arm *a = arm_get(&as, PQgetvalue(res, i, col),
                                ci == COMP_TYPE ? db_str(res, i, Q_TYPE_NAME) : NULL);
        arm_add_post(a, res, i, matured, w, s);
    }
    if (as.n > 1)
        qsort(as.v, as.n, sizeof *as.v, arm_cmp);

    /*
     * Posteriors and P(best): normal-inverse-gamma on log1p(follows) per arm
     * (stats/arms.h), each matured post bringing its attribution's
     * imputations, discounted by age only.
     */
    if (as.n) {
        obs = xcalloc((size_t)PQntuples(res) + 1, sizeof *obs);
        for (int i = 0; i < PQntuples(res); i++) {
            int col = ci == COMP_TYPE ? Q_TYPE_ID : ci == COMP_FORMULA ? Q_FORMULA : Q_HOOK;
            if (db_isnull(res, i, col) || db_isnull(res, i, Q_FOLLOWERS))
                continue;
            int64_t posted = db_epoch(res, i, Q_POSTED, 0);
            if (posted > mature_before)
                continue;
            size_t k = 0;
            while (k < as.n && strcmp(as.v[k].key, PQgetvalue(res, i, col)))
                k++;
            obs[n_obs++] = (struct arms_obs){
                .arm = k,
                .w = thompson_weight(&s->tp, 1.0, (double)(mature_before - posted) / 86400.0),
                .imp = imp + (size_t)i * ATTRIB_NQ,
            };
        }
        post = xcalloc(as.n, sizeof *post);
        struct arms_params ap;
        arms_params_default(&ap);
        ap.n_imp = ATTRIB_NQ;
        ap.draws = s->draws;
        ap.kappa_min = s->tp.prior_weight;
        ap.min_posts = s->min_posts;
        ap.seed = thompson_seed(acct->id, as_of, c->name);
        if (arms_fit(obs, n_obs, as.n, &ap, &prior, post)) {
            rc = xerr_set(err, XETL_EX_SOFTWARE, "learn: invalid posterior for %s of '%s'", c->name, acct->handle);
            goto out;
        }
        /* stored as the variance's inverse-gamma (shape, scale) and the
         * typical follows per post expm1(mu) with its 90 % interval */
        a0 = prior.nu0 / 2.0;
        b0 = prior.nu0 * prior.s0sq / 2.0;
        for (size_t k = 0; k < as.n; k++) {
            struct arm *a = &as.v[k];
            a->alpha = post[k].nu_n / 2.0;
            a->beta = post[k].nu_n * post[k].s2_n / 2.0;
            a->mean = expm1(post[k].mean);
            a->lo = expm1(post[k].lo);
            a->hi = expm1(post[k].hi);
            /* the joint model's comparison when it was fitted (same arms, same order) */
            a->score = joint_pb ? joint_pb[k] : post[k].p_best;
            a->exploratory = post[k].exploratory;
        }
    }

    if ((rc = load_before(db, acct, asof_txt, c, &as, prev_asof, sizeof prev_asof, err)))
        goto out;

    /* Arm rows: upsert the arms seen, remove the ones no longer seen. */
    pg_text_array(&arr, &as);
    sbuf_addf(&sql, "DELETE FROM %s WHERE account_id = $1 AND %s <> ALL ($2::text[])", c->table, c->key_col);
    {
        const char *p[] = { acct_id, arr.buf };
        if ((rc = db_cmd(db, sql.buf, 2, p, NULL, err)))
            goto out;
    }
    sbuf_reset(&sql);
    upsert_sql(&sql, c, ci == COMP_TYPE);
    for (size_t k = 0; k < as.n; k++) {
        if ((rc = write_arm(db, sql.buf, ci == COMP_TYPE, acct_id, asof_txt, &as.v[k], a0, b0, err)))
            goto out;
        counts->rows++;
    }

    /* learning_updates: what changed, the best and worst arms, the policy's expected value. */
    double sum_before = 0, e_before = 0, e_after = 0;
    bool any_before = false;
    for (size_t k = 0; k < as.n; k++)
        if (as.v[k].has_before) {
            sum_before += as.v[k].score_before;
            any_before = true;
        }
    bool prev_policy = any_before && sum_before > 0;
    for (size_t k = 0; k < as.n; k++) {
        const struct arm *a = &as.v[k];
        double p_before = prev_policy ? (a->has_before ? a->score_before / sum_before : 0) : 1.0 / (double)as.n;
        e_before += p_before * a->mean;
        e_after += a->score * a->mean;
    }

    applied = json_object();
    json_object_set_new(applied, "model", json_string("normal-inverse-gamma on log1p(follows), multiple imputation"));
    json_object_set_new(applied, "selection",
                        json_string(joint_pb ? "joint: type + formula + hook + impressions"
                                             : "marginal: this component's arms alone"));
    json_object_set_new(applied, "imputations", json_integer(ATTRIB_NQ));
    json_object_set_new(applied, "draws", json_integer(s->draws));
    json_object_set_new(applied, "half_life_days", jnum(s->tp.half_life_days));
    json_object_set_new(applied, "prior_weight", jnum(s->tp.prior_weight));
    json_object_set_new(applied, "maturity_hours", jnum(s->maturity_hours));
    json_object_set_new(applied, "success_followers", jnum(s->success_followers));
    json_object_set_new(applied, "prior",
                        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "alpha", jnum(a0), "beta", jnum(b0), "m0",
                                  jnum(prior.m0), "kappa0", jnum(prior.kappa0), "nu0", jnum(prior.nu0), "s0sq",
                                  jnum(prior.s0sq), "tau2", jnum(prior.tau2)));
    json_t *list = json_array();
    for (size_t k = 0; k < as.n; k++) {
        const struct arm *a = &as.v[k];
        json_t *o = json_object();
        json_object_set_new(o, "arm", json_string(a->key));
        json_object_set_new(o, "score_before", a->has_before ? jnum(a->score_before) : json_null());
        json_object_set_new(o, "score_after", jnum(a->score));
        json_object_set_new(o, "alpha", jnum(a->alpha));
        json_object_set_new(o, "beta", jnum(a->beta));
        json_object_set_new(o, "posterior_mean", jnum(a->mean));
        json_object_set_new(o, "evidence_weight", jnum(a->ev.sum_w));
        json_object_set_new(o, "posts", json_integer(a->n_posts));
        json_object_set_new(o, "exploratory", json_boolean(a->exploratory));
        json_array_append_new(list, o);
    }
    json_object_set_new(applied, "arms", list);

    insights = json_object();
    json_object_set_new(insights, "arms", json_integer((json_int_t)as.n));
    json_object_set_new(insights, "matured_posts", json_integer(matured_posts));
    json_object_set_new(insights, "evidence_weight", jnum(pooled.sum_w));
    /* exploratory arms are never called best (nor worst): too little evidence */
    size_t best = as.n, worst = as.n;
    for (size_t k = 0; k < as.n; k++) {
        if (as.v[k].exploratory)
            continue;
        if (best == as.n || as.v[k].score > as.v[best].score ||
            (as.v[k].score == as.v[best].score && as.v[k].mean > as.v[best].mean))
            best = k;
        if (worst == as.n || as.v[k].mean < as.v[worst].mean)
            worst = k;
    }
    if (best < as.n) {
        json_object_set_new(insights, "best", arm_json(&as.v[best]));
        json_object_set_new(insights, "worst", worst != best ? arm_json(&as.v[worst]) : json_null());
    } else {
        json_object_set_new(insights, "best", json_null());
        json_object_set_new(insights, "worst", json_null());
    }

    before = json_object();
    json_object_set_new(before, "policy", json_string(prev_policy ? "previous" : "uniform"));
    json_object_set_new(before, "previous_as_of", prev_asof[0] ? json_string(prev_asof) : json_null());
    json_object_set_new(before, "expected_followers_per_post", as.n ? jnum(e_before) : json_null());
    after = json_object();
    json_object_set_new(after, "policy", json_string("thompson"));
    json_object_set_new(after, "expected_followers_per_post", as.n ? jnum(e_after) : json_null());
    json_object_set_new(after, "observed_followers_per_post", jnum(ratio(pooled.sum_wy, pooled.sum_w)));
    json_object_set_new(after, "improvement_score",
                        json_string("dropped: no logged selection probabilities to estimate it off-policy"
                                    " (docs/learning.md)"));

    j_applied = json_dumps(applied, JSON_COMPACT);
    j_insights = json_dumps(insights, JSON_COMPACT);
    j_before = json_dumps(before, JSON_COMPACT);
    j_after = json_dumps(after, JSON_COMPACT);
    if (!j_applied || !j_insights || !j_before || !j_after) {
        rc = xerr_set(err, XETL_EX_SOFTWARE, "learn: cannot encode learning_updates json");
        goto out;
    }
    {
        char rid[32];
        const char *p[] = {
            acct_id, run_id ? db_fmt_long(rid, sizeof rid, (long)run_id) : NULL, asof_txt, c->update_type, c->name,
            j_applied, j_insights, j_before, j_after,
            NULL, /* improvement_score: dropped, see docs/learning.md */
        };
        rc = db_cmd(db,
                    "INSERT INTO learning_updates (account_id, run_id, as_of, update_type, component,"
                    " updates_applied, insights_summary, performance_before, performance_after, improvement_score)"
                    " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10)"
                    " ON CONFLICT (account_id, as_of, component) DO UPDATE SET run_id = EXCLUDED.run_id,"
                    " update_type = EXCLUDED.update_type, updates_applied = EXCLUDED.updates_applied,"
                    " insights_summary = EXCLUDED.insights_summary,"
                    " performance_before = EXCLUDED.performance_before,"
                    " performance_after = EXCLUDED.performance_after,"
                    " improvement_score = EXCLUDED.improvement_score",
                    10, p, NULL, err);
        if (rc)
            goto out;
        counts->rows++;
    }
    log_debug("learn: '%s' %s: %zu arms, %ld matured posts, prior gamma(%.3g, %.3g)", acct->handle, c->name, as.n,
              matured_posts, a0, b0);
out:
    free(j_applied);
    free(j_insights);
    free(j_before);
    free(j_after);
    json_decref(applied);
    json_decref(insights);
    json_decref(before);
    json_decref(after);
    sbuf_release(&sql);
    sbuf_release(&arr);
    free(alpha);
    free(beta);
    free(pb);
    free(obs);
    free(post);
    free(as.v);
    return rc;
}

/* One component's arms for the joint model: the keys (sorted as
 * learn_component sorts its arms) and their joint P(best). */
struct joint_comp {
    const char **keys;
    size_t n;
    double *pb;
};

static void joint_release(struct joint_comp *jc)
{
    for (int c = 0; c < N_COMP; c++) {
        free(jc[c].keys);
        free(jc[c].pb);
    }
}

static int key_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int comp_col(int ci)
{
    return ci == COMP_TYPE ? Q_TYPE_ID : ci == COMP_FORMULA ? Q_FORMULA : Q_HOOK;
}

/*
 * Selection scores from the joint model (stats/arms.h arms_joint_fit): every
 * matured post once, with its type, formula and hook (where it has them)
 * and its impressions; each component's effects get the prior precision of
 * its marginal fit.  Returns 0, or -1 when there is nothing to fit or the fit
 * fails (learn then keeps the marginal scores and says so).
 */
static int joint_scores(const PGresult *res, const double *imp, const struct settings *s, const struct account *acct,
                        int64_t as_of, struct joint_comp *jc)
{
    int n = PQntuples(res), rc = -1;
    int64_t mature_before = as_of - (int64_t)llround(s->maturity_hours * 3600.0);
    struct arms_joint_obs *jo = xcalloc((size_t)n + 1, sizeof *jo);
    struct arms_obs *mo = xcalloc((size_t)n + 1, sizeof *mo);
    struct arms_post *post = NULL;
    for (int c = 0; c < N_COMP; c++) {
        jc[c].keys = xcalloc((size_t)n + 1, sizeof *jc[c].keys);
        for (int i = 0; i < n; i++)
            if (!db_isnull(res, i, comp_col(c)))
                jc[c].keys[jc[c].n++] = PQgetvalue(res, i, comp_col(c));
        qsort(jc[c].keys, jc[c].n, sizeof *jc[c].keys, key_cmp);
        size_t u = 0;
        for (size_t k = 0; k < jc[c].n; k++)
            if (u == 0 || strcmp(jc[c].keys[u - 1], jc[c].keys[k]))
                jc[c].keys[u++] = jc[c].keys[k];
        jc[c].n = u;
        jc[c].pb = xcalloc(u + 1, sizeof(double));
    }
    size_t no = 0;
    double zsum = 0.0, zn = 0.0;
    for (int i = 0; i < n; i++) {
        int64_t posted = db_epoch(res, i, Q_POSTED, 0);
        if (posted > mature_before || db_isnull(res, i, Q_FOLLOWERS))
            continue;
        struct arms_joint_obs *o = &jo[no++];
        o->w = thompson_weight(&s->tp, 1.0, (double)(mature_before - posted) / 86400.0);
        o->imp = imp + (size_t)i * ATTRIB_NQ;
        o->z = db_isnull(res, i, Q_IMPRESSIONS) ? NAN : log1p(fmax(db_double(res, i, Q_IMPRESSIONS, 0), 0.0));
        if (isfinite(o->z)) {
            zsum += o->w * o->z;
            zn += o->w;
        }
        for (int c = 0; c < N_COMP; c++) {
            o->arm[c] = ARMS_NONE;
            if (db_isnull(res, i, comp_col(c)))
                continue;
            const char *key = PQgetvalue(res, i, comp_col(c));
            const char **hit = bsearch(&key, jc[c].keys, jc[c].n, sizeof *jc[c].keys, key_cmp);
            o->arm[c] = hit ? (size_t)(hit - jc[c].keys) : ARMS_NONE;
        }
    }
    /* impressions centred; unknown ones at the mean (no information) */
    for (size_t i = 0; i < no; i++)
        jo[i].z = isfinite(jo[i].z) && zn > 0.0 ? jo[i].z - zsum / zn : 0.0;
    if (no == 0)
        goto out;
    struct arms_params ap;
    arms_params_default(&ap);
    ap.n_imp = ATTRIB_NQ;
    ap.kappa_min = s->tp.prior_weight;
    ap.min_posts = s->min_posts;
    struct arms_joint_comp comp[N_COMP];
    struct arms_prior pr0 = { 0 };
    for (int c = 0; c < N_COMP; c++) {
        /* the component's prior: its marginal fit's (the draws are not needed) */
        size_t m = 0;
        for (size_t i = 0; i < no; i++)
            if (jo[i].arm[c] != ARMS_NONE)
                mo[m++] = (struct arms_obs){ .arm = jo[i].arm[c], .w = jo[i].w, .imp = jo[i].imp };
        struct arms_prior pr = { .kappa0 = ap.kappa_max };
        if (jc[c].n > 0) {
            free(post);
            post = xcalloc(jc[c].n, sizeof *post);
            ap.draws = ATTRIB_NQ;
            if (arms_fit(mo, m, jc[c].n, &ap, &pr, post))
                goto out;
        }
        if (c == COMP_TYPE)
            pr0 = pr;
        comp[c] = (struct arms_joint_comp){ .n_arms = jc[c].n, .kappa = pr.kappa0, .p_best = jc[c].pb };
    }
    if (pr0.s0sq <= 0.0)
        pr0.s0sq = 1.0;
    ap.draws = s->draws;
    ap.seed = thompson_seed(acct->id, as_of, "joint");
    rc = arms_joint_fit(jo, no, N_COMP, comp, pr0.m0, pr0.s0sq, &ap);
out:
    free(jo);
    free(mo);
    free(post);
    return rc;
}

int learn_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
              struct stage_counts *counts, struct xerr *err)
{
    struct settings s;
    PGresult *res = NULL;
    double *imp = NULL;
    struct joint_comp joint[N_COMP];
    bool have_joint = false;
    char acct_id[32], asof_txt[40];
    bool in_tx = false;
    int rc;

    memset(joint, 0, sizeof joint);
    if ((rc = load_settings(cfg, &s, err)))
        return rc;
    db_fmt_long(acct_id, sizeof acct_id, (long)acct->id);
    db_fmt_time(asof_txt, sizeof asof_txt, a->as_of);
    if ((rc = db_begin(db, err)))
        goto out;
    in_tx = true;
    {
        const char *p[] = { acct_id, asof_txt };
        if (!(res = db_exec(db, posts_sql, 2, p, err))) {
            rc = err->code;
            goto out;
        }
    }
    imp = xcalloc((size_t)PQntuples(res) * ATTRIB_NQ + 1, sizeof *imp);
    for (int i = 0; i < PQntuples(res); i++)
        load_imputations(res, i, imp + (size_t)i * ATTRIB_NQ);
    have_joint = joint_scores(res, imp, &s, acct, a->as_of, joint) == 0;
    for (int ci = 0; ci < N_COMP; ci++)
        if ((rc = learn_component(db, acct, &s, a->as_of, asof_txt, a->run_id, ci, res, imp,
                                  have_joint ? joint[ci].pb : NULL, counts, err)))
            goto out;
    rc = db_commit(db, err);
    in_tx = false;
out:
    if (in_tx)
        db_rollback(db);
    PQclear(res);
    free(imp);
    joint_release(joint);
    if (rc)
        xerr_prefix(err, "learn '%s': ", acct->handle);
    return rc;
}
