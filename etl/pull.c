/*
 * etl/pull.c — see pull.h and docs/pull.md.
 *
 * DESIGN
 * ------
 * Phase 1 talks to X: the follower count, the timeline pages, then the due
 * posts in batches of 100.  Every attempt is landed in xetl.raw_responses
 * (autocommitted, so the log survives a failed run) before its body is used.
 * Phase 2 derives typed rows from the landed bodies only, in one transaction
 * (etl/pull_store.c, with etl/pull_parse.c reading the bodies).  This file
 * decides what to fetch and fetches it.
 */
#include "etl/pull.h"
#include "common/json.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "common/xtime.h"
#include "etl/db.h"
#include "etl/pull_parse.h"
#include "etl/pull_store.h"
#include "etl/xapi.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 100
#define TIMELINE_MAX_PAGES 40     /* X serves at most 3,200 posts: 32 pages of 100 */
#define PRIVATE_MAX_AGE_S (30 * XTIME_DAY - 3600) /* non-public metrics: < 30 days, with margin */

#define TWEET_FIELDS "created_at,author_id,public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets"

/* --- the refresh schedule ------------------------------------------------- */

static int parse_dur(const char *s, size_t n, int64_t *out)
{
    char buf[32], *end;
    long long v;
    int64_t mult = 1;

    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (end == buf || v < 0 || errno == ERANGE)
        return -1;
    if (*end) {
        switch (*end) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = XTIME_DAY; break;
        default: return -1;
        }
        if (end[1])
            return -1;
    }
    /* No age a schedule could mean is near 2^63 s: refuse what would overflow. */
    if (v > INT64_MAX / mult)
        return -1;
    *out = (int64_t)v * mult;
    return 0;
}

int pull_parse_schedule(const char *s, struct pull_tier *tiers, int *n, struct xerr *err)
{
    const char *p = s ? s : "";
    *n = 0;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *colon = memchr(p, ':', len);
        struct pull_tier t;
        while (len && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        if (!colon || *n >= PULL_MAX_TIERS || parse_dur(p, (size_t)(colon - p), &t.age_s) ||
            parse_dur(colon + 1, len - (size_t)(colon + 1 - p), &t.every_s) || t.age_s <= 0 ||
            (*n > 0 && t.age_s <= tiers[*n - 1].age_s))
            return xerr_set(err, XETL_EX_CONFIG,
                            "pull.refresh_schedule '%s' is not AGE:EVERY pairs of increasing age (e.g. 6h:0,48h:3h)",
                            s ? s : "");
        tiers[(*n)++] = t;
        p += len;
        if (*p == ',')
            p++;
    }
    if (*n == 0)
        return xerr_set(err, XETL_EX_CONFIG, "pull.refresh_schedule is empty");
    return 0;
}

bool pull_due(const struct pull_tier *tiers, int n, int64_t age_s, int64_t since_last_s)
{
    if (since_last_s < 0)
        return true;
    if (since_last_s == 0)
        return false;
    for (int i = 0; i < n; i++)
        if (age_s < tiers[i].age_s)
            return since_last_s >= tiers[i].every_s;
    return n > 0 && since_last_s >= tiers[n - 1].every_s;
}

/* --- choosing what to fetch ---------------------------------------------- */

struct cand {
    char id[24];
    int64_t posted_at;  /* 0 unknown */
    int64_t last_snap;  /* 0 never */
    bool deleted;
};

struct cands {
    struct cand *v;
    int n, cap;
};

static void cand_add(struct cands *c, const char *id, int64_t posted_at, int64_t last_snap, bool deleted)
{
    if (!pull_valid_id(id))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->v = xrealloc(c->v, (size_t)c->cap * sizeof *c->v);
    }
    struct cand *x = &c->v[c->n++];
    snprintf(x->id, sizeof x->id, "%s", id);
    x->posted_at = posted_at;
    x->last_snap = last_snap;
    x->deleted = deleted;
}

/* Numeric order of ids = time order; equal ids end up adjacent for merging. */
static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    size_t lx = strlen(x->id), ly = strlen(y->id);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void cands_merge(struct cands *c)
{
    int o = 0;
    if (c->n == 0)
        return;
    qsort(c->v, (size_t)c->n, sizeof *c->v, cmp_cand);
    for (int i = 1; i < c->n; i++) {
        struct cand *k = &c->v[o];
        if (strcmp(k->id, c->v[i].id) == 0) {
            /* Keep what is known: X's created_at, the latest snapshot, a deletion. */
            if (c->v[i].posted_at && (!k->posted_at || c->v[i].last_snap || c->v[i].deleted))
                k->posted_at = c->v[i].posted_at;
            if (c->v[i].last_snap > k->last_snap)
                k->last_snap = c->v[i].last_snap;
            k->deleted = k->deleted || c->v[i].deleted;
        } else {
            c->v[++o] = c->v[i];
        }
    }
    c->n = o + 1;
}

