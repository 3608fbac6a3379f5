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
    bool tl_page_first;    /* asking for the timelines' first pages */
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

/* One account's pull: what it has, what it fetched, how it ended. */
struct job {
    const struct account *acct;
    struct pull_lander lc;
    struct pull_bots bots;
    struct pull_free free;  /* the run's untracked bot posts, as read; the probe lock */
    struct cands c;
    struct due d;
    char token[128];      /* the timeline's next page ("" none) */
    struct sbuf path;
    int rc;               /* the first failure, 0 while it goes on */
    struct xerr err;
};

/* Records a job's first failure; the job does nothing more, the others go on. */
static void job_fail(struct job *j, int rc, const struct xerr *err)
{
    if (j->rc)
        return;
    j->rc = rc;
    j->err = *err;
    xerr_prefix(&j->err, "pull: ");
}

/* One request per live job, all at once; each job's verdict goes to it. */
static void fetch_round(struct xapi *x, struct job *jobs, int n, const struct plan *pl, const char *endpoint,
                        bool (*path_of)(struct job *, const struct plan *), struct xapi_call *calls, int *nc)
{
    struct xerr err = { 0 };
    *nc = 0;
    for (int i = 0; i < n; i++) {
        if (jobs[i].rc || !path_of(&jobs[i], pl))
            continue;
        calls[*nc] = (struct xapi_call){ .endpoint = endpoint, .path = jobs[i].path.buf, .land_arg = &jobs[i].lc,
                                         .group = i, .keep_json = true };
        (*nc)++;
    }
    if (*nc)
        (void)xapi_get_many(x, calls, *nc, (int)pl->concurrency, &err); /* verdicts are per call */
    for (int k = 0; k < *nc; k++)
        if (calls[k].rc)
            job_fail(&jobs[calls[k].group], calls[k].rc, &calls[k].err);
}

static bool user_path(struct job *j, const struct plan *pl)
{
    (void)pl;
    sbuf_reset(&j->path);
    sbuf_addf(&j->path, "/2/users/%s?user.fields=public_metrics", j->acct->user_id);
    return true;
}

static bool timeline_path(struct job *j, const struct plan *pl)
{
    char from[40], to[40];
    if (!pl->tl_page_first && !*j->token)
        return false; /* no next page */
    xtime_format(pl->tl_from, from, sizeof from);
    xtime_format(pl->tl_to, to, sizeof to);
    sbuf_reset(&j->path);
    sbuf_addf(&j->path, "/2/users/%s/tweets?max_results=100&start_time=%s", j->acct->user_id, from);
    /* X rejects an end_time less than 10 s before its own clock, so only the real
     * time can say whether one may be sent (30 s allows for skew).  Results do not
     * depend on it: posts made after the as-of that X lists without end_time are
     * dropped here and in pull_parse_body. */
    if (pl->tl_to < (int64_t)time(NULL) - 30)
        sbuf_addf(&j->path, "&end_time=%s", to);
    sbuf_adds(&j->path, "&tweet.fields=" TWEET_FIELDS);
    if (*j->token)
        sbuf_addf(&j->path, "&pagination_token=%s", j->token);
    return true;
}

/* 1. the follower count of every account, 2. their timelines, page by page. */
static void fetch_users_and_timelines(struct xapi *x, struct job *jobs, int n, struct plan *pl)
{
    struct xapi_call *calls = xcalloc((size_t)n, sizeof *calls);
    struct xerr err = { 0 };
    int nc;

    fetch_round(x, jobs, n, pl, "/2/users/:id", user_path, calls, &nc);
    for (int k = 0; k < nc; k++) {
        struct job *j = &jobs[calls[k].group];
        if (!calls[k].rc && !jv_is_object(jv_get(calls[k].json, "data"))) {
            xerr_set(&err, XETL_EX_CONFIG, "x has no user with id '%s' (account '%s')", j->acct->user_id,
                     j->acct->handle);
            job_fail(j, err.code, &err);
        }
        jv_free(calls[k].json);
    }
    pl->tl_page_first = true;
    for (int page = 0; page < TIMELINE_MAX_PAGES && pl->tl_from < pl->tl_to; page++) {
        fetch_round(x, jobs, n, pl, "/2/users/:id/tweets", timeline_path, calls, &nc);
        pl->tl_page_first = false;
        for (int k = 0; k < nc; k++) {
            struct job *j = &jobs[calls[k].group];
            j->token[0] = '\0';
            if (!calls[k].rc)
                timeline_page(calls[k].json, pl->as_of, &j->c, j->token, sizeof j->token);
            jv_free(calls[k].json);
        }
        if (nc == 0)
            break;
    }
    free(calls);
}

