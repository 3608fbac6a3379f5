#!/bin/sh
# t_pull_shapes.sh — `xetl pull` on an adopted bot database whose
# content_metadata has the text-id shape (tweet ids in posted_decisions).
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

fakex_start --token shape-token
trap 'fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN=shape-token XETL_PULL_REFRESH_SCHEDULE="30d:0" XETL_PULL_TIMELINE_DAYS=30
AS_OF=2026-11-06T00:00:00Z
fakex_post /_fake/clock "{\"now\": \"$AS_OF\"}" >/dev/null

newdb --empty
sql "CREATE TABLE content_metadata (
        id text PRIMARY KEY, content text,
        status text CHECK (status IN ('planned', 'queued', 'posted', 'failed', 'skipped')),
        decision_type text CHECK (decision_type IN ('content', 'reply', 'thread')),
        target_tweet_id text, target_username text, scheduled_at timestamptz, posted_at timestamptz,
        generated_at timestamptz, quality_score integer, features jsonb,
        created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
     CREATE TABLE posted_decisions (
        id bigserial PRIMARY KEY, decision_id text UNIQUE, tweet_id text NOT NULL, decision_type text,
        target_tweet_id text, target_username text, posted_at timestamptz)"
xrun migrate
is "$RC" 0 "migrate adopts the text-id shape"
"$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --content-metadata-sql textid --at "$AS_OF" >"$TMP/cm.sql"
sql "$(cat "$TMP/cm.sql")" >/dev/null
xrun account add xetl_demo --user-id 1000000001

xrun --as-of "$AS_OF" pull
is "$RC" 0 "pull on the text-id shape exits 0"
BOT=$(sql "SELECT count(*) FROM posted_decisions")
is "$(sql "SELECT count(*) FROM xetl.posts p JOIN posted_decisions pd ON pd.tweet_id = p.tweet_id
            JOIN content_metadata cm ON cm.id = pd.decision_id
           WHERE p.origin = 'bot' AND p.decision_id::text = cm.id
             AND p.viral_formula = cm.generation_metadata->>'viral_formula'")" "$BOT" \
   "bot posts keep the text id as decision id, with generation metadata"
is "$(sql "SELECT count(*) FROM xetl.posts p JOIN posted_decisions pd ON pd.tweet_id = p.tweet_id
           WHERE (pd.decision_type = 'reply') <> (p.kind = 'reply')")" 0 "decision_type reply → kind reply"
fakex_get "/_fake/truth?at=$AS_OF" | "$XETL_PYTHON" -c '
import json, sys
for a in json.load(sys.stdin)["accounts"]:
    for tw in sorted(a["tweets"], key=lambda x: int(x["id"])):
        print("%s|%d|%d" % (tw["id"], tw["public_metrics"]["like_count"], tw["public_metrics"]["impression_count"]))' >"$TMP/want"
sql "SELECT tweet_id || '|' || likes || '|' || impressions FROM performance_snapshots
      WHERE snapshot_at = '$AS_OF' ORDER BY tweet_id::numeric" >"$TMP/got"
if cmp -s "$TMP/want" "$TMP/got"; then pass "snapshots equal the fake's truth"
else fail "snapshots equal the fake's truth" "$(diff "$TMP/want" "$TMP/got" | head -5)"; fi
is "$(sql "SELECT count(*) FROM latest_post_performance WHERE likes IS NOT NULL")" "$(sql "SELECT count(*) FROM content_metadata WHERE status = 'posted'")" \
   "the dashboards' view sees the pulled counters"

fakex_stop
done_testing
