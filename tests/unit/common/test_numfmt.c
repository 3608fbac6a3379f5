/* tests/unit/common/test_numfmt.c — numfmt_g against snprintf's "%.*g", byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "common/numfmt.h"

/* Values per family; a one-off run with -DSCALE=100 compared 40 M more. */
#ifndef SCALE
#define SCALE 1
#endif

static uint64_t rng_state = UINT64_C(0x853c49e6748fea9b);

static uint64_t next64(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Fails with the value and both texts on the first difference. */
static void same(double v, int prec)
{
    char want[64], got[NUMFMT_G_MAX];
    snprintf(want, sizeof want, "%.*g", prec, v);
    size_t n = numfmt_g(got, v, prec);
    if (strcmp(want, got) || n != strlen(want))
        fail_msg("%%.%dg of %a: printf \"%s\", numfmt \"%s\" (%zu)", prec, v, want, got, n);
}

static const int precs[] = { 1, 2, 4, 6, 10, 12, 15, 17 };
#define NPREC ((int)(sizeof precs / sizeof precs[0]))

static void test_numfmt_special(void **state)
{
    (void)state;
    const double v[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, 0.125, 9.5, 99.5, 1e-5, 1e-4, 9.9999e-5, 123456,
                         1234567, 1e10, 9999999999.5, 99999.99999, 0.1, 0.3, 1.0 / 3.0, 2.0 / 3.0, 1e21, 1e22,
                         1e23, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, NAN, INFINITY, -INFINITY,
                         790.805328, 0.0004259236706, 6.762877919, 3.016, 1.508, 168, 24 };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (int p = 0; p < NPREC; p++)
            same(v[i], precs[p]);
}

/* Arbitrary bit patterns: every exponent, every mantissa. */
static void test_numfmt_random_bits(void **state)
{
    (void)state;
    for (int i = 0; i < 30000 * SCALE; i++) {
        uint64_t b = next64();
        double v;
        memcpy(&v, &b, sizeof v);
        for (int p = 0; p < NPREC; p++)
            same(v, precs[p]);
    }
}

/* Short decimals, halves at the rounding digit and the neighbours of powers of ten: where rounding is close. */
static void test_numfmt_near_ties(void **state)
{
    (void)state;
    for (int i = 0; i < 15000 * SCALE; i++) {
        int d = (int)(next64() % 16), digits = 1 + (int)(next64() % 13);
        double n = (double)(next64() % (uint64_t)pow(10, digits));
        double v = n / pow(10, d);
        double h = (2.0 * n + 1.0) / (2.0 * pow(10, d)); /* a five after the digits */
        for (int p = 0; p < NPREC; p++) {
            same(v, precs[p]);
            same(h, precs[p]);
            same(nextafter(h, 0.0), precs[p]);
            same(nextafter(h, INFINITY), precs[p]);
        }
    }
    for (int e = -30; e <= 30; e++) {
        double t = pow(10, e);
        double v = t;
        for (int j = 0; j < 40; j++, v = nextafter(v, 0.0))
            for (int p = 0; p < NPREC; p++)
                same(v, precs[p]);
        v = t;
        for (int j = 0; j < 40; j++, v = nextafter(v, INFINITY))
            for (int p = 0; p < NPREC; p++)
                same(v, precs[p]);
    }
    for (int k = 0; k < 3000000; k += 997 / SCALE + 1) /* ages in hours, as the attribution writes them */
        for (int p = 0; p < NPREC; p++)
            same(k / 3600.0, precs[p]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numfmt_special),
        cmocka_unit_test(test_numfmt_random_bits),
        cmocka_unit_test(test_numfmt_near_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
