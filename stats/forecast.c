/*
 * stats/forecast.c — stacked 7-day forecaster with conformal intervals (see
 * forecast.h; docs/models.md §6 for why and how well).
 */
#include "stats/forecast.h"

#include "stats/decay.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const double fc_anchor_h[FC_NANCHOR] = { 1.0, 4.0, 24.0, 48.0 };

/* The k values the inner cross-validation chooses from. */
static const int k_grid[] = { 3, 5, 8, 12, 20, 30, 45, 64 };
#define NK ((int)(sizeof k_grid / sizeof k_grid[0]))
/* ... and the weight of the size feature ln y_a against the shape's. */
static const double size_grid[] = { 0.0, 0.25, 1.0 };
#define NSZ ((int)(sizeof size_grid / sizeof size_grid[0]))
#define WSTEP 10     /* weights on a 0.1 grid of the simplex */
#define S_FLOOR 0.02 /* a local spread below 2 % is not believed */
#define FSCALE_MIN 0.05

int fc_anchor_for_age(double age_h)
{
    int a = -1;
    for (int k = 0; k < FC_NANCHOR; k++)
        if (age_h >= fc_anchor_h[k] - 1e-9)
            a = k;
    return a;
}

static int cmp_double(const void *x, const void *y)
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

static double median_fast(double *v, int n)
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
 * Median of the first k values of src (not modified) and the spreads below
 * and above it: the distances from the median to the 10 % and 90 % quantiles
 * (linear interpolation), so a right-skewed neighbourhood gets a longer
 * upper side.
 */
