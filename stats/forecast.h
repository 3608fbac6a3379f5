/*
 * stats/forecast.h — the production 7-day forecaster: a stack of the pooled
 * Lomax curve (stats/decay.h), a robust Szabo–Huberman rule and a
 * shape-analog learner and a boosted-trees median regression, with split-conformal
 * asymmetric intervals.
 *
 * What it is: pure numerics on counts at the anchor ages 1 h, 4 h, 24 h and
 * 48 h (FC_NANCHOR).  A forecast made at anchor a predicts the log growth
 * ratio g = ln((y7 + 1)/(y_a + 1)) as
 *
 *     g = w_L·L + w_A·A + w_Q·Q + w_S·S
 *
 * with L the Lomax fit's ratio (computed by the caller from the post's data),
 * S the median of g over the reference posts (robust SH: median, not mean —
 * the ratio is right-skewed), A the trimmed median of g over the k reference
 * posts whose early shape (ln ratios y_a/y_j for the anchors j < a, and ln y_a
 * with a chosen weight) is nearest, and Q a median regression of g on the same
 * features by L1 gradient-boosted depth-2 trees (LAD_TreeBoost).  The interval is g + s·q with s the
 * neighbours' spread on each side (median to 10 % / 90 % quantile) and q the
 * split-conformal 5 % / 95 % quantiles of the normalised out-of-fold
 * residuals, taken in each third of the predicted g (Mondrian), so it is
 * asymmetric and wider for posts whose analogs disagree.  k, the size weight,
 * the trees' rounds, the stack weights and the conformal quantiles are chosen by an inner
 * FC_NFOLD-fold cross-validation over the reference posts, inside fc_train:
 * a caller that cross-validates fc_train gets nested CV.
 *
 * Pooling: the reference set is the account's own matured posts, and — while
 * there are fewer than FC_OWN_ENOUGH of them — a global set (the shipped
 * SEISMIC cascades, counts multiplied by a scale so small accounts' +1 means
 * the same), whose growth ratios are shifted to the account's level:
 * S_account = (w·S_own + w0·S_global)/(w + w0), w = n/sd_own², w0 =
 * FC_LEVEL_N0/sd_global²; with FC_OWN_CALIB own posts or more, k, the
 * weights and the calibration are chosen on the own posts' out-of-fold errors.
 *
 * What it is not: no curve fitting (the caller passes the Lomax forecasts),
 * no I/O.  Deterministic: every choice breaks ties by index; a trained model
 * is read-only and may be shared by threads.
 */
#ifndef XETL_FORECAST_H
#define XETL_FORECAST_H

#include <stddef.h>
#include <stdint.h>

#define FC_NANCHOR 4        /* 1 h, 4 h, 24 h, 48 h */
#define FC_KMAX 64          /* most neighbours considered */
#define FC_NFOLD 5          /* inner cross-validation folds */
#define FC_OWN_ENOUGH 200   /* own matured posts beyond which the global set is dropped */
#define FC_LEVEL_N0 5.0     /* pseudo-posts of the global level in the account's */
#define FC_NBIN 3           /* Mondrian calibration: thirds of the predicted ratio */
#define FC_BIN_MIN 40       /* posts per third needed to calibrate them apart */
#define FC_OWN_CALIB 20     /* own posts from which the choice and calibration are scored on them alone */
#define FC_TREE_MAX 200     /* most boosting rounds of the median learner */
#define FC_TREE_SHRINK 0.1  /* its shrinkage: each tree adds 0.1 of its leaf value */

extern const double fc_anchor_h[FC_NANCHOR]; /* 1, 4, 24, 48 */

/* One matured reference post. */
struct fc_ref {
    double y[FC_NANCHOR];      /* count at each anchor age, NAN unknown */
    double y7;                 /* count at 7 days */
    double lomax7[FC_NANCHOR]; /* the Lomax forecast of y7 from its data up to anchor a, NAN none */
};

/* One depth-2 regression tree: split 0 at the root, 1 and 2 below it, 4 leaves. */
struct fc_tree {
    int f[3];       /* feature of each split */
    double t[3];    /* go left when feature < t (+inf: no split) */
    double leaf[4]; /* leaf values */
};

