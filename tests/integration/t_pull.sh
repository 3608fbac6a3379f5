#!/bin/sh
# t_pull.sh — `xetl pull` against the fake X API: known-answer snapshots at two
# as-ofs, follower samples, timeline-only posts, replies, pagination, the
# same as-of twice, replay, and the token kept out of logs and the database.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

TOKEN="tok-SECRET-$$-4242abcd"
fakex_start --token "$TOKEN"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN"
export XETL_PULL_REFRESH_SCHEDULE="30d:0"   # every post at every as-of: known answers for all
export XETL_PULL_TIMELINE_DAYS=30
export XETL_PULL_BACKOFF_MS=10
UID1=1000000001

newdb
xrun account add xetl_demo --user-id $UID1
is "$RC" 0 "account added"
"$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --content-metadata-sql standalone --at 2026-11-07T00:00:00Z \
    >"$TMP/cm.sql"
sql "$(cat "$TMP/cm.sql")" >/dev/null
BOT=$(sql "SELECT count(*) FROM content_metadata")

# Expected rows from the simulation: tweet|likes|retweets|replies|quotes|bookmarks|impressions
truth_rows() {
    fakex_get "/_fake/truth?at=$1" | "$XETL_PYTHON" -c '
import json, sys
t = json.load(sys.stdin)
for a in t["accounts"]:
    for tw in sorted(a["tweets"], key=lambda x: int(x["id"])):
        m = tw["public_metrics"]
        print("|".join([tw["id"]] + [str(m[k]) for k in ("like_count", "retweet_count", "reply_count",
              "quote_count", "bookmark_count", "impression_count")]))'
}
truth_followers() {
    fakex_get "/_fake/truth?at=$1" | "$XETL_PYTHON" -c '
import json, sys
print(json.load(sys.stdin)["accounts"][0]["followers_count"])'
}
got_rows() {
    sql "SELECT tweet_id || '|' || likes || '|' || retweets || '|' || replies || '|' || quotes || '|' ||
                bookmarks || '|' || impressions
           FROM performance_snapshots WHERE snapshot_at = '$1' AND source = 'api'
          ORDER BY tweet_id::numeric"
}

for AS_OF in 2026-11-05T12:00:00Z 2026-11-07T00:00:00Z; do
    fakex_post /_fake/clock "{\"now\": \"$AS_OF\"}" >/dev/null
    xrun --as-of "$AS_OF" pull
    is "$RC" 0 "pull at $AS_OF exits 0"
    [ "$RC" = 0 ] || cat "$ERR"
    truth_rows "$AS_OF" >"$TMP/want"
    got_rows "$AS_OF" >"$TMP/got"
    is "$(wc -l <"$TMP/got" | tr -d ' ')" "$(wc -l <"$TMP/want" | tr -d ' ')" "one snapshot per existing post at $AS_OF"
    if cmp -s "$TMP/want" "$TMP/got"; then pass "snapshot counters equal the fake's truth at $AS_OF"
    else fail "snapshot counters equal the fake's truth at $AS_OF" "$(diff "$TMP/want" "$TMP/got" | head -5)"; fi
    is "$(sql "SELECT followers_count FROM xetl.follower_samples WHERE sampled_at = '$AS_OF' AND source = 'api'")" \
       "$(truth_followers "$AS_OF")" "follower sample equals the truth at $AS_OF"
done

