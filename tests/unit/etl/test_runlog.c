/*
 * tests/unit/etl/test_runlog.c — etl/runlog against a migrated scratch
 * database on the harness's PostgreSQL: a run's row from start to end, its
 * stages, the rows of killed runs closed, the holder of a lock named, shards
 * of another N found, and the listings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"
#include "etl/runlog.h"
#include "scratch_db.h"

static struct db *db;

static int setup(void **state)
{
    (void)state;
    db = scratch_open("runlog", true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    scratch_drop(db);
    return 0;
}

static const char *id_text(int64_t id)
{
    static char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)id);
    return buf;
}

/* A run row as a killed process leaves it: 'running', with backend_pid (NULL when bpid is NULL). */
static int64_t killed_run(const char *command, const char *bpid, const char *shard)
{
    const char *p[] = { command, bpid, shard };
    return strtoll(scratch_value(db,
                                 "INSERT INTO xetl.runs (command, as_of, backend_pid, shard)"
                                 " VALUES ($1, '2026-03-01Z', $2::int, $3) RETURNING run_id",
                                 3, p),
                   NULL, 10);
}

static const char *run_field(int64_t run_id, const char *expr)
{
    char sql[256];
    const char *p[] = { id_text(run_id) };
    snprintf(sql, sizeof sql, "SELECT (%s)::text FROM xetl.runs WHERE run_id = $1::bigint", expr);
    return scratch_value(db, sql, 1, p);
}

static void test_counts_json(void **state)
{
    (void)state;
    struct stage_counts c = { .requests = 12, .rows = 340, .fits = 3, .warnings = 1 };
    char *s = runlog_counts_json(&c);
    struct jv *v = jv_parse(s, strlen(s), NULL, 0);
    int64_t n = -1;
    assert_non_null(v);
    assert_true(jv_int(jv_get(v, "requests"), &n) && n == 12);
    assert_true(jv_int(jv_get(v, "rows"), &n) && n == 340);
    assert_true(jv_int(jv_get(v, "rejects"), &n) && n == 0);
    assert_true(jv_int(jv_get(v, "fits"), &n) && n == 3);
    assert_true(jv_int(jv_get(v, "warnings"), &n) && n == 1);
    assert_true(jv_int(jv_get(v, "cpu_ms"), &n) && n == 0);
    assert_int_equal(jv_len(v), 8);
    jv_free(v);
    free(s);
}

static void test_run_begin_end(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    struct stage_counts c = { .rows = 5, .reports = 2 };
    struct xrange r = { .from = 1772323200, .to = 1772409600 }; /* 2026-03-01 .. 03-02 */
    int64_t id = 0;

    assert_int_equal(runlog_begin(db, "fit", 1772366400, &id, &err), 0);
    assert_true(id > 0);
    assert_string_equal(run_field(id, "status"), "running");
    assert_string_equal(run_field(id, "command"), "fit");
    assert_string_equal(run_field(id, "backend_pid = pg_backend_pid()"), "true");
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    assert_string_equal(run_field(id, "pid"), pid);
    assert_int_equal(runlog_end(db, id, 0, "ignored when ok", &c, &r, 1772409600, &err), 0);
    assert_string_equal(run_field(id, "status"), "ok");
    assert_string_equal(run_field(id, "exit_code"), "0");
    assert_string_equal(run_field(id, "error"), "<null>");
    assert_string_equal(run_field(id, "counts->>'rows'"), "5");
    assert_string_equal(run_field(id, "counts->>'reports'"), "2");
    assert_string_equal(run_field(id, "extract(epoch FROM range_from)::bigint"), "1772323200");
    assert_string_equal(run_field(id, "extract(epoch FROM as_of)::bigint"), "1772409600");
    assert_string_equal(run_field(id, "finished_at IS NOT NULL"), "true");

    /* A failed run keeps its error line; no range is NULL. */
    assert_int_equal(runlog_begin(db, "pull", 1772366400, &id, &err), 0);
    assert_int_equal(runlog_end(db, id, 75, "x is rate limited", &c, NULL, 1772366400, &err), 0);
    assert_string_equal(run_field(id, "status"), "failed");
    assert_string_equal(run_field(id, "exit_code"), "75");
    assert_string_equal(run_field(id, "error"), "x is rate limited");
    assert_string_equal(run_field(id, "range_from"), "<null>");

    /* A usage error leaves no row. */
    assert_int_equal(runlog_begin(db, "report", 1772366400, &id, &err), 0);
    assert_int_equal(runlog_forget(db, id, &err), 0);
    const char *p[] = { id_text(id) };
    assert_string_equal(scratch_value(db, "SELECT count(*) FROM xetl.runs WHERE run_id = $1::bigint", 1, p), "0");
}