/* One /2/tweets request of up to 100 due posts of one job. */
struct batch {
    struct job *job;
    char (*ids)[24];
    int n;
    bool private_fields;
    struct sbuf path;
};

/*
 * Fetches the batches at once (pull.concurrency in flight).  A batch whose
 * private metrics X refused (400: a post crossed its 30-day line) is asked
 * again without them; any other failure fails the batch's account.
 */
static void fetch_batches(struct xapi *x, struct batch *b, int n, long conc, struct progress *prog)
{
    struct xapi_call *calls = xcalloc((size_t)(n ? n : 1), sizeof *calls);
    struct xerr err = { 0 };
    int again = 0;
    for (int i = 0; i < n; i++) {
        batch_path(&b[i].path, b[i].ids, b[i].n, b[i].private_fields);
        calls[i] = (struct xapi_call){ .endpoint = "/2/tweets", .path = b[i].path.buf, .land_arg = &b[i].job->lc,
                                       .group = (int)(b[i].job - b[0].job) };
    }
    if (n)
        (void)xapi_get_many(x, calls, n, (int)conc, &err); /* verdicts are per call */
    for (int i = 0; i < n; i++) {
        if (!calls[i].rc) {
            progress_step(prog, b[i].n);
        } else if (b[i].private_fields && calls[i].status == 400) {
            log_warn("pull: private metrics refused for a batch (%s); asking without them", calls[i].err.msg);
            b[i].private_fields = false;
            struct batch t = b[again]; /* swapped, so each path keeps one owner */
            b[again++] = b[i];
            b[i] = t;
        } else {
            job_fail(b[i].job, calls[i].rc, &calls[i].err);
        }
    }
    if (again)
        fetch_batches(x, b, again, conc, prog);
    free(calls);
}

