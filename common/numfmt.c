/*
 * common/numfmt.c — "%.*g" without printf (see numfmt.h).
 *
 * v's P significant digits are the integer nearest v·10^k (k = P−1−X, X the
 * decimal exponent), computed in long double: 10^k is exact there for
 * |k| <= 27, so the scaled value carries one rounding (relative error at
 * most 2^-64: under 1e-7 absolute below 10^12, the most digits taken here).  When its fraction is that
 * close to one half the nearest integer is not certain and snprintf decides;
 * otherwise the digits are printf's (which rounds the exact binary value).
 */
#include "common/numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const long double pow10l_tab[28] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
    1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};

static size_t slow(char *out, double v, int prec)
{
    int n = snprintf(out, NUMFMT_G_MAX, "%.*g", prec, v);
    return n > 0 ? (size_t)n : 0;
}

/* v·10^k rounded to an integer into *m; false when not certain (or k out of range). */
static int scaled_digits(double v, int k, uint64_t *m)
{
    if (k > 27 || k < -27)
        return 0;
    long double s = k >= 0 ? (long double)v * pow10l_tab[k] : (long double)v / pow10l_tab[-k];
    long double fl = floorl(s), f = s - fl;
    if (fabsl(f - 0.5L) < 1e-6L)
        return 0;
    *m = (uint64_t)fl + (f > 0.5L);
    return 1;
}

size_t numfmt_g(char *out, double v, int prec)
{
    if (!isfinite(v) || prec < 1 || prec > 12)
        return slow(out, v, prec);
    double v0 = v;
    char *p = out;
    if (signbit(v)) {
        *p++ = '-';
        v = -v;
    }
    if (v == 0.0) {
        *p++ = '0';
        *p = '\0';
        return (size_t)(p - out);
    }
    uint64_t lo = (uint64_t)pow10l_tab[prec - 1], hi = (uint64_t)pow10l_tab[prec], m;
    int x = (int)floor(log10(v));
    /* log10 may be off by one near a power of ten: the digit count says */
    for (int tries = 0;; tries++) {
        if (tries == 3 || !scaled_digits(v, prec - 1 - x, &m))
            return slow(out, v0, prec);
        if (m >= hi && m != hi) {
            x++;
            continue;
        }
        if (m < lo) {
            x--;
            continue;
        }
        break;
    }
    if (m == hi) { /* rounded up to the next power of ten */
        m = lo;
        x++;
    }
    char dig[16];
    for (int i = prec - 1; i >= 0; i--) {
        dig[i] = (char)('0' + m % 10);
        m /= 10;
    }
    int nd = prec;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--; /* %g drops trailing zeros of the fraction */
    if (x < -4 || x >= prec) {
        *p++ = dig[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, dig + 1, (size_t)nd - 1);
            p += nd - 1;
        }
        int ax = x < 0 ? -x : x;
        *p++ = 'e';
        *p++ = x < 0 ? '-' : '+';
        if (ax >= 100)
            *p++ = (char)('0' + ax / 100);
        *p++ = (char)('0' + ax / 10 % 10);
        *p++ = (char)('0' + ax % 10);
    } else if (x >= 0) {
        int ip = x + 1; /* integer digits, some of them possibly dropped zeros */
        for (int i = 0; i < ip; i++)
            *p++ = i < nd ? dig[i] : '0';
        if (nd > ip) {
            *p++ = '.';
            memcpy(p, dig + ip, (size_t)(nd - ip));
            p += nd - ip;
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -x - 1; i++)
            *p++ = '0';
        memcpy(p, dig, (size_t)nd);
        p += nd;
    }
    *p = '\0';
    return (size_t)(p - out);
}
