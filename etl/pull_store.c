/*
 * etl/pull_store.c — see pull_store.h.  Every statement is in sql/queries/pull/.
 *
 * Deriving reads the landed bodies back from the database (the very path
 * `rerun` takes), parses each into stage rows, streams them by COPY into a
 * temporary stage table, and moves them into place with set-based upserts
 * that leave unchanged rows alone.  A run killed anywhere leaves either all
 * typed rows of the account or none.
 */
#include "etl/pull_store.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "etl/db.h"
#include "etl/pull.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* Appends the rows of one of bots.sql's shape (sorted, a tweet's first decision first). */
static void add_bots(const struct db_res *res, struct pull_bots *out)
{
    int n = db_nrows(res);
    int c_tid = db_col(res, "tid"), c_ref = db_col(res, "ref"), c_kind = db_col(res, "kind"),
        c_pat = db_col(res, "posted_at"), c_ptid = db_col(res, "ptid"), c_puser = db_col(res, "puser"),
        c_ctid = db_col(res, "ct_id"), c_ctname = db_col(res, "ct_name"), c_formula = db_col(res, "formula"),
        c_hook = db_col(res, "hook"), c_gm = db_col(res, "gm");
    int first = out->n;
    out->v = xrealloc(out->v, (size_t)(out->n + n + 1) * sizeof *out->v);
    for (int i = 0; i < n; i++) {
        const char *tid = db_get_text(res, i, c_tid);
        /* Duplicates (a tweet under two decisions) are adjacent: keep the first. */
        if (out->n > first && strcmp(out->v[out->n - 1].tweet_id, tid) == 0)
            continue;
        struct pull_bot *r = &out->v[out->n++];
        r->tweet_id = xstrdup(tid);
        char did[37];
        r->decision_id = pull_decision_uuid(db_get_text(res, i, c_ref), did) ? xstrdup(did) : NULL;
        r->kind = xstrdup(db_get_text(res, i, c_kind));
        r->posted_at = db_get_epoch(res, i, c_pat, 0);
        r->parent_tweet_id = dup_or_null(db_get_text(res, i, c_ptid));
        r->parent_username = dup_or_null(db_get_text(res, i, c_puser));
        r->ct_id = dup_or_null(db_get_text(res, i, c_ctid));
        r->ct_name = dup_or_null(db_get_text(res, i, c_ctname));
        r->formula = dup_or_null(db_get_text(res, i, c_formula));
        r->hook = dup_or_null(db_get_text(res, i, c_hook));
        r->genmeta = dup_or_null(db_get_text(res, i, c_gm));
    }
}

/* The run's probe lock (two-int advisory key: "xpbf" and the run's key). */
static int free_lock(struct db *db, const struct pull_free *fr, bool lock, struct xerr *err)
{
    char k[24];
    const char *p[] = { db_fmt_long(k, sizeof k, (long)(fr->key % 2147483647)) };
    return db_cmd(db, lock ? "SELECT pg_advisory_lock(2020631142, $1::int)" : "SELECT pg_advisory_unlock(2020631142, $1::int)",
                  1, p, NULL, err);
}

/* Removes the rows of xetl.pull_bot_free and its runs table that killed runs left (pull/free_stale). */
static int free_stale(struct db *db, const char *run_key, struct xerr *err)
{
    struct db_res *res = NULL;
    int rc;
    if ((rc = db_query(db, "runlog/live_backends", 0, NULL, &res, err)))
        return rc;
    const char *v = db_get_text(res, 0, 0);
    char *pids = xstrdup(v ? v : "{}");
    db_res_free(res);
    const char *q[] = { run_key, pids };
    rc = db_query(db, "pull/free_stale", 2, q, &res, err);
    free(pids);
    if (rc)
        return rc;
    const char *gone[] = { db_get_text(res, 0, 0) };
    if (gone[0] && strcmp(gone[0], "{}") != 0) {
        rc = db_cmd(db, "DELETE FROM xetl.pull_bot_free WHERE run_id = ANY ($1::bigint[])", 1, gone, NULL, err);
        if (!rc)
            rc = db_cmd(db, "DELETE FROM xetl.pull_bot_free_runs WHERE run_id = ANY ($1::bigint[])", 1, gone, NULL,
                        err);
    }
    db_res_free(res);
    return rc;
}

