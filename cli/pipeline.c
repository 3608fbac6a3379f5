/*
 * cli/pipeline.c — see pipeline.h.
 */
#include "cli/pipeline.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "etl/attribute.h"
#include "etl/db.h"
#include "etl/fit.h"
#include "etl/health.h"
#include "etl/learn.h"
#include "etl/migrate.h"
#include "etl/pull.h"
#include "reports/mail.h"
#include "reports/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Advisory lock key of nightly/rerun: "xetlnigh". */
#define PIPELINE_LOCK_KEY 0x7865746c6e696768LL

typedef int (*stage_fn)(struct db *, const struct config *, const struct account *, const struct stage_args *,
                        struct stage_counts *, struct xerr *);

static int64_t stage_begin(struct db *db, int64_t run_id, const char *stage, const struct account *acct)
{
    char rid[32], aid[32];
    struct xerr ignored = { 0 };
    PGresult *res;

    if (!run_id)
        return 0;
    snprintf(rid, sizeof rid, "%lld", (long long)run_id);
    snprintf(aid, sizeof aid, "%lld", (long long)(acct ? acct->id : 0));
    const char *p[] = { rid, stage, acct ? aid : NULL };
    res = db_exec(db, "INSERT INTO xetl.run_stages (run_id, stage, account_id) VALUES ($1, $2, $3) RETURNING stage_id",
                  3, p, &ignored);
    if (!res)
        return 0;
    int64_t id = (int64_t)db_long(res, 0, 0, 0);
    PQclear(res);
    return id;
}

static void stage_end(struct db *db, int64_t stage_id, int rc, const struct stage_counts *c, const char *error)
{
    char sid[32];
    struct sbuf counts = SBUF_INIT;
    struct xerr ignored = { 0 };

    if (!stage_id || PQstatus(db_pg(db)) != CONNECTION_OK)
        return;
    db_rollback(db);
    sbuf_init(&counts);
    sbuf_addf(&counts,
              "{\"requests\":%ld,\"rows\":%ld,\"rejects\":%ld,\"fits\":%ld,\"attributions\":%ld,"
              "\"reports\":%ld,\"warnings\":%ld}",
              c->requests, c->rows, c->rejects, c->fits, c->attributions, c->reports, c->warnings);
    snprintf(sid, sizeof sid, "%lld", (long long)stage_id);
    const char *p[] = { sid, rc ? "failed" : "ok", counts.buf, rc ? error : NULL };
    if (db_cmd(db,
               "UPDATE xetl.run_stages SET finished_at = statement_timestamp(), status = $2, counts = $3::jsonb,"
               " error = $4 WHERE stage_id = $1",
               4, p, NULL, &ignored))
        log_warn("cannot record the end of a stage in xetl.run_stages: %s", ignored.msg);
    sbuf_release(&counts);
}

static int replay_landed(struct db *db, const struct config *cfg, const struct account *acct,
                         const struct stage_args *a, const struct xrange *landed, struct stage_counts *counts,
                         struct xerr *err)
{
    char aid[32], from[40], to[40];
    PGresult *res;
    int rc = 0;

    (void)a;
    snprintf(aid, sizeof aid, "%lld", (long long)acct->id);
    const char *p[] = { aid, db_fmt_time(from, sizeof from, landed->from), db_fmt_time(to, sizeof to, landed->to) };
    res = db_exec(db,
                  "SELECT DISTINCT extract(epoch FROM as_of)::bigint FROM xetl.raw_responses"
                  " WHERE account_id = $1 AND as_of >= $2 AND as_of < $3 AND http_status BETWEEN 200 AND 299"
                  " ORDER BY 1",
                  3, p, err);
    if (!res)
        return err->code;
    for (int i = 0; i < PQntuples(res) && !rc; i++)
        rc = pull_replay(db, cfg, acct, db_epoch(res, i, 0, 0), counts, err);
    PQclear(res);
    return rc;
}

