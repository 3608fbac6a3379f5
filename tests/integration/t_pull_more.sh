#!/bin/sh
# t_pull_more.sh — `xetl pull` paths t_pull*.sh do not reach:
#  1. the bot's uuid shape (fixtures/legacy/content_metadata_uuid.sql: decision_id uuid,
#     no tweet_id, no target_username) with a bare posted_decisions (decision_id text,
#     tweet_id text): the posts are found, with the bot's decision ids and metadata;
#  2. the author check: a tweet of another account in the bot's table is never ours
#     (app-only: X answers with its author_id; user context: X answers a Field
#     Authorization Error instead of it), and is left to that account once it is tracked;
#  3. X refusing private metrics with 400 for a batch: asked again without them.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

OURS=1000000021
OTHER=1000000022
cat >"$TMP/scenario.json" <<EOF
{"now": "2026-11-06T00:00:00Z",
 "accounts": [{"user_id": "$OURS", "handle": "uuid_bot", "start": "2026-11-01T00:00:00Z",
               "posts": 24, "replies": 6, "manual_posts": 2, "interval_hours": 3.5, "seed": 21},
              {"user_id": "$OTHER", "handle": "someone_else", "start": "2026-11-01T00:00:00Z",
               "posts": 4, "replies": 0, "manual_posts": 4, "interval_hours": 12, "seed": 22}]}
EOF
TOKEN="more-token-$$"
fakex_start --token "$TOKEN" --scenario "$TMP/scenario.json"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_REFRESH_SCHEDULE="30d:0" XETL_PULL_TIMELINE_DAYS=30
export XETL_PULL_BACKOFF_MS=5 XETL_PULL_RETRIES=1

faults() { fakex_post /_fake/faults "$1" >/dev/null; }
clock() { fakex_post /_fake/clock "{\"now\": \"$1\"}" >/dev/null; }
# truth AT USER FIELDS: one line per tweet of USER at AT, "id|field|field…" in id order;
# a field is a key of the tweet or metrics.key (public_metrics.like_count …).
truth() {
    fakex_get "/_fake/truth?at=$1&user_id=$2" | "$XETL_PYTHON" -c '
import json, sys
def get(tw, f):
    v = tw
    for k in f.split("."):
        v = v[k]
    return "" if v is None else str(v)
for a in json.load(sys.stdin)["accounts"]:
    for tw in sorted(a["tweets"], key=lambda x: int(x["id"])):
        print("|".join([tw["id"]] + [get(tw, f) for f in sys.argv[1].split(",")]))' "$3"
}
# same_lines WANT-FILE QUERY DESC: the query's rows equal the file's lines.
same_lines() {
    sql "$2" >"$TMP/got"
    if [ -s "$1" ] && cmp -s "$1" "$TMP/got"; then pass "$3"
    else fail "$3" "$(diff "$1" "$TMP/got" | head -6)"; fi
}
snaps_of() { # AS_OF: our snapshots as id|likes|impressions
    echo "SELECT tweet_id || '|' || likes || '|' || impressions FROM performance_snapshots
           WHERE snapshot_at = '$1' AND account_id = $AID ORDER BY tweet_id::numeric"
}

# --- 1. the uuid shape with posted_decisions ------------------------------------------------
newdb --empty
psql -X -q -v ON_ERROR_STOP=1 -f "$XETL_ROOT/fixtures/legacy/content_metadata_uuid.sql" >/dev/null
sql "CREATE TABLE posted_decisions (decision_id text PRIMARY KEY, tweet_id text NOT NULL)"
xrun migrate
is "$RC" 0 "migrate adopts the uuid shape with posted_decisions"
AS1=2026-11-06T00:00:00Z
clock "$AS1"
"$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --scenario "$TMP/scenario.json" --content-metadata-sql uuid \
    --at "$AS1" >"$TMP/cm.sql"
sql "$(cat "$TMP/cm.sql")" >/dev/null
xrun account add uuid_bot --user-id "$OURS"
AID=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'uuid_bot'")
BOT=$(sql "SELECT count(*) FROM posted_decisions")
is "$BOT" "$(truth "$AS1" "$OURS" bot | grep -c '|True$')" "the sim filled posted_decisions with every recorded post"

