/*
 * stats/attrib.c — the lagged count model of the follower series: rates by
 * weighted NNLS (Stage A), the conditional-mean split of each interval's
 * delta, and posterior draws of the split for confidence and intervals.
 * See stats/attrib.h for the contract and docs/attribution.md for the model.
 */
#include "stats/attrib.h"
#include "stats/decay.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_vector.h>

#include "common/sbuf.h"

const double attrib_windows_h[ATTRIB_NWIN] = { 1.0, 24.0, 168.0 };

void attrib_params_default(struct attrib_params *p)
{
    p->n_boot = 200;
    p->seed = 0;
    p->block_hours = 24.0;
    p->prior_posts = 2.0;
    p->recalibrate = 1;
}

double attrib_curve_eval(const struct attrib_curve *c, double age_h)
{
    if (!(age_h > 0.0))
        return 0.0;
    switch (c->kind) {
    case ATTRIB_CURVE_LOMAX: {
        if (!(c->A > 0.0) || !(c->c_h > 0.0) || !(c->theta > 0.0))
            return 0.0;
        double v = c->A * decay_lomax_q(c->c_h, c->theta, age_h);
        return isfinite(v) ? v : 0.0;
    }
    case ATTRIB_CURVE_POINTS: {
        if (c->n <= 0)
            return 0.0;
        double pa = 0.0, pv = 0.0;
        for (int i = 0; i < c->n; i++) {
            double a = c->age_h[i], v = c->cum[i];
            if (!isfinite(a) || !isfinite(v) || a <= pa)
                continue;
            if (age_h <= a)
                return pv + (v - pv) * (age_h - pa) / (a - pa);
            pa = a;
            pv = v;
        }
        return pv; /* flat after the last point: nothing is extrapolated */
    }
    case ATTRIB_CURVE_NONE:
    default:
        return 0.0;
    }
}

/* ---------------------------------------------------------------------- */
/* Non-negative least squares (Lawson-Hanson active set) on small p.       */
/* ---------------------------------------------------------------------- */

/*
 * The problems are tall and thin (hundreds of intervals, at most a dozen
 * columns) and solved hundreds of times per account (bootstrap refits), so
 * each passive-set solve is a Cholesky factorisation of the columns' Gram
 * matrix, formed once per call: O(p^3) per step instead of an SVD of the
 * n x p design.  Columns are scaled to unit norm first (the drift and
 * exposure columns differ by orders of magnitude); a rank-deficient passive
 * set gets a tiny ridge rather than failing.
 */
struct nnls {
    size_t pmax;
    gsl_matrix *gram;   /* As^T As of the scaled columns */
    gsl_matrix *sub;    /* passive block, factorised */
    gsl_vector *b;      /* As^T y */
    gsl_vector *x, *z, *rhs;
    double *scale;
    size_t *idx;        /* passive columns' indices */
    bool *inP, *blocked;
};

static int nnls_init(struct nnls *w, size_t nmax, size_t pmax)
{
    (void)nmax;
    memset(w, 0, sizeof *w);
    w->pmax = pmax;
    w->gram = gsl_matrix_alloc(pmax, pmax);
    w->sub = gsl_matrix_alloc(pmax, pmax);
    w->b = gsl_vector_alloc(pmax);
    w->x = gsl_vector_alloc(pmax);
    w->z = gsl_vector_alloc(pmax);
    w->rhs = gsl_vector_alloc(pmax);
    w->scale = xcalloc(pmax, sizeof(double));
    w->idx = xcalloc(pmax, sizeof(size_t));
    w->inP = xcalloc(pmax, sizeof(bool));
    w->blocked = xcalloc(pmax, sizeof(bool));
    if (!w->gram || !w->sub || !w->b || !w->x || !w->z || !w->rhs)
        return -1;
    return 0;
}

static void nnls_release(struct nnls *w)
{
    gsl_matrix_free(w->gram);
    gsl_matrix_free(w->sub);
    gsl_vector_free(w->b);
    gsl_vector_free(w->x);
    gsl_vector_free(w->z);
    gsl_vector_free(w->rhs);
    free(w->scale);
    free(w->idx);
    free(w->inP);
    free(w->blocked);
    memset(w, 0, sizeof *w);
}

/* Unconstrained least squares on the passive columns; z = 0 elsewhere. */
static int nnls_ls(struct nnls *w, size_t p, gsl_vector *z)
{
    size_t *idx = w->idx, m = 0;
    for (size_t j = 0; j < p; j++)
        if (w->inP[j])
            idx[m++] = j;
    gsl_vector_set_zero(z);
    if (m == 0)
        return 0;
    gsl_matrix_view S = gsl_matrix_submatrix(w->sub, 0, 0, m, m);
    gsl_vector_view r = gsl_vector_subvector(w->rhs, 0, m);
    for (double ridge = 0.0; ridge <= 1e-6; ridge = ridge > 0.0 ? ridge * 100.0 : 1e-12) {
        for (size_t i = 0; i < m; i++) {
            for (size_t k = 0; k < m; k++)
                gsl_matrix_set(&S.matrix, i, k, gsl_matrix_get(w->gram, idx[i], idx[k]));
            *gsl_matrix_ptr(&S.matrix, i, i) += ridge;
            gsl_vector_set(&r.vector, i, gsl_vector_get(w->b, idx[i]));
        }
        if (gsl_linalg_cholesky_decomp1(&S.matrix) != GSL_SUCCESS)
            continue;
        if (gsl_linalg_cholesky_svx(&S.matrix, &r.vector) != GSL_SUCCESS)
            continue;
        for (size_t i = 0; i < m; i++)
            gsl_vector_set(z, idx[i], gsl_vector_get(&r.vector, i));
        return 0;
    }
    return GSL_ESING;
}

/*
 * Minimises |y - A x| subject to x_j >= 0 where constrained[j]; A is n x p
 * (p <= pmax), given row by row in a (row-major).  All-zero columns get
 * x_j = 0.
 */
