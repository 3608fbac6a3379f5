#!/bin/sh
# xetl nightly and rerun as cron and an on-call engineer meet them: a clean
# run, the lock (75), SIGKILL during pull, fit and report followed by a run
# that matches a clean one row for row and byte for byte, a backend killed
# mid-stage (69, one line, clean rerun), rerun idempotence, the run log; mail_to
# (the reports mailed to an SMTP sink; a refused mail: 69, reports kept); rerun
# --pull re-fetching from the fake X while a plain rerun makes no request.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

cat > "$TMP/scenario.json" <<'JSON'
{"now": "2026-11-20T02:00:00Z",
 "accounts": [{"user_id": "1000000001", "handle": "nightly_t", "start": "2026-10-25T00:00:00Z",
               "posts": 150, "replies": 40, "manual_posts": 6, "interval_hours": 3.2,
               "followers": 2000, "drift_per_day": 2.0, "seed": 11}]}
JSON
TOKEN="nightly-token-$$"
fakex_start --scenario "$TMP/scenario.json" --token "$TOKEN"
SINK_PID=""
trap 'stop_sink; fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_BACKOFF_MS=10
export XETL_COST_X_API_MONTHLY_USD=100 XETL_VALUE_PER_FOLLOWER_USD=0.4
ASOF1=2026-11-19T02:00:00Z
ASOF=2026-11-20T02:00:00Z

# setup NAME: a database with the account, the bot's posts and the nightly of the day before.
setup() {
    newdb
    "$XETL" -q account add nightly_t --user-id 1000000001
    "$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --scenario "$TMP/scenario.json" \
        --content-metadata-sql standalone --at "$ASOF" > "$TMP/cm.sql"
    psql -X -q -v ON_ERROR_STOP=1 -f "$TMP/cm.sql" >/dev/null
    fakex_post /_fake/reset '{}' >/dev/null
    fakex_post /_fake/clock "{\"now\": \"$ASOF1\"}" >/dev/null
    XETL_REPORT_OUT="$TMP/$1-reports" "$XETL" -q --as-of "$ASOF1" nightly >/dev/null ||
        echo "Bail out! the setup nightly failed"
    fakex_post /_fake/clock "{\"now\": \"$ASOF\"}" >/dev/null
}
# start_sink DIR [smtp_sink.py options]: an SMTP listener on loopback; XETL_SMTP_URL points at it.
start_sink() {
    rm -rf "$1"; mkdir -p "$1"
    "$XETL_PYTHON" "$XETL_ROOT/tests/lib/smtp_sink.py" "$@" --lifetime 120 &
    SINK_PID=$!
    _i=0
    while [ ! -s "$1/port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
    [ -s "$1/port" ] || echo "Bail out! smtp sink did not start"
    export XETL_SMTP_URL="smtp://127.0.0.1:$(cat "$1/port")"
}
stop_sink() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null; SINK_PID=""; }
files_digest() { (cd "$1" && for f in *; do echo "$f $(md5sum < "$f" | cut -c1-32)"; done | grep -v '\.xlsx '); }
backend_pid() { sql "SELECT pid FROM pg_stat_activity WHERE $XETL_SESSIONS LIMIT 1"; }
# run_killed STAGE TABLE AFTER: start nightly; once stage AFTER has begun, hold an exclusive
# lock on TABLE (which STAGE uses and nothing before it; AFTER "-": at once) so the run blocks inside STAGE,
# mid-transaction; kill -9 it there.
run_killed() {
    psql -X -q -d "$PGDATABASE" >/dev/null 2>&1 <<SQL &
DO \$\$ BEGIN
  LOOP
    EXIT WHEN '$3' = '-' OR EXISTS (SELECT 1 FROM xetl.run_stages s JOIN xetl.runs r USING (run_id)
                       WHERE r.status = 'running' AND s.stage = '$3');
    PERFORM pg_sleep(0.002);
  END LOOP;
END \$\$;
BEGIN;
LOCK TABLE $2 IN ACCESS EXCLUSIVE MODE;
SELECT pg_sleep(60);
COMMIT;
SQL
    locker=$!
    sleep 0.5
    XETL_REPORT_OUT="$TMP/kill-$1-reports" "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>"$TMP/killed.err" &
    victim=$!
    if xetl_lock_waiting; then
        stage=$(sql "SELECT stage FROM xetl.run_stages WHERE status = 'running' ORDER BY stage_id DESC LIMIT 1")
        is "$stage" "$1" "the run is inside '$1' when it is killed"
        is "$(sql "SELECT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock'
                      AND application_name LIKE 'xetl %' AND datname = current_database()")" "xetl $1 nightly_t" \
           "pg_stat_activity names the stage and the account ('xetl $1 nightly_t')"
    else
        fail "the run blocked inside '$1'"
    fi
    kill -9 "$victim"; wait "$victim" 2>/dev/null
    sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'" >/dev/null
    kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
}