/* What was chosen for one anchor. */
struct fc_anchor {
    int n;                      /* reference posts usable at this anchor */
    int k;                      /* neighbours (0: no shape features at this anchor) */
    double w_size;              /* weight of the size feature ln y_a in the distance */
    double w_lomax, w_analog, w_qr, w_sh; /* stack weights, summing to 1 */
    int ntree;                  /* boosting rounds of the median learner (0: the median rule) */
    double gb_init;             /* its starting value */
    double sh_med, sh_sd;       /* robust SH on the pooled, level-shifted ratios */
    double fscale[FC_NANCHOR];  /* feature scales (robust sd) */
    double s_floor;             /* floor of the neighbours' spread */
    double q_lo, q_hi, q_mid;   /* conformal quantiles of the normalised residuals, all posts */
    int nbin;                   /* Mondrian bins of the predicted ratio used (1 or FC_NBIN) */
    double cut[FC_NBIN - 1];    /* their boundaries */
    double qb_lo[FC_NBIN], qb_hi[FC_NBIN]; /* the quantiles per bin (what the intervals use) */
    double cv_err;              /* inner-CV median |log error| of the choice */
};

struct fc_model {
    int n_ref, n_own, n_global;  /* pool size; own and global posts in it */
    double *g;                   /* g[a·n_ref + i]: level-shifted growth ratio, NAN unusable */
    double *f;                   /* f[(a·n_ref + i)·FC_NANCHOR + j]: shape feature j of post i at anchor a */
    double *gl;                  /* gl[a·n_ref + i]: its Lomax ratio L, NAN none */
    int *rows;                   /* rows[a·n_ref + p], p < a[a].n: the posts usable at anchor a */
    struct fc_tree *tree;        /* tree[a·FC_TREE_MAX + t], t < a[a].ntree: the median learner's trees */
    double cover;                /* nominal coverage of the interval */
    struct fc_anchor a[FC_NANCHOR];
};

/* One forecast: the 7-day count's p05 / p50 / p95 (floored at the anchor's count). */
struct fc_forecast {
    double p05, p50, p95;
    double g;           /* predicted log ratio */
    double s_lo, s_hi;  /* the local spreads below and above it */
};

/*
 * Trains on own[0..n_own) and, while n_own < FC_OWN_ENOUGH, glob[0..n_glob)
 * (either may be empty) with their counts × glob_scale.  cover is the
 * interval's nominal coverage (0.90), split evenly between the tails.
 * Returns 0, or -1 on ENOMEM (m is then empty and may be freed).
 */
int fc_train(struct fc_model *m, const struct fc_ref *own, int n_own, const struct fc_ref *glob, int n_glob,
             double glob_scale, double cover);
void fc_model_free(struct fc_model *m);

/*
 * A trained model kept between runs (the caller decides when its inputs are
 * the same: fc_train is deterministic, so the same inputs give the same
 * model to the last bit; a change to the training that changes the model
 * of the same inputs must change the caller's fingerprint: etl/fit_forecast.c
 * FIT_FORECAST_VERSION).  fc_model_pack keeps what the
 * cross-validation chose (each anchor's choice and trees) in *len bytes at
 * *out (malloc'd, the caller frees; native byte order); 0 or -1 on ENOMEM.
 * fc_model_restore makes, from the same inputs and those bytes, the model
 * fc_train made: the pool is rebuilt (O(posts)), the choices are read back.
 * Returns 0, 1 when the bytes are not a model of these inputs (m is then
 * empty: train it), -1 on ENOMEM.
 */
int fc_model_pack(const struct fc_model *m, unsigned char **out, size_t *len);
int fc_model_restore(struct fc_model *m, const struct fc_ref *own, int n_own, const struct fc_ref *glob, int n_glob,
                     double glob_scale, double cover, const unsigned char *buf, size_t len);

/*
 * The forecast at anchor a from the counts y[0..a] at the anchor ages and the
 * Lomax forecast lomax7 (NAN: none; the rest of the stack then carries it).
 * Returns 0, or -1 when the model has no reference posts at a or y[a] is
 * unknown (out is then NAN).
 */
int fc_predict(const struct fc_model *m, int a, const double *y, double lomax7, struct fc_forecast *out);

/* The anchor a forecast made from data up to age_h uses: the largest anchor age <= age_h, -1 below 1 h. */
int fc_anchor_for_age(double age_h);

#endif
