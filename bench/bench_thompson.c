/*
 * bench/bench_thompson.c — probability-to-be-best throughput (arms x draws
 * per second) for Gamma posteriors, at the arm counts learn sees (a few
 * hooks up to dozens of content types), and peak memory.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "stats/arms.h"
#include "stats/thompson.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Calibration on two identical arms (negative-binomial follows, mean 10,
 * size 1.5, 5-20 posts each, 400 runs): how often P(best) leaves
 * [0.05, 0.95] under the Gamma-Poisson of before and under stats/arms
 * (learn's model today; 20 Poisson imputations per post).  A calibrated
 * posterior: about 10 %.  docs/learning.md quotes this.
 */
static void identical_arms(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2026);
    int ext_gp = 0, ext_nig = 0;
    const int runs = 400;
    for (int it = 0; it < runs; it++) {
        int n[2] = { 5 + (int)gsl_rng_uniform_int(r, 16), 5 + (int)gsl_rng_uniform_int(r, 16) };
        struct thompson_params tp;
        thompson_params_default(&tp);
        struct thompson_evidence ev[2] = { { 0 } }, pooled = { 0 };
        struct arms_obs obs[40];
        double imp[40][20];
        int k = 0;
        for (int a = 0; a < 2; a++)
            for (int j = 0; j < n[a]; j++, k++) {
                double y = (double)gsl_ran_poisson(r, gsl_ran_gamma(r, 1.5, 10.0 / 1.5));
                thompson_evidence_add(&ev[a], 1.0, y);
                thompson_evidence_add(&pooled, 1.0, y);
                for (int m = 0; m < 20; m++)
                    imp[k][m] = (double)gsl_ran_poisson(r, y);
                obs[k] = (struct arms_obs){ .arm = (size_t)a, .w = 1.0, .imp = imp[k] };
            }
        double a0, b0, al[2], be[2], pb[2];
        thompson_prior(&tp, &pooled, &a0, &b0);
        for (int a = 0; a < 2; a++)
            thompson_posterior(a0, b0, &ev[a], &al[a], &be[a]);
        if (thompson_prob_best(THOMPSON_GAMMA, 2, al, be, 10000, 100 + (uint64_t)it, pb) == 0)
            ext_gp += pb[0] < 0.05 || pb[0] > 0.95;
        struct arms_params ap;
        struct arms_prior pr;
        struct arms_post post[2];
        arms_params_default(&ap);
        ap.n_imp = 20;
        ap.seed = 100 + (uint64_t)it;
        if (arms_fit(obs, (size_t)k, 2, &ap, &pr, post) == 0)
            ext_nig += post[0].p_best < 0.05 || post[0].p_best > 0.95;
    }
    printf("identical arms, P(best) outside [0.05, 0.95]: gamma-poisson %.1f %%, arms (learn) %.1f %% of %d runs\n",
           100.0 * ext_gp / runs, 100.0 * ext_nig / runs, runs);
    gsl_rng_free(r);
}

int main(void)
{
    static const size_t arm_counts[] = { 2, 8, 32, 128 };
    const long draws = 10000;
    double checksum = 0;

    gsl_set_error_handler_off();
    identical_arms();
    printf("bench_thompson: gamma posteriors, %ld joint draws per run\n", draws);
    for (size_t k = 0; k < sizeof arm_counts / sizeof arm_counts[0]; k++) {
        size_t n = arm_counts[k];
        double *alpha = malloc(n * sizeof *alpha), *beta = malloc(n * sizeof *beta);
        double *pb = malloc(n * sizeof *pb);
        if (!alpha || !beta || !pb)
            return 1;
        for (size_t a = 0; a < n; a++) {
            alpha[a] = 2.0 + 0.37 * (double)(a % 11); /* shapes around the realistic 1..10 */
            beta[a] = 1.5 + 0.21 * (double)(a % 7);
        }
        int runs = 0;
        double t0 = now_s(), t;
        do {
            if (thompson_prob_best(THOMPSON_GAMMA, n, alpha, beta, draws, 1000u + (unsigned)runs, pb))
                return 1;
            checksum += pb[0];
            runs++;
            t = now_s() - t0;
        } while (t < 0.5);
        double arm_draws = (double)runs * (double)n * (double)draws;
        printf("  arms=%-4zu runs=%-5d %.3f s  %.2fM arm-draws/s  %.1f scorings/s\n", n, runs, t,
               arm_draws / t / 1e6, runs / t);
        free(alpha);
        free(beta);
        free(pb);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak rss %ld KiB (checksum %.3f)\n", ru.ru_maxrss, checksum);
    return 0;
}
