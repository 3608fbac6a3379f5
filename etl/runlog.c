/*
 * etl/runlog.c — see runlog.h.  The statements are in sql/queries/runlog/.
 */
#include "etl/runlog.h"
#include "common/json.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "etl/db.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef XETL_VERSION
#define XETL_VERSION "unknown"
#endif

static const char *fmt_id(char *buf, size_t n, int64_t id)
{
    snprintf(buf, n, "%lld", (long long)id);
    return buf;
}

static void copy_text(char *out, size_t n, const struct db_res *res, const char *col)
{
    const char *v = db_get_text(res, 0, db_col(res, col));
    snprintf(out, n, "%s", v ? v : "");
}

char *runlog_counts_json(const struct stage_counts *c)
{
    static const struct {
        const char *key;
        size_t off;
    } fields[] = {
        { "requests", offsetof(struct stage_counts, requests) },
        { "rows", offsetof(struct stage_counts, rows) },
        { "rejects", offsetof(struct stage_counts, rejects) },
        { "fits", offsetof(struct stage_counts, fits) },
        { "attributions", offsetof(struct stage_counts, attributions) },
        { "reports", offsetof(struct stage_counts, reports) },
        { "warnings", offsetof(struct stage_counts, warnings) },
        { "cpu_ms", offsetof(struct stage_counts, cpu_ms) },
    };
    struct sbuf sb = SBUF_INIT;
    struct jw w;
    sbuf_init(&sb);
    jw_init(&w, &sb);
    jw_obj(&w);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        jw_key(&w, fields[i].key);
        jw_int(&w, *(const long *)((const char *)c + fields[i].off));
    }
    jw_obj_end(&w);
    return sbuf_detach(&sb);
}

int runlog_begin(struct db *db, const char *command, int64_t as_of, int64_t *run_id, struct xerr *err)
{
    char asof[40], pid[16], host[256] = "";
    struct db_res *res = NULL;
    int rc;

    *run_id = 0;
    gethostname(host, sizeof host - 1);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    const char *p[] = { command, db_fmt_time(asof, sizeof asof, as_of), pid, host, XETL_VERSION };
    if ((rc = db_query(db, "runlog/begin", 5, p, &res, err)))
        return rc;
    *run_id = db_get_int64(res, 0, 0, 0);
    db_res_free(res);
    return 0;
}

int runlog_forget(struct db *db, int64_t run_id, struct xerr *err)
{
    char id[32];
    const char *p[] = { fmt_id(id, sizeof id, run_id) };
    return db_cmd(db, "DELETE FROM xetl.runs WHERE run_id = $1", 1, p, NULL, err);
}

int runlog_end(struct db *db, int64_t run_id, int rc, const char *error, const struct stage_counts *counts,
               const struct xrange *range, int64_t as_of, struct xerr *err)
{
    char id[32], code[16], from[40], to[40], asof[40];
    bool ranged = range && (range->from || range->to);
    char *json = runlog_counts_json(counts);

    snprintf(code, sizeof code, "%d", rc);
    const char *p[] = { fmt_id(id, sizeof id, run_id), rc ? "failed" : "ok", code, rc ? error : NULL, json,
                        ranged ? db_fmt_time(from, sizeof from, range->from) : NULL,
                        ranged ? db_fmt_time(to, sizeof to, range->to) : NULL,
                        db_fmt_time(asof, sizeof asof, as_of) };
    int r = db_cmd(db, "runlog/end", 8, p, NULL, err);
    free(json);
    /* A failed run's stages still 'running' were a dead job's: closed with it, not at the next command. */
    if (!r && rc) {
        const char *q[] = { id };
        r = db_cmd(db, "runlog/end_stages", 1, q, NULL, err);
    }
    return r;
}

int runlog_set_shard(struct db *db, int64_t run_id, const char *shard, struct xerr *err)
{
    char id[32];
    const char *p[] = { fmt_id(id, sizeof id, run_id), shard };
    return db_cmd(db, "UPDATE xetl.runs SET shard = $2 WHERE run_id = $1", 2, p, NULL, err);
}

int runlog_close_stale(struct db *db, int64_t own_run_id, bool locked, struct xerr *err)
{
    char id[32];
    struct db_res *live = NULL;
    int rc;

    /* The live backends are read first and passed in (see close_stale_runs.sql). */
    if (!(rc = db_query(db, "runlog/live_backends", 0, NULL, &live, err))) {
        const char *p[] = { fmt_id(id, sizeof id, own_run_id), locked ? "t" : "f", db_get_text(live, 0, 0) };
        rc = db_cmd(db, "runlog/close_stale_runs", 3, p, NULL, err);
        db_res_free(live);
    }
    if (!rc)
        rc = db_cmd(db, "runlog/close_stale_stages", 0, NULL, NULL, err);
    if (rc)
        xerr_prefix(err, "cannot close the run log rows of killed runs: ");
    return rc;
}

/* Names the session after what it is doing (runlog/stage_name); best effort. */
static void name_session(struct db *db, const char *name)
{
    struct xerr ignored = { 0 };
    const char *p[] = { name };
    db_cmd(db, "runlog/stage_name", 1, p, NULL, &ignored);
}

