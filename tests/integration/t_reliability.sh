#!/bin/sh
# t_reliability.sh — promises a probe broke, each checked once in make check
# (tests/faults/ tries them all, at every stage): nothing secret stored (a
# pg_dump of the whole database, bytea included, holds no token after bodies
# echoing it), non-UTF-8 5xx bodies landed and retried; stage commands refused
# with 75 while a nightly holds the lock; killed runs closed by the next
# command; `fit` then `nightly` leaves no stale forecast; a failing run-log
# insert is an error; statement timeouts → 75; `ulimit -f` → 74 with the run
# row closed and libxlsxwriter's own lines kept out of -q and json logs;
# report file modes; an overflowing refresh schedule and an over-long config
# line → 78; a password on the command line is warned about.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

cat >"$TMP/scenario.json" <<'EOF'
{"now": "2026-11-20T00:00:00Z",
 "accounts": [{"user_id": "1000000009", "handle": "steady", "start": "2026-11-01T00:00:00Z",
               "posts": 60, "replies": 6, "manual_posts": 2, "interval_hours": 5, "seed": 9}]}
EOF
TOKEN="AAAAAAAAAAAAAAAAAAAAAReliab%2Bility$$%3DZZtokenZZ0123456789abcdef"
fakex_start --token "$TOKEN" --scenario "$TMP/scenario.json"
trap 'stop_sink 2>/dev/null; fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_BACKOFF_MS=5 XETL_PULL_RETRIES=3
export XETL_REPORT_OUT="$TMP/reports"
ASOF=2026-11-20T00:00:00Z
faults() { fakex_post /_fake/faults "$1" >/dev/null; }
last_run() { sql "SELECT status || ':' || coalesce(exit_code::text, '-') FROM xetl.runs ORDER BY run_id DESC LIMIT 1"; }
setup() { fakex_seed_db steady 1000000009 "$ASOF"; }

# --- nothing secret stored; non-UTF-8 error bodies are landed and retried ---------------------
setup
faults '{"rules": [{"endpoint": "users", "status": 503, "body": "echo"},
                   {"endpoint": "tweets", "status": 503, "body": "latin1"},
                   {"endpoint": "tweets", "status": 502, "body": "binary"},
                   {"endpoint": "tweets", "status": 503, "body": "utf8cut"},
                   {"endpoint": "timeline", "body": "echo"}]}'
xrun --as-of "$ASOF" pull
is "$RC" 0 "503 echoing the token, Latin-1, binary and cut-UTF-8 5xx bodies: retried, exit 0"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE http_status IN (502, 503)")" 4 "each failed attempt is landed"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE http_status = 503 AND error LIKE 'http 503 %'")" 3 \
   "with its error text, made valid UTF-8"
faults '{"rules": [{"endpoint": "users", "status": 401, "body": "echo"}]}'
xrun --as-of 2026-11-20T01:00:00Z pull
is "$RC" 78 "a 401 whose page echoes the token: 78"
unlike "$(cat "$ERR")" "$TOKEN" "the message does not hold the token"
ok "the echoed Authorization header was landed, redacted" test "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE position(convert_to('Bearer [redacted]', 'UTF8') IN body) > 0")" -ge 3
pg_dump --data-only "$PGDATABASE" > "$TMP/dump.sql"
TOKEN_HEX=$(printf '%s' "$TOKEN" | od -An -tx1 | tr -d ' \n')
is "$(grep -c -F "$TOKEN" "$TMP/dump.sql")" 0 "pg_dump of every table holds no token as text"
is "$(grep -c -F "$TOKEN_HEX" "$TMP/dump.sql")" 0 "nor as bytea hex"
is "$(grep -ci 'bearer [A-Za-z0-9%+/=_.~-]\{16,\}' "$TMP/dump.sql")" 0 "nor anything shaped like a bearer credential"

# --- consistency: the nightly lock covers the stage commands -----------------------------------
setup
faults '{"rules": [{"endpoint": "users", "delay": 3, "times": 1}]}'
"$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>&1 &
first=$!
_i=0
while [ "$(sql "SELECT count(*) FROM xetl.run_stages WHERE status = 'running'")" = 0 ] && [ $_i -lt 100 ]; do _i=$((_i + 1)); sleep 0.05; done
for c in fit attribute learn health report pull "import $XETL_ROOT/tests/golden/report_seed.sql"; do
    xrun --as-of "$ASOF" $c
    is "$RC:$(sed -n 's/.*\(another run holds the nightly lock (nightly run\).*/\1/p' "$ERR")" \
       "75:another run holds the nightly lock (nightly run" "'${c%% *}' while a nightly runs: 75 naming it"
