#!/bin/sh
# t_pull_faults.sh — `xetl pull` under the fake X API's faults: 429 with reset
# (wait; max wait 0 → 75; forever past the max wait → waits, then 75), 503 then
# success, 503 forever → 69 naming the endpoint, truncated bodies (retried;
# forever → clear failure, nothing half-written), slow responses, 401 and 403
# → 78 with hints, deleted/protected tweets recorded.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

# 150 posts so that a pull takes two /2/tweets batches.
cat >"$TMP/scenario.json" <<'EOF'
{"now": "2026-11-20T00:00:00Z",
 "accounts": [{"user_id": "1000000007", "handle": "faulty", "start": "2026-11-01T00:00:00Z",
               "posts": 140, "replies": 10, "manual_posts": 0, "interval_hours": 2.5, "seed": 7}]}
EOF
TOKEN="fault-token-$$"
fakex_start --token "$TOKEN" --scenario "$TMP/scenario.json"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_REFRESH_SCHEDULE="30d:0" XETL_PULL_TIMELINE_DAYS=1
export XETL_PULL_BACKOFF_MS=5 XETL_PULL_RETRIES=3

newdb
xrun account add faulty --user-id 1000000007
SCEN="$TMP/scenario.json"
"$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --scenario "$SCEN" --content-metadata-sql standalone \
    --at 2026-11-20T00:00:00Z >"$TMP/cm.sql"
sql "$(cat "$TMP/cm.sql")" >/dev/null
NPOSTS=$(sql "SELECT count(*) FROM content_metadata")

faults() { fakex_post /_fake/faults "$1" >/dev/null; }
snaps() { sql "SELECT count(*) FROM performance_snapshots WHERE snapshot_at = '$1'"; }
H=0
next_asof() { H=$((H + 1)); AS_OF=$(printf '2026-11-20T%02d:00:00Z' "$H"); }

# 503 twice, then success
faults '{"rules": [{"endpoint": "tweets", "status": 503, "times": 2}]}'
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 0 "503 twice then success: exit 0"
is "$(snaps "$AS_OF")" "$NPOSTS" "503 twice then success: every post snapshotted"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS_OF' AND http_status = 503")" 2 \
   "the failed attempts are in the request log"

# 503 forever on the second batch: 69 naming the endpoint, nothing half-written
faults '{"rules": [{"endpoint": "tweets", "status": 503, "times": -1, "after": 1}]}'
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 69 "503 forever: exit 69"
like "$(cat "$ERR")" "GET /2/tweets failed after 4 attempts" "503 forever: message names the endpoint"
is "$(snaps "$AS_OF")" 0 "503 forever: no snapshot of the first batch either"
is "$(sql "SELECT count(*) FROM xetl.follower_samples WHERE sampled_at = '$AS_OF'")" 0 \
   "503 forever: no follower sample"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS_OF' AND endpoint = '/2/tweets' AND http_status = 200")" 1 \
   "503 forever: the first batch is landed for a later replay"

# 429 with a reset two seconds ahead: wait, then succeed
faults '{"rules": [{"endpoint": "tweets", "status": 429, "reset_in": 2}]}'
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 0 "429 with reset: exit 0 after waiting"
like "$(cat "$ERR")" "rate limited on /2/tweets, waiting until 20[0-9-]+T" "429: says it waits and until when"
is "$(snaps "$AS_OF")" "$NPOSTS" "429 with reset: every post snapshotted"

# 429 with max wait 0: 75 at once, nothing written
faults '{"rules": [{"endpoint": "tweets", "status": 429, "reset_in": 600}]}'
next_asof; XETL_PULL_MAX_RATE_LIMIT_WAIT=0 xrun --as-of "$AS_OF" pull
is "$RC" 75 "429 with pull.max_rate_limit_wait 0: exit 75"
like "$(cat "$ERR")" "rate limited on /2/tweets until .*retry later" "429: message says until when"
is "$(snaps "$AS_OF")" 0 "429 fail-fast: nothing written"

# 429 forever, resets two seconds ahead, max wait 5: waits while the waits fit, then 75
faults '{"rules": [{"endpoint": "tweets", "status": 429, "reset_in": 2, "times": -1}]}'
next_asof; T0=$(date -u +%s); XETL_PULL_MAX_RATE_LIMIT_WAIT=5 xrun --as-of "$AS_OF" pull
is "$RC" 75 "429 forever past pull.max_rate_limit_wait: exit 75"
UNTIL=$(sed -n 's/.*rate limited on \/2\/tweets, waiting until \([0-9TZ:-]*\).*/\1/p' "$ERR" | head -1)
# (the reset is 2 s after the first /2/tweets request, which comes after start-up and the
# account's other requests: a wide window, not a timing claim)
near "$(( $(date -u -d "$UNTIL" +%s 2>/dev/null || echo 0) - T0 ))" 6 4 "429 forever: logs that it waits, until the reset"
WAITS=$(grep -c "rate limited on /2/tweets, waiting until" "$ERR")
# A wait is 1 or 2 s (the reset is in whole seconds and the request may cross one), so the
# 5 s budget allows one to five of them: a count, not a timing claim.
ok "429 forever: waited at least once and within the 5 s budget" test "$WAITS" -ge 1 -a "$WAITS" -le 5
like "$(cat "$ERR")" "rate limited on /2/tweets until 20[0-9-]+T[0-9:]+Z \(pull.max_rate_limit_wait is 5 s\); retry later" \
     "429 forever: the error says until when and the limit"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS_OF' AND http_status = 429")" "$((WAITS + 1))" \
   "429 forever: each 429 is in the request log, one more than the waits"