# hours_since_post, rates, and the latest counters in tweet_analytics_comprehensive
FIRST=$(fakex_get "/_fake/truth?at=2026-11-07T00:00:00Z" | "$XETL_PYTHON" -c '
import json, sys; t = json.load(sys.stdin)["accounts"][0]["tweets"][0]
print(t["id"], round(t["age_hours"], 4), t["public_metrics"]["like_count"], t["public_metrics"]["impression_count"])')
set -- $FIRST
near "$(sql "SELECT hours_since_post FROM performance_snapshots WHERE tweet_id = '$1' AND snapshot_at = '2026-11-07T00:00:00Z'")" \
     "$2" 0.001 "hours_since_post = (as_of - created_at) / 3600"
is "$(sql "SELECT likes || '/' || impressions || '/' || last_scraped_at FROM tweet_analytics_comprehensive WHERE tweet_id = '$1'")" \
   "$3/$4/2026-11-07 00:00:00+00" "analytics row holds the latest counters"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE impressions > 0 AND
             abs(engagement_rate - (likes + retweets + replies)::numeric / impressions) > 1e-12")" 0 \
   "engagement_rate = (likes+retweets+replies)/impressions, unrounded"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE impressions = 0 AND engagement_rate IS NOT NULL")" 0 \
   "rates are NULL when impressions = 0"

# posts: the bot's with generation metadata, the timeline's with derived ids, replies
is "$(sql "SELECT count(*) FROM xetl.posts WHERE origin = 'bot'")" "$BOT" "every bot post tracked"
MANUAL=$(fakex_get "/_fake/truth?at=2026-11-07T00:00:00Z" | "$XETL_PYTHON" -c '
import json, sys; print(sum(1 for t in json.load(sys.stdin)["accounts"][0]["tweets"] if not t["bot"]))')
is "$(sql "SELECT count(*) FROM xetl.posts WHERE origin = 'timeline' AND decision_id = xetl.derived_decision_id(tweet_id)")" \
   "$MANUAL" "posts the bot did not record found on the timeline, with derived decision ids"
is "$(sql "SELECT count(*) FROM xetl.posts p JOIN content_metadata cm ON cm.tweet_id = p.tweet_id
            WHERE p.decision_id = cm.decision_id AND p.content_type_id = cm.generation_metadata->>'content_type_id'
              AND p.hook_used = cm.generation_metadata->>'hook_used' AND p.text = cm.content")" "$BOT" \
   "bot posts carry decision id, generation metadata and exact text"
NREPLY=$(sql "SELECT count(*) FROM xetl.posts WHERE kind = 'reply'")
ok "some replies tracked" test "$NREPLY" -gt 0
is "$(sql "SELECT count(*) FROM reply_performance r JOIN xetl.posts p ON p.tweet_id = r.reply_tweet_id
            WHERE r.parent_username LIKE 'target_%' AND r.parent_tweet_id <> '' AND r.account_id = p.account_id")" \
   "$NREPLY" "reply_performance row per reply with parent tweet and username"

# the same as-of twice changes nothing
state() {
    sql "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
           SELECT concat_ws('|', tweet_id, snapshot_at, likes, impressions, engagement_rate, raw_response_id, followers_at_snapshot) x FROM performance_snapshots
           UNION ALL SELECT concat_ws('|', tweet_id, status, last_snapshot_at, decision_id, kind, text) FROM xetl.posts
           UNION ALL SELECT concat_ws('|', tweet_id, likes, impressions, last_scraped_at, updated_at) FROM tweet_analytics_comprehensive
           UNION ALL SELECT concat_ws('|', reply_tweet_id, likes, updated_at) FROM reply_performance
           UNION ALL SELECT concat_ws('|', sampled_at, followers_count) FROM xetl.follower_samples) s"
}
BEFORE=$(state)
N_SNAP=$(sql "SELECT count(*) FROM performance_snapshots")
xrun --as-of 2026-11-07T00:00:00Z pull
is "$RC" 0 "second pull at the same as-of exits 0"
is "$(state)" "$BEFORE" "the same as-of twice changes no typed row"

# replay (rerun without --pull): typed rows re-derived from landed bodies, X not called
sql "DELETE FROM performance_snapshots WHERE snapshot_at = '2026-11-07T00:00:00Z'"
sql "DELETE FROM xetl.follower_samples WHERE sampled_at = '2026-11-07T00:00:00Z'"
fakex_post /_fake/reset '{}' >/dev/null
xrun --as-of 2026-11-08T00:00:00Z rerun --from 2026-11-07 --to 2026-11-07
got_rows 2026-11-07T00:00:00Z >"$TMP/got"
truth_rows 2026-11-07T00:00:00Z >"$TMP/want"
if cmp -s "$TMP/want" "$TMP/got"; then pass "replay re-derives the snapshots from landed responses"
else fail "replay re-derives the snapshots from landed responses" "rerun exit $RC: $(tail -2 "$ERR")" "$(diff "$TMP/want" "$TMP/got" | head -5)"; fi
is "$(sql "SELECT followers_count FROM xetl.follower_samples WHERE sampled_at = '2026-11-07T00:00:00Z'")" \
   "$(truth_followers 2026-11-07T00:00:00Z)" "replay re-derives the follower sample"
is "$(fakex_get /_fake/stats | "$XETL_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["requests"])')" 0 \
   "replay made no request to X"
