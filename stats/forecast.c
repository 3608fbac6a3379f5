/*
 * stats/forecast.c — stacked 7-day forecaster with conformal intervals (see
 * forecast.h; docs/models.md §6 for why and how well).
 */
#include "stats/forecast_impl.h"

#include "stats/decay.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const double fc_anchor_h[FC_NANCHOR] = { 1.0, 4.0, 24.0, 48.0 };

/* The k values the inner cross-validation chooses from, and the weight of the size feature ln y_a against the shape's. */
const int fc_k_grid[FC_NK] = { 3, 5, 8, 12, 20, 30, 45, 64 };
const double fc_size_grid[FC_NSZ] = { 0.0, 0.25, 1.0 };

int fc_anchor_for_age(double age_h)
{
    int a = -1;
    for (int k = 0; k < FC_NANCHOR; k++)
        if (age_h >= fc_anchor_h[k] - 1e-9)
            a = k;
    return a;
}

int fc_cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The k-th smallest (0-based) of v[0..n) by quickselect (reorders v). */
static double kth(double *v, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        double piv = v[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < piv)
                i++;
            while (v[j] > piv)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/*
 * Whether the median of v[0..n) is below thr, its value into *med when it is
 * computed.  A counting pass answers "no" without the selection when fewer
 * than (n + 1) / 2 values are below thr (the median is then >= thr); with a
 * NaN, or when it may be below, the median itself decides: the answer and a
 * *med used are always fc_median_fast's.
 */
bool fc_median_below(double *v, int n, double thr, double *med)
{
    int below = 0, nan = 0;
    for (int i = 0; i < n; i++) {
        below += v[i] < thr;
        nan += v[i] != v[i];
    }
    if (!nan && below < (n + 1) / 2)
        return false;
    *med = fc_median_fast(v, n);
    return *med < thr;
}

double fc_median_fast(double *v, int n)
{
    double hi = kth(v, n, n / 2);
    if (n % 2)
        return hi;
    double lo = v[0];
    for (int i = 1; i < n / 2; i++)
        if (v[i] > lo)
            lo = v[i];
    return 0.5 * (lo + hi);
}

/*
 * Median of the k sorted values tmp and the spreads below and above it: the
 * distances from the median to the 10 % and 90 % quantiles (linear
 * interpolation), so a right-skewed neighbourhood gets a longer upper side.
 */
static void local_sorted(const double *tmp, int k, double *med, double *lo, double *hi)
{
    double q[3], lv[3] = { 0.1, 0.5, 0.9 };
    for (int t = 0; t < 3; t++) {
        double pos = lv[t] * (k - 1);
        int i = (int)pos;
        q[t] = i >= k - 1 ? tmp[k - 1] : tmp[i] + (pos - i) * (tmp[i + 1] - tmp[i]);
    }
    /* the centre: the mean of the middle half (a trimmed median) */
    int t0 = k / 4, t1 = k - k / 4;
    double sum = 0;
    for (int i = t0; i < t1; i++)
        sum += tmp[i];
    *med = t1 > t0 ? sum / (t1 - t0) : q[1];
    *lo = q[1] - q[0];
    *hi = q[2] - q[1];
}

/* local_sorted of the first k values of src (not modified). */
static void local_of(const double *src, int k, double *med, double *lo, double *hi)
{
    double tmp[FC_KMAX];
    memcpy(tmp, src, sizeof *tmp * (size_t)k);
    qsort(tmp, (size_t)k, sizeof *tmp, fc_cmp_double);
    local_sorted(tmp, k, med, lo, hi);
}

void fc_sorted_extend(double *srt, const double *src, int from, int to)
{
    for (int t = from; t < to; t++) {
        double v = src[t];
        int p = t;
        while (p > 0 && srt[p - 1] > v) {
            srt[p] = srt[p - 1];
            p--;
        }
        srt[p] = v;
    }
}

/* ---- nearest neighbours ---- */

/* Candidate c's squared scaled shape distance to q into *ds, its scaled size difference into *dz. */
static void nbr_parts(const struct fc_model *m, int a, const double *q, int i, double *ds, double *dz)
{
    const struct fc_anchor *an = &m->a[a];
    const double *f = &m->f[((size_t)a * m->n_ref + i) * FC_NANCHOR];
    double d = 0;
    for (int j = 0; j < a; j++) {
        double z = (f[j] - q[j]) / an->fscale[j];
        d += z * z;
    }
    *ds = d;
    *dz = (f[a] - q[a]) / an->fscale[a];
}

/*
 * The k nearest of the candidates cand[0..nc) (indices into the anchor's rows)
 * to the feature vector q, by squared scaled distance; ties keep the earlier
 * candidate.  Returns how many were found (<= k), sorted nearest first.
 */
static int knn(const struct fc_model *m, int a, const double *q, const int *cand, int nc, int k, double wsize,
               struct fc_nbr *out)
{
    int got = 0;
    for (int c = 0; c < nc; c++) {
        double d, z;
        nbr_parts(m, a, q, cand[c], &d, &z);
        if (wsize > 0)
            d += wsize * z * z;
        fc_nbr_offer(out, &got, k, d, cand[c]);
    }
    return got;
}

/* Shape: ln(y_a/y_j) for the earlier anchors j; size: ln y_a in slot a. */
void fc_features(const double *y, int a, double *f)
{
    for (int j = 0; j < a; j++)
        f[j] = log((y[a] + 1.0) / (y[j] + 1.0));
    f[a] = log(y[a] + 1.0);
}

/* ---- training ---- */

void fc_model_free(struct fc_model *m)
{
    if (!m)
        return;
    free(m->g);
    free(m->f);
    free(m->gl);
    free(m->rows);
    free(m->tree);
    memset(m, 0, sizeof *m);
}

static void cvws_free(struct fc_cvws *w)
{
    free(w->Rg);
    free(w->tr);
    free(w->A);
    free(w->Lo);
    free(w->Hi);
    free(w->Sh);
    free(w->R);
    free(w->tmp);
    free(w->z);
    free(w->cand);
    free(w->ds);
    free(w->dz);
    free(w->dd);
}

static int cvws_alloc(struct fc_cvws *w, int a, int n)
{
    size_t N = (size_t)n;
    w->N = N;
    w->nk = a > 0 ? FC_NK : 1;
    w->nz = a > 0 ? FC_NSZ : 1;
    size_t ncfg = (size_t)w->nk * (size_t)w->nz;
    w->A = malloc(sizeof(double) * N * ncfg);
    w->Lo = malloc(sizeof(double) * N * ncfg);
    w->Hi = malloc(sizeof(double) * N * ncfg);
    w->Sh = malloc(sizeof(double) * N);
    w->tmp = malloc(sizeof(double) * N);
    w->z = malloc(sizeof(double) * 2 * N); /* 2 N: knn_select's scratch during the folds */
    w->R = malloc(sizeof(double) * N);
    w->Rg = malloc(sizeof(double) * N * FC_GB_NROUNDS);
    w->cand = malloc(sizeof(int) * N);
    w->ds = malloc(sizeof(double) * N);
    w->dz = malloc(sizeof(double) * N);
    w->dd = malloc(sizeof(double) * N);
    w->tr = malloc(sizeof *w->tr * FC_TREE_MAX);
    return w->A && w->Lo && w->Hi && w->Sh && w->tmp && w->z && w->R && w->Rg && w->cand && w->ds && w->dz && w->dd && w->tr
               ? 0
               : -1;
}

/* Row p's out-of-fold components from a fold's nc training rows, whose
 * median rule is shm (spreads slo, shi) and trees w->tr from init. */
static void oof_row(const struct fc_model *m, int a, const int *rows, int p, int nc, double shm, double slo,
                    double shi, double init, struct fc_cvws *w)
{
    size_t N = w->N;
    w->Sh[p] = shm;
    if (a > 0) {
        const double *x = &m->f[((size_t)a * m->n_ref + rows[p]) * FC_NANCHOR];
        double v = init;
        for (int t = 0, done = 0; t < FC_GB_NROUNDS; t++) {
            v = fc_gb_eval(v, w->tr + done, fc_gb_rounds_grid[t] - done, x);
            done = fc_gb_rounds_grid[t];
            w->Rg[(size_t)t * N + p] = v;
        }
    }
    if (a == 0) {
        w->A[p] = shm;
        w->Lo[p] = slo;
        w->Hi[p] = shi;
        return;
    }
    const double *q = &m->f[((size_t)a * m->n_ref + rows[p]) * FC_NANCHOR];
    /* The distances' parts once for the three size weights (knn's arithmetic). */
    for (int c = 0; c < nc; c++)
        nbr_parts(m, a, q, w->cand[c], &w->ds[c], &w->dz[c]);
    for (int zz = 0; zz < w->nz; zz++) {
        struct fc_nbr nb[FC_KMAX];
        double wsize = fc_size_grid[zz];
        for (int c = 0; c < nc; c++) {
            double d = w->ds[c];
            if (wsize > 0)
                d += wsize * w->dz[c] * w->dz[c];
            w->dd[c] = d;
        }
        int got = fc_knn_select(w->dd, w->cand, nc, FC_KMAX, nb, w->z);
        double gv[FC_KMAX];
        for (int t = 0; t < got; t++)
            gv[t] = m->g[(size_t)a * m->n_ref + nb[t].i];
        /* The k of the grid grow: each sorted prefix extends the last. */
        double srt[FC_KMAX];
        int ns = 0;
        for (int kk = 0; kk < w->nk; kk++) {
            int k = fc_k_grid[kk] < got ? fc_k_grid[kk] : got;
            size_t c = ((size_t)zz * w->nk + kk) * N + p;
            fc_sorted_extend(srt, gv, ns, k);
            ns = k;
            local_sorted(srt, k, &w->A[c], &w->Lo[c], &w->Hi[c]);
        }
    }
}

/* Out-of-fold components for the rows of one fold: the neighbours for every
 * (size weight, k), the boosted trees after each number of rounds.  Returns
 * 0 or -1 on ENOMEM. */
static int oof_fold(const struct fc_model *m, int a, const int *rows, int n, int fold, struct fc_cvws *w)
{
    int nc = 0;
    for (int p = 0; p < n; p++)
        if (p % FC_NFOLD != fold)
            w->cand[nc++] = rows[p];
    if (nc == 0)
        return 0;
    for (int c = 0; c < nc; c++)
        w->tmp[c] = m->g[(size_t)a * m->n_ref + w->cand[c]];
    double shm, slo, shi;

    {
        /* the no-shape neighbourhood: every training row */
        double med, sd;
        decay_robust_stats(w->tmp, nc, &med, &sd);
        shm = med;
        slo = shi = sd * 1.2815515655446004; /* z of 90 % for a normal */
    }
    double init = shm;
    if (a > 0 && fc_gb_fit(m, a, w->cand, nc, FC_TREE_MAX, w->tr, &init))
        return -1;
    for (int p = fold; p < n; p += FC_NFOLD)
        oof_row(m, a, rows, p, nc, shm, slo, shi, init, w);
    return 0;
}

/* The trees' rounds: their own lowest out-of-fold median |log error|; the
 * index into fc_gb_rounds_grid, or -1 for none (an->ntree set). */
static int choose_rounds(struct fc_model *m, int a, const int *rows, int n, bool own_only, struct fc_cvws *w)
{
    struct fc_anchor *an = &m->a[a];
    int bg = -1;
    an->ntree = 0;
    an->gb_init = an->sh_med;
    if (a > 0 && n >= FC_NFOLD) {
        double bge = INFINITY;
        for (int t = 0; t < FC_GB_NROUNDS; t++) {
            int ne = 0;
            for (int p = 0; p < n; p++)
                if (!own_only || rows[p] < m->n_own)
                    w->tmp[ne++] = fabs(m->g[(size_t)a * m->n_ref + rows[p]] - w->Rg[(size_t)t * w->N + p]);
            double e;
            if (fc_median_below(w->tmp, ne, bge - 1e-12, &e)) {
                bge = e;
                bg = t;
            }
        }
        an->ntree = fc_gb_rounds_grid[bg];
    }
    return bg;
}

/*
 * Chooses the size weight, k, the trees' rounds (by their own error), the
 * stack weights and the conformal quantiles
 * for anchor a from an inner cross-validation over rows[0..n) (fold =
 * position mod FC_NFOLD).  Returns 0 or -1 on ENOMEM.
 */
static int train_anchor(struct fc_model *m, int a, const int *rows, int n)
{
    struct fc_anchor *an = &m->a[a];
    struct fc_cvws w = { 0 };
    int rc = -1;
    if (cvws_alloc(&w, a, n))
        goto out;
    for (int fold = 0; fold < FC_NFOLD; fold++)
        if (oof_fold(m, a, rows, n, fold, &w))
            goto out;
    if (n < FC_NFOLD) { /* too few to cross-validate: the median rule alone */
        w.nk = w.nz = 1;
        for (int p = 0; p < n; p++) {
            w.A[p] = w.Sh[p] = an->sh_med;
            w.Lo[p] = w.Hi[p] = an->sh_sd;
        }
    }

    /* The choice: lowest out-of-fold median |log error| (first on ties),
     * over the account's own posts when there are FC_OWN_CALIB of them: the
     * global set lends analogs, the account says which mix works for it. */
    int nown = 0;
    for (int p = 0; p < n; p++)
        nown += rows[p] < m->n_own;
    bool own_only = nown >= FC_OWN_CALIB;
    int bg = choose_rounds(m, a, rows, n, own_only, &w);
    for (int p = 0; p < n; p++)
        w.R[p] = bg >= 0 ? w.Rg[(size_t)bg * w.N + p] : w.Sh[p];
    size_t c0;
    if (fc_choose_stack(m, a, rows, n, own_only, &w, &c0))
        goto out;

    /* Split-conformal calibration on the same out-of-fold residuals,
     * normalised by the local spread on the residual's side. */
    int nzs = 0;
    for (int p = 0; p < n; p++) {
        if (own_only && rows[p] >= m->n_own)
            continue;
        size_t i = (size_t)a * m->n_ref + rows[p];
        double L = isfinite(m->gl[i]) ? m->gl[i] : w.Sh[p];
        double pred = an->w_lomax * L + an->w_analog * w.A[c0 + p] + an->w_qr * w.R[p] + an->w_sh * w.Sh[p];
        double r = m->g[i] - pred;
        w.tmp[nzs] = pred;
        w.z[nzs++] = r / fmax(FC_S_FLOOR, r < 0 ? w.Lo[c0 + p] : w.Hi[c0 + p]);
    }
    if (fc_conformal_fit(an, m->cover, w.tmp, w.z, nzs))
        goto out;
    if (an->ntree > 0 && fc_gb_fit(m, a, rows, n, an->ntree, &m->tree[(size_t)a * FC_TREE_MAX], &an->gb_init))
        goto out;
    rc = 0;
out:
    cvws_free(&w);
    return rc;
}

int fc_train(struct fc_model *m, const struct fc_ref *own, int n_own, const struct fc_ref *glob, int n_glob,
             double glob_scale, double cover)
{
    if (fc_prepare(m, own, n_own, glob, n_glob, glob_scale, cover))
        return -1;
    for (int a = 0; a < FC_NANCHOR; a++)
        if (m->a[a].n > 0 && train_anchor(m, a, &m->rows[(size_t)a * m->n_ref], m->a[a].n)) {
            fc_model_free(m);
            return -1;
        }
    return 0;
}

/* ---- prediction ---- */

int fc_predict(const struct fc_model *m, int a, const double *y, double lomax7, struct fc_forecast *out)
{
    out->p05 = out->p50 = out->p95 = out->g = out->s_lo = out->s_hi = NAN;
    if (a < 0 || a >= FC_NANCHOR || m->n_ref == 0 || m->a[a].n == 0)
        return -1;
    for (int j = 0; j <= a; j++)
        if (!isfinite(y[j]) || y[j] < 0)
            return -1;
    const struct fc_anchor *an = &m->a[a];
    double A = an->sh_med, lo = an->sh_sd * 1.2815515655446004, hi = lo;
    if (a > 0 && an->k > 0) {
        double q[FC_NANCHOR];
        fc_features(y, a, q);
        struct fc_nbr nb[FC_KMAX];
        int got = knn(m, a, q, &m->rows[(size_t)a * m->n_ref], an->n, an->k, an->w_size, nb);
        double gv[FC_KMAX];
        for (int t = 0; t < got; t++)
            gv[t] = m->g[(size_t)a * m->n_ref + nb[t].i];
        if (got > 0)
            local_of(gv, got, &A, &lo, &hi);
    }
    double L = an->sh_med;
    if (isfinite(lomax7) && lomax7 >= 0)
        L = log((fmax(lomax7, y[a]) + 1.0) / (y[a] + 1.0));
    double q[FC_NANCHOR];
    fc_features(y, a, q);
    double g = an->w_lomax * L + an->w_analog * A + an->w_qr * fc_gb_eval(an->gb_init, &m->tree[(size_t)a * FC_TREE_MAX], an->ntree, q) + an->w_sh * an->sh_med;
    lo = fmax(an->s_floor, lo);
    hi = fmax(an->s_floor, hi);
    double base = y[a] + 1.0;
    out->g = g;
    out->s_lo = lo;
    out->s_hi = hi;
    out->p50 = fmax(y[a], base * exp(g) - 1.0);
    int bin = 0;
    while (bin + 1 < an->nbin && g >= an->cut[bin])
        bin++;
    out->p05 = fmin(out->p50, fmax(y[a], base * exp(g + lo * an->qb_lo[bin]) - 1.0));
    out->p95 = fmax(out->p50, base * exp(g + hi * an->qb_hi[bin]) - 1.0);
    return 0;
}