xrun --as-of "$AS1" pull
is "$RC" 0 "pull on the uuid shape exits 0"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE origin = 'bot'")" "$BOT" "every post of posted_decisions is tracked as the bot's"
is "$(sql "SELECT count(*) FROM xetl.posts p JOIN posted_decisions pd ON pd.tweet_id = p.tweet_id
            JOIN content_metadata cm ON cm.decision_id::text = pd.decision_id
           WHERE p.origin = 'bot' AND p.account_id = $AID AND p.decision_id = cm.decision_id
             AND p.generation_metadata = cm.generation_metadata
             AND p.content_type_id = cm.generation_metadata->>'content_type_id'
             AND p.content_type_name = cm.generation_metadata->>'content_type_name'
             AND p.viral_formula = cm.generation_metadata->>'viral_formula'
             AND p.hook_used = cm.generation_metadata->>'hook_used'")" "$BOT" \
   "bot posts keep the bot's decision uuid and generation_metadata"
is "$(sql "SELECT count(*) FROM xetl.posts p JOIN posted_decisions pd ON pd.tweet_id = p.tweet_id
            JOIN content_metadata cm ON cm.decision_id::text = pd.decision_id
           WHERE (cm.decision_type = 'reply') <> (p.kind = 'reply')")" 0 "decision_type reply → kind reply, single → post"
truth "$AS1" "$OURS" kind,parent_tweet_id,parent_username | grep '|reply|' >"$TMP/want"
same_lines "$TMP/want" "SELECT tweet_id || '|' || kind || '|' || parent_tweet_id || '|' || parent_username
                          FROM xetl.posts WHERE kind = 'reply' ORDER BY tweet_id::numeric" \
   "replies: parent tweet from the bot's table, parent username from X's expansion (the shape has none)"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE origin = 'timeline' AND decision_id = xetl.derived_decision_id(tweet_id)")" \
   "$(truth "$AS1" "$OURS" bot | grep -c '|False$')" "posts the bot did not record come from the timeline with derived ids"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE decision_id = '0b6d3c1e-1111-4a2b-8c3d-000000000001'")" 0 \
   "the fixture's posted row without a posted_decisions entry is not invented"
truth "$AS1" "$OURS" public_metrics.like_count,public_metrics.impression_count >"$TMP/want1"
same_lines "$TMP/want1" "$(snaps_of "$AS1")" "snapshots equal the fake's truth, every post of the account"
is "$(sql "SELECT count(*) FROM performance_snapshots ps JOIN posted_decisions pd ON pd.tweet_id = ps.tweet_id
           WHERE ps.snapshot_at = '$AS1' AND ps.decision_id::text = pd.decision_id")" "$BOT" \
   "the bot's snapshots carry its decision ids"
is "$(sql "SELECT count(*) FROM latest_post_performance WHERE likes IS NOT NULL")" "$BOT" \
   "the dashboards' view sees the counters of every posted decision"
before=$(results_digest)
xrun --as-of "$AS1" pull
is "$RC:$(results_digest)" "0:$before" "the same as-of pulled again changes nothing"

# --- 2. the author check ----------------------------------------------------------------------
truth "$AS1" "$OTHER" created_at >"$TMP/other"
FOREIGN=$(head -1 "$TMP/other" | cut -d'|' -f1)
FOREIGN_AT=$(head -1 "$TMP/other" | cut -d'|' -f2)
FDEC=0f0f0f0f-2222-4333-8444-000000000099
sql "INSERT INTO content_metadata (decision_id, decision_type, content, status, posted_at, generation_metadata)
     VALUES ('$FDEC', 'single', 'posted by the other account', 'posted', '$FOREIGN_AT',
             '{\"content_type_id\": \"ct_tips\", \"viral_formula\": \"listicle\"}');
     INSERT INTO posted_decisions VALUES ('$FDEC', '$FOREIGN')"
foreign_rows() {
    echo "$(sql "SELECT count(*) FROM xetl.posts WHERE tweet_id = '$FOREIGN'"):$(sql "SELECT count(*) FROM performance_snapshots WHERE tweet_id = '$FOREIGN'"):$(sql "SELECT count(*) FROM tweet_analytics_comprehensive WHERE tweet_id = '$FOREIGN'")"
}

# app-only: X returns the tweet with its author
AS2=2026-11-06T06:00:00Z
clock "$AS2"
xrun --as-of "$AS2" pull
is "$RC" 0 "a tweet of another account in the bot's table: exit 0"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS2' AND http_status = 200
           AND endpoint = '/2/tweets' AND request_path LIKE '%$FOREIGN%' AND convert_from(body, 'UTF8') LIKE '%\"author_id\":\"$OTHER\"%'")" 1 \
   "it was asked for, and X named its author"