is "$(state)" "$BEFORE" "replay leaves the same typed rows as the pull did"

xrun --as-of 2026-11-07T00:00:00Z pull --help
is "$RC" 0 "pull --help exits 0"
like "$(cat "$OUT")" "--since" "help mentions --since"

# pagination: five posts a timeline page
fakex_post /_fake/reset '{}' >/dev/null
fakex_post /_fake/faults '{"page_size": 5}' >/dev/null
fakex_post /_fake/clock '{"now": "2026-11-08T00:00:00Z"}' >/dev/null
XETL_PULL_TIMELINE_DAYS=2 xrun --as-of 2026-11-08T00:00:00Z pull
is "$RC" 0 "pull with 5-post timeline pages exits 0"
PAGES=$(fakex_get /_fake/stats | "$XETL_PYTHON" -c '
import json, sys; print(json.load(sys.stdin)["by_endpoint"].get("/2/users/:id/tweets", 0))')
EXPECT=$(fakex_get "/_fake/truth?at=2026-11-08T00:00:00Z" | "$XETL_PYTHON" -c '
import json, sys, datetime
t = json.load(sys.stdin)["accounts"][0]["tweets"]
n = sum(1 for x in t if x["created_at"] >= "2026-11-06T00:00:00Z")
print(max(1, -(-n // 5)))')
is "$PAGES" "$EXPECT" "timeline followed every next_token"
got_rows 2026-11-08T00:00:00Z >"$TMP/got"
truth_rows 2026-11-08T00:00:00Z >"$TMP/want"
if cmp -s "$TMP/want" "$TMP/got"; then pass "posts made since the bot's table was filled are found and snapshotted"
else fail "posts made since the bot's table was filled are found and snapshotted" "$(diff "$TMP/want" "$TMP/got" | head -5)"; fi

# the token: never in stderr (even with -v and curl's verbose output), never in the database
fakex_post /_fake/faults '{}' >/dev/null
fakex_post /_fake/clock '{"now": "2026-11-08T06:00:00Z"}' >/dev/null
xrun -v --as-of 2026-11-08T06:00:00Z pull
is "$RC" 0 "verbose pull exits 0"
like "$(cat "$ERR")" "authorization: \[redacted\]" "verbose output shows the header redacted"
is "$(grep -c "$TOKEN" "$ERR")" 0 "the token is not in stderr"
pg_dump -d "$PGDATABASE" >"$TMP/dump.sql" 2>/dev/null
is "$(grep -c "$TOKEN" "$TMP/dump.sql")" 0 "the token is not in the database"
ok "raw responses were landed" test "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE http_status = 200")" -gt 3

# the refresh schedule decides what is due; a range asked for (--since) is fetched whatever it says
count_truth() { # count_truth AT FROM TO: the account's tweets created in [FROM, TO]
    fakex_get "/_fake/truth?at=$1" | "$XETL_PYTHON" -c '
import json, sys
t = json.load(sys.stdin)["accounts"][0]["tweets"]
print(sum(1 for x in t if sys.argv[1] <= x["created_at"] <= sys.argv[2]))' "$2" "$3"
}
fakex_post /_fake/clock '{"now": "2026-11-08T07:00:00Z"}' >/dev/null
XETL_PULL_REFRESH_SCHEDULE="6h:0,48h:3h,7d:12h,30d:24h" xrun --as-of 2026-11-08T07:00:00Z pull
is "$RC" 0 "pull on the default schedule exits 0"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE snapshot_at = '2026-11-08T07:00:00Z'")" \
   "$(count_truth 2026-11-08T07:00:00Z 2026-11-08T01:00:01Z 2026-11-08T07:00:00Z)" \
   "an hour after the last pull only posts younger than 6 h are due"
fakex_post /_fake/clock '{"now": "2026-11-08T07:30:00Z"}' >/dev/null
XETL_PULL_REFRESH_SCHEDULE="6h:0,48h:3h,7d:12h,30d:24h" xrun --as-of 2026-11-08T07:30:00Z pull --since 2026-11-03
is "$RC" 0 "pull --since exits 0"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE snapshot_at = '2026-11-08T07:30:00Z'")" \
   "$(count_truth 2026-11-08T07:30:00Z 2026-11-03T00:00:00Z 2026-11-08T07:30:00Z)" \
   "--since: every post of the range is fetched, due or not"

fakex_stop
done_testing