is "$(snaps "$AS_OF"):$(sql "SELECT count(*) FROM xetl.follower_samples WHERE sampled_at = '$AS_OF'")" "0:0" \
   "429 forever: no snapshot, no follower sample"
faults '{}'

# Retry-After instead of a reset header
faults '{"rules": [{"endpoint": "users", "status": 429, "retry_after": 1, "reset_in": 0}]}'
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 0 "429 on /2/users/:id: exit 0 after waiting"
like "$(cat "$ERR")" "rate limited on /2/users/:id, waiting" "429 on users endpoint is named"

# a truncated body (cut JSON, and a connection closed mid-body), once each
faults '{"rules": [{"endpoint": "tweets", "truncate": "body"}, {"endpoint": "timeline", "truncate": "conn"}]}'
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 0 "truncated bodies retried: exit 0"
is "$(snaps "$AS_OF")" "$NPOSTS" "truncated bodies retried: every post snapshotted"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS_OF' AND error LIKE '%truncated%'")" 2 \
   "truncated bodies are landed with the reason"

# a truncated body forever: clear failure, nothing half-written
faults '{"rules": [{"endpoint": "tweets", "truncate": "body", "times": -1, "after": 1}]}'
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 69 "truncated forever: exit 69"
like "$(cat "$ERR")" "/2/tweets .*invalid or truncated json body" "truncated forever: message says so"
is "$(snaps "$AS_OF")" 0 "truncated forever: nothing half-written"

# a slow response past pull.timeout: retried
faults '{"rules": [{"endpoint": "users", "delay": 3}]}'
next_asof; XETL_PULL_TIMEOUT=1 xrun --as-of "$AS_OF" pull
is "$RC" 0 "slow response: timed out, retried, exit 0"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS_OF' AND http_status = 0 AND error LIKE 'timed out%'")" 1 \
   "slow response: the timeout is in the request log"

# 401: a wrong token → 78 with a hint
faults '{}'
next_asof; XETL_X_BEARER_TOKEN=wrong-token xrun --as-of "$AS_OF" pull
is "$RC" 78 "401: exit 78"
like "$(cat "$ERR")" "refused the bearer token .*hint: check XETL_X_BEARER_TOKEN" "401: message with a hint"
faults '{"rules": [{"endpoint": "tweets", "status": 403}]}'
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 78 "403: exit 78"
like "$(cat "$ERR")" "x api forbids /2/tweets with this token \(http 403 .*\); hint: the token's app or plan lacks access" \
     "403: message names the endpoint, with a hint"
unset XETL_X_BEARER_TOKEN
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 78 "no token: exit 78"
like "$(cat "$ERR")" "XETL_X_BEARER_TOKEN" "no token: says how to set it"
printf '%s\n' "$TOKEN" >"$TMP/token"
export XETL_X_BEARER_TOKEN_FILE="$TMP/token"

# plain http to a non-loopback host is refused
XETL_X_API_BASE=http://example.com xrun --as-of "$AS_OF" pull
is "$RC" 78 "http:// to a non-loopback host: exit 78"

# deleted and protected tweets: recorded on the post, the batch goes on
DEL=$(sql "SELECT tweet_id FROM content_metadata ORDER BY posted_at LIMIT 1")
PROT=$(sql "SELECT tweet_id FROM content_metadata ORDER BY posted_at LIMIT 1 OFFSET 1")
faults "{\"deleted\": [\"$DEL\"], \"protected\": [\"$PROT\"]}"
next_asof; xrun --as-of "$AS_OF" pull
is "$RC" 0 "deleted and protected tweets: exit 0 (token from file)"
is "$(sql "SELECT status FROM xetl.posts WHERE tweet_id = '$DEL'")" deleted "deleted tweet recorded"
like "$(sql "SELECT last_error FROM xetl.posts WHERE tweet_id = '$DEL'")" "^Not Found Error: Could not find tweet" \
     "deleted tweet: X's detail kept"
is "$(sql "SELECT status FROM xetl.posts WHERE tweet_id = '$PROT'")" protected "protected tweet recorded"
is "$(snaps "$AS_OF")" "$((NPOSTS - 2))" "the rest of the batch is snapshotted"
next_asof; xrun --as-of "$AS_OF" pull
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS_OF' AND request_path LIKE '%$DEL%'")" 0 \
   "a deleted tweet is no longer requested"

fakex_stop
done_testing
