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

int main(void)
{
    gsl_set_error_handler_off();
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
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak rss %ld KiB\n", ru.ru_maxrss);
    return 0;
}
