#!/bin/sh
# t_jobs.sh — nightly --jobs N: six accounts three at a time leave the tables,
# report bytes and printed paths of one at a time; one account's failure stops
# the run with that account's error (the others stop at their next account);
# a killed nightly takes its workers with it and the next run finishes the
# night; rerun --jobs; nightly.jobs from the environment; bad values are
# usage errors.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

. "$XETL_ROOT/tests/lib/six_accounts.sh"
six_accounts j 100000020 60

# --- one at a time: the reference ---------------------------------------------------------------
setup
XETL_REPORT_OUT="$TMP/one" "$XETL" --as-of "$ASOF" nightly >"$TMP/one.out" 2>"$TMP/one.err"
is "$?" 0 "nightly (one account at a time) exits 0"
results_digest > "$TMP/one.digest"

# --- three at a time ------------------------------------------------------------------------------
setup
XETL_REPORT_OUT="$TMP/three" "$XETL" --as-of "$ASOF" nightly --jobs 3 >"$TMP/three.out" 2>"$TMP/three.err"
is "$?" 0 "nightly --jobs 3 exits 0"; grep -v ' info: ' "$TMP/three.err" | sed "s/^/# /"
like "$(cat "$TMP/three.err")" "6 accounts, 3 at once" "it says it runs three at once"
is "$(sql "SELECT count(DISTINCT backend_pid) FROM xetl.runs WHERE run_id = $(last_run)")" 1 "one run in the run log"
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT account_id) FROM xetl.run_stages
             WHERE run_id = $(last_run) AND stage = 'pull' AND status = 'ok'")" "6 6" "each account pulled once"
# The bot posts no account tracks are read once for the run (xetl.pull_bot_free), and the first
# pull to read those whose author nobody knows asks X for them while the others wait for it: one
# account of the run asks X for other accounts' posts (not each worker's first), and the run's
# rows are gone at its end.
is "$(sql "SELECT count(DISTINCT r.account_id) FROM xetl.raw_responses r
             JOIN xetl.posts p ON p.account_id <> r.account_id AND r.request_path ~ ('[=,]' || p.tweet_id || '[,&]')
            WHERE r.endpoint = '/2/tweets' AND r.run_id = $(last_run)")" 1 \
   "one account of the three workers asked X for other accounts' posts"
is "$(sql "SELECT (SELECT count(*) FROM xetl.pull_bot_free) + (SELECT count(*) FROM xetl.pull_bot_free_runs)")" 0 \
   "the run's untracked bot posts are dropped at its end"
results_digest > "$TMP/three.digest"
if cmp -s "$TMP/one.digest" "$TMP/three.digest"; then pass "three at a time leave the tables of one at a time"
else fail "three at a time leave the tables of one at a time" "$(diff "$TMP/one.digest" "$TMP/three.digest")"; fi
is "$(ls "$TMP/three")" "$(ls "$TMP/one")" "the same report files"
for f in $(ls "$TMP/one"); do
    ok "$f: the same bytes" cmp "$TMP/one/$f" "$TMP/three/$f"
done
is "$(sed "s|$TMP/three|D|" "$TMP/three.out")" "$(sed "s|$TMP/one|D|" "$TMP/one.out")" \
   "the same paths printed, in the same order"
is "$(sql "SELECT counts->>'reports' FROM xetl.runs WHERE run_id = $(last_run)")" \
   "$(grep -c . "$TMP/one.out")" "the run log counts every file the workers wrote"
is "$(sql "SELECT (r.counts->>'cpu_ms')::bigint >= sum((s.counts->>'cpu_ms')::bigint) AND sum((s.counts->>'cpu_ms')::bigint) > 0 FROM xetl.runs r JOIN xetl.run_stages s USING (run_id) WHERE r.run_id = $(last_run) GROUP BY r.counts")" t \
   "the run's CPU counts its workers' stages (their CPU is the run's children's)"

