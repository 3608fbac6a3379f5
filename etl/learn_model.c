/*
 * etl/learn_model.c — learn's model without the database (see
 * learn_model.h; the model is argued in docs/learning.md).
 */
#include "etl/learn_model.h"

#include "common/json.h"
#include "common/sbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct learn_arm *arm_get(struct learn_arms *as, const char *key, const char *name)
{
    for (size_t i = 0; i < as->n; i++)
        if (!strcmp(as->v[i].key, key))
            return &as->v[i];
    if (as->n == as->cap) {
        as->cap = as->cap ? 2 * as->cap : 16;
        as->v = xrealloc(as->v, as->cap * sizeof *as->v);
    }
    struct learn_arm *a = &as->v[as->n++];
    memset(a, 0, sizeof *a);
    a->key = key;
    a->name = name ? name : key;
    return a;
}

static int arm_cmp(const void *x, const void *y)
{
    return strcmp(((const struct learn_arm *)x)->key, ((const struct learn_arm *)y)->key);
}

/* Adds one post to its arm. */
static void arm_add_post(struct learn_arm *a, const struct learn_post *p, bool matured, double w,
                         const struct learn_settings *s)
{
    if (p->posted > a->last_used)
        a->last_used = p->posted;
    if (!matured)
        return;
    double y = p->followers;
    a->n_posts++;
    a->total_followers += y;
    if (y >= s->success_followers)
        a->n_success++;
    thompson_evidence_add(&a->ev, w, y);
    if (p->has_tac) {
        a->n_tac++;
        a->sum_likes += p->likes;
        a->sum_retweets += p->retweets;
        a->sum_replies += p->replies;
        a->sum_impressions += p->impressions;
        if (p->has_er) {
            a->n_er++;
            a->sum_er += p->er;
        }
    }
}

long learn_collect_arms(const struct learn_post *posts, size_t n, int comp, const struct learn_settings *s,
                        int64_t mature_before, struct learn_arms *as, struct thompson_evidence *pooled)
{
    long matured_posts = 0;
    for (size_t i = 0; i < n; i++) {
        const struct learn_post *p = &posts[i];
        if (!p->key[comp])
            continue;
        bool matured = p->posted <= mature_before && p->has_followers;
        double w = 0;
        if (matured) {
            /* a time discount only: a weight that depended on the outcome
             * (the attribution's confidence) would bias the arm means */
            w = thompson_weight(&s->tp, 1.0, (double)(mature_before - p->posted) / 86400.0);
            thompson_evidence_add(pooled, w, p->followers);
            matured_posts++;
        }
        struct learn_arm *a = arm_get(as, p->key[comp], comp == LEARN_TYPE ? p->type_name : NULL);
        arm_add_post(a, p, matured, w, s);
    }
    if (as->n > 1)
        qsort(as->v, as->n, sizeof *as->v, arm_cmp);
    return matured_posts;
}

void learn_imputations(const char *draws, double y, double *imp)
{
    for (int q = 0; q < ATTRIB_NQ; q++)
        imp[q] = y;
    if (!draws || !*draws)
        return;
    struct jv *arr = jv_parse(draws, strlen(draws), NULL, 0);
    if (jv_is_array(arr) && jv_len(arr) == ATTRIB_NQ) {
        bool ok = true;
        for (size_t q = 0; q < ATTRIB_NQ; q++)
            ok = ok && jv_is_number(jv_at(arr, q));
        for (size_t q = 0; ok && q < ATTRIB_NQ; q++)
            imp[q] = jv_num(jv_at(arr, q), y);
    }
    jv_free(arr);
}

void learn_policy_values(const struct learn_arms *as, bool *prev_policy, double *e_before, double *e_after)
{
    double sum_before = 0;
    bool any_before = false;
    *e_before = *e_after = 0;
    for (size_t k = 0; k < as->n; k++)
        if (as->v[k].has_before) {
            sum_before += as->v[k].score_before;
            any_before = true;
        }
    *prev_policy = any_before && sum_before > 0;
    for (size_t k = 0; k < as->n; k++) {
        const struct learn_arm *a = &as->v[k];
        double p_before =
            *prev_policy ? (a->has_before ? a->score_before / sum_before : 0) : 1.0 / (double)as->n;
        *e_before += p_before * a->mean;
        *e_after += a->score * a->mean;
    }
}


/* ---------------------------------------------------------------- the marginal fit */

/*
 * Posteriors and P(best): normal-inverse-gamma on log1p(follows) per arm
 * (stats/arms.h), each matured post bringing its attribution's imputations,
 * discounted by age only.  Returns 0 or -1 when the fit is invalid.
 */
int learn_fit_arms(struct learn_arms *as, const struct learn_post *posts, size_t n, int comp,
                   const struct learn_settings *s, int64_t mature_before, uint64_t seed, const double *joint_pb,
                   struct arms_prior *prior, double *a0, double *b0)
{
    struct arms_obs *obs = xcalloc(n + 1, sizeof *obs);
    struct arms_post *post = xcalloc(as->n, sizeof *post);
    size_t n_obs = 0;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        const struct learn_post *p = &posts[i];
        if (!p->key[comp] || !p->has_followers || p->posted > mature_before)
            continue;
        size_t k = 0;
        while (k < as->n && strcmp(as->v[k].key, p->key[comp]))
            k++;
        obs[n_obs++] = (struct arms_obs){
            .arm = k,
            .w = thompson_weight(&s->tp, 1.0, (double)(mature_before - p->posted) / 86400.0),
            .imp = p->imp,
        };
    }
    struct arms_params ap;
    arms_params_default(&ap);
    ap.n_imp = ATTRIB_NQ;
    ap.draws = s->draws;
    ap.kappa_min = s->tp.prior_weight;
    ap.min_posts = s->min_posts;
    ap.seed = seed;
    if (arms_fit(obs, n_obs, as->n, &ap, prior, post)) {
        rc = -1;
        goto out;
    }
    /* stored as the variance's inverse-gamma (shape, scale) and the
     * typical follows per post expm1(mu) with its 90 % interval */
    *a0 = prior->nu0 / 2.0;
    *b0 = prior->nu0 * prior->s0sq / 2.0;
    for (size_t k = 0; k < as->n; k++) {
        struct learn_arm *a = &as->v[k];
        a->alpha = post[k].nu_n / 2.0;
        a->beta = post[k].nu_n * post[k].s2_n / 2.0;
        a->mean = expm1(post[k].mean);
        a->lo = expm1(post[k].lo);
        a->hi = expm1(post[k].hi);
        /* the joint model's comparison when it was fitted (same arms, same order) */
        a->score = joint_pb ? joint_pb[k] : post[k].p_best;
        a->exploratory = post[k].exploratory;
    }