static int load_known(struct db *db, const struct account *acct, struct cands *c, struct xerr *err)
{
    char aid[24];
    const char *p[] = { db_fmt_long(aid, sizeof aid, (long)acct->id) };
    struct db_res *res;
    int rc = db_query(db, "pull/known", 1, p, &res, err);
    if (rc)
        return rc;
    for (int i = 0; i < db_nrows(res); i++)
        cand_add(c, db_get_text(res, i, 0), db_get_epoch(res, i, 1, 0), db_get_epoch(res, i, 2, 0),
                 db_get_bool(res, i, 3, false));
    db_res_free(res);
    return 0;
}

struct plan {
    int64_t as_of;
    int64_t window_from;   /* posts posted before this are not refreshed */
    int64_t tl_from, tl_to;
    struct xrange range;
    bool user_context;
    long concurrency;      /* requests in flight */
    struct pull_tier tiers[PULL_MAX_TIERS];
    int n_tiers;
};

/* The posts of one timeline page made by the as-of; the next page's token, or "". */
static void timeline_page(const struct jv *body, int64_t as_of, struct cands *c, char *token, size_t n)
{
    const struct jv *data = jv_get(body, "data");
    for (size_t i = 0; jv_is_array(data) && i < jv_len(data); i++) {
        const struct jv *tw = jv_at(data, i);
        const char *created = jv_str(jv_get(tw, "created_at"));
        int64_t t = 0;
        if (created)
            xtime_parse(created, &t, NULL);
        if (t && t <= as_of)
            cand_add(c, jv_str(jv_get(tw, "id")), t, 0, false);
    }
    const char *next = jv_str(jv_get(jv_get(body, "meta"), "next_token"));
    bool more = next && *next && strlen(next) < n && !strpbrk(next, "&#? %");
    snprintf(token, n, "%s", more ? next : "");
}

static int timeline(struct xapi *x, const struct account *acct, const struct plan *pl, struct cands *c,
                    struct xerr *err)
{
    char from[40], to[40];
    char token[128] = "";
    struct sbuf path = SBUF_INIT;
    int rc = 0;

    sbuf_init(&path);
    xtime_format(pl->tl_from, from, sizeof from);
    xtime_format(pl->tl_to, to, sizeof to);
    for (int page = 0; page < TIMELINE_MAX_PAGES; page++) {
        struct xapi_response r;

        sbuf_reset(&path);
        sbuf_addf(&path, "/2/users/%s/tweets?max_results=100&start_time=%s", acct->user_id, from);
        /* X rejects an end_time less than 10 s before its own clock, so only the real
         * time can say whether one may be sent (30 s allows for skew).  Results do not
         * depend on it: posts made after the as-of that X lists without end_time are
         * dropped here and in pull_parse_body. */
        if (pl->tl_to < (int64_t)time(NULL) - 30)
            sbuf_addf(&path, "&end_time=%s", to);
        sbuf_adds(&path, "&tweet.fields=" TWEET_FIELDS);
        if (*token)
            sbuf_addf(&path, "&pagination_token=%s", token);
        if ((rc = xapi_get(x, "/2/users/:id/tweets", path.buf, &r, err)))
            break;
        timeline_page(r.json, pl->as_of, c, token, sizeof token);
        xapi_response_release(&r);
        if (!*token)
            break;
    }
    sbuf_release(&path);
    return rc;
}

/* The /2/tweets request of n ids, with or without the private metrics. */
static void batch_path(struct sbuf *path, char (*ids)[24], int n, bool private_fields)
{
    sbuf_reset(path);
    sbuf_adds(path, "/2/tweets?ids=");
    for (int i = 0; i < n; i++)
        sbuf_addf(path, "%s%s", i ? "," : "", ids[i]);
    sbuf_adds(path, "&tweet.fields=" TWEET_FIELDS);
    if (private_fields)
        sbuf_adds(path, ",non_public_metrics,organic_metrics");
    sbuf_adds(path, "&expansions=in_reply_to_user_id&user.fields=username");
}

