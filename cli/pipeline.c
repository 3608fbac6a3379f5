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
#include "etl/replay.h"
#include "etl/runlog.h"
#include "reports/mail.h"
#include "reports/report.h"
#include "reports/report_files.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Advisory lock key of nightly/rerun: "xetlnigh". */
#define PIPELINE_LOCK_KEY 0x7865746c6e696768LL

typedef int (*stage_fn)(struct db *, const struct config *, const struct account *, const struct stage_args *,
                        struct stage_counts *, struct xerr *);

/* The stages of an account in dependency order, each with the plan's range it covers. */
static const struct {
    unsigned bit;
    const char *name;
    stage_fn fn;
    size_t range; /* offsetof(struct pipeline_plan, the range) */
} stages[] = {
    { PIPE_PULL, "pull", pull_run, offsetof(struct pipeline_plan, pull) },
    { PIPE_REPLAY, "replay", replay_run, offsetof(struct pipeline_plan, landed) },
    { PIPE_FIT, "fit", fit_run, offsetof(struct pipeline_plan, posts) },
    { PIPE_ATTRIBUTE, "attribute", attribute_run, offsetof(struct pipeline_plan, posts) },
    { PIPE_LEARN, "learn", learn_run, offsetof(struct pipeline_plan, posts) },
    { PIPE_HEALTH, "health", health_run, offsetof(struct pipeline_plan, days) },
    { PIPE_REPORT, "report", report_run, offsetof(struct pipeline_plan, report) },
};

/* Runs stage s for one account, recorded in xetl.run_stages. */
static int run_stage(struct ctx *ctx, struct db *db, size_t s, const struct account *acct,
                     const struct pipeline_plan *plan, struct report_files *files)
{
    struct stage_counts c = { 0 };
    struct stage_args a = { 0 };
    double t0 = log_wallclock();
    int64_t sid = runlog_stage_begin(db, ctx->run_id, stages[s].name, acct->id, acct->handle);
    long cpu0 = log_cpu_ms(false);
    int rc;

    a.as_of = plan->as_of;
    a.run_id = ctx->run_id;
    a.replay = (plan->stages & PIPE_REPLAY) != 0;
    a.range = *(const struct xrange *)((const char *)plan + stages[s].range);
    a.files = files;
    rc = stages[s].fn(db, ctx->cfg, acct, &a, &c, &ctx->err);
    c.cpu_ms = log_cpu_ms(false) - cpu0;
    runlog_stage_end(db, sid, rc, &c, ctx->err.msg);
    cli_counts_add(&ctx->counts, &c);
    if (rc) {
        xerr_prefix(&ctx->err, "stage '%s' failed for account '%s': ", stages[s].name, acct->handle);
        return rc;
    }
    char what[256];
    cli_counts_text(&c, what, sizeof what);
    log_info("%s '%s': done in %.1f s (%s)", stages[s].name, acct->handle, log_wallclock() - t0, what);
    return 0;
}

static int run_rollup(struct ctx *ctx, struct db *db, const struct account_list *accts,
                      const struct pipeline_plan *plan, struct report_files *files)
{
    struct stage_counts c = { 0 };
    struct stage_args a = { .as_of = plan->as_of, .run_id = ctx->run_id, .range = plan->report };
    struct report_opts ro = { .out_dir = config_get_or_default(ctx->cfg, "report.out") };
    int64_t sid = runlog_stage_begin(db, ctx->run_id, "rollup", 0, NULL);
    long cpu0 = log_cpu_ms(false);
    int rc;

    if (!(rc = report_parse_formats(config_get(ctx->cfg, "report.format"), &ro, &ctx->err)))
        rc = report_rollup(db, ctx->cfg, accts, &a, &ro, files, &c, &ctx->err);
    c.cpu_ms = log_cpu_ms(false) - cpu0;
    runlog_stage_end(db, sid, rc, &c, ctx->err.msg);
    cli_counts_add(&ctx->counts, &c);
    if (rc)
        xerr_prefix(&ctx->err, "stage 'rollup' failed: ");
    return rc;
}

static int run_mail(struct ctx *ctx, struct db *db, const struct report_files *files)
{
    const char *to = config_get(ctx->cfg, "mail_to");
    struct stage_counts c = { 0 };
    int rc;

    if (!to || !*to)
        return 0;
    int64_t sid = runlog_stage_begin(db, ctx->run_id, "mail", 0, NULL);
    long cpu0 = log_cpu_ms(false);
    rc = mail_send_files(ctx->cfg, to, files->paths, files->n, &ctx->err);
    c.cpu_ms = log_cpu_ms(false) - cpu0;
    runlog_stage_end(db, sid, rc, &c, ctx->err.msg);
    if (rc)
        xerr_prefix(&ctx->err, "stage 'mail' failed (the reports are on disk): ");
    else
        log_info("mailed %d file%s to %s", files->n, files->n == 1 ? "" : "s", to);
    return rc;
}