/* 3. the due posts of every live job in batches of 100; waits can make this long, so it shows progress. */
static void fetch_due(struct xapi *x, struct job *jobs, int n, long conc)
{
    int nb = 0, k = 0, total = 0;
    for (int i = 0; i < n; i++)
        if (!jobs[i].rc)
            nb += (jobs[i].d.n_young + BATCH - 1) / BATCH + (jobs[i].d.n_old + BATCH - 1) / BATCH;
    struct batch *b = xcalloc((size_t)(nb ? nb : 1), sizeof *b);
    struct progress prog;
    for (int i = 0; i < n; i++) {
        for (int pass = 0; pass < 2 && !jobs[i].rc; pass++) {
            char (*ids)[24] = pass ? jobs[i].d.old : jobs[i].d.young;
            int m = pass ? jobs[i].d.n_old : jobs[i].d.n_young;
            for (int o = 0; o < m; o += BATCH, k++) {
                b[k] = (struct batch){ .job = &jobs[i], .ids = ids + o, .n = m - o < BATCH ? m - o : BATCH,
                                       .private_fields = !pass };
                sbuf_init(&b[k].path);
                total += b[k].n;
            }
        }
    }
    progress_begin(&prog, "pull: posts fetched", total);
    fetch_batches(x, b, nb, conc, &prog);
    progress_end(&prog);
    for (int i = 0; i < nb; i++)
        sbuf_release(&b[i].path);
    free(b);
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

static void job_init(struct job *j, struct db *db, const struct account *acct, const struct stage_args *a)
{
    memset(j, 0, sizeof *j);
    j->acct = acct;
    j->lc = (struct pull_lander){ .db = db, .acct = acct, .as_of = a->as_of, .run_id = a->run_id };
    sbuf_init(&j->path);
}

static void job_release(struct job *j)
{
    pull_free_done(j->lc.db, &j->free, false); /* a failed probe: the run's next pull probes */
    pull_bots_release(&j->bots);
    free(j->c.v);
    free(j->d.young);
    free(j->d.old);
    free(j->lc.ids);
    sbuf_release(&j->path);
}

/*
 * What each account has: the bot's posts and the posts already tracked.  Of the
 * bot's, only those of the window are read (the timeline's too, as far back as
 * it is scanned): the others are never due (choose_due) and are never in what X
 * returns for the due ones or the timeline's pages (whose posts the bot records
 * at X's created_at).  So a pull costs the account's own posts of the window,
 * not the bot's whole table.
 */
static void load_jobs(struct db *db, struct job *jobs, int n, const struct plan *pl)
{
    struct xerr err = { 0 };
    int64_t from = pl->tl_from < pl->window_from ? pl->tl_from : pl->window_from;
    int rc;
    for (int i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        if ((rc = pull_load_bots(db, j->acct, j->lc.run_id, from, pl->as_of, true, &j->bots, &j->free, &err)) ||
            (rc = load_known(db, j->acct, &j->c, &err))) {
            job_fail(j, rc, &err);
            continue;
        }
        for (int k = 0; k < j->bots.n; k++)
            cand_add(&j->c, j->bots.v[k].tweet_id, j->bots.v[k].posted_at, 0, false);
    }
}

/* 4. typed rows from what each account landed, all or nothing per account. */
static void derive_jobs(struct db *db, struct job *jobs, int n, int64_t as_of, double t0, struct stage_counts *counts)
{
    struct xerr err = { 0 };
    int rc;
    for (int i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        if (j->rc)
            continue;
        if ((rc = pull_derive(db, j->acct, &j->bots, &j->free, as_of, j->lc.ids, j->lc.n_ids, counts, &err))) {
            job_fail(j, rc, &err);
            continue;
        }
        pull_free_done(db, &j->free, true); /* the authors it learnt are recorded: nobody waits now */
        log_info("pull: '%s': %d posts refreshed with %ld requests in %.1f s", j->acct->handle,
                     j->d.n_young + j->d.n_old, j->lc.attempts, log_wallclock() - t0);
    }
}

int pull_run_accounts(struct db *db, const struct config *cfg, const struct account *accts, int n,
                      const struct stage_args *a, struct stage_counts *counts, struct xerr *err)
{
    struct job *jobs = xcalloc((size_t)(n ? n : 1), sizeof *jobs);
    struct xapi *x = NULL;
    struct plan pl;
    double t0 = log_wallclock();
    int rc = 0, failed = 0;

    if (n <= 0)
        goto out;
    for (int i = 0; i < n; i++)
        job_init(&jobs[i], db, &accts[i], a);
    if ((rc = make_plan(cfg, a, &pl, err)) || (rc = xapi_open(cfg, &x, err))) {
        xerr_prefix(err, "pull: ");
        goto out;
    }
    xapi_set_lander(x, pull_land, NULL);
    load_jobs(db, jobs, n, &pl);
    fetch_users_and_timelines(x, jobs, n, &pl);
    for (int i = 0; i < n; i++) {
        if (jobs[i].rc)
            continue;
        choose_due(&pl, &jobs[i].c, &jobs[i].d);
        log_info("pull: '%s': %d posts known, %d due (%d with private metrics)", jobs[i].acct->handle,
                 jobs[i].c.n, jobs[i].d.n_young + jobs[i].d.n_old, jobs[i].d.n_young);
    }
    fetch_due(x, jobs, n, pl.concurrency);
    derive_jobs(db, jobs, n, a->as_of, t0, counts);
    /* Every account was tried; the first that failed (in account order) gives the exit status. */
    for (int i = 0; i < n; i++) {
        if (!jobs[i].rc)
            continue;
        if (!failed++) {
            rc = jobs[i].rc;
            *err = jobs[i].err;
        }
        if (n > 1)
            log_error("%s", jobs[i].err.msg);
    }
    if (n > 1 && failed)
        log_error("pull: %d of %d accounts failed", failed, n);
    if (n > 1)
        log_info("pull: %d accounts, %ld requests in %.1f s", n, xapi_requests(x), log_wallclock() - t0);
out:
    if (x)
        counts->requests += xapi_requests(x); /* every attempt counts */
    xapi_close(x);
    for (int i = 0; i < n; i++)
        job_release(&jobs[i]);
    free(jobs);
    return rc;
}

int pull_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
             struct stage_counts *counts, struct xerr *err)
{
    if (a->replay)
        return pull_replay(db, cfg, acct, a->run_id, a->as_of, counts, err);
    return pull_run_accounts(db, cfg, acct, 1, a, counts, err);
}
