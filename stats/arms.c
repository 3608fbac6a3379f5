/*
 * stats/arms.c — normal-inverse-gamma arm posteriors on log1p(follows) with
 * multiple imputation (see stats/arms.h).
 */
#include "stats/arms.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>

#include "common/sbuf.h"

void arms_params_default(struct arms_params *p)
{
    p->n_imp = 1;
    p->draws = 10000;
    p->nu0 = 2.0;
    p->kappa_min = 2.0;
    p->kappa_max = 50.0;
    p->min_posts = 5.0;
    p->seed = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stats {
    double n, sy, syy; /* weighted */
};

static double obs_y(const struct arms_obs *o, int m, int shift, int n_imp)
{
    double v = o->imp[(m + shift) % n_imp];
    return log1p(isfinite(v) && v > 0.0 ? v : 0.0);
}

/* Each imputation's weighted sums per arm: st[m * n_arms + arm]. */
static struct stats *arm_stats(const struct arms_obs *obs, size_t n_obs, size_t n_arms, int M, const int *shift)
{
    struct stats *st = xcalloc((size_t)M * n_arms, sizeof *st);
    for (int m = 0; m < M; m++)
        for (size_t i = 0; i < n_obs; i++) {
            const struct arms_obs *o = &obs[i];
            if (o->arm >= n_arms || !(o->w > 0.0))
                continue;
            double y = obs_y(o, m, shift[i], M);
            struct stats *s = &st[(size_t)m * n_arms + o->arm];
            s->n += o->w;
            s->sy += o->w * y;
            s->syy += o->w * y * y;
        }
    return st;
}

/*
 * The shared prior from the imputation-averaged statistics: pooled mean,
 * pooled within-arm variance, and the between-arm variance of the arm
 * means less what their own noise explains.
 */
static void shared_prior(const struct stats *st, size_t n_arms, int M, const struct arms_params *p,
                         struct arms_prior *prior)
{
    double N = 0.0, SY = 0.0, within = 0.0, n_arm_with = 0.0, inv_n = 0.0;
    double *am = xcalloc(n_arms, sizeof(double)), *an = xcalloc(n_arms, sizeof(double));
    for (size_t a = 0; a < n_arms; a++) {
        double n = 0.0, sy = 0.0, ss = 0.0;
        for (int m = 0; m < M; m++) {
            const struct stats *s = &st[(size_t)m * n_arms + a];
            n += s->n / M;
            sy += s->sy / M;
            ss += s->n > 0.0 ? (s->syy - s->sy * s->sy / s->n) / M : 0.0;
        }
        an[a] = n;
        am[a] = n > 0.0 ? sy / n : 0.0;
        N += n;
        SY += sy;
        within += ss;
        if (n > 0.0) {
            n_arm_with += 1.0;
            inv_n += 1.0 / n;
        }
    }
    double m0 = N > 0.0 ? SY / N : 0.0;
    double s0sq = N > n_arm_with && within > 0.0 ? within / (N - n_arm_with) : 1.0;
    s0sq = fmax(s0sq, 0.05);
    double between = 0.0;
    for (size_t a = 0; a < n_arms; a++)
        if (an[a] > 0.0)
            between += (am[a] - m0) * (am[a] - m0);
    double tau2 = n_arm_with > 1.0 ? between / (n_arm_with - 1.0) - s0sq * inv_n / n_arm_with : 0.0;
    double kappa0 = tau2 > 0.0 ? s0sq / tau2 : p->kappa_max;
    kappa0 = fmin(fmax(kappa0, p->kappa_min), p->kappa_max);
    prior->m0 = m0;
    prior->kappa0 = kappa0;
    prior->nu0 = p->nu0;
    prior->s0sq = s0sq;
    prior->tau2 = fmax(tau2, 0.0);
    free(am);
    free(an);
}

/* Posterior draws, per of them for each imputation, into mu[draw * n_arms + arm]; wins counted. */
static void draw_arms(const struct stats *st, size_t n_arms, int M, long per, const struct arms_prior *prior,
                      gsl_rng *r, double *mu, double *wins, struct arms_post *out)
{
    double kappa0 = prior->kappa0, m0 = prior->m0, s0sq = prior->s0sq, nu0 = prior->nu0;
    double *kn = xcalloc(n_arms, sizeof(double)), *mn = xcalloc(n_arms, sizeof(double));
    double *nun = xcalloc(n_arms, sizeof(double)), *sn = xcalloc(n_arms, sizeof(double));
    for (int m = 0; m < M; m++) {
        for (size_t a = 0; a < n_arms; a++) {
            const struct stats *s = &st[(size_t)m * n_arms + a];
            double n = s->n, ybar = n > 0.0 ? s->sy / n : 0.0, S = n > 0.0 ? s->syy - s->sy * s->sy / n : 0.0;
            kn[a] = kappa0 + n;
            mn[a] = (kappa0 * m0 + n * ybar) / kn[a];
            nun[a] = nu0 + n;
            sn[a] = (nu0 * s0sq + fmax(S, 0.0) + kappa0 * n * (ybar - m0) * (ybar - m0) / kn[a]) / nun[a];
            out[a].n_eff += n / M;
            out[a].nu_n += nun[a] / M;
            out[a].s2_n += sn[a] / M;
        }
        for (long d = 0; d < per; d++) {
            size_t row = (size_t)(m * per + d);
            double best = -INFINITY;
            size_t ba = 0;
            for (size_t a = 0; a < n_arms; a++) {
                double sig2 = nun[a] * sn[a] / gsl_ran_chisq(r, nun[a]);
                double v = mn[a] + gsl_ran_gaussian(r, sqrt(sig2 / kn[a]));
                mu[row * n_arms + a] = v;
                if (v > best) {
                    best = v;
                    ba = a;
                }
            }
            wins[ba] += 1.0;
        }
    }
    free(kn);
    free(mn);
    free(nun);
    free(sn);
}

/* Each arm's mean, 90 % interval and P(best) over the D draws of the mixture. */
static void summarize_arms(const double *mu, const double *wins, long D, size_t n_arms, const struct arms_params *p,
                           struct arms_post *out)
{
    double *col = xcalloc((size_t)D, sizeof(double));
    for (size_t a = 0; a < n_arms; a++) {
        for (long d = 0; d < D; d++)
            col[d] = mu[(size_t)d * n_arms + a];
        qsort(col, (size_t)D, sizeof *col, cmp_double); /* libc's is several times GSL's heapsort */
        out[a].mean = gsl_stats_mean(col, 1, (size_t)D);
        out[a].lo = gsl_stats_quantile_from_sorted_data(col, 1, (size_t)D, 0.05);
        out[a].hi = gsl_stats_quantile_from_sorted_data(col, 1, (size_t)D, 0.95);
        out[a].p_best = wins[a] / (double)D;
        out[a].exploratory = out[a].n_eff < p->min_posts;
    }
    free(col);
}

int arms_fit(const struct arms_obs *obs, size_t n_obs, size_t n_arms, const struct arms_params *p,
             struct arms_prior *prior, struct arms_post *out)
{
    if (n_arms < 1 || p->n_imp < 1 || p->n_imp > ARMS_MAX_IMP || p->draws < 1)
        return -1;
    int M = p->n_imp;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return -1;
    gsl_rng_set(r, (unsigned long)((p->seed ^ (p->seed >> 32)) & 0xffffffffUL));
    int *shift = xcalloc(n_obs + 1, sizeof(int));
    for (size_t i = 0; i < n_obs; i++)
        shift[i] = (int)gsl_rng_uniform_int(r, (unsigned long)M);
    struct stats *st = arm_stats(obs, n_obs, n_arms, M, shift);
    shared_prior(st, n_arms, M, p, prior);

    /* Posterior draws, draws/M per imputation, the mixture read at the end. */
    long per = p->draws / M > 0 ? p->draws / M : 1, D = per * M;
    double *mu = xcalloc((size_t)D * n_arms, sizeof(double));
    double *wins = xcalloc(n_arms, sizeof(double));
    for (size_t a = 0; a < n_arms; a++)
        out[a] = (struct arms_post){ 0 };
    draw_arms(st, n_arms, M, per, prior, r, mu, wins, out);
    summarize_arms(mu, wins, D, n_arms, p, out);
    free(mu);
    free(wins);
    free(st);
    free(shift);
    gsl_rng_free(r);
    return 0;
}

/* The joint model's working set: columns 0 intercept, 1 impressions, then each component's arms. */
struct joint {
    size_t P, off[ARMS_MAX_COMP + 1];
    gsl_matrix *L;          /* Lambda_n, then its Cholesky factor */
    gsl_vector *b, *mn, *x;
    double *prec, *pm;      /* prior precision and mean per column */
    double *zbar, *zw;      /* each arm's weighted mean impressions */
    double *wins;
    size_t *cols;
};

/* Lambda_n = prior precision + X'WX (the same for every imputation); returns the total weight. */
static double joint_precision(struct joint *J, const struct arms_joint_obs *obs, size_t n_obs, int n_comp,
                              const struct arms_joint_comp *comp)
{
    double N = 0.0;
    for (size_t j = 0; j < J->P; j++)
        gsl_matrix_set(J->L, j, j, J->prec[j]);
    for (size_t i = 0; i < n_obs; i++) {
        const struct arms_joint_obs *o = &obs[i];
        if (!(o->w > 0.0))
            continue;
        size_t nc = 0;
        double xv[ARMS_MAX_COMP + 2];
        J->cols[nc] = 0, xv[nc++] = 1.0;
        J->cols[nc] = 1, xv[nc++] = o->z;
        for (int c = 0; c < n_comp; c++)
            if (o->arm[c] != ARMS_NONE && o->arm[c] < comp[c].n_arms) {
                J->cols[nc] = J->off[c] + o->arm[c], xv[nc++] = 1.0;
                J->zbar[J->off[c] + o->arm[c]] += o->w * o->z;
                J->zw[J->off[c] + o->arm[c]] += o->w;
            }
        for (size_t u = 0; u < nc; u++)
            for (size_t v = 0; v < nc; v++)
                *gsl_matrix_ptr(J->L, J->cols[u], J->cols[v]) += o->w * xv[u] * xv[v];
        N += o->w;
    }
    for (size_t j = 0; j < J->P; j++)
        J->zbar[j] = J->zw[j] > 0.0 ? J->zbar[j] / J->zw[j] : 0.0;
    return N;
}

/* b = prior precision * prior mean + X'Wy for imputation m; returns y'Wy. */
static double joint_rhs(struct joint *J, const struct arms_joint_obs *obs, size_t n_obs, int n_comp,
                        const struct arms_joint_comp *comp, const int *shift, int M, int m)
{
    double yy = 0.0;
    for (size_t j = 0; j < J->P; j++)
        gsl_vector_set(J->b, j, J->prec[j] * J->pm[j]);
    for (size_t i = 0; i < n_obs; i++) {
        const struct arms_joint_obs *o = &obs[i];
        if (!(o->w > 0.0))
            continue;
        double v = o->imp[(m + shift[i]) % M];
        double y = log1p(isfinite(v) && v > 0.0 ? v : 0.0);
        yy += o->w * y * y;
        *gsl_vector_ptr(J->b, 0) += o->w * y;
        *gsl_vector_ptr(J->b, 1) += o->w * o->z * y;
        for (int c = 0; c < n_comp; c++)
            if (o->arm[c] != ARMS_NONE && o->arm[c] < comp[c].n_arms)
                *gsl_vector_ptr(J->b, J->off[c] + o->arm[c]) += o->w * y;
    }
    return yy;
}

/* per draws of beta = mn + sig L^-T e; each component's best arm (at its mean impressions) wins. */
static void joint_draws(struct joint *J, int n_comp, long per, double ss, double nu_n, gsl_rng *r)
{
    for (long d = 0; d < per; d++) {
        double sig = sqrt(ss / gsl_ran_chisq(r, nu_n));
        for (size_t j = 0; j < J->P; j++)
            gsl_vector_set(J->x, j, gsl_ran_gaussian(r, 1.0));
        gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, J->L, J->x);
        double g = gsl_vector_get(J->mn, 1) + sig * gsl_vector_get(J->x, 1);
        for (int c = 0; c < n_comp; c++) {
            double best = -INFINITY;
            size_t ba = J->off[c];
            for (size_t j = J->off[c]; j < J->off[c + 1]; j++) {
                double v = gsl_vector_get(J->mn, j) + sig * gsl_vector_get(J->x, j) + g * J->zbar[j];
                if (v > best) {
                    best = v;
                    ba = j;
                }
            }
            if (J->off[c + 1] > J->off[c])
                J->wins[ba] += 1.0;
        }
    }
}