# --- the clean run ----------------------------------------------------------------------------
setup clean
export XETL_REPORT_OUT="$TMP/clean-reports"
xrun --as-of "$ASOF" nightly
unset XETL_REPORT_OUT
CLEAN_DB=$PGDATABASE
is "$RC" 0 "nightly exits 0"
[ "$RC" = 0 ] || cat "$ERR"
mv "$OUT" "$TMP/clean.paths"
is "$(wc -l < "$TMP/clean.paths" | tr -d ' ')" 7 "it prints the 7 report paths, one a line"
like "$(cat "$TMP/clean.paths")" "xetl-roi-nightly_t-2026-11-13_2026-11-19.xlsx" "for the last 7 whole days"
is "$(sql "SELECT status || ':' || exit_code FROM xetl.runs WHERE command = 'nightly' ORDER BY run_id DESC LIMIT 1")" "ok:0" "the run log says ok"
is "$(sql "SELECT string_agg(stage || ':' || status, ',' ORDER BY stage_id) FROM xetl.run_stages WHERE run_id = (SELECT max(run_id) FROM xetl.runs)")" \
   "pull:ok,fit:ok,attribute:ok,learn:ok,health:ok,report:ok" "one run_stages row per stage, in order"
is "$(sql "SELECT (counts->>'requests')::int > 0 AND (counts->>'fits')::int > 0 AND (counts->>'attributions')::int > 0 AND (counts->>'reports')::int = 7 FROM xetl.runs ORDER BY run_id DESC LIMIT 1")" t \
   "the run's counts: requests, fits, attributions, reports"
is "$(sql "SELECT string_agg(stage || ':' || ((counts->>'cpu_ms')::bigint >= 0)::text, ',' ORDER BY stage_id) FROM xetl.run_stages WHERE run_id = (SELECT max(run_id) FROM xetl.runs)")" \
   "pull:true,fit:true,attribute:true,learn:true,health:true,report:true" "every stage records its CPU (cpu_ms)"
is "$(sql "SELECT (s.counts->>'cpu_ms')::bigint > 0 FROM xetl.run_stages s WHERE s.run_id = (SELECT max(run_id) FROM xetl.runs) AND s.stage = 'fit'")" t \
   "fitting the account's curves takes some CPU"
is "$(sql "SELECT (r.counts->>'cpu_ms')::bigint >= sum((s.counts->>'cpu_ms')::bigint) FROM xetl.runs r JOIN xetl.run_stages s USING (run_id) WHERE r.run_id = (SELECT max(run_id) FROM xetl.runs) GROUP BY r.counts")" t \
   "the run's CPU is at least its stages' together"
is "$(sql "SELECT to_char(range_from, 'YYYY-MM-DD') || '..' || to_char(range_to, 'YYYY-MM-DD') FROM xetl.runs ORDER BY run_id DESC LIMIT 1")" \
   "2026-11-13..2026-11-20" "the run log records the report range"
results_digest > "$TMP/clean.digest"
files_digest "$TMP/clean-reports" > "$TMP/clean.files"
xrun runs
like "$(sed -n 2p "$OUT")" "nightly +ok" "xetl runs lists the run"
xrun nightly --status
like "$(sed -n 2p "$OUT")" "nightly +ok" "nightly --status lists it too"
xrun runs --run "$(sql "SELECT max(run_id) FROM xetl.runs")"
like "$(cat "$OUT")" "report +nightly_t +ok" "runs --run shows the stages"

