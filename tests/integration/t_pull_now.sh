#!/bin/sh
# t_pull_now.sh — `xetl pull` at an as-of that is the real "now": the timeline
# request cannot carry end_time (X refuses one within 10 s of its clock), so X
# also lists posts made after the as-of; they must not reach any table.  A past
# as-of sends end_time.  The scenario is laid out around the real clock so that
# the fake holds posts on both sides of it.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

NOW_S=$(date -u +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
NOW=$(iso "$NOW_S")
PAST=$(iso $((NOW_S - 86400)))
# 48 items two hours apart from two days ago: about a day of them after $NOW.
cat >"$TMP/scenario.json" <<EOF
{"now": "$(iso $((NOW_S + 5 * 86400)))",
 "accounts": [{"user_id": "1000000031", "handle": "now_acct", "start": "$(iso $((NOW_S - 2 * 86400)))",
               "posts": 40, "replies": 8, "manual_posts": 40, "interval_hours": 2, "seed": 31}]}
EOF
TOKEN="now-token-$$"
fakex_start --token "$TOKEN" --scenario "$TMP/scenario.json"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_REFRESH_SCHEDULE="30d:0" XETL_PULL_TIMELINE_DAYS=3
export XETL_PULL_BACKOFF_MS=5

newdb
xrun account add now_acct --user-id 1000000031
# ids of the posts that exist at $1, in id order
truth_ids() {
    fakex_get "/_fake/truth?at=$1" | "$XETL_PYTHON" -c '
import json, sys
for tw in sorted(json.load(sys.stdin)["accounts"][0]["tweets"], key=lambda x: int(x["id"])):
    print(tw["id"])'
}
timeline_paths() {
    sql "SELECT string_agg(request_path, ' ') FROM xetl.raw_responses
          WHERE as_of = '$1' AND endpoint = '/2/users/:id/tweets'"
}

# a past as-of first (a later one would make its snapshots moot)
xrun --as-of "$PAST" pull
is "$RC" 0 "pull at a past as-of: exit 0"
like "$(timeline_paths "$PAST")" "&end_time=$PAST&" "past as-of: end_time is the as-of"
is "$(sql "SELECT count(*) FROM xetl.raw_responses r,
                  jsonb_array_elements(convert_from(r.body, 'UTF8')::jsonb -> 'data') e
            WHERE r.as_of = '$PAST' AND r.endpoint = '/2/users/:id/tweets'
              AND (e ->> 'created_at')::timestamptz > '$PAST'")" 0 "past as-of: X listed nothing after it"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE snapshot_at = '$PAST'")" "$(truth_ids "$PAST" | wc -l | tr -d ' ')" \
   "past as-of: one snapshot per post made by then"

# the real now (no --as-of: the clock at start-up, however long the steps above took): X
# refuses end_time, and lists the posts made since as well
xrun pull
NOW=$(sql "SELECT to_char(max(as_of) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM xetl.runs
            WHERE command = 'pull'")
is "$RC" 0 "pull at the real now: exit 0"
unlike "$(timeline_paths "$NOW")" "end_time=" "as-of now: the timeline is asked without end_time"
is "$(sql "SELECT count(*) FROM xetl.raw_responses r,
                  jsonb_array_elements(convert_from(r.body, 'UTF8')::jsonb -> 'data') e
            WHERE r.as_of = '$NOW' AND r.endpoint = '/2/users/:id/tweets'
              AND (e ->> 'created_at')::timestamptz > '$NOW'")" \
   "$(($(truth_ids "$(iso $((NOW_S + 5 * 86400)))" | wc -l) - $(truth_ids "$NOW" | wc -l)))" \
   "X listed every post made after the as-of"
truth_ids "$NOW" >"$TMP/want"
sql "SELECT tweet_id FROM xetl.posts ORDER BY tweet_id::numeric" >"$TMP/got"
if [ -s "$TMP/want" ] && cmp -s "$TMP/want" "$TMP/got"; then pass "posts are exactly those made by the as-of"
else fail "posts are exactly those made by the as-of" "$(diff "$TMP/want" "$TMP/got" | head -5)"; fi
sql "SELECT tweet_id FROM performance_snapshots WHERE snapshot_at = '$NOW' ORDER BY tweet_id::numeric" >"$TMP/got"
if [ -s "$TMP/want" ] && cmp -s "$TMP/want" "$TMP/got"; then pass "one snapshot at the as-of per post made by then"
else fail "one snapshot at the as-of per post made by then" "$(diff "$TMP/want" "$TMP/got" | head -5)"; fi

fakex_stop
done_testing