done
wait $first
is "$?" 0 "the nightly itself is undisturbed"
is "$(sql "SELECT count(*) FROM xetl.runs WHERE exit_code = 75 AND status = 'failed'")" 7 "each refusal is in the run log"
results_digest > "$TMP/clean.digest"
# fit over a different range, then the nightly again: its forecasts replace fit's, none stay beside
xrun --as-of "$ASOF" fit --from 2026-11-15 --to 2026-11-19
is "$RC" 0 "fit over a narrower range"
"$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>&1
results_digest > "$TMP/after.digest"
if cmp -s "$TMP/clean.digest" "$TMP/after.digest"; then pass "fit then nightly: every table, xetl.predictions included, as after the nightly alone"
else fail "fit then nightly: every table, xetl.predictions included, as after the nightly alone" "$(diff "$TMP/clean.digest" "$TMP/after.digest")"; fi

# a killed import (any command) is closed by the next command of any kind
psql -X -q -c "BEGIN; LOCK TABLE xetl.posts IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30); COMMIT;" >/dev/null 2>&1 &
locker=$!
sleep 0.3
"$XETL" -q import "$XETL_ROOT/fixtures/exports/$(ls "$XETL_ROOT/fixtures/exports" | grep -m1 '\.csv$')" >/dev/null 2>&1 &
victim=$!
_i=0
while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE $XETL_SESSIONS AND wait_event_type = 'Lock'")" = 0 ] && [ $_i -lt 100 ]; do _i=$((_i + 1)); sleep 0.05; done
kill -9 $victim; wait $victim 2>/dev/null
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" >/dev/null
kill $locker 2>/dev/null; wait $locker 2>/dev/null
is "$(sql "SELECT status FROM xetl.runs WHERE command = 'import' ORDER BY run_id DESC LIMIT 1")" running "a killed import leaves its row 'running'"
xrun --as-of "$ASOF" health
is "$(sql "SELECT status || ': ' || error FROM xetl.runs WHERE command = 'import' ORDER BY run_id DESC LIMIT 1")" \
   "failed: interrupted: the process ended without finishing" "the next command (health) closes it"

# a run-log insert that fails is an error, not ignored
sql "ALTER TABLE xetl.runs ADD CONSTRAINT t_no_learn CHECK (command <> 'learn') NOT VALID" >/dev/null
xrun --as-of "$ASOF" learn
is "$RC" 70 "learn whose run-log row is refused: 70"
like "$(cat "$ERR")" "cannot record the run in xetl.runs" "saying so"
sql "ALTER TABLE xetl.runs DROP CONSTRAINT t_no_learn" >/dev/null

# --- exit classes ----------------------------------------------------------------------------
# a statement timeout (SQLSTATE 57014) is a temporary failure
sql "ALTER DATABASE $PGDATABASE SET statement_timeout = '300ms'" >/dev/null
psql -X -q -c "SET statement_timeout = 0; BEGIN; LOCK TABLE system_health_metrics IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(5); COMMIT;" >/dev/null 2>&1 &
locker=$!
sleep 0.3
xrun -q --as-of "$ASOF" health
kill $locker 2>/dev/null; wait $locker 2>/dev/null
sql "ALTER DATABASE $PGDATABASE RESET statement_timeout" >/dev/null
is "$RC" 75 "a statement timeout: 75"
like "$(cat "$ERR")" "statement timeout" "naming it"
is "$(last_run)" "failed:75" "and the run row says so"

# ulimit -f: EFBIG, not SIGXFSZ; 74 with one line; the run row closed; nothing under a final name
rm -rf "$TMP/small"
sh -c 'ulimit -f 4; exec "$@"' sh "$XETL" -q --as-of "$ASOF" report --out "$TMP/small" 2>"$ERR" >/dev/null
RC=$?
is "$RC" 74 "a report over 'ulimit -f': 74 (not killed by SIGXFSZ)"
is "$(wc -l < "$ERR" | tr -d ' ')" 1 "one line on stderr under -q"
like "$(cat "$ERR")" "^xetl: error: cannot write '.*': File too large \(disk full or file size limit" "saying why"
is "$(last_run)" "failed:74" "the run row is closed"
for f in "$TMP"/small/xetl-roi-*; do
    [ -e "$f" ] || continue
    "$XETL" -q --as-of "$ASOF" report --out "$TMP/full" >/dev/null
    cmp -s "$f" "$TMP/full/$(basename "$f")" || fail "a final name holds a partial file: $f"
