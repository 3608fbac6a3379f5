/*
 * stats/forecast_prep.c — the forecaster's training set in memory (see
 * fc_prepare in stats/forecast_impl.h), and a trained model kept between runs:
 * what the cross-validation chose packed into bytes, and the model restored
 * from them (see stats/forecast.h).
 */
#include "stats/forecast_impl.h"

#include "stats/decay.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool usable(const double *y, int a, double y7)
{
    if (!isfinite(y7) || y7 < 0)
        return false;
    for (int j = 0; j <= a; j++)
        if (!isfinite(y[j]) || y[j] < 0)
            return false;
    return true;
}

/* Ratios, features and Lomax ratios of every post at anchor a (NAN: unusable). */
static void anchor_ratios(struct fc_model *m, int a, const struct fc_ref *own, const struct fc_ref *glob,
                          double glob_scale)
{
    int n = m->n_ref, n_own = m->n_own;
    for (int i = 0; i < n; i++) {
        const struct fc_ref *r = i < n_own ? &own[i] : &glob[i - n_own];
        double sc = i < n_own ? 1.0 : glob_scale, y[FC_NANCHOR];
        for (int j = 0; j < FC_NANCHOR; j++)
            y[j] = r->y[j] * sc;
        size_t c = (size_t)a * n + i;
        m->g[c] = m->gl[c] = NAN;
        if (!usable(y, a, r->y7))
            continue;
        double y7 = fmax(r->y7 * sc, y[a]);
        m->g[c] = log((y7 + 1.0) / (y[a] + 1.0));
        if (isfinite(r->lomax7[a]) && r->lomax7[a] >= 0)
            m->gl[c] = log((fmax(r->lomax7[a] * sc, y[a]) + 1.0) / (y[a] + 1.0));
        fc_features(y, a, &m->f[c * FC_NANCHOR]);
    }
}

/* The account's level, the global set's shape: shift the global ratios at
 * anchor a to the account median shrunk towards the global one, each
 * weighted by its precision (n / spread²).  tmp: n_ref scratch. */
static void shift_global(struct fc_model *m, int a, double *tmp)
{
    int n = m->n_ref, n_own = m->n_own;
    double sown = NAN, sglob = NAN;
    int nown = 0, nglob = 0;
    for (int i = 0; i < n_own; i++)
        if (isfinite(m->g[(size_t)a * n + i]))
            tmp[nown++] = m->g[(size_t)a * n + i];
    double sd_own = NAN, sd_glob = NAN;
    if (nown > 0)
        decay_robust_stats(tmp, nown, &sown, &sd_own);
    for (int i = n_own; i < n; i++)
        if (isfinite(m->g[(size_t)a * n + i]))
            tmp[nglob++] = m->g[(size_t)a * n + i];
    if (nglob == 0)
        return;
    decay_robust_stats(tmp, nglob, &sglob, &sd_glob);
    double level = sglob;
    if (nown > 0) {
        double wo = nown / pow(fmax(sd_own, FC_S_FLOOR), 2), wg = FC_LEVEL_N0 / pow(fmax(sd_glob, FC_S_FLOOR), 2);
        level = (wo * sown + wg * sglob) / (wo + wg);
    }
    for (int i = n_own; i < n; i++) {
        size_t c = (size_t)a * n + i;
        if (isfinite(m->g[c])) {
            m->g[c] += level - sglob;
            if (isfinite(m->gl[c]))
                m->gl[c] += level - sglob;
        }
    }
}

/* The usable rows at anchor a, the median rule on them and the feature
 * scales; returns how many rows.  tmp: n_ref scratch. */
