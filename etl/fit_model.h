/*
 * etl/fit_model.h — the fit stage's pure part: one account's posts and
 * snapshots in memory, and what is computed from them (the account prior,
 * the curves of the posts in range on one or more threads, the stacked
 * forecaster).  No database: etl/fit.c loads a batch and etl/fit_write.c
 * writes it, so this is testable without a server.
 */
#ifndef XETL_FIT_MODEL_H
#define XETL_FIT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/xerr.h"
#include "etl/fit.h"
#include "stats/decay.h"
#include "stats/forecast.h"

#define FIT_HISTORY_DAYS 90 /* posts whose shapes feed the account's prior */
#define FIT_MAX_THREADS 16  /* the cap of fit.threads (config_keys.c says so too) */
/* Bump when a change to stats/decay or to fit_many's inputs changes a fit of the same samples. */
#define FIT_MODEL_VERSION 1

struct fit_snap {
    double age_h;
    double v[FIT_NMETRIC]; /* NAN = not reported */
};

/*
 * One history post's metric fitted with the built-in prior, kept between
 * runs (xetl.fit_history): such a fit depends on the post's samples alone,
 * so it is reused when their fingerprint is the same.
 */
struct fit_kept {
    bool have;     /* loaded, or fitted this run */
    bool fresh;    /* fitted this run: to be stored */
    uint64_t fp;   /* fit_points_fp of the samples it was fitted on */
    enum decay_method method;
    int n_points;
    double c_h, theta, rms, half_life_h, t90_h;
};

struct fit_post {
    char *tweet_id;
    char *kind;
    int64_t posted_at;
    bool in_range;
    bool in_history; /* posted in the 90 days before as-of: feeds the account prior */
    int off, n;      /* its snapshots: snaps[off .. off+n) */
    double actual[FIT_NMETRIC];
    struct decay_result res[FIT_NMETRIC]; /* in-range posts: the fit written */
    struct fc_forecast fc[FIT_NMETRIC];   /* the stacked forecast, p50 NAN when not made */
    bool hl_pooled[FIT_NMETRIC];          /* half-life from the pooled shape, not its data */
    struct fit_kept kept[FIT_NMETRIC];    /* history posts: the built-in-prior fit */
};

/*
 * One metric's forecaster as kept between runs (xetl.fit_models): used when
 * its training set's fingerprint (fc_train_fp) is this run's.
 */
struct fit_fcm {
    bool have;           /* loaded, or trained this run */
    bool fresh;          /* trained this run: to be stored */
    uint64_t fp;
    unsigned char *blob; /* fc_model_pack's bytes */
    size_t len;
};

struct fit_batch {
    struct fit_fcm fcm[FIT_NMETRIC]; /* the forecasters kept (fit.c loads, fit_forecasters updates) */
    int fc_trained;                  /* forecasters trained this run (the others restored) */
    struct fit_post *posts;
    int nposts;
    struct fit_snap *snaps;
    int nsnaps;
    int maxn; /* most snapshots of one post */
};

void fit_batch_release(struct fit_batch *b);

/* The points of one metric of a post (not cleaned); out holds b->maxn. */
int fit_post_points(const struct fit_batch *b, const struct fit_post *p, int metric, struct decay_point *out);
/* The same, cleaned (decay_clean); out of memory is fatal, as xmalloc's is. */
int fit_post_clean(const struct fit_batch *b, const struct fit_post *p, int metric, struct decay_point *out);

/* The fingerprint of a history fit's input: the samples as given, the horizon, the model's version. */
uint64_t fit_points_fp(const struct decay_point *pts, int n, double horizon);

/* Each post's observed value at the horizon (fit_observed_at), every metric. */
void fit_batch_actuals(struct fit_batch *b, double horizon);

/*
 * Fits metric of the posts idx[0..n) with prior into out[0..n), on
 * |threads| threads (negative: forced even for few fits; else one thread
 * below a few hundred fits).  Static stride partition: each result depends
 * only on its post, so any number of threads gives the same output.
 */
int fit_many(const struct fit_batch *b, int metric, const struct decay_prior *prior, double horizon,
             const int *idx, int n, struct decay_result *out, int threads, struct xerr *err);

/* What one metric's account prior is, beside the decay prior. */
struct fit_pool {
    struct decay_prior prior;
    double half_life_h, t90_h; /* pooled half-life and t90 (NAN when unknown) */
    int n_fitted;              /* history fits run for it (not taken from what was kept) */
};

/*
 * The account's prior for one metric: shapes of its well-observed posts of
 * the history (>= 3 ages, the last at least 24 h old), and the SH rule from
 * its matured posts (7-day value observed), so a post's fit depends on its
 * data and the as-of, not on the range asked for.  History fits kept in the
 * posts' kept[] with the same fingerprint are reused (the same numbers);
 * the others are fitted and marked fresh.
 */
int fit_account_prior(struct fit_batch *b, int metric, double horizon, int threads, struct fit_pool *out,
                      struct xerr *err);

/* The curves of metric for the posts idx[0..n) (in range), into each post's res[metric]; by_method[DECAY_*] counts them. */
int fit_metric(struct fit_batch *b, int metric, const struct fit_pool *pool, double horizon, int threads,
               const int *idx, int n, long *by_method, struct xerr *err);

#endif
