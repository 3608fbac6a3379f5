/*
 * stats/attrib_sim.c — simulated accounts for the attribution model (see
 * stats/attrib_sim.h).
 */
#include "stats/attrib_sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "common/sbuf.h"
#include "stats/arms.h"

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

void attrib_sim_params_realistic(struct attrib_sim_params *p)
{
    attrib_sim_params_default(p);
    p->rho[0] = 0.0006;
    p->rho[1] = 0.0018;
    p->rho[2] = 0.0048;
    p->post_mult_sd = 0.8;
    p->impr_logsd = 1.1;
    p->lag_mean_h = 3.0;
    p->lag_shape = 1.5;
    p->daily_amp = 0.6;
    p->peak_hour = 15.0;
    p->weekly_amp = 0.2;
    p->trend = 0.3;
    p->organic_in_per_h = 1.2;
    p->organic_out_per_h = 0.4;
    p->churn_per_h = 0.00008;
    p->sample_jitter_s = 300.0;
    p->sample_offset_h = 2.0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Adds v to the sample bin that first sees an event at epoch te (the first
 * sample at or after it); events after the last sample are not seen. */
static void add_event(double *bin, int ns, const int64_t *t, int64_t te, double v)
{
    int lo = 1, hi = ns;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (t[mid] < te)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ns)
        bin[lo] += v;
}

/* Organic rate multiplier at time ts (seconds from T0): daily, weekly cycle, trend. */
static double organic_shape(const struct attrib_sim_params *p, int64_t t0, double ts, double span_s)
{
    double hour = fmod((double)(t0 % 86400) + ts, 86400.0) / 3600.0;
    double m = (1.0 + p->daily_amp * cos(2.0 * M_PI * (hour - p->peak_hour) / 24.0)) *
               (1.0 + p->weekly_amp * cos(2.0 * M_PI * ts / (168.0 * 3600.0)));
    return m * (1.0 + p->trend * ts / span_s);
}

/* Organic events of mean rate per_h by thinning (rate x organic_shape <= bound). */
static unsigned organic_events(gsl_rng *r, const struct attrib_sim_params *p, int64_t t0, double per_h, double span_s,
                               double *bin, int ns, const int64_t *t, double v)
{
    double bound = (1.0 + fabs(p->daily_amp)) * (1.0 + fabs(p->weekly_amp)) * (1.0 + fabs(p->trend));
    unsigned n = gsl_ran_poisson(r, per_h * bound * span_s / 3600.0), kept = 0;
    for (unsigned i = 0; i < n; i++) {
        double ts = gsl_rng_uniform(r) * span_s;
        if (gsl_rng_uniform(r) * bound > organic_shape(p, t0, ts, span_s))
            continue;
        add_event(bin, ns, t, t0 + (int64_t)ts, v);
        kept++;
    }
    return kept;
}
/* Expected share of a post's follows that arrive within W hours, knowing its
 * true curve (c, theta, reached frac by 168 h) and the lag distribution. */
static double lagged_share(const struct attrib_sim_params *p, double c, double th, double W)
{
    const double h = 0.05;
    double tot = 0.0, in = 0.0, prev = 0.0;
    for (double a = h; a <= ATTRIB_HORIZON_H + 1e-9; a += h) {
        double cur = -expm1(-th * log1p(a / c));
        double dI = cur - prev, mid = a - 0.5 * h;
        prev = cur;
        tot += dI;
        if (mid > W)
            continue;
        in += dI * (p->lag_mean_h > 0.0 ? gsl_cdf_gamma_P(W - mid, p->lag_shape, p->lag_mean_h / p->lag_shape) : 1.0);
    }
    return tot > 0.0 ? in / tot : 0.0;
}

/* Post j, posted offset seconds after t0: its type, curve, true follows
 * (added to bin by sample interval), truth, oracle and the noisy curve
 * the model is given. */
