/*
 * stats/nnls.c — non-negative least squares (Lawson-Hanson active set),
 * by Cholesky solves of the scaled columns' Gram matrix.  See stats/nnls.h.
 */
#include "stats/nnls.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "common/sbuf.h"

int nnls_init(struct nnls *w, size_t nmax, size_t pmax)
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

void nnls_release(struct nnls *w)
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
 * Column scales, the scaled Gram matrix and As^T y into w; the passive set
 * starts as the free non-zero columns.  Returns |y|^2.
 */
static double nnls_normal(struct nnls *w, const double *a, const double *yv, size_t n, size_t p,
                          const bool *constrained)
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
    return ynorm;
}

/* The constrained passive column of largest gradient above tol, or p when none. */
static size_t nnls_entering(const struct nnls *w, size_t p, const bool *constrained, const gsl_vector *x, double tol)
{
    /* gradient g = As^T (y - As x) = b - gram x */
    size_t t = p;
    double best = tol;
    for (size_t j = 0; j < p; j++) {
        if (w->inP[j] || !constrained[j] || w->scale[j] <= 0.0 || w->blocked[j])
            continue;
        double g = gsl_vector_get(w->b, j);
        for (size_t k = 0; k < p; k++)
            g -= gsl_matrix_get(w->gram, j, k) * gsl_vector_get(x, k);
        if (g > best) {
            best = g;
            t = j;
        }
    }
    return t;
}

/* Inner loop after column t entered: step toward the passive solution z
 * until it is feasible.  0 or a GSL status. */
static int nnls_inner(struct nnls *w, size_t p, const bool *constrained, size_t t, gsl_vector *x, gsl_vector *z)
{
    int st;
    for (size_t inner = 0; inner < 3 * p + 10; inner++) {
        if ((st = nnls_ls(w, p, z)))
            return st;
        if (inner == 0 && gsl_vector_get(z, t) <= 0.0) {
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
            double zj = gsl_vector_get(z, j);
            if (zj <= 0.0) {
                feasible = false;
                double xj = gsl_vector_get(x, j);
                double al = xj / (xj - zj);
                if (al < alpha)
                    alpha = al;
            }
        }
        if (feasible) {
            gsl_vector_memcpy(x, z);
            for (size_t j = 0; j < p; j++)
                w->blocked[j] = false;
            break;
        }
        for (size_t j = 0; j < p; j++) {
            double xj = gsl_vector_get(x, j);
            xj += alpha * (gsl_vector_get(z, j) - xj);
            gsl_vector_set(x, j, xj);
            if (w->inP[j] && constrained[j] && xj <= 1e-15) {
                w->inP[j] = false;
                gsl_vector_set(x, j, 0.0);
            }
        }
    }
    return 0;
}

int nnls_solve(struct nnls *w, const double *a, const double *yv, size_t n, size_t p,
               const bool *constrained, double *xout)
{
    double ynorm = nnls_normal(w, a, yv, n, p, constrained);
    gsl_vector_view x = gsl_vector_subvector(w->x, 0, p);
    gsl_vector_view z = gsl_vector_subvector(w->z, 0, p);
    int st = nnls_ls(w, p, &x.vector);
    if (st)
        return st;
    double tol = 1e-10 * (sqrt(ynorm) + 1.0);

    for (size_t outer = 0; outer < 3 * p + 10; outer++) {
        size_t t = nnls_entering(w, p, constrained, &x.vector, tol);
        if (t == p)
            break;
        w->inP[t] = true;
        if ((st = nnls_inner(w, p, constrained, t, &x.vector, &z.vector)))
            return st;
    }
    for (size_t j = 0; j < p; j++) {
        double v = gsl_vector_get(&x.vector, j);
        xout[j] = w->scale[j] > 0.0 ? v / w->scale[j] : 0.0;
        if (constrained[j] && xout[j] < 0.0)
            xout[j] = 0.0;
    }
    return 0;
}
