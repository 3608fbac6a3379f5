/*
 * stats/attrib_sim.h — simulated accounts with known per-post follows, for
 * the attribution tests, the benchmark and docs/attribution.md's figures.
 *
 * An account posts at random times (so posts overlap); each post's
 * impressions follow a Lomax curve; each impression converts to a follow
 * with its content type's rate times a per-post multiplier, and the follows
 * arrive along the post's own exposure curve within 168 h.  Organic follows
 * and unfollows arrive as Poisson processes.  The follower count is sampled
 * every sample_every_h hours.  The model is given the exposure curves with
 * multiplicative noise, as a fitted curve would be.
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
};

/* A small account: 3 posts/day for 21 days, 3 content types, hourly samples. */
void attrib_sim_params_default(struct attrib_sim_params *p);

struct attrib_sim {
    int n_samples;
    int64_t *t;
    double *F;
    int n_posts;
    struct attrib_post *posts;  /* Lomax exposure curves (noisy), groups */
    double *truth;              /* [n_posts * ATTRIB_NWIN] true follows within each window */
    double organic_net;         /* organic follows minus unfollows over the sampled span */
};

int attrib_sim_make(const struct attrib_sim_params *p, struct attrib_sim *out);
void attrib_sim_release(struct attrib_sim *s);

/* How well a result recovers the simulated truth (168 h window). */
struct attrib_sim_score {
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

#endif
