#!/bin/sh
# t_pull_concurrent.sh — the due batches of one pull fetched at once (pull.concurrency):
# the same tables and the same number of requests as one at a time, with a 5xx retried
# and a private-metrics refusal asked again inside the concurrent batches.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

USER_ID=1000000031
cat >"$TMP/scenario.json" <<EOF
{"now": "2026-11-06T00:00:00Z",
 "accounts": [{"user_id": "$USER_ID", "handle": "conc_bot", "start": "2026-10-20T00:00:00Z",
               "posts": 420, "replies": 40, "manual_posts": 0, "interval_hours": 0.8, "seed": 31}]}
EOF
TOKEN="conc-token-$$"
fakex_start --token "$TOKEN" --scenario "$TMP/scenario.json"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_REFRESH_SCHEDULE="30d:0" XETL_PULL_TIMELINE_DAYS=0
export XETL_PULL_BACKOFF_MS=5 XETL_PULL_RETRIES=2
AS_OF=2026-11-06T00:00:00Z
fakex_post /_fake/clock "{\"now\": \"$AS_OF\"}" >/dev/null

rows() {
    sql "SELECT tweet_id || '|' || likes || '|' || impressions || '|' || coalesce(url_clicks::text, '-')
           FROM performance_snapshots WHERE snapshot_at = '$AS_OF' ORDER BY tweet_id::numeric"
}

fakex_seed_db conc_bot "$USER_ID" "$AS_OF"
XETL_PULL_CONCURRENCY=1 xrun --as-of "$AS_OF" pull
is "$RC" 0 "one request at a time: exit 0"
rows >"$TMP/serial"
N=$(wc -l <"$TMP/serial")
ok "serial pull snapshotted several batches' posts ($N)" test "$N" -gt 300
REQ1=$(sql "SELECT count(*) FROM xetl.raw_responses WHERE endpoint = '/2/tweets'")

fakex_seed_db conc_bot "$USER_ID" "$AS_OF"
XETL_PULL_CONCURRENCY=8 xrun --as-of "$AS_OF" pull
is "$RC" 0 "eight in flight: exit 0"
rows >"$TMP/conc"
if cmp -s "$TMP/serial" "$TMP/conc"; then pass "eight in flight: the same snapshots as one at a time"
else fail "eight in flight: the same snapshots as one at a time" "$(diff "$TMP/serial" "$TMP/conc" | head -5)"; fi
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE endpoint = '/2/tweets'")" "$REQ1" \
   "eight in flight: the same number of requests"

# A 503 on two batches and a private-metrics refusal on one, inside the concurrent ones.
fakex_seed_db conc_bot "$USER_ID" "$AS_OF"
fakex_post /_fake/faults '{"rules": [{"endpoint": "tweets", "status": 503, "after": 1, "times": 2},
                                      {"endpoint": "tweets", "status": 400, "private": true, "times": 1}]}' >/dev/null
XETL_X_USER_CONTEXT=true XETL_PULL_CONCURRENCY=8 xrun --as-of "$AS_OF" pull
is "$RC" 0 "faults inside concurrent batches: exit 0"
like "$(cat "$ERR")" "private metrics refused for a batch" "the refused batch is asked again without private metrics"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE endpoint = '/2/tweets' AND http_status = 503")" 2 \
   "both 503s landed"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE snapshot_at = '$AS_OF'")" "$N" \
   "faults inside concurrent batches: every post snapshotted"

# A refused token stops the batches not yet started: exit 78, nothing derived.
fakex_seed_db conc_bot "$USER_ID" "$AS_OF"
fakex_post /_fake/faults '{"rules": [{"endpoint": "tweets", "status": 401, "times": -1}]}' >/dev/null
XETL_PULL_CONCURRENCY=2 xrun --as-of "$AS_OF" pull
is "$RC" 78 "401 on the batches: exit 78"
ok "401: the other batches were not all sent" \
   test "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE http_status = 401")" -le 2
is "$(sql "SELECT count(*) FROM performance_snapshots")" 0 "401: nothing derived"

fakex_stop
done_testing
