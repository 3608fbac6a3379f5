/*
 * stats/forecast_stack.c — the forecaster's stack weights, chosen by the
 * inner cross-validation's out-of-fold errors (see stats/forecast_impl.h;
 * docs/models.md §6).
 */
#include "stats/forecast_impl.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * The stack's candidates over the rows that score it (own_only: the own
 * posts), gathered once: the target, the Lomax ratio (the median rule where
 * there is none), the median rule, the chosen trees and each (size weight,
 * k)'s analogs.  finite: every value finite and far from overflow, so no
 * error is NaN and a count can answer for the median (cfg_below).
 */
struct stackcols {
    int n;
    double *G, *L, *S, *R, *A; /* [n], A [nz*nk*n] */
    double *P;                 /* [n] fl·L + fa·A of the weights being tried */
    bool finite;
};

static bool usable_all(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs(v[i]) < 1e300))
            return false;
    return true;
}

static int stackcols_make(const struct fc_model *m, int a, const int *rows, int n, bool own_only,
                          const struct fc_cvws *w, struct stackcols *c)
{
    size_t N = w->N, ncfg = (size_t)w->nk * (size_t)w->nz;
    memset(c, 0, sizeof *c);
    c->G = malloc(sizeof(double) * N * (5 + ncfg));
    if (!c->G)
        return -1;
    c->L = c->G + N, c->S = c->L + N, c->R = c->S + N, c->P = c->R + N, c->A = c->P + N;
    int ne = 0;
    for (int p = 0; p < n; p++) {
        if (own_only && rows[p] >= m->n_own)
            continue;
        size_t i = (size_t)a * m->n_ref + rows[p];
        c->G[ne] = m->g[i];
        c->L[ne] = isfinite(m->gl[i]) ? m->gl[i] : w->Sh[p];
        c->S[ne] = w->Sh[p];
        c->R[ne] = w->R[p];
        for (size_t k = 0; k < ncfg; k++)
            c->A[k * N + (size_t)ne] = w->A[k * N + (size_t)p];
        ne++;
    }
    c->n = ne;
    c->finite = usable_all(c->G, (size_t)ne) && usable_all(c->L, (size_t)ne) && usable_all(c->S, (size_t)ne) &&
                usable_all(c->R, (size_t)ne);
    for (size_t k = 0; k < ncfg && c->finite; k++)
        c->finite = usable_all(c->A + k * N, (size_t)ne);
    return 0;
}

#define CFG_BLOCK 64 /* rows between the counting checks (a multiple of 4) */

/* Two doubles at once (SSE2's width): the same IEEE operations as scalar code, so the same bits. */
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2l __attribute__((vector_size(16)));

static v2d ld2(const double *p)
{
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/*
 * The errors |G − (P + fr·R + fs·S)| (the stack's sum in its order: P holds
 * fl·L + fa·A) of rows j0..j1 into tmp; returns how many are below thr.
 */
static int cfg_block(const struct stackcols *c, int j0, int j1, double fr, double fs, double thr, double *tmp)
{
    int b = 0, j = j0;
    if (j1 - j0 >= 4) {
        const v2l nosign = { 0x7fffffffffffffffLL, 0x7fffffffffffffffLL };
        v2d vfr = { fr, fr }, vfs = { fs, fs }, vthr = { thr, thr };
        v2l cnt = { 0, 0 };
        for (; j + 4 <= j1; j += 4)
            for (int h = 0; h < 4; h += 2) {
                v2d e = ld2(c->G + j + h) - (ld2(c->P + j + h) + vfr * ld2(c->R + j + h) + vfs * ld2(c->S + j + h));
                e = (v2d)((v2l)e & nosign);
                memcpy(tmp + j + h, &e, sizeof e);
                cnt -= (v2l)(e < vthr);
            }
        b = (int)(cnt[0] + cnt[1]);
    }
    for (; j < j1; j++) {
        double v = fabs(c->G[j] - (c->P[j] + fr * c->R[j] + fs * c->S[j]));
        tmp[j] = v;
        b += v < thr;
    }
    return b;
}

/*
 * median_below of the stack's errors (cfg_block) into tmp.  With finite
 * columns no error is NaN, so the answer is "no" as soon as more than
 * n − (n + 1)/2 errors are not below thr: the rest are not computed.
 */
static bool cfg_below(const struct stackcols *c, double fr, double fs, double thr, double *tmp, double *med)
{
    int n = c->n, below = 0, most_above = n - (n + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += CFG_BLOCK) {
        int j1 = j0 + CFG_BLOCK < n ? j0 + CFG_BLOCK : n;
        below += cfg_block(c, j0, j1, fr, fs, thr, tmp);
        if (c->finite && j1 - below > most_above)
            return false;
    }
    return fc_median_below(tmp, n, thr, med);
}

/* The stack: size weight, k and the four weights of lowest out-of-fold
 * median |log error| (first on ties) into an; the chosen configuration's
 * offset into w->A/Lo/Hi into *c0.  With no analog weight the error does not
 * depend on the size weight or k (0·A is a zero that changes no sum when A
 * is finite), so those are scored once, at the first (size weight, k): a
 * repeat could never beat the best, which is at most its error. */
int fc_choose_stack(struct fc_model *m, int a, const int *rows, int n, bool own_only, struct fc_cvws *w,
                        size_t *c0)
{
    struct fc_anchor *an = &m->a[a];
    size_t N = w->N;
    int nk = w->nk, nz = w->nz;
    double best = INFINITY;
    int bz = 0, bk = 0, bl = 0, ba = 0, br = 0;
    struct stackcols c;
    if (stackcols_make(m, a, rows, n, own_only, w, &c))
        return -1;
    for (int zz = 0; zz < nz; zz++)
        for (int kk = 0; kk < nk; kk++) {
            const double *Ak = &c.A[((size_t)zz * nk + kk) * N];
            for (int wl = 0; wl <= FC_WSTEP; wl++)
                for (int wa = 0; wa <= FC_WSTEP - wl; wa++) {
                    if (a == 0 && wa > 0)
                        continue; /* no shape: the learners are the median rule */
                    if (wa == 0 && (zz > 0 || kk > 0) && c.finite)
                        continue;
                    double fl = wl / (double)FC_WSTEP, fa = wa / (double)FC_WSTEP;
                    for (int j = 0; j < c.n; j++)
                        c.P[j] = fl * c.L[j] + fa * Ak[j];
                    for (int wr = 0; wr <= FC_WSTEP - wl - wa; wr++) {
                        if (a == 0 && wr > 0)
                            continue;
                        double fr = wr / (double)FC_WSTEP;
                        double fs = 1.0 - fl - fa - fr;
                        double e;
                        if (cfg_below(&c, fr, fs, best - 1e-12, w->tmp, &e)) {
                            best = e;
                            bz = zz, bk = kk, bl = wl, ba = wa, br = wr;
                        }
                    }
                }
        }
    free(c.G);
    an->k = a > 0 ? fc_k_grid[bk] : 0;
    an->w_size = a > 0 ? fc_size_grid[bz] : 0;
    an->w_lomax = bl / (double)FC_WSTEP;
    an->w_analog = ba / (double)FC_WSTEP;
    an->w_qr = br / (double)FC_WSTEP;
    an->w_sh = (FC_WSTEP - bl - ba - br) / (double)FC_WSTEP;
    an->cv_err = best;
    an->s_floor = FC_S_FLOOR;
    *c0 = ((size_t)bz * nk + bk) * N;
    return 0;
}

