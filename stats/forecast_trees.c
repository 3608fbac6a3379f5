/*
 * stats/forecast_trees.c — the forecaster's median learner: L1 gradient-
 * boosted depth-2 regression trees (LAD_TreeBoost).  See
 * stats/forecast_impl.h; docs/models.md §6.
 */
#include "stats/forecast_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Friedman's LAD_TreeBoost: each round fits a depth-2 tree (3 splits, 4
 * leaves) to the sign of the current residuals by least squares, sets each
 * leaf to the median residual of its posts and adds it shrunk by GB_SHRINK.
 * Depth, shrinkage and the leaf minimum are fixed (the usual defaults, not
 * tuned); the number of rounds is chosen by the inner cross-validation from
 * fc_gb_rounds_grid.  Features: the anchor's shape ratios and its size.
 */
#define GB_SHRINK FC_TREE_SHRINK
#define GB_MIN_LEAF 10
const int fc_gb_rounds_grid[FC_GB_NROUNDS] = { 25, 50, 100, FC_TREE_MAX };

static int tree_leaf(const struct fc_tree *t, const double *x)
{
    if (x[t->f[0]] < t->t[0])
        return x[t->f[1]] < t->t[1] ? 0 : 1;
    return x[t->f[2]] < t->t[2] ? 2 : 3;
}

/* The boosted prediction from the first nt trees. */
double fc_gb_eval(double init, const struct fc_tree *tr, int nt, const double *x)
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
 * The least-squares split of one node: its posts' feature f in increasing
 * order xs[0..cnt) with their gradients us (each -1, 0 or 1, summing to
 * tot); each side keeps GB_MIN_LEAF posts, thresholds fall midway between
 * distinct values, and a split replaces *best only when its score beats it
 * by more than 1e-12 (so the first best wins, feature by feature).
 *
 * The sums of u are whole numbers, so they are kept in ints (the same values
 * a double sum has).  A side's score sl²/nl + sr²/nr is computed in doubles
 * only where it may beat the best: elsewhere the exact N/D = (sl²·nr +
 * sr²·nl)/(nl·nr), in integers, is below (best + 1e-12)·(1 − 1e-9), and the
 * rounded score (two roundings above N/D at most) cannot exceed best + 1e-12.
 */
static void gb_scan(const double *xs, const signed char *us, int cnt, int tot, int f, double *best, int *bf,
                    double *bt)
{
    if (cnt < 2 * GB_MIN_LEAF)
        return;
    int sl = 0;
    for (int t = 0; t < GB_MIN_LEAF; t++)
        sl += us[t];
    for (int t = GB_MIN_LEAF; t <= cnt - GB_MIN_LEAF; sl += us[t], t++) {
        if (!(xs[t] > xs[t - 1]))
            continue;
        int sr = tot - sl, nr = cnt - t;
        double thr = *best + 1e-12;
        int64_t num = (int64_t)sl * sl * nr + (int64_t)sr * sr * t;
        if ((double)num < thr * ((double)t * nr) * (1.0 - 1e-9))
            continue;
        double dl = sl, dr = sr, sc = dl * dl / t + dr * dr / nr;
        if (sc > thr) {
            *best = sc;
            *bf = f;
            *bt = 0.5 * (xs[t - 1] + xs[t]);
        }
    }
}

/* One boosting fit's arrays: features by post (x) and presorted (ord, xs), and per round's scratch. */
struct gbws {
    int n, nf;
    double *x, *xs, *F, *tmp, *xp[2];
    double *gg, *sel; /* each post's g; median_of's scratch (2·n) */
    int *ord, *leaf;
    signed char *u, *up[2], *side;
};

static void gbws_free(struct gbws *w)
{
    free(w->x);
    free(w->xs);
    free(w->F);
    free(w->tmp);
    free(w->xp[0]);
    free(w->ord);
    free(w->leaf);
    free(w->u);
    free(w->up[0]);
    free(w->side);
    free(w->gg);
    free(w->sel);
}

