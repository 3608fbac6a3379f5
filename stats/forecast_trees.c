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
    w->tmp = malloc(sizeof(double) * N + 1);
    w->xp[0] = malloc(sizeof(double) * (2 * N + 2));
    w->ord = malloc(sizeof(int) * N * nf + 1);
    w->leaf = malloc(sizeof(int) * N + 1);
    w->u = malloc(N + 1);
    w->up[0] = malloc(2 * N + 2);
    w->side = malloc(N + 1);
    struct xi *s = malloc(sizeof *s * N + 1);
    if (!w->x || !w->xs || !w->F || !w->tmp || !w->xp[0] || !w->ord || !w->leaf || !w->u || !w->up[0] || !w->side || !s) {
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
    int cnt[2] = { 0, 0 }, sum[2] = { 0, 0 };
    for (int i = 0; i < n; i++) {
        int c = !(x0[i] < t->t[0]);
        w->side[i] = (signed char)c;
        cnt[c]++;
        sum[c] += w->u[i];
    }
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
 * Boosts nt trees on g over rows[0..n) at anchor a into tr[0..nt), the
 * starting value (the median) into *init.  Returns 0 or -1 on ENOMEM.
 */
int fc_gb_fit(const struct fc_model *m, int a, const int *rows, int n, int nt, struct fc_tree *tr, double *init)
{
    int nf = a + 1, rc = -1;
    size_t N = (size_t)n;
    struct gbws w;
    if (gbws_init(&w, m, a, rows, n))
        goto out;
    double *x = w.x, *F = w.F, *tmp = w.tmp;
    int *leaf = w.leaf;
    for (int i = 0; i < n; i++)
        tmp[i] = m->g[(size_t)a * m->n_ref + rows[i]];
    *init = n > 0 ? fc_median_fast(tmp, n) : 0;
    for (int i = 0; i < n; i++)
        F[i] = *init;
    for (int k = 0; k < nt; k++) {
        struct fc_tree *t = &tr[k];
        for (int i = 0; i < n; i++) {
            double r = m->g[(size_t)a * m->n_ref + rows[i]] - F[i];
            w.u[i] = (signed char)((r > 0) - (r < 0));
        }
        gb_splits(&w, t);
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
            t->leaf[l] = cnt[l] > 0 ? fc_median_fast(tmp + start, cnt[l]) : 0;
        for (int i = 0; i < n; i++)
            F[i] += GB_SHRINK * t->leaf[leaf[i]];
    }
    rc = 0;
out:
    gbws_free(&w);
    return rc;
}