static int nnls_solve(struct nnls *w, const double *a, const double *yv, size_t n, size_t p,
                      const bool *constrained, double *xout)
{
    for (size_t j = 0; j < p; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += a[i * p + j] * a[i * p + j];
        w->scale[j] = sqrt(s);
        w->inP[j] = w->scale[j] > 0.0 && !constrained[j];
        w->blocked[j] = false;
    }
    double ynorm = 0.0;
    for (size_t j = 0; j < p; j++) {
        double bj = 0.0;
        for (size_t k = j; k < p; k++) {
            double g = 0.0;
            for (size_t i = 0; i < n; i++)
                g += a[i * p + j] * a[i * p + k];
            double sjk = w->scale[j] * w->scale[k];
            g = sjk > 0.0 ? g / sjk : (j == k ? 1.0 : 0.0);
            gsl_matrix_set(w->gram, j, k, g);
            gsl_matrix_set(w->gram, k, j, g);
        }
        for (size_t i = 0; i < n; i++)
            bj += a[i * p + j] * yv[i];
        gsl_vector_set(w->b, j, w->scale[j] > 0.0 ? bj / w->scale[j] : 0.0);
    }
    for (size_t i = 0; i < n; i++)
        ynorm += yv[i] * yv[i];
    gsl_vector_view x = gsl_vector_subvector(w->x, 0, p);
    gsl_vector_view z = gsl_vector_subvector(w->z, 0, p);
    int st = nnls_ls(w, p, &x.vector);
    if (st)
        return st;
    double tol = 1e-10 * (sqrt(ynorm) + 1.0);

    for (size_t outer = 0; outer < 3 * p + 10; outer++) {
        /* gradient g = As^T (y - As x) = b - gram x */
        size_t t = p;
        double best = tol;
        for (size_t j = 0; j < p; j++) {
            if (w->inP[j] || !constrained[j] || w->scale[j] <= 0.0 || w->blocked[j])
                continue;
            double g = gsl_vector_get(w->b, j);
            for (size_t k = 0; k < p; k++)
                g -= gsl_matrix_get(w->gram, j, k) * gsl_vector_get(&x.vector, k);
            if (g > best) {
                best = g;
                t = j;
            }
        }
        if (t == p)
            break;
        w->inP[t] = true;
        for (size_t inner = 0; inner < 3 * p + 10; inner++) {
            if ((st = nnls_ls(w, p, &z.vector)))
                return st;
            if (inner == 0 && gsl_vector_get(&z.vector, t) <= 0.0) {
                /* numerically useless column: keep it out this round */
                w->inP[t] = false;
                w->blocked[t] = true;
                break;
            }
            bool feasible = true;
            double alpha = 1.0;
            for (size_t j = 0; j < p; j++) {
                if (!w->inP[j] || !constrained[j])
                    continue;
                double zj = gsl_vector_get(&z.vector, j);
                if (zj <= 0.0) {
                    feasible = false;
                    double xj = gsl_vector_get(&x.vector, j);
                    double al = xj / (xj - zj);
                    if (al < alpha)
                        alpha = al;
                }
            }
            if (feasible) {
                gsl_vector_memcpy(&x.vector, &z.vector);
                for (size_t j = 0; j < p; j++)
                    w->blocked[j] = false;
                break;
            }
            for (size_t j = 0; j < p; j++) {
                double xj = gsl_vector_get(&x.vector, j);
                xj += alpha * (gsl_vector_get(&z.vector, j) - xj);
                gsl_vector_set(&x.vector, j, xj);
                if (w->inP[j] && constrained[j] && xj <= 1e-15) {
                    w->inP[j] = false;
                    gsl_vector_set(&x.vector, j, 0.0);
                }
            }
        }
    }
    for (size_t j = 0; j < p; j++) {
        double v = gsl_vector_get(&x.vector, j);
        xout[j] = w->scale[j] > 0.0 ? v / w->scale[j] : 0.0;
        if (constrained[j] && xout[j] < 0.0)
            xout[j] = 0.0;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Exposure on a grid, and its lagged version                             */
/* ---------------------------------------------------------------------- */

/* Ages 0..168 h: 5-minute steps to 24 h (the 1 h window needs them), then
 * 30-minute steps. */
#define GRID_FINE 288
#define GRID_N (GRID_FINE + 288)

static double grid_age(int i)
{
    return i <= GRID_FINE ? i / 12.0 : 24.0 + (i - GRID_FINE) / 2.0;
}

static double grid_interp(const double *g, double a)
{
    if (!(a > 0.0))
        return 0.0;
    if (a >= ATTRIB_HORIZON_H)
        return g[GRID_N];
    double x = a <= 24.0 ? a * 12.0 : GRID_FINE + (a - 24.0) * 2.0;
    int i = (int)x;
    if (i >= GRID_N)
        return g[GRID_N];
    return g[i] + (x - i) * (g[i + 1] - g[i]);
}

/* Candidate means of the exponential lag kernel, hours (chosen by fit). */
static const double lag_grid[] = { 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 9.0, 12.0 };
#define N_LAG ((int)(sizeof lag_grid / sizeof lag_grid[0]))

/*
 * Cumulative follows-to-be by age, from cumulative exposure I on the grid:
 * each impression converts after an exponential delay of mean L hours.  A
 * decreasing snapshot series never gives negative exposure.
 */
static void lag_curve(const double *I, double L, double *G)
{
    double pend = 0.0, top = 0.0;
    /* the grid has two step sizes: 5 and 30 minutes */
    double f_fine = L > 0.0 ? -expm1(-(1.0 / 12.0) / L) : 1.0, f_coarse = L > 0.0 ? -expm1(-0.5 / L) : 1.0;
    G[0] = 0.0;
    for (int i = 1; i <= GRID_N; i++) {
        double v = fmax(I[i], top);
        pend += v - top;
        top = v;
        double f = i <= GRID_FINE ? f_fine : f_coarse;
        double conv = pend * f;
        pend -= conv;
        G[i] = G[i - 1] + conv;
    }
}

/* ---------------------------------------------------------------------- */
/* The attribution problem                                                 */
/* ---------------------------------------------------------------------- */

struct ent {
    int k, j;                   /* interval, post */
    double E[ATTRIB_NWIN];      /* lagged exposure increment inside each window (E[last] = all) */
};

#define MAX_BASE 6
/* Least post-to-post variance of conversion believed (sd ~ 40 %): sparse
 * samples estimate the dispersion as 0 too often, which would make every
 * post its group's rate exactly and the intervals far too narrow. */
#define PHI_FLOOR 0.5

struct prob {
    int K, P, G, NB;
    const struct attrib_post *posts;
    double *dt;                 /* [K] hours */
    double *delta;              /* [K] observed */
    double *known;              /* [K] flow of platform-reported posts */
    double *Bx;                 /* [K*NB] baseline design: drift, trend, daily and weekly harmonics */
    double *X;                  /* [K*G] regressed exposure per group */
    double *sigma;              /* [K] noise sd */
    double *I;                  /* [P*(GRID_N+1)] cumulative exposure on the grid */
    double *Gc;                 /* [GRID_N+1] scratch: lagged curve */
    struct ent *ent;            /* entries, contiguous per post */
    size_t n_ent, cap_ent;
    int *first, *count;         /* [P] */
    int *kfirst, *kent;         /* entries by interval: kent[kfirst[k] .. kfirst[k+1]) */
    double *Etot;               /* [P] */
    int *n_in_group;            /* [G] regressed posts with exposure */
    double lag;
    double va, vc, vphi;        /* Var = va dt + vc m + vphi m^2 per post */
    double *u;                  /* [P] post multipliers (posterior mean) */
    /* scratch */
    struct nnls ls;
    double *a, *y;              /* design ((K+G) x (NB+G)) and response */
    double *flow, *vflow, *mb;  /* [K] */
    double *coef;               /* [NB+G] */
    double *lambda;             /* [G] ridge weights */
};

static bool post_known(const struct attrib_post *p)
{
    return isfinite(p->known_follows);
}

static double base_mean(const struct prob *pr, int k, const double *base)
{
    double m = 0.0;
    for (int i = 0; i < pr->NB; i++)
        m += pr->Bx[k * pr->NB + i] * base[i];
    return m;
}

/*
 * Stage A: the baseline coefficients base[NB] (free) and group rates rho[G]
 * (>= 0, shrunk toward the pooled rate *rho0) from response y (known flow
 * removed), by weighted NNLS with weights 1/sigma.
 */
static int stage_a(struct prob *pr, const double *yk, double *base, double *rho, double *rho0)
{
    int K = pr->K, G = pr->G, NB = pr->NB;
    bool cons[MAX_BASE + 1] = { false };
    int st;
    int p = NB + 1;
    cons[NB] = true;
    for (int k = 0; k < K; k++) {
        double s = pr->sigma[k], xt = 0.0;
        for (int g = 0; g < G; g++)
            xt += pr->X[k * G + g];
        for (int i = 0; i < NB; i++)
            pr->a[k * p + i] = pr->Bx[k * NB + i] / s;
        pr->a[k * p + NB] = xt / s;
        pr->y[k] = yk[k] / s;
    }
    if ((st = nnls_solve(&pr->ls, pr->a, pr->y, (size_t)K, (size_t)p, cons, pr->coef)))
        return st;
    *rho0 = pr->coef[NB];
    if (G == 1) {
        memcpy(base, pr->coef, (size_t)NB * sizeof(double));
        rho[0] = pr->coef[NB];
        return 0;
    }
    /* per group, with pseudo-rows pulling rho_g toward the pooled rate */
    p = NB + G;
    int n = K;
    for (int k = 0; k < K; k++) {
        double s = pr->sigma[k];
        for (int i = 0; i < NB; i++)
            pr->a[k * p + i] = pr->Bx[k * NB + i] / s;
        for (int g = 0; g < G; g++)
            pr->a[k * p + NB + g] = pr->X[k * G + g] / s;
        pr->y[k] = yk[k] / s;
    }
    for (int g = 0; g < G; g++) {
        if (!(pr->lambda[g] > 0.0))
            continue;
        double sl = sqrt(pr->lambda[g]);
        for (int j = 0; j < p; j++)
            pr->a[n * p + j] = 0.0;
        pr->a[n * p + NB + g] = sl;
        pr->y[n] = sl * *rho0;
        n++;
    }
    bool *c = xcalloc((size_t)p, sizeof(bool));
    for (int g = 0; g < G; g++)
        c[NB + g] = true;
    st = nnls_solve(&pr->ls, pr->a, pr->y, (size_t)n, (size_t)p, c, pr->coef);
    free(c);
    if (st)
        return st;
    memcpy(base, pr->coef, (size_t)NB * sizeof(double));
    for (int g = 0; g < G; g++)
        rho[g] = pr->n_in_group[g] > 0 ? pr->coef[NB + g] : *rho0;
    return 0;
}

/* Variance of one post's follows in an interval with mean m. */
static double post_var(const struct prob *pr, double m)
{
    return fmax(pr->vc, 1.0) * m + pr->vphi * m * m;
}

/* Variance of the baseline's net flow in interval k with mean mb. */
static double base_var(const struct prob *pr, int k, double mb)
{
    return fmax(fmax(pr->va * pr->dt[k], fabs(mb)), 0.25);
}

/* Modelled flow (pr->flow), its variance (pr->vflow) and the baseline (pr->mb). */
static void model_flow(struct prob *pr, const double *base, const double *rho, const double *u)
{
    for (int k = 0; k < pr->K; k++) {
        pr->flow[k] = pr->vflow[k] = 0.0;
        pr->mb[k] = base_mean(pr, k, base);
    }
    for (size_t e = 0; e < pr->n_ent; e++) {
        const struct ent *en = &pr->ent[e];
        if (post_known(&pr->posts[en->j]))
            continue;
        double m = rho[pr->posts[en->j].group] * (u ? u[en->j] : 1.0) * en->E[ATTRIB_NWIN - 1];
        pr->flow[en->k] += m;
        pr->vflow[en->k] += post_var(pr, m);
    }
}

/*
 * Point allocation: in each interval the residual r_k = delta_k - known_k -
 * baseline_k - post flow is shared between the baseline and the posts in
 * proportion to their variances (the conditional mean of each component given
 * the sum, for independent counts); a post's share never goes below 0 (it
 * brings follows, churn is the baseline's).  credit [P*NWIN] and
 * *baseline_total; purity [P] (may be NULL).
 */
static void allocate(struct prob *pr, const double *delta, const double *base, const double *rho, const double *u,
                     double *credit, double *baseline_total, double *purity)
{
    model_flow(pr, base, rho, u);
    double ptot = 0.0, obs = 0.0;
    for (int k = 0; k < pr->K; k++)
        obs += delta[k] - pr->known[k];
    for (int j = 0; j < pr->P; j++) {
        const struct attrib_post *po = &pr->posts[j];
        double c[ATTRIB_NWIN] = { 0 };
        double pnum = 0.0;
        for (int e = pr->first[j]; e < pr->first[j] + pr->count[j]; e++) {
            const struct ent *en = &pr->ent[e];
            int k = en->k;
            double E = en->E[ATTRIB_NWIN - 1];
            if (!(E > 0.0))
                continue;
            double a, mine;
            if (post_known(po)) {
                a = po->known_follows * E / pr->Etot[j];
                mine = a;
            } else {
                double m = rho[po->group] * (u ? u[j] : 1.0) * E;
                double r = delta[k] - pr->known[k] - pr->mb[k] - pr->flow[k];
                double vt = base_var(pr, k, pr->mb[k]) + pr->vflow[k];
                a = m + r * post_var(pr, m) / vt;
                mine = m;
            }
            for (int w = 0; w < ATTRIB_NWIN; w++)
                c[w] += a * en->E[w] / E;
            if (purity) {
                double tot = fabs(pr->mb[k]) + pr->flow[k] + fabs(pr->known[k]);
                pnum += tot > 0.0 ? E * fabs(mine) / tot : 0.0;
            }
        }
        /* an interval's share may be negative (a quiet hour), the post's
         * credit not: it brings follows, churn is the baseline's */
        if (!post_known(po)) {
            c[ATTRIB_NWIN - 1] = fmax(c[ATTRIB_NWIN - 1], 0.0);
            for (int w = ATTRIB_NWIN - 2; w >= 0; w--)
                c[w] = fmin(fmax(c[w], 0.0), c[w + 1]); /* windows nest */
            ptot += c[ATTRIB_NWIN - 1];
        }
        if (credit)
            for (int w = 0; w < ATTRIB_NWIN; w++)
                credit[j * ATTRIB_NWIN + w] = c[w];
        if (purity)
            purity[j] = pr->Etot[j] > 0.0 ? fmin(1.0, pnum / pr->Etot[j]) : 0.0;
    }
    *baseline_total = obs - ptot;
}

static void prob_release(struct prob *pr)
{
    free(pr->dt);
    free(pr->delta);
    free(pr->known);
    free(pr->Bx);
    free(pr->X);
    free(pr->sigma);
    free(pr->I);
    free(pr->Gc);
    free(pr->ent);
    free(pr->first);
    free(pr->count);
    free(pr->kfirst);
    free(pr->kent);
    free(pr->Etot);
    free(pr->n_in_group);
    free(pr->u);
    free(pr->a);
    free(pr->y);
    free(pr->flow);
    free(pr->vflow);
    free(pr->mb);
    free(pr->coef);
    free(pr->lambda);
    nnls_release(&pr->ls);
}

/* Index of the first interval whose end is after time x. */
static int first_interval_after(const int64_t *t, int K, int64_t x)
{
    int lo = 0, hi = K;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (t[mid + 1] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Entries for lag L: each post's lagged exposure increments per interval and
 * window, the regressed exposure per group X and the known flow.
 */
static void build_entries(struct prob *pr, const int64_t *t, double L)
{
    int K = pr->K, G = pr->G;
    pr->lag = L;
    pr->n_ent = 0;
    memset(pr->X, 0, (size_t)K * (size_t)G * sizeof(double));
    memset(pr->known, 0, (size_t)K * sizeof(double));
    memset(pr->n_in_group, 0, (size_t)G * sizeof(int));
    for (int j = 0; j < pr->P; j++) {
        const struct attrib_post *po = &pr->posts[j];
        pr->first[j] = (int)pr->n_ent;
        pr->Etot[j] = 0.0;
        lag_curve(pr->I + (size_t)j * (GRID_N + 1), L, pr->Gc);
        double end = (double)po->posted_at + ATTRIB_HORIZON_H * 3600.0;
        int lo = first_interval_after(t, K, po->posted_at);
        double prev[ATTRIB_NWIN] = { 0 };
        for (int k = lo; k < K && (double)t[k] < end; k++) {
            double a1 = (double)(t[k + 1] - po->posted_at) / 3600.0;
            struct ent en = { .k = k, .j = j };
            bool any = false;
            for (int w = 0; w < ATTRIB_NWIN; w++) {
                double v1 = grid_interp(pr->Gc, fmin(a1, attrib_windows_h[w]));
                en.E[w] = fmax(v1 - prev[w], 0.0);
                prev[w] = fmax(v1, prev[w]);
                any = any || en.E[w] > 0.0;
            }
            if (!any)
                continue;
            if (pr->n_ent == pr->cap_ent) {
                pr->cap_ent = pr->cap_ent ? pr->cap_ent * 2 : 1024;
                pr->ent = xrealloc(pr->ent, pr->cap_ent * sizeof *pr->ent);
            }
            pr->ent[pr->n_ent++] = en;
            pr->Etot[j] += en.E[ATTRIB_NWIN - 1];
        }
        pr->count[j] = (int)pr->n_ent - pr->first[j];
        if (pr->Etot[j] <= 0.0)
            continue;
        for (int e = pr->first[j]; e < (int)pr->n_ent; e++) {
            const struct ent *en = &pr->ent[e];
            if (post_known(po))
                pr->known[en->k] += po->known_follows * en->E[ATTRIB_NWIN - 1] / pr->Etot[j];
            else
                pr->X[en->k * G + po->group] += en->E[ATTRIB_NWIN - 1];
        }
        if (!post_known(po))
            pr->n_in_group[po->group]++;
    }
    /* entries by interval, for the latent split */
    memset(pr->kfirst, 0, ((size_t)K + 1) * sizeof(int));
    for (size_t e = 0; e < pr->n_ent; e++)
        pr->kfirst[pr->ent[e].k + 1]++;
    for (int k = 0; k < K; k++)
        pr->kfirst[k + 1] += pr->kfirst[k];
    pr->kent = xrealloc(pr->kent, (pr->n_ent + 1) * sizeof(int));
    int *fill = xcalloc((size_t)K + 1, sizeof(int));
    for (size_t e = 0; e < pr->n_ent; e++) {
        int k = pr->ent[e].k;
        pr->kent[pr->kfirst[k] + fill[k]++] = (int)e;
    }
    free(fill);
}

/*
 * Multinomial split of N follows among n posts with weights pm (sum MP).
 * An hour usually holds a few follows and many live posts: then N
 * categorical draws (inverse CDF, in place of n binomials) are cheaper.
 */
static void split_count(gsl_rng *rng, size_t n, unsigned N, double MP, double *pm, unsigned *cnt)
{
    if (N >= n) {
        gsl_ran_multinomial(rng, n, N, pm, cnt);
        return;
    }
    memset(cnt, 0, n * sizeof *cnt);
    for (unsigned i = 0; i < N; i++) {
        double u = gsl_rng_uniform(rng) * MP, acc = 0.0;
        size_t c = 0;
        while (c + 1 < n && (acc += pm[c]) <= u)
            c++;
        while (!(pm[c] > 0.0) && c > 0)
            c--; /* never onto a post of zero weight */
        cnt[c]++;
    }
}

/* Builds intervals, the baseline design and the exposure grids. */
static int prob_build(struct prob *pr, const int64_t *t, const double *F, int ns,
                      const struct attrib_post *posts, int P, int G, struct xerr *err)
{
    int K = ns - 1;
    pr->K = K;
    pr->P = P;
    pr->G = G;
    pr->posts = posts;
    pr->dt = xcalloc((size_t)K, sizeof(double));
    pr->delta = xcalloc((size_t)K, sizeof(double));
    pr->known = xcalloc((size_t)K, sizeof(double));
    pr->Bx = xcalloc((size_t)K * MAX_BASE, sizeof(double));
    pr->X = xcalloc((size_t)K * (size_t)G, sizeof(double));
    pr->sigma = xcalloc((size_t)K, sizeof(double));
    pr->I = xcalloc((size_t)P * (GRID_N + 1) + 1, sizeof(double));
    pr->Gc = xcalloc(GRID_N + 1, sizeof(double));
    pr->first = xcalloc((size_t)P + 1, sizeof(int));
    pr->count = xcalloc((size_t)P + 1, sizeof(int));
    pr->kfirst = xcalloc((size_t)K + 1, sizeof(int));
    pr->Etot = xcalloc((size_t)P + 1, sizeof(double));
    pr->u = xcalloc((size_t)P + 1, sizeof(double));
    pr->n_in_group = xcalloc((size_t)G, sizeof(int));
    pr->flow = xcalloc((size_t)K, sizeof(double));
    pr->vflow = xcalloc((size_t)K, sizeof(double));
    pr->mb = xcalloc((size_t)K, sizeof(double));
    pr->coef = xcalloc((size_t)G + MAX_BASE + 1, sizeof(double));
    pr->lambda = xcalloc((size_t)G, sizeof(double));
    pr->a = xcalloc(((size_t)K + (size_t)G) * ((size_t)G + MAX_BASE + 1), sizeof(double));
    pr->y = xcalloc((size_t)K + (size_t)G, sizeof(double));
    for (int j = 0; j < P; j++)
        pr->u[j] = 1.0;
    for (int k = 0; k < K; k++) {
        if (t[k + 1] <= t[k])
            return xerr_set(err, XETL_EX_DATAERR, "follower samples are not strictly increasing in time");
        if (!isfinite(F[k]) || !isfinite(F[k + 1]))
            return xerr_set(err, XETL_EX_DATAERR, "follower sample %d is not a number", k);
        pr->dt[k] = (double)(t[k + 1] - t[k]) / 3600.0;
        pr->delta[k] = F[k + 1] - F[k];
    }
    /*
     * Baseline: drift and trend always; the daily cycle only when samples are
     * dense enough to see it (median interval <= 8 h: a daily sample
     * integrates it away), the weekly one when the span holds two weeks.
     */
    double *tmp = xcalloc((size_t)K, sizeof(double));
    memcpy(tmp, pr->dt, (size_t)K * sizeof(double));
    gsl_sort(tmp, 1, (size_t)K);
    double med_dt = gsl_stats_median_from_sorted_data(tmp, 1, (size_t)K);
    free(tmp);
    double span_h = (double)(t[K] - t[0]) / 3600.0, mid = 0.5 * (double)(t[K] + t[0]);
    bool daily = med_dt <= 8.0 && span_h >= 48.0, weekly = span_h >= 14.0 * 24.0 && med_dt <= 24.0;
    pr->NB = 2 + (daily ? 2 : 0) + (weekly ? 2 : 0);
    for (int k = 0; k < K; k++) {
        double *row = pr->Bx + (size_t)k * (size_t)pr->NB;
        double t0 = (double)t[k], t1 = (double)t[k + 1];
        int i = 0;
        row[i++] = pr->dt[k];
        row[i++] = pr->dt[k] * (0.5 * (t0 + t1) - mid) / (span_h * 3600.0);
        for (int h = 0; h < 2; h++) {
            if (!(h == 0 ? daily : weekly))
                continue;
            /* integral of cos / sin (omega t) over the interval, in hours */
            double om = 2.0 * M_PI / (h == 0 ? 86400.0 : 7.0 * 86400.0);
            row[i++] = (sin(om * fmod(t1, 7.0 * 86400.0)) - sin(om * fmod(t0, 7.0 * 86400.0))) / om / 3600.0;
            row[i++] = (cos(om * fmod(t0, 7.0 * 86400.0)) - cos(om * fmod(t1, 7.0 * 86400.0))) / om / 3600.0;
        }
    }
    for (int j = 0; j < P; j++) {
        const struct attrib_post *po = &posts[j];
        if (po->group < 0 || po->group >= G)
            return xerr_set(err, XETL_EX_SOFTWARE, "post %d has group %d outside 0..%d", j, po->group, G - 1);
        double *I = pr->I + (size_t)j * (GRID_N + 1);
        for (int i = 0; i <= GRID_N; i++)
            I[i] = attrib_curve_eval(&po->exposure, grid_age(i));
    }
    if (nnls_init(&pr->ls, (size_t)K + (size_t)G, (size_t)G + MAX_BASE + 1))
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot allocate the least-squares workspace");
    return 0;
}

/* Ridge weights: a group's prior is worth prior_posts of its own posts. */
static void set_lambda(struct prob *pr, double prior_posts)
{
    for (int g = 0; g < pr->G; g++) {
        double info = 0.0;
        for (int k = 0; k < pr->K; k++) {
            double x = pr->X[k * pr->G + g] / pr->sigma[k];
            info += x * x;
        }
        pr->lambda[g] = pr->n_in_group[g] > 0 && prior_posts > 0.0 ? prior_posts * info / pr->n_in_group[g] : 0.0;
    }
}

/* Weighted residual sum of squares of a Stage A fit. */
static double stage_a_rss(struct prob *pr, const double *y, const double *base, const double *rho)
{
    model_flow(pr, base, rho, NULL);
    double s = 0.0;
    for (int k = 0; k < pr->K; k++) {
        double r = (y[k] - pr->mb[k] - pr->flow[k]) / pr->sigma[k];
        s += r * r;
    }
    return s;
}

/*
 * Fits the noise model Var(r_k) = va dt_k + vc m_k + vphi sum_j m_jk^2 to the
 * squared residuals (NNLS) and sets sigma from it.
 */
static int fit_variance(struct prob *pr, const double *y, const double *base, const double *rho)
{
    int K = pr->K;
    model_flow(pr, base, rho, NULL);
    double *a3 = xcalloc((size_t)K * 3, sizeof(double));
    double *r2 = xcalloc((size_t)K, sizeof(double));
    double *q = xcalloc((size_t)K, sizeof(double));
    for (size_t e = 0; e < pr->n_ent; e++) {
        const struct ent *en = &pr->ent[e];
        if (post_known(&pr->posts[en->j]))
            continue;
        double m = rho[pr->posts[en->j].group] * en->E[ATTRIB_NWIN - 1];
        q[en->k] += m * m;
    }
    for (int k = 0; k < K; k++) {
        double r = y[k] - pr->mb[k] - pr->flow[k];
        a3[k * 3] = pr->dt[k];
        a3[k * 3 + 1] = pr->flow[k] + pr->known[k];
        a3[k * 3 + 2] = q[k];
        r2[k] = r * r;
    }
    bool cons[3] = { true, true, true };
    double ab[3];
    int st = nnls_solve(&pr->ls, a3, r2, (size_t)K, 3, cons, ab);
    free(a3);
    free(r2);
    free(q);
    if (st)
        return st;
    pr->va = ab[0];
    pr->vc = ab[1];
    pr->vphi = fmin(ab[2], 4.0);
    model_flow(pr, base, rho, NULL);
    for (int k = 0; k < K; k++)
        pr->sigma[k] = sqrt(fmax(base_var(pr, k, pr->mb[k]) + pr->vflow[k], 0.25));
    return 0;
}

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

/*
 * The lag kernel: for each candidate mean lag, a first-pass fit with
 * Var ~ dt (organic Poisson flow); the lag of least weighted residual sum of
 * squares is kept.  Then Stage A with the noise model refitted twice.
 */
static int fit_rates(struct fitstate *s, const int64_t *t)
{
    struct prob *pr = &s->pr;
    struct attrib_result *out = s->out;
    int K = pr->K, st;
    double best = INFINITY, bestL = 0.0;
    for (int li = 0; li < N_LAG; li++) {
        build_entries(pr, t, lag_grid[li]);
        for (int k = 0; k < K; k++) {
            s->y[k] = pr->delta[k] - pr->known[k];
            pr->sigma[k] = sqrt(pr->dt[k]);
        }
        set_lambda(pr, s->p->prior_posts);
        if ((st = stage_a(pr, s->y, s->base, out->rho, &s->rho0)))
            return st;
        double rss = stage_a_rss(pr, s->y, s->base, out->rho);
        if (rss < best) {
            best = rss;
            bestL = lag_grid[li];
        }
    }
    build_entries(pr, t, bestL);
    out->lag_h = bestL;
    for (int k = 0; k < K; k++) {
        s->y[k] = pr->delta[k] - pr->known[k];
        pr->sigma[k] = sqrt(pr->dt[k]);
    }
    for (int pass = 0; pass < 2; pass++) {
        set_lambda(pr, s->p->prior_posts);
        if ((st = stage_a(pr, s->y, s->base, out->rho, &s->rho0)) || (st = fit_variance(pr, s->y, s->base, out->rho)))
            return st;
    }
    set_lambda(pr, s->p->prior_posts);
    if ((st = stage_a(pr, s->y, s->base, out->rho, &s->rho0)))
        return st;
    out->var_per_h = pr->va;
    out->var_per_flow = pr->vc;
    out->dispersion = pr->vphi;
    out->baseline_per_h = s->base[0];
    out->rho_pooled = s->rho0;
    return 0;
}

/*
 * Post random effects: each post's conversion is its group's rate times a
 * multiplier u ~ Gamma(kappa, kappa), kappa = 1/dispersion; its posterior
 * mean given the credit, (kappa + c)/(kappa + expected), and the split
 * redone with it (twice: the shares move with u).  Then the residuals.
 */
static void random_effects(struct fitstate *s)
{
    struct prob *pr = &s->pr;
    struct attrib_result *out = s->out;
    const struct attrib_post *posts = s->posts;
    double *credit = s->credit;
    allocate(pr, pr->delta, s->base, out->rho, NULL, credit, &out->baseline_total, NULL);
    /* the dispersion also from the posts' credits around their expected
     * follows (pooled moment ratio); the larger of the two is kept */
    double num = 0.0, den = 0.0;
    for (int j = 0; j < s->n_posts; j++) {
        if (post_known(&posts[j]))
            continue;
        double M = out->rho[posts[j].group] * pr->Etot[j], c = credit[j * ATTRIB_NWIN + ATTRIB_NWIN - 1];
        num += (c - M) * (c - M) - M;
        den += M * M;
    }
    if (den > 0.0 && num / den > pr->vphi)
        pr->vphi = fmin(num / den, 4.0);
    out->dispersion = pr->vphi;
    s->kappa = 1.0 / fmax(pr->vphi, PHI_FLOOR);
    for (int pass = 0; pass < 2; pass++) {
        allocate(pr, pr->delta, s->base, out->rho, pass ? pr->u : NULL, credit, &out->baseline_total, NULL);
        for (int j = 0; j < s->n_posts; j++) {
            double M = out->rho[posts[j].group] * pr->Etot[j];
            pr->u[j] = (s->kappa + fmax(credit[j * ATTRIB_NWIN + ATTRIB_NWIN - 1], 0.0)) / (s->kappa + M);
        }
    }
    allocate(pr, pr->delta, s->base, out->rho, pr->u, credit, &out->baseline_total, s->purity);
    model_flow(pr, s->base, out->rho, NULL);
    for (int k = 0; k < pr->K; k++) {
        s->mu[k] = pr->mb[k] + pr->flow[k];
        s->resid[k] = (s->y[k] - s->mu[k]) / pr->sigma[k];
    }
}

/* Each post's point estimates into out->posts, and the totals. */
static void fill_posts(struct fitstate *s, const double *F, int n_samples)
{
    struct prob *pr = &s->pr;
    struct attrib_result *out = s->out;
    const struct attrib_post *posts = s->posts;
    double *credit = s->credit;
    out->observed_total = F[n_samples - 1] - F[0];
    for (int j = 0; j < s->n_posts; j++) {
        struct attrib_post_result *r = &out->posts[j];
        if (post_known(&posts[j]) && !(pr->Etot[j] > 0.0)) {
            /* X's count for a post with no exposure in the span (no curve, or
             * exposure outside the samples): the count as given in every
             * window, taken out of the baseline that received it */
            for (int w = 0; w < ATTRIB_NWIN; w++)
                credit[j * ATTRIB_NWIN + w] = posts[j].known_follows;
            out->baseline_total -= posts[j].known_follows;
        }
        for (int w = 0; w < ATTRIB_NWIN; w++)
            r->credit[w] = credit[j * ATTRIB_NWIN + w];
        for (int e = pr->first[j]; e < pr->first[j] + pr->count[j]; e++)
            for (int w = 0; w < ATTRIB_NWIN; w++)
                r->exposure[w] += pr->ent[e].E[w];
        r->n_intervals = pr->count[j];
        r->known = post_known(&posts[j]);
        r->rate = out->rho[posts[j].group];
        r->multiplier = pr->u[j];
        r->purity = r->known ? 1.0 : s->purity[j];
        r->lo = r->hi = r->credit[ATTRIB_NWIN - 1];
        r->sign_certainty = 1.0;
        if (r->known)
            out->known_total += r->credit[ATTRIB_NWIN - 1];
        else
            out->posts_total += r->credit[ATTRIB_NWIN - 1];
    }
}

/* Scratch of the bootstrap draws. */
struct bootws {
    double *ystar, *rstar, *brho, *bu, *pm;
    unsigned *cnt;
    double bbase[MAX_BASE];
};

/* One interval's posts' total given the observed delta, split among the live posts and their windows. */
static void draw_interval(const struct fitstate *s, gsl_rng *rng, struct bootws *b, int k, float *dr)
{
    const struct prob *pr = &s->pr;
    const struct attrib_post *posts = s->posts;
    int n = 0;
    double MP = 0.0;
    for (int q = pr->kfirst[k]; q < pr->kfirst[k + 1]; q++) {
        const struct ent *en = &pr->ent[pr->kent[q]];
        double m = post_known(&posts[en->j]) ? 0.0 : b->brho[posts[en->j].group] * b->bu[en->j] * en->E[ATTRIB_NWIN - 1];
        b->pm[n++] = m;
        MP += m;
    }
    if (!(MP > 0.0))
        return;
    double mb = base_mean(pr, k, b->bbase), vb = base_var(pr, k, mb);
    double r = pr->delta[k] - pr->known[k] - mb - MP;
    double T = MP + r * MP / (MP + vb) + gsl_ran_gaussian(rng, sqrt(MP * vb / (MP + vb)));
    if (!(T > 0.0))
        return;
    double fl = floor(T);
    unsigned N = (unsigned)fl + (gsl_rng_uniform(rng) < T - fl ? 1u : 0u);
    split_count(rng, (size_t)n, N, MP, b->pm, b->cnt);
    n = 0;
    for (int q = pr->kfirst[k]; q < pr->kfirst[k + 1]; q++, n++) {
        const struct ent *en = &pr->ent[pr->kent[q]];
        if (!b->cnt[n])
            continue;
        unsigned c = b->cnt[n];
        float *d = dr + en->j * ATTRIB_NWIN;
        d[ATTRIB_NWIN - 1] += (float)c;
        for (int w = ATTRIB_NWIN - 2; w >= 0; w--) {
            double Eo = en->E[w + 1];
            /* most intervals lie wholly inside or outside a window */
            if (!(en->E[w] > 0.0))
                c = 0u;
            else if (en->E[w] < Eo * (1.0 - 1e-12))
                c = gsl_ran_binomial(rng, en->E[w] / Eo, c);
            d[w] += (float)c;
        }
    }
}

/* One posterior draw into dr; false when its refit failed (left out, not fatal). */
static bool one_draw(struct fitstate *s, gsl_rng *rng, struct bootws *b, int L, float *dr)
{
    struct prob *pr = &s->pr;
    const struct attrib_post *posts = s->posts;
    int K = pr->K;
    for (int k = 0; k < K; k += L) {
        int st = (int)gsl_rng_uniform_int(rng, (unsigned long)(K - L + 1));
        for (int i = 0; i < L && k + i < K; i++)
            b->rstar[k + i] = s->resid[st + i];
    }
    for (int k = 0; k < K; k++)
        b->ystar[k] = s->mu[k] + pr->sigma[k] * b->rstar[k];
    double br0;
    if (stage_a(pr, b->ystar, b->bbase, b->brho, &br0))
        return false;
    for (int j = 0; j < s->n_posts; j++) {
        double M = b->brho[posts[j].group] * pr->Etot[j];
        /* the credit is evidence about the post's own pull only as far as
         * its intervals' flow is its own (purity): at a daily sample it
         * is mostly the model's prior, and must not narrow u as data */
        double pi = s->purity[j];
        double c = fmax(s->credit[j * ATTRIB_NWIN + ATTRIB_NWIN - 1], 0.0);
        b->bu[j] = gsl_ran_gamma(rng, s->kappa + pi * c, 1.0 / (s->kappa + pi * M));
    }
    for (int j = 0; j < s->n_posts; j++)
        if (post_known(&posts[j]))
            for (int w = 0; w < ATTRIB_NWIN; w++)
                dr[j * ATTRIB_NWIN + w] = (float)s->credit[j * ATTRIB_NWIN + w];
    for (int k = 0; k < K; k++)
        draw_interval(s, rng, b, k, dr);
    return true;
}

/* Each post's confidence, interval and imputations from the ok draws. */
static void summarise_draws(struct fitstate *s, const float *draws, int ok)
{
    struct attrib_result *out = s->out;
    int n_posts = s->n_posts;
    double *sorted = xcalloc((size_t)ok, sizeof(double));
    for (int j = 0; j < n_posts; j++) {
        struct attrib_post_result *r = &out->posts[j];
        if (r->known)
            continue;
        for (int w = 0; w < ATTRIB_NWIN; w++) {
            double hit = 0.0, pos = 0.0, c = r->credit[w], tol = attrib_event_tol(c);
            for (int i = 0; i < ok; i++) {
                double v = draws[((size_t)i * (size_t)n_posts + (size_t)j) * ATTRIB_NWIN + (size_t)w];
                sorted[i] = v;
                hit += fabs(v - c) <= tol ? 1.0 : 0.0;
                pos += v > 0.0 ? 1.0 : 0.0;
            }
            r->conf_raw[w] = hit / ok;
            if (w < ATTRIB_NWIN - 1)
                continue;
            gsl_sort(sorted, 1, (size_t)ok);
            /* recalibrated: the draws' spread around the credit widened */
            double sc = s->p->recalibrate ? attrib_interval_scale(s->med_dt) : 1.0;
#define WIDEN(v) fmax(0.0, c + sc * ((v) - c))
            r->lo = WIDEN(gsl_stats_quantile_from_sorted_data(sorted, 1, (size_t)ok, 0.05));
            r->hi = WIDEN(gsl_stats_quantile_from_sorted_data(sorted, 1, (size_t)ok, 0.95));
            for (int q = 0; q < ATTRIB_NQ; q++)
                r->q168[q] = WIDEN(gsl_stats_quantile_from_sorted_data(sorted, 1, (size_t)ok, (q + 0.5) / ATTRIB_NQ));
#undef WIDEN
            r->sign_certainty = fabs(2.0 * pos / ok - 1.0);
        }
    }
    free(sorted);
}

/*
 * Posterior draws of the latent split.  Each draw: group rates and baseline
 * from a moving-block bootstrap refit; post multipliers from their Gamma
 * posterior; per interval the posts' total given the observed delta
 * (Gaussian conditional, at least 0), split among the live posts
 * multinomially in proportion to their means, and each post's count among
 * its windows binomially.  Every draw sums to the observed change.
 */
static int bootstrap(struct fitstate *s, struct xerr *err)
{
    struct prob *pr = &s->pr;
    int K = pr->K, B = s->p->n_boot > 0 ? s->p->n_boot : 0;
    double *tmp = xcalloc((size_t)K, sizeof(double));
    memcpy(tmp, pr->dt, (size_t)K * sizeof(double));
    gsl_sort(tmp, 1, (size_t)K);
    s->med_dt = gsl_stats_median_from_sorted_data(tmp, 1, (size_t)K);
    free(tmp);
    int L = (int)lround(s->p->block_hours / s->med_dt);
    if (L < 1)
        L = 1;
    if (L > K)
        L = K;
    s->out->block_len = L;
    if (B == 0)
        return 0;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot allocate the random number generator");
    gsl_rng_set(rng, (unsigned long)(s->p->seed ^ (s->p->seed >> 32)));
    size_t stride = (size_t)s->n_posts * ATTRIB_NWIN, maxlive = 1;
    float *draws = xcalloc((size_t)B * stride + 1, sizeof(float));
    for (int k = 0; k < K; k++)
        if ((size_t)(pr->kfirst[k + 1] - pr->kfirst[k]) > maxlive)
            maxlive = (size_t)(pr->kfirst[k + 1] - pr->kfirst[k]);
    struct bootws b = { .ystar = xcalloc((size_t)K, sizeof(double)), .rstar = xcalloc((size_t)K, sizeof(double)),
                        .brho = xcalloc((size_t)pr->G, sizeof(double)),
                        .bu = xcalloc((size_t)s->n_posts + 1, sizeof(double)),
                        .pm = xcalloc(maxlive, sizeof(double)), .cnt = xcalloc(maxlive, sizeof(unsigned)) };
    int ok = 0;
    for (int it = 0; it < B; it++)
        ok += one_draw(s, rng, &b, L, draws + (size_t)ok * stride);
    s->out->n_boot = ok;
    if (ok > 0)
        summarise_draws(s, draws, ok);
    free(b.ystar);
    free(b.rstar);
    free(b.brho);
    free(b.bu);
    free(b.pm);
    free(b.cnt);
    free(draws);
    gsl_rng_free(rng);
    return 0;
}

/* The calibrated confidence of every post (1 for X's own counts, 0 without support). */
static void finish_confidence(struct fitstate *s)
{
    struct attrib_result *out = s->out;
    for (int j = 0; j < s->n_posts; j++) {
        struct attrib_post_result *r = &out->posts[j];
        if (r->known) {
            for (int w = 0; w < ATTRIB_NWIN; w++)
                r->conf_raw[w] = r->conf[w] = 1.0;
            for (int q = 0; q < ATTRIB_NQ; q++)
                r->q168[q] = r->credit[ATTRIB_NWIN - 1];
        } else if (!(s->pr.Etot[j] > 0.0) || out->n_boot == 0) {
            /* no exposure, or no draws: nothing supports the number */
            for (int w = 0; w < ATTRIB_NWIN; w++)
                r->conf_raw[w] = r->conf[w] = 0.0;
            for (int q = 0; q < ATTRIB_NQ; q++)
                r->q168[q] = r->credit[ATTRIB_NWIN - 1];
            if (!(s->pr.Etot[j] > 0.0))
                r->lo = r->hi = NAN;
        } else {
            for (int w = 0; w < ATTRIB_NWIN; w++)
                r->conf[w] = s->p->recalibrate ? attrib_calibrate(w, s->med_dt, r->conf_raw[w]) : r->conf_raw[w];
        }
        r->confidence = r->conf[ATTRIB_NWIN - 1];
    }
}

int attrib_fit(const int64_t *t, const double *F, int n_samples, const struct attrib_post *posts,
               int n_posts, int n_groups, const struct attrib_params *p, struct attrib_result *out,
               struct xerr *err)
{
    struct fitstate s;
    int rc = 0, st;
    memset(&s, 0, sizeof s);
    memset(out, 0, sizeof *out);
    if (n_samples < 2)
        return xerr_set(err, XETL_EX_DATAERR, "attribution needs at least 2 follower samples, got %d", n_samples);
    if (n_groups < 1)
        n_groups = 1;
    if ((rc = prob_build(&s.pr, t, F, n_samples, posts, n_posts, n_groups, err)))
        goto out;
    int K = s.pr.K;
    s.posts = posts;
    s.n_posts = n_posts;
    s.p = p;
    s.out = out;
    out->n_groups = n_groups;
    out->rho = xcalloc((size_t)n_groups, sizeof(double));
    out->posts = xcalloc((size_t)n_posts + 1, sizeof *out->posts);
    out->n_intervals = K;
    s.y = xcalloc((size_t)K, sizeof(double));
    s.resid = xcalloc((size_t)K, sizeof(double));
    s.mu = xcalloc((size_t)K, sizeof(double));
    s.credit = xcalloc((size_t)n_posts * ATTRIB_NWIN + 1, sizeof(double));
    s.purity = xcalloc((size_t)n_posts + 1, sizeof(double));
    if ((st = fit_rates(&s, t))) {
        rc = xerr_set(err, XETL_EX_SOFTWARE, "attribution least squares failed: %s", gsl_strerror(st));
        goto out;
    }
    random_effects(&s);
    fill_posts(&s, F, n_samples);
    if ((rc = bootstrap(&s, err)))
        goto out;
    finish_confidence(&s);
out:
    if (rc)
        attrib_result_release(out);
    free(s.y);
    free(s.resid);
    free(s.mu);
    free(s.credit);
    free(s.purity);
    prob_release(&s.pr);
    return rc;
}

void attrib_known_only(const struct attrib_post *posts, int n_posts, int n_groups, struct attrib_result *out)
{
    memset(out, 0, sizeof *out);
    out->n_groups = n_groups < 1 ? 1 : n_groups;
    out->rho = xcalloc((size_t)out->n_groups, sizeof(double));
    out->posts = xcalloc((size_t)n_posts + 1, sizeof *out->posts);
    for (int j = 0; j < n_posts; j++) {
        struct attrib_post_result *r = &out->posts[j];
        r->lo = r->hi = NAN;
        if (!post_known(&posts[j]))
            continue;
        double all = attrib_curve_eval(&posts[j].exposure, ATTRIB_HORIZON_H);
        for (int w = 0; w < ATTRIB_NWIN; w++) {
            double f = all > 0.0 ? attrib_curve_eval(&posts[j].exposure, attrib_windows_h[w]) / all : 1.0;
            r->credit[w] = posts[j].known_follows * fmin(1.0, f);
            r->exposure[w] = all > 0.0 ? attrib_curve_eval(&posts[j].exposure, attrib_windows_h[w]) : 0.0;
            r->conf[w] = r->conf_raw[w] = 1.0;
        }
        for (int q = 0; q < ATTRIB_NQ; q++)
            r->q168[q] = posts[j].known_follows;
        r->lo = r->hi = posts[j].known_follows;
        r->known = 1;
        r->purity = r->sign_certainty = r->confidence = r->multiplier = 1.0;
        out->known_total += posts[j].known_follows;
    }
}

double attrib_event_tol(double credit)
{
    return fmax(2.0, 0.25 * fabs(credit));
}

void attrib_result_release(struct attrib_result *r)
{
    free(r->rho);
    free(r->posts);
    memset(r, 0, sizeof *r);
}