/* Allocates w and fills the features of rows[0..n) at anchor a, presorted (ties by post). */
static int gbws_init(struct gbws *w, const struct fc_model *m, int a, const int *rows, int n)
{
    size_t N = (size_t)n, nf = (size_t)a + 1;
    memset(w, 0, sizeof *w);
    w->n = n;
    w->nf = (int)nf;
    w->x = malloc(sizeof(double) * N * nf + 1);
    w->xs = malloc(sizeof(double) * N * nf + 1);
    w->F = malloc(sizeof(double) * N + 1);
    w->tmp = malloc(sizeof(double) * (N + 1)); /* gb_leaves writes one past its last kept residual */
    w->xp[0] = malloc(sizeof(double) * (2 * N + 2));
    w->ord = malloc(sizeof(int) * N * nf + 1);
    w->leaf = malloc(sizeof(int) * N + 1);
    w->u = malloc(N + 1);
    w->up[0] = malloc(2 * N + 2);
    w->side = malloc(N + 1);
    w->gg = malloc(sizeof(double) * N + 1);
    w->sel = malloc(sizeof(double) * 2 * N + 1);
    struct xi *s = malloc(sizeof *s * N + 1);
    if (!w->x || !w->xs || !w->F || !w->tmp || !w->xp[0] || !w->ord || !w->leaf || !w->u || !w->up[0] || !w->side || !w->gg || !w->sel || !s) {
        free(s);
        return -1;
    }
    w->xp[1] = w->xp[0] + N + 1; /* N + 1 each: a write past the last kept one */
    w->up[1] = w->up[0] + N + 1;
    for (size_t f = 0; f < nf; f++) {
        for (int i = 0; i < n; i++) {
            w->x[f * N + i] = m->f[((size_t)a * m->n_ref + rows[i]) * FC_NANCHOR + f];
            s[i] = (struct xi){ w->x[f * N + i], i };
        }
        qsort(s, N, sizeof *s, cmp_xi);
        for (int i = 0; i < n; i++) {
            w->ord[f * N + i] = s[i].i;
            w->xs[f * N + i] = s[i].x;
        }
    }
    for (int i = 0; i < n; i++)
        w->gg[i] = m->g[(size_t)a * m->n_ref + rows[i]];
    free(s);
    return 0;
}

/* The round's tree's three splits on the gradients w->u: the root over every
 * post, then each side of it (its posts in each feature's order, split off
 * without branches). */
static void gb_splits(struct gbws *w, struct fc_tree *t)
{
    int n = w->n, nf = w->nf, tot = 0;
    size_t N = (size_t)n;
    for (int i = 0; i < n; i++)
        tot += w->u[i];
    double best = -1;
    t->f[0] = 0, t->t[0] = INFINITY;
    for (int f = 0; f < nf; f++) {
        const int *o = &w->ord[(size_t)f * N];
        for (int j = 0; j < n; j++)
            w->up[0][j] = w->u[o[j]];
        gb_scan(&w->xs[(size_t)f * N], w->up[0], n, tot, f, &best, &t->f[0], &t->t[0]);
    }
    const double *x0 = &w->x[(size_t)t->f[0] * N];
    int nright = 0, sright = 0;
    for (int i = 0; i < n; i++) {
        int c = !(x0[i] < t->t[0]);
        w->side[i] = (signed char)c;
        nright += c;
        sright += w->u[i] & -c;
    }
    int cnt[2] = { n - nright, nright }, sum[2] = { tot - sright, sright };
    double bs[2] = { -1, -1 };
    t->f[1] = t->f[2] = 0, t->t[1] = t->t[2] = INFINITY;
    double *xl = w->xp[0], *xr = w->xp[1];
    signed char *ul = w->up[0], *ur = w->up[1];
    for (int f = 0; f < nf; f++) {
        const int *o = &w->ord[(size_t)f * N];
        const double *xf = &w->xs[(size_t)f * N];
        int kl = 0, kr = 0;
        for (int j = 0; j < n; j++) { /* both written, one kept */
            int i = o[j], c = w->side[i];
            double xv = xf[j];
            signed char uv = w->u[i];
            xl[kl] = xv, ul[kl] = uv, xr[kr] = xv, ur[kr] = uv;
            kl += 1 - c, kr += c;
        }
        for (int c = 0; c < 2; c++)
            gb_scan(w->xp[c], w->up[c], cnt[c], sum[c], f, &bs[c], &t->f[1 + c], &t->t[1 + c]);
    }
}