/*
 * Under the probe lock: fills the run's xetl.pull_bot_free for the window
 * p[1..2] (free_fill.sql) the first time a pull of the run asks for it, in
 * one transaction with its row in pull_bot_free_runs; *probed: whether the
 * run's first pull has learnt the unknown authors already.
 */
static int free_ensure(struct db *db, const char *const *p, bool *probed, struct xerr *err)
{
    struct db_res *res;
    int rc;
    if ((rc = db_query(db, "SELECT probed FROM xetl.pull_bot_free_runs WHERE run_id = $1 AND from_t = $2 AND to_t = $3",
                       3, p, &res, err)))
        return rc;
    bool have = db_nrows(res) > 0;
    *probed = have && db_get_bool(res, 0, 0, false);
    db_res_free(res);
    if (have)
        return 0;
    if ((rc = db_begin(db, err)))
        return rc;
    if ((rc = free_stale(db, p[0], err)) || (rc = db_cmd(db, "pull/free_fill", 3, p, NULL, err)) ||
        (rc = db_cmd(db, "INSERT INTO xetl.pull_bot_free_runs (run_id, from_t, to_t) VALUES ($1, $2, $3)", 3, p, NULL,
                     err))) {
        db_rollback(db);
        return rc;
    }
    if ((rc = db_commit(db, err)))
        return rc;
    return db_cmd(db, "ANALYZE xetl.pull_bot_free", 0, NULL, NULL, err); /* it was (nearly) empty */
}

/* The run's rows of xetl.pull_bot_free that user_id may own, into out (fr->key set). */
static int free_read(struct db *db, const struct account *acct, bool may_probe, struct pull_bots *out,
                     struct pull_free *fr, struct xerr *err)
{
    char key[24], f[40], t[40];
    const char *p[] = { db_fmt_long(key, sizeof key, (long)fr->key), db_fmt_time(f, sizeof f, fr->from),
                        db_fmt_time(t, sizeof t, fr->to), acct->user_id };
    struct db_res *res = NULL;
    bool probed = false;
    int rc, unknown = 0;

    if ((rc = free_lock(db, fr, true, err)))
        return rc;
    fr->probing = true; /* held: released below, or by pull_free_done after the derive */
    if ((rc = free_ensure(db, p, &probed, err)) || (rc = db_query(db, "pull/free_read", 4, p, &res, err)))
        return rc;
    int c_unknown = db_col(res, "unknown");
    for (int i = 0; i < db_nrows(res); i++)
        unknown += db_get_bool(res, i, c_unknown, false);
    add_bots(res, out);
    db_res_free(res);
    if (!may_probe || probed || !unknown)
        pull_free_done(db, fr, false);
    return 0;
}

int pull_load_bots(struct db *db, const struct account *acct, int64_t run_id, int64_t from, int64_t to,
                   bool may_probe, struct pull_bots *out, struct pull_free *fr, struct xerr *err)
{
    char aid[24], f[40], t[40];
    const char *p[] = { db_fmt_long(aid, sizeof aid, (long)acct->id), acct->user_id,
                        db_fmt_time(f, sizeof f, from), db_fmt_time(t, sizeof t, to) };
    struct db_res *res = NULL;
    int rc;

    out->v = NULL;
    out->n = 0;
    *fr = (struct pull_free){ .key = run_id, .from = from, .to = to };
    if (!acct->bot_content) {
        fr->key = 0;
        return 0;
    }
    /* The account's own bot posts, then those no account tracks: disjoint sets. */
    if ((rc = db_query(db, "pull/bots", 4, p, &res, err)))
        return rc;
    add_bots(res, out);
    db_res_free(res);
    if (!run_id) { /* no run recorded: this session's own key */
        if ((rc = db_query(db, "SELECT -pg_backend_pid()", 0, NULL, &res, err)))
            goto fail;
        fr->key = db_get_int64(res, 0, 0, 0);
        db_res_free(res);
    }
    if ((rc = free_read(db, acct, may_probe, out, fr, err)))
        goto fail;
    /* Sorted with strcmp so the lookups agree with the order. */
    pull_bots_sort(out);
    return 0;
fail:
    pull_free_done(db, fr, false);
    pull_bots_release(out);
    return rc;
}