/* The posts due at this as-of, young (private metrics asked for) and old apart. */
struct due {
    char (*young)[24], (*old)[24];
    int n_young, n_old;
};

static void choose_due(const struct plan *pl, struct cands *c, struct due *d)
{
    cands_merge(c);
    d->young = xcalloc((size_t)(c->n ? c->n : 1), sizeof *d->young);
    d->old = xcalloc((size_t)(c->n ? c->n : 1), sizeof *d->old);
    for (int i = 0; i < c->n; i++) {
        const struct cand *k = &c->v[i];
        int64_t age = k->posted_at ? pl->as_of - k->posted_at : 0;
        if (k->deleted || (k->posted_at && (k->posted_at > pl->as_of || k->posted_at < pl->window_from)))
            continue;
        if (k->last_snap > pl->as_of)
            continue; /* a later as-of was already pulled; an older one cannot add to it */
        /* A range asked for (pull --since, rerun --pull) is fetched whatever the schedule
         * says, once per as-of; elsewhere the schedule decides. */
        bool asked = pl->range.from && k->posted_at >= pl->range.from &&
                     (!pl->range.to || k->posted_at < pl->range.to);
        if (asked ? k->last_snap == pl->as_of
                  : !pull_due(pl->tiers, pl->n_tiers, age, k->last_snap ? pl->as_of - k->last_snap : -1))
            continue;
        if (pl->user_context && k->posted_at && age < PRIVATE_MAX_AGE_S)
            memcpy(d->young[d->n_young++], k->id, 24);
        else
            memcpy(d->old[d->n_old++], k->id, 24);
    }
}

/* One /2/tweets request of up to 100 due posts. */
struct batch {
    char (*ids)[24];
    int n;
    bool private_fields;
    struct sbuf path;
};

/*
 * Fetches the batches at once (pull.concurrency in flight).  A batch whose
 * private metrics X refused (400: a post crossed its 30-day line) is asked
 * again without them; any other failure fails the account.
 */
static int fetch_batches(struct xapi *x, struct batch *b, int n, long conc, struct progress *prog, struct xerr *err)
{
    struct xapi_call *calls = xcalloc((size_t)(n ? n : 1), sizeof *calls);
    int rc = 0, again = 0;
    for (int i = 0; i < n; i++) {
        batch_path(&b[i].path, b[i].ids, b[i].n, b[i].private_fields);
        calls[i].endpoint = "/2/tweets";
        calls[i].path = b[i].path.buf;
    }
    if (n)
        rc = xapi_get_many(x, calls, n, (int)conc, err);
    for (int i = 0; rc && i < n; i++)
        if (calls[i].rc && !(b[i].private_fields && calls[i].status == 400)) {
            *err = calls[i].err;
            goto out;
        }
    xerr_clear(err);
    rc = 0;
    for (int i = 0; i < n; i++) {
        if (!calls[i].rc) {
            progress_step(prog, b[i].n);
            continue;
        }
        log_warn("pull: private metrics refused for a batch (%s); asking without them", calls[i].err.msg);
        b[i].private_fields = false;
        struct batch t = b[again]; /* swapped, so each path keeps one owner */
        b[again++] = b[i];
        b[i] = t;
    }
    if (again)
        rc = fetch_batches(x, b, again, conc, prog, err);
out:
    free(calls);
    return rc;
}

/* The due posts in batches of 100; rate-limit waits can make this long, so it shows progress. */
static int fetch_due(struct xapi *x, const struct due *d, long conc, struct xerr *err)
{
    int nb = (d->n_young + BATCH - 1) / BATCH + (d->n_old + BATCH - 1) / BATCH, k = 0;
    struct batch *b = xcalloc((size_t)(nb ? nb : 1), sizeof *b);
    struct progress prog;
    int rc;
    for (int pass = 0; pass < 2; pass++) {
        char (*ids)[24] = pass ? d->old : d->young;
        int n = pass ? d->n_old : d->n_young;
        for (int i = 0; i < n; i += BATCH, k++) {
            b[k].ids = ids + i;
            b[k].n = n - i < BATCH ? n - i : BATCH;
            b[k].private_fields = !pass;
            sbuf_init(&b[k].path);
        }
    }
    progress_begin(&prog, "pull: posts fetched", d->n_young + d->n_old);
    rc = fetch_batches(x, b, nb, conc, &prog, err);
    progress_end(&prog);
    for (int i = 0; i < nb; i++)
        sbuf_release(&b[i].path);
    free(b);
    return rc;
}