/*
 * The median of v[0..n) (n > 0), fc_median_fast's value (the middle order
 * statistic, or the mean of the two): selected without branches
 * (fc_select_kth on a copy in buf, 2·n), the lower one of an even count
 * from one pass.  With a NaN, fc_median_fast itself (v reordered).
 */
static double median_of(double *v, int n, double *buf)
{
    int nan = 0;
    for (int i = 0; i < n; i++)
        nan += v[i] != v[i];
    if (nan || n < 3)
        return fc_median_fast(v, n);
    memcpy(buf, v, sizeof *v * (size_t)n);
    double hi = fc_select_kth(buf, buf + n, n, n / 2);
    if (n % 2)
        return hi;
    int below = 0;
    double lo = -INFINITY;
    for (int i = 0; i < n; i++) {
        below += v[i] < hi;
        lo = v[i] < hi && v[i] > lo ? v[i] : lo;
    }
    return 0.5 * ((below >= n / 2 ? lo : hi) + hi);
}

/* The round's leaves: each post's leaf (tree_leaf's tests), each leaf's median residual, the fit moved by it. */
static void gb_leaves(struct gbws *w, struct fc_tree *t)
{
    int n = w->n;
    const double *x1 = &w->x[(size_t)t->f[1] * (size_t)n], *x2 = &w->x[(size_t)t->f[2] * (size_t)n];
    for (int i = 0; i < n; i++) {
        int c = w->side[i], b1 = !(x1[i] < t->t[1]), b2 = !(x2[i] < t->t[2]);
        w->leaf[i] = 2 * c + (c ? b2 : b1);
    }
    /* each leaf's residuals together (one pass per leaf, both written, one kept), then their median */
    int start = 0;
    for (int l = 0; l < 4; l++) {
        int k = start;
        for (int i = 0; i < n; i++) {
            w->tmp[k] = w->gg[i] - w->F[i];
            k += w->leaf[i] == l;
        }
        t->leaf[l] = k > start ? median_of(w->tmp + start, k - start, w->sel) : 0;
        start = k;
    }
    for (int i = 0; i < n; i++)
        w->F[i] += GB_SHRINK * t->leaf[w->leaf[i]];
}

/*
 * Boosts nt trees on g over rows[0..n) at anchor a into tr[0..nt), the
 * starting value (the median) into *init.  Returns 0 or -1 on ENOMEM.
 */
int fc_gb_fit(const struct fc_model *m, int a, const int *rows, int n, int nt, struct fc_tree *tr, double *init)
{
    int rc = -1;
    struct gbws w;
    if (gbws_init(&w, m, a, rows, n))
        goto out;
    memcpy(w.tmp, w.gg, sizeof *w.tmp * (size_t)n);
    *init = n > 0 ? fc_median_fast(w.tmp, n) : 0;
    for (int i = 0; i < n; i++)
        w.F[i] = *init;
    for (int k = 0; k < nt; k++) {
        for (int i = 0; i < n; i++) {
            double r = w.gg[i] - w.F[i];
            w.u[i] = (signed char)((r > 0) - (r < 0));
        }
        gb_splits(&w, &tr[k]);
        gb_leaves(&w, &tr[k]);
    }
    rc = 0;
out:
    gbws_free(&w);
    return rc;
}
