/*
 * etl/learn.c — the learn stage (see learn.h): reads the posts, runs the
 * model (etl/learn_model.h) per component and writes its rows; the model is
 * argued in docs/learning.md, the statements are in sql/queries/learn/.
 */
#include "etl/learn.h"
#include "etl/learn_model.h"

#include "common/json.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "etl/db.h"
#include "stats/arms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct component {
    const char *name;        /* learning_updates.component and seed tag */
    const char *update_type; /* learning_updates.update_type */
    const char *upsert;      /* the arm row's statement */
    const char *remove;      /* removes the arms no longer seen ($2: the keys seen) */
} components[LEARN_NCOMP] = {
    { "content_types", "content_type_update", "learn/upsert_content_types",
      "DELETE FROM content_type_performance WHERE account_id = $1 AND content_type_id <> ALL ($2::text[])" },
    { "formulas", "formula_update", "learn/upsert_formulas",
      "DELETE FROM formula_performance WHERE account_id = $1 AND formula_name <> ALL ($2::text[])" },
    { "hooks", "hook_update", "learn/upsert_hooks",
      "DELETE FROM hook_performance WHERE account_id = $1 AND hook_used <> ALL ($2::text[])" },
};

/* ---------------------------------------------------------------- reading */

static int load_settings(const struct config *cfg, struct learn_settings *s, struct xerr *err)
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

/* The posts query's rows as posts (strings borrowed from res). */
static struct learn_post *read_posts(const struct db_res *res)
{
    int n = db_nrows(res);
    int c_posted = db_col(res, "posted"), c_type = db_col(res, "type_id"), c_name = db_col(res, "type_name");
    int c_formula = db_col(res, "formula"), c_hook = db_col(res, "hook"), c_fol = db_col(res, "followers");
    int c_draws = db_col(res, "draws"), c_tac = db_col(res, "has_tac"), c_likes = db_col(res, "likes");
    int c_rt = db_col(res, "retweets"), c_rp = db_col(res, "replies"), c_impr = db_col(res, "impressions");
    int c_er = db_col(res, "er");
    struct learn_post *posts = xcalloc((size_t)n + 1, sizeof *posts);
    for (int i = 0; i < n; i++) {
        struct learn_post *p = &posts[i];
        p->posted = db_get_int64(res, i, c_posted, 0);
        p->key[LEARN_TYPE] = db_get_text(res, i, c_type);
        p->key[LEARN_FORMULA] = db_get_text(res, i, c_formula);
        p->key[LEARN_HOOK] = db_get_text(res, i, c_hook);
        p->type_name = db_get_text(res, i, c_name);
        p->has_followers = !db_get_null(res, i, c_fol);
        p->followers = db_get_double(res, i, c_fol, 0);
        p->has_tac = db_get_bool(res, i, c_tac, false);
        p->likes = db_get_double(res, i, c_likes, 0);
        p->retweets = db_get_double(res, i, c_rt, 0);
        p->replies = db_get_double(res, i, c_rp, 0);
        p->impressions = db_get_double(res, i, c_impr, 0);
        p->has_impressions = !db_get_null(res, i, c_impr);
        p->has_er = !db_get_null(res, i, c_er);
        p->er = db_get_double(res, i, c_er, 0);
        learn_imputations(db_get_text(res, i, c_draws), p->followers, p->imp);
    }
    return posts;
}

/* The previous cycle's scores (the latest learning_updates row before as_of). */
static int load_before(struct db *db, const char *acct_id, const char *asof_txt, const struct component *c,
                       struct learn_arms *as, char *prev_asof, size_t prev_n, struct xerr *err)
{
    const char *p[] = { acct_id, c->name, asof_txt };
    struct db_res *res;
    int rc;
    if ((rc = db_query(db, "learn/before", 3, p, &res, err)))
        return rc;
    prev_asof[0] = '\0';
    if (db_nrows(res) == 1) {
        const char *applied = db_get_text(res, 0, db_col(res, "applied"));
        snprintf(prev_asof, prev_n, "%s", db_get_text(res, 0, db_col(res, "as_of")));
        struct jv *root = applied ? jv_parse(applied, strlen(applied), NULL, 0) : NULL;
        const struct jv *list = jv_get(root, "arms");
        for (size_t k = 0; k < jv_len(list); k++) {
            const struct jv *it = jv_at(list, k), *sc = jv_get(it, "score_after");
            const char *key = jv_str(jv_get(it, "arm"));
            if (!key || !jv_is_number(sc))
                continue;
            for (size_t j = 0; j < as->n; j++)
                if (!strcmp(as->v[j].key, key)) {
                    as->v[j].score_before = jv_num(sc, 0);
                    as->v[j].has_before = true;
                }
        }
        jv_free(root);
    }
    db_res_free(res);
    return 0;
}

