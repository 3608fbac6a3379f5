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
. "$XETL_ROOT/tests/lib/sink.sh"
trap 'stop_sink; fakex_stop; rm -rf "$TMP"' EXIT
SINK_LIFETIME=600 start_sink "$TMP/sink"
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_VALUE_PER_FOLLOWER_USD=0.4 XETL_REPORT_OUT="$TMP/reports"
export XETL_MAIL_FROM=xetl@example.test XETL_MAIL_TO=ops@example.test
fakex_seed_db vg_t 1000000041 2026-11-20T02:00:00Z
$XETL_VALGRIND "$XETL" --as-of 2026-11-20T02:00:00Z nightly >"$OUT" 2>"$ERR"
RC=$?
is "$RC" 0 "nightly under valgrind: exit 0 (99 = memory errors or leaks)"
[ "$RC" = 0 ] || sed 's/^/#   /' "$ERR" | head -60
is "$(wc -l < "$OUT" | tr -d ' ')" 7 "it wrote the 7 reports"
is "$(ls "$TMP/sink" | grep -c '\.eml$')" 1 "and mailed them"
done_testing
