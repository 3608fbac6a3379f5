/*
 * stats/nnls.h — non-negative least squares (Lawson-Hanson active set) on
 * small p, for the attribution model's Stage A and noise fits.
 *
 * Not for: large or wide problems (the Gram matrix is formed in full).
 */
#ifndef XETL_NNLS_H
#define XETL_NNLS_H

#include <stdbool.h>
#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

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

/* Workspace for problems of at most pmax columns; -1 when out of memory. */
int nnls_init(struct nnls *w, size_t nmax, size_t pmax);
void nnls_release(struct nnls *w);
/* Minimises |y - A x| subject to x_j >= 0 where constrained[j]; A is n x p
 * (p <= pmax), row-major in a.  All-zero columns get x_j = 0.  0 or a GSL
 * status. */
int nnls_solve(struct nnls *w, const double *a, const double *yv, size_t n, size_t p,
               const bool *constrained, double *xout);

#endif