static int make_plan(const struct config *cfg, const struct stage_args *a, struct plan *pl, struct xerr *err)
{
    long track_days, tl_days;
    int rc;
    memset(pl, 0, sizeof *pl);
    pl->as_of = a->as_of;
    pl->range = a->range;
    if ((rc = pull_parse_schedule(config_get(cfg, "pull.refresh_schedule"), pl->tiers, &pl->n_tiers, err)) ||
        (rc = config_get_long(cfg, "pull.track_days", &track_days, err)) ||
        (rc = config_get_long(cfg, "pull.timeline_days", &tl_days, err)) ||
        (rc = config_get_bool(cfg, "x_user_context", &pl->user_context, err)) ||
        (rc = config_get_long(cfg, "pull.concurrency", &pl->concurrency, err)))
        return rc;
    pl->window_from = a->as_of - track_days * XTIME_DAY;
    pl->tl_from = a->as_of - tl_days * XTIME_DAY;
    pl->tl_to = a->as_of;
    if (a->range.from && a->range.from < pl->window_from)
        pl->window_from = a->range.from;
    if (a->range.from && a->range.from < pl->tl_from)
        pl->tl_from = a->range.from;
    if (a->range.to && a->range.to < pl->tl_to)
        pl->tl_to = a->range.to;
    return 0;
}

/* The account's follower count; 78 when X has no such user. */
static int fetch_user(struct xapi *x, const struct account *acct, struct xerr *err)
{
    char path[96];
    struct xapi_response r;
    int rc;
    snprintf(path, sizeof path, "/2/users/%s?user.fields=public_metrics", acct->user_id);
    if ((rc = xapi_get(x, "/2/users/:id", path, &r, err)))
        return rc;
    bool found = jv_is_object(jv_get(r.json, "data"));
    xapi_response_release(&r);
    if (!found)
        return xerr_set(err, XETL_EX_CONFIG, "x has no user with id '%s' (account '%s')", acct->user_id,
                        acct->handle);
    return 0;
}

int pull_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
             struct stage_counts *counts, struct xerr *err)
{
    struct pull_lander lc = { .db = db, .acct = acct, .as_of = a->as_of, .run_id = a->run_id };
    struct plan pl;
    struct pull_bots bots = { NULL, 0 };
    struct cands c = { NULL, 0, 0 };
    struct due d = { NULL, NULL, 0, 0 };
    struct xapi *x = NULL;
    double t0 = log_wallclock();
    int rc;

    if (a->replay)
        return pull_replay(db, cfg, acct, a->as_of, counts, err);
    if ((rc = make_plan(cfg, a, &pl, err)) || (rc = xapi_open(cfg, &x, err)))
        goto out;
    xapi_set_lander(x, pull_land, &lc);
    if ((rc = pull_load_bots(db, acct, &bots, err)) || (rc = load_known(db, acct, &c, err)))
        goto out;
    for (int i = 0; i < bots.n; i++)
        cand_add(&c, bots.v[i].tweet_id, bots.v[i].posted_at, 0, false);

    /* 1. the follower count; 2. the timeline: posts the bot did not record */
    if ((rc = fetch_user(x, acct, err)) || (pl.tl_from < pl.tl_to && (rc = timeline(x, acct, &pl, &c, err))))
        goto out;
    /* 3. the due posts */
    choose_due(&pl, &c, &d);
    log_info("pull: '%s': %d posts known, %d due (%d with private metrics)", acct->handle, c.n,
             d.n_young + d.n_old, d.n_young);
    if ((rc = fetch_due(x, &d, pl.concurrency, err)))
        goto out;
    /* 4. typed rows from what was landed, all or nothing */
    if ((rc = pull_derive(db, acct, &bots, a->as_of, lc.ids, lc.n_ids, counts, err)))
        goto out;
    log_info("pull: '%s': %d posts refreshed with %ld requests in %.1f s", acct->handle, d.n_young + d.n_old,
             xapi_requests(x), log_wallclock() - t0);
out:
    if (x)
        counts->requests += xapi_requests(x); /* every attempt counts */
    if (rc)
        xerr_prefix(err, "pull: ");
    xapi_close(x);
    pull_bots_release(&bots);
    free(c.v);
    free(d.young);
    free(d.old);
    free(lc.ids);
    return rc;
}