void pull_free_done(struct db *db, struct pull_free *fr, bool probed)
{
    struct xerr ignored = { 0 };
    char key[24], f[40], t[40];
    if (!fr->probing)
        return;
    fr->probing = false;
    if (!db_alive(db))
        return; /* the session, and its lock, are gone */
    if (probed) {
        const char *p[] = { db_fmt_long(key, sizeof key, (long)fr->key), db_fmt_time(f, sizeof f, fr->from),
                            db_fmt_time(t, sizeof t, fr->to) };
        db_cmd(db, "UPDATE xetl.pull_bot_free_runs SET probed = true WHERE run_id = $1 AND from_t = $2 AND to_t = $3", 3, p,
               NULL, &ignored);
    }
    free_lock(db, fr, false, &ignored);
}

int pull_run_end(struct db *db, int64_t run_id, struct xerr *err)
{
    char key[24];
    const char *p[] = { db_fmt_long(key, sizeof key, (long)run_id) };
    if (!run_id)
        return 0;
    return db_cmd(db, "pull/free_end", 1, p, NULL, err);
}

/* --- landing -------------------------------------------------------------- */

int pull_land(void *arg, const struct xapi_attempt *a, int64_t *id, struct xerr *err)
{
    struct pull_lander *lc = arg;
    static const char hex[] = "0123456789abcdef";
    char acct[24], run[24], asof[40], att[16], st[16], dur[24], rem[24], reset[40];
    struct sbuf body = SBUF_INIT;
    struct db_res *res = NULL;
    int rc;

    /* Hex, so that any bytes X sent (NULs, invalid UTF-8) land as they came. */
    sbuf_init(&body);
    sbuf_grow(&body, a->body_len * 2 + 1);
    for (size_t i = 0; i < a->body_len; i++) {
        unsigned char c = (unsigned char)a->body[i];
        body.buf[body.len++] = hex[c >> 4];
        body.buf[body.len++] = hex[c & 15];
    }
    body.buf[body.len] = '\0';
    const char *p[] = {
        db_fmt_long(acct, sizeof acct, (long)lc->acct->id),
        lc->run_id ? db_fmt_long(run, sizeof run, (long)lc->run_id) : NULL,
        db_fmt_time(asof, sizeof asof, lc->as_of),
        a->endpoint,
        a->path,
        db_fmt_long(att, sizeof att, a->attempt),
        db_fmt_long(st, sizeof st, a->http_status),
        db_fmt_long(dur, sizeof dur, a->duration_ms),
        a->error,
        a->rl_remaining >= 0 ? db_fmt_long(rem, sizeof rem, a->rl_remaining) : NULL,
        a->rl_reset > 0 ? db_fmt_time(reset, sizeof reset, a->rl_reset) : NULL,
        body.buf,
    };
    rc = db_query(lc->db, "pull/land", 12, p, &res, err);
    sbuf_release(&body);
    if (rc)
        return xerr_prefix(err, "cannot land the response of %s: ", a->endpoint);
    *id = db_get_int64(res, 0, 0, 0);
    db_res_free(res);
    lc->attempts++;
    if (!a->error) {
        if (lc->n_ids == lc->cap_ids) {
            lc->cap_ids = lc->cap_ids ? lc->cap_ids * 2 : 64;
            lc->ids = xrealloc(lc->ids, (size_t)lc->cap_ids * sizeof *lc->ids);
        }
        lc->ids[lc->n_ids++] = *id;
    }
    return 0;
}

/* --- deriving typed rows from landed bodies ------------------------------- */

/* One stage row, in the column order of sql/queries/pull/stage_copy.sql. */
static int copy_row(struct db_copy *c, const struct pull_row *r, struct xerr *err)
{
    db_copy_text(c, r->tweet_id);
    db_copy_int64(c, r->response_id);
    db_copy_bool(c, r->has_metrics);
    if (r->has_created)
        db_copy_time(c, r->created_at);
    else
        db_copy_null(c);
    const char *const text[] = { r->text, r->kind, r->parent_tweet_id, r->parent_username, r->decision_id,
                                 r->origin, r->ct_id, r->ct_name, r->formula, r->hook, r->genmeta };
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        db_copy_text(c, text[i]);
    for (int i = 0; i < PM_COUNT; i++) {
        if (r->metric[i] >= 0)
            db_copy_int64(c, r->metric[i]);
        else
            db_copy_null(c);
    }
    db_copy_text(c, r->metrics_extra);
    db_copy_text(c, r->err_status);
    db_copy_text(c, r->err_detail);
    return db_copy_end_row(c, err);
}