static int anchor_rows(struct fc_model *m, int a, double *tmp)
{
    int n = m->n_ref;
    int nr = 0, *rows = &m->rows[(size_t)a * n];
    for (int i = 0; i < n; i++)
        if (isfinite(m->g[(size_t)a * n + i]))
            rows[nr++] = i;
    struct fc_anchor *an = &m->a[a];
    an->n = nr;
    if (nr == 0)
        return 0;
    for (int p = 0; p < nr; p++)
        tmp[p] = m->g[(size_t)a * n + rows[p]];
    decay_robust_stats(tmp, nr, &an->sh_med, &an->sh_sd);
    an->sh_sd = fmax(an->sh_sd, FC_S_FLOOR);
    for (int j = 0; j <= a && a > 0; j++) {
        double med, sd;
        for (int p = 0; p < nr; p++)
            tmp[p] = m->f[((size_t)a * n + rows[p]) * FC_NANCHOR + j];
        decay_robust_stats(tmp, nr, &med, &sd);
        an->fscale[j] = fmax(sd, FC_FSCALE_MIN);
    }
    return nr;
}

int fc_prepare(struct fc_model *m, const struct fc_ref *own, int n_own, const struct fc_ref *glob, int n_glob,
               double glob_scale, double cover)
{
    memset(m, 0, sizeof *m);
    m->cover = cover > 0 && cover < 1 ? cover : 0.90;
    if (n_own < 0)
        n_own = 0;
    if (n_glob < 0 || n_own >= FC_OWN_ENOUGH || !glob)
        n_glob = 0;
    if (!own)
        n_own = 0;
    if (!(glob_scale > 0) || !isfinite(glob_scale))
        glob_scale = 1.0;
    int n = n_own + n_glob;
    m->n_ref = n;
    m->n_own = n_own;
    m->n_global = n_glob;
    if (n == 0)
        return 0;
    size_t cells = (size_t)FC_NANCHOR * (size_t)n;
    m->g = malloc(sizeof(double) * cells);
    m->gl = malloc(sizeof(double) * cells);
    m->f = calloc(cells * FC_NANCHOR, sizeof(double));
    m->rows = malloc(sizeof(int) * cells);
    m->tree = malloc(sizeof *m->tree * FC_NANCHOR * FC_TREE_MAX);
    double *tmp = malloc(sizeof(double) * (size_t)n);
    if (!m->g || !m->gl || !m->f || !m->rows || !m->tree || !tmp) {
        free(tmp);
        fc_model_free(m);
        return -1;
    }
    for (int a = 0; a < FC_NANCHOR; a++) {
        anchor_ratios(m, a, own, glob, glob_scale);
        shift_global(m, a, tmp);
        anchor_rows(m, a, tmp);
    }
    free(tmp);
    return 0;
}

/* ---- a trained model kept between runs ---- */

#define PACK_MAGIC 0x314d4346u /* "FCM1" */

/* A cursor over the packed bytes: writes when w, reads when r, else only
 * counts; fails past len. */
struct cur {
    unsigned char *w;
    const unsigned char *r;
    size_t at, len;
    bool bad;
};

static void io(struct cur *c, void *v, size_t n)
{
    if (c->bad || c->at + n > c->len) {
        c->bad = true;
        return;
    }
    if (c->w)
        memcpy(c->w + c->at, v, n);
    else if (c->r)
        memcpy(v, c->r + c->at, n);
    c->at += n;
}

static void io_i(struct cur *c, int *v)
{
    int32_t x = (int32_t)*v;
    io(c, &x, sizeof x);
    *v = (int)x;
}

static void io_d(struct cur *c, double *v, int n)
{
    io(c, v, sizeof *v * (size_t)n);
}

/* Every field of what one anchor chose (each explicitly: no padding bytes). */
static void io_anchor(struct cur *c, struct fc_anchor *an)
{
    io_i(c, &an->n);
    io_i(c, &an->k);
    io_d(c, &an->w_size, 1);
    io_d(c, &an->w_lomax, 1);
    io_d(c, &an->w_analog, 1);
    io_d(c, &an->w_qr, 1);
    io_d(c, &an->w_sh, 1);
    io_i(c, &an->ntree);
    io_d(c, &an->gb_init, 1);
    io_d(c, &an->sh_med, 1);
    io_d(c, &an->sh_sd, 1);
    io_d(c, an->fscale, FC_NANCHOR);
    io_d(c, &an->s_floor, 1);
    io_d(c, &an->q_lo, 1);
    io_d(c, &an->q_hi, 1);
    io_d(c, &an->q_mid, 1);
    io_i(c, &an->nbin);
    io_d(c, an->cut, FC_NBIN - 1);
    io_d(c, an->qb_lo, FC_NBIN);
    io_d(c, an->qb_hi, FC_NBIN);
    io_d(c, &an->cv_err, 1);
}

