/*
 * stats/attrib_prob.c — the attribution problem: the exposure grid and its
 * lagged version, the intervals and baseline design, Stage A by weighted
 * NNLS, the noise model and the conditional-mean split.  See
 * stats/attrib_prob.h; docs/attribution.md for the model.
 */
#include "stats/attrib_prob.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "common/sbuf.h"


/* Ages 0..168 h: 5-minute steps to 24 h (the 1 h window needs them), then
 * 30-minute steps. */

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

/*
 * Cumulative follows-to-be by age, from cumulative exposure I on the grid:
 * each impression converts after an exponential delay of mean L hours.  A
 * decreasing snapshot series never gives negative exposure.  Done for
 * LAG_LANES consecutive posts at once (I and G: n rows of GRID_N+1, n <=
 * LAG_LANES): each post's recurrence is serial, so side by side the CPU
 * overlaps them; every post's numbers are those of one computed alone.
 */
#define LAG_LANES 4
static void lag_curves(const double *I, int n, double L, double *G)
{
    const double *Il[LAG_LANES];
    double *Gl[LAG_LANES], pend[LAG_LANES], top[LAG_LANES], spare[GRID_N + 1];
    for (int l = 0; l < LAG_LANES; l++) {
        /* lanes past n repeat the first post into a scratch row */
        Il[l] = I + (size_t)(l < n ? l : 0) * (GRID_N + 1);
        Gl[l] = l < n ? G + (size_t)l * (GRID_N + 1) : spare;
        pend[l] = top[l] = 0.0;
        Gl[l][0] = 0.0;
    }
    /* the grid has two step sizes: 5 and 30 minutes */
    double f_fine = L > 0.0 ? -expm1(-(1.0 / 12.0) / L) : 1.0, f_coarse = L > 0.0 ? -expm1(-0.5 / L) : 1.0;
    for (int i = 1; i <= GRID_N; i++) {
        double f = i <= GRID_FINE ? f_fine : f_coarse;
        for (int l = 0; l < LAG_LANES; l++) {
            /* fmax(I, top) inline, the same value: a NaN I gives top either way, and I is never -0 */
            double v = Il[l][i] > top[l] ? Il[l][i] : top[l];
            pend[l] += v - top[l];
            top[l] = v;
            double conv = pend[l] * f;
            pend[l] -= conv;
            Gl[l][i] = Gl[l][i - 1] + conv;
        }
    }
}

double prob_base_mean(const struct prob *pr, int k, const double *base)
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
int prob_stage_a(struct prob *pr, const double *yk, double *base, double *rho, double *rho0)
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
double prob_base_var(const struct prob *pr, int k, double mb)
{
    return fmax(fmax(pr->va * pr->dt[k], fabs(mb)), 0.25);
}

/* Modelled flow (pr->flow), its variance (pr->vflow) and the baseline (pr->mb). */
void prob_model_flow(struct prob *pr, const double *base, const double *rho, const double *u)
{
    for (int k = 0; k < pr->K; k++) {
        pr->flow[k] = pr->vflow[k] = 0.0;
        pr->mb[k] = prob_base_mean(pr, k, base);
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
void prob_allocate(struct prob *pr, const double *delta, const double *base, const double *rho, const double *u,
                     double *credit, double *baseline_total, double *purity)
{
    prob_model_flow(pr, base, rho, u);
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
                double vt = prob_base_var(pr, k, pr->mb[k]) + pr->vflow[k];
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

void prob_release(struct prob *pr)
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
/* Post j's entries from its lagged curve Gc: appended to pr->ent, their totals into X, known, Etot. */
static void post_entries(struct prob *pr, const int64_t *t, int j, const double *Gc)
{
    int K = pr->K, G = pr->G;
    const struct attrib_post *po = &pr->posts[j];
    pr->first[j] = (int)pr->n_ent;
    pr->Etot[j] = 0.0;
    double end = (double)po->posted_at + ATTRIB_HORIZON_H * 3600.0;
    int lo = first_interval_after(t, K, po->posted_at);
    double prev[ATTRIB_NWIN] = { 0 };
    for (int k = lo; k < K && (double)t[k] < end; k++) {
        double a1 = (double)(t[k + 1] - po->posted_at) / 3600.0;
        struct ent en = { .k = k, .j = j };
        bool any = false;
        for (int w = 0; w < ATTRIB_NWIN; w++) {
            double v1 = grid_interp(Gc, fmin(a1, attrib_windows_h[w]));
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
        return;
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

void prob_build_entries(struct prob *pr, const int64_t *t, double L)
{
    int K = pr->K, G = pr->G;
    pr->lag = L;
    pr->n_ent = 0;
    memset(pr->X, 0, (size_t)K * (size_t)G * sizeof(double));
    memset(pr->known, 0, (size_t)K * sizeof(double));
    memset(pr->n_in_group, 0, (size_t)G * sizeof(int));
    for (int j0 = 0; j0 < pr->P; j0 += LAG_LANES) {
        int n = pr->P - j0 < LAG_LANES ? pr->P - j0 : LAG_LANES;
        lag_curves(pr->I + (size_t)j0 * (GRID_N + 1), n, L, pr->Gc);
        for (int l = 0; l < n; l++)
            post_entries(pr, t, j0 + l, pr->Gc + (size_t)l * (GRID_N + 1));
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

/* The problem's arrays, zeroed (sizes from pr->K, P, G). */
static void prob_alloc(struct prob *pr)
{
    int K = pr->K, P = pr->P, G = pr->G;
    pr->dt = xcalloc((size_t)K, sizeof(double));
    pr->delta = xcalloc((size_t)K, sizeof(double));
    pr->known = xcalloc((size_t)K, sizeof(double));
    pr->Bx = xcalloc((size_t)K * MAX_BASE, sizeof(double));
    pr->X = xcalloc((size_t)K * (size_t)G, sizeof(double));
    pr->sigma = xcalloc((size_t)K, sizeof(double));
    pr->I = xcalloc((size_t)P * (GRID_N + 1) + 1, sizeof(double));
    pr->Gc = xcalloc((size_t)LAG_LANES * (GRID_N + 1), sizeof(double));
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
}

/* The baseline design pr->Bx and pr->NB from the sample times. */
static void baseline_design(struct prob *pr, const int64_t *t)
{
    int K = pr->K;
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
}

/* Builds intervals, the baseline design and the exposure grids. */
int prob_build(struct prob *pr, const int64_t *t, const double *F, int ns,
               const struct attrib_post *posts, int P, int G, struct xerr *err)
{
    int K = ns - 1;
    pr->K = K;
    pr->P = P;
    pr->G = G;
    pr->posts = posts;
    prob_alloc(pr);
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
    baseline_design(pr, t);
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
void prob_set_lambda(struct prob *pr, double prior_posts)
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
double prob_stage_a_rss(struct prob *pr, const double *y, const double *base, const double *rho)
{
    prob_model_flow(pr, base, rho, NULL);
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
int prob_fit_variance(struct prob *pr, const double *y, const double *base, const double *rho)
{
    int K = pr->K;
    prob_model_flow(pr, base, rho, NULL);
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
    prob_model_flow(pr, base, rho, NULL);
    for (int k = 0; k < K; k++)
        pr->sigma[k] = sqrt(fmax(prob_base_var(pr, k, pr->mb[k]) + pr->vflow[k], 0.25));
    return 0;
}
