#!/bin/sh
# Adopting an existing bot database: both content_metadata shapes, the seed's
# own tables with rows, and a conflicting older table (nothing half-applied).
. "$XETL_ROOT/tests/lib/testlib.sh"
L="$XETL_ROOT/fixtures/legacy"
load() { psql -X -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" -f "$1" >/dev/null; }

# --- text-id shape + posted_decisions ------------------------------------------------------
newdb --empty
load "$L/content_metadata_text_id.sql"
rows_before=$(sql "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM content_metadata t")
pd_before=$(sql "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM posted_decisions t")
xrun migrate
is "$RC" 0 "migrate adopts the text-id shape"
is "$(sql "SELECT data_type FROM information_schema.columns WHERE table_name = 'content_metadata' AND column_name = 'generation_metadata'")" jsonb \
   "generation_metadata was added"
is "$(sql "SELECT md5(string_agg((t.id, t.content, t.status, t.decision_type, t.target_tweet_id, t.target_username, t.scheduled_at, t.posted_at, t.generated_at, t.quality_score, t.features, t.created_at, t.updated_at)::text, '|' ORDER BY id)) FROM content_metadata t")" \
   "$(psql -X -Atq -d "$PGDATABASE" -c "SELECT '$rows_before'")" "existing content_metadata rows are untouched"
is "$(sql "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM posted_decisions t")" "$pd_before" "posted_decisions is untouched"
is "$(sql "SELECT count(*) FROM content_metadata")" 3 "no row added or removed"
is "$(sql "SELECT decision_id FROM latest_post_performance ORDER BY posted_at LIMIT 1")" "6f1c2b7e-8d1a-4c7e-9b52-0a4f3e2d1c01" \
   "the view reads the text-id shape (id is the decision id)"
is "$(sql "SELECT count(*) FROM latest_post_performance")" 2 "the view lists posted decisions only"
is "$(sql "SELECT string_agg(decision_ref || ' ' || coalesce(tweet_id, '-') || ' ' || status, ', ' ORDER BY decision_ref) FROM xetl.bot_content WHERE tweet_id IS NOT NULL")" \
   "6f1c2b7e-8d1a-4c7e-9b52-0a4f3e2d1c01 1861234567890123456 posted, 6f1c2b7e-8d1a-4c7e-9b52-0a4f3e2d1c02 1861234567890123457 posted" \
   "xetl.bot_content: the text-id shape's rows with their tweets from posted_decisions"
is "$(sql "SELECT count(*) || ' ' || count(decision_id) FROM xetl.bot_content")" "3 3" "every row, its text id read as the decision uuid"
sql "UPDATE content_metadata SET generation_metadata = '{\"content_type_id\":\"edu\",\"viral_formula\":\"F1\"}' WHERE id LIKE '%c01'"
is "$(sql "SELECT generation_metadata->>'viral_formula' FROM latest_post_performance WHERE decision_id LIKE '%c01'")" F1 \
   "the bot can now save generation_metadata"

# --- uuid shape ----------------------------------------------------------------------------------
newdb --empty
load "$L/content_metadata_uuid.sql"
xrun migrate
is "$RC" 0 "migrate adopts the uuid shape"
is "$(sql "SELECT count(*) FROM pg_indexes WHERE tablename = 'content_metadata' AND indexdef LIKE '%gin (generation_metadata)%'")" 1 \
   "GIN index on generation_metadata"
is "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'content_metadata' AND column_name = 'tweet_id'")" 0 \
   "the bot's own shape is kept (no columns of xetl's standalone shape forced on it)"
is "$(sql "SELECT decision_id FROM latest_post_performance")" "0b6d3c1e-1111-4a2b-8c3d-000000000001" "the view reads the uuid shape"
is "$(sql "SELECT decision_id || ' ' || coalesce(tweet_id, 'none') || ' ' || coalesce(generation_metadata::text, 'null') FROM xetl.bot_content WHERE status = 'posted'")" \
   "0b6d3c1e-1111-4a2b-8c3d-000000000001 none null" "xetl.bot_content reads the uuid shape (no tweet ids without posted_decisions)"