static void joint_release(struct joint *J)
{
    gsl_matrix_free(J->L);
    gsl_vector_free(J->b);
    gsl_vector_free(J->mn);
    gsl_vector_free(J->x);
    free(J->prec);
    free(J->pm);
    free(J->zbar);
    free(J->zw);
    free(J->wins);
    free(J->cols);
}

int arms_joint_fit(const struct arms_joint_obs *obs, size_t n_obs, int n_comp, struct arms_joint_comp *comp,
                   double m0, double s0sq, const struct arms_params *p)
{
    if (n_comp < 1 || n_comp > ARMS_MAX_COMP || p->n_imp < 1 || p->n_imp > ARMS_MAX_IMP || p->draws < 1)
        return -1;
    struct joint J = { .P = 2 };
    for (int c = 0; c < n_comp; c++) {
        J.off[c] = J.P;
        J.P += comp[c].n_arms;
    }
    J.off[n_comp] = J.P;
    size_t P = J.P;
    int M = p->n_imp, rc = -1;
    J.L = gsl_matrix_calloc(P, P);
    J.b = gsl_vector_calloc(P), J.mn = gsl_vector_calloc(P), J.x = gsl_vector_calloc(P);
    J.prec = xcalloc(P, sizeof(double)), J.pm = xcalloc(P, sizeof(double));
    J.zbar = xcalloc(P, sizeof(double)), J.zw = xcalloc(P, sizeof(double));
    J.wins = xcalloc(P, sizeof(double));
    J.cols = xcalloc(ARMS_MAX_COMP + 2, sizeof(size_t));
    int *shift = xcalloc(n_obs + 1, sizeof(int));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!J.L || !J.b || !J.mn || !J.x || !r)
        goto out;
    gsl_rng_set(r, (unsigned long)((p->seed ^ (p->seed >> 32)) & 0xffffffffUL));
    for (size_t i = 0; i < n_obs; i++)
        shift[i] = (int)gsl_rng_uniform_int(r, (unsigned long)M);
    J.prec[0] = 1e-4;
    J.pm[0] = m0;
    J.prec[1] = 1e-2;
    for (int c = 0; c < n_comp; c++)
        for (size_t a = 0; a < comp[c].n_arms; a++)
            J.prec[J.off[c] + a] = comp[c].kappa > 0.0 ? comp[c].kappa : 1.0;
    double N = joint_precision(&J, obs, n_obs, n_comp, comp);
    if (gsl_linalg_cholesky_decomp1(J.L) != GSL_SUCCESS)
        goto out;
    long per = p->draws / M > 0 ? p->draws / M : 1;
    double nu_n = p->nu0 + N;
    for (int m = 0; m < M; m++) {
        double yy = joint_rhs(&J, obs, n_obs, n_comp, comp, shift, M, m);
        gsl_vector_memcpy(J.mn, J.b); /* then mn = Lambda_n^-1 b */
        if (gsl_linalg_cholesky_svx(J.L, J.mn) != GSL_SUCCESS)
            goto out;
        double quad = 0.0, mbm = 0.0;
        for (size_t j = 0; j < P; j++) {
            quad += gsl_vector_get(J.mn, j) * gsl_vector_get(J.b, j); /* mn' Lambda_n mn */
            mbm += J.prec[j] * J.pm[j] * J.pm[j];
        }
        double ss = fmax(p->nu0 * s0sq + yy + mbm - quad, 1e-9);
        joint_draws(&J, n_comp, per, ss, nu_n, r);
    }
    for (int c = 0; c < n_comp; c++)
        for (size_t a = 0; a < comp[c].n_arms; a++)
            comp[c].p_best[a] = J.wins[J.off[c] + a] / (double)(per * M);
    rc = 0;
out:
    joint_release(&J);
    if (r)
        gsl_rng_free(r);
    free(shift);
    return rc;
}