like "$(cat "$ERR")" "warning: pull: 1 posts of other accounts skipped for 'uuid_bot'" "the skip is logged"
is "$(foreign_rows)" "0:0:0" "app-only: no post, snapshot or analytics row for another account's tweet"
truth "$AS2" "$OURS" public_metrics.like_count,public_metrics.impression_count >"$TMP/want2"
same_lines "$TMP/want2" "$(snaps_of "$AS2")" "app-only: our own posts are snapshotted as before"

is "$(sql "SELECT author_id FROM xetl.bot_post_authors WHERE tweet_id = '$FOREIGN'")" "$OTHER" \
   "its author is recorded, so no other account's pull asks for it again"
AS2B=2026-11-06T07:00:00Z
clock "$AS2B"
xrun --as-of "$AS2B" pull
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS2B' AND request_path LIKE '%$FOREIGN%'")" 0 \
   "the next pull leaves the other user's tweet out"

# user context: X refuses the private fields of a post the token's user did not write
# (a tweet whose author no pull has seen yet: the record of it is cleared)
sql "DELETE FROM xetl.bot_post_authors" >/dev/null
AS3=2026-11-06T12:00:00Z
clock "$AS3"
faults "{\"token_user\": \"$OURS\"}"
XETL_X_USER_CONTEXT=true xrun --as-of "$AS3" pull
is "$RC" 0 "user context, another account's tweet: exit 0"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS3' AND http_status = 200
           AND request_path LIKE '%$FOREIGN%non_public_metrics%' AND convert_from(body, 'UTF8') LIKE '%not-authorized-for-field%'")" 1 \
   "X answered a Field Authorization Error for it"
like "$(cat "$ERR")" "warning: pull: 1 posts skipped for 'uuid_bot': x refused their private metrics" \
     "user context: the skip is logged"
is "$(foreign_rows)" "0:0:0" "user context: another account's tweet is not recorded as ours (not even as protected)"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE account_id = $AID AND status <> 'active'")" 0 "none of our posts has an error"
truth "$AS3" "$OURS" public_metrics.like_count,public_metrics.impression_count >"$TMP/want3"
same_lines "$TMP/want3" "$(snaps_of "$AS3")" "user context: our posts are snapshotted"
truth "$AS3" "$OURS" non_public_metrics.user_profile_clicks,non_public_metrics.url_link_clicks >"$TMP/want3p"
same_lines "$TMP/want3p" "SELECT tweet_id || '|' || profile_clicks || '|' || url_clicks FROM performance_snapshots
                           WHERE snapshot_at = '$AS3' AND account_id = $AID ORDER BY tweet_id::numeric" \
   "user context: young posts carry X's non-public profile and url clicks"

# --- 3. X refuses private metrics with 400 for a batch ---------------------------------------
AS4=2026-11-06T18:00:00Z
clock "$AS4"
faults "{\"token_user\": \"$OURS\", \"rules\": [{\"endpoint\": \"tweets\", \"private\": true, \"status\": 400, \"times\": -1,
         \"detail\": \"non_public_metrics and organic_metrics are only available for posts created in the last 30 days\"}]}"
XETL_X_USER_CONTEXT=true xrun --as-of "$AS4" pull
is "$RC" 0 "400 for the private metrics of a batch: exit 0"
like "$(cat "$ERR")" "warning: pull: private metrics refused for a batch \(.*http 400 Invalid Request: non_public_metrics and organic_metrics are only available.*\); asking without them" \
     "the refusal is logged as a warning with X's detail"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS4' AND endpoint = '/2/tweets' AND http_status = 400
           AND request_path LIKE '%non_public_metrics,organic_metrics%' AND error LIKE 'http 400 %'")" 1 \
   "the refused request is in the request log"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS4' AND endpoint = '/2/tweets' AND http_status = 200
           AND request_path NOT LIKE '%non_public%' AND request_path NOT LIKE '%organic%'")" 1 \
   "the batch is asked once more, without private metrics"
is "$(sql "SELECT (SELECT request_path FROM xetl.raw_responses WHERE as_of = '$AS4' AND http_status = 400)
                = replace((SELECT request_path FROM xetl.raw_responses WHERE as_of = '$AS4' AND endpoint = '/2/tweets'
                            AND http_status = 200), 'referenced_tweets&', 'referenced_tweets,non_public_metrics,organic_metrics&')")" t \
   "the second request asks for the same ids"