done
is "$(ls -A "$TMP/small" | grep -c '^\.')" 0 "no temp file left behind"
# the XLSX writer alone: libxlsxwriter's own lines stay out of -q, and are JSON under --log-format json
rm -rf "$TMP/small"
sh -c 'ulimit -f 8; exec "$@"' sh "$XETL" -q --as-of "$ASOF" report --format xlsx --out "$TMP/small" 2>"$ERR" >/dev/null
is "$?:$(wc -l < "$ERR" | tr -d ' ')" "74:1" "an XLSX over 'ulimit -f': 74, one line under -q"
sh -c 'ulimit -f 8; exec "$@"' sh "$XETL" --log-format json --as-of "$ASOF" report --format xlsx --out "$TMP/small" 2>"$ERR" >/dev/null
is "$("$XETL_PYTHON" -c 'import json,sys
bad = 0
for l in open(sys.argv[1]):
    try: json.loads(l)
    except ValueError: bad += 1
print(bad)' "$ERR")" 0 "and every stderr line is JSON under --log-format json"

# report files: 0640 by default whatever the umask, report.file_mode otherwise; a warning for a shared directory
rm -rf "$TMP/modes"; mkdir -p "$TMP/modes"; chmod 777 "$TMP/modes"
(umask 000; "$XETL" --as-of "$ASOF" report --out "$TMP/modes" >/dev/null 2>"$ERR")
is "$(stat -c %a "$TMP"/modes/*-summary.csv) $(stat -c %a "$TMP"/modes/*.xlsx)" "640 640" "report files are 0640 under umask 000"
like "$(cat "$ERR")" "report.out '.*' is writable by every user" "a directory writable by every user is warned about"
XETL_REPORT_FILE_MODE=0600 "$XETL" -q --as-of "$ASOF" report --out "$TMP/modes" >/dev/null
is "$(stat -c %a "$TMP"/modes/*-posts.csv)" 600 "report.file_mode = 0600 is honoured"

# SMTP: a connection dropped after the final dot is never retried, and the error says delivery is uncertain
. "$XETL_ROOT/tests/lib/sink.sh"
start_sink "$TMP/sink" --fault drop-after-dot
XETL_MAIL_FROM=xetl@example.test XETL_MAIL_BACKOFF_MS=10 xrun -q mail --to ops@example.test "$XETL_ROOT/tests/golden/report/summary.csv"
stop_sink
is "$RC" 69 "SMTP dropped after the final dot: 69"
like "$(cat "$ERR")" "delivery to ops@example.test is uncertain: .*not retried so it is never delivered twice" "saying delivery is uncertain"
is "$(cat "$TMP/sink/data_count"):$(ls "$TMP/sink" | grep -c '\.eml$')" "1:1" "one DATA, one message: never sent twice"

# configuration that would overflow or be split: 78, clearly
XETL_PULL_REFRESH_SCHEDULE=9223372036854775807h:0 xrun --as-of "$ASOF" pull
is "$RC" 78 "XETL_PULL_REFRESH_SCHEDULE=9223372036854775807h:0: 78"
like "$(cat "$ERR")" "pull.refresh_schedule '9223372036854775807h:0' is not AGE:EVERY" "with a clear message"
awk 'BEGIN { printf "mail_to = "; for (i = 0; i < 5000; i++) printf "x"; print "" }' > "$TMP/long.conf"
xrun --config "$TMP/long.conf" runs
is "$RC" 78 "a config line over 4095 bytes: 78"
like "$(cat "$ERR")" "long.conf:1: line longer than" "naming the file and line"

# a password on the command line shows in ps: warned about, never repeated
xrun --db "dbname=$PGDATABASE password=hunter2-secret" runs
is "$RC" 0 "--db with a password still works"
like "$(cat "$ERR")" "warning: .*password.* command line" "a warning says a password on the command line is visible"
unlike "$(cat "$ERR")" "hunter2-secret" "without repeating it"

done_testing
