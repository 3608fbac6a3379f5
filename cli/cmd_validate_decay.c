/*
 * cli/cmd_validate_decay.c — `xetl validate-decay FILE`: scores the decay
 * model on cumulative counts at fixed ages (the SEISMIC-derived CSV format:
 * columns rt_le_3600s, rt_le_14400s, rt_le_86400s, rt_le_172800s,
 * rt_le_604800s; other columns are ignored).
 *
 * For every cascade it predicts the 7-day count from the 1 h/4 h/24 h and
 * from the 1 h/4 h/24 h/48 h counts, with 5-fold cross-validation: the
 * account-level parts (the empirical-Bayes shape prior of the Lomax fit, the
 * α of Szabo–Huberman) are learned on the other four folds only, as the
 * nightly job learns them from an account's matured posts.
 *
 * The alternative families of stats/curves.h (exponential, log-logistic,
 * Weibull saturation) are scored on the same cascades, inputs and target, each
 * twice like the Lomax: with its own empirical-Bayes shape prior learned on the
 * other folds plus the same SH row, and with its weak built-in prior only.
 */
#include "cli/cli.h"
#include "common/sbuf.h"
#include "stats/curves.h"
#include "stats/decay.h"
#include "stats/forecast.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAGES 5
#define NFOLD 5
#define Z90 1.6448536269514722
static const char *const col_names[NAGES] = { "rt_le_3600s", "rt_le_14400s", "rt_le_86400s", "rt_le_172800s",
                                              "rt_le_604800s" };
static const double col_ages[NAGES] = { 1, 4, 24, 48, 168 };

struct casc {
    double y[NAGES];
};

static void usage(void)
{
    printf("xetl validate-decay — score the decay model on a cumulative-count CSV\n\n"
           "Usage:\n  xetl validate-decay FILE\n\n"
           "FILE has a header row and one cascade per row with the cumulative counts at\n"
           "1 h, 4 h, 24 h, 48 h and 7 d in columns rt_le_3600s, rt_le_14400s,\n"
           "rt_le_86400s, rt_le_172800s, rt_le_604800s (the SEISMIC-derived file).\n"
           "Prints the median, p75 and p90 absolute percentage error (APE) of the 7-day\n"
           "prediction from 1h/4h/24h and from 1h/4h/24h/48h, for the production forecaster\n"
           "(row xetl: stacked, tuned by nested cross-validation), the robust (median)\n"
           "Szabo-Huberman rule, the Lomax model with\n"
           "the empirical-Bayes shape prior, the same without pooling, and the\n"
           "Szabo-Huberman log-linear baseline (5-fold cross-validation), plus how often\n"
           "the 90 %% interval covered the actual value and how many fits failed and used\n"
           "the fallback.  The exponential, log-logistic and Weibull saturation curves are\n"
           "scored the same way, pooled and unpooled, for comparison.  Each row also has a\n"
           "bootstrap 95 %% CI of the median, the coverage in the top growth decile, and the\n"
           "main rows are repeated on the cascades with >= 2000 at 24 h.  Needs no database.\n\n"
           "Options:\n"
           "  -h, --help    show this help, then exit\n");
}