static void local_of(const double *src, int k, double *med, double *lo, double *hi)
{
    double tmp[FC_KMAX];
    memcpy(tmp, src, sizeof *tmp * (size_t)k);
    qsort(tmp, (size_t)k, sizeof *tmp, cmp_double);
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

/* ---- nearest neighbours ---- */

struct nbr {
    double d;
    int i;
};

/*
 * The k nearest of the candidates cand[0..nc) (indices into the anchor's rows)
 * to the feature vector q, by squared scaled distance; ties keep the earlier
 * candidate.  Returns how many were found (<= k), sorted nearest first.
 */
static int knn(const struct fc_model *m, int a, const double *q, const int *cand, int nc, int k, double wsize,
               struct nbr *out)
{
    const struct fc_anchor *an = &m->a[a];
    int got = 0;
    for (int c = 0; c < nc; c++) {
        int i = cand[c];
        const double *f = &m->f[((size_t)a * m->n_ref + i) * FC_NANCHOR];
        double d = 0;
        for (int j = 0; j < a; j++) {
            double z = (f[j] - q[j]) / an->fscale[j];
            d += z * z;
        }
        if (wsize > 0) {
            double z = (f[a] - q[a]) / an->fscale[a];
            d += wsize * z * z;
        }
        if (got == k && !(d < out[k - 1].d))
            continue;
        int p = got < k ? got++ : k - 1;
        while (p > 0 && out[p - 1].d > d) {
            out[p] = out[p - 1];
            p--;
        }
        out[p] = (struct nbr){ d, i };
    }
    return got;
}

/* Shape: ln(y_a/y_j) for the earlier anchors j; size: ln y_a in slot a. */
static void features(const double *y, int a, double *f)
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

static bool usable(const double *y, int a, double y7)
{
    if (!isfinite(y7) || y7 < 0)
        return false;
    for (int j = 0; j <= a; j++)
        if (!isfinite(y[j]) || y[j] < 0)
            return false;
    return true;
}

/* Conformal quantile: the ceil((n + 1)·p)-th smallest of z (sorted), clipped to the sample. */
static double conformal_q(const double *z, int n, double p)
{
    int r = (int)ceil((n + 1) * p) - 1;
    if (r < 0)
        r = 0;
    if (r > n - 1)
        r = n - 1;
    return z[r];
}

/* ---- the median learner: L1 gradient-boosted regression trees ---- */

/*
 * Friedman's LAD_TreeBoost: each round fits a depth-2 tree (3 splits, 4
 * leaves) to the sign of the current residuals by least squares, sets each
 * leaf to the median residual of its posts and adds it shrunk by GB_SHRINK.
 * Depth, shrinkage and the leaf minimum are fixed (the usual defaults, not
 * tuned); the number of rounds is chosen by the inner cross-validation from
 * gb_rounds_grid.  Features: the anchor's shape ratios and its size.
 */
#define GB_SHRINK FC_TREE_SHRINK
#define GB_MIN_LEAF 10
static const int gb_rounds_grid[] = { 25, 50, 100, FC_TREE_MAX };
#define NGB ((int)(sizeof gb_rounds_grid / sizeof gb_rounds_grid[0]))

static int tree_leaf(const struct fc_tree *t, const double *x)
{
    if (x[t->f[0]] < t->t[0])
        return x[t->f[1]] < t->t[1] ? 0 : 1;
    return x[t->f[2]] < t->t[2] ? 2 : 3;
}

/* The boosted prediction from the first nt trees. */
static double gb_eval(double init, const struct fc_tree *tr, int nt, const double *x)
{
    double r = init;
    for (int k = 0; k < nt; k++)
        r += GB_SHRINK * tr[k].leaf[tree_leaf(&tr[k], x)];
    return r;
}

struct xi {
    double x;
    int i;
};

static int cmp_xi(const void *p, const void *q)
{
    const struct xi *a = p, *b = q;
    if (a->x != b->x)
        return (a->x > b->x) - (a->x < b->x);
    return (a->i > b->i) - (a->i < b->i);
}

/*
 * The least-squares split of the gradient u for each of the nn nodes
 * (node[i] in 0..nn), over the features presorted in ord; each side keeps
 * GB_MIN_LEAF posts, thresholds fall midway between distinct values, the
 * first best wins.  A node without a split gets t = +inf (all left).
 */
static void gb_split(const double *x, const int *ord, int n, int nf, const double *u, const int *node, int nn,
                     int *bf, double *bt)
{
    double tot[2] = { 0, 0 }, best[2] = { -1, -1 };
    int cnt[2] = { 0, 0 };
    for (int i = 0; i < n; i++)
        tot[node[i]] += u[i], cnt[node[i]]++;
    for (int c = 0; c < nn; c++)
        bf[c] = 0, bt[c] = INFINITY;
    for (int f = 0; f < nf; f++) {
        double sl[2] = { 0, 0 }, lastx[2] = { 0, 0 };
        int nl[2] = { 0, 0 };
        const int *o = &ord[(size_t)f * n];
        for (int t = 0; t < n; t++) {
            int i = o[t], c = node[i];
            double xv = x[(size_t)f * n + i];
            if (nl[c] >= GB_MIN_LEAF && cnt[c] - nl[c] >= GB_MIN_LEAF && xv > lastx[c]) {
                double sr = tot[c] - sl[c], sc = sl[c] * sl[c] / nl[c] + sr * sr / (cnt[c] - nl[c]);
                if (sc > best[c] + 1e-12) {
                    best[c] = sc;
                    bf[c] = f;
                    bt[c] = 0.5 * (lastx[c] + xv);
                }
            }
            sl[c] += u[i];
            nl[c]++;
            lastx[c] = xv;
        }
    }
}

/*
 * Boosts nt trees on g over rows[0..n) at anchor a into tr[0..nt), the
 * starting value (the median) into *init.  Returns 0 or -1 on ENOMEM.
 */
static int gb_fit(const struct fc_model *m, int a, const int *rows, int n, int nt, struct fc_tree *tr, double *init)
{
    int nf = a + 1, rc = -1;
    size_t N = (size_t)n;
    double *x = malloc(sizeof(double) * N * (size_t)nf), *F = malloc(sizeof(double) * N),
           *u = malloc(sizeof(double) * N), *tmp = malloc(sizeof(double) * N);
    int *ord = malloc(sizeof(int) * N * (size_t)nf), *node = malloc(sizeof(int) * N), *leaf = malloc(sizeof(int) * N);
    struct xi *s = malloc(sizeof *s * N);
    if (!x || !F || !u || !tmp || !ord || !node || !leaf || !s)
        goto out;
    for (int f = 0; f < nf; f++) {
        for (int i = 0; i < n; i++) {
            x[(size_t)f * N + i] = m->f[((size_t)a * m->n_ref + rows[i]) * FC_NANCHOR + f];
            s[i] = (struct xi){ x[(size_t)f * N + i], i };
        }
        qsort(s, N, sizeof *s, cmp_xi);
        for (int i = 0; i < n; i++)
            ord[(size_t)f * N + i] = s[i].i;
    }
    for (int i = 0; i < n; i++)
        tmp[i] = m->g[(size_t)a * m->n_ref + rows[i]];
    *init = n > 0 ? median_fast(tmp, n) : 0;
    for (int i = 0; i < n; i++)
        F[i] = *init;
    for (int k = 0; k < nt; k++) {
        struct fc_tree *t = &tr[k];
        for (int i = 0; i < n; i++) {
            double r = m->g[(size_t)a * m->n_ref + rows[i]] - F[i];
            u[i] = (r > 0) - (r < 0);
            node[i] = 0;
        }
        int bf[2];
        double bt[2];
        gb_split(x, ord, n, nf, u, node, 1, bf, bt);
        t->f[0] = bf[0];
        t->t[0] = bt[0];
        for (int i = 0; i < n; i++)
            node[i] = !(x[(size_t)t->f[0] * N + i] < t->t[0]);
        gb_split(x, ord, n, nf, u, node, 2, bf, bt);
        t->f[1] = bf[0], t->t[1] = bt[0], t->f[2] = bf[1], t->t[2] = bt[1];
        for (int i = 0; i < n; i++) {
            double xi[FC_NANCHOR];
            for (int f = 0; f < nf; f++)
                xi[f] = x[(size_t)f * N + i];
            leaf[i] = tree_leaf(t, xi);
        }
        /* each leaf's median residual: the residuals bucketed by leaf in one pass */
        int cnt[4] = { 0, 0, 0, 0 }, at[4];
        for (int i = 0; i < n; i++)
            cnt[leaf[i]]++;
        at[0] = 0;
        for (int l = 1; l < 4; l++)
            at[l] = at[l - 1] + cnt[l - 1];
        for (int i = 0; i < n; i++)
            tmp[at[leaf[i]]++] = m->g[(size_t)a * m->n_ref + rows[i]] - F[i];
        for (int l = 0, start = 0; l < 4; start += cnt[l], l++)
            t->leaf[l] = cnt[l] > 0 ? median_fast(tmp + start, cnt[l]) : 0;
        for (int i = 0; i < n; i++)
            F[i] += GB_SHRINK * t->leaf[leaf[i]];
    }
    rc = 0;
out:
    free(x);
    free(F);
    free(u);
    free(tmp);
    free(ord);
    free(node);
    free(leaf);
    free(s);
    return rc;
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
    size_t N = (size_t)n;
    int nk = a > 0 ? NK : 1, nz = a > 0 ? NSZ : 1;
    size_t ncfg = (size_t)nk * (size_t)nz;
    double *A = malloc(sizeof(double) * N * ncfg), *Lo = malloc(sizeof(double) * N * ncfg),
           *Hi = malloc(sizeof(double) * N * ncfg);
    double *Sh = malloc(sizeof(double) * N), *tmp = malloc(sizeof(double) * N), *z = malloc(sizeof(double) * N);
    double *R = malloc(sizeof(double) * N), *Rg = malloc(sizeof(double) * N * NGB);
    int *cand = malloc(sizeof(int) * N);
    struct fc_tree *tr = malloc(sizeof *tr * FC_TREE_MAX);
    int rc = -1;
    if (!A || !Lo || !Hi || !Sh || !tmp || !z || !R || !Rg || !cand || !tr)
        goto out;

    /* Out-of-fold components for every row: the neighbours for every (size
     * weight, k), the boosted trees after each number of rounds. */
    for (int fold = 0; fold < FC_NFOLD; fold++) {
        int nc = 0;
        for (int p = 0; p < n; p++)
            if (p % FC_NFOLD != fold)
                cand[nc++] = rows[p];
        if (nc == 0)
            continue;
        for (int c = 0; c < nc; c++)
            tmp[c] = m->g[(size_t)a * m->n_ref + cand[c]];
        double shm, slo, shi;

        {
            /* the no-shape neighbourhood: every training row */
            double med, sd;
            decay_robust_stats(tmp, nc, &med, &sd);
            shm = med;
            slo = shi = sd * 1.2815515655446004; /* z of 90 % for a normal */
        }
        double init = shm;
        if (a > 0 && gb_fit(m, a, cand, nc, FC_TREE_MAX, tr, &init))
            goto out;
        for (int p = fold; p < n; p += FC_NFOLD) {
            Sh[p] = shm;
            if (a > 0) {
                const double *x = &m->f[((size_t)a * m->n_ref + rows[p]) * FC_NANCHOR];
                double v = init;
                for (int t = 0, done = 0; t < NGB; t++) {
                    v = gb_eval(v, tr + done, gb_rounds_grid[t] - done, x);
                    done = gb_rounds_grid[t];
                    Rg[(size_t)t * N + p] = v;
                }
            }
            if (a == 0) {
                A[p] = shm;
                Lo[p] = slo;
                Hi[p] = shi;
                continue;
            }
            const double *q = &m->f[((size_t)a * m->n_ref + rows[p]) * FC_NANCHOR];
            for (int zz = 0; zz < nz; zz++) {
                struct nbr nb[FC_KMAX];
                int got = knn(m, a, q, cand, nc, FC_KMAX, size_grid[zz], nb);
                double gv[FC_KMAX];
                for (int t = 0; t < got; t++)
                    gv[t] = m->g[(size_t)a * m->n_ref + nb[t].i];
                for (int kk = 0; kk < nk; kk++) {
                    int k = k_grid[kk] < got ? k_grid[kk] : got;
                    size_t c = ((size_t)zz * nk + kk) * N + p;
                    local_of(gv, k, &A[c], &Lo[c], &Hi[c]);
                }
            }
        }
    }
    if (n < FC_NFOLD) { /* too few to cross-validate: the median rule alone */
        nk = nz = 1;
        for (int p = 0; p < n; p++) {
            A[p] = Sh[p] = an->sh_med;
            Lo[p] = Hi[p] = an->sh_sd;
        }
    }

    /* The choice: lowest out-of-fold median |log error| (first on ties),
     * over the account's own posts when there are FC_OWN_CALIB of them: the
     * global set lends analogs, the account says which mix works for it. */
    int nown = 0;
    for (int p = 0; p < n; p++)
        nown += rows[p] < m->n_own;
    bool own_only = nown >= FC_OWN_CALIB;

    /* The trees' rounds: their own lowest out-of-fold median |log error|. */
    int bg = -1;
    an->ntree = 0;
    an->gb_init = an->sh_med;
    if (a > 0 && n >= FC_NFOLD) {
        double bge = INFINITY;
        for (int t = 0; t < NGB; t++) {
            int ne = 0;
            for (int p = 0; p < n; p++)
                if (!own_only || rows[p] < m->n_own)
                    tmp[ne++] = fabs(m->g[(size_t)a * m->n_ref + rows[p]] - Rg[(size_t)t * N + p]);
            double e = median_fast(tmp, ne);
            if (e < bge - 1e-12) {
                bge = e;
                bg = t;
            }
        }
        an->ntree = gb_rounds_grid[bg];
    }
    for (int p = 0; p < n; p++)
        R[p] = bg >= 0 ? Rg[(size_t)bg * N + p] : Sh[p];
    double best = INFINITY;
    int bz = 0, bk = 0, bl = 0, ba = 0, br = 0;
    for (int zz = 0; zz < nz; zz++)
        for (int kk = 0; kk < nk; kk++)
            for (int wl = 0; wl <= WSTEP; wl++)
                for (int wa = 0; wa <= WSTEP - wl; wa++)
                    for (int wr = 0; wr <= WSTEP - wl - wa; wr++) {
                        if (a == 0 && (wa > 0 || wr > 0))
                            continue; /* no shape: the learners are the median rule */
                        double fl = wl / (double)WSTEP, fa = wa / (double)WSTEP, fr = wr / (double)WSTEP;
                        double fs = 1.0 - fl - fa - fr;
                        const double *Ak = &A[((size_t)zz * nk + kk) * N];
                        int ne = 0;
                        for (int p = 0; p < n; p++) {
                            if (own_only && rows[p] >= m->n_own)
                                continue;
                            size_t i = (size_t)a * m->n_ref + rows[p];
                            double L = isfinite(m->gl[i]) ? m->gl[i] : Sh[p];
                            tmp[ne++] = fabs(m->g[i] - (fl * L + fa * Ak[p] + fr * R[p] + fs * Sh[p]));
                        }
                        double e = median_fast(tmp, ne);
                        if (e < best - 1e-12) {
                            best = e;
                            bz = zz, bk = kk, bl = wl, ba = wa, br = wr;
                        }
                    }
    an->k = a > 0 ? k_grid[bk] : 0;
    an->w_size = a > 0 ? size_grid[bz] : 0;
    an->w_lomax = bl / (double)WSTEP;
    an->w_analog = ba / (double)WSTEP;
    an->w_qr = br / (double)WSTEP;
    an->w_sh = (WSTEP - bl - ba - br) / (double)WSTEP;
    an->cv_err = best;
    an->s_floor = S_FLOOR;

    /* Split-conformal calibration on the same out-of-fold residuals,
     * normalised by the local spread on the residual's side. */
    size_t c0 = ((size_t)bz * nk + bk) * N;
    int nzs = 0;
    for (int p = 0; p < n; p++) {
        if (own_only && rows[p] >= m->n_own)
            continue;
        size_t i = (size_t)a * m->n_ref + rows[p];
        double L = isfinite(m->gl[i]) ? m->gl[i] : Sh[p];
        double pred = an->w_lomax * L + an->w_analog * A[c0 + p] + an->w_qr * R[p] + an->w_sh * Sh[p];
        double r = m->g[i] - pred;
        tmp[nzs] = pred;
        z[nzs++] = r / fmax(S_FLOOR, r < 0 ? Lo[c0 + p] : Hi[c0 + p]);
    }
    /* Mondrian: calibrated separately in each third of the predicted growth
     * (fast growers get their own, longer, upper side), when each third has
     * FC_BIN_MIN posts; else once over all. */
    double alpha = 1.0 - m->cover;
    an->nbin = nzs >= FC_NBIN * FC_BIN_MIN ? FC_NBIN : 1;
    if (an->nbin > 1) {
        double *ps = malloc(sizeof(double) * (size_t)nzs), *zb = malloc(sizeof(double) * (size_t)nzs);
        if (!ps || !zb) {
            free(ps);
            free(zb);
            goto out;
        }
        memcpy(ps, tmp, sizeof(double) * (size_t)nzs);
        qsort(ps, (size_t)nzs, sizeof *ps, cmp_double);
        for (int b = 0; b + 1 < FC_NBIN; b++)
            an->cut[b] = ps[(size_t)nzs * (size_t)(b + 1) / FC_NBIN];
        for (int b = 0; b < FC_NBIN; b++) {
            int nb = 0;
            for (int t = 0; t < nzs; t++) {
                int bb = 0;
                while (bb + 1 < FC_NBIN && tmp[t] >= an->cut[bb])
                    bb++;
                if (bb == b)
                    zb[nb++] = z[t];
            }
            qsort(zb, (size_t)nb, sizeof *zb, cmp_double);
            /* an empty bin (tied predictions put every post on one side of
             * a cut) takes the overall quantiles, below */
            an->qb_lo[b] = nb > 0 ? conformal_q(zb, nb, 0.5 * alpha) : NAN;
            an->qb_hi[b] = nb > 0 ? conformal_q(zb, nb, 1.0 - 0.5 * alpha) : NAN;
        }
        free(ps);
        free(zb);
    }
    qsort(z, (size_t)nzs, sizeof *z, cmp_double);
    an->q_lo = conformal_q(z, nzs, 0.5 * alpha);
    an->q_hi = conformal_q(z, nzs, 1.0 - 0.5 * alpha);
    an->q_mid = conformal_q(z, nzs, 0.5);
    for (int b = 0; b < an->nbin; b++)
        if (an->nbin == 1 || isnan(an->qb_lo[b])) {
            an->qb_lo[b] = an->q_lo;
            an->qb_hi[b] = an->q_hi;
        }
    if (an->ntree > 0 && gb_fit(m, a, rows, n, an->ntree, &m->tree[(size_t)a * FC_TREE_MAX], &an->gb_init))
        goto out;
    rc = 0;
out:
    free(Rg);
    free(tr);
    free(A);
    free(Lo);
    free(Hi);
    free(Sh);
    free(R);
    free(tmp);
    free(z);
    free(cand);
    return rc;
}

int fc_train(struct fc_model *m, const struct fc_ref *own, int n_own, const struct fc_ref *glob, int n_glob,
             double glob_scale, double cover)
{
    memset(m, 0, sizeof *m);
    m->cover = cover > 0 && cover < 1 ? cover : 0.90;
    if (n_own < 0)
        n_own = 0;
    if (n_glob < 0 || n_own >= FC_OWN_ENOUGH || !glob)
        n_glob = 0;
    if (!own)
        n_own = 0;
    if (!(glob_scale > 0) || !isfinite(glob_scale))
        glob_scale = 1.0;
    int n = n_own + n_glob;
    m->n_ref = n;
    m->n_own = n_own;
    m->n_global = n_glob;
    if (n == 0)
        return 0;
    size_t cells = (size_t)FC_NANCHOR * (size_t)n;
    m->g = malloc(sizeof(double) * cells);
    m->gl = malloc(sizeof(double) * cells);
    m->f = calloc(cells * FC_NANCHOR, sizeof(double));
    m->rows = malloc(sizeof(int) * cells);
    m->tree = malloc(sizeof *m->tree * FC_NANCHOR * FC_TREE_MAX);
    double *tmp = malloc(sizeof(double) * (size_t)n);
    int rc = -1;
    if (!m->g || !m->gl || !m->f || !m->rows || !m->tree || !tmp)
        goto out;

    for (int a = 0; a < FC_NANCHOR; a++) {
        /* Rows, ratios, features and Lomax ratios at this anchor. */
        double sown = NAN, sglob = NAN;
        int nown = 0, nglob = 0;
        for (int i = 0; i < n; i++) {
            const struct fc_ref *r = i < n_own ? &own[i] : &glob[i - n_own];
            double sc = i < n_own ? 1.0 : glob_scale, y[FC_NANCHOR];
            for (int j = 0; j < FC_NANCHOR; j++)
                y[j] = r->y[j] * sc;
            size_t c = (size_t)a * n + i;
            m->g[c] = m->gl[c] = NAN;
            if (!usable(y, a, r->y7))
                continue;
            double y7 = fmax(r->y7 * sc, y[a]);
            m->g[c] = log((y7 + 1.0) / (y[a] + 1.0));
            if (isfinite(r->lomax7[a]) && r->lomax7[a] >= 0)
                m->gl[c] = log((fmax(r->lomax7[a] * sc, y[a]) + 1.0) / (y[a] + 1.0));
            features(y, a, &m->f[c * FC_NANCHOR]);
        }
        for (int i = 0; i < n_own; i++)
            if (isfinite(m->g[(size_t)a * n + i]))
                tmp[nown++] = m->g[(size_t)a * n + i];
        double sd_own = NAN, sd_glob = NAN;
        if (nown > 0)
            decay_robust_stats(tmp, nown, &sown, &sd_own);
        for (int i = n_own; i < n; i++)
            if (isfinite(m->g[(size_t)a * n + i]))
                tmp[nglob++] = m->g[(size_t)a * n + i];
        if (nglob > 0) {
            decay_robust_stats(tmp, nglob, &sglob, &sd_glob);
            /* The account's level, the global set's shape: shift the global
             * ratios to the account median shrunk towards the global one,
             * each weighted by its precision (n / spread²). */
            double level = sglob;
            if (nown > 0) {
                double wo = nown / pow(fmax(sd_own, S_FLOOR), 2), wg = FC_LEVEL_N0 / pow(fmax(sd_glob, S_FLOOR), 2);
                level = (wo * sown + wg * sglob) / (wo + wg);
            }
            for (int i = n_own; i < n; i++) {
                size_t c = (size_t)a * n + i;
                if (isfinite(m->g[c])) {
                    m->g[c] += level - sglob;
                    if (isfinite(m->gl[c]))
                        m->gl[c] += level - sglob;
                }
            }
        }
        int nr = 0, *rows = &m->rows[(size_t)a * n];
        for (int i = 0; i < n; i++)
            if (isfinite(m->g[(size_t)a * n + i]))
                rows[nr++] = i;
        struct fc_anchor *an = &m->a[a];
        an->n = nr;
        if (nr == 0)
            continue;
        for (int p = 0; p < nr; p++)
            tmp[p] = m->g[(size_t)a * n + rows[p]];
        decay_robust_stats(tmp, nr, &an->sh_med, &an->sh_sd);
        an->sh_sd = fmax(an->sh_sd, S_FLOOR);
        for (int j = 0; j <= a && a > 0; j++) {
            double med, sd;
            for (int p = 0; p < nr; p++)
                tmp[p] = m->f[((size_t)a * n + rows[p]) * FC_NANCHOR + j];
            decay_robust_stats(tmp, nr, &med, &sd);
            an->fscale[j] = fmax(sd, FSCALE_MIN);
        }
        if (train_anchor(m, a, rows, nr))
            goto out;
    }
    rc = 0;
out:
    free(tmp);
    if (rc)
        fc_model_free(m);
    return rc;
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
        features(y, a, q);
        struct nbr nb[FC_KMAX];
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
    features(y, a, q);
    double g = an->w_lomax * L + an->w_analog * A + an->w_qr * gb_eval(an->gb_init, &m->tree[(size_t)a * FC_TREE_MAX], an->ntree, q) + an->w_sh * an->sh_med;
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