# --- rerun --jobs (against rerun one at a time), and nightly.jobs from the environment -----------
XETL_REPORT_OUT="$TMP/rr1" "$XETL" -q rerun --from 2026-11-13 --to 2026-11-19 >/dev/null 2>"$TMP/rr1.err"
is "$?" 0 "rerun one account at a time exits 0"
results_digest > "$TMP/rr1.digest"
XETL_REPORT_OUT="$TMP/rr2" "$XETL" -q rerun --from 2026-11-13 --to 2026-11-19 --jobs 2 >/dev/null 2>"$TMP/rr2.err"
is "$?" 0 "rerun --jobs 2 exits 0"; sed "s/^/# /" "$TMP/rr2.err"
is "$(sql "SELECT count(DISTINCT account_id) FROM xetl.run_stages WHERE run_id = $(last_run) AND stage = 'fit' AND status = 'ok'")" \
   6 "rerun --jobs 2 fitted every account"
results_digest > "$TMP/rr2.digest"
ok "and leaves the tables of the rerun one at a time" cmp -s "$TMP/rr1.digest" "$TMP/rr2.digest"
for f in $(ls "$TMP/rr1"); do
    ok "rerun $f: the same bytes" cmp "$TMP/rr1/$f" "$TMP/rr2/$f"
done
XETL_NIGHTLY_JOBS=2 XETL_REPORT_OUT="$TMP/env" "$XETL" --as-of "$ASOF" nightly >/dev/null 2>"$TMP/env.err"
is "$?" 0 "XETL_NIGHTLY_JOBS=2 nightly exits 0"
like "$(cat "$TMP/env.err")" "6 accounts, 2 at once" "nightly.jobs is read from the environment"

# --- one account fails: the run fails with its error -----------------------------------------------
setup
fakex_post /_fake/faults '{"rules": [{"path": "/2/users/1000000202", "status": 401, "times": -1}]}' >/dev/null
xrun --as-of "$ASOF" nightly --jobs 3
is "$RC" 78 "one account's 401 with three jobs: exit 78, as with one"
like "$(cat "$ERR")" "stage 'pull' failed for account 'j_b'" "the error names the stage and the account"
is "$(sql "SELECT status FROM xetl.runs WHERE run_id = $(last_run)")" failed "the run is recorded failed"
is "$(sql "SELECT status FROM xetl.run_stages WHERE run_id = $(last_run) AND account_id = 2 AND stage = 'pull'")" \
   failed "j_b's pull is recorded failed"
is "$(sql "SELECT count(*) FROM xetl.run_stages WHERE run_id = $(last_run) AND status = 'running'")" 0 \
   "no stage left running"
fakex_post /_fake/reset '{}' >/dev/null

# --- a worker dies: the run fails naming the account it was running -----------------------------------
# Three accounts on two jobs; j_c's user lookup is slow. j_c is taken by the job that finished j_a
# or j_b first; once both are done and the other job has ended, the one left is inside j_c's pull.
setup
fakex_post /_fake/faults '{"rules": [{"path": "/2/users/1000000203", "delay": 10, "times": 1}]}' >/dev/null
"$XETL" --as-of "$ASOF" --account j_a --account j_b --account j_c nightly --jobs 2 >/dev/null 2>"$TMP/died.err" &
held=$!
_i=0
until { [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'xetl pull j_c'")" = 1 ] &&
        [ "$(sql "SELECT count(*) FROM xetl.run_stages s JOIN xetl.runs r USING (run_id)
                   WHERE r.status = 'running' AND s.stage = 'report' AND s.status = 'ok'")" = 2 ] &&
        [ "$(pgrep -P "$held" | wc -l)" = 1 ]; } || [ $_i -ge 150 ]; do
    _i=$((_i + 1)); sleep 0.1
