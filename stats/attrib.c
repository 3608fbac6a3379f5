/*
 * stats/attrib.c — Stage A (pooled non-negative conversion rates), Stage B
 * (exact allocation of each interval's delta) and the bootstrap confidence.
 * See stats/attrib.h for the contract and docs/attribution.md for the model.
 */
#include "stats/attrib.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
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
}

double attrib_curve_eval(const struct attrib_curve *c, double age_h)
{
    if (!(age_h > 0.0))
        return 0.0;
    switch (c->kind) {
    case ATTRIB_CURVE_LOMAX: {
        if (!(c->A > 0.0) || !(c->c_h > 0.0) || !(c->theta > 0.0))
            return 0.0;
        double v = c->A * -expm1(-c->theta * log1p(age_h / c->c_h));
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

struct nnls {
    size_t nmax, pmax;
    gsl_multifit_linear_workspace *ws;
    gsl_matrix *As;     /* scaled copy of A */
    gsl_matrix *sub;    /* passive columns */
    gsl_matrix *cov;
    gsl_vector *c, *r, *x, *z;
    double *scale;
    bool *inP, *blocked;
};

static int nnls_init(struct nnls *w, size_t nmax, size_t pmax)
{
    memset(w, 0, sizeof *w);
    w->nmax = nmax;
    w->pmax = pmax;
    w->ws = gsl_multifit_linear_alloc(nmax, pmax);
    w->As = gsl_matrix_alloc(nmax, pmax);
    w->sub = gsl_matrix_alloc(nmax, pmax);
    w->cov = gsl_matrix_alloc(pmax, pmax);
    w->c = gsl_vector_alloc(pmax);
    w->r = gsl_vector_alloc(nmax);
    w->x = gsl_vector_alloc(pmax);
    w->z = gsl_vector_alloc(pmax);
    w->scale = xcalloc(pmax, sizeof(double));
    w->inP = xcalloc(pmax, sizeof(bool));
    w->blocked = xcalloc(pmax, sizeof(bool));
    if (!w->ws || !w->As || !w->sub || !w->cov || !w->c || !w->r || !w->x || !w->z)
        return -1;
    return 0;
}

static void nnls_release(struct nnls *w)
{
    if (w->ws)
        gsl_multifit_linear_free(w->ws);
    gsl_matrix_free(w->As);
    gsl_matrix_free(w->sub);
    gsl_matrix_free(w->cov);
    gsl_vector_free(w->c);
    gsl_vector_free(w->r);
    gsl_vector_free(w->x);
    gsl_vector_free(w->z);
    free(w->scale);
    free(w->inP);
    free(w->blocked);
    memset(w, 0, sizeof *w);
}

/* Unconstrained least squares on the passive columns of As; z = 0 elsewhere. */
static int nnls_ls(struct nnls *w, size_t n, size_t p, const gsl_vector *y, gsl_vector *z)
{
    size_t m = 0;
    for (size_t j = 0; j < p; j++)
        if (w->inP[j]) {
            gsl_vector_const_view col = gsl_matrix_const_column(w->As, j);
            gsl_vector_view dst = gsl_matrix_subcolumn(w->sub, m, 0, n);
            gsl_vector_const_view src = gsl_vector_const_subvector(&col.vector, 0, n);
            gsl_vector_memcpy(&dst.vector, &src.vector);
            m++;
        }
    gsl_vector_set_zero(z);
    if (m == 0)
        return 0;
    gsl_matrix_view X = gsl_matrix_submatrix(w->sub, 0, 0, n, m);
    gsl_vector_view c = gsl_vector_subvector(w->c, 0, m);
    gsl_matrix_view cov = gsl_matrix_submatrix(w->cov, 0, 0, m, m);
    double chisq;
    int st = gsl_multifit_linear(&X.matrix, y, &c.vector, &cov.matrix, &chisq, w->ws);
    if (st != GSL_SUCCESS)
        return st;
    m = 0;
    for (size_t j = 0; j < p; j++)
        if (w->inP[j])
            gsl_vector_set(z, j, gsl_vector_get(&c.vector, m++));
    return 0;
}

/*
 * Minimises |y - A x| subject to x_j >= 0 where constrained[j]; A is n x p
 * (n <= nmax, p <= pmax), given row by row in a (row-major).  Columns are
 * scaled to unit norm first (the drift and exposure columns differ by orders
 * of magnitude); all-zero columns get x_j = 0.
 */
static int nnls_solve(struct nnls *w, const double *a, const double *yv, size_t n, size_t p,
                      const bool *constrained, double *xout)
{
    gsl_vector_view y = gsl_vector_view_array((double *)yv, n);
    for (size_t j = 0; j < p; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += a[i * p + j] * a[i * p + j];
        s = sqrt(s);
        w->scale[j] = s;
        for (size_t i = 0; i < n; i++)
            gsl_matrix_set(w->As, i, j, s > 0.0 ? a[i * p + j] / s : 0.0);
        w->inP[j] = s > 0.0 && !constrained[j];
        w->blocked[j] = false;
    }
    gsl_vector_view x = gsl_vector_subvector(w->x, 0, p);
    gsl_vector_view z = gsl_vector_subvector(w->z, 0, p);
    gsl_vector_view r = gsl_vector_subvector(w->r, 0, n);
    gsl_matrix_view As = gsl_matrix_submatrix(w->As, 0, 0, n, p);
    int st = nnls_ls(w, n, p, &y.vector, &x.vector);
    if (st)
        return st;
    double ynorm = 0.0;
    for (size_t i = 0; i < n; i++)
        ynorm += yv[i] * yv[i];
    double tol = 1e-10 * (sqrt(ynorm) + 1.0);

    for (size_t outer = 0; outer < 3 * p + 10; outer++) {
        /* gradient g = As^T (y - As x) */
        gsl_vector_memcpy(&r.vector, &y.vector);
        gsl_blas_dgemv(CblasNoTrans, -1.0, &As.matrix, &x.vector, 1.0, &r.vector);
        size_t t = p;
        double best = tol;
        for (size_t j = 0; j < p; j++) {
            if (w->inP[j] || !constrained[j] || w->scale[j] <= 0.0 || w->blocked[j])
                continue;
            gsl_vector_const_view col = gsl_matrix_const_column(&As.matrix, j);
            double g;
            gsl_blas_ddot(&col.vector, &r.vector, &g);
            if (g > best) {
                best = g;
                t = j;
            }
        }
        if (t == p)
            break;
        w->inP[t] = true;
        for (size_t inner = 0; inner < 3 * p + 10; inner++) {
            if ((st = nnls_ls(w, n, p, &y.vector, &z.vector)))
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
/* The attribution problem                                                 */
/* ---------------------------------------------------------------------- */

struct ent {
    int k;                      /* interval */
    double E[ATTRIB_NWIN];      /* exposure increment inside each window (E[last] = all) */
};

struct prob {
    int K, P, G;
    const struct attrib_post *posts;
    double *dt;                 /* [K] hours */
    double *delta;              /* [K] observed */
    double *known;              /* [K] flow of platform-reported posts */
    double *X;                  /* [K*G] regressed exposure per group */
    double *sigma;              /* [K] noise sd */
    struct ent *ent;            /* entries, contiguous per post */
    int *first, *count;         /* [P] */
    double *Etot;               /* [P] */
    int *n_in_group;            /* [G] regressed posts with exposure */
    /* scratch */
    struct nnls ls;
    double *a, *y;              /* design ((K+G) x (G+1)) and response */
    double *flow;               /* [K] */
    double *coef;               /* [G+1] */
    double *lambda;             /* [G] ridge weights */
};

static bool post_known(const struct attrib_post *p)
{
    return isfinite(p->known_follows);
}

/* Stage A: fills *b and rho[G] (and *rho0) from response y (known flow removed). */
static int stage_a(struct prob *pr, const double *yk, double *b, double *rho, double *rho0)
{
    int K = pr->K, G = pr->G;
    bool cons[2] = { false, true };
    int st;
    /* pooled: one rate for all exposure */
    for (int k = 0; k < K; k++) {
        double s = pr->sigma[k], xt = 0.0;
        for (int g = 0; g < G; g++)
            xt += pr->X[k * G + g];
        pr->a[k * 2] = pr->dt[k] / s;
        pr->a[k * 2 + 1] = xt / s;
        pr->y[k] = yk[k] / s;
    }
    if ((st = nnls_solve(&pr->ls, pr->a, pr->y, (size_t)K, 2, cons, pr->coef)))
        return st;
    *rho0 = pr->coef[1];
    if (G == 1) {
        *b = pr->coef[0];
        rho[0] = pr->coef[1];
        return 0;
    }
    /* per group, with pseudo-rows pulling rho_g toward the pooled rate */
    int p = G + 1, n = K;
    for (int k = 0; k < K; k++) {
        double s = pr->sigma[k];
        pr->a[k * p] = pr->dt[k] / s;
        for (int g = 0; g < G; g++)
            pr->a[k * p + 1 + g] = pr->X[k * G + g] / s;
        pr->y[k] = yk[k] / s;
    }
    for (int g = 0; g < G; g++) {
        if (!(pr->lambda[g] > 0.0))
            continue;
        double sl = sqrt(pr->lambda[g]);
        for (int j = 0; j < p; j++)
            pr->a[n * p + j] = 0.0;
        pr->a[n * p + 1 + g] = sl;
        pr->y[n] = sl * *rho0;
        n++;
    }
    bool *c = xcalloc((size_t)p, sizeof(bool));
    for (int g = 0; g < G; g++)
        c[1 + g] = true;
    st = nnls_solve(&pr->ls, pr->a, pr->y, (size_t)n, (size_t)p, c, pr->coef);
    free(c);
    if (st)
        return st;
    *b = pr->coef[0];
    for (int g = 0; g < G; g++)
        rho[g] = pr->n_in_group[g] > 0 ? pr->coef[1 + g] : *rho0;
    return 0;
}

/* Modelled flow of regressed posts per interval into pr->flow. */
static void model_flow(struct prob *pr, const double *rho)
{
    memset(pr->flow, 0, (size_t)pr->K * sizeof(double));
    for (int j = 0; j < pr->P; j++) {
        if (post_known(&pr->posts[j]))
            continue;
        double r = rho[pr->posts[j].group];
        for (int e = pr->first[j]; e < pr->first[j] + pr->count[j]; e++)
            pr->flow[pr->ent[e].k] += r * pr->ent[e].E[ATTRIB_NWIN - 1];
    }
}

/*
 * Stage B: allocate each interval's delta.  Components are the baseline
 * b*dt_k and each regressed post's rho*E_jk; the residual
 * r_k = delta_k - known_k - sum of components is shared in proportion to the
 * components' absolute sizes, which equals delta*share when all are positive
 * and stays finite when a negative drift cancels the post flow.  credit
 * ([P*NWIN], may be NULL) and *baseline_total receive the results.
 */
static void stage_b(struct prob *pr, const double *delta, double b, const double *rho,
                    double *credit, double *baseline_total, double *purity)
{
    model_flow(pr, rho);
    double btot = 0.0;
    for (int k = 0; k < pr->K; k++) {
        double mb = b * pr->dt[k];
        double sumabs = fabs(mb) + pr->flow[k];
        double r = delta[k] - pr->known[k] - mb - pr->flow[k];
        btot += sumabs > 0.0 ? mb + r * fabs(mb) / sumabs : delta[k] - pr->known[k];
    }
    *baseline_total = btot;
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
                double mb = b * pr->dt[k];
                double sumabs = fabs(mb) + pr->flow[k];
                double m = rho[po->group] * E;
                double r = delta[k] - pr->known[k] - mb - pr->flow[k];
                a = sumabs > 0.0 ? m + r * m / sumabs : 0.0;
                mine = m;
            }
            for (int w = 0; w < ATTRIB_NWIN; w++)
                c[w] += a * en->E[w] / E;
            if (purity) {
                double tot = fabs(b * pr->dt[k]) + pr->flow[k] + fabs(pr->known[k]);
                pnum += tot > 0.0 ? E * fabs(mine) / tot : 0.0;
            }
        }
        if (credit)
            for (int w = 0; w < ATTRIB_NWIN; w++)
                credit[j * ATTRIB_NWIN + w] = c[w];
        if (purity)
            purity[j] = pr->Etot[j] > 0.0 ? fmin(1.0, pnum / pr->Etot[j]) : 0.0;
    }
}

static void prob_release(struct prob *pr)
{
    free(pr->dt);
    free(pr->delta);
    free(pr->known);
    free(pr->X);
    free(pr->sigma);
    free(pr->ent);
    free(pr->first);
    free(pr->count);
    free(pr->Etot);
    free(pr->n_in_group);
    free(pr->a);
    free(pr->y);
    free(pr->flow);
    free(pr->coef);
    free(pr->lambda);
    nnls_release(&pr->ls);
}

/* Builds intervals and exposure entries. */
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
    pr->X = xcalloc((size_t)K * (size_t)G, sizeof(double));
    pr->sigma = xcalloc((size_t)K, sizeof(double));
    pr->first = xcalloc((size_t)P + 1, sizeof(int));
    pr->count = xcalloc((size_t)P + 1, sizeof(int));
    pr->Etot = xcalloc((size_t)P + 1, sizeof(double));
    pr->n_in_group = xcalloc((size_t)G, sizeof(int));
    pr->flow = xcalloc((size_t)K, sizeof(double));
    pr->coef = xcalloc((size_t)G + 2, sizeof(double));
    pr->lambda = xcalloc((size_t)G, sizeof(double));
    pr->a = xcalloc(((size_t)K + (size_t)G) * ((size_t)G + 2), sizeof(double));
    pr->y = xcalloc((size_t)K + (size_t)G, sizeof(double));
    for (int k = 0; k < K; k++) {
        if (t[k + 1] <= t[k])
            return xerr_set(err, XETL_EX_DATAERR, "follower samples are not strictly increasing in time");
        if (!isfinite(F[k]) || !isfinite(F[k + 1]))
            return xerr_set(err, XETL_EX_DATAERR, "follower sample %d is not a number", k);
        pr->dt[k] = (double)(t[k + 1] - t[k]) / 3600.0;
        pr->delta[k] = F[k + 1] - F[k];
    }
    size_t cap = 0, n = 0;
    for (int j = 0; j < P; j++) {
        const struct attrib_post *po = &posts[j];
        if (po->group < 0 || po->group >= G)
            return xerr_set(err, XETL_EX_SOFTWARE, "post %d has group %d outside 0..%d", j, po->group, G - 1);
        pr->first[j] = (int)n;
        double end = (double)po->posted_at + ATTRIB_HORIZON_H * 3600.0;
        /* first interval whose end is after the post */
        int lo = 0, hi = K;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (t[mid + 1] <= po->posted_at)
                lo = mid + 1;
            else
                hi = mid;
        }
        double prev[ATTRIB_NWIN];
        for (int k = lo; k < K && (double)t[k] < end; k++) {
            double a0 = (double)(t[k] - po->posted_at) / 3600.0;
            double a1 = (double)(t[k + 1] - po->posted_at) / 3600.0;
            struct ent en = { .k = k };
            bool any = false;
            for (int w = 0; w < ATTRIB_NWIN; w++) {
                double W = attrib_windows_h[w];
                double v0 = k == lo ? attrib_curve_eval(&po->exposure, fmin(a0, W)) : prev[w];
                double v1 = attrib_curve_eval(&po->exposure, fmin(a1, W));
                prev[w] = fmax(v1, v0); /* a decreasing snapshot series never gives negative exposure */
                en.E[w] = fmax(v1 - v0, 0.0);
                any = any || en.E[w] > 0.0;
            }
            if (!any)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                pr->ent = xrealloc(pr->ent, cap * sizeof *pr->ent);
            }
            pr->ent[n++] = en;
            pr->Etot[j] += en.E[ATTRIB_NWIN - 1];
        }
        pr->count[j] = (int)n - pr->first[j];
        if (pr->Etot[j] <= 0.0)
            continue;
        for (int e = pr->first[j]; e < (int)n; e++) {
            const struct ent *en = &pr->ent[e];
            if (post_known(po))
                pr->known[en->k] += po->known_follows * en->E[ATTRIB_NWIN - 1] / pr->Etot[j];
            else
                pr->X[en->k * G + po->group] += en->E[ATTRIB_NWIN - 1];
        }
        if (!post_known(po))
            pr->n_in_group[po->group]++;
    }
    if (nnls_init(&pr->ls, (size_t)K + (size_t)G, (size_t)G + 1))
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

int attrib_fit(const int64_t *t, const double *F, int n_samples, const struct attrib_post *posts,
               int n_posts, int n_groups, const struct attrib_params *p, struct attrib_result *out,
               struct xerr *err)
{
    struct prob pr;
    int rc = 0, st;
    gsl_rng *rng = NULL;
    double *y = NULL, *resid = NULL, *boot = NULL, *ystar = NULL, *credit = NULL, *purity = NULL;
    double *rstar = NULL, *bcredit = NULL, *sorted = NULL;

    memset(&pr, 0, sizeof pr);
    memset(out, 0, sizeof *out);
    if (n_samples < 2)
        return xerr_set(err, XETL_EX_DATAERR, "attribution needs at least 2 follower samples, got %d", n_samples);
    if (n_groups < 1)
        n_groups = 1;
    if ((rc = prob_build(&pr, t, F, n_samples, posts, n_posts, n_groups, err)))
        goto out;
    int K = pr.K, G = n_groups;
    out->n_groups = G;
    out->rho = xcalloc((size_t)G, sizeof(double));
    out->posts = xcalloc((size_t)n_posts + 1, sizeof *out->posts);
    out->n_intervals = K;
    y = xcalloc((size_t)K, sizeof(double));
    resid = xcalloc((size_t)K, sizeof(double));
    ystar = xcalloc((size_t)K, sizeof(double));
    rstar = xcalloc((size_t)K, sizeof(double));
    credit = xcalloc((size_t)n_posts * ATTRIB_NWIN + 1, sizeof(double));
    purity = xcalloc((size_t)n_posts + 1, sizeof(double));
    for (int k = 0; k < K; k++)
        y[k] = pr.delta[k] - pr.known[k];

    /* pass 1: Var ~ dt (organic Poisson flow); then fit Var = a dt + c m to
     * the squared residuals and refit with those weights */
    double b, rho0;
    for (int k = 0; k < K; k++)
        pr.sigma[k] = sqrt(pr.dt[k]);
    set_lambda(&pr, p->prior_posts);
    if ((st = stage_a(&pr, y, &b, out->rho, &rho0)))
        goto numerr;
    model_flow(&pr, out->rho);
    {
        double *a2 = xcalloc((size_t)K * 2, sizeof(double));
        double *r2 = xcalloc((size_t)K, sizeof(double));
        double ab[2];
        bool cons[2] = { true, true };
        for (int k = 0; k < K; k++) {
            double r = y[k] - b * pr.dt[k] - pr.flow[k];
            a2[k * 2] = pr.dt[k];
            a2[k * 2 + 1] = pr.flow[k] + pr.known[k];
            r2[k] = r * r;
        }
        st = nnls_solve(&pr.ls, a2, r2, (size_t)K, 2, cons, ab);
        free(a2);
        free(r2);
        if (st)
            goto numerr;
        out->var_per_h = ab[0];
        out->var_per_flow = ab[1];
        for (int k = 0; k < K; k++) {
            double v = ab[0] * pr.dt[k] + ab[1] * (pr.flow[k] + pr.known[k]);
            /* counts are integers: never trust an interval more than +-0.5 */
            pr.sigma[k] = sqrt(fmax(v, 0.25));
        }
    }
    set_lambda(&pr, p->prior_posts);
    if ((st = stage_a(&pr, y, &b, out->rho, &rho0)))
        goto numerr;
    out->baseline_per_h = b;
    out->rho_pooled = rho0;
    stage_b(&pr, pr.delta, b, out->rho, credit, &out->baseline_total, purity);
    model_flow(&pr, out->rho);
    for (int k = 0; k < K; k++)
        resid[k] = (y[k] - b * pr.dt[k] - pr.flow[k]) / pr.sigma[k];

    out->observed_total = F[n_samples - 1] - F[0];
    for (int j = 0; j < n_posts; j++) {
        struct attrib_post_result *r = &out->posts[j];
        for (int w = 0; w < ATTRIB_NWIN; w++)
            r->credit[w] = credit[j * ATTRIB_NWIN + w];
        for (int e = pr.first[j]; e < pr.first[j] + pr.count[j]; e++)
            for (int w = 0; w < ATTRIB_NWIN; w++)
                r->exposure[w] += pr.ent[e].E[w];
        r->n_intervals = pr.count[j];
        r->known = post_known(&posts[j]);
        r->rate = out->rho[posts[j].group];
        r->purity = r->known ? 1.0 : purity[j];
        r->lo = r->hi = r->credit[ATTRIB_NWIN - 1];
        r->sign_certainty = 1.0;
        if (r->known)
            out->known_total += r->credit[ATTRIB_NWIN - 1];
        else
            out->posts_total += r->credit[ATTRIB_NWIN - 1];
    }

    /* moving-block bootstrap of the standardised residuals */
    int B = p->n_boot > 0 ? p->n_boot : 0;
    double med_dt;
    {
        double *tmp = xcalloc((size_t)K, sizeof(double));
        memcpy(tmp, pr.dt, (size_t)K * sizeof(double));
        gsl_sort(tmp, 1, (size_t)K);
        med_dt = gsl_stats_median_from_sorted_data(tmp, 1, (size_t)K);
        free(tmp);
    }
    int L = (int)lround(p->block_hours / med_dt);
    if (L < 1)
        L = 1;
    if (L > K)
        L = K;
    out->block_len = L;
    if (B > 0) {
        rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!rng) {
            rc = xerr_set(err, XETL_EX_SOFTWARE, "cannot allocate the random number generator");
            goto out;
        }
        gsl_rng_set(rng, (unsigned long)(p->seed ^ (p->seed >> 32)));
        boot = xcalloc((size_t)B * (size_t)n_posts + 1, sizeof(double));
        bcredit = xcalloc((size_t)n_posts * ATTRIB_NWIN + 1, sizeof(double));
        double *brho = xcalloc((size_t)G, sizeof(double));
        model_flow(&pr, out->rho);
        double *mu = xcalloc((size_t)K, sizeof(double));
        for (int k = 0; k < K; k++)
            mu[k] = b * pr.dt[k] + pr.flow[k];
        int ok = 0;
        for (int it = 0; it < B; it++) {
            for (int k = 0; k < K; k += L) {
                int s = (int)gsl_rng_uniform_int(rng, (unsigned long)(K - L + 1));
                for (int i = 0; i < L && k + i < K; i++)
                    rstar[k + i] = resid[s + i];
            }
            for (int k = 0; k < K; k++) {
                y[k] = mu[k] + pr.sigma[k] * rstar[k];
                ystar[k] = y[k] + pr.known[k];
            }
            double bb, br0, btot;
            if (stage_a(&pr, y, &bb, brho, &br0))
                continue; /* a failed refit is left out, not fatal */
            stage_b(&pr, ystar, bb, brho, bcredit, &btot, NULL);
            for (int j = 0; j < n_posts; j++)
                boot[(size_t)ok * (size_t)n_posts + (size_t)j] = bcredit[j * ATTRIB_NWIN + ATTRIB_NWIN - 1];
            ok++;
        }
        free(brho);
        free(mu);
        out->n_boot = ok;
        if (ok > 0) {
            sorted = xcalloc((size_t)ok, sizeof(double));
            for (int j = 0; j < n_posts; j++) {
                struct attrib_post_result *r = &out->posts[j];
                if (r->known)
                    continue;
                double pos = 0.0;
                for (int i = 0; i < ok; i++) {
                    double v = boot[(size_t)i * (size_t)n_posts + (size_t)j];
                    /*
                     * The interval is for the post's follows, a count: each
                     * replicate's expected credit plus that count's own Poisson
                     * noise (the bootstrap alone knows only the rate's).
                     */
                    double m = fabs(v);
                    double draw = m > 0.0 ? (double)gsl_ran_poisson(rng, m) : 0.0;
                    sorted[i] = v < 0.0 ? -draw : draw;
                    /* an exact zero (rate pinned at 0) is a coin flip, not certainty */
                    pos += fabs(v) < 1e-9 ? 0.5 : (v > 0.0 ? 1.0 : 0.0);
                }
                gsl_sort(sorted, 1, (size_t)ok);
                r->lo = gsl_stats_quantile_from_sorted_data(sorted, 1, (size_t)ok, 0.05);
                r->hi = gsl_stats_quantile_from_sorted_data(sorted, 1, (size_t)ok, 0.95);
                r->sign_certainty = fabs(2.0 * pos / ok - 1.0);
            }
        }
    }
    for (int j = 0; j < n_posts; j++) {
        struct attrib_post_result *r = &out->posts[j];
        r->confidence = r->known ? 1.0 : fmin(1.0, fmax(0.0, r->purity * r->sign_certainty));
    }
    goto out;

numerr:
    rc = xerr_set(err, XETL_EX_SOFTWARE, "attribution least squares failed: %s", gsl_strerror(st));
out:
    if (rc)
        attrib_result_release(out);
    if (rng)
        gsl_rng_free(rng);
    free(y);
    free(resid);
    free(boot);
    free(ystar);
    free(rstar);
    free(credit);
    free(bcredit);
    free(purity);
    free(sorted);
    prob_release(&pr);
    return rc;
}

void attrib_result_release(struct attrib_result *r)
{
    free(r->rho);
    free(r->posts);
    memset(r, 0, sizeof *r);
}