truth "$AS4" "$OURS" public_metrics.like_count,public_metrics.impression_count >"$TMP/want4"
same_lines "$TMP/want4" "$(snaps_of "$AS4")" "after the refusal: every post snapshotted with X's public counters"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE snapshot_at = '$AS4'
           AND (profile_clicks IS NOT NULL OR url_clicks IS NOT NULL OR snapshot_metadata IS NOT NULL)")" 0 \
   "after the refusal: no private metrics are invented"
is "$(foreign_rows)" "0:0:0" "after the refusal: another account's tweet is still not ours"
is "$(sql "SELECT count(*) FROM tweet_analytics_comprehensive WHERE account_id = $AID AND last_scraped_at = '$AS4'
           AND profile_clicks IS NOT NULL")" "$(wc -l <"$TMP/want3p")" \
   "the latest analytics keep the private counters of the earlier as-of"

# 400 whatever is asked: a clear failure after exactly one fallback, nothing written
AS5=2026-11-07T00:00:00Z
clock "$AS5"
faults '{"rules": [{"endpoint": "tweets", "status": 400, "times": -1}]}'
XETL_X_USER_CONTEXT=true xrun --as-of "$AS5" pull
is "$RC" 70 "400 also without private metrics: exit 70"
like "$(cat "$ERR")" "x api rejected GET /2/tweets: http 400" "400 without private metrics: message names the endpoint"
is "$(sql "SELECT string_agg((request_path LIKE '%non_public%')::text, ',' ORDER BY response_id) FROM xetl.raw_responses
           WHERE as_of = '$AS5' AND endpoint = '/2/tweets'")" "true,false" "one request with private metrics, one without, no loop"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE snapshot_at = '$AS5'")" 0 "400 without private metrics: nothing written"

# --- 2b. the other account, once tracked, owns its tweet --------------------------------------
faults '{}'
xrun account add someone_else --user-id "$OTHER"
OID=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'someone_else'")
AS6=2026-11-07T06:00:00Z
clock "$AS6"
xrun --as-of "$AS6" pull
is "$RC" 0 "both accounts pulled: exit 0"
is "$(sql "SELECT account_id || ' ' || origin || ' ' || decision_id FROM xetl.posts WHERE tweet_id = '$FOREIGN'")" "$OID bot $FDEC" \
   "the tweet is the other account's, with the bot's decision id"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE tweet_id = '$FOREIGN' AND account_id = $AID")" 0 \
   "it was never snapshotted as ours"
AS7=2026-11-07T12:00:00Z
clock "$AS7"
xrun --as-of "$AS7" pull
is "$RC" 0 "the next pull: exit 0"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of = '$AS7' AND account_id = $AID AND request_path LIKE '%$FOREIGN%'")" 0 \
   "a tweet another account owns is no longer asked for ours"
unlike "$(cat "$ERR")" "other accounts skipped" "nothing is skipped any more"
truth "$AS7" "$OTHER" public_metrics.like_count,public_metrics.impression_count >"$TMP/want7"
same_lines "$TMP/want7" "SELECT tweet_id || '|' || likes || '|' || impressions FROM performance_snapshots
                          WHERE snapshot_at = '$AS7' AND account_id = $OID ORDER BY tweet_id::numeric" \
   "the other account's snapshots equal its truth"

# --- 4. a tweet the bot recorded under two decisions takes the smallest, as import does ------
T=$(sql "SELECT pd.tweet_id FROM posted_decisions pd JOIN xetl.posts p ON p.tweet_id = pd.tweet_id
          WHERE p.account_id = $AID ORDER BY pd.tweet_id::numeric DESC LIMIT 1")
SMALL=00000000-0000-4000-8000-000000000001
sql "INSERT INTO content_metadata (decision_id, decision_type, content, status, posted_at)
       VALUES ('$SMALL', 'single', 'the same tweet again', 'posted', '2026-11-07T00:00:00Z');
     INSERT INTO posted_decisions VALUES ('$SMALL', '$T')" >/dev/null
AS8=2026-11-07T18:00:00Z
clock "$AS8"
xrun --as-of "$AS8" pull
is "$RC" 0 "pull with a tweet under two decisions: exit 0"
is "$(sql "SELECT decision_id FROM xetl.posts WHERE tweet_id = '$T'")" "$SMALL" \
   "the tweet takes the smallest decision id, whatever order the bot's rows are in"

fakex_stop
done_testing