done
kill -KILL "$(pgrep -P "$held")"
wait "$held"
is "$?" 70 "a worker killed mid-account: the run exits 70"
like "$(cat "$TMP/died.err")" "error: job [12] ended by signal 9 while running account 'j_c'" \
   "naming the signal and the account it was running"
is "$(sql "SELECT status FROM xetl.runs WHERE run_id = $(last_run)")" failed "the run is recorded failed"
# Read straight from the table, before any other command could close them.
is "$(sql "SELECT stage || ': ' || error FROM xetl.run_stages
            WHERE run_id = $(last_run) AND account_id = 3 AND status <> 'ok'")" \
   "pull: interrupted: its job ended without finishing" "the dead job's stage is closed with the run"
is "$(sql "SELECT count(*) FROM xetl.run_stages WHERE run_id = $(last_run) AND finished_at IS NULL")" 0 \
   "no stage of the run is left open"
is "$(sql "SELECT r.counts->>'rows' = sum((s.counts->>'rows')::bigint)::text AND
                  r.counts->>'fits' = sum((s.counts->>'fits')::bigint)::text
             FROM xetl.runs r JOIN xetl.run_stages s USING (run_id)
            WHERE r.run_id = $(last_run) AND s.status = 'ok' GROUP BY r.counts")" t \
   "the run counts what both jobs finished, the dead one's account too"
fakex_post /_fake/reset '{}' >/dev/null

# --- killed: the workers go with it, and the next run finishes the night ------------------------------
fakex_post /_fake/faults '{"rules": [{"path": "/2/users/1000000203", "delay": 30, "times": 1}]}' >/dev/null
"$XETL" -q --as-of "$ASOF" nightly --jobs 3 >/dev/null 2>"$TMP/killed.err" &
held=$!
_i=0
while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE $XETL_SESSIONS")" -lt 4 ] &&
      [ $_i -lt 100 ]; do
    _i=$((_i + 1)); sleep 0.1
done
sleep 0.5
kill -TERM "$held"; wait "$held" 2>/dev/null
_i=0
while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE $XETL_SESSIONS")" != 0 ] &&
      [ $_i -lt 100 ]; do
    _i=$((_i + 1)); sleep 0.1
done
is "$(sql "SELECT count(*) FROM pg_stat_activity WHERE $XETL_SESSIONS")" 0 \
   "killing the nightly ends its workers' sessions"
fakex_post /_fake/reset '{}' >/dev/null
fakex_post /_fake/clock "{\"now\": \"$ASOF\"}" >/dev/null
# What a run killed before its end left of its untracked bot posts (made sure of here) goes with the next run.
sql "INSERT INTO xetl.pull_bot_free_runs VALUES (424242, '2026-11-01', '2026-11-02', false);
     INSERT INTO xetl.pull_bot_free (run_id, from_t, to_t, tid) VALUES (424242, '2026-11-01', '2026-11-02', '1')" >/dev/null
XETL_REPORT_OUT="$TMP/again" "$XETL" -q --as-of "$ASOF" nightly --jobs 3 >/dev/null 2>"$TMP/again.err"
is "$?" 0 "the next nightly --jobs 3 exits 0"; sed "s/^/# /" "$TMP/again.err"
is "$(sql "SELECT (SELECT count(*) FROM xetl.pull_bot_free) + (SELECT count(*) FROM xetl.pull_bot_free_runs)")" 0 \
   "a killed run's untracked bot posts are gone after the next run"
results_digest > "$TMP/again.digest"
if cmp -s "$TMP/one.digest" "$TMP/again.digest"; then pass "and leaves the tables of an uninterrupted night"
else fail "and leaves the tables of an uninterrupted night" "$(diff "$TMP/one.digest" "$TMP/again.digest")"; fi

for bad in 0 65 x 2x -1; do
    xrun nightly --jobs "$bad"
    is "$RC" 64 "--jobs $bad: usage error"
done
like "$(cat "$ERR")" "--jobs must be a whole number from 1 to 64, not '-1'" "saying what N may be"

done_testing
