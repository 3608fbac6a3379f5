/*
 * etl/learn_model.h — learn's model without the database, so it is testable
 * without a server: the arms of a component and their evidence, each
 * post's imputations, the per-arm posteriors and P(best) (marginal, or the
 * joint model of type + formula + hook + impressions) and the policy values
 * learning_updates records.  The numerics are stats/arms.h; the model and
 * why: docs/learning.md.
 */
#ifndef XETL_LEARN_MODEL_H
#define XETL_LEARN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats/arms.h"
#include "stats/attrib.h"
#include "stats/thompson.h"

enum { LEARN_TYPE = 0, LEARN_FORMULA = 1, LEARN_HOOK = 2, LEARN_NCOMP = 3 };

struct learn_settings {
    struct thompson_params tp;
    long draws;
    double maturity_hours;
    double success_followers;
    double min_posts;
};

/* One post as the posts query read it (strings borrowed from the result). */
struct learn_post {
    int64_t posted;
    const char *key[LEARN_NCOMP]; /* its content type id, formula, hook; NULL = none */
    const char *type_name;
    bool has_followers;           /* a matured 168 h attribution measured by the as-of */
    double followers;
    bool has_tac;                 /* counters known by the as-of */
    double likes, retweets, replies, impressions; /* NULL counted 0 */
    bool has_impressions;
    bool has_er;
    double er;                    /* xetl.engagement_rate of those counters */
    double imp[ATTRIB_NQ];        /* the 168 h follows' imputations */
};

/* One arm of a component and what learn fits and writes for it. */
struct learn_arm {
    const char *key;  /* borrowed from the posts */
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

struct learn_arms {
    struct learn_arm *v;
    size_t n, cap;
};

/*
 * The arms of component comp among the posts, sorted by key, with their
 * evidence (posts matured when posted <= mature_before with a follower
 * figure); *pooled gets every matured post.  Returns how many matured.
 */
long learn_collect_arms(const struct learn_post *posts, size_t n, int comp, const struct learn_settings *s,
                        int64_t mature_before, struct learn_arms *as, struct thompson_evidence *pooled);

/*
 * A post's ATTRIB_NQ equally likely 168 h follows: the attribution's
 * posterior quantiles (draws, a JSON array of ATTRIB_NQ numbers), else y for all.
 */
void learn_imputations(const char *draws, double y, double *imp);

/* The previous policy's and Thompson's expected followers per post over as (docs/learning.md). */
void learn_policy_values(const struct learn_arms *as, bool *prev_policy, double *e_before, double *e_after);

/*
 * The posteriors of as (learn_collect_arms' arms of component comp): each
 * matured post brings its imputations, discounted by age only.  Fills each
 * arm's alpha, beta, mean, 90 % interval, score (joint_pb's when given, same
 * arms in the same order, else the marginal P(best)) and exploratory, and
 * the prior (*a0, *b0: the variance's inverse-gamma).  -1 when the fit fails.
 */
int learn_fit_arms(struct learn_arms *as, const struct learn_post *posts, size_t n, int comp,
                   const struct learn_settings *s, int64_t mature_before, uint64_t seed, const double *joint_pb,
                   struct arms_prior *prior, double *a0, double *b0);

/* One component's arms for the joint model: the keys (sorted as learn_collect_arms sorts
 * its arms) and their P(best). */
struct learn_joint {
    const char **keys;
    size_t n;
    double *pb;
};
/*
 * Selection scores from the joint model for every component; 0, or -1 when
 * there is nothing to fit or the fit fails (learn then keeps the marginal
 * scores).  learn_joint_release() frees jc either way.
 */
int learn_joint_scores(const struct learn_post *posts, size_t n, const struct learn_settings *s, int64_t account_id,
                       int64_t as_of, struct learn_joint *jc);
void learn_joint_release(struct learn_joint *jc);

#endif