/* Splits a CSV line in place (no embedded commas in this format; quotes stripped). */
static int split_csv(char *line, char **f, int maxf)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < maxf) {
        char *e = strchr(p, ',');
        if (e)
            *e = '\0';
        if (*p == '"') {
            p++;
            size_t l = strlen(p);
            if (l && p[l - 1] == '"')
                p[l - 1] = '\0';
        }
        f[n++] = p;
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

static int read_file(struct ctx *ctx, const char *path, struct casc **out, int *n_out, int *skipped)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!fp)
        return xerr_set(&ctx->err, XETL_EX_NOINPUT, "validate-decay: cannot open '%s': %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    char *f[64];
    int idx[NAGES];
    int rc = 0, n = 0, alloc = 0;
    struct casc *v = NULL;
    *skipped = 0;
    if (getline(&line, &cap, fp) < 0) {
        rc = xerr_set(&ctx->err, XETL_EX_DATAERR, "validate-decay: '%s' is empty", path);
        goto out;
    }
    int nf = split_csv(line, f, 64);
    for (int k = 0; k < NAGES; k++) {
        idx[k] = -1;
        for (int j = 0; j < nf; j++)
            if (!strcmp(f[j], col_names[k]))
                idx[k] = j;
        if (idx[k] < 0) {
            rc = xerr_set(&ctx->err, XETL_EX_DATAERR, "validate-decay: '%s' has no column '%s'", path,
                          col_names[k]);
            goto out;
        }
    }
    while (getline(&line, &cap, fp) >= 0) {
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        nf = split_csv(line, f, 64);
        struct casc c;
        bool good = true;
        for (int k = 0; k < NAGES && good; k++) {
            char *end;
            if (idx[k] >= nf) {
                good = false;
                break;
            }
            errno = 0;
            c.y[k] = strtod(f[idx[k]], &end);
            if (end == f[idx[k]] || *end || errno || !isfinite(c.y[k]) || c.y[k] < 0)
                good = false;
        }
        if (!good || !(c.y[NAGES - 1] > 0)) { /* APE needs a positive 7-day count */
            (*skipped)++;
            continue;
        }
        if (n == alloc) {
            alloc = alloc ? 2 * alloc : 1024;
            v = xrealloc(v, sizeof *v * (size_t)alloc);
        }
        v[n++] = c;
    }
    if (ferror(fp)) {
        rc = xerr_set(&ctx->err, XETL_EX_NOINPUT, "validate-decay: cannot read '%s'", path);
        goto out;
    }
    if (n < 2 * NFOLD) {
        rc = xerr_set(&ctx->err, XETL_EX_DATAERR, "validate-decay: '%s' has %d usable rows, need at least %d", path,
                      n, 2 * NFOLD);
        goto out;
    }
out:
    free(line);
    if (fp != stdin)
        fclose(fp);
    if (rc) {
        free(v);
        v = NULL;
        n = 0;
    }
    *out = v;
    *n_out = n;
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double pos = q * (n - 1);
    int i = (int)pos;
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* Each model's result per cascade: APE, and whether its interval covered. */
struct score {
    const char *model;
    const char *obs;
    double *ape;   /* ape[i] of cascade i, NAN: not scored */
    signed char *cov; /* cov[i]: 1 covered, 0 missed, -1 no interval */
    int fallback;  /* fits that failed and used the fallback; -1: not a fit */
};

/* Deterministic bootstrap draws (splitmix64): the same CI on every run. */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define NBOOT 1000

/*
 * One row over the cascades with sel[i] (all when sel is NULL): median, p75,
 * p90 APE, interval coverage overall and in the top growth decile (top[i]),
 * the fallback count, a bootstrap 95 % CI of the median and the row count.
 */
static void print_score(const struct score *s, int n, const bool *sel, const bool *top, const char *obs_suffix)
{
    double *a = xcalloc((size_t)n, sizeof *a), *b = xcalloc((size_t)n, sizeof *b),
           *meds = xcalloc(NBOOT, sizeof *meds);
    int m = 0, cov = 0, wi = 0, tcov = 0, twi = 0;
    for (int i = 0; i < n; i++) {
        if ((sel && !sel[i]) || !isfinite(s->ape[i]))
            continue;
        a[m++] = s->ape[i];
        if (s->cov[i] >= 0) {
            wi++;
            cov += s->cov[i];
            if (top[i]) {
                twi++;
                tcov += s->cov[i];
            }
        }
    }
    if (m == 0)
        goto out;
    uint64_t seed = 20261201;
    for (int r = 0; r < NBOOT; r++) {
        for (int i = 0; i < m; i++)
            b[i] = a[splitmix(&seed) % (uint64_t)m];
        meds[r] = quantile(b, m, 0.5);
    }
    double lo = quantile(meds, NBOOT, 0.025), hi = quantile(meds, NBOOT, 0.975);
    double med = quantile(a, m, 0.5), p75 = quantile(a, m, 0.75), p90 = quantile(a, m, 0.9);
    char cover[32] = "-", tcover[32] = "-", fb[16] = "-", ci[48], obs[48];
    if (wi)
        snprintf(cover, sizeof cover, "%.1f%%", 100.0 * cov / wi);
    if (twi)
        snprintf(tcover, sizeof tcover, "%.1f%%", 100.0 * tcov / twi);
    if (s->fallback >= 0)
        snprintf(fb, sizeof fb, "%d", s->fallback);
    snprintf(ci, sizeof ci, "%.2f-%.2f%%", 100 * lo, 100 * hi);
    snprintf(obs, sizeof obs, "%s%s", s->obs, obs_suffix);
    printf("%-20s %-14s %9.2f%% %8.2f%% %8.2f%% %8s %8s %14s %8s %5d\n", s->model, obs, 100 * med, 100 * p75,
           100 * p90, cover, fb, ci, tcover, m);
out:
    free(a);
    free(b);
    free(meds);
}

/* One prediction of y7 for cascade i: its APE and whether its interval (if any) covered y7. */
static void score_add(struct score *s, int i, double pred, double lo, double hi, double y7)
{
    if (!isfinite(pred))
        pred = 0; /* predicts nothing: count it as 100 % off */
    s->ape[i] = fabs(pred - y7) / y7;
    s->cov[i] = isfinite(lo) && isfinite(hi) ? (lo <= y7 && y7 <= hi) : -1;
}

/* Rows: the production forecaster (xetl), the robust SH rule, lomax,
 * lomax-unpooled, szabo-huberman (mean-centred, as before), then each
 * alternative family pooled and unpooled; two observation sets each. */
enum { NFIXED = 5, NMODEL = NFIXED + 2 * CURVE_NFAMILY, NSCORE = 2 * NMODEL };
enum { R_XETL = 0, R_SHR = 2, R_LOMAX = 4, R_UNPOOLED = 6, R_SH = 8, R_ALT = 10 };
static const char *const obs_name[2] = { "1h/4h/24h", "1h/4h/24h/48h" };
static const char *const alt_name[CURVE_NFAMILY][2] = {
    { "exp", "exp-unpooled" },
    { "loglogistic", "loglogistic-unpooled" },
    { "weibull", "weibull-unpooled" },
};

/* The whole run: the cascades, the workspaces and every row's scores. */
struct vd {
    struct ctx *ctx;
    struct casc *v;
    int n, skipped;
    struct decay_ws *ws;
    struct curve_ws *cws;
    struct decay_result *train;
    struct curve_result *ctrain;
    struct fc_ref *refs;
    bool *top, *big;  /* the top growth decile; >= 2,000 at 24 h */
    struct score sc[NSCORE];
    struct fc_anchor chosen[NFOLD][2];
    struct decay_prior base;
    struct curve_prior cbase[CURVE_NFAMILY];
};

/* What one fold learns on the other folds. */
struct foldfit {
    struct decay_prior prior, sh[2], pooled_all;
    struct curve_prior cprior[CURVE_NFAMILY];
    double shr_med[2], shr_sd[2];
    struct fc_model model;
};

static int oom(struct vd *d)
{
    return xerr_set(&d->ctx->err, XETL_EX_SOFTWARE, "validate-decay: out of memory");
}

/* The score rows, empty, with their names. */
static void scores_init(struct vd *d)
{
    struct score *sc = d->sc;
    int n = d->n;
    for (int s = 0; s < NSCORE; s++) {
        sc[s].ape = xcalloc((size_t)n, sizeof(double));
        sc[s].cov = xcalloc((size_t)n, 1);
        for (int i = 0; i < n; i++)
            sc[s].ape[i] = NAN, sc[s].cov[i] = -1;
        sc[s].obs = obs_name[s % 2];
    }
    sc[R_XETL].model = sc[R_XETL + 1].model = "xetl";
    sc[R_SHR].model = sc[R_SHR + 1].model = "sh-robust";
    sc[R_LOMAX].model = sc[R_LOMAX + 1].model = "lomax";
    sc[R_UNPOOLED].model = sc[R_UNPOOLED + 1].model = "lomax-unpooled";
    sc[R_SH].model = sc[R_SH + 1].model = "szabo-huberman";
    sc[R_XETL].fallback = sc[R_XETL + 1].fallback = -1;
    sc[R_SHR].fallback = sc[R_SHR + 1].fallback = -1;
    sc[R_SH].fallback = sc[R_SH + 1].fallback = -1;
    for (int f = 0; f < CURVE_NFAMILY; f++)
        for (int variant = 0; variant < 2; variant++)
            sc[R_ALT + 4 * f + 2 * variant].model = sc[R_ALT + 4 * f + 2 * variant + 1].model = alt_name[f][variant];
}

/* The top growth decile (largest 7-day / 24 h ratio: the late bursts) and
 * the cascades already at >= 2,000 at 24 h. */
static void mark_subsets(struct vd *d)
{
    const struct casc *v = d->v;
    int n = d->n;
    d->top = xcalloc((size_t)n, sizeof *d->top);
    d->big = xcalloc((size_t)n, sizeof *d->big);
    double *r = xcalloc((size_t)n, sizeof *r);
    for (int i = 0; i < n; i++)
        r[i] = log((v[i].y[NAGES - 1] + 1) / (v[i].y[2] + 1));
    double cut = quantile(r, n, 0.9);
    for (int i = 0; i < n; i++) {
        d->top[i] = log((v[i].y[NAGES - 1] + 1) / (v[i].y[2] + 1)) >= cut;
        d->big[i] = v[i].y[2] >= 2000;
    }
    free(r);
}

/* Cascade i's points at the first np ages. */
static void points(const struct casc *c, int np, struct decay_point *p)
{
    for (int k = 0; k < np; k++)
        p[k] = (struct decay_point){ col_ages[k], c->y[k] };
}

/* The shape priors (Lomax and each alternative family) learned on the other
 * folds, from complete (matured) histories as the nightly job would. */
static int learn_shapes(struct vd *d, int fold, struct foldfit *ff)
{
    int nt = 0, n = d->n;
    for (int i = 0; i < n; i++) {
        if (i % NFOLD == fold)
            continue;
        struct decay_point p[NAGES];
        points(&d->v[i], NAGES, p);
        if (decay_fit(d->ws, p, NAGES, &d->base, DECAY_HORIZON_H, &d->train[nt]) < 0)
            return oom(d);
        nt++;
    }
    decay_prior_estimate(d->train, nt, &d->base, &ff->prior);
    /* The same for each alternative family: its own shape prior. */
    for (int f = 0; f < CURVE_NFAMILY; f++) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (i % NFOLD == fold)
                continue;
            struct decay_point p[NAGES];
            points(&d->v[i], NAGES, p);
            if (curve_fit(d->cws, p, NAGES, &d->cbase[f], NULL, DECAY_HORIZON_H, &d->ctrain[m]) < 0)
                return oom(d);
            m++;
        }
        curve_prior_estimate(d->ctrain, m, &d->cbase[f], &ff->cprior[f]);
    }
    return 0;
}