static void sim_post(const struct attrib_sim_params *p, gsl_rng *r, struct attrib_sim *s, int j, int64_t t0,
                     int64_t offset, int G, double *bin, int ns)
{
    struct attrib_post *po = &s->posts[j];
    po->posted_at = t0 + offset;
    po->group = (int)gsl_rng_uniform_int(r, (unsigned long)G);
    po->known_follows = NAN;
    double c = 0.5 + 1.5 * gsl_rng_uniform(r);
    double th = 0.5 + gsl_rng_uniform(r);
    double imp = exp(p->impr_logmean + gsl_ran_gaussian(r, p->impr_logsd));
    double frac = -expm1(-th * log1p(ATTRIB_HORIZON_H / c)); /* share reached by 168 h */
    double A = imp / frac;
    double mult = exp(gsl_ran_gaussian(r, p->post_mult_sd) - 0.5 * p->post_mult_sd * p->post_mult_sd);
    double rate = p->rho[po->group];
    unsigned nf = gsl_ran_poisson(r, rate * mult * imp);
    for (unsigned f = 0; f < nf; f++) {
        /* the impression: inverse CDF of the exposure curve truncated at 168 h;
         * the follow: that plus the lag */
        double u = gsl_rng_uniform(r) * frac;
        double d = c * (exp(-log1p(-u) / th) - 1.0);
        if (p->lag_mean_h > 0.0)
            d += gsl_ran_gamma(r, p->lag_shape, p->lag_mean_h / p->lag_shape);
        for (int w = 0; w < ATTRIB_NWIN; w++)
            if (d <= attrib_windows_h[w])
                s->truth[j * ATTRIB_NWIN + w] += 1.0;
        add_event(bin, ns, s->t, po->posted_at + (int64_t)llround(d * 3600.0), 1.0);
    }
    for (int w = 0; w < ATTRIB_NWIN; w++) {
        double W = attrib_windows_h[w];
        s->impr[j * ATTRIB_NWIN + w] = A * -expm1(-th * log1p(W / c));
        s->oracle[j * ATTRIB_NWIN + w] = rate * imp * lagged_share(p, c, th, W);
    }
    po->exposure.kind = ATTRIB_CURVE_LOMAX;
    po->exposure.A = A * exp(gsl_ran_gaussian(r, p->curve_noise));
    po->exposure.c_h = c * exp(gsl_ran_gaussian(r, p->curve_noise));
    po->exposure.theta = th * exp(gsl_ran_gaussian(r, p->curve_noise * 0.5));
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
    /* posting starts at a midnight UTC; samples from sample_offset_h on */
    int64_t t0 = SIM_T0 - SIM_T0 % 86400;
    s->n_samples = ns;
    s->t = xcalloc((size_t)ns, sizeof(int64_t));
    s->F = xcalloc((size_t)ns, sizeof(double));
    double *bin = xcalloc((size_t)ns, sizeof(double));
    for (int i = 0; i < ns; i++) {
        double jit = p->sample_jitter_s > 0.0 ? (2.0 * gsl_rng_uniform(r) - 1.0) * p->sample_jitter_s : 0.0;
        s->t[i] = t0 + (int64_t)llround(p->sample_offset_h * 3600.0 + i * step_s + (i ? jit : 0.0));
    }

    int np = (int)gsl_ran_poisson(r, p->posts_per_day * p->days);
    s->n_posts = np;
    s->posts = xcalloc((size_t)np + 1, sizeof *s->posts);
    s->truth = xcalloc((size_t)np * ATTRIB_NWIN + 1, sizeof(double));
    s->oracle = xcalloc((size_t)np * ATTRIB_NWIN + 1, sizeof(double));
    s->impr = xcalloc((size_t)np * ATTRIB_NWIN + 1, sizeof(double));
    int64_t *times = xcalloc((size_t)np + 1, sizeof(int64_t));
    for (int j = 0; j < np; j++)
        times[j] = (int64_t)llround((p->sample_offset_h + gsl_rng_uniform(r) * p->days * 24.0) * 3600.0);
    qsort(times, (size_t)np, sizeof *times, cmp_i64);
    int G = p->n_groups < 1 ? 1 : (p->n_groups > ATTRIB_SIM_MAXG ? ATTRIB_SIM_MAXG : p->n_groups);
    for (int j = 0; j < np; j++)
        sim_post(p, r, s, j, t0, times[j], G, bin, ns);
    free(times);
    double span_s = (double)(s->t[ns - 1] - t0);
    double nin = organic_events(r, p, t0, p->organic_in_per_h, span_s, bin, ns, s->t, 1.0);
    double nout = organic_events(r, p, t0, p->organic_out_per_h, span_s, bin, ns, s->t, -1.0);
    double f = 5000.0;
    for (int i = 0; i < ns; i++) {
        f += bin[i];
        if (i > 0 && p->churn_per_h > 0.0) {
            /* churn: unfollows in proportion to the followers there are */
            double dt_h = (double)(s->t[i] - s->t[i - 1]) / 3600.0;
            double out = (double)gsl_ran_poisson(r, p->churn_per_h * f * dt_h);
            f -= out;
            nout += out;
        }
        s->F[i] = f;
    }
    s->organic_net = nin - nout;
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
    free(s->oracle);
    free(s->impr);
    memset(s, 0, sizeof *s);
}