static void io_tree(struct cur *c, struct fc_tree *t)
{
    for (int i = 0; i < 3; i++)
        io_i(c, &t->f[i]);
    io_d(c, t->t, 3);
    io_d(c, t->leaf, 4);
}

/* The header (magic, byte order, pool) and every anchor with its trees. */
static void io_model(struct cur *c, struct fc_model *m, struct fc_anchor *an)
{
    uint32_t magic = PACK_MAGIC;
    double one = 1.0;
    int n[3] = { m->n_ref, m->n_own, m->n_global };
    io(c, &magic, sizeof magic);
    io_d(c, &one, 1);
    for (int i = 0; i < 3; i++)
        io_i(c, &n[i]);
    double cover = m->cover;
    io_d(c, &cover, 1);
    if (magic != PACK_MAGIC || one != 1.0 || n[0] != m->n_ref || n[1] != m->n_own || n[2] != m->n_global ||
        cover != m->cover)
        c->bad = true;
    for (int a = 0; a < FC_NANCHOR && !c->bad; a++) {
        io_anchor(c, &an[a]);
        /* Read back, every count that sizes an array must fit it (a damaged row, a changed constant). */
        if (an[a].ntree < 0 || an[a].ntree > FC_TREE_MAX || (m->n_ref == 0 && an[a].ntree > 0) || an[a].k < 0 ||
            an[a].k > FC_KMAX || an[a].nbin < (an[a].n > 0) || an[a].nbin > FC_NBIN) { /* unused anchor: 0 bins */
            c->bad = true;
            break;
        }
        for (int t = 0; t < an[a].ntree && !c->bad; t++) {
            struct fc_tree *tr = &m->tree[(size_t)a * FC_TREE_MAX + t];
            io_tree(c, tr);
            for (int i = 0; i < 3; i++)
                if (tr->f[i] < 0 || tr->f[i] > a) /* anchor a's trees split on the counts at anchors 0..a */
                    c->bad = true;
        }
    }
}

int fc_model_pack(const struct fc_model *m, unsigned char **out, size_t *len)
{
    struct fc_model copy = *m; /* io_model reads through it; nothing is written to m */
    struct fc_anchor an[FC_NANCHOR];
    memcpy(an, m->a, sizeof an);
    struct cur c = { .w = NULL, .r = NULL, .at = 0, .len = SIZE_MAX, .bad = false };
    io_model(&c, &copy, an); /* counts the bytes */
    size_t need = c.at;
    *out = malloc(need);
    if (!*out)
        return -1;
    c = (struct cur){ .w = *out, .r = NULL, .at = 0, .len = need, .bad = false };
    io_model(&c, &copy, an);
    if (c.bad || c.at != need) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *len = need;
    return 0;
}

int fc_model_restore(struct fc_model *m, const struct fc_ref *own, int n_own, const struct fc_ref *glob, int n_glob,
                     double glob_scale, double cover, const unsigned char *buf, size_t len)
{
    if (fc_prepare(m, own, n_own, glob, n_glob, glob_scale, cover))
        return -1;
    struct fc_anchor an[FC_NANCHOR];
    memset(an, 0, sizeof an);
    struct cur c = { .w = NULL, .r = buf, .at = 0, .len = buf ? len : 0 };
    io_model(&c, m, an);
    for (int a = 0; a < FC_NANCHOR && !c.bad; a++)
        if (an[a].n != m->a[a].n || memcmp(&an[a].sh_med, &m->a[a].sh_med, sizeof an[a].sh_med))
            c.bad = true; /* not the model of these posts */
    if (c.bad || c.at != len) {
        fc_model_free(m);
        return 1;
    }
    memcpy(m->a, an, sizeof an);
    return 0;
}