/* Parses every landed body of res and COPYs its rows into pull_stage. */
static int stage_bodies(struct db *db, const struct db_res *res, struct pull_parse *pp, struct xerr *err)
{
    struct db_copy *c = NULL;
    struct xerr ignored = { 0 };
    const char *why = NULL;
    int rc;

    if ((rc = db_cmd(db, "pull/stage_table", 0, NULL, NULL, err)) ||
        (rc = db_copy_open(db, "pull/stage_copy", &c, err)))
        return rc;
    for (int i = 0; i < db_nrows(res) && !rc; i++) {
        char jwhy[160] = "empty";
        const char *body = db_get_text(res, i, 2);
        struct jv *j = body ? jv_parse(body, strlen(body), jwhy, sizeof jwhy) : NULL;
        if (!j) {
            rc = xerr_set(err, XETL_EX_SOFTWARE, "landed response %s is not json: %s", db_get_text(res, i, 0),
                          jwhy);
            why = "a landed response is not json";
            break;
        }
        pull_parse_body(pp, db_get_text(res, i, 1), j, db_get_int64(res, i, 0, 0));
        for (int k = 0; k < pp->n_rows && !rc; k++)
            rc = copy_row(c, &pp->rows[k], err);
        if (rc)
            why = "stage rows could not be sent";
        pull_parse_clear(pp);
        jv_free(j);
    }
    if (why) {
        db_copy_close(c, why, NULL, &ignored); /* err already says why */
        return rc;
    }
    return db_copy_close(c, NULL, NULL, err);
}

/* The upserts from pull_stage into place, and the follower sample. */
static int upsert(struct db *db, const struct account *acct, int64_t as_of, const struct pull_parse *pp,
                  struct stage_counts *counts, struct xerr *err)
{
    char aid[24], asof[40], fol[24], fing[24], tc[24], lc[24], frid[24];
    long n;
    int rc;
    const char *fp = pp->followers >= 0 ? db_fmt_long(fol, sizeof fol, pp->followers) : NULL;
    const char *p3[] = { db_fmt_long(aid, sizeof aid, (long)acct->id), db_fmt_time(asof, sizeof asof, as_of), fp };

    if ((rc = db_cmd(db, "pull/posts", 2, p3, &n, err)) || (rc = db_cmd(db, "pull/snapshots", 3, p3, &n, err)))
        return rc;
    counts->rows += n;
    if ((rc = db_cmd(db, "pull/tac", 2, p3, &n, err)) || (rc = db_cmd(db, "pull/replies", 2, p3, &n, err)))
        return rc;
    if (pp->followers >= 0) {
        const char *pf[] = { p3[0], p3[1], fp,
                             pp->following >= 0 ? db_fmt_long(fing, sizeof fing, pp->following) : NULL,
                             pp->tweets >= 0 ? db_fmt_long(tc, sizeof tc, pp->tweets) : NULL,
                             pp->listed >= 0 ? db_fmt_long(lc, sizeof lc, pp->listed) : NULL,
                             db_fmt_long(frid, sizeof frid, (long)pp->followers_response) };
        if ((rc = db_cmd(db, "pull/followers", 7, pf, &n, err)))
            return rc;
        counts->rows += n;
    }
    return 0;
}

/*
 * The bot posts of other X users this pull saw, by author (xetl.bot_post_authors);
 * and, when this pull read the run's xetl.pull_bot_free (fr->key), what it
 * changed of it: the posts it staged are now the account's, and the authors.
 */