# --- the seed's own tables, with rows -------------------------------------------------------
newdb --empty
load "$L/content_metadata_uuid.sql"
# A database that ran the seed's migration: its eight tables, as 0001 creates them.
sed -n '/^-- The seed.s eight tables/,$p' "$XETL_ROOT/sql/0001_seed_schema.sql" > "$TMP/seed_tables.sql"
load "$TMP/seed_tables.sql"
sql "INSERT INTO performance_snapshots (decision_id, tweet_id, hours_since_post, likes, engagement_rate)
     VALUES ('0b6d3c1e-1111-4a2b-8c3d-000000000001', '1860000000000000001', 1.00, 12, 0.0800),
            ('0b6d3c1e-1111-4a2b-8c3d-000000000001', '1860000000000000001', 4.00, 45, 0.1047)"
sql "INSERT INTO content_type_performance (content_type_id, content_type_name, posts_count) VALUES ('edu', 'Educational Thread', 4)"
xrun migrate
is "$RC" 0 "migrate adopts a database that already ran the seed's migration"
is "$(sql "SELECT string_agg(source, ',' ORDER BY id) FROM performance_snapshots")" "seed#1,seed#2" "legacy snapshots get a source of their own, so the new key cannot collide"
is "$(sql "SELECT string_agg(likes || ':' || engagement_rate, ',' ORDER BY hours_since_post) FROM performance_snapshots")" "12:0.0800,45:0.1047" \
   "existing snapshots are kept with their values"
is "$(sql "SELECT posts_count FROM content_type_performance WHERE content_type_id = 'edu'")" 4 "existing aggregates are kept"
is "$(sql "SELECT count(*) FROM pg_constraint WHERE conrelid = 'performance_snapshots'::regclass AND contype = 'u'")" 1 \
   "the seed's (decision_id, hours_since_post) key is replaced by one key"
is "$(sql "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'performance_snapshots'::regclass AND contype = 'u'")" \
   "UNIQUE (account_id, tweet_id, snapshot_at, source) INCLUDE (likes, retweets, replies, impressions)" \
   "snapshots are keyed by account, tweet and as-of (the key carrying the counters the nightly reads)"
is "$(sql "SELECT string_agg(DISTINCT account_id::text, ',') FROM performance_snapshots")" 0 \
   "rows from before adoption, with no post to own them, belong to account 0 (owner unknown)"
is "$(sql "SELECT account_id || ':' || posts_count FROM content_type_performance")" 0:4 "so do the seed's aggregates"
is "$(sql "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'content_type_performance'::regclass AND contype = 'u'")" \
   "UNIQUE (account_id, content_type_id)" "aggregates are keyed per account"

# --- a conflicting older table: stop with one message, change nothing ------------------------
newdb --empty
load "$L/content_metadata_text_id.sql"
load "$L/system_health_metrics_old.sql"
before=$(schema_dump | md5sum)
data_before=$(sql "SELECT md5(string_agg(t::text, '|')) FROM system_health_metrics t")
xrun migrate
is "$RC" 78 "a conflicting system_health_metrics stops migrate with 78"
is "$(wc -l < "$ERR" | tr -d ' ')" 2 "one log line for the failing migration and one error line"
like "$(tail -1 "$ERR")" "table system_health_metrics has a different shape: column api_success_rate is missing" \
     "the message names the table and what differs"
like "$(tail -1 "$ERR")" "nothing of it was applied" "and says nothing was applied"
is "$(schema_dump | md5sum)" "$before" "the database is exactly as it was (schema)"
is "$(sql "SELECT md5(string_agg(t::text, '|')) FROM system_health_metrics t")" "$data_before" "and its data"
is "$(sql "SELECT to_regnamespace('xetl') IS NULL")" t "not even the xetl schema was left behind"
is "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'content_metadata' AND column_name = 'generation_metadata'")" 0 \
   "content_metadata was not half-migrated"

# A view squatting on a seed table's name is a conflict too.
newdb --empty
sql "CREATE VIEW follower_attributions AS SELECT 1 AS x"
xrun migrate
is "$RC" 78 "a view named like a seed table stops migrate"
like "$(tail -1 "$ERR")" "follower_attributions exists but is not a table" "and says so"

done_testing
