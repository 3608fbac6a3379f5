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

#include "stats/thompson.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    static const size_t arm_counts[] = { 2, 8, 32, 128 };
    const long draws = 10000;
    double checksum = 0;

    gsl_set_error_handler_off();
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