static int record_authors(struct db *db, const struct pull_parse *pp, const struct pull_free *fr, int64_t as_of,
                          struct xerr *err)
{
    struct sbuf ids = SBUF_INIT, authors = SBUF_INIT;
    char asof[40], key[24];
    int rc;
    const char *pk[] = { db_fmt_long(key, sizeof key, (long)fr->key) };
    if (fr->key && (rc = db_cmd(db, "pull/free_claim", 1, pk, NULL, err)))
        return rc;
    if (pp->n_foreign == 0)
        return 0;
    sbuf_init(&ids);
    sbuf_init(&authors);
    sbuf_addc(&ids, '{');
    sbuf_addc(&authors, '{');
    for (int i = 0; i < pp->n_foreign; i++) { /* digits only: nothing to quote */
        sbuf_addf(&ids, "%s%s", i ? "," : "", pp->foreign_v[i].tweet_id);
        sbuf_addf(&authors, "%s%s", i ? "," : "", pp->foreign_v[i].author_id);
    }
    sbuf_addc(&ids, '}');
    sbuf_addc(&authors, '}');
    const char *p[] = { ids.buf, authors.buf, db_fmt_time(asof, sizeof asof, as_of) };
    const char *pf[] = { ids.buf, authors.buf, key };
    rc = db_cmd(db, "pull/bot_authors", 3, p, NULL, err);
    if (!rc && fr->key)
        rc = db_cmd(db, "pull/free_authors", 3, pf, NULL, err);
    sbuf_release(&ids);
    sbuf_release(&authors);
    return rc;
}

/* Runs inside the caller's transaction. */
static int derive_landed(struct db *db, const struct account *acct, const struct pull_bots *bots,
                         const struct pull_free *fr, int64_t as_of, const int64_t *ids, int n_ids,
                         struct stage_counts *counts, struct xerr *err)
{
    struct pull_parse pp;
    struct sbuf idlist = SBUF_INIT;
    struct db_res *res = NULL;
    char aid[24], asof[40];
    int rc;

    pull_parse_init(&pp, acct->user_id, bots, as_of);
    sbuf_init(&idlist);
    sbuf_addc(&idlist, '{');
    for (int i = 0; ids && i < n_ids; i++)
        sbuf_addf(&idlist, "%s%lld", i ? "," : "", (long long)ids[i]);
    sbuf_addc(&idlist, '}');
    const char *p[] = { db_fmt_long(aid, sizeof aid, (long)acct->id), db_fmt_time(asof, sizeof asof, as_of),
                        ids ? idlist.buf : NULL };
    if ((rc = db_query(db, "pull/landed", 3, p, &res, err)) || (rc = stage_bodies(db, res, &pp, err)))
        goto out;
    if (pp.foreign)
        log_warn("pull: %ld posts of other accounts skipped for '%s'", pp.foreign, acct->handle);
    if (pp.field_refused)
        log_warn("pull: %ld posts skipped for '%s': x refused their private metrics, so the token's user did not "
                 "write them (if they are this account's, x_user_context must be false for this token)",
                 pp.field_refused, acct->handle);
    if ((rc = upsert(db, acct, as_of, &pp, counts, err)) || (rc = record_authors(db, &pp, fr, as_of, err)))
        goto out;
    counts->warnings += pp.warnings;
out:
    db_res_free(res);
    pull_parse_release(&pp);
    sbuf_release(&idlist);
    return rc;
}

int pull_derive(struct db *db, const struct account *acct, const struct pull_bots *bots,
                const struct pull_free *fr, int64_t as_of, const int64_t *ids, int n_ids,
                struct stage_counts *counts, struct xerr *err)
{
    int rc;
    if ((rc = db_begin(db, err)))
        return rc;
    if ((rc = derive_landed(db, acct, bots, fr, as_of, ids, n_ids, counts, err))) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, err);
}

int pull_replay(struct db *db, const struct config *cfg, const struct account *acct, int64_t run_id, int64_t as_of,
                struct stage_counts *counts, struct xerr *err)
{
    struct pull_bots bots;
    struct pull_free fr;
    int rc;
    (void)cfg;
    /* Whatever window the landed pull had (a --since range too): the bot rows of any time. */
    if ((rc = pull_load_bots(db, acct, run_id, 0, as_of, false, &bots, &fr, err)))
        return xerr_prefix(err, "pull: ");
    rc = pull_derive(db, acct, &bots, &fr, as_of, NULL, 0, counts, err);
    pull_bots_release(&bots);
    return rc ? xerr_prefix(err, "pull: replay of '%s': ", acct->handle) : 0;
}
