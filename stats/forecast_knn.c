/*
 * stats/forecast_knn.c — the analogs' nearest neighbours (see
 * stats/forecast_impl.h): offered one by one, or the k nearest of a whole
 * fold's candidates at once, with the same result.
 */
#include "stats/forecast_impl.h"

#include <string.h>

/* Offers candidate i at distance d to the k nearest so far out[0..*got). */
void fc_nbr_offer(struct fc_nbr *out, int *got, int k, double d, int i)
{
    if (*got == k && !(d < out[k - 1].d))
        return;
    int p = *got < k ? (*got)++ : k - 1;
    while (p > 0 && out[p - 1].d > d) {
        out[p] = out[p - 1];
        p--;
    }
    out[p] = (struct fc_nbr){ d, i };
}

/*
 * The k-th smallest (0-based) of v[0..n), none NaN, by quickselect whose
 * partitions store without branches (every value is written to both ends of
 * buf, one of the two counts advances).  v and buf (n each) are scratch.
 */
double fc_select_kth(double *v, double *buf, int n, int k)
{
    while (n > 16) {
        double a = v[0], b = v[n / 2], c = v[n - 1];
        double p = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        int lt = 0, gt = 0;
        for (int i = 0; i < n; i++) {
            double x = v[i];
            buf[lt] = x;
            buf[n - 1 - gt] = x;
            lt += x < p;
            gt += x > p;
        }
        double *old = v;
        if (k < lt) {
            v = buf, n = lt;
        } else if (k >= n - gt) {
            v = buf + (n - gt), k -= n - gt, n = gt;
        } else {
            return p;
        }
        buf = old;
    }
    fc_sorted_extend(v, v, 1, n); /* in place: the few left, by insertion */
    return v[k];
}

/*
 * The k nearest of cand[0..nc) at distances d[0..nc) into out, nearest
 * first, ties in candidate order: what offering them one by one to nbr_offer
 * keeps (the k smallest by distance, then candidate order, sorted so), found
 * by selecting the k-th distance and inserting only the candidates at or
 * below it.  With a NaN distance (or few candidates) they are offered one by
 * one.  scratch: 2·nc doubles.
 */
int fc_knn_select(const double *d, const int *cand, int nc, int k, struct fc_nbr *out, double *scratch)
{
    int got = 0, nan = 0;
    for (int c = 0; c < nc; c++)
        nan += d[c] != d[c];
    if (nc <= k || nan) {
        for (int c = 0; c < nc; c++)
            fc_nbr_offer(out, &got, k, d[c], cand[c]);
        return got;
    }
    memcpy(scratch, d, sizeof *d * (size_t)nc);
    double kd = fc_select_kth(scratch, scratch + nc, nc, k - 1);
    int ties = k; /* the k-th distance's equals kept: k minus those strictly nearer */
    for (int c = 0; c < nc; c++)
        ties -= d[c] < kd;
    for (int c = 0; c < nc; c++) {
        if (!(d[c] < kd) && !(d[c] == kd && ties-- > 0))
            continue;
        int p = got++;
        while (p > 0 && out[p - 1].d > d[c]) {
            out[p] = out[p - 1];
            p--;
        }
        out[p] = (struct fc_nbr){ d[c], cand[c] };
    }
    return got;
}