struct seen {
    int n;
    char first[64], last_error[128];
};

static void on_stage(void *arg, const struct runlog_stage *s)
{
    struct seen *seen = arg;
    if (seen->n++ == 0)
        snprintf(seen->first, sizeof seen->first, "%s %s %s", s->stage, s->account, s->status);
    snprintf(seen->last_error, sizeof seen->last_error, "%s", s->error);
}

static void test_stages(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    struct stage_counts c = { .fits = 4 };
    struct seen seen = { 0 };
    bool exists = false;
    int64_t run = 0;

    assert_int_equal(runlog_stage_begin(db, 0, "fit", 0, NULL), 0); /* no run, no row */
    assert_int_equal(runlog_begin(db, "nightly", 1772366400, &run, &err), 0);
    assert_int_equal(runlog_list_stages(db, run, on_stage, &seen, &exists, &err), 0);
    assert_true(exists);
    assert_int_equal(seen.n, 0);

    int64_t s1 = runlog_stage_begin(db, run, "mail", 0, NULL);
    assert_string_equal(scratch_value(db, "SELECT current_setting('application_name')", 0, NULL), "xetl mail");
    int64_t s2 = runlog_stage_begin(db, run, "rollup", 0, "ag00012");
    assert_true(s1 > 0 && s2 > s1);
    /* the session says what it is doing (pg_stat_activity), and "xetl" after */
    assert_string_equal(scratch_value(db, "SELECT current_setting('application_name')", 0, NULL), "xetl rollup ag00012");
    runlog_stage_end(db, s1, 0, &c, NULL);
    assert_string_equal(scratch_value(db, "SELECT current_setting('application_name')", 0, NULL), "xetl");
    runlog_stage_end(db, s2, 73, &c, "cannot create reports-out");
    const char *p[] = { id_text(s1) };
    assert_string_equal(scratch_value(db, "SELECT counts->>'fits' FROM xetl.run_stages WHERE stage_id = $1::bigint",
                                      1, p),
                        "4");
    assert_int_equal(runlog_list_stages(db, run, on_stage, &seen, &exists, &err), 0);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.first, "mail - ok");
    assert_string_equal(seen.last_error, "cannot create reports-out");

    seen.n = 0;
    assert_int_equal(runlog_list_stages(db, run + 1000, on_stage, &seen, &exists, &err), 0);
    assert_false(exists);
    assert_int_equal(seen.n, 0);
}

static void test_close_stale(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    int64_t own = 0;

    int64_t dead = killed_run("nightly", "999999", NULL);   /* its backend is gone */
    int64_t old = killed_run("pull", NULL, NULL);           /* from before backend_pid */
    const char *live_pid = scratch_value(db, "SELECT pg_backend_pid()::text", 0, NULL);
    char live_copy[16];
    snprintf(live_copy, sizeof live_copy, "%s", live_pid);
    int64_t alive = killed_run("fit", live_copy, NULL);     /* this very session: alive */
    int64_t stage = runlog_stage_begin(db, dead, "fit", 0, NULL);
    assert_int_equal(runlog_begin(db, "runs", 1772366400, &own, &err), 0);

    assert_int_equal(runlog_close_stale(db, own, false, &err), 0);
    assert_string_equal(run_field(dead, "status || ': ' || error"),
                        "failed: interrupted: the process ended without finishing");
    assert_string_equal(run_field(old, "status"), "running"); /* unknown without the lock */
    assert_string_equal(run_field(alive, "status"), "running");
    assert_string_equal(run_field(own, "status"), "running");
    const char *p[] = { id_text(stage) };
    assert_string_equal(scratch_value(db, "SELECT status || '/' || error FROM xetl.run_stages WHERE stage_id = $1::bigint",
                                      1, p),
                        "failed/interrupted");

    assert_int_equal(runlog_close_stale(db, own, true, &err), 0);
    assert_string_equal(run_field(old, "status"), "failed"); /* history once the lock is held */
    assert_string_equal(run_field(alive, "status"), "running");
    assert_string_equal(run_field(own, "status"), "running");
    /* Leave nothing running for the next tests. */
    assert_int_equal(db_cmd(db, "UPDATE xetl.runs SET status = 'ok' WHERE status = 'running'", 0, NULL, NULL, &err), 0);
}

