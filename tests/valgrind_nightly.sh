#!/bin/sh
# tests/valgrind_nightly.sh — one nightly (pull, fit, attribute, learn,
# health, report, mail) under $XETL_VALGRIND, run by tests/valgrind.sh.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"
cat > "$TMP/scenario.json" <<'JSON'
{"now": "2026-11-20T02:00:00Z",
 "accounts": [{"user_id": "1000000041", "handle": "vg_t", "start": "2026-11-01T00:00:00Z",
               "posts": 40, "replies": 8, "manual_posts": 2, "interval_hours": 6, "seed": 41}]}
JSON
TOKEN="valgrind-token-$$"
fakex_start --scenario "$TMP/scenario.json" --token "$TOKEN"
SINK_PID=""
trap '[ -n "$SINK_PID" ] && kill "$SINK_PID"; fakex_stop; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/sink"
"$XETL_PYTHON" "$XETL_ROOT/tests/lib/smtp_sink.py" "$TMP/sink" --lifetime 600 &
SINK_PID=$!
while [ ! -s "$TMP/sink/port" ]; do sleep 0.1; done
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_VALUE_PER_FOLLOWER_USD=0.4 XETL_REPORT_OUT="$TMP/reports"
export XETL_SMTP_URL="smtp://127.0.0.1:$(cat "$TMP/sink/port")" XETL_MAIL_FROM=xetl@example.test XETL_MAIL_TO=ops@example.test
newdb
"$XETL" -q account add vg_t --user-id 1000000041
"$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --scenario "$TMP/scenario.json" --content-metadata-sql standalone \
    --at 2026-11-20T02:00:00Z > "$TMP/cm.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$TMP/cm.sql" >/dev/null
$XETL_VALGRIND "$XETL" --as-of 2026-11-20T02:00:00Z nightly >"$OUT" 2>"$ERR"
RC=$?
is "$RC" 0 "nightly under valgrind: exit 0 (99 = memory errors or leaks)"
[ "$RC" = 0 ] || sed 's/^/#   /' "$ERR" | head -60
is "$(wc -l < "$OUT" | tr -d ' ')" 7 "it wrote the 7 reports"
is "$(ls "$TMP/sink" | grep -c '\.eml$')" 1 "and mailed them"
done_testing