/* The SH rows (mean-centred and robust) for each observation set, and the
 * forecaster's Lomax component: the shape prior plus an SH row fitted on
 * every anchor age, as fit.c learns it from matured posts. */
static void learn_sh(struct vd *d, int fold, struct foldfit *ff)
{
    const struct casc *v = d->v;
    int n = d->n;
    double *ta = xcalloc((size_t)n * FC_NANCHOR, sizeof(double)),
           *tn = xcalloc((size_t)n * FC_NANCHOR, sizeof(double)),
           *th = xcalloc((size_t)n * FC_NANCHOR, sizeof(double));
    ff->sh[0] = ff->sh[1] = d->base;
    for (int o = 0; o < 2; o++) {
        int last = o == 0 ? 2 : 3, m = 0;
        for (int i = 0; i < n; i++) {
            if (i % NFOLD == fold)
                continue;
            ta[m] = col_ages[last];
            tn[m] = v[i].y[last];
            th[m] = v[i].y[NAGES - 1];
            m++;
        }
        decay_prior_fit_loglinear(&ff->sh[o], ta, tn, th, m);
        /* The robust rule: median and MAD of the log ratio. */
        for (int k = 0; k < m; k++)
            ta[k] = log(th[k] / tn[k]);
        decay_robust_stats(ta, m, &ff->shr_med[o], &ff->shr_sd[o]);
    }
    ff->pooled_all = ff->prior;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (i % NFOLD == fold)
            continue;
        for (int a = 0; a < FC_NANCHOR; a++) {
            ta[m] = col_ages[a];
            tn[m] = v[i].y[a];
            th[m] = v[i].y[NAGES - 1];
            m++;
        }
    }
    decay_prior_fit_loglinear(&ff->pooled_all, ta, tn, th, m);
    free(ta), free(tn), free(th);
}

