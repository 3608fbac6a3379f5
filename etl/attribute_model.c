/*
 * etl/attribute_model.c — the attribute stage's pure part (see attribute_model.h).
 */
#include "etl/attribute_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xtime.h"
#include "stats/decay.h"

void attr_run_release(struct attr_run *r)
{
    for (int i = 0; i < r->np; i++) {
        free(r->p[i].age_h);
        free(r->p[i].cum);
    }
    free(r->p);
    free(r->ap);
    free(r->groups);
    free(r->t);
    free(r->F);
    free(r->day);
    free(r->new_f);
    free(r->unf);
    memset(r, 0, sizeof *r);
}

int attr_group_index(struct attr_run *r, const char *g)
{
    for (int i = 0; i < r->ng; i++)
        if (!strcmp(r->groups[i], g))
            return i;
    r->groups = xrealloc(r->groups, (size_t)(r->ng + 1) * sizeof *r->groups);
    snprintf(r->groups[r->ng], sizeof r->groups[0], "%s", g);
    return r->ng++;
}

const char *attr_exposure(double A, double c, double th, double imp, double age_h, bool known,
                          struct attrib_curve *out)
{
    if (isfinite(A) && A > 0 && isfinite(c) && c > 0 && isfinite(th) && th > 0) {
        *out = (struct attrib_curve){ .kind = ATTRIB_CURVE_LOMAX, .A = A, .c_h = c, .theta = th };
        return "decay";
    }
    if (imp > 0) {
        double age = fmin(fmax(age_h, 0.1), ATTRIB_HORIZON_H);
        double frac = decay_lomax_q(ATTR_DEFAULT_C_H, ATTR_DEFAULT_THETA, age);
        *out = (struct attrib_curve){ .kind = ATTRIB_CURVE_LOMAX, .A = imp / frac, .c_h = ATTR_DEFAULT_C_H,
                                      .theta = ATTR_DEFAULT_THETA };
        return "latest_impressions";
    }
    if (known) {
        /* X's own follows need only a shape to be spread over time */
        *out = (struct attrib_curve){ .kind = ATTRIB_CURVE_LOMAX, .A = 1.0, .c_h = ATTR_DEFAULT_C_H,
                                      .theta = ATTR_DEFAULT_THETA };
        return "default_shape";
    }
    memset(out, 0, sizeof *out);
    out->kind = ATTRIB_CURVE_NONE;
    return "none";
}

double attr_retention(const struct attr_run *r, int64_t posted_at, int64_t as_of)
{
    int64_t d0 = xtime_day_start(posted_at);
    if (d0 + 7 * XTIME_DAY > as_of)
        return NAN;
    double nf = 0.0, uf = 0.0;
    int have = 0;
    for (int i = 0; i < r->nd; i++)
        if (r->day[i] >= d0 && r->day[i] < d0 + 7 * XTIME_DAY) {
            nf += r->new_f[i];
            uf += r->unf[i];
            have++;
        }
    if (have < 7 || !(nf > 0.0))
        return NAN;
    return fmin(1.0, fmax(0.0, 1.0 - uf / nf));
}

int attr_sample_before(const struct attr_run *r, int64_t t)
{
    int k = 0;
    for (int i = 0; i < r->ns && r->t[i] <= t; i++)
        k = i;
    return k;
}

int attr_sample_after(const struct attr_run *r, int64_t t, bool *matured)
{
    for (int i = 0; i < r->ns; i++)
        if (r->t[i] >= t) {
            *matured = true;
            return i;
        }
    *matured = false;
    return r->ns - 1;
}

/* Display precision of the metadata's numbers (as always written). */
#define META_DIGITS 10

static void jnum(struct jw *w, const char *key, double v)
{
    jw_key(w, key);
    jw_numg(w, v, META_DIGITS);
}

static void jtime(struct jw *w, const char *key, int64_t t)
{
    char buf[40];
    xtime_format(t, buf, sizeof buf);
    jw_key(w, key);
    jw_str(w, buf);
}

/* The model's rows: rates, baseline, intervals and the bootstrap behind the credit. */
static void lagged_json(struct jw *w, const struct apost *p, const struct attrib_post_result *pr,
                        const struct attrib_result *res, int wi, bool last)
{
    jw_key(w, "confidence_event");
    jw_str(w, "|true follows - credit| <= max(2, 25 % of credit)");
    jnum(w, "confidence_raw", pr->conf_raw[wi]);
    jnum(w, "lag_h", res->lag_h);
    jnum(w, "dispersion", res->dispersion);
    jnum(w, "multiplier", pr->multiplier);
    if (last) {
        /* equally likely values of the 168 h follows: learn's imputations */
        jw_key(w, "draws_168h");
        jw_arr(w);
        for (int q = 0; q < ATTRIB_NQ; q++)
            jw_numg(w, isfinite(pr->q168[q]) ? pr->q168[q] : 0.0, 6);
        jw_arr_end(w);
    }
    jnum(w, "rate", pr->rate);
    jnum(w, "rate_pooled", res->rho_pooled);
    jw_key(w, "group");
    jw_str(w, p->group);
    jnum(w, "baseline_per_h", res->baseline_per_h);
    jw_key(w, "interval_168h");
    jw_obj(w);
    jnum(w, "p05", pr->lo);
    jnum(w, "p95", pr->hi);
    jw_obj_end(w);
    jnum(w, "purity", pr->purity);
    jnum(w, "sign_certainty", pr->sign_certainty);
    jw_key(w, "bootstrap");
    jw_int(w, res->n_boot);
    jw_key(w, "block_intervals");
    jw_int(w, res->block_len);
}

void attr_meta_json(struct sbuf *sb, const struct attr_run *r, int j, const struct attrib_result *res,
                    const struct attr_window *win)
{
    const struct apost *p = &r->p[j];
    const struct attrib_post_result *pr = &res->posts[j];
    int wi = win->wi;
    struct jw w;
    jw_init(&w, sb);
    jw_obj(&w);
    jw_key(&w, "model");
    jw_str(&w, pr->known ? "platform_reported" : "lagged_count");
    jw_key(&w, "window_h");
    jw_numg(&w, attrib_windows_h[wi], 6);
    if (pr->known) {
        jnum(&w, "follows_reported", p->known);
        jnum(&w, "credit", pr->credit[wi]);
        jtime(&w, "reported_as_of", p->known_as_of);
        jw_key(&w, "window_split");
        if (p->known_as_of > p->posted_at + (int64_t)(attrib_windows_h[wi] * ATTR_HOUR))
            jw_str(&w, "by exposure curve");
        else
            jw_null(&w);
    } else {
        jnum(&w, "credit", pr->credit[wi]);
        lagged_json(&w, p, pr, res, wi, wi == ATTRIB_NWIN - 1);
    }
    jnum(&w, "exposure", pr->exposure[wi]);
    /* When the two counts were sampled: the first sample may postdate the post. */
    jw_key(&w, "exposure_source");
    jw_str(&w, p->exposure_source);
    jw_key(&w, "n_intervals");
    jw_int(&w, pr->n_intervals);
    jw_key(&w, "n_samples");
    jw_int(&w, r->ns);
    jw_key(&w, "matured");
    jw_bool(&w, win->matured);
    if (win->have_samples) {
        jtime(&w, "before_sampled_at", win->before_at);
        jtime(&w, "after_sampled_at", win->after_at);
    } else {
        jw_key(&w, "before_sampled_at");
        jw_null(&w);
        jw_key(&w, "after_sampled_at");
        jw_null(&w);
    }
    jw_obj_end(&w);
}