/* shard: the holder is the running run of that shard ("K/N"); NULL: the latest running run. */
static int lock_busy(struct ctx *ctx, struct db *db, const char *shard)
{
    struct runlog_holder h;
    bool found = false;

    if (!runlog_holder(db, ctx->run_id, shard, &h, &found, &ctx->err) && found)
        return xerr_set(&ctx->err, XETL_EX_TEMPFAIL,
                        "another run holds the %s%s lock (%s run %s%s, pid %s on %s, started %s); try again later",
                        shard ? "shard " : "nightly", shard ? shard : "", h.command, h.run_id, h.shard, h.pid, h.host,
                        h.started);
    return xerr_set(&ctx->err, XETL_EX_TEMPFAIL, "another session holds the %s%s lock; try again later",
                    shard ? "shard " : "nightly", shard ? shard : "");
}

int pipeline_lock(struct ctx *ctx, struct db *db)
{
    bool got = false;
    int rc;

    if ((rc = db_try_lock(db, PIPELINE_LOCK_KEY, &got, &ctx->err)))
        return rc;
    if (!got)
        return lock_busy(ctx, db, NULL);
    if ((rc = runlog_close_stale(db, ctx->run_id, true, &ctx->err))) {
        struct xerr ignored = { 0 };
        db_unlock(db, PIPELINE_LOCK_KEY, &ignored);
    }
    return rc;
}

void pipeline_unlock(struct db *db)
{
    struct xerr ignored = { 0 };
    if (!db_alive(db))
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
    if (!db_alive(db))
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
    char shard[32], key[32], other_run[24], other[48];
    struct db_res *res = NULL;
    bool got = false, found = false;
    int rc;

    snprintf(shard, sizeof shard, "%d/%d", plan->shard_k, plan->shard_n);
    snprintf(key, sizeof key, "%lld", (long long)PIPELINE_LOCK_KEY);
    if (ctx->run_id && runlog_set_shard(db, ctx->run_id, shard, &ctx->err))
        return xerr_prefix(&ctx->err, "cannot record the shard in xetl.runs: ");
    const char *pk[] = { key };
    if ((rc = db_query(db, "SELECT pg_try_advisory_lock_shared($1::bigint)", 1, pk, &res, &ctx->err)))
        return rc;
    got = db_get_bool(res, 0, 0, false);
    db_res_free(res);
    if (!got)
        return lock_busy(ctx, db, NULL);
    if ((rc = db_try_lock(db, shard_key(plan), &got, &ctx->err)) || !got) {
        shard_unlock(db, plan, false);
        return rc ? rc : lock_busy(ctx, db, shard);
    }
    if (!(rc = runlog_close_stale(db, ctx->run_id, true, &ctx->err)) &&
        !(rc = runlog_other_shard(db, ctx->run_id, plan->shard_n, other_run, sizeof other_run, other, sizeof other,
                                  &found, &ctx->err)) &&
        found)
        rc = xerr_set(&ctx->err, XETL_EX_TEMPFAIL,
                      "shard %s cannot run beside shard %s (run %s): every host must use the same N; try again later",
                      shard, other, other_run);
    if (rc)
        shard_unlock(db, plan, true);
    return rc;
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

static int run_account(struct ctx *ctx, struct db *db, const struct account *acct, const struct pipeline_plan *plan,
                       struct report_files *files)
{
    int rc = 0;
    for (size_t s = 0; s < sizeof stages / sizeof stages[0] && !rc; s++)
        if (plan->stages & stages[s].bit)
            rc = run_stage(ctx, db, s, acct, plan, files);
    return rc;
}

int pipeline_parse_jobs(struct ctx *ctx, const char *cmd, const char *arg, struct pipeline_plan *plan)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (end == arg || *end || n < 1 || n > 64)
        return cli_usage_error(ctx, cmd, "--jobs must be a whole number from 1 to 64, not '%s'", arg);
    plan->jobs = (int)n;
    return 0;
}

/*
 * What the workers share with this process (an anonymous shared mapping):
 * the next account to take, whether one failed, and each worker's outcome.
 */
struct job_slot {
    int rc, account;            /* the failed account's index (rc != 0) */
    int current;                /* the account being run, -1 before the first: a dead worker's */
    struct stage_counts counts; /* what the worker's stages did */
    char msg[sizeof ((struct xerr *)0)->msg];
};
struct job_board {
    atomic_int next, failed;
    struct job_slot slot[];
};

/*
 * One worker: its own session (the parent's connection is never touched: a
 * libpq call on it would talk on the parent's socket), accounts taken one at
 * a time until none is left or one failed anywhere.  The report paths go to
 * its own file as "account-index TAB path" lines.  Never returns.
 */