/* One component's inputs and results while it is learned. */
struct comp_run {
    const struct component *c;
    int ci;
    struct learn_arms as;
    struct thompson_evidence pooled;
    struct arms_prior prior;
    double a0, b0; /* the prior as the variance's inverse-gamma (shape, scale) */
    long matured_posts;
    const double *joint_pb;
    char prev_asof[40];
};

static double ratio(double num, double den)
{
    return den > 0 ? num / den : NAN;
}

/* ---------------------------------------------------------------- writing */

/* '{"a","b"}' for a text[] parameter. */
static void pg_text_array(struct sbuf *sb, const struct learn_arms *as)
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

#define N_ARM_VALS 24 /* the columns after the key (and name) in sql/queries/learn/upsert_*.sql */

static int write_arm(struct db *db, const struct comp_run *r, const char *acct_id, const char *asof_txt,
                     const struct learn_arm *a, struct xerr *err)
{
    char b[N_ARM_VALS][40];
    const char *p[3 + N_ARM_VALS];
    int n = 0, k = 0;
    double np = (double)a->n_posts, nt = (double)a->n_tac;

    p[n++] = acct_id;
    p[n++] = a->key;
    if (r->ci == LEARN_TYPE)
        p[n++] = a->name;
#define NUM(v) (p[n++] = db_fmt_double(b[k], sizeof b[k], (v)), k++)
    p[n++] = db_fmt_long(b[k], sizeof b[k], a->n_posts), k++;
    NUM(ratio(a->sum_likes, nt));
    NUM(ratio(a->sum_retweets, nt));
    NUM(ratio(a->sum_replies, nt));
    NUM(ratio(a->sum_impressions, nt));
    NUM(ratio(a->sum_er, (double)a->n_er));
    p[n++] = db_fmt_long(b[k], sizeof b[k], lround(a->total_followers)), k++;
    NUM(ratio(a->total_followers, np));
    NUM(ratio(a->total_followers, a->sum_impressions));
    NUM(ratio((double)a->n_success, np));
    NUM(ratio(a->sum_retweets, a->sum_impressions));
    NUM(a->alpha);
    NUM(a->beta);
    NUM(a->score);
    p[n++] = a->last_used ? db_fmt_time(b[k], sizeof b[k], a->last_used) : NULL, k++;
    NUM(a->ev.sum_w);
    NUM(r->a0);
    NUM(r->b0);
    NUM(a->mean);
    NUM(a->lo);
    NUM(a->hi);
#undef NUM
    p[n++] = asof_txt;
    p[n++] = asof_txt; /* last_updated: the knowledge is as of --as-of, so a rerun changes nothing */
    p[n++] = a->exploratory ? "true" : "false";
    return db_cmd(db, r->c->upsert, n, p, NULL, err);
}

/* Arm rows: upsert the arms seen, remove the ones no longer seen. */
static int write_arms(struct db *db, const struct comp_run *r, const char *acct_id, const char *asof_txt,
                      struct stage_counts *counts, struct xerr *err)
{
    struct sbuf arr = SBUF_INIT;
    int rc;
    sbuf_init(&arr);
    pg_text_array(&arr, &r->as);
    const char *p[] = { acct_id, arr.buf };
    rc = db_cmd(db, r->c->remove, 2, p, NULL, err);
    sbuf_release(&arr);
    for (size_t k = 0; !rc && k < r->as.n; k++)
        if (!(rc = write_arm(db, r, acct_id, asof_txt, &r->as.v[k], err)))
            counts->rows++;
    return rc;
}

static void key_real(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    jw_real(w, v);
}

static void key_int(struct jw *w, const char *key, long v)
{
    jw_key(w, key);
    jw_int(w, v);
}

static void key_str(struct jw *w, const char *key, const char *v)
{
    jw_key(w, key);
    jw_str(w, v);
}

static void key_bool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