/* The reference set: the other folds, each with the Lomax forecast from its
 * own data up to each anchor.  fc_train chooses k, the weights and the
 * conformal quantiles by its inner cross-validation over these only: nested
 * CV.  On success ff->model is trained (the caller frees it). */
static int train_forecaster(struct vd *d, int fold, struct foldfit *ff)
{
    int nr = 0;
    for (int i = 0; i < d->n; i++) {
        if (i % NFOLD == fold)
            continue;
        struct fc_ref *r = &d->refs[nr++];
        r->y7 = d->v[i].y[NAGES - 1];
        for (int a = 0; a < FC_NANCHOR; a++) {
            struct decay_point p[NAGES];
            struct decay_result fr;
            r->y[a] = d->v[i].y[a];
            points(&d->v[i], a + 1, p);
            if (decay_fit(d->ws, p, a + 1, &ff->pooled_all, DECAY_HORIZON_H, &fr) < 0)
                return oom(d);
            r->lomax7[a] = fr.n_h;
        }
    }
    if (fc_train(&ff->model, d->refs, nr, NULL, 0, 1.0, 0.90))
        return oom(d);
    d->chosen[fold][0] = ff->model.a[2];
    d->chosen[fold][1] = ff->model.a[3];
    return 0;
}

/* Cascade i seen through observation set o (1/4/24 h or with 48 h): every
 * model's prediction of its 7-day count scored. */