/* Runs one stage for one account, recorded in xetl.run_stages. */
static int run_stage(struct ctx *ctx, struct db *db, const char *name, stage_fn fn, const struct account *acct,
                     const struct stage_args *a, const struct pipeline_plan *plan, struct report_files *files)
{
    struct stage_counts c = { 0 };
    double t0 = log_wallclock();
    int64_t sid = stage_begin(db, ctx->run_id, name, acct);
    int rc;

    if (!strcmp(name, "replay")) {
        rc = replay_landed(db, ctx->cfg, acct, a, &plan->landed, &c, &ctx->err);
    } else if (!strcmp(name, "report")) {
        struct report_opts ro = { 0 };
        ro.out_dir = config_get(ctx->cfg, "report.out");
        rc = report_parse_formats(config_get(ctx->cfg, "report.format"), &ro, &ctx->err);
        if (!rc)
            rc = report_generate(db, ctx->cfg, acct, a, &ro, files, &c, &ctx->err);
    } else {
        rc = fn(db, ctx->cfg, acct, a, &c, &ctx->err);
    }
    stage_end(db, sid, rc, &c, ctx->err.msg);
    cli_counts_add(&ctx->counts, &c);
    if (rc) {
        xerr_prefix(&ctx->err, "stage '%s' failed for account '%s': ", name, acct->handle);
        return rc;
    }
    char what[256];
    cli_counts_text(&c, what, sizeof what);
    log_info("%s '%s': done in %.1f s (%s)", name, acct->handle, log_wallclock() - t0, what);
    return 0;
}

static int run_rollup(struct ctx *ctx, struct db *db, const struct account_list *accts,
                      const struct pipeline_plan *plan, struct report_files *files)
{
    struct stage_counts c = { 0 };
    struct stage_args a = { .as_of = plan->as_of, .run_id = ctx->run_id, .range = plan->report };
    struct report_opts ro = { 0 };
    int64_t sid = stage_begin(db, ctx->run_id, "rollup", NULL);
    int rc;

    ro.out_dir = config_get(ctx->cfg, "report.out");
    if (!(rc = report_parse_formats(config_get(ctx->cfg, "report.format"), &ro, &ctx->err)))
        rc = report_rollup(db, ctx->cfg, accts, &a, &ro, files, &c, &ctx->err);
    stage_end(db, sid, rc, &c, ctx->err.msg);
    cli_counts_add(&ctx->counts, &c);
    if (rc)
        xerr_prefix(&ctx->err, "stage 'rollup' failed: ");
    return rc;
}

int pipeline_close_stale_runs(struct ctx *ctx, struct db *db, bool locked)
{
    char rid[32];
    struct xerr err = { 0 };
    PGresult *res;
    snprintf(rid, sizeof rid, "%lld", (long long)ctx->run_id);
    /*
     * A command killed with SIGKILL leaves its xetl.runs row 'running'.  Its
     * session's backend is gone then, whichever command it was.  Rows from
     * before backend_pid was recorded are history once we hold the lock:
     * every command that changes data takes it, so no other can be alive.
     * The live backends are read first and passed in: on Citus, xetl.runs is
     * a reference table and an UPDATE of it cannot read a catalog view.
     */
    if (!(res = db_exec(db, "SELECT coalesce(array_agg(pid), '{}')::text FROM pg_stat_activity", 0, NULL, &err))) {
        ctx->err = err;
        return xerr_prefix(&ctx->err, "cannot close the run log rows of killed runs: ");
    }
    const char *p[] = { rid, locked ? "t" : "f", db_str(res, 0, 0) };
    int rc = db_cmd(db,
                    "UPDATE xetl.runs r SET status = 'failed', error = 'interrupted: the process ended without finishing'"
                    " WHERE r.status = 'running' AND r.run_id <> $1"
                    "   AND (CASE WHEN r.backend_pid IS NULL THEN $2::boolean"
                    "             ELSE r.backend_pid <> ALL ($3::int[]) END)",
                    3, p, NULL, &err);
    PQclear(res);
    if (rc ||
        db_cmd(db,
               "UPDATE xetl.run_stages s SET status = 'failed', error = 'interrupted'"
               " FROM xetl.runs r WHERE r.run_id = s.run_id AND s.status = 'running' AND r.status = 'failed'",
               0, NULL, NULL, &err)) {
        ctx->err = err;
        return xerr_prefix(&ctx->err, "cannot close the run log rows of killed runs: ");
    }
    return 0;
}