out:
    free(obs);
    free(post);
    return rc;
}

/* ---------------------------------------------------------------- the joint model */

void learn_joint_release(struct learn_joint *jc)
{
    for (int c = 0; c < LEARN_NCOMP; c++) {
        free(jc[c].keys);
        free(jc[c].pb);
    }
}

static int key_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Each component's distinct keys, sorted. */
static void joint_keys(const struct learn_post *posts, size_t n, struct learn_joint *jc)
{
    for (int c = 0; c < LEARN_NCOMP; c++) {
        jc[c].keys = xcalloc(n + 1, sizeof *jc[c].keys);
        for (size_t i = 0; i < n; i++)
            if (posts[i].key[c])
                jc[c].keys[jc[c].n++] = posts[i].key[c];
        qsort(jc[c].keys, jc[c].n, sizeof *jc[c].keys, key_cmp);
        size_t u = 0;
        for (size_t k = 0; k < jc[c].n; k++)
            if (u == 0 || strcmp(jc[c].keys[u - 1], jc[c].keys[k]))
                jc[c].keys[u++] = jc[c].keys[k];
        jc[c].n = u;
        jc[c].pb = xcalloc(u + 1, sizeof(double));
    }
}

/* Every matured post once, with its arms and its impressions centred (unknown ones at the mean). */
static size_t joint_obs(const struct learn_post *posts, size_t n, const struct learn_settings *s,
                        int64_t mature_before, const struct learn_joint *jc, struct arms_joint_obs *jo)
{
    size_t no = 0;
    double zsum = 0.0, zn = 0.0;
    for (size_t i = 0; i < n; i++) {
        const struct learn_post *p = &posts[i];
        if (p->posted > mature_before || !p->has_followers)
            continue;
        struct arms_joint_obs *o = &jo[no++];
        o->w = thompson_weight(&s->tp, 1.0, (double)(mature_before - p->posted) / 86400.0);
        o->imp = p->imp;
        o->z = p->has_impressions ? log1p(fmax(p->impressions, 0.0)) : NAN;
        if (isfinite(o->z)) {
            zsum += o->w * o->z;
            zn += o->w;
        }
        for (int c = 0; c < LEARN_NCOMP; c++) {
            o->arm[c] = ARMS_NONE;
            if (!p->key[c])
                continue;
            const char **hit = bsearch(&p->key[c], jc[c].keys, jc[c].n, sizeof *jc[c].keys, key_cmp);
            o->arm[c] = hit ? (size_t)(hit - jc[c].keys) : ARMS_NONE;
        }
    }
    for (size_t i = 0; i < no; i++)
        jo[i].z = isfinite(jo[i].z) && zn > 0.0 ? jo[i].z - zsum / zn : 0.0;
    return no;
}

/*
 * Selection scores from the joint model (stats/arms.h arms_joint_fit): every
 * matured post once, with its type, formula and hook (where it has them)
 * and its impressions; each component's effects get the prior precision of
 * its marginal fit.  Returns 0, or -1 when there is nothing to fit or the fit
 * fails (learn then keeps the marginal scores and says so).
 */
int learn_joint_scores(const struct learn_post *posts, size_t n, const struct learn_settings *s, int64_t account_id,
                       int64_t as_of, struct learn_joint *jc)
{
    int rc = -1;
    int64_t mature_before = as_of - (int64_t)llround(s->maturity_hours * 3600.0);
    struct arms_joint_obs *jo = xcalloc(n + 1, sizeof *jo);
    struct arms_obs *mo = xcalloc(n + 1, sizeof *mo);
    struct arms_post *post = NULL;
    joint_keys(posts, n, jc);
    size_t no = joint_obs(posts, n, s, mature_before, jc, jo);
    if (no == 0)
        goto out;
    struct arms_params ap;
    arms_params_default(&ap);
    ap.n_imp = ATTRIB_NQ;
    ap.kappa_min = s->tp.prior_weight;
    ap.min_posts = s->min_posts;
    struct arms_joint_comp comp[LEARN_NCOMP];
    struct arms_prior pr0 = { 0 };
    for (int c = 0; c < LEARN_NCOMP; c++) {
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
        if (c == LEARN_TYPE)
            pr0 = pr;
        comp[c] = (struct arms_joint_comp){ .n_arms = jc[c].n, .kappa = pr.kappa0, .p_best = jc[c].pb };
    }
    if (pr0.s0sq <= 0.0)
        pr0.s0sq = 1.0;
    ap.draws = s->draws;
    ap.seed = thompson_seed(account_id, as_of, "joint");
    rc = arms_joint_fit(jo, no, LEARN_NCOMP, comp, pr0.m0, pr0.s0sq, &ap);
out:
    free(jo);
    free(mo);
    free(post);
    return rc;
}