static int score_cascade(struct vd *d, const struct foldfit *ff, int i, int o)
{
    const struct casc *v = d->v;
    struct score *sc = d->sc;
    double y7 = v[i].y[NAGES - 1];
    int np = o == 0 ? 3 : 4;
    struct decay_point p[NAGES];
    points(&v[i], np, p);
    {
        struct decay_result r;
        struct fc_forecast fc;
        if (decay_fit(d->ws, p, np, &ff->pooled_all, DECAY_HORIZON_H, &r) < 0)
            return oom(d);
        fc_predict(&ff->model, np - 1, v[i].y, r.n_h, &fc);
        score_add(&sc[R_XETL + o], i, fc.p50, fc.p05, fc.p95, y7);
        double yl = v[i].y[np - 1], pr = yl * exp(ff->shr_med[o]);
        score_add(&sc[R_SHR + o], i, pr, pr * exp(-Z90 * ff->shr_sd[o]), pr * exp(Z90 * ff->shr_sd[o]), y7);
    }
    /* The pooled model gets both account-level parts: the shape
     * prior and the SH rule for the last observed age. */
    struct decay_prior pooled = ff->prior;
    memcpy(pooled.sh_alpha, ff->sh[o].sh_alpha, sizeof pooled.sh_alpha);
    memcpy(pooled.sh_sd, ff->sh[o].sh_sd, sizeof pooled.sh_sd);
    pooled.sh_n = ff->sh[o].sh_n;
    for (int variant = 0; variant < 2; variant++) {
        struct decay_result r;
        const struct decay_prior *pr = variant == 0 ? &pooled : &d->base;
        if (decay_fit(d->ws, p, np, pr, DECAY_HORIZON_H, &r) < 0)
            return oom(d);
        struct score *s = &sc[R_LOMAX + variant * 2 + o];
        score_add(s, i, r.n_h, r.n_h_lo, r.n_h_hi, y7);
        s->fallback += r.method != DECAY_LOMAX && r.method != DECAY_POOLED;
    }
    int last = np - 1;
    double sd = NAN;
    double pred = decay_loglinear_predict(&ff->sh[o], col_ages[last], v[i].y[last], &sd);
    double lo = NAN, hi = NAN;
    if (pred > 0 && isfinite(sd)) {
        lo = pred * exp(-Z90 * sd);
        hi = pred * exp(Z90 * sd);
    }
    score_add(&sc[R_SH + o], i, pred, lo, hi, y7);
    /* The alternatives, treated as the Lomax: pooled = own shape
     * prior + the same SH row; unpooled = built-in prior only. */
    for (int f = 0; f < CURVE_NFAMILY; f++)
        for (int variant = 0; variant < 2; variant++) {
            struct curve_result r;
            const struct curve_prior *pr = variant == 0 ? &ff->cprior[f] : &d->cbase[f];
            if (curve_fit(d->cws, p, np, pr, variant == 0 ? &ff->sh[o] : NULL, DECAY_HORIZON_H, &r) < 0)
                return oom(d);
            struct score *s = &sc[R_ALT + 4 * f + 2 * variant + o];
            score_add(s, i, r.n_h, r.n_h_lo, r.n_h_hi, y7);
            s->fallback += r.method != CURVE_FIT;
        }
    return 0;
}

