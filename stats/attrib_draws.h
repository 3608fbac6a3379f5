/*
 * stats/attrib_draws.h — posterior draws of the attribution split (moving-
 * block bootstrap refits, gamma multipliers, multinomial split) and each
 * post's confidence, interval and imputations from them.  Internal to
 * stats/attrib*.c.
 *
 * Not for: callers outside the attribution model (use stats/attrib.h).
 */
#ifndef XETL_ATTRIB_DRAWS_H
#define XETL_ATTRIB_DRAWS_H

#include "common/xerr.h"
#include "stats/attrib.h"
#include "stats/attrib_prob.h"

/* What the phases of attrib_fit share. */
struct fitstate {
    struct prob pr;
    const struct attrib_post *posts;
    int n_posts;
    const struct attrib_params *p;
    struct attrib_result *out;
    double *y, *resid, *mu, *credit, *purity; /* [K], [K], [K], [P*NWIN], [P] */
    double base[MAX_BASE], rho0, kappa, med_dt;
};

/* The draws into out->posts' intervals, raw confidences and q168; sets
 * s->med_dt and out->block_len, out->n_boot.  0 or an error. */
int attrib_bootstrap(struct fitstate *s, struct xerr *err);
/* The calibrated confidence of every post (1 for X's own counts, 0 without support). */
void attrib_finish_confidence(struct fitstate *s);

#endif