/* shard: the holder is the running run of that shard ("K/N"); NULL: the latest running run. */
static int lock_busy(struct ctx *ctx, struct db *db, const char *shard)
{
    char rid[32];
    PGresult *res;
    snprintf(rid, sizeof rid, "%lld", (long long)ctx->run_id);
    const char *p[] = { rid, shard };
    res = db_exec(db,
                  "SELECT run_id, command, coalesce(pid::text, '?'), coalesce(hostname, '?'),"
                  " to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                  " coalesce(', shard ' || shard, '')"
                  " FROM xetl.runs WHERE status = 'running'"
                  " AND run_id <> $1 AND run_id < coalesce(nullif($1::bigint, 0), 9223372036854775807)"
                  " AND ($2::text IS NULL OR shard = $2)"
                  " ORDER BY started_at DESC LIMIT 1",
                  2, p, &ctx->err);
    if (res && PQntuples(res) == 1)
        xerr_set(&ctx->err, XETL_EX_TEMPFAIL,
                 "another run holds the %s%s lock (%s run %s%s, pid %s on %s, started %s); try again later",
                 shard ? "shard " : "nightly", shard ? shard : "", PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0),
                 PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
    else
        xerr_set(&ctx->err, XETL_EX_TEMPFAIL, "another session holds the %s%s lock; try again later",
                 shard ? "shard " : "nightly", shard ? shard : "");
    PQclear(res);
    return XETL_EX_TEMPFAIL;
}

int pipeline_lock(struct ctx *ctx, struct db *db)
{
    bool got = false;
    int rc;

    if ((rc = db_try_lock(db, PIPELINE_LOCK_KEY, &got, &ctx->err)))
        return rc;
    if (!got)
        return lock_busy(ctx, db, NULL);
    if ((rc = pipeline_close_stale_runs(ctx, db, true))) {
        struct xerr ignored = { 0 };
        db_unlock(db, PIPELINE_LOCK_KEY, &ignored);
    }
    return rc;
}

void pipeline_unlock(struct db *db)
{
    struct xerr ignored = { 0 };
    if (PQstatus(db_pg(db)) != CONNECTION_OK)
        return; /* the server dropped the session, and its locks with it */
    db_rollback(db);
    db_unlock(db, PIPELINE_LOCK_KEY, &ignored);
}

int pipeline_parse_shard(struct ctx *ctx, const char *cmd, const char *arg, struct pipeline_plan *plan)
{
    char *end;
    long k = strtol(arg, &end, 10), n = 0;
    if (end != arg && *end == '/' && end[1] >= '0' && end[1] <= '9')
        n = strtol(end + 1, &end, 10);
    if (*end || k < 1 || n < 1 || k > n || n > PIPELINE_MAX_SHARDS)
        return cli_usage_error(ctx, cmd, "--shard must be K/N with 1 <= K <= N <= %d, not '%s'",
                               PIPELINE_MAX_SHARDS, arg);
    plan->shard_k = (int)k;
    plan->shard_n = (int)n;
    return 0;
}

/* A shard's own lock key: "xetl", then N and K (apart from PIPELINE_LOCK_KEY: N <= 1000). */
static int64_t shard_key(const struct pipeline_plan *plan)
{
    return (int64_t)0x7865746cLL << 32 | (int64_t)plan->shard_n << 16 | (int64_t)plan->shard_k;
}

static void shard_unlock(struct db *db, const struct pipeline_plan *plan, bool own)
{
    char k[32];
    struct xerr ignored = { 0 };
    if (PQstatus(db_pg(db)) != CONNECTION_OK)
        return; /* the server dropped the session, and its locks with it */
    db_rollback(db);
    if (own)
        db_unlock(db, shard_key(plan), &ignored);
    snprintf(k, sizeof k, "%lld", (long long)PIPELINE_LOCK_KEY);
    const char *p[] = { k };
    db_cmd(db, "SELECT pg_advisory_unlock_shared($1::bigint)", 1, p, NULL, &ignored);
}