static void job_worker(struct ctx *ctx, const struct account_list *accts, const struct pipeline_plan *plan,
                       struct job_board *b, int w, FILE *paths, pid_t parent)
{
    struct job_slot *slot = &b->slot[w];
    struct db *db = NULL;
    int rc;

    prctl(PR_SET_PDEATHSIG, SIGTERM); /* a killed nightly takes its workers with it */
    if (getppid() != parent) /* it died before prctl: its lock is gone, so run nothing */
        _exit(1);
    ctx->db = NULL;
    memset(&ctx->counts, 0, sizeof ctx->counts);
    if (!(rc = ctx_db(ctx, &db)))
        while (!atomic_load(&b->failed)) {
            int i = atomic_fetch_add(&b->next, 1);
            if (i >= accts->n)
                break;
            struct report_files files = { 0 };
            slot->current = i;
            rc = run_account(ctx, db, &accts->v[i], plan, &files);
            slot->counts = ctx->counts; /* kept as it goes: a worker that dies keeps its finished accounts' */
            for (int f = 0; f < files.n; f++)
                fprintf(paths, "%d\t%s\n", i, files.paths[f]);
            report_files_release(&files);
            if (!rc)
                slot->current = -1;
            if (rc) {
                slot->account = i;
                atomic_store(&b->failed, 1);
                break;
            }
        }
    else {
        slot->account = -1; /* no session: before any account */
        atomic_store(&b->failed, 1);
    }
    slot->rc = rc;
    slot->counts = ctx->counts;
    snprintf(slot->msg, sizeof slot->msg, "%s", ctx->err.msg);
    if (fflush(paths) != 0 && !rc) {
        /* Its accounts ran, but their reports' paths are lost: after every account's own error. */
        slot->rc = XETL_EX_IOERR;
        slot->account = accts->n;
        snprintf(slot->msg, sizeof slot->msg, "job %d cannot write its list of report paths: %s", w + 1,
                 strerror(errno));
    }
    if (db)
        db_close(db);
    _exit(0); /* no atexit handlers, no second flush of the parent's stdio buffers */
}

/* "index TAB path" lines of the workers' files, in the order of the accounts (then as written). */
struct job_path {
    int account, seq;
    char *path;
};
static int job_path_cmp(const void *a, const void *b)
{
    const struct job_path *x = a, *y = b;
    return x->account != y->account ? (x->account > y->account) - (x->account < y->account)
                                    : (x->seq > y->seq) - (x->seq < y->seq);
}

static void job_collect_paths(FILE **paths, int jobs, struct report_files *files)
{
    struct job_path *v = NULL;
    int n = 0, cap = 0;
    char line[8192];

    for (int w = 0; w < jobs; w++) {
        rewind(paths[w]);
        while (fgets(line, sizeof line, paths[w])) {
            char *tab = strchr(line, '\t');
            if (!tab)
                continue;
            line[strcspn(line, "\n")] = '\0';
            if (n == cap)
                v = xrealloc(v, sizeof *v * (size_t)(cap = cap ? 2 * cap : 64));
            v[n].account = atoi(line);
            v[n].seq = n;
            v[n++].path = xstrdup(tab + 1);
        }
    }
    qsort(v, (size_t)n, sizeof *v, job_path_cmp);
    for (int i = 0; i < n; i++) {
        report_files_add(files, v[i].path, NULL);
        free(v[i].path);
    }
    free(v);
}

/* Runs accts over `jobs` worker processes (pipeline_run's contract). */
static int run_jobs(struct ctx *ctx, const struct account_list *accts, const struct pipeline_plan *plan, int jobs,
                    struct report_files *files)
{
    size_t size = sizeof(struct job_board) + sizeof(struct job_slot) * (size_t)jobs;
    struct job_board *b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    FILE *paths[64] = { 0 };
    pid_t pid[64] = { 0 }, parent = getpid();
    int rc = 0, started = 0, first = -1;

