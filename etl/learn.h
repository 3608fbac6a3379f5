/*
 * etl/learn.h — the learn stage: per-arm performance aggregates and
 * Thompson posteriors for content types, viral formulas and hooks.
 *
 * Reads an account's posts (xetl.posts) posted at or before --as-of, their
 * counters as of then (tweet_analytics_comprehensive, else the latest
 * performance_snapshots row by then) and, for posts whose attribution window
 * has matured (posted_at <= as_of - learn.maturity_hours), the 168 h row of
 * follower_attributions measured by then (followers_credited and its
 * imputations, metadata draws_168h).
 * Writes, in one transaction per account:
 *   content_type_performance, formula_performance, hook_performance — one row
 *   per arm seen in the account's posts (arms no longer seen are removed);
 *   learning_updates — one row per component (content_types, formulas, hooks)
 *   and as-of, replaced on a rerun.
 * Same inputs and as-of => same rows (the Monte Carlo is seeded from account
 * and as-of).  The model and every column: docs/learning.md.
 *
 * Not for: attributing followers (etl/attribute), choosing the next post (the
 * bot reads selection_score), or the numerics (stats/arms.h).
 */
#ifndef XETL_LEARN_H
#define XETL_LEARN_H

#include "common/config.h"
#include "common/stage.h"
#include "common/xerr.h"
#include "etl/accounts.h"
#include "stats/attrib.h"
#include "stats/thompson.h"

#include <stdint.h>

struct db;

/* ---- the pure part, testable without a server ---- */

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

/* The stage contract (common/stage.h).  counts->rows: arm rows plus learning_updates rows. */
int learn_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
              struct stage_counts *counts, struct xerr *err);

#endif