/* One fold: learn on the others, score its cascades. */
static int run_fold(struct vd *d, int fold)
{
    struct foldfit ff;
    int rc;
    if ((rc = learn_shapes(d, fold, &ff)))
        return rc;
    learn_sh(d, fold, &ff);
    if ((rc = train_forecaster(d, fold, &ff)))
        return rc;
    for (int i = fold; i < d->n && !rc; i += NFOLD)
        for (int o = 0; o < 2 && !rc; o++)
            rc = score_cascade(d, &ff, i, o);
    fc_model_free(&ff.model);
    return rc;
}

static void print_results(const struct vd *d, const char *path)
{
    int n = d->n, ntop = 0, nbig = 0;
    for (int i = 0; i < n; i++)
        ntop += d->top[i], nbig += d->big[i];
    printf("file: %s\n", path);
    printf("cascades: %d (skipped %d); target: count at 168 h; %d-fold cross-validation"
           " (xetl: tuning nested inside each training fold)\n",
           n, d->skipped, NFOLD);
    printf("top growth decile: %d cascades (7 d / 24 h ratio); bootstrap: %d resamples\n", ntop, NBOOT);
    printf("%-20s %-14s %10s %9s %9s %8s %8s %14s %8s %5s\n", "model", "observed", "median_ape", "p75_ape", "p90_ape",
           "cover90", "fallback", "ci95_median", "cover90_top10", "n");
    for (int s = 0; s < NSCORE; s++)
        print_score(&d->sc[s], n, NULL, d->top, "");
    printf("subset: %d cascades with >= 2000 at 24 h\n", nbig);
    for (int s = 0; s < R_UNPOOLED; s++)
        print_score(&d->sc[s], n, d->big, d->top, ",y24>=2000");
    for (int o = 0; o < 2; o++)
        for (int fold = 0; fold < NFOLD; fold++) {
            const struct fc_anchor *an = &d->chosen[fold][o];
            printf("tuning %s fold %d: k %d, size %.2f, trees %d, weights lomax %.1f analog %.1f trees %.1f sh %.1f,"
                   " conformal [%.2f, %.2f], inner-cv median |log error| %.4f\n",
                   obs_name[o], fold + 1, an->k, an->w_size, an->ntree, an->w_lomax, an->w_analog, an->w_qr, an->w_sh,
                   an->q_lo, an->q_hi, an->cv_err);
        }
}

int cmd_validate_decay(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c, rc = 0;
    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "validate-decay", "unknown option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error(ctx, "validate-decay", "expected one FILE");
    const char *path = argv[optind];

    struct vd d;
    memset(&d, 0, sizeof d);
    d.ctx = ctx;
    if ((rc = read_file(ctx, path, &d.v, &d.n, &d.skipped)))
        return rc;
    int n = d.n;
    scores_init(&d);
    mark_subsets(&d);
    d.ws = decay_ws_new();
    d.cws = curve_ws_new();
    d.train = xcalloc((size_t)n, sizeof *d.train);
    d.ctrain = xcalloc((size_t)n, sizeof *d.ctrain);
    d.refs = xcalloc((size_t)n, sizeof *d.refs);
    if (!d.ws || !d.cws) {
        rc = oom(&d);
        goto out;
    }
    decay_prior_default(&d.base);
    for (int f = 0; f < CURVE_NFAMILY; f++)
        curve_prior_default((enum curve_family)f, &d.cbase[f]);
    for (int fold = 0; fold < NFOLD && !rc; fold++)
        rc = run_fold(&d, fold);
    if (!rc)
        print_results(&d, path);
out:
    for (int s = 0; s < NSCORE; s++) {
        free(d.sc[s].ape);
        free(d.sc[s].cov);
    }
    free(d.top);
    free(d.big);
    free(d.refs);
    free(d.train);
    free(d.ctrain);
    decay_ws_free(d.ws);
    curve_ws_free(d.cws);
    free(d.v);
    return rc;
}
