/*
 * bench/bench_attrib.c — stats/attrib speed and what it recovers.
 *
 * Speed: attributions/s (posts x windows) and account fits/s, 200 bootstrap
 * refits each, at realistic scale (one account, 21 days of 3 posts/day,
 * hourly samples) and agency scale (one account of 30 days x 20 posts/day,
 * hourly, and 50 realistic accounts in a row), plus peak memory.
 * Recovery: on simulated accounts (stats/attrib_sim.h defaults) sampled every
 * 1 h, 6 h and 24 h, over 10 seeds each: rank correlation of the 168 h
 * credits with the true follows, total error over posts, interval coverage,
 * and whether confidence tracks error.  docs/attribution.md quotes this.
 */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "stats/attrib.h"
#include "stats/attrib_sim.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fit_one(const struct attrib_sim *s, int groups, uint64_t seed, struct attrib_result *r)
{
    struct attrib_params p;
    struct xerr err = { 0 };
    attrib_params_default(&p);
    p.seed = seed;
    if (attrib_fit(s->t, s->F, s->n_samples, s->posts, s->n_posts, groups, &p, r, &err)) {
        fprintf(stderr, "bench_attrib: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int speed(const char *label, int days, double ppd, int accounts)
{
    long posts = 0;
    double t = 0.0;
    for (int a = 0; a < accounts; a++) {
        struct attrib_sim_params sp;
        struct attrib_sim s;
        struct attrib_result r;
        attrib_sim_params_default(&sp);
        sp.days = days;
        sp.posts_per_day = ppd;
        sp.seed = 1000 + (uint64_t)a;
        if (attrib_sim_make(&sp, &s))
            return -1;
        double t0 = now_s();
        if (fit_one(&s, sp.n_groups, 5, &r))
            return -1;
        t += now_s() - t0;
        posts += s.n_posts;
        attrib_result_release(&r);
        attrib_sim_release(&s);
    }
    printf("  %-34s accounts=%-3d posts=%-5ld %.3f s  %.0f attributions/s  %.1f account fits/s\n", label,
           accounts, posts, t, posts * ATTRIB_NWIN / t, accounts / t);
    return 0;
}

/*
 * The realistic world (attrib_sim_params_realistic): per sampling interval,
 * over reps accounts (seeds 500..), the 24 h credits' mean rank correlation
 * with the truth beside the oracle's and impressions', the 24 h and 168 h
 * credit totals over all posts / the true totals, the 168 h interval's
 * coverage, and the confidence's expected calibration error per window
 * (10 bins, pooled over the accounts), calibrated and raw; the mean lag.
 */
static int realistic(int reps)
{
    printf("realistic world over %d simulated accounts each (lags, overdispersion, daily cycle, churn):\n", reps);
    printf("  %-6s %-9s %-9s %-9s %-9s %-9s %-9s %-7s %-7s %-7s\n", "every", "sp24", "min", "oracle24",
           "impr24", "total24", "total168", "cov168", "ece1", "ece24");
    printf("  %-6s %-7s %-7s %-7s %-7s %-7s\n", "", "ece168", "raw1", "raw24", "raw168", "lag");
    const double every[] = { 1, 6, 24 };
    for (int e = 0; e < 3; e++) {
        double sp = 0, spmin = 1, orc = 0, imp = 0, t24 = 0, t168 = 0, cov = 0, ece[ATTRIB_NWIN] = { 0 };
        double raw[ATTRIB_NWIN] = { 0 }, lag = 0, cr[2] = { 0 }, tr[2] = { 0 };
        double bn[2][ATTRIB_NWIN][10] = { { { 0 } } }, bc[2][ATTRIB_NWIN][10] = { { { 0 } } },
               bh[2][ATTRIB_NWIN][10] = { { { 0 } } };
        for (int rep = 0; rep < reps; rep++) {
            struct attrib_sim_params p;
            struct attrib_sim s;
            struct attrib_result r;
            struct attrib_sim_score sc[ATTRIB_NWIN];
            attrib_sim_params_realistic(&p);
            p.sample_every_h = every[e];
            p.seed = 500 + (uint64_t)rep;
            if (attrib_sim_make(&p, &s) || fit_one(&s, p.n_groups, 11 + (uint64_t)rep, &r))
                return 1;
            for (int w = 0; w < ATTRIB_NWIN; w++) {
                attrib_sim_score_window(&s, &r, w, &sc[w]);
                for (int i = 0; i < 10; i++) {
                    bn[0][w][i] += sc[w].bin_n[i];
                    bc[0][w][i] += sc[w].bin_conf[i];
                    bh[0][w][i] += sc[w].bin_hit[i];
                }
            }
            /* the same with the uncalibrated probabilities */
            for (int j = 0; j < s.n_posts; j++)
                for (int w = 0; w < ATTRIB_NWIN; w++)
                    r.posts[j].conf[w] = r.posts[j].conf_raw[w];
            for (int w = 0; w < ATTRIB_NWIN; w++) {
                struct attrib_sim_score sr;
                attrib_sim_score_window(&s, &r, w, &sr);
                for (int i = 0; i < 10; i++) {
                    bn[1][w][i] += sr.bin_n[i];
                    bc[1][w][i] += sr.bin_conf[i];
                    bh[1][w][i] += sr.bin_hit[i];
                }
            }
            lag += r.lag_h / reps;
            if (getenv("BENCH_VERBOSE"))
                fprintf(stderr, "every %g seed %d: sp24 %.3f lag %.1f phi %.3f total24 %.3f\n", every[e], rep,
                        sc[1].spearman, r.lag_h, r.dispersion, sc[1].total_ratio);
            for (int j = 0; j < s.n_posts; j++)
                for (int w = 1; w < ATTRIB_NWIN; w++) {
                    cr[w - 1] += r.posts[j].credit[w];
                    tr[w - 1] += s.truth[j * ATTRIB_NWIN + w];
                }
            sp += sc[1].spearman / reps;
            spmin = fmin(spmin, sc[1].spearman);
            orc += sc[1].oracle_spearman / reps;
            imp += sc[1].impr_spearman / reps;

            cov += sc[2].coverage / reps;
            attrib_result_release(&r);
            attrib_sim_release(&s);
        }
        t24 = cr[0] / tr[0];
        t168 = cr[1] / tr[1];
        for (int w = 0; w < ATTRIB_NWIN; w++) {
            ece[w] = attrib_sim_ece(bn[0][w], bc[0][w], bh[0][w]);
            raw[w] = attrib_sim_ece(bn[1][w], bc[1][w], bh[1][w]);
        }
        printf("  %-6.0f %-9.3f %-9.3f %-9.3f %-9.3f %-9.3f %-9.3f %-7.2f %-7.3f %-7.3f\n", every[e], sp, spmin,
               orc, imp, t24, t168, cov, ece[0], ece[1]);
        printf("  %-6s %-7.3f %-7.3f %-7.3f %-7.3f %-7.2f\n", "", ece[2], raw[0], raw[1], raw[2], lag);
    }
    return 0;
}

/*
 * Learning on the credits (docs/learning.md): realistic accounts at daily
 * samples, the three content types' posteriors from each post's 168 h
 * imputations (stats/arms, as learn does); how often the truly best type
 * (8x the worst's rate) has the top score, and the truly worst.
 */
static int learning_on_credits(int reps)
{
    int best_tops = 0, worst_tops = 0;
    for (int rep = 0; rep < reps; rep++) {
        struct attrib_sim_params sp;
        struct attrib_sim s;
        struct attrib_result r;
        attrib_sim_params_realistic(&sp);
        sp.sample_every_h = 24.0;
        sp.seed = 500 + (uint64_t)rep;
        if (attrib_sim_make(&sp, &s) || fit_one(&s, sp.n_groups, 11 + (uint64_t)rep, &r))
            return 1;
        int top = attrib_sim_top_group(&s, &r, sp.n_groups, (uint64_t)rep);
        if (top < 0)
            return 1;
        best_tops += top == 2;
        worst_tops += top == 0;
        attrib_result_release(&r);
        attrib_sim_release(&s);
    }
    printf("learning on daily-sampled credits, %d realistic accounts: the best type tops in %d, the worst in %d\n",
           reps, best_tops, worst_tops);
    return 0;
}

struct pair {
    double x, y, w;
};

static int pair_cmp(const void *a, const void *b)
{
    double x = ((const struct pair *)a)->x, y = ((const struct pair *)b)->x;
    return (x > y) - (x < y);
}

/* Isotonic regression (pool adjacent violators) of y on x, printed as at most 12 knots. */
static void print_isomap(struct pair *v, size_t n)
{
    qsort(v, n, sizeof *v, pair_cmp);
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        v[nb] = v[i];
        v[nb].x *= v[nb].w;
        v[nb].y *= v[nb].w;
        nb++;
        while (nb > 1 && v[nb - 2].y / v[nb - 2].w >= v[nb - 1].y / v[nb - 1].w) {
            v[nb - 2].x += v[nb - 1].x;
            v[nb - 2].y += v[nb - 1].y;
            v[nb - 2].w += v[nb - 1].w;
            nb--;
        }
    }
    /* merge blocks into at most 12 of about equal weight (stays monotone) */
    double tot = 0.0;
    for (size_t i = 0; i < nb; i++)
        tot += v[i].w;
    struct pair k[12];
    int nk = 0;
    double acc = 0.0;
    struct pair cur = { 0, 0, 0 };
    for (size_t i = 0; i < nb; i++) {
        cur.x += v[i].x;
        cur.y += v[i].y;
        cur.w += v[i].w;
        acc += v[i].w;
        if (acc >= tot * (nk + 1) / 12.0 - 1e-9 || i == nb - 1) {
            if (nk < 12)
                k[nk++] = cur;
            cur = (struct pair){ 0, 0, 0 };
        }
    }
    printf("{ %d, {", nk);
    for (int i = 0; i < nk; i++)
        printf("%s%.4f", i ? ", " : " ", k[i].x / k[i].w);
    printf(" }, {");
    for (int i = 0; i < nk; i++)
        printf("%s%.4f", i ? ", " : " ", k[i].y / k[i].w);
    printf(" } }");
}

/* Coverage of the widened 5-95 % interval over the collected posts. */
static double widened_coverage(const double *q, size_t n, double sc)
{
    double hit = 0.0;
    for (size_t i = 0; i < n; i++) {
        double c = q[4 * i], lo = fmax(0.0, c + sc * (q[4 * i + 1] - c)), hi = c + sc * (q[4 * i + 2] - c);
        hit += q[4 * i + 3] >= lo - 1e-9 && q[4 * i + 3] <= hi + 1e-9;
    }
    return n ? hit / n : 0.0;
}

/*
 * Fits stats/attrib_calib.c's tables on realistic accounts with seeds
 * 9000+ (never used by the tests or the figures) and prints them as C.
 */
static int calibrate(int reps)
{
    const double every[] = { 1, 6, 24 };
    double scale[3];
    printf("static const struct isomap maps[N_REGIME][ATTRIB_NWIN] = {\n");
    for (int e = 0; e < 3; e++) {
        size_t n = 0, cap = 0, nq = 0;
        struct pair *v[ATTRIB_NWIN] = { NULL };
        double *q = NULL;
        for (int rep = 0; rep < reps; rep++) {
            struct attrib_sim_params sp;
            struct attrib_sim s;
            struct attrib_result r;
            struct attrib_params p;
            struct xerr err = { 0 };
            attrib_sim_params_realistic(&sp);
            sp.sample_every_h = every[e];
            sp.seed = 9000 + (uint64_t)rep;
            if (attrib_sim_make(&sp, &s))
                return 1;
            attrib_params_default(&p);
            p.seed = 77 + (uint64_t)rep;
            p.recalibrate = 0;
            if (attrib_fit(s.t, s.F, s.n_samples, s.posts, s.n_posts, sp.n_groups, &p, &r, &err))
                return 1;
            if (n + (size_t)s.n_posts > cap) {
                cap = 2 * (n + (size_t)s.n_posts);
                for (int w = 0; w < ATTRIB_NWIN; w++)
                    v[w] = realloc(v[w], cap * sizeof *v[w]);
                q = realloc(q, 4 * cap * sizeof *q);
            }
            for (int j = 0; j < s.n_posts; j++) {
                const struct attrib_post_result *pr = &r.posts[j];
                if (pr->known || !isfinite(pr->lo))
                    continue;
                for (int w = 0; w < ATTRIB_NWIN; w++) {
                    double tr = s.truth[j * ATTRIB_NWIN + w];
                    v[w][n] = (struct pair){ pr->conf_raw[w],
                                             fabs(tr - pr->credit[w]) <= attrib_event_tol(pr->credit[w]), 1.0 };
                }
                q[4 * nq] = pr->credit[ATTRIB_NWIN - 1];
                q[4 * nq + 1] = pr->lo;
                q[4 * nq + 2] = pr->hi;
                q[4 * nq + 3] = s.truth[j * ATTRIB_NWIN + ATTRIB_NWIN - 1];
                nq++;
                n++;
            }
            attrib_result_release(&r);
            attrib_sim_release(&s);
        }
        printf("    {\n");
        for (int w = 0; w < ATTRIB_NWIN; w++) {
            printf("        ");
            print_isomap(v[w], n);
            printf(",\n");
            free(v[w]);
        }
        printf("    },\n");
        double lo = 0.5, hi = 6.0;
        for (int it = 0; it < 40; it++) {
            double mid = 0.5 * (lo + hi);
            if (widened_coverage(q, nq, mid) < 0.90)
                lo = mid;
            else
                hi = mid;
        }
        scale[e] = hi;
        free(q);
    }
    printf("};\nstatic const double interval_scale[N_REGIME] = { %.3f, %.3f, %.3f };\n", scale[0], scale[1], scale[2]);
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc > 1 && !strcmp(argv[1], "--realistic"))
        return realistic(argc > 2 ? atoi(argv[2]) : 10);
    if (argc > 1 && !strcmp(argv[1], "--calibrate"))
        return calibrate(argc > 2 ? atoi(argv[2]) : 40);
    if (argc > 1 && !strcmp(argv[1], "--learning"))
        return learning_on_credits(argc > 2 ? atoi(argv[2]) : 30);
    printf("bench_attrib: stage A + B + 200 moving-block bootstrap refits per account\n");
    if (speed("realistic (21 d x 3 posts/d, 1 h)", 21, 3, 1) || speed("agency (30 d x 20 posts/d, 1 h)", 30, 20, 1) ||
        speed("agency (50 realistic accounts)", 21, 3, 50))
        return 1;

    printf("recovery over 10 simulated accounts each (21 d x 3 posts/d, 3 content types):\n");
    printf("  %-6s %-9s %-9s %-10s %-9s %-12s %-11s %-11s\n", "every", "spearman", "min", "total err",
           "coverage", "conf~err rho", "err hi-conf", "err lo-conf");
    const double every[] = { 1, 6, 24 };
    for (int e = 0; e < 3; e++) {
        double sp_sum = 0, sp_min = 1, tot = 0, cov = 0, ce = 0, hi = 0, lo = 0;
        const int reps = 10;
        for (int rep = 0; rep < reps; rep++) {
            struct attrib_sim_params sp;
            struct attrib_sim s;
            struct attrib_result r;
            struct attrib_sim_score sc;
            attrib_sim_params_default(&sp);
            sp.sample_every_h = every[e];
            sp.seed = 100 + (uint64_t)rep;
            if (attrib_sim_make(&sp, &s) || fit_one(&s, sp.n_groups, 7 + (uint64_t)rep, &r))
                return 1;
            attrib_sim_score(&s, &r, &sc);
            sp_sum += sc.spearman / reps;
            sp_min = fmin(sp_min, sc.spearman);
            tot += sc.total_rel_err / reps;
            cov += sc.coverage / reps;
            ce += sc.conf_err_spearman / reps;
            hi += sc.err_hi_conf / reps;
            lo += sc.err_lo_conf / reps;
            attrib_result_release(&r);
            attrib_sim_release(&s);
        }
        printf("  %-6.0f %-9.3f %-9.3f %-10.3f %-9.2f %-12.3f %-11.3f %-11.3f\n", every[e], sp_sum, sp_min, tot,
               cov, ce, hi, lo);
    }
    if (realistic(10) || learning_on_credits(30))
        return 1;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak rss %ld KiB\n", ru.ru_maxrss);
    return 0;
}