# API requests are counted on the day of the run's as-of (the setup nightly ran as of 11-19).
is "$(sql "SELECT api_success_rate FROM system_health_metrics WHERE day = '2026-11-19' AND metric_type = 'daily'")" 1 \
   "health counts the 11-19 run's requests on 11-19 (as-of day, not the wall clock)"
# Attribution depends on the as-of, not on the range asked for: a narrower command
# re-attributes the same posts to the same values.
before=$(sql "SELECT string_agg(tweet_id || ':' || time_window_hours || ':' || followers_gained || ':' || confidence_score, ',' ORDER BY tweet_id, time_window_hours)
                FROM follower_attributions WHERE tweet_id IN (SELECT tweet_id FROM xetl.posts WHERE posted_at >= '2026-11-10' AND posted_at < '2026-11-12')")
xrun --as-of "$ASOF" attribute --from 2026-11-10 --to 2026-11-11
after=$(sql "SELECT string_agg(tweet_id || ':' || time_window_hours || ':' || followers_gained || ':' || confidence_score, ',' ORDER BY tweet_id, time_window_hours)
               FROM follower_attributions WHERE tweet_id IN (SELECT tweet_id FROM xetl.posts WHERE posted_at >= '2026-11-10' AND posted_at < '2026-11-12')")
ok "there are attributions to compare" test -n "$before"
is "$after" "$before" "attribute over two days credits those posts exactly as nightly over 30 days did"

# --- the same as-of again changes nothing ---------------------------------------------------
XETL_REPORT_OUT="$TMP/clean-reports" "$XETL" -q --as-of "$ASOF" nightly >/dev/null
is "$?" 0 "the same nightly again exits 0"
results_digest > "$TMP/again.digest"
if cmp -s "$TMP/clean.digest" "$TMP/again.digest"; then pass "running it again changes no table"
else fail "running it again changes no table" "$(diff "$TMP/clean.digest" "$TMP/again.digest")"; fi

# --- a second run while one is active: 75 at once, naming the holder -------------------------
fakex_post /_fake/faults '{"rules": [{"endpoint": "users", "delay": 4, "times": -1}]}' >/dev/null
XETL_REPORT_OUT="$TMP/lock-reports" "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>&1 &
first=$!
_i=0
while [ "$(sql "SELECT count(*) FROM xetl.runs WHERE status = 'running'")" = 0 ] && [ $_i -lt 100 ]; do _i=$((_i + 1)); sleep 0.1; done
sleep 0.5
start=$(date +%s)
xrun --as-of "$ASOF" nightly
end=$(date +%s)
is "$RC" 75 "a second nightly while one runs exits 75"
like "$(cat "$ERR")" "another run holds the nightly lock \(nightly run [0-9]+, pid [0-9]+ on .*, started 20[0-9-]+T[0-9:]+Z\)" \
     "the message names the holder's run, pid and start time"
ok "it exits at once, without waiting for the lock" test $((end - start)) -lt 3
wait $first
is "$?" 0 "the first run still finishes"
fakex_post /_fake/reset '{}' >/dev/null

# --- SIGKILL during pull, fit and report, then a rerun: same tables and files as the clean run ---
for case in "pull performance_snapshots -" "pull tweet_analytics_comprehensive -" "fit xetl.predictions pull" "report content_type_performance health"; do
    set -- $case
    setup "kill-$1"
    run_killed "$1" "$2" "$3"
    is "$(sql "SELECT status FROM xetl.runs WHERE command = 'nightly' ORDER BY run_id DESC LIMIT 1")" running \
       "the killed run's row is left 'running' (killed during $1)"
    XETL_REPORT_OUT="$TMP/kill-$1-reports" "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>"$TMP/rerun.err"
    is "$?" 0 "the run after a kill during $1 exits 0"
    is "$(sql "SELECT status || ': ' || error FROM xetl.runs WHERE command = 'nightly' ORDER BY run_id DESC OFFSET 1 LIMIT 1")" \
       "failed: interrupted: the process ended without finishing" "the next run closes the killed run's row"
    results_digest > "$TMP/kill.digest"
    if [ -n "${XETL_DEBUG_DIR:-}" ]; then
        sql "SELECT t::text FROM tweet_analytics_comprehensive t ORDER BY tweet_id" > "$XETL_DEBUG_DIR/kill-$1.tac"
        psql -X -Atq -d "$CLEAN_DB" -c "SELECT t::text FROM tweet_analytics_comprehensive t ORDER BY tweet_id" > "$XETL_DEBUG_DIR/clean.tac"
    fi
    if cmp -s "$TMP/clean.digest" "$TMP/kill.digest"; then pass "after a kill during $1, every table equals the clean run's"
    else fail "after a kill during $1, every table equals the clean run's" "$(diff "$TMP/clean.digest" "$TMP/kill.digest")"; fi
    files_digest "$TMP/kill-$1-reports" > "$TMP/kill.files"
    if cmp -s "$TMP/clean.files" "$TMP/kill.files"; then pass "after a kill during $1, the CSV reports are byte-identical to the clean run's"
    else fail "after a kill during $1, the CSV reports are byte-identical to the clean run's" "$(diff "$TMP/clean.files" "$TMP/kill.files")"; fi
    is "$(ls -A "$TMP/kill-$1-reports" | grep -c '^\.')" 0 "no half-written file is left in the report directory"
done

# --- the database kills our backend mid-stage: 69, one clear line, then a clean rerun ---------
setup dead
psql -X -q -d "$PGDATABASE" -c "BEGIN; LOCK TABLE follower_attributions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;" >/dev/null 2>&1 &
locker=$!
# The lock held before the run starts (a fixed sleep lost that race on a loaded machine).
_i=0
while [ "$(sql "SELECT count(*) FROM pg_locks WHERE relation = 'follower_attributions'::regclass
                   AND mode = 'AccessExclusiveLock' AND granted")" = 0 ] && [ $_i -lt 300 ]; do
    _i=$((_i + 1)); sleep 0.1
done
[ $_i -lt 300 ] || echo "Bail out! the locker never took its lock"
XETL_REPORT_OUT="$TMP/dead-reports" "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>"$TMP/dead.err" &
victim=$!
xetl_lock_waiting
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE $XETL_SESSIONS" >/dev/null
wait "$victim"
is "$?" 69 "a terminated backend mid-stage exits 69"
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
is "$(wc -l < "$TMP/dead.err" | tr -d ' ')" 1 "with one line on stderr"
like "$(cat "$TMP/dead.err")" "^xetl: error: stage 'attribute' failed for account 'nightly_t': database connection lost" \
     "naming the stage, the account and the cause"
is "$(sql "SELECT status || ':' || exit_code FROM xetl.runs WHERE command = 'nightly' ORDER BY run_id DESC LIMIT 1")" "failed:69" \
   "the failure is recorded in the run log (after reconnecting)"
XETL_REPORT_OUT="$TMP/dead-reports" "$XETL" -q --as-of "$ASOF" nightly >/dev/null
is "$?" 0 "the next run succeeds"
results_digest > "$TMP/dead.digest"
if cmp -s "$TMP/clean.digest" "$TMP/dead.digest"; then pass "and ends with the clean run's tables"
else fail "and ends with the clean run's tables" "$(diff "$TMP/clean.digest" "$TMP/dead.digest")"; fi

# --- progress: a counter with rate and ETA on a terminal, nothing under cron ------------------
setup tty
if command -v script >/dev/null 2>&1; then
    XETL_REPORT_OUT="$TMP/tty-reports" script -qec "$XETL --as-of $ASOF nightly" /dev/null > "$TMP/tty.out" 2>&1
    like "$(tr '\r' '\n' < "$TMP/tty.out")" "pull: posts fetched: [0-9]+/[0-9]+ \(100%\) [0-9]+/s eta 0s" \
         "on a terminal, pull shows posts fetched with rate and ETA"
    like "$(tr '\r' '\n' < "$TMP/tty.out")" "fit: curves: [0-9]+/[0-9]+ \(100%\)" "and fit the curves fitted"
else
    pass "script(1) is not installed: no terminal to test progress on"
fi
sql "DELETE FROM performance_snapshots WHERE snapshot_at = '$ASOF'" >/dev/null
XETL_REPORT_OUT="$TMP/tty-reports" "$XETL" --as-of "$ASOF" nightly > /dev/null 2> "$TMP/cron.err"
is "$(tr -cd '\r' < "$TMP/cron.err" | wc -c | tr -d ' ')" 0 "without a terminal (cron) no progress is drawn"
like "$(cat "$TMP/cron.err")" "info: pull: 'nightly_t': [0-9]+ posts refreshed" "only log lines"

# --- mail: nightly with mail_to mails the reports it wrote, once ------------------------------
export PGDATABASE="$CLEAN_DB" XETL_DB="dbname=$CLEAN_DB"
last_run() { sql "SELECT max(run_id) FROM xetl.runs"; }
export XETL_MAIL_TO="ops@example.test, oncall@example.test" XETL_MAIL_FROM="xetl@example.test" XETL_MAIL_BACKOFF_MS=10
start_sink "$TMP/sink-ok"
XETL_REPORT_OUT="$TMP/mail-reports" xrun --as-of "$ASOF" nightly
stop_sink
is "$RC" 0 "nightly with mail_to set exits 0"
is "$(wc -l < "$OUT" | tr -d ' ')" 7 "it wrote the 7 reports"
is "$(ls "$TMP/sink-ok" | grep -c '\.eml$')" 1 "the SMTP server received one message"
is "$(cat "$TMP/sink-ok/msg-1.env" 2>/dev/null)" "xetl@example.test
ops@example.test
oncall@example.test" "from mail_from, to both mail_to recipients"
"$XETL_PYTHON" - "$TMP/sink-ok/msg-1.eml" "$OUT" > "$TMP/mail.txt" <<'PY'
import email, email.policy, os, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
paths = {os.path.basename(p): p for p in open(sys.argv[2]).read().split()}
print("to\t" + m["To"])
for part in m.iter_attachments():
    name = part.get_filename()
    same = name in paths and part.get_payload(decode=True) == open(paths.pop(name), "rb").read()
    print("attach\t%s\t%s" % (name, same))
for name in paths:
    print("missing\t" + name)
PY
is "$(awk -F '\t' '$1 == "to" { print $2 }' "$TMP/mail.txt")" "ops@example.test, oncall@example.test" "the To header names both"
is "$(grep -c '^attach' "$TMP/mail.txt")" 7 "seven attachments"
is "$(grep -c '^attach.*True$' "$TMP/mail.txt")" 7 "each byte-identical to the report file nightly wrote, by name"
is "$(grep -c '^missing' "$TMP/mail.txt")" 0 "no report left out"
is "$(sql "SELECT string_agg(stage || ':' || status, ',' ORDER BY stage_id) FROM xetl.run_stages WHERE run_id = $(last_run)")" \
   "pull:ok,fit:ok,attribute:ok,learn:ok,health:ok,report:ok,mail:ok" "a 'mail' stage row after report, marked ok"
is "$(sql "SELECT status || ':' || exit_code FROM xetl.runs WHERE run_id = $(last_run)")" "ok:0" "the run row says ok"
like "$(cat "$ERR")" "mailed 7 files to ops@example.test, oncall@example.test" "the log says it mailed them"

# --- mail refused (554): 69, one line naming mail, the reports still complete on disk --------
start_sink "$TMP/sink-554" --fail 554
XETL_REPORT_OUT="$TMP/mail554-reports" xrun -q --as-of "$ASOF" nightly
stop_sink
is "$RC" 69 "nightly whose mail is refused (554) exits 69"
is "$(wc -l < "$ERR" | tr -d ' ')" 1 "with one line on stderr"
like "$(cat "$ERR")" "^xetl: error: stage 'mail' failed \(the reports are on disk\): .*554" "naming the mail stage and the server's reply"
is "$(cat "$TMP/sink-554/rcpt_count")" 1 "a permanent refusal is not retried"
is "$(ls "$TMP/sink-554" | grep -c '\.eml$')" 0 "nothing was delivered"
is "$(ls "$TMP/mail554-reports" | wc -l | tr -d ' ')" 7 "the 7 reports are on disk"
if [ "$(files_digest "$TMP/mail554-reports")" = "$(grep -- '-2026-11-13_2026-11-19' "$TMP/clean.files")" ]; then pass "their CSVs byte-identical to the clean run's"
else fail "their CSVs byte-identical to the clean run's" "$(ls -l "$TMP/mail554-reports")"; fi
xlsx=$(ls "$TMP/mail554-reports"/*.xlsx 2>/dev/null)
is "$("$XETL_PYTHON" "$XETL_ROOT/tests/lib/read_xlsx.py" "$xlsx" 2>&1 | awk -F '\t' '$1 == "sheets" { print $2 }')" \
   "$("$XETL_PYTHON" "$XETL_ROOT/tests/lib/read_xlsx.py" "$(ls "$TMP/mail-reports"/*.xlsx)" | awk -F '\t' '$1 == "sheets" { print $2 }')" \
   "the workbook is complete: it opens, with every sheet"
is "$(ls -A "$TMP/mail554-reports" | grep -c '^\.')" 0 "no half-written file is left"
is "$(sql "SELECT status || ':' || exit_code FROM xetl.runs WHERE run_id = $(last_run)")" "failed:69" "the run row says failed, 69"
like "$(sql "SELECT error FROM xetl.runs WHERE run_id = $(last_run)")" "^stage 'mail' failed" "with the mail stage's error"
is "$(sql "SELECT string_agg(stage || ':' || status, ',' ORDER BY stage_id) FROM xetl.run_stages WHERE run_id = $(last_run)")" \
   "pull:ok,fit:ok,attribute:ok,learn:ok,health:ok,report:ok,mail:failed" "every stage but mail is ok"
like "$(sql "SELECT error FROM xetl.run_stages WHERE run_id = $(last_run) AND stage = 'mail'")" "554" "the mail stage row keeps the server's reply"
xrun runs --run "$(last_run)"
like "$(cat "$OUT")" "mail +.*failed" "runs --run shows the failed mail stage"
unset XETL_MAIL_TO XETL_SMTP_URL XETL_MAIL_FROM XETL_MAIL_BACKOFF_MS

# --- rerun over a range: from landed data, twice the same -------------------------------------
XETL_REPORT_OUT="$TMP/rerun1" "$XETL" rerun --from 2026-11-13 --to 2026-11-19 > "$TMP/rerun1.paths" 2>/dev/null
is "$?" 0 "rerun over a past range exits 0"
like "$(cat "$TMP/rerun1.paths")" "xetl-roi-nightly_t-2026-11-13_2026-11-19-posts.csv" "rerun rewrites that range's reports"
results_digest > "$TMP/rerun1.digest"
XETL_REPORT_OUT="$TMP/rerun2" "$XETL" -q rerun --from 2026-11-13 --to 2026-11-19 > "$TMP/rerun2.out" 2>&1
is "$(wc -c < "$TMP/rerun2.out" | tr -d ' ')" 0 "-q: a run that went well prints nothing at all (cron mails nothing)"
results_digest > "$TMP/rerun2.digest"
if cmp -s "$TMP/rerun1.digest" "$TMP/rerun2.digest"; then pass "a second rerun changes no table"
else fail "a second rerun changes no table" "$(diff "$TMP/rerun1.digest" "$TMP/rerun2.digest")"; fi
if [ "$(files_digest "$TMP/rerun1")" = "$(files_digest "$TMP/rerun2")" ]; then pass "and writes byte-identical CSVs"
else fail "and writes byte-identical CSVs"; fi
is "$(sql "SELECT string_agg(DISTINCT stage, ',' ORDER BY stage) FROM xetl.run_stages WHERE run_id = (SELECT max(run_id) FROM xetl.runs)")" \
   "attribute,fit,health,learn,replay,report" "rerun replays landed responses instead of pulling"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE run_id = (SELECT max(run_id) FROM xetl.runs)")" 0 "and does not call X"
xrun rerun --from 2026-11-13
is "$RC" 64 "rerun without --to is a usage error"

# --- rerun --pull re-fetches from X first; plain rerun does not, even when X has news ----------
# X serves five weeks later (posts gained likes); a plain rerun must not see it, rerun --pull
# must, even though the range is now older than pull.track_days (30) and nightly's pull would
# no longer refresh it.
ASOF2=2026-12-25T02:00:00Z
fake_requests() { fakex_get /_fake/stats | "$XETL_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["requests"])'; }
# PICK: the range's bot post that gained the most likes between ASOF and ASOF2: "id likes@ASOF likes@ASOF2".
"$XETL_PYTHON" - "$FAKEX_URL" "$ASOF" "$ASOF2" "$TMP/range.truth" > "$TMP/pick" <<'PY'
import json, sys, urllib.request
def likes(at):
    t = json.load(urllib.request.urlopen("%s/_fake/truth?at=%s" % (sys.argv[1], at)))
    return {w["id"]: w["public_metrics"]["like_count"] for w in t["accounts"][0]["tweets"]
            if w["bot"] and w["kind"] != "reply" and "2026-11-13" <= w["created_at"] < "2026-11-20"}
a, b = likes(sys.argv[2]), likes(sys.argv[3])
i = max(a, key=lambda k: (b[k] - a[k], k))
print(i, a[i], b[i])
with open(sys.argv[4], "w") as f:  # every post of the range with its likes at ASOF2
    f.writelines("%s %d\n" % (k, b[k]) for k in sorted(b))
PY
read PICK L1 L2 < "$TMP/pick"
ok "X's numbers changed: post $PICK has $L1 likes at $ASOF, $L2 at $ASOF2" test "$L2" -gt "$L1"
tac_likes() { sql "SELECT likes FROM tweet_analytics_comprehensive WHERE tweet_id = '$PICK'"; }
csv_likes() { # the likes_lifetime column of the post's row in a posts.csv
    "$XETL_PYTHON" -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(",".join(r["likes_lifetime"] for r in rows if r["tweet_id"] == sys.argv[2]))' "$1/xetl-roi-nightly_t-2026-11-13_2026-11-19-posts.csv" "$PICK"
}
is "$(tac_likes)" "$L1" "before: the tables hold X's numbers as of the last pull"
fakex_post /_fake/reset '{}' >/dev/null
fakex_post /_fake/clock "{\"now\": \"$ASOF2\"}" >/dev/null
XETL_REPORT_OUT="$TMP/rerun3" xrun -q rerun --from 2026-11-13 --to 2026-11-19
is "$RC" 0 "a plain rerun after X changed exits 0"
is "$(fake_requests)" 0 "and made no request to X"
is "$(tac_likes)" "$L1" "so it still has the landed numbers"
results_digest > "$TMP/rerun3.digest"
if cmp -s "$TMP/rerun2.digest" "$TMP/rerun3.digest"; then pass "and changed no table"
else fail "and changed no table" "$(diff "$TMP/rerun2.digest" "$TMP/rerun3.digest")"; fi

XETL_REPORT_OUT="$TMP/rerun-pull" xrun -q --as-of "$ASOF2" rerun --from 2026-11-13 --to 2026-11-19 --pull
is "$RC" 0 "rerun --pull exits 0"
[ "$RC" = 0 ] || cat "$ERR"
RUN=$(sql "SELECT max(run_id) FROM xetl.runs")
NREQ=$(fake_requests)
ok "rerun --pull made requests to X ($NREQ)" test "$NREQ" -gt 0
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE run_id = $RUN")" "$NREQ" "each one landed in xetl.raw_responses under the run"
is "$(sql "SELECT (counts->>'requests') FROM xetl.runs WHERE run_id = $RUN")" "$NREQ" "and counted in the run log"
is "$(sql "SELECT string_agg(stage || ':' || status, ',' ORDER BY stage_id) FROM xetl.run_stages WHERE run_id = $RUN")" \
   "pull:ok,fit:ok,attribute:ok,learn:ok,health:ok,report:ok" "it pulls instead of replaying"
is "$(sql "SELECT likes FROM performance_snapshots WHERE tweet_id = '$PICK' AND snapshot_at = '$ASOF2'")" "$L2" \
   "a new snapshot holds the re-fetched likes"
sql "SELECT tweet_id || ' ' || likes FROM performance_snapshots WHERE snapshot_at = '$ASOF2'" | sort > "$TMP/range.snap"
is "$(sort "$TMP/range.truth" | comm -12 - "$TMP/range.snap" | wc -l | tr -d ' ')" "$(wc -l < "$TMP/range.truth" | tr -d ' ')" \
   "every post of the range was re-fetched: its snapshot has X's likes at the new as-of"
is "$(tac_likes)" "$L2" "the recomputed analytics have the re-fetched likes"
is "$(csv_likes "$TMP/rerun-pull")" "$L2" "and so does the rewritten posts report"
is "$(csv_likes "$TMP/rerun3")" "$L1" "where the plain rerun's report had the landed likes"

# --- durability: nightly renames each report into place and syncs them all at the end -------
# (strace -y shows the path of each fsync).  `xetl report` alone still syncs each file
# before its rename.  N report files: renamed N times, fsynced N times under their final
# names after the last rename, their directory after them; no temp file fsynced.
setup sync
# LeakSanitizer cannot run under ptrace: off for the traced runs (the suite's other runs check leaks).
LSAN_OFF="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
SD=$(cd "$TMP" && pwd -P)/sync-out
mkdir -p "$SD"
XETL_REPORT_OUT="$SD" ASAN_OPTIONS="$LSAN_OFF" strace -f -qq -y -e trace=fsync,fdatasync,rename,renameat,renameat2 -o "$TMP/sync.trace" \
    "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>&1
is "$?" 0 "nightly under strace succeeds"
n=$(ls "$SD" | grep -c '^xetl-roi-')
is "$n" 7 "it wrote the 7 report files"
is "$(grep -Ec "rename.*\"$SD/xetl-roi-[^\"]*\"(, [^)]*)?\) = 0" "$TMP/sync.trace")" "$n" "each renamed into place once"
is "$(grep -c "fsync([0-9]*<$SD/xetl-roi-[^>]*>) = 0" "$TMP/sync.trace")" "$n" "each fsynced once under its final name"
is "$(grep -c "fsync([0-9]*<$SD/\.xetl-roi-" "$TMP/sync.trace")" 0 "no temp file fsynced"
last_rename=$(grep -n "rename.*\"$SD/xetl-roi-" "$TMP/sync.trace" | tail -1 | cut -d: -f1)
first_sync=$(grep -n "fsync([0-9]*<$SD/xetl-roi-" "$TMP/sync.trace" | head -1 | cut -d: -f1)
last_sync=$(grep -n "fsync([0-9]*<$SD/xetl-roi-" "$TMP/sync.trace" | tail -1 | cut -d: -f1)
dir_sync=$(grep -n "fsync([0-9]*<$SD>) = 0" "$TMP/sync.trace" | tail -1 | cut -d: -f1)
ok "the files are synced after the last rename (at the end of the run)" [ "${first_sync:-0}" -gt "${last_rename:-999999}" ]
ok "and their directory after them" [ "${dir_sync:-0}" -gt "${last_sync:-999999}" ]
RD=$(cd "$TMP" && pwd -P)/sync-report
ASAN_OPTIONS="$LSAN_OFF" strace -f -qq -y -e trace=fsync,fdatasync,rename,renameat,renameat2 -o "$TMP/report.trace" \
    "$XETL" -q --as-of "$ASOF" report --out "$RD" >/dev/null 2>&1
is "$?" 0 "report under strace succeeds"
is "$(grep -c "fsync([0-9]*<$RD/\.xetl-roi-[^>]*>) = 0" "$TMP/report.trace")" 7 \
   "xetl report alone fsyncs each of its 7 files before the rename"
is "$(awk -v d="$RD" 'index($0, "fsync(") && index($0, "<" d "/.xetl-roi-") { s++ }
                      index($0, "rename") && index($0, "\"" d "/xetl-roi-") { if (s == 0) bad++; s-- }
                      END { print bad + 0 }' "$TMP/report.trace")" 0 "each rename after its file's fsync"

done_testing