static void test_holder_and_shards(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    struct runlog_holder h;
    bool found = true;
    char other_run[24], other[48];

    assert_int_equal(runlog_holder(db, 0, NULL, &h, &found, &err), 0);
    assert_false(found);
    int64_t a = killed_run("nightly", "1", "1/3");
    int64_t b = killed_run("nightly", "2", "2/3");
    assert_int_equal(runlog_holder(db, 0, "1/3", &h, &found, &err), 0);
    assert_true(found);
    assert_string_equal(h.run_id, id_text(a));
    assert_string_equal(h.command, "nightly");
    assert_string_equal(h.pid, "?");
    assert_string_equal(h.shard, ", shard 1/3");
    assert_int_equal(strlen(h.started), 20); /* YYYY-MM-DDTHH:MM:SSZ */
    /* Only runs started before the asking one can hold its lock. */
    assert_int_equal(runlog_holder(db, a, NULL, &h, &found, &err), 0);
    assert_false(found);
    assert_int_equal(runlog_holder(db, b + 1, NULL, &h, &found, &err), 0);
    assert_true(found);

    assert_int_equal(runlog_other_shard(db, 0, 3, other_run, sizeof other_run, other, sizeof other, &found, &err), 0);
    assert_false(found);
    assert_int_equal(runlog_other_shard(db, 0, 2, other_run, sizeof other_run, other, sizeof other, &found, &err), 0);
    assert_true(found);
    assert_string_equal(other_run, id_text(a));
    assert_string_equal(other, "1/3");
    assert_int_equal(runlog_set_shard(db, b, "2/4", &err), 0);
    assert_string_equal(run_field(b, "shard"), "2/4");
    assert_int_equal(db_cmd(db, "UPDATE xetl.runs SET status = 'ok' WHERE status = 'running'", 0, NULL, NULL, &err), 0);
}

static void on_run(void *arg, const struct runlog_run *r)
{
    struct seen *seen = arg;
    if (seen->n++ == 0)
        snprintf(seen->first, sizeof seen->first, "%s %s %s %s", r->command, r->status, r->exit_code, r->shard);
}

static void test_list_runs(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    struct seen seen = { 0 };
    struct stage_counts c = { 0 };
    int64_t id = 0;

    assert_int_equal(runlog_begin(db, "rerun", 1772366400, &id, &err), 0);
    assert_int_equal(runlog_end(db, id, 0, NULL, &c, NULL, 1772366400, &err), 0);
    assert_int_equal(runlog_begin(db, "import", 1772366400, &id, &err), 0);
    assert_int_equal(runlog_end(db, id, 65, "rejected", &c, NULL, 1772366400, &err), 0);

    assert_int_equal(runlog_list_runs(db, 1, false, on_run, &seen, &err), 0);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.first, "import failed 65 -");
    seen.n = 0;
    assert_int_equal(runlog_list_runs(db, 1, true, on_run, &seen, &err), 0);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.first, "rerun ok 0 -");
    seen.n = 0;
    assert_int_equal(runlog_list_runs(db, 1000, false, on_run, &seen, &err), 0);
    assert_int_equal(seen.n, atoi(scratch_value(db, "SELECT count(*) FROM xetl.runs", 0, NULL)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_json),
        cmocka_unit_test(test_run_begin_end),
        cmocka_unit_test(test_stages),
        cmocka_unit_test(test_close_stale),
        cmocka_unit_test(test_holder_and_shards),
        cmocka_unit_test(test_list_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
