/*
 * stats/attrib_sim.c — simulated accounts for the attribution model (see
 * stats/attrib_sim.h).
 */
#include "stats/attrib_sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "common/sbuf.h"

#define SIM_T0 INT64_C(1780000000)

void attrib_sim_params_default(struct attrib_sim_params *p)
{
    memset(p, 0, sizeof *p);
    p->days = 21;
    p->posts_per_day = 3.0;
    p->sample_every_h = 1.0;
    p->n_groups = 3;
    p->rho[0] = 0.001;
    p->rho[1] = 0.0025;
    p->rho[2] = 0.005;
    p->post_mult_sd = 0.5;
    p->impr_logmean = log(4000.0);
    p->impr_logsd = 0.9;
    p->organic_in_per_h = 1.0;
    p->organic_out_per_h = 0.7;
    p->curve_noise = 0.15;
    p->seed = 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Adds +-1 to the sample bin that first sees an event at time te (seconds from T0). */
static void add_event(double *bin, int ns, double step_s, double te, double v)
{
    int i = (int)ceil(te / step_s);
    if (i < 1)
        i = 1;
    if (i < ns)
        bin[i] += v;
}

int attrib_sim_make(const struct attrib_sim_params *p, struct attrib_sim *s)
{
    memset(s, 0, sizeof *s);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return -1;
    gsl_rng_set(r, (unsigned long)p->seed);
    double span_h = p->days * 24.0 + ATTRIB_HORIZON_H;
    double step_s = p->sample_every_h * 3600.0;
    int ns = (int)floor(span_h / p->sample_every_h) + 1;
    s->n_samples = ns;
    s->t = xcalloc((size_t)ns, sizeof(int64_t));
    s->F = xcalloc((size_t)ns, sizeof(double));
    double *bin = xcalloc((size_t)ns, sizeof(double));
    for (int i = 0; i < ns; i++)
        s->t[i] = SIM_T0 + (int64_t)llround(i * step_s);

    int np = (int)gsl_ran_poisson(r, p->posts_per_day * p->days);
    s->n_posts = np;
    s->posts = xcalloc((size_t)np + 1, sizeof *s->posts);
    s->truth = xcalloc((size_t)np * ATTRIB_NWIN + 1, sizeof(double));
    int64_t *times = xcalloc((size_t)np + 1, sizeof(int64_t));
    for (int j = 0; j < np; j++)
        times[j] = (int64_t)llround(gsl_rng_uniform(r) * p->days * 86400.0);
    qsort(times, (size_t)np, sizeof *times, cmp_i64);
    int G = p->n_groups < 1 ? 1 : (p->n_groups > ATTRIB_SIM_MAXG ? ATTRIB_SIM_MAXG : p->n_groups);
    for (int j = 0; j < np; j++) {
        struct attrib_post *po = &s->posts[j];
        po->posted_at = SIM_T0 + times[j];
        po->group = (int)gsl_rng_uniform_int(r, (unsigned long)G);
        po->known_follows = NAN;
        double c = 0.5 + 1.5 * gsl_rng_uniform(r);
        double th = 0.5 + gsl_rng_uniform(r);
        double imp = exp(p->impr_logmean + gsl_ran_gaussian(r, p->impr_logsd));
        double frac = -expm1(-th * log1p(ATTRIB_HORIZON_H / c)); /* share reached by 168 h */
        double A = imp / frac;
        double mult = exp(gsl_ran_gaussian(r, p->post_mult_sd) - 0.5 * p->post_mult_sd * p->post_mult_sd);
        unsigned nf = gsl_ran_poisson(r, p->rho[po->group] * mult * imp);
        for (unsigned f = 0; f < nf; f++) {
            /* delay by inverse CDF of the exposure curve truncated at 168 h */
            double u = gsl_rng_uniform(r) * frac;
            double d = c * (exp(-log1p(-u) / th) - 1.0);
            for (int w = 0; w < ATTRIB_NWIN; w++)
                if (d <= attrib_windows_h[w])
                    s->truth[j * ATTRIB_NWIN + w] += 1.0;
            add_event(bin, ns, step_s, (double)times[j] + d * 3600.0, 1.0);
        }
        po->exposure.kind = ATTRIB_CURVE_LOMAX;
        po->exposure.A = A * exp(gsl_ran_gaussian(r, p->curve_noise));
        po->exposure.c_h = c * exp(gsl_ran_gaussian(r, p->curve_noise));
        po->exposure.theta = th * exp(gsl_ran_gaussian(r, p->curve_noise * 0.5));
    }
    free(times);
    double span_s = (ns - 1) * step_s;
    unsigned nin = gsl_ran_poisson(r, p->organic_in_per_h * span_s / 3600.0);
    unsigned nout = gsl_ran_poisson(r, p->organic_out_per_h * span_s / 3600.0);
    for (unsigned i = 0; i < nin; i++)
        add_event(bin, ns, step_s, gsl_rng_uniform(r) * span_s, 1.0);
    for (unsigned i = 0; i < nout; i++)
        add_event(bin, ns, step_s, gsl_rng_uniform(r) * span_s, -1.0);
    s->organic_net = (double)nin - (double)nout;
    double f = 5000.0;
    for (int i = 0; i < ns; i++) {
        f += bin[i];
        s->F[i] = f;
    }
    free(bin);
    gsl_rng_free(r);
    return 0;
}

void attrib_sim_release(struct attrib_sim *s)
{
    free(s->t);
    free(s->F);
    free(s->posts);
    free(s->truth);
    memset(s, 0, sizeof *s);
}

void attrib_sim_score(const struct attrib_sim *s, const struct attrib_result *r,
                      struct attrib_sim_score *o)
{
    int n = s->n_posts, W = ATTRIB_NWIN - 1;
    memset(o, 0, sizeof *o);
    if (n < 3)
        return;
    double *a = xcalloc((size_t)n, sizeof(double)), *b = xcalloc((size_t)n, sizeof(double));
    double *conf = xcalloc((size_t)n, sizeof(double)), *rel = xcalloc((size_t)n, sizeof(double));
    double *work = xcalloc(2 * (size_t)n, sizeof(double));
    double sa = 0.0, sb = 0.0, cov = 0.0;
    for (int j = 0; j < n; j++) {
        a[j] = r->posts[j].credit[W];
        b[j] = s->truth[j * ATTRIB_NWIN + W];
        sa += a[j];
        sb += b[j];
        double e = fabs(a[j] - b[j]);
        o->mae += e / n;
        rel[j] = e / fmax(b[j], 1.0);
        conf[j] = r->posts[j].confidence;
        cov += (b[j] >= r->posts[j].lo - 1e-9 && b[j] <= r->posts[j].hi + 1e-9) ? 1.0 : 0.0;
    }
    o->spearman = gsl_stats_spearman(a, 1, b, 1, (size_t)n, work);
    o->total_rel_err = sb > 0.0 ? fabs(sa - sb) / sb : 0.0;
    o->coverage = cov / n;
    o->conf_err_spearman = gsl_stats_spearman(conf, 1, rel, 1, (size_t)n, work);
    /* terciles by confidence */
    size_t *idx = xcalloc((size_t)n, sizeof(size_t));
    gsl_sort_index(idx, conf, 1, (size_t)n);
    int third = n / 3;
    for (int i = 0; i < third; i++) {
        o->err_lo_conf += rel[idx[i]] / third;
        o->err_hi_conf += rel[idx[n - 1 - i]] / third;
    }
    o->sum_check = r->posts_total + r->known_total + r->baseline_total - r->observed_total;
    free(idx);
    free(a);
    free(b);
    free(conf);
    free(rel);
    free(work);
}