    if (b == MAP_FAILED)
        return xerr_set(&ctx->err, XETL_EX_SOFTWARE, "cannot map memory for %d jobs: %s", jobs, strerror(errno));
    memset(b, 0, size);
    for (int w = 0; w < jobs; w++)
        b->slot[w].current = -1;
    log_info("%d accounts, %d at once", accts->n, jobs);
    fflush(stdout);
    fflush(stderr);
    for (; started < jobs; started++) {
        if (!(paths[started] = tmpfile())) {
            rc = xerr_set(&ctx->err, XETL_EX_CANTCREAT, "cannot create a temporary file: %s", strerror(errno));
            break;
        }
        if ((pid[started] = fork()) < 0) {
            rc = xerr_set(&ctx->err, XETL_EX_SOFTWARE, "cannot start job %d: %s", started + 1, strerror(errno));
            fclose(paths[started]);
            break;
        }
        if (pid[started] == 0)
            job_worker(ctx, accts, plan, b, started, paths[started], parent);
    }
    if (rc)
        atomic_store(&b->failed, 1); /* the started workers stop at their next account */
    /*
     * Reaped as they end, not in order: a worker that dies (a signal, the OOM
     * killer) stops the others at their next account, as a failed account does,
     * and counts as the failure of the account it was running.
     */
    for (int left = started; left > 0;) {
        int st = 0, w;
        pid_t got = waitpid(-1, &st, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            if (!rc)
                rc = xerr_set(&ctx->err, XETL_EX_SOFTWARE, "cannot wait for the jobs: %s", strerror(errno));
            break;
        }
        for (w = 0; w < started && pid[w] != got; w++)
            ;
        if (w == started)
            continue; /* not a worker */
        left--;
        struct job_slot *slot = &b->slot[w];
        cli_counts_add(&ctx->counts, &slot->counts);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            atomic_store(&b->failed, 1);
            char how[64], where[96] = "";
            if (WIFSIGNALED(st))
                snprintf(how, sizeof how, "ended by signal %d", WTERMSIG(st));
            else
                snprintf(how, sizeof how, "exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            if (slot->current >= 0)
                snprintf(where, sizeof where, " while running account '%s'", accts->v[slot->current].handle);
            snprintf(slot->msg, sizeof slot->msg, "job %d %s%s", w + 1, how, where);
            slot->rc = XETL_EX_SOFTWARE;
            /* Between accounts: after every account's own error, which says more. */
            slot->account = slot->current >= 0 ? slot->current : accts->n;
        }
        if (slot->rc && (first < 0 || slot->account < b->slot[first].account))
            first = w;
    }
    if (first >= 0 && !rc) {
        rc = b->slot[first].rc;
        xerr_set(&ctx->err, rc, "%s", b->slot[first].msg);
    }
    job_collect_paths(paths, started, files);
    for (int w = 0; w < started; w++)
        fclose(paths[w]);
    munmap(b, size);
    return rc;
}

/* After the accounts' stages: the roll-up, the paths written, and the mail. */
static int finish_run(struct ctx *ctx, struct db *db, const struct account_list *accts,
                      const struct pipeline_plan *plan, struct report_files *files)
{
    bool rollup = false;
    int rc = 0;

    /* The agency roll-up across the run's accounts, when asked for (report.rollup). */
    if ((plan->stages & PIPE_REPORT) && !(rc = config_get_bool(ctx->cfg, "report.rollup", &rollup, &ctx->err)) &&
        rollup) {
        /* A shard sees only its accounts, and the others may not be done: 'xetl report --rollup' after them. */
        if (plan->shard_n)
            log_info("roll-up left out: a shard writes none (run 'xetl report --rollup' after the shards)");
        else
            rc = run_rollup(ctx, db, accts, plan, files);
    }
    /* The run's reports were renamed into place unsynced (report_defer_sync): now durable, all at
     * once; after a failed roll-up too (best effort), as the accounts' files stay. */
    struct xerr sync_err = { 0 };
    int synced = report_sync_files(files, rc ? &sync_err : &ctx->err);
    if (!rc)
        rc = synced;
    /* The paths are for a person; under cron (-q) a job that went well says nothing. */
    if (!rc && files->n && ctx->verbosity >= 0)
        for (int i = 0; i < files->n; i++)
            printf("%s\n", files->paths[i]);
    fflush(stdout);
    if (!rc && (plan->stages & PIPE_MAIL) && files->n)
        rc = run_mail(ctx, db, files);
    return rc;
}

int pipeline_run(struct ctx *ctx, const struct pipeline_plan *plan)
{
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
    long jobs = plan->jobs;
    if (!jobs && (rc = config_get_long(ctx->cfg, "nightly.jobs", &jobs, &ctx->err)))
        goto out;
    report_defer_sync(true); /* finish_run syncs the run's files */
    if (jobs > 1 && accts.n > 1)
        rc = run_jobs(ctx, &accts, plan, jobs < accts.n ? (int)jobs : accts.n, &files);
    else
        for (int i = 0; i < accts.n && !rc; i++)
            rc = run_account(ctx, db, &accts.v[i], plan, &files);
    /* The bot posts no account tracks, shared by the run's pulls (etl/pull.h), go now. */
    struct xerr end_err = { 0 };
    if ((plan->stages & (PIPE_PULL | PIPE_REPLAY)) && pull_run_end(db, ctx->run_id, &end_err))
        log_warn("%s", end_err.msg);
    if (!rc)
        rc = finish_run(ctx, db, &accts, plan, &files);
    else {
        struct xerr ignored = { 0 }; /* a failed run's finished accounts keep their files too (best effort) */
        (void)report_sync_files(&files, &ignored);
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
