/*
 * bench/bench_fit.c — decay-fit throughput: posts fitted per second with
 * 3–6 irregular snapshots each (the nightly batch's shape), on one thread and
 * on two, with an account prior (shape + Szabo–Huberman row) as in
 * production; peak memory.  Goal: >= 20,000 fits/s on one core.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "stats/decay.h"
#include "stats/forecast.h"
#include "stats/reference.h"

#define NPOSTS 40000
#define MAXP 6

struct post {
    struct decay_point p[MAXP];
    int n;
};

struct job {
    const struct post *posts;
    const struct decay_prior *prior;
    const struct fc_model *fc; /* NULL: the curve alone */
    int from, to;
    double checksum;
    long methods[4];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
    struct job *j = arg;
    struct decay_ws *ws = decay_ws_new();
    if (!ws)
        return NULL;
    /* Locals, written back once: counters shared in a cache line would make
     * the two threads fight over it. */
    long methods[4] = { 0, 0, 0, 0 };
    double checksum = 0;
    for (int i = j->from; i < j->to; i++) {
        struct decay_result r;
        decay_fit(ws, j->posts[i].p, j->posts[i].n, j->prior, DECAY_HORIZON_H, &r);
        if (j->fc && isfinite(r.n_h)) {
            /* the production path: the stacked forecast from the curve's anchors */
            struct fc_forecast f;
            if (fc_predict(j->fc, fc_anchor_for_age(r.last_age_h), r.check, r.n_h, &f) == 0)
                r.n_h = f.p50;
        }
        methods[r.method]++;
        if (isfinite(r.n_h))
            checksum += r.n_h;
    }
    for (int k = 0; k < 4; k++)
        j->methods[k] = methods[k];
    j->checksum = checksum;
    decay_ws_free(ws);
    return NULL;
}

/* Returns wall-clock fits/s; *per_cpu gets fits per CPU-second (all threads),
 * which does not depend on what else the machine is running. */
static double bench(const struct post *posts, int n, const struct decay_prior *prior, const struct fc_model *fc,
                    int threads, long *methods, double *per_cpu)
{
    struct job jobs[2];
    pthread_t tid[2];
    double t0 = now_s(), c0 = cpu_s();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct job){ posts, prior, fc, n * t / threads, n * (t + 1) / threads, 0, { 0, 0, 0, 0 } };
        if (t > 0 && pthread_create(&tid[t], NULL, run, &jobs[t]) != 0)
            return -1;
    }
    run(&jobs[0]);
    for (int t = 1; t < threads; t++)
        pthread_join(tid[t], NULL);
    double dt = now_s() - t0;
    *per_cpu = n / (cpu_s() - c0);
    for (int k = 0; k < 4; k++) {
        methods[k] = 0;
        for (int t = 0; t < threads; t++)
            methods[k] += jobs[t].methods[k];
    }
    return n / dt;
}