/* updates_applied: the model, its settings and prior, and every arm's change. */
static void json_applied(struct sbuf *out, const struct comp_run *r, const struct learn_settings *s)
{
    struct jw w;
    jw_init(&w, out);
    jw_obj(&w);
    key_str(&w, "model", "normal-inverse-gamma on log1p(follows), multiple imputation");
    key_str(&w, "selection",
            r->joint_pb ? "joint: type + formula + hook + impressions" : "marginal: this component's arms alone");
    key_int(&w, "imputations", ATTRIB_NQ);
    key_int(&w, "draws", s->draws);
    key_real(&w, "half_life_days", s->tp.half_life_days);
    key_real(&w, "prior_weight", s->tp.prior_weight);
    key_real(&w, "maturity_hours", s->maturity_hours);
    key_real(&w, "success_followers", s->success_followers);
    jw_key(&w, "prior");
    jw_obj(&w);
    key_real(&w, "alpha", r->a0);
    key_real(&w, "beta", r->b0);
    key_real(&w, "m0", r->prior.m0);
    key_real(&w, "kappa0", r->prior.kappa0);
    key_real(&w, "nu0", r->prior.nu0);
    key_real(&w, "s0sq", r->prior.s0sq);
    key_real(&w, "tau2", r->prior.tau2);
    jw_obj_end(&w);
    jw_key(&w, "arms");
    jw_arr(&w);
    for (size_t k = 0; k < r->as.n; k++) {
        const struct learn_arm *a = &r->as.v[k];
        jw_obj(&w);
        key_str(&w, "arm", a->key);
        key_real(&w, "score_before", a->has_before ? a->score_before : NAN);
        key_real(&w, "score_after", a->score);
        key_real(&w, "alpha", a->alpha);
        key_real(&w, "beta", a->beta);
        key_real(&w, "posterior_mean", a->mean);
        key_real(&w, "evidence_weight", a->ev.sum_w);
        key_int(&w, "posts", a->n_posts);
        key_bool(&w, "exploratory", a->exploratory);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
}

static void json_arm(struct jw *w, const char *key, const struct learn_arm *a)
{
    jw_key(w, key);
    if (!a) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    key_str(w, "arm", a->key);
    key_str(w, "name", a->name);
    key_real(w, "score", a->score);
    key_real(w, "posterior_mean", a->mean);
    jw_key(w, "posterior_90");
    jw_arr(w);
    jw_real(w, a->lo);
    jw_real(w, a->hi);
    jw_arr_end(w);
    key_int(w, "posts", a->n_posts);
    key_real(w, "evidence_weight", a->ev.sum_w);
    key_real(w, "total_followers", a->total_followers);
    key_bool(w, "exploratory", a->exploratory);
    jw_obj_end(w);
}

/* insights_summary: the best and worst arms (exploratory arms are never called either: too little evidence). */
static void json_insights(struct sbuf *out, const struct comp_run *r)
{
    const struct learn_arms *as = &r->as;
    size_t best = as->n, worst = as->n;
    for (size_t k = 0; k < as->n; k++) {
        if (as->v[k].exploratory)
            continue;
        if (best == as->n || as->v[k].score > as->v[best].score ||
            (as->v[k].score == as->v[best].score && as->v[k].mean > as->v[best].mean))
            best = k;
        if (worst == as->n || as->v[k].mean < as->v[worst].mean)
            worst = k;
    }
    struct jw w;
    jw_init(&w, out);
    jw_obj(&w);
    key_int(&w, "arms", (long)as->n);
    key_int(&w, "matured_posts", r->matured_posts);
    key_real(&w, "evidence_weight", r->pooled.sum_w);
    json_arm(&w, "best", best < as->n ? &as->v[best] : NULL);
    json_arm(&w, "worst", best < as->n && worst != best ? &as->v[worst] : NULL);
    jw_obj_end(&w);
}

/* performance_before and performance_after: the policy's expected value, before and after. */
static void json_policy(struct sbuf *before, struct sbuf *after, const struct comp_run *r)
{
    bool prev_policy;
    double e_before, e_after;
    struct jw w;
    learn_policy_values(&r->as, &prev_policy, &e_before, &e_after);
    jw_init(&w, before);
    jw_obj(&w);
    key_str(&w, "policy", prev_policy ? "previous" : "uniform");
    key_str(&w, "previous_as_of", r->prev_asof[0] ? r->prev_asof : NULL);
    key_real(&w, "expected_followers_per_post", r->as.n ? e_before : NAN);
    jw_obj_end(&w);
    jw_init(&w, after);
    jw_obj(&w);
    key_str(&w, "policy", "thompson");
    key_real(&w, "expected_followers_per_post", r->as.n ? e_after : NAN);
    key_real(&w, "observed_followers_per_post", ratio(r->pooled.sum_wy, r->pooled.sum_w));
    key_str(&w, "improvement_score",
            "dropped: no logged selection probabilities to estimate it off-policy (docs/learning.md)");
    jw_obj_end(&w);
}

/* learning_updates: what changed, the best and worst arms, the policy's expected value. */
static int write_update(struct db *db, const struct comp_run *r, const struct learn_settings *s,
                        const char *acct_id, const char *asof_txt, int64_t run_id, struct xerr *err)
{
    struct sbuf j[4];
    char rid[32];
    for (int i = 0; i < 4; i++)
        sbuf_init(&j[i]);
    json_applied(&j[0], r, s);
    json_insights(&j[1], r);
    json_policy(&j[2], &j[3], r);
    const char *p[] = {
        acct_id, run_id ? db_fmt_long(rid, sizeof rid, (long)run_id) : NULL, asof_txt, r->c->update_type,
        r->c->name, j[0].buf, j[1].buf, j[2].buf, j[3].buf,
        NULL, /* improvement_score: dropped, see docs/learning.md */
    };
    int rc = db_cmd(db, "learn/update", 10, p, NULL, err);
    for (int i = 0; i < 4; i++)
        sbuf_release(&j[i]);
    return rc;
}

/* Everything for one component: posterior, scores, rows.  Inside the caller's transaction. */
static int learn_component(struct db *db, const struct account *acct, const struct learn_settings *s,
                           const struct stage_args *a, const char *asof_txt, int ci, const struct learn_post *posts,
                           size_t n, const double *joint_pb, struct stage_counts *counts, struct xerr *err)
{
    struct comp_run r = { .c = &components[ci], .ci = ci, .a0 = NAN, .b0 = NAN, .joint_pb = joint_pb };
    int64_t mature_before = a->as_of - (int64_t)llround(s->maturity_hours * 3600.0);
    char acct_id[32];
    int rc = 0;

    db_fmt_long(acct_id, sizeof acct_id, (long)acct->id);
    r.matured_posts = learn_collect_arms(posts, n, ci, s, mature_before, &r.as, &r.pooled);
    if (r.as.n && learn_fit_arms(&r.as, posts, n, ci, s, mature_before, thompson_seed(acct->id, a->as_of, r.c->name),
                                 joint_pb, &r.prior, &r.a0, &r.b0)) {
        rc = xerr_set(err, XETL_EX_SOFTWARE, "learn: invalid posterior for %s of '%s'", r.c->name, acct->handle);
        goto out;
    }
    if ((rc = load_before(db, acct_id, asof_txt, r.c, &r.as, r.prev_asof, sizeof r.prev_asof, err)) ||
        (rc = write_arms(db, &r, acct_id, asof_txt, counts, err)) ||
        (rc = write_update(db, &r, s, acct_id, asof_txt, a->run_id, err)))
        goto out;
    counts->rows++;
    log_debug("learn: '%s' %s: %zu arms, %ld matured posts, prior gamma(%.3g, %.3g)", acct->handle, r.c->name,
              r.as.n, r.matured_posts, r.a0, r.b0);
out:
    free(r.as.v);
    return rc;
}

/* ---------------------------------------------------------------- the stage */

int learn_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
              struct stage_counts *counts, struct xerr *err)
{
    struct learn_settings s;
    struct db_res *res = NULL;
    struct learn_post *posts = NULL;
    struct learn_joint joint[LEARN_NCOMP];
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
    const char *p[] = { acct_id, asof_txt };
    if ((rc = db_query(db, "learn/posts", 2, p, &res, err)))
        goto out;
    size_t n = (size_t)db_nrows(res);
    posts = read_posts(res);
    bool have_joint = learn_joint_scores(posts, n, &s, acct->id, a->as_of, joint) == 0;
    for (int ci = 0; ci < LEARN_NCOMP; ci++)
        if ((rc = learn_component(db, acct, &s, a, asof_txt, ci, posts, n, have_joint ? joint[ci].pb : NULL,
                                  counts, err)))
            goto out;
    rc = db_commit(db, err);
    in_tx = false;
out:
    if (in_tx)
        db_rollback(db);
    free(posts);
    db_res_free(res);
    learn_joint_release(joint);
    if (rc)
        xerr_prefix(err, "learn '%s': ", acct->handle);
    return rc;
}
