#!/bin/sh
# t_import_shapes.sh — xetl import into the bot's uuid shape of content_metadata
# (fixtures/legacy/content_metadata_uuid.sql: decision_id uuid, no tweet_id) with a
# bare posted_decisions (decision_id text, tweet_id text), as t_pull_more.sh sets it
# up: the bot's posts get their decision ids from posted_decisions, the others the
# derived ones, in every table import writes.
. "$XETL_ROOT/tests/lib/testlib.sh"
CONTENT="$XETL_ROOT/fixtures/exports/account_analytics_content_2024-11-01_2024-11-30.csv"
T1=1859000000000000001
T2=1859000000000000002
T3=1859000000000000003
FIXTURE_DEC=0b6d3c1e-1111-4a2b-8c3d-000000000001   # the fixture's posted row
THREAD_DEC=0b6d3c1e-1111-4a2b-8c3d-0000000000a3
DERIVED_T2=ac29bfea-c14f-5c2d-e8e0-57e34ce89a82    # md5('xetl:tweet:' || T2) as a uuid

newdb --empty
psql -X -q -v ON_ERROR_STOP=1 -f "$XETL_ROOT/fixtures/legacy/content_metadata_uuid.sql" >/dev/null
sql "CREATE TABLE posted_decisions (decision_id text PRIMARY KEY, tweet_id text NOT NULL)"
xrun migrate
is "$RC" 0 "migrate adopts the uuid shape with posted_decisions"
is "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'content_metadata' AND column_name = 'tweet_id'")" 0 \
   "content_metadata still has no tweet_id: posted_decisions is the only link"
xrun account add xetlbot --user-id 42
is "$RC" 0 "account added (bot content)"

# T1: the fixture's posted decision; T3: a thread the bot posted; T2: a posted_decisions
# row whose decision id is no uuid (nothing in content_metadata can match it); one
# more row for a tweet the export does not have.
sql "INSERT INTO content_metadata (decision_id, decision_type, content, status, posted_at)
     VALUES ('$THREAD_DEC', 'thread', 'plain', 'posted', '2024-11-29T18:00:00Z');
     INSERT INTO posted_decisions VALUES ('$FIXTURE_DEC', '$T1'), ('$THREAD_DEC', '$T3'),
                                         ('legacy-42', '$T2'),
                                         ('0b6d3c1e-1111-4a2b-8c3d-0000000000ff', '1859000000000000099')"

xrun import "$CONTENT"
is "$RC" 0 "content export imports with exit 0"
is "$(sql "SELECT string_agg(tweet_id || ' ' || decision_id || ' ' || origin, ', ' ORDER BY tweet_id) FROM xetl.posts")" \
   "$T1 $FIXTURE_DEC bot, $T2 $DERIVED_T2 import, $T3 $THREAD_DEC bot" \
   "posts: the bot's decision ids from posted_decisions, a derived id for the other"
is "$(sql "SELECT string_agg(tweet_id || ' ' || decision_id, ', ' ORDER BY tweet_id) FROM performance_snapshots
            WHERE source = 'import' AND snapshot_at = '2024-12-01T00:00:00Z'")" \
   "$T1 $FIXTURE_DEC, $T2 $DERIVED_T2, $T3 $THREAD_DEC" "snapshots carry the same decision ids"
is "$(sql "SELECT string_agg(tweet_id || ' ' || decision_id, ', ' ORDER BY tweet_id) FROM tweet_analytics_comprehensive")" \
   "$T1 $FIXTURE_DEC, $T2 $DERIVED_T2, $T3 $THREAD_DEC" "analytics rows carry the same decision ids"
is "$(sql "SELECT decision_id = xetl.derived_decision_id(tweet_id) FROM xetl.posts WHERE tweet_id = '$T2'")" t \
   "the derived id is the one pull derives"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE tweet_id = '1859000000000000099'")" 0 \
   "a posted decision the export lacks is not invented"
is "$(sql "SELECT likes || ' ' || impressions FROM performance_snapshots WHERE tweet_id = '$T1'")" "310 12500" \
   "the bot's post's counters loaded"
is "$(sql "SELECT string_agg(decision_id || ' ' || likes, ', ' ORDER BY decision_id) FROM latest_post_performance
            WHERE likes IS NOT NULL")" "$FIXTURE_DEC 310, $THREAD_DEC 15" \
   "the dashboards' view sees the imported likes of both posted decisions"

before=$(results_digest)
xrun import "$CONTENT"
is "$RC:$(results_digest)" "0:$before" "importing the same file again changes nothing"

done_testing