double attrib_sim_ece(const double *bin_n, const double *bin_conf, const double *bin_hit)
{
    double n = 0.0, e = 0.0;
    for (int i = 0; i < 10; i++) {
        n += bin_n[i];
        e += fabs(bin_conf[i] - bin_hit[i]);
    }
    return n > 0.0 ? e / n : 0.0;
}

void attrib_sim_score(const struct attrib_sim *s, const struct attrib_result *r,
                      struct attrib_sim_score *o)
{
    attrib_sim_score_window(s, r, ATTRIB_NWIN - 1, o);
}

void attrib_sim_score_window(const struct attrib_sim *s, const struct attrib_result *r, int W,
                             struct attrib_sim_score *o)
{
    int n = s->n_posts;
    memset(o, 0, sizeof *o);
    o->window = W;
    if (n < 3)
        return;
    double *a = xcalloc((size_t)n, sizeof(double)), *b = xcalloc((size_t)n, sizeof(double));
    double *conf = xcalloc((size_t)n, sizeof(double)), *rel = xcalloc((size_t)n, sizeof(double));
    double *work = xcalloc(2 * (size_t)n, sizeof(double)), *x = xcalloc((size_t)n, sizeof(double));
    double sa = 0.0, sb = 0.0, cov = 0.0;
    double *bin_n = o->bin_n, *bin_c = o->bin_conf, *bin_h = o->bin_hit;
    for (int j = 0; j < n; j++) {
        a[j] = r->posts[j].credit[W];
        b[j] = s->truth[j * ATTRIB_NWIN + W];
        sa += a[j];
        sb += b[j];
        double e = fabs(a[j] - b[j]);
        o->mae += e / n;
        rel[j] = e / fmax(b[j], 1.0);
        conf[j] = r->posts[j].conf[W];
        cov += (b[j] >= r->posts[j].lo - 1e-9 && b[j] <= r->posts[j].hi + 1e-9) ? 1.0 : 0.0;
        double hit = e <= attrib_event_tol(a[j]) ? 1.0 : 0.0;
        int bi = (int)floor(conf[j] * 10.0);
        bi = bi < 0 ? 0 : (bi > 9 ? 9 : bi);
        bin_n[bi] += 1.0;
        bin_c[bi] += conf[j];
        bin_h[bi] += hit;
        o->conf_mean += conf[j] / n;
        o->hit_rate += hit / n;
    }
    o->ece = attrib_sim_ece(bin_n, bin_c, bin_h);
    o->spearman = gsl_stats_spearman(a, 1, b, 1, (size_t)n, work);
    for (int j = 0; j < n; j++)
        x[j] = s->oracle[j * ATTRIB_NWIN + W];
    o->oracle_spearman = gsl_stats_spearman(x, 1, b, 1, (size_t)n, work);
    for (int j = 0; j < n; j++)
        x[j] = s->impr[j * ATTRIB_NWIN + W];
    o->impr_spearman = gsl_stats_spearman(x, 1, b, 1, (size_t)n, work);
    o->total_rel_err = sb > 0.0 ? fabs(sa - sb) / sb : 0.0;
    o->total_ratio = sb > 0.0 ? sa / sb : NAN;
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
    free(x);
    free(conf);
    free(rel);
    free(work);
}

int attrib_sim_top_group(const struct attrib_sim *s, const struct attrib_result *r, int n_groups, uint64_t seed)
{
    if (n_groups < 1 || n_groups > ATTRIB_SIM_MAXG)
        return -1;
    struct arms_obs *obs = xcalloc((size_t)s->n_posts + 1, sizeof *obs);
    for (int j = 0; j < s->n_posts; j++)
        obs[j] = (struct arms_obs){ .arm = (size_t)s->posts[j].group, .w = 1.0, .imp = r->posts[j].q168 };
    struct arms_params ap;
    struct arms_prior pr;
    struct arms_post post[ATTRIB_SIM_MAXG];
    arms_params_default(&ap);
    ap.n_imp = ATTRIB_NQ;
    ap.seed = seed;
    int top = -1;
    if (arms_fit(obs, (size_t)s->n_posts, (size_t)n_groups, &ap, &pr, post) == 0) {
        top = 0;
        for (int g = 1; g < n_groups; g++)
            if (post[g].p_best > post[top].p_best)
                top = g;
    }
    free(obs);
    return top;
}
