/*
 * stats/attrib_sim.h — simulated accounts with known per-post follows, for
 * the attribution tests, the benchmark and docs/attribution.md's figures.
 *
 * An account posts at random times (so posts overlap); each post's
 * impressions follow a Lomax curve; each impression converts to a follow
 * with its content type's rate times a per-post multiplier.  In the simple
 * world (attrib_sim_params_default) follows arrive along the post's own
 * exposure curve and organic follows and unfollows are homogeneous Poisson.
 * The realistic world (attrib_sim_params_realistic) breaks what the model
 * might assume: each follow lags its impression by a gamma-distributed delay
 * (a profile visit, then a follow, hours later), conversion is strongly
 * overdispersed between posts, organic follows and unfollows have a daily and
 * a weekly cycle and a trend, and unfollows grow with the follower count
 * (churn).  The follower count is sampled every sample_every_h hours
 * (at a fixed hour of the day, with a few minutes of cron jitter).  The model
 * is given the exposure curves with multiplicative noise, as a fitted curve
 * would be.
 *
 * Not for: production code paths (nothing in etl/ calls this).
 */
#ifndef XETL_ATTRIB_SIM_H
#define XETL_ATTRIB_SIM_H

#include <stdint.h>

#include "stats/attrib.h"

#define ATTRIB_SIM_MAXG 8

struct attrib_sim_params {
    int days;                  /* posting days; samples run 7 days beyond */
    double posts_per_day;
    double sample_every_h;
    int n_groups;
    double rho[ATTRIB_SIM_MAXG]; /* true follows per impression by group */
    double post_mult_sd;       /* lognormal sd of each post's own conversion multiplier */
    double impr_logmean, impr_logsd; /* ln of a post's 168 h impressions */
    double organic_in_per_h, organic_out_per_h;
    double curve_noise;        /* lognormal sd of the error in the curve given to the model */
    uint64_t seed;
    /* realistic-world behaviours; all 0 in the simple world */
    double lag_mean_h;         /* mean delay impression -> follow, hours (gamma, shape lag_shape) */
    double lag_shape;
    double daily_amp;          /* organic rates x (1 + daily_amp cos(2 pi (h - peak_hour) / 24)) */
    double peak_hour;          /* UTC hour of the daily peak */
    double weekly_amp;         /* ... x (1 + weekly_amp cos(2 pi t / 168 h)) */
    double trend;              /* organic follows grow by this fraction over the span */
    double churn_per_h;        /* extra unfollows per follower per hour */
    double sample_jitter_s;    /* uniform +- jitter of each sample time, seconds */
    double sample_offset_h;    /* first sample this many hours after midnight UTC */
};

/* A small account: 3 posts/day for 21 days, 3 content types, hourly samples. */
void attrib_sim_params_default(struct attrib_sim_params *p);

/* The same account in the realistic world: lags of a few hours (mean 3 h),
 * per-post conversion lognormal sd 0.8, content types 1 : 3 : 8, impressions lognormal sd 1.1, organic
 * follows with a +-60 % daily and +-20 % weekly cycle and a trend, churn;
 * samples at 02:00 UTC + the interval, +- 5 min. */
void attrib_sim_params_realistic(struct attrib_sim_params *p);

struct attrib_sim {
    int n_samples;
    int64_t *t;
    double *F;
    int n_posts;
    struct attrib_post *posts;  /* Lomax exposure curves (noisy), groups */
    double *truth;              /* [n_posts * ATTRIB_NWIN] true follows within each window */
    double *oracle;             /* [n_posts * ATTRIB_NWIN] expected follows knowing the true curve,
                                   lag and type rate (not the post's own multiplier) */
    double *impr;               /* [n_posts * ATTRIB_NWIN] true impressions within each window */
    double organic_net;         /* organic follows minus unfollows over the sampled span */
};

int attrib_sim_make(const struct attrib_sim_params *p, struct attrib_sim *out);
void attrib_sim_release(struct attrib_sim *s);

/* How well a result recovers the simulated truth in window w (default 168 h). */
struct attrib_sim_score {
    int window;                /* index into attrib_windows_h */
    double oracle_spearman;    /* the same for the oracle's expected follows */
    double impr_spearman;      /* ... and for impressions alone */
    double total_ratio;        /* sum credits / sum truth over posts */
    double ece;                /* expected calibration error of conf[window] for its event
                                  (10 equal-width bins) */
    double conf_mean, hit_rate;/* mean confidence, share of posts where the event held */
    double bin_n[10], bin_conf[10], bin_hit[10]; /* per confidence bin: posts, sum of confidence,
                                      events held (to pool the ECE over accounts) */
    double spearman;           /* rank correlation of credits with true follows */
    double total_rel_err;      /* |sum credits - sum truth| / sum truth over posts */
    double mae;                /* mean absolute error per post, followers */
    double coverage;           /* share of posts whose truth lies in [lo, hi] */
    double conf_err_spearman;  /* rank correlation of confidence with relative error
                                  (negative = higher confidence, smaller error) */
    double err_hi_conf, err_lo_conf; /* mean relative error of the top / bottom third by confidence */
    double sum_check;          /* posts + known + baseline - observed (should be ~0) */
};

void attrib_sim_score(const struct attrib_sim *s, const struct attrib_result *r,
                      struct attrib_sim_score *out);
void attrib_sim_score_window(const struct attrib_sim *s, const struct attrib_result *r, int window,
                             struct attrib_sim_score *out);

/* The group learn would put on top: the groups' P(best) from each post's
 * 168 h imputations (stats/arms.h, as learn computes them); -1 on error. */
int attrib_sim_top_group(const struct attrib_sim *s, const struct attrib_result *r, int n_groups, uint64_t seed);

/* Expected calibration error of pooled bins (attrib_sim_score's bin_* summed). */
double attrib_sim_ece(const double *bin_n, const double *bin_conf, const double *bin_hit);

#endif