int64_t runlog_stage_begin(struct db *db, int64_t run_id, const char *stage, int64_t account_id,
                           const char *handle)
{
    char rid[32], aid[32], name[128];
    struct xerr ignored = { 0 };
    struct db_res *res = NULL;

    if (!run_id)
        return 0;
    const char *p[] = { fmt_id(rid, sizeof rid, run_id), stage, account_id ? fmt_id(aid, sizeof aid, account_id) : NULL };
    if (db_query(db, "runlog/stage_begin", 3, p, &res, &ignored))
        return 0;
    int64_t id = db_get_int64(res, 0, 0, 0);
    db_res_free(res);
    snprintf(name, sizeof name, "xetl %s%s%s", stage, handle ? " " : "", handle ? handle : "");
    name_session(db, name);
    return id;
}

void runlog_stage_end(struct db *db, int64_t stage_id, int rc, const struct stage_counts *counts,
                      const char *error)
{
    char sid[32];
    struct xerr ignored = { 0 };

    if (!stage_id || !db_alive(db))
        return;
    db_rollback(db);
    char *json = runlog_counts_json(counts);
    const char *p[] = { fmt_id(sid, sizeof sid, stage_id), rc ? "failed" : "ok", json, rc ? error : NULL };
    if (db_cmd(db, "runlog/stage_end", 4, p, NULL, &ignored))
        log_warn("cannot record the end of a stage in xetl.run_stages: %s", ignored.msg);
    free(json);
    name_session(db, "xetl");
}

int runlog_holder(struct db *db, int64_t own_run_id, const char *shard, struct runlog_holder *h, bool *found,
                  struct xerr *err)
{
    char id[32];
    struct db_res *res = NULL;
    int rc;

    memset(h, 0, sizeof *h);
    *found = false;
    const char *p[] = { fmt_id(id, sizeof id, own_run_id), shard };
    if ((rc = db_query(db, "runlog/holder", 2, p, &res, err)))
        return rc;
    if (db_nrows(res) == 1) {
        *found = true;
        copy_text(h->run_id, sizeof h->run_id, res, "run_id");
        copy_text(h->command, sizeof h->command, res, "command");
        copy_text(h->pid, sizeof h->pid, res, "pid");
        copy_text(h->host, sizeof h->host, res, "hostname");
        copy_text(h->started, sizeof h->started, res, "started");
        copy_text(h->shard, sizeof h->shard, res, "shard_note");
    }
    db_res_free(res);
    return 0;
}

int runlog_other_shard(struct db *db, int64_t own_run_id, int n, char *run_id, size_t run_id_len, char *shard,
                       size_t shard_len, bool *found, struct xerr *err)
{
    char id[32], nb[16];
    struct db_res *res = NULL;
    int rc;

    *found = false;
    snprintf(nb, sizeof nb, "%d", n);
    const char *p[] = { fmt_id(id, sizeof id, own_run_id), nb };
    if ((rc = db_query(db, "runlog/other_shard", 2, p, &res, err)))
        return rc;
    if (db_nrows(res) > 0) {
        *found = true;
        copy_text(run_id, run_id_len, res, "run_id");
        copy_text(shard, shard_len, res, "shard");
    }
    db_res_free(res);
    return 0;
}

/* Column c of row i, "" for NULL (every listed column is coalesced; this is belt and braces). */
static const char *cell(const struct db_res *res, int i, int c)
{
    const char *v = db_get_text(res, i, c);
    return v ? v : "";
}

int runlog_list_runs(struct db *db, long limit, bool pipeline_only,
                     void (*fn)(void *arg, const struct runlog_run *r), void *arg, struct xerr *err)
{
    char lim[32];
    struct db_res *res = NULL;
    int rc;

    snprintf(lim, sizeof lim, "%ld", limit);
    const char *p[] = { lim, pipeline_only ? "t" : "f" };
    if ((rc = db_query(db, "runlog/list_runs", 2, p, &res, err)))
        return rc;
    for (int i = 0; i < db_nrows(res); i++) {
        struct runlog_run r = { cell(res, i, 0), cell(res, i, 1), cell(res, i, 2), cell(res, i, 3), cell(res, i, 4),
                                cell(res, i, 5), cell(res, i, 6), cell(res, i, 7), cell(res, i, 8) };
        fn(arg, &r);
    }
    db_res_free(res);
    return 0;
}

int runlog_list_stages(struct db *db, int64_t run_id, void (*fn)(void *arg, const struct runlog_stage *s),
                       void *arg, bool *exists, struct xerr *err)
{
    char id[32];
    struct db_res *res = NULL;
    int rc;

    const char *p[] = { fmt_id(id, sizeof id, run_id) };
    if ((rc = db_query(db, "runlog/list_stages", 1, p, &res, err)))
        return rc;
    *exists = db_nrows(res) > 0;
    for (int i = 0; i < db_nrows(res); i++) {
        struct runlog_stage s = { cell(res, i, 0), cell(res, i, 1), cell(res, i, 2), cell(res, i, 3),
                                  cell(res, i, 4), cell(res, i, 5), cell(res, i, 6) };
        fn(arg, &s);
    }
    db_res_free(res);
    if (*exists)
        return 0;
    if ((rc = db_query(db, "SELECT 1 FROM xetl.runs WHERE run_id = $1::bigint", 1, p, &res, err)))
        return rc;
    *exists = db_nrows(res) > 0;
    db_res_free(res);
    return 0;
}