/*
 * A shard holds the nightly lock shared (beside other shards; an unsharded
 * run or a stage command, which hold it exclusive, exclude every shard and are
 * excluded by any) and its own key exclusive (not beside itself).  Shards of
 * another N would cover some accounts twice: the run log, where each run
 * records its shard before locking, says whether one is running.
 */
static int shard_lock(struct ctx *ctx, struct db *db, const struct pipeline_plan *plan)
{
    char rid[32], shard[32], n[16], key[32];
    bool got = false;
    PGresult *res;
    int rc;

    snprintf(rid, sizeof rid, "%lld", (long long)ctx->run_id);
    snprintf(shard, sizeof shard, "%d/%d", plan->shard_k, plan->shard_n);
    snprintf(n, sizeof n, "%d", plan->shard_n);
    snprintf(key, sizeof key, "%lld", (long long)PIPELINE_LOCK_KEY);
    const char *pr[] = { rid, shard };
    if (ctx->run_id && db_cmd(db, "UPDATE xetl.runs SET shard = $2 WHERE run_id = $1", 2, pr, NULL, &ctx->err))
        return xerr_prefix(&ctx->err, "cannot record the shard in xetl.runs: ");
    const char *pk[] = { key };
    if (!(res = db_exec(db, "SELECT pg_try_advisory_lock_shared($1::bigint)", 1, pk, &ctx->err)))
        return ctx->err.code;
    got = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    if (!got)
        return lock_busy(ctx, db, NULL);
    if ((rc = db_try_lock(db, shard_key(plan), &got, &ctx->err)) || !got) {
        shard_unlock(db, plan, false);
        return rc ? rc : lock_busy(ctx, db, shard);
    }
    if ((rc = pipeline_close_stale_runs(ctx, db, true))) {
        shard_unlock(db, plan, true);
        return rc;
    }
    const char *pn[] = { rid, n };
    res = db_exec(db,
                  "SELECT run_id, shard FROM xetl.runs WHERE status = 'running' AND run_id <> $1"
                  " AND split_part(shard, '/', 2) <> $2 ORDER BY run_id LIMIT 1",
                  2, pn, &ctx->err);
    if (!res || PQntuples(res)) {
        if (res)
            xerr_set(&ctx->err, XETL_EX_TEMPFAIL,
                     "shard %s cannot run beside shard %s (run %s): every host must use the same N; try again later",
                     shard, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
        PQclear(res);
        shard_unlock(db, plan, true);
        return ctx->err.code;
    }
    PQclear(res);
    return 0;
}

/* Keeps the shard's accounts: (account_id - 1) mod N = K - 1, fixed for an account whatever is added. */
static void shard_accounts(const struct pipeline_plan *plan, struct account_list *accts)
{
    int kept = 0;
    for (int i = 0; i < accts->n; i++)
        if ((accts->v[i].id - 1) % plan->shard_n == plan->shard_k - 1)
            accts->v[kept++] = accts->v[i];
    log_info("shard %d/%d: %d of %d account%s", plan->shard_k, plan->shard_n, kept, accts->n,
             accts->n == 1 ? "" : "s");
    accts->n = kept;
}

int pipeline_run(struct ctx *ctx, const struct pipeline_plan *plan)
{
    static const struct {
        unsigned bit;
        const char *name;
        stage_fn fn;
    } order[] = {
        { PIPE_PULL, "pull", pull_run },
        { PIPE_REPLAY, "replay", NULL },
        { PIPE_FIT, "fit", fit_run },
        { PIPE_ATTRIBUTE, "attribute", attribute_run },
        { PIPE_LEARN, "learn", learn_run },
        { PIPE_HEALTH, "health", health_run },
        { PIPE_REPORT, "report", NULL },
    };
    struct account_list accts = { 0 };
    struct report_files files = { 0 };
    struct db *db;
    int rc;

    if ((rc = ctx_db(ctx, &db)) || (rc = migrate_check_current(db, &ctx->err)))
        return rc ? rc : ctx->err.code;
    if ((rc = plan->shard_n ? shard_lock(ctx, db, plan) : pipeline_lock(ctx, db)))
        return rc;
    if ((rc = ctx_accounts(ctx, &accts)))
        goto out;
    if (accts.n == 0) {
        /* Cron must hear that nothing ran: an error (78), printed even under -q. */
        rc = xerr_set(&ctx->err, XETL_EX_CONFIG,
                      "no active accounts, nothing to do: add one with 'xetl account add HANDLE'");
        goto out;
    }
    /* A shard with none of the accounts (N above their number) has done its part. */
    if (plan->shard_n)
        shard_accounts(plan, &accts);
    for (int i = 0; i < accts.n && !rc; i++) {
        const struct account *acct = &accts.v[i];
        for (size_t s = 0; s < sizeof order / sizeof order[0] && !rc; s++) {
            if (!(plan->stages & order[s].bit))
                continue;
            struct stage_args a = { 0 };
            a.as_of = plan->as_of;
            a.run_id = ctx->run_id;
            a.replay = (plan->stages & PIPE_REPLAY) != 0;
            if (order[s].bit == PIPE_HEALTH)
                a.range = plan->days;
            else if (order[s].bit == PIPE_REPORT)
                a.range = plan->report;
            else if (order[s].bit == PIPE_PULL)
                a.range = plan->pull;
            else
                a.range = plan->posts;
            rc = run_stage(ctx, db, order[s].name, order[s].fn, acct, &a, plan, &files);
        }
    }
    /* The agency roll-up across the run's accounts, when asked for (report.rollup). */
    bool rollup = false;
    if (!rc && (plan->stages & PIPE_REPORT) && !(rc = config_get_bool(ctx->cfg, "report.rollup", &rollup, &ctx->err)) &&
        rollup) {
        /* A shard sees only its accounts, and the others may not be done: 'xetl report --rollup' after them. */
        if (plan->shard_n)
            log_info("roll-up left out: a shard writes none (run 'xetl report --rollup' after the shards)");
        else
            rc = run_rollup(ctx, db, &accts, plan, &files);
    }
    /* The paths are for a person; under cron (-q) a job that went well says nothing. */
    if (!rc && files.n && ctx->verbosity >= 0)
        for (int i = 0; i < files.n; i++)
            printf("%s\n", files.paths[i]);
    fflush(stdout);
    if (!rc && (plan->stages & PIPE_MAIL) && files.n) {
        const char *to = config_get(ctx->cfg, "mail_to");
        if (to && *to) {
            struct stage_counts c = { 0 };
            int64_t sid = stage_begin(db, ctx->run_id, "mail", NULL);
            rc = mail_send_files(ctx->cfg, to, files.paths, files.n, &ctx->err);
            stage_end(db, sid, rc, &c, ctx->err.msg);
            if (rc)
                xerr_prefix(&ctx->err, "stage 'mail' failed (the reports are on disk): ");
            else
                log_info("mailed %d file%s to %s", files.n, files.n == 1 ? "" : "s", to);
        }
    }
out:
    if (plan->shard_n)
        shard_unlock(db, plan, true);
    else
        pipeline_unlock(db);
    report_files_release(&files);
    account_list_release(&accts);
    return rc;
}

int pipeline_nightly_plan(struct ctx *ctx, struct pipeline_plan *plan)
{
    long track_days, report_days;
    struct xerr *err = &ctx->err;
    int rc;

    memset(plan, 0, sizeof *plan);
    if ((rc = config_get_long(ctx->cfg, "pull.track_days", &track_days, err)) ||
        (rc = config_get_long(ctx->cfg, "report.days", &report_days, err)))
        return rc;
    plan->stages = PIPE_PULL | PIPE_FIT | PIPE_ATTRIBUTE | PIPE_LEARN | PIPE_HEALTH | PIPE_REPORT | PIPE_MAIL;
    plan->as_of = ctx->as_of;
    /* Posts still changing: those of the tracked window, up to now. */
    plan->posts.from = ctx->as_of - track_days * XTIME_DAY;
    plan->posts.to = ctx->as_of + 1;
    /*
     * Whole days: the report covers the last report.days days, and compares
     * them with the period before, so health recomputes both periods.
     */
    plan->report.to = xtime_day_start(ctx->as_of);
    plan->report.from = plan->report.to - report_days * XTIME_DAY;
    plan->days.to = plan->report.to;
    plan->days.from = plan->report.from - report_days * XTIME_DAY;
    return 0;
}