int main(void)
{
    gsl_set_error_handler_off();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1);
    struct post *posts = malloc(sizeof *posts * NPOSTS);
    if (!posts || !r)
        return 1;

    /* Posts of one account: shared shape with per-post scatter, 3–6 samples at
     * irregular ages within the first 7 days, 3 % noise, counts 5 .. 5,000. */
    for (int i = 0; i < NPOSTS; i++) {
        double A = exp(log(5) + gsl_rng_uniform(r) * log(1000));
        double c = 0.5 * exp(0.5 * gsl_ran_gaussian(r, 1)), th = 0.3 * exp(0.4 * gsl_ran_gaussian(r, 1));
        int n = 3 + (int)gsl_rng_uniform_int(r, MAXP - 2);
        double t = 0.2 + gsl_rng_uniform(r);
        posts[i].n = n;
        double prev = 0;
        for (int k = 0; k < n; k++) {
            double y = round(decay_curve_eval(A, c, th, t) * exp(0.03 * gsl_ran_gaussian(r, 1)));
            if (y < prev)
                y = prev;
            prev = y;
            posts[i].p[k] = (struct decay_point){ t, y };
            t *= 1.5 + 3 * gsl_rng_uniform(r);
            if (t > 160)
                t = 160;
        }
    }
    /* The account prior as fit_run builds it: EB shape + SH rule. */
    struct decay_prior base, prior;
    decay_prior_default(&base);
    struct decay_ws *ws = decay_ws_new();
    struct decay_result *res = malloc(sizeof *res * 2000);
    double *ta = malloc(sizeof(double) * 2000), *tn = malloc(sizeof(double) * 2000), *th = malloc(sizeof(double) * 2000);
    if (!ws || !res || !ta || !tn || !th)
        return 1;
    for (int i = 0; i < 2000; i++) {
        decay_fit(ws, posts[i].p, posts[i].n, &base, DECAY_HORIZON_H, &res[i]);
        ta[i] = posts[i].p[0].age_h;
        tn[i] = posts[i].p[0].count;
        th[i] = isfinite(res[i].n_h) ? res[i].n_h : 0;
    }
    decay_prior_estimate(res, 2000, &base, &prior);
    decay_prior_fit_loglinear(&prior, ta, tn, th, 2000);
    decay_ws_free(ws);

    printf("bench_fit: %d posts, 3-6 irregular samples each, account prior with SH row\n", NPOSTS);
    long m[4];
    double cpu1, cpu2, cpu3;
    /* The forecaster trained on the shipped reference set (738 cascades). */
    struct fc_model fcm;
    struct fc_ref *refs = calloc((size_t)fc_reference_n, sizeof *refs);
    if (!refs)
        return 1;
    for (int i = 0; i < fc_reference_n; i++) {
        for (int a = 0; a < FC_NANCHOR; a++) {
            refs[i].y[a] = fc_reference[i][a];
            refs[i].lomax7[a] = NAN;
        }
        refs[i].y7 = fc_reference[i][FC_NANCHOR];
    }
    double tt0 = cpu_s();
    if (fc_train(&fcm, refs, fc_reference_n, NULL, 0, 1.0, 0.90))
        return 1;
    double ttrain = cpu_s() - tt0;
    double cpuf;
    double stack = bench(posts, NPOSTS, &prior, &fcm, 1, m, &cpuf);
    printf("  1 thread, curve + stacked forecast: %9.0f posts/s wall, %9.0f posts per CPU-second"
           " (training on %d references: %.2f CPU-s)\n",
           stack, cpuf, fc_reference_n, ttrain);
    fc_model_free(&fcm);
    free(refs);
    double one = bench(posts, NPOSTS, &prior, NULL, 1, m, &cpu1);
    printf("  1 thread : %9.0f fits/s wall, %9.0f fits per CPU-second  (lomax %ld, pooled %ld, loglinear %ld,"
           " none %ld)\n",
           one, cpu1, m[DECAY_LOMAX], m[DECAY_POOLED], m[DECAY_LOGLINEAR], m[DECAY_NONE]);
    double two = bench(posts, NPOSTS, &prior, NULL, 2, m, &cpu2);
    printf("  2 threads: %9.0f fits/s wall (%.2fx one thread), %9.0f fits per CPU-second\n", two, two / one, cpu2);
    double unp = bench(posts, NPOSTS, &base, NULL, 1, m, &cpu3);
    printf("  1 thread, built-in prior (no SH row): %9.0f fits/s wall, %9.0f per CPU-second\n", unp, cpu3);
    double la[1] = { 0 };
    if (getloadavg(la, 1) == 1)
        printf("  load average while measuring: %.2f (wall figures are shared with it)\n", la[0]);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak memory: %.1f MiB (maxrss)\n", ru.ru_maxrss / 1024.0);
    printf("  goal >= 20000 fits/s on one core: %s\n", cpu1 >= 20000 ? "met" : "NOT met");
    printf("  goal >= 20000 posts/s on one core with the stacked forecast: %s\n", cpuf >= 20000 ? "met" : "NOT met");

    free(res);
    free(ta);
    free(tn);
    free(th);
    free(posts);
    gsl_rng_free(r);
    return 0;
}
