/*
 * stats/forecast_trees.c — the forecaster's median learner: L1 gradient-
 * boosted depth-2 regression trees (LAD_TreeBoost).  See
 * stats/forecast_impl.h; docs/models.md §6.
 */
#include "stats/forecast_impl.h"

#include <math.h>
#include <stdlib.h>

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
int fc_gb_fit(const struct fc_model *m, int a, const int *rows, int n, int nt, struct fc_tree *tr, double *init)
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
    *init = n > 0 ? fc_median_fast(tmp, n) : 0;
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
            t->leaf[l] = cnt[l] > 0 ? fc_median_fast(tmp + start, cnt[l]) : 0;
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
