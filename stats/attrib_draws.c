/*
 * stats/attrib_draws.c — posterior draws of the latent split and the
 * confidence, intervals and imputations summarised from them.  See
 * stats/attrib_draws.h; docs/attribution.md for the model.
 */
#include "stats/attrib_draws.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "common/sbuf.h"

/*
 * Multinomial split of N follows among n posts with weights pm (sum MP).
 * An hour usually holds a few follows and many live posts: then N
 * categorical draws (inverse CDF, in place of n binomials) are cheaper.
 * Each draw takes the first post whose running sum of pm exceeds u; the
 * running sums are made once (in the same order, so the same numbers) and
 * searched by bisection: they never decrease, as no weight is negative.
 */
static void split_count(gsl_rng *rng, size_t n, unsigned N, double MP, const double *pm, double *cum, unsigned *cnt)
{
    if (N >= n) {
        gsl_ran_multinomial(rng, n, N, pm, cnt);
        return;
    }
    memset(cnt, 0, n * sizeof *cnt);
    double acc = 0.0;
    for (size_t c = 0; c + 1 < n; c++)
        cum[c] = acc += pm[c];
    for (unsigned i = 0; i < N; i++) {
        double u = gsl_rng_uniform(rng) * MP;
        /* the first c < n - 1 with cum[c] > u, else n - 1; without branches to mispredict */
        const double *b = cum;
        size_t len = n - 1, c = 0;
        if (len > 0) {
            while (len > 1) {
                size_t half = len / 2;
                b += b[half - 1] <= u ? half : 0;
                len -= half;
            }
            c = (size_t)(b - cum) + (b[0] <= u);
        }
        while (!(pm[c] > 0.0) && c > 0)
            c--; /* never onto a post of zero weight */
        cnt[c]++;
    }
}

/* Scratch of the bootstrap draws. */
struct bootws {
    double *ystar, *rstar, *brho, *bu, *pm, *cum;
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
    double mb = prob_base_mean(pr, k, b->bbase), vb = prob_base_var(pr, k, mb);
    double r = pr->delta[k] - pr->known[k] - mb - MP;
    double T = MP + r * MP / (MP + vb) + gsl_ran_gaussian(rng, sqrt(MP * vb / (MP + vb)));
    if (!(T > 0.0))
        return;
    double fl = floor(T);
    unsigned N = (unsigned)fl + (gsl_rng_uniform(rng) < T - fl ? 1u : 0u);
    split_count(rng, (size_t)n, N, MP, b->pm, b->cum, b->cnt);
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
    if (prob_stage_a(pr, b->ystar, b->bbase, b->brho, &br0))
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
int attrib_bootstrap(struct fitstate *s, struct xerr *err)
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
                        .pm = xcalloc(maxlive, sizeof(double)),
                        .cum = xcalloc(maxlive, sizeof(double)), .cnt = xcalloc(maxlive, sizeof(unsigned)) };
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
    free(b.cum);
    free(b.cnt);
    free(draws);
    gsl_rng_free(rng);
    return 0;
}

/* The calibrated confidence of every post (1 for X's own counts, 0 without support). */
void attrib_finish_confidence(struct fitstate *s)
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
